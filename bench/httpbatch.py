#!/usr/bin/env python3
"""Fire N GET requests at a local HTTP server with bounded concurrency.

Used by bench/run.sh to drive prometheus-blackbox-exporter's /probe
endpoint: K keep-alive connections, each sending its share of the N
requests one after another.  Counts responses whose body says
"probe_success 1".  With --pid, also reports the server process's CPU
time spent during the batch (from /proc/PID/stat).  Stdlib only;
loopback addresses only.

usage: httpbatch.py -n N -k K --pid PID URL
prints: RESULT n=.. conc=.. ok=.. failed=.. wall=.. client_cpu=.. server_cpu=..
"""
import argparse
import asyncio
import ipaddress
import os
import resource
import sys
import time
import urllib.parse


def proc_cpu(pid):
    """utime + stime of pid in seconds, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tck = os.sysconf("SC_CLK_TCK")
    # fields[0] is field 3 (state); utime is field 14, stime field 15
    return (int(fields[11]) + int(fields[12])) / tck


async def worker(host, port, path, count, stats):
    reader, writer = await asyncio.open_connection(host, port)
    req = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
           "Connection: keep-alive\r\n\r\n").encode()
    try:
        for _ in range(count):
            writer.write(req)
            await writer.drain()
            status = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            if b" 200 " in status and b"\nprobe_success 1" in body:
                stats["ok"] += 1
            else:
                stats["failed"] += 1
    finally:
        writer.close()


async def run(args):
    u = urllib.parse.urlsplit(args.url)
    if not ipaddress.ip_address(u.hostname).is_loopback:
        sys.exit("httpbatch: loopback addresses only")
    path = u.path + ("?" + u.query if u.query else "")
    k = max(1, min(args.k, args.n))
    shares = [args.n // k + (1 if i < args.n % k else 0) for i in range(k)]
    stats = {"ok": 0, "failed": 0}
    await asyncio.gather(*(worker(u.hostname, u.port, path, c, stats)
                           for c in shares))
    return k, stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, required=True)
    ap.add_argument("-k", type=int, default=64)
    ap.add_argument("--pid", type=int)
    ap.add_argument("url")
    args = ap.parse_args()
    s0 = proc_cpu(args.pid) if args.pid else None
    t0 = time.monotonic()
    k, stats = asyncio.run(run(args))
    wall = time.monotonic() - t0
    s1 = proc_cpu(args.pid) if args.pid else None
    ru = resource.getrusage(resource.RUSAGE_SELF)
    scpu = f"{s1 - s0:.3f}" if s0 is not None and s1 is not None else "nan"
    print(f"RESULT n={args.n} conc={k} ok={stats['ok']} "
          f"failed={stats['failed']} wall={wall:.4f} "
          f"client_cpu={ru.ru_utime + ru.ru_stime:.3f} server_cpu={scpu}")


if __name__ == "__main__":
    main()

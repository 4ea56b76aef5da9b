#!/usr/bin/env python3
"""status.py - read the states of a Nagios 4 status.dat.

    status.py STATUS_DAT
        one line per host and service: HOST/SERVICE STATE output
    status.py STATUS_DAT [--after EPOCH] [--timeout SECONDS]
                         --wait HOST/SERVICE=STATE[~TEXT]...
        poll every 0.2 s until each named service (or host, "HOST=UP")
        has a result of its own (has_been_checked=1, last_check >= EPOCH)
        in the wanted state, its output holding TEXT if given; exit 0,
        or 1 after the timeout, and print the lines either way.

status.dat is a sequence of blocks "servicestatus {", "key=value"
lines, "}".  Nagios writes it to a temporary file and renames it, so a
read never sees half of one.  Before its first check a service has
current_state=0 (OK) and has_been_checked=0, hence the wait for a
result rather than a state.
"""
import argparse
import sys
import time

SVC = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
HOST = {0: "UP", 1: "DOWN", 2: "UNREACHABLE"}


def read(path):
    rows, cur, kind = {}, None, None
    try:
        f = open(path, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return rows
    with f:
        for line in f:
            line = line.strip()
            if line.endswith("{"):
                kind, cur = line[:-1].strip(), {}
            elif line == "}" and cur is not None:
                if kind in ("hoststatus", "servicestatus"):
                    names = SVC if kind == "servicestatus" else HOST
                    key = cur.get("host_name", "")
                    if kind == "servicestatus":
                        key += "/" + cur.get("service_description", "")
                    st = int(cur.get("current_state", 3))
                    rows[key] = {
                        "state": names.get(st, str(st)),
                        "checked": cur.get("has_been_checked") == "1",
                        "last_check": int(cur.get("last_check", 0)),
                        "output": cur.get("plugin_output", ""),
                    }
                cur = None
            elif cur is not None and "=" in line:
                k, v = line.split("=", 1)
                cur[k] = v
    return rows


def show(rows):
    for key in sorted(rows):
        r = rows[key]
        print("%-34s %-8s %s" % (key, r["state"] if r["checked"] else "(none)",
                                 r["output"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("status_dat")
    ap.add_argument("--wait", nargs="+", default=[], metavar="NAME=STATE[~TEXT]")
    ap.add_argument("--after", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    wants = []
    for w in a.wait:
        name, _, want = w.partition("=")
        state, _, text = want.partition("~")
        wants.append((name, state, text))
    end = time.monotonic() + a.timeout
    while True:
        rows = read(a.status_dat)
        missing = [n for n, st, text in wants
                   if not (n in rows and rows[n]["checked"]
                           and rows[n]["last_check"] >= a.after
                           and rows[n]["state"] == st
                           and text in rows[n]["output"])]
        if not missing or time.monotonic() > end:
            break
        time.sleep(0.2)
    show(rows)
    if missing:
        print("# not (yet) in the wanted state: " + ", ".join(missing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

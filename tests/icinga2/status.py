#!/usr/bin/env python3
"""status.py - read the service states of an Icinga 2 through its REST API.

    status.py API_ENV --ping
        exit 0 once the API answers an authenticated query
    status.py API_ENV
        one line per service: HOST!SERVICE STATE output
    status.py API_ENV [--after EPOCH] [--timeout SECONDS] [--commands]
                      --wait HOST!SERVICE=STATE[~TEXT]...
        poll every 0.5 s until each named service has a check result
        that started at or after EPOCH, in the wanted state, its output
        holding TEXT if given; exit 0, or 1 after the timeout, and print
        the lines either way (with --commands, each service's command
        line as JSON on a second line starting with "  command ").

API_ENV is the key=value file of tests/fixtures/icinga2.sh: port, ca,
cn, user, password_file.  The server's certificate must be signed by
that CA and carry that name; the connection goes to 127.0.0.1.

A service's state is the one of its last check result
(last_check_result: state, output, execution_start, command): all four
come from the same run of the plugin.  Before its first check a service
has no result, hence the wait for a result rather than a state.
"""
import argparse
import base64
import http.client
import json
import socket
import ssl
import sys
import time

SVC = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}


def load_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            k, sep, v = line.strip().partition("=")
            if sep:
                env[k] = v
    with open(env["password_file"], encoding="utf-8") as f:
        env["password"] = f.read().strip()
    return env


def query(env, path):
    ctx = ssl.create_default_context(cafile=env["ca"])
    raw = socket.create_connection(("127.0.0.1", int(env["port"])), timeout=10)
    sock = ctx.wrap_socket(raw, server_hostname=env["cn"])
    conn = http.client.HTTPConnection("127.0.0.1", int(env["port"]), timeout=10)
    conn.sock = sock
    auth = base64.b64encode(("%s:%s" % (env["user"], env["password"])).encode())
    try:
        conn.request("GET", path, headers={
            "Accept": "application/json",
            "Authorization": "Basic " + auth.decode()})
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    if r.status != 200:
        raise OSError("HTTP %d: %s" % (r.status, body[:200]))
    return json.loads(body)


def read(env):
    attrs = "&".join("attrs=" + a for a in ("last_check_result", "state"))
    rows = {}
    for o in query(env, "/v1/objects/services?" + attrs)["results"]:
        cr = o["attrs"].get("last_check_result")
        if not cr:
            rows[o["name"]] = None
            continue
        st = int(cr.get("state", 3))
        rows[o["name"]] = {
            "state": SVC.get(st, str(st)),
            "start": float(cr.get("execution_start") or 0),
            "output": cr.get("output") or "",
            "command": cr.get("command"),
        }
    return rows


def show(rows, commands):
    for key in sorted(rows):
        r = rows[key]
        if r is None:
            print("%-34s %-8s" % (key, "(none)"))
            continue
        print("%-34s %-8s %s" % (key, r["state"], r["output"]))
        if commands:
            print("  command " + json.dumps(r["command"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("api_env")
    ap.add_argument("--ping", action="store_true")
    ap.add_argument("--wait", nargs="+", default=[], metavar="NAME=STATE[~TEXT]")
    ap.add_argument("--after", type=float, default=0)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--commands", action="store_true")
    a = ap.parse_args()
    env = load_env(a.api_env)
    if a.ping:
        query(env, "/v1/objects/services?attrs=name")
        return 0
    wants = []
    for w in a.wait:
        name, _, want = w.partition("=")
        state, _, text = want.partition("~")
        wants.append((name, state, text))
    end = time.monotonic() + a.timeout
    while True:
        try:
            rows, err = read(env), None
        except (OSError, ValueError, ssl.SSLError) as e:
            rows, err = {}, e
        missing = [n for n, st, text in wants
                   if not (rows.get(n) and rows[n]["start"] >= a.after
                           and rows[n]["state"] == st
                           and text in rows[n]["output"])]
        if not missing or time.monotonic() > end:
            break
        time.sleep(0.5)
    if err is not None:
        print("# API: %s" % err)
    show(rows, a.commands)
    if missing:
        print("# not (yet) in the wanted state: " + ", ".join(missing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""jsoncheck.py - assertions on mailprobe --json output.

Shared by the fake-server suite and the real-server tests, so both speak
one assertion language:

    key=a|b       field (dotted path into nested objects) equals one of the
                  alternatives; true/false/null are written as in JSON.
                  A number in the path indexes a list (targets.0.address),
                  "#" is its length (targets.#=3)
    key=LO..HI    integer in the closed range
    key!=v        field differs from v
    t:phase       timings_us.phase is a non-negative integer

The JSON "exit" must always equal mailprobe's exit status.

As a command: jsoncheck.py OUTFILE RC ASSERTION...  prints what failed
(and a summary of the object) and exits 1, or exits 0 silently.
"""
import json
import sys

SUMMARY = ("status", "exit", "fail", "reason", "reply_code", "reply_text",
           "cert_days", "cert_verified")


def check_json(j, rc, asserts):
    """Return a list of failed assertions (empty when all hold)."""
    def get(path):
        v = j
        for k in path.split("."):
            if isinstance(v, list):
                if k == "#":
                    v = len(v)
                    continue
                if not k.isdigit() or int(k) >= len(v):
                    return "<missing>"
                v = v[int(k)]
                continue
            if not isinstance(v, dict) or k not in v:
                return "<missing>"
            v = v[k]
        return v

    def show(v):
        return v if isinstance(v, str) else json.dumps(v)

    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    bad = []
    if j.get("exit") != rc:
        bad.append("json exit %r != process exit %d" % (j.get("exit"), rc))
    for a in asserts:
        if a.startswith("t:"):
            v = get("timings_us." + a[2:])
            if not (is_int(v) and v >= 0):
                bad.append("timings_us.%s=%s, want a number" % (a[2:], show(v)))
            continue
        neg = "!=" in a
        k, want = a.split("!=" if neg else "=", 1)
        v = get(k)
        if ".." in want and not neg:
            lo, hi = (int(x) for x in want.split(".."))
            ok = is_int(v) and lo <= v <= hi
        else:
            ok = (show(v) in want.split("|")) != neg
        if not ok:
            bad.append("%s=%s, want %s%s" % (k, show(v), "not " if neg else "",
                                             want))
    return bad


def main(argv):
    out, rc, asserts = argv[1], int(argv[2]), argv[3:]
    text = open(out, encoding="utf-8", errors="replace").read()
    try:
        j = json.loads(text)
    except ValueError as e:
        print("stdout is not one JSON object (%s): %r" % (e, text[:300]))
        return 1
    bad = check_json(j, rc, asserts)
    if bad:
        print("; ".join(bad))
        print("  json: " + json.dumps({k: j.get(k) for k in SUMMARY}))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

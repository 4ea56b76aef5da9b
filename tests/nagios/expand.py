#!/usr/bin/env python3
"""expand.py - turn a Nagios check_command into the command line Nagios runs.

    expand.py CFG 'COMMAND!ARG1!ARG2' USER1 HOSTADDRESS PORT

Reads the define command blocks of CFG, takes COMMAND's command_line and
replaces $USER1$, $HOSTADDRESS$ and $ARGn$ as Nagios 4 does (an unknown
or empty macro becomes the empty string, "$$" a dollar sign).  The
fixtures listen on high ports while the book's definitions rely on the
default ones, so "-p PORT" is put right after the program, before any
word check_tcp's getopt could stop at.  Prints the line for /bin/sh -c,
which is how Nagios runs a command line holding quotes.
"""
import re
import sys


def commands(path):
    cmds, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if re.match(r"define\s+command\s*\{", line):
                cur = {}
                continue
            if line.startswith("}"):
                cmds[cur["command_name"]] = cur["command_line"]
                cur = None
                continue
            if cur is not None:
                key, _, val = line.partition(" ")
                cur[key] = val.strip()
    return cmds


def expand(line, macros):
    def one(m):
        name = m.group(1)
        if name == "":
            return "$"
        return macros.get(name, "")
    return re.sub(r"\$([A-Z0-9_]*)\$", one, line)


def main():
    cfg, check, user1, host, port = sys.argv[1:6]
    name, *args = check.split("!")
    line = commands(cfg)[name]
    macros = {"USER1": user1, "HOSTADDRESS": host}
    for i, a in enumerate(args, 1):
        macros["ARG%d" % i] = a
    out = expand(line, macros)
    prog, _, rest = out.partition(" ")
    print("%s -p %s %s" % (prog, port, rest))


if __name__ == "__main__":
    main()

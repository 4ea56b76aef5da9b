#!/usr/bin/env python3
"""syscalls.py UNITFILE TRACE PROGRAM - did a traced daemon stay inside the
unit's system call sandbox?

TRACE is `strace -f -qq -o TRACE ...` output of a run that exec'd PROGRAM.
Only what follows PROGRAM's execve counts (its pid, and the processes and
threads it cloned); the launcher before it does not run under the unit's
filters.  Three settings are checked, the ones a run outside systemd cannot
enforce:

  SystemCallFilter=         every call made is in the allowed set, groups
                            expanded with `systemd-analyze syscall-filter`
  RestrictAddressFamilies=  every socket()/socketpair() family is listed
  MemoryDenyWriteExecute=   no mapping both writable and executable, no
                            mprotect() adding PROT_EXEC

Prints one line per check ("ok ..." or "violation ...") and exits 1 on
any violation, 2 when the trace or the unit cannot be used.
"""

import re
import subprocess
import sys

CALL = re.compile(r"^(\d+)\s+(?:<\.\.\. )?([a-z_][a-z0-9_]*)(?:\(| resumed>)")
EXECVE = re.compile(r'^(\d+)\s+execve\("([^"]*)"')
RESUMED = re.compile(r"^(\d+)\s+<\.\.\. execve resumed>")
CLONE = re.compile(r"^(\d+)\s+(?:<\.\.\. )?(?:clone|clone3|fork|vfork)\b.*= (\d+)$")
SOCKET = re.compile(r"^(\d+)\s+(socket|socketpair)\((AF_[A-Z0-9]+)")
MMAP = re.compile(r"^(\d+)\s+(mmap|mprotect|pkey_mprotect)\((.*)")


def unit_setting(path, key):
    """Every value of KEY= in [Service]; an empty assignment resets."""
    values, section = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and line.startswith(key + "="):
                v = line[len(key) + 1:]
                values = [] if v == "" else values + [v]
    return values


def syscall_groups():
    """{"@group": [members]} from systemd-analyze, members may be groups."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"], check=True,
                         capture_output=True, text=True).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if line.startswith("@"):
            cur = groups.setdefault(s, [])
        elif cur is not None:
            cur.append(s)
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    calls = set()
    for n in names:
        if n.startswith("@"):
            if n in seen:
                continue
            seen.add(n)
            if n not in groups:
                raise SystemExit("syscalls: unknown group %s" % n)
            calls |= expand(groups[n], groups, seen)
        else:
            calls.add(n)
    return calls


def allowed_calls(unit):
    """The allow list of SystemCallFilter=, or None when there is none."""
    allow, deny = set(), set()
    groups = syscall_groups()
    for v in unit_setting(unit, "SystemCallFilter"):
        words = v.split()
        if words and words[0].startswith("~"):
            words[0] = words[0][1:]
            deny |= expand(words, groups)
        else:
            allow |= expand(words, groups)
    if not allow:
        return None
    return allow - deny


def traced(trace, program):
    """The lines of PROGRAM and of every process it cloned."""
    pids, pending, lines = set(), set(), []
    with open(trace, encoding="utf-8", errors="replace") as f:
        for line in f:
            done = line.rstrip().endswith("= 0")
            m = EXECVE.match(line)
            if m and m.group(2) == program:
                # another process may split the line: "<unfinished ...>"
                (pids if done else pending).add(m.group(1))
            m = RESUMED.match(line)
            if m and m.group(1) in pending and done:
                pids.add(m.group(1))
            m = CALL.match(line)
            if not m or m.group(1) not in pids:
                continue
            lines.append(line.rstrip("\n"))
            c = CLONE.match(line)
            if c:
                pids.add(c.group(2))
    return pids, lines


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    unit, trace, program = sys.argv[1:]
    pids, lines = traced(trace, program)
    if not lines:
        print("syscalls: no execve of %s in %s" % (program, trace),
              file=sys.stderr)
        return 2
    bad = 0

    used = {CALL.match(l).group(2) for l in lines}
    allow = allowed_calls(unit)
    if allow is None:
        print("ok SystemCallFilter: none set (%d calls used)" % len(used))
    else:
        # the calls ld.so and libc make before main() are filtered too
        outside = sorted(used - allow)
        if outside:
            bad += 1
            print("violation SystemCallFilter: %s" % " ".join(outside))
        else:
            print("ok SystemCallFilter: all %d calls used are allowed"
                  % len(used))

    fams = set()
    for l in lines:
        m = SOCKET.match(l)
        if m:
            fams.add(m.group(3))
    listed = set(" ".join(unit_setting(unit, "RestrictAddressFamilies")).split())
    if not listed:
        print("ok RestrictAddressFamilies: none set")
    elif any(f.startswith("~") for f in listed):
        print("syscalls: deny lists in RestrictAddressFamilies are not "
              "supported", file=sys.stderr)
        return 2
    else:
        outside = sorted(fams - listed)
        if outside:
            bad += 1
            print("violation RestrictAddressFamilies: %s" % " ".join(outside))
        else:
            print("ok RestrictAddressFamilies: used %s"
                  % (" ".join(sorted(fams)) or "none"))

    if "yes" in unit_setting(unit, "MemoryDenyWriteExecute"):
        wx = []
        for l in lines:
            m = MMAP.match(l)
            if not m:
                continue
            args = m.group(3)
            if "PROT_EXEC" in args and (m.group(2) != "mmap"
                                        or "PROT_WRITE" in args):
                wx.append(l)
        if wx:
            bad += 1
            print("violation MemoryDenyWriteExecute: %s" % wx[0])
        else:
            print("ok MemoryDenyWriteExecute: no writable+executable "
                  "mapping, no mprotect(PROT_EXEC)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

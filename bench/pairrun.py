#!/usr/bin/env python3
"""Compare the CPU of two one-shot commands, run in alternation.

Runs command A and command B N times each, one pair after another, the
order inside each pair drawn at random, and takes each child's CPU
(user + system) and minor page faults from wait4()'s rusage.  A busy
moment of the machine then falls on both alike, and the per-pair
differences give a confidence interval: the figure that says whether
two commands that cost about the same can be told apart at all.
Stdlib only.

usage: pairrun.py -n N [--ok-a RE] [--ok-b RE] -- CMD_A... -- CMD_B...
prints: RESULT n=.. a_us=.. b_us=.. a_med=.. b_med=.. ratio=.. lo=.. hi=..
        diff_us=.. ci_us=.. a_ok=.. b_ok=.. a_flt=.. b_flt=..
  ratio = mean(B) / mean(A); lo, hi = ratio's 95 % interval, from the
  mean per-pair difference +- 1.96 standard errors, over mean(A);
  a_ok, b_ok = runs whose first line of standard output matches RE
  a_flt, b_flt = mean minor page faults per run (where a virtual
  machine makes each fault expensive, a start-up cost of its own)
The environment is passed on unchanged (the caller unsets what it must).
"""
import argparse
import os
import random
import re
import statistics
import sys


def run(cmd, ok):
    """one run of cmd: (CPU microseconds, first output line matched ok,
    minor page faults)"""
    rd, wr = os.pipe()
    # posix_spawn (vfork in glibc): the child does not first copy this
    # interpreter's address space, which would be counted as its CPU
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=[
        (os.POSIX_SPAWN_CLOSE, rd),
        (os.POSIX_SPAWN_DUP2, wr, 1),
        (os.POSIX_SPAWN_CLOSE, wr),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    os.close(wr)
    out = b""
    while True:
        chunk = os.read(rd, 65536)
        if not chunk:
            break
        if len(out) < 4096:
            out += chunk
    os.close(rd)
    _, _, ru = os.wait4(pid, 0)
    first = out.split(b"\n", 1)[0].decode("utf-8", "replace")
    return ((ru.ru_utime + ru.ru_stime) * 1e6, bool(ok and ok.search(first)),
            ru.ru_minflt)


def main():
    argv = sys.argv[1:]
    try:
        i = argv.index("--")
        j = argv.index("--", i + 1)
    except ValueError:
        sys.exit("usage: pairrun.py -n N [--ok-a RE] [--ok-b RE] -- A... -- B...")
    p = argparse.ArgumentParser()
    p.add_argument("-n", type=int, required=True)
    p.add_argument("--ok-a")
    p.add_argument("--ok-b")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv[:i])
    cmds = (argv[i + 1:j], argv[j + 1:])
    if not cmds[0] or not cmds[1] or a.n < 2:
        sys.exit("pairrun.py: two commands and -n 2 or more are needed")
    oks = (re.compile(a.ok_a) if a.ok_a else None,
           re.compile(a.ok_b) if a.ok_b else None)
    rnd = random.Random(a.seed)
    cpu = ([], [])
    good = [0, 0]
    flt = ([], [])
    for _ in range(a.n):
        for k in rnd.sample((0, 1), 2):
            us, matched, faults = run(cmds[k], oks[k])
            cpu[k].append(us)
            flt[k].append(faults)
            good[k] += matched
    d = [b - x for x, b in zip(cpu[0], cpu[1])]
    ma, mb = statistics.mean(cpu[0]), statistics.mean(cpu[1])
    ci = 1.96 * statistics.stdev(d) / len(d) ** 0.5
    md = statistics.mean(d)
    print("RESULT n=%d a_us=%.0f b_us=%.0f a_med=%.0f b_med=%.0f ratio=%.3f "
          "lo=%.3f hi=%.3f diff_us=%.0f ci_us=%.0f a_ok=%d b_ok=%d "
          "a_flt=%.1f b_flt=%.1f" % (
              a.n, ma, mb, statistics.median(cpu[0]), statistics.median(cpu[1]),
              mb / ma, (ma + md - ci) / ma, (ma + md + ci) / ma, md, ci,
              good[0], good[1], statistics.mean(flt[0]),
              statistics.mean(flt[1])))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""run_scenarios.py - run mailprobe against every fake-server scenario.

For each tests/fake/scenarios/NAME.scn: start fakeserver.py on an
ephemeral port, run `mailprobe MODE -H 127.0.0.1 -p PORT --json ARGS`,
measure its wall time, then check the JSON result, the reason, the time
and what the client sent (from the server's log).  Prints one PASS/FAIL
line per scenario and "N passed, N failed"; exits 1 on any failure.

Test lines in a scenario (the server ignores them):

  @desc text          what the scenario shows
  @args MODE ARGS     mailprobe arguments after -H/-p/--json; {port},
                      {closedport}, {pwfile}, {ca}, {user} are substituted
  @json ASSERTIONS    key=a|b, key!=v, key=LO..HI, t:phase (see check_json)
  @reason regex       the reason must match (re.search, case-insensitive)
  @noreason regex     ... must not match
  @wall MAX | MIN..MAX  MAX bounds the probe's own total time (JSON
                        timings_us.total) and, START_SLACK later, the
                        process's wall time; MIN bounds the wall time
  @client regex       the client's lines, in order, each matched in full;
                      together they must be the whole dialogue
  @clientall regex    every client line (maybe none) matches in full
  @log regex / @nolog regex   the server log has / has not a match
  @secret             run with -v -v; the password must not be printed
  @noserver           start no server; for {closedport}
  @limit seconds      the fake server's hard limit (default 15)

Env: MAILPROBE_WRAPPER (e.g. "valgrind -q --error-exitcode=99
--leak-check=full") runs every mailprobe under it; FAKE_TIME_SCALE
multiplies every time bound (default 1, or 4 with a wrapper); FAKE_JOBS
scenarios run at once (default 4); KEEP=1 keeps the work directory.
"""

import argparse
import base64
import concurrent.futures
import json
import os
import random
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from jsoncheck import check_json  # noqa: E402  (shared with the real tests)
SLACK = 1.0		# seconds a probe may run past its own timeout
# seconds a process may add around its probe: loading, a sanitizer's exit
START_SLACK = float(os.environ.get("FAKE_START_SLACK", "2.0"))
SANITIZER_RE = re.compile(
    r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
    r"runtime error:|Invalid (read|write)|uninitialised value|"
    r"definitely lost: [1-9]")


class Scenario:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-4]
        self.desc = ""
        self.args = []
        self.json = []
        self.reason = []
        self.noreason = []
        self.wall = (0.0, None)
        self.client = []
        self.clientall = []
        self.log = []
        self.nolog = []
        self.secret = False
        self.noserver = False
        self.limit = 15.0
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if line.startswith("@"):
                    self.meta(lineno, line.rstrip("\r\n"))
        if not self.args:
            raise ValueError("%s: no @args" % path)

    def meta(self, lineno, line):
        parts = line[1:].split(None, 1)
        key = parts[0].lower()
        val = parts[1].strip() if len(parts) > 1 else ""
        if key == "desc":
            self.desc = val
        elif key == "args":
            self.args = val
        elif key == "json":
            self.json += val.split()
        elif key == "reason":
            self.reason.append(val)
        elif key == "noreason":
            self.noreason.append(val)
        elif key == "wall":
            if ".." in val:
                lo, hi = val.split("..")
                self.wall = (float(lo), float(hi))
            else:
                self.wall = (0.0, float(val))
        elif key == "client":
            self.client.append(val)
        elif key == "clientall":
            self.clientall.append(val)
        elif key == "log":
            self.log.append(val)
        elif key == "nolog":
            self.nolog.append(val)
        elif key == "secret":
            self.secret = True
        elif key == "noserver":
            self.noserver = True
        elif key == "limit":
            self.limit = float(val)
        else:
            raise ValueError("%s:%d: unknown @%s" % (self.path, lineno, key))


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Runner:
    def __init__(self, opts):
        self.opts = opts
        self.work = tempfile.mkdtemp(prefix="mm-fake.")
        self.wrapper = shlex.split(os.environ.get("MAILPROBE_WRAPPER", ""))
        scale = os.environ.get("FAKE_TIME_SCALE")
        self.scale = float(scale) if scale else (4.0 if self.wrapper else 1.0)
        self.user = "probeuser"
        self.password = "fkPw%dq%dz" % (random.randrange(10 ** 6),
                                        random.randrange(10 ** 6))
        self.pwfile = os.path.join(self.work, "password")
        with open(self.pwfile, "w") as f:
            f.write(self.password + "\n")
        os.chmod(self.pwfile, 0o600)
        self.cert = os.path.join(self.work, "cert.pem")
        self.key = os.path.join(self.work, "key.pem")
        self.make_cert()

    def secrets(self):
        """The password as it may leak: plain and in SASL base64 forms."""
        pw, user = self.password.encode(), self.user.encode()
        return [("plain", pw),
                ("base64", base64.b64encode(pw)),
                ("AUTH PLAIN", base64.b64encode(b"\0" + user + b"\0" + pw)),
                ("AUTH PLAIN authzid",
                 base64.b64encode(user + b"\0" + user + b"\0" + pw))]

    def make_cert(self):
        """A throwaway self-signed certificate for 127.0.0.1/localhost."""
        cmd = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
               "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
               "-subj", "/CN=localhost", "-addext",
               "subjectAltName=DNS:localhost,IP:127.0.0.1",
               "-keyout", self.key, "-out", self.cert]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=60)

    def subst(self, text, port, cport):
        return (text.replace("{port}", str(port))
                .replace("{closedport}", str(cport))
                .replace("{pwfile}", self.pwfile)
                .replace("{ca}", self.cert)
                .replace("{user}", self.user))

    def start_server(self, sc, d):
        log = os.path.join(d, "server.log")
        cmd = [sys.executable, os.path.join(HERE, "fakeserver.py"),
               "--scenario", sc.path, "--log", log, "--cert", self.cert,
               "--key", self.key, "--limit", str(sc.limit * self.scale)]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                             stderr=open(os.path.join(d, "server.err"), "w"),
                             start_new_session=True)
        line = p.stdout.readline().decode()
        m = re.match(r"PORT (\d+)", line)
        if not m:
            p.kill()
            p.wait()
            err = open(os.path.join(d, "server.err")).read()
            raise RuntimeError("fake server did not start: %s" % err.strip())
        return p, int(m.group(1)), log

    def run_one(self, sc):
        d = os.path.join(self.work, sc.name)
        os.makedirs(d)
        server = None
        port = 0
        log = None
        try:
            if not sc.noserver:
                server, port, log = self.start_server(sc, d)
            cport = closed_port()
            args = shlex.split(self.subst(sc.args, port, cport))
            cmd = self.wrapper + [self.opts.mailprobe, args[0],
                                  "-H", "127.0.0.1"]
            if port:
                cmd += ["-p", str(port)]
            cmd += ["--json"] + args[1:]
            if sc.secret:
                cmd += ["-v", "-v"]
            hard = (sc.wall[1] or 10.0) * self.scale + 10.0
            t0 = time.monotonic()
            try:
                p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=hard)
                rc, out, err = p.returncode, p.stdout, p.stderr
            except subprocess.TimeoutExpired as e:
                rc, out, err = None, e.stdout or b"", e.stderr or b""
            wall = time.monotonic() - t0
            if server is not None:
                try:
                    server.wait(timeout=5 * self.scale)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, 9)
                    server.wait()
            slog = open(log, encoding="utf-8").read() if log else ""
            with open(os.path.join(d, "stdout"), "wb") as f:
                f.write(out)
            with open(os.path.join(d, "stderr"), "wb") as f:
                f.write(err)
            bad = self.verify(sc, cmd, rc, out, err, wall, slog)
            return sc, bad, wall, cmd, out, err, slog
        finally:
            if server is not None and server.poll() is None:
                os.killpg(server.pid, 9)
                server.wait()
            if server is not None:
                server.stdout.close()

    def verify(self, sc, cmd, rc, out, err, wall, slog):
        bad = []
        lo, hi = sc.wall
        if rc is None:
            return ["mailprobe did not exit within %.1fs (killed)" % wall]
        text = out.decode("utf-8", "replace")
        try:
            j = json.loads(text)
        except ValueError as e:
            return ["stdout is not one JSON object (%s): %r" % (e, text[:300])]
        if not isinstance(j, dict):
            return ["stdout is JSON but not an object: %r" % text[:300]]
        bad += check_json(j, rc, sc.json)
        reason = j.get("reason")
        if not isinstance(reason, str):
            bad.append("reason is not a string: %r" % (reason,))
            reason = ""
        if j.get("status") != "ok" and not reason.strip():
            bad.append("empty reason for status %s" % j.get("status"))
        for rx in sc.reason:
            if not re.search(rx, reason, re.I):
                bad.append("reason %r does not match /%s/" % (reason, rx))
        for rx in sc.noreason:
            if re.search(rx, reason, re.I):
                bad.append("reason %r matches /%s/" % (reason, rx))
        if hi is not None:
            # The bound is on the probe: its own clock, from start to
            # verdict.  The process around it (loader, a sanitizer's exit
            # scan) gets START_SLACK more on the wall clock, which still
            # catches a probe that reports early but does not exit.
            total = (j.get("timings_us") or {}).get("total")
            if isinstance(total, int) and total / 1e6 > hi * self.scale:
                bad.append("probe took %.2fs, want at most %.2fs"
                           % (total / 1e6, hi * self.scale))
            if wall > hi * self.scale + START_SLACK:
                bad.append("took %.2fs, want at most %.2fs" % (
                    wall, hi * self.scale + START_SLACK))
        if wall < lo:
            bad.append("took %.2fs, want at least %.2fs" % (wall, lo))
        errtext = err.decode("utf-8", "replace")
        if SANITIZER_RE.search(errtext):
            bad.append("sanitizer/valgrind report on stderr")
        if sc.secret:
            for where, data in (("stdout", out), ("stderr", err)):
                for form, secret in self.secrets():
                    if secret in data:
                        bad.append("password printed on %s (%s)" % (where,
                                                                   form))
        if not sc.noserver:
            bad += self.verify_log(sc, slog)
        return bad

    def verify_log(self, sc, slog):
        bad = []
        lines = [l[3:] for l in slog.splitlines() if l.startswith("C: ")]
        pw = re.escape(self.password)
        usr = re.escape(self.user)

        def rx(p):
            return p.replace("{password}", pw).replace("{user}", usr)
        if "CONNECT 1 " not in slog:
            bad.append("the client never connected")
        if sc.client:
            ok = len(lines) == len(sc.client) and all(
                re.fullmatch(rx(p), l, re.I) for p, l in zip(sc.client, lines))
            if not ok:
                bad.append("client dialogue %s, want %s" % (
                    json.dumps(lines), json.dumps(sc.client)))
        for p in sc.clientall:
            odd = [l for l in lines if not re.fullmatch(rx(p), l, re.I)]
            if odd:
                bad.append("client sent %s, want only /%s/" % (
                    json.dumps(odd[:4]), p))
        for p in sc.log:
            if not re.search(rx(p), slog, re.M | re.I):
                bad.append("server log has no /%s/" % p)
        for p in sc.nolog:
            m = re.search(rx(p), slog, re.M | re.I)
            if m:
                line = slog[slog.rfind("\n", 0, m.start()) + 1:].split("\n")[0]
                bad.append("server log has /%s/: %s" % (p, line[:200]))
        for ev in ("SERVER-ERROR", "PLAINTEXT-BEFORE-TLS"):
            for l in slog.splitlines():
                if l.startswith(ev):
                    bad.append("server log: %s" % l[:200])
        return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mailprobe", required=True)
    ap.add_argument("--scenarios", default=os.path.join(HERE, "scenarios"))
    ap.add_argument("-j", "--jobs", type=int,
                    default=int(os.environ.get("FAKE_JOBS", "4")))
    ap.add_argument("names", nargs="*", help="only these scenarios")
    opts = ap.parse_args()

    paths = sorted(os.path.join(opts.scenarios, f)
                   for f in os.listdir(opts.scenarios) if f.endswith(".scn"))
    if opts.names:
        paths = [p for p in paths
                 if os.path.basename(p)[:-4] in opts.names]
    scenarios = []
    nfail = 0
    for p in paths:
        try:
            scenarios.append(Scenario(p))
        except (OSError, ValueError) as e:
            print("FAIL %s: bad scenario: %s" % (os.path.basename(p), e))
            nfail += 1
    if not scenarios and not nfail:
        print("FAIL no scenarios found in %s" % opts.scenarios)
        print("0 passed, 1 failed")
        return 1

    runner = Runner(opts)
    npass = 0
    with concurrent.futures.ThreadPoolExecutor(max(1, opts.jobs)) as pool:
        futs = [pool.submit(runner.run_one, sc) for sc in scenarios]
        for sc, fut in zip(scenarios, futs):
            try:
                sc, bad, wall, cmd, out, err, slog = fut.result()
            except Exception as e:
                print("FAIL %s: driver error: %s: %s" % (sc.name,
                      type(e).__name__, e))
                nfail += 1
                continue
            if not bad:
                npass += 1
                print("PASS %s (%.2fs) %s" % (sc.name, wall, sc.desc))
                continue
            nfail += 1
            print("FAIL %s (%.2fs) %s" % (sc.name, wall, sc.desc))
            for b in bad:
                print("     %s" % b)
            print("     cmd: %s" % " ".join(shlex.quote(c) for c in cmd))
            print("     stdout: %s" % out.decode("utf-8", "replace")
                  .strip()[:600])
            if err.strip():
                print("     stderr: %s" % err.decode("utf-8", "replace")
                      .strip()[-600:].replace("\n", "\n             "))
            events = [l for l in slog.splitlines()
                      if not l.startswith(("S: ", "LISTEN", "DONE"))]
            print("     server log: %s" % json.dumps(events[:14]))
            sys.stdout.flush()
    if os.environ.get("KEEP"):
        print("work directory kept: %s" % runner.work)
    else:
        shutil.rmtree(runner.work, ignore_errors=True)
    print("%d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""seeds.py TOPDIR OUTDIR - write the seed corpora of the fuzz harnesses.

OUTDIR/<harness>/ gets small files made from what the tree already has:

  smtp pop3 imap tcp mbox  the fake-server scenarios (tests/fake/scenarios):
                           @args become the option bytes of fuzz_session.h,
                           the server's SENDs, DRIPs, closes and TLS steps
                           the mock's script (fuzz_mock.h), in file order;
                           plus a few complete dialogues written here
  reply                    every SEND text of the scenarios
  conf                     conf/*.conf, and lines that carry the test password
  opts                     the Nagios command definitions (conf/nagios), the
                           scenarios' @args, lines that carry the test password

Python 3 standard library only; the output is the same on every run.
"""

import glob
import hashlib
import os
import random
import re
import shlex
import sys

PASSWORD = "Pw7-fuzz-secret-Q"     # fuzz_secret.h
HDR = 6                            # fuzz_session.h
CHUNK = 240                        # fuzz_mock.h: c < 0xf0 -> c + 1 bytes
CLOSE, RESET, QUIET = 0xf0, 0xf1, 0xf2

ARGV0 = ["mailprobe", "check_smtp", "check_ssmtp", "check_pop", "check_spop",
         "check_imap", "check_simap", "check_tcp",
         "/usr/lib/nagios/plugins/check_smtp", None]   # fuzz_opts.c


def unescape(text):
    """The scenario escapes: \\r \\n \\t \\0 \\xHH \\\\."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n in "rnt0\\":
                out += {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0",
                        "\\": b"\\"}[n]
                i += 2
                continue
            if n == "x" and i + 3 < len(text) + 1:
                try:
                    out.append(int(text[i + 2:i + 4], 16))
                    i += 4
                    continue
                except ValueError:
                    pass
        out += c.encode("latin-1", "replace")
        i += 1
    return bytes(out)


class Script:
    """The mock's script for one check (fuzz_mock.h)."""

    def __init__(self, certbits=0):
        self.b = bytearray()
        self.certbits = certbits

    def connection(self, implicit_tls=False):
        self.b += bytes([3, 3])            # name resolves, connect works
        if implicit_tls:
            self.tls()

    def tls(self):
        self.b += bytes([3, self.certbits, 106])    # up, bits, 90 days

    def data(self, data):
        for i in range(0, len(data), CHUNK):
            part = data[i:i + CHUNK]
            self.b += bytes([len(part) - 1]) + part

    def drip(self, data):
        for c in data:
            self.b += bytes([0, c])

    def quiet(self, ms):
        self.b += bytes([QUIET, max(0, min(255, ms // 50 - 1))])


def argval(args, *names):
    for i, a in enumerate(args):
        for n in names:
            if a == n and i + 1 < len(args):
                return args[i + 1]
            if a.startswith(n + "="):
                return a[len(n) + 1:]
    return None


def header(mode, args, secret, untrusted):
    """The option bytes of fuzz_session.h from a scenario's @args."""
    h = [0] * HDR
    tls = 0
    if "--starttls" in args or (mode in ("smtp", "relay") and "-S" in args):
        tls = 1
    if "--tls" in args or "--ssl" in args or "-s" in args and mode != "tcp":
        tls = 2
    h[0] = tls | 0x04
    if any("no-verify" in a or "insecure" in a for a in args):
        h[0] &= ~0x04
    if any("plaintext" in a for a in args):
        h[0] |= 0x08
    if secret:
        h[0] |= 0x10                       # trace: masking is checked
    if argval(args, "--cert-days", "-D"):
        h[0] |= 0x20
    auth = (argval(args, "--auth", "-A") or "").lower()
    user = argval(args, "--user", "-U", "-u") is not None
    mech = {"plain": 2, "login": 3}.get(auth, 1 if auth or (user and mode in (
        "smtp", "relay")) else 0)
    h[1] = mech | ((0 if user else 2) << 2)
    h[2] = 0
    if mode == "relay":
        h[2] |= 0x40
    ncmd = min(3, args.count("-C"))
    rcpt = 1 if (argval(args, "--from", "-f") or argval(args, "--rcpt")) else 0
    h[3] = ncmd | (rcpt << 2) | (3 << 4)
    if mode == "delivery":
        mtls = {"starttls": 1, "tls": 2}.get(argval(args, "--mbox-tls") or "", 0)
        pop = 1 if (argval(args, "--mbox-proto") or "imap").startswith("pop") else 0
        h[4] = pop | (mtls << 1)
    return bytes(h)


def harness_of(mode):
    return {"smtp": "smtp", "relay": "smtp", "pop": "pop3", "pop3": "pop3",
            "imap": "imap", "tcp": "tcp", "delivery": "mbox"}.get(mode)


CATCHALL = re.compile(r"^\^?(\.\*|\(\\S\+\))$")


def scenario(path):
    """(harness, seed bytes, SEND texts) of one scenario file."""
    args, secret, untrusted = [], False, False
    lines = open(path, encoding="latin-1").read().splitlines()
    for ln in lines:
        if ln.startswith("@args "):
            args = ln[6:].split()
        elif ln.startswith("@secret"):
            secret = True
        elif ln.startswith(("@desc", "@json")) and ("untrusted" in ln or
                                                      "cert_invalid" in ln):
            untrusted = True
    if not args:
        return None, b"", []
    mode = args[0]
    name = harness_of(mode)
    if name is None:
        return None, b"", []
    hdr = header(mode, args, secret, untrusted)
    sc = Script(certbits=0x02 if untrusted else 0)
    sends = []
    tag = [0]

    def subst(text, in_on):
        if "$1" in text or "$0" in text:
            tag[0] += 1
            t = "A%03d" % tag[0]
            text = text.replace("$1", t).replace("$0", t)
        return re.sub(r"\$[2-9]", "x", text).replace("$$", "$")

    started = False
    skip_block = False
    for raw in lines:
        if not raw.strip() or raw.lstrip().startswith(("#", "@")):
            continue
        indented = raw[:1] in (" ", "\t")
        ln = raw.strip()
        word, _, rest = ln.partition(" ")
        if not indented:
            skip_block = False
        if skip_block:
            continue
        if word == "CONNECTION":
            started = False
            tag[0] = 0
            continue
        if not started:
            implicit = word == "TLS" or header(mode, args, 0, 0)[0] & 3 == 2
            sc.connection(implicit_tls=bool(implicit) and word != "STARTTLS")
            started = True
            if word == "TLS":
                continue
        if word == "ON":
            rx, _, action = rest.partition(" ")
            if CATCHALL.match(rx) or "unknown" in action or "BAD" in action:
                skip_block = not action
                continue
            if not action:
                continue
            word, _, rest = action.partition(" ")
        if word == "SEND":
            data = unescape(subst(rest, True))
            sends.append(data)
            sc.data(data)
        elif word == "SENDRAW":
            data = bytes.fromhex(rest.replace(" ", ""))
            sends.append(data)
            sc.data(data)
        elif word == "DRIP":
            text, _, _ = rest.rpartition(" ")
            sc.drip(unescape(subst(text, True)))
        elif word in ("DELAY", "QUIET"):
            try:
                sc.quiet(int(rest.split()[0]))
            except (ValueError, IndexError):
                pass
        elif word in ("CLOSE", "SHUTDOWN"):
            sc.b.append(CLOSE)
        elif word == "RESET":
            sc.b.append(RESET)
        elif word == "HANG":
            sc.b += bytes([QUIET, 255])
        elif word == "GARBAGE":
            n = int(rest.split()[0]) if rest.split() else 64
            rnd = random.Random(n)
            sc.data(bytes(rnd.randrange(256) for _ in range(min(n, 512))))
        elif word == "ENDLESS":
            data = unescape(rest)
            sc.data((data * (2048 // max(1, len(data)) + 1))[:2048])
        elif word in ("STARTTLS", "TLS"):
            sc.tls()
        elif word == "TLSGARBAGE":
            sc.b.append(0)                 # the handshake fails
    return name, hdr + bytes(sc.b), sends


def dialogue(hdr, *connections, certbits=0):
    """A seed from whole connections: lists of replies, "TLS" steps."""
    sc = Script(certbits)
    for conn in connections:
        sc.connection(implicit_tls=conn[:1] == ["TLS!"])
        for r in conn:
            if r == "TLS!":
                continue
            if r == "TLS":
                sc.tls()
            else:
                sc.data(r.encode())
        sc.b.append(CLOSE)
    return bytes(hdr) + bytes(sc.b)


TOKEN = "mailmon-fz-1700000000-000000000000"    # fuzz_mbox.c

SUBMIT = ["220 mx ESMTP\r\n", "250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
          "250 ok\r\n", "250 ok\r\n", "354 go\r\n", "250 queued\r\n",
          "221 bye\r\n"]


def handwritten():
    """Complete dialogues the scenarios do not spell out in order."""
    out = {"smtp": [], "pop3": [], "imap": [], "tcp": [], "mbox": []}
    # SMTP: STARTTLS then AUTH PLAIN; AUTH LOGIN over implicit TLS
    out["smtp"].append(dialogue(
        [1 | 0x04 | 0x10, 2, 0, 0x30, 0, 0],
        ["220 mx ESMTP\r\n", "250-mx\r\n250-STARTTLS\r\n250 SIZE 1000\r\n",
         "220 go\r\n", "TLS", "250-mx\r\n250 AUTH PLAIN LOGIN\r\n",
         "235 ok\r\n", "221 bye\r\n"]))
    out["smtp"].append(dialogue(
        [2 | 0x04, 3, 0, 0x30, 0, 0],
        ["TLS!", "220 mx ESMTP\r\n", "250-mx\r\n250 AUTH LOGIN\r\n",
         "334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n",
         "221 bye\r\n"]))
    # the same over a certificate that does not verify: nothing sent
    out["smtp"].append(dialogue(
        [1 | 0x04 | 0x10, 2, 0, 0x30, 0, 0],
        ["220 mx ESMTP\r\n", "250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n",
         "220 go\r\n", "TLS", "250-mx\r\n250 AUTH PLAIN\r\n", "221 bye\r\n"],
        certbits=0x02))
    # relay check and custom commands
    out["smtp"].append(dialogue(
        [0, 0, 0x40, 0x35, 0, 0],
        ["220 mx ESMTP\r\n", "250 mx\r\n", "250 ok\r\n", "550 no relay\r\n",
         "250 ok\r\n", "221 bye\r\n"]))
    # POP3: STLS, USER/PASS, and the echo of the password
    out["pop3"].append(dialogue(
        [1 | 0x04 | 0x10, 0, 0, 0x30, 0, 0],
        ["+OK ready\r\n", "+OK\r\nSTLS\r\nUSER\r\n.\r\n", "+OK go\r\n", "TLS",
         "+OK\r\nUSER\r\n.\r\n", "+OK\r\n", "+OK in\r\n", "+OK bye\r\n"]))
    out["pop3"].append(dialogue(
        [2 | 0x04 | 0x10, 0, 0, 0x30, 0, 0],
        ["TLS!", "+OK ready\r\n", "+OK\r\nUSER\r\n.\r\n", "+OK\r\n",
         "-ERR bad password %s\r\n" % "Pw7-fuzz-secret-Q", "+OK bye\r\n"]))
    # IMAP: STARTTLS, CAPABILITY, LOGIN, AUTHENTICATE PLAIN
    out["imap"].append(dialogue(
        [1 | 0x04 | 0x10, 0, 0, 0x30, 0, 0],
        ["* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n",
         "A001 OK begin TLS\r\n", "TLS",
         "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA002 OK done\r\n",
         "A003 OK [CAPABILITY IMAP4rev1] in\r\n",
         "* BYE bye\r\nA004 OK done\r\n"]))
    out["imap"].append(dialogue(
        [2 | 0x04 | 0x10, 2, 0, 0x30, 0, 0],
        ["TLS!", "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n",
         "+ \r\n", "A001 OK in\r\n", "* BYE bye\r\nA002 OK done\r\n"]))
    # TCP: send, expect, quit
    out["tcp"].append(dialogue([0, 0, 0x10, 0x31, 0, 0],
                               ["+OK ready\r\n", "PONG\r\n"]))
    out["tcp"].append(dialogue([2, 0x40, 0x20, 0x02, 0, 0x05],
                               ["TLS!", "* OK hi\r\n"]))
    # delivery: submitted, then found over IMAP, and over POP3
    out["mbox"].append(dialogue(
        [0x08, 0, 0, 0x34, 0, 0], SUBMIT,
        ["* OK [CAPABILITY IMAP4rev1 UIDPLUS] hi\r\n",
         "A001 OK [CAPABILITY IMAP4rev1 UIDPLUS] in\r\n",
         "* 1 EXISTS\r\nA002 OK [READ-WRITE] selected\r\n",
         "* SEARCH 7\r\nA003 OK done\r\n", "* SEARCH\r\nA004 OK done\r\n",
         "A005 OK stored\r\n", "* 1 EXPUNGE\r\nA006 OK done\r\n",
         "* BYE bye\r\nA007 OK done\r\n"]))
    out["mbox"].append(dialogue(
        [0x08, 0, 0, 0x34, 0x01, 0], SUBMIT,
        ["+OK ready\r\n", "+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n", "+OK\r\n",
         "+OK in\r\n", "+OK\r\n1 uid-one\r\n2 uid-two\r\n.\r\n",
         "+OK\r\nSubject: hi\r\nX-Mailmon-Token: %s\r\n\r\n.\r\n" % TOKEN,
         "+OK\r\nSubject: old\r\n\r\n.\r\n", "+OK deleted\r\n", "+OK bye\r\n"]))
    return out


def conf_seeds(top):
    seeds = []
    for path in sorted(glob.glob(os.path.join(top, "conf", "*.conf"))):
        seeds.append(open(path, "rb").read())
    pw = PASSWORD.encode()
    seeds += [
        b"interval 60\ntimeout 10\ninclude inc.conf\n\0"
        b"probe mx1 smtp --host mx.example.org --starttls --auth plain "
        b"--user u --password " + pw + b"\n\0" + pw + b"\n",
        b"probe a smtp --host h --user u --password " + pw +
        b" --port " + pw + b"\n",
        b"probe b pop3 --host h --user u --password-file pw \\\n"
        b"  --starttls --timeout 5\n\0\0" + pw + b"\n",
        b"probe c delivery --host h --from a@b --rcpt c@d --mbox-host i "
        b"--mbox-user u --mbox-password \"" + pw + b" x\" --mbox-tls tls\n",
        b"probe d imap --host h --password=" + pw + b" --bogus\n",
        b"state-file state\nhistory 5\nmax-inflight 10\ndns-server 127.0.0.1\n"
        b"probe e tcp --host h --port 25 --send \"EHLO x\\r\\n\" --expect 250\n",
    ]
    return seeds


def nagios_argvs(top):
    """argv lists from the command_line definitions, macros filled in."""
    argvs = []
    fill = {"$USER2$": "/usr/lib/nagios/plugins", "$HOSTADDRESS$": "192.0.2.1",
            "$ARG1$": "probe", "$ARG2$": "/etc/nagios/pw", "$ARG3$": "-t 10"}
    for path in sorted(glob.glob(os.path.join(top, "conf", "nagios", "*.cfg"))):
        for ln in open(path, encoding="utf-8", errors="replace"):
            m = re.match(r"\s*command_line\s+(.*)", ln)
            if not m:
                continue
            text = m.group(1)
            for k, v in fill.items():
                text = text.replace(k, v)
            try:
                words = shlex.split(text)
            except ValueError:
                continue
            if words:
                argvs.append([os.path.basename(words[0])] + words[1:])
    return argvs


def opts_seed(argv0, words):
    idx = ARGV0.index(argv0) if argv0 in ARGV0 else 0
    return bytes([idx]) + b"\0".join(w.encode("utf-8") for w in words)


def opts_seeds(top, scenario_args):
    seeds = []
    for argv in nagios_argvs(top):
        seeds.append(opts_seed(argv[0], argv[1:]))
    for args in scenario_args:
        words = [re.sub(r"\{[a-z]+\}", "x", w) for w in args]
        seeds.append(opts_seed("mailprobe", words))
    pw = PASSWORD
    seeds += [
        opts_seed("check_smtp", ["-H", "h", "-A", "LOGIN", "-U", "u", "-P", pw]),
        opts_seed("check_smtp", ["-H", "h", "-U", "u", "-P", pw, "-w", "x"]),
        opts_seed("mailprobe", ["smtp", "-H", "h", "--port",
                                "--password=" + pw]),
        opts_seed("mailprobe", ["imap", "-H", "h", "--user", "u",
                                "--password", pw, "extra"]),
        opts_seed("check_imap", ["-H", "h", "-Pw", pw]),
        opts_seed("mailprobe", ["delivery", "-H", "h", "--from", "a@b",
                                "--rcpt", "c@d", "--mbox-host", "i",
                                "--mbox-user", "u", "--mbox-password=" + pw]),
        opts_seed("check_tcp", ["-H", "h", "-p", "110", "-s", "CAPA\\r\\n",
                                "-e", "+OK", "-M", "crit", "-d", "1"]),
        opts_seed(None, ["smtp", "--host", "h", "--password", pw,
                         "--interval", "60", "--retries", "3"]),
        opts_seed(None, ["pop3", "--host", "h", "--password-file", "pw"]),
        opts_seed("mailprobe", ["smtp", "\u2013H", "h", "\u2013\u2013port",
                                "25", "\u2013P", pw]),
    ]
    return seeds


def write(outdir, name, seeds):
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    for s in seeds:
        if not s:
            continue
        with open(os.path.join(d, hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)


def main():
    top, outdir = sys.argv[1], sys.argv[2]
    sess = {"smtp": [], "pop3": [], "imap": [], "tcp": [], "mbox": []}
    replies, scenario_args = [], []
    for path in sorted(glob.glob(os.path.join(top, "tests", "fake",
                                              "scenarios", "*.scn"))):
        name, seed, sends = scenario(path)
        for ln in open(path, encoding="latin-1"):
            if ln.startswith("@args "):
                scenario_args.append(ln[6:].split())
        if name is None:
            continue
        sess[name].append(seed)
        if sends:
            replies.append(bytes([63]) + b"".join(sends)[:4096])
    for name, seeds in handwritten().items():
        sess[name] += seeds
    for name, seeds in sess.items():
        write(outdir, name, seeds)
    replies += [b"\x3f220 mx ESMTP\r\n250-mx\r\n250-STARTTLS\r\n"
                b"250 AUTH PLAIN LOGIN\r\n",
                b"\x05+OK ready\r\n+OK\r\nSTLS\r\nUSER\r\n.\r\n",
                b"\x01* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\nA001 OK done\r\n"]
    write(outdir, "reply", replies)
    write(outdir, "conf", conf_seeds(top))
    write(outdir, "opts", opts_seeds(top, scenario_args))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""fakeserver.py - a scripted, misbehaving mail server for tests.

Listens on 127.0.0.1 (port 0 unless --port is given), prints "PORT n" on
stdout (and writes n to --port-file), serves one connection per CONNECTION
section of the scenario, and writes everything that happened, including
every line the client sent, to --log.  Python 3 standard library only.

The server is bounded: every wait uses what is left of --limit seconds
(default 30) and a SIGALRM backstop ends the process shortly after, so a
test that uses it can never hang.

Scenario language (one directive a line; "#" starts a comment line; lines
starting with "@" belong to the test driver and are ignored here):

  SEND text          send text; escapes \\r \\n \\t \\0 \\xHH \\\\; inside an ON
                     block or after EXPECT, $1..$9 are the regex groups of
                     the client line, $0 the whole match, $$ a dollar sign
  SENDRAW hex        send bytes given in hex (spaces allowed)
  DRIP text ms       send text one byte at a time, ms between bytes
  EXPECT regex       read one client line, record it, it must match
                     (re.search, case-insensitive); on mismatch or EOF the
                     connection's script stops
  ON regex action    when SERVE reads a line matching regex, run action
  ON regex           ... or run the indented block that follows
  SERVE              read client lines and dispatch them to the ON rules
                     until the client closes or an action ends the script
  DELAY ms           sleep
  QUIET ms           wait ms and record whether the client sent anything
                     ("QUIET ok" or "QUIET early ..."); the data is kept for
                     a later EXPECT or SERVE
  CLOSE              close the connection (FIN)
  RESET              close with an RST (SO_LINGER 0)
  SHUTDOWN           half-close: no more data from us, keep reading
  HANG [ms]          send nothing, record what the client sends, until it
                     closes (or ms passes, or the limit)
  GARBAGE n          n random bytes (seeded, so runs repeat)
  ENDLESS text       send text over and over until the client goes away
  STARTTLS / TLS     TLS handshake as the server (--cert/--key)
  TLSGARBAGE         read the client's first TLS bytes, answer with bytes
                     that are not TLS
  LOG text           write a marker to the log
  CONNECTION         the lines after this one serve the next connection

Log lines: "C: line" (client), "S: bytes" (server), and events such as
CONNECT, EOF, TLS, QUIET, ENDLESS, UNHANDLED, EXPECT-FAIL, END.
"""

import argparse
import os
import random
import re
import select
import signal
import socket
import ssl
import struct
import sys
import time

LINE_MAX = 65536		# longest client line we record in full
SEND_TIMEOUT = 0.5		# per send() call while the client is not reading


class ScriptError(Exception):
    """A scenario file that cannot be parsed."""


class Stop(Exception):
    """Ends the script of the current connection."""


def unescape(text):
    """Turn the scenario's escapes into bytes (latin-1 for the rest)."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 == len(text):
            out += c.encode("latin-1", "replace")
            i += 1
            continue
        n = text[i + 1]
        i += 2
        if n == "r":
            out += b"\r"
        elif n == "n":
            out += b"\n"
        elif n == "t":
            out += b"\t"
        elif n == "0":
            out += b"\0"
        elif n == "s":
            out += b" "
        elif n == "x" and re.match(r"[0-9a-fA-F]{2}", text[i:i + 2]):
            out.append(int(text[i:i + 2], 16))
            i += 2
        else:
            out += n.encode("latin-1", "replace")
    return bytes(out)


def show(data):
    """Bytes as one printable log line."""
    out = []
    for b in data:
        if b == 0x0d:
            out.append("\\r")
        elif b == 0x0a:
            out.append("\\n")
        elif b == 0x5c:
            out.append("\\\\")
        elif 0x20 <= b < 0x7f:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


class Directive:
    def __init__(self, lineno, op, arg, block=None):
        self.lineno = lineno
        self.op = op
        self.arg = arg
        self.block = block	# ON with a block: list of Directive


OPS = {"SEND", "SENDRAW", "DRIP", "EXPECT", "ON", "SERVE", "DELAY", "QUIET",
       "CLOSE", "RESET", "SHUTDOWN", "HANG", "GARBAGE", "ENDLESS",
       "STARTTLS", "TLS", "TLSGARBAGE", "LOG"}


def parse_line(lineno, line):
    parts = line.strip().split(None, 1)
    op = parts[0].upper()
    arg = parts[1] if len(parts) > 1 else ""
    if op not in OPS:
        raise ScriptError("line %d: unknown directive %r" % (lineno, parts[0]))
    if op == "SEND":
        # keep the text exactly, apart from the separator space
        arg = line.lstrip()[len(parts[0]) + 1:] if len(parts) > 1 else ""
    if op == "DRIP":
        m = re.match(r"(.*)\s+(\d+)$", arg)
        if not m:
            raise ScriptError("line %d: DRIP text ms" % lineno)
    if op in ("DELAY", "QUIET", "GARBAGE") and not arg.isdigit():
        raise ScriptError("line %d: %s needs a number" % (lineno, op))
    if op == "HANG" and arg and not arg.isdigit():
        raise ScriptError("line %d: HANG [ms]" % lineno)
    if op in ("EXPECT", "ON"):
        rx = arg.split(None, 1)[0] if op == "ON" else arg
        try:
            re.compile(rx)
        except re.error as e:
            raise ScriptError("line %d: bad regex %r: %s" % (lineno, rx, e))
    return Directive(lineno, op, arg)


def parse(path):
    """Scenario file -> list of connection scripts (lists of Directive)."""
    conns = [[]]
    on_block = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\r\n")
            stripped = line.strip()
            if not stripped or stripped.startswith("#") or \
                    stripped.startswith("@"):
                continue
            indented = line[:1] in (" ", "\t")
            if indented and on_block is not None:
                on_block.block.append(parse_line(lineno, line))
                continue
            if indented:
                raise ScriptError("line %d: indented line outside an ON block"
                                  % lineno)
            on_block = None
            if stripped.upper() == "CONNECTION":
                conns.append([])
                continue
            d = parse_line(lineno, line)
            if d.op == "ON" and len(d.arg.split(None, 1)) == 1:
                d.block = []
                on_block = d
            elif d.op == "ON":
                parse_line(lineno, d.arg.split(None, 1)[1])
            conns[-1].append(d)
    if not conns[0] and len(conns) > 1:
        conns.pop(0)
    return conns


class Log:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8") if path else None
        self.t0 = time.monotonic()

    def __call__(self, text):
        if self.f:
            self.f.write(text + "\n")
            self.f.flush()


class Conn:
    """One accepted connection running one script."""

    def __init__(self, srv, sock, n):
        self.srv = srv
        self.sock = sock
        self.n = n
        self.rbuf = b""
        self.eof = False
        self.rules = []		# (compiled regex, Directive)
        self.groups = None	# last regex match, for $1..$9
        self.log = srv.log

    # -- time ---------------------------------------------------------------
    def left(self):
        return self.srv.deadline - time.monotonic()

    def check_limit(self):
        if self.left() <= 0:
            self.log("LIMIT reached")
            raise Stop()

    # -- I/O ----------------------------------------------------------------
    def send(self, data, quiet=False):
        view = memoryview(data)
        while view:
            self.check_limit()
            self.sock.settimeout(min(SEND_TIMEOUT, max(self.left(), 0.01)))
            try:
                n = self.sock.send(view)
            except socket.timeout:
                continue	# client not reading; the limit ends this
            except (OSError, ssl.SSLError) as e:
                self.log("SEND-ERROR %s" % e)
                raise Stop()
            view = view[n:]
        if not quiet:
            self.log("S: " + show(data))

    def fill(self, timeout):
        """Read what is there within timeout; False on timeout."""
        if self.eof:
            return False
        self.sock.settimeout(max(min(timeout, self.left()), 0.001))
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return False
        except ssl.SSLWantReadError:
            return False
        except (OSError, ssl.SSLError) as e:
            self.log("RECV-ERROR %s" % e)
            self.eof = True
            return False
        if not data:
            self.eof = True
            self.log("EOF")
            return False
        self.rbuf += data
        return True

    def readline(self, timeout=None):
        """One client line without its CRLF, or None on EOF/timeout."""
        end = time.monotonic() + (timeout if timeout is not None
                                  else self.left())
        while True:
            i = self.rbuf.find(b"\n")
            if i >= 0:
                line, self.rbuf = self.rbuf[:i], self.rbuf[i + 1:]
                if line.endswith(b"\r"):
                    line = line[:-1]
                self.log("C: " + show(line[:LINE_MAX]))
                return line
            if len(self.rbuf) > LINE_MAX:
                self.log("C-LONG: " + show(self.rbuf[:200]) + "...")
                self.rbuf = b""
            if self.eof:
                if self.rbuf:
                    self.log("C-PARTIAL: " + show(self.rbuf))
                    self.rbuf = b""
                return None
            now = time.monotonic()
            if now >= end or self.left() <= 0:
                return None
            self.fill(end - now)

    def subst(self, text):
        if self.groups is None:
            return text

        def one(m):
            if m.group(1) == "$":
                return "$"
            try:
                return self.groups.group(int(m.group(1))) or ""
            except IndexError:
                return ""
        return re.sub(r"\$([0-9$])", one, text)

    # -- directives ---------------------------------------------------------
    def run(self, script):
        for d in script:
            self.check_limit()
            self.do(d)

    def do(self, d):
        op, arg = d.op, d.arg
        if op == "SEND":
            self.send(unescape(self.subst(arg)))
        elif op == "SENDRAW":
            self.send(bytes.fromhex(arg))
        elif op == "DRIP":
            m = re.match(r"(.*)\s+(\d+)$", arg)
            data, ms = unescape(self.subst(m.group(1))), int(m.group(2))
            for i in range(len(data)):
                self.send(data[i:i + 1], quiet=True)
                if i + 1 < len(data):
                    self.sleep(ms / 1000.0)
            self.log("S: " + show(data) + " (drip %d ms)" % ms)
        elif op == "EXPECT":
            line = self.readline()
            if line is None:
                self.log("EXPECT-FAIL %s: %s" % (arg, "client closed"
                         if self.eof else "nothing received"))
                raise Stop()
            m = re.search(arg, line.decode("latin-1"), re.I)
            if not m:
                self.log("EXPECT-FAIL %s" % arg)
                raise Stop()
            self.groups = m
        elif op == "ON":
            parts = arg.split(None, 1)
            rx = re.compile(parts[0], re.I)
            if d.block is not None:
                action = d.block
            else:
                action = [parse_line(d.lineno, parts[1])]
            # a rule for the same regex replaces the older one in place,
            # so a catch-all registered later still comes after it
            for i, r in enumerate(self.rules):
                if r[0].pattern == rx.pattern:
                    self.rules[i] = (rx, action)
                    break
            else:
                self.rules.append((rx, action))
        elif op == "SERVE":
            self.serve()
        elif op == "DELAY":
            self.sleep(int(arg) / 1000.0)
        elif op == "QUIET":
            self.quiet(int(arg) / 1000.0)
        elif op == "CLOSE":
            self.log("CLOSE")
            raise Stop()
        elif op == "RESET":
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
            self.log("RESET")
            raise Stop()
        elif op == "SHUTDOWN":
            try:
                self.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            self.log("SHUTDOWN")
        elif op == "HANG":
            self.hang(int(arg) / 1000.0 if arg else None)
        elif op == "GARBAGE":
            rng = self.srv.rng
            data = bytes(rng.randrange(256) for _ in range(int(arg)))
            self.send(data, quiet=True)
            self.log("GARBAGE %d bytes" % len(data))
        elif op == "ENDLESS":
            self.endless(unescape(self.subst(arg)))
        elif op in ("STARTTLS", "TLS"):
            self.starttls()
        elif op == "TLSGARBAGE":
            self.tlsgarbage()
        elif op == "LOG":
            self.log("LOG " + arg)

    def sleep(self, secs):
        """Sleep, but keep noticing (not consuming) client data and EOF."""
        end = time.monotonic() + secs
        while True:
            now = time.monotonic()
            if now >= end:
                return
            self.check_limit()
            if self.eof:
                time.sleep(min(end - now, max(self.left(), 0)))
                continue
            self.fill(end - now)

    def quiet(self, secs):
        before = len(self.rbuf)
        self.sleep(secs)
        early = self.rbuf[before:]
        if early:
            self.log("QUIET early %d bytes: %s" % (len(early),
                                                     show(early[:200])))
        elif self.eof:
            self.log("QUIET eof")
        else:
            self.log("QUIET ok %d ms" % int(secs * 1000))

    def serve(self):
        while True:
            line = self.readline()
            if line is None:
                if not self.eof:
                    self.check_limit()
                    continue
                return
            text = line.decode("latin-1")
            for rx, action in self.rules:
                m = rx.search(text)
                if m:
                    self.groups = m
                    self.run(action)
                    break
            else:
                self.log("UNHANDLED " + show(line))

    def hang(self, secs):
        self.log("HANG")
        end = time.monotonic() + secs if secs is not None else None
        while not self.eof:
            self.check_limit()
            t = self.left() if end is None else end - time.monotonic()
            if t <= 0:
                break
            self.readline(timeout=t)
        while self.readline(timeout=0) is not None:
            pass
        self.log("HANG ended (%s)" % ("client closed" if self.eof
                                      else "time"))

    def endless(self, unit):
        """Send unit forever; stop when the client closes or resets."""
        chunk = unit * max(1, 16384 // max(len(unit), 1))
        sent = 0
        self.log("ENDLESS " + show(unit[:80]))
        self.sock.setblocking(False)
        why = "limit"
        try:
            while self.left() > 0:
                r, w, _ = select.select([self.sock], [self.sock], [],
                                        min(0.2, self.left()))
                if r:
                    try:
                        data = self.sock.recv(4096)
                    except (BlockingIOError, ssl.SSLWantReadError):
                        data = None
                    except (OSError, ssl.SSLError):
                        data = b""
                    if data == b"":
                        self.eof = True
                        why = "client closed"
                        break
                    if data:
                        self.rbuf += data
                if w:
                    try:
                        sent += self.sock.send(chunk)
                    except (BlockingIOError, ssl.SSLWantWriteError):
                        pass
                    except (OSError, ssl.SSLError) as e:
                        why = "send failed: %s" % e
                        break
        finally:
            self.sock.setblocking(True)
        for line in self.rbuf.split(b"\n")[:-1] if self.rbuf else []:
            self.log("C: " + show(line.rstrip(b"\r")))
        self.rbuf = b""
        self.log("ENDLESS sent %d bytes, stopped: %s" % (sent, why))
        raise Stop()

    def starttls(self):
        if self.rbuf:
            # bytes the client sent after STARTTLS but before the
            # handshake: a command injection hazard if the client did it
            self.log("PLAINTEXT-BEFORE-TLS " + show(self.rbuf[:200]))
            self.rbuf = b""
        ctx = self.srv.tls_context()
        if ctx is None:
            self.log("TLS no certificate given (--cert/--key)")
            raise Stop()
        raw = self.sock
        raw.settimeout(max(self.left(), 0.01))
        try:
            tls = ctx.wrap_socket(raw, server_side=True,
                                  do_handshake_on_connect=False)
            tls.do_handshake()
        except (OSError, ssl.SSLError) as e:
            self.log("TLS handshake failed: %s" % e)
            raise Stop()
        self.sock = tls
        self.log("TLS ok %s %s" % (tls.version(), tls.cipher()[0]))

    def tlsgarbage(self):
        got = b""
        end = time.monotonic() + 1.0
        while time.monotonic() < end and len(got) < 5 and not self.eof:
            self.fill(end - time.monotonic())
            got, self.rbuf = got + self.rbuf, b""
        hello = len(got) >= 1 and got[0] == 0x16
        self.log("TLSGARBAGE client sent %d bytes%s" %
                 (len(got), " (a TLS handshake record)" if hello else ""))
        # a plain-text line and bytes no TLS record starts with
        data = b"220 this is not TLS\r\n" + bytes(
            self.srv.rng.randrange(0x80, 0x100) for _ in range(64))
        self.send(data, quiet=True)
        self.log("GARBAGE %d bytes instead of a ServerHello" % len(data))


class Server:
    def __init__(self, args, scripts):
        self.args = args
        self.scripts = scripts
        self.log = Log(args.log)
        self.rng = random.Random(args.seed)
        self.deadline = time.monotonic() + args.limit
        self._ctx = None

    def tls_context(self):
        if self._ctx is None and self.args.cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.args.cert, self.args.key)
            self._ctx = ctx
        return self._ctx

    def run(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.args.port))
        ls.listen(8)
        port = ls.getsockname()[1]
        if self.args.port_file:
            tmp = self.args.port_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % port)
            os.rename(tmp, self.args.port_file)
        self.log("LISTEN 127.0.0.1 %d" % port)
        sys.stdout.write("PORT %d\n" % port)
        sys.stdout.flush()
        nconn = self.args.connections or len(self.scripts)
        failed = False
        for n in range(nconn):
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.log("LIMIT reached before connection %d" % (n + 1))
                break
            ls.settimeout(left)
            try:
                sock, peer = ls.accept()
            except socket.timeout:
                self.log("NOCONNECT %d" % (n + 1))
                break
            self.log("CONNECT %d %s:%d" % (n + 1, peer[0], peer[1]))
            c = Conn(self, sock, n + 1)
            try:
                c.run(self.scripts[min(n, len(self.scripts) - 1)])
            except Stop:
                pass
            except Exception as e:  # log it, never die silently
                self.log("SERVER-ERROR %s: %s" % (type(e).__name__, e))
                failed = True
            try:
                c.sock.close()
            except OSError:
                pass
            self.log("END %d" % (n + 1))
        ls.close()
        self.log("DONE")
        return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description="scripted fake mail server")
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--log")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--connections", type=int, default=0,
                    help="connections to serve (default: one per section)")
    ap.add_argument("--limit", type=float, default=30.0,
                    help="hard wall-clock limit, seconds")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.key is None:
        args.key = args.cert
    try:
        scripts = parse(args.scenario)
    except (OSError, ScriptError) as e:
        sys.stderr.write("fakeserver: %s: %s\n" % (args.scenario, e))
        return 2
    # the backstop: whatever happens, this process ends
    signal.signal(signal.SIGALRM, lambda *a: os._exit(3))
    signal.alarm(int(args.limit) + 3)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    return Server(args, scripts).run()


if __name__ == "__main__":
    sys.exit(main())

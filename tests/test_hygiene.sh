#!/usr/bin/env bash
# test_hygiene.sh -- a mailprobe that holds a password keeps it to
# itself: no core file (RLIMIT_CORE 0) and not dumpable, so neither a
# crash nor another process of the same user (ptrace, /proc/PID/mem) can
# read it.  A non-dumpable process has its /proc/PID files owned by root.
#
# The probe is held in the middle of a login by a server that greets and
# then says nothing, so its /proc entry can be looked at.
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"

need "$PY" setpriv
[[ -x $MP ]] || abort "$MP not built"
workdir /tmp/mm-hyg.XXXXXX cleanup

LPID= PPID_=
cleanup() {
	[[ -n $PPID_ ]] && kill -KILL "$PPID_" 2>/dev/null
	if [[ -n $LPID ]]; then
		kill -KILL "$LPID" 2>/dev/null
		wait "$LPID" 2>/dev/null
	fi
	return 0
}

# a POP3 server that greets, answers CAPA, then hangs at USER
"$PY" - "$W/port" <<'PYEOF' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
c, _ = s.accept()
c.sendall(b"+OK ready\r\n")
f = c.makefile("rb")
for line in f:
    if line.startswith(b"CAPA"):
        c.sendall(b"+OK\r\nUSER\r\n.\r\n")
    elif line.startswith(b"USER"):
        time.sleep(30)
        break
PYEOF
LPID=$!
wait_port() { for _ in $(seq 50); do [[ -s $W/port ]] && return 0; sleep 0.1; done; return 1; }
wait_port || abort "listener did not start"
PORT=$(cat "$W/port")

printf 'Hyg1ene-pw\n' > "$W/pw"
RUN=()
if (( EUID == 0 )); then
	# as another user, so "owned by root" can only mean non-dumpable
	chown nobody "$W/pw"
	RUN=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
chmod 0600 "$W/pw"
"${RUN[@]}" "$MP" pop3 -H 127.0.0.1 -p "$PORT" -t 20 --user mon \
	--password-file "$W/pw" > "$W/out" 2>&1 &
PPID_=$!

# wait until the probe has read the password and sits in the login
for _ in $(seq 50); do
	grep -q '^State:.*S' "/proc/$PPID_/status" 2>/dev/null &&
	    [[ $(ls "/proc/$PPID_/fd" 2>/dev/null | wc -l) -ge 4 ]] && break
	sleep 0.1
done
check "mailprobe is running" test -d "/proc/$PPID_"
check "RLIMIT_CORE is 0" grep -Eq '^Max core file size +0 +0 ' "/proc/$PPID_/limits"
owner=$(stat -c %u "/proc/$PPID_/status" 2>/dev/null)
check "not dumpable: /proc/PID owned by root (uid $owner)" test "$owner" = 0
if (( EUID == 0 )); then
	uid=$(awk '/^Uid:/{print $2}' "/proc/$PPID_/status" 2>/dev/null)
	check "it runs as nobody (uid $uid), so root ownership means something" \
	    test "$uid" = "$(id -u nobody)"
fi
kill -KILL "$PPID_" 2>/dev/null
wait "$PPID_" 2>/dev/null
PPID_=
check "no password in its output" bash -c '! grep -q Hyg1ene "$1"' _ "$W/out"
finish

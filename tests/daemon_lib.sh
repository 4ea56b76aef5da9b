# shellcheck shell=bash
# daemon_lib.sh - helpers for the mailmond integration tests (sourced).
#
#   . "$(dirname "$0")/testlib.sh"
#   PORT_OFFSET=N
#   . "$top_srcdir/tests/daemon_lib.sh"
#
# Builds on testlib.sh (counters, check, skip, need, workdir).  Defines
# wait_until and numeric comparisons, SNMP helpers with numeric OIDs (no
# MIB files), a private snmpd master agent and snmptrapd whose snmpd.conf
# the test may extend (dl_master_*), loopback TCP listeners that answer
# or stay silent (dl_listener), and a line stamper for logs with
# millisecond times.  Every port comes from tests/fixtures/lib.sh,
# shifted by PORT_OFFSET.
#
# The caller creates W (testlib's workdir) before using dl_master_* and
# may set WALKS (file collecting every SNMP answer).

DL_FIX=${top_srcdir:?top_srcdir not set}/tests/fixtures
# shellcheck source=fixtures/lib.sh
. "$DL_FIX/lib.sh"
unset MIBS MIBDIRS
case :$PATH: in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

# ---- waiting and comparing ---------------------------------------------

# wait_until SECONDS CMD... -> 0 as soon as CMD succeeds (polls every 0.2 s)
wait_until() {
	local end=$(( $(now_ms) + $1 * 1000 ))
	shift
	while (( $(now_ms) < end )); do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

positive() { [[ $1 =~ ^[0-9]+$ ]] && (( $1 > 0 )); }
ge() { [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && (( $1 >= $2 )); }
gt() { [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && (( $1 > $2 )); }
le() { [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && (( $1 <= $2 )); }
lt() { [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && (( $1 < $2 )); }
uid_of() { awk '/^Uid:/{print $2}' "/proc/$1/status" 2>/dev/null; }
# the count of lines matching a fixed string (0 when the file is missing)
count_lines() { grep -cF -- "$1" "$2" 2>/dev/null || true; }

# ---- SNMP ------------------------------------------------------------------

B=.1.3.6.1.4.1.2789.5		# MAILMON-MIB::mailmonMIB
ENTRY=$B.2.3.1			# mailmonProbeEntry
COL_HOST=2 COL_STATUS=6 COL_FAIL=9 COL_LATENCY=14 COL_CHECKS=30 COL_LAST=31
SNMP=(-v2c -c public -m : -On -t 2 -r 1 "127.0.0.1:$SNMPD_PORT")
WALKS=${WALKS:-/dev/null}

# the instance part of a probe name: length, then one sub-id per byte
idx() {
	local s=$1 o=${#1} i
	for ((i = 0; i < ${#s}; i++)); do o+=".$(printf '%d' "'${s:i:1}")"; done
	echo "$o"
}
get() {	# get OID -> value only
	snmpget "${SNMP[@]}" -Oqv "$1" 2>/dev/null | tee -a "$WALKS" | tr -d '"'
}
col() { get "$ENTRY.$1.$(idx "$2")"; }
walk() { snmpwalk "${SNMP[@]}" "$@" 2>&1 | tee -a "$WALKS"; }
rows() {	# number of rows in the table
	walk "$ENTRY.$COL_HOST" | awk '{print $1}' | grep -c "^$ENTRY.$COL_HOST\."
}
rows_are() { [[ $(rows) == "$1" ]]; }
has_row() { [[ $(col "$COL_STATUS" "$1") =~ ^[0-9]+$ ]]; }
no_row() { ! has_row "$1"; }
status_is() { [[ $(col "$COL_STATUS" "$1") == "$2" ]]; }
# bulk_rows_agree [REPS]: a GETBULK naming every column of the probe
# table (no non-repeaters, REPS repetitions) answers, repetition after
# repetition, what GETNEXTs naming the same columns answer when each
# starts from the last one's answers (OIDs compared).  Managers that
# read a table row by row depend on that order; through snmpd each
# repetition reaches mailmond as one AgentX GetNext of every column.
bulk_rows_agree() {
	local reps=${1:-3} c r f=$W/bulkrows cols=()
	for ((c = 1; c <= COL_LAST; c++)); do cols+=("$ENTRY.$c"); done
	snmpbulkget "${SNMP[@]}" -Cn0 -Cr"$reps" "${cols[@]}" 2>&1 |
	    awk '/^\./ { print $1 }' > "$f.bulk"
	: > "$f.next"
	for ((r = 0; r < reps; r++)); do
		snmpgetnext "${SNMP[@]}" "${cols[@]}" 2>&1 |
		    awk '/^\./ { print $1 }' > "$f.step"
		[[ $(wc -l < "$f.step") == "${#cols[@]}" ]] || return 1
		cat "$f.step" >> "$f.next"
		mapfile -t cols < "$f.step"
	done
	[[ $(wc -l < "$f.bulk") == $((reps * COL_LAST)) ]] && cmp -s "$f.bulk" "$f.next"
}

# ---- private master agent and trap receiver -------------------------------
#
# Like fixtures/snmpd.sh, but the test chooses extra snmpd.conf lines
# (agentXTimeout, agentXRetries) and may stop, kill, freeze and restart
# snmpd alone while snmptrapd keeps logging.  As root both run as an
# unprivileged user; the AgentX socket is mode 0777 so mailmond can
# reconnect after it drops privileges.

DL_SNMP_USER=
DL_PRIV=()

dl_master_setup() {	# dl_master_setup [SNMPD_CONF_LINE...]
	local D=$W/snmp line
	mkdir -p "$D"/{persist,conf}
	AGENTX=$D/agentx.sock
	TRAPS=$D/traps.log
	SNMPD_LOG=$D/snmpd.log
	(( ${#AGENTX} < 100 )) || { echo "AgentX socket path too long: $AGENTX"; return 1; }
	if (( EUID == 0 )); then
		DL_SNMP_USER=Debian-snmp
		getent passwd "$DL_SNMP_USER" >/dev/null || DL_SNMP_USER=nobody
		DL_PRIV=(setpriv --reuid="$(id -u "$DL_SNMP_USER")"
		    --regid="$(id -g "$DL_SNMP_USER")" --init-groups --inh-caps=-all)
	fi
	{
		echo "agentaddress udp:127.0.0.1:$SNMPD_PORT"
		echo "master agentx"
		echo "agentXSocket $AGENTX"
		echo "agentXPerms 0777 0755"
		for line in "$@"; do echo "$line"; done
		echo "rocommunity public 127.0.0.1"
		echo "trap2sink 127.0.0.1:$SNMPTRAPD_PORT public"
		echo "sysName mailmond-agentx-test"
	} > "$D/snmpd.conf"
	cat > "$D/snmptrapd.conf" <<EOF
disableAuthorization yes
format2 TRAP %y-%m-%l %h:%j:%k %B [%b] %P |%v\n
outputOption n
doNotRetainNotificationLogs yes
agentxsocket $AGENTX
EOF
	: > "$TRAPS"
	: > "$SNMPD_LOG"
	[[ -n $DL_SNMP_USER ]] && chown -R "$DL_SNMP_USER" "$D"
	return 0
}

dl_trapd_start() {
	local D=$W/snmp
	ports_free UDP "$SNMPTRAPD_PORT" || return 1
	# no system or user config files; setsid execs in place, so $! is
	# the daemon itself
	SNMP_PERSISTENT_DIR=$D/persist SNMPCONFPATH=$D/conf \
	    setsid "${DL_PRIV[@]}" snmptrapd -f -C -m : -c "$D/snmptrapd.conf" \
	    -Lf "$TRAPS" "udp:127.0.0.1:$SNMPTRAPD_PORT" \
	    > "$D/snmptrapd.stdout" 2>&1 < /dev/null &
	echo $! > "$D/snmptrapd.pid"
	wait_udp "$SNMPTRAPD_PORT" 10
}

dl_snmpd_start() {
	local D=$W/snmp
	ports_free UDP "$SNMPD_PORT" || return 1
	rm -f "$AGENTX"
	SNMP_PERSISTENT_DIR=$D/persist SNMPCONFPATH=$D/conf \
	    setsid "${DL_PRIV[@]}" snmpd -f -C -m : -I -smux -c "$D/snmpd.conf" \
	    -Lf "$SNMPD_LOG" > "$D/snmpd.stdout" 2>&1 < /dev/null &
	echo $! > "$D/snmpd.pid"
	wait_udp "$SNMPD_PORT" 10 && wait_file "$AGENTX" 10
}

dl_snmpd_pid() { cat "$W/snmp/snmpd.pid" 2>/dev/null; }

# dl_snmpd_signal SIG: STOP, CONT, or KILL (then waits for it to be gone)
dl_snmpd_signal() {
	local p
	p=$(dl_snmpd_pid)
	[[ -n $p ]] || return 1
	kill -"$1" "$p" 2>/dev/null || return 1
	if [[ $1 == KILL || $1 == 9 ]]; then
		# reap it here, quietly: the shell would report "Killed"
		{ wait "$p"; } 2>/dev/null
		wait_until 5 bash -c "! [[ -d /proc/$p ]] || grep -q '^State:.*Z' /proc/$p/status"
		rm -f "$W/snmp/snmpd.pid"
	fi
	return 0
}

dl_snmpd_stop() { stop_pidfile "$W/snmp/snmpd.pid" snmpd >/dev/null; }

dl_master_stop() {
	local p
	# a frozen snmpd ignores SIGTERM until it is thawed
	p=$(dl_snmpd_pid)
	[[ -n $p ]] && kill -CONT "$p" 2>/dev/null
	stop_pidfile "$W/snmp/snmpd.pid" snmpd >/dev/null 2>&1
	stop_pidfile "$W/snmp/snmptrapd.pid" snmptrapd >/dev/null 2>&1
}

# ---- loopback listeners ----------------------------------------------------
#
# dl_listener PORT answer|silent PIDFILE: "answer" greets every connection
# with "HELLO mailmon" and closes it; "silent" accepts and never writes,
# holding the connection until the client gives up.

DL_LISTENER_PY='
import os, socket, sys
port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(1024)
held = []
while True:
    c, _ = s.accept()
    if mode == "answer":
        try:
            c.sendall(b"HELLO mailmon\r\n")
        except OSError:
            pass
        c.close()
    else:
        held.append(c)
'

dl_listener() {
	ports_free TCP "$1" || return 1
	setsid "${PYTHON3:-python3}" -c "$DL_LISTENER_PY" "$1" "$2" \
	    > /dev/null 2>&1 < /dev/null &
	echo $! > "$3"
	wait_tcp "$1" 10
}

dl_listener_stop() { stop_pidfile "$1" listener >/dev/null 2>&1; }

# ---- logs ------------------------------------------------------------------
#
# stamp: copy stdin to stdout, each line prefixed with the wall clock in
# milliseconds, so a test can measure gaps finer than the log's seconds.
DL_STAMP_PY='
import sys, time
for line in sys.stdin:
    sys.stdout.write("%d %s" % (int(time.time() * 1000), line))
    sys.stdout.flush()
'
stamp() { "${PYTHON3:-python3}" -u -c "$DL_STAMP_PY"; }

# ---- the mail stack under a manager ------------------------------------------
#
# dl_servers_mailmond: the fixture servers (tests/fixtures/servers.sh:
# Postfix, Dovecot, snmpd, snmptrapd), then mailmond as nobody, every
# second, probing their SMTP, IMAP (with a login whose password is in
# M/imap.pw) and POP3 through the fixture snmpd.  Needs W, M and LOG;
# sets AGENTX, CONF and MMPID.  Aborts the test when the servers do not
# start.
dl_servers_mailmond() {
	if ! "$DL_FIX/servers.sh" start "$W" > "$W/servers.out" 2>&1; then
		cat "$W/servers.out"
		abort "servers did not start"
	fi
	AGENTX=$W/snmp/agentx.sock
	CONF=$M/mailmond.conf
	cat > "$CONF" <<EOF
interval 1
timeout 5
retries 1
ping-interval 2
agentx-socket $AGENTX
probe smtp smtp --host 127.0.0.1 --port $SMTP_PORT --starttls --ca-file $W/certs/ca.crt
probe imap imap --host 127.0.0.1 --port $IMAP_PORT --starttls --ca-file $W/certs/ca.crt \\
    --user $MAIL_USER --password-file $M/imap.pw
probe pop3 pop3 --host 127.0.0.1 --port $POP3_PORT --starttls --ca-file $W/certs/ca.crt
EOF
	cp "$W/mail.pw" "$M/imap.pw"
	chown nobody "$CONF" "$M/imap.pw"
	chmod 0600 "$CONF" "$M/imap.pw"
	"$MAILMOND" -f -C -c "$CONF" -Lf "$LOG" -u nobody &
	MMPID=$!
}

#!/usr/bin/env bash
# test_standalone.sh - mailmond serving SNMP itself (snmp-listen), with no
# master agent: a real snmptrapd receives its notifications, the
# Net-SNMP command-line tools read it.
#
# Probes (interval 1 s, retries 1): beat (TCP to a listener that always
# answers) and flap (TCP to a second listener, stopped half-way).
#
# Checks: the configuration checks (snmp-* without snmp-listen, with
# agentx-socket, without a community) name file and line and never the
# community; the rows, sysUpTime, a GETBULK walk that returns what a
# GETNEXT walk returns and a GETBULK naming every column that returns
# the rows as chained GETNEXTs do; a wrong community and a community used from a
# source it is not given for get no answer; the down notification
# reaches snmptrapd with the trap community; no community in the log or
# on the command line; SIGHUP with a changed community keeps the old one
# (restart needed, said in the log); -x is refused; a second daemon on a
# busy port exits with the reason; SIGTERM exits cleanly.
#
# Exits 77 (skip) only when a program is missing and CI is not "true".

# helpers run through check, wait_until and the exit trap
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
export PORT_OFFSET=$((1200 + ${MM_PORT_SHIFT:-0}))
# shellcheck source=daemon_lib.sh
. "$top_srcdir/tests/daemon_lib.sh"

integration_gate
need snmptrapd snmpget snmpgetnext snmpwalk snmpbulkwalk snmpbulkget ss setpriv "$PY"
[[ -x $MAILMOND ]] || skip "$MAILMOND not built"

PORT_BEAT=$((10251 + PORT_OFFSET))
PORT_FLAP=$((10252 + PORT_OFFSET))
LISTEN=udp:127.0.0.1:$SNMPD_PORT
COMM=Rd-$RANDOM-c0mm		# the read community: a secret
OTHER=elsewhere-$RANDOM		# given for 127.0.0.2 only
TCOMM=Tr-$RANDOM-c0mm		# the trap community: a secret

USEROPT=()
(( EUID == 0 )) && USEROPT=(-u nobody)
MMPID=

cleanup() {
	if [[ -n $MMPID ]] && proc_running "$MMPID"; then
		kill -TERM "$MMPID" 2>/dev/null
		wait "$MMPID" 2>/dev/null
	fi
	dl_listener_stop "$W/beat.pid"
	dl_listener_stop "$W/flap.pid"
	dl_master_stop
	if (( fail > 0 )); then
		echo "---- mailmond log (tail) ----"
		tail -n 40 "$LOG" 2>/dev/null
		echo "---- traps (tail) ----"
		tail -n 10 "$TRAPS" 2>/dev/null
	fi
}

workdir /tmp/mm-sa.XXXX cleanup
M=$W/mm
mkdir -p "$M"
LOG=$M/mailmond.log
WALKS=$M/walks.txt
: > "$WALKS"
(( EUID == 0 )) && chown nobody "$M"
SNMP=(-v2c -c "$COMM" -m : -On -t 2 -r 1 "127.0.0.1:$SNMPD_PORT")

# ---- configuration errors: file and line, never the community ---------------

bad() {	# bad NAME LINE...: write M/NAME.conf, run mailmond -n on it
	local f=$M/$1.conf
	shift
	printf '%s\n' "$@" > "$f"
	"$MAILMOND" -n -C -c "$f" > "$M/n.out" 2>&1
}
no_comm_in() { ! grep -qF -e "$COMM" -e "$TCOMM" "$1"; }

bad nolisten "interval 5" "snmp-community $COMM"
rc=$?
check "snmp-community without snmp-listen is refused (status $rc)" test "$rc" -ne 0
check "... with file and line" grep -qF "nolisten.conf:2: snmp-community and snmp-trapsink need snmp-listen" "$M/n.out"
check "... without quoting the community" no_comm_in "$M/n.out"
bad both "agentx-socket /tmp/x.sock" "snmp-listen $LISTEN" "snmp-community $COMM"
check "snmp-listen with agentx-socket is refused" grep -qF "both.conf:2: snmp-listen and agentx-socket exclude each other" "$M/n.out"
bad nocomm "snmp-listen $LISTEN" "snmp-trapsink 127.0.0.1:9 $TCOMM"
check "snmp-listen without a community is refused" grep -qF "nocomm.conf:1: snmp-listen: no snmp-community line" "$M/n.out"
check "... without quoting the trap community" no_comm_in "$M/n.out"
bad badcomm "snmp-listen $LISTEN" "snmp-community \"two words$COMM\""
check "a community with a blank is refused" grep -qF "badcomm.conf:2: snmp-community: bad name" "$M/n.out"
check "... without quoting it" no_comm_in "$M/n.out"

# ---- start ------------------------------------------------------------------

dl_master_setup || abort "snmptrapd setup"
dl_trapd_start || abort "snmptrapd did not start"
dl_listener "$PORT_BEAT" answer "$W/beat.pid" || abort "listener beat"
dl_listener "$PORT_FLAP" answer "$W/flap.pid" || abort "listener flap"
ports_free UDP "$SNMPD_PORT" || abort "UDP $SNMPD_PORT busy"

CONF=$M/mailmond.conf
write_conf() {	# write_conf COMMUNITY
	{
		echo "interval 1"
		echo "retries 1"
		echo "snmp-listen $LISTEN"
		echo "snmp-community $1 127.0.0.1"
		echo "snmp-community $OTHER 127.0.0.2"
		echo "snmp-trapsink 127.0.0.1:$SNMPTRAPD_PORT $TCOMM"
		echo "probe beat tcp --host 127.0.0.1 --port $PORT_BEAT"
		echo "probe flap tcp --host 127.0.0.1 --port $PORT_FLAP"
	} > "$CONF"
	chmod 600 "$CONF"
	(( EUID == 0 )) && chown nobody "$CONF"
	return 0
}
write_conf "$COMM"
"$MAILMOND" -f -C -c "$CONF" -Lf "$LOG" -p "$M/mailmond.pid" "${USEROPT[@]}" &
MMPID=$!
check "mailmond runs" wait_until 5 test -s "$M/mailmond.pid"
proc_running "$MMPID" || abort "mailmond did not start: $(tail -5 "$LOG")"
check "the log says where it serves" grep -qF "SNMP: serving MAILMON-MIB on $LISTEN" "$LOG"
check "no AgentX socket open" bash -c '! ss -xpn | grep -q "pid=$1,"' _ "$MMPID"
check "it listens on UDP $SNMPD_PORT" bash -c 'ss -Hulpn "sport = :$1" | grep -q "pid=$2,"' _ "$SNMPD_PORT" "$MMPID"

# ---- reading ----------------------------------------------------------------

check "both rows walk" wait_until 10 rows_are 2
check "beat becomes ok(1)" wait_until 10 status_is beat 1
up=$(snmpget "${SNMP[@]}" -Oqvt .1.3.6.1.2.1.1.3.0 2>/dev/null)
check "sysUpTime.0 answers ($up)" positive "$up"
changed=$(snmpget "${SNMP[@]}" -Oqvt "$B.2.2.0" 2>/dev/null)
check "mailmonTableLastChange ($changed) is not after sysUpTime ($up)" le "${changed:-x}" "${up:-0}"

oids() { awk '{ print $1 }' "$1"; }
# walks_agree: a GETBULK walk between two GETNEXT walks that agree (the
# probes run every second: a first result adds columns, each run moves
# the history rows, so the OIDs compared must be of one moment)
walks_agree() {
	snmpwalk "${SNMP[@]}" "$B" > "$M/walk.next" 2>&1
	snmpbulkwalk "${SNMP[@]}" -Cr25 "$B" > "$M/walk.bulk" 2>&1
	snmpwalk "${SNMP[@]}" "$B" > "$M/walk.next2" 2>&1
	cmp -s <(oids "$M/walk.next") <(oids "$M/walk.next2") || return 1
	diff <(oids "$M/walk.next") <(oids "$M/walk.bulk") > "$M/walk.diff"
}
check "a GETBULK walk returns the same OIDs as GETNEXT" wait_until 20 walks_agree
[[ -s $M/walk.diff ]] && head -20 "$M/walk.diff" | sed 's/^/     /'
check "a GETBULK naming every column answers row after row, as chained GETNEXTs do" \
    wait_until 10 bulk_rows_agree 3
n=$(oids "$M/walk.next" | grep -c "^$B\.")
check "a GETNEXT walk of mailmonMIB returns $n varbinds" gt "$n" 40

noanswer() {	# noanswer COMMUNITY
	! snmpget -v2c -c "$1" -m : -On -t 1 -r 0 "127.0.0.1:$SNMPD_PORT" \
	    "$B.2.1.0" > "$M/noanswer.out" 2>&1 &&
	    grep -q "Timeout" "$M/noanswer.out"
}
check "a wrong community gets no answer" noanswer "not-$COMM"
check "a community from a source it is not given for gets no answer" noanswer "$OTHER"

# ---- notifications ----------------------------------------------------------

check "flap becomes ok(1)" wait_until 10 status_is flap 1
dl_listener_stop "$W/flap.pid"
check "flap goes critical(3)" wait_until 10 status_is flap 3
trap_down() {
	grep -F "$B.0.1" "$TRAPS" 2>/dev/null |
	    grep -qF "$ENTRY.$COL_STATUS.$(idx flap) "
}
check "mailmonProbeDown for flap reaches snmptrapd" wait_until 10 trap_down
check "... sent with the trap community" grep -qF "community $TCOMM" "$TRAPS"

# ---- secrets ----------------------------------------------------------------

check "no community in the log" no_comm_in "$LOG"
check "no community on the command line" bash -c '! tr "\0" " " < /proc/$1/cmdline | grep -qF -e "$2" -e "$3"' _ "$MMPID" "$COMM" "$TCOMM"
check "no community in what was read" no_comm_in "$WALKS"

# ---- reload: communities need a restart -------------------------------------

from=$(wc -l < "$LOG")
write_conf "new-$COMM"
kill -HUP "$MMPID"
check "reload done" wait_until 5 bash -c 'tail -n +"$(($1 + 1))" "$2" | grep -qF "reload done"' _ "$from" "$LOG"
check "the log says the snmp-* settings need a restart" bash -c 'tail -n +"$(($1 + 1))" "$2" | grep -qF "snmp-* settings take effect only after a restart"' _ "$from" "$LOG"
check "the running community still answers" status_is beat 1
check "the new one does not yet" noanswer "new-$COMM"

# ---- refusals at start --------------------------------------------------------

"$MAILMOND" -f -C -c "$CONF" -Le -x "$M/agentx.sock" --allow-root -p "$M/x.pid" > "$M/x.out" 2>&1
rc=$?
check "-x with snmp-listen is refused (status $rc)" test "$rc" -ne 0
check "... saying why" grep -qF "sets snmp-listen" "$M/x.out"
timeout 10 "$MAILMOND" -f -C -c "$CONF" -Le --allow-root -p "$M/busy.pid" > "$M/busy.out" 2>&1
rc=$?
check "a second daemon on the busy port exits (status $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "... saying it cannot listen" grep -qF "SNMP: cannot listen on $LISTEN" "$M/busy.out"
check "the first one still answers" status_is beat 1

kill -TERM "$MMPID"
wait "$MMPID"
rc=$?
MMPID=
check "SIGTERM: clean exit (status $rc)" test "$rc" -eq 0
finish

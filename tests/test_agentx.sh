#!/usr/bin/env bash
# test_agentx.sh - mailmond against the known Net-SNMP AgentX pitfalls,
# with a real snmpd master agent and snmptrapd (private, loopback only).
#
#   1. init_agent() resets the ping interval to 15 s: "ping-interval 2"
#      must really reconnect within about 2 s after snmpd is killed.
#   2. send_v2trap() drops notifications while there is no session: a
#      probe that goes down while the master is away must still be
#      reported once the master is back.
#   3. AgentX admin PDUs are synchronous and the reconnect's connect()
#      blocks: while snmpd is frozen (SIGSTOP, its listen backlog full)
#      the probes keep running and the loop's stalls stay short.
#   4. The master drops a subagent that does not answer in time
#      (agentXTimeout 1, agentXRetries 0): after mailmond is frozen and
#      thawed it reconnects; a GET never waits for a probe, even with
#      probes against a silent server in flight.
#   5. fd >= 1024: mailmond inherits 1100 open fds, so the AgentX socket
#      lands above FD_SETSIZE, at start and after every reconnect.
#   6. A SIGHUP reload must not re-read the Net-SNMP configuration
#      (update_config() re-opens the AgentX session).
#   7. The master turns each repetition of a GETBULK into one AgentX
#      GetNext carrying every varbind of the request: a GETBULK naming
#      every column must answer the rows in order, as chained GETNEXTs.
#   8. The library's unix-domain receive calls getsockname() for every
#      PDU: mailmond's own receive on the AgentX socket must not.
#
# Probes are plain TCP checks against loopback listeners of this script;
# no mail server is needed.  One PASS/FAIL line per check, measured
# times as indented lines, "N passed, N failed" at the end.  Exits 77
# (skip) only when a program is missing and CI is not "true".

# helpers run through check, wait_until and the exit trap
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
export PORT_OFFSET=$((600 + ${MM_PORT_SHIFT:-0}))
# shellcheck source=daemon_lib.sh
. "$top_srcdir/tests/daemon_lib.sh"

integration_gate
need snmpd snmptrapd snmpget snmpgetnext snmpbulkget snmpwalk ss setpriv strace "${PYTHON3:-python3}"
[[ -x $MAILMOND ]] || skip "$MAILMOND not built"

PING=2			# ping-interval in the generated configuration
NFDS=1100		# inherited open fds: pushes new fds past 1023
NSILENT=4		# probes kept in flight against a silent listener
PORT_BEAT=$((10250 + PORT_OFFSET))	# answers: probe "beat" stays ok
PORT_FLAP=$((10251 + PORT_OFFSET))	# answers until the test stops it
PORT_SILENT=$((10252 + PORT_OFFSET))	# accepts, never says a word

workdir /tmp/mm-agx.XXXX cleanup
M=$W/mm
mkdir -p "$M"
LOG=$M/mailmond.log
WALKS=$M/walks.txt
: > "$WALKS"
MMPID=
(( EUID == 0 )) && chown nobody "$M"

cleanup() {
	if [[ -n $MMPID ]] && proc_running "$MMPID"; then
		kill -CONT "$MMPID" 2>/dev/null
		kill -TERM "$MMPID" 2>/dev/null
		sleep 0.5
		proc_running "$MMPID" && kill -KILL "$MMPID" 2>/dev/null
	fi
	if (( fail > 0 )); then
		echo "---- mailmond log (tail) ----"
		tail -n 80 "$LOG" 2>/dev/null | grep -v ' probe silent'
		echo "---- snmpd log (tail) ----"
		tail -n 20 "$SNMPD_LOG" 2>/dev/null
		echo "---- traps (tail) ----"
		tail -n 10 "$TRAPS" 2>/dev/null
	fi
	dl_master_stop
	for p in beat flap silent; do dl_listener_stop "$W/$p.pid"; done
}

# ---- helpers ------------------------------------------------------------

# ms since the epoch of the last log line matching a fixed string, after
# line FROM (the stamper prefixes every line with it)
log_ms_after() {
	tail -n +"$(( $2 + 1 ))" "$LOG" | grep -F -- "$1" | tail -n 1 | cut -d' ' -f1
}
log_lines() { wc -l < "$LOG"; }
# log_has_after FROM STRING: a line matching STRING after line FROM
log_has_after() { tail -n +"$(( $1 + 1 ))" "$LOG" | grep -qF -- "$2"; }

# the fd numbers mailmond holds on AgentX: its unix stream sockets whose
# peer is one of snmpd's sockets on the AgentX path
agentx_fds() {
	ss -xpn 2>/dev/null | awk -v path="$AGENTX" -v pid="pid=$MMPID," '
	$5 == path { srv[$6] = 1 }
	index($0, pid) { me[$8] = $0 }
	END {
		for (peer in me)
			if (peer in srv && match(me[peer], pid "fd=[0-9]+")) {
				s = substr(me[peer], RSTART, RLENGTH)
				sub(/.*fd=/, "", s)
				print s
			}
	}'
}
agentx_fd_high() {
	local fd
	fd=$(agentx_fds | sort -n | head -n 1)
	AGENTX_FD=$fd
	[[ $fd =~ ^[0-9]+$ ]] && (( fd >= 1024 ))
}

# the largest gap, in ms, between consecutive runs of probe NAME from ms
# T0 to ms T1 (the runs just outside the window count as its ends)
max_gap() {
	awk -v t0="$2" -v t1="$3" -v pat="probe $1: start" '
	index($0, pat) {
		t = $1 + 0
		if (t < t0) { prev = t; next }
		if (prev != "" && t - prev > max) max = t - prev
		prev = t
		if (t > t1) exit
	}
	END { print max + 0 }' "$LOG"
}

# get_ms OID ERE: GET latency in ms (wall clock around snmpget), or
# 99999 when the answer does not match ERE
get_ms() {
	local t0 t1 v
	t0=$(date +%s%N)
	v=$(snmpget "${SNMP[@]}" -Oqv "$1" 2>&1)
	t1=$(date +%s%N)
	[[ $v =~ $2 ]] || { echo 99999; return; }
	echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# connect to a unix socket until its listen backlog is full, then hold
# the connections; prints how many it made
FILLER='
import socket, sys, time
held = []
while len(held) < 4096:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except OSError:
        s.close()
        break
    held.append(s)
print(len(held), flush=True)
time.sleep(3600)
'

# ---- servers --------------------------------------------------------------

dl_master_setup "agentXTimeout 1" "agentXRetries 0" || abort "master setup"
if ! dl_trapd_start || ! dl_snmpd_start; then
	abort "snmpd and snmptrapd start"
fi
dl_listener "$PORT_BEAT" answer "$W/beat.pid" || ko "beat listener"
dl_listener "$PORT_FLAP" answer "$W/flap.pid" || ko "flap listener"
dl_listener "$PORT_SILENT" silent "$W/silent.pid" || ko "silent listener"

CONF=$M/mailmond.conf
write_conf() {	# write_conf [EXTRA_PROBE_LINE]
	{
		echo "# generated by test_agentx.sh"
		echo "interval 1"
		echo "timeout 5"
		echo "retries 1"
		echo "ping-interval $PING"
		echo "agentx-socket $AGENTX"
		echo "probe beat tcp --host 127.0.0.1 --port $PORT_BEAT --expect HELLO"
		echo "probe flap tcp --host 127.0.0.1 --port $PORT_FLAP --expect HELLO"
		for ((i = 1; i <= NSILENT; i++)); do
			echo "probe silent$i tcp --host 127.0.0.1 --port $PORT_SILENT --expect HELLO --timeout 30"
		done
		[[ -n ${1:-} ]] && echo "$1"
	} > "$CONF"
	chmod 0600 "$CONF"
	(( EUID == 0 )) && chown nobody "$CONF"
	return 0
}
write_conf
NPROBES=$((2 + NSILENT))

# ---- start: with NFDS inherited fds, under a higher fd limit ---------------

FDWRAP='
import os, sys
for _ in range(int(sys.argv[1])):
    os.set_inheritable(os.open("/dev/null", os.O_RDONLY), True)
os.execv(sys.argv[2], sys.argv[2:])
'
USEROPT=()
(( EUID == 0 )) && USEROPT=(-u nobody)
# a soft limit below the hard one: mailmond raises it to the hard one
if ulimit -n 8192 2>/dev/null && ulimit -Sn 4096; then
	HARD=8192
else
	ulimit -n 4096 || skip "cannot raise the fd limit to 4096"
	HARD=4096
fi
"${PYTHON3:-python3}" -c "$FDWRAP" "$NFDS" "$MAILMOND" -f -C -c "$CONF" -Le \
	-p "$M/mailmond.pid" -D sched,agent "${USEROPT[@]}" 2> >(stamp > "$LOG") &
MMPID=$!
check "mailmond runs" wait_until 5 test -s "$M/mailmond.pid"
if ! proc_running "$MMPID"; then
	echo "mailmond did not start; its log:"
	cat "$LOG"
	abort "mailmond start"
fi
nfd=$(find "/proc/$MMPID/fd" -mindepth 1 2>/dev/null | wc -l)
check "mailmond keeps the $NFDS inherited fds ($nfd open)" ge "$nfd" "$NFDS"
check "all $NPROBES rows walk" wait_until 10 rows_are "$NPROBES"
check "beat becomes ok(1)" wait_until 10 status_is beat 1
check "a GETBULK naming every column answers row after row through snmpd, as chained GETNEXTs do" \
    wait_until 10 bulk_rows_agree 3

# ---- overload: the descriptor budget and max-inflight -----------------------

# eng N: mailmonEngine scalar N (1 inflight, 2 max, 3 waiting, 4 delayed)
eng() { snmpget "${SNMP[@]}" -Oqv "$B.2.6.$1.0" 2>/dev/null; }
eng_ge() { local v; v=$(eng "$1"); [[ $v =~ ^[0-9]+$ ]] && (( v >= $2 )); }
eng_is() { [[ $(eng "$1") == "$2" ]]; }
soft=$(awk '/^Max open files/ { print $4 }' "/proc/$MMPID/limits")
check "soft fd limit raised to the hard one ($soft = $HARD)" test "$soft" = "$HARD"
check "mailmonEngineMaxInflight is what the limit allows ($(eng 2) = $((HARD - HARD / 8)))" \
	test "$(eng 2)" = $((HARD - HARD / 8))
check "mailmonEngineInflight counts the silent probes in flight" \
	wait_until 5 eng_ge 1 "$NSILENT"
check "nothing waits with room to spare" test "$(eng 3)" = 0

# ---- 5. fd >= 1024 ------------------------------------------------------------

check "AgentX socket fd above 1023" agentx_fd_high
echo "     (AgentX fd ${AGENTX_FD:-?})"
check "GET through a high fd" status_is beat 1

# The library's unix-domain receive asked getsockname() for every PDU, an
# address a connected AgentX stream never uses; mailmond's receive does
# not (agent_direct.c).  Counted on the AgentX fd alone: the probes
# running meanwhile ask it for their own sockets.
agentx_walk_trace() {
	strace -f -qq -p "$MMPID" -e trace=getsockname,recvfrom \
	    -o "$W/ax.trace" 2> "$W/ax.strace.err" &
	local sp=$!
	sleep 0.5
	walk "$ENTRY.$COL_STATUS" > /dev/null
	walk "$ENTRY.$COL_STATUS" > /dev/null
	sleep 0.3
	kill -INT "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
	return 0
}
agentx_walk_trace
ax_recv=$(grep -cE "recvfrom\\(${AGENTX_FD:-x}," "$W/ax.trace" || true)
ax_name=$(grep -cE "getsockname\\(${AGENTX_FD:-x}," "$W/ax.trace" || true)
# at least one whole walk traced (strace may attach after the first began)
check "the column walks reached mailmond as AgentX PDUs ($ax_recv received on fd ${AGENTX_FD:-?})" \
	ge "${ax_recv:-0}" "$NPROBES"
check "no getsockname() per AgentX PDU ($ax_name)" test "${ax_name:-x}" = 0

# ---- 4b. a GET never waits for a probe ------------------------------------

check "silent probes are in flight" wait_until 5 bash -c '[[ $(ss -Htn state established "dport = :$1" | wc -l) -ge $2 ]]' _ "$PORT_SILENT" "$NSILENT"
lat=() base=()
for ((i = 0; i < 7; i++)); do
	lat+=("$(get_ms "$ENTRY.$COL_STATUS.$(idx beat)" '^1$')")
	base+=("$(get_ms .1.3.6.1.2.1.1.3.0 '^[0-9:.]+$')")
done
GET_MS=$(printf '%s\n' "${lat[@]}" | median)
BASE_MS=$(printf '%s\n' "${base[@]}" | median)
echo "     (GET of a mailmond cell: ${lat[*]} ms, median $GET_MS; sysUpTime from snmpd itself: median $BASE_MS ms)"
check "GET of a row answers in < 100 ms with silent probes in flight (median $GET_MS ms)" lt "$GET_MS" 100

# ---- 1. the ping interval is really $PING s -------------------------------

from=$(log_lines)
conn_before=$(count_lines "AgentX: connected to the master agent" "$LOG")
dl_snmpd_signal KILL
check "mailmond notices snmpd is gone" wait_until 3 log_has_after "$from" "disconnected from the master agent"
sleep 1
dl_snmpd_start || ko "snmpd restart"
t0=$(now_ms)
check "rows walk again after kill -9 and restart of snmpd" wait_until 10 rows_are "$NPROBES"
RECONNECT_MS=$(( $(now_ms) - t0 ))
echo "     (rows back $RECONNECT_MS ms after snmpd was listening again)"
check "back within 3 x ping-interval (${RECONNECT_MS} ms <= $((3 * PING * 1000)))" \
	le "$RECONNECT_MS" $((3 * PING * 1000))
if log_has_after "$from" "reconnecting in"; then
	line=$(tail -n +"$((from + 1))" "$LOG" | grep -F "reconnecting in" | head -n 1)
	echo "     (${line#* * * * })"
	check "the reconnect line names the configured interval ($PING s)" \
		log_has_after "$from" "reconnecting in $PING"
	check "no reconnect line names Net-SNMP's default 15 s" \
		bash -c '! tail -n +"$(($1 + 1))" "$2" | grep -qF "reconnecting in 15"' _ "$from" "$LOG"
fi
conn_after=$(count_lines "AgentX: connected to the master agent" "$LOG")
check "INDEX_START fired again ($conn_before -> $conn_after connects)" gt "$conn_after" "$conn_before"
check "AgentX fd still above 1023 after the reconnect" agentx_fd_high
echo "     (AgentX fd ${AGENTX_FD:-?})"
check "mailmond still running" proc_running "$MMPID"

# ---- 2. notifications while the master is away --------------------------

check "flap is ok(1)" wait_until 5 status_is flap 1
from=$(log_lines)
dl_snmpd_stop
check "disconnect noticed" wait_until 3 log_has_after "$from" "disconnected from the master agent"
dl_listener_stop "$W/flap.pid"
check "flap goes down while the master is away" \
	wait_until 6 log_has_after "$from" "probe flap: ok -> critical"
sleep 0.5
check "no down notification reached snmptrapd yet" \
	bash -c '! grep -F "$1.0.1" "$2" | grep -qF "$3"' _ "$B" "$TRAPS" "$ENTRY.$COL_STATUS.$(idx flap) "
dl_snmpd_start || ko "snmpd restart"
t0=$(now_ms)
trap_seen() {	# trap_seen TRAPOID NAME
	grep -F "$1" "$TRAPS" 2>/dev/null | grep -qF "$ENTRY.$COL_STATUS.$(idx "$2") "
}
check "queued down notification for flap arrives after the reconnect" \
	wait_until 10 trap_seen "$B.0.1" flap
echo "     (trap logged $(( $(now_ms) - t0 )) ms after snmpd was back)"
check "mailmond says it sent the queued notifications" \
	log_has_after "$from" "sent 1 queued notification"
dl_listener "$PORT_FLAP" answer "$W/flap.pid" || ko "flap listener restart"
check "up notification for flap (sent at once)" wait_until 8 trap_seen "$B.0.2" flap

# ---- 3. frozen master ---------------------------------------------------------

STALL=${MAILMON_STALL:-10}
check "rows walk before the freeze" wait_until 5 rows_are "$NPROBES"
c0=$(col $COL_CHECKS beat)
from=$(log_lines)
t_stop=$(now_ms)
dl_snmpd_signal STOP
# Fill the frozen master's listen backlog, as other subagents' reconnects
# would over a longer hang: from now on a blocking connect() to it
# sleeps until it thaws.
"${PYTHON3:-python3}" -c "$FILLER" "$AGENTX" > "$M/filler.out" 2>&1 &
fillpid=$!
# where mailmond sleeps during the freeze: unix_wait_for_peer is a
# connect() waiting for room in the master's listen backlog
end=$(( t_stop + STALL * 1000 ))
: > "$M/wchan.txt"
while (( $(now_ms) < end )); do
	echo "$(now_ms) $(cat "/proc/$MMPID/wchan" 2>/dev/null)" >> "$M/wchan.txt"
	sleep 0.1
done
t_cont=$(now_ms)
echo "     (backlog filled with $(head -n 1 "$M/filler.out") connections)"
# the longest run of samples outside epoll_wait is the longest stall
read -r nsamples nconnect longest <<< "$(awk '
	{ n++ }
	$2 == "unix_wait_for_peer" { c++ }
	$2 != "do_epoll_wait" { if (start == "") start = $1; last = $1; next }
	{ if (start != "" && last - start + 100 > max) max = last - start + 100; start = "" }
	END {
		if (start != "" && last - start + 100 > max) max = last - start + 100
		print n + 0, c + 0, max + 0
	}' "$M/wchan.txt")"
STALL_LONGEST=$longest
echo "     (mailmond sampled $nsamples times: $nconnect in connect() to the master; longest stretch outside epoll_wait ~$longest ms)"
dl_snmpd_signal CONT
kill "$fillpid" 2>/dev/null
wait "$fillpid" 2>/dev/null
sleep 1
gap=$(max_gap beat "$t_stop" "$t_cont")
runs=$(awk -v t0="$t_stop" -v t1="$t_cont" '$1 >= t0 && $1 <= t1 && /probe beat: start/' "$LOG" | wc -l)
STALL_GAP=$gap
echo "     (snmpd frozen $(( t_cont - t_stop )) ms: beat ran $runs times, largest gap between runs $gap ms)"
check "probes kept running while snmpd was frozen ($runs runs in ${STALL}s)" ge "$runs" $((STALL - 2))
check "loop stall bounded: largest gap between 1 s runs < 2500 ms ($gap ms)" lt "$gap" 2500
if grep -q do_epoll_wait "$M/wchan.txt"; then
	check "loop stall bounded: never ~1.5 s outside epoll_wait (~$longest ms)" lt "$longest" 1500
else
	STALL_LONGEST="n/a"
	echo "     (/proc/PID/wchan shows no symbols here: stall measured from probe runs only)"
fi
t0=$(now_ms)
check "rows walk again after SIGCONT" wait_until 8 rows_are "$NPROBES"
echo "     (rows back $(( $(now_ms) - t0 )) ms after SIGCONT)"
c1=$(col $COL_CHECKS beat)
check "checks counter grew by about the stall ($c0 -> $c1)" ge "$(( ${c1:-0} - ${c0:-0} ))" $((STALL - 2))
# what Net-SNMP said meanwhile, once per distinct message
tail -n +"$((from + 1))" "$LOG" | grep -F "net-snmp:" | sed 's/^.*net-snmp: //' |
	sort | uniq -c | awk '{ n = $1; sub(/^ *[0-9]+ /, ""); printf "     (%dx net-snmp: %s)\n", n, $0 }'

# ---- 4. the master drops a frozen subagent -----------------------------------

from=$(log_lines)
kill -STOP "$MMPID"
# a request the master forwards while mailmond cannot answer
tw=$(now_ms)
{
	snmpwalk -v2c -c public -m : -On -t 6 -r 0 "127.0.0.1:$SNMPD_PORT" \
	    "$ENTRY.$COL_STATUS" > "$M/frozen-walk.txt" 2>&1
	now_ms > "$M/frozen-walk.end"
} &
walkpid=$!
sleep 3
kill -CONT "$MMPID"
t0=$(now_ms)
wait "$walkpid"
echo "     (the master answered the walk after $(( $(cat "$M/frozen-walk.end") - tw )) ms, mailmond still frozen)"
check "the master gave up on the frozen subagent (genError, no rows)" \
	bash -c 'grep -q genError "$2" && ! grep -q "^$1\." "$2"' _ "$ENTRY.$COL_STATUS" "$M/frozen-walk.txt"
check "mailmond sees the master dropped it" \
	wait_until 3 log_has_after "$from" "disconnected from the master agent"
check "rows walk again after the drop" wait_until 10 rows_are "$NPROBES"
DROP_MS=$(( $(now_ms) - t0 ))
echo "     (rows back $DROP_MS ms after SIGCONT to mailmond)"
check "back within ping-interval + slack (${DROP_MS} ms <= $((PING * 1000 + 4000)))" \
	le "$DROP_MS" $((PING * 1000 + 4000))

# ---- 6. SIGHUP does not touch the Net-SNMP configuration --------------------

from=$(log_lines)
write_conf "probe added tcp --host 127.0.0.1 --port $PORT_BEAT --expect HELLO"
kill -HUP "$MMPID"
check "reload done" wait_until 5 log_has_after "$from" "reload done"
check "reload adds a row" wait_until 5 has_row added
check "no AgentX re-open attempt after the reload" \
	bash -c '! tail -n +"$(($1 + 1))" "$2" | grep -qiF "attempted to be re-opened"' _ "$from" "$LOG"
check "the session stayed up across the reload" \
	bash -c '! tail -n +"$(($1 + 1))" "$2" | grep -qF "disconnected from the master agent"' _ "$from" "$LOG"
check "mailmond still running" proc_running "$MMPID"

# room for 2 connections while 4 silent probes hold theirs for 30 s:
# beat and flap wait their turn, and waiting is not failing
COL_FAILURES=31
c0=$(snmpget "${SNMP[@]}" -Oqv "$ENTRY.$COL_FAILURES.$(idx beat)" 2>/dev/null)
d0=$(eng 4)
from=$(log_lines)
write_conf "max-inflight 2"
kill -HUP "$MMPID"
check "reload with max-inflight 2 done" wait_until 5 log_has_after "$from" "reload done"
check "mailmonEngineMaxInflight follows the reload" wait_until 3 eng_is 2 2
check "probes wait for room (mailmonEngineWaiting >= 1)" \
	wait_until 5 eng_ge 3 1
check "mailmonEngineDelayedChecks grows ($d0 -> $(eng 4))" \
	wait_until 5 eng_ge 4 $(( ${d0:-0} + 1 ))
c1=$(snmpget "${SNMP[@]}" -Oqv "$ENTRY.$COL_FAILURES.$(idx beat)" 2>/dev/null)
check "waiting is not failing: beat's failures unchanged ($c0 -> $c1)" test "$c0" = "$c1"
check "beat is still ok(1)" status_is beat 1

kill -TERM "$MMPID"
wait "$MMPID"
rc=$?
MMPID=
check "SIGTERM: clean exit (status $rc)" test "$rc" -eq 0
# every read of mailmonMIB was answered on the AgentX session itself,
# across the reconnects above, none through the library's relay
direct=$(sed -n 's/.*AgentX: \([0-9]*\) reads answered on the session, \([0-9]*\) left.*/\1 \2/p' "$LOG" | tail -n 1)
check "reads answered on the session (${direct% *})" positive "${direct% *}"
check "no read of ours left to the library (${direct#* })" test "${direct#* }" = 0

echo "     measured: reconnect after kill -9 ${RECONNECT_MS:-?} ms, GET median ${GET_MS:-?} ms," \
	"largest gap of a 1 s probe with snmpd frozen ${STALL_GAP:-?} ms," \
	"longest loop stall ~${STALL_LONGEST:-?} ms, back after a master drop ${DROP_MS:-?} ms"
finish

#!/usr/bin/env bash
# test_history.sh - what happened between two polls, end to end: the
# statistics and history tables of MAILMON-MIB served by mailmond through
# a private snmpd master agent, with snmptrapd catching the notifications.
#
# Probes (interval 1 s, retries 1):
#   alt     SMTP against tests/fake/fakeserver.py scripted to greet with
#           220 and 554 in turn: results alternate ok / greeting failure,
#           so every availability is known; --history 8.
#   beat    TCP against a listener that always answers: the global
#           "history 10".
#   closed  TCP to a closed port: never ok; --history 0.
#
# Checks: hour and day counts, availability = the known ratio, latency
# minimum <= mean <= p95 <= maximum, last ok / failure and its class,
# outages; the history table walked by snmpwalk and by pysnmp (same
# entries, consecutive numbers, alternating statuses and classes, one
# DateAndTime each); the down and up notifications end with the hour's
# availability (down <= 500 per mille, up >= 500 here); a SIGHUP keeps it
# all; the state file is rewritten while the daemon runs, so after a
# SIGKILL the counters come back from the last periodic write; a clean
# restart keeps counters, statistics and the history numbering and moves
# the discontinuity time to the restart; a damaged state file is ignored
# with a warning.
#
# Exits 77 (skip) only when a program is missing and CI is not "true".

# helpers run through check, wait_until and the exit trap
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
export PORT_OFFSET=$((700 + ${MM_PORT_SHIFT:-0}))
# shellcheck source=daemon_lib.sh
. "$top_srcdir/tests/daemon_lib.sh"

integration_gate
need snmpd snmptrapd snmpget snmpwalk ss setpriv "$PY"
[[ -x $MAILMOND ]] || skip "$MAILMOND not built"
# pysnmp may live in the system python only (Debian: python3-pysnmp4)
PYSNMP=
for p in "$PY" python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 &&
	    "$p" -c 'import pysnmp.hlapi' >/dev/null 2>&1; then
		PYSNMP=$p
		break
	fi
done
[[ -n $PYSNMP ]] || skip "pysnmp not installed (tests/install-deps.sh)"

PORT_ALT=$((10250 + PORT_OFFSET))	# the scripted fake server
PORT_BEAT=$((10251 + PORT_OFFSET))	# always answers
PORT_CLOSED=$((10252 + PORT_OFFSET))	# nothing listens

USEROPT=()
(( EUID == 0 )) && USEROPT=(-u nobody)
mm_start() {
	"$MAILMOND" -f -C -c "$CONF" -Lf "$LOG" -p "$M/mailmond.pid" \
	    -D sched "${USEROPT[@]}" &
	MMPID=$!
}
mm_stop() {
	if [[ -n $MMPID ]] && proc_running "$MMPID"; then
		kill -TERM "$MMPID" 2>/dev/null
		wait "$MMPID" 2>/dev/null
	fi
	MMPID=
}

workdir /tmp/mm-his.XXXX cleanup
M=$W/mm
mkdir -p "$M"
LOG=$M/mailmond.log
WALKS=$M/walks.txt
STATE=$M/mailmond.state
: > "$WALKS"
MMPID=
FAKEPID=
(( EUID == 0 )) && chown nobody "$M"

cleanup() {
	mm_stop
	[[ -n $FAKEPID ]] && kill "$FAKEPID" 2>/dev/null
	if (( fail > 0 )); then
		echo "---- mailmond log (tail) ----"
		tail -n 40 "$LOG" 2>/dev/null
		echo "---- traps (tail) ----"
		tail -n 6 "$TRAPS" 2>/dev/null
	fi
	dl_master_stop
	dl_listener_stop "$W/beat.pid"
}

# ---- OIDs and helpers ----------------------------------------------------

SENTRY=$B.2.4.1			# mailmonStatsEntry
HENTRY=$B.2.5.1			# mailmonHistoryEntry
S_HRES=1 S_HFAIL=2 S_HAVAIL=3 S_HMIN=4 S_HAVG=5 S_HMAX=6 S_HP95=7
S_HOUT=8 S_DRES=9 S_DFAIL=10 S_DAVAIL=11 S_LASTOK=16 S_LASTFAIL=17
S_LASTCLASS=18 S_DISC=19 S_HSIZE=20
H_TIME=2 H_STATUS=3 H_CLASS=4 H_CODE=5 H_LATENCY=6
SYSUPTIME=.1.3.6.1.2.1.1.3.0
ALT=$(idx alt)

scol() { get "$SENTRY.$1.$(idx "$2")"; }
# several cells in one request: one PDU, so one instant
gets() { snmpget "${SNMP[@]}" -Oqv "$@" 2>/dev/null | tee -a "$WALKS"; }
uptime_ticks() { ticks "$SYSUPTIME"; }
# a TimeTicks value as a number of 1/100 s
ticks() { snmpget "${SNMP[@]}" -Oqvt "$1" 2>/dev/null | tee -a "$WALKS"; }
results_at_least() { ge "$(scol $S_HRES "$1")" "$2"; }

# hist_walk NAME COL -> "NUMBER VALUE" lines of the history column of a
# probe (octet strings in hex), through snmpwalk
hist_walk() {
	local pfx=$HENTRY.$2.$(idx "$1")
	snmpwalk "${SNMP[@]}" -Ox -OQ "$pfx" 2>/dev/null | tee -a "$WALKS" |
	    awk -v p="$pfx." 'index($1, p) == 1 {
		n = substr($1, length(p) + 1)
		v = ""
		for (i = 3; i <= NF; i++) v = v $i
		if (v ~ /^Hex-STRING:/) v = substr(v, 12)
		gsub(/"/, "", v)
		print n, tolower(v)
	}'
}
hist_rows() { hist_walk "$1" "$H_STATUS" | wc -l; }
rows_now() { [[ $(hist_rows "$1") == "$2" ]]; }

# the same table through pysnmp: "OID VALUE" lines, octet strings in hex
PYWALK='
import sys
from pysnmp.hlapi import (SnmpEngine, CommunityData, UdpTransportTarget,
    ContextData, ObjectType, ObjectIdentity, nextCmd)
port, root = int(sys.argv[1]), sys.argv[2]
for ei, es, ex, vbs in nextCmd(SnmpEngine(), CommunityData("public"),
        UdpTransportTarget(("127.0.0.1", port), timeout=2, retries=1),
        ContextData(), ObjectType(ObjectIdentity(root)),
        lexicographicMode=False, lookupMib=False):
    if ei or es:
        print("ERROR", ei or es.prettyPrint())
        sys.exit(1)
    for oid, val in vbs:
        if hasattr(val, "asOctets"):
            v = val.asOctets().hex()
        else:
            v = str(int(val))
        print("." + str(oid), v)
'

# ---- servers --------------------------------------------------------------

dl_master_setup || abort "master setup"
if ! dl_trapd_start || ! dl_snmpd_start; then
	abort "snmpd and snmptrapd start"
fi
dl_listener "$PORT_BEAT" answer "$W/beat.pid" || ko "beat listener"

# 400 connections, ok and failing in turn
{
	echo "# generated by test_history.sh: 220 and 554 greetings in turn"
	for ((i = 0; i < 200; i++)); do
		cat <<'EOF'
CONNECTION
SEND 220 fake.example ESMTP ready\r\n
ON ^EHLO SEND 250-fake.example\r\n250 8BITMIME\r\n
ON ^QUIT
  SEND 221 2.0.0 bye\r\n
  CLOSE
ON .* SEND 500 5.5.1 unknown\r\n
SERVE
CONNECTION
SEND 554 5.3.2 fake.example no service here\r\n
CLOSE
EOF
	done
} > "$W/alt.scn"
ports_free TCP "$PORT_ALT" || abort "port $PORT_ALT busy"
setsid "$PY" "$top_srcdir/tests/fake/fakeserver.py" --scenario "$W/alt.scn" \
	--port "$PORT_ALT" --limit 900 --log "$W/fake.log" \
	> "$W/fake.out" 2>&1 < /dev/null &
FAKEPID=$!
wait_tcp "$PORT_ALT" 10 || abort "fake server did not listen"

CONF=$M/mailmond.conf
{
	echo "# generated by test_history.sh"
	echo "interval 1"
	echo "timeout 3"
	echo "retries 1"
	echo "ping-interval 2"
	echo "agentx-socket $AGENTX"
	echo "history 10"
	echo "state-file mailmond.state"
	echo "probe alt smtp --host 127.0.0.1 --port $PORT_ALT --history 8"
	echo "probe beat tcp --host 127.0.0.1 --port $PORT_BEAT --expect HELLO"
	echo "probe closed tcp --host 127.0.0.1 --port $PORT_CLOSED --history=0"
} > "$CONF"
chmod 0600 "$CONF"
(( EUID == 0 )) && chown nobody "$CONF"


# ---- 1. statistics ----------------------------------------------------------

mm_start
check "mailmond runs" wait_until 5 test -s "$M/mailmond.pid"
check "rows walk" wait_until 20 rows_are 3
check "alt: 12 results in the hour" wait_until 40 results_at_least alt 12

# results, failures and availability of one instant
read -r n f a dn df da < <(gets "$SENTRY.$S_HRES.$ALT" "$SENTRY.$S_HFAIL.$ALT" \
	"$SENTRY.$S_HAVAIL.$ALT" "$SENTRY.$S_DRES.$ALT" "$SENTRY.$S_DFAIL.$ALT" \
	"$SENTRY.$S_DAVAIL.$ALT" | tr '\n' ' ')
echo "     (alt: $n results, $f failed, availability $a per mille)"
check "alt: ok and failed alternate ($n results, $f failed)" \
	bash -c '(( $1 >= 12 && $1 - 2 * $2 >= -1 && $1 - 2 * $2 <= 1 ))' _ "$n" "$f"
check "alt: availability is the ratio, rounded down ($a)" \
	test "$a" = "$(( (n - f) * 1000 / n ))"
check "alt: availability is one half, give or take one check" \
	bash -c '(( $1 >= 500 - 1000 / $2 && $1 <= 500 + 1000 / $2 ))' _ "$a" "$n"
check "alt: the day counts the same checks" \
	test "$dn $df $da" = "$n $f $a"

read -r lmin lavg lp95 lmax < <(gets "$SENTRY.$S_HMIN.$ALT" "$SENTRY.$S_HAVG.$ALT" \
	"$SENTRY.$S_HP95.$ALT" "$SENTRY.$S_HMAX.$ALT" | tr '\n' ' ')
echo "     (alt latency: min $lmin, avg $lavg, p95 $lp95, max $lmax us)"
check "alt: 0 < min <= avg <= max, min <= p95 <= max" \
	bash -c '(( $1 > 0 && $1 <= $2 && $2 <= $4 && $1 <= $3 && $3 <= $4 ))' \
	_ "$lmin" "$lavg" "$lp95" "$lmax"
check "alt: last failure class greeting(7)" test "$(scol $S_LASTCLASS alt)" = 7
lastok=$(snmpget "${SNMP[@]}" -Oqvx "$SENTRY.$S_LASTOK.$ALT" 2>/dev/null | tr -d '" \n')
check "alt: last ok is a DateAndTime of this year ($lastok)" \
	bash -c '[[ ${#1} == 22 && $((16#${1:0:4})) == $(date -u +%Y) ]]' _ "$lastok"
check "alt: last failure time present" \
	bash -c '[[ $(snmpget "$@" 2>/dev/null | tr -d "\" \n") =~ ^[0-9A-Fa-f]{22}$ ]]' \
	_ "${SNMP[@]}" -Oqvx "$SENTRY.$S_LASTFAIL.$ALT"
out=$(scol $S_HOUT alt)
# an outage lasts from a failed check to the next one (1 s apart, more
# when a slow run makes the scheduler skip a slot)
check "alt: longest outage of about one interval ($out s)" \
	bash -c '(( $1 >= 1 && $1 <= 5 ))' _ "$out"

check "beat: availability 1000" test "$(scol $S_HAVAIL beat)" = 1000
check "beat: no outage" test "$(scol $S_HOUT beat)" = 0
check "closed: availability 0" wait_until 5 bash -c '[[ $(snmpget "$@" 2>/dev/null) == 0 ]]' \
	_ "${SNMP[@]}" -Oqv "$SENTRY.$S_HAVAIL.$(idx closed)"
check "closed: failure class refused(3)" test "$(scol $S_LASTCLASS closed)" = 3
check "closed: never ok, so no last-ok instance" \
	bash -c '[[ $(snmpget "$@" 2>&1) == *"No Such Instance"* ]]' \
	_ "${SNMP[@]}" "$SENTRY.$S_LASTOK.$(idx closed)"
check "closed: no latency (no check completed)" \
	bash -c '[[ $(snmpget "$@" 2>&1) == *"No Such Instance"* ]]' \
	_ "${SNMP[@]}" "$SENTRY.$S_HMIN.$(idx closed)"
check "history sizes: alt 8, beat 10, closed 0" \
	test "$(scol $S_HSIZE alt) $(scol $S_HSIZE beat) $(scol $S_HSIZE closed)" = "8 10 0"

# ---- 2. the history table: snmpwalk and pysnmp ------------------------------

check "alt: 8 history rows" wait_until 10 rows_now alt 8
check "beat: 10 history rows (the global size)" wait_until 15 rows_now beat 10
check "closed: no history rows" rows_now closed 0

# a walk takes time: a result may come in while it runs and show as one
# more row; the ring's exact size was checked above (retried until seen)
hist_walk alt $H_STATUS > "$W/st.txt"
hist_walk alt $H_CLASS > "$W/cl.txt"
hist_walk alt $H_CODE > "$W/code.txt"
hist_walk alt $H_TIME > "$W/time.txt"
hist_walk alt $H_LATENCY > "$W/lat.txt"
check "alt: 8 or more consecutive numbers" awk '
	NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 }
	END { exit !(NR >= 8 && !bad) }' "$W/st.txt"
check "alt: statuses alternate ok(1) / critical(3)" awk '
	$2 != 1 && $2 != 3 { bad = 1 } NR > 1 && $2 == prev { bad = 1 }
	{ prev = $2 } END { exit !(NR >= 8 && !bad) }' "$W/st.txt"
# entries never change: the walks of other columns agree number by number
check "alt: class none(1) with ok, greeting(7) with critical" awk '
	FNR == NR { st[$1] = $2; next }
	($1 in st) { n++; if (!((st[$1] == 1 && $2 == 1) || (st[$1] == 3 && $2 == 7))) bad = 1 }
	END { exit !(n >= 7 && !bad) }' "$W/st.txt" "$W/cl.txt"
check "alt: reply code 554 with the failures, 2xx with the rest" awk '
	FNR == NR { st[$1] = $2; next }
	($1 in st) { n++; if (!((st[$1] == 3 && $2 == 554) || (st[$1] == 1 && ($2 == 250 || $2 == 221)))) bad = 1 }
	END { exit !(n >= 7 && !bad) }' "$W/st.txt" "$W/code.txt"
check "alt: every entry has an 11-octet DateAndTime" awk '
	length($2) != 22 { bad = 1 } END { exit !(NR >= 7 && !bad) }' "$W/time.txt"
check "alt: every entry has a latency" awk '
	$2 !~ /^[0-9]+$/ || $2 == 0 { bad = 1 } END { exit !(NR >= 7 && !bad) }' "$W/lat.txt"

"$PYSNMP" -c "$PYWALK" "$SNMPD_PORT" "${HENTRY#.}" > "$W/pysnmp.txt" 2> "$W/pysnmp.err"
rc=$?
check "pysnmp walks the history table (rc $rc)" test "$rc" -eq 0
# consecutive numbers, at least as many as the ring holds
consecutive() {	# consecutive FILE PREFIX MIN
	grep -F "$2." "$1" | awk -v p="$2." -v min="$3" '
	index($1, p) == 1 {
		n = substr($1, length(p) + 1) + 0
		if (c > 0 && n != prev + 1) bad = 1
		prev = n; c++
	}
	END { exit !(c >= min && !bad) }'
}
check "pysnmp: alt has 8 or more consecutive entries" \
	consecutive "$W/pysnmp.txt" "$HENTRY.$H_STATUS.$ALT" 8
check "pysnmp: beat has 10 or more consecutive entries" \
	consecutive "$W/pysnmp.txt" "$HENTRY.$H_STATUS.$(idx beat)" 10
check "pysnmp: closed has none" \
	bash -c '! grep -qF "$1." "$2"' _ "$HENTRY.$H_STATUS.$(idx closed)" "$W/pysnmp.txt"
snmpwalk "${SNMP[@]}" -Ox -OQ "$HENTRY" 2>/dev/null | awk '{
	v = ""; for (i = 3; i <= NF; i++) v = v $i
	if (v ~ /^Hex-STRING:/) v = substr(v, 12)
	gsub(/"/, "", v)
	print $1, tolower(v) }' > "$W/netsnmp.txt"
# the same entries (by OID) carry the same values in both walks
check "pysnmp and snmpwalk agree on every entry both saw" awk '
	FNR == NR { v[$1] = $2; next }
	($1 in v) { n++; if (v[$1] != $2) { bad = 1; print "differs:", $1, v[$1], $2 } }
	END { exit !(n >= 40 && !bad) }' "$W/netsnmp.txt" "$W/pysnmp.txt"

# ---- 3. notifications carry the hour's availability -------------------------

# last_avail TRAPOID: the value of the last varbind of the latest alt
# notification of that kind, if that varbind is alt's hour availability
last_avail() {
	grep -F "$1" "$TRAPS" 2>/dev/null | grep -F "$ENTRY.$COL_STATUS.$ALT " | tail -n 1 |
	    awk -v oid="$SENTRY.$S_HAVAIL.$ALT" -F '\t' '{
		n = split($NF, w, " ")
		if (w[1] == oid) print w[n] }'
}
avail_in() { [[ -n $(last_avail "$1") ]]; }
check "down notification ends with the hour's availability" wait_until 10 avail_in "$B.0.1"
check "up notification ends with the hour's availability" wait_until 10 avail_in "$B.0.2"
dv=$(last_avail "$B.0.1")
uv=$(last_avail "$B.0.2")
echo "     (latest down: $dv per mille, latest up: $uv per mille)"
# after a failure no more ok than failed in the window; after an ok, no fewer
check "down: availability <= 500 ($dv)" le "$dv" 500
check "up: availability >= 500 ($uv)" ge "$uv" 500

# ---- 4. SIGHUP keeps statistics and history ---------------------------------

first_before=$(hist_walk alt $H_STATUS | head -n 1 | cut -d' ' -f1)
res_before=$(scol $S_HRES alt)
hups=$(count_lines "reload done" "$LOG")
kill -HUP "$MMPID"
check "reload done" wait_until 5 bash -c '(( $(grep -c "reload done" "$1") > $2 ))' _ "$LOG" "$hups"
res_after=$(scol $S_HRES alt)
first_after=$(hist_walk alt $H_STATUS | head -n 1 | cut -d' ' -f1)
check "reload keeps the hour's results ($res_before -> $res_after)" \
	ge "$res_after" "$res_before"
check "reload keeps the history numbering ($first_before -> $first_after)" \
	ge "$first_after" "$first_before"

# ---- 5. a crash: the periodic write is what comes back ----------------------

checks_a=$(get "$ENTRY.$COL_CHECKS.$ALT")
t_read=$(date +%s)
# a write that starts after that read holds at least those checks
check "state file rewritten while mailmond runs" \
	wait_until 10 bash -c '(( $(stat -c %Y "$1" 2>/dev/null || echo 0) > $2 + 1 ))' \
	_ "$STATE" "$t_read"
kill -KILL "$MMPID"
wait "$MMPID" 2>/dev/null
MMPID=
restores=$(count_lines "probes restored" "$LOG")
mm_start
check "after a crash: the state file is read" \
	wait_until 5 bash -c '(( $(grep -c "probes restored" "$1") > $2 ))' _ "$LOG" "$restores"
check "after a crash: rows walk" wait_until 20 rows_are 3
checks_b=$(get "$ENTRY.$COL_CHECKS.$ALT")
echo "     (checks $checks_a before the crash, $checks_b after)"
check "after a crash: counters from the last periodic write" ge "$checks_b" "$checks_a"

# ---- 6. a clean restart with the state file ---------------------------------

checks0=$(get "$ENTRY.$COL_CHECKS.$ALT")
disc0=$(ticks "$SENTRY.$S_DISC.$ALT")
res0=$(scol $S_HRES alt)
last0=$(hist_walk alt $H_STATUS | tail -n 1)
up0=$(uptime_ticks)
mm_stop
# the header's flags say a clean shutdown wrote it (statefile.h)
check "state file written at exit" \
	test "$(od -An -tu1 -j32 -N1 "$STATE" 2>/dev/null | tr -d ' ')" = 1
check "state file starts with its magic" bash -c '[[ $(head -c 7 "$1") == MMSTATE ]]' _ "$STATE"
check "state file is private (0600)" test "$(stat -c %a "$STATE")" = 600
(( EUID == 0 )) && check "state file belongs to the daemon's user" \
	test "$(stat -c %U "$STATE")" = nobody

restores=$(count_lines "statistics of 3 probes restored" "$LOG")
mm_start
check "mailmond runs again" wait_until 5 test -s "$M/mailmond.pid"
check "state file read at start" \
	wait_until 5 bash -c '(( $(grep -c "statistics of 3 probes restored" "$1") > $2 ))' \
	_ "$LOG" "$restores"
check "rows walk again" wait_until 20 rows_are 3
checks1=$(get "$ENTRY.$COL_CHECKS.$ALT")
res1=$(scol $S_HRES alt)
echo "     (checks $checks0 -> $checks1, hour results $res0 -> $res1)"
check "counters kept across the restart" ge "$checks1" "$checks0"
check "hour window kept across the restart" ge "$res1" "$res0"
num0=${last0%% *}
hist_walk alt $H_STATUS > "$W/st1.txt"
check "the last entry before the restart is still there, unchanged ($last0)" \
	grep -qx "$last0" "$W/st1.txt"
check "numbering goes on after the restart (entry $((num0 + 1)) appears)" \
	wait_until 10 bash -c '[[ $(snmpget "$@" 2>/dev/null) =~ ^[13]$ ]]' \
	_ "${SNMP[@]}" -Oqv "$HENTRY.$H_STATUS.$ALT.$((num0 + 1))"
disc1=$(ticks "$SENTRY.$S_DISC.$ALT")
up1=$(uptime_ticks)
echo "     (sysUpTime before the restart $up0, discontinuity $disc0 -> $disc1, sysUpTime now $up1)"
check "discontinuity time moved to the restart ($up0 <= $disc1 <= $up1)" \
	bash -c '(( $1 <= $2 && $2 <= $3 && $2 > $4 ))' _ "$up0" "$disc1" "$up1" "$disc0"

# ---- 7. a damaged state file is ignored -------------------------------------

mm_stop
printf 'MMSTATE\0garbage that is no state at all' > "$STATE"
(( EUID == 0 )) && chown nobody "$STATE"
mm_start
check "damaged state file: a warning" wait_until 5 grep -q "state file .* ignored" "$LOG"
check "damaged state file: mailmond runs" wait_until 20 rows_are 3
checks2=$(get "$ENTRY.$COL_CHECKS.$ALT")
check "damaged state file: counters start afresh ($checks2)" lt "$checks2" "$checks0"
mm_stop
check "rewritten whole at exit" bash -c '[[ $(head -c 7 "$1") == MMSTATE ]] && (( $(stat -c %s "$1") > 1000 ))' _ "$STATE"
check "no temporary file left" test ! -e "$STATE.tmp"

finish

#!/usr/bin/env bash
# test_mx.sh - domain probes and dual-stack probes against real servers:
# Unbound serving the test zone (tests/fixtures/unbound.sh) on 127.0.0.1
# and ::1, whose MX records point at the fixture Postfix (127.0.0.1 and
# ::1) and Exim (127.0.0.1 only, so its IPv6 listener is "missing"), and
# at loopback addresses where nothing listens.
#
#  1. mailprobe mx --json: all-good domain, backup MX down, primary down,
#     IPv6 listener missing, null MX, NXDOMAIN, MX at a closed port,
#     CNAME'd exchange, certificate checked against the exchange's name,
#     implicit MX, dangling exchange, SERVFAIL, REFUSED, timeout, the
#     any-policy, IPv4 only, and --family both for a host probe.
#  2. mailmond through a real snmpd: probe rows, mailmonTargetTable rows
#     and their values, the summary table and count, stable target
#     indexes across checks and across a zone change, and the down/up
#     notifications naming the failing targets.
#
# Needs root (Postfix and Exim) and ::1 on lo.  Exits 77 when something
# is missing and CI is not "true", or when MAILMON_INTEGRATION=0.

# helpers run through check, wait_until and the exit trap
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
export PORT_OFFSET=$((800 + ${MM_PORT_SHIFT:-0}))
# shellcheck source=daemon_lib.sh
. "$top_srcdir/tests/daemon_lib.sh"
FIX=$DL_FIX
JSONCHECK=$top_srcdir/tests/jsoncheck.py

integration_gate
need snmpd snmptrapd snmpget snmpwalk dovecot postfix unbound unbound-control \
	ss setpriv
[[ -x $MAILMOND && -x $MP ]] || skip "mailmond or mailprobe not built"
(( EUID == 0 )) || skip "Postfix and Exim need root"
have_lo6 || skip "no ::1 on lo: the test needs both address families"
[[ -x $EXIM_ROOT/usr/sbin/exim4 ]] || command -v exim4 >/dev/null ||
	skip "Exim not unpacked (tests/install-deps.sh)"

workdir /tmp/mmx-XXXXXX cleanup
M=$W/mm
T=$W/out
mkdir -p "$M" "$T"
chown nobody "$M"
export SERVICES="dovecot postfix exim snmpd"
MMPID=
LOG=$M/mailmond.log
WALKS=$M/walks.txt
TRAPS=$W/snmp/traps.log
: > "$WALKS"

cleanup() {
	if [[ -n $MMPID ]] && proc_running "$MMPID"; then
		kill -TERM "$MMPID" 2>/dev/null
		sleep 0.5
		proc_running "$MMPID" && kill -KILL "$MMPID" 2>/dev/null
	fi
	if (( fail > 0 )); then
		echo "---- mailmond log (tail) ----"
		tail -n 40 "$LOG" 2>/dev/null
		echo "---- traps (tail) ----"
		tail -n 10 "$TRAPS" 2>/dev/null
	fi
	"$FIX/unbound.sh" stop "$W" >/dev/null 2>&1
	"$FIX/servers.sh" stop "$W" >/dev/null 2>&1
}

if ! "$FIX/servers.sh" start "$W" > "$W/servers.out" 2>&1; then
	cat "$W/servers.out"
	abort "fixtures start ($SERVICES)"
fi
if ! "$FIX/unbound.sh" start "$W" > "$W/unbound.out" 2>&1; then
	cat "$W/unbound.out"
	abort "unbound start"
fi
DNS=$(<"$W/dns/servers")
CA=$W/certs/ca.crt
AGENTX=$W/snmp/agentx.sock
echo "# DNS $DNS, Postfix $SMTP_PORT (127.0.0.1 and ::1), Exim $EXIM_PORT (127.0.0.1)"
check "Postfix listens on ::1" bash -c 'ss -Hltn "sport = :$1" | grep -qF "[::1]"' _ "$SMTP_PORT"
check "Exim does not listen on ::1" bash -c '! ss -Hltn "sport = :$1" | grep -qF "[::1]"' _ "$EXIM_PORT"
check "Unbound answers on ::1" bash -c 'ss -Hlun "sport = :$1" | grep -qF "[::1]"' _ "$DNS_PORT"

# ---- 1. mailprobe --json --------------------------------------------------

# mp NAME MAILPROBE-ARGS... -- ASSERTION...
n=0
mp() {
	local name=$1 rc msg args=() asserts=()
	shift
	while (( $# )) && [[ $1 != -- ]]; do args+=("$1"); shift; done
	shift
	asserts=("$@")
	n=$((n + 1))
	timeout 30 "$MP" "${args[@]}" --json > "$T/$n.out" 2> "$T/$n.err" < /dev/null
	rc=$?
	if msg=$("$PY" "$JSONCHECK" "$T/$n.out" "$rc" "${asserts[@]}" 2>&1); then
		ok "$name"
	else
		ko "$name" "mailprobe ${args[*]} --json (exit $rc)" "$msg" \
		    "stderr: $(head -c 300 "$T/$n.err" | tr '\n' ' ')"
	fi
}
SMTP=(--dns-server "$DNS" --port "$SMTP_PORT" --starttls --ca-file "$CA")

echo "--- mailprobe mx"
mp "all-good domain: 2 exchanges, 3 addresses, both families" \
	mx --domain good.example.test "${SMTP[@]}" -- \
	status=ok exit=0 fail=none mode=mx host=good.example.test dns=ok \
	"reason=2 exchanges, 3 addresses ok" targets.#=3 \
	targets.0.exchange=mx1.mx.example.test targets.0.preference=10 \
	targets.0.family=ipv4 targets.0.address=127.0.0.1 targets.0.status=ok \
	targets.0.reply_code=220..250 targets.0.cert_days=363..366 \
	targets.1.exchange=mx1.mx.example.test targets.1.family=ipv6 \
	targets.1.address=::1 targets.1.status=ok targets.1.origin=mx \
	targets.2.exchange=mx2.mx.example.test targets.2.preference=20 \
	targets.2.status=ok cert_days=363..366 t:dns t:total
mp "backup MX down: WARNING naming it" \
	mx --domain backup.example.test "${SMTP[@]}" -- \
	status=warning exit=1 fail=refused address=127.0.0.2 \
	"reason=down.mx.example.test IPv4 127.0.0.2: connection refused" \
	targets.#=3 targets.0.status=ok targets.1.status=ok \
	targets.2.exchange=down.mx.example.test targets.2.preference=20 \
	targets.2.status=critical targets.2.fail=refused
mp "backup MX down, --mx-policy any: OK, still named" \
	mx --domain backup.example.test "${SMTP[@]}" --mx-policy any -- \
	status=ok exit=0 fail=none \
	"reason=2 of 3 ok; down.mx.example.test IPv4 127.0.0.2: connection refused"
mp "primary MX down: CRITICAL though the backup works" \
	mx --domain primary.example.test "${SMTP[@]}" -- \
	status=critical exit=2 fail=refused targets.0.exchange=down.mx.example.test \
	targets.1.status=ok targets.2.status=ok
mp "IPv6 listener missing: WARNING naming the family" \
	mx --domain v6broken.example.test --dns-server "$DNS" --port "$EXIM_PORT" \
	--starttls --ca-file "$CA" -- \
	status=warning exit=1 fail=refused \
	"reason=mx1.mx.example.test IPv6 ::1: connection refused" \
	targets.#=2 targets.0.family=ipv4 targets.0.status=ok \
	targets.1.family=ipv6 targets.1.status=critical
mp "null MX (RFC 7505)" \
	mx --domain nullmx.example.test "${SMTP[@]}" -- \
	status=critical exit=2 fail=dns dns=null_mx targets.#=0 \
	"reason=nullmx.example.test: null MX (RFC 7505): the domain accepts no mail"
mp "NXDOMAIN" \
	mx --domain nope.example.test "${SMTP[@]}" -- \
	status=critical fail=dns dns=nxdomain targets.#=0 \
	"reason=nope.example.test: no such domain (NXDOMAIN)"
mp "MX pointing at a closed port" \
	mx --domain closed.example.test "${SMTP[@]}" -- \
	status=critical fail=refused targets.#=1 targets.0.address=127.0.0.3 \
	"reason=dead.mx.example.test IPv4 127.0.0.3: connection refused"
mp "CNAME'd exchange: probed and flagged" \
	mx --domain cname.example.test "${SMTP[@]}" -- \
	status=ok targets.#=2 targets.0.exchange=alias.mx.example.test \
	targets.0.alias=true targets.1.alias=true \
	"reason=1 exchange, 2 addresses ok; alias.mx.example.test is a CNAME"
mp "certificate checked against the exchange's name" \
	mx --domain wrongname.example.test "${SMTP[@]}" -- \
	status=critical fail=cert_invalid targets.0.exchange=mail.wrong.example.test \
	targets.0.fail=cert_invalid
mp "no MX: the domain itself (implicit MX)" \
	mx --domain nomx.example.test --dns-server "$DNS" --port "$SMTP_PORT" -- \
	status=ok dns=implicit_mx targets.#=2 targets.0.origin=implicit \
	targets.0.exchange=nomx.example.test targets.0.preference=0 \
	"reason=no MX: the domain itself, 2 addresses ok"
mp "exchange that does not exist" \
	mx --domain dangling.example.test "${SMTP[@]}" -- \
	status=critical fail=dns targets.#=1 targets.0.family=null \
	targets.0.latency_us=null \
	"reason=missing.mx.example.test: no such host (NXDOMAIN)"
mp "SERVFAIL" \
	mx --domain servfail.example.test "${SMTP[@]}" -- \
	status=critical fail=dns dns=servfail \
	"reason=servfail.example.test: DNS server failure (SERVFAIL)"
mp "REFUSED" \
	mx --domain refused.example.test "${SMTP[@]}" -- \
	status=critical fail=dns dns=refused \
	"reason=refused.example.test: DNS query refused (REFUSED)"
mp "silent DNS server: a timeout within the probe's deadline" \
	mx --domain timeout.example.test "${SMTP[@]}" -t 2 -- \
	status=critical fail=dns dns=timeout \
	"reason=timeout.example.test: DNS timeout" t:dns
mp "IPv4 only" \
	mx --domain good.example.test "${SMTP[@]}" -4 -- \
	status=ok targets.#=2 targets.0.family=ipv4 targets.1.family=ipv4
mp "at most --max-mx exchanges" \
	mx --domain good.example.test "${SMTP[@]}" --max-mx 1 -- \
	status=ok targets.#=2 \
	"reason=1 exchange, 2 addresses ok; 1 more exchange not probed"

echo "--- --family both"
mp "dual-stack host probe: both families ok" \
	smtp --host mx1.mx.example.test --family both "${SMTP[@]}" -- \
	status=ok mode=smtp targets.#=2 targets.0.origin=host \
	targets.0.family=ipv4 targets.1.family=ipv6 \
	"reason=IPv4 and IPv6 ok (2 addresses)"
mp "dual-stack host probe: the IPv6-only failure is named" \
	smtp --host mx1.mx.example.test --family both --dns-server "$DNS" \
	--port "$EXIM_PORT" -- \
	status=warning fail=refused \
	"reason=mx1.mx.example.test IPv6 ::1: connection refused"

# the Nagios line: reason and target counts in the perfdata
line=$(timeout 30 "$MP" mx --domain backup.example.test "${SMTP[@]}")
rc=$?
check "Nagios line: WARNING, the failing target, exit 1" \
	bash -c '[[ $1 == "MX WARNING - down.mx.example.test IPv4 127.0.0.2: connection refused | "* && $2 == 1 ]]' _ "$line" "$rc"
check "Nagios perfdata counts the targets" \
	bash -c '[[ $1 == *" targets=3;;;0 targets_failing=1;;;0"* ]]' _ "$line"

# ---- 2. mailmond and the MIB ------------------------------------------------

echo "--- mailmond"
CONF=$M/mailmond.conf
{
	echo "# generated by test_mx.sh"
	echo "interval 2"
	echo "timeout 3"
	echo "retries 1"
	echo "ping-interval 2"
	echo "agentx-socket $AGENTX"
	echo "dns-server $DNS"
	echo "probe good mx --domain good.example.test --port $SMTP_PORT --starttls --ca-file $CA"
	echo "probe backup mx --domain backup.example.test --port $SMTP_PORT"
	echo "probe v6broken mx --domain v6broken.example.test --port $EXIM_PORT"
	echo "probe nullmx mx --domain nullmx.example.test --port $SMTP_PORT"
	echo "probe nxdomain mx --domain nope.example.test --port $SMTP_PORT"
	echo "probe closed mx --domain closed.example.test --port $SMTP_PORT"
	echo "probe servfail mx --domain servfail.example.test --port $SMTP_PORT"
	echo "probe flip mx --domain flip.example.test --port $SMTP_PORT"
	echo "probe dual smtp --host mx1.mx.example.test --family both --port $EXIM_PORT"
	echo "probe plain smtp --host 127.0.0.1 --port $SMTP_PORT"
} > "$CONF"
chmod 0600 "$CONF"
chown nobody "$CONF"
out=$("$MAILMOND" -n -c "$CONF" 2>&1)
check "mailmond -n accepts mx probes and dns-server ($out)" test $? -eq 0

"$MAILMOND" -f -C -c "$CONF" -Lf "$LOG" -p "$M/mailmond.pid" \
	-D sched,config,mx,dns -u nobody &
MMPID=$!
check "mailmond runs" wait_until 5 test -s "$M/mailmond.pid"
proc_running "$MMPID" || { cat "$LOG" 2>/dev/null; abort "mailmond start"; }

TENTRY=$B.2.10.1		# mailmonTargetEntry
SENTRY=$B.2.11.2.1		# mailmonTargetSummaryEntry
T_EXCH=2 T_FAMILY=6 T_ADDRTYPE=7 T_ADDR=8 T_ADDRTEXT=9 T_STATUS=10
T_FAIL=11 T_REASON=12 T_LATENCY=14 T_ALIAS=5
S_DNS=1 S_TARGETS=2 S_FAILING=3 S_FAILED=4
tcol() { get "$TENTRY.$1.$(idx "$2").$3"; }	# tcol COL PROBE INDEX
scol() { get "$SENTRY.$1.$(idx "$2")"; }
# the target indexes of a probe, from a walk of the exchange column
tindexes() {
	local p=$TENTRY.$T_EXCH.$(idx "$1").
	walk "$TENTRY.$T_EXCH.$(idx "$1")" | awk '{print $1}' |
	    grep -F "$p" | sed "s/^${p//./\\.}//" | tr '\n' ' '
}
# the index of the target of PROBE at exchange EXCH, family FAM(1|2)
tindex_of() {
	local i
	for i in $(tindexes "$1"); do
		[[ $(tcol $T_EXCH "$1" "$i") == "$2" &&
		    $(tcol $T_FAMILY "$1" "$i") == "$3" ]] && { echo "$i"; return; }
	done
}
targets_are() { [[ $(scol $S_TARGETS "$1") == "$2" ]]; }
trap_names() {	# trap_names TRAPOID PROBE TEXT: a notification with TEXT
	grep -F "$1" "$TRAPS" 2>/dev/null |
	    grep -F "$SENTRY.$S_FAILED.$(idx "$2") " | grep -qF "$3"
}

check "all 10 probe rows walk" wait_until 20 rows_are 10
check "good becomes ok(1)" wait_until 15 status_is good 1
check "backup becomes warning(2)" wait_until 15 status_is backup 2
check "v6broken becomes warning(2)" wait_until 15 status_is v6broken 2
check "nullmx becomes critical(3)" wait_until 15 status_is nullmx 3
check "nxdomain becomes critical(3)" wait_until 15 status_is nxdomain 3
check "closed becomes critical(3)" wait_until 15 status_is closed 3
check "servfail becomes critical(3)" wait_until 15 status_is servfail 3
check "dual (--family both) becomes warning(2)" wait_until 15 status_is dual 2
check "flip becomes ok(1)" wait_until 15 status_is flip 1
check "mailmonProbeProtocol is mx(7)" test "$(col 4 good)" = 7
check "nullmx: failure class dns(2)" test "$(col $COL_FAIL nullmx)" = 2
check "backup: failure class refused(3)" test "$(col $COL_FAIL backup)" = 3
check "backup: the reason names the exchange" \
	test "$(col 10 backup)" = "down.mx.example.test IPv4 127.0.0.2: connection refused"

# the target table
check "good has 3 targets" wait_until 10 targets_are good 3
check "good: indexes 1 2 3" test "$(tindexes good)" = "1 2 3 "
check "good.1 is mx1 over IPv4" test "$(tcol $T_EXCH good 1)/$(tcol $T_FAMILY good 1)/$(tcol $T_ADDRTEXT good 1)" = "mx1.mx.example.test/1/127.0.0.1"
check "good.2 is mx1 over IPv6 ::1" test "$(tcol $T_FAMILY good 2)/$(tcol $T_ADDRTYPE good 2)/$(tcol $T_ADDRTEXT good 2)" = "2/2/::1"
addr=$(tcol $T_ADDR good 2 | tr -d ' \n')
check "good.2: the binary address is ::1 ($addr)" test "$addr" = "00000000000000000000000000000001"
check "good.3 is mx2, preference 20" test "$(tcol $T_EXCH good 3)/$(tcol 3 good 3)" = "mx2.mx.example.test/20"
check "good: every target ok(1)" test "$(tcol $T_STATUS good 1)$(tcol $T_STATUS good 2)$(tcol $T_STATUS good 3)" = 111
lat=$(tcol $T_LATENCY good 2)
check "good.2: latency > 0 ($lat us)" positive "$lat"
check "good: certificate days" ge "$(tcol 15 good 1)" 360
check "good: summary dns ok(1), 0 failing" test "$(scol $S_DNS good)/$(scol $S_FAILING good)" = 1/0
bi=$(tindex_of backup down.mx.example.test 1)
check "backup: the down exchange is a row (index $bi)" test -n "$bi"
check "backup: its status critical(3), class refused(3)" \
	test "$(tcol $T_STATUS backup "$bi")/$(tcol $T_FAIL backup "$bi")" = 3/3
check "backup: its reason" test "$(tcol $T_REASON backup "$bi")" = "127.0.0.2: connection refused"
check "backup: summary 3 targets, 1 failing" test "$(scol $S_TARGETS backup)/$(scol $S_FAILING backup)" = 3/1
check "backup: summary names the failing target" \
	test "$(scol $S_FAILED backup)" = "down.mx.example.test IPv4 127.0.0.2: connection refused"
vi=$(tindex_of v6broken mx1.mx.example.test 2)
check "v6broken: the IPv6 target fails" test "$(tcol $T_STATUS v6broken "$vi")" = 3
check "dual: two targets, the IPv6 one failing" \
	test "$(scol $S_TARGETS dual)/$(scol $S_FAILING dual)/$(tcol $T_STATUS dual "$(tindex_of dual mx1.mx.example.test 2)")" = 2/1/3
check "nullmx: summary dns nullMx(3), no targets" \
	test "$(scol $S_DNS nullmx)/$(scol $S_TARGETS nullmx)/$(tindexes nullmx)" = "3/0/"
check "nxdomain: summary dns nxDomain(4)" test "$(scol $S_DNS nxdomain)" = 4
check "servfail: summary dns servFail(6)" test "$(scol $S_DNS servfail)" = 6
check "closed: one target at 127.0.0.3" test "$(tcol $T_ADDRTEXT closed 1)" = 127.0.0.3
no_summary() { ! [[ $(scol $S_DNS "$1") =~ ^[0-9]+$ ]]; }
check "a plain probe has no summary row" no_summary plain
total=0
for p in good backup v6broken nullmx nxdomain closed servfail flip dual; do
	total=$((total + $(scol $S_TARGETS "$p")))
done
check "mailmonTargetCount = $total" test "$(get "$B.2.11.1.0")" = "$total"

# stable across checks
checks_gt() { gt "$(col $COL_CHECKS "$1")" "$2"; }
c0=$(col $COL_CHECKS backup)
check "backup is checked again" wait_until 15 checks_gt backup "$c0"
check "backup: the down exchange keeps index $bi" test "$(tindex_of backup down.mx.example.test 1)" = "$bi"

# notifications name the failing targets
check "down notification for backup names its target" \
	wait_until 5 trap_names "$B.0.1" backup "down.mx.example.test IPv4 127.0.0.2: connection refused"
check "down notification for v6broken names the IPv6 target" \
	wait_until 5 trap_names "$B.0.1" v6broken "mx1.mx.example.test IPv6 ::1: connection refused"

# a zone change: flip's MX moves to the down host, then back
check "flip.1 is mx2" test "$(tcol $T_EXCH flip 1)" = mx2.mx.example.test
sed -i 's/^flip  *MX  *10 mx2\.mx$/flip         MX    10 down.mx/' "$W/dns/example.test.zone"
"$FIX/unbound.sh" reload "$W" > "$W/reload.out" 2>&1 || { cat "$W/reload.out"; ko "unbound reload"; }
check "flip becomes critical(3)" wait_until 15 status_is flip 3
check "down notification for flip names the new exchange" \
	wait_until 5 trap_names "$B.0.1" flip "down.mx.example.test IPv4 127.0.0.2: connection refused"
check "flip: the new exchange takes index 2, mx2 is gone" \
	test "$(tindexes flip)/$(tcol $T_EXCH flip 2)" = "2 /down.mx.example.test"
sed -i 's/^flip  *MX  *10 down\.mx$/flip         MX    10 mx2.mx/' "$W/dns/example.test.zone"
"$FIX/unbound.sh" reload "$W" > "$W/reload.out" 2>&1 || { cat "$W/reload.out"; ko "unbound reload"; }
check "flip ok(1) again" wait_until 15 status_is flip 1
up_seen() {
	grep -F "$B.0.2" "$TRAPS" 2>/dev/null |
	    grep -qF "$ENTRY.$COL_STATUS.$(idx "$1") "
}
check "up notification for flip" wait_until 5 up_seen flip
check "flip: mx2 has index 1 again" test "$(tindexes flip)/$(tcol $T_EXCH flip 1)" = "1 /mx2.mx.example.test"

walk "$B" > /dev/null
check "whole MIB walks into the target objects" grep -q "^$TENTRY.$T_EXCH\." "$WALKS"

kill -TERM "$MMPID"
wait "$MMPID"
rc=$?
MMPID=
check "SIGTERM: clean exit (status $rc)" test "$rc" -eq 0

finish

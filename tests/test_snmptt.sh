#!/usr/bin/env bash
# test_snmptt.sh - mailmond's notifications as readable lines in snmptt,
# through the real chain: mailmond -> AgentX -> snmpd (trap2sink) ->
# snmptrapd -> snmptt with the shipped conf/snmptt/MAILMON-MIB.conf.
#
# 1. The shipped file is what conf/snmptt/generate.sh makes from the
#    current MIB with the real snmpttconvertmib (byte for byte).
# 2. Two receivers get every notification of one snmpd:
#      plain    standalone snmptt (Debian's default mode), no MIB loaded:
#               numbers for status, protocol and failure class;
#      named    snmptt --daemon behind a write-then-rename spool handler,
#               MAILMON-MIB loaded through snmp.conf: names.
#    A TCP probe whose name uses every kind of character a name may hold
#    goes down (its listener stops) and up again; each receiver must log
#    exactly one line for each, naming the probe, its status, the status
#    before, the failure class and the reason, and nothing unknown.
#
# Exits 77 (skip) only when a program is missing and CI is not "true".

# helpers run through check, wait_until and the exit trap
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
export PORT_OFFSET=$((1000 + ${MM_PORT_SHIFT:-0}))
# shellcheck source=daemon_lib.sh
. "$top_srcdir/tests/daemon_lib.sh"

integration_gate
need snmpd snmptrapd snmpttconvertmib ss setpriv
[[ -x /usr/sbin/snmptt ]] || skip "snmptt not installed (tests/install-deps.sh)"
[[ -x $MAILMOND ]] || skip "$MAILMOND not built"
BASE=${MAILMON_BASE_MIBS:-${MM_NPM_PREFIX:-/opt/mailmon-npm}/mibs}
[[ -e $BASE/SNMPv2-SMI ]] || skip "IETF MIB modules not in $BASE (tests/install-deps.sh)"

SHIPPED=$top_srcdir/conf/snmptt/MAILMON-MIB.conf
PORT_PLAIN=$((12262 + PORT_OFFSET))
PORT_NAMED=$((12263 + PORT_OFFSET))
PORT_SRV=$((10250 + PORT_OFFSET))
NAME=mx_East-1.b		# letters, digits, '_', '-', '.'

workdir /tmp/mm-tt.XXXX cleanup
M=$W/mm
mkdir -p "$M"
LOG=$M/mailmond.log
MMPID=
(( EUID == 0 )) && chown nobody "$M"

cleanup() {
	if [[ -n $MMPID ]] && proc_running "$MMPID"; then
		kill -TERM "$MMPID" 2>/dev/null
		wait "$MMPID" 2>/dev/null
	fi
	if (( fail > 0 )); then
		for r in plain named; do
			echo "---- $r: snmptt.log, snmpttunknown.log, snmptrapd.log ----"
			tail -n 5 "$W/$r/snmptt.log" "$W/$r/snmpttunknown.log" \
			    "$W/$r/snmptrapd.log" 2>/dev/null
		done
		echo "---- mailmond log (tail) ----"
		tail -n 20 "$LOG" 2>/dev/null
	fi
	"$DL_FIX/snmptt.sh" stop "$W" plain >/dev/null 2>&1
	"$DL_FIX/snmptt.sh" stop "$W" named >/dev/null 2>&1
	dl_master_stop
	dl_listener_stop "$W/srv.pid"
}

# ---- 1. the shipped file is the generated one ------------------------------

if "$top_srcdir/conf/snmptt/generate.sh" -o "$W/generated.conf" "$BASE" \
    > "$W/generate.out" 2>&1; then
	ok "conf/snmptt/generate.sh ran snmpttconvertmib"
else
	ko "conf/snmptt/generate.sh failed" "$(tail -n 5 "$W/generate.out")"
fi
if cmp -s "$W/generated.conf" "$SHIPPED"; then
	ok "conf/snmptt/MAILMON-MIB.conf is what the current MIB generates"
else
	ko "conf/snmptt/MAILMON-MIB.conf differs from generate.sh's output (run it)" \
	    "$(diff "$SHIPPED" "$W/generated.conf" 2>&1 | head -n 8)"
fi
check "an EVENT for mailmonProbeDown (.0.1) and mailmonProbeUp (.0.2)" \
    bash -c 'grep -q "^EVENT mailmonProbeDown $1.0.1 " "$2" &&
	grep -q "^EVENT mailmonProbeUp $1.0.2 " "$2"' _ "$B" "$SHIPPED"

# ---- 2. the chain -------------------------------------------------------------

# snmptt runs as the user snmptt, who may not reach the checkout (a
# clone under /root): the files it reads, copied into W
mkdir -p "$W/share"
cp "$SHIPPED" "$top_srcdir/mibs/MAILMON-MIB.txt" "$W/share/"
chmod -R a+rX "$W/share"

dl_master_setup "trap2sink 127.0.0.1:$PORT_PLAIN public" \
    "trap2sink 127.0.0.1:$PORT_NAMED public" || abort "master setup"
dl_snmpd_start || abort "snmpd did not start"
SNMPTT_CONF_FILES=$W/share/MAILMON-MIB.conf SNMPTT_PORT=$PORT_PLAIN SNMPTT_MODE=standalone \
    "$DL_FIX/snmptt.sh" start "$W" plain > "$W/plain.out" 2>&1 ||
    { cat "$W/plain.out"; abort "snmptt (standalone) did not start"; }
SNMPTT_CONF_FILES=$W/share/MAILMON-MIB.conf SNMPTT_PORT=$PORT_NAMED SNMPTT_MODE=daemon \
    SNMPTT_MIBDIRS="$W/share:$BASE" \
    "$DL_FIX/snmptt.sh" start "$W" named > "$W/named.out" 2>&1 ||
    { cat "$W/named.out"; abort "snmptt (daemon) did not start"; }
dl_listener "$PORT_SRV" answer "$W/srv.pid" || abort "listener"

CONF=$M/mailmond.conf
cat > "$CONF" <<EOF
interval 1
timeout 2
retries 1
ping-interval 2
agentx-socket $AGENTX
probe $NAME tcp --host 127.0.0.1 --port $PORT_SRV
EOF
chmod 0600 "$CONF"
USEROPT=()
(( EUID == 0 )) && { USEROPT=(-u nobody); chown nobody "$CONF"; }
"$MAILMOND" -f -C -c "$CONF" -Lf "$LOG" "${USEROPT[@]}" &
MMPID=$!
check "$NAME becomes ok(1)" wait_until 15 status_is "$NAME" 1

PLAIN=$W/plain/snmptt.log
NAMED=$W/named/snmptt.log
lines() { count_lines "mailmon probe $1: $NAME " "$2"; }
has_lines() { [[ $(lines "$1" "$PLAIN") -ge $2 && $(lines "$1" "$NAMED") -ge $2 ]]; }

dl_listener_stop "$W/srv.pid"
check "down: a line in both receivers" wait_until 20 has_lines down 1
dl_listener "$PORT_SRV" answer "$W/srv.pid" || ko "listener restart"
check "up: a line in both receivers" wait_until 20 has_lines up 1
# a notification logged twice would show up within this second
sleep 1

DOWN_PLAIN="MAJOR \"Status Events\" 127.0.0.1 - mailmon probe down: $NAME (4 127.0.0.1) is 3, was 1; 3: 127.0.0.1: connection refused"
UP_PLAIN="NORMAL \"Status Events\" 127.0.0.1 - mailmon probe up: $NAME (4 127.0.0.1) is 1, was 3; 1: "
DOWN_NAMED="MAJOR \"Status Events\" 127.0.0.1 - mailmon probe down: $NAME (tcp 127.0.0.1) is critical, was ok; refused: 127.0.0.1: connection refused"
UP_NAMED="NORMAL \"Status Events\" 127.0.0.1 - mailmon probe up: $NAME (tcp 127.0.0.1) is ok, was critical; none: "
for r in plain named; do
	log=$W/$r/snmptt.log
	sed 's/^/     /' "$log"
	if [[ $r == plain ]]; then down=$DOWN_PLAIN up=$UP_PLAIN
	else down=$DOWN_NAMED up=$UP_NAMED; fi
	check "$r: down line names probe, protocol, host, status, class, reason" \
	    grep -qF -- "$down" "$log"
	check "$r: up line names probe, status ok and was critical" \
	    grep -qF -- "$up" "$log"
	check "$r: exactly one down and one up line" \
	    test "$(lines down "$log"),$(lines up "$log")" = 1,1
	check "$r: the lines carry the notifications' OIDs" \
	    bash -c 'grep -q " $1.0.1 MAJOR " "$2" && grep -q " $1.0.2 NORMAL " "$2"' _ "$B" "$log"
	check "$r: no unknown notification" \
	    bash -c '! grep -q "$1" "$2"' _ "$B" "$W/$r/snmpttunknown.log"
done

finish

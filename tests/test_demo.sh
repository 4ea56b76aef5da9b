#!/usr/bin/env bash
# test_demo.sh - ./demo.sh as a user runs it (on shifted ports, in a work
# directory, with this build), and README's recipes for the plain Net-SNMP
# tools and for pysnmp against the agent it starts.
#
# - The demo prints mailmonProbeTable through snmptable by MAILMON-MIB
#   names (column names, probe names, enumeration labels: "nowhere" is
#   critical, refused; the others ok) and serMailPort = 1, and no numeric
#   OID of the MIB.
# - The commands it prints for a second terminal run, by name, and are
#   the ones README shows (with localhost for the agent).
# - contrib/mailmon-status.py, which README quotes whole, lists every
#   probe with its status and reason from the same agent.
# - Ctrl-C (SIGINT to the demo's process group) stops mailmond and every
#   server the demo started.
#
# Needs root (the demo refuses otherwise; Postfix).  Exits 77 (skip) only
# when a program is missing and CI is not "true".

# helpers run through check, wait_until and the exit trap
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
export PORT_OFFSET=$((1000 + ${MM_PORT_SHIFT:-0}))
# shellcheck source=daemon_lib.sh
. "$top_srcdir/tests/daemon_lib.sh"

integration_gate
(( EUID == 0 )) || skip "needs root (demo.sh, Postfix)"
need snmpd snmptrapd snmptable snmpwalk snmpget dovecot postfix ss setsid
[[ -x $MAILMOND ]] || skip "$MAILMOND not built"
[[ -e ${MM_NPM_PREFIX:-/opt/mailmon-npm}/mibs/SNMPv2-SMI ]] ||
    skip "IETF MIB modules missing (tests/install-deps.sh)"
PYSNMP=
for p in "$PY" python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 &&
	    "$p" -c 'import pysnmp.hlapi' >/dev/null 2>&1; then
		PYSNMP=$p
		break
	fi
done
[[ -n $PYSNMP ]] || skip "pysnmp not installed (tests/install-deps.sh)"

README=$top_srcdir/README
STATUS_PY=$top_srcdir/contrib/mailmon-status.py
workdir /tmp/mm-demo.XXXX cleanup
D=$W/d
OUT=$W/demo.out
DEMOPID=

cleanup() {
	if [[ -n $DEMOPID ]] && proc_running "$DEMOPID"; then
		kill -INT -- "-$DEMOPID" 2>/dev/null
		sleep 2
		kill -KILL -- "-$DEMOPID" 2>/dev/null
	fi
	(( fail > 0 )) && { echo "---- demo output (tail) ----"; tail -n 40 "$OUT"; }
	SERVICES="dovecot postfix snmpd" "$DL_FIX/servers.sh" stop "$D" >/dev/null 2>&1
}

DEMO_DIR=$D DEMO_INSTALL=0 DEMO_BUILD=$top_builddir \
    setsid bash "$top_srcdir/demo.sh" > "$OUT" 2>&1 < /dev/null &
DEMOPID=$!
shown() { grep -q -- '---- (mailmond keeps running' "$OUT"; }
if ! wait_until 100 shown; then
	abort "the demo printed no table within 100 s"
fi

# ---- what the demo prints ----------------------------------------------------

TABLE=$(sed -n '/^---- MAILMON-MIB::mailmonProbeTable/,/^---- watch it/p' "$OUT")
printf '%s\n' "$TABLE" | sed 's/^/     /'
# a probe's row: -Cw wraps the table into parts, one line in each
row() { printf '%s\n' "$TABLE" | grep -m1 "^ *\"$1\" "; }
rows_of() { printf '%s\n' "$TABLE" | grep "^ *\"$1\" " | tr '\n' ' '; }
check "snmptable titles the table by name" \
    grep -q '^SNMP table: MAILMON-MIB::mailmonProbeTable' <<< "$TABLE"
check "column names, not numbers" \
    grep -Eq '^ +index +Host +Port +Protocol +TlsMode +Status ' <<< "$TABLE"
check "rows named by probe name (\"nowhere\", \"imap\", \"roundtrip\")" \
    bash -c '[[ -n $(grep "^ *\"nowhere\" " <<< "$1") && -n $(grep "^ *\"imap\" " <<< "$1") &&
	-n $(grep "^ *\"roundtrip\" " <<< "$1") ]]' _ "$TABLE"
check "nowhere: smtp, critical, refused" \
    bash -c '[[ $1 == *" smtp "*" critical "* && $2 == *" refused "* ]]' _ "$(row nowhere)" "$(rows_of nowhere)"
for p in smtp submission smtps imap imaps pop3 pop3s roundtrip openrelay; do
	check "$p: ok" bash -c '[[ $1 =~ ^\ *\"[a-z0-9]+\"\ .*\ (tcp|smtp|pop3|imap|delivery|relay)\ +[a-z]+\ +ok\  ]]' _ "$(row "$p")"
done
check "serMailPort.0 by name, 1 (nowhere)" \
    grep -Eq '^MAILMON-MIB::serMailPort\.0 = [A-Za-z0-9]+: 1$' <<< "$TABLE"
check "no numeric OID of the MIB in what it shows" \
    bash -c '! grep -Eq "(\.1\.3\.6\.1\.4\.1\.2789|iso\.3\.6\.1\.4\.1\.2789|enterprises\.2789)" <<< "$1"' _ "$TABLE"

# ---- the commands it prints, and README -----------------------------------------

sed -n '/^---- watch it/,/^tail -f /p' "$OUT" | sed '1d;$d' > "$W/watch.sh"
sed 's/^/     /' "$W/watch.sh"
check "it prints the three commands" test "$(grep -c '^snmp' "$W/watch.sh")" = 3
bash "$W/watch.sh" > "$W/watch.out" 2>&1
check "they run" test $? = 0
check "snmptable, by name" grep -q '^SNMP table: MAILMON-MIB::mailmonProbeTable' "$W/watch.out"
check "snmpwalk of the reasons: nowhere's refusal" \
    grep -q '^MAILMON-MIB::mailmonProbeReason."nowhere" = STRING: 127.0.0.1: connection refused' "$W/watch.out"
check "snmpget serMailPort.0, by name" grep -q '^MAILMON-MIB::serMailPort.0 = ' "$W/watch.out"
while read -r line; do
	[[ $line == snmp* ]] || continue
	readme_line=${line/127.0.0.1:$SNMPD_PORT/localhost}
	check "README shows: ${readme_line:0:60}..." grep -qF -- "$readme_line" "$README"
done < "$W/watch.sh"

# ---- pysnmp --------------------------------------------------------------------

"$PYSNMP" "$STATUS_PY" "127.0.0.1:$SNMPD_PORT" > "$W/pysnmp.out" 2> "$W/pysnmp.err"
check "contrib/mailmon-status.py runs" test $? = 0
sed 's/^/     /' "$W/pysnmp.out" "$W/pysnmp.err"
check "pysnmp: nowhere critical, with its reason" \
    grep -Eq '^nowhere +critical +127\.0\.0\.1: connection refused$' "$W/pysnmp.out"
check "pysnmp: one line per row of the table (10)" test "$(wc -l < "$W/pysnmp.out")" = 10
check "pysnmp: imap ok" grep -Eq '^imap +ok ' "$W/pysnmp.out"
"$PYSNMP" "$STATUS_PY" "127.0.0.1:$SNMPD_PORT" wrongcommunity > /dev/null 2>&1
check "pysnmp: a wrong community fails" test $? != 0
check "README quotes contrib/mailmon-status.py whole" "$PY" - "$STATUS_PY" "$README" <<'EOF'
import sys
# every line but the "#!", blank lines and indentation aside
code = [l.strip() for l in open(sys.argv[1]).read().splitlines()[1:] if l.strip()]
readme = [l.strip() for l in open(sys.argv[2]).read().splitlines() if l.strip()]
for i in range(len(readme)):
    if readme[i:i + len(code)] == code:
        sys.exit(0)
sys.exit(1)
EOF

# ---- Ctrl-C -------------------------------------------------------------------

kill -INT -- "-$DEMOPID"
gone() { ! proc_running "$DEMOPID"; }
check "Ctrl-C ends the demo" wait_until 20 gone
stopped() {
	! pid_alive "$D/snmp/snmpd.pid" && ! pid_alive "$D/dovecot/dovecot.pid" &&
	    ! ss -Hltn "sport = :$SMTP_PORT" | grep -q .
}
check "and stops snmpd, Dovecot and Postfix" wait_until 10 stopped
check "nothing of the demo's session is left" \
    bash -c '! ps -o pid= -s "$1" | grep -q .' _ "$DEMOPID"
DEMOPID=

finish

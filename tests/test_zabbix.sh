#!/usr/bin/env bash
# test_zabbix.sh - contrib/zabbix against a real Zabbix 6.0 server: the
# template (SNMP low-level discovery of mailmonProbeTable, value maps,
# triggers, macros with probe-name context) and zabbix-traphandle, which
# feeds mailmonProbeDown/Up from snmptrapd to Zabbix's SNMP trapper.
#
# Runs, on loopback: PostgreSQL, zabbix_server and the frontend's API
# (tests/fixtures/zabbix.sh), Dovecot (fixtures/dovecot.sh), a private
# snmpd master agent and an snmptrapd whose traphandle is the handler,
# and mailmond with six probes:
#   imap     Dovecot IMAP, STARTTLS and a login, every 6 s: ok, then
#            critical while Dovecot is stopped, then ok again
#   pop3s    Dovecot POP3S, --cert-days 400: warning (certExpiring)
#   smtp     tests/fake/fakeserver.py as an SMTP server, with a mail
#            transaction: ok
#   beat     TCP to a listener that says HELLO: ok
#   forged   TCP to a listener whose greeting carries the word ZBXTRAP and
#            another address: critical, and a notification holding text
#            that must not forge a trap
#   pending  TCP to a closed port with 100 retries: unknown
# (each runs once an hour, with an interval of its own, so that each
# starts at once and its values stay put while Zabbix and snmpget are
# compared; imap runs every 6 s only while Dovecot stops and comes back.)
#
# Checks: the handler on its own (the record, addresses, the forgery
# broken up, a file it cannot write, 40 handlers at once); each item
# prototype reads the MIB column its key names, scaled to seconds or per
# cent; the template imports; discovery finds exactly the six probes by
# name, each with the items its protocol and TLS mode call for; every
# item equals what snmpget says of its column and row; the open problems
# are exactly those the states and the macros with a probe name as
# context call for, each with its severity; Dovecot stopped opens a high
# problem for imap and its mailmonProbeDown becomes a value of the down
# trap item (not of the up one); Dovecot back resolves it and the
# mailmonProbeUp arrives; one record per notification, and the forged
# greeting made no trap; the trap items take a notification however
# snmptrapd names it, and nothing else.
#
# Missing programs: exit 77 as a normal user, a failure as root or under
# CI=true (tests/install-deps.sh installs them all).  MAILMON_INTEGRATION=0
# skips it.  By hand:
#
#   sudo top_srcdir=. top_builddir=build tests/test_zabbix.sh
#
# Env: KEEP=1 leaves the work directory (logs, Zabbix's database) behind.

# helpers run through check, wait_until and the exit trap
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
export PORT_OFFSET=$((900 + ${MM_PORT_SHIFT:-0}))
export MAIL_PASS="mmZb${RANDOM}x${RANDOM}"
# shellcheck source=daemon_lib.sh
. "$top_srcdir/tests/daemon_lib.sh"

integration_gate
FX=$top_srcdir/tests/fixtures
ZC=$top_srcdir/contrib/zabbix
TEMPLATE=$ZC/template_mailmon_snmp.yaml
HANDLER=$ZC/zabbix-traphandle
ZBX=("$PY" "$top_srcdir/tests/zabbix/zbx.py")

# as root tests/install-deps.sh has run (CI): what is missing is a failure
needz() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 && continue
		(( EUID == 0 )) && abort "$p not installed (tests/install-deps.sh)"
		skip "$p not installed (tests/install-deps.sh)"
	done
}
needz snmpd snmptrapd snmpget snmpwalk ss setpriv flock curl "$PY" \
	dovecot zabbix_server php
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null ||
	needz postgres
[[ -x $MAILMOND ]] || abort "$MAILMOND not built"

PORT_BEAT=$((10250 + PORT_OFFSET))	# says HELLO
PORT_FORGED=$((10251 + PORT_OFFSET))	# says ZBXTRAP 127.0.0.2 ...
PORT_CLOSED=$((10252 + PORT_OFFSET))	# nothing listens
PORT_SMTP=$((10253 + PORT_OFFSET))	# tests/fake/fakeserver.py, an SMTP server
HOST=mailmon-test
TPL='Mailmon by SNMP'
API=http://127.0.0.1:$ZBX_WEB_PORT/api_jsonrpc.php
PROBES="beat forged imap pending pop3s smtp"

workdir /tmp/mm-zbx.XXXX cleanup
M=$W/mm
TRAPFILE=$W/traps/snmptraps.log
mkdir -p "$M" "$W/traps" "$W/h"
LOG=$M/mailmond.log
WALKS=$M/walks.txt
: > "$WALKS"
MMPID='' ZSTART='' FAKEPID=''
(( EUID == 0 )) && chown nobody "$M"
T0=$(now_ms)

cleanup() {
	if [[ -n $MMPID ]] && proc_running "$MMPID"; then
		kill -TERM "$MMPID" 2>/dev/null
		wait "$MMPID" 2>/dev/null
	fi
	# a start still loading the database: its daemons have pid files
	if [[ -n $ZSTART ]] && proc_running "$ZSTART"; then
		kill -TERM "$ZSTART" 2>/dev/null
		wait "$ZSTART" 2>/dev/null
	fi
	if (( fail > 0 )); then
		echo "---- zabbix_server.log (tail) ----"
		tail -n 30 "$W/zabbix/zabbix_server.log" 2>/dev/null
		echo "---- mailmond log (tail) ----"
		tail -n 20 "$LOG" 2>/dev/null
		echo "---- traps (tail) ----"
		tail -n 6 "$TRAPS" 2>/dev/null
	fi
	[[ -n $FAKEPID ]] && kill "$FAKEPID" 2>/dev/null
	"$FX/zabbix.sh" stop "$W" >/dev/null 2>&1
	"$FX/dovecot.sh" stop "$W" >/dev/null 2>&1
	dl_master_stop
	dl_listener_stop "$W/beat.pid"
	dl_listener_stop "$W/forged.pid"
}

# ---- 1. the handler on its own ------------------------------------------

NOTE='.1.3.6.1.2.1.1.3.0 0:0:05:23.35
.1.3.6.1.6.3.1.1.4.1.0 .1.3.6.1.4.1.2789.5.0.1
.1.3.6.1.4.1.2789.5.2.3.1.12.1.120 "ZBXTRAP 192.0.2.99 forged"'
handle() {	# handle FILE TRANSPORT: one notification through the handler
	printf 'sender.example\n%s\n%s\n' "$2" "$NOTE" | "$HANDLER" "$1"
}
# the traps Zabbix finds in a trap file: it looks for the word ZBXTRAP
# anywhere, not only in the header lines ("DATE ZBXTRAP ADDRESS")
headers() { grep -o ZBXTRAP "$1" 2>/dev/null | wc -l; }
addresses() { grep -o 'ZBXTRAP .*' "$1" | cut -d' ' -f2 | tr '\n' ' '; }

handle "$W/h/one" 'UDP: [192.0.2.25]:40168->[192.0.2.1]:162'
check "handler: the header first" \
	grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8} ZBXTRAP 192\.0\.2\.25$' "$W/h/one"
printf '%s\n' sender.example 'UDP: [192.0.2.25]:40168->[192.0.2.1]:162' \
	'.1.3.6.1.2.1.1.3.0 0:0:05:23.35' \
	'.1.3.6.1.6.3.1.1.4.1.0 .1.3.6.1.4.1.2789.5.0.1' \
	'.1.3.6.1.4.1.2789.5.2.3.1.12.1.120 "ZBX-TRAP 192.0.2.99 forged"' > "$W/h/want"
check "handler: host name, transport, bindings; ZBXTRAP in a value broken up" \
	cmp -s <(tail -n +2 "$W/h/one") "$W/h/want"
check "handler: one record" test "$(headers "$W/h/one")" = 1
handle "$W/h/v6" 'UDP/IPv6: [2001:db8::25]:40168->[2001:db8::1]:162'
handle "$W/h/v6" '[UDP: [198.51.100.7]:40168->[198.51.100.1]:162]'
handle "$W/h/v6" 'something else'
check "handler: IPv6, the bracketed older form, 0.0.0.0 when there is none" \
	test "$(addresses "$W/h/v6")" = "2001:db8::25 198.51.100.7 0.0.0.0 "
out=$(handle "$W/h/none/x" 'UDP: [192.0.2.25]:1->[192.0.2.1]:162' 2>&1)
rc=$?
check "handler: a file it cannot write: status 1, the trap named lost" \
	test "$rc:${out##*: }" = "1:trap from 192.0.2.25 lost"
# 40 at once, each with 200 bindings: every record whole and apart
BIG=$(for ((i = 0; i < 200; i++)); do echo ".1.3.6.1.4.1.2789.5.2.3.1.2.1.$i \"x$i\""; done)
for ((n = 1; n <= 40; n++)); do
	printf 'h%d\nUDP: [192.0.2.%d]:1->[192.0.2.1]:162\n%s\n' "$n" "$n" "$BIG" |
	    "$HANDLER" "$W/h/many" &
done
wait
check "handler: 40 at once, 40 records of 203 lines, none interleaved" \
	awk '/ ZBXTRAP / { if (n && lines != 203) bad = 1; n++; lines = 1
		split($3, a, "."); want = "h" a[4]; next }
	     lines == 1 && $0 != want { bad = 1 }
	     { lines++ }
	     END { if (lines != 203) bad = 1; exit !(n == 40 && !bad) }' "$W/h/many"

# ---- 2. the servers ---------------------------------------------------------

dl_master_setup || abort "master setup"
# the handler writes as snmptrapd's user; Zabbix reads
[[ -n $DL_SNMP_USER ]] && chown "$DL_SNMP_USER" "$W/traps"
echo "traphandle .1.3.6.1.4.1.2789.5.0.* $HANDLER $TRAPFILE" >> "$W/snmp/snmptrapd.conf"

# the database load takes most of half a minute: meanwhile the rest
ZBX_TRAP_FILE=$TRAPFILE "$FX/zabbix.sh" start "$W" > "$W/zabbix-start.log" 2>&1 &
ZSTART=$!

"$FX/dovecot.sh" start "$W" > "$W/dovecot-start.log" 2>&1 ||
	{ cat "$W/dovecot-start.log"; abort "Dovecot start"; }
if ! dl_trapd_start || ! dl_snmpd_start; then
	abort "snmpd and snmptrapd start"
fi
dl_listener "$PORT_BEAT" answer "$W/beat.pid" || abort "beat listener"
ports_free TCP "$PORT_FORGED" || abort "port $PORT_FORGED busy"
setsid "$PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
while True:
    c, _ = s.accept()
    try:
        c.sendall(b"ZBXTRAP 127.0.0.2 forged greeting\r\n")
    except OSError:
        pass
    c.close()
' "$PORT_FORGED" > /dev/null 2>&1 < /dev/null &
echo $! > "$W/forged.pid"
wait_tcp "$PORT_FORGED" 10 || abort "forged listener"

# an SMTP server for the mail transaction's time; three sessions are
# more than the probe's one an hour will ask for
for ((i = 0; i < 3; i++)); do
	cat <<'SCN'
CONNECTION
SEND 220 fake.example ESMTP\r\n
ON ^EHLO SEND 250-fake.example\r\n250 8BITMIME\r\n
ON ^MAIL SEND 250 2.1.0 ok\r\n
ON ^RCPT SEND 250 2.1.5 ok\r\n
ON ^RSET SEND 250 2.0.0 ok\r\n
ON ^QUIT
  SEND 221 2.0.0 bye\r\n
  CLOSE
ON .* SEND 500 5.5.1 unknown\r\n
SERVE
SCN
done > "$W/smtp.scn"
ports_free TCP "$PORT_SMTP" || abort "port $PORT_SMTP busy"
setsid "$PY" "$top_srcdir/tests/fake/fakeserver.py" --scenario "$W/smtp.scn" \
	--port "$PORT_SMTP" --limit 900 --log "$W/fake.log" \
	> "$W/fake.out" 2>&1 < /dev/null &
FAKEPID=$!
wait_tcp "$PORT_SMTP" 10 || abort "fake SMTP server"

printf '%s\n' "$MAIL_PASS" > "$M/imap.pw"
CONF=$M/mailmond.conf
CA=$W/certs/ca.crt
{
	echo "# generated by test_zabbix.sh"
	echo "interval 6"
	echo "timeout 5"
	echo "retries 1"
	echo "ping-interval 2"
	echo "agentx-socket $AGENTX"
	echo "probe imap imap --host 127.0.0.1 --port $IMAP_PORT --starttls --ca-file $CA" \
	    "--user $MAIL_USER --password-file imap.pw --interval 3605"
	# first runs are spread over the interval among the probes that share
	# it: an interval of its own starts each at once
	echo "probe pop3s pop3 --host 127.0.0.1 --port $POP3S_PORT --tls --ca-file $CA" \
	    "--cert-days 400,2 --interval 3600"
	echo "probe beat tcp --host 127.0.0.1 --port $PORT_BEAT --expect HELLO --interval 3601"
	echo "probe forged tcp --host 127.0.0.1 --port $PORT_FORGED --expect HELLO" \
	    "--mismatch critical --interval 3602"
	echo "probe pending tcp --host 127.0.0.1 --port $PORT_CLOSED --interval 3603 --retries 100"
	echo "probe smtp smtp --host 127.0.0.1 --port $PORT_SMTP --from mon@example.test" \
	    "--rcpt postmaster@example.test --interval 3604"
} > "$CONF"
chmod 0600 "$CONF" "$M/imap.pw"
(( EUID == 0 )) && chown nobody "$CONF" "$M/imap.pw"
USEROPT=()
(( EUID == 0 )) && USEROPT=(-u nobody)
"$MAILMOND" -f -C -c "$CONF" -Lf "$LOG" -p "$M/mailmond.pid" "${USEROPT[@]}" &
MMPID=$!
statuses() {	# statuses IMAP.FORGED.PENDING
	[[ $(get "$ENTRY.6.$(idx imap)").$(get "$ENTRY.6.$(idx forged)").$(get \
	    "$ENTRY.6.$(idx pending)") == "$1" ]]
}
check "mailmond: six rows" wait_until 20 rows_are 6
check "mailmond: first results (imap ok, forged critical, pending unknown)" \
	wait_until 20 statuses 1.3.4

wait "$ZSTART"
rc=$?
ZSTART=
sed 's/^/     /' "$W/zabbix-start.log"
(( rc == 0 )) || abort "Zabbix start"
T1=$(now_ms)
version=$("${ZBX[@]}" "$API" version 2>&1)
check "API: Zabbix 6.0 ($version)" test "${version%.*}" = 6.0

# ---- 3. template, host, discovery -------------------------------------------

SENTRY=$B.2.4.1	# mailmonStatsEntry
# kind -> "COLUMN SCALE": Zabbix's value times SCALE is the MIB's; s: text
col_of() {
	case $1 in
	protocol) echo "$ENTRY.4 1" ;;
	tls.mode) echo "$ENTRY.5 1" ;;
	status) echo "$ENTRY.6 1" ;;
	last.status) echo "$ENTRY.8 1" ;;
	failure.class) echo "$ENTRY.9 1" ;;
	reason) echo "$ENTRY.10 s" ;;
	reply.code) echo "$ENTRY.11 1" ;;
	reply.text) echo "$ENTRY.12 s" ;;
	latency) echo "$ENTRY.14 1000000" ;;
	time.dns) echo "$ENTRY.15 1000000" ;;
	time.connect) echo "$ENTRY.16 1000000" ;;
	time.tls) echo "$ENTRY.17 1000000" ;;
	time.greeting) echo "$ENTRY.18 1000000" ;;
	time.hello) echo "$ENTRY.19 1000000" ;;
	time.starttls) echo "$ENTRY.20 1000000" ;;
	time.auth) echo "$ENTRY.21 1000000" ;;
	time.mail) echo "$ENTRY.22 1000000" ;;
	time.quit) echo "$ENTRY.23 1000000" ;;
	delivery.latency) echo "$ENTRY.24 1000" ;;
	cert.days) echo "$ENTRY.26 1" ;;
	consec.failures) echo "$ENTRY.29 1" ;;
	availability.hour) echo "$SENTRY.3 10" ;;
	*) echo "unknown-kind 1" ;;
	esac
}
KINDS="availability.hour cert.days consec.failures delivery.latency
failure.class last.status latency protocol reason reply.code reply.text
status time.auth time.connect time.dns time.greeting time.hello time.mail
time.quit time.starttls time.tls tls.mode"
# "KIND OID MULTIPLIER" of each item prototype of the template
prototypes() {
	awk '/^ *snmp_oid: / { oid = $2; gsub(/\047/, "", oid); sub(/\.\{#SNMPINDEX\}$/, "", oid) }
	     /^ *key: .mailmon\.probe\..*\{#MAILMON\.PROBE\}/ {
		k = $2; gsub(/\047/, "", k); sub(/^mailmon\.probe\./, "", k); sub(/\[.*/, "", k)
		kind[k] = oid; mult[k] = 1; cur = k }
	     /type: MULTIPLIER/ { m = 1; next }
	     m && /^ *- / { v = $2; gsub(/\047/, "", v); mult[cur] = v; m = 0 }
	     END { for (k in kind) print k, kind[k], mult[k] }' "$TEMPLATE" | sort
}
# each prototype reads the column its key names, brought to seconds or
# per cent from the MIB's units by its multiplier (the scales of col_of)
prototypes_right() {
	local kind oid mult c s bad=0
	[[ $(prototypes | cut -d' ' -f1 | tr '\n' ' ') == "$(tr -s ' \n' '\n' <<< "$KINDS" | tr '\n' ' ')" ]] ||
	    { echo "     kinds: $(prototypes | cut -d' ' -f1 | tr '\n' ' ')"; bad=1; }
	while read -r kind oid mult; do
		read -r c s <<< "$(col_of "$kind")"
		[[ $s == s ]] && s=1
		if [[ .$oid != "$c" ]] || ! awk -v m="$mult" -v s="$s" \
		    'BEGIN { d = m * s - 1; exit !(d < 1e-9 && d > -1e-9) }'; then
			echo "     $kind: $oid times $mult, the test says $c times 1/$s"
			bad=1
		fi
	done < <(prototypes)
	return "$bad"
}
check "template: each item prototype reads its column, in seconds or per cent" \
	prototypes_right

check "template imports" "${ZBX[@]}" "$API" import "$TEMPLATE"
# intervals short for the test; thresholds with a probe name as context
# shellcheck disable=SC2016  # Zabbix macros, not the shell's
check "host created" "${ZBX[@]}" "$API" host-create "$HOST" "$TPL" "$SNMPD_PORT" \
	'{$MAILMON.INTERVAL}=2s' '{$MAILMON.LLD.INTERVAL}=5s' \
	'{$MAILMON.CERT.WARN:"imap"}=400' '{$MAILMON.LATENCY.WARN:"beat"}=0' \
	'{$MAILMON.CERT.WARN:"pop3s"}=500' '{$MAILMON.CERT.CRIT:"pop3s"}=400'

US=$'\x1f'
items() { "${ZBX[@]}" "$API" items "$HOST" > "$W/items.txt" 2>&1; }
# the probe names in the keys of the discovered items (flags 4)
discovered() {
	items && awk -F"$US" '$4 == 4 { sub(/.*\[/, "", $1); sub(/\]$/, "", $1); print $1 }' \
	    "$W/items.txt" | sort -u | tr '\n' ' '
}
discovered_are() { [[ $(discovered) == "$1 " ]]; }
check "discovery: exactly the six probes, by name" wait_until 60 discovered_are "$PROBES"
"${ZBX[@]}" "$API" lld "$HOST" > "$W/lld.txt" 2>&1
check "discovery rule: supported, no error" \
	test "$(awk -F'\t' '$2 == 0 && $3 == ""' "$W/lld.txt" | wc -l)" = 1

# what each probe must have: its protocol and TLS mode leave some out
COMMON="availability.hour consec.failures failure.class last.status latency
protocol reason reply.code reply.text status time.connect time.dns
time.greeting time.quit tls.mode"
want_kinds() {
	local k=$COMMON
	case $1 in
	imap) k+=" cert.days time.auth time.hello time.starttls time.tls" ;;
	pop3s) k+=" cert.days time.auth time.hello time.tls" ;;
	smtp) k+=" time.auth time.hello time.mail" ;;
	esac
	tr -s ' \n' '\n' <<< "$k" | sort | tr '\n' ' '
}
kinds() {
	awk -F"$US" -v p="[$1]" '$4 == 4 && substr($1, length($1) - length(p) + 1) == p {
		k = $1; sub(/^mailmon\.probe\./, "", k); sub(/\[.*/, "", k); print k }' \
	    "$W/items.txt" | sort | tr '\n' ' '
}
sleep 5	# one more pass of discovery must not change anything
items
for p in $PROBES; do
	got=$(kinds "$p")
	exp=$(want_kinds "$p")
	check "discovery: $p has its $(wc -w <<< "$exp") items" test "$got" = "$exp"
	[[ $got == "$exp" ]] || echo "     got: $got"
done

# ---- 4. every value equals snmpget's ----------------------------------------

# same ZVALUE ZCLOCK SNMPVALUE SCALE: no value in Zabbix is no instance
same() {
	if [[ $3 == "No Such"* ]]; then
		[[ $2 == 0 ]]
	elif [[ $2 == 0 ]]; then
		return 1
	elif [[ $4 == s ]]; then
		local v=${3#\"}
		[[ $1 == "${v%\"}" ]]
	else
		awk -v z="$1" -v s="$3" -v k="$4" \
		    'BEGIN { d = z * k - s; exit !(s ~ /^-?[0-9]+$/ && d < 0.5 && d > -0.5) }'
	fi
}
# values_match PROBE: one snmpget of the column of each of its items, in
# one request so one instant; what differs goes to $W/diff.PROBE
values_match() {
	local p=$1 i k kind c s oids=() keys=() scales=() zvs=() zcs=() vals zv zc
	items || return 1
	while IFS=$US read -r k _ zc _ zv _; do
		[[ $k == *"[$p]" ]] || continue
		kind=${k#mailmon.probe.}
		kind=${kind%%\[*}
		read -r c s <<< "$(col_of "$kind")"
		keys+=("$k") scales+=("$s") oids+=("$c.$(idx "$p")") zvs+=("$zv") zcs+=("$zc")
	done < "$W/items.txt"
	: > "$W/diff.$p"
	(( ${#oids[@]} > 0 )) || return 1
	mapfile -t vals < <(snmpget "${SNMP[@]}" -Oqv "${oids[@]}" 2>&1 | tee -a "$WALKS")
	for ((i = 0; i < ${#keys[@]}; i++)); do
		same "${zvs[i]}" "${zcs[i]}" "${vals[i]:-}" "${scales[i]}" ||
		    echo "${keys[i]}: Zabbix '${zvs[i]}' (clock ${zcs[i]}), snmpget '${vals[i]:-}'" >> "$W/diff.$p"
	done
	[[ ! -s $W/diff.$p ]]
}
for p in $PROBES; do
	check "values: $p, every item equals snmpget" wait_until 40 values_match "$p"
	[[ -s $W/diff.$p ]] && sed 's/^/     /' "$W/diff.$p"
done
# scalar_is KEY OID VALUE: Zabbix's item and snmpget agree, on VALUE
scalar_is() {
	local zv zc
	items || return 1
	IFS=$US read -r _ _ zc _ zv _ < <(grep -F "$1$US" "$W/items.txt")
	[[ $(get "$2") == "$3" ]] && same "$zv" "${zc:-0}" "$3" 1
}
check "values: serMailPort, 3 probes not ok, as snmpget says" \
	wait_until 20 scalar_is mailmon.sermailport "$B.1.0" 3
check "values: mailmonProbeCount, 6, as snmpget says" \
	wait_until 20 scalar_is mailmon.probe.count "$B.2.1.0" 6

# ---- 5. problems --------------------------------------------------------------

problems() { "${ZBX[@]}" "$API" problems "$HOST" 2>&1 | sort; }
problems_are() { [[ $(problems) == "$1" ]]; }
has_problem() { problems | grep -qxF -- "$1"; }
EXPECTED=$(printf '%s\t%s\n' \
	average "Mailmon: probe pending (127.0.0.1:$PORT_CLOSED) is unknown" \
	high "Mailmon: probe forged (127.0.0.1:$PORT_FORGED) is critical" \
	warning "Mailmon: probe beat is slow (over 0s for 5m)" \
	high "Mailmon: probe pop3s: certificate expires in less than 400 days" \
	warning "Mailmon: probe imap: certificate expires in less than 400 days" \
	warning "Mailmon: probe pop3s (127.0.0.1:$POP3S_PORT) is warning" | sort)
check "problems: exactly those of the states and the macros, by severity" \
	wait_until 30 problems_are "$EXPECTED"
problems_are "$EXPECTED" || problems | sed 's/^/     got: /'

# ---- 6. Dovecot stopped, Dovecot back ---------------------------------------

trap_key() {	# the key of the trap item whose regular expression has $1
	awk -F"$US" -v re="$1" 'index($1, "snmptrap[") == 1 && index($1, re) { print $1 }' \
	    "$W/items.txt"
}
DOWN_KEY=$(trap_key '2789\.5\.0\.1')
UP_KEY=$(trap_key '2789\.5\.0\.2')
one_each() { [[ -n $DOWN_KEY && -n $UP_KEY && $DOWN_KEY$UP_KEY != *$'\n'* ]]; }
check "trap items: one for mailmonProbeDown, one for mailmonProbeUp" one_each
# has_trap KEY TRAP-OID: a value of the trap item is that notification of imap
has_trap() {
	"${ZBX[@]}" "$API" history "$HOST" "$1" 2>/dev/null |
	    grep -F "$ENTRY.2.$(idx imap) " | grep -qF "1.1.4.1.0 $2\\n"
}
# in_trap KEY TEXT: a value of the trap item has TEXT
in_trap() { "${ZBX[@]}" "$API" history "$HOST" "$1" 2>/dev/null | grep -qF -- "$2"; }
lacks() { ! "$@"; }
IMAP_CRIT=$(printf '%s\t%s' high "Mailmon: probe imap (127.0.0.1:$IMAP_PORT) is critical")
# reload: SIGHUP mailmond, wait for its "reload done"
reload() {
	local lines
	lines=$(wc -l < "$LOG")
	kill -HUP "$MMPID"
	wait_until 10 bash -c 'tail -n +"$(($1 + 1))" "$2" | grep -qF "reload done"' _ "$lines" "$LOG"
}
# imap every 6 s (the global interval) while Dovecot stops and comes back
sed -i 's/^\(probe imap .*\) --interval 3605$/\1/' "$CONF"
check "Dovecot: reload with imap every 6 s" reload
T2=$(now_ms)
"$FX/dovecot.sh" stop "$W" > /dev/null 2>&1
opened=0
if wait_until 40 has_problem "$IMAP_CRIT"; then
	ok "Dovecot stopped: a high problem opens for imap"
	opened=1
else
	ko "Dovecot stopped: a high problem opens for imap"
fi
echo "     ($(( ($(now_ms) - T2) / 1000 )) s after the stop)"
check "Dovecot stopped: imap's mailmonProbeDown is a value of its trap item" \
	wait_until 30 has_trap "$DOWN_KEY" .1.3.6.1.4.1.2789.5.0.1
up_lacks_down() { [[ -n $UP_KEY ]] && ! has_trap "$UP_KEY" .1.3.6.1.4.1.2789.5.0.1; }
check "Dovecot stopped: and not of the mailmonProbeUp item" up_lacks_down
check "Dovecot stopped: the notification opens its problem" \
	wait_until 30 has_problem "$(printf '%s\t%s' information \
	    'Mailmon: a probe went down (mailmonProbeDown received)')"

T3=$(now_ms)
"$FX/dovecot.sh" start "$W" > /dev/null 2>&1 || ko "Dovecot restart"
# resolved, not never opened
resolved() { (( opened )) && ! has_problem "$1"; }
check "Dovecot back: the problem of imap is resolved" \
	wait_until 40 resolved "$IMAP_CRIT"
echo "     ($(( ($(now_ms) - T3) / 1000 )) s after the start)"
check "Dovecot back: imap's mailmonProbeUp is a value of the other trap item" \
	wait_until 30 has_trap "$UP_KEY" .1.3.6.1.4.1.2789.5.0.2
# imap back to once an hour: after the reload it runs at most once
# more, then its values stay put while they are compared
sed -i 's/^\(probe imap .*\)$/\1 --interval 3605/' "$CONF"
check "Dovecot back: reload with imap every hour" reload
check "Dovecot back: imap's items equal snmpget again" wait_until 40 values_match imap
[[ -s $W/diff.imap ]] && sed 's/^/     /' "$W/diff.imap"

# ---- 7. the forged greeting ---------------------------------------------------

# every MAILMON-MIB notification snmptrapd took is one record; the forged
# text is in one of them, broken up; Zabbix saw no trap from the forged
# address
nt=$(grep -c ' = OID: \.1\.3\.6\.1\.4\.1\.2789\.5\.0\.' "$TRAPS")
check "trap file: one record per notification ($nt)" test "$(headers "$TRAPFILE")" = "$nt"
check "trap file: forged's greeting carried, ZBXTRAP broken up" \
	grep -qF 'ZBX-TRAP 127.0.0.2 forged greeting"' "$TRAPFILE"
ZLOG=$W/zabbix/zabbix_server.log
check "Zabbix: the traps that came before the host was logged unmatched" \
	grep -qF 'unmatched trap received from "127.0.0.1"' "$ZLOG"
check "Zabbix: no trap from the forged 127.0.0.2" \
	lacks grep -qF 'from "127.0.0.2"' "$ZLOG"

# ---- 8. the names snmptrapd may give ------------------------------------------

# with MIB files loaded snmptrapd names the notification instead of
# numbering it: each trap item takes its own by every name, and nothing
# else; a trap no item takes is logged as unmatched
notify() {	# notify MARK TRAP-OID: from 127.0.0.1, through the handler
	printf '%s\n' localhost 'UDP: [127.0.0.1]:40168->[127.0.0.1]:162' \
	    'DISMAN-EVENT-MIB::sysUpTimeInstance 0:0:01:00.00' \
	    "SNMPv2-MIB::snmpTrapOID.0 $2" \
	    "MAILMON-MIB::mailmonProbeReason.1.120 \"$1\"" |
	    "${DL_PRIV[@]}" "$HANDLER" "$TRAPFILE"
}
notify mark-down-smi SNMPv2-SMI::enterprises.2789.5.0.1
notify mark-down-mib MAILMON-MIB::mailmonProbeDown
notify mark-up-mib MAILMON-MIB::mailmonProbeUp
notify mark-cold SNMPv2-MIB::coldStart
check "names: SNMPv2-SMI::enterprises.2789.5.0.1 is a down notification" \
	wait_until 30 in_trap "$DOWN_KEY" mark-down-smi
check "names: MAILMON-MIB::mailmonProbeDown is a down notification" \
	wait_until 30 in_trap "$DOWN_KEY" mark-down-mib
check "names: MAILMON-MIB::mailmonProbeUp is an up notification" \
	wait_until 30 in_trap "$UP_KEY" mark-up-mib
check "names: another notification is neither, and is logged unmatched" \
	wait_until 30 grep -qF '"mark-cold"' "$W/zabbix/zabbix_server.log"
# history_lacks KEY ERE: the item has values, none matching ERE
history_lacks() {
	"${ZBX[@]}" "$API" history "$HOST" "$1" > "$W/history.txt" 2>&1 &&
	    [[ -s $W/history.txt ]] && ! grep -qE -- "$2" "$W/history.txt"
}
check "names: the up item took no other notification" \
	history_lacks "$UP_KEY" 'mark-(down-smi|down-mib|cold)'
check "names: the down item took no other notification" \
	history_lacks "$DOWN_KEY" 'mark-(up-mib|cold)'

echo "     (Zabbix up after $(( (T1 - T0) / 1000 )) s; the whole test $(( ($(now_ms) - T0) / 1000 )) s)"
finish

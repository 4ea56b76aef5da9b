#!/usr/bin/env bash
# test_delivery.sh -- delivery round trip and open-relay probes against real
# Postfix (submission, STARTTLS + AUTH) delivering over LMTP into Dovecot.
#
# Starts Dovecot and Postfix from tests/fixtures on PORT_OFFSET=400 under a
# short /tmp work directory and checks `mailprobe ... --json`:
#   - round trip submission -> IMAP and -> POP3: ok, delivery timing > 0,
#     the message gone from the Maildir afterwards;
#   - two probes at once: both ok, different tokens;
#   - a stale test message of the same probe name is cleaned up;
#   - refused recipient -> submit; wrong mailbox password -> mailbox;
#   - queue held (defer_transports = lmtp) -> not_delivered within the deadline;
#   - relay: default Postfix -> ok; reconfigured as an open relay (outside
#     domain routed to discard:) -> open_relay, and no message was received;
#   - the same probe run by mailmond: its row is ok(1) with delivery latency
#     and token in the MIB; stopping Dovecot brings mailmonProbeDown;
#   - Dovecot stopped -> mailbox, with the cause (connection refused) in the reason.
# Every Postfix change is undone (postconf + reload) before the next check.
#
# Needs root (the Postfix master).  Outside CI it exits 77 when not root or a
# server is missing; under CI=true that is a failure.  MAILMON_INTEGRATION=0
# skips it (exit 77).  By hand:
#
#   sudo top_srcdir=. top_builddir=../build tests/test_delivery.sh
#
# Env: KEEP=1 leaves the work directory (logs) behind; MAILPROBE=path.
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
FX=$top_srcdir/tests/fixtures

export PORT_OFFSET=$((400 + ${MM_PORT_SHIFT:-0}))
export TLS_CERT=server
export MAIL_PASS="mmDl${RANDOM}x${RANDOM}w"
# shellcheck source=fixtures/lib.sh
. "$FX/lib.sh"

integration_gate
(( EUID == 0 )) || skip "needs root (the Postfix master)"
need dovecot postfix postconf postsuper "$PY" openssl ss setpriv snmpd snmptrapd snmpget
[[ -x $MP ]] || abort "$MP not built"

workdir /tmp/mm-dlv.XXXX cleanup
T=$W/t
mkdir -p "$T"
export SERVICES="dovecot postfix"
PFC=$W/postfix/etc
PFLOG=$W/postfix/log/postfix.log
MD=$W/dovecot/mail/$MAIL_USER/Maildir

# shellcheck disable=SC2317  # called at exit (workdir above)
cleanup() {
	[[ -n ${mm_pid:-} ]] && kill "$mm_pid" 2>/dev/null
	"$FX/snmpd.sh" stop "$W" >/dev/null 2>&1
	"$FX/servers.sh" stop "$W" >/dev/null 2>&1
}

if ! "$FX/servers.sh" start "$W" >"$T/start.log" 2>&1; then
	cat "$T/start.log"
	abort "fixtures did not start"
fi
printf '%s\n' "$MAIL_PASS" > "$T/pw"
printf 'wrong%s\n' "$RANDOM" > "$T/badpw"
chmod 0600 "$T/pw" "$T/badpw"

# jget FILE FIELD -> the field's value (strings bare, null as "null")
jget() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("BADJSON:%s" % e); sys.exit(0)
v = d
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("null" if v is None else v)
EOF
}

# the submission leg: STARTTLS + AUTH on the submission port
SUBMIT=(-H 127.0.0.1 -p "$SUBMISSION_PORT" --starttls --auth plain
    --user "$MAIL_USER" --password-file "$T/pw" --ca-file "$W/certs/ca.crt"
    --from "$MAIL_USER@$MAIL_DOMAIN" --rcpt "$MAIL_USER@$MAIL_DOMAIN")
IMAPBOX=(--mbox-proto imap --mbox-host 127.0.0.1 --mbox-port "$IMAP_PORT"
    --mbox-tls starttls --mbox-user "$MAIL_USER" --mbox-password-file "$T/pw")
POPBOX=(--mbox-proto pop3 --mbox-host 127.0.0.1 --mbox-port "$POP3_PORT"
    --mbox-tls starttls --mbox-user "$MAIL_USER" --mbox-password-file "$T/pw")

# run NAME ARGS... -> $T/NAME.json, $T/NAME.err, $T/NAME.rc
run() {
	local n=$1; shift
	"$MP" "$@" --json >"$T/$n.json" 2>"$T/$n.err"
	echo $? >"$T/$n.rc"
}

# in_maildir TOKEN -> 0 if a message holding TOKEN is still in new/ or cur/
in_maildir() {
	grep -rlsF -- "$1" "$MD/new" "$MD/cur" >/dev/null
}

# expect NAME STATUS FAIL [REASON-REGEX]: the common assertions
expect() {
	local n=$1 st=$2 fl=$3 re=${4:-} s f r rc
	s=$(jget "$T/$n.json" status)
	f=$(jget "$T/$n.json" fail)
	r=$(jget "$T/$n.json" reason)
	rc=$(<"$T/$n.rc")
	if [[ $s == "$st" && $f == "$fl" && ( -z $re || $r =~ $re ) ]]; then
		return 0
	fi
	ko "$n: status=$s fail=$f rc=$rc reason='$r' (want $st/$fl${re:+ ~ $re})"
	sed 's/^/    /' "$T/$n.err" | tail -5
	return 1
}

# pf_set "param = value"...: change the Postfix instance and reload it
pf_set() {
	local kv
	for kv in "$@"; do postconf -c "$PFC" -e "$kv" || return 1; done
	# every Postfix program stalls while main.cf is younger than ~2 s
	touch -d '-1 min' "$PFC/main.cf"
	postfix -c "$PFC" reload >/dev/null 2>&1
}

# wait_relay WANT: after a reload, idle smtpd processes with the old
# configuration may still take a connection or two; wait for the new one
wait_relay() {
	local i s
	for ((i = 0; i < 40; i++)); do
		s=$("$MP" relay -H 127.0.0.1 -p "$SMTP_PORT" --json 2>/dev/null |
		    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null)
		[[ $s == "$1" ]] && return 0
		sleep 0.1
	done
	return 1
}

# --- 1. round trip through submission -> IMAP --------------------------------
run imap delivery --name dimap "${SUBMIT[@]}" "${IMAPBOX[@]}" --delivery-deadline 20
if expect imap ok none '^delivered in [0-9]+ ms via imap'; then
	tok=$(jget "$T/imap.json" token)
	d=$(jget "$T/imap.json" timings_us.delivery)
	if [[ $tok =~ ^mailmon-dimap-[0-9]+-[0-9a-f]+$ && $d =~ ^[0-9]+$ ]] && (( d > 0 )) &&
	    [[ $(<"$T/imap.rc") == 0 ]]; then
		if in_maildir "$tok"; then ko "imap: message $tok still in the Maildir"
		else ok "imap round trip: token $tok, delivery ${d} us, message deleted"; fi
	else
		ko "imap: token='$tok' delivery='$d' rc=$(<"$T/imap.rc")"
	fi
fi
grep -qF "$MAIL_PASS" "$T/imap.json" "$T/imap.err" && ko "imap: password leaked to output"

# --- 2. the same through POP3 -------------------------------------------------
run pop delivery --name dpop "${SUBMIT[@]}" "${POPBOX[@]}" --delivery-deadline 20
if expect pop ok none '^delivered in [0-9]+ ms via pop3'; then
	tok=$(jget "$T/pop.json" token)
	d=$(jget "$T/pop.json" timings_us.delivery)
	if [[ $d =~ ^[0-9]+$ ]] && (( d > 0 )) && [[ -n $tok ]] && ! in_maildir "$tok"; then
		ok "pop3 round trip: delivery ${d} us, message deleted"
	else
		ko "pop3: token='$tok' delivery='$d' or message left in the Maildir"
	fi
fi

# --- 3. two probes of the same name at once -----------------------------------
"$MP" delivery --name dconc "${SUBMIT[@]}" "${IMAPBOX[@]}" --delivery-deadline 20 \
    --json >"$T/c1.json" 2>"$T/c1.err" & p1=$!
"$MP" delivery --name dconc "${SUBMIT[@]}" "${POPBOX[@]}" --delivery-deadline 20 \
    --json >"$T/c2.json" 2>"$T/c2.err" & p2=$!
wait "$p1"; echo $? >"$T/c1.rc"
wait "$p2"; echo $? >"$T/c2.rc"
if expect c1 ok none && expect c2 ok none; then
	t1=$(jget "$T/c1.json" token) t2=$(jget "$T/c2.json" token)
	if [[ -n $t1 && -n $t2 && $t1 != "$t2" ]] && ! in_maildir "$t1" && ! in_maildir "$t2"; then
		ok "concurrent probes: both ok, tokens $t1 / $t2, both deleted"
	else
		ko "concurrent probes: tokens '$t1' '$t2' equal, empty or left behind"
	fi
fi

# --- 4. stale test mail of the same probe name is cleaned up ------------------
# plant LABEL NAME -> a message of probe NAME from an hour ago, in new/
plant() {
	local old=$(( $(date +%s) - 3600 )) f tok
	tok="mailmon-$2-$old-0123456789ab"
	f="$MD/new/$old.M1P$$$1.stale"
	printf 'From: mailmon <x@%s>\nSubject: %s\nX-Mailmon-Token: %s\n\nleftover\n' \
	    "$MAIL_DOMAIN" "$tok" "$tok" >"$f"
	chown --reference="$MD" "$f"
	touch -d '-1 hour' "$f"
	echo "$tok"
}
# and one of another probe, which must stay
other=$(plant o dother)
for proto in imap pop3; do
	stale=$(plant "$proto" dstale)
	box=("${IMAPBOX[@]}"); [[ $proto == pop3 ]] && box=("${POPBOX[@]}")
	run "stale-$proto" delivery --name dstale "${SUBMIT[@]}" "${box[@]}" --delivery-deadline 20
	if expect "stale-$proto" ok none 'stale test mail deleted'; then
		if in_maildir "$stale"; then ko "stale ($proto): leftover $stale still there"
		elif ! in_maildir "$other"; then ko "stale ($proto): another probe's message was deleted"
		else ok "stale ($proto): leftover of an earlier run deleted, other probe's kept"; fi
	fi
done

# --- 5. refusals name their leg -----------------------------------------------
run refused delivery --name dref -H 127.0.0.1 -p "$SUBMISSION_PORT" --starttls \
    --auth plain --user "$MAIL_USER" --password-file "$T/pw" --ca-file "$W/certs/ca.crt" \
    --from "$MAIL_USER@$MAIL_DOMAIN" --rcpt "nobody@$MAIL_DOMAIN" "${IMAPBOX[@]}"
expect refused critical submit '^submission refused: RCPT TO rejected: 550 ' &&
    [[ $(<"$T/refused.rc") == 2 ]] && ok "refused recipient -> critical submit: $(jget "$T/refused.json" reason)"

run badlogin delivery --name dbad "${SUBMIT[@]}" --mbox-proto imap --mbox-host 127.0.0.1 \
    --mbox-port "$IMAP_PORT" --mbox-tls starttls --mbox-user "$MAIL_USER" \
    --mbox-password-file "$T/badpw" --delivery-deadline 20
expect badlogin critical mailbox '^mailbox login failed: ' &&
    ok "wrong mailbox password -> critical mailbox: $(jget "$T/badlogin.json" reason)"

# --- 6. queue held: not delivered within the deadline -------------------------
if pf_set "defer_transports = lmtp"; then
	sleep 0.5	# the queue manager restarts with the new setting
	run held delivery --name dheld "${SUBMIT[@]}" "${IMAPBOX[@]}" --delivery-deadline 3
	if expect held critical not_delivered '^not delivered within 3000 ms'; then
		# the wait after the 250: total minus the submission's phases
		el=$("$PY" - "$T/held.json" <<'EOT'
import json, sys
t = json.load(open(sys.argv[1]))["timings_us"]
sub = sum(t[k] or 0 for k in ("dns", "connect", "tls", "greeting", "hello",
    "starttls", "auth", "mail", "quit"))
print((t["total"] - sub) // 1000)
EOT
)
		if (( el >= 2900 && el < 4500 )) && [[ $(<"$T/held.rc") == 2 &&
		    $(jget "$T/held.json" timings_us.delivery) == null ]]; then
			ok "queue held -> critical not_delivered, waited ${el} ms after the 250"
		else
			ko "queue held: waited ${el} ms after the 250 (want 3000..4500) rc=$(<"$T/held.rc")"
		fi
	fi
	postconf -c "$PFC" -X defer_transports
	touch -d '-1 min' "$PFC/main.cf"
	postfix -c "$PFC" reload >/dev/null 2>&1
	postsuper -c "$PFC" -d ALL >/dev/null 2>&1
else
	ko "could not set defer_transports"
fi

# --- 7. open relay ------------------------------------------------------------
run relay-closed relay -H 127.0.0.1 -p "$SMTP_PORT"
expect relay-closed ok none '^relay denied' &&
    ok "default Postfix: relay denied ($(jget "$T/relay-closed.json" reason))"

orig_net=$(postconf -c "$PFC" -h mynetworks)
orig_rr=$(postconf -c "$PFC" -h smtpd_relay_restrictions)
printf 'example.net discard:\n' >"$PFC/transport"
msgs_before=$(grep -c 'message-id=' "$PFLOG" 2>/dev/null)
if pf_set "mynetworks = 127.0.0.0/8" \
    "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" \
    "transport_maps = texthash:$PFC/transport" && wait_relay critical; then
	run relay-open relay -H 127.0.0.1 -p "$SMTP_PORT"
	if expect relay-open critical open_relay '^open relay: accepted RCPT TO:<relaytest@example.net>'; then
		[[ $(<"$T/relay-open.rc") == 2 ]] && ok "open relay -> critical open_relay"
	fi
	msgs_after=$(grep -c 'message-id=' "$PFLOG" 2>/dev/null)
	if [[ $msgs_before == "$msgs_after" ]] && ! grep -q 'relaytest@example.net.*status=' "$PFLOG"; then
		ok "relay probes sent no DATA ($msgs_after messages received before and after)"
	else
		ko "relay probe: messages received $msgs_before -> $msgs_after"
	fi
else
	ko "open-relay configuration did not take effect"
fi
postconf -c "$PFC" -X transport_maps
pf_set "mynetworks = $orig_net" "smtpd_relay_restrictions = $orig_rr"
if wait_relay ok; then ok "relay configuration restored: relay denied again"
else ko "relay configuration not restored"; fi

# --- 8. the same probe in mailmond: MIB columns, then a notification --------
# A private snmpd + snmptrapd (fixtures) and mailmond with one delivery
# probe; Dovecot is stopped in step 9, which must bring a down trap.
SNMPB=.1.3.6.1.4.1.2789.5
DLV_IDX=5.100.109.111.110.100		# "dmond": length, then the bytes
mm_pid=
# col N -> column N of the dmond row
col() {
	MIBS= snmpget -v2c -c public -On -Oqv "127.0.0.1:$SNMPD_PORT" \
	    "$SNMPB.2.3.1.$1.$DLV_IDX" 2>/dev/null | tr -d '"'
}
if "$FX/snmpd.sh" start "$W" >"$T/snmpd.log" 2>&1; then
	{
		echo "interval 4"
		echo "timeout 5"
		echo "retries 1"
		echo "ping-interval 2"
		echo "user nobody"
		# mailmond.conf takes mailprobe's long options only
		echo "probe dmond delivery --host 127.0.0.1 --port $SUBMISSION_PORT" \
		    "--starttls --auth plain --user $MAIL_USER --password-file $T/pw" \
		    "--ca-file $W/certs/ca.crt --from $MAIL_USER@$MAIL_DOMAIN" \
		    "--rcpt $MAIL_USER@$MAIL_DOMAIN ${IMAPBOX[*]} --delivery-deadline 5"
	} >"$T/mailmond.conf"
	chmod 0600 "$T/mailmond.conf"
	"$MAILMOND" -f -Le -x "$W/snmp/agentx.sock" -c "$T/mailmond.conf" \
	    >"$T/mailmond.log" 2>&1 &
	mm_pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ $(col 6) == 1 ]] && break
		sleep 0.2
	done
	lat=$(col 24) tok=$(col 25)
	if [[ $(col 6) == 1 && $lat =~ ^[0-9]+$ && $lat -gt 0 &&
	    $tok == mailmon-dmond-* ]]; then
		ok "mailmond: delivery row ok(1), latency $lat ms, token $tok"
	else
		ko "mailmond: delivery row status=$(col 6) latency='$lat' token='$tok'"
		tail -5 "$T/mailmond.log"
	fi
	if grep -qF "$MAIL_PASS" "$T/mailmond.log"; then
		ko "mailmond: the password is in its log"
	else
		ok "mailmond: no password in its log"
	fi
else
	ko "snmpd fixture did not start"
	tail -5 "$T/snmpd.log"
fi

# --- 9. Dovecot stopped: the mailbox leg fails --------------------------------
"$FX/dovecot.sh" stop "$W" >/dev/null 2>&1
# the MX port: no AUTH needed (submission AUTH goes through Dovecot SASL)
run nodovecot delivery --name ddown -H 127.0.0.1 -p "$SMTP_PORT" --starttls \
    --ca-file "$W/certs/ca.crt" --from "$MAIL_USER@$MAIL_DOMAIN" \
    --rcpt "$MAIL_USER@$MAIL_DOMAIN" "${IMAPBOX[@]}" --delivery-deadline 5
expect nodovecot critical mailbox '^mailbox: 127\.0\.0\.1: connection refused' &&
    [[ $(<"$T/nodovecot.rc") == 2 ]] &&
    ok "dovecot stopped -> critical mailbox: $(jget "$T/nodovecot.json" reason)"
postsuper -c "$PFC" -d ALL >/dev/null 2>&1

if [[ -n $mm_pid ]]; then
	# interval 4, retries 1, timeout 5 + delivery deadline 5, with slack
	# a mailmonProbeDown whose status varbind carries the dmond index
	down_seen() {
		grep -F "$SNMPB.0.1" "$W/snmp/traps.log" 2>/dev/null |
		    grep -qF "$SNMPB.2.3.1.6.$DLV_IDX "
	}
	for ((i = 0; i < 125; i++)); do
		down_seen && break
		sleep 0.2
	done
	if down_seen; then
		ok "mailmond: mailmonProbeDown for the delivery probe, index on its varbinds"
	else
		ko "mailmond: no down notification for the delivery probe"
		tail -3 "$W/snmp/traps.log"
	fi
	kill "$mm_pid" 2>/dev/null
	wait "$mm_pid" 2>/dev/null
	mm_pid=
fi

finish

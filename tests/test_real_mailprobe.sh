#!/usr/bin/env bash
# test_real_mailprobe.sh -- mailprobe against real Postfix, Dovecot and Exim.
#
# Starts the fixtures (tests/fixtures/servers.sh) on PORT_OFFSET=300 under a
# short /tmp work directory, runs `mailprobe --json` for every case below and
# checks the JSON fields, the exit status, and that no credential ever shows
# up in mailprobe's output.  Then restarts the servers with the expiring,
# expired and self-signed certificates and checks the certificate policy.
#
# Needs root (the Postfix and Exim masters refuse anything else).  Outside CI
# it exits 77 (skip) when not root or a server is not installed; under
# CI=true that is a failure.  MAILMON_INTEGRATION=0 skips it (exit 77).
# Run by hand:
#
#   sudo top_srcdir=. top_builddir=../build tests/test_real_mailprobe.sh
#
# Env: KEEP=1 leaves the work directory (logs) behind; MAILPROBE=path
# overrides the binary.
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
TL_PASS="ok  "
TL_FAIL=FAIL
FX=$top_srcdir/tests/fixtures

export PORT_OFFSET=$((300 + ${MM_PORT_SHIFT:-0}))
export TLS_CERT=server
# a password nothing else contains, so a leak check cannot match by chance
export MAIL_PASS="mmPw${RANDOM}x${RANDOM}q"
WRONG_PASS="mmBad${RANDOM}z${RANDOM}k"
# shellcheck source=fixtures/lib.sh
. "$FX/lib.sh"

integration_gate
(( EUID == 0 )) || skip "needs root (Postfix and Exim masters)"
need dovecot postfix "$PY" openssl ss setpriv timeout base64
[[ -x $EXIM_ROOT/usr/sbin/exim4 ]] || command -v exim4 >/dev/null ||
    skip "exim not installed (tests/install-deps.sh)"
# the program under test missing is always a failure
[[ -x $MP ]] || abort "$MP not built"

workdir /tmp/mm-real.XXXX cleanup
T=$W/t				# our scratch files, not seen by the servers
mkdir -p "$T"
SERVICES="dovecot postfix exim"
export SERVICES

# shellcheck disable=SC2317  # called at exit (workdir above)
cleanup() {
	"$FX/servers.sh" stop "$W" >/dev/null 2>&1
}

echo "starting servers in $W (PORT_OFFSET=$PORT_OFFSET)"
if ! "$FX/servers.sh" start "$W" > "$T/start.log" 2>&1; then
	cat "$T/start.log"
	abort "servers did not start"
fi

CA=$W/certs/ca.crt
PWF=$T/pass
BADF=$T/badpass
printf '%s\n' "$MAIL_PASS" > "$PWF"
printf '%s\n' "$WRONG_PASS" > "$BADF"
chmod 0600 "$PWF" "$BADF"
H=(-H 127.0.0.1 --timeout 10)
AUTH=(--user "$MAIL_USER" --password-file "$PWF")
BADAUTH=(--user "$MAIL_USER" --password-file "$BADF")

# JSON assertions: see tests/jsoncheck.py for the language.
JSONCHECK=$top_srcdir/tests/jsoncheck.py

# secrets that must never be printed: the passwords themselves and their
# base64 forms as sent in AUTH PLAIN (\0user\0pass) and AUTH LOGIN
secrets_b64() {
	local p
	for p in "$MAIL_PASS" "$WRONG_PASS"; do
		printf '%s\n' "$p"
		printf '%s' "$p" | base64 -w0; echo
		printf '\0%s\0%s' "$MAIL_USER" "$p" | base64 -w0; echo
		printf '%s\0%s\0%s' "$MAIL_USER" "$MAIL_USER" "$p" | base64 -w0; echo
	done
}
secrets_b64 > "$T/secrets"

# mask SECRETS in text we print ourselves (a failure report must not leak either)
mask() {
	"$PY" -c '
import sys
s = sys.stdin.read()
for w in open(sys.argv[1]).read().split():
    s = s.replace(w, "<secret>")
sys.stdout.write(s)' "$T/secrets"
}

# probe NAME "ASSERTIONS" MAILPROBE-ARGS...
# Runs mailprobe --json (with -v -v when the args carry a password file, so
# the leak check also covers the dialogue trace) and applies the assertions.
n=0
probe() {
	local name=$1 asserts=$2 rc msg secret=0 a
	shift 2
	n=$((n + 1))
	for a in "$@"; do [[ $a == "$PWF" || $a == "$BADF" ]] && secret=1; done
	local args=("$@")
	(( secret )) && args+=(-v -v)
	timeout 30 "$MP" "${args[@]}" --json > "$T/$n.out" 2> "$T/$n.err" < /dev/null
	rc=$?
	local problems=()
	# shellcheck disable=SC2086
	msg=$("$PY" "$JSONCHECK" "$T/$n.out" "$rc" $asserts 2>&1) || problems+=("$msg")
	if (( secret )) && grep -a -F -q -f "$T/secrets" "$T/$n.out" "$T/$n.err"; then
		problems+=("CREDENTIAL PRINTED: $(grep -a -F -h -f "$T/secrets" "$T/$n.out" "$T/$n.err" |
		    head -2 | mask)")
	fi
	if (( ${#problems[@]} )); then
		ko "$name" "mailprobe ${args[*]} --json  (exit $rc)" "${problems[@]}" \
		    "stderr: $(head -c 300 "$T/$n.err" | tr '\n' ' ' | mask)"
		return 1
	fi
	ok "$name"
}

# --- Postfix ---------------------------------------------------------------
echo "--- Postfix (smtp $SMTP_PORT, submission $SUBMISSION_PORT, smtps $SMTPS_PORT)"
probe "postfix smtp plain" \
    "status=ok exit=0 fail=none mode=smtp reply_code=250 cert_days=null t:connect t:greeting t:total" \
    smtp "${H[@]}" -p "$SMTP_PORT"
probe "postfix smtp STARTTLS, test CA" \
    "status=ok fail=none cert_verified=true cert_days=363..366 tls_version!= t:starttls t:tls t:total" \
    smtp "${H[@]}" -p "$SMTP_PORT" --starttls --ca-file "$CA"
probe "postfix smtp STARTTLS, system CAs do not trust the test CA" \
    "status=critical exit=2 fail=cert_invalid cert_verified=false" \
    smtp "${H[@]}" -p "$SMTP_PORT" --starttls
probe "postfix submission STARTTLS + AUTH PLAIN" \
    "status=ok fail=none cert_verified=true t:auth" \
    smtp "${H[@]}" -p "$SUBMISSION_PORT" --starttls --ca-file "$CA" "${AUTH[@]}" --auth plain
probe "postfix submission STARTTLS + AUTH LOGIN" \
    "status=ok fail=none t:auth" \
    smtp "${H[@]}" -p "$SUBMISSION_PORT" --starttls --ca-file "$CA" "${AUTH[@]}" --auth login
probe "postfix submission wrong password" \
    "status=critical exit=2 fail=auth reply_code=535" \
    smtp "${H[@]}" -p "$SUBMISSION_PORT" --starttls --ca-file "$CA" "${BADAUTH[@]}" --auth plain
probe "postfix smtps implicit TLS + AUTH" \
    "status=ok fail=none cert_verified=true cert_days=363..366 t:tls t:auth" \
    smtp "${H[@]}" -p "$SMTPS_PORT" --tls --ca-file "$CA" "${AUTH[@]}"
probe "postfix MAIL FROM / RCPT TO local user" \
    "status=ok fail=none t:mail" \
    smtp "${H[@]}" -p "$SMTP_PORT" --from "probe@$MAIL_DOMAIN" --rcpt "$MAIL_USER@$MAIL_DOMAIN"
probe "postfix RCPT TO unknown user -> 550" \
    "status=critical exit=2 fail=reply reply_code=550" \
    smtp "${H[@]}" -p "$SMTP_PORT" --from "probe@$MAIL_DOMAIN" --rcpt "nosuchuser@$MAIL_DOMAIN"
probe "postfix relay attempt -> 554" \
    "status=critical exit=2 fail=reply reply_code=554" \
    smtp "${H[@]}" -p "$SMTP_PORT" --from "probe@$MAIL_DOMAIN" --rcpt "victim@elsewhere.invalid"

# --- Dovecot ---------------------------------------------------------------
echo "--- Dovecot (imap $IMAP_PORT, imaps $IMAPS_PORT, pop3 $POP3_PORT, pop3s $POP3S_PORT)"
probe "dovecot imap plain login" \
    "status=ok exit=0 fail=none mode=imap t:greeting t:auth" \
    imap "${H[@]}" -p "$IMAP_PORT" "${AUTH[@]}"
probe "dovecot imap STARTTLS login" \
    "status=ok fail=none cert_verified=true cert_days=363..366 t:starttls t:auth" \
    imap "${H[@]}" -p "$IMAP_PORT" --starttls --ca-file "$CA" "${AUTH[@]}"
probe "dovecot imaps login" \
    "status=ok fail=none cert_verified=true t:tls t:auth" \
    imap "${H[@]}" -p "$IMAPS_PORT" --tls --ca-file "$CA" "${AUTH[@]}"
probe "dovecot imap wrong password" \
    "status=critical exit=2 fail=auth" \
    imap "${H[@]}" -p "$IMAP_PORT" "${BADAUTH[@]}"
probe "dovecot pop3 plain login" \
    "status=ok exit=0 fail=none mode=pop|pop3 t:greeting t:auth" \
    pop "${H[@]}" -p "$POP3_PORT" "${AUTH[@]}"
probe "dovecot pop3 STLS login" \
    "status=ok fail=none cert_verified=true t:starttls t:auth" \
    pop "${H[@]}" -p "$POP3_PORT" --starttls --ca-file "$CA" "${AUTH[@]}"
probe "dovecot pop3s login" \
    "status=ok fail=none cert_verified=true t:tls t:auth" \
    pop "${H[@]}" -p "$POP3S_PORT" --tls --ca-file "$CA" "${AUTH[@]}"
probe "dovecot pop3 wrong password" \
    "status=critical exit=2 fail=auth" \
    pop "${H[@]}" -p "$POP3_PORT" "${BADAUTH[@]}"

# --- Exim ------------------------------------------------------------------
echo "--- Exim (smtp $EXIM_PORT, smtps $EXIM_SMTPS_PORT)"
probe "exim smtp STARTTLS + AUTH" \
    "status=ok fail=none cert_verified=true t:starttls t:auth" \
    smtp "${H[@]}" -p "$EXIM_PORT" --starttls --ca-file "$CA" "${AUTH[@]}"
probe "exim smtps" \
    "status=ok fail=none cert_verified=true cert_days=363..366 t:tls" \
    smtp "${H[@]}" -p "$EXIM_SMTPS_PORT" --tls --ca-file "$CA"
probe "exim smtps + AUTH LOGIN" \
    "status=ok fail=none t:auth" \
    smtp "${H[@]}" -p "$EXIM_SMTPS_PORT" --tls --ca-file "$CA" "${AUTH[@]}" --auth login
probe "exim wrong password" \
    "status=critical exit=2 fail=auth reply_code=535" \
    smtp "${H[@]}" -p "$EXIM_PORT" --starttls --ca-file "$CA" "${BADAUTH[@]}"

# --- connection refused, check_smtp command line -----------------------------
echo "--- refused / check_smtp compatibility"
free_port=$((12000 + PORT_OFFSET))
while ss -Hltn "sport = :$free_port" | grep -q .; do free_port=$((free_port + 1)); done
probe "connection refused on unused port $free_port" \
    "status=critical exit=2 fail=refused" \
    smtp "${H[@]}" -p "$free_port"

ln -s "$MP" "$T/check_smtp"
line=$(timeout 30 "$T/check_smtp" -H 127.0.0.1 -p "$SMTP_PORT" -w 5 -c 10 2>&1)
rc=$?
if [[ $rc -eq 0 && $line =~ ^SMTP\ OK && $line == *"|"*time=* && $(wc -l <<< "$line") -eq 1 ]]; then
	ok "check_smtp -H -p -w 5 -c 10 (symlink) -> 0, Nagios line with time="
else
	ko "check_smtp -H -p -w 5 -c 10 (symlink)" "exit $rc, output: $line"
fi
line=$(timeout 30 "$T/check_smtp" -H 127.0.0.1 -p "$free_port" 2>&1)
rc=$?
if [[ $rc -eq 2 && -n $line && $(wc -l <<< "$line") -eq 1 ]]; then
	ok "check_smtp (symlink) on refused port -> 2"
else
	ko "check_smtp (symlink) on refused port" "exit $rc (want 2), output: $line"
fi

# The same command lines through the real monitoring-plugins check_smtp: a
# drop-in replacement must exit with the same status.
PLUGIN=${CHECK_SMTP_PLUGIN:-/usr/lib/nagios/plugins/check_smtp}
if [[ -x $PLUGIN ]]; then
	for args in "-H 127.0.0.1 -p $SMTP_PORT -w 5 -c 10" "-H 127.0.0.1 -p $free_port" \
	    "-H 127.0.0.1 -p $SMTP_PORT -e 220" "-H 127.0.0.1 -p $SMTP_PORT -e 554"; do
		# shellcheck disable=SC2086
		theirs=$(timeout 30 "$PLUGIN" $args 2>&1); trc=$?
		# shellcheck disable=SC2086
		ours=$(timeout 30 "$T/check_smtp" $args 2>&1); orc=$?
		if [[ $orc -eq $trc ]]; then
			ok "check_smtp $args: exit $orc, same as monitoring-plugins"
		else
			ko "check_smtp $args: exit $orc, monitoring-plugins exits $trc" \
			    "ours:   $ours" "theirs: $theirs"
		fi
	done
elif [[ ${CI:-} == true ]]; then
	ko "monitoring-plugins check_smtp not installed (tests/install-deps.sh)"
fi

# --- certificates: restart the TLS servers with each bad certificate ---------
restart_with() {
	if ! TLS_CERT=$1 "$FX/servers.sh" restart "$W" > "$T/restart-$1.log" 2>&1; then
		ko "restart servers with TLS_CERT=$1" "$(tail -5 "$T/restart-$1.log")"
		return 1
	fi
	echo "--- servers now present the '$1' certificate"
}

if restart_with expiring5d; then
	probe "expiring5d postfix STARTTLS --cert-days 10,3 -> warning" \
	    "status=warning exit=1 fail=cert_expiring cert_days=4..5 cert_verified=true" \
	    smtp "${H[@]}" -p "$SMTP_PORT" --starttls --ca-file "$CA" --cert-days 10,3
	probe "expiring5d dovecot imaps --cert-days 10,3 -> warning" \
	    "status=warning exit=1 fail=cert_expiring cert_days=4..5" \
	    imap "${H[@]}" -p "$IMAPS_PORT" --tls --ca-file "$CA" --cert-days 10,3 "${AUTH[@]}"
	probe "expiring5d exim smtps --cert-days 10,5 -> critical" \
	    "status=critical exit=2 fail=cert_expiring cert_days=4..5" \
	    smtp "${H[@]}" -p "$EXIM_SMTPS_PORT" --tls --ca-file "$CA" --cert-days 10,5
	probe "expiring5d postfix STARTTLS --cert-days 3,2 -> ok" \
	    "status=ok fail=none cert_days=4..5" \
	    smtp "${H[@]}" -p "$SMTP_PORT" --starttls --ca-file "$CA" --cert-days 3,2
fi
if restart_with expired; then
	probe "expired postfix STARTTLS -> cert_invalid, negative cert_days" \
	    "status=critical exit=2 fail=cert_invalid cert_verified=false cert_days=-3..-1" \
	    smtp "${H[@]}" -p "$SMTP_PORT" --starttls --ca-file "$CA"
	probe "expired dovecot pop3s -> cert_invalid" \
	    "status=critical exit=2 fail=cert_invalid cert_days=-3..-1" \
	    pop "${H[@]}" -p "$POP3S_PORT" --tls --ca-file "$CA" "${AUTH[@]}"
	probe "expired exim smtps -> cert_invalid" \
	    "status=critical exit=2 fail=cert_invalid cert_days=-3..-1" \
	    smtp "${H[@]}" -p "$EXIM_SMTPS_PORT" --tls --ca-file "$CA"
fi
if restart_with selfsigned; then
	probe "selfsigned postfix STARTTLS -> cert_invalid" \
	    "status=critical exit=2 fail=cert_invalid cert_verified=false" \
	    smtp "${H[@]}" -p "$SMTP_PORT" --starttls --ca-file "$CA"
	probe "selfsigned dovecot imaps -> cert_invalid" \
	    "status=critical exit=2 fail=cert_invalid cert_verified=false" \
	    imap "${H[@]}" -p "$IMAPS_PORT" --tls --ca-file "$CA" "${AUTH[@]}"
	probe "selfsigned postfix STARTTLS --insecure -> ok" \
	    "status=ok exit=0 fail=none cert_verified=false cert_days=363..366" \
	    smtp "${H[@]}" -p "$SMTP_PORT" --starttls --insecure
	probe "selfsigned postfix submission --insecure + AUTH -> ok" \
	    "status=ok fail=none t:auth" \
	    smtp "${H[@]}" -p "$SUBMISSION_PORT" --starttls --insecure "${AUTH[@]}"
fi

finish

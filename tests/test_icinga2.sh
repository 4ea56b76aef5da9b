#!/usr/bin/env bash
# test_icinga2.sh - conf/icinga2/mailmon.conf in a real Icinga 2 (Debian's
# icinga2 2.13), checking real Dovecot and Postfix through mailprobe and
# mailmond's table through monitoring-plugins' check_snmp and a real
# snmpd.
#
# 1. The file, unchanged, with a host of each template, passes `icinga2
#    daemon -C` inside a copy of Debian's stock /etc/icinga2 (which
#    reads conf.d/, the ITL and the plugin commands): no name collides,
#    no warning or error names the file, and the apply rules give each
#    host the services README promises (MailprobeBin left at its
#    default).
# 2. A private Icinga 2 (tests/fixtures/icinga2.sh: its own directories,
#    the user nagios, intervals of 2 s, the REST API on 127.0.0.1) loads
#    the same file after a constants line that moves MailprobeBin, and a
#    hosts file: mail1 (the fixtures, right password), mail2 (wrong
#    password) and mailmon1 (the snmpd whose subagent is mailmond,
#    probing the same servers).  Read through the API, every service is
#    in its expected state: OK for mail1 (smtp, submission, pop3, imap
#    with a login, the delivery round trip) and mailmon1 (rows by name
#    and by numeric OID); CRITICAL for mail2's logins; WARNING for a
#    latency threshold of 1 us.  The command lines are mailprobe's from
#    MailprobeBin, with the password file and never the password.
# 3. Dovecot stops: mail1's pop3, imap and delivery and mailmon1's rows
#    for imap (by name) and pop3 (numeric OID) turn CRITICAL with the
#    reason in the output; smtp stays OK.  Icinga logged no warning all
#    along (an argument it could not build, a check that timed out).
#
# Needs root (the Postfix master; Icinga switches to the user nagios).
# Exits 77 (skip) only when a program is missing and CI is not "true".

# helpers run through check and the exit trap
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
export PORT_OFFSET=$((1100 + ${MM_PORT_SHIFT:-0}))
export TLS_CERT=server
# mail2's failing logins must not slow mail1's (fixtures/dovecot.sh)
export AUTH_PENALTY=0
# shellcheck source=daemon_lib.sh
. "$top_srcdir/tests/daemon_lib.sh"

integration_gate
(( EUID == 0 )) || skip "needs root (Postfix master)"
need snmpd snmptrapd snmpget dovecot postfix ss setpriv openssl "$PY"
[[ -x /usr/sbin/icinga2 ]] || skip "icinga2 not installed (tests/install-deps.sh)"
[[ -x /usr/lib/nagios/plugins/check_snmp ]] ||
    skip "check_snmp not installed (tests/install-deps.sh)"
[[ -x $MAILMOND && -x $MP ]] || skip "mailmond or mailprobe not built"
BASE=${MAILMON_BASE_MIBS:-${MM_NPM_PREFIX:-/opt/mailmon-npm}/mibs}
[[ -e $BASE/SNMPv2-SMI ]] || skip "IETF MIB modules not in $BASE (tests/install-deps.sh)"

FX=$DL_FIX
CFG=$top_srcdir/conf/icinga2/mailmon.conf
STATUS=$top_srcdir/tests/icinga2/status.py
export SERVICES="dovecot postfix snmpd"

workdir /tmp/mm-ic.XXXX cleanup
M=$W/mm
mkdir -p "$M" "$W/libexec"
chown nobody "$M"
MMPID=
LOG=$M/mailmond.log
API=$W/icinga2/api.env

cleanup() {
	if [[ -n $MMPID ]] && proc_running "$MMPID"; then
		kill -TERM "$MMPID" 2>/dev/null
		wait "$MMPID" 2>/dev/null
	fi
	if (( fail > 0 )); then
		echo "---- icinga2.log (warnings, tail) ----"
		grep -E 'warning/|critical/' "$W/icinga2/var/log/icinga2.log" 2>/dev/null | tail -n 20
		echo "---- mailmond log (tail) ----"
		tail -n 20 "$LOG" 2>/dev/null
	fi
	"$FX/icinga2.sh" stop "$W" >/dev/null 2>&1
	"$FX/servers.sh" stop "$W" >/dev/null 2>&1
}

status_wait() {	# status_wait [--after EPOCH] HOST!SERVICE=STATE[~TEXT]...
	local after=()
	[[ $1 == --after ]] && { after=(--after "$2"); shift 2; }
	"$PY" "$STATUS" "$API" --timeout 60 --commands "${after[@]}" --wait "$@" \
	    > "$W/status.out" 2>&1
	local rc=$?
	grep -v '^  command ' "$W/status.out" | sed 's/^/     /'
	return "$rc"
}
# quiet FILE [REGEX]: no warning or error in an icinga2 log, or none
# matching REGEX
quiet() {
	! grep -E '(warning|critical)/' "$1" | grep -qE "${2:-.}"
}
# runs_as USER PIDFILE: every process of the pid's session is USER's
runs_as() {
	[[ $(ps -o user= -s "$(cat "$2")" | sort -u) == "$1" ]]
}
# command_of HOST!SERVICE: its last command line (JSON) from status.out
command_of() {
	awk -v k="$1" 'f { sub(/^  command /, ""); print; exit }
	    index($0, k " ") == 1 { f = 1 }' "$W/status.out"
}
# argv_ok HOST!SERVICE PROGRAM ARG...: the command line starts with
# PROGRAM, holds every ARG, and no argument is the password
argv_ok() {
	local json
	json=$(command_of "$1")
	shift
	"$PY" - "$json" "$MAIL_PASS" "$@" <<'EOF'
import json, sys
argv = json.loads(sys.argv[1])
secret, prog, want = sys.argv[2], sys.argv[3], sys.argv[4:]
bad = [w for w in want if w not in argv]
if argv[0] != prog or bad or any(secret in a for a in argv):
    print("     argv %s; missing %s" % (argv, bad))
    sys.exit(1)
EOF
}

# ---- the file, mailprobe, the password files --------------------------------

# Icinga runs its checks as the user nagios, who may not reach the build
# tree or the checkout (a clone under /root): copies in W
cp "$MP" "$W/libexec/mailprobe"
mkdir -p "$W/mibs"
cp "$top_srcdir/mibs/MAILMON-MIB.txt" "$W/mibs/"
printf '%s\n' "$MAIL_PASS" > "$W/mail.pw"
printf 'not-%s\n' "$MAIL_PASS" > "$W/wrong.pw"
chown root:nagios "$W/mail.pw" "$W/wrong.pw"
chmod 0640 "$W/mail.pw" "$W/wrong.pw"

# ---- 1. Debian's stock configuration -----------------------------------------

S=$W/stock
if [[ -r /etc/icinga2/icinga2.conf ]]; then
	cp -a /etc/icinga2 "$S"
	cp "$CFG" "$S/conf.d/"
	cat > "$S/conf.d/mailmon-hosts.conf" <<'EOF'
object Host "mail0" {
	import "generic-host"
	import "mailmon-mail-server"
	address = "192.0.2.24"
}
object Host "mail1" {
	import "generic-host"
	import "mailmon-mail-server"
	address = "192.0.2.25"
	vars.mailprobe_user = "monitor"
	vars.mailprobe_password_file = "/etc/icinga2/mailmon-mail1.pw"
	vars.mailprobe_rcpt = "monitor@example.org"
}
object Host "mailmon1" {
	import "generic-host"
	import "mailmon-agent"
	address = "192.0.2.161"
	vars.mailmon_probes = [ "smtp", "imap", "pop3" ]
}
EOF
	chmod -R a+rX "$S"
	"$FX/icinga2.sh" validate "$W" "$S/icinga2.conf" > "$S/verify.out" 2>&1
	rc=$?
	check "stock Debian icinga2.conf + mailmon.conf: icinga2 daemon -C exits 0" test "$rc" = 0
	check "stock Debian icinga2.conf + mailmon.conf: no warning or error names our file or objects" \
	    quiet "$S/verify.out" 'mailmon|mailprobe'
	(( fail == 0 )) || grep -E -A3 '(warning|critical)/' "$S/verify.out" | head -n 12 | sed 's/^/     /'
	"$FX/icinga2.sh" inspect "$W" object list --type Service 2>/dev/null |
	    sed -n "s/^Object '\(mail[^']*\)' of type 'Service':\$/\1/p" |
	    grep -v '!ping' | sort | tr '\n' ' ' > "$S/services"
	want="mail0!mailprobe-imap mail0!mailprobe-pop3 mail0!mailprobe-smtp"
	want+=" mail1!mailprobe-delivery mail1!mailprobe-imap mail1!mailprobe-pop3"
	want+=" mail1!mailprobe-smtp mail1!mailprobe-submission"
	want+=" mailmon1!mailmon-imap mailmon1!mailmon-pop3 mailmon1!mailmon-smtp "
	check "stock configuration: the apply rules give each host its services" \
	    test "$(cat "$S/services")" = "$want"
	[[ $(cat "$S/services") == "$want" ]] || echo "     got: $(cat "$S/services")"
	check "stock configuration: MailprobeBin defaults to /usr/bin/mailprobe" \
	    test "$("$FX/icinga2.sh" inspect "$W" variable get MailprobeBin 2>&1)" = /usr/bin/mailprobe
else
	ko "/etc/icinga2/icinga2.conf missing (icinga2-common's configuration)"
fi

# ---- 2. servers, mailmond, Icinga -----------------------------------------

dl_servers_mailmond

mkdir -p "$W/icinga2/etc/conf.d"
cp "$CFG" "$W/icinga2/etc/conf.d/"
mail_host() {	# mail_host NAME PASSWORD-FILE
	cat <<EOF
object Host "$1" {
	import "generic-host"
	import "mailmon-mail-server"
	address = "127.0.0.1"
	vars.mailprobe_smtp_port = $SMTP_PORT
	vars.mailprobe_submission_port = $SUBMISSION_PORT
	vars.mailprobe_pop3_port = $POP3_PORT
	vars.mailprobe_imap_port = $IMAP_PORT
	vars.mailprobe_ca_file = "$W/certs/ca.crt"
	vars.mailprobe_timeout = 10
	vars.mailprobe_user = "$MAIL_USER"
	vars.mailprobe_password_file = "$2"
	vars.mailprobe_from = "probe@$MAIL_DOMAIN"
	vars.mailprobe_rcpt = "$MAIL_USER@$MAIL_DOMAIN"
	vars.mailprobe_delivery_deadline = 20
}
EOF
}
{
	mail_host mail1 "$W/mail.pw"
	mail_host mail2 "$W/wrong.pw"
	cat <<EOF
object Host "mailmon1" {
	import "generic-host"
	import "mailmon-agent"
	address = "127.0.0.1"
	vars.mailmon_snmp_port = $SNMPD_PORT
	vars.mailmon_probes = [ "smtp", "imap" ]
}
// the same without MIB files: pop3 is 4.112.111.112.51
object Service "mailmon-pop3-oid" {
	import "generic-service"
	host_name = "mailmon1"
	check_command = "mailmon-status-oid"
	vars.mailmon_probe_index = "4.112.111.112.51"
}
object Service "mailmon-imap-latency-1us" {
	import "generic-service"
	host_name = "mailmon1"
	check_command = "mailmon-latency"
	vars.mailmon_probe = "imap"
	vars.mailmon_latency_warning = 1
}
EOF
} > "$W/icinga2/etc/conf.d/hosts.conf"
# check_snmp's snmpget finds MAILMON-MIB and its imports the way
# README tells: a "mibdirs" line in snmp.conf (here a private one)
mkdir -p "$W/snmpconf" "$W/snmppersist"
printf 'mibdirs +%s:%s\n' "$W/mibs" "$BASE" > "$W/snmpconf/snmp.conf"
chown nagios "$W/snmppersist"
chmod -R a+rX "$W/snmpconf"
if ! SNMPCONFPATH=$W/snmpconf SNMP_PERSISTENT_DIR=$W/snmppersist \
    ICINGA2_CONSTANTS="const MailprobeBin = \"$W/libexec/mailprobe\"" \
    "$FX/icinga2.sh" start "$W" > "$W/icinga2.out" 2>&1; then
	cat "$W/icinga2.out"
	abort "icinga2 did not start"
fi
check "private icinga2.conf + mailmon.conf: no warning from icinga2 daemon -C" \
    quiet "$W/icinga2/verify.out"
check "Icinga runs as the user nagios" runs_as nagios "$W/icinga2/icinga2.pid"

check "mail1: every service OK" status_wait \
    "mail1!mailprobe-smtp=OK~SMTP OK - " "mail1!mailprobe-submission=OK~SMTP OK - " \
    "mail1!mailprobe-pop3=OK~POP3 OK - " "mail1!mailprobe-imap=OK~IMAP OK - " \
    "mail1!mailprobe-delivery=OK~DELIVERY OK - "
check "mail1: imap runs MailprobeBin with the login from the host's variables" \
    argv_ok "mail1!mailprobe-imap" "$W/libexec/mailprobe" imap -H 127.0.0.1 \
    -p "$IMAP_PORT" --starttls --user "$MAIL_USER" --password-file "$W/mail.pw"
check "mail1: delivery submits on the submission port and looks in IMAP" \
    argv_ok "mail1!mailprobe-delivery" "$W/libexec/mailprobe" delivery \
    -p "$SUBMISSION_PORT" --rcpt "$MAIL_USER@$MAIL_DOMAIN" --mbox-port "$IMAP_PORT" \
    --mbox-tls starttls --mbox-password-file "$W/mail.pw"
check "mail2: wrong password CRITICAL, smtp without a login OK" status_wait \
    "mail2!mailprobe-submission=CRITICAL~SMTP CRITICAL - authentication failed" \
    "mail2!mailprobe-pop3=CRITICAL~POP3 CRITICAL - login failed" \
    "mail2!mailprobe-imap=CRITICAL~IMAP CRITICAL - login failed" \
    "mail2!mailprobe-delivery=CRITICAL~submission: authentication failed" \
    "mail2!mailprobe-smtp=OK"
check "mailmon1: the rows by name, by numeric OID, latency: OK / WARNING" status_wait \
    "mailmon1!mailmon-smtp=OK~SNMP OK - status 1 reason " \
    "mailmon1!mailmon-imap=OK~SNMP OK - status 1 reason " \
    "mailmon1!mailmon-pop3-oid=OK~SNMP OK - " \
    "mailmon1!mailmon-imap-latency-1us=WARNING~SNMP WARNING - latency *"
check "mailmon1: check_snmp asks for the row by probe name" \
    argv_ok "mailmon1!mailmon-imap" /usr/lib/nagios/plugins/check_snmp \
    -p "$SNMPD_PORT" -m MAILMON-MIB \
    'MAILMON-MIB::mailmonProbeStatus."imap",MAILMON-MIB::mailmonProbeReason."imap"'

# ---- 3. Dovecot stops -----------------------------------------------------------

t_stop=$(date +%s)
"$FX/dovecot.sh" stop "$W" > /dev/null 2>&1
# while Dovecot shuts down a check may see "connection reset": the
# states must settle on "connection refused"
check "Dovecot stopped: pop3, imap, delivery and mailmon's imap and pop3 rows CRITICAL" \
    status_wait --after "$t_stop" "mail1!mailprobe-pop3=CRITICAL~connection refused" \
    "mail1!mailprobe-imap=CRITICAL~connection refused" \
    "mail1!mailprobe-delivery=CRITICAL~DELIVERY CRITICAL - " \
    "mailmon1!mailmon-imap=CRITICAL~SNMP CRITICAL - status *3* reason 127.0.0.1: connection refused" \
    "mailmon1!mailmon-pop3-oid=CRITICAL~connection refused"
check "Postfix still up: mail1's smtp stays OK" \
    status_wait --after "$t_stop" "mail1!mailprobe-smtp=OK"
check "icinga2.log: no warning or error in the whole run (arguments, timeouts)" \
    quiet "$W/icinga2/var/log/icinga2.log"

finish

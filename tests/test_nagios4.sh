#!/usr/bin/env bash
# test_nagios4.sh - conf/nagios/commands.cfg and services.cfg in a real
# Nagios Core 4 (Debian's nagios4-core), checking real Dovecot and
# Postfix through mailprobe's check_* names and mailmond's table through
# monitoring-plugins' check_snmp and a real snmpd.
#
# 1. Both files, unchanged, with a host of each template, pass
#    `nagios4 -v` inside a copy of Debian's stock /etc/nagios4
#    configuration, which also reads /etc/nagios-plugins/config: no name
#    collides, no warning.
# 2. A private Nagios (intervals of 2 s) loads the same two files and a
#    hosts file: mail1 (the fixtures, right password and recipient),
#    mail2 (wrong password, unknown recipient) and mailmon1 (the snmpd
#    whose subagent is mailmond, probing the same servers).  Its
#    status.dat must show every service in its expected state: OK for
#    mail1 and mailmon1; WARNING for mail2's refused recipient and for a
#    latency threshold of 1 us; CRITICAL for mail2's logins.
# 3. Dovecot stops: mail1's POP3 and IMAP services and mailmon1's rows
#    for imap (by name) and pop3 (numeric OID) turn CRITICAL with the
#    reason in the output, logged as HARD SERVICE ALERTs; SMTP stays OK.
#
# Needs root (the Postfix master; Nagios switches to the user nagios).
# Exits 77 (skip) only when a program is missing and CI is not "true".

# helpers run through check, wait_until and the exit trap
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
export PORT_OFFSET=$((1000 + ${MM_PORT_SHIFT:-0}))
export TLS_CERT=server
# shellcheck source=daemon_lib.sh
. "$top_srcdir/tests/daemon_lib.sh"

integration_gate
(( EUID == 0 )) || skip "needs root (Postfix master)"
need snmpd snmptrapd snmpget dovecot postfix ss setpriv "$PY"
[[ -x /usr/sbin/nagios4 ]] || skip "nagios4 not installed (tests/install-deps.sh)"
[[ -x /usr/lib/nagios/plugins/check_snmp ]] ||
    skip "check_snmp not installed (tests/install-deps.sh)"
[[ -x $MAILMOND && -x $MP ]] || skip "mailmond or mailprobe not built"
BASE=${MAILMON_BASE_MIBS:-${MM_NPM_PREFIX:-/opt/mailmon-npm}/mibs}
[[ -e $BASE/SNMPv2-SMI ]] || skip "IETF MIB modules not in $BASE (tests/install-deps.sh)"

FX=$DL_FIX
CFG=$top_srcdir/conf/nagios
STATUS=$top_srcdir/tests/nagios/status.py
export SERVICES="dovecot postfix snmpd"

workdir /tmp/mm-ng.XXXX cleanup
M=$W/mm
mkdir -p "$M" "$W/libexec"
chown nobody "$M"
MMPID=
LOG=$M/mailmond.log
ST=$W/nagios/var/status.dat

cleanup() {
	if [[ -n $MMPID ]] && proc_running "$MMPID"; then
		kill -TERM "$MMPID" 2>/dev/null
		wait "$MMPID" 2>/dev/null
	fi
	if (( fail > 0 )); then
		echo "---- nagios.log (tail) ----"
		tail -n 30 "$W/nagios/var/nagios.log" 2>/dev/null
		echo "---- mailmond log (tail) ----"
		tail -n 20 "$LOG" 2>/dev/null
	fi
	"$FX/nagios.sh" stop "$W" >/dev/null 2>&1
	"$FX/servers.sh" stop "$W" >/dev/null 2>&1
}

status_wait() {	# status_wait [--after EPOCH] NAME=STATE[~TEXT]...
	local after=()
	[[ $1 == --after ]] && { after=(--after "$2"); shift 2; }
	"$PY" "$STATUS" "$ST" --timeout 40 "${after[@]}" --wait "$@" > "$W/status.out" 2>&1
	local rc=$?
	sed 's/^/     /' "$W/status.out"
	return $rc
}
output_of() { awk -v k="$1" 'index($0, k " ") == 1' "$W/status.out"; }
output_has() { [[ $(output_of "$1") == *"$2"* ]]; }

# ---- the files, mailprobe's names, the password files --------------------

# Nagios runs its checks as the user nagios, who may not reach the
# build tree or the checkout (a clone under /root): copies in W
cp "$MP" "$W/libexec/mailprobe"
for n in check_pop check_imap check_smtp; do ln -s mailprobe "$W/libexec/$n"; done
mkdir -p "$W/mibs"
cp "$top_srcdir/mibs/MAILMON-MIB.txt" "$W/mibs/"
printf '%s\n' "$MAIL_PASS" > "$W/mail.pw"
printf 'not-%s\n' "$MAIL_PASS" > "$W/wrong.pw"
chown root:nagios "$W/mail.pw" "$W/wrong.pw"
chmod 0640 "$W/mail.pw" "$W/wrong.pw"

hosts_cfg() {	# hosts_cfg FILE SNMP_PORT
	cat > "$1" <<EOF
define host {
    use                     mailmon-mail-server
    host_name               mail1
    address                 127.0.0.1
    _SMTP_PORT              $SMTP_PORT
    _POP3_PORT              $POP3_PORT
    _IMAP_PORT              $IMAP_PORT
    _MAILPROBE_OPTIONS      --ca-file $W/certs/ca.crt -t 10
    _PROBE_USER             $MAIL_USER
    _PROBE_PASSWORD_FILE    $W/mail.pw
    _PROBE_FROM             probe@$MAIL_DOMAIN
    _PROBE_RCPT             $MAIL_USER@$MAIL_DOMAIN
}
define host {
    use                     mailmon-mail-server
    host_name               mail2
    address                 127.0.0.1
    _SMTP_PORT              $SMTP_PORT
    _POP3_PORT              $POP3_PORT
    _IMAP_PORT              $IMAP_PORT
    _MAILPROBE_OPTIONS      --ca-file $W/certs/ca.crt -t 10
    _PROBE_USER             $MAIL_USER
    _PROBE_PASSWORD_FILE    $W/wrong.pw
    _PROBE_FROM             probe@$MAIL_DOMAIN
    _PROBE_RCPT             nosuchuser@$MAIL_DOMAIN
}
define host {
    use                     mailmon-agent
    host_name               mailmon1
    address                 127.0.0.1
    _SNMP_PORT              $2
}
define service {
    use                     generic-service
    host_name               mailmon1
    service_description     mailmon imap latency over 1 us
    check_command           check_mailmon_latency!imap!1!2000000
}
EOF
}

# ---- 1. Debian's stock configuration -----------------------------------------

S=$W/stock
if [[ -r /etc/nagios4/nagios.cfg ]]; then
	mkdir -p "$S/conf.d"
	sed -e "s#^cfg_dir=/etc/nagios4/conf.d\$#cfg_dir=$S/conf.d#" \
	    -e "s#^resource_file=.*#resource_file=$S/resource.cfg#" \
	    /etc/nagios4/nagios.cfg > "$S/nagios.cfg"
	{ cat /etc/nagios4/resource.cfg; echo "\$USER2\$=$W/libexec"; } > "$S/resource.cfg"
	cp "$CFG/commands.cfg" "$CFG/services.cfg" "$S/conf.d/"
	hosts_cfg "$S/conf.d/hosts.cfg" 161
	chmod -R a+rX "$S"
	/usr/sbin/nagios4 -v "$S/nagios.cfg" > "$S/verify.out" 2>&1
	rc=$?
	check "stock Debian nagios.cfg + conf/nagios: nagios4 -v exits 0" test "$rc" = 0
	check "stock Debian nagios.cfg + conf/nagios: 0 warnings, 0 errors" \
	    grep -qzE 'Total Warnings: 0.*Total Errors: +0' "$S/verify.out"
	(( fail == 0 )) || grep -E 'Error|Warning' "$S/verify.out" | head -n 5 | sed 's/^/     /'
else
	ko "/etc/nagios4/nagios.cfg missing (nagios4-core's configuration)"
fi

# ---- 2. servers, mailmond, Nagios ------------------------------------------

dl_servers_mailmond

mkdir -p "$W/nagios/conf.d"
cp "$CFG/commands.cfg" "$CFG/services.cfg" "$W/nagios/conf.d/"
hosts_cfg "$W/nagios/conf.d/hosts.cfg" "$SNMPD_PORT"
# check_snmp's snmpget finds MAILMON-MIB and its imports the way
# README tells: a "mibdirs" line in snmp.conf (here a private one)
mkdir -p "$W/snmpconf" "$W/snmppersist"
printf 'mibdirs +%s:%s\n' "$W/mibs" "$BASE" > "$W/snmpconf/snmp.conf"
chown nagios "$W/snmppersist"
chmod -R a+rX "$W/snmpconf"
if ! SNMPCONFPATH=$W/snmpconf SNMP_PERSISTENT_DIR=$W/snmppersist \
    NAGIOS_USER2=$W/libexec "$FX/nagios.sh" start "$W" > "$W/nagios.out" 2>&1; then
	cat "$W/nagios.out"
	abort "nagios did not start"
fi
check "private nagios.cfg + conf/nagios: 0 warnings, 0 errors" \
    grep -qzE 'Total Warnings: 0.*Total Errors: +0' "$W/nagios/verify.out"
check "Nagios runs as the user nagios" \
    test "$(ps -o user= -p "$(cat "$W/nagios/nagios.pid")")" = nagios

check "mail1: every service OK" status_wait \
    "mail1/SMTP=OK" "mail1/SMTP recipient=OK" "mail1/POP3=OK" \
    "mail1/POP3 login=OK" "mail1/IMAP=OK" "mail1/IMAP login=OK"
check "mail1: the lines are mailprobe's" bash -c '
	[[ $(grep "^mail1/SMTP recipient " "$1") == *"SMTP OK - "* &&
	   $(grep "^mail1/IMAP login " "$1") == *"IMAP OK - "* ]]' _ "$W/status.out"
check "mail2: refused recipient WARNING, wrong password CRITICAL" status_wait \
    "mail2/SMTP recipient=WARNING" "mail2/POP3 login=CRITICAL" \
    "mail2/IMAP login=CRITICAL" "mail2/SMTP=OK"
check "mail2: the login failure is named" output_has "mail2/IMAP login" "IMAP CRITICAL"
check "mailmon1: the rows by name, by numeric OID, latency: OK" status_wait \
    "mailmon1/mailmon smtp=OK" "mailmon1/mailmon imap=OK" \
    "mailmon1/mailmon pop3=OK" "mailmon1/mailmon imap latency=OK"
check "mailmon1: check_snmp shows status 1 and the reason" \
    output_has "mailmon1/mailmon imap" "SNMP OK - status 1 reason "
check "mailmon1: latency above a 1 us warning threshold is WARNING" \
    status_wait "mailmon1/mailmon imap latency over 1 us=WARNING"

# the numeric index in services.cfg is what the one-liner of commands.cfg prints
n=pop3
index=${#n}$(printf %s "$n" | od -An -tu1 -w32 | tr -s ' ' .)
check "the index one-liner of commands.cfg gives $index for pop3" bash -c '
	grep -qF "od -An -tu1 -w32 | tr -s" "$1/commands.cfg" &&
	grep -q "check_mailmon_status_oid!$2\$" "$1/services.cfg"' _ "$CFG" "$index"

# ---- 3. Dovecot stops -----------------------------------------------------------

t_stop=$(date +%s)
"$FX/dovecot.sh" stop "$W" > /dev/null 2>&1
# while Dovecot shuts down a check may see "connection reset": the
# states must settle on "connection refused"
check "Dovecot stopped: POP3, IMAP and mailmon's imap and pop3 rows CRITICAL" \
    status_wait --after "$t_stop" "mail1/POP3=CRITICAL~connection refused" \
    "mail1/IMAP=CRITICAL~connection refused" "mail1/IMAP login=CRITICAL" \
    "mailmon1/mailmon imap=CRITICAL~SNMP CRITICAL - status *3* reason 127.0.0.1: connection refused" \
    "mailmon1/mailmon pop3=CRITICAL~connection refused"
check "Postfix still up: mail1/SMTP stays OK" status_wait --after "$t_stop" "mail1/SMTP=OK"
check "nagios.log: HARD SERVICE ALERT for mailmon1's imap row" \
    grep -q 'SERVICE ALERT: mailmon1;mailmon imap;CRITICAL;HARD;' "$W/nagios/var/nagios.log"

finish

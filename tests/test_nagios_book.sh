#!/usr/bin/env bash
# test_nagios_book.sh -- the Nagios book's mail command definitions, run
# verbatim (tests/nagios/book-commands.cfg) through the real
# monitoring-plugins and through mailprobe's check_* names, against the
# real Dovecot and Postfix fixtures.
#
# Each case names a check_command as a service would ("cmd!arg1!arg2"),
# the status monitoring-plugins 2.3.3 gives and the status mailprobe must
# give.  Where they agree, mailprobe must give the plugin's status as
# measured in this run; where the plugin is wrong (a definition copied
# with typographic dashes checks the greeting alone, so a wrong password
# or a refused recipient is OK to it) the plugin's wrong status is
# asserted too, so this test notices if the plugin ever changes.
#
# Needs root (the Postfix master).  Outside CI: exit 77 when a server or
# the plugins are missing; under CI=true that is a failure.
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
FX=$top_srcdir/tests/fixtures
CFG=$top_srcdir/tests/nagios/book-commands.cfg
EXPAND=$top_srcdir/tests/nagios/expand.py
PLUGINS=${NAGIOS_PLUGINS:-/usr/lib/nagios/plugins}

export PORT_OFFSET=$((700 + ${MM_PORT_SHIFT:-0}))
export TLS_CERT=server
export MAIL_PASS="bkPw${RANDOM}x${RANDOM}"
WRONG="bkBad${RANDOM}y${RANDOM}"
# shellcheck source=fixtures/lib.sh
. "$FX/lib.sh"

integration_gate
(( EUID == 0 )) || skip "needs root (Postfix master)"
need dovecot postfix "$PY" timeout
[[ -x $PLUGINS/check_tcp && -x $PLUGINS/check_smtp ]] ||
    skip "monitoring-plugins not installed (tests/install-deps.sh)"
[[ -x $MP ]] || abort "$MP not built"

workdir /tmp/mm-book.XXXX cleanup
T=$W/t
mkdir -p "$T/ours"
export SERVICES="dovecot postfix"
cleanup() { "$FX/servers.sh" stop "$W" >/dev/null 2>&1; }

if ! "$FX/servers.sh" start "$W" > "$T/start.log" 2>&1; then
	cat "$T/start.log"
	abort "servers did not start"
fi
for n in check_pop check_imap check_smtp; do ln -s "$MP" "$T/ours/$n"; done

U=$MAIL_USER D=$MAIL_DOMAIN
# check_command | plugin status | mailprobe status | why they differ
CASES=(
"check_pop|0|0|"
"check_pop3_login!$U!$MAIL_PASS|0|0|"
"check_pop3_login!$U!$WRONG|1|1|"
"check_imap|0|0|"
"check_imap_login!$U!$MAIL_PASS|0|0|"
"check_imap_login!$U!$WRONG|1|1|"
"check_smtp|0|0|"
"check_smtp_rcpt!probe@$D!$U@$D|0|0|"
"check_smtp_rcpt!probe@$D!nosuchuser@$D|1|1|"
"check_pop3_login_copied!$U!$MAIL_PASS|0|0|"
"check_pop3_login_copied!$U!$WRONG|0|1|the plugin stops at '–s' and checks the greeting alone"
"check_imap_login_copied!$U!$MAIL_PASS|0|0|"
"check_imap_login_copied!$U!$WRONG|0|1|the plugin stops at '–E' and checks the greeting alone"
"check_smtp_rcpt_copied!probe@$D!$U@$D|0|0|"
"check_smtp_rcpt_copied!probe@$D!nosuchuser@$D|0|1|the plugin stops at '–C' and never asks RCPT TO"
)

port_for() {
	case $1 in
	check_pop*) echo "$POP3_PORT" ;;
	check_imap*) echo "$IMAP_PORT" ;;
	*) echo "$SMTP_PORT" ;;
	esac
}

# run both sides of every case at once: the -d 5 cases take 5 s each
i=0
for c in "${CASES[@]}"; do
	IFS='|' read -r cmd _ _ _ <<< "$c"
	port=$(port_for "$cmd")
	for side in theirs ours; do
		dir=$PLUGINS
		[[ $side == ours ]] && dir=$T/ours
		line=$("$PY" "$EXPAND" "$CFG" "$cmd" "$dir" 127.0.0.1 "$port") ||
		    abort "cannot expand $cmd"
		printf '%s\n' "$line" > "$T/$i.$side.cmd"
		( timeout 30 sh -c "$line" > "$T/$i.$side.out" 2>&1 < /dev/null
		  echo $? > "$T/$i.$side.rc" ) &
	done
	i=$((i + 1))
done
wait

i=0
for c in "${CASES[@]}"; do
	IFS='|' read -r cmd want_theirs want_ours why <<< "$c"
	shown=${cmd//$MAIL_PASS/PASSWORD}
	shown=${shown//$WRONG/WRONGPASSWORD}
	trc=$(cat "$T/$i.theirs.rc") orc=$(cat "$T/$i.ours.rc")
	theirs=$(head -c 300 "$T/$i.theirs.out" | tr '\n' ' ')
	ours=$(head -c 300 "$T/$i.ours.out" | tr '\n' ' ')
	if [[ -z $why ]]; then
		if [[ $orc == "$trc" && $orc == "$want_ours" ]]; then
			ok "$shown: $orc, as monitoring-plugins"
		else
			ko "$shown: mailprobe $orc, monitoring-plugins $trc (want both $want_ours)" \
			    "ours:   ${ours//$MAIL_PASS/PASSWORD}" "theirs: ${theirs//$MAIL_PASS/PASSWORD}"
		fi
	else
		if [[ $orc == "$want_ours" && $trc == "$want_theirs" ]]; then
			ok "$shown: $orc where monitoring-plugins says $trc ($why)"
		else
			ko "$shown: mailprobe $orc (want $want_ours), monitoring-plugins $trc (want $want_theirs)" \
			    "ours:   $ours" "theirs: $theirs"
		fi
	fi
	# the first line of output is the Nagios line, service word first
	check "$shown: one Nagios line" bash -c '[[ $(head -1 "$1") =~ ^(POP|IMAP|SMTP)\ (OK|WARNING|CRITICAL)\ -\  ]]' _ "$T/$i.ours.out"
	check "$shown: no password in mailprobe's output" \
	    bash -c '! grep -qF -e "$1" -e "$2" "$3"' _ "$MAIL_PASS" "$WRONG" "$T/$i.ours.out"
	i=$((i + 1))
done

finish

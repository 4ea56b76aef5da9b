#!/bin/sh
# test_mib.sh - MAILMON-MIB is clean SMIv2 and agrees with the code.
#
#  1. smilint -l 6 prints nothing (and does flag a broken copy);
#  2. Net-SNMP's snmptranslate loads it and resolves the notification,
#     table and scalar OIDs;
#  3. the columns of mailmonProbeEntry, mailmonStatsEntry,
#     mailmonHistoryEntry and mailmonTargetEntry match their enums in
#     src/agent_value.h, and MailmonFailureClass (the syntax of every
#     failure class object) matches enum fail_class (src/taxonomy.h),
#     name by name.
#
# The IETF base modules SNMPv2-SMI, SNMPv2-TC and SNMPv2-CONF are not in
# Debian main; the npm package net-snmp carries them (lib/mibs).  Point
# MAILMON_BASE_MIBS at a directory holding them, or install the package
# with tests/install-deps.sh.
set -u

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"
TL_PASS="ok -"
TL_FAIL="not ok -"
srcdir=$top_srcdir
MIB=$srcdir/mibs/MAILMON-MIB.txt

command -v smilint >/dev/null 2>&1 || skip "smilint not installed (apt-get install smitools)"
command -v snmptranslate >/dev/null 2>&1 || skip "snmptranslate not installed (apt-get install snmp)"

base=
npmroot=$(npm root -g 2>/dev/null || true)
for d in "${MAILMON_BASE_MIBS:-}" \
    "${MM_NPM_PREFIX:-/opt/mailmon-npm}/mibs" \
    "${MM_NPM_PREFIX:-/opt/mailmon-npm}/node_modules/net-snmp/lib/mibs" \
    "${npmroot:-/nonexistent}/net-snmp/lib/mibs" \
    /usr/lib/node_modules/net-snmp/lib/mibs \
    /usr/local/lib/node_modules/net-snmp/lib/mibs \
    /usr/share/snmp/mibs/ietf /usr/share/mibs/ietf; do
	[ -n "$d" ] || continue
	if ls "$d"/SNMPv2-SMI* >/dev/null 2>&1 &&
	    ls "$d"/SNMPv2-TC* >/dev/null 2>&1 &&
	    ls "$d"/SNMPv2-CONF* >/dev/null 2>&1; then
		base=$d
		break
	fi
done
[ -n "$base" ] || skip "SNMPv2-SMI/TC/CONF not found (tests/install-deps.sh, or set MAILMON_BASE_MIBS)"
echo "# base modules from $base"
workdir "${TMPDIR:-/tmp}/mm-mib.XXXXXX"
T=$W

# libsmi finds modules by file name: give it a directory of plain names
mkdir -p "$T/base"
for f in "$base"/*; do
	n=$(basename "$f")
	ln -s "$f" "$T/base/${n%.*}"
done

# ---- 1. smilint -------------------------------------------------------
lint() {
	SMIPATH="$T/base" smilint -c /dev/null -l 6 -s "$1" 2>&1
}
out=$(lint "$MIB")
if [ -z "$out" ]; then
	ok "smilint -l 6 is silent"
else
	ko "smilint -l 6 output:"
	echo "$out" | sed 's/^/#   /'
fi
# the linter really checks: a hyphen in a label and a .0 object must show
sed -e 's/openRelay(17)/open-relay(17)/' \
    -e 's/::= { mailmonObjects 1 }/::= { mailmonObjects 0 }/' "$MIB" > "$T/MAILMON-MIB"
out=$(lint "$T/MAILMON-MIB")
case $out in
*hyphen*zero*|*zero*hyphen*) ok "smilint flags a broken copy" ;;
*) ko "smilint did not flag a broken copy: $out" ;;
esac

# ---- 2. snmptranslate -------------------------------------------------
tr_() {
	MIBS= MIBDIRS= SNMPCONFPATH="$T/nonexistent" \
	    snmptranslate -M "$T/base:$srcdir/mibs" -m MAILMON-MIB "$@" 2>&1
}
check_oid() {
	got=$(tr_ -On "MAILMON-MIB::$1")
	if [ "$got" = "$2" ]; then
		ok "$1 = $2"
	else
		ko "$1: want $2, got $got"
	fi
}
R=.1.3.6.1.4.1.2789.5
check_oid mailmonMIB $R
check_oid mailmonProbeDown $R.0.1
check_oid mailmonProbeUp $R.0.2
check_oid serMailPort.0 $R.1.0
check_oid mailmonProbeCount.0 $R.2.1.0
check_oid mailmonTableLastChange.0 $R.2.2.0
check_oid mailmonProbeTable $R.2.3
check_oid mailmonProbeEntry $R.2.3.1
check_oid mailmonProbeStatus $R.2.3.1.6
# a string index: length, then the bytes
check_oid 'mailmonProbeStatus."smtp1"' $R.2.3.1.6.5.115.109.116.112.49
check_oid mailmonCompliance $R.3.1.1
# the targets of domain probes: where the other tables are not
check_oid mailmonTargetTable $R.2.10
check_oid mailmonTargetEntry $R.2.10.1
check_oid 'mailmonTargetStatus."mx".3' $R.2.10.1.10.2.109.120.3
check_oid mailmonTargetCount.0 $R.2.11.1.0
check_oid mailmonTargetSummaryEntry $R.2.11.2.1
check_oid mailmonTargetSummaryFailed $R.2.11.2.1.4
check_oid mailmonTargetGroup $R.3.2.10
check_oid mailmonFullCompliance $R.3.1.2
check_oid mailmonStatsTable $R.2.4
check_oid mailmonStatsHourAvailability $R.2.4.1.3
check_oid 'mailmonStatsHourAvailability."smtp1"' $R.2.4.1.3.5.115.109.116.112.49
check_oid mailmonHistoryTable $R.2.5
check_oid mailmonHistoryStatus $R.2.5.1.3
# two indexes: the name, then the number
check_oid 'mailmonHistoryStatus."smtp1".7' $R.2.5.1.3.5.115.109.116.112.49.7

# the objects they always had, then the failing targets, then the hour's
# availability: appended, never inserted
for n in mailmonProbeDown mailmonProbeUp; do
	got=$(tr_ -Td MAILMON-MIB::$n | tr -d ' \t\n')
	case $got in
	*OBJECTS\{mailmonProbeHost,mailmonProbeProtocol,mailmonProbeStatus,mailmonProbePrevStatus,mailmonProbeFailureClass,mailmonProbeReason,mailmonProbeReplyText,mailmonProbeLatency,mailmonTargetSummaryFailed,mailmonStatsHourAvailability\}*)
		ok "$n carries host ... latency, the failing targets, the hour's availability" ;;
	*) ko "$n OBJECTS: $got" ;;
	esac
done

# ---- 3. the MIB and the code agree -------------------------------------
# table_cols SEQUENCE PREFIX ENTRYOID ENUM ENUMPREFIX MIN: column names
# from the SEQUENCE, in order; column i must be ENTRYOID.i, and the enum
# in src/agent_value.h must have as many columns
table_cols() {
	cols=$(sed -n "/^$1 ::= SEQUENCE/,/^}/p" "$MIB" |
	    awk -v p="$2" 'index($1, p) == 1 { print $1 }')
	i=0
	bad=
	for c in $cols; do
		i=$((i + 1))
		got=$(tr_ -On "MAILMON-MIB::$c")
		[ "$got" = "$3.$i" ] || bad="$bad $c=$got"
	done
	if [ -z "$bad" ] && [ "$i" -ge "$6" ]; then
		ok "$1: $i columns numbered in SEQUENCE order"
	else
		ko "$1: column numbering:$bad"
	fi
	ncol=$(sed -n "/^enum $4 {/,/^[[:space:]]*$5LAST[[:space:]]*\$/p" \
	    "$srcdir/src/agent_value.h" |
	    grep -c "^[[:space:]]*$5[A-Z0-9]*[, =]")
	if [ "$ncol" -eq "$i" ]; then
		ok "enum $4 has the $i MIB columns"
	else
		ko "enum $4 has $ncol columns, the MIB $i"
	fi
}
table_cols MailmonProbeEntry mailmonProbe $R.2.3.1 agent_col COL_ 20
table_cols MailmonStatsEntry mailmonStats $R.2.4.1 agent_stats_col SCOL_ 20
table_cols MailmonHistoryEntry mailmonHistory $R.2.5.1 agent_hist_col HCOL_ 7

# the same for mailmonTargetEntry and enum agent_tcol
cols=$(sed -n '/^MailmonTargetEntry ::= SEQUENCE/,/^}/p' "$MIB" |
    awk '/mailmonTarget/ { print $1 }')
i=0
bad=
for c in $cols; do
	i=$((i + 1))
	got=$(tr_ -On "MAILMON-MIB::$c")
	[ "$got" = "$R.2.10.1.$i" ] || bad="$bad $c=$got"
done
ncol=$(sed -n '/^enum agent_tcol {/,/^[[:space:]]*TCOL_LAST[[:space:]]*$/p' "$srcdir/src/agent_value.h" |
    grep -c '^[[:space:]]*TCOL_[A-Z]*[, =]' )
if [ -z "$bad" ] && [ "$i" -gt 10 ] && [ "$ncol" -eq "$i" ]; then
	ok "mailmonTargetEntry: $i columns in order, as enum agent_tcol"
else
	ko "target columns:$bad (enum agent_tcol: $ncol, MIB: $i)"
fi

# FAIL_CONNECT_TIMEOUT -> connectTimeout, numbered from 1
want=$(sed -n '/^enum fail_class {/,/FAIL_LAST/p' "$srcdir/src/taxonomy.h" |
    grep -o '^[[:space:]]*FAIL_[A-Z_]*' | grep -v FAIL_LAST |
    sed 's/^[[:space:]]*FAIL_//' |
    awk '{ n = split(tolower($0), w, "_"); s = w[1];
	for (j = 2; j <= n; j++) s = s toupper(substr(w[j], 1, 1)) substr(w[j], 2);
	printf "%s(%d) ", s, NR }')
for o in mailmonProbeFailureClass mailmonStatsLastFailClass \
    mailmonHistoryFailureClass mailmonTargetFailureClass; do
	got=$(tr_ -Td MAILMON-MIB::$o | tr -d '\n' |
	    sed -n 's/.*INTEGER[[:space:]]*{\([^}]*\)}.*/\1/p' | tr -d ' \t' |
	    tr ',' ' ')
	if [ "$(echo $want)" = "$(echo $got)" ] && [ -n "$got" ]; then
		ok "$o matches enum fail_class"
	else
		ko "$o: code [$want] MIB [$got]"
	fi
done

# enum target_dns (TD_NULLMX -> nullMx ...) and mailmonTargetSummaryDns
want=$(sed -n '/^enum target_dns {/,/TD_LAST/p' "$srcdir/src/target.h" |
    grep -o '^[[:space:]]*TD_[A-Z_]*' | grep -v TD_LAST | wc -l)
got=$(tr_ -Td MAILMON-MIB::mailmonTargetSummaryDns |
    sed -n 's/.*INTEGER {\(.*\)}.*/\1/p' | tr ',' '\n' | grep -c '(')
if [ "$want" -gt 5 ] && [ "$want" = "$got" ]; then
	ok "mailmonTargetSummaryDns has the $want values of enum target_dns"
else
	ko "summary DNS values: code $want, MIB $got"
fi

finish

#!/bin/sh
# generate.sh - write conf/snmptt/MAILMON-MIB.conf, snmptt's EVENT/FORMAT
# entries for mailmonProbeDown and mailmonProbeUp, from mibs/MAILMON-MIB.txt.
#
#   conf/snmptt/generate.sh [-o OUTPUT] [MIBDIR...]
#
# MIBDIR: where SNMPv2-SMI, SNMPv2-TC and SNMPv2-CONF are (default
# /opt/mailmon-npm/mibs, where tests/install-deps.sh puts them).
# snmpttconvertmib (package snmptt) resolves each NOTIFICATION-TYPE with
# snmptranslate, so MAILMON-MIB and everything it imports must load.
#
# The FORMAT line comes from the --#TYPE, --#SUMMARY and --#ARGUMENTS hints
# of the MIB; two things are added to what snmpttconvertmib writes:
#
# - the probe's name.  It is no variable binding of its own but the index
#   of every one (length, then one sub-identifier per byte), which no
#   snmptt variable decodes.  A PREEXEC line does, from the name of the
#   first binding ($v1, mailmonProbeHost.<index>, numeric or translated),
#   and the FORMAT line starts with its output, $p1.  snmptt runs PREEXEC
#   through /bin/sh after substituting $v1, which it has reduced to
#   letters, digits and ".:-_", so trap contents cannot reach the shell
#   as code.  The command uses no "*" or "?", which exec_escape would
#   escape.
# - a fixed header instead of snmpttconvertmib's, which holds the date
#   and the input path: the output depends on the MIB alone, so
#   tests/test_snmptt.sh can compare it with the file in the tree.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$here/MAILMON-MIB.conf
if [ "${1:-}" = -o ]; then
	out=${2:?usage: $0 [-o OUTPUT] [MIBDIR...]}
	shift 2
fi
[ $# -gt 0 ] || set -- /opt/mailmon-npm/mibs
dirs=$top/mibs
for d in "$@"; do dirs=$dirs:$d; done

command -v snmpttconvertmib >/dev/null 2>&1 ||
    PATH=$PATH:/usr/sbin
command -v snmpttconvertmib >/dev/null 2>&1 || {
	echo "generate.sh: snmpttconvertmib not found (apt-get install snmptt)" >&2
	exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The name from $v1: drop the column's OID (numeric) or everything up
# to the column's name (translated), then the length; each remaining
# sub-identifier is one byte.
cat > "$tmp/preexec" <<'EOF'
printf '%b' "$(printf '\\0%o' $(echo $v1 | sed -e 's/^\.1\.3\.6\.1\.4\.1\.2789\.5\.2\.3\.1\.2\.//' -e 's/^.\{0,200\}mailmonProbeHost\.//' | cut -d. -f2- | tr . ' '))"
EOF

# SNMPCONFPATH: no snmp.conf of this machine ("mibs :" on Debian) decides
# which modules load
if ! (cd "$top" && SNMPCONFPATH=$tmp MIBDIRS=$dirs MIBS=MAILMON-MIB \
    snmpttconvertmib --in=mibs/MAILMON-MIB.txt --out="$tmp/conf" \
    --no_variables --preexec_file="$tmp/preexec") > "$tmp/log" 2>&1 ||
    [ "$(grep -c '^EVENT' "$tmp/conf" 2>/dev/null)" != 2 ]; then
	cat "$tmp/log" >&2
	echo "generate.sh: no EVENT lines for both notifications; are" \
	    "SNMPv2-SMI/-TC/-CONF in $*?" >&2
	exit 1
fi

version=$(sed -n 's/^MIB: MAILMON-MIB .* using snmpttconvertmib \(v[0-9.]*\)$/\1/p' "$tmp/conf")
{
	echo "# MAILMON-MIB.conf - snmptt EVENT definitions for the notifications of"
	echo "# MAILMON-MIB (mailmond), made from mibs/MAILMON-MIB.txt by"
	echo "# snmpttconvertmib ${version:-?} through conf/snmptt/generate.sh: edit the MIB"
	echo "# or that script, not this file."
	echo "#"
	echo "# One line per notification, e.g."
	echo "#   mailmon probe down: imap (imap 192.0.2.7) is critical, was ok; refused: ..."
	echo "# Status, protocol and failure class show as numbers unless snmptt"
	echo "# translates them (net_snmp_perl_enable = 1 and MAILMON-MIB loadable)."
	echo "# Needs pre_exec_enable = 1 (the default) and numeric OIDs from"
	echo "# snmptrapd (-On, or \"outputOption n\" in snmptrapd.conf)."
	grep -v '^MIB: MAILMON-MIB ' "$tmp/conf" |
	    sed 's/^FORMAT mailmon probe \(down\|up\): /FORMAT mailmon probe \1: $p1 /'
} > "$tmp/new"
mv "$tmp/new" "$out"

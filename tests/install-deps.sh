#!/usr/bin/env bash
# install-deps.sh [--no-mibs] -- every Debian 12 package the build and all
# tests need, and the IETF MIB modules.  Run as root; idempotent (a second
# run only checks, in a second or two, unless something is missing).  Starts
# no system service.
#
#   sudo tests/install-deps.sh              build, tests, MIB modules (see below)
#   sudo tests/install-deps.sh --no-mibs    the same without the MIB modules
#
# This is the ONE list of packages: CI (.ci/run), tests/run.sh and demo.sh
# all call it.  Add a package here, never in a test script.
#
# MIB modules (skipped with --no-mibs or MM_NPM_MIBS=0; --npm-mibs, the old
# way to ask for them, is still accepted): the Net-SNMP tools print
# MAILMON-MIB names (snmptable, snmpwalk, snmptt, check_snmp -m) only when
# they can load the modules it imports, SNMPv2-SMI, SNMPv2-TC and
# SNMPv2-CONF.  Debian ships the IETF SMIv2 modules only in the non-free
# snmp-mibs-downloader, which fetches from the internet at install time.
# The npm package "net-snmp" carries them as plain files; this installs it
# with npm into $MM_NPM_PREFIX (default /opt/mailmon-npm) and links the
# modules under their module names into $MM_NPM_PREFIX/mibs, for smilint -p
# and for Net-SNMP's -M / MIBDIRS.  Tests that need them look there (and
# fail under CI=true if it is missing).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
(( EUID == 0 )) || { echo "install-deps: run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

npm_mibs=${MM_NPM_MIBS:-1}
for a in "$@"; do
	case $a in
	--npm-mibs) npm_mibs=1 ;;
	--no-mibs) npm_mibs=0 ;;
	*) echo "usage: $0 [--no-mibs]" >&2; exit 2 ;;
	esac
done
NPM_PREFIX=${MM_NPM_PREFIX:-/opt/mailmon-npm}

PKGS=(
	# build (configure.ac: pkg-config libssl libcares cmocka; agent: net-snmp)
	build-essential autoconf automake libtool pkg-config make
	libssl-dev libc-ares-dev libcmocka-dev libsnmp-dev
	# fuzzers (-fsanitize=fuzzer) and leak checks
	clang libclang-rt-14-dev valgrind
	# tools the test scripts use
	openssl ca-certificates python3 iproute2 procps util-linux
	# a second SNMP manager for the walks of test_history.sh
	python3-pysnmp4
	# real servers (tests/fixtures): IMAP/POP3/LMTP/SASL, MTA, SNMP master + traps
	dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd
	postfix
	snmpd snmptrapd snmp smitools
	# DNS server for the domain probe tests (fixtures/unbound.sh); its
	# system service is kept from starting like the others
	unbound
	# SMTP test client; its TLS/IPv6 modules are only Recommends
	swaks libnet-ssleay-perl libio-socket-inet6-perl
	# peer comparisons: check_smtp/pop/imap/simap/spop (-basic), check_snmp (-standard)
	monitoring-plugins-basic monitoring-plugins-standard
	# the managers of README's "Using mailmon with your manager": Nagios
	# Core alone (the "nagios4" metapackage would add the CGIs, Apache
	# and PHP; nagios4-common's bsd-mailx wants an MTA, which postfix in
	# this same apt-get call provides, else apt adds exim4), and snmptt
	# (pulls libsnmp-perl, whose Net-SNMP module it translates with)
	nagios4-core snmptt
	# Icinga 2 (test_icinga2.sh runs a private instance): the daemon and
	# its ITL (icinga2-bin, -common), without the documentation and
	# without a system instance (its postinst starts the service: kept
	# from starting and disabled below like the others)
	icinga2
	# the Debian package (tests/deb/run.sh): dpkg-buildpackage (dpkg-dev,
	# with build-essential) runs dh; lintian judges the result; strace
	# traces the installed daemon; systemd brings systemd-analyze, which
	# needs man(1) for the unit's Documentation=.  adduser is the
	# package's own dependency, installed here so that apt-get install
	# pulls in nothing the purge would leave behind.
	debhelper lintian strace systemd man-db adduser
	# test_zabbix.sh: a Zabbix 6.0 server on its own PostgreSQL cluster,
	# the frontend's API under php -S.  php8.2-cgi satisfies php8.2's
	# "libapache2-mod-php8.2 | php8.2-fpm | php8.2-cgi" without Apache.
	postgresql zabbix-server-pgsql zabbix-frontend-php
	php-cli php-pgsql php8.2-cgi
)

# 1. Package maintainer scripts would start the *system* daemons (dovecot,
#    snmpd, postfix) on their standard ports wherever invoke-rc.d works.  A
#    policy-rc.d that exits 101 forbids that; whatever was there before is
#    put back on exit.
POLICY=/usr/sbin/policy-rc.d
backup=""
if [[ -e $POLICY ]]; then backup=$(mktemp); cp -p "$POLICY" "$backup"; fi
restore_policy() {
	if [[ -n $backup ]]; then cp -p "$backup" "$POLICY"; rm -f "$backup"
	else rm -f "$POLICY"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# installed by mailmon tests/install-deps.sh for the duration of the install\nexit 101\n' > "$POLICY"
chmod 0755 "$POLICY"

# 2. Postfix "No configuration": no /etc/postfix/main.cf, so the system
#    instance stays inert; the tests run their own instance (fixtures/postfix.sh).
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

missing=()
for p in "${PKGS[@]}"; do installed "$p" || missing+=("$p"); done
updated=0
if (( ${#missing[@]} )); then
	echo "install-deps: installing ${missing[*]}"
	apt-get update -q
	updated=1
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# 3. If a system instance was started anyway (systemd ignores policy-rc.d on
#    some setups), stop and disable it: only hygiene, the test instances use
#    other ports.
if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
	systemctl disable --now dovecot snmpd snmptrapd postfix unbound \
		    unbound-resolvconf nagios4 icinga2 snmptt zabbix-server postgresql >/dev/null 2>&1 || true
fi

# 4. Exim as the second MTA.  exim4-daemon-* and postfix conflict (both are
#    mail-transport-agent), so fixtures/exim.sh downloads the .deb and
#    unpacks it under /opt/exim4-deb; `apt-get download` needs package lists.
if ! [[ -x /opt/exim4-deb/usr/sbin/exim4 ]] && ! command -v exim4 >/dev/null; then
	(( updated )) || apt-get update -q
	updated=1
fi
"$HERE/fixtures/exim.sh" install

# 5. IETF MIB modules from the npm package net-snmp.
if (( npm_mibs )); then
	if ! command -v npm >/dev/null; then
		(( updated )) || apt-get update -q
		apt-get install -y -q --no-install-recommends nodejs npm
	fi
	src=$NPM_PREFIX/node_modules/net-snmp/lib/mibs
	if ! [[ -s $src/SNMPv2-SMI.mib ]]; then
		mkdir -p "$NPM_PREFIX"
		# the system CA bundle: it holds any local TLS-inspecting proxy's
		# CA, which a distribution npm's own list would not
		cafile=()
		[[ -s /etc/ssl/certs/ca-certificates.crt ]] &&
			cafile=(--cafile /etc/ssl/certs/ca-certificates.crt)
		npm install --loglevel=error --no-audit --no-fund "${cafile[@]}" \
			--prefix "$NPM_PREFIX" net-snmp
	fi
	[[ -s $src/SNMPv2-SMI.mib ]] || { echo "install-deps: net-snmp has no $src/SNMPv2-SMI.mib" >&2; exit 1; }
	# libsmi and Net-SNMP find a module by its name: link FOO.mib as FOO
	mkdir -p "$NPM_PREFIX/mibs"
	for f in "$src"/*.mib; do
		ln -sfn "$f" "$NPM_PREFIX/mibs/$(basename "$f" .mib)"
	done
	# and let a plain "smilint -l 6 mibs/MAILMON-MIB.txt" find them too:
	# libsmi reads /etc/smi.conf, where a leading ':' appends to its
	# built-in path (whose IETF directories Debian leaves empty).
	if ! grep -qsF "$NPM_PREFIX/mibs" /etc/smi.conf; then
		printf '# added by mailmon tests/install-deps.sh\npath :%s\n' \
		    "$NPM_PREFIX/mibs" >> /etc/smi.conf
	fi
	echo "install-deps: IETF MIB modules in $NPM_PREFIX/mibs"
fi
echo "install-deps: done"

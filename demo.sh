#!/usr/bin/env bash
# demo.sh - install, build and run mailmond on its demo configuration.
#
#   sudo ./demo.sh
#
# Everything stays on this machine: the demo starts its own throwaway
# Postfix, Dovecot and Net-SNMP master agent (snmpd + snmptrapd) on
# 127.0.0.1 high ports under /tmp/mailmon-demo, then runs mailmond in the
# foreground with conf/demo.conf.  A second terminal can watch it:
#
#   snmpwalk -v2c -c public 127.0.0.1:11161 .1.3.6.1.4.1.2789.5
#   tail -f /tmp/mailmon-demo/snmp/traps.log
#
# Ctrl-C stops mailmond and every server the demo started.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
W=${DEMO_DIR:-/tmp/mailmon-demo}

(( EUID == 0 )) || { echo "demo.sh: run as root (it installs packages and starts Postfix)" >&2; exit 1; }
bash tests/install-deps.sh
[ -x configure ] || ./autogen.sh
mkdir -p build
( cd build && { [ -f Makefile ] || "$top/configure" -q; } && make -s -j"$(nproc)" )

mkdir -p "$W"; chmod 0755 "$W"
cleanup() { tests/fixtures/servers.sh stop "$W" >/dev/null 2>&1 || true; }
trap cleanup EXIT
SERVERS="dovecot postfix snmpd" tests/fixtures/servers.sh start "$W"

# show the table once the first probes have run
(
	# first runs are spread over the 10 s interval of the demo
	sleep 15
	echo "---- snmpwalk of MAILMON-MIB (numeric OIDs) ----"
	MIBS= snmpwalk -v2c -c public -On 127.0.0.1:11161 .1.3.6.1.4.1.2789.5 | head -n 60 || true
	echo "---- serMailPort (0 = every server OK) ----"
	MIBS= snmpget -v2c -c public -On 127.0.0.1:11161 .1.3.6.1.4.1.2789.5.1.0 || true
	echo "---- (mailmond keeps running: Ctrl-C to stop) ----"
) &

# a checkout made under umask 002 leaves it group-writable, which
# mailmond refuses for a file that holds passwords
chmod go-w conf/demo.conf
build/src/mailmond -f -Le -x "$W/snmp/agentx.sock" -c conf/demo.conf

#!/usr/bin/env bash
# demo.sh - install, build and run mailmond on its demo configuration.
#
#   sudo ./demo.sh
#
# Everything stays on this machine: the demo starts its own throwaway
# Postfix, Dovecot and Net-SNMP master agent (snmpd + snmptrapd) on
# 127.0.0.1 high ports under /tmp/mailmon-demo, then runs mailmond in the
# foreground with conf/demo.conf.  Once every probe has a state it prints
# the table by MAILMON-MIB names and the commands that show it again from
# a second terminal.  Ctrl-C stops mailmond and every server the demo
# started.
#
# Env (for tests/test_demo.sh; the defaults are the demo):
#   DEMO_DIR=DIR       work directory instead of /tmp/mailmon-demo
#   PORT_OFFSET=N      shift every port (tests/fixtures/lib.sh)
#   DEMO_INSTALL=0     do not run tests/install-deps.sh
#   DEMO_BUILD=DIR     use the programs built in DIR, build nothing
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
W=${DEMO_DIR:-/tmp/mailmon-demo}
export PORT_OFFSET=${PORT_OFFSET:-0}
MIBDIRS_DEMO=${MM_NPM_PREFIX:-/opt/mailmon-npm}/mibs:$top/mibs

(( EUID == 0 )) || { echo "demo.sh: run as root (it installs packages and starts Postfix)" >&2; exit 1; }
[[ ${DEMO_INSTALL:-1} == 0 ]] || bash tests/install-deps.sh
if [[ -n ${DEMO_BUILD:-} ]]; then
	build=$DEMO_BUILD
else
	build=$top/build
	[ -x configure ] || ./autogen.sh
	mkdir -p build
	( cd build && { [ -f Makefile ] || "$top/configure" -q; } && make -s -j"$(nproc)" )
fi

mkdir -p "$W"; chmod 0755 "$W"
cleanup() { tests/fixtures/servers.sh stop "$W" >/dev/null 2>&1 || true; }
trap cleanup EXIT
SERVERS="dovecot postfix snmpd" tests/fixtures/servers.sh start "$W"
. tests/fixtures/lib.sh
AGENT=127.0.0.1:$SNMPD_PORT

# a checkout made under umask 002 leaves it group-writable, which
# mailmond refuses for a file that holds passwords
chmod go-w conf/demo.conf
CONF=conf/demo.conf
if [[ $W != /tmp/mailmon-demo || $PORT_OFFSET != 0 ]]; then
	# the same probes on the shifted ports and paths
	CONF=$W/demo.conf
	awk -v off="$PORT_OFFSET" -v dir="$W" '{
		gsub("/tmp/mailmon-demo", dir)
		for (i = 1; i < NF; i++)
			if ($i == "--port" || $i == "--mbox-port") $(i + 1) += off
		print
	}' conf/demo.conf > "$CONF"
	chmod 0644 "$CONF"
fi

# the commands a user types; the demo runs them too, so what it shows is
# what they show
watch_lines() {
	cat <<EOF
M=$MIBDIRS_DEMO
snmptable -v2c -c public -M +\$M -m MAILMON-MIB -Cb -Ci -Cw 120 $AGENT mailmonProbeTable
snmpwalk -v2c -c public -M +\$M -m MAILMON-MIB $AGENT mailmonProbeReason
snmpget -v2c -c public -M +\$M -m MAILMON-MIB $AGENT serMailPort.0
EOF
}

# show the table once every probe has a state
(
	M=$MIBDIRS_DEMO
	# first runs are spread over each probe's interval (the round trip's
	# is 30 s); unknown(4) until a probe's first state
	for ((i = 0; i < 60; i++)); do
		sleep 2
		st=$(snmpwalk -v2c -c public -M "+$M" -m MAILMON-MIB -Oqv "$AGENT" \
		    mailmonProbeStatus 2>/dev/null) || continue
		[[ -n $st && $st != *unknown* ]] && break
	done
	echo "---- MAILMON-MIB::mailmonProbeTable ----"
	snmptable -v2c -c public -M "+$M" -m MAILMON-MIB -Cb -Ci -Cw 120 "$AGENT" \
	    mailmonProbeTable || true
	echo "---- serMailPort (0 = every probe ok) ----"
	snmpget -v2c -c public -M "+$M" -m MAILMON-MIB "$AGENT" serMailPort.0 || true
	echo "---- watch it from another terminal (prefix with \"watch -n 5\" to repeat) ----"
	watch_lines
	echo "tail -f $W/snmp/traps.log"
	echo "---- (mailmond keeps running: Ctrl-C to stop) ----"
) &

"$build/src/mailmond" -f -Le -x "$W/snmp/agentx.sock" -c "$CONF"

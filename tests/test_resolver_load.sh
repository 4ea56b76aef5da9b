#!/usr/bin/env bash
# test_resolver_load.sh -- c-ares is loaded only when a name is to be
# resolved (src/cares.h): a check of an address, what monitoring
# systems pass most often ($HOSTADDRESS$), never maps it, a check of a
# name loads it and resolves.  The dynamic loader says what it maps
# (LD_DEBUG=files).  The target is a loopback port nothing listens on.
set -uo pipefail

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"

need "$PY"
[[ -x $MP ]] || abort "$MP not built"
workdir /tmp/mm-cares.XXXXXX

# a loopback port nobody listens on: bound, then closed
PORT=$("$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

# run_mp NAME HOST: mailprobe smtp at HOST:PORT; W/NAME.out, W/NAME.ld
run_mp() {
	LD_DEBUG=files LD_DEBUG_OUTPUT=$W/$1.ld "$MP" smtp -H "$2" -p "$PORT" \
	    -t 5 > "$W/$1.out" 2> "$W/$1.err"
	echo $? > "$W/$1.rc"
}
loaded() { cat "$W/$1".ld.* 2>/dev/null | grep -q 'file=libcares'; }

run_mp addr 127.0.0.1
check "an address: the check ran (CRITICAL, connection refused)" \
    grep -q '^SMTP CRITICAL.*refused' "$W/addr.out"
check "an address: exit 2" grep -qx 2 "$W/addr.rc"
check "an address: the loader reported what it mapped" \
    bash -c "cat '$W'/addr.ld.* | grep -q 'file=libssl'"
if loaded addr; then
	ko "an address: libcares was not mapped" "$(cat "$W"/addr.ld.* | grep cares | head -3)"
else
	ok "an address: libcares was not mapped"
fi

run_mp name localhost
check "a name: libcares was loaded" loaded name
check "a name: it resolved (refused at the address, not a DNS failure)" \
    grep -q '^SMTP CRITICAL.*refused' "$W/name.out"
check "a name: exit 2" grep -qx 2 "$W/name.rc"

finish

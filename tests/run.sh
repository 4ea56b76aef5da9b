#!/usr/bin/env bash
# tests/run.sh - set up a fresh Debian 12 machine and run every test.
#
#   sudo ./tests/run.sh
#
# 1. installs the build and test dependencies (tests/install-deps.sh, as root)
# 2. builds with -Wall -Wextra -Werror and runs the whole suite: CMocka unit
#    tests, the scripted fake-server tests and the integration tests that
#    start real Postfix, Dovecot, Exim, snmpd and snmptrapd on loopback
# 3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer and
#    runs the suite once more
# 4. runs each libFuzzer harness (tests/fuzz/run.sh) for its share of
#    FUZZ_SECONDS (96 in all)
# 5. builds the Debian package, installs, runs, removes and purges it
#    (tests/deb/run.sh; as root only)
# 6. make distcheck (the tarball builds and its unit tests pass)
#
# Build trees go to build/ and build-asan/ (override with BUILD_DIR=...).
# Ends with "N passed, N failed" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

if (( EUID == 0 )); then
	bash tests/install-deps.sh
else
	echo "run.sh: not root: skipping dependency installation" >&2
fi

[ -x configure ] || ./autogen.sh

passed=0 failed=0 skipped=0
tally() {
	local log=$1 p f s
	p=$(awk '/^# PASS:/{print $3}' "$log" | tail -1)
	f=$(awk '/^# (FAIL|XPASS|ERROR):/{s+=$3} END{print s+0}' "$log")
	s=$(awk '/^# SKIP:/{print $3}' "$log" | tail -1)
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
}

# build_and_check DIR CONFIGURE-FLAGS...
build_and_check() {
	local dir=$1; shift
	mkdir -p "$dir"
	( cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs" ) || { echo "build failed in $dir" >&2; failed=$((failed + 1)); return 1; }
	local rc=0
	( cd "$dir" && make -s -j1 check ) > "$dir/check.out" 2>&1 || rc=$?
	cat "$dir/check.out"
	tally "$dir/check.out"
	if (( rc != 0 )); then
		echo "=== failing test logs ($dir) ===" >&2
		for t in "$dir"/tests/*.log "$dir"/tests/unit/*.log; do
			[ -f "$t" ] || continue
			case $t in */test-suite.log) continue ;; esac
			grep -q -E '^(FAIL|ERROR)' "${t%.log}.trs" 2>/dev/null && { echo "--- $t"; tail -n 80 "$t"; }
		done >&2
		(( failed > 0 )) || failed=1
	fi
	return 0
}

build_and_check "${BUILD_DIR:-build}" --enable-werror
build_and_check "${ASAN_BUILD_DIR:-build-asan}" --enable-werror --enable-sanitizers=address,undefined

# short libFuzzer runs: the line layer, whole sessions against a
# scripted server, the configuration and command-line parsers; about
# FUZZ_SECONDS in all, one PASS/FAIL line per harness
fuzz_harnesses="reply smtp pop3 imap tcp mbox conf opts"
fuzz_secs=$(( ${FUZZ_SECONDS:-96} / 8 ))
for h in $fuzz_harnesses; do
	if bash tests/fuzz/run.sh "${BUILD_DIR:-build}" "$fuzz_secs" "$h"; then
		echo "PASS: fuzz_$h"; passed=$((passed + 1))
	else
		echo "FAIL: fuzz_$h"; failed=$((failed + 1))
	fi
done

# the Debian package, built, installed, run, removed and purged on this
# machine: once, not in both make check passes (it installs into the
# system and compiles everything again)
rc=0
bash tests/deb/run.sh > deb.out 2>&1 || rc=$?
cat deb.out
case $rc in
0) echo "PASS: deb"; passed=$((passed + 1)) ;;
77) echo "SKIP: deb"; skipped=$((skipped + 1)) ;;
*) echo "FAIL: deb"; failed=$((failed + 1)) ;;
esac

# distcheck: the tarball is complete and builds; the integration tests
# already ran above against this tree, so only the unit and fake-server
# tests run again inside it.
( cd "${BUILD_DIR:-build}" && make -s distcheck \
	DISTCHECK_CONFIGURE_FLAGS=--enable-werror MAILMON_INTEGRATION=0 ) > distcheck.out 2>&1 \
	&& echo "distcheck: ok" || { tail -n 60 distcheck.out; echo "distcheck: FAILED"; failed=$((failed + 1)); }

echo
echo "summary: ${passed} passed, ${failed} failed, ${skipped} skipped"
echo "${passed} passed, ${failed} failed"
(( failed == 0 ))

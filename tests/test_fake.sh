#!/usr/bin/env bash
# test_fake.sh -- mailprobe against the scripted fake server.
#
# Every tests/fake/scenarios/*.scn is a server script plus the result
# mailprobe must report (status, failure class, reason, wall time, and
# the exact client dialogue as the server recorded it).  The work is done
# by tests/fake/run_scenarios.py; this wrapper finds the programs and
# applies the skip policy: exit 77 only when python3 is missing and CI is
# unset, never under CI=true.
#
# Run by hand:
#
#   top_srcdir=. top_builddir=../build tests/test_fake.sh [SCENARIO...]
#
# Env: MAILPROBE=path overrides the binary; MAILPROBE_WRAPPER runs it
# under e.g. "valgrind -q --error-exitcode=99 --leak-check=full";
# FAKE_JOBS, FAKE_TIME_SCALE and KEEP=1 as in run_scenarios.py.
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
MP=${MAILPROBE:-$top_builddir/src/mailprobe}
PY=${PYTHON3:-python3}

if ! command -v "$PY" >/dev/null 2>&1; then
	if [[ ${CI:-} == true ]]; then
		echo "FAIL: $PY not found (a missing dependency is a failure under CI)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "SKIP: $PY not found"
	exit 77
fi
if ! command -v openssl >/dev/null 2>&1; then
	echo "FAIL: openssl not found (needed for the test certificate)"
	echo "0 passed, 1 failed"
	exit 1
fi
# the program under test missing is always a failure
if [[ ! -x $MP ]]; then
	echo "FAIL: $MP not built"
	echo "0 passed, 1 failed"
	exit 1
fi

exec "$PY" "$top_srcdir/tests/fake/run_scenarios.py" --mailprobe "$MP" \
    --scenarios "$top_srcdir/tests/fake/scenarios" "$@"

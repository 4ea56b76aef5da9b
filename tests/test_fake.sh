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

# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"

need "$PY"
command -v openssl >/dev/null 2>&1 ||
    abort "openssl not found (needed for the test certificate)"
# the program under test missing is always a failure
[[ -x $MP ]] || abort "$MP not built"

exec "$PY" "$top_srcdir/tests/fake/run_scenarios.py" --mailprobe "$MP" \
    --scenarios "$top_srcdir/tests/fake/scenarios" "$@"

# shellcheck shell=sh
# testlib.sh - the frame every tests/test_*.sh script shares (sourced).
#
#   . "$(dirname "$0")/testlib.sh"
#
# Plain POSIX sh, so /bin/sh scripts can use it as well as bash ones.
# Defines:
#   top_srcdir, top_builddir  absolute; from make check's environment,
#                             else the tree holding the script
#   MP, MAILMOND              the programs under test (MAILPROBE=path
#                             overrides mailprobe)
#   PY                        python3, or $PYTHON3
#   pass, fail                the counters
#   ok WHAT                   one passing check
#   ko WHAT [DETAIL...]       one failing check; DETAILs go on indented lines
#   check WHAT CMD...         ok or ko on CMD's exit status
#   finish                    "N passed, N failed", then exit 0 only when
#                             something passed and nothing failed
#   abort WHAT                ko WHAT, then finish: the rest cannot run
#   skip REASON               exit 77, except under CI=true where a
#                             missing dependency is a failure
#   need PROGRAM...           skip unless every PROGRAM is on PATH
#   integration_gate          exit 77 when MAILMON_INTEGRATION=0 (make
#                             distcheck: the servers already ran in the tree)
#   workdir TEMPLATE [FUNC]   W = a fresh directory (mktemp -d TEMPLATE,
#                             mode 0755 so servers running as other users
#                             can reach it); at exit FUNC runs, then W is
#                             removed unless KEEP or MAILMON_KEEP is set
#
# A script may set TL_PASS and TL_FAIL, the words that start its result
# lines, after sourcing this file.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
top_builddir=${top_builddir:-$top_srcdir}
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
# shellcheck disable=SC2034  # for the scripts
{
	MP=${MAILPROBE:-$top_builddir/src/mailprobe}
	MAILMOND=$top_builddir/src/mailmond
	PY=${PYTHON3:-python3}
}

TL_PASS=PASS:
TL_FAIL=FAIL:
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	printf '%s %s\n' "$TL_PASS" "$*"
}

ko() {
	fail=$((fail + 1))
	printf '%s %s\n' "$TL_FAIL" "$1"
	shift
	if [ $# -gt 0 ]; then
		printf '     %s\n' "$@"
	fi
	return 0
}

check() {
	tl_what=$1
	shift
	if "$@"; then ok "$tl_what"; else ko "$tl_what"; fi
}

finish() {
	echo "$pass passed, $fail failed"
	# a run that checked nothing proves nothing
	if [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]; then
		exit 0
	fi
	exit 1
}

abort() {
	ko "$@"
	finish
}

skip() {
	if [ "${CI:-}" = true ]; then
		ko "$* (CI=true: a missing dependency is a failure)"
		finish
	fi
	echo "SKIP: $*"
	exit 77
}

need() {
	for tl_p in "$@"; do
		command -v "$tl_p" >/dev/null 2>&1 ||
		    skip "$tl_p not installed (tests/install-deps.sh)"
	done
}

integration_gate() {
	if [ "${MAILMON_INTEGRATION:-1}" = 0 ]; then
		echo "SKIP: MAILMON_INTEGRATION=0"
		exit 77
	fi
}

TL_CLEANUP=
W=

tl_exit() {
	# an early exit may come before the script defined its function
	if [ -n "$TL_CLEANUP" ] && command -v "$TL_CLEANUP" >/dev/null 2>&1; then
		"$TL_CLEANUP"
	fi
	[ -n "$W" ] || return 0
	if [ -n "${KEEP:-}${MAILMON_KEEP:-}" ]; then
		echo "work directory kept: $W"
	else
		rm -rf "$W"
	fi
}

workdir() {
	W=$(mktemp -d "$1") || abort "mktemp -d $1"
	chmod 0755 "$W"
	TL_CLEANUP=${2:-}
	trap tl_exit EXIT
	# bash runs the EXIT trap when a signal ends it; other shells do not
	if [ -z "${BASH_VERSION:-}" ]; then
		trap 'exit 130' INT
		trap 'exit 143' TERM
	fi
}

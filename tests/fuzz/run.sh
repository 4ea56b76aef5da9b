#!/usr/bin/env bash
# tests/fuzz/run.sh BUILDDIR [SECONDS [HARNESS...]] - build the libFuzzer
# harnesses with clang (ASan + UBSan) against the library sources and
# run each of them for SECONDS (default 15).
#
# Harnesses (default: all):
#   reply  the line layer and the reply classifiers
#   smtp pop3 imap tcp  whole checks against a scripted server
#   mbox   whole delivery checks: submission + IMAP/POP3 mailbox legs
#   conf   the mailmond.conf parser
#   opts   the command lines of mailprobe and the check_* personalities
#
# BUILDDIR is a configured build tree (for config.h); everything is
# built under BUILDDIR/tests/fuzz, objects only when their sources
# changed.  The seeds come from tests/fuzz/seeds.py (the fake-server
# scenarios, conf/*.conf, the Nagios command definitions), merged with
# what earlier runs in this build tree found.  Prints libFuzzer's final
# statistics per harness and exits non-zero when any harness found a
# crash, a leak, undefined behaviour or a broken invariant; the
# reproducer is left in BUILDDIR/tests/fuzz/findings/.
#
# FUZZ_FLAGS adds libFuzzer flags (e.g. FUZZ_FLAGS="-runs=10000000").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../src" && pwd)
build=$(cd "${1:?usage: $0 BUILDDIR [SECONDS [HARNESS...]]}" && pwd)
secs=${2:-15}
shift $(($# >= 2 ? 2 : 1))
all=(reply smtp pop3 imap tcp mbox conf opts)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")
command -v clang >/dev/null || { echo "fuzz: clang not installed" >&2; exit 1; }
py=${PYTHON3:-python3}

out=$build/tests/fuzz
mkdir -p "$out/obj" "$out/findings"

# the source lists of src/Makefile.am, so a new file joins by itself
am_list() {
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$src/Makefile.am" |
	    sed -n "s/^$1 *= *//p" | tr -s ' \t' '\n' | grep '\.c$' || true
}
engine=$(for v in ENGINE_BASE ENGINE_IO ENGINE_PROTO ENGINE_CHECK; do
	am_list "$v"; done)
opts=$(am_list libmmopts_la_SOURCES)
cli=$(am_list libmmcli_la_SOURCES)
daemon=$(am_list libmmdaemon_la_SOURCES)

# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION: lower bounds where the
# fuzzer would spend its time repeating itself (conf.h CONF_READS_MAX)
# shellcheck disable=SC2054
cflags=(-g -O1 -fsanitize=fuzzer-no-link,address,undefined
	-fno-sanitize-recover=all -I"$build" -I"$src" -I"$here" -DUNITTEST
	-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
read -r -a pkgc <<<"$(pkg-config --cflags openssl libcares)"
read -r -a pkgl <<<"$(pkg-config --libs openssl libcares)"
# shellcheck disable=SC2012
newest=$(ls -t "$src"/*.h "$here"/*.h "$build/config.h" | head -n 1)

# compile one source into obj/ unless the object is newer than it and
# than every header
obj() {
	local s=$1 o
	o=$out/obj/$(basename "${s%.c}").o
	if [ ! "$o" -nt "$s" ] || [ ! "$o" -nt "$newest" ]; then
		clang "${cflags[@]}" "${pkgc[@]}" -c "$s" -o "$o"
	fi
	echo "$o"
}

objs() {
	local f
	for f in "$@"; do obj "$src/$f"; done
}

# optpack.c packs a 12 KB struct byte by byte for every probe line:
# with comparison tracing that is three quarters of fuzz_conf's time,
# and none of its coverage
obj_nocov() {
	local s=$1 o
	o=$out/obj/$(basename "${s%.c}")-nocov.o
	if [ ! "$o" -nt "$s" ] || [ ! "$o" -nt "$newest" ]; then
		clang "${cflags[@]/fuzzer-no-link,/}" "${pkgc[@]}" -c "$s" -o "$o"
	fi
	echo "$o"
}

# what each harness links; the session harnesses replace ev.c and io.c
# with the scripted world of fuzz_mock.c
wraps="-Wl,--wrap=dns_lookup,--wrap=dns_cancel,--wrap=tls_ctx_get,--wrap=tls_inspect"
link() {
	local name=$1 extra=() files
	case $name in
	reply)
		# shellcheck disable=SC2086
		files=$(objs $engine; obj "$here/fuzz_reply.c") ;;
	smtp|pop3|imap|tcp|mbox)
		# shellcheck disable=SC2046,SC2086
		files=$(objs $(echo "$engine" | grep -v -e '^ev\.c$' -e '^io\.c$')
		    obj "$here/fuzz_mock.c"; obj "$here/fuzz_session.c"
		    obj "$here/fuzz_$name.c")
		extra=("$wraps")
		[ "$name" != mbox ] || extra+=("-Wl,--wrap=time,--wrap=getrandom") ;;
	conf|opts)
		# the parsers read files: only the harness's directory
		# shellcheck disable=SC2046,SC2086
		if [ "$name" = conf ]; then
			files=$(objs $daemon $opts $(echo "$engine" |
			    grep -v '^optpack\.c$'); obj_nocov "$src/optpack.c")
		else
			files=$(objs $cli $opts $engine)
		fi
		files="$files $(obj "$here/fuzz_files.c") $(obj "$here/fuzz_$name.c")"
		extra=("-Wl,--wrap=open,--wrap=fopen") ;;
	*)
		echo "fuzz: no harness $name" >&2
		return 1 ;;
	esac
	# shellcheck disable=SC2086
	clang -fsanitize=fuzzer,address,undefined "${extra[@]}" $files \
	    "${pkgl[@]}" -o "$out/fuzz_$name"
}

"$py" "$here/seeds.py" "$here/../.." "$out/seeds"

rc=0
for name in "${names[@]}"; do
	link "$name"
	mkdir -p "$out/corpus/$name"
	log=$out/fuzz_$name.log
	# shellcheck disable=SC2086
	if (cd "$out/findings" && "$out/fuzz_$name" -max_total_time="$secs" \
	    -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$out/findings/$name-" ${FUZZ_FLAGS:-} \
	    "$out/corpus/$name" "$out/seeds/$name") >"$log" 2>&1; then
		status=ok
	else
		status=FINDING
		rc=1
	fi
	# the last coverage line and the final statistics
	echo "fuzz_$name: $status"
	grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1 || true
	grep -E '^stat::' "$log" || true
	if [ "$status" != ok ]; then
		grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" |
		    head -n 20 || true
		echo "fuzz_$name: full log in $log"
	fi
done
exit $rc

#!/usr/bin/env bash
# tests/fuzz/run.sh BUILDDIR [SECONDS] - build the libFuzzer harness with
# clang (ASan + UBSan) against the engine sources and run it.
#
# BUILDDIR is a configured build tree (for config.h).  Exits non-zero when
# the fuzzer finds a crash, a leak or undefined behaviour; the reproducer
# is left in the current directory as crash-* / leak-*.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../src" && pwd)
build=$(cd "${1:?usage: $0 BUILDDIR [SECONDS]}" && pwd)
secs=${2:-30}
command -v clang >/dev/null || { echo "fuzz: clang not installed" >&2; exit 1; }

out=$build/tests/fuzz
mkdir -p "$out/corpus"
# the engine without the mains and without the Net-SNMP agent
engine=()
for f in "$src"/*.c; do
	case $(basename "$f") in
	mailprobe.c|mailmond.c|agent*.c) ;;
	*) engine+=("$f") ;;
	esac
done
# shellcheck disable=SC2046
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I"$build" -I"$src" -DUNITTEST "$here/fuzz_reply.c" "${engine[@]}" \
	$(pkg-config --cflags --libs openssl libcares) -o "$out/fuzz_reply"
# seed with real-looking replies so the run starts past the trivial paths
printf '220 mx ESMTP\r\n250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n' > "$out/corpus/smtp"
printf '+OK ready\r\n+OK\r\nSTLS\r\nUSER\r\n.\r\n' > "$out/corpus/pop3"
printf '* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\nA001 OK done\r\n' > "$out/corpus/imap"
cd "$out"
./fuzz_reply -max_total_time="$secs" -print_final_stats=1 corpus 2>&1 | tail -n 12
echo "fuzz: $secs s without a finding"

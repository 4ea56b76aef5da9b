#!/usr/bin/env bash
# bench/run.sh - measure the probe engine against named peers in one run.
#
# Every variant runs the same SMTP probe (greeting, EHLO, QUIT) against
# the same loopback target with the same number of probes; the table
# gives absolute numbers and ratios against the mailbench row of its
# group.  Nothing here asserts a timing: this is a measurement.
#
#   mailbench     N probes in one event loop, one process (bench/mailbench.c)
#   check_smtp    monitoring-plugins, one process per probe under xargs -P
#   mailprobe     our one-shot CLI, one process per probe under xargs -P
#   blackbox      prometheus-blackbox-exporter, N /probe requests (optional)
#
# Targets: bench/smtpsink.c (epoll, holds 10,000 sessions cheaply) and a
# real Postfix from tests/fixtures (root only; smaller N), plain and with
# STARTTLS.
#
# Environment (defaults in brackets):
#   N [10000]      probes per variant against the sink
#   NSEQ [1000]    probes for the fully sequential variants
#   NPF [200]      probes per variant against Postfix (0: skip Postfix)
#   P [2 x cores]  parallelism of the xargs peers, like a Nagios scheduler
#   BBX_CONC [256] concurrent /probe requests for the blackbox exporter
#   REPEAT [3]     runs per variant; the table shows the median
#   CALLGRIND [1]  instruction counts with valgrind (0: skip)
#   BUILD          a configured+built mailmon tree (default: the source
#                  tree if built in place, else a fresh build in OUT)
#   OUT            work directory (default: mktemp -d /tmp/mmbench-XXXX)
#   SINK_PORT [12525] BBX_PORT [19115] PORT_OFFSET [500] (Postfix ports)
#
# Output: the report on stdout, also saved as OUT/report.md.
# Traffic goes to 127.0.0.1 only.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
export LC_ALL=C

CORES=$(nproc)
N=${N:-10000}
NSEQ=${NSEQ:-1000}
NPF=${NPF:-200}
P=${P:-$((2 * CORES))}
BBX_CONC=${BBX_CONC:-256}
REPEAT=${REPEAT:-3}
CALLGRIND=${CALLGRIND:-1}
SINK_PORT=${SINK_PORT:-12525}
BBX_PORT=${BBX_PORT:-19115}
export PORT_OFFSET=${PORT_OFFSET:-500}
CHECK_SMTP=${CHECK_SMTP:-/usr/lib/nagios/plugins/check_smtp}
OUT=${OUT:-$(mktemp -d /tmp/mmbench-XXXX)}
mkdir -p "$OUT/bin" "$OUT/runs"
# the Postfix fixture's daemons must reach their files under OUT
chmod 755 "$OUT"
TIMEFORMAT='%3R %3U %3S'
ROWS=$OUT/rows.tsv
: > "$ROWS"
NOTES=()

die() { echo "run.sh: $*" >&2; exit 1; }
say() { echo "run.sh: $*" >&2; }
note() { NOTES+=("$*"); say "$*"; }

SINK_PID= BBX_PID= PF_UP= PF_STARTED=
cleanup() {
	[[ -n $SINK_PID ]] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	[[ -n $BBX_PID ]] && kill "$BBX_PID" 2>/dev/null && wait "$BBX_PID" 2>/dev/null
	[[ -n $PF_STARTED ]] && SERVICES=postfix "$TOP/tests/fixtures/servers.sh" stop "$OUT/pf" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ---------------------------------------------------------------

if [[ -z ${BUILD:-} ]]; then
	if [[ -f $TOP/src/.libs/libmmengine.a && -x $TOP/src/mailprobe ]]; then
		BUILD=$TOP
	else
		BUILD=$OUT/build
		say "building mailmon in $BUILD"
		mkdir -p "$BUILD"
		( cd "$BUILD" && "$TOP/configure" >configure.log 2>&1 &&
		    make -j"$CORES" >make.log 2>&1 ) ||
		    die "build failed, see $BUILD/configure.log and make.log"
	fi
fi
LIB=$BUILD/src/.libs/libmmengine.a
# the option parser lives in its own layers now
LIBS=("$BUILD/src/.libs/libmmcli.a" "$BUILD/src/.libs/libmmopts.a" "$LIB")
MAILPROBE=$BUILD/src/mailprobe
[[ -f $LIB && -x $MAILPROBE ]] || die "no $LIB or $MAILPROBE: build mailmon first or set BUILD"
command -v gcc >/dev/null || die "gcc is needed"
command -v /usr/bin/time >/dev/null || die "GNU time (/usr/bin/time) is needed: apt-get install time"
DEPLIBS=$(pkg-config --libs openssl libcares) || die "pkg-config cannot find openssl/libcares"
# -g for callgrind's attribution; the engine itself is built as configured
gcc -O2 -g -Wall -Wextra -I"$BUILD" -I"$TOP/src" -o "$OUT/bin/mailbench" \
    "$HERE/mailbench.c" "${LIBS[@]}" $DEPLIBS || die "cannot build mailbench"
gcc -O2 -Wall -Wextra -o "$OUT/bin/smtpsink" "$HERE/smtpsink.c" $(pkg-config --cflags --libs openssl) ||
    die "cannot build smtpsink"
MAILBENCH=$OUT/bin/mailbench

# ---- helpers -------------------------------------------------------------

# CPU seconds (user+sys) a process has used so far, from /proc
proc_cpu() {
	local f
	[[ -r /proc/$1/stat ]] || { echo nan; return; }
	read -r -a f < <(sed 's/.*) //' "/proc/$1/stat")
	awk -v u="${f[11]}" -v s="${f[12]}" -v t="$(getconf CLK_TCK)" \
	    'BEGIN { printf "%.3f", (u + s) / t }'
}

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "nan" }'; }

# args FILE N LINE: N copies of LINE, one per line (xargs -L1 input)
args_file() { local i; for ((i = 0; i < $2; i++)); do printf '%s\n' "$3"; done > "$1"; }

# measure GROUP LABEL N CONC SERVERPID COUNT_CMD -- COMMAND...
#   Runs COMMAND REPEAT times under /usr/bin/time.  COUNT_CMD reads the
#   command's stdout and prints how many probes said OK.  Appends one row:
#   group label n conc wall cpu maxrss_kb ok server_cpu
measure() {
	local group=$1 label=$2 n=$3 conc=$4 spid=$5 count=$6 i tf of s0 s1 c
	shift 7
	local walls=() cpus=() rss=() oks=() scpu=()
	for ((i = 1; i <= REPEAT; i++)); do
		tf=$OUT/runs/$group.$label.$i.time
		of=$OUT/runs/$group.$label.$i.out
		tf=${tf// /_} of=${of// /_}
		s0=$( [[ -n $spid ]] && proc_cpu "$spid" || echo nan)
		# bash's time: wall and children's CPU to the millisecond;
		# GNU time only for the peak RSS
		{ time /usr/bin/time -f '%M' -o "$tf" "$@" > "$of" 2> "$of.err"; } 2> "$tf.t"
		s1=$( [[ -n $spid ]] && proc_cpu "$spid" || echo nan)
		read -r w u sy < <(tail -1 "$tf.t")
		m=$(tail -1 "$tf")
		walls+=("$w")
		cpus+=("$(awk -v u="$u" -v s="$sy" 'BEGIN { print u + s }')")
		rss+=("$m")
		oks+=("$($count < "$of")")
		scpu+=("$(awk -v a="$s0" -v b="$s1" 'BEGIN { if (a == "nan" || b == "nan") print "nan"; else printf "%.3f", b - a }')")
	done
	# mailbench may have run fewer at once than asked (fd limit)
	c=$(sed -n 's/^RESULT .* conc=\([0-9]*\) .*/\1/p' "$of")
	[[ -n $c ]] && conc=$c
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$group" "$label" "$n" "$conc" \
	    "$(printf '%s\n' "${walls[@]}" | median)" \
	    "$(printf '%s\n' "${cpus[@]}" | median)" \
	    "$(printf '%s\n' "${rss[@]}" | median)" \
	    "$(printf '%s\n' "${oks[@]}" | median)" \
	    "$(printf '%s\n' "${scpu[@]}" | median)" >> "$ROWS"
	say "$group: $label: wall ${walls[*]} cpu ${cpus[*]} ok ${oks[*]}"
}

count_nagios() { grep -c '^SMTP OK' || true; }
count_mailbench() { sed -n 's/^RESULT .* ok=\([0-9]*\) .*/\1/p'; }
count_bbx() { sed -n 's/^RESULT .* ok=\([0-9]*\) .*/\1/p'; }

# the blackbox exporter: wall from the client, CPU of the exporter itself
measure_bbx() {
	local group=$1 n=$2 conc=$3 target=$4 i r walls=() cpus=() oks=() ccpu=()
	for ((i = 1; i <= REPEAT; i++)); do
		r=$(python3 "$HERE/httpbatch.py" -n "$n" -k "$conc" --pid "$BBX_PID" \
		    "http://127.0.0.1:$BBX_PORT/probe?module=smtp&target=$target" | tail -1)
		walls+=("$(sed -n 's/.* wall=\([^ ]*\).*/\1/p' <<< "$r")")
		cpus+=("$(sed -n 's/.* server_cpu=\([^ ]*\).*/\1/p' <<< "$r")")
		ccpu+=("$(sed -n 's/.* client_cpu=\([^ ]*\).*/\1/p' <<< "$r")")
		oks+=("$(count_bbx <<< "$r")")
	done
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$group" \
	    "blackbox-exporter, $conc requests at once" "$n" "$conc" \
	    "$(printf '%s\n' "${walls[@]}" | median)" \
	    "$(printf '%s\n' "${cpus[@]}" | median)" "-" \
	    "$(printf '%s\n' "${oks[@]}" | median)" "nan" >> "$ROWS"
	say "$group: blackbox: wall ${walls[*]} exporter cpu ${cpus[*]} client cpu ${ccpu[*]} ok ${oks[*]}"
	BBX_CLIENT_CPU=$(printf '%s\n' "${ccpu[@]}" | median)
}

# ---- targets -------------------------------------------------------------

"$OUT/bin/smtpsink" -p "$SINK_PORT" > "$OUT/sink.out" 2> "$OUT/sink.err" &
SINK_PID=$!
for ((i = 0; i < 100; i++)); do
	grep -q listening "$OUT/sink.out" 2>/dev/null && break
	sleep 0.05
done
grep -q listening "$OUT/sink.out" || die "smtpsink did not start: $(cat "$OUT/sink.err")"

if command -v prometheus-blackbox-exporter >/dev/null && command -v python3 >/dev/null; then
	prometheus-blackbox-exporter --config.file="$HERE/blackbox.yml" \
	    --web.listen-address="127.0.0.1:$BBX_PORT" --log.level=warn \
	    > "$OUT/bbx.log" 2>&1 &
	BBX_PID=$!
	for ((i = 0; i < 100; i++)); do
		curl -sf "http://127.0.0.1:$BBX_PORT/metrics" >/dev/null 2>&1 && break
		sleep 0.05
	done
	if ! curl -sf "http://127.0.0.1:$BBX_PORT/probe?module=smtp&target=127.0.0.1:$SINK_PORT" |
	    grep -q '^probe_success 1'; then
		note "blackbox exporter did not answer a probe; left out (see $OUT/bbx.log)"
		kill "$BBX_PID" 2>/dev/null; wait "$BBX_PID" 2>/dev/null; BBX_PID=
	fi
else
	note "prometheus-blackbox-exporter not installed; left out"
fi

# one probe each first, so a broken setup shows before the long runs
"$MAILPROBE" smtp -H 127.0.0.1 -p "$SINK_PORT" >/dev/null || die "mailprobe cannot probe the sink"
[[ -x $CHECK_SMTP ]] || die "no $CHECK_SMTP (monitoring-plugins-standard)"
"$CHECK_SMTP" -H 127.0.0.1 -p "$SINK_PORT" >/dev/null || die "check_smtp cannot probe the sink"

SINKARGS="-H 127.0.0.1 -p $SINK_PORT"

# ---- group A: N probes at the sink ---------------------------------------

G="A: sink, N=$N"
say "$G"
measure "$G" "mailbench, all $N at once" "$N" "$N" "$SINK_PID" count_mailbench -- \
    "$MAILBENCH" -q -n "$N" -- smtp $SINKARGS
measure "$G" "mailbench, $P at once" "$N" "$P" "$SINK_PID" count_mailbench -- \
    "$MAILBENCH" -q -n "$N" -c "$P" -- smtp $SINKARGS
args_file "$OUT/a.check" "$N" "$SINKARGS"
args_file "$OUT/a.mailprobe" "$N" "smtp $SINKARGS"
measure "$G" "check_smtp, xargs -P$P" "$N" "$P" "$SINK_PID" count_nagios -- \
    sh -c "xargs -P$P -L1 '$CHECK_SMTP' < '$OUT/a.check'"
measure "$G" "mailprobe, xargs -P$P" "$N" "$P" "$SINK_PID" count_nagios -- \
    sh -c "xargs -P$P -L1 '$MAILPROBE' < '$OUT/a.mailprobe'"
BBX_CLIENT_CPU_A=
if [[ -n $BBX_PID ]]; then
	measure_bbx "$G" "$N" "$BBX_CONC" "127.0.0.1:$SINK_PORT"
	BBX_CLIENT_CPU_A=$BBX_CLIENT_CPU
fi

# ---- group B: sequential -------------------------------------------------

G="B: sink, N=$NSEQ, one at a time"
say "$G"
measure "$G" "mailbench, 1 at once" "$NSEQ" 1 "$SINK_PID" count_mailbench -- \
    "$MAILBENCH" -q -n "$NSEQ" -c 1 -- smtp $SINKARGS
args_file "$OUT/b.check" "$NSEQ" "$SINKARGS"
args_file "$OUT/b.mailprobe" "$NSEQ" "smtp $SINKARGS"
measure "$G" "check_smtp, sequential" "$NSEQ" 1 "$SINK_PID" count_nagios -- \
    sh -c "xargs -P1 -L1 '$CHECK_SMTP' < '$OUT/b.check'"
measure "$G" "mailprobe, sequential" "$NSEQ" 1 "$SINK_PID" count_nagios -- \
    sh -c "xargs -P1 -L1 '$MAILPROBE' < '$OUT/b.mailprobe'"

# ---- group C: real Postfix -----------------------------------------------

PF_PORT=$((10025 + PORT_OFFSET))
if (( NPF > 0 )); then
	if (( EUID != 0 )); then
		note "not root: Postfix groups C and D left out"
	elif ! command -v postfix >/dev/null; then
		note "postfix not installed: Postfix groups C and D left out"
	else
		# set first: a half-started fixture must be stopped too
		PF_STARTED=1
		if SERVICES=postfix "$TOP/tests/fixtures/servers.sh" start "$OUT/pf" > "$OUT/pf.log" 2>&1; then
			PF_UP=1
		else
			note "Postfix fixture did not start (see $OUT/pf.log); groups C and D left out"
		fi
	fi
fi
if [[ -n $PF_UP ]]; then
	G="C: Postfix, N=$NPF"
	say "$G"
	PFARGS="-H 127.0.0.1 -p $PF_PORT"
	# warm up: Postfix forks its smtpd processes on demand
	"$MAILBENCH" -q -n "$NPF" -c 50 -- smtp $PFARGS > "$OUT/pf.warmup" 2>&1
	measure "$G" "mailbench, $P at once" "$NPF" "$P" "" count_mailbench -- \
	    "$MAILBENCH" -q -n "$NPF" -c "$P" -- smtp $PFARGS
	# Postfix listens with a backlog of 100: SYNs beyond it wait for
	# the 1 s retransmission, so this row shows the server's limit
	measure "$G" "mailbench, all $NPF at once" "$NPF" "$NPF" "" count_mailbench -- \
	    "$MAILBENCH" -q -n "$NPF" -- smtp $PFARGS
	args_file "$OUT/c.check" "$NPF" "$PFARGS"
	args_file "$OUT/c.mailprobe" "$NPF" "smtp $PFARGS"
	measure "$G" "check_smtp, xargs -P$P" "$NPF" "$P" "" count_nagios -- \
	    sh -c "xargs -P$P -L1 '$CHECK_SMTP' < '$OUT/c.check'"
	measure "$G" "mailprobe, xargs -P$P" "$NPF" "$P" "" count_nagios -- \
	    sh -c "xargs -P$P -L1 '$MAILPROBE' < '$OUT/c.mailprobe'"
	[[ -n $BBX_PID ]] && measure_bbx "$G" "$NPF" "$P" "127.0.0.1:$PF_PORT"

	# the same with STARTTLS: the handshake dominates, on both sides
	G="D: Postfix STARTTLS, N=$NPF"
	say "$G"
	measure "$G" "mailbench --starttls, $P at once" "$NPF" "$P" "" count_mailbench -- \
	    "$MAILBENCH" -q -n "$NPF" -c "$P" -- smtp $PFARGS --starttls --insecure
	args_file "$OUT/d.check" "$NPF" "$PFARGS -S"
	args_file "$OUT/d.mailprobe" "$NPF" "smtp $PFARGS --starttls --insecure"
	measure "$G" "check_smtp -S, xargs -P$P" "$NPF" "$P" "" count_nagios -- \
	    sh -c "xargs -P$P -L1 '$CHECK_SMTP' < '$OUT/d.check'"
	measure "$G" "mailprobe --starttls, xargs -P$P" "$NPF" "$P" "" count_nagios -- \
	    sh -c "xargs -P$P -L1 '$MAILPROBE' < '$OUT/d.mailprobe'"
fi

# ---- scaling of the engine alone -----------------------------------------

SCALE_OUT=$OUT/scale.txt
: > "$SCALE_OUT"
for n in 100 1000 3000 "$N"; do
	(( n <= N )) || continue
	"$MAILBENCH" -q -n "$n" -- smtp $SINKARGS >> "$SCALE_OUT" 2>&1
done

CG_OUT=$OUT/callgrind.txt
: > "$CG_OUT"
if [[ $CALLGRIND == 1 ]] && command -v valgrind >/dev/null; then
	cg_ir() { sed -n 's/^summary: *//p' "$1"; }
	for n in 100 1000; do
		valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.mailbench.$n" \
		    "$MAILBENCH" -q -n "$n" -- smtp $SINKARGS > /dev/null 2>&1
		echo "mailbench_$n $(cg_ir "$OUT/cg.mailbench.$n")" >> "$CG_OUT"
	done
	valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.mailprobe" \
	    "$MAILPROBE" smtp $SINKARGS > /dev/null 2>&1
	echo "mailprobe_1 $(cg_ir "$OUT/cg.mailprobe")" >> "$CG_OUT"
	valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.check_smtp" \
	    "$CHECK_SMTP" $SINKARGS > /dev/null 2>&1
	echo "check_smtp_1 $(cg_ir "$OUT/cg.check_smtp")" >> "$CG_OUT"
elif [[ $CALLGRIND == 1 ]]; then
	note "valgrind not installed: no instruction counts"
fi

kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
SINK_PID=

# mailbench says on stderr when the fd limit made it run fewer at once
while IFS= read -r line; do
	note "$line"
done < <(cat "$OUT"/runs/*.err "$SCALE_OUT" 2>/dev/null | grep '^mailbench: ' | sort -u)

# ---- report --------------------------------------------------------------

report() {
	echo "## mailmon benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Host: $(uname -sr), $CORES cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1))," \
	    "$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)." \
	    "RLIMIT_NOFILE hard limit $(ulimit -Hn)."
	echo "Peers: $("$CHECK_SMTP" -V 2>&1 | head -1);" \
	    "$(command -v prometheus-blackbox-exporter >/dev/null &&
	       prometheus-blackbox-exporter --version 2>&1 | head -1 || echo 'no blackbox exporter')."
	echo "Command: \`N=$N NSEQ=$NSEQ NPF=$NPF P=$P BBX_CONC=$BBX_CONC REPEAT=$REPEAT bench/run.sh\`;" \
	    "every number is the median of $REPEAT runs."
	echo
	echo "Each probe: connect, 220 greeting, EHLO, QUIT.  wall = whole batch;" \
	    "CPU = user+sys of all processes of the variant (for the blackbox" \
	    "exporter: the exporter process only); RSS = peak of the largest single" \
	    "process.  Ratios divide a row by a mailbench row of its group:" \
	    "mb(first) is its first one (A: all at once, B: one at a time," \
	    "C and D: $P at once)," \
	    "mb(same) the one with the same number of probes at once.  A ratio" \
	    "> 1 means mailbench is that many times faster or cheaper."
	awk -F'\t' '
	function fmt(x) { return x == "nan" || x == "" ? "-" : x }
	function ratio(a, b) { return b > 0 ? sprintf("%.1f×", a / b) : "-" }
	# first pass: the mailbench rows of each group are the baselines
	NR == FNR {
		if ($2 ~ /^mailbench/) {
			if (!(($1) in aw)) { aw[$1] = $5; ac[$1] = $6 / $3 }
			cw[$1, $4] = $5; cc[$1, $4] = $6 / $3
		}
		next
	}
	{
		if ($1 != g) {
			g = $1
			printf "\n### %s\n\n", g
			printf "| variant | probes | at once | OK | wall s | probes/s | CPU s | CPU us/probe | peak RSS KiB | sink CPU s | wall ÷ mb(first) | CPU/probe ÷ mb(first) | wall ÷ mb(same) | CPU/probe ÷ mb(same) |\n"
			printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
		}
		cpp = $6 / $3
		okflag = ($8 == $3) ? $8 : $8 " (!)"
		same = ((g, $4) in cw)
		printf "| %s | %d | %d | %s | %.3f | %.0f | %.3f | %.1f | %s | %s | %s | %s | %s | %s |\n",
		    $2, $3, $4, okflag, $5, ($5 > 0 ? $3 / $5 : 0), $6, cpp * 1e6,
		    fmt($7), fmt($9), ratio($5, aw[g]), ratio(cpp, ac[g]),
		    same ? ratio($5, cw[g, $4]) : "-",
		    same ? ratio(cpp, cc[g, $4]) : "-"
	}' "$ROWS" "$ROWS"
	echo
	if [[ -n ${BBX_CLIENT_CPU_A:-} ]]; then
		echo "The load generator for the blackbox exporter (bench/httpbatch.py) used" \
		    "$BBX_CLIENT_CPU_A s CPU in group A on top of the exporter's; it is not counted."
		echo
	fi
	if [[ -s $SCALE_OUT ]]; then
		echo "### Engine scaling: all N probes started at once, one loop"
		echo
		echo "| N | wall s | CPU s | CPU us/probe | peak RSS KiB | RSS KiB/probe | p50 ms | p99 ms | OK | failures |"
		echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
		awk '/^RESULT/ {
			delete k; f = ""
			for (i = 2; i <= NF; i++) { split($i, kv, "="); k[kv[1]] = kv[2]
				if (kv[1] ~ /^fail_/) f = f " " $i }
			printf "| %d | %.3f | %.3f | %.1f | %d | %.1f | %.1f | %.1f | %d | %s |\n",
			    k["n"], k["wall"], k["user"] + k["sys"],
			    (k["user"] + k["sys"]) * 1e6 / k["n"], k["maxrss_kb"],
			    k["maxrss_kb"] / k["n"], k["p50_ms"], k["p99_ms"], k["ok"],
			    (f == "" ? "none" : f)
		}' "$SCALE_OUT"
		echo
	fi
	if [[ -s $CG_OUT ]]; then
		echo "### Instructions (valgrind callgrind, user space only)"
		echo
		awk '{ ir[$1] = $2 } END {
			m = (ir["mailbench_1000"] - ir["mailbench_100"]) / 900
			printf "| measure | instructions |\n|---|---:|\n"
			printf "| mailbench, N=100 (whole process) | %d |\n", ir["mailbench_100"]
			printf "| mailbench, N=1000 (whole process) | %d |\n", ir["mailbench_1000"]
			printf "| mailbench, per extra probe: (N=1000 - N=100) / 900 | %d |\n", m
			printf "| mailprobe, one probe (whole process) | %d |\n", ir["mailprobe_1"]
			printf "| check_smtp, one probe (whole process) | %d |\n", ir["check_smtp_1"]
			if (m > 0)
				printf "\nPer probe, mailprobe as a process runs %.0f× and check_smtp %.0f× the instructions of one more probe in the loop (fork/exec and the kernel are not counted).\n",
				    ir["mailprobe_1"] / m, ir["check_smtp_1"] / m
		}' "$CG_OUT"
		echo
	fi
	if [[ -s $OUT/sink.err ]]; then
		echo "Sink at exit: \`$(tail -1 "$OUT/sink.err")\`"
		echo
	fi
	if (( ${#NOTES[@]} > 0 )); then
		echo "Notes:"
		printf -- '- %s\n' "${NOTES[@]}"
		echo
	fi
	echo "Raw outputs: $OUT"
}
report | tee "$OUT/report.md"

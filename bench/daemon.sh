#!/usr/bin/env bash
# bench/daemon.sh - measure mailmond as operators run it: many probes on
# a timer, served over AgentX through a real snmpd master, with the
# bare engine (bench/mailbench) and the peers measured in the same run.
#
# Phases (each starts its own mailmond and stops it):
#   memory    N smtp probes at bench/smtpsink, interval INTERVAL: RSS over
#             time (steady = median over the second interval), peak
#             (VmHWM), CPU per probe in a steady window against mailbench
#             at the same concurrency and at the same pace, syscalls per
#             probe (strace -c), AgentX walks (one column, whole table),
#             GET latency, reloads (unchanged, then changed) and the
#             per-second start histogram after start and after reload
#   listen    the memory phase's probes with mailmond serving SNMP itself
#             (snmp-listen, no master): the same walks, their wall time
#             and mailmond's CPU per varbind
#   tls       N_TLS STARTTLS probes at smtpsink -t: CPU per probe over a
#             steady window; minus the plain figure = TLS cost per probe;
#             the same for mailbench
#   getlat    N probes, HUNG_PCT % at a listener that never greets,
#             REFUSED_PCT % at a closed port: GET latency while they run
#   overload  N probes all at the hung listener (OVL_HUNG_PCT %), under
#             ulimit -n OVL_NOFILE: what the failure classes say
#   big       N_BIG probes: start-up time, RSS, CPU, a GET and a walk
#   perproc   one process per check against the fixture Postfix with
#             STARTTLS: mailprobe (default trust store, --ca-file,
#             --insecure) against check_smtp -S (root only)
#
# Environment (defaults in brackets; QUICK=1 gives a ~3 minute smoke run):
#   N [10000] N_BIG [100000] N_TLS [N]  probes per phase
#   INTERVAL [60]    probe interval in every phase
#   TIMEOUT [10]     probe timeout (the hung targets hold this long)
#   CPU_WINDOW [45]  steady CPU window of the memory phase, seconds
#   TLS_WINDOW [30] BIG_WINDOW [20] STRACE_S [10] PACE_S [5]
#   PAIR_S [10]      length of each round in which mailmond and mailbench
#                    run side by side (goal 2; REPEAT rounds)
#   NGET [2000] GET_GAP_MS [5]   GETs per latency run, pause between two
#   REPS [50]        max-repetitions of the GETBULK walks (-Cr)
#   REPEAT [3]       runs of each mailbench / per-process variant (median)
#   NPAIR [300]      checks of each command in the alternated per-process
#                    comparison (bench/pairrun.py)
#   NPROC [100]      checks per per-process variant
#   BIG_STARTUP_MAX [180]  seconds the N_BIG daemon may take to serve its rows
#   HUNG_PCT [10] REFUSED_PCT [10] OVL_NOFILE [1024] OVL_HUNG_PCT [100]
#   PHASES ["memory listen tls getlat overload big perproc"]
#   BUILD, OUT, PORT_OFFSET [7000] (snmpd 11161+, Postfix 10025+, sinks
#   12525+ the offset)
#
# Output: the report on stdout and OUT/report.md; every number also as
# "key<TAB>value" in OUT/results.tsv; raw logs, walks and samples in OUT.
# Traffic goes to 127.0.0.1 only.  Needs root for the Postfix phase and
# to run mailmond as an unprivileged user (-u nobody), as in production.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
export LC_ALL=C
unset MIBS MIBDIRS
# A stock Debian sets neither; OpenSSL (and so mailprobe, which honours
# them as it must) would load the whole bundle they name at every check.
# Measure what operators run; say so in the report when they were set.
SSL_ENV_WAS="${SSL_CERT_FILE:-}${SSL_CERT_DIR:+ dir=$SSL_CERT_DIR}"
unset SSL_CERT_FILE SSL_CERT_DIR NIX_SSL_CERT_FILE

CORES=$(nproc)
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
	: "${N:=1000}" "${N_BIG:=10000}" "${INTERVAL:=15}" "${TIMEOUT:=4}"
	: "${CPU_WINDOW:=8}" "${TLS_WINDOW:=6}" "${BIG_WINDOW:=5}"
	: "${STRACE_S:=3}" "${PACE_S:=3}" "${PAIR_S:=3}" "${NGET:=300}" "${REPEAT:=1}"
	: "${NPROC:=20}" "${NPAIR:=30}"
fi
N=${N:-10000}
N_BIG=${N_BIG:-100000}
N_TLS=${N_TLS:-$N}
INTERVAL=${INTERVAL:-60}
TIMEOUT=${TIMEOUT:-10}
CPU_WINDOW=${CPU_WINDOW:-45}
TLS_WINDOW=${TLS_WINDOW:-30}
BIG_WINDOW=${BIG_WINDOW:-20}
STRACE_S=${STRACE_S:-10}
PACE_S=${PACE_S:-5}
PAIR_S=${PAIR_S:-10}
NGET=${NGET:-2000}
GET_GAP_MS=${GET_GAP_MS:-5}
REPS=${REPS:-50}
REPEAT=${REPEAT:-3}
NPROC=${NPROC:-100}
NPAIR=${NPAIR:-300}
BIG_STARTUP_MAX=${BIG_STARTUP_MAX:-180}
HUNG_PCT=${HUNG_PCT:-10}
REFUSED_PCT=${REFUSED_PCT:-10}
OVL_NOFILE=${OVL_NOFILE:-1024}
OVL_HUNG_PCT=${OVL_HUNG_PCT:-100}
PHASES=${PHASES:-memory listen tls getlat overload big perproc}
export PORT_OFFSET=${PORT_OFFSET:-7000}
CHECK_SMTP=${CHECK_SMTP:-/usr/lib/nagios/plugins/check_smtp}
SAMPLE_S=1
OUT=${OUT:-$(mktemp -d /tmp/mmdb-XXXX)}
mkdir -p "$OUT/bin"
# the fixture daemons and the unprivileged mailmond must reach OUT
chmod 755 "$OUT"
TIMEFORMAT='%3R %3U %3S'
T_BEGIN=$EPOCHREALTIME

# shellcheck source=../tests/fixtures/lib.sh
. "$TOP/tests/fixtures/lib.sh"
case :$PATH: in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

SINK_PORT=$((12525 + PORT_OFFSET))	# mailmond's plain target
SINK2_PORT=$((12526 + PORT_OFFSET))	# mailbench's plain target
HANG_PORT=$((12527 + PORT_OFFSET))	# accepts, never greets
CLOSED_PORT=$((12528 + PORT_OFFSET))	# nothing listens
TLS_PORT=$((12529 + PORT_OFFSET))	# mailmond's STARTTLS target
TLS2_PORT=$((12530 + PORT_OFFSET))	# mailbench's STARTTLS target
LISTEN_PORT=$((12531 + PORT_OFFSET))	# mailmond's own SNMP (listen phase)

B=.1.3.6.1.4.1.2789.5			# MAILMON-MIB::mailmonMIB
PROBECOUNT=$B.2.1.0			# mailmonProbeCount.0
TABLE=$B.2.3				# mailmonProbeTable
ENTRY=$TABLE.1
COL_STATUS=6 COL_FAIL=9 COL_REASON=10 COL_CHECKS=30 COL_LAST=31
SNMPO=(-v2c -c public -m : -On)
AGENT=127.0.0.1:$SNMPD_PORT

die() { echo "daemon.sh: $*" >&2; exit 1; }
say() { echo "daemon.sh: $(date +%H:%M:%S) $*" >&2; }
NOTES=()
note() { NOTES+=("$*"); say "$*"; }

# ---- results -------------------------------------------------------------

declare -A R
RES=$OUT/results.tsv
: > "$RES"
put() { R[$1]=$2; printf '%s\t%s\n' "$1" "$2" >> "$RES"; }
get() { echo "${R[$1]:-}"; }
# arithmetic on decimals (of our own numbers): calc EXPR [FORMAT]
calc() { awk "BEGIN { printf \"${2:-%.3f}\", ($1) }"; }
# safe division: div A B [FORMAT] -> "-" if A or B is empty or B is 0
div() {
	awk -v a="$1" -v b="$2" -v f="${3:-%.3f}" 'BEGIN {
		if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) print "-"
		else printf f, a / b }'
}
sub_() {
	awk -v a="$1" -v b="$2" -v f="${3:-%.3f}" 'BEGIN {
		if (a == "" || b == "" || a == "-" || b == "-") print "-"
		else printf f, a - b }'
}
mul() {
	awk -v a="$1" -v b="$2" -v f="${3:-%.3f}" 'BEGIN {
		if (a == "" || b == "" || a == "-" || b == "-") print "-"
		else printf f, a * b }'
}
# met VALUE LIMIT -> yes / no / - (VALUE <= LIMIT)
met() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || a == "-") print "-"
		else { r = (a + 0 <= b + 0) ? "yes" : "**no**"; print r } }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
# kv "LINE" KEY -> the value of KEY=value in LINE
kv() { sed -n "s/.*[ ^]$2=\([^ ]*\).*/\1/p" <<< " $1" | head -1; }

# ---- processes -------------------------------------------------------------

declare -A SPID			# sinks by name
MM_PID="" SAMPLER_PID="" SNMPD_UP="" PF_STARTED="" AUX_PIDS=()

cleanup() {
	local p
	set +e
	[[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null
	if [[ -n $MM_PID ]] && proc_running "$MM_PID"; then
		kill -TERM "$MM_PID" 2>/dev/null
		for ((p = 0; p < 50; p++)); do proc_running "$MM_PID" || break; sleep 0.1; done
		proc_running "$MM_PID" && kill -KILL "$MM_PID" 2>/dev/null
	fi
	for p in "${AUX_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${SPID[@]}"; do kill "$p" 2>/dev/null; done
	[[ -n $PF_STARTED ]] && SERVICES=postfix "$TOP/tests/fixtures/servers.sh" stop "$OUT/pf" >/dev/null 2>&1
	[[ -n $SNMPD_UP ]] && "$TOP/tests/fixtures/snmpd.sh" stop "$OUT/fx" >/dev/null 2>&1
	wait 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPU seconds (user+sys) of a process so far, from /proc/PID/stat
TCK=$(getconf CLK_TCK)
proc_cpu() {
	local line st
	if ! read -r line < "/proc/$1/stat" 2>/dev/null; then echo -; return; fi
	line=${line##*) }
	read -r -a st <<< "$line"
	awk -v u="${st[11]}" -v s="${st[12]}" -v t="$TCK" 'BEGIN { printf "%.3f", (u + s) / t }'
}
proc_status() {	# proc_status PID FIELD -> kB
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo -
}
now() { echo "$EPOCHREALTIME"; }
sleep_until() {
	local d
	d=$(awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { d = a - b; printf "%.3f", (d > 0 ? d : 0) }')
	sleep "$d"
}

# every SAMPLE_S: time, VmRSS, VmHWM (kB), CPU ticks, open fds
sampler() {
	local pid=$1 line rss hwm k v st fds
	while [[ -r /proc/$pid/status ]]; do
		rss=- hwm=-
		while read -r k v _; do
			case $k in VmRSS:) rss=$v ;; VmHWM:) hwm=$v ;; esac
		done < "/proc/$pid/status" 2>/dev/null || break
		read -r line < "/proc/$pid/stat" 2>/dev/null || break
		line=${line##*) }
		read -r -a st <<< "$line"
		fds=(/proc/"$pid"/fd/*)
		echo "$EPOCHREALTIME $rss $hwm $((st[11] + st[12])) ${#fds[@]}"
		sleep "$SAMPLE_S"
	done
}
# samples FILE FROM TO COLUMN -> the values of COLUMN in [FROM, TO]
samples() { awk -v a="$2" -v b="$3" -v c="$4" '$1 >= a && $1 <= b && $c != "-" { print $c }' "$1"; }

start_sink() {	# start_sink NAME PORT [ARGS...]
	local name=$1 port=$2 i
	shift 2
	ports_free TCP "$port"
	"$OUT/bin/smtpsink" -p "$port" "$@" > "$OUT/sink.$name.out" 2> "$OUT/sink.$name.err" &
	SPID[$name]=$!
	for ((i = 0; i < 100; i++)); do
		grep -q listening "$OUT/sink.$name.out" 2>/dev/null && return 0
		sleep 0.05
	done
	die "smtpsink $name did not start: $(cat "$OUT/sink.$name.err")"
}
stop_sink() {
	local p=${SPID[$1]:-}
	[[ -n $p ]] || return 0
	kill -TERM "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	unset "SPID[$1]"
}
# sink_counts NAME -> the sink's cumulative counters, now (SIGUSR1)
sink_counts() {
	local f=$OUT/sink.$1.out n0 i
	n0=$(grep -c '^COUNTS' "$f" || true)
	kill -USR1 "${SPID[$1]}"
	for ((i = 0; i < 200; i++)); do
		if (( $(grep -c '^COUNTS' "$f" || true) > n0 )); then
			grep '^COUNTS' "$f" | tail -1
			return 0
		fi
		sleep 0.01
	done
	echo "COUNTS"
}

# probe names: mx + the number, zero-padded to at least 5 digits
width_for() { local w=${#1}; (( w < 5 )) && w=5; echo "$w"; }

# gen_conf FILE N [GLOBAL_LINE...] < per-probe awk program on stdin
#   The awk program gets i (1..N) and name, and prints the rest of the
#   probe line after "probe NAME ".
gen_conf() {
	local f=$1 n=$2 w prog
	shift 2
	w=$(width_for "$n")
	prog=$(cat)
	{
		echo "# generated by bench/daemon.sh"
		echo "interval $INTERVAL"
		[[ " $* " == *" snmp-listen "* ]] || echo "agentx-socket $AGENTX"
		for l in "$@"; do echo "$l"; done
		awk -v n="$n" -v w="$w" "BEGIN { fmt = \"mx%0\" w \"d\"
			for (i = 1; i <= n; i++) { name = sprintf(fmt, i)
				printf \"probe %s \", name; $prog } }"
	} > "$f"
	chmod 0644 "$f"
}

# mm_start NAME CONF NPROBES [NOFILE [MAX_S]]: start mailmond; sets
# MM_PID, MM_T0 (exec time), MM_READY (first time mailmonProbeCount.0 =
# NPROBES), MM_LOG, and starts the sampler (OUT/NAME.samples).  Dies if
# mailmond exits; returns 1 (mailmond still running) when it does not
# serve NPROBES rows within MAX_S seconds (default 300).
mm_start() {
	local name=$1 conf=$2 n=$3 nofile=${4:-} max=${5:-300} i v
	MM_LOG=$OUT/$name.log
	: > "$MM_LOG"
	(( EUID == 0 )) && chown nobody "$MM_LOG"
	MM_T0=$(now)
	(
		[[ -n $nofile ]] && ulimit -n "$nofile"
		exec "$MAILMOND" -f -C -c "$conf" -Lf "$MM_LOG" -p "$OUT/$name.pid" "${USEROPT[@]}"
	) > "$OUT/$name.stderr" 2>&1 &
	MM_PID=$!
	sampler "$MM_PID" > "$OUT/$name.samples" &
	SAMPLER_PID=$!
	MM_READY=
	for ((i = 0; i < max * 10; i++)); do
		proc_running "$MM_PID" || die "mailmond ($name) exited: $(tail -5 "$MM_LOG" "$OUT/$name.stderr")"
		v=$(snmpget "${SNMPO[@]}" -t 1 -r 0 -Oqv "$AGENT" "$PROBECOUNT" 2>/dev/null || true)
		if [[ $v == "$n" ]]; then
			MM_READY=$(now)
			break
		fi
		sleep 0.1
	done
	if [[ -z $MM_READY ]]; then
		say "$name: mailmond did not serve $n rows within $max s"
		return 1
	fi
	say "$name: mailmond pid $MM_PID serves $n rows after $(sub_ "$MM_READY" "$MM_T0") s"
}
mm_stop() {
	local i t0 t1
	[[ -n $MM_PID ]] || return 0
	t0=$(now)
	kill -TERM "$MM_PID" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do proc_running "$MM_PID" || break; sleep 0.1; done
	if proc_running "$MM_PID"; then
		note "mailmond did not stop within 30 s of SIGTERM; killed"
		kill -KILL "$MM_PID" 2>/dev/null || true
	fi
	wait "$MM_PID" 2>/dev/null || true
	t1=$(now)
	MM_STOP_S=$(sub_ "$t1" "$t0")
	MM_PID=
	if [[ -n $SAMPLER_PID ]]; then
		kill "$SAMPLER_PID" 2>/dev/null || true
		wait "$SAMPLER_PID" 2>/dev/null || true
		SAMPLER_PID=
	fi
}
# count log lines of mailmond containing a fixed string
log_count() { grep -cF -- "$1" "$MM_LOG" 2>/dev/null || true; }
# wait_log STRING COUNT [TIMEOUT_S]: until COUNT lines hold STRING
wait_log() {
	local i
	for ((i = 0; i < ${3:-60} * 50; i++)); do
		(( $(log_count "$1") >= $2 )) && return 0
		sleep 0.02
	done
	return 1
}

# timed_read KEY CMD...: run one read of the table (output to
# $OUT/walk.KEY) with the CPU of mailmond and snmpd over it; puts
# KEY.{wall,client_cpu,mm_cpu,snmpd_cpu}
timed_read() {
	local key=$1 f=$OUT/walk.$1 c0 c1 s0 s1 w u s
	shift
	c0=$(proc_cpu "$MM_PID"); s0=$(proc_cpu "$SNMPD_PID")
	{ time "$@" > "$f" 2> "$f.err"; } 2> "$f.time" || true
	c1=$(proc_cpu "$MM_PID"); s1=$(proc_cpu "$SNMPD_PID")
	read -r w u s < <(tail -1 "$f.time")
	put "$key.wall" "$w"
	put "$key.client_cpu" "$(awk -v a="$u" -v b="$s" 'BEGIN { printf "%.3f", a + b }')"
	put "$key.mm_cpu" "$(sub_ "$c1" "$c0")"
	put "$key.snmpd_cpu" "$(sub_ "$s1" "$s0")"
	if [[ -s $f.err ]]; then
		note "read $key: $(head -1 "$f.err")"
	fi
}
# walk_measure KEY OID: snmpbulkwalk -Cr$REPS (timed_read); puts KEY.vb too
walk_measure() {
	local key=$1 oid=$2
	timed_read "$key" snmpbulkwalk "${SNMPO[@]}" -t 10 -r 0 -Cr"$REPS" "$AGENT" "$oid"
	put "$key.vb" "$(grep -c '^\.' "$OUT/walk.$key" || true)"
	say "walk $key: $(get "$key.vb") varbinds in $(get "$key.wall") s, mailmond $(get "$key.mm_cpu") s, snmpd $(get "$key.snmpd_cpu") s CPU"
}
# table_measure KEY: the whole table as snmptable fetches it (-Cr$REPS;
# timed_read).  snmptable, like snmpbulkwalk, names one varbind in each
# GETBULK and so reads the entry cell by cell, column after column.
# Puts KEY.vb, the cells that hold a value, and KEY.rows too.  snmptable
# needs MAILMON-MIB and the modules it imports (tests/install-deps.sh
# puts them in $MM_NPM_PREFIX/mibs).
table_measure() {
	local key=$1 f=$OUT/walk.$1 mibs
	mibs=$TOP/mibs:${MM_NPM_PREFIX:-/opt/mailmon-npm}/mibs
	if [[ ! -e ${mibs#*:}/SNMPv2-SMI ]]; then
		note "table $key: no IETF MIB modules in ${mibs#*:} (tests/install-deps.sh), not measured"
		return 0
	fi
	timed_read "$key" snmptable -v2c -c public -M "$mibs" -m MAILMON-MIB -t 10 -r 0 -CH \
	    -Cf $'\x1f' -Cr "$REPS" "$AGENT" MAILMON-MIB::mailmonProbeTable
	put "$key.vb" "$(awk -F $'\x1f' 'NF > 1 { for (i = 1; i <= NF; i++) if ($i != "?") n++ } END { print n + 0 }' "$f")"
	put "$key.rows" "$(awk -F $'\x1f' 'NF > 1' "$f" | wc -l)"
	say "table $key: $(get "$key.rows") rows, $(get "$key.vb") cells in $(get "$key.wall") s, mailmond $(get "$key.mm_cpu") s, snmpd $(get "$key.snmpd_cpu") s CPU"
}
# rowwalk_measure KEY: the whole table row by row, every column in each
# GETBULK (-Cr$REPS), as a table-aware manager can read it (bench/rowwalk.c;
# timed_read).  Puts KEY.vb (cells), KEY.rows and KEY.requests too.
rowwalk_measure() {
	local key=$1 r
	timed_read "$key" "$OUT/bin/rowwalk" -r "$REPS" -t 10000 "$AGENT" "$ENTRY" 1 "$COL_LAST"
	r=$(grep '^RESULT' "$OUT/walk.$key" | tail -1)
	put "$key.vb" "$(kv "$r" cells)"
	put "$key.rows" "$(kv "$r" rows)"
	put "$key.requests" "$(kv "$r" requests)"
	[[ $(kv "$r" err) == 0 ]] || note "rowwalk $key: $r"
	say "rowwalk $key: $(get "$key.rows") rows, $(get "$key.vb") cells in $(get "$key.requests") requests, $(get "$key.wall") s, mailmond $(get "$key.mm_cpu") s, snmpd $(get "$key.snmpd_cpu") s CPU"
}
# sum of the values of a walk (counters)
walk_sum() { awk '/^\./ { s += $NF } END { printf "%d", s }' "$OUT/walk.$1"; }

# getlat KEY: NGET GETs of random rows' status; puts KEY.{p50,p90,p99,max,ok,n}
getlat() {
	local key=$1 rows=$2 r c0 c1
	c0=$(proc_cpu "$MM_PID")
	r=$("$OUT/bin/snmpgetlat" -n "$NGET" -i "$GET_GAP_MS" -r "$rows" -P mx \
	    -w "$(width_for "$rows")" -S 42 "udp:127.0.0.1:$SNMPD_PORT" \
	    "$ENTRY.$COL_STATUS" 2> "$OUT/getlat.$key.err" | tail -1) || true
	c1=$(proc_cpu "$MM_PID")
	echo "$r" > "$OUT/getlat.$key"
	for k in n ok err timeout p50_ms p90_ms p99_ms max_ms mean_ms; do
		put "$key.$k" "$(kv "$r" "$k")"
	done
	put "$key.mm_cpu" "$(sub_ "$c1" "$c0")"
	say "GET latency $key: $r"
}

# paired_runs KEY SECONDS: REPEAT rounds in which mailmond's steady
# probes and mailbench at the same pace run side by side for SECONDS, so
# both see the same load on the same cores; puts KEY.{mm_us,mb_us,ratio}
# (medians of the rounds; ratio = median of the rounds' ratios) and
# KEY.ratio_all
paired_runs() {
	local key=$1 secs=$2 i n r c0 c1 k0 k1 m b mm=() mb=() ra=()
	n=$(awk -v r="$RATE" -v s="$secs" 'BEGIN { printf "%d", r * s }')
	for ((i = 1; i <= REPEAT; i++)); do
		c0=$(proc_cpu "$MM_PID"); k0=$(sink_counts plain)
		r=$("$OUT/bin/mailbench" -q -n "$n" -r "$RATE" -- smtp -H 127.0.0.1 \
		    -p "$SINK2_PORT" 2> "$OUT/pair.$key.$i.err" | tail -1) || true
		c1=$(proc_cpu "$MM_PID"); k1=$(sink_counts plain)
		echo "$r" > "$OUT/pair.$key.$i"
		m=$(div "$(mul "$(sub_ "$c1" "$c0")" 1e6)" "$(( $(kv "$k1" quit) - $(kv "$k0" quit) ))" "%.1f")
		b=$(awk -v u="$(kv "$r" user)" -v s="$(kv "$r" sys)" -v n="$(kv "$r" n)" \
		    'BEGIN { if (n > 0) printf "%.1f", (u + s) * 1e6 / n; else print "-" }')
		mm+=("$m") mb+=("$b") ra+=("$(div "$m" "$b" "%.2f")")
	done
	put "$key.mm_us" "$(printf '%s\n' "${mm[@]}" | median)"
	put "$key.mb_us" "$(printf '%s\n' "${mb[@]}" | median)"
	put "$key.ratio" "$(printf '%s\n' "${ra[@]}" | median)"
	put "$key.ratio_all" "${ra[*]}"
	put "$key.n" "$n"
	say "paired $key: mailmond ${mm[*]} us/probe, mailbench ${mb[*]} us/probe, ratios ${ra[*]}"
}

# mailbench_runs KEY ARGS...: REPEAT runs; puts KEY.{us,n,ok,inflight}
# (medians; us = CPU microseconds per probe, whole process)
mailbench_runs() {
	local key=$1 i r us=() ok=() inf=()
	shift
	for ((i = 1; i <= REPEAT; i++)); do
		r=$("$OUT/bin/mailbench" -q "$@" 2> "$OUT/mb.$key.$i.err" | tail -1) || true
		echo "$r" > "$OUT/mb.$key.$i"
		us+=("$(awk -v u="$(kv "$r" user)" -v s="$(kv "$r" sys)" -v n="$(kv "$r" n)" \
		    'BEGIN { if (n > 0) printf "%.1f", (u + s) * 1e6 / n; else print "-" }')")
		ok+=("$(kv "$r" ok)")
		inf+=("$(kv "$r" inflight_max)")
	done
	put "$key.us" "$(printf '%s\n' "${us[@]}" | median)"
	put "$key.us_all" "${us[*]}"
	put "$key.ok" "$(printf '%s\n' "${ok[@]}" | median)"
	put "$key.n" "$(kv "$r" n)"
	put "$key.inflight" "$(printf '%s\n' "${inf[@]}" | median)"
	say "mailbench $key: ${us[*]} us/probe"
}

# strace_summary FILE PROBES -> "syscall calls per_probe" lines, busiest first
strace_summary() {
	awk -v n="$2" '
	/^-+/ { next }
	$NF == "total" { next }
	NF >= 5 && $1 ~ /^[0-9.]+$/ && $4 ~ /^[0-9]+$/ {
		printf "%s %d %.2f\n", $NF, $4, (n > 0 ? $4 / n : 0) }' "$1" | sort -k2,2nr
}
strace_total() { awk '$NF == "total" { print $4 }' "$1"; }

# herd SECONDS_FILE FROM_EPOCH SECONDS KEY: per-second connection starts
# at the sink (column 2 of its -s file) for [FROM, FROM + SECONDS)
herd() {
	local f=$1 from=$2 len=$3 key=$4 s r
	s=$(awk -v a="$from" 'BEGIN { printf "%d", a + 1 }')	# first whole second
	awk -v a="$s" -v b="$((s + len))" '$1 >= a && $1 < b { print $1, $2 }' "$f" > "$OUT/herd.$key"
	r=$(awk '{ v[NR] = $2; s += $2; ss += $2 * $2 }
	END {
		if (NR == 0) { print "0 - - - - -"; exit }
		m = s / NR; sd = sqrt(ss / NR - m * m); mn = v[1]; mx = v[1]
		for (i = 1; i <= NR; i++) { if (v[i] < mn) mn = v[i]; if (v[i] > mx) mx = v[i] }
		printf "%d %.1f %d %d %.3f %.2f\n", NR, m, mn, mx, (m > 0 ? sd / m : 0), (m > 0 ? mx / m : 0)
	}' "$OUT/herd.$key")
	read -r a b c d e g <<< "$r"
	put "$key.secs" "$a"; put "$key.mean" "$b"; put "$key.min" "$c"
	put "$key.max" "$d"; put "$key.cv" "$e"; put "$key.maxmean" "$g"
	put "$key.total" "$(awk '{ s += $2 } END { print s + 0 }' "$OUT/herd.$key")"
}

# ---- build ---------------------------------------------------------------

if [[ -z ${BUILD:-} ]]; then
	if [[ -x $TOP/src/mailmond && -f $TOP/src/.libs/libmmengine.a ]]; then
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
MAILMOND=$BUILD/src/mailmond
MAILPROBE=$BUILD/src/mailprobe
# the headers of the tree BUILD was configured from (it may be another one)
SRC=$(sed -n 's/^abs_top_srcdir = //p' "$BUILD/Makefile" 2>/dev/null | head -1)
[[ -n $SRC && -d $SRC/src ]] || SRC=$TOP
LIBS=()
for l in mmcli mmopts mmengine; do LIBS+=("$BUILD/src/.libs/lib$l.a"); done
for f in "$MAILMOND" "$MAILPROBE" "${LIBS[@]}"; do
	[[ -e $f ]] || die "no $f: build mailmon first or set BUILD"
done
for c in gcc pkg-config snmpget snmpbulkwalk snmpd snmptrapd ss strace openssl; do
	command -v "$c" >/dev/null || die "$c is needed (tests/install-deps.sh)"
done
read -r -a SSLFLAGS <<< "$(pkg-config --cflags --libs openssl)"
read -r -a DEPLIBS <<< "$(pkg-config --libs openssl libcares)"
read -r -a SNMPFLAGS <<< "$(pkg-config --cflags --libs netsnmp 2>/dev/null || net-snmp-config --cflags --libs)"
gcc -O2 -g -Wall -Wextra -I"$BUILD" -I"$SRC/src" -o "$OUT/bin/mailbench" \
    "$HERE/mailbench.c" "${LIBS[@]}" "${DEPLIBS[@]}" || die "cannot build mailbench"
gcc -O2 -Wall -Wextra -o "$OUT/bin/smtpsink" "$HERE/smtpsink.c" "${SSLFLAGS[@]}" ||
    die "cannot build smtpsink"
gcc -O2 -Wall -Wextra -o "$OUT/bin/snmpgetlat" "$HERE/snmpgetlat.c" "${SNMPFLAGS[@]}" ||
    die "cannot build snmpgetlat"
gcc -O2 -Wall -Wextra -o "$OUT/bin/rowwalk" "$HERE/rowwalk.c" "${SNMPFLAGS[@]}" ||
    die "cannot build rowwalk"
gcc -O2 -Wall -Wextra -o "$OUT/bin/faultcost" "$HERE/faultcost.c" ||
    die "cannot build faultcost"
gcc -O2 -Wall -Wextra -o "$OUT/bin/pingpong" "$HERE/pingpong.c" ||
    die "cannot build pingpong"

USEROPT=()
if (( EUID == 0 )); then
	USEROPT=(-u nobody)
fi
has_phase() { [[ " $PHASES " == *" $1 "* ]]; }

# ---- master agent ----------------------------------------------------------

LOAD_BEGIN=$(cut -d' ' -f1-3 /proc/loadavg)
SNMPD_UP=1
"$TOP/tests/fixtures/snmpd.sh" start "$OUT/fx" > "$OUT/snmpd.start" 2>&1 ||
    die "fixture snmpd did not start: $(cat "$OUT/snmpd.start")"
AGENTX=$OUT/fx/snmp/agentx.sock
SNMPD_PID=$(cat "$OUT/fx/snmp/snmpd.pid")
proc_running "$SNMPD_PID" || die "snmpd is not running"

# the sink's certificate (STARTTLS phase): self-signed, its own anchor
mkdir -p "$OUT/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$OUT/tls/sink.key" -out "$OUT/tls/sink.crt" > "$OUT/tls/req.log" 2>&1 ||
    die "openssl req failed: $(cat "$OUT/tls/req.log")"
chmod 644 "$OUT/tls/sink.crt" "$OUT/tls/sink.key"

W=$(width_for "$N")
RATE=$(div "$N" "$INTERVAL" "%.2f")

# ---- baseline: no probes ----------------------------------------------------

printf 'interval %s\nagentx-socket %s\n' "$INTERVAL" "$AGENTX" > "$OUT/empty.conf"
chmod 644 "$OUT/empty.conf"
mm_start empty "$OUT/empty.conf" 0
sleep 2
put base.rss_kb "$(proc_status "$MM_PID" VmRSS)"
put base.hwm_kb "$(proc_status "$MM_PID" VmHWM)"
mm_stop

# ---- memory, CPU, walks, herd: N plain probes ------------------------------

if has_phase memory; then
	say "phase memory: $N probes, interval $INTERVAL s"
	start_sink plain "$SINK_PORT" -s "$OUT/sink.plain.seconds"
	gen_conf "$OUT/memory.conf" "$N" <<< "printf \"smtp --host 127.0.0.1 --port $SINK_PORT\\n\""
	mm_start memory "$OUT/memory.conf" "$N"
	put mem.t0 "$MM_T0"
	put mem.startup_s "$(sub_ "$MM_READY" "$MM_T0")"
	put mem.startup_cpu "$(proc_cpu "$MM_PID")"
	put mem.hwm_ready_kb "$(proc_status "$MM_PID" VmHWM)"
	c0=$(proc_cpu "$MM_PID"); q0=$(kv "$(sink_counts plain)" quit)

	# first interval: every probe runs once (first runs spread over it)
	sleep_until "$(calc "$MM_READY + $INTERVAL + 2")"
	T_STEADY=$(now)
	c1=$(proc_cpu "$MM_PID"); q1=$(kv "$(sink_counts plain)" quit)
	put mem.first.cpu "$(sub_ "$c1" "$c0")"
	put mem.first.probes "$((q1 - q0))"
	put mem.first.us "$(div "$(mul "$(sub_ "$c1" "$c0")" 1e6)" "$((q1 - q0))" "%.1f")"
	put mem.hwm_first_kb "$(proc_status "$MM_PID" VmHWM)"

	# AgentX: one column (the check counters), then the steady window
	qa=$(kv "$(sink_counts plain)" quit)
	walk_measure col1 "$ENTRY.$COL_CHECKS"
	S1=$(walk_sum col1)
	c2=$(proc_cpu "$MM_PID"); k2=$(sink_counts plain); t2=$(now)
	sleep "$CPU_WINDOW"
	c3=$(proc_cpu "$MM_PID"); k3=$(sink_counts plain); t3=$(now)
	qb=$(kv "$(sink_counts plain)" quit)
	walk_measure col2 "$ENTRY.$COL_CHECKS"
	S2=$(walk_sum col2)
	q2=$(kv "$k2" quit); q3=$(kv "$k3" quit)
	put steady.window_s "$(sub_ "$t3" "$t2")"
	put steady.cpu "$(sub_ "$c3" "$c2")"
	put steady.probes "$((q3 - q2))"
	put steady.sink_cpu "$(sub_ "$(kv "$k3" cpu)" "$(kv "$k2" cpu)")"
	put steady.us "$(div "$(mul "$(sub_ "$c3" "$c2")" 1e6)" "$((q3 - q2))" "%.1f")"
	put steady.cpu_per_s "$(div "$(sub_ "$c3" "$c2")" "$(sub_ "$t3" "$t2")" "%.4f")"
	put steady.rate "$(div "$((q3 - q2))" "$(sub_ "$t3" "$t2")" "%.1f")"
	put mib.checks_delta "$((S2 - S1))"
	put sink.checks_delta "$((qb - qa))"
	# probes in flight: open fds above the idle minimum of the window
	samples "$OUT/memory.samples" "$t2" "$t3" 5 > "$OUT/steady.fds"
	put steady.inflight_mean "$(awk 'NR == 1 || $1 < m { m = $1 } { s += $1 } END { printf "%.2f", NR ? s / NR - m : 0 }' "$OUT/steady.fds")"
	put steady.inflight_max "$(awk 'NR == 1 || $1 < m { m = $1 } NR == 1 || $1 > x { x = $1 } END { print NR ? x - m : 0 }' "$OUT/steady.fds")"
	K=$(awk -v m="$(get steady.inflight_mean)" 'BEGIN { k = int(m + 0.5); print k < 1 ? 1 : k }')
	put steady.k "$K"
	# steady memory: the second interval
	samples "$OUT/memory.samples" "$T_STEADY" "$(calc "$T_STEADY + $INTERVAL")" 2 > "$OUT/steady.rss"
	put mem.rss_kb "$(median < "$OUT/steady.rss")"
	put mem.rss_samples "$(wc -l < "$OUT/steady.rss")"
	put mem.hwm_steady_kb "$(proc_status "$MM_PID" VmHWM)"

	walk_measure full "$TABLE"
	# The same walk with snmpd and mailmond on one core.  Each varbind
	# is a round trip between the two, and waking a process on the other
	# core costs more than a switch on the same one; this says how much
	# of the walk is that (operators can pin both with CPUAffinity=).
	if (( CORES > 1 )) && command -v taskset >/dev/null; then
		aff_mm=$(taskset -p "$MM_PID" | sed 's/.*: //')
		aff_sn=$(taskset -p "$SNMPD_PID" | sed 's/.*: //')
		if taskset -a -p 1 "$MM_PID" > /dev/null &&
		    taskset -a -p 1 "$SNMPD_PID" > /dev/null; then
			walk_measure full_pin "$TABLE"
		fi
		taskset -a -p "$aff_mm" "$MM_PID" > /dev/null || true
		taskset -a -p "$aff_sn" "$SNMPD_PID" > /dev/null || true
	fi
	# The floor under that walk: as many round trips between two
	# processes that do nothing but answer each other (bench/pingpong.c),
	# right after it, with the probes still running
	r=$("$OUT/bin/pingpong" "$(get full.vb)" 2> "$OUT/pingpong.err") ||
	    note "pingpong: $(head -1 "$OUT/pingpong.err")"
	for k in wall_s us_per_rt master_cpu_us echo_cpu_us; do
		put "floor.$k" "$(kv "$r" "$k")"
	done
	say "floor: $r"
	table_measure rows
	rowwalk_measure rw

	# syscalls of a steady stretch
	k4=$(sink_counts plain)
	timeout -s INT "$STRACE_S" strace -c -f -p "$MM_PID" -o "$OUT/strace.mailmond" 2> "$OUT/strace.mailmond.err" || true
	k5=$(sink_counts plain)
	put strace.mm.probes "$(( $(kv "$k5" quit) - $(kv "$k4" quit) ))"
	put strace.mm.total "$(strace_total "$OUT/strace.mailmond")"
	# and during a column walk (the probes keep running meanwhile)
	k4=$(sink_counts plain)
	strace -c -f -p "$MM_PID" -o "$OUT/strace.walk" 2> "$OUT/strace.walk.err" &
	spid=$!
	sleep 1
	snmpbulkwalk "${SNMPO[@]}" -t 10 -r 0 -Cr"$REPS" "$AGENT" "$ENTRY.$COL_CHECKS" > "$OUT/walk.strace" 2>&1 || true
	kill -INT "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	k5=$(sink_counts plain)
	put strace.walk.vb "$(grep -c '^\.' "$OUT/walk.strace" || true)"
	put strace.walk.probes "$(( $(kv "$k5" quit) - $(kv "$k4" quit) ))"
	put strace.walk.total "$(strace_total "$OUT/strace.walk")"

	getlat get_clean "$N"

	# the engine alone, same probe, its own sink, in the same run
	start_sink bench "$SINK2_PORT"
	mailbench_runs mb_k -n "$N" -c "$K" -- smtp -H 127.0.0.1 -p "$SINK2_PORT"
	NPACE=$(awk -v r="$RATE" -v s="$PACE_S" 'BEGIN { printf "%d", r * s }')
	mailbench_runs mb_pace -n "$NPACE" -r "$RATE" -- smtp -H 127.0.0.1 -p "$SINK2_PORT"
	paired_runs pair "$PAIR_S"
	NSTR=$(awk -v r="$RATE" -v s="$STRACE_S" 'BEGIN { printf "%d", r * s }')
	strace -c -f -o "$OUT/strace.mailbench" "$OUT/bin/mailbench" -q -n "$NSTR" -r "$RATE" \
	    -- smtp -H 127.0.0.1 -p "$SINK2_PORT" > "$OUT/strace.mailbench.out" 2>&1 || true
	put strace.mb.probes "$NSTR"
	put strace.mb.total "$(strace_total "$OUT/strace.mailbench")"
	stop_sink bench

	# reloads: the same file (schedules kept), then every probe changed
	# (a new global timeout restarts every schedule)
	for what in same changed; do
		if [[ $what == changed ]]; then
			gen_conf "$OUT/memory.conf" "$N" "timeout $((TIMEOUT > 1 ? TIMEOUT - 1 : 2))" \
			    <<< "printf \"smtp --host 127.0.0.1 --port $SINK_PORT\\n\""
		fi
		nd=$(log_count "reload done")
		c0=$(proc_cpu "$MM_PID"); th=$(now)
		kill -HUP "$MM_PID"
		wait_log "reload done" "$((nd + 1))" 120 || note "reload ($what): no 'reload done' in the log"
		put "reload.$what.wall" "$(sub_ "$(now)" "$th")"
		put "reload.$what.cpu" "$(sub_ "$(proc_cpu "$MM_PID")" "$c0")"
		put "reload.$what.log" "$(grep -F "reload done" "$MM_LOG" | tail -1 | sed 's/.*reload done: //')"
		[[ $what == same ]] && sleep 3
	done
	T_HUP=$th
	sleep_until "$(calc "$T_HUP + $INTERVAL + 3")"
	put mem.hwm_end_kb "$(proc_status "$MM_PID" VmHWM)"
	put mem.rss_end_kb "$(proc_status "$MM_PID" VmRSS)"
	mm_stop
	put mem.stop_s "$MM_STOP_S"
	stop_sink plain
	put sink.plain.final "$(tail -1 "$OUT/sink.plain.err")"

	herd "$OUT/sink.plain.seconds" "$MM_READY" "$INTERVAL" herd1
	herd "$OUT/sink.plain.seconds" "$(calc "$MM_READY + $INTERVAL")" "$INTERVAL" herd2
	herd "$OUT/sink.plain.seconds" "$T_HUP" "$INTERVAL" herd_hup
fi

# ---- TLS: N_TLS STARTTLS probes -------------------------------------------

# ---- the same probes, mailmond serving SNMP itself --------------------------

if has_phase listen; then
	say "phase listen: $N probes, snmp-listen on UDP $LISTEN_PORT"
	start_sink plain "$SINK_PORT"
	gen_conf "$OUT/listen.conf" "$N" "snmp-listen udp:127.0.0.1:$LISTEN_PORT" \
	    "snmp-community public 127.0.0.1" <<< "printf \"smtp --host 127.0.0.1 --port $SINK_PORT\\n\""
	SAVE_AGENT=$AGENT
	AGENT=127.0.0.1:$LISTEN_PORT
	if mm_start listen "$OUT/listen.conf" "$N"; then
		# as in the memory phase: every probe has run once
		sleep_until "$(calc "$MM_READY + $INTERVAL + 2")"
		walk_measure l_col1 "$ENTRY.$COL_CHECKS"
		walk_measure l_col2 "$ENTRY.$COL_CHECKS"
		walk_measure l_full "$TABLE"
		table_measure l_rows
		rowwalk_measure l_rw
	else
		note "listen: mailmond did not serve its rows"
	fi
	mm_stop
	AGENT=$SAVE_AGENT
	stop_sink plain
fi

if has_phase tls; then
	say "phase tls: $N_TLS STARTTLS probes"
	start_sink tls "$TLS_PORT" -t -C "$OUT/tls/sink.crt" -K "$OUT/tls/sink.key"
	gen_conf "$OUT/tls.conf" "$N_TLS" <<< "printf \"smtp --host 127.0.0.1 --port $TLS_PORT --starttls --ca-file $OUT/tls/sink.crt\\n\""
	mm_start tls "$OUT/tls.conf" "$N_TLS"
	c0=$(proc_cpu "$MM_PID"); q0=$(kv "$(sink_counts tls)" tls)
	sleep_until "$(calc "$MM_READY + $INTERVAL + 2")"
	c1=$(proc_cpu "$MM_PID"); k1=$(sink_counts tls); t1=$(now)
	put tls.first.us "$(div "$(mul "$(sub_ "$c1" "$c0")" 1e6)" "$(( $(kv "$k1" tls) - q0 ))" "%.1f")"
	sleep "$TLS_WINDOW"
	c2=$(proc_cpu "$MM_PID"); k2=$(sink_counts tls); t2=$(now)
	put tls.cpu "$(sub_ "$c2" "$c1")"
	put tls.probes "$(( $(kv "$k2" quit) - $(kv "$k1" quit) ))"
	put tls.handshakes "$(( $(kv "$k2" tls) - $(kv "$k1" tls) ))"
	put tls.sink_cpu "$(sub_ "$(kv "$k2" cpu)" "$(kv "$k1" cpu)")"
	put tls.us "$(div "$(mul "$(get tls.cpu)" 1e6)" "$(get tls.probes)" "%.1f")"
	put tls.rss_kb "$(samples "$OUT/tls.samples" "$t1" "$t2" 2 | median)"
	put tls.hwm_kb "$(proc_status "$MM_PID" VmHWM)"
	samples "$OUT/tls.samples" "$t1" "$t2" 5 > "$OUT/tls.fds"
	put tls.inflight_mean "$(awk 'NR == 1 || $1 < m { m = $1 } { s += $1 } END { printf "%.2f", NR ? s / NR - m : 0 }' "$OUT/tls.fds")"
	KT=$(awk -v m="$(get tls.inflight_mean)" 'BEGIN { k = int(m + 0.5); print k < 1 ? 1 : k }')
	put tls.k "$KT"
	start_sink tlsbench "$TLS2_PORT" -t -C "$OUT/tls/sink.crt" -K "$OUT/tls/sink.key"
	start_sink bench "$SINK2_PORT"
	NB_TLS=$(( N_TLS < 2000 ? N_TLS : 2000 ))
	mailbench_runs mbtls_k -n "$NB_TLS" -c "$KT" -- smtp -H 127.0.0.1 -p "$TLS2_PORT" \
	    --starttls --ca-file "$OUT/tls/sink.crt"
	mailbench_runs mbplain_k -n "$NB_TLS" -c "$KT" -- smtp -H 127.0.0.1 -p "$SINK2_PORT"
	stop_sink tlsbench
	stop_sink bench
	mm_stop
	stop_sink tls
	put sink.tls.final "$(tail -1 "$OUT/sink.tls.err")"
fi

# ---- GET latency with hung and refusing targets ----------------------------

if has_phase getlat; then
	say "phase getlat: $N probes, $HUNG_PCT % hung, $REFUSED_PCT % refused"
	ports_free TCP "$CLOSED_PORT"
	start_sink plain "$SINK_PORT"
	start_sink hang "$HANG_PORT" -m hang
	# by the probe number: the first HUNG_PCT of every hundred hang, the
	# next REFUSED_PCT are refused, the rest answer
	gen_conf "$OUT/getlat.conf" "$N" "timeout $TIMEOUT" <<EOF
m = i % 100
if (m < $HUNG_PCT) printf "smtp --host 127.0.0.1 --port $HANG_PORT\n"
else if (m < $HUNG_PCT + $REFUSED_PCT) printf "smtp --host 127.0.0.1 --port $CLOSED_PORT\n"
else printf "smtp --host 127.0.0.1 --port $SINK_PORT\n"
EOF
	mm_start getlat "$OUT/getlat.conf" "$N"
	# the hung ones pile up for TIMEOUT seconds, then it is steady
	sleep_until "$(calc "$MM_READY + $TIMEOUT + 5")"
	put getlat.hung_active "$(kv "$(sink_counts hang)" active)"
	getlat get_load "$N"
	put getlat.hung_active_end "$(kv "$(sink_counts hang)" active)"
	put getlat.fds_max "$(awk '{ if ($5 > m) m = $5 } END { print m + 0 }' "$OUT/getlat.samples")"
	mm_stop
	stop_sink hang
	stop_sink plain
fi

# ---- overload: hung targets under a low fd limit ---------------------------

if has_phase overload; then
	say "phase overload: $N probes, $OVL_HUNG_PCT % hung, ulimit -n $OVL_NOFILE"
	start_sink hang "$HANG_PORT" -m hang
	start_sink plain "$SINK_PORT"
	# odd probe numbers by name (localhost, from /etc/hosts), even ones
	# by address
	gen_conf "$OUT/overload.conf" "$N" "timeout $TIMEOUT" <<EOF
h = (i % 2) ? "localhost" : "127.0.0.1"
p = ((i % 100) < $OVL_HUNG_PCT) ? $HANG_PORT : $SINK_PORT
printf "smtp --host %s --port %d\n", h, p
EOF
	mm_start overload "$OUT/overload.conf" "$N" "$OVL_NOFILE"
	put ovl.nofile "$(awk '/^Max open files/ { print $4 "/" $5 }' "/proc/$MM_PID/limits")"
	# every probe has run once and its first run has ended
	sleep_until "$(calc "$MM_READY + $INTERVAL + $TIMEOUT + 2")"
	put ovl.hang "$(sink_counts hang)"
	walk_measure ovl_fail "$ENTRY.$COL_FAIL"
	walk_measure ovl_reason "$ENTRY.$COL_REASON"
	put ovl.fds_max "$(awk '{ if ($5 > m) m = $5 } END { print m + 0 }' "$OUT/overload.samples")"
	put ovl.log_emfile "$(log_count "Too many open files")"
	put ovl.log_lines "$(wc -l < "$MM_LOG")"
	mm_stop
	stop_sink hang
	stop_sink plain
	# class (MIB number) by host kind: the index ends in the name's digits
	awk -v w="$W" '
	FNR == 1 { file++ }
	/^\./ {
		n = split($1, o, "."); num = ""
		for (i = n - w + 1; i <= n; i++) num = num sprintf("%c", o[i])
		kind = (num % 2) ? "name" : "address"
		if (file == 1) { cls[num] = $NF; k[num] = kind }
		else { sub(/^[^=]*= STRING: /, ""); gsub(/"/, ""); why[num] = $0 }
	}
	END {
		for (x in cls) {
			key = k[x] " " cls[x]; c[key]++
			if (!(key in ex)) ex[key] = why[x]
		}
		for (key in c) printf "%s\t%d\t%s\n", key, c[key], ex[key]
	}' "$OUT/walk.ovl_fail" "$OUT/walk.ovl_reason" | sort > "$OUT/overload.classes"
fi

# ---- N_BIG probes --------------------------------------------------------------

if has_phase big; then
	say "phase big: $N_BIG probes"
	start_sink plain "$SINK_PORT"
	gen_conf "$OUT/big.conf" "$N_BIG" <<< "printf \"smtp --host 127.0.0.1 --port $SINK_PORT\\n\""
	# how reading the file scales: mailmond -n at N_BIG/40 .. N_BIG/5
	: > "$OUT/parse.tsv"
	for n in $((N_BIG / 40)) $((N_BIG / 20)) $((N_BIG / 10)) $((N_BIG / 5)); do
		gen_conf "$OUT/parse.conf" "$n" <<< "printf \"smtp --host 127.0.0.1 --port $SINK_PORT\\n\""
		if [[ -x /usr/bin/time ]]; then
			/usr/bin/time -f '%e %U %S %M' -o "$OUT/parse.time" \
			    "$MAILMOND" -n -c "$OUT/parse.conf" > /dev/null 2>&1 || true
			read -r w u sy m < "$OUT/parse.time"
		else
			{ time "$MAILMOND" -n -c "$OUT/parse.conf" > /dev/null 2>&1; } 2> "$OUT/parse.time" || true
			read -r w u sy < "$OUT/parse.time"
			m=-
		fi
		printf '%s\t%s\t%s\t%s\n' "$n" "$w" "$(calc "$u + $sy")" "$m" >> "$OUT/parse.tsv"
	done
	rm -f "$OUT/parse.conf"
	if ! mm_start big "$OUT/big.conf" "$N_BIG" "" "$BIG_STARTUP_MAX"; then
		put big.failed "did not serve $N_BIG rows within $BIG_STARTUP_MAX s"
		put big.fail_cpu "$(proc_cpu "$MM_PID")"
		put big.fail_rss_kb "$(proc_status "$MM_PID" VmRSS)"
		put big.fail_hwm_kb "$(proc_status "$MM_PID" VmHWM)"
		put big.fail_count "$(snmpget "${SNMPO[@]}" -t 2 -r 0 -Oqv "$AGENT" "$PROBECOUNT" 2>&1 | head -1)"
		note "$N_BIG probes: mailmond did not serve its rows within $BIG_STARTUP_MAX s (BIG_STARTUP_MAX); stopped it"
		mm_stop
		put big.stop_s "$MM_STOP_S"
		stop_sink plain
	fi
fi
if has_phase big && [[ -z $(get big.failed) ]]; then
	put big.startup_s "$(sub_ "$MM_READY" "$MM_T0")"
	put big.startup_cpu "$(proc_cpu "$MM_PID")"
	put big.hwm_ready_kb "$(proc_status "$MM_PID" VmHWM)"
	sleep_until "$(calc "$MM_READY + $INTERVAL + 2")"
	c1=$(proc_cpu "$MM_PID"); k1=$(sink_counts plain); t1=$(now)
	sleep "$BIG_WINDOW"
	c2=$(proc_cpu "$MM_PID"); k2=$(sink_counts plain); t2=$(now)
	put big.cpu "$(sub_ "$c2" "$c1")"
	put big.probes "$(( $(kv "$k2" quit) - $(kv "$k1" quit) ))"
	put big.us "$(div "$(mul "$(get big.cpu)" 1e6)" "$(get big.probes)" "%.1f")"
	put big.cpu_pct "$(div "$(mul "$(get big.cpu)" 100)" "$(sub_ "$t2" "$t1")" "%.1f")"
	put big.rss_kb "$(samples "$OUT/big.samples" "$t1" "$t2" 2 | median)"
	put big.fds_max "$(awk '{ if ($5 > m) m = $5 } END { print m + 0 }' "$OUT/big.samples")"
	SAVE_NGET=$NGET; NGET=200
	getlat get_big "$N_BIG"
	NGET=$SAVE_NGET
	walk_measure bigcol "$ENTRY.$COL_STATUS"
	# a burst: the sink stops for half a second and the checks that
	# come due meanwhile pile up in flight; then what stays of them
	put big.burst_rss0_kb "$(proc_status "$MM_PID" VmRSS)"
	kill -STOP "${SPID[plain]}"
	sleep 0.5
	put big.burst_fds "$(find "/proc/$MM_PID/fd" -mindepth 1 2>/dev/null | wc -l)"
	kill -CONT "${SPID[plain]}"
	sleep 10
	put big.burst_rss1_kb "$(proc_status "$MM_PID" VmRSS)"
	put big.hwm_kb "$(proc_status "$MM_PID" VmHWM)"
	mm_stop
	put big.stop_s "$MM_STOP_S"
	stop_sink plain
fi

# ---- one process per check, STARTTLS at the fixture Postfix -----------------

if has_phase perproc; then
	if (( EUID != 0 )); then
		note "not root: per-process STARTTLS comparison left out"
	elif ! command -v postfix >/dev/null || [[ ! -x $CHECK_SMTP ]]; then
		note "postfix or $CHECK_SMTP missing: per-process STARTTLS comparison left out"
	else
		say "phase perproc: $NPROC checks per variant at Postfix"
		PF_STARTED=1
		if SERVICES=postfix "$TOP/tests/fixtures/servers.sh" start "$OUT/pf" > "$OUT/pf.log" 2>&1; then
			PFA=(-H 127.0.0.1 -p "$SMTP_PORT")
			CA=$OUT/pf/certs/ca.crt
			# warm up Postfix's smtpd processes
			"$OUT/bin/mailbench" -q -n 50 -c 4 -- smtp "${PFA[@]}" --starttls --insecure > /dev/null 2>&1 || true
			# pp_once KEY COUNT_REGEX PROGRAM ARGS...: NPROC checks in a row;
			# appends their CPU per check and their OK count
			declare -A pp_cpu=() pp_ok=() pp_first=()
			pp_once() {
				local key=$1 re=$2 prog=$3 w u s
				shift 3
				[[ -e $OUT/pp.$key.args ]] ||
				    for ((j = 0; j < NPROC; j++)); do printf '%s\n' "$*"; done > "$OUT/pp.$key.args"
				{ time xargs -P1 -L1 "$prog" < "$OUT/pp.$key.args" \
				    > "$OUT/pp.$key.out" 2>&1; } 2> "$OUT/pp.$key.time" || true
				read -r w u s < <(tail -1 "$OUT/pp.$key.time")
				pp_cpu[$key]+="$(awk -v u="$u" -v s="$s" -v n="$NPROC" 'BEGIN { printf "%.0f", (u + s) * 1e6 / n }') "
				pp_ok[$key]+="$(grep -cE "$re" "$OUT/pp.$key.out" || true) "
				[[ -n ${pp_first[$key]:-} ]] || pp_first[$key]=$(head -1 "$OUT/pp.$key.out" | cut -c1-100)
			}
			# the variants take turns, so a busy moment of the machine
			# falls on all of them alike
			for ((i = 1; i <= REPEAT; i++)); do
				pp_once check_smtp '^SMTP OK' "$CHECK_SMTP" "${PFA[@]}" -S
				pp_once mp_default '^SMTP OK' "$MAILPROBE" smtp "${PFA[@]}" --starttls
				pp_once mp_cafile '^SMTP OK' "$MAILPROBE" smtp "${PFA[@]}" --starttls --ca-file "$CA"
				pp_once mp_insecure '^SMTP OK' "$MAILPROBE" smtp "${PFA[@]}" --starttls --insecure
			done
			for key in check_smtp mp_default mp_cafile mp_insecure; do
				put "pp.$key.us" "$(tr ' ' '\n' <<< "${pp_cpu[$key]}" | grep . | median)"
				put "pp.$key.us_all" "${pp_cpu[$key]% }"
				put "pp.$key.ok" "$(tr ' ' '\n' <<< "${pp_ok[$key]}" | grep . | median)"
				put "pp.$key.first" "${pp_first[$key]}"
				say "perproc $key: ${pp_cpu[$key]}us/check, ok ${pp_ok[$key]}"
			done
			# the same, one check of each at a time in random order, with
			# a confidence interval (bench/pairrun.py)
			for v in default insecure; do
				case $v in
				default) a=() ;; insecure) a=(--insecure) ;;
				esac
				r=$(python3 "$HERE/pairrun.py" -n "$NPAIR" --ok-a '^SMTP OK' --ok-b '^SMTP OK' \
				    -- "$CHECK_SMTP" "${PFA[@]}" -S -- "$MAILPROBE" smtp "${PFA[@]}" --starttls "${a[@]}" |
				    tail -1) || true
				for k in a_us b_us a_med b_med ratio lo hi diff_us ci_us a_ok b_ok a_flt b_flt; do
					put "pair.$v.$k" "$(kv "$r" "$k")"
				done
				say "pairrun $v: $r"
			done
			# what one minor fault costs here: the pairs' fault counts
			# in CPU (median of three runs)
			for ((j = 0; j < 3; j++)); do
				kv "$("$OUT/bin/faultcost" 20000)" us_per_fault
			done > "$OUT/faultcost.runs"
			put pp.fault_us "$(median < "$OUT/faultcost.runs")"
			# which trust files one check opens (the bundle, or hashed files)
			for v in default cafile insecure; do
				case $v in
				default) a=() ;; cafile) a=(--ca-file "$CA") ;; insecure) a=(--insecure) ;;
				esac
				strace -f -e trace=open,openat -o "$OUT/pp.$v.open" \
				    "$MAILPROBE" smtp "${PFA[@]}" --starttls "${a[@]}" > /dev/null 2>&1 || true
				put "pp.$v.bundle" "$(grep -v ENOENT "$OUT/pp.$v.open" | grep -c 'ca-certificates.crt' || true)"
				put "pp.$v.hashed" "$(grep -v ENOENT "$OUT/pp.$v.open" | grep -cE '/etc/ssl/certs/[0-9a-f]{8}\.[0-9]+"' || true)"
			done
		else
			note "Postfix fixture did not start (see $OUT/pf.log): per-process STARTTLS left out"
		fi
		SERVICES=postfix "$TOP/tests/fixtures/servers.sh" stop "$OUT/pf" > /dev/null 2>&1 || true
		PF_STARTED=
	fi
fi

"$TOP/tests/fixtures/snmpd.sh" stop "$OUT/fx" > /dev/null 2>&1 || true
SNMPD_UP=
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
put run.seconds "$(sub_ "$(now)" "$T_BEGIN" "%.0f")"

# ---- report --------------------------------------------------------------

# the derived numbers the goal table needs
# sc_count FILE SYSCALL -> calls in an strace -c summary (0 if absent)
sc_count() { awk -v s="$2" '$NF == s && $4 ~ /^[0-9]+$/ { c = $4 } END { print c + 0 }' "$OUT/$1" 2>/dev/null || echo 0; }
# sc_per FILE SYSCALL PROBES_KEY -> calls per probe
sc_per() { div "$(sc_count "$1" "$2")" "$(get "$3")" "%.2f"; }
# sc_walk_net SYSCALL -> per varbind during the walk, minus the probes' share
sc_walk_net() {
	awk -v w="$(sc_count strace.walk "$1")" -v m="$(sc_count strace.mailmond "$1")" \
	    -v mp="$(get strace.mm.probes)" -v wp="$(get strace.walk.probes)" -v vb="$(get strace.walk.vb)" \
	    'BEGIN { if (vb + 0 == 0 || mp + 0 == 0) { print "-"; exit }
		x = (w - wp * m / mp) / vb; if (x < 0.005) x = 0; printf "%.2f", x }'
}
mib() { awk -v k="$1" 'BEGIN { if (k == "" || k == "-") print "-"; else printf "%.1f", k / 1024 }'; }
per_vb() {	# per_vb CPU VARBINDS -> microseconds per varbind
	div "$(mul "$1" 1e6)" "$2" "%.1f"
}
net_walk() {	# mailmond's walk CPU minus what its probes cost meanwhile
	sub_ "$(get "$1.mm_cpu")" "$(mul "$(get steady.cpu_per_s)" "$(get "$1.wall")")"
}

report() {
	local x y
	echo "## mailmond daemon benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Host: $(uname -sr), $CORES cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1))," \
	    "$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)." \
	    "Load average at start $LOAD_BEGIN, at end $LOAD_END (the cores are shared)."
	echo "mailmon $("$MAILMOND" -V 2>&1 | head -1 | sed 's/^mailmond //') ($(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?'))," \
	    "$(snmpd -v 2>/dev/null | sed -n 's/^NET-SNMP version: *//p' | head -1 | sed 's/^/Net-SNMP /')," \
	    "$("$CHECK_SMTP" -V 2>&1 | head -1)."
	echo "Command: \`N=$N N_BIG=$N_BIG N_TLS=$N_TLS INTERVAL=$INTERVAL TIMEOUT=$TIMEOUT" \
	    "CPU_WINDOW=$CPU_WINDOW REPEAT=$REPEAT PORT_OFFSET=$PORT_OFFSET bench/daemon.sh\`" \
	    "($(get run.seconds) s; phases: $PHASES)."
	echo
	echo "Every probe: connect, 220 greeting, EHLO, QUIT (STARTTLS: greeting, EHLO," \
	    "STARTTLS, handshake, EHLO, QUIT) at a loopback sink, interval $INTERVAL s." \
	    "mailmond runs as in production: foreground, \`-C\`, logging to a file," \
	    "$( ((EUID == 0)) && echo 'as user nobody,' )" "under the fixture snmpd (AgentX on a unix socket)." \
	    "${SSL_ENV_WAS:+The calling environment set SSL_CERT_FILE or SSL_CERT_DIR ($SSL_ENV_WAS); they were unset for the run, as on a stock system.}" \
	    "CPU = utime+stime from /proc/PID/stat; probes counted at the sink."
	echo
	echo "### Goals"
	echo
	echo "| goal | measured | peer / engine, same run | ratio | goal | met |"
	echo "|---|---:|---:|---:|---:|---|"
	if has_phase memory; then
		echo "| 1. RSS steady, $N probes | $(mib "$(get mem.rss_kb)") MiB | - | - | ≤ 48 MiB | $(met "$(mib "$(get mem.rss_kb)")" 48) |"
		echo "| 1. RSS peak (VmHWM over the whole phase), $N probes | $(mib "$(get mem.hwm_end_kb)") MiB | - | - | ≤ 64 MiB | $(met "$(mib "$(get mem.hwm_end_kb)")" 64) |"
		x=$(div "$(sub_ "$(get mem.rss_kb)" "$(get base.rss_kb)")" "$N" "%.2f")
		echo "| 1. KiB per configured probe (steady RSS - RSS with no probes) / N | $x KiB | - | - | ≤ 4 KiB | $(met "$x" 4) |"
	fi
	if has_phase big; then
		if [[ -n $(get big.failed) ]]; then
			echo "| 1. $N_BIG probes load, run, answer a GET and a column walk | no: $(get big.failed) (by then $(get big.fail_cpu) s CPU, RSS $(mib "$(get big.fail_rss_kb)") MiB, peak $(mib "$(get big.fail_hwm_kb)") MiB) | - | - | works; stretch RSS ≤ 300 MiB | **no** |"
		else
			x=no
			[[ $(get get_big.ok) == "$(get get_big.n)" && $(get bigcol.vb) == "$N_BIG" ]] && x=yes
			echo "| 1. $N_BIG probes load, run, answer a GET and a column walk | $x: RSS $(mib "$(get big.rss_kb)") MiB, start-up $(get big.startup_s) s, CPU $(get big.cpu_pct) % | - | - | works; stretch RSS ≤ 300 MiB | $( [[ $x == yes ]] && echo yes || echo '**no**'); stretch $(met "$(mib "$(get big.rss_kb)")" 300) |"
		fi
	fi
	if has_phase memory; then
		# The daemon spreads its probes evenly, so each one wakes the
		# loop on its own: the engine run at the same pace is the like
		# for like; the engine with K probes in one burst shares its
		# wake-ups between them and is shown for reference.
		y=$(div "$(get steady.us)" "$(get mb_pace.us)" "%.2f")
		echo "| 2. CPU per probe, mailmond vs the engine at the same pace, side by side ($REPEAT rounds of $PAIR_S s, mailbench -r $RATE; median of the rounds' ratios: $(get pair.ratio_all)) | $(get pair.mm_us) µs | $(get pair.mb_us) µs | $(get pair.ratio)× | ≤ 1.2× | $(met "$(get pair.ratio)" 1.2) |"
		echo "| 2. (the same, one after the other: mailmond's steady window, later mailbench alone) | $(get steady.us) µs | $(get mb_pace.us) µs | ${y}× | - | - |"
		x=$(div "$(get steady.us)" "$(get mb_k.us)" "%.2f")
		echo "| 2. (for reference: the engine with $(get steady.k) probes at once, mailbench -c $(get steady.k), wake-ups shared) | $(get steady.us) µs | $(get mb_k.us) µs | ${x}× | - | - |"
		x=$(div "$(get strace.mm.total)" "$(get strace.mm.probes)" "%.1f")
		y=$(div "$(get strace.mb.total)" "$(get strace.mb.probes)" "%.1f")
		echo "| 2. syscalls per probe (strace -c): all (epoll_ctl, fcntl), mailmond vs mailbench -r $RATE | $x ($(sc_per strace.mailmond epoll_ctl strace.mm.probes), $(sc_per strace.mailmond fcntl strace.mm.probes)) | $y ($(sc_per strace.mailbench epoll_ctl strace.mb.probes), $(sc_per strace.mailbench fcntl strace.mb.probes)) | $(div "$x" "$y" "%.2f")× | no syscall that changes nothing | see table |"
		echo "| 2. syscalls per varbind during a column walk, net of the probes: epoll_ctl, fcntl | $(sc_walk_net epoll_ctl), $(sc_walk_net fcntl) | - | - | 0 (watchers kept; ≤ 0.05 counts as 0, the probes' share is an estimate) | $( [[ $(met "$(sc_walk_net epoll_ctl)" 0.05) == yes && $(met "$(sc_walk_net fcntl)" 0.05) == yes ]] && echo yes || echo '**no**') |"
		# both one-column walks: a walk of 10,000 varbinds lasts under
		# half a second, and /proc counts CPU in 10 ms ticks
		x=$(per_vb "$(calc "$(get col1.mm_cpu) + $(get col2.mm_cpu)")" "$(( $(get col1.vb) + $(get col2.vb) ))")
		y=$(per_vb "$(calc "$(get col1.snmpd_cpu) + $(get col2.snmpd_cpu)")" "$(( $(get col1.vb) + $(get col2.vb) ))")
		echo "| 3. one-column walk ($(get col1.vb) varbinds, twice; mailmond's CPU includes its probes meanwhile; the two walks alone: $(div "$(get col1.mm_cpu)" "$(get col1.snmpd_cpu)" "%.2f")×, $(div "$(get col2.mm_cpu)" "$(get col2.snmpd_cpu)" "%.2f")×): mailmond vs snmpd CPU per varbind | $x µs | $y µs | $(div "$x" "$y" "%.2f")× | ≤ 1.0× | $(met "$(div "$x" "$y" "%.2f")" 1.0) |"
		x=$(per_vb "$(get full.mm_cpu)" "$(get full.vb)")
		y=$(per_vb "$(get full.snmpd_cpu)" "$(get full.vb)")
		echo "| 3. full-table walk ($(get full.vb) varbinds): mailmond vs snmpd CPU per varbind | $x µs | $y µs | $(div "$x" "$y" "%.2f")× | ≤ 1.0× | $(met "$(div "$x" "$y" "%.2f")" 1.0) |"
		echo "| 3. full-table walk column by column (snmpbulkwalk), wall time (-Cr$REPS) | $(get full.wall) s | - | - | ≤ 8 s | $(met "$(get full.wall)" 8) |"
		if [[ -n $(get floor.wall_s) ]]; then
			x=$(per_vb "$(get full.wall)" "$(get full.vb)")
			y=$(per_vb "$(calc "$(get full.snmpd_cpu) + $(get full.mm_cpu)")" "$(get full.vb)")
			echo "| 3. that walk's time per varbind vs snmpd's and mailmond's CPU per varbind added up (the master asks for one cell at a time and waits: the two never run at once) | $x µs | $y µs | $(div "$x" "$y" "%.2f")× | report | - |"
			echo "| 3. the floor under that walk: as many round trips ($(get full.vb)) between two processes that only answer each other (bench/pingpong: select() as snmpd, epoll as mailmond, unix socket), wall time | $(get floor.wall_s) s | $(get full.wall) s (the walk) | $(div "$(get floor.wall_s)" "$(get full.wall)" "%.2f")× | report | - |"
			x=$(per_vb "$(get full.mm_cpu)" "$(get full.vb)")
			echo "| 3. CPU per round trip: mailmond per varbind vs bench/pingpong's epoll side, which does no work (the least a subagent spends) | $x µs | $(get floor.echo_cpu_us) µs | $(div "$x" "$(get floor.echo_cpu_us)" "%.2f")× | report | - |"
			y=$(per_vb "$(get full.snmpd_cpu)" "$(get full.vb)")
			x=$(calc "8e6 / $(get full.vb) - $y" "%.1f")
			echo "| 3. what ≤ 8 s leaves mailmond per varbind once snmpd's own CPU ($y µs) is spent, vs bench/pingpong's epoll side | $x µs | $(get floor.echo_cpu_us) µs | $(div "$x" "$(get floor.echo_cpu_us)" "%.2f")× | report (below 1.0× the goal cannot be met through this snmpd on this machine) | - |"
		fi
		if [[ -n $(get full_pin.wall) ]]; then
			echo "| 3. the same walk with snmpd and mailmond on one core (taskset; $(get full_pin.vb) varbinds) | $(get full_pin.wall) s | $(get full.wall) s (the scheduler's placement) | $(div "$(get full_pin.wall)" "$(get full.wall)" "%.2f")× | diagnostic (not the goal's placement) | - |"
		fi
		if [[ -n $(get rows.vb) ]]; then
			x=$(per_vb "$(get rows.mm_cpu)" "$(get rows.vb)")
			y=$(per_vb "$(get rows.snmpd_cpu)" "$(get rows.vb)")
			echo "| 3. full-table walk as snmptable reads it (one varbind per GETBULK, column after column; $(get rows.rows) rows, $(get rows.vb) cells): mailmond vs snmpd CPU per varbind | $x µs | $y µs | $(div "$x" "$y" "%.2f")× | ≤ 1.0× | $(met "$(div "$x" "$y" "%.2f")" 1.0) |"
			echo "| 3. full-table walk as snmptable reads it (snmptable -Cr$REPS), wall time | $(get rows.wall) s | $(get full.wall) s (snmpbulkwalk) | $(div "$(get rows.wall)" "$(get full.wall)" "%.2f")× | ≤ 8 s | $(met "$(get rows.wall)" 8) |"
		fi
		if [[ -n $(get rw.vb) ]]; then
			x=$(per_vb "$(get rw.mm_cpu)" "$(get rw.vb)")
			y=$(per_vb "$(get rw.snmpd_cpu)" "$(get rw.vb)")
			echo "| 3. full-table walk row by row (bench/rowwalk: every column in each GETBULK, $(get rw.rows) rows, $(get rw.vb) cells, $(get rw.requests) requests): mailmond vs snmpd CPU per varbind | $x µs | $y µs | $(div "$x" "$y" "%.2f")× | ≤ 1.0× | $(met "$(div "$x" "$y" "%.2f")" 1.0) |"
			echo "| 3. full-table walk row by row (bench/rowwalk -r $REPS), wall time | $(get rw.wall) s | $(get full.wall) s (column by column) | $(div "$(get rw.wall)" "$(get full.wall)" "%.2f")× | ≤ 8 s | $(met "$(get rw.wall)" 8) |"
		fi
	fi
	if has_phase listen && [[ -n $(get l_full.vb) ]]; then
		x=$(per_vb "$(get l_full.mm_cpu)" "$(get l_full.vb)")
		y=$(per_vb "$(calc "$(get full.snmpd_cpu) + $(get full.mm_cpu)")" "$(get full.vb)")
		echo "| 3. full-table walk, mailmond serving SNMP itself (snmp-listen): CPU per varbind vs snmpd + mailmond through AgentX | $x µs | $y µs | $(div "$x" "$y" "%.2f")× | - | - |"
		y=$(per_vb "$(get full.snmpd_cpu)" "$(get full.vb)")
		echo "| 3. the same: mailmond's CPU per varbind vs what snmpd alone spends on the AgentX walk | $x µs | $y µs | $(div "$x" "$y" "%.2f")× | ≤ 1.0× | $(met "$(div "$x" "$y" "%.2f")" 1.0) |"
		echo "| 3. full-table walk, wall time (-Cr$REPS), snmp-listen | $(get l_full.wall) s | $(get full.wall) s (through snmpd) | $(div "$(get l_full.wall)" "$(get full.wall)" "%.2f")× | ≤ 8 s | $(met "$(get l_full.wall)" 8) |"
		if [[ -n $(get l_rows.vb) ]]; then
			echo "| 3. full-table walk as snmptable reads it (snmptable -Cr$REPS), wall time, snmp-listen | $(get l_rows.wall) s | $(get rows.wall) s (through snmpd) | $(div "$(get l_rows.wall)" "$(get rows.wall)" "%.2f")× | ≤ 8 s | $(met "$(get l_rows.wall)" 8) |"
		fi
		if [[ -n $(get l_rw.vb) ]]; then
			echo "| 3. full-table walk row by row (bench/rowwalk -r $REPS), wall time, snmp-listen | $(get l_rw.wall) s | $(get rw.wall) s (through snmpd) | $(div "$(get l_rw.wall)" "$(get rw.wall)" "%.2f")× | ≤ 8 s | $(met "$(get l_rw.wall)" 8) |"
		fi
	fi
	if has_phase getlat; then
		# the all-answering reference is the memory phase's
		x="- (memory phase not run)" y="-"
		if [[ -n $(get get_clean.p99_ms) ]]; then
			x="$(get get_clean.p99_ms) ms (all answering)"
			y="$(div "$(get get_load.p99_ms)" "$(get get_clean.p99_ms)" "%.1f")×"
		fi
		echo "| 3. GET p99, $HUNG_PCT % hung + $REFUSED_PCT % refused | $(get get_load.p99_ms) ms | $x | $y | ≤ 10 ms | $(met "$(get get_load.p99_ms)" 10) |"
	fi
	if [[ -n $(get pp.mp_default.us) ]]; then
		x=$(div "$(get pp.mp_default.us)" "$(get pp.check_smtp.us)" "%.2f")
		echo "| 4. CPU per check, mailprobe --starttls (default trust store) vs check_smtp -S, batches of $NPROC taking turns | $(get pp.mp_default.us) µs | $(get pp.check_smtp.us) µs | ${x}× | ≤ 1.0× | $(met "$x" 1.0) |"
	fi
	if [[ -n $(get pair.default.ratio) ]]; then
		# met: the whole 95 % interval at or under 1.0; "equal" when it
		# holds 1.0 (the two cannot be told apart)
		for v in default insecure; do
			x=$(get "pair.$v.ratio")
			y=$(awk -v l="$(get "pair.$v.lo")" -v h="$(get "pair.$v.hi")" \
			    'BEGIN { if (h <= 1.0) print "yes"; else if (l <= 1.0) print "equal within the interval"; else print "**no**" }')
			echo "| 4. CPU per check, mailprobe --starttls$([[ $v == insecure ]] && echo ' --insecure' || echo ' (default trust store)') vs check_smtp -S, one check of each in turn ($NPAIR pairs; 95 % interval $(get "pair.$v.lo")–$(get "pair.$v.hi")×) | $(get "pair.$v.b_us") µs | $(get "pair.$v.a_us") µs | ${x}× | ≤ 1.0× | $y |"
		done
	fi
	if [[ -n $(get pair.default.b_flt) && -n $(get pp.fault_us) ]]; then
		# how much of the per-check gap the extra faults explain
		x=$(sub_ "$(get pair.default.b_flt)" "$(get pair.default.a_flt)" "%.1f")
		y=$(mul "$x" "$(get pp.fault_us)" "%.0f")
		echo "| 4. minor page faults per check, mailprobe --starttls vs check_smtp -S (the same pairs; one fault costs $(get pp.fault_us) µs here, bench/faultcost.c: the $x more faults are $y µs of the $(get pair.default.diff_us) µs difference) | $(get pair.default.b_flt) | $(get pair.default.a_flt) | $(div "$(get pair.default.b_flt)" "$(get pair.default.a_flt)" "%.3f")× | report | - |"
	fi
	if has_phase tls && has_phase memory; then
		x=$(sub_ "$(get tls.us)" "$(get steady.us)" "%.1f")
		y=$(sub_ "$(get mbtls_k.us)" "$(get mbplain_k.us)" "%.1f")
		echo "| 4. TLS handshake CPU per probe, mailmond at $N_TLS STARTTLS probes (TLS - plain) | $x µs | $y µs (mailbench -c $(get tls.k)) | $(div "$x" "$y" "%.2f")× | report | - |"
	fi
	if has_phase overload; then
		x=$(awk -F'\t' '$1 ~ / (2|22)$/ { s += $2 } END { print s + 0 }' "$OUT/overload.classes")
		echo "| 5. ulimit -n $OVL_NOFILE, $N probes at hung targets: probes failed as dns(2)/internal(22) | $x of $N | - | - | 0 (delayed and counted) | $( [[ $x == 0 ]] && echo yes || echo '**no**') |"
	fi
	if has_phase memory; then
		for x in herd1 herd2 herd_hup; do
			case $x in
			herd1) y="first interval after start" ;;
			herd2) y="second interval after start" ;;
			herd_hup) y="first interval after a reload that changes every probe" ;;
			esac
			echo "| 6. starts per second, $y: max / mean (CV) | $(get "$x.maxmean") ($(get "$x.cv")) | - | - | even (≤ 1.5 used here) | $(met "$(get "$x.maxmean")" 1.5) |"
		done
	fi
	echo
	echo "A ratio > 1 means mailmond costs more than the peer.  \"met\" compares the measured value with the goal."

	if has_phase memory || has_phase big; then
		echo
		echo "### Memory"
		echo
		echo "| run | probes | RSS steady KiB | KiB per probe | VmHWM after start-up KiB | VmHWM after 1st interval | VmHWM end KiB | start-up s | start-up CPU s |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		echo "| no probes | 0 | $(get base.rss_kb) | - | $(get base.hwm_kb) | - | - | - | - |"
		if has_phase memory; then
			echo "| plain | $N | $(get mem.rss_kb) | $(div "$(get mem.rss_kb)" "$N" "%.2f") | $(get mem.hwm_ready_kb) | $(get mem.hwm_first_kb) | $(get mem.hwm_end_kb) | $(get mem.startup_s) | $(get mem.startup_cpu) |"
		fi
		if has_phase tls; then
			echo "| STARTTLS | $N_TLS | $(get tls.rss_kb) | $(div "$(get tls.rss_kb)" "$N_TLS" "%.2f") | - | - | $(get tls.hwm_kb) | - | - |"
		fi
		if has_phase big && [[ -z $(get big.failed) ]]; then
			echo "| plain | $N_BIG | $(get big.rss_kb) | $(div "$(get big.rss_kb)" "$N_BIG" "%.2f") | $(get big.hwm_ready_kb) | - | $(get big.hwm_kb) | $(get big.startup_s) | $(get big.startup_cpu) |"
		elif has_phase big; then
			echo "| plain | $N_BIG | not served within $BIG_STARTUP_MAX s: RSS $(get big.fail_rss_kb) | - | $(get big.fail_hwm_kb) (so far) | - | - | > $BIG_STARTUP_MAX | $(get big.fail_cpu) (so far) |"
		fi
		echo
		if has_phase memory; then
			echo "RSS of the $N-probe daemon every $((INTERVAL / 6 > 0 ? INTERVAL / 6 : 1)) s from its start (MiB):" \
			    "$(awk -v t0="$(get mem.t0)" -v st="$((INTERVAL / 6 > 0 ? INTERVAL / 6 : 1))" '$2 != "-" && $1 - t0 >= next_t {
				printf "%s%.0f", (n++ ? " " : ""), $2 / 1024; next_t += st }' "$OUT/memory.samples")."
			echo
		fi
		# each phase says what it measured
		x=
		if has_phase memory; then
			x="RSS steady: median of $(get mem.rss_samples) one-second samples of VmRSS over the second"
			x+=" interval (every probe has run once).  \"VmHWM end\": after the walks, strace, and"
			x+=" two reloads.  "
		fi
		if has_phase big; then
			x+="$N_BIG probes: RSS steady is the median over $BIG_WINDOW s after the first interval"
			x+=" (every probe has run once).  "
		fi
		x+="Start-up: exec until mailmonProbeCount.0 answers N through snmpd.  SIGTERM to exit:"
		has_phase memory && x+=" $(get mem.stop_s) s ($N probes)"
		has_phase memory && has_phase big && x+=","
		has_phase big && x+=" $(get big.stop_s) s ($N_BIG)"
		echo "$x."
	fi
	if has_phase big && [[ -s $OUT/parse.tsv ]]; then
		echo
		echo "Reading the configuration alone (\`mailmond -n\`, nothing started):"
		echo
		echo "| probes | wall s | CPU s | peak RSS KiB | µs per probe |"
		echo "|---:|---:|---:|---:|---:|"
		awk -F'\t' '{ printf "| %d | %s | %s | %s | %.1f |\n", $1, $2, $3, $4, ($1 > 0 ? $3 * 1e6 / $1 : 0) }' "$OUT/parse.tsv"
	fi
	if has_phase big && [[ -z $(get big.failed) ]]; then
		echo
		echo "$N_BIG probes: $(get big.probes) probes in a $BIG_WINDOW s window, $(get big.us) µs CPU each," \
		    "$(get big.cpu_pct) % of one core; at most $(get big.fds_max) open fds;" \
		    "GET p50 $(get get_big.p50_ms) ms, p99 $(get get_big.p99_ms) ms ($(get get_big.ok)/$(get get_big.n) answered);" \
		    "status column walk: $(get bigcol.vb) varbinds in $(get bigcol.wall) s," \
		    "mailmond $(get bigcol.mm_cpu) s, snmpd $(get bigcol.snmpd_cpu) s CPU." \
		    "A burst (the sink stopped for 0.5 s, $(get big.burst_fds) fds open in mailmond at its end):" \
		    "RSS $(get big.burst_rss0_kb) KiB before, $(get big.burst_rss1_kb) KiB 10 s after."
	fi
	if has_phase memory; then
		echo
		echo "### CPU per probe"
		echo
		echo "| what | probes | CPU s | µs per probe | notes |"
		echo "|---|---:|---:|---:|---|"
		echo "| mailmond, first interval | $(get mem.first.probes) | $(get mem.first.cpu) | $(get mem.first.us) | first runs; each logs its first state |"
		echo "| mailmond, steady window ($(get steady.window_s) s) | $(get steady.probes) | $(get steady.cpu) | $(get steady.us) | $(get steady.rate) probes/s; in flight: mean $(get steady.inflight_mean), max $(get steady.inflight_max) (open fds above the window's minimum) |"
		echo "| mailbench -c $(get steady.k), $N probes | $(get mb_k.n) | - | $(get mb_k.us) | median of: $(get mb_k.us_all); whole process |"
		echo "| mailbench -r $RATE (one timer wake-up per probe) | $(get mb_pace.n) | - | $(get mb_pace.us) | median of: $(get mb_pace.us_all); max in flight $(get mb_pace.inflight) |"
		echo "| side by side, $REPEAT rounds of $PAIR_S s: mailmond | - | - | $(get pair.mm_us) | median; CPU over the round ÷ the sessions its sink saw |"
		echo "| side by side: mailbench -r $RATE | $(get pair.n) per round | - | $(get pair.mb_us) | median; ratios of the rounds: $(get pair.ratio_all) |"
		echo
		echo "The sink used $(get steady.sink_cpu) s CPU in the steady window." \
		    "Cross-check of the probe count: the check counters (mailmonProbeChecks, summed over" \
		    "the two column walks) grew by $(get mib.checks_delta); the sink saw $(get sink.checks_delta)" \
		    "sessions between the starts of the two walks."
		echo
		echo "Syscalls during $STRACE_S s of strace -c -f: mailmond $(get strace.mm.total) for $(get strace.mm.probes) probes;" \
		    "mailbench -r $RATE $(get strace.mb.total) for $(get strace.mb.probes) probes.  Per probe:"
		echo
		echo "| syscall | mailmond calls | mailmond per probe | mailbench calls | mailbench per probe |"
		echo "|---|---:|---:|---:|---:|"
		join -a1 -a2 -e0 -o 0,1.2,1.3,2.2,2.3 \
		    <(strace_summary "$OUT/strace.mailmond" "$(get strace.mm.probes)" | sort -k1,1) \
		    <(strace_summary "$OUT/strace.mailbench" "$(get strace.mb.probes)" | sort -k1,1) |
		    sort -k2,2nr | awk '$3 >= 0.05 || $5 >= 0.05 {
			printf "| %s | %d | %.2f | %d | %.2f |\n", $1, $2, $3, $4, $5 }'
		echo
		echo "(Syscalls below 0.05 per probe on both sides left out: mailbench's start-up and exit.)"
		echo
		echo "Syscalls of mailmond during a one-column walk under strace -c ($(get strace.walk.vb) varbinds;" \
		    "$(get strace.walk.probes) probes ran meanwhile), $(get strace.walk.total) in all:"
		echo
		echo "| syscall | calls | per varbind | net of the probes, per varbind |"
		echo "|---|---:|---:|---:|"
		strace_summary "$OUT/strace.walk" "$(get strace.walk.vb)" | head -12 |
		    while read -r sc calls per; do
			echo "| $sc | $calls | $per | $(sc_walk_net "$sc") |"
		    done
		echo
		echo "\"Net of the probes\" subtracts, for each syscall, the probes that ran during the" \
		    "walk times that syscall's count per probe in the steady strace above."
		echo
		echo "### AgentX"
		echo
		echo "GETBULK walks with \`snmpbulkwalk -v2c -Cr$REPS\` (one varbind per request, so column after column)," \
		    "\`snmptable -Cr$REPS\` (the same order) and bench/rowwalk (every column in each request, row by row)" \
		    "through snmpd while the probes run." \
		    "\"net\" subtracts what mailmond's probes cost over the same wall time" \
		    "($(get steady.cpu_per_s) CPU s per s, from the steady window)."
		echo
		echo "| walk | varbinds | wall s | mailmond CPU s | snmpd CPU s | client CPU s | mailmond µs/varbind | net | snmpd µs/varbind | mailmond ÷ snmpd |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		for x in col1 col2 full full_pin rows rw bigcol l_col1 l_col2 l_full l_rows l_rw; do
			[[ -n $(get "$x.vb") ]] || continue
			case $x in
			col1) y="mailmonProbeChecks column, $N rows" ;;
			col2) y="the same, again" ;;
			full) y="mailmonProbeTable, $N rows" ;;
			full_pin) y="the same, snmpd and mailmond on one core" ;;
			rows) y="mailmonProbeTable as snmptable reads it" ;;
			rw) y="mailmonProbeTable row by row, $(get rw.requests) requests (bench/rowwalk)" ;;
			l_rows) y="snmp-listen: mailmonProbeTable as snmptable reads it" ;;
			l_rw) y="snmp-listen: mailmonProbeTable row by row (bench/rowwalk)" ;;
			l_col1) y="snmp-listen (no snmpd): mailmonProbeChecks column, $N rows" ;;
			l_col2) y="snmp-listen: the same, again" ;;
			l_full) y="snmp-listen: mailmonProbeTable, $N rows" ;;
			bigcol) y="mailmonProbeStatus column, $N_BIG rows" ;;
			esac
			# with snmp-listen snmpd is idle: no ratio to it
			r="$(div "$(get "$x.mm_cpu")" "$(get "$x.snmpd_cpu")" "%.2f")×"
			[[ $x != l_* ]] || r="-"
			echo "| $y | $(get "$x.vb") | $(get "$x.wall") | $(get "$x.mm_cpu") | $(get "$x.snmpd_cpu") | $(get "$x.client_cpu") | $(per_vb "$(get "$x.mm_cpu")" "$(get "$x.vb")") | $(per_vb "$(net_walk "$x")" "$(get "$x.vb")") | $(per_vb "$(get "$x.snmpd_cpu")" "$(get "$x.vb")") | $r |"
		done
	fi
	if has_phase getlat || has_phase memory; then
		echo
		echo "GET latency (bench/snmpgetlat: SNMPv2c GET of a random row's mailmonProbeStatus, one session," \
		    "no retries, one after another with $GET_GAP_MS ms between two):"
		echo
		echo "| while | GETs | answered | p50 ms | p90 ms | p99 ms | max ms | mailmond CPU s |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|"
		for x in get_clean get_load get_big; do
			[[ -n $(get "$x.n") ]] || continue
			case $x in
			get_clean) y="$N probes, all answering" ;;
			get_load) y="$N probes, $HUNG_PCT % hung ($(get getlat.hung_active) connections held), $REFUSED_PCT % refused" ;;
			get_big) y="$N_BIG probes, all answering" ;;
			esac
			echo "| $y | $(get "$x.n") | $(get "$x.ok") | $(get "$x.p50_ms") | $(get "$x.p90_ms") | $(get "$x.p99_ms") | $(get "$x.max_ms") | $(get "$x.mm_cpu") |"
		done
	fi
	if has_phase tls; then
		echo
		echo "### TLS"
		echo
		echo "In the loop: $N_TLS probes with \`--starttls --ca-file\` (the sink's self-signed RSA-2048" \
		    "certificate as the anchor) at \`smtpsink -t\`; CPU over a $TLS_WINDOW s window in the second interval."
		echo
		echo "| what | probes | handshakes | µs per probe | in flight | notes |"
		echo "|---|---:|---:|---:|---:|---|"
		echo "| mailmond, STARTTLS, first interval | - | - | $(get tls.first.us) | - | first runs |"
		echo "| mailmond, STARTTLS, steady | $(get tls.probes) | $(get tls.handshakes) | $(get tls.us) | $(get tls.inflight_mean) | sink CPU $(get tls.sink_cpu) s |"
		if has_phase memory; then
			echo "| mailmond, plain, steady (memory phase) | $(get steady.probes) | - | $(get steady.us) | $(get steady.inflight_mean) | |"
		fi
		echo "| mailbench -c $(get tls.k), STARTTLS | $(get mbtls_k.n) | - | $(get mbtls_k.us) | - | median of: $(get mbtls_k.us_all); OK $(get mbtls_k.ok) |"
		echo "| mailbench -c $(get tls.k), plain | $(get mbplain_k.n) | - | $(get mbplain_k.us) | - | median of: $(get mbplain_k.us_all) |"
	fi
	if [[ -n $(get pp.check_smtp.us) ]]; then
		echo
		echo "One process per check, $NPROC checks one after another (\`xargs -P1\`), against the fixture" \
		    "Postfix's STARTTLS port (certificate from the fixture's throwaway CA); CPU = user+sys of all" \
		    "children (bash \`time\`), median of $REPEAT:"
		echo
		echo "| variant | µs CPU per check | ÷ check_smtp -S | said OK | first line of output |"
		echo "|---|---:|---:|---:|---|"
		for x in check_smtp mp_default mp_cafile mp_insecure; do
			case $x in
			check_smtp) y="check_smtp -S (verifies nothing)" ;;
			mp_default) y="mailprobe --starttls (default trust store)" ;;
			mp_cafile) y="mailprobe --starttls --ca-file CA" ;;
			mp_insecure) y="mailprobe --starttls --insecure" ;;
			esac
			echo "| $y | $(get "pp.$x.us") | $(div "$(get "pp.$x.us")" "$(get pp.check_smtp.us)" "%.2f")× | $(get "pp.$x.ok")/$NPROC | \`$(get "pp.$x.first" | tr '|' '/')\` |"
		done
		echo
		echo "The default trust store does not hold the fixture's CA, so that variant ends CRITICAL" \
		    "(certificate not verified) after the full handshake; its CPU is what looking" \
		    "the anchors up costs.  Trust files one check opens (strace): default store:" \
		    "the bundle (ca-certificates.crt) $(get pp.default.bundle)×, hashed files $(get pp.default.hashed);" \
		    "--ca-file: bundle $(get pp.cafile.bundle)×, hashed $(get pp.cafile.hashed);" \
		    "--insecure: bundle $(get pp.insecure.bundle)×, hashed $(get pp.insecure.hashed)."
		if [[ -n $(get pair.default.ratio) ]]; then
			echo
			echo "Then one check of each command in turn, the order inside each pair drawn at random," \
			    "$NPAIR pairs, CPU of each child from wait4() (bench/pairrun.py); the interval is the" \
			    "mean per-pair difference ± 1.96 standard errors, over check_smtp's mean:"
			echo
			echo "| mailprobe variant | mailprobe µs (mean / median) | check_smtp -S µs (mean / median) | ratio | 95 % interval | minor faults (mailprobe, check_smtp) | said OK (mailprobe, check_smtp) |"
			echo "|---|---:|---:|---:|---|---:|---:|"
			for v in default insecure; do
				echo "| --starttls$([[ $v == insecure ]] && echo ' --insecure' || echo ' (default trust store)') | $(get "pair.$v.b_us") / $(get "pair.$v.b_med") | $(get "pair.$v.a_us") / $(get "pair.$v.a_med") | $(get "pair.$v.ratio")× | $(get "pair.$v.lo")–$(get "pair.$v.hi")× | $(get "pair.$v.b_flt"), $(get "pair.$v.a_flt") | $(get "pair.$v.b_ok"), $(get "pair.$v.a_ok") of $NPAIR |"
			done
		fi
	fi
	if has_phase overload; then
		echo
		echo "### Overload: ulimit -n $OVL_NOFILE"
		echo
		echo "$N probes, $OVL_HUNG_PCT % at a listener that accepts and never greets, timeout $TIMEOUT s," \
		    "so about $(awk -v n="$N" -v p="$OVL_HUNG_PCT" -v t="$TIMEOUT" -v i="$INTERVAL" 'BEGIN { printf "%d", n * p / 100 * t / i }')" \
		    "connections would be open at once; RLIMIT_NOFILE (soft/hard) $(get ovl.nofile)." \
		    "Odd probe numbers use --host localhost (from /etc/hosts), even ones 127.0.0.1." \
		    "After one interval plus the timeout, the failure class column says:"
		echo
		echo "| host given as | failure class (MIB number) | probes | example reason |"
		echo "|---|---|---:|---|"
		awk -F'\t' 'BEGIN {
			split("none dns refused connectTimeout network closed greeting protocol tls certInvalid certExpiring auth reply expect timeout slow openRelay submit notDelivered mailbox config internal", nm, " ") }
			{ split($1, a, " "); printf "| %s | %s(%s) | %d | %s |\n", a[1], nm[a[2]], a[2], $2, substr($3, 1, 90) }' "$OUT/overload.classes"
		echo
		echo "Hung listener at that point: \`$(get ovl.hang | sed 's/^COUNTS //')\`; mailmond had at most" \
		    "$(get ovl.fds_max) fds open; its log has $(get ovl.log_emfile) lines with \"Too many open files\"" \
		    "($(get ovl.log_lines) lines in all)."
	fi
	if has_phase memory; then
		echo
		echo "### Herd: probe starts per second"
		echo
		echo "Connections accepted by the sink per wall-clock second (\`smtpsink -s\`); each probe" \
		    "connects once, right when it starts.  $N probes every $INTERVAL s: mean $RATE per second."
		echo
		echo "| window | seconds | starts | mean/s | min/s | max/s | max ÷ mean | CV |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|"
		for x in herd1 herd2 herd_hup; do
			case $x in
			herd1) y="1st interval after start" ;;
			herd2) y="2nd interval after start" ;;
			herd_hup) y="1st interval after a reload changing every probe" ;;
			esac
			echo "| $y | $(get "$x.secs") | $(get "$x.total") | $(get "$x.mean") | $(get "$x.min") | $(get "$x.max") | $(get "$x.maxmean") | $(get "$x.cv") |"
		done
		echo
		echo "Reload with the same file: $(get reload.same.wall) s, $(get reload.same.cpu) s CPU ($(get reload.same.log))." \
		    "Reload changing every probe (new global timeout): $(get reload.changed.wall) s," \
		    "$(get reload.changed.cpu) s CPU ($(get reload.changed.log))."
		echo
		echo "Per-second starts (20 a line):"
		for x in herd1 herd2 herd_hup; do
			echo
			echo "$x:"
			echo
			echo '```'
			awk '{ printf "%5d%s", $2, (NR % 20 == 0 ? "\n" : "") } END { if (NR % 20) print "" }' "$OUT/herd.$x"
			echo '```'
		done
	fi
	echo
	if (( ${#NOTES[@]} > 0 )); then
		echo "Notes:"
		printf -- '- %s\n' "${NOTES[@]}"
		echo
	fi
	echo "Raw outputs: $OUT"
}
report | tee "$OUT/report.md"

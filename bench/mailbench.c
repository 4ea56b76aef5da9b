/*
 * mailbench.c - run N probes at once in one event loop and say what it
 * cost: wall time, CPU, peak memory, probes per second, and how every
 * probe ended.
 *
 * usage: mailbench [-n N] [-c CONCURRENCY | -r RATE] [-Fq] -- MODE [mailprobe options]
 *   e.g. mailbench -n 10000 -- smtp -H 127.0.0.1 -p 2525
 *
 * The probe options are parsed by the same code as mailprobe's argv, so
 * a benchmark probe is exactly the probe mailprobe would run.  With
 * -c, at most CONCURRENCY probes are in flight and each finished probe
 * starts the next; the default starts all N before the loop runs.
 * With -r, a timer starts RATE probes per second, evenly paced, each
 * independent of the others' completion: the engine at the pace of a
 * daemon's schedule, waking from idle for each probe.
 * Concurrency is capped to what RLIMIT_NOFILE allows, unless -F is
 * given: then the engine meets EMFILE and its failures are counted.
 *
 * The last line is machine-readable ("RESULT key=value ...") for
 * bench/run.sh.  Exit status: 0 when every probe finished (whatever its
 * status), 1 on a setup error.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "opts.h"
#include "check.h"

/* fds kept free for stdio, epoll, c-ares and the like */
#define FD_RESERVE	64
#define N_MAX		1000000

struct bench {
	struct ev		*ev;
	struct probe_opts	 opts;
	long			 n;		/* probes to run */
	long			 started;
	long			 done;
	long			 start_failed;
	long			 status[STATUS_UNKNOWN + 1];
	long			 fail[FAIL_LAST];
	char			 why[FAIL_LAST][PROBE_REASON_MAX];
	int64_t			*total_us;	/* per finished probe */
	int64_t			 t_first_done;
	long			 inflight_max;
	int			 paced;		/* -r: the timer starts probes */
	struct ev_timer		*pacer;
	int64_t			 pace_us;	/* period of the timer */
	int64_t			 pace_next;
};

static int64_t
mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double
tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void	start_one(struct bench *);

static void
done_cb(const struct probe_result *r, void *arg)
{
	struct bench	*b = arg;
	unsigned	 st = (unsigned)r->status;

	if (b->done == 0)
		b->t_first_done = mono_us();
	if (st > STATUS_UNKNOWN)
		st = STATUS_UNKNOWN;
	b->status[st]++;
	if ((unsigned)r->fail < FAIL_LAST) {
		/* keep the first reason of each class as evidence */
		if (b->fail[r->fail]++ == 0)
			snprintf(b->why[r->fail], sizeof(b->why[r->fail]), "%s",
			    r->reason);
	}
	b->total_us[b->done++] = r->t[PH_TOTAL];
	if (!b->paced && b->started < b->n)
		start_one(b);
	if (b->done + b->start_failed >= b->n)
		ev_break(b->ev);
}

/* start the next probe; one that cannot start counts and the next goes */
static void
start_one(struct bench *b)
{
	while (b->started < b->n) {
		b->started++;
		if (check_start(b->ev, &b->opts, done_cb, b) != NULL) {
			if (b->started - b->done - b->start_failed >
			    b->inflight_max)
				b->inflight_max = b->started - b->done -
				    b->start_failed;
			return;
		}
		b->start_failed++;
	}
}

/* -r: one probe per tick, on a fixed grid whatever the loop's lag */
static void
pace_cb(void *arg)
{
	struct bench	*b = arg;

	start_one(b);
	if (b->started < b->n) {
		b->pace_next += b->pace_us;
		ev_timer_at(b->pacer, b->pace_next);
	} else if (b->done + b->start_failed >= b->n)
		ev_break(b->ev);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(const int64_t *v, long n, double p)
{
	long	 i;

	if (n == 0)
		return 0;
	i = (long)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

/* raise the soft fd limit to the hard one; returns the usable limit */
static long
raise_nofile(long want)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)LONG_MAX)
		return want + FD_RESERVE;
	return (long)rl.rlim_cur;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mailbench [-n N] [-c CONCURRENCY | -r RATE] "
	    "[-Fq] -- MODE [mailprobe options]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	struct bench	 b;
	struct opts_cli	 cli;	/* -v, --json: not used here */
	struct rusage	 ru;
	enum opts_rc	 orc;
	char		 err[256], **pargv;
	long		 conc = 0, fdlim, i;
	int64_t		 t0, t_started, t_end;
	double		 wall, user, sys, rate = 0;
	int		 ch, quiet = 0, force = 0, pargc;

	memset(&b, 0, sizeof(b));
	b.n = 1000;
	while ((ch = getopt(argc, argv, "c:Fn:qr:")) != -1) {
		switch (ch) {
		case 'c':
			conc = strtol(optarg, NULL, 10);
			break;
		case 'F':
			force = 1;
			break;
		case 'n':
			b.n = strtol(optarg, NULL, 10);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			if (rate <= 0 || rate > 1e6)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || b.n <= 0 || b.n > N_MAX || conc < 0)
		usage();
	if (rate > 0 && conc == 0)
		conc = 1;	/* only for the fd check: the pace decides */
	if (conc == 0 || conc > b.n)
		conc = b.n;

	/* opts_parse wants argv[0] as a program name, argv[1] the mode */
	pargc = argc - optind + 1;
	if ((pargv = calloc((size_t)pargc + 1, sizeof(*pargv))) == NULL)
		return 1;
	pargv[0] = "mailprobe";
	for (i = 1; i < pargc; i++)
		pargv[i] = argv[optind + i - 1];
	probe_opts_init(&b.opts);
	orc = opts_parse(&b.opts, &cli, PERS_MAILPROBE, pargc, pargv, err,
	    sizeof(err));
	free(pargv);
	if (orc != OPTS_OK) {
		fprintf(stderr, "mailbench: %s\n", orc == OPTS_ERROR ? err :
		    "-h/-V are not benchmark options");
		return 1;
	}
	log_init(0, "mailbench");
	signal(SIGPIPE, SIG_IGN);

	/* one socket per probe in flight, plus the fixed ones */
	fdlim = raise_nofile(conc);
	if (fdlim < conc + FD_RESERVE) {
		fprintf(stderr, "mailbench: RLIMIT_NOFILE is %ld, too low for "
		    "%ld probes at once", fdlim, conc);
		if (force)
			fprintf(stderr, "; running them anyway (-F)\n");
		else {
			conc = fdlim - FD_RESERVE;
			fprintf(stderr, "; running %ld at once instead\n", conc);
			if (conc <= 0)
				return 1;
		}
	}
	if ((b.total_us = calloc((size_t)b.n, sizeof(*b.total_us))) == NULL ||
	    (b.ev = ev_new()) == NULL) {
		fprintf(stderr, "mailbench: out of memory\n");
		return 1;
	}

	t0 = mono_us();
	if (rate > 0) {
		b.paced = 1;
		b.pace_us = (int64_t)(1e6 / rate);
		if (b.pace_us < 1)
			b.pace_us = 1;
		if ((b.pacer = ev_timer_new(b.ev, pace_cb, &b)) == NULL) {
			fprintf(stderr, "mailbench: out of memory\n");
			return 1;
		}
		b.pace_next = ev_now_update(b.ev);
		ev_timer_at(b.pacer, b.pace_next);
	} else
		while (b.started < conc && b.started < b.n)
			start_one(&b);
	t_started = mono_us();
	while (b.done + b.start_failed < b.n) {
		if (ev_run(b.ev) == -1) {
			if (errno == EINTR)
				continue;
			perror("mailbench: ev_run");
			break;
		}
		if (b.done + b.start_failed < b.n) {
			fprintf(stderr, "mailbench: loop ran dry with %ld of "
			    "%ld probes finished\n", b.done, b.n);
			break;
		}
	}
	t_end = mono_us();
	getrusage(RUSAGE_SELF, &ru);
	if (b.pacer != NULL)
		ev_timer_free(b.pacer);
	ev_free(b.ev);

	wall = (double)(t_end - t0) / 1e6;
	user = tv_s(&ru.ru_utime);
	sys = tv_s(&ru.ru_stime);
	qsort(b.total_us, (size_t)b.done, sizeof(*b.total_us), cmp_i64);

	if (!quiet) {
		if (b.paced)
			printf("mailbench: %ld %s probes to %s:%u, %.1f per "
			    "second, one loop\n", b.n,
			    probe_mode_name(b.opts.mode), b.opts.host,
			    b.opts.port, rate);
		else
			printf("mailbench: %ld %s probes to %s:%u, %ld at "
			    "once, one loop\n", b.n,
			    probe_mode_name(b.opts.mode), b.opts.host,
			    b.opts.port, conc);
		printf("  wall %.3f s (starting all: %.3f s, first result "
		    "after %.3f s)\n", wall, (double)(t_started - t0) / 1e6,
		    b.t_first_done ? (double)(b.t_first_done - t0) / 1e6 : 0.0);
		printf("  cpu  user %.3f s + sys %.3f s = %.3f s, %.1f us "
		    "per probe\n", user, sys, user + sys,
		    (user + sys) * 1e6 / (double)b.n);
		printf("  peak RSS %ld KiB, %.0f probes/s\n", ru.ru_maxrss,
		    (double)b.done / wall);
		printf("  probe time ms: p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
		    pct_ms(b.total_us, b.done, 0.5),
		    pct_ms(b.total_us, b.done, 0.9),
		    pct_ms(b.total_us, b.done, 0.99),
		    pct_ms(b.total_us, b.done, 1.0));
		printf("  status: ok %ld warning %ld critical %ld unknown %ld",
		    b.status[STATUS_OK], b.status[STATUS_WARNING],
		    b.status[STATUS_CRITICAL], b.status[STATUS_UNKNOWN]);
		if (b.start_failed > 0)
			printf(" not-started %ld", b.start_failed);
		printf("\n");
		for (i = 0; i < FAIL_LAST; i++)
			if (b.fail[i] > 0 && i != FAIL_NONE)
				printf("  fail %s: %ld (first: %s)\n",
				    probe_fail_name(i), b.fail[i], b.why[i]);
	}
	printf("RESULT n=%ld conc=%ld done=%ld wall=%.4f user=%.4f sys=%.4f "
	    "maxrss_kb=%ld ok=%ld warning=%ld critical=%ld unknown=%ld "
	    "not_started=%ld p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
	    "inflight_max=%ld rate=%.1f",
	    b.n, conc, b.done, wall, user, sys, ru.ru_maxrss,
	    b.status[STATUS_OK], b.status[STATUS_WARNING],
	    b.status[STATUS_CRITICAL], b.status[STATUS_UNKNOWN],
	    b.start_failed, pct_ms(b.total_us, b.done, 0.5),
	    pct_ms(b.total_us, b.done, 0.99), pct_ms(b.total_us, b.done, 1.0),
	    b.inflight_max, rate);
	for (i = 1; i < FAIL_LAST; i++)
		if (b.fail[i] > 0)
			printf(" fail_%s=%ld", probe_fail_name(i), b.fail[i]);
	printf("\n");
	explicit_bzero(&b.opts, sizeof(b.opts));
	free(b.total_us);
	return b.done + b.start_failed == b.n ? 0 : 1;
}

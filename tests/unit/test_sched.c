/*
 * test_sched.c - the soft/hard state policy (checked against an
 * independent model over every short sequence of results), start-time
 * spreading, SNMP row order and reload semantics, statistics and
 * history across reloads, and the state file through the scheduler.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "ev.h"
#include "history.h"
#include "log.h"
#include "monitor.h"
#include "optpack.h"
#include "probe_opts.h"
#include "scheduler.h"
#include "statefile.h"
#include "stats.h"
#include "target.h"
#include "util.h"

#define T0	1700000000	/* any wall-clock time: 0 would mean "never" */

/* warnings logged, for the tests that count them */
static int	 warnings;
static char	 last_warning[512];

static void
quiet(int level, const char *token, const char *msg, void *arg)
{
	(void)token;
	(void)arg;
	if (level == LOG_WARNING) {
		warnings++;
		mm_strlcpy(last_warning, msg, sizeof(last_warning));
	}
}

static void
mon_init(struct monitor *m, int retries)
{
	memset(m, 0, sizeof(*m));
	monitor_result_init(&m->last);
	m->retries = retries;
	m->state = STATUS_UNKNOWN;
	m->prev_state = STATUS_UNKNOWN;
}

static struct probe_result
result(enum probe_status st)
{
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	r.status = st;
	r.fail = st == STATUS_OK ? FAIL_NONE : FAIL_REFUSED;
	snprintf(r.reason, sizeof(r.reason), "status %d", (int)st);
	return r;
}

static enum sched_change
feed(struct monitor *m, enum probe_status st, time_t now)
{
	struct probe_result r = result(st);
	enum sched_change ch = sched_apply_result(m, &r, now);

	/* the policy tests look at states, not at the copied strings */
	monitor_result_free(&m->last);
	return ch;
}

/* ---- the policy, by example ------------------------------------------- */

static void
test_down_after_retries(void **state)
{
	struct monitor m;

	(void)state;
	mon_init(&m, 3);
	assert_int_equal(feed(&m, STATUS_OK, T0), SCHED_FIRST);
	assert_int_equal(m.state, STATUS_OK);
	assert_int_equal(m.last_change, T0);

	/* two soft failures: still OK */
	assert_int_equal(feed(&m, STATUS_CRITICAL, T0 + 1), SCHED_SAME);
	assert_int_equal(feed(&m, STATUS_CRITICAL, T0 + 2), SCHED_SAME);
	assert_int_equal(m.state, STATUS_OK);
	assert_int_equal(m.consecutive_failures, 2);
	assert_int_equal(m.last_change, T0);

	/* the third makes it hard */
	assert_int_equal(feed(&m, STATUS_CRITICAL, T0 + 3), SCHED_CHANGED);
	assert_int_equal(m.state, STATUS_CRITICAL);
	assert_int_equal(m.prev_state, STATUS_OK);
	assert_int_equal(m.last_change, T0 + 3);

	/* staying down is not a change */
	assert_int_equal(feed(&m, STATUS_CRITICAL, T0 + 4), SCHED_SAME);
	assert_int_equal(m.last_change, T0 + 3);

	/* one success brings it back */
	assert_int_equal(feed(&m, STATUS_OK, T0 + 5), SCHED_CHANGED);
	assert_int_equal(m.state, STATUS_OK);
	assert_int_equal(m.prev_state, STATUS_CRITICAL);
	assert_int_equal(m.consecutive_failures, 0);
	assert_int_equal(m.last_change, T0 + 5);

	assert_int_equal(m.checks, 6);
	assert_int_equal(m.failures, 4);
	assert_int_equal(m.last_check, T0 + 5);
	assert_true(m.have_result);
}

static void
test_flapping_stays_up(void **state)
{
	struct monitor m;
	int	 i;

	(void)state;
	mon_init(&m, 2);
	feed(&m, STATUS_OK, T0);
	for (i = 0; i < 20; i++) {
		assert_int_equal(feed(&m, STATUS_CRITICAL, T0 + 2 * i + 1),
		    SCHED_SAME);
		assert_int_equal(feed(&m, STATUS_OK, T0 + 2 * i + 2),
		    SCHED_SAME);
	}
	assert_int_equal(m.state, STATUS_OK);
	assert_int_equal(m.failures, 20);
	assert_int_equal(m.checks, 41);
}

static void
test_first_result_failing(void **state)
{
	struct monitor m;

	(void)state;
	/* a server down at start-up: UNKNOWN until retries, then a real change */
	mon_init(&m, 2);
	assert_int_equal(feed(&m, STATUS_CRITICAL, T0), SCHED_SAME);
	assert_int_equal(m.state, STATUS_UNKNOWN);
	assert_int_equal(m.last_change, 0);
	assert_int_equal(feed(&m, STATUS_CRITICAL, T0 + 1), SCHED_CHANGED);
	assert_int_equal(m.state, STATUS_CRITICAL);
	assert_int_equal(m.prev_state, STATUS_UNKNOWN);
	/* recovery after a first hard DOWN is notified */
	assert_int_equal(feed(&m, STATUS_OK, T0 + 2), SCHED_CHANGED);
}

static void
test_retries_one(void **state)
{
	struct monitor m;

	(void)state;
	mon_init(&m, 1);
	assert_int_equal(feed(&m, STATUS_WARNING, T0), SCHED_CHANGED);
	assert_int_equal(m.state, STATUS_WARNING);
	/* hard and still failing: the hard state follows the status */
	assert_int_equal(feed(&m, STATUS_CRITICAL, T0 + 1), SCHED_CHANGED);
	assert_int_equal(m.state, STATUS_CRITICAL);
	assert_int_equal(m.prev_state, STATUS_WARNING);
	assert_int_equal(feed(&m, STATUS_UNKNOWN, T0 + 2), SCHED_CHANGED);
	assert_int_equal(m.state, STATUS_UNKNOWN);
	/* retries 0 is treated as 1 */
	mon_init(&m, 0);
	assert_int_equal(feed(&m, STATUS_CRITICAL, T0), SCHED_CHANGED);
}

static void
test_result_copied(void **state)
{
	struct monitor m;
	struct probe_result r = result(STATUS_CRITICAL);

	(void)state;
	mon_init(&m, 3);
	r.reply_code = 554;
	mm_strlcpy(r.reason, "greeting rejected", sizeof(r.reason));
	sched_apply_result(&m, &r, T0);
	assert_int_equal(m.last.reply_code, 554);
	assert_string_equal(m.last.reason, "greeting rejected");
	assert_int_equal(m.last.status, STATUS_CRITICAL);
	assert_string_equal(m.last.reply_text, "");
	assert_non_null(m.last.block);
	monitor_result_free(&m.last);
}

/*
 * Phase times are kept as the MIB serves them: microseconds saturating
 * at 2^32 - 1, the delivery to the millisecond up to a day, and a phase
 * not reached apart from one that took no time.
 */
static void
test_result_times(void **state)
{
	struct monitor m;
	struct probe_result r = result(STATUS_OK);
	int	 i;

	(void)state;
	mon_init(&m, 1);
	for (i = 0; i < PH_LAST; i++)
		r.t[i] = -1;
	r.t[PH_CONNECT] = 0;
	r.t[PH_GREETING] = 1234;
	r.t[PH_QUIT] = (int64_t)UINT32_MAX;
	r.t[PH_TOTAL] = 86400LL * 1000000;		/* a day */
	r.t[PH_DELIVERY] = 86400LL * 1000000 - 1;	/* just under */
	sched_apply_result(&m, &r, T0);
	assert_int_equal(monitor_result_time(&m.last, PH_DNS), -1);
	assert_int_equal(monitor_result_time(&m.last, PH_CONNECT), 0);
	assert_int_equal(monitor_result_time(&m.last, PH_GREETING), 1234);
	assert_int_equal(monitor_result_time(&m.last, PH_QUIT), UINT32_MAX);
	assert_int_equal(monitor_result_time(&m.last, PH_TOTAL), UINT32_MAX);
	assert_int_equal(monitor_result_time(&m.last, PH_DELIVERY),
	    86400LL * 1000000 - 1000);
	assert_int_equal(monitor_result_time(&m.last, PH_LAST), -1);
	assert_int_equal(monitor_result_time(&m.last, -1), -1);
	/* the next result replaces every phase, set or not */
	r.t[PH_CONNECT] = -1;
	r.t[PH_DNS] = 5;
	sched_apply_result(&m, &r, T0 + 60);
	assert_int_equal(monitor_result_time(&m.last, PH_CONNECT), -1);
	assert_int_equal(monitor_result_time(&m.last, PH_DNS), 5);
	monitor_result_free(&m.last);
}

/* ---- the policy, exhaustively ------------------------------------------ */

/*
 * An independent model: the hard state after a history is OK if the
 * last result was OK; the last status if the last `retries` results
 * all failed; otherwise whatever it was before.
 */
static enum probe_status
model(const enum probe_status *hist, int n, int retries, enum probe_status before)
{
	int	 i;

	if (hist[n - 1] == STATUS_OK)
		return STATUS_OK;
	if (n < retries)
		return before;
	for (i = n - retries; i < n; i++)
		if (hist[i] == STATUS_OK)
			return before;
	return hist[n - 1];
}

static void
test_policy_exhaustive(void **state)
{
	static const enum probe_status sts[] = { STATUS_OK, STATUS_WARNING,
	    STATUS_CRITICAL, STATUS_UNKNOWN };
	enum probe_status hist[7];
	int	 retries, len, combos, code, i, checked = 0;

	(void)state;
	for (retries = 1; retries <= 4; retries++) {
		for (len = 1; len <= 7; len++) {
			for (combos = 1, i = 0; i < len; i++)
				combos *= 4;
			for (code = 0; code < combos; code++) {
				struct monitor m;
				enum probe_status hard = STATUS_UNKNOWN;
				int	 c = code, fails = 0, decided = 0;

				mon_init(&m, retries);
				for (i = 0; i < len; i++) {
					enum probe_status want;
					enum sched_change ch;

					hist[i] = sts[c % 4];
					c /= 4;
					want = model(hist, i + 1, retries, hard);
					ch = feed(&m, hist[i], T0 + i);
					fails += hist[i] != STATUS_OK;
					assert_int_equal(m.state, want);
					if (want == hard)
						assert_int_equal(ch, SCHED_SAME);
					else if (!decided && want == STATUS_OK)
						assert_int_equal(ch, SCHED_FIRST);
					else
						assert_int_equal(ch, SCHED_CHANGED);
					if (want != hard) {
						assert_int_equal(m.prev_state, hard);
						assert_int_equal(m.last_change, T0 + i);
						decided = 1;
					}
					hard = want;
					checked++;
				}
				assert_int_equal(m.checks, len);
				assert_int_equal(m.failures, fails);
			}
		}
	}
	assert_true(checked > 80000);
}

/* ---- rows and reload --------------------------------------------------- */

/* (re)pack a probe's options: a mode, a port, a whole timeout or none */
static void
pack_probe(struct conf_probe *cp, enum probe_mode mode, uint16_t port,
    int timeout_ms)
{
	struct probe_opts o;
	char	 err[128];

	probe_opts_init(&o);
	mm_strlcpy(o.name, cp->name, sizeof(o.name));
	mm_strlcpy(o.host, "127.0.0.1", sizeof(o.host));
	o.mode = mode;
	o.port = port;
	if (timeout_ms > 0) {
		o.timeout_ms = timeout_ms;
		assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), 0);
	}
	optpack_free(cp->pack);
	cp->pack = optpack_new(&o);
	assert_non_null(cp->pack);
}

static void
add_probe(struct conf *c, const char *name, uint16_t port, int interval,
    int retries)
{
	struct conf_probe *cp;

	c->probes = realloc(c->probes, (c->nprobes + 1) * sizeof(*c->probes));
	assert_non_null(c->probes);
	cp = &c->probes[c->nprobes++];
	memset(cp, 0, sizeof(*cp));
	mm_strlcpy(cp->name, name, sizeof(cp->name));
	pack_probe(cp, MODE_TCP, port, 0);
	cp->interval_s = interval;
	cp->retries = retries;
	cp->history = CONF_DEF_HISTORY;
}

static struct monitor *
row(struct sched *s, const char *name)
{
	struct monitor *const *rows;
	size_t	 n, i;

	rows = sched_rows(s, &n);
	for (i = 0; i < n; i++)
		if (strcmp(rows[i]->name, name) == 0)
			return rows[i];
	return NULL;
}

static void
test_rows_sorted(void **state)
{
	static const char *want[] = { "a", "b", "Z9", "aa", "ab", "c10", "c100" };
	struct conf c;
	struct ev *ev;
	struct sched *s;
	struct monitor *const *rows;
	size_t	 n, i;

	(void)state;
	memset(&c, 0, sizeof(c));
	add_probe(&c, "c100", 1, 60, 3);
	add_probe(&c, "ab", 1, 60, 3);
	add_probe(&c, "b", 1, 60, 3);
	add_probe(&c, "c10", 1, 60, 3);
	add_probe(&c, "aa", 1, 60, 3);
	add_probe(&c, "a", 1, 60, 3);
	add_probe(&c, "Z9", 1, 60, 3);
	ev = ev_new();
	assert_non_null(ev);
	s = sched_new(ev, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sched_apply_conf(s, &c), 7);
	rows = sched_rows(s, &n);
	assert_int_equal(n, 7);
	for (i = 0; i < n; i++)
		assert_string_equal(rows[i]->name, want[i]);
	/* rows_cb is the same view */
	assert_ptr_equal(sched_rows_cb(&n, s), rows);
	/* nothing has run yet: every row is UNKNOWN and counted as bad */
	assert_int_equal(sched_count_bad(s), 7);
	for (i = 0; i < n; i++) {
		assert_int_equal(rows[i]->state, STATUS_UNKNOWN);
		assert_null(rows[i]->running);
		assert_true(rows[i]->next_run_us >= ev_now(ev));
		assert_true(rows[i]->next_run_us < ev_now(ev) + 60 * 1000000LL);
	}
	sched_free(s);
	ev_free(ev);
	conf_free(&c);
}

static void
test_reload(void **state)
{
	struct conf c1, c2;
	struct ev *ev;
	struct sched *s;
	struct monitor *keep, *chg, *m;
	int64_t	 keep_next;
	size_t	 n;

	(void)state;
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	add_probe(&c1, "gone", 1, 60, 3);
	add_probe(&c1, "keep", 2, 60, 3);
	add_probe(&c1, "changed", 3, 60, 3);

	add_probe(&c2, "changed", 4, 60, 3);	/* other port */
	add_probe(&c2, "keep", 2, 60, 3);	/* identical */
	add_probe(&c2, "new", 5, 60, 3);

	ev = ev_new();
	assert_non_null(ev);
	s = sched_new(ev, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sched_apply_conf(s, &c1), 3);

	keep = row(s, "keep");
	chg = row(s, "changed");
	assert_non_null(keep);
	assert_non_null(chg);
	/* give them some history */
	feed(keep, STATUS_OK, T0);
	feed(keep, STATUS_CRITICAL, T0 + 1);
	feed(chg, STATUS_CRITICAL, T0);
	feed(chg, STATUS_CRITICAL, T0 + 1);
	feed(chg, STATUS_CRITICAL, T0 + 2);
	assert_int_equal(chg->state, STATUS_CRITICAL);
	keep_next = keep->next_run_us;

	/* the same file again changes nothing */
	assert_int_equal(sched_apply_conf(s, &c1), 0);
	assert_ptr_equal(row(s, "keep"), keep);
	assert_int_equal(keep->next_run_us, keep_next);

	/* gone removed, changed changed, new added */
	assert_int_equal(sched_apply_conf(s, &c2), 3);
	sched_rows(s, &n);
	assert_int_equal(n, 3);
	assert_null(row(s, "gone"));
	assert_non_null(row(s, "new"));

	/* an identical probe keeps everything, schedule included */
	assert_ptr_equal(row(s, "keep"), keep);
	assert_int_equal(keep->checks, 2);
	assert_int_equal(keep->failures, 1);
	assert_int_equal(keep->consecutive_failures, 1);
	assert_int_equal(keep->state, STATUS_OK);
	assert_int_equal(keep->next_run_us, keep_next);

	/* a changed probe keeps state and counters, takes the new options */
	m = row(s, "changed");
	assert_ptr_equal(m, chg);
	assert_int_equal(m->port, 4);
	assert_int_equal(m->checks, 3);
	assert_int_equal(m->state, STATUS_CRITICAL);

	/* a changed interval or retries counts as a change too */
	c2.probes[1].retries = 5;
	assert_int_equal(sched_apply_conf(s, &c2), 1);
	assert_int_equal(keep->retries, 5);
	assert_int_equal(keep->checks, 2);

	/* and an empty file empties the table */
	conf_free(&c1);
	memset(&c1, 0, sizeof(c1));
	assert_int_equal(sched_apply_conf(s, &c1), 3);
	sched_rows(s, &n);
	assert_int_equal(n, 0);
	assert_int_equal(sched_count_bad(s), 0);

	sched_free(s);
	ev_free(ev);
	conf_free(&c2);
}

/* ---- with the real engine, on loopback --------------------------------- */

/* n SMTP probes PREFIX0.. at 127.0.0.1:port, every second */
static void
smtp_probes(struct conf *c, const char *prefix, size_t n, uint16_t port,
    int timeout_ms)
{
	char	 name[16];
	size_t	 i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%zu", prefix, i);
		add_probe(c, name, port, 1, 1);
		pack_probe(&c->probes[i], MODE_SMTP, port, timeout_ms);
	}
}

/* a listening socket that never says a word; returns fd, *port set */
static int
silent_listener(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int	 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
count_change(const struct monitor *m, void *arg)
{
	int	*n = arg;

	(void)m;
	(*n)++;
}

static void
run_for(struct ev *ev, int64_t us)
{
	int64_t	 end = ev_now_update(ev) + us;

	while (ev_now_update(ev) < end)
		ev_run_once(ev, 50000);
}

static void
test_live_closed_port(void **state)
{
	struct conf c;
	struct ev *ev;
	struct sched *s;
	struct monitor *m;
	uint16_t port;
	int	 fd, changes = 0;

	(void)state;
	/* a port that was just free: connecting is refused */
	fd = silent_listener(&port);
	close(fd);
	memset(&c, 0, sizeof(c));
	add_probe(&c, "dead", port, 1, 2);
	pack_probe(&c.probes[0], MODE_TCP, port, 2000);

	ev = ev_new();
	assert_non_null(ev);
	s = sched_new(ev, count_change, &changes);
	assert_non_null(s);
	assert_int_equal(sched_apply_conf(s, &c), 1);
	m = row(s, "dead");
	/* first run within one interval, then every second */
	run_for(ev, 3500000);
	assert_true(m->checks >= 3 && m->checks <= 4);
	assert_int_equal(m->failures, m->checks);
	assert_int_equal(m->state, STATUS_CRITICAL);
	assert_int_equal(m->last.fail, FAIL_REFUSED);
	/* one hard change, announced once */
	assert_int_equal(changes, 1);
	assert_int_equal(m->prev_state, STATUS_UNKNOWN);
	sched_free(s);
	ev_free(ev);
	conf_free(&c);
}

static void
test_live_never_overlaps(void **state)
{
	struct conf c;
	struct ev *ev;
	struct sched *s;
	struct monitor *m;
	uint16_t port;
	int	 fd;

	(void)state;
	/* an SMTP server that never greets: each run lasts its full timeout */
	fd = silent_listener(&port);
	memset(&c, 0, sizeof(c));
	add_probe(&c, "slow", port, 1, 1);
	pack_probe(&c.probes[0], MODE_SMTP, port, 1500);

	ev = ev_new();
	assert_non_null(ev);
	s = sched_new(ev, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sched_apply_conf(s, &c), 1);
	m = row(s, "slow");
	run_for(ev, 4600000);
	/*
	 * Start at j in [0,1) s, 1.5 s per run, the next free slot after
	 * each: runs end at j+1.5 and j+3.5, the third only at j+5.5.  A
	 * scheduler that overlapped runs would have finished 3 or 4.
	 */
	assert_int_equal(m->checks, 2);
	assert_int_equal(m->last.fail, FAIL_TIMEOUT);
	assert_int_equal(m->state, STATUS_CRITICAL);
	/* a reload that changes the probe cancels the run in flight */
	pack_probe(&c.probes[0], MODE_SMTP, port, 1400);
	assert_int_equal(sched_apply_conf(s, &c), 1);
	assert_null(m->running);
	sched_free(s);
	ev_free(ev);
	close(fd);
	conf_free(&c);
}

/* ---- statistics and history ------------------------------------------ */

/* one result through the policy and into the statistics and history */
static void
record(struct monitor *m, enum probe_status st, int64_t clock)
{
	struct probe_result r = result(st);

	r.t[PH_TOTAL] = 1000;
	sched_apply_result(m, &r, T0 + clock);
	sched_record(m, &r, clock, T0 + clock);
}

static uint32_t
hour_results(const struct monitor *m, int64_t clock)
{
	struct stats_summary sum;

	stats_window(m->stats, STATS_HOUR, clock, &sum);
	return sum.results;
}

static void
test_reload_keeps_stats(void **state)
{
	struct conf c1, c2;
	struct ev *ev;
	struct sched *s;
	struct monitor *keep, *chg, *shrink, *fresh;
	struct stats *keep_stats;
	int64_t	 shrink_next, clock;
	int	 i;

	(void)state;
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	add_probe(&c1, "keep", 2, 60, 3);
	add_probe(&c1, "changed", 3, 60, 3);
	add_probe(&c1, "shrink", 4, 60, 3);
	add_probe(&c2, "keep", 2, 60, 3);
	add_probe(&c2, "changed", 33, 60, 3);	/* other port */
	add_probe(&c2, "shrink", 4, 60, 3);
	c2.probes[2].history = 2;		/* only the history size */
	add_probe(&c2, "fresh", 5, 60, 3);

	ev = ev_new();
	assert_non_null(ev);
	s = sched_new(ev, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sched_apply_conf(s, &c1), 3);
	keep = row(s, "keep");
	chg = row(s, "changed");
	shrink = row(s, "shrink");
	/* every monitor starts with statistics and a history of N */
	assert_non_null(keep->stats);
	assert_int_equal(keep->history->cap, CONF_DEF_HISTORY);
	assert_true(keep->counted_since_us > 0);
	clock = sched_stats_clock(s);
	for (i = 0; i < 5; i++) {
		record(keep, i % 2 ? STATUS_CRITICAL : STATUS_OK, clock);
		record(chg, STATUS_OK, clock);
		record(shrink, STATUS_CRITICAL, clock);
	}
	keep_stats = keep->stats;
	shrink_next = shrink->next_run_us;

	/* changed port and a new probe count; a new history size does not */
	assert_int_equal(sched_apply_conf(s, &c2), 2);
	assert_ptr_equal(row(s, "keep"), keep);
	assert_ptr_equal(keep->stats, keep_stats);
	assert_int_equal(hour_results(keep, clock), 5);
	assert_int_equal(keep->history->n, 5);
	assert_int_equal(keep->history->seq, 5);
	/* a probe with new options is the same row: it keeps them too */
	assert_int_equal(hour_results(chg, clock), 5);
	assert_int_equal(chg->history->seq, 5);
	/* a smaller history keeps the newest, and the schedule */
	assert_ptr_equal(row(s, "shrink"), shrink);
	assert_int_equal(shrink->history->cap, 2);
	assert_int_equal(shrink->history->n, 2);
	assert_int_equal(history_at(shrink->history, 0)->seq, 4);
	assert_int_equal(history_at(shrink->history, 1)->seq, 5);
	assert_int_equal(shrink->next_run_us, shrink_next);
	assert_int_equal(hour_results(shrink, clock), 5);
	/* the new one starts empty, counting from now */
	fresh = row(s, "fresh");
	assert_non_null(fresh);
	assert_int_equal(hour_results(fresh, clock), 0);
	assert_int_equal(fresh->history->n, 0);
	assert_true(fresh->counted_since_us >= keep->counted_since_us);
	/* the numbering goes on after the reload */
	record(shrink, STATUS_OK, clock);
	assert_int_equal(history_at(shrink->history, 1)->seq, 6);

	sched_free(s);
	ev_free(ev);
	conf_free(&c1);
	conf_free(&c2);
}

static int
one_rec(size_t i, struct statefile_rec *r, void *arg)
{
	(void)i;
	*r = *(struct statefile_rec *)arg;
	return 0;
}

static void
test_state_file(void **state)
{
	struct conf c1, c2;
	struct ev *ev;
	struct sched *s1, *s2;
	struct monitor *a1, *b1, *a2, *b2;
	char	 dir[64], path[128], err[256];
	size_t	 restored, unknown;
	int64_t	 clock;
	int	 i, rc;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mm-test-sched.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	add_probe(&c1, "a", 1, 60, 3);
	add_probe(&c1, "b", 2, 60, 3);
	add_probe(&c1, "gone", 3, 60, 3);
	add_probe(&c2, "new", 4, 60, 3);
	add_probe(&c2, "b", 2, 60, 3);
	add_probe(&c2, "a", 1, 60, 3);
	c2.probes[2].history = 3;

	ev = ev_new();
	assert_non_null(ev);
	s1 = sched_new(ev, NULL, NULL);
	assert_non_null(s1);
	assert_int_equal(sched_apply_conf(s1, &c1), 3);
	a1 = row(s1, "a");
	b1 = row(s1, "b");
	clock = sched_stats_clock(s1);
	for (i = 0; i < 8; i++) {
		record(a1, i % 4 == 0 ? STATUS_CRITICAL : STATUS_OK, clock);
		record(b1, STATUS_OK, clock);
	}
	assert_int_equal(sched_state_save(s1, path, 1, err, sizeof(err)), 0);
	assert_false(sched_state_dirty(s1));

	/* a second daemon, other probes: the kept names get it all back */
	s2 = sched_new(ev, NULL, NULL);
	assert_non_null(s2);
	assert_int_equal(sched_apply_conf(s2, &c2), 3);
	a2 = row(s2, "a");
	b2 = row(s2, "b");
	assert_int_equal(sched_state_load(s2, path, &restored, &unknown, err,
	    sizeof(err)), 0);
	assert_int_equal(restored, 2);
	assert_int_equal(unknown, 1);			/* "gone" */
	assert_int_equal(a2->checks, 8);
	assert_int_equal(a2->failures, 2);
	assert_int_equal(b2->checks, 8);
	assert_true(sched_stats_clock(s2) >= clock);
	assert_int_equal(hour_results(a2, sched_stats_clock(s2)), 8);
	assert_memory_equal(a2->stats, a1->stats, sizeof(struct stats));
	/* a's history is 3 now: its newest 3, numbering on from 8 */
	assert_int_equal(a2->history->cap, 3);
	assert_int_equal(a2->history->n, 3);
	assert_int_equal(history_at(a2->history, 0)->seq, 6);
	assert_int_equal(a2->history->seq, 8);
	assert_int_equal(b2->history->n, 8);
	/* the hard state is not restored: it is decided afresh */
	assert_int_equal(a2->state, STATUS_UNKNOWN);
	assert_int_equal(row(s2, "new")->checks, 0);
	sched_free(s2);

	/* no file yet: 1; a damaged one: ignored, nothing restored */
	s2 = sched_new(ev, NULL, NULL);
	assert_non_null(s2);
	assert_int_equal(sched_apply_conf(s2, &c2), 3);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(sched_state_load(s2, path, &restored, &unknown, err,
	    sizeof(err)), 1);
	snprintf(path, sizeof(path), "%s/state", dir);
	{
		FILE	*fp = fopen(path, "r+b");

		assert_non_null(fp);
		assert_int_equal(fseek(fp, 100, SEEK_SET), 0);
		assert_int_equal(fputc(0x5a, fp), 0x5a);
		fclose(fp);
	}
	rc = sched_state_load(s2, path, &restored, &unknown, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_int_equal(restored, 0);
	assert_int_equal(row(s2, "a")->checks, 0);
	sched_free(s2);
	sched_free(s1);

	/*
	 * Downtime ages the windows: a file written more than an hour ago
	 * (by the wall clock) with one result just before, read now: the
	 * result has left the hour, not the day.
	 */
	{
		struct statefile_info info;
		struct stats st;
		struct statefile_rec rec;
		struct stats_summary sum;
		struct probe_result r = result(STATUS_OK);

		stats_init(&st);
		r.t[PH_TOTAL] = 10;
		stats_add(&st, 50000, T0, &r);
		memset(&rec, 0, sizeof(rec));
		rec.name = "a";
		rec.checks = 1;
		rec.stats = &st;
		memset(&info, 0, sizeof(info));
		info.wall = time(NULL) - 4000;
		info.clock = 50010;
		assert_int_equal(statefile_save(path, 1, one_rec, &rec, &info,
		    err, sizeof(err)), 0);
		s2 = sched_new(ev, NULL, NULL);
		assert_non_null(s2);
		assert_int_equal(sched_apply_conf(s2, &c2), 3);
		assert_int_equal(sched_state_load(s2, path, &restored,
		    &unknown, err, sizeof(err)), 0);
		clock = sched_stats_clock(s2);
		assert_true(clock >= 50010 + 4000 && clock < 50010 + 4100);
		a2 = row(s2, "a");
		assert_int_equal(hour_results(a2, clock), 0);
		stats_window(a2->stats, STATS_DAY, clock, &sum);
		assert_int_equal(sum.results, 1);
		sched_free(s2);
	}
	ev_free(ev);
	conf_free(&c1);
	conf_free(&c2);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	rc = system(path);
	(void)rc;
}

/* ---- start-up spread, overload ----------------------------------------- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* the first runs of n probes of one interval: k * interval / n from now */
static void
check_even(struct sched *s, int64_t now, const char *prefix, int n,
    int interval)
{
	struct monitor *const *rows;
	int64_t	 off[64];
	size_t	 nr, i;
	int	 k = 0;

	rows = sched_rows(s, &nr);
	for (i = 0; i < nr; i++)
		if (strncmp(rows[i]->name, prefix, strlen(prefix)) == 0) {
			assert_true(k < 64);
			off[k++] = rows[i]->next_run_us - now;
		}
	assert_int_equal(k, n);
	qsort(off, (size_t)k, sizeof(off[0]), cmp_i64);
	/* counted from when the configuration was applied, not before */
	assert_true(off[0] > -50000 && off[0] < 100000);
	for (k = 0; k < n; k++)
		assert_int_equal(off[k] - off[0],
		    (int64_t)interval * 1000000 * k / n);
}

static void
test_spread(void **state)
{
	struct conf c1, c2;
	struct ev *ev;
	struct sched *s;
	char	 name[16];
	int64_t	 now;
	int	 i;

	(void)state;
	memset(&c1, 0, sizeof(c1));
	for (i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		add_probe(&c1, name, 1, 60, 3);
	}
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		add_probe(&c1, name, 1, 10, 3);
	}
	ev = ev_new();
	assert_non_null(ev);
	s = sched_new(ev, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sched_apply_conf(s, &c1), 67);
	now = ev_now_update(ev);
	/* one a second for the minute probes, 7 over 10 s for the others */
	check_even(s, now, "m", 60, 60);
	check_even(s, now, "t", 7, 10);

	/* a reload that changes all the minute probes spreads them again */
	memset(&c2, 0, sizeof(c2));
	for (i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		add_probe(&c2, name, 2, 60, 3);		/* other port */
	}
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		add_probe(&c2, name, 1, 10, 3);		/* unchanged */
	}
	/*
	 * ... from the time it is applied: a large file takes a while to
	 * read, and slots counted from before would all be in the past
	 */
	(void)ev_now_update(ev);
	usleep(300000);
	assert_int_equal(sched_apply_conf(s, &c2), 60);
	now = ev_now_update(ev);
	check_even(s, now, "m", 60, 60);
	sched_free(s);
	ev_free(ev);
	conf_free(&c1);
	conf_free(&c2);
}

/* what a check may hold at once, by kind */
static void
test_weight(void **state)
{
	struct probe_opts o;

	(void)state;
	probe_opts_init(&o);
	o.mode = MODE_SMTP;
	assert_int_equal(check_weight(&o), 1);
	o.mode = MODE_DELIVERY;
	assert_int_equal(check_weight(&o), 2);
	o.mode = MODE_SMTP;
	o.family_both = 1;
	assert_int_equal(check_weight(&o), PROBE_ADDR_DEFAULT);
	o.family_both = 0;
	o.mode = MODE_MX;
	assert_int_equal(check_weight(&o), PROBE_MX_DEFAULT *
	    PROBE_ADDR_DEFAULT);
	o.max_mx = 16;
	o.max_addr = 8;
	assert_int_equal(check_weight(&o), TARGET_MAX);
}

/*
 * Six probes of a server that accepts and never greets, room for two:
 * never more than two run, the others wait their turn, and every one
 * of them runs, each failing for the server's silence, none for want
 * of room.
 */
static void
test_live_inflight_cap(void **state)
{
	struct conf c;
	struct ev *ev;
	struct sched *s;
	struct sched_load l;
	struct monitor *const *rows;
	uint16_t port;
	unsigned most = 0, waited = 0;
	size_t	 n, i;
	int64_t	 end;
	int	 fd, changes = 0;

	(void)state;
	fd = silent_listener(&port);
	smtp_probes(&c, "hung", 6, port, 700);
	ev = ev_new();
	assert_non_null(ev);
	s = sched_new(ev, count_change, &changes);
	assert_non_null(s);
	sched_set_max_inflight(s, 2);
	assert_int_equal(sched_apply_conf(s, &c), 6);
	end = ev_now_update(ev) + 3000000;
	while (ev_now_update(ev) < end) {
		ev_run_once(ev, 20000);
		sched_load(s, &l);
		if (l.inflight > most)
			most = l.inflight;
		if (l.waiting > waited)
			waited = l.waiting;
	}
	sched_load(s, &l);
	assert_int_equal(most, 2);
	assert_int_equal(l.max_inflight, 2);
	assert_true(waited >= 3);
	assert_true(l.delayed >= 4);
	assert_int_equal(l.internal, 0);
	rows = sched_rows(s, &n);
	for (i = 0; i < n; i++) {
		assert_true(rows[i]->checks >= 1);
		assert_int_equal(rows[i]->failures, rows[i]->checks);
		assert_int_equal(rows[i]->last.fail, FAIL_TIMEOUT);
	}
	/* a higher limit lets the queue go at once */
	sched_set_max_inflight(s, 0);
	run_for(ev, 100000);
	sched_load(s, &l);
	assert_int_equal(l.waiting, 0);
	sched_free(s);
	ev_free(ev);
	close(fd);
	conf_free(&c);
}

/*
 * A burst in flight, then its end: twelve checks hang on a server that
 * never greets, then the server goes away and they all end at once.
 * The trim hook runs once the burst has drained, and not again for the
 * refused checks after it, one or two in flight at a time; with a
 * threshold above the burst it never runs.
 */
static unsigned trim_calls;

static void
count_trim(void)
{
	trim_calls++;
}

static void
test_live_trim_after_burst(void **state)
{
	unsigned min_peak[2] = { 6, 13 }, want[2] = { 1, 0 };
	struct sched_load l;
	int	 k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct conf c;
		struct ev *ev;
		struct sched *s;
		uint16_t port;
		int	 fd, changes = 0;

		fd = silent_listener(&port);
		smtp_probes(&c, "burst", 12, port, 5000);
		ev = ev_new();
		assert_non_null(ev);
		s = sched_new(ev, count_change, &changes);
		assert_non_null(s);
		sched_set_trim(s, count_trim, min_peak[k]);
		trim_calls = 0;
		assert_int_equal(sched_apply_conf(s, &c), 12);
		run_for(ev, 1300000);
		sched_load(s, &l);
		assert_int_equal(l.inflight, 12);
		assert_int_equal(trim_calls, 0);
		close(fd);	/* the queued connections are reset */
		run_for(ev, 2000000);
		sched_load(s, &l);
		assert_int_equal(trim_calls, want[k]);
		assert_int_equal(l.trims, want[k]);
		sched_free(s);
		ev_free(ev);
		conf_free(&c);
	}
}

/*
 * No descriptor left: a numeric host fails to get a socket, a name
 * fails to reach the resolver.  Both are the daemon's trouble: class
 * internal, the state and counters untouched, no notification, one
 * warning.
 */
static void
test_live_fd_exhaustion(void **state)
{
	struct conf c;
	struct ev *ev;
	struct sched *s;
	struct sched_load l;
	struct monitor *ip, *name;
	struct probe_opts o;
	struct rlimit old, low;
	char	 err[128], dns[32];
	uint16_t tport, uport;
	int	 fd, ufd, changes = 0, held[300], nheld = 0, w0;
	uint64_t ip_checks, name_checks;

	(void)state;
	/* a TCP port and a UDP port with nobody behind them */
	fd = silent_listener(&tport);
	close(fd);
	{
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);

		ufd = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(ufd >= 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(ufd, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
		assert_int_equal(getsockname(ufd, (struct sockaddr *)&sin,
		    &len), 0);
		uport = ntohs(sin.sin_port);
		close(ufd);
	}
	snprintf(dns, sizeof(dns), "127.0.0.1:%u", uport);

	memset(&c, 0, sizeof(c));
	add_probe(&c, "ip", tport, 1, 1);
	add_probe(&c, "name", tport, 1, 1);
	probe_opts_init(&o);
	mm_strlcpy(o.name, "name", sizeof(o.name));
	mm_strlcpy(o.host, "mx.example.test", sizeof(o.host));
	mm_strlcpy(o.dns_server, dns, sizeof(o.dns_server));
	o.mode = MODE_TCP;
	o.port = tport;
	o.timeout_ms = 800;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), 0);
	optpack_free(c.probes[1].pack);
	c.probes[1].pack = optpack_new(&o);

	ev = ev_new();
	assert_non_null(ev);
	s = sched_new(ev, count_change, &changes);
	assert_non_null(s);
	assert_int_equal(sched_apply_conf(s, &c), 2);
	ip = row(s, "ip");
	name = row(s, "name");
	/* with descriptors: the server's and the resolver's faults */
	run_for(ev, 900000);
	assert_int_equal(ip->last.fail, FAIL_REFUSED);
	assert_int_equal(name->last.fail, FAIL_DNS);
	assert_int_equal(changes, 2);
	ip_checks = ip->checks;
	name_checks = name->checks;

	/* now none: fill the table up to a lowered limit */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 256;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (nheld < 300 && (held[nheld] = dup(0)) != -1)
		nheld++;
	assert_true(nheld < 300);
	w0 = warnings;
	run_for(ev, 1100000);
	while (nheld > 0)
		close(held[--nheld]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);

	sched_load(s, &l);
	assert_int_equal(ip->last.fail, FAIL_INTERNAL);
	assert_int_equal(name->last.fail, FAIL_INTERNAL);
	assert_non_null(strstr(name->last.reason, "file descriptor"));
	assert_true(l.internal >= 2);
	/* nothing counted, nothing changed, nothing notified */
	assert_int_equal(ip->checks, ip_checks);
	assert_int_equal(name->checks, name_checks);
	assert_int_equal(ip->state, STATUS_CRITICAL);
	assert_int_equal(changes, 2);
	/* and one warning for the whole burst */
	assert_int_equal(warnings - w0, 1);
	assert_non_null(strstr(last_warning, "not of the server"));
	sched_free(s);
	ev_free(ev);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_after_retries),
		cmocka_unit_test(test_flapping_stays_up),
		cmocka_unit_test(test_first_result_failing),
		cmocka_unit_test(test_retries_one),
		cmocka_unit_test(test_result_copied),
		cmocka_unit_test(test_result_times),
		cmocka_unit_test(test_policy_exhaustive),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_weight),
		cmocka_unit_test(test_live_inflight_cap),
		cmocka_unit_test(test_live_trim_after_burst),
		cmocka_unit_test(test_live_fd_exhaustion),
		cmocka_unit_test(test_rows_sorted),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_reload_keeps_stats),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_live_closed_port),
		cmocka_unit_test(test_live_never_overlaps),
	};

	log_init(0, "test");
	log_register(quiet, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

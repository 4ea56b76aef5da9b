/*
 * scheduler.c - the probe scheduler and the soft/hard state policy.
 *
 * Each monitor has one timer.  The timer starts the probe; the probe's
 * completion applies the result and arms the timer for the next slot.
 * So a probe can never overlap with itself, however slow it is: a run
 * that overshoots its interval just skips the slots it missed.
 *
 * First runs are spread evenly over the interval (sched_spread()), so
 * a daemon with a thousand probes does not open a thousand connections
 * in the same second, at start-up or after a reload.  Running checks
 * hold at most max_inflight connections; a probe whose slot comes
 * when there is no room waits its turn: late, never failed.
 *
 * Every result also goes into the monitor's statistics (stats.h) and
 * history (history.h), before anyone is told about a state change, so a
 * notification carries the availability including that result.  Both
 * belong to the probe's name: a reload keeps them, and the state file
 * carries them across restarts.
 */
#include "config.h"

#include <sys/queue.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ev.h"
#include "history.h"
#include "check.h"
#include "log.h"
#include "optpack.h"
#include "scheduler.h"
#include "statefile.h"
#include "stats.h"
#include "target.h"
#include "util.h"

#define USEC	1000000LL

struct mon {
	struct monitor	 m;	/* first: the agent sees only this part */
	struct sched	*s;
	TAILQ_ENTRY(mon) wq;
	uint8_t		 weight;	/* check_weight() of the options */
	uint8_t		 run_weight;	/* what the running check holds */
	uint8_t		 keep;		/* reload bookkeeping */
	uint8_t		 waiting;	/* in the queue for room */
};
/* a weight is at most TARGET_MAX connections */
typedef char mon_weight_fits[TARGET_MAX <= UINT8_MAX ? 1 : -1];

struct sched {
	struct ev	*ev;
	monitor_change_cb cb;
	void		*cb_arg;
	unsigned long	(*ticks)(void);
	struct monitor	**rows;		/* sorted, see row_cmp() */
	size_t		 nrows;
	/* stats clock = monotonic seconds + this (set by a state file) */
	int64_t		 clock_offset;
	int		 dirty;		/* results since the last save */

	/*
	 * Overload: running checks hold at most max_inflight connections
	 * (0 = no limit).  A probe whose slot comes while there is no
	 * room waits in a queue, in order, and runs as soon as there is:
	 * it is late, not failed.
	 */
	unsigned	 inflight;
	unsigned	 max_inflight;
	uint64_t	 delayed;	/* checks that had to wait */
	uint64_t	 internal;	/* results of class internal */
	int		 internal_logged;	/* a burst is under way */
	uint64_t	 internal_burst;	/* results in this burst */
	int64_t		 internal_last_us;
	TAILQ_HEAD(, mon) waitq;
	unsigned	 nwaiting;
	struct ev_timer	*drain;

	/* after a burst in flight, see sched_trim_check() */
	void		(*trim)(void);
	unsigned	 trim_min;	/* peak worth trimming after */
	unsigned	 inflight_peak;	/* since the last trim */
	uint64_t	 trims;
};

static void	 mon_timer(void *);
static void	 sched_drain(void *);

void
monitor_result_init(struct monitor_result *mr)
{
	memset(mr, 0, sizeof(*mr));
	mr->status = STATUS_UNKNOWN;
	mr->fail = FAIL_NONE;
	mr->cert_days = CERT_DAYS_NONE;
	mr->reason = mr->reply_text = mr->address = mr->token = "";
}

/* one bit of tset per phase */
typedef char monitor_tset_fits[PH_LAST <= 16 ? 1 : -1];

int64_t
monitor_result_time(const struct monitor_result *mr, int p)
{
	if (p < 0 || p >= PH_LAST || !(mr->tset & (1u << p)))
		return -1;
	return p == PH_DELIVERY ? (int64_t)mr->t[p] * 1000 : mr->t[p];
}

void
monitor_result_free(struct monitor_result *mr)
{
	free(mr->block);
	mr->block = NULL;
	mr->reason = mr->reply_text = mr->address = mr->token = "";
}

void
monitor_result_set(struct monitor_result *mr, const struct probe_result *r)
{
	const char *src[4] = { r->reason, r->reply_text, r->address, r->token };
	size_t	 len[4] = {
		strnlen(r->reason, sizeof(r->reason)),
		strnlen(r->reply_text, sizeof(r->reply_text)),
		strnlen(r->address, sizeof(r->address)),
		strnlen(r->token, sizeof(r->token)),
	};
	const char *dst[4];
	char	*b, *at;
	int	 i;

	monitor_result_free(mr);
	mr->status = r->status;
	mr->fail = r->fail;
	mr->reply_code = r->reply_code;
	mr->cert_days = r->cert_days;
	mr->tset = 0;
	for (i = 0; i < PH_LAST; i++) {
		int64_t v = r->t[i];

		if (v < 0) {
			mr->t[i] = 0;
			continue;
		}
		if (i == PH_DELIVERY)
			v /= 1000;
		mr->t[i] = v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		mr->tset |= (uint16_t)(1u << i);
	}
	if ((b = malloc(len[0] + len[1] + len[2] + len[3] + 4)) == NULL)
		return;
	for (i = 0, at = b; i < 4; i++) {
		memcpy(at, src[i], len[i]);
		at[len[i]] = '\0';
		dst[i] = at;
		at += len[i] + 1;
	}
	mr->block = b;
	mr->reason = dst[0];
	mr->reply_text = dst[1];
	mr->address = dst[2];
	mr->token = dst[3];
}

void
sched_record(struct monitor *m, const struct probe_result *r, int64_t clock,
    time_t wall)
{
	/* an internal failure says nothing about the server */
	if (m->stats != NULL && r->fail != FAIL_INTERNAL)
		stats_add(m->stats, clock, wall, r);
	if (m->history != NULL)
		history_add(m->history, wall, r);
}

int64_t
sched_stats_clock(struct sched *s)
{
	return ev_now(s->ev) / USEC + s->clock_offset;
}

int64_t
sched_stats_clock_cb(void *arg)
{
	return sched_stats_clock(arg);
}

enum sched_change
sched_apply_result(struct monitor *m, const struct probe_result *r, time_t now)
{
	enum probe_status hard = m->state;
	int	 retries = m->retries > 0 ? m->retries : 1;
	int	 first;

	monitor_result_set(&m->last, r);
	m->have_result = 1;
	m->last_check = now;
	/*
	 * No descriptor, no memory: the daemon's trouble, not the
	 * server's.  Shown as the last result, but it neither counts nor
	 * moves the state, so it never raises a notification.
	 */
	if (r->fail == FAIL_INTERNAL)
		return SCHED_SAME;
	m->checks++;
	if (r->status == STATUS_OK) {
		m->consecutive_failures = 0;
		hard = STATUS_OK;
	} else {
		m->failures++;
		if (m->consecutive_failures < INT_MAX)
			m->consecutive_failures++;
		if (m->consecutive_failures >= retries)
			hard = r->status;
	}
	if (hard == m->state)
		return SCHED_SAME;
	/* last_change is wall-clock time, so 0 means "never decided" */
	first = m->last_change == 0;
	m->prev_state = m->state;
	m->state = hard;
	m->last_change = now;
	return (first && hard == STATUS_OK) ? SCHED_FIRST : SCHED_CHANGED;
}

/* non-IMPLIED string index order: length first, then bytes */
static int
row_cmp(const void *a, const void *b)
{
	const struct monitor *x = *(struct monitor *const *)a;
	const struct monitor *y = *(struct monitor *const *)b;
	size_t	 lx = strlen(x->name), ly = strlen(y->name);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return memcmp(x->name, y->name, lx);
}

static struct mon *
find_row(struct sched *s, const char *name)
{
	struct monitor	 key, *kp = &key, **hit;

	if (s->nrows == 0)
		return NULL;
	mm_strlcpy(key.name, name, sizeof(key.name));
	hit = bsearch(&kp, s->rows, s->nrows, sizeof(*s->rows), row_cmp);
	return hit != NULL ? (struct mon *)*hit : NULL;
}

struct sched *
sched_new(struct ev *ev, monitor_change_cb cb, void *arg)
{
	struct sched *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->ev = ev;
	s->cb = cb;
	s->cb_arg = arg;
	TAILQ_INIT(&s->waitq);
	if ((s->drain = ev_timer_new(ev, sched_drain, s)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
sched_set_trim(struct sched *s, void (*trim)(void), unsigned min_peak)
{
	s->trim = trim;
	s->trim_min = min_peak;
}

void
sched_set_max_inflight(struct sched *s, unsigned n)
{
	s->max_inflight = n;
	/* a higher limit makes room now */
	if (!TAILQ_EMPTY(&s->waitq))
		ev_timer_at(s->drain, ev_now(s->ev));
}

void
sched_load(struct sched *s, struct sched_load *l)
{
	l->inflight = s->inflight;
	l->max_inflight = s->max_inflight;
	l->trims = s->trims;
	l->delayed = s->delayed;
	l->internal = s->internal;
	l->waiting = s->nwaiting;
}

void
sched_set_ticks(struct sched *s, unsigned long (*ticks)(void))
{
	s->ticks = ticks;
}

/* stop the check under way, whichever kind it is, or leave the queue */
static void
mon_cancel(struct mon *mo)
{
	struct monitor *m = &mo->m;

	if (m->running != NULL) {
		check_cancel(m->running);
		mo->s->inflight -= mo->run_weight;
		mo->run_weight = 0;
		/* the room it held may let a waiting probe run */
		if (!TAILQ_EMPTY(&mo->s->waitq))
			ev_timer_at(mo->s->drain, ev_now(mo->s->ev));
	}
	m->running = NULL;
	if (mo->waiting) {
		TAILQ_REMOVE(&mo->s->waitq, mo, wq);
		mo->s->nwaiting--;
		mo->waiting = 0;
	}
}

static void
mon_free(struct mon *mo)
{
	if (mo == NULL)
		return;
	mon_cancel(mo);
	free(mo->m.targets);
	if (mo->m.timer != NULL)
		ev_timer_free(mo->m.timer);
	free(mo->m.stats);
	history_free(mo->m.history);
	free(mo->m.host);
	optpack_free(mo->m.pack);
	monitor_result_free(&mo->m.last);
	explicit_bzero(mo, sizeof(*mo));
	free(mo);
}

void
sched_free(struct sched *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nrows; i++)
		mon_free((struct mon *)s->rows[i]);
	free(s->rows);
	ev_timer_free(s->drain);
	free(s);
}

static void
mon_arm_first(struct mon *mo, int64_t offset_us)
{
	struct monitor *m = &mo->m;

	ev_timer_stop(m->timer);
	m->next_run_us = ev_now(mo->s->ev) + offset_us;
	ev_timer_at(m->timer, m->next_run_us);
}

static void
mon_arm_next(struct mon *mo)
{
	struct monitor *m = &mo->m;
	int64_t	 iv = (int64_t)m->interval_s * USEC;
	int64_t	 now = ev_now(mo->s->ev);
	int64_t	 next = m->next_run_us + iv;

	/* keep the phase; skip the slots a slow run overran */
	if (next <= now)
		next += ((now - next) / iv + 1) * iv;
	m->next_run_us = next;
	ev_timer_at(m->timer, next);
}

/*
 * The targets of a domain or dual-stack check go into the monitor's
 * table (stable indexes, see target.h); allocated on the first such
 * result, so other probes cost nothing.
 */
static void
mon_targets(struct monitor *m, const struct target_list *l)
{
	if (l == NULL)
		return;
	if (m->targets == NULL) {
		if ((m->targets = malloc(sizeof(*m->targets))) == NULL) {
			log_warnx("probe %s: no memory for its targets",
			    m->name);
			return;
		}
		target_table_init(m->targets);
	}
	target_merge(m->targets, l);
}

/*
 * Internal failures (no descriptor, no memory) come in bursts: the
 * first of a burst is logged, the rest counted, and the end of the
 * burst (a minute without one) logged with the count.
 */
#define INTERNAL_QUIET_US	(60 * USEC)

static void
sched_internal(struct sched *s, const struct monitor *m,
    const struct probe_result *r)
{
	int64_t	 now = ev_now(s->ev);

	if (r->fail != FAIL_INTERNAL) {
		if (s->internal_logged &&
		    now - s->internal_last_us > INTERNAL_QUIET_US) {
			log_notice("internal failures over: %llu result%s "
			    "not counted", (unsigned long long)s->internal_burst,
			    s->internal_burst == 1 ? "" : "s");
			s->internal_logged = 0;
		}
		return;
	}
	s->internal++;
	s->internal_last_us = now;
	if (s->internal_logged) {
		s->internal_burst++;
		log_debug(LT_SCHED, "probe %s: internal: %s", m->name,
		    r->reason);
		return;
	}
	s->internal_logged = 1;
	s->internal_burst = 1;
	log_warnx("probe %s: %s: a fault of this daemon, not of the server; "
	    "not counted, not notified (more of these are counted, not "
	    "logged)", m->name, r->reason);
}

static void
mon_result(struct mon *mo, const struct probe_result *r)
{
	struct monitor	*m = &mo->m;
	struct sched	*s = mo->s;
	enum probe_status old = m->state;
	enum sched_change ch;
	time_t		 now;

	mon_targets(m, r->targets);

	now = time(NULL);
	sched_internal(s, m, r);
	ch = sched_apply_result(m, r, now);
	/* before the change callback: notifications carry the availability */
	sched_record(m, r, sched_stats_clock(s), now);
	s->dirty = 1;
	log_debug(LT_SCHED, "probe %s: %s (%s) soft %d/%d hard %s", m->name,
	    probe_status_name(r->status), probe_fail_name(r->fail),
	    m->consecutive_failures, m->retries, probe_status_name(m->state));
	if (ch != SCHED_SAME) {
		m->last_change_ticks = s->ticks != NULL ?
		    (uint32_t)s->ticks() : 0;
		if (m->state == STATUS_OK)
			log_notice("probe %s: %s -> %s", m->name,
			    probe_status_name(old), probe_status_name(m->state));
		else
			log_notice("probe %s: %s -> %s (%s: %s)", m->name,
			    probe_status_name(old), probe_status_name(m->state),
			    probe_fail_name(r->fail), r->reason);
		if (ch == SCHED_CHANGED && s->cb != NULL)
			s->cb(m, s->cb_arg);
	}
	mon_arm_next(mo);
}

/*
 * A burst of checks in flight (targets that stall, a network that
 * hiccups) leaves their memory free in the middle of the heap, where
 * the allocator does not hand it back by itself, and the daemon would
 * keep the size of its worst moment.  Once a burst of at least
 * trim_min has drained to a quarter of its peak, the trim hook gives
 * the free pages back; the next peak is counted from there.
 */
static void
sched_trim_check(struct sched *s)
{
	if (s->trim == NULL || s->inflight_peak < s->trim_min ||
	    s->inflight > s->inflight_peak / 4)
		return;
	log_debug(LT_SCHED, "%u checks were in flight at once, %u now: "
	    "returning free memory", s->inflight_peak, s->inflight);
	s->inflight_peak = s->inflight;
	s->trims++;
	s->trim();
}

static void
mon_done(const struct probe_result *r, void *arg)
{
	struct mon	*mo = arg;
	struct sched	*s = mo->s;

	mo->m.running = NULL;
	s->inflight -= mo->run_weight;
	mo->run_weight = 0;
	sched_trim_check(s);
	if (!TAILQ_EMPTY(&s->waitq))
		ev_timer_at(s->drain, ev_now(s->ev));
	mon_result(mo, r);
}

/* 1 when a check of this weight fits now; a lone check always does */
static int
sched_room(const struct sched *s, unsigned weight)
{
	return s->max_inflight == 0 || s->inflight == 0 ||
	    s->inflight + weight <= s->max_inflight;
}

static void
mon_start(struct mon *mo)
{
	struct monitor	*m = &mo->m;
	struct sched	*s = mo->s;
	struct probe_opts o;

	log_debug(LT_SCHED, "probe %s: start", m->name);
	optpack_unpack(m->pack, &o);
	m->running = check_start(s->ev, &o, mon_done, mo);
	explicit_bzero(&o, sizeof(o));
	if (m->running == NULL) {
		struct probe_result r;

		probe_result_init(&r);
		r.status = STATUS_UNKNOWN;
		r.fail = FAIL_INTERNAL;
		mm_strlcpy(r.reason, "could not start the probe: out of memory",
		    sizeof(r.reason));
		mon_result(mo, &r);
		return;
	}
	mo->run_weight = mo->weight;
	s->inflight += mo->weight;
	if (s->inflight > s->inflight_peak)
		s->inflight_peak = s->inflight;
}

static void
mon_timer(void *arg)
{
	struct mon	*mo = arg;
	struct sched	*s = mo->s;

	if (mo->m.running != NULL || mo->waiting)
		return;		/* cannot happen: armed after completion */
	/* earlier arrivals first: nobody overtakes the queue */
	if (TAILQ_EMPTY(&s->waitq) && sched_room(s, mo->weight)) {
		mon_start(mo);
		return;
	}
	mo->waiting = 1;
	TAILQ_INSERT_TAIL(&s->waitq, mo, wq);
	s->nwaiting++;
	s->delayed++;
	log_debug(LT_SCHED, "probe %s: delayed, %u of %u connections in use",
	    mo->m.name, s->inflight, s->max_inflight);
}

/* start the waiting probes that fit, oldest first */
static void
sched_drain(void *arg)
{
	struct sched	*s = arg;
	struct mon	*mo;

	while ((mo = TAILQ_FIRST(&s->waitq)) != NULL &&
	    sched_room(s, mo->weight)) {
		TAILQ_REMOVE(&s->waitq, mo, wq);
		s->nwaiting--;
		mo->waiting = 0;
		mon_start(mo);
	}
}

/*
 * The options of cp, packed, and what the probe table shows of them.
 * Out of memory: -1, and the monitor keeps what it had.
 */
static int
mon_set_opts(struct mon *mo, const struct conf_probe *cp,
    struct probe_opts *tmp)
{
	struct monitor	*m = &mo->m;
	struct optpack	*pack;
	char		*host;

	conf_probe_opts(cp, tmp);
	pack = optpack_dup(cp->pack);
	host = strdup(tmp->host);
	if (pack == NULL || host == NULL) {
		optpack_free(pack);
		free(host);
		explicit_bzero(tmp, sizeof(*tmp));
		return -1;
	}
	optpack_free(m->pack);
	free(m->host);
	m->pack = pack;
	m->host = host;
	m->port = tmp->port;
	m->mode = tmp->mode;
	m->tls = tmp->tls;
	mo->weight = (uint8_t)check_weight(tmp);
	mm_strlcpy(m->name, cp->name, sizeof(m->name));
	m->interval_s = cp->interval_s;
	m->retries = cp->retries;
	explicit_bzero(tmp, sizeof(*tmp));
	return 0;
}

static struct mon *
mon_new(struct sched *s, const struct conf_probe *cp, struct probe_opts *tmp)
{
	struct mon	*mo;

	if ((mo = calloc(1, sizeof(*mo))) == NULL)
		return NULL;
	if ((mo->m.timer = ev_timer_new(s->ev, mon_timer, mo)) == NULL ||
	    (mo->m.stats = malloc(sizeof(*mo->m.stats))) == NULL ||
	    (mo->m.history = history_new((uint32_t)cp->history)) == NULL ||
	    mon_set_opts(mo, cp, tmp) == -1) {
		mon_free(mo);
		return NULL;
	}
	stats_init(mo->m.stats);
	mo->m.counted_since_us = ev_now(s->ev);
	mo->s = s;
	monitor_result_init(&mo->m.last);
	mo->m.state = STATUS_UNKNOWN;
	mo->m.prev_state = STATUS_UNKNOWN;
	return mo;
}

/*
 * A new "history" size keeps the newest entries and the numbering, and
 * is no reason to restart the schedule.  Out of memory: keep the old
 * ring, which is still valid.
 */
static void
resize_history(struct mon *mo, uint32_t cap)
{
	struct history	*h = mo->m.history;
	uint32_t	 was;

	if (h == NULL || h->cap == cap)
		return;
	was = h->cap;
	if ((h = history_resize(h, cap)) == NULL) {
		log_warnx("probe %s: out of memory resizing its history",
		    mo->m.name);
		return;
	}
	mo->m.history = h;
	log_info("probe %s: history of %u results (was %u)", mo->m.name,
	    cap, was);
}

static int
same_conf(const struct monitor *m, const struct conf_probe *cp)
{
	return m->interval_s == cp->interval_s && m->retries == cp->retries &&
	    optpack_equal(m->pack, cp->pack);
}

/* the probes to (re)start, grouped by interval, in index order */
static int
arm_cmp(const void *a, const void *b)
{
	const struct mon *x = *(struct mon *const *)a;
	const struct mon *y = *(struct mon *const *)b;
	const struct monitor *mx = &x->m, *my = &y->m;

	if (mx->interval_s != my->interval_s)
		return mx->interval_s < my->interval_s ? -1 : 1;
	return row_cmp(&mx, &my);
}

/*
 * First runs of the probes that start now (all of them at start-up,
 * the new and changed ones at a reload), spread evenly over their
 * interval: the k-th of n probes with interval I starts k * I / n from
 * now.  A thousand probes of a minute open about 17 connections a
 * second, not a thousand in the first one.
 */
static void
sched_spread(struct mon **arm, size_t narm)
{
	size_t	 i, j, k, g;

	qsort(arm, narm, sizeof(*arm), arm_cmp);
	for (i = 0; i < narm; i = j) {
		int64_t	 iv = (int64_t)arm[i]->m.interval_s * USEC;

		for (j = i; j < narm &&
		    arm[j]->m.interval_s == arm[i]->m.interval_s; j++)
			;
		g = j - i;
		for (k = 0; k < g; k++)
			mon_arm_first(arm[i + k], iv * (int64_t)k / (int64_t)g);
	}
}

int
sched_apply_conf(struct sched *s, const struct conf *c)
{
	struct monitor	**rows;
	struct mon	**fresh, **arm;
	struct probe_opts *tmp = NULL;
	size_t		 i, n = c->nprobes, narm = 0;
	int		 changes = 0;

	if ((rows = calloc(n ? n : 1, sizeof(*rows))) == NULL)
		return -1;
	if ((fresh = calloc(n ? n : 1, sizeof(*fresh))) == NULL ||
	    (arm = calloc(n ? n : 1, sizeof(*arm))) == NULL ||
	    (tmp = malloc(sizeof(*tmp))) == NULL) {
		if (fresh != NULL)
			free(arm);
		free(fresh);
		free(rows);
		return -1;
	}
	for (i = 0; i < s->nrows; i++)
		((struct mon *)s->rows[i])->keep = 0;

	/* allocate everything first, so a failure leaves the old set alone */
	for (i = 0; i < n; i++) {
		struct mon *old = find_row(s, c->probes[i].name);

		if (old != NULL) {
			old->keep = 1;
			rows[i] = &old->m;
		} else if ((fresh[i] = mon_new(s, &c->probes[i], tmp)) == NULL) {
			while (i-- > 0)
				mon_free(fresh[i]);
			free(fresh);
			free(arm);
			free(rows);
			free(tmp);
			return -1;
		} else
			rows[i] = &fresh[i]->m;
	}

	/* removed probes: cancel and free */
	for (i = 0; i < s->nrows; i++) {
		struct mon *mo = (struct mon *)s->rows[i];

		if (!mo->keep) {
			log_info("probe %s: removed", mo->m.name);
			mon_free(mo);
			changes++;
		}
	}
	/* kept probes keep their history, at the size now configured */
	for (i = 0; i < n; i++)
		if (fresh[i] == NULL)
			resize_history((struct mon *)rows[i],
			    (uint32_t)c->probes[i].history);
	/* kept probes: new options restart the schedule, state stays */
	for (i = 0; i < n; i++) {
		struct mon *mo = (struct mon *)rows[i];

		if (fresh[i] != NULL) {
			log_info("probe %s: added", mo->m.name);
			arm[narm++] = mo;
			changes++;
		} else if (!same_conf(&mo->m, &c->probes[i])) {
			if (mon_set_opts(mo, &c->probes[i], tmp) == -1) {
				log_warnx("probe %s: out of memory: keeping "
				    "its old options", mo->m.name);
				continue;
			}
			log_info("probe %s: options changed, restarting its "
			    "schedule", mo->m.name);
			mon_cancel(mo);
			/* other targets, maybe: their indexes start afresh */
			free(mo->m.targets);
			mo->m.targets = NULL;
			arm[narm++] = mo;
			changes++;
		}
	}
	/*
	 * From now, not from when this turn of the loop began: parsing a
	 * large file takes seconds, and slots placed in the past would
	 * all fire at once.
	 */
	(void)ev_now_update(s->ev);
	sched_spread(arm, narm);
	free(fresh);
	free(arm);
	free(tmp);
	qsort(rows, n, sizeof(*rows), row_cmp);
	free(s->rows);
	s->rows = rows;
	s->nrows = n;
	return changes;
}

struct monitor *const *
sched_rows(struct sched *s, size_t *n)
{
	*n = s->nrows;
	return s->rows;
}

struct monitor *const *
sched_rows_cb(size_t *n, void *arg)
{
	return sched_rows(arg, n);
}

size_t
sched_count_bad(struct sched *s)
{
	size_t	 i, bad = 0;

	for (i = 0; i < s->nrows; i++)
		if (s->rows[i]->state != STATUS_OK)
			bad++;
	return bad;
}

/* ---- the state file ---------------------------------------------------- */

static int
save_one(size_t i, struct statefile_rec *r, void *arg)
{
	struct sched	*s = arg;
	struct monitor	*m = s->rows[i];

	if (m->stats == NULL)
		return -1;
	r->name = m->name;
	r->checks = m->checks;
	r->failures = m->failures;
	r->stats = m->stats;
	r->history = m->history;
	return 0;
}

int
sched_state_save(struct sched *s, const char *path, int at_exit, char *err,
    size_t errlen)
{
	struct statefile_info info;

	memset(&info, 0, sizeof(info));
	info.wall = time(NULL);
	info.clock = sched_stats_clock(s);
	info.flags = at_exit ? STATEFILE_AT_EXIT : 0;
	if (statefile_save(path, s->nrows, save_one, s, &info, err,
	    errlen) == -1)
		return -1;
	s->dirty = 0;
	return 0;
}

int
sched_state_dirty(struct sched *s)
{
	return s->dirty;
}

void
sched_state_saved(struct sched *s)
{
	s->dirty = 0;
}

struct restore {
	struct sched	*s;
	size_t		 restored;
	size_t		 unknown;
};

static void
restore_one(const struct statefile_rec *r, void *arg)
{
	struct restore	*rs = arg;
	struct mon	*mo = find_row(rs->s, r->name);
	struct history	*h;
	uint32_t	 i;

	if (mo == NULL || mo->m.stats == NULL) {
		rs->unknown++;		/* no longer configured */
		return;
	}
	mo->m.checks = r->checks;
	mo->m.failures = r->failures;
	*mo->m.stats = *r->stats;
	/* the newest entries that fit this probe's history size */
	if (mo->m.history != NULL && r->history != NULL &&
	    (h = history_new(mo->m.history->cap)) != NULL) {
		for (i = 0; i < r->history->n; i++)
			(void)history_push(h, history_at(r->history, i));
		h->seq = r->history->seq;
		history_free(mo->m.history);
		mo->m.history = h;
	}
	rs->restored++;
}

/* at most ten years of downtime; a wall clock set back counts as none */
#define STATE_GAP_MAX	(10LL * 366 * 86400)

int
sched_state_load(struct sched *s, const char *path, size_t *restored,
    size_t *unknown, char *err, size_t errlen)
{
	struct statefile_info info;
	struct restore	 rs;
	int64_t		 gap;
	int		 rc;

	memset(&rs, 0, sizeof(rs));
	rs.s = s;
	rc = statefile_load(path, &info, restore_one, &rs, err, errlen);
	*restored = rs.restored;
	*unknown = rs.unknown;
	if (rc != 0)
		return rc;
	/*
	 * Continue the stats clock from where the file left it, plus the
	 * time the daemon was away as the wall clock tells it (the only
	 * clock that spans a restart or a reboot), so the windows age by
	 * the downtime and the restored buckets line up with new ones.
	 */
	gap = (int64_t)(time(NULL) - info.wall);
	if (gap < 0)
		gap = 0;
	if (gap > STATE_GAP_MAX)
		gap = STATE_GAP_MAX;
	s->clock_offset = info.clock + gap - ev_now(s->ev) / USEC;
	return 0;
}

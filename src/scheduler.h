/*
 * scheduler.h - runs every configured probe on its interval and keeps the
 * soft/hard state of each monitor.
 *
 * No Net-SNMP here: the agent reads the monitors through sched_rows()
 * and hears about hard changes through the monitor_change_cb.
 *
 * (Not sched.h: with -I$(srcdir) it would shadow the system <sched.h>
 * that pthread.h and OpenSSL include.)
 */
#ifndef MAILMON_SCHEDULER_H
#define MAILMON_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "monitor.h"

struct ev;
struct conf;
struct sched;

/* what sched_apply_result() decided */
enum sched_change {
	SCHED_SAME = 0,		/* hard state unchanged (maybe a soft failure) */
	SCHED_CHANGED,		/* hard state changed: log + notify */
	SCHED_FIRST		/* first hard state is OK: logged, not notified */
};

/*
 * The state policy, a pure function (keepalived's smtp_final):
 * every result counts in checks; any status other than OK counts in
 * failures and in consecutive_failures.  The hard state becomes the
 * failing status only after m->retries consecutive non-OK results, and
 * then follows the status while it keeps failing (CRITICAL <-> WARNING
 * is a change).  One OK result makes it OK again.  Before the first
 * decision it is UNKNOWN.
 */
enum sched_change sched_apply_result(struct monitor *m,
	    const struct probe_result *r, time_t now);

/*
 * Put one result into m's statistics and history: clock is the stats
 * clock (seconds, see sched_stats_clock), wall the wall clock.  Called
 * by the scheduler for every result, after sched_apply_result().
 */
void	 sched_record(struct monitor *m, const struct probe_result *r,
	    int64_t clock, time_t wall);


struct sched	*sched_new(struct ev *, monitor_change_cb, void *arg);
void		 sched_free(struct sched *);

/* TimeStamp source for last_change_ticks (the agent's sysUpTime) */
void		 sched_set_ticks(struct sched *, unsigned long (*)(void));

/*
 * Install a configuration.  The first call starts every probe; later
 * calls are reloads: a probe whose name is kept keeps its state and
 * counters (and, if its options are identical, its schedule); changed
 * ones restart on a fresh schedule, removed ones are cancelled and new
 * ones start.  Returns the number of rows added, removed or changed, or
 * -1 on allocation failure (the old set is then left running).
 */
int		 sched_apply_conf(struct sched *, const struct conf *);

/* the monitors, sorted by (name length, name): SNMP index order */
struct monitor *const *sched_rows(struct sched *, size_t *n);
/* the same, with the signature agent_init() expects */
struct monitor *const *sched_rows_cb(size_t *n, void *sched);

/*
 * Overload: running checks hold at most n connections (check_weight());
 * 0 = no limit.  Probes that find no room wait in order.
 */
void		 sched_set_max_inflight(struct sched *, unsigned n);
/*
 * Called once a burst of at least min_peak connections in flight has
 * drained to a quarter of its peak (mailmond: hand the freed memory
 * back to the system); NULL: never.
 */
void		 sched_set_trim(struct sched *, void (*)(void),
		    unsigned min_peak);

struct sched_load {
	unsigned	 inflight;	/* connections held by running checks */
	unsigned	 max_inflight;	/* 0 = no limit */
	unsigned	 waiting;	/* probes waiting for room now */
	uint64_t	 delayed;	/* checks that had to wait, ever */
	uint64_t	 internal;	/* results of class internal, ever */
	uint64_t	 trims;		/* calls of the trim hook, ever */
};
void		 sched_load(struct sched *, struct sched_load *);

/* number of monitors whose hard state is not OK */
size_t		 sched_count_bad(struct sched *);

/*
 * The stats clock: monotonic seconds plus an offset that a state file
 * sets, so the windows of restored statistics keep aging across a
 * restart.  The _cb form is for agent_set_stats_clock().
 */
int64_t		 sched_stats_clock(struct sched *);
int64_t		 sched_stats_clock_cb(void *sched);

/*
 * State file (statefile.h).  Save writes every monitor's totals,
 * statistics and history; 0, or -1 with err set.  Load runs once, after
 * the first sched_apply_conf() and before any result: probes are
 * matched by name (*unknown counts records of probes no longer
 * configured), and the stats clock continues from the file's.  0 when
 * loaded, 1 when there is no file, -1 (err set) when it was ignored.
 */
int		 sched_state_save(struct sched *, const char *path, int at_exit,
		    char *err, size_t errlen);
int		 sched_state_load(struct sched *, const char *path,
		    size_t *restored, size_t *unknown, char *err, size_t errlen);
/* 1 when a result came in since the last save */
int		 sched_state_dirty(struct sched *);
/* a save is under way elsewhere (a child process) with every result */
void		 sched_state_saved(struct sched *);

#endif

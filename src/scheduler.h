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

/* the first run of a probe, as an offset into its interval (microseconds) */
int64_t	 sched_jitter_us(const char *name, int interval_s);

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

/* number of monitors whose hard state is not OK */
size_t		 sched_count_bad(struct sched *);

#endif

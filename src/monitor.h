/*
 * monitor.h - one monitored server as the daemon sees it: the probe
 * configuration, the last result and the soft/hard state policy.
 *
 * Owned by scheduler.c; read (never written) by agent*.c, which serve these
 * fields from memory so a GET never waits for a probe.
 */
#ifndef MAILMON_MONITOR_H
#define MAILMON_MONITOR_H

#include <stdint.h>
#include <time.h>

#include "probe_opts.h"

struct check;
struct ev_timer;
struct optpack;
struct target_table;
struct stats;
struct history;

/*
 * The last completed check, as the probe table shows it.  A struct
 * probe_result carries fixed buffers for every string (700 bytes); here
 * the four strings share one allocation of what they hold.  The
 * pointers are never NULL once set by monitor_result_set(); rows built
 * by hand may point at constant strings, with block NULL.
 */
struct monitor_result {
	enum probe_status	 status;
	enum fail_class		 fail;
	int			 reply_code;
	int			 cert_days;
	int64_t			 t[PH_LAST];	/* microseconds, -1 unset */
	const char		*reason;
	const char		*reply_text;
	const char		*address;
	const char		*token;		/* delivery: last token seen */
	char			*block;		/* owns the strings, or NULL */
};

struct monitor {
	char			 name[PROBE_NAME_MAX + 1];
	/*
	 * What the probe table shows of the options.  The options
	 * themselves stay packed (optpack.h, secrets inside) and are
	 * unpacked only to start a check: a whole struct probe_opts is
	 * about 10 KiB, a packed one a few hundred bytes.
	 */
	char			*host;		/* or the domain */
	uint16_t		 port;
	enum probe_mode		 mode;
	enum tls_mode		 tls;
	struct optpack		*pack;
	int			 interval_s;
	int			 retries;	/* failures before hard DOWN */

	/* last completed check */
	struct monitor_result	 last;
	int			 have_result;
	time_t			 last_check;	/* wall clock of last result */

	/*
	 * hard state: what the MIB's probeStatus and the notifications
	 * report.  STATUS_UNKNOWN until the first hard decision.
	 */
	enum probe_status	 state;
	enum probe_status	 prev_state;
	int			 consecutive_failures;
	time_t			 last_change;	/* wall clock of last hard change */
	uint32_t		 last_change_ticks; /* sysUpTime (1/100 s), 0 = none */

	uint64_t		 checks;
	uint64_t		 failures;
	/*
	 * Monotonic time (ev clock, microseconds) from which checks and
	 * failures count: the row's counter discontinuity, served as a
	 * TimeStamp (mailmonStatsDiscontinuityTime).
	 */
	int64_t			 counted_since_us;

	/* rolling windows and the last results; NULL only in test rows */
	struct stats		*stats;
	struct history		*history;

	/*
	 * Domain and dual-stack probes: the targets of the latest check
	 * with their stable indexes (target.h); NULL for other probes and
	 * before the first result.
	 */
	struct target_table	*targets;

	/* scheduler internals */
	struct check		*running;
	struct ev_timer		*timer;
	int64_t			 next_run_us;
	int			 gone;		/* removed by reload, being freed */
};

/* copy r into mr; out of memory: the strings become "" */
void	 monitor_result_set(struct monitor_result *mr,
	    const struct probe_result *r);
void	 monitor_result_init(struct monitor_result *);
void	 monitor_result_free(struct monitor_result *);

/*
 * Called on every hard state change (not on soft failures).  The agent
 * sends the notification from here.
 */
typedef void (*monitor_change_cb)(const struct monitor *, void *arg);

#endif

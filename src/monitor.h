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
	const char		*reason;
	const char		*reply_text;
	const char		*address;
	const char		*token;		/* delivery: last token seen */
	char			*block;		/* owns the strings, or NULL */
	enum probe_status	 status;
	enum fail_class		 fail;
	int			 reply_code;
	int			 cert_days;
	/*
	 * Phase times as the probe table serves them: microseconds,
	 * saturating at 2^32 - 1 as its Gauge32 columns do, and the
	 * delivery time in milliseconds (a delivery may take a day).
	 * Bit p of tset: the check got as far as phase p.  Read them with
	 * monitor_result_time().
	 */
	uint32_t		 t[PH_LAST];
	uint16_t		 tset;
};

/*
 * One per configured probe, so the fields go by size (pointers and
 * 64-bit values, then 32-bit ones, the name last) and the record has no
 * padding inside.
 */
struct monitor {
	/*
	 * What the probe table shows of the options.  The options
	 * themselves stay packed (optpack.h, secrets inside) and are
	 * unpacked only to start a check: a whole struct probe_opts is
	 * about 10 KiB, a packed one a few hundred bytes.
	 */
	char			*host;		/* or the domain */
	struct optpack		*pack;

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

	time_t			 last_check;	/* wall clock of last result */
	time_t			 last_change;	/* wall clock of last hard change */
	uint64_t		 checks;
	uint64_t		 failures;
	/*
	 * Monotonic time (ev clock, microseconds) from which checks and
	 * failures count: the row's counter discontinuity, served as a
	 * TimeStamp (mailmonStatsDiscontinuityTime).
	 */
	int64_t			 counted_since_us;

	/* last completed check (have_result below) */
	struct monitor_result	 last;

	/*
	 * hard state: what the MIB's probeStatus and the notifications
	 * report.  STATUS_UNKNOWN until the first hard decision.
	 */
	enum probe_status	 state;
	enum probe_status	 prev_state;
	int			 consecutive_failures;
	uint32_t		 last_change_ticks; /* sysUpTime (1/100 s), 0 = none */

	enum probe_mode		 mode;
	enum tls_mode		 tls;
	int			 interval_s;
	int			 retries;	/* failures before hard DOWN */
	uint16_t		 port;
	uint8_t			 have_result;	/* last holds a check */
	uint8_t			 gone;		/* removed by reload, being freed */
	char			 name[PROBE_NAME_MAX + 1];
};

/* copy r into mr; out of memory: the strings become "" */
void	 monitor_result_set(struct monitor_result *mr,
	    const struct probe_result *r);
void	 monitor_result_init(struct monitor_result *);
/*
 * Phase p's time in microseconds (the delivery's to the millisecond),
 * or -1 when the check did not get that far.
 */
int64_t	 monitor_result_time(const struct monitor_result *, int p);
void	 monitor_result_free(struct monitor_result *);

/*
 * Called on every hard state change (not on soft failures).  The agent
 * sends the notification from here.
 */
typedef void (*monitor_change_cb)(const struct monitor *, void *arg);

#endif

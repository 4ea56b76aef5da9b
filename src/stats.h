/*
 * stats.h - rolling statistics of one probe's results, in fixed memory.
 *
 * What a manager polling every few minutes cannot see in the latest
 * result alone: how many checks ran and failed in the last hour and the
 * last day, the latency over those windows (minimum, mean, maximum and,
 * for the hour, the 95th percentile), when the probe last succeeded and
 * last failed, and the longest outage.
 *
 * Time.  Every call takes `now`, whole seconds of the daemon's stats
 * clock: CLOCK_MONOTONIC plus an offset that the state file carries
 * across restarts (scheduler.c).  Windows move with that clock only, so
 * a step of the wall clock (NTP, an operator) never empties or stretches
 * them.  The wall clock is kept only as the stamps of the last success
 * and the last failure, for DateAndTime values.
 *
 * Windows.  A window is a ring of F buckets of B seconds; bucket k holds
 * the results whose time t has floor(t / B) == k.  At time now the
 * window is the current bucket and the F - 1 before it, so it covers
 * between (F - 1) * B and F * B seconds:
 *
 *	hour window: 30 buckets of 120 s -> the last 58 to 60 minutes
 *	day window:  48 buckets of 1800 s -> the last 23.5 to 24 hours
 *
 * So the error is bounded by one bucket: a window never counts a result
 * older than its nominal length (1 h, 24 h), and misses at most the
 * results of its oldest 2 minutes (hour) or 30 minutes (day).
 *
 * What counts.  Every result counts in `results`; a result whose status
 * is not ok counts in `failures` (the same rule as the monitor's failure
 * counter).  Latency statistics (and the percentile) cover the checks
 * that completed the dialogue: failure class none, or a failure on a
 * threshold only (slow, cert_expiring); a refused connection or a
 * timeout says nothing about how fast the server answers.
 *
 * Outages.  An outage runs from the first failed check to the next
 * successful one, or to now while it lasts.  A window's longest outage
 * is the longest one that ended inside it or is still going on, with
 * its full length even when it started before the window.
 *
 * Percentile.  The latest STATS_SAMPLES latency samples are kept with
 * their times; the hour's 95th percentile is the nearest-rank value
 * (the ceil(0.95 n)-th smallest) of the samples of the last hour.  With
 * an interval under 3600 / STATS_SAMPLES seconds (56 s) that is the
 * latest 64 samples rather than the whole hour.  A sample's time is kept
 * as its age before the newest sample, in 16 bits that saturate: a
 * sample 65535 s (18 h) older than the newest is outside any hour.
 *
 * Layout (asserted by tests/unit/test_stats.c):
 *	hour bucket	20 bytes (at most 255 results in 120 s)
 *	day bucket	24 bytes
 *	hour ring	30 x 20 =  600
 *	day ring	48 x 24 = 1152
 *	samples		64 x 6  =  384
 *	the rest	           48
 *	struct stats	          2184 bytes per probe
 */
#ifndef MAILMON_STATS_H
#define MAILMON_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "probe_opts.h"

#define STATS_HOUR_BUCKET_S	120
#define STATS_HOUR_BUCKETS	30
#define STATS_DAY_BUCKET_S	1800
#define STATS_DAY_BUCKETS	48
#define STATS_SAMPLES		64
#define STATS_P95_SPAN_S	3600

/*
 * One bucket, as the day ring stores it and as every computation sees
 * it.  Counts saturate at 65535 (a probe runs at most once a second:
 * 1800 results fill a day bucket); the latency sum has 48 bits of
 * microseconds (8.9 years), split so the struct packs into 24 bytes
 * with no padding.
 */
struct stats_bucket {
	uint32_t	 lat_min;	/* microseconds, valid when lat_n > 0 */
	uint32_t	 lat_max;
	uint32_t	 lat_sum_lo;	/* low 32 bits of the sum */
	uint32_t	 outage_max;	/* s, longest outage that ended here */
	uint16_t	 n;		/* results */
	uint16_t	 fail;		/* results with a status other than ok */
	uint16_t	 lat_n;		/* results with a latency sample */
	uint16_t	 lat_sum_hi;	/* bits 32..47 of the sum */
};

/*
 * An hour bucket as stored: the same values in 20 bytes.  At one
 * result a second 120 s hold about 120, so counts saturate at 255, and
 * 255 samples of at most 2^32 - 1 us sum to less than 2^40.
 */
struct stats_hbucket {
	uint32_t	 lat_min;
	uint32_t	 lat_max;
	uint32_t	 lat_sum_lo;
	uint32_t	 outage_max;
	uint8_t		 n;
	uint8_t		 fail;
	uint8_t		 lat_n;
	uint8_t		 lat_sum_hi;	/* bits 32..39 of the sum */
};

struct stats {
	struct stats_hbucket hour[STATS_HOUR_BUCKETS];
	struct stats_bucket day[STATS_DAY_BUCKETS];
	uint32_t	 sample_us[STATS_SAMPLES];
	/* s before sample_newest, saturating at UINT16_MAX */
	uint16_t	 sample_age[STATS_SAMPLES];
	int64_t		 hour_head;	/* number of the newest hour bucket */
	int64_t		 day_head;
	int64_t		 outage_start;	/* stats clock, s; valid in_outage */
	int64_t		 last_ok;	/* wall clock, 0 = never */
	int64_t		 last_fail;	/* wall clock, 0 = never */
	uint32_t	 sample_newest;	/* stats clock, s (mod 2^32) */
	uint8_t		 in_outage;
	uint8_t		 last_fail_class;	/* enum fail_class */
	uint8_t		 nsample;	/* samples held */
	uint8_t		 sample_next;	/* slot of the next sample */
};

enum stats_span {
	STATS_HOUR = 0,
	STATS_DAY
};

/* one window, summed */
struct stats_summary {
	uint32_t	 results;
	uint32_t	 failures;
	uint32_t	 lat_n;		/* samples behind the latency values */
	uint32_t	 lat_min;	/* microseconds; 0 when lat_n == 0 */
	uint32_t	 lat_avg;
	uint32_t	 lat_max;
	uint32_t	 longest_outage;	/* s, 0 = none */
};

void	 stats_init(struct stats *);

/* one completed check at stats-clock time now and wall-clock time wall */
void	 stats_add(struct stats *, int64_t now, time_t wall,
	    const struct probe_result *);

/* the hour or day window as seen at now (read-only: GETs never write) */
void	 stats_window(const struct stats *, enum stats_span, int64_t now,
	    struct stats_summary *);

/* per mille of the results that were ok (rounded down), -1 if none */
int	 stats_availability(const struct stats_summary *);

/* 95th percentile of the last hour's samples; -1 when there are none */
int	 stats_p95(const struct stats *, int64_t now, uint32_t *us);

/* 1 when the latency of this result is a sample (see "What counts") */
int	 stats_has_latency(const struct probe_result *);

/*
 * 0 when a decoded (untrusted) struct keeps every invariant for the
 * stats clock value now, -1 otherwise.
 */
int	 stats_valid(const struct stats *, int64_t now);

/*
 * Hour bucket i in the common form, and back: -1 when the values do not
 * fit an hour bucket (a damaged or foreign state file).
 */
void	 stats_hour_get(const struct stats *, size_t i,
	    struct stats_bucket *);
int	 stats_hour_put(struct stats *, size_t i, const struct stats_bucket *);

/*
 * Latency sample i, oldest first (i < nsample): its time on the stats
 * clock (mod 2^32) and its value.  stats_sample_push() appends one in
 * that order (a state file restore).
 */
void	 stats_sample_get(const struct stats *, size_t i, uint32_t *t,
	    uint32_t *us);
void	 stats_sample_push(struct stats *, uint32_t t, uint32_t us);

#endif

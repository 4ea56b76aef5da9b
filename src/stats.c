/*
 * stats.c - rolling windows in fixed buckets, the latency sample ring and
 * its percentile, outages.  The model and its error bounds are described
 * in stats.h.
 *
 * Buckets are cleared when the clock moves into them, never by a reader:
 * a window is read by skipping the buckets that are too old, so a GET
 * never writes and two GETs at the same time agree.
 */
#include "config.h"

#include <string.h>

#include "stats.h"

#define SUM_MAX		((UINT64_C(1) << 48) - 1)

void
stats_init(struct stats *st)
{
	memset(st, 0, sizeof(*st));
}

int
stats_has_latency(const struct probe_result *r)
{
	if (r->t[PH_TOTAL] < 0)
		return 0;
	return r->fail == FAIL_NONE || r->fail == FAIL_SLOW ||
	    r->fail == FAIL_CERT_EXPIRING;
}

static uint32_t
clamp_u32(int64_t v)
{
	if (v < 0)
		return 0;
	if (v > (int64_t)UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)v;
}

/*
 * Make bucket number b the newest of a ring of nb elements of size sz,
 * clearing the buckets the clock skipped (all of them after a gap of a
 * whole window or more); returns the newest bucket's slot.  A time
 * before the newest bucket (which CLOCK_MONOTONIC never gives, and a
 * damaged state file is refused before) lands in the newest one.
 */
static size_t
ring_slot(void *ring, size_t sz, int64_t nb, int64_t *head, int64_t b)
{
	int64_t	 k;

	if (b > *head) {
		if (b - *head >= nb)
			memset(ring, 0, (size_t)nb * sz);
		else
			for (k = *head + 1; k <= b; k++)
				memset((char *)ring + (size_t)(k % nb) * sz, 0,
				    sz);
		*head = b;
	}
	return (size_t)(*head % nb);
}

void
stats_hour_get(const struct stats *st, size_t i, struct stats_bucket *b)
{
	const struct stats_hbucket *h = &st->hour[i];

	b->lat_min = h->lat_min;
	b->lat_max = h->lat_max;
	b->lat_sum_lo = h->lat_sum_lo;
	b->outage_max = h->outage_max;
	b->n = h->n;
	b->fail = h->fail;
	b->lat_n = h->lat_n;
	b->lat_sum_hi = h->lat_sum_hi;
}

int
stats_hour_put(struct stats *st, size_t i, const struct stats_bucket *b)
{
	struct stats_hbucket *h = &st->hour[i];

	if (b->n > UINT8_MAX || b->fail > UINT8_MAX || b->lat_n > UINT8_MAX ||
	    b->lat_sum_hi > UINT8_MAX)
		return -1;
	h->lat_min = b->lat_min;
	h->lat_max = b->lat_max;
	h->lat_sum_lo = b->lat_sum_lo;
	h->outage_max = b->outage_max;
	h->n = (uint8_t)b->n;
	h->fail = (uint8_t)b->fail;
	h->lat_n = (uint8_t)b->lat_n;
	h->lat_sum_hi = (uint8_t)b->lat_sum_hi;
	return 0;
}

/* limit: the most results the bucket's stored form counts */
static void
bucket_add(struct stats_bucket *bk, unsigned limit, int failed, int has_lat,
    uint32_t us)
{
	uint64_t sum;

	/* a full bucket (impossible at one result a second) takes no more */
	if (bk->n >= limit)
		return;
	bk->n++;
	if (failed)
		bk->fail++;
	if (!has_lat)
		return;
	if (bk->lat_n == 0 || us < bk->lat_min)
		bk->lat_min = us;
	if (bk->lat_n == 0 || us > bk->lat_max)
		bk->lat_max = us;
	bk->lat_n++;
	sum = ((uint64_t)bk->lat_sum_hi << 32 | bk->lat_sum_lo) + us;
	if (sum > SUM_MAX)
		sum = SUM_MAX;
	bk->lat_sum_lo = (uint32_t)sum;
	bk->lat_sum_hi = (uint16_t)(sum >> 32);
}

/* the samples age by the time since the newest one; the new one is 0 */
static void
sample_add(struct stats *st, uint32_t t, uint32_t us)
{
	/* modular: a time before the newest makes every sample ancient */
	uint32_t by = t - st->sample_newest;
	size_t	 i;

	for (i = 0; i < st->nsample && i < STATS_SAMPLES; i++) {
		uint64_t age = (uint64_t)st->sample_age[i] + by;

		st->sample_age[i] = age > UINT16_MAX ? UINT16_MAX :
		    (uint16_t)age;
	}
	st->sample_us[st->sample_next] = us;
	st->sample_age[st->sample_next] = 0;
	st->sample_newest = t;
	st->sample_next = (uint8_t)((st->sample_next + 1) % STATS_SAMPLES);
	if (st->nsample < STATS_SAMPLES)
		st->nsample++;
}

void
stats_sample_push(struct stats *st, uint32_t t, uint32_t us)
{
	sample_add(st, t, us);
}

void
stats_sample_get(const struct stats *st, size_t i, uint32_t *t,
    uint32_t *us)
{
	size_t	 slot = (st->sample_next + STATS_SAMPLES - st->nsample + i) %
	    STATS_SAMPLES;

	*t = st->sample_newest - st->sample_age[slot];
	*us = st->sample_us[slot];
}

void
stats_add(struct stats *st, int64_t now, time_t wall,
    const struct probe_result *r)
{
	struct stats_bucket h, *d;
	size_t	 hi;
	int	 failed = r->status != STATUS_OK;
	int	 has_lat = stats_has_latency(r);
	uint32_t us = has_lat ? clamp_u32(r->t[PH_TOTAL]) : 0;

	if (now < 0)
		now = 0;
	hi = ring_slot(st->hour, sizeof(st->hour[0]), STATS_HOUR_BUCKETS,
	    &st->hour_head, now / STATS_HOUR_BUCKET_S);
	d = &st->day[ring_slot(st->day, sizeof(st->day[0]), STATS_DAY_BUCKETS,
	    &st->day_head, now / STATS_DAY_BUCKET_S)];
	stats_hour_get(st, hi, &h);
	bucket_add(&h, UINT8_MAX, failed, has_lat, us);
	bucket_add(d, UINT16_MAX, failed, has_lat, us);
	if (has_lat)
		sample_add(st, (uint32_t)now, us);

	if (failed) {
		st->last_fail = wall;
		st->last_fail_class = (uint8_t)((int)r->fail >= 0 &&
		    r->fail < FAIL_LAST ? r->fail : FAIL_INTERNAL);
		if (!st->in_outage) {
			st->in_outage = 1;
			st->outage_start = now;
		}
	} else {
		st->last_ok = wall;
		if (st->in_outage) {
			uint32_t dur = clamp_u32(now - st->outage_start);

			/* the outage ends in the buckets of this check */
			if (dur > h.outage_max)
				h.outage_max = dur;
			if (dur > d->outage_max)
				d->outage_max = dur;
			st->in_outage = 0;
		}
	}
	/* bucket_add() kept the counts within an hour bucket's */
	(void)stats_hour_put(st, hi, &h);
}

void
stats_window(const struct stats *st, enum stats_span span, int64_t now,
    struct stats_summary *s)
{
	int64_t	 nb, bsize, head, bnow, j;
	uint64_t sum = 0, results = 0, failures = 0, lat_n = 0;
	uint32_t outage = 0;

	memset(s, 0, sizeof(*s));
	if (span == STATS_HOUR) {
		nb = STATS_HOUR_BUCKETS;
		bsize = STATS_HOUR_BUCKET_S;
		head = st->hour_head;
	} else {
		nb = STATS_DAY_BUCKETS;
		bsize = STATS_DAY_BUCKET_S;
		head = st->day_head;
	}
	if (now < 0)
		now = 0;
	bnow = now / bsize;
	/* newest first; stop at the first bucket older than the window */
	for (j = 0; j < nb; j++) {
		struct stats_bucket hb;
		const struct stats_bucket *bk = &hb;
		int64_t	 k = head - j;

		if (k < 0 || k <= bnow - nb)
			break;
		if (span == STATS_HOUR)
			stats_hour_get(st, (size_t)(k % nb), &hb);
		else
			bk = &st->day[k % nb];
		results += bk->n;
		failures += bk->fail;
		if (bk->outage_max > outage)
			outage = bk->outage_max;
		if (bk->lat_n == 0)
			continue;
		if (lat_n == 0 || bk->lat_min < s->lat_min)
			s->lat_min = bk->lat_min;
		if (bk->lat_max > s->lat_max)
			s->lat_max = bk->lat_max;
		lat_n += bk->lat_n;
		sum += (uint64_t)bk->lat_sum_hi << 32 | bk->lat_sum_lo;
	}
	/* an outage still going on is as long as it has lasted so far */
	if (st->in_outage && clamp_u32(now - st->outage_start) > outage)
		outage = clamp_u32(now - st->outage_start);
	s->results = (uint32_t)results;
	s->failures = (uint32_t)failures;
	s->lat_n = (uint32_t)lat_n;
	s->lat_avg = lat_n > 0 ? (uint32_t)(sum / lat_n) : 0;
	s->longest_outage = outage;
}

int
stats_availability(const struct stats_summary *s)
{
	if (s->results == 0)
		return -1;
	return (int)((uint64_t)(s->results - s->failures) * 1000 / s->results);
}

int
stats_p95(const struct stats *st, int64_t now, uint32_t *us)
{
	uint32_t v[STATS_SAMPLES];
	size_t	 n = 0, i, j, rank;

	for (i = 0; i < st->nsample && i < STATS_SAMPLES; i++) {
		/* modular age: a sample from the future looks ancient */
		uint64_t age = (uint64_t)((uint32_t)now - st->sample_newest) +
		    st->sample_age[i];
		uint32_t x = st->sample_us[i];

		if (age >= STATS_P95_SPAN_S)
			continue;
		/* insertion sort: at most 64 values */
		for (j = n; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
		n++;
	}
	if (n == 0)
		return -1;
	rank = (95 * n + 99) / 100;	/* nearest rank: ceil(0.95 n) */
	*us = v[rank - 1];
	return 0;
}

static int
bucket_valid(const struct stats_bucket *bk)
{
	if (bk->fail > bk->n || bk->lat_n > bk->n)
		return 0;
	if (bk->lat_n == 0)
		return bk->lat_min == 0 && bk->lat_max == 0 &&
		    bk->lat_sum_lo == 0 && bk->lat_sum_hi == 0;
	return bk->lat_min <= bk->lat_max;
}

int
stats_valid(const struct stats *st, int64_t now)
{
	size_t	 i;

	if (now < 0 || st->hour_head < 0 || st->day_head < 0 ||
	    st->hour_head > now / STATS_HOUR_BUCKET_S ||
	    st->day_head > now / STATS_DAY_BUCKET_S)
		return -1;
	for (i = 0; i < STATS_HOUR_BUCKETS; i++) {
		struct stats_bucket hb;

		stats_hour_get(st, i, &hb);
		if (!bucket_valid(&hb))
			return -1;
	}
	for (i = 0; i < STATS_DAY_BUCKETS; i++)
		if (!bucket_valid(&st->day[i]))
			return -1;
	if (st->nsample > STATS_SAMPLES || st->sample_next >= STATS_SAMPLES ||
	    (st->nsample < STATS_SAMPLES && st->sample_next != st->nsample))
		return -1;
	if (st->in_outage > 1 || (st->in_outage &&
	    (st->outage_start < 0 || st->outage_start > now)))
		return -1;
	if (st->last_fail_class >= FAIL_LAST || st->last_ok < 0 ||
	    st->last_fail < 0)
		return -1;
	return 0;
}

/*
 * test_stats.c - the rolling windows (exact counts at bucket edges, a
 * property check against a model of every result, clock jumps), the
 * latency sample ring and its percentile, outages, the last success and
 * failure, saturation, the invariant check used on state files, and the
 * memory budget per probe.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "probe_opts.h"
#include "stats.h"

#define HB	STATS_HOUR_BUCKET_S
#define DB	STATS_DAY_BUCKET_S
/* a stats clock value on a day-bucket (and so hour-bucket) boundary */
#define T0	(100 * DB)
#define WALL	1700000000

static struct probe_result
result(enum probe_status st, enum fail_class fail, int64_t us)
{
	struct probe_result r;

	probe_result_init(&r);
	r.status = st;
	r.fail = fail;
	r.t[PH_TOTAL] = us;
	return r;
}

static void
add(struct stats *st, int64_t t, enum probe_status status, int64_t us)
{
	struct probe_result r = result(status,
	    status == STATUS_OK ? FAIL_NONE : FAIL_REFUSED, us);

	stats_add(st, t, (time_t)(WALL + t), &r);
}

static uint32_t
hour_results(const struct stats *st, int64_t now)
{
	struct stats_summary s;

	stats_window(st, STATS_HOUR, now, &s);
	return s.results;
}

static uint32_t
day_results(const struct stats *st, int64_t now)
{
	struct stats_summary s;

	stats_window(st, STATS_DAY, now, &s);
	return s.results;
}

/* ---- memory ------------------------------------------------------------ */

static void
test_layout(void **state)
{
	(void)state;
	/* the layout documented in stats.h and history.h */
	assert_int_equal(sizeof(struct stats_bucket), 24);
	assert_int_equal(sizeof(struct stats_hbucket), 20);
	assert_int_equal(sizeof(((struct stats *)NULL)->hour), 30 * 20);
	assert_int_equal(sizeof(((struct stats *)NULL)->sample_us) +
	    sizeof(((struct stats *)NULL)->sample_age), 64 * 6);
	assert_int_equal(sizeof(struct stats), 2184);
	assert_int_equal(sizeof(struct history_entry), 20);
	assert_int_equal(history_size(HISTORY_DEFAULT), 16 + 10 * 20);
	/*
	 * The budget: statistics plus a history of 10 within 3 KiB per
	 * probe, counting the allocator's overhead of up to 16 bytes for
	 * each of the two blocks.
	 */
	assert_true(sizeof(struct stats) + 16 +
	    history_size(HISTORY_DEFAULT) + 16 <= 3072);
	/* the history ring is sized by N: none kept costs its header only */
	assert_int_equal(history_size(0), 16);
}

/* ---- windows ----------------------------------------------------------- */

static void
test_empty(void **state)
{
	struct stats st;
	struct stats_summary s;
	uint32_t us;

	(void)state;
	stats_init(&st);
	stats_window(&st, STATS_HOUR, T0, &s);
	assert_int_equal(s.results, 0);
	assert_int_equal(s.failures, 0);
	assert_int_equal(s.lat_n, 0);
	assert_int_equal(s.longest_outage, 0);
	assert_int_equal(stats_availability(&s), -1);
	assert_int_equal(stats_p95(&st, T0, &us), -1);
	assert_int_equal(st.last_ok, 0);
	assert_int_equal(st.last_fail, 0);
	assert_int_equal(stats_valid(&st, T0), 0);
}

static void
test_window_edges(void **state)
{
	struct stats st;

	(void)state;
	/* a result at the start of a bucket leaves exactly an hour later */
	stats_init(&st);
	add(&st, T0, STATUS_OK, 1000);
	assert_int_equal(hour_results(&st, T0), 1);
	assert_int_equal(hour_results(&st, T0 + 3599), 1);
	assert_int_equal(hour_results(&st, T0 + 3600), 0);
	assert_int_equal(day_results(&st, T0 + 3600), 1);
	assert_int_equal(day_results(&st, T0 + 86399), 1);
	assert_int_equal(day_results(&st, T0 + 86400), 0);

	/*
	 * A result at the end of that bucket leaves with it: the error
	 * bound, one bucket (it was 3481 s old, not 3600).
	 */
	stats_init(&st);
	add(&st, T0 + HB - 1, STATUS_OK, 1000);
	assert_int_equal(hour_results(&st, T0 + 3599), 1);
	assert_int_equal(hour_results(&st, T0 + 3600), 0);
	stats_init(&st);
	add(&st, T0 + DB - 1, STATUS_OK, 1000);
	assert_int_equal(day_results(&st, T0 + 86399), 1);
	assert_int_equal(day_results(&st, T0 + 86400), 0);

	/* one result per bucket: the oldest leaves first, one at a time */
	stats_init(&st);
	{
		int	 i;

		for (i = 0; i < 40; i++)
			add(&st, T0 + i * HB, STATUS_OK, 1000);
		/* at the 40th bucket: buckets 11..40 (30 of them) remain */
		assert_int_equal(hour_results(&st, T0 + 39 * HB), 30);
		assert_int_equal(hour_results(&st, T0 + 40 * HB - 1), 30);
		assert_int_equal(hour_results(&st, T0 + 40 * HB), 29);
		assert_int_equal(hour_results(&st, T0 + 68 * HB), 1);
		assert_int_equal(hour_results(&st, T0 + 69 * HB), 0);
		assert_int_equal(day_results(&st, T0 + 69 * HB), 40);
	}
}

/*
 * The documented bound, against a model holding every result: the hour
 * window counts no result older than 3600 s and every result younger
 * than 3600 - 120 s; the day window the same with 86400 and 1800.
 */
static void
test_window_model(void **state)
{
	static int64_t at[6000];
	struct stats st;
	size_t	 n = 0, i;
	int64_t	 t = T0 + 17, now;
	unsigned seed = 12345;

	(void)state;
	stats_init(&st);
	/* irregular intervals of 1..60 s over about 2 days */
	while (n < sizeof(at) / sizeof(at[0])) {
		seed = seed * 1103515245 + 12345;
		t += 1 + (seed >> 16) % 60;
		at[n++] = t;
		add(&st, t, (seed >> 8) % 5 == 0 ? STATUS_CRITICAL : STATUS_OK,
		    1000 + (seed >> 4) % 1000);

		if (n % 37 != 0)
			continue;
		/* look now and a little later (no result in between) */
		for (now = t; now < t + 200; now += 61) {
			uint32_t h_young = 0, h_all = 0, d_young = 0, d_all = 0;
			uint32_t exact = 0;
			int64_t	 hstart = (now / HB - (STATS_HOUR_BUCKETS - 1)) * HB;

			for (i = 0; i < n; i++) {
				int64_t age = now - at[i];

				h_all += age < 3600;
				h_young += age < 3600 - HB;
				d_all += age < 86400;
				d_young += age < 86400 - DB;
				exact += at[i] >= hstart;
			}
			assert_true(hour_results(&st, now) <= h_all);
			assert_true(hour_results(&st, now) >= h_young);
			assert_true(day_results(&st, now) <= d_all);
			assert_true(day_results(&st, now) >= d_young);
			/* and exactly the buckets' content */
			assert_int_equal(hour_results(&st, now), exact);
		}
	}
}

static void
test_clock_jumps(void **state)
{
	struct stats st;
	struct stats_summary s;

	(void)state;
	stats_init(&st);
	add(&st, T0, STATUS_OK, 1000);
	add(&st, T0 + 5 * HB, STATUS_CRITICAL, 0);
	/* a jump of a few buckets clears only the buckets it skipped */
	assert_int_equal(hour_results(&st, T0 + 5 * HB), 2);
	/* a jump by more than the day: both windows start over */
	add(&st, T0 + 3 * 86400, STATUS_OK, 2000);
	stats_window(&st, STATS_HOUR, T0 + 3 * 86400, &s);
	assert_int_equal(s.results, 1);
	assert_int_equal(s.failures, 0);
	assert_int_equal(s.lat_min, 2000);
	stats_window(&st, STATS_DAY, T0 + 3 * 86400, &s);
	assert_int_equal(s.results, 1);
	assert_int_equal(stats_valid(&st, T0 + 3 * 86400), 0);

	/*
	 * The monotonic clock never goes back, but a result stamped
	 * before the newest bucket must not corrupt the ring: it counts
	 * in the newest bucket.
	 */
	add(&st, T0 + 3 * 86400 - 5000, STATUS_OK, 3000);
	stats_window(&st, STATS_HOUR, T0 + 3 * 86400, &s);
	assert_int_equal(s.results, 2);
	assert_int_equal(s.lat_max, 3000);
	assert_int_equal(st.hour_head, (T0 + 3 * 86400) / HB);
	assert_int_equal(stats_valid(&st, T0 + 3 * 86400), 0);

	/* wall-clock steps (back to 1970, on to 2100) move nothing */
	stats_init(&st);
	{
		struct probe_result ok = result(STATUS_OK, FAIL_NONE, 10);
		struct probe_result bad = result(STATUS_CRITICAL,
		    FAIL_TIMEOUT, 10);

		stats_add(&st, T0, 1700000000, &ok);
		stats_add(&st, T0 + 60, 86400, &bad);
		stats_add(&st, T0 + 120, 4102444800LL, &ok);
		assert_int_equal(hour_results(&st, T0 + 120), 3);
		stats_window(&st, STATS_HOUR, T0 + 120, &s);
		assert_int_equal(s.failures, 1);
		/* the stamps are what the wall clock said */
		assert_int_equal(st.last_ok, 4102444800LL);
		assert_int_equal(st.last_fail, 86400);
		/* and the outage is measured on the stats clock: 60 s */
		assert_int_equal(s.longest_outage, 60);
	}
}

/* ---- what counts --------------------------------------------------------- */

static void
test_availability(void **state)
{
	struct stats_summary s;
	struct stats st;
	int	 i;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(stats_availability(&s), -1);
	s.results = 4;
	s.failures = 1;
	assert_int_equal(stats_availability(&s), 750);
	s.results = 3;
	assert_int_equal(stats_availability(&s), 666);	/* rounded down */
	s.failures = 3;
	assert_int_equal(stats_availability(&s), 0);
	s.failures = 0;
	assert_int_equal(stats_availability(&s), 1000);
	s.results = 1000000;
	s.failures = 1;
	assert_int_equal(stats_availability(&s), 999);	/* never 1000 */

	/* alternating ok / failed: exactly one half */
	stats_init(&st);
	for (i = 0; i < 60; i++)
		add(&st, T0 + i * 30, i % 2 ? STATUS_CRITICAL : STATUS_OK, 100);
	stats_window(&st, STATS_HOUR, T0 + 59 * 30, &s);
	assert_int_equal(s.results, 60);
	assert_int_equal(s.failures, 30);
	assert_int_equal(stats_availability(&s), 500);
}

static void
test_latency(void **state)
{
	struct stats st;
	struct stats_summary s;
	struct probe_result r;

	(void)state;
	stats_init(&st);
	/* samples: ok, slow (warning), expiring certificate */
	r = result(STATUS_OK, FAIL_NONE, 4000);
	stats_add(&st, T0, WALL, &r);
	r = result(STATUS_WARNING, FAIL_SLOW, 9000);
	stats_add(&st, T0 + 1, WALL, &r);
	r = result(STATUS_WARNING, FAIL_CERT_EXPIRING, 2000);
	stats_add(&st, T0 + 500, WALL, &r);
	/* not samples: failures before the dialogue ended, no time */
	r = result(STATUS_CRITICAL, FAIL_TIMEOUT, 10000000);
	stats_add(&st, T0 + 600, WALL, &r);
	r = result(STATUS_CRITICAL, FAIL_REFUSED, 50);
	stats_add(&st, T0 + 700, WALL, &r);
	r = result(STATUS_OK, FAIL_NONE, -1);
	stats_add(&st, T0 + 800, WALL, &r);
	assert_int_equal(stats_has_latency(&r), 0);

	stats_window(&st, STATS_HOUR, T0 + 800, &s);
	assert_int_equal(s.results, 6);
	assert_int_equal(s.failures, 4);
	assert_int_equal(s.lat_n, 3);
	assert_int_equal(s.lat_min, 2000);
	assert_int_equal(s.lat_max, 9000);
	assert_int_equal(s.lat_avg, 5000);
	stats_window(&st, STATS_DAY, T0 + 800, &s);
	assert_int_equal(s.lat_n, 3);
	assert_int_equal(s.lat_avg, 5000);

	/* a latency past 32 bits is clamped, the sum does not wrap */
	stats_init(&st);
	r = result(STATUS_OK, FAIL_NONE, 10000000000LL);
	stats_add(&st, T0, WALL, &r);
	stats_add(&st, T0 + 1, WALL, &r);
	stats_window(&st, STATS_HOUR, T0 + 1, &s);
	assert_int_equal(s.lat_max, UINT32_MAX);
	assert_int_equal(s.lat_avg, UINT32_MAX);
}

static void
test_p95(void **state)
{
	struct stats st;
	uint32_t us;
	int	 i;

	(void)state;
	stats_init(&st);
	add(&st, T0, STATUS_OK, 777);
	assert_int_equal(stats_p95(&st, T0, &us), 0);
	assert_int_equal(us, 777);

	/* 20 samples, given out of order: the 19th smallest */
	stats_init(&st);
	for (i = 0; i < 20; i++)
		add(&st, T0 + i, STATUS_OK, ((i * 7) % 20 + 1) * 1000);
	assert_int_equal(stats_p95(&st, T0 + 20, &us), 0);
	assert_int_equal(us, 19000);

	/* 100 samples: only the latest 64 (37..100 ms) are kept */
	stats_init(&st);
	for (i = 1; i <= 100; i++)
		add(&st, T0 + i, STATUS_OK, i * 1000);
	assert_int_equal(st.nsample, 64);
	assert_int_equal(stats_p95(&st, T0 + 100, &us), 0);
	assert_int_equal(us, 97000);	/* rank ceil(0.95 * 64) = 61 */

	/* failures are no samples; old samples fall out after an hour */
	stats_init(&st);
	add(&st, T0, STATUS_OK, 5000);
	add(&st, T0 + 10, STATUS_CRITICAL, 1);
	add(&st, T0 + 1800, STATUS_OK, 1000);
	assert_int_equal(stats_p95(&st, T0 + 1800, &us), 0);
	assert_int_equal(us, 5000);
	assert_int_equal(stats_p95(&st, T0 + 3599, &us), 0);
	assert_int_equal(us, 5000);
	assert_int_equal(stats_p95(&st, T0 + 3600, &us), 0);
	assert_int_equal(us, 1000);
	assert_int_equal(stats_p95(&st, T0 + 1800 + 3600, &us), -1);

	/*
	 * Sample times are ages before the newest, in 16 bits: one taken
	 * 65536 + 100 s before the newest must not pass for 100 s old.
	 */
	stats_init(&st);
	add(&st, T0, STATUS_OK, 9000);
	add(&st, T0 + 65536 + 100, STATUS_OK, 1000);
	assert_int_equal(stats_p95(&st, T0 + 65536 + 100, &us), 0);
	assert_int_equal(us, 1000);
	add(&st, T0 + 65536 + 200, STATUS_OK, 2000);
	assert_int_equal(stats_p95(&st, T0 + 65536 + 200, &us), 0);
	assert_int_equal(us, 2000);
}

/* the reference: nearest rank of the latest 64 samples younger than 1 h */
static int
p95_exact(const int64_t *at, const uint32_t *v, size_t n, int64_t now,
    uint32_t *us)
{
	uint32_t w[STATS_SAMPLES];
	size_t	 i, j, k = 0;

	for (i = n > STATS_SAMPLES ? n - STATS_SAMPLES : 0; i < n; i++) {
		if (now - at[i] >= STATS_P95_SPAN_S)
			continue;
		for (j = k; j > 0 && w[j - 1] > v[i]; j--)
			w[j] = w[j - 1];
		w[j] = v[i];
		k++;
	}
	if (k == 0)
		return -1;
	*us = w[(95 * k + 99) / 100 - 1];
	return 0;
}

/*
 * Irregular intervals, some of them of many hours: the percentile is the
 * exact one at every look, and so after a state file's round trip of the
 * samples (stats_sample_get, stats_sample_push).
 */
static void
test_p95_model(void **state)
{
	static int64_t at[3000];
	static uint32_t v[3000];
	struct stats st, copy;
	size_t	 n = 0, i;
	int64_t	 t = T0, now;
	unsigned seed = 777;
	uint32_t a, b, ct, cu;
	int	 ra, rb;

	(void)state;
	stats_init(&st);
	while (n < sizeof(at) / sizeof(at[0])) {
		seed = seed * 1103515245 + 12345;
		/* mostly 1..120 s, now and then 10 to 30 hours */
		t += (seed >> 16) % 50 == 0 ? 36000 + (seed >> 8) % 72000 :
		    1 + (seed >> 16) % 120;
		at[n] = t;
		v[n] = 1 + (seed >> 4) % 100000;
		add(&st, t, STATUS_OK, v[n]);
		n++;
		for (now = t; now < t + 4000; now += 700) {
			ra = stats_p95(&st, now, &a);
			rb = p95_exact(at, v, n, now, &b);
			assert_int_equal(ra, rb);
			if (ra == 0)
				assert_int_equal(a, b);
		}
		if (n % 97 != 0)
			continue;
		stats_init(&copy);
		for (i = 0; i < st.nsample; i++) {
			stats_sample_get(&st, i, &ct, &cu);
			stats_sample_push(&copy, ct, cu);
		}
		ra = stats_p95(&copy, t + 60, &a);
		rb = p95_exact(at, v, n, t + 60, &b);
		assert_int_equal(ra, rb);
		if (ra == 0)
			assert_int_equal(a, b);
	}
}

static void
test_outages(void **state)
{
	struct stats st;
	struct stats_summary s;

	(void)state;
	stats_init(&st);
	add(&st, T0, STATUS_OK, 100);
	add(&st, T0 + 60, STATUS_CRITICAL, 0);		/* down ... */
	add(&st, T0 + 120, STATUS_CRITICAL, 0);
	add(&st, T0 + 180, STATUS_OK, 100);		/* ... 120 s */
	stats_window(&st, STATS_HOUR, T0 + 180, &s);
	assert_int_equal(s.longest_outage, 120);
	assert_false(st.in_outage);

	/* an outage going on counts as long as it has lasted */
	add(&st, T0 + 300, STATUS_WARNING, 100);
	stats_window(&st, STATS_HOUR, T0 + 400, &s);
	assert_int_equal(s.longest_outage, 120);
	stats_window(&st, STATS_HOUR, T0 + 500, &s);
	assert_int_equal(s.longest_outage, 200);
	add(&st, T0 + 600, STATUS_OK, 100);		/* 300 s */
	stats_window(&st, STATS_HOUR, T0 + 600, &s);
	assert_int_equal(s.longest_outage, 300);

	/*
	 * An outage belongs to the bucket where it ended and leaves the
	 * hour with it: T0 + 600 is in bucket T0/120 + 5, which leaves 30
	 * buckets later; the 120 s one (bucket + 1) has left before.
	 */
	stats_window(&st, STATS_HOUR, T0 + 31 * HB, &s);
	assert_int_equal(s.longest_outage, 300);
	stats_window(&st, STATS_HOUR, T0 + 35 * HB - 1, &s);
	assert_int_equal(s.longest_outage, 300);
	stats_window(&st, STATS_HOUR, T0 + 35 * HB, &s);
	assert_int_equal(s.longest_outage, 0);
	stats_window(&st, STATS_DAY, T0 + 35 * HB, &s);
	assert_int_equal(s.longest_outage, 300);

	/* an outage that began before the window counts in full */
	stats_init(&st);
	add(&st, T0, STATUS_CRITICAL, 0);
	add(&st, T0 + 7200, STATUS_OK, 100);
	stats_window(&st, STATS_HOUR, T0 + 7200, &s);
	assert_int_equal(s.results, 1);
	assert_int_equal(s.failures, 0);
	assert_int_equal(s.longest_outage, 7200);
}

static void
test_last(void **state)
{
	struct stats st;
	struct probe_result r;

	(void)state;
	stats_init(&st);
	r = result(STATUS_CRITICAL, FAIL_GREETING, 10);
	stats_add(&st, T0, 1000, &r);
	assert_int_equal(st.last_fail, 1000);
	assert_int_equal(st.last_fail_class, FAIL_GREETING);
	assert_int_equal(st.last_ok, 0);
	r = result(STATUS_OK, FAIL_NONE, 10);
	stats_add(&st, T0 + 1, 2000, &r);
	assert_int_equal(st.last_ok, 2000);
	assert_int_equal(st.last_fail, 1000);
	/* a warning is a failure with its class */
	r = result(STATUS_WARNING, FAIL_CERT_EXPIRING, 10);
	stats_add(&st, T0 + 2, 3000, &r);
	assert_int_equal(st.last_fail, 3000);
	assert_int_equal(st.last_fail_class, FAIL_CERT_EXPIRING);
	/* a class out of range becomes internal, never an array index */
	r = result(STATUS_UNKNOWN, (enum fail_class)99, 10);
	stats_add(&st, T0 + 3, 4000, &r);
	assert_int_equal(st.last_fail_class, FAIL_INTERNAL);
	assert_int_equal(stats_valid(&st, T0 + 3), 0);
}

static void
test_saturation(void **state)
{
	struct stats *st;
	struct stats_summary s;
	int	 i;

	(void)state;
	st = malloc(sizeof(*st));
	assert_non_null(st);
	stats_init(st);
	for (i = 0; i < 70000; i++)
		add(st, T0, i % 3 ? STATUS_OK : STATUS_CRITICAL, 10);
	/* an hour bucket counts 255 results, a day bucket 65535 */
	stats_window(st, STATS_HOUR, T0, &s);
	assert_int_equal(s.results, UINT8_MAX);
	assert_true(s.failures <= s.results);
	assert_true(s.lat_n <= s.results);
	assert_int_equal(s.lat_avg, 10);
	stats_window(st, STATS_DAY, T0, &s);
	assert_int_equal(s.results, UINT16_MAX);
	assert_true(s.failures <= s.results);
	assert_int_equal(s.lat_avg, 10);
	assert_int_equal(stats_valid(st, T0), 0);
	free(st);
}

/* ---- checking untrusted contents --------------------------------------- */

static void
test_valid(void **state)
{
	struct stats good, st;
	int64_t	 now = T0 + 1000;

	(void)state;
	stats_init(&good);
	add(&good, T0, STATUS_OK, 100);
	add(&good, T0 + 500, STATUS_CRITICAL, 0);
	assert_int_equal(stats_valid(&good, now), 0);

#define BAD(stmt) do {							\
	st = good;							\
	stmt;								\
	assert_int_equal(stats_valid(&st, now), -1);			\
} while (0)
	BAD(st.hour[0].fail = st.hour[0].n + 1);
	BAD(st.day[3].lat_n = st.day[3].n + 1);
	BAD(st.hour[(T0 / HB) % STATS_HOUR_BUCKETS].lat_min = 200);
	BAD(st.hour[7].lat_sum_lo = 5);		/* a sum without samples */
	BAD(st.nsample = STATS_SAMPLES + 1);
	BAD(st.sample_next = STATS_SAMPLES);
	BAD(st.sample_next = 0);		/* 1 sample, next must be 1 */
	BAD(st.hour_head = now / HB + 1);	/* a bucket in the future */
	BAD(st.day_head = -1);
	BAD(st.in_outage = 2);
	BAD(st.outage_start = now + 1);
	BAD(st.outage_start = -5);
	BAD(st.last_fail_class = FAIL_LAST);
	BAD(st.last_ok = -1);
#undef BAD
	assert_int_equal(stats_valid(&good, -1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_window_model),
		cmocka_unit_test(test_clock_jumps),
		cmocka_unit_test(test_availability),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_p95),
		cmocka_unit_test(test_p95_model),
		cmocka_unit_test(test_outages),
		cmocka_unit_test(test_last),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

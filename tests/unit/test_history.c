/*
 * test_history.c - the ring of the last results: order, numbering and
 * its wrap to 1, lookups by number in index order, resizing, the
 * fields of an entry, and entries refused on restore.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "history.h"
#include "probe_opts.h"

static struct probe_result
result(enum probe_status st, int code)
{
	struct probe_result r;

	probe_result_init(&r);
	r.status = st;
	r.fail = st == STATUS_OK ? FAIL_NONE : FAIL_GREETING;
	r.reply_code = code;
	r.t[PH_TOTAL] = 1000 + code;
	return r;
}

static void
add_n(struct history *h, int n, int first_code)
{
	int	 i;

	for (i = 0; i < n; i++) {
		struct probe_result r = result(i % 2 ? STATUS_CRITICAL :
		    STATUS_OK, first_code + i);

		history_add(h, 1700000000 + first_code + i, &r);
	}
}

static void
test_empty(void **state)
{
	struct history *h;

	(void)state;
	h = history_new(10);
	assert_non_null(h);
	assert_int_equal(h->cap, 10);
	assert_int_equal(h->n, 0);
	assert_int_equal(h->seq, 0);
	assert_null(history_at(h, 0));
	assert_null(history_get(h, 1));
	assert_null(history_next(h, 0));
	history_free(h);
	/* nothing held for a NULL ring either (rows without history) */
	assert_null(history_at(NULL, 0));
	assert_null(history_get(NULL, 1));
	assert_null(history_next(NULL, 0));
	/* the configured maximum, and no more */
	h = history_new(HISTORY_MAX);
	assert_non_null(h);
	history_free(h);
	assert_null(history_new(HISTORY_MAX + 1));
}

static void
test_ring(void **state)
{
	struct history *h;
	uint32_t i;

	(void)state;
	h = history_new(10);
	assert_non_null(h);
	add_n(h, 4, 100);
	assert_int_equal(h->n, 4);
	assert_int_equal(history_at(h, 0)->seq, 1);
	assert_int_equal(history_at(h, 3)->seq, 4);
	assert_null(history_at(h, 4));
	/* 15 in all: the oldest 5 are gone, numbers 6..15 remain */
	add_n(h, 11, 104);
	assert_int_equal(h->n, 10);
	assert_int_equal(h->seq, 15);
	for (i = 0; i < 10; i++) {
		assert_int_equal(history_at(h, i)->seq, 6 + i);
		assert_int_equal(history_at(h, i)->reply_code, 105 + i);
	}
	assert_null(history_get(h, 5));
	assert_int_equal(history_get(h, 6)->seq, 6);
	assert_int_equal(history_get(h, 15)->reply_code, 114);
	assert_int_equal(history_next(h, 0)->seq, 6);
	assert_int_equal(history_next(h, 9)->seq, 10);
	assert_null(history_next(h, 15));
	assert_null(history_next(h, UINT64_MAX));
	history_free(h);
}

static void
test_wrap(void **state)
{
	struct history *h;

	(void)state;
	h = history_new(5);
	assert_non_null(h);
	h->seq = UINT32_MAX - 2;
	add_n(h, 5, 1);
	/* numbers given: MAX-1, MAX, then 1, 2, 3 (never 0) */
	assert_int_equal(history_at(h, 0)->seq, UINT32_MAX - 1);
	assert_int_equal(history_at(h, 1)->seq, UINT32_MAX);
	assert_int_equal(history_at(h, 2)->seq, 1);
	assert_int_equal(history_at(h, 4)->seq, 3);
	assert_int_equal(h->seq, 3);
	assert_null(history_get(h, 0));
	/* index order: 1, 2, 3, MAX-1, MAX */
	assert_int_equal(history_next(h, 0)->seq, 1);
	assert_int_equal(history_next(h, 3)->seq, UINT32_MAX - 1);
	assert_int_equal(history_next(h, UINT32_MAX - 1)->seq, UINT32_MAX);
	assert_null(history_next(h, UINT32_MAX));
	/* the oldest (MAX-1) is the one a new result replaces */
	add_n(h, 1, 50);
	assert_null(history_get(h, UINT32_MAX - 1));
	assert_int_equal(history_get(h, 4)->reply_code, 50);
	history_free(h);
}

static void
test_none_kept(void **state)
{
	struct history *h;

	(void)state;
	/* "history 0": no entry, but the numbering goes on */
	h = history_new(0);
	assert_non_null(h);
	add_n(h, 3, 1);
	assert_int_equal(h->n, 0);
	assert_int_equal(h->seq, 3);
	assert_null(history_at(h, 0));
	assert_null(history_next(h, 0));
	/* turned on again: numbering continues */
	h = history_resize(h, 2);
	assert_non_null(h);
	add_n(h, 1, 9);
	assert_int_equal(history_at(h, 0)->seq, 4);
	history_free(h);
}

static void
test_resize(void **state)
{
	struct history *h;
	uint32_t i;

	(void)state;
	h = history_new(10);
	assert_non_null(h);
	add_n(h, 12, 0);		/* holds 3..12 */
	/* shrink: the newest 3 */
	h = history_resize(h, 3);
	assert_non_null(h);
	assert_int_equal(h->cap, 3);
	assert_int_equal(h->n, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(history_at(h, i)->seq, 10 + i);
	add_n(h, 1, 99);
	assert_int_equal(history_at(h, 0)->seq, 11);
	assert_int_equal(history_at(h, 2)->seq, 13);
	/* grow: everything kept, in order, then new entries after */
	h = history_resize(h, 20);
	assert_non_null(h);
	assert_int_equal(h->n, 3);
	add_n(h, 5, 200);
	assert_int_equal(h->n, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(history_at(h, i)->seq, 11 + i);
	/* to zero and back: only the numbering survives */
	h = history_resize(h, 0);
	assert_non_null(h);
	assert_int_equal(h->n, 0);
	h = history_resize(h, 4);
	assert_non_null(h);
	add_n(h, 1, 0);
	assert_int_equal(history_at(h, 0)->seq, 19);
	/* too large: refused, the old ring untouched */
	assert_null(history_resize(h, HISTORY_MAX + 1));
	assert_int_equal(history_at(h, 0)->seq, 19);
	history_free(h);
}

static void
test_fields(void **state)
{
	struct history *h;
	struct probe_result r;
	const struct history_entry *e;

	(void)state;
	h = history_new(8);
	assert_non_null(h);
	probe_result_init(&r);
	r.status = STATUS_WARNING;
	r.fail = FAIL_SLOW;
	r.reply_code = 250;
	r.t[PH_TOTAL] = 2600000;
	r.t[PH_DELIVERY] = 2500999;
	history_add(h, 1700000123, &r);
	e = history_at(h, 0);
	assert_int_equal(e->wall, 1700000123);
	assert_int_equal(e->status, STATUS_WARNING);
	assert_int_equal(e->fail, FAIL_SLOW);
	assert_int_equal(e->reply_code, 250);
	assert_int_equal(e->latency_us, 2600000);
	assert_int_equal(e->delivery_ms, 2500);		/* milliseconds */

	/* nothing measured: "none"; out-of-range values are bounded */
	probe_result_init(&r);
	r.status = (enum probe_status)9;
	r.fail = (enum fail_class)77;
	r.reply_code = 4000;
	history_add(h, 1, &r);
	e = history_at(h, 1);
	assert_int_equal(e->latency_us, HISTORY_NONE);
	assert_int_equal(e->delivery_ms, HISTORY_NONE);
	assert_int_equal(e->status, STATUS_UNKNOWN);
	assert_int_equal(e->fail, FAIL_INTERNAL);
	assert_int_equal(e->reply_code, 999);
	r.reply_code = -3;
	r.t[PH_TOTAL] = 1LL << 40;	/* too long for 32 bits: not "none" */
	history_add(h, 1, &r);
	e = history_at(h, 2);
	assert_int_equal(e->reply_code, 0);
	assert_int_equal(e->latency_us, HISTORY_NONE - 1);
	assert_true(history_entry_valid(e));
	history_free(h);
}

static void
test_push(void **state)
{
	struct history *h;
	struct history_entry e;

	(void)state;
	h = history_new(2);
	assert_non_null(h);
	memset(&e, 0, sizeof(e));
	e.wall = 1700000000;
	e.seq = 41;
	e.latency_us = HISTORY_NONE;
	e.delivery_ms = HISTORY_NONE;
	assert_int_equal(history_push(h, &e), 0);
	assert_int_equal(h->seq, 41);
	/* a restored ring numbers on from the newest entry */
	add_n(h, 1, 0);
	assert_int_equal(history_at(h, 1)->seq, 42);

#define REFUSED(stmt) do {						\
	struct history_entry b = e;					\
	stmt;								\
	assert_int_equal(history_push(h, &b), -1);			\
	assert_int_equal(h->seq, 42);					\
} while (0)
	REFUSED(b.seq = 0);
	REFUSED(b.status = STATUS_UNKNOWN + 1);
	REFUSED(b.fail = FAIL_LAST);
	REFUSED(b.reply_code = 1000);
#undef REFUSED
	history_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_none_kept),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_push),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

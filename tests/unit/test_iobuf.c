/*
 * test_iobuf.c - bounded buffers never exceed their limit.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iobuf.h"

static void
test_bounds(void **state)
{
	struct iobuf	 b;
	char		 chunk[100];
	int		 i;

	memset(chunk, 'a', sizeof(chunk));
	assert_int_equal(iobuf_init(&b, 1000), 0);
	assert_int_equal(iobuf_len(&b), 0);
	assert_int_equal(iobuf_space(&b), 1000);
	for (i = 0; i < 10; i++)
		assert_int_equal(iobuf_append(&b, chunk, sizeof(chunk)), 0);
	assert_true(iobuf_full(&b));
	assert_int_equal(iobuf_len(&b), 1000);
	errno = 0;
	assert_int_equal(iobuf_append(&b, "x", 1), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(iobuf_len(&b), 1000);
	assert_true(b.cap <= 1000);
	/* all or nothing */
	iobuf_consume(&b, 50);
	assert_int_equal(iobuf_append(&b, chunk, 51), -1);
	assert_int_equal(iobuf_len(&b), 950);
	assert_int_equal(iobuf_append(&b, chunk, 50), 0);
	assert_int_equal(iobuf_len(&b), 1000);
	assert_true(b.cap <= 1000);
	iobuf_clear(&b);
	assert_int_equal(iobuf_init(&b, 0), -1);
}

static void
test_consume_peek(void **state)
{
	struct iobuf	 b;
	char		 out[16];

	assert_int_equal(iobuf_init(&b, 64), 0);
	assert_int_equal(iobuf_append_str(&b, "hello world"), 0);
	assert_int_equal(iobuf_peek(&b, out, 5), 5);
	assert_memory_equal(out, "hello", 5);
	assert_int_equal(iobuf_len(&b), 11);
	iobuf_consume(&b, 6);
	assert_int_equal(iobuf_len(&b), 5);
	assert_memory_equal(iobuf_data(&b), "world", 5);
	assert_int_equal(iobuf_peek(&b, out, sizeof(out)), 5);
	iobuf_consume(&b, 100);		/* clamped */
	assert_int_equal(iobuf_len(&b), 0);
	assert_int_equal(iobuf_peek(&b, out, sizeof(out)), 0);
	iobuf_clear(&b);
}

static void
test_find(void **state)
{
	struct iobuf	 b;

	assert_int_equal(iobuf_init(&b, 256), 0);
	assert_int_equal(iobuf_find_crlf(&b), -1);
	assert_int_equal(iobuf_find_lf(&b), -1);
	assert_int_equal(iobuf_append_str(&b, "abc\ndef\r\nxyz"), 0);
	assert_int_equal(iobuf_find_lf(&b), 3);
	/* a bare LF is not a CRLF; the search goes on */
	assert_int_equal(iobuf_find_crlf(&b), 7);
	iobuf_consume(&b, 9);
	assert_int_equal(iobuf_find_crlf(&b), -1);
	assert_int_equal(iobuf_find_lf(&b), -1);
	assert_int_equal(iobuf_append(&b, "\r", 1), 0);
	assert_int_equal(iobuf_find_crlf(&b), -1);	/* split CRLF */
	assert_int_equal(iobuf_append(&b, "\n", 1), 0);
	assert_int_equal(iobuf_find_crlf(&b), 3);
	assert_int_equal(iobuf_append(&b, "\0z", 2), 0);
	assert_int_equal(iobuf_find_byte(&b, 0), 5);
	/* CRLF at the very start */
	iobuf_reset(&b);
	assert_int_equal(iobuf_append_str(&b, "\r\n"), 0);
	assert_int_equal(iobuf_find_crlf(&b), 0);
	iobuf_clear(&b);
}

static void
test_reserve_commit(void **state)
{
	struct iobuf	 b;
	size_t		 avail, total = 0;
	char		*p;

	assert_int_equal(iobuf_init(&b, 5000), 0);
	while ((p = iobuf_reserve(&b, 1500, &avail)) != NULL) {
		assert_true(avail > 0 && avail <= 1500);
		memset(p, 'q', avail);
		iobuf_commit(&b, avail);
		total += avail;
		assert_true(total <= 5000);
	}
	assert_int_equal(avail, 0);
	assert_int_equal(total, 5000);
	assert_true(iobuf_full(&b));
	assert_true(b.cap <= 5000);
	/* consuming at the front makes room again, by compaction */
	iobuf_consume(&b, 100);
	p = iobuf_reserve(&b, 1000, &avail);
	assert_non_null(p);
	assert_int_equal(avail, 100);
	memcpy(p, "END", 3);
	iobuf_commit(&b, 3);
	assert_int_equal(iobuf_len(&b), 4903);
	assert_memory_equal(iobuf_data(&b) + 4900, "END", 3);
	assert_true(b.cap <= 5000);
	iobuf_clear(&b);
}

/* interleaved use never lets storage pass the limit or lose bytes */
static void
test_stream(void **state)
{
	struct iobuf	 b;
	unsigned char	 next_in = 0, next_out = 0;
	int		 i;

	srandom(7);
	assert_int_equal(iobuf_init(&b, 3000), 0);
	for (i = 0; i < 20000; i++) {
		unsigned char	 tmp[700];
		size_t		 n = (size_t)(random() % sizeof(tmp)), k;

		for (k = 0; k < n; k++)
			tmp[k] = (unsigned char)(next_in + k);
		if (iobuf_append(&b, tmp, n) == 0)
			next_in = (unsigned char)(next_in + n);
		else
			assert_true(n > iobuf_space(&b));
		n = (size_t)(random() % 600);
		if (n > iobuf_len(&b))
			n = iobuf_len(&b);
		for (k = 0; k < n; k++)
			assert_int_equal((unsigned char)iobuf_data(&b)[k],
			    (unsigned char)(next_out + k));
		iobuf_consume(&b, n);
		next_out = (unsigned char)(next_out + n);
		assert_true(b.cap <= 3000);
	}
	iobuf_clear(&b);
}

/* every block handed back to the allocator was wiped first */
static int	 freed_blocks;
static int	 freed_dirty;

static void
free_hook(void *p, size_t n)
{
	const unsigned char	*u = p;
	size_t			 i;

	freed_blocks++;
	for (i = 0; i < n; i++)
		if (u[i] != 0) {
			freed_dirty++;
			return;
		}
}

static void
test_wiped(void **state)
{
	struct iobuf	 b;
	char		 line[300];
	int		 i;

	(void)state;
	freed_blocks = freed_dirty = 0;
	iobuf_free_hook = free_hook;
	assert_int_equal(iobuf_init(&b, 16384), 0);
	/* grow through several allocations, as a long AUTH line does */
	for (i = 0; i < 120; i++) {
		snprintf(line, sizeof(line), "PASS s3cretPassw0rd-%d\r\n", i);
		assert_int_equal(iobuf_append_str(&b, line), 0);
		iobuf_consume(&b, 3);
	}
	assert_true(freed_blocks >= 1);		/* it did move */
	iobuf_clear(&b);
	assert_true(freed_blocks >= 2);
	assert_int_equal(freed_dirty, 0);
	iobuf_free_hook = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_consume_peek),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_reserve_commit),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_wiped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

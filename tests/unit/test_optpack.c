/*
 * test_optpack.c - packed options unpack to the very same bytes, are
 * small, and compare equal exactly when the options are.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "optpack.h"
#include "util.h"

static void
roundtrip(const struct probe_opts *o)
{
	struct optpack		*pk;
	struct probe_opts	*back = malloc(sizeof(*back));

	assert_non_null(back);
	assert_non_null(pk = optpack_new(o));
	memset(back, 0xa5, sizeof(*back));
	optpack_unpack(pk, back);
	assert_memory_equal(back, o, sizeof(*o));
	optpack_free(pk);
	free(back);
}

static void
test_typical(void **state)
{
	struct probe_opts	 o, p;
	struct optpack		*a, *b;

	(void)state;
	probe_opts_init(&o);
	mm_strlcpy(o.name, "imap1", sizeof(o.name));
	o.mode = MODE_IMAP;
	mm_strlcpy(o.host, "imap.example.org", sizeof(o.host));
	o.port = 993;
	o.tls = TLS_IMPLICIT;
	mm_strlcpy(o.user, "monitor", sizeof(o.user));
	mm_strlcpy(o.pass, "S3cret-pw", sizeof(o.pass));
	roundtrip(&o);
	assert_non_null(a = optpack_new(&o));
	/* a typical probe keeps a few hundred bytes, not sizeof */
	assert_true(optpack_size(a) < 400);
	assert_true(sizeof(o) > 8000);

	p = o;
	assert_non_null(b = optpack_new(&p));
	assert_true(optpack_equal(a, b));
	optpack_free(b);
	p.pass[0] = 'X';		/* a changed password is a change */
	assert_non_null(b = optpack_new(&p));
	assert_false(optpack_equal(a, b));
	optpack_free(b);
	p = o;
	p.port = 994;
	assert_non_null(b = optpack_new(&p));
	assert_false(optpack_equal(a, b));
	optpack_free(b);
	optpack_free(a);
}

/*
 * A copy is the same block with one more owner: it stays whole until
 * the last owner frees it (a use after free here is ASan's to catch).
 */
static void
test_shared(void **state)
{
	struct probe_opts	 o;
	struct probe_opts	*back = malloc(sizeof(*back));
	struct optpack		*a, *b, *c;

	(void)state;
	assert_non_null(back);
	probe_opts_init(&o);
	mm_strlcpy(o.host, "mx.example.org", sizeof(o.host));
	mm_strlcpy(o.pass, "S3cret-pw", sizeof(o.pass));
	assert_non_null(a = optpack_new(&o));
	assert_non_null(b = optpack_dup(a));
	assert_ptr_equal(a, b);
	assert_non_null(c = optpack_dup(b));
	optpack_free(a);
	optpack_free(c);
	optpack_unpack(b, back);
	assert_memory_equal(back, &o, sizeof(o));
	assert_true(optpack_equal(b, b));
	optpack_free(b);
	free(back);
}

/* every byte pattern: zeros at the start, the end, short and long runs */
static void
test_patterns(void **state)
{
	struct probe_opts	*o = malloc(sizeof(*o));
	unsigned char		*p = (unsigned char *)o;
	size_t			 i, k;

	(void)state;
	assert_non_null(o);
	memset(o, 0, sizeof(*o));
	roundtrip(o);
	memset(o, 0xff, sizeof(*o));
	roundtrip(o);
	srandom(7);
	for (k = 0; k < 200; k++) {
		memset(o, 0, sizeof(*o));
		for (i = 0; i < sizeof(*o); i++) {
			/* runs of every length, including 1..RUN_MIN */
			if ((size_t)random() % 100 < (k % 50) + 1)
				p[i] = (unsigned char)(random() % 255 + 1);
		}
		if (k % 3 == 0)
			p[0] = 0;
		if (k % 5 == 0)
			p[sizeof(*o) - 1] = 7;
		roundtrip(o);
	}
	free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typical),
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

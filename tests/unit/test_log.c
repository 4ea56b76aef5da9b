/*
 * test_log.c - debug tokens are a closed list: a word that is not one
 * is refused, and every token selects its own messages only.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"

static char	 got[4096];

static void
sink(int level, const char *token, const char *msg, void *arg)
{
	(void)level;
	(void)arg;
	snprintf(got + strlen(got), sizeof(got) - strlen(got), "[%s] %s\n",
	    token != NULL ? token : "-", msg);
}

static void
test_tokens(void **state)
{
	char	 bad[48];
	int	 t;

	(void)state;
	log_init(0, "test");
	log_register(sink, NULL);
	/* every name in the list is a token, and maps back to itself */
	for (t = LT_NONE + 1; t < LT_LAST; t++) {
		assert_non_null(strstr(log_token_list(),
		    log_token_name((enum log_token)t)));
		assert_int_equal(log_set_tokens(
		    log_token_name((enum log_token)t), bad, sizeof(bad)), 0);
		assert_true(log_token_enabled((enum log_token)t));
	}
	/* words that log nothing are refused, and change nothing */
	assert_int_equal(log_set_tokens("smtp", bad, sizeof(bad)), 0);
	assert_int_equal(log_set_tokens("smtp,lineproto", bad, sizeof(bad)),
	    -1);
	assert_string_equal(bad, "lineproto");
	assert_int_equal(log_set_tokens("sasl", bad, sizeof(bad)), -1);
	assert_true(log_token_enabled(LT_SMTP));
	assert_false(log_token_enabled(LT_IMAP));

	got[0] = '\0';
	log_debug(LT_SMTP, "one");
	log_debug(LT_IMAP, "two");
	log_warnx("three");
	assert_string_equal(got, "[smtp] one\n[-] three\n");

	assert_int_equal(log_set_tokens("all", bad, sizeof(bad)), 0);
	got[0] = '\0';
	log_debug(LT_IMAP, "two");
	assert_string_equal(got, "[imap] two\n");
	log_register(NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

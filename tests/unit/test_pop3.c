/*
 * test_pop3.c - POP3 classifier and state machine.
 */
#include "config.h"

#include "proto_harness.h"

static void
test_classify(void **state)
{
	struct pop3_sess	 s;
	int			 code, final;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(pop3_classify(&s, "+OK ready", 9, &code, &final), 0);
	assert_int_equal(code, LP_OK);
	assert_int_equal(final, 1);
	assert_int_equal(pop3_classify(&s, "+OK", 3, &code, &final), 0);
	assert_int_equal(pop3_classify(&s, "-ERR no", 7, &code, &final), 0);
	assert_int_equal(code, LP_NO);
	assert_int_equal(pop3_classify(&s, "+OKAY", 5, &code, &final),
	    LPE_SYNTAX);
	assert_int_equal(pop3_classify(&s, "220 smtp", 8, &code, &final),
	    LPE_SYNTAX);
	assert_int_equal(pop3_classify(&s, "+", 1, &code, &final), LPE_SHORT);
	/* multi-line: +OK opens, "." closes, dot-stuffed data is data */
	pop3_multiline(&s.ps);
	assert_int_equal(pop3_classify(&s, "+OK", 3, &code, &final), 0);
	assert_int_equal(final, 0);
	assert_int_equal(pop3_classify(&s, "..x", 3, &code, &final), 0);
	assert_int_equal(code, LP_DATA);
	assert_int_equal(final, 0);
	assert_int_equal(pop3_classify(&s, ".", 1, &code, &final), 0);
	assert_int_equal(final, 1);
	assert_int_equal(code, LP_OK);
	/* -ERR to a multi-line command is final at once */
	pop3_multiline(&s.ps);
	assert_int_equal(pop3_classify(&s, "-ERR", 4, &code, &final), 0);
	assert_int_equal(final, 1);
}

static void
test_stls_login(void **state)
{
	struct harness		*h = h_new(MODE_POP3);
	static const struct step steps[] = {
		{ "+OK Dovecot ready.\r\n", "CAPA\r\n", PA_WAIT },
		{ "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nSTLS\r\nUSER\r\n.\r\n",
		    "STLS\r\n", PA_WAIT },
		{ "+OK Begin TLS negotiation now.\r\n", "", PA_STARTTLS },
		{ NULL, "CAPA\r\n", PA_WAIT },
		{ "+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n", "USER alice\r\n",
		    PA_WAIT },
		{ "+OK\r\n", "PASS s3cret!\r\n", PA_WAIT },
		{ "+OK Logged in.\r\n", "QUIT\r\n", PA_WAIT },
		{ "+OK Logging out.\r\n", "", PA_DONE },
	};

	(void)state;
	h->o.tls = TLS_STARTTLS;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "s3cret!", sizeof(h->o.pass));
	assert_int_equal(h_start(h), PA_WAIT);
	assert_string_equal(h_take(h), "");
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	assert_true(h->u.pop3.caps & POP3_CAP_SASL);
	assert_true(h->res.t[PH_AUTH] > 0);
	assert_non_null(strstr(h_log, ">>> PASS <redacted>"));
	assert_null(strstr(h_log, "s3cret"));
	free(h);
}

static void
test_greeting_err(void **state)
{
	struct harness		*h = h_new(MODE_POP3);
	static const struct step steps[] = {
		{ "-ERR go away\r\n", "QUIT\r\n", PA_WAIT },
		{ "+OK\r\n", "", PA_DONE },
	};

	(void)state;
	h_start(h);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_GREETING);
	assert_string_equal(h->res.reason, "greeting refused: -ERR go away");
	free(h);
}

static void
test_capa_err_stls_refused(void **state)
{
	struct harness		*h = h_new(MODE_POP3);
	static const struct step steps[] = {
		{ "+OK hi\r\n", "CAPA\r\n", PA_WAIT },
		{ "-ERR unknown command\r\n", "STLS\r\n", PA_WAIT },
		{ "-ERR TLS not available\r\n", "QUIT\r\n", PA_WAIT },
		{ "+OK\r\n", "", PA_DONE },
	};

	(void)state;
	h->o.tls = TLS_STARTTLS;
	h_start(h);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_TLS);
	assert_string_equal(h->res.reason,
	    "STLS refused: -ERR TLS not available");
	free(h);
}

static void
test_login_failed(void **state)
{
	struct harness		*h = h_new(MODE_POP3);
	static const struct step steps[] = {
		{ "+OK hi\r\n", "CAPA\r\n", PA_WAIT },
		{ "+OK\r\nUSER\r\n.\r\n", "USER alice\r\n", PA_WAIT },
		{ "+OK\r\n", "PASS s3cret!\r\n", PA_WAIT },
		{ "-ERR [AUTH] Authentication failed.\r\n", "QUIT\r\n",
		    PA_WAIT },
		{ "+OK\r\n", "", PA_DONE },
	};

	(void)state;
	h->o.tls = TLS_IMPLICIT;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "s3cret!", sizeof(h->o.pass));
	h_start(h);
	h->u.ps.tls = 1;
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_AUTH);
	assert_int_equal(h->u.ps.status, STATUS_CRITICAL);
	assert_null(strstr(h_log, "s3cret"));
	free(h);
}

static void
test_trailing(void **state)
{
	struct harness		*h = h_new(MODE_POP3);

	(void)state;
	h_start(h);
	assert_int_equal(h_feed(h, "+OK hi\r\n+OK again\r\n"),
	    100 + LPE_TRAILING);
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_stls_login),
		cmocka_unit_test(test_greeting_err),
		cmocka_unit_test(test_capa_err_stls_refused),
		cmocka_unit_test(test_login_failed),
		cmocka_unit_test(test_trailing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

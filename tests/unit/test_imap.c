/*
 * test_imap.c - IMAP classifier, capability parsing, quoting and the
 * IMAP state machine.
 */
#include "config.h"

#include "proto_harness.h"

static void
test_classify(void **state)
{
	struct imap_sess	 s;
	int			 code, final;
	const char		*l;

	(void)state;
	memset(&s, 0, sizeof(s));
	/* before any command: the untagged greeting is final */
	l = "* OK [CAPABILITY IMAP4rev1] ready";
	assert_int_equal(imap_classify(&s, l, strlen(l), &code, &final), 0);
	assert_int_equal(code, LP_OK);
	assert_int_equal(final, 1);
	assert_int_equal(imap_classify(&s, "* PREAUTH hi", 12, &code, &final),
	    0);
	assert_int_equal(code, LP_PREAUTH);
	assert_int_equal(imap_classify(&s, "* BYE full", 10, &code, &final), 0);
	assert_int_equal(code, LP_BYE);
	assert_int_equal(imap_classify(&s, "* 3 EXISTS", 10, &code, &final),
	    LPE_SYNTAX);
	assert_int_equal(imap_classify(&s, "A001 OK", 7, &code, &final),
	    LPE_TAG);

	strcpy(s.tag, "A002");
	assert_int_equal(imap_classify(&s, "* CAPABILITY IMAP4rev1", 22, &code,
	    &final), 0);
	assert_int_equal(code, LP_DATA);
	assert_int_equal(final, 0);
	assert_int_equal(imap_classify(&s, "A002 NO [AUTHENTICATIONFAILED] x",
	    32, &code, &final), 0);
	assert_int_equal(code, LP_NO);
	assert_int_equal(final, 1);
	assert_int_equal(imap_classify(&s, "A002 BAD x", 10, &code, &final), 0);
	assert_int_equal(code, LP_BAD);
	assert_int_equal(imap_classify(&s, "A001 OK", 7, &code, &final),
	    LPE_TAG);
	assert_int_equal(imap_classify(&s, "A002 MAYBE", 10, &code, &final),
	    LPE_SYNTAX);
	assert_int_equal(imap_classify(&s, "+ go", 4, &code, &final), 0);
	assert_int_equal(code, LP_CONT);
	assert_int_equal(final, 1);

	/* a literal's lines are data, even when they look like responses */
	l = "* 1 FETCH (BODY[] {14}";
	assert_int_equal(imap_classify(&s, l, strlen(l), &code, &final), 0);
	assert_int_equal(s.literal, 14);
	assert_int_equal(imap_classify(&s, "A002 OK", 7, &code, &final), 0);
	assert_int_equal(final, 0);
	assert_int_equal(imap_classify(&s, "abc)", 4, &code, &final), 0);
	assert_int_equal(final, 0);
	assert_int_equal(s.literal, 0);
	assert_int_equal(imap_classify(&s, "A002 OK done", 12, &code, &final),
	    0);
	assert_int_equal(final, 1);
	l = "* 1 FETCH (BODY[] {99999999999}";
	assert_int_equal(imap_classify(&s, l, strlen(l), &code, &final),
	    LPE_TOOBIG);
}

static void
test_quote(void **state)
{
	char	 buf[32];

	(void)state;
	assert_int_equal(imap_quote(buf, sizeof(buf), "a\"b\\c"), 9);
	assert_string_equal(buf, "\"a\\\"b\\\\c\"");
	assert_int_equal(imap_quote(buf, sizeof(buf), "a\r\nb"), -1);
	assert_int_equal(imap_quote(buf, 4, "abcdef"), -1);
}

static void
test_starttls_login(void **state)
{
	struct harness		*h = h_new(MODE_IMAP);
	static const struct step steps[] = {
		{ "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n",
		    "A001 STARTTLS\r\n", PA_WAIT },
		{ "A001 OK Begin TLS negotiation now.\r\n", "", PA_STARTTLS },
		{ NULL, "A002 CAPABILITY\r\n", PA_WAIT },
		{ "* CAPABILITY IMAP4rev1 AUTH=PLAIN IDLE\r\nA002 OK done\r\n",
		    "A003 LOGIN \"alice\" \"s3\\\"cret\"\r\n", PA_WAIT },
		{ "A003 OK [CAPABILITY IMAP4rev1] Logged in\r\n",
		    "A004 LOGOUT\r\n", PA_WAIT },
		{ "* BYE Logging out\r\nA004 OK Logout completed.\r\n", "",
		    PA_DONE },
	};

	(void)state;
	h->o.tls = TLS_STARTTLS;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "s3\"cret", sizeof(h->o.pass));
	assert_int_equal(h_start(h), PA_WAIT);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	assert_true(h->u.imap.caps & IMAP_CAP_IDLE);
	assert_false(h->u.imap.caps & IMAP_CAP_LOGINDISABLED);
	assert_non_null(strstr(h_log, ">>> A003 LOGIN <redacted>"));
	assert_null(strstr(h_log, "cret"));
	free(h);
}

static void
test_bye_greeting(void **state)
{
	struct harness		*h = h_new(MODE_IMAP);
	static const struct step steps[] = {
		{ "* BYE too many connections\r\n", "", PA_DONE },
	};

	(void)state;
	h_start(h);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_GREETING);
	assert_string_equal(h->res.reason,
	    "greeting refused: * BYE too many connections");
	free(h);
}

static void
test_login_no(void **state)
{
	struct harness		*h = h_new(MODE_IMAP);
	static const struct step steps[] = {
		{ "* OK ready\r\n", "A001 CAPABILITY\r\n", PA_WAIT },
		{ "* CAPABILITY IMAP4rev1\r\n* 1 RECENT\r\nA001 OK\r\n",
		    "A002 LOGIN \"alice\" \"pw\"\r\n", PA_WAIT },
		{ "A002 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
		    "A003 LOGOUT\r\n", PA_WAIT },
	};

	(void)state;
	h->o.tls = TLS_IMPLICIT;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "pw", sizeof(h->o.pass));
	h_start(h);
	h->u.ps.tls = 1;
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_AUTH);
	/* BYE and hang-up during LOGOUT is normal */
	assert_int_equal(h_feed(h, "* BYE\r\n"), PA_WAIT);
	assert_int_equal(h->u.ps.ops->closed(&h->u.ps), PA_DONE);
	assert_int_equal(h->res.fail, FAIL_AUTH);
	free(h);
}

static void
test_logindisabled_preauth(void **state)
{
	struct harness		*h;
	static const struct step disabled[] = {
		{ "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] hi\r\n",
		    "A001 LOGOUT\r\n", PA_WAIT },
		{ "A001 OK\r\n", "", PA_DONE },
	};
	static const struct step preauth[] = {
		{ "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n",
		    "A001 LOGOUT\r\n", PA_WAIT },
		{ "A001 OK\r\n", "", PA_DONE },
	};

	(void)state;
	h = h_new(MODE_IMAP);
	h->o.auth_plaintext = 1;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "pw", sizeof(h->o.pass));
	h_start(h);
	h_run(h, disabled, NSTEPS(disabled));
	assert_int_equal(h->res.fail, FAIL_AUTH);
	free(h);

	h = h_new(MODE_IMAP);
	h->o.tls = TLS_STARTTLS;
	h_start(h);
	h_run(h, preauth, NSTEPS(preauth));
	assert_int_equal(h->res.fail, FAIL_TLS);
	free(h);
}

static void
test_wrong_tag(void **state)
{
	struct harness		*h = h_new(MODE_IMAP);

	(void)state;
	h_start(h);
	/* a basic check: nothing but LOGOUT after the greeting */
	assert_int_equal(h_feed(h, "* OK hi\r\n"), PA_WAIT);
	assert_string_equal(h_take(h), "A001 LOGOUT\r\n");
	assert_int_equal(h_feed(h, "A999 OK\r\n"), 100 + LPE_TAG);
	free(h);
}

/* "+" is neither a greeting nor an answer to anything we send */
static void
test_unexpected_continuation(void **state)
{
	struct harness		*h = h_new(MODE_IMAP);

	(void)state;
	h_start(h);
	assert_int_equal(h_feed(h, "+ hello\r\n"), PA_DONE);
	assert_string_equal(h_take(h), "");
	assert_int_equal(h->res.fail, FAIL_PROTOCOL);
	assert_string_equal(h->res.reason,
	    "unexpected continuation request in state GREETING: + hello");
	free(h);

	/* a login asks for the capabilities first */
	h = h_new(MODE_IMAP);
	mm_strlcpy(h->o.user, "u", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "pw1", sizeof(h->o.pass));
	h->o.auth_plaintext = 1;
	h_start(h);
	assert_int_equal(h_feed(h, "* OK hi\r\n"), PA_WAIT);
	assert_string_equal(h_take(h), "A001 CAPABILITY\r\n");
	/* no LOGOUT: the server would read it as continuation data */
	assert_int_equal(h_feed(h, "+ go ahead\r\n"), PA_DONE);
	assert_string_equal(h_take(h), "");
	assert_int_equal(h->res.fail, FAIL_PROTOCOL);
	assert_non_null(strstr(h->res.reason, "state CAPABILITY"));
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_starttls_login),
		cmocka_unit_test(test_bye_greeting),
		cmocka_unit_test(test_login_no),
		cmocka_unit_test(test_logindisabled_preauth),
		cmocka_unit_test(test_wrong_tag),
		cmocka_unit_test(test_unexpected_continuation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

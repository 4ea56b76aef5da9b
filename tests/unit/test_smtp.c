/*
 * test_smtp.c - SMTP classifier, EHLO parsing, SASL encodings and the
 * SMTP state machine driven by scripted replies.
 */
#include "config.h"

#include "proto_harness.h"
#include "sasl.h"

#define EHLO	"EHLO probe.example.test\r\n"

static void
test_classify(void **state)
{
	int	 code, final;

	(void)state;
	assert_int_equal(smtp_classify(NULL, "250 ok", 6, &code, &final), 0);
	assert_int_equal(code, 250);
	assert_int_equal(final, 1);
	assert_int_equal(smtp_classify(NULL, "250-ok", 6, &code, &final), 0);
	assert_int_equal(final, 0);
	assert_int_equal(smtp_classify(NULL, "220", 3, &code, &final), 0);
	assert_int_equal(final, 1);
	assert_int_equal(smtp_classify(NULL, "22", 2, &code, &final),
	    LPE_SHORT);
	assert_int_equal(smtp_classify(NULL, "", 0, &code, &final), LPE_SHORT);
	assert_int_equal(smtp_classify(NULL, "2x0 hi", 6, &code, &final),
	    LPE_CODE);
	assert_int_equal(smtp_classify(NULL, "620 hi", 6, &code, &final),
	    LPE_CODE);
	assert_int_equal(smtp_classify(NULL, "2500 hi", 7, &code, &final),
	    LPE_CODE);
	assert_int_equal(smtp_classify(NULL, "HTTP/1.1 400", 12, &code,
	    &final), LPE_CODE);
}

static void
test_ehlo_parse(void **state)
{
	struct lineproto	 lp;
	unsigned		 caps, mechs;
	long long		 size;
	size_t			 used;
	const char		*r = "250-mx.example.test Hello\r\n"
	    "250-PIPELINING\r\n250-SIZE 99999999999999999999999\r\n"
	    "250-auth=LOGIN\r\n250-AUTH PLAIN CRAM-MD5\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 STARTTLS\r\n";

	(void)state;
	lp_init(&lp, LT_SMTP, smtp_classify, NULL, NULL, NULL);
	lp.same_code = 1;
	assert_int_equal(lp_input(&lp, r, strlen(r), &used), LP_REPLY);
	caps = smtp_parse_ehlo(&lp.reply, &mechs, &size);
	assert_true(caps & SMTP_CAP_STARTTLS);
	assert_true(caps & SMTP_CAP_PIPELINING);
	assert_true(caps & SMTP_CAP_AUTH);
	assert_true(caps & SMTP_CAP_8BITMIME);
	assert_true(caps & SMTP_CAP_ENHANCED);
	assert_false(caps & SMTP_CAP_SMTPUTF8);
	assert_int_equal(mechs, SASL_M_PLAIN | SASL_M_LOGIN | SASL_M_CRAM_MD5);
	assert_true(size == SMTP_SIZE_MAX);	/* bounded, no overflow */

	/* the greeting line's domain is never taken as a keyword */
	r = "250-STARTTLS\r\n250 SIZE 1000\r\n";
	assert_int_equal(lp_input(&lp, r, strlen(r), &used), LP_REPLY);
	caps = smtp_parse_ehlo(&lp.reply, &mechs, &size);
	assert_false(caps & SMTP_CAP_STARTTLS);
	assert_true(size == 1000);
}

static void
test_sasl(void **state)
{
	char		 buf[256];
	struct sasl	 s;
	size_t		 show;
	static const struct sasl_proto p = { "AUTH", 334, 235, 1 };
	static const struct sasl_proto noir = { "AUTHENTICATE", 4, 1, 0 };
	const char	*in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char	*b64[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy" };
	size_t		 i;

	(void)state;
	for (i = 0; i < 7; i++) {
		assert_int_equal(sasl_base64(buf, sizeof(buf), in[i],
		    strlen(in[i])), (int)strlen(b64[i]));
		assert_string_equal(buf, b64[i]);
	}
	assert_int_equal(sasl_base64(buf, 4, "foo", 3), -1);
	sasl_plain_token(buf, sizeof(buf), "alice", "s3cret!");
	assert_string_equal(buf, "AGFsaWNlAHMzY3JldCE=");

	assert_int_equal(sasl_pick(AUTH_AUTO, SASL_M_LOGIN | SASL_M_PLAIN),
	    AUTH_PLAIN);
	assert_int_equal(sasl_pick(AUTH_AUTO, SASL_M_LOGIN), AUTH_LOGIN);
	assert_int_equal(sasl_pick(AUTH_AUTO, SASL_M_CRAM_MD5), AUTH_NONE);
	assert_int_equal(sasl_pick(AUTH_PLAIN, SASL_M_LOGIN), AUTH_NONE);

	/* PLAIN with an initial response, verdict only */
	assert_int_equal(sasl_start(&s, &p, AUTH_PLAIN, "alice", "s3cret!", "",
	    buf, sizeof(buf), &show), SASL_SEND);
	assert_string_equal(buf, "AUTH PLAIN AGFsaWNlAHMzY3JldCE=");
	assert_int_equal(show, strlen("AUTH PLAIN "));
	assert_int_equal(sasl_next(&s, 235, buf, sizeof(buf), &show), SASL_OK);

	/* PLAIN without one: token after the continuation */
	assert_int_equal(sasl_start(&s, &noir, AUTH_PLAIN, "alice", "s3cret!",
	    "A003 ", buf, sizeof(buf), &show), SASL_SEND);
	assert_string_equal(buf, "A003 AUTHENTICATE PLAIN");
	assert_int_equal(sasl_next(&s, 4, buf, sizeof(buf), &show), SASL_SEND);
	assert_string_equal(buf, "AGFsaWNlAHMzY3JldCE=");
	assert_int_equal(show, 0);
	assert_int_equal(sasl_next(&s, 1, buf, sizeof(buf), &show), SASL_OK);

	/* LOGIN: user, password, verdict; success too early is a failure */
	assert_int_equal(sasl_start(&s, &p, AUTH_LOGIN, "alice", "s3cret!", "",
	    buf, sizeof(buf), &show), SASL_SEND);
	assert_string_equal(buf, "AUTH LOGIN");
	assert_int_equal(sasl_next(&s, 334, buf, sizeof(buf), &show),
	    SASL_SEND);
	assert_string_equal(buf, "YWxpY2U=");
	assert_int_equal(sasl_next(&s, 235, buf, sizeof(buf), &show),
	    SASL_FAIL);
	assert_int_equal(sasl_start(&s, &p, AUTH_LOGIN, "alice", "s3cret!", "",
	    buf, sizeof(buf), &show), SASL_SEND);
	sasl_next(&s, 334, buf, sizeof(buf), &show);
	assert_int_equal(sasl_next(&s, 334, buf, sizeof(buf), &show),
	    SASL_SEND);
	assert_string_equal(buf, "czNjcmV0IQ==");
	assert_int_equal(sasl_next(&s, 235, buf, sizeof(buf), &show), SASL_OK);
	assert_int_equal(sasl_next(&s, 535, buf, sizeof(buf), &show),
	    SASL_FAIL);
}

static void
test_starttls_auth_mail(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step steps[] = {
		{ "220-mx.example.test ESMTP\r\n220 wait for it\r\n", EHLO,
		    PA_WAIT },
		{ "250-mx\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
		    "STARTTLS\r\n", PA_WAIT },
		{ "220 2.0.0 Ready to start TLS\r\n", "", PA_STARTTLS },
		{ NULL, EHLO, PA_WAIT },
		{ "250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 10240000\r\n",
		    "AUTH PLAIN AGFsaWNlAHMzY3JldCE=\r\n", PA_WAIT },
		{ "235 2.7.0 Authentication successful\r\n",
		    "MAIL FROM:<probe@example.test>\r\n", PA_WAIT },
		{ "250 2.1.0 Ok\r\n", "RCPT TO:<postmaster@example.test>\r\n",
		    PA_WAIT },
		{ "250 2.1.5 Ok\r\n", "RSET\r\n", PA_WAIT },
		{ "250 2.0.0 Ok\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 2.0.0 Bye\r\n", "", PA_DONE },
	};

	(void)state;
	h->o.tls = TLS_STARTTLS;
	h->o.auth = AUTH_AUTO;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "s3cret!", sizeof(h->o.pass));
	mm_strlcpy(h->o.mail_from, "probe@example.test", sizeof(h->o.mail_from));
	mm_strlcpy(h->o.rcpt_to[0], "postmaster@example.test",
	    sizeof(h->o.rcpt_to[0]));
	h->o.nrcpt = 1;
	assert_int_equal(h_start(h), PA_WAIT);
	assert_string_equal(h_take(h), "");	/* never before the greeting */
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	assert_false(h->u.ps.failed);
	assert_true(h->res.t[PH_GREETING] > 0);
	assert_true(h->res.t[PH_HELLO] > 0);
	assert_true(h->res.t[PH_STARTTLS] > 0);
	assert_true(h->res.t[PH_AUTH] > 0);
	assert_true(h->res.t[PH_MAIL] > 0);
	assert_true(h->res.t[PH_QUIT] > 0);
	/* the last reply before QUIT, not QUIT's own 221 */
	assert_int_equal(h->res.reply_code, 250);
	/* the trace shows the dialogue but never the secret */
	assert_non_null(strstr(h_log, ">>> AUTH PLAIN <redacted>"));
	assert_non_null(strstr(h_log, "BANNER -> EHLO"));
	assert_null(strstr(h_log, "s3cret"));
	assert_null(strstr(h_log, "AGFsaWNlAHMzY3JldCE="));
	free(h);
}

static void
test_greeting_554(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step steps[] = {
		{ "554 5.7.1 mx220.example.test: service refused\r\n",
		    "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	mm_strlcpy(h->o.expect, "220", sizeof(h->o.expect));
	assert_int_equal(h_start(h), PA_WAIT);
	h_run(h, steps, NSTEPS(steps));
	/* "220" inside the text must not pass (check_smtp's false OK) */
	assert_int_equal(h->res.fail, FAIL_GREETING);
	assert_int_equal(h->u.ps.status, STATUS_CRITICAL);
	assert_non_null(strstr(h->res.reason, "554 5.7.1"));
	free(h);
}

static void
test_greeting_421_close(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step steps[] = {
		{ "421 4.3.2 shutting down\r\n", "QUIT\r\n", PA_WAIT },
	};

	(void)state;
	assert_int_equal(h_start(h), PA_WAIT);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->u.ps.ops->closed(&h->u.ps), PA_DONE);
	assert_int_equal(h->res.fail, FAIL_GREETING);
	assert_non_null(strstr(h->res.reason, "421 4.3.2"));
	free(h);
}

static void
test_expect(void **state)
{
	struct harness		*h;
	static const struct step ok[] = {
		{ "220 mx ESMTP Postfix\r\n", EHLO, PA_WAIT },
		{ "250 mx\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};
	static const struct step bad[] = {
		{ "220 mx ESMTP Exim\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h = h_new(MODE_SMTP);
	mm_strlcpy(h->o.expect, "Postfix", sizeof(h->o.expect));
	h_start(h);
	h_run(h, ok, NSTEPS(ok));
	assert_int_equal(h->res.fail, FAIL_NONE);
	free(h);

	h = h_new(MODE_SMTP);
	mm_strlcpy(h->o.expect, "Postfix", sizeof(h->o.expect));
	h_start(h);
	h_run(h, bad, NSTEPS(bad));
	assert_int_equal(h->res.fail, FAIL_EXPECT);
	assert_int_equal(h->u.ps.status, STATUS_WARNING);
	free(h);

	/* numeric expect is anchored to the code */
	h = h_new(MODE_SMTP);
	mm_strlcpy(h->o.expect, "250", sizeof(h->o.expect));
	h_start(h);
	h_run(h, bad, NSTEPS(bad));
	assert_int_equal(h->res.fail, FAIL_EXPECT);
	assert_non_null(strstr(h->res.reason, "greeting 220, expected 250"));
	free(h);
}

static void
test_helo_fallback(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step steps[] = {
		{ "220 old smtpd\r\n", EHLO, PA_WAIT },
		{ "502 5.5.2 what?\r\n", "HELO probe.example.test\r\n", PA_WAIT },
		{ "250 hello\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h_start(h);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	free(h);
}

static void
test_lmtp(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step steps[] = {
		{ "220 lmtp\r\n", "LHLO probe.example.test\r\n", PA_WAIT },
		{ "500 no\r\n", "QUIT\r\n", PA_WAIT },	/* no HELO for LMTP */
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h->o.lmtp = 1;
	h_start(h);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_REPLY);
	free(h);
}

static void
test_starttls_missing_refused(void **state)
{
	struct harness		*h;
	static const struct step missing[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250-mx\r\n250 PIPELINING\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};
	static const struct step refused[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n", PA_WAIT },
		{ "454 4.7.0 TLS not available\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h = h_new(MODE_SMTP);
	h->o.tls = TLS_STARTTLS;
	h_start(h);
	h_run(h, missing, NSTEPS(missing));
	assert_int_equal(h->res.fail, FAIL_TLS);
	assert_string_equal(h->res.reason, "STARTTLS not offered");
	free(h);

	h = h_new(MODE_SMTP);
	h->o.tls = TLS_STARTTLS;
	h_start(h);
	h_run(h, refused, NSTEPS(refused));
	assert_int_equal(h->res.fail, FAIL_TLS);
	assert_string_equal(h->res.reason,
	    "STARTTLS refused: 454 4.7.0 TLS not available");
	free(h);
}

static void
test_auth_login_fail(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step steps[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250-mx\r\n250 AUTH LOGIN\r\n", "AUTH LOGIN\r\n", PA_WAIT },
		{ "334 VXNlcm5hbWU6\r\n", "YWxpY2U=\r\n", PA_WAIT },
		{ "334 UGFzc3dvcmQ6\r\n", "czNjcmV0IQ==\r\n", PA_WAIT },
		{ "535 5.7.8 Error: authentication failed\r\n", "QUIT\r\n",
		    PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h->o.tls = TLS_IMPLICIT;
	h->o.auth = AUTH_LOGIN;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "s3cret!", sizeof(h->o.pass));
	h_start(h);
	h->u.ps.tls = 1;		/* implicit TLS is up */
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_AUTH);
	assert_string_equal(h->res.reason,
	    "authentication failed: 535 5.7.8 Error: authentication failed");
	assert_null(strstr(h_log, "czNjcmV0IQ=="));
	assert_null(strstr(h_log, "YWxpY2U="));
	assert_null(strstr(h->res.reason, "alice"));
	free(h);
}

/*
 * A 334 the mechanism has no answer for (after PLAIN's initial
 * response, or a third one for LOGIN): the server is still inside the
 * exchange, so the client cancels with "*" before QUIT, and never sends
 * the credentials again.
 */
static void
test_auth_unexpected_challenge(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step plain[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250-mx\r\n250 AUTH PLAIN\r\n",
		    "AUTH PLAIN AGFsaWNlAHMzY3JldCE=\r\n", PA_WAIT },
		{ "334 \r\n", "*\r\n", PA_WAIT },
		{ "501 5.7.0 Authentication aborted\r\n", "QUIT\r\n",
		    PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};
	static const struct step login[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250-mx\r\n250 AUTH LOGIN\r\n", "AUTH LOGIN\r\n", PA_WAIT },
		{ "334 !!not base64\r\n", "YWxpY2U=\r\n", PA_WAIT },
		{ "334 \xff\r\n", "czNjcmV0IQ==\r\n", PA_WAIT },
		{ "334 more?\r\n", "*\r\n", PA_WAIT },
		{ "535 5.7.8 no\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h->o.tls = TLS_IMPLICIT;
	h->o.auth = AUTH_PLAIN;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "s3cret!", sizeof(h->o.pass));
	h_start(h);
	h->u.ps.tls = 1;
	h_run(h, plain, NSTEPS(plain));
	assert_int_equal(h->res.fail, FAIL_AUTH);
	assert_int_equal(h->res.reply_code, 334);
	assert_non_null(strstr(h->res.reason, "unexpected challenge"));
	assert_true(h->res.t[PH_AUTH] >= 0);
	free(h);

	h = h_new(MODE_SMTP);
	h->o.tls = TLS_IMPLICIT;
	h->o.auth = AUTH_LOGIN;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "s3cret!", sizeof(h->o.pass));
	h_start(h);
	h->u.ps.tls = 1;
	h_run(h, login, NSTEPS(login));
	assert_int_equal(h->res.fail, FAIL_AUTH);
	assert_non_null(strstr(h->res.reason,
	    "unexpected challenge after the last response: 334 more?"));
	assert_null(strstr(h_log, "czNjcmV0IQ=="));
	free(h);
}

static void
test_auth_not_offered(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step steps[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250-mx\r\n250 AUTH CRAM-MD5\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h->o.auth = AUTH_AUTO;
	h->o.auth_plaintext = 1;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "s3cret!", sizeof(h->o.pass));
	h_start(h);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_AUTH);
	free(h);
}

static void
test_mail_rejected(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step steps[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250 mx\r\n", "MAIL FROM:<>\r\n", PA_WAIT },
		{ "530 5.7.0 Must issue a STARTTLS command first\r\n",
		    "RSET\r\n", PA_WAIT },
		{ "250 ok\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	mm_strlcpy(h->o.rcpt_to[0], "postmaster@example.test",
	    sizeof(h->o.rcpt_to[0]));
	h->o.nrcpt = 1;
	h_start(h);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_REPLY);
	/* the failing reply is kept: QUIT's 221 must not replace it */
	assert_int_equal(h->res.reply_code, 530);
	assert_non_null(strstr(h->res.reason, "MAIL FROM rejected: 530"));
	free(h);
}

static void
test_relay(void **state)
{
	struct harness		*h;
	static const struct step open[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250 mx\r\n", "MAIL FROM:<mailmon-relaytest@example.org>\r\n",
		    PA_WAIT },
		{ "250 ok\r\n", "RCPT TO:<relaytest@example.net>\r\n", PA_WAIT },
		{ "250 ok\r\n", "RSET\r\n", PA_WAIT },
		{ "250 ok\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};
	static const struct step denied[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250 mx\r\n", "MAIL FROM:<mailmon-relaytest@example.org>\r\n",
		    PA_WAIT },
		{ "250 ok\r\n", "RCPT TO:<relaytest@example.net>\r\n", PA_WAIT },
		{ "554 5.7.1 <relaytest@example.net>: Relay access denied\r\n",
		    "RSET\r\n", PA_WAIT },
		{ "250 ok\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};
	static const struct step authcheck[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250-mx\r\n250 AUTH PLAIN\r\n",
		    "MAIL FROM:<mailmon-relaytest@example.org>\r\n", PA_WAIT },
		{ "250 ok\r\n", "RCPT TO:<relaytest@example.net>\r\n", PA_WAIT },
		{ "554 5.7.1 denied\r\n", "RSET\r\n", PA_WAIT },
		{ "250 ok\r\n", "AUTH PLAIN AGFsaWNlAHMzY3JldCE=\r\n", PA_WAIT },
		{ "235 ok\r\n", "MAIL FROM:<mailmon-relaytest@example.org>\r\n",
		    PA_WAIT },
		{ "250 ok\r\n", "RCPT TO:<relaytest@example.net>\r\n", PA_WAIT },
		{ "554 5.7.1 denied\r\n", "RSET\r\n", PA_WAIT },
		{ "250 ok\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h = h_new(MODE_RELAY);
	h_start(h);
	h_run(h, open, NSTEPS(open));
	assert_int_equal(h->res.fail, FAIL_OPEN_RELAY);
	assert_int_equal(h->u.ps.status, STATUS_CRITICAL);
	assert_non_null(strstr(h->res.reason, "open relay: accepted RCPT"));
	assert_null(strstr(h_take(h), "DATA"));
	free(h);

	h = h_new(MODE_RELAY);
	h_start(h);
	h_run(h, denied, NSTEPS(denied));
	assert_int_equal(h->res.fail, FAIL_NONE);
	assert_non_null(strstr(h->res.reason, "relay denied: 554 5.7.1"));
	free(h);

	h = h_new(MODE_RELAY);
	h->o.auth = AUTH_AUTO;
	h->o.auth_plaintext = 1;
	h->o.relay_auth_check = 1;
	mm_strlcpy(h->o.user, "alice", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "s3cret!", sizeof(h->o.pass));
	h_start(h);
	h_run(h, authcheck, NSTEPS(authcheck));
	assert_int_equal(h->res.fail, FAIL_REPLY);
	assert_non_null(strstr(h->res.reason, "authenticated relay refused"));
	free(h);
}

static void
test_custom_commands(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step steps[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250 mx\r\n", "NOOP\r\n", PA_WAIT },
		{ "250 2.0.0 Ok\r\n", "VRFY postmaster\r\n", PA_WAIT },
		{ "550 5.1.1 no such user\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	mm_strlcpy(h->o.cmd[0], "NOOP", sizeof(h->o.cmd[0]));
	mm_strlcpy(h->o.cmd_expect[0], "^250 ", sizeof(h->o.cmd_expect[0]));
	mm_strlcpy(h->o.cmd[1], "VRFY postmaster", sizeof(h->o.cmd[1]));
	mm_strlcpy(h->o.cmd_expect[1], "^25[02]", sizeof(h->o.cmd_expect[1]));
	h->o.ncmd = 2;
	h_start(h);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_EXPECT);
	assert_non_null(strstr(h->res.reason, "command 2"));
	free(h);
}

static void
test_cert_only(void **state)
{
	struct harness		*h = h_new(MODE_SMTP);
	static const struct step steps[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n", PA_WAIT },
		{ "220 go\r\n", "", PA_STARTTLS },
		{ NULL, "QUIT\r\n", PA_WAIT },	/* politely, no more */
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h->o.tls = TLS_STARTTLS;
	h->o.cert_only = 1;
	mm_strlcpy(h->o.mail_from, "x@example.test", sizeof(h->o.mail_from));
	h_start(h);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	free(h);
}

static void
test_data_body(void **state)
{
	struct harness		*h = h_new(MODE_DELIVERY);
	static const struct step steps[] = {
		{ "220 mx\r\n", EHLO, PA_WAIT },
		{ "250 mx\r\n", "MAIL FROM:<a@example.test>\r\n", PA_WAIT },
		{ "250 ok\r\n", "RCPT TO:<b@example.test>\r\n", PA_WAIT },
		{ "250 ok\r\n", "DATA\r\n", PA_WAIT },
		{ "354 go\r\n", "Subject: t\r\n\r\n..hidden\r\nlast\r\n.\r\n",
		    PA_WAIT },
		{ "250 2.0.0 queued as ABC\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};
	static const char body[] = "Subject: t\r\n\r\n.hidden\nlast";

	(void)state;
	mm_strlcpy(h->o.mail_from, "a@example.test", sizeof(h->o.mail_from));
	mm_strlcpy(h->o.rcpt_to[0], "b@example.test", sizeof(h->o.rcpt_to[0]));
	h->o.nrcpt = 1;
	/* the submission leg of a delivery probe: its options are whole */
	mm_strlcpy(h->o.mbox.user, "box", sizeof(h->o.mbox.user));
	mm_strlcpy(h->o.mbox.pass, "pw1", sizeof(h->o.mbox.pass));
	h->o.mbox.tls = TLS_IMPLICIT;
	h_start(h);
	h->u.ps.body = body;
	h->u.ps.bodylen = strlen(body);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	assert_true(h->u.smtp.data_ok);
	free(h);
}

static void
test_closed_and_trailing(void **state)
{
	struct harness		*h;

	(void)state;
	h = h_new(MODE_SMTP);
	h_start(h);
	assert_int_equal(h_feed(h, "220 mx\r\n"), PA_WAIT);
	assert_string_equal(h_take(h), EHLO);
	assert_int_equal(h_feed(h, "250-mx\r\n"), PA_WAIT);
	assert_int_equal(h->u.ps.ops->closed(&h->u.ps), PA_DONE);
	assert_int_equal(h->res.fail, FAIL_CLOSED);
	assert_non_null(strstr(h->res.reason, "inside a reply in state EHLO"));
	free(h);

	/* a second reply nobody asked for (pipelined greeting) */
	h = h_new(MODE_SMTP);
	h_start(h);
	assert_int_equal(h_feed(h, "220 mx\r\n250 surprise\r\n"),
	    100 + LPE_TRAILING);
	assert_string_equal(h_take(h), "");
	free(h);

	/* mixed codes in one multi-line reply */
	h = h_new(MODE_SMTP);
	h_start(h);
	assert_int_equal(h_feed(h, "220-mx\r\n554 no\r\n"), 100 + LPE_MIXED);
	free(h);
}

static void
test_opts_validation(void **state)
{
	struct probe_opts	 o;
	char			 err[128];

	(void)state;
	probe_opts_init(&o);
	assert_int_equal(o.timeout_ms, 10000);
	assert_int_equal(o.tls_verify, 1);
	assert_int_equal(o.mismatch_status, -1);
	mm_strlcpy(o.host, "mx.example.test", sizeof(o.host));
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), 0);
	assert_int_equal(o.port, 25);
	assert_int_equal(o.step_timeout_ms, 10000);

	o.auth = AUTH_AUTO;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), -1);
	assert_string_equal(err, "AUTH needs a user");
	mm_strlcpy(o.user, "u", sizeof(o.user));
	mm_strlcpy(o.pass, "p", sizeof(o.pass));
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without TLS"));
	o.auth_plaintext = 1;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), 0);

	o.ncmd = 1;
	mm_strlcpy(o.cmd[0], "NOOP", sizeof(o.cmd[0]));
	mm_strlcpy(o.cmd_expect[0], "^(25", sizeof(o.cmd_expect[0]));
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "regular expression"));

	probe_opts_init(&o);
	mm_strlcpy(o.host, "h", sizeof(o.host));
	o.mode = MODE_IMAP;
	o.tls = TLS_IMPLICIT;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), 0);
	assert_int_equal(o.port, 993);
	assert_int_equal(probe_default_port(MODE_POP3, TLS_NONE), 110);
	assert_int_equal(probe_default_port(MODE_POP3, TLS_IMPLICIT), 995);
	assert_int_equal(probe_default_port(MODE_SMTP, TLS_IMPLICIT), 465);
	assert_int_equal(probe_default_port(MODE_SMTP, TLS_STARTTLS), 25);
	assert_int_equal(probe_default_port(MODE_IMAP, TLS_STARTTLS), 143);

	probe_opts_init(&o);
	mm_strlcpy(o.host, "h", sizeof(o.host));
	o.mode = MODE_TCP;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), -1);
	o.port = 7;
	o.tls = TLS_STARTTLS;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), -1);
	o.tls = TLS_NONE;
	o.cert_only = 1;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), -1);

	assert_string_equal(probe_fail_name(FAIL_OPEN_RELAY), "open_relay");
	assert_string_equal(probe_fail_name(FAIL_INTERNAL), "internal");
	assert_string_equal(probe_phase_name(PH_TOTAL), "total");
	assert_string_equal(probe_status_name(STATUS_UNKNOWN), "unknown");
	assert_string_equal(probe_mode_name(MODE_RELAY), "relay");
	assert_int_equal(probe_fail_status(FAIL_CONFIG), STATUS_UNKNOWN);
	assert_int_equal(probe_fail_status(FAIL_AUTH), STATUS_CRITICAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_ehlo_parse),
		cmocka_unit_test(test_sasl),
		cmocka_unit_test(test_starttls_auth_mail),
		cmocka_unit_test(test_greeting_554),
		cmocka_unit_test(test_greeting_421_close),
		cmocka_unit_test(test_expect),
		cmocka_unit_test(test_helo_fallback),
		cmocka_unit_test(test_lmtp),
		cmocka_unit_test(test_starttls_missing_refused),
		cmocka_unit_test(test_auth_login_fail),
		cmocka_unit_test(test_auth_unexpected_challenge),
		cmocka_unit_test(test_auth_not_offered),
		cmocka_unit_test(test_mail_rejected),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_custom_commands),
		cmocka_unit_test(test_cert_only),
		cmocka_unit_test(test_data_body),
		cmocka_unit_test(test_closed_and_trailing),
		cmocka_unit_test(test_opts_validation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

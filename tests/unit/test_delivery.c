/*
 * test_delivery.c - delivery probe: tokens, poll schedule, parsers, the
 * mailbox search steps over IMAP and POP3, the submission leg and the
 * mapping of leg failures, all driven by scripted replies.
 */
#include "config.h"

#include "proto_harness.h"
#include "delivery.h"
#include "mbox.h"
#include "token.h"

static const unsigned char rnd[6] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab };

static void
test_token(void **state)
{
	char	 tok[DLV_TOKEN_MAX], pre[DLV_TOKEN_MAX];
	time_t	 when = 0;

	(void)state;
	assert_int_equal(dlv_make_token(tok, sizeof(tok), "mx1", 1700000000,
	    rnd, sizeof(rnd)), 0);
	assert_string_equal(tok, "mailmon-mx1-1700000000-0123456789ab");
	dlv_prefix(pre, sizeof(pre), "mx1");
	assert_string_equal(pre, "mailmon-mx1-");
	assert_int_equal(dlv_token_parse(tok, pre, &when), 0);
	assert_int_equal((long long)when, 1700000000LL);

	/* '-' and odd bytes never reach the name part; empty name */
	assert_int_equal(dlv_make_token(tok, sizeof(tok), "mx-1 sub/x", 5,
	    rnd, sizeof(rnd)), 0);
	assert_string_equal(tok, "mailmon-mx_1_sub_x-5-0123456789ab");
	assert_int_equal(dlv_make_token(tok, sizeof(tok), "", 5, rnd,
	    sizeof(rnd)), 0);
	assert_string_equal(tok, "mailmon-delivery-5-0123456789ab");
	/* a 32-byte name still fits result.token */
	assert_int_equal(dlv_make_token(tok, sizeof(tok),
	    "abcdefghijklmnopqrstuvwxyz012345", 1700000000, rnd,
	    sizeof(rnd)), 0);
	assert_string_equal(tok,
	    "mailmon-abcdefghijklmnopqrstuvwx-1700000000-0123456789ab");
	assert_true(strlen(tok) < DLV_TOKEN_MAX);
	/* too little randomness, too small a buffer */
	assert_int_equal(dlv_make_token(tok, sizeof(tok), "a", 1, rnd, 2), -1);
	assert_int_equal(dlv_make_token(tok, 16, "a", 1, rnd, sizeof(rnd)), -1);

	/* other probes and junk are not ours */
	dlv_prefix(pre, sizeof(pre), "mx");
	assert_int_equal(dlv_token_parse("mailmon-mx1-17-ab", pre, &when), -1);
	assert_int_equal(dlv_token_parse("mailmon-mx-17-ab", pre, &when), 0);
	assert_int_equal((long long)when, 17LL);
	assert_int_equal(dlv_token_parse("mailmon-mx-17-", pre, &when), -1);
	assert_int_equal(dlv_token_parse("mailmon-mx--ab", pre, &when), -1);
	assert_int_equal(dlv_token_parse("mailmon-mx-17-ab x", pre, &when), -1);
	assert_int_equal(dlv_token_parse("mailmon-mx-1234567890123-ab", pre,
	    &when), -1);
}

static void
test_backoff(void **state)
{
	static const int want[] = { 50, 75, 112, 168, 252, 378, 567, 850, 1275,
	    1912, 2000, 2000 };
	size_t	 i;
	int	 ms = 0, sum = 0;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ms = dlv_backoff(ms);
		assert_int_equal(ms, want[i]);
		sum += ms;
	}
	/* the first polls come quickly: 8 within the first 2.5 s */
	assert_int_equal(sum, 50 + 75 + 112 + 168 + 252 + 378 + 567 + 850 +
	    1275 + 1912 + 2000 + 2000);
	assert_int_equal(dlv_backoff(-5), DLV_POLL_FIRST_MS);
}

static void
test_message(void **state)
{
	struct probe_opts	 o;
	char			 buf[DLV_BODY_MAX];
	size_t			 n;

	(void)state;
	probe_opts_init(&o);
	mm_strlcpy(o.name, "mx1", sizeof(o.name));
	mm_strlcpy(o.rcpt_to[0], "box@example.test", sizeof(o.rcpt_to[0]));
	o.nrcpt = 1;
	n = dlv_message(buf, sizeof(buf), &o, "mailmon-mx1-86400-0123456789ab",
	    86400);
	assert_true(n > 0 && n == strlen(buf));
	assert_non_null(strstr(buf, "\nSubject: mailmon-mx1-86400-0123456789ab\n"));
	assert_non_null(strstr(buf,
	    "\nX-Mailmon-Token: mailmon-mx1-86400-0123456789ab\n"));
	assert_non_null(strstr(buf, "From: mailmon <box@example.test>\n"));
	assert_non_null(strstr(buf, "\nDate: Fri, 02 Jan 1970 00:00:00 +0000\n"));
	assert_non_null(strstr(buf,
	    "\nMessage-ID: <mailmon-mx1-86400-0123456789ab@example.test>\n"));
	assert_non_null(strstr(buf, "\n\nDelivery test message"));
	assert_int_equal(dlv_message(buf, 64, &o, "t", 0), 0);
}

static void
reply_of(struct lp_reply *r, const char *text)
{
	memset(r, 0, sizeof(*r));
	mm_strlcpy(r->text, text, sizeof(r->text));
	r->len = strlen(r->text);
	r->nlines = 1;
	for (const char *p = text; *p != '\0'; p++)
		if (*p == '\n')
			r->nlines++;
}

static void
test_imap_search_parse(void **state)
{
	struct lp_reply	 r;
	uint32_t	 u[4];

	(void)state;
	reply_of(&r, "* SEARCH 1 5 42\nA005 OK Search completed");
	assert_int_equal(mbox_imap_search(&r, u, 4), 3);
	assert_int_equal(u[0], 1);
	assert_int_equal(u[1], 5);
	assert_int_equal(u[2], 42);
	reply_of(&r, "* SEARCH\nA005 OK done");
	assert_int_equal(mbox_imap_search(&r, u, 4), 0);
	/* overlong numbers, zero, MODSEQ and untagged noise are skipped */
	reply_of(&r, "* 3 EXISTS\n* SEARCH 99999999999 0 7 (MODSEQ 5)\n"
	    "* SEARCHX 9\nA005 OK");
	assert_int_equal(mbox_imap_search(&r, u, 4), 1);
	assert_int_equal(u[0], 7);
	/* bounded */
	reply_of(&r, "* SEARCH 1 2 3 4 5 6\nA005 OK");
	assert_int_equal(mbox_imap_search(&r, u, 4), 4);
	assert_int_equal(u[3], 4);
}

static void
test_pop3_parse(void **state)
{
	unsigned	 n;
	uint64_t	 h, h2;
	char		 tok[DLV_TOKEN_MAX];

	(void)state;
	assert_int_equal(mbox_pop3_uidl("12 000000026b0366b2", 19, &n, &h), 0);
	assert_int_equal(n, 12);
	assert_int_equal(mbox_pop3_uidl("3 000000026b0366b2", 18, &n, &h2), 0);
	assert_true(h == h2);		/* the hash is of the UID only */
	assert_int_equal(mbox_pop3_uidl("3 other", 7, &n, &h2), 0);
	assert_true(h != h2);
	assert_int_equal(mbox_pop3_uidl("0 x", 3, &n, &h), -1);
	assert_int_equal(mbox_pop3_uidl("x y", 3, &n, &h), -1);
	assert_int_equal(mbox_pop3_uidl("1", 1, &n, &h), -1);
	assert_int_equal(mbox_pop3_uidl("1 a b", 5, &n, &h), -1);
	assert_int_equal(mbox_pop3_uidl("99999999999 a", 13, &n, &h), -1);

	assert_int_equal(dlv_header_token("x-mailmon-token:  abc \t", 23, tok,
	    sizeof(tok)), 1);
	assert_string_equal(tok, "abc");
	assert_int_equal(dlv_header_token("X-Mailmon-Tokens: abc", 21, tok,
	    sizeof(tok)), 0);
	assert_int_equal(dlv_header_token("X-Mailmon-Token:", 16, tok,
	    sizeof(tok)), 0);
	assert_int_equal(dlv_header_token("Subject: x", 10, tok, sizeof(tok)),
	    0);
}

/* a mailbox session with the search step plugged in */
static struct harness *
box_session(enum probe_mode proto, struct mbox *b, struct psess_hook *hk,
    const char *token)
{
	struct harness	*h = h_new(proto);

	mm_strlcpy(h->o.user, "box", sizeof(h->o.user));
	mm_strlcpy(h->o.pass, "pw-secret", sizeof(h->o.pass));
	h->o.auth_plaintext = 1;
	assert_int_equal(h_start(h), PA_WAIT);
	mbox_reset(b, 1700003600);
	(void)token;
	if (proto == MODE_POP3)
		mbox_pop3_hook(b, hk);
	else
		mbox_imap_hook(b, hk);
	h->u.ps.hook = hk;
	return h;
}

static void
test_imap_found(void **state)
{
	static const char tok[] = "mailmon-mx1-1700003590-0123456789ab";
	struct mbox		 b;
	struct psess_hook	 hk;
	struct harness		*h;
	static const struct step steps[] = {
		{ "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n",
		    "A001 LOGIN \"box\" \"pw-secret\"\r\n", PA_WAIT },
		{ "A001 OK [CAPABILITY IMAP4rev1 UIDPLUS WITHIN] in\r\n",
		    "A002 SELECT INBOX\r\n", PA_WAIT },
		{ "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\nA002 OK [READ-WRITE] "
		    "done\r\n", "A003 UID SEARCH HEADER X-Mailmon-Token "
		    "\"mailmon-mx1-1700003590-0123456789ab\"\r\n", PA_WAIT },
		{ "* SEARCH 9\r\nA003 OK done\r\n", "A004 UID SEARCH OLDER 60 "
		    "HEADER X-Mailmon-Token \"mailmon-mx1-\"\r\n", PA_WAIT },
		{ "* SEARCH 2 9 3\r\nA004 OK done\r\n", "A005 UID STORE 9,2,3 "
		    "+FLAGS.SILENT (\\Deleted)\r\n", PA_WAIT },
		{ "A005 OK stored\r\n", "A006 UID EXPUNGE 9,2,3\r\n", PA_WAIT },
		{ "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n* 1 EXPUNGE\r\nA006 OK gone\r\n",
		    "A007 LOGOUT\r\n", PA_WAIT },
		{ "* BYE bye\r\nA007 OK out\r\n", "", PA_DONE },
	};

	(void)state;
	mbox_init(&b, MODE_IMAP, tok, "mailmon-mx1-", 60);
	h = box_session(MODE_IMAP, &b, &hk, tok);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	assert_true(b.searched);
	assert_true(b.found);
	assert_true(b.seen_at > 0);
	assert_int_equal(b.nstale, 2);
	assert_true(b.deleted);
	assert_string_equal(mbox_imap_state_name(b.state), "DONE");
	free(h);
}

static void
test_imap_not_yet(void **state)
{
	static const char tok[] = "mailmon-mx1-1700003590-0123456789ab";
	struct mbox		 b;
	struct psess_hook	 hk;
	struct harness		*h;
	static const struct step steps[] = {
		{ "* OK ready\r\n", "A001 CAPABILITY\r\n", PA_WAIT },
		{ "* CAPABILITY IMAP4rev1\r\nA001 OK\r\n",
		    "A002 LOGIN \"box\" \"pw-secret\"\r\n", PA_WAIT },
		{ "A002 OK in\r\n", "A003 SELECT INBOX\r\n", PA_WAIT },
		{ "A003 OK done\r\n", "A004 UID SEARCH HEADER X-Mailmon-Token "
		    "\"mailmon-mx1-1700003590-0123456789ab\"\r\n", PA_WAIT },
		{ "* SEARCH\r\nA004 OK done\r\n", "A005 LOGOUT\r\n", PA_WAIT },
		{ "A005 OK out\r\n", "", PA_DONE },
	};

	(void)state;
	mbox_init(&b, MODE_IMAP, tok, "mailmon-mx1-", 60);
	h = box_session(MODE_IMAP, &b, &hk, tok);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	assert_true(b.searched);
	assert_false(b.found);
	assert_false(b.deleted);
	free(h);
}

/* no WITHIN, no UIDPLUS: a day-old cutoff and a plain EXPUNGE */
static void
test_imap_old_server(void **state)
{
	static const char tok[] = "mailmon-mx1-1700003590-0123456789ab";
	struct mbox		 b;
	struct psess_hook	 hk;
	struct harness		*h;
	static const struct step steps[] = {
		{ "* OK [CAPABILITY IMAP4rev1] ready\r\n",
		    "A001 LOGIN \"box\" \"pw-secret\"\r\n", PA_WAIT },
		{ "A001 OK in\r\n", "A002 SELECT INBOX\r\n", PA_WAIT },
		{ "A002 OK done\r\n", "A003 UID SEARCH HEADER X-Mailmon-Token "
		    "\"mailmon-mx1-1700003590-0123456789ab\"\r\n", PA_WAIT },
		/* 1700003600 is 2023-11-14 23:13:20 UTC: cutoff the day before */
		{ "* SEARCH 4\r\nA003 OK\r\n", "A004 UID SEARCH BEFORE "
		    "13-Nov-2023 HEADER X-Mailmon-Token \"mailmon-mx1-\"\r\n",
		    PA_WAIT },
		{ "A004 NO no such search\r\n",
		    "A005 UID STORE 4 +FLAGS.SILENT (\\Deleted)\r\n", PA_WAIT },
		{ "A005 OK\r\n", "A006 EXPUNGE\r\n", PA_WAIT },
		{ "A006 OK\r\n", "A007 LOGOUT\r\n", PA_WAIT },
		{ "A007 OK\r\n", "", PA_DONE },
	};

	(void)state;
	mbox_init(&b, MODE_IMAP, tok, "mailmon-mx1-", 60);
	h = box_session(MODE_IMAP, &b, &hk, tok);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	assert_true(b.found);
	assert_int_equal(b.nstale, 0);
	assert_true(b.deleted);
	free(h);
}

static void
test_imap_select_refused(void **state)
{
	struct mbox		 b;
	struct psess_hook	 hk;
	struct harness		*h;
	static const struct step steps[] = {
		{ "* OK [CAPABILITY IMAP4rev1] ready\r\n",
		    "A001 LOGIN \"box\" \"pw-secret\"\r\n", PA_WAIT },
		{ "A001 OK in\r\n", "A002 SELECT INBOX\r\n", PA_WAIT },
		{ "A002 NO [SERVERBUG] broken\r\n", "A003 LOGOUT\r\n", PA_WAIT },
		{ "A003 OK\r\n", "", PA_DONE },
	};

	(void)state;
	mbox_init(&b, MODE_IMAP, "t", "mailmon-mx1-", 60);
	h = box_session(MODE_IMAP, &b, &hk, "t");
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_MAILBOX);
	assert_string_equal(h->res.reason,
	    "SELECT INBOX: A002 NO [SERVERBUG] broken");
	assert_false(b.searched);
	free(h);
}

static void
test_pop3_scan(void **state)
{
	static const char tok[] = "mailmon-mx1-1700003590-0123456789ab";
	struct mbox		 b;
	struct psess_hook	 hk;
	struct harness		*h;
	/* 1: other mail, 2: ours from an hour ago, 3: ours, 4: a young run */
	static const struct step steps[] = {
		{ "+OK ready\r\n", "CAPA\r\n", PA_WAIT },
		{ "+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n", "USER box\r\n", PA_WAIT },
		{ "+OK\r\n", "PASS pw-secret\r\n", PA_WAIT },
		{ "+OK in\r\n", "UIDL\r\n", PA_WAIT },
		{ "+OK\r\n1 u-other\r\n2 u-stale\r\n3 u-ours\r\n4 u-young\r\n"
		    ".\r\n", "TOP 4 0\r\n", PA_WAIT },
		{ "+OK\r\nSubject: x\r\nX-Mailmon-Token: "
		    "mailmon-mx1-1700003599-aaaaaaaaaaaa\r\n\r\n.\r\n",
		    "TOP 3 0\r\n", PA_WAIT },
		{ "+OK\r\nX-Mailmon-Token: mailmon-mx1-1700003590-0123456789ab"
		    "\r\n..dot-stuffed: x\r\n\r\n.\r\n", "TOP 2 0\r\n", PA_WAIT },
		{ "+OK\r\nx-mailmon-token: mailmon-mx1-1700000000-bbbbbbbbbbbb"
		    "\r\n.\r\n", "TOP 1 0\r\n", PA_WAIT },
		{ "+OK\r\nSubject: hello\r\nFrom: a@b\r\n.\r\n", "DELE 3\r\n",
		    PA_WAIT },
		{ "+OK\r\n", "DELE 2\r\n", PA_WAIT },
		{ "+OK\r\n", "QUIT\r\n", PA_WAIT },
		{ "+OK bye\r\n", "", PA_DONE },
	};
	/* the next poll: other mail is known, the young run is looked at again */
	static const struct step again[] = {
		{ "+OK ready\r\n", "CAPA\r\n", PA_WAIT },
		{ "-ERR no CAPA\r\n", "USER box\r\n", PA_WAIT },
		{ "+OK\r\n", "PASS pw-secret\r\n", PA_WAIT },
		{ "+OK in\r\n", "UIDL\r\n", PA_WAIT },
		{ "+OK\r\n1 u-other\r\n2 u-young\r\n.\r\n", "TOP 2 0\r\n",
		    PA_WAIT },
		{ "-ERR gone\r\n", "QUIT\r\n", PA_WAIT },
		{ "+OK\r\n", "", PA_DONE },
	};

	(void)state;
	mbox_init(&b, MODE_POP3, tok, "mailmon-mx1-", 60);
	h = box_session(MODE_POP3, &b, &hk, tok);
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	assert_true(b.searched);
	assert_true(b.found);
	assert_int_equal(b.nstale, 1);
	assert_true(b.deleted);
	assert_int_equal(b.pop3.nforeign, 1);
	/* the listing mode is switched off again */
	assert_int_equal(h->u.ps.lp.stream, 0);
	assert_null(h->u.ps.lp.on_line);
	free(h);

	h = box_session(MODE_POP3, &b, &hk, tok);
	h_run(h, again, NSTEPS(again));
	assert_true(b.searched);
	assert_false(b.found);
	assert_false(b.deleted);
	free(h);
}

static void
test_pop3_uidl_refused(void **state)
{
	struct mbox		 b;
	struct psess_hook	 hk;
	struct harness		*h;
	static const struct step steps[] = {
		{ "+OK ready\r\n", "CAPA\r\n", PA_WAIT },
		{ "+OK\r\nUSER\r\n.\r\n", "USER box\r\n", PA_WAIT },
		{ "+OK\r\n", "PASS pw-secret\r\n", PA_WAIT },
		{ "+OK in\r\n", "UIDL\r\n", PA_WAIT },
		{ "-ERR not here\r\n", "QUIT\r\n", PA_WAIT },
		{ "+OK\r\n", "", PA_DONE },
	};

	(void)state;
	mbox_init(&b, MODE_POP3, "t", "mailmon-mx1-", 60);
	h = box_session(MODE_POP3, &b, &hk, "t");
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_MAILBOX);
	assert_string_equal(h->res.reason, "UIDL: -ERR not here");
	assert_false(b.searched);
	free(h);
}

static struct harness *
submit_session(int64_t *accepted, const char *body)
{
	struct harness	*h = h_new(MODE_DELIVERY);

	mm_strlcpy(h->o.mail_from, "probe@example.test",
	    sizeof(h->o.mail_from));
	mm_strlcpy(h->o.rcpt_to[0], "box@example.test", sizeof(h->o.rcpt_to[0]));
	h->o.nrcpt = 1;
	mm_strlcpy(h->o.mbox.user, "box", sizeof(h->o.mbox.user));
	mm_strlcpy(h->o.mbox.pass, "pw", sizeof(h->o.mbox.pass));
	h->o.auth_plaintext = 1;
	assert_int_equal(h_start(h), PA_WAIT);
	h->u.ps.body = body;
	h->u.ps.bodylen = strlen(body);
	h->u.ps.accepted = accepted;
	return h;
}

static void
test_submit(void **state)
{
	static const char body[] = "Subject: t\n\n.leading dot\nend\n";
	int64_t			 accepted = 0;
	struct harness		*h = submit_session(&accepted, body);
	static const struct step steps[] = {
		{ "220 mx ESMTP\r\n", "EHLO probe.example.test\r\n", PA_WAIT },
		{ "250 mx\r\n", "MAIL FROM:<probe@example.test>\r\n", PA_WAIT },
		{ "250 ok\r\n", "RCPT TO:<box@example.test>\r\n", PA_WAIT },
		{ "250 ok\r\n", "DATA\r\n", PA_WAIT },
		{ "354 go\r\n", "Subject: t\r\n\r\n..leading dot\r\nend\r\n.\r\n",
		    PA_WAIT },
		{ "250 2.0.0 queued as ABC\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_NONE);
	assert_true(accepted > 0);
	assert_string_equal(h->res.reply_text, "250 2.0.0 queued as ABC");
	free(h);
}

static void
test_submit_refused(void **state)
{
	int64_t			 accepted = 0;
	struct harness		*h = submit_session(&accepted, "x\n");
	struct probe_result	 d;
	static const struct step steps[] = {
		{ "220 mx ESMTP\r\n", "EHLO probe.example.test\r\n", PA_WAIT },
		{ "250 mx\r\n", "MAIL FROM:<probe@example.test>\r\n", PA_WAIT },
		{ "250 ok\r\n", "RCPT TO:<box@example.test>\r\n", PA_WAIT },
		{ "554 5.7.1 no thanks\r\n", "RSET\r\n", PA_WAIT },
		{ "250 ok\r\n", "QUIT\r\n", PA_WAIT },
		{ "221 bye\r\n", "", PA_DONE },
	};

	(void)state;
	h_run(h, steps, NSTEPS(steps));
	assert_int_equal(h->res.fail, FAIL_SUBMIT);
	assert_int_equal(accepted, 0);
	h->res.status = h->u.ps.status;
	probe_result_init(&d);
	dlv_leg_fail(&d, &h->res, 0);
	assert_int_equal(d.fail, FAIL_SUBMIT);
	assert_int_equal(d.status, STATUS_CRITICAL);
	assert_string_equal(d.reason,
	    "submission refused: RCPT TO rejected: 554 5.7.1 no thanks");
	assert_int_equal(d.reply_code, 554);
	free(h);
}

static void
test_leg_fail(void **state)
{
	struct probe_result	 leg, d;

	(void)state;
	probe_result_init(&leg);
	probe_result_init(&d);
	leg.status = STATUS_CRITICAL;
	leg.fail = FAIL_REFUSED;
	mm_strlcpy(leg.reason, "127.0.0.1: connection refused",
	    sizeof(leg.reason));
	dlv_leg_fail(&d, &leg, 1);
	assert_int_equal(d.fail, FAIL_MAILBOX);
	assert_string_equal(d.reason, "mailbox: 127.0.0.1: connection refused");
	/* the same on the submission leg blames the probe's own server */
	dlv_leg_fail(&d, &leg, 0);
	assert_int_equal(d.fail, FAIL_REFUSED);
	assert_string_equal(d.reason,
	    "submission: 127.0.0.1: connection refused");

	leg.fail = FAIL_AUTH;
	mm_strlcpy(leg.reason, "login failed: A003 NO [AUTHENTICATIONFAILED]",
	    sizeof(leg.reason));
	dlv_leg_fail(&d, &leg, 1);
	assert_int_equal(d.fail, FAIL_MAILBOX);
	assert_int_equal(d.status, STATUS_CRITICAL);
	assert_string_equal(d.reason,
	    "mailbox login failed: A003 NO [AUTHENTICATIONFAILED]");

	leg.fail = FAIL_AUTH;
	mm_strlcpy(leg.reason, "authentication failed: 535 5.7.8 no",
	    sizeof(leg.reason));
	dlv_leg_fail(&d, &leg, 0);
	assert_int_equal(d.fail, FAIL_SUBMIT);
	assert_string_equal(d.reason,
	    "submission: authentication failed: 535 5.7.8 no");

	leg.fail = FAIL_TIMEOUT;
	mm_strlcpy(leg.reason, "step deadline (10000 ms) in state SEARCH",
	    sizeof(leg.reason));
	dlv_leg_fail(&d, &leg, 1);
	assert_int_equal(d.fail, FAIL_MAILBOX);
	assert_string_equal(d.reason,
	    "mailbox: step deadline (10000 ms) in state SEARCH");

	/* a warning stays a warning */
	leg.status = STATUS_WARNING;
	leg.fail = FAIL_CERT_EXPIRING;
	mm_strlcpy(leg.reason, "certificate expires in 5 days",
	    sizeof(leg.reason));
	dlv_leg_fail(&d, &leg, 0);
	assert_int_equal(d.status, STATUS_WARNING);
	assert_int_equal(d.fail, FAIL_CERT_EXPIRING);
	assert_string_equal(d.reason,
	    "submission: certificate expires in 5 days");

	/* a long reason is cut, never overflows */
	leg.status = STATUS_CRITICAL;
	leg.fail = FAIL_REPLY;
	memset(leg.reason, 'x', sizeof(leg.reason) - 1);
	leg.reason[sizeof(leg.reason) - 1] = '\0';
	dlv_leg_fail(&d, &leg, 1);
	assert_int_equal(d.fail, FAIL_MAILBOX);
	assert_int_equal(strlen(d.reason), sizeof(d.reason) - 1);
	assert_memory_equal(d.reason, "mailbox: xxx", 12);
}

static void
test_opts(void **state)
{
	struct probe_opts	 o;
	char			 err[128];

	(void)state;
	probe_opts_init(&o);
	o.mode = MODE_DELIVERY;
	mm_strlcpy(o.host, "127.0.0.1", sizeof(o.host));
	o.auth_plaintext = 1;
	/* the delivery checks are part of the one option check */
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), -1);
	assert_string_equal(err, "a delivery probe needs a recipient (--rcpt)");
	mm_strlcpy(o.rcpt_to[0], "box@example.test", sizeof(o.rcpt_to[0]));
	o.nrcpt = 1;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "a delivery probe needs a mailbox user and password");
	mm_strlcpy(o.mbox.user, "box", sizeof(o.mbox.user));
	mm_strlcpy(o.mbox.pass, "pw", sizeof(o.mbox.pass));
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), 0);
	assert_int_equal(o.mbox.port, 143);
	assert_int_equal(o.delivery_deadline_ms, 60000);
	o.auth_plaintext = 0;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without TLS"));
	o.mbox.tls = TLS_IMPLICIT;
	o.mbox.port = 0;
	o.mbox.proto = MODE_POP3;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), 0);
	assert_int_equal(o.mbox.port, 995);
	o.mbox.proto = MODE_SMTP;
	assert_int_equal(probe_opts_finish(&o, err, sizeof(err)), -1);
	assert_string_equal(err, "the mailbox must be IMAP or POP3");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_imap_search_parse),
		cmocka_unit_test(test_pop3_parse),
		cmocka_unit_test(test_imap_found),
		cmocka_unit_test(test_imap_not_yet),
		cmocka_unit_test(test_imap_old_server),
		cmocka_unit_test(test_imap_select_refused),
		cmocka_unit_test(test_pop3_scan),
		cmocka_unit_test(test_pop3_uidl_refused),
		cmocka_unit_test(test_submit),
		cmocka_unit_test(test_submit_refused),
		cmocka_unit_test(test_leg_fail),
		cmocka_unit_test(test_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

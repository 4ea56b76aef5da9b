/*
 * test_lineproto.c - the shared line layer: splitting, limits, named
 * rejections, the send helper and its secret masking.
 */
#include "config.h"

#include "proto_harness.h"

struct cap {
	char	 buf[4096];
	size_t	 len;
};

static int
cap_write(void *arg, const void *b, size_t n)
{
	struct cap	*c = arg;

	if (c->len + n >= sizeof(c->buf))
		return -1;
	memcpy(c->buf + c->len, b, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return 0;
}

static void
smtp_lp(struct lineproto *lp, struct cap *c)
{
	lp_init(lp, LT_SMTP, smtp_classify, NULL, cap_write, c);
	lp->same_code = 1;
}

/* feed everything, return the result of the last lp_input */
static int
feed(struct lineproto *lp, const char *s, size_t len, size_t *total)
{
	size_t	 used;
	int	 rc;

	rc = lp_input(lp, s, len, &used);
	*total = used;
	return rc;
}

static void
test_crlf_and_lf(void **state)
{
	struct lineproto	 lp;
	size_t			 used, pos = 0, len;
	const char		*l;

	(void)state;
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "250-a\r\n250-b\n250 c\r\n", 20, &used),
	    LP_REPLY);
	assert_int_equal(used, 20);
	assert_int_equal(lp.reply.code, 250);
	assert_int_equal(lp.reply.nlines, 3);
	assert_string_equal(lp.reply.text, "250-a\n250-b\n250 c");
	l = lp_reply_line(&lp.reply, &pos, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(l, "250-a", 5);
	l = lp_reply_line(&lp.reply, &pos, &len);
	assert_memory_equal(l, "250-b", 5);
	l = lp_reply_line(&lp.reply, &pos, &len);
	assert_memory_equal(l, "250 c", 5);
	assert_null(lp_reply_line(&lp.reply, &pos, &len));
	assert_string_equal(lp_reply_last(&lp.reply), "250 c");
	/* a partial line is left in the buffer, not consumed */
	assert_int_equal(feed(&lp, "250 partial", 11, &used), LP_MORE);
	assert_int_equal(used, 0);
	/* a lone CR inside a line is a bare CR, named as such */
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "250 a\rb\r\n", 9, &used), LP_ERROR);
	assert_int_equal(lp.err, LPE_BARECR);
}

/*
 * Lines ended by CR alone never get an LF: the error must come as soon
 * as the byte after the CR is seen, not when the deadline expires.
 */
static void
test_bare_cr_without_lf(void **state)
{
	struct lineproto	 lp;
	size_t			 used;

	(void)state;
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "220 mx ESMTP\r250 more\r", 23, &used),
	    LP_ERROR);
	assert_int_equal(lp.err, LPE_BARECR);
	assert_non_null(strstr(lp.error, "bare CR"));
	assert_non_null(strstr(lp.error, "220 mx ESMTP"));
	/* a CR as the last byte so far may still be a CRLF split in two */
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "220 mx ESMTP\r", 13, &used), LP_MORE);
	assert_int_equal(used, 0);
	assert_int_equal(feed(&lp, "220 mx ESMTP\r\n", 14, &used),
	    LP_REPLY);
	assert_int_equal(used, 14);
	/* ... and CR CR LF is a bare CR followed by a line end */
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "220 mx\r\r\n", 9, &used), LP_ERROR);
	assert_int_equal(lp.err, LPE_BARECR);
	assert_string_equal(lp_strerror(LPE_BARECR),
	    "bare CR in reply (CR without LF)");
}

static void
test_single_bytes(void **state)
{
	struct lineproto	 lp;
	const char		*s = "220-first\r\n220-second\r\n220 last\r\n";
	size_t			 n = strlen(s), have = 0, off = 0, used;
	char			 buf[64];
	int			 rc = LP_MORE, replies = 0;

	(void)state;
	smtp_lp(&lp, NULL);
	/* one byte per read, as a drip-feeding server does */
	while (off < n) {
		buf[have++] = s[off++];
		rc = lp_input(&lp, buf, have, &used);
		assert_int_not_equal(rc, LP_ERROR);
		memmove(buf, buf + used, have - used);
		have -= used;
		if (rc == LP_REPLY)
			replies++;
	}
	assert_int_equal(replies, 1);
	assert_int_equal(have, 0);
	assert_int_equal(lp.reply.nlines, 3);
	assert_int_equal(lp.reply.code, 220);
}

static void
test_limits(void **state)
{
	struct lineproto	 lp;
	char			 big[3000];
	size_t			 used, i;
	int			 rc;

	(void)state;
	/* no line end within linemax: too long, without waiting for more */
	smtp_lp(&lp, NULL);
	memset(big, 'a', sizeof(big));
	memcpy(big, "250 ", 4);
	assert_int_equal(feed(&lp, big, 1500, &used), LP_ERROR);
	assert_int_equal(lp.err, LPE_TOOLONG);
	assert_non_null(strstr(lp.error, "line too long"));

	/* with a line end, but still over the limit */
	smtp_lp(&lp, NULL);
	memcpy(big + 1001, "\r\n", 2);
	assert_int_equal(feed(&lp, big, 1003, &used), LP_ERROR);
	assert_int_equal(lp.err, LPE_TOOLONG);

	/* exactly linemax is fine */
	smtp_lp(&lp, NULL);
	memcpy(big + 1000, "\r\n", 2);
	assert_int_equal(feed(&lp, big, 1002, &used), LP_REPLY);

	/* NUL */
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "250 a\0b\r\n", 9, &used), LP_ERROR);
	assert_int_equal(lp.err, LPE_NUL);

	/* binary garbage and an escape sequence */
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "250 \x1b[31mred\r\n", 14, &used), LP_ERROR);
	assert_int_equal(lp.err, LPE_BINARY);
	assert_string_equal(lp_strerror(LPE_BINARY),
	    "non-printable byte in reply");

	/* 8-bit text is allowed (UTF-8 greetings) */
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "220 gr\xc3\xbc\xc3\x9f dich\r\n", 17,
	    &used), LP_REPLY);

	/* short and invalid codes */
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "25\r\n", 4, &used), LP_ERROR);
	assert_int_equal(lp.err, LPE_SHORT);
	assert_non_null(strstr(lp.error, "response too short"));
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "SSH-2.0-OpenSSH\r\n", 17, &used),
	    LP_ERROR);
	assert_int_equal(lp.err, LPE_CODE);
	assert_non_null(strstr(lp.error, "invalid reply code"));

	/* continuation limit */
	smtp_lp(&lp, NULL);
	rc = LP_MORE;
	for (i = 0; i < 150 && rc == LP_MORE; i++)
		rc = feed(&lp, "250-x\r\n", 7, &used);
	assert_int_equal(rc, LP_ERROR);
	assert_int_equal(lp.err, LPE_TOOMANY);
	assert_int_equal(i, LP_MAXLINES_DEFAULT + 1);

	/* joined size limit */
	smtp_lp(&lp, NULL);
	lp.replymax = 100;
	rc = LP_MORE;
	memset(big, 'b', 60);
	memcpy(big, "250-", 4);
	memcpy(big + 60, "\r\n", 2);
	for (i = 0; i < 5 && rc == LP_MORE; i++)
		rc = feed(&lp, big, 62, &used);
	assert_int_equal(rc, LP_ERROR);
	assert_int_equal(lp.err, LPE_TOOBIG);

	/* trailing data after a final reply */
	smtp_lp(&lp, NULL);
	lp.forbid_trailing = 1;
	assert_int_equal(feed(&lp, "220 hi\r\nEHLO", 12, &used), LP_ERROR);
	assert_int_equal(lp.err, LPE_TRAILING);
	/* allowed when the protocol allows it: the rest stays */
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "220 hi\r\n250 x\r\n", 15, &used), LP_REPLY);
	assert_int_equal(used, 8);
}

static void
test_send_masking(void **state)
{
	struct lineproto	 lp;
	struct cap		 c = { .len = 0 };

	(void)state;
	h_log_start();
	smtp_lp(&lp, &c);
	assert_int_equal(lp_sendf(&lp, "EHLO %s", "probe.example"), 0);
	assert_int_equal(lp_send(&lp, 5, "PASS hunter2"), 0);
	assert_int_equal(lp_send(&lp, 0, "aHVudGVyMg=="), 0);
	assert_string_equal(c.buf,
	    "EHLO probe.example\r\nPASS hunter2\r\naHVudGVyMg==\r\n");
	assert_non_null(strstr(h_log, ">>> EHLO probe.example"));
	assert_non_null(strstr(h_log, ">>> PASS <redacted>"));
	assert_non_null(strstr(h_log, ">>> <redacted>"));
	assert_null(strstr(h_log, "hunter2"));
	assert_null(strstr(h_log, "aHVudGVyMg"));

	/* no command injection through configured strings */
	assert_int_equal(lp_send(&lp, LP_PUBLIC, "HELO x\r\nRCPT TO:<a>"), -1);
	assert_int_equal(lp.err, LPE_SEND);
	assert_int_equal(lp_sendf(&lp, "MAIL FROM:<%s>", "a\nb"), -1);
	/* a full queue is reported */
	c.len = sizeof(c.buf) - 3;
	assert_int_equal(lp_send(&lp, LP_PUBLIC, "QUIT"), -1);
	log_register(NULL, NULL);
}

static void
test_received_trace(void **state)
{
	struct lineproto	 lp;
	size_t			 used;

	(void)state;
	h_log_start();
	smtp_lp(&lp, NULL);
	assert_int_equal(feed(&lp, "220 hello \xff\r\n", 13, &used), LP_REPLY);
	/* traced, and sanitised */
	assert_non_null(strstr(h_log, "<<< 220 hello ?"));
	log_register(NULL, NULL);
}

/* a server echoing the secret: masked in the trace, the error, lp_mask */
static void
test_received_secret_masked(void **state)
{
	struct lineproto	 lp;
	size_t			 used;
	char			 t[64];

	(void)state;
	mm_strlcpy(t, "-ERR password hunter22 is wrong", sizeof(t));
	lp_mask(t, "hunter22");
	assert_string_equal(t, "-ERR password ******** is wrong");
	/* cut off inside the secret: the start left at the end is hidden */
	mm_strlcpy(t, "-ERR password hunt", sizeof(t));
	lp_mask(t, "hunter22");
	assert_string_equal(t, "-ERR password ****");
	/* every copy; short secrets are left alone */
	mm_strlcpy(t, "hunter22/hunter22", sizeof(t));
	lp_mask(t, "hunter22");
	assert_string_equal(t, "********/********");
	mm_strlcpy(t, "a b", sizeof(t));
	lp_mask(t, "a");
	assert_string_equal(t, "a b");
	lp_mask(t, NULL);
	assert_string_equal(t, "a b");

	h_log_start();
	smtp_lp(&lp, NULL);
	lp.secret = "hunter22";
	assert_int_equal(feed(&lp, "535 no hunter22\r\n", 17, &used),
	    LP_REPLY);
	assert_null(strstr(h_log, "hunter22"));
	assert_non_null(strstr(h_log, "<<< 535 no ********"));
	assert_int_equal(feed(&lp, "5x5 hunter22\r\n", 14, &used),
	    LP_ERROR);
	assert_null(strstr(lp.error, "hunter22"));
	assert_non_null(strstr(lp.error, "5x5 ********"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crlf_and_lf),
		cmocka_unit_test(test_bare_cr_without_lf),
		cmocka_unit_test(test_received_secret_masked),
		cmocka_unit_test(test_single_bytes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_send_masking),
		cmocka_unit_test(test_received_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

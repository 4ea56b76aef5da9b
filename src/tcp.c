/*
 * tcp.c - generic TCP probe with check_tcp's send/expect semantics.
 *
 *   INIT [-> GREETING] [send] -> EXPECT -> [quit] -> DONE
 *
 * Two flavours, chosen by the option parser:
 *  - plain check_tcp: the send string is written right after connect,
 *    since many services speak only when spoken to;
 *  - a mail service (check_pop, check_imap, ... with -s): the machine
 *    waits for the complete greeting line before it writes anything,
 *    because mail servers drop clients that talk first (Postfix
 *    postscreen, Dovecot's login processes count it as an error).
 *
 * Everything the server sends goes into one bounded buffer, the
 * greeting included, and the expect strings are looked for anywhere in
 * it (a built-in default expect string is a prefix, as in check_tcp).
 * When to judge:
 *  - with -d DELAY, keep reading until DELAY has passed since the send
 *    (or the connect), ending at once on a match;
 *  - a mail service without -d: on its greeting and the first line
 *    after our send (the first reply), however the bytes came in;
 *  - plain check_tcp without -d: once a read ends on a line end, as
 *    check_tcp judges its first read.
 * A full buffer (or -m bytes) is judged at once.  The probe deadline
 * bounds it all.  The quit string is written and the connection closed
 * without reading a reply, as check_tcp does.
 *
 * With verification on and a certificate that failed it, the send
 * string is not written: it may carry a login (check_simap -s "a1
 * LOGIN u p"), and we cannot tell.
 */
#include "config.h"

#include <string.h>

#include "lineproto.h"
#include "log.h"
#include "session.h"
#include "tcp.h"
#include "util.h"

static const char *strstate[TCP_LAST] = {
	"INIT", "GREETING", "EXPECT", "QUIT", "DONE"
};

const char *
tcp_strstate(enum tcp_state st)
{
	return st < TCP_LAST ? strstate[st] : "?";
}

/* one expect string: 1 found, 0 not (yet) */
static int
tcp_one(const struct probe_opts *o, const char *exp, int prefix,
    const char *buf, size_t len)
{
	size_t	 elen = strlen(exp);

	(void)o;
	if (prefix)
		return len >= elen && memcmp(buf, exp, elen) == 0;
	return memmem(buf, len, exp, elen) != NULL;
}

int
tcp_match(const struct probe_opts *o, const char *buf, size_t len)
{
	int	 i, n = 0, hit = 0;

	if (o->expect[0] != '\0') {
		n++;
		hit += tcp_one(o, o->expect, o->expect_prefix, buf, len);
	}
	for (i = 0; i < o->ncmd && i < PROBE_MAX_CMDS; i++) {
		if (o->cmd_expect[i][0] == '\0')
			continue;
		n++;
		hit += tcp_one(o, o->cmd_expect[i], 0, buf, len);
	}
	if (n == 0)
		return -1;
	return o->expect_all ? hit == n : hit > 0;
}

/* with -A: at least one of several expect strings already matched */
static int
tcp_partial(const struct probe_opts *o, const char *buf, size_t len)
{
	int	 i;

	if (o->expect[0] != '\0' &&
	    tcp_one(o, o->expect, o->expect_prefix, buf, len))
		return 1;
	for (i = 0; i < o->ncmd && i < PROBE_MAX_CMDS; i++)
		if (o->cmd_expect[i][0] != '\0' &&
		    tcp_one(o, o->cmd_expect[i], 0, buf, len))
			return 1;
	return 0;
}

/*
 * Show what the server sent on one line: trailing line ends dropped,
 * anything else unprintable replaced by mm_sanitize().
 */
static void
tcp_shown(char *dst, size_t dstlen, const char *buf, size_t len)
{
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	mm_sanitize(dst, dstlen, buf, len);
}

static void
tcp_set_state(struct tcp_sess *s, enum tcp_state st)
{
	psess_trace_state(&s->ps, strstate[s->state], strstate[st]);
	s->state = st;
}

static size_t
tcp_limit(const struct tcp_sess *s)
{
	int	 m = s->ps.opts->tcp_maxbytes;

	return m > 0 && (size_t)m < TCP_BUFMAX ? (size_t)m : TCP_BUFMAX;
}

static int
tcp_finish(struct tcp_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;

	psess_wake(&s->ps, 0);
	if (o->quit[0] != '\0') {
		tcp_set_state(s, TCP_QUIT);
		psess_phase_begin(&s->ps, PH_QUIT);
		if (lp_send_raw(&s->ps.lp, o->quit, strlen(o->quit)) == 0)
			return PA_FLUSH_DONE;
	}
	tcp_set_state(s, TCP_DONE);
	return PA_DONE;
}

/* judge everything received so far: a match, or the mismatch */
static void
tcp_verdict(struct tcp_sess *s)
{
	struct psess	*ps = &s->ps;
	char		 shown[80];

	psess_phase_end(ps, PH_GREETING);
	tcp_shown(shown, sizeof(shown), s->buf, s->judge_len);
	/* what was judged is the reply, matched or not, as a failing reply
	 * of the line protocols is theirs */
	mm_strlcpy(ps->res->reply_text, shown, sizeof(ps->res->reply_text));
	if (tcp_match(ps->opts, s->buf, s->judge_len) != 1)
		psess_fail(ps, FAIL_EXPECT, "unexpected response: %s", shown);
}

static int
tcp_judge(struct tcp_sess *s)
{
	tcp_verdict(s);
	return tcp_finish(s);
}

/*
 * Write the send string (if any) and start waiting for the expect;
 * from is where the server's answer to it begins in buf.
 */
static int
tcp_send(struct tcp_sess *s, size_t from)
{
	struct psess		*ps = &s->ps;
	const struct probe_opts	*o = ps->opts;

	if (o->send[0] != '\0') {
		if (ps->untrusted) {
			psess_withhold(ps, "send string");
			return tcp_finish(s);
		}
		if (lp_send_raw(&ps->lp, o->send, strlen(o->send)) == -1) {
			psess_fail(ps, FAIL_INTERNAL, "cannot send: %s",
			    ps->lp.error);
			tcp_set_state(s, TCP_DONE);
			return PA_DONE;
		}
	}
	s->sent_at = from;
	if (tcp_match(o, "", 0) == -1)
		return tcp_finish(s);
	if (o->tcp_delay_ms > 0)
		psess_wake(ps, psess_now(ps) + (int64_t)o->tcp_delay_ms * 1000);
	tcp_set_state(s, TCP_EXPECT);
	return PA_WAIT;
}

/* the end of the greeting in buf, 0 while it is incomplete */
static size_t
tcp_greeting_end(const struct tcp_sess *s)
{
	const char	*p = s->buf, *end = s->buf + s->len, *lf;

	/* an SMTP greeting may run over "220-" continuation lines */
	while ((lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (!(lf - p >= 4 && p[3] == '-' && p[0] >= '0' &&
		    p[0] <= '9'))
			return (size_t)(lf + 1 - s->buf);
		p = lf + 1;
	}
	return 0;
}

static int
tcp_start(struct psess *ps)
{
	struct tcp_sess		*s = (struct tcp_sess *)ps;
	const struct probe_opts	*o = ps->opts;

	if (o->cert_only && ps->tls)
		return tcp_finish(s);
	psess_phase_begin(ps, PH_GREETING);
	if (o->tcp_greet) {
		tcp_set_state(s, TCP_GREETING);
		return PA_WAIT;
	}
	return tcp_send(s, 0);
}

/*
 * After new bytes in EXPECT: 1 when it is time to judge, with
 * judge_len set to how much of the buffer counts.
 */
static int
tcp_ready(struct tcp_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;
	const char		*lf;

	s->judge_len = s->len;
	if (s->len >= tcp_limit(s) || s->delay_over)
		return 1;
	if (o->tcp_greet && o->tcp_delay_ms == 0) {
		/*
		 * A mail service without -d: its greeting and the first
		 * line after our send, however the bytes were split into
		 * reads, so the verdict does not depend on timing.  (Ask
		 * for more with -d, as the plugin's users do.)
		 */
		lf = memchr(s->buf + s->sent_at, '\n', s->len - s->sent_at);
		if (lf == NULL)
			return 0;
		s->judge_len = (size_t)(lf + 1 - s->buf);
		return 1;
	}
	if (tcp_match(o, s->buf, s->len) == 1)
		return 1;
	if (o->tcp_delay_ms > 0)
		return 0;
	/*
	 * Like check_tcp, judge what arrived instead of waiting for the
	 * deadline: once the server has answered (the read ended on a
	 * line end) without a match, it is a mismatch.  With -A a partial
	 * match may still be completed by later lines.
	 */
	return s->buf[s->len - 1] == '\n' &&
	    !(o->expect_all && tcp_partial(o, s->buf, s->len));
}

static int
tcp_rawin(struct psess *ps, const char *data, size_t len, size_t *used)
{
	struct tcp_sess	*s = (struct tcp_sess *)ps;
	size_t		 n, end, limit = tcp_limit(s);
	int		 rc;

	*used = len;
	if (s->state != TCP_GREETING && s->state != TCP_EXPECT)
		return PA_WAIT;		/* unasked bytes after the judgement */
	n = limit > s->len ? limit - s->len : 0;
	if (n > len)
		n = len;
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	if (s->state == TCP_EXPECT)
		return tcp_ready(s) ? tcp_judge(s) : PA_WAIT;

	if ((end = tcp_greeting_end(s)) == 0) {
		s->judge_len = s->len;
		return s->len >= limit ? tcp_judge(s) : PA_WAIT;
	}
	/* the greeting is complete: now the send string may go */
	if ((rc = tcp_send(s, end)) != PA_WAIT)
		return rc;
	/* the greeting alone settles a match, or a check with no send */
	s->judge_len = end;
	if (tcp_match(ps->opts, s->buf, end) == 1 ||
	    (ps->opts->send[0] == '\0' && ps->opts->tcp_delay_ms == 0))
		return tcp_judge(s);
	return tcp_ready(s) ? tcp_judge(s) : PA_WAIT;
}

static int
tcp_wake(struct psess *ps)
{
	struct tcp_sess	*s = (struct tcp_sess *)ps;

	if (s->state != TCP_EXPECT)
		return PA_WAIT;
	/*
	 * -d has passed.  With nothing received there is nothing to
	 * judge: the first bytes decide, or the deadline does (check_tcp
	 * blocks in its first read until its alarm, CRITICAL).
	 */
	s->delay_over = 1;
	if (s->len == 0)
		return PA_WAIT;
	s->judge_len = s->len;
	return tcp_judge(s);
}

static int
tcp_response(struct psess *ps, const struct lp_reply *r)
{
	(void)r;
	psess_fail(ps, FAIL_INTERNAL, "tcp probe got a line reply");
	return PA_DONE;
}

static int
tcp_tls_ready(struct psess *ps)
{
	return tcp_start(ps);
}

static int
tcp_closed(struct psess *ps)
{
	struct tcp_sess	*s = (struct tcp_sess *)ps;

	psess_wake(ps, 0);
	if (s->state == TCP_EXPECT || s->state == TCP_GREETING) {
		/* nothing can be sent any more: judge, no quit string */
		if (s->len > 0) {
			s->judge_len = s->len;
			tcp_verdict(s);
		}
		else
			psess_fail(ps, FAIL_CLOSED,
			    "connection closed before any data");
	}
	tcp_set_state(s, TCP_DONE);
	return PA_DONE;
}

static void
tcp_init(struct psess *ps)
{
	struct tcp_sess	*s = (struct tcp_sess *)ps;

	s->state = TCP_INIT;
	s->len = 0;
	s->sent_at = 0;
	s->judge_len = 0;
	s->delay_over = 0;
}

static const char *
tcp_state_name(const struct psess *ps)
{
	return tcp_strstate(((const struct tcp_sess *)ps)->state);
}

const struct proto_ops tcp_ops = {
	.name = "tcp",
	.token = LT_TCP,
	.sess_size = sizeof(struct tcp_sess),
	.init = tcp_init,
	.start = tcp_start,
	.response = tcp_response,
	.tls_ready = tcp_tls_ready,
	.closed = tcp_closed,
	.rawin = tcp_rawin,
	.state = tcp_state_name,
	.wake = tcp_wake
};

/*
 * tcp.c - generic TCP probe, check_tcp style.
 *
 *   INIT [send] -> EXPECT -> [quit] -> DONE
 *
 * Unlike check_tcp, the send string of a plain TCP probe is written
 * right after connect only because that is what it is for (the mail
 * protocols have their own machines, which never talk first).  The
 * quit string is written and the connection closed without reading a
 * reply.  Strings are sent as configured (escapes are decoded by the
 * option parser).  There is no STARTTLS here; implicit TLS and the
 * certificate checks come from the driver.
 */
#include "config.h"

#include <string.h>

#include "lineproto.h"
#include "log.h"
#include "probe_priv.h"
#include "tcp.h"
#include "util.h"

static const char *strstate[TCP_LAST] = {
	"INIT", "EXPECT", "QUIT", "DONE"
};

const char *
tcp_strstate(enum tcp_state st)
{
	return st < TCP_LAST ? strstate[st] : "?";
}

int
tcp_match(const struct probe_opts *o, const char *buf, size_t len)
{
	int	 i, n = 0, hit = 0;

	if (o->expect[0] != '\0') {
		n++;
		if (memmem(buf, len, o->expect, strlen(o->expect)) != NULL)
			hit++;
	}
	for (i = 0; i < o->ncmd && i < PROBE_MAX_CMDS; i++) {
		if (o->cmd_expect[i][0] == '\0')
			continue;
		n++;
		if (memmem(buf, len, o->cmd_expect[i],
		    strlen(o->cmd_expect[i])) != NULL)
			hit++;
	}
	if (n == 0)
		return -1;
	return o->expect_all ? hit == n : hit > 0;
}

/*
 * Show what the server sent on one line: trailing line ends dropped,
 * anything else unprintable replaced by mm_sanitize().
 */
/* with -A: at least one of several expect strings already matched */
static int
tcp_partial(const struct probe_opts *o, const char *buf, size_t len)
{
	int	 i;

	if (o->expect[0] != '\0' &&
	    memmem(buf, len, o->expect, strlen(o->expect)) != NULL)
		return 1;
	for (i = 0; i < o->ncmd && i < PROBE_MAX_CMDS; i++)
		if (o->cmd_expect[i][0] != '\0' && memmem(buf, len,
		    o->cmd_expect[i], strlen(o->cmd_expect[i])) != NULL)
			return 1;
	return 0;
}

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

static int
tcp_finish(struct tcp_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;

	if (o->quit[0] != '\0') {
		tcp_set_state(s, TCP_QUIT);
		psess_phase_begin(&s->ps, PH_QUIT);
		if (lp_send_raw(&s->ps.lp, o->quit, strlen(o->quit)) == 0)
			return PA_FLUSH_DONE;
	}
	tcp_set_state(s, TCP_DONE);
	return PA_DONE;
}

static int
tcp_start(struct psess *ps)
{
	struct tcp_sess		*s = (struct tcp_sess *)ps;
	const struct probe_opts	*o = ps->opts;

	if (o->cert_only && ps->tls)
		return tcp_finish(s);
	if (o->send[0] != '\0' &&
	    lp_send_raw(&ps->lp, o->send, strlen(o->send)) == -1) {
		psess_fail(ps, FAIL_INTERNAL, "cannot send: %s", ps->lp.error);
		tcp_set_state(s, TCP_DONE);
		return PA_DONE;
	}
	if (tcp_match(o, "", 0) == -1)
		return tcp_finish(s);
	psess_phase_begin(ps, PH_GREETING);
	tcp_set_state(s, TCP_EXPECT);
	return PA_WAIT;
}

static int
tcp_rawin(struct psess *ps, const char *data, size_t len, size_t *used)
{
	struct tcp_sess	*s = (struct tcp_sess *)ps;
	size_t		 n;
	char		 shown[80];

	*used = len;
	if (s->state != TCP_EXPECT)
		return PA_WAIT;		/* unasked bytes after the match */
	n = TCP_BUFMAX - s->len;
	if (n > len)
		n = len;
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	if (tcp_match(ps->opts, s->buf, s->len) == 1) {
		psess_phase_end(ps, PH_GREETING);
		tcp_shown(shown, sizeof(shown), s->buf, s->len);
		mm_strlcpy(ps->res->reply_text, shown,
		    sizeof(ps->res->reply_text));
		return tcp_finish(s);
	}
	/*
	 * Like check_tcp, judge what arrived instead of waiting for the
	 * deadline: once the server has finished a line and paused (the
	 * read ended on a line end) without a match, it is a mismatch.
	 * With -A a partial match may still be completed by later lines.
	 */
	if (s->len == TCP_BUFMAX || (s->buf[s->len - 1] == '\n' &&
	    !(ps->opts->expect_all && tcp_partial(ps->opts, s->buf, s->len)))) {
		tcp_shown(shown, sizeof(shown), s->buf, s->len);
		psess_fail(ps, FAIL_EXPECT, "unexpected response: %s", shown);
		return tcp_finish(s);
	}
	return PA_WAIT;
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
	char		 shown[80];

	if (s->state == TCP_EXPECT) {
		if (s->len > 0) {
			tcp_shown(shown, sizeof(shown), s->buf, s->len);
			psess_fail(ps, FAIL_EXPECT, "unexpected response: %s",
			    shown);
		} else
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
}

static const char *
tcp_state_name(const struct psess *ps)
{
	return tcp_strstate(((const struct tcp_sess *)ps)->state);
}

const struct proto_ops tcp_ops = {
	.name = "tcp",
	.init = tcp_init,
	.start = tcp_start,
	.response = tcp_response,
	.tls_ready = tcp_tls_ready,
	.closed = tcp_closed,
	.rawin = tcp_rawin,
	.state = tcp_state_name
};

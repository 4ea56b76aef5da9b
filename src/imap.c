/*
 * imap.c - IMAP client: greeting, CAPABILITY, STARTTLS, LOGIN, LOGOUT.
 *
 *   GREETING [-> CAPABILITY] [-> STARTTLS -> TLS [-> CAPABILITY]]
 *     [-> LOGIN] [-> HOOK] -> LOGOUT -> DONE
 *
 * CAPABILITY is asked only when STARTTLS or LOGIN needs it: a basic
 * check says nothing but LOGOUT.  A certificate that fails
 * verification ends the session at once, before LOGIN.
 * Capabilities from the greeting's [CAPABILITY ...] code save a round
 * trip; after STARTTLS they are forgotten and asked for again (RFC 3501
 * 6.2.1).  Tags are A001, A002, ...
 *
 * Credentials go in quoted strings.  Bytes that a quoted string cannot
 * carry (CR, LF, NUL) are refused rather than sent as a literal: no
 * mailbox password contains them.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "imap.h"
#include "lineproto.h"
#include "log.h"
#include "session.h"
#include "sasl.h"
#include "util.h"

#define ENTER_SKIP	(-1)

static const char *strstate[IMAP_LAST] = {
	"INIT", "GREETING", "CAPABILITY", "STARTTLS", "TLS", "LOGIN", "HOOK",
	"LOGOUT", "DONE"
};

const char *
imap_strstate(enum imap_state st)
{
	return st < IMAP_LAST ? strstate[st] : "?";
}

/* a line ending in "{N}" or "{N+}" announces N bytes of literal */
static int
imap_literal(const char *line, size_t len, size_t *n)
{
	size_t	 i, v = 0;

	*n = 0;
	if (len < 3 || line[len - 1] != '}')
		return LPE_NONE;
	i = len - 1;
	if (i > 0 && line[i - 1] == '+')
		i--;
	if (i == 0 || !isdigit((unsigned char)line[i - 1]))
		return LPE_NONE;
	while (i > 0 && isdigit((unsigned char)line[i - 1]))
		i--;
	if (i == 0 || line[i - 1] != '{')
		return LPE_NONE;
	for (; isdigit((unsigned char)line[i]); i++) {
		v = v * 10 + (size_t)(line[i] - '0');
		if (v > IMAP_LITERAL_MAX)
			return LPE_TOOBIG;
	}
	*n = v;
	return LPE_NONE;
}

static int
imap_word(const char *p, size_t len, const char *w)
{
	return proto_word(p, len, w);
}

int
imap_classify(void *ctx, const char *line, size_t len, int *code,
    int *final)
{
	struct imap_sess	*s = ctx;
	const char		*sp, *st;
	size_t			 tlen, rest;

	*final = 0;
	*code = LP_DATA;
	if (s->literal > 0) {
		/* inside a literal: the bytes are data, not responses */
		if (len + 2 <= s->literal) {
			s->literal -= len + 2;
			return LPE_NONE;
		}
		rest = s->literal < len ? len - s->literal : 0;
		line += len - rest;
		len = rest;
		s->literal = 0;
		return imap_literal(line, len, &s->literal);
	}
	if (len == 0)
		return LPE_SHORT;
	if (line[0] == '+' && (len == 1 || line[1] == ' ')) {
		*code = LP_CONT;
		*final = 1;
		return LPE_NONE;
	}
	if (len >= 2 && line[0] == '*' && line[1] == ' ') {
		st = line + 2;
		rest = len - 2;
		if (s->tag[0] == '\0') {
			/* the greeting is the only untagged final line */
			*final = 1;
			if (imap_word(st, rest, "OK"))
				*code = LP_OK;
			else if (imap_word(st, rest, "PREAUTH"))
				*code = LP_PREAUTH;
			else if (imap_word(st, rest, "BYE"))
				*code = LP_BYE;
			else
				return LPE_SYNTAX;
			return LPE_NONE;
		}
		if (imap_word(st, rest, "BYE"))
			s->bye = 1;
		return imap_literal(line, len, &s->literal);
	}
	if ((sp = memchr(line, ' ', len)) == NULL)
		return len < 2 ? LPE_SHORT : LPE_SYNTAX;
	tlen = (size_t)(sp - line);
	if (tlen == 0)
		return LPE_SYNTAX;
	if (s->tag[0] == '\0' || tlen != strlen(s->tag) ||
	    memcmp(line, s->tag, tlen) != 0)
		return LPE_TAG;
	st = sp + 1;
	rest = len - tlen - 1;
	if (imap_word(st, rest, "OK"))
		*code = LP_OK;
	else if (imap_word(st, rest, "NO"))
		*code = LP_NO;
	else if (imap_word(st, rest, "BAD"))
		*code = LP_BAD;
	else
		return LPE_SYNTAX;
	*final = 1;
	return LPE_NONE;
}

/* capability atoms in [p, end) */
static unsigned
imap_caps_words(const char *p, const char *end, unsigned *mechs)
{
	unsigned	 caps = 0;

	while (p < end) {
		const char	*w;
		size_t		 n;

		while (p < end && *p == ' ')
			p++;
		for (w = p; p < end && *p != ' ' && *p != ']'; p++)
			;
		n = (size_t)(p - w);
		if (n == 9 && strncasecmp(w, "IMAP4rev1", 9) == 0)
			caps |= IMAP_CAP_IMAP4REV1;
		else if (n == 8 && strncasecmp(w, "STARTTLS", 8) == 0)
			caps |= IMAP_CAP_STARTTLS;
		else if (n == 13 && strncasecmp(w, "LOGINDISABLED", 13) == 0)
			caps |= IMAP_CAP_LOGINDISABLED;
		else if (n == 8 && strncasecmp(w, "LITERAL+", 8) == 0)
			caps |= IMAP_CAP_LITERALPLUS;
		else if (n == 4 && strncasecmp(w, "IDLE", 4) == 0)
			caps |= IMAP_CAP_IDLE;
		else if (n == 7 && strncasecmp(w, "UIDPLUS", 7) == 0)
			caps |= IMAP_CAP_UIDPLUS;
		else if (n == 6 && strncasecmp(w, "WITHIN", 6) == 0)
			caps |= IMAP_CAP_WITHIN;
		else if (n > 5 && strncasecmp(w, "AUTH=", 5) == 0) {
			caps |= IMAP_CAP_AUTH;
			*mechs |= sasl_mech_bit(w + 5, n - 5);
		}
		if (p < end && *p == ']')
			break;
	}
	return caps;
}

unsigned
imap_parse_caps(const struct lp_reply *r, unsigned *mechs, int *found)
{
	const char	*line, *end, *p;
	size_t		 pos = 0, len;
	unsigned	 caps = 0;

	*mechs = 0;
	*found = 0;
	while ((line = lp_reply_line(r, &pos, &len)) != NULL) {
		end = line + len;
		if (len > 13 && strncasecmp(line, "* CAPABILITY ", 13) == 0) {
			caps |= imap_caps_words(line + 13, end, mechs);
			*found = 1;
			continue;
		}
		/* "* OK [CAPABILITY ...] text" or "A001 OK [CAPABILITY ...]" */
		for (p = line; p + 12 <= end; p++)
			if (strncasecmp(p, "[CAPABILITY ", 12) == 0) {
				caps |= imap_caps_words(p + 12, end, mechs);
				*found = 1;
				break;
			}
	}
	return caps;
}

int
imap_quote(char *dst, size_t dstlen, const char *src)
{
	size_t	 o = 0;

	if (dstlen < 3)
		return -1;
	dst[o++] = '"';
	for (; *src != '\0'; src++) {
		if (*src == '\r' || *src == '\n')
			return -1;
		if (o + 4 > dstlen)
			return -1;
		if (*src == '"' || *src == '\\')
			dst[o++] = '\\';
		dst[o++] = *src;
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return (int)o;
}

int
imap_send(struct psess *ps, size_t show, const char *cmd)
{
	struct imap_sess	*s = (struct imap_sess *)ps;
	char	 line[LP_SENDMAX];
	size_t	 tl;
	int	 n, rc;

	snprintf(s->tag, sizeof(s->tag), "A%03u", ++s->ntag % 1000);
	n = snprintf(line, sizeof(line), "%s %s", s->tag, cmd);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		explicit_bzero(line, sizeof(line));
		return -1;
	}
	tl = strlen(s->tag) + 1;
	rc = lp_send(&s->ps.lp, show == LP_PUBLIC ? LP_PUBLIC : tl + show,
	    line);
	explicit_bzero(line, sizeof(line));
	return rc;
}

unsigned
imap_caps(const struct psess *ps)
{
	return ((const struct imap_sess *)ps)->caps;
}

static void
imap_set_state(struct imap_sess *s, enum imap_state st)
{
	psess_trace_state(&s->ps, strstate[s->state], strstate[st]);
	s->state = st;
}

static int
imap_login_pending(const struct imap_sess *s)
{
	return s->ps.user != NULL && s->ps.user[0] != '\0' && !s->authed;
}

static enum imap_state
imap_next(const struct imap_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;
	int			 need_tls, need_login;

	if (s->stop)
		return IMAP_LOGOUT;
	if (o->cert_only && s->ps.tls)
		return IMAP_LOGOUT;
	/* nothing more for a peer whose certificate failed */
	if (s->ps.untrusted)
		return IMAP_LOGOUT;
	need_tls = s->ps.tlsmode == TLS_STARTTLS && !s->ps.tls;
	need_login = imap_login_pending(s);
	/* a basic check asks nothing a plugin would not ask */
	if (!s->cap_known && (need_tls || need_login))
		return IMAP_CAPABILITY;
	if (need_tls)
		return IMAP_STARTTLS;
	if (need_login)
		return IMAP_LOGIN;
	if (s->ps.hook != NULL && !s->hook_done)
		return IMAP_HOOK;
	return IMAP_LOGOUT;
}

static int
imap_send_failed(struct imap_sess *s)
{
	if (!(s->state == IMAP_LOGOUT && s->ps.failed))
		psess_fail(&s->ps, FAIL_INTERNAL, "cannot send in state %s: %s",
		    strstate[s->state], s->ps.lp.error);
	imap_set_state(s, IMAP_DONE);
	return PA_DONE;
}

static int
imap_enter_login(struct imap_sess *s)
{
	char	 u[2 * PROBE_STR_MAX + 3], p[2 * PROBE_STR_MAX + 3];
	char	 cmd[LP_SENDMAX];
	int	 n, rc = -1;

	if (!s->ps.tls && !s->ps.opts->auth_plaintext) {
		psess_fail(&s->ps, FAIL_CONFIG,
		    "refusing to log in without TLS (auth_plaintext not set)");
		s->stop = 1;
		return ENTER_SKIP;
	}
	if (s->caps & IMAP_CAP_LOGINDISABLED) {
		psess_fail(&s->ps, FAIL_AUTH,
		    "LOGIN disabled by the server (LOGINDISABLED)");
		s->stop = 1;
		return ENTER_SKIP;
	}
	if (imap_quote(u, sizeof(u), s->ps.user) == -1 ||
	    imap_quote(p, sizeof(p), s->ps.pass) == -1) {
		explicit_bzero(p, sizeof(p));
		psess_fail(&s->ps, FAIL_CONFIG,
		    "credentials cannot be sent as IMAP strings");
		s->stop = 1;
		return ENTER_SKIP;
	}
	psess_phase_begin(&s->ps, PH_AUTH);
	n = snprintf(cmd, sizeof(cmd), "LOGIN %s %s", u, p);
	if (n > 0 && (size_t)n < sizeof(cmd))
		rc = imap_send(&s->ps, 6, cmd);
	explicit_bzero(p, sizeof(p));
	explicit_bzero(cmd, sizeof(cmd));
	return rc == 0 ? PA_WAIT : imap_send_failed(s);
}

static int
imap_enter_state(struct imap_sess *s, enum imap_state st)
{
	int	 rc = 0;

	imap_set_state(s, st);
	switch (st) {
	case IMAP_CAPABILITY:
		psess_phase_begin(&s->ps, PH_HELLO);
		rc = imap_send(&s->ps, LP_PUBLIC, "CAPABILITY");
		break;
	case IMAP_STARTTLS:
		if (s->preauth) {
			psess_fail(&s->ps, FAIL_TLS,
			    "PREAUTH greeting: STARTTLS not possible");
			s->stop = 1;
			return ENTER_SKIP;
		}
		if (!(s->caps & IMAP_CAP_STARTTLS)) {
			psess_fail(&s->ps, FAIL_TLS, "STARTTLS not offered");
			s->stop = 1;
			return ENTER_SKIP;
		}
		psess_phase_begin(&s->ps, PH_STARTTLS);
		rc = imap_send(&s->ps, LP_PUBLIC, "STARTTLS");
		break;
	case IMAP_LOGIN:
		return imap_enter_login(s);
	case IMAP_HOOK:
		rc = s->ps.hook->enter(&s->ps, s->ps.hook->arg);
		if (rc == PA_NEXT) {
			s->hook_done = 1;
			return ENTER_SKIP;
		}
		if (rc == PA_DONE)
			imap_set_state(s, IMAP_DONE);
		return rc;
	case IMAP_LOGOUT:
		psess_phase_begin(&s->ps, PH_QUIT);
		rc = imap_send(&s->ps, LP_PUBLIC, "LOGOUT");
		break;
	case IMAP_DONE:
		return PA_DONE;
	default:
		psess_fail(&s->ps, FAIL_INTERNAL, "bad IMAP state %d", st);
		imap_set_state(s, IMAP_DONE);
		return PA_DONE;
	}
	return rc == 0 ? PA_WAIT : imap_send_failed(s);
}

static int
imap_advance(struct imap_sess *s)
{
	int	 rc;

	if (s->ps.untrusted && imap_login_pending(s))
		psess_withhold(&s->ps, "credentials");

	for (;;) {
		rc = imap_enter_state(s, imap_next(s));
		if (rc != ENTER_SKIP)
			return rc;
	}
}

static int
imap_greeting(struct imap_sess *s, const struct lp_reply *r)
{
	const char	*exp = s->ps.opts->expect;
	char		 rs[96];
	int		 found;

	psess_phase_end(&s->ps, PH_GREETING);
	psess_replystr(r, rs, sizeof(rs));
	if (r->code == LP_BYE) {
		/* the server hangs up after a BYE greeting */
		psess_fail(&s->ps, FAIL_GREETING, "greeting refused: %s", rs);
		imap_set_state(s, IMAP_DONE);
		return PA_DONE;
	}
	s->caps = imap_parse_caps(r, &s->auth_mechs, &found);
	s->cap_known = found;
	if (r->code == LP_PREAUTH) {
		s->preauth = 1;
		s->authed = 1;
	}
	if (exp[0] != '\0' && strstr(r->text, exp) == NULL) {
		psess_fail(&s->ps, FAIL_EXPECT,
		    "greeting does not contain \"%s\": %s", exp, rs);
		s->stop = 1;
	}
	return imap_advance(s);
}

static int
imap_response(struct psess *ps, const struct lp_reply *r)
{
	struct imap_sess	*s = (struct imap_sess *)ps;
	char			 rs[96];
	int			 rc, found;

	psess_reply(ps, r);
	psess_replystr(r, rs, sizeof(rs));
	if (r->code == LP_CONT) {
		/*
		 * We send no literals and no AUTHENTICATE, so there is
		 * nothing to continue; the server now takes whatever comes
		 * next as data, so not even LOGOUT can be said safely.  As
		 * a greeting, "+" is no greeting at all.
		 */
		psess_fail(ps, FAIL_PROTOCOL,
		    "unexpected continuation request in state %s: %s",
		    strstate[s->state], rs);
		imap_set_state(s, IMAP_DONE);
		return PA_DONE;
	}
	switch (s->state) {
	case IMAP_GREETING:
		return imap_greeting(s, r);
	case IMAP_CAPABILITY:
		psess_phase_end(ps, PH_HELLO);
		if (r->code != LP_OK) {
			psess_fail(ps, FAIL_REPLY, "CAPABILITY: %s", rs);
			s->stop = 1;
			break;
		}
		s->caps = imap_parse_caps(r, &s->auth_mechs, &found);
		s->cap_known = 1;
		break;
	case IMAP_STARTTLS:
		psess_phase_end(ps, PH_STARTTLS);
		if (r->code == LP_OK) {
			imap_set_state(s, IMAP_TLS);
			return PA_STARTTLS;
		}
		psess_fail(ps, FAIL_TLS, "STARTTLS refused: %s", rs);
		s->stop = 1;
		break;
	case IMAP_LOGIN:
		psess_phase_end(ps, PH_AUTH);
		if (r->code == LP_OK) {
			unsigned	 c, m;

			s->authed = 1;
			/* servers list more capabilities once logged in */
			c = imap_parse_caps(r, &m, &found);
			if (found)
				s->caps |= c;
		} else {
			psess_fail(ps, FAIL_AUTH, "login failed: %s", rs);
			s->stop = 1;
		}
		break;
	case IMAP_HOOK:
		rc = ps->hook->response(ps, r, ps->hook->arg);
		if (rc == PA_WAIT)
			return PA_WAIT;
		if (rc == PA_DONE) {
			imap_set_state(s, IMAP_DONE);
			return PA_DONE;
		}
		s->hook_done = 1;
		break;
	case IMAP_LOGOUT:
		psess_phase_end(ps, PH_QUIT);
		if (r->code != LP_OK)
			psess_fail(ps, FAIL_REPLY, "LOGOUT: %s", rs);
		imap_set_state(s, IMAP_DONE);
		return PA_DONE;
	default:
		psess_fail(ps, FAIL_PROTOCOL, "unexpected reply in state %s: %s",
		    strstate[s->state], rs);
		imap_set_state(s, IMAP_DONE);
		return PA_DONE;
	}
	return imap_advance(s);
}

static void
imap_init(struct psess *ps)
{
	struct imap_sess	*s = (struct imap_sess *)ps;

	s->state = IMAP_INIT;
	ps->lp.classify = imap_classify;
	ps->lp.cctx = s;
	ps->lp.linemax = IMAP_LINEMAX;
	/* untagged responses may come at any time (RFC 3501 7) */
	ps->lp.forbid_trailing = 0;
}

static int
imap_start(struct psess *ps)
{
	struct imap_sess	*s = (struct imap_sess *)ps;

	psess_phase_begin(ps, PH_GREETING);
	imap_set_state(s, IMAP_GREETING);
	return PA_WAIT;
}

static int
imap_tls_ready(struct psess *ps)
{
	struct imap_sess	*s = (struct imap_sess *)ps;

	s->cap_known = 0;
	s->caps = 0;
	s->auth_mechs = 0;
	return imap_advance(s);
}

static int
imap_closed(struct psess *ps)
{
	struct imap_sess	*s = (struct imap_sess *)ps;

	if (s->state == IMAP_LOGOUT)
		psess_phase_end(ps, PH_QUIT);	/* BYE, then hung up */
	else if (s->state != IMAP_DONE)
		psess_fail(ps, FAIL_CLOSED, "connection closed by server %s%s%s",
		    s->bye ? "(BYE) " : "",
		    ps->lp.in_reply ? "inside a reply in state " : "in state ",
		    strstate[s->state]);
	imap_set_state(s, IMAP_DONE);
	return PA_DONE;
}

static const char *
imap_state_name(const struct psess *ps)
{
	return imap_strstate(((const struct imap_sess *)ps)->state);
}

const struct proto_ops imap_ops = {
	.name = "imap",
	.token = LT_IMAP,
	.sess_size = sizeof(struct imap_sess),
	.init = imap_init,
	.start = imap_start,
	.response = imap_response,
	.tls_ready = imap_tls_ready,
	.closed = imap_closed,
	.rawin = NULL,
	.state = imap_state_name
};

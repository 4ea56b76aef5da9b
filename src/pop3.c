/*
 * pop3.c - POP3 client: greeting, CAPA, STLS, USER/PASS, QUIT.
 *
 *   GREETING [-> CAPA] [-> STLS -> TLS [-> CAPA]] [-> USER -> PASS]
 *     [-> HOOK] -> QUIT -> DONE
 *
 * CAPA is sent only when STLS or a login needs it: a basic check says
 * nothing but QUIT, as check_pop does (and some servers answer CAPA
 * with a bare "+OK").  CAPA is optional (RFC 2449): -ERR is tolerated,
 * and then STLS and USER are tried blindly.  Any configured login
 * mechanism means USER/PASS here.  A certificate that fails
 * verification ends the session at once, before USER.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lineproto.h"
#include "log.h"
#include "pop3.h"
#include "session.h"
#include "util.h"

#define ENTER_SKIP	(-1)

static const char *strstate[POP3_LAST] = {
	"INIT", "GREETING", "CAPA", "STLS", "TLS", "USER", "PASS", "HOOK",
	"QUIT", "DONE"
};

const char *
pop3_strstate(enum pop3_state st)
{
	return st < POP3_LAST ? strstate[st] : "?";
}

void
pop3_multiline(struct psess *ps)
{
	struct pop3_sess	*s = (struct pop3_sess *)ps;

	s->multiline = 1;
}

int
pop3_classify(void *ctx, const char *line, size_t len, int *code,
    int *final)
{
	struct pop3_sess	*s = ctx;

	if (s != NULL && s->in_body) {
		if (len == 1 && line[0] == '.') {
			s->in_body = 0;
			*code = LP_OK;
			*final = 1;
		} else {
			*code = LP_DATA;
			*final = 0;
		}
		return LPE_NONE;
	}
	if (len >= 3 && memcmp(line, "+OK", 3) == 0 &&
	    (len == 3 || line[3] == ' ')) {
		*code = LP_OK;
		*final = 1;
		if (s != NULL && s->multiline) {
			s->multiline = 0;
			s->in_body = 1;
			*final = 0;
		}
		return LPE_NONE;
	}
	if (len >= 4 && memcmp(line, "-ERR", 4) == 0 &&
	    (len == 4 || line[4] == ' ')) {
		if (s != NULL)
			s->multiline = 0;
		*code = LP_NO;
		*final = 1;
		return LPE_NONE;
	}
	return len < 3 ? LPE_SHORT : LPE_SYNTAX;
}

unsigned
pop3_parse_capa(const struct lp_reply *r)
{
	const char	*line;
	size_t		 pos = 0, len;
	unsigned	 caps = 0;
	int		 first = 1;

	while ((line = lp_reply_line(r, &pos, &len)) != NULL) {
		if (first) {		/* the +OK line */
			first = 0;
			continue;
		}
		if (proto_word(line, len, "STLS"))
			caps |= POP3_CAP_STLS;
		else if (proto_word(line, len, "USER"))
			caps |= POP3_CAP_USER;
		else if (proto_word(line, len, "UIDL"))
			caps |= POP3_CAP_UIDL;
		else if (proto_word(line, len, "TOP"))
			caps |= POP3_CAP_TOP;
		else if (proto_word(line, len, "SASL"))
			caps |= POP3_CAP_SASL;
		else if (proto_word(line, len, "PIPELINING"))
			caps |= POP3_CAP_PIPELINING;
	}
	return caps;
}

static void
pop3_set_state(struct pop3_sess *s, enum pop3_state st)
{
	psess_trace_state(&s->ps, strstate[s->state], strstate[st]);
	s->state = st;
}

static int
pop3_login_pending(const struct pop3_sess *s)
{
	return s->ps.user != NULL && s->ps.user[0] != '\0' && !s->authed;
}

static enum pop3_state
pop3_next(const struct pop3_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;
	int			 need_stls, need_login;

	if (s->stop)
		return POP3_QUIT;
	if (o->cert_only && s->ps.tls)
		return POP3_QUIT;
	/* nothing more for a peer whose certificate failed */
	if (s->ps.untrusted)
		return POP3_QUIT;
	need_stls = s->ps.tlsmode == TLS_STARTTLS && !s->ps.tls;
	need_login = pop3_login_pending(s);
	/* a basic check asks nothing a plugin would not ask */
	if (!s->capa_done && (need_stls || need_login))
		return POP3_CAPA;
	if (need_stls)
		return POP3_STLS;
	if (need_login)
		return POP3_USER;
	if (s->ps.hook != NULL && !s->hook_done)
		return POP3_HOOK;
	return POP3_QUIT;
}

static int
pop3_send_failed(struct pop3_sess *s)
{
	if (!(s->state == POP3_QUIT && s->ps.failed))
		psess_fail(&s->ps, FAIL_INTERNAL, "cannot send in state %s: %s",
		    strstate[s->state], s->ps.lp.error);
	pop3_set_state(s, POP3_DONE);
	return PA_DONE;
}

static int
pop3_enter_state(struct pop3_sess *s, enum pop3_state st)
{
	struct lineproto	*lp = &s->ps.lp;
	char			 line[LP_SENDMAX];
	int			 rc = 0, n;

	pop3_set_state(s, st);
	switch (st) {
	case POP3_CAPA:
		psess_phase_begin(&s->ps, PH_HELLO);
		pop3_multiline(&s->ps);
		rc = lp_send(lp, LP_PUBLIC, "CAPA");
		break;
	case POP3_STLS:
		if (s->capa_ok && !(s->caps & POP3_CAP_STLS)) {
			psess_fail(&s->ps, FAIL_TLS, "STLS not offered");
			s->stop = 1;
			return ENTER_SKIP;
		}
		psess_phase_begin(&s->ps, PH_STARTTLS);
		rc = lp_send(lp, LP_PUBLIC, "STLS");
		break;
	case POP3_USER:
		if (s->capa_ok && !(s->caps & POP3_CAP_USER)) {
			/* RFC 2449 6.2: no USER in CAPA, no USER/PASS */
			psess_fail(&s->ps, FAIL_AUTH, "USER/PASS not offered "
			    "(no USER capability)");
			s->stop = 1;
			return ENTER_SKIP;
		}
		if (!s->ps.tls && !s->ps.opts->auth_plaintext) {
			psess_fail(&s->ps, FAIL_CONFIG,
			    "refusing to log in without TLS (auth_plaintext "
			    "not set)");
			s->stop = 1;
			return ENTER_SKIP;
		}
		psess_phase_begin(&s->ps, PH_AUTH);
		rc = lp_sendf(lp, "USER %s", s->ps.user);
		break;
	case POP3_PASS:
		n = snprintf(line, sizeof(line), "PASS %s", s->ps.pass);
		if (n < 0 || (size_t)n >= sizeof(line))
			rc = -1;
		else
			rc = lp_send(lp, 5, line);
		explicit_bzero(line, sizeof(line));
		break;
	case POP3_HOOK:
		rc = s->ps.hook->enter(&s->ps, s->ps.hook->arg);
		if (rc == PA_NEXT) {
			s->hook_done = 1;
			return ENTER_SKIP;
		}
		if (rc == PA_DONE)
			pop3_set_state(s, POP3_DONE);
		return rc;
	case POP3_QUIT:
		psess_phase_begin(&s->ps, PH_QUIT);
		rc = lp_send(lp, LP_PUBLIC, "QUIT");
		break;
	case POP3_DONE:
		return PA_DONE;
	default:
		psess_fail(&s->ps, FAIL_INTERNAL, "bad POP3 state %d", st);
		pop3_set_state(s, POP3_DONE);
		return PA_DONE;
	}
	return rc == 0 ? PA_WAIT : pop3_send_failed(s);
}

static int
pop3_advance(struct pop3_sess *s)
{
	int	 rc;

	if (s->ps.untrusted && pop3_login_pending(s))
		psess_withhold(&s->ps, "credentials");

	for (;;) {
		rc = pop3_enter_state(s, pop3_next(s));
		if (rc != ENTER_SKIP)
			return rc;
	}
}

static void
pop3_greeting(struct pop3_sess *s, const struct lp_reply *r)
{
	const char	*exp = s->ps.opts->expect;
	char		 rs[96];

	psess_phase_end(&s->ps, PH_GREETING);
	psess_replystr(r, rs, sizeof(rs));
	if (r->code != LP_OK) {
		psess_fail(&s->ps, FAIL_GREETING, "greeting refused: %s", rs);
		s->stop = 1;
	} else if (exp[0] != '\0' && strstr(r->text, exp) == NULL) {
		psess_fail(&s->ps, FAIL_EXPECT,
		    "greeting does not contain \"%s\": %s", exp, rs);
		s->stop = 1;
	}
}

static int
pop3_response(struct psess *ps, const struct lp_reply *r)
{
	struct pop3_sess	*s = (struct pop3_sess *)ps;
	char			 rs[96];
	int			 rc;

	psess_reply(ps, r);
	psess_replystr(r, rs, sizeof(rs));
	switch (s->state) {
	case POP3_GREETING:
		pop3_greeting(s, r);
		break;
	case POP3_CAPA:
		psess_phase_end(ps, PH_HELLO);
		s->capa_done = 1;
		s->capa_ok = r->code == LP_OK;
		s->caps = s->capa_ok ? pop3_parse_capa(r) : 0;
		break;
	case POP3_STLS:
		psess_phase_end(ps, PH_STARTTLS);
		if (r->code == LP_OK) {
			pop3_set_state(s, POP3_TLS);
			return PA_STARTTLS;
		}
		psess_fail(ps, FAIL_TLS, "STLS refused: %s", rs);
		s->stop = 1;
		break;
	case POP3_USER:
		if (r->code == LP_OK)
			return pop3_enter_state(s, POP3_PASS);
		psess_phase_end(ps, PH_AUTH);
		psess_fail(ps, FAIL_AUTH, "USER rejected: %s", rs);
		s->stop = 1;
		break;
	case POP3_PASS:
		psess_phase_end(ps, PH_AUTH);
		if (r->code == LP_OK)
			s->authed = 1;
		else {
			psess_fail(ps, FAIL_AUTH, "login failed: %s", rs);
			s->stop = 1;
		}
		break;
	case POP3_HOOK:
		rc = ps->hook->response(ps, r, ps->hook->arg);
		if (rc == PA_WAIT)
			return PA_WAIT;
		if (rc == PA_DONE) {
			pop3_set_state(s, POP3_DONE);
			return PA_DONE;
		}
		s->hook_done = 1;
		break;
	case POP3_QUIT:
		psess_phase_end(ps, PH_QUIT);
		if (r->code != LP_OK)
			psess_fail(ps, FAIL_REPLY, "QUIT: %s", rs);
		pop3_set_state(s, POP3_DONE);
		return PA_DONE;
	default:
		psess_fail(ps, FAIL_PROTOCOL, "unexpected reply in state %s: %s",
		    strstate[s->state], rs);
		pop3_set_state(s, POP3_DONE);
		return PA_DONE;
	}
	return pop3_advance(s);
}

static void
pop3_init(struct psess *ps)
{
	struct pop3_sess	*s = (struct pop3_sess *)ps;

	s->state = POP3_INIT;
	ps->lp.classify = pop3_classify;
	ps->lp.cctx = s;
	ps->lp.linemax = LP_LINEMAX_DEFAULT;
	ps->lp.forbid_trailing = 1;
}

static int
pop3_start(struct psess *ps)
{
	struct pop3_sess	*s = (struct pop3_sess *)ps;

	psess_phase_begin(ps, PH_GREETING);
	pop3_set_state(s, POP3_GREETING);
	return PA_WAIT;
}

static int
pop3_tls_ready(struct psess *ps)
{
	struct pop3_sess	*s = (struct pop3_sess *)ps;

	/* RFC 2595 4: capabilities may change after STLS */
	s->capa_done = 0;
	s->capa_ok = 0;
	s->caps = 0;
	return pop3_advance(s);
}

static int
pop3_closed(struct psess *ps)
{
	struct pop3_sess	*s = (struct pop3_sess *)ps;

	if (s->state == POP3_QUIT)
		psess_phase_end(ps, PH_QUIT);
	else if (s->state != POP3_DONE)
		psess_fail(ps, FAIL_CLOSED, "connection closed by server %s%s",
		    ps->lp.in_reply ? "inside a reply in state " :
		    "in state ", strstate[s->state]);
	pop3_set_state(s, POP3_DONE);
	return PA_DONE;
}

static const char *
pop3_state_name(const struct psess *ps)
{
	return pop3_strstate(((const struct pop3_sess *)ps)->state);
}

const struct proto_ops pop3_ops = {
	.name = "pop3",
	.token = LT_POP3,
	.sess_size = sizeof(struct pop3_sess),
	.init = pop3_init,
	.start = pop3_start,
	.response = pop3_response,
	.tls_ready = pop3_tls_ready,
	.closed = pop3_closed,
	.rawin = NULL,
	.state = pop3_state_name
};

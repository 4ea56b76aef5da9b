/*
 * smtp.c - SMTP/LMTP client: greeting, EHLO, STARTTLS, AUTH, MAIL/RCPT,
 * the open-relay test, custom commands and QUIT.
 *
 * One command at a time, never before the complete greeting (Postfix
 * postscreen drops clients that talk first) and never pipelined, even
 * when PIPELINING is offered: a probe has nothing to gain from it and
 * smtpd_forbid_unauth_pipelining rejects it.  Every reply is checked,
 * MAIL FROM included.
 *
 * smtp_next() derives the next state from what has been done so far,
 * so the order of steps is written down in one place:
 *
 *   BANNER -> EHLO [-> HELO] [-> STARTTLS -> TLS -> EHLO]
 *     -> (relay: MAIL -> RCPT -> RSET) -> AUTH
 *     -> (relay after AUTH: MAIL -> RCPT -> RSET)
 *     -> MAIL -> RCPT... [-> DATA -> BODY] -> CMD... [-> RSET]
 *     -> QUIT -> DONE
 *
 * The custom commands (check_smtp -C) run inside the transaction that
 * -f opened, so "-f a@b -C 'RCPT TO:<c@d>'" asks what it means to ask.
 * A certificate that fails verification ends the session at once
 * (QUIT): no credential, address or message goes to such a peer.
 *
 * After a failure the machine still resets an open transaction and
 * says QUIT, so a failing probe does not leave "lost connection" noise
 * in the server's log.
 */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lineproto.h"
#include "log.h"
#include "session.h"
#include "sasl.h"
#include "smtp.h"
#include "util.h"

#define ENTER_SKIP	(-1)	/* nothing sent: pick the next state */

static const char *strstate[SMTP_LAST] = {
	"INIT", "BANNER", "EHLO", "HELO", "STARTTLS", "TLS", "AUTH", "CMD",
	"MAIL", "RCPT", "DATA", "BODY", "RSET", "QUIT", "DONE"
};

static const struct sasl_proto smtp_sasl = {
	.cmd = "AUTH",
	.cont_code = 334,
	.ok_code = 235,
	.initial = 1
};

static int	smtp_advance(struct smtp_sess *);

const char *
smtp_strstate(enum smtp_state st)
{
	if (st >= SMTP_LAST)
		return "?";
	return strstate[st];
}

int
smtp_classify(void *ctx, const char *line, size_t len, int *code,
    int *final)
{
	(void)ctx;
	if (len < 3)
		return LPE_SHORT;
	if (line[0] < '1' || line[0] > '5' || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]))
		return LPE_CODE;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (len == 3 || line[3] == ' ')
		*final = 1;
	else if (line[3] == '-')
		*final = 0;
	else
		return LPE_CODE;
	return LPE_NONE;
}

unsigned
smtp_parse_ehlo(const struct lp_reply *r, unsigned *mechs, long long *size)
{
	const char	*line;
	size_t		 pos = 0, len;
	unsigned	 caps = 0;
	int		 first = 1;

	*mechs = 0;
	*size = 0;
	while ((line = lp_reply_line(r, &pos, &len)) != NULL) {
		const char	*kw, *p, *end;

		if (first) {		/* "250-mx.example.org Hello" */
			first = 0;
			continue;
		}
		if (len <= 4)
			continue;
		kw = line + 4;
		end = line + len;
		if (proto_word(kw, (size_t)(end - kw), "STARTTLS"))
			caps |= SMTP_CAP_STARTTLS;
		else if (proto_word(kw, (size_t)(end - kw), "PIPELINING"))
			caps |= SMTP_CAP_PIPELINING;
		else if (proto_word(kw, (size_t)(end - kw), "8BITMIME"))
			caps |= SMTP_CAP_8BITMIME;
		else if (proto_word(kw, (size_t)(end - kw), "SMTPUTF8"))
			caps |= SMTP_CAP_SMTPUTF8;
		else if (proto_word(kw, (size_t)(end - kw), "ENHANCEDSTATUSCODES"))
			caps |= SMTP_CAP_ENHANCED;
		else if (proto_word(kw, (size_t)(end - kw), "CHUNKING"))
			caps |= SMTP_CAP_CHUNKING;
		else if (proto_word(kw, (size_t)(end - kw), "DSN"))
			caps |= SMTP_CAP_DSN;
		else if (proto_word(kw, (size_t)(end - kw), "SIZE")) {
			long long	 v = 0;

			caps |= SMTP_CAP_SIZE;
			for (p = kw + 4; p < end && *p == ' '; p++)
				;
			/* bounded: a silly number must not overflow */
			for (; p < end && isdigit((unsigned char)*p); p++) {
				v = v * 10 + (*p - '0');
				if (v > SMTP_SIZE_MAX) {
					v = SMTP_SIZE_MAX;
					break;
				}
			}
			*size = v;
		} else if (end - kw >= 4 && strncasecmp(kw, "AUTH", 4) == 0 &&
		    (end - kw == 4 || kw[4] == ' ' || kw[4] == '=')) {
			/* "AUTH PLAIN LOGIN" and the old "AUTH=PLAIN LOGIN" */
			caps |= SMTP_CAP_AUTH;
			p = kw + 4;
			while (p < end) {
				const char	*w;

				while (p < end && (*p == ' ' || *p == '='))
					p++;
				for (w = p; p < end && *p != ' '; p++)
					;
				if (p > w)
					*mechs |= sasl_mech_bit(w, (size_t)(p - w));
			}
		}
	}
	return caps;
}

static const char *
smtp_helo_name(char *buf, size_t len)
{
	/*
	 * Strict servers reject a short name (reject_non_fqdn_helo_hostname),
	 * so without a dot fall back to a syntactically valid FQDN.  Set
	 * helo in the configuration to be precise.
	 */
	if (gethostname(buf, len) == -1 || buf[0] == '\0' ||
	    strchr(buf, '.') == NULL || strpbrk(buf, " \r\n") != NULL)
		mm_strlcpy(buf, "localhost.localdomain", len);
	buf[len - 1] = '\0';
	return buf;
}

static int
smtp_want_auth(const struct smtp_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;

	if (o->auth == AUTH_NONE)
		return 0;
	if (s->ps.mode == MODE_RELAY)
		return o->relay_auth_check;
	return 1;
}

static int
smtp_want_mail(const struct smtp_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;

	return o->mail_from[0] != '\0' || o->nrcpt > 0 || s->ps.body != NULL;
}

static enum fail_class
smtp_failclass(const struct smtp_sess *s)
{
	return s->ps.mode == MODE_DELIVERY ? FAIL_SUBMIT : FAIL_REPLY;
}

static enum smtp_state
smtp_next(const struct smtp_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;
	int			 relay = s->ps.mode == MODE_RELAY;

	if (s->need_rset || (s->stop && s->txn_open))
		return SMTP_RSET;
	if (s->stop)
		return SMTP_QUIT;
	if (o->cert_only && s->ps.tls)
		return SMTP_QUIT;
	/* nothing more for a peer whose certificate failed */
	if (s->ps.untrusted)
		return SMTP_QUIT;
	if (!s->helo_done)
		return SMTP_EHLO;
	if (s->ps.tlsmode == TLS_STARTTLS && !s->ps.tls)
		return SMTP_STARTTLS;
	if (relay && !s->relay_done[0])
		return SMTP_MAIL;
	if (smtp_want_auth(s) && !s->authed)
		return SMTP_AUTH;
	/* check_smtp -f: MAIL FROM first, the -C commands run inside it */
	if (!relay && smtp_want_mail(s) && !s->mail_done)
		return SMTP_MAIL;
	if (!relay && s->icmd < o->ncmd)
		return SMTP_CMD;
	if (relay && smtp_want_auth(s) && !s->relay_done[1])
		return SMTP_MAIL;
	if (s->txn_open)
		return SMTP_RSET;
	return SMTP_QUIT;
}

static void
smtp_set_state(struct smtp_sess *s, enum smtp_state st)
{
	psess_trace_state(&s->ps, strstate[s->state], strstate[st]);
	s->state = st;
}

static int
smtp_send_failed(struct smtp_sess *s)
{
	psess_fail(&s->ps, FAIL_INTERNAL, "cannot send in state %s: %s",
	    strstate[s->state], s->ps.lp.error);
	smtp_set_state(s, SMTP_DONE);
	return PA_DONE;
}

static const char *
smtp_from(const struct smtp_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;

	if (s->ps.mode == MODE_RELAY && o->mail_from[0] == '\0')
		return RELAY_FROM_DEFAULT;
	return o->mail_from;
}

static const char *
smtp_rcpt(const struct smtp_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;

	if (s->ps.mode == MODE_RELAY)
		return o->nrcpt > 0 ? o->rcpt_to[0] : RELAY_RCPT_DEFAULT;
	return o->rcpt_to[s->ircpt];
}

static int
smtp_enter_auth(struct smtp_sess *s)
{
	const struct probe_opts	*o = s->ps.opts;
	char			 line[LP_SENDMAX];
	enum auth_mech		 mech;
	size_t			 show = 0;
	int			 rc;

	if (!s->ps.tls && !o->auth_plaintext) {
		psess_fail(&s->ps, FAIL_CONFIG,
		    "refusing AUTH without TLS (auth_plaintext not set)");
		s->stop = 1;
		return ENTER_SKIP;
	}
	if (!(s->caps & SMTP_CAP_AUTH)) {
		psess_fail(&s->ps, FAIL_AUTH, "AUTH not offered");
		s->stop = 1;
		return ENTER_SKIP;
	}
	if ((mech = sasl_pick(o->auth, s->auth_mechs)) == AUTH_NONE) {
		psess_fail(&s->ps, FAIL_AUTH, "AUTH %s not offered",
		    o->auth == AUTH_AUTO ? "PLAIN or LOGIN" :
		    sasl_mech_name(o->auth));
		s->stop = 1;
		return ENTER_SKIP;
	}
	psess_phase_begin(&s->ps, PH_AUTH);
	s->auth_cancel = 0;
	rc = sasl_start(&s->sasl, &smtp_sasl, mech, s->ps.user, s->ps.pass,
	    "", line, sizeof(line), &show);
	if (rc != SASL_SEND) {
		explicit_bzero(line, sizeof(line));
		psess_fail(&s->ps, FAIL_CONFIG, "credentials too long");
		s->stop = 1;
		return ENTER_SKIP;
	}
	rc = lp_send(&s->ps.lp, show, line);
	explicit_bzero(line, sizeof(line));
	return rc == 0 ? PA_WAIT : smtp_send_failed(s);
}

/* send the command of state st */
static int
smtp_enter_state(struct smtp_sess *s, enum smtp_state st)
{
	const struct probe_opts	*o = s->ps.opts;
	struct lineproto	*lp = &s->ps.lp;
	char			 name[256];
	int			 rc = 0;

	smtp_set_state(s, st);
	switch (st) {
	case SMTP_EHLO:
		psess_phase_begin(&s->ps, PH_HELLO);
		rc = lp_sendf(lp, "%s %s", o->lmtp ? "LHLO" : "EHLO",
		    o->helo[0] != '\0' ? o->helo :
		    smtp_helo_name(name, sizeof(name)));
		break;
	case SMTP_HELO:
		rc = lp_sendf(lp, "HELO %s", o->helo[0] != '\0' ? o->helo :
		    smtp_helo_name(name, sizeof(name)));
		break;
	case SMTP_STARTTLS:
		if (!(s->caps & SMTP_CAP_STARTTLS)) {
			psess_fail(&s->ps, FAIL_TLS, "STARTTLS not offered");
			s->stop = 1;
			return ENTER_SKIP;
		}
		psess_phase_begin(&s->ps, PH_STARTTLS);
		rc = lp_send(lp, LP_PUBLIC, "STARTTLS");
		break;
	case SMTP_AUTH:
		return smtp_enter_auth(s);
	case SMTP_CMD:
		rc = lp_send(lp, LP_PUBLIC, o->cmd[s->icmd]);
		break;
	case SMTP_MAIL:
		psess_phase_begin(&s->ps, PH_MAIL);
		s->ircpt = 0;
		s->nrcpt_ok = 0;
		s->relay_phase = s->authed ? 1 : 0;
		rc = lp_sendf(lp, "MAIL FROM:<%s>", smtp_from(s));
		break;
	case SMTP_RCPT:
		rc = lp_sendf(lp, "RCPT TO:<%s>", smtp_rcpt(s));
		break;
	case SMTP_DATA:
		rc = lp_send(lp, LP_PUBLIC, "DATA");
		break;
	case SMTP_RSET:
		rc = lp_send(lp, LP_PUBLIC, "RSET");
		break;
	case SMTP_QUIT:
		psess_phase_begin(&s->ps, PH_QUIT);
		s->quit_sent = 1;
		rc = lp_send(lp, LP_PUBLIC, "QUIT");
		break;
	case SMTP_DONE:
		return PA_DONE;
	default:
		psess_fail(&s->ps, FAIL_INTERNAL, "bad SMTP state %d", st);
		smtp_set_state(s, SMTP_DONE);
		return PA_DONE;
	}
	if (rc == -1) {
		/* nothing more can be said on this connection */
		if (st == SMTP_QUIT && s->ps.failed) {
			smtp_set_state(s, SMTP_DONE);
			return PA_DONE;
		}
		return smtp_send_failed(s);
	}
	return PA_WAIT;
}

static int
smtp_advance(struct smtp_sess *s)
{
	int	 rc;

	if (s->ps.untrusted && smtp_want_auth(s) && !s->authed)
		psess_withhold(&s->ps, "credentials");

	/* each skip sets a flag that moves smtp_next() on: bounded */
	for (;;) {
		rc = smtp_enter_state(s, smtp_next(s));
		if (rc != ENTER_SKIP)
			return rc;
	}
}

/* greeting: 220 required, expect anchored to the code when numeric */
static void
smtp_greeting(struct smtp_sess *s, const struct lp_reply *r)
{
	const char	*exp = s->ps.opts->expect;
	char		 rs[96], codestr[16];
	size_t		 pos = 0, len = 0, elen = strlen(exp), i;
	const char	*first;
	int		 numeric = elen > 0;

	psess_phase_end(&s->ps, PH_GREETING);
	psess_replystr(r, rs, sizeof(rs));
	if (r->code >= 400) {
		psess_fail(&s->ps, FAIL_GREETING, "greeting refused: %s", rs);
		s->stop = 1;
		return;
	}
	for (i = 0; i < elen; i++)
		if (!isdigit((unsigned char)exp[i]))
			numeric = 0;
	if (numeric) {
		snprintf(codestr, sizeof(codestr), "%d", r->code);
		if (strncmp(codestr, exp, elen) != 0) {
			psess_fail(&s->ps, FAIL_EXPECT,
			    "greeting %d, expected %s", r->code, exp);
			s->stop = 1;
		}
		return;
	}
	if (r->code != 220) {
		psess_fail(&s->ps, FAIL_GREETING, "unexpected greeting: %s", rs);
		s->stop = 1;
		return;
	}
	if (elen > 0) {
		first = lp_reply_line(r, &pos, &len);
		if (first == NULL || len < 4 ||
		    memmem(first + 4, len - 4, exp, elen) == NULL) {
			psess_fail(&s->ps, FAIL_EXPECT,
			    "greeting does not contain \"%s\": %s", exp, rs);
			s->stop = 1;
		}
	}
}

static void
smtp_cmd_reply(struct smtp_sess *s, const struct lp_reply *r)
{
	const char	*re = s->ps.opts->cmd_expect[s->icmd];
	char		 rs[96];
	regex_t		 rx;
	int		 n = s->icmd + 1;

	s->icmd++;
	psess_replystr(r, rs, sizeof(rs));
	if (re[0] == '\0') {
		if (r->code >= 400) {
			psess_fail(&s->ps, FAIL_REPLY, "command %d: %s", n, rs);
			s->stop = 1;
		}
		return;
	}
	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0) {
		psess_fail(&s->ps, FAIL_CONFIG, "bad expression for command %d",
		    n);
		s->stop = 1;
		return;
	}
	if (regexec(&rx, r->text, 0, NULL, 0) != 0) {
		psess_fail(&s->ps, FAIL_EXPECT,
		    "reply to command %d does not match: %s", n, rs);
		s->stop = 1;
	}
	regfree(&rx);
}

static int
smtp_mail_reply(struct smtp_sess *s, const struct lp_reply *r)
{
	char	 rs[96];
	int	 cls = r->code / 100;

	psess_replystr(r, rs, sizeof(rs));
	if (cls == 2 && s->ps.mode != MODE_RELAY && s->ps.opts->nrcpt == 0) {
		/* MAIL FROM alone (check_smtp -f): commands, then RSET */
		psess_phase_end(&s->ps, PH_MAIL);
		s->mail_done = 1;
		s->txn_open = 1;
		return smtp_advance(s);
	}
	if (cls == 2)
		return smtp_enter_state(s, SMTP_RCPT);
	s->need_rset = 1;
	if (s->ps.mode == MODE_RELAY && s->relay_phase == 0) {
		s->relay_done[0] = 1;
		if (cls == 5)
			psess_note(&s->ps, "relay denied at MAIL: %s", rs);
		else {
			psess_fail_status(&s->ps, FAIL_REPLY, STATUS_WARNING,
			    "relay test inconclusive: MAIL %s", rs);
			s->stop = 1;
		}
		return smtp_advance(s);
	}
	if (s->ps.mode == MODE_RELAY)
		psess_fail(&s->ps, FAIL_REPLY,
		    "authenticated relay refused: MAIL %s", rs);
	else
		psess_fail(&s->ps, smtp_failclass(s), "MAIL FROM rejected: %s",
		    rs);
	s->stop = 1;
	return smtp_advance(s);
}

static int
smtp_rcpt_reply(struct smtp_sess *s, const struct lp_reply *r)
{
	const struct probe_opts	*o = s->ps.opts;
	char			 rs[96];
	int			 cls = r->code / 100;

	psess_replystr(r, rs, sizeof(rs));
	if (s->ps.mode == MODE_RELAY) {
		s->need_rset = 1;
		psess_phase_end(&s->ps, PH_MAIL);
		if (s->relay_phase == 0) {
			s->relay_done[0] = 1;
			if (cls == 2) {
				psess_fail(&s->ps, FAIL_OPEN_RELAY,
				    "open relay: accepted RCPT TO:<%s>: %s",
				    smtp_rcpt(s), rs);
				s->stop = 1;
			} else if (cls == 5)
				psess_note(&s->ps, "relay denied: %s", rs);
			else {
				psess_fail_status(&s->ps, FAIL_REPLY,
				    STATUS_WARNING,
				    "relay test inconclusive: RCPT %s", rs);
				s->stop = 1;
			}
		} else {
			s->relay_done[1] = 1;
			if (cls == 2)
				psess_note(&s->ps, "relay denied, accepted "
				    "after AUTH");
			else {
				psess_fail(&s->ps, FAIL_REPLY,
				    "authenticated relay refused: RCPT %s", rs);
				s->stop = 1;
			}
		}
		return smtp_advance(s);
	}
	if (cls != 2) {
		s->need_rset = 1;
		psess_fail(&s->ps, smtp_failclass(s), "RCPT TO rejected: %s",
		    rs);
		s->stop = 1;
		return smtp_advance(s);
	}
	s->nrcpt_ok++;
	s->ircpt++;
	if (s->ircpt < o->nrcpt)
		return smtp_enter_state(s, SMTP_RCPT);
	if (s->ps.body != NULL)
		return smtp_enter_state(s, SMTP_DATA);
	psess_phase_end(&s->ps, PH_MAIL);
	s->mail_done = 1;
	s->txn_open = 1;
	return smtp_advance(s);
}

static int
smtp_response(struct psess *ps, const struct lp_reply *r)
{
	struct smtp_sess	*s = (struct smtp_sess *)ps;
	char			 rs[96], line[LP_SENDMAX];
	size_t			 show = 0;
	int			 cls = r->code / 100, rc;

	/*
	 * RSET only tidies up: its "250 Ok" would hide the reply that
	 * decided the result (a relay refusal, the RCPT answer).
	 */
	if (s->state != SMTP_RSET)
		psess_reply(ps, r);
	psess_replystr(r, rs, sizeof(rs));
	switch (s->state) {
	case SMTP_BANNER:
		smtp_greeting(s, r);
		break;
	case SMTP_EHLO:
		if (cls == 2) {
			s->caps = smtp_parse_ehlo(r, &s->auth_mechs, &s->size);
			s->helo_done = 1;
			psess_phase_end(ps, PH_HELLO);
		} else if (cls == 5 && !ps->opts->lmtp)
			return smtp_enter_state(s, SMTP_HELO);
		else {
			psess_phase_end(ps, PH_HELLO);
			psess_fail(ps, FAIL_REPLY, "%s rejected: %s",
			    ps->opts->lmtp ? "LHLO" : "EHLO", rs);
			s->stop = 1;
		}
		break;
	case SMTP_HELO:
		psess_phase_end(ps, PH_HELLO);
		s->caps = 0;
		s->auth_mechs = 0;
		if (cls == 2)
			s->helo_done = 1;
		else {
			psess_fail(ps, FAIL_REPLY, "HELO rejected: %s", rs);
			s->stop = 1;
		}
		break;
	case SMTP_STARTTLS:
		psess_phase_end(ps, PH_STARTTLS);
		if (r->code == 220) {
			smtp_set_state(s, SMTP_TLS);
			return PA_STARTTLS;
		}
		psess_fail(ps, FAIL_TLS, "STARTTLS refused: %s", rs);
		s->stop = 1;
		break;
	case SMTP_AUTH:
		if (s->auth_cancel) {
			/* the answer to "*" (501) only closes the exchange */
			psess_phase_end(ps, PH_AUTH);
			s->stop = 1;
			break;
		}
		rc = sasl_next(&s->sasl, r->code, line, sizeof(line), &show);
		if (rc == SASL_SEND) {
			rc = lp_send(&ps->lp, show, line);
			explicit_bzero(line, sizeof(line));
			return rc == 0 ? PA_WAIT : smtp_send_failed(s);
		}
		if (rc == SASL_FAIL && r->code == smtp_sasl.cont_code) {
			/*
			 * A challenge the mechanism has no answer for.  The
			 * server still waits for a base64 line, so a QUIT now
			 * would be read as one: cancel first (RFC 4954 4).
			 * The credentials are never sent a second time.
			 */
			psess_fail(ps, FAIL_AUTH, "authentication failed: "
			    "unexpected challenge after the last response: %s",
			    rs);
			s->auth_cancel = 1;
			rc = lp_send(&ps->lp, LP_PUBLIC, "*");
			return rc == 0 ? PA_WAIT : smtp_send_failed(s);
		}
		psess_phase_end(ps, PH_AUTH);
		if (rc == SASL_OK)
			s->authed = 1;
		else {
			psess_fail(ps, FAIL_AUTH, "authentication failed: %s",
			    rs);
			s->stop = 1;
		}
		break;
	case SMTP_CMD:
		smtp_cmd_reply(s, r);
		break;
	case SMTP_MAIL:
		return smtp_mail_reply(s, r);
	case SMTP_RCPT:
		return smtp_rcpt_reply(s, r);
	case SMTP_DATA:
		if (r->code == 354) {
			smtp_set_state(s, SMTP_BODY);
			if (smtp_send_body(&ps->lp, ps->body, ps->bodylen) == -1)
				return smtp_send_failed(s);
			return PA_WAIT;
		}
		s->need_rset = 1;
		psess_fail(ps, smtp_failclass(s), "DATA rejected: %s", rs);
		s->stop = 1;
		break;
	case SMTP_BODY:
		psess_phase_end(ps, PH_MAIL);
		s->mail_done = 1;
		if (cls == 2) {
			s->data_ok = 1;
			/* a delivery probe measures from this very moment */
			if (ps->accepted != NULL && ps->clock != NULL)
				*ps->accepted = ps->clock(ps->clock_arg);
		} else {
			psess_fail(ps, smtp_failclass(s),
			    "message rejected: %s", rs);
			s->stop = 1;
		}
		break;
	case SMTP_RSET:
		s->need_rset = 0;
		s->txn_open = 0;
		if (cls != 2) {
			psess_fail(ps, FAIL_REPLY, "RSET rejected: %s", rs);
			s->stop = 1;
		}
		break;
	case SMTP_QUIT:
		psess_phase_end(ps, PH_QUIT);
		if (cls != 2)
			psess_fail(ps, FAIL_REPLY, "QUIT: %s", rs);
		smtp_set_state(s, SMTP_DONE);
		return PA_DONE;
	default:
		psess_fail(ps, FAIL_PROTOCOL, "unexpected reply in state %s: %s",
		    strstate[s->state], rs);
		smtp_set_state(s, SMTP_DONE);
		return PA_DONE;
	}
	return smtp_advance(s);
}

static void
smtp_init(struct psess *ps)
{
	struct smtp_sess	*s = (struct smtp_sess *)ps;

	s->state = SMTP_INIT;
	ps->lp.classify = smtp_classify;
	ps->lp.cctx = s;
	ps->lp.linemax = LP_LINEMAX_DEFAULT;
	ps->lp.same_code = 1;
	/* we never pipeline, so nothing may follow a reply */
	ps->lp.forbid_trailing = 1;
}

static int
smtp_start(struct psess *ps)
{
	struct smtp_sess	*s = (struct smtp_sess *)ps;

	psess_phase_begin(ps, PH_GREETING);
	smtp_set_state(s, SMTP_BANNER);
	return PA_WAIT;
}

static int
smtp_tls_ready(struct psess *ps)
{
	struct smtp_sess	*s = (struct smtp_sess *)ps;

	/* RFC 3207 4.2: forget everything learnt before TLS */
	s->helo_done = 0;
	s->caps = 0;
	s->auth_mechs = 0;
	return smtp_advance(s);
}

static int
smtp_closed(struct psess *ps)
{
	struct smtp_sess	*s = (struct smtp_sess *)ps;

	if (s->state == SMTP_QUIT)
		psess_phase_end(ps, PH_QUIT);	/* hung up instead of 221 */
	else if (s->state != SMTP_DONE)
		psess_fail(ps, FAIL_CLOSED, "connection closed by server %s%s",
		    ps->lp.in_reply ? "inside a reply in state " :
		    "in state ", strstate[s->state]);
	smtp_set_state(s, SMTP_DONE);
	return PA_DONE;
}

static const char *
smtp_state_name(const struct psess *ps)
{
	return smtp_strstate(((const struct smtp_sess *)ps)->state);
}

int
smtp_send_body(struct lineproto *lp, const char *body, size_t len)
{
	char	 buf[1024];
	size_t	 o = 0, i;
	int	 bol = 1;

	if (body == NULL)
		len = 0;
	for (i = 0; i < len; i++) {
		/* room for ".", "\r\n" and the byte itself */
		if (o + 4 > sizeof(buf)) {
			if (lp_send_raw(lp, buf, o) == -1)
				return -1;
			o = 0;
		}
		if (bol && body[i] == '.')
			buf[o++] = '.';
		if (body[i] == '\n') {
			if (i == 0 || body[i - 1] != '\r')
				buf[o++] = '\r';
			bol = 1;
		} else if (body[i] == '\r' && i + 1 < len && body[i + 1] == '\n')
			bol = 0;
		else
			bol = 0;
		buf[o++] = body[i];
	}
	if (o + 5 > sizeof(buf)) {
		if (lp_send_raw(lp, buf, o) == -1)
			return -1;
		o = 0;
	}
	if (!bol) {
		buf[o++] = '\r';
		buf[o++] = '\n';
	}
	memcpy(buf + o, ".\r\n", 3);
	o += 3;
	return lp_send_raw(lp, buf, o);
}

const struct proto_ops smtp_ops = {
	.name = "smtp",
	.token = LT_SMTP,
	.sess_size = sizeof(struct smtp_sess),
	.init = smtp_init,
	.start = smtp_start,
	.response = smtp_response,
	.tls_ready = smtp_tls_ready,
	.closed = smtp_closed,
	.rawin = NULL,
	.state = smtp_state_name
};

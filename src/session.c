/*
 * session.c - the services a protocol machine calls: failures with
 * their reasons, the reply operators see, phase timings, traces, and
 * the wake-up and credential-withholding requests to the driver.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lineproto.h"
#include "log.h"
#include "session.h"
#include "util.h"

void
psess_init(struct psess *ps, const struct proto_ops *ops,
    const struct probe_opts *o, struct probe_result *res, lp_write_fn write,
    void *warg, int64_t (*clock)(void *), void *clock_arg)
{
	int	 i;

	lp_init(&ps->lp, ops->token, NULL, NULL, write, warg);
	ps->ops = ops;
	ps->opts = o;
	ps->res = res;
	ps->mode = o->mode;
	ps->tlsmode = o->tls;
	ps->user = o->user;
	ps->pass = o->pass;
	ps->lp.secret = o->pass;
	ps->tls = 0;
	ps->failed = 0;
	ps->status = STATUS_OK;
	ps->clock = clock;
	ps->clock_arg = clock_arg;
	for (i = 0; i < PH_LAST; i++)
		ps->ph_t0[i] = -1;
	ps->wake_at = 0;
	ps->untrusted = 0;
	ps->hook = NULL;
	ps->body = NULL;
	ps->bodylen = 0;
	ps->accepted = NULL;
	if (ops->init != NULL)
		ops->init(ps);
}

/* server text about to be kept: hide the password and SASL tokens */
static void
psess_mask(struct psess *ps, char *s)
{
	lp_mask(s, ps->pass);
	lp_mask(s, ps->lp.sent_secret);
}

void
psess_vfail(struct psess *ps, enum fail_class f, enum probe_status st,
    const char *fmt, va_list ap)
{
	if (ps->failed &&
	    probe_status_rank(st) <= probe_status_rank(ps->status))
		return;		/* keep the first of equal severity */
	ps->failed = 1;
	ps->status = st;
	ps->res->fail = f;
	vsnprintf(ps->res->reason, sizeof(ps->res->reason), fmt, ap);
	/* reasons quote server text, and servers echo what they got */
	psess_mask(ps, ps->res->reason);
	log_debug(ps->ops->token, "%s%sfailure %s: %s", ps->opts->name,
	    ps->opts->name[0] != '\0' ? ": " : "", probe_fail_name(f),
	    ps->res->reason);
}

void
psess_fail(struct psess *ps, enum fail_class f, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	psess_vfail(ps, f, probe_fail_status(f), fmt, ap);
	va_end(ap);
}

void
psess_fail_status(struct psess *ps, enum fail_class f, enum probe_status st,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	psess_vfail(ps, f, st, fmt, ap);
	va_end(ap);
}

void
psess_note(struct psess *ps, const char *fmt, ...)
{
	va_list	 ap;

	if (ps->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->res->reason, sizeof(ps->res->reason), fmt, ap);
	va_end(ap);
	psess_mask(ps, ps->res->reason);
}

void
psess_reply(struct psess *ps, const struct lp_reply *r)
{
	char	 tmp[PROBE_TEXT_MAX];
	size_t	 n = r->len < sizeof(tmp) - 1 ? r->len : sizeof(tmp) - 1;
	size_t	 i;

	/*
	 * The reply operators need is the one that decided the result: keep
	 * the failing reply, and never let the reply to QUIT/LOGOUT (sent
	 * after a failure too, to leave politely) replace it.
	 */
	if (ps->ph_t0[PH_QUIT] >= 0)
		return;
	if (ps->failed && ps->res->fail != FAIL_CERT_INVALID &&
	    ps->res->fail != FAIL_CERT_EXPIRING)
		return;
	/*
	 * One line for SNMP and plugin output: the first line of a
	 * multi-line reply (an EHLO list says nothing an operator needs),
	 * with SMTP's continuation dash shown as the final line's space.
	 */
	memcpy(tmp, r->text, n);
	for (i = 0; i < n; i++)
		if (tmp[i] == '\n') {
			n = i;
			break;
		}
	if (r->nlines > 1 && n > 3 && tmp[3] == '-' &&
	    isdigit((unsigned char)tmp[0]))
		tmp[3] = ' ';
	ps->res->reply_code = r->code;
	mm_sanitize(ps->res->reply_text, sizeof(ps->res->reply_text), tmp, n);
	psess_mask(ps, ps->res->reply_text);
	explicit_bzero(tmp, sizeof(tmp));
}

const char *
psess_replystr(const struct lp_reply *r, char *buf, size_t len)
{
	const char	*last = lp_reply_last(r);

	mm_sanitize(buf, len, last, strlen(last));
	return buf;
}

int64_t
psess_now(struct psess *ps)
{
	return ps->clock != NULL ? ps->clock(ps->clock_arg) : 0;
}

void
psess_wake(struct psess *ps, int64_t t)
{
	ps->wake_at = t;
}

void
psess_withhold(struct psess *ps, const char *what)
{
	size_t	 len = strlen(ps->res->reason);

	if (strstr(ps->res->reason, "withheld") != NULL)
		return;
	snprintf(ps->res->reason + len, sizeof(ps->res->reason) - len,
	    "; %s withheld", what);
	log_debug(ps->ops->token, "%s%s%s not sent: certificate not trusted",
	    ps->opts->name, ps->opts->name[0] != '\0' ? ": " : "", what);
}

void
psess_phase_begin(struct psess *ps, enum probe_phase ph)
{
	if ((unsigned)ph < PH_LAST)
		ps->ph_t0[ph] = psess_now(ps);
}

void
psess_phase_end(struct psess *ps, enum probe_phase ph)
{
	int64_t	 d;

	if ((unsigned)ph >= PH_LAST || ps->ph_t0[ph] < 0)
		return;
	d = psess_now(ps) - ps->ph_t0[ph];
	if (d < 0)
		d = 0;
	/* re-EHLO after STARTTLS adds to the same phase */
	ps->res->t[ph] = (ps->res->t[ph] < 0 ? 0 : ps->res->t[ph]) + d;
	ps->ph_t0[ph] = -1;
}

void
psess_trace_state(const struct psess *ps, const char *from, const char *to)
{
	if (strcmp(from, to) == 0)
		return;
	log_debug(ps->ops->token, "%s%s%s -> %s", ps->opts->name,
	    ps->opts->name[0] != '\0' ? ": " : "", from, to);
}

int
proto_word(const char *s, size_t len, const char *word)
{
	size_t	 n = strlen(word);

	if (len < n || strncasecmp(s, word, n) != 0)
		return 0;
	return len == n || s[n] == ' ' || s[n] == '\t';
}


/*
 * delivery.c - the delivery round trip: submit, poll the mailbox, delete.
 *
 * Composer states:
 *   INIT -> SUBMIT -> WAIT <-> POLL -> DONE
 *
 * SUBMIT runs the SMTP leg with the test message; smtp.c stamps the
 * clock at the 250 to the end of data.  WAIT sleeps until the next poll:
 * the first one DLV_POLL_FIRST_MS after the 250, then intervals growing
 * by half up to DLV_POLL_MAX_MS, never beyond the delivery deadline (a
 * last poll is made right at it).  POLL runs one mailbox session with
 * the mailbox step (struct mbox) as its post-login hook.  The latency
 * is measured from the 250 to the reply that showed the message.
 *
 * Tokens (token.h) tell our message from others; the mailbox step
 * (mbox.h) finds it and deletes it with the leftovers of earlier runs.
 */
#include "config.h"

#include <sys/random.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "delivery.h"
#include "ev.h"
#include "lineproto.h"
#include "log.h"
#include "mbox.h"
#include "probe.h"
#include "token.h"
#include "util.h"

enum dlv_state {
	DS_INIT = 0,
	DS_SUBMIT,
	DS_WAIT,
	DS_POLL,
	DS_DONE,
	DS_LAST
};

static const char *strstate[DS_LAST] = {
	"INIT", "SUBMIT", "WAIT", "POLL", "DONE"
};

struct delivery {
	struct ev		*ev;
	struct probe_opts	 o;		/* our copy; secrets wiped at the end */
	probe_done_cb		 cb;
	void			*arg;

	enum dlv_state		 state;
	struct probe		*leg;		/* the session under way */
	struct ev_timer		*timer;
	struct probe_result	 res;
	enum probe_status	 status;	/* of res.fail so far */

	char			 token[DLV_TOKEN_MAX];
	char			 prefix[DLV_TOKEN_MAX];
	char			 body[DLV_BODY_MAX];
	size_t			 bodylen;

	int64_t			 t0;
	int64_t			 deadline;	/* whole probe */
	int64_t			 accepted;	/* clock at the 250; 0 = none */
	int64_t			 window_end;	/* accepted + the deadline */
	int			 interval_ms;
	int			 npoll;

	struct psess_hook	 hook;
	struct mbox		 box;
};

int
dlv_backoff(int prev_ms)
{
	int	 n;

	if (prev_ms <= 0)
		return DLV_POLL_FIRST_MS;
	n = prev_ms + prev_ms / 2;
	return n > DLV_POLL_MAX_MS ? DLV_POLL_MAX_MS : n;
}

/* RFC 5322 date in English whatever the locale */
static void
dlv_date(char *buf, size_t len, time_t now)
{
	static const char *wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	    "Sat" };
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;

	if (gmtime_r(&now, &tm) == NULL) {
		mm_strlcpy(buf, "Thu, 01 Jan 1970 00:00:00 +0000", len);
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    wd[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

size_t
dlv_message(char *buf, size_t len, const struct probe_opts *o,
    const char *token, time_t now)
{
	const char	*from = o->mail_from[0] != '\0' ? o->mail_from :
	    o->rcpt_to[0];
	const char	*at = strrchr(from, '@');
	char		 date[64];
	int		 n;

	dlv_date(date, sizeof(date), now);
	n = snprintf(buf, len,
	    "From: mailmon <%s>\n"
	    "To: <%s>\n"
	    "Subject: %s\n"
	    "Date: %s\n"
	    "Message-ID: <%s@%s>\n"
	    DLV_HEADER ": %s\n"
	    "Auto-Submitted: auto-generated\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "Delivery test message of the mailmon probe \"%s\".\n"
	    "It is deleted as soon as the probe finds it.\n",
	    from, o->rcpt_to[0], token, date, token,
	    at != NULL && at[1] != '\0' ? at + 1 : "localhost",
	    token, o->name[0] != '\0' ? o->name : "delivery");
	if (n < 0 || (size_t)n >= len)
		return 0;
	return (size_t)n;
}

/* results */

static int
is_conn_class(enum fail_class f)
{
	switch (f) {
	case FAIL_DNS:
	case FAIL_REFUSED:
	case FAIL_CONNECT_TIMEOUT:
	case FAIL_NETWORK:
	case FAIL_CLOSED:
	case FAIL_PROTOCOL:
	case FAIL_TLS:
	case FAIL_CERT_INVALID:
	case FAIL_CERT_EXPIRING:
	case FAIL_TIMEOUT:
	case FAIL_CONFIG:
	case FAIL_INTERNAL:
		return 1;
	default:
		return 0;
	}
}

/* "<lead><reason>", cut to fit: reasons are bounded, never reallocated */
static void
dlv_reason(struct probe_result *dst, const char *lead, const char *reason)
{
	mm_strlcpy(dst->reason, lead, sizeof(dst->reason));
	mm_strlcat(dst->reason, reason, sizeof(dst->reason));
}

void
dlv_leg_fail(struct probe_result *dst, const struct probe_result *leg,
    int mailbox)
{
	dst->status = leg->status;
	dst->reply_code = leg->reply_code;
	mm_strlcpy(dst->reply_text, leg->reply_text, sizeof(dst->reply_text));
	if (is_conn_class(leg->fail) || leg->fail == FAIL_SLOW) {
		/*
		 * The submission leg is the probe's own server: its
		 * connection classes stand as they are.  On the mailbox leg
		 * "refused" or "timeout" alone would blame the MX, so the
		 * class names the leg and the reason keeps the cause.
		 */
		dst->fail = leg->fail;
		/*
		 * A certificate that failed stays cert_invalid: the
		 * credentials were withheld, and that is what to fix.
		 */
		if (mailbox && leg->status == STATUS_CRITICAL &&
		    leg->fail != FAIL_CONFIG && leg->fail != FAIL_INTERNAL &&
		    leg->fail != FAIL_CERT_INVALID)
			dst->fail = FAIL_MAILBOX;
		dlv_reason(dst, mailbox ? "mailbox: " : "submission: ",
		    leg->reason);
		return;
	}
	dst->fail = mailbox ? FAIL_MAILBOX : FAIL_SUBMIT;
	if (dst->status == STATUS_OK || dst->status == STATUS_WARNING)
		dst->status = STATUS_CRITICAL;
	if (leg->fail == FAIL_AUTH && mailbox)
		/* "mailbox login failed: ..." */
		dlv_reason(dst, "mailbox ", leg->reason);
	else if (leg->fail == FAIL_SUBMIT)
		dlv_reason(dst, "submission refused: ", leg->reason);
	else
		dlv_reason(dst, mailbox ? "mailbox: " : "submission: ",
		    leg->reason);
}

/* the composer */

static void	dlv_poll(void *);

static void
dlv_set_state(struct delivery *d, enum dlv_state st)
{
	if (d->state != st)
		log_debug(LT_DELIVERY, "%s%s%s -> %s", d->o.name,
		    d->o.name[0] != '\0' ? ": " : "", strstate[d->state],
		    strstate[st]);
	d->state = st;
}

static void
dlv_free(struct delivery *d)
{
	if (d->leg != NULL)
		probe_cancel(d->leg);
	ev_timer_free(d->timer);
	explicit_bzero(d->o.pass, sizeof(d->o.pass));
	explicit_bzero(d->o.mbox.pass, sizeof(d->o.mbox.pass));
	free(d);
}

static void
dlv_finish(struct delivery *d)
{
	struct probe_result	 res;
	probe_done_cb		 cb = d->cb;
	void			*arg = d->arg;

	dlv_set_state(d, DS_DONE);
	d->res.t[PH_TOTAL] = ev_now_update(d->ev) - d->t0;
	mm_strlcpy(d->res.token, d->token, sizeof(d->res.token));
	if (d->res.reason[0] == '\0')
		snprintf(d->res.reason, sizeof(d->res.reason), "delivery ok");
	res = d->res;
	d->leg = NULL;
	dlv_free(d);
	cb(&res, arg);
}

/* keep the worse of what is stored and a leg's non-fatal finding */
static void
dlv_keep(struct delivery *d, const struct probe_result *leg, int mailbox)
{
	struct probe_result	 tmp = d->res;

	if (probe_status_rank(leg->status) <= probe_status_rank(d->status))
		return;
	dlv_leg_fail(&tmp, leg, mailbox);
	d->res.fail = tmp.fail;
	d->res.status = d->status = leg->status;
	mm_strlcpy(d->res.reason, tmp.reason, sizeof(d->res.reason));
}

/* the 250 is in the past; wait for the next poll */
static void
dlv_schedule(struct delivery *d)
{
	int64_t	 now = ev_now_update(d->ev), at;

	d->interval_ms = dlv_backoff(d->interval_ms);
	at = (d->npoll == 0 ? d->accepted : now) +
	    (int64_t)d->interval_ms * 1000;
	if (at > d->window_end)
		at = d->window_end;
	if (at < now)
		at = now;
	dlv_set_state(d, DS_WAIT);
	ev_timer_at(d->timer, at);
}

static int64_t
dlv_budget_ms(struct delivery *d)
{
	int64_t	 left = (d->deadline - ev_now_update(d->ev)) / 1000;

	if (left > d->o.timeout_ms)
		left = d->o.timeout_ms;
	return left < 1 ? 1 : left;
}

static void
dlv_mbox_opts(struct delivery *d, struct probe_opts *m)
{
	const struct probe_opts	*o = &d->o;

	*m = *o;
	m->mode = o->mbox.proto;
	if (o->mbox.host[0] != '\0') {
		mm_strlcpy(m->host, o->mbox.host, sizeof(m->host));
		if (strcmp(o->mbox.host, o->host) != 0)
			m->sni[0] = '\0';
	}
	m->port = o->mbox.port;
	m->tls = o->mbox.tls;
	mm_strlcpy(m->user, o->mbox.user, sizeof(m->user));
	mm_strlcpy(m->pass, o->mbox.pass, sizeof(m->pass));
	m->auth = AUTH_NONE;
	m->timeout_ms = (int)dlv_budget_ms(d);
	if (m->step_timeout_ms > m->timeout_ms)
		m->step_timeout_ms = m->timeout_ms;
	/* thresholds and checks of the submission leg stay there */
	m->warn_ms = m->crit_ms = 0;
	m->cert_warn_days = m->cert_crit_days = 0;
	m->cert_only = 0;
	m->lmtp = 0;
	m->expect[0] = '\0';
	m->ncmd = 0;
	m->nrcpt = 0;
	m->mail_from[0] = '\0';
	m->relay_auth_check = 0;
	m->delivery_warn_ms = m->delivery_crit_ms = 0;
}

static void
dlv_poll_done(const struct probe_result *r, void *arg)
{
	struct delivery	*d = arg;
	struct mbox	*b = &d->box;
	int64_t		 lat, now = ev_now_update(d->ev);
	const struct probe_opts *o = &d->o;

	d->leg = NULL;
	d->npoll++;
	log_debug(LT_DELIVERY, "%s%spoll %d: %s%s", o->name,
	    o->name[0] != '\0' ? ": " : "", d->npoll,
	    b->found ? "found" : b->searched ? "not yet" : "failed",
	    b->nstale > 0 ? ", stale test mail deleted" : "");
	if (!b->searched || (r->status != STATUS_OK &&
	    r->status != STATUS_WARNING)) {
		dlv_leg_fail(&d->res, r, 1);
		d->status = d->res.status;
		dlv_finish(d);
		return;
	}
	if (r->status == STATUS_WARNING)
		dlv_keep(d, r, 1);
	if (!b->found) {
		if (now >= d->window_end) {
			d->res.fail = FAIL_NOT_DELIVERED;
			d->res.status = d->status = STATUS_CRITICAL;
			snprintf(d->res.reason, sizeof(d->res.reason),
			    "not delivered within %d ms (%d polls)",
			    o->delivery_deadline_ms, d->npoll);
			dlv_finish(d);
			return;
		}
		dlv_schedule(d);
		return;
	}

	lat = b->seen_at - d->accepted;
	if (lat < 1)
		lat = 1;
	d->res.t[PH_DELIVERY] = lat;
	if (o->delivery_crit_ms > 0 &&
	    lat >= (int64_t)o->delivery_crit_ms * 1000) {
		d->res.fail = FAIL_SLOW;
		d->res.status = d->status = STATUS_CRITICAL;
		snprintf(d->res.reason, sizeof(d->res.reason),
		    "delivery slow: %lld ms", (long long)(lat / 1000));
	} else if (o->delivery_warn_ms > 0 &&
	    lat >= (int64_t)o->delivery_warn_ms * 1000 &&
	    probe_status_rank(d->status) < probe_status_rank(STATUS_WARNING)) {
		d->res.fail = FAIL_SLOW;
		d->res.status = d->status = STATUS_WARNING;
		snprintf(d->res.reason, sizeof(d->res.reason),
		    "delivery slow: %lld ms", (long long)(lat / 1000));
	} else if (d->status == STATUS_OK)
		snprintf(d->res.reason, sizeof(d->res.reason),
		    "delivered in %lld ms via %s (%d poll%s%s)",
		    (long long)(lat / 1000), probe_mode_name(o->mbox.proto),
		    d->npoll, d->npoll == 1 ? "" : "s",
		    b->nstale > 0 ? ", stale test mail deleted" : "");
	dlv_finish(d);
}

/* the mailbox step of the mailbox's protocol, as the session's hook */
static void
dlv_box_hook(struct delivery *d)
{
	if (d->box.proto == MODE_POP3)
		mbox_pop3_hook(&d->box, &d->hook);
	else
		mbox_imap_hook(&d->box, &d->hook);
}

static void
dlv_poll(void *arg)
{
	struct delivery		*d = arg;
	struct probe_opts	 m;
	struct probe_leg	 leg;

	dlv_set_state(d, DS_POLL);
	dlv_mbox_opts(d, &m);
	mbox_reset(&d->box, time(NULL));
	dlv_box_hook(d);
	memset(&leg, 0, sizeof(leg));
	leg.hook = &d->hook;
	d->leg = probe_start(d->ev, &m, &leg, dlv_poll_done, d);
	explicit_bzero(m.pass, sizeof(m.pass));
	explicit_bzero(m.mbox.pass, sizeof(m.mbox.pass));
	if (d->leg == NULL) {
		d->res.fail = FAIL_INTERNAL;
		d->res.status = d->status = STATUS_UNKNOWN;
		mm_strlcpy(d->res.reason, "mailbox: cannot start a session",
		    sizeof(d->res.reason));
		dlv_finish(d);
	}
}

static void
dlv_submit_done(const struct probe_result *r, void *arg)
{
	struct delivery	*d = arg;
	int		 ph;

	d->leg = NULL;
	/* the submission's timings, TLS facts and reply are the probe's */
	for (ph = 0; ph < PH_DELIVERY; ph++)
		d->res.t[ph] = r->t[ph];
	d->res.cert_days = r->cert_days;
	d->res.cert_verified = r->cert_verified;
	mm_strlcpy(d->res.tls_version, r->tls_version,
	    sizeof(d->res.tls_version));
	mm_strlcpy(d->res.tls_cipher, r->tls_cipher, sizeof(d->res.tls_cipher));
	mm_strlcpy(d->res.address, r->address, sizeof(d->res.address));
	d->res.reply_code = r->reply_code;
	mm_strlcpy(d->res.reply_text, r->reply_text, sizeof(d->res.reply_text));

	if (d->accepted == 0) {
		dlv_leg_fail(&d->res, r, 0);
		if (d->res.fail == FAIL_NONE) {
			/* cannot happen: the 250 is how a leg succeeds */
			d->res.fail = FAIL_SUBMIT;
			d->res.status = STATUS_CRITICAL;
			mm_strlcpy(d->res.reason, "submission: message not "
			    "accepted", sizeof(d->res.reason));
		}
		dlv_finish(d);
		return;
	}
	/* accepted: a warning (certificate, slow submission) is kept */
	if (r->status != STATUS_OK)
		dlv_keep(d, r, 0);
	d->window_end = d->accepted + (int64_t)d->o.delivery_deadline_ms * 1000;
	log_debug(LT_DELIVERY, "%s%ssubmitted %s", d->o.name,
	    d->o.name[0] != '\0' ? ": " : "", d->token);
	dlv_schedule(d);
}

struct delivery *
delivery_start(struct ev *ev, const struct probe_opts *opts, probe_done_cb cb,
    void *arg)
{
	struct delivery		*d;
	struct probe_leg	 leg;
	unsigned char		 rnd[DLV_TOKEN_HEX / 2];
	time_t			 now = time(NULL);
	uint64_t		 mix;
	size_t			 i;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->timer = ev_timer_new(ev, dlv_poll, d)) == NULL) {
		free(d);
		return NULL;
	}
	d->ev = ev;
	d->o = *opts;
	d->cb = cb;
	d->arg = arg;
	d->state = DS_INIT;
	d->status = STATUS_OK;
	d->t0 = ev_now_update(ev);
	d->deadline = d->t0 + ((int64_t)d->o.timeout_ms +
	    d->o.delivery_deadline_ms) * 1000;
	probe_result_init(&d->res);

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(rnd)) {
		/* no entropy yet (early boot): unique enough for a test mail */
		mix = (uint64_t)d->t0 ^ ((uint64_t)getpid() << 32) ^
		    (uint64_t)(uintptr_t)d;
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(mix >> (8 * i));
	}
	if (dlv_make_token(d->token, sizeof(d->token), d->o.name, now, rnd,
	    sizeof(rnd)) == -1 ||
	    (d->bodylen = dlv_message(d->body, sizeof(d->body), &d->o, d->token,
	    now)) == 0) {
		dlv_free(d);
		return NULL;
	}
	dlv_prefix(d->prefix, sizeof(d->prefix), d->o.name);
	mbox_init(&d->box, d->o.mbox.proto, d->token, d->prefix,
	    (d->o.delivery_deadline_ms + 999) / 1000);

	memset(&leg, 0, sizeof(leg));
	leg.body = d->body;
	leg.bodylen = d->bodylen;
	leg.accepted = &d->accepted;
	dlv_set_state(d, DS_SUBMIT);
	if ((d->leg = probe_start(ev, &d->o, &leg, dlv_submit_done,
	    d)) == NULL) {
		dlv_free(d);
		return NULL;
	}
	return d;
}

void
delivery_cancel(struct delivery *d)
{
	if (d != NULL)
		dlv_free(d);
}

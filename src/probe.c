/*
 * probe.c - the probe object: DNS -> connect -> [TLS] -> protocol
 * machine -> result, and the status policy.
 *
 * Driver states:
 *   INIT -> DNS -> CONNECT -> [TLS] -> SESSION [-> STARTTLS -> SESSION]
 *     [-> FLUSH] -> DONE
 *
 * Deadlines, not inactivity timers: one ev timer per probe, armed at
 * min(step deadline, whole-probe deadline).  The step deadline is
 * stamped when a command is queued and again when it has been written
 * out (IO_LOWAT); reading never moves it, so a server that drip-feeds
 * a byte a second still times out.
 *
 * Each resolved address is tried in turn.  An attempt gets the smaller
 * of the step timeout and an equal share of what is left of the whole
 * deadline, so one black-holed address cannot eat the budget of the
 * next one.
 *
 * The result callback runs exactly once, from the loop: from an io,
 * dns or timer callback, never from probe_start() itself.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "delivery.h"
#include "dns.h"
#include "ev.h"
#include "imap.h"
#include "io.h"
#include "lineproto.h"
#include "log.h"
#include "pop3.h"
#include "probe.h"
#include "probe_priv.h"
#include "smtp.h"
#include "tcp.h"
#include "tls.h"
#include "util.h"

#define PROBE_INMAX	8192	/* > longest line (IMAP 4000) */
#define PROBE_OUTMAX	16384	/* commands, or a small delivery message */
#define TIMEOUT_DEFAULT_MS	10000
#define DELIVERY_DEADLINE_DEFAULT_MS	60000

static const char *mode_name[MODE_LAST] = {
	"tcp", "smtp", "pop3", "imap", "delivery", "relay", "mx"
};

static const char *status_name[] = {
	"ok", "warning", "critical", "unknown"
};

/* keep in step with enum fail_class and HACKING.md */
static const char *fail_name[FAIL_LAST] = {
	"none", "dns", "refused", "connect_timeout", "network", "closed",
	"greeting", "protocol", "tls", "cert_invalid", "cert_expiring",
	"auth", "reply", "expect", "timeout", "slow", "open_relay", "submit",
	"not_delivered", "mailbox", "config", "internal"
};

static const char *phase_name[PH_LAST] = {
	"dns", "connect", "tls", "greeting", "hello", "starttls", "auth",
	"mail", "quit", "delivery", "total"
};

/*
 * The status policy.  Anything that says the service is not usable is
 * CRITICAL; a mismatch of a custom expectation is WARNING (as in
 * check_smtp -R and check_tcp -e, overridable with mismatch_status);
 * certificate expiry and latency pick WARNING or CRITICAL from their
 * own thresholds; a probe that could not be run says UNKNOWN.
 *
 *   none                                   OK
 *   dns refused connect_timeout network    CRITICAL  (refused: refuse_status)
 *   closed greeting protocol tls           CRITICAL
 *   cert_invalid auth reply timeout        CRITICAL
 *   open_relay submit not_delivered        CRITICAL
 *   mailbox                                CRITICAL
 *   expect                                 WARNING   (mismatch_status)
 *   cert_expiring slow                     WARNING or CRITICAL by threshold
 *   config internal                        UNKNOWN
 */
static const enum probe_status fail_status[FAIL_LAST] = {
	[FAIL_NONE] = STATUS_OK,
	[FAIL_DNS] = STATUS_CRITICAL,
	[FAIL_REFUSED] = STATUS_CRITICAL,
	[FAIL_CONNECT_TIMEOUT] = STATUS_CRITICAL,
	[FAIL_NETWORK] = STATUS_CRITICAL,
	[FAIL_CLOSED] = STATUS_CRITICAL,
	[FAIL_GREETING] = STATUS_CRITICAL,
	[FAIL_PROTOCOL] = STATUS_CRITICAL,
	[FAIL_TLS] = STATUS_CRITICAL,
	[FAIL_CERT_INVALID] = STATUS_CRITICAL,
	[FAIL_CERT_EXPIRING] = STATUS_WARNING,
	[FAIL_AUTH] = STATUS_CRITICAL,
	[FAIL_REPLY] = STATUS_CRITICAL,
	[FAIL_EXPECT] = STATUS_WARNING,
	[FAIL_TIMEOUT] = STATUS_CRITICAL,
	[FAIL_SLOW] = STATUS_WARNING,
	[FAIL_OPEN_RELAY] = STATUS_CRITICAL,
	[FAIL_SUBMIT] = STATUS_CRITICAL,
	[FAIL_NOT_DELIVERED] = STATUS_CRITICAL,
	[FAIL_MAILBOX] = STATUS_CRITICAL,
	[FAIL_CONFIG] = STATUS_UNKNOWN,
	[FAIL_INTERNAL] = STATUS_UNKNOWN
};

enum pstate {
	PS_INIT = 0,
	PS_DNS,
	PS_CONNECT,
	PS_TLS,			/* implicit TLS handshake */
	PS_SESSION,
	PS_STARTTLS,		/* handshake after STARTTLS/STLS */
	PS_FLUSH,		/* last bytes being written */
	PS_DONE,
	PS_LAST
};

static const char *strstate[PS_LAST] = {
	"INIT", "DNS", "CONNECT", "TLS", "SESSION", "STARTTLS", "FLUSH", "DONE"
};

struct probe {
	struct ev		*ev;
	struct probe_opts	 opts;
	struct probe_result	 res;
	probe_done_cb		 cb;
	void			*arg;

	enum pstate		 state;
	struct dns_req		*dns;
	struct io		*io;
	struct ev_timer		*timer;
	SSL_CTX			*ctx;
	struct delivery		*dlv;		/* delivery: the legs run there */

	struct dns_addr		 addr[DNS_MAX_ADDRS];
	size_t			 naddr;
	size_t			 iaddr;

	int64_t			 t0;		/* probe start */
	int64_t			 deadline;	/* whole probe */
	int64_t			 step_deadline;
	int64_t			 t_phase;	/* start of connect / TLS */
	int64_t			 step_us;

	const struct proto_ops	*ops;
	union {
		struct psess		 ps;
		struct smtp_sess	 smtp;
		struct pop3_sess	 pop3;
		struct imap_sess	 imap;
		struct tcp_sess		 tcp;
	} u;
};

static void	probe_finish(struct probe *);

/* names */

const char *
probe_mode_name(enum probe_mode m)
{
	return (unsigned)m < MODE_LAST ? mode_name[m] : "?";
}

const char *
probe_status_name(enum probe_status s)
{
	return (unsigned)s <= STATUS_UNKNOWN ? status_name[s] : "?";
}

const char *
probe_fail_name(enum fail_class f)
{
	return (unsigned)f < FAIL_LAST ? fail_name[f] : "?";
}

const char *
probe_phase_name(enum probe_phase ph)
{
	return (unsigned)ph < PH_LAST ? phase_name[ph] : "?";
}

enum probe_status
probe_fail_status(enum fail_class f)
{
	return (unsigned)f < FAIL_LAST ? fail_status[f] : STATUS_UNKNOWN;
}

int
probe_status_rank(enum probe_status s)
{
	switch (s) {
	case STATUS_OK:
		return 0;
	case STATUS_WARNING:
		return 1;
	case STATUS_UNKNOWN:
		return 2;
	default:
		return 3;
	}
}

/* options */

void
probe_opts_init(struct probe_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_SMTP;
	o->family = AF_UNSPEC;
	o->tls = TLS_NONE;
	o->timeout_ms = TIMEOUT_DEFAULT_MS;
	o->tls_verify = 1;
	o->auth = AUTH_NONE;
	o->mismatch_status = -1;
	o->refuse_status = -1;
	o->mbox.proto = MODE_IMAP;
	o->delivery_deadline_ms = DELIVERY_DEADLINE_DEFAULT_MS;
}

uint16_t
probe_default_port(enum probe_mode m, enum tls_mode t)
{
	int	 implicit = t == TLS_IMPLICIT;

	switch (m) {
	case MODE_SMTP:
	case MODE_RELAY:
	case MODE_DELIVERY:
	case MODE_MX:
		return implicit ? 465 : 25;
	case MODE_POP3:
		return implicit ? 995 : 110;
	case MODE_IMAP:
		return implicit ? 993 : 143;
	default:
		return 0;
	}
}

static int
has_linebreak(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

static int
opts_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_smtp_mode(enum probe_mode m)
{
	return m == MODE_SMTP || m == MODE_RELAY || m == MODE_DELIVERY ||
	    m == MODE_MX;
}

static int
is_literal(const char *host)
{
	unsigned char	 a[16];
	char		 h[PROBE_HOST_MAX];
	size_t		 n = strlen(host);

	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
	} else
		mm_strlcpy(h, host, sizeof(h));
	return inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
}

/* the settings of domain and dual-stack probes, and the resolver */
static int
targets_finish(struct probe_opts *o, char *err, size_t errlen)
{
	char	 why[PROBE_REASON_MAX];

	if (o->dns_server[0] != '\0' &&
	    dns_servers_check(o->dns_server, why, sizeof(why)) == -1)
		return opts_err(err, errlen, "%s", why);
	if ((unsigned)o->mx_policy >= MXP_LAST)
		return opts_err(err, errlen, "unknown MX policy");
	if (o->max_mx == 0)
		o->max_mx = PROBE_MX_DEFAULT;
	if (o->max_addr == 0)
		o->max_addr = PROBE_ADDR_DEFAULT;
	if (o->max_mx < 1 || o->max_mx > PROBE_MX_MAX)
		return opts_err(err, errlen, "at most %d exchanges",
		    PROBE_MX_MAX);
	if (o->max_addr < 1 || o->max_addr > PROBE_ADDR_MAX)
		return opts_err(err, errlen, "at most %d addresses per "
		    "exchange", PROBE_ADDR_MAX);
	/* an exchange may add a row for a failed lookup of one family */
	if (o->max_mx * (o->max_addr + 1) > PROBE_TARGETS_MAX)
		return opts_err(err, errlen, "too many targets: exchanges x "
		    "(addresses + 1) must stay within %d", PROBE_TARGETS_MAX);
	if (o->family_both && o->family != AF_UNSPEC)
		return opts_err(err, errlen,
		    "--family both conflicts with IPv4 or IPv6 only");
	if (o->family_both && o->mode == MODE_DELIVERY)
		return opts_err(err, errlen,
		    "--family both is not for delivery probes");
	if (o->family_both && o->mode != MODE_MX && is_literal(o->host))
		return opts_err(err, errlen,
		    "--family both needs a host name, not an address");
	if (o->mode == MODE_MX && is_literal(o->host))
		return opts_err(err, errlen,
		    "an mx probe needs a domain name, not an address");
	return 0;
}

int
probe_opts_finish(struct probe_opts *o, char *err, size_t errlen)
{
	int	 i, login;
	regex_t	 rx;

	if ((unsigned)o->mode >= MODE_LAST)
		return opts_err(err, errlen, "unknown probe mode");
	if ((unsigned)o->tls >= TLS_LAST)
		return opts_err(err, errlen, "unknown TLS mode");
	if ((unsigned)o->auth >= AUTH_LAST)
		return opts_err(err, errlen, "unknown AUTH mechanism");
	if (o->host[0] == '\0')
		return opts_err(err, errlen, "no host given");
	if (o->family != AF_UNSPEC && o->family != AF_INET &&
	    o->family != AF_INET6)
		return opts_err(err, errlen, "bad address family");
	if (o->port == 0)
		o->port = probe_default_port(o->mode, o->tls);
	if (o->port == 0)
		return opts_err(err, errlen, "a %s probe needs a port",
		    probe_mode_name(o->mode));
	if (o->timeout_ms < 0 || o->step_timeout_ms < 0 || o->warn_ms < 0 ||
	    o->crit_ms < 0 || o->cert_warn_days < 0 || o->cert_crit_days < 0)
		return opts_err(err, errlen, "negative time or threshold");
	if (o->timeout_ms == 0)
		o->timeout_ms = TIMEOUT_DEFAULT_MS;
	if (o->step_timeout_ms == 0 || o->step_timeout_ms > o->timeout_ms)
		o->step_timeout_ms = o->timeout_ms;
	if (o->warn_ms > 0 && o->crit_ms > 0 && o->warn_ms > o->crit_ms)
		return opts_err(err, errlen,
		    "warning time above critical time");
	if (o->cert_warn_days > 0 && o->cert_crit_days > o->cert_warn_days)
		return opts_err(err, errlen,
		    "certificate critical days above warning days");
	if (o->mode == MODE_TCP && o->tls == TLS_STARTTLS)
		return opts_err(err, errlen, "no STARTTLS for tcp probes");
	if ((o->cert_only || o->cert_warn_days > 0 || o->cert_crit_days > 0) &&
	    o->tls == TLS_NONE)
		return opts_err(err, errlen, "certificate checks need TLS");
	if (o->lmtp && !is_smtp_mode(o->mode))
		return opts_err(err, errlen, "LHLO is for SMTP probes only");
	if (o->mismatch_status < -1 || o->mismatch_status > STATUS_UNKNOWN ||
	    o->refuse_status < -1 || o->refuse_status > STATUS_UNKNOWN)
		return opts_err(err, errlen, "bad status value");
	if (o->nrcpt < 0 || o->nrcpt > PROBE_MAX_RCPT || o->ncmd < 0 ||
	    o->ncmd > PROBE_MAX_CMDS)
		return opts_err(err, errlen, "too many recipients or commands");

	/* who logs in: SMTP with auth set, POP3/IMAP when a user is set */
	if (is_smtp_mode(o->mode)) {
		login = o->auth != AUTH_NONE;
		if (login && o->user[0] == '\0')
			return opts_err(err, errlen, "AUTH needs a user");
	} else
		login = o->user[0] != '\0' ||
		    (o->mode != MODE_TCP && o->auth != AUTH_NONE);
	if (login && o->mode == MODE_TCP)
		return opts_err(err, errlen, "tcp probes do not log in");
	if (login && o->user[0] == '\0')
		return opts_err(err, errlen, "login needs a user");
	if (login && o->pass[0] == '\0')
		return opts_err(err, errlen, "login needs a password");
	if (login && o->tls == TLS_NONE && !o->auth_plaintext)
		return opts_err(err, errlen, "refusing to send a password "
		    "without TLS (use STARTTLS or TLS, or allow plaintext)");
	if (targets_finish(o, err, errlen) == -1)
		return -1;
	if (o->mode == MODE_RELAY && o->relay_auth_check &&
	    o->auth == AUTH_NONE)
		return opts_err(err, errlen,
		    "the authenticated relay check needs AUTH");

	if (has_linebreak(o->helo) || has_linebreak(o->mail_from))
		return opts_err(err, errlen, "line break in HELO or MAIL FROM");
	for (i = 0; i < o->nrcpt; i++)
		if (o->rcpt_to[i][0] == '\0' || has_linebreak(o->rcpt_to[i]))
			return opts_err(err, errlen, "bad recipient %d", i + 1);
	if (is_smtp_mode(o->mode)) {
		for (i = 0; i < o->ncmd; i++) {
			if (o->cmd[i][0] == '\0' || has_linebreak(o->cmd[i]))
				return opts_err(err, errlen,
				    "bad command %d", i + 1);
			if (o->cmd_expect[i][0] == '\0')
				continue;
			if (regcomp(&rx, o->cmd_expect[i],
			    REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0)
				return opts_err(err, errlen,
				    "bad regular expression for command %d",
				    i + 1);
			regfree(&rx);
		}
	}

	/*
	 * A delivery probe keeps timeout_ms as the limit of each leg (the
	 * submission, every mailbox session); the whole probe may run for
	 * timeout_ms + delivery_deadline_ms, which is what mailprobe's
	 * watchdog and the scheduler must allow for.
	 */
	if (o->mode == MODE_DELIVERY) {
		if (o->mbox.proto != MODE_IMAP && o->mbox.proto != MODE_POP3)
			return opts_err(err, errlen,
			    "the mailbox must be IMAP or POP3");
		if ((unsigned)o->mbox.tls >= TLS_LAST)
			return opts_err(err, errlen,
			    "unknown mailbox TLS mode");
		if (o->mbox.port == 0)
			o->mbox.port = probe_default_port(o->mbox.proto,
			    o->mbox.tls);
		if (o->delivery_deadline_ms <= 0)
			o->delivery_deadline_ms = DELIVERY_DEADLINE_DEFAULT_MS;
		if (o->delivery_warn_ms < 0 || o->delivery_crit_ms < 0)
			return opts_err(err, errlen,
			    "negative delivery threshold");
	}
	return 0;
}

void
probe_result_init(struct probe_result *r)
{
	int	 i;

	memset(r, 0, sizeof(*r));
	r->status = STATUS_OK;
	r->fail = FAIL_NONE;
	for (i = 0; i < PH_LAST; i++)
		r->t[i] = -1;
	r->cert_days = CERT_DAYS_NONE;
}

/* sessions */

void
psess_init(struct psess *ps, const struct proto_ops *ops,
    const struct probe_opts *o, struct probe_result *res, lp_write_fn write,
    void *warg, int64_t (*clock)(void *), void *clock_arg)
{
	int	 i;

	lp_init(&ps->lp, ops->name, NULL, NULL, write, warg);
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

static void
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
	log_debug(ps->ops->name, "%s%sfailure %s: %s", ps->opts->name,
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
	log_debug(ps->ops->name, "%s%s%s not sent: certificate not trusted",
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
	log_debug(ps->ops->name, "%s%s%s -> %s", ps->opts->name,
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

/* the driver */

static void
probe_set_state(struct probe *p, enum pstate st)
{
	if (p->state != st)
		log_debug("probe", "%s%s%s -> %s", p->opts.name,
		    p->opts.name[0] != '\0' ? ": " : "", strstate[p->state],
		    strstate[st]);
	p->state = st;
}

static int64_t
probe_clock(void *arg)
{
	struct probe	*p = arg;

	return ev_now_update(p->ev);
}

static void
probe_arm(struct probe *p)
{
	int64_t	 when = p->deadline;

	if (p->step_deadline > 0 && p->step_deadline < when)
		when = p->step_deadline;
	if (p->u.ps.wake_at > 0 && p->u.ps.wake_at < when)
		when = p->u.ps.wake_at;
	ev_timer_at(p->timer, when);
}

/* a step starts now: a command queued or written, a handshake begun */
static void
probe_step(struct probe *p, int64_t budget_us)
{
	p->step_deadline = ev_now_update(p->ev) + budget_us;
	probe_arm(p);
}

static int
probe_write(void *arg, const void *buf, size_t len)
{
	struct probe	*p = arg;

	if (p->io == NULL || io_write(p->io, buf, len) == -1)
		return -1;
	probe_step(p, p->step_us);
	return 0;
}

static void
probe_fail(struct probe *p, enum fail_class f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
probe_fail(struct probe *p, enum fail_class f, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	psess_vfail(&p->u.ps, f, probe_fail_status(f), fmt, ap);
	va_end(ap);
}

static void
probe_reason(struct probe *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
probe_reason(struct probe *p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(p->res.reason, sizeof(p->res.reason), fmt, ap);
	va_end(ap);
}

static void
probe_certs(struct probe *p)
{
	struct tls_info		 ti;
	const struct probe_opts	*o = &p->opts;
	struct psess		*ps = &p->u.ps;

	if (tls_inspect(io_ssl(p->io), &ti) == -1)
		return;
	mm_strlcpy(p->res.tls_version, ti.version, sizeof(p->res.tls_version));
	mm_strlcpy(p->res.tls_cipher, ti.cipher, sizeof(p->res.tls_cipher));
	p->res.cert_verified = ti.verified;
	if (!ti.has_cert) {
		if (o->tls_verify) {
			psess_fail(ps, FAIL_CERT_INVALID, "no certificate");
			ps->untrusted = 1;
		}
		return;
	}
	p->res.cert_days = ti.cert_days;
	/* an expired certificate fails verification as well */
	if (o->tls_verify && !ti.verified) {
		psess_fail(ps, FAIL_CERT_INVALID, "certificate invalid: %s",
		    ti.verify_reason);
		ps->untrusted = 1;
	}
	else if (ti.cert_days < 0 &&
	    (o->cert_crit_days > 0 || o->cert_warn_days > 0))
		psess_fail(ps, FAIL_CERT_EXPIRING, "certificate expired");
	if (o->cert_crit_days > 0 && ti.cert_days < o->cert_crit_days)
		psess_fail_status(ps, FAIL_CERT_EXPIRING, STATUS_CRITICAL,
		    "certificate expires in %d days", ti.cert_days);
	else if (o->cert_warn_days > 0 && ti.cert_days < o->cert_warn_days)
		psess_fail_status(ps, FAIL_CERT_EXPIRING, STATUS_WARNING,
		    "certificate expires in %d days", ti.cert_days);
}

static int
probe_start_tls(struct probe *p)
{
	const char	*name = p->opts.sni[0] != '\0' ? p->opts.sni :
	    p->opts.host;

	p->t_phase = ev_now_update(p->ev);
	/* verified even when tls_verify is 0, so cert_verified means something */
	if (io_start_tls(p->io, p->ctx, name, name) == -1) {
		probe_fail(p, FAIL_TLS, "%s", io_error(p->io));
		return -1;
	}
	probe_step(p, p->step_us);
	return 0;
}

/* returns 1 when the probe finished (p is gone) */
static int
probe_action(struct probe *p, int pa)
{
	switch (pa) {
	case PA_WAIT:
		probe_set_state(p, PS_SESSION);
		probe_arm(p);		/* the machine may have asked to wake */
		return 0;
	case PA_STARTTLS:
		if (io_datalen(p->io) > 0) {
			/* plain text smuggled in before the handshake */
			probe_fail(p, FAIL_PROTOCOL,
			    "data after the STARTTLS reply");
			break;
		}
		lp_reset(&p->u.ps.lp);
		probe_set_state(p, PS_STARTTLS);
		if (probe_start_tls(p) == -1)
			break;
		return 0;
	case PA_FLUSH_DONE:
		if (p->io != NULL && io_queued(p->io) > 0) {
			probe_set_state(p, PS_FLUSH);
			return 0;
		}
		break;
	case PA_DONE:
	default:
		break;
	}
	probe_finish(p);
	return 1;
}

static int
probe_session_start(struct probe *p)
{
	probe_set_state(p, PS_SESSION);
	/* the greeting is the first step */
	probe_step(p, p->step_us);
	return probe_action(p, p->ops->start(&p->u.ps));
}

/* feed what arrived to the line layer or the raw reader; 1 if finished */
static int
probe_input(struct probe *p)
{
	struct psess	*ps = &p->u.ps;
	size_t		 used, len;
	int		 rc;

	while (p->state == PS_SESSION && (len = io_datalen(p->io)) > 0) {
		if (p->ops->rawin != NULL) {
			rc = p->ops->rawin(ps, io_data(p->io), len, &used);
			io_drop(p->io, used);
			if (probe_action(p, rc))
				return 1;
			continue;
		}
		rc = lp_input(&ps->lp, io_data(p->io), len, &used);
		io_drop(p->io, used);
		if (rc == LP_ERROR) {
			psess_reply(ps, &ps->lp.reply);
			probe_fail(p, FAIL_PROTOCOL, "%s in state %s",
			    ps->lp.error, p->ops->state(ps));
			probe_finish(p);
			return 1;
		}
		if (rc == LP_MORE) {
			if (io_in_full(p->io)) {
				probe_fail(p, FAIL_PROTOCOL, "line too long");
				probe_finish(p);
				return 1;
			}
			return 0;
		}
		if (probe_action(p, p->ops->response(ps, &ps->lp.reply)))
			return 1;
	}
	/* bytes after the end of the dialogue are of no interest */
	if (p->state == PS_FLUSH && io_datalen(p->io) > 0)
		io_drop(p->io, io_datalen(p->io));
	return 0;
}

static void	probe_io_cb(struct io *, int, void *);

/* try the next address; 1 when the probe finished */
static int
probe_connect_next(struct probe *p)
{
	struct dns_addr	*a;
	int64_t		 now, left, budget;
	size_t		 remaining;

	if (p->io != NULL) {
		io_free(p->io);
		p->io = NULL;
	}
	if (p->iaddr >= p->naddr) {
		probe_finish(p);
		return 1;
	}
	now = ev_now_update(p->ev);
	remaining = p->naddr - p->iaddr;
	a = &p->addr[p->iaddr++];
	dns_addr_str((struct sockaddr *)&a->ss, p->res.address,
	    sizeof(p->res.address));
	if ((p->io = io_new(p->ev, PROBE_INMAX, PROBE_OUTMAX, probe_io_cb,
	    p)) == NULL) {
		probe_fail(p, FAIL_INTERNAL, "out of memory");
		probe_finish(p);
		return 1;
	}
	probe_set_state(p, PS_CONNECT);
	if (p->res.t[PH_CONNECT] < 0 && p->t_phase == 0)
		p->t_phase = now;
	left = p->deadline - now;
	budget = left / (int64_t)remaining;
	if (budget > p->step_us)
		budget = p->step_us;
	log_debug("probe", "%s%sconnecting to %s port %u", p->opts.name,
	    p->opts.name[0] != '\0' ? ": " : "", p->res.address, p->opts.port);
	if (io_connect(p->io, (struct sockaddr *)&a->ss, a->len) == -1) {
		probe_fail(p, FAIL_INTERNAL, "%s", io_error(p->io));
		probe_finish(p);
		return 1;
	}
	probe_step(p, budget);
	return 0;
}

static void
probe_connected(struct probe *p)
{
	int64_t	 now = ev_now_update(p->ev);

	p->res.t[PH_CONNECT] = now - p->t_phase;
	/* the connect error of an earlier address is no longer news */
	if (p->u.ps.failed && (p->res.fail == FAIL_REFUSED ||
	    p->res.fail == FAIL_NETWORK || p->res.fail == FAIL_CONNECT_TIMEOUT)) {
		p->u.ps.failed = 0;
		p->u.ps.status = STATUS_OK;
		p->res.fail = FAIL_NONE;
		p->res.reason[0] = '\0';
	}
	if (p->opts.tls == TLS_IMPLICIT) {
		probe_set_state(p, PS_TLS);
		if (probe_start_tls(p) == -1)
			probe_finish(p);
		return;
	}
	probe_session_start(p);
}

static void
probe_tls_ready(struct probe *p)
{
	p->res.t[PH_TLS] = (p->res.t[PH_TLS] < 0 ? 0 : p->res.t[PH_TLS]) +
	    ev_now_update(p->ev) - p->t_phase;
	p->u.ps.tls = 1;
	probe_certs(p);
	if (p->state == PS_TLS) {
		probe_session_start(p);
		return;
	}
	probe_set_state(p, PS_SESSION);
	probe_step(p, p->step_us);
	probe_action(p, p->ops->tls_ready(&p->u.ps));
}

static void
probe_io_error(struct probe *p, int disconnected)
{
	struct psess	*ps = &p->u.ps;
	enum fail_class	 f = io_fail(p->io);
	char		 why[IO_ERROR_MAX];

	mm_strlcpy(why, io_error(p->io), sizeof(why));
	switch (p->state) {
	case PS_CONNECT:
		probe_fail(p, f != FAIL_NONE ? f : FAIL_NETWORK, "%s: %s",
		    p->res.address, why[0] != '\0' ? why : "connect failed");
		probe_connect_next(p);
		return;
	case PS_TLS:
	case PS_STARTTLS:
		probe_fail(p, FAIL_TLS, "%s", why[0] != '\0' ? why :
		    "connection closed during the TLS handshake");
		break;
	case PS_SESSION:
		probe_action(p, p->ops->closed(ps));
		return;
	default:
		if (!disconnected && p->state != PS_FLUSH)
			probe_fail(p, f != FAIL_NONE ? f : FAIL_NETWORK, "%s",
			    why);
		break;
	}
	probe_finish(p);
}

static void
probe_session_broken(struct probe *p)
{
	struct psess	*ps = &p->u.ps;
	enum fail_class	 f = io_fail(p->io), before = p->res.fail;
	char		 why[IO_ERROR_MAX], state[32];

	mm_strlcpy(why, io_error(p->io), sizeof(why));
	/* closed() moves the machine to DONE: name the state it was in */
	mm_strlcpy(state, ps->ops->state(ps), sizeof(state));
	ps->ops->closed(ps);
	if (p->res.fail == FAIL_CLOSED && before != FAIL_CLOSED) {
		/* not an orderly close: say what really happened */
		p->res.fail = f != FAIL_NONE && f != FAIL_CLOSED ? f :
		    FAIL_NETWORK;
		probe_reason(p, "%s in state %s",
		    why[0] != '\0' ? why : "connection broken", state);
	}
	probe_finish(p);
}

static void
probe_io_cb(struct io *io, int event, void *arg)
{
	struct probe	*p = arg;

	(void)io;
	switch (event) {
	case IO_CONNECTED:
		probe_connected(p);
		break;
	case IO_TLSREADY:
		probe_tls_ready(p);
		break;
	case IO_DATAIN:
		(void)probe_input(p);
		break;
	case IO_LOWAT:
		if (p->state == PS_FLUSH) {
			probe_finish(p);
			break;
		}
		/* the command is out: its reply has a full step from now */
		if (p->state == PS_SESSION)
			probe_step(p, p->step_us);
		break;
	case IO_DISCONNECTED:
		if (p->state == PS_SESSION) {
			if (probe_input(p))
				break;		/* p is gone */
			if (p->state != PS_SESSION)
				break;		/* moved on (TLS, flush) */
		}
		probe_io_error(p, 1);
		break;
	case IO_ERROR:
		if (p->state == PS_SESSION) {
			probe_session_broken(p);
			break;
		}
		probe_io_error(p, 0);
		break;
	default:
		break;
	}
}

static void
probe_dns_cb(const struct dns_result *r, void *arg)
{
	struct probe	*p = arg;
	size_t		 i;

	p->dns = NULL;
	p->res.t[PH_DNS] = ev_now_update(p->ev) - p->t0;
	if (!r->ok || r->naddr == 0) {
		probe_fail(p, FAIL_DNS, "%s: %s", p->opts.host,
		    r->reason[0] != '\0' ? r->reason : "no address");
		probe_finish(p);
		return;
	}
	for (i = 0; i < r->naddr && i < DNS_MAX_ADDRS; i++)
		p->addr[i] = r->addr[i];
	p->naddr = i;
	p->iaddr = 0;
	probe_connect_next(p);
}

static void
probe_timer_cb(void *arg)
{
	struct probe	*p = arg;
	struct psess	*ps = &p->u.ps;
	int64_t		 now = ev_now_update(p->ev);
	int		 whole = now >= p->deadline;
	const char	*what = whole ? "probe deadline" : "step deadline";
	int		 ms = whole ? p->opts.timeout_ms : p->opts.step_timeout_ms;

	if (ps->wake_at > 0 && now >= ps->wake_at && !whole &&
	    (p->step_deadline == 0 || now < p->step_deadline)) {
		ps->wake_at = 0;
		if (p->state == PS_SESSION && p->ops->wake != NULL)
			(void)probe_action(p, p->ops->wake(ps));
		else
			probe_arm(p);
		return;
	}
	switch (p->state) {
	case PS_INIT:
	case PS_DONE:
		break;		/* deferred result (configuration error) */
	case PS_DNS:
		probe_fail(p, FAIL_DNS, "%s: DNS timeout after %d ms",
		    p->opts.host, p->opts.timeout_ms);
		break;
	case PS_CONNECT:
		probe_fail(p, FAIL_CONNECT_TIMEOUT, "%s: connect timed out",
		    p->res.address);
		if (!whole) {
			probe_connect_next(p);
			return;
		}
		break;
	case PS_TLS:
	case PS_STARTTLS:
		probe_fail(p, FAIL_TIMEOUT, "%s (%d ms) in TLS handshake",
		    what, ms);
		break;
	default:
		probe_fail(p, FAIL_TIMEOUT, "%s (%d ms) in state %s", what, ms,
		    p->ops->state(ps));
		break;
	}
	probe_finish(p);
}

/*
 * The copies of the secrets die with the probe: the options, the SASL
 * token, and the reply buffer where a server may have echoed them.
 */
static void
probe_wipe(struct probe *p)
{
	explicit_bzero(p, sizeof(*p));
}

/* release everything, apply the status policy, report once */
static void
probe_finish(struct probe *p)
{
	struct probe_result	 res;
	struct psess		*ps = &p->u.ps;
	const struct probe_opts	*o = &p->opts;
	probe_done_cb		 cb = p->cb;
	void			*arg = p->arg;
	int64_t			 total;

	probe_set_state(p, PS_DONE);
	total = ev_now_update(p->ev) - p->t0;
	p->res.t[PH_TOTAL] = total;
	if (p->dns != NULL)
		dns_cancel(p->dns);
	if (p->io != NULL)
		io_free(p->io);
	ev_timer_free(p->timer);
	p->dns = NULL;
	p->io = NULL;
	p->timer = NULL;

	if (!ps->failed) {
		if (o->crit_ms > 0 && total >= (int64_t)o->crit_ms * 1000)
			psess_fail_status(ps, FAIL_SLOW, STATUS_CRITICAL,
			    "slow: %lld ms", (long long)(total / 1000));
		else if (o->warn_ms > 0 && total >= (int64_t)o->warn_ms * 1000)
			psess_fail_status(ps, FAIL_SLOW, STATUS_WARNING,
			    "slow: %lld ms", (long long)(total / 1000));
	}
	p->res.status = ps->failed ? ps->status : STATUS_OK;
	if (p->res.fail == FAIL_REFUSED && o->refuse_status >= 0)
		p->res.status = (enum probe_status)o->refuse_status;
	if (p->res.fail == FAIL_EXPECT && o->mismatch_status >= 0)
		p->res.status = (enum probe_status)o->mismatch_status;
	if (p->res.reason[0] == '\0')
		probe_reason(p, "%s ok", probe_mode_name(o->mode));
	log_debug("probe", "%s%sresult %s %s: %s", o->name,
	    o->name[0] != '\0' ? ": " : "", probe_status_name(p->res.status),
	    probe_fail_name(p->res.fail), p->res.reason);

	res = p->res;
	probe_wipe(p);
	free(p);
	cb(&res, arg);
}

static const struct proto_ops *
probe_ops(enum probe_mode m)
{
	switch (m) {
	case MODE_SMTP:
	case MODE_RELAY:
	case MODE_DELIVERY:
	case MODE_MX:
		return &smtp_ops;
	case MODE_POP3:
		return &pop3_ops;
	case MODE_IMAP:
		return &imap_ops;
	default:
		return &tcp_ops;
	}
}

/* a delivery probe finished: hand its result on, as probe_finish does */
static void
probe_dlv_done(const struct probe_result *r, void *arg)
{
	struct probe	*p = arg;
	struct probe_result res = *r;
	probe_done_cb	 cb = p->cb;
	void		*cbarg = p->arg;

	p->dlv = NULL;
	probe_set_state(p, PS_DONE);
	ev_timer_free(p->timer);
	p->timer = NULL;
	log_debug("probe", "%s%sresult %s %s: %s", p->opts.name,
	    p->opts.name[0] != '\0' ? ": " : "", probe_status_name(res.status),
	    probe_fail_name(res.fail), res.reason);
	probe_wipe(p);
	free(p);
	cb(&res, cbarg);
}

struct probe *
probe_start(struct ev *ev, const struct probe_opts *opts, probe_done_cb cb,
    void *arg)
{
	return probe_start_leg(ev, opts, NULL, cb, arg);
}

struct probe *
probe_start_leg(struct ev *ev, const struct probe_opts *opts,
    const struct probe_leg *leg, probe_done_cb cb, void *arg)
{
	struct probe	*p;
	struct dns_query q;
	char		 err[PROBE_REASON_MAX];
	int		 ok;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->timer = ev_timer_new(ev, probe_timer_cb, p)) == NULL) {
		free(p);
		return NULL;
	}
	p->ev = ev;
	p->opts = *opts;
	p->cb = cb;
	p->arg = arg;
	p->state = PS_INIT;
	p->t0 = ev_now_update(ev);
	probe_result_init(&p->res);

	ok = probe_opts_finish(&p->opts, err, sizeof(err)) == 0;
	p->ops = probe_ops(p->opts.mode);
	psess_init(&p->u.ps, p->ops, &p->opts, &p->res, probe_write, p,
	    probe_clock, p);
	p->step_us = (int64_t)p->opts.step_timeout_ms * 1000;
	p->deadline = p->t0 + (int64_t)p->opts.timeout_ms * 1000;
	if (leg != NULL) {
		p->u.ps.hook = leg->hook;
		p->u.ps.body = leg->body;
		p->u.ps.bodylen = leg->bodylen;
		p->u.ps.accepted = leg->accepted;
	}

	if (ok && (p->opts.mode == MODE_MX || p->opts.family_both)) {
		/* one connection here; the fan-out is mx.c's (mx_start) */
		mm_strlcpy(err, "domain and dual-stack probes run through "
		    "mx_start()", sizeof(err));
		ok = 0;
	}
	if (!ok) {
		probe_fail(p, FAIL_CONFIG, "%s", err);
		ev_timer_at(p->timer, p->t0);	/* report from the loop */
		return p;
	}
	if (p->opts.mode == MODE_DELIVERY && leg == NULL) {
		/* the legs are probes of their own; this one only waits */
		if (delivery_check_opts(&p->opts, err, sizeof(err)) == -1) {
			probe_fail(p, FAIL_CONFIG, "%s", err);
			ev_timer_at(p->timer, p->t0);
		} else if ((p->dlv = delivery_start(ev, &p->opts,
		    probe_dlv_done, p)) == NULL) {
			probe_fail(p, FAIL_INTERNAL, "out of memory");
			ev_timer_at(p->timer, p->t0);
		}
		return p;
	}
	if (p->opts.tls != TLS_NONE &&
	    (p->ctx = tls_ctx_get(p->opts.tls_verify, p->opts.ca_file, err,
	    sizeof(err))) == NULL) {
		probe_fail(p, FAIL_CONFIG, "%s", err);
		ev_timer_at(p->timer, p->t0);
		return p;
	}
	/*
	 * The first TLS probe of a process loads the CA store (16 ms for
	 * Debian's bundle): that is our cost, not the server's, so the
	 * clock starts after it.
	 */
	if (p->ctx != NULL) {
		p->t0 = ev_now_update(ev);
		p->deadline = p->t0 + (int64_t)p->opts.timeout_ms * 1000;
	}
	probe_set_state(p, PS_DNS);
	probe_arm(p);
	memset(&q, 0, sizeof(q));
	q.host = p->opts.host;
	q.port = p->opts.port;
	q.family = p->opts.family;
	q.servers = p->opts.dns_server;
	/* c-ares gives up within the probe's deadline, not after 75 s */
	q.budget_ms = p->opts.timeout_ms;
	if ((p->dns = dns_lookup(ev, &q, probe_dns_cb, p)) == NULL) {
		probe_fail(p, FAIL_INTERNAL, "out of memory");
		probe_set_state(p, PS_DONE);
		ev_timer_at(p->timer, p->t0);
	}
	return p;
}

void
probe_cancel(struct probe *p)
{
	if (p == NULL)
		return;
	if (p->dlv != NULL)
		delivery_cancel(p->dlv);
	if (p->dns != NULL)
		dns_cancel(p->dns);
	if (p->io != NULL)
		io_free(p->io);
	ev_timer_free(p->timer);
	probe_wipe(p);
	free(p);
}

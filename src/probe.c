/*
 * probe.c - the connection driver: DNS -> connect -> [TLS] -> protocol
 * machine -> result, and the status policy of one connection.
 *
 * Driver states:
 *   INIT -> DNS -> CONNECT -> [TLS] -> SESSION [-> STARTTLS -> SESSION]
 *     [-> FLUSH] -> DONE
 *
 * Deadlines, not inactivity timers: one ev timer per probe, armed at
 * min(step deadline, whole-probe deadline, the machine's wake-up).  The
 * step deadline is stamped when a command is queued and again when it
 * has been written out (IO_LOWAT); reading never moves it, so a server
 * that drip-feeds a byte a second still times out.
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
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "ev.h"
#include "imap.h"
#include "io.h"
#include "lineproto.h"
#include "log.h"
#include "pop3.h"
#include "probe.h"
#include "session.h"
#include "smtp.h"
#include "tcp.h"
#include "tls.h"
#include "util.h"

#define PROBE_INMAX	8192	/* > longest line (IMAP 4000) */
#define PROBE_OUTMAX	16384	/* commands, or a small delivery message */

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

	struct dns_addr		 addr[DNS_MAX_ADDRS];
	size_t			 naddr;
	size_t			 iaddr;

	int64_t			 t0;		/* probe start */
	int64_t			 deadline;	/* whole probe */
	int64_t			 step_deadline;
	int64_t			 t_phase;	/* start of connect / TLS */
	int64_t			 step_us;

	const struct proto_ops	*ops;
	size_t			 size;		/* of this allocation */
	struct psess		*ps;		/* = sess, as its machine's */
	/*
	 * The protocol's session, as big as its machine needs: a union of
	 * all four would give every SMTP check the TCP machine's 4 KiB
	 * buffer.
	 */
	_Alignas(max_align_t) unsigned char sess[];
};

static void	probe_finish(struct probe *);

/* the driver */

static void
probe_set_state(struct probe *p, enum pstate st)
{
	if (p->state != st)
		log_debug(LT_PROBE, "%s%s%s -> %s", p->opts.name,
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
	if (p->ps->wake_at > 0 && p->ps->wake_at < when)
		when = p->ps->wake_at;
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
	psess_vfail(p->ps, f, probe_fail_status(f), fmt, ap);
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
	struct psess		*ps = p->ps;

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
		lp_reset(&p->ps->lp);
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
	return probe_action(p, p->ops->start(p->ps));
}

/* feed what arrived to the line layer or the raw reader; 1 if finished */
static int
probe_input(struct probe *p)
{
	struct psess	*ps = p->ps;
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
	log_debug(LT_PROBE, "%s%sconnecting to %s port %u", p->opts.name,
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
	if (p->ps->failed && (p->res.fail == FAIL_REFUSED ||
	    p->res.fail == FAIL_NETWORK || p->res.fail == FAIL_CONNECT_TIMEOUT)) {
		p->ps->failed = 0;
		p->ps->status = STATUS_OK;
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
	p->ps->tls = 1;
	probe_certs(p);
	if (p->state == PS_TLS) {
		probe_session_start(p);
		return;
	}
	probe_set_state(p, PS_SESSION);
	probe_step(p, p->step_us);
	probe_action(p, p->ops->tls_ready(p->ps));
}

static void
probe_io_error(struct probe *p, int disconnected)
{
	struct psess	*ps = p->ps;
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
	struct psess	*ps = p->ps;
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
	/* an address literal has no DNS phase: the MIB shows no time for it */
	if (!r->literal)
		p->res.t[PH_DNS] = ev_now_update(p->ev) - p->t0;
	if (!r->ok || r->naddr == 0) {
		/* no descriptor to ask with says nothing about the name */
		probe_fail(p, r->status == DNS_LOCAL ? FAIL_INTERNAL : FAIL_DNS,
		    "%s: %s", p->opts.host,
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
	struct psess	*ps = p->ps;
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
	explicit_bzero(p, p->size);
}

/* release everything, apply the status policy, report once */
static void
probe_finish(struct probe *p)
{
	struct probe_result	 res;
	struct psess		*ps = p->ps;
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
	log_debug(LT_PROBE, "%s%sresult %s %s: %s", o->name,
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

size_t
probe_size(enum probe_mode m)
{
	return sizeof(struct probe) + probe_ops(m)->sess_size;
}

struct probe *
probe_start(struct ev *ev, const struct probe_opts *opts,
    const struct probe_leg *leg, probe_done_cb cb, void *arg)
{
	const struct proto_ops *ops = probe_ops(opts->mode);
	struct probe	*p;
	struct dns_query q;
	char		 err[PROBE_REASON_MAX];
	size_t		 size = probe_size(opts->mode);
	int		 ok;

	if ((p = calloc(1, size)) == NULL)
		return NULL;
	p->size = size;
	p->ops = ops;
	p->ps = (struct psess *)(void *)p->sess;
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
	psess_init(p->ps, p->ops, &p->opts, &p->res, probe_write, p,
	    probe_clock, p);
	p->step_us = (int64_t)p->opts.step_timeout_ms * 1000;
	p->deadline = p->t0 + (int64_t)p->opts.timeout_ms * 1000;
	if (leg != NULL) {
		p->ps->hook = leg->hook;
		p->ps->body = leg->body;
		p->ps->bodylen = leg->bodylen;
		p->ps->accepted = leg->accepted;
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
	if (p->dns != NULL)
		dns_cancel(p->dns);
	if (p->io != NULL)
		io_free(p->io);
	ev_timer_free(p->timer);
	probe_wipe(p);
	free(p);
}

/*
 * mx.c - domain probes and dual-stack host probes (see mx.h).
 *
 * Composer states:
 *   INIT -> MX -> TARGETS -> DONE     (domain probe)
 *   INIT -> TARGETS -> DONE           (dual-stack host probe)
 *
 * MX: one MX query (dns_lookup_mx, strict: DNS only, rcodes as they
 * came).  TARGETS: the A and AAAA lookups of every exchange, all at
 * once; as soon as both lookups of an exchange are in, its rows are
 * made (mxpolicy.c) and a probe starts for each address row.  DONE
 * when every lookup and every probe has answered, or at the deadline,
 * which cancels whatever is still running and says so in its rows.
 *
 * Rows are appended as exchanges resolve and put back in exchange
 * (preference) order at the end, so the order does not depend on which
 * DNS answer came first.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "ev.h"
#include "log.h"
#include "mx.h"
#include "mxpolicy.h"
#include "probe.h"
#include "target.h"
#include "util.h"

enum mx_state {
	MS_INIT = 0,
	MS_MX,			/* MX query in flight */
	MS_TARGETS,		/* address lookups and probes in flight */
	MS_DONE,
	MS_LAST
};

static const char *strstate[MS_LAST] = {
	"INIT", "MX", "TARGETS", "DONE"
};

/* one lookup of an exchange: what its callback needs to know */
struct mx_look {
	struct mx		*mx;
	size_t			 exch;
	int			 fam;		/* 0: A, 1: AAAA */
};

/* one exchange (or the host) and its two lookups */
struct mx_exch {
	struct mx_exchange	 x;
	struct dns_req		*req[2];	/* A, AAAA */
	struct mx_look		 look[2];
	int			 asked[2];
	struct dns_result	 res[2];
	int			 pending;	/* lookups outstanding */
};

/* the probe behind an address row */
struct mx_run {
	struct probe		*p;
	size_t			 exch;		/* its exchange, for the order */
	struct dns_addr		 addr;
	struct mx		*mx;
};

struct mx {
	struct ev		*ev;
	struct probe_opts	 o;		/* our copy; secrets wiped at the end */
	probe_done_cb		 cb;
	void			*arg;

	enum mx_state		 state;
	struct ev_timer		*timer;		/* deadline, deferred reports */
	int64_t			 t0;
	int64_t			 deadline;
	int64_t			 t_dns;		/* last lookup answered */

	struct dns_req		*mxreq;
	enum target_dns		 dns;
	int			 null_mx;
	size_t			 more;		/* exchanges not probed */

	size_t			 nexch;
	struct mx_exch		 ex[PROBE_MX_MAX];
	size_t			 nlookups;	/* outstanding */
	size_t			 nprobes;	/* outstanding */

	struct target_list	 list;		/* the rows */
	struct mx_run		 run[TARGET_MAX];

	struct probe_result	 res;
};

static void	mx_finish(struct mx *);
static void	mx_internal(struct mx *);

int
mx_wanted(const struct probe_opts *o)
{
	return o->mode == MODE_MX || o->family_both;
}

static const char *
mx_name(const struct mx *m)
{
	return m->o.name[0] != '\0' ? m->o.name : m->o.host;
}

static void
mx_set_state(struct mx *m, enum mx_state st)
{
	if (m->state != st)
		log_debug(LT_MX, "%s: %s -> %s", mx_name(m), strstate[m->state],
		    strstate[st]);
	m->state = st;
}

/* "<domain>: why" as the probe's reason, cut to fit */
static void
mx_reason(struct mx *m, const char *why)
{
	mm_strlcpy(m->res.reason, m->o.host, sizeof(m->res.reason));
	mm_strlcat(m->res.reason, ": ", sizeof(m->res.reason));
	mm_strlcat(m->res.reason, why, sizeof(m->res.reason));
}

/* milliseconds to the deadline, at least 1 */
static int
mx_left_ms(struct mx *m)
{
	int64_t	 left = (m->deadline - ev_now_update(m->ev)) / 1000;

	return left < 1 ? 1 : left > m->o.timeout_ms ? m->o.timeout_ms :
	    (int)left;
}

/* probes */

static void
mx_probe_done(const struct probe_result *r, void *arg)
{
	struct mx_run	*run = arg;
	struct mx	*m = run->mx;
	size_t		 i = (size_t)(run - m->run);

	run->p = NULL;
	mx_row_result(&m->list.t[i], r);
	log_debug(LT_MX, "%s: %s %s %s: %s", mx_name(m),
	    m->list.t[i].exchange, m->list.t[i].address,
	    probe_status_name(r->status), r->reason);
	m->nprobes--;
	if (m->nprobes == 0 && m->nlookups == 0 && m->state == MS_TARGETS)
		mx_finish(m);
}

static void
mx_child_opts(const struct mx *m, const struct target_result *t, int ms,
    struct probe_opts *c)
{
	*c = m->o;
	c->mode = m->o.mode == MODE_MX ? MODE_SMTP : m->o.mode;
	mm_strlcpy(c->host, t->address, sizeof(c->host));
	c->family = t->family;
	c->family_both = 0;
	/* the certificate must name the exchange (or the host) */
	if (m->o.mode == MODE_MX || c->sni[0] == '\0')
		mm_strlcpy(c->sni, t->exchange, sizeof(c->sni));
	c->timeout_ms = ms;
	if (c->step_timeout_ms > ms)
		c->step_timeout_ms = ms;
}

static void
mx_start_probe(struct mx *m, size_t i)
{
	struct probe_opts	*c;
	struct target_result	*t = &m->list.t[i];

	if ((c = malloc(sizeof(*c))) == NULL)
		goto oom;
	mx_child_opts(m, t, mx_left_ms(m), c);
	m->run[i].mx = m;
	m->nprobes++;
	m->run[i].p = probe_start(m->ev, c, NULL, mx_probe_done, &m->run[i]);
	explicit_bzero(c, sizeof(*c));
	free(c);
	if (m->run[i].p != NULL)
		return;
	m->nprobes--;
oom:
	t->status = STATUS_UNKNOWN;
	t->fail = FAIL_INTERNAL;
	mm_strlcpy(t->reason, "cannot start the probe", sizeof(t->reason));
}

/* lookups */

static void
mx_exch_rows(struct mx *m, size_t ei)
{
	struct mx_exch		*e = &m->ex[ei];
	struct dns_addr		 addrs[PROBE_ADDR_MAX + 2];
	size_t			 n, i, at = m->list.n;
	size_t			 room = TARGET_MAX - at;

	if (room > PROBE_ADDR_MAX + 2)
		room = PROBE_ADDR_MAX + 2;
	n = mx_exchange_rows(&e->x, e->asked[0] ? &e->res[0] : NULL,
	    e->asked[1] ? &e->res[1] : NULL, (size_t)m->o.max_addr,
	    &m->list.t[at], addrs, room);
	m->list.n += n;
	for (i = 0; i < n; i++) {
		m->run[at + i].exch = ei;
		if (m->list.t[at + i].address[0] == '\0')
			continue;	/* a name that did not resolve */
		m->run[at + i].addr = addrs[i];
		mx_start_probe(m, at + i);
	}
}

static void
mx_exch_done(struct mx *m, size_t ei)
{
	m->t_dns = ev_now_update(m->ev);
	mx_exch_rows(m, ei);
	if (m->nlookups == 0 && m->nprobes == 0 && m->state == MS_TARGETS)
		mx_finish(m);
}

static void
mx_addr_done(const struct dns_result *r, void *arg)
{
	struct mx_look	*lk = arg;
	struct mx	*m = lk->mx;
	struct mx_exch	*e = &m->ex[lk->exch];

	e->req[lk->fam] = NULL;
	e->res[lk->fam] = *r;
	e->res[lk->fam].host = NULL;	/* dns.c's copy is gone after this */
	e->pending--;
	m->nlookups--;
	if (e->pending == 0)
		mx_exch_done(m, lk->exch);
}

static void
mx_lookup(struct mx *m, size_t ei)
{
	struct mx_exch		*e = &m->ex[ei];
	struct dns_query	 q;
	int			 f, budget;
	static const int	 fams[2] = { AF_INET, AF_INET6 };

	e->asked[0] = m->o.family != AF_INET6;
	e->asked[1] = m->o.family != AF_INET;
	/* half of what is left: the other half is for SMTP */
	budget = mx_left_ms(m) / 2;
	for (f = 0; f < 2; f++) {
		if (!e->asked[f])
			continue;
		memset(&q, 0, sizeof(q));
		q.host = e->x.name;
		q.port = m->o.port;
		q.family = fams[f];
		q.servers = m->o.dns_server;
		q.budget_ms = budget > 0 ? budget : 1;
		/* exchanges are DNS names; a host probe resolves like others */
		q.flags = e->x.origin == TO_HOST ? 0 : DNS_Q_STRICT;
		e->look[f].mx = m;
		e->look[f].exch = ei;
		e->look[f].fam = f;
		e->pending++;
		m->nlookups++;
		if ((e->req[f] = dns_lookup(m->ev, &q, mx_addr_done,
		    &e->look[f])) == NULL) {
			e->pending--;
			m->nlookups--;
			memset(&e->res[f], 0, sizeof(e->res[f]));
			e->res[f].status = DNS_ERROR;
			mm_strlcpy(e->res[f].reason, "out of memory",
			    sizeof(e->res[f].reason));
		}
	}
	/* nothing in flight (out of memory twice): rows now */
	if (e->pending == 0)
		mx_exch_rows(m, ei);
}

static void
mx_lookup_all(struct mx *m)
{
	size_t	 i;

	mx_set_state(m, MS_TARGETS);
	for (i = 0; i < m->nexch; i++)
		mx_lookup(m, i);
	if (m->nlookups == 0 && m->nprobes == 0)
		mx_finish(m);
}

static void
mx_mx_done(const struct dns_mx_result *r, void *arg)
{
	struct mx	*m = arg;
	struct mx_exchange x[PROBE_MX_MAX];
	size_t		 i, n;

	m->mxreq = NULL;
	m->t_dns = ev_now_update(m->ev);
	m->dns = mx_dns_outcome(r->status);
	if (r->status == DNS_NODATA) {
		/* RFC 5321 5.1: the domain is its own exchange, preference 0 */
		memset(&m->ex[0], 0, sizeof(m->ex[0]));
		mm_strlcpy(m->ex[0].x.name, m->o.host, sizeof(m->ex[0].x.name));
		m->ex[0].x.origin = TO_IMPLICIT;
		m->nexch = 1;
		mx_lookup_all(m);
		return;
	}
	if (r->status == DNS_LOCAL) {
		/* this host's trouble: nothing is known of the domain */
		m->res.fail = FAIL_INTERNAL;
		m->res.status = STATUS_UNKNOWN;
		mx_reason(m, r->reason);
		mx_finish(m);
		return;
	}
	if (r->status != DNS_OK) {
		m->res.fail = FAIL_DNS;
		m->res.status = STATUS_CRITICAL;
		mx_reason(m, r->reason);
		mx_finish(m);
		return;
	}
	n = mx_pick_exchanges(r->mx, r->nmx, (size_t)m->o.max_mx, x,
	    &m->null_mx, &m->more);
	if (n == 0) {
		m->dns = TD_NULLMX;
		m->res.fail = FAIL_DNS;
		m->res.status = STATUS_CRITICAL;
		mx_reason(m, "null MX (RFC 7505): the domain accepts no "
		    "mail");
		mx_finish(m);
		return;
	}
	for (i = 0; i < n; i++) {
		memset(&m->ex[i], 0, sizeof(m->ex[i]));
		m->ex[i].x = x[i];
	}
	m->nexch = n;
	mx_lookup_all(m);
}

/* the end */

/* rows back in exchange order (stable: an exchange's rows keep theirs) */
static void
mx_sort_rows(struct mx *m)
{
	struct target_list	*sorted;
	size_t			 i, k = 0, ei;

	if ((sorted = malloc(sizeof(*sorted))) == NULL)
		return;		/* completion order, then */
	sorted->dns = m->list.dns;
	for (ei = 0; ei < m->nexch; ei++)
		for (i = 0; i < m->list.n; i++)
			if (m->run[i].exch == ei)
				sorted->t[k++] = m->list.t[i];
	sorted->n = k;
	if (k == m->list.n)
		memcpy(&m->list, sorted, sizeof(m->list));
	free(sorted);
}

/* the deadline came: what is still running did not make it */
static void
mx_stop_all(struct mx *m)
{
	size_t	 i;
	int	 f;

	if (m->mxreq != NULL) {
		dns_cancel(m->mxreq);
		m->mxreq = NULL;
		m->dns = TD_TIMEOUT;
		m->res.fail = FAIL_DNS;
		m->res.status = STATUS_CRITICAL;
		mx_reason(m, "DNS timeout (MX lookup, probe deadline)");
	}
	for (i = 0; i < m->nexch; i++) {
		struct mx_exch *e = &m->ex[i];

		if (e->pending == 0)
			continue;
		for (f = 0; f < 2; f++) {
			if (e->req[f] == NULL)
				continue;
			dns_cancel(e->req[f]);
			e->req[f] = NULL;
			memset(&e->res[f], 0, sizeof(e->res[f]));
			e->res[f].status = DNS_TIMEOUT;
			e->res[f].timeout = 1;
			snprintf(e->res[f].reason, sizeof(e->res[f].reason),
			    "DNS timeout after %d ms (probe deadline)",
			    m->o.timeout_ms);
			m->nlookups--;
		}
		e->pending = 0;
		/* rows without probes: no time is left for them */
		{
			size_t	 at = m->list.n, room = TARGET_MAX - at, n, k;
			struct dns_addr addrs[PROBE_ADDR_MAX + 2];

			if (room > PROBE_ADDR_MAX + 2)
				room = PROBE_ADDR_MAX + 2;
			n = mx_exchange_rows(&e->x,
			    e->asked[0] ? &e->res[0] : NULL,
			    e->asked[1] ? &e->res[1] : NULL,
			    (size_t)m->o.max_addr, &m->list.t[at], addrs, room);
			for (k = 0; k < n; k++) {
				struct target_result *t = &m->list.t[at + k];

				m->run[at + k].exch = i;
				if (t->address[0] == '\0')
					continue;
				/* the other family's answer came in time */
				t->status = STATUS_CRITICAL;
				t->fail = FAIL_TIMEOUT;
				snprintf(t->reason, sizeof(t->reason),
				    "probe deadline (%d ms) before a probe "
				    "could start", m->o.timeout_ms);
			}
			m->list.n += n;
		}
	}
	for (i = 0; i < m->list.n; i++) {
		struct target_result *t = &m->list.t[i];

		if (m->run[i].p == NULL)
			continue;
		probe_cancel(m->run[i].p);
		m->run[i].p = NULL;
		m->nprobes--;
		t->status = STATUS_CRITICAL;
		t->fail = FAIL_TIMEOUT;
		snprintf(t->reason, sizeof(t->reason),
		    "probe deadline (%d ms) for the whole %s", m->o.timeout_ms,
		    m->o.mode == MODE_MX ? "domain" : "host");
	}
}

static void
mx_free(struct mx *m)
{
	size_t	 i;
	int	 f;

	if (m->mxreq != NULL)
		dns_cancel(m->mxreq);
	for (i = 0; i < m->nexch; i++)
		for (f = 0; f < 2; f++)
			if (m->ex[i].req[f] != NULL)
				dns_cancel(m->ex[i].req[f]);
	for (i = 0; i < m->list.n; i++)
		if (m->run[i].p != NULL)
			probe_cancel(m->run[i].p);
	ev_timer_free(m->timer);
	/* the options hold the login of the SMTP sessions */
	explicit_bzero(&m->o, sizeof(m->o));
	free(m);
}

/* the row that speaks for the probe: address, reply, certificate */
static void
mx_rep(struct mx *m, size_t rep)
{
	const struct target_result	*t;
	size_t				 i;

	if (rep < m->list.n) {
		t = &m->list.t[rep];
		mm_strlcpy(m->res.address, t->address, sizeof(m->res.address));
		m->res.reply_code = t->reply_code;
	}
	/* the certificate that expires first */
	for (i = 0; i < m->list.n; i++) {
		t = &m->list.t[i];
		if (t->cert_days != CERT_DAYS_NONE &&
		    (m->res.cert_days == CERT_DAYS_NONE ||
		    t->cert_days < m->res.cert_days))
			m->res.cert_days = t->cert_days;
	}
}

static void
mx_finish(struct mx *m)
{
	struct probe_result	 res;
	struct mx_verdict	 v;
	probe_done_cb		 cb = m->cb;
	void			*arg = m->arg;
	int64_t			 now = ev_now_update(m->ev);

	if (m->state == MS_DONE)
		return;
	mx_set_state(m, MS_DONE);
	ev_timer_stop(m->timer);
	mx_sort_rows(m);
	m->list.dns = m->dns;
	if (m->res.fail == FAIL_NONE || m->list.n > 0) {
		mx_verdict(&m->list, m->o.mx_policy, m->null_mx, m->more, &v);
		m->res.status = v.status;
		m->res.fail = v.fail;
		mm_strlcpy(m->res.reason, v.reason, sizeof(m->res.reason));
		mx_rep(m, v.rep);
		mx_internal(m);
	}
	if (m->t_dns > 0)
		m->res.t[PH_DNS] = m->t_dns - m->t0;
	m->res.t[PH_TOTAL] = now - m->t0;
	log_debug(LT_MX, "%s: result %s %s: %s (%zu targets)", mx_name(m),
	    probe_status_name(m->res.status), probe_fail_name(m->res.fail),
	    m->res.reason, m->list.n);
	res = m->res;
	res.targets = &m->list;
	/* the list lives in m until the callback has returned */
	cb(&res, arg);
	mx_free(m);
}

/*
 * A target this host could not check (no descriptor, no memory) leaves
 * the domain's verdict unknown: the whole check is internal, and so
 * neither counts against the domain nor raises a notification.
 */
static void
mx_internal(struct mx *m)
{
	size_t	 i;

	for (i = 0; i < m->list.n; i++) {
		const struct target_result *t = &m->list.t[i];

		if (t->fail != FAIL_INTERNAL)
			continue;
		m->res.status = STATUS_UNKNOWN;
		m->res.fail = FAIL_INTERNAL;
		snprintf(m->res.reason, sizeof(m->res.reason), "%s%s%s: %s",
		    t->exchange, t->address[0] != '\0' ? " " : "", t->address,
		    t->reason);
		return;
	}
}

static void
mx_timer_cb(void *arg)
{
	struct mx	*m = arg;

	if (m->state == MS_INIT) {
		/* a result decided in mx_start(), reported from the loop */
		m->state = MS_TARGETS;
		mx_finish(m);
		return;
	}
	log_debug(LT_MX, "%s: deadline in state %s", mx_name(m),
	    strstate[m->state]);
	mx_stop_all(m);
	mx_finish(m);
}

struct mx *
mx_start(struct ev *ev, const struct probe_opts *opts, probe_done_cb cb,
    void *arg)
{
	struct mx		*m;
	struct dns_query	 q;
	char			 err[PROBE_REASON_MAX];

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->timer = ev_timer_new(ev, mx_timer_cb, m)) == NULL) {
		free(m);
		return NULL;
	}
	m->ev = ev;
	m->o = *opts;
	m->cb = cb;
	m->arg = arg;
	m->state = MS_INIT;
	m->t0 = ev_now_update(ev);
	probe_result_init(&m->res);
	m->dns = TD_OK;

	if (probe_opts_finish(&m->o, err, sizeof(err)) == -1 ||
	    !mx_wanted(&m->o)) {
		if (!mx_wanted(&m->o))
			mm_strlcpy(err, "not a domain or dual-stack probe",
			    sizeof(err));
		m->res.status = STATUS_UNKNOWN;	/* as every config failure */
		m->res.fail = FAIL_CONFIG;
		mm_strlcpy(m->res.reason, err, sizeof(m->res.reason));
		m->dns = TD_OTHER;
		ev_timer_at(m->timer, m->t0);	/* report from the loop */
		return m;
	}
	m->deadline = m->t0 + (int64_t)m->o.timeout_ms * 1000;
	ev_timer_at(m->timer, m->deadline);

	if (m->o.mode != MODE_MX) {
		/* a dual-stack host probe: the host is the one exchange */
		mm_strlcpy(m->ex[0].x.name, m->o.host, sizeof(m->ex[0].x.name));
		m->ex[0].x.origin = TO_HOST;
		m->nexch = 1;
		mx_set_state(m, MS_TARGETS);
		mx_lookup(m, 0);
		/* nothing in flight (out of memory): finish from the loop */
		if (m->nlookups == 0 && m->nprobes == 0)
			ev_timer_at(m->timer, m->t0);
		return m;
	}
	mx_set_state(m, MS_MX);
	memset(&q, 0, sizeof(q));
	q.host = m->o.host;
	q.servers = m->o.dns_server;
	q.budget_ms = m->o.timeout_ms / 3 > 0 ? m->o.timeout_ms / 3 : 1;
	q.flags = DNS_Q_STRICT;
	if ((m->mxreq = dns_lookup_mx(ev, &q, mx_mx_done, m)) == NULL) {
		m->res.status = STATUS_UNKNOWN;
		m->res.fail = FAIL_INTERNAL;
		mm_strlcpy(m->res.reason, "out of memory",
		    sizeof(m->res.reason));
		ev_timer_at(m->timer, m->t0);
		m->state = MS_INIT;
	}
	return m;
}

void
mx_cancel(struct mx *m)
{
	if (m != NULL)
		mx_free(m);
}

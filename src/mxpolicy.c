/*
 * mxpolicy.c - exchange and address choice, DNS rows, the status policy
 * of domain and dual-stack probes (see mxpolicy.h).
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "mxpolicy.h"
#include "probe.h"
#include "target.h"
#include "util.h"

/* exchanges */

static int
exch_cmp(const void *a, const void *b)
{
	const struct mx_exchange *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcasecmp(x->name, y->name);
}

size_t
mx_pick_exchanges(const struct dns_mx *mx, size_t nmx, size_t max,
    struct mx_exchange *out, int *null_mx, size_t *more)
{
	struct mx_exchange	 all[DNS_MAX_MX];
	size_t			 i, j, n = 0, nnull = 0;
	char			 name[TARGET_NAME_MAX];
	size_t			 len;

	*null_mx = 0;
	*more = 0;
	for (i = 0; i < nmx && i < DNS_MAX_MX; i++) {
		mm_strlcpy(name, mx[i].host, sizeof(name));
		/* a trailing dot names the same host */
		len = strlen(name);
		if (len > 0 && name[len - 1] == '.')
			name[--len] = '\0';
		if (len == 0) {
			nnull++;
			continue;
		}
		for (j = 0; j < n; j++)
			if (strcasecmp(all[j].name, name) == 0)
				break;
		if (j < n) {
			if (mx[i].pref < all[j].pref)
				all[j].pref = mx[i].pref;
			continue;
		}
		mm_strlcpy(all[n].name, name, sizeof(all[n].name));
		all[n].pref = mx[i].pref;
		all[n].origin = TO_MX;
		n++;
	}
	if (nnull > 0)
		*null_mx = n == 0 ? MX_NULL_ONLY : MX_NULL_MIXED;
	qsort(all, n, sizeof(all[0]), exch_cmp);
	if (n > max) {
		*more = n - max;
		n = max;
	}
	memcpy(out, all, n * sizeof(all[0]));
	return n;
}

/* rows of one exchange */

static void
row_init(struct target_result *t, const struct mx_exchange *x, int alias)
{
	memset(t, 0, sizeof(*t));
	/* a name from a DNS answer: printable before it is shown anywhere */
	mm_sanitize(t->exchange, sizeof(t->exchange), x->name, strlen(x->name));
	t->pref = x->pref;
	t->origin = x->origin;
	t->alias = alias;
	t->family = AF_UNSPEC;
	t->status = STATUS_UNKNOWN;
	t->fail = FAIL_NONE;
	t->latency_us = -1;
	t->cert_days = CERT_DAYS_NONE;
}

static void
row_dns(struct target_result *t, int family, const char *why)
{
	t->family = family;
	t->status = STATUS_CRITICAL;	/* as every dns failure */
	t->fail = FAIL_DNS;
	mm_strlcpy(t->reason, why, sizeof(t->reason));
}

static void
row_addr(struct target_result *t, const struct dns_addr *a)
{
	const struct sockaddr	*sa = (const struct sockaddr *)&a->ss;

	t->family = sa->sa_family;
	dns_addr_str(sa, t->address, sizeof(t->address));
	if (sa->sa_family == AF_INET) {
		memcpy(t->addr_bin, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, 4);
		t->addr_len = 4;
	} else {
		memcpy(t->addr_bin, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, 16);
		t->addr_len = 16;
	}
}

/*
 * A lookup that failed, as opposed to one that found no records or no
 * name: those two are answers, and one row says them for the exchange.
 */
static int
hard_fail(const struct dns_result *r)
{
	return r != NULL && !r->ok && r->status != DNS_NODATA &&
	    r->status != DNS_NXDOMAIN;
}

static int
has_addr(const struct target_result *rows, size_t n, const char *addr)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(rows[i].address, addr) == 0)
			return 1;
	return 0;
}

size_t
mx_exchange_rows(const struct mx_exchange *x, const struct dns_result *r4,
    const struct dns_result *r6, size_t max, struct target_result *rows,
    struct dns_addr *addrs, size_t room)
{
	const struct dns_result	*fam[2] = { r4, r6 };
	size_t			 n = 0, i, k, navail[2];
	int			 alias, f;
	char			 a[TARGET_ADDR_MAX];

	alias = (r4 != NULL && r4->alias) || (r6 != NULL && r6->alias);
	for (f = 0; f < 2; f++)
		navail[f] = fam[f] != NULL && fam[f]->ok ? fam[f]->naddr : 0;
	/* interleave: v4[0], v6[0], v4[1], v6[1], ... */
	for (i = 0; n < max && n < room &&
	    (i < navail[0] || i < navail[1]); i++) {
		for (f = 0; f < 2 && n < max && n < room; f++) {
			if (i >= navail[f])
				continue;
			dns_addr_str((const struct sockaddr *)
			    &fam[f]->addr[i].ss, a, sizeof(a));
			if (has_addr(rows, n, a))
				continue;
			row_init(&rows[n], x, alias);
			row_addr(&rows[n], &fam[f]->addr[i]);
			addrs[n] = fam[f]->addr[i];
			n++;
		}
	}
	if (n >= room)
		return n;
	if (n == 0 && !hard_fail(r4) && !hard_fail(r6)) {
		/* every family asked answered "no such name" or "no records" */
		const struct dns_result *r = r4 != NULL ? r4 : r6;

		/* one family asked: the row is of that family */
		int one = r4 != NULL && r6 != NULL ? AF_UNSPEC :
		    r4 != NULL ? AF_INET : AF_INET6;

		row_init(&rows[0], x, alias);
		if (r != NULL && r->status == DNS_NXDOMAIN)
			row_dns(&rows[0], one, "no such host (NXDOMAIN)");
		else
			row_dns(&rows[0], one, r4 != NULL && r6 != NULL ?
			    "no address records (A, AAAA)" : r4 != NULL ?
			    "no address records (A)" :
			    "no address records (AAAA)");
		return 1;
	}
	for (f = 0, k = n; f < 2 && k < room; f++) {
		if (!hard_fail(fam[f]))
			continue;
		row_init(&rows[k], x, alias);
		row_dns(&rows[k], f == 0 ? AF_INET : AF_INET6,
		    fam[f]->reason[0] != '\0' ? fam[f]->reason : "DNS error");
		if (fam[f]->status == DNS_LOCAL) {
			/* not the DNS: this host could not ask */
			rows[k].status = STATUS_UNKNOWN;
			rows[k].fail = FAIL_INTERNAL;
		}
		k++;
	}
	return k;
}

void
mx_row_result(struct target_result *t, const struct probe_result *r)
{
	t->status = r->status;
	t->fail = r->fail;
	mm_strlcpy(t->reason, r->reason, sizeof(t->reason));
	t->reply_code = r->reply_code;
	t->latency_us = r->t[PH_TOTAL];
	t->cert_days = r->cert_days;
}

enum target_dns
mx_dns_outcome(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return TD_OK;
	case DNS_NODATA:
		return TD_IMPLICIT;
	case DNS_NXDOMAIN:
		return TD_NXDOMAIN;
	case DNS_SERVFAIL:
		return TD_SERVFAIL;
	case DNS_REFUSED:
		return TD_REFUSED;
	case DNS_TIMEOUT:
		return TD_TIMEOUT;
	case DNS_UNREACHABLE:
		return TD_UNREACHABLE;
	default:
		return TD_OTHER;
	}
}

/* the policy */

static void
ok_reason(const struct target_list *l, size_t more, char *buf, size_t len)
{
	size_t	 i, nexch = 0, n4 = 0, n6 = 0;
	char	 tail[TARGET_NAME_MAX + 64];

	for (i = 0; i < l->n; i++) {
		if (i == 0 || strcasecmp(l->t[i].exchange,
		    l->t[i - 1].exchange) != 0)
			nexch++;
		if (l->t[i].family == AF_INET)
			n4++;
		else if (l->t[i].family == AF_INET6)
			n6++;
	}
	switch (l->t[0].origin) {
	case TO_HOST:
		snprintf(buf, len, "%s%s%s ok (%zu address%s)",
		    n4 > 0 ? "IPv4" : "", n4 > 0 && n6 > 0 ? " and " : "",
		    n6 > 0 ? "IPv6" : "", l->n, l->n == 1 ? "" : "es");
		if (n4 == 0 || n6 == 0)
			mm_strlcat(buf, n4 == 0 ? "; no IPv4 address" :
			    "; no IPv6 address", len);
		break;
	case TO_IMPLICIT:
		snprintf(buf, len, "no MX: the domain itself, %zu address%s ok",
		    l->n, l->n == 1 ? "" : "es");
		break;
	default:
		snprintf(buf, len, "%zu exchange%s, %zu address%s ok", nexch,
		    nexch == 1 ? "" : "s", l->n, l->n == 1 ? "" : "es");
		break;
	}
	if (more > 0) {
		snprintf(tail, sizeof(tail), "; %zu more exchange%s not probed",
		    more, more == 1 ? "" : "s");
		mm_strlcat(buf, tail, len);
	}
	for (i = 0; i < l->n; i++)
		if (l->t[i].alias) {
			snprintf(tail, sizeof(tail), "; %s is a CNAME",
			    l->t[i].exchange);
			if (strlen(buf) + strlen(tail) < len)
				mm_strlcat(buf, tail, len);
			break;
		}
}

void
mx_verdict(const struct target_list *l, enum mx_policy policy, int null_mx,
    size_t more, struct mx_verdict *v)
{
	size_t		 i, nok = 0, nwarn = 0, nfail = 0, lowfail = 0, nlow = 0;
	size_t		 firstbad = (size_t)-1, firstfail = (size_t)-1;
	unsigned	 minpref = 65536;
	char		 text[PROBE_REASON_MAX], pre[48];

	memset(v, 0, sizeof(*v));
	v->status = STATUS_OK;
	v->fail = FAIL_NONE;
	if (l->n == 0) {
		v->status = STATUS_UNKNOWN;
		v->fail = FAIL_INTERNAL;
		mm_strlcpy(v->reason, "no targets", sizeof(v->reason));
		return;
	}
	for (i = 0; i < l->n; i++)
		if (l->t[i].pref < minpref)
			minpref = l->t[i].pref;
	for (i = 0; i < l->n; i++) {
		const struct target_result *t = &l->t[i];

		if (t->pref == minpref)
			nlow++;
		if (t->status == STATUS_OK) {
			nok++;
			continue;
		}
		if (firstbad == (size_t)-1)
			firstbad = i;
		if (!target_failed(t)) {
			nwarn++;
			continue;
		}
		nfail++;
		if (firstfail == (size_t)-1)
			firstfail = i;
		if (t->pref == minpref)
			lowfail++;
	}

	if (policy == MXP_ANY) {
		if (nok > 0)
			v->status = STATUS_OK;
		else if (nwarn > 0)
			v->status = STATUS_WARNING;
		else
			v->status = STATUS_CRITICAL;
	} else {
		if (lowfail == nlow)
			v->status = STATUS_CRITICAL;
		else if (nfail > 0 || nwarn > 0)
			v->status = STATUS_WARNING;
		else
			v->status = STATUS_OK;
	}
	if (v->status == STATUS_CRITICAL)
		v->fail = l->t[firstfail].fail;
	else if (v->status == STATUS_WARNING)
		v->fail = l->t[firstbad].fail;
	v->rep = firstbad != (size_t)-1 ? firstbad : 0;
	if (null_mx == MX_NULL_MIXED && v->status == STATUS_OK) {
		v->status = STATUS_WARNING;
		v->fail = FAIL_DNS;
	}

	pre[0] = '\0';
	if (null_mx == MX_NULL_MIXED)
		mm_strlcpy(pre, "null MX next to other MX records; ",
		    sizeof(pre));
	if (firstbad == (size_t)-1) {
		ok_reason(l, more, text, sizeof(text));
		snprintf(v->reason, sizeof(v->reason), "%s%s", pre, text);
		return;
	}
	if (v->status == STATUS_OK) {
		/* any-policy: say what works, then what does not */
		snprintf(pre + strlen(pre), sizeof(pre) - strlen(pre),
		    "%zu of %zu ok; ", nok, l->n);
	}
	(void)target_failed_text(l->t, l->n, text,
	    sizeof(v->reason) - strlen(pre));
	snprintf(v->reason, sizeof(v->reason), "%s%s", pre, text);
}

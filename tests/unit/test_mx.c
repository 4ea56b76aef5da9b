/*
 * test_mx.c - the pure parts of domain and dual-stack probes: which
 * exchanges and addresses are probed, the rows of names that did not
 * resolve, the MX policy, the stable target indexes, the failing-target
 * text, and the DNS helpers (status words, timing steps, server lists).
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ares.h>

#include "dns.h"
#include "mxpolicy.h"
#include "probe.h"
#include "target.h"

/* ---- fixtures ------------------------------------------------------- */

static struct dns_result *
addrs(struct dns_result *r, int family, const char *a1, const char *a2)
{
	const char	*list[2] = { a1, a2 };
	int		 i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 2 && list[i] != NULL; i++) {
		struct dns_addr	*d = &r->addr[r->naddr++];

		if (family == AF_INET) {
			struct sockaddr_in *s = (void *)&d->ss;

			s->sin_family = AF_INET;
			assert_int_equal(inet_pton(AF_INET, list[i],
			    &s->sin_addr), 1);
			d->len = sizeof(*s);
		} else {
			struct sockaddr_in6 *s = (void *)&d->ss;

			s->sin6_family = AF_INET6;
			assert_int_equal(inet_pton(AF_INET6, list[i],
			    &s->sin6_addr), 1);
			d->len = sizeof(*s);
		}
	}
	r->ok = r->naddr > 0;
	r->status = r->ok ? DNS_OK : DNS_NODATA;
	return r;
}

static struct dns_result *
failed(struct dns_result *r, enum dns_status st, const char *why)
{
	memset(r, 0, sizeof(*r));
	r->status = st;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
	return r;
}

static void
exch(struct mx_exchange *x, const char *name, uint16_t pref)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->pref = pref;
	x->origin = TO_MX;
}

/* a probed target with a result */
static struct target_result *
tgt(struct target_list *l, const char *name, uint16_t pref, int family,
    const char *addr, enum probe_status st, enum fail_class f,
    const char *reason)
{
	struct target_result *t = &l->t[l->n++];

	memset(t, 0, sizeof(*t));
	snprintf(t->exchange, sizeof(t->exchange), "%s", name);
	t->pref = pref;
	t->origin = TO_MX;
	t->family = family;
	snprintf(t->address, sizeof(t->address), "%s", addr);
	t->status = st;
	t->fail = f;
	snprintf(t->reason, sizeof(t->reason), "%s", reason);
	t->latency_us = 1000;
	t->cert_days = CERT_DAYS_NONE;
	return t;
}

/* ---- exchanges ------------------------------------------------------ */

static void
test_pick_exchanges(void **state)
{
	struct dns_mx		 mx[6];
	struct mx_exchange	 out[DNS_MAX_MX];
	size_t			 n, more;
	int			 null_mx;

	(void)state;
	memset(mx, 0, sizeof(mx));
	mx[0].pref = 20; snprintf(mx[0].host, sizeof(mx[0].host), "mx2.ex");
	mx[1].pref = 10; snprintf(mx[1].host, sizeof(mx[1].host), "mx1.ex");
	mx[2].pref = 30; snprintf(mx[2].host, sizeof(mx[2].host), "MX1.ex.");
	mx[3].pref = 20; snprintf(mx[3].host, sizeof(mx[3].host), "mxa.ex");
	/* by preference, then name; MX1.ex. is mx1.ex (lowest kept) */
	n = mx_pick_exchanges(mx, 4, 5, out, &null_mx, &more);
	assert_int_equal(n, 3);
	assert_int_equal(null_mx, 0);
	assert_int_equal(more, 0);
	assert_string_equal(out[0].name, "mx1.ex");
	assert_int_equal(out[0].pref, 10);
	assert_string_equal(out[1].name, "mx2.ex");
	assert_string_equal(out[2].name, "mxa.ex");
	assert_int_equal(out[2].origin, TO_MX);
	/* at most max, the lowest preferences */
	n = mx_pick_exchanges(mx, 4, 2, out, &null_mx, &more);
	assert_int_equal(n, 2);
	assert_int_equal(more, 1);
	assert_string_equal(out[1].name, "mx2.ex");

	/* RFC 7505: "MX 0 ." alone */
	memset(mx, 0, sizeof(mx));
	n = mx_pick_exchanges(mx, 1, 5, out, &null_mx, &more);
	assert_int_equal(n, 0);
	assert_int_equal(null_mx, MX_NULL_ONLY);
	/* "." next to a real exchange: left out, and said */
	mx[1].pref = 10; snprintf(mx[1].host, sizeof(mx[1].host), "mx1.ex");
	n = mx_pick_exchanges(mx, 2, 5, out, &null_mx, &more);
	assert_int_equal(n, 1);
	assert_int_equal(null_mx, MX_NULL_MIXED);
	assert_string_equal(out[0].name, "mx1.ex");
}

/* ---- rows of one exchange ------------------------------------------- */

static void
test_exchange_rows(void **state)
{
	struct mx_exchange	 x;
	struct dns_result	 r4, r6;
	struct target_result	 rows[TARGET_MAX];
	struct dns_addr		 a[TARGET_MAX];
	size_t			 n;

	(void)state;
	exch(&x, "mx1.example.test", 10);
	/* both families, interleaved, status left to the probe */
	n = mx_exchange_rows(&x, addrs(&r4, AF_INET, "192.0.2.1", "192.0.2.2"),
	    addrs(&r6, AF_INET6, "2001:db8::1", NULL), 4, rows, a, TARGET_MAX);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].address, "192.0.2.1");
	assert_int_equal(rows[0].family, AF_INET);
	assert_int_equal(rows[0].addr_len, 4);
	assert_string_equal(rows[1].address, "2001:db8::1");
	assert_int_equal(rows[1].family, AF_INET6);
	assert_int_equal(rows[1].addr_len, 16);
	assert_int_equal(rows[1].addr_bin[15], 1);
	assert_string_equal(rows[2].address, "192.0.2.2");
	assert_int_equal(rows[0].pref, 10);
	assert_string_equal(rows[0].exchange, "mx1.example.test");
	assert_int_equal(rows[0].status, STATUS_UNKNOWN);
	assert_int_equal(rows[0].fail, FAIL_NONE);
	assert_int_equal(a[1].ss.ss_family, AF_INET6);
	/* a small max still probes both families */
	n = mx_exchange_rows(&x, addrs(&r4, AF_INET, "192.0.2.1", "192.0.2.2"),
	    addrs(&r6, AF_INET6, "2001:db8::1", NULL), 2, rows, a, TARGET_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].family, AF_INET);
	assert_int_equal(rows[1].family, AF_INET6);
	/* the same address twice is one target */
	n = mx_exchange_rows(&x, addrs(&r4, AF_INET, "192.0.2.1", "192.0.2.1"),
	    NULL, 4, rows, a, TARGET_MAX);
	assert_int_equal(n, 1);

	/* no AAAA records: not a failure, no row */
	n = mx_exchange_rows(&x, addrs(&r4, AF_INET, "192.0.2.1", NULL),
	    failed(&r6, DNS_NODATA, "no IPv6 address for host"), 4, rows, a,
	    TARGET_MAX);
	assert_int_equal(n, 1);
	/* the AAAA lookup failed: one more row, with the family */
	n = mx_exchange_rows(&x, addrs(&r4, AF_INET, "192.0.2.1", NULL),
	    failed(&r6, DNS_TIMEOUT, "DNS timeout"), 4, rows, a, TARGET_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(rows[1].family, AF_INET6);
	assert_string_equal(rows[1].address, "");
	assert_int_equal(rows[1].addr_len, 0);
	assert_int_equal(rows[1].status, STATUS_CRITICAL);
	assert_int_equal(rows[1].fail, FAIL_DNS);
	assert_string_equal(rows[1].reason, "DNS timeout");
	assert_int_equal(rows[1].latency_us, -1);

	/* the name does not exist: one row for the exchange */
	n = mx_exchange_rows(&x, failed(&r4, DNS_NXDOMAIN, "no such host"),
	    failed(&r6, DNS_NXDOMAIN, "no such host"), 4, rows, a, TARGET_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].family, AF_UNSPEC);
	assert_string_equal(rows[0].reason, "no such host (NXDOMAIN)");
	assert_int_equal(rows[0].fail, FAIL_DNS);
	/* exists, but no address at all */
	n = mx_exchange_rows(&x, failed(&r4, DNS_NODATA, "x"),
	    failed(&r6, DNS_NODATA, "y"), 4, rows, a, TARGET_MAX);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].reason, "no address records (A, AAAA)");
	/* only AAAA asked (-6): the row is IPv6 */
	n = mx_exchange_rows(&x, NULL, failed(&r6, DNS_NODATA, "y"), 4, rows,
	    a, TARGET_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].family, AF_INET6);
	assert_string_equal(rows[0].reason, "no address records (AAAA)");
	/* both lookups failed: a row each */
	n = mx_exchange_rows(&x, failed(&r4, DNS_SERVFAIL, "DNS server failure"),
	    failed(&r6, DNS_TIMEOUT, "DNS timeout"), 4, rows, a, TARGET_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].family, AF_INET);
	assert_int_equal(rows[1].family, AF_INET6);
	/* a CNAME'd exchange is flagged on every row */
	addrs(&r4, AF_INET, "192.0.2.1", NULL);
	r4.alias = 1;
	n = mx_exchange_rows(&x, &r4, addrs(&r6, AF_INET6, "2001:db8::1",
	    NULL), 4, rows, a, TARGET_MAX);
	assert_int_equal(n, 2);
	assert_true(rows[0].alias && rows[1].alias);
	/* never more than room */
	n = mx_exchange_rows(&x, addrs(&r4, AF_INET, "192.0.2.1", "192.0.2.2"),
	    failed(&r6, DNS_TIMEOUT, "t"), 4, rows, a, 2);
	assert_int_equal(n, 2);
}

/* ---- the policy ----------------------------------------------------- */

static void
test_verdict_all(void **state)
{
	struct target_list	 l;
	struct mx_verdict	 v;

	(void)state;
	/* every target works */
	memset(&l, 0, sizeof(l));
	tgt(&l, "mx1.ex", 10, AF_INET, "192.0.2.1", STATUS_OK, FAIL_NONE, "ok");
	tgt(&l, "mx1.ex", 10, AF_INET6, "2001:db8::1", STATUS_OK, FAIL_NONE,
	    "ok");
	tgt(&l, "mx2.ex", 20, AF_INET, "192.0.2.2", STATUS_OK, FAIL_NONE, "ok");
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_int_equal(v.status, STATUS_OK);
	assert_int_equal(v.fail, FAIL_NONE);
	assert_string_equal(v.reason, "2 exchanges, 3 addresses ok");
	mx_verdict(&l, MXP_ALL, 0, 2, &v);
	assert_string_equal(v.reason,
	    "2 exchanges, 3 addresses ok; 2 more exchanges not probed");

	/* the backup MX is down: WARNING, named */
	l.t[2].status = STATUS_CRITICAL;
	l.t[2].fail = FAIL_REFUSED;
	snprintf(l.t[2].reason, sizeof(l.t[2].reason),
	    "192.0.2.2: connection refused");
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_int_equal(v.status, STATUS_WARNING);
	assert_int_equal(v.fail, FAIL_REFUSED);
	assert_string_equal(v.reason,
	    "mx2.ex IPv4 192.0.2.2: connection refused");
	assert_int_equal(v.rep, 2);
	/* the any-policy is content with one working address */
	mx_verdict(&l, MXP_ANY, 0, 0, &v);
	assert_int_equal(v.status, STATUS_OK);
	assert_int_equal(v.fail, FAIL_NONE);
	assert_string_equal(v.reason,
	    "2 of 3 ok; mx2.ex IPv4 192.0.2.2: connection refused");

	/* IPv6 of the primary broken: WARNING, the family named */
	l.t[2].status = STATUS_OK;
	l.t[2].fail = FAIL_NONE;
	l.t[1].status = STATUS_CRITICAL;
	l.t[1].fail = FAIL_CONNECT_TIMEOUT;
	snprintf(l.t[1].reason, sizeof(l.t[1].reason),
	    "2001:db8::1: connect timed out");
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_int_equal(v.status, STATUS_WARNING);
	assert_int_equal(v.fail, FAIL_CONNECT_TIMEOUT);
	assert_string_equal(v.reason,
	    "mx1.ex IPv6 2001:db8::1: connect timed out");

	/* every address of the lowest preference down: CRITICAL */
	l.t[0].status = STATUS_CRITICAL;
	l.t[0].fail = FAIL_REFUSED;
	snprintf(l.t[0].reason, sizeof(l.t[0].reason),
	    "192.0.2.1: connection refused");
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_int_equal(v.status, STATUS_CRITICAL);
	assert_int_equal(v.fail, FAIL_REFUSED);	/* the first failing one */
	assert_int_equal(v.rep, 0);
	assert_string_equal(v.reason, "mx1.ex IPv4 192.0.2.1: connection "
	    "refused; mx1.ex IPv6 2001:db8::1: connect timed out");
	/* ... which the backup saves under the any-policy */
	mx_verdict(&l, MXP_ANY, 0, 0, &v);
	assert_int_equal(v.status, STATUS_OK);

	/* a warning target (certificate expiring) is a WARNING */
	memset(&l, 0, sizeof(l));
	tgt(&l, "mx1.ex", 10, AF_INET, "192.0.2.1", STATUS_WARNING,
	    FAIL_CERT_EXPIRING, "certificate expires in 5 days");
	tgt(&l, "mx2.ex", 20, AF_INET, "192.0.2.2", STATUS_OK, FAIL_NONE, "ok");
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_int_equal(v.status, STATUS_WARNING);
	assert_int_equal(v.fail, FAIL_CERT_EXPIRING);
	/* only warnings left under the any-policy: WARNING */
	l.t[1].status = STATUS_CRITICAL;
	l.t[1].fail = FAIL_TIMEOUT;
	mx_verdict(&l, MXP_ANY, 0, 0, &v);
	assert_int_equal(v.status, STATUS_WARNING);
	l.t[0].status = STATUS_CRITICAL;
	mx_verdict(&l, MXP_ANY, 0, 0, &v);
	assert_int_equal(v.status, STATUS_CRITICAL);

	/* two exchanges share the lowest preference: both must be down */
	memset(&l, 0, sizeof(l));
	tgt(&l, "a.ex", 10, AF_INET, "192.0.2.1", STATUS_CRITICAL,
	    FAIL_REFUSED, "refused");
	tgt(&l, "b.ex", 10, AF_INET, "192.0.2.2", STATUS_OK, FAIL_NONE, "ok");
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_int_equal(v.status, STATUS_WARNING);
	l.t[1].status = STATUS_UNKNOWN;		/* unknown fails too */
	l.t[1].fail = FAIL_INTERNAL;
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_int_equal(v.status, STATUS_CRITICAL);

	/* a null MX next to real ones: at least WARNING */
	memset(&l, 0, sizeof(l));
	tgt(&l, "mx1.ex", 10, AF_INET, "192.0.2.1", STATUS_OK, FAIL_NONE, "ok");
	mx_verdict(&l, MXP_ALL, MX_NULL_MIXED, 0, &v);
	assert_int_equal(v.status, STATUS_WARNING);
	assert_int_equal(v.fail, FAIL_DNS);
	assert_string_equal(v.reason, "null MX next to other MX records; "
	    "1 exchange, 1 address ok");
}

static void
test_verdict_words(void **state)
{
	struct target_list	 l;
	struct mx_verdict	 v;

	(void)state;
	/* dual-stack host */
	memset(&l, 0, sizeof(l));
	tgt(&l, "mail.ex", 0, AF_INET, "192.0.2.1", STATUS_OK, FAIL_NONE, "ok")
	    ->origin = TO_HOST;
	tgt(&l, "mail.ex", 0, AF_INET6, "2001:db8::1", STATUS_OK, FAIL_NONE,
	    "ok")->origin = TO_HOST;
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_string_equal(v.reason, "IPv4 and IPv6 ok (2 addresses)");
	l.n = 1;
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_string_equal(v.reason, "IPv4 ok (1 address); no IPv6 address");
	/* an IPv6-only failure of a host: WARNING, named */
	l.n = 2;
	l.t[1].status = STATUS_CRITICAL;
	l.t[1].fail = FAIL_REFUSED;
	snprintf(l.t[1].reason, sizeof(l.t[1].reason),
	    "2001:db8::1: connection refused");
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_int_equal(v.status, STATUS_WARNING);
	assert_string_equal(v.reason,
	    "mail.ex IPv6 2001:db8::1: connection refused");
	/* implicit MX */
	memset(&l, 0, sizeof(l));
	tgt(&l, "ex", 0, AF_INET, "192.0.2.1", STATUS_OK, FAIL_NONE, "ok")
	    ->origin = TO_IMPLICIT;
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_string_equal(v.reason, "no MX: the domain itself, 1 address ok");
	/* an alias is mentioned */
	memset(&l, 0, sizeof(l));
	tgt(&l, "alias.ex", 10, AF_INET, "192.0.2.1", STATUS_OK, FAIL_NONE,
	    "ok")->alias = 1;
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_string_equal(v.reason,
	    "1 exchange, 1 address ok; alias.ex is a CNAME");
	/* nothing to judge */
	memset(&l, 0, sizeof(l));
	mx_verdict(&l, MXP_ALL, 0, 0, &v);
	assert_int_equal(v.status, STATUS_UNKNOWN);
	assert_int_equal(v.fail, FAIL_INTERNAL);
}

/* ---- the text of failing targets ------------------------------------ */

static void
test_failed_text(void **state)
{
	struct target_list	 l;
	char			 buf[PROBE_REASON_MAX], small[40];
	char			 big[TARGET_FAILED_MAX];
	size_t			 i, n;

	(void)state;
	memset(&l, 0, sizeof(l));
	tgt(&l, "mx1.example.test", 10, AF_INET, "192.0.2.1", STATUS_OK,
	    FAIL_NONE, "ok");
	tgt(&l, "missing.example.test", 20, AF_UNSPEC, "", STATUS_CRITICAL,
	    FAIL_DNS, "no such host (NXDOMAIN)");
	tgt(&l, "v6.example.test", 30, AF_INET6, "", STATUS_CRITICAL,
	    FAIL_DNS, "DNS timeout");
	n = target_failed_text(l.t, l.n, buf, sizeof(buf));
	assert_int_equal(n, 2);
	assert_string_equal(buf, "missing.example.test: no such host "
	    "(NXDOMAIN); v6.example.test IPv6: DNS timeout");
	/* what does not fit is counted */
	for (i = 0; i < 8; i++)
		tgt(&l, "mx9.example.test", 40, AF_INET, "192.0.2.9",
		    STATUS_CRITICAL, FAIL_REFUSED,
		    "192.0.2.9: connection refused");
	n = target_failed_text(l.t, l.n, buf, sizeof(buf));
	assert_int_equal(n, 10);
	assert_true(strlen(buf) < sizeof(buf));
	assert_string_equal(buf, "missing.example.test: no such host "
	    "(NXDOMAIN); v6.example.test IPv6: DNS timeout (+8 more)");
	n = target_failed_text(l.t, l.n, big, sizeof(big));
	assert_int_equal(n, 10);
	assert_non_null(strstr(big, "; mx9.example.test IPv4 192.0.2.9: "
	    "connection refused; mx9"));
	assert_non_null(strstr(big, " more)"));
	/* the first one always shows, cut */
	n = target_failed_text(l.t + 1, l.n - 1, small, sizeof(small));
	assert_int_equal(n, 10);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_non_null(strstr(small, " (+9 more)"));
	assert_int_equal(strncmp(small, "missing.example.test", 20), 0);
	/* nothing failing: empty */
	n = target_failed_text(l.t, 1, buf, sizeof(buf));
	assert_int_equal(n, 0);
	assert_string_equal(buf, "");
}

/* ---- stable indexes ------------------------------------------------- */

static uint32_t
index_of(const struct target_table *tab, const char *name, int family,
    const char *addr)
{
	size_t	 i;

	for (i = 0; i < TARGET_MAX; i++) {
		const struct target_entry *e = &tab->e[i];

		if (e->present && strcmp(e->r.exchange, name) == 0 &&
		    e->r.family == family && strcmp(e->r.address, addr) == 0)
			return e->index;
	}
	return 0;
}

static void
test_index_stability(void **state)
{
	struct target_table	*tab = malloc(sizeof(*tab));
	struct target_list	*l = malloc(sizeof(*l));
	size_t			 i;
	char			 a[32];

	(void)state;
	assert_non_null(tab);
	assert_non_null(l);
	target_table_init(tab);
	memset(l, 0, sizeof(*l));
	tgt(l, "mx1.ex", 10, AF_INET, "192.0.2.1", STATUS_OK, FAIL_NONE, "ok");
	tgt(l, "mx1.ex", 10, AF_INET6, "2001:db8::1", STATUS_CRITICAL,
	    FAIL_REFUSED, "refused");
	tgt(l, "mx2.ex", 20, AF_INET, "192.0.2.2", STATUS_OK, FAIL_NONE, "ok");
	target_merge(tab, l);
	assert_int_equal(index_of(tab, "mx1.ex", AF_INET, "192.0.2.1"), 1);
	assert_int_equal(index_of(tab, "mx1.ex", AF_INET6, "2001:db8::1"), 2);
	assert_int_equal(index_of(tab, "mx2.ex", AF_INET, "192.0.2.2"), 3);
	assert_int_equal(tab->npresent, 3);
	assert_int_equal(tab->nfailing, 1);
	assert_string_equal(tab->failed, "mx1.ex IPv6 2001:db8::1: refused");

	/* another order (DNS round robin), another case: same indexes */
	memset(l, 0, sizeof(*l));
	tgt(l, "MX2.ex", 20, AF_INET, "192.0.2.2", STATUS_OK, FAIL_NONE, "ok");
	tgt(l, "mx1.ex", 10, AF_INET6, "2001:db8::1", STATUS_OK, FAIL_NONE,
	    "ok");
	tgt(l, "mx1.ex", 10, AF_INET, "192.0.2.1", STATUS_OK, FAIL_NONE, "ok");
	target_merge(tab, l);
	assert_int_equal(index_of(tab, "MX2.ex", AF_INET, "192.0.2.2"), 3);
	assert_int_equal(index_of(tab, "mx1.ex", AF_INET6, "2001:db8::1"), 2);
	assert_int_equal(index_of(tab, "mx1.ex", AF_INET, "192.0.2.1"), 1);
	assert_int_equal(tab->nfailing, 0);
	assert_string_equal(tab->failed, "");

	/* mx1's IPv6 is gone, a new address comes: the lowest unused */
	memset(l, 0, sizeof(*l));
	tgt(l, "mx1.ex", 10, AF_INET, "192.0.2.1", STATUS_OK, FAIL_NONE, "ok");
	tgt(l, "mx3.ex", 30, AF_INET, "192.0.2.3", STATUS_OK, FAIL_NONE, "ok");
	tgt(l, "mx2.ex", 20, AF_INET, "192.0.2.2", STATUS_OK, FAIL_NONE, "ok");
	target_merge(tab, l);
	assert_int_equal(index_of(tab, "mx1.ex", AF_INET, "192.0.2.1"), 1);
	assert_int_equal(index_of(tab, "mx2.ex", AF_INET, "192.0.2.2"), 3);
	assert_int_equal(index_of(tab, "mx3.ex", AF_INET, "192.0.2.3"), 4);
	assert_int_equal(index_of(tab, "mx1.ex", AF_INET6, "2001:db8::1"), 0);
	assert_int_equal(tab->npresent, 3);
	assert_false(tab->e[1].present);
	/* ... and when it is back it has its index again */
	tgt(l, "mx1.ex", 10, AF_INET6, "2001:db8::1", STATUS_OK, FAIL_NONE,
	    "ok");
	target_merge(tab, l);
	assert_int_equal(index_of(tab, "mx1.ex", AF_INET6, "2001:db8::1"), 2);
	assert_int_equal(index_of(tab, "mx3.ex", AF_INET, "192.0.2.3"), 4);

	/* a name without an address is a target of its own */
	memset(l, 0, sizeof(*l));
	tgt(l, "mx1.ex", 10, AF_UNSPEC, "", STATUS_CRITICAL, FAIL_DNS,
	    "no such host");
	target_merge(tab, l);
	assert_int_equal(index_of(tab, "mx1.ex", AF_UNSPEC, ""), 5);
	assert_int_equal(tab->npresent, 1);

	/* all 64 used: a new target takes the index absent longest */
	for (i = 0; i < TARGET_MAX - 5; i++) {
		memset(l, 0, sizeof(*l));
		snprintf(a, sizeof(a), "198.51.100.%zu", i);
		tgt(l, "many.ex", 10, AF_INET, a, STATUS_OK, FAIL_NONE, "ok");
		target_merge(tab, l);
		assert_int_equal(index_of(tab, "many.ex", AF_INET, a), 6 + i);
	}
	memset(l, 0, sizeof(*l));
	tgt(l, "new.ex", 10, AF_INET, "203.0.113.1", STATUS_OK, FAIL_NONE,
	    "ok");
	target_merge(tab, l);
	/* mx2 (index 3) was last seen together with mx1, mx3, mx1 IPv6 */
	i = index_of(tab, "new.ex", AF_INET, "203.0.113.1");
	assert_true(i >= 1 && i <= 4);
	/* a full check fits, each target once */
	memset(l, 0, sizeof(*l));
	for (i = 0; i < TARGET_MAX; i++) {
		snprintf(a, sizeof(a), "198.18.0.%zu", i);
		tgt(l, "full.ex", 10, AF_INET, a, STATUS_OK, FAIL_NONE, "ok");
	}
	target_merge(tab, l);
	assert_int_equal(tab->npresent, TARGET_MAX);
	for (i = 0; i < TARGET_MAX; i++)
		assert_true(tab->e[i].present);
	free(tab);
	free(l);
}

/* ---- DNS helpers ---------------------------------------------------- */

static void
test_dns_helpers(void **state)
{
	char	 err[160];
	int	 t, tries;

	(void)state;
	assert_int_equal(dns_classify(ARES_SUCCESS), DNS_OK);
	assert_int_equal(dns_classify(ARES_ENODATA), DNS_NODATA);
	assert_int_equal(dns_classify(ARES_ENOTFOUND), DNS_NXDOMAIN);
	assert_int_equal(dns_classify(ARES_ESERVFAIL), DNS_SERVFAIL);
	assert_int_equal(dns_classify(ARES_EREFUSED), DNS_REFUSED);
	assert_int_equal(dns_classify(ARES_ETIMEOUT), DNS_TIMEOUT);
	assert_int_equal(dns_classify(ARES_ECONNREFUSED), DNS_UNREACHABLE);
	assert_int_equal(dns_classify(ARES_EBADNAME), DNS_BADNAME);
	assert_int_equal(dns_classify(ARES_EBADRESP), DNS_ERROR);
	assert_string_equal(dns_status_name(DNS_SERVFAIL), "servfail");
	assert_string_equal(dns_status_name(DNS_STATUS_LAST), "?");

	assert_int_equal(mx_dns_outcome(DNS_OK), TD_OK);
	assert_int_equal(mx_dns_outcome(DNS_NODATA), TD_IMPLICIT);
	assert_int_equal(mx_dns_outcome(DNS_NXDOMAIN), TD_NXDOMAIN);
	assert_int_equal(mx_dns_outcome(DNS_SERVFAIL), TD_SERVFAIL);
	assert_int_equal(mx_dns_outcome(DNS_REFUSED), TD_REFUSED);
	assert_int_equal(mx_dns_outcome(DNS_TIMEOUT), TD_TIMEOUT);
	assert_int_equal(mx_dns_outcome(DNS_UNREACHABLE), TD_UNREACHABLE);
	assert_int_equal(mx_dns_outcome(DNS_ERROR), TD_OTHER);
	assert_string_equal(target_dns_name(TD_NULLMX), "null_mx");

	/* the whole lookup stays within the budget: 3 x servers x t */
	dns_timing(10000, 1, &t, &tries);
	assert_int_equal(tries, 2);
	assert_int_equal(t, 3000);
	dns_timing(3333, 2, &t, &tries);
	assert_true(3 * 2 * t <= 3333);
	assert_int_equal(t, 500);
	dns_timing(600000, 1, &t, &tries);
	assert_int_equal(t, 5000);		/* never beyond c-ares' own */
	dns_timing(10, 3, &t, &tries);
	assert_int_equal(t, 50);		/* the floor */

	assert_int_equal(dns_servers_check("127.0.0.1", err, sizeof(err)), 0);
	assert_int_equal(dns_servers_check("127.0.0.1:53,[::1]:5353,::1",
	    err, sizeof(err)), 0);
	assert_int_equal(dns_servers_count("127.0.0.1:53,[::1]:5353,::1"), 3);
	assert_int_equal(dns_servers_count(""), 0);
	assert_int_equal(dns_servers_check("", err, sizeof(err)), -1);
	assert_string_equal(err, "empty DNS server list");
	assert_int_equal(dns_servers_check("127.0.0.1,", err, sizeof(err)),
	    -1);
	assert_int_equal(dns_servers_check("[::1", err, sizeof(err)), -1);
	assert_int_equal(dns_servers_check("[::1]x", err, sizeof(err)), -1);
	assert_int_equal(dns_servers_check("127.0.0.1:0", err, sizeof(err)),
	    -1);
	assert_int_equal(dns_servers_check("dns.example", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "'dns.example'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_exchanges),
		cmocka_unit_test(test_exchange_rows),
		cmocka_unit_test(test_verdict_all),
		cmocka_unit_test(test_verdict_words),
		cmocka_unit_test(test_failed_text),
		cmocka_unit_test(test_index_stability),
		cmocka_unit_test(test_dns_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

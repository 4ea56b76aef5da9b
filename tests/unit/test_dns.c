/*
 * test_dns.c - resolution inside the loop.  Name queries go to a fake
 * DNS server on 127.0.0.1 run by the test in the same loop, never to
 * the resolver of the machine.
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
#include <unistd.h>

#include <cmocka.h>

#include "cares.h"
#include "dns.h"
#include "ev.h"

/*
 * fake server: "mail.test" A 127.0.0.25 and MX 10 mx1.test, no AAAA;
 * "fail.test" SERVFAIL; NXDOMAIN otherwise
 */

struct fake {
	int		 fd;
	int		 port;
	int		 silent;
	int		 queries;
	struct ev_io	*w;
};

static void
fake_cb(int fd, int events, void *arg)
{
	struct fake		*f = arg;
	struct sockaddr_storage	 from;
	socklen_t		 flen = sizeof(from);
	unsigned char		 q[512], a[600];
	char			 name[256];
	ssize_t			 n;
	size_t			 off = 12, nl = 0, alen;
	int			 qtype, hit;

	if ((n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from,
	    &flen)) < 12)
		return;
	f->queries++;
	if (f->silent)
		return;
	while (off < (size_t)n && q[off] != 0) {
		size_t	 l = q[off];

		if (off + 1 + l > (size_t)n || nl + l + 1 >= sizeof(name))
			return;
		if (nl > 0)
			name[nl++] = '.';
		memcpy(name + nl, q + off + 1, l);
		nl += l;
		off += 1 + l;
	}
	name[nl] = '\0';
	if (off + 5 > (size_t)n)
		return;
	qtype = q[off + 1] << 8 | q[off + 2];
	off += 5;		/* root label, type, class */
	hit = strcmp(name, "mail.test") == 0;
	memcpy(a, q, off);
	a[2] = 0x81;		/* QR, RD */
	a[3] = hit ? 0x80 : 0x83;	/* RA, NOERROR or NXDOMAIN */
	if (strcmp(name, "fail.test") == 0)
		a[3] = 0x82;		/* SERVFAIL */
	a[4] = 0; a[5] = 1;
	a[6] = 0; a[7] = 0;
	a[8] = a[9] = a[10] = a[11] = 0;
	alen = off;
	if (hit && qtype == 1) {
		static const unsigned char rr[] = {
			0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4,
			127, 0, 0, 25
		};

		a[7] = 1;
		memcpy(a + alen, rr, sizeof(rr));
		alen += sizeof(rr);
	}
	if (hit && qtype == 15) {
		static const unsigned char rr[] = {
			0xc0, 0x0c, 0, 15, 0, 1, 0, 0, 0, 60, 0, 12,
			0, 10, 3, 'm', 'x', '1', 4, 't', 'e', 's', 't', 0
		};

		a[7] = 1;
		memcpy(a + alen, rr, sizeof(rr));
		alen += sizeof(rr);
	}
	sendto(fd, a, alen, 0, (struct sockaddr *)&from, flen);
}

static void
fake_start(struct ev *ev, struct fake *f, int silent)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	memset(f, 0, sizeof(*f));
	f->silent = silent;
	f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(f->fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(f->fd, (struct sockaddr *)&sin, &len), 0);
	f->port = ntohs(sin.sin_port);
	f->w = ev_io_new(ev, f->fd, EV_READ, fake_cb, f);
	assert_non_null(f->w);
}

static void
fake_stop(struct fake *f)
{
	ev_io_free(f->w);
	close(f->fd);
}

static void
use_server(struct ev *ev, int port, int timeout_ms, int tries)
{
	char	 csv[64];

	snprintf(csv, sizeof(csv), "127.0.0.1:%d", port);
	assert_int_equal(dns_configure(ev, csv, timeout_ms, tries), 0);
}

/* results */

struct res {
	int		 calls;
	int		 ok;
	int		 timeout;
	char		 reason[DNS_REASON_MAX];
	size_t		 naddr;
	struct dns_addr	 addr[DNS_MAX_ADDRS];
};

static void
res_cb(const struct dns_result *r, void *arg)
{
	struct res	*x = arg;

	x->calls++;
	x->ok = r->ok;
	x->timeout = r->timeout;
	snprintf(x->reason, sizeof(x->reason), "%s", r->reason);
	x->naddr = r->naddr;
	memcpy(x->addr, r->addr, sizeof(x->addr));
	assert_non_null(r->host);
}

/* run until all n results are in, at most limit_us; returns elapsed us */
static int64_t
wait_for(struct ev *ev, struct res *x, int n, int64_t limit_us)
{
	int64_t	 start = ev_now_update(ev);
	int	 i, got;

	for (;;) {
		for (got = 0, i = 0; i < n; i++)
			got += x[i].calls;
		if (got >= n || ev_now(ev) - start > limit_us)
			break;
		ev_run_once(ev, 50000);
	}
	return ev_now(ev) - start;
}

static const char *
addr0(const struct res *x, char *buf, size_t len)
{
	return dns_addr_str((const struct sockaddr *)&x->addr[0].ss, buf, len);
}

static int
port0(const struct res *x)
{
	const struct sockaddr *sa = (const void *)&x->addr[0].ss;

	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
}

/*
 * c-ares is loaded when first needed: a library that is not there, or
 * one without its functions, is a definite reason, and leaves the
 * loader able to try again.  Runs before any name is resolved: a load
 * is for the life of the process.
 */
static void
test_load_failures(void **state)
{
	char	 err[256];

	(void)state;
	assert_false(cares_loaded());
	assert_int_equal(cares_load_file("/nonexistent/libcares.so.2", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot load the resolver library"));
	assert_non_null(strstr(err, "/nonexistent/libcares.so.2"));
	assert_int_equal(cares_load_file("libc.so.6", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "has no ares_library_init"));
	assert_false(cares_loaded());
	/* the library this was built against loads, once */
	assert_int_equal(cares_load_file(CARES_SONAME, err, sizeof(err)), 0);
	assert_true(cares_loaded());
	assert_string_equal(cares->strerror(ARES_ENOTFOUND),
	    "Domain name not found");
}

static void
test_numeric(void **state)
{
	struct ev	*ev = ev_new();
	struct res	 x[4];
	char		 b[64];

	memset(x, 0, sizeof(x));
	assert_non_null(dns_resolve(ev, "127.0.0.1", 25, AF_UNSPEC, res_cb, &x[0]));
	assert_non_null(dns_resolve(ev, "::1", 143, AF_UNSPEC, res_cb, &x[1]));
	assert_non_null(dns_resolve(ev, "[::1]", 993, AF_INET6, res_cb, &x[2]));
	assert_non_null(dns_resolve(ev, "127.0.0.1", 25, AF_INET6, res_cb, &x[3]));
	/* never from inside the request call */
	assert_int_equal(x[0].calls + x[1].calls + x[2].calls + x[3].calls, 0);
	wait_for(ev, x, 4, 1000000);
	assert_int_equal(x[0].calls, 1);
	assert_true(x[0].ok);
	assert_int_equal(x[0].naddr, 1);
	assert_string_equal(addr0(&x[0], b, sizeof(b)), "127.0.0.1");
	assert_int_equal(port0(&x[0]), 25);
	assert_true(x[1].ok);
	assert_string_equal(addr0(&x[1], b, sizeof(b)), "::1");
	assert_int_equal(port0(&x[1]), 143);
	assert_true(x[2].ok);
	assert_int_equal(port0(&x[2]), 993);
	assert_false(x[3].ok);
	assert_string_equal(x[3].reason, "IPv4 address given, IPv6 required");
	assert_int_equal(ev_run(ev), 0);
	ev_free(ev);
	/* addresses need no resolver: c-ares is still not loaded */
	assert_false(cares_loaded());
}

static void
test_localhost(void **state)
{
	struct ev	*ev = ev_new();
	struct fake	 f;
	struct res	 x[2];
	char		 b[64];

	fake_start(ev, &f, 0);
	use_server(ev, f.port, 500, 1);
	memset(x, 0, sizeof(x));
	assert_non_null(dns_resolve(ev, "localhost", 110, AF_INET, res_cb, &x[0]));
	assert_non_null(dns_resolve(ev, "localhost", 110, AF_UNSPEC, res_cb, &x[1]));
	assert_int_equal(x[0].calls, 0);
	wait_for(ev, x, 2, 3000000);
	assert_int_equal(x[0].calls, 1);
	assert_true(x[0].ok);
	assert_string_equal(addr0(&x[0], b, sizeof(b)), "127.0.0.1");
	assert_int_equal(port0(&x[0]), 110);
	assert_true(x[1].ok);
	assert_true(x[1].naddr >= 1);
	fake_stop(&f);
	ev_free(ev);
}

static void
test_name_via_server(void **state)
{
	struct ev	*ev = ev_new();
	struct fake	 f;
	struct res	 x[3];
	char		 b[64];

	fake_start(ev, &f, 0);
	use_server(ev, f.port, 1000, 2);
	memset(x, 0, sizeof(x));
	dns_resolve(ev, "mail.test", 587, AF_INET, res_cb, &x[0]);
	dns_resolve(ev, "mail.test", 587, AF_UNSPEC, res_cb, &x[1]);
	dns_resolve(ev, "mail.test", 587, AF_INET6, res_cb, &x[2]);
	wait_for(ev, x, 3, 3000000);
	assert_true(x[0].ok);
	assert_string_equal(addr0(&x[0], b, sizeof(b)), "127.0.0.25");
	assert_int_equal(port0(&x[0]), 587);
	assert_true(x[1].ok);
	assert_int_equal(x[1].naddr, 1);
	assert_false(x[2].ok);
	assert_string_equal(x[2].reason, "no IPv6 address for host");
	assert_true(f.queries >= 3);
	fake_stop(&f);
	/* the channel closed its sockets: nothing is left to wait for */
	assert_int_equal(ev_run(ev), 0);
	ev_free(ev);
}

static void
test_nxdomain(void **state)
{
	struct ev	*ev = ev_new();
	struct fake	 f;
	struct res	 x;
	int64_t		 took;

	fake_start(ev, &f, 0);
	use_server(ev, f.port, 1000, 2);
	memset(&x, 0, sizeof(x));
	dns_resolve(ev, "nonexistent.invalid", 25, AF_UNSPEC, res_cb, &x);
	took = wait_for(ev, &x, 1, 5000000);
	assert_int_equal(x.calls, 1);
	assert_false(x.ok);
	assert_string_equal(x.reason, "no such host");
	assert_true(took < 3000000);
	fake_stop(&f);
	ev_free(ev);
}

static void
test_timeout(void **state)
{
	struct ev	*ev = ev_new();
	struct fake	 f;
	struct res	 x;
	int64_t		 took;

	fake_start(ev, &f, 1);
	use_server(ev, f.port, 200, 1);
	memset(&x, 0, sizeof(x));
	dns_resolve(ev, "slow.test", 25, AF_INET, res_cb, &x);
	took = wait_for(ev, &x, 1, 5000000);
	assert_int_equal(x.calls, 1);
	assert_false(x.ok);
	assert_true(x.timeout);
	assert_string_equal(x.reason, "DNS timeout");
	assert_true(took >= 150000 && took < 3000000);
	assert_true(f.queries >= 1);
	fake_stop(&f);
	ev_free(ev);
}

static void
test_server_unreachable(void **state)
{
	struct ev	*ev = ev_new();
	struct fake	 f;
	struct res	 x;
	int64_t		 took;
	int		 port;

	/* a UDP port nobody listens on: ICMP says so at once */
	fake_start(ev, &f, 1);
	port = f.port;
	fake_stop(&f);
	use_server(ev, port, 300, 1);
	memset(&x, 0, sizeof(x));
	dns_resolve(ev, "nonexistent.invalid", 25, AF_INET, res_cb, &x);
	took = wait_for(ev, &x, 1, 5000000);
	assert_int_equal(x.calls, 1);
	assert_false(x.ok);
	assert_true(strlen(x.reason) > 0);
	print_message("reason: %s\n", x.reason);
	assert_true(took < 3000000);
	ev_free(ev);
}

static void
test_cancel(void **state)
{
	struct ev	*ev = ev_new();
	struct fake	 f;
	struct res	 x[3];
	struct dns_req	*a, *b;

	fake_start(ev, &f, 1);
	use_server(ev, f.port, 200, 1);
	memset(x, 0, sizeof(x));
	a = dns_resolve(ev, "127.0.0.1", 25, AF_UNSPEC, res_cb, &x[0]);
	b = dns_resolve(ev, "slow.test", 25, AF_INET, res_cb, &x[1]);
	dns_resolve(ev, "127.0.0.2", 25, AF_UNSPEC, res_cb, &x[2]);
	dns_cancel(a);
	dns_cancel(b);
	wait_for(ev, &x[2], 1, 1000000);
	assert_int_equal(x[2].calls, 1);
	fake_stop(&f);
	/* the cancelled query still times out inside c-ares, silently */
	assert_int_equal(ev_run(ev), 0);
	assert_int_equal(x[0].calls, 0);
	assert_int_equal(x[1].calls, 0);
	ev_free(ev);
}

static void
test_many(void **state)
{
	struct ev	*ev = ev_new();
	struct fake	 f;
	struct res	*x;
	int		 i, n = 300;

	fake_start(ev, &f, 0);
	use_server(ev, f.port, 1000, 2);
	x = calloc(n, sizeof(*x));
	for (i = 0; i < n; i++)
		assert_non_null(dns_resolve(ev, i % 2 ? "mail.test" : "localhost",
		    25, AF_INET, res_cb, &x[i]));
	wait_for(ev, x, n, 5000000);
	for (i = 0; i < n; i++) {
		assert_int_equal(x[i].calls, 1);
		assert_true(x[i].ok);
	}
	free(x);
	fake_stop(&f);
	/* a pending request when the loop goes: freed without a call */
	memset(&f, 0, sizeof(f));
	fake_start(ev, &f, 1);
	use_server(ev, f.port, 5000, 1);
	{
		struct res	 y;

		memset(&y, 0, sizeof(y));
		dns_resolve(ev, "slow.test", 25, AF_INET, res_cb, &y);
		ev_run_once(ev, 10000);
		fake_stop(&f);
		ev_free(ev);
		assert_int_equal(y.calls, 0);
	}
}

struct mxres {
	int			 calls;
	struct dns_mx_result	 r;
	char			 domain[DNS_NAME_MAX];
};

static void
mx_cb(const struct dns_mx_result *r, void *arg)
{
	struct mxres	*x = arg;

	x->calls++;
	x->r = *r;
	/* r->domain lives as long as the callback runs */
	snprintf(x->domain, sizeof(x->domain), "%s", r->domain);
	x->r.domain = NULL;
}

static void
run_until(struct ev *ev, int *calls, int n, int64_t limit_us)
{
	int64_t	 start = ev_now_update(ev);

	while (*calls < n && ev_now(ev) - start < limit_us)
		ev_run_once(ev, 50000);
}

/* MX queries, classification, a budget that bounds a silent server */
static void
test_mx_lookup(void **state)
{
	struct ev		*ev = ev_new();
	struct fake		 f, quiet;
	struct mxres		 m[3];
	struct res		 x[2];
	struct dns_query	 q;
	char			 servers[64], qservers[64];
	int64_t			 t0, took;

	(void)state;
	fake_start(ev, &f, 0);
	fake_start(ev, &quiet, 1);
	snprintf(servers, sizeof(servers), "127.0.0.1:%d", f.port);
	snprintf(qservers, sizeof(qservers), "127.0.0.1:%d", quiet.port);
	memset(m, 0, sizeof(m));
	memset(&q, 0, sizeof(q));
	q.servers = servers;
	q.budget_ms = 2000;
	q.flags = DNS_Q_STRICT;
	q.host = "mail.test";
	assert_non_null(dns_lookup_mx(ev, &q, mx_cb, &m[0]));
	q.host = "nope.test";
	assert_non_null(dns_lookup_mx(ev, &q, mx_cb, &m[1]));
	q.host = "fail.test";
	assert_non_null(dns_lookup_mx(ev, &q, mx_cb, &m[2]));
	assert_int_equal(m[0].calls + m[1].calls + m[2].calls, 0);
	{
		int	 total;

		for (t0 = ev_now_update(ev);;) {
			total = m[0].calls + m[1].calls + m[2].calls;
			if (total == 3 || ev_now(ev) - t0 > 3000000)
				break;
			ev_run_once(ev, 50000);
		}
	}
	assert_int_equal(m[0].calls, 1);
	assert_int_equal(m[0].r.status, DNS_OK);
	assert_int_equal(m[0].r.nmx, 1);
	assert_int_equal(m[0].r.mx[0].pref, 10);
	assert_string_equal(m[0].r.mx[0].host, "mx1.test");
	assert_string_equal(m[0].domain, "mail.test");
	assert_int_equal(m[1].r.status, DNS_NXDOMAIN);
	assert_string_equal(m[1].r.reason, "no such domain (NXDOMAIN)");
	/* strict: SERVFAIL as such, not "could not contact" */
	assert_int_equal(m[2].r.status, DNS_SERVFAIL);
	assert_string_equal(m[2].r.reason, "DNS server failure (SERVFAIL)");

	/* the address lookups of a domain probe, same channel */
	memset(x, 0, sizeof(x));
	q.host = "mail.test";
	q.family = AF_INET;
	q.port = 25;
	assert_non_null(dns_lookup(ev, &q, res_cb, &x[0]));
	q.host = "fail.test";
	assert_non_null(dns_lookup(ev, &q, res_cb, &x[1]));
	wait_for(ev, x, 2, 3000000);
	assert_true(x[0].ok);
	assert_int_equal(port0(&x[0]), 25);
	assert_false(x[1].ok);
	assert_string_equal(x[1].reason, "DNS server failure (SERVFAIL)");

	/*
	 * A silent server gives up within the budget, not after 75 s: the
	 * answer comes inside the 5 s run_until() allows, after exactly
	 * the two tries dns_timing() chose.
	 */
	memset(m, 0, sizeof(m));
	q.servers = qservers;
	q.budget_ms = 600;
	q.host = "slow.test";
	t0 = ev_now_update(ev);
	assert_non_null(dns_lookup_mx(ev, &q, mx_cb, &m[0]));
	run_until(ev, &m[0].calls, 1, 5000000);
	took = ev_now_update(ev) - t0;
	assert_int_equal(m[0].calls, 1);
	assert_int_equal(m[0].r.status, DNS_TIMEOUT);
	assert_int_equal(quiet.queries, 2);
	print_message("silent server, budget 600 ms: %lld ms\n",
	    (long long)(took / 1000));
	fake_stop(&f);
	fake_stop(&quiet);
	ev_free(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_load_failures),
		cmocka_unit_test(test_localhost),
		cmocka_unit_test(test_name_via_server),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_server_unreachable),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_mx_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_mock.c - event loop, connection, resolver and TLS played by the
 * fuzz input (see fuzz_mock.h for the script format).
 *
 * Only the functions the engine calls are here: a missing one is a
 * link error, which is the point (a new call into io.c or ev.c must
 * get a mock with a meaning, not a silent stub).
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "ev.h"
#include "io.h"
#include "tls.h"

#include "fuzz_mock.h"

#define FZ_TICK_US	100		/* virtual time of one event */
#define FZ_SPIN_MAX	200000		/* loop iterations of one run */
#define FZ_TRANS_MAX	65536		/* recorded client bytes per io */
#define FZ_SECRETS	4
#define FZ_FORMS	(FZ_SECRETS * 4)

/* the script and what the checks know */

static struct {
	const uint8_t	*p;
	size_t		 n;
	int		 verify;
	int		 plain_ok;
	char		 form[FZ_FORMS][512];	/* secret, base64 cores */
	int		 nform;
	char		 plain[FZ_SECRETS][512];
	int		 nplain;
	int		 live_io;
	int		 live_dns;
	int		 live_timer;
} fz;

void
fz_begin(const uint8_t *script, size_t len)
{
	memset(&fz, 0, sizeof(fz));
	fz.p = script;
	fz.n = len;
}

int
fz_byte(int dflt)
{
	if (fz.n == 0)
		return dflt;
	fz.n--;
	return *fz.p++;
}

/* up to n script bytes into dst (n of them are used up either way) */
static size_t
fz_take(char *dst, size_t space, size_t n)
{
	size_t	 k = n < fz.n ? n : fz.n, c = k < space ? k : space;

	memcpy(dst, fz.p, c);
	fz.p += k;
	fz.n -= k;
	return c;
}

void
fz_policy(int tls_verify, int plaintext_ok)
{
	fz.verify = tls_verify;
	fz.plain_ok = plaintext_ok;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * The part of base64(x + secret + y) that depends on the secret alone,
 * for a secret starting at byte `align' of a 3-byte group: whatever
 * the mechanism puts around it (PLAIN's NULs, nothing for LOGIN), the
 * encoded secret holds this string.
 */
static void
fz_b64core(const char *s, int align, char *dst, size_t len)
{
	unsigned char	 in[600];
	size_t		 n = strlen(s), tot, i, o = 0, first, last;

	if (n + 3 > sizeof(in) || len < 4 * (n / 3 + 2)) {
		dst[0] = '\0';
		return;
	}
	memset(in, 0, (size_t)align);
	memcpy(in + align, s, n);
	tot = (size_t)align + n;
	/* groups holding only secret bytes: skip a mixed first and last */
	first = align == 0 ? 0 : 1;
	last = tot / 3;			/* complete groups */
	for (i = first; i < last; i++) {
		const unsigned char *g = in + 3 * i;

		dst[o++] = b64[g[0] >> 2];
		dst[o++] = b64[((g[0] & 3) << 4) | (g[1] >> 4)];
		dst[o++] = b64[((g[1] & 15) << 2) | (g[2] >> 6)];
		dst[o++] = b64[g[2] & 63];
	}
	dst[o] = '\0';
}

void
fz_secret(const char *s, int foreign)
{
	int	 a;

	if (s == NULL || strlen(s) < 6 || fz.nplain >= FZ_SECRETS ||
	    strlen(s) >= sizeof(fz.plain[0]) - 8)
		return;
	/* a server that knows it may say it where it was never sent */
	if (!foreign)
		snprintf(fz.plain[fz.nplain++], sizeof(fz.plain[0]), "%s", s);
	snprintf(fz.form[fz.nform++], sizeof(fz.form[0]), "%s", s);
	for (a = 0; a < 3; a++) {
		fz_b64core(s, a, fz.form[fz.nform], sizeof(fz.form[0]));
		if (strlen(fz.form[fz.nform]) >= 8)
			fz.nform++;
	}
}

int
fz_leaks(const char *text, size_t len)
{
	int	 i;

	for (i = 0; i < fz.nplain; i++)
		if (memmem(text, len, fz.plain[i], strlen(fz.plain[i])) != NULL)
			return 1;
	return 0;
}

static int
fz_has_form(const char *buf, size_t len)
{
	int	 i;

	for (i = 0; i < fz.nform; i++)
		if (memmem(buf, len, fz.form[i], strlen(fz.form[i])) != NULL)
			return 1;
	return 0;
}

/* the event loop: timers in virtual time, no descriptors */

struct ev_timer {
	struct ev	*ev;
	ev_timer_cb	 cb;
	void		*arg;
	int64_t		 when;
	uint64_t	 seq;		/* arming order breaks ties */
	int		 armed;
	struct ev_timer	*next;
};

struct ev {
	int64_t		 now;
	uint64_t	 seq;
	int		 brk;
	struct ev_timer	*timers;
	struct io	*ios;
};

struct ev *
ev_new(void)
{
	struct ev	*ev = calloc(1, sizeof(*ev));

	if (ev != NULL)
		ev->now = 1000000000000LL;	/* far from 0: 0 means "unset" */
	return ev;
}

void
ev_free(struct ev *ev)
{
	free(ev);
}

int64_t
ev_now(struct ev *ev)
{
	return ev->now;
}

int64_t
ev_now_update(struct ev *ev)
{
	return ev->now;
}

/* dns.c and io.c are linked (dns.c) or not (io.c); no descriptors here */
struct ev_io *
ev_io_new(struct ev *ev, int fd, int events, ev_io_cb cb, void *arg)
{
	(void)ev;
	(void)fd;
	(void)events;
	(void)cb;
	(void)arg;
	return NULL;
}

int
ev_io_set(struct ev_io *w, int events)
{
	(void)w;
	(void)events;
	return -1;
}

void
ev_io_free(struct ev_io *w)
{
	(void)w;
}

void *
ev_attach_get(struct ev *ev, const void *key)
{
	(void)ev;
	(void)key;
	return NULL;
}

int
ev_attach_set(struct ev *ev, const void *key, void *data,
    void (*freefn)(void *))
{
	(void)ev;
	(void)key;
	(void)data;
	(void)freefn;
	return -1;
}

struct ev_timer *
ev_timer_new(struct ev *ev, ev_timer_cb cb, void *arg)
{
	struct ev_timer	*t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ev = ev;
	t->cb = cb;
	t->arg = arg;
	t->next = ev->timers;
	ev->timers = t;
	fz.live_timer++;
	return t;
}

void
ev_timer_at(struct ev_timer *t, int64_t when)
{
	t->when = when;
	t->armed = 1;
	t->seq = t->ev->seq++;
}

void
ev_timer_in(struct ev_timer *t, int64_t delay)
{
	ev_timer_at(t, t->ev->now + delay);
}

void
ev_timer_stop(struct ev_timer *t)
{
	t->armed = 0;
}

int
ev_timer_pending(const struct ev_timer *t)
{
	return t->armed;
}

void
ev_timer_free(struct ev_timer *t)
{
	struct ev_timer	**pp;

	if (t == NULL)
		return;
	for (pp = &t->ev->timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	fz.live_timer--;
	free(t);
}

void
ev_break(struct ev *ev)
{
	ev->brk = 1;
}

/* the connection */

enum fz_iostate { FIO_NEW, FIO_CONNECTING, FIO_UP, FIO_CLOSED };

struct io {
	struct ev	*ev;
	io_cb		 cb;
	void		*arg;
	struct io	*next;
	enum fz_iostate	 state;
	int		 frame;
	int		 freed;

	char		*in;
	size_t		 inlen, inmax;
	size_t		 outmax, queued;
	int		 lowat;		/* queued bytes await IO_LOWAT */
	int64_t		 quiet_until;	/* the server is silent till then */

	int		 tls_req;	/* handshake asked for */
	int		 tls_up;
	int		 untrusted;	/* verification on, and it failed */
	int		 cert_bits;
	int		 cert_days;
	char		 sslmark;	/* io_ssl() points here */

	char		*trans;		/* what the client wrote */
	size_t		 translen;
	size_t		 untrusted_at;

	enum fail_class	 fail;
	char		 error[IO_ERROR_MAX];
};

struct io *
io_new(struct ev *ev, size_t inmax, size_t outmax, io_cb cb, void *arg)
{
	struct io	*io = calloc(1, sizeof(*io));

	if (io == NULL)
		return NULL;
	io->ev = ev;
	io->cb = cb;
	io->arg = arg;
	io->inmax = inmax != 0 ? inmax : IO_INMAX_DEFAULT;
	io->outmax = outmax != 0 ? outmax : IO_OUTMAX_DEFAULT;
	if ((io->in = malloc(io->inmax)) == NULL ||
	    (io->trans = malloc(FZ_TRANS_MAX)) == NULL) {
		free(io->in);
		free(io);
		return NULL;
	}
	io->next = ev->ios;
	ev->ios = io;
	fz.live_io++;
	return io;
}

static void
io_destroy(struct io *io)
{
	struct io	**pp;

	for (pp = &io->ev->ios; *pp != NULL; pp = &(*pp)->next)
		if (*pp == io) {
			*pp = io->next;
			break;
		}
	fz.live_io--;
	free(io->in);
	free(io->trans);
	free(io);
}

void
io_free(struct io *io)
{
	if (io == NULL)
		return;
	FZ_ASSERT(!io->freed);		/* a double free of the object */
	io->freed = 1;
	if (io->frame == 0)
		io_destroy(io);
}

int
io_connect(struct io *io, const struct sockaddr *sa, socklen_t len)
{
	(void)sa;
	(void)len;
	if (io->state != FIO_NEW) {
		snprintf(io->error, sizeof(io->error), "already connected");
		return -1;
	}
	io->state = FIO_CONNECTING;
	return 0;
}

int
io_start_tls(struct io *io, SSL_CTX *ctx, const char *sni,
    const char *verify_host)
{
	(void)sni;
	(void)verify_host;
	FZ_ASSERT(ctx != NULL);
	if (io->state == FIO_CLOSED || io->tls_req || io->tls_up) {
		snprintf(io->error, sizeof(io->error), "TLS in wrong state");
		return -1;
	}
	io->tls_req = 1;
	io->inlen = 0;		/* plain text before the handshake: gone */
	return 0;
}

SSL *
io_ssl(struct io *io)
{
	return io->tls_req || io->tls_up ? (SSL *)(void *)&io->sslmark : NULL;
}

char *
io_data(struct io *io)
{
	return io->in;
}

size_t
io_datalen(const struct io *io)
{
	return io->inlen;
}

void
io_drop(struct io *io, size_t n)
{
	FZ_ASSERT(n <= io->inlen);
	memmove(io->in, io->in + n, io->inlen - n);
	io->inlen -= n;
}

int
io_in_full(const struct io *io)
{
	return io->inlen >= io->inmax;
}

size_t
io_queued(const struct io *io)
{
	return io->queued;
}

enum fail_class
io_fail(const struct io *io)
{
	return io->fail;
}

const char *
io_error(const struct io *io)
{
	return io->error;
}

int
io_write(struct io *io, const void *buf, size_t len)
{
	size_t	 keep;

	if (io->state == FIO_CLOSED || io->freed) {
		snprintf(io->error, sizeof(io->error), "connection closed");
		return -1;
	}
	if (io->queued + len > io->outmax) {
		snprintf(io->error, sizeof(io->error), "output buffer full");
		return -1;
	}
	io->queued += len;
	io->lowat = 1;
	keep = len < FZ_TRANS_MAX - io->translen ?
	    len : FZ_TRANS_MAX - io->translen;
	memcpy(io->trans + io->translen, buf, keep);
	io->translen += keep;
	/* the contract: no secret to an untrusted peer, none in clear */
	if (io->untrusted) {
		FZ_ASSERT(!fz_has_form(io->trans + io->untrusted_at,
		    io->translen - io->untrusted_at));
		FZ_ASSERT(!fz_has_form(buf, len));
	}
	if (!io->tls_up && !fz.plain_ok) {
		FZ_ASSERT(!fz_has_form(io->trans, io->translen));
		FZ_ASSERT(!fz_has_form(buf, len));
	}
	return 0;
}

static void
io_deliver(struct io *io, int event)
{
	io->frame++;
	io->cb(io, event, io->arg);
	io->frame--;
	if (io->freed && io->frame == 0)
		io_destroy(io);
}

static void
io_close(struct io *io, enum fail_class f, const char *why)
{
	io->state = FIO_CLOSED;
	io->fail = f;
	snprintf(io->error, sizeof(io->error), "%s", why);
	io_deliver(io, f == FAIL_NONE ? IO_DISCONNECTED : IO_ERROR);
}

/* can this io do something now, without waiting for time to pass? */
static int
io_ready(const struct io *io)
{
	if (io->freed || io->state == FIO_NEW || io->state == FIO_CLOSED)
		return 0;
	if (io->quiet_until > io->ev->now)
		return 0;
	if (io->state == FIO_UP && !io->lowat && !io->tls_req &&
	    io->inlen >= io->inmax)
		return 0;	/* nothing read until the client drops bytes */
	return 1;
}

static void
io_silence(struct io *io, int64_t us)
{
	io->quiet_until = us == INT64_MAX ? INT64_MAX : io->ev->now + us;
}

/* one step of the world for this connection */
static void
io_step(struct io *io)
{
	char	 tmp[256];
	size_t	 n;
	int	 c;

	if (io->state == FIO_CONNECTING) {
		switch (fz_byte(3)) {
		case 0:
			io_close(io, FAIL_REFUSED, "connection refused");
			break;
		case 1:
			io_silence(io, INT64_MAX);	/* SYN into the void */
			break;
		case 2:
			io_close(io, FAIL_NETWORK, "connection reset by peer");
			break;
		default:
			io->state = FIO_UP;
			io_deliver(io, IO_CONNECTED);
			break;
		}
		return;
	}
	if (io->lowat) {
		io->lowat = 0;
		io->queued = 0;
		io_deliver(io, IO_LOWAT);
		return;
	}
	if (io->tls_req) {
		switch (fz_byte(3)) {
		case 0:
			io_close(io, FAIL_TLS, "TLS handshake failed: mock alert");
			return;
		case 1:
			io_silence(io, INT64_MAX);
			return;
		case 2:
			io_close(io, FAIL_NONE, "");
			return;
		default:
			break;
		}
		io->cert_bits = fz_byte(0);
		io->cert_days = fz_byte(106) - 16;
		io->tls_req = 0;
		io->tls_up = 1;
		io->untrusted = fz.verify &&
		    (io->cert_bits & (FZ_CERT_NONE | FZ_CERT_UNVERIFIED)) != 0;
		io->untrusted_at = io->translen;
		io_deliver(io, IO_TLSREADY);
		return;
	}
	c = fz_byte(0xf0);
	switch (c) {
	case 0xf0:
		io_close(io, FAIL_NONE, "");
		return;
	case 0xf1:
		io_close(io, FAIL_NETWORK, "connection reset by peer");
		return;
	case 0xf2:
		io_silence(io, (fz_byte(0) + 1) * 50000LL);
		return;
	default:
		if (c > 0xf2) {
			tmp[0] = (char)c;
			n = 1;
		} else
			n = fz_take(tmp, sizeof(tmp), (size_t)c + 1);
		if (n > io->inmax - io->inlen)
			n = io->inmax - io->inlen;
		memcpy(io->in + io->inlen, tmp, n);
		io->inlen += n;
		io_deliver(io, IO_DATAIN);
		return;
	}
}

/* one iteration: a connection event, else the earliest timer */
int
ev_run_once(struct ev *ev, int64_t max_wait_us)
{
	struct ev_timer	*t, *due = NULL;
	struct io	*io;
	int64_t		 next = INT64_MAX;

	(void)max_wait_us;
	for (t = ev->timers; t != NULL; t = t->next)
		if (t->armed && (due == NULL || t->when < due->when ||
		    (t->when == due->when && t->seq < due->seq)))
			due = t;
	if (due != NULL && due->when <= ev->now) {
		due->armed = 0;
		due->cb(due->arg);
		return 1;
	}
	for (io = ev->ios; io != NULL; io = io->next)
		if (io_ready(io)) {
			ev->now += FZ_TICK_US;
			io_step(io);
			return 1;
		}
	/* nothing can happen now: let time pass to the next thing */
	if (due != NULL)
		next = due->when;
	for (io = ev->ios; io != NULL; io = io->next)
		if (!io->freed && io->state != FIO_CLOSED &&
		    io->quiet_until > ev->now && io->quiet_until < next)
			next = io->quiet_until;
	if (next == INT64_MAX)
		return 0;
	ev->now = next;
	return 1;
}

int
ev_run(struct ev *ev)
{
	while (!ev->brk && ev_run_once(ev, -1) == 1)
		;
	ev->brk = 0;
	return 0;
}

void
fz_run(struct ev *ev)
{
	long	 spins = 0;

	while (ev_run_once(ev, -1) == 1)
		FZ_ASSERT(++spins < FZ_SPIN_MAX);
}

void
fz_end(struct ev *ev)
{
	/* the result came: nothing of the probe may be left behind */
	FZ_ASSERT(fz.live_io == 0);
	FZ_ASSERT(fz.live_dns == 0);
	FZ_ASSERT(fz.live_timer == 0);
	FZ_ASSERT(ev->ios == NULL && ev->timers == NULL);
}

/* name resolution: what --wrap=dns_lookup,dns_cancel lands on */

struct dns_req {
	struct ev_timer	*timer;
	dns_cb		 cb;
	void		*arg;
	const char	*host;
	uint16_t	 port;
	int		 family;
};

struct dns_req	*__wrap_dns_lookup(struct ev *, const struct dns_query *,
		    dns_cb, void *);
void		 __wrap_dns_cancel(struct dns_req *);

static void
fz_addr(struct dns_addr *a, int v6, int n, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr.s6_addr[15] = (uint8_t)n;
		a->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(0x7f000000u + (uint32_t)n);
		a->len = sizeof(*s4);
	}
}

static void
fz_dns_fire(void *arg)
{
	struct dns_req		*q = arg;
	struct dns_result	 r;
	dns_cb			 cb = q->cb;
	void			*cbarg = q->arg;
	int			 c = fz_byte(3);

	if (c == 1)
		return;		/* silence: the probe's deadline cancels it */
	memset(&r, 0, sizeof(r));
	r.host = q->host;
	if (c == 0) {
		r.status = DNS_NXDOMAIN;
		snprintf(r.reason, sizeof(r.reason), "no such host");
	} else {
		r.ok = 1;
		r.naddr = c == 2 ? 2 : 1;
		fz_addr(&r.addr[0], q->family == AF_INET6, 1, q->port);
		fz_addr(&r.addr[1], q->family != AF_INET, 1, q->port);
	}
	__wrap_dns_cancel(q);		/* gone before its callback runs */
	cb(&r, cbarg);
}

struct dns_req *
__wrap_dns_lookup(struct ev *ev, const struct dns_query *dq, dns_cb cb,
    void *arg)
{
	struct dns_req	*q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	if ((q->timer = ev_timer_new(ev, fz_dns_fire, q)) == NULL) {
		free(q);
		return NULL;
	}
	q->cb = cb;
	q->arg = arg;
	q->host = dq->host;
	q->port = dq->port;
	q->family = dq->family;
	ev_timer_at(q->timer, ev->now);
	fz.live_dns++;
	return q;
}

void
__wrap_dns_cancel(struct dns_req *q)
{
	FZ_ASSERT(q != NULL);
	ev_timer_free(q->timer);
	free(q);
	fz.live_dns--;
}

/* TLS: what --wrap=tls_ctx_get,tls_inspect lands on */

SSL_CTX	*__wrap_tls_ctx_get(int, const char *, char *, size_t);
int	 __wrap_tls_inspect(SSL *, struct tls_info *);

static char fz_ctx;

SSL_CTX *
__wrap_tls_ctx_get(int verify, const char *ca_file, char *err, size_t len)
{
	if (verify && ca_file != NULL && strcmp(ca_file, FZ_BAD_CA) == 0) {
		snprintf(err, len, "cannot load CA file %s", ca_file);
		return NULL;
	}
	return (SSL_CTX *)(void *)&fz_ctx;
}

int
__wrap_tls_inspect(SSL *ssl, struct tls_info *ti)
{
	struct io	*io;

	memset(ti, 0, sizeof(*ti));
	ti->cert_days = CERT_DAYS_NONE;
	if (ssl == NULL)
		return -1;
	io = (struct io *)(void *)((char *)ssl - offsetof(struct io, sslmark));
	FZ_ASSERT(io->tls_up);		/* inspected after IO_TLSREADY only */
	snprintf(ti->version, sizeof(ti->version), "TLSv1.3");
	snprintf(ti->cipher, sizeof(ti->cipher), "TLS_AES_128_GCM_SHA256");
	ti->has_cert = (io->cert_bits & FZ_CERT_NONE) == 0;
	if (!ti->has_cert) {
		snprintf(ti->verify_reason, sizeof(ti->verify_reason),
		    "no certificate");
		return 0;
	}
	ti->verified = (io->cert_bits & FZ_CERT_UNVERIFIED) == 0;
	snprintf(ti->verify_reason, sizeof(ti->verify_reason), "%s",
	    ti->verified ? "ok" : "self-signed certificate");
	ti->cert_days = io->cert_days;
	ti->chain_min_days = io->cert_days;
	return 0;
}

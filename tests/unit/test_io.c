/*
 * test_io.c - the connection object against loopback servers forked by
 * the test: connect, refused, reset, EOF, bounded buffers, free from
 * the callback, implicit TLS, STARTTLS, and garbage instead of TLS.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/ssl.h>

#include "ev.h"
#include "io.h"
#include "iobuf.h"
#include "tls.h"
#include "testcert.h"

/* the client side: records every event */
struct rec {
	struct ev	*ev;
	struct io	*io;
	int		 events[64];
	int		 nev;
	char		 data[16384];
	size_t		 ndata;
	int		 drop;		/* consume and record input */
	int		 free_on;	/* io_free() at this event, -1 never */
	int		 done;
	enum fail_class	 fail;
	char		 error[IO_ERROR_MAX];
	void		(*hook)(struct rec *, int);
	struct tls_info	 ti;
	int		 have_ti;
	size_t		 leftover;	/* STARTTLS: unread bytes seen */
	SSL_CTX		*ctx;
	int		 state;
};

static void
rec_cb(struct io *io, int e, void *arg)
{
	struct rec	*r = arg;

	assert_ptr_equal(io, r->io);
	if (r->nev < 64)
		r->events[r->nev++] = e;
	if (e == IO_DATAIN && r->drop) {
		size_t	 n = io_datalen(io);

		if (n > sizeof(r->data) - 1 - r->ndata)
			n = sizeof(r->data) - 1 - r->ndata;
		memcpy(r->data + r->ndata, io_data(io), n);
		r->ndata += n;
		r->data[r->ndata] = '\0';
		io_drop(io, n);
	}
	if (e == IO_TLSREADY) {
		tls_inspect(io_ssl(io), &r->ti);
		r->have_ti = 1;
	}
	if (r->hook != NULL)
		r->hook(r, e);
	if (r->io == NULL)
		return;		/* the hook freed it */
	if (e == r->free_on || e == IO_ERROR || e == IO_DISCONNECTED) {
		r->fail = io_fail(io);
		snprintf(r->error, sizeof(r->error), "%s", io_error(io));
		r->done = 1;
		io_free(io);
		r->io = NULL;
		ev_break(r->ev);
	}
}

static void
rec_init(struct rec *r, struct ev *ev, size_t inmax, size_t outmax)
{
	memset(r, 0, sizeof(*r));
	r->ev = ev;
	r->drop = 1;
	r->free_on = -1;
	r->io = io_new(ev, inmax, outmax, rec_cb, r);
	assert_non_null(r->io);
}

static void
guard_cb(void *arg)
{
	int	*expired = arg;

	*expired = 1;
}

/* run until the record is done, at most 10 s */
static void
rec_run(struct rec *r)
{
	struct ev_timer	*guard;
	int		 expired = 0;

	guard = ev_timer_new(r->ev, guard_cb, &expired);
	ev_timer_in(guard, 10 * 1000000LL);
	while (!r->done && !expired)
		ev_run_once(r->ev, -1);
	ev_timer_free(guard);
	assert_false(expired);
}

static int
has_event(const struct rec *r, int e)
{
	int	 i;

	for (i = 0; i < r->nev; i++)
		if (r->events[i] == e)
			return 1;
	return 0;
}

static void
sa_loopback(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* plain connect, greeting, command, reply, orderly close */

static int
srv_greet(int fd, void *arg)
{
	char	 buf[256];

	if (test_write_all(fd, "220 hi\r\n") == -1)
		return 1;
	if (test_read_until(fd, buf, sizeof(buf), "QUIT\r\n") <= 0 ||
	    strcmp(buf, "QUIT\r\n") != 0)
		return 2;
	if (test_write_all(fd, "221 bye\r\n") == -1)
		return 3;
	return 0;
}

static void
hook_quit(struct rec *r, int e)
{
	if (e == IO_CONNECTED) {
		assert_string_equal(io_peer_addr(r->io), "127.0.0.1");
		assert_string_equal(io_local_addr(r->io), "127.0.0.1");
		assert_true(io_local_port(r->io) > 0);
		assert_true(io_fd(r->io) >= 0);
		assert_true(io_connected(r->io));
	}
	if (e == IO_DATAIN && strstr(r->data, "220 hi\r\n") != NULL &&
	    r->state == 0) {
		r->state = 1;
		assert_int_equal(io_print(r->io, "QUIT\r\n"), 0);
		assert_int_equal(io_queued(r->io), 6);
	}
}

static void
test_connect_plain(void **state)
{
	struct ev		*ev = ev_new();
	struct sockaddr_in	 sin;
	struct rec		 r;
	int			 lfd, port;
	pid_t			 pid;

	assert_int_not_equal(lfd = test_listen(&port), -1);
	pid = test_server(lfd, srv_greet, NULL);
	rec_init(&r, ev, 0, 0);
	r.hook = hook_quit;
	sa_loopback(&sin, port);
	assert_int_equal(io_connect(r.io, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(io_peer_port(r.io), port);
	assert_int_equal(r.nev, 0);		/* nothing re-entrant */
	rec_run(&r);
	assert_int_equal(r.events[0], IO_CONNECTED);
	assert_true(has_event(&r, IO_LOWAT));
	assert_int_equal(r.events[r.nev - 1], IO_DISCONNECTED);
	assert_int_equal(r.fail, FAIL_NONE);
	assert_string_equal(r.data, "220 hi\r\n221 bye\r\n");
	assert_int_equal(test_server_wait(pid), 0);
	close(lfd);
	assert_int_equal(ev_run(ev), 0);	/* nothing left behind */
	ev_free(ev);
}

static void
test_refused(void **state)
{
	struct ev		*ev = ev_new();
	struct sockaddr_in	 sin;
	struct rec		 r;
	int			 port;

	assert_int_not_equal(port = test_closed_port(), -1);
	rec_init(&r, ev, 0, 0);
	sa_loopback(&sin, port);
	assert_int_equal(io_connect(r.io, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(r.nev, 0);
	rec_run(&r);
	assert_int_equal(r.nev, 1);
	assert_int_equal(r.events[0], IO_ERROR);
	assert_int_equal(r.fail, FAIL_REFUSED);
	assert_string_equal(r.error, "connection refused");
	ev_free(ev);
}

static void
test_classify(void **state)
{
	char	 buf[IO_ERROR_MAX];

	assert_int_equal(io_classify_errno(ECONNREFUSED, 1, buf, sizeof(buf)),
	    FAIL_REFUSED);
	assert_int_equal(io_classify_errno(ETIMEDOUT, 1, buf, sizeof(buf)),
	    FAIL_CONNECT_TIMEOUT);
	assert_int_equal(io_classify_errno(ENETUNREACH, 1, buf, sizeof(buf)),
	    FAIL_NETWORK);
	assert_string_equal(buf, "network unreachable");
	assert_int_equal(io_classify_errno(EHOSTUNREACH, 1, buf, sizeof(buf)),
	    FAIL_NETWORK);
	assert_int_equal(io_classify_errno(ECONNRESET, 1, buf, sizeof(buf)),
	    FAIL_NETWORK);
	assert_int_equal(io_classify_errno(ECONNRESET, 0, buf, sizeof(buf)),
	    FAIL_CLOSED);
	assert_int_equal(io_classify_errno(EPIPE, 0, buf, sizeof(buf)),
	    FAIL_CLOSED);
	assert_int_equal(io_classify_errno(EMFILE, 1, buf, sizeof(buf)),
	    FAIL_INTERNAL);
	assert_true(strlen(buf) > 0);
}

/* server resets the connection: FAIL_CLOSED */

static int
srv_reset(int fd, void *arg)
{
	struct linger	 l = { 1, 0 };
	char		 buf[64];

	if (test_read_until(fd, buf, sizeof(buf), "\n") <= 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	return 0;		/* close() now sends RST */
}

static void
hook_hello(struct rec *r, int e)
{
	if (e == IO_CONNECTED)
		assert_int_equal(io_print(r->io, "HELLO\r\n"), 0);
}

static void
test_reset(void **state)
{
	struct ev		*ev = ev_new();
	struct sockaddr_in	 sin;
	struct rec		 r;
	int			 lfd, port;
	pid_t			 pid;

	assert_int_not_equal(lfd = test_listen(&port), -1);
	pid = test_server(lfd, srv_reset, NULL);
	rec_init(&r, ev, 0, 0);
	r.hook = hook_hello;
	sa_loopback(&sin, port);
	io_connect(r.io, (struct sockaddr *)&sin, sizeof(sin));
	rec_run(&r);
	assert_int_equal(r.events[r.nev - 1], IO_ERROR);
	assert_int_equal(r.fail, FAIL_CLOSED);
	assert_string_equal(r.error, "connection reset by peer");
	assert_int_equal(test_server_wait(pid), 0);
	close(lfd);
	ev_free(ev);
}

/* data then EOF in one go, on an attached socketpair */
static void
test_attach_eof(void **state)
{
	struct ev	*ev = ev_new();
	struct rec	 r;
	int		 sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	rec_init(&r, ev, 0, 0);
	assert_int_equal(io_attach(r.io, sp[0]), 0);
	assert_int_equal(write(sp[1], "abc", 3), 3);
	close(sp[1]);
	rec_run(&r);
	assert_int_equal(r.nev, 2);
	assert_int_equal(r.events[0], IO_DATAIN);
	assert_int_equal(r.events[1], IO_DISCONNECTED);
	assert_string_equal(r.data, "abc");
	assert_int_equal(r.fail, FAIL_NONE);
	ev_free(ev);
}

/* io_free() from the DATAIN callback: no further event, no crash */
static void
test_free_in_callback(void **state)
{
	struct ev	*ev = ev_new();
	struct rec	 r;
	int		 sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	rec_init(&r, ev, 0, 0);
	r.free_on = IO_DATAIN;
	assert_int_equal(io_attach(r.io, sp[0]), 0);
	assert_int_equal(write(sp[1], "abc", 3), 3);
	close(sp[1]);		/* EOF is pending in the same wakeup */
	rec_run(&r);
	assert_int_equal(r.nev, 1);
	assert_int_equal(r.events[0], IO_DATAIN);
	assert_null(r.io);
	/* the socket went with it */
	assert_int_equal(ev_run(ev), 0);
	ev_free(ev);
}

/* a full input buffer stops reading until the caller drops bytes */
static void
test_input_bound(void **state)
{
	struct ev	*ev = ev_new();
	struct rec	 r;
	char		 big[5000];
	int		 sp[2], i, n;

	memset(big, 'A', sizeof(big));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	rec_init(&r, ev, 1024, 0);
	r.drop = 0;
	assert_int_equal(io_attach(r.io, sp[0]), 0);
	assert_int_equal(write(sp[1], big, sizeof(big)), (ssize_t)sizeof(big));
	for (i = 0; i < 20 && !io_in_full(r.io); i++)
		ev_run_once(ev, 100000);
	assert_true(io_in_full(r.io));
	assert_int_equal(io_datalen(r.io), 1024);
	assert_int_equal(iobuf_max(io_in(r.io)), 1024);
	n = r.nev;
	/* nothing more is read, so nothing more is announced */
	for (i = 0; i < 5; i++)
		ev_run_once(ev, 20000);
	assert_int_equal(r.nev, n);
	assert_int_equal(io_datalen(r.io), 1024);
	/* draining resumes reading */
	io_drop(r.io, 1000);
	for (i = 0; i < 20 && io_datalen(r.io) < 1024; i++)
		ev_run_once(ev, 100000);
	assert_true(r.nev > n);
	assert_int_equal(io_datalen(r.io), 1024);
	assert_int_equal(iobuf_find_byte(io_in(r.io), 'A'), 0);
	close(sp[1]);
	io_free(r.io);
	ev_free(ev);
}

static void
test_output_bound(void **state)
{
	struct ev	*ev = ev_new();
	struct rec	 r;
	char		 buf[60], got[200];
	int		 sp[2], i;
	ssize_t		 n = 0, k;

	memset(buf, 'o', sizeof(buf));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	rec_init(&r, ev, 0, 100);
	assert_int_equal(io_attach(r.io, sp[0]), 0);
	assert_int_equal(io_write(r.io, buf, sizeof(buf)), 0);
	assert_int_equal(io_write(r.io, buf, sizeof(buf)), -1);
	assert_string_equal(io_error(r.io), "output buffer full");
	assert_int_equal(io_queued(r.io), 60);
	/* paused output stays queued */
	io_pause(r.io, IO_PAUSE_OUT);
	ev_run_once(ev, 20000);
	assert_int_equal(io_queued(r.io), 60);
	io_resume(r.io, IO_PAUSE_OUT);
	for (i = 0; i < 10 && !has_event(&r, IO_LOWAT); i++)
		ev_run_once(ev, 100000);
	assert_true(has_event(&r, IO_LOWAT));
	assert_int_equal(io_queued(r.io), 0);
	while (n < 60 && (k = read(sp[1], got + n, sizeof(got) - n)) > 0)
		n += k;
	assert_int_equal(n, 60);
	io_free(r.io);
	close(sp[1]);
	ev_free(ev);
}

/* TLS */

struct tlssrv {
	SSL_CTX		*ctx;
	int		 starttls;	/* plain dialogue first */
	const char	*after_go;	/* extra plain bytes after "220 go" */
};

static int
srv_tls(int fd, void *arg)
{
	struct tlssrv	*ts = arg;
	char		 buf[256];
	SSL		*ssl;
	int		 n;

	if (ts->starttls) {
		if (test_write_all(fd, "220 plain\r\n") == -1 ||
		    test_read_until(fd, buf, sizeof(buf), "\r\n") <= 0 ||
		    strcmp(buf, "STARTTLS\r\n") != 0)
			return 1;
		snprintf(buf, sizeof(buf), "220 go\r\n%s",
		    ts->after_go ? ts->after_go : "");
		if (test_write_all(fd, buf) == -1)
			return 2;
	}
	ssl = SSL_new(ts->ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		return 3;
	if (SSL_write(ssl, "220 tls\r\n", 9) != 9)
		return 4;
	n = SSL_read(ssl, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 5;
	buf[n] = '\0';
	if (strcmp(buf, "QUIT\r\n") != 0)
		return 6;
	SSL_write(ssl, "221 bye\r\n", 9);
	SSL_shutdown(ssl);
	SSL_free(ssl);
	return 0;
}

static void
hook_tls(struct rec *r, int e)
{
	if (e == IO_CONNECTED && r->state == 0 && io_ssl(r->io) == NULL) {
		/* STARTTLS flavour: wait for the plain greeting */
		r->state = 10;
	}
	if (e == IO_DATAIN && r->state == 10 &&
	    strstr(r->data, "220 plain\r\n") != NULL) {
		r->state = 11;
		io_print(r->io, "STARTTLS\r\n");
	}
	if (e == IO_DATAIN && r->state == 11 &&
	    strstr(r->data, "220 go\r\n") != NULL) {
		char	*end = strstr(r->data, "220 go\r\n") + 8;

		/* bytes that came with the reply but after it */
		r->leftover = (size_t)(r->data + r->ndata - end);
		r->state = 12;
		r->ndata = 0;
		r->data[0] = '\0';
		assert_int_equal(io_start_tls(r->io, r->ctx, "localhost",
		    "localhost"), 0);
	}
	if (e == IO_DATAIN && strstr(r->data, "220 tls\r\n") != NULL &&
	    r->state != 20) {
		assert_true(io_tls_established(r->io));
		r->state = 20;
		io_print(r->io, "QUIT\r\n");
	}
}

static void
tls_dialogue(int starttls, const char *after_go, size_t *leftover,
    size_t *discarded)
{
	struct ev		*ev = ev_new();
	struct sockaddr_in	 sin;
	struct testcert		 tc;
	struct tlssrv		 ts;
	struct rec		 r;
	char			 err[128];
	int			 lfd, port;
	pid_t			 pid;

	assert_int_equal(testcert_make(&tc, "mailmon-test",
	    "DNS:localhost,IP:127.0.0.1", -3600, 30 * 86400 + 3600), 0);
	memset(&ts, 0, sizeof(ts));
	ts.ctx = testcert_server_ctx(&tc);
	ts.starttls = starttls;
	ts.after_go = after_go;
	assert_non_null(ts.ctx);
	assert_int_not_equal(lfd = test_listen(&port), -1);
	pid = test_server(lfd, srv_tls, &ts);

	rec_init(&r, ev, 0, 0);
	r.hook = hook_tls;
	r.ctx = tls_ctx_get(0, NULL, err, sizeof(err));
	assert_non_null(r.ctx);
	sa_loopback(&sin, port);
	io_connect(r.io, (struct sockaddr *)&sin, sizeof(sin));
	if (!starttls)
		assert_int_equal(io_start_tls(r.io, r.ctx, "localhost",
		    "localhost"), 0);
	if (discarded != NULL)
		*discarded = 0;
	rec_run(&r);
	if (leftover != NULL)
		*leftover = r.leftover;
	assert_int_equal(r.events[0], IO_CONNECTED);
	assert_true(has_event(&r, IO_TLSREADY));
	assert_int_equal(r.events[r.nev - 1], IO_DISCONNECTED);
	assert_int_equal(r.fail, FAIL_NONE);
	assert_string_equal(r.data, "220 tls\r\n221 bye\r\n");
	assert_int_equal(test_server_wait(pid), 0);

	/* the handshake went through although the chain does not verify */
	assert_true(r.have_ti);
	assert_true(r.ti.has_cert);
	assert_false(r.ti.verified);
	assert_string_equal(r.ti.verify_reason, "self-signed certificate");
	assert_int_equal(r.ti.cert_days, 30);
	assert_int_equal(r.ti.chain_min_days, 30);
	assert_string_equal(r.ti.subject_cn, "mailmon-test");
	assert_string_equal(r.ti.version, "TLSv1.3");
	assert_true(strlen(r.ti.cipher) > 0);

	SSL_CTX_free(ts.ctx);
	testcert_free(&tc);
	close(lfd);
	ev_free(ev);
}

static void
test_tls_implicit(void **state)
{
	tls_dialogue(0, NULL, NULL, NULL);
}

static void
test_starttls(void **state)
{
	size_t	 left;

	tls_dialogue(1, NULL, &left, NULL);
	assert_int_equal(left, 0);
}

/*
 * Plain bytes right behind the STARTTLS go-ahead (an injection): the
 * caller sees them before starting TLS; they never reach the TLS
 * stream.
 */
static int	 inj_discarded;

static void
hook_inject(struct rec *r, int e)
{
	if (e == IO_CONNECTED)
		io_print(r->io, "STARTTLS\r\n");
	if (e == IO_DATAIN && r->state == 0) {
		char	*d = io_data(r->io), *p;
		size_t	 n = io_datalen(r->io);

		/* io_data() is not a string: look inside its length only */
		if ((p = memmem(d, n, "220 go\r\n", 8)) == NULL ||
		    memmem(p, n - (size_t)(p - d), "INJECTED\r\n", 10) == NULL)
			return;
		/* consume up to the end of the reply, leave the rest */
		io_drop(r->io, (size_t)(p + 8 - io_data(r->io)));
		r->leftover = io_datalen(r->io);
		assert_int_equal(io_start_tls(r->io, r->ctx, "localhost",
		    NULL), 0);
		inj_discarded = (int)io_tls_discarded(r->io);
		assert_int_equal(io_datalen(r->io), 0);
		r->state = 1;
	}
	if (e == IO_TLSREADY) {
		r->state = 2;
		io_free(r->io);
		r->io = NULL;
		r->done = 1;
	}
}

static int
srv_inject(int fd, void *arg)
{
	struct tlssrv	*ts = arg;
	char		 buf[256];
	SSL		*ssl;

	if (test_write_all(fd, "220 plain\r\n") == -1 ||
	    test_read_until(fd, buf, sizeof(buf), "STARTTLS\r\n") <= 0)
		return 1;
	/* reply and injected line in one segment */
	if (test_write_all(fd, "220 go\r\nINJECTED\r\n") == -1)
		return 2;
	ssl = SSL_new(ts->ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		return 3;
	SSL_free(ssl);
	return 0;
}

static void
test_starttls_injection(void **state)
{
	struct ev		*ev = ev_new();
	struct sockaddr_in	 sin;
	struct testcert		 tc;
	struct tlssrv		 ts;
	struct rec		 r;
	char			 err[128];
	int			 lfd, port;
	pid_t			 pid;

	assert_int_equal(testcert_make(&tc, "inj", NULL, -60, 86400), 0);
	memset(&ts, 0, sizeof(ts));
	ts.ctx = testcert_server_ctx(&tc);
	assert_int_not_equal(lfd = test_listen(&port), -1);
	pid = test_server(lfd, srv_inject, &ts);
	rec_init(&r, ev, 0, 0);
	r.drop = 0;
	r.hook = hook_inject;
	r.ctx = tls_ctx_get(0, NULL, err, sizeof(err));
	sa_loopback(&sin, port);
	io_connect(r.io, (struct sockaddr *)&sin, sizeof(sin));
	rec_run(&r);
	assert_int_equal(r.state, 2);
	assert_int_equal(r.leftover, 10);	/* "INJECTED\r\n" */
	assert_int_equal(inj_discarded, 10);
	assert_int_equal(test_server_wait(pid), 0);
	SSL_CTX_free(ts.ctx);
	testcert_free(&tc);
	close(lfd);
	ev_free(ev);
}

/* a plain-text server where TLS is expected */
static int
srv_garbage(int fd, void *arg)
{
	const char	*greeting = arg;
	char		 buf[512];

	if (*greeting == '\0')
		return 0;	/* close at once */
	test_write_all(fd, greeting);
	test_read_until(fd, buf, sizeof(buf), NULL);	/* until we go */
	return 0;
}

static void
tls_fail(const char *greeting, const char *want_reason)
{
	struct ev		*ev = ev_new();
	struct sockaddr_in	 sin;
	struct rec		 r;
	char			 err[128];
	int			 lfd, port;
	pid_t			 pid;

	assert_int_not_equal(lfd = test_listen(&port), -1);
	pid = test_server(lfd, srv_garbage, (void *)greeting);
	rec_init(&r, ev, 0, 0);
	r.ctx = tls_ctx_get(0, NULL, err, sizeof(err));
	sa_loopback(&sin, port);
	io_connect(r.io, (struct sockaddr *)&sin, sizeof(sin));
	assert_int_equal(io_start_tls(r.io, r.ctx, "localhost", NULL), 0);
	rec_run(&r);
	assert_int_equal(r.events[0], IO_CONNECTED);
	assert_int_equal(r.events[r.nev - 1], IO_ERROR);
	assert_false(has_event(&r, IO_TLSREADY));
	assert_false(has_event(&r, IO_DATAIN));
	assert_int_equal(r.fail, FAIL_TLS);
	print_message("reason: %s\n", r.error);
	if (want_reason != NULL)
		assert_string_equal(r.error, want_reason);
	else
		assert_true(strncmp(r.error, "TLS handshake failed: ", 22) == 0 &&
		    strlen(r.error) > 22);
	assert_int_equal(test_server_wait(pid), 0);
	close(lfd);
	ev_free(ev);
}

static void
test_tls_garbage(void **state)
{
	tls_fail("220 mail.example.org ESMTP plain text only\r\n",
	    "TLS handshake failed: wrong version number");
}

static void
test_tls_peer_closes(void **state)
{
	/* EOF or RST, depending on when the ClientHello lands */
	tls_fail("", NULL);
}

/*
 * TLS records bigger than the input buffer: the rest waits decrypted
 * inside OpenSSL (SSL_pending), where epoll cannot see it; dropping
 * input must still bring it out.
 */
#define BULK	40000

static int
srv_bulk(int fd, void *arg)
{
	SSL_CTX		*ctx = arg;
	SSL		*ssl = SSL_new(ctx);
	char		*buf = malloc(BULK), b[16];
	int		 i;

	for (i = 0; i < BULK; i++)
		buf[i] = (char)('a' + i % 26);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1 || SSL_write(ssl, buf, BULK) != BULK)
		return 1;
	(void)SSL_read(ssl, b, sizeof(b));	/* until the client goes */
	SSL_free(ssl);
	free(buf);
	return 0;
}

static void
test_tls_pending(void **state)
{
	struct ev		*ev = ev_new();
	struct sockaddr_in	 sin;
	struct testcert		 tc;
	struct rec		 r;
	SSL_CTX			*sctx;
	char			 err[128];
	size_t			 total = 0, k;
	int			 lfd, port, rounds = 0, bad = 0;
	pid_t			 pid;

	assert_int_equal(testcert_make(&tc, "bulk", NULL, -60, 86400), 0);
	sctx = testcert_server_ctx(&tc);
	assert_int_not_equal(lfd = test_listen(&port), -1);
	pid = test_server(lfd, srv_bulk, sctx);
	rec_init(&r, ev, 1000, 0);
	r.drop = 0;
	r.ctx = tls_ctx_get(0, NULL, err, sizeof(err));
	sa_loopback(&sin, port);
	io_connect(r.io, (struct sockaddr *)&sin, sizeof(sin));
	assert_int_equal(io_start_tls(r.io, r.ctx, NULL, NULL), 0);
	while (total < BULK && rounds++ < 2000 && r.io != NULL) {
		ev_run_once(ev, 100000);
		if (r.io == NULL)
			break;
		assert_true(io_datalen(r.io) <= 1000);
		for (k = 0; k < io_datalen(r.io); k++)
			if (io_data(r.io)[k] != (char)('a' + (total + k) % 26))
				bad++;
		total += io_datalen(r.io);
		io_drop(r.io, io_datalen(r.io));
	}
	assert_int_equal(total, BULK);
	assert_int_equal(bad, 0);
	assert_non_null(r.io);
	io_free(r.io);
	assert_int_equal(test_server_wait(pid), 0);
	SSL_CTX_free(sctx);
	testcert_free(&tc);
	close(lfd);
	ev_free(ev);
}

/* a thousand connections at once, server side in the same loop */
#define NCONN	1000

struct many {
	struct ev	*ev;
	int		 lfd;
	int		 accepted;
	int		 greeted;
	int		 closed;
	struct io	*io[NCONN];
};

static void
many_accept(int fd, int events, void *arg)
{
	struct many	*m = arg;
	int		 c;

	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
		m->accepted++;
		/* fits in the socket buffer; then FIN */
		if (write(c, "220 ok\r\n", 8) != 8)
			fail();
		close(c);
	}
}

static void
many_cb(struct io *io, int e, void *arg)
{
	struct many	*m = arg;

	if (e == IO_DATAIN) {
		if (io_datalen(io) >= 8 &&
		    memcmp(io_data(io), "220 ok\r\n", 8) == 0)
			m->greeted++;
		io_drop(io, io_datalen(io));
	}
	if (e == IO_DISCONNECTED || e == IO_ERROR) {
		m->closed++;
		io_free(io);
	}
}

static void
test_many_connects(void **state)
{
	struct sockaddr_in	 sin;
	struct ev_io		*lw;
	struct many		*m = calloc(1, sizeof(*m));
	socklen_t		 len = sizeof(sin);
	int			 i, rounds = 0;

	m->ev = ev_new();
	m->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa_loopback(&sin, 0);
	assert_int_equal(bind(m->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(m->lfd, 4096), 0);
	assert_int_equal(getsockname(m->lfd, (struct sockaddr *)&sin, &len), 0);
	lw = ev_io_new(m->ev, m->lfd, EV_READ, many_accept, m);
	for (i = 0; i < NCONN; i++) {
		m->io[i] = io_new(m->ev, 1024, 1024, many_cb, m);
		assert_non_null(m->io[i]);
		assert_int_equal(io_connect(m->io[i], (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
	}
	while (m->closed < NCONN && rounds++ < 20000)
		ev_run_once(m->ev, 100000);
	assert_int_equal(m->closed, NCONN);
	assert_int_equal(m->greeted, NCONN);
	assert_int_equal(m->accepted, NCONN);
	ev_io_free(lw);
	close(m->lfd);
	assert_int_equal(ev_run(m->ev), 0);
	ev_free(m->ev);
	free(m);
}

static void
teardown_all(void)
{
	tls_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_plain),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_attach_eof),
		cmocka_unit_test(test_free_in_callback),
		cmocka_unit_test(test_input_bound),
		cmocka_unit_test(test_output_bound),
		cmocka_unit_test(test_tls_implicit),
		cmocka_unit_test(test_starttls),
		cmocka_unit_test(test_starttls_injection),
		cmocka_unit_test(test_tls_garbage),
		cmocka_unit_test(test_tls_peer_closes),
		cmocka_unit_test(test_tls_pending),
		cmocka_unit_test(test_many_connects),
	};
	int	 rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	teardown_all();
	return rc;
}

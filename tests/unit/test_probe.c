/*
 * test_probe.c - the probe object end to end against tiny loopback
 * servers forked by the test: happy path, refused greeting, drip-feed
 * deadline, early close, refused connection, cancel, config errors.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <poll.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "ev.h"
#include "log.h"
#include "probe.h"
#include "testcert.h"
#include "util.h"

#include <openssl/ssl.h>

struct outcome {
	int			 calls;
	int			 in_start;
	int			 from_start;
	struct probe_result	 res;
	struct ev		*ev;
};

static void
done_cb(const struct probe_result *r, void *arg)
{
	struct outcome	*o = arg;

	o->calls++;
	if (o->in_start)
		o->from_start = 1;
	o->res = *r;
	ev_break(o->ev);
}

static void
run_probe(struct probe_opts *po, struct outcome *out)
{
	struct ev	*ev = ev_new();
	struct probe	*p;

	assert_non_null(ev);
	memset(out, 0, sizeof(*out));
	out->ev = ev;
	out->in_start = 1;
	p = probe_start(ev, po, NULL, done_cb, out);
	out->in_start = 0;
	assert_non_null(p);
	assert_int_equal(out->calls, 0);
	ev_run(ev);
	assert_int_equal(out->calls, 1);
	assert_int_equal(out->from_start, 0);
	ev_free(ev);
}

static void
opts_for(struct probe_opts *po, enum probe_mode mode, int port)
{
	probe_opts_init(po);
	po->mode = mode;
	mm_strlcpy(po->host, "127.0.0.1", sizeof(po->host));
	mm_strlcpy(po->helo, "probe.example.test", sizeof(po->helo));
	po->port = (uint16_t)port;
	po->timeout_ms = 3000;
}

/* the child checks every line the client sends */
static int
expect_line(int fd, const char *want)
{
	char	 buf[512];
	ssize_t	 n;

	n = test_read_until(fd, buf, sizeof(buf) - 1, "\r\n");
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	return strcmp(buf, want) == 0 ? 0 : 1;
}

static int
srv_happy(int fd, void *arg)
{
	struct pollfd	 pfd;
	int		 bad = 0;

	(void)arg;
	/* a slow multi-line greeting: the client must wait for all of it */
	test_write_all(fd, "220-mx.example.test ESMTP\r\n");
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 100) != 0)
		bad = 1;		/* it talked before the greeting ended */
	test_write_all(fd, "220 ready\r\n");
	bad |= expect_line(fd, "EHLO probe.example.test\r\n");
	test_write_all(fd, "250-mx.example.test\r\n250 SIZE 1000\r\n");
	bad |= expect_line(fd, "MAIL FROM:<probe@example.test>\r\n");
	test_write_all(fd, "250 2.1.0 Ok\r\n");
	bad |= expect_line(fd, "RSET\r\n");
	test_write_all(fd, "250 2.0.0 Ok\r\n");
	bad |= expect_line(fd, "QUIT\r\n");
	test_write_all(fd, "221 2.0.0 Bye\r\n");
	return bad;
}

static void
test_smtp_happy(void **state)
{
	struct probe_opts	 po;
	struct outcome		 out;
	int			 port, lfd;
	pid_t			 pid;

	(void)state;
	assert_true((lfd = test_listen(&port)) >= 0);
	pid = test_server(lfd, srv_happy, NULL);
	close(lfd);
	opts_for(&po, MODE_SMTP, port);
	mm_strlcpy(po.mail_from, "probe@example.test", sizeof(po.mail_from));
	run_probe(&po, &out);
	assert_int_equal(test_server_wait(pid), 0);
	assert_int_equal(out.res.fail, FAIL_NONE);
	assert_int_equal(out.res.status, STATUS_OK);
	assert_string_equal(out.res.address, "127.0.0.1");
	/* the last reply before QUIT, not QUIT's own 221 */
	assert_int_equal(out.res.reply_code, 250);
	/* 127.0.0.1 is an address: no DNS phase */
	assert_true(out.res.t[PH_DNS] == -1);
	assert_true(out.res.t[PH_CONNECT] >= 0);
	assert_true(out.res.t[PH_GREETING] > 0);
	assert_true(out.res.t[PH_HELLO] >= 0);
	assert_true(out.res.t[PH_MAIL] >= 0);
	assert_true(out.res.t[PH_QUIT] >= 0);
	assert_true(out.res.t[PH_TLS] == -1);
	assert_true(out.res.t[PH_TOTAL] >= out.res.t[PH_GREETING]);
	assert_int_equal(out.res.cert_days, CERT_DAYS_NONE);
}

static int
srv_554(int fd, void *arg)
{
	(void)arg;
	test_write_all(fd, "554 5.7.1 mx220.example.test: service refused\r\n");
	return expect_line(fd, "QUIT\r\n");
}

static void
test_smtp_554(void **state)
{
	struct probe_opts	 po;
	struct outcome		 out;
	int			 port, lfd;
	pid_t			 pid;

	(void)state;
	assert_true((lfd = test_listen(&port)) >= 0);
	pid = test_server(lfd, srv_554, NULL);
	close(lfd);
	opts_for(&po, MODE_SMTP, port);
	run_probe(&po, &out);
	assert_int_equal(test_server_wait(pid), 0);
	assert_int_equal(out.res.fail, FAIL_GREETING);
	assert_int_equal(out.res.status, STATUS_CRITICAL);
	assert_int_equal(out.res.reply_code, 554);
	assert_non_null(strstr(out.res.reply_text, "service refused"));
	assert_true(out.res.t[PH_TOTAL] >= 0);
}

static int
srv_drip(int fd, void *arg)
{
	int	 i;

	(void)arg;
	signal(SIGPIPE, SIG_IGN);
	/* a byte every 200 ms: never a complete line within the deadline */
	for (i = 0; i < 50; i++) {
		if (write(fd, i < 4 ? &"220 "[i] : "x", 1) != 1)
			return 0;
		usleep(200000);
	}
	return 0;
}

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_drip_feed_deadline(void **state)
{
	struct probe_opts	 po;
	struct outcome		 out;
	int			 port, lfd;
	pid_t			 pid;
	int64_t			 t0, el;

	(void)state;
	assert_true((lfd = test_listen(&port)) >= 0);
	pid = test_server(lfd, srv_drip, NULL);
	close(lfd);
	opts_for(&po, MODE_SMTP, port);
	po.timeout_ms = 1500;
	t0 = mono_ms();
	run_probe(&po, &out);
	el = mono_ms() - t0;
	kill(pid, SIGTERM);
	test_server_wait(pid);
	assert_int_equal(out.res.fail, FAIL_TIMEOUT);
	assert_int_equal(out.res.status, STATUS_CRITICAL);
	assert_non_null(strstr(out.res.reason, "BANNER"));
	/* the deadline held although bytes kept arriving */
	assert_true(el >= 1450);
	assert_true(el < 1500 + 400);
	assert_true(out.res.t[PH_TOTAL] >= 1450000);
}

static int
srv_early_close(int fd, void *arg)
{
	(void)arg;
	test_write_all(fd, "220-half a greeting\r\n");
	return 0;
}

static void
test_early_close(void **state)
{
	struct probe_opts	 po;
	struct outcome		 out;
	int			 port, lfd;
	pid_t			 pid;

	(void)state;
	assert_true((lfd = test_listen(&port)) >= 0);
	pid = test_server(lfd, srv_early_close, NULL);
	close(lfd);
	opts_for(&po, MODE_SMTP, port);
	run_probe(&po, &out);
	test_server_wait(pid);
	assert_int_equal(out.res.fail, FAIL_CLOSED);
	assert_int_equal(out.res.status, STATUS_CRITICAL);
	assert_non_null(strstr(out.res.reason, "BANNER"));
}

static int
srv_garbage(int fd, void *arg)
{
	char	 buf[64];

	(void)arg;
	test_write_all(fd, "SSH-2.0-OpenSSH_9.2\r\n");
	(void)read(fd, buf, sizeof(buf));
	return 0;
}

static void
test_garbage(void **state)
{
	struct probe_opts	 po;
	struct outcome		 out;
	int			 port, lfd;
	pid_t			 pid;

	(void)state;
	assert_true((lfd = test_listen(&port)) >= 0);
	pid = test_server(lfd, srv_garbage, NULL);
	close(lfd);
	opts_for(&po, MODE_SMTP, port);
	run_probe(&po, &out);
	test_server_wait(pid);
	assert_int_equal(out.res.fail, FAIL_PROTOCOL);
	assert_non_null(strstr(out.res.reason, "invalid reply code"));
}

static void
test_refused(void **state)
{
	struct probe_opts	 po;
	struct outcome		 out;

	(void)state;
	opts_for(&po, MODE_SMTP, test_closed_port());
	run_probe(&po, &out);
	assert_int_equal(out.res.fail, FAIL_REFUSED);
	assert_int_equal(out.res.status, STATUS_CRITICAL);
	assert_true(out.res.t[PH_TOTAL] >= 0);
	assert_true(out.res.t[PH_CONNECT] == -1);

	/* check_tcp -r ok */
	opts_for(&po, MODE_TCP, test_closed_port());
	po.refuse_status = STATUS_OK;
	run_probe(&po, &out);
	assert_int_equal(out.res.fail, FAIL_REFUSED);
	assert_int_equal(out.res.status, STATUS_OK);
}

static int
srv_tcp(int fd, void *arg)
{
	int	 bad;

	(void)arg;
	bad = expect_line(fd, "PING\r\n");
	test_write_all(fd, "+PONG hello\r\n");
	bad |= expect_line(fd, "BYE\r\n");
	return bad;
}

static void
test_tcp_send_expect(void **state)
{
	struct probe_opts	 po;
	struct outcome		 out;
	int			 port, lfd;
	pid_t			 pid;

	(void)state;
	assert_true((lfd = test_listen(&port)) >= 0);
	pid = test_server(lfd, srv_tcp, NULL);
	close(lfd);
	opts_for(&po, MODE_TCP, port);
	mm_strlcpy(po.send, "PING\r\n", sizeof(po.send));
	mm_strlcpy(po.expect, "PONG", sizeof(po.expect));
	mm_strlcpy(po.quit, "BYE\r\n", sizeof(po.quit));
	run_probe(&po, &out);
	assert_int_equal(test_server_wait(pid), 0);
	assert_int_equal(out.res.fail, FAIL_NONE);
	assert_non_null(strstr(out.res.reply_text, "+PONG hello"));
}

/*
 * A check holds only its own machine's session: the TCP machine's
 * 4 KiB buffer is not in every SMTP, POP3 and IMAP check (the
 * in-flight checks of a burst are what a daemon's memory grows by).
 */
static void
test_size_per_mode(void **state)
{
	(void)state;
	assert_true(probe_size(MODE_SMTP) + 3072 <= probe_size(MODE_TCP));
	assert_true(probe_size(MODE_POP3) + 3072 <= probe_size(MODE_TCP));
	assert_true(probe_size(MODE_IMAP) + 3072 <= probe_size(MODE_TCP));
	assert_int_equal(probe_size(MODE_RELAY), probe_size(MODE_SMTP));
	assert_int_equal(probe_size(MODE_DELIVERY), probe_size(MODE_SMTP));
	/* under 19 KiB a check, options included */
	assert_true(probe_size(MODE_SMTP) < 19 * 1024);
}

static void
test_config_error_and_cancel(void **state)
{
	struct probe_opts	 po;
	struct outcome		 out;
	struct ev		*ev;
	struct probe		*p;
	int			 i;

	(void)state;
	/* reported from the loop, as UNKNOWN */
	opts_for(&po, MODE_SMTP, 25);
	po.auth = AUTH_PLAIN;
	run_probe(&po, &out);
	assert_int_equal(out.res.fail, FAIL_CONFIG);
	assert_int_equal(out.res.status, STATUS_UNKNOWN);
	assert_string_equal(out.res.reason, "AUTH needs a user");
	assert_true(out.res.t[PH_TOTAL] >= 0);

	/* cancel at once and while connecting: no callback, no leak */
	ev = ev_new();
	memset(&out, 0, sizeof(out));
	out.ev = ev;
	opts_for(&po, MODE_SMTP, test_closed_port());
	p = probe_start(ev, &po, NULL, done_cb, &out);
	probe_cancel(p);
	p = probe_start(ev, &po, NULL, done_cb, &out);
	for (i = 0; i < 3; i++)
		ev_run_once(ev, 1000);
	if (out.calls == 0)
		probe_cancel(p);
	ev_free(ev);
	assert_true(out.calls <= 1);
}

static void
test_many_probes(void **state)
{
	struct probe_opts	 po;
	struct ev		*ev = ev_new();
	struct outcome		 outs[200];
	int			 i, port = test_closed_port(), ncalls = 0;

	(void)state;
	opts_for(&po, MODE_SMTP, port);
	for (i = 0; i < 200; i++) {
		memset(&outs[i], 0, sizeof(outs[i]));
		outs[i].ev = ev;
		assert_non_null(probe_start(ev, &po, NULL, done_cb, &outs[i]));
	}
	for (i = 0; i < 2000; i++) {
		int	 j;

		ev_run_once(ev, 10000);
		for (ncalls = 0, j = 0; j < 200; j++)
			ncalls += outs[j].calls;
		if (ncalls == 200)
			break;
	}
	assert_int_equal(ncalls, 200);
	for (i = 0; i < 200; i++) {
		assert_int_equal(outs[i].calls, 1);
		assert_int_equal(outs[i].res.fail, FAIL_REFUSED);
	}
	ev_free(ev);
}

static SSL_CTX	*srv_ctx;

static int
ssl_line(SSL *ssl, const char *want)
{
	char	 buf[256];
	size_t	 n = 0;

	while (n < sizeof(buf) - 1) {
		if (SSL_read(ssl, buf + n, 1) != 1)
			return 1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return strcmp(buf, want) == 0 ? 0 : 1;
}

/*
 * smtps: with verification off the whole dialogue runs after a
 * certificate problem; with it on (arg non-NULL) the client leaves
 * right after the greeting.
 */
static int
srv_smtps(int fd, void *arg)
{
	SSL	*ssl = SSL_new(srv_ctx);
	int	 bad = 0;

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		return 2;
	SSL_write(ssl, "220 smtps ready\r\n", 17);
	if (arg == NULL) {
		bad |= ssl_line(ssl, "EHLO probe.example.test\r\n");
		SSL_write(ssl, "250 mx\r\n", 8);
	}
	bad |= ssl_line(ssl, "QUIT\r\n");
	SSL_write(ssl, "221 bye\r\n", 9);
	SSL_shutdown(ssl);
	SSL_free(ssl);
	return bad;
}

static void
test_smtps_cert(void **state)
{
	struct testcert		 tc;
	struct probe_opts	 po;
	struct outcome		 out;
	int			 port, lfd, verify;
	pid_t			 pid;

	(void)state;
	/* self-signed, 5 days left */
	assert_int_equal(testcert_make(&tc, "localhost",
	    "DNS:localhost,IP:127.0.0.1", -3600, 5 * 86400 + 3600), 0);
	assert_non_null(srv_ctx = testcert_server_ctx(&tc));
	for (verify = 1; verify >= 0; verify--) {
		assert_true((lfd = test_listen(&port)) >= 0);
		pid = test_server(lfd, srv_smtps, verify ? &verify : NULL);
		close(lfd);
		opts_for(&po, MODE_SMTP, port);
		po.tls = TLS_IMPLICIT;
		po.tls_verify = verify;
		po.cert_warn_days = 30;
		po.cert_crit_days = 7;
		run_probe(&po, &out);
		assert_int_equal(test_server_wait(pid), 0);
		assert_int_equal(out.res.cert_days, 5);
		assert_int_equal(out.res.cert_verified, 0);
		assert_true(out.res.tls_version[0] != '\0');
		assert_true(out.res.tls_cipher[0] != '\0');
		assert_true(out.res.t[PH_TLS] >= 0);
		/* cert failures do not hide the dialogue's last reply */
		assert_int_equal(out.res.reply_code, verify ? 220 : 250);
		assert_int_equal(out.res.status, STATUS_CRITICAL);
		if (verify)
			assert_int_equal(out.res.fail, FAIL_CERT_INVALID);
		else {
			assert_int_equal(out.res.fail, FAIL_CERT_EXPIRING);
			assert_string_equal(out.res.reason,
			    "certificate expires in 5 days");
		}
	}
	SSL_CTX_free(srv_ctx);
	testcert_free(&tc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smtp_happy),
		cmocka_unit_test(test_smtp_554),
		cmocka_unit_test(test_drip_feed_deadline),
		cmocka_unit_test(test_early_close),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_tcp_send_expect),
		cmocka_unit_test(test_size_per_mode),
		cmocka_unit_test(test_config_error_and_cancel),
		cmocka_unit_test(test_many_probes),
		cmocka_unit_test(test_smtps_cert),
	};

	log_init(0, "test_probe");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

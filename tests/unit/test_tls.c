/*
 * test_tls.c - contexts, SNI, verification recorded but never fatal,
 * days to expiry of leaf and chain.
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

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ev.h"
#include "io.h"
#include "tls.h"
#include "testcert.h"

#define DAY	86400L

static void
test_cert_days(void **state)
{
	struct testcert	 tc;
	int		 d;

	assert_int_equal(testcert_make(&tc, "a", NULL, -DAY, 10 * DAY + 3600), 0);
	assert_int_equal(tls_cert_days(tc.cert, &d), 0);
	assert_int_equal(d, 10);
	testcert_free(&tc);
	assert_int_equal(testcert_make(&tc, "b", NULL, -DAY, 7200), 0);
	assert_int_equal(tls_cert_days(tc.cert, &d), 0);
	assert_int_equal(d, 0);
	testcert_free(&tc);
	/* expired two hours ago: already negative */
	assert_int_equal(testcert_make(&tc, "c", NULL, -DAY, -7200), 0);
	assert_int_equal(tls_cert_days(tc.cert, &d), 0);
	assert_int_equal(d, -1);
	testcert_free(&tc);
	assert_int_equal(testcert_make(&tc, "d", NULL, -10 * DAY, -3 * DAY - 3600), 0);
	assert_int_equal(tls_cert_days(tc.cert, &d), 0);
	assert_int_equal(d, -4);
	testcert_free(&tc);
	assert_int_equal(tls_cert_days(NULL, &d), -1);
}

static void
test_ip_literal(void **state)
{
	assert_true(tls_is_ip_literal("127.0.0.1"));
	assert_true(tls_is_ip_literal("::1"));
	assert_true(tls_is_ip_literal("[::1]"));
	assert_true(tls_is_ip_literal("2001:db8::25"));
	assert_false(tls_is_ip_literal("localhost"));
	assert_false(tls_is_ip_literal("mail.example.org."));
	assert_false(tls_is_ip_literal("1.2.3"));
	assert_false(tls_is_ip_literal(""));
	assert_false(tls_is_ip_literal(NULL));
}

static void
test_ctx_cache(void **state)
{
	char	 err[TLS_ERR_MAX], pem[64];
	SSL_CTX	*a, *b, *c;
	struct testcert	 tc;

	a = tls_ctx_get(1, NULL, err, sizeof(err));
	b = tls_ctx_get(0, "", err, sizeof(err));
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_int_equal(SSL_CTX_get_min_proto_version(a), TLS1_2_VERSION);
	assert_int_equal(testcert_make(&tc, "ca", NULL, -DAY, DAY), 0);
	assert_int_equal(testcert_write_pem(&tc, pem, sizeof(pem)), 0);
	c = tls_ctx_get(1, pem, err, sizeof(err));
	assert_non_null(c);
	assert_ptr_not_equal(a, c);
	assert_ptr_equal(tls_ctx_get(1, pem, err, sizeof(err)), c);
	unlink(pem);
	testcert_free(&tc);
	err[0] = '\0';
	assert_null(tls_ctx_get(1, "/nonexistent/ca.pem", err, sizeof(err)));
	assert_string_equal(err, "cannot load CA file /nonexistent/ca.pem: "
	    "No such file or directory");
	/* a daemon loads OpenSSL's error texts at the start, as usual */
	assert_non_null(ERR_reason_error_string(ERR_PACK(ERR_LIB_X509, 0,
	    X509_R_NO_CERTIFICATE_OR_CRL_FOUND)));
	/* without verification it is usable, and verification still fails */
	assert_non_null(c = tls_ctx_get(0, "/nonexistent/ca.pem", err,
	    sizeof(err)));
	err[0] = '\0';
	assert_null(tls_ctx_get(1, "/nonexistent/ca.pem", err, sizeof(err)));
	assert_true(strncmp(err, "cannot load CA file", 19) == 0);
}

static void
test_inspect_null(void **state)
{
	struct tls_info	 ti;

	assert_int_equal(tls_inspect(NULL, &ti), -1);
	assert_int_equal(ti.cert_days, CERT_DAYS_NONE);
	assert_false(ti.verified);
}

/* a TLS server in a child that reports the SNI it saw */

struct srv {
	SSL_CTX		*ctx;
	const char	*want_sni;	/* NULL: none expected */
};

static int
srv_tls(int fd, void *arg)
{
	struct srv	*s = arg;
	const char	*sni;
	char		 buf[64];
	SSL		*ssl = SSL_new(s->ctx);
	int		 rc = 0;

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		return 10;
	sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (s->want_sni == NULL ? sni != NULL :
	    (sni == NULL || strcmp(sni, s->want_sni) != 0))
		rc = 11;
	SSL_write(ssl, "hi\r\n", 4);
	(void)SSL_read(ssl, buf, sizeof(buf));	/* until the client goes */
	SSL_free(ssl);
	return rc;
}

struct cli {
	struct ev	*ev;
	struct io	*io;
	struct tls_info	 ti;
	int		 ready;
	int		 done;
	enum fail_class	 fail;
};

static void
cli_cb(struct io *io, int e, void *arg)
{
	struct cli	*c = arg;

	if (e == IO_TLSREADY) {
		c->ready = 1;
		tls_inspect(io_ssl(io), &c->ti);
	}
	if (e == IO_TLSREADY || e == IO_ERROR || e == IO_DISCONNECTED) {
		c->fail = io_fail(io);
		c->done = 1;
		io_free(io);
		c->io = NULL;
	}
}

/*
 * Connect with TLS to a server presenting leaf (+ extra chain cert);
 * returns the server's exit code.
 */
static int
handshake(const struct testcert *leaf, const struct testcert *extra,
    const char *ca_file, const char *sni, const char *want_sni,
    const char *verify_host, struct cli *c)
{
	struct sockaddr_in	 sin;
	struct srv		 s;
	char			 err[TLS_ERR_MAX];
	SSL_CTX			*cctx;
	int			 lfd, port, i, rc;
	pid_t			 pid;

	memset(c, 0, sizeof(*c));
	c->ev = ev_new();
	s.ctx = testcert_server_ctx(leaf);
	s.want_sni = want_sni;
	assert_non_null(s.ctx);
	if (extra != NULL) {
		X509_up_ref(extra->cert);
		assert_int_equal(SSL_CTX_add_extra_chain_cert(s.ctx,
		    extra->cert), 1);
	}
	assert_int_not_equal(lfd = test_listen(&port), -1);
	pid = test_server(lfd, srv_tls, &s);
	cctx = tls_ctx_get(1, ca_file, err, sizeof(err));
	assert_non_null(cctx);
	c->io = io_new(c->ev, 0, 0, cli_cb, c);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	io_connect(c->io, (struct sockaddr *)&sin, sizeof(sin));
	assert_int_equal(io_start_tls(c->io, cctx, sni, verify_host), 0);
	for (i = 0; i < 500 && !c->done; i++)
		ev_run_once(c->ev, 20000);
	assert_true(c->done);
	rc = test_server_wait(pid);
	close(lfd);
	SSL_CTX_free(s.ctx);
	ev_free(c->ev);
	return rc;
}

static void
test_verify(void **state)
{
	struct testcert	 tc;
	struct cli	 c;
	char		 pem[64];

	assert_int_equal(testcert_make(&tc, "localhost",
	    "DNS:localhost,IP:127.0.0.1", -DAY, 90 * DAY + 60), 0);
	assert_int_equal(testcert_write_pem(&tc, pem, sizeof(pem)), 0);

	/* trusted, right name; SNI with a trailing dot goes out without */
	assert_int_equal(handshake(&tc, NULL, pem, "localhost.", "localhost",
	    "localhost", &c), 0);
	assert_true(c.ready);
	assert_true(c.ti.verified);
	assert_string_equal(c.ti.verify_reason, "ok");
	assert_int_equal(c.ti.cert_days, 90);
	assert_string_equal(c.ti.subject_cn, "localhost");

	/* an IP literal is never sent as SNI but is verified as an IP */
	assert_int_equal(handshake(&tc, NULL, pem, "127.0.0.1", NULL,
	    "127.0.0.1", &c), 0);
	assert_true(c.ti.verified);

	/* wrong name: recorded, handshake still completes */
	assert_int_equal(handshake(&tc, NULL, pem, "mail.example.org",
	    "mail.example.org", "mail.example.org", &c), 0);
	assert_true(c.ready);
	assert_int_equal(c.fail, FAIL_NONE);
	assert_false(c.ti.verified);
	assert_string_equal(c.ti.verify_reason, "hostname mismatch");
	assert_int_equal(c.ti.cert_days, 90);

	assert_int_equal(handshake(&tc, NULL, pem, NULL, NULL, "10.0.0.1",
	    &c), 0);
	assert_false(c.ti.verified);
	assert_string_equal(c.ti.verify_reason, "IP address mismatch");

	/* untrusted (system CAs only) */
	assert_int_equal(handshake(&tc, NULL, NULL, "localhost", "localhost",
	    "localhost", &c), 0);
	assert_false(c.ti.verified);
	assert_string_equal(c.ti.verify_reason, "self-signed certificate");
	unlink(pem);
	testcert_free(&tc);
}

static void
test_expired(void **state)
{
	struct testcert	 tc;
	struct cli	 c;
	char		 pem[64];

	assert_int_equal(testcert_make(&tc, "localhost", "DNS:localhost",
	    -40 * DAY, -2 * DAY - 60), 0);
	assert_int_equal(testcert_write_pem(&tc, pem, sizeof(pem)), 0);
	assert_int_equal(handshake(&tc, NULL, pem, "localhost", "localhost",
	    "localhost", &c), 0);
	assert_true(c.ready);
	assert_false(c.ti.verified);
	assert_string_equal(c.ti.verify_reason, "certificate has expired");
	assert_int_equal(c.ti.cert_days, -3);
	unlink(pem);
	testcert_free(&tc);
}

/* the intermediate expires before the leaf */
static void
test_chain_days(void **state)
{
	struct testcert	 root, inter, leaf;
	struct cli	 c;
	char		 pem[64];

	assert_int_equal(testcert_make(&root, "root", NULL, -DAY, 400 * DAY), 0);
	assert_int_equal(testcert_make_signed(&inter, "inter", NULL, -DAY,
	    5 * DAY + 60, &root), 0);
	assert_int_equal(testcert_make_signed(&leaf, "localhost",
	    "DNS:localhost", -DAY, 60 * DAY + 60, &inter), 0);
	assert_int_equal(testcert_write_pem(&root, pem, sizeof(pem)), 0);
	assert_int_equal(handshake(&leaf, &inter, pem, "localhost",
	    "localhost", "localhost", &c), 0);
	assert_true(c.ready);
	assert_int_equal(c.ti.cert_days, 60);
	assert_int_equal(c.ti.chain_min_days, 5);
	assert_string_equal(c.ti.subject_cn, "localhost");
	assert_string_equal(c.ti.issuer_cn, "inter");
	assert_true(c.ti.verified);
	assert_string_equal(c.ti.verify_reason, "ok");
	unlink(pem);
	testcert_free(&leaf);
	testcert_free(&inter);
	testcert_free(&root);
}

/*
 * A CA file replaced on disk counts only after tls_reload(): the cached
 * context keeps the old anchors until then (mailmond's SIGHUP).
 */
static void
test_reload(void **state)
{
	struct testcert	 a, b;
	struct cli	 c;
	char		 pem[64], pemb[64];
	FILE		*in, *out;
	int		 ch;

	(void)state;
	assert_int_equal(testcert_make(&a, "localhost",
	    "DNS:localhost,IP:127.0.0.1", -DAY, 30 * DAY), 0);
	assert_int_equal(testcert_make(&b, "localhost",
	    "DNS:localhost,IP:127.0.0.1", -DAY, 30 * DAY), 0);
	assert_int_equal(testcert_write_pem(&a, pem, sizeof(pem)), 0);
	assert_int_equal(testcert_write_pem(&b, pemb, sizeof(pemb)), 0);
	tls_reload();
	assert_int_equal(handshake(&a, NULL, pem, "localhost", "localhost",
	    "localhost", &c), 0);
	assert_true(c.ti.verified);
	/* the file now holds b: the cached context still trusts a */
	assert_non_null(in = fopen(pemb, "r"));
	assert_non_null(out = fopen(pem, "w"));
	while ((ch = fgetc(in)) != EOF)
		fputc(ch, out);
	fclose(in);
	fclose(out);
	assert_int_equal(handshake(&a, NULL, pem, "localhost", "localhost",
	    "localhost", &c), 0);
	assert_true(c.ti.verified);
	/* after the reload it is read again: a fails, b passes */
	tls_reload();
	assert_int_equal(handshake(&a, NULL, pem, "localhost", "localhost",
	    "localhost", &c), 0);
	assert_false(c.ti.verified);
	assert_int_equal(handshake(&b, NULL, pem, "localhost", "localhost",
	    "localhost", &c), 0);
	assert_true(c.ti.verified);
	unlink(pem);
	unlink(pemb);
	testcert_free(&a);
	testcert_free(&b);
}

/*
 * The system store is read from the hashed directory, one issuer at a
 * time: a context for it holds no certificate until one is looked up.
 */
static void
test_lazy_system_store(void **state)
{
	char		 err[TLS_ERR_MAX];
	SSL_CTX		*ctx;
	X509_STORE	*st;

	(void)state;
	tls_reload();
	unsetenv("SSL_CERT_FILE");
	assert_non_null(ctx = tls_ctx_get(1, NULL, err, sizeof(err)));
	st = SSL_CTX_get_cert_store(ctx);
	assert_non_null(st);
	assert_int_equal(sk_X509_OBJECT_num(X509_STORE_get0_objects(st)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_days),
		cmocka_unit_test(test_ip_literal),
		cmocka_unit_test(test_ctx_cache),
		cmocka_unit_test(test_inspect_null),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_chain_days),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_lazy_system_store),
	};
	int	 rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tls_cleanup();
	return rc;
}

/*
 * test_tls_strings.c - a one-shot process loads OpenSSL's error texts
 * only when it has an error to tell, and then tells it in words.
 *
 * A process of its own: tls_oneshot() is for the life of the process,
 * and test_tls.c checks the usual path (texts loaded at the start).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls.h"
#include "tls_strings.h"

/* X509's "no certificate or crl found": what a file of garbage gives */
#define NO_CERT_ERR	ERR_PACK(ERR_LIB_X509, 0, X509_R_NO_CERTIFICATE_OR_CRL_FOUND)

/* the libraries a TLS client's reasons come from, and their reasons */
static const int libs[] = {
	ERR_LIB_SSL, ERR_LIB_X509, ERR_LIB_X509V3, ERR_LIB_PEM, ERR_LIB_ASN1,
	ERR_LIB_BIO, ERR_LIB_EVP, ERR_LIB_RSA, ERR_LIB_EC, ERR_LIB_BUF,
};
#define REASON_MAX	1200	/* SSL's alerts reach 1100-odd */

/* every text those libraries have, one "lib reason text" line each */
static void
dump_texts(FILE *f)
{
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
		for (r = 1; r <= REASON_MAX; r++) {
			const char *t = ERR_reason_error_string(
			    ERR_PACK(libs[i], 0, r));

			if (t != NULL)
				fprintf(f, "%d %d %s\n", libs[i], r, t);
		}
}

/* what a process that loads the texts at the start has, from a child */
static char	 usual[] = "/tmp/mm-tlsstr-usual-XXXXXX";

static int
setup(void **state)
{
	pid_t	 pid;
	int	 fd, st;

	(void)state;
	if ((fd = mkstemp(usual)) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		FILE	*f = fdopen(fd, "w");
		SSL_CTX	*ctx = SSL_CTX_new(TLS_client_method());

		if (f == NULL || ctx == NULL)
			_exit(1);
		dump_texts(f);
		_exit(fclose(f) == 0 ? 0 : 1);
	}
	close(fd);
	if (pid == -1 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	tls_oneshot();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(usual);
	return 0;
}

static void
test_deferred_then_told(void **state)
{
	char	 err[TLS_ERR_MAX], path[] = "/tmp/mm-tlsstr-XXXXXX";
	char	 want[TLS_ERR_MAX + 64];
	int	 fd;

	(void)state;
	/* a context with the system store loads no error text */
	assert_non_null(tls_ctx_get(1, NULL, err, sizeof(err)));
	assert_null(ERR_reason_error_string(NO_CERT_ERR));

	/* the first error to tell loads them, and is told in words */
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, "not a certificate\n", 18), 18);
	close(fd);
	err[0] = '\0';
	assert_null(tls_ctx_get(1, path, err, sizeof(err)));
	snprintf(want, sizeof(want),
	    "cannot load CA file %s: no certificate or crl found", path);
	assert_string_equal(err, want);
	assert_non_null(ERR_reason_error_string(NO_CERT_ERR));
	/* once: the texts are in, a second load does nothing */
	assert_int_equal(tls_strings_load(), 0);
	unlink(path);
}

/* the whole of f (closed), NUL-terminated; its length in *len */
static char *
slurp(FILE *f, long *len)
{
	char	*buf;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	*len = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)*len + 1));
	assert_int_equal(fread(buf, 1, (size_t)*len, f), (size_t)*len);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* loaded late, the texts are the same as loaded at the start */
static void
test_same_words(void **state)
{
	char	 now[] = "/tmp/mm-tlsstr-now-XXXXXX", *a, *b;
	FILE	*f;
	long	 na, nb;
	int	 fd;

	(void)state;
	/* after test_deferred_then_told: loaded on demand by then */
	assert_int_equal(tls_strings_load(), 0);
	assert_true((fd = mkstemp(now)) != -1);
	assert_non_null(f = fdopen(fd, "w+"));
	dump_texts(f);
	b = slurp(f, &nb);
	unlink(now);
	a = slurp(fopen(usual, "r"), &na);

	/* hundreds of texts, SSL's among them, and not one different */
	assert_true(strstr(a, "wrong version number") != NULL);
	assert_true(strstr(a, "no certificate or crl found") != NULL);
	assert_true(na > 20000);
	assert_int_equal(nb, na);
	assert_string_equal(b, a);
	free(a);
	free(b);
}

static void
test_system_error_named(void **state)
{
	char	 err[TLS_ERR_MAX];

	(void)state;
	/* a missing file is named by its errno, not "system lib" */
	err[0] = '\0';
	assert_null(tls_ctx_get(1, "/nonexistent/ca.pem", err, sizeof(err)));
	assert_string_equal(err, "cannot load CA file /nonexistent/ca.pem: "
	    "No such file or directory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deferred_then_told),
		cmocka_unit_test(test_same_words),
		cmocka_unit_test(test_system_error_named),
	};

#if OPENSSL_VERSION_MAJOR < 3 || defined(OPENSSL_NO_DEPRECATED_3_0)
	/* this OpenSSL loads the texts at the start: nothing to defer */
	if (tls_strings_defer() == 0)
		return 77;
#endif
	return cmocka_run_group_tests(tests, setup, teardown);
}

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

static int
setup(void **state)
{
	(void)state;
	tls_oneshot();
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
		cmocka_unit_test(test_system_error_named),
	};

#if OPENSSL_VERSION_MAJOR < 3 || defined(OPENSSL_NO_DEPRECATED_3_0)
	/* this OpenSSL loads the texts at the start: nothing to defer */
	if (tls_strings_defer() == 0)
		return 77;
#endif
	return cmocka_run_group_tests(tests, setup, NULL);
}

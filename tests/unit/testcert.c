/*
 * testcert.c - throwaway certificates and forked loopback servers.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "testcert.h"

int
testcert_make(struct testcert *tc, const char *cn, const char *san,
    long nb_s, long na_s)
{
	return testcert_make_signed(tc, cn, san, nb_s, na_s, NULL);
}

int
testcert_make_signed(struct testcert *tc, const char *cn, const char *san,
    long nb_s, long na_s, const struct testcert *issuer)
{
	static long	 serial = 1;
	X509		*icert;
	EVP_PKEY	*ikey;
	X509_NAME	*name;
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;

	memset(tc, 0, sizeof(*tc));
	if ((tc->key = EVP_EC_gen("P-256")) == NULL ||
	    (tc->cert = X509_new()) == NULL)
		goto fail;
	X509_set_version(tc->cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(tc->cert), serial++);
	X509_gmtime_adj(X509_getm_notBefore(tc->cert), nb_s);
	X509_gmtime_adj(X509_getm_notAfter(tc->cert), na_s);
	X509_set_pubkey(tc->cert, tc->key);
	name = X509_get_subject_name(tc->cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	icert = issuer != NULL ? issuer->cert : tc->cert;
	ikey = issuer != NULL ? issuer->key : tc->key;
	X509_set_issuer_name(tc->cert, X509_get_subject_name(icert));
	if (san != NULL) {
		X509V3_set_ctx(&v3, icert, tc->cert, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
		if (ext == NULL)
			goto fail;
		X509_add_ext(tc->cert, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (issuer == NULL || san == NULL) {
		/* self-signed ones and those without a name act as CAs */
		X509V3_set_ctx(&v3, tc->cert, tc->cert, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
		    "critical,CA:TRUE");
		if (ext == NULL)
			goto fail;
		X509_add_ext(tc->cert, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (!X509_sign(tc->cert, ikey, EVP_sha256()))
		goto fail;
	return 0;
 fail:
	ERR_print_errors_fp(stderr);
	testcert_free(tc);
	return -1;
}

void
testcert_free(struct testcert *tc)
{
	EVP_PKEY_free(tc->key);
	X509_free(tc->cert);
	tc->key = NULL;
	tc->cert = NULL;
}

int
testcert_write_pem(const struct testcert *tc, char *path, size_t len)
{
	FILE	*fp;
	int	 fd;

	snprintf(path, len, "/tmp/mailmon-test-XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	if (!PEM_write_X509(fp, tc->cert)) {
		fclose(fp);
		return -1;
	}
	return fclose(fp) == 0 ? 0 : -1;
}

SSL_CTX *
testcert_server_ctx(const struct testcert *tc)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return NULL;
	if (!SSL_CTX_use_certificate(ctx, tc->cert) ||
	    !SSL_CTX_use_PrivateKey(ctx, tc->key)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
test_listen(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

int
test_closed_port(void)
{
	int	 port, fd;

	/* bound, never listened on, closed: a refused port */
	if ((fd = test_listen(&port)) == -1)
		return -1;
	close(fd);
	return port;
}

pid_t
test_server(int lfd, int (*fn)(int, void *), void *arg)
{
	pid_t	 pid;
	int	 fd, rc;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) != 0)
		return pid;
	signal(SIGPIPE, SIG_IGN);
	alarm(20);		/* never outlive a broken test */
	if ((fd = accept(lfd, NULL, NULL)) == -1)
		_exit(99);
	rc = fn(fd, arg);
	close(fd);
	_exit(rc);
}

int
test_server_wait(pid_t pid)
{
	int	 status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -1;
}

int
test_write_all(int fd, const char *s)
{
	size_t	 n = strlen(s);
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, s, n)) <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t
test_read_until(int fd, char *buf, size_t len, const char *needle)
{
	size_t	 got = 0;
	ssize_t	 r;

	while (got + 1 < len) {
		if ((r = read(fd, buf + got, 1)) < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		if (needle != NULL && strstr(buf, needle) != NULL)
			break;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

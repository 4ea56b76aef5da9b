/*
 * testcert.h - throwaway certificates and forked loopback servers for
 * the transport tests.
 */
#ifndef MAILMON_TESTCERT_H
#define MAILMON_TESTCERT_H

#include <sys/types.h>
#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

struct testcert {
	EVP_PKEY	*key;
	X509		*cert;
};

/*
 * EC certificate for cn, valid from now + nb_s to now + na_s seconds,
 * with subjectAltName san (e.g. "DNS:localhost,IP:127.0.0.1") when not
 * NULL, signed by issuer (NULL: self-signed).  Self-signed certificates
 * and those without san get CA:TRUE.  0 or -1.
 */
int	 testcert_make(struct testcert *, const char *cn, const char *san,
	    long nb_s, long na_s);
int	 testcert_make_signed(struct testcert *, const char *cn,
	    const char *san, long nb_s, long na_s, const struct testcert *issuer);
void	 testcert_free(struct testcert *);
/* write the certificate as PEM into a new temp file; 0 or -1 */
int	 testcert_write_pem(const struct testcert *, char *path, size_t len);
SSL_CTX	*testcert_server_ctx(const struct testcert *);

/* listening TCP socket on 127.0.0.1, any port; fd or -1 */
int	 test_listen(int *port);
/* a port on 127.0.0.1 that nothing listens on */
int	 test_closed_port(void);

/*
 * Fork a server: the child accepts one connection on lfd, runs
 * fn(fd, arg) with a blocking socket and exits with its return value.
 */
pid_t	 test_server(int lfd, int (*fn)(int fd, void *arg), void *arg);
/* exit status of the child, or -1 */
int	 test_server_wait(pid_t);

/* blocking helpers for server code */
int	 test_write_all(int fd, const char *s);
/* read until needle is seen or EOF; returns bytes read, -1 on error */
ssize_t	 test_read_until(int fd, char *buf, size_t len, const char *needle);

#endif

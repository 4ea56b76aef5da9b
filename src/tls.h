/*
 * tls.h - OpenSSL client contexts, SNI, verification and expiry.
 *
 * The handshake never aborts on a verification failure: the probe must
 * still report the days left on a certificate that does not verify.
 * Verification (chain, and host name or IP when one is given) is done
 * by OpenSSL during the handshake and only recorded; tls_inspect()
 * reads the outcome afterwards.
 */
#ifndef MAILMON_TLS_H
#define MAILMON_TLS_H

#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#define TLS_ERR_MAX	128

/*
 * A client context, shared and cached per ca_file (NULL or "" = the
 * system default CA paths).  TLS 1.2 or newer.  The CA store is loaded
 * even when verify is 0, so tls_info.verified stays meaningful; verify
 * only decides whether an unreadable ca_file is an error.  The context
 * belongs to the cache: do not free it.  NULL + err on failure.
 */
SSL_CTX	*tls_ctx_get(int verify, const char *ca_file, char *err,
	    size_t errlen);
/* free every cached context (at exit, so leak checkers stay quiet) */
void	 tls_cleanup(void);
/*
 * For a process that runs one check and exits (mailprobe): OpenSSL
 * keeps its tables until the process ends instead of tearing them down
 * from atexit(), and loads its error texts only when an error is to be
 * told (tls_strings.h).  Call before anything else touches OpenSSL.
 */
void	 tls_oneshot(void);
/*
 * Forget the cached contexts, so changed CA files take effect (mailmond
 * on SIGHUP).  Probes under way keep the context they started with.
 */
void	 tls_reload(void);

/*
 * Prepare a client SSL: SNI from sni (skipped for IP literals, trailing
 * dot stripped) and host-name or IP verification against verify_host.
 * 0, or -1 + err.
 */
int	 tls_setup_ssl(SSL *, const char *sni, const char *verify_host,
	    char *err, size_t errlen);

/* 1 when s is an IPv4 or IPv6 literal (brackets allowed) */
int	 tls_is_ip_literal(const char *s);

struct tls_info {
	int	 has_cert;		/* peer presented a certificate */
	int	 verified;		/* chain + host name (if asked) ok */
	long	 verify_code;		/* SSL_get_verify_result() */
	char	 verify_reason[TLS_ERR_MAX];	/* "ok", "certificate has expired", ... */
	int	 cert_days;		/* leaf: days to notAfter, < 0 expired */
	int	 chain_min_days;	/* earliest expiry in the presented chain */
	time_t	 not_after;		/* leaf notAfter, UTC */
	char	 version[16];		/* "TLSv1.3" */
	char	 cipher[64];
	char	 subject_cn[128];	/* sanitised */
	char	 issuer_cn[128];	/* sanitised */
};

/* after the handshake; 0, or -1 when ssl is NULL (info zeroed, days = CERT_DAYS_NONE) */
int	 tls_inspect(SSL *, struct tls_info *);

/*
 * Days from now until notAfter of cert (floor: 0 = less than a day
 * left, -1 = expired within the last day).  0 or -1 on a bad date.
 */
int	 tls_cert_days(const X509 *, int *days);

/*
 * Drain the OpenSSL error queue of this thread into buf as
 * "<prefix>: <reason>" (the most specific reason), or
 * "<prefix>: <fallback>" when the queue is empty.  Returns buf.
 */
char	*tls_error_string(char *buf, size_t len, const char *prefix,
	    const char *fallback);

#endif

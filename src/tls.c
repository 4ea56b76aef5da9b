/*
 * tls.c - OpenSSL client contexts, SNI, verification and expiry.
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "taxonomy.h"
#include "tls.h"
#include "tls_strings.h"
#include "util.h"

#define TLS_MAXCTX	16

struct tls_ctx_entry {
	char	*ca_file;		/* "" = system default */
	SSL_CTX	*ctx;
	int	 ca_ok;			/* the CA store did load */
	char	 ca_err[TLS_ERR_MAX];
};

static struct tls_ctx_entry	 ctxcache[TLS_MAXCTX];
static size_t			 nctx;

char *
tls_error_string(char *buf, size_t len, const char *prefix,
    const char *fallback)
{
	unsigned long	 e = ERR_peek_last_error(), x;
	const char	*r = NULL;
	char		 tmp[256];
	int		 sys = 0;

	/*
	 * A failed system call (a CA file that is missing or unreadable)
	 * ends the queue with a generic "system lib": tell its errno
	 * instead, which the queue holds further up.  Reading the queue
	 * also empties it.
	 */
	while ((x = ERR_get_error()) != 0)
		if (ERR_SYSTEM_ERROR(x) && sys == 0)
			sys = ERR_GET_REASON(x);
	if (e != 0 && sys != 0 && (ERR_SYSTEM_ERROR(e) ||
	    ERR_GET_REASON(e) == ERR_GET_REASON(ERR_R_SYS_LIB)))
		r = strerror(sys);
	else if (e != 0) {
		/* a one-shot process loads OpenSSL's texts only now */
		if ((r = ERR_reason_error_string(e)) == NULL &&
		    tls_strings_load())
			r = ERR_reason_error_string(e);
		if (r == NULL) {
			ERR_error_string_n(e, tmp, sizeof(tmp));
			r = tmp;
		}
	} else
		r = fallback != NULL ? fallback : "unknown error";
	if (prefix != NULL && *prefix != '\0')
		snprintf(buf, len, "%s: %s", prefix, r);
	else
		snprintf(buf, len, "%s", r);
	return buf;
}

/*
 * The system's trust anchors, looked up lazily.  OpenSSL's default
 * paths parse the whole bundle file (some 140 certificates) whenever a
 * context is made, which costs a one-shot mailprobe more CPU than the
 * whole check; the hashed directory next to it (c_rehash, as Debian's
 * update-ca-certificates keeps it) is read one issuer at a time, at
 * verification.  SSL_CERT_FILE / SSL_CERT_DIR still mean what they
 * mean to OpenSSL; without a directory the bundle is the fallback.
 */
static int
tls_default_trust(SSL_CTX *ctx)
{
	const char	*file = getenv(X509_get_default_cert_file_env());
	const char	*dir = getenv(X509_get_default_cert_dir_env());
	struct stat	 st;

	if (file != NULL && *file != '\0')
		return SSL_CTX_load_verify_locations(ctx, file,
		    dir != NULL && *dir != '\0' ? dir : NULL) ? 0 : -1;
	if (dir == NULL || *dir == '\0')
		dir = X509_get_default_cert_dir();
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return SSL_CTX_load_verify_locations(ctx, NULL, dir) ? 0 : -1;
	return SSL_CTX_set_default_verify_paths(ctx) ? 0 : -1;
}

/* a context; *ca_ok says whether the CA store loaded (err says why not) */
static SSL_CTX *
tls_ctx_new(const char *ca_file, int *ca_ok, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		tls_error_string(err, errlen, "SSL_CTX_new", NULL);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/*
	 * Record verification failures, never abort on them: a probe
	 * must report the expiry of a certificate it does not trust.
	 */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* many servers close without close_notify after QUIT */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
	*ca_ok = 1;
	if (ca_file != NULL && *ca_file != '\0') {
		if (!SSL_CTX_load_verify_locations(ctx, ca_file, NULL)) {
			char	 pfx[1100];

			snprintf(pfx, sizeof(pfx), "cannot load CA file %s",
			    ca_file);
			tls_error_string(err, errlen, pfx, NULL);
			*ca_ok = 0;
		}
	} else if (tls_default_trust(ctx) == -1) {
		tls_error_string(err, errlen, "cannot load default CA paths",
		    NULL);
		*ca_ok = 0;
	}
	ERR_clear_error();
	return ctx;
}

SSL_CTX *
tls_ctx_get(int verify, const char *ca_file, char *err, size_t errlen)
{
	struct tls_ctx_entry	*e;
	SSL_CTX			*ctx;
	size_t			 i;
	char			*key, caerr[TLS_ERR_MAX] = "";
	int			 ca_ok;

	if (ca_file == NULL)
		ca_file = "";
	for (i = 0; i < nctx; i++) {
		e = &ctxcache[i];
		if (strcmp(e->ca_file, ca_file) != 0)
			continue;
		if (verify && !e->ca_ok) {
			mm_strlcpy(err, e->ca_err, errlen);
			return NULL;
		}
		return e->ctx;
	}
	if ((ctx = tls_ctx_new(ca_file, &ca_ok, caerr, sizeof(caerr))) == NULL) {
		mm_strlcpy(err, caerr, errlen);
		return NULL;
	}
	if (nctx == TLS_MAXCTX) {
		snprintf(err, errlen, "too many distinct CA files");
		SSL_CTX_free(ctx);
		return NULL;
	}
	if ((key = strdup(ca_file)) == NULL) {
		snprintf(err, errlen, "out of memory");
		SSL_CTX_free(ctx);
		return NULL;
	}
	e = &ctxcache[nctx++];
	e->ca_file = key;
	e->ctx = ctx;
	e->ca_ok = ca_ok;
	mm_strlcpy(e->ca_err, caerr, sizeof(e->ca_err));
	log_debug(LT_TLS, "new client context ca_file=%s%s",
	    *ca_file ? ca_file : "(system)", ca_ok ? "" : " (CA store failed)");
	if (verify && !ca_ok) {
		mm_strlcpy(err, caerr, errlen);
		return NULL;
	}
	return ctx;
}

void
tls_reload(void)
{
	/*
	 * A running probe's SSL holds its own reference to the context
	 * (SSL_new takes one), so dropping the cache's is safe: the next
	 * probe reads the CA file afresh.
	 */
	tls_cleanup();
	log_debug(LT_TLS, "client contexts dropped: CA files are read again");
}

void
tls_cleanup(void)
{
	size_t	 i;

	for (i = 0; i < nctx; i++) {
		SSL_CTX_free(ctxcache[i].ctx);
		free(ctxcache[i].ca_file);
	}
	nctx = 0;
}

void
tls_oneshot(void)
{
	/*
	 * OPENSSL_cleanup() frees every provider, algorithm and error
	 * table one by one: 1.3 million instructions, a twentieth of a
	 * STARTTLS check's CPU, for memory the kernel takes back anyway.
	 * Its error texts wait until an error is told (tls_strings.h).
	 * A failed init here fails again, with a reason, at the first
	 * context.
	 */
	(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT | tls_strings_defer(),
	    NULL);
}

/* copy s into buf without brackets and without one trailing dot */
static int
tls_host_clean(const char *s, char *buf, size_t len)
{
	size_t	 n;

	if (s == NULL || *s == '\0')
		return -1;
	if (*s == '[') {
		s++;
		n = strcspn(s, "]");
	} else
		n = strlen(s);
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int
tls_is_ip_literal(const char *s)
{
	unsigned char	 a[16];
	char		 h[256];

	if (tls_host_clean(s, h, sizeof(h)) == -1)
		return 0;
	return inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
}

int
tls_setup_ssl(SSL *ssl, const char *sni, const char *verify_host,
    char *err, size_t errlen)
{
	char	 h[256];

	ERR_clear_error();
	if (tls_host_clean(sni, h, sizeof(h)) == 0 && !tls_is_ip_literal(h)) {
		if (!SSL_set_tlsext_host_name(ssl, h)) {
			tls_error_string(err, errlen, "cannot set SNI", NULL);
			return -1;
		}
	}
	if (tls_host_clean(verify_host, h, sizeof(h)) == 0) {
		if (tls_is_ip_literal(h)) {
			X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);

			if (!X509_VERIFY_PARAM_set1_ip_asc(vp, h)) {
				tls_error_string(err, errlen,
				    "cannot set IP to verify", NULL);
				return -1;
			}
		} else {
			SSL_set_hostflags(ssl,
			    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (!SSL_set1_host(ssl, h)) {
				tls_error_string(err, errlen,
				    "cannot set host name to verify", NULL);
				return -1;
			}
		}
	}
	return 0;
}

int
tls_cert_days(const X509 *cert, int *days)
{
	const ASN1_TIME	*na;
	int		 d, s;

	*days = 0;
	if (cert == NULL || (na = X509_get0_notAfter(cert)) == NULL)
		return -1;
	/* from now (NULL) to notAfter; d and s carry the same sign */
	if (!ASN1_TIME_diff(&d, &s, NULL, na)) {
		ERR_clear_error();
		return -1;
	}
	/* floor: expired two hours ago is -1, not 0 */
	*days = s < 0 ? d - 1 : d;
	return 0;
}

static void
name_cn(const X509_NAME *name, char *buf, size_t len)
{
	const X509_NAME_ENTRY	*ne;
	unsigned char		*utf8 = NULL;
	int			 i, n;

	buf[0] = '\0';
	if (name == NULL ||
	    (i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0)
		return;
	ne = X509_NAME_get_entry(name, i);
	if ((n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(ne))) < 0) {
		ERR_clear_error();
		return;
	}
	mm_sanitize(buf, len, (const char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
}

static time_t
asn1_to_time(const ASN1_TIME *t)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

int
tls_inspect(SSL *ssl, struct tls_info *ti)
{
	STACK_OF(X509)	*chain;
	X509		*cert;
	int		 i, days;
	const char	*s;

	memset(ti, 0, sizeof(*ti));
	ti->cert_days = ti->chain_min_days = CERT_DAYS_NONE;
	mm_strlcpy(ti->verify_reason, "no TLS session", sizeof(ti->verify_reason));
	if (ssl == NULL)
		return -1;
	if ((s = SSL_get_version(ssl)) != NULL)
		mm_strlcpy(ti->version, s, sizeof(ti->version));
	if ((s = SSL_get_cipher_name(ssl)) != NULL)
		mm_strlcpy(ti->cipher, s, sizeof(ti->cipher));

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	cert = SSL_get1_peer_certificate(ssl);
#else
	cert = SSL_get_peer_certificate(ssl);
#endif
	if (cert == NULL) {
		mm_strlcpy(ti->verify_reason, "no peer certificate",
		    sizeof(ti->verify_reason));
		return 0;
	}
	ti->has_cert = 1;
	ti->verify_code = SSL_get_verify_result(ssl);
	ti->verified = ti->verify_code == X509_V_OK;
	mm_strlcpy(ti->verify_reason,
	    X509_verify_cert_error_string(ti->verify_code),
	    sizeof(ti->verify_reason));
	if (tls_cert_days(cert, &days) == 0)
		ti->cert_days = ti->chain_min_days = days;
	ti->not_after = asn1_to_time(X509_get0_notAfter(cert));
	name_cn(X509_get_subject_name(cert), ti->subject_cn,
	    sizeof(ti->subject_cn));
	name_cn(X509_get_issuer_name(cert), ti->issuer_cn,
	    sizeof(ti->issuer_cn));

	/* on the client side the presented chain includes the leaf */
	if ((chain = SSL_get_peer_cert_chain(ssl)) != NULL) {
		for (i = 0; i < sk_X509_num(chain); i++) {
			if (tls_cert_days(sk_X509_value(chain, i), &days) == 0 &&
			    (ti->chain_min_days == CERT_DAYS_NONE ||
			    days < ti->chain_min_days))
				ti->chain_min_days = days;
		}
	}
	X509_free(cert);
	ERR_clear_error();
	return 0;
}

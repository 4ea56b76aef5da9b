/*
 * tls_strings.c - OpenSSL's error texts, loaded when first needed (see
 * tls_strings.h for why).
 *
 * Once OPENSSL_init_crypto() has been told not to load the texts, its
 * own loading can never run: it is a run-once that the "no" already
 * used up.  What remains are the per-library loaders that OpenSSL 3.0
 * keeps for compatibility, and this file is the one place that calls
 * them.
 */
#include "config.h"

/* the loaders are marked deprecated since 3.0; they are what is left */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/opensslv.h>

#include "tls_strings.h"

#if OPENSSL_VERSION_MAJOR >= 3 && !defined(OPENSSL_NO_DEPRECATED_3_0) && \
    !defined(OPENSSL_NO_ERR)
#define TLS_STRINGS_LAZY 1

#include <openssl/cryptoerr_legacy.h>
#include <openssl/sslerr_legacy.h>

/*
 * Every library with a loader: the file and format ones loading a CA
 * file, the key and signature ones verifying a chain, libssl's own.
 * The newer libraries have none (PROV, DECODER, ENCODER, HTTP, CMP):
 * their texts stay unloaded and keep OpenSSL's numeric form, which
 * "openssl errstr" decodes.  A failed handshake ends its queue with
 * libssl's own error, which is the one told.
 */
static int (*const loaders[])(void) = {
	ERR_load_ERR_strings, ERR_load_CRYPTO_strings, ERR_load_BUF_strings,
	ERR_load_BIO_strings, ERR_load_SSL_strings, ERR_load_X509_strings,
	ERR_load_X509V3_strings, ERR_load_PEM_strings, ERR_load_ASN1_strings,
	ERR_load_EVP_strings, ERR_load_RSA_strings, ERR_load_EC_strings,
	ERR_load_DH_strings, ERR_load_DSA_strings, ERR_load_BN_strings,
	ERR_load_OBJ_strings, ERR_load_RAND_strings, ERR_load_CONF_strings,
	ERR_load_KDF_strings, ERR_load_OSSL_STORE_strings,
	ERR_load_PKCS7_strings, ERR_load_PKCS12_strings, ERR_load_OCSP_strings,
	ERR_load_CT_strings, ERR_load_ASYNC_strings, ERR_load_COMP_strings,
	ERR_load_ENGINE_strings, ERR_load_UI_strings, ERR_load_CMS_strings,
	ERR_load_TS_strings,
};

static int	 deferred;
#endif

uint64_t
tls_strings_defer(void)
{
#ifdef TLS_STRINGS_LAZY
	deferred = 1;
	return OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS;
#else
	return 0;
#endif
}

int
tls_strings_load(void)
{
#ifdef TLS_STRINGS_LAZY
	size_t	 i;

	if (!deferred)
		return 0;
	deferred = 0;
	for (i = 0; i < sizeof(loaders) / sizeof(loaders[0]); i++)
		(void)loaders[i]();
	return 1;
#else
	return 0;
#endif
}

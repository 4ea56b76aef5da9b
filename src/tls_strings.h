/*
 * tls_strings.h - OpenSSL's error texts, loaded when first needed.
 *
 * At its first use OpenSSL fills a hash table with the text of every
 * libcrypto error.  For a one-shot check that is 0.9 million of its 20
 * million instructions and a dozen pages of heap (13 page faults), for
 * text that only a failed check ever prints.  A process that runs one
 * check defers them (tls_strings_defer(), before anything else touches
 * OpenSSL); tls_error_string() loads them when it first meets an error
 * it has no text for.  Where OpenSSL has no way to load them later
 * (built without its 3.0 compatibility functions) they load as usual.
 */
#ifndef MAILMON_TLS_STRINGS_H
#define MAILMON_TLS_STRINGS_H

#include <stdint.h>

/* the OPENSSL_init_crypto() flags that defer the texts (0: cannot) */
uint64_t	 tls_strings_defer(void);
/* load the deferred texts, once; 1 if this call loaded them */
int		 tls_strings_load(void);

#endif

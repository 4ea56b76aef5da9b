/*
 * fuzz_mock.h - the world below the protocol machines, played by the
 * fuzz input: the event loop, the connection (src/io.c), name
 * resolution and the TLS handshake.
 *
 * The session harnesses link the engine without ev.c and io.c; this
 * mock takes their place (same ev.h and io.h API), and wraps
 * dns_lookup(), dns_cancel(), tls_ctx_get() and tls_inspect() with the
 * linker's --wrap, so no socket, no resolver and no OpenSSL handshake
 * is ever involved.  Time is virtual: a timer fires as soon as nothing
 * else can happen, so a deadline costs nothing to reach.
 *
 * The script is the fuzz input after the harness's option bytes.  It
 * is read one decision at a time, where the real world would decide:
 *
 *   name lookup   one byte: 0 no such host, 1 silence (the deadline
 *                 fires), 2 two addresses, else one address
 *   connect       one byte: 0 refused, 1 silence, 2 reset, else up
 *   TLS handshake one byte: 0 fails, 1 silence, 2 peer closes, else up,
 *                 then a byte of certificate bits (FZ_CERT_*) and a
 *                 byte of days left (value - 16)
 *   server bytes  one byte c:
 *                   c < 0xf0      a chunk of c + 1 bytes follows
 *                   0xf0          the server closes (FIN)
 *                   0xf1          the connection breaks (reset)
 *                   0xf2 n        silence for (n + 1) * 50 ms
 *                   other         a one-byte chunk of that byte
 *
 * When the script runs out, connects and handshakes succeed (verified,
 * 90 days) and the server closes: every run ends.
 *
 * What the client writes is recorded per connection and checked as it
 * is queued: no form of a registered secret (plain, or base64 at any
 * alignment) after a handshake whose certificate fails verification
 * with verification on, nor before TLS when plaintext login is not
 * allowed.  A violation traps at once, with the offending write on
 * the stack.
 */
#ifndef MAILMON_FUZZ_MOCK_H
#define MAILMON_FUZZ_MOCK_H

#include <stddef.h>
#include <stdint.h>

/* certificate bits of a completed handshake */
#define FZ_CERT_NONE		0x01	/* peer sent no certificate */
#define FZ_CERT_UNVERIFIED	0x02	/* chain or name does not verify */

struct ev;

/* start a run over script (kept by pointer until fz_end) */
void	 fz_begin(const uint8_t *script, size_t len);
/* next script byte, or dflt when the script is used up */
int	 fz_byte(int dflt);

/*
 * What the checks need to know: the options' tls_verify and
 * auth_plaintext, and up to four secrets (NULL/"" ignored).  Call
 * after fz_begin().  foreign: the secret is not the only one of the
 * check (a delivery with different SMTP and mailbox passwords): a
 * server may say one on the connection of the other, which never sent
 * it, so only the wire is checked for it.
 */
void	 fz_policy(int tls_verify, int plaintext_ok);
void	 fz_secret(const char *secret, int foreign);
/* 1 when text holds a registered secret (plain) */
int	 fz_leaks(const char *text, size_t len);

/* a CA file the mocked tls_ctx_get() refuses */
#define FZ_BAD_CA	"/fuzz/unreadable-ca.pem"

/*
 * Run the loop until nothing is left to do; traps when it spins
 * longer than any real probe could.
 */
void	 fz_run(struct ev *);

/* after the run: every connection, request and timer was released */
void	 fz_end(struct ev *);

/* stop the harness at once (libFuzzer reports the input) */
#define FZ_ASSERT(c)	do { if (!(c)) __builtin_trap(); } while (0)

#endif

/*
 * fuzz_session.h - one whole check against a scripted server.
 *
 * The first FZ_HDR input bytes choose the options (TLS mode and
 * verification, AUTH mechanism, user and password, timeouts,
 * expectations, custom commands, the mailbox of a delivery check); the
 * rest is the mock's script (fuzz_mock.h): what the resolver, the
 * network, the TLS handshake and the server do, split where the input
 * says.  check_start() then runs the real driver, protocol machines,
 * line layer and SASL code to the end, and the result is checked:
 *
 *  - the callback ran exactly once, and nothing was left behind
 *    (connections, timers, resolver requests);
 *  - a definite status with a failure class of the closed list, and
 *    no failure class without a non-OK status or the other way round;
 *  - reason and reply text NUL-terminated within their arrays, a
 *    reason always given;
 *  - no password in the result or in any log message (every debug
 *    token is on when the options ask for a dialogue trace);
 *  - on the wire (checked by the mock as it is written): no password
 *    after a failed verification, none in clear unless allowed.
 */
#ifndef MAILMON_FUZZ_SESSION_H
#define MAILMON_FUZZ_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "taxonomy.h"

#define FZ_HDR		6	/* option bytes before the script */

/* mode: MODE_SMTP, MODE_POP3, MODE_IMAP or MODE_DELIVERY */
int	 fz_session(enum probe_mode, const uint8_t *data, size_t size);

#endif

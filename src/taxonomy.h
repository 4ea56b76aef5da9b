/*
 * taxonomy.h - the closed vocabularies every layer shares: probe modes,
 * TLS modes, statuses, failure classes, phases, login mechanisms, their
 * names, and the status each failure class means.
 *
 * It sits at the bottom of the engine so that io, tls and the protocol
 * machines can name a failure without knowing what a probe is.  The
 * names are an interface: scripts, the JSON output and the MIB's
 * enumerations rely on them (HACKING.md lists them).
 */
#ifndef MAILMON_TAXONOMY_H
#define MAILMON_TAXONOMY_H

enum probe_mode {
	MODE_TCP = 0,		/* connect (+ optional send/expect) */
	MODE_SMTP,
	MODE_POP3,
	MODE_IMAP,
	MODE_DELIVERY,		/* SMTP submit, then find it in a mailbox */
	MODE_RELAY,		/* open-relay check, never sends DATA */
	MODE_MX,		/* SMTP to every address of every MX of a domain */
	MODE_LAST
};

enum tls_mode {
	TLS_NONE = 0,
	TLS_STARTTLS,		/* STARTTLS / STLS after the greeting */
	TLS_IMPLICIT,		/* TLS from the first byte: smtps, pop3s, imaps */
	TLS_LAST
};

enum probe_status {
	STATUS_OK = 0,		/* values are the Nagios exit codes */
	STATUS_WARNING = 1,
	STATUS_CRITICAL = 2,
	STATUS_UNKNOWN = 3
};

/*
 * Exactly one failure class per result.  FAIL_NONE means the probe
 * found nothing wrong.  Keep in step with fail_name[] in taxonomy.c
 * and with the probeFailureClass enumeration in MAILMON-MIB (value + 1).
 */
enum fail_class {
	FAIL_NONE = 0,
	FAIL_DNS,		/* name did not resolve */
	FAIL_REFUSED,		/* connection refused */
	FAIL_CONNECT_TIMEOUT,	/* no answer to SYN within the deadline */
	FAIL_NETWORK,		/* unreachable, reset, other socket errors */
	FAIL_CLOSED,		/* server closed the connection early */
	FAIL_GREETING,		/* greeting was a rejection (421, 554, -ERR, BYE) */
	FAIL_PROTOCOL,		/* malformed, overlong, NUL, garbage, trailing data */
	FAIL_TLS,		/* handshake failed or STARTTLS refused */
	FAIL_CERT_INVALID,	/* chain or host name verification failed, expired */
	FAIL_CERT_EXPIRING,	/* valid, but fewer days left than the threshold */
	FAIL_AUTH,		/* login rejected */
	FAIL_REPLY,		/* a command got an unexpected reply */
	FAIL_EXPECT,		/* custom expect did not match */
	FAIL_TIMEOUT,		/* a step or the whole probe ran past its deadline */
	FAIL_SLOW,		/* worked, but slower than the latency threshold */
	FAIL_OPEN_RELAY,	/* server accepted relaying for an outside domain */
	FAIL_SUBMIT,		/* delivery probe: submission refused the message */
	FAIL_NOT_DELIVERED,	/* delivery probe: not in the mailbox in time */
	FAIL_MAILBOX,		/* delivery probe: mailbox leg failed (login, search) */
	FAIL_CONFIG,		/* the probe could not be run as configured */
	FAIL_INTERNAL,		/* out of memory, socket() failed, ... */
	FAIL_LAST
};

/* per-phase timings, microseconds; -1 when the phase did not happen */
enum probe_phase {
	PH_DNS = 0,
	PH_CONNECT,
	PH_TLS,			/* TLS handshake (implicit or after STARTTLS) */
	PH_GREETING,		/* connect done -> complete greeting */
	PH_HELLO,		/* EHLO/HELO, CAPA, CAPABILITY */
	PH_STARTTLS,		/* STARTTLS command -> its reply */
	PH_AUTH,		/* AUTH / USER+PASS / LOGIN */
	PH_MAIL,		/* MAIL FROM + RCPT TO (+ DATA for delivery) */
	PH_QUIT,		/* QUIT / LOGOUT */
	PH_DELIVERY,		/* delivery probe: 250 to DATA -> found in mailbox */
	PH_TOTAL,
	PH_LAST
};

enum auth_mech {
	AUTH_NONE = 0,
	AUTH_AUTO,		/* best of what the server advertises */
	AUTH_PLAIN,
	AUTH_LOGIN,
	AUTH_LAST
};

/* certificate days left, when no certificate was seen */
#define CERT_DAYS_NONE		(-100000)

const char	*probe_mode_name(enum probe_mode);
const char	*probe_status_name(enum probe_status);
const char	*probe_fail_name(enum fail_class);
const char	*probe_phase_name(enum probe_phase);

/* mode word ("smtp", "POP3", "pop", ...: case-insensitive); 0 or -1 */
int		 probe_mode_word(const char *word, enum probe_mode *);

/* the status a failure class maps to (the policy table in taxonomy.c) */
enum probe_status probe_fail_status(enum fail_class);
/* ranking used to keep the worst failure: OK < WARNING < UNKNOWN < CRITICAL */
int		 probe_status_rank(enum probe_status);

#endif

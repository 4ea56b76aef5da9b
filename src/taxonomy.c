/*
 * taxonomy.c - names of the shared vocabularies, and the status policy.
 */
#include "config.h"

#include <strings.h>

#include "taxonomy.h"

static const char *mode_name[MODE_LAST] = {
	"tcp", "smtp", "pop3", "imap", "delivery", "relay", "mx"
};

static const char *status_name[] = {
	"ok", "warning", "critical", "unknown"
};

/* keep in step with enum fail_class and HACKING.md */
static const char *fail_name[FAIL_LAST] = {
	"none", "dns", "refused", "connect_timeout", "network", "closed",
	"greeting", "protocol", "tls", "cert_invalid", "cert_expiring",
	"auth", "reply", "expect", "timeout", "slow", "open_relay", "submit",
	"not_delivered", "mailbox", "config", "internal"
};

static const char *phase_name[PH_LAST] = {
	"dns", "connect", "tls", "greeting", "hello", "starttls", "auth",
	"mail", "quit", "delivery", "total"
};

/*
 * The status policy.  Anything that says the service is not usable is
 * CRITICAL; a mismatch of a custom expectation is WARNING (as in
 * check_smtp -R and check_tcp -e, overridable with mismatch_status);
 * certificate expiry and latency pick WARNING or CRITICAL from their
 * own thresholds; a probe that could not be run says UNKNOWN.
 *
 *   none                                   OK
 *   dns refused connect_timeout network    CRITICAL  (refused: refuse_status)
 *   closed greeting protocol tls           CRITICAL
 *   cert_invalid auth reply timeout        CRITICAL
 *   open_relay submit not_delivered        CRITICAL
 *   mailbox                                CRITICAL
 *   expect                                 WARNING   (mismatch_status)
 *   cert_expiring slow                     WARNING or CRITICAL by threshold
 *   config internal                        UNKNOWN
 */
static const enum probe_status fail_status[FAIL_LAST] = {
	[FAIL_NONE] = STATUS_OK,
	[FAIL_DNS] = STATUS_CRITICAL,
	[FAIL_REFUSED] = STATUS_CRITICAL,
	[FAIL_CONNECT_TIMEOUT] = STATUS_CRITICAL,
	[FAIL_NETWORK] = STATUS_CRITICAL,
	[FAIL_CLOSED] = STATUS_CRITICAL,
	[FAIL_GREETING] = STATUS_CRITICAL,
	[FAIL_PROTOCOL] = STATUS_CRITICAL,
	[FAIL_TLS] = STATUS_CRITICAL,
	[FAIL_CERT_INVALID] = STATUS_CRITICAL,
	[FAIL_CERT_EXPIRING] = STATUS_WARNING,
	[FAIL_AUTH] = STATUS_CRITICAL,
	[FAIL_REPLY] = STATUS_CRITICAL,
	[FAIL_EXPECT] = STATUS_WARNING,
	[FAIL_TIMEOUT] = STATUS_CRITICAL,
	[FAIL_SLOW] = STATUS_WARNING,
	[FAIL_OPEN_RELAY] = STATUS_CRITICAL,
	[FAIL_SUBMIT] = STATUS_CRITICAL,
	[FAIL_NOT_DELIVERED] = STATUS_CRITICAL,
	[FAIL_MAILBOX] = STATUS_CRITICAL,
	[FAIL_CONFIG] = STATUS_UNKNOWN,
	[FAIL_INTERNAL] = STATUS_UNKNOWN
};

/* the words a command line or a probe line may use for a mode */
static const struct {
	const char	*word;
	enum probe_mode	 mode;
} mode_words[] = {
	{ "smtp", MODE_SMTP }, { "pop", MODE_POP3 }, { "pop3", MODE_POP3 },
	{ "imap", MODE_IMAP }, { "tcp", MODE_TCP },
	{ "delivery", MODE_DELIVERY }, { "relay", MODE_RELAY },
	{ "mx", MODE_MX },
};

const char *
probe_mode_name(enum probe_mode m)
{
	return (unsigned)m < MODE_LAST ? mode_name[m] : "?";
}

const char *
probe_status_name(enum probe_status s)
{
	return (unsigned)s <= STATUS_UNKNOWN ? status_name[s] : "?";
}

const char *
probe_fail_name(enum fail_class f)
{
	return (unsigned)f < FAIL_LAST ? fail_name[f] : "?";
}

const char *
probe_phase_name(enum probe_phase ph)
{
	return (unsigned)ph < PH_LAST ? phase_name[ph] : "?";
}

enum probe_status
probe_fail_status(enum fail_class f)
{
	return (unsigned)f < FAIL_LAST ? fail_status[f] : STATUS_UNKNOWN;
}

int
probe_status_rank(enum probe_status s)
{
	switch (s) {
	case STATUS_OK:
		return 0;
	case STATUS_WARNING:
		return 1;
	case STATUS_UNKNOWN:
		return 2;
	default:
		return 3;
	}
}

int
probe_mode_word(const char *w, enum probe_mode *m)
{
	size_t	 i;

	for (i = 0; i < sizeof(mode_words) / sizeof(mode_words[0]); i++)
		if (strcasecmp(w, mode_words[i].word) == 0) {
			*m = mode_words[i].mode;
			return 0;
		}
	return -1;
}

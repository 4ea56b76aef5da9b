/*
 * probe_opts.c - the defaults of a probe's options and the checks that
 * need more than one option.  Every front end (mailprobe's command
 * line, mailmond.conf's probe lines) and every composed check ends
 * here, so a check exists once.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "probe_opts.h"
#include "util.h"

#define TIMEOUT_DEFAULT_MS		10000
#define DELIVERY_DEADLINE_DEFAULT_MS	60000

void
probe_opts_init(struct probe_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_SMTP;
	o->family = AF_UNSPEC;
	o->tls = TLS_NONE;
	o->timeout_ms = TIMEOUT_DEFAULT_MS;
	o->tls_verify = 1;
	o->auth = AUTH_NONE;
	o->mismatch_status = -1;
	o->refuse_status = -1;
	o->mbox.proto = MODE_IMAP;
	o->delivery_deadline_ms = DELIVERY_DEADLINE_DEFAULT_MS;
}

uint16_t
probe_default_port(enum probe_mode m, enum tls_mode t)
{
	int	 implicit = t == TLS_IMPLICIT;

	switch (m) {
	case MODE_SMTP:
	case MODE_RELAY:
	case MODE_DELIVERY:
	case MODE_MX:
		return implicit ? 465 : 25;
	case MODE_POP3:
		return implicit ? 995 : 110;
	case MODE_IMAP:
		return implicit ? 993 : 143;
	default:
		return 0;
	}
}

/* milliseconds as the shortest seconds string: 5000 "5", 250 "0.25" */
static void
fmt_secs(char *buf, size_t len, int ms)
{
	size_t	 n;

	snprintf(buf, len, "%d.%03d", ms / 1000, ms % 1000);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

static int
has_linebreak(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/*
 * glibc's regcomp() copies the operand of every + and {m,n}: nested,
 * "((a+)+)+" ... or "(a{100}){100}", the copies multiply, and
 * quantifiers stacked on one another ("a*+*+*+", undefined in POSIX
 * anyway) make its closure computation explode: compiling takes
 * seconds to forever, and a probe line hangs mailmond's load.  Refuse
 * stacked quantifiers, and bound the copies by the product of every
 * repetition count, nested or not (* ? and brackets copy nothing).
 */
#define REGEX_COPIES_MAX	4096

static unsigned long
regex_copies(const char *re)
{
	unsigned long	 copies = 1, n;
	const char	*p = re;
	char		*end;
	int		 quant = 0;	/* the last token was a quantifier */

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			quant = 0;
			continue;
		}
		if (*p == '[') {	/* a bracket expression: no operators */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p != '\0' && *p != ']')
				p++;
			if (*p == '\0')
				break;
			quant = 0;
			continue;
		}
		if (*p != '*' && *p != '?' && *p != '+' && *p != '{') {
			quant = 0;
			continue;
		}
		if (quant)
			return REGEX_COPIES_MAX + 1;
		quant = 1;
		if (*p == '*' || *p == '?')
			continue;
		n = 1;
		if (*p == '{') {
			/* {m}, {m,}, {m,n}: the larger bound */
			n = strtoul(p + 1, &end, 10);
			if (*end == ',' && end[1] != '}')
				n = strtoul(end + 1, &end, 10);
			else if (*end == ',')
				n++;	/* {m,}: one copy and a star */
			if (n >= REGEX_COPIES_MAX)
				return REGEX_COPIES_MAX + 1;
			if (*end == '}')
				p = end;
		}
		n++;
		if (copies * n > REGEX_COPIES_MAX)
			return REGEX_COPIES_MAX + 1;
		copies *= n;
	}
	return copies;
}

static int
opts_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_smtp_mode(enum probe_mode m)
{
	return m == MODE_SMTP || m == MODE_RELAY || m == MODE_DELIVERY ||
	    m == MODE_MX;
}

static int
is_literal(const char *host)
{
	unsigned char	 a[16];
	char		 h[PROBE_HOST_MAX];
	size_t		 n = strlen(host);

	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
	} else
		mm_strlcpy(h, host, sizeof(h));
	return inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
}

/* the settings of domain and dual-stack probes, and the resolver */
static int
targets_finish(struct probe_opts *o, char *err, size_t errlen)
{
	char	 why[PROBE_REASON_MAX];

	if (o->dns_server[0] != '\0' &&
	    dns_servers_check(o->dns_server, why, sizeof(why)) == -1)
		return opts_err(err, errlen, "%s", why);
	if ((unsigned)o->mx_policy >= MXP_LAST)
		return opts_err(err, errlen, "unknown MX policy");
	if (o->max_mx == 0)
		o->max_mx = PROBE_MX_DEFAULT;
	if (o->max_addr == 0)
		o->max_addr = PROBE_ADDR_DEFAULT;
	if (o->max_mx < 1 || o->max_mx > PROBE_MX_MAX)
		return opts_err(err, errlen, "at most %d exchanges",
		    PROBE_MX_MAX);
	if (o->max_addr < 1 || o->max_addr > PROBE_ADDR_MAX)
		return opts_err(err, errlen, "at most %d addresses per "
		    "exchange", PROBE_ADDR_MAX);
	/* an exchange may add a row for a failed lookup of one family */
	if (o->max_mx * (o->max_addr + 1) > PROBE_TARGETS_MAX)
		return opts_err(err, errlen, "too many targets: exchanges x "
		    "(addresses + 1) must stay within %d", PROBE_TARGETS_MAX);
	if (o->family_both && o->family != AF_UNSPEC)
		return opts_err(err, errlen,
		    "--family both conflicts with IPv4 or IPv6 only");
	if (o->family_both && o->mode == MODE_DELIVERY)
		return opts_err(err, errlen,
		    "--family both is not for delivery probes");
	if (o->family_both && o->mode != MODE_MX && is_literal(o->host))
		return opts_err(err, errlen,
		    "--family both needs a host name, not an address");
	if (o->mode == MODE_MX && is_literal(o->host))
		return opts_err(err, errlen,
		    "an mx probe needs a domain name, not an address");
	return 0;
}

int
probe_opts_finish(struct probe_opts *o, char *err, size_t errlen)
{
	int	 i, login;
	regex_t	 rx;

	if ((unsigned)o->mode >= MODE_LAST)
		return opts_err(err, errlen, "unknown probe mode");
	if ((unsigned)o->tls >= TLS_LAST)
		return opts_err(err, errlen, "unknown TLS mode");
	if ((unsigned)o->auth >= AUTH_LAST)
		return opts_err(err, errlen, "unknown AUTH mechanism");
	if (o->host[0] == '\0')
		return opts_err(err, errlen, "no host given");
	if (o->family != AF_UNSPEC && o->family != AF_INET &&
	    o->family != AF_INET6)
		return opts_err(err, errlen, "bad address family");
	if (o->port == 0)
		o->port = probe_default_port(o->mode, o->tls);
	if (o->port == 0)
		return opts_err(err, errlen, "a %s probe needs a port",
		    probe_mode_name(o->mode));
	if (o->timeout_ms < 0 || o->step_timeout_ms < 0 || o->warn_ms < 0 ||
	    o->crit_ms < 0 || o->cert_warn_days < 0 || o->cert_crit_days < 0)
		return opts_err(err, errlen, "negative time or threshold");
	if (o->timeout_ms == 0)
		o->timeout_ms = TIMEOUT_DEFAULT_MS;
	if (o->step_timeout_ms == 0 || o->step_timeout_ms > o->timeout_ms)
		o->step_timeout_ms = o->timeout_ms;
	if (o->warn_ms > 0 && o->crit_ms > 0 && o->warn_ms > o->crit_ms) {
		char	 w[24], c[24];

		fmt_secs(w, sizeof(w), o->warn_ms);
		fmt_secs(c, sizeof(c), o->crit_ms);
		return opts_err(err, errlen, "warning time %s s is greater "
		    "than critical time %s s", w, c);
	}
	if (o->cert_crit_days > o->cert_warn_days)
		return opts_err(err, errlen, "certificate critical days %d are "
		    "more than warning days %d", o->cert_crit_days,
		    o->cert_warn_days);
	if (o->mode == MODE_TCP && o->tls == TLS_STARTTLS)
		return opts_err(err, errlen, "no STARTTLS for tcp probes");
	if ((o->cert_only || o->cert_warn_days > 0 || o->cert_crit_days > 0) &&
	    o->tls == TLS_NONE)
		return opts_err(err, errlen, "certificate checks need TLS");
	if (o->lmtp && !is_smtp_mode(o->mode))
		return opts_err(err, errlen, "LHLO is for SMTP probes only");
	if (o->mismatch_status < -1 || o->mismatch_status > STATUS_UNKNOWN ||
	    o->refuse_status < -1 || o->refuse_status > STATUS_UNKNOWN)
		return opts_err(err, errlen, "bad status value");
	if (o->nrcpt < 0 || o->nrcpt > PROBE_MAX_RCPT || o->ncmd < 0 ||
	    o->ncmd > PROBE_MAX_CMDS)
		return opts_err(err, errlen, "too many recipients or commands");

	/* who logs in: SMTP with auth set, POP3/IMAP when a user is set */
	if (is_smtp_mode(o->mode)) {
		login = o->auth != AUTH_NONE;
		if (login && o->user[0] == '\0')
			return opts_err(err, errlen, "AUTH needs a user");
	} else
		login = o->user[0] != '\0' ||
		    (o->mode != MODE_TCP && o->auth != AUTH_NONE);
	if (login && o->mode == MODE_TCP)
		return opts_err(err, errlen, "tcp probes do not log in");
	if (login && o->user[0] == '\0')
		return opts_err(err, errlen, "login needs a user");
	if (login && o->pass[0] == '\0')
		return opts_err(err, errlen, "login needs a password");
	if (login && o->tls == TLS_NONE && !o->auth_plaintext)
		return opts_err(err, errlen, "refusing to send a password "
		    "without TLS (use STARTTLS or TLS, or allow plaintext)");
	if (targets_finish(o, err, errlen) == -1)
		return -1;
	if (o->mode == MODE_RELAY && o->relay_auth_check &&
	    o->auth == AUTH_NONE)
		return opts_err(err, errlen,
		    "the authenticated relay check needs AUTH");

	if (has_linebreak(o->helo) || has_linebreak(o->mail_from))
		return opts_err(err, errlen, "line break in HELO or MAIL FROM");
	for (i = 0; i < o->nrcpt; i++)
		if (o->rcpt_to[i][0] == '\0' || has_linebreak(o->rcpt_to[i]))
			return opts_err(err, errlen, "bad recipient %d", i + 1);
	if (is_smtp_mode(o->mode)) {
		for (i = 0; i < o->ncmd; i++) {
			if (o->cmd[i][0] == '\0' || has_linebreak(o->cmd[i]))
				return opts_err(err, errlen,
				    "bad command %d", i + 1);
			if (o->cmd_expect[i][0] == '\0')
				continue;
			if (regex_copies(o->cmd_expect[i]) > REGEX_COPIES_MAX)
				return opts_err(err, errlen, "regular expression "
				    "for command %d repeats too much", i + 1);
			if (regcomp(&rx, o->cmd_expect[i],
			    REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0)
				return opts_err(err, errlen,
				    "bad regular expression for command %d",
				    i + 1);
			regfree(&rx);
		}
	}

	/*
	 * A delivery probe keeps timeout_ms as the limit of each leg (the
	 * submission, every mailbox session); the whole probe may run for
	 * timeout_ms + delivery_deadline_ms, which is what mailprobe's
	 * watchdog and the scheduler must allow for.
	 */
	if (o->mode == MODE_DELIVERY) {
		if (o->mbox.proto != MODE_IMAP && o->mbox.proto != MODE_POP3)
			return opts_err(err, errlen,
			    "the mailbox must be IMAP or POP3");
		if ((unsigned)o->mbox.tls >= TLS_LAST)
			return opts_err(err, errlen,
			    "unknown mailbox TLS mode");
		if (o->mbox.port == 0)
			o->mbox.port = probe_default_port(o->mbox.proto,
			    o->mbox.tls);
		if (o->delivery_deadline_ms <= 0)
			o->delivery_deadline_ms = DELIVERY_DEADLINE_DEFAULT_MS;
		if (o->delivery_warn_ms < 0 || o->delivery_crit_ms < 0)
			return opts_err(err, errlen,
			    "negative delivery threshold");
		if (o->delivery_warn_ms > 0 && o->delivery_crit_ms > 0 &&
		    o->delivery_warn_ms > o->delivery_crit_ms)
			return opts_err(err, errlen, "--delivery-warning is "
			    "greater than --delivery-critical");
		if (o->nrcpt < 1)
			return opts_err(err, errlen,
			    "a delivery probe needs a recipient (--rcpt)");
		if (o->mbox.user[0] == '\0' || o->mbox.pass[0] == '\0')
			return opts_err(err, errlen, "a delivery probe needs "
			    "a mailbox user and password");
		if (has_linebreak(o->mbox.user))
			return opts_err(err, errlen,
			    "line break in the mailbox user");
		if (o->mbox.tls == TLS_NONE && !o->auth_plaintext)
			return opts_err(err, errlen, "refusing to send the "
			    "mailbox password without TLS (use --mbox-tls, or "
			    "allow plaintext)");
	}
	return 0;
}

void
probe_result_init(struct probe_result *r)
{
	int	 i;

	memset(r, 0, sizeof(*r));
	r->status = STATUS_OK;
	r->fail = FAIL_NONE;
	for (i = 0; i < PH_LAST; i++)
		r->t[i] = -1;
	r->cert_days = CERT_DAYS_NONE;
}


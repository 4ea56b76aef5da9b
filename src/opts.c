/*
 * opts.c - one option parser for mailprobe, its check_* personalities
 * and the probe lines of mailmond.conf.
 *
 * Table driven instead of getopt_long(): getopt keeps global state,
 * prints its own messages and permutes argv, and this parser must be
 * pure (the daemon calls it for every probe line on every reload) and
 * must name the offending option in a one-line error.
 *
 * Each option belongs to one or more groups; a personality enables a
 * set of groups.  The same long name may appear twice in the table
 * with disjoint groups when two personalities disagree on its meaning
 * (check_smtp's --sni is a flag, ours takes a name).
 *
 * Values are parsed as they come; anything that depends on more than
 * one option (mode mapping for check_pop, -R pairing, escapes, the
 * quit line end) is settled in finish_*() once argv is consumed.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "delivery.h"
#include "dns.h"
#include "opts.h"
#include "probe.h"
#include "secret.h"
#include "util.h"

#define MAX_SECONDS	86400		/* upper bound of every time value */
#define MAX_CERT_DAYS	36500
#define MAX_EXPECTS	(1 + PROBE_MAX_CMDS)	/* tcp: expect + cmd_expect[] */

/* option groups */
#define G_MP		0x01	/* mailprobe long options (everywhere) */
#define G_MPONLY	0x02	/* only mailprobe and config lines */
#define G_COMMON	0x04	/* short options every command line has */
#define G_SMTP		0x08	/* check_smtp short + long names */
#define G_TCP		0x10	/* check_tcp short + long names */
#define G_CHECK		0x20	/* only the check_* personalities */
#define G_MPSHORT	0x40	/* mailprobe's own short options */
#define G_DAEMON	0x80	/* only mailmond.conf probe lines */

enum oid {
	O_MODE, O_NAME, O_HOST, O_PORT, O_IPV4, O_IPV6, O_STARTTLS,
	O_IMPLICIT, O_NOTLS, O_TIMEOUT, O_STEP_TIMEOUT, O_WARN, O_CRIT,
	O_CAFILE, O_SNI_NAME, O_SNI_FLAG, O_INSECURE, O_VERIFY, O_CERTDAYS,
	O_CERTONLY, O_HELO, O_LMTP, O_FROM, O_RCPT, O_AUTH, O_AUTHTYPE,
	O_USER, O_PASSWORD, O_PASSWORD_FILE, O_PLAINTEXT, O_COMMAND,
	O_RESPONSE, O_EXPECT, O_SEND, O_QUIT, O_ESCAPE, O_EXPECT_ALL,
	O_MAXBYTES, O_DELAY, O_REFUSE, O_MISMATCH, O_JAIL, O_IGNORE_QUIT,
	O_JSON, O_VERBOSE, O_HELP, O_VERSION, O_RELAY_AUTH, O_MBOX_PROTO,
	O_MBOX_HOST, O_MBOX_PORT, O_MBOX_TLS, O_MBOX_USER, O_MBOX_PASSWORD,
	O_MBOX_PASSWORD_FILE, O_DELIV_WARN, O_DELIV_CRIT, O_DELIV_DEADLINE,
	O_INTERVAL, O_RETRIES, O_DOMAIN, O_FAMILY, O_MX_POLICY, O_MAX_MX,
	O_MAX_ADDR, O_DNS_SERVER
};

struct optdef {
	char		 sh;		/* short letter, 0 = none */
	const char	*lng;		/* long name, NULL = none */
	int		 arg;		/* takes a value */
	enum oid	 id;
	unsigned	 groups;
};

/* first match whose groups are active wins */
static const struct optdef optdefs[] = {
	/* everywhere but config lines */
	{ 'H', "host", 1, O_HOST, G_COMMON },
	{ 'p', "port", 1, O_PORT, G_COMMON },
	{ '4', "ipv4", 0, O_IPV4, G_COMMON },
	{ '6', "ipv6", 0, O_IPV6, G_COMMON },
	{ 't', "timeout", 1, O_TIMEOUT, G_COMMON },
	{ 'w', "warning", 1, O_WARN, G_COMMON },
	{ 'c', "critical", 1, O_CRIT, G_COMMON },
	{ 'e', "expect", 1, O_EXPECT, G_COMMON },
	{ 'v', "verbose", 0, O_VERBOSE, G_COMMON },
	{ 'h', "help", 0, O_HELP, G_COMMON },
	{ 'V', "version", 0, O_VERSION, G_COMMON },

	/* check_smtp */
	{ 0, "hostname", 1, O_HOST, G_SMTP | G_TCP },
	{ 0, "use-ipv4", 0, O_IPV4, G_SMTP | G_TCP },
	{ 0, "use-ipv6", 0, O_IPV6, G_SMTP | G_TCP },
	{ 'f', NULL, 1, O_FROM, G_SMTP },
	{ 'F', "fqdn", 1, O_HELO, G_SMTP },
	{ 'A', "authtype", 1, O_AUTHTYPE, G_SMTP },
	{ 'U', "authuser", 1, O_USER, G_SMTP },
	{ 'P', "authpass", 1, O_PASSWORD, G_SMTP },
	{ 'C', NULL, 1, O_COMMAND, G_SMTP },
	{ 'R', NULL, 1, O_RESPONSE, G_SMTP },
	{ 'L', NULL, 0, O_LMTP, G_SMTP },
	{ 's', NULL, 0, O_IMPLICIT, G_SMTP },
	{ 'S', NULL, 0, O_STARTTLS, G_SMTP },
	{ 'D', "certificate", 1, O_CERTDAYS, G_SMTP | G_TCP },
	{ 'q', "ignore-quit-failure", 0, O_IGNORE_QUIT, G_SMTP },
	{ 0, "ssl", 0, O_IMPLICIT, G_SMTP | G_TCP },

	/* check_tcp */
	{ 's', NULL, 1, O_SEND, G_TCP },
	{ 'q', NULL, 1, O_QUIT, G_TCP },
	{ 'E', "escape", 0, O_ESCAPE, G_TCP },
	{ 'A', "all", 0, O_EXPECT_ALL, G_TCP },
	{ 'm', "maxbytes", 1, O_MAXBYTES, G_TCP },
	{ 'd', "delay", 1, O_DELAY, G_TCP },
	{ 'r', "refuse", 1, O_REFUSE, G_TCP },
	{ 'M', "mismatch", 1, O_MISMATCH, G_TCP },
	{ 'j', "jail", 0, O_JAIL, G_TCP },
	{ 'S', NULL, 0, O_IMPLICIT, G_TCP },
	{ 0, "warning-time", 1, O_WARN, G_TCP },
	{ 0, "critical-time", 1, O_CRIT, G_TCP },

	/* the check_* --sni is a flag: SNI is on by default here */
	{ 0, "sni", 0, O_SNI_FLAG, G_CHECK },

	/* mailprobe's short options not taken from check_smtp */
	{ 'U', NULL, 1, O_USER, G_MPSHORT },
	{ 'P', NULL, 1, O_PASSWORD, G_MPSHORT },

	/* mailprobe and mailmond.conf */
	{ 0, "mode", 1, O_MODE, G_MP },
	{ 0, "name", 1, O_NAME, G_MP },
	{ 0, "host", 1, O_HOST, G_MP },
	{ 0, "port", 1, O_PORT, G_MP },
	{ 0, "ipv4", 0, O_IPV4, G_MP },
	{ 0, "ipv6", 0, O_IPV6, G_MP },
	{ 0, "starttls", 0, O_STARTTLS, G_MP },
	{ 0, "tls", 0, O_IMPLICIT, G_MP },
	{ 0, "no-tls", 0, O_NOTLS, G_MP },
	{ 0, "timeout", 1, O_TIMEOUT, G_MP },
	{ 0, "step-timeout", 1, O_STEP_TIMEOUT, G_MP },
	{ 0, "warning", 1, O_WARN, G_MP },
	{ 0, "critical", 1, O_CRIT, G_MP },
	{ 0, "ca-file", 1, O_CAFILE, G_MP },
	{ 0, "sni", 1, O_SNI_NAME, G_MPONLY },
	{ 0, "insecure", 0, O_INSECURE, G_MP },
	{ 0, "no-verify", 0, O_INSECURE, G_MP },
	{ 0, "verify", 0, O_VERIFY, G_MP },
	{ 0, "cert-days", 1, O_CERTDAYS, G_MP },
	{ 0, "cert-only", 0, O_CERTONLY, G_MP },
	{ 0, "helo", 1, O_HELO, G_MP },
	{ 0, "lmtp", 0, O_LMTP, G_MP },
	{ 0, "from", 1, O_FROM, G_MP },
	{ 0, "rcpt", 1, O_RCPT, G_MP },
	{ 0, "auth", 1, O_AUTH, G_MP },
	{ 0, "user", 1, O_USER, G_MP },
	{ 0, "password", 1, O_PASSWORD, G_MP },
	{ 0, "password-file", 1, O_PASSWORD_FILE, G_MP },
	{ 0, "allow-plaintext", 0, O_PLAINTEXT, G_MP },
	{ 0, "command", 1, O_COMMAND, G_MP },
	{ 0, "response", 1, O_RESPONSE, G_MP },
	{ 0, "expect", 1, O_EXPECT, G_MP },
	{ 0, "send", 1, O_SEND, G_MP },
	{ 0, "quit", 1, O_QUIT, G_MP },
	{ 0, "escape", 0, O_ESCAPE, G_MP },
	{ 0, "expect-all", 0, O_EXPECT_ALL, G_MP },
	{ 0, "refuse", 1, O_REFUSE, G_MP },
	{ 0, "mismatch", 1, O_MISMATCH, G_MP },
	{ 0, "delay", 1, O_DELAY, G_MP },
	{ 0, "maxbytes", 1, O_MAXBYTES, G_MP },
	{ 0, "json", 0, O_JSON, G_MP },
	{ 0, "verbose", 0, O_VERBOSE, G_MP },
	{ 0, "help", 0, O_HELP, G_MP },
	{ 0, "version", 0, O_VERSION, G_MP },
	{ 0, "relay-auth-check", 0, O_RELAY_AUTH, G_MP },
	{ 0, "mbox-proto", 1, O_MBOX_PROTO, G_MP },
	{ 0, "mbox-host", 1, O_MBOX_HOST, G_MP },
	{ 0, "mbox-port", 1, O_MBOX_PORT, G_MP },
	{ 0, "mbox-tls", 1, O_MBOX_TLS, G_MP },
	{ 0, "mbox-user", 1, O_MBOX_USER, G_MP },
	{ 0, "mbox-password", 1, O_MBOX_PASSWORD, G_MP },
	{ 0, "mbox-password-file", 1, O_MBOX_PASSWORD_FILE, G_MP },
	{ 0, "delivery-warning", 1, O_DELIV_WARN, G_MP },
	{ 0, "delivery-critical", 1, O_DELIV_CRIT, G_MP },
	{ 0, "delivery-deadline", 1, O_DELIV_DEADLINE, G_MP },
	{ 0, "domain", 1, O_DOMAIN, G_MP },
	{ 0, "family", 1, O_FAMILY, G_MP },
	{ 0, "mx-policy", 1, O_MX_POLICY, G_MP },
	{ 0, "max-mx", 1, O_MAX_MX, G_MP },
	{ 0, "max-addresses", 1, O_MAX_ADDR, G_MP },
	{ 0, "dns-server", 1, O_DNS_SERVER, G_MP },

	/* the daemon's own per-probe settings */
	{ 0, "interval", 1, O_INTERVAL, G_DAEMON },
	{ 0, "retries", 1, O_RETRIES, G_DAEMON },
};

#define NOPTDEFS	(sizeof(optdefs) / sizeof(optdefs[0]))

/* what check_tcp knows about each service (plugins/check_tcp.c) */
struct service {
	const char	*argv0;
	const char	*label;
	enum probe_mode	 mode;		/* when no custom dialogue is asked */
	enum tls_mode	 tls;
	uint16_t	 port;
	const char	*expect;
	const char	*quit;		/* for the raw tcp fallback */
};

static const struct service services[PERS_LAST] = {
	[PERS_MAILPROBE] = { "mailprobe", "", MODE_SMTP, TLS_NONE, 0, "", "" },
	[PERS_CHECK_SMTP] = { "check_smtp", "SMTP", MODE_SMTP, TLS_NONE, 0,
	    "220", "" },
	[PERS_CHECK_SSMTP] = { "check_ssmtp", "SSMTP", MODE_SMTP,
	    TLS_IMPLICIT, 465, "220", "QUIT\r\n" },
	[PERS_CHECK_POP] = { "check_pop", "POP", MODE_POP3, TLS_NONE, 110,
	    "+OK", "QUIT\r\n" },
	[PERS_CHECK_SPOP] = { "check_spop", "SPOP", MODE_POP3, TLS_IMPLICIT,
	    995, "+OK", "QUIT\r\n" },
	[PERS_CHECK_IMAP] = { "check_imap", "IMAP", MODE_IMAP, TLS_NONE, 143,
	    "* OK", "a1 LOGOUT\r\n" },
	[PERS_CHECK_SIMAP] = { "check_simap", "SIMAP", MODE_IMAP,
	    TLS_IMPLICIT, 993, "* OK", "a1 LOGOUT\r\n" },
	[PERS_CHECK_TCP] = { "check_tcp", "TCP", MODE_TCP, TLS_NONE, 0, "",
	    "" },
	[PERS_CONFIG] = { "", "", MODE_SMTP, TLS_NONE, 0, "", "" },
};

struct modeword {
	const char	*word;
	enum probe_mode	 mode;
};

static const struct modeword modewords[] = {
	{ "smtp", MODE_SMTP }, { "pop", MODE_POP3 }, { "pop3", MODE_POP3 },
	{ "imap", MODE_IMAP }, { "tcp", MODE_TCP },
	{ "delivery", MODE_DELIVERY }, { "relay", MODE_RELAY },
	{ "mx", MODE_MX },
};

/* the parse in progress */
struct pstate {
	struct probe_opts	*o;
	struct opts_cli		*cli;
	struct opts_line	*line;		/* config lines only */
	enum opts_personality	 pers;
	unsigned		 groups;
	char			*err;
	size_t			 errlen;

	int			 mode_set;
	int			 port_set;
	int			 tls_set;	/* --starttls/--tls/--no-tls/-s/-S */
	int			 verify_set;
	int			 certdays_set;
	int			 auth_set;	/* --auth or -A */
	int			 plaintext;
	int			 send_set;
	int			 quit_set;
	int			 escape;
	int			 delay_set;	/* -d: keep reading for the expect */
	int			 mbox_used;	/* any --mbox-* / --delivery-* */
	char			 mbox_opt[48];	/* its name, for the message */
	int			 host_set;	/* -H/--host given */
	int			 domain_set;	/* --domain given */
	char			 targets_opt[48];	/* a --mx-policy/--max-* */
	int			 nexpect;
	char			 expects[MAX_EXPECTS][PROBE_STR_MAX];
	int			 nresp;
	char			 resp[PROBE_MAX_CMDS][PROBE_STR_MAX];
};

static enum opts_rc
fail(struct pstate *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum opts_rc
fail(struct pstate *ps, const char *fmt, ...)
{
	va_list	 ap;

	if (ps->err != NULL && ps->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	return OPTS_ERROR;
}

/* the same, for the helpers that return 0 or -1 */
static int
bad(struct pstate *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
bad(struct pstate *ps, const char *fmt, ...)
{
	va_list	 ap;

	if (ps->err != NULL && ps->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

enum opts_personality
opts_personality_from_name(const char *argv0)
{
	const char	*b;
	int		 i;

	if (argv0 == NULL)
		return PERS_MAILPROBE;
	b = strrchr(argv0, '/');
	b = b != NULL ? b + 1 : argv0;
	/* libtool runs uninstalled programs as lt-NAME */
	if (strncmp(b, "lt-", 3) == 0)
		b += 3;
	for (i = PERS_CHECK_SMTP; i <= PERS_CHECK_TCP; i++)
		if (strcmp(b, services[i].argv0) == 0)
			return (enum opts_personality)i;
	/* check_tcp itself accepts the POP3 spelling */
	if (strcmp(b, "check_pop3") == 0)
		return PERS_CHECK_POP;
	return PERS_MAILPROBE;
}

static int
is_check(enum opts_personality p)
{
	return p >= PERS_CHECK_SMTP && p <= PERS_CHECK_TCP;
}

static int
is_smtp_mode(enum probe_mode m)
{
	return m == MODE_SMTP || m == MODE_RELAY || m == MODE_DELIVERY ||
	    m == MODE_MX;
}

int
opts_mode_word(const char *w, enum probe_mode *m)
{
	size_t	 i;

	for (i = 0; i < sizeof(modewords) / sizeof(modewords[0]); i++)
		if (strcasecmp(w, modewords[i].word) == 0) {
			*m = modewords[i].mode;
			return 0;
		}
	return -1;
}

/* which option groups a personality (and for mailprobe, the mode) has */
static unsigned
groups_for(enum opts_personality p, enum probe_mode m)
{
	switch (p) {
	case PERS_MAILPROBE:
		return G_MP | G_MPONLY | G_COMMON | G_MPSHORT |
		    (is_smtp_mode(m) ? G_SMTP : G_TCP);
	case PERS_CHECK_SMTP:
		return G_MP | G_COMMON | G_SMTP | G_CHECK;
	case PERS_CONFIG:
		return G_MP | G_MPONLY | G_DAEMON;
	default:
		return G_MP | G_COMMON | G_TCP | G_CHECK | G_MPSHORT;
	}
}

static const struct optdef *
find_long(unsigned groups, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < NOPTDEFS; i++) {
		const struct optdef *d = &optdefs[i];

		if (d->lng == NULL || !(d->groups & groups))
			continue;
		if (strlen(d->lng) == len && strncmp(d->lng, name, len) == 0)
			return d;
	}
	return NULL;
}

static const struct optdef *
find_short(unsigned groups, char c)
{
	size_t	 i;

	for (i = 0; i < NOPTDEFS; i++)
		if (optdefs[i].sh == c && (optdefs[i].groups & groups))
			return &optdefs[i];
	return NULL;
}

/* value parsers: each returns 0 or -1 after setting the message */

static int
setstr(struct pstate *ps, const char *opt, char *dst, size_t dstsize,
    const char *val)
{
	if (strlen(val) >= dstsize) {
		fail(ps, "%s: value too long (at most %zu characters)", opt,
		    dstsize - 1);
		return -1;
	}
	mm_strlcpy(dst, val, dstsize);
	return 0;
}

/*
 * Seconds as a plain decimal ("5", "0.25", "10.5"), to milliseconds.
 * Not strtod(): no locale decimal comma, no "inf", "nan" or hex.
 */
static int
parse_secs(struct pstate *ps, const char *opt, const char *val, int *ms)
{
	long long	 whole = 0, frac = 0;
	const char	*p = val;
	int		 nd = 0, nf = 0;

	for (; *p >= '0' && *p <= '9'; p++, nd++) {
		whole = whole * 10 + (*p - '0');
		if (whole > MAX_SECONDS)
			goto bad_range;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nf++) {
			if (nf < 3)
				frac = frac * 10 + (*p - '0');
			else if (nf == 3 && *p >= '5')
				frac++;		/* round to the millisecond */
		}
		if (nf == 0 && nd == 0)
			goto bad;
		for (; nf < 3; nf++)
			frac *= 10;
	}
	if (*p != '\0' || (nd == 0 && nf == 0))
		goto bad;
	if (whole * 1000 + frac > (long long)MAX_SECONDS * 1000)
		goto bad_range;
	*ms = (int)(whole * 1000 + frac);
	return 0;
bad:
	fail(ps, "%s: invalid number '%s'", opt, val);
	return -1;
bad_range:
	fail(ps, "%s: '%s' is out of range (0..%d seconds)", opt, val,
	    MAX_SECONDS);
	return -1;
}

static int
parse_int(struct pstate *ps, const char *opt, const char *val,
    long long min, long long max, long long *out)
{
	if (mm_strtonum(val, min, max, out) == -1) {
		fail(ps, "%s: invalid value '%s' (%lld..%lld)", opt, val, min,
		    max);
		return -1;
	}
	return 0;
}

static int
parse_port(struct pstate *ps, const char *opt, const char *val,
    uint16_t *port)
{
	long long	 v;

	if (mm_strtonum(val, 1, 65535, &v) == -1) {
		fail(ps, "%s: invalid port '%s' (1..65535)", opt, val);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* check_tcp -r/-M: ok, warn, crit (and the long words) */
static int
parse_state(struct pstate *ps, const char *opt, const char *val, int *st)
{
	static const struct {
		const char	*w;
		int		 st;
	} words[] = {
		{ "ok", STATUS_OK }, { "warn", STATUS_WARNING },
		{ "warning", STATUS_WARNING }, { "crit", STATUS_CRITICAL },
		{ "critical", STATUS_CRITICAL }, { "unknown", STATUS_UNKNOWN },
	};
	size_t	 i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(val, words[i].w) == 0) {
			*st = words[i].st;
			return 0;
		}
	fail(ps, "%s: '%s' is not one of ok, warn, crit", opt, val);
	return -1;
}

/* -t N or -t N:STATE (monitoring-plugins); only CRITICAL is ours */
static int
parse_timeout(struct pstate *ps, const char *opt, const char *val, int *ms)
{
	char		 num[32];
	const char	*colon = strchr(val, ':');
	int		 st;

	if (colon == NULL)
		goto plain;
	if ((size_t)(colon - val) >= sizeof(num)) {
		fail(ps, "%s: invalid timeout '%s'", opt, val);
		return -1;
	}
	memcpy(num, val, (size_t)(colon - val));
	num[colon - val] = '\0';
	if (parse_state(ps, opt, colon + 1, &st) == -1)
		return -1;
	if (st != STATUS_CRITICAL) {
		fail(ps, "%s: a timeout is always CRITICAL here, not '%s'",
		    opt, colon + 1);
		return -1;
	}
	val = num;
plain:
	if (parse_secs(ps, opt, val, ms) == -1)
		return -1;
	if (*ms == 0) {
		fail(ps, "%s: the timeout must be above 0", opt);
		return -1;
	}
	return 0;
}

/* WARN[,CRIT] days, as check_smtp -D and check_tcp -D */
static int
parse_certdays(struct pstate *ps, const char *opt, const char *val)
{
	char		 w[16];
	const char	*comma = strchr(val, ',');
	long long	 wd, cd = 0;
	size_t		 n = comma != NULL ? (size_t)(comma - val) : strlen(val);

	if (n >= sizeof(w)) {
		fail(ps, "%s: invalid days '%s'", opt, val);
		return -1;
	}
	memcpy(w, val, n);
	w[n] = '\0';
	if (mm_strtonum(w, 0, MAX_CERT_DAYS, &wd) == -1 ||
	    (comma != NULL &&
	    mm_strtonum(comma + 1, 0, MAX_CERT_DAYS, &cd) == -1)) {
		fail(ps, "%s: invalid days '%s' (WARN[,CRIT], 0..%d)", opt,
		    val, MAX_CERT_DAYS);
		return -1;
	}
	if (comma != NULL && cd > wd) {
		fail(ps, "%s: critical days %lld are more than warning days "
		    "%lld", opt, cd, wd);
		return -1;
	}
	ps->o->cert_warn_days = (int)wd;
	ps->o->cert_crit_days = (int)cd;
	ps->certdays_set = 1;
	return 0;
}

static int
parse_tlsword(struct pstate *ps, const char *opt, const char *val,
    enum tls_mode *t)
{
	if (strcasecmp(val, "none") == 0)
		*t = TLS_NONE;
	else if (strcasecmp(val, "starttls") == 0)
		*t = TLS_STARTTLS;
	else if (strcasecmp(val, "tls") == 0)
		*t = TLS_IMPLICIT;
	else {
		fail(ps, "%s: '%s' is not one of none, starttls, tls", opt,
		    val);
		return -1;
	}
	return 0;
}

/* --password-file and --mbox-password-file: one rule, see secret.h */
static int
read_secret(struct pstate *ps, const char *opt, const char *path,
    char *dst, size_t dstsize)
{
	char	 why[SECRET_PATH_MAX + 96];
	int	 world = 0;

	if (path[0] == '\0')
		return bad(ps, "%s: empty file name", opt);
	if (secret_read_file(ps->line != NULL ? ps->line->basedir : NULL,
	    path, dst, dstsize, &world, why, sizeof(why)) == -1)
		return bad(ps, "%s: %s", opt, why);
	if (world && ps->line != NULL)
		ps->line->secret_world_readable = 1;
	return 0;
}

/* hide a password given on the command line from ps(1) */
static void
scrub(char *s)
{
	if (s != NULL)
		memset(s, 'x', strlen(s));
}

static int
set_secret(struct pstate *ps, const char *opt, char *dst, size_t dstsize,
    char *val)
{
	int	 rc = 0;

	if (strlen(val) >= dstsize) {
		fail(ps, "%s: value too long (at most %zu characters)", opt,
		    dstsize - 1);
		rc = -1;
	} else if (val[0] == '\0') {
		fail(ps, "%s: empty password", opt);
		rc = -1;
	} else
		mm_strlcpy(dst, val, dstsize);
	scrub(val);
	return rc;
}

static int
add_expect(struct pstate *ps, const char *opt, const char *val)
{
	/* the personality's default is replaced by the first -e */
	if (ps->nexpect >= MAX_EXPECTS) {
		fail(ps, "%s: too many expect strings (at most %d)", opt,
		    MAX_EXPECTS);
		return -1;
	}
	if (setstr(ps, opt, ps->expects[ps->nexpect],
	    sizeof(ps->expects[0]), val) == -1)
		return -1;
	ps->nexpect++;
	return 0;
}

/* an option of domain and dual-stack probes only */
static void
targets_opt(struct pstate *ps, const char *opt)
{
	if (ps->targets_opt[0] == '\0')
		mm_strlcpy(ps->targets_opt, opt, sizeof(ps->targets_opt));
}

static void
mbox_opt(struct pstate *ps, const char *opt)
{
	/* a copy: opt lives in the caller's frame */
	if (!ps->mbox_used)
		mm_strlcpy(ps->mbox_opt, opt, sizeof(ps->mbox_opt));
	ps->mbox_used = 1;
}

/* apply one option; val is NULL for flags */
/*
 * --auth takes plain, login, auto and none; check_smtp's -A only the
 * mechanism names.  AUTH_LAST: not one of them.
 */
static enum auth_mech
auth_by_name(const char *val, int all)
{
	if (strcasecmp(val, "plain") == 0)
		return AUTH_PLAIN;
	if (strcasecmp(val, "login") == 0)
		return AUTH_LOGIN;
	if (all && strcasecmp(val, "auto") == 0)
		return AUTH_AUTO;
	if (all && strcasecmp(val, "none") == 0)
		return AUTH_NONE;
	return AUTH_LAST;
}

static int
apply(struct pstate *ps, const struct optdef *d, const char *opt, char *val)
{
	struct probe_opts	*o = ps->o;
	long long		 n;
	int			 ms;

	switch (d->id) {
	case O_MODE:
		if (opts_mode_word(val, &o->mode) == -1)
			return bad(ps, "%s: unknown mode '%s' (smtp, pop3, "
			    "imap, tcp, delivery, relay, mx)", opt, val);
		ps->mode_set = 1;
		return 0;
	case O_NAME:
		return setstr(ps, opt, o->name, sizeof(o->name), val);
	case O_HOST:
		if (val[0] == '\0')
			return bad(ps, "%s: empty host name", opt);
		ps->host_set = 1;
		return setstr(ps, opt, o->host, sizeof(o->host), val);
	case O_DOMAIN:
		if (val[0] == '\0')
			return bad(ps, "%s: empty domain", opt);
		ps->domain_set = 1;
		return setstr(ps, opt, o->host, sizeof(o->host), val);
	case O_FAMILY:
		if (strcasecmp(val, "both") == 0) {
			o->family = AF_UNSPEC;
			o->family_both = 1;
		} else if (strcasecmp(val, "any") == 0) {
			o->family = AF_UNSPEC;
			o->family_both = 0;
		} else if (strcasecmp(val, "ipv4") == 0 ||
		    strcmp(val, "4") == 0) {
			o->family = AF_INET;
			o->family_both = 0;
		} else if (strcasecmp(val, "ipv6") == 0 ||
		    strcmp(val, "6") == 0) {
			o->family = AF_INET6;
			o->family_both = 0;
		} else
			return bad(ps, "%s: '%s' is not one of any, both, ipv4, "
			    "ipv6", opt, val);
		return 0;
	case O_MX_POLICY:
		targets_opt(ps, opt);
		if (strcasecmp(val, "all") == 0)
			o->mx_policy = MXP_ALL;
		else if (strcasecmp(val, "any") == 0)
			o->mx_policy = MXP_ANY;
		else
			return bad(ps, "%s: '%s' is not one of all, any", opt,
			    val);
		return 0;
	case O_MAX_MX:
		targets_opt(ps, opt);
		if (parse_int(ps, opt, val, 1, PROBE_MX_MAX, &n) == -1)
			return -1;
		o->max_mx = (int)n;
		return 0;
	case O_MAX_ADDR:
		targets_opt(ps, opt);
		if (parse_int(ps, opt, val, 1, PROBE_ADDR_MAX, &n) == -1)
			return -1;
		o->max_addr = (int)n;
		return 0;
	case O_DNS_SERVER: {
		char	 why[PROBE_REASON_MAX];

		if (setstr(ps, opt, o->dns_server, sizeof(o->dns_server),
		    val) == -1)
			return -1;
		if (dns_servers_check(val, why, sizeof(why)) == -1)
			return bad(ps, "%s: %s", opt, why);
		return 0;
	}
	case O_PORT:
		ps->port_set = 1;
		return parse_port(ps, opt, val, &o->port);
	case O_IPV4:
		o->family = AF_INET;
		o->family_both = 0;
		return 0;
	case O_IPV6:
		o->family = AF_INET6;
		o->family_both = 0;
		return 0;
	case O_STARTTLS:
	case O_IMPLICIT:
	case O_NOTLS: {
		enum tls_mode	 t = d->id == O_STARTTLS ? TLS_STARTTLS :
		    d->id == O_IMPLICIT ? TLS_IMPLICIT : TLS_NONE;

		if (ps->tls_set && o->tls != t)
			return bad(ps, "%s: conflicts with an earlier TLS "
			    "option (STARTTLS and implicit TLS are exclusive)",
			    opt);
		o->tls = t;
		ps->tls_set = 1;
		return 0;
	}
	case O_TIMEOUT:
		return parse_timeout(ps, opt, val, &o->timeout_ms);
	case O_STEP_TIMEOUT:
		if (parse_secs(ps, opt, val, &ms) == -1)
			return -1;
		if (ms == 0)
			return bad(ps, "%s: must be above 0", opt);
		o->step_timeout_ms = ms;
		return 0;
	case O_WARN:
		return parse_secs(ps, opt, val, &o->warn_ms);
	case O_CRIT:
		return parse_secs(ps, opt, val, &o->crit_ms);
	case O_CAFILE:
		ps->verify_set = 1;
		o->tls_verify = 1;
		return setstr(ps, opt, o->ca_file, sizeof(o->ca_file), val);
	case O_SNI_NAME:
		return setstr(ps, opt, o->sni, sizeof(o->sni), val);
	case O_SNI_FLAG:
		return 0;	/* the engine sends SNI for names anyway */
	case O_INSECURE:
		o->tls_verify = 0;
		ps->verify_set = 1;
		return 0;
	case O_VERIFY:
		o->tls_verify = 1;
		ps->verify_set = 1;
		return 0;
	case O_CERTDAYS:
		return parse_certdays(ps, opt, val);
	case O_CERTONLY:
		o->cert_only = 1;
		return 0;
	case O_HELO:
		return setstr(ps, opt, o->helo, sizeof(o->helo), val);
	case O_LMTP:
		o->lmtp = 1;
		return 0;
	case O_FROM: {
		/* check_smtp strips the angle brackets; the engine adds them */
		char	 buf[PROBE_STR_MAX];
		size_t	 len;

		if (setstr(ps, opt, buf, sizeof(buf), val) == -1)
			return -1;
		len = strlen(buf);
		if (len >= 2 && buf[0] == '<' && buf[len - 1] == '>') {
			buf[len - 1] = '\0';
			memmove(buf, buf + 1, len - 1);
		}
		mm_strlcpy(o->mail_from, buf, sizeof(o->mail_from));
		return 0;
	}
	case O_RCPT:
		if (o->nrcpt >= PROBE_MAX_RCPT)
			return bad(ps, "%s: too many recipients (at most %d)",
			    opt, PROBE_MAX_RCPT);
		if (val[0] == '\0')
			return bad(ps, "%s: empty recipient", opt);
		if (setstr(ps, opt, o->rcpt_to[o->nrcpt],
		    sizeof(o->rcpt_to[0]), val) == -1)
			return -1;
		o->nrcpt++;
		return 0;
	case O_AUTH:
	case O_AUTHTYPE: {
		/* check_smtp -A knows LOGIN (PLAIN as well here) */
		enum auth_mech	 m = auth_by_name(val, d->id == O_AUTH);

		if (m == AUTH_LAST)
			return d->id == O_AUTH ?
			    bad(ps, "%s: '%s' is not one of plain, login, "
			    "auto, none", opt, val) :
			    bad(ps, "%s: unsupported authentication type "
			    "'%s' (LOGIN or PLAIN)", opt, val);
		o->auth = m;
		ps->auth_set = 1;
		return 0;
	}
	case O_USER:
		if (val[0] == '\0')
			return bad(ps, "%s: empty user name", opt);
		return setstr(ps, opt, o->user, sizeof(o->user), val);
	case O_PASSWORD:
		if (ps->line != NULL)
			ps->line->inline_secret = 1;
		return set_secret(ps, opt, o->pass, sizeof(o->pass), val);
	case O_PASSWORD_FILE:
		return read_secret(ps, opt, val, o->pass, sizeof(o->pass));
	case O_PLAINTEXT:
		ps->plaintext = 1;
		return 0;
	case O_COMMAND:
		if (o->ncmd >= PROBE_MAX_CMDS)
			return bad(ps, "%s: too many commands (at most %d)",
			    opt, PROBE_MAX_CMDS);
		if (val[0] == '\0')
			return bad(ps, "%s: empty command", opt);
		if (setstr(ps, opt, o->cmd[o->ncmd], sizeof(o->cmd[0]),
		    val) == -1)
			return -1;
		o->ncmd++;
		return 0;
	case O_RESPONSE:
		if (ps->nresp >= PROBE_MAX_CMDS)
			return bad(ps, "%s: too many responses (at most %d)",
			    opt, PROBE_MAX_CMDS);
		if (setstr(ps, opt, ps->resp[ps->nresp], sizeof(ps->resp[0]),
		    val) == -1)
			return -1;
		ps->nresp++;
		return 0;
	case O_EXPECT:
		return add_expect(ps, opt, val);
	case O_SEND:
		ps->send_set = 1;
		return setstr(ps, opt, o->send, sizeof(o->send), val);
	case O_QUIT:
		ps->quit_set = 1;
		/* room for the CRLF added later, as check_tcp -q does */
		if (setstr(ps, opt, o->quit, sizeof(o->quit) - 2, val) == -1)
			return -1;
		return 0;
	case O_ESCAPE:
		ps->escape = 1;
		return 0;
	case O_EXPECT_ALL:
		o->expect_all = 1;
		return 0;
	case O_MAXBYTES:
		if (parse_int(ps, opt, val, 1, 1 << 20, &n) == -1)
			return -1;
		o->tcp_maxbytes = (int)n;
		return 0;
	case O_DELAY:
		if (parse_secs(ps, opt, val, &ms) == -1)
			return -1;
		if (ms > 3600 * 1000)
			return bad(ps, "%s: at most 3600 seconds", opt);
		o->tcp_delay_ms = ms;
		ps->delay_set = ms > 0;
		return 0;
	case O_REFUSE:
		return parse_state(ps, opt, val, &o->refuse_status);
	case O_MISMATCH:
		return parse_state(ps, opt, val, &o->mismatch_status);
	case O_JAIL:
		if (ps->cli != NULL)
			ps->cli->hide_output = 1;
		return 0;
	case O_IGNORE_QUIT:
		if (ps->cli != NULL)
			ps->cli->ignore_quit = 1;
		return 0;
	case O_JSON:
		if (ps->cli == NULL)
			return bad(ps, "%s: not allowed here", opt);
		ps->cli->json = 1;
		return 0;
	case O_VERBOSE:
		o->verbose = 1;
		if (ps->cli != NULL)
			ps->cli->verbose++;
		return 0;
	case O_HELP:
	case O_VERSION:
		return 0;	/* handled by the caller */
	case O_RELAY_AUTH:
		o->relay_auth_check = 1;
		return 0;
	case O_MBOX_PROTO:
		mbox_opt(ps, opt);
		if (strcasecmp(val, "imap") == 0)
			o->mbox.proto = MODE_IMAP;
		else if (strcasecmp(val, "pop3") == 0 ||
		    strcasecmp(val, "pop") == 0)
			o->mbox.proto = MODE_POP3;
		else
			return bad(ps, "%s: '%s' is not one of imap, pop3",
			    opt, val);
		return 0;
	case O_MBOX_HOST:
		mbox_opt(ps, opt);
		return setstr(ps, opt, o->mbox.host, sizeof(o->mbox.host), val);
	case O_MBOX_PORT:
		mbox_opt(ps, opt);
		return parse_port(ps, opt, val, &o->mbox.port);
	case O_MBOX_TLS:
		mbox_opt(ps, opt);
		return parse_tlsword(ps, opt, val, &o->mbox.tls);
	case O_MBOX_USER:
		mbox_opt(ps, opt);
		return setstr(ps, opt, o->mbox.user, sizeof(o->mbox.user), val);
	case O_MBOX_PASSWORD:
		mbox_opt(ps, opt);
		if (ps->line != NULL)
			ps->line->inline_secret = 1;
		return set_secret(ps, opt, o->mbox.pass, sizeof(o->mbox.pass),
		    val);
	case O_MBOX_PASSWORD_FILE:
		mbox_opt(ps, opt);
		return read_secret(ps, opt, val, o->mbox.pass,
		    sizeof(o->mbox.pass));
	case O_DELIV_WARN:
		mbox_opt(ps, opt);
		return parse_secs(ps, opt, val, &o->delivery_warn_ms);
	case O_DELIV_CRIT:
		mbox_opt(ps, opt);
		return parse_secs(ps, opt, val, &o->delivery_crit_ms);
	case O_DELIV_DEADLINE:
		mbox_opt(ps, opt);
		if (parse_secs(ps, opt, val, &o->delivery_deadline_ms) == -1)
			return -1;
		if (o->delivery_deadline_ms == 0)
			return bad(ps, "%s: must be above 0", opt);
		return 0;
	case O_INTERVAL:
		if (parse_int(ps, opt, val, 1, MAX_SECONDS, &n) == -1)
			return -1;
		if (ps->line != NULL)
			ps->line->interval_s = (int)n;
		return 0;
	case O_RETRIES:
		if (parse_int(ps, opt, val, 1, 100, &n) == -1)
			return -1;
		if (ps->line != NULL)
			ps->line->retries = (int)n;
		return 0;
	}
	return bad(ps, "%s: not implemented", opt);
}

/* the secrets an option value may carry */
static int
is_secret(const struct optdef *d)
{
	return d->id == O_PASSWORD || d->id == O_MBOX_PASSWORD;
}

/*
 * One argv element starting with "--".  Returns 1 if the next element
 * was consumed as the value, 0 if not, -1 on error, 2 for -h, 3 for -V.
 */
static int
parse_long(struct pstate *ps, char *arg, char *next)
{
	const struct optdef	*d;
	char			*name = arg + 2, *eq, opt[48];
	size_t			 len;

	eq = strchr(name, '=');
	len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	/* show the name only: a mistyped --pasword=... is still a secret */
	snprintf(opt, sizeof(opt), "--%.*s", (int)(len > 40 ? 40 : len),
	    name);
	if ((d = find_long(ps->groups, name, len)) == NULL) {
		if (ps->pers == PERS_CONFIG &&
		    find_long(G_COMMON | G_SMTP | G_TCP | G_CHECK, name,
		    len) != NULL)
			return bad(ps, "%s: not allowed in a probe line",
			    opt);
		return bad(ps, "unknown option '%s'", opt);
	}
	if (d->id == O_HELP)
		return 2;
	if (d->id == O_VERSION)
		return 3;
	if (!d->arg) {
		if (eq != NULL)
			return bad(ps, "%s: takes no value", opt);
		return apply(ps, d, opt, NULL) == -1 ? -1 : 0;
	}
	if (eq != NULL) {
		int	 rc = apply(ps, d, opt, eq + 1);

		if (is_secret(d))
			scrub(eq + 1);
		return rc == -1 ? -1 : 0;
	}
	if (next == NULL)
		return bad(ps, "%s: missing value", opt);
	return apply(ps, d, opt, next) == -1 ? -1 : 1;
}

/* one argv element "-xyz"; same return values as parse_long() */
static int
parse_short(struct pstate *ps, char *arg, char *next)
{
	const struct optdef	*d;
	char			 opt[3] = "-?";
	char			*p;

	for (p = arg + 1; *p != '\0'; p++) {
		opt[1] = *p;
		if ((d = find_short(ps->groups, *p)) == NULL) {
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				opt[1] = '?';
			return bad(ps, "unknown option '%s'", opt);
		}
		if (d->id == O_HELP)
			return 2;
		if (d->id == O_VERSION)
			return 3;
		if (!d->arg) {
			if (apply(ps, d, opt, NULL) == -1)
				return -1;
			continue;
		}
		if (p[1] != '\0') {
			int	 rc = apply(ps, d, opt, p + 1);

			if (is_secret(d))
				scrub(p + 1);
			return rc == -1 ? -1 : 0;
		}
		if (next == NULL)
			return bad(ps, "%s: missing value", opt);
		return apply(ps, d, opt, next) == -1 ? -1 : 1;
	}
	return 0;
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
is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/* the service word of the Nagios line: check_tcp's, or the mode's */
static void
set_label(struct pstate *ps)
{
	const char	*label = services[ps->pers].label;
	size_t		 k;

	if (ps->cli == NULL)
		return;
	if (label[0] == '\0')
		label = probe_mode_name(ps->o->mode);
	for (k = 0; label[k] != '\0' && k + 1 < sizeof(ps->cli->label); k++)
		ps->cli->label[k] = (char)(label[k] >= 'a' && label[k] <= 'z' ?
		    label[k] - 32 : label[k]);
	ps->cli->label[k] = '\0';
}

/* decode -E escapes in one string; the name is for the message */
static int
unescape(struct pstate *ps, const char *what, char *s)
{
	if (s[0] != '\0' && mm_unescape(s) == -1)
		return bad(ps, "-E: bad escape sequence in the %s string "
		    "(\\r \\n \\t \\\\ \\xHH)", what);
	return 0;
}

/*
 * A custom dialogue (send, quit, several expect strings, -A, -d) needs
 * the raw tcp machine; otherwise a protocol machine does what
 * check_tcp did and can also STARTTLS and log in.
 */
static int
wants_raw(const struct pstate *ps)
{
	return ps->send_set || ps->quit_set || ps->nexpect > 1 ||
	    ps->o->expect_all || ps->delay_set;
}

/*
 * Switch a POP3/IMAP/SMTP-service probe to the raw tcp machine, as
 * check_tcp runs its check_pop/check_imap names, with the service's
 * defaults from sv.  Unlike check_tcp, a mail server is never written
 * to before it has greeted: the send string goes after the greeting
 * (postscreen and friends drop clients that talk first).
 */
static void
to_raw(struct pstate *ps, const struct service *sv)
{
	struct probe_opts	*o = ps->o;

	if (!ps->port_set && o->port == 0)
		o->port = probe_default_port(sv->mode, o->tls);
	o->mode = MODE_TCP;
	o->tcp_greet = sv->mode != MODE_TCP;
	/* the built-in expect string is a prefix, -e strings match anywhere */
	if (ps->nexpect == 0 && sv->expect[0] != '\0') {
		mm_strlcpy(ps->expects[ps->nexpect++], sv->expect,
		    sizeof(ps->expects[0]));
		o->expect_prefix = 1;
	}
	if (!ps->quit_set && sv->quit[0] != '\0')
		mm_strlcpy(o->quit, sv->quit, sizeof(o->quit));
}

/* decide the mode of a check_tcp personality, place expects */
static enum opts_rc
finish_tcp_family(struct pstate *ps)
{
	struct probe_opts	*o = ps->o;
	const struct service	*sv = &services[ps->pers];

	if (!ps->tls_set)
		o->tls = sv->tls;
	/* check_tcp -D turns TLS on */
	if (ps->certdays_set && o->tls == TLS_NONE)
		o->tls = TLS_IMPLICIT;
	if (!ps->port_set)
		o->port = sv->port;
	if (sv->mode == MODE_TCP || wants_raw(ps))
		to_raw(ps, sv);
	else {
		o->mode = sv->mode;
		if (ps->nexpect == 0)
			mm_strlcpy(ps->expects[ps->nexpect++], sv->expect,
			    sizeof(ps->expects[0]));
	}
	if (o->mode == MODE_TCP && o->port == 0 && !ps->port_set)
		return fail(ps, "-p: a port is required");
	return OPTS_OK;
}

/* mailprobe pop3|imap and probe lines with a send/expect dialogue */
static void
finish_mail_raw(struct pstate *ps)
{
	const struct service	*sv;

	if (ps->o->mode == MODE_POP3)
		sv = &services[PERS_CHECK_POP];
	else if (ps->o->mode == MODE_IMAP)
		sv = &services[PERS_CHECK_IMAP];
	else
		return;
	if (wants_raw(ps))
		to_raw(ps, sv);
}

static enum opts_rc
finish_smtp(struct pstate *ps)
{
	struct probe_opts	*o = ps->o;

	if (ps->nexpect == 0)
		mm_strlcpy(ps->expects[ps->nexpect++], "220",
		    sizeof(ps->expects[0]));
	/* check_smtp -D checks the certificate and stops there */
	if (ps->certdays_set) {
		o->cert_only = 1;
		if (o->tls == TLS_NONE)
			o->tls = TLS_STARTTLS;
	}
	if (o->auth == AUTH_NONE) {
		/* check_smtp logs in only when -A is given */
		explicit_bzero(o->user, sizeof(o->user));
		explicit_bzero(o->pass, sizeof(o->pass));
	} else
		ps->plaintext = 1;	/* as check_smtp did, when asked */
	return OPTS_OK;
}

static enum opts_rc
finish(struct pstate *ps)
{
	struct probe_opts	*o = ps->o;
	const char		*env;
	int			 i;
	enum opts_rc		 rc = OPTS_OK;

	if (ps->pers == PERS_MAILPROBE && !ps->mode_set)
		return fail(ps, "no mode given (smtp, pop3, imap, tcp, "
		    "delivery, relay, mx)");
	if (o->mode == MODE_MX && ps->host_set)
		return fail(ps, "%s: an mx probe takes the mail domain with "
		    "--domain", ps->pers == PERS_CONFIG ? "--host" : "-H/--host");
	if (o->mode == MODE_MX && !ps->domain_set)
		return fail(ps, "--domain: no mail domain given");
	if (o->mode != MODE_MX && ps->domain_set)
		return fail(ps, "--domain: only for mx probes (the host is "
		    "--host)");
	if (ps->targets_opt[0] != '\0' && o->mode != MODE_MX &&
	    !o->family_both)
		return fail(ps, "%s: only for mx probes and --family both",
		    ps->targets_opt);
	if (o->host[0] == '\0')
		return fail(ps, "%s: no host given", ps->pers == PERS_CONFIG ?
		    "--host" : ps->pers == PERS_MAILPROBE ? "-H/--host" : "-H");
	if (o->warn_ms > 0 && o->crit_ms > 0 && o->warn_ms > o->crit_ms) {
		char	 w[24], c[24];

		fmt_secs(w, sizeof(w), o->warn_ms);
		fmt_secs(c, sizeof(c), o->crit_ms);
		return fail(ps, "-w %s is greater than -c %s (warning must "
		    "not exceed critical)", w, c);
	}
	if (o->delivery_warn_ms > 0 && o->delivery_crit_ms > 0 &&
	    o->delivery_warn_ms > o->delivery_crit_ms)
		return fail(ps, "--delivery-warning is greater than "
		    "--delivery-critical");

	if (ps->pers == PERS_CHECK_SMTP)
		rc = finish_smtp(ps);
	else if (is_check(ps->pers))
		rc = finish_tcp_family(ps);
	else
		finish_mail_raw(ps);
	if (rc != OPTS_OK)
		return rc;
	set_label(ps);

	/*
	 * The check_* names verify chain and host name too: the plugins'
	 * silence about a self-signed or mismatched certificate is one of
	 * the bugs we replace them to get rid of.  --insecure opts out.
	 */

	if (ps->mbox_used && o->mode != MODE_DELIVERY)
		return fail(ps, "%s: only for delivery probes", ps->mbox_opt);
	if (o->relay_auth_check && o->mode != MODE_RELAY)
		return fail(ps, "--relay-auth-check: only for relay probes");
	if (ps->nresp > o->ncmd)
		return fail(ps, "-R: more responses (%d) than commands (%d); "
		    "each -R pairs with a -C", ps->nresp, o->ncmd);
	if (o->ncmd > 0 && !is_smtp_mode(o->mode))
		return fail(ps, "-C: commands are for SMTP probes only");
	if (o->nrcpt > 0 && !is_smtp_mode(o->mode))
		return fail(ps, "--rcpt: recipients are for SMTP probes only");
	if ((ps->send_set || ps->quit_set) && o->mode != MODE_TCP)
		return fail(ps, "%s: send and quit strings are for tcp "
		    "probes only", ps->send_set ? "--send" : "--quit");
	if (ps->nexpect > 1 && o->mode != MODE_TCP)
		return fail(ps, "-e: only one expect string for a %s probe",
		    probe_mode_name(o->mode));
	if (o->expect_all && o->mode != MODE_TCP)
		return fail(ps, "-A: --expect-all is for tcp probes only");
	if ((ps->delay_set || o->tcp_maxbytes > 0) && o->mode != MODE_TCP)
		return fail(ps, "%s: for tcp, pop3 and imap probes only",
		    ps->delay_set ? "-d/--delay" : "-m/--maxbytes");
	for (i = 0; i < ps->nresp; i++)
		mm_strlcpy(o->cmd_expect[i], ps->resp[i],
		    sizeof(o->cmd_expect[0]));

	if (ps->escape) {
		if (unescape(ps, "send", o->send) == -1 ||
		    (ps->quit_set && unescape(ps, "quit", o->quit) == -1))
			return OPTS_ERROR;
		for (i = 0; i < ps->nexpect; i++)
			if (unescape(ps, "expect", ps->expects[i]) == -1)
				return OPTS_ERROR;
	}
	if (ps->quit_set)
		mm_strlcat(o->quit, "\r\n", sizeof(o->quit));
	if (ps->nexpect > 0)
		mm_strlcpy(o->expect, ps->expects[0], sizeof(o->expect));
	/* the tcp machine looks for the other -e strings in cmd_expect[] */
	for (i = 1; i < ps->nexpect; i++)
		mm_strlcpy(o->cmd_expect[i - 1], ps->expects[i],
		    sizeof(o->cmd_expect[0]));
	if (ps->nexpect > 1)
		o->ncmd = ps->nexpect - 1;

	/* SMTP: a user means AUTH, the mechanism picked from EHLO */
	if (is_smtp_mode(o->mode) && !ps->auth_set && o->user[0] != '\0')
		o->auth = AUTH_AUTO;
	if (ps->pers != PERS_CONFIG && o->pass[0] == '\0' &&
	    (o->user[0] != '\0' || o->auth != AUTH_NONE) &&
	    (env = getenv("MAILPROBE_PASSWORD")) != NULL && env[0] != '\0') {
		if (strlen(env) >= sizeof(o->pass))
			return fail(ps, "MAILPROBE_PASSWORD: too long");
		mm_strlcpy(o->pass, env, sizeof(o->pass));
	}
	/* nothing leaves the machine on loopback: no TLS needed to log in */
	if (ps->plaintext || (is_loopback(o->host) &&
	    (o->mode != MODE_DELIVERY || o->mbox.host[0] == '\0' ||
	    is_loopback(o->mbox.host))))
		o->auth_plaintext = 1;
	/* a delivery line that cannot run is an error now, not at run time */
	if (o->mode == MODE_DELIVERY) {
		char	 why[128];

		if (delivery_check_opts(o, why, sizeof(why)) == -1)
			return fail(ps, "%s", why);
	}
	return OPTS_OK;
}

/* the UTF-8 of a dash a word processor put where "-" was typed */
static size_t
typo_dash(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;

	if (u[0] != 0xe2)
		return 0;
	/* U+2013 EN DASH, U+2014 EM DASH */
	if (u[1] == 0x80 && (u[2] == 0x93 || u[2] == 0x94))
		return 3;
	/* U+2212 MINUS SIGN */
	if (u[1] == 0x88 && u[2] == 0x92)
		return 3;
	return 0;
}

/*
 * Command definitions copied from books and web pages carry "–s" and
 * "—host".  check_tcp's getopt stops at the first such word and runs
 * without every option after it (a login check that checks nothing);
 * read them as the options they were meant to be instead.  Two dashes
 * of any kind make "--"; one makes "--" when a long option of that name
 * exists, "-" otherwise.  The argument is rewritten in place (it only
 * gets shorter).  Returns 1 when it was rewritten.
 */
static int
undash(const struct pstate *ps, char *a)
{
	char	*p = a;
	size_t	 k, ndash = 0, ntypo = 0, len;

	while (ndash < 2) {
		if (*p == '-') {
			p++;
			ndash++;
		} else if ((k = typo_dash(p)) > 0) {
			p += k;
			ndash++;
			ntypo++;
		} else
			break;
	}
	if (ntypo == 0 || *p == '\0')
		return 0;
	if (ndash == 1) {
		len = strcspn(p, "=");
		if (len > 1 && find_long(ps->groups, p, len) != NULL)
			ndash = 2;
	}
	memmove(a + ndash, p, strlen(p) + 1);
	memset(a, '-', ndash);
	return 1;
}

/*
 * A command line that carries a password must not be quoted in an
 * error: "-P my pass" leaves "pass" over as an unexpected argument,
 * and a missing value shifts a password into another option's place.
 */
static int
argv_has_secret(int argc, char **argv)
{
	static const char *const names[] = { "password", "authpass",
	    "mbox-password" };
	const char	*a;
	size_t		 k, n;
	int		 i, dashes;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		for (dashes = 0;; dashes++) {
			if (*a == '-')
				a++;
			else if ((k = typo_dash(a)) > 0)
				a += k;
			else
				break;
		}
		if (dashes == 0)
			continue;
		for (n = 0; n < sizeof(names) / sizeof(names[0]); n++)
			if (strncmp(a, names[n], strlen(names[n])) == 0)
				return 1;
		/* -P, also inside a cluster such as -vP */
		if (dashes == 1 && strchr(a, 'P') != NULL)
			return 1;
	}
	return 0;
}

static enum opts_rc
unexpected(struct pstate *ps, int argc, char **argv, int i)
{
	if (argv_has_secret(argc, argv))
		return fail(ps, "unexpected argument %d (not shown: this "
		    "command line holds a password; quote a value that "
		    "contains blanks)", i);
	return fail(ps, "unexpected argument '%s'", argv[i]);
}

static enum opts_rc
parse_argv(struct pstate *ps, int argc, char **argv)
{
	struct probe_opts	*o = ps->o;
	enum opts_personality	 pers = ps->pers;
	char			 perr[256];
	int			 i, r, positional_host = 0;

	i = 1;
	if (pers == PERS_MAILPROBE) {
		/* the mode picks the short options, so find it first */
		if (argc > 1 && argv[1][0] != '-' && typo_dash(argv[1]) == 0) {
			if (opts_mode_word(argv[1], &o->mode) == -1)
				return fail(ps, "unknown mode '%s' (smtp, pop3, "
				    "imap, tcp, delivery, relay, mx)", argv[1]);
			ps->mode_set = 1;
			i = 2;
		} else {
			for (r = 1; r < argc; r++) {
				if (strcmp(argv[r], "--") == 0)
					break;
				if (strncmp(argv[r], "--mode=", 7) == 0 &&
				    opts_mode_word(argv[r] + 7, &o->mode) == 0)
					ps->mode_set = 1;
				if (strcmp(argv[r], "--mode") == 0 &&
				    r + 1 < argc &&
				    opts_mode_word(argv[r + 1], &o->mode) == 0)
					ps->mode_set = 1;
			}
		}
	}
	ps->groups = groups_for(pers, o->mode);
	/* known before any error, for the UNKNOWN line */
	set_label(ps);

	for (; i < argc; i++) {
		char	*a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

		(void)undash(ps, a);
		/* monitoring-plugins' old spellings */
		if (is_check(pers) && (strcmp(a, "-to") == 0 ||
		    strcmp(a, "-wt") == 0 || strcmp(a, "-ct") == 0))
			a[2] = '\0';
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] == '-' && a[1] == '-')
			r = parse_long(ps, a, next);
		else if (a[0] == '-' && a[1] != '\0')
			r = parse_short(ps, a, next);
		else {
			/* check_smtp and check_tcp take a bare host name */
			if (is_check(pers) && !positional_host &&
			    o->host[0] == '\0') {
				if (setstr(ps, "host", o->host,
				    sizeof(o->host), a) == -1)
					return OPTS_ERROR;
				positional_host = 1;
				continue;
			}
			return unexpected(ps, argc, argv, i);
		}
		if (r == -1)
			return OPTS_ERROR;
		if (r == 2)
			return OPTS_HELP;
		if (r == 3)
			return OPTS_VERSION;
		i += r;
	}
	if (i < argc)
		return unexpected(ps, argc, argv, i);
	if (finish(ps) != OPTS_OK)
		return OPTS_ERROR;
	perr[0] = '\0';
	if (probe_opts_finish(o, perr, sizeof(perr)) == -1)
		return fail(ps, "%s", perr[0] != '\0' ? perr :
		    "invalid options");
	return OPTS_OK;
}

static enum opts_rc
parse_common(struct probe_opts *o, struct opts_cli *cli,
    struct opts_line *line, enum opts_personality pers, int argc,
    char **argv, char *err, size_t errlen)
{
	struct pstate	*ps;
	enum opts_rc	 rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((unsigned)pers >= PERS_LAST) {
		if (err != NULL)
			snprintf(err, errlen, "unknown personality");
		return OPTS_ERROR;
	}
	/* two kilobytes of strings: not on the stack of a daemon thread */
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		if (err != NULL)
			snprintf(err, errlen, "out of memory");
		return OPTS_ERROR;
	}
	ps->o = o;
	ps->cli = cli;
	ps->line = line;
	ps->pers = pers;
	ps->err = err;
	ps->errlen = errlen;
	if (cli != NULL)
		memset(cli, 0, sizeof(*cli));
	rc = parse_argv(ps, argc, argv);
	explicit_bzero(ps, sizeof(*ps));
	free(ps);
	return rc;
}

enum opts_rc
opts_parse(struct probe_opts *o, struct opts_cli *cli,
    enum opts_personality pers, int argc, char **argv, char *err,
    size_t errlen)
{
	struct opts_line	 line;

	if (pers == PERS_CONFIG) {
		memset(&line, 0, sizeof(line));
		return parse_common(o, NULL, &line, pers, argc, argv, err,
		    errlen);
	}
	return parse_common(o, cli, NULL, pers, argc, argv, err, errlen);
}

enum opts_rc
opts_parse_line(struct probe_opts *o, struct opts_line *line, int argc,
    char **argv, char *err, size_t errlen)
{
	const char	*basedir = line->basedir;

	memset(line, 0, sizeof(*line));
	line->basedir = basedir;
	return parse_common(o, NULL, line, PERS_CONFIG, argc, argv, err,
	    errlen);
}

static const char usage_mailprobe[] =
"usage: mailprobe smtp|pop3|imap|tcp|delivery|relay -H host [options]\n"
"       mailprobe mx --domain DOMAIN [options]\n"
"\n"
"  -H, --host NAME        server to probe (required)\n"
"  -p, --port N           port (default: by mode and TLS)\n"
"  -4, -6                 IPv4 / IPv6 only\n"
"  --starttls | --tls     STARTTLS/STLS, or TLS from the first byte\n"
"  -t, --timeout S        whole probe deadline, seconds (default 10)\n"
"  --step-timeout S       deadline of one command\n"
"  -w, --warning S        total time for WARNING\n"
"  -c, --critical S       total time for CRITICAL\n"
"  --ca-file F            trust these CAs   --insecure  no verification\n"
"  --sni NAME             TLS server name   --cert-days W[,C]  --cert-only\n"
"  --helo NAME  --lmtp  --from ADDR  --rcpt ADDR (up to 8)\n"
"  --auth plain|login|auto|none  -U, --user U\n"
"  -P, --password P | --password-file F | env MAILPROBE_PASSWORD\n"
"  --allow-plaintext      log in without TLS on a non-loopback host\n"
"  --command C --response ERE (pairs)   -e, --expect S\n"
"  --send S  --quit S  --escape  --expect-all  --refuse/--mismatch STATE\n"
"  --mbox-proto imap|pop3 --mbox-host H --mbox-port N\n"
"  --mbox-tls none|starttls|tls --mbox-user U --mbox-password-file F\n"
"  --delivery-warning S --delivery-critical S --delivery-deadline S\n"
"  --relay-auth-check     --json     -v (trace; -v -v: everything)\n"
"  --domain D             mx: probe every address of every MX of D\n"
"  --family any|both|ipv4|ipv6   both: each family of the host\n"
"  --mx-policy all|any  --max-mx N  --max-addresses N\n"
"  --dns-server ADDR[:PORT][,...]  resolver to ask (default: the system's)\n"
"  -h, --help             -V, --version\n"
"\n"
"Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.  See mailprobe(1).\n";

static const char usage_check_smtp[] =
"usage: check_smtp -H host [-p port] [-4|-6] [-e expect] [-C command]\n"
"    [-R response] [-f from] [-F fqdn] [-A LOGIN|PLAIN -U user -P pass]\n"
"    [-w warn] [-c crit] [-t timeout] [-S|-s] [-D warn[,crit]] [-L] [-q]\n"
"    [--sni] [-v] [-h] [-V]\n"
"\n"
"mailprobe in check_smtp mode; every mailprobe long option works too.\n"
"See mailprobe(1).\n";

static const char usage_check_tcp[] =
"usage: check_tcp|check_pop|check_imap|check_spop|check_simap|check_ssmtp\n"
"    -H host [-p port] [-4|-6] [-w warn] [-c crit] [-t timeout]\n"
"    [-s send] [-e expect]... [-q quit] [-A] [-E] [-m maxbytes] [-d delay]\n"
"    [-r ok|warn|crit] [-M ok|warn|crit] [-S] [-D warn[,crit]] [-j]\n"
"    [--sni] [-v] [-h] [-V]\n"
"\n"
"mailprobe in check_tcp mode; every mailprobe long option works too\n"
"(check_pop/check_imap: --starttls, --user, --password-file).\n"
"See mailprobe(1).\n";

static const char usage_config[] =
"probe NAME MODE --host H [long options of mailprobe(1)]\n";

const char *
opts_usage(enum opts_personality p)
{
	switch (p) {
	case PERS_MAILPROBE:
		return usage_mailprobe;
	case PERS_CHECK_SMTP:
		return usage_check_smtp;
	case PERS_CONFIG:
		return usage_config;
	default:
		return usage_check_tcp;
	}
}

/*
 * opts.c - the one option grammar: mailprobe's long options, which are
 * also every word of a mailmond.conf probe line, and the checks that
 * settle them into a probe.
 *
 * Table driven instead of getopt_long(): getopt keeps global state,
 * prints its own messages and permutes argv, and this parser must be
 * pure (the daemon calls it for every probe line on every reload) and
 * must name the offending option in a one-line error.  Each row names
 * the function that applies it; those functions are cut along the
 * option groups below (target, timing, TLS, SMTP, login, dialogue,
 * delivery, front end, daemon).
 *
 * Values are parsed as they come (opts_value.c); anything that depends
 * on more than one option (a dialogue that needs the raw tcp machine,
 * -R pairing, escapes, the quit line end) is settled in finish() once
 * argv is consumed, and what is a property of the probe itself in
 * probe_opts_finish(), once.  mailprobe's command lines add their short
 * options and personalities on top (opts_cli.c).
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "opts_priv.h"
#include "util.h"


#define T	opts_apply_target
#define TM	opts_apply_timing
#define TL	opts_apply_tls
#define SM	opts_apply_smtp
#define LG	opts_apply_login
#define DG	opts_apply_dialogue
#define DL	opts_apply_delivery
#define FR	opts_apply_front
#define DM	opts_apply_daemon
#define TG	opts_apply_targets

/* mailprobe's long options and mailmond.conf's probe-line words */
static const struct optdef core[] = {
	{ 0, "mode", 1, O_MODE, G_MP, T, 0 },
	{ 0, "name", 1, O_NAME, G_MP, T, 0 },
	{ 0, "host", 1, O_HOST, G_MP, T, 0 },
	{ 0, "port", 1, O_PORT, G_MP, T, 0 },
	{ 0, "ipv4", 0, O_IPV4, G_MP, T, 0 },
	{ 0, "ipv6", 0, O_IPV6, G_MP, T, 0 },
	{ 0, "timeout", 1, O_TIMEOUT, G_MP, TM, 0 },
	{ 0, "step-timeout", 1, O_STEP_TIMEOUT, G_MP, TM, 0 },
	{ 0, "warning", 1, O_WARN, G_MP, TM, 0 },
	{ 0, "critical", 1, O_CRIT, G_MP, TM, 0 },
	{ 0, "starttls", 0, O_STARTTLS, G_MP, TL, 0 },
	{ 0, "tls", 0, O_IMPLICIT, G_MP, TL, 0 },
	{ 0, "no-tls", 0, O_NOTLS, G_MP, TL, 0 },
	{ 0, "ca-file", 1, O_CAFILE, G_MP, TL, 0 },
	{ 0, "sni", 1, O_SNI_NAME, G_MPONLY, TL, 0 },
	{ 0, "insecure", 0, O_INSECURE, G_MP, TL, 0 },
	{ 0, "no-verify", 0, O_INSECURE, G_MP, TL, 0 },
	{ 0, "verify", 0, O_VERIFY, G_MP, TL, 0 },
	{ 0, "cert-days", 1, O_CERTDAYS, G_MP, TL, 0 },
	{ 0, "cert-only", 0, O_CERTONLY, G_MP, TL, 0 },
	{ 0, "helo", 1, O_HELO, G_MP, SM, 0 },
	{ 0, "lmtp", 0, O_LMTP, G_MP, SM, 0 },
	{ 0, "from", 1, O_FROM, G_MP, SM, 0 },
	{ 0, "rcpt", 1, O_RCPT, G_MP, SM, 0 },
	{ 0, "command", 1, O_COMMAND, G_MP, SM, 0 },
	{ 0, "response", 1, O_RESPONSE, G_MP, SM, 0 },
	{ 0, "relay-auth-check", 0, O_RELAY_AUTH, G_MP, SM, 0 },
	{ 0, "auth", 1, O_AUTH, G_MP, LG, 0 },
	{ 0, "user", 1, O_USER, G_MP, LG, 0 },
	{ 0, "password", 1, O_PASSWORD, G_MP, LG, 1 },
	{ 0, "password-file", 1, O_PASSWORD_FILE, G_MP, LG, 0 },
	{ 0, "allow-plaintext", 0, O_PLAINTEXT, G_MP, LG, 0 },
	{ 0, "expect", 1, O_EXPECT, G_MP, DG, 0 },
	{ 0, "send", 1, O_SEND, G_MP, DG, 0 },
	{ 0, "quit", 1, O_QUIT, G_MP, DG, 0 },
	{ 0, "escape", 0, O_ESCAPE, G_MP, DG, 0 },
	{ 0, "expect-all", 0, O_EXPECT_ALL, G_MP, DG, 0 },
	{ 0, "refuse", 1, O_REFUSE, G_MP, DG, 0 },
	{ 0, "mismatch", 1, O_MISMATCH, G_MP, DG, 0 },
	{ 0, "delay", 1, O_DELAY, G_MP, DG, 0 },
	{ 0, "maxbytes", 1, O_MAXBYTES, G_MP, DG, 0 },
	{ 0, "mbox-proto", 1, O_MBOX_PROTO, G_MP, DL, 0 },
	{ 0, "mbox-host", 1, O_MBOX_HOST, G_MP, DL, 0 },
	{ 0, "mbox-port", 1, O_MBOX_PORT, G_MP, DL, 0 },
	{ 0, "mbox-tls", 1, O_MBOX_TLS, G_MP, DL, 0 },
	{ 0, "mbox-user", 1, O_MBOX_USER, G_MP, DL, 0 },
	{ 0, "mbox-password", 1, O_MBOX_PASSWORD, G_MP, DL, 1 },
	{ 0, "mbox-password-file", 1, O_MBOX_PASSWORD_FILE, G_MP, DL, 0 },
	{ 0, "delivery-warning", 1, O_DELIV_WARN, G_MP, DL, 0 },
	{ 0, "delivery-critical", 1, O_DELIV_CRIT, G_MP, DL, 0 },
	{ 0, "delivery-deadline", 1, O_DELIV_DEADLINE, G_MP, DL, 0 },
	{ 0, "domain", 1, O_DOMAIN, G_MP, TG, 0 },
	{ 0, "family", 1, O_FAMILY, G_MP, TG, 0 },
	{ 0, "mx-policy", 1, O_MX_POLICY, G_MP, TG, 0 },
	{ 0, "max-mx", 1, O_MAX_MX, G_MP, TG, 0 },
	{ 0, "max-addresses", 1, O_MAX_ADDR, G_MP, TG, 0 },
	{ 0, "dns-server", 1, O_DNS_SERVER, G_MP, TG, 0 },
	{ 0, "json", 0, O_JSON, G_MP, FR, 0 },
	{ 0, "verbose", 0, O_VERBOSE, G_MP, FR, 0 },
	{ 0, "help", 0, O_HELP, G_MP, FR, 0 },
	{ 0, "version", 0, O_VERSION, G_MP, FR, 0 },
	{ 0, "interval", 1, O_INTERVAL, G_DAEMON, DM, 0 },
	{ 0, "retries", 1, O_RETRIES, G_DAEMON, DM, 0 },
	{ 0, "history", 1, O_HISTORY, G_DAEMON, DM, 0 },
};

#define NCORE	(sizeof(core) / sizeof(core[0]))

/* the greeting and the goodbye of a mail service's raw dialogue */
static const struct {
	enum probe_mode	 mode;
	const char	*expect;
	const char	*quit;
} raw_defaults[] = {
	{ MODE_SMTP, "220", "QUIT\r\n" },
	{ MODE_POP3, "+OK", "QUIT\r\n" },
	{ MODE_IMAP, "* OK", "a1 LOGOUT\r\n" },
};

/*
 * The plugins' long spellings (opts_cli.c) that a probe line does not
 * take, to say so instead of "unknown option"; test_opts checks that
 * check_* knows each of them.
 */
static const char *const cli_only_names[] = {
	"hostname", "use-ipv4", "use-ipv6", "fqdn", "authtype", "authuser",
	"authpass", "certificate", "ignore-quit-failure", "ssl", "all",
	"jail", "warning-time", "critical-time",
};

static int
cli_only(const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < sizeof(cli_only_names) / sizeof(cli_only_names[0]);
	    i++)
		if (strlen(cli_only_names[i]) == len &&
		    strncmp(cli_only_names[i], name, len) == 0)
			return 1;
	return 0;
}

static int	 is_loopback(const char *host);

int
opts_is_smtp_mode(enum probe_mode m)
{
	return m == MODE_SMTP || m == MODE_RELAY || m == MODE_DELIVERY ||
	    m == MODE_MX;
}

/* lookup: the command line's rows first, then the core's */

static const struct optdef *
find_long_in(const struct optdef *defs, size_t n, unsigned groups,
    const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (defs[i].lng == NULL || !(defs[i].groups & groups))
			continue;
		if (strlen(defs[i].lng) == len &&
		    strncmp(defs[i].lng, name, len) == 0)
			return &defs[i];
	}
	return NULL;
}

const struct optdef *
opts_find_long(const struct pstate *ps, const char *name, size_t len)
{
	const struct optdef	*d = NULL;

	if (ps->g != NULL)
		d = find_long_in(ps->g->defs, ps->g->ndefs, ps->groups, name,
		    len);
	if (d == NULL)
		d = find_long_in(core, NCORE, ps->groups, name, len);
	return d;
}

const struct optdef *
opts_find_short(const struct pstate *ps, char c)
{
	size_t	 i;

	if (ps->g == NULL)
		return NULL;
	for (i = 0; i < ps->g->ndefs; i++)
		if (ps->g->defs[i].sh == c &&
		    (ps->g->defs[i].groups & ps->groups))
			return &ps->g->defs[i];
	return NULL;
}

/* the option groups */

int
opts_apply_target(struct pstate *ps, const struct optdef *d,
    const char *opt, char *val)
{
	struct probe_opts	*o = ps->o;

	switch (d->id) {
	case O_MODE:
		if (probe_mode_word(val, &o->mode) == -1)
			return opts_bad(ps, "%s: unknown mode '%s' (smtp, "
			    "pop3, imap, tcp, delivery, relay, mx)", opt, val);
		ps->mode_set = 1;
		return 0;
	case O_NAME:
		return opts_setstr(ps, opt, o->name, sizeof(o->name), val);
	case O_HOST:
		if (val[0] == '\0')
			return opts_bad(ps, "%s: empty host name", opt);
		ps->host_set = 1;
		return opts_setstr(ps, opt, o->host, sizeof(o->host), val);
	case O_PORT:
		ps->port_set = 1;
		return opts_port(ps, opt, val, &o->port);
	case O_IPV4:
		o->family = AF_INET;
		o->family_both = 0;
		return 0;
	case O_IPV6:
		o->family = AF_INET6;
		o->family_both = 0;
		return 0;
	default:
		return opts_bad(ps, "%s: not a target option", opt);
	}
}

int
opts_apply_timing(struct pstate *ps, const struct optdef *d,
    const char *opt, char *val)
{
	struct probe_opts	*o = ps->o;
	int			 ms;

	switch (d->id) {
	case O_TIMEOUT:
		return opts_timeout(ps, opt, val, &o->timeout_ms);
	case O_STEP_TIMEOUT:
		if (opts_secs(ps, opt, val, &ms) == -1)
			return -1;
		if (ms == 0)
			return opts_bad(ps, "%s: must be above 0", opt);
		o->step_timeout_ms = ms;
		return 0;
	case O_WARN:
		return opts_secs(ps, opt, val, &o->warn_ms);
	case O_CRIT:
		return opts_secs(ps, opt, val, &o->crit_ms);
	default:
		return opts_bad(ps, "%s: not a timing option", opt);
	}
}

int
opts_apply_tls(struct pstate *ps, const struct optdef *d,
    const char *opt, char *val)
{
	struct probe_opts	*o = ps->o;
	enum tls_mode		 t;

	switch (d->id) {
	case O_STARTTLS:
	case O_IMPLICIT:
	case O_NOTLS:
		t = d->id == O_STARTTLS ? TLS_STARTTLS :
		    d->id == O_IMPLICIT ? TLS_IMPLICIT : TLS_NONE;
		if (ps->tls_set && o->tls != t)
			return opts_bad(ps, "%s: conflicts with an earlier TLS "
			    "option (STARTTLS and implicit TLS are exclusive)",
			    opt);
		o->tls = t;
		ps->tls_set = 1;
		return 0;
	case O_CAFILE:
		ps->verify_set = 1;
		o->tls_verify = 1;
		return opts_setstr(ps, opt, o->ca_file, sizeof(o->ca_file),
		    val);
	case O_SNI_NAME:
		return opts_setstr(ps, opt, o->sni, sizeof(o->sni), val);
	case O_INSECURE:
	case O_VERIFY:
		o->tls_verify = d->id == O_VERIFY;
		ps->verify_set = 1;
		return 0;
	case O_CERTDAYS:
		return opts_certdays(ps, opt, val);
	case O_CERTONLY:
		o->cert_only = 1;
		return 0;
	default:
		return opts_bad(ps, "%s: not a TLS option", opt);
	}
}

int
opts_apply_smtp(struct pstate *ps, const struct optdef *d,
    const char *opt, char *val)
{
	struct probe_opts	*o = ps->o;
	char			 buf[PROBE_STR_MAX];
	size_t			 len;

	switch (d->id) {
	case O_HELO:
		return opts_setstr(ps, opt, o->helo, sizeof(o->helo), val);
	case O_LMTP:
		o->lmtp = 1;
		return 0;
	case O_FROM:
		/* check_smtp strips the angle brackets; the engine adds them */
		if (opts_setstr(ps, opt, buf, sizeof(buf), val) == -1)
			return -1;
		len = strlen(buf);
		if (len >= 2 && buf[0] == '<' && buf[len - 1] == '>') {
			buf[len - 1] = '\0';
			memmove(buf, buf + 1, len - 1);
		}
		mm_strlcpy(o->mail_from, buf, sizeof(o->mail_from));
		return 0;
	case O_RCPT:
		if (o->nrcpt >= PROBE_MAX_RCPT)
			return opts_bad(ps, "%s: too many recipients (at most "
			    "%d)", opt, PROBE_MAX_RCPT);
		if (val[0] == '\0')
			return opts_bad(ps, "%s: empty recipient", opt);
		if (opts_setstr(ps, opt, o->rcpt_to[o->nrcpt],
		    sizeof(o->rcpt_to[0]), val) == -1)
			return -1;
		o->nrcpt++;
		return 0;
	case O_COMMAND:
		if (o->ncmd >= PROBE_MAX_CMDS)
			return opts_bad(ps, "%s: too many commands (at most "
			    "%d)", opt, PROBE_MAX_CMDS);
		if (val[0] == '\0')
			return opts_bad(ps, "%s: empty command", opt);
		if (opts_setstr(ps, opt, o->cmd[o->ncmd], sizeof(o->cmd[0]),
		    val) == -1)
			return -1;
		o->ncmd++;
		return 0;
	case O_RESPONSE:
		if (ps->nresp >= PROBE_MAX_CMDS)
			return opts_bad(ps, "%s: too many responses (at most "
			    "%d)", opt, PROBE_MAX_CMDS);
		if (opts_setstr(ps, opt, ps->resp[ps->nresp],
		    sizeof(ps->resp[0]), val) == -1)
			return -1;
		ps->nresp++;
		return 0;
	case O_RELAY_AUTH:
		o->relay_auth_check = 1;
		return 0;
	default:
		return opts_bad(ps, "%s: not an SMTP option", opt);
	}
}

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

int
opts_apply_login(struct pstate *ps, const struct optdef *d,
    const char *opt, char *val)
{
	struct probe_opts	*o = ps->o;
	enum auth_mech		 m;

	switch (d->id) {
	case O_AUTH:
	case O_AUTHTYPE:
		if ((m = auth_by_name(val, d->id == O_AUTH)) == AUTH_LAST)
			return d->id == O_AUTH ?
			    opts_bad(ps, "%s: '%s' is not one of plain, login, "
			    "auto, none", opt, val) :
			    opts_bad(ps, "%s: unsupported authentication type "
			    "'%s' (LOGIN or PLAIN)", opt, val);
		o->auth = m;
		ps->auth_set = 1;
		return 0;
	case O_USER:
		if (val[0] == '\0')
			return opts_bad(ps, "%s: empty user name", opt);
		return opts_setstr(ps, opt, o->user, sizeof(o->user), val);
	case O_PASSWORD:
		if (ps->line != NULL)
			ps->line->inline_secret = 1;
		return opts_secret(ps, opt, o->pass, sizeof(o->pass), val);
	case O_PASSWORD_FILE:
		return opts_secret_file(ps, opt, val, o->pass, sizeof(o->pass));
	case O_PLAINTEXT:
		ps->plaintext = 1;
		return 0;
	default:
		return opts_bad(ps, "%s: not a login option", opt);
	}
}

int
opts_apply_dialogue(struct pstate *ps, const struct optdef *d,
    const char *opt, char *val)
{
	struct probe_opts	*o = ps->o;
	long long		 n;
	int			 ms;

	switch (d->id) {
	case O_EXPECT:
		return opts_add_expect(ps, opt, val);
	case O_SEND:
		ps->send_set = 1;
		return opts_setstr(ps, opt, o->send, sizeof(o->send), val);
	case O_QUIT:
		ps->quit_set = 1;
		/* room for the CRLF added later, as check_tcp -q does */
		return opts_setstr(ps, opt, o->quit, sizeof(o->quit) - 2, val);
	case O_ESCAPE:
		ps->escape = 1;
		return 0;
	case O_EXPECT_ALL:
		o->expect_all = 1;
		return 0;
	case O_REFUSE:
		return opts_state(ps, opt, val, &o->refuse_status);
	case O_MISMATCH:
		return opts_state(ps, opt, val, &o->mismatch_status);
	case O_MAXBYTES:
		if (opts_int(ps, opt, val, 1, 1 << 20, &n) == -1)
			return -1;
		o->tcp_maxbytes = (int)n;
		return 0;
	case O_DELAY:
		if (opts_secs(ps, opt, val, &ms) == -1)
			return -1;
		if (ms > 3600 * 1000)
			return opts_bad(ps, "%s: at most 3600 seconds", opt);
		o->tcp_delay_ms = ms;
		ps->delay_set = ms > 0;
		return 0;
	default:
		return opts_bad(ps, "%s: not a dialogue option", opt);
	}
}

int
opts_apply_delivery(struct pstate *ps, const struct optdef *d,
    const char *opt, char *val)
{
	struct probe_mailbox	*mb = &ps->o->mbox;
	struct probe_opts	*o = ps->o;

	/* a copy of the first one's name, for "only for delivery probes" */
	if (!ps->mbox_used)
		mm_strlcpy(ps->mbox_opt, opt, sizeof(ps->mbox_opt));
	ps->mbox_used = 1;
	switch (d->id) {
	case O_MBOX_PROTO:
		if (strcasecmp(val, "imap") == 0)
			mb->proto = MODE_IMAP;
		else if (strcasecmp(val, "pop3") == 0 ||
		    strcasecmp(val, "pop") == 0)
			mb->proto = MODE_POP3;
		else
			return opts_bad(ps, "%s: '%s' is not one of imap, pop3",
			    opt, val);
		return 0;
	case O_MBOX_HOST:
		return opts_setstr(ps, opt, mb->host, sizeof(mb->host), val);
	case O_MBOX_PORT:
		return opts_port(ps, opt, val, &mb->port);
	case O_MBOX_TLS:
		return opts_tlsword(ps, opt, val, &mb->tls);
	case O_MBOX_USER:
		return opts_setstr(ps, opt, mb->user, sizeof(mb->user), val);
	case O_MBOX_PASSWORD:
		if (ps->line != NULL)
			ps->line->inline_secret = 1;
		return opts_secret(ps, opt, mb->pass, sizeof(mb->pass), val);
	case O_MBOX_PASSWORD_FILE:
		return opts_secret_file(ps, opt, val, mb->pass,
		    sizeof(mb->pass));
	case O_DELIV_WARN:
		return opts_secs(ps, opt, val, &o->delivery_warn_ms);
	case O_DELIV_CRIT:
		return opts_secs(ps, opt, val, &o->delivery_crit_ms);
	case O_DELIV_DEADLINE:
		if (opts_secs(ps, opt, val, &o->delivery_deadline_ms) == -1)
			return -1;
		if (o->delivery_deadline_ms == 0)
			return opts_bad(ps, "%s: must be above 0", opt);
		return 0;
	default:
		return opts_bad(ps, "%s: not a delivery option", opt);
	}
}

/* an option of domain and dual-stack probes only, for the message */
static void
targets_opt(struct pstate *ps, const char *opt)
{
	if (ps->targets_opt[0] == '\0')
		mm_strlcpy(ps->targets_opt, opt, sizeof(ps->targets_opt));
}

int
opts_apply_targets(struct pstate *ps, const struct optdef *d,
    const char *opt, char *val)
{
	struct probe_opts	*o = ps->o;
	char			 why[PROBE_REASON_MAX];
	long long		 n;

	switch (d->id) {
	case O_DOMAIN:
		if (val[0] == '\0')
			return opts_bad(ps, "%s: empty domain", opt);
		ps->domain_set = 1;
		return opts_setstr(ps, opt, o->host, sizeof(o->host), val);
	case O_FAMILY:
		o->family_both = 0;
		if (strcasecmp(val, "both") == 0) {
			o->family = AF_UNSPEC;
			o->family_both = 1;
		} else if (strcasecmp(val, "any") == 0)
			o->family = AF_UNSPEC;
		else if (strcasecmp(val, "ipv4") == 0 || strcmp(val, "4") == 0)
			o->family = AF_INET;
		else if (strcasecmp(val, "ipv6") == 0 || strcmp(val, "6") == 0)
			o->family = AF_INET6;
		else
			return opts_bad(ps, "%s: '%s' is not one of any, both, "
			    "ipv4, ipv6", opt, val);
		return 0;
	case O_MX_POLICY:
		targets_opt(ps, opt);
		if (strcasecmp(val, "all") == 0)
			o->mx_policy = MXP_ALL;
		else if (strcasecmp(val, "any") == 0)
			o->mx_policy = MXP_ANY;
		else
			return opts_bad(ps, "%s: '%s' is not one of all, any",
			    opt, val);
		return 0;
	case O_MAX_MX:
		targets_opt(ps, opt);
		if (opts_int(ps, opt, val, 1, PROBE_MX_MAX, &n) == -1)
			return -1;
		o->max_mx = (int)n;
		return 0;
	case O_MAX_ADDR:
		targets_opt(ps, opt);
		if (opts_int(ps, opt, val, 1, PROBE_ADDR_MAX, &n) == -1)
			return -1;
		o->max_addr = (int)n;
		return 0;
	case O_DNS_SERVER:
		if (opts_setstr(ps, opt, o->dns_server, sizeof(o->dns_server),
		    val) == -1)
			return -1;
		if (dns_servers_check(val, why, sizeof(why)) == -1)
			return opts_bad(ps, "%s: %s", opt, why);
		return 0;
	default:
		return opts_bad(ps, "%s: not a target option", opt);
	}
}

int
opts_apply_front(struct pstate *ps, const struct optdef *d,
    const char *opt, char *val)
{
	(void)val;
	switch (d->id) {
	case O_JSON:
		if (ps->cli == NULL)
			return opts_bad(ps, "%s: not allowed here", opt);
		ps->cli->json = 1;
		return 0;
	case O_VERBOSE:
		ps->o->verbose = 1;
		if (ps->cli != NULL)
			ps->cli->verbose++;
		return 0;
	case O_HELP:
	case O_VERSION:
		return 0;	/* handled by the loop */
	default:
		return opts_bad(ps, "%s: not a front-end option", opt);
	}
}

int
opts_apply_daemon(struct pstate *ps, const struct optdef *d,
    const char *opt, char *val)
{
	long long	 n;

	if (d->id == O_INTERVAL &&
	    opts_int(ps, opt, val, 1, MAX_SECONDS, &n) == 0) {
		if (ps->line != NULL)
			ps->line->interval_s = (int)n;
		return 0;
	}
	if (d->id == O_RETRIES && opts_int(ps, opt, val, 1, 100, &n) == 0) {
		if (ps->line != NULL)
			ps->line->retries = (int)n;
		return 0;
	}
	/* results kept in mailmonHistoryTable; 0 keeps none */
	if (d->id == O_HISTORY &&
	    opts_int(ps, opt, val, 0, OPTS_HISTORY_MAX, &n) == 0) {
		if (ps->line != NULL)
			ps->line->history = (int)n;
		return 0;
	}
	return -1;
}

/* the loop */

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
	int			 rc;

	eq = strchr(name, '=');
	len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	/* show the name only: a mistyped --pasword=... is still a secret */
	snprintf(opt, sizeof(opt), "--%.*s", (int)(len > 40 ? 40 : len),
	    name);
	if ((d = opts_find_long(ps, name, len)) == NULL) {
		if (ps->g == NULL && cli_only(name, len))
			return opts_bad(ps, "%s: not allowed in a probe line",
			    opt);
		return opts_bad(ps, "unknown option '%s'", opt);
	}
	if (d->id == O_HELP)
		return 2;
	if (d->id == O_VERSION)
		return 3;
	if (!d->arg) {
		if (eq != NULL)
			return opts_bad(ps, "%s: takes no value", opt);
		return d->apply(ps, d, opt, NULL) == -1 ? -1 : 0;
	}
	if (eq != NULL) {
		rc = d->apply(ps, d, opt, eq + 1);
		if (d->secret)
			opts_scrub(eq + 1);
		return rc == -1 ? -1 : 0;
	}
	if (next == NULL)
		return opts_bad(ps, "%s: missing value", opt);
	return d->apply(ps, d, opt, next) == -1 ? -1 : 1;
}

/* one argv element "-xyz"; same return values as parse_long() */
static int
parse_short(struct pstate *ps, char *arg, char *next)
{
	const struct optdef	*d;
	char			 opt[3] = "-?";
	char			*p;
	int			 rc;

	for (p = arg + 1; *p != '\0'; p++) {
		opt[1] = *p;
		if ((d = opts_find_short(ps, *p)) == NULL) {
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				opt[1] = '?';
			return opts_bad(ps, "unknown option '%s'", opt);
		}
		if (d->id == O_HELP)
			return 2;
		if (d->id == O_VERSION)
			return 3;
		if (!d->arg) {
			if (d->apply(ps, d, opt, NULL) == -1)
				return -1;
			continue;
		}
		if (p[1] != '\0') {
			rc = d->apply(ps, d, opt, p + 1);
			if (d->secret)
				opts_scrub(p + 1);
			return rc == -1 ? -1 : 0;
		}
		if (next == NULL)
			return opts_bad(ps, "%s: missing value", opt);
		return d->apply(ps, d, opt, next) == -1 ? -1 : 1;
	}
	return 0;
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
		if (len > 1 && opts_find_long(ps, p, len) != NULL)
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
static const char *const secret_names[] = { "password", "authpass",
    "mbox-password" };
#define NSECRET_NAMES	(sizeof(secret_names) / sizeof(secret_names[0]))

/* the word past its leading dashes (typographic ones too), and how many */
static const char *
past_dashes(const char *a, int *dashes)
{
	size_t	 k;

	for (*dashes = 0;; (*dashes)++) {
		if (*a == '-')
			a++;
		else if ((k = typo_dash(a)) > 0)
			a += k;
		else
			return a;
	}
}

static int
word_gives_secret(const char *a)
{
	size_t		 n;
	int		 dashes;

	a = past_dashes(a, &dashes);
	if (dashes == 0)
		return 0;
	/* a prefix is enough: --password-file lines are not quoted either */
	for (n = 0; n < NSECRET_NAMES; n++)
		if (strncmp(a, secret_names[n], strlen(secret_names[n])) == 0)
			return 1;
	/* -P, also inside a cluster such as -vP */
	return dashes == 1 && strchr(a, 'P') != NULL;
}

int
opts_argv_has_secret(int argc, char **argv)
{
	return argc > 1 && opts_words_have_secret(argc - 1, argv + 1);
}

int
opts_words_have_secret(int n, char *const *words)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (word_gives_secret(words[i]))
			return 1;
	return 0;
}

/*
 * The password argv[i] gives, if it gives one: what follows '=' in
 * --password=..., the rest of a -P cluster, or else the next word.
 * NULL when it gives none.
 */
const char *
opts_secret_value(int argc, char **argv, int i)
{
	const char	*a, *p;
	size_t		 n, len;
	int		 dashes;

	a = past_dashes(argv[i], &dashes);
	if (dashes == 0)
		return NULL;
	len = strcspn(a, "=");
	for (n = 0; n < NSECRET_NAMES; n++)
		if (len == strlen(secret_names[n]) &&
		    strncmp(a, secret_names[n], len) == 0)
			return a[len] == '=' ? a + len + 1 :
			    i + 1 < argc ? argv[i + 1] : NULL;
	if (dashes == 1 && (p = strchr(a, 'P')) != NULL)
		return p[1] != '\0' ? p + 1 : i + 1 < argc ? argv[i + 1] : NULL;
	return NULL;
}

void
opts_note_secrets(struct pstate *ps, int argc, char **argv)
{
	const char	*v;
	int		 i;

	ps->hide_quoted = opts_argv_has_secret(argc, argv);
	for (i = 1; i < argc; i++) {
		if ((v = opts_secret_value(argc, argv, i)) == NULL ||
		    v[0] == '\0')
			continue;
		if (ps->nsecret == OPTS_SECRETS_MAX ||
		    strlen(v) >= sizeof(ps->secret[0]))
			ps->secrets_overflow = 1;
		else
			mm_strlcpy(ps->secret[ps->nsecret++], v,
			    sizeof(ps->secret[0]));
	}
}

static enum opts_rc
unexpected(struct pstate *ps, char **argv, int i)
{
	if (ps->hide_quoted)
		return opts_fail(ps, "unexpected argument %d (not shown: this "
		    "command line holds a password; quote a value that "
		    "contains blanks)", i);
	return opts_fail(ps, "unexpected argument '%s'", argv[i]);
}

/* finishing */

int
opts_wants_raw(const struct pstate *ps)
{
	return ps->send_set || ps->quit_set || ps->nexpect > 1 ||
	    ps->o->expect_all || ps->delay_set;
}

const char *
opts_default_expect(enum probe_mode service)
{
	size_t	 i;

	for (i = 0; i < sizeof(raw_defaults) / sizeof(raw_defaults[0]); i++)
		if (raw_defaults[i].mode == service)
			return raw_defaults[i].expect;
	return "";
}

/*
 * Switch a POP3/IMAP/SMTP-service probe to the raw tcp machine, as
 * check_tcp runs its check_pop/check_imap names, with the service's
 * defaults.  Unlike check_tcp, a mail server is never written to before
 * it has greeted: the send string goes after the greeting (postscreen
 * and friends drop clients that talk first).
 */
void
opts_to_raw(struct pstate *ps, enum probe_mode service)
{
	struct probe_opts	*o = ps->o;
	size_t			 i;

	if (!ps->port_set && o->port == 0)
		o->port = probe_default_port(service, o->tls);
	o->mode = MODE_TCP;
	o->tcp_greet = service != MODE_TCP;
	for (i = 0; i < sizeof(raw_defaults) / sizeof(raw_defaults[0]); i++) {
		if (raw_defaults[i].mode != service)
			continue;
		/* the built-in expect is a prefix, -e strings match anywhere */
		if (ps->nexpect == 0) {
			mm_strlcpy(ps->expects[ps->nexpect++],
			    raw_defaults[i].expect, sizeof(ps->expects[0]));
			o->expect_prefix = 1;
		}
		if (!ps->quit_set)
			mm_strlcpy(o->quit, raw_defaults[i].quit,
			    sizeof(o->quit));
	}
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

/* what only the whole command line can decide */
static enum opts_rc
finish(struct pstate *ps)
{
	struct probe_opts	*o = ps->o;
	const char		*env;
	int			 i;
	enum opts_rc		 rc;

	if (o->mode == MODE_MX && ps->host_set)
		return opts_fail(ps, "%s: an mx probe takes the mail domain "
		    "with --domain", ps->g == NULL ? "--host" : "-H/--host");
	if (o->mode == MODE_MX && !ps->domain_set)
		return opts_fail(ps, "--domain: no mail domain given");
	if (o->mode != MODE_MX && ps->domain_set)
		return opts_fail(ps, "--domain: only for mx probes (the host "
		    "is --host)");
	if (ps->targets_opt[0] != '\0' && o->mode != MODE_MX &&
	    !o->family_both)
		return opts_fail(ps, "%s: only for mx probes and --family "
		    "both", ps->targets_opt);
	if (o->host[0] == '\0')
		return opts_fail(ps, "%s: no host given", ps->g == NULL ?
		    "--host" : ps->pers == PERS_MAILPROBE ? "-H/--host" :
		    "-H");
	if (ps->g != NULL && ps->g->finish != NULL) {
		if ((rc = ps->g->finish(ps)) != OPTS_OK)
			return rc;
	} else if ((o->mode == MODE_POP3 || o->mode == MODE_IMAP) &&
	    opts_wants_raw(ps))
		opts_to_raw(ps, o->mode);

	if (ps->mbox_used && o->mode != MODE_DELIVERY)
		return opts_fail(ps, "%s: only for delivery probes",
		    ps->mbox_opt);
	if (o->relay_auth_check && o->mode != MODE_RELAY)
		return opts_fail(ps,
		    "--relay-auth-check: only for relay probes");
	if (ps->nresp > o->ncmd)
		return opts_fail(ps, "-R: more responses (%d) than commands "
		    "(%d); each -R pairs with a -C", ps->nresp, o->ncmd);
	if (o->ncmd > 0 && !opts_is_smtp_mode(o->mode))
		return opts_fail(ps, "-C: commands are for SMTP probes only");
	if (o->nrcpt > 0 && !opts_is_smtp_mode(o->mode))
		return opts_fail(ps,
		    "--rcpt: recipients are for SMTP probes only");
	if ((ps->send_set || ps->quit_set) && o->mode != MODE_TCP)
		return opts_fail(ps, "%s: send and quit strings are for tcp "
		    "probes only", ps->send_set ? "--send" : "--quit");
	if (ps->nexpect > 1 && o->mode != MODE_TCP)
		return opts_fail(ps, "-e: only one expect string for a %s "
		    "probe", probe_mode_name(o->mode));
	if (o->expect_all && o->mode != MODE_TCP)
		return opts_fail(ps, "-A: --expect-all is for tcp probes only");
	if ((ps->delay_set || o->tcp_maxbytes > 0) && o->mode != MODE_TCP)
		return opts_fail(ps, "%s: for tcp, pop3 and imap probes only",
		    ps->delay_set ? "-d/--delay" : "-m/--maxbytes");
	for (i = 0; i < ps->nresp; i++)
		mm_strlcpy(o->cmd_expect[i], ps->resp[i],
		    sizeof(o->cmd_expect[0]));

	if (ps->escape) {
		if (opts_unescape(ps, "send", o->send) == -1 ||
		    (ps->quit_set && opts_unescape(ps, "quit", o->quit) == -1))
			return OPTS_ERROR;
		for (i = 0; i < ps->nexpect; i++)
			if (opts_unescape(ps, "expect", ps->expects[i]) == -1)
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
	if (opts_is_smtp_mode(o->mode) && !ps->auth_set && o->user[0] != '\0')
		o->auth = AUTH_AUTO;
	if (ps->cli != NULL && o->pass[0] == '\0' &&
	    (o->user[0] != '\0' || o->auth != AUTH_NONE) &&
	    (env = getenv("MAILPROBE_PASSWORD")) != NULL && env[0] != '\0') {
		if (strlen(env) >= sizeof(o->pass))
			return opts_fail(ps, "MAILPROBE_PASSWORD: too long");
		mm_strlcpy(o->pass, env, sizeof(o->pass));
	}
	/* nothing leaves the machine on loopback: no TLS needed to log in */
	if (ps->plaintext || (is_loopback(o->host) &&
	    (o->mode != MODE_DELIVERY || o->mbox.host[0] == '\0' ||
	    is_loopback(o->mbox.host))))
		o->auth_plaintext = 1;
	return OPTS_OK;
}

enum opts_rc
opts_run(struct pstate *ps, int argc, char **argv, int first)
{
	char	 perr[256];
	int	 i, r;

	for (i = first; i < argc; i++) {
		char	*a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

		(void)undash(ps, a);
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] == '-' && a[1] == '-')
			r = parse_long(ps, a, next);
		else if (a[0] == '-' && a[1] != '\0')
			r = parse_short(ps, a, next);
		else {
			if (ps->g != NULL && ps->g->positional != NULL &&
			    ps->g->positional(ps, a) == 0)
				continue;
			return unexpected(ps, argv, i);
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
		return unexpected(ps, argv, i);
	if (finish(ps) != OPTS_OK)
		return OPTS_ERROR;
	perr[0] = '\0';
	if (probe_opts_finish(ps->o, perr, sizeof(perr)) == -1)
		return opts_fail(ps, "%s", perr[0] != '\0' ? perr :
		    "invalid options");
	return OPTS_OK;
}

enum opts_rc
opts_parse_line(struct probe_opts *o, struct opts_line *line, int argc,
    char **argv, char *err, size_t errlen)
{
	struct pstate	*ps;
	const char	*basedir = line->basedir;
	enum opts_rc	 rc;

	memset(line, 0, sizeof(*line));
	line->basedir = basedir;
	line->history = -1;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	/* two kilobytes of strings: not on the stack of a daemon thread */
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		if (err != NULL)
			snprintf(err, errlen, "out of memory");
		return OPTS_ERROR;
	}
	ps->o = o;
	ps->line = line;
	ps->pers = PERS_CONFIG;
	ps->groups = G_MP | G_MPONLY | G_DAEMON;
	ps->err = err;
	ps->errlen = errlen;
	opts_note_secrets(ps, argc, argv);
	/* argv[0] is the mode word, already in o->mode */
	rc = opts_run(ps, argc, argv, 1);
	explicit_bzero(ps, sizeof(*ps));
	free(ps);
	return rc;
}

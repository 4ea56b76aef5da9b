/*
 * opts_cli.c - mailprobe's command lines: its own short options and the
 * personalities it takes when called as check_smtp, check_pop,
 * check_imap, check_spop, check_simap, check_ssmtp or check_tcp, with
 * those monitoring-plugins' options, defaults and service words.
 *
 * Everything here rides on the one grammar of opts.c: the rows below
 * name its option groups, and a personality only adds what the plugin
 * did differently (a bare host word, the old -to/-wt/-ct spellings,
 * check_smtp's -D and -A, check_tcp's services).  mailmond never links
 * this file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts_priv.h"
#include "util.h"

static int	apply_plugin(struct pstate *, const struct optdef *,
		    const char *, char *);

#define T	opts_apply_target
#define TM	opts_apply_timing
#define TL	opts_apply_tls
#define SM	opts_apply_smtp
#define LG	opts_apply_login
#define DG	opts_apply_dialogue
#define FR	opts_apply_front
#define PL	apply_plugin

/* first match whose groups are active wins; then opts.c's long options */
static const struct optdef cli[] = {
	/* every command line */
	{ 'H', "host", 1, O_HOST, G_COMMON, T, 0 },
	{ 'p', "port", 1, O_PORT, G_COMMON, T, 0 },
	{ '4', "ipv4", 0, O_IPV4, G_COMMON, T, 0 },
	{ '6', "ipv6", 0, O_IPV6, G_COMMON, T, 0 },
	{ 't', "timeout", 1, O_TIMEOUT, G_COMMON, TM, 0 },
	{ 'w', "warning", 1, O_WARN, G_COMMON, TM, 0 },
	{ 'c', "critical", 1, O_CRIT, G_COMMON, TM, 0 },
	{ 'e', "expect", 1, O_EXPECT, G_COMMON, DG, 0 },
	{ 'v', "verbose", 0, O_VERBOSE, G_COMMON, FR, 0 },
	{ 'h', "help", 0, O_HELP, G_COMMON, FR, 0 },
	{ 'V', "version", 0, O_VERSION, G_COMMON, FR, 0 },

	/* check_smtp */
	{ 0, "hostname", 1, O_HOST, G_SMTP | G_TCP, T, 0 },
	{ 0, "use-ipv4", 0, O_IPV4, G_SMTP | G_TCP, T, 0 },
	{ 0, "use-ipv6", 0, O_IPV6, G_SMTP | G_TCP, T, 0 },
	{ 'f', NULL, 1, O_FROM, G_SMTP, SM, 0 },
	{ 'F', "fqdn", 1, O_HELO, G_SMTP, SM, 0 },
	{ 'A', "authtype", 1, O_AUTHTYPE, G_SMTP, LG, 0 },
	{ 'U', "authuser", 1, O_USER, G_SMTP, LG, 0 },
	{ 'P', "authpass", 1, O_PASSWORD, G_SMTP, LG, 1 },
	{ 'C', NULL, 1, O_COMMAND, G_SMTP, SM, 0 },
	{ 'R', NULL, 1, O_RESPONSE, G_SMTP, SM, 0 },
	{ 'L', NULL, 0, O_LMTP, G_SMTP, SM, 0 },
	{ 's', NULL, 0, O_IMPLICIT, G_SMTP, TL, 0 },
	{ 'S', NULL, 0, O_STARTTLS, G_SMTP, TL, 0 },
	{ 'D', "certificate", 1, O_CERTDAYS, G_SMTP | G_TCP, TL, 0 },
	{ 'q', "ignore-quit-failure", 0, O_IGNORE_QUIT, G_SMTP, PL, 0 },
	{ 0, "ssl", 0, O_IMPLICIT, G_SMTP | G_TCP, TL, 0 },

	/* check_tcp */
	{ 's', NULL, 1, O_SEND, G_TCP, DG, 0 },
	{ 'q', NULL, 1, O_QUIT, G_TCP, DG, 0 },
	{ 'E', "escape", 0, O_ESCAPE, G_TCP, DG, 0 },
	{ 'A', "all", 0, O_EXPECT_ALL, G_TCP, DG, 0 },
	{ 'm', "maxbytes", 1, O_MAXBYTES, G_TCP, DG, 0 },
	{ 'd', "delay", 1, O_DELAY, G_TCP, DG, 0 },
	{ 'r', "refuse", 1, O_REFUSE, G_TCP, DG, 0 },
	{ 'M', "mismatch", 1, O_MISMATCH, G_TCP, DG, 0 },
	{ 'j', "jail", 0, O_JAIL, G_TCP, PL, 0 },
	{ 'S', NULL, 0, O_IMPLICIT, G_TCP, TL, 0 },
	{ 0, "warning-time", 1, O_WARN, G_TCP, TM, 0 },
	{ 0, "critical-time", 1, O_CRIT, G_TCP, TM, 0 },

	/* the check_* --sni is a flag: SNI is on by default here */
	{ 0, "sni", 0, O_SNI_FLAG, G_CHECK, PL, 0 },

	/* mailprobe's short options not taken from check_smtp */
	{ 'U', NULL, 1, O_USER, G_MPSHORT, LG, 0 },
	{ 'P', NULL, 1, O_PASSWORD, G_MPSHORT, LG, 1 },
};

/* what check_tcp knows about each service (plugins/check_tcp.c) */
struct service {
	const char	*argv0;
	const char	*label;
	enum probe_mode	 mode;		/* when no custom dialogue is asked */
	enum tls_mode	 tls;
	uint16_t	 port;
};

static const struct service services[PERS_LAST] = {
	[PERS_MAILPROBE] = { "mailprobe", "", MODE_SMTP, TLS_NONE, 0 },
	[PERS_CHECK_SMTP] = { "check_smtp", "SMTP", MODE_SMTP, TLS_NONE, 0 },
	[PERS_CHECK_SSMTP] = { "check_ssmtp", "SSMTP", MODE_SMTP,
	    TLS_IMPLICIT, 465 },
	[PERS_CHECK_POP] = { "check_pop", "POP", MODE_POP3, TLS_NONE, 110 },
	[PERS_CHECK_SPOP] = { "check_spop", "SPOP", MODE_POP3, TLS_IMPLICIT,
	    995 },
	[PERS_CHECK_IMAP] = { "check_imap", "IMAP", MODE_IMAP, TLS_NONE,
	    143 },
	[PERS_CHECK_SIMAP] = { "check_simap", "SIMAP", MODE_IMAP,
	    TLS_IMPLICIT, 993 },
	[PERS_CHECK_TCP] = { "check_tcp", "TCP", MODE_TCP, TLS_NONE, 0 },
	[PERS_CONFIG] = { "", "", MODE_SMTP, TLS_NONE, 0 },
};

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

/* the plugins' flags that change the output, not the probe */
static int
apply_plugin(struct pstate *ps, const struct optdef *d, const char *opt,
    char *val)
{
	(void)val;
	switch (d->id) {
	case O_SNI_FLAG:
		return 0;	/* the engine sends SNI for names anyway */
	case O_JAIL:
		ps->cli->hide_output = 1;
		return 0;
	case O_IGNORE_QUIT:
		ps->cli->ignore_quit = 1;
		return 0;
	default:
		return opts_bad(ps, "%s: not a plugin option", opt);
	}
}

/* the service word of the Nagios line: check_tcp's, or the mode's */
static void
set_label(struct pstate *ps)
{
	const char	*label = services[ps->pers].label;
	size_t		 k;

	if (label[0] == '\0')
		label = probe_mode_name(ps->o->mode);
	for (k = 0; label[k] != '\0' && k + 1 < sizeof(ps->cli->label); k++)
		ps->cli->label[k] = (char)(label[k] >= 'a' && label[k] <= 'z' ?
		    label[k] - 32 : label[k]);
	ps->cli->label[k] = '\0';
}

/* check_smtp and check_tcp take a bare host name */
static int
positional_host(struct pstate *ps, char *word)
{
	if (ps->positional_host || ps->o->host[0] != '\0')
		return -1;
	if (opts_setstr(ps, "host", ps->o->host, sizeof(ps->o->host),
	    word) == -1)
		return -1;
	ps->positional_host = 1;
	return 0;
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
	set_label(ps);
	return OPTS_OK;
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
	if (sv->mode == MODE_TCP || opts_wants_raw(ps))
		opts_to_raw(ps, sv->mode);
	else {
		o->mode = sv->mode;
		if (ps->nexpect == 0)
			mm_strlcpy(ps->expects[ps->nexpect++],
			    opts_default_expect(sv->mode),
			    sizeof(ps->expects[0]));
	}
	set_label(ps);
	if (o->mode == MODE_TCP && o->port == 0 && !ps->port_set)
		return opts_fail(ps, "-p: a port is required");
	return OPTS_OK;
}

/* mailprobe MODE: pop3/imap with a dialogue run the raw machine */
static enum opts_rc
finish_mailprobe(struct pstate *ps)
{
	if (!ps->mode_set)
		return opts_fail(ps, "no mode given (smtp, pop3, imap, tcp, "
		    "delivery, relay, mx)");
	/* the service word stays the mode's: POP3, IMAP */
	set_label(ps);
	if ((ps->o->mode == MODE_POP3 || ps->o->mode == MODE_IMAP) &&
	    opts_wants_raw(ps))
		opts_to_raw(ps, ps->o->mode);
	return OPTS_OK;
}

#define NCLI	(sizeof(cli) / sizeof(cli[0]))

static const struct grammar g_mailprobe_smtp = {
	cli, NCLI, G_MP | G_MPONLY | G_COMMON | G_MPSHORT | G_SMTP, NULL,
	finish_mailprobe
};
static const struct grammar g_mailprobe_tcp = {
	cli, NCLI, G_MP | G_MPONLY | G_COMMON | G_MPSHORT | G_TCP, NULL,
	finish_mailprobe
};
static const struct grammar g_check_smtp = {
	cli, NCLI, G_MP | G_COMMON | G_SMTP | G_CHECK, positional_host,
	finish_smtp
};
static const struct grammar g_check_tcp = {
	cli, NCLI, G_MP | G_COMMON | G_TCP | G_CHECK | G_MPSHORT,
	positional_host, finish_tcp_family
};

/* mailprobe MODE: the mode picks the short options, so find it first */
static int
mailprobe_mode(struct pstate *ps, int argc, char **argv)
{
	int	 r;

	if (argc > 1 && argv[1][0] != '-' &&
	    (unsigned char)argv[1][0] != 0xe2) {
		if (probe_mode_word(argv[1], &ps->o->mode) == -1)
			return -1;
		ps->mode_set = 1;
		return 2;
	}
	for (r = 1; r < argc; r++) {
		if (strcmp(argv[r], "--") == 0)
			break;
		if (strncmp(argv[r], "--mode=", 7) == 0 &&
		    probe_mode_word(argv[r] + 7, &ps->o->mode) == 0)
			ps->mode_set = 1;
		if (strcmp(argv[r], "--mode") == 0 && r + 1 < argc &&
		    probe_mode_word(argv[r + 1], &ps->o->mode) == 0)
			ps->mode_set = 1;
	}
	return 1;
}

enum opts_rc
opts_parse(struct probe_opts *o, struct opts_cli *cli_out,
    enum opts_personality pers, int argc, char **argv, char *err,
    size_t errlen)
{
	struct pstate	*ps;
	struct opts_line line;
	enum opts_rc	 rc;
	int		 first = 1, i;

	if (pers == PERS_CONFIG) {
		memset(&line, 0, sizeof(line));
		return opts_parse_line(o, &line, argc, argv, err, errlen);
	}
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((unsigned)pers >= PERS_LAST || cli_out == NULL) {
		if (err != NULL)
			snprintf(err, errlen, "unknown personality");
		return OPTS_ERROR;
	}
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		if (err != NULL)
			snprintf(err, errlen, "out of memory");
		return OPTS_ERROR;
	}
	memset(cli_out, 0, sizeof(*cli_out));
	ps->o = o;
	ps->cli = cli_out;
	ps->pers = pers;
	ps->err = err;
	ps->errlen = errlen;
	opts_note_secrets(ps, argc, argv);
	if (pers == PERS_MAILPROBE) {
		if ((first = mailprobe_mode(ps, argc, argv)) == -1) {
			set_label(ps);
			rc = opts_fail(ps, "unknown mode '%s' (smtp, pop3, "
			    "imap, tcp, delivery, relay, mx)", argv[1]);
			goto out;
		}
		ps->g = opts_is_smtp_mode(o->mode) ? &g_mailprobe_smtp :
		    &g_mailprobe_tcp;
	} else {
		ps->g = pers == PERS_CHECK_SMTP ? &g_check_smtp :
		    &g_check_tcp;
		/* monitoring-plugins' old spellings */
		for (i = 1; i < argc; i++)
			if (strcmp(argv[i], "-to") == 0 ||
			    strcmp(argv[i], "-wt") == 0 ||
			    strcmp(argv[i], "-ct") == 0)
				argv[i][2] = '\0';
	}
	ps->groups = ps->g->groups;
	/* known before any error, for the UNKNOWN line */
	set_label(ps);
	rc = opts_run(ps, argc, argv, first);
out:
	explicit_bzero(ps, sizeof(*ps));
	free(ps);
	return rc;
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

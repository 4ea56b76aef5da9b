/*
 * test_opts.c - the option parser: every personality, the command
 * lines of the Nagios book, each error path, password scrubbing.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "opts.h"
#include "probe_opts.h"

#define MAXARGS	48

/* a writable argv, as the kernel gives one */
struct args {
	int	 argc;
	char	*argv[MAXARGS + 1];
};

static void
args_free(struct args *a)
{
	int	 i;

	for (i = 0; i < a->argc; i++)
		free(a->argv[i]);
	a->argc = 0;
}

static void
args_vset(struct args *a, const char *argv0, va_list ap)
{
	const char	*s;

	a->argc = 0;
	a->argv[a->argc++] = strdup(argv0);
	while ((s = va_arg(ap, const char *)) != NULL) {
		assert_true(a->argc < MAXARGS);
		a->argv[a->argc++] = strdup(s);
	}
	a->argv[a->argc] = NULL;
}

struct parsed {
	struct probe_opts	 o;
	struct opts_cli		 cli;
	char			 err[256];
	enum opts_rc		 rc;
};

/* parse a NULL-terminated list of words for a personality */
static enum opts_rc
parse(struct parsed *p, enum opts_personality pers, const char *argv0, ...)
{
	struct args	 a;
	va_list		 ap;

	va_start(ap, argv0);
	args_vset(&a, argv0, ap);
	va_end(ap);
	probe_opts_init(&p->o);
	memset(&p->cli, 0xa5, sizeof(p->cli));
	memset(p->err, 0, sizeof(p->err));
	p->rc = opts_parse(&p->o, &p->cli, pers, a.argc, a.argv, p->err,
	    sizeof(p->err));
	args_free(&a);
	return p->rc;
}

#define MP(p, ...)	parse(p, PERS_MAILPROBE, "mailprobe", __VA_ARGS__, NULL)
#define SMTP(p, ...)	parse(p, PERS_CHECK_SMTP, "check_smtp", __VA_ARGS__, NULL)

static void
expect_error(struct parsed *p, const char *msg)
{
	if (p->rc != OPTS_ERROR)
		fail_msg("parse succeeded, wanted error \"%s\"", msg);
	if (strcmp(p->err, msg) != 0)
		fail_msg("error \"%s\", wanted \"%s\"", p->err, msg);
}

static void
expect_error_prefix(struct parsed *p, const char *prefix)
{
	if (p->rc != OPTS_ERROR)
		fail_msg("parse succeeded, wanted error \"%s...\"", prefix);
	if (strncmp(p->err, prefix, strlen(prefix)) != 0)
		fail_msg("error \"%s\", wanted \"%s...\"", p->err, prefix);
}

static void
expect_ok(struct parsed *p)
{
	if (p->rc != OPTS_OK)
		fail_msg("rc %d, error \"%s\"", p->rc, p->err);
}

static void
test_personality_names(void **state)
{
	(void)state;
	assert_int_equal(opts_personality_from_name("mailprobe"),
	    PERS_MAILPROBE);
	assert_int_equal(opts_personality_from_name("/usr/bin/mailprobe"),
	    PERS_MAILPROBE);
	assert_int_equal(opts_personality_from_name(
	    "/usr/libexec/mailmon/check_smtp"), PERS_CHECK_SMTP);
	assert_int_equal(opts_personality_from_name("lt-check_smtp"),
	    PERS_CHECK_SMTP);
	assert_int_equal(opts_personality_from_name("check_ssmtp"),
	    PERS_CHECK_SSMTP);
	assert_int_equal(opts_personality_from_name("check_pop"),
	    PERS_CHECK_POP);
	assert_int_equal(opts_personality_from_name("check_spop"),
	    PERS_CHECK_SPOP);
	assert_int_equal(opts_personality_from_name("check_imap"),
	    PERS_CHECK_IMAP);
	assert_int_equal(opts_personality_from_name("check_simap"),
	    PERS_CHECK_SIMAP);
	assert_int_equal(opts_personality_from_name("check_tcp"),
	    PERS_CHECK_TCP);
	assert_int_equal(opts_personality_from_name("check_http"),
	    PERS_MAILPROBE);
	assert_int_equal(opts_personality_from_name(NULL), PERS_MAILPROBE);
}

static void
test_mailprobe_modes(void **state)
{
	struct parsed	 p;

	(void)state;
	MP(&p, "smtp", "-H", "mx.example.org");
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_SMTP);
	assert_string_equal(p.o.host, "mx.example.org");
	assert_int_equal(p.o.port, 25);
	assert_int_equal(p.o.tls, TLS_NONE);
	assert_int_equal(p.o.tls_verify, 1);
	assert_string_equal(p.cli.label, "SMTP");
	assert_int_equal(p.cli.json, 0);
	assert_int_equal(p.cli.verbose, 0);

	MP(&p, "pop", "--host", "pop.example.org", "--tls");
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_POP3);
	assert_int_equal(p.o.port, 995);
	assert_int_equal(p.o.tls, TLS_IMPLICIT);
	assert_string_equal(p.cli.label, "POP3");

	MP(&p, "imap", "--host=imap.example.org", "--starttls", "--json",
	    "-v", "-v");
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_IMAP);
	assert_int_equal(p.o.port, 143);
	assert_int_equal(p.o.tls, TLS_STARTTLS);
	assert_int_equal(p.cli.json, 1);
	assert_int_equal(p.cli.verbose, 2);
	assert_int_equal(p.o.verbose, 1);

	/* the mode may also come as --mode, anywhere */
	MP(&p, "-H", "h.example", "--mode", "tcp", "-p", "7");
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_TCP);
	assert_int_equal(p.o.port, 7);

	MP(&p, "relay", "-H", "mx.example.org", "--from", "<a@b.example>",
	    "--rcpt", "x@elsewhere.example");
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_RELAY);
	assert_string_equal(p.o.mail_from, "a@b.example");
	assert_int_equal(p.o.nrcpt, 1);

	MP(&p, "smtp", "-H", "h", "-4");
	expect_ok(&p);
	assert_int_equal(p.o.family, AF_INET);
	MP(&p, "smtp", "-H", "h", "--ipv6");
	expect_ok(&p);
	assert_int_equal(p.o.family, AF_INET6);
}

static void
test_mailprobe_long_options(void **state)
{
	struct parsed	 p;

	(void)state;
	MP(&p, "smtp", "--host", "mx.example.org", "--port", "587",
	    "--starttls", "--timeout", "7.5", "--step-timeout", "2",
	    "--warning", "1.5", "--critical", "3", "--ca-file", "/etc/ca.pem",
	    "--sni", "mail.example.org", "--cert-days", "21,7", "--helo",
	    "probe.example.org", "--from", "p@example.org", "--rcpt",
	    "a@example.org", "--rcpt", "b@example.org", "--auth", "plain",
	    "--user", "mon", "--password", "pw1234", "--name", "mx1",
	    "--command", "NOOP", "--response", "^250", "-e", "220");
	expect_ok(&p);
	assert_int_equal(p.o.port, 587);
	assert_int_equal(p.o.tls, TLS_STARTTLS);
	assert_int_equal(p.o.timeout_ms, 7500);
	assert_int_equal(p.o.step_timeout_ms, 2000);
	assert_int_equal(p.o.warn_ms, 1500);
	assert_int_equal(p.o.crit_ms, 3000);
	assert_string_equal(p.o.ca_file, "/etc/ca.pem");
	assert_string_equal(p.o.sni, "mail.example.org");
	assert_int_equal(p.o.cert_warn_days, 21);
	assert_int_equal(p.o.cert_crit_days, 7);
	assert_int_equal(p.o.cert_only, 0);
	assert_string_equal(p.o.helo, "probe.example.org");
	assert_int_equal(p.o.nrcpt, 2);
	assert_string_equal(p.o.rcpt_to[1], "b@example.org");
	assert_int_equal(p.o.auth, AUTH_PLAIN);
	assert_string_equal(p.o.user, "mon");
	assert_string_equal(p.o.pass, "pw1234");
	assert_string_equal(p.o.name, "mx1");
	assert_int_equal(p.o.ncmd, 1);
	assert_string_equal(p.o.cmd[0], "NOOP");
	assert_string_equal(p.o.cmd_expect[0], "^250");
	assert_string_equal(p.o.expect, "220");
	/* a real host: no plaintext login allowance */
	assert_int_equal(p.o.auth_plaintext, 0);

	/* a user alone means AUTH with the best mechanism */
	MP(&p, "smtp", "-H", "h.example", "--tls", "--user", "u", "-P",
	    "pw1234");
	expect_ok(&p);
	assert_int_equal(p.o.auth, AUTH_AUTO);
	assert_int_equal(p.o.port, 465);

	MP(&p, "smtp", "-H", "h.example", "--tls", "--insecure", "--lmtp",
	    "--cert-only", "-p", "24");
	expect_ok(&p);
	assert_int_equal(p.o.tls_verify, 0);
	assert_int_equal(p.o.lmtp, 1);
	assert_int_equal(p.o.cert_only, 1);

	MP(&p, "relay", "-H", "h.example", "--tls", "--user", "u",
	    "--password", "pw1234", "--auth", "login", "--relay-auth-check");
	expect_ok(&p);
	assert_int_equal(p.o.relay_auth_check, 1);
	assert_int_equal(p.o.auth, AUTH_LOGIN);
}

static void
test_delivery_options(void **state)
{
	struct parsed	 p;

	(void)state;
	MP(&p, "delivery", "-H", "mx.example.org", "--from", "p@example.org",
	    "--rcpt", "box@example.org", "--mbox-proto", "pop3",
	    "--mbox-host", "pop.example.org", "--mbox-tls", "tls",
	    "--mbox-user", "box", "--mbox-password", "boxpw1",
	    "--delivery-warning", "20", "--delivery-critical", "40",
	    "--delivery-deadline", "90");
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_DELIVERY);
	assert_int_equal(p.o.mbox.proto, MODE_POP3);
	assert_string_equal(p.o.mbox.host, "pop.example.org");
	assert_int_equal(p.o.mbox.tls, TLS_IMPLICIT);
	assert_int_equal(p.o.mbox.port, 995);
	assert_string_equal(p.o.mbox.user, "box");
	assert_string_equal(p.o.mbox.pass, "boxpw1");
	assert_int_equal(p.o.delivery_warn_ms, 20000);
	assert_int_equal(p.o.delivery_crit_ms, 40000);
	assert_int_equal(p.o.delivery_deadline_ms, 90000);

	MP(&p, "delivery", "-H", "h", "--rcpt", "box@h", "--mbox-port", "1993",
	    "--mbox-proto", "imap", "--mbox-tls", "starttls", "--mbox-user",
	    "box", "--mbox-password", "boxpw1");
	expect_ok(&p);
	assert_int_equal(p.o.mbox.port, 1993);
	assert_int_equal(p.o.mbox.proto, MODE_IMAP);

	MP(&p, "smtp", "-H", "h", "--mbox-host", "x");
	expect_error(&p, "--mbox-host: only for delivery probes");

	/* a delivery probe that could not run is refused when parsed */
	MP(&p, "delivery", "-H", "h", "--mbox-user", "box", "--mbox-password",
	    "boxpw1", "--mbox-tls", "tls");
	expect_error(&p, "a delivery probe needs a recipient (--rcpt)");
	MP(&p, "delivery", "-H", "h", "--rcpt", "box@h");
	expect_error(&p, "a delivery probe needs a mailbox user and password");
	MP(&p, "delivery", "-H", "h", "--mbox-proto", "smtp");
	expect_error(&p, "--mbox-proto: 'smtp' is not one of imap, pop3");
	MP(&p, "delivery", "-H", "h", "--mbox-tls", "maybe");
	expect_error(&p, "--mbox-tls: 'maybe' is not one of none, starttls, "
	    "tls");
	MP(&p, "delivery", "-H", "h", "--delivery-warning", "50",
	    "--delivery-critical", "40");
	expect_error(&p, "--delivery-warning is greater than "
	    "--delivery-critical");
	MP(&p, "smtp", "-H", "h", "--relay-auth-check");
	expect_error(&p, "--relay-auth-check: only for relay probes");
}

/* the command lines of the usual Nagios command definitions */
static void
test_nagios_book(void **state)
{
	struct parsed	 p;

	(void)state;
	SMTP(&p, "-H", "192.0.2.25", "-p", "25", "-w", "5", "-c", "10");
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_SMTP);
	assert_string_equal(p.o.host, "192.0.2.25");
	assert_int_equal(p.o.port, 25);
	assert_int_equal(p.o.warn_ms, 5000);
	assert_int_equal(p.o.crit_ms, 10000);
	assert_string_equal(p.o.expect, "220");
	assert_int_equal(p.o.tls, TLS_NONE);
	assert_string_equal(p.cli.label, "SMTP");

	parse(&p, PERS_CHECK_POP, "check_pop", "-H", "pop.example.org", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_POP3);
	assert_int_equal(p.o.port, 110);
	assert_string_equal(p.o.expect, "+OK");
	assert_int_equal(p.o.tls, TLS_NONE);
	assert_string_equal(p.cli.label, "POP");

	parse(&p, PERS_CHECK_IMAP, "check_imap", "-H", "imap.example.org",
	    "-p", "143", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_IMAP);
	assert_int_equal(p.o.port, 143);
	assert_string_equal(p.o.expect, "* OK");
	assert_string_equal(p.cli.label, "IMAP");

	SMTP(&p, "-H", "mx.example.org", "-S", "-D", "30,14");
	expect_ok(&p);
	assert_int_equal(p.o.tls, TLS_STARTTLS);
	assert_int_equal(p.o.cert_warn_days, 30);
	assert_int_equal(p.o.cert_crit_days, 14);
	assert_int_equal(p.o.cert_only, 1);
	/* unlike check_smtp, the chain and host name are verified too */
	assert_int_equal(p.o.tls_verify, 1);

	/* -D alone still checks: over STARTTLS */
	SMTP(&p, "-H", "mx.example.org", "-D", "30");
	expect_ok(&p);
	assert_int_equal(p.o.tls, TLS_STARTTLS);
	assert_int_equal(p.o.cert_warn_days, 30);
	assert_int_equal(p.o.cert_crit_days, 0);

	/* -s: smtps, default port 465 */
	SMTP(&p, "-H", "mx.example.org", "-s", "--verify");
	expect_ok(&p);
	assert_int_equal(p.o.tls, TLS_IMPLICIT);
	assert_int_equal(p.o.port, 465);
	assert_int_equal(p.o.tls_verify, 1);
}

static void
test_check_smtp_options(void **state)
{
	struct parsed	 p;

	(void)state;
	SMTP(&p, "-H", "mx.example.org", "-e", "ESMTP", "-f", "<mon@x.example>",
	    "-F", "probe.example", "-C", "NOOP", "-R", "^250", "-C", "RSET",
	    "-C", "VRFY x", "-R", "^25[02]", "-L", "-q", "--sni", "-4", "-t",
	    "20", "-v");
	expect_ok(&p);
	assert_string_equal(p.o.expect, "ESMTP");
	assert_string_equal(p.o.mail_from, "mon@x.example");
	assert_string_equal(p.o.helo, "probe.example");
	assert_int_equal(p.o.ncmd, 3);
	assert_string_equal(p.o.cmd[1], "RSET");
	/* -R pair with -C in order */
	assert_string_equal(p.o.cmd_expect[0], "^250");
	assert_string_equal(p.o.cmd_expect[1], "^25[02]");
	assert_string_equal(p.o.cmd_expect[2], "");
	assert_int_equal(p.o.lmtp, 1);
	assert_int_equal(p.cli.ignore_quit, 1);
	assert_int_equal(p.o.family, AF_INET);
	assert_int_equal(p.o.timeout_ms, 20000);
	assert_int_equal(p.cli.verbose, 1);

	/* -A LOGIN: check_smtp logged in without TLS when told to */
	SMTP(&p, "-H", "mx.example.org", "-A", "LOGIN", "-U", "mon", "-P",
	    "pw1234");
	expect_ok(&p);
	assert_int_equal(p.o.auth, AUTH_LOGIN);
	assert_int_equal(p.o.auth_plaintext, 1);
	assert_string_equal(p.o.user, "mon");
	SMTP(&p, "-H", "mx.example.org", "-S", "-A", "plain", "-U", "mon",
	    "-P", "pw1234");
	expect_ok(&p);
	assert_int_equal(p.o.auth, AUTH_PLAIN);

	/* -U/-P without -A: check_smtp did not log in, neither do we */
	SMTP(&p, "-H", "mx.example.org", "-U", "mon", "-P", "pw1234");
	expect_ok(&p);
	assert_int_equal(p.o.auth, AUTH_NONE);
	assert_string_equal(p.o.pass, "");

	/* a bare host name and the old -wt/-ct/-to spellings */
	SMTP(&p, "mx.example.org", "-wt", "2", "-ct", "4", "-to", "8");
	expect_ok(&p);
	assert_string_equal(p.o.host, "mx.example.org");
	assert_int_equal(p.o.warn_ms, 2000);
	assert_int_equal(p.o.crit_ms, 4000);
	assert_int_equal(p.o.timeout_ms, 8000);

	/* --hostname=, -t N:STATE */
	SMTP(&p, "--hostname=mx.example.org", "-t", "15:CRITICAL",
	    "--use-ipv6");
	expect_ok(&p);
	assert_int_equal(p.o.timeout_ms, 15000);
	assert_int_equal(p.o.family, AF_INET6);

	SMTP(&p, "-H", "h", "-A", "CRAM-MD5", "-U", "u", "-P", "p");
	expect_error(&p, "-A: unsupported authentication type 'CRAM-MD5' "
	    "(LOGIN or PLAIN)");
	SMTP(&p, "-H", "h", "-s", "-S");
	expect_error_prefix(&p, "-S: conflicts with an earlier TLS option");
	SMTP(&p, "-H", "h", "-t", "10:UNKNOWN");
	expect_error(&p, "-t: a timeout is always CRITICAL here, not "
	    "'UNKNOWN'");
	SMTP(&p, "-H", "h", "-t", "10:sometimes");
	expect_error(&p, "-t: 'sometimes' is not one of ok, warn, crit");
	SMTP(&p, "-H", "h", "-t", "0");
	expect_error(&p, "-t: the timeout must be above 0");
	SMTP(&p, "-H", "h", "-D", "7,30");
	expect_error(&p, "certificate critical days 30 are more than warning days 7");
	SMTP(&p, "-H", "h", "-D", "x");
	expect_error(&p, "-D: invalid days 'x' (WARN[,CRIT], 0..36500)");
	SMTP(&p, "-H", "h", "-r");
	expect_error(&p, "unknown option '-r'");
	SMTP(&p, "-H", "h", "-C", "NOOP", "-R", "(unclosed");
	expect_error(&p, "bad regular expression for command 1");
	/* repetitions that make regcomp() take exponential time */
	SMTP(&p, "-H", "h", "-C", "NOOP", "-R", "a+++++++++++++++++++++++++++++"
	    "+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++");
	expect_error(&p, "regular expression for command 1 repeats too much");
	SMTP(&p, "-H", "h", "-C", "NOOP", "-R", "((a{100}){100}){100}");
	expect_error(&p, "regular expression for command 1 repeats too much");
	SMTP(&p, "-H", "h", "-C", "NOOP", "-R", "(a{1,99999999999999999999})");
	expect_error(&p, "regular expression for command 1 repeats too much");
	SMTP(&p, "-H", "h", "-C", "NOOP", "-R", "o*+*+*+*+*+*+*+*+*+*+h");
	expect_error(&p, "regular expression for command 1 repeats too much");
	SMTP(&p, "-H", "h", "-C", "NOOP", "-R", "((((((((((((((o+)+)+)+)+)+)+)+)+)+)+)+)+)+)");
	expect_error(&p, "regular expression for command 1 repeats too much");
	/* what real expectations look like still compiles */
	SMTP(&p, "-H", "h", "-C", "NOOP", "-R", "^25[0-9]+ [0-9]{1,3}\\.[0-9]+"
	    " ok [+*]+ \\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+ (x+)+ .*");
	expect_ok(&p);
	SMTP(&p, "-H", "h", "two", "-p", "25");
	expect_error(&p, "unexpected argument 'two'");
}

static void
test_warn_crit_order(void **state)
{
	struct parsed	 p;

	(void)state;
	/* -w is the warning time, -c the critical time, never swapped */
	SMTP(&p, "-H", "h", "-w", "3", "-c", "5");
	expect_ok(&p);
	assert_int_equal(p.o.warn_ms, 3000);
	assert_int_equal(p.o.crit_ms, 5000);
	SMTP(&p, "-H", "h", "-c", "5", "-w", "3");
	expect_ok(&p);
	assert_int_equal(p.o.warn_ms, 3000);
	assert_int_equal(p.o.crit_ms, 5000);

	SMTP(&p, "-H", "h", "-w", "5", "-c", "3");
	expect_error(&p, "warning time 5 s is greater than critical time 3 s");
	SMTP(&p, "-H", "h", "-c", "3", "-w", "5");
	expect_error(&p, "warning time 5 s is greater than critical time 3 s");
	MP(&p, "smtp", "-H", "h", "--warning", "2.5", "--critical", "0.75");
	expect_error(&p,
	    "warning time 2.5 s is greater than critical time 0.75 s");
	/* equal is fine */
	SMTP(&p, "-H", "h", "-w", "4", "-c", "4");
	expect_ok(&p);

	/* decimals, rounded to the millisecond */
	SMTP(&p, "-H", "h", "-w", "0.25", "-c", "1.2345");
	expect_ok(&p);
	assert_int_equal(p.o.warn_ms, 250);
	assert_int_equal(p.o.crit_ms, 1235);
	SMTP(&p, "-H", "h", "-w", ".5", "-c", "2.");
	expect_ok(&p);
	assert_int_equal(p.o.warn_ms, 500);
	assert_int_equal(p.o.crit_ms, 2000);
}

static void
test_bad_numbers(void **state)
{
	static const char *bad[] = {
		"abc", "", "1e3", "inf", "nan", "-1", "1,5", "0x10", "5s",
		".", "1.2.3", " 5"
	};
	struct parsed	 p;
	char		 want[128];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		SMTP(&p, "-H", "h", "-w", bad[i]);
		snprintf(want, sizeof(want), "-w: invalid number '%s'", bad[i]);
		expect_error(&p, want);
	}
	SMTP(&p, "-H", "h", "-c", "abc");
	expect_error(&p, "-c: invalid number 'abc'");
	MP(&p, "smtp", "-H", "h", "--timeout", "soon");
	expect_error(&p, "--timeout: invalid number 'soon'");
	SMTP(&p, "-H", "h", "-c", "86401");
	expect_error(&p, "-c: '86401' is out of range (0..86400 seconds)");
	SMTP(&p, "-H", "h", "-c", "99999999999999999999");
	expect_error_prefix(&p, "-c: '99999999999999999999' is out of range");

	SMTP(&p, "-H", "h", "-p", "0");
	expect_error(&p, "-p: invalid port '0' (1..65535)");
	SMTP(&p, "-H", "h", "-p", "65536");
	expect_error(&p, "-p: invalid port '65536' (1..65535)");
	SMTP(&p, "-H", "h", "-p", "smtp");
	expect_error(&p, "-p: invalid port 'smtp' (1..65535)");
	MP(&p, "smtp", "-H", "h", "--port=-25");
	expect_error(&p, "--port: invalid port '-25' (1..65535)");
	SMTP(&p, "-H", "h", "-p", "65535");
	expect_ok(&p);
	assert_int_equal(p.o.port, 65535);
}

static void
test_errors(void **state)
{
	struct parsed	 p;
	int		 i;
	struct args	 a;
	char		 num[32];

	(void)state;
	SMTP(&p, "-p", "25");
	expect_error(&p, "-H: no host given");
	MP(&p, "smtp", "-p", "25");
	expect_error(&p, "-H/--host: no host given");
	MP(&p, "-H", "h");
	expect_error(&p, "no mode given (smtp, pop3, imap, tcp, delivery, "
	    "relay, mx)");
	MP(&p, "ftp", "-H", "h");
	expect_error(&p, "unknown mode 'ftp' (smtp, pop3, imap, tcp, "
	    "delivery, relay, mx)");
	MP(&p, "smtp", "-H", "h", "extra");
	expect_error(&p, "unexpected argument 'extra'");
	MP(&p, "smtp", "-H", "h", "--", "extra");
	expect_error(&p, "unexpected argument 'extra'");
	MP(&p, "smtp", "-H", "h", "--bogus");
	expect_error(&p, "unknown option '--bogus'");
	MP(&p, "smtp", "-H", "h", "-Z");
	expect_error(&p, "unknown option '-Z'");
	MP(&p, "smtp", "-H");
	expect_error(&p, "-H: missing value");
	MP(&p, "smtp", "--host");
	expect_error(&p, "--host: missing value");
	MP(&p, "smtp", "-H", "h", "--json=yes");
	expect_error(&p, "--json: takes no value");
	MP(&p, "smtp", "-H", "");
	expect_error(&p, "-H: empty host name");
	MP(&p, "smtp", "-H", "h", "--auth", "cram");
	expect_error(&p, "--auth: 'cram' is not one of plain, login, auto, "
	    "none");
	MP(&p, "smtp", "-H", "h", "--starttls", "--tls");
	expect_error_prefix(&p, "--tls: conflicts with an earlier TLS option");
	MP(&p, "smtp", "-H", "h", "--step-timeout", "0");
	expect_error(&p, "--step-timeout: must be above 0");

	/* a value longer than its field */
	{
		char	 longv[PROBE_HOST_MAX + 10];

		memset(longv, 'a', sizeof(longv) - 1);
		longv[sizeof(longv) - 1] = '\0';
		MP(&p, "smtp", "-H", longv);
		expect_error(&p, "-H: value too long (at most 255 characters)");
	}

	/* -C beyond PROBE_MAX_CMDS */
	a.argc = 0;
	a.argv[a.argc++] = strdup("check_smtp");
	a.argv[a.argc++] = strdup("-H");
	a.argv[a.argc++] = strdup("h");
	for (i = 0; i <= PROBE_MAX_CMDS; i++) {
		a.argv[a.argc++] = strdup("-C");
		snprintf(num, sizeof(num), "NOOP %d", i);
		a.argv[a.argc++] = strdup(num);
	}
	a.argv[a.argc] = NULL;
	probe_opts_init(&p.o);
	p.rc = opts_parse(&p.o, &p.cli, PERS_CHECK_SMTP, a.argc, a.argv, p.err,
	    sizeof(p.err));
	args_free(&a);
	expect_error(&p, "-C: too many commands (at most 8)");

	/* --rcpt beyond PROBE_MAX_RCPT */
	a.argc = 0;
	a.argv[a.argc++] = strdup("mailprobe");
	a.argv[a.argc++] = strdup("smtp");
	a.argv[a.argc++] = strdup("-H");
	a.argv[a.argc++] = strdup("h");
	for (i = 0; i <= PROBE_MAX_RCPT; i++) {
		a.argv[a.argc++] = strdup("--rcpt");
		snprintf(num, sizeof(num), "u%d@x", i);
		a.argv[a.argc++] = strdup(num);
	}
	a.argv[a.argc] = NULL;
	probe_opts_init(&p.o);
	p.rc = opts_parse(&p.o, &p.cli, PERS_MAILPROBE, a.argc, a.argv, p.err,
	    sizeof(p.err));
	args_free(&a);
	expect_error(&p, "--rcpt: too many recipients (at most 8)");

	/* -R without -C, more -R than -C */
	SMTP(&p, "-H", "h", "-R", "^250");
	expect_error(&p, "-R: more responses (1) than commands (0); each -R "
	    "pairs with a -C");
	SMTP(&p, "-H", "h", "-C", "NOOP", "-R", "^250", "-R", "^251");
	expect_error(&p, "-R: more responses (2) than commands (1); each -R "
	    "pairs with a -C");

	/* mode-specific options in the wrong mode */
	MP(&p, "imap", "-H", "h", "--command", "NOOP");
	expect_error(&p, "-C: commands are for SMTP probes only");
	MP(&p, "pop", "-H", "h", "--rcpt", "a@b");
	expect_error(&p, "--rcpt: recipients are for SMTP probes only");
	MP(&p, "smtp", "-H", "h", "--send", "x");
	expect_error(&p, "--send: send and quit strings are for tcp probes "
	    "only");
	MP(&p, "tcp", "-H", "h", "-p", "7", "--starttls");
	expect_error(&p, "no STARTTLS for tcp probes");
	MP(&p, "smtp", "-H", "h", "--cert-days", "10");
	expect_error(&p, "certificate checks need TLS");
	/* a password over the network without TLS */
	MP(&p, "imap", "-H", "imap.example.org", "--user", "u", "--password",
	    "pw1234");
	expect_error_prefix(&p, "refusing to send a password without TLS");
	MP(&p, "imap", "-H", "imap.example.org", "--user", "u", "--password",
	    "pw1234", "--allow-plaintext");
	expect_ok(&p);

	/* help and version win */
	assert_int_equal(MP(&p, "smtp", "-h"), OPTS_HELP);
	assert_int_equal(MP(&p, "--help"), OPTS_HELP);
	assert_int_equal(SMTP(&p, "-V"), OPTS_VERSION);
	assert_int_equal(parse(&p, PERS_CHECK_TCP, "check_tcp", "--version",
	    NULL), OPTS_VERSION);
	assert_non_null(strstr(opts_usage(PERS_MAILPROBE), "--json"));
	assert_non_null(strstr(opts_usage(PERS_CHECK_SMTP), "check_smtp"));
	assert_non_null(strstr(opts_usage(PERS_CHECK_POP), "check_pop"));
}

static void
test_tcp_family(void **state)
{
	struct parsed	 p;

	(void)state;
	parse(&p, PERS_CHECK_SPOP, "check_spop", "-H", "h", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_POP3);
	assert_int_equal(p.o.tls, TLS_IMPLICIT);
	assert_int_equal(p.o.port, 995);
	assert_string_equal(p.cli.label, "SPOP");

	parse(&p, PERS_CHECK_SIMAP, "check_simap", "-H", "h", "-D", "20,5",
	    NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_IMAP);
	assert_int_equal(p.o.tls, TLS_IMPLICIT);
	assert_int_equal(p.o.port, 993);
	assert_int_equal(p.o.cert_warn_days, 20);
	assert_int_equal(p.o.cert_only, 0);

	parse(&p, PERS_CHECK_SSMTP, "check_ssmtp", "-H", "h", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_SMTP);
	assert_int_equal(p.o.tls, TLS_IMPLICIT);
	assert_int_equal(p.o.port, 465);
	assert_string_equal(p.o.expect, "220");

	/* check_pop with the new long options: STLS and a login */
	parse(&p, PERS_CHECK_POP, "check_pop", "-H", "h", "--starttls",
	    "--user", "u", "-P", "pw1234", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_POP3);
	assert_int_equal(p.o.tls, TLS_STARTTLS);
	assert_string_equal(p.o.user, "u");
	assert_string_equal(p.o.pass, "pw1234");

	/* a custom dialogue falls back to the raw tcp machine */
	parse(&p, PERS_CHECK_POP, "check_pop", "-H", "h", "-s", "CAPA\\r\\n",
	    "-E", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_TCP);
	assert_int_equal(p.o.port, 110);
	assert_string_equal(p.o.send, "CAPA\r\n");
	assert_string_equal(p.o.expect, "+OK");
	assert_string_equal(p.o.quit, "QUIT\r\n");
	assert_string_equal(p.cli.label, "POP");

	parse(&p, PERS_CHECK_IMAP, "check_imap", "-H", "h", "-q", "a1 LOGOUT",
	    NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_TCP);
	assert_string_equal(p.o.quit, "a1 LOGOUT\r\n");
	assert_string_equal(p.o.expect, "* OK");

	/* check_tcp: several expects, -A, states, -j, -m, -d accepted */
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-e",
	    "one", "-e", "two", "-e", "three", "-A", "-r", "ok", "-M", "crit",
	    "-j", "-m", "100", "-d", "1", "--sni", "-S", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_TCP);
	assert_int_equal(p.o.port, 7);
	assert_string_equal(p.o.expect, "one");
	assert_int_equal(p.o.ncmd, 2);
	assert_string_equal(p.o.cmd[0], "");
	assert_string_equal(p.o.cmd_expect[0], "two");
	assert_string_equal(p.o.cmd_expect[1], "three");
	assert_int_equal(p.o.expect_all, 1);
	assert_int_equal(p.o.refuse_status, STATUS_OK);
	assert_int_equal(p.o.mismatch_status, STATUS_CRITICAL);
	assert_int_equal(p.o.tls, TLS_IMPLICIT);
	assert_int_equal(p.cli.hide_output, 1);
	assert_string_equal(p.cli.label, "TCP");
	assert_string_equal(p.o.quit, "");

	/* check_tcp -D turns TLS on */
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "443", "-D",
	    "10", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.tls, TLS_IMPLICIT);

	/* bare host name as first argument */
	parse(&p, PERS_CHECK_TCP, "check_tcp", "h.example", "-p", "25", NULL);
	expect_ok(&p);
	assert_string_equal(p.o.host, "h.example");

	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", NULL);
	expect_error(&p, "-p: a port is required");
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-r",
	    "maybe", NULL);
	expect_error(&p, "-r: 'maybe' is not one of ok, warn, crit");
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-M",
	    "", NULL);
	expect_error(&p, "-M: '' is not one of ok, warn, crit");
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-m",
	    "0", NULL);
	expect_error(&p, "-m: invalid value '0' (1..1048576)");
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-d",
	    "x", NULL);
	expect_error(&p, "-d: invalid number 'x'");
	/* check_tcp has no -C, -f, -L */
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-L",
	    NULL);
	expect_error(&p, "unknown option '-L'");
	parse(&p, PERS_CHECK_IMAP, "check_imap", "-H", "h", "-e", "a", "-e",
	    "b", "--starttls", NULL);
	expect_error(&p, "no STARTTLS for tcp probes");

	/* mailprobe tcp takes check_tcp's short options */
	MP(&p, "tcp", "-H", "h", "-p", "7", "-t", "3", "-e", "HELLO", "-M",
	    "warn", "-r", "ok", "-s", "hi", "-q", "bye");
	expect_ok(&p);
	assert_string_equal(p.o.expect, "HELLO");
	assert_int_equal(p.o.mismatch_status, STATUS_WARNING);
	assert_int_equal(p.o.refuse_status, STATUS_OK);
	assert_string_equal(p.o.send, "hi");
	assert_string_equal(p.o.quit, "bye\r\n");
	/* and mailprobe smtp check_smtp's */
	MP(&p, "smtp", "-H", "h", "-S", "-C", "NOOP", "-R", "^250", "-F", "me");
	expect_ok(&p);
	assert_int_equal(p.o.tls, TLS_STARTTLS);
	assert_string_equal(p.o.helo, "me");
	assert_int_equal(p.o.tls_verify, 1);
}

static void
test_escapes(void **state)
{
	struct parsed	 p;

	(void)state;
	/* -E may come after the strings it applies to */
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-s",
	    "GET /\\r\\n\\r\\n", "-e", "a\\tb", "-e", "c\\\\d", "-q",
	    "x\\x41", "-E", NULL);
	expect_ok(&p);
	assert_string_equal(p.o.send, "GET /\r\n\r\n");
	assert_string_equal(p.o.expect, "a\tb");
	assert_string_equal(p.o.cmd_expect[0], "c\\d");
	assert_string_equal(p.o.quit, "xA\r\n");

	/* without -E the backslashes stay */
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-s",
	    "a\\r\\n", NULL);
	expect_ok(&p);
	assert_string_equal(p.o.send, "a\\r\\n");

	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-E",
	    "-s", "bad\\q", NULL);
	expect_error(&p, "-E: bad escape sequence in the send string "
	    "(\\r \\n \\t \\\\ \\xHH)");
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-E",
	    "-e", "nul\\x00", NULL);
	expect_error_prefix(&p, "-E: bad escape sequence in the expect");
	MP(&p, "tcp", "-H", "h", "-p", "7", "--escape", "--quit", "q\\");
	expect_error_prefix(&p, "-E: bad escape sequence in the quit");
}

/* the argv strings are what ps(1) shows */
static void
test_password_scrub(void **state)
{
	static const char *forms[][3] = {
		{ "-P", "S3cretPw", NULL },
		{ "--password", "S3cretPw", NULL },
		{ "--password=S3cretPw", NULL, NULL },
		{ "-PS3cretPw", NULL, NULL },
	};
	struct probe_opts	 o;
	struct opts_cli		 cli;
	char			 err[256];
	char			*argv[20];
	int			 argc, i, j;

	(void)state;
	for (i = 0; i < 4; i++) {
		argc = 0;
		argv[argc++] = strdup("mailprobe");
		argv[argc++] = strdup("imap");
		argv[argc++] = strdup("-H");
		argv[argc++] = strdup("127.0.0.1");
		argv[argc++] = strdup("--user");
		argv[argc++] = strdup("mon");
		for (j = 0; j < 2 && forms[i][j] != NULL; j++)
			argv[argc++] = strdup(forms[i][j]);
		argv[argc] = NULL;
		probe_opts_init(&o);
		assert_int_equal(opts_parse(&o, &cli, PERS_MAILPROBE, argc,
		    argv, err, sizeof(err)), OPTS_OK);
		assert_string_equal(o.pass, "S3cretPw");
		/* loopback: a plaintext login is allowed */
		assert_int_equal(o.auth_plaintext, 1);
		for (j = 0; j < argc; j++) {
			assert_null(strstr(argv[j], "S3cret"));
			free(argv[j]);
		}
	}

	/* the check_smtp spelling, and the mailbox password */
	argc = 0;
	argv[argc++] = strdup("mailprobe");
	argv[argc++] = strdup("delivery");
	argv[argc++] = strdup("-H");
	argv[argc++] = strdup("h");
	argv[argc++] = strdup("--rcpt");
	argv[argc++] = strdup("box@h");
	argv[argc++] = strdup("--mbox-user");
	argv[argc++] = strdup("box");
	argv[argc++] = strdup("--mbox-tls");
	argv[argc++] = strdup("tls");
	argv[argc++] = strdup("--mbox-password");
	argv[argc++] = strdup("MboxPw99");
	argv[argc++] = strdup("--mbox-password=MboxPw98");
	argv[argc] = NULL;
	probe_opts_init(&o);
	assert_int_equal(opts_parse(&o, &cli, PERS_MAILPROBE, argc, argv, err,
	    sizeof(err)), OPTS_OK);
	assert_string_equal(o.mbox.pass, "MboxPw98");
	for (j = 0; j < argc; j++) {
		assert_null(strstr(argv[j], "MboxPw"));
		free(argv[j]);
	}

	/* a mistyped option must not echo a secret into the message */
	argc = 0;
	argv[argc++] = strdup("mailprobe");
	argv[argc++] = strdup("smtp");
	argv[argc++] = strdup("--pasword=S3cretPw");
	argv[argc] = NULL;
	probe_opts_init(&o);
	assert_int_equal(opts_parse(&o, &cli, PERS_MAILPROBE, argc, argv, err,
	    sizeof(err)), OPTS_ERROR);
	assert_string_equal(err, "unknown option '--pasword'");
	for (j = 0; j < argc; j++)
		free(argv[j]);

	/* an empty password is refused, and still scrubbed */
	{
		struct parsed	 p;

		MP(&p, "imap", "-H", "127.0.0.1", "--user", "u", "-P", "");
		expect_error(&p, "-P: empty password");
	}
}

static void
test_password_sources(void **state)
{
	struct parsed	 p;
	char		 path[] = "/tmp/test_opts_pwXXXXXX";
	char		 longpw[PROBE_STR_MAX + 20];
	int		 fd;
	FILE		*f;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("FilePw77\r\nsecond line\n", f);
	fclose(f);

	MP(&p, "pop", "-H", "127.0.0.1", "--user", "u", "--password-file",
	    path);
	expect_ok(&p);
	assert_string_equal(p.o.pass, "FilePw77");

	/* the environment is the fallback, never the override */
	setenv("MAILPROBE_PASSWORD", "EnvPw55", 1);
	MP(&p, "pop", "-H", "127.0.0.1", "--user", "u", "--password-file",
	    path);
	expect_ok(&p);
	assert_string_equal(p.o.pass, "FilePw77");
	MP(&p, "pop", "-H", "127.0.0.1", "--user", "u");
	expect_ok(&p);
	assert_string_equal(p.o.pass, "EnvPw55");
	/* no login asked for: the environment is not used */
	MP(&p, "pop", "-H", "127.0.0.1");
	expect_ok(&p);
	assert_string_equal(p.o.pass, "");
	unsetenv("MAILPROBE_PASSWORD");

	/* empty first line */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\nsecond\n", f);
	fclose(f);
	MP(&p, "pop", "-H", "127.0.0.1", "--user", "u", "--password-file",
	    path);
	expect_error_prefix(&p, "--password-file: '");

	/* too long */
	memset(longpw, 'p', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(longpw, f);
	fclose(f);
	MP(&p, "pop", "-H", "127.0.0.1", "--user", "u", "--password-file",
	    path);
	expect_error_prefix(&p, "--password-file: '");
	assert_null(strstr(p.err, "pppppppp"));

	/* a NUL inside the line */
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("ab\0cd\n", 1, 6, f);
	fclose(f);
	MP(&p, "pop", "-H", "127.0.0.1", "--user", "u", "--password-file",
	    path);
	expect_error_prefix(&p, "--password-file: '");
	unlink(path);

	MP(&p, "pop", "-H", "127.0.0.1", "--user", "u", "--password-file",
	    "/nonexistent/pw");
	expect_error(&p, "--password-file: cannot open '/nonexistent/pw': "
	    "No such file or directory");
}

/* mailmond.conf probe lines: long options only, mode from the caller */
static void
test_config(void **state)
{
	struct probe_opts	 o;
	char			 err[256];
	char			*argv[16];
	int			 argc, j;
	enum opts_rc		 rc;

	(void)state;
#define CONF(...) do {							\
		const char *w_[] = { __VA_ARGS__, NULL };		\
		for (argc = 0; w_[argc] != NULL; argc++)		\
			argv[argc] = strdup(w_[argc]);			\
		argv[argc] = NULL;					\
		rc = opts_parse(&o, NULL, PERS_CONFIG, argc, argv, err,	\
		    sizeof(err));					\
		for (j = 0; j < argc; j++)				\
			free(argv[j]);					\
	} while (0)

	probe_opts_init(&o);
	o.mode = MODE_IMAP;
	o.timeout_ms = 30000;
	CONF("imap", "--host", "imap.example.org", "--port=993", "--tls",
	    "--cert-days", "21,7", "--user", "mon", "--password", "pw1234");
	assert_int_equal(rc, OPTS_OK);
	assert_int_equal(o.mode, MODE_IMAP);
	assert_int_equal(o.port, 993);
	assert_int_equal(o.timeout_ms, 30000);	/* the file's default stays */
	assert_string_equal(o.pass, "pw1234");

	probe_opts_init(&o);
	o.mode = MODE_SMTP;
	CONF("smtp", "--host", "h", "--mode", "tcp", "--port", "7",
	    "--timeout", "3");
	assert_int_equal(rc, OPTS_OK);
	assert_int_equal(o.mode, MODE_TCP);
	assert_int_equal(o.timeout_ms, 3000);

	probe_opts_init(&o);
	CONF("smtp", "-H", "h");
	assert_int_equal(rc, OPTS_ERROR);
	assert_string_equal(err, "unknown option '-H'");
	probe_opts_init(&o);
	CONF("smtp", "--host", "h", "--json");
	assert_int_equal(rc, OPTS_ERROR);
	assert_string_equal(err, "--json: not allowed here");
	probe_opts_init(&o);
	CONF("smtp", "--host", "h", "--hostname", "x");
	assert_int_equal(rc, OPTS_ERROR);
	assert_string_equal(err, "--hostname: not allowed in a probe line");
	probe_opts_init(&o);
	CONF("smtp", "--host", "h", "stray");
	assert_int_equal(rc, OPTS_ERROR);
	assert_string_equal(err, "unexpected argument 'stray'");
	probe_opts_init(&o);
	CONF("smtp", "--port", "25");
	assert_int_equal(rc, OPTS_ERROR);
	assert_string_equal(err, "--host: no host given");
	probe_opts_init(&o);
	CONF("smtp", "--host", "h", "--help");
	assert_int_equal(rc, OPTS_HELP);
	probe_opts_init(&o);
	CONF("smtp", "--host", "h", "--sni", "name.example", "--tls");
	assert_int_equal(rc, OPTS_OK);
	assert_string_equal(o.sni, "name.example");
#undef CONF
}

/* word processors turn "-s" into "–s": read it as the option */
static void
test_typographic_dashes(void **state)
{
	struct parsed	 p;

	(void)state;
	/* U+2013 EN DASH for "-" before short options */
	parse(&p, PERS_CHECK_POP, "check_pop", "-H", "127.0.0.1", "-E",
	    "\xe2\x80\x93s", "USER u\\r\\nPASS p\\r\\n", "\xe2\x80\x93" "d", "5",
	    "\xe2\x80\x93" "e", "ogged in", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_TCP);
	assert_int_equal(p.o.tcp_greet, 1);
	assert_string_equal(p.o.send, "USER u\r\nPASS p\r\n");
	assert_int_equal(p.o.tcp_delay_ms, 5000);
	assert_string_equal(p.o.expect, "ogged in");
	assert_int_equal(p.o.expect_prefix, 0);

	/* U+2014 EM DASH and U+2212 MINUS SIGN; a cluster "–Ev" stays short */
	SMTP(&p, "\xe2\x80\x94host", "mx.example.org", "\xe2\x88\x92" "f",
	    "a@b.example", "\xe2\x80\x93" "C", "RCPT TO:<c@d.example>",
	    "\xe2\x80\x93R", "250", "\xe2\x80\x93qv");
	expect_ok(&p);
	assert_string_equal(p.o.host, "mx.example.org");
	assert_string_equal(p.o.mail_from, "a@b.example");
	assert_string_equal(p.o.cmd[0], "RCPT TO:<c@d.example>");
	assert_string_equal(p.o.cmd_expect[0], "250");
	assert_int_equal(p.cli.verbose, 1);

	/* one en dash before a long name is the long option; two of any */
	MP(&p, "smtp", "\xe2\x80\x93host", "h.example", "\xe2\x80\x93\xe2\x80\x93port",
	    "2525", "-\xe2\x80\x93timeout=4");
	expect_ok(&p);
	assert_string_equal(p.o.host, "h.example");
	assert_int_equal(p.o.port, 2525);
	assert_int_equal(p.o.timeout_ms, 4000);

	/* a value that starts with a dash is left alone */
	MP(&p, "tcp", "-H", "h", "-p", "7", "-s", "\xe2\x80\x93x", "-e", "y");
	expect_ok(&p);
	assert_string_equal(p.o.send, "\xe2\x80\x93x");

	/* a lone dash is no option */
	MP(&p, "smtp", "-H", "h", "\xe2\x80\x93");
	expect_error(&p, "unexpected argument '\xe2\x80\x93'");
}

/* no error message quotes a word of a command line with a password */
static void
test_no_secret_in_errors(void **state)
{
	struct parsed	 p;

	(void)state;
	/* "-P my pass": the second word of the password is left over */
	SMTP(&p, "-H", "mx.example.org", "-A", "LOGIN", "-U", "u", "-P", "my",
	    "pass");
	assert_int_equal(p.rc, OPTS_ERROR);
	assert_null(strstr(p.err, "pass'"));
	assert_non_null(strstr(p.err, "not shown"));
	/* a value-less option swallowed a password-bearing option */
	MP(&p, "imap", "-H", "h", "--ca-file", "--password", "S3cretPw1");
	assert_int_equal(p.rc, OPTS_ERROR);
	assert_null(strstr(p.err, "S3cretPw1"));
	parse(&p, PERS_CHECK_IMAP, "check_imap", "-H", "h", "-Pw", "S3cretPw1",
	    NULL);
	assert_int_equal(p.rc, OPTS_ERROR);
	assert_null(strstr(p.err, "S3cretPw1"));
	MP(&p, "smtp", "-H", "h", "--mbox-password=S3cretPw1", "extra");
	assert_int_equal(p.rc, OPTS_ERROR);
	assert_null(strstr(p.err, "S3cretPw1"));
	assert_null(strstr(p.err, "extra"));
	/* a forgotten value: the option takes the password option as one */
	MP(&p, "smtp", "-H", "h", "--port", "--password=S3cretPw1");
	assert_int_equal(p.rc, OPTS_ERROR);
	assert_null(strstr(p.err, "S3cretPw1"));
	assert_non_null(strstr(p.err, "--port: invalid port (not shown"));
	SMTP(&p, "-H", "h", "-w", "-PS3cretPw1");
	assert_int_equal(p.rc, OPTS_ERROR);
	assert_null(strstr(p.err, "S3cretPw1"));
	/* a password already taken, given again where a value goes */
	MP(&p, "smtp", "-H", "h", "--password", "S3cretPw1", "--port",
	    "S3cretPw1");
	assert_int_equal(p.rc, OPTS_ERROR);
	assert_null(strstr(p.err, "S3cretPw1"));
	/* a password given, replaced, then quoted as an option's name */
	MP(&p, "smtp", "-H", "h", "--password", "S3cretPw1", "--password",
	    "other", "--S3cretPw1");
	assert_int_equal(p.rc, OPTS_ERROR);
	assert_null(strstr(p.err, "S3cretPw1"));
	MP(&p, "--password=S3cretPw1", "-H", "h");
	assert_int_equal(p.rc, OPTS_ERROR);
	assert_null(strstr(p.err, "S3cretPw1"));
	/* without a password on the line the word is shown */
	MP(&p, "smtp", "-H", "h", "--port", "x25");
	expect_error(&p, "--port: invalid port 'x25' (1..65535)");
	MP(&p, "smtp", "-H", "h", "extra");
	expect_error(&p, "unexpected argument 'extra'");
	/* a missing value is said as such */
	MP(&p, "imap", "-H", "h", "--ca-file");
	expect_error(&p, "--ca-file: missing value");
}

/* check_pop/check_imap with a dialogue: the raw machine, mail-aware */
static void
test_send_expect_modes(void **state)
{
	struct parsed	 p;

	(void)state;
	/* the book's IMAP login */
	parse(&p, PERS_CHECK_IMAP, "check_imap", "-H", "127.0.0.1", "-E", "-s",
	    "pr01 LOGIN u p\\r\\n", "-d", "5", "-e", "pr01 OK", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_TCP);
	assert_int_equal(p.o.port, 143);
	assert_int_equal(p.o.tcp_greet, 1);
	assert_string_equal(p.o.quit, "a1 LOGOUT\r\n");
	assert_string_equal(p.cli.label, "IMAP");
	/* no -e: the built-in expect, as a prefix */
	parse(&p, PERS_CHECK_POP, "check_pop", "-H", "127.0.0.1", "-s", "X",
	    NULL);
	expect_ok(&p);
	assert_string_equal(p.o.expect, "+OK");
	assert_int_equal(p.o.expect_prefix, 1);
	/* -d alone keeps reading the greeting for a while */
	parse(&p, PERS_CHECK_POP, "check_pop", "-H", "127.0.0.1", "-d", "2",
	    "-e", "ready", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_TCP);
	assert_int_equal(p.o.tcp_delay_ms, 2000);
	/* plain check_tcp still talks first */
	parse(&p, PERS_CHECK_TCP, "check_tcp", "-H", "h", "-p", "7", "-s", "X",
	    "-e", "Y", NULL);
	expect_ok(&p);
	assert_int_equal(p.o.tcp_greet, 0);
	/* mailprobe pop3/imap take the same dialogue */
	MP(&p, "imap", "-H", "127.0.0.1", "--send", "a LOGIN u p", "-e",
	    "a OK", "--delay", "3");
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_TCP);
	assert_int_equal(p.o.port, 143);
	assert_int_equal(p.o.tcp_greet, 1);
	assert_string_equal(p.o.quit, "a1 LOGOUT\r\n");
	MP(&p, "pop3", "-H", "127.0.0.1", "--tls", "--send", "STAT");
	expect_ok(&p);
	assert_int_equal(p.o.port, 995);
	/* -d is for dialogues only */
	MP(&p, "smtp", "-H", "h", "--delay", "2");
	expect_error(&p, "-d/--delay: for tcp, pop3 and imap probes only");
}

/* mode words: one table, any case, command line and config alike */
static void
test_mode_words(void **state)
{
	struct parsed	 p;
	enum probe_mode	 m;

	(void)state;
	assert_int_equal(probe_mode_word("SMTP", &m), 0);
	assert_int_equal(m, MODE_SMTP);
	assert_int_equal(probe_mode_word("Pop3", &m), 0);
	assert_int_equal(m, MODE_POP3);
	assert_int_equal(probe_mode_word("imaps", &m), -1);
	MP(&p, "IMAP", "-H", "h");
	expect_ok(&p);
	assert_int_equal(p.o.mode, MODE_IMAP);
}

/* the daemon's own per-probe options and the secret file rules */
static void
test_probe_line(void **state)
{
	struct probe_opts	 o;
	struct opts_line	 line;
	char			 dir[] = "/tmp/mm-test-opts.XXXXXX";
	char			 path[256], conf[256], err[512];
	char			*argv[16];
	FILE			*fp;
	int			 argc, j;
	enum opts_rc		 rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/box.pw", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("MboxS3cret\n", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(conf, sizeof(conf), "%s/mailmond.conf", dir);
#define LINE(...) do {							\
		const char *w_[] = { __VA_ARGS__, NULL };		\
		for (argc = 0; w_[argc] != NULL; argc++)		\
			argv[argc] = strdup(w_[argc]);			\
		argv[argc] = NULL;					\
		probe_opts_init(&o);					\
		o.mode = MODE_DELIVERY;					\
		memset(&line, 0xa5, sizeof(line));			\
		line.basedir = conf;					\
		rc = opts_parse_line(&o, &line, argc, argv, err,	\
		    sizeof(err));					\
		for (j = 0; j < argc; j++)				\
			free(argv[j]);					\
	} while (0)

	/* relative to the configuration file, not to the working directory */
	assert_int_equal(chdir("/"), 0);
	LINE("delivery", "--host", "127.0.0.1", "--rcpt", "b@h", "--mbox-user",
	    "box", "--mbox-password-file", "box.pw", "--interval", "30",
	    "--retries=2");
	if (rc != OPTS_OK)
		fail_msg("%s", err);
	assert_string_equal(o.mbox.pass, "MboxS3cret");
	assert_int_equal(line.interval_s, 30);
	assert_int_equal(line.retries, 2);
	assert_int_equal(line.inline_secret, 0);
	assert_int_equal(line.secret_world_readable, 0);
	/* an inline mailbox password is noticed */
	LINE("delivery", "--host", "127.0.0.1", "--rcpt", "b@h", "--mbox-user",
	    "box", "--mbox-password", "Inl1ne-pw");
	assert_int_equal(rc, OPTS_OK);
	assert_int_equal(line.inline_secret, 1);
	assert_int_equal(line.interval_s, 0);
	/* a secret file others may write is refused; read-only warns */
	assert_int_equal(chmod(path, 0620), 0);
	LINE("delivery", "--host", "127.0.0.1", "--rcpt", "b@h", "--mbox-user",
	    "box", "--mbox-password-file", "box.pw");
	assert_int_equal(rc, OPTS_ERROR);
	assert_non_null(strstr(err, "writable by its group"));
	assert_null(strstr(err, "MboxS3cret"));
	assert_int_equal(chmod(path, 0604), 0);
	LINE("delivery", "--host", "127.0.0.1", "--rcpt", "b@h", "--mbox-user",
	    "box", "--mbox-password-file", "box.pw");
	assert_int_equal(rc, OPTS_OK);
	assert_int_equal(line.secret_world_readable, 1);
	/* --interval is the daemon's: not on mailprobe's command line */
	{
		struct parsed	 p;

		MP(&p, "smtp", "-H", "h", "--interval", "5");
		expect_error(&p, "unknown option '--interval'");
	}
	unlink(path);
	rmdir(dir);
#undef LINE
}

/* the plugins' spellings a probe line refuses by name are real ones */
static void
test_cli_only_names(void **state)
{
	static const char *const names[] = { "hostname", "use-ipv4",
	    "use-ipv6", "fqdn", "authtype", "authuser", "authpass",
	    "certificate", "ignore-quit-failure", "ssl", "all", "jail",
	    "warning-time", "critical-time" };
	struct probe_opts	 o;
	struct opts_line	 line;
	char			 opt[64], err[256], *argv[4];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(opt, sizeof(opt), "--%s", names[i]);
		argv[0] = strdup("smtp");
		argv[1] = strdup(opt);
		argv[2] = strdup("x");
		argv[3] = NULL;
		probe_opts_init(&o);
		memset(&line, 0, sizeof(line));
		assert_int_equal(opts_parse_line(&o, &line, 3, argv, err,
		    sizeof(err)), OPTS_ERROR);
		if (strstr(err, "not allowed in a probe line") == NULL)
			fail_msg("%s: %s", opt, err);
		free(argv[0]);
		free(argv[1]);
		free(argv[2]);
	}
	/* and each is a check_* option (no "unknown option") */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct parsed	 p;

		snprintf(opt, sizeof(opt), "--%s", names[i]);
		parse(&p, strcmp(names[i], "fqdn") == 0 ||
		    strncmp(names[i], "auth", 4) == 0 ||
		    strcmp(names[i], "ignore-quit-failure") == 0 ?
		    PERS_CHECK_SMTP : PERS_CHECK_TCP, "check_x", opt, "1",
		    NULL);
		if (p.rc == OPTS_ERROR && strstr(p.err, "unknown option"))
			fail_msg("%s: %s", opt, p.err);
	}
}

/* domain probes, dual-stack probes and the resolver */
static void
test_mx_options(void **state)
{
	struct parsed	 p;
	struct probe_opts o;
	char		 err[256];
	char		*argv[16];
	int		 argc, j;
	enum opts_rc	 rc;

	(void)state;
	expect_ok((MP(&p, "mx", "--domain", "example.test"), &p));
	assert_int_equal(p.o.mode, MODE_MX);
	assert_string_equal(p.o.host, "example.test");
	assert_int_equal(p.o.port, 25);
	assert_int_equal(p.o.mx_policy, MXP_ALL);
	assert_int_equal(p.o.max_mx, PROBE_MX_DEFAULT);
	assert_int_equal(p.o.max_addr, PROBE_ADDR_DEFAULT);
	assert_string_equal(p.cli.label, "MX");
	/* the SMTP options of mailprobe, check_smtp's short ones too */
	expect_ok((MP(&p, "mx", "--domain", "example.test", "--starttls",
	    "-D", "30,7", "--mx-policy", "any", "--max-mx", "3",
	    "--max-addresses", "2", "--dns-server", "127.0.0.1:5353,[::1]:5353",
	    "-w", "2", "-c", "4"), &p));
	assert_int_equal(p.o.tls, TLS_STARTTLS);
	assert_int_equal(p.o.cert_warn_days, 30);
	assert_int_equal(p.o.mx_policy, MXP_ANY);
	assert_int_equal(p.o.max_mx, 3);
	assert_int_equal(p.o.max_addr, 2);
	assert_string_equal(p.o.dns_server, "127.0.0.1:5353,[::1]:5353");
	assert_int_equal(p.o.warn_ms, 2000);
	MP(&p, "mx", "--domain", "example.test", "-H", "mx.example.test");
	expect_error(&p, "-H/--host: an mx probe takes the mail domain with "
	    "--domain");
	MP(&p, "mx", "--port", "25");
	expect_error(&p, "--domain: no mail domain given");
	MP(&p, "smtp", "-H", "h", "--domain", "example.test");
	expect_error(&p, "--domain: only for mx probes (the host is --host)");
	MP(&p, "smtp", "-H", "h", "--mx-policy", "any");
	expect_error(&p, "--mx-policy: only for mx probes and --family both");
	MP(&p, "mx", "--domain", "example.test", "--mx-policy", "most");
	expect_error(&p, "--mx-policy: 'most' is not one of all, any");
	MP(&p, "mx", "--domain", "example.test", "--max-mx", "17");
	expect_error_prefix(&p, "--max-mx: invalid value '17'");
	MP(&p, "mx", "--domain", "example.test", "--max-mx", "16",
	    "--max-addresses", "8");
	expect_error_prefix(&p, "too many targets");
	MP(&p, "mx", "--domain", "127.0.0.1");
	expect_error(&p, "an mx probe needs a domain name, not an address");
	MP(&p, "smtp", "-H", "h", "--dns-server", "ns.example.test");
	expect_error_prefix(&p, "--dns-server: bad DNS server 'ns.example.test'");
	MP(&p, "smtp", "-H", "h", "--dns-server", "127.0.0.1:99999");
	expect_error_prefix(&p, "--dns-server: bad DNS server");
	MP(&p, "smtp", "-H", "h", "--dns-server", "::1,[::1]:53,10.0.0.1:53");
	expect_ok(&p);

	/* dual stack for host probes */
	expect_ok((MP(&p, "smtp", "-H", "mail.example.test", "--family",
	    "both", "--max-addresses", "1"), &p));
	assert_int_equal(p.o.family_both, 1);
	assert_int_equal(p.o.family, AF_UNSPEC);
	assert_int_equal(p.o.max_addr, 1);
	expect_ok((MP(&p, "imap", "-H", "mail.example.test", "--family",
	    "both", "-4"), &p));
	assert_int_equal(p.o.family_both, 0);
	assert_int_equal(p.o.family, AF_INET);
	expect_ok((MP(&p, "smtp", "-H", "h", "--family", "ipv6"), &p));
	assert_int_equal(p.o.family, AF_INET6);
	MP(&p, "smtp", "-H", "h", "--family", "all");
	expect_error(&p, "--family: 'all' is not one of any, both, ipv4, ipv6");
	MP(&p, "smtp", "-H", "127.0.0.1", "--family", "both");
	expect_error(&p, "--family both needs a host name, not an address");
	MP(&p, "delivery", "-H", "h", "--family", "both", "--rcpt", "a@b",
	    "--mbox-user", "u", "--mbox-password", "pw12345", "--mbox-tls",
	    "tls");
	expect_error(&p, "--family both is not for delivery probes");

	/* probe lines: "probe NAME mx --domain ..." */
#define CONF(m_, ...) do {						\
		const char *w_[] = { __VA_ARGS__, NULL };		\
		for (argc = 0; w_[argc] != NULL; argc++)		\
			argv[argc] = strdup(w_[argc]);			\
		argv[argc] = NULL;					\
		probe_opts_init(&o);					\
		o.mode = (m_);						\
		rc = opts_parse(&o, NULL, PERS_CONFIG, argc, argv, err,	\
		    sizeof(err));					\
		for (j = 0; j < argc; j++)				\
			free(argv[j]);					\
	} while (0)
	CONF(MODE_MX, "mx", "--domain", "example.test", "--port", "2525",
	    "--dns-server", "127.0.0.1:5353");
	assert_int_equal(rc, OPTS_OK);
	assert_int_equal(o.port, 2525);
	CONF(MODE_MX, "mx", "--host", "example.test");
	assert_int_equal(rc, OPTS_ERROR);
	assert_string_equal(err, "--host: an mx probe takes the mail domain "
	    "with --domain");
#undef CONF
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_personality_names),
		cmocka_unit_test(test_mailprobe_modes),
		cmocka_unit_test(test_mailprobe_long_options),
		cmocka_unit_test(test_delivery_options),
		cmocka_unit_test(test_nagios_book),
		cmocka_unit_test(test_check_smtp_options),
		cmocka_unit_test(test_warn_crit_order),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_tcp_family),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_password_scrub),
		cmocka_unit_test(test_password_sources),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_typographic_dashes),
		cmocka_unit_test(test_no_secret_in_errors),
		cmocka_unit_test(test_send_expect_modes),
		cmocka_unit_test(test_mode_words),
		cmocka_unit_test(test_probe_line),
		cmocka_unit_test(test_cli_only_names),
		cmocka_unit_test(test_mx_options),
	};

	unsetenv("MAILPROBE_PASSWORD");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

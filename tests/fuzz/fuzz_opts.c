/*
 * fuzz_opts.c - libFuzzer harness for the command lines: mailprobe's
 * long and short options, the check_* personalities, and the probe
 * lines of mailmond.conf (opts_parse_line).
 *
 * The first byte picks argv[0] (a personality's name, or a probe line
 * of the configuration); the rest is split into arguments at NUL
 * bytes.  Password files may be read from the harness's directory only
 * (fuzz_files.h): "pw" there holds the test password.
 *
 * The contract checked (opts.h): no error message quotes a word of a
 * command line that carries a password.  The parser itself says which
 * words held passwords: it overwrites them in argv with 'x' once
 * copied.  A password holding FZ_PASSWORD must not appear in the error
 * message, nor in anything logged.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "opts.h"
#include "probe_opts.h"

#include "fuzz_files.h"
#include "fuzz_secret.h"

#define FZ_ARGS		64

static const char *argv0s[] = {
	"mailprobe", "check_smtp", "check_ssmtp", "check_pop", "check_spop",
	"check_imap", "check_simap", "check_tcp", "/usr/lib/nagios/plugins/check_smtp",
	NULL			/* a mailmond.conf probe line */
};
#define FZ_NARGV0	(sizeof(argv0s) / sizeof(argv0s[0]))

/* logged messages holding the test password, judged after the parse */
static char	 logged[4][1024];
static int	 nlogged;

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_message(const char *pw, const char *msg)
{
	if (strstr(msg, pw) != NULL) {
		fz_files_guard(0);	/* libFuzzer writes the reproducer */
		fprintf(stderr, "password quoted: %s\n", msg);
		__builtin_trap();
	}
}

/* judged after the parse, when the wiped words are known */
static void
sink(int level, const char *token, const char *msg, void *arg)
{
	(void)level;
	(void)token;
	(void)arg;
	if (strstr(msg, FZ_PASSWORD) != NULL && nlogged < 4)
		snprintf(logged[nlogged++], sizeof(logged[0]), "%s", msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 pwpath[128], confpath[128];
	struct probe_opts	 o;
	struct opts_cli		 cli;
	struct opts_line	 line;
	char			*buf, *orig, *argv[FZ_ARGS + 2], err[256], *p, *end;
	const char		*pw[FZ_ARGS];
	int			 npw = 0;
	const char		*a0;
	int			 argc = 0, i, rc;

	if (size < 1)
		return 0;
	if (pwpath[0] == '\0') {
		fz_files_put("pw", FZ_PASSWORD "\n", strlen(FZ_PASSWORD) + 1,
		    pwpath, sizeof(pwpath));
		fz_files_put("main.conf", "", 0, confpath, sizeof(confpath));
	}
	a0 = argv0s[data[0] % FZ_NARGV0];
	data++;
	size--;
	/* writable copies: password arguments are wiped in place */
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)(a0 != NULL ? a0 : "smtp");
	for (p = buf, end = buf + size; p <= end && argc <= FZ_ARGS;
	    p += strlen(p) + 1)
		argv[argc++] = p;
	if (size == 0)
		argc = 1;
	argv[argc] = NULL;

	if ((orig = malloc(size + 1)) == NULL) {
		free(buf);
		return 0;
	}
	memcpy(orig, buf, size + 1);
	nlogged = 0;

	log_register(sink, NULL);
	log_set_level(LOG_LVL_DEBUG);
	probe_opts_init(&o);
	memset(&cli, 0, sizeof(cli));
	err[0] = '\0';
	fz_files_guard(1);
	if (a0 != NULL)
		rc = opts_parse(&o, &cli, opts_personality_from_name(a0),
		    argc, argv, err, sizeof(err));
	else {
		memset(&line, 0, sizeof(line));
		line.basedir = confpath;
		line.history = -1;
		snprintf(o.name, sizeof(o.name), "fz");
		rc = opts_parse_line(&o, &line, argc, argv, err, sizeof(err));
	}
	fz_files_guard(0);

	/*
	 * The words the parser wiped (with 'x', opts_scrub) held
	 * passwords: the password is what the trailing run of x covers.
	 * (A word may also have changed because a typographic dash was
	 * rewritten.)
	 */
	for (i = 1; i < argc; i++) {
		const char	*was = orig + (argv[i] - buf);
		size_t		 len = strlen(argv[i]), j = len;

		if (strlen(was) != len)
			continue;
		while (j > 0 && argv[i][j - 1] == 'x' && was[j - 1] != 'x')
			j--;
		if (j < len && strstr(was + j, FZ_PASSWORD) != NULL &&
		    npw < FZ_ARGS)
			pw[npw++] = was + j;
	}
	for (i = 0; i < npw * nlogged; i++)
		check_message(pw[i / nlogged], logged[i % nlogged]);
	if (rc < OPTS_OK || rc > OPTS_ERROR ||
	    memchr(err, '\0', sizeof(err)) == NULL)
		__builtin_trap();
	if (rc == OPTS_ERROR) {
		if (err[0] == '\0')
			__builtin_trap();
		for (i = 0; i < npw; i++)
			check_message(pw[i], err);
	}
	explicit_bzero(&o, sizeof(o));
	free(buf);
	free(orig);
	return 0;
}

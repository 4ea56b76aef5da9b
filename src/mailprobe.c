/*
 * mailprobe.c - run one probe, print one line (or one JSON object),
 * exit with the Nagios status.
 *
 * Called as check_smtp, check_pop, check_imap, ... (symlinks) it takes
 * those plugins' options and speaks their output.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ev.h"
#include "log.h"
#include "opts.h"
#include "output.h"
#include "probe_opts.h"
#include "secret.h"
#include "target.h"
#include "tls.h"

/* debug tokens of the dialogue trace for a single -v */
#define TRACE_TOKENS	"probe,smtp,pop3,imap,tcp,tls,delivery,mx"
/* grace after the probe's own deadline before the watchdog fires */
#define WATCHDOG_GRACE_S	5

struct run {
	struct ev		*ev;
	struct probe_result	 res;
	struct target_list	*targets;	/* our copy of res.targets */
	int			 done;
};

static const char	*progname = "mailprobe";
static char		 watchdog_line[128];

static void
done_cb(const struct probe_result *r, void *arg)
{
	struct run	*run = arg;

	run->res = *r;
	/* the targets are the engine's until we return: keep a copy */
	run->res.targets = NULL;
	if (r->targets != NULL && run->targets != NULL) {
		*run->targets = *r->targets;
		run->res.targets = run->targets;
	}
	run->done = 1;
	ev_break(run->ev);
}

/*
 * The engine keeps its own deadlines; this is the last resort if it
 * ever does not, so a monitoring system still gets a line and UNKNOWN.
 */
static void
watchdog(int sig)
{
	ssize_t	 n;

	(void)sig;
	n = write(STDOUT_FILENO, watchdog_line, strlen(watchdog_line));
	(void)n;
	_exit(STATUS_UNKNOWN);
}

static int
unknown(const char *label, int json, const char *what)
{
	if (json)
		printf("{\"status\":\"unknown\", \"exit\":3, \"fail\":"
		    "\"internal\", \"reason\":\"%s\"}\n", what);
	else
		printf("%s UNKNOWN - %s\n", label, what);
	return STATUS_UNKNOWN;
}

int
main(int argc, char **argv)
{
	struct probe_opts	 o;
	struct opts_cli		 cli;
	struct run		 run;
	enum opts_personality	 pers;
	char			 err[256];
	static char		 out[OUTPUT_MAX];
	int			 started;
	const char		*b;
	unsigned		 secs;
	int			 rc;

	if (argc > 0 && argv[0] != NULL) {
		b = strrchr(argv[0], '/');
		progname = b != NULL ? b + 1 : argv[0];
	}
	pers = opts_personality_from_name(argc > 0 ? argv[0] : NULL);
	signal(SIGPIPE, SIG_IGN);
	tls_oneshot();
	/* before the first password is read: no core file, no ptrace */
	if (secret_harden() == -1)
		fprintf(stderr, "%s: cannot disable core dumps: %s\n",
		    progname, strerror(errno));

	probe_opts_init(&o);
	switch (opts_parse(&o, &cli, pers, argc, argv, err, sizeof(err))) {
	case OPTS_OK:
		break;
	case OPTS_HELP:
		fputs(opts_usage(pers), stdout);
		return 0;
	case OPTS_VERSION:
		printf("%s (%s) %s\n", progname, PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	default:
		fprintf(stderr, "%s: %s\n", progname, err);
		/* a monitoring system shows stdout only */
		if (pers != PERS_MAILPROBE)
			printf("%s UNKNOWN - %s\n", cli.label[0] != '\0' ?
			    cli.label : "CHECK", err);
		else
			fprintf(stderr, "try '%s --help'\n", progname);
		return STATUS_UNKNOWN;
	}

	log_init(cli.verbose > 1 ? cli.verbose - 1 : 0, progname);
	if (cli.verbose == 1)
		(void)log_set_tokens(TRACE_TOKENS, NULL, 0);
	else if (cli.verbose > 1)
		(void)log_set_tokens("all", NULL, 0);

	secs = (unsigned)(check_budget_ms(&o) / 1000) + WATCHDOG_GRACE_S;
	if (cli.json)
		snprintf(watchdog_line, sizeof(watchdog_line),
		    "{\"status\":\"unknown\", \"exit\":3, \"fail\":"
		    "\"internal\", \"reason\":\"watchdog: no result after "
		    "%u s\"}\n", secs);
	else
		snprintf(watchdog_line, sizeof(watchdog_line),
		    "%s UNKNOWN - watchdog: no result after %u s\n", cli.label,
		    secs);
	signal(SIGALRM, watchdog);

	memset(&run, 0, sizeof(run));
	if ((run.ev = ev_new()) == NULL) {
		explicit_bzero(&o, sizeof(o));
		return unknown(cli.label, cli.json, "cannot create event loop");
	}
	/*
	 * Room for a domain probe's targets, copied from the callback.
	 * Only then: 33 KB a one-shot check of a server never uses would
	 * push the heap past pages it otherwise never touches.
	 */
	if (check_has_targets(&o) &&
	    (run.targets = malloc(sizeof(*run.targets))) == NULL)
		started = 0;
	else
		started = check_start(run.ev, &o, done_cb, &run) != NULL;
	if (!started) {
		explicit_bzero(&o, sizeof(o));
		ev_free(run.ev);
		free(run.targets);
		return unknown(cli.label, cli.json, "cannot start the probe");
	}
	/*
	 * Armed only now: check_start() may spend a while loading the CA
	 * store, and the probe's own deadline starts after that.
	 */
	alarm(secs);
	/* check_start() copied the options: drop our copy of the secrets */
	explicit_bzero(o.pass, sizeof(o.pass));
	explicit_bzero(o.mbox.pass, sizeof(o.mbox.pass));

	/* ev_run() returns on ev_break(), or when nothing is left to wait for */
	while (!run.done) {
		if (ev_run(run.ev) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!run.done)
			break;
	}
	ev_free(run.ev);
	alarm(0);
	if (!run.done) {
		explicit_bzero(&o, sizeof(o));
		free(run.targets);
		return unknown(cli.label, cli.json,
		    "event loop ended without a result");
	}

	if (cli.json)
		output_json(out, sizeof(out), &o, &run.res);
	else
		output_nagios_ex(out, sizeof(out), cli.label,
		    cli.hide_output ? OUTPUT_HIDE : 0, &o, &run.res);
	printf("%s\n", out);
	rc = (unsigned)run.res.status <= STATUS_UNKNOWN ?
	    (int)run.res.status : STATUS_UNKNOWN;
	explicit_bzero(&o, sizeof(o));
	free(run.targets);
	if (fflush(stdout) == EOF)
		return STATUS_UNKNOWN;
	return rc;
}

/*
 * mailmond.c - the monitoring daemon: read mailmond.conf, run the
 * probes on their schedule and serve the results as an AgentX
 * subagent.  Command line conventions follow Net-SNMP's daemons.
 *
 * Signals only write their number into a pipe; the loop reads it and
 * does the work (reload, shutdown) outside of any handler.
 *
 * With "state-file", the statistics, history and totals of every probe
 * are read back at start and written at most once per (global)
 * interval, when something changed, and at a clean exit.  The periodic
 * writes happen in a child process, off the loop.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "conf.h"
#include "dns.h"
#include "ev.h"
#include "log.h"
#include "monitor.h"
#include "scheduler.h"
#include "secret.h"
#include "tls.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#ifndef MM_DEMO_CONF
#define MM_DEMO_CONF	"conf/demo.conf"
#endif
#ifndef MM_DEMO_CONF_INSTALLED
#define MM_DEMO_CONF_INSTALLED	"/usr/share/mailmon/demo.conf"
#endif
#define DEFAULT_CONF	SYSCONFDIR "/mailmond.conf"

enum logdest {
	LOGDEST_DEFAULT = 0,	/* stderr in the foreground, else syslog */
	LOGDEST_STDERR,
	LOGDEST_STDOUT,
	LOGDEST_FILE,
	LOGDEST_SYSLOG,
	LOGDEST_NONE
};

struct daemon {
	struct ev	*ev;
	struct sched	*sched;
	struct conf	 conf;		/* globals in use (probes freed) */
	char		 conf_path[PATH_MAX];
	int		 sigpipe[2];
	struct ev_io	*sigio;
	struct ev_timer	*save_timer;
	int		 save_failing;	/* log a failure once, not each time */
	pid_t		 saver;		/* child writing the state file, or 0 */
	int		 saver_fd;	/* its error message comes through here */
	int		 quit;
	unsigned	 fd_budget;	/* connections the descriptors allow */
};

static int	 sig_wfd = -1;
static FILE	*log_fp;

/*
 * The source tree's demo for the binary the build tree holds, so edits
 * show at once; an installed binary keeps to the installed copy even
 * while the tree it was built from still exists (a package build).
 */
static const char *
demo_conf(void)
{
#ifdef MM_BUILD_DIR
	char	 self[PATH_MAX];
	ssize_t	 n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		if (strncmp(self, MM_BUILD_DIR, strlen(MM_BUILD_DIR)) == 0 &&
		    access(MM_DEMO_CONF, R_OK) == 0)
			return MM_DEMO_CONF;
	}
#endif
	return MM_DEMO_CONF_INSTALLED;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: mailmond [-fnhVC] [-c FILE] [-p PIDFILE] [-x SOCKET] [-u USER]\n"
"                [-L e|o|n|f FILE|s FACILITY] [-D[TOKENS]] [--demo] [--allow-root]\n"
"  -c FILE        configuration file (default %s)\n"
"  -n             check the configuration and exit (0 = valid)\n"
"  -f             stay in the foreground\n"
"  -p FILE        write the process id to FILE\n"
"  -x SOCKET      AgentX socket of the master agent (overrides agentx-socket)\n"
"  -C             read no Net-SNMP configuration files\n"
"  -u USER        switch to USER after start-up (overrides \"user\")\n"
"  --allow-root   keep running as root when no user is given\n"
"  -Le            log to stderr        -Lo  log to stdout\n"
"  -Lf FILE       log to FILE          -Ls FACILITY  log to syslog\n"
"  -Ln            no log at all\n"
"  -D[TOKENS]     debug output: all, or a comma-separated list of\n"
"                 %s\n"
"  --demo         run the demo configuration (%s) in the foreground\n"
"  -V             print the version      -h  this help\n",
	    DEFAULT_CONF, log_token_list(), demo_conf());
}

/* ---- logging targets -------------------------------------------------- */

static void
file_sink(int level, const char *token, const char *msg, void *arg)
{
	FILE	*fp = arg;
	char	 ts[32];
	time_t	 now = time(NULL);
	struct tm tm;

	(void)level;
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		ts[0] = '\0';
	if (token != NULL)
		fprintf(fp, "%s mailmond[%ld]: [%s] %s\n", ts, (long)getpid(),
		    token, msg);
	else
		fprintf(fp, "%s mailmond[%ld]: %s\n", ts, (long)getpid(), msg);
	fflush(fp);
}

static void
null_sink(int level, const char *token, const char *msg, void *arg)
{
	(void)level;
	(void)token;
	(void)msg;
	(void)arg;
}

static int
parse_facility(const char *s)
{
	static const struct {
		const char	*name;
		int		 fac;
	} tab[] = {
		{ "d", LOG_DAEMON }, { "daemon", LOG_DAEMON },
		{ "u", LOG_USER }, { "user", LOG_USER },
		{ "m", LOG_MAIL }, { "mail", LOG_MAIL },
		{ "0", LOG_LOCAL0 }, { "local0", LOG_LOCAL0 },
		{ "1", LOG_LOCAL1 }, { "local1", LOG_LOCAL1 },
		{ "2", LOG_LOCAL2 }, { "local2", LOG_LOCAL2 },
		{ "3", LOG_LOCAL3 }, { "local3", LOG_LOCAL3 },
		{ "4", LOG_LOCAL4 }, { "local4", LOG_LOCAL4 },
		{ "5", LOG_LOCAL5 }, { "local5", LOG_LOCAL5 },
		{ "6", LOG_LOCAL6 }, { "local6", LOG_LOCAL6 },
		{ "7", LOG_LOCAL7 }, { "local7", LOG_LOCAL7 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(s, tab[i].name) == 0)
			return tab[i].fac;
	return -1;
}

static void
log_setup(enum logdest dest, const char *file, int facility, int foreground)
{
	if (dest == LOGDEST_DEFAULT)
		dest = foreground ? LOGDEST_STDERR : LOGDEST_SYSLOG;
	switch (dest) {
	case LOGDEST_STDOUT:
		setvbuf(stdout, NULL, _IOLBF, 0);
		log_register(file_sink, stdout);
		break;
	case LOGDEST_FILE:
		if ((log_fp = fopen(file, "ae")) == NULL)
			fatal("cannot open log file %s", file);
		log_register(file_sink, log_fp);
		break;
	case LOGDEST_SYSLOG:
		log_use_syslog("mailmond", facility);
		break;
	case LOGDEST_NONE:
		log_register(null_sink, NULL);
		break;
	default:
		log_register(NULL, NULL);
		break;
	}
}

/*
 * -Le, -Lo, -Ln, -Lf FILE, -Ls FACILITY (also -LfFILE, -LsFACILITY), as
 * in Net-SNMP.  next is the following argument; *optind moves past it
 * when it is used.
 */
static int
log_option(const char *opt, const char *next, int *optind_p,
    enum logdest *dest, const char **arg, int *facility)
{
	if ((opt[0] == 'e' || opt[0] == 'o' || opt[0] == 'n') &&
	    opt[1] == '\0') {
		*dest = opt[0] == 'e' ? LOGDEST_STDERR :
		    opt[0] == 'o' ? LOGDEST_STDOUT : LOGDEST_NONE;
		return 0;
	}
	if (opt[0] != 'f' && opt[0] != 's') {
		fprintf(stderr, "mailmond: unknown -L option %s\n", opt);
		return -1;
	}
	if (opt[1] != '\0')
		*arg = opt + 1;
	else if (next != NULL) {
		*arg = next;
		(*optind_p)++;
	} else {
		fprintf(stderr, "mailmond: -L%c needs an argument\n", opt[0]);
		return -1;
	}
	if (opt[0] == 'f') {
		*dest = LOGDEST_FILE;
		return 0;
	}
	*dest = LOGDEST_SYSLOG;
	if ((*facility = parse_facility(*arg)) == -1) {
		fprintf(stderr, "mailmond: unknown syslog facility %s\n", *arg);
		return -1;
	}
	return 0;
}

/* ---- process setup ---------------------------------------------------- */

static void
daemonize(void)
{
	pid_t	 pid;
	int	 fd;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	if (setsid() == -1)
		fatal("setsid");
	/* a second fork: never reacquire a controlling terminal */
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		fatal("/dev/null");
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static void
write_pidfile(const char *path)
{
	char	 buf[32];
	int	 fd, n;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1)
		fatal("pid file %s", path);
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n)
		fatal("pid file %s", path);
	close(fd);
}

/*
 * Who to run as: -u beats the file's "user".  As root, some user is
 * required (or --allow-root); name is left empty when staying as we
 * are.  Not as root, "user" in the file is ignored (a packaged file on
 * a test run) and -u must name ourselves.
 */
static int
run_as(const char *user, const char *conf_user, int allow_root,
    const char *conf_path, char *name, size_t namelen, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	name[0] = '\0';
	if (user == NULL && conf_user[0] != '\0')
		user = conf_user;
	if (geteuid() != 0) {
		if (user == NULL || user == conf_user)
			return 0;
		if ((pw = getpwnam(user)) == NULL || pw->pw_uid != geteuid()) {
			fprintf(stderr, "mailmond: -u %s needs root\n", user);
			return -1;
		}
		return 0;
	}
	if (user == NULL) {
		if (allow_root)
			return 0;
		fprintf(stderr, "mailmond: refusing to run as root: give -u "
		    "USER (or \"user\" in %s), or --allow-root\n", conf_path);
		return -1;
	}
	if ((pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "mailmond: unknown user %s\n", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	mm_strlcpy(name, pw->pw_name, namelen);
	return 0;
}

static void
drop_privileges(const char *user, uid_t uid, gid_t gid)
{
	if (initgroups(user, gid) == -1)
		fatal("initgroups %s", user);
	if (setgid(gid) == -1)
		fatal("setgid %ld", (long)gid);
	if (setuid(uid) == -1)
		fatal("setuid %ld", (long)uid);
	/* prove it cannot be undone */
	if (uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		fatalx("still able to become root after dropping privileges");
	/* a change of user resets the dumpable flag */
	if (secret_harden() == -1)
		fatal("cannot disable core dumps");
	log_info("running as user %s (uid %ld, gid %ld)", user, (long)uid,
	    (long)gid);
}

/* ---- signals ---------------------------------------------------------- */

static void
on_signal(int sig)
{
	int	 saved = errno;
	unsigned char c = (unsigned char)sig;
	ssize_t	 r;

	r = write(sig_wfd, &c, 1);	/* pipe full: a wake-up is pending anyway */
	(void)r;
	errno = saved;
}

/*
 * Every connection is a descriptor.  Take what the kernel allows (the
 * soft limit raised to the hard one: a 1024 default would cap a large
 * configuration), and leave part of it to the resolver, the AgentX
 * session, the log and the state writer.  What is left is how many
 * connections the running checks may hold: the default max-inflight.
 */
#define FD_RESERVE_MIN	64
#define FD_NR_OPEN	1048576		/* the kernel's default ceiling */

static unsigned
fd_budget(void)
{
	struct rlimit	 rl, want;
	rlim_t		 n, reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 1024 - FD_RESERVE_MIN;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
		want = rl;
		want.rlim_cur = rl.rlim_max == RLIM_INFINITY ? FD_NR_OPEN :
		    rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
		else
			log_warn("cannot raise the descriptor limit from %llu "
			    "to %llu", (unsigned long long)rl.rlim_cur,
			    (unsigned long long)want.rlim_cur);
	}
	n = rl.rlim_cur == RLIM_INFINITY ? FD_NR_OPEN : rl.rlim_cur;
	reserve = n / 8 > FD_RESERVE_MIN ? n / 8 : FD_RESERVE_MIN;
	if (n <= reserve + 1)
		return 1;
	n -= reserve;
	return n > CONF_INFLIGHT_MAX ? CONF_INFLIGHT_MAX : (unsigned)n;
}

/* the mailmonEngine scalars */
static void
engine_load(struct agent_engine *e, void *arg)
{
	struct sched_load l;

	sched_load(arg, &l);
	e->inflight = l.inflight;
	e->max_inflight = l.max_inflight;
	e->waiting = l.waiting;
	e->delayed = l.delayed;
	e->internal = l.internal;
}

/* max-inflight as configured, or the budget; never more than it */
static void
set_inflight(struct daemon *d, const struct conf *c)
{
	unsigned n = d->fd_budget;

	if (c->max_inflight > 0) {
		n = (unsigned)c->max_inflight;
		if (n > d->fd_budget)
			log_warnx("max-inflight %u is more than the %u "
			    "connections the descriptor limit allows: "
			    "expect internal failures under load", n,
			    d->fd_budget);
	}
	sched_set_max_inflight(d->sched, n);
	log_info("at most %u connections at once%s", n,
	    c->max_inflight > 0 ? " (max-inflight)" : " (descriptor limit)");
}

/* the built-in agent's settings (snmp-*), compared as a whole */
static int
same_snmp(const struct conf *a, const struct conf *b)
{
	return strcmp(a->snmp_listen, b->snmp_listen) == 0 &&
	    a->ncommunity == b->ncommunity && a->ntrapsink == b->ntrapsink &&
	    memcmp(a->community, b->community, sizeof(a->community)) == 0 &&
	    memcmp(a->trapsink, b->trapsink, sizeof(a->trapsink)) == 0;
}

static void
keep_snmp(struct conf *to, const struct conf *from)
{
	memcpy(to->snmp_listen, from->snmp_listen, sizeof(to->snmp_listen));
	memcpy(to->community, from->community, sizeof(to->community));
	memcpy(to->trapsink, from->trapsink, sizeof(to->trapsink));
	to->ncommunity = from->ncommunity;
	to->ntrapsink = from->ntrapsink;
}

/*
 * glibc gives back only the top of the heap by itself; what a reload or
 * a burst of checks in flight frees in the middle stays with the
 * process until handed back here.
 */
static void
heap_trim(void)
{
#ifdef HAVE_MALLOC_TRIM
	(void)malloc_trim(0);
#endif
}

static void
reload(struct daemon *d)
{
	struct conf	 nc;
	char		 err[512];
	size_t		 nprobes;
	int		 nerr, changes;

	log_notice("SIGHUP: reloading %s", d->conf_path);
	if ((nerr = conf_load(&nc, d->conf_path, err, sizeof(err))) != 0) {
		log_warnx("reload failed (%d error%s, first: %s); keeping the "
		    "running configuration", nerr, nerr == 1 ? "" : "s", err);
		conf_free(&nc);
		return;
	}
	if (strcmp(nc.agentx_socket, d->conf.agentx_socket) != 0 ||
	    nc.ping_interval != d->conf.ping_interval ||
	    strcmp(nc.user, d->conf.user) != 0 || !same_snmp(&nc, &d->conf))
		log_warnx("reload: agentx-socket, ping-interval, user and the "
		    "snmp-* settings take effect only after a restart");
	if ((changes = sched_apply_conf(d->sched, &nc)) == -1) {
		log_warnx("reload failed: out of memory; keeping the running "
		    "configuration");
		conf_free(&nc);
		return;
	}
	nprobes = nc.nprobes;
	conf_free(&nc);
	heap_trim();
	if (nc.max_inflight != d->conf.max_inflight)
		set_inflight(d, &nc);
	/* a replaced CA file (or system store) counts from the next probe */
	tls_reload();
	/* keep the globals that cannot change live as they were */
	mm_strlcpy(nc.agentx_socket, d->conf.agentx_socket,
	    sizeof(nc.agentx_socket));
	mm_strlcpy(nc.user, d->conf.user, sizeof(nc.user));
	nc.ping_interval = d->conf.ping_interval;
	keep_snmp(&nc, &d->conf);
	d->conf = nc;
	if (changes > 0)
		agent_table_changed();
	log_notice("reload done: %zu probes, %d added, removed or changed",
	    nprobes, changes);
}

/* ---- state file ------------------------------------------------------ */

/* the outcome of a write: the error (once per failing streak) or not */
static void
state_result(struct daemon *d, const char *err)
{
	if (err != NULL) {
		if (!d->save_failing)
			log_warnx("state file not written: %s (retrying every "
			    "%d s)", err, d->conf.interval_s);
		d->save_failing = 1;
		return;
	}
	if (d->save_failing)
		log_notice("state file %s written again", d->conf.state_file);
	else
		log_debug(LT_SCHED, "state file %s written", d->conf.state_file);
	d->save_failing = 0;
}

/* write the state file from this process */
static void
state_write(struct daemon *d, int at_exit)
{
	char	 err[PATH_MAX + 128];

	state_result(d, sched_state_save(d->sched, d->conf.state_file, at_exit,
	    err, sizeof(err)) == -1 ? err : NULL);
}

/* collect the writer child; wait for it when block is set */
static void
state_reap(struct daemon *d, int block)
{
	char	 err[PATH_MAX + 128];
	ssize_t	 n;
	pid_t	 r;
	int	 status;

	if (d->saver <= 0)
		return;
	while ((r = waitpid(d->saver, &status, block ? 0 : WNOHANG)) == -1 &&
	    errno == EINTR)
		;
	if (r == 0)
		return;			/* still writing */
	d->saver = 0;
	n = read(d->saver_fd, err, sizeof(err) - 1);
	close(d->saver_fd);
	d->saver_fd = -1;
	if (r == -1)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		state_result(d, NULL);
		return;
	}
	if (n <= 0)
		mm_strlcpy(err, "the writer process failed", sizeof(err));
	else
		err[n] = '\0';
	state_result(d, err);
}

/* the final write, at exit: after any child, from this process */
static void
state_save(struct daemon *d, int at_exit)
{
	state_reap(d, 1);
	if (d->conf.state_file[0] != '\0')
		state_write(d, at_exit);
}

/* in the writer child: every descriptor but keep closed */
static void
close_all_but(int keep)
{
	struct rlimit rl;
	long	 fd, max = 1024;

#ifdef HAVE_CLOSE_RANGE
	if ((keep <= 3 || close_range(3, (unsigned)keep - 1, 0) == 0) &&
	    close_range((unsigned)keep + 1, ~0U, 0) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = (long)rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		if (fd != keep)
			(void)close((int)fd);
}

/*
 * A periodic write.  Encoding and fsync'ing 2.7 KB per probe takes a
 * third of a second or more at 10,000 probes (a 27 MB file), and the
 * loop must not stall that long: GETs and the timings of the probes in
 * flight would wait.  So a child writes the copy-on-write snapshot that
 * fork() gives it, as Redis's BGSAVE does, and the loop goes on.
 *
 * The child closes every descriptor it inherited: holding the AgentX
 * socket, it would keep a dead daemon's session registered at the
 * master, which then refuses the restarted daemon's registration.  It
 * calls nothing but the writer, sends its error back through a pipe and
 * leaves with _exit().
 */
static void
state_save_bg(struct daemon *d)
{
	struct sigaction sa;
	char	 err[PATH_MAX + 128];
	pid_t	 pid;
	int	 fds[2], i, rc;

	if (d->conf.state_file[0] == '\0' || d->saver > 0)
		return;
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("state file: pipe; writing it from the loop");
		state_write(d, 0);
		return;
	}
	if ((pid = fork()) == -1) {
		log_warn("state file: fork; writing it from the loop");
		close(fds[0]);
		close(fds[1]);
		state_write(d, 0);
		return;
	}
	if (pid == 0) {
		/* a signal for the daemon must not come back through its pipe */
		memset(&sa, 0, sizeof(sa));
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = SIG_DFL;
		for (i = 0; i < 3; i++) {
			static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };

			(void)sigaction(sigs[i], &sa, NULL);
		}
		close_all_but(fds[1]);
		rc = sched_state_save(d->sched, d->conf.state_file, 0, err,
		    sizeof(err));
		if (rc == -1 && write(fds[1], err, strlen(err)) < 0)
			rc = -1;
		_exit(rc == 0 ? 0 : 1);
	}
	close(fds[1]);
	d->saver = pid;
	d->saver_fd = fds[0];
	/* the snapshot holds every result so far */
	sched_state_saved(d->sched);
}

static void
state_timer(void *arg)
{
	struct daemon	*d = arg;

	state_reap(d, 0);
	/* nothing new since the last write: no disk traffic */
	if (sched_state_dirty(d->sched) || d->save_failing)
		state_save_bg(d);
	ev_timer_in(d->save_timer, (int64_t)d->conf.interval_s * 1000000);
}

static void
state_load(struct daemon *d)
{
	char	 err[256];
	size_t	 restored = 0, unknown = 0;
	int	 rc;

	if (d->conf.state_file[0] == '\0')
		return;
	rc = sched_state_load(d->sched, d->conf.state_file, &restored,
	    &unknown, err, sizeof(err));
	if (rc == 1)
		log_info("state file %s: none yet, starting afresh",
		    d->conf.state_file);
	else if (rc == -1)
		log_warnx("state file %s ignored: %s; starting afresh",
		    d->conf.state_file, err);
	else
		log_notice("state file %s: statistics of %zu probes restored"
		    "%s", d->conf.state_file, restored,
		    unknown > 0 ? " (some probes are no longer configured)" :
		    "");
}

static void
sig_read(int fd, int events, void *arg)
{
	struct daemon	*d = arg;
	unsigned char	 buf[64];
	ssize_t		 n, i;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			switch (buf[i]) {
			case SIGHUP:
				reload(d);
				break;
			case SIGTERM:
			case SIGINT:
				if (!d->quit)
					log_notice("signal %d: shutting down",
					    buf[i]);
				d->quit = 1;
				ev_break(d->ev);
				break;
			}
		}
	}
}

static void
signals_setup(struct daemon *d)
{
	struct sigaction sa;
	int	 i;

	if (pipe2(d->sigpipe, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("pipe");
	sig_wfd = d->sigpipe[1];
	if ((d->sigio = ev_io_new(d->ev, d->sigpipe[0], EV_READ, sig_read,
	    d)) == NULL)
		fatalx("cannot watch the signal pipe");

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < 3; i++) {
		static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };

		if (sigaction(sigs[i], &sa, NULL) == -1)
			fatal("sigaction");
	}
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		fatal("sigaction");
}

static void
on_change(const struct monitor *m, void *arg)
{
	(void)arg;
	agent_notify(m);
}

/* ---- main ------------------------------------------------------------- */

enum { OPT_DEMO = 256, OPT_ALLOW_ROOT };

static const struct option longopts[] = {
	{ "demo",	no_argument,	NULL, OPT_DEMO },
	{ "allow-root",	no_argument,	NULL, OPT_ALLOW_ROOT },
	{ "help",	no_argument,	NULL, 'h' },
	{ "version",	no_argument,	NULL, 'V' },
	{ NULL,		0,		NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct daemon	 d;
	struct agent_opts ao;
	struct agent_community comm[CONF_SNMP_MAX];
	struct agent_trapsink sinks[CONF_SNMP_MAX];
	size_t		 i;
	const char	*conf_arg = DEFAULT_CONF, *pidfile = NULL;
	const char	*xsock = NULL, *user = NULL, *logarg = NULL;
	char		 pidpath[PATH_MAX], logpath[PATH_MAX], err[512], bad[48];
	enum logdest	 logdest = LOGDEST_DEFAULT;
	int		 facility = LOG_DAEMON, foreground = 0, check_only = 0;
	int		 allow_root = 0, no_snmp_conf = 0, ch, nerr, rc;
	uid_t		 run_uid = 0;
	gid_t		 run_gid = 0;
	char		 run_user[CONF_USER_MAX] = "";

	memset(&d, 0, sizeof(d));
	d.sigpipe[0] = d.sigpipe[1] = -1;
	d.saver_fd = -1;
	log_init(0, "mailmond");

	while ((ch = getopt_long(argc, argv, "c:CD::fhL:np:u:Vx:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_arg = optarg;
			break;
		case 'C':
			no_snmp_conf = 1;
			break;
		case 'D':
			/* -Dtokens, -D tokens, or -D alone for everything */
			if (optarg == NULL && optind < argc &&
			    argv[optind][0] != '-')
				optarg = argv[optind++];
			if (log_set_tokens(optarg != NULL ? optarg : "all",
			    bad, sizeof(bad)) == -1) {
				fprintf(stderr, "mailmond: -D: unknown debug "
				    "token '%s' (%s)\n", bad, log_token_list());
				return 1;
			}
			break;
		case 'f':
			foreground = 1;
			break;
		case 'L':
			if (log_option(optarg, optind < argc ? argv[optind] :
			    NULL, &optind, &logdest, &logarg, &facility) == -1) {
				usage(stderr);
				return 1;
			}
			break;
		case 'n':
			check_only = 1;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'V':
			printf("mailmond %s\n", PACKAGE_VERSION);
			return 0;
		case 'x':
			xsock = optarg;
			break;
		case OPT_DEMO:
			conf_arg = demo_conf();
			foreground = 1;
			break;
		case OPT_ALLOW_ROOT:
			allow_root = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mailmond: unexpected argument %s\n",
		    argv[optind]);
		usage(stderr);
		return 1;
	}

	/* the configuration holds passwords: no core file from here on */
	if (secret_harden() == -1)
		fprintf(stderr, "mailmond: cannot disable core dumps: %s\n",
		    strerror(errno));
	/* before any chdir: reloads and the log file need absolute paths */
	if (realpath(conf_arg, d.conf_path) == NULL)
		mm_strlcpy(d.conf_path, conf_arg, sizeof(d.conf_path));
	if ((nerr = conf_load(&d.conf, d.conf_path, err, sizeof(err))) != 0) {
		fprintf(stderr, "mailmond: %s: %d error%s, not starting\n",
		    d.conf_path, nerr, nerr == 1 ? "" : "s");
		conf_free(&d.conf);
		return 1;
	}
	if (check_only) {
		printf("%s: OK, %zu probe%s\n", d.conf_path, d.conf.nprobes,
		    d.conf.nprobes == 1 ? "" : "s");
		conf_free(&d.conf);
		return 0;
	}

	if (run_as(user, d.conf.user, allow_root, d.conf_path, run_user,
	    sizeof(run_user), &run_uid, &run_gid) == -1) {
		conf_free(&d.conf);
		return 1;
	}

	if (logdest == LOGDEST_FILE && logarg[0] != '/' &&
	    getcwd(logpath, sizeof(logpath)) != NULL) {
		mm_strlcat(logpath, "/", sizeof(logpath));
		mm_strlcat(logpath, logarg, sizeof(logpath));
		logarg = logpath;
	}
	if (pidfile != NULL && pidfile[0] != '/' &&
	    getcwd(pidpath, sizeof(pidpath)) != NULL) {
		mm_strlcat(pidpath, "/", sizeof(pidpath));
		mm_strlcat(pidpath, pidfile, sizeof(pidpath));
		pidfile = pidpath;
	}
	log_setup(logdest, logarg, facility, foreground);
	if (!foreground)
		daemonize();
	if (pidfile != NULL)
		write_pidfile(pidfile);
	if (no_snmp_conf) {
		/*
		 * Net-SNMP looks for its files along SNMPCONFPATH; an
		 * empty path means it reads none, like snmpd -C.
		 */
		setenv("SNMPCONFPATH", "", 1);
	}

	if ((d.ev = ev_new()) == NULL)
		fatalx("cannot create the event loop");
	signals_setup(&d);
	if ((d.sched = sched_new(d.ev, on_change, &d)) == NULL)
		fatalx("out of memory");
	/* 128 checks in flight hold about 3 MB: less is not worth a trim */
	sched_set_trim(d.sched, heap_trim, 128);
	agent_set_stats_clock(sched_stats_clock_cb, d.sched);
	agent_set_engine_cb(engine_load, d.sched);

	memset(&ao, 0, sizeof(ao));
	if (xsock != NULL && d.conf.snmp_listen[0] != '\0')
		fatalx("-x: %s sets snmp-listen: mailmond serves SNMP itself "
		    "and uses no AgentX socket", d.conf_path);
	for (i = 0; i < d.conf.ncommunity; i++) {
		comm[i].name = d.conf.community[i].name;
		comm[i].source = d.conf.community[i].source;
	}
	for (i = 0; i < d.conf.ntrapsink; i++) {
		sinks[i].host = d.conf.trapsink[i].host;
		sinks[i].community = d.conf.trapsink[i].community;
	}
	ao.listen = d.conf.snmp_listen;
	ao.community = comm;
	ao.ncommunity = d.conf.ncommunity;
	ao.trapsink = sinks;
	ao.ntrapsink = d.conf.ntrapsink;
	ao.agentx_socket = xsock != NULL ? xsock :
	    d.conf.agentx_socket[0] != '\0' ? d.conf.agentx_socket : NULL;
	if (xsock != NULL)
		mm_strlcpy(d.conf.agentx_socket, xsock,
		    sizeof(d.conf.agentx_socket));
	ao.ping_interval = d.conf.ping_interval;
	ao.app_name = "mailmond";
	ao.foreground = foreground;
	/*
	 * No master yet is not fatal: the agent keeps trying every ping
	 * interval, and the probes run regardless.
	 */
	rc = agent_init(d.ev, &ao, sched_rows_cb, d.sched);
	if (rc == -2)
		fatalx("SNMP: cannot serve on %s (see above)", ao.listen);
	if (rc == -1)
		log_warnx("AgentX: no session to the master agent yet (%s); "
		    "retrying in the background",
		    ao.agentx_socket ? ao.agentx_socket : "default socket");
	sched_set_ticks(d.sched, agent_uptime);

	/* the resolver library now, so a missing one is said at start */
	if (dns_preload(err, sizeof(err)) == -1)
		log_warnx("%s: probes of host names will fail", err);

	if (run_user[0] != '\0')
		drop_privileges(run_user, run_uid, run_gid);
	else if (geteuid() == 0)
		log_warnx("running as root (--allow-root)");

	d.fd_budget = fd_budget();
	set_inflight(&d, &d.conf);
	if (sched_apply_conf(d.sched, &d.conf) == -1)
		fatalx("out of memory");
	/* after the privilege drop: the same user writes it later */
	state_load(&d);
	if ((d.save_timer = ev_timer_new(d.ev, state_timer, &d)) == NULL)
		fatalx("out of memory");
	ev_timer_in(d.save_timer, (int64_t)d.conf.interval_s * 1000000);
	log_notice("started: %zu probes from %s", d.conf.nprobes, d.conf_path);
	conf_free(&d.conf);	/* the monitors hold their own copies */
	heap_trim();

	while (!d.quit)
		if (ev_run(d.ev) == -1 && errno != EINTR)
			fatal("event loop");

	state_save(&d, 1);
	ev_timer_free(d.save_timer);
	sched_free(d.sched);
	agent_shutdown();
	ev_io_free(d.sigio);
	ev_free(d.ev);
	close(d.sigpipe[0]);
	close(d.sigpipe[1]);
	if (pidfile != NULL && unlink(pidfile) == -1 && errno != ENOENT)
		log_debug(LT_CONFIG, "cannot remove %s: %s", pidfile,
		    strerror(errno));
	log_notice("stopped");
	if (log_fp != NULL)
		fclose(log_fp);
	return 0;
}

/*
 * agent_loop.c - Net-SNMP's sockets and alarms inside our event loop.
 *
 * Net-SNMP wants to own the loop (agent_check_and_process: select(),
 * at most 32 extra fds).  Instead we ask it which fds and which
 * deadline it needs, and mirror that into ev watchers and one timer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent_loop.h"
#include "agent_state.h"

#include "ev.h"
#include "log.h"

/*
 * The watchdog's first tick: with a session, a failed ping costs the
 * Ping and the Close round trips (a third of a second each, agent_core.c)
 * before the reconnect; without one, the reconnect comes first.  Then a
 * tick every GUARD_EVERY_US until the call returns.
 */
#define GUARD_CONNECTED_US	1000000
#define GUARD_DISCONNECTED_US	400000
#define GUARD_EVERY_US		100000

static struct {
	struct ev	*ev;
	struct ev_timer	*timer;
	int64_t		 timer_at;	/* 0 = not armed */
	struct ev_io	**io;
	int		*fd;		/* the fd each watcher watches */
	size_t		 nio;
	size_t		 capio;
	unsigned	 gen;		/* sessions opened or closed so far */
	unsigned	 synced_gen;	/* ... when the watchers were made */
	int		 syncing;
	int		 guarding;
	struct sigaction old_alrm;
} loop;

static volatile sig_atomic_t guard_ticks;

static void	agent_loop_read(int, int, void *);
static void	agent_loop_timeout(void *);

static void
free_watchers(void)
{
	size_t	 i;

	for (i = 0; i < loop.nio; i++)
		ev_io_free(loop.io[i]);
	loop.nio = 0;
}

static int
add_watcher(int fd)
{
	struct ev_io	*w;
	int		 flags;

	if (loop.nio == loop.capio) {
		size_t		 n = loop.capio ? loop.capio * 2 : 4;
		struct ev_io	**p;
		int		*f;

		if ((p = reallocarray(loop.io, n, sizeof(*p))) == NULL)
			return -1;
		loop.io = p;
		if ((f = reallocarray(loop.fd, n, sizeof(*f))) == NULL)
			return -1;
		loop.fd = f;
		loop.capio = n;
	}
	/*
	 * snmp_read2() may call recvfrom() more than once: a blocking
	 * socket would hang the whole daemon in it.  Set once, when the
	 * watcher is made, not around every read.
	 */
	flags = fcntl(fd, F_GETFL);
	if (flags != -1 && !(flags & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if ((w = ev_io_new(loop.ev, fd, EV_READ, agent_loop_read, NULL)) == NULL)
		return -1;
	loop.io[loop.nio] = w;
	loop.fd[loop.nio++] = fd;
	return 0;
}

void
agent_loop_session_changed(void)
{
	loop.gen++;
}

/* the fds Net-SNMP reads are the ones we watch, in order */
static int
same_fds(netsnmp_large_fd_set *fds, int maxfd)
{
	size_t	 k = 0;
	int	 fd;

	for (fd = 0; fd < maxfd; fd++) {
		if (!NETSNMP_LARGE_FD_ISSET(fd, fds))
			continue;
		if (k >= loop.nio || loop.fd[k] != fd)
			return 0;
		k++;
	}
	return k == loop.nio;
}

/*
 * Bring our watchers in line with what Net-SNMP waits for.
 *
 * Net-SNMP is not written for an outside event loop: after every
 * snmp_read2() and every snmp_timeout()/run_alarms() the set of file
 * descriptors it reads and its next deadline may have changed (a
 * session was closed, a reconnect opened a new socket, a request now
 * waits for its answer).  So after each of those calls, and after
 * anything that sends a PDU (notifications), ask snmp_select_info2()
 * again and rebuild the watchers and the timer from its answer.
 *
 * Most syncs change nothing (a GET was answered on the same socket, the
 * same alarm is due), and each watcher made anew is two epoll_ctl
 * calls, so watchers are kept while the set of fds is the same and no
 * session was opened or closed since they were made: a failed ping
 * closes the AgentX socket and the reconnect in the same run_alarms()
 * call gets the same fd number back, and only the session callbacks
 * (agent_loop_session_changed()) tell that apart.  The timer is moved
 * only when Net-SNMP's deadline came nearer.  The large fd set, not
 * fd_set, because our fds go past FD_SETSIZE.
 */
void
agent_loop_sync(void)
{
	netsnmp_large_fd_set	 fds;
	struct timeval		 tv;
	int64_t			 at;
	int			 maxfd = 0, block = 1, fd;

	if (loop.ev == NULL || loop.syncing)
		return;
	loop.syncing = 1;
	memset(&tv, 0, sizeof(tv));
	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	snmp_select_info2(&maxfd, &fds, &tv, &block);
	if (loop.synced_gen != loop.gen || !same_fds(&fds, maxfd)) {
		free_watchers();
		for (fd = 0; fd < maxfd; fd++)
			if (NETSNMP_LARGE_FD_ISSET(fd, &fds) &&
			    add_watcher(fd) == -1)
				log_warn("AgentX: cannot watch fd %d", fd);
		loop.synced_gen = loop.gen;
	}
	netsnmp_large_fd_set_cleanup(&fds);

	/*
	 * The timer only ever moves earlier.  Net-SNMP's deadline jumps
	 * around with every PDU (a request's third of a second, the ping
	 * alarm pushed back by traffic): following it would cost heap
	 * work three times per varbind of a walk.  A timer that fires
	 * before anything is due costs one idle snmp_timeout(), and the
	 * sync after it arms the real deadline.  block == 1 (no deadline
	 * at all) leaves a pending timer alone for the same reason.
	 */
	if (!block) {
		at = ev_now(loop.ev) + (int64_t)tv.tv_sec * 1000000 +
		    tv.tv_usec;
		if (loop.timer_at == 0 || at < loop.timer_at - 1000) {
			ev_timer_at(loop.timer, at);
			loop.timer_at = at;
		}
	}
	loop.syncing = 0;
}

/*
 * A watchdog around the Net-SNMP calls that may reconnect to the master.
 *
 * The AgentX admin PDUs are bounded by the session timeout, but a
 * reconnect starts with Net-SNMP's blocking connect() to the master's
 * socket.  A master that is alive but hung (stopped, stuck on a disk)
 * does not accept: the first few connects sit in its listen backlog, and
 * once the backlog is full connect() sleeps until the master accepts
 * again, however long that is, with every probe waiting behind it.  An
 * interval timer raises SIGALRM, caught without SA_RESTART, so such a
 * connect() fails with EINTR; Net-SNMP gives up that attempt and tries
 * again a ping interval later.  Its synchronous waits retry select() on
 * EINTR, so a tick elsewhere costs nothing.
 */
static void
guard_alarm(int sig)
{
	(void)sig;
	guard_ticks++;
}

void
agent_guard_begin(void)
{
	struct itimerval it;
	long		 first;

	if (!loop.guarding)
		return;
	first = agent_connected() ? GUARD_CONNECTED_US : GUARD_DISCONNECTED_US;
	guard_ticks = 0;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = first / 1000000;
	it.it_value.tv_usec = first % 1000000;
	it.it_interval.tv_usec = GUARD_EVERY_US;
	if (setitimer(ITIMER_REAL, &it, NULL) == -1)
		log_warn("AgentX: watchdog timer");
}

void
agent_guard_end(void)
{
	struct itimerval it;

	if (!loop.guarding)
		return;
	memset(&it, 0, sizeof(it));
	(void)setitimer(ITIMER_REAL, &it, NULL);
	if (guard_ticks > 0 && !agent_connected())
		log_debug(LT_AGENT, "AgentX: master agent did not accept the "
		    "connection in time (hung?), retrying later");
	guard_ticks = 0;
}

static void
agent_loop_read(int fd, int events, void *arg)
{
	netsnmp_large_fd_set	 fds;

	(void)events;
	(void)arg;
	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	NETSNMP_LARGE_FD_SET(fd, &fds);
	snmp_read2(&fds);
	netsnmp_large_fd_set_cleanup(&fds);
	netsnmp_check_outstanding_agent_requests();
	agent_loop_sync();
}

static void
agent_loop_timeout(void *arg)
{
	(void)arg;
	loop.timer_at = 0;		/* it fired */
	agent_guard_begin();
	snmp_timeout();
	run_alarms();
	agent_guard_end();
	netsnmp_check_outstanding_agent_requests();
	agent_loop_sync();
}

int
agent_loop_init(struct ev *ev)
{
	struct sigaction sa;

	if (loop.ev != NULL)
		return 0;
	if ((loop.timer = ev_timer_new(ev, agent_loop_timeout, NULL)) == NULL)
		return -1;
	loop.ev = ev;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = guard_alarm;
	sa.sa_flags = 0;	/* no SA_RESTART: interrupting is the point */
	if (sigaction(SIGALRM, &sa, &loop.old_alrm) == -1)
		log_warn("AgentX: no watchdog for connects to the master");
	else
		loop.guarding = 1;
	return 0;
}

void
agent_loop_free(void)
{
	if (loop.guarding) {
		agent_guard_end();
		(void)sigaction(SIGALRM, &loop.old_alrm, NULL);
		loop.guarding = 0;
	}
	free_watchers();
	free(loop.io);
	free(loop.fd);
	loop.io = NULL;
	loop.fd = NULL;
	loop.capio = 0;
	loop.timer_at = 0;
	ev_timer_free(loop.timer);
	loop.timer = NULL;
	loop.ev = NULL;
}

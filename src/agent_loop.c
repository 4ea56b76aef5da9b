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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_priv.h"

#include "ev.h"
#include "log.h"

static struct {
	struct ev	*ev;
	struct ev_timer	*timer;
	struct ev_io	**io;
	size_t		 nio;
	size_t		 capio;
	int		 syncing;
} loop;

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

	if (loop.nio == loop.capio) {
		size_t		 n = loop.capio ? loop.capio * 2 : 4;
		struct ev_io	**p;

		if ((p = reallocarray(loop.io, n, sizeof(*p))) == NULL)
			return -1;
		loop.io = p;
		loop.capio = n;
	}
	if ((w = ev_io_new(loop.ev, fd, EV_READ, agent_loop_read, NULL)) == NULL)
		return -1;
	loop.io[loop.nio++] = w;
	return 0;
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
 * The watchers are freed and created anew on every sync rather than
 * diffed: a failed ping closes the AgentX socket and the reconnect in
 * the same run_alarms() call gets the same fd number back, and a diff
 * by number would keep a watcher for a socket that no longer exists.
 * The large fd set, not fd_set, because our fds go past FD_SETSIZE.
 */
void
agent_loop_sync(void)
{
	netsnmp_large_fd_set	 fds;
	struct timeval		 tv;
	int			 maxfd = 0, block = 1, fd;

	if (loop.ev == NULL || loop.syncing)
		return;
	loop.syncing = 1;
	free_watchers();
	memset(&tv, 0, sizeof(tv));
	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	snmp_select_info2(&maxfd, &fds, &tv, &block);
	for (fd = 0; fd < maxfd; fd++) {
		if (NETSNMP_LARGE_FD_ISSET(fd, &fds) && add_watcher(fd) == -1)
			log_warn("AgentX: cannot watch fd %d", fd);
	}
	netsnmp_large_fd_set_cleanup(&fds);

	ev_timer_stop(loop.timer);
	/* block == 1: Net-SNMP has no deadline at all, so no timer */
	if (!block)
		ev_timer_in(loop.timer,
		    (int64_t)tv.tv_sec * 1000000 + tv.tv_usec);
	loop.syncing = 0;
}

static void
agent_loop_read(int fd, int events, void *arg)
{
	netsnmp_large_fd_set	 fds;
	int			 flags;

	(void)events;
	(void)arg;
	/*
	 * snmp_read2() may call recvfrom() more than once; a socket left
	 * blocking would hang the whole daemon in it.
	 */
	flags = fcntl(fd, F_GETFL);
	if (flags != -1 && !(flags & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	NETSNMP_LARGE_FD_SET(fd, &fds);
	snmp_read2(&fds);
	netsnmp_large_fd_set_cleanup(&fds);
	/* the fd may be closed by now: restoring then fails harmlessly */
	if (flags != -1 && !(flags & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, flags);
	netsnmp_check_outstanding_agent_requests();
	agent_loop_sync();
}

static void
agent_loop_timeout(void *arg)
{
	(void)arg;
	snmp_timeout();
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
	agent_loop_sync();
}

int
agent_loop_init(struct ev *ev)
{
	if (loop.ev != NULL)
		return 0;
	if ((loop.timer = ev_timer_new(ev, agent_loop_timeout, NULL)) == NULL)
		return -1;
	loop.ev = ev;
	return 0;
}

void
agent_loop_free(void)
{
	free_watchers();
	free(loop.io);
	loop.io = NULL;
	loop.capio = 0;
	ev_timer_free(loop.timer);
	loop.timer = NULL;
	loop.ev = NULL;
}

/*
 * pingpong.c - the floor under a column walk through snmpd.
 *
 * Net-SNMP 5.9's master forwards each repetition of a GETBULK as one
 * AgentX GetNext, and waits for the answer before it asks for the next
 * one: a column walk is a chain of round trips between two processes
 * that never overlap.  Its time is what both sides spend per round
 * trip, work and wake-ups alike.  This measures that chain with no
 * work at all: the parent waits in select() as snmpd does, the child
 * in epoll_wait() as mailmond does, over a unix stream socket, with
 * messages of an AgentX GetNext's and Response's size.  What the child
 * spends per round trip is the least any subagent can spend there.
 *
 * usage: pingpong [ROUNDTRIPS]   (default 100000)
 * prints: PINGPONG n=N wall_s=X us_per_rt=X master_cpu_us=X echo_cpu_us=X
 *   master_cpu_us, echo_cpu_us: CPU (user + system) per round trip of
 *   the select() side and of the epoll side
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQ_LEN		 88	/* a GetNext for one column OID */
#define RESP_LEN	 96	/* its Response with one varbind */

static double
cpu_us(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e6 +
	    ru->ru_utime.tv_usec + ru->ru_stime.tv_usec;
}

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* the subagent's side: one epoll loop that answers each message */
static int
echo(int fd)
{
	struct epoll_event	 ev = { .events = EPOLLIN }, got;
	char			 buf[RESP_LEN];
	int			 ep;
	ssize_t			 n;

	if ((ep = epoll_create1(0)) == -1 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		return 1;
	memset(buf, 'r', sizeof(buf));
	for (;;) {
		if (epoll_wait(ep, &got, 1, -1) == -1)
			return 1;
		if ((n = recv(fd, buf, sizeof(buf), 0)) <= 0)
			return n == 0 ? 0 : 1;
		if (send(fd, buf, RESP_LEN, 0) != RESP_LEN)
			return 1;
	}
}

/* the master's side: send, select() until the answer, read it */
static int
ask(int fd, long n)
{
	char	 buf[RESP_LEN];
	fd_set	 rd;
	long	 i;

	memset(buf, 'q', sizeof(buf));
	for (i = 0; i < n; i++) {
		if (send(fd, buf, REQ_LEN, 0) != REQ_LEN)
			return 1;
		FD_ZERO(&rd);
		FD_SET(fd, &rd);
		if (select(fd + 1, &rd, NULL, NULL, NULL) != 1)
			return 1;
		/* both messages are smaller than a socket buffer: one read */
		if (recv(fd, buf, sizeof(buf), 0) != RESP_LEN)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct rusage	 self, kid;
	long		 n = argc > 1 ? atol(argv[1]) : 100000;
	double		 t0, t1;
	pid_t		 pid;
	int		 sv[2], st, rc;

	if (n < 1 || argc > 2) {
		fprintf(stderr, "usage: pingpong [ROUNDTRIPS]\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		perror("pingpong: socketpair");
		return 1;
	}
	if ((pid = fork()) == -1) {
		perror("pingpong: fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		_exit(echo(sv[1]));
	}
	close(sv[1]);
	t0 = now_s();
	rc = ask(sv[0], n);
	t1 = now_s();
	getrusage(RUSAGE_SELF, &self);
	close(sv[0]);
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 || rc != 0) {
		fprintf(stderr, "pingpong: a side failed\n");
		return 1;
	}
	getrusage(RUSAGE_CHILDREN, &kid);
	printf("PINGPONG n=%ld wall_s=%.3f us_per_rt=%.2f master_cpu_us=%.2f "
	    "echo_cpu_us=%.2f\n", n, t1 - t0, (t1 - t0) * 1e6 / n,
	    cpu_us(&self) / n, cpu_us(&kid) / n);
	return 0;
}

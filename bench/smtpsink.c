/*
 * smtpsink.c - a loopback SMTP responder cheap enough to hold 10,000
 * sessions at once, so a benchmark measures the client, not the server.
 *
 * One epoll loop, non-blocking sockets, one small fixed buffer per
 * session.  It greets with 220, answers EHLO/HELO/LHLO, MAIL, RCPT,
 * RSET, NOOP and QUIT, refuses everything else with 502, and never
 * reads a message body (DATA is refused).  Replies are short enough to
 * fit any socket buffer, so a write that does not complete at once
 * closes the session instead of queueing.
 *
 * usage: smtpsink [-a ADDR] [-p PORT] [-b BACKLOG]
 *   Prints "smtpsink: listening on ADDR:PORT" once ready.  On SIGTERM
 *   or SIGINT it prints session counts and its own CPU time to stderr.
 *   Only loopback addresses are accepted.
 */
#define _GNU_SOURCE	/* accept4 */

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SINK_LINEMAX	512	/* RFC 5321 command line limit */
#define SINK_MAXEVENTS	512

struct sess {
	int	 fd;
	size_t	 len;
	char	 buf[SINK_LINEMAX];
};

static volatile sig_atomic_t	 stop;
static unsigned long		 n_accepted, n_quit, n_dropped, n_active,
				 n_peak;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
sess_close(int epfd, struct sess *s, int orderly)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	free(s);
	n_active--;
	if (orderly)
		n_quit++;
	else
		n_dropped++;
}

/* 0 sent in full, -1 the session must go */
static int
reply(int fd, const char *msg)
{
	size_t	 len = strlen(msg);
	ssize_t	 n;

	n = send(fd, msg, len, MSG_NOSIGNAL);
	return n == (ssize_t)len ? 0 : -1;
}

static int
verb_is(const char *line, size_t len, const char *verb)
{
	size_t	 vl = strlen(verb);

	return len >= vl && strncasecmp(line, verb, vl) == 0 &&
	    (len == vl || line[vl] == ' ');
}

/* answer one command line; 1 on QUIT, -1 on error, 0 otherwise */
static int
command(int fd, const char *line, size_t len)
{
	if (verb_is(line, len, "EHLO") || verb_is(line, len, "LHLO"))
		return reply(fd, "250-sink.localhost\r\n250-PIPELINING\r\n"
		    "250-8BITMIME\r\n250 SIZE 10240000\r\n");
	if (verb_is(line, len, "HELO"))
		return reply(fd, "250 sink.localhost\r\n");
	if (verb_is(line, len, "MAIL") || verb_is(line, len, "RCPT") ||
	    verb_is(line, len, "RSET") || verb_is(line, len, "NOOP"))
		return reply(fd, "250 2.0.0 OK\r\n");
	if (verb_is(line, len, "QUIT"))
		return reply(fd, "221 2.0.0 Bye\r\n") == 0 ? 1 : -1;
	return reply(fd, "502 5.5.2 Command not recognised\r\n");
}

static void
sess_read(int epfd, struct sess *s)
{
	ssize_t	 n;
	size_t	 i, start;
	int	 rc;

	for (;;) {
		n = recv(s->fd, s->buf + s->len, sizeof(s->buf) - s->len, 0);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			sess_close(epfd, s, 0);
			return;
		}
		s->len += (size_t)n;
		start = 0;
		for (i = 0; i < s->len; i++) {
			if (s->buf[i] != '\n')
				continue;
			rc = command(s->fd, s->buf + start,
			    i > start && s->buf[i - 1] == '\r' ?
			    i - 1 - start : i - start);
			if (rc != 0) {
				sess_close(epfd, s, rc == 1);
				return;
			}
			start = i + 1;
		}
		if (start == 0 && s->len == sizeof(s->buf)) {
			/* no line end within the limit */
			(void)reply(s->fd, "500 5.5.6 Line too long\r\n");
			sess_close(epfd, s, 0);
			return;
		}
		memmove(s->buf, s->buf + start, s->len - start);
		s->len -= start;
	}
}

static void
accept_all(int epfd, int lfd)
{
	struct epoll_event	 ee;
	struct sess		*s;
	int			 fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				perror("smtpsink: accept");
			return;
		}
		n_accepted++;
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			close(fd);
			n_dropped++;
			continue;
		}
		s->fd = fd;
		n_active++;
		if (n_active > n_peak)
			n_peak = n_active;
		memset(&ee, 0, sizeof(ee));
		ee.events = EPOLLIN | EPOLLRDHUP;
		ee.data.ptr = s;
		if (reply(fd, "220 sink.localhost ESMTP smtpsink\r\n") == -1 ||
		    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ee) == -1) {
			close(fd);
			free(s);
			n_active--;
			n_dropped++;
		}
	}
}

static void
raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
is_loopback(const struct in_addr *a)
{
	return (ntohl(a->s_addr) >> 24) == 127;
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ee, evs[SINK_MAXEVENTS];
	struct sockaddr_in	 sin;
	struct sigaction	 sa;
	struct rusage		 ru;
	const char		*addr = "127.0.0.1";
	int			 port = 2525, backlog = 65535, ch, lfd, epfd;
	int			 one = 1, i, n;

	while ((ch = getopt(argc, argv, "a:b:p:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: smtpsink [-a ADDR] [-p PORT] "
			    "[-b BACKLOG]\n");
			return 2;
		}
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (port <= 0 || port > 65535 ||
	    inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    !is_loopback(&sin.sin_addr)) {
		fprintf(stderr, "smtpsink: need a 127/8 address and a port\n");
		return 2;
	}
	raise_nofile();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, backlog) == -1) {
		perror("smtpsink: listen");
		return 1;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("smtpsink: epoll");
		return 1;
	}
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	ee.data.ptr = NULL;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ee) == -1) {
		perror("smtpsink: epoll_ctl");
		return 1;
	}
	printf("smtpsink: listening on %s:%d\n", addr, port);
	fflush(stdout);

	while (!stop) {
		n = epoll_wait(epfd, evs, SINK_MAXEVENTS, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("smtpsink: epoll_wait");
			break;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				accept_all(epfd, lfd);
			else
				sess_read(epfd, evs[i].data.ptr);
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "smtpsink: accepted=%lu quit=%lu dropped=%lu "
	    "active=%lu peak=%lu cpu=%.3f\n", n_accepted, n_quit, n_dropped,
	    n_active, n_peak,
	    ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return 0;
}

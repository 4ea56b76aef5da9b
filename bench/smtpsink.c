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
 * usage: smtpsink [-a ADDR] [-p PORT] [-b BACKLOG] [-m smtp|hang]
 *                 [-t -C CERT -K KEY] [-s STATSFILE]
 *   -m hang   accept and never greet: hold every connection until the
 *             client closes it (a hung server, for timeouts at scale)
 *   -t        offer STARTTLS (EHLO advertises it); the handshake runs
 *             non-blocking in the same loop, with CERT/KEY (PEM)
 *   -s FILE   append one line per wall-clock second:
 *             "SECOND accepted quit tls" (counts within that second),
 *             e.g. to draw a histogram of connection starts
 *   Prints "smtpsink: listening on ADDR:PORT" once ready.  On SIGUSR1
 *   it prints "COUNTS mono=S accepted=N quit=N tls=N dropped=N active=N
 *   peak=N cpu=S" (cumulative) to stdout.  On SIGTERM or SIGINT it
 *   prints the same counts and its own CPU time to stderr.
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
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define SINK_LINEMAX	512	/* RFC 5321 command line limit */
#define SINK_MAXEVENTS	512

enum sess_state { S_PLAIN, S_HANDSHAKE, S_TLS, S_HANG };

struct sess {
	int		 fd;
	enum sess_state	 state;
	SSL		*ssl;
	size_t		 len;
	char		 buf[SINK_LINEMAX];
};

static volatile sig_atomic_t	 stop, want_counts;
static unsigned long		 n_accepted, n_quit, n_dropped, n_active,
				 n_peak, n_tls;
/* this second's counts, for -s */
static unsigned long		 s_accepted, s_quit, s_tls;
static SSL_CTX			*tls_ctx;
static int			 hang_mode;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_counts = 1;
	else
		stop = 1;
}

static double
cpu_s(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
print_counts(FILE *fp, const char *tag)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(fp, "%s mono=%ld.%09ld accepted=%lu quit=%lu tls=%lu "
	    "dropped=%lu active=%lu peak=%lu cpu=%.3f\n", tag,
	    (long)ts.tv_sec, ts.tv_nsec, n_accepted, n_quit, n_tls,
	    n_dropped, n_active, n_peak, cpu_s());
	fflush(fp);
}

static void
sess_close(int epfd, struct sess *s, int orderly)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL);
	if (s->ssl != NULL) {
		if (orderly)
			(void)SSL_shutdown(s->ssl);
		SSL_free(s->ssl);
	}
	close(s->fd);
	free(s);
	n_active--;
	if (orderly) {
		n_quit++;
		s_quit++;
	} else
		n_dropped++;
}

/* 0 sent in full, -1 the session must go */
static int
reply(struct sess *s, const char *msg)
{
	size_t	 len = strlen(msg);
	ssize_t	 n;

	if (s->ssl != NULL) {
		ERR_clear_error();
		n = SSL_write(s->ssl, msg, (int)len);
	} else
		n = send(s->fd, msg, len, MSG_NOSIGNAL);
	return n == (ssize_t)len ? 0 : -1;
}

static int
verb_is(const char *line, size_t len, const char *verb)
{
	size_t	 vl = strlen(verb);

	return len >= vl && strncasecmp(line, verb, vl) == 0 &&
	    (len == vl || line[vl] == ' ');
}

/* answer one command line; 1 on QUIT, 2 on STARTTLS, -1 on error, else 0 */
static int
command(struct sess *s, const char *line, size_t len)
{
	if (verb_is(line, len, "EHLO") || verb_is(line, len, "LHLO")) {
		if (tls_ctx != NULL && s->state == S_PLAIN)
			return reply(s, "250-sink.localhost\r\n"
			    "250-PIPELINING\r\n250-STARTTLS\r\n"
			    "250-8BITMIME\r\n250 SIZE 10240000\r\n");
		return reply(s, "250-sink.localhost\r\n250-PIPELINING\r\n"
		    "250-8BITMIME\r\n250 SIZE 10240000\r\n");
	}
	if (verb_is(line, len, "HELO"))
		return reply(s, "250 sink.localhost\r\n");
	if (verb_is(line, len, "STARTTLS") && tls_ctx != NULL &&
	    s->state == S_PLAIN)
		return reply(s, "220 2.0.0 Ready to start TLS\r\n") == 0 ?
		    2 : -1;
	if (verb_is(line, len, "MAIL") || verb_is(line, len, "RCPT") ||
	    verb_is(line, len, "RSET") || verb_is(line, len, "NOOP"))
		return reply(s, "250 2.0.0 OK\r\n");
	if (verb_is(line, len, "QUIT"))
		return reply(s, "221 2.0.0 Bye\r\n") == 0 ? 1 : -1;
	return reply(s, "502 5.5.2 Command not recognised\r\n");
}

static int
set_events(int epfd, struct sess *s, unsigned events)
{
	struct epoll_event	 ee;

	memset(&ee, 0, sizeof(ee));
	ee.events = events;
	ee.data.ptr = s;
	return epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ee);
}

/* drive the server handshake; -1 when the session must go */
static int
handshake(int epfd, struct sess *s)
{
	int	 rc, err;

	ERR_clear_error();
	rc = SSL_do_handshake(s->ssl);
	if (rc == 1) {
		s->state = S_TLS;
		n_tls++;
		s_tls++;
		return set_events(epfd, s, EPOLLIN | EPOLLRDHUP);
	}
	err = SSL_get_error(s->ssl, rc);
	if (err == SSL_ERROR_WANT_READ)
		return set_events(epfd, s, EPOLLIN | EPOLLRDHUP);
	if (err == SSL_ERROR_WANT_WRITE)
		return set_events(epfd, s, EPOLLOUT);
	return -1;
}

static int
start_tls(int epfd, struct sess *s)
{
	/* RFC 3207: anything pipelined after STARTTLS is discarded */
	s->len = 0;
	if ((s->ssl = SSL_new(tls_ctx)) == NULL ||
	    SSL_set_fd(s->ssl, s->fd) != 1)
		return -1;
	SSL_set_accept_state(s->ssl);
	s->state = S_HANDSHAKE;
	return handshake(epfd, s);
}

/* read what is there: -1 would block, 0 EOF or error, else bytes */
static ssize_t
sess_recv(struct sess *s, char *buf, size_t len)
{
	ssize_t	 n;
	int	 err;

	if (s->ssl == NULL) {
		for (;;) {
			n = recv(s->fd, buf, len, 0);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return -1;
			return n < 0 ? 0 : n;
		}
	}
	ERR_clear_error();
	n = SSL_read(s->ssl, buf, (int)len);
	if (n > 0)
		return n;
	err = SSL_get_error(s->ssl, (int)n);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		return -1;
	return 0;
}

static void
sess_event(int epfd, struct sess *s)
{
	ssize_t	 n;
	size_t	 i, start;
	int	 rc;

	if (s->state == S_HANG) {
		char	 junk[512];

		for (;;) {
			n = recv(s->fd, junk, sizeof(junk), 0);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			if (n <= 0) {
				sess_close(epfd, s, 1);
				return;
			}
		}
	}
	if (s->state == S_HANDSHAKE) {
		if (handshake(epfd, s) == -1) {
			sess_close(epfd, s, 0);
			return;
		}
		if (s->state != S_TLS)
			return;
		/* the client may have sent its EHLO with its Finished */
	}
	for (;;) {
		n = sess_recv(s, s->buf + s->len, sizeof(s->buf) - s->len);
		if (n == -1)
			return;
		if (n == 0) {
			sess_close(epfd, s, 0);
			return;
		}
		s->len += (size_t)n;
		start = 0;
		for (i = 0; i < s->len; i++) {
			if (s->buf[i] != '\n')
				continue;
			rc = command(s, s->buf + start,
			    i > start && s->buf[i - 1] == '\r' ?
			    i - 1 - start : i - start);
			if (rc == 2) {
				if (start_tls(epfd, s) == -1)
					sess_close(epfd, s, 0);
				else if (s->state == S_TLS)
					break;	/* read on under TLS */
				return;
			}
			if (rc != 0) {
				sess_close(epfd, s, rc == 1);
				return;
			}
			start = i + 1;
		}
		if (s->len == 0)
			continue;
		if (start == 0 && s->len == sizeof(s->buf)) {
			/* no line end within the limit */
			(void)reply(s, "500 5.5.6 Line too long\r\n");
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
	int			 fd, one = 1;

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
		s_accepted++;
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			close(fd);
			n_dropped++;
			continue;
		}
		s->fd = fd;
		s->state = hang_mode ? S_HANG : S_PLAIN;
		/*
		 * TLS writes its records in several small sends (session
		 * tickets, then the reply): without this, Nagle holds the
		 * reply until the client's delayed ACK, 40 ms later.
		 */
		if (tls_ctx != NULL)
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
		n_active++;
		if (n_active > n_peak)
			n_peak = n_active;
		memset(&ee, 0, sizeof(ee));
		ee.events = EPOLLIN | EPOLLRDHUP;
		ee.data.ptr = s;
		if ((!hang_mode &&
		    reply(s, "220 sink.localhost ESMTP smtpsink\r\n") == -1) ||
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

static SSL_CTX *
tls_setup(const char *cert, const char *key)
{
	SSL_CTX	*ctx;

	if (cert == NULL || key == NULL) {
		fprintf(stderr, "smtpsink: -t needs -C CERT and -K KEY\n");
		return NULL;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ERR_print_errors_fp(stderr);
		fprintf(stderr, "smtpsink: cannot set up TLS with %s, %s\n",
		    cert, key);
		if (ctx != NULL)
			SSL_CTX_free(ctx);
		return NULL;
	}
	/* a session cache would only grow: no client resumes */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

/* -s: write the finished seconds up to (not including) now */
static void
stats_tick(FILE *fp, time_t *cur)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (fp == NULL || ts.tv_sec == *cur)
		return;
	fprintf(fp, "%ld %lu %lu %lu\n", (long)*cur, s_accepted, s_quit,
	    s_tls);
	s_accepted = s_quit = s_tls = 0;
	for ((*cur)++; *cur < ts.tv_sec; (*cur)++)
		fprintf(fp, "%ld 0 0 0\n", (long)*cur);
	fflush(fp);
}

/* epoll timeout: until the next second starts (with -s) */
static int
wait_ms(FILE *fp)
{
	struct timespec	 ts;

	if (fp == NULL)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int)((1000000000L - ts.tv_nsec) / 1000000) + 1;
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ee, evs[SINK_MAXEVENTS];
	struct sockaddr_in	 sin;
	struct sigaction	 sa;
	struct timespec		 ts;
	const char		*addr = "127.0.0.1", *cert = NULL, *key = NULL;
	const char		*statsfile = NULL;
	FILE			*stats = NULL;
	time_t			 cur_sec = 0;
	int			 port = 2525, backlog = 65535, ch, lfd, epfd;
	int			 one = 1, i, n, tls = 0;

	while ((ch = getopt(argc, argv, "a:b:C:K:m:p:s:t")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'C':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "hang") == 0)
				hang_mode = 1;
			else if (strcmp(optarg, "smtp") != 0) {
				fprintf(stderr, "smtpsink: -m smtp|hang\n");
				return 2;
			}
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 's':
			statsfile = optarg;
			break;
		case 't':
			tls = 1;
			break;
		default:
			fprintf(stderr, "usage: smtpsink [-a ADDR] [-p PORT] "
			    "[-b BACKLOG] [-m smtp|hang] [-t -C CERT -K KEY] "
			    "[-s STATSFILE]\n");
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
	if (tls && (tls_ctx = tls_setup(cert, key)) == NULL)
		return 1;
	if (statsfile != NULL && (stats = fopen(statsfile, "a")) == NULL) {
		perror(statsfile);
		return 1;
	}
	raise_nofile();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: wake epoll_wait */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
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
	clock_gettime(CLOCK_REALTIME, &ts);
	cur_sec = ts.tv_sec;
	printf("smtpsink: listening on %s:%d%s%s\n", addr, port,
	    hang_mode ? " (hang)" : "", tls_ctx != NULL ? " (STARTTLS)" : "");
	fflush(stdout);

	while (!stop) {
		n = epoll_wait(epfd, evs, SINK_MAXEVENTS, wait_ms(stats));
		if (n == -1) {
			if (errno != EINTR) {
				perror("smtpsink: epoll_wait");
				break;
			}
			n = 0;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				accept_all(epfd, lfd);
			else
				sess_event(epfd, evs[i].data.ptr);
		}
		stats_tick(stats, &cur_sec);
		if (want_counts) {
			want_counts = 0;
			print_counts(stdout, "COUNTS");
		}
	}
	stats_tick(stats, &cur_sec);
	if (stats != NULL)
		fclose(stats);
	fprintf(stderr, "smtpsink: accepted=%lu quit=%lu tls=%lu dropped=%lu "
	    "active=%lu peak=%lu cpu=%.3f\n", n_accepted, n_quit, n_tls,
	    n_dropped, n_active, n_peak, cpu_s());
	return 0;
}

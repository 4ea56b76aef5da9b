/*
 * io.c - one connection: non-blocking connect, bounded buffers, TLS.
 *
 * States:
 *   INIT -> CONNECTING -> OPEN [-> HANDSHAKE -> TLS] -> EOF | ERROR
 *
 * In TLS every SSL_read/SSL_write may want the other direction
 * (renegotiation, key update, the handshake itself), so each remembers
 * which fd readiness it waits for (rd_want, wr_want) and on any event
 * both are retried.  The object is held while its callback runs
 * (frame count); io_free() inside the callback only marks it.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ev.h"
#include "io.h"
#include "iobuf.h"
#include "log.h"
#include "tls.h"
#include "util.h"

enum io_state {
	IOS_INIT = 0,
	IOS_CONNECTING,
	IOS_OPEN,		/* plain text, or waiting to start TLS */
	IOS_HANDSHAKE,
	IOS_TLS,
	IOS_EOF,
	IOS_ERROR,
	IOS_LAST
};

static const char *strstate[IOS_LAST] = {
	"INIT", "CONNECTING", "OPEN", "HANDSHAKE", "TLS", "EOF", "ERROR"
};

static const char *strevent[IO_EVENT_LAST] = {
	"CONNECTED", "TLSREADY", "DATAIN", "LOWAT", "DISCONNECTED", "ERROR"
};

#define IO_ADDR_MAX	64
#define IO_READ_CHUNK	16384

struct io {
	struct ev	*ev;
	io_cb		 cb;
	void		*arg;
	int		 fd;
	struct ev_io	*w;
	struct ev_timer	*kick;		/* deferred event / pending TLS data */
	enum io_state	 state;
	struct iobuf	 in;
	struct iobuf	 out;
	int		 wrote;		/* output queued since the last LOWAT */
	int		 paused;
	int		 pending_ev;	/* event for the kick timer, or -1 */

	SSL		*ssl;
	int		 tls_pending;	/* handshake once connected + flushed */
	int		 hs_want;
	int		 rd_want;
	int		 wr_want;
	size_t		 tls_discarded;

	int		 frame;
	int		 freed;

	enum fail_class	 fail;
	int		 err_no;
	char		 error[IO_ERROR_MAX];
	char		 laddr[IO_ADDR_MAX];
	char		 paddr[IO_ADDR_MAX];
	int		 lport;
	int		 pport;
};

static void	io_dispatch(int, int, void *);
static void	io_kick(void *);
static void	io_update(struct io *);
static void	io_destroy(struct io *);

const char *
io_strevent(int e)
{
	if (e < 0 || e >= IO_EVENT_LAST)
		return "?";
	return strevent[e];
}

static void
io_set_state(struct io *io, enum io_state st)
{
	if (io->state == st)
		return;
	log_debug(LT_IO, "%p fd=%d %s -> %s", (void *)io, io->fd,
	    strstate[io->state], strstate[st]);
	io->state = st;
}

/* hold the object across a callback */
static void
io_frame_enter(struct io *io)
{
	io->frame++;
}

/* 0 when the object is gone */
static int
io_frame_leave(struct io *io)
{
	if (--io->frame > 0)
		return !io->freed;
	if (io->freed) {
		io_destroy(io);
		return 0;
	}
	io_update(io);
	return 1;
}

/* deliver an event; 0 when the io was freed by the callback */
static int
io_emit(struct io *io, int event)
{
	if (io->freed || io->cb == NULL)
		return !io->freed;
	log_debug(LT_IO, "%p fd=%d event %s", (void *)io, io->fd,
	    io_strevent(event));
	io_frame_enter(io);
	io->cb(io, event, io->arg);
	io->frame--;		/* the outer frame finishes the job */
	return !io->freed;
}

enum fail_class
io_classify_errno(int err, int connecting, char *reason, size_t len)
{
	enum fail_class	 fc = FAIL_NETWORK;
	const char	*r = NULL;

	switch (err) {
	case ECONNREFUSED:
		fc = FAIL_REFUSED;
		r = "connection refused";
		break;
	case ETIMEDOUT:
		fc = connecting ? FAIL_CONNECT_TIMEOUT : FAIL_NETWORK;
		r = "connection timed out";
		break;
	case ENETUNREACH:
		r = "network unreachable";
		break;
	case EHOSTUNREACH:
		r = "host unreachable";
		break;
	case ENETDOWN:
		r = "network down";
		break;
	case EHOSTDOWN:
		r = "host down";
		break;
	case ECONNRESET:
	case ECONNABORTED:
		fc = connecting ? FAIL_NETWORK : FAIL_CLOSED;
		r = connecting ? "connection reset during connect" :
		    "connection reset by peer";
		break;
	case EPIPE:
		fc = connecting ? FAIL_NETWORK : FAIL_CLOSED;
		r = "connection closed by peer (broken pipe)";
		break;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOBUFS:
		fc = FAIL_INTERNAL;
		break;
	default:
		break;
	}
	if (reason != NULL && len > 0) {
		if (r != NULL)
			mm_strlcpy(reason, r, len);
		else
			snprintf(reason, len, "%s: %s",
			    connecting ? "connect" : "socket", strerror(err));
	}
	return fc;
}

static void
io_set_error(struct io *io, enum fail_class fc, int err, const char *reason)
{
	io->fail = fc;
	io->err_no = err;
	mm_strlcpy(io->error, reason, sizeof(io->error));
	io_set_state(io, IOS_ERROR);
	log_debug(LT_IO, "%p fd=%d error class=%s: %s", (void *)io, io->fd,
	    probe_fail_name(fc), reason);
	if (io->w != NULL)
		ev_io_set(io->w, 0);
}

/* an error from inside the loop: deliver now */
static int
io_error_now(struct io *io, enum fail_class fc, int err, const char *reason)
{
	io_set_error(io, fc, err, reason);
	return io_emit(io, IO_ERROR);
}

static int
io_errno_now(struct io *io, int err, int connecting)
{
	char		 r[IO_ERROR_MAX];
	enum fail_class	 fc = io_classify_errno(err, connecting, r, sizeof(r));

	return io_error_now(io, fc, err, r);
}

/* an error found inside an API call: deliver from the loop */
static void
io_error_later(struct io *io, enum fail_class fc, int err, const char *reason)
{
	io_set_error(io, fc, err, reason);
	io->pending_ev = IO_ERROR;
	if (io->kick != NULL)
		ev_timer_in(io->kick, 0);
}

static void
addr_text(const struct sockaddr *sa, char *buf, size_t len, int *port)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	buf[0] = '\0';
	*port = 0;
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, buf, len);
		*port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, len);
		*port = ntohs(sin6->sin6_port);
	}
}

static void
io_fetch_addrs(struct io *io)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if (getsockname(io->fd, (struct sockaddr *)&ss, &len) == 0)
		addr_text((struct sockaddr *)&ss, io->laddr, sizeof(io->laddr),
		    &io->lport);
	len = sizeof(ss);
	if (io->paddr[0] == '\0' &&
	    getpeername(io->fd, (struct sockaddr *)&ss, &len) == 0)
		addr_text((struct sockaddr *)&ss, io->paddr, sizeof(io->paddr),
		    &io->pport);
}

struct io *
io_new(struct ev *ev, size_t inmax, size_t outmax, io_cb cb, void *arg)
{
	static int	 sigpipe_done;
	struct io	*io;

	if (!sigpipe_done) {
		struct sigaction	 sa;

		/*
		 * OpenSSL writes to the socket with write(2): a peer that
		 * has gone must give EPIPE, not kill the daemon.
		 */
		if (sigaction(SIGPIPE, NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_DFL)
			signal(SIGPIPE, SIG_IGN);
		sigpipe_done = 1;
	}
	if ((io = calloc(1, sizeof(*io))) == NULL)
		return NULL;
	io->ev = ev;
	io->cb = cb;
	io->arg = arg;
	io->fd = -1;
	io->pending_ev = -1;
	io->rd_want = EV_READ;
	io->wr_want = EV_WRITE;
	if (iobuf_init(&io->in, inmax ? inmax : IO_INMAX_DEFAULT) == -1 ||
	    iobuf_init(&io->out, outmax ? outmax : IO_OUTMAX_DEFAULT) == -1 ||
	    (io->kick = ev_timer_new(ev, io_kick, io)) == NULL) {
		free(io);
		return NULL;
	}
	return io;
}

static void
io_destroy(struct io *io)
{
	ev_timer_free(io->kick);
	ev_io_free(io->w);
	if (io->ssl != NULL) {
		if (io->state == IOS_TLS) {
			/* best effort close_notify; never waits */
			ERR_clear_error();
			(void)SSL_shutdown(io->ssl);
		}
		SSL_free(io->ssl);
		ERR_clear_error();
	}
	if (io->fd != -1)
		close(io->fd);
	iobuf_clear(&io->in);
	iobuf_clear(&io->out);
	free(io);
}

void
io_free(struct io *io)
{
	if (io == NULL || io->freed)
		return;
	io->freed = 1;
	io->cb = NULL;
	if (io->frame > 0) {
		/* inside a callback: stop everything, free on the way out */
		ev_io_free(io->w);
		io->w = NULL;
		ev_timer_stop(io->kick);
		return;
	}
	io_destroy(io);
}

void
io_set_cb(struct io *io, io_cb cb, void *arg)
{
	if (io->freed)
		return;
	io->cb = cb;
	io->arg = arg;
}

int
io_connect(struct io *io, const struct sockaddr *sa, socklen_t salen)
{
	char	 r[IO_ERROR_MAX];
	int	 fd;

	if (io->state != IOS_INIT) {
		mm_strlcpy(io->error, "io_connect: already connected",
		    sizeof(io->error));
		return -1;
	}
	addr_text(sa, io->paddr, sizeof(io->paddr), &io->pport);
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		int		 e = errno;
		enum fail_class	 fc = io_classify_errno(e, 1, NULL, 0);

		snprintf(r, sizeof(r), "socket: %s", strerror(e));
		io_error_later(io, fc, e, r);
		return 0;
	}
	io->fd = fd;
	if (connect(fd, sa, salen) == -1 && errno != EINPROGRESS) {
		int		 e = errno;
		enum fail_class	 fc = io_classify_errno(e, 1, r, sizeof(r));

		io_error_later(io, fc, e, r);
		return 0;
	}
	if ((io->w = ev_io_new(io->ev, fd, EV_WRITE, io_dispatch, io)) == NULL) {
		snprintf(r, sizeof(r), "cannot watch socket: %s",
		    strerror(errno));
		io_error_later(io, FAIL_INTERNAL, errno, r);
		return 0;
	}
	io_set_state(io, IOS_CONNECTING);
	return 0;
}

int
io_attach(struct io *io, int fd)
{
	int	 fl;

	if (io->state != IOS_INIT || fd < 0) {
		mm_strlcpy(io->error, "io_attach: bad state or fd",
		    sizeof(io->error));
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    (io->w = ev_io_new(io->ev, fd, 0, io_dispatch, io)) == NULL) {
		snprintf(io->error, sizeof(io->error), "io_attach: %s",
		    strerror(errno));
		return -1;
	}
	io->fd = fd;
	io_set_state(io, IOS_OPEN);
	io_fetch_addrs(io);
	io_update(io);
	return 0;
}

/* TLS */

static void
io_tls_reason(struct io *io, int sslerr, int err, const char *what,
    char *buf, size_t len)
{
	switch (sslerr) {
	case SSL_ERROR_ZERO_RETURN:
		snprintf(buf, len, "%s: connection closed by peer", what);
		break;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_last_error() != 0)
			tls_error_string(buf, len, what, NULL);
		else if (err != 0) {
			char	 r[IO_ERROR_MAX];

			io_classify_errno(err, 0, r, sizeof(r));
			mm_strlcpy(buf, what, len);
			mm_strlcat(buf, ": ", len);
			mm_strlcat(buf, r, len);
		}
		else
			snprintf(buf, len, "%s: connection closed by peer",
			    what);
		break;
	case SSL_ERROR_SSL:
		tls_error_string(buf, len, what, "protocol error");
		break;
	default:
		snprintf(buf, len, "%s: SSL error %d", what, sslerr);
		break;
	}
	ERR_clear_error();
}

static void
io_tls_begin(struct io *io)
{
	io->tls_pending = 0;
	io->hs_want = EV_WRITE;		/* the ClientHello goes first */
	io_set_state(io, IOS_HANDSHAKE);
}

int
io_start_tls(struct io *io, SSL_CTX *ctx, const char *sni,
    const char *verify_host)
{
	char	 err[IO_ERROR_MAX];

	if (io->freed || io->ssl != NULL ||
	    (io->state != IOS_INIT && io->state != IOS_CONNECTING &&
	    io->state != IOS_OPEN) || ctx == NULL) {
		mm_strlcpy(io->error, "io_start_tls: bad state",
		    sizeof(io->error));
		return -1;
	}
	ERR_clear_error();
	if ((io->ssl = SSL_new(ctx)) == NULL) {
		tls_error_string(io->error, sizeof(io->error), "SSL_new", NULL);
		return -1;
	}
	if (tls_setup_ssl(io->ssl, sni, verify_host, err, sizeof(err)) == -1) {
		mm_strlcpy(io->error, err, sizeof(io->error));
		SSL_free(io->ssl);
		io->ssl = NULL;
		return -1;
	}
	SSL_set_mode(io->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_set_connect_state(io->ssl);
	/* plain text the server sent ahead of the handshake is void */
	io->tls_discarded = iobuf_len(&io->in);
	iobuf_reset(&io->in);
	io->tls_pending = 1;
	if (io->state == IOS_OPEN && iobuf_len(&io->out) == 0)
		io_tls_begin(io);
	if (io->frame == 0)
		io_update(io);
	return 0;
}

static int
io_handshake(struct io *io)
{
	char	 r[IO_ERROR_MAX];
	int	 ret, e, saved;

	if (SSL_get_fd(io->ssl) != io->fd && !SSL_set_fd(io->ssl, io->fd)) {
		tls_error_string(r, sizeof(r), "TLS setup failed", NULL);
		return io_error_now(io, FAIL_TLS, 0, r);
	}
	ERR_clear_error();
	errno = 0;
	ret = SSL_connect(io->ssl);
	saved = errno;
	if (ret == 1) {
		io->rd_want = EV_READ;
		io->wr_want = EV_WRITE;
		io_set_state(io, IOS_TLS);
		log_debug(LT_IO, "%p fd=%d TLS %s %s", (void *)io, io->fd,
		    SSL_get_version(io->ssl), SSL_get_cipher_name(io->ssl));
		return io_emit(io, IO_TLSREADY);
	}
	switch ((e = SSL_get_error(io->ssl, ret))) {
	case SSL_ERROR_WANT_READ:
		io->hs_want = EV_READ;
		return 1;
	case SSL_ERROR_WANT_WRITE:
		io->hs_want = EV_WRITE;
		return 1;
	default:
		io_tls_reason(io, e, saved, "TLS handshake failed", r, sizeof(r));
		return io_error_now(io, FAIL_TLS, saved, r);
	}
}

/* reading and writing */

static int
io_can_read(const struct io *io)
{
	return !(io->paused & IO_PAUSE_IN) && !iobuf_full(&io->in);
}

/* 0 when the io is gone or no longer readable */
static int
io_read(struct io *io)
{
	enum io_state	 st = io->state;
	char		*p, r[IO_ERROR_MAX];
	size_t		 avail, got = 0, n;
	ssize_t		 nr;
	int		 eof = 0, err = 0, sslerr = 0, ret;

	while (io_can_read(io)) {
		if ((p = iobuf_reserve(&io->in, IO_READ_CHUNK, &avail)) == NULL) {
			if (iobuf_full(&io->in))
				break;
			err = ENOMEM;
			break;
		}
		if (io->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			ret = SSL_read_ex(io->ssl, p, avail, &n);
			if (ret == 1) {
				iobuf_commit(&io->in, n);
				got += n;
				io->rd_want = EV_READ;
				continue;
			}
			err = errno;
			switch ((sslerr = SSL_get_error(io->ssl, ret))) {
			case SSL_ERROR_WANT_READ:
				io->rd_want = EV_READ;
				err = sslerr = 0;
				break;
			case SSL_ERROR_WANT_WRITE:
				io->rd_want = EV_WRITE;
				err = sslerr = 0;
				break;
			case SSL_ERROR_ZERO_RETURN:
				eof = 1;
				err = sslerr = 0;
				break;
			case SSL_ERROR_SYSCALL:
				if (ERR_peek_last_error() == 0 && err == 0) {
					eof = 1;
					sslerr = 0;
				}
				break;
			default:
				break;
			}
			break;
		}
		nr = read(io->fd, p, avail);
		if (nr > 0) {
			iobuf_commit(&io->in, (size_t)nr);
			got += (size_t)nr;
			if ((size_t)nr < avail)
				break;	/* drained; epoll says when there is more */
			continue;
		}
		if (nr == 0)
			eof = 1;
		else if (errno == EINTR)
			continue;
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			err = errno;
		break;
	}
	if (got > 0) {
		if (!io_emit(io, IO_DATAIN))
			return 0;
		if (io->state != st)
			return 0;	/* e.g. STARTTLS began in the callback */
	}
	if (sslerr != 0) {
		io_tls_reason(io, sslerr, err, "TLS read failed", r, sizeof(r));
		io_error_now(io, err ? io_classify_errno(err, 0, NULL, 0) :
		    FAIL_TLS, err, r);
		return 0;
	}
	if (err != 0) {
		io_errno_now(io, err, 0);
		return 0;
	}
	if (eof) {
		io_set_state(io, IOS_EOF);
		if (io->w != NULL)
			ev_io_set(io->w, 0);
		io_emit(io, IO_DISCONNECTED);
		return 0;
	}
	return 1;
}

/* 0 when the io is gone or broken */
static int
io_flush(struct io *io)
{
	char	 r[IO_ERROR_MAX];
	size_t	 n;
	ssize_t	 nw;
	int	 ret, e, saved;

	while (iobuf_len(&io->out) > 0 && !(io->paused & IO_PAUSE_OUT)) {
		if (io->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			ret = SSL_write_ex(io->ssl, iobuf_data(&io->out),
			    iobuf_len(&io->out), &n);
			saved = errno;
			if (ret == 1) {
				iobuf_consume(&io->out, n);
				io->wr_want = EV_WRITE;
				continue;
			}
			switch ((e = SSL_get_error(io->ssl, ret))) {
			case SSL_ERROR_WANT_WRITE:
				io->wr_want = EV_WRITE;
				return 1;
			case SSL_ERROR_WANT_READ:
				io->wr_want = EV_READ;
				return 1;
			default:
				io_tls_reason(io, e, saved, "TLS write failed",
				    r, sizeof(r));
				io_error_now(io, saved ?
				    io_classify_errno(saved, 0, NULL, 0) :
				    FAIL_TLS, saved, r);
				return 0;
			}
		}
		nw = send(io->fd, iobuf_data(&io->out), iobuf_len(&io->out),
		    MSG_NOSIGNAL);
		if (nw >= 0) {
			iobuf_consume(&io->out, (size_t)nw);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		io_errno_now(io, errno, 0);
		return 0;
	}
	if (iobuf_len(&io->out) == 0 && io->wrote) {
		io->wrote = 0;
		if (!io_emit(io, IO_LOWAT))
			return 0;
	}
	return 1;
}

static void
io_connect_done(struct io *io)
{
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		io_errno_now(io, err, 1);
		return;
	}
	io_set_state(io, IOS_OPEN);
	io_fetch_addrs(io);
	if (!io_emit(io, IO_CONNECTED))
		return;
	if (io->state == IOS_OPEN && io->tls_pending &&
	    iobuf_len(&io->out) == 0)
		io_tls_begin(io);
}

/* one round of work for whatever the socket is ready for */
static void
io_process(struct io *io, int events)
{
	switch (io->state) {
	case IOS_CONNECTING:
		io_connect_done(io);
		break;
	case IOS_HANDSHAKE:
		io_handshake(io);
		break;
	case IOS_OPEN:
		if ((events & EV_WRITE) && !io_flush(io))
			break;
		if (io->state == IOS_OPEN && io->tls_pending &&
		    iobuf_len(&io->out) == 0) {
			io_tls_begin(io);
			break;
		}
		if ((events & EV_READ) && io->state == IOS_OPEN &&
		    !io->tls_pending)
			io_read(io);
		break;
	case IOS_TLS:
		/* either direction may be waiting for either readiness */
		if (iobuf_len(&io->out) > 0 && !io_flush(io))
			break;
		if (io->state == IOS_TLS)
			io_read(io);
		break;
	default:
		break;
	}
}

static void
io_dispatch(int fd, int events, void *arg)
{
	struct io	*io = arg;

	io_frame_enter(io);
	io_process(io, events);
	io_frame_leave(io);
}

static void
io_kick(void *arg)
{
	struct io	*io = arg;
	int		 e = io->pending_ev;

	io_frame_enter(io);
	if (e != -1) {
		io->pending_ev = -1;
		io_emit(io, e);
	} else
		io_process(io, EV_READ | EV_WRITE);
	io_frame_leave(io);
}

/* bring the watcher in line with what the state needs */
static void
io_update(struct io *io)
{
	int	 want = 0;

	if (io->freed || io->w == NULL)
		return;
	switch (io->state) {
	case IOS_CONNECTING:
		want = EV_WRITE;
		break;
	case IOS_HANDSHAKE:
		want = io->hs_want;
		break;
	case IOS_OPEN:
		if (io_can_read(io) && !io->tls_pending)
			want |= EV_READ;
		if (iobuf_len(&io->out) > 0 && !(io->paused & IO_PAUSE_OUT))
			want |= EV_WRITE;
		break;
	case IOS_TLS:
		if (io_can_read(io)) {
			want |= io->rd_want;
			/* records already decrypted never wake epoll */
			if (SSL_pending(io->ssl) > 0 &&
			    !ev_timer_pending(io->kick))
				ev_timer_in(io->kick, 0);
		}
		if (iobuf_len(&io->out) > 0 && !(io->paused & IO_PAUSE_OUT))
			want |= io->wr_want;
		break;
	default:
		break;
	}
	ev_io_set(io->w, want);
}

/* input */

char *
io_data(struct io *io)
{
	return iobuf_data(&io->in);
}

size_t
io_datalen(const struct io *io)
{
	return iobuf_len(&io->in);
}

void
io_drop(struct io *io, size_t n)
{
	iobuf_consume(&io->in, n);
	if (io->frame == 0)
		io_update(io);
}

int
io_in_full(const struct io *io)
{
	return iobuf_full(&io->in);
}

const struct iobuf *
io_in(const struct io *io)
{
	return &io->in;
}

/* output */

int
io_write(struct io *io, const void *data, size_t len)
{
	if (io->freed || io->state == IOS_EOF || io->state == IOS_ERROR) {
		if (io->state == IOS_EOF)
			mm_strlcpy(io->error, "connection closed",
			    sizeof(io->error));
		return -1;
	}
	if (iobuf_append(&io->out, data, len) == -1) {
		mm_strlcpy(io->error, errno == ENOBUFS ? "output buffer full" :
		    "out of memory", sizeof(io->error));
		return -1;
	}
	if (len > 0)
		io->wrote = 1;
	if (io->frame == 0)
		io_update(io);
	return 0;
}

int
io_print(struct io *io, const char *s)
{
	return io_write(io, s, strlen(s));
}

size_t
io_queued(const struct io *io)
{
	return iobuf_len(&io->out);
}

void
io_pause(struct io *io, int what)
{
	io->paused |= what & (IO_PAUSE_IN | IO_PAUSE_OUT);
	if (io->frame == 0)
		io_update(io);
}

void
io_resume(struct io *io, int what)
{
	io->paused &= ~(what & (IO_PAUSE_IN | IO_PAUSE_OUT));
	if (io->frame == 0)
		io_update(io);
}

/* accessors */

SSL *
io_ssl(struct io *io)
{
	return io->ssl;
}

int
io_tls_established(const struct io *io)
{
	return io->state == IOS_TLS ||
	    (io->ssl != NULL && SSL_is_init_finished(io->ssl));
}

size_t
io_tls_discarded(const struct io *io)
{
	return io->tls_discarded;
}

enum fail_class
io_fail(const struct io *io)
{
	return io->fail;
}

const char *
io_error(const struct io *io)
{
	return io->error;
}

int
io_errno(const struct io *io)
{
	return io->err_no;
}

int
io_fd(const struct io *io)
{
	return io->fd;
}

int
io_connected(const struct io *io)
{
	return io->state == IOS_OPEN || io->state == IOS_HANDSHAKE ||
	    io->state == IOS_TLS;
}

const char *
io_local_addr(const struct io *io)
{
	return io->laddr;
}

const char *
io_peer_addr(const struct io *io)
{
	return io->paddr;
}

int
io_local_port(const struct io *io)
{
	return io->lport;
}

int
io_peer_port(const struct io *io)
{
	return io->pport;
}

/*
 * io.h - one connection: non-blocking connect, bounded buffers, TLS.
 *
 * The io object turns socket and OpenSSL readiness into a small event
 * vocabulary, so the protocol layer never sees EAGAIN, WANT_READ or
 * WANT_WRITE.  Every event is delivered from the loop, never from
 * inside a call into this API.
 *
 * It does not own deadlines: the protocol layer keeps its own ev
 * timers for step and whole-probe deadlines and calls io_free() (or
 * io_pause()) when one fires.
 *
 * Inside the callback the object is held: io_free() there is safe, the
 * memory goes away when the callback returns and no further event is
 * delivered.
 */
#ifndef MAILMON_IO_H
#define MAILMON_IO_H

#include <stddef.h>
#include <sys/socket.h>

#include "taxonomy.h"

struct ev;
struct io;
struct iobuf;
typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

enum io_event {
	IO_CONNECTED = 0,	/* connect() completed (not for io_attach) */
	IO_TLSREADY,		/* TLS handshake completed: see io_ssl() */
	IO_DATAIN,		/* new bytes in the input buffer */
	IO_LOWAT,		/* output queue drained to empty */
	IO_DISCONNECTED,	/* orderly end of stream (FIN or TLS close) */
	IO_ERROR,		/* see io_fail() and io_error(); final */
	IO_EVENT_LAST
};

typedef void (*io_cb)(struct io *, int event, void *arg);

#define IO_INMAX_DEFAULT	16384
#define IO_OUTMAX_DEFAULT	16384
#define IO_ERROR_MAX		128

/*
 * inmax / outmax: hard limits of the input buffer and output queue
 * (0 = defaults above).  Returns NULL only when out of memory.
 */
struct io	*io_new(struct ev *, size_t inmax, size_t outmax, io_cb,
		    void *arg);
/* close the socket, drop everything; safe inside the io's callback */
void		 io_free(struct io *);
/* change callback and argument (e.g. hand the io to another layer) */
void		 io_set_cb(struct io *, io_cb, void *arg);

/*
 * Start a non-blocking connect (SOCK_NONBLOCK|SOCK_CLOEXEC).  Returns
 * 0; every outcome, including an immediate failure such as socket()
 * running out of descriptors, arrives as IO_CONNECTED or IO_ERROR.
 * -1 only on misuse (io already connected), with io_error() set.
 */
int		 io_connect(struct io *, const struct sockaddr *, socklen_t);
/* adopt an already connected socket (made non-blocking); no IO_CONNECTED */
int		 io_attach(struct io *, int fd);

/*
 * TLS client handshake on this connection.
 *  - Implicit TLS: call before the connect completes or from the
 *    IO_CONNECTED callback; IO_CONNECTED still comes first, then
 *    IO_TLSREADY.
 *  - STARTTLS: call after consuming the server's go-ahead reply.  Any
 *    bytes still unread in the input buffer at this moment arrived in
 *    plain text before the handshake (a protocol violation, a
 *    STARTTLS injection): check io_datalen() BEFORE calling; this
 *    function discards them and records the count in
 *    io_tls_discarded().  Queued output is flushed first.
 * sni: server name to send (IP literals are never sent, a trailing dot
 * is stripped; NULL/"" = none).  verify_host: name or IP literal the
 * certificate is checked against (NULL/"" = chain only).  The handshake
 * never aborts on a verification failure; inspect the result with
 * tls_inspect(io_ssl(io), ...) after IO_TLSREADY.
 * On handshake failure: IO_ERROR, io_fail() == FAIL_TLS, io_error()
 * "TLS handshake failed: <OpenSSL reason>".
 * Returns 0, or -1 (wrong state, out of memory) with io_error() set.
 */
int		 io_start_tls(struct io *, SSL_CTX *, const char *sni,
		    const char *verify_host);
SSL		*io_ssl(struct io *);		/* NULL before io_start_tls */
int		 io_tls_established(const struct io *);
size_t		 io_tls_discarded(const struct io *);

/*
 * Input.  After IO_DATAIN the unread bytes are at io_data(); consume
 * what was used with io_drop() (bytes not dropped stay and are seen
 * again with the next IO_DATAIN).  When the input buffer is full
 * (io_in_full()), the io stops reading until bytes are dropped: the
 * protocol layer decides that this is an overlong line.
 */
char		*io_data(struct io *);
size_t		 io_datalen(const struct io *);
void		 io_drop(struct io *, size_t n);
int		 io_in_full(const struct io *);
/* the input buffer itself, for the iobuf_find_* helpers (read only) */
const struct iobuf *io_in(const struct io *);

/*
 * Output.  All or nothing: 0, or -1 when the data does not fit in the
 * output queue (io_error() "output buffer full") or the io is closed.
 * IO_LOWAT when the queue has been written out completely.
 */
int		 io_write(struct io *, const void *, size_t);
int		 io_print(struct io *, const char *);
size_t		 io_queued(const struct io *);

/* stop / restart reading or writing (IO_PAUSE_IN | IO_PAUSE_OUT) */
#define IO_PAUSE_IN	0x01
#define IO_PAUSE_OUT	0x02
void		 io_pause(struct io *, int what);
void		 io_resume(struct io *, int what);

/* state and error */
enum fail_class	 io_fail(const struct io *);	/* FAIL_NONE until IO_ERROR */
const char	*io_error(const struct io *);	/* "" when none */
int		 io_errno(const struct io *);	/* socket errno or 0 */
int		 io_fd(const struct io *);	/* -1 before connect */
int		 io_connected(const struct io *);

/* numeric addresses ("127.0.0.1", "::1") and ports, once connected */
const char	*io_local_addr(const struct io *);
const char	*io_peer_addr(const struct io *);
int		 io_local_port(const struct io *);
int		 io_peer_port(const struct io *);

const char	*io_strevent(int event);

/*
 * Map a socket errno to the probe taxonomy.  connecting: the error
 * happened before the connection was established.  reason gets a short
 * text ("connection refused").
 */
enum fail_class	 io_classify_errno(int err, int connecting, char *reason,
		    size_t reasonlen);

#endif

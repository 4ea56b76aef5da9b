/*
 * iobuf.h - bounded byte buffers.
 *
 * A buffer has a hard maximum fixed at creation.  Storage grows on
 * demand up to that maximum and never beyond it: a server that streams
 * without a line end fills the buffer and then append fails, so the
 * protocol layer can call it an overlong line instead of the daemon
 * eating memory.  Readable bytes are always contiguous (iobuf_data).
 */
#ifndef MAILMON_IOBUF_H
#define MAILMON_IOBUF_H

#include <stddef.h>
#include <sys/types.h>

/* fields are private; embed the struct, use the functions */
struct iobuf {
	char	*buf;
	size_t	 cap;		/* allocated bytes */
	size_t	 max;		/* hard limit for cap */
	size_t	 rpos;		/* first unread byte */
	size_t	 wpos;		/* one past the last byte */
};

/* 0, or -1 (ENOMEM / EINVAL for max == 0); no storage until first use */
int	 iobuf_init(struct iobuf *, size_t max);
/* release storage (wiped first); the buffer can be iobuf_init()ed again */
void	 iobuf_clear(struct iobuf *);
/* drop all content, keep storage */
void	 iobuf_reset(struct iobuf *);

size_t	 iobuf_len(const struct iobuf *);	/* unread bytes */
size_t	 iobuf_max(const struct iobuf *);
/* how many more bytes fit before the hard limit */
size_t	 iobuf_space(const struct iobuf *);
int	 iobuf_full(const struct iobuf *);
/* unread bytes, contiguous; valid until the next modifying call */
char	*iobuf_data(const struct iobuf *);

/* all or nothing: 0, or -1 with errno ENOBUFS (limit) or ENOMEM */
int	 iobuf_append(struct iobuf *, const void *, size_t);
int	 iobuf_append_str(struct iobuf *, const char *);

/*
 * Zero-copy fill (read(2) straight into the buffer): reserve returns
 * a pointer to at least one and at most want free bytes (*avail set),
 * or NULL when full / out of memory; commit adds n <= *avail bytes.
 */
char	*iobuf_reserve(struct iobuf *, size_t want, size_t *avail);
void	 iobuf_commit(struct iobuf *, size_t n);

/* remove n bytes from the front (clamped to iobuf_len) */
void	 iobuf_consume(struct iobuf *, size_t n);
/* copy up to n unread bytes without consuming; returns bytes copied */
size_t	 iobuf_peek(const struct iobuf *, void *dst, size_t n);

/*
 * Line helpers.  Return the offset (from iobuf_data) of the '\n' or of
 * the '\r' of "\r\n", or -1 when there is none yet.
 */
ssize_t	 iobuf_find_lf(const struct iobuf *);
ssize_t	 iobuf_find_crlf(const struct iobuf *);
/* offset of byte c or -1 (e.g. to find a NUL) */
ssize_t	 iobuf_find_byte(const struct iobuf *, int c);

#ifdef UNITTEST
/* called with every block about to be freed, after it was wiped */
extern void	(*iobuf_free_hook)(void *, size_t);
#endif

#endif

/*
 * iobuf.c - bounded byte buffers.
 *
 * Storage starts small and doubles up to the hard maximum: ten
 * thousand idle connections should not cost ten thousand times the
 * worst case.  Unread bytes are moved to the front before growing, so
 * the buffer never needs more than max bytes however it is used.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iobuf.h"

#define IOBUF_INITIAL	1024

int
iobuf_init(struct iobuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	if (max == 0) {
		errno = EINVAL;
		return -1;
	}
	b->max = max;
	return 0;
}

/*
 * Storage is wiped before it goes back to the allocator: the out
 * buffer of a session held "PASS ..." and AUTH lines, the in buffer
 * what a server echoed of them.
 */
#ifdef UNITTEST
void	(*iobuf_free_hook)(void *, size_t);
#endif

static void
iobuf_release(char *p, size_t cap)
{
	if (p == NULL)
		return;
	explicit_bzero(p, cap);
#ifdef UNITTEST
	if (iobuf_free_hook != NULL)
		iobuf_free_hook(p, cap);
#endif
	free(p);
}

void
iobuf_clear(struct iobuf *b)
{
	iobuf_release(b->buf, b->cap);
	b->buf = NULL;
	b->cap = b->rpos = b->wpos = 0;
}

void
iobuf_reset(struct iobuf *b)
{
	b->rpos = b->wpos = 0;
}

size_t
iobuf_len(const struct iobuf *b)
{
	return b->wpos - b->rpos;
}

size_t
iobuf_max(const struct iobuf *b)
{
	return b->max;
}

size_t
iobuf_space(const struct iobuf *b)
{
	return b->max - iobuf_len(b);
}

int
iobuf_full(const struct iobuf *b)
{
	return iobuf_len(b) >= b->max;
}

char *
iobuf_data(const struct iobuf *b)
{
	static char	 empty[1];

	if (b->buf == NULL)
		return empty;
	return b->buf + b->rpos;
}

/* make room for n more bytes after wpos; 0 or -1 */
static int
iobuf_ensure(struct iobuf *b, size_t n)
{
	size_t	 len = iobuf_len(b), cap;
	char	*p;

	if (n > b->max - len) {
		errno = ENOBUFS;
		return -1;
	}
	if (b->cap - b->wpos >= n)
		return 0;
	if (b->rpos > 0) {
		memmove(b->buf, b->buf + b->rpos, len);
		b->rpos = 0;
		b->wpos = len;
		if (b->cap - b->wpos >= n)
			return 0;
	}
	cap = b->cap ? b->cap : IOBUF_INITIAL;
	while (cap < len + n)
		cap = cap > b->max / 2 ? b->max : cap * 2;
	if (cap > b->max)
		cap = b->max;
	/* not realloc(): it would leave the old bytes behind unwiped */
	if ((p = malloc(cap)) == NULL)
		return -1;
	if (b->wpos > 0)
		memcpy(p, b->buf, b->wpos);
	iobuf_release(b->buf, b->cap);
	b->buf = p;
	b->cap = cap;
	return 0;
}

int
iobuf_append(struct iobuf *b, const void *data, size_t n)
{
	if (n == 0)
		return 0;
	if (iobuf_ensure(b, n) == -1)
		return -1;
	memcpy(b->buf + b->wpos, data, n);
	b->wpos += n;
	return 0;
}

int
iobuf_append_str(struct iobuf *b, const char *s)
{
	return iobuf_append(b, s, strlen(s));
}

char *
iobuf_reserve(struct iobuf *b, size_t want, size_t *avail)
{
	size_t	 space = iobuf_space(b);

	*avail = 0;
	if (space == 0 || want == 0)
		return NULL;
	if (want > space)
		want = space;
	/* take what is already free after wpos if it is enough */
	if (b->cap - b->wpos < want && iobuf_ensure(b, want) == -1) {
		/* out of memory: settle for what there is */
		if (b->cap == b->wpos)
			return NULL;
		want = b->cap - b->wpos;
	}
	*avail = b->cap - b->wpos < space ? b->cap - b->wpos : space;
	if (*avail > want)
		*avail = want;
	return b->buf + b->wpos;
}

void
iobuf_commit(struct iobuf *b, size_t n)
{
	if (n > b->cap - b->wpos)
		n = b->cap - b->wpos;
	b->wpos += n;
}

void
iobuf_consume(struct iobuf *b, size_t n)
{
	if (n >= iobuf_len(b))
		b->rpos = b->wpos = 0;
	else
		b->rpos += n;
}

size_t
iobuf_peek(const struct iobuf *b, void *dst, size_t n)
{
	if (n > iobuf_len(b))
		n = iobuf_len(b);
	if (n > 0)
		memcpy(dst, b->buf + b->rpos, n);
	return n;
}

ssize_t
iobuf_find_byte(const struct iobuf *b, int c)
{
	const char	*p;

	if (iobuf_len(b) == 0)
		return -1;
	p = memchr(b->buf + b->rpos, c, iobuf_len(b));
	return p == NULL ? -1 : p - (b->buf + b->rpos);
}

ssize_t
iobuf_find_lf(const struct iobuf *b)
{
	return iobuf_find_byte(b, '\n');
}

ssize_t
iobuf_find_crlf(const struct iobuf *b)
{
	const char	*s = b->buf + b->rpos, *p;
	size_t		 len = iobuf_len(b), off = 0;

	if (len == 0)
		return -1;
	while (off < len && (p = memchr(s + off, '\n', len - off)) != NULL) {
		size_t	 i = (size_t)(p - s);

		if (i > 0 && s[i - 1] == '\r')
			return (ssize_t)(i - 1);
		off = i + 1;
	}
	return -1;
}

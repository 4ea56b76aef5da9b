/*
 * statefile.c - the state file: format, atomic writing, paranoid
 * reading (see statefile.h for the layout).
 *
 * Every integer is written byte by byte in little-endian order, never
 * as a struct image, so the file does not depend on the compiler's
 * padding or the machine's byte order.  Records are length-prefixed
 * and decoded from a bounded buffer with a cursor that refuses to read
 * past the end; a record must be consumed exactly.
 *
 * Reading takes two passes over the file: the first checks everything
 * (including the CRC, which only the end of the file can confirm), the
 * second hands the records over.  So a file is applied whole or not at
 * all, with memory bounded by one record whatever the number of probes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "stats.h"
#include "statefile.h"
#include "util.h"

#define MAGIC		"MMSTATE"	/* 8 bytes with its NUL */
#define HDR_LEN		40
#define BUF_LEN		65536
/* a name, the totals, the statistics and a full history fit easily */
#define REC_MAX		(64 * 1024)

/* ---- CRC-32 ----------------------------------------------------------- */

uint32_t
statefile_crc32(uint32_t crc, const void *data, size_t len)
{
	static uint32_t	 table[256];
	const uint8_t	*p = data;
	size_t		 i;

	if (table[1] == 0) {
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;
			int	 k;

			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	for (i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- encoding into a record buffer ------------------------------------ */

struct enc {
	uint8_t		*p;
	size_t		 len;
	size_t		 cap;
	int		 overflow;
};

static void
e_bytes(struct enc *e, const void *src, size_t n)
{
	if (e->overflow || n > e->cap - e->len) {
		e->overflow = 1;
		return;
	}
	memcpy(e->p + e->len, src, n);
	e->len += n;
}

static void
e_uint(struct enc *e, uint64_t v, size_t n)
{
	uint8_t	 b[8];
	size_t	 i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	e_bytes(e, b, n);
}

#define e_u8(e, v)	e_uint((e), (uint64_t)(v), 1)
#define e_u16(e, v)	e_uint((e), (uint64_t)(v), 2)
#define e_u32(e, v)	e_uint((e), (uint64_t)(v), 4)
#define e_u64(e, v)	e_uint((e), (uint64_t)(v), 8)

static void
e_bucket(struct enc *e, const struct stats_bucket *b)
{
	e_u32(e, b->lat_min);
	e_u32(e, b->lat_max);
	e_u32(e, b->lat_sum_lo);
	e_u32(e, b->outage_max);
	e_u16(e, b->n);
	e_u16(e, b->fail);
	e_u16(e, b->lat_n);
	e_u16(e, b->lat_sum_hi);
}

static void
e_record(struct enc *e, const struct statefile_rec *r)
{
	const struct stats *st = r->stats;
	const struct history *h = r->history;
	size_t	 i, nlen = strlen(r->name);
	unsigned n;

	e_u8(e, nlen);
	e_bytes(e, r->name, nlen);
	e_u64(e, r->checks);
	e_u64(e, r->failures);

	e_u64(e, st->hour_head);
	e_u64(e, st->day_head);
	for (i = 0; i < STATS_HOUR_BUCKETS; i++) {
		struct stats_bucket hb;

		stats_hour_get(st, i, &hb);
		e_bucket(e, &hb);
	}
	for (i = 0; i < STATS_DAY_BUCKETS; i++)
		e_bucket(e, &st->day[i]);
	n = st->nsample <= STATS_SAMPLES ? st->nsample : STATS_SAMPLES;
	e_u8(e, n);
	for (i = 0; i < n; i++) {
		uint32_t t, us;

		stats_sample_get(st, i, &t, &us);
		e_u32(e, t);
		e_u32(e, us);
	}
	e_u8(e, st->in_outage);
	e_u64(e, st->outage_start);
	e_u64(e, st->last_ok);
	e_u64(e, st->last_fail);
	e_u8(e, st->last_fail_class);

	e_u32(e, h != NULL ? h->seq : 0);
	e_u32(e, h != NULL ? h->n : 0);
	for (i = 0; h != NULL && i < h->n; i++) {
		const struct history_entry *he = history_at(h, (uint32_t)i);

		e_u64(e, he->wall);
		e_u32(e, he->seq);
		e_u32(e, he->latency_us);
		e_u32(e, he->delivery_ms);
		e_u16(e, he->reply_code);
		e_u8(e, he->status);
		e_u8(e, he->fail);
	}
}

/* ---- the file writer: buffered, with the running CRC -------------------- */

struct wfile {
	int		 fd;
	uint8_t		*buf;
	size_t		 len;
	uint32_t	 crc;
	int		 error;		/* errno of the first failure */
};

static void
w_flush(struct wfile *w)
{
	size_t	 off = 0;

	while (!w->error && off < w->len) {
		ssize_t	 n = write(w->fd, w->buf + off, w->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->error = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	w->len = 0;
}

static void
w_bytes(struct wfile *w, const void *src, size_t n)
{
	const uint8_t *p = src;

	w->crc = statefile_crc32(w->crc, p, n);
	while (n > 0 && !w->error) {
		size_t	 k = BUF_LEN - w->len;

		if (k > n)
			k = n;
		memcpy(w->buf + w->len, p, k);
		w->len += k;
		p += k;
		n -= k;
		if (w->len == BUF_LEN)
			w_flush(w);
	}
}

static void
w_u32(struct wfile *w, uint32_t v)
{
	uint8_t	 b[4] = {
		(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
		(uint8_t)(v >> 24)
	};

	w_bytes(w, b, 4);
}

static void
fsync_dir(const char *path)
{
	char	 dir[PATH_MAX];
	char	*slash;
	int	 fd;

	mm_strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL)
		mm_strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	/* best effort: the rename is done; this only makes it durable */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

int
statefile_save(const char *path, size_t n, statefile_get_cb get, void *arg,
    const struct statefile_info *info, char *err, size_t errlen)
{
	struct wfile	 w;
	struct enc	 e;
	struct enc	 hdr;
	uint8_t		 hbuf[HDR_LEN];
	char		 tmp[PATH_MAX];
	size_t		 i;
	uint32_t	 crc;
	int		 saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		seterr(err, errlen, "%s: path too long", path);
		return -1;
	}
	memset(&w, 0, sizeof(w));
	memset(&e, 0, sizeof(e));
	if ((w.buf = malloc(BUF_LEN)) == NULL ||
	    (e.p = malloc(REC_MAX)) == NULL) {
		free(w.buf);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	e.cap = REC_MAX;
	/* never follow a link planted where the temporary file goes */
	w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (w.fd == -1) {
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		free(w.buf);
		free(e.p);
		return -1;
	}

	hdr.p = hbuf;
	hdr.len = 0;
	hdr.cap = sizeof(hbuf);
	hdr.overflow = 0;
	e_bytes(&hdr, MAGIC, 8);
	e_u32(&hdr, STATEFILE_VERSION);
	e_u32(&hdr, HDR_LEN);
	e_u64(&hdr, info->wall);
	e_u64(&hdr, info->clock);
	e_u32(&hdr, info->flags);
	e_u32(&hdr, 0);
	w_bytes(&w, hbuf, hdr.len);

	for (i = 0; i < n && !w.error; i++) {
		struct statefile_rec r;

		memset(&r, 0, sizeof(r));
		if (get(i, &r, arg) == -1 || r.name == NULL ||
		    r.stats == NULL)
			continue;
		e.len = 0;
		e.overflow = 0;
		e_record(&e, &r);
		if (e.overflow)
			continue;	/* cannot happen: REC_MAX holds any */
		w_u32(&w, (uint32_t)e.len);
		w_bytes(&w, e.p, e.len);
	}
	w_u32(&w, 0);			/* end of the records */
	crc = w.crc;
	w_u32(&w, crc);
	w_flush(&w);
	if (!w.error && fsync(w.fd) == -1)
		w.error = errno;
	if (close(w.fd) == -1 && !w.error)
		w.error = errno;
	free(w.buf);
	free(e.p);
	if (!w.error && rename(tmp, path) == -1)
		w.error = errno;
	if (w.error) {
		saved = w.error;
		(void)unlink(tmp);
		seterr(err, errlen, "%s: %s", tmp, strerror(saved));
		return -1;
	}
	fsync_dir(path);
	return 0;
}

/* ---- reading ----------------------------------------------------------- */

struct rfile {
	int		 fd;
	uint8_t		*buf;
	size_t		 pos;
	size_t		 len;
	uint32_t	 crc;
	int		 error;		/* errno of a read failure */
	int		 eof;
};

/* n bytes, counted in the CRC unless nocrc; -1 at the end of the file */
static int
r_bytes(struct rfile *r, void *dst, size_t n, int nocrc)
{
	uint8_t	*p = dst;

	while (n > 0) {
		size_t	 k;

		if (r->pos == r->len) {
			ssize_t	 got;

			if (r->eof || r->error)
				return -1;
			got = read(r->fd, r->buf, BUF_LEN);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				r->error = errno;
				return -1;
			}
			if (got == 0) {
				r->eof = 1;
				return -1;
			}
			r->pos = 0;
			r->len = (size_t)got;
		}
		k = r->len - r->pos;
		if (k > n)
			k = n;
		memcpy(p, r->buf + r->pos, k);
		if (!nocrc)
			r->crc = statefile_crc32(r->crc, p, k);
		r->pos += k;
		p += k;
		n -= k;
	}
	return 0;
}

static int
r_u32(struct rfile *r, uint32_t *v, int nocrc)
{
	uint8_t	 b[4];

	if (r_bytes(r, b, 4, nocrc) == -1)
		return -1;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
	return 0;
}

/* a cursor over one record: reading past its end marks it bad */
struct dec {
	const uint8_t	*p;
	size_t		 left;
	int		 bad;
};

static uint64_t
d_uint(struct dec *d, size_t n)
{
	uint64_t v = 0;
	size_t	 i;

	if (d->bad || d->left < n) {
		d->bad = 1;
		return 0;
	}
	for (i = 0; i < n; i++)
		v |= (uint64_t)d->p[i] << (8 * i);
	d->p += n;
	d->left -= n;
	return v;
}

#define d_u8(d)		((uint8_t)d_uint((d), 1))
#define d_u16(d)	((uint16_t)d_uint((d), 2))
#define d_u32(d)	((uint32_t)d_uint((d), 4))
#define d_i64(d)	((int64_t)d_uint((d), 8))

static void
d_bucket(struct dec *d, struct stats_bucket *b)
{
	b->lat_min = d_u32(d);
	b->lat_max = d_u32(d);
	b->lat_sum_lo = d_u32(d);
	b->outage_max = d_u32(d);
	b->n = d_u16(d);
	b->fail = d_u16(d);
	b->lat_n = d_u16(d);
	b->lat_sum_hi = d_u16(d);
}

static int
name_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* scratch space for decoding one record */
struct scratch {
	char		 name[33];
	struct stats	 st;
	struct history	*h;		/* cap HISTORY_MAX */
};

/* decode and check one record body; NULL when fine, else why not */
static const char *
d_record(struct dec *d, struct scratch *s, int64_t clock,
    struct statefile_rec *r)
{
	struct stats *st = &s->st;
	struct history *h = s->h;
	uint32_t i, n, seq, count;
	size_t	 nlen;

	nlen = d_u8(d);
	if (d->bad || nlen == 0 || nlen > 32 || nlen > d->left)
		return "bad probe name";
	memcpy(s->name, d->p, nlen);
	s->name[nlen] = '\0';
	d->p += nlen;
	d->left -= nlen;
	if (!name_ok(s->name, nlen))
		return "bad probe name";
	r->name = s->name;
	r->checks = d_uint(d, 8);
	r->failures = d_uint(d, 8);
	if (r->failures > r->checks)
		return "more failures than checks";

	stats_init(st);
	st->hour_head = d_i64(d);
	st->day_head = d_i64(d);
	for (i = 0; i < STATS_HOUR_BUCKETS; i++) {
		struct stats_bucket hb;

		d_bucket(d, &hb);
		if (stats_hour_put(st, i, &hb) == -1)
			return "statistics out of range";
	}
	for (i = 0; i < STATS_DAY_BUCKETS; i++)
		d_bucket(d, &st->day[i]);
	n = d_u8(d);
	if (n > STATS_SAMPLES)
		return "too many latency samples";
	for (i = 0; i < n; i++) {
		uint32_t t = d_u32(d);

		stats_sample_push(st, t, d_u32(d));
	}
	st->in_outage = d_u8(d);
	st->outage_start = d_i64(d);
	st->last_ok = d_i64(d);
	st->last_fail = d_i64(d);
	st->last_fail_class = d_u8(d);
	if (d->bad)
		return "record too short";
	if (stats_valid(st, clock) == -1)
		return "statistics out of range";
	r->stats = st;

	seq = d_u32(d);
	count = d_u32(d);
	if (d->bad || count > HISTORY_MAX)
		return "bad history length";
	h->n = h->next = 0;
	h->seq = 0;
	for (i = 0; i < count; i++) {
		struct history_entry e;
		int64_t	 wall;

		memset(&e, 0, sizeof(e));
		wall = d_i64(d);
		e.wall = (uint32_t)wall;
		e.seq = d_u32(d);
		e.latency_us = d_u32(d);
		e.delivery_ms = d_u32(d);
		e.reply_code = d_u16(d);
		e.status = d_u8(d);
		e.fail = d_u8(d);
		if (d->bad)
			return "record too short";
		/* consecutive numbers, as history_add() gives them */
		if (i > 0 && e.seq != (h->seq == UINT32_MAX ? 1 : h->seq + 1))
			return "history numbers not consecutive";
		if (wall < 0 || wall > (int64_t)UINT32_MAX)
			return "history entry out of range";
		if (history_push(h, &e) == -1)
			return "history entry out of range";
	}
	if (count > 0 && h->seq != seq)
		return "history numbers not consecutive";
	h->seq = seq;
	r->history = h;
	if (d->left != 0)
		return "trailing bytes in a record";
	return NULL;
}

/* one pass over the file; put == NULL only checks */
static int
read_pass(struct rfile *f, struct scratch *s, uint8_t *rec,
    struct statefile_info *info, statefile_put_cb put, void *arg,
    char *err, size_t errlen)
{
	uint8_t	 hdr[HDR_LEN];
	struct dec d;
	uint32_t version, hlen, len, crc, nrec = 0, flags;
	uint8_t	 extra;

	f->pos = f->len = 0;
	f->crc = 0;
	f->eof = 0;
	if (r_bytes(f, hdr, 16, 0) == -1)
		goto short_read;
	if (memcmp(hdr, MAGIC, 8) != 0) {
		seterr(err, errlen, "not a mailmond state file");
		return -1;
	}
	d.p = hdr + 8;
	d.left = 8;
	d.bad = 0;
	version = d_u32(&d);
	hlen = d_u32(&d);
	if (version != STATEFILE_VERSION) {
		seterr(err, errlen, "version %u, this mailmond reads %d", version,
		    STATEFILE_VERSION);
		return -1;
	}
	if (hlen != HDR_LEN) {
		seterr(err, errlen, "bad header length %u", hlen);
		return -1;
	}
	if (r_bytes(f, hdr + 16, HDR_LEN - 16, 0) == -1)
		goto short_read;
	d.p = hdr + 16;
	d.left = HDR_LEN - 16;
	info->wall = (time_t)d_i64(&d);
	info->clock = d_i64(&d);
	flags = d_u32(&d);
	if (info->clock < 0 || info->wall < 0 || (flags & ~STATEFILE_AT_EXIT) ||
	    d_u32(&d) != 0) {
		seterr(err, errlen, "bad header values");
		return -1;
	}
	info->flags = flags;

	for (;;) {
		struct statefile_rec r;
		const char *why;

		if (r_u32(f, &len, 0) == -1)
			goto short_read;
		if (len == 0)
			break;
		if (len > REC_MAX) {
			seterr(err, errlen, "record %u: length %u too large",
			    nrec + 1, len);
			return -1;
		}
		if (r_bytes(f, rec, len, 0) == -1)
			goto short_read;
		d.p = rec;
		d.left = len;
		d.bad = 0;
		memset(&r, 0, sizeof(r));
		if ((why = d_record(&d, s, info->clock, &r)) != NULL) {
			seterr(err, errlen, "record %u: %s", nrec + 1, why);
			return -1;
		}
		nrec++;
		if (put != NULL)
			put(&r, arg);
	}
	crc = f->crc;
	if (r_u32(f, &len, 1) == -1)
		goto short_read;
	if (len != crc) {
		seterr(err, errlen, "checksum mismatch");
		return -1;
	}
	if (r_bytes(f, &extra, 1, 1) == 0) {
		seterr(err, errlen, "data after the end");
		return -1;
	}
	if (f->error)
		goto short_read;
	info->nrec = nrec;
	return 0;

short_read:
	if (f->error)
		seterr(err, errlen, "read: %s", strerror(f->error));
	else
		seterr(err, errlen, "truncated");
	return -1;
}

int
statefile_load(const char *path, struct statefile_info *info,
    statefile_put_cb put, void *arg, char *err, size_t errlen)
{
	struct rfile	 f;
	struct scratch	*s = NULL;
	struct stat	 sb;
	uint8_t		*rec = NULL;
	int		 rc = -1;

	memset(info, 0, sizeof(*info));
	memset(&f, 0, sizeof(f));
	if ((f.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			return 1;
		seterr(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(f.fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		seterr(err, errlen, "not a regular file");
		close(f.fd);
		return -1;
	}
	if ((f.buf = malloc(BUF_LEN)) == NULL ||
	    (rec = malloc(REC_MAX)) == NULL ||
	    (s = calloc(1, sizeof(*s))) == NULL ||
	    (s->h = history_new(HISTORY_MAX)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	if (read_pass(&f, s, rec, info, NULL, NULL, err, errlen) == -1)
		goto out;
	if (lseek(f.fd, 0, SEEK_SET) == -1) {
		seterr(err, errlen, "lseek: %s", strerror(errno));
		goto out;
	}
	rc = read_pass(&f, s, rec, info, put, arg, err, errlen);
out:
	if (s != NULL)
		history_free(s->h);
	free(s);
	free(rec);
	free(f.buf);
	close(f.fd);
	return rc;
}

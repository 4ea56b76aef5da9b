/*
 * lineproto.c - bounded reply assembly, send helper with secret masking.
 *
 * Limits are checked before anything is stored, so a hostile server can
 * make a probe fail but never make it grow: a line is at most linemax
 * bytes, a reply at most maxlines lines and replymax bytes.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lineproto.h"
#include "log.h"
#include "util.h"

#define TRACE_MAX	160	/* shown bytes of a traced line */

static const char *lp_errname[LPE_LAST] = {
	"no error",
	"line too long",
	"NUL byte in reply",
	"non-printable byte in reply",
	"response too short",
	"invalid reply code",
	"reply code changed inside a multi-line reply",
	"too many continuation lines",
	"reply too big",
	"trailing data after reply",
	"malformed response",
	"response tagged for another command",
	"command could not be queued",
	"bare CR in reply (CR without LF)"
};

const char *
lp_strerror(int err)
{
	if (err < 0 || err >= LPE_LAST)
		return "unknown line error";
	return lp_errname[err];
}

void
lp_init(struct lineproto *lp, enum log_token token, lp_classify_fn classify,
    void *cctx, lp_write_fn write, void *warg)
{
	memset(lp, 0, sizeof(*lp));
	lp->token = token;
	lp->classify = classify;
	lp->cctx = cctx;
	lp->write = write;
	lp->warg = warg;
	lp->linemax = LP_LINEMAX_DEFAULT;
	lp->replymax = LP_REPLYMAX;
	lp->maxlines = LP_MAXLINES_DEFAULT;
}

void
lp_reset(struct lineproto *lp)
{
	lp->in_reply = 0;
	lp->reply.code = 0;
	lp->reply.nlines = 0;
	lp->reply.len = 0;
	lp->reply.text[0] = '\0';
}

void
lp_sanitize(char *dst, size_t dstlen, const char *src, size_t len)
{
	mm_sanitize(dst, dstlen, src, len);
}

void
lp_mask(char *s, const char *secret)
{
	char	 sec[LP_SENDMAX];
	size_t	 n, slen, k;
	char	*p;

	if (s == NULL || secret == NULL || strlen(secret) < 3)
		return;
	/* compare like with like: s has been through lp_sanitize() */
	lp_sanitize(sec, sizeof(sec), secret, strlen(secret));
	n = strlen(sec);
	for (p = strstr(s, sec); p != NULL; p = strstr(p + n, sec))
		memset(p, '*', n);
	slen = strlen(s);
	for (k = n - 1 < slen ? n - 1 : slen; k >= 3; k--)
		if (memcmp(s + slen - k, sec, k) == 0) {
			memset(s + slen - k, '*', k);
			break;
		}
	explicit_bzero(sec, sizeof(sec));
}

/* received text, about to be shown: hide what we sent as secret */
static void
lp_mask_in(struct lineproto *lp, char *s)
{
	lp_mask(s, lp->secret);
	lp_mask(s, lp->sent_secret);
}

static int
lp_fail(struct lineproto *lp, int err, const char *line, size_t len)
{
	char	 shown[48];

	lp->err = err;
	if (line != NULL && len > 0) {
		lp_sanitize(shown, sizeof(shown), line, len);
		lp_mask_in(lp, shown);
		snprintf(lp->error, sizeof(lp->error), "%s: \"%s%s\"",
		    lp_strerror(err), shown, len >= sizeof(shown) ? "..." : "");
	} else
		mm_strlcpy(lp->error, lp_strerror(err), sizeof(lp->error));
	log_debug(lp->token, "protocol error: %s", lp->error);
	return LP_ERROR;
}

/* NUL and control bytes; TAB is fine, 8-bit is fine */
static int
lp_check_bytes(const char *line, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\0')
			return LPE_NUL;
		if (c == '\r')
			return LPE_BARECR;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return LPE_BINARY;
	}
	return LPE_NONE;
}

static void
lp_trace_in(struct lineproto *lp, const char *line, size_t len)
{
	char	 buf[TRACE_MAX + 1];

	if (!log_token_enabled(lp->token))
		return;
	lp_sanitize(buf, sizeof(buf), line, len);
	lp_mask_in(lp, buf);
	log_debug(lp->token, "<<< %s%s", buf, len > TRACE_MAX ? "..." : "");
}

/* one complete line: check, classify, store */
static int
lp_line(struct lineproto *lp, const char *line, size_t len, int *final)
{
	int	 code = 0, err;
	size_t	 need;

	lp->lines_in++;
	lp_trace_in(lp, line, len);
	if (len > lp->linemax)
		return lp_fail(lp, LPE_TOOLONG, line, len);
	if ((err = lp_check_bytes(line, len)) != LPE_NONE)
		return lp_fail(lp, err, NULL, 0);
	*final = 0;
	if ((err = lp->classify(lp->cctx, line, len, &code, final)) != LPE_NONE)
		return lp_fail(lp, err, line, len);

	if (!lp->in_reply) {
		lp_reset(lp);
		lp->in_reply = 1;
	} else if (lp->same_code && code != lp->reply.code)
		return lp_fail(lp, LPE_MIXED, line, len);
	if (lp->reply.nlines >= lp->maxlines && !lp->stream)
		return lp_fail(lp, LPE_TOOMANY, NULL, 0);

	if (lp->stream && lp->reply.nlines > 0) {
		/* streamed bodies keep only the line at hand */
		lp->reply.len = 0;
		lp->reply.text[0] = '\0';
	}
	need = len + (lp->reply.len > 0 ? 1 : 0);
	if (lp->reply.len + need > lp->replymax ||
	    lp->reply.len + need > LP_REPLYMAX)
		return lp_fail(lp, LPE_TOOBIG, NULL, 0);
	if (lp->reply.len > 0)
		lp->reply.text[lp->reply.len++] = '\n';
	memcpy(lp->reply.text + lp->reply.len, line, len);
	lp->reply.len += len;
	lp->reply.text[lp->reply.len] = '\0';
	lp->reply.nlines++;
	lp->reply.code = code;

	if (lp->on_line != NULL)
		lp->on_line(lp->line_arg, line, len, code, *final);
	return LP_MORE;
}

int
lp_input(struct lineproto *lp, const char *data, size_t len, size_t *used)
{
	size_t	 off = 0;

	*used = 0;
	while (off < len) {
		const char	*p = data + off, *nl;
		size_t		 avail = len - off, llen, scan;
		int		 final = 0;

		/* never look further than one maximal line */
		scan = avail < lp->linemax + 2 ? avail : lp->linemax + 2;
		if ((nl = memchr(p, '\n', scan)) == NULL) {
			const char	*cr = memchr(p, '\r', scan);

			/* a CR followed by a byte other than LF ends no line */
			if (cr != NULL && (size_t)(cr - p) + 1 < avail &&
			    cr[1] != '\n')
				return lp_fail(lp, LPE_BARECR, p,
				    (size_t)(cr - p));
			if (avail >= lp->linemax + 2)
				return lp_fail(lp, LPE_TOOLONG, p, 40);
			break;
		}
		llen = (size_t)(nl - p);
		off += llen + 1;
		*used = off;
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if (lp_line(lp, p, llen, &final) == LP_ERROR)
			return LP_ERROR;
		if (final) {
			lp->in_reply = 0;
			if (lp->forbid_trailing && off < len)
				return lp_fail(lp, LPE_TRAILING, data + off,
				    len - off);
			return LP_REPLY;
		}
	}
	return LP_MORE;
}

static int
lp_write(struct lineproto *lp, const void *buf, size_t len)
{
	if (lp->write == NULL || lp->write(lp->warg, buf, len) == -1) {
		lp->err = LPE_SEND;
		mm_strlcpy(lp->error, "output queue full or connection closed",
		    sizeof(lp->error));
		return -1;
	}
	return 0;
}

int
lp_send(struct lineproto *lp, size_t show, const char *line)
{
	char	 buf[LP_SENDMAX];
	size_t	 len = strlen(line);
	int	 rc;

	if (len + 2 > sizeof(buf)) {
		lp->err = LPE_SEND;
		mm_strlcpy(lp->error, "command too long", sizeof(lp->error));
		return -1;
	}
	if (strpbrk(line, "\r\n") != NULL) {
		lp->err = LPE_SEND;
		mm_strlcpy(lp->error, "line break inside a command",
		    sizeof(lp->error));
		return -1;
	}
	if (log_token_enabled(lp->token)) {
		char	 shown[TRACE_MAX + 1];

		if (show >= len) {
			lp_sanitize(shown, sizeof(shown), line, len);
			log_debug(lp->token, ">>> %s", shown);
		} else {
			lp_sanitize(shown, sizeof(shown), line,
			    show < TRACE_MAX ? show : TRACE_MAX);
			log_debug(lp->token, ">>> %s<redacted>", shown);
		}
	}
	/* servers echo: remember the secret part to mask it in replies */
	if (show < len)
		mm_strlcpy(lp->sent_secret, line + show,
		    sizeof(lp->sent_secret));
	memcpy(buf, line, len);
	buf[len] = '\r';
	buf[len + 1] = '\n';
	rc = lp_write(lp, buf, len + 2);
	explicit_bzero(buf, sizeof(buf));
	if (rc == 0)
		lp->lines_out++;
	return rc;
}

int
lp_sendf(struct lineproto *lp, const char *fmt, ...)
{
	char	 line[LP_SENDMAX];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2) {
		lp->err = LPE_SEND;
		mm_strlcpy(lp->error, "command too long", sizeof(lp->error));
		return -1;
	}
	return lp_send(lp, LP_PUBLIC, line);
}

int
lp_send_raw(struct lineproto *lp, const void *buf, size_t len)
{
	log_debug(lp->token, ">>> [%zu bytes]", len);
	return lp_write(lp, buf, len);
}

const char *
lp_reply_line(const struct lp_reply *r, size_t *pos, size_t *len)
{
	const char	*p, *nl;

	if (r->nlines == 0 || *pos > r->len)
		return NULL;
	p = r->text + *pos;
	if ((nl = memchr(p, '\n', r->len - *pos)) == NULL) {
		*len = r->len - *pos;
		*pos = r->len + 1;
	} else {
		*len = (size_t)(nl - p);
		*pos += *len + 1;
	}
	return p;
}

const char *
lp_reply_last(const struct lp_reply *r)
{
	const char	*p = strrchr(r->text, '\n');

	return p != NULL ? p + 1 : r->text;
}

/*
 * output.c - Nagios plugin line and JSON for a probe result.
 *
 * Everything goes through a small bounded writer that remembers
 * truncation, so a long reply text can shorten the line but never
 * overrun the buffer.  Perfdata is printed for every result, failures
 * included: a graph with gaps at each outage is useless.
 */
#include "config.h"

#include <sys/socket.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "probe_opts.h"
#include "target.h"
#include "util.h"

struct wbuf {
	char	*buf;
	size_t	 len;
	size_t	 off;
	int	 trunc;
};

static void
w_init(struct wbuf *w, char *buf, size_t len)
{
	w->buf = buf;
	w->len = len;
	w->off = 0;
	w->trunc = len == 0;
	if (len > 0)
		buf[0] = '\0';
}

static void
w_putc(struct wbuf *w, char c)
{
	if (w->off + 1 >= w->len) {
		w->trunc = 1;
		return;
	}
	w->buf[w->off++] = c;
	w->buf[w->off] = '\0';
}

static void	w_printf(struct wbuf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
w_printf(struct wbuf *w, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (w->len == 0 || w->off + 1 >= w->len) {
		w->trunc = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->off, w->len - w->off, fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->buf[w->off] = '\0';
		w->trunc = 1;
	} else if ((size_t)n >= w->len - w->off) {
		w->off = w->len - 1;
		w->trunc = 1;
	} else
		w->off += (size_t)n;
}

static int
w_done(const struct wbuf *w)
{
	return w->trunc ? -1 : 0;
}

const char *
output_status_word(enum probe_status s)
{
	switch (s) {
	case STATUS_OK:
		return "OK";
	case STATUS_WARNING:
		return "WARNING";
	case STATUS_CRITICAL:
		return "CRITICAL";
	default:
		return "UNKNOWN";
	}
}

/*
 * Replace every copy of secret in s.  Shorter than 3 characters it
 * would mask ordinary letters all over the text, and hides nothing.
 */
static void
mask(char *s, const char *secret)
{
	size_t	 n = strlen(secret);
	char	*p;

	if (n < 3)
		return;
	for (p = strstr(s, secret); p != NULL; p = strstr(p + n, secret))
		memset(p, '*', n);
}

/*
 * A copy of server or engine text fit for both formats: printable
 * ASCII, no '|' (it would start the perfdata of a Nagios line), and
 * the configured credentials masked in case a server echoed them.
 */
static void
clean_text(char *dst, size_t dstsize, const char *src,
    const struct probe_opts *o, int nagios)
{
	size_t	 i;

	mm_sanitize(dst, dstsize, src, strnlen(src, dstsize - 1));
	for (i = 0; nagios && dst[i] != '\0'; i++)
		if (dst[i] == '|')
			dst[i] = '/';
	mask(dst, o->pass);
	mask(dst, o->mbox.pass);
	mask(dst, o->user);
	mask(dst, o->mbox.user);
}

/* microseconds as seconds with 6 decimals, no floating point */
static void
w_secs_us(struct wbuf *w, int64_t us)
{
	if (us < 0)
		us = 0;
	w_printf(w, "%" PRId64 ".%06" PRId64, us / 1000000, us % 1000000);
}

/* a threshold in milliseconds, or nothing when unset */
static void
w_secs_ms(struct wbuf *w, int ms)
{
	if (ms > 0)
		w_printf(w, "%d.%03d", ms / 1000, ms % 1000);
}

static void
w_label(struct wbuf *w, const char *label, const struct probe_opts *o)
{
	const char	*m = label;
	size_t		 i;

	if (m == NULL || m[0] == '\0')
		m = probe_mode_name(o->mode);
	for (i = 0; i < 16 && m[i] != '\0'; i++)
		w_putc(w, m[i] >= 'a' && m[i] <= 'z' ? (char)(m[i] - 32) :
		    m[i]);
}

int
output_nagios_ex(char *buf, size_t len, const char *label, int flags,
    const struct probe_opts *o, const struct probe_result *r)
{
	struct wbuf	 w;
	char		 text[PROBE_TEXT_MAX];
	int64_t		 total = r->t[PH_TOTAL];
	int		 ph;

	w_init(&w, buf, len);
	w_label(&w, label, o);
	w_printf(&w, " %s - ", output_status_word(r->status));
	if (r->status == STATUS_OK) {
		w_printf(&w, "%" PRId64 ".%03" PRId64 " sec. response time",
		    (total < 0 ? 0 : total) / 1000000,
		    ((total < 0 ? 0 : total) / 1000) % 1000);
		clean_text(text, sizeof(text), r->reply_text, o, 1);
		if (text[0] == '\0')
			clean_text(text, sizeof(text), r->reason, o, 1);
		if (!(flags & OUTPUT_HIDE) && text[0] != '\0')
			w_printf(&w, ", %s", text);
	} else {
		clean_text(text, sizeof(text), r->reason, o, 1);
		if ((flags & OUTPUT_HIDE) || text[0] == '\0')
			w_printf(&w, "%s", probe_fail_name(r->fail));
		else
			w_printf(&w, "%s", text);
	}

	w_printf(&w, " | time=");
	w_secs_us(&w, total);
	w_putc(&w, 's');
	w_putc(&w, ';');
	w_secs_ms(&w, o->warn_ms);
	w_putc(&w, ';');
	w_secs_ms(&w, o->crit_ms);
	w_printf(&w, ";0");
	for (ph = 0; ph < PH_TOTAL; ph++) {
		if (r->t[ph] < 0)
			continue;
		w_printf(&w, " %s=", probe_phase_name((enum probe_phase)ph));
		w_secs_us(&w, r->t[ph]);
		w_putc(&w, 's');
		if (ph == PH_DELIVERY && (o->delivery_warn_ms > 0 ||
		    o->delivery_crit_ms > 0)) {
			w_putc(&w, ';');
			w_secs_ms(&w, o->delivery_warn_ms);
			w_putc(&w, ';');
			w_secs_ms(&w, o->delivery_crit_ms);
			w_printf(&w, ";0");
		}
	}
	if (r->cert_days != CERT_DAYS_NONE)
		w_printf(&w, " cert_days=%d", r->cert_days);
	if (r->targets != NULL) {
		size_t	 i, bad = 0;

		for (i = 0; i < r->targets->n; i++)
			if (r->targets->t[i].status != STATUS_OK)
				bad++;
		w_printf(&w, " targets=%zu;;;0 targets_failing=%zu;;;0",
		    r->targets->n, bad);
	}
	return w_done(&w);
}

int
output_nagios(char *buf, size_t len, const struct probe_opts *o,
    const struct probe_result *r)
{
	return output_nagios_ex(buf, len, NULL, 0, o, r);
}

/* JSON */

/* length of the valid UTF-8 sequence at s (at most n bytes), or 0 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t		 need, i;
	uint32_t	 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

/* a JSON string; invalid UTF-8 becomes U+FFFD so the output stays JSON */
static void
w_jstr(struct wbuf *w, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), k, i;

	w_putc(w, '"');
	while (n > 0) {
		switch (*p) {
		case '"':
			w_printf(w, "\\\"");
			break;
		case '\\':
			w_printf(w, "\\\\");
			break;
		case '\n':
			w_printf(w, "\\n");
			break;
		case '\r':
			w_printf(w, "\\r");
			break;
		case '\t':
			w_printf(w, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				w_printf(w, "\\u%04x", *p);
				break;
			}
			if ((k = utf8_seq(p, n)) == 0) {
				w_printf(w, "\\ufffd");
				break;
			}
			for (i = 0; i < k; i++)
				w_putc(w, (char)p[i]);
			p += k;
			n -= k;
			continue;
		}
		p++;
		n--;
	}
	w_putc(w, '"');
}

static void
w_key(struct wbuf *w, const char *key, int first)
{
	if (!first)
		w_printf(w, ", ");
	w_jstr(w, key);
	w_printf(w, ":");
}

/* server or engine text: sanitised and masked first */
static void
w_jtext(struct wbuf *w, const char *s, const struct probe_opts *o)
{
	char	 text[PROBE_TEXT_MAX];

	clean_text(text, sizeof(text), s, o, 0);
	w_jstr(w, text);
}

/* "dns": ..., "targets": [{...}, ...] of a domain or dual-stack probe */
static void
w_targets(struct wbuf *w, const struct target_list *l,
    const struct probe_opts *o)
{
	const struct target_result	*t;
	size_t				 i;
	const char			*fam;

	w_key(w, "dns", 0);
	w_jstr(w, target_dns_name(l->dns));
	w_key(w, "targets", 0);
	w_putc(w, '[');
	for (i = 0; i < l->n; i++) {
		t = &l->t[i];
		if (i > 0)
			w_printf(w, ", ");
		w_putc(w, '{');
		w_key(w, "exchange", 1);
		w_jtext(w, t->exchange, o);
		w_key(w, "preference", 0);
		w_printf(w, "%u", (unsigned)t->pref);
		w_key(w, "origin", 0);
		w_jstr(w, target_origin_name(t->origin));
		w_key(w, "alias", 0);
		w_printf(w, "%s", t->alias ? "true" : "false");
		w_key(w, "family", 0);
		fam = t->family == AF_INET ? "ipv4" : t->family == AF_INET6 ?
		    "ipv6" : NULL;
		if (fam == NULL)
			w_printf(w, "null");
		else
			w_jstr(w, fam);
		w_key(w, "address", 0);
		w_jtext(w, t->address, o);
		w_key(w, "status", 0);
		w_jstr(w, probe_status_name(t->status));
		w_key(w, "fail", 0);
		w_jstr(w, probe_fail_name(t->fail));
		w_key(w, "reason", 0);
		w_jtext(w, t->reason, o);
		w_key(w, "reply_code", 0);
		w_printf(w, "%d", t->reply_code);
		w_key(w, "latency_us", 0);
		if (t->latency_us < 0)
			w_printf(w, "null");
		else
			w_printf(w, "%" PRId64, t->latency_us);
		w_key(w, "cert_days", 0);
		if (t->cert_days == CERT_DAYS_NONE)
			w_printf(w, "null");
		else
			w_printf(w, "%d", t->cert_days);
		w_putc(w, '}');
	}
	w_putc(w, ']');
}

int
output_json(char *buf, size_t len, const struct probe_opts *o,
    const struct probe_result *r)
{
	struct wbuf	 w;
	int		 ph;
	unsigned	 st = (unsigned)r->status;

	w_init(&w, buf, len);
	w_putc(&w, '{');
	w_key(&w, "name", 1);
	w_jstr(&w, o->name);
	w_key(&w, "mode", 0);
	w_jstr(&w, probe_mode_name(o->mode));
	w_key(&w, "host", 0);
	w_jstr(&w, o->host);
	w_key(&w, "port", 0);
	w_printf(&w, "%u", (unsigned)o->port);
	w_key(&w, "address", 0);
	w_jtext(&w, r->address, o);
	w_key(&w, "status", 0);
	w_jstr(&w, probe_status_name(r->status));
	w_key(&w, "exit", 0);
	w_printf(&w, "%u", st <= STATUS_UNKNOWN ? st : STATUS_UNKNOWN);
	w_key(&w, "fail", 0);
	w_jstr(&w, probe_fail_name(r->fail));
	w_key(&w, "reason", 0);
	w_jtext(&w, r->reason, o);
	w_key(&w, "reply_code", 0);
	w_printf(&w, "%d", r->reply_code);
	w_key(&w, "reply_text", 0);
	w_jtext(&w, r->reply_text, o);
	w_key(&w, "cert_days", 0);
	if (r->cert_days == CERT_DAYS_NONE)
		w_printf(&w, "null");
	else
		w_printf(&w, "%d", r->cert_days);
	w_key(&w, "cert_verified", 0);
	w_printf(&w, "%s", r->cert_verified ? "true" : "false");
	w_key(&w, "tls_version", 0);
	w_jtext(&w, r->tls_version, o);
	w_key(&w, "tls_cipher", 0);
	w_jtext(&w, r->tls_cipher, o);
	w_key(&w, "token", 0);
	w_jtext(&w, r->token, o);
	w_key(&w, "timings_us", 0);
	w_putc(&w, '{');
	for (ph = 0; ph < PH_LAST; ph++) {
		w_key(&w, probe_phase_name((enum probe_phase)ph), ph == 0);
		if (r->t[ph] < 0)
			w_printf(&w, "null");
		else
			w_printf(&w, "%" PRId64, r->t[ph]);
	}
	w_putc(&w, '}');
	if (r->targets != NULL)
		w_targets(&w, r->targets, o);
	w_putc(&w, '}');
	return w_done(&w);
}

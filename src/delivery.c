/*
 * delivery.c - the delivery round trip: submit, poll the mailbox, delete.
 *
 * Composer states:
 *   INIT -> SUBMIT -> WAIT <-> POLL -> DONE
 *
 * SUBMIT runs the SMTP leg with the test message; smtp.c stamps the
 * clock at the 250 to the end of data.  WAIT sleeps until the next poll:
 * the first one DLV_POLL_FIRST_MS after the 250, then intervals growing
 * by half up to DLV_POLL_MAX_MS, never beyond the delivery deadline (a
 * last poll is made right at it).  POLL runs one mailbox session with
 * the search step (struct dlv_box) as its post-login hook.  The latency
 * is measured from the 250 to the reply that showed the message.
 *
 * Tokens: every message carries "mailmon-<name>-<unix time>-<hex>" in
 * its Subject and in an X-Mailmon-Token header.  Only the message with
 * our token counts as delivered; test messages of the same probe name
 * older than the deadline are leftovers of earlier runs and are deleted
 * with ours.  Younger ones may belong to a concurrent run and are left
 * alone.  The name part never holds '-', so "mailmon-<name>-" is never
 * a substring of another probe's token.
 *
 * Mailbox steps:
 *   IMAP: SELECT INBOX -> UID SEARCH HEADER X-Mailmon-Token <token>
 *         [found: -> UID SEARCH OLDER s (or BEFORE date) HEADER ... prefix
 *          -> UID STORE set +FLAGS.SILENT (\Deleted)
 *          -> UID EXPUNGE set (UIDPLUS) or EXPUNGE]
 *   POP3: UIDL -> TOP n 0 for the newest DLV_MAXSCAN messages not known
 *         to be other mail -> DELE ours and the stale ones -> QUIT
 *         (which commits the deletions).  Listings are streamed through
 *         the line layer's on_line callback, so their length is bounded
 *         by nothing but DLV_MAXSCAN.
 */
#include "config.h"

#include <sys/random.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "delivery.h"
#include "ev.h"
#include "imap.h"
#include "lineproto.h"
#include "log.h"
#include "pop3.h"
#include "probe.h"
#include "util.h"

#define DLV_TOKEN_HEX	12	/* random hex digits of a token */

static const char *box_strstate[DB_LAST] = {
	"INIT", "SELECT", "SEARCH", "STALE", "STORE", "EXPUNGE", "UIDL", "TOP",
	"DELE", "DONE"
};

enum dlv_state {
	DS_INIT = 0,
	DS_SUBMIT,
	DS_WAIT,
	DS_POLL,
	DS_DONE,
	DS_LAST
};

static const char *strstate[DS_LAST] = {
	"INIT", "SUBMIT", "WAIT", "POLL", "DONE"
};

struct delivery {
	struct ev		*ev;
	struct probe_opts	 o;		/* our copy; secrets wiped at the end */
	probe_done_cb		 cb;
	void			*arg;

	enum dlv_state		 state;
	struct probe		*leg;		/* the session under way */
	struct ev_timer		*timer;
	struct probe_result	 res;
	enum probe_status	 status;	/* of res.fail so far */

	char			 token[DLV_TOKEN_MAX];
	char			 prefix[DLV_TOKEN_MAX];
	char			 body[DLV_BODY_MAX];
	size_t			 bodylen;

	int64_t			 t0;
	int64_t			 deadline;	/* whole probe */
	int64_t			 accepted;	/* clock at the 250; 0 = none */
	int64_t			 window_end;	/* accepted + the deadline */
	int			 interval_ms;
	int			 npoll;

	struct psess_hook	 hook;
	struct dlv_box		 box;
};

/* tokens */

static void
dlv_namepart(char *buf, size_t len, const char *name)
{
	size_t	 i, o = 0;

	if (name == NULL || name[0] == '\0')
		name = "delivery";
	for (i = 0; name[i] != '\0' && o + 1 < len && o < DLV_NAME_MAX; i++) {
		unsigned char	 c = (unsigned char)name[i];

		/* '-' separates the fields of a token: never in a name */
		buf[o++] = isalnum(c) || c == '.' || c == '_' ? (char)c : '_';
	}
	buf[o] = '\0';
}

void
dlv_prefix(char *buf, size_t len, const char *name)
{
	char	 np[DLV_NAME_MAX + 1];

	dlv_namepart(np, sizeof(np), name);
	snprintf(buf, len, "mailmon-%s-", np);
}

int
dlv_make_token(char *buf, size_t len, const char *name, time_t now,
    const unsigned char *rnd, size_t rndlen)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 pre[DLV_TOKEN_MAX], h[DLV_TOKEN_HEX + 1];
	size_t			 i;
	int			 n;

	if (rndlen * 2 < DLV_TOKEN_HEX)
		return -1;
	for (i = 0; i < DLV_TOKEN_HEX; i++)
		h[i] = hex[(rnd[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xf];
	h[DLV_TOKEN_HEX] = '\0';
	dlv_prefix(pre, sizeof(pre), name);
	n = snprintf(buf, len, "%s%lld-%s", pre, (long long)now, h);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
dlv_token_parse(const char *tok, const char *prefix, time_t *when)
{
	size_t		 pl = strlen(prefix), i, nd = 0, nh = 0;
	long long	 t = 0;

	if (strncmp(tok, prefix, pl) != 0)
		return -1;
	for (i = pl; isdigit((unsigned char)tok[i]); i++, nd++) {
		if (nd >= 12)
			return -1;
		t = t * 10 + (tok[i] - '0');
	}
	if (nd == 0 || tok[i] != '-')
		return -1;
	for (i++; isxdigit((unsigned char)tok[i]); i++)
		nh++;
	if (nh == 0 || tok[i] != '\0')
		return -1;
	*when = (time_t)t;
	return 0;
}

int
dlv_backoff(int prev_ms)
{
	int	 n;

	if (prev_ms <= 0)
		return DLV_POLL_FIRST_MS;
	n = prev_ms + prev_ms / 2;
	return n > DLV_POLL_MAX_MS ? DLV_POLL_MAX_MS : n;
}

/* RFC 5322 date in English whatever the locale */
static void
dlv_date(char *buf, size_t len, time_t now)
{
	static const char *wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	    "Sat" };
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;

	if (gmtime_r(&now, &tm) == NULL) {
		mm_strlcpy(buf, "Thu, 01 Jan 1970 00:00:00 +0000", len);
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    wd[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

size_t
dlv_message(char *buf, size_t len, const struct probe_opts *o,
    const char *token, time_t now)
{
	const char	*from = o->mail_from[0] != '\0' ? o->mail_from :
	    o->rcpt_to[0];
	const char	*at = strrchr(from, '@');
	char		 date[64];
	int		 n;

	dlv_date(date, sizeof(date), now);
	n = snprintf(buf, len,
	    "From: mailmon <%s>\n"
	    "To: <%s>\n"
	    "Subject: %s\n"
	    "Date: %s\n"
	    "Message-ID: <%s@%s>\n"
	    DLV_HEADER ": %s\n"
	    "Auto-Submitted: auto-generated\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "Delivery test message of the mailmon probe \"%s\".\n"
	    "It is deleted as soon as the probe finds it.\n",
	    from, o->rcpt_to[0], token, date, token,
	    at != NULL && at[1] != '\0' ? at + 1 : "localhost",
	    token, o->name[0] != '\0' ? o->name : "delivery");
	if (n < 0 || (size_t)n >= len)
		return 0;
	return (size_t)n;
}

/* parsers */

size_t
dlv_imap_search(const struct lp_reply *r, uint32_t *uids, size_t max)
{
	const char	*line, *p, *end;
	size_t		 pos = 0, len, n = 0;

	while ((line = lp_reply_line(r, &pos, &len)) != NULL) {
		if (len < 8 || strncasecmp(line, "* SEARCH", 8) != 0 ||
		    (len > 8 && line[8] != ' '))
			continue;
		end = line + len;
		for (p = line + 8; p < end; ) {
			unsigned long long	 v = 0;
			int			 nd = 0;

			while (p < end && *p == ' ')
				p++;
			while (p < end && isdigit((unsigned char)*p)) {
				if (++nd > 10)
					break;
				v = v * 10 + (unsigned)(*p++ - '0');
			}
			/* skip anything else (a MODSEQ, an overlong number) */
			while (p < end && *p != ' ')
				p++, nd = 0;
			if (nd > 0 && v > 0 && v <= UINT32_MAX && n < max)
				uids[n++] = (uint32_t)v;
		}
	}
	return n;
}

static uint64_t
dlv_hash(const char *s, size_t len)
{
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int
dlv_pop3_uidl(const char *line, size_t len, unsigned *num, uint64_t *uidhash)
{
	size_t		 i = 0, u;
	unsigned long	 v = 0;

	while (i < len && isdigit((unsigned char)line[i])) {
		v = v * 10 + (unsigned)(line[i] - '0');
		if (v > 10000000)
			return -1;
		i++;
	}
	if (i == 0 || v == 0 || i >= len || line[i] != ' ')
		return -1;
	while (i < len && line[i] == ' ')
		i++;
	for (u = i; u < len && line[u] > ' ' && line[u] < 0x7f; u++)
		;
	if (u == i || u != len)
		return -1;
	*num = (unsigned)v;
	*uidhash = dlv_hash(line + i, len - i);
	return 0;
}

int
dlv_header_token(const char *line, size_t len, char *tok, size_t toklen)
{
	size_t	 hl = strlen(DLV_HEADER), i, e;

	if (len <= hl || strncasecmp(line, DLV_HEADER, hl) != 0 ||
	    line[hl] != ':')
		return 0;
	for (i = hl + 1; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	for (e = len; e > i && (line[e - 1] == ' ' || line[e - 1] == '\t');
	    e--)
		;
	if (e == i || e - i >= toklen)
		return 0;
	memcpy(tok, line + i, e - i);
	tok[e - i] = '\0';
	return 1;
}

/* the mailbox step */

const char *
dlv_box_strstate(enum dlv_box_state st)
{
	return (unsigned)st < DB_LAST ? box_strstate[st] : "?";
}

void
dlv_box_init(struct dlv_box *b, enum probe_mode proto, const char *token,
    const char *prefix, int stale_s)
{
	memset(b, 0, sizeof(*b));
	b->proto = proto;
	b->token = token;
	b->prefix = prefix;
	b->stale_s = stale_s > 0 ? stale_s : 1;
}

void
dlv_box_reset(struct dlv_box *b, time_t wallnow)
{
	b->state = DB_INIT;
	b->wallnow = wallnow;
	b->searched = 0;
	b->found = 0;
	b->seen_at = 0;
	b->nstale = 0;
	b->deleted = 0;
	b->ndel = 0;
	b->idel = 0;
	b->nscan = 0;
	b->iscan = 0;
	b->body_seen = 0;
	b->toptok[0] = '\0';
}

static void
box_set_state(struct dlv_box *b, struct psess *ps, enum dlv_box_state st)
{
	psess_trace_state(ps, box_strstate[b->state], box_strstate[st]);
	b->state = st;
}

static int64_t
box_now(struct psess *ps)
{
	return ps->clock != NULL ? ps->clock(ps->clock_arg) : 0;
}

static void
box_add_del(struct dlv_box *b, uint32_t id)
{
	size_t	 i;

	for (i = 0; i < b->ndel; i++)
		if (b->del[i] == id)
			return;
	if (b->ndel < DLV_MAXDEL)
		b->del[b->ndel++] = id;
}

static int
box_send_failed(struct psess *ps, struct dlv_box *b)
{
	psess_fail(ps, FAIL_INTERNAL, "cannot send in mailbox step %s: %s",
	    box_strstate[b->state], ps->lp.error);
	box_set_state(b, ps, DB_DONE);
	return PA_DONE;
}

/* a refusal in the mailbox step: say which, then log out */
static int
box_refused(struct psess *ps, struct dlv_box *b, const char *what,
    const struct lp_reply *r)
{
	char	 rs[96];

	psess_fail(ps, FAIL_MAILBOX, "%s: %s", what,
	    psess_replystr(r, rs, sizeof(rs)));
	box_set_state(b, ps, DB_DONE);
	return PA_NEXT;
}

/* IMAP */

static int
imap_box_cmd(struct psess *ps, struct dlv_box *b, enum dlv_box_state st,
    const char *cmd)
{
	box_set_state(b, ps, st);
	if (imap_send((struct imap_sess *)ps, LP_PUBLIC, cmd) == -1)
		return box_send_failed(ps, b);
	return PA_WAIT;
}

/* "BEFORE <yesterday>": at least a day old, for servers without WITHIN */
static void
imap_before(char *buf, size_t len, time_t now)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;
	time_t		 y = now - 86400;

	if (gmtime_r(&y, &tm) == NULL) {
		mm_strlcpy(buf, "1-Jan-1970", len);
		return;
	}
	snprintf(buf, len, "%d-%s-%04d", tm.tm_mday, mon[tm.tm_mon % 12],
	    tm.tm_year + 1900);
}

/* "1,5,9" of the collected UIDs; -1 if it does not fit */
static int
box_set(const struct dlv_box *b, char *buf, size_t len)
{
	size_t	 i, o = 0;
	int	 n;

	buf[0] = '\0';
	for (i = 0; i < b->ndel; i++) {
		n = snprintf(buf + o, len - o, "%s%u", i > 0 ? "," : "",
		    b->del[i]);
		if (n < 0 || (size_t)n >= len - o)
			return -1;
		o += (size_t)n;
	}
	return 0;
}

static int
imap_box_store(struct psess *ps, struct dlv_box *b)
{
	char	 set[DLV_MAXDEL * 11 + 1], cmd[LP_SENDMAX];

	if (b->ndel == 0 || box_set(b, set, sizeof(set)) == -1) {
		box_set_state(b, ps, DB_DONE);
		return PA_NEXT;
	}
	snprintf(cmd, sizeof(cmd), "UID STORE %s +FLAGS.SILENT (\\Deleted)",
	    set);
	return imap_box_cmd(ps, b, DB_STORE, cmd);
}

static int
imap_box_enter(struct psess *ps, void *arg)
{
	struct dlv_box	*b = arg;

	return imap_box_cmd(ps, b, DB_SELECT, "SELECT INBOX");
}

static int
imap_box_response(struct psess *ps, const struct lp_reply *r, void *arg)
{
	struct dlv_box		*b = arg;
	struct imap_sess	*s = (struct imap_sess *)ps;
	char			 cmd[LP_SENDMAX], set[DLV_MAXDEL * 11 + 1];
	char			 date[32];
	uint32_t		 uids[DLV_MAXDEL];
	size_t			 n, i;

	switch (b->state) {
	case DB_SELECT:
		if (r->code != LP_OK)
			return box_refused(ps, b, "SELECT INBOX", r);
		snprintf(cmd, sizeof(cmd), "UID SEARCH HEADER %s \"%s\"",
		    DLV_HEADER, b->token);
		return imap_box_cmd(ps, b, DB_SEARCH, cmd);
	case DB_SEARCH:
		if (r->code != LP_OK)
			return box_refused(ps, b, "SEARCH", r);
		b->searched = 1;
		n = dlv_imap_search(r, uids, DLV_MAXDEL);
		if (n == 0) {
			box_set_state(b, ps, DB_DONE);
			return PA_NEXT;
		}
		b->found = 1;
		b->seen_at = box_now(ps);
		for (i = 0; i < n; i++)
			box_add_del(b, uids[i]);
		if (s->caps & IMAP_CAP_WITHIN)
			snprintf(cmd, sizeof(cmd), "UID SEARCH OLDER %d HEADER "
			    "%s \"%s\"", b->stale_s, DLV_HEADER, b->prefix);
		else {
			imap_before(date, sizeof(date), b->wallnow);
			snprintf(cmd, sizeof(cmd), "UID SEARCH BEFORE %s "
			    "HEADER %s \"%s\"", date, DLV_HEADER, b->prefix);
		}
		return imap_box_cmd(ps, b, DB_STALE, cmd);
	case DB_STALE:
		/* a failed cleanup search is no reason to keep our message */
		if (r->code == LP_OK) {
			n = dlv_imap_search(r, uids, DLV_MAXDEL);
			for (i = 0; i < n; i++) {
				size_t	 before = b->ndel;

				box_add_del(b, uids[i]);
				if (b->ndel > before)
					b->nstale++;
			}
		}
		return imap_box_store(ps, b);
	case DB_STORE:
		if (r->code != LP_OK)
			return box_refused(ps, b,
			    "cannot delete the test message", r);
		if ((s->caps & IMAP_CAP_UIDPLUS) &&
		    box_set(b, set, sizeof(set)) == 0) {
			snprintf(cmd, sizeof(cmd), "UID EXPUNGE %s", set);
			return imap_box_cmd(ps, b, DB_EXPUNGE, cmd);
		}
		return imap_box_cmd(ps, b, DB_EXPUNGE, "EXPUNGE");
	case DB_EXPUNGE:
		if (r->code != LP_OK)
			return box_refused(ps, b, "EXPUNGE", r);
		b->deleted = 1;
		box_set_state(b, ps, DB_DONE);
		return PA_NEXT;
	default:
		psess_fail(ps, FAIL_INTERNAL, "reply in mailbox step %s",
		    box_strstate[b->state]);
		box_set_state(b, ps, DB_DONE);
		return PA_DONE;
	}
}

/* POP3 */

static int
foreign_known(const struct dlv_box *b, uint64_t h)
{
	size_t	 i;

	for (i = 0; i < b->nforeign; i++)
		if (b->foreign[i] == h)
			return 1;
	return 0;
}

static void
foreign_add(struct dlv_box *b, uint64_t h)
{
	if (foreign_known(b, h))
		return;
	b->foreign[b->iforeign] = h;
	b->iforeign = (b->iforeign + 1) % DLV_MAXFOREIGN;
	if (b->nforeign < DLV_MAXFOREIGN)
		b->nforeign++;
}

/* every line of a streamed listing (UIDL, TOP) */
static void
pop3_box_line(void *arg, const char *line, size_t len, int code, int final)
{
	struct dlv_box	*b = arg;
	unsigned	 num;
	uint64_t	 h;

	if (final || code != LP_DATA)
		return;		/* the +OK line, the closing dot, an -ERR */
	if (b->state == DB_UIDL) {
		if (dlv_pop3_uidl(line, len, &num, &h) == -1 ||
		    foreign_known(b, h))
			return;
		/* listings are in ascending order: keep the newest */
		if (b->nscan == DLV_MAXSCAN) {
			memmove(b->scan, b->scan + 1,
			    (DLV_MAXSCAN - 1) * sizeof(b->scan[0]));
			memmove(b->scanuid, b->scanuid + 1,
			    (DLV_MAXSCAN - 1) * sizeof(b->scanuid[0]));
			b->nscan--;
		}
		b->scan[b->nscan] = num;
		b->scanuid[b->nscan++] = h;
	} else if (b->state == DB_TOP && b->toptok[0] == '\0')
		(void)dlv_header_token(line, len, b->toptok,
		    sizeof(b->toptok));
}

static void
pop3_box_stream(struct psess *ps, struct dlv_box *b, int on)
{
	ps->lp.stream = on;
	ps->lp.on_line = on ? pop3_box_line : NULL;
	ps->lp.line_arg = on ? b : NULL;
}

static int
pop3_box_send(struct psess *ps, struct dlv_box *b, enum dlv_box_state st,
    int multiline, const char *verb, unsigned n)
{
	char	 cmd[64];

	box_set_state(b, ps, st);
	if (st == DB_TOP)
		snprintf(cmd, sizeof(cmd), "%s %u 0", verb, n);
	else if (n > 0)
		snprintf(cmd, sizeof(cmd), "%s %u", verb, n);
	else
		mm_strlcpy(cmd, verb, sizeof(cmd));
	if (multiline)
		pop3_multiline((struct pop3_sess *)ps);
	if (lp_send(&ps->lp, LP_PUBLIC, cmd) == -1) {
		pop3_box_stream(ps, b, 0);
		return box_send_failed(ps, b);
	}
	return PA_WAIT;
}

/* TOP the next candidate (newest first), or delete, or finish */
static int
pop3_box_next(struct psess *ps, struct dlv_box *b)
{
	if (b->iscan < b->nscan) {
		b->toptok[0] = '\0';
		return pop3_box_send(ps, b, DB_TOP, 1, "TOP",
		    b->scan[b->nscan - 1 - b->iscan]);
	}
	pop3_box_stream(ps, b, 0);
	if (b->idel < b->ndel)
		return pop3_box_send(ps, b, DB_DELE, 0, "DELE",
		    b->del[b->idel++]);
	if (b->ndel > 0)
		b->deleted = 1;		/* committed by QUIT */
	box_set_state(b, ps, DB_DONE);
	return PA_NEXT;
}

/* what the TOP at hand showed */
static void
pop3_box_judge(struct psess *ps, struct dlv_box *b)
{
	size_t	 k = b->nscan - 1 - b->iscan;
	time_t	 when;

	if (b->toptok[0] == '\0') {
		foreign_add(b, b->scanuid[k]);
		return;
	}
	if (strcmp(b->toptok, b->token) == 0) {
		if (!b->found) {
			b->found = 1;
			b->seen_at = box_now(ps);
		}
		box_add_del(b, b->scan[k]);
	} else if (dlv_token_parse(b->toptok, b->prefix, &when) == 0) {
		/* ours from an earlier run, or a concurrent one */
		if (when + b->stale_s < b->wallnow) {
			box_add_del(b, b->scan[k]);
			b->nstale++;
		}
	} else
		foreign_add(b, b->scanuid[k]);	/* another probe's */
}

static int
pop3_box_enter(struct psess *ps, void *arg)
{
	struct dlv_box	*b = arg;

	pop3_box_stream(ps, b, 1);
	return pop3_box_send(ps, b, DB_UIDL, 1, "UIDL", 0);
}

static int
pop3_box_response(struct psess *ps, const struct lp_reply *r, void *arg)
{
	struct dlv_box	*b = arg;

	switch (b->state) {
	case DB_UIDL:
		if (r->code != LP_OK) {
			pop3_box_stream(ps, b, 0);
			return box_refused(ps, b, "UIDL", r);
		}
		b->iscan = 0;
		if (b->nscan == 0)
			b->searched = 1;
		return pop3_box_next(ps, b);
	case DB_TOP:
		/* -ERR: deleted meanwhile by a concurrent session */
		if (r->code == LP_OK)
			pop3_box_judge(ps, b);
		b->iscan++;
		if (b->iscan >= b->nscan)
			b->searched = 1;
		return pop3_box_next(ps, b);
	case DB_DELE:
		if (r->code != LP_OK)
			return box_refused(ps, b,
			    "cannot delete the test message", r);
		return pop3_box_next(ps, b);
	default:
		pop3_box_stream(ps, b, 0);
		psess_fail(ps, FAIL_INTERNAL, "reply in mailbox step %s",
		    box_strstate[b->state]);
		box_set_state(b, ps, DB_DONE);
		return PA_DONE;
	}
}

void
dlv_box_hook(struct dlv_box *b, struct psess_hook *h)
{
	if (b->proto == MODE_POP3) {
		h->enter = pop3_box_enter;
		h->response = pop3_box_response;
	} else {
		h->enter = imap_box_enter;
		h->response = imap_box_response;
	}
	h->arg = b;
}

/* results */

static int
is_conn_class(enum fail_class f)
{
	switch (f) {
	case FAIL_DNS:
	case FAIL_REFUSED:
	case FAIL_CONNECT_TIMEOUT:
	case FAIL_NETWORK:
	case FAIL_CLOSED:
	case FAIL_PROTOCOL:
	case FAIL_TLS:
	case FAIL_CERT_INVALID:
	case FAIL_CERT_EXPIRING:
	case FAIL_TIMEOUT:
	case FAIL_CONFIG:
	case FAIL_INTERNAL:
		return 1;
	default:
		return 0;
	}
}

/* "<lead><reason>", cut to fit: reasons are bounded, never reallocated */
static void
dlv_reason(struct probe_result *dst, const char *lead, const char *reason)
{
	mm_strlcpy(dst->reason, lead, sizeof(dst->reason));
	mm_strlcat(dst->reason, reason, sizeof(dst->reason));
}

void
dlv_leg_fail(struct probe_result *dst, const struct probe_result *leg,
    int mailbox)
{
	dst->status = leg->status;
	dst->reply_code = leg->reply_code;
	mm_strlcpy(dst->reply_text, leg->reply_text, sizeof(dst->reply_text));
	if (is_conn_class(leg->fail) || leg->fail == FAIL_SLOW) {
		/*
		 * The submission leg is the probe's own server: its
		 * connection classes stand as they are.  On the mailbox leg
		 * "refused" or "timeout" alone would blame the MX, so the
		 * class names the leg and the reason keeps the cause.
		 */
		dst->fail = leg->fail;
		/*
		 * A certificate that failed stays cert_invalid: the
		 * credentials were withheld, and that is what to fix.
		 */
		if (mailbox && leg->status == STATUS_CRITICAL &&
		    leg->fail != FAIL_CONFIG && leg->fail != FAIL_INTERNAL &&
		    leg->fail != FAIL_CERT_INVALID)
			dst->fail = FAIL_MAILBOX;
		dlv_reason(dst, mailbox ? "mailbox: " : "submission: ",
		    leg->reason);
		return;
	}
	dst->fail = mailbox ? FAIL_MAILBOX : FAIL_SUBMIT;
	if (dst->status == STATUS_OK || dst->status == STATUS_WARNING)
		dst->status = STATUS_CRITICAL;
	if (leg->fail == FAIL_AUTH && mailbox)
		/* "mailbox login failed: ..." */
		dlv_reason(dst, "mailbox ", leg->reason);
	else if (leg->fail == FAIL_SUBMIT)
		dlv_reason(dst, "submission refused: ", leg->reason);
	else
		dlv_reason(dst, mailbox ? "mailbox: " : "submission: ",
		    leg->reason);
}

/* the composer */

static void	dlv_poll(void *);

static void
dlv_set_state(struct delivery *d, enum dlv_state st)
{
	if (d->state != st)
		log_debug("delivery", "%s%s%s -> %s", d->o.name,
		    d->o.name[0] != '\0' ? ": " : "", strstate[d->state],
		    strstate[st]);
	d->state = st;
}

static void
dlv_free(struct delivery *d)
{
	if (d->leg != NULL)
		probe_cancel(d->leg);
	ev_timer_free(d->timer);
	explicit_bzero(d->o.pass, sizeof(d->o.pass));
	explicit_bzero(d->o.mbox.pass, sizeof(d->o.mbox.pass));
	free(d);
}

static void
dlv_finish(struct delivery *d)
{
	struct probe_result	 res;
	probe_done_cb		 cb = d->cb;
	void			*arg = d->arg;

	dlv_set_state(d, DS_DONE);
	d->res.t[PH_TOTAL] = ev_now_update(d->ev) - d->t0;
	mm_strlcpy(d->res.token, d->token, sizeof(d->res.token));
	if (d->res.reason[0] == '\0')
		snprintf(d->res.reason, sizeof(d->res.reason), "delivery ok");
	res = d->res;
	d->leg = NULL;
	dlv_free(d);
	cb(&res, arg);
}

/* keep the worse of what is stored and a leg's non-fatal finding */
static void
dlv_keep(struct delivery *d, const struct probe_result *leg, int mailbox)
{
	struct probe_result	 tmp = d->res;

	if (probe_status_rank(leg->status) <= probe_status_rank(d->status))
		return;
	dlv_leg_fail(&tmp, leg, mailbox);
	d->res.fail = tmp.fail;
	d->res.status = d->status = leg->status;
	mm_strlcpy(d->res.reason, tmp.reason, sizeof(d->res.reason));
}

/* the 250 is in the past; wait for the next poll */
static void
dlv_schedule(struct delivery *d)
{
	int64_t	 now = ev_now_update(d->ev), at;

	d->interval_ms = dlv_backoff(d->interval_ms);
	at = (d->npoll == 0 ? d->accepted : now) +
	    (int64_t)d->interval_ms * 1000;
	if (at > d->window_end)
		at = d->window_end;
	if (at < now)
		at = now;
	dlv_set_state(d, DS_WAIT);
	ev_timer_at(d->timer, at);
}

static int64_t
dlv_budget_ms(struct delivery *d)
{
	int64_t	 left = (d->deadline - ev_now_update(d->ev)) / 1000;

	if (left > d->o.timeout_ms)
		left = d->o.timeout_ms;
	return left < 1 ? 1 : left;
}

static void
dlv_mbox_opts(struct delivery *d, struct probe_opts *m)
{
	const struct probe_opts	*o = &d->o;

	*m = *o;
	m->mode = o->mbox.proto;
	if (o->mbox.host[0] != '\0') {
		mm_strlcpy(m->host, o->mbox.host, sizeof(m->host));
		if (strcmp(o->mbox.host, o->host) != 0)
			m->sni[0] = '\0';
	}
	m->port = o->mbox.port;
	m->tls = o->mbox.tls;
	mm_strlcpy(m->user, o->mbox.user, sizeof(m->user));
	mm_strlcpy(m->pass, o->mbox.pass, sizeof(m->pass));
	m->auth = AUTH_NONE;
	m->timeout_ms = (int)dlv_budget_ms(d);
	if (m->step_timeout_ms > m->timeout_ms)
		m->step_timeout_ms = m->timeout_ms;
	/* thresholds and checks of the submission leg stay there */
	m->warn_ms = m->crit_ms = 0;
	m->cert_warn_days = m->cert_crit_days = 0;
	m->cert_only = 0;
	m->lmtp = 0;
	m->expect[0] = '\0';
	m->ncmd = 0;
	m->nrcpt = 0;
	m->mail_from[0] = '\0';
	m->relay_auth_check = 0;
	m->delivery_warn_ms = m->delivery_crit_ms = 0;
}

static void
dlv_poll_done(const struct probe_result *r, void *arg)
{
	struct delivery	*d = arg;
	struct dlv_box	*b = &d->box;
	int64_t		 lat, now = ev_now_update(d->ev);
	const struct probe_opts *o = &d->o;

	d->leg = NULL;
	d->npoll++;
	log_debug("delivery", "%s%spoll %d: %s%s", o->name,
	    o->name[0] != '\0' ? ": " : "", d->npoll,
	    b->found ? "found" : b->searched ? "not yet" : "failed",
	    b->nstale > 0 ? ", stale test mail deleted" : "");
	if (!b->searched || (r->status != STATUS_OK &&
	    r->status != STATUS_WARNING)) {
		dlv_leg_fail(&d->res, r, 1);
		d->status = d->res.status;
		dlv_finish(d);
		return;
	}
	if (r->status == STATUS_WARNING)
		dlv_keep(d, r, 1);
	if (!b->found) {
		if (now >= d->window_end) {
			d->res.fail = FAIL_NOT_DELIVERED;
			d->res.status = d->status = STATUS_CRITICAL;
			snprintf(d->res.reason, sizeof(d->res.reason),
			    "not delivered within %d ms (%d polls)",
			    o->delivery_deadline_ms, d->npoll);
			dlv_finish(d);
			return;
		}
		dlv_schedule(d);
		return;
	}

	lat = b->seen_at - d->accepted;
	if (lat < 1)
		lat = 1;
	d->res.t[PH_DELIVERY] = lat;
	if (o->delivery_crit_ms > 0 &&
	    lat >= (int64_t)o->delivery_crit_ms * 1000) {
		d->res.fail = FAIL_SLOW;
		d->res.status = d->status = STATUS_CRITICAL;
		snprintf(d->res.reason, sizeof(d->res.reason),
		    "delivery slow: %lld ms", (long long)(lat / 1000));
	} else if (o->delivery_warn_ms > 0 &&
	    lat >= (int64_t)o->delivery_warn_ms * 1000 &&
	    probe_status_rank(d->status) < probe_status_rank(STATUS_WARNING)) {
		d->res.fail = FAIL_SLOW;
		d->res.status = d->status = STATUS_WARNING;
		snprintf(d->res.reason, sizeof(d->res.reason),
		    "delivery slow: %lld ms", (long long)(lat / 1000));
	} else if (d->status == STATUS_OK)
		snprintf(d->res.reason, sizeof(d->res.reason),
		    "delivered in %lld ms via %s (%d poll%s%s)",
		    (long long)(lat / 1000), probe_mode_name(o->mbox.proto),
		    d->npoll, d->npoll == 1 ? "" : "s",
		    b->nstale > 0 ? ", stale test mail deleted" : "");
	dlv_finish(d);
}

static void
dlv_poll(void *arg)
{
	struct delivery		*d = arg;
	struct probe_opts	 m;
	struct probe_leg	 leg;

	dlv_set_state(d, DS_POLL);
	dlv_mbox_opts(d, &m);
	dlv_box_reset(&d->box, time(NULL));
	dlv_box_hook(&d->box, &d->hook);
	memset(&leg, 0, sizeof(leg));
	leg.hook = &d->hook;
	d->leg = probe_start(d->ev, &m, &leg, dlv_poll_done, d);
	explicit_bzero(m.pass, sizeof(m.pass));
	explicit_bzero(m.mbox.pass, sizeof(m.mbox.pass));
	if (d->leg == NULL) {
		d->res.fail = FAIL_INTERNAL;
		d->res.status = d->status = STATUS_UNKNOWN;
		mm_strlcpy(d->res.reason, "mailbox: cannot start a session",
		    sizeof(d->res.reason));
		dlv_finish(d);
	}
}

static void
dlv_submit_done(const struct probe_result *r, void *arg)
{
	struct delivery	*d = arg;
	int		 ph;

	d->leg = NULL;
	/* the submission's timings, TLS facts and reply are the probe's */
	for (ph = 0; ph < PH_DELIVERY; ph++)
		d->res.t[ph] = r->t[ph];
	d->res.cert_days = r->cert_days;
	d->res.cert_verified = r->cert_verified;
	mm_strlcpy(d->res.tls_version, r->tls_version,
	    sizeof(d->res.tls_version));
	mm_strlcpy(d->res.tls_cipher, r->tls_cipher, sizeof(d->res.tls_cipher));
	mm_strlcpy(d->res.address, r->address, sizeof(d->res.address));
	d->res.reply_code = r->reply_code;
	mm_strlcpy(d->res.reply_text, r->reply_text, sizeof(d->res.reply_text));

	if (d->accepted == 0) {
		dlv_leg_fail(&d->res, r, 0);
		if (d->res.fail == FAIL_NONE) {
			/* cannot happen: the 250 is how a leg succeeds */
			d->res.fail = FAIL_SUBMIT;
			d->res.status = STATUS_CRITICAL;
			mm_strlcpy(d->res.reason, "submission: message not "
			    "accepted", sizeof(d->res.reason));
		}
		dlv_finish(d);
		return;
	}
	/* accepted: a warning (certificate, slow submission) is kept */
	if (r->status != STATUS_OK)
		dlv_keep(d, r, 0);
	d->window_end = d->accepted + (int64_t)d->o.delivery_deadline_ms * 1000;
	log_debug("delivery", "%s%ssubmitted %s", d->o.name,
	    d->o.name[0] != '\0' ? ": " : "", d->token);
	dlv_schedule(d);
}

struct delivery *
delivery_start(struct ev *ev, const struct probe_opts *opts, probe_done_cb cb,
    void *arg)
{
	struct delivery		*d;
	struct probe_leg	 leg;
	unsigned char		 rnd[DLV_TOKEN_HEX / 2];
	time_t			 now = time(NULL);
	uint64_t		 mix;
	size_t			 i;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->timer = ev_timer_new(ev, dlv_poll, d)) == NULL) {
		free(d);
		return NULL;
	}
	d->ev = ev;
	d->o = *opts;
	d->cb = cb;
	d->arg = arg;
	d->state = DS_INIT;
	d->status = STATUS_OK;
	d->t0 = ev_now_update(ev);
	d->deadline = d->t0 + ((int64_t)d->o.timeout_ms +
	    d->o.delivery_deadline_ms) * 1000;
	probe_result_init(&d->res);

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(rnd)) {
		/* no entropy yet (early boot): unique enough for a test mail */
		mix = (uint64_t)d->t0 ^ ((uint64_t)getpid() << 32) ^
		    (uint64_t)(uintptr_t)d;
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(mix >> (8 * i));
	}
	if (dlv_make_token(d->token, sizeof(d->token), d->o.name, now, rnd,
	    sizeof(rnd)) == -1 ||
	    (d->bodylen = dlv_message(d->body, sizeof(d->body), &d->o, d->token,
	    now)) == 0) {
		dlv_free(d);
		return NULL;
	}
	dlv_prefix(d->prefix, sizeof(d->prefix), d->o.name);
	dlv_box_init(&d->box, d->o.mbox.proto, d->token, d->prefix,
	    (d->o.delivery_deadline_ms + 999) / 1000);

	memset(&leg, 0, sizeof(leg));
	leg.body = d->body;
	leg.bodylen = d->bodylen;
	leg.accepted = &d->accepted;
	dlv_set_state(d, DS_SUBMIT);
	if ((d->leg = probe_start(ev, &d->o, &leg, dlv_submit_done,
	    d)) == NULL) {
		dlv_free(d);
		return NULL;
	}
	return d;
}

void
delivery_cancel(struct delivery *d)
{
	if (d != NULL)
		dlv_free(d);
}

/*
 * mbox_pop3.c - the mailbox step over POP3 (see mbox.h):
 *
 *   INIT -> UIDL -> TOP n 0 ... (newest first) -> DELE ... -> DONE
 *
 * POP3 has no search: the newest MBOX_MAXSCAN messages are looked at
 * with TOP n 0, and the UIDL hashes of messages that turned out to be
 * other mail are remembered (a ring) so later polls skip them.  QUIT,
 * after the step, commits the deletions.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lineproto.h"
#include "mbox.h"
#include "pop3.h"
#include "util.h"

enum mbox_pop3_state {
	MP_INIT = 0,
	MP_UIDL,		/* UIDL */
	MP_TOP,			/* TOP n 0, newest first */
	MP_DELE,		/* DELE n */
	MP_DONE,
	MP_LAST
};

static const char *strstate[MP_LAST] = {
	"INIT", "UIDL", "TOP", "DELE", "DONE"
};

static uint64_t
mp_hash(const char *s, size_t len)
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
mbox_pop3_uidl(const char *line, size_t len, unsigned *num, uint64_t *uidhash)
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
	*uidhash = mp_hash(line + i, len - i);
	return 0;
}

const char *
mbox_pop3_state_name(int st)
{
	return (unsigned)st < MP_LAST ? strstate[st] : "?";
}

static void
mp_set_state(struct mbox *b, struct psess *ps, enum mbox_pop3_state st)
{
	psess_trace_state(ps, strstate[b->state], strstate[st]);
	b->state = st;
}

static int
foreign_known(const struct mbox_pop3 *p, uint64_t h)
{
	size_t	 i;

	for (i = 0; i < p->nforeign; i++)
		if (p->foreign[i] == h)
			return 1;
	return 0;
}

static void
foreign_add(struct mbox_pop3 *p, uint64_t h)
{
	if (foreign_known(p, h))
		return;
	p->foreign[p->iforeign] = h;
	p->iforeign = (p->iforeign + 1) % MBOX_MAXFOREIGN;
	if (p->nforeign < MBOX_MAXFOREIGN)
		p->nforeign++;
}

/* every line of a streamed listing (UIDL, TOP) */
static void
mp_line(void *arg, const char *line, size_t len, int code, int final)
{
	struct mbox		*b = arg;
	struct mbox_pop3	*p = &b->pop3;
	unsigned		 num;
	uint64_t		 h;

	if (final || code != LP_DATA)
		return;		/* the +OK line, the closing dot, an -ERR */
	if (b->state == MP_UIDL) {
		if (mbox_pop3_uidl(line, len, &num, &h) == -1 ||
		    foreign_known(p, h))
			return;
		/* listings are in ascending order: keep the newest */
		if (p->nscan == MBOX_MAXSCAN) {
			memmove(p->scan, p->scan + 1,
			    (MBOX_MAXSCAN - 1) * sizeof(p->scan[0]));
			memmove(p->scanuid, p->scanuid + 1,
			    (MBOX_MAXSCAN - 1) * sizeof(p->scanuid[0]));
			p->nscan--;
		}
		p->scan[p->nscan] = num;
		p->scanuid[p->nscan++] = h;
	} else if (b->state == MP_TOP && p->toptok[0] == '\0')
		(void)dlv_header_token(line, len, p->toptok,
		    sizeof(p->toptok));
}

static void
mp_stream(struct psess *ps, struct mbox *b, int on)
{
	ps->lp.stream = on;
	ps->lp.on_line = on ? mp_line : NULL;
	ps->lp.line_arg = on ? b : NULL;
}

static int
mp_send(struct psess *ps, struct mbox *b, enum mbox_pop3_state st,
    int multiline, const char *verb, unsigned n)
{
	char	 cmd[64];

	mp_set_state(b, ps, st);
	if (st == MP_TOP)
		snprintf(cmd, sizeof(cmd), "%s %u 0", verb, n);
	else if (n > 0)
		snprintf(cmd, sizeof(cmd), "%s %u", verb, n);
	else
		mm_strlcpy(cmd, verb, sizeof(cmd));
	if (multiline)
		pop3_multiline(ps);
	if (lp_send(&ps->lp, LP_PUBLIC, cmd) == -1) {
		mp_stream(ps, b, 0);
		psess_fail(ps, FAIL_INTERNAL, "cannot send in mailbox step "
		    "%s: %s", strstate[b->state], ps->lp.error);
		mp_set_state(b, ps, MP_DONE);
		return PA_DONE;
	}
	return PA_WAIT;
}

static int
mp_refused(struct psess *ps, struct mbox *b, const char *what,
    const struct lp_reply *r)
{
	mp_stream(ps, b, 0);
	mbox_refused(ps, what, r);
	mp_set_state(b, ps, MP_DONE);
	return PA_NEXT;
}

/* TOP the next candidate (newest first), or delete, or finish */
static int
mp_next(struct psess *ps, struct mbox *b)
{
	struct mbox_pop3	*p = &b->pop3;

	if (p->iscan < p->nscan) {
		p->toptok[0] = '\0';
		return mp_send(ps, b, MP_TOP, 1, "TOP",
		    p->scan[p->nscan - 1 - p->iscan]);
	}
	mp_stream(ps, b, 0);
	if (b->idel < b->ndel)
		return mp_send(ps, b, MP_DELE, 0, "DELE", b->del[b->idel++]);
	if (b->ndel > 0)
		b->deleted = 1;		/* committed by QUIT */
	mp_set_state(b, ps, MP_DONE);
	return PA_NEXT;
}

/* what the TOP at hand showed */
static void
mp_judge(struct psess *ps, struct mbox *b)
{
	struct mbox_pop3	*p = &b->pop3;
	size_t			 k = p->nscan - 1 - p->iscan;
	time_t			 when;

	if (p->toptok[0] == '\0') {
		foreign_add(p, p->scanuid[k]);
		return;
	}
	if (strcmp(p->toptok, b->token) == 0) {
		if (!b->found) {
			b->found = 1;
			b->seen_at = psess_now(ps);
		}
		mbox_add_del(b, p->scan[k]);
	} else if (dlv_token_parse(p->toptok, b->prefix, &when) == 0) {
		/* ours from an earlier run, or a concurrent one */
		if (when + b->stale_s < b->wallnow) {
			mbox_add_del(b, p->scan[k]);
			b->nstale++;
		}
	} else
		foreign_add(p, p->scanuid[k]);	/* another probe's */
}

static int
mp_enter(struct psess *ps, void *arg)
{
	struct mbox	*b = arg;

	mp_stream(ps, b, 1);
	return mp_send(ps, b, MP_UIDL, 1, "UIDL", 0);
}

static int
mp_response(struct psess *ps, const struct lp_reply *r, void *arg)
{
	struct mbox		*b = arg;
	struct mbox_pop3	*p = &b->pop3;

	switch (b->state) {
	case MP_UIDL:
		if (r->code != LP_OK)
			return mp_refused(ps, b, "UIDL", r);
		p->iscan = 0;
		if (p->nscan == 0)
			b->searched = 1;
		return mp_next(ps, b);
	case MP_TOP:
		/* -ERR: deleted meanwhile by a concurrent session */
		if (r->code == LP_OK)
			mp_judge(ps, b);
		p->iscan++;
		if (p->iscan >= p->nscan)
			b->searched = 1;
		return mp_next(ps, b);
	case MP_DELE:
		if (r->code != LP_OK)
			return mp_refused(ps, b,
			    "cannot delete the test message", r);
		return mp_next(ps, b);
	default:
		mp_stream(ps, b, 0);
		psess_fail(ps, FAIL_INTERNAL, "reply in mailbox step %s",
		    (unsigned)b->state < MP_LAST ? strstate[b->state] : "?");
		mp_set_state(b, ps, MP_DONE);
		return PA_DONE;
	}
}

void
mbox_pop3_hook(struct mbox *b, struct psess_hook *h)
{
	h->enter = mp_enter;
	h->response = mp_response;
	h->arg = b;
}

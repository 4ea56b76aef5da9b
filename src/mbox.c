/*
 * mbox.c - what the IMAP and POP3 mailbox steps share: their outcome
 * and the list of messages to delete.
 */
#include "config.h"

#include <string.h>

#include "mbox.h"

void
mbox_init(struct mbox *b, enum probe_mode proto, const char *token,
    const char *prefix, int stale_s)
{
	memset(b, 0, sizeof(*b));
	b->proto = proto;
	b->token = token;
	b->prefix = prefix;
	b->stale_s = stale_s > 0 ? stale_s : 1;
}

void
mbox_reset(struct mbox *b, time_t wallnow)
{
	b->state = 0;		/* INIT of either machine */
	b->wallnow = wallnow;
	b->searched = 0;
	b->found = 0;
	b->seen_at = 0;
	b->nstale = 0;
	b->deleted = 0;
	b->ndel = 0;
	b->idel = 0;
	b->pop3.nscan = 0;
	b->pop3.iscan = 0;
	b->pop3.toptok[0] = '\0';
}

void
mbox_add_del(struct mbox *b, uint32_t id)
{
	size_t	 i;

	for (i = 0; i < b->ndel; i++)
		if (b->del[i] == id)
			return;
	if (b->ndel < MBOX_MAXDEL)
		b->del[b->ndel++] = id;
}

void
mbox_refused(struct psess *ps, const char *what, const struct lp_reply *r)
{
	char	 rs[96];

	psess_fail(ps, FAIL_MAILBOX, "%s: %s", what,
	    psess_replystr(r, rs, sizeof(rs)));
}

/*
 * mbox_imap.c - the mailbox step over IMAP (see mbox.h):
 *
 *   INIT -> SELECT -> SEARCH [-> STALE -> STORE -> EXPUNGE] -> DONE
 *
 * The token search is a HEADER search, answered by the server's index:
 * nothing is fetched.  Leftovers are found by the probe's prefix and an
 * age (OLDER with WITHIN, else BEFORE yesterday) and deleted with ours.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "imap.h"
#include "lineproto.h"
#include "mbox.h"
#include "util.h"

enum mbox_imap_state {
	MI_INIT = 0,
	MI_SELECT,		/* SELECT INBOX */
	MI_SEARCH,		/* UID SEARCH HEADER token */
	MI_STALE,		/* UID SEARCH OLDER/BEFORE prefix */
	MI_STORE,		/* UID STORE +FLAGS.SILENT (\Deleted) */
	MI_EXPUNGE,		/* UID EXPUNGE / EXPUNGE */
	MI_DONE,
	MI_LAST
};

static const char *strstate[MI_LAST] = {
	"INIT", "SELECT", "SEARCH", "STALE", "STORE", "EXPUNGE", "DONE"
};

size_t
mbox_imap_search(const struct lp_reply *r, uint32_t *uids, size_t max)
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

const char *
mbox_imap_state_name(int st)
{
	return (unsigned)st < MI_LAST ? strstate[st] : "?";
}

static void
mi_set_state(struct mbox *b, struct psess *ps, enum mbox_imap_state st)
{
	psess_trace_state(ps, strstate[b->state], strstate[st]);
	b->state = st;
}

static int
mi_cmd(struct psess *ps, struct mbox *b, enum mbox_imap_state st,
    const char *cmd)
{
	mi_set_state(b, ps, st);
	if (imap_send(ps, LP_PUBLIC, cmd) == -1) {
		psess_fail(ps, FAIL_INTERNAL, "cannot send in mailbox step "
		    "%s: %s", strstate[b->state], ps->lp.error);
		mi_set_state(b, ps, MI_DONE);
		return PA_DONE;
	}
	return PA_WAIT;
}

/* a refusal: say which, then log out */
static int
mi_refused(struct psess *ps, struct mbox *b, const char *what,
    const struct lp_reply *r)
{
	mbox_refused(ps, what, r);
	mi_set_state(b, ps, MI_DONE);
	return PA_NEXT;
}

/* "BEFORE <yesterday>": at least a day old, for servers without WITHIN */
static void
mi_before(char *buf, size_t len, time_t now)
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
mi_set(const struct mbox *b, char *buf, size_t len)
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
mi_store(struct psess *ps, struct mbox *b)
{
	char	 set[MBOX_MAXDEL * 11 + 1], cmd[LP_SENDMAX];

	if (b->ndel == 0 || mi_set(b, set, sizeof(set)) == -1) {
		mi_set_state(b, ps, MI_DONE);
		return PA_NEXT;
	}
	snprintf(cmd, sizeof(cmd), "UID STORE %s +FLAGS.SILENT (\\Deleted)",
	    set);
	return mi_cmd(ps, b, MI_STORE, cmd);
}

static int
mi_enter(struct psess *ps, void *arg)
{
	return mi_cmd(ps, arg, MI_SELECT, "SELECT INBOX");
}

static int
mi_response(struct psess *ps, const struct lp_reply *r, void *arg)
{
	struct mbox	*b = arg;
	unsigned	 caps = imap_caps(ps);
	char		 cmd[LP_SENDMAX], set[MBOX_MAXDEL * 11 + 1];
	char		 date[32];
	uint32_t	 uids[MBOX_MAXDEL];
	size_t		 n, i;

	switch (b->state) {
	case MI_SELECT:
		if (r->code != LP_OK)
			return mi_refused(ps, b, "SELECT INBOX", r);
		snprintf(cmd, sizeof(cmd), "UID SEARCH HEADER %s \"%s\"",
		    DLV_HEADER, b->token);
		return mi_cmd(ps, b, MI_SEARCH, cmd);
	case MI_SEARCH:
		if (r->code != LP_OK)
			return mi_refused(ps, b, "SEARCH", r);
		b->searched = 1;
		n = mbox_imap_search(r, uids, MBOX_MAXDEL);
		if (n == 0) {
			mi_set_state(b, ps, MI_DONE);
			return PA_NEXT;
		}
		b->found = 1;
		b->seen_at = psess_now(ps);
		for (i = 0; i < n; i++)
			mbox_add_del(b, uids[i]);
		if (caps & IMAP_CAP_WITHIN)
			snprintf(cmd, sizeof(cmd), "UID SEARCH OLDER %d HEADER "
			    "%s \"%s\"", b->stale_s, DLV_HEADER, b->prefix);
		else {
			mi_before(date, sizeof(date), b->wallnow);
			snprintf(cmd, sizeof(cmd), "UID SEARCH BEFORE %s "
			    "HEADER %s \"%s\"", date, DLV_HEADER, b->prefix);
		}
		return mi_cmd(ps, b, MI_STALE, cmd);
	case MI_STALE:
		/* a failed cleanup search is no reason to keep our message */
		if (r->code == LP_OK) {
			n = mbox_imap_search(r, uids, MBOX_MAXDEL);
			for (i = 0; i < n; i++) {
				size_t	 before = b->ndel;

				mbox_add_del(b, uids[i]);
				if (b->ndel > before)
					b->nstale++;
			}
		}
		return mi_store(ps, b);
	case MI_STORE:
		if (r->code != LP_OK)
			return mi_refused(ps, b,
			    "cannot delete the test message", r);
		if ((caps & IMAP_CAP_UIDPLUS) &&
		    mi_set(b, set, sizeof(set)) == 0) {
			snprintf(cmd, sizeof(cmd), "UID EXPUNGE %s", set);
			return mi_cmd(ps, b, MI_EXPUNGE, cmd);
		}
		return mi_cmd(ps, b, MI_EXPUNGE, "EXPUNGE");
	case MI_EXPUNGE:
		if (r->code != LP_OK)
			return mi_refused(ps, b, "EXPUNGE", r);
		b->deleted = 1;
		mi_set_state(b, ps, MI_DONE);
		return PA_NEXT;
	default:
		psess_fail(ps, FAIL_INTERNAL, "reply in mailbox step %s",
		    (unsigned)b->state < MI_LAST ? strstate[b->state] : "?");
		mi_set_state(b, ps, MI_DONE);
		return PA_DONE;
	}
}

void
mbox_imap_hook(struct mbox *b, struct psess_hook *h)
{
	h->enter = mi_enter;
	h->response = mi_response;
	h->arg = b;
}

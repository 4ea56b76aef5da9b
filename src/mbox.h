/*
 * mbox.h - the mailbox step of a delivery probe: find the test message
 * by its token, delete it and the leftovers of earlier runs.
 *
 * It runs inside an ordinary IMAP or POP3 session, plugged in as the
 * session's post-login hook (struct psess_hook), and reaches the
 * protocol only through the small accessors imap.h and pop3.h export.
 * Each protocol has its own machine with its own states:
 *
 *   IMAP (mbox_imap.c): SELECT INBOX -> UID SEARCH HEADER X-Mailmon-Token
 *     <token> [found: -> UID SEARCH OLDER s (or BEFORE date) HEADER ...
 *     prefix -> UID STORE set +FLAGS.SILENT (\Deleted) -> UID EXPUNGE set
 *     (UIDPLUS) or EXPUNGE]
 *   POP3 (mbox_pop3.c): UIDL -> TOP n 0 for the newest MBOX_MAXSCAN
 *     messages not known to be other mail -> DELE ours and the stale
 *     ones (QUIT commits them).  Listings are streamed through the line
 *     layer's on_line callback, so their length is bounded by nothing
 *     but MBOX_MAXSCAN.
 *
 * One struct mbox lives as long as the delivery probe: reset before
 * each poll, it keeps what it learnt of other mail between polls.
 */
#ifndef MAILMON_MBOX_H
#define MAILMON_MBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "session.h"
#include "token.h"

#define MBOX_MAXDEL		32	/* messages deleted in one session */
#define MBOX_MAXSCAN		64	/* POP3: newest messages looked at */
#define MBOX_MAXFOREIGN		256	/* POP3: other mail remembered */

/* what the POP3 machine keeps */
struct mbox_pop3 {
	unsigned	 scan[MBOX_MAXSCAN];	/* message numbers */
	uint64_t	 scanuid[MBOX_MAXSCAN];	/* UIDL hashes */
	size_t		 nscan;
	size_t		 iscan;
	char		 toptok[DLV_TOKEN_MAX];	/* token of the TOP at hand */
	uint64_t	 foreign[MBOX_MAXFOREIGN];	/* not test mail */
	size_t		 nforeign;
	size_t		 iforeign;		/* ring position */
};

struct mbox {
	enum probe_mode		 proto;		/* MODE_IMAP or MODE_POP3 */
	int			 state;		/* the protocol machine's own */
	const char		*token;		/* ours */
	const char		*prefix;	/* "mailmon-<name>-" */
	int			 stale_s;	/* older than this: stale */
	time_t			 wallnow;	/* wall clock of this poll */

	/* outcome of one session */
	int			 searched;	/* the search itself completed */
	int			 found;
	int64_t			 seen_at;	/* clock when found */
	int			 nstale;
	int			 deleted;	/* deletion confirmed */
	uint32_t		 del[MBOX_MAXDEL];	/* UIDs or numbers */
	size_t			 ndel;
	size_t			 idel;

	struct mbox_pop3	 pop3;
};

void	 mbox_init(struct mbox *, enum probe_mode proto, const char *token,
	    const char *prefix, int stale_s);
/* before each poll: forget the last session, keep the POP3 cache */
void	 mbox_reset(struct mbox *, time_t wallnow);


/* UIDs of "* SEARCH ..." lines; returns how many (at most max) */
size_t	 mbox_imap_search(const struct lp_reply *, uint32_t *uids,
	    size_t max);
/* "N uid" of a UIDL listing: 0, or -1 for a malformed line */
int	 mbox_pop3_uidl(const char *line, size_t len, unsigned *num,
	    uint64_t *uidhash);

/*
 * Plug the step into a session of the mailbox's protocol; the name of
 * the state its machine is in ("SEARCH", "DONE").
 */
void	 mbox_imap_hook(struct mbox *, struct psess_hook *);
void	 mbox_pop3_hook(struct mbox *, struct psess_hook *);
const char *mbox_imap_state_name(int);
const char *mbox_pop3_state_name(int);

/* shared by the two machines (mbox.c) */
void	 mbox_add_del(struct mbox *, uint32_t id);
/* a refusal in the step: the failure, with the server's reply */
void	 mbox_refused(struct psess *, const char *what,
	    const struct lp_reply *);

#endif

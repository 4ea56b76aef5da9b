/*
 * delivery.h - the delivery round trip: submit a message over SMTP,
 * find it in a mailbox over IMAP or POP3, measure the time in between,
 * delete it.
 *
 * A delivery probe is a chain of ordinary one-session probes (legs)
 * run by probe.c's driver: the submission leg (smtp.c with a message
 * body), then one mailbox leg per poll (imap.c or pop3.c with the
 * search step below plugged in as the post-login hook).  delivery.c
 * schedules the legs, and turns their results into one.
 *
 * Every poll is a fresh mailbox session.  POP3 needs that anyway (a
 * maildrop is a snapshot taken at login); for IMAP it costs one login
 * per poll, and buys simplicity: nothing holds a session open on the
 * server for the whole deadline, no NOOP is needed to see new mail, and
 * both protocols share one schedule.  A poll that fails ends the probe
 * with the mailbox leg's failure: a broken mailbox is news at once.
 */
#ifndef MAILMON_DELIVERY_H
#define MAILMON_DELIVERY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lineproto.h"
#include "probe_opts.h"
#include "session.h"

#define DLV_TOKEN_MAX		64	/* = sizeof(probe_result.token) */
#define DLV_NAME_MAX		24	/* probe name part of a token */
#define DLV_HEADER		"X-Mailmon-Token"
#define DLV_BODY_MAX		2048
#define DLV_MAXDEL		32	/* messages deleted in one session */
#define DLV_MAXSCAN		64	/* POP3: newest messages looked at */
#define DLV_MAXFOREIGN		256	/* POP3: other mail remembered */

/* poll schedule: first look soon after the 250, then back off */
#define DLV_POLL_FIRST_MS	50
#define DLV_POLL_MAX_MS		2000

/* one mailbox session's search step (the psess hook) */
enum dlv_box_state {
	DB_INIT = 0,
	DB_SELECT,		/* IMAP SELECT INBOX */
	DB_SEARCH,		/* IMAP UID SEARCH HEADER token */
	DB_STALE,		/* IMAP UID SEARCH OLDER/BEFORE prefix */
	DB_STORE,		/* IMAP UID STORE +FLAGS.SILENT (\Deleted) */
	DB_EXPUNGE,		/* IMAP UID EXPUNGE / EXPUNGE */
	DB_UIDL,		/* POP3 UIDL */
	DB_TOP,			/* POP3 TOP n 0, newest first */
	DB_DELE,		/* POP3 DELE n */
	DB_DONE,
	DB_LAST
};

struct dlv_box {
	enum probe_mode		 proto;		/* MODE_IMAP or MODE_POP3 */
	enum dlv_box_state	 state;
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
	uint32_t		 del[DLV_MAXDEL];	/* UIDs or numbers */
	size_t			 ndel;
	size_t			 idel;

	/* POP3 scan */
	unsigned		 scan[DLV_MAXSCAN];	/* message numbers */
	uint64_t		 scanuid[DLV_MAXSCAN];	/* UIDL hashes */
	size_t			 nscan;
	size_t			 iscan;
	int			 body_seen;	/* +OK line of a listing passed */
	char			 toptok[DLV_TOKEN_MAX];	/* token of the TOP at hand */
	uint64_t		 foreign[DLV_MAXFOREIGN];	/* not test mail */
	size_t			 nforeign;
	size_t			 iforeign;	/* ring position */
};

/* token "mailmon-<name>-<unix time>-<hex>"; prefix "mailmon-<name>-" */
void		 dlv_prefix(char *buf, size_t len, const char *name);
int		 dlv_make_token(char *buf, size_t len, const char *name,
		    time_t now, const unsigned char *rnd, size_t rndlen);
/* 0 when tok is a token of the probe with this prefix; *when = its time */
int		 dlv_token_parse(const char *tok, const char *prefix,
		    time_t *when);
/* the next poll interval after prev_ms (0: the first) */
int		 dlv_backoff(int prev_ms);
/* the test message, LF line ends; its length or 0 when it does not fit */
size_t		 dlv_message(char *buf, size_t len, const struct probe_opts *,
		    const char *token, time_t now);

/* UIDs of "* SEARCH ..." lines; returns how many (at most max) */
size_t		 dlv_imap_search(const struct lp_reply *, uint32_t *uids,
		    size_t max);
/* "N uid" of a UIDL listing: 0, or -1 for a malformed line */
int		 dlv_pop3_uidl(const char *line, size_t len, unsigned *num,
		    uint64_t *uidhash);
/* value of an "X-Mailmon-Token:" header line into tok: 1 found, 0 not */
int		 dlv_header_token(const char *line, size_t len, char *tok,
		    size_t toklen);

/* a mailbox session's step: reset before each poll, keeps the cache */
void		 dlv_box_init(struct dlv_box *, enum probe_mode proto,
		    const char *token, const char *prefix, int stale_s);
void		 dlv_box_reset(struct dlv_box *, time_t wallnow);
void		 dlv_box_hook(struct dlv_box *, struct psess_hook *);
const char	*dlv_box_strstate(enum dlv_box_state);

/*
 * Fold a leg's failure into the delivery result: connection-level
 * classes stay and the reason names the leg; refusals become
 * FAIL_SUBMIT or FAIL_MAILBOX.
 */
void		 dlv_leg_fail(struct probe_result *dst,
		    const struct probe_result *leg, int mailbox);

struct ev;
struct delivery;

/* run the whole round trip for opts (already finished); cb once */
struct delivery	*delivery_start(struct ev *, const struct probe_opts *,
		    probe_done_cb, void *arg);
void		 delivery_cancel(struct delivery *);

#endif

/*
 * delivery.h - the delivery round trip: submit a message over SMTP,
 * find it in a mailbox over IMAP or POP3, measure the time in between,
 * delete it.
 *
 * A delivery probe is a chain of ordinary one-session probes (legs)
 * run by probe.c's driver: the submission leg (smtp.c with a message
 * body), then one mailbox leg per poll (imap.c or pop3.c with the
 * mailbox step of mbox.h plugged in as the post-login hook).
 * delivery.c schedules the legs, and turns their results into one.
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

#include "probe_opts.h"

#define DLV_BODY_MAX		2048

/* poll schedule: first look soon after the 250, then back off */
#define DLV_POLL_FIRST_MS	50
#define DLV_POLL_MAX_MS		2000

/* the next poll interval after prev_ms (0: the first) */
int		 dlv_backoff(int prev_ms);
/* the test message, LF line ends; its length or 0 when it does not fit */
size_t		 dlv_message(char *buf, size_t len, const struct probe_opts *,
		    const char *token, time_t now);

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

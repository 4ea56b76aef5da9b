/*
 * check.h - one check of a monitored service, whatever it takes.
 *
 * A check is one plain probe (one connection, probe.h) or a composition
 * of probes: the delivery round trip (a submission probe, then mailbox
 * probes, delivery.h), or a domain or dual-stack probe (a probe per
 * address, mx.h).  mailprobe and the scheduler start checks; this
 * is the one place that knows which modes compose several probes, so
 * the connection driver never calls up into a composer.
 */
#ifndef MAILMON_CHECK_H
#define MAILMON_CHECK_H

#include "probe_opts.h"

struct ev;
struct check;

/*
 * Start a check of opts (copied).  cb runs exactly once, from the
 * loop, never from inside check_start(); options that cannot run give
 * a FAIL_CONFIG result that way too.  NULL only when out of memory.
 */
struct check	*check_start(struct ev *, const struct probe_opts *,
		    probe_done_cb cb, void *arg);
/* abandon a running check; cb is not called */
void		 check_cancel(struct check *);

/*
 * How long a check of opts may run at most: the probe deadline, plus
 * the delivery deadline for a round trip.  Milliseconds.
 */
int		 check_budget_ms(const struct probe_opts *);

/*
 * How many connections a check of opts may hold at once: 1 for a
 * probe, 2 for a delivery check (the mailbox may be polled while the
 * SMTP session closes), one per address for a dual-stack probe and one
 * per target for a domain probe, which run concurrently.  What a
 * daemon counts against its descriptor budget.
 */
unsigned	 check_weight(const struct probe_opts *);

/*
 * Whether a check of opts reports a list of targets (probe_result's
 * targets): domain and dual-stack probes.  A caller keeps a copy of
 * that list only then.
 */
int		 check_has_targets(const struct probe_opts *);

#endif

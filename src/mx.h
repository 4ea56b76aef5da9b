/*
 * mx.h - domain probes and dual-stack host probes: one probe per
 * address, their results folded into one.
 *
 * A check above probe.c, like delivery.c: it resolves, then composes
 * ordinary one-connection probes through probe_start()/probe_cancel().
 *
 *   mx probe (MODE_MX, host = the domain): the MX records of the
 *   domain (or, without any, the domain itself, RFC 5321 5.1; a null
 *   MX, RFC 7505, is reported as such), then the A and AAAA records of
 *   every exchange, then an SMTP probe of every address, concurrently:
 *   numeric host, the exchange's name for SNI and certificate checks,
 *   and every other option of the probe.
 *
 *   dual-stack host probe (family_both): the host's A and AAAA records,
 *   then a probe of the probe's own mode to every address.
 *
 * Bounds: at most max_mx exchanges (lowest preference first) and
 * max_addr addresses per exchange, so at most TARGET_MAX targets; the
 * whole check, lookups included, ends within the probe's timeout_ms:
 * the MX query gets a third of it, the address lookups half of what is
 * left, each SMTP probe what is left when it starts.
 *
 * The result's status follows mxpolicy.h; the result carries the
 * targets (probe_result.targets, valid during the callback only).
 */
#ifndef MAILMON_MX_H
#define MAILMON_MX_H

#include "probe.h"

struct ev;
struct mx;

/* 1 when opts are run by mx_start() rather than probe_start() */
int		 mx_wanted(const struct probe_opts *);

/*
 * Start a domain or dual-stack probe.  cb runs exactly once, from the
 * loop, never from inside mx_start().  The opts are copied.  NULL only
 * when out of memory.
 */
struct mx	*mx_start(struct ev *, const struct probe_opts *,
		    probe_done_cb cb, void *arg);
/* abandon it; cb is not called */
void		 mx_cancel(struct mx *);

#endif

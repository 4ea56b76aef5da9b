/*
 * mxpolicy.h - what a domain probe probes, and what its targets mean.
 *
 * The pure half of mx.c: which exchanges of an MX answer and which
 * addresses of an exchange get a probe, the rows of names that did not
 * resolve, and the status policy that turns the targets into the
 * probe's one status, failure class and reason.
 *
 * The policy (--mx-policy):
 *   all (default)  every target must work.  All targets of the
 *                  lowest-preference exchange(s) failing is CRITICAL
 *                  (mail waits for a backup, or bounces); any other
 *                  target that fails or warns is WARNING.
 *   any            one working target is enough: OK when any target is
 *                  ok, else WARNING when any warns, else CRITICAL.
 * A target fails when its status is critical or unknown; a dual-stack
 * host probe is one exchange, so the same words apply to it.
 */
#ifndef MAILMON_MXPOLICY_H
#define MAILMON_MXPOLICY_H

#include <stddef.h>

#include "dns.h"
#include "probe_opts.h"
#include "target.h"

struct mx_exchange {
	char			 name[TARGET_NAME_MAX];
	uint16_t		 pref;
	enum target_origin	 origin;
};

/* null MX findings of mx_pick_exchanges() */
#define MX_NULL_ONLY	1	/* "." alone: the domain accepts no mail */
#define MX_NULL_MIXED	2	/* "." next to real exchanges (RFC 7505 3) */

/*
 * The exchanges to probe from an MX answer: the null MX target "."
 * left out (*null_mx says it was there), the same name twice merged
 * (the lowest preference kept), sorted by preference then name, at
 * most max.  *more: exchanges left out by max.  Returns the count.
 */
size_t		 mx_pick_exchanges(const struct dns_mx *, size_t nmx,
		    size_t max, struct mx_exchange *out, int *null_mx,
		    size_t *more);

/*
 * The rows of one exchange from its A and AAAA answers (r4 or r6 NULL
 * when that family was not asked): one per address, IPv4 and IPv6
 * interleaved so both families are probed however small max is, the
 * same address once, at most max; plus a DNS-failure row for a family
 * whose lookup failed (not for one that simply has no records).  A name
 * without any address is one row.  Address rows are left for the probe
 * to fill (status unknown, fail none); addrs[i] is the address of
 * row i.  Returns the rows written (at most max + 1, never more than
 * room).
 */
size_t		 mx_exchange_rows(const struct mx_exchange *,
		    const struct dns_result *r4, const struct dns_result *r6,
		    size_t max, struct target_result *rows,
		    struct dns_addr *addrs, size_t room);

/* fill a row's probe outcome from the probe's result */
void		 mx_row_result(struct target_result *,
		    const struct probe_result *);

/* the summary word for the MX lookup's status */
enum target_dns	 mx_dns_outcome(enum dns_status);

struct mx_verdict {
	enum probe_status	 status;
	enum fail_class		 fail;
	char			 reason[PROBE_REASON_MAX];
	size_t			 rep;	/* the row that speaks for the probe */
};

/*
 * The probe's status from its rows (l->n >= 1).  null_mx: from
 * mx_pick_exchanges() (MX_NULL_MIXED makes it at least WARNING).
 * more: exchanges not probed, named in an ok reason.
 */
void		 mx_verdict(const struct target_list *, enum mx_policy,
		    int null_mx, size_t more, struct mx_verdict *);

#endif

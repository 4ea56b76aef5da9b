/*
 * target.h - the targets of a composed probe: one row per address that
 * a domain probe (every exchange of a mail domain) or a dual-stack host
 * probe (--family both) connected to, or per name that did not resolve.
 *
 * How per-target results travel:
 *   mx.c fills a struct target_list and hands it up with the probe's
 *   result (probe_result.targets), valid only while the done callback
 *   runs.  Whoever keeps results copies what it needs: mailprobe copies
 *   the list for its JSON output; the scheduler folds it into the
 *   monitor's struct target_table with target_merge(), which gives each
 *   target its stable index, and clears the pointer in its copy of the
 *   result.  The agent serves the table (mailmonTargetTable).
 *
 * The index rule (target_merge): a target is known by its key, the
 * exchange name (case-insensitive), the address family and the address
 * ("" for a name that did not resolve).  It keeps its index as long as
 * it shows up in consecutive checks, and gets it back after an absence
 * unless the index went to another target in between.  A new target
 * takes the lowest index never used by the probe; once all TARGET_MAX
 * are used, the index of the target absent longest.  A check never has
 * more than TARGET_MAX targets, so it always fits.  The table lives as
 * long as the probe's options do: a changed probe line starts afresh.
 *
 * Pure: no I/O, no allocation, no clock.
 */
#ifndef MAILMON_TARGET_H
#define MAILMON_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "probe_opts.h"

#define TARGET_MAX		64	/* targets of one check, slots of a table */
#define TARGET_NAME_MAX		256	/* exchange or host name, NUL included */
#define TARGET_ADDR_MAX		64	/* numeric address as text */
#define TARGET_FAILED_MAX	256	/* the failing targets as one text */

/* where the name of a target came from */
enum target_origin {
	TO_MX = 0,		/* an MX record of the domain */
	TO_IMPLICIT,		/* no MX: the domain itself (RFC 5321 5.1) */
	TO_HOST,		/* the host of a dual-stack host probe */
	TO_LAST
};

/*
 * The outcome of the first lookup: the MX query of a domain probe, the
 * address lookups of a host probe.  Keep in step with target_dns_name()
 * and mailmonTargetSummaryDns in MAILMON-MIB (value + 1).
 */
enum target_dns {
	TD_OK = 0,		/* MX records / addresses found */
	TD_IMPLICIT,		/* no MX records: the domain's own addresses */
	TD_NULLMX,		/* null MX (RFC 7505): no mail accepted */
	TD_NXDOMAIN,
	TD_NODATA,		/* neither MX nor addresses */
	TD_SERVFAIL,
	TD_REFUSED,
	TD_TIMEOUT,
	TD_UNREACHABLE,		/* no DNS server could be contacted */
	TD_OTHER,		/* bad name, malformed answer, ... */
	TD_LAST
};

struct target_result {
	char		 exchange[TARGET_NAME_MAX];
	uint16_t	 pref;		/* MX preference; 0 implicit or host */
	enum target_origin origin;
	int		 alias;		/* the exchange name is a CNAME */
	int		 family;	/* AF_INET, AF_INET6; AF_UNSPEC: no address */
	char		 address[TARGET_ADDR_MAX];	/* "" when none */
	uint8_t		 addr_bin[16];	/* network order, addr_len bytes */
	size_t		 addr_len;	/* 4, 16, or 0 */
	enum probe_status status;
	enum fail_class	 fail;
	char		 reason[PROBE_REASON_MAX];
	int		 reply_code;
	int64_t		 latency_us;	/* -1: no connection attempted */
	int		 cert_days;	/* CERT_DAYS_NONE if no certificate */
};

struct target_list {
	enum target_dns	 dns;
	size_t		 n;
	struct target_result t[TARGET_MAX];	/* exchanges by preference */
};

struct target_entry {
	struct target_result r;
	uint32_t	 index;		/* 1..TARGET_MAX, fixed: slot + 1 */
	uint32_t	 seen;		/* check that last had it; 0 = never used */
	int		 present;	/* in the latest check */
};

struct target_table {
	uint32_t	 run;		/* checks merged so far */
	enum target_dns	 dns;		/* of the latest check */
	size_t		 npresent;
	size_t		 nfailing;	/* present and not ok */
	char		 failed[TARGET_FAILED_MAX];	/* target_failed_text() */
	struct target_entry e[TARGET_MAX];	/* index order */
};

void		 target_table_init(struct target_table *);
/* fold the targets of one check in: indexes, presence, summary */
void		 target_merge(struct target_table *, const struct target_list *);

/* 1 when two results are the same target (the key above) */
int		 target_same(const struct target_result *,
		    const struct target_result *);
/* a status that means the target does not work: critical, unknown */
int		 target_failed(const struct target_result *);

/*
 * One target in a reason: "mx2.example.com IPv6 2001:db8::25: connect
 * timeout" (the address part left out for a name that did not
 * resolve, the family too when it is none).
 */
void		 target_describe(const struct target_result *, char *buf,
		    size_t len);
/*
 * The targets that are not ok, in list order, joined with "; "; what
 * does not fit is counted at the end as " (+N more)".  Returns how
 * many targets are not ok.
 */
size_t		 target_failed_text(const struct target_result *, size_t n,
		    char *buf, size_t len);

const char	*target_family_name(int family);	/* "IPv4" ... */
const char	*target_origin_name(enum target_origin);
const char	*target_dns_name(enum target_dns);

#endif

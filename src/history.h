/*
 * history.h - the last N results of one probe, for mailmonHistoryTable.
 *
 * A ring of N fixed-size entries allocated once (N from "history N" or
 * the probe's --history; 0 keeps no entry).  Each entry gets the next
 * sequence number, 1, 2, ... 4294967295, then 1 again, as
 * pingProbeHistoryIndex of DISMAN-PING-MIB (RFC 4560) does; the number
 * is the second index of the table, so a manager that remembers the
 * last number it saw reads only what is new.  Numbers are never reused
 * while an entry is held: the ring is far smaller than 2^32.
 *
 * Memory: 16 bytes + 20 per entry (216 bytes at N = 10).
 */
#ifndef MAILMON_HISTORY_H
#define MAILMON_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "probe_opts.h"

#define HISTORY_DEFAULT		10
#define HISTORY_MAX		1000
#define HISTORY_NONE		UINT32_MAX	/* no latency / no delivery */

struct history_entry {
	uint32_t	 wall;		/* wall clock of the result (to 2106) */
	uint32_t	 seq;		/* 1..UINT32_MAX */
	uint32_t	 latency_us;	/* total time, or HISTORY_NONE */
	uint32_t	 delivery_ms;	/* delivery time, or HISTORY_NONE */
	uint16_t	 reply_code;	/* 0..999 */
	uint8_t		 status;	/* enum probe_status */
	uint8_t		 fail;		/* enum fail_class */
};

struct history {
	uint32_t	 cap;		/* N */
	uint32_t	 n;		/* entries held, <= cap */
	uint32_t	 next;		/* slot of the next entry */
	uint32_t	 seq;		/* number of the newest entry, 0 = none yet */
	struct history_entry e[];
};

/* bytes of a history of cap entries */
size_t		 history_size(uint32_t cap);
/* NULL when cap > HISTORY_MAX or out of memory */
struct history	*history_new(uint32_t cap);
void		 history_free(struct history *);
/*
 * A ring of a new size holding the newest entries of h and continuing
 * its numbering.  h is freed on success; on failure (NULL) it is left
 * as it was.
 */
struct history	*history_resize(struct history *h, uint32_t cap);

/* record one result (a no-op at cap 0, apart from the numbering) */
void		 history_add(struct history *, time_t wall,
		    const struct probe_result *);
/*
 * Append an entry as it is (state file restore, oldest first): its
 * number becomes the newest.  -1 when the entry is not valid.
 */
int		 history_push(struct history *, const struct history_entry *);
int		 history_entry_valid(const struct history_entry *);

/* entry i in age order, 0 = oldest; NULL past the end */
const struct history_entry *history_at(const struct history *, uint32_t i);
/* the entry numbered seq, or NULL */
const struct history_entry *history_get(const struct history *,
		    uint64_t seq);
/* the entry with the smallest number greater than after, or NULL */
const struct history_entry *history_next(const struct history *,
		    uint64_t after);

#endif

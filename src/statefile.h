/*
 * statefile.h - statistics, history and totals of every probe, kept
 * across restarts ("state-file PATH" in mailmond.conf).
 *
 * The file is written whole: to PATH.tmp, fsync'ed, renamed over PATH,
 * then the directory is fsync'ed; a crash leaves either the old file or
 * the new one, never a mix.  It is read once, at start-up, and only if
 * every byte checks out (magic, version, lengths, every value within
 * its range, the CRC-32 at the end); otherwise it is ignored as a
 * whole with a reason, and the daemon starts afresh.  Nothing in it is
 * trusted: a damaged or hostile file costs a warning, never a crash.
 *
 * Format, version 1 (integers little-endian, times in seconds):
 *
 *	header	 8  magic "MMSTATE\0"
 *		 4  version (1)
 *		 4  header length (40)
 *		 8  wall clock at writing (time_t)
 *		 8  stats clock at writing
 *		 4  number of records
 *		 4  flags (STATEFILE_AT_EXIT)
 *	record	 4  length of what follows
 *		 1  name length (1..32), then the name
 *		 8  checks   8 failures
 *		    statistics: 8 hour head, 8 day head, the hour buckets
 *		    then the day buckets (24 bytes each, the fields of
 *		    struct stats_bucket in order; an hour bucket's counts
 *		    must fit its 8 bits),
 *		    1 sample count, the samples oldest first (4 time on the
 *		    stats clock, 4 microseconds), 1 in outage, 8 outage start, 8 last
 *		    ok, 8 last failure, 1 last failure class
 *		    history: 4 newest number, 4 entry count, the entries
 *		    oldest first (8 wall, below 2^32, 4 number, 4 latency, 4 delivery,
 *		    2 reply code, 1 status, 1 class)
 *	trailer	 4  CRC-32 (IEEE) of every byte before it
 *
 * A file of another version is ignored (it is rewritten in this one at
 * the next save).
 */
#ifndef MAILMON_STATEFILE_H
#define MAILMON_STATEFILE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct stats;
struct history;

#define STATEFILE_VERSION	1
#define STATEFILE_AT_EXIT	0x1	/* written by a clean shutdown */

/* one probe's persisted state */
struct statefile_rec {
	const char		*name;
	uint64_t		 checks;
	uint64_t		 failures;
	const struct stats	*stats;		/* never NULL */
	const struct history	*history;	/* NULL: no entries */
};

struct statefile_info {
	time_t			 wall;		/* when it was written */
	int64_t			 clock;		/* stats clock then */
	uint32_t		 nrec;
	uint32_t		 flags;
};

/* record i of n for the writer; -1 skips it */
typedef int	(*statefile_get_cb)(size_t i, struct statefile_rec *,
		    void *arg);
/* one record for the reader, once the whole file checked out */
typedef void	(*statefile_put_cb)(const struct statefile_rec *, void *arg);

/*
 * Write n records atomically to path.  0, or -1 with err set (the old
 * file, if any, is left in place).
 */
int	 statefile_save(const char *path, size_t n, statefile_get_cb,
	    void *arg, const struct statefile_info *, char *err,
	    size_t errlen);

/*
 * Read path: check everything, then call put for every record.  0 when
 * loaded, 1 when there is no such file, -1 (err set) when the file was
 * ignored.
 */
int	 statefile_load(const char *path, struct statefile_info *,
	    statefile_put_cb put, void *arg, char *err, size_t errlen);

/* CRC-32 (IEEE 802.3, as zlib's crc32), continued from crc */
uint32_t statefile_crc32(uint32_t crc, const void *, size_t);

#endif

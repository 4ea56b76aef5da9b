/*
 * opts.h - command-line and configuration options for a probe.
 *
 * mailprobe's argv and every "probe" line of mailmond.conf go through
 * the same parser, so an option means the same thing in both places.
 * Short options follow check_smtp / check_tcp / check_pop / check_imap;
 * long options are mailprobe's own.  Nothing here prints or exits.
 */
#ifndef MAILMON_OPTS_H
#define MAILMON_OPTS_H

#include <stddef.h>

#include "probe.h"

/* which command line is being parsed: decides defaults and meanings */
enum opts_personality {
	PERS_MAILPROBE = 0,	/* mailprobe MODE ...   (mode from argv) */
	PERS_CHECK_SMTP,	/* check_smtp-compatible */
	PERS_CHECK_SSMTP,
	PERS_CHECK_POP,
	PERS_CHECK_SPOP,
	PERS_CHECK_IMAP,
	PERS_CHECK_SIMAP,
	PERS_CHECK_TCP,
	PERS_CONFIG,		/* a mailmond.conf probe line (long options only) */
	PERS_LAST
};

enum opts_rc {
	OPTS_OK = 0,
	OPTS_HELP,		/* -h given: caller prints usage, exits 0 */
	OPTS_VERSION,		/* -V given */
	OPTS_ERROR		/* err holds a one-line message */
};

/* extra CLI-only settings that are not part of a probe */
struct opts_cli {
	int	 json;		/* --json: machine-readable result */
	int	 verbose;	/* -v count */
};

/* personality from argv[0]'s basename ("check_smtp" ...) */
enum opts_personality opts_personality_from_name(const char *argv0);

/*
 * Parse argv into o (already probe_opts_init()ed).  For PERS_MAILPROBE
 * argv[optind] may name the mode ("smtp", "pop", "imap", "tcp",
 * "delivery", "relay").  cli may be NULL (config lines).  On success
 * probe_opts_finish() has been applied.
 */
enum opts_rc opts_parse(struct probe_opts *o, struct opts_cli *cli,
	    enum opts_personality, int argc, char **argv,
	    char *err, size_t errlen);

/* usage text for a personality */
const char *opts_usage(enum opts_personality);

#endif

/*
 * output.h - a probe result as mailprobe prints it: one Nagios plugin
 * line with perfdata, or one JSON object (see HACKING.md).
 *
 * Both write into a caller buffer and never print.  Secrets are not in
 * the result, and any copy of the configured user or password that a
 * server might echo into a reply is masked all the same.
 */
#ifndef MAILMON_OUTPUT_H
#define MAILMON_OUTPUT_H

#include <stddef.h>

#include "probe_opts.h"

/* always enough for either format, a domain probe's 64 targets too */
#define OUTPUT_MAX	65536

/* output_nagios_ex() flags */
#define OUTPUT_HIDE	0x01	/* no server text (check_tcp -j) */

/*
 * "SMTP OK - 0.012 sec. response time, 220 ... | time=0.012345s;5;10;0
 * dns=0.000100s ..." without a line end.  Returns 0, or -1 when buf was
 * too small (it then holds a truncated but terminated line).
 */
int	 output_nagios(char *buf, size_t len, const struct probe_opts *,
	    const struct probe_result *);
/* the same with a service word ("SMTP", "POP", NULL = from the mode) */
int	 output_nagios_ex(char *buf, size_t len, const char *label,
	    int flags, const struct probe_opts *, const struct probe_result *);

/*
 * One JSON object, no line end; 0 or -1 as above.  A domain or
 * dual-stack result (r->targets set) adds "dns" and "targets".
 */
int	 output_json(char *buf, size_t len, const struct probe_opts *,
	    const struct probe_result *);

/* "OK", "WARNING", "CRITICAL", "UNKNOWN" */
const char *output_status_word(enum probe_status);

#endif

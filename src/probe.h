/*
 * probe.h - the connection driver: one probe is one connection.
 *
 *   INIT -> DNS -> CONNECT -> [TLS] -> SESSION [-> STARTTLS -> SESSION]
 *     [-> FLUSH] -> DONE
 *
 * It resolves the host, tries each address, runs TLS, and feeds the
 * bytes to one protocol machine (session.h); deadlines, not inactivity
 * timers, bound every step.  What a whole check is (a delivery round
 * trip, several legs) is decided a layer above, in check.h.
 */
#ifndef MAILMON_PROBE_H
#define MAILMON_PROBE_H

#include "probe_opts.h"
#include "session.h"

struct ev;
struct probe;

/* what a delivery leg adds to a plain one-session probe */
struct probe_leg {
	const struct psess_hook	*hook;
	const char		*body;
	size_t			 bodylen;
	int64_t			*accepted;
};


/*
 * Start one probe in the loop.  cb runs exactly once, from the loop,
 * never from inside probe_start().  The opts are copied.  leg (NULL
 * for a plain probe) plugs a step or a message into the session; its
 * pointers must outlive the probe.  A MODE_DELIVERY opts runs the
 * submission session only (check.h runs the whole round trip).
 */
struct probe	*probe_start(struct ev *, const struct probe_opts *,
		    const struct probe_leg *leg, probe_done_cb cb, void *arg);
/* abandon a running probe; cb is not called */
void		 probe_cancel(struct probe *);
/* what a probe of this mode holds while it runs (its record) */
size_t		 probe_size(enum probe_mode);

#endif

/*
 * tcp.h - check_tcp semantics: connect, optional send, expect, quit.
 */
#ifndef MAILMON_TCP_H
#define MAILMON_TCP_H

#include <stddef.h>

#include "session.h"

enum tcp_state {
	TCP_INIT = 0,
	TCP_GREETING,		/* mail service: waiting for its greeting */
	TCP_EXPECT,		/* reading until the expect strings match */
	TCP_QUIT,		/* quit string queued, closing once written */
	TCP_DONE,
	TCP_LAST
};

#define TCP_BUFMAX	4096	/* bytes examined for the expect strings */

struct tcp_sess {
	struct psess		 ps;
	enum tcp_state		 state;
	size_t			 len;
	size_t			 sent_at;	/* where the answer to our send starts */
	size_t			 judge_len;	/* bytes of buf the verdict uses */
	int			 delay_over;	/* -d passed with nothing read */
	char			 buf[TCP_BUFMAX + 1];
};

/*
 * Expect strings of a TCP probe: opts.expect, then every non-empty
 * cmd_expect[i] for i < ncmd.  Substring match anywhere in the first
 * TCP_BUFMAX bytes (opts.expect only at the start with expect_prefix);
 * expect_all requires every string, otherwise one.
 * Returns 1 matched, 0 not (yet), -1 when there is nothing to expect.
 */
int		 tcp_match(const struct probe_opts *, const char *buf,
		    size_t len);
const char	*tcp_strstate(enum tcp_state);

#endif

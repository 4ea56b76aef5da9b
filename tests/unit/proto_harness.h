/*
 * proto_harness.h - drive a protocol machine without sockets.
 *
 * Replies are fed through the real line layer; what the machine queues
 * is captured, so each test asserts the exact command sequence, the
 * actions handed to the driver and the final class and reason.  Every
 * log line is captured too, so tests can prove secrets never reach it.
 */
#ifndef PROTO_HARNESS_H
#define PROTO_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap.h"
#include "lineproto.h"
#include "log.h"
#include "pop3.h"
#include "probe_opts.h"
#include "session.h"
#include "smtp.h"
#include "tcp.h"
#include "util.h"

struct harness {
	union {
		struct psess		 ps;
		struct smtp_sess	 smtp;
		struct pop3_sess	 pop3;
		struct imap_sess	 imap;
		struct tcp_sess		 tcp;
	} u;
	struct probe_opts	 o;
	struct probe_result	 res;
	char			 out[32768];
	size_t			 outlen;
	int64_t			 now;
	int			 write_fail;
};

/* every log line of the test, for secret checks */
static char	 h_log[65536];
static size_t	 h_loglen;

static __attribute__((unused)) void
h_sink(int level, const char *token, const char *msg, void *arg)
{
	int	 n;

	(void)level;
	(void)arg;
	n = snprintf(h_log + h_loglen, sizeof(h_log) - h_loglen, "[%s] %s\n",
	    token != NULL ? token : "-", msg);
	if (n > 0 && (size_t)n < sizeof(h_log) - h_loglen)
		h_loglen += (size_t)n;
}

static __attribute__((unused)) void
h_log_start(void)
{
	h_loglen = 0;
	h_log[0] = '\0';
	log_register(h_sink, NULL);
	log_set_level(LOG_LVL_DEBUG);
	log_set_tokens("all", NULL, 0);
}

static __attribute__((unused)) int
h_write(void *arg, const void *buf, size_t len)
{
	struct harness	*h = arg;

	if (h->write_fail || h->outlen + len >= sizeof(h->out))
		return -1;
	memcpy(h->out + h->outlen, buf, len);
	h->outlen += len;
	h->out[h->outlen] = '\0';
	return 0;
}

static __attribute__((unused)) int64_t
h_clock(void *arg)
{
	struct harness	*h = arg;

	return h->now += 1000;		/* every look at the clock: 1 ms later */
}

static __attribute__((unused)) struct harness *
h_new(enum probe_mode mode)
{
	struct harness	*h = calloc(1, sizeof(*h));

	assert_non_null(h);
	probe_opts_init(&h->o);
	h->o.mode = mode;
	mm_strlcpy(h->o.host, "mx.example.test", sizeof(h->o.host));
	mm_strlcpy(h->o.helo, "probe.example.test", sizeof(h->o.helo));
	probe_result_init(&h->res);
	h_log_start();
	return h;
}

static __attribute__((unused)) const struct proto_ops *
h_ops(enum probe_mode m)
{
	switch (m) {
	case MODE_POP3:
		return &pop3_ops;
	case MODE_IMAP:
		return &imap_ops;
	case MODE_TCP:
		return &tcp_ops;
	default:
		return &smtp_ops;
	}
}

/* options are final: set up the session, start it */
static __attribute__((unused)) int
h_start(struct harness *h)
{
	char	 err[128];

	assert_int_equal(probe_opts_finish(&h->o, err, sizeof(err)), 0);
	psess_init(&h->u.ps, h_ops(h->o.mode), &h->o, &h->res, h_write, h,
	    h_clock, h);
	return h->u.ps.ops->start(&h->u.ps);
}

/* what was sent since the last call */
static __attribute__((unused)) const char *
h_take(struct harness *h)
{
	static char	 last[sizeof(((struct harness *)0)->out)];

	memcpy(last, h->out, h->outlen + 1);
	h->outlen = 0;
	h->out[0] = '\0';
	return last;
}

/*
 * Feed server bytes; every complete reply goes to the machine.  Returns
 * the last action, or 100 + lp error on a line-layer error.
 */
static __attribute__((unused)) int
h_feed(struct harness *h, const char *data)
{
	size_t	 len = strlen(data), off = 0, used;
	int	 rc, pa = PA_WAIT;

	while (off < len) {
		rc = lp_input(&h->u.ps.lp, data + off, len - off, &used);
		off += used;
		if (rc == LP_ERROR)
			return 100 + h->u.ps.lp.err;
		if (rc == LP_MORE)
			break;
		pa = h->u.ps.ops->response(&h->u.ps, &h->u.ps.lp.reply);
		if (pa != PA_WAIT)
			break;
	}
	return pa;
}

/* the TLS handshake the driver would do after PA_STARTTLS */
static __attribute__((unused)) int
h_tls(struct harness *h)
{
	h->u.ps.tls = 1;
	lp_reset(&h->u.ps.lp);
	return h->u.ps.ops->tls_ready(&h->u.ps);
}

/*
 * A dialogue: each step is a server reply (NULL = the TLS handshake
 * completes), the exact bytes the client must send next, and the
 * action it must return.
 */
struct step {
	const char	*reply;
	const char	*sent;
	int		 action;
};

static __attribute__((unused)) void
h_run(struct harness *h, const struct step *steps, size_t n)
{
	size_t	 i;
	int	 pa;

	for (i = 0; i < n; i++) {
		pa = steps[i].reply != NULL ? h_feed(h, steps[i].reply) :
		    h_tls(h);
		if (pa != steps[i].action || strcmp(h->out, steps[i].sent) != 0)
			print_error("step %zu: reply %s -> action %d sent \"%s\""
			    " (want %d \"%s\"); reason \"%s\"\n", i,
			    steps[i].reply ? steps[i].reply : "(tls)", pa,
			    h->out, steps[i].action, steps[i].sent,
			    h->res.reason);
		assert_int_equal(pa, steps[i].action);
		assert_string_equal(h_take(h), steps[i].sent);
	}
}

#define NSTEPS(a)	(sizeof(a) / sizeof((a)[0]))

#endif

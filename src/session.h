/*
 * session.h - what the protocol machines and the connection driver
 * share inside the engine.
 *
 * A protocol machine (smtp.c, pop3.c, imap.c, tcp.c) sees a session:
 * the line layer to send through, the options, the result to fill in,
 * and whether TLS is up.  It never touches sockets or timers; it tells
 * the driver what to do next with the PA_* codes its functions return.
 * probe.c drives one session over one connection.  A delivery probe
 * (delivery.c) runs two sessions one after the other and may plug a
 * step into the mailbox session through the hook (search, fetch,
 * delete) and a message body into the SMTP session.
 */
#ifndef MAILMON_SESSION_H
#define MAILMON_SESSION_H

#include <stdarg.h>
#include <stdint.h>

#include "lineproto.h"
#include "probe_opts.h"

/* what the driver must do after a machine function returns */
enum proto_action {
	PA_WAIT = 0,		/* a reply is awaited (command queued or greeting) */
	PA_STARTTLS,		/* start the TLS handshake, then call tls_ready */
	PA_FLUSH_DONE,		/* finish once the output queue drained */
	PA_DONE,		/* finished: close the connection */
	PA_NEXT			/* hooks only: hook finished, machine goes on */
};

struct psess;

struct proto_ops {
	const char	*name;
	enum log_token	 token;		/* what its traces log under */
	/* the machine's whole session, struct psess first */
	size_t		 sess_size;
	/* set up the line layer (classifier, limits) */
	void		 (*init)(struct psess *);
	/* connection (and implicit TLS) ready */
	int		 (*start)(struct psess *);
	/* one complete reply */
	int		 (*response)(struct psess *, const struct lp_reply *);
	/* STARTTLS handshake completed (certificate already inspected) */
	int		 (*tls_ready)(struct psess *);
	/* the server closed the connection (or it broke) */
	int		 (*closed)(struct psess *);
	/* raw bytes instead of lines (tcp); NULL for line protocols */
	int		 (*rawin)(struct psess *, const char *, size_t,
			    size_t *used);
	/* current state name, for traces and timeout reasons */
	const char	*(*state)(const struct psess *);
	/* the time set by psess_wake() has come (NULL: never asked) */
	int		 (*wake)(struct psess *);
};

/*
 * A step run by the mailbox machines right after login and before
 * QUIT/LOGOUT.  enter() and response() return PA_WAIT while they have
 * a command outstanding, PA_NEXT when done (the machine logs out) or
 * PA_DONE to drop the connection.  Failures go through psess_fail().
 */
struct psess_hook {
	int		 (*enter)(struct psess *, void *arg);
	int		 (*response)(struct psess *, const struct lp_reply *,
			    void *arg);
	void		*arg;
};

struct psess {
	struct lineproto	 lp;
	const struct proto_ops	*ops;
	const struct probe_opts	*opts;
	struct probe_result	*res;
	enum probe_mode		 mode;	/* MODE_SMTP also for relay/delivery legs */
	enum tls_mode		 tlsmode;
	const char		*user;	/* login of this leg (opts or mbox) */
	const char		*pass;
	int			 tls;	/* TLS is up on this connection */
	int			 failed; /* res->fail set by this session */
	enum probe_status	 status; /* status belonging to res->fail */

	int64_t		       (*clock)(void *);
	void			*clock_arg;
	int64_t			 ph_t0[PH_LAST];
	int64_t			 wake_at; /* clock value for ops->wake, 0 none */
	/*
	 * The certificate failed verification with verification on: no
	 * secret may be sent on this connection.  Machines leave politely
	 * instead of logging in (psess_withhold()).
	 */
	int			 untrusted;

	const struct psess_hook	*hook;	/* mailbox step (delivery) */
	const char		*body;	/* SMTP: send DATA with this message */
	size_t			 bodylen;
	int64_t			*accepted; /* SMTP: clock at the 250 to it */
};

/*
 * Prepare a session for opts (mode, tls, credentials from opts; a
 * delivery leg overrides them afterwards).  write/warg: where the line
 * layer queues bytes.  clock: microseconds (ev_now in the engine).
 */
void	 psess_init(struct psess *, const struct proto_ops *,
	    const struct probe_opts *, struct probe_result *,
	    lp_write_fn write, void *warg, int64_t (*clock)(void *),
	    void *clock_arg);

/*
 * Record a failure.  A session keeps its worst failure: a later one
 * replaces the stored one only when its status is more severe.
 * Reasons are short and never hold credentials.
 */
void	 psess_fail(struct psess *, enum fail_class, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 psess_fail_status(struct psess *, enum fail_class,
	    enum probe_status, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
void	 psess_vfail(struct psess *, enum fail_class, enum probe_status,
	    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
/* a note for a successful probe (only when nothing failed) */
void	 psess_note(struct psess *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* remember a reply as the last one seen (code + sanitised text) */
void	 psess_reply(struct psess *, const struct lp_reply *);
/* short printable form of a reply's last line, for reasons */
const char *psess_replystr(const struct lp_reply *, char *buf, size_t len);

/*
 * Ask for ops->wake at clock value t (0 cancels).  It comes only while
 * the step and probe deadlines have not passed: a wake-up never
 * extends a probe.
 */
void	 psess_wake(struct psess *, int64_t t);
int64_t	 psess_now(struct psess *);

/*
 * The session was about to send a credential to an untrusted peer:
 * say in the reason that it was withheld.  The machine then leaves
 * (QUIT/LOGOUT) without sending it.
 */
void	 psess_withhold(struct psess *, const char *what);

void	 psess_phase_begin(struct psess *, enum probe_phase);
void	 psess_phase_end(struct psess *, enum probe_phase);

/* a state machine moved on: trace "%s -> %s" */
void	 psess_trace_state(const struct psess *, const char *from,
	    const char *to);


/* case-insensitive word match of a capability/keyword at line start */
int	 proto_word(const char *s, size_t len, const char *word);

extern const struct proto_ops smtp_ops;
extern const struct proto_ops pop3_ops;
extern const struct proto_ops imap_ops;
extern const struct proto_ops tcp_ops;

#endif

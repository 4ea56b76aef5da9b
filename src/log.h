/*
 * log.h - one logging API for the engine, the daemon and the tools.
 *
 * Output goes to a swappable sink so tests and fuzzers can capture or
 * mute it, and so the daemon can send it to syslog.  Secrets never
 * reach this layer: lineproto masks them before any trace is written.
 */
#ifndef MAILMON_LOG_H
#define MAILMON_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_CRIT = 2,	/* same numbers as syslog priorities */
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7
};

/*
 * Debug tokens: who wrote a debug message, and what -D / -v select.
 * A closed list, so a mistyped -D is an error instead of silence, and
 * the list printed in the usage is exactly what logs.
 */
enum log_token {
	LT_NONE = 0,	/* not a debug message */
	LT_PROBE,	/* the connection driver */
	LT_SMTP,	/* the SMTP machine and its dialogue */
	LT_POP3,
	LT_IMAP,
	LT_TCP,
	LT_IO,		/* sockets, TLS records */
	LT_TLS,		/* contexts, certificates */
	LT_DNS,
	LT_EV,		/* the event loop */
	LT_DELIVERY,	/* the delivery round trip */
	LT_MX,		/* domain and dual-stack probes */
	LT_SCHED,	/* mailmond's schedule */
	LT_CONFIG,	/* mailmond.conf */
	LT_AGENT,	/* AgentX and Net-SNMP */
	LT_LAST
};

/* the sink gets the token's name ("smtp"), NULL for other messages */
typedef void (*log_sink)(int level, const char *token, const char *msg,
    void *arg);

void	log_init(int verbosity, const char *progname);	/* stderr sink */
void	log_register(log_sink, void *arg);		/* NULL: stderr */
void	log_set_level(int level);
int	log_get_level(void);
/*
 * Debug tokens ("probe,smtp,agent" or "all"), like Net-SNMP's -D.  0,
 * or -1 when a word is no token (copied to bad; nothing changes).
 */
int	log_set_tokens(const char *tokens, char *bad, size_t badlen);
int	log_token_enabled(enum log_token);
const char *log_token_name(enum log_token);
/* every token, blank-separated, for usage texts */
const char *log_token_list(void);
void	log_use_syslog(const char *ident, int facility);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(enum log_token, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	log_vmsg(int level, enum log_token, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

#endif

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

enum log_level {
	LOG_LVL_CRIT = 2,	/* same numbers as syslog priorities */
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7
};

typedef void (*log_sink)(int level, const char *token, const char *msg,
    void *arg);

void	log_init(int verbosity, const char *progname);	/* stderr sink */
void	log_register(log_sink, void *arg);		/* NULL: stderr */
void	log_set_level(int level);
int	log_get_level(void);
/* debug tokens ("probe,smtp,agent" or "all"), like Net-SNMP's -D */
void	log_set_tokens(const char *tokens);
int	log_token_enabled(const char *token);
void	log_use_syslog(const char *ident, int facility);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *token, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	log_vmsg(int level, const char *token, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

#endif

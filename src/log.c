/*
 * log.c - levelled logging with debug tokens and a swappable sink.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "util.h"

static int	 log_level = LOG_LVL_NOTICE;
static unsigned	 log_mask;		/* 1 << token; 0 = every token */

static const char *const token_name[LT_LAST] = {
	[LT_NONE] = "", [LT_PROBE] = "probe", [LT_SMTP] = "smtp",
	[LT_POP3] = "pop3", [LT_IMAP] = "imap", [LT_TCP] = "tcp",
	[LT_IO] = "io", [LT_TLS] = "tls", [LT_DNS] = "dns", [LT_EV] = "ev",
	[LT_DELIVERY] = "delivery", [LT_MX] = "mx", [LT_SCHED] = "sched",
	[LT_CONFIG] = "config", [LT_AGENT] = "agent",
};
static const char *log_progname = "mailmon";
static log_sink	 sink;
static void	*sink_arg;
static int	 use_syslog;

static void
stderr_sink(int level, const char *token, const char *msg, void *arg)
{
	(void)arg;
	(void)level;
	if (token != NULL)
		fprintf(stderr, "%s: [%s] %s\n", log_progname, token, msg);
	else
		fprintf(stderr, "%s: %s\n", log_progname, msg);
}

static void
syslog_sink(int level, const char *token, const char *msg, void *arg)
{
	(void)arg;
	if (token != NULL)
		syslog(level, "[%s] %s", token, msg);
	else
		syslog(level, "%s", msg);
}

void
log_init(int verbosity, const char *progname)
{
	if (progname != NULL)
		log_progname = progname;
	log_level = LOG_LVL_NOTICE + verbosity;
	if (log_level > LOG_LVL_DEBUG)
		log_level = LOG_LVL_DEBUG;
	sink = stderr_sink;
	sink_arg = NULL;
}

void
log_register(log_sink s, void *arg)
{
	sink = s != NULL ? s : stderr_sink;
	sink_arg = arg;
	use_syslog = 0;
}

void
log_use_syslog(const char *ident, int facility)
{
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
	sink = syslog_sink;
	sink_arg = NULL;
	use_syslog = 1;
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

const char *
log_token_name(enum log_token t)
{
	return (unsigned)t < LT_LAST ? token_name[t] : "?";
}

const char *
log_token_list(void)
{
	static char	 list[160];
	int		 t;

	if (list[0] == '\0')
		for (t = LT_NONE + 1; t < LT_LAST; t++) {
			if (t > LT_NONE + 1)
				mm_strlcat(list, " ", sizeof(list));
			mm_strlcat(list, token_name[t], sizeof(list));
		}
	return list;
}

int
log_set_tokens(const char *tokens, char *bad, size_t badlen)
{
	unsigned	 mask = 0;
	const char	*p = tokens != NULL ? tokens : "", *e;
	size_t		 n;
	int		 t;

	if (strcmp(p, "all") != 0 && p[0] != '\0')
		for (; *p != '\0'; p = *e == ',' ? e + 1 : e) {
			e = p + strcspn(p, ",");
			n = (size_t)(e - p);
			for (t = LT_NONE + 1; t < LT_LAST; t++)
				if (strlen(token_name[t]) == n &&
				    strncmp(token_name[t], p, n) == 0)
					break;
			if (t == LT_LAST) {
				if (bad != NULL && badlen > 0)
					snprintf(bad, badlen, "%.*s",
					    (int)(n > 40 ? 40 : n), p);
				return -1;
			}
			mask |= 1u << t;
		}
	log_mask = mask;
	if (log_level < LOG_LVL_DEBUG)
		log_level = LOG_LVL_DEBUG;
	return 0;
}

int
log_token_enabled(enum log_token t)
{
	if (log_level < LOG_LVL_DEBUG)
		return 0;
	return log_mask == 0 || t == LT_NONE || (log_mask & (1u << t)) != 0;
}

void
log_vmsg(int level, enum log_token token, const char *fmt, va_list ap)
{
	char	 buf[1024];

	if (level > log_level)
		return;
	if (level == LOG_LVL_DEBUG && !log_token_enabled(token))
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (sink == NULL)
		sink = stderr_sink;
	sink(level, token != LT_NONE ? log_token_name(token) : NULL, buf,
	    sink_arg);
}

static void
log_errno(int level, const char *fmt, va_list ap)
{
	char	 buf[900];
	int	 saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (saved != 0) {
		char	 out[1024];

		snprintf(out, sizeof(out), "%s: %s", buf, strerror(saved));
		if (sink == NULL)
			sink = stderr_sink;
		if (level <= log_level)
			sink(level, NULL, out, sink_arg);
	} else if (level <= log_level) {
		if (sink == NULL)
			sink = stderr_sink;
		sink(level, NULL, buf, sink_arg);
	}
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_errno(LOG_LVL_WARN, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_WARN, LT_NONE, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_NOTICE, LT_NONE, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_INFO, LT_NONE, fmt, ap);
	va_end(ap);
}

void
log_debug(enum log_token token, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_DEBUG, token, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_errno(LOG_LVL_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_CRIT, LT_NONE, fmt, ap);
	va_end(ap);
	exit(1);
}

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
static char	 log_tokens[256];
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

void
log_set_tokens(const char *tokens)
{
	mm_strlcpy(log_tokens, tokens != NULL ? tokens : "", sizeof(log_tokens));
	if (log_tokens[0] != '\0' && log_level < LOG_LVL_DEBUG)
		log_level = LOG_LVL_DEBUG;
}

int
log_token_enabled(const char *token)
{
	size_t	 n;
	const char *p;

	if (log_level < LOG_LVL_DEBUG)
		return 0;
	if (log_tokens[0] == '\0' || strcmp(log_tokens, "all") == 0 ||
	    token == NULL)
		return 1;
	n = strlen(token);
	for (p = log_tokens; (p = strstr(p, token)) != NULL; p += n) {
		if ((p == log_tokens || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
	}
	return 0;
}

void
log_vmsg(int level, const char *token, const char *fmt, va_list ap)
{
	char	 buf[1024];

	if (level > log_level)
		return;
	if (level == LOG_LVL_DEBUG && !log_token_enabled(token))
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (sink == NULL)
		sink = stderr_sink;
	sink(level, token, buf, sink_arg);
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
	log_vmsg(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_NOTICE, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *token, const char *fmt, ...)
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
	log_vmsg(LOG_LVL_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

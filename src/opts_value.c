/*
 * opts_value.c - turn an option's value into a field of the probe, or
 * into a one-line message that names the option.
 *
 * Numbers are read strictly (no strtod(): no locale decimal comma, no
 * "inf", "nan" or hex), every value is bounded, and the value of a
 * secret option never appears in a message.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "opts_priv.h"
#include "secret.h"
#include "util.h"

/* the quoted part q holds secret, or the start of it at its end */
static int
quotes_secret(const char *q, const char *secret)
{
	size_t	 qlen = strlen(q), k;

	if (secret == NULL || secret[0] == '\0')
		return 0;
	if (strstr(q, secret) != NULL)
		return 1;
	/* cut short by the size of err */
	for (k = strlen(secret) < qlen ? strlen(secret) : qlen; k >= 3; k--)
		if (memcmp(q + qlen - k, secret, k) == 0)
			return 1;
	return 0;
}

/*
 * The message quotes (from its first quote on) a password: one the
 * line gives (noted before parsing), or one from a file or the
 * environment.
 */
static int
opts_err_has_secret(const struct pstate *ps)
{
	const char	*q = strchr(ps->err, '\'');
	int		 i;

	if (q == NULL)
		q = ps->err;
	if (quotes_secret(q, ps->o->pass) || quotes_secret(q, ps->o->mbox.pass))
		return 1;
	if (ps->secrets_overflow && q != ps->err)
		return 1;
	for (i = 0; i < ps->nsecret; i++)
		if (quotes_secret(q, ps->secret[i]))
			return 1;
	return 0;
}

/*
 * The message of a failed option.  It quotes the value at fault, and
 * that may hold a password: an option whose value was left out takes
 * the next word for it ("--port --password=..." would quote the
 * password as a bad port).  Such a message ends before its first
 * quote.
 */
static void
opts_verr(struct pstate *ps, const char *fmt, va_list ap)
{
	static const char	 hidden[] = " (not shown: this command line "
	    "holds a password)";
	char			*q;
	size_t			 n;

	if (ps->err == NULL || ps->errlen == 0)
		return;
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	if (!opts_err_has_secret(ps))
		return;
	if ((q = strchr(ps->err, '\'')) == NULL) {
		snprintf(ps->err, ps->errlen, "bad option%s", hidden);
		return;
	}
	for (n = (size_t)(q - ps->err); n > 0 && ps->err[n - 1] == ' '; n--)
		;
	ps->err[n] = '\0';
	mm_strlcat(ps->err, hidden, ps->errlen);
}

enum opts_rc
opts_fail(struct pstate *ps, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	opts_verr(ps, fmt, ap);
	va_end(ap);
	return OPTS_ERROR;
}

int
opts_bad(struct pstate *ps, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	opts_verr(ps, fmt, ap);
	va_end(ap);
	return -1;
}

int
opts_setstr(struct pstate *ps, const char *opt, char *dst, size_t dstsize,
    const char *val)
{
	if (strlen(val) >= dstsize) {
		opts_fail(ps, "%s: value too long (at most %zu characters)",
		    opt, dstsize - 1);
		return -1;
	}
	mm_strlcpy(dst, val, dstsize);
	return 0;
}

/*
 * Seconds as a plain decimal ("5", "0.25", "10.5"), to milliseconds.
 * Not strtod(): no locale decimal comma, no "inf", "nan" or hex.
 */
int
opts_secs(struct pstate *ps, const char *opt, const char *val, int *ms)
{
	long long	 whole = 0, frac = 0;
	const char	*p = val;
	int		 nd = 0, nf = 0;

	for (; *p >= '0' && *p <= '9'; p++, nd++) {
		whole = whole * 10 + (*p - '0');
		if (whole > MAX_SECONDS)
			goto bad_range;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nf++) {
			if (nf < 3)
				frac = frac * 10 + (*p - '0');
			else if (nf == 3 && *p >= '5')
				frac++;		/* round to the millisecond */
		}
		if (nf == 0 && nd == 0)
			goto bad;
		for (; nf < 3; nf++)
			frac *= 10;
	}
	if (*p != '\0' || (nd == 0 && nf == 0))
		goto bad;
	if (whole * 1000 + frac > (long long)MAX_SECONDS * 1000)
		goto bad_range;
	*ms = (int)(whole * 1000 + frac);
	return 0;
bad:
	opts_fail(ps, "%s: invalid number '%s'", opt, val);
	return -1;
bad_range:
	opts_fail(ps, "%s: '%s' is out of range (0..%d seconds)", opt, val,
	    MAX_SECONDS);
	return -1;
}

int
opts_int(struct pstate *ps, const char *opt, const char *val,
    long long min, long long max, long long *out)
{
	if (mm_strtonum(val, min, max, out) == -1) {
		opts_fail(ps, "%s: invalid value '%s' (%lld..%lld)", opt, val, min,
		    max);
		return -1;
	}
	return 0;
}

int
opts_port(struct pstate *ps, const char *opt, const char *val,
    uint16_t *port)
{
	long long	 v;

	if (mm_strtonum(val, 1, 65535, &v) == -1) {
		opts_fail(ps, "%s: invalid port '%s' (1..65535)", opt, val);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* check_tcp -r/-M: ok, warn, crit (and the long words) */
int
opts_state(struct pstate *ps, const char *opt, const char *val, int *st)
{
	static const struct {
		const char	*w;
		int		 st;
	} words[] = {
		{ "ok", STATUS_OK }, { "warn", STATUS_WARNING },
		{ "warning", STATUS_WARNING }, { "crit", STATUS_CRITICAL },
		{ "critical", STATUS_CRITICAL }, { "unknown", STATUS_UNKNOWN },
	};
	size_t	 i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(val, words[i].w) == 0) {
			*st = words[i].st;
			return 0;
		}
	opts_fail(ps, "%s: '%s' is not one of ok, warn, crit", opt, val);
	return -1;
}

/* -t N or -t N:STATE (monitoring-plugins); only CRITICAL is ours */
int
opts_timeout(struct pstate *ps, const char *opt, const char *val, int *ms)
{
	char		 num[32];
	const char	*colon = strchr(val, ':');
	int		 st;

	if (colon == NULL)
		goto plain;
	if ((size_t)(colon - val) >= sizeof(num)) {
		opts_fail(ps, "%s: invalid timeout '%s'", opt, val);
		return -1;
	}
	memcpy(num, val, (size_t)(colon - val));
	num[colon - val] = '\0';
	if (opts_state(ps, opt, colon + 1, &st) == -1)
		return -1;
	if (st != STATUS_CRITICAL) {
		opts_fail(ps, "%s: a timeout is always CRITICAL here, not '%s'",
		    opt, colon + 1);
		return -1;
	}
	val = num;
plain:
	if (opts_secs(ps, opt, val, ms) == -1)
		return -1;
	if (*ms == 0) {
		opts_fail(ps, "%s: the timeout must be above 0", opt);
		return -1;
	}
	return 0;
}

/* WARN[,CRIT] days, as check_smtp -D and check_tcp -D */
int
opts_certdays(struct pstate *ps, const char *opt, const char *val)
{
	char		 w[16];
	const char	*comma = strchr(val, ',');
	long long	 wd, cd = 0;
	size_t		 n = comma != NULL ? (size_t)(comma - val) : strlen(val);

	if (n >= sizeof(w)) {
		opts_fail(ps, "%s: invalid days '%s'", opt, val);
		return -1;
	}
	memcpy(w, val, n);
	w[n] = '\0';
	if (mm_strtonum(w, 0, MAX_CERT_DAYS, &wd) == -1 ||
	    (comma != NULL &&
	    mm_strtonum(comma + 1, 0, MAX_CERT_DAYS, &cd) == -1)) {
		opts_fail(ps, "%s: invalid days '%s' (WARN[,CRIT], 0..%d)", opt,
		    val, MAX_CERT_DAYS);
		return -1;
	}
	ps->o->cert_warn_days = (int)wd;
	ps->o->cert_crit_days = (int)cd;
	ps->certdays_set = 1;
	return 0;
}

int
opts_tlsword(struct pstate *ps, const char *opt, const char *val,
    enum tls_mode *t)
{
	if (strcasecmp(val, "none") == 0)
		*t = TLS_NONE;
	else if (strcasecmp(val, "starttls") == 0)
		*t = TLS_STARTTLS;
	else if (strcasecmp(val, "tls") == 0)
		*t = TLS_IMPLICIT;
	else {
		opts_fail(ps, "%s: '%s' is not one of none, starttls, tls", opt,
		    val);
		return -1;
	}
	return 0;
}

/* --password-file and --mbox-password-file: one rule, see secret.h */
int
opts_secret_file(struct pstate *ps, const char *opt, const char *path,
    char *dst, size_t dstsize)
{
	char	 why[SECRET_PATH_MAX + 96];
	int	 world = 0;

	if (path[0] == '\0')
		return opts_bad(ps, "%s: empty file name", opt);
	if (secret_read_file(ps->line != NULL ? ps->line->basedir : NULL,
	    path, dst, dstsize, &world, why, sizeof(why)) == -1)
		return opts_bad(ps, "%s: %s", opt, why);
	if (world && ps->line != NULL)
		ps->line->secret_world_readable = 1;
	return 0;
}

/* hide a password given on the command line from ps(1) */
void
opts_scrub(char *s)
{
	if (s != NULL)
		memset(s, 'x', strlen(s));
}

int
opts_secret(struct pstate *ps, const char *opt, char *dst, size_t dstsize,
    char *val)
{
	int	 rc = 0;

	if (strlen(val) >= dstsize) {
		opts_fail(ps, "%s: value too long (at most %zu characters)",
		    opt, dstsize - 1);
		rc = -1;
	} else if (val[0] == '\0') {
		opts_fail(ps, "%s: empty password", opt);
		rc = -1;
	} else
		mm_strlcpy(dst, val, dstsize);
	opts_scrub(val);
	return rc;
}

int
opts_add_expect(struct pstate *ps, const char *opt, const char *val)
{
	/* the personality's default is replaced by the first -e */
	if (ps->nexpect >= MAX_EXPECTS) {
		opts_fail(ps, "%s: too many expect strings (at most %d)", opt,
		    MAX_EXPECTS);
		return -1;
	}
	if (opts_setstr(ps, opt, ps->expects[ps->nexpect],
	    sizeof(ps->expects[0]), val) == -1)
		return -1;
	ps->nexpect++;
	return 0;
}

/* decode -E escapes in one string; the name is for the message */
int
opts_unescape(struct pstate *ps, const char *what, char *s)
{
	if (s[0] != '\0' && mm_unescape(s) == -1)
		return opts_bad(ps, "-E: bad escape sequence in the %s string "
		    "(\\r \\n \\t \\\\ \\xHH)", what);
	return 0;
}

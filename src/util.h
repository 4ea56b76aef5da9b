/*
 * util.h - small string helpers shared by every file.
 */
#ifndef MAILMON_UTIL_H
#define MAILMON_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* BSD strlcpy/strlcat semantics (glibc < 2.38 has neither) */
size_t	 mm_strlcpy(char *dst, const char *src, size_t dstsize);
size_t	 mm_strlcat(char *dst, const char *src, size_t dstsize);

/*
 * Copy at most len bytes of untrusted server text into dst, replacing
 * control and non-ASCII bytes by '?', so a reply can be shown in SNMP,
 * logs and plugin output without breaking any of them.
 */
void	 mm_sanitize(char *dst, size_t dstsize, const char *src, size_t len);

/* parse a decimal integer in [min,max]; 0 on success, -1 otherwise */
int	 mm_strtonum(const char *s, long long min, long long max,
	    long long *out);

/*
 * Decode C-style escapes (\r \n \t \\ \xHH) in place, as check_tcp's
 * -s/-e/-q do with -E.  Returns the new length or -1 on a bad escape.
 */
int	 mm_unescape(char *s);

#ifdef UNITTEST
#define STATIC
#else
#define STATIC static
#endif

#endif

/*
 * util.c - string helpers.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

size_t
mm_strlcpy(char *dst, const char *src, size_t dstsize)
{
	size_t	 n = strlen(src);

	if (dstsize > 0) {
		size_t	 c = n < dstsize - 1 ? n : dstsize - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

size_t
mm_strlcat(char *dst, const char *src, size_t dstsize)
{
	size_t	 d = strnlen(dst, dstsize);

	if (d == dstsize)
		return d + strlen(src);
	return d + mm_strlcpy(dst + d, src, dstsize - d);
}

void
mm_sanitize(char *dst, size_t dstsize, const char *src, size_t len)
{
	size_t	 i, o = 0;

	if (dstsize == 0)
		return;
	for (i = 0; i < len && o + 1 < dstsize; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[o] = '\0';
}

int
mm_strtonum(const char *s, long long min, long long max, long long *out)
{
	char	*end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mm_unescape(char *s)
{
	char	*r = s, *w = s;

	while (*r != '\0') {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case 'r': *w++ = '\r'; r++; break;
		case 'n': *w++ = '\n'; r++; break;
		case 't': *w++ = '\t'; r++; break;
		case '\\': *w++ = '\\'; r++; break;
		case 'x': {
			int	 h = hexval(r[1]), l = h < 0 ? -1 : hexval(r[2]);

			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return -1;
			*w++ = (char)(h * 16 + l);
			r += 3;
			break;
		}
		default:
			return -1;
		}
	}
	*w = '\0';
	return (int)(w - s);
}

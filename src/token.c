/*
 * token.c - make and read the tokens of delivery test messages.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "token.h"

static void
dlv_namepart(char *buf, size_t len, const char *name)
{
	size_t	 i, o = 0;

	if (name == NULL || name[0] == '\0')
		name = "delivery";
	for (i = 0; name[i] != '\0' && o + 1 < len && o < DLV_NAME_MAX; i++) {
		unsigned char	 c = (unsigned char)name[i];

		/* '-' separates the fields of a token: never in a name */
		buf[o++] = isalnum(c) || c == '.' || c == '_' ? (char)c : '_';
	}
	buf[o] = '\0';
}

void
dlv_prefix(char *buf, size_t len, const char *name)
{
	char	 np[DLV_NAME_MAX + 1];

	dlv_namepart(np, sizeof(np), name);
	snprintf(buf, len, "mailmon-%s-", np);
}

int
dlv_make_token(char *buf, size_t len, const char *name, time_t now,
    const unsigned char *rnd, size_t rndlen)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 pre[DLV_TOKEN_MAX], h[DLV_TOKEN_HEX + 1];
	size_t			 i;
	int			 n;

	if (rndlen * 2 < DLV_TOKEN_HEX)
		return -1;
	for (i = 0; i < DLV_TOKEN_HEX; i++)
		h[i] = hex[(rnd[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xf];
	h[DLV_TOKEN_HEX] = '\0';
	dlv_prefix(pre, sizeof(pre), name);
	n = snprintf(buf, len, "%s%lld-%s", pre, (long long)now, h);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
dlv_token_parse(const char *tok, const char *prefix, time_t *when)
{
	size_t		 pl = strlen(prefix), i, nd = 0, nh = 0;
	long long	 t = 0;

	if (strncmp(tok, prefix, pl) != 0)
		return -1;
	for (i = pl; isdigit((unsigned char)tok[i]); i++, nd++) {
		if (nd >= 12)
			return -1;
		t = t * 10 + (tok[i] - '0');
	}
	if (nd == 0 || tok[i] != '-')
		return -1;
	for (i++; isxdigit((unsigned char)tok[i]); i++)
		nh++;
	if (nh == 0 || tok[i] != '\0')
		return -1;
	*when = (time_t)t;
	return 0;
}

int
dlv_header_token(const char *line, size_t len, char *tok, size_t toklen)
{
	size_t	 hl = strlen(DLV_HEADER), i, e;

	if (len <= hl || strncasecmp(line, DLV_HEADER, hl) != 0 ||
	    line[hl] != ':')
		return 0;
	for (i = hl + 1; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	for (e = len; e > i && (line[e - 1] == ' ' || line[e - 1] == '\t');
	    e--)
		;
	if (e == i || e - i >= toklen)
		return 0;
	memcpy(tok, line + i, e - i);
	tok[e - i] = '\0';
	return 1;
}

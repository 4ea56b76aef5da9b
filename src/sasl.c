/*
 * sasl.c - SASL client side for PLAIN and LOGIN.
 *
 * LOGIN answers the two 334 challenges in order (user, then password)
 * without decoding them: servers word the prompts differently, and the
 * order is the only thing all of them agree on.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sasl.h"
#include "util.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
sasl_base64(char *dst, size_t dstlen, const void *src, size_t len)
{
	const unsigned char	*s = src;
	size_t			 o = 0, i;

	if (dstlen < ((len + 2) / 3) * 4 + 1)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		dst[o++] = b64[s[i] >> 2];
		dst[o++] = b64[((s[i] & 0x03) << 4) | (s[i + 1] >> 4)];
		dst[o++] = b64[((s[i + 1] & 0x0f) << 2) | (s[i + 2] >> 6)];
		dst[o++] = b64[s[i + 2] & 0x3f];
	}
	if (i < len) {
		dst[o++] = b64[s[i] >> 2];
		if (i + 1 < len) {
			dst[o++] = b64[((s[i] & 0x03) << 4) | (s[i + 1] >> 4)];
			dst[o++] = b64[(s[i + 1] & 0x0f) << 2];
		} else {
			dst[o++] = b64[(s[i] & 0x03) << 4];
			dst[o++] = '=';
		}
		dst[o++] = '=';
	}
	dst[o] = '\0';
	return (int)o;
}

int
sasl_plain_token(char *dst, size_t dstlen, const char *user,
    const char *pass)
{
	char	 raw[2 * SASL_CRED_MAX + 2];
	size_t	 ul = strlen(user), pl = strlen(pass);
	int	 n;

	if (ul + pl + 2 > sizeof(raw))
		return -1;
	raw[0] = '\0';
	memcpy(raw + 1, user, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, pass, pl);
	n = sasl_base64(dst, dstlen, raw, ul + pl + 2);
	explicit_bzero(raw, sizeof(raw));
	return n;
}

unsigned
sasl_mech_bit(const char *name, size_t len)
{
	if (len == 5 && strncasecmp(name, "PLAIN", 5) == 0)
		return SASL_M_PLAIN;
	if (len == 5 && strncasecmp(name, "LOGIN", 5) == 0)
		return SASL_M_LOGIN;
	if (len == 8 && strncasecmp(name, "CRAM-MD5", 8) == 0)
		return SASL_M_CRAM_MD5;
	return SASL_M_OTHER;
}

const char *
sasl_mech_name(enum auth_mech m)
{
	switch (m) {
	case AUTH_PLAIN:
		return "PLAIN";
	case AUTH_LOGIN:
		return "LOGIN";
	case AUTH_AUTO:
		return "AUTO";
	default:
		return "NONE";
	}
}

enum auth_mech
sasl_pick(enum auth_mech want, unsigned offered)
{
	switch (want) {
	case AUTH_AUTO:
		/* PLAIN is one round trip; both send the same secret */
		if (offered & SASL_M_PLAIN)
			return AUTH_PLAIN;
		if (offered & SASL_M_LOGIN)
			return AUTH_LOGIN;
		return AUTH_NONE;
	case AUTH_PLAIN:
		return (offered & SASL_M_PLAIN) ? AUTH_PLAIN : AUTH_NONE;
	case AUTH_LOGIN:
		return (offered & SASL_M_LOGIN) ? AUTH_LOGIN : AUTH_NONE;
	default:
		return AUTH_NONE;
	}
}

/* "<prefix><word>" and how much of it is public */
static int
sasl_line(char *buf, size_t len, size_t *show, const char *pub,
    const char *secret)
{
	int	 n;

	n = snprintf(buf, len, "%s%s", pub, secret);
	if (n < 0 || (size_t)n >= len) {
		explicit_bzero(buf, len);
		return -1;
	}
	*show = strlen(pub);
	return 0;
}

int
sasl_start(struct sasl *s, const struct sasl_proto *p, enum auth_mech mech,
    const char *user, const char *pass, const char *prefix, char *buf,
    size_t len, size_t *show)
{
	char	 tok[((2 * SASL_CRED_MAX + 2 + 2) / 3) * 4 + 1];
	char	 pub[64];
	int	 rc;

	memset(s, 0, sizeof(*s));
	s->p = p;
	s->mech = mech;
	s->user = user;
	s->pass = pass;
	if (mech != AUTH_PLAIN && mech != AUTH_LOGIN)
		return SASL_FAIL;
	snprintf(pub, sizeof(pub), "%s%s %s", prefix != NULL ? prefix : "",
	    p->cmd, sasl_mech_name(mech));
	if (mech == AUTH_PLAIN && p->initial) {
		if (sasl_plain_token(tok, sizeof(tok), user, pass) == -1)
			return SASL_FAIL;
		mm_strlcat(pub, " ", sizeof(pub));
		rc = sasl_line(buf, len, show, pub, tok);
		explicit_bzero(tok, sizeof(tok));
		s->step = 2;		/* only the verdict is left */
		return rc == 0 ? SASL_SEND : SASL_FAIL;
	}
	s->step = 1;
	return sasl_line(buf, len, show, pub, "") == 0 ? SASL_SEND : SASL_FAIL;
}

int
sasl_next(struct sasl *s, int code, char *buf, size_t len, size_t *show)
{
	char	 tok[((2 * SASL_CRED_MAX + 2 + 2) / 3) * 4 + 1];
	int	 n;

	if (code == s->p->ok_code)
		return s->step == (s->mech == AUTH_PLAIN ? 2 : 3) ?
		    SASL_OK : SASL_FAIL;
	if (code != s->p->cont_code)
		return SASL_FAIL;
	switch (s->mech) {
	case AUTH_PLAIN:
		if (s->step != 1)
			return SASL_FAIL;
		n = sasl_plain_token(tok, sizeof(tok), s->user, s->pass);
		s->step = 2;
		break;
	case AUTH_LOGIN:
		if (s->step == 1)
			n = sasl_base64(tok, sizeof(tok), s->user,
			    strlen(s->user));
		else if (s->step == 2)
			n = sasl_base64(tok, sizeof(tok), s->pass,
			    strlen(s->pass));
		else
			return SASL_FAIL;
		s->step++;
		break;
	default:
		return SASL_FAIL;
	}
	if (n == -1 || sasl_line(buf, len, show, "", tok) == -1) {
		explicit_bzero(tok, sizeof(tok));
		return SASL_FAIL;
	}
	explicit_bzero(tok, sizeof(tok));
	return SASL_SEND;
}

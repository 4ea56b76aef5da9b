/*
 * sasl.h - AUTH PLAIN and AUTH LOGIN, written once for every protocol.
 *
 * A protocol describes itself with a struct sasl_proto (command word,
 * the reply code that asks for more, the one that means success) and
 * then feeds each reply to sasl_next().  Every line produced here holds
 * credentials: the caller sends it with lp_send(lp, show, line), which
 * traces only the first `show' bytes, then wipes the buffer.
 */
#ifndef MAILMON_SASL_H
#define MAILMON_SASL_H

#include <stddef.h>

#include "taxonomy.h"

/* longest user name or password, NUL included (probe_opts' strings) */
#define SASL_CRED_MAX		256

/* mechanisms a server offers (bitmask) */
#define SASL_M_PLAIN		0x01
#define SASL_M_LOGIN		0x02
#define SASL_M_CRAM_MD5		0x04
#define SASL_M_OTHER		0x08

struct sasl_proto {
	const char	*cmd;		/* "AUTH", "AUTHENTICATE" */
	int		 cont_code;	/* 334 or LP_CONT */
	int		 ok_code;	/* 235 or LP_OK */
	int		 initial;	/* initial response allowed (RFC 4954) */
};

enum sasl_rc {
	SASL_SEND = 0,		/* a line is in buf: send it, await a reply */
	SASL_OK,		/* authenticated */
	SASL_FAIL		/* rejected or out of step; see the reply */
};

struct sasl {
	const struct sasl_proto	*p;
	enum auth_mech		 mech;
	int			 step;
	const char		*user;
	const char		*pass;
};

/* the mechanism to use for `want' given what is offered; AUTH_NONE if none */
enum auth_mech	 sasl_pick(enum auth_mech want, unsigned offered);
unsigned	 sasl_mech_bit(const char *name, size_t len);
const char	*sasl_mech_name(enum auth_mech);

/*
 * Base64 (RFC 4648, with padding) of len bytes into dst.  Returns the
 * length written (without the NUL) or -1 when dst is too small.
 */
int		 sasl_base64(char *dst, size_t dstlen, const void *src,
		    size_t len);
/* "\0user\0pass" base64, RFC 4616; the plain copy is wiped */
int		 sasl_plain_token(char *dst, size_t dstlen, const char *user,
		    const char *pass);

/*
 * First line: "<prefix><cmd> <MECH>[ <initial response>]".  prefix is
 * an IMAP tag ("A003 ") or "".  *show: bytes of the line safe to trace.
 */
int		 sasl_start(struct sasl *, const struct sasl_proto *,
		    enum auth_mech, const char *user, const char *pass,
		    const char *prefix, char *buf, size_t len, size_t *show);
/* feed the reply code of the last step; SASL_SEND fills buf again */
int		 sasl_next(struct sasl *, int code, char *buf, size_t len,
		    size_t *show);

#endif

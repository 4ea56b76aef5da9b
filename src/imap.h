/*
 * imap.h - IMAP4 client state machine and response classifier.
 */
#ifndef MAILMON_IMAP_H
#define MAILMON_IMAP_H

#include <stddef.h>

#include "session.h"

enum imap_state {
	IMAP_INIT = 0,
	IMAP_GREETING,
	IMAP_CAPABILITY,
	IMAP_STARTTLS,
	IMAP_TLS,		/* handshake under way in the driver */
	IMAP_LOGIN,
	IMAP_HOOK,		/* delivery step: SELECT/SEARCH/STORE ... */
	IMAP_LOGOUT,
	IMAP_DONE,
	IMAP_LAST
};

#define IMAP_CAP_IMAP4REV1	0x01
#define IMAP_CAP_STARTTLS	0x02
#define IMAP_CAP_LOGINDISABLED	0x04
#define IMAP_CAP_LITERALPLUS	0x08
#define IMAP_CAP_IDLE		0x10
#define IMAP_CAP_AUTH		0x20	/* some AUTH=... */
#define IMAP_CAP_UIDPLUS	0x40	/* UID EXPUNGE (RFC 4315) */
#define IMAP_CAP_WITHIN		0x80	/* SEARCH OLDER/YOUNGER (RFC 5032) */

#define IMAP_TAG_MAX		8
#define IMAP_LITERAL_MAX	(1 << 20)	/* largest literal we skip over */
#define IMAP_LINEMAX		4000

struct imap_sess {
	struct psess		 ps;
	enum imap_state		 state;
	unsigned		 caps;
	unsigned		 auth_mechs;	/* SASL_M_* from AUTH=... */
	int			 cap_known;
	int			 authed;
	int			 preauth;
	int			 hook_done;
	int			 stop;
	int			 bye;		/* untagged BYE seen */
	unsigned		 ntag;
	char			 tag[IMAP_TAG_MAX];	/* "" before the first command */
	size_t			 literal;	/* literal bytes still to skip */
};

/*
 * "* OK/PREAUTH/BYE" greeting (final, before any command), "* ..."
 * untagged data (LP_DATA, not final), "+ ..." continuation (LP_CONT),
 * "<tag> OK/NO/BAD" (final; another tag is LPE_TAG).  A line ending in
 * a literal "{N}" makes the next N bytes data.
 */
int		 imap_classify(void *ctx, const char *line, size_t len,
		    int *code, int *final);
/* parse CAPABILITY from "* CAPABILITY ..." lines or "[CAPABILITY ...]" */
unsigned	 imap_parse_caps(const struct lp_reply *, unsigned *mechs,
		    int *found);
/* quoted string with \ and " escaped; -1 for CR/LF/NUL or no room */
int		 imap_quote(char *dst, size_t dstlen, const char *src);
/*
 * For a step plugged into an IMAP session (the delivery mailbox step):
 * send "<next tag> cmd" (show as for lp_send, counted without the tag),
 * and the capabilities the server announced.
 */
int		 imap_send(struct psess *, size_t show, const char *cmd);
unsigned	 imap_caps(const struct psess *);
const char	*imap_strstate(enum imap_state);

#endif

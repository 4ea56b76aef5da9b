/*
 * pop3.h - POP3 client state machine and reply classifier.
 */
#ifndef MAILMON_POP3_H
#define MAILMON_POP3_H

#include <stddef.h>

#include "session.h"

enum pop3_state {
	POP3_INIT = 0,
	POP3_GREETING,
	POP3_CAPA,
	POP3_STLS,
	POP3_TLS,		/* handshake under way in the driver */
	POP3_USER,
	POP3_PASS,
	POP3_HOOK,		/* delivery step: STAT/UIDL/RETR/DELE ... */
	POP3_QUIT,
	POP3_DONE,
	POP3_LAST
};

#define POP3_CAP_STLS		0x01
#define POP3_CAP_USER		0x02
#define POP3_CAP_UIDL		0x04
#define POP3_CAP_TOP		0x08
#define POP3_CAP_SASL		0x10
#define POP3_CAP_PIPELINING	0x20

struct pop3_sess {
	struct psess		 ps;
	enum pop3_state		 state;
	unsigned		 caps;
	int			 capa_done;
	int			 capa_ok;	/* CAPA answered +OK */
	int			 authed;
	int			 hook_done;
	int			 stop;
	int			 multiline;	/* next +OK starts a dot-ended body */
	int			 in_body;
};

/*
 * "+OK ..." -> LP_OK, "-ERR ..." -> LP_NO.  After pop3_multiline()
 * a +OK opens a body that ends with a "." line (LP_DATA lines, then
 * the final LP_OK); dot-stuffed lines are left as sent.
 */
int		 pop3_classify(void *ctx, const char *line, size_t len,
		    int *code, int *final);
/* the reply to the next command is multi-line (CAPA, UIDL, RETR...) */
void		 pop3_multiline(struct psess *);
unsigned	 pop3_parse_capa(const struct lp_reply *);
const char	*pop3_strstate(enum pop3_state);

#endif

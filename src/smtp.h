/*
 * smtp.h - SMTP/LMTP client state machine and reply classifier.
 */
#ifndef MAILMON_SMTP_H
#define MAILMON_SMTP_H

#include <stddef.h>

#include "session.h"
#include "sasl.h"

enum smtp_state {
	SMTP_INIT = 0,
	SMTP_BANNER,		/* waiting for the complete greeting */
	SMTP_EHLO,		/* EHLO or LHLO */
	SMTP_HELO,		/* fallback after a 5xx to EHLO */
	SMTP_STARTTLS,
	SMTP_TLS,		/* handshake under way in the driver */
	SMTP_AUTH,		/* SASL exchange */
	SMTP_CMD,		/* custom command cmd[icmd] */
	SMTP_MAIL,
	SMTP_RCPT,
	SMTP_DATA,
	SMTP_BODY,		/* message sent, waiting for the verdict */
	SMTP_RSET,
	SMTP_QUIT,
	SMTP_DONE,
	SMTP_LAST
};

/* EHLO capabilities */
#define SMTP_CAP_STARTTLS	0x0001
#define SMTP_CAP_AUTH		0x0002
#define SMTP_CAP_PIPELINING	0x0004
#define SMTP_CAP_SIZE		0x0008
#define SMTP_CAP_8BITMIME	0x0010
#define SMTP_CAP_SMTPUTF8	0x0020
#define SMTP_CAP_ENHANCED	0x0040	/* ENHANCEDSTATUSCODES */
#define SMTP_CAP_CHUNKING	0x0080
#define SMTP_CAP_DSN		0x0100

#define SMTP_SIZE_MAX		(1LL << 40)	/* bound on a SIZE value */

/* relay check defaults: addresses nobody owns (RFC 2606) */
#define RELAY_FROM_DEFAULT	"mailmon-relaytest@example.org"
#define RELAY_RCPT_DEFAULT	"relaytest@example.net"

struct smtp_sess {
	struct psess		 ps;
	enum smtp_state		 state;
	unsigned		 caps;
	unsigned		 auth_mechs;	/* SASL_M_* */
	long long		 size;		/* SIZE value, 0 = none */
	struct sasl		 sasl;
	int			 helo_done;
	int			 authed;
	int			 icmd;
	int			 ircpt;
	int			 nrcpt_ok;
	int			 mail_done;	/* transaction for this leg done */
	int			 need_rset;
	int			 txn_open;	/* MAIL accepted, no DATA/RSET yet */
	int			 stop;		/* failure: RSET if needed, QUIT */
	int			 relay_phase;	/* 0 unauthenticated, 1 after AUTH */
	int			 relay_done[2];
	int			 data_ok;	/* 250 after the message body */
	int			 quit_sent;
	int			 auth_cancel;	/* "*" sent to end AUTH */
};

/* SMTP reply line: "250-text", "250 text", "250" */
int		 smtp_classify(void *ctx, const char *line, size_t len,
		    int *code, int *final);
/* parse an EHLO reply into SMTP_CAP_* bits, SASL mechanisms, SIZE */
unsigned	 smtp_parse_ehlo(const struct lp_reply *, unsigned *mechs,
		    long long *size);
const char	*smtp_strstate(enum smtp_state);
/* dot-stuffed message body + "." line, queued through the line layer */
int		 smtp_send_body(struct lineproto *, const char *body,
		    size_t len);

#endif

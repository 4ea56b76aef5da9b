/*
 * lineproto.h - the one line-protocol layer under SMTP, POP3 and IMAP.
 *
 * It owns reply assembly and every limit on what a server may send;
 * each protocol supplies only a classifier that maps one line into the
 * shared integer space below and says whether it ends the reply.
 * It knows nothing about sockets: bytes come in through lp_input()
 * and go out through a write callback (io_write in the engine, a
 * capture buffer in the unit tests), so the whole layer and the state
 * machines above it are tested without a network.
 *
 * Line ends: CRLF, and a bare LF is accepted as well (robustness: we
 * monitor servers, we do not certify them; every real server sends
 * CRLF).  A CR anywhere else, a NUL, or any other control byte except
 * TAB is a protocol error.  A CR followed by anything but LF fails at
 * once, even before a line end arrives: a server that ends its lines
 * with a bare CR would otherwise look like a silent one and end in a
 * timeout instead of a definite answer.  8-bit bytes are accepted
 * (UTF-8 greetings exist) and sanitised before they are shown anywhere.
 */
#ifndef MAILMON_LINEPROTO_H
#define MAILMON_LINEPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

/*
 * The shared reply-code space.  SMTP uses its own three-digit codes
 * (100..599); the other protocols map into the small numbers below,
 * which never collide with SMTP codes.
 */
enum lp_code {
	LP_NONE = 0,
	LP_OK = 1,		/* POP3 +OK, IMAP "* OK" greeting, tagged OK */
	LP_NO = 2,		/* POP3 -ERR, IMAP tagged NO */
	LP_BAD = 3,		/* IMAP tagged BAD */
	LP_CONT = 4,		/* IMAP "+" continuation request */
	LP_PREAUTH = 5,		/* IMAP "* PREAUTH" greeting */
	LP_BYE = 6,		/* IMAP "* BYE" greeting */
	LP_DATA = 7		/* a non-final line (untagged, CAPA body...) */
};

/* one named reason per rejection; see lp_strerror() */
enum lp_err {
	LPE_NONE = 0,
	LPE_TOOLONG,		/* no line end within linemax bytes */
	LPE_NUL,		/* NUL byte in a line */
	LPE_BINARY,		/* other control byte */
	LPE_SHORT,		/* response too short */
	LPE_CODE,		/* invalid reply code */
	LPE_MIXED,		/* multi-line reply changed its code */
	LPE_TOOMANY,		/* too many continuation lines */
	LPE_TOOBIG,		/* joined reply over replymax */
	LPE_TRAILING,		/* bytes after a final reply, unasked */
	LPE_SYNTAX,		/* line fits no response form */
	LPE_TAG,		/* IMAP tag of another command */
	LPE_SEND,		/* command could not be queued */
	LPE_BARECR,		/* CR not followed by LF */
	LPE_LAST
};

#define LP_LINEMAX_DEFAULT	1000	/* RFC 5321 4.5.3.1.5 text line */
#define LP_REPLYMAX		4096	/* joined reply, lines with '\n' */
#define LP_MAXLINES_DEFAULT	100	/* continuation lines per reply */
#define LP_SENDMAX		1024	/* one command line, CRLF included */
#define LP_ERR_MAX		128

/* "show" argument of lp_send(): the whole line may be traced */
#define LP_PUBLIC		((size_t)-1)

/*
 * Classify one line (no line end; len bytes; already checked for
 * NUL and control bytes).  Set *code (enum lp_code or an SMTP code)
 * and *final (1 when the line completes the reply).  Return LPE_NONE
 * or the enum lp_err naming what is wrong with it.
 */
typedef int	(*lp_classify_fn)(void *ctx, const char *line, size_t len,
		    int *code, int *final);
/* queue bytes for sending; 0, or -1 when they do not fit */
typedef int	(*lp_write_fn)(void *arg, const void *buf, size_t len);
/* every received line, before the reply is complete (optional) */
typedef void	(*lp_line_fn)(void *arg, const char *line, size_t len,
		    int code, int final);

struct lp_reply {
	int		 code;		/* code of the final line */
	int		 nlines;
	size_t		 len;		/* bytes in text */
	char		 text[LP_REPLYMAX + 1];	/* lines joined by '\n' */
};

struct lineproto {
	enum log_token	 token;		/* LT_SMTP, LT_POP3, ... */
	lp_classify_fn	 classify;
	void		*cctx;
	lp_write_fn	 write;
	void		*warg;
	lp_line_fn	 on_line;
	void		*line_arg;

	size_t		 linemax;
	size_t		 replymax;	/* <= LP_REPLYMAX */
	int		 maxlines;
	int		 same_code;	/* every line of a reply has one code (SMTP) */
	int		 forbid_trailing; /* no bytes may follow a final reply */
	int		 stream;	/* keep only the final line in reply.text */
	/*
	 * The login secret of this session (NULL = none): servers echo
	 * what they were sent, so received text is masked with it
	 * wherever it is shown (trace, error text), like sent text.
	 */
	const char	*secret;
	/* the redacted part of the last command sent (a SASL token) */
	char		 sent_secret[LP_SENDMAX];

	int		 in_reply;	/* some lines of a reply arrived */
	struct lp_reply	 reply;
	int		 err;		/* enum lp_err of the last failure */
	char		 error[LP_ERR_MAX];
	uint64_t	 lines_in;
	uint64_t	 lines_out;
};

#define LP_MORE		0	/* need more bytes */
#define LP_REPLY	1	/* lp->reply holds a complete reply */
#define LP_ERROR	(-1)	/* lp->err, lp->error say why */

/* defaults: linemax 1000, replymax 4096, 100 lines, trailing allowed */
void		 lp_init(struct lineproto *, enum log_token,
		    lp_classify_fn, void *cctx, lp_write_fn, void *warg);

/*
 * Parse bytes from data; *used is set to how many were consumed (drop
 * them from the input buffer).  A partial line is left unconsumed.
 * Stops after the first complete reply.
 */
int		 lp_input(struct lineproto *, const char *data, size_t len,
		    size_t *used);
/* forget a partially received reply (e.g. after STARTTLS) */
void		 lp_reset(struct lineproto *);

/*
 * Queue one command line; CRLF is added.  show: how many leading bytes
 * the trace may print (LP_PUBLIC for all); the rest is traced as
 * "<redacted>".  The internal copy is wiped.  A line holding CR, LF or
 * NUL is refused (no command injection through configured strings).
 * 0, or -1 with lp->err = LPE_SEND.
 */
int		 lp_send(struct lineproto *, size_t show, const char *line);
int		 lp_sendf(struct lineproto *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* bytes as they are (message bodies, check_tcp send strings) */
int		 lp_send_raw(struct lineproto *, const void *, size_t);

const char	*lp_strerror(int err);

/*
 * Walk the lines of a reply: start with *pos = 0; returns a pointer to
 * the next line and its length, or NULL at the end.
 */
const char	*lp_reply_line(const struct lp_reply *, size_t *pos,
		    size_t *len);
/* text of the last line after its code/tag (for reasons) */
const char	*lp_reply_last(const struct lp_reply *);

/* printable copy of a line for traces and reasons */
void		 lp_sanitize(char *dst, size_t dstlen, const char *src,
		    size_t len);
/*
 * Overwrite with '*' every copy of secret in sanitised text s, and a
 * start of it at the very end of s (a bounded copy may have cut it
 * there).  Secrets shorter than 3 bytes are left alone: masking them
 * would star ordinary letters everywhere and hide nothing.
 */
void		 lp_mask(char *s, const char *secret);

#endif

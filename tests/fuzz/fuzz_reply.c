/*
 * fuzz_reply.c - libFuzzer harness for the line layer and the reply
 * classifiers.
 *
 * The input is split at arbitrary points (the first byte picks the
 * chunk size) and fed through lp_input() with each protocol's
 * classifier and limits, the way bytes arrive from a socket; every
 * complete reply also goes through the capability parsers.  Nothing
 * may crash, read out of bounds or grow without bound.
 *
 * Build (clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I<builddir> \
 *     -Isrc -DUNITTEST tests/fuzz/fuzz_reply.c src/lineproto.c \
 *     src/smtp.c src/pop3.c src/imap.c src/sasl.c src/probe.c \
 *     src/util.c src/log.c ... -o fuzz_reply
 *   ./fuzz_reply -max_total_time=60
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "imap.h"
#include "lineproto.h"
#include "log.h"
#include "pop3.h"
#include "smtp.h"

static void
mute(int level, const char *token, const char *msg, void *arg)
{
	(void)level;
	(void)token;
	(void)msg;
	(void)arg;
}

static void
run(struct lineproto *lp, const uint8_t *data, size_t size, size_t chunk,
    void (*onreply)(const struct lp_reply *))
{
	char	 buf[16384];
	size_t	 have = 0, off = 0, used, n;
	int	 rc;

	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		if (n > sizeof(buf) - have)
			n = sizeof(buf) - have;
		memcpy(buf + have, data + off, n);
		have += n;
		off += n;
		for (;;) {
			rc = lp_input(lp, buf, have, &used);
			if (used > have)
				__builtin_trap();
			memmove(buf, buf + used, have - used);
			have -= used;
			if (rc == LP_ERROR)
				return;
			if (rc == LP_MORE)
				break;
			if (lp->reply.len > lp->replymax ||
			    lp->reply.text[lp->reply.len] != '\0')
				__builtin_trap();
			onreply(&lp->reply);
		}
		if (have == sizeof(buf))
			return;		/* the io layer would call it overlong */
	}
}

static void
smtp_reply(const struct lp_reply *r)
{
	unsigned	 mechs;
	long long	 size;

	smtp_parse_ehlo(r, &mechs, &size);
	if (size < 0 || size > SMTP_SIZE_MAX)
		__builtin_trap();
}

static void
pop3_reply(const struct lp_reply *r)
{
	pop3_parse_capa(r);
}

static void
imap_reply(const struct lp_reply *r)
{
	unsigned	 mechs;
	int		 found;

	imap_parse_caps(r, &mechs, &found);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lineproto	 lp;
	struct pop3_sess	 pop3;
	struct imap_sess	 imap;
	size_t			 chunk;

	log_register(mute, NULL);
	if (size < 2)
		return 0;
	chunk = 1 + data[0] % 64;
	data++;
	size--;

	lp_init(&lp, LT_PROBE, smtp_classify, NULL, NULL, NULL);
	lp.same_code = 1;
	lp.forbid_trailing = data[0] & 1;
	run(&lp, data, size, chunk, smtp_reply);

	memset(&pop3, 0, sizeof(pop3));
	pop3.multiline = data[0] & 2;
	lp_init(&lp, LT_PROBE, pop3_classify, &pop3, NULL, NULL);
	run(&lp, data, size, chunk, pop3_reply);

	memset(&imap, 0, sizeof(imap));
	if (data[0] & 4)
		memcpy(imap.tag, "A001", 5);
	lp_init(&lp, LT_PROBE, imap_classify, &imap, NULL, NULL);
	lp.linemax = IMAP_LINEMAX;
	run(&lp, data, size, chunk, imap_reply);
	return 0;
}

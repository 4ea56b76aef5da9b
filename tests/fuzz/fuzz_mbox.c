/*
 * fuzz_mbox.c - libFuzzer harness: whole delivery checks (submission
 * over SMTP, then the mailbox legs over IMAP or POP3 with the mailbox
 * step of mbox_imap.c / mbox_pop3.c), every connection scripted by the
 * input (fuzz_session.h, fuzz_mock.h).
 *
 * The token of the test message must be the same on every run, or no
 * input could ever name it: time() and getrandom() are wrapped (link
 * with -Wl,--wrap=time,--wrap=getrandom) to a fixed clock and zero
 * bytes, so the token is always "mailmon-fz-1700000000-000000000000".
 */
#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "fuzz_session.h"

#define FZ_WALLCLOCK	1700000000

time_t	__wrap_time(time_t *);
ssize_t	__wrap_getrandom(void *, size_t, unsigned int);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

time_t
__wrap_time(time_t *t)
{
	if (t != NULL)
		*t = FZ_WALLCLOCK;
	return FZ_WALLCLOCK;
}

ssize_t
__wrap_getrandom(void *buf, size_t len, unsigned int flags)
{
	(void)flags;
	memset(buf, 0, len);
	return (ssize_t)len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_session(MODE_DELIVERY, data, size);
}

/*
 * fuzz_pop3.c - libFuzzer harness: whole POP3 checks against a scripted
 * server, with the options, the TLS outcome and the chunking of the
 * server's bytes taken from the input (fuzz_session.h, fuzz_mock.h).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "fuzz_session.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_session(MODE_POP3, data, size);
}

/*
 * optpack.c - pack a struct probe_opts by cutting out its runs of zeros.
 *
 * The encoding is a sequence of records, each a 16-bit count of zero
 * bytes followed by a 16-bit count of literal bytes and those bytes,
 * until the struct is covered.  Runs of fewer than RUN_MIN zeros stay
 * in the literals: a record costs four bytes.
 *
 * A pack never changes once made, so a copy is one more reference to
 * it: the configuration and the probe it sets up share one block, and
 * loading 100,000 probes leaves no hole of freed copies in the heap.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "optpack.h"

#define RUN_MIN	5

struct optpack {
	uint32_t	 refs;		/* owners; the last one frees */
	uint32_t	 len;
	unsigned char	 b[];
};

/* a struct probe_opts must fit the 16-bit counts (and so the length) */
typedef char optpack_fits[sizeof(struct probe_opts) <= 65535 ? 1 : -1];

static size_t
zero_run(const unsigned char *p, size_t i, size_t n)
{
	size_t	 j = i;

	while (j < n && p[j] == 0)
		j++;
	return j - i;
}

/* the encoded size, and the encoding when out is not NULL */
static size_t
encode(const unsigned char *p, size_t n, unsigned char *out)
{
	size_t	 i = 0, o = 0, zeros, lit, z;

	while (i < n) {
		zeros = zero_run(p, i, n);
		i += zeros;
		/* literals up to the next run long enough to cut */
		for (lit = 0; i + lit < n; lit++) {
			z = zero_run(p, i + lit, n);
			if (z >= RUN_MIN || i + lit + z == n)
				break;
			lit += z > 0 ? z - 1 : 0;
		}
		if (out != NULL) {
			out[o] = (unsigned char)(zeros >> 8);
			out[o + 1] = (unsigned char)zeros;
			out[o + 2] = (unsigned char)(lit >> 8);
			out[o + 3] = (unsigned char)lit;
			memcpy(out + o + 4, p + i, lit);
		}
		o += 4 + lit;
		i += lit;
	}
	return o;
}

struct optpack *
optpack_new(const struct probe_opts *o)
{
	const unsigned char	*p = (const unsigned char *)o;
	struct optpack		*pk;
	size_t			 len = encode(p, sizeof(*o), NULL);

	if ((pk = malloc(sizeof(*pk) + len)) == NULL)
		return NULL;
	pk->refs = 1;
	pk->len = (uint32_t)len;
	(void)encode(p, sizeof(*o), pk->b);
	return pk;
}

void
optpack_unpack(const struct optpack *pk, struct probe_opts *o)
{
	unsigned char	*p = (unsigned char *)o;
	size_t		 i = 0, at = 0, zeros, lit;

	memset(o, 0, sizeof(*o));
	while (i + 4 <= pk->len) {
		zeros = (size_t)pk->b[i] << 8 | pk->b[i + 1];
		lit = (size_t)pk->b[i + 2] << 8 | pk->b[i + 3];
		i += 4;
		at += zeros;
		if (lit > pk->len - i || lit > sizeof(*o) - at)
			break;		/* cannot happen: we wrote it */
		memcpy(p + at, pk->b + i, lit);
		at += lit;
		i += lit;
	}
}

struct optpack *
optpack_dup(const struct optpack *pk)
{
	/* the pack itself is never written after optpack_new() */
	struct optpack	*d = (struct optpack *)(uintptr_t)pk;

	if (d->refs == UINT32_MAX)
		return NULL;
	d->refs++;
	return d;
}

int
optpack_equal(const struct optpack *a, const struct optpack *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

size_t
optpack_size(const struct optpack *pk)
{
	return pk != NULL ? sizeof(*pk) + pk->len : 0;
}

void
optpack_free(struct optpack *pk)
{
	if (pk == NULL || --pk->refs > 0)
		return;
	explicit_bzero(pk->b, pk->len);
	free(pk);
}

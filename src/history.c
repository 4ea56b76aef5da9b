/*
 * history.c - the ring of a probe's last results (see history.h).
 *
 * Lookups scan the ring: it holds at most HISTORY_MAX entries, and
 * after a wrap of the numbering the oldest entries carry the largest
 * numbers, so the ring's order is not the index order.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "history.h"

size_t
history_size(uint32_t cap)
{
	return sizeof(struct history) + (size_t)cap *
	    sizeof(struct history_entry);
}

struct history *
history_new(uint32_t cap)
{
	struct history *h;

	if (cap > HISTORY_MAX || (h = calloc(1, history_size(cap))) == NULL)
		return NULL;
	h->cap = cap;
	return h;
}

void
history_free(struct history *h)
{
	free(h);
}

const struct history_entry *
history_at(const struct history *h, uint32_t i)
{
	if (h == NULL || i >= h->n)
		return NULL;
	return &h->e[(h->next + h->cap - h->n + i) % h->cap];
}

struct history *
history_resize(struct history *h, uint32_t cap)
{
	struct history *nh;
	uint32_t i, skip;

	if ((nh = history_new(cap)) == NULL)
		return NULL;
	nh->seq = h->seq;
	skip = h->n > cap ? h->n - cap : 0;
	for (i = skip; i < h->n; i++)
		nh->e[nh->n++] = *history_at(h, i);
	nh->next = cap > 0 ? nh->n % cap : 0;
	history_free(h);
	return nh;
}

static void
put(struct history *h, const struct history_entry *e)
{
	h->seq = e->seq;
	if (h->cap == 0)
		return;
	h->e[h->next] = *e;
	h->next = (h->next + 1) % h->cap;
	if (h->n < h->cap)
		h->n++;
}

static uint32_t
clamp_none(int64_t v, int64_t div)
{
	if (v < 0)
		return HISTORY_NONE;
	v /= div;
	/* HISTORY_NONE itself would read as "none" */
	return v >= (int64_t)HISTORY_NONE ? HISTORY_NONE - 1 : (uint32_t)v;
}

void
history_add(struct history *h, time_t wall, const struct probe_result *r)
{
	struct history_entry e;

	memset(&e, 0, sizeof(e));
	e.wall = wall < 0 ? 0 : (uint64_t)wall > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)wall;
	e.seq = h->seq == UINT32_MAX ? 1 : h->seq + 1;	/* wraps to 1 */
	e.latency_us = clamp_none(r->t[PH_TOTAL], 1);
	e.delivery_ms = clamp_none(r->t[PH_DELIVERY], 1000);
	e.reply_code = (uint16_t)(r->reply_code < 0 ? 0 :
	    r->reply_code > 999 ? 999 : r->reply_code);
	e.status = (uint8_t)((int)r->status >= STATUS_OK &&
	    r->status <= STATUS_UNKNOWN ? r->status : STATUS_UNKNOWN);
	e.fail = (uint8_t)((int)r->fail >= 0 && r->fail < FAIL_LAST ?
	    r->fail : FAIL_INTERNAL);
	put(h, &e);
}

int
history_entry_valid(const struct history_entry *e)
{
	return e->seq != 0 && e->reply_code <= 999 &&
	    e->status <= STATUS_UNKNOWN && e->fail < FAIL_LAST;
}

int
history_push(struct history *h, const struct history_entry *e)
{
	if (!history_entry_valid(e))
		return -1;
	put(h, e);
	return 0;
}

const struct history_entry *
history_get(const struct history *h, uint64_t seq)
{
	uint32_t i;

	if (h == NULL)
		return NULL;
	for (i = 0; i < h->n; i++)
		if (h->e[i].seq == seq)
			return &h->e[i];
	return NULL;
}

const struct history_entry *
history_next(const struct history *h, uint64_t after)
{
	const struct history_entry *best = NULL;
	uint32_t i;

	if (h == NULL)
		return NULL;
	for (i = 0; i < h->n; i++)
		if (h->e[i].seq > after &&
		    (best == NULL || h->e[i].seq < best->seq))
			best = &h->e[i];
	return best;
}

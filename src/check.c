/*
 * check.c - start the probe, or the composition of probes, that a mode
 * asks for, and hand its one result on.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "delivery.h"
#include "ev.h"
#include "mx.h"
#include "probe.h"
#include "target.h"
#include "util.h"

struct check {
	struct ev		*ev;
	probe_done_cb		 cb;
	void			*arg;
	struct probe		*probe;		/* a plain check */
	struct delivery		*dlv;		/* a delivery round trip */
	struct mx		*mx;		/* a domain or dual-stack probe */
	struct ev_timer		*timer;		/* a result from the loop */
	struct probe_result	 res;
};

static void
check_done(const struct probe_result *r, void *arg)
{
	struct check	*c = arg;
	probe_done_cb	 cb = c->cb;
	void		*cbarg = c->arg;

	ev_timer_free(c->timer);
	explicit_bzero(c, sizeof(*c));
	free(c);
	cb(r, cbarg);
}

static void
check_deferred(void *arg)
{
	struct check		*c = arg;
	struct probe_result	 res = c->res;

	check_done(&res, c);
}

/* a result without a probe, reported from the loop like any other */
static struct check *
check_fail(struct check *c, enum fail_class f, const char *why)
{
	probe_result_init(&c->res);
	c->res.fail = f;
	c->res.status = probe_fail_status(f);
	mm_strlcpy(c->res.reason, why, sizeof(c->res.reason));
	if ((c->timer = ev_timer_new(c->ev, check_deferred, c)) == NULL) {
		free(c);
		return NULL;
	}
	ev_timer_at(c->timer, ev_now_update(c->ev));
	return c;
}

struct check *
check_start(struct ev *ev, const struct probe_opts *opts, probe_done_cb cb,
    void *arg)
{
	struct check		*c;
	struct probe_opts	*o;
	char			 err[PROBE_REASON_MAX];
	int			 ok;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->ev = ev;
	c->cb = cb;
	c->arg = arg;
	if (mx_wanted(opts)) {
		if ((c->mx = mx_start(ev, opts, check_done, c)) == NULL) {
			free(c);
			return NULL;
		}
		return c;
	}
	if (opts->mode != MODE_DELIVERY) {
		/* the driver checks the options and reports like a probe */
		if ((c->probe = probe_start(ev, opts, NULL, check_done,
		    c)) == NULL) {
			free(c);
			return NULL;
		}
		return c;
	}
	/* a 4 KiB copy: on the heap, and wiped (it holds passwords) */
	if ((o = malloc(sizeof(*o))) == NULL) {
		free(c);
		return NULL;
	}
	*o = *opts;
	err[0] = '\0';
	ok = probe_opts_finish(o, err, sizeof(err)) == 0;
	if (ok)
		c->dlv = delivery_start(ev, o, check_done, c);
	explicit_bzero(o, sizeof(*o));
	free(o);
	if (!ok)
		return check_fail(c, FAIL_CONFIG, err);
	if (c->dlv == NULL)
		return check_fail(c, FAIL_INTERNAL, "out of memory");
	return c;
}

void
check_cancel(struct check *c)
{
	if (c == NULL)
		return;
	if (c->probe != NULL)
		probe_cancel(c->probe);
	if (c->dlv != NULL)
		delivery_cancel(c->dlv);
	if (c->mx != NULL)
		mx_cancel(c->mx);
	ev_timer_free(c->timer);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

int
check_budget_ms(const struct probe_opts *o)
{
	int	 ms = o->timeout_ms;

	if (o->mode == MODE_DELIVERY)
		ms += o->delivery_deadline_ms;
	return ms;
}

int
check_has_targets(const struct probe_opts *o)
{
	return o->mode == MODE_MX || o->family_both;
}

unsigned
check_weight(const struct probe_opts *o)
{
	unsigned nmx = o->max_mx > 0 ? (unsigned)o->max_mx : PROBE_MX_DEFAULT;
	unsigned naddr = o->max_addr > 0 ? (unsigned)o->max_addr :
	    PROBE_ADDR_DEFAULT;
	unsigned w;

	/* max_addr counts the addresses of a name, both families */
	if (o->mode == MODE_MX)
		w = nmx * naddr;
	else if (o->family_both)
		w = naddr;
	else if (o->mode == MODE_DELIVERY)
		w = 2;
	else
		w = 1;
	return w < TARGET_MAX ? w : TARGET_MAX;
}

/*
 * test_ev.c - the event loop: timer order, cancel, free from callbacks,
 * fd watchers, fd reuse, churn and many sockets.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ev.h"

/* timers */

#define NT	2000

struct tctx {
	struct ev	*ev;
	int64_t		 when[NT];
	int		 order[NT];
	int		 n;
};

struct targ {
	struct tctx	*c;
	int		 id;
};

static void
t_record(void *arg)
{
	struct targ	*a = arg;

	a->c->order[a->c->n++] = a->id;
}

static void
test_timer_order(void **state)
{
	struct ev	*ev = ev_new();
	struct tctx	*c = calloc(1, sizeof(*c));
	struct targ	 args[NT];
	struct ev_timer	*t[NT];
	int64_t		 base;
	int		 i;

	assert_non_null(ev);
	assert_non_null(c);
	srandom(42);
	base = ev_now(ev);
	for (i = 0; i < NT; i++) {
		args[i].c = c;
		args[i].id = i;
		t[i] = ev_timer_new(ev, t_record, &args[i]);
		assert_non_null(t[i]);
		c->when[i] = base + (random() % 30000);
		ev_timer_at(t[i], c->when[i]);
		assert_true(ev_timer_pending(t[i]));
	}
	/* re-arm a quarter of them: the heap must follow */
	for (i = 0; i < NT; i += 4) {
		c->when[i] = base + (random() % 30000);
		ev_timer_at(t[i], c->when[i]);
	}
	assert_int_equal(ev_run(ev), 0);
	assert_int_equal(c->n, NT);
	for (i = 1; i < NT; i++)
		assert_true(c->when[c->order[i - 1]] <= c->when[c->order[i]]);
	/* never early */
	assert_true(ev_now(ev) >= base + 0);
	for (i = 0; i < NT; i++) {
		assert_false(ev_timer_pending(t[i]));
		ev_timer_free(t[i]);
	}
	free(c);
	ev_free(ev);
}

static int	 fired_a, fired_b;

static void
cb_a(void *arg)
{
	fired_a++;
}

static void
cb_b(void *arg)
{
	fired_b++;
}

static void
test_timer_stop(void **state)
{
	struct ev	*ev = ev_new();
	struct ev_timer	*a = ev_timer_new(ev, cb_a, NULL);
	struct ev_timer	*b = ev_timer_new(ev, cb_b, NULL);

	fired_a = fired_b = 0;
	ev_timer_in(a, 1000);
	ev_timer_in(b, 2000);
	ev_timer_stop(a);
	assert_false(ev_timer_pending(a));
	assert_true(ev_timer_pending(b));
	ev_timer_stop(a);		/* twice is harmless */
	assert_int_equal(ev_run(ev), 0);
	assert_int_equal(fired_a, 0);
	assert_int_equal(fired_b, 1);
	ev_timer_free(a);
	ev_timer_free(b);
	ev_free(ev);
}

/* the first callback frees itself and the second, due at the same time */
struct freectx {
	struct ev_timer	*self;
	struct ev_timer	*other;
	int		 other_fired;
};

static void
cb_free_both(void *arg)
{
	struct freectx	*f = arg;

	ev_timer_free(f->self);
	ev_timer_free(f->other);
	f->self = f->other = NULL;
}

static void
cb_other(void *arg)
{
	struct freectx	*f = arg;

	f->other_fired++;
}

static void
test_timer_free_in_cb(void **state)
{
	struct ev	*ev = ev_new();
	struct freectx	 f;

	memset(&f, 0, sizeof(f));
	f.self = ev_timer_new(ev, cb_free_both, &f);
	f.other = ev_timer_new(ev, cb_other, &f);
	ev_timer_in(f.self, 1000);
	ev_timer_in(f.other, 1000);	/* same deadline, armed later */
	assert_int_equal(ev_run(ev), 0);
	assert_null(f.self);
	assert_int_equal(f.other_fired, 0);
	ev_free(ev);
}

/* a timer re-arming itself for "now" must not starve the loop */
static int	 spin_count;

static void
cb_spin(void *arg)
{
	struct ev_timer	*t = *(struct ev_timer **)arg;

	spin_count++;
	ev_timer_in(t, 0);
}

static void
test_timer_rearm_now(void **state)
{
	struct ev	*ev = ev_new();
	struct ev_timer	*t;
	int		 n;

	t = ev_timer_new(ev, cb_spin, &t);
	spin_count = 0;
	ev_timer_in(t, 0);
	n = ev_run_once(ev, 0);
	assert_int_equal(n, 1);
	assert_int_equal(spin_count, 1);
	assert_true(ev_timer_pending(t));
	ev_run_once(ev, 0);
	assert_int_equal(spin_count, 2);
	ev_timer_free(t);
	ev_free(ev);
}

static void
cb_break(void *arg)
{
	ev_break(arg);
}

static void
test_timer_accuracy_and_break(void **state)
{
	struct ev	*ev = ev_new();
	struct ev_timer	*t = ev_timer_new(ev, cb_break, ev);
	struct ev_timer	*never = ev_timer_new(ev, cb_a, NULL);
	int64_t		 start;

	fired_a = 0;
	start = ev_now_update(ev);
	ev_timer_in(t, 20000);
	ev_timer_in(never, 60 * 1000000LL);
	assert_int_equal(ev_run(ev), 0);	/* returns by ev_break */
	assert_true(ev_now(ev) - start >= 20000);
	assert_true(ev_now(ev) - start < 2000000);
	assert_int_equal(fired_a, 0);
	assert_true(ev_timer_pending(never));
	ev_timer_free(t);
	ev_timer_free(never);
	ev_free(ev);
}

/* fd watchers */

struct fdctx {
	struct ev_io	*w;
	struct ev_io	*victim;
	int		 calls;
	int		 last;
	int		 free_self;
};

static void
fd_cb(int fd, int events, void *arg)
{
	struct fdctx	*c = arg;
	char		 buf[64];

	c->calls++;
	c->last = events;
	if ((events & EV_READ) && read(fd, buf, sizeof(buf)) < 0)
		c->last |= 0x100;	/* noted, never expected */
	if (c->victim != NULL) {
		ev_io_free(c->victim);
		c->victim = NULL;
	}
	if (c->free_self) {
		ev_io_free(c->w);
		c->w = NULL;
	}
}

static void
test_fd_basic(void **state)
{
	struct ev	*ev = ev_new();
	struct fdctx	 c;
	int		 sp[2];

	memset(&c, 0, sizeof(c));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp), 0);
	c.w = ev_io_new(ev, sp[0], EV_READ, fd_cb, &c);
	assert_non_null(c.w);
	/* nothing to read: a zero wait returns with no event */
	assert_int_equal(ev_run_once(ev, 0), 0);
	assert_int_equal(c.calls, 0);
	assert_int_equal(write(sp[1], "x", 1), 1);
	assert_int_equal(ev_run_once(ev, 1000000), 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.last, EV_READ);
	/* writable right away once asked for */
	assert_int_equal(ev_io_set(c.w, EV_WRITE), 0);
	assert_int_equal(ev_run_once(ev, 1000000), 1);
	assert_int_equal(c.last, EV_WRITE);
	/* no interest: ev_run has nothing to wait for */
	assert_int_equal(ev_io_set(c.w, 0), 0);
	assert_int_equal(ev_run(ev), 0);
	assert_int_equal(c.calls, 2);
	/* a hang-up is reported to a reader, and without interest not at all */
	close(sp[1]);
	assert_int_equal(ev_run_once(ev, 0), 0);
	ev_io_set(c.w, EV_READ);
	c.free_self = 1;
	assert_int_equal(ev_run_once(ev, 1000000), 1);
	assert_null(c.w);
	assert_int_equal(ev_run(ev), 0);
	close(sp[0]);
	ev_free(ev);
}

/* two watchers ready in one batch; the first frees the second */
static void
test_fd_free_other_in_cb(void **state)
{
	struct ev	*ev = ev_new();
	struct fdctx	 c1, c2;
	int		 a[2], b[2];

	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
	c1.w = ev_io_new(ev, a[0], EV_WRITE, fd_cb, &c1);
	c2.w = ev_io_new(ev, b[0], EV_WRITE, fd_cb, &c2);
	/* whoever runs first frees the other */
	c1.victim = c2.w;
	c2.victim = c1.w;
	c1.free_self = c2.free_self = 0;
	assert_int_equal(ev_run_once(ev, 1000000), 1);
	assert_int_equal(c1.calls + c2.calls, 1);
	if (c1.calls) {
		ev_io_free(c1.w);
	} else {
		ev_io_free(c2.w);
	}
	assert_int_equal(ev_run(ev), 0);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	ev_free(ev);
}

/* fd closed and its number reused while the old watcher still exists */
static void
test_fd_reuse(void **state)
{
	struct ev	*ev = ev_new();
	struct fdctx	 old, nw;
	int		 a[2], b[2], fdnum;

	memset(&old, 0, sizeof(old));
	memset(&nw, 0, sizeof(nw));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
	old.w = ev_io_new(ev, a[0], EV_READ, fd_cb, &old);
	fdnum = a[0];
	close(a[0]);
	close(a[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
	assert_int_equal(b[0], fdnum);	/* lowest free number comes back */
	nw.w = ev_io_new(ev, b[0], EV_READ, fd_cb, &nw);
	assert_non_null(nw.w);
	/* freeing the stale watcher must not unhook the new one */
	ev_io_free(old.w);
	assert_int_equal(write(b[1], "y", 1), 1);
	assert_int_equal(ev_run_once(ev, 1000000), 1);
	assert_int_equal(nw.calls, 1);
	assert_int_equal(old.calls, 0);
	ev_io_free(nw.w);
	assert_int_equal(ev_run(ev), 0);
	close(b[0]);
	close(b[1]);
	ev_free(ev);
}

/* a new watcher on the same open fd before the old one is freed */
static void
test_fd_replace_open(void **state)
{
	struct ev	*ev = ev_new();
	struct fdctx	 old, nw;
	int		 sp[2];

	memset(&old, 0, sizeof(old));
	memset(&nw, 0, sizeof(nw));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp), 0);
	old.w = ev_io_new(ev, sp[0], EV_READ, fd_cb, &old);
	nw.w = ev_io_new(ev, sp[0], EV_READ, fd_cb, &nw);
	assert_non_null(nw.w);
	ev_io_free(old.w);
	assert_int_equal(write(sp[1], "r", 1), 1);
	assert_int_equal(ev_run_once(ev, 1000000), 1);
	assert_int_equal(nw.calls, 1);
	assert_int_equal(old.calls, 0);
	ev_io_free(nw.w);
	assert_int_equal(ev_run(ev), 0);
	close(sp[0]);
	close(sp[1]);
	ev_free(ev);
}

/* churn: the SNMP agent frees and re-creates its watchers constantly */
struct churn {
	struct ev	*ev;
	int		 sp[2];
	struct ev_io	*w;
	struct ev_timer	*t;
	int		 reads;
	int		 ticks;
};

static void
churn_io(int fd, int events, void *arg)
{
	struct churn	*c = arg;
	char		 buf[16];

	if (read(fd, buf, sizeof(buf)) > 0)
		c->reads++;
	/* drop and re-create the watcher from its own callback */
	ev_io_free(c->w);
	c->w = ev_io_new(c->ev, fd, EV_READ, churn_io, c);
}

static void
churn_timer(void *arg)
{
	struct churn	*c = arg;

	c->ticks++;
	if (write(c->sp[1], "z", 1) != 1)
		fail();
	ev_timer_free(c->t);
	if (c->ticks < 500) {
		c->t = ev_timer_new(c->ev, churn_timer, c);
		ev_timer_in(c->t, 0);
	} else {
		c->t = NULL;
		ev_io_free(c->w);
		c->w = NULL;
	}
}

static void
test_churn(void **state)
{
	struct churn	 c;
	int		 i;

	memset(&c, 0, sizeof(c));
	c.ev = ev_new();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, c.sp), 0);
	c.w = ev_io_new(c.ev, c.sp[0], EV_READ, churn_io, &c);
	c.t = ev_timer_new(c.ev, churn_timer, &c);
	ev_timer_in(c.t, 0);
	assert_int_equal(ev_run(c.ev), 0);
	assert_int_equal(c.ticks, 500);
	assert_true(c.reads > 0);
	close(c.sp[0]);
	close(c.sp[1]);

	/* and a storm of short-lived timers and watchers */
	for (i = 0; i < 20000; i++) {
		struct ev_timer	*t = ev_timer_new(c.ev, cb_a, NULL);
		struct ev_io	*w;
		int		 sp[2];

		ev_timer_in(t, random() % 1000);
		if (i % 3)
			ev_timer_stop(t);
		ev_timer_free(t);
		if (i % 50 == 0) {
			assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
			w = ev_io_new(c.ev, sp[0], EV_READ | EV_WRITE, fd_cb, NULL);
			assert_non_null(w);
			close(sp[0]);	/* closed before the watcher goes */
			close(sp[1]);
			ev_io_free(w);
		}
	}
	assert_int_equal(ev_run(c.ev), 0);
	ev_free(c.ev);
}

/* thousands of sockets in one loop */
struct many {
	int	 hits;
};

static void
many_cb(int fd, int events, void *arg)
{
	struct many	*m = arg;
	char		 b;

	if (read(fd, &b, 1) == 1)
		m->hits++;
}

static void
test_many_sockets(void **state)
{
	struct rlimit	 rl;
	struct ev	*ev = ev_new();
	struct many	 m = { 0 };
	struct ev_io	**w;
	int		(*sp)[2];
	int		 n = 5000, i, rounds = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)(2 * n + 64))
		n = (int)(rl.rlim_cur - 64) / 2;
	assert_true(n >= 500);
	w = calloc(n, sizeof(*w));
	sp = calloc(n, sizeof(*sp));
	for (i = 0; i < n; i++) {
		assert_int_equal(socketpair(AF_UNIX,
		    SOCK_STREAM | SOCK_NONBLOCK, 0, sp[i]), 0);
		w[i] = ev_io_new(ev, sp[i][0], EV_READ, many_cb, &m);
		assert_non_null(w[i]);
	}
	for (i = 0; i < n; i++)
		assert_int_equal(write(sp[i][1], "m", 1), 1);
	while (m.hits < n && rounds++ < 1000)
		ev_run_once(ev, 1000000);
	assert_int_equal(m.hits, n);
	for (i = 0; i < n; i++) {
		ev_io_free(w[i]);
		close(sp[i][0]);
		close(sp[i][1]);
	}
	assert_int_equal(ev_run(ev), 0);
	free(w);
	free(sp);
	ev_free(ev);
}

static int	 attach_freed;

static void
attach_free(void *p)
{
	attach_freed++;
	free(p);
}

static void
test_attach(void **state)
{
	struct ev	*ev = ev_new();
	static const char key[] = "k";
	void		*p = malloc(8);

	attach_freed = 0;
	assert_null(ev_attach_get(ev, key));
	assert_int_equal(ev_attach_set(ev, key, p, attach_free), 0);
	assert_ptr_equal(ev_attach_get(ev, key), p);
	ev_free(ev);
	assert_int_equal(attach_freed, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_stop),
		cmocka_unit_test(test_timer_free_in_cb),
		cmocka_unit_test(test_timer_rearm_now),
		cmocka_unit_test(test_timer_accuracy_and_break),
		cmocka_unit_test(test_fd_basic),
		cmocka_unit_test(test_fd_free_other_in_cb),
		cmocka_unit_test(test_fd_reuse),
		cmocka_unit_test(test_fd_replace_open),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_many_sockets),
		cmocka_unit_test(test_attach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * ev.c - epoll loop with a binary heap of one-shot timers.
 *
 * Watchers are found through a table indexed by fd, and every epoll
 * registration carries the fd plus a generation number instead of a
 * pointer.  An event for a watcher that was freed, or for an fd number
 * that was closed and reused by a newer watcher, therefore finds a
 * different generation and is dropped; nothing ever dereferences a
 * stale pointer, so any callback may free any watcher or timer,
 * including its own.
 */
#include "config.h"

#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"

#define EV_MAXEVENTS	256
#define EV_MAXATTACH	8

struct ev_io {
	struct ev	*ev;
	int		 fd;		/* -1: another watcher took the fd */
	int		 events;	/* interest */
	int		 registered;	/* in epoll */
	uint32_t	 gen;
	ev_io_cb	 cb;
	void		*arg;
};

struct heap_ent {
	int64_t		 when;
	uint64_t	 seq;		/* arming order, breaks ties */
	struct ev_timer	*t;
};

struct ev_timer {
	struct ev	*ev;
	size_t		 idx;		/* heap slot, or EV_NOT_PENDING */
	ev_timer_cb	 cb;
	void		*arg;
};
#define EV_NOT_PENDING	((size_t)-1)

struct ev_attach {
	const void	*key;
	void		*data;
	void		(*freefn)(void *);
};

struct ev {
	int		  epfd;
	int64_t		  now;
	int		  brk;
	uint32_t	  gen;
	struct ev_io	**fds;		/* indexed by fd */
	size_t		  nfds;
	size_t		  nactive;	/* watchers registered in epoll */
	/*
	 * The keys sit in the heap array itself: with ten thousand probe
	 * timers scattered over the heap of the allocator, comparing
	 * through the timer pointers cost a cache miss per level.
	 */
	struct heap_ent	 *heap;
	size_t		  nheap;
	size_t		  heapcap;
	uint64_t	  seq;
	struct ev_attach  attach[EV_MAXATTACH];
	size_t		  nattach;
};

static int64_t
mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct ev *
ev_new(void)
{
	struct ev	*ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	if ((ev->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(ev);
		return NULL;
	}
	ev->now = mono_us();
	return ev;
}

void
ev_free(struct ev *ev)
{
	size_t	 i;

	if (ev == NULL)
		return;
	/* attachments first, while their watchers can still be freed */
	for (i = ev->nattach; i > 0; i--) {
		struct ev_attach *a = &ev->attach[i - 1];

		if (a->freefn != NULL)
			a->freefn(a->data);
	}
	ev->nattach = 0;
	for (i = 0; i < ev->nheap; i++)
		ev->heap[i].t->idx = EV_NOT_PENDING;
	for (i = 0; i < ev->nfds; i++)
		if (ev->fds[i] != NULL)
			ev->fds[i]->fd = -1;
	close(ev->epfd);
	free(ev->fds);
	free(ev->heap);
	free(ev);
}

int64_t
ev_now(struct ev *ev)
{
	return ev->now;
}

int64_t
ev_now_update(struct ev *ev)
{
	ev->now = mono_us();
	return ev->now;
}

/* fd watchers */

static int
epoll_update(struct ev_io *w, int events)
{
	struct ev		*ev = w->ev;
	struct epoll_event	 ee;

	if (w->fd < 0)
		return 0;
	if (events == 0) {
		/*
		 * Unregister instead of watching nothing: epoll reports
		 * EPOLLHUP/EPOLLERR even for an empty mask, and level
		 * triggering would then spin.
		 */
		if (w->registered) {
			if (epoll_ctl(ev->epfd, EPOLL_CTL_DEL, w->fd, NULL) == -1 &&
			    errno != EBADF && errno != ENOENT)
				log_debug(LT_EV, "epoll del fd %d: %s", w->fd,
				    strerror(errno));
			w->registered = 0;
			ev->nactive--;
		}
		return 0;
	}
	memset(&ee, 0, sizeof(ee));
	ee.events = ((events & EV_READ) ? EPOLLIN | EPOLLRDHUP : 0) |
	    ((events & EV_WRITE) ? EPOLLOUT : 0);
	ee.data.u64 = ((uint64_t)w->gen << 32) | (uint32_t)w->fd;
	if (w->registered) {
		if (epoll_ctl(ev->epfd, EPOLL_CTL_MOD, w->fd, &ee) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
		/* the fd was closed and reopened under us: add again */
		w->registered = 0;
		ev->nactive--;
	}
	if (epoll_ctl(ev->epfd, EPOLL_CTL_ADD, w->fd, &ee) == -1) {
		if (errno != EEXIST ||
		    epoll_ctl(ev->epfd, EPOLL_CTL_MOD, w->fd, &ee) == -1)
			return -1;
	}
	w->registered = 1;
	ev->nactive++;
	return 0;
}

struct ev_io *
ev_io_new(struct ev *ev, int fd, int events, ev_io_cb cb, void *arg)
{
	struct ev_io	*w, *old;

	if (fd < 0 || cb == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((size_t)fd >= ev->nfds) {
		size_t		 n = ev->nfds ? ev->nfds : 64;
		struct ev_io	**p;

		while (n <= (size_t)fd)
			n *= 2;
		if ((p = reallocarray(ev->fds, n, sizeof(*p))) == NULL)
			return NULL;
		memset(p + ev->nfds, 0, (n - ev->nfds) * sizeof(*p));
		ev->fds = p;
		ev->nfds = n;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->ev = ev;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	w->gen = ++ev->gen;
	if ((old = ev->fds[fd]) != NULL) {
		/*
		 * The fd number was closed and reused while its old watcher
		 * lives on.  The new watcher owns the number now; the old
		 * one must never touch epoll again.
		 */
		if (old->registered)
			ev->nactive--;
		old->registered = 0;
		old->fd = -1;
		w->registered = 1;	/* MOD first, ADD if it is gone */
		ev->nactive++;
	}
	ev->fds[fd] = w;
	if (epoll_update(w, events & (EV_READ | EV_WRITE)) == -1) {
		int	 saved = errno;

		if (w->registered)
			ev->nactive--;
		ev->fds[fd] = NULL;
		free(w);
		errno = saved;
		return NULL;
	}
	w->events = events & (EV_READ | EV_WRITE);
	return w;
}

int
ev_io_set(struct ev_io *w, int events)
{
	events &= EV_READ | EV_WRITE;
	if (w->fd >= 0 && (events != w->events || (events && !w->registered))) {
		if (epoll_update(w, events) == -1)
			return -1;
	}
	w->events = events;
	return 0;
}

void
ev_io_free(struct ev_io *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0) {
		epoll_update(w, 0);
		if ((size_t)w->fd < w->ev->nfds && w->ev->fds[w->fd] == w)
			w->ev->fds[w->fd] = NULL;
	}
	free(w);
}

/* timers: a binary min-heap ordered by (when, seq) */

static int
ent_before(const struct heap_ent *a, const struct heap_ent *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	return a->seq < b->seq;
}

static void
heap_set(struct ev *ev, size_t i, const struct heap_ent *e)
{
	ev->heap[i] = *e;
	e->t->idx = i;
}

static void
heap_up(struct ev *ev, size_t i)
{
	struct heap_ent	 e = ev->heap[i];

	while (i > 0) {
		size_t	 parent = (i - 1) / 2;

		if (!ent_before(&e, &ev->heap[parent]))
			break;
		heap_set(ev, i, &ev->heap[parent]);
		i = parent;
	}
	heap_set(ev, i, &e);
}

static void
heap_down(struct ev *ev, size_t i)
{
	struct heap_ent	 e = ev->heap[i];

	for (;;) {
		size_t	 c = 2 * i + 1;

		if (c >= ev->nheap)
			break;
		if (c + 1 < ev->nheap &&
		    ent_before(&ev->heap[c + 1], &ev->heap[c]))
			c++;
		if (!ent_before(&ev->heap[c], &e))
			break;
		heap_set(ev, i, &ev->heap[c]);
		i = c;
	}
	heap_set(ev, i, &e);
}

static void
heap_remove(struct ev *ev, struct ev_timer *t)
{
	size_t	 i = t->idx;

	t->idx = EV_NOT_PENDING;
	if (--ev->nheap == i)
		return;
	heap_set(ev, i, &ev->heap[ev->nheap]);
	if (i > 0 && ent_before(&ev->heap[i], &ev->heap[(i - 1) / 2]))
		heap_up(ev, i);
	else
		heap_down(ev, i);
}

struct ev_timer *
ev_timer_new(struct ev *ev, ev_timer_cb cb, void *arg)
{
	struct ev_timer	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ev = ev;
	t->cb = cb;
	t->arg = arg;
	t->idx = EV_NOT_PENDING;
	return t;
}

void
ev_timer_at(struct ev_timer *t, int64_t when_us)
{
	struct ev	*ev = t->ev;
	struct heap_ent	 e;

	if (t->idx != EV_NOT_PENDING)
		heap_remove(ev, t);
	if (ev->nheap == ev->heapcap) {
		size_t		  n = ev->heapcap ? ev->heapcap * 2 : 64;
		struct heap_ent	 *p;

		if ((p = reallocarray(ev->heap, n, sizeof(*p))) == NULL) {
			/* nothing sane to do but say so loudly */
			log_warnx("ev: out of memory arming a timer");
			return;
		}
		ev->heap = p;
		ev->heapcap = n;
	}
	e.when = when_us;
	e.seq = ev->seq++;
	e.t = t;
	heap_set(ev, ev->nheap++, &e);
	heap_up(ev, t->idx);
}

void
ev_timer_in(struct ev_timer *t, int64_t delay_us)
{
	ev_timer_at(t, t->ev->now + (delay_us > 0 ? delay_us : 0));
}

void
ev_timer_stop(struct ev_timer *t)
{
	if (t != NULL && t->idx != EV_NOT_PENDING)
		heap_remove(t->ev, t);
}

int
ev_timer_pending(const struct ev_timer *t)
{
	return t != NULL && t->idx != EV_NOT_PENDING;
}

void
ev_timer_free(struct ev_timer *t)
{
	if (t == NULL)
		return;
	ev_timer_stop(t);
	free(t);
}

/* the loop */

static int
run_timers(struct ev *ev)
{
	uint64_t	 limit = ev->seq;
	int		 n = 0;

	/*
	 * Only timers armed before this pass may fire in it, so a
	 * callback re-arming itself for "now" cannot starve the loop.
	 */
	while (ev->nheap > 0) {
		struct ev_timer	*t = ev->heap[0].t;

		if (ev->heap[0].when > ev->now || ev->heap[0].seq >= limit)
			break;
		heap_remove(ev, t);
		n++;
		t->cb(t->arg);	/* may free t or any other timer */
	}
	return n;
}

int
ev_run_once(struct ev *ev, int64_t max_wait_us)
{
	struct epoll_event	 ee[EV_MAXEVENTS];
	int64_t			 wait = max_wait_us;
	int			 i, n, ms, done = 0;

	ev_now_update(ev);
	if (ev->nheap > 0) {
		int64_t	 due = ev->heap[0].when - ev->now;

		if (due < 0)
			due = 0;
		if (wait < 0 || due < wait)
			wait = due;
	}
	if (wait < 0)
		ms = -1;
	else if (wait > (int64_t)INT32_MAX * 1000)
		ms = INT32_MAX;
	else
		ms = (int)((wait + 999) / 1000);	/* never wake early */

	n = epoll_wait(ev->epfd, ee, EV_MAXEVENTS, ms);
	if (n == -1) {
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	ev_now_update(ev);
	for (i = 0; i < n; i++) {
		uint32_t	 fd = (uint32_t)ee[i].data.u64;
		uint32_t	 gen = (uint32_t)(ee[i].data.u64 >> 32);
		uint32_t	 e = ee[i].events;
		struct ev_io	*w;
		int		 what = 0;

		if (fd >= ev->nfds || (w = ev->fds[fd]) == NULL ||
		    w->gen != gen || !w->registered)
			continue;	/* freed or replaced meanwhile */
		if (e & (EPOLLIN | EPOLLRDHUP | EPOLLPRI))
			what |= EV_READ;
		if (e & EPOLLOUT)
			what |= EV_WRITE;
		if (e & (EPOLLERR | EPOLLHUP))
			what |= EV_READ | EV_WRITE;
		what &= w->events;
		if (what == 0)
			continue;
		done++;
		w->cb((int)fd, what, w->arg);	/* may free w */
	}
	done += run_timers(ev);
	return done;
}

int
ev_run(struct ev *ev)
{
	ev->brk = 0;
	while (!ev->brk) {
		if (ev->nactive == 0 && ev->nheap == 0)
			break;
		if (ev_run_once(ev, -1) == -1)
			return -1;
	}
	ev->brk = 0;
	return 0;
}

void
ev_break(struct ev *ev)
{
	ev->brk = 1;
}

void *
ev_attach_get(struct ev *ev, const void *key)
{
	size_t	 i;

	for (i = 0; i < ev->nattach; i++)
		if (ev->attach[i].key == key)
			return ev->attach[i].data;
	return NULL;
}

int
ev_attach_set(struct ev *ev, const void *key, void *data,
    void (*freefn)(void *))
{
	size_t	 i;

	for (i = 0; i < ev->nattach; i++)
		if (ev->attach[i].key == key)
			break;
	if (i == ev->nattach) {
		if (data == NULL)
			return 0;
		if (ev->nattach == EV_MAXATTACH) {
			errno = ENOSPC;
			return -1;
		}
		ev->nattach++;
	} else if (data == NULL) {
		/* detach: the caller takes the data back */
		ev->attach[i] = ev->attach[--ev->nattach];
		return 0;
	}
	ev->attach[i].key = key;
	ev->attach[i].data = data;
	ev->attach[i].freefn = freefn;
	return 0;
}

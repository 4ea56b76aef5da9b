/*
 * ev.h - the single event loop every socket and timer of mailmon lives in.
 *
 * epoll for file descriptors (no FD_SETSIZE limit: the engine runs
 * thousands of probes, and Net-SNMP's own fds land above 1023 after a
 * reconnect), plus a binary heap of one-shot timers.  Single-threaded.
 */
#ifndef MAILMON_EV_H
#define MAILMON_EV_H

#include <stdint.h>

struct ev;
struct ev_io;
struct ev_timer;

#define EV_READ		0x01
#define EV_WRITE	0x02

typedef void (*ev_io_cb)(int fd, int events, void *arg);
typedef void (*ev_timer_cb)(void *arg);

struct ev	*ev_new(void);
void		 ev_free(struct ev *);

/* monotonic clock, microseconds; refreshed once per loop iteration */
int64_t		 ev_now(struct ev *);
/* re-read the clock (for timings taken in the middle of a callback) */
int64_t		 ev_now_update(struct ev *);

/* watch fd for events (EV_READ|EV_WRITE); returns NULL on error */
struct ev_io	*ev_io_new(struct ev *, int fd, int events, ev_io_cb, void *arg);
int		 ev_io_set(struct ev_io *, int events);	/* change interest */
void		 ev_io_free(struct ev_io *);			/* stop watching */

/* one-shot timers: armed with an absolute monotonic time in microseconds */
struct ev_timer	*ev_timer_new(struct ev *, ev_timer_cb, void *arg);
void		 ev_timer_at(struct ev_timer *, int64_t when_us);
void		 ev_timer_in(struct ev_timer *, int64_t delay_us);
void		 ev_timer_stop(struct ev_timer *);
int		 ev_timer_pending(const struct ev_timer *);
void		 ev_timer_free(struct ev_timer *);

/* run one iteration: wait at most max_wait_us (-1 = until an event) */
int		 ev_run_once(struct ev *, int64_t max_wait_us);
/* run until ev_break() or until nothing is left to wait for */
int		 ev_run(struct ev *);
void		 ev_break(struct ev *);

/*
 * Per-loop attachments (e.g. the DNS channel of this loop), looked up
 * by a key address.  ev_free() calls each freefn first, while the loop
 * is still intact, so it may free its own watchers and timers.
 */
void		*ev_attach_get(struct ev *, const void *key);
int		 ev_attach_set(struct ev *, const void *key, void *data,
		    void (*freefn)(void *));

#endif

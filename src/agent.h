/*
 * agent.h - the AgentX subagent: MAILMON-MIB served from memory.
 *
 * Only agent*.c include Net-SNMP headers.  The rest of the daemon hands
 * the agent a view of the monitors, sorted in SNMP index order, and
 * tells it about hard state changes.
 */
#ifndef MAILMON_AGENT_H
#define MAILMON_AGENT_H

#include <stddef.h>
#include <stdint.h>

struct ev;
struct monitor;

/* a read-only community of the built-in agent and where it may come from */
struct agent_community {
	const char	*name;		/* secret */
	const char	*source;	/* address, network/bits, host, default */
};

/* a receiver of the built-in agent's SNMPv2c notifications */
struct agent_trapsink {
	const char	*host;		/* HOST[:PORT] */
	const char	*community;	/* secret */
};

struct agent_opts {
	const char	*agentx_socket;	/* NULL = Net-SNMP default */
	int		 ping_interval;	/* seconds, default 15 */
	const char	*app_name;	/* Net-SNMP config file name, "mailmond" */
	int		 foreground;
	/*
	 * Set: no AgentX; the daemon is an SNMP agent itself on these
	 * Net-SNMP transport addresses (e.g. "udp:127.0.0.1:1161"), read
	 * with these communities, notifying these receivers.
	 */
	const char	*listen;
	const struct agent_community *community;
	size_t		 ncommunity;
	const struct agent_trapsink *trapsink;
	size_t		 ntrapsink;
};

/*
 * Rows are read through this callback at request time, so the agent
 * never holds stale pointers across a reload.  It returns the monitors
 * sorted by (name length, name bytes), the order of a non-IMPLIED
 * string index.
 */
typedef struct monitor *const *(*agent_rows_cb)(size_t *n, void *arg);

/*
 * 0 when the AgentX session is open.  -1 when it is not (yet): unless
 * the log says init failed, the agent keeps trying every ping interval
 * from the loop and notifications are queued until it connects.  With
 * opts->listen, 0 when the daemon listens, -2 when it cannot (fatal).
 */
int	 agent_init(struct ev *, const struct agent_opts *, agent_rows_cb,
	    void *arg);
void	 agent_shutdown(void);
/*
 * a hard state change: send mailmonProbeDown (new state not ok) or
 * mailmonProbeUp; queued while there is no AgentX session
 */
void	 agent_notify(const struct monitor *);
/* the table changed shape (reload): bump mailmonTableLastChange */
void	 agent_table_changed(void);
/*
 * The clock of the statistics windows (seconds): the scheduler's
 * sched_stats_clock_cb.  Without it, monotonic seconds.
 */
void	 agent_set_stats_clock(int64_t (*)(void *), void *arg);
/* the scheduler's load, served as the mailmonEngine scalars */
struct agent_engine {
	uint32_t	 inflight;
	uint32_t	 max_inflight;
	uint32_t	 waiting;
	uint64_t	 delayed;
	uint64_t	 internal;
};
void	 agent_set_engine_cb(void (*)(struct agent_engine *, void *),
	    void *arg);

/* sysUpTime of the master in 1/100 s (for TimeStamp columns) */
unsigned long agent_uptime(void);
/* 1 while an AgentX session to the master is open (always, standalone) */
int	 agent_connected(void);

#endif

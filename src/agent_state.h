/*
 * agent_state.h - the agent's process-wide state: whether Net-SNMP is set
 * up and connected, the daemon's callbacks for rows, clocks and engine
 * counters, and the TimeStamp bookkeeping across master restarts.
 * agent_core.c changes it; the rest of the agent reads it.
 */
#ifndef MAILMON_AGENT_STATE_H
#define MAILMON_AGENT_STATE_H

#include "agent_value.h"

struct ev;

struct agent_state {
	struct ev		*ev;
	agent_rows_cb		 rows_cb;
	void			*rows_arg;
	char			 app[64];
	int			 initialized;
	int			 stopping;
	int			 connected;
	int			 ever_connected;
	int64_t			(*clock_cb)(void *);
	void			*clock_arg;
	void			(*engine_cb)(struct agent_engine *, void *);
	void			*engine_arg;
	uint32_t		 table_change_ticks;
	time_t			 table_change_wall;
	/* TimeStamp bookkeeping across master restarts (RFC 2579) */
	time_t			 master_restart;
	unsigned long		 uptime_at_stop;
	netsnmp_handler_registration *reg;
};

extern struct agent_state agent;

/* current rows and clocks from the daemon (empty before agent_init) */
void	 agent_rows_get(struct agent_rows *);
/* the clocks alone (rows left empty), for a notification */
void	 agent_clock_get(struct agent_rows *);
/* 1 between agent_init() and agent_shutdown() */
int	 agent_running(void);
/* a TimeStamp of ticks taken at wall: 0 if before the master's restart */
uint32_t agent_timestamp(uint32_t ticks, time_t wall);
/* mailmonTableLastChange */
uint32_t agent_table_timestamp(void);
/* table TimeStamp and the wall clock of the last master restart */
void	 agent_set_clock(uint32_t table_ticks, time_t table_wall,
	    time_t restart);

#endif

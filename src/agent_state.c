/*
 * agent_state.c - the agent's process-wide state and clocks.
 *
 * What the rest of the agent asks at request time: the rows and the
 * clocks of this instant (from the daemon's callbacks), whether the
 * agent runs and is connected, sysUpTime, and the TimeStamp rules of
 * RFC 2579 across restarts of the master.  agent_core.c sets the state
 * as Net-SNMP reports sessions opening and closing.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "agent_state.h"

#include "ev.h"

struct agent_state agent;

/*
 * A TimeStamp taken before the master's last re-initialisation is
 * zero (RFC 2579): the old ticks belong to an uptime that is gone.
 */
uint32_t
agent_timestamp(uint32_t ticks, time_t wall)
{
	if (ticks == 0 || (agent.master_restart != 0 &&
	    wall < agent.master_restart))
		return 0;
	return ticks;
}

void
agent_clock_get(struct agent_rows *rows)
{
	rows->mono_us = agent.ev != NULL ? ev_now(agent.ev) : 0;
	rows->now = agent.clock_cb != NULL ? agent.clock_cb(agent.clock_arg) :
	    rows->mono_us / 1000000;
	rows->uptime = agent_uptime();
}

void
agent_rows_get(struct agent_rows *rows)
{
	rows->row = NULL;
	rows->n = 0;
	agent_clock_get(rows);
	if (agent.rows_cb != NULL && !agent.stopping)
		rows->row = agent.rows_cb(&rows->n, agent.rows_arg);
	if (rows->row == NULL)
		rows->n = 0;
	rows->have_engine = 0;
	if (agent.engine_cb != NULL && !agent.stopping) {
		memset(&rows->engine, 0, sizeof(rows->engine));
		agent.engine_cb(&rows->engine, agent.engine_arg);
		rows->have_engine = 1;
	}
}

void
agent_set_engine_cb(void (*cb)(struct agent_engine *, void *), void *arg)
{
	agent.engine_cb = cb;
	agent.engine_arg = arg;
}

uint32_t
agent_table_timestamp(void)
{
	return agent_timestamp(agent.table_change_ticks,
	    agent.table_change_wall);
}

void
agent_table_changed(void)
{
	agent.table_change_ticks = (uint32_t)agent_uptime();
	agent.table_change_wall = time(NULL);
}

unsigned long
agent_uptime(void)
{
	if (!agent.initialized)
		return 0;
	return (unsigned long)(uint32_t)netsnmp_get_agent_uptime();
}

int
agent_connected(void)
{
	return agent.initialized && agent.connected;
}

int
agent_running(void)
{
	return agent.initialized && !agent.stopping;
}

void
agent_set_stats_clock(int64_t (*cb)(void *), void *arg)
{
	agent.clock_cb = cb;
	agent.clock_arg = arg;
}

/* TimeStamp bookkeeping, set directly by the unit tests */
void
agent_set_clock(uint32_t table_ticks, time_t table_wall, time_t restart)
{
	agent.table_change_ticks = table_ticks;
	agent.table_change_wall = table_wall;
	agent.master_restart = restart;
}

/*
 * agent_stats.h - the cells of mailmonStatsTable and
 * mailmonHistoryTable.
 */
#ifndef MAILMON_AGENT_STATS_H
#define MAILMON_AGENT_STATS_H

#include "agent_value.h"

struct history_entry;

/* one cell of mailmonStatsTable; -1 when it has no instance */
int	 agent_stats_value(int col, const struct agent_rows *,
	    const struct monitor *, struct agent_value *);
/* one cell of mailmonHistoryTable */
int	 agent_history_value(int col, const struct history_entry *,
	    struct agent_value *);

#endif

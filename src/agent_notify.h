/*
 * agent_notify.h - mailmonProbeDown / mailmonProbeUp
 * notifications, and their queue while the master is away.
 */
#ifndef MAILMON_AGENT_NOTIFY_H
#define MAILMON_AGENT_NOTIFY_H

#include "agent_value.h"

struct ev;

/* agent_notify.c: notification building and the disconnected queue */
netsnmp_variable_list *agent_notify_build(const struct agent_rows *clock,
	    const struct monitor *);
void	 agent_notify_submit(netsnmp_variable_list *);
void	 agent_notify_flush(void);
void	 agent_notify_flush_later(void);
int	 agent_notify_init(struct ev *);
void	 agent_notify_free(void);
size_t	 agent_notify_queued(void);

#endif

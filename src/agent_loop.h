/*
 * agent_loop.h - Net-SNMP's sockets and alarms inside our
 * event loop.
 */
#ifndef MAILMON_AGENT_LOOP_H
#define MAILMON_AGENT_LOOP_H

struct ev;

/* agent_loop.c: Net-SNMP fds and alarms inside the ev loop */
int	 agent_loop_init(struct ev *);
void	 agent_loop_sync(void);
/* a Net-SNMP session opened or closed: watchers must be made anew */
void	 agent_loop_session_changed(void);
void	 agent_loop_free(void);
/* bound a Net-SNMP call that may block in connect() to the master */
void	 agent_guard_begin(void);
void	 agent_guard_end(void);

#endif

/*
 * agent_listen.h - mailmond as an SNMP agent itself
 * (snmp-listen).
 */
#ifndef MAILMON_AGENT_LISTEN_H
#define MAILMON_AGENT_LISTEN_H

#include "agent_value.h"

/*
 * agent_listen.c: the daemon as an SNMP agent itself.  _prepare() goes
 * between init_agent() and init_snmp() (access tokens, communities,
 * receivers, sysUpTime), _start() after init_snmp() (opens the ports).
 */
#define CONF_LISTEN_LINE_MAX	512
int	 agent_listen_prepare(const struct agent_opts *);
int	 agent_listen_start(const struct agent_opts *);

#endif

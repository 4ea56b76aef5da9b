/*
 * agent_direct.h - AgentX reads of MAILMON-MIB answered on the
 * session.
 */
#ifndef MAILMON_AGENT_DIRECT_H
#define MAILMON_AGENT_DIRECT_H

#include "agent_value.h"

/*
 * agent_direct.c: AgentX GET/GETNEXT within mailmonMIB answered on the
 * session.  _ours() says whether a request PDU qualifies, _answer()
 * builds its response (NULL without memory), _attach() hooks a new
 * AgentX session (and its transport's receive, at every connection),
 * _count() is how many reads were answered so (and how many were left
 * to the library).
 */
int	 agent_direct_ours(const netsnmp_pdu *);
netsnmp_pdu *agent_direct_answer(const struct agent_rows *, netsnmp_pdu *,
	    long version);
void	 agent_direct_attach(netsnmp_session *);
unsigned long agent_direct_count(unsigned long *relayed);

#endif

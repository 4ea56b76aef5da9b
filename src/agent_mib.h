/*
 * agent_mib.h - MAILMON-MIB's objects as values: the variable table, the
 * cells of mailmonProbeTable and the scalars, and GET/GETNEXT over them
 * and over the statistics, history and target objects.  Free of Net-SNMP
 * request structures: the handler (agent_core.c), the direct AgentX path
 * (agent_direct.c) and the notifications (agent_notify.c) call in here.
 */
#ifndef MAILMON_AGENT_MIB_H
#define MAILMON_AGENT_MIB_H

#include "agent_value.h"

/*
 * One entry of the variable table: the OID under mailmonMIB, and for
 * table columns the column number.  Instances: scalar.0,
 * column.<name length>.<name bytes>, or for the history table
 * column.<name length>.<name bytes>.<number>.
 */
struct agent_var {
	int		 magic;		/* column number, or enum agent_scalar */
	int		 table;		/* enum agent_table */
	size_t		 len;
	oid		 sub[4];
};

extern const struct agent_var	 agent_vars[];
extern const size_t		 agent_nvars;

/* one cell of mailmonProbeTable; -1 when it has no instance */
int	 agent_row_value(int col, const struct monitor *,
	    struct agent_value *);
int	 agent_scalar_value(int magic, const struct agent_rows *,
	    struct agent_value *);
/* 0, or SNMP_NOSUCHOBJECT / SNMP_NOSUCHINSTANCE */
int	 agent_get(const struct agent_rows *, const oid *name, size_t len,
	    struct agent_value *);
/* 0 with out/outlen/val set, or -1 past the end of mailmonMIB */
int	 agent_getnext(const struct agent_rows *, const oid *name,
	    size_t len, oid *out, size_t *outlen, struct agent_value *);

#endif

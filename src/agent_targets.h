/*
 * agent_targets.h - mailmonTargetTable, mailmonTargetCount and
 * mailmonTargetSummaryTable.
 */
#ifndef MAILMON_AGENT_TARGETS_H
#define MAILMON_AGENT_TARGETS_H

#include "agent_value.h"

struct target_entry;

/* agent_targets.c's variable table: kinds of its variables */
enum agent_tv_kind {
	TV_TARGET = 0,		/* a column of mailmonTargetTable */
	TV_COUNT,		/* mailmonTargetCount */
	TV_SUMMARY		/* a column of mailmonTargetSummaryTable */
};

struct agent_tvar {
	enum agent_tv_kind kind;
	int		 col;
	size_t		 len;		/* of sub, below mailmonMIB */
	oid		 sub[5];
};

extern const struct agent_tvar	 agent_tvars[];
extern const size_t		 agent_ntvars;

/*
 * agent_targets.c: mailmonTargetTable, mailmonTargetCount and
 * mailmonTargetSummaryTable, all after agent_mib.c's objects in OID order.
 * Same conventions as agent_get()/agent_getnext() above.
 */
int	 agent_targets_get(const struct agent_rows *, const oid *name,
	    size_t len, struct agent_value *);
int	 agent_targets_getnext(const struct agent_rows *, const oid *name,
	    size_t len, oid *out, size_t *outlen, struct agent_value *);
/* one cell; -1 when it has no instance */
int	 agent_target_value(int col, const struct monitor *,
	    const struct target_entry *, struct agent_value *);
int	 agent_target_summary_value(int col, const struct monitor *,
	    struct agent_value *);

#endif

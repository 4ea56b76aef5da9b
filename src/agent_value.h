/*
 * agent_value.h - the ground the MAILMON-MIB code stands on: its OIDs and
 * column numbers, the rows and clocks of one request, one produced
 * value and the helpers that build values.  Includes Net-SNMP headers,
 * so only agent_*.c and tests/unit/test_agent.c may include it.
 */
#ifndef MAILMON_AGENT_VALUE_H
#define MAILMON_AGENT_VALUE_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/agent/agent_sysORTable.h>
#include <net-snmp/library/large_fd_set.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "agent.h"

struct monitor;

/* MAILMON-MIB::mailmonMIB = enterprises.2789.5 (serviceInfo) */
#define AGENT_ROOT		1, 3, 6, 1, 4, 1, 2789, 5
#define AGENT_ROOT_LEN		8
/*
 * the longest OID we produce: entry column (mailmonTargetSummaryEntry
 * has 5 sub-identifiers below the root) + length + 32 name bytes + the
 * target index of mailmonTargetTable or the history sequence number
 */
#define AGENT_OID_MAX		(AGENT_ROOT_LEN + 5 + 1 + 32 + 1)

/* where a variable lives, and so what its instance part is */
enum agent_table {
	TAB_SCALAR = 0,		/* .0 */
	TAB_PROBE,		/* mailmonProbeTable: the name */
	TAB_STATS,		/* mailmonStatsTable: the name (AUGMENTS) */
	TAB_HISTORY,		/* mailmonHistoryTable: the name, a number */
	TAB_TSUMMARY		/* mailmonTargetSummaryTable: the name */
};

/* column numbers of mailmonProbeEntry (MAILMON-MIB) */
enum agent_col {
	COL_NAME = 1,		/* index, not-accessible */
	COL_HOST,
	COL_PORT,
	COL_PROTOCOL,
	COL_TLSMODE,
	COL_STATUS,
	COL_PREVSTATUS,
	COL_LASTSTATUS,
	COL_FAILCLASS,
	COL_REASON,
	COL_REPLYCODE,
	COL_REPLYTEXT,
	COL_ADDRESS,
	COL_LATENCY,
	COL_DNSTIME,
	COL_CONNECTTIME,
	COL_TLSTIME,
	COL_GREETINGTIME,
	COL_HELLOTIME,
	COL_STARTTLSTIME,
	COL_AUTHTIME,
	COL_MAILTIME,
	COL_QUITTIME,
	COL_DELIVERYLATENCY,
	COL_DELIVERYTOKEN,
	COL_CERTDAYS,
	COL_LASTCHECK,
	COL_LASTCHANGE,
	COL_CONSECFAIL,
	COL_CHECKS,
	COL_FAILURES,
	COL_LAST
};

/* column numbers of mailmonTargetEntry (MAILMON-MIB) */
enum agent_tcol {
	TCOL_INDEX = 1,		/* index, not-accessible */
	TCOL_EXCHANGE,
	TCOL_PREFERENCE,
	TCOL_ORIGIN,
	TCOL_ALIAS,
	TCOL_FAMILY,
	TCOL_ADDRTYPE,
	TCOL_ADDRESS,
	TCOL_ADDRTEXT,
	TCOL_STATUS,
	TCOL_FAILCLASS,
	TCOL_REASON,
	TCOL_REPLYCODE,
	TCOL_LATENCY,
	TCOL_CERTDAYS,
	TCOL_LAST
};

/* column numbers of mailmonTargetSummaryEntry (MAILMON-MIB) */
enum agent_sumcol {
	SUMCOL_DNS = 1,
	SUMCOL_TARGETS,
	SUMCOL_FAILING,
	SUMCOL_FAILED,
	SUMCOL_LAST
};

/* column numbers of mailmonStatsEntry (MAILMON-MIB) */
enum agent_stats_col {
	SCOL_HOURRESULTS = 1,
	SCOL_HOURFAILURES,
	SCOL_HOURAVAIL,
	SCOL_HOURLATMIN,
	SCOL_HOURLATAVG,
	SCOL_HOURLATMAX,
	SCOL_HOURLATP95,
	SCOL_HOUROUTAGE,
	SCOL_DAYRESULTS,
	SCOL_DAYFAILURES,
	SCOL_DAYAVAIL,
	SCOL_DAYLATMIN,
	SCOL_DAYLATAVG,
	SCOL_DAYLATMAX,
	SCOL_DAYOUTAGE,
	SCOL_LASTOK,
	SCOL_LASTFAIL,
	SCOL_LASTFAILCLASS,
	SCOL_DISCONTINUITY,
	SCOL_HISTORYSIZE,
	SCOL_LAST
};

/* column numbers of mailmonHistoryEntry (MAILMON-MIB) */
enum agent_hist_col {
	HCOL_INDEX = 1,		/* index, not-accessible */
	HCOL_TIME,
	HCOL_STATUS,
	HCOL_FAILCLASS,
	HCOL_REPLYCODE,
	HCOL_LATENCY,
	HCOL_DELIVERYLATENCY,
	HCOL_LAST
};

/* scalars, by their "magic" in the variable table */
enum agent_scalar {
	SC_SERMAILPORT = 100,
	SC_PROBECOUNT,
	SC_TABLELASTCHANGE,
	SC_ENG_INFLIGHT,	/* mailmonEngine */
	SC_ENG_MAXINFLIGHT,
	SC_ENG_WAITING,
	SC_ENG_DELAYED,
	SC_ENG_INTERNAL
};

/*
 * The monitors and the clocks as seen by one request: every value of
 * one PDU is computed at the same instant.
 */
struct agent_rows {
	struct monitor *const	*row;
	size_t			 n;
	int64_t			 now;		/* stats clock, seconds */
	int64_t			 mono_us;	/* ev clock, microseconds */
	unsigned long		 uptime;	/* sysUpTime, 1/100 s */
	int			 have_engine;	/* engine below is valid */
	struct agent_engine	 engine;
};

/* one produced value; str points into the monitor or into buf */
struct agent_value {
	u_char			 type;		/* ASN_* */
	long			 integer;	/* INTEGER, Gauge32, TimeTicks */
	struct counter64	 c64;
	const u_char		*str;
	size_t			 len;
	u_char			 buf[16];	/* DateAndTime */
};

/* value builders */
void	 v_int(struct agent_value *, u_char type, long);
void	 v_gauge64(struct agent_value *, int64_t);
void	 v_counter64(struct agent_value *, uint64_t);
/* at most max bytes of s, cut to cap */
void	 v_string(struct agent_value *, const char *s, size_t max, size_t cap);
int	 v_dateandtime(struct agent_value *, time_t);
int	 v_status(struct agent_value *, int status);
int	 v_failclass(struct agent_value *, int fail);

/* the instance part of a row named name; 0 if the MIB cannot carry it */
size_t	 agent_index_oid(const char *name, oid *out, size_t outmax);
/* mailmonMIB followed by sub: the OID of a variable; its length */
size_t	 agent_sub_oid(const oid *sub, size_t len, oid *out);
/* 1 when name starts with pfx */
int	 agent_has_prefix(const oid *name, size_t len, const oid *pfx,
	    size_t pfxlen);
/* a value into a varbind */
void	 agent_set_var(netsnmp_variable_list *, const struct agent_value *);
/* a TimeStamp for an event at ev clock time at_us (0 if before sysUpTime) */
uint32_t agent_timestamp_at(const struct agent_rows *, int64_t at_us);

#endif

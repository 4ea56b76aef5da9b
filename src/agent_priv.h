/*
 * agent_priv.h - what agent.c, agent_loop.c and agent_notify.c share,
 * and what the unit tests call directly.  Includes Net-SNMP headers, so
 * only agent*.c and tests/unit/test_agent.c may include it.
 */
#ifndef MAILMON_AGENT_PRIV_H
#define MAILMON_AGENT_PRIV_H

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

struct ev;
struct history_entry;
struct monitor;
struct target_entry;

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

/* agent.c: the request engine, free of Net-SNMP request structures */
size_t	 agent_index_oid(const char *name, oid *out, size_t outmax);
/* 1 when name starts with pfx */
int	 agent_has_prefix(const oid *name, size_t len, const oid *pfx,
	    size_t pfxlen);
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
/* a value into a varbind */
void	 agent_set_var(netsnmp_variable_list *, const struct agent_value *);

/*
 * agent_direct.c: AgentX GET/GETNEXT within mailmonMIB answered on the
 * session.  _ours() says whether a request PDU qualifies, _answer()
 * builds its response (NULL without memory), _attach() hooks a new
 * AgentX session, _count() is how many reads were answered so (and how
 * many were left to the library).
 */
int	 agent_direct_ours(const netsnmp_pdu *);
netsnmp_pdu *agent_direct_answer(const struct agent_rows *, netsnmp_pdu *,
	    long version);
void	 agent_direct_attach(netsnmp_session *);
unsigned long agent_direct_count(unsigned long *relayed);

/*
 * agent_listen.c: the daemon as an SNMP agent itself.  _prepare() goes
 * between init_agent() and init_snmp() (access tokens, communities,
 * receivers, sysUpTime), _start() after init_snmp() (opens the ports).
 */
#define CONF_LISTEN_LINE_MAX	512
int	 agent_listen_prepare(const struct agent_opts *);
int	 agent_listen_start(const struct agent_opts *);

/* current rows and clocks from the daemon (empty before agent_init) */
void	 agent_rows_get(struct agent_rows *);
/* the clocks alone (rows left empty), for a notification */
void	 agent_clock_get(struct agent_rows *);

/* value helpers shared by agent.c and agent_stats.c */
void	 v_int(struct agent_value *, u_char type, long);
void	 v_gauge64(struct agent_value *, int64_t);
int	 v_dateandtime(struct agent_value *, time_t);
int	 v_status(struct agent_value *, int status);
int	 v_failclass(struct agent_value *, int fail);

/* agent_stats.c: mailmonStatsTable and mailmonHistoryTable cells */
int	 agent_stats_value(int col, const struct agent_rows *,
	    const struct monitor *, struct agent_value *);
int	 agent_history_value(int col, const struct history_entry *,
	    struct agent_value *);
/* a TimeStamp for an event at ev clock time at_us (0 if before sysUpTime) */
uint32_t agent_timestamp_at(const struct agent_rows *, int64_t at_us);
/* 1 between agent_init() and agent_shutdown() */
int	 agent_running(void);
/* table TimeStamp and the wall clock of the last master restart */
void	 agent_set_clock(uint32_t table_ticks, time_t table_wall,
	    time_t restart);

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
 * mailmonTargetSummaryTable, all after agent.c's objects in OID order.
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

/* agent_loop.c: Net-SNMP fds and alarms inside the ev loop */
int	 agent_loop_init(struct ev *);
void	 agent_loop_sync(void);
/* a Net-SNMP session opened or closed: watchers must be made anew */
void	 agent_loop_session_changed(void);
void	 agent_loop_free(void);
/* bound a Net-SNMP call that may block in connect() to the master */
void	 agent_guard_begin(void);
void	 agent_guard_end(void);

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

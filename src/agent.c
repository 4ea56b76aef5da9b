/*
 * agent.c - the AgentX subagent: MAILMON-MIB served from memory.
 *
 * One handler owns the whole mailmonMIB subtree.  A request is resolved
 * in two steps, as lldpd's agent.c does: find the variable and the row
 * (h_), then produce the value (v_).  Rows come from the daemon at
 * request time, sorted in index order, so a row is found by binary
 * search and a GET never waits for a probe.
 *
 * Three tables share the probe name as (first) index: mailmonProbeTable,
 * mailmonStatsTable (AUGMENTS it; values in agent_stats.c) and
 * mailmonHistoryTable, whose rows are the probe's history entries under
 * a second index, their sequence number.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "agent_priv.h"

#include "agent.h"
#include "ev.h"
#include "history.h"
#include "log.h"
#include "monitor.h"
#include "util.h"

static oid agent_root[] = { AGENT_ROOT };

static struct {
	struct ev		*ev;
	agent_rows_cb		 rows_cb;
	void			*rows_arg;
	char			 app[64];
	int			 initialized;
	int			 stopping;
	int			 connected;
	int			 ever_connected;
	int64_t			(*clock_cb)(void *);
	void			*clock_arg;
	void			(*engine_cb)(struct agent_engine *, void *);
	void			*engine_arg;
	uint32_t		 table_change_ticks;
	time_t			 table_change_wall;
	/* TimeStamp bookkeeping across master restarts (RFC 2579) */
	time_t			 master_restart;
	unsigned long		 uptime_at_stop;
	netsnmp_handler_registration *reg;
} agent;

#define COL(c)	{ (c), TAB_PROBE, 4, { 2, 3, 1, (c) } }
#define SCOL(c)	{ (c), TAB_STATS, 4, { 2, 4, 1, (c) } }
#define HCOL(c)	{ (c), TAB_HISTORY, 4, { 2, 5, 1, (c) } }

/* keep this structure ordered by increasing OID */
const struct agent_var agent_vars[] = {
	{ SC_SERMAILPORT, TAB_SCALAR, 1, { 1 } },
	{ SC_PROBECOUNT, TAB_SCALAR, 2, { 2, 1 } },
	{ SC_TABLELASTCHANGE, TAB_SCALAR, 2, { 2, 2 } },
	COL(COL_HOST),
	COL(COL_PORT),
	COL(COL_PROTOCOL),
	COL(COL_TLSMODE),
	COL(COL_STATUS),
	COL(COL_PREVSTATUS),
	COL(COL_LASTSTATUS),
	COL(COL_FAILCLASS),
	COL(COL_REASON),
	COL(COL_REPLYCODE),
	COL(COL_REPLYTEXT),
	COL(COL_ADDRESS),
	COL(COL_LATENCY),
	COL(COL_DNSTIME),
	COL(COL_CONNECTTIME),
	COL(COL_TLSTIME),
	COL(COL_GREETINGTIME),
	COL(COL_HELLOTIME),
	COL(COL_STARTTLSTIME),
	COL(COL_AUTHTIME),
	COL(COL_MAILTIME),
	COL(COL_QUITTIME),
	COL(COL_DELIVERYLATENCY),
	COL(COL_DELIVERYTOKEN),
	COL(COL_CERTDAYS),
	COL(COL_LASTCHECK),
	COL(COL_LASTCHANGE),
	COL(COL_CONSECFAIL),
	COL(COL_CHECKS),
	COL(COL_FAILURES),
	SCOL(SCOL_HOURRESULTS),
	SCOL(SCOL_HOURFAILURES),
	SCOL(SCOL_HOURAVAIL),
	SCOL(SCOL_HOURLATMIN),
	SCOL(SCOL_HOURLATAVG),
	SCOL(SCOL_HOURLATMAX),
	SCOL(SCOL_HOURLATP95),
	SCOL(SCOL_HOUROUTAGE),
	SCOL(SCOL_DAYRESULTS),
	SCOL(SCOL_DAYFAILURES),
	SCOL(SCOL_DAYAVAIL),
	SCOL(SCOL_DAYLATMIN),
	SCOL(SCOL_DAYLATAVG),
	SCOL(SCOL_DAYLATMAX),
	SCOL(SCOL_DAYOUTAGE),
	SCOL(SCOL_LASTOK),
	SCOL(SCOL_LASTFAIL),
	SCOL(SCOL_LASTFAILCLASS),
	SCOL(SCOL_DISCONTINUITY),
	SCOL(SCOL_HISTORYSIZE),
	HCOL(HCOL_TIME),
	HCOL(HCOL_STATUS),
	HCOL(HCOL_FAILCLASS),
	HCOL(HCOL_REPLYCODE),
	HCOL(HCOL_LATENCY),
	HCOL(HCOL_DELIVERYLATENCY),
	{ SC_ENG_INFLIGHT, TAB_SCALAR, 3, { 2, 6, 1 } },
	{ SC_ENG_MAXINFLIGHT, TAB_SCALAR, 3, { 2, 6, 2 } },
	{ SC_ENG_WAITING, TAB_SCALAR, 3, { 2, 6, 3 } },
	{ SC_ENG_DELAYED, TAB_SCALAR, 3, { 2, 6, 4 } },
	{ SC_ENG_INTERNAL, TAB_SCALAR, 3, { 2, 6, 5 } },
};
const size_t agent_nvars = sizeof(agent_vars) / sizeof(agent_vars[0]);

/* ---- values (v_) ---------------------------------------------------- */

void
v_int(struct agent_value *v, u_char type, long n)
{
	v->type = type;
	v->integer = n;
}

void
v_gauge64(struct agent_value *v, int64_t n)
{
	if (n < 0)
		n = 0;
	if (n > (int64_t)UINT32_MAX)
		n = UINT32_MAX;
	v_int(v, ASN_GAUGE, (long)n);
}

static void
v_string(struct agent_value *v, const char *s, size_t max, size_t cap)
{
	size_t	 n;

	if (s == NULL)		/* a row built by hand */
		s = "";
	n = strnlen(s, max);
	v->type = ASN_OCTET_STR;
	v->str = (const u_char *)s;
	v->len = n > cap ? cap : n;
}

static void
v_counter64(struct agent_value *v, uint64_t n)
{
	v->type = ASN_COUNTER64;
	v->c64.high = (u_long)(n >> 32);
	v->c64.low = (u_long)(n & 0xffffffffU);
}

/* DateAndTime (RFC 2579) in UTC: 11 octets with the '+0:0' offset */
int
v_dateandtime(struct agent_value *v, time_t t)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	v->buf[0] = (u_char)((tm.tm_year + 1900) >> 8);
	v->buf[1] = (u_char)((tm.tm_year + 1900) & 0xff);
	v->buf[2] = (u_char)(tm.tm_mon + 1);
	v->buf[3] = (u_char)tm.tm_mday;
	v->buf[4] = (u_char)tm.tm_hour;
	v->buf[5] = (u_char)tm.tm_min;
	v->buf[6] = (u_char)(tm.tm_sec > 59 ? 59 : tm.tm_sec);
	v->buf[7] = 0;
	v->buf[8] = '+';
	v->buf[9] = 0;
	v->buf[10] = 0;
	v->type = ASN_OCTET_STR;
	v->str = v->buf;
	v->len = 11;
	return 0;
}

/* MailmonStatus: the Nagios code plus one */
int
v_status(struct agent_value *v, int s)
{
	if (s < STATUS_OK || s > STATUS_UNKNOWN)
		s = STATUS_UNKNOWN;
	v_int(v, ASN_INTEGER, (long)s + 1);
	return 0;
}

/* MailmonFailureClass: enum fail_class plus one */
int
v_failclass(struct agent_value *v, int fail)
{
	if (fail < 0 || fail >= FAIL_LAST)
		return -1;
	v_int(v, ASN_INTEGER, (long)fail + 1);
	return 0;
}

static int
v_protocol(struct agent_value *v, enum probe_mode mode)
{
	static const long map[MODE_LAST] = {
		[MODE_SMTP] = 1, [MODE_POP3] = 2, [MODE_IMAP] = 3,
		[MODE_TCP] = 4, [MODE_DELIVERY] = 5, [MODE_RELAY] = 6,
		[MODE_MX] = 7,
	};

	if ((int)mode < 0 || mode >= MODE_LAST || map[mode] == 0)
		return -1;
	v_int(v, ASN_INTEGER, map[mode]);
	return 0;
}

/*
 * A TimeStamp taken before the master's last re-initialisation is
 * zero (RFC 2579): the old ticks belong to an uptime that is gone.
 */
static uint32_t
timestamp(uint32_t ticks, time_t wall)
{
	if (ticks == 0 || (agent.master_restart != 0 &&
	    wall < agent.master_restart))
		return 0;
	return ticks;
}

static enum probe_phase
col_phase(int col)
{
	switch (col) {
	case COL_LATENCY:	return PH_TOTAL;
	case COL_DNSTIME:	return PH_DNS;
	case COL_CONNECTTIME:	return PH_CONNECT;
	case COL_TLSTIME:	return PH_TLS;
	case COL_GREETINGTIME:	return PH_GREETING;
	case COL_HELLOTIME:	return PH_HELLO;
	case COL_STARTTLSTIME:	return PH_STARTTLS;
	case COL_AUTHTIME:	return PH_AUTH;
	case COL_MAILTIME:	return PH_MAIL;
	case COL_QUITTIME:	return PH_QUIT;
	default:		return PH_LAST;
	}
}

/*
 * The value of one cell, or -1 when the cell has no instance (nothing
 * to report yet, or the phase did not happen).  Secrets (passwords, the
 * login names) have no column at all.
 */
int
agent_row_value(int col, const struct monitor *m, struct agent_value *v)
{
	const struct monitor_result *r = &m->last;
	enum probe_phase ph;

	memset(v, 0, sizeof(*v));
	if (m->gone)
		return -1;
	switch (col) {
	case COL_HOST:
		v_string(v, m->host != NULL ? m->host : "", PROBE_STR_MAX, 255);
		return 0;
	case COL_PORT:
		v_int(v, ASN_UNSIGNED, m->port);
		return 0;
	case COL_PROTOCOL:
		return v_protocol(v, m->mode);
	case COL_TLSMODE:
		if ((int)m->tls < 0 || m->tls >= TLS_LAST)
			return -1;
		v_int(v, ASN_INTEGER, (long)m->tls + 1);
		return 0;
	case COL_STATUS:
		return v_status(v, (int)m->state);
	case COL_PREVSTATUS:
		return v_status(v, (int)m->prev_state);
	case COL_LASTCHANGE:
		v_int(v, ASN_TIMETICKS,
		    (long)timestamp(m->last_change_ticks, m->last_change));
		return 0;
	case COL_CONSECFAIL:
		v_gauge64(v, m->consecutive_failures);
		return 0;
	case COL_CHECKS:
		v_counter64(v, m->checks);
		return 0;
	case COL_FAILURES:
		v_counter64(v, m->failures);
		return 0;
	default:
		break;
	}

	/* everything below describes the latest completed check */
	if (!m->have_result)
		return -1;
	switch (col) {
	case COL_LASTSTATUS:
		return v_status(v, (int)r->status);
	case COL_FAILCLASS:
		return v_failclass(v, (int)r->fail);
	case COL_REASON:
		v_string(v, r->reason, PROBE_TEXT_MAX, 127);
		return 0;
	case COL_REPLYCODE:
		v_int(v, ASN_INTEGER, r->reply_code < 0 ? 0 :
		    r->reply_code > 999 ? 999 : r->reply_code);
		return 0;
	case COL_REPLYTEXT:
		v_string(v, r->reply_text, PROBE_TEXT_MAX, 255);
		return 0;
	case COL_ADDRESS:
		v_string(v, r->address, PROBE_TEXT_MAX, 63);
		return 0;
	case COL_DELIVERYLATENCY:
		if (r->t[PH_DELIVERY] < 0)
			return -1;
		v_gauge64(v, r->t[PH_DELIVERY] / 1000);
		return 0;
	case COL_DELIVERYTOKEN:
		v_string(v, r->token, PROBE_TEXT_MAX, 63);
		return 0;
	case COL_CERTDAYS:
		if (r->cert_days == CERT_DAYS_NONE)
			return -1;
		v_int(v, ASN_INTEGER, r->cert_days);
		return 0;
	case COL_LASTCHECK:
		if (m->last_check == 0)
			return -1;
		return v_dateandtime(v, m->last_check);
	default:
		break;
	}
	if ((ph = col_phase(col)) == PH_LAST || r->t[ph] < 0)
		return -1;
	v_gauge64(v, r->t[ph]);
	return 0;
}

int
agent_scalar_value(int magic, const struct agent_rows *rows,
    struct agent_value *v)
{
	size_t	 i, n = 0, bad = 0;

	memset(v, 0, sizeof(*v));
	switch (magic) {
	case SC_SERMAILPORT:
	case SC_PROBECOUNT:
		for (i = 0; i < rows->n; i++) {
			if (rows->row[i] == NULL || rows->row[i]->gone)
				continue;
			n++;
			if (rows->row[i]->state != STATUS_OK)
				bad++;
		}
		v_gauge64(v, (int64_t)(magic == SC_SERMAILPORT ? bad : n));
		return 0;
	case SC_TABLELASTCHANGE:
		v_int(v, ASN_TIMETICKS, (long)timestamp(
		    agent.table_change_ticks, agent.table_change_wall));
		return 0;
	default:
		break;
	}
	if (!rows->have_engine)
		return -1;
	switch (magic) {
	case SC_ENG_INFLIGHT:
		v_gauge64(v, rows->engine.inflight);
		return 0;
	case SC_ENG_MAXINFLIGHT:
		v_gauge64(v, rows->engine.max_inflight);
		return 0;
	case SC_ENG_WAITING:
		v_gauge64(v, rows->engine.waiting);
		return 0;
	case SC_ENG_DELAYED:
		v_counter64(v, rows->engine.delayed);
		return 0;
	case SC_ENG_INTERNAL:
		v_counter64(v, rows->engine.internal);
		return 0;
	default:
		return -1;
	}
}

/* ---- rows and variables (h_) ----------------------------------------- */

/*
 * The instance part of a row: a non-IMPLIED string index, i.e. the
 * length then one sub-identifier per byte.  0 for a name the MIB cannot
 * carry (empty or longer than 32), which makes the row unreachable.
 */
size_t
agent_index_oid(const char *name, oid *out, size_t outmax)
{
	size_t	 i, n = strnlen(name, PROBE_NAME_MAX + 1);

	if (n == 0 || n > PROBE_NAME_MAX || n + 1 > outmax)
		return 0;
	out[0] = n;
	for (i = 0; i < n; i++)
		out[i + 1] = (u_char)name[i];
	return n + 1;
}

static int
h_row_cmp(const struct monitor *m, const oid *idx, size_t idxlen)
{
	oid	 o[PROBE_NAME_MAX + 1];
	size_t	 n;

	if (m == NULL || (n = agent_index_oid(m->name, o,
	    sizeof(o) / sizeof(o[0]))) == 0)
		return -1;	/* unreachable rows sort first, never match */
	return snmp_oid_compare(o, n, idx, idxlen);
}

/*
 * Binary search: the first row whose index is greater than idx
 * (strict) or not less than idx.  The daemon keeps rows sorted by
 * (name length, name bytes), which is exactly OID order for this index.
 */
static size_t
h_row_bound(const struct agent_rows *rows, const oid *idx, size_t idxlen,
    int strict)
{
	size_t	 lo = 0, hi = rows->n;

	while (lo < hi) {
		size_t	 mid = lo + (hi - lo) / 2;
		int	 c = h_row_cmp(rows->row[mid], idx, idxlen);

		if (c < 0 || (strict && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t
h_var_oid(const struct agent_var *var, oid *out)
{
	memcpy(out, agent_root, sizeof(agent_root));
	memcpy(out + AGENT_ROOT_LEN, var->sub, var->len * sizeof(oid));
	return AGENT_ROOT_LEN + var->len;
}

int
agent_has_prefix(const oid *name, size_t len, const oid *pfx, size_t pfxlen)
{
	return len >= pfxlen &&
	    snmp_oid_compare(name, pfxlen, pfx, pfxlen) == 0;
}

/* the value of a cell of the probe or the statistics table */
static int
h_row_value(const struct agent_var *var, const struct agent_rows *rows,
    const struct monitor *m, struct agent_value *v)
{
	if (var->table == TAB_STATS)
		return agent_stats_value(var->magic, rows, m, v);
	return agent_row_value(var->magic, m, v);
}

/*
 * The row whose index is exactly the first part of idx, leaving the rest
 * (*restlen sub-identifiers) to the caller: a history instance is the
 * row index followed by one sequence number.  -1 when there is none.
 */
static ssize_t
h_row_prefix(const struct agent_rows *rows, const oid *idx, size_t idxlen,
    size_t *restlen)
{
	size_t	 n, at;

	/* the first sub-identifier is the name length */
	if (idxlen == 0 || idx[0] == 0 || idx[0] > PROBE_NAME_MAX ||
	    idx[0] + 1 > idxlen)
		return -1;
	n = (size_t)idx[0] + 1;
	at = h_row_bound(rows, idx, n, 0);
	if (at >= rows->n || h_row_cmp(rows->row[at], idx, n) != 0)
		return -1;
	*restlen = idxlen - n;
	return (ssize_t)at;
}

/*
 * GETNEXT in the history table: the first history instance after the
 * suffix idx (the part after the column), as row and sequence number.
 * Instances of one row are contiguous (the name index is length-prefixed,
 * so no row index is a prefix of another) and ordered by number.
 */
static int
h_hist_next(const struct agent_var *var, const struct agent_rows *rows,
    const oid *idx, size_t idxlen, size_t *row,
    const struct history_entry **ep, struct agent_value *v)
{
	size_t	 r, rest = 0;
	uint64_t after = 0;
	ssize_t	 at;

	if (idxlen == 0)
		r = 0;
	else if ((at = h_row_prefix(rows, idx, idxlen, &rest)) >= 0 &&
	    rest > 0) {
		/* inside a row: later numbers of it, then the next rows */
		r = (size_t)at;
		after = idx[idxlen - rest];
	} else
		r = h_row_bound(rows, idx, idxlen, 0);

	for (; r < rows->n; r++, after = 0) {
		const struct monitor *m = rows->row[r];
		const struct history_entry *e;

		if (m == NULL || m->gone)
			continue;
		/* sparse columns: skip entries without this value */
		while ((e = history_next(m->history, after)) != NULL) {
			if (agent_history_value(var->magic, e, v) == 0) {
				*row = r;
				*ep = e;
				return 0;
			}
			after = e->seq;
		}
	}
	return -1;
}

int
agent_get(const struct agent_rows *rows, const oid *name, size_t len,
    struct agent_value *v)
{
	oid	 vo[AGENT_OID_MAX];
	size_t	 i, vlen, at, rest;
	ssize_t	 r;

	for (i = 0; i < agent_nvars; i++) {
		const struct agent_var *var = &agent_vars[i];
		const struct history_entry *e;

		vlen = h_var_oid(var, vo);
		if (!agent_has_prefix(name, len, vo, vlen))
			continue;
		switch (var->table) {
		case TAB_SCALAR:
			if (len != vlen + 1 || name[vlen] != 0)
				return SNMP_NOSUCHINSTANCE;
			if (agent_scalar_value(var->magic, rows, v) != 0)
				return SNMP_NOSUCHINSTANCE;
			return 0;
		case TAB_HISTORY:
			r = h_row_prefix(rows, name + vlen, len - vlen, &rest);
			if (r < 0 || rest != 1 || rows->row[r]->gone ||
			    (e = history_get(rows->row[r]->history,
			    name[len - 1])) == NULL ||
			    agent_history_value(var->magic, e, v) != 0)
				return SNMP_NOSUCHINSTANCE;
			return 0;
		default:
			at = h_row_bound(rows, name + vlen, len - vlen, 0);
			if (len == vlen || at >= rows->n ||
			    h_row_cmp(rows->row[at], name + vlen,
			    len - vlen) != 0)
				return SNMP_NOSUCHINSTANCE;
			if (h_row_value(var, rows, rows->row[at], v) != 0)
				return SNMP_NOSUCHINSTANCE;
			return 0;
		}
	}
	/* not ours: maybe a target object (agent_targets.c) */
	return agent_targets_get(rows, name, len, v);
}

int
agent_getnext(const struct agent_rows *rows, const oid *name, size_t len,
    oid *out, size_t *outlen, struct agent_value *v)
{
	oid	 vo[AGENT_OID_MAX];
	size_t	 i, r, vlen, start, n;
	int	 inside;

	for (i = 0; i < agent_nvars; i++) {
		const struct agent_var *var = &agent_vars[i];

		vlen = h_var_oid(var, vo);
		inside = agent_has_prefix(name, len, vo, vlen);
		/* past this variable: try the next one */
		if (!inside && snmp_oid_compare(name, len, vo, vlen) > 0)
			continue;

		if (var->table == TAB_SCALAR) {
			/* inside a scalar means at or past its only instance */
			if (inside && len > vlen)
				continue;
			if (agent_scalar_value(var->magic, rows, v) != 0)
				continue;
			vo[vlen] = 0;
			memcpy(out, vo, (vlen + 1) * sizeof(oid));
			*outlen = vlen + 1;
			return 0;
		}
		if (var->table == TAB_HISTORY) {
			const struct history_entry *e;

			if (h_hist_next(var, rows, inside ? name + vlen : NULL,
			    inside ? len - vlen : 0, &r, &e, v) == -1)
				continue;
			n = agent_index_oid(rows->row[r]->name, vo + vlen,
			    AGENT_OID_MAX - vlen - 1);
			if (n == 0)
				continue;
			vo[vlen + n] = e->seq;
			memcpy(out, vo, (vlen + n + 1) * sizeof(oid));
			*outlen = vlen + n + 1;
			return 0;
		}
		/* inside this column: only later rows; before it: all */
		start = inside ?
		    h_row_bound(rows, name + vlen, len - vlen, 1) : 0;
		/* sparse columns: step over rows without an instance */
		for (r = start; r < rows->n; r++) {
			const struct monitor *m = rows->row[r];

			if (m == NULL || h_row_value(var, rows, m, v) != 0)
				continue;
			n = agent_index_oid(m->name, vo + vlen,
			    AGENT_OID_MAX - vlen);
			if (n == 0)
				continue;
			memcpy(out, vo, (vlen + n) * sizeof(oid));
			*outlen = vlen + n;
			return 0;
		}
	}
	/* past our last object: the target objects follow */
	return agent_targets_getnext(rows, name, len, out, outlen, v);
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

/* ---- the Net-SNMP handler -------------------------------------------- */

static int
agent_handler(netsnmp_mib_handler *handler,
    netsnmp_handler_registration *reg, netsnmp_agent_request_info *reqinfo,
    netsnmp_request_info *requests)
{
	struct agent_rows	 rows;
	struct agent_value	 v;
	netsnmp_request_info	*req;
	oid			 out[AGENT_OID_MAX];
	size_t			 outlen;
	int			 rc;

	(void)handler;
	(void)reg;
	agent_rows_get(&rows);
	for (req = requests; req != NULL; req = req->next) {
		netsnmp_variable_list *var = req->requestvb;

		if (req->processed)
			continue;
		switch (reqinfo->mode) {
		case MODE_GET:
			rc = agent_get(&rows, var->name, var->name_length, &v);
			if (rc != 0)
				netsnmp_set_request_error(reqinfo, req, rc);
			else
				agent_set_var(var, &v);
			break;
		case MODE_GETNEXT:
			/* nothing left: the agent moves on past our subtree */
			if (agent_getnext(&rows, var->name, var->name_length,
			    out, &outlen, &v) == 0) {
				snmp_set_var_objid(var, out, outlen);
				agent_set_var(var, &v);
			}
			break;
		default:
			netsnmp_set_request_error(reqinfo, req,
			    SNMP_ERR_NOTWRITABLE);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

/* ---- library glue: logging, session settings, connection state -------- */

static int
agent_log_cb(int major, int minor, void *serverarg, void *clientarg)
{
	struct snmp_log_message *slm = serverarg;
	char	 msg[512];
	size_t	 n;
	int	 level;

	(void)major;
	(void)minor;
	(void)clientarg;
	if (slm == NULL || slm->msg == NULL)
		return SNMP_ERR_NOERROR;
	mm_strlcpy(msg, slm->msg, sizeof(msg));
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	if (n == 0)
		return SNMP_ERR_NOERROR;
	if (slm->priority <= LOG_ERR)
		level = LOG_LVL_ERR;
	else if (slm->priority == LOG_WARNING)
		level = LOG_LVL_WARN;
	else if (slm->priority == LOG_NOTICE)
		level = LOG_LVL_NOTICE;
	else if (slm->priority == LOG_INFO)
		level = LOG_LVL_INFO;
	else
		level = LOG_LVL_DEBUG;
	if (level == LOG_LVL_DEBUG)
		log_debug(LT_AGENT, "net-snmp: %s", msg);
	else if (level <= LOG_LVL_WARN)
		log_warnx("net-snmp: %s", msg);
	else if (level == LOG_LVL_NOTICE)
		log_notice("net-snmp: %s", msg);
	else
		log_info("net-snmp: %s", msg);
	return SNMP_ERR_NOERROR;
}

static int
agent_session_cb(int major, int minor, void *serverarg, void *clientarg)
{
	netsnmp_session *s = serverarg;

	(void)major;
	(void)minor;
	(void)clientarg;
	/*
	 * Every AgentX admin PDU (open, register, ping, close) is a
	 * synchronous round trip made from inside our only loop.  With the
	 * library default of 1 s and 5 retries a hung master would stall
	 * every probe for 6 s per PDU; a third of a second and no retry
	 * bounds the stall, and a dead master costs nothing either way.
	 */
	if (s != NULL) {
		s->timeout = ONE_SEC / 3;
		s->retries = 0;
	}
	/* a new socket, maybe under an old fd number */
	agent_loop_session_changed();
	return SNMP_ERR_NOERROR;
}

static int
agent_index_start_cb(int major, int minor, void *serverarg, void *clientarg)
{
	unsigned long	 up;

	(void)major;
	(void)minor;
	(void)clientarg;
	if (agent.stopping)
		return SNMP_ERR_NOERROR;
	/* the Open response has just set the master's sysUpTime */
	up = netsnmp_get_agent_uptime();
	/* a second of slack: uptime_at_stop was extrapolated locally */
	if (agent.ever_connected && up + 100 < agent.uptime_at_stop) {
		agent.master_restart = time(NULL);
		log_info("AgentX: master agent was restarted, TimeStamp "
		    "values reset");
	}
	/* answer our reads on this session without the library's relay */
	agent_direct_attach(serverarg);
	agent.connected = 1;
	agent.ever_connected = 1;
	log_notice("AgentX: connected to the master agent");
	/* queued notifications go out from the loop, not from in here */
	agent_notify_flush_later();
	return SNMP_ERR_NOERROR;
}

static int
agent_index_stop_cb(int major, int minor, void *serverarg, void *clientarg)
{
	(void)major;
	(void)minor;
	(void)serverarg;
	(void)clientarg;
	if (agent.connected && !agent.stopping)
		log_warnx("AgentX: disconnected from the master agent; "
		    "notifications are queued until it is back");
	agent.uptime_at_stop = netsnmp_get_agent_uptime();
	agent.connected = 0;
	agent_loop_session_changed();
	return SNMP_ERR_NOERROR;
}

/* ---- public API ------------------------------------------------------ */

int
agent_init(struct ev *ev, const struct agent_opts *o, agent_rows_cb cb,
    void *arg)
{
	int	 ping, standalone;

	if (agent.initialized) {
		/* Net-SNMP leaks and misbehaves on a second init (net-snmp#100) */
		log_warnx("AgentX: agent already initialised");
		return -1;
	}
	agent.ev = ev;
	agent.rows_cb = cb;
	agent.rows_arg = arg;
	mm_strlcpy(agent.app, o->app_name != NULL ? o->app_name : "mailmond",
	    sizeof(agent.app));

	standalone = o->listen != NULL && o->listen[0] != '\0';
	if (!standalone)
		netsnmp_enable_subagent();
	/* library messages go to our log, not to stderr */
	snmp_disable_log();
	snmp_enable_calllog();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING,
	    agent_log_cb, NULL);
	/* nothing of ours to persist, and no /var/lib/snmp writes */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	/* alarms (ping, reconnect) run from our loop, never from SIGALRM */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	/* we serve our MIB from code: no MIB files, no parse noise */
	setenv("MIBS", "", 1);
	if (standalone) {
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID,
		    NETSNMP_DS_AGENT_PORTS, o->listen);
		/* a line per request would drown the log */
		netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
		    NETSNMP_DS_AGENT_DONT_LOG_TCPWRAPPERS_CONNECTS, 1);
	}
	else if (o->agentx_socket != NULL && o->agentx_socket[0] != '\0')
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID,
		    NETSNMP_DS_AGENT_X_SOCKET, o->agentx_socket);
	snmp_register_callback(SNMP_CALLBACK_LIBRARY,
	    SNMP_CALLBACK_SESSION_INIT, agent_session_cb, NULL);

	if (init_agent(agent.app) != 0) {
		log_warnx("AgentX: init_agent failed");
		return standalone ? -2 : -1;
	}
	if (standalone && agent_listen_prepare(o) == -1) {
		snmp_shutdown(agent.app);
		return -2;
	}
	/*
	 * The ping interval must be set after init_agent(): it resets
	 * it to 15 for every subagent.  The ping notices a restarted
	 * master, and the same interval is the reconnect back-off.
	 */
	ping = o->ping_interval > 0 ? o->ping_interval : 15;
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, ping);

	agent.reg = netsnmp_create_handler_registration("mailmon",
	    agent_handler, agent_root, AGENT_ROOT_LEN, HANDLER_CAN_RONLY);
	if (agent.reg == NULL ||
	    netsnmp_register_handler(agent.reg) != MIB_REGISTERED_OK) {
		log_warnx("AgentX: cannot register MAILMON-MIB");
		agent.reg = NULL;
		snmp_shutdown(agent.app);
		return standalone ? -2 : -1;
	}
	register_sysORTable(agent_root, AGENT_ROOT_LEN,
	    "MAILMON-MIB: mail server probes of mailmond");
	snmp_register_callback(SNMP_CALLBACK_APPLICATION,
	    SNMPD_CALLBACK_INDEX_START, agent_index_start_cb, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION,
	    SNMPD_CALLBACK_INDEX_STOP, agent_index_stop_cb, NULL);

	if (agent_loop_init(ev) == -1 || agent_notify_init(ev) == -1) {
		log_warnx("AgentX: cannot attach to the event loop");
		agent_loop_free();
		snmp_shutdown(agent.app);
		return standalone ? -2 : -1;
	}
	agent.initialized = 1;
	/* connects (or schedules the reconnect alarm) from here */
	agent_guard_begin();
	init_snmp(agent.app);
	agent_guard_end();
	if (standalone) {
		if (agent_listen_start(o) == -1) {
			agent_shutdown();
			return -2;
		}
		/* no master to lose: notifications go out at once */
		agent.connected = 1;
		agent.ever_connected = 1;
		agent_table_changed();
		agent_loop_sync();
		return 0;
	}
	agent_table_changed();
	agent_loop_sync();
	log_debug(LT_AGENT, "AgentX subagent started, socket %s, ping %d s",
	    o->agentx_socket != NULL ? o->agentx_socket : "default", ping);
	return agent.connected ? 0 : -1;
}

void
agent_shutdown(void)
{
	unsigned long	 direct, relayed;

	if (!agent.initialized)
		return;
	agent.stopping = 1;
	direct = agent_direct_count(&relayed);
	log_debug(LT_AGENT, "AgentX: %lu reads answered on the session, "
	    "%lu left to the library", direct, relayed);
	agent_notify_free();
	unregister_sysORTable(agent_root, AGENT_ROOT_LEN);
	/* one synchronous AgentX Close, bounded by the session timeout */
	snmp_shutdown(agent.app);
	agent_loop_free();
	agent.initialized = 0;
	agent.connected = 0;
	agent.reg = NULL;
	agent.rows_cb = NULL;
	agent.ev = NULL;
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

/*
 * agent_mib.c - MAILMON-MIB served from memory.
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
 * a second index, their sequence number.  The target objects follow
 * (agent_targets.c).
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "agent_mib.h"
#include "agent_state.h"
#include "agent_stats.h"
#include "agent_targets.h"

#include "history.h"
#include "monitor.h"

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
		    (long)agent_timestamp(m->last_change_ticks, m->last_change));
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
		if (monitor_result_time(r, PH_DELIVERY) < 0)
			return -1;
		v_gauge64(v, monitor_result_time(r, PH_DELIVERY) / 1000);
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
	if ((ph = col_phase(col)) == PH_LAST ||
	    monitor_result_time(r, ph) < 0)
		return -1;
	v_gauge64(v, monitor_result_time(r, ph));
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
		v_int(v, ASN_TIMETICKS, (long)agent_table_timestamp());
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

/*
 * A row's index (its name as agent_index_oid() spells it: the length,
 * then a sub-identifier per byte) against idx, in snmp_oid_compare()'s
 * order, without spelling it out: the binary search below runs this
 * some 14 times for every cell a walk asks for.
 */
static int
h_row_cmp(const struct monitor *m, const oid *idx, size_t idxlen)
{
	size_t	 n, i;

	if (m == NULL || (n = strnlen(m->name, PROBE_NAME_MAX + 1)) == 0 ||
	    n > PROBE_NAME_MAX)
		return -1;	/* unreachable rows sort first, never match */
	if (idxlen == 0 || idx[0] != n)
		return idxlen == 0 || n > idx[0] ? 1 : -1;
	for (i = 0; i < n; i++) {
		if (i + 1 == idxlen)
			return 1;		/* idx is a prefix of the row's */
		if ((u_char)m->name[i] != idx[i + 1])
			return (u_char)m->name[i] > idx[i + 1] ? 1 : -1;
	}
	return idxlen > n + 1 ? -1 : 0;
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
	return agent_sub_oid(var->sub, var->len, out);
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

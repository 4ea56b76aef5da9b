/*
 * agent_targets.c - the targets of domain and dual-stack probes in
 * MAILMON-MIB: mailmonTargetTable { mailmonObjects 10 }, and under
 * mailmonTargetInfo { mailmonObjects 11 } the scalar mailmonTargetCount
 * and mailmonTargetSummaryTable.
 *
 * Served from the monitors' target tables (target.h) like the probe
 * table: find the variable and the row (h_), then the value (v_).  The
 * whole subtree lies after every object agent_mib.c serves, so agent_mib.c
 * hands over a GET it does not know and a GETNEXT that ran past its
 * last object.
 *
 * Instances:
 *   mailmonTargetEntry.col . <name length> . <name bytes> . <target index>
 *   mailmonTargetCount.0
 *   mailmonTargetSummaryEntry.col . <name length> . <name bytes>
 * Monitors come sorted in name-index order, and a table's entries in
 * target-index order, so both walks are ordered scans.
 */
#include "config.h"

#include <sys/socket.h>

#include <string.h>

#include "agent_targets.h"

#include "monitor.h"
#include "target.h"

#define TCOL(c)	{ TV_TARGET, (c), 4, { 2, 10, 1, (c) } }
#define SCOL(c)	{ TV_SUMMARY, (c), 5, { 2, 11, 2, 1, (c) } }

/* keep this structure ordered by increasing OID */
const struct agent_tvar agent_tvars[] = {
	TCOL(TCOL_EXCHANGE),
	TCOL(TCOL_PREFERENCE),
	TCOL(TCOL_ORIGIN),
	TCOL(TCOL_ALIAS),
	TCOL(TCOL_FAMILY),
	TCOL(TCOL_ADDRTYPE),
	TCOL(TCOL_ADDRESS),
	TCOL(TCOL_ADDRTEXT),
	TCOL(TCOL_STATUS),
	TCOL(TCOL_FAILCLASS),
	TCOL(TCOL_REASON),
	TCOL(TCOL_REPLYCODE),
	TCOL(TCOL_LATENCY),
	TCOL(TCOL_CERTDAYS),
	{ TV_COUNT, 0, 3, { 2, 11, 1 } },
	SCOL(SUMCOL_DNS),
	SCOL(SUMCOL_TARGETS),
	SCOL(SUMCOL_FAILING),
	SCOL(SUMCOL_FAILED),
};
const size_t agent_ntvars = sizeof(agent_tvars) / sizeof(agent_tvars[0]);

/* ---- values (v_, agent_value.h) ------------------------------------ */

static int
live(const struct monitor *m)
{
	return m != NULL && !m->gone && m->targets != NULL;
}

int
agent_target_value(int col, const struct monitor *m,
    const struct target_entry *e, struct agent_value *v)
{
	const struct target_result *t = &e->r;
	int64_t	 lat;

	memset(v, 0, sizeof(*v));
	if (!live(m) || !e->present)
		return -1;
	switch (col) {
	case TCOL_EXCHANGE:
		v_string(v, t->exchange, sizeof(t->exchange), 255);
		return 0;
	case TCOL_PREFERENCE:
		v_int(v, ASN_UNSIGNED, t->pref);
		return 0;
	case TCOL_ORIGIN:
		if ((unsigned)t->origin >= TO_LAST)
			return -1;
		v_int(v, ASN_INTEGER, (long)t->origin + 1);
		return 0;
	case TCOL_ALIAS:
		/* TruthValue */
		v_int(v, ASN_INTEGER, t->alias ? 1 : 2);
		return 0;
	case TCOL_FAMILY:
		v_int(v, ASN_INTEGER, t->family == AF_INET ? 1 :
		    t->family == AF_INET6 ? 2 : 3);
		return 0;
	case TCOL_ADDRTYPE:
		/* InetAddressType: unknown(0) for no address */
		v_int(v, ASN_INTEGER, t->addr_len == 4 ? 1 :
		    t->addr_len == 16 ? 2 : 0);
		return 0;
	case TCOL_ADDRESS:
		v->type = ASN_OCTET_STR;
		v->str = t->addr_bin;
		v->len = t->addr_len == 4 || t->addr_len == 16 ? t->addr_len : 0;
		return 0;
	case TCOL_ADDRTEXT:
		v_string(v, t->address, sizeof(t->address), 63);
		return 0;
	case TCOL_STATUS:
		v_int(v, ASN_INTEGER, (unsigned)t->status <= STATUS_UNKNOWN ?
		    (long)t->status + 1 : (long)STATUS_UNKNOWN + 1);
		return 0;
	case TCOL_FAILCLASS:
		if ((unsigned)t->fail >= FAIL_LAST)
			return -1;
		v_int(v, ASN_INTEGER, (long)t->fail + 1);
		return 0;
	case TCOL_REASON:
		v_string(v, t->reason, sizeof(t->reason), 127);
		return 0;
	case TCOL_REPLYCODE:
		v_int(v, ASN_INTEGER, t->reply_code < 0 ? 0 :
		    t->reply_code > 999 ? 999 : t->reply_code);
		return 0;
	case TCOL_LATENCY:
		if (t->latency_us < 0)
			return -1;	/* no connection was attempted */
		lat = t->latency_us > (int64_t)UINT32_MAX ? (int64_t)UINT32_MAX :
		    t->latency_us;
		v_int(v, ASN_GAUGE, (long)lat);
		return 0;
	case TCOL_CERTDAYS:
		if (t->cert_days == CERT_DAYS_NONE)
			return -1;
		v_int(v, ASN_INTEGER, t->cert_days);
		return 0;
	default:
		return -1;
	}
}

int
agent_target_summary_value(int col, const struct monitor *m,
    struct agent_value *v)
{
	const struct target_table *tab;

	memset(v, 0, sizeof(*v));
	if (!live(m))
		return -1;
	tab = m->targets;
	switch (col) {
	case SUMCOL_DNS:
		if ((unsigned)tab->dns >= TD_LAST)
			return -1;
		v_int(v, ASN_INTEGER, (long)tab->dns + 1);
		return 0;
	case SUMCOL_TARGETS:
		v_int(v, ASN_GAUGE, (long)tab->npresent);
		return 0;
	case SUMCOL_FAILING:
		v_int(v, ASN_GAUGE, (long)tab->nfailing);
		return 0;
	case SUMCOL_FAILED:
		v_string(v, tab->failed, sizeof(tab->failed), 255);
		return 0;
	default:
		return -1;
	}
}

static void
count_value(const struct agent_rows *rows, struct agent_value *v)
{
	size_t	 i, n = 0;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < rows->n; i++)
		if (live(rows->row[i]))
			n += rows->row[i]->targets->npresent;
	v_int(v, ASN_GAUGE, (long)n);
}

/* ---- rows and variables (h_) ------------------------------------------ */

static size_t
tv_oid(const struct agent_tvar *tv, oid *out)
{
	return agent_sub_oid(tv->sub, tv->len, out);
}

/* a row's name index; 0 when the name cannot be one */
static size_t
row_index(const struct monitor *m, oid *o)
{
	if (m == NULL)
		return 0;
	return agent_index_oid(m->name, o, PROBE_NAME_MAX + 1);
}

/* the first row whose name index is not less than idx */
static size_t
row_lower(const struct agent_rows *rows, const oid *idx, size_t idxlen)
{
	oid	 o[PROBE_NAME_MAX + 1];
	size_t	 lo = 0, hi = rows->n, mid, n;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		n = row_index(rows->row[mid], o);
		if (n == 0 || snmp_oid_compare(o, n, idx, idxlen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* the row whose name index is exactly idx[0 .. idxlen) */
static const struct monitor *
row_exact(const struct agent_rows *rows, const oid *idx, size_t idxlen)
{
	oid	 o[PROBE_NAME_MAX + 1];
	size_t	 at = row_lower(rows, idx, idxlen), n;

	if (at >= rows->n)
		return NULL;
	n = row_index(rows->row[at], o);
	if (n == 0 || snmp_oid_compare(o, n, idx, idxlen) != 0)
		return NULL;
	return rows->row[at];
}

static int
get_target(const struct agent_tvar *tv, const struct agent_rows *rows,
    const oid *idx, size_t idxlen, struct agent_value *v)
{
	const struct monitor	*m;
	size_t			 nl;
	oid			 t;

	if (idxlen < 2 || idx[0] == 0 || idx[0] > PROBE_NAME_MAX)
		return SNMP_NOSUCHINSTANCE;
	nl = (size_t)idx[0] + 1;
	if (idxlen != nl + 1 || (m = row_exact(rows, idx, nl)) == NULL ||
	    m->targets == NULL)
		return SNMP_NOSUCHINSTANCE;
	t = idx[nl];
	if (t < 1 || t > TARGET_MAX ||
	    agent_target_value(tv->col, m, &m->targets->e[t - 1], v) != 0)
		return SNMP_NOSUCHINSTANCE;
	return 0;
}

int
agent_targets_get(const struct agent_rows *rows, const oid *name,
    size_t len, struct agent_value *v)
{
	oid		 vo[AGENT_OID_MAX];
	const struct monitor *m;
	size_t		 i, vlen;

	for (i = 0; i < agent_ntvars; i++) {
		const struct agent_tvar *tv = &agent_tvars[i];

		vlen = tv_oid(tv, vo);
		if (!agent_has_prefix(name, len, vo, vlen))
			continue;
		switch (tv->kind) {
		case TV_COUNT:
			if (len != vlen + 1 || name[vlen] != 0)
				return SNMP_NOSUCHINSTANCE;
			count_value(rows, v);
			return 0;
		case TV_TARGET:
			return get_target(tv, rows, name + vlen, len - vlen, v);
		case TV_SUMMARY:
			if (len == vlen || (m = row_exact(rows, name + vlen,
			    len - vlen)) == NULL ||
			    agent_target_summary_value(tv->col, m, v) != 0)
				return SNMP_NOSUCHINSTANCE;
			return 0;
		}
	}
	return SNMP_NOSUCHOBJECT;
}

/*
 * GETNEXT in a target column: the first (row, target) after idx.  The
 * row whose name index is a proper prefix of idx (at most one, just
 * before row_lower()) may still have targets after idx; every later row
 * has all of its targets after idx.
 */
static int
next_target(const struct agent_tvar *tv, const struct agent_rows *rows,
    const oid *idx, size_t idxlen, oid *vo, size_t vlen, oid *out,
    size_t *outlen, struct agent_value *v)
{
	oid		 o[PROBE_NAME_MAX + 1];
	size_t		 r, n, k, start;
	oid		 after;

	start = row_lower(rows, idx, idxlen);
	if (start > 0 && (n = row_index(rows->row[start - 1], o)) != 0 &&
	    n < idxlen && snmp_oid_compare(o, n, idx, n) == 0)
		start--;
	for (r = start; r < rows->n; r++) {
		const struct monitor *m = rows->row[r];

		if (!live(m) || (n = row_index(m, o)) == 0)
			continue;
		/* targets of the prefix row must come after idx[n] */
		after = n < idxlen && snmp_oid_compare(o, n, idx, n) == 0 ?
		    idx[n] : 0;
		for (k = 0; k < TARGET_MAX; k++) {
			const struct target_entry *e = &m->targets->e[k];

			if (e->index <= after ||
			    agent_target_value(tv->col, m, e, v) != 0)
				continue;
			if (vlen + n + 1 > AGENT_OID_MAX)
				return -1;
			memcpy(vo + vlen, o, n * sizeof(oid));
			vo[vlen + n] = e->index;
			memcpy(out, vo, (vlen + n + 1) * sizeof(oid));
			*outlen = vlen + n + 1;
			return 0;
		}
	}
	return -1;
}

static int
next_summary(const struct agent_tvar *tv, const struct agent_rows *rows,
    const oid *idx, size_t idxlen, oid *vo, size_t vlen, oid *out,
    size_t *outlen, struct agent_value *v)
{
	oid	 o[PROBE_NAME_MAX + 1];
	size_t	 r, n;

	for (r = row_lower(rows, idx, idxlen); r < rows->n; r++) {
		const struct monitor *m = rows->row[r];

		if ((n = row_index(m, o)) == 0 ||
		    snmp_oid_compare(o, n, idx, idxlen) <= 0 ||
		    agent_target_summary_value(tv->col, m, v) != 0)
			continue;
		if (vlen + n > AGENT_OID_MAX)
			return -1;
		memcpy(vo + vlen, o, n * sizeof(oid));
		memcpy(out, vo, (vlen + n) * sizeof(oid));
		*outlen = vlen + n;
		return 0;
	}
	return -1;
}

int
agent_targets_getnext(const struct agent_rows *rows, const oid *name,
    size_t len, oid *out, size_t *outlen, struct agent_value *v)
{
	oid		 vo[AGENT_OID_MAX];
	static const oid none[1] = { 0 };
	const oid	*idx;
	size_t		 i, vlen, idxlen;

	for (i = 0; i < agent_ntvars; i++) {
		const struct agent_tvar *tv = &agent_tvars[i];

		vlen = tv_oid(tv, vo);
		if (agent_has_prefix(name, len, vo, vlen)) {
			/* inside this variable: only later instances */
			if (tv->kind == TV_COUNT && len > vlen)
				continue;
			idx = name + vlen;
			idxlen = len - vlen;
		} else if (snmp_oid_compare(name, len, vo, vlen) < 0) {
			idx = none;	/* before it: its first instance */
			idxlen = 0;
		} else
			continue;	/* past it */

		switch (tv->kind) {
		case TV_COUNT:
			count_value(rows, v);
			vo[vlen] = 0;
			memcpy(out, vo, (vlen + 1) * sizeof(oid));
			*outlen = vlen + 1;
			return 0;
		case TV_TARGET:
			if (next_target(tv, rows, idx, idxlen, vo, vlen, out,
			    outlen, v) == 0)
				return 0;
			break;
		case TV_SUMMARY:
			if (next_summary(tv, rows, idx, idxlen, vo, vlen, out,
			    outlen, v) == 0)
				return 0;
			break;
		}
	}
	return -1;
}

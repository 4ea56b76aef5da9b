/*
 * agent_notify.c - mailmonProbeDown / mailmonProbeUp notifications.
 *
 * Each variable binding carries the row's instance (column OID plus the
 * name index), so a receiver knows the probe without a lookup.  The
 * failing targets of a composed probe follow the probe's columns, and
 * the last one is the hour's availability from mailmonStatsTable, taken
 * after the result that caused the change.  A subagent's notifications travel through the master, and while there
 * is no AgentX session send_v2trap() drops them without a word; so they
 * wait in a bounded queue and go out when the session is back.
 */
#include "config.h"

#include <string.h>

#include "agent_loop.h"
#include "agent_mib.h"
#include "agent_notify.h"
#include "agent_state.h"
#include "agent_stats.h"
#include "agent_targets.h"

#include "ev.h"
#include "log.h"
#include "monitor.h"

#define NOTIFY_QUEUE_MAX	256

static oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
static oid notify_down[] = { AGENT_ROOT, 0, 1 };
static oid notify_up[] = { AGENT_ROOT, 0, 2 };
/* the entries the objects come from, each followed by column and index */
static const oid probe_entry[] = { AGENT_ROOT, 2, 3, 1 };
static const oid stats_entry[] = { AGENT_ROOT, 2, 4, 1 };
static const oid summary_entry[] = { AGENT_ROOT, 2, 11, 2, 1 };

/*
 * OBJECTS of both notifications, in MIB order (new ones only appended):
 * the probe's row, the failing targets of a domain or dual-stack probe
 * (empty for other probes), the hour's availability
 */
static const struct {
	int	 table;
	int	 col;
} notify_objs[] = {
	{ TAB_PROBE, COL_HOST }, { TAB_PROBE, COL_PROTOCOL },
	{ TAB_PROBE, COL_STATUS }, { TAB_PROBE, COL_PREVSTATUS },
	{ TAB_PROBE, COL_FAILCLASS }, { TAB_PROBE, COL_REASON },
	{ TAB_PROBE, COL_REPLYTEXT }, { TAB_PROBE, COL_LATENCY },
	{ TAB_TSUMMARY, SUMCOL_FAILED },
	{ TAB_STATS, SCOL_HOURAVAIL },
};

static struct {
	netsnmp_variable_list	*q[NOTIFY_QUEUE_MAX];
	size_t			 head;		/* oldest */
	size_t			 n;
	unsigned long		 dropped;
	struct ev_timer		*flush;
} nq;

/* a value for an object the row has no instance of yet */
static void
fallback(int table, int col, struct agent_value *v)
{
	memset(v, 0, sizeof(*v));
	if (table == TAB_STATS) {
		/* no result in the hour: only a row without statistics */
		v->type = ASN_GAUGE;
		return;
	}
	switch (table == TAB_PROBE ? col : COL_REASON) {
	case COL_FAILCLASS:
		v->type = ASN_INTEGER;
		v->integer = FAIL_NONE + 1;
		break;
	case COL_LATENCY:
		v->type = ASN_GAUGE;
		break;
	default:
		v->type = ASN_OCTET_STR;
		v->str = (const u_char *)"";
		break;
	}
}

/* one object's value, and its instance: entry, column, name index */
static size_t
notify_obj(const struct agent_rows *clock, const struct monitor *m,
    int table, int col, oid *o, size_t omax, struct agent_value *v)
{
	const oid	*entry;
	size_t		 elen, n;
	int		 rc;

	switch (table) {
	case TAB_STATS:
		entry = stats_entry;
		elen = OID_LENGTH(stats_entry);
		rc = agent_stats_value(col, clock, m, v);
		break;
	case TAB_TSUMMARY:
		entry = summary_entry;
		elen = OID_LENGTH(summary_entry);
		rc = agent_target_summary_value(col, m, v);
		break;
	default:
		entry = probe_entry;
		elen = OID_LENGTH(probe_entry);
		rc = agent_row_value(col, m, v);
		break;
	}
	if (rc != 0)
		fallback(table, col, v);
	memcpy(o, entry, elen * sizeof(oid));
	o[elen] = (oid)col;
	if ((n = agent_index_oid(m->name, o + elen + 1,
	    omax - elen - 1)) == 0)
		return 0;
	return elen + 1 + n;
}

netsnmp_variable_list *
agent_notify_build(const struct agent_rows *clock, const struct monitor *m)
{
	netsnmp_variable_list	*vars = NULL;
	struct agent_value	 v;
	oid			 o[AGENT_OID_MAX];
	oid			*trap;
	size_t			 i, olen, trap_len;

	if (m->state == STATUS_OK) {
		trap = notify_up;
		trap_len = OID_LENGTH(notify_up);
	} else {
		trap = notify_down;
		trap_len = OID_LENGTH(notify_down);
	}
	if (snmp_varlist_add_variable(&vars, snmptrap_oid,
	    OID_LENGTH(snmptrap_oid), ASN_OBJECT_ID, (u_char *)trap,
	    trap_len * sizeof(oid)) == NULL)
		goto fail;

	for (i = 0; i < sizeof(notify_objs) / sizeof(notify_objs[0]); i++) {
		const void	*val;
		size_t		 len;
		long		 integer;

		if ((olen = notify_obj(clock, m, notify_objs[i].table,
		    notify_objs[i].col, o, AGENT_OID_MAX, &v)) == 0) {
			log_warnx("notification: probe name cannot be an index");
			goto fail;
		}
		if (v.type == ASN_OCTET_STR) {
			val = v.str;
			len = v.len;
		} else {
			integer = v.integer;
			val = &integer;
			len = sizeof(integer);
		}
		if (snmp_varlist_add_variable(&vars, o, olen, v.type, val,
		    len) == NULL)
			goto fail;
	}
	return vars;
fail:
	snmp_free_varbind(vars);
	return NULL;
}

static void
send_now(netsnmp_variable_list *vars)
{
	send_v2trap(vars);
	snmp_free_varbind(vars);
}

void
agent_notify(const struct monitor *m)
{
	netsnmp_variable_list	*vars;
	struct agent_rows	 clock;

	if (!agent_running() || m == NULL)
		return;
	memset(&clock, 0, sizeof(clock));
	agent_clock_get(&clock);
	if ((vars = agent_notify_build(&clock, m)) == NULL) {
		log_warnx("notification for %s: out of memory", m->name);
		return;
	}
	log_debug(LT_AGENT, "notification %s for %s",
	    m->state == STATUS_OK ? "mailmonProbeUp" : "mailmonProbeDown",
	    m->name);
	agent_notify_submit(vars);
}

/* send now, or queue while there is no session (takes vars) */
void
agent_notify_submit(netsnmp_variable_list *vars)
{
	if (agent_connected() && nq.n == 0) {
		send_now(vars);
		/* the Notify PDU waits for its response: re-arm our timer */
		agent_loop_sync();
		return;
	}
	if (nq.n == NOTIFY_QUEUE_MAX) {
		snmp_free_varbind(nq.q[nq.head]);
		nq.q[nq.head] = NULL;
		nq.head = (nq.head + 1) % NOTIFY_QUEUE_MAX;
		nq.n--;
		if (nq.dropped++ % 64 == 0)
			log_warnx("notification queue full (%d): dropping the "
			    "oldest, %lu dropped so far", NOTIFY_QUEUE_MAX,
			    nq.dropped);
	}
	nq.q[(nq.head + nq.n) % NOTIFY_QUEUE_MAX] = vars;
	nq.n++;
	if (agent_connected())
		agent_notify_flush_later();
}

void
agent_notify_flush(void)
{
	size_t	 sent = 0;

	while (nq.n > 0 && agent_connected()) {
		netsnmp_variable_list *vars = nq.q[nq.head];

		nq.q[nq.head] = NULL;
		nq.head = (nq.head + 1) % NOTIFY_QUEUE_MAX;
		nq.n--;
		send_now(vars);
		sent++;
	}
	if (sent > 0) {
		log_info("AgentX: sent %zu queued notifications", sent);
		agent_loop_sync();
	}
}

static void
flush_cb(void *arg)
{
	(void)arg;
	agent_notify_flush();
}

void
agent_notify_flush_later(void)
{
	if (nq.flush != NULL && nq.n > 0)
		ev_timer_in(nq.flush, 0);
}

size_t
agent_notify_queued(void)
{
	return nq.n;
}

int
agent_notify_init(struct ev *ev)
{
	if (nq.flush == NULL &&
	    (nq.flush = ev_timer_new(ev, flush_cb, NULL)) == NULL)
		return -1;
	return 0;
}

void
agent_notify_free(void)
{
	while (nq.n > 0) {
		snmp_free_varbind(nq.q[nq.head]);
		nq.q[nq.head] = NULL;
		nq.head = (nq.head + 1) % NOTIFY_QUEUE_MAX;
		nq.n--;
	}
	nq.head = 0;
	ev_timer_free(nq.flush);
	nq.flush = NULL;
}

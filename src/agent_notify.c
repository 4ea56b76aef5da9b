/*
 * agent_notify.c - mailmonProbeDown / mailmonProbeUp notifications.
 *
 * Each variable binding carries the row's instance (column OID plus the
 * name index), so a receiver knows the probe without a lookup.  A
 * subagent's notifications travel through the master, and while there
 * is no AgentX session send_v2trap() drops them without a word; so they
 * wait in a bounded queue and go out when the session is back.
 */
#include "config.h"

#include <string.h>

#include "agent_priv.h"

#include "agent.h"
#include "ev.h"
#include "log.h"
#include "monitor.h"

#define NOTIFY_QUEUE_MAX	256

static oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
static oid notify_down[] = { AGENT_ROOT, 0, 1 };
static oid notify_up[] = { AGENT_ROOT, 0, 2 };
/* mailmonProbeEntry */
static const oid entry_oid[] = { AGENT_ROOT, 2, 3, 1 };
#define ENTRY_LEN	(AGENT_ROOT_LEN + 3)

/* OBJECTS of both notifications, in MIB order */
static const int notify_cols[] = {
	COL_HOST, COL_PROTOCOL, COL_STATUS, COL_PREVSTATUS, COL_FAILCLASS,
	COL_REASON, COL_REPLYTEXT, COL_LATENCY
};
/*
 * ... then mailmonTargetSummaryFailed, the failing targets of a domain
 * or dual-stack probe (empty for other probes), indexed by the name as
 * well: { mailmonObjects 11 2 1 4 }
 */
static const oid summary_failed[] = { AGENT_ROOT, 2, 11, 2, 1, SUMCOL_FAILED };
#define SUMMARY_LEN	(AGENT_ROOT_LEN + 5)

static struct {
	netsnmp_variable_list	*q[NOTIFY_QUEUE_MAX];
	size_t			 head;		/* oldest */
	size_t			 n;
	unsigned long		 dropped;
	struct ev_timer		*flush;
} nq;

/* a value for an object the row has no instance of yet */
static void
fallback(int col, struct agent_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (col) {
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

netsnmp_variable_list *
agent_notify_build(const struct monitor *m)
{
	netsnmp_variable_list	*vars = NULL;
	struct agent_value	 v;
	oid			 o[AGENT_OID_MAX];
	oid			*trap;
	size_t			 i, n, trap_len;
	int			 ok = 1;

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

	memcpy(o, entry_oid, sizeof(entry_oid));
	if ((n = agent_index_oid(m->opts.name, o + ENTRY_LEN + 1,
	    AGENT_OID_MAX - ENTRY_LEN - 1)) == 0) {
		log_warnx("notification: probe name cannot be an index");
		goto fail;
	}
	for (i = 0; i < sizeof(notify_cols) / sizeof(notify_cols[0]); i++) {
		const void	*val;
		size_t		 len;
		long		 integer;

		o[ENTRY_LEN] = (oid)notify_cols[i];
		if (agent_row_value(notify_cols[i], m, &v) != 0)
			fallback(notify_cols[i], &v);
		if (v.type == ASN_OCTET_STR) {
			val = v.str;
			len = v.len;
		} else {
			integer = v.integer;
			val = &integer;
			len = sizeof(integer);
		}
		if (snmp_varlist_add_variable(&vars, o, ENTRY_LEN + 1 + n, v.type,
		    val, len) == NULL) {
			ok = 0;
			break;
		}
	}
	if (ok) {
		/* the name index again, after the summary column */
		memmove(o + SUMMARY_LEN, o + ENTRY_LEN + 1, n * sizeof(oid));
		memcpy(o, summary_failed, sizeof(summary_failed));
		if (agent_target_summary_value(SUMCOL_FAILED, m, &v) != 0)
			fallback(COL_REASON, &v);
		if (snmp_varlist_add_variable(&vars, o, SUMMARY_LEN + n,
		    ASN_OCTET_STR, v.str, v.len) == NULL)
			ok = 0;
	}
	if (ok)
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

	if (!agent_running() || m == NULL)
		return;
	if ((vars = agent_notify_build(m)) == NULL) {
		log_warnx("notification for %s: out of memory", m->opts.name);
		return;
	}
	log_debug(LT_AGENT, "notification %s for %s",
	    m->state == STATUS_OK ? "mailmonProbeUp" : "mailmonProbeDown",
	    m->opts.name);
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

/*
 * agent_direct.c - AgentX reads of MAILMON-MIB answered on the session.
 *
 * The subagent library hands every AgentX request to its own agent
 * through an internal callback transport and sends the answer back the
 * same way: a pipe write and read in each direction and two more loop
 * turns per PDU.  Net-SNMP's master forwards a GETBULK as one GETNEXT
 * per repetition, so a table walk pays that relay once per varbind, and
 * it cost mailmond more CPU than the master's whole share of the walk.
 *
 * Here a GET or GETNEXT in the default context whose every varbind lies
 * in mailmonMIB is answered from the AgentX session callback, with the
 * same lookups as the registered handler (agent_get/agent_getnext), and
 * the search range rules of RFC 2741 section 7.2.3.  Anything else (an
 * OID outside our subtree, another context, SETs, a GETBULK from a
 * master that sends it, responses) goes to the library as before.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "agent_direct.h"
#include "agent_mib.h"
#include "agent_state.h"

/* RFC 2741 section 6.1 h.type values (Net-SNMP's are the same numbers) */
#define AX_MSG_GET		5
#define AX_MSG_GETNEXT		6
#define AX_MSG_GETBULK		7
#define AX_MSG_RESPONSE		18

static oid direct_root[] = { AGENT_ROOT };
/* transportDomainLocal (RFC 3419): AgentX on a unix socket */
static const oid local_domain[] = { 1, 3, 6, 1, 2, 1, 100, 1, 13 };

static snmp_callback	 direct_lib_cb;	/* the library's own session callback */
static unsigned long	 direct_answered;
static unsigned long	 direct_relayed;	/* reads left to the library */

/* a search range's end, or NULL when the range is unbounded */
static const oid *
range_end(const netsnmp_variable_list *vb, size_t *len)
{
	*len = vb->val_len / sizeof(oid);
	if (vb->val.objid == NULL || *len == 0)
		return NULL;
	/* the null OID (0.0) is how an unbounded end is written */
	if (*len == 2 && vb->val.objid[0] == 0 && vb->val.objid[1] == 0)
		return NULL;
	return vb->val.objid;
}

int
agent_direct_ours(const netsnmp_pdu *pdu)
{
	const netsnmp_variable_list *vb;

	if (pdu->command != AX_MSG_GET && pdu->command != AX_MSG_GETNEXT)
		return 0;
	/* a non-default context travels in the community field */
	if (pdu->community_len != 0 || pdu->variables == NULL)
		return 0;
	for (vb = pdu->variables; vb != NULL; vb = vb->next_variable) {
		if (agent_has_prefix(vb->name, vb->name_length, direct_root,
		    AGENT_ROOT_LEN))
			continue;
		/*
		 * A master walking into our registration may start a GETNEXT
		 * at the OID before it; what follows it is ours to find.
		 */
		if (pdu->command == AX_MSG_GETNEXT &&
		    snmp_oid_compare(vb->name, vb->name_length, direct_root,
		    AGENT_ROOT_LEN) < 0)
			continue;
		return 0;
	}
	return 1;
}

static void
answer_get(const struct agent_rows *rows, netsnmp_variable_list *vb)
{
	struct agent_value	 v;
	int			 rc;

	rc = agent_get(rows, vb->name, vb->name_length, &v);
	if (rc != 0)
		snmp_set_var_typed_value(vb, (u_char)rc, NULL, 0);
	else
		agent_set_var(vb, &v);
}

static void
answer_getnext(const struct agent_rows *rows, netsnmp_variable_list *vb)
{
	struct agent_value	 v;
	oid			 start[MAX_OID_LEN], out[AGENT_OID_MAX];
	const oid		*end;
	size_t			 startlen, endlen, outlen;
	int			 include = vb->type == ASN_PRIV_INCL_RANGE;

	startlen = vb->name_length;
	if (startlen > MAX_OID_LEN)
		startlen = MAX_OID_LEN;
	memcpy(start, vb->name, startlen * sizeof(oid));
	end = range_end(vb, &endlen);

	/* an inclusive start names a candidate itself (RFC 2741 7.2.3.2) */
	if (include && agent_get(rows, start, startlen, &v) == 0) {
		if (end == NULL ||
		    snmp_oid_compare(start, startlen, end, endlen) < 0) {
			agent_set_var(vb, &v);
			return;
		}
	} else if (agent_getnext(rows, start, startlen, out, &outlen,
	    &v) == 0 && (end == NULL ||
	    snmp_oid_compare(out, outlen, end, endlen) < 0)) {
		snmp_set_var_objid(vb, out, outlen);
		agent_set_var(vb, &v);
		return;
	}
	/* nothing in range: the start OID with endOfMibView */
	snmp_set_var_objid(vb, start, startlen);
	snmp_set_var_typed_value(vb, SNMP_ENDOFMIBVIEW, NULL, 0);
}

netsnmp_pdu *
agent_direct_answer(const struct agent_rows *rows, netsnmp_pdu *req,
    long version)
{
	netsnmp_pdu		*resp;
	netsnmp_variable_list	*vb;

	if ((resp = snmp_clone_pdu(req)) == NULL)
		return NULL;
	resp->command = AX_MSG_RESPONSE;
	resp->version = version;
	resp->errstat = SNMP_ERR_NOERROR;
	resp->errindex = 0;
	resp->flags &= ~UCD_MSG_FLAG_EXPECT_RESPONSE;
	for (vb = resp->variables; vb != NULL; vb = vb->next_variable) {
		if (req->command == AX_MSG_GET)
			answer_get(rows, vb);
		else
			answer_getnext(rows, vb);
	}
	return resp;
}

static int
direct_cb(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu,
    void *magic)
{
	struct agent_rows	 rows;
	netsnmp_pdu		*resp;

	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || pdu == NULL)
		return direct_lib_cb(op, s, reqid, pdu, magic);
	if (!agent_running() || !agent_direct_ours(pdu)) {
		if (pdu->command >= AX_MSG_GET && pdu->command <= AX_MSG_GETBULK)
			direct_relayed++;
		return direct_lib_cb(op, s, reqid, pdu, magic);
	}
	/* the master is alive: the library would skip its next ping too */
	if (s->securityModel != SNMP_DEFAULT_SECMODEL)
		snmp_alarm_reset((unsigned int)s->securityModel);
	agent_rows_get(&rows);
	if ((resp = agent_direct_answer(&rows, pdu, s->version)) == NULL)
		return direct_lib_cb(op, s, reqid, pdu, magic);
	if (snmp_send(s, resp) == 0)
		snmp_free_pdu(resp);
	direct_answered++;
	return 1;
}

/*
 * The unix-domain transport's receive asks getsockname() and allocates
 * an address for every PDU, to hand the library a "to" address that a
 * connected AgentX stream never uses (its send ignores it, and its
 * address printer falls back to the transport's own address).  A
 * table walk through the master is one PDU per varbind, and this was
 * one system call in four of mailmond's share.
 */
static int
direct_recv(netsnmp_transport *t, void *buf, int size, void **opaque,
    int *olength)
{
	ssize_t	 n;

	if (t == NULL || t->sock < 0)
		return -1;
	do
		n = recv(t->sock, buf, (size_t)size, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (opaque != NULL)
		*opaque = NULL;
	if (olength != NULL)
		*olength = 0;
	return (int)n;
}

void
agent_direct_attach(netsnmp_session *s)
{
	netsnmp_transport	*t;

	if (s == NULL)
		return;
	/* every connection has a transport of its own */
	t = snmp_sess_transport(snmp_sess_pointer(s));
	if (t != NULL && t->domain != NULL &&
	    netsnmp_oid_equals(t->domain, t->domain_length, local_domain,
	    OID_LENGTH(local_domain)) == 0 &&
	    (t->flags & NETSNMP_TRANSPORT_FLAG_STREAM))
		t->f_recv = direct_recv;
	if (s->callback == NULL || s->callback == direct_cb)
		return;
	direct_lib_cb = s->callback;
	s->callback = direct_cb;
}

unsigned long
agent_direct_count(unsigned long *relayed)
{
	if (relayed != NULL)
		*relayed = direct_relayed;
	return direct_answered;
}

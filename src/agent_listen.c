/*
 * agent_listen.c - mailmond as an SNMP agent itself (snmp-listen).
 *
 * Through a master agent every varbind of a walk is one AgentX round
 * trip (Net-SNMP 5.9's master forwards a GETBULK as one GETNEXT per
 * repetition), so a big table costs the master more than the table
 * itself.  With snmp-listen the daemon answers SNMPv1/v2c on its own
 * transport addresses instead, GETBULK included, and sends its
 * notifications to the configured receivers.  Access is Net-SNMP's own
 * view-based control, fed from our configuration: one read-only
 * community line per snmp-community, one trap2sink per snmp-trapsink.
 * mailmonMIB and sysUpTime (the base of every TimeStamp column) are
 * what there is to read.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "agent_listen.h"
#include "agent_value.h"

#include "log.h"
#include "util.h"

/*
 * Net-SNMP's view-based access control: config tokens (rocommunity,
 * trap2sink's neighbours) and the access checks of every request.  It
 * lives in libnetsnmpagent, but its header is not installed.
 */
void	init_vacm_conf(void);

static oid sysuptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3 };

static int
sysuptime_handler(netsnmp_mib_handler *handler,
    netsnmp_handler_registration *reg, netsnmp_agent_request_info *reqinfo,
    netsnmp_request_info *requests)
{
	netsnmp_request_info *req;

	(void)handler;
	(void)reg;
	for (req = requests; req != NULL; req = req->next) {
		if (reqinfo->mode != MODE_GET) {
			netsnmp_set_request_error(reqinfo, req,
			    SNMP_ERR_NOTWRITABLE);
			continue;
		}
		snmp_set_var_typed_integer(req->requestvb, ASN_TIMETICKS,
		    (long)(uint32_t)netsnmp_get_agent_uptime());
	}
	return SNMP_ERR_NOERROR;
}

/* "TOKEN A B" for Net-SNMP, holding a community: wiped after */
static void
remember(const char *token, const char *a, const char *b)
{
	char	 line[CONF_LISTEN_LINE_MAX];

	if ((size_t)snprintf(line, sizeof(line), "%s %s %s", token, a, b) <
	    sizeof(line))
		netsnmp_config_remember(line);
	explicit_bzero(line, sizeof(line));
}

int
agent_listen_prepare(const struct agent_opts *o)
{
	netsnmp_handler_registration *reg;
	size_t	 i;

	init_vacm_conf();
	/* read during init_snmp(), after any snmp.conf the host may have */
	for (i = 0; i < o->ncommunity; i++)
		remember("rocommunity", o->community[i].name,
		    o->community[i].source);
	for (i = 0; i < o->ntrapsink; i++)
		remember("trap2sink", o->trapsink[i].host,
		    o->trapsink[i].community);
	reg = netsnmp_create_handler_registration("sysUpTime",
	    sysuptime_handler, sysuptime_oid, OID_LENGTH(sysuptime_oid),
	    HANDLER_CAN_RONLY);
	if (reg == NULL || netsnmp_register_scalar(reg) != MIB_REGISTERED_OK) {
		log_warnx("SNMP: cannot register sysUpTime");
		return -1;
	}
	return 0;
}

int
agent_listen_start(const struct agent_opts *o)
{
	if (init_master_agent() != 0) {
		log_warnx("SNMP: cannot listen on %s", o->listen);
		return -1;
	}
	log_notice("SNMP: serving MAILMON-MIB on %s (%zu communit%s, "
	    "%zu notification receiver%s; no AgentX)", o->listen,
	    o->ncommunity, o->ncommunity == 1 ? "y" : "ies", o->ntrapsink,
	    o->ntrapsink == 1 ? "" : "s");
	return 0;
}

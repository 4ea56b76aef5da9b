/*
 * agent_core.c - the agent's life: Net-SNMP set up as an AgentX
 * subagent (or, with snmp-listen, as an agent itself), MAILMON-MIB's
 * handler registered, the library's log and session events followed,
 * and everything taken down again.  Values come from agent_mib.c, state
 * lives in agent_state.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "agent_direct.h"
#include "agent_listen.h"
#include "agent_loop.h"
#include "agent_mib.h"
#include "agent_notify.h"
#include "agent_state.h"

#include "log.h"
#include "util.h"

static oid agent_root[] = { AGENT_ROOT };

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

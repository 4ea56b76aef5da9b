/*
 * snmpclient.h - the SNMPv2c session of the benchmark's SNMP clients
 * (snmpgetlat.c, rowwalk.c): no MIB files, no configuration or
 * persistent files, no retries, so a slow answer shows as slow (or as a
 * timeout) instead of being hidden by a resend.
 */
#ifndef MAILMON_BENCH_SNMPCLIENT_H
#define MAILMON_BENCH_SNMPCLIENT_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* an open session to peer, or NULL (the reason printed as progname's) */
static inline netsnmp_session *
snmpclient_open(const char *progname, const char *peer,
    const char *community, long timeout_ms)
{
	netsnmp_session	 sess, *ss;

	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	init_snmp(progname);

	snmp_sess_init(&sess);
	sess.peername = (char *)peer;
	sess.version = SNMP_VERSION_2c;
	sess.community = (u_char *)strdup(community);
	sess.community_len = strlen(community);
	sess.timeout = timeout_ms * 1000L;
	sess.retries = 0;
	if ((ss = snmp_open(&sess)) == NULL)
		snmp_sess_perror(progname, &sess);
	free(sess.community);
	return ss;
}

#endif

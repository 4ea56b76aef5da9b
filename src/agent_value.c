/*
 * agent_value.c - building SNMP values and OIDs for MAILMON-MIB: the
 * value helpers (v_), the string index of a row, a value into a varbind
 * and TimeStamps from the event clock.  What every table file uses and
 * nothing above it.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "agent_value.h"

#include "probe.h"

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

void
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

void
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

size_t
agent_sub_oid(const oid *sub, size_t len, oid *out)
{
	static const oid root[] = { AGENT_ROOT };

	memcpy(out, root, sizeof(root));
	memcpy(out + AGENT_ROOT_LEN, sub, len * sizeof(oid));
	return AGENT_ROOT_LEN + len;
}

int
agent_has_prefix(const oid *name, size_t len, const oid *pfx, size_t pfxlen)
{
	return len >= pfxlen &&
	    snmp_oid_compare(name, pfxlen, pfx, pfxlen) == 0;
}

void
agent_set_var(netsnmp_variable_list *var, const struct agent_value *v)
{
	switch (v->type) {
	case ASN_OCTET_STR:
		snmp_set_var_typed_value(var, ASN_OCTET_STR, v->str, v->len);
		break;
	case ASN_COUNTER64:
		snmp_set_var_typed_value(var, ASN_COUNTER64, &v->c64,
		    sizeof(v->c64));
		break;
	default:
		snmp_set_var_typed_integer(var, v->type, v->integer);
		break;
	}
}

/*
 * sysUpTime at an event that happened at monotonic time at_us: the
 * uptime now minus the time since.  An event older than the master's
 * uptime happened before the master (re)initialised, which a TimeStamp
 * reports as zero (RFC 2579), so restarts of either side need no
 * bookkeeping here.
 */
uint32_t
agent_timestamp_at(const struct agent_rows *rows, int64_t at_us)
{
	int64_t	 ago;

	if (at_us <= 0)
		return 0;		/* never stamped: no known event */
	if (rows->mono_us < at_us)
		return (uint32_t)rows->uptime;
	ago = (rows->mono_us - at_us) / 10000;	/* 1/100 s */
	if (ago >= (int64_t)rows->uptime)
		return 0;
	return (uint32_t)((int64_t)rows->uptime - ago);
}

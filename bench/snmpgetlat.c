/*
 * snmpgetlat.c - latency of SNMP GETs, one after another, as a manager
 * polling single values sees it.
 *
 * usage: snmpgetlat [-c COMMUNITY] [-n COUNT] [-i GAP_MS] [-S SEED]
 *                   [-t TIMEOUT_MS] [-w WIDTH] [-r ROWS] [-P PREFIX]
 *                   AGENT COLUMN_OID
 *   e.g. snmpgetlat -n 2000 -r 10000 -P mx -w 5 udp:127.0.0.1:18161 \
 *            .1.3.6.1.4.1.2789.5.2.3.1.6
 *
 * Each GET asks for COLUMN_OID of one row picked at random: the row's
 * index is a probe name, PREFIX followed by a number 1..ROWS zero-padded
 * to WIDTH digits, encoded as a string index (length, then one
 * sub-identifier per byte).  SNMPv2c, one session, snmp_synch_response()
 * with no retries, so a slow answer shows as slow (or as a timeout)
 * instead of being hidden by a resend.  Times are taken with the
 * monotonic clock around each call.  -i waits GAP_MS between two GETs,
 * so the requests sample the agent at different moments.
 *
 * The last line is machine-readable: "RESULT n=... ok=... err=...
 * timeout=... p50_ms=... p90_ms=... p99_ms=... max_ms=... mean_ms=...".
 * Exit status 0 when every GET was answered with a value, else 1.
 */
#include "snmpclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *v, long n, double p)
{
	long	 i;

	if (n == 0)
		return 0;
	i = (long)(p * (double)(n - 1) + 0.5);
	return v[i];
}

static void
usage(void)
{
	fprintf(stderr, "usage: snmpgetlat [-c COMMUNITY] [-n COUNT] "
	    "[-i GAP_MS] [-S SEED] [-t TIMEOUT_MS] [-w WIDTH] [-r ROWS] "
	    "[-P PREFIX] AGENT COLUMN_OID\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	netsnmp_session	*ss;
	netsnmp_pdu	*pdu, *resp;
	oid		 base[MAX_OID_LEN], name[MAX_OID_LEN];
	size_t		 baselen = MAX_OID_LEN, namelen, k;
	const char	*community = "public", *prefix = "mx";
	char		 row[64];
	double		*lat, t0, t1, sum = 0;
	long		 n = 2000, rows = 10000, i, ok = 0, err = 0, tmo = 0;
	long		 gap_ms = 0, timeout_ms = 2000;
	unsigned	 seed = 1;
	int		 ch, width = 5, status, len;

	while ((ch = getopt(argc, argv, "c:i:n:P:r:S:t:w:")) != -1) {
		switch (ch) {
		case 'c':
			community = optarg;
			break;
		case 'i':
			gap_ms = strtol(optarg, NULL, 10);
			break;
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'P':
			prefix = optarg;
			break;
		case 'r':
			rows = strtol(optarg, NULL, 10);
			break;
		case 'S':
			seed = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			timeout_ms = strtol(optarg, NULL, 10);
			break;
		case 'w':
			width = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2 || n <= 0 || rows <= 0 || timeout_ms <= 0 ||
	    gap_ms < 0 || width < 0 || width > 20)
		usage();

	if ((ss = snmpclient_open("snmpgetlat", argv[optind], community,
	    timeout_ms)) == NULL)
		return 2;
	if (read_objid(argv[optind + 1], base, &baselen) == 0) {
		fprintf(stderr, "snmpgetlat: bad OID %s\n", argv[optind + 1]);
		return 2;
	}
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL)
		return 2;

	srand(seed);
	for (i = 0; i < n; i++) {
		len = snprintf(row, sizeof(row), "%s%0*ld", prefix, width,
		    1 + (long)((double)rand() / ((double)RAND_MAX + 1) *
		    (double)rows));
		if (len <= 0 || baselen + 1 + (size_t)len > MAX_OID_LEN)
			return 2;
		memcpy(name, base, baselen * sizeof(oid));
		namelen = baselen;
		name[namelen++] = (oid)len;
		for (k = 0; k < (size_t)len; k++)
			name[namelen++] = (unsigned char)row[k];

		pdu = snmp_pdu_create(SNMP_MSG_GET);
		snmp_add_null_var(pdu, name, namelen);
		resp = NULL;
		t0 = mono_ms();
		status = snmp_synch_response(ss, pdu, &resp);
		t1 = mono_ms();
		lat[i] = t1 - t0;
		sum += lat[i];
		if (status == STAT_SUCCESS && resp != NULL &&
		    resp->errstat == SNMP_ERR_NOERROR &&
		    resp->variables != NULL &&
		    resp->variables->type != SNMP_NOSUCHOBJECT &&
		    resp->variables->type != SNMP_NOSUCHINSTANCE &&
		    resp->variables->type != SNMP_ENDOFMIBVIEW)
			ok++;
		else if (status == STAT_TIMEOUT)
			tmo++;
		else
			err++;
		if (resp != NULL)
			snmp_free_pdu(resp);
		if (gap_ms > 0)
			usleep((useconds_t)gap_ms * 1000);
	}
	snmp_close(ss);
	qsort(lat, (size_t)n, sizeof(*lat), cmp_d);
	printf("RESULT n=%ld ok=%ld err=%ld timeout=%ld p50_ms=%.3f "
	    "p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f mean_ms=%.3f\n",
	    n, ok, err, tmo, pct(lat, n, 0.5), pct(lat, n, 0.9),
	    pct(lat, n, 0.99), pct(lat, n, 0.999), lat[n - 1], sum / n);
	free(lat);
	return ok == n ? 0 : 1;
}

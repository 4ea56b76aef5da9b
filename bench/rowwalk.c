/*
 * rowwalk.c - fetch a whole SNMP table row by row: every column of the
 * table in each GETBULK, as a table-aware manager asks for it.
 *
 * usage: rowwalk [-c COMMUNITY] [-r REPS] [-t TIMEOUT_MS] AGENT ENTRY_OID
 *                FIRST_COLUMN LAST_COLUMN
 *   e.g. rowwalk -r 50 udp:127.0.0.1:18161 .1.3.6.1.4.1.2789.5.2.3.1 1 31
 *
 * Why a tool of its own: snmpbulkwalk and snmptable both send a single
 * varbind per GETBULK and so read a table column by column, one cell
 * per repetition.  A subagent's cost through Net-SNMP's master depends
 * on that, because the master turns every repetition into one AgentX
 * GetNext PDU carrying one varbind per requested column: a walk that
 * names every column moves a row per AgentX round trip, a column walk a
 * cell.  This is the first kind, as table trackers (OpenNMS's, for
 * one) do it.
 *
 * Each request carries, for every column not yet finished, the last
 * instance seen of it (at first the column itself); the agent may cut
 * the repetitions down (snmpd's maxGetbulkResponses), and the walk goes
 * on from whatever came back.  A column is finished when its next
 * object lies outside it, or on endOfMibView.  SNMPv2c, one session,
 * no retries (snmpclient.h).
 *
 * The last line is machine-readable: "RESULT requests=... cells=...
 * rows=... wall_s=... err=...": cells are the values received inside
 * their column, rows the cells of the fullest column.  Exit status 0
 * when the walk reached the end of every column without an error.
 */
#include "snmpclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define COLS_MAX	128

struct column {
	oid		 last[MAX_OID_LEN];	/* last instance seen */
	size_t		 lastlen;
	long		 cells;
	int		 done;
};

static double
mono_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: rowwalk [-c COMMUNITY] [-r REPS] "
	    "[-t TIMEOUT_MS] AGENT ENTRY_OID FIRST_COLUMN LAST_COLUMN\n");
	exit(2);
}

/* is name an instance of column c of the entry (entry.c.index...)? */
static int
in_column(const oid *entry, size_t entrylen, long c, const oid *name,
    size_t namelen)
{
	return namelen > entrylen + 1 &&
	    memcmp(name, entry, entrylen * sizeof(oid)) == 0 &&
	    name[entrylen] == (oid)c;
}

int
main(int argc, char **argv)
{
	netsnmp_session		*ss;
	netsnmp_pdu		*pdu, *resp;
	netsnmp_variable_list	*v;
	struct column		*col;
	oid			 entry[MAX_OID_LEN];
	size_t			 entrylen = MAX_OID_LEN;
	const char		*community = "public";
	long			 reps = 10, timeout_ms = 10000, first, last, c;
	long			 ncol, active, requests = 0, cells = 0, rows = 0;
	long			 i, err = 0;
	double			 t0, t1;
	int			 ch, status;
	long			*idx;

	while ((ch = getopt(argc, argv, "c:r:t:")) != -1) {
		switch (ch) {
		case 'c':
			community = optarg;
			break;
		case 'r':
			reps = strtol(optarg, NULL, 10);
			break;
		case 't':
			timeout_ms = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 4)
		usage();
	first = strtol(argv[optind + 2], NULL, 10);
	last = strtol(argv[optind + 3], NULL, 10);
	ncol = last - first + 1;
	if (reps <= 0 || timeout_ms <= 0 || first <= 0 || ncol <= 0 ||
	    ncol > COLS_MAX)
		usage();

	if ((ss = snmpclient_open("rowwalk", argv[optind], community,
	    timeout_ms)) == NULL)
		return 2;
	if (read_objid(argv[optind + 1], entry, &entrylen) == 0 ||
	    entrylen + 1 >= MAX_OID_LEN) {
		fprintf(stderr, "rowwalk: bad OID %s\n", argv[optind + 1]);
		return 2;
	}
	if ((col = calloc((size_t)ncol, sizeof(*col))) == NULL ||
	    (idx = calloc((size_t)ncol, sizeof(*idx))) == NULL)
		return 2;
	for (i = 0; i < ncol; i++) {
		memcpy(col[i].last, entry, entrylen * sizeof(oid));
		col[i].last[entrylen] = (oid)(first + i);
		col[i].lastlen = entrylen + 1;
	}

	t0 = mono_s();
	for (active = ncol; active > 0;) {
		long	 n = 0, k;

		pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
		pdu->non_repeaters = 0;
		pdu->max_repetitions = reps;
		for (i = 0; i < ncol; i++)
			if (!col[i].done) {
				idx[n++] = i;
				snmp_add_null_var(pdu, col[i].last,
				    col[i].lastlen);
			}
		resp = NULL;
		requests++;
		status = snmp_synch_response(ss, pdu, &resp);
		if (status != STAT_SUCCESS || resp == NULL ||
		    resp->errstat != SNMP_ERR_NOERROR ||
		    resp->variables == NULL) {
			err++;
			if (resp != NULL)
				snmp_free_pdu(resp);
			break;
		}
		/* repetition-major: varbind k belongs to column idx[k % n] */
		for (v = resp->variables, k = 0; v != NULL;
		    v = v->next_variable, k++) {
			struct column	*cl = &col[idx[k % n]];

			c = first + idx[k % n];
			if (cl->done)
				continue;
			if (v->type == SNMP_ENDOFMIBVIEW ||
			    !in_column(entry, entrylen, c, v->name,
			    v->name_length)) {
				cl->done = 1;
				active--;
				continue;
			}
			memcpy(cl->last, v->name, v->name_length * sizeof(oid));
			cl->lastlen = v->name_length;
			cl->cells++;
			cells++;
		}
		snmp_free_pdu(resp);
	}
	t1 = mono_s();
	snmp_close(ss);
	for (i = 0; i < ncol; i++)
		if (col[i].cells > rows)
			rows = col[i].cells;
	printf("RESULT requests=%ld cells=%ld rows=%ld wall_s=%.3f err=%ld\n",
	    requests, cells, rows, t1 - t0, err);
	free(col);
	free(idx);
	return err == 0 && active == 0 ? 0 : 1;
}

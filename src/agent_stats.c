/*
 * agent_stats.c - values (v_) of mailmonStatsTable and
 * mailmonHistoryTable.  Finding the row and the entry (h_) is
 * agent_mib.c's job; this file turns a monitor's statistics (stats.h) and a history
 * entry (history.h) into SNMP values.
 *
 * Windows are computed at request time from the buckets, at the clock
 * value the request carries (struct agent_rows), so every cell of one
 * PDU sees the same instant and a GET never changes anything.
 */
#include "config.h"

#include <string.h>

#include "agent_stats.h"

#include "history.h"
#include "monitor.h"
#include "stats.h"

static int
window_col(int col)
{
	switch (col) {
	case SCOL_HOURRESULTS:
	case SCOL_HOURFAILURES:
	case SCOL_HOURAVAIL:
	case SCOL_HOURLATMIN:
	case SCOL_HOURLATAVG:
	case SCOL_HOURLATMAX:
	case SCOL_HOUROUTAGE:
		return STATS_HOUR;
	default:
		return STATS_DAY;
	}
}

int
agent_stats_value(int col, const struct agent_rows *rows,
    const struct monitor *m, struct agent_value *v)
{
	const struct stats *st = m->stats;
	struct stats_summary sum;
	uint32_t us;
	int	 a;

	memset(v, 0, sizeof(*v));
	if (m->gone)
		return -1;
	switch (col) {
	case SCOL_DISCONTINUITY:
		v_int(v, ASN_TIMETICKS,
		    (long)agent_timestamp_at(rows, m->counted_since_us));
		return 0;
	case SCOL_HISTORYSIZE:
		v_int(v, ASN_UNSIGNED, m->history != NULL ?
		    (long)m->history->cap : 0);
		return 0;
	default:
		break;
	}
	if (st == NULL)
		return -1;
	switch (col) {
	case SCOL_LASTOK:
		if (st->last_ok == 0)
			return -1;
		return v_dateandtime(v, (time_t)st->last_ok);
	case SCOL_LASTFAIL:
		if (st->last_fail == 0)
			return -1;
		return v_dateandtime(v, (time_t)st->last_fail);
	case SCOL_LASTFAILCLASS:
		if (st->last_fail == 0)
			return -1;
		return v_failclass(v, st->last_fail_class);
	case SCOL_HOURLATP95:
		if (stats_p95(st, rows->now, &us) == -1)
			return -1;
		v_gauge64(v, us);
		return 0;
	default:
		break;
	}

	stats_window(st, window_col(col), rows->now, &sum);
	switch (col) {
	case SCOL_HOURRESULTS:
	case SCOL_DAYRESULTS:
		v_gauge64(v, sum.results);
		return 0;
	case SCOL_HOURFAILURES:
	case SCOL_DAYFAILURES:
		v_gauge64(v, sum.failures);
		return 0;
	case SCOL_HOURAVAIL:
	case SCOL_DAYAVAIL:
		if ((a = stats_availability(&sum)) < 0)
			return -1;
		v_gauge64(v, a);
		return 0;
	case SCOL_HOUROUTAGE:
	case SCOL_DAYOUTAGE:
		v_gauge64(v, sum.longest_outage);
		return 0;
	default:
		break;
	}
	/* latency: only over checks with a latency sample */
	if (sum.lat_n == 0)
		return -1;
	switch (col) {
	case SCOL_HOURLATMIN:
	case SCOL_DAYLATMIN:
		v_gauge64(v, sum.lat_min);
		return 0;
	case SCOL_HOURLATAVG:
	case SCOL_DAYLATAVG:
		v_gauge64(v, sum.lat_avg);
		return 0;
	case SCOL_HOURLATMAX:
	case SCOL_DAYLATMAX:
		v_gauge64(v, sum.lat_max);
		return 0;
	default:
		return -1;
	}
}

int
agent_history_value(int col, const struct history_entry *e,
    struct agent_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (col) {
	case HCOL_TIME:
		return v_dateandtime(v, (time_t)e->wall);
	case HCOL_STATUS:
		return v_status(v, e->status);
	case HCOL_FAILCLASS:
		return v_failclass(v, e->fail);
	case HCOL_REPLYCODE:
		v_int(v, ASN_INTEGER, e->reply_code > 999 ? 999 :
		    e->reply_code);
		return 0;
	case HCOL_LATENCY:
		if (e->latency_us == HISTORY_NONE)
			return -1;
		v_gauge64(v, e->latency_us);
		return 0;
	case HCOL_DELIVERYLATENCY:
		if (e->delivery_ms == HISTORY_NONE)
			return -1;
		v_gauge64(v, e->delivery_ms);
		return 0;
	default:
		return -1;
	}
}

/*
 * test_agent.c - MAILMON-MIB handlers on fixture rows, without snmpd:
 * variable table order, GET and GETNEXT across rows and columns, holes
 * in sparse columns, string index order, the statistics and history
 * tables (two-part index, wrapped numbers), TimeStamps, notifications
 * and the queue.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent_direct.h"
#include "agent_mib.h"
#include "agent_notify.h"
#include "agent_state.h"
#include "agent_stats.h"
#include "agent_targets.h"
#include "agent_value.h"

#include "agent.h"
#include "history.h"
#include "monitor.h"
#include "optpack.h"
#include "stats.h"
#include "target.h"

#define ROOT		1, 3, 6, 1, 4, 1, 2789, 5
#define ENTRY		ROOT, 2, 3, 1
#define SENTRY		ROOT, 2, 4, 1
#define HENTRY		ROOT, 2, 5, 1

/* the clocks every request of these tests sees */
#define NOW		100000		/* stats clock, s */
#define MONO_US		1000000000LL	/* ev clock: 1000 s */
#define UPTIME		10000		/* sysUpTime: 100 s */
#define WALL		1700000000
#define B(ph)		(1u << (ph))	/* monitor_result.tset */

/*
 * Fixture rows, sorted as the daemon hands them over: by name length,
 * then bytes.  "b" comes before "ab": a non-IMPLIED string index
 * starts with its length.
 */
static struct monitor row_a = {
	.name = "a",
	.mode = MODE_SMTP,
	.host = "mx1.example.test",
	.port = 25,
	.tls = TLS_STARTTLS,
	.have_result = 1,
	.last = {
		.status = STATUS_OK, .fail = FAIL_NONE,
		.reason = "221 bye", .reply_code = 221,
		.reply_text = "2.0.0 Bye", .address = "127.0.0.1",
		.t = {
			[PH_DNS] = 10, [PH_CONNECT] = 200, [PH_TLS] = 3000,
			[PH_GREETING] = 400, [PH_HELLO] = 50,
			[PH_STARTTLS] = 60, [PH_QUIT] = 70,
			[PH_TOTAL] = UINT32_MAX,	/* 5000 s, saturated */
		},
		.tset = B(PH_DNS) | B(PH_CONNECT) | B(PH_TLS) |
		    B(PH_GREETING) | B(PH_HELLO) | B(PH_STARTTLS) |
		    B(PH_QUIT) | B(PH_TOTAL),
		.cert_days = 42,
	},
	.last_check = 1700000000,	/* 2023-11-14 22:13:20 UTC */
	.state = STATUS_OK, .prev_state = STATUS_CRITICAL,
	.last_change = 1700000000, .last_change_ticks = 12345,
	.checks = 0x100000005ULL, .failures = 3,
};

static struct monitor row_b = {
	.name = "b",
	.mode = MODE_DELIVERY,
	.host = "sub.example.test",
	.port = 587,
	.tls = TLS_STARTTLS,
	.have_result = 1,
	.last = {
		.status = STATUS_WARNING, .fail = FAIL_SLOW,
		.reason = "delivery slow", .reply_code = 250,
		.reply_text = "OK", .token = "tok-123",
		.t = {
			[PH_CONNECT] = 100, [PH_GREETING] = 1, [PH_HELLO] = 1,
			[PH_AUTH] = 5, [PH_MAIL] = 9, [PH_QUIT] = 2,
			[PH_DELIVERY] = 2500,		/* ms */
			[PH_TOTAL] = 2600000,
		},
		.tset = B(PH_CONNECT) | B(PH_GREETING) | B(PH_HELLO) |
		    B(PH_AUTH) | B(PH_MAIL) | B(PH_QUIT) | B(PH_DELIVERY) |
		    B(PH_TOTAL),
		.cert_days = CERT_DAYS_NONE,
	},
	.last_check = 1700000100,
	.state = STATUS_WARNING, .prev_state = STATUS_OK,
	.consecutive_failures = 2, .checks = 10, .failures = 2,
};

/* configured, never checked: every result column is a hole */
static struct monitor row_ab = {
	.name = "ab",
	.mode = MODE_IMAP,
	.host = "imap.example.test",
	.port = 993,
	.tls = TLS_IMPLICIT,
	.state = STATUS_UNKNOWN, .prev_state = STATUS_UNKNOWN,
};

static struct monitor row_bb = {
	.name = "bb",
	.mode = MODE_RELAY,
	.host = "relay.example.test",
	.port = 25,
	.have_result = 1,
	.last = {
		.status = STATUS_CRITICAL, .fail = FAIL_OPEN_RELAY,
		.reason = "relaying accepted", .reply_code = 250,
		.t = {
			[PH_TOTAL] = 77,
		},
		.tset = B(PH_TOTAL),
		.cert_days = -3,
	},
	.last_check = 1700000200,
	.state = STATUS_CRITICAL, .prev_state = STATUS_OK,
	.last_change = 1700000200, .last_change_ticks = 999,
	.consecutive_failures = 5, .checks = 7, .failures = 7,
};

static struct monitor row_abc = {
	.name = "abc",
	.mode = MODE_POP3,
	.host = "pop.example.test",
	.port = 110,
	.tls = TLS_NONE,
	.have_result = 1,
	.last = {
		.status = STATUS_OK, .fail = FAIL_NONE, .reply_code = 1,
		.reply_text = "+OK", .reason = "ok",
		.t = {
			[PH_TOTAL] = 9,
		},
		.tset = B(PH_TOTAL),
		.cert_days = CERT_DAYS_NONE,
	},
	.state = STATUS_OK, .prev_state = STATUS_UNKNOWN,
};

static struct monitor *fixture[] = {
	&row_a, &row_b, &row_ab, &row_bb, &row_abc
};
static const struct agent_rows rows = { fixture, 5, NOW, MONO_US, UPTIME };

static const oid root[] = { ROOT };

/* ---- targets of domain probes (agent_targets.c) ---- */

#define TENTRY		ROOT, 2, 10, 1
#define SUMENTRY		ROOT, 2, 11, 2, 1

static struct target_table tab_a, tab_bb;

static void
tadd(struct target_list *l, const char *x, uint16_t pref, int fam,
    const char *addr, const uint8_t *bin, size_t binlen,
    enum probe_status st, enum fail_class f, const char *why, int64_t lat)
{
	struct target_result *t = &l->t[l->n++];

	memset(t, 0, sizeof(*t));
	strcpy(t->exchange, x);
	t->pref = pref;
	t->family = fam;
	strcpy(t->address, addr);
	if (binlen > 0)
		memcpy(t->addr_bin, bin, binlen);
	t->addr_len = binlen;
	t->status = st;
	t->fail = f;
	strcpy(t->reason, why);
	t->reply_code = st == STATUS_OK ? 221 : 0;
	t->latency_us = lat;
	t->cert_days = st == STATUS_OK ? 42 : CERT_DAYS_NONE;
}

static int
setup_targets(void **state)
{
	static const uint8_t v4[4] = { 192, 0, 2, 25 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x25 };
	static struct target_list l;

	(void)state;
	memset(&l, 0, sizeof(l));
	tadd(&l, "mx1.example.test", 10, AF_INET, "192.0.2.25", v4, 4,
	    STATUS_OK, FAIL_NONE, "smtp ok", 1500);
	tadd(&l, "mx1.example.test", 10, AF_INET6, "2001:db8::25", v6, 16,
	    STATUS_CRITICAL, FAIL_CONNECT_TIMEOUT,
	    "2001:db8::25: connect timed out", 2000000);
	tadd(&l, "missing.example.test", 20, AF_UNSPEC, "", NULL, 0,
	    STATUS_CRITICAL, FAIL_DNS, "no such host (NXDOMAIN)", -1);
	l.t[2].origin = TO_MX;
	target_table_init(&tab_a);
	target_merge(&tab_a, &l);
	row_a.targets = &tab_a;
	memset(&l, 0, sizeof(l));
	l.dns = TD_IMPLICIT;
	tadd(&l, "relay.example.test", 0, AF_INET, "192.0.2.25", v4, 4,
	    STATUS_OK, FAIL_NONE, "smtp ok", 900);
	l.t[0].origin = TO_IMPLICIT;
	target_table_init(&tab_bb);
	target_merge(&tab_bb, &l);
	row_bb.targets = &tab_bb;
	return 0;
}

/* entry.col.<index of name>.<target index> */
static size_t
targcell(int col, const char *name, oid t, oid *out)
{
	static const oid entry[] = { TENTRY };
	size_t	 n;

	memcpy(out, entry, sizeof(entry));
	out[OID_LENGTH(entry)] = (oid)col;
	n = agent_index_oid(name, out + OID_LENGTH(entry) + 1, 40);
	assert_true(n > 0);
	out[OID_LENGTH(entry) + 1 + n] = t;
	return OID_LENGTH(entry) + 2 + n;
}

/* summary entry.col.<index of name> */
static size_t
sumcell(int col, const char *name, oid *out)
{
	static const oid entry[] = { SUMENTRY };
	size_t	 n;

	memcpy(out, entry, sizeof(entry));
	out[OID_LENGTH(entry)] = (oid)col;
	n = agent_index_oid(name, out + OID_LENGTH(entry) + 1, 40);
	assert_true(n > 0);
	return OID_LENGTH(entry) + 1 + n;
}

/* build OID = entry.col.<index of name>, in table 3 (probe) or 4 */
static size_t
tcell(int table, int col, const char *name, oid *out)
{
	static const oid entry[] = { ENTRY };
	size_t	 n;

	memcpy(out, entry, sizeof(entry));
	out[AGENT_ROOT_LEN + 1] = (oid)table;
	out[OID_LENGTH(entry)] = (oid)col;
	n = agent_index_oid(name, out + OID_LENGTH(entry) + 1, 40);
	assert_true(n > 0);
	return OID_LENGTH(entry) + 1 + n;
}

static size_t
cell(int col, const char *name, oid *out)
{
	return tcell(3, col, name, out);
}

static size_t
scell(int col, const char *name, oid *out)
{
	return tcell(4, col, name, out);
}

/* history instance: entry.col.<index of name>.<number> */
static size_t
hcell(int col, const char *name, uint32_t seq, oid *out)
{
	size_t	 n = tcell(5, col, name, out);

	out[n] = seq;
	return n + 1;
}

/* ---- statistics and history of the fixture rows ----------------------- */

static struct probe_result
res(enum probe_status st, enum fail_class fail, int64_t us, int code)
{
	struct probe_result r;

	probe_result_init(&r);
	r.status = st;
	r.fail = fail;
	r.t[PH_TOTAL] = us;
	r.reply_code = code;
	return r;
}

static void
feed(struct monitor *m, int64_t ago, enum probe_status st,
    enum fail_class fail, int64_t us, int code)
{
	struct probe_result r = res(st, fail, us, code);

	stats_add(m->stats, NOW - ago, (time_t)(WALL - ago), &r);
	if (m->history != NULL)
		history_add(m->history, (time_t)(WALL - ago), &r);
}

static int
group_setup(void **state)
{
	struct probe_result r;
	struct probe_opts o;

	(void)state;
	/* the rows hold secrets, as the daemon's do; no walk may show them */
	probe_opts_init(&o);
	strcpy(o.user, "loginuser");
	strcpy(o.pass, "s3cretpass");
	row_a.pack = optpack_new(&o);
	probe_opts_init(&o);
	strcpy(o.mbox.user, "boxuser");
	strcpy(o.mbox.pass, "b0xsecret");
	row_b.pack = optpack_new(&o);
	assert_non_null(row_a.pack);
	assert_non_null(row_b.pack);

	/*
	 * a: five checks; the oldest (83 min ago) is in the day window
	 * only, one failure 30 min ago ended by a success 16.7 min later
	 */
	row_a.stats = calloc(1, sizeof(struct stats));
	row_a.history = history_new(10);
	assert_non_null(row_a.stats);
	assert_non_null(row_a.history);
	feed(&row_a, 5000, STATUS_OK, FAIL_NONE, 500, 221);
	feed(&row_a, 3000, STATUS_OK, FAIL_NONE, 1000, 221);
	feed(&row_a, 2000, STATUS_CRITICAL, FAIL_REFUSED, 80, 0);
	feed(&row_a, 1000, STATUS_OK, FAIL_NONE, 3000, 221);
	feed(&row_a, 10, STATUS_OK, FAIL_NONE, 2000, 221);
	/* counting since 50 s ago: sysUpTime 100 s - 50 s */
	row_a.counted_since_us = MONO_US - 50000000LL;

	/* b: three entries numbered across the wrap: MAX, 1, 2 */
	row_b.stats = calloc(1, sizeof(struct stats));
	row_b.history = history_new(3);
	assert_non_null(row_b.stats);
	assert_non_null(row_b.history);
	row_b.history->seq = UINT32_MAX - 1;
	r = res(STATUS_OK, FAIL_NONE, 2600000, 250);
	r.t[PH_DELIVERY] = 2500000;
	stats_add(row_b.stats, NOW - 30, WALL - 30, &r);
	history_add(row_b.history, WALL - 30, &r);		/* MAX */
	feed(&row_b, 20, STATUS_WARNING, FAIL_SLOW, 2900000, 250); /* 1 */
	r.t[PH_DELIVERY] = 1234000;
	history_add(row_b.history, WALL - 10, &r);		/* 2 */
	/* counting since before the master started: TimeStamp 0 */
	row_b.counted_since_us = MONO_US - 500000000LL;

	/* bb: down for 100 s and counting; keeps no history */
	row_bb.stats = calloc(1, sizeof(struct stats));
	row_bb.history = history_new(0);
	assert_non_null(row_bb.stats);
	feed(&row_bb, 100, STATUS_CRITICAL, FAIL_OPEN_RELAY, 77, 250);

	/* abc: statistics, but no result yet */
	row_abc.stats = calloc(1, sizeof(struct stats));
	assert_non_null(row_abc.stats);
	/* ab: never checked, no statistics at all (allocation failed) */
	return setup_targets(state);
}

static int
group_teardown(void **state)
{
	(void)state;
	free(row_a.stats);
	free(row_b.stats);
	free(row_bb.stats);
	free(row_abc.stats);
	history_free(row_a.history);
	history_free(row_b.history);
	history_free(row_bb.history);
	optpack_free(row_a.pack);
	optpack_free(row_b.pack);
	return 0;
}

static void
test_variable_order(void **state)
{
	size_t	 i;
	int	 seen[4][COL_LAST] = { { 0 } };
	/* per table: its OID under mailmonObjects, its columns */
	static const struct {
		int	 sub;
		int	 first;
		int	 last;
	} tab[4] = {
		[TAB_PROBE] = { 3, COL_HOST, COL_LAST },
		[TAB_STATS] = { 4, SCOL_HOURRESULTS, SCOL_LAST },
		[TAB_HISTORY] = { 5, HCOL_TIME, HCOL_LAST },
	};
	int	 t, c;

	(void)state;
	assert_true(agent_nvars > 3);
	for (i = 1; i < agent_nvars; i++)
		assert_true(snmp_oid_compare(agent_vars[i - 1].sub,
		    agent_vars[i - 1].len, agent_vars[i].sub,
		    agent_vars[i].len) < 0);
	for (i = 0; i < agent_nvars; i++) {
		const struct agent_var *v = &agent_vars[i];

		assert_true(v->len >= 1 && v->len <= 4);
		assert_true(v->table >= TAB_SCALAR && v->table <= TAB_HISTORY);
		if (v->table == TAB_SCALAR)
			continue;
		/* the entry is mailmonObjects(2).<table>.1 */
		assert_int_equal(v->len, 4);
		assert_int_equal(v->sub[0], 2);
		assert_int_equal(v->sub[1], tab[v->table].sub);
		assert_int_equal(v->sub[2], 1);
		assert_int_equal(v->sub[3], v->magic);
		assert_true(v->magic >= tab[v->table].first &&
		    v->magic < tab[v->table].last);
		seen[v->table][v->magic]++;
	}
	/* every accessible column exactly once, the indexes never */
	assert_int_equal(seen[TAB_PROBE][COL_NAME], 0);
	assert_int_equal(seen[TAB_HISTORY][HCOL_INDEX], 0);
	for (t = TAB_PROBE; t <= TAB_HISTORY; t++)
		for (c = tab[t].first; c < tab[t].last; c++)
			assert_int_equal(seen[t][c], 1);
}

static void
test_index_oid(void **state)
{
	oid	 o[40];
	char	 longname[40];

	(void)state;
	assert_int_equal(agent_index_oid("ab", o, 40), 3);
	assert_int_equal(o[0], 2);
	assert_int_equal(o[1], 'a');
	assert_int_equal(o[2], 'b');
	assert_int_equal(agent_index_oid("", o, 40), 0);
	memset(longname, 'x', 33);
	longname[33] = '\0';
	assert_int_equal(agent_index_oid(longname, o, 40), 0);
	longname[32] = '\0';
	assert_int_equal(agent_index_oid(longname, o, 40), 33);
	assert_int_equal(agent_index_oid("abc", o, 3), 0);	/* no room */
}

static void
test_get_scalars(void **state)
{
	struct agent_value v;
	oid	 sermailport[] = { ROOT, 1, 0 };
	oid	 count[] = { ROOT, 2, 1, 0 };
	oid	 noinst[] = { ROOT, 1 };
	oid	 badinst[] = { ROOT, 1, 1 };
	oid	 noobj[] = { ROOT, 9, 0 };
	oid	 other[] = { 1, 3, 6, 1, 2, 1, 1, 1, 0 };

	(void)state;
	assert_int_equal(agent_get(&rows, sermailport,
	    OID_LENGTH(sermailport), &v), 0);
	assert_int_equal(v.type, ASN_GAUGE);
	assert_int_equal(v.integer, 3);	/* b warning, ab unknown, bb critical */
	assert_int_equal(agent_get(&rows, count, OID_LENGTH(count), &v), 0);
	assert_int_equal(v.integer, 5);
	assert_int_equal(agent_get(&rows, noinst, OID_LENGTH(noinst), &v),
	    SNMP_NOSUCHINSTANCE);
	assert_int_equal(agent_get(&rows, badinst, OID_LENGTH(badinst), &v),
	    SNMP_NOSUCHINSTANCE);
	assert_int_equal(agent_get(&rows, noobj, OID_LENGTH(noobj), &v),
	    SNMP_NOSUCHOBJECT);
	assert_int_equal(agent_get(&rows, other, OID_LENGTH(other), &v),
	    SNMP_NOSUCHOBJECT);
}

struct get_case {
	const char	*name;
	int		 col;
	u_char		 type;
	long		 integer;
	const char	*str;
};

static const struct get_case get_cases[] = {
	{ "a", COL_HOST, ASN_OCTET_STR, 0, "mx1.example.test" },
	{ "a", COL_PORT, ASN_UNSIGNED, 25, NULL },
	{ "a", COL_PROTOCOL, ASN_INTEGER, 1, NULL },		/* smtp */
	{ "a", COL_TLSMODE, ASN_INTEGER, 2, NULL },		/* starttls */
	{ "a", COL_STATUS, ASN_INTEGER, 1, NULL },		/* ok */
	{ "a", COL_PREVSTATUS, ASN_INTEGER, 3, NULL },		/* critical */
	{ "a", COL_LASTSTATUS, ASN_INTEGER, 1, NULL },
	{ "a", COL_FAILCLASS, ASN_INTEGER, 1, NULL },		/* none */
	{ "a", COL_REASON, ASN_OCTET_STR, 0, "221 bye" },
	{ "a", COL_REPLYCODE, ASN_INTEGER, 221, NULL },
	{ "a", COL_REPLYTEXT, ASN_OCTET_STR, 0, "2.0.0 Bye" },
	{ "a", COL_ADDRESS, ASN_OCTET_STR, 0, "127.0.0.1" },
	{ "a", COL_LATENCY, ASN_GAUGE, 4294967295L, NULL },	/* clamped */
	{ "a", COL_DNSTIME, ASN_GAUGE, 10, NULL },
	{ "a", COL_TLSTIME, ASN_GAUGE, 3000, NULL },
	{ "a", COL_QUITTIME, ASN_GAUGE, 70, NULL },
	{ "a", COL_CERTDAYS, ASN_INTEGER, 42, NULL },
	{ "a", COL_LASTCHANGE, ASN_TIMETICKS, 12345, NULL },
	{ "a", COL_DELIVERYTOKEN, ASN_OCTET_STR, 0, "" },
	{ "b", COL_PROTOCOL, ASN_INTEGER, 5, NULL },		/* delivery */
	{ "b", COL_STATUS, ASN_INTEGER, 2, NULL },		/* warning */
	{ "b", COL_FAILCLASS, ASN_INTEGER, 16, NULL },		/* slow */
	{ "b", COL_DELIVERYLATENCY, ASN_GAUGE, 2500, NULL },	/* ms */
	{ "b", COL_DELIVERYTOKEN, ASN_OCTET_STR, 0, "tok-123" },
	{ "b", COL_CONSECFAIL, ASN_GAUGE, 2, NULL },
	{ "ab", COL_PROTOCOL, ASN_INTEGER, 3, NULL },		/* imap */
	{ "ab", COL_TLSMODE, ASN_INTEGER, 3, NULL },		/* implicit */
	{ "ab", COL_STATUS, ASN_INTEGER, 4, NULL },		/* unknown */
	{ "ab", COL_LASTCHANGE, ASN_TIMETICKS, 0, NULL },
	{ "bb", COL_PROTOCOL, ASN_INTEGER, 6, NULL },		/* relay */
	{ "bb", COL_FAILCLASS, ASN_INTEGER, 17, NULL },		/* openRelay */
	{ "bb", COL_CERTDAYS, ASN_INTEGER, -3, NULL },
	{ "bb", COL_TLSMODE, ASN_INTEGER, 1, NULL },		/* none */
	{ "abc", COL_PROTOCOL, ASN_INTEGER, 2, NULL },		/* pop3 */
	{ "abc", COL_REPLYCODE, ASN_INTEGER, 1, NULL },
};

static void
test_get_columns(void **state)
{
	struct agent_value v;
	oid	 o[AGENT_OID_MAX];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(get_cases) / sizeof(get_cases[0]); i++) {
		const struct get_case *c = &get_cases[i];

		n = cell(c->col, c->name, o);
		assert_int_equal(agent_get(&rows, o, n, &v), 0);
		assert_int_equal(v.type, c->type);
		if (c->str != NULL) {
			assert_int_equal(v.len, strlen(c->str));
			assert_memory_equal(v.str, c->str, v.len);
		} else
			assert_int_equal(v.integer, c->integer);
	}
}

static void
test_get_counter64(void **state)
{
	struct agent_value v;
	oid	 o[AGENT_OID_MAX];
	size_t	 n;

	(void)state;
	n = cell(COL_CHECKS, "a", o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.type, ASN_COUNTER64);
	assert_int_equal(v.c64.high, 1);
	assert_int_equal(v.c64.low, 5);
	n = cell(COL_FAILURES, "bb", o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.c64.high, 0);
	assert_int_equal(v.c64.low, 7);
}

static void
test_get_dateandtime(void **state)
{
	static const u_char want[11] = {
		0x07, 0xe7, 11, 14, 22, 13, 20, 0, '+', 0, 0
	};
	struct agent_value v;
	oid	 o[AGENT_OID_MAX];
	size_t	 n;

	(void)state;
	n = cell(COL_LASTCHECK, "a", o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.type, ASN_OCTET_STR);
	assert_int_equal(v.len, 11);
	assert_memory_equal(v.str, want, 11);
	/* abc has a result but no wall-clock time: a hole */
	n = cell(COL_LASTCHECK, "abc", o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
}

static void
test_get_missing(void **state)
{
	struct agent_value v;
	oid	 o[AGENT_OID_MAX];
	oid	 huge[128];
	size_t	 n, i;

	(void)state;
	/* no such row */
	n = cell(COL_HOST, "nope", o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	/* a row's index cut short, or with a byte too many */
	n = cell(COL_HOST, "ab", o);
	assert_int_equal(agent_get(&rows, o, n - 1, &v), SNMP_NOSUCHINSTANCE);
	o[n] = 'c';
	assert_int_equal(agent_get(&rows, o, n + 1, &v), SNMP_NOSUCHINSTANCE);
	/* the column itself, no index */
	assert_int_equal(agent_get(&rows, o, n - 3, &v), SNMP_NOSUCHINSTANCE);
	/* the index column is not-accessible */
	n = cell(COL_NAME, "a", o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHOBJECT);
	/* holes: never checked, phase not run, no certificate */
	n = cell(COL_LATENCY, "ab", o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = cell(COL_REASON, "ab", o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = cell(COL_AUTHTIME, "a", o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = cell(COL_CERTDAYS, "b", o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = cell(COL_DELIVERYLATENCY, "a", o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	/* hostile: a 128 sub-identifier index with huge values */
	n = cell(COL_HOST, "a", o);
	memcpy(huge, o, n * sizeof(oid));
	for (i = n; i < 128; i++)
		huge[i] = (oid)0xffffffffUL;
	assert_int_equal(agent_get(&rows, huge, 128, &v),
	    SNMP_NOSUCHINSTANCE);
	/* no rows at all */
	{
		const struct agent_rows none = { NULL, 0 };
		oid	 sm[] = { ROOT, 1, 0 };

		n = cell(COL_HOST, "a", o);
		assert_int_equal(agent_get(&none, o, n, &v),
		    SNMP_NOSUCHINSTANCE);
		assert_int_equal(agent_get(&none, sm, OID_LENGTH(sm), &v), 0);
		assert_int_equal(v.integer, 0);
	}
}

/* GETNEXT from `from`; expect `want` (or the end when wantlen == 0) */
static void
next_is(const oid *from, size_t fromlen, const oid *want, size_t wantlen)
{
	struct agent_value v;
	oid	 out[AGENT_OID_MAX];
	size_t	 outlen = 0;
	int	 rc;

	rc = agent_getnext(&rows, from, fromlen, out, &outlen, &v);
	if (wantlen == 0) {
		assert_int_equal(rc, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(outlen, wantlen);
	assert_memory_equal(out, want, wantlen * sizeof(oid));
}

static void
test_getnext_points(void **state)
{
	oid	 from[AGENT_OID_MAX], want[AGENT_OID_MAX];
	oid	 before[] = { 1, 3, 6, 1, 4, 1, 2789 };
	oid	 sermailport0[] = { ROOT, 1, 0 };
	oid	 count0[] = { ROOT, 2, 1, 0 };
	oid	 inside0[] = { ROOT, 1, 0, 7 };
	oid	 hostcol[] = { ENTRY, COL_HOST };
	oid	 len2[] = { ENTRY, COL_HOST, 2 };
	oid	 c[] = { ENTRY, COL_HOST, 1, 'c' };
	oid	 past[] = { ROOT, 4 };
	size_t	 n, w;

	(void)state;
	next_is(before, OID_LENGTH(before), sermailport0,
	    OID_LENGTH(sermailport0));
	next_is(root, OID_LENGTH(root), sermailport0,
	    OID_LENGTH(sermailport0));
	next_is(sermailport0, OID_LENGTH(sermailport0), count0,
	    OID_LENGTH(count0));
	next_is(inside0, OID_LENGTH(inside0), count0, OID_LENGTH(count0));
	/* column without index: its first row */
	w = cell(COL_HOST, "a", want);
	next_is(hostcol, OID_LENGTH(hostcol), want, w);
	/* the length alone sorts before every name of that length */
	w = cell(COL_HOST, "ab", want);
	next_is(len2, OID_LENGTH(len2), want, w);
	/* "c" is not a row: after "b", before "ab" */
	next_is(c, OID_LENGTH(c), want, w);
	/* across rows of different length: "b" -> "ab" */
	n = cell(COL_HOST, "b", from);
	next_is(from, n, want, w);
	/* a part of a row's index sorts before it: {2, 'a'} -> "ab" */
	{
		oid	 part[] = { ENTRY, COL_HOST, 2, 'a' };
		oid	 longer[] = { ENTRY, COL_HOST, 1, 'a', 5 };
		oid	 big[] = { ENTRY, COL_HOST, 1, 300 };
		oid	 bigab[] = { ENTRY, COL_HOST, 2, 'a', 'b' + 256 };

		next_is(part, OID_LENGTH(part), want, w);
		/* more than a row's index sorts after it: "a".5 -> "b" */
		w = cell(COL_HOST, "b", want);
		next_is(longer, OID_LENGTH(longer), want, w);
		/* a sub-identifier no byte reaches: after every name of
		 * that length */
		w = cell(COL_HOST, "ab", want);
		next_is(big, OID_LENGTH(big), want, w);
		w = cell(COL_HOST, "bb", want);
		next_is(bigab, OID_LENGTH(bigab), want, w);
		w = cell(COL_HOST, "ab", want);
	}
	/* last row of a column -> first row of the next column */
	n = cell(COL_HOST, "abc", from);
	w = cell(COL_PORT, "a", want);
	next_is(from, n, want, w);
	/* hole: ab has no latency, so b -> bb */
	n = cell(COL_LATENCY, "b", from);
	w = cell(COL_LATENCY, "bb", want);
	next_is(from, n, want, w);
	/* last cell of the probe table -> first of the statistics */
	n = cell(COL_FAILURES, "abc", from);
	w = scell(SCOL_HOURRESULTS, "a", want);
	next_is(from, n, want, w);
	/* last cell of the history table -> first of the target table */
	n = hcell(HCOL_DELIVERYLATENCY, "b", UINT32_MAX, from);
	w = targcell(TCOL_EXCHANGE, "a", 1, want);
	next_is(from, n, want, w);
	/* past our subtree: the end */
	next_is(past, OID_LENGTH(past), NULL, 0);
}

/* a full walk: strictly increasing, every cell a GET would return */
static void
test_getnext_walk(void **state)
{
	struct agent_value v, g;
	oid	 cur[AGENT_OID_MAX], out[AGENT_OID_MAX];
	size_t	 curlen = OID_LENGTH(root), outlen, steps = 0;
	size_t	 hosts = 0, latencies = 0, hist = 0;
	oid	 hostcol[] = { ENTRY, COL_HOST };
	oid	 histtime[] = { HENTRY, HCOL_TIME };
	oid	 latcol[] = { ENTRY, COL_LATENCY };
	const char *order[] = { "a", "b", "ab", "bb", "abc" };

	(void)state;
	memcpy(cur, root, sizeof(root));
	while (agent_getnext(&rows, cur, curlen, out, &outlen, &v) == 0) {
		assert_true(snmp_oid_compare(cur, curlen, out, outlen) < 0);
		assert_int_equal(agent_get(&rows, out, outlen, &g), 0);
		assert_int_equal(g.type, v.type);
		if (snmp_oid_compare(out, OID_LENGTH(hostcol), hostcol,
		    OID_LENGTH(hostcol)) == 0) {
			oid	 want[AGENT_OID_MAX];
			size_t	 w;

			assert_true(hosts < 5);
			w = cell(COL_HOST, order[hosts], want);
			assert_int_equal(snmp_oid_compare(out, outlen, want, w), 0);
			hosts++;
		}
		if (snmp_oid_compare(out, OID_LENGTH(latcol), latcol,
		    OID_LENGTH(latcol)) == 0)
			latencies++;
		if (snmp_oid_compare(out, OID_LENGTH(histtime), histtime,
		    OID_LENGTH(histtime)) == 0)
			hist++;
		memcpy(cur, out, outlen * sizeof(oid));
		curlen = outlen;
		assert_true(++steps < 2000);
	}
	assert_int_equal(hosts, 5);
	assert_int_equal(latencies, 4);	/* ab was never checked */
	/* 3 scalars + 10 always-present columns x 5 rows + results */
	assert_true(steps > 3 + 10 * 5);
	/* through the history table: 5 + 3 entries */
	assert_int_equal(hist, 5 + 3);
	/* and ended in the target summary, the last table */
	assert_int_equal(cur[AGENT_ROOT_LEN + 1], 11);
}

/* no password or login name is reachable by a walk */
static void
test_no_secrets(void **state)
{
	static const char *secret[] = {
		"s3cretpass", "loginuser", "b0xsecret", "boxuser"
	};
	struct agent_value v;
	oid	 cur[AGENT_OID_MAX], out[AGENT_OID_MAX];
	size_t	 curlen = OID_LENGTH(root), outlen, i, strings = 0;
	size_t	 steps = 0;

	(void)state;
	memcpy(cur, root, sizeof(root));
	while (agent_getnext(&rows, cur, curlen, out, &outlen, &v) == 0) {
		assert_true(snmp_oid_compare(cur, curlen, out, outlen) < 0);
		assert_true(++steps < 1000);
		if (v.type == ASN_OCTET_STR) {
			strings++;
			for (i = 0; i < 4; i++)
				assert_null(memmem(v.str, v.len, secret[i],
				    strlen(secret[i])));
		}
		memcpy(cur, out, outlen * sizeof(oid));
		curlen = outlen;
	}
	assert_true(strings > 10);
}

static void
test_timestamps(void **state)
{
	struct agent_value v;
	oid	 tlc[] = { ROOT, 2, 2, 0 };
	oid	 o[AGENT_OID_MAX];
	size_t	 n;

	(void)state;
	agent_set_clock(500, 1000, 0);
	assert_int_equal(agent_get(&rows, tlc, OID_LENGTH(tlc), &v), 0);
	assert_int_equal(v.type, ASN_TIMETICKS);
	assert_int_equal(v.integer, 500);
	/* the master restarted after the change: RFC 2579 says zero */
	agent_set_clock(500, 1000, 2000);
	assert_int_equal(agent_get(&rows, tlc, OID_LENGTH(tlc), &v), 0);
	assert_int_equal(v.integer, 0);
	n = cell(COL_LASTCHANGE, "a", o);	/* changed at 1700000000 */
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 12345);
	agent_set_clock(500, 1000, 1700000100);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 0);
	n = cell(COL_LASTCHANGE, "bb", o);	/* changed after the restart */
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 999);
	agent_set_clock(0, 0, 0);
}

struct stats_case {
	const char	*name;
	int		 col;
	u_char		 type;
	long		 integer;	/* -1: no instance */
};

static const struct stats_case stats_cases[] = {
	/* a: hour = 4 checks (one failed), day = all 5 */
	{ "a", SCOL_HOURRESULTS, ASN_GAUGE, 4 },
	{ "a", SCOL_HOURFAILURES, ASN_GAUGE, 1 },
	{ "a", SCOL_HOURAVAIL, ASN_GAUGE, 750 },
	/* the refused check has no latency sample */
	{ "a", SCOL_HOURLATMIN, ASN_GAUGE, 1000 },
	{ "a", SCOL_HOURLATAVG, ASN_GAUGE, 2000 },
	{ "a", SCOL_HOURLATMAX, ASN_GAUGE, 3000 },
	{ "a", SCOL_HOURLATP95, ASN_GAUGE, 3000 },
	{ "a", SCOL_HOUROUTAGE, ASN_GAUGE, 1000 },
	{ "a", SCOL_DAYRESULTS, ASN_GAUGE, 5 },
	{ "a", SCOL_DAYFAILURES, ASN_GAUGE, 1 },
	{ "a", SCOL_DAYAVAIL, ASN_GAUGE, 800 },
	{ "a", SCOL_DAYLATMIN, ASN_GAUGE, 500 },
	{ "a", SCOL_DAYLATAVG, ASN_GAUGE, 1625 },
	{ "a", SCOL_DAYLATMAX, ASN_GAUGE, 3000 },
	{ "a", SCOL_DAYOUTAGE, ASN_GAUGE, 1000 },
	{ "a", SCOL_LASTFAILCLASS, ASN_INTEGER, 3 },		/* refused */
	{ "a", SCOL_DISCONTINUITY, ASN_TIMETICKS, 5000 },
	{ "a", SCOL_HISTORYSIZE, ASN_UNSIGNED, 10 },
	/* b: a slow check still has a latency; counted before sysUpTime */
	{ "b", SCOL_HOURRESULTS, ASN_GAUGE, 2 },
	{ "b", SCOL_HOURAVAIL, ASN_GAUGE, 500 },
	{ "b", SCOL_HOURLATMAX, ASN_GAUGE, 2900000 },
	/* a warning is a failure too: an outage since, 20 s long */
	{ "b", SCOL_HOUROUTAGE, ASN_GAUGE, 20 },
	{ "b", SCOL_LASTFAILCLASS, ASN_INTEGER, 16 },		/* slow */
	{ "b", SCOL_DISCONTINUITY, ASN_TIMETICKS, 0 },
	{ "b", SCOL_HISTORYSIZE, ASN_UNSIGNED, 3 },
	/* bb: down for 100 s and still down */
	{ "bb", SCOL_HOURAVAIL, ASN_GAUGE, 0 },
	{ "bb", SCOL_HOUROUTAGE, ASN_GAUGE, 100 },
	{ "bb", SCOL_DAYOUTAGE, ASN_GAUGE, 100 },
	{ "bb", SCOL_HOURLATMIN, 0, -1 },
	{ "bb", SCOL_HOURLATP95, 0, -1 },
	{ "bb", SCOL_LASTOK, 0, -1 },
	{ "bb", SCOL_HISTORYSIZE, ASN_UNSIGNED, 0 },
	/* abc: no check yet: counts are zero, ratios have no instance */
	{ "abc", SCOL_HOURRESULTS, ASN_GAUGE, 0 },
	{ "abc", SCOL_DAYFAILURES, ASN_GAUGE, 0 },
	{ "abc", SCOL_HOURAVAIL, 0, -1 },
	{ "abc", SCOL_DAYAVAIL, 0, -1 },
	{ "abc", SCOL_LASTFAIL, 0, -1 },
	{ "abc", SCOL_LASTFAILCLASS, 0, -1 },
	/* ab: no statistics at all; the discontinuity is still known */
	{ "ab", SCOL_HOURRESULTS, 0, -1 },
	{ "ab", SCOL_DISCONTINUITY, ASN_TIMETICKS, 0 },
	{ "ab", SCOL_HISTORYSIZE, ASN_UNSIGNED, 0 },
};

static void
test_stats_get(void **state)
{
	/* a's last failure 2000 s before WALL: 2023-11-14 21:40:00 UTC */
	static const u_char lastfail[11] = {
		0x07, 0xe7, 11, 14, 21, 40, 0, 0, '+', 0, 0
	};
	struct agent_value v;
	oid	 o[AGENT_OID_MAX];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(stats_cases) / sizeof(stats_cases[0]); i++) {
		const struct stats_case *c = &stats_cases[i];

		n = scell(c->col, c->name, o);
		if (c->integer == -1) {
			assert_int_equal(agent_get(&rows, o, n, &v),
			    SNMP_NOSUCHINSTANCE);
			continue;
		}
		assert_int_equal(agent_get(&rows, o, n, &v), 0);
		assert_int_equal(v.type, c->type);
		assert_int_equal(v.integer, c->integer);
	}
	n = scell(SCOL_LASTFAIL, "a", o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.len, 11);
	assert_memory_equal(v.str, lastfail, 11);
	n = scell(SCOL_LASTOK, "a", o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.len, 11);
	/* no such row in the augmenting table either */
	n = scell(SCOL_HOURRESULTS, "zz", o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);

	/* an hour later a's hour window is empty, its day still holds 4 */
	{
		struct agent_rows later = rows;

		later.now = NOW + 3600;
		n = scell(SCOL_HOURRESULTS, "a", o);
		assert_int_equal(agent_get(&later, o, n, &v), 0);
		assert_int_equal(v.integer, 0);
		n = scell(SCOL_HOURLATP95, "a", o);
		assert_int_equal(agent_get(&later, o, n, &v),
		    SNMP_NOSUCHINSTANCE);
		n = scell(SCOL_DAYRESULTS, "a", o);
		assert_int_equal(agent_get(&later, o, n, &v), 0);
		assert_int_equal(v.integer, 5);
	}
}

static void
test_history_get(void **state)
{
	static const u_char t10[11] = {	/* WALL - 10 */
		0x07, 0xe7, 11, 14, 22, 13, 10, 0, '+', 0, 0
	};
	struct agent_value v;
	oid	 o[AGENT_OID_MAX];
	size_t	 n;

	(void)state;
	/* a: numbers 1..5; 3 is the refused check */
	n = hcell(HCOL_STATUS, "a", 3, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.type, ASN_INTEGER);
	assert_int_equal(v.integer, 3);		/* critical */
	n = hcell(HCOL_FAILCLASS, "a", 3, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 3);		/* refused */
	n = hcell(HCOL_REPLYCODE, "a", 5, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 221);
	n = hcell(HCOL_LATENCY, "a", 5, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.type, ASN_GAUGE);
	assert_int_equal(v.integer, 2000);
	n = hcell(HCOL_TIME, "a", 5, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.len, 11);
	assert_memory_equal(v.str, t10, 11);
	/* b: across the wrap; the delivery latency is in milliseconds */
	n = hcell(HCOL_DELIVERYLATENCY, "b", UINT32_MAX, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 2500);
	n = hcell(HCOL_DELIVERYLATENCY, "b", 2, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 1234);
	n = hcell(HCOL_STATUS, "b", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 2);		/* warning */
	/* sparse: the slow check delivered nothing */
	n = hcell(HCOL_DELIVERYLATENCY, "b", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);

	/* no such entries: a number never given, 0, a row without history */
	n = hcell(HCOL_STATUS, "a", 6, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = hcell(HCOL_STATUS, "a", 0, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = hcell(HCOL_STATUS, "bb", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = hcell(HCOL_STATUS, "ab", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	/* the index without its number, with one too many, with a bad length */
	n = hcell(HCOL_STATUS, "a", 3, o);
	assert_int_equal(agent_get(&rows, o, n - 1, &v), SNMP_NOSUCHINSTANCE);
	o[n] = 1;
	assert_int_equal(agent_get(&rows, o, n + 1, &v), SNMP_NOSUCHINSTANCE);
	o[AGENT_ROOT_LEN + 4] = 200;
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	o[AGENT_ROOT_LEN + 4] = 0;
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	/* the index column is not-accessible */
	n = hcell(HCOL_INDEX, "a", 3, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHOBJECT);
}

static void
test_history_getnext(void **state)
{
	oid	 from[AGENT_OID_MAX], want[AGENT_OID_MAX];
	oid	 col[] = { HENTRY, HCOL_STATUS };
	oid	 lenonly[] = { HENTRY, HCOL_STATUS, 1 };
	size_t	 n, w;
	uint32_t seq;

	(void)state;
	/* the column: a's first entry ("a" is the first row) */
	w = hcell(HCOL_STATUS, "a", 1, want);
	next_is(col, OID_LENGTH(col), want, w);
	next_is(lenonly, OID_LENGTH(lenonly), want, w);
	/* the row index alone: its first entry */
	n = tcell(5, HCOL_STATUS, "a", from);
	next_is(from, n, want, w);
	/* within a row, number by number */
	for (seq = 1; seq < 5; seq++) {
		n = hcell(HCOL_STATUS, "a", seq, from);
		w = hcell(HCOL_STATUS, "a", seq + 1, want);
		next_is(from, n, want, w);
	}
	/* an instance below a number: that number is next... */
	n = hcell(HCOL_STATUS, "a", 2, from);
	from[n] = 7;
	w = hcell(HCOL_STATUS, "a", 3, want);
	next_is(from, n + 1, want, w);
	/* ...and a number past the end of the row goes to the next row */
	n = hcell(HCOL_STATUS, "a", 5, from);
	w = hcell(HCOL_STATUS, "b", 1, want);
	next_is(from, n, want, w);
	from[n - 1] = 0xffffffffffULL;	/* beyond any number */
	next_is(from, n, want, w);
	/* b: index order after the wrap is 1, 2, 4294967295 */
	n = hcell(HCOL_STATUS, "b", 1, from);
	w = hcell(HCOL_STATUS, "b", 2, want);
	next_is(from, n, want, w);
	n = hcell(HCOL_STATUS, "b", 2, from);
	w = hcell(HCOL_STATUS, "b", UINT32_MAX, want);
	next_is(from, n, want, w);
	/* after b: ab has nothing, bb keeps nothing, abc has nothing */
	n = hcell(HCOL_STATUS, "b", UINT32_MAX, from);
	w = hcell(HCOL_FAILCLASS, "a", 1, want);
	next_is(from, n, want, w);
	/* a row that is not there: the next row that has entries */
	n = hcell(HCOL_STATUS, "aa", 9, from);
	w = hcell(HCOL_FAILCLASS, "a", 1, want);
	next_is(from, n, want, w);
	/* sparse column: b's entry 1 has no delivery latency */
	n = hcell(HCOL_DELIVERYLATENCY, "b", 0, from);
	w = hcell(HCOL_DELIVERYLATENCY, "b", 2, want);
	next_is(from, n, want, w);
	/* and a has no delivery at all: the column starts with b */
	n = tcell(5, HCOL_DELIVERYLATENCY, "a", from);
	w = hcell(HCOL_DELIVERYLATENCY, "b", 2, want);
	next_is(from, n, want, w);
}

static void
test_timestamp_at(void **state)
{
	struct agent_rows r = rows;

	(void)state;
	/* sysUpTime 100 s; an event 30 s ago happened at 70 s */
	assert_int_equal(agent_timestamp_at(&r, MONO_US - 30000000LL), 7000);
	assert_int_equal(agent_timestamp_at(&r, MONO_US), UPTIME);
	/* before the master's (re)start, or never: zero */
	assert_int_equal(agent_timestamp_at(&r, MONO_US - 100000000LL), 0);
	assert_int_equal(agent_timestamp_at(&r, MONO_US - 900000000LL), 0);
	assert_int_equal(agent_timestamp_at(&r, 0), 0);
	/* the master restarted 5 s ago: the same event is before it */
	r.uptime = 500;
	assert_int_equal(agent_timestamp_at(&r, MONO_US - 30000000LL), 0);
	assert_int_equal(agent_timestamp_at(&r, MONO_US - 2000000LL), 300);
}

static void
test_notify_build(void **state)
{
	static const oid trapoid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	static const oid down[] = { ROOT, 0, 1 };
	static const oid up[] = { ROOT, 0, 2 };
	static const int cols[] = {
		COL_HOST, COL_PROTOCOL, COL_STATUS, COL_PREVSTATUS,
		COL_FAILCLASS, COL_REASON, COL_REPLYTEXT, COL_LATENCY
	};
	netsnmp_variable_list *vars, *vp;
	oid	 want[AGENT_OID_MAX];
	size_t	 i, w;

	(void)state;
	vars = agent_notify_build(&rows, &row_bb);
	assert_non_null(vars);
	assert_int_equal(snmp_oid_compare(vars->name, vars->name_length,
	    trapoid, OID_LENGTH(trapoid)), 0);
	assert_int_equal(vars->type, ASN_OBJECT_ID);
	assert_int_equal(snmp_oid_compare(vars->val.objid,
	    vars->val_len / sizeof(oid), down, OID_LENGTH(down)), 0);
	/* every object carries the row's index */
	for (i = 0, vp = vars->next_variable; i < 8; i++,
	    vp = vp->next_variable) {
		assert_non_null(vp);
		w = cell(cols[i], "bb", want);
		assert_int_equal(snmp_oid_compare(vp->name, vp->name_length,
		    want, w), 0);
	}
	/* then the failing targets, with the same index */
	assert_non_null(vp);
	w = sumcell(SUMCOL_FAILED, "bb", want);
	assert_int_equal(snmp_oid_compare(vp->name, vp->name_length, want, w),
	    0);
	assert_int_equal(vp->type, ASN_OCTET_STR);
	assert_int_equal(vp->val_len, 0);	/* bb's one target is ok */
	/* appended last: the hour's availability (bb: 1 check, failed) */
	vp = vp->next_variable;
	assert_non_null(vp);
	w = scell(SCOL_HOURAVAIL, "bb", want);
	assert_int_equal(snmp_oid_compare(vp->name, vp->name_length, want, w),
	    0);
	assert_int_equal(vp->type, ASN_GAUGE);
	assert_int_equal(*vp->val.integer, 0);
	assert_null(vp->next_variable);
	vp = vars->next_variable->next_variable->next_variable;	/* status */
	assert_int_equal(vp->type, ASN_INTEGER);
	assert_int_equal(*vp->val.integer, 3);			/* critical */
	assert_int_equal(*vp->next_variable->val.integer, 1);	/* was ok */
	vp = vars->next_variable;				/* host */
	assert_int_equal(vp->val_len, strlen("relay.example.test"));
	assert_memory_equal(vp->val.string, "relay.example.test", vp->val_len);
	snmp_free_varbind(vars);

	/* back to ok: mailmonProbeUp, a's hour: 3 of 4 ok = 750 per mille */
	vars = agent_notify_build(&rows, &row_a);
	assert_non_null(vars);
	assert_int_equal(snmp_oid_compare(vars->val.objid,
	    vars->val_len / sizeof(oid), up, OID_LENGTH(up)), 0);
	for (vp = vars; vp->next_variable->next_variable != NULL;
	    vp = vp->next_variable)
		;
	{
		const char *txt = "mx1.example.test IPv6 2001:db8::25: connect "
		    "timed out; missing.example.test: no such host (NXDOMAIN)";

		assert_int_equal(vp->val_len, strlen(txt));
		assert_memory_equal(vp->val.string, txt, vp->val_len);
	}
	vp = vp->next_variable;
	assert_int_equal(vp->type, ASN_GAUGE);
	assert_int_equal(*vp->val.integer, 750);
	snmp_free_varbind(vars);

	/* never checked: objects still present, with neutral values */
	vars = agent_notify_build(&rows, &row_ab);
	assert_non_null(vars);
	for (i = 0, vp = vars->next_variable; vp != NULL;
	    vp = vp->next_variable)
		i++;
	assert_int_equal(i, 10);
	snmp_free_varbind(vars);
}

static void
test_notify_queue(void **state)
{
	size_t	 i;

	(void)state;
	/* no AgentX session: everything waits, the oldest go first */
	assert_false(agent_connected());
	assert_int_equal(agent_notify_queued(), 0);
	for (i = 0; i < 300; i++)
		agent_notify_submit(agent_notify_build(&rows, &row_bb));
	assert_int_equal(agent_notify_queued(), 256);
	/* flushing without a session sends nothing */
	agent_notify_flush();
	assert_int_equal(agent_notify_queued(), 256);
	agent_notify_free();
	assert_int_equal(agent_notify_queued(), 0);
	/* agent_notify() without agent_init() is a no-op */
	agent_notify(&row_bb);
	assert_int_equal(agent_notify_queued(), 0);
}

static void
test_target_order(void **state)
{
	oid	 last[AGENT_OID_MAX];
	size_t	 i, lastlen;
	int	 seen[TCOL_LAST] = { 0 }, sseen[SUMCOL_LAST] = { 0 };
	int	 c;

	(void)state;
	/* after every object of agent_mib.c */
	memcpy(last, agent_vars[agent_nvars - 1].sub,
	    agent_vars[agent_nvars - 1].len * sizeof(oid));
	lastlen = agent_vars[agent_nvars - 1].len;
	assert_true(snmp_oid_compare(last, lastlen, agent_tvars[0].sub,
	    agent_tvars[0].len) < 0);
	for (i = 1; i < agent_ntvars; i++)
		assert_true(snmp_oid_compare(agent_tvars[i - 1].sub,
		    agent_tvars[i - 1].len, agent_tvars[i].sub,
		    agent_tvars[i].len) < 0);
	for (i = 0; i < agent_ntvars; i++) {
		const struct agent_tvar *v = &agent_tvars[i];

		assert_int_equal(v->sub[0], 2);
		switch (v->kind) {
		case TV_TARGET:
			/* mailmonTargetEntry = mailmonObjects 10 1 */
			assert_int_equal(v->len, 4);
			assert_int_equal(v->sub[1], 10);
			assert_int_equal(v->sub[2], 1);
			assert_int_equal(v->sub[3], v->col);
			assert_true(v->col > TCOL_INDEX && v->col < TCOL_LAST);
			seen[v->col]++;
			break;
		case TV_COUNT:
			assert_int_equal(v->len, 3);
			assert_int_equal(v->sub[1], 11);
			assert_int_equal(v->sub[2], 1);
			break;
		case TV_SUMMARY:
			/* mailmonTargetSummaryEntry = mailmonObjects 11 2 1 */
			assert_int_equal(v->len, 5);
			assert_int_equal(v->sub[1], 11);
			assert_int_equal(v->sub[2], 2);
			assert_int_equal(v->sub[3], 1);
			assert_int_equal(v->sub[4], v->col);
			sseen[v->col]++;
			break;
		}
	}
	assert_int_equal(seen[TCOL_INDEX], 0);
	for (c = TCOL_EXCHANGE; c < TCOL_LAST; c++)
		assert_int_equal(seen[c], 1);
	for (c = SUMCOL_DNS; c < SUMCOL_LAST; c++)
		assert_int_equal(sseen[c], 1);
}

static void
test_target_get(void **state)
{
	struct agent_value v;
	oid	 o[AGENT_OID_MAX];
	oid	 count0[] = { ROOT, 2, 11, 1, 0 };
	oid	 count1[] = { ROOT, 2, 11, 1, 1 };
	oid	 nothing[] = { ROOT, 2, 10, 1, 99 };
	size_t	 n;

	(void)state;
	n = targcell(TCOL_EXCHANGE, "a", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.type, ASN_OCTET_STR);
	assert_int_equal(v.len, strlen("mx1.example.test"));
	assert_memory_equal(v.str, "mx1.example.test", v.len);
	n = targcell(TCOL_PREFERENCE, "a", 3, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.type, ASN_UNSIGNED);
	assert_int_equal(v.integer, 20);
	n = targcell(TCOL_FAMILY, "a", 2, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 2);			/* ipv6 */
	n = targcell(TCOL_FAMILY, "a", 3, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 3);			/* none */
	n = targcell(TCOL_ADDRTYPE, "a", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 1);			/* ipv4 */
	n = targcell(TCOL_ADDRESS, "a", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.len, 4);
	assert_memory_equal(v.str, "\xc0\x00\x02\x19", 4);
	n = targcell(TCOL_ADDRESS, "a", 2, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.len, 16);
	n = targcell(TCOL_ADDRESS, "a", 3, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.len, 0);
	n = targcell(TCOL_ADDRTYPE, "a", 3, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 0);			/* unknown */
	n = targcell(TCOL_ADDRTEXT, "a", 2, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_memory_equal(v.str, "2001:db8::25", v.len);
	n = targcell(TCOL_STATUS, "a", 2, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 3);			/* critical */
	n = targcell(TCOL_FAILCLASS, "a", 2, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, FAIL_CONNECT_TIMEOUT + 1);
	n = targcell(TCOL_ALIAS, "a", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 2);			/* false */
	n = targcell(TCOL_ORIGIN, "bb", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 2);			/* implicitMx */
	n = targcell(TCOL_LATENCY, "a", 2, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.type, ASN_GAUGE);
	assert_int_equal(v.integer, 2000000);
	n = targcell(TCOL_CERTDAYS, "a", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 42);
	/* holes: no connection, no certificate */
	n = targcell(TCOL_LATENCY, "a", 3, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = targcell(TCOL_CERTDAYS, "a", 2, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	/* no such target, row, or a probe without targets */
	n = targcell(TCOL_EXCHANGE, "a", 4, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = targcell(TCOL_EXCHANGE, "a", 0, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = targcell(TCOL_EXCHANGE, "zz", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = targcell(TCOL_EXCHANGE, "b", 1, o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
	n = targcell(TCOL_EXCHANGE, "a", 1, o);
	assert_int_equal(agent_get(&rows, o, n - 1, &v), SNMP_NOSUCHINSTANCE);
	o[n] = 1;
	assert_int_equal(agent_get(&rows, o, n + 1, &v), SNMP_NOSUCHINSTANCE);
	assert_int_equal(agent_get(&rows, nothing, OID_LENGTH(nothing), &v),
	    SNMP_NOSUCHOBJECT);
	/* the count and the summary */
	assert_int_equal(agent_get(&rows, count0, OID_LENGTH(count0), &v), 0);
	assert_int_equal(v.type, ASN_GAUGE);
	assert_int_equal(v.integer, 4);
	assert_int_equal(agent_get(&rows, count1, OID_LENGTH(count1), &v),
	    SNMP_NOSUCHINSTANCE);
	n = sumcell(SUMCOL_DNS, "bb", o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, TD_IMPLICIT + 1);
	n = sumcell(SUMCOL_TARGETS, "a", o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 3);
	n = sumcell(SUMCOL_FAILING, "a", o);
	assert_int_equal(agent_get(&rows, o, n, &v), 0);
	assert_int_equal(v.integer, 2);
	n = sumcell(SUMCOL_FAILED, "b", o);
	assert_int_equal(agent_get(&rows, o, n, &v), SNMP_NOSUCHINSTANCE);
}

/* the target objects walk in order, every cell a GET would return */
static void
test_target_walk(void **state)
{
	struct agent_value v, g;
	oid	 start[] = { ROOT, 2, 10 };
	oid	 cur[AGENT_OID_MAX], out[AGENT_OID_MAX], want[AGENT_OID_MAX];
	size_t	 curlen = OID_LENGTH(start), outlen, w, steps = 0;
	size_t	 exch = 0, latency = 0, summary = 0;
	oid	 exchcol[] = { TENTRY, TCOL_EXCHANGE };
	oid	 latcol[] = { TENTRY, TCOL_LATENCY };
	oid	 sumcol[] = { SUMENTRY };

	(void)state;
	memcpy(cur, start, sizeof(start));
	while (agent_getnext(&rows, cur, curlen, out, &outlen, &v) == 0) {
		assert_true(snmp_oid_compare(cur, curlen, out, outlen) < 0);
		assert_int_equal(agent_get(&rows, out, outlen, &g), 0);
		assert_int_equal(g.type, v.type);
		if (snmp_oid_compare(out, OID_LENGTH(exchcol), exchcol,
		    OID_LENGTH(exchcol)) == 0)
			exch++;
		if (snmp_oid_compare(out, OID_LENGTH(latcol), latcol,
		    OID_LENGTH(latcol)) == 0)
			latency++;
		if (snmp_oid_compare(out, OID_LENGTH(sumcol), sumcol,
		    OID_LENGTH(sumcol)) == 0)
			summary++;
		memcpy(cur, out, outlen * sizeof(oid));
		curlen = outlen;
		assert_true(++steps < 1000);
	}
	assert_int_equal(exch, 4);		/* a: 3 targets, bb: 1 */
	assert_int_equal(latency, 3);		/* a's DNS row has none */
	assert_int_equal(summary, 2 * SUMCOL_FAILED);
	/* 14 columns, 4 rows, 3 holes (a.3 latency, a.2 and a.3 certificate),
	 * the count, 2 x 4 summaries */
	assert_int_equal(steps, 14 * 4 - 3 + 1 + 8);

	/* inside a row: the next target, then the next row */
	w = targcell(TCOL_EXCHANGE, "a", 1, cur);
	cur[w] = 7;				/* a.1.7: after a.1 */
	(void)targcell(TCOL_EXCHANGE, "a", 2, want);
	next_is(cur, w + 1, want, w);
	w = targcell(TCOL_EXCHANGE, "a", 3, cur);
	(void)targcell(TCOL_EXCHANGE, "bb", 1, want);
	next_is(cur, w, want, w + 1);
	/* a name index alone: its first target */
	w = targcell(TCOL_EXCHANGE, "bb", 1, cur);
	next_is(cur, w - 1, cur, w);
	/* last target of the last column -> the count */
	w = targcell(TCOL_CERTDAYS, "bb", 1, cur);
	{
		oid	 count0[] = { ROOT, 2, 11, 1, 0 };

		next_is(cur, w, count0, OID_LENGTH(count0));
	}
}

/* the mailmonEngine scalars: between the history and the target tables */
static void
test_engine_scalars(void **state)
{
	struct agent_rows r = rows;
	struct agent_value v;
	oid	 inflight[] = { ROOT, 2, 6, 1, 0 };
	oid	 maxin[] = { ROOT, 2, 6, 2, 0 };
	oid	 waiting[] = { ROOT, 2, 6, 3, 0 };
	oid	 delayed[] = { ROOT, 2, 6, 4, 0 };
	oid	 internal[] = { ROOT, 2, 6, 5, 0 };
	oid	 from[AGENT_OID_MAX], out[AGENT_OID_MAX], want[AGENT_OID_MAX];
	size_t	 n, outlen, w;

	(void)state;
	/* without the scheduler's numbers: no instance, the walk skips them */
	assert_int_equal(agent_get(&r, inflight, OID_LENGTH(inflight), &v),
	    SNMP_NOSUCHINSTANCE);
	r.have_engine = 1;
	r.engine.inflight = 17;
	r.engine.max_inflight = 400;
	r.engine.waiting = 3;
	r.engine.delayed = 0x100000002ULL;
	r.engine.internal = 9;
	assert_int_equal(agent_get(&r, inflight, OID_LENGTH(inflight), &v), 0);
	assert_int_equal(v.type, ASN_GAUGE);
	assert_int_equal(v.integer, 17);
	assert_int_equal(agent_get(&r, maxin, OID_LENGTH(maxin), &v), 0);
	assert_int_equal(v.integer, 400);
	assert_int_equal(agent_get(&r, waiting, OID_LENGTH(waiting), &v), 0);
	assert_int_equal(v.integer, 3);
	assert_int_equal(agent_get(&r, delayed, OID_LENGTH(delayed), &v), 0);
	assert_int_equal(v.type, ASN_COUNTER64);
	assert_int_equal(v.c64.high, 1);
	assert_int_equal(v.c64.low, 2);
	assert_int_equal(agent_get(&r, internal, OID_LENGTH(internal), &v), 0);
	assert_int_equal(v.c64.low, 9);

	/* the last history cell is followed by the five scalars, in order */
	n = hcell(HCOL_DELIVERYLATENCY, "b", UINT32_MAX, from);
	assert_int_equal(agent_getnext(&r, from, n, out, &outlen, &v), 0);
	assert_int_equal(snmp_oid_compare(out, outlen, inflight,
	    OID_LENGTH(inflight)), 0);
	assert_int_equal(agent_getnext(&r, inflight, OID_LENGTH(inflight), out,
	    &outlen, &v), 0);
	assert_int_equal(snmp_oid_compare(out, outlen, maxin,
	    OID_LENGTH(maxin)), 0);
	/* ... and the last one by the target table */
	assert_int_equal(agent_getnext(&r, internal, OID_LENGTH(internal), out,
	    &outlen, &v), 0);
	w = targcell(TCOL_EXCHANGE, "a", 1, want);
	assert_int_equal(snmp_oid_compare(out, outlen, want, w), 0);
}

/* ---- AgentX reads answered on the session (agent_direct.c) ------------ */

#define AX_GET		5
#define AX_GETNEXT	6
#define AX_GETBULK	7
#define AX_RESPONSE	18

static netsnmp_pdu *
axpdu(int cmd)
{
	netsnmp_pdu *p = snmp_pdu_create(cmd);

	assert_non_null(p);
	p->reqid = 77;
	p->transid = 78;
	p->sessid = 79;
	return p;
}

/* a varbind with its search range: inclusive or not, end (NULL: none) */
static void
axvar(netsnmp_pdu *p, const oid *name, size_t len, int incl,
    const oid *end, size_t endlen)
{
	static const oid null_oid[] = { 0, 0 };

	if (end == NULL) {
		end = null_oid;
		endlen = 2;
	}
	assert_non_null(snmp_pdu_add_variable(p, name, len,
	    incl ? ASN_PRIV_INCL_RANGE : ASN_PRIV_EXCL_RANGE,
	    end, endlen * sizeof(oid)));
}

static void
test_direct_ours(void **state)
{
	oid	 sysdescr[] = { 1, 3, 6, 1, 2, 1, 1, 1, 0 };
	oid	 before[] = { 1, 3, 6, 1, 4, 1, 2789 };
	oid	 after[] = { 1, 3, 6, 1, 4, 1, 2790 };
	oid	 port0[] = { ROOT, 1, 0 };
	netsnmp_pdu *p;

	(void)state;
	p = axpdu(AX_GET);
	axvar(p, port0, OID_LENGTH(port0), 0, NULL, 0);
	assert_int_equal(agent_direct_ours(p), 1);
	/* one foreign varbind: the whole PDU goes to the library */
	axvar(p, sysdescr, OID_LENGTH(sysdescr), 0, NULL, 0);
	assert_int_equal(agent_direct_ours(p), 0);
	snmp_free_pdu(p);

	/* a GET of the OID before us is not ours; a GETNEXT from it is */
	p = axpdu(AX_GET);
	axvar(p, before, OID_LENGTH(before), 0, NULL, 0);
	assert_int_equal(agent_direct_ours(p), 0);
	p->command = AX_GETNEXT;
	assert_int_equal(agent_direct_ours(p), 1);
	snmp_free_pdu(p);
	p = axpdu(AX_GETNEXT);
	axvar(p, after, OID_LENGTH(after), 0, NULL, 0);
	assert_int_equal(agent_direct_ours(p), 0);
	snmp_free_pdu(p);

	/* GETBULK, a non-default context and an empty PDU are not */
	p = axpdu(AX_GETBULK);
	axvar(p, port0, OID_LENGTH(port0), 0, NULL, 0);
	assert_int_equal(agent_direct_ours(p), 0);
	p->command = AX_GETNEXT;
	p->community = (u_char *)strdup("ctx");
	p->community_len = 3;
	assert_int_equal(agent_direct_ours(p), 0);
	snmp_free_pdu(p);
	p = axpdu(AX_GET);
	assert_int_equal(agent_direct_ours(p), 0);
	snmp_free_pdu(p);
}

static void
test_direct_get(void **state)
{
	struct agent_value v;
	oid	 host_a[AGENT_OID_MAX], lat_ab[AGENT_OID_MAX];
	oid	 bogus[] = { ROOT, 2, 3, 1, COL_HOST, 1, 'z' };
	size_t	 na, nl;
	netsnmp_pdu *p, *r;
	netsnmp_variable_list *vb;

	(void)state;
	na = cell(COL_HOST, "a", host_a);
	nl = cell(COL_LATENCY, "ab", lat_ab);
	p = axpdu(AX_GET);
	axvar(p, host_a, na, 0, NULL, 0);
	axvar(p, bogus, OID_LENGTH(bogus), 0, NULL, 0);
	axvar(p, lat_ab, nl, 0, NULL, 0);
	r = agent_direct_answer(&rows, p, 193);
	assert_non_null(r);
	assert_int_equal(r->command, AX_RESPONSE);
	assert_int_equal(r->version, 193);
	assert_int_equal(r->reqid, 77);
	assert_int_equal(r->transid, 78);
	assert_int_equal(r->sessid, 79);
	assert_int_equal(r->errstat, 0);
	assert_false(r->flags & UCD_MSG_FLAG_EXPECT_RESPONSE);

	/* the value the handler's lookup gives, under the asked name */
	vb = r->variables;
	assert_int_equal(agent_get(&rows, host_a, na, &v), 0);
	assert_int_equal(vb->type, ASN_OCTET_STR);
	assert_int_equal(vb->val_len, v.len);
	assert_memory_equal(vb->val.string, v.str, v.len);
	assert_int_equal(snmp_oid_compare(vb->name, vb->name_length, host_a,
	    na), 0);
	/* no such row; a row without a latency yet */
	vb = vb->next_variable;
	assert_int_equal(vb->type, SNMP_NOSUCHINSTANCE);
	vb = vb->next_variable;
	assert_int_equal(vb->type, SNMP_NOSUCHINSTANCE);
	assert_null(vb->next_variable);
	snmp_free_pdu(r);
	snmp_free_pdu(p);
}

/* GETNEXT with one varbind; returns the response (caller frees) */
static netsnmp_pdu *
direct_next(const oid *from, size_t len, int incl, const oid *end,
    size_t endlen)
{
	netsnmp_pdu *p, *r;

	p = axpdu(AX_GETNEXT);
	axvar(p, from, len, incl, end, endlen);
	r = agent_direct_answer(&rows, p, 193);
	snmp_free_pdu(p);
	assert_non_null(r);
	assert_non_null(r->variables);
	return r;
}

static void
test_direct_getnext(void **state)
{
	oid	 a[AGENT_OID_MAX], b[AGENT_OID_MAX];
	oid	 port0[] = { ROOT, 1, 0 };
	oid	 past[] = { ROOT, 4 };
	size_t	 na, nb;
	netsnmp_pdu *r;
	netsnmp_variable_list *vb;

	(void)state;
	na = cell(COL_HOST, "a", a);
	nb = cell(COL_HOST, "b", b);

	/* exclusive: the next instance */
	r = direct_next(a, na, 0, NULL, 0);
	vb = r->variables;
	assert_int_equal(snmp_oid_compare(vb->name, vb->name_length, b, nb), 0);
	assert_int_equal(vb->type, ASN_OCTET_STR);
	snmp_free_pdu(r);

	/* inclusive: the start itself when it is an instance */
	r = direct_next(a, na, 1, NULL, 0);
	vb = r->variables;
	assert_int_equal(snmp_oid_compare(vb->name, vb->name_length, a, na), 0);
	assert_int_equal(vb->type, ASN_OCTET_STR);
	snmp_free_pdu(r);

	/* inclusive from our root, as Net-SNMP's master starts a walk */
	r = direct_next(root, OID_LENGTH(root), 1, NULL, 0);
	vb = r->variables;
	assert_int_equal(snmp_oid_compare(vb->name, vb->name_length, port0,
	    OID_LENGTH(port0)), 0);
	snmp_free_pdu(r);

	/* the range end is excluded: a to b with end b is the end */
	r = direct_next(a, na, 0, b, nb);
	vb = r->variables;
	assert_int_equal(vb->type, SNMP_ENDOFMIBVIEW);
	assert_int_equal(snmp_oid_compare(vb->name, vb->name_length, a, na), 0);
	snmp_free_pdu(r);
	/* also for an inclusive start at the end's instance */
	r = direct_next(b, nb, 1, b, nb);
	assert_int_equal(r->variables->type, SNMP_ENDOFMIBVIEW);
	snmp_free_pdu(r);
	/* an end past the next instance lets it through */
	r = direct_next(a, na, 0, past, OID_LENGTH(past));
	vb = r->variables;
	assert_int_equal(snmp_oid_compare(vb->name, vb->name_length, b, nb), 0);
	snmp_free_pdu(r);

	/* past our subtree: endOfMibView under the start OID */
	r = direct_next(past, OID_LENGTH(past), 0, NULL, 0);
	vb = r->variables;
	assert_int_equal(vb->type, SNMP_ENDOFMIBVIEW);
	assert_int_equal(snmp_oid_compare(vb->name, vb->name_length, past,
	    OID_LENGTH(past)), 0);
	snmp_free_pdu(r);
}

/* a walk through the direct answers visits what agent_getnext visits */
static void
test_direct_walk(void **state)
{
	struct agent_value v;
	oid	 cur[AGENT_OID_MAX], out[AGENT_OID_MAX];
	size_t	 curlen = OID_LENGTH(root), outlen, steps = 0;
	netsnmp_pdu *r;

	(void)state;
	memcpy(cur, root, sizeof(root));
	for (;;) {
		int	 more = agent_getnext(&rows, cur, curlen, out, &outlen,
		    &v) == 0;

		r = direct_next(cur, curlen, 0, NULL, 0);
		if (!more) {
			assert_int_equal(r->variables->type, SNMP_ENDOFMIBVIEW);
			snmp_free_pdu(r);
			break;
		}
		assert_int_equal(snmp_oid_compare(r->variables->name,
		    r->variables->name_length, out, outlen), 0);
		assert_int_equal(r->variables->type, v.type);
		snmp_free_pdu(r);
		memcpy(cur, out, outlen * sizeof(oid));
		curlen = outlen;
		assert_true(++steps < 2000);
	}
	assert_true(steps > 3 + 10 * 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variable_order),
		cmocka_unit_test(test_index_oid),
		cmocka_unit_test(test_get_scalars),
		cmocka_unit_test(test_get_columns),
		cmocka_unit_test(test_get_counter64),
		cmocka_unit_test(test_get_dateandtime),
		cmocka_unit_test(test_get_missing),
		cmocka_unit_test(test_getnext_points),
		cmocka_unit_test(test_getnext_walk),
		cmocka_unit_test(test_no_secrets),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_stats_get),
		cmocka_unit_test(test_history_get),
		cmocka_unit_test(test_history_getnext),
		cmocka_unit_test(test_timestamp_at),
		cmocka_unit_test(test_notify_build),
		cmocka_unit_test(test_notify_queue),
		cmocka_unit_test(test_target_order),
		cmocka_unit_test(test_target_get),
		cmocka_unit_test(test_target_walk),
		cmocka_unit_test(test_engine_scalars),
		cmocka_unit_test(test_direct_ours),
		cmocka_unit_test(test_direct_get),
		cmocka_unit_test(test_direct_getnext),
		cmocka_unit_test(test_direct_walk),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

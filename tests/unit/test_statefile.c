/*
 * test_statefile.c - the state file: a round trip that preserves every
 * value, then files that must be ignored as a whole and never crash the
 * reader: missing, empty, foreign, another version, every single-byte
 * corruption, every truncation, bytes appended, out-of-range values
 * under a valid checksum; and writes that fail without touching the
 * previous file or following a planted link.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "probe_opts.h"
#include "statefile.h"
#include "stats.h"

#define CLOCK	200000		/* stats clock when the file is written */
#define WALL	1700000000

static char	 dir[64];
static char	 path[128];

/* the probes written: a, b (history wrapped), c (no history kept) */
static struct stats	 st[3];
static struct history	*hist[3];
static const char	*names[3] = { "a", "probe-b.x_1", "c" };

/* what the reader handed over */
struct got {
	int		 calls;
	char		 name[3][40];
	uint64_t	 checks[3];
	uint64_t	 failures[3];
	struct stats	 st[3];
	struct history	*h[3];
};

static int
get_rec(size_t i, struct statefile_rec *r, void *arg)
{
	(void)arg;
	r->name = names[i];
	r->checks = 1000 + i;
	r->failures = 10 + i;
	r->stats = &st[i];
	r->history = hist[i];
	return 0;
}

static void
put_rec(const struct statefile_rec *r, void *arg)
{
	struct got *g = arg;
	uint32_t i;

	if (g->calls < 3) {
		snprintf(g->name[g->calls], sizeof(g->name[0]), "%s", r->name);
		g->checks[g->calls] = r->checks;
		g->failures[g->calls] = r->failures;
		g->st[g->calls] = *r->stats;
		g->h[g->calls] = history_new(r->history->n);
		assert_non_null(g->h[g->calls]);
		for (i = 0; i < r->history->n; i++)
			assert_int_equal(history_push(g->h[g->calls],
			    history_at(r->history, i)), 0);
		g->h[g->calls]->seq = r->history->seq;
	}
	g->calls++;
}

static void
got_free(struct got *g)
{
	int	 i;

	for (i = 0; i < 3; i++)
		history_free(g->h[i]);
	memset(g, 0, sizeof(*g));
}

static struct probe_result
result(enum probe_status s, int64_t us, int code)
{
	struct probe_result r;

	probe_result_init(&r);
	r.status = s;
	r.fail = s == STATUS_OK ? FAIL_NONE : FAIL_TIMEOUT;
	r.t[PH_TOTAL] = us;
	r.reply_code = code;
	return r;
}

static int
setup(void **state)
{
	int	 i, k;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mm-test-state.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/state", dir);
	for (i = 0; i < 3; i++) {
		stats_init(&st[i]);
		hist[i] = history_new(i == 2 ? 0 : 10);
		if (hist[i] == NULL)
			return -1;
	}
	hist[1]->seq = UINT32_MAX - 3;
	/* 100 results, every 70 s: the sample ring wraps, outages happen */
	for (k = 0; k < 100; k++) {
		for (i = 0; i < 3; i++) {
			struct probe_result r = result(k % (3 + i) == 0 ?
			    STATUS_CRITICAL : STATUS_OK, 1000 * (k + 1) + i,
			    250 + i);
			int64_t	 t = CLOCK - 7000 + 70 * k;

			stats_add(&st[i], t, WALL - 7000 + 70 * k, &r);
			history_add(hist[i], WALL - 7000 + 70 * k, &r);
		}
	}
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];
	int	 i, rc;

	(void)state;
	for (i = 0; i < 3; i++)
		history_free(hist[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	rc = system(cmd);
	(void)rc;
	return 0;
}

static void
save(const char *p, uint32_t flags)
{
	struct statefile_info info;
	char	 err[256];

	memset(&info, 0, sizeof(info));
	info.wall = WALL;
	info.clock = CLOCK;
	info.flags = flags;
	err[0] = '\0';
	assert_int_equal(statefile_save(p, 3, get_rec, NULL, &info, err,
	    sizeof(err)), 0);
	assert_string_equal(err, "");
}

static unsigned char *
slurp(const char *p, size_t *len)
{
	FILE	*fp = fopen(p, "rb");
	unsigned char *buf;
	long	 n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void
spew(const char *p, const void *buf, size_t len)
{
	FILE	*fp = fopen(p, "wb");

	assert_non_null(fp);
	if (len > 0)
		assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* the file must be ignored whole: -1, a reason, no record handed over */
static void
must_ignore(const char *p, const char *why)
{
	struct statefile_info info;
	struct got g;
	char	 err[256];

	memset(&g, 0, sizeof(g));
	err[0] = '\0';
	assert_int_equal(statefile_load(p, &info, put_rec, &g, err,
	    sizeof(err)), -1);
	assert_int_equal(g.calls, 0);
	assert_true(err[0] != '\0');
	if (why != NULL && strstr(err, why) == NULL)
		fail_msg("reason \"%s\", expected \"%s\"", err, why);
}

/* the CRC of a modified file put right, so the checks behind it run */
static void
fix_crc(unsigned char *buf, size_t len)
{
	uint32_t crc = statefile_crc32(0, buf, len - 4);

	buf[len - 4] = (unsigned char)crc;
	buf[len - 3] = (unsigned char)(crc >> 8);
	buf[len - 2] = (unsigned char)(crc >> 16);
	buf[len - 1] = (unsigned char)(crc >> 24);
}

static void
test_crc(void **state)
{
	(void)state;
	/* the check value of CRC-32/ISO-HDLC, as zlib computes it */
	assert_int_equal(statefile_crc32(0, "123456789", 9), 0xcbf43926U);
	assert_int_equal(statefile_crc32(0, "", 0), 0);
	/* continued in pieces, the same */
	assert_int_equal(statefile_crc32(statefile_crc32(0, "1234", 4),
	    "56789", 5), 0xcbf43926U);
}

static void
test_round_trip(void **state)
{
	struct statefile_info info;
	struct got g;
	char	 err[256];
	int	 i;
	uint32_t k;

	(void)state;
	save(path, STATEFILE_AT_EXIT);
	memset(&g, 0, sizeof(g));
	assert_int_equal(statefile_load(path, &info, put_rec, &g, err,
	    sizeof(err)), 0);
	assert_int_equal(info.wall, WALL);
	assert_int_equal(info.clock, CLOCK);
	assert_int_equal(info.flags, STATEFILE_AT_EXIT);
	assert_int_equal(info.nrec, 3);
	assert_int_equal(g.calls, 3);
	for (i = 0; i < 3; i++) {
		struct stats_summary a, b;
		uint32_t pa, pb;

		assert_string_equal(g.name[i], names[i]);
		assert_int_equal(g.checks[i], 1000 + i);
		assert_int_equal(g.failures[i], 10 + i);
		/* buckets exactly; every other value as the reader sees it */
		assert_memory_equal(g.st[i].hour, st[i].hour,
		    sizeof(st[i].hour));
		assert_memory_equal(g.st[i].day, st[i].day, sizeof(st[i].day));
		assert_int_equal(g.st[i].hour_head, st[i].hour_head);
		assert_int_equal(g.st[i].day_head, st[i].day_head);
		assert_int_equal(g.st[i].in_outage, st[i].in_outage);
		assert_int_equal(g.st[i].outage_start, st[i].outage_start);
		assert_int_equal(g.st[i].last_ok, st[i].last_ok);
		assert_int_equal(g.st[i].last_fail, st[i].last_fail);
		assert_int_equal(g.st[i].last_fail_class,
		    st[i].last_fail_class);
		assert_int_equal(g.st[i].nsample, st[i].nsample);
		stats_window(&g.st[i], STATS_HOUR, CLOCK, &a);
		stats_window(&st[i], STATS_HOUR, CLOCK, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		stats_window(&g.st[i], STATS_DAY, CLOCK + 5000, &a);
		stats_window(&st[i], STATS_DAY, CLOCK + 5000, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_int_equal(stats_p95(&g.st[i], CLOCK, &pa), 0);
		assert_int_equal(stats_p95(&st[i], CLOCK, &pb), 0);
		assert_int_equal(pa, pb);
		/* the samples, oldest first, and the ring goes on the same */
		for (k = 0; k < st[i].nsample; k++) {
			uint32_t ta, tb, ua, ub;

			stats_sample_get(&g.st[i], k, &ta, &ua);
			stats_sample_get(&st[i], k, &tb, &ub);
			assert_int_equal(ta, tb);
			assert_int_equal(ua, ub);
		}
		/* history: the same entries in the same order */
		assert_int_equal(g.h[i]->n, hist[i]->n);
		assert_int_equal(g.h[i]->seq, hist[i]->seq);
		for (k = 0; k < hist[i]->n; k++)
			assert_memory_equal(history_at(g.h[i], k),
			    history_at(hist[i], k),
			    sizeof(struct history_entry));
	}
	/* b's numbers wrapped: MAX-2, MAX-1, MAX, 1 ... 97; it keeps 88..97 */
	assert_int_equal(g.h[1]->seq, 97);
	assert_int_equal(history_at(g.h[1], 0)->seq, 88);
	assert_int_equal(g.h[2]->n, 0);
	assert_int_equal(g.h[2]->seq, 100);
	got_free(&g);
	/* the temporary file is gone after the rename */
	{
		char	 tmp[160];

		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		assert_int_equal(access(tmp, F_OK), -1);
	}
	/* a file written by a periodic save says so */
	save(path, 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(statefile_load(path, &info, put_rec, &g, err,
	    sizeof(err)), 0);
	assert_int_equal(info.flags, 0);
	got_free(&g);
}

static void
test_missing_and_foreign(void **state)
{
	struct statefile_info info;
	struct got g;
	char	 p[160], err[256];
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0
	};

	(void)state;
	memset(&g, 0, sizeof(g));
	snprintf(p, sizeof(p), "%s/none", dir);
	assert_int_equal(statefile_load(p, &info, put_rec, &g, err,
	    sizeof(err)), 1);
	assert_int_equal(g.calls, 0);

	snprintf(p, sizeof(p), "%s/foreign", dir);
	spew(p, "", 0);
	must_ignore(p, "truncated");
	spew(p, "hello, world\nthis is text, not state\n", 38);
	must_ignore(p, "not a mailmond state file");
	spew(p, png, sizeof(png));
	must_ignore(p, "not a mailmond state file");
	/* a directory is not a state file */
	must_ignore(dir, "not a regular file");
}

static void
test_version(void **state)
{
	unsigned char *buf;
	char	 p[160];
	size_t	 len;

	(void)state;
	save(path, 0);
	buf = slurp(path, &len);
	snprintf(p, sizeof(p), "%s/v2", dir);
	/* a later version, even with a right checksum */
	buf[8] = 2;
	fix_crc(buf, len);
	spew(p, buf, len);
	must_ignore(p, "version 2");
	/* a header of another length */
	buf[8] = 1;
	buf[12] = 48;
	fix_crc(buf, len);
	spew(p, buf, len);
	must_ignore(p, "header length");
	/* flags nobody defined */
	buf[12] = 40;
	buf[32] = 0x80;
	fix_crc(buf, len);
	spew(p, buf, len);
	must_ignore(p, "header");
	free(buf);
}

static void
test_every_byte_corrupted(void **state)
{
	struct statefile_info info;
	unsigned char *buf;
	char	 p[160], err[256];
	size_t	 len, i;
	int	 bit;
	struct got g;

	(void)state;
	save(path, 0);
	buf = slurp(path, &len);
	/* about 9 KB: header, three records, the end mark and the CRC */
	assert_true(len > 40 + 3 * 2400);
	snprintf(p, sizeof(p), "%s/flip", dir);
	for (i = 0; i < len; i++) {
		bit = 1 << (i % 8);
		buf[i] ^= (unsigned char)bit;
		spew(p, buf, len);
		must_ignore(p, NULL);
		buf[i] ^= (unsigned char)bit;
	}
	/* and the unmodified copy still loads */
	spew(p, buf, len);
	memset(&g, 0, sizeof(g));
	assert_int_equal(statefile_load(p, &info, put_rec, &g, err,
	    sizeof(err)), 0);
	assert_int_equal(g.calls, 3);
	got_free(&g);
	free(buf);
}

static void
test_every_truncation(void **state)
{
	unsigned char *buf, *more;
	char	 p[160];
	size_t	 len, i;

	(void)state;
	save(path, 0);
	buf = slurp(path, &len);
	snprintf(p, sizeof(p), "%s/trunc", dir);
	for (i = 0; i < len; i++) {
		spew(p, buf, i);
		must_ignore(p, NULL);
	}
	/* a byte too many after the CRC */
	more = malloc(len + 1);
	assert_non_null(more);
	memcpy(more, buf, len);
	more[len] = 0;
	spew(p, more, len + 1);
	must_ignore(p, "data after the end");
	free(more);
	free(buf);
}

/* offsets into the first record (name "a": 1 + 1 bytes) */
#define REC0		(40 + 4)
#define REC0_STATS	(REC0 + 2 + 16)
#define REC0_HOUR0	(REC0_STATS + 16)

static void
test_values_checked(void **state)
{
	unsigned char *buf, *b;
	char	 p[160];
	size_t	 len;

	(void)state;
	save(path, 0);
	buf = slurp(path, &len);
	b = malloc(len);
	assert_non_null(b);
	snprintf(p, sizeof(p), "%s/values", dir);

#define CASE(why, stmt) do {						\
	memcpy(b, buf, len);						\
	stmt;								\
	fix_crc(b, len);						\
	spew(p, b, len);						\
	must_ignore(p, why);						\
} while (0)
	/* the name: empty, a character no probe name has */
	CASE("bad probe name", b[REC0] = 0);
	CASE("bad probe name", b[REC0 + 1] = '/');
	/* more failures than checks */
	CASE("more failures", b[REC0 + 2 + 8 + 7] = 1);
	/* a bucket with more failures than results (fail is at +18) */
	CASE("statistics out of range", b[REC0_HOUR0 + 18] = 0xff;
	    b[REC0_HOUR0 + 19] = 0xff);
	/* 256 results in an hour bucket, more than it holds (n at +16) */
	CASE("statistics out of range", b[REC0_HOUR0 + 17] = 0x01);
	/* a head in the future of the file's clock */
	CASE("statistics out of range", b[REC0_STATS + 7] = 0x7f);
	/* a record length beyond any record */
	CASE("too large", b[40 + 2] = 0x10);
	/* a record length that runs into the next record */
	CASE(NULL, b[40] += 4);
	/* the clock in the header before the buckets' */
	CASE("statistics out of range", memset(b + 24, 0, 8));
	/* a history entry's time beyond 32 bits: its 8 bytes, then seq */
	{
		const struct history_entry *he = history_at(hist[0], 0);
		unsigned char pat[12];
		size_t	 off, k;

		for (k = 0; k < 8; k++)
			pat[k] = (unsigned char)((uint64_t)he->wall >> (8 * k));
		for (k = 0; k < 4; k++)
			pat[8 + k] = (unsigned char)(he->seq >> (8 * k));
		for (off = REC0_STATS; off + sizeof(pat) <= len; off++)
			if (memcmp(buf + off, pat, sizeof(pat)) == 0)
				break;
		assert_true(off + sizeof(pat) <= len);
		CASE("history entry out of range", b[off + 4] = 1);
	}
#undef CASE
	free(b);
	free(buf);
}

static void
test_write_failures(void **state)
{
	struct statefile_info info;
	struct got g;
	char	 p[160], tmp[170], err[256];

	(void)state;
	memset(&info, 0, sizeof(info));
	info.wall = WALL;
	info.clock = CLOCK;

	/* a directory that does not exist: an error, nothing left behind */
	snprintf(p, sizeof(p), "%s/nodir/state", dir);
	err[0] = '\0';
	assert_int_equal(statefile_save(p, 3, get_rec, NULL, &info, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));

	/* the write fails: the previous file stays as it was */
	save(path, STATEFILE_AT_EXIT);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(mkdir(tmp, 0700), 0);
	info.flags = 0;
	assert_int_equal(statefile_save(path, 3, get_rec, NULL, &info, err,
	    sizeof(err)), -1);
	assert_int_equal(rmdir(tmp), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(statefile_load(path, &info, put_rec, &g, err,
	    sizeof(err)), 0);
	assert_int_equal(info.flags, STATEFILE_AT_EXIT);	/* the old one */
	assert_int_equal(g.calls, 3);
	got_free(&g);

	/* a link planted at the temporary name is not followed */
	snprintf(p, sizeof(p), "%s/target", dir);
	assert_int_equal(symlink(p, tmp), 0);
	assert_int_equal(statefile_save(path, 3, get_rec, NULL, &info, err,
	    sizeof(err)), -1);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(unlink(tmp), 0);

	/* an unreadable file is ignored with the reason (not as root) */
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0), 0);
		must_ignore(path, "Permission denied");
		assert_int_equal(chmod(path, 0600), 0);
	}
	/* the file is private to the daemon's user */
	{
		struct stat sb;

		save(path, 0);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_missing_and_foreign),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_every_byte_corrupted),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_values_checked),
		cmocka_unit_test(test_write_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

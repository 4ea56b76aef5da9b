/*
 * test_config.c - mailmond.conf parsing: words, globals, probe lines,
 * and the FILE:LINE of every error.
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

#include "conf.h"
#include "log.h"
#include "probe_opts.h"
#include "util.h"

/* a probe's options, unpacked (the next call reuses the buffer) */
static const struct probe_opts *
O(const struct conf *c, size_t i)
{
	static struct probe_opts o[2];
	static int turn;

	assert_true(i < c->nprobes);
	turn = !turn;
	conf_probe_opts(&c->probes[i], &o[turn]);
	return &o[turn];
}

static char	 tmpdir[256];
static char	 logbuf[16384];

static void
capture(int level, const char *token, const char *msg, void *arg)
{
	(void)level;
	(void)token;
	(void)arg;
	if (strlen(logbuf) + 2 >= sizeof(logbuf))
		return;
	strncat(logbuf, msg, sizeof(logbuf) - strlen(logbuf) - 2);
	strcat(logbuf, "\n");
}

/* the messages about too many files read */
static int	 nreads_msgs;

static void
count_reads(int level, const char *token, const char *msg, void *arg)
{
	(void)level;
	(void)token;
	(void)arg;
	if (strstr(msg, "more than 256 files read") != NULL)
		nreads_msgs++;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mm-test-config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	logbuf[0] = '\0';
	log_init(0, "test");
	log_register(capture, NULL);
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[300];
	int	 rc;

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	rc = system(cmd);
	(void)rc;
	log_register(NULL, NULL);
	return 0;
}

/* write len bytes to a file under tmpdir; its path in a static buffer */
static const char *
write_bytes(const char *name, const char *bytes, size_t len, mode_t mode)
{
	static char path[2][512];
	static int which;
	FILE	*fp;
	char	*p = path[which++ & 1];

	snprintf(p, 512, "%s/%s", tmpdir, name);
	fp = fopen(p, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(bytes, 1, len, fp), len);
	fclose(fp);
	assert_int_equal(chmod(p, mode), 0);
	return p;
}

static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	return write_bytes(name, text, strlen(text), mode);
}

/*
 * The same bytes through conf_load() (from the file name) and
 * conf_load_buf() (from memory, includes from the disk): the same
 * errors, the same messages, the same probes.  The number of errors;
 * the first in err, the messages in logbuf.
 */
static int
both_ways(const char *name, const char *bytes, size_t len, char *err,
    size_t errlen)
{
	struct conf	 c, m;
	struct conf_text t;
	char		 merr[512], *logged;
	const char	*path;
	size_t		 i;
	int		 n;

	path = write_bytes(name, bytes, len, 0600);
	logbuf[0] = '\0';
	n = conf_load(&c, path, err, errlen);
	assert_non_null(logged = strdup(logbuf));

	logbuf[0] = '\0';
	t.buf = bytes;
	t.len = len;
	t.mode = S_IFREG | 0600;
	assert_int_equal(conf_load_buf(&m, path, &t, NULL, NULL, merr,
	    sizeof(merr)), n);
	assert_string_equal(merr, err);
	assert_string_equal(logbuf, logged);
	assert_string_equal(m.path, c.path);
	assert_int_equal(m.interval_s, c.interval_s);
	assert_int_equal(m.nprobes, c.nprobes);
	for (i = 0; i < c.nprobes; i++) {
		assert_string_equal(m.probes[i].name, c.probes[i].name);
		assert_string_equal(m.probes[i].file, c.probes[i].file);
		assert_int_equal(m.probes[i].line, c.probes[i].line);
		assert_int_equal(m.probes[i].interval_s, c.probes[i].interval_s);
		assert_int_equal(O(&m, i)->port, O(&c, i)->port);
	}
	free(logged);
	conf_free(&m);
	conf_free(&c);
	return n;
}

/* ---- conf_split -------------------------------------------------------- */

static void
test_split_words(void **state)
{
	char	 line[] = "  probe  mx1\tsmtp --host \"a b\" x\\ y "
	    "\"q\\\"uote\" \"\" back\\\\slash keep\\r\\n  # comment here";
	char	*w[16];
	const char *why = NULL;
	int	 n;

	(void)state;
	n = conf_split(line, w, 16, &why);
	assert_int_equal(n, 10);
	assert_string_equal(w[0], "probe");
	assert_string_equal(w[1], "mx1");
	assert_string_equal(w[2], "smtp");
	assert_string_equal(w[3], "--host");
	assert_string_equal(w[4], "a b");
	assert_string_equal(w[5], "x y");
	assert_string_equal(w[6], "q\"uote");
	assert_string_equal(w[7], "");
	assert_string_equal(w[8], "back\\slash");
	/* other escapes are left for the probe options */
	assert_string_equal(w[9], "keep\\r\\n");
}

static void
test_split_comments(void **state)
{
	char	 a[] = "# only a comment";
	char	 b[] = "   ";
	char	 c[] = "word#notacomment \"#quoted\" \\#escaped #real";
	char	*w[8];
	const char *why = NULL;

	(void)state;
	assert_int_equal(conf_split(a, w, 8, &why), 0);
	assert_int_equal(conf_split(b, w, 8, &why), 0);
	assert_int_equal(conf_split(c, w, 8, &why), 3);
	assert_string_equal(w[0], "word#notacomment");
	assert_string_equal(w[1], "#quoted");
	assert_string_equal(w[2], "#escaped");
}

static void
test_split_errors(void **state)
{
	char	 a[] = "probe x \"unterminated";
	char	 b[] = "probe x trailing\\";
	char	 c[] = "a b c d e";
	char	*w[4];
	const char *why = NULL;

	(void)state;
	assert_int_equal(conf_split(a, w, 4, &why), -1);
	assert_non_null(strstr(why, "unterminated"));
	assert_int_equal(conf_split(b, w, 4, &why), -1);
	assert_non_null(strstr(why, "backslash"));
	assert_int_equal(conf_split(c, w, 4, &why), -1);
	assert_non_null(strstr(why, "too many"));
}

static void
test_valid_name(void **state)
{
	(void)state;
	assert_true(conf_valid_name("mx1"));
	assert_true(conf_valid_name("imap.example-2_b"));
	assert_true(conf_valid_name("0"));
	assert_true(conf_valid_name("abcdefghijklmnopqrstuvwxyz012345"));	/* 32 */
	assert_false(conf_valid_name("abcdefghijklmnopqrstuvwxyz0123456"));	/* 33 */
	assert_false(conf_valid_name(""));
	assert_false(conf_valid_name("-lead"));
	assert_false(conf_valid_name(".hidden"));
	assert_false(conf_valid_name("sp ace"));
	assert_false(conf_valid_name("sl/ash"));
	assert_false(conf_valid_name("caf\xc3\xa9"));
}

/* ---- whole files ------------------------------------------------------- */

static void
test_load_good(void **state)
{
	struct conf c;
	char	 err[512];
	const char *path;

	(void)state;
	/* globals after the probes still apply to them */
	path = write_file("good.conf",
	    "# sample\n"
	    "probe mx1 smtp --host 127.0.0.1 --port 10025 --starttls "
	    "--interval 30 --retries=2\n"
	    "probe imap1 imap --host 127.0.0.1 --port 10143\n"
	    "\n"
	    "probe pop pop3 --host 127.0.0.1 --port 10110 --timeout 4\n"
	    "interval 5\n"
	    "timeout 3\n"
	    "retries 4\n"
	    "ping-interval 2\n"
	    "agentx-socket \"/tmp/x y/agentx.sock\"\n"
	    "user nobody\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.nprobes, 3);
	assert_int_equal(c.interval_s, 5);
	assert_int_equal(c.timeout_s, 3);
	assert_int_equal(c.retries, 4);
	assert_int_equal(c.ping_interval, 2);
	assert_string_equal(c.agentx_socket, "/tmp/x y/agentx.sock");
	assert_string_equal(c.user, "nobody");

	assert_string_equal(O(&c, 0)->name, "mx1");
	assert_int_equal(O(&c, 0)->mode, MODE_SMTP);
	assert_string_equal(O(&c, 0)->host, "127.0.0.1");
	assert_int_equal(O(&c, 0)->port, 10025);
	assert_int_equal(O(&c, 0)->tls, TLS_STARTTLS);
	assert_int_equal(c.probes[0].interval_s, 30);
	assert_int_equal(c.probes[0].retries, 2);
	assert_int_equal(O(&c, 0)->timeout_ms, 3000);
	assert_int_equal(c.probes[0].line, 2);

	assert_string_equal(O(&c, 1)->name, "imap1");
	assert_int_equal(O(&c, 1)->mode, MODE_IMAP);
	assert_int_equal(c.probes[1].interval_s, 5);
	assert_int_equal(c.probes[1].retries, 4);

	assert_int_equal(O(&c, 2)->mode, MODE_POP3);
	assert_int_equal(O(&c, 2)->timeout_ms, 4000);
	assert_int_equal(c.probes[2].line, 5);
	conf_free(&c);
}

static void
test_load_defaults(void **state)
{
	struct conf c;
	char	 err[512];
	const char *path;

	(void)state;
	path = write_file("empty.conf", "# nothing\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.nprobes, 0);
	assert_int_equal(c.interval_s, CONF_DEF_INTERVAL);
	assert_int_equal(c.timeout_s, CONF_DEF_TIMEOUT);
	assert_int_equal(c.retries, CONF_DEF_RETRIES);
	assert_int_equal(c.ping_interval, CONF_DEF_PING);
	assert_string_equal(c.agentx_socket, "");
	conf_free(&c);
}

/*
 * One bad line: exactly one error, reported as FILE:LINE: ...want...,
 * the same from the file and from memory.
 */
static void
expect_error(const char *text, int line, const char *want)
{
	char	 err[512], prefix[600];

	assert_int_equal(both_ways("bad.conf", text, strlen(text), err,
	    sizeof(err)), 1);
	snprintf(prefix, sizeof(prefix), "%s/bad.conf:%d: ", tmpdir, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, want) == NULL)
		fail_msg("got \"%s\", wanted \"%s...%s\"", err, prefix, want);
	/* and the same text went to the log */
	assert_non_null(strstr(logbuf, err));
}

static void
test_load_errors(void **state)
{
	(void)state;
	expect_error("interval 5\nfrobnicate 3\n", 2, "unknown keyword \"frobnicate\"");
	/* a line that gives a password is quoted nowhere */
	expect_error("S3cretPw1probe a smtp --host h --user u "
	    "--password S3cretPw1\n", 1, "unknown keyword (not shown");
	assert_null(strstr(logbuf, "S3cretPw1"));
	/* nor the mode word or the probe name that holds the password */
	expect_error("probe a smtS3cretPw1p --host h --user u "
	    "--password S3cretPw1\n", 1, "probe a: unknown mode (not shown");
	assert_null(strstr(logbuf, "S3cretPw1"));
	expect_error("probe x-S3cretPw1 smtp --host h --user u "
	    "--password=S3cretPw1 --port nope\n", 1,
	    "the probe's name holds the password");
	assert_null(strstr(logbuf, "S3cretPw1"));
	/* an include whose file name reads as a password option */
	expect_error("include -PS3cretPw1.conf\n", 1,
	    "include: a file name that reads as a password option (not shown)");
	assert_null(strstr(logbuf, "S3cretPw1"));
	expect_error("include --password=S3cretPw1\n", 1,
	    "include: a file name that reads as a password option (not shown)");
	assert_null(strstr(logbuf, "S3cretPw1"));
	/* the password option where the mode belongs (no mode given) */
	expect_error("probe aS3cretPw1x ----password S3cretPw1 --port 25\n",
	    1, "the probe's name holds the password");
	assert_null(strstr(logbuf, "S3cretPw1"));
	expect_error("probe aS3cretPw1x --password=S3cretPw1 --port 25\n",
	    1, "the probe's name holds the password");
	assert_null(strstr(logbuf, "S3cretPw1"));
	/* a password broken off its option by a missing backslash */
	{
		struct conf c;
		char	 err[512];

		logbuf[0] = '\0';
		assert_int_equal(conf_load(&c, write_file("bad.conf",
		    "probe a smtp --host h --user u --password\n"
		    "S3cretPw1 --port 25\n", 0600), err, sizeof(err)), 2);
		assert_non_null(strstr(logbuf, ":2: unknown keyword (not shown"));
		assert_null(strstr(logbuf, "S3cretPw1"));
		conf_free(&c);
	}
	expect_error("interval five\n", 1, "bad number");
	expect_error("interval 0\n", 1, "bad number");
	expect_error("retries 100000\n", 1, "bad number");
	expect_error("timeout\n", 1, "expected one value");
	expect_error("interval 5\n\ninterval 6\n", 3, "already set");
	expect_error("probe a tcp --host 127.0.0.1 --port 1\n"
	    "probe a tcp --host 127.0.0.1 --port 2\n", 2,
	    "duplicate probe name \"a\"");
	expect_error("\nprobe abcdefghijklmnopqrstuvwxyz0123456 tcp "
	    "--host 127.0.0.1 --port 1\n", 2, "longer than 32");
	expect_error("probe bad/name tcp --host 127.0.0.1 --port 1\n", 1,
	    "bad probe name");
	expect_error("probe x gopher --host 127.0.0.1\n", 1, "unknown mode");
	expect_error("probe x\n", 1, "probe NAME MODE");
	expect_error("probe x tcp --host 127.0.0.1 --port 1 --interval\n", 1,
	    "--interval: missing value");
	expect_error("probe x tcp --host 127.0.0.1 --port 1 --interval 0\n", 1,
	    "--interval: invalid value '0' (1..86400)");
	expect_error("probe x tcp --host 127.0.0.1 --port 1 --retries=abc\n", 1,
	    "--retries: invalid value 'abc' (1..100)");
	expect_error("# c\nprobe x smtp --host 127.0.0.1 --no-such-option\n", 2,
	    "probe x: ");
	expect_error("probe x smtp --host 127.0.0.1 --help\n", 1,
	    "not allowed here");
	expect_error("probe x smtp --host 127.0.0.1 --mode imap\n", 1,
	    "probe x: ");
	expect_error("\n\nprobe x imap --host 127.0.0.1 --port many\n", 3,
	    "probe x: ");
	expect_error("probe x \"open\n", 1, "unterminated");
	expect_error("include nosuchfile.conf\n", 1, "nosuchfile.conf");
	expect_error("probe x tcp --host 127.0.0.1 --port 1 "
	    "--password-file /nonexistent/pw\n", 1, "--password-file");
	expect_error("dns-server ns1.example\n", 1,
	    "dns-server: bad DNS server 'ns1.example'");
	expect_error("dns-server 127.0.0.1\ndns-server ::1\n", 2,
	    "already set");
	expect_error("dns-server\n", 1, "expected one value");
	expect_error("probe m mx --host example.test\n", 1,
	    "probe m: --host: an mx probe takes the mail domain");
	expect_error("probe m mx --domain example.test --dns-server x\n", 1,
	    "probe m: --dns-server: bad DNS server 'x'");
}

/* domain probes and the resolver setting */
static void
test_load_mx(void **state)
{
	struct conf c;
	char	 err[512];
	const char *path;

	(void)state;
	/* dns-server anywhere in the file is every probe's default */
	path = write_file("mx.conf",
	    "probe dom mx --domain example.test --port 2525 --starttls "
	    "--mx-policy any --max-mx 3\n"
	    "probe own mx --domain example.org --dns-server [::1]:5353\n"
	    "probe dual smtp --host mail.example.test --family both\n"
	    "dns-server 127.0.0.1:5353,[::1]:5353\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.dns_server, "127.0.0.1:5353,[::1]:5353");
	assert_int_equal(c.nprobes, 3);
	assert_int_equal(O(&c, 0)->mode, MODE_MX);
	assert_string_equal(O(&c, 0)->host, "example.test");
	assert_int_equal(O(&c, 0)->port, 2525);
	assert_int_equal(O(&c, 0)->mx_policy, MXP_ANY);
	assert_int_equal(O(&c, 0)->max_mx, 3);
	assert_string_equal(O(&c, 0)->dns_server,
	    "127.0.0.1:5353,[::1]:5353");
	assert_string_equal(O(&c, 1)->dns_server, "[::1]:5353");
	assert_int_equal(O(&c, 2)->mode, MODE_SMTP);
	assert_int_equal(O(&c, 2)->family_both, 1);
	assert_string_equal(O(&c, 2)->dns_server,
	    "127.0.0.1:5353,[::1]:5353");
	conf_free(&c);
}

static void
test_load_missing_file(void **state)
{
	struct conf c;
	char	 err[512];

	(void)state;
	assert_int_equal(conf_load(&c, "/nonexistent/mailmond.conf", err,
	    sizeof(err)), 1);
	assert_non_null(strstr(err, "/nonexistent/mailmond.conf: "));
	conf_free(&c);
}

static void
test_load_counts_every_error(void **state)
{
	struct conf c;
	char	 err[512];
	const char *path;

	(void)state;
	logbuf[0] = '\0';
	path = write_file("many.conf",
	    "bogus 1\n"
	    "probe ok1 tcp --host 127.0.0.1 --port 1\n"
	    "interval x\n"
	    "probe ok1 tcp --host 127.0.0.1 --port 2\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 3);
	/* the first error is the one handed back */
	assert_non_null(strstr(err, ":1: unknown keyword"));
	assert_non_null(strstr(logbuf, ":3: interval: bad number"));
	assert_non_null(strstr(logbuf, ":4: duplicate probe name"));
	conf_free(&c);
}

static void
test_line_too_long(void **state)
{
	struct conf c;
	char	 err[512], *text;
	const char *path;

	(void)state;
	text = malloc(CONF_LINE_MAX + 64);
	assert_non_null(text);
	strcpy(text, "interval 5\n# ");
	memset(text + strlen(text), 'x', CONF_LINE_MAX);
	strcpy(text + 13 + CONF_LINE_MAX, "\n");
	path = write_file("long.conf", text, 0600);
	free(text);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
	assert_non_null(strstr(err, ":2: line longer"));
	conf_free(&c);
}

static void
test_continuation(void **state)
{
	struct conf c;
	char	 err[512];
	const char *path;

	(void)state;
	path = write_file("cont.conf",
	    "probe a tcp \\\n"
	    "   --host 127.0.0.1 \\\n"
	    "   --port 7\n"
	    "bogus\n"
	    "probe b tcp --host 127.0.0.1 --port 8 --interval 4 # c \\\\\n"
	    "probe c tcp --host 127.0.0.1 --port 9 \\", 0600);
	/* the error is counted on the line it is on, after a continuation */
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
	assert_non_null(strstr(err, ":4: unknown keyword"));
	conf_free(&c);

	path = write_file("cont.conf",
	    "probe a tcp \\\n"
	    "   --host 127.0.0.1 \\\n"
	    "   --port 7\n"
	    "probe b tcp --host 127.0.0.1 --port 8 --interval 4 # c \\\\\n"
	    "probe c tcp --host 127.0.0.1 --port 9 \\", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.nprobes, 3);
	assert_int_equal(O(&c, 0)->port, 7);
	assert_int_equal(c.probes[0].line, 1);
	/* an even number of backslashes does not continue */
	assert_int_equal(c.probes[1].interval_s, 4);
	assert_int_equal(c.probes[1].line, 4);
	/* a continuation on the very last line still counts */
	assert_int_equal(O(&c, 2)->port, 9);
	conf_free(&c);

	/* a continued line still has the length limit */
	{
		char	*text = malloc(3 * CONF_LINE_MAX);
		size_t	 i, o = 0;

		assert_non_null(text);
		for (i = 0; i < 3; i++) {
			memset(text + o, 'x', CONF_LINE_MAX / 2);
			o += CONF_LINE_MAX / 2;
			memcpy(text + o, "\\\n", 2);
			o += 2;
		}
		strcpy(text + o, "y\ninterval 5\n");
		path = write_file("cont2.conf", text, 0600);
		free(text);
		assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
		assert_non_null(strstr(err, ":1: line longer"));
		assert_int_equal(c.interval_s, 5);
		conf_free(&c);
	}
}

static void
test_include(void **state)
{
	struct conf c;
	char	 err[512], text[256];
	const char *path;

	(void)state;
	write_file("probes.inc",
	    "probe inc1 tcp --host 127.0.0.1 --port 7\n"
	    "bogus\n", 0600);
	/* relative to the including file, not to the working directory */
	snprintf(text, sizeof(text), "interval 9\ninclude probes.inc\n");
	path = write_file("main.conf", text, 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "probes.inc:2: unknown keyword"));
	conf_free(&c);

	write_file("probes.inc",
	    "probe inc1 tcp --host 127.0.0.1 --port 7\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.nprobes, 1);
	assert_int_equal(c.probes[0].interval_s, 9);
	assert_int_equal(c.probes[0].line, 1);
	assert_non_null(strstr(c.probes[0].file, "probes.inc"));
	conf_free(&c);

	/* a file including itself stops at the depth limit */
	path = write_file("loop.conf", "include loop.conf\n", 0600);
	assert_true(conf_load(&c, path, err, sizeof(err)) >= 1);
	assert_non_null(strstr(err, "nested"));
	conf_free(&c);

	/* ten includes of itself, eight deep: stopped after 256 reads */
	path = write_file("bomb.conf", "include bomb.conf\ninclude bomb.conf\n"
	    "include bomb.conf\ninclude bomb.conf\ninclude bomb.conf\n"
	    "include bomb.conf\ninclude bomb.conf\ninclude bomb.conf\n"
	    "include bomb.conf\ninclude bomb.conf\n", 0600);
	log_register(count_reads, NULL);
	assert_true(conf_load(&c, path, err, sizeof(err)) >= 1);
	log_register(capture, NULL);
	assert_int_equal(nreads_msgs, 1);
	conf_free(&c);
}

static void
test_password_file(void **state)
{
	struct conf c;
	char	 err[512], text[512];
	const char *pw, *path;

	(void)state;
	logbuf[0] = '\0';
	pw = write_file("pw", "Sekr1t-pw\n", 0600);
	/* a relative path is relative to the configuration file */
	snprintf(text, sizeof(text), "probe i imap --host 127.0.0.1 --port 10143 "
	    "--user testuser --password-file pw\n"
	    "probe j imap --host 127.0.0.1 --port 10143 "
	    "--user testuser --password-file %s\n", pw);
	path = write_file("pw.conf", text, 0644);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.nprobes, 2);
	assert_string_equal(O(&c, 0)->pass, "Sekr1t-pw");
	assert_string_equal(O(&c, 1)->pass, "Sekr1t-pw");
	assert_string_equal(O(&c, 0)->user, "testuser");
	/* a file with no inline password may be world-readable */
	assert_null(strstr(logbuf, "readable by everyone"));
	assert_null(strstr(logbuf, "Sekr1t"));
	conf_free(&c);

	/* a world-readable secret is accepted, with a warning */
	assert_int_equal(chmod(pw, 0644), 0);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_non_null(strstr(logbuf, "readable by everyone"));
	conf_free(&c);
}

static void
test_inline_password_warns(void **state)
{
	struct conf c;
	char	 err[512];
	const char *path;

	(void)state;
	logbuf[0] = '\0';
	path = write_file("inline.conf", "probe i imap --host 127.0.0.1 "
	    "--user testuser --password Inl1ne-pw\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(O(&c, 0)->pass, "Inl1ne-pw");
	assert_null(strstr(logbuf, "readable by everyone"));
	conf_free(&c);

	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_non_null(strstr(logbuf, "readable by everyone"));
	conf_free(&c);

	/* an error on a line with a password never shows the password */
	logbuf[0] = '\0';
	path = write_file("inline2.conf", "probe i imap --host 127.0.0.1 "
	    "--user testuser --password Inl1ne-pw --no-such-option\n"
	    "probe j imap --password=Inl1ne-pw bogus-extra\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 2);
	assert_null(strstr(logbuf, "Inl1ne"));
	assert_null(strstr(err, "Inl1ne"));
	conf_free(&c);
}

static void
test_hostile_bytes(void **state)
{
	struct conf c;
	char	 err[512];
	const char *path;
	FILE	*fp;
	char	 p[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/nul.conf", tmpdir);
	fp = fopen(p, "w");
	assert_non_null(fp);
	{
		static const char bytes[] =
		    "interval 5\nretries 2\0x\n\xff\xfe\x01\n";

		fwrite(bytes, 1, sizeof(bytes) - 1, fp);
	}
	fclose(fp);
	assert_int_equal(conf_load(&c, p, err, sizeof(err)), 2);
	assert_non_null(strstr(err, ":2: NUL byte"));
	/* control and 8-bit bytes are not echoed into the log */
	assert_non_null(strstr(logbuf, ":3: unknown keyword \"???\""));
	conf_free(&c);

	/* a directory is not a configuration file */
	path = tmpdir;
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "not a regular file"));
	conf_free(&c);
}

/* one rule for every file that holds or names a secret */
static void
test_secret_file_rules(void **state)
{
	struct conf c;
	char	 err[512], text[512], sub[512];
	const char *path, *pw;

	(void)state;
	/* a configuration file others may write is refused */
	logbuf[0] = '\0';
	path = write_file("gw.conf", "probe a tcp --host 127.0.0.1 --port 1\n",
	    0660);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "writable by its group"));
	conf_free(&c);
	path = write_file("ow.conf", "probe a tcp --host 127.0.0.1 --port 1\n",
	    0602);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "writable by everyone"));
	conf_free(&c);
	/* ... and so is an include */
	write_file("inc-w.conf", "probe b tcp --host 127.0.0.1 --port 2\n",
	    0666);
	path = write_file("main-w.conf", "include inc-w.conf\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "main-w.conf:1: refusing"));
	conf_free(&c);

	/* --mbox-password-file is relative to the file, like --password-file */
	snprintf(sub, sizeof(sub), "%s/secrets", tmpdir);
	mkdir(sub, 0700);
	pw = write_file("secrets/box.pw", "B0xPassw0rd\n", 0600);
	(void)pw;
	snprintf(text, sizeof(text), "probe d delivery --host 127.0.0.1 "
	    "--rcpt box@example.test --mbox-user box "
	    "--mbox-password-file secrets/box.pw\n");
	path = write_file("rel.conf", text, 0600);
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(O(&c, 0)->mbox.pass, "B0xPassw0rd");
	conf_free(&c);
	/* and a secret file others may write is refused too */
	assert_int_equal(chmod(pw, 0622), 0);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "rel.conf:1: probe d: --mbox-password-file"));
	assert_non_null(strstr(err, "writable"));
	assert_null(strstr(logbuf, "B0xPassw0rd"));
	conf_free(&c);

	/* an inline mailbox password in a group-readable file warns */
	logbuf[0] = '\0';
	path = write_file("inl-mbox.conf", "probe d delivery --host 127.0.0.1 "
	    "--rcpt box@example.test --mbox-user box --mbox-password "
	    "Inl1ne-box\n", 0640);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_non_null(strstr(logbuf, "inl-mbox.conf:1: probe d: a password "
	    "written in a file readable by its group"));
	assert_null(strstr(logbuf, "Inl1ne-box"));
	conf_free(&c);

	/* a probe-line option without its value never shows a password */
	logbuf[0] = '\0';
	pw = write_file("pw2", "S3cretPassw0rd\n", 0600);
	path = write_file("swallow.conf", "probe i imap --host 127.0.0.1 "
	    "--user u --password-file pw2 --ca-file\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "--ca-file: missing value"));
	assert_null(strstr(logbuf, "S3cret"));
	conf_free(&c);

	/* mode words in any case */
	path = write_file("case.conf", "probe a SMTP --host 127.0.0.1\n"
	    "probe b Imap --host 127.0.0.1\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(O(&c, 0)->mode, MODE_SMTP);
	assert_int_equal(O(&c, 1)->mode, MODE_IMAP);
	conf_free(&c);
}

/* ---- the text in memory ------------------------------------------------ */

/* the line layer of the file reader, byte for byte the same in memory */
static void
test_load_buf_lines(void **state)
{
	static const char hostile[] = "interval 5\nretries 2\0x\n\xff\xfe\x01\n"
	    "probe a tcp --host 127.0.0.1 --port 1\r\n\r\n\0\n\\\n\\";
	static const char cont[] = "probe a tcp \\\r\n   --host 127.0.0.1 \\\n"
	    "   --port 7\nbogus \\\\\nprobe b tcp --host 127.0.0.1 \\\n"
	    "\0\nprobe c tcp --host 127.0.0.1 --port 9 \\";
	char	 err[512], *text;
	size_t	 i, o = 0;

	(void)state;
	assert_int_equal(both_ways("l.conf", hostile, sizeof(hostile) - 1, err,
	    sizeof(err)), 3);
	assert_non_null(strstr(err, ":2: NUL byte"));
	assert_non_null(strstr(logbuf, ":3: unknown keyword \"???\""));
	assert_non_null(strstr(logbuf, ":6: NUL byte"));
	/* a NUL line drops the continuation it was part of */
	assert_int_equal(both_ways("l.conf", cont, sizeof(cont) - 1, err,
	    sizeof(err)), 2);
	assert_non_null(strstr(err, ":4: unknown keyword"));
	assert_non_null(strstr(logbuf, ":6: NUL byte"));
	assert_int_equal(both_ways("l.conf", "", 0, err, sizeof(err)), 0);
	assert_int_equal(both_ways("l.conf", "\n\\", 2, err, sizeof(err)), 0);
	assert_int_equal(both_ways("l.conf", "interval 5", 10, err,
	    sizeof(err)), 0);

	/* overlong lines, continued or not, and the limit itself */
	assert_non_null(text = malloc(4 * CONF_LINE_MAX));
	for (i = 0; i < 3; i++) {
		memset(text + o, 'x', CONF_LINE_MAX / 2);
		o += CONF_LINE_MAX / 2;
		memcpy(text + o, "\\\n", 2);
		o += 2;
	}
	memcpy(text + o, "y\n#", 3);
	o += 3;
	memset(text + o, 'z', CONF_LINE_MAX - 1);
	o += CONF_LINE_MAX - 1;
	memcpy(text + o, "\r\n#", 3);
	o += 3;
	memset(text + o, 'z', CONF_LINE_MAX);
	o += CONF_LINE_MAX;
	assert_int_equal(both_ways("l.conf", text, o, err, sizeof(err)), 2);
	assert_non_null(strstr(err, ":1: line longer"));
	assert_non_null(strstr(logbuf, ":6: line longer"));
	assert_null(strstr(logbuf, ":5: "));
	free(text);
}

/* a small file table in memory: full path, text, st_mode */
struct memfile {
	const char	*path;
	const char	*text;
	mode_t		 mode;
};

static int	 mem_reads;

static int
mem_include(void *arg, const char *path, struct conf_text *t)
{
	const struct memfile *f;

	mem_reads++;
	for (f = arg; f->path != NULL; f++)
		if (strcmp(f->path, path) == 0) {
			t->buf = f->text;
			t->len = strlen(f->text);
			t->mode = f->mode;
			return 0;
		}
	errno = ENOENT;
	return -1;
}

static int
load_mem(struct conf *c, const struct memfile *files, char *err,
    size_t errlen)
{
	struct conf_text t;

	t.buf = files[0].text;
	t.len = strlen(files[0].text);
	t.mode = files[0].mode;
	mem_reads = 0;
	logbuf[0] = '\0';
	return conf_load_buf(c, files[0].path, &t, mem_include,
	    (void *)files, err, errlen);
}

/* includes from the caller's reader, under the rules of the disk */
static void
test_load_buf_include(void **state)
{
	static const struct memfile good[] = {
		{ "/m/main.conf", "interval 9\ninclude sub/probes.inc\n",
		    S_IFREG | 0600 },
		{ "/m/sub/probes.inc", "\nprobe inc1 tcp --host 127.0.0.1 "
		    "--port 7\ninclude ../last.inc\n", S_IFREG | 0640 },
		{ "/m/sub/../last.inc", "retries 5", S_IFREG | 0400 },
		{ NULL, NULL, 0 }
	}, bad[] = {
		{ "/m/main.conf", "include nope.conf\ninclude w.conf\n"
		    "include g.conf\ninclude d\ninclude ok.conf\n",
		    S_IFREG | 0644 },
		{ "/m/w.conf", "interval 1\n", S_IFREG | 0602 },
		{ "/m/g.conf", "interval 2\n", S_IFREG | 0620 },
		{ "/m/d", "", S_IFDIR | 0700 },
		{ "/m/ok.conf", "interval 3\nbogus\n", S_IFREG | 0600 },
		{ NULL, NULL, 0 }
	}, bomb[] = {
		{ "/m/bomb.conf", "include bomb.conf\ninclude bomb.conf\n"
		    "include bomb.conf\ninclude bomb.conf\ninclude bomb.conf\n"
		    "include bomb.conf\ninclude bomb.conf\ninclude bomb.conf\n"
		    "include bomb.conf\ninclude bomb.conf\n", S_IFREG | 0600 },
		{ NULL, NULL, 0 }
	}, loop[] = {
		{ "/m/loop.conf", "include loop.conf\n", S_IFREG | 0600 },
		{ NULL, NULL, 0 }
	};
	struct conf c;
	char	 err[512];

	(void)state;
	assert_int_equal(load_mem(&c, good, err, sizeof(err)), 0);
	assert_int_equal(mem_reads, 2);
	assert_int_equal(c.nprobes, 1);
	assert_int_equal(c.probes[0].interval_s, 9);
	assert_int_equal(c.probes[0].retries, 5);
	assert_string_equal(c.probes[0].file, "/m/sub/probes.inc");
	assert_int_equal(c.probes[0].line, 2);
	assert_int_equal(c.nfiles, 3);
	assert_string_equal(c.path, "/m/main.conf");
	conf_free(&c);

	/* each refusal on its include line, worded as for the disk */
	assert_int_equal(load_mem(&c, bad, err, sizeof(err)), 5);
	assert_string_equal(err, "/m/main.conf:1: include /m/nope.conf: "
	    "No such file or directory");
	assert_non_null(strstr(logbuf, "/m/main.conf:2: refusing /m/w.conf: "
	    "writable by everyone (chmod o-w)\n"));
	assert_non_null(strstr(logbuf, "/m/main.conf:3: refusing /m/g.conf: "
	    "writable by its group (chmod g-w)\n"));
	assert_non_null(strstr(logbuf, "/m/main.conf:4: /m/d: not a regular "
	    "file\n"));
	assert_non_null(strstr(logbuf, "/m/ok.conf:2: unknown keyword"));
	assert_int_equal(c.interval_s, 3);
	conf_free(&c);

	/* the top text obeys the same rules */
	{
		struct memfile top[] = {
			{ "/m/top.conf", "interval 4\n", S_IFREG | 0660 },
			{ NULL, NULL, 0 }
		};

		assert_int_equal(load_mem(&c, top, err, sizeof(err)), 1);
		assert_string_equal(err, "/m/top.conf: refusing /m/top.conf: "
		    "writable by its group (chmod g-w)");
		assert_int_equal(c.interval_s, CONF_DEF_INTERVAL);
		conf_free(&c);
		top[0].mode = S_IFIFO | 0600;
		assert_int_equal(load_mem(&c, top, err, sizeof(err)), 1);
		assert_string_equal(err, "/m/top.conf: /m/top.conf: not a "
		    "regular file");
		conf_free(&c);
	}

	/* 256 files in one load, the top one included; 8 levels deep */
	log_register(count_reads, NULL);
	nreads_msgs = 0;
	assert_true(load_mem(&c, bomb, err, sizeof(err)) >= 1);
	log_register(capture, NULL);
	assert_int_equal(nreads_msgs, 1);
	assert_int_equal(mem_reads, CONF_READS_MAX - 1);
	conf_free(&c);
	assert_int_equal(load_mem(&c, loop, err, sizeof(err)), 1);
	assert_int_equal(mem_reads, CONF_INCLUDE_DEPTH);
	assert_non_null(strstr(err, "/m/loop.conf:1: include: nested more "
	    "than 8 deep"));
	conf_free(&c);
}

/* secrets in a text from memory: the file's mode, password files */
static void
test_load_buf_secrets(void **state)
{
	struct conf	 c;
	struct conf_text t;
	char		 err[512], path[512], text[256];

	(void)state;
	/* --password-file from the disk, relative to the text's name */
	write_file("mem.pw", "Mem0ry-pw\n", 0600);
	snprintf(path, sizeof(path), "%s/virtual.conf", tmpdir);
	snprintf(text, sizeof(text), "probe i imap --host 127.0.0.1 "
	    "--user u --password-file mem.pw\n");
	t.buf = text;
	t.len = strlen(text);
	t.mode = S_IFREG | 0600;
	logbuf[0] = '\0';
	assert_int_equal(conf_load_buf(&c, path, &t, NULL, NULL, err,
	    sizeof(err)), 0);
	assert_string_equal(O(&c, 0)->pass, "Mem0ry-pw");
	conf_free(&c);

	/* an inline password in a text others may read warns */
	snprintf(text, sizeof(text), "probe i imap --host 127.0.0.1 "
	    "--user u --password Inl1ne-mem --port x\n"
	    "probe j imap --host 127.0.0.1 --user u --password Inl1ne-mem\n");
	t.len = strlen(text);
	t.mode = S_IFREG | 0644;
	assert_int_equal(conf_load_buf(&c, path, &t, NULL, NULL, err,
	    sizeof(err)), 1);
	assert_non_null(strstr(logbuf, "virtual.conf:2: probe j: a password "
	    "written in a file readable by everyone"));
	assert_null(strstr(logbuf, "Inl1ne"));
	assert_null(strstr(err, "Inl1ne"));
	conf_free(&c);
}

/* a file is read whole, up to CONF_FILE_MAX bytes */
static void
test_file_too_long(void **state)
{
	struct conf c;
	char	 err[512], want[1200];
	const char *path;
	int	 fd;

	(void)state;
	/* sparse: the limit and one byte more, all but the first a NUL */
	path = write_file("huge.conf", "#", 0600);
	assert_true((fd = open(path, O_WRONLY)) != -1);
	assert_int_equal(ftruncate(fd, (off_t)CONF_FILE_MAX + 1), 0);
	close(fd);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 1);
	snprintf(want, sizeof(want), "%s: %s: longer than %d bytes", path,
	    path, CONF_FILE_MAX);
	assert_string_equal(err, want);
	conf_free(&c);
}

/* "history N" and "state-file PATH" globals, "--history N" per probe */
static void
test_history_state_file(void **state)
{
	struct conf c;
	char	 err[512], want[600];
	const char *path;

	(void)state;
	/* defaults: 10 results, no state file */
	path = write_file("h0.conf",
	    "probe a tcp --host 127.0.0.1 --port 1\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.history, CONF_DEF_HISTORY);
	assert_int_equal(c.probes[0].history, 10);
	assert_string_equal(c.state_file, "");
	conf_free(&c);

	/* a global after the probes still applies; 0 is a value, not unset */
	path = write_file("h1.conf",
	    "probe a tcp --host 127.0.0.1 --port 1\n"
	    "probe b tcp --host 127.0.0.1 --port 2 --history 3\n"
	    "probe c tcp --host 127.0.0.1 --port 3 --history=0\n"
	    "probe d tcp --host 127.0.0.1 --port 4 --history 1000 --interval 7\n"
	    "history 25\n"
	    "state-file state/mailmond.state\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.history, 25);
	assert_int_equal(c.probes[0].history, 25);
	assert_int_equal(c.probes[1].history, 3);
	assert_int_equal(c.probes[2].history, 0);
	assert_int_equal(c.probes[3].history, 1000);
	assert_int_equal(c.probes[3].interval_s, 7);
	/* --history is the daemon's: it never reaches the probe options */
	assert_int_equal(O(&c, 1)->port, 2);
	/* relative to the configuration file, as include is */
	snprintf(want, sizeof(want), "%s/state/mailmond.state", tmpdir);
	assert_string_equal(c.state_file, want);
	assert_int_equal(c.max_inflight, 0);	/* unset: the daemon derives it */
	conf_free(&c);

	path = write_file("h3.conf", "max-inflight 250\n"
	    "probe a tcp --host 127.0.0.1 --port 1\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.max_inflight, 250);
	conf_free(&c);

	path = write_file("h2.conf", "history 0\nstate-file /var/lib/x.state\n"
	    "probe a tcp --host 127.0.0.1 --port 1\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.probes[0].history, 0);
	assert_string_equal(c.state_file, "/var/lib/x.state");
	conf_free(&c);

	expect_error("history 1001\n", 1, "bad number");
	expect_error("history -1\n", 1, "bad number");
	expect_error("history\n", 1, "history: expected one value");
	expect_error("history 5\nhistory 6\n", 2, "already set");
	expect_error("state-file\n", 1, "state-file: expected one value");
	expect_error("max-inflight 0\n", 1, "max-inflight: bad number");
	expect_error("max-inflight 1000001\n", 1, "bad number");
	expect_error("max-inflight 5\nmax-inflight 6\n", 2, "already set");
	expect_error("max-inflight\n", 1, "max-inflight: expected one value");
	expect_error("state-file \"\"\n", 1, "state-file: bad value");
	expect_error("state-file a\nstate-file b\n", 2, "already set");
	expect_error("probe x tcp --host 127.0.0.1 --port 1 --history\n", 1,
	    "--history: missing value");
	expect_error("probe x tcp --host 127.0.0.1 --port 1 --history 1001\n",
	    1, "--history: invalid value '1001' (0..1000)");
	expect_error("probe x tcp --host 127.0.0.1 --port 1 --history=x\n", 1,
	    "--history: invalid value 'x'");
}

/* the built-in agent: snmp-listen, snmp-community, snmp-trapsink */
static void
test_snmp_listen(void **state)
{
	struct conf c;
	char	 err[512], text[2048];
	const char *path;
	int	 i;

	(void)state;
	logbuf[0] = '\0';
	path = write_file("s0.conf", "snmp-listen udp:127.0.0.1:1161,udp6:[::1]:1161\n"
	    "snmp-community Pub!ic\n"
	    "snmp-community ops 192.0.2.0/24\n"
	    "snmp-trapsink 127.0.0.1:162 Tr@p\n"
	    "probe a tcp --host 127.0.0.1 --port 1\n", 0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.snmp_listen, "udp:127.0.0.1:1161,udp6:[::1]:1161");
	assert_int_equal(c.ncommunity, 2);
	assert_string_equal(c.community[0].name, "Pub!ic");
	/* no source: loopback only, not Net-SNMP's "anyone" */
	assert_string_equal(c.community[0].source, "127.0.0.1");
	assert_string_equal(c.community[1].source, "192.0.2.0/24");
	assert_int_equal(c.ntrapsink, 1);
	assert_string_equal(c.trapsink[0].host, "127.0.0.1:162");
	assert_string_equal(c.trapsink[0].community, "Tr@p");
	conf_free(&c);

	assert_null(strstr(logbuf, "readable by"));
	/* a community in a file others may read: a warning, not an error */
	logbuf[0] = '\0';
	path = write_file("s2.conf", "snmp-listen udp:1161\n"
	    "snmp-community c0mmun1ty\n", 0644);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_non_null(strstr(logbuf, "s2.conf:2: a community written in a "
	    "file readable by everyone"));
	assert_null(strstr(logbuf, "c0mmun1ty"));
	conf_free(&c);

	/* without snmp-listen the daemon is a subagent: nothing is set */
	path = write_file("s1.conf", "probe a tcp --host 127.0.0.1 --port 1\n",
	    0600);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.snmp_listen, "");
	assert_int_equal(c.ncommunity, 0);
	conf_free(&c);

	expect_error("snmp-community c0mmun1ty\n", 1,
	    "snmp-community and snmp-trapsink need snmp-listen");
	assert_null(strstr(logbuf, "c0mmun1ty"));
	expect_error("agentx-socket /x\nsnmp-listen udp:1161\n"
	    "snmp-community c0mmun1ty\n", 2, "exclude each other");
	expect_error("snmp-listen udp:1161\n", 1, "no snmp-community line");
	expect_error("snmp-listen udp:1161\nsnmp-listen udp:1162\n"
	    "snmp-community c\n", 2, "snmp-listen: already set");
	expect_error("snmp-listen \"udp:1 161\"\nsnmp-community c\n", 1,
	    "snmp-listen: bad address");
	expect_error("snmp-listen\n", 1, "snmp-listen: expected one address");
	expect_error("snmp-listen udp:1161\nsnmp-community \"c0mm#un1ty\"\n",
	    2, "snmp-community: bad name");
	assert_null(strstr(logbuf, "c0mm"));
	expect_error("snmp-listen udp:1161\nsnmp-community c0mmun1ty "
	    "\"10.0.0.1 x\"\n", 2, "snmp-community: bad source");
	assert_null(strstr(logbuf, "c0mmun1ty"));
	expect_error("snmp-listen udp:1161\nsnmp-community "
	    "abcdefghijabcdefghijabcdefghijabc\n", 2, "bad name");
	expect_error("snmp-listen udp:1161\nsnmp-community c\n"
	    "snmp-trapsink h\n", 3, "expected HOST[:PORT] COMMUNITY");
	expect_error("snmp-listen udp:1161\nsnmp-community c\n"
	    "snmp-trapsink h \"t\\\\p\"\n", 3, "snmp-trapsink: bad community");
	expect_error("snmp-lissen udp:1161\n", 1, "unknown keyword \"snmp-lissen\"");

	/* at most CONF_SNMP_MAX communities */
	mm_strlcpy(text, "snmp-listen udp:1161\n", sizeof(text));
	for (i = 0; i <= CONF_SNMP_MAX; i++)
		mm_strlcat(text, "snmp-community c\n", sizeof(text));
	expect_error(text, CONF_SNMP_MAX + 2, "snmp-community: more than 8");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_split_comments),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_valid_name),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_defaults),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_mx),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_counts_every_error),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_inline_password_warns),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_secret_file_rules),
		cmocka_unit_test(test_history_state_file),
		cmocka_unit_test(test_snmp_listen),
		cmocka_unit_test(test_load_buf_lines),
		cmocka_unit_test(test_load_buf_include),
		cmocka_unit_test(test_load_buf_secrets),
		cmocka_unit_test(test_file_too_long),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

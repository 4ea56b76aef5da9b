/*
 * fuzz_conf.c - libFuzzer harness for the mailmond.conf parser:
 * globals, probe lines (the whole option grammar of opts.c), includes
 * and password files.
 *
 * The input is up to three files separated by NUL bytes (which a
 * configuration line may not hold anyway): main.conf, inc.conf and pw,
 * named as if in the harness's own directory.  conf_load_buf() parses
 * main.conf from memory, and its includes come from the same three
 * texts through the harness's include reader (any other path does not
 * exist), so an input costs no file I/O.  Password files are read from
 * the disk: pw is written into the directory when it changed, and
 * nothing outside it can be read (fuzz_files.h).  Every probe's options
 * are unpacked again afterwards.
 *
 * The contract checked: no message of the parser (the err text and
 * every logged line) about a line quotes a password given on that
 * line (one holding FZ_PASSWORD, fuzz_secret.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "probe_opts.h"

#include "fuzz_files.h"
#include "fuzz_secret.h"

#define FZ_FILES	3
#define FZ_PW		2	/* the one file also on the disk */

static const char *names[FZ_FILES] = { "main.conf", "inc.conf", "pw" };

static struct {
	const char	*text[FZ_FILES];
	size_t		 len[FZ_FILES];
	char		 path[FZ_FILES][128];
} in;

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* the password file: written only when the input changes it */
static void
put_pw(const uint8_t *data, size_t len)
{
	static uint8_t	*last;
	static size_t	 lastlen;
	static int	 written;
	uint8_t		*copy;

	if (written && lastlen == len &&
	    (len == 0 || memcmp(last, data, len) == 0))
		return;
	fz_files_put(names[FZ_PW], data, len, in.path[FZ_PW],
	    sizeof(in.path[FZ_PW]));
	if ((copy = realloc(last, len + 1)) == NULL)
		abort();
	memcpy(copy, data, len);
	last = copy;
	lastlen = len;
	written = 1;
}

/* the includes: the input's three files, by their full names */
static int
include_reader(void *arg, const char *path, struct conf_text *t)
{
	int	 f;

	(void)arg;
	for (f = 0; f < FZ_FILES; f++)
		if (strcmp(path, in.path[f]) == 0) {
			t->buf = in.text[f];
			t->len = in.len[f];
			t->mode = S_IFREG | 0600;
			return 0;
		}
	errno = ENOENT;
	return -1;
}

/* 1 when msg quotes a password given on line n (1-based) of file f */
static int
line_password_quoted(int f, long n, const char *msg)
{
	static char	 buf[CONF_LINE_MAX + 1];
	char		*words[512];
	const char	*p = in.text[f], *end = p + in.len[f], *nl, *why;
	size_t		 blen = 0, len;
	long		 i;
	int		 more, nw;

	for (i = 1; i < n && p < end; i++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;
		p = nl + 1;
	}
	/* the logical line: physical lines ending in a backslash go on */
	do {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		more = len > 0 && p[len - 1] == '\\';
		if (more)
			len--;
		if (blen + len >= sizeof(buf))
			return 0;	/* refused as too long, unquoted */
		memcpy(buf + blen, p, len);
		blen += len;
		p = nl != NULL ? nl + 1 : end;
	} while (more && p < end);
	buf[blen] = '\0';
	if ((nw = conf_split(buf, words, 512, &why)) <= 0)
		return 0;
	return fz_password_quoted(words, nw, msg);
}

/* a message naming FILE:LINE that quotes the password of that line */
static void
check_message(const char *msg)
{
	const char	*colon;
	char		*endp;
	long		 line;
	size_t		 n;
	int		 f;

	if (strstr(msg, FZ_PASSWORD) == NULL)
		return;
	for (f = 0; f < FZ_FILES; f++) {
		n = strlen(in.path[f]);
		if (strncmp(msg, in.path[f], n) != 0 || msg[n] != ':')
			continue;
		colon = msg + n + 1;
		line = strtol(colon, &endp, 10);
		if (endp != colon && line > 0 && line_password_quoted(f, line, msg)) {
			fz_files_guard(0);	/* libFuzzer writes the reproducer */
			fprintf(stderr, "password quoted: %s\n", msg);
			__builtin_trap();
		}
	}
}

static void
sink(int level, const char *token, const char *msg, void *arg)
{
	(void)level;
	(void)token;
	(void)arg;
	check_message(msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf		 c;
	struct conf_text	 top;
	struct probe_opts	 o;
	char			 err[512];
	const uint8_t		*p = data, *end = data + size, *z;
	size_t			 i;
	int			 f, nerr;

	memset(&in, 0, sizeof(in));
	for (f = 0; f < FZ_FILES; f++) {
		z = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		in.text[f] = (const char *)p;
		in.len[f] = z != NULL ? (size_t)(z - p) : (size_t)(end - p);
		snprintf(in.path[f], sizeof(in.path[f]), "%s/%s",
		    fz_files_dir(), names[f]);
		p = z != NULL ? z + 1 : end;
	}
	put_pw((const uint8_t *)in.text[FZ_PW], in.len[FZ_PW]);
	top.buf = in.text[0];
	top.len = in.len[0];
	top.mode = S_IFREG | 0600;

	log_register(sink, NULL);
	log_set_level(LOG_LVL_DEBUG);
	(void)log_set_tokens("config", NULL, 0);
	fz_files_guard(1);
	nerr = conf_load_buf(&c, in.path[0], &top, include_reader, NULL, err,
	    sizeof(err));
	fz_files_guard(0);

	if (memchr(err, '\0', sizeof(err)) == NULL)
		__builtin_trap();
	if ((nerr == 0) != (err[0] == '\0'))
		__builtin_trap();
	check_message(err);
	if (nerr == 0)
		for (i = 0; i < c.nprobes; i++) {
			conf_probe_opts(&c.probes[i], &o);
			if (memchr(o.name, '\0', sizeof(o.name)) == NULL ||
			    !conf_valid_name(o.name))
				__builtin_trap();
			explicit_bzero(&o, sizeof(o));
		}
	conf_free(&c);
	return 0;
}

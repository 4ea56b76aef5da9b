/*
 * conf.c - mailmond.conf parser.
 *
 * Two passes: the first reads every line (following includes) and
 * applies the global settings, keeping the probe lines aside; the
 * second turns the probe lines into probe_opts.  So "interval",
 * "timeout", "retries" and "dns-server" are defaults for every probe
 * wherever they appear in the file, and a probe never depends on line
 * order.
 *
 * A file is read whole (at most CONF_FILE_MAX bytes), then parsed from
 * memory by parse_text(): conf_load_buf() hands its text, and its
 * include reader's, to the same parser.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "dns.h"
#include "history.h"
#include "log.h"
#include "optpack.h"
#include "opts.h"
#include "secret.h"
#include "util.h"

/* a probe line kept for the second pass */
struct pline {
	const char	*file;		/* one of conf.files */
	int		 line;
	mode_t		 fmode;		/* of the file, for the secret warning */
	int		 nwords;
	char		**words;
};

struct parser {
	struct conf	*c;
	int		 nerr;
	char		*err;
	size_t		 errlen;
	struct pline	*lines;
	size_t		 nlines, caplines;
	int		 depth;
	int		 nreads;		/* files opened by this load */
	int		 toomany;	/* CONF_READS_MAX reached */
	/*
	 * The line before ended with a password option and no value: this
	 * line's first word is likely the password, broken off by a
	 * forgotten backslash.
	 */
	int		 after_bare_secret;
	/* globals seen, to reject a second setting */
	int		 set_interval, set_timeout, set_retries;
	int		 set_ping, set_socket, set_user, set_dns;
	int		 set_history, set_state_file, set_inflight;
	int		 set_listen;
	int		 snmp_bad;	/* an snmp-* line had an error */
	/* the first line of the built-in agent's settings, for errors */
	char		 snmp_file[CONF_PATH_MAX];
	int		 snmp_line;
	/* the probe names seen: an open-addressing set of indexes + 1 */
	size_t		*names;
	size_t		 nnames;	/* slots, a power of two */
	struct probe_opts *scratch;	/* one probe's options while parsed */
	conf_include_fn	*include;	/* NULL: includes from the disk */
	void		*include_arg;
};

static void __attribute__((format(printf, 4, 5)))
conf_error(struct parser *p, const char *file, int line, const char *fmt, ...)
{
	char	 msg[512], full[CONF_PATH_MAX + 600];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(full, sizeof(full), "%s:%d: %s", file, line, msg);
	else
		snprintf(full, sizeof(full), "%s: %s", file, msg);
	log_warnx("%s", full);
	if (p->nerr == 0 && p->err != NULL && p->errlen > 0)
		mm_strlcpy(p->err, full, p->errlen);
	p->nerr++;
}

int
conf_valid_name(const char *name)
{
	size_t	 i, n = strlen(name);

	if (n == 0 || n > PROBE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		int	 alnum = (ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-')))
			return 0;
	}
	return 1;
}

int
conf_split(char *line, char **words, int maxwords, const char **why)
{
	char	*r = line, *w = line;
	int	 n = 0;

	for (;;) {
		int	 quoted = 0;

		while (*r == ' ' || *r == '\t')
			r++;
		if (*r == '\0' || *r == '#')
			break;
		if (n == maxwords) {
			*why = "too many words on one line";
			return -1;
		}
		words[n] = w;
		while (*r != '\0') {
			if (*r == '"') {
				quoted = !quoted;
				r++;
				continue;
			}
			if (!quoted && (*r == ' ' || *r == '\t'))
				break;
			if (*r == '\\' && (r[1] == '"' || r[1] == '\\' ||
			    r[1] == '#' || r[1] == ' ' || r[1] == '\t'))
				r++;
			else if (*r == '\\' && r[1] == '\0') {
				*why = "backslash at end of line";
				return -1;
			}
			*w++ = *r++;
		}
		if (quoted) {
			*why = "unterminated quoted string";
			return -1;
		}
		/*
		 * The write pointer trails the read pointer by at least
		 * one byte whenever a word ends before the line does (the
		 * blank, or a removed quote/backslash), so terminating in
		 * place never overwrites unread input.
		 */
		if (*r != '\0')
			r++;
		*w++ = '\0';
		n++;
	}
	return n;
}

/* a word from the file, safe to put in a log line */
static const char *
shown(const char *word, char *buf, size_t len)
{
	mm_sanitize(buf, len, word, strlen(word));
	return buf;
}

static int
parse_num(struct parser *p, const char *file, int line, const char *what,
    const char *s, long long min, long long max, int *out)
{
	long long v;
	char	 b[41];

	if (mm_strtonum(s, min, max, &v) == -1) {
		conf_error(p, file, line, "%s: bad number \"%s\" "
		    "(expected %lld..%lld)", what, shown(s, b, sizeof(b)),
		    min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static void
free_words(char **words, int n)
{
	int	 i;

	if (words == NULL)
		return;
	for (i = 0; i < n; i++) {
		explicit_bzero(words[i], strlen(words[i]));
		free(words[i]);
	}
	free(words);
}

static int
keep_probe_line(struct parser *p, const char *file, int line, mode_t fmode,
    char **words, int n)
{
	struct pline *pl;
	int	 i;

	if (p->nlines == p->caplines) {
		size_t	 cap = p->caplines ? p->caplines * 2 : 16;
		struct pline *nl = reallocarray(p->lines, cap, sizeof(*nl));

		if (nl == NULL)
			return -1;
		p->lines = nl;
		p->caplines = cap;
	}
	pl = &p->lines[p->nlines];
	memset(pl, 0, sizeof(*pl));
	pl->file = file;
	pl->line = line;
	pl->fmode = fmode;
	if ((pl->words = calloc((size_t)n, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((pl->words[i] = strdup(words[i])) == NULL) {
			free_words(pl->words, i);
			return -1;
		}
	}
	pl->nwords = n;
	p->nlines++;
	return 0;
}

static int	 read_file(struct parser *, const char *path, const char *from,
		    int fromline, const struct conf_text *given);

/*
 * Every probe remembers the file it came from: the name is kept once
 * per file, not once per probe.
 */
static const char *
intern_file(struct parser *p, const char *path)
{
	struct conf	*c = p->c;
	char		**nf;
	size_t		 i;

	for (i = 0; i < c->nfiles; i++)
		if (strcmp(c->files[i], path) == 0)
			return c->files[i];
	if ((nf = reallocarray(c->files, c->nfiles + 1, sizeof(*nf))) == NULL)
		return NULL;
	c->files = nf;
	if ((nf[c->nfiles] = strdup(path)) == NULL)
		return NULL;
	return nf[c->nfiles++];
}

#define ONCE(flag, kw) do {						\
	if (p->flag) {							\
		conf_error(p, file, line, "%s: already set", kw);	\
		return;							\
	}								\
	p->flag = 1;							\
} while (0)

/* a line that gives a password is not quoted, not even its first word */
static void
unknown_keyword(struct parser *p, const char *file, int line, char **w, int n)
{
	char	 b[41];

	if (opts_words_have_secret(n, w))
		conf_error(p, file, line, "unknown keyword (not shown: this "
		    "line holds a password)");
	else if (p->after_bare_secret)
		conf_error(p, file, line, "unknown keyword (not shown: it may "
		    "be the password the line before left without a value)");
	else
		conf_error(p, file, line, "unknown keyword \"%s\"",
		    shown(w[0], b, sizeof(b)));
}

/*
 * Characters of the built-in agent's settings: they are handed to
 * Net-SNMP as configuration lines, so no blank, quote or comment sign
 * may change how it splits them.
 */
static int
snmp_word_ok(const char *v, size_t max, const char *extra)
{
	size_t	 n = strlen(v);

	if (n == 0 || n > max)
		return 0;
	for (; *v != '\0'; v++)
		if (!isalnum((unsigned char)*v) && strchr(extra, *v) == NULL)
			return 0;
	return 1;
}

/* a community is a password: like one, it belongs in a private file */
static void
warn_community(const char *file, int line, mode_t fmode)
{
	if (fmode & (S_IRGRP | S_IROTH))
		log_warnx("%s:%d: a community written in a file readable by "
		    "%s: chmod 600 the file", file, line,
		    (fmode & S_IROTH) ? "everyone" : "its group");
}

#define SNMP_ADDR_CHARS		".:-_/[],%"
/* printable, no blank, quote, backslash or comment sign */
#define COMMUNITY_CHARS		"!$&()*+,-./:;<=>?@[]^_`{|}~%"

/*
 * snmp-listen ADDRESS, snmp-community NAME [SOURCE], snmp-trapsink
 * HOST[:PORT] COMMUNITY.  A community is a password: it is never quoted.
 */
static void
parse_snmp(struct parser *p, const char *file, int line, char **w, int n,
    mode_t fmode)
{
	struct conf *c = p->c;

	if (p->snmp_line == 0) {
		mm_strlcpy(p->snmp_file, file, sizeof(p->snmp_file));
		p->snmp_line = line;
	}
	if (strcmp(w[0], "snmp-listen") == 0) {
		if (n != 2) {
			conf_error(p, file, line, "snmp-listen: expected one "
			    "address, e.g. udp:127.0.0.1:1161");
			return;
		}
		ONCE(set_listen, "snmp-listen");
		if (!snmp_word_ok(w[1], sizeof(c->snmp_listen) - 1,
		    SNMP_ADDR_CHARS))
			conf_error(p, file, line, "snmp-listen: bad address");
		else
			mm_strlcpy(c->snmp_listen, w[1], sizeof(c->snmp_listen));
	} else if (strcmp(w[0], "snmp-community") == 0) {
		struct conf_community *cc;

		if (n != 2 && n != 3) {
			conf_error(p, file, line, "snmp-community: expected "
			    "NAME [SOURCE]");
			return;
		}
		if (c->ncommunity == CONF_SNMP_MAX) {
			conf_error(p, file, line, "snmp-community: more than %d",
			    CONF_SNMP_MAX);
			return;
		}
		if (!snmp_word_ok(w[1], CONF_COMMUNITY_MAX, COMMUNITY_CHARS)) {
			conf_error(p, file, line, "snmp-community: bad name "
			    "(1 to %d printable characters, no blank, quote, "
			    "backslash or #)", CONF_COMMUNITY_MAX);
			return;
		}
		if (n == 3 && !snmp_word_ok(w[2], CONF_SNMP_ADDR_MAX - 1,
		    SNMP_ADDR_CHARS)) {
			conf_error(p, file, line, "snmp-community: bad source "
			    "(an address, network/bits, a host name or default)");
			return;
		}
		warn_community(file, line, fmode);
		cc = &c->community[c->ncommunity++];
		mm_strlcpy(cc->name, w[1], sizeof(cc->name));
		mm_strlcpy(cc->source, n == 3 ? w[2] : "127.0.0.1",
		    sizeof(cc->source));
	} else if (strcmp(w[0], "snmp-trapsink") == 0) {
		struct conf_trapsink *ts;

		if (n != 3) {
			conf_error(p, file, line, "snmp-trapsink: expected "
			    "HOST[:PORT] COMMUNITY");
			return;
		}
		if (c->ntrapsink == CONF_SNMP_MAX) {
			conf_error(p, file, line, "snmp-trapsink: more than %d",
			    CONF_SNMP_MAX);
			return;
		}
		if (!snmp_word_ok(w[1], CONF_SNMP_ADDR_MAX - 1,
		    SNMP_ADDR_CHARS)) {
			conf_error(p, file, line, "snmp-trapsink: bad host");
			return;
		}
		if (!snmp_word_ok(w[2], CONF_COMMUNITY_MAX, COMMUNITY_CHARS)) {
			conf_error(p, file, line, "snmp-trapsink: bad community "
			    "(1 to %d printable characters, no blank, quote, "
			    "backslash or #)", CONF_COMMUNITY_MAX);
			return;
		}
		warn_community(file, line, fmode);
		ts = &c->trapsink[c->ntrapsink++];
		mm_strlcpy(ts->host, w[1], sizeof(ts->host));
		mm_strlcpy(ts->community, w[2], sizeof(ts->community));
	} else
		unknown_keyword(p, file, line, w, n);
}

/* the built-in agent's settings make sense only together */
static void
check_snmp(struct parser *p)
{
	struct conf *c = p->c;

	/* one error per mistake: no second one about its consequences */
	if (p->snmp_line == 0 || p->snmp_bad)
		return;
	if (c->snmp_listen[0] == '\0')
		conf_error(p, p->snmp_file, p->snmp_line, "snmp-community and "
		    "snmp-trapsink need snmp-listen (without it mailmond is an "
		    "AgentX subagent: give access in the master's snmpd.conf)");
	else if (c->agentx_socket[0] != '\0')
		conf_error(p, p->snmp_file, p->snmp_line, "snmp-listen and "
		    "agentx-socket exclude each other: serve SNMP either "
		    "itself or through a master agent");
	else if (c->ncommunity == 0)
		conf_error(p, p->snmp_file, p->snmp_line, "snmp-listen: no "
		    "snmp-community line, so no manager could read anything");
}

static void
parse_line(struct parser *p, const char *file, int line, char **w, int n,
    mode_t fmode)
{
	struct conf *c = p->c;

	if (strcmp(w[0], "probe") == 0) {
		if (n < 3) {
			conf_error(p, file, line,
			    "probe: expected \"probe NAME MODE [options]\"");
			return;
		}
		if (keep_probe_line(p, file, line, fmode, w, n) == -1)
			conf_error(p, file, line, "out of memory");
		return;
	}
	if (strcmp(w[0], "include") == 0) {
		char	 path[CONF_PATH_MAX];

		if (n != 2) {
			conf_error(p, file, line, "include: expected one file");
			return;
		}
		/*
		 * "include -Pxyz" reads like a password option: quoted, its
		 * path would show the password in every message about it
		 * (FILE:LINE of each line of the file, open errors)
		 */
		if (opts_words_have_secret(n - 1, w + 1)) {
			conf_error(p, file, line, "include: a file name that "
			    "reads as a password option (not shown)");
			return;
		}
		if (p->depth >= CONF_INCLUDE_DEPTH) {
			conf_error(p, file, line,
			    "include: nested more than %d deep", CONF_INCLUDE_DEPTH);
			return;
		}
		if (p->nreads >= CONF_READS_MAX) {
			/* once: every include line after it would say so */
			if (!p->toomany)
				conf_error(p, file, line, "include: more than "
				    "%d files read", CONF_READS_MAX);
			p->toomany = 1;
			return;
		}
		/* relative to the including file, like every path in it */
		if (secret_path(path, sizeof(path), file, 1, w[1]) == -1) {
			conf_error(p, file, line, "include: path too long");
			return;
		}
		p->depth++;
		read_file(p, path, file, line, NULL);
		p->depth--;
		return;
	}
	if (strncmp(w[0], "snmp-", 5) == 0) {
		int	 nerr = p->nerr;

		parse_snmp(p, file, line, w, n, fmode);
		if (p->nerr != nerr)
			p->snmp_bad = 1;
		return;
	}
	if (n != 2) {
		if (strcmp(w[0], "interval") == 0 || strcmp(w[0], "timeout") == 0 ||
		    strcmp(w[0], "retries") == 0 ||
		    strcmp(w[0], "ping-interval") == 0 ||
		    strcmp(w[0], "agentx-socket") == 0 || strcmp(w[0], "user") == 0 ||
		    strcmp(w[0], "dns-server") == 0 ||
		    strcmp(w[0], "history") == 0 || strcmp(w[0], "state-file") == 0 ||
		    strcmp(w[0], "max-inflight") == 0)
			conf_error(p, file, line, "%s: expected one value", w[0]);
		else
			unknown_keyword(p, file, line, w, n);
		return;
	}
	if (strcmp(w[0], "interval") == 0) {
		ONCE(set_interval, "interval");
		parse_num(p, file, line, w[0], w[1], 1, 86400, &c->interval_s);
	} else if (strcmp(w[0], "timeout") == 0) {
		ONCE(set_timeout, "timeout");
		parse_num(p, file, line, w[0], w[1], 1, 3600, &c->timeout_s);
	} else if (strcmp(w[0], "retries") == 0) {
		ONCE(set_retries, "retries");
		parse_num(p, file, line, w[0], w[1], 1, 100, &c->retries);
	} else if (strcmp(w[0], "ping-interval") == 0) {
		ONCE(set_ping, "ping-interval");
		parse_num(p, file, line, w[0], w[1], 0, 86400, &c->ping_interval);
	} else if (strcmp(w[0], "agentx-socket") == 0) {
		ONCE(set_socket, "agentx-socket");
		if (w[1][0] == '\0' ||
		    mm_strlcpy(c->agentx_socket, w[1], sizeof(c->agentx_socket)) >=
		    sizeof(c->agentx_socket))
			conf_error(p, file, line, "agentx-socket: bad value");
	} else if (strcmp(w[0], "dns-server") == 0) {
		char	 why[128];

		ONCE(set_dns, "dns-server");
		if (dns_servers_check(w[1], why, sizeof(why)) == -1 ||
		    mm_strlcpy(c->dns_server, w[1], sizeof(c->dns_server)) >=
		    sizeof(c->dns_server))
			conf_error(p, file, line, "dns-server: %s", why);
	} else if (strcmp(w[0], "user") == 0) {
		ONCE(set_user, "user");
		if (w[1][0] == '\0' ||
		    mm_strlcpy(c->user, w[1], sizeof(c->user)) >= sizeof(c->user))
			conf_error(p, file, line, "user: bad value");
	} else if (strcmp(w[0], "history") == 0) {
		ONCE(set_history, "history");
		parse_num(p, file, line, w[0], w[1], 0, HISTORY_MAX, &c->history);
	} else if (strcmp(w[0], "max-inflight") == 0) {
		ONCE(set_inflight, "max-inflight");
		parse_num(p, file, line, w[0], w[1], 1, CONF_INFLIGHT_MAX,
		    &c->max_inflight);
	} else if (strcmp(w[0], "state-file") == 0) {
		ONCE(set_state_file, "state-file");
		/*
		 * Relative to the configuration file, like include (the
		 * daemon runs in /).  Written as PATH.tmp, then renamed:
		 * the name needs room for the suffix.
		 */
		if (w[1][0] == '\0' || secret_path(c->state_file,
		    sizeof(c->state_file), file, 1, w[1]) == -1 ||
		    strlen(c->state_file) + 5 > sizeof(c->state_file)) {
			c->state_file[0] = '\0';
			conf_error(p, file, line, "state-file: bad value");
		}
	} else
		unknown_keyword(p, file, line, w, n);
}

static void
do_line(struct parser *p, const char *path, int line, char *text,
    mode_t fmode)
{
	char	*words[CONF_WORDS_MAX];
	const char *why = NULL;
	int	 n;

	if ((n = conf_split(text, words, CONF_WORDS_MAX, &why)) == -1)
		conf_error(p, path, line, "%s", why);
	else if (n > 0) {
		parse_line(p, path, line, words, n, fmode);
		p->after_bare_secret = opts_words_have_secret(1, &words[n - 1]) &&
		    opts_secret_value(n, words, n - 1) == NULL;
	}
}

/*
 * The one parser of a file's text: physical lines split at '\n' (a
 * '\r' before it dropped), joined into logical lines by an odd number
 * of trailing backslashes, each at most CONF_LINE_MAX bytes.  Returns
 * the number of physical lines.
 */
static int
parse_text(struct parser *p, const char *path, const struct conf_text *t)
{
	const char *s = t->buf, *end = t->buf + t->len, *nl;
	char	 lbuf[CONF_LINE_MAX + 1];	/* one logical line */
	size_t	 llen = 0, len, bs;
	int	 line = 0, first = 0, skip = 0;

	for (; s < end; s = nl != NULL ? nl + 1 : end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		len = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);
		line++;
		if (llen == 0)
			first = line;
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (memchr(s, '\0', len) != NULL) {
			conf_error(p, path, line, "NUL byte in line");
			llen = 0;
			continue;
		}
		/* an odd number of trailing backslashes continues the line */
		for (bs = 0; bs < len && s[len - 1 - bs] == '\\'; bs++)
			;
		if (bs % 2 == 1)
			len--;
		if (skip) {		/* rest of an overlong logical line */
			skip = bs % 2 == 1;
			llen = 0;
			continue;
		}
		if (llen + len > CONF_LINE_MAX) {
			conf_error(p, path, first, "line longer than %d bytes",
			    CONF_LINE_MAX);
			llen = 0;
			skip = bs % 2 == 1;
			continue;
		}
		memcpy(lbuf + llen, s, len);
		llen += len;
		lbuf[llen] = '\0';
		if (bs % 2 == 1)
			continue;
		llen = 0;
		do_line(p, path, first, lbuf, t->mode);
	}
	if (llen > 0)		/* a continuation on the last line */
		do_line(p, path, first, lbuf, t->mode);
	explicit_bzero(lbuf, sizeof(lbuf));
	return line;
}

/*
 * A file the parser may take: a regular file that only its owner may
 * write (whoever may write it decides where the passwords go).  An
 * include's problem is reported on the include line.
 */
static int
check_mode(struct parser *p, const char *path, const char *from,
    int fromline, mode_t mode)
{
	struct stat st;
	char	 why[64];

	if (!S_ISREG(mode)) {
		conf_error(p, from ? from : path, from ? fromline : 0,
		    "%s: not a regular file", path);
		return -1;
	}
	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	if (secret_check_mode(&st, why, sizeof(why)) == -1) {
		conf_error(p, from ? from : path, from ? fromline : 0,
		    "refusing %s: %s", path, why);
		return -1;
	}
	return 0;
}

/* an open that failed: on the include line, or the top file itself */
static void
open_error(struct parser *p, const char *path, const char *from, int fromline,
    int err)
{
	if (from != NULL)
		conf_error(p, from, fromline, "include %s: %s", path,
		    strerror(err));
	else
		conf_error(p, path, 0, "%s", strerror(err));
}

/*
 * Read a whole file from the disk into *t (t->buf malloc'ed, holding
 * secrets: wipe it), at most CONF_FILE_MAX bytes.  0, with *rerr the
 * errno of a read that failed part way (what came before it is in *t);
 * -1 when reported.
 */
static int
read_disk(struct parser *p, const char *path, const char *from, int fromline,
    struct conf_text *t, int *rerr)
{
	struct stat st;
	char	*buf, *nb;
	size_t	 cap, len = 0;
	ssize_t	 n;
	int	 fd;

	*rerr = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		open_error(p, path, from, fromline, errno);
		return -1;
	}
	if (fstat(fd, &st) == -1)
		st.st_mode = 0;		/* not a regular file */
	if (check_mode(p, path, from, fromline, st.st_mode) == -1) {
		close(fd);
		return -1;
	}
	/*
	 * The size is a hint (the file may change while it is read); the
	 * byte after it lets the read that sees the end need no growth.
	 */
	cap = (st.st_size > 0 && st.st_size < CONF_FILE_MAX ?
	    (size_t)st.st_size : 4096) + 1;
	if ((buf = malloc(cap)) == NULL)
		goto nomem;
	for (;;) {
		if (len == cap) {
			/* one byte past the limit shows it was passed */
			if (len > CONF_FILE_MAX) {
				conf_error(p, from ? from : path,
				    from ? fromline : 0, "%s: longer than %d "
				    "bytes", path, CONF_FILE_MAX);
				goto fail;
			}
			cap = cap > CONF_FILE_MAX / 2 ? CONF_FILE_MAX + 1 :
			    cap * 2;
			/* not realloc(): the old copy would not be wiped */
			if ((nb = malloc(cap)) == NULL)
				goto nomem;
			memcpy(nb, buf, len);
			explicit_bzero(buf, len);
			free(buf);
			buf = nb;
		}
		if ((n = read(fd, buf + len, cap - len)) == -1 &&
		    errno == EINTR)
			continue;
		if (n == -1)
			*rerr = errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	t->buf = buf;
	t->len = len;
	t->mode = st.st_mode;
	return 0;
nomem:
	conf_error(p, from ? from : path, from ? fromline : 0,
	    "out of memory");
fail:
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	close(fd);
	return -1;
}

/*
 * Take one file: the caller's text (given, the top file of
 * conf_load_buf()), or path from the include reader or from the disk.
 * from/fromline name the include line, NULL for the top file.
 */
static int
read_file(struct parser *p, const char *path, const char *from, int fromline,
    const struct conf_text *given)
{
	struct conf_text t;
	char	*owned = NULL;
	int	 rerr = 0, line;

	if ((path = intern_file(p, path)) == NULL) {
		conf_error(p, from ? from : "-", fromline, "out of memory");
		return -1;
	}
	p->nreads++;
	if (given == NULL && p->include == NULL) {
		if (read_disk(p, path, from, fromline, &t, &rerr) == -1)
			return -1;
		owned = (char *)t.buf;
	} else {
		if (given != NULL)
			t = *given;
		else {
			memset(&t, 0, sizeof(t));
			errno = 0;
			if (p->include(p->include_arg, path, &t) == -1) {
				open_error(p, path, from, fromline, errno);
				return -1;
			}
		}
		if (check_mode(p, path, from, fromline, t.mode) == -1)
			return -1;
	}
	line = parse_text(p, path, &t);
	if (rerr != 0)
		conf_error(p, path, line, "read error: %s", strerror(rerr));
	if (owned != NULL) {
		explicit_bzero(owned, t.len);
		free(owned);
	}
	return 0;
}

/*
 * The probe already named so, or NULL with *slot where to record this
 * one.  A hash set: a configuration with 100,000 probes must not cost a
 * comparison of every pair.
 */
static const struct conf_probe *
name_seen(struct parser *p, const char *name, size_t *slot)
{
	const struct conf_probe *other;
	uint32_t h = 2166136261u;	/* FNV-1a */
	const unsigned char *s;
	size_t	 i, mask = p->nnames - 1;

	for (s = (const unsigned char *)name; *s != '\0'; s++) {
		h ^= *s;
		h *= 16777619u;
	}
	for (i = h & mask; p->names[i] != 0; i = (i + 1) & mask) {
		other = &p->c->probes[p->names[i] - 1];
		if (strcmp(other->name, name) == 0)
			return other;
	}
	*slot = i;
	return NULL;
}

/* the probe's name contains a password given on its line */
static int
name_holds_secret(const struct pline *pl)
{
	const char	*v;
	int		 i;

	/* from word 2: with the mode left out, an option stands there */
	for (i = 2; i < pl->nwords; i++)
		if ((v = opts_secret_value(pl->nwords, pl->words, i)) != NULL &&
		    *v != '\0' && strstr(pl->words[1], v) != NULL)
			return 1;
	return 0;
}

static void
build_probe(struct parser *p, const struct pline *pl)
{
	struct conf	*c = p->c;
	struct conf_probe *cp;
	const struct conf_probe *first;
	struct probe_opts *o = p->scratch;
	struct opts_line line;
	char		*argv[CONF_WORDS_MAX + 1];
	char		 err[SECRET_PATH_MAX + 160];
	const char	*name = pl->words[1];
	char		 b[41];
	enum probe_mode	 mode;
	enum opts_rc	 rc;
	size_t		 slot = 0;
	int		 i, argc;
	/* as unknown_keyword(): no word of a line giving a password */
	int		 secret = opts_words_have_secret(pl->nwords,
			    pl->words);

	if (secret && name_holds_secret(pl)) {
		/* every later message names the probe */
		conf_error(p, pl->file, pl->line, "the probe's name holds "
		    "the password this line gives (neither is shown)");
		return;
	}
	if (!conf_valid_name(name)) {
		if (strlen(name) > PROBE_NAME_MAX)
			conf_error(p, pl->file, pl->line,
			    "probe name longer than %d characters", PROBE_NAME_MAX);
		else if (secret)
			conf_error(p, pl->file, pl->line, "bad probe name "
			    "(not shown: this line holds a password)");
		else
			conf_error(p, pl->file, pl->line, "bad probe name "
			    "\"%s\" (letters, digits, '.', '_', '-'; "
			    "starting with a letter or digit)",
			    shown(name, b, sizeof(b)));
		return;
	}
	if (probe_mode_word(pl->words[2], &mode) == -1 && secret) {
		conf_error(p, pl->file, pl->line, "probe %s: unknown mode "
		    "(not shown: this line holds a password; smtp, pop3, "
		    "imap, tcp, delivery, relay, mx)", name);
		return;
	}
	if (probe_mode_word(pl->words[2], &mode) == -1) {
		conf_error(p, pl->file, pl->line, "probe %s: unknown mode "
		    "\"%s\" (smtp, pop3, imap, tcp, delivery, relay, mx)",
		    name, shown(pl->words[2], b, 21));
		return;
	}

	cp = &c->probes[c->nprobes];
	memset(cp, 0, sizeof(*cp));
	mm_strlcpy(cp->name, name, sizeof(cp->name));
	cp->file = pl->file;
	cp->line = pl->line;
	if ((first = name_seen(p, name, &slot)) != NULL) {
		conf_error(p, pl->file, pl->line,
		    "duplicate probe name \"%s\" (first at %s:%d)", name,
		    first->file, first->line);
		return;
	}

	/*
	 * argv[0] = the mode word, as on mailprobe's command line.  Every
	 * other word, the daemon's own --interval and --retries and the
	 * secret files included, is read by the one option grammar.
	 */
	argv[0] = pl->words[2];
	argc = 1;
	for (i = 3; i < pl->nwords; i++)
		argv[argc++] = pl->words[i];
	argv[argc] = NULL;

	probe_opts_init(o);
	mm_strlcpy(o->name, name, sizeof(o->name));
	o->mode = mode;
	/* the file's defaults; --timeout, --dns-server on the line win */
	o->timeout_ms = c->timeout_s * 1000;
	mm_strlcpy(o->dns_server, c->dns_server, sizeof(o->dns_server));
	memset(&line, 0, sizeof(line));
	line.basedir = pl->file;
	err[0] = '\0';
	rc = opts_parse_line(o, &line, argc, argv, err, sizeof(err));
	if (rc == OPTS_HELP || rc == OPTS_VERSION) {
		conf_error(p, pl->file, pl->line,
		    "probe %s: --help/--version not allowed here", name);
		goto out;
	}
	if (rc != OPTS_OK) {
		conf_error(p, pl->file, pl->line, "probe %s: %s", name,
		    err[0] ? err : "bad options");
		goto out;
	}
	/* the name and mode come from the line itself, not from options */
	if (o->mode != mode && !(o->mode == MODE_TCP &&
	    (mode == MODE_POP3 || mode == MODE_IMAP))) {
		conf_error(p, pl->file, pl->line, "probe %s: --mode conflicts "
		    "with the mode \"%s\" of the line", name, pl->words[2]);
		goto out;
	}
	if (line.secret_world_readable)
		log_warnx("%s:%d: probe %s: a password file is readable by "
		    "everyone: chmod o-r it", pl->file, pl->line, name);
	if (line.inline_secret && (pl->fmode & (S_IRGRP | S_IROTH)))
		log_warnx("%s:%d: probe %s: a password written in a file "
		    "readable by %s: chmod 600 the file, or use "
		    "--password-file", pl->file, pl->line, name,
		    (pl->fmode & S_IROTH) ? "everyone" : "its group");
	mm_strlcpy(o->name, name, sizeof(o->name));
	if ((cp->pack = optpack_new(o)) == NULL) {
		conf_error(p, pl->file, pl->line, "probe %s: out of memory",
		    name);
		goto out;
	}
	cp->interval_s = line.interval_s != 0 ? line.interval_s :
	    c->interval_s;
	cp->retries = line.retries != 0 ? line.retries : c->retries;
	cp->history = line.history >= 0 ? line.history : c->history;
	p->names[slot] = ++c->nprobes;
out:
	explicit_bzero(o, sizeof(*o));
}

void
conf_probe_opts(const struct conf_probe *cp, struct probe_opts *o)
{
	optpack_unpack(cp->pack, o);
}

/* the top file is given (conf_load_buf()) or read from the disk */
static int
load(struct conf *c, const char *path, const struct conf_text *given,
    conf_include_fn *include, void *arg, char *err, size_t errlen)
{
	struct parser p;
	size_t	 i;

	memset(c, 0, sizeof(*c));
	c->interval_s = CONF_DEF_INTERVAL;
	c->timeout_s = CONF_DEF_TIMEOUT;
	c->retries = CONF_DEF_RETRIES;
	c->ping_interval = CONF_DEF_PING;
	c->history = CONF_DEF_HISTORY;
	mm_strlcpy(c->path, path, sizeof(c->path));
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.err = err;
	p.errlen = errlen;
	p.include = include;
	p.include_arg = arg;

	read_file(&p, path, NULL, 0, given);
	check_snmp(&p);
	for (p.nnames = 16; p.nnames < 2 * p.nlines; p.nnames *= 2)
		;
	if (p.nlines > 0 &&
	    ((c->probes = calloc(p.nlines, sizeof(*c->probes))) == NULL ||
	    (p.names = calloc(p.nnames, sizeof(*p.names))) == NULL ||
	    (p.scratch = malloc(sizeof(*p.scratch))) == NULL))
		conf_error(&p, path, 0, "out of memory");
	else
		for (i = 0; i < p.nlines; i++)
			build_probe(&p, &p.lines[i]);
	free(p.names);
	free(p.scratch);

	for (i = 0; i < p.nlines; i++)
		free_words(p.lines[i].words, p.lines[i].nwords);
	free(p.lines);
	log_debug(LT_CONFIG, "%s: %zu probes, %d errors", path, c->nprobes,
	    p.nerr);
	return p.nerr;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	return load(c, path, NULL, NULL, NULL, err, errlen);
}

int
conf_load_buf(struct conf *c, const char *path, const struct conf_text *t,
    conf_include_fn *include, void *arg, char *err, size_t errlen)
{
	return load(c, path, t, include, arg, err, errlen);
}

void
conf_free(struct conf *c)
{
	size_t	 i;

	for (i = 0; i < c->nprobes; i++)
		optpack_free(c->probes[i].pack);
	free(c->probes);
	c->probes = NULL;
	c->nprobes = 0;
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	c->files = NULL;
	c->nfiles = 0;
}

/*
 * conf.h - mailmond.conf: global settings plus one "probe" line per
 * monitored server.
 *
 * (Named conf.h, not config.h: every file includes autoconf's
 * "config.h", and a src/config.h would shadow it.)
 *
 * Probe lines reuse mailprobe's long options through opts_parse(), so
 * an option means the same thing on the command line and here.  Every
 * error carries FILE:LINE; a file with any error is rejected as a whole
 * so a broken reload never replaces a working configuration.
 */
#ifndef MAILMON_CONF_H
#define MAILMON_CONF_H

#include <stddef.h>
#include <sys/types.h>

#include "probe_opts.h"

struct optpack;

#define CONF_PATH_MAX		1024
#define CONF_LINE_MAX		4096	/* bytes per line, newline excluded */
#define CONF_WORDS_MAX		128	/* words per line */
#define CONF_INCLUDE_DEPTH	8
/*
 * Files read by one load, includes counted each time: eight levels of
 * ten includes each would otherwise read a hundred million files.  The
 * fuzzer's build (tests/fuzz/run.sh) takes the same path at 32: there
 * an include bomb is one input in twenty, and parsing its file 256
 * times was four fifths of the harness's time.
 */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CONF_READS_MAX		32
#else
#define CONF_READS_MAX		256
#endif
#define CONF_USER_MAX		64
#define CONF_SNMP_MAX		8	/* snmp-community, snmp-trapsink lines */
#define CONF_COMMUNITY_MAX	32	/* bytes of a community */
#define CONF_SNMP_ADDR_MAX	128	/* a Net-SNMP transport address */
/* bytes per file: a file is read whole before it is parsed */
#define CONF_FILE_MAX		(64 * 1024 * 1024)

/* defaults when the file does not say otherwise */
#define CONF_DEF_INTERVAL	60	/* seconds between two runs of a probe */
#define CONF_DEF_TIMEOUT	10	/* seconds, whole probe */
#define CONF_DEF_RETRIES	3	/* consecutive failures before DOWN */
#define CONF_DEF_PING		15	/* AgentX ping / reconnect, seconds */
#define CONF_DEF_HISTORY	10	/* results kept per probe (history.h) */
#define CONF_INFLIGHT_MAX	1000000

/*
 * A probe as configured.  Its options are kept packed (optpack.h): a
 * whole struct probe_opts is about 10 KiB, and a configuration may hold
 * a hundred thousand probes.  conf_probe_opts() gives them back.
 */
struct conf_probe {
	char			 name[PROBE_NAME_MAX + 1];
	struct optpack		*pack;		/* secrets inside: never log */
	int			 interval_s;
	int			 retries;
	int			 history;	/* results kept, 0 = none */
	const char		*file;		/* where it was defined */
	int			 line;
};

/* a read-only SNMPv1/v2c community of the built-in agent (snmp-listen) */
struct conf_community {
	char			 name[CONF_COMMUNITY_MAX + 1];	/* secret */
	char			 source[CONF_SNMP_ADDR_MAX];	/* who may use it */
};

/* where the built-in agent sends SNMPv2c notifications */
struct conf_trapsink {
	char			 host[CONF_SNMP_ADDR_MAX];	/* HOST[:PORT] */
	char			 community[CONF_COMMUNITY_MAX + 1];	/* secret */
};

struct conf {
	char			 path[CONF_PATH_MAX];
	int			 interval_s;
	int			 timeout_s;
	int			 retries;
	int			 ping_interval;
	char			 agentx_socket[CONF_PATH_MAX];	/* "" = default */
	char			 user[CONF_USER_MAX];		/* "" = none */
	/* resolver of every probe without its own --dns-server; "" = system */
	char			 dns_server[PROBE_STR_MAX];
	int			 history;	/* default for every probe */
	char			 state_file[CONF_PATH_MAX];	/* "" = none */
	/* probes running at once; 0 = derived from the descriptor limit */
	int			 max_inflight;
	/*
	 * "" = an AgentX subagent (the default); otherwise the addresses
	 * the daemon serves SNMP on itself, with these communities and
	 * notification receivers
	 */
	char			 snmp_listen[CONF_SNMP_ADDR_MAX];
	struct conf_community	 community[CONF_SNMP_MAX];
	size_t			 ncommunity;
	struct conf_trapsink	 trapsink[CONF_SNMP_MAX];
	size_t			 ntrapsink;

	struct conf_probe	*probes;	/* in file order */
	size_t			 nprobes;
	char			**files;	/* names of the files read */
	size_t			 nfiles;
};

/*
 * Read and check path into c (which is initialised here).  Every error
 * is logged at warning level as "FILE:LINE: message"; the first one is
 * also copied to err.  Returns the number of errors: 0 means c is
 * complete and usable.  conf_free() must be called in either case.
 * Each file is read whole first, at most CONF_FILE_MAX bytes.
 */
int	 conf_load(struct conf *c, const char *path, char *err, size_t errlen);

/*
 * A file's text as the parser takes it, and the file's st_mode: as on
 * the disk, a file that is not regular, or that group or others may
 * write, is refused; one that they may read draws the warning about
 * passwords written in it.
 */
struct conf_text {
	const char	*buf;		/* need not end in NUL or newline */
	size_t		 len;
	mode_t		 mode;		/* e.g. S_IFREG | 0600 */
};

/*
 * Where the includes of conf_load_buf() come from: path is the file an
 * include line names, already taken relative to the including file.
 * 0 with *t filled (t->buf valid until the load returns), or -1 with
 * errno set (ENOENT: no such file), reported as an unreadable include.
 */
typedef int	 conf_include_fn(void *arg, const char *path,
		    struct conf_text *t);

/*
 * conf_load() of a text in memory, with the same parser, messages,
 * limits and secret rules: conf_load() is this on the file's bytes,
 * read whole.  path names the text in messages, and relative includes,
 * password files and the state file are taken from its directory.
 * Includes come from include(arg), or from the disk when include is
 * NULL; password files (--password-file) always from the disk.
 */
int	 conf_load_buf(struct conf *c, const char *path,
	    const struct conf_text *t, conf_include_fn *include, void *arg,
	    char *err, size_t errlen);
void	 conf_free(struct conf *c);

/* the whole options of a probe (secrets inside: wipe when done) */
void	 conf_probe_opts(const struct conf_probe *, struct probe_opts *);

/* 1 when name is a valid probe name (1..32 of [A-Za-z0-9._-], alnum first) */
int	 conf_valid_name(const char *name);

/*
 * Split one line into words in place: blanks separate words, "double
 * quotes" group them, a backslash before " \ # space or tab takes that
 * character literally (any other backslash is kept, so \r\n reach the
 * probe options untouched), and an unquoted # starts a comment.
 * Returns the word count, or -1 with *why set.
 */
int	 conf_split(char *line, char **words, int maxwords, const char **why);

#endif

/*
 * opts.h - command-line and configuration options for a probe.
 *
 * mailprobe's argv and every "probe" line of mailmond.conf go through
 * the same parser, so an option means the same thing in both places.
 * Short options follow check_smtp / check_tcp / check_pop / check_imap;
 * long options are mailprobe's own.  Nothing here prints or exits.
 */
#ifndef MAILMON_OPTS_H
#define MAILMON_OPTS_H

#include <stddef.h>

#include "probe_opts.h"

/* which command line is being parsed: decides defaults and meanings */
enum opts_personality {
	PERS_MAILPROBE = 0,	/* mailprobe MODE ...   (mode from argv) */
	PERS_CHECK_SMTP,	/* check_smtp-compatible */
	PERS_CHECK_SSMTP,
	PERS_CHECK_POP,
	PERS_CHECK_SPOP,
	PERS_CHECK_IMAP,
	PERS_CHECK_SIMAP,
	PERS_CHECK_TCP,
	PERS_CONFIG,		/* a mailmond.conf probe line (long options only) */
	PERS_LAST
};

enum opts_rc {
	OPTS_OK = 0,
	OPTS_HELP,		/* -h given: caller prints usage, exits 0 */
	OPTS_VERSION,		/* -V given */
	OPTS_ERROR		/* err holds a one-line message */
};

/* extra CLI-only settings that are not part of a probe */
struct opts_cli {
	int	 json;		/* --json: machine-readable result */
	int	 verbose;	/* -v count */
	char	 label[16];	/* service word of the Nagios line ("SMTP") */
	int	 hide_output;	/* check_tcp -j: no server text in the line */
	int	 ignore_quit;	/* check_smtp -q: accepted, see mailprobe(1) */
};

/*
 * What a mailmond.conf probe line brings besides the probe itself.
 * basedir is set by the caller: the configuration file, whose
 * directory anchors every relative *-password-file (as include does),
 * so the same file is read on every reload whatever the working
 * directory.  The rest is filled in by opts_parse_line().
 */
struct opts_line {
	const char	*basedir;	/* in: the configuration file */
	int		 interval_s;	/* --interval, 0 = not given */
	int		 retries;	/* --retries, 0 = not given */
	int		 history;	/* --history, -1 = not given */
	int		 inline_secret;	/* --password/--mbox-password given */
	int		 secret_world_readable;	/* a password file is o+r */
};

/* personality from argv[0]'s basename ("check_smtp" ...) */
enum opts_personality opts_personality_from_name(const char *argv0);

/*
 * Parse argv into o (already probe_opts_init()ed).  For PERS_MAILPROBE
 * argv[1] names the mode ("smtp", "pop", "pop3", "imap", "tcp",
 * "delivery", "relay"), or "--mode M" is given anywhere.  The short
 * options then follow check_smtp for smtp/relay/delivery and check_tcp
 * for tcp/pop3/imap.
 *
 * PERS_CONFIG: argv[0] is ignored (conf.c puts the mode word there),
 * the caller presets o->mode (and o->timeout_ms, o->name); "--mode M"
 * may override the mode.  Only long options are accepted, and no word
 * may stand outside an option.  --json, -v and the other front-end
 * settings are refused when cli is NULL.
 *
 * argv strings holding a password (-P, --password, --mbox-password)
 * are overwritten in place once copied, so ps(1) no longer shows them.
 * An argument that starts with a typographic dash (U+2013, U+2014,
 * U+2212, as word processors turn "-s" into "\u2013s") is read as the
 * option it was meant to be.  No error message ever quotes a word of a
 * command line that carries a password.
 * cli may be NULL (config lines).  On success probe_opts_finish() has
 * been applied.  err always names the option at fault.
 */
enum opts_rc opts_parse(struct probe_opts *o, struct opts_cli *cli,
	    enum opts_personality, int argc, char **argv,
	    char *err, size_t errlen);

/*
 * A probe line of mailmond.conf: opts_parse() with PERS_CONFIG, plus
 * the daemon's own per-probe options (--interval, --retries) and the
 * file-relative secret files described at struct opts_line.
 */
enum opts_rc opts_parse_line(struct probe_opts *o, struct opts_line *line,
	    int argc, char **argv, char *err, size_t errlen);

/*
 * 1 when one of the words gives a password (-P, --password,
 * --mbox-password, ...): a message about them must quote none.
 */
int	 opts_words_have_secret(int n, char *const *words);

/*
 * The password words[i] gives, if it gives one: what follows '=' in
 * --password=..., the rest of a -P cluster, or else the next word.
 */
const char *opts_secret_value(int argc, char **argv, int i);

/* usage text for a personality */
const char *opts_usage(enum opts_personality);

#endif

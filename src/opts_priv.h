/*
 * opts_priv.h - what the option grammar (opts.c), its value parsers
 * (opts_value.c) and the command-line personalities (opts_cli.c)
 * share.  Nothing outside these files includes it.
 *
 * An option is a row of a table: its short letter, its long name,
 * whether it takes a value, the groups it belongs to, and the function
 * that applies it.  A personality enables a set of groups; the same
 * long name may appear twice with disjoint groups when two
 * personalities disagree on its meaning (check_smtp's --sni is a flag,
 * ours takes a name).  mailmond's probe lines use opts.c's table alone;
 * mailprobe adds opts_cli.c's short options and check_* spellings.
 */
#ifndef MAILMON_OPTS_PRIV_H
#define MAILMON_OPTS_PRIV_H

#include <stddef.h>

#include "opts.h"

#define MAX_SECONDS	86400		/* upper bound of every time value */
#define MAX_CERT_DAYS	36500
#define MAX_EXPECTS	(1 + PROBE_MAX_CMDS)	/* tcp: expect + cmd_expect[] */
#define OPTS_SECRETS_MAX	4	/* passwords remembered for messages */
#define OPTS_HISTORY_MAX	1000	/* = HISTORY_MAX (history.h) */

/* option groups: core (opts.c) */
#define G_MP		0x001	/* mailprobe long options (everywhere) */
#define G_MPONLY	0x002	/* only mailprobe and config lines */
#define G_DAEMON	0x004	/* only mailmond.conf probe lines */
/* option groups: command lines (opts_cli.c) */
#define G_COMMON	0x010	/* short options every command line has */
#define G_SMTP		0x020	/* check_smtp short + long names */
#define G_TCP		0x040	/* check_tcp short + long names */
#define G_CHECK		0x080	/* only the check_* personalities */
#define G_MPSHORT	0x100	/* mailprobe's own short options */

enum oid {
	O_MODE, O_NAME, O_HOST, O_PORT, O_IPV4, O_IPV6, O_STARTTLS,
	O_IMPLICIT, O_NOTLS, O_TIMEOUT, O_STEP_TIMEOUT, O_WARN, O_CRIT,
	O_CAFILE, O_SNI_NAME, O_SNI_FLAG, O_INSECURE, O_VERIFY, O_CERTDAYS,
	O_CERTONLY, O_HELO, O_LMTP, O_FROM, O_RCPT, O_AUTH, O_AUTHTYPE,
	O_USER, O_PASSWORD, O_PASSWORD_FILE, O_PLAINTEXT, O_COMMAND,
	O_RESPONSE, O_EXPECT, O_SEND, O_QUIT, O_ESCAPE, O_EXPECT_ALL,
	O_MAXBYTES, O_DELAY, O_REFUSE, O_MISMATCH, O_JAIL, O_IGNORE_QUIT,
	O_JSON, O_VERBOSE, O_HELP, O_VERSION, O_RELAY_AUTH, O_MBOX_PROTO,
	O_MBOX_HOST, O_MBOX_PORT, O_MBOX_TLS, O_MBOX_USER, O_MBOX_PASSWORD,
	O_MBOX_PASSWORD_FILE, O_DELIV_WARN, O_DELIV_CRIT, O_DELIV_DEADLINE,
	O_INTERVAL, O_RETRIES, O_DOMAIN, O_FAMILY, O_MX_POLICY, O_MAX_MX,
	O_MAX_ADDR, O_DNS_SERVER, O_HISTORY
};

struct pstate;
struct optdef;

/* apply one option (val NULL for a flag): 0, or -1 with the message */
typedef int (*opt_apply_fn)(struct pstate *, const struct optdef *,
    const char *opt, char *val);

struct optdef {
	char		 sh;		/* short letter, 0 = none */
	const char	*lng;		/* long name, NULL = none */
	int		 arg;		/* takes a value */
	enum oid	 id;
	unsigned	 groups;
	opt_apply_fn	 apply;
	int		 secret;	/* the value is a password */
};

/* what a command line adds to the core grammar (opts_cli.c) */
struct grammar {
	const struct optdef	*defs;	/* looked up before the core table */
	size_t			 ndefs;
	unsigned		 groups;
	/* a word outside any option: 0 taken, -1 not (an error) */
	int			 (*positional)(struct pstate *, char *word);
	/* the personality's part of the finish, before the common one */
	enum opts_rc		 (*finish)(struct pstate *);
};

/* the parse in progress */
struct pstate {
	struct probe_opts	*o;
	struct opts_cli		*cli;		/* command lines only */
	struct opts_line	*line;		/* config lines only */
	const struct grammar	*g;		/* NULL: config lines */
	enum opts_personality	 pers;
	unsigned		 groups;
	char			*err;
	size_t			 errlen;
	/* the command line carries a password: quote no word of it */
	int			 hide_quoted;
	/*
	 * Copies of the passwords the line gives, taken before parsing
	 * wipes them from argv: no message may quote one (opts_verr).
	 * More than OPTS_SECRETS_MAX: no message quotes anything.
	 */
	char			 secret[OPTS_SECRETS_MAX][PROBE_STR_MAX];
	int			 nsecret;
	int			 secrets_overflow;

	int			 mode_set;
	int			 port_set;
	int			 tls_set;	/* --starttls/--tls/--no-tls/-s/-S */
	int			 verify_set;
	int			 certdays_set;
	int			 auth_set;	/* --auth or -A */
	int			 plaintext;
	int			 send_set;
	int			 quit_set;
	int			 escape;
	int			 delay_set;	/* -d: keep reading for the expect */
	int			 positional_host;
	int			 mbox_used;	/* any --mbox-* / --delivery-* */
	char			 mbox_opt[48];	/* its name, for the message */
	int			 host_set;	/* -H/--host given */
	int			 domain_set;	/* --domain given */
	char			 targets_opt[48];	/* a --mx-policy/--max-* */
	int			 nexpect;
	char			 expects[MAX_EXPECTS][PROBE_STR_MAX];
	int			 nresp;
	char			 resp[PROBE_MAX_CMDS][PROBE_STR_MAX];
};

/* 1 when a word of argv[1..] gives a password (-P, --password, ...) */
int		 opts_argv_has_secret(int argc, char **argv);
/* before parsing: hide_quoted and the copies of the passwords */
void		 opts_note_secrets(struct pstate *, int argc, char **argv);

/*
 * messages: the first sets err and returns OPTS_ERROR, the second -1;
 * a message that would quote a password ends before its first quote
 */
enum opts_rc	 opts_fail(struct pstate *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
int		 opts_bad(struct pstate *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* value parsers (opts_value.c): 0, or -1 with a message naming opt */
int	 opts_setstr(struct pstate *, const char *opt, char *dst,
	    size_t dstsize, const char *val);
int	 opts_secs(struct pstate *, const char *opt, const char *val, int *ms);
int	 opts_int(struct pstate *, const char *opt, const char *val,
	    long long min, long long max, long long *out);
int	 opts_port(struct pstate *, const char *opt, const char *val,
	    uint16_t *port);
int	 opts_state(struct pstate *, const char *opt, const char *val,
	    int *st);
int	 opts_timeout(struct pstate *, const char *opt, const char *val,
	    int *ms);
int	 opts_certdays(struct pstate *, const char *opt, const char *val);
int	 opts_tlsword(struct pstate *, const char *opt, const char *val,
	    enum tls_mode *);
int	 opts_secret_file(struct pstate *, const char *opt, const char *path,
	    char *dst, size_t dstsize);
int	 opts_secret(struct pstate *, const char *opt, char *dst,
	    size_t dstsize, char *val);
int	 opts_add_expect(struct pstate *, const char *opt, const char *val);
int	 opts_unescape(struct pstate *, const char *what, char *s);
/* overwrite a password in argv so ps(1) no longer shows it */
void	 opts_scrub(char *);

/* the grammar (opts.c) */
const struct optdef *opts_find_long(const struct pstate *, const char *name,
	    size_t len);
const struct optdef *opts_find_short(const struct pstate *, char c);
/* the core table's groups whose long names exist on any command line */
#define G_ANYCLI	(G_COMMON | G_SMTP | G_TCP | G_CHECK)
/* parse argv[first..] and finish; the caller set up ps */
enum opts_rc	 opts_run(struct pstate *, int argc, char **argv, int first);
int		 opts_is_smtp_mode(enum probe_mode);
/* a custom send/expect dialogue was asked for */
int		 opts_wants_raw(const struct pstate *);
/* switch to the raw tcp machine with the defaults of a mail service */
void		 opts_to_raw(struct pstate *, enum probe_mode service);
/* the greeting a mail service's check expects by default ("+OK") */
const char	*opts_default_expect(enum probe_mode service);
/*
 * The option groups (opts.c), each applying the rows of its kind; a
 * command line's rows name them too.
 */
#define OPTS_APPLY(g)	int opts_apply_##g(struct pstate *,		\
		    const struct optdef *, const char *opt, char *val)
OPTS_APPLY(target);	/* mode, name, host, port, family */
OPTS_APPLY(timing);	/* timeouts, -w/-c */
OPTS_APPLY(tls);	/* TLS modes, verification, certificate days */
OPTS_APPLY(smtp);	/* HELO, LMTP, MAIL FROM, RCPT TO, -C/-R */
OPTS_APPLY(login);	/* AUTH, user, password, password file */
OPTS_APPLY(dialogue);	/* send/expect/quit and their states */
OPTS_APPLY(delivery);	/* the mailbox leg */
OPTS_APPLY(targets);	/* domain and dual-stack probes, the resolver */
OPTS_APPLY(front);	/* --json, -v, -h, -V */
OPTS_APPLY(daemon);	/* mailmond's per-probe --interval, --retries */

#endif

/*
 * probe_opts.h - what a probe is asked to do, and what it found.
 *
 * The contract between the engine, the front ends (mailprobe, mailmond)
 * and the SNMP agent.  The result is a closed taxonomy plus a short
 * reason, so nothing downstream ever parses free text.  No code here
 * runs a probe: probe.h (one connection) and check.h (a whole check)
 * do.
 */
#ifndef MAILMON_PROBE_OPTS_H
#define MAILMON_PROBE_OPTS_H

#include <stdint.h>
#include <stddef.h>

#include "taxonomy.h"

struct target_list;

#define PROBE_REASON_MAX	128
#define PROBE_TEXT_MAX		256	/* last reply text, sanitised */
#define PROBE_NAME_MAX		32
#define PROBE_HOST_MAX		256
#define PROBE_MAX_RCPT		8
#define PROBE_MAX_CMDS		8
#define PROBE_STR_MAX		256	/* = SASL_CRED_MAX */

/*
 * How the targets of a domain (or dual-stack) probe make its status;
 * see mx_verdict() in mxpolicy.h.
 */
enum mx_policy {
	MXP_ALL = 0,		/* every address must work */
	MXP_ANY,		/* one working address is enough */
	MXP_LAST
};

#define PROBE_TARGETS_MAX	64	/* targets of one composed probe */
#define PROBE_MX_DEFAULT	5	/* exchanges probed */
#define PROBE_MX_MAX		16
#define PROBE_ADDR_DEFAULT	4	/* addresses per exchange */
#define PROBE_ADDR_MAX		8

/* the mailbox leg of a delivery probe */
struct probe_mailbox {
	enum probe_mode	 proto;		/* MODE_IMAP or MODE_POP3 */
	char		 host[PROBE_HOST_MAX];
	uint16_t	 port;		/* 0 = protocol default */
	enum tls_mode	 tls;
	char		 user[PROBE_STR_MAX];
	char		 pass[PROBE_STR_MAX];	/* secret: never logged */
};

struct probe_opts {
	char		 name[PROBE_NAME_MAX + 1];	/* stable probe name */
	enum probe_mode	 mode;
	char		 host[PROBE_HOST_MAX];
	uint16_t	 port;			/* 0 = default for mode+tls */
	int		 family;		/* AF_UNSPEC, AF_INET, AF_INET6 */
	enum tls_mode	 tls;

	/* deadlines and thresholds, milliseconds; 0 = unset */
	int		 timeout_ms;		/* whole probe (default 10000) */
	int		 step_timeout_ms;	/* one command (default = timeout_ms) */
	int		 warn_ms;		/* total latency -> WARNING */
	int		 crit_ms;		/* total latency -> CRITICAL */

	/* TLS */
	int		 tls_verify;		/* 1 = verify chain + host name */
	char		 ca_file[PROBE_STR_MAX];
	char		 sni[PROBE_HOST_MAX];	/* empty: host unless it is an IP */
	int		 cert_warn_days;	/* 0 = no check */
	int		 cert_crit_days;
	int		 cert_only;		/* check_smtp -D: stop after TLS */

	/* SMTP */
	char		 helo[PROBE_HOST_MAX];	/* EHLO argument; empty = FQDN */
	int		 lmtp;			/* LHLO instead of EHLO */
	char		 mail_from[PROBE_STR_MAX];
	char		 rcpt_to[PROBE_MAX_RCPT][PROBE_STR_MAX];
	int		 nrcpt;

	/* login (SMTP AUTH, POP3 USER/PASS, IMAP LOGIN) */
	enum auth_mech	 auth;
	char		 user[PROBE_STR_MAX];
	char		 pass[PROBE_STR_MAX];	/* secret: never logged */
	int		 auth_plaintext;	/* allow login without TLS */

	/* greeting expectation: SMTP code ("220") or string (tcp/pop/imap) */
	char		 expect[PROBE_STR_MAX];

	/* custom dialogue: SMTP -C/-R pairs, or TCP -s/-e/-q */
	char		 cmd[PROBE_MAX_CMDS][PROBE_STR_MAX];
	char		 cmd_expect[PROBE_MAX_CMDS][PROBE_STR_MAX];	/* ERE */
	int		 ncmd;
	char		 send[PROBE_STR_MAX];		/* tcp: after connect */
	char		 quit[PROBE_STR_MAX];		/* tcp: before close */
	int		 expect_all;			/* tcp -A */
	int		 expect_prefix;		/* tcp: expect is a prefix */
	int		 tcp_greet;		/* tcp: send after the greeting */
	int		 tcp_delay_ms;		/* tcp -d: read on this long */
	int		 tcp_maxbytes;		/* tcp -m: judge after N bytes */
	int		 mismatch_status;		/* tcp -M; -1 = default */
	int		 refuse_status;			/* tcp -r; -1 = default */

	/* delivery probe */
	struct probe_mailbox mbox;
	int		 delivery_warn_ms;
	int		 delivery_crit_ms;
	int		 delivery_deadline_ms;		/* default 60000 */

	/* relay probe */
	int		 relay_auth_check;	/* also require relay after AUTH */

	/*
	 * Domain probes (MODE_MX) and dual-stack host probes
	 * (family_both), run by mx.c: one probe per address.  An mx probe
	 * keeps its domain in host.
	 */
	int		 family_both;		/* --family both */
	enum mx_policy	 mx_policy;
	int		 max_mx;		/* exchanges probed, 0 = default */
	int		 max_addr;		/* addresses per exchange, 0 = default */

	/* resolver: "ADDR[:PORT],..." (dns_servers_check), "" = system */
	char		 dns_server[PROBE_STR_MAX];

	int		 verbose;		/* trace the dialogue to the log */
};

struct probe_result {
	enum probe_status status;
	enum fail_class	 fail;
	char		 reason[PROBE_REASON_MAX];	/* short, human */
	int		 reply_code;			/* last reply: 250, 1(+OK) ... 0 */
	char		 reply_text[PROBE_TEXT_MAX];	/* sanitised, bounded */
	int64_t		 t[PH_LAST];			/* microseconds, -1 unset */
	int		 cert_days;			/* CERT_DAYS_NONE if no cert */
	int		 cert_verified;			/* chain + name ok */
	char		 tls_version[16];
	char		 tls_cipher[64];
	char		 address[64];			/* numeric address used */
	char		 token[64];			/* delivery: last token seen */
	/*
	 * Domain and dual-stack probes: one entry per target (target.h).
	 * Valid only while the done callback runs; NULL for other probes.
	 * A copy of the result kept beyond the callback must not use it.
	 */
	const struct target_list *targets;
};

typedef void (*probe_done_cb)(const struct probe_result *, void *arg);

void		 probe_opts_init(struct probe_opts *);
/* fill port, step timeout etc. from mode defaults; 0 or -1 + err */
int		 probe_opts_finish(struct probe_opts *, char *err, size_t errlen);
uint16_t	 probe_default_port(enum probe_mode, enum tls_mode);

void		 probe_result_init(struct probe_result *);

#endif

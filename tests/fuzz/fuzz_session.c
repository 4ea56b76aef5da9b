/*
 * fuzz_session.c - options from the input, one check through the real
 * engine, and the checks on its result (see fuzz_session.h).
 */
#include "config.h"

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ev.h"
#include "log.h"
#include "probe_opts.h"

#include "fuzz_mock.h"
#include "fuzz_session.h"

/*
 * Passwords the checks can recognise: distinctive, one with IMAP's
 * quoting characters, one near the length limits; and one too short
 * to be masked (not looked for: "ab" is in ordinary text).
 */
static const char *passwords[4] = {
	"Pw7-fuzz-secret-Q",
	"s3cr\"et\\Kq9-z (x)",
	"Long-Fz-0a1b2c3d4e5f6g7h8i9j-KLMNOPQRSTUVWXYZ-klmnopqrstuvwxyz-"
	"0011223344556677889900aabbccddeeffgghhiijjkkllmmnnooppqqrrsstt-"
	"uuvvwwxxyyzz-AABBCCDDEEFFGGHHIIJJKKLLMMNNOOPPQQRRSSTTUUVVWWXXYY-"
	"ZZ-end-of-the-long-one",
	"ab"
};

static const char *users[4] = {
	"probe",
	"probe@example.org",
	"",
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu@example.org"
};

static const int timeouts[4] = { 10000, 3000, 500, 60000 };
static const int steps[4] = { 0, 1000, 200, 5000 };

static const char *smtp_expect[4] = { "", "220", "ESMTP", "25" };
static const char *line_expect[4] = { "", "+OK", "* OK", "ready" };

/* SMTP -C / -R pairs */
static const char *cmds[4][2] = {
	{ "NOOP", "^250" },
	{ "VRFY probe", "^(250|252)" },
	{ "HELP", "" },
	{ "RSET", "2[0-9]{2} .*OK" }
};

static const char *tcp_send[4] = { "", "HELLO", "PING\r\n",
	"GET / HTTP/1.0\r\n\r\n" };
static const char *tcp_quit[4] = { "", "QUIT\r\n", "bye", "x" };

static struct {
	int			 done;
	struct probe_result	 res;
} run;

static void
fz_done(const struct probe_result *r, void *arg)
{
	(void)arg;
	run.done++;
	run.res = *r;
	/* valid during the callback only, and only for composed probes */
	FZ_ASSERT(r->targets == NULL);
}

/* every message, whatever its level: never a password */
static void
fz_sink(int level, const char *token, const char *msg, void *arg)
{
	(void)level;
	(void)token;
	(void)arg;
	if (fz_leaks(msg, strlen(msg))) {
		fprintf(stderr, "password in a log message: %s\n", msg);
		__builtin_trap();
	}
}

static void
fz_str(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s);
}

static void
fz_options(struct probe_opts *o, enum probe_mode mode, const uint8_t *h)
{
	int	 i;

	probe_opts_init(o);
	o->mode = mode;
	fz_str(o->name, sizeof(o->name), "fz");
	fz_str(o->host, sizeof(o->host), "mail.example.org");

	o->tls = (enum tls_mode)(h[0] % 3);
	o->tls_verify = (h[0] & 0x04) != 0;
	o->auth_plaintext = (h[0] & 0x08) != 0;
	o->verbose = (h[0] & 0x10) != 0;
	if (h[0] & 0x20) {
		o->cert_warn_days = 30;
		o->cert_crit_days = 7;
	}
	o->cert_only = (h[0] & 0x40) != 0;
	if (h[0] & 0x80)
		fz_str(o->ca_file, sizeof(o->ca_file), FZ_BAD_CA);

	o->auth = (enum auth_mech)(h[1] & 3);
	fz_str(o->user, sizeof(o->user), users[(h[1] >> 2) & 3]);
	fz_str(o->pass, sizeof(o->pass), passwords[(h[1] >> 4) & 3]);
	if (h[1] & 0x80) {
		o->warn_ms = 5;		/* virtual time: a few events */
		o->crit_ms = 50;
	}

	o->timeout_ms = timeouts[h[2] & 3];
	o->step_timeout_ms = steps[(h[2] >> 2) & 3];

	switch ((h[3] >> 4) & 3) {
	case 1:
		o->family = AF_INET;
		break;
	case 2:
		o->family = AF_INET6;
		break;
	default:
		break;
	}
	if (h[3] & 0x40)
		fz_str(o->sni, sizeof(o->sni), "sni.example.org");

	if (mode == MODE_TCP) {
		o->port = 7;		/* tcp has no default port */
		fz_str(o->expect, sizeof(o->expect),
		    line_expect[(h[2] >> 4) & 3]);
		o->expect_all = (h[1] & 0x40) != 0;
		o->expect_prefix = (h[2] & 0x40) != 0;
		o->tcp_greet = (h[2] & 0x80) != 0;
		fz_str(o->send, sizeof(o->send), tcp_send[h[3] & 3]);
		fz_str(o->quit, sizeof(o->quit), tcp_quit[(h[3] >> 2) & 3]);
		if (h[3] & 0x80)
			o->tcp_delay_ms = 300;
		o->tcp_maxbytes = (h[5] & 3) * 8;
		o->mismatch_status = ((h[5] >> 2) & 7) % 5 - 1;
		o->refuse_status = ((h[5] >> 5) & 7) % 5 - 1;
		/* tcp probes hold no credentials: the server's text is its own */
		o->user[0] = '\0';
		o->pass[0] = '\0';
		o->auth = AUTH_NONE;
		return;
	}
	if (mode == MODE_SMTP || mode == MODE_DELIVERY) {
		fz_str(o->expect, sizeof(o->expect),
		    smtp_expect[(h[2] >> 4) & 3]);
		o->lmtp = (h[1] & 0x40) != 0;
		if (mode == MODE_SMTP && (h[2] & 0x40))
			o->mode = MODE_RELAY;
		o->relay_auth_check = (h[2] & 0x80) != 0;
		o->ncmd = h[3] & 3;
		for (i = 0; i < o->ncmd; i++) {
			fz_str(o->cmd[i], sizeof(o->cmd[i]), cmds[(h[5] + i) & 3][0]);
			fz_str(o->cmd_expect[i], sizeof(o->cmd_expect[i]),
			    cmds[(h[5] + i) & 3][1]);
		}
		switch ((h[3] >> 2) & 3) {
		case 1:
			fz_str(o->mail_from, sizeof(o->mail_from),
			    "probe@example.org");
			fz_str(o->rcpt_to[o->nrcpt++], sizeof(o->rcpt_to[0]),
			    "postmaster@example.org");
			break;
		case 2:
			fz_str(o->rcpt_to[o->nrcpt++], sizeof(o->rcpt_to[0]),
			    "a@example.org");
			fz_str(o->rcpt_to[o->nrcpt++], sizeof(o->rcpt_to[0]),
			    "b@example.net");
			break;
		case 3:
			fz_str(o->rcpt_to[o->nrcpt++], sizeof(o->rcpt_to[0]),
			    "x@y");
			break;
		default:
			break;
		}
		if (h[3] & 0x80)
			fz_str(o->helo, sizeof(o->helo), "probe.example.org");
	} else
		fz_str(o->expect, sizeof(o->expect),
		    line_expect[(h[2] >> 4) & 3]);

	if (mode == MODE_DELIVERY) {
		o->mbox.proto = (h[4] & 1) ? MODE_POP3 : MODE_IMAP;
		o->mbox.tls = (enum tls_mode)((h[4] >> 1) % 3);
		fz_str(o->mbox.host, sizeof(o->mbox.host), "imap.example.org");
		fz_str(o->mbox.user, sizeof(o->mbox.user),
		    users[(h[4] >> 3) & 3]);
		fz_str(o->mbox.pass, sizeof(o->mbox.pass),
		    passwords[(h[4] >> 5) & 3]);
		o->delivery_deadline_ms = (h[4] & 0x80) ? 5000 : 60000;
		o->delivery_warn_ms = (h[5] & 0x10) ? 10 : 0;
		o->delivery_crit_ms = (h[5] & 0x20) ? 100 : 0;
		if (o->nrcpt == 0)
			fz_str(o->rcpt_to[o->nrcpt++], sizeof(o->rcpt_to[0]),
			    "probe@example.org");
	}
}

static void
fz_check_string(const char *s, size_t size, int nonempty)
{
	FZ_ASSERT(memchr(s, '\0', size) != NULL);
	if (nonempty)
		FZ_ASSERT(s[0] != '\0');
	if (fz_leaks(s, strlen(s))) {
		fprintf(stderr, "password in the result: %s\n", s);
		__builtin_trap();
	}
}

static void
fz_check_result(const struct probe_result *r)
{
	const char	*name;
	int		 i;

	FZ_ASSERT(r->status >= STATUS_OK && r->status <= STATUS_UNKNOWN);
	FZ_ASSERT((unsigned)r->fail < FAIL_LAST);
	name = probe_fail_name(r->fail);
	FZ_ASSERT(name != NULL && name[0] != '\0' && strcmp(name, "?") != 0);
	/* a definite verdict: a class for every failure, none for ok */
	FZ_ASSERT((r->fail == FAIL_NONE) == (r->status == STATUS_OK) ||
	    r->fail == FAIL_REFUSED || r->fail == FAIL_EXPECT);
	fz_check_string(r->reason, sizeof(r->reason), 1);
	fz_check_string(r->reply_text, sizeof(r->reply_text), 0);
	fz_check_string(r->token, sizeof(r->token), 0);
	fz_check_string(r->tls_version, sizeof(r->tls_version), 0);
	fz_check_string(r->tls_cipher, sizeof(r->tls_cipher), 0);
	fz_check_string(r->address, sizeof(r->address), 0);
	for (i = 0; i < PH_LAST; i++)
		FZ_ASSERT(r->t[i] >= -1);
}

int
fz_session(enum probe_mode mode, const uint8_t *data, size_t size)
{
	uint8_t			 h[FZ_HDR];
	struct probe_opts	 o;
	struct ev		*ev;

	memset(h, 0, sizeof(h));
	memcpy(h, data, size < FZ_HDR ? size : FZ_HDR);
	data += size < FZ_HDR ? size : FZ_HDR;
	size -= size < FZ_HDR ? size : FZ_HDR;

	fz_options(&o, mode, h);
	fz_begin(data, size);
	fz_policy(o.tls_verify, o.auth_plaintext);
	if (mode == MODE_DELIVERY) {
		int	 same = strcmp(o.pass, o.mbox.pass) == 0;

		fz_secret(o.pass, !same);
		fz_secret(o.mbox.pass, !same);
	} else
		fz_secret(o.pass, 0);
	log_register(fz_sink, NULL);
	/* log_set_tokens() raises the level to debug: only when asked */
	log_set_level(LOG_LVL_WARN);
	if (o.verbose)
		(void)log_set_tokens("all", NULL, 0);

	memset(&run, 0, sizeof(run));
	FZ_ASSERT((ev = ev_new()) != NULL);
	FZ_ASSERT(check_start(ev, &o, fz_done, NULL) != NULL);
	FZ_ASSERT(run.done == 0);	/* never from inside check_start() */
	fz_run(ev);
	FZ_ASSERT(run.done == 1);
	fz_end(ev);
	ev_free(ev);
	fz_check_result(&run.res);
	explicit_bzero(&o, sizeof(o));
	return 0;
}

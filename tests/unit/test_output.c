/*
 * test_output.c - the Nagios line and the JSON object, byte for byte.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output.h"
#include "probe_opts.h"

/*
 * A strict little JSON checker (RFC 8259 grammar, UTF-8 not decoded):
 * enough to prove the output parses, without a JSON library.
 */
struct jp {
	const char	*s;
	int		 depth;
};

static int	j_value(struct jp *);

static void
j_ws(struct jp *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' ||
	    *p->s == '\r')
		p->s++;
}

static int
j_string(struct jp *p)
{
	int	 i;

	if (*p->s != '"')
		return -1;
	for (p->s++; *p->s != '"'; p->s++) {
		if ((unsigned char)*p->s < 0x20)
			return -1;
		if (*p->s != '\\')
			continue;
		p->s++;
		if (strchr("\"\\/bfnrt", *p->s) != NULL && *p->s != '\0')
			continue;
		if (*p->s != 'u')
			return -1;
		for (i = 0; i < 4; i++)
			if (strchr("0123456789abcdefABCDEF", *++p->s) == NULL ||
			    *p->s == '\0')
				return -1;
	}
	p->s++;
	return 0;
}

static int
j_number(struct jp *p)
{
	const char	*start = p->s;

	if (*p->s == '-')
		p->s++;
	if (*p->s == '0')
		p->s++;
	else if (*p->s >= '1' && *p->s <= '9')
		while (*p->s >= '0' && *p->s <= '9')
			p->s++;
	else
		return -1;
	if (*p->s == '.') {
		p->s++;
		if (!(*p->s >= '0' && *p->s <= '9'))
			return -1;
		while (*p->s >= '0' && *p->s <= '9')
			p->s++;
	}
	return p->s > start ? 0 : -1;
}

static int
j_container(struct jp *p, char close, int object)
{
	if (++p->depth > 16)
		return -1;
	p->s++;
	j_ws(p);
	if (*p->s == close) {
		p->s++;
		p->depth--;
		return 0;
	}
	for (;;) {
		j_ws(p);
		if (object) {
			if (j_string(p) == -1)
				return -1;
			j_ws(p);
			if (*p->s++ != ':')
				return -1;
		}
		if (j_value(p) == -1)
			return -1;
		j_ws(p);
		if (*p->s == ',') {
			p->s++;
			continue;
		}
		if (*p->s++ != close)
			return -1;
		p->depth--;
		return 0;
	}
}

static int
j_value(struct jp *p)
{
	j_ws(p);
	switch (*p->s) {
	case '{':
		return j_container(p, '}', 1);
	case '[':
		return j_container(p, ']', 0);
	case '"':
		return j_string(p);
	case 't':
		return strncmp(p->s, "true", 4) == 0 ? (p->s += 4, 0) : -1;
	case 'f':
		return strncmp(p->s, "false", 5) == 0 ? (p->s += 5, 0) : -1;
	case 'n':
		return strncmp(p->s, "null", 4) == 0 ? (p->s += 4, 0) : -1;
	default:
		return j_number(p);
	}
}

static int
json_valid(const char *s)
{
	struct jp	 p = { s, 0 };

	if (*p.s != '{' || j_value(&p) == -1)
		return 0;
	j_ws(&p);
	return *p.s == '\0';
}

static void
test_json_checker(void **state)
{
	(void)state;
	/* the checker itself must reject what is not JSON */
	assert_true(json_valid("{\"a\":1, \"b\":[true,false,null], "
	    "\"c\":{\"d\":\"x\\u00e9\\n\"}, \"e\":-0.5}"));
	assert_false(json_valid("{\"a\":1,}"));
	assert_false(json_valid("{\"a\":\"\x01\"}"));
	assert_false(json_valid("{\"a\":\"\\q\"}"));
	assert_false(json_valid("{\"a\":01}"));
	assert_false(json_valid("{\"a\":1} x"));
	assert_false(json_valid("{\"a\" 1}"));
	assert_false(json_valid("{\"a\":nul}"));
}

static void
setup_smtp(struct probe_opts *o, struct probe_result *r)
{
	probe_opts_init(o);
	o->mode = MODE_SMTP;
	strcpy(o->host, "mail.example.test");
	o->port = 25;
	o->warn_ms = 5000;
	o->crit_ms = 10000;
	probe_result_init(r);
	strcpy(r->address, "192.0.2.25");
}

static void
test_nagios_ok(void **state)
{
	struct probe_opts	 o;
	struct probe_result	 r;
	char			 buf[OUTPUT_MAX];

	(void)state;
	setup_smtp(&o, &r);
	r.status = STATUS_OK;
	r.fail = FAIL_NONE;
	strcpy(r.reason, "smtp ok");
	r.reply_code = 220;
	strcpy(r.reply_text, "220 mail.example.test ESMTP");
	r.t[PH_DNS] = 1200;
	r.t[PH_CONNECT] = 345;
	r.t[PH_GREETING] = 8000;
	r.t[PH_HELLO] = 1500;
	r.t[PH_QUIT] = 900;
	r.t[PH_TOTAL] = 12345;
	assert_int_equal(output_nagios(buf, sizeof(buf), &o, &r), 0);
	assert_string_equal(buf, "SMTP OK - 0.012 sec. response time, "
	    "220 mail.example.test ESMTP | time=0.012345s;5.000;10.000;0 "
	    "dns=0.001200s connect=0.000345s greeting=0.008000s "
	    "hello=0.001500s quit=0.000900s");

	/* the service word of a check_* name, cert days, no thresholds */
	o.warn_ms = o.crit_ms = 0;
	r.cert_days = 42;
	r.t[PH_TLS] = 2000000;
	r.t[PH_TOTAL] = 2100000;
	assert_int_equal(output_nagios_ex(buf, sizeof(buf), "SSMTP", 0, &o,
	    &r), 0);
	assert_string_equal(buf, "SSMTP OK - 2.100 sec. response time, "
	    "220 mail.example.test ESMTP | time=2.100000s;;;0 "
	    "dns=0.001200s connect=0.000345s tls=2.000000s "
	    "greeting=0.008000s hello=0.001500s quit=0.000900s cert_days=42");

	/* -j: no server text */
	assert_int_equal(output_nagios_ex(buf, sizeof(buf), "TCP", OUTPUT_HIDE,
	    &o, &r), 0);
	assert_string_equal(buf, "TCP OK - 2.100 sec. response time | "
	    "time=2.100000s;;;0 dns=0.001200s connect=0.000345s "
	    "tls=2.000000s greeting=0.008000s hello=0.001500s "
	    "quit=0.000900s cert_days=42");

	/* no reply text: the reason; the mode as the label */
	o.mode = MODE_POP3;
	r.reply_text[0] = '\0';
	strcpy(r.reason, "pop3 ok");
	r.cert_days = CERT_DAYS_NONE;
	r.t[PH_TLS] = -1;
	assert_int_equal(output_nagios_ex(buf, sizeof(buf), NULL, 0, &o, &r),
	    0);
	assert_string_equal(buf, "POP3 OK - 2.100 sec. response time, pop3 ok"
	    " | time=2.100000s;;;0 dns=0.001200s connect=0.000345s "
	    "greeting=0.008000s hello=0.001500s quit=0.000900s");
}

static void
test_nagios_critical(void **state)
{
	struct probe_opts	 o;
	struct probe_result	 r;
	char			 buf[OUTPUT_MAX];

	(void)state;
	setup_smtp(&o, &r);
	r.status = STATUS_CRITICAL;
	r.fail = FAIL_GREETING;
	strcpy(r.reason, "greeting refused: 554 no | service");
	r.reply_code = 554;
	strcpy(r.reply_text, "554 no | service");
	r.t[PH_DNS] = 10;
	r.t[PH_CONNECT] = 20;
	r.t[PH_GREETING] = 30;
	r.t[PH_TOTAL] = 70;
	assert_int_equal(output_nagios(buf, sizeof(buf), &o, &r), 0);
	/* a '|' in server text would start the perfdata: replaced */
	assert_string_equal(buf, "SMTP CRITICAL - greeting refused: 554 no / "
	    "service | time=0.000070s;5.000;10.000;0 dns=0.000010s "
	    "connect=0.000020s greeting=0.000030s");

	/* refused: perfdata even with only the DNS phase */
	probe_result_init(&r);
	r.status = STATUS_CRITICAL;
	r.fail = FAIL_REFUSED;
	strcpy(r.reason, "192.0.2.25: connection refused");
	r.t[PH_DNS] = 5;
	r.t[PH_TOTAL] = 25;
	assert_int_equal(output_nagios(buf, sizeof(buf), &o, &r), 0);
	assert_string_equal(buf, "SMTP CRITICAL - 192.0.2.25: connection "
	    "refused | time=0.000025s;5.000;10.000;0 dns=0.000005s");

	/* -j hides the reason too, the class is shown instead */
	assert_int_equal(output_nagios_ex(buf, sizeof(buf), "TCP", OUTPUT_HIDE,
	    &o, &r), 0);
	assert_string_equal(buf, "TCP CRITICAL - refused | "
	    "time=0.000025s;5.000;10.000;0 dns=0.000005s");

	/* warning and unknown words */
	r.status = STATUS_WARNING;
	r.fail = FAIL_SLOW;
	strcpy(r.reason, "slow: 6000 ms");
	r.t[PH_TOTAL] = 6000000;
	assert_int_equal(output_nagios(buf, sizeof(buf), &o, &r), 0);
	assert_string_equal(buf, "SMTP WARNING - slow: 6000 ms | "
	    "time=6.000000s;5.000;10.000;0 dns=0.000005s");
	r.status = STATUS_UNKNOWN;
	r.fail = FAIL_CONFIG;
	r.reason[0] = '\0';
	assert_int_equal(output_nagios(buf, sizeof(buf), &o, &r), 0);
	assert_string_equal(buf, "SMTP UNKNOWN - config | "
	    "time=6.000000s;5.000;10.000;0 dns=0.000005s");
}

static void
test_nagios_timeout(void **state)
{
	struct probe_opts	 o;
	struct probe_result	 r;
	char			 buf[OUTPUT_MAX];

	(void)state;
	probe_opts_init(&o);
	o.mode = MODE_IMAP;
	strcpy(o.host, "imap.example.test");
	o.port = 143;
	probe_result_init(&r);
	r.status = STATUS_CRITICAL;
	r.fail = FAIL_TIMEOUT;
	strcpy(r.reason, "timeout (10000 ms) in state GREETING");
	r.t[PH_DNS] = 100;
	r.t[PH_CONNECT] = 200;
	r.t[PH_TOTAL] = 10000123;
	assert_int_equal(output_nagios(buf, sizeof(buf), &o, &r), 0);
	assert_string_equal(buf, "IMAP CRITICAL - timeout (10000 ms) in state "
	    "GREETING | time=10.000123s;;;0 dns=0.000100s connect=0.000200s");

	/* a total that never got set still gives a well-formed time= */
	r.t[PH_TOTAL] = -1;
	r.t[PH_DNS] = r.t[PH_CONNECT] = -1;
	assert_int_equal(output_nagios(buf, sizeof(buf), &o, &r), 0);
	assert_string_equal(buf, "IMAP CRITICAL - timeout (10000 ms) in state "
	    "GREETING | time=0.000000s;;;0");
}

static void
test_nagios_delivery_and_mask(void **state)
{
	struct probe_opts	 o;
	struct probe_result	 r;
	char			 buf[OUTPUT_MAX];

	(void)state;
	probe_opts_init(&o);
	o.mode = MODE_DELIVERY;
	strcpy(o.host, "mx.example.test");
	o.port = 25;
	o.delivery_warn_ms = 30000;
	o.delivery_crit_ms = 60000;
	strcpy(o.user, "monuser");
	strcpy(o.pass, "Hunter22");
	strcpy(o.mbox.pass, "BoxPass9");
	probe_result_init(&r);
	r.status = STATUS_CRITICAL;
	r.fail = FAIL_MAILBOX;
	/* a server that echoes what it was sent */
	strcpy(r.reason, "login failed: monuser Hunter22 BoxPass9 x");
	r.t[PH_DELIVERY] = 1500000;
	r.t[PH_TOTAL] = 1600000;
	assert_int_equal(output_nagios(buf, sizeof(buf), &o, &r), 0);
	assert_string_equal(buf, "DELIVERY CRITICAL - login failed: ******* "
	    "******** ******** x | time=1.600000s;;;0 "
	    "delivery=1.500000s;30.000;60.000;0");
	assert_null(strstr(buf, "Hunter22"));
}

static void
test_nagios_truncation(void **state)
{
	struct probe_opts	 o;
	struct probe_result	 r;
	char			 buf[40];

	(void)state;
	setup_smtp(&o, &r);
	strcpy(r.reply_text, "220 mail.example.test ESMTP");
	r.t[PH_TOTAL] = 1;
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(output_nagios(buf, sizeof(buf), &o, &r), -1);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_memory_equal(buf, "SMTP OK - 0.000 sec. response time, 220",
	    sizeof(buf) - 1);
	assert_int_equal(output_nagios(buf, 0, &o, &r), -1);
	assert_int_equal(output_json(buf, sizeof(buf), &o, &r), -1);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

static void
test_json_exact(void **state)
{
	struct probe_opts	 o;
	struct probe_result	 r;
	char			 buf[OUTPUT_MAX];

	(void)state;
	setup_smtp(&o, &r);
	strcpy(o.name, "mx1");
	r.status = STATUS_CRITICAL;
	r.fail = FAIL_GREETING;
	strcpy(r.reason, "greeting refused: 554 go away");
	r.reply_code = 554;
	strcpy(r.reply_text, "554 go away");
	r.t[PH_DNS] = 10;
	r.t[PH_CONNECT] = 20;
	r.t[PH_GREETING] = 30;
	r.t[PH_TOTAL] = 70;
	assert_int_equal(output_json(buf, sizeof(buf), &o, &r), 0);
	assert_string_equal(buf, "{\"name\":\"mx1\", \"mode\":\"smtp\", "
	    "\"host\":\"mail.example.test\", \"port\":25, "
	    "\"address\":\"192.0.2.25\", \"status\":\"critical\", \"exit\":2, "
	    "\"fail\":\"greeting\", \"reason\":\"greeting refused: 554 go "
	    "away\", \"reply_code\":554, \"reply_text\":\"554 go away\", "
	    "\"cert_days\":null, \"cert_verified\":false, \"tls_version\":\"\", "
	    "\"tls_cipher\":\"\", \"token\":\"\", \"timings_us\":{\"dns\":10, "
	    "\"connect\":20, \"tls\":null, \"greeting\":30, \"hello\":null, "
	    "\"starttls\":null, \"auth\":null, \"mail\":null, \"quit\":null, "
	    "\"delivery\":null, \"total\":70}}");
	assert_true(json_valid(buf));
}

static void
test_json_escapes(void **state)
{
	struct probe_opts	 o;
	struct probe_result	 r;
	char			 buf[OUTPUT_MAX];

	(void)state;
	setup_smtp(&o, &r);
	/* the host comes from argv: any bytes at all */
	strcpy(o.host, "a\"b\\c\td\x01" "\xc3\xa9" "\xff" "\xe2\x82");
	strcpy(o.name, "n\n");
	r.status = STATUS_OK;
	r.cert_days = -3;
	r.cert_verified = 1;
	strcpy(r.tls_version, "TLSv1.3");
	strcpy(r.tls_cipher, "TLS_AES_256_GCM_SHA384");
	strcpy(r.reason, "quote \" back \\ ok");
	strcpy(r.reply_text, "ctl \x7f\x02 end");
	strcpy(r.token, "tok-1");
	r.t[PH_TOTAL] = 5;
	assert_int_equal(output_json(buf, sizeof(buf), &o, &r), 0);
	assert_true(json_valid(buf));
	assert_non_null(strstr(buf, "\"host\":\"a\\\"b\\\\c\\td\\u0001"
	    "\xc3\xa9\\ufffd\\ufffd\\ufffd\""));
	assert_non_null(strstr(buf, "\"name\":\"n\\n\""));
	assert_non_null(strstr(buf, "\"reason\":\"quote \\\" back \\\\ ok\""));
	/* server text is sanitised before it is escaped */
	assert_non_null(strstr(buf, "\"reply_text\":\"ctl ?? end\""));
	assert_non_null(strstr(buf, "\"cert_days\":-3, \"cert_verified\":true"));
	assert_non_null(strstr(buf, "\"tls_version\":\"TLSv1.3\""));
	assert_non_null(strstr(buf, "\"token\":\"tok-1\""));
	assert_non_null(strstr(buf, "\"status\":\"ok\", \"exit\":0, "
	    "\"fail\":\"none\""));
	assert_non_null(strstr(buf, "\"dns\":null"));
	assert_non_null(strstr(buf, "\"total\":5}}"));

	/* all null timings, unknown status */
	probe_result_init(&r);
	r.status = STATUS_UNKNOWN;
	r.fail = FAIL_INTERNAL;
	assert_int_equal(output_json(buf, sizeof(buf), &o, &r), 0);
	assert_true(json_valid(buf));
	assert_non_null(strstr(buf, "\"exit\":3"));
	assert_non_null(strstr(buf, "\"total\":null}}"));

	/* secrets echoed by a server are masked in JSON too */
	strcpy(o.pass, "Hunter22");
	strcpy(r.reply_text, "535 bad Hunter22");
	assert_int_equal(output_json(buf, sizeof(buf), &o, &r), 0);
	assert_null(strstr(buf, "Hunter22"));
	assert_non_null(strstr(buf, "\"reply_text\":\"535 bad ********\""));
}

static void
test_status_words(void **state)
{
	(void)state;
	assert_string_equal(output_status_word(STATUS_OK), "OK");
	assert_string_equal(output_status_word(STATUS_WARNING), "WARNING");
	assert_string_equal(output_status_word(STATUS_CRITICAL), "CRITICAL");
	assert_string_equal(output_status_word(STATUS_UNKNOWN), "UNKNOWN");
	assert_string_equal(output_status_word((enum probe_status)9),
	    "UNKNOWN");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_checker),
		cmocka_unit_test(test_nagios_ok),
		cmocka_unit_test(test_nagios_critical),
		cmocka_unit_test(test_nagios_timeout),
		cmocka_unit_test(test_nagios_delivery_and_mask),
		cmocka_unit_test(test_nagios_truncation),
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_status_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

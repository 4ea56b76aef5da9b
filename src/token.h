/*
 * token.h - the tokens that mark delivery test messages.
 *
 * Every test message carries "mailmon-<name>-<unix time>-<hex>" in its
 * Subject and in an X-Mailmon-Token header.  Only the message with a
 * run's own token counts as delivered; messages whose token has the
 * probe's prefix and is older than the deadline are leftovers of
 * earlier runs.  The name part never holds '-', so "mailmon-<name>-" is
 * never a substring of another probe's token.
 */
#ifndef MAILMON_TOKEN_H
#define MAILMON_TOKEN_H

#include <stddef.h>
#include <time.h>

#define DLV_TOKEN_MAX		64	/* = sizeof(probe_result.token) */
#define DLV_TOKEN_HEX		12	/* random hex digits of a token */
#define DLV_NAME_MAX		24	/* probe name part of a token */
#define DLV_HEADER		"X-Mailmon-Token"

/* token "mailmon-<name>-<unix time>-<hex>"; prefix "mailmon-<name>-" */
void		 dlv_prefix(char *buf, size_t len, const char *name);
int		 dlv_make_token(char *buf, size_t len, const char *name,
		    time_t now, const unsigned char *rnd, size_t rndlen);
/* 0 when tok is a token of the probe with this prefix; *when = its time */
int		 dlv_token_parse(const char *tok, const char *prefix,
		    time_t *when);
/* value of an "X-Mailmon-Token:" header line into tok: 1 found, 0 not */
int		 dlv_header_token(const char *line, size_t len, char *tok,
		    size_t toklen);

#endif

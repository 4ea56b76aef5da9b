/*
 * fuzz_secret.h - the password the parser harnesses look for, and what
 * counts as a word that gives a password.
 *
 * Seeds put FZ_PASSWORD where passwords go (--password, -P,
 * --mbox-password, password files); the harnesses check that no
 * message quotes a password that holds it.
 */
#ifndef MAILMON_FUZZ_SECRET_H
#define MAILMON_FUZZ_SECRET_H

#include <string.h>

#define FZ_PASSWORD	"Pw7-fuzz-secret-Q"

/*
 * Does the word w give a password?  A long option spelled --password,
 * --mbox-password or --authpass (opts.c reads typographic dashes as
 * '-', and a single one before a long name as "--"), or a short -P,
 * alone or after flags (-vP).  Returns 0 when not; 1 when the value is
 * the next word; 2 when it is inside w, at *val.
 */
static inline int
fz_password_word(const char *w, const char **val)
{
	static const char *const names[] = { "password", "mbox-password",
	    "authpass" };
	const unsigned char	*u;
	size_t			 i, n;
	int			 dashes = 0, typo = 0;

	for (;;) {
		u = (const unsigned char *)w;
		if (u[0] == '-')
			w++;
		else if (u[0] == 0xe2 && ((u[1] == 0x80 &&
		    (u[2] == 0x93 || u[2] == 0x94)) ||
		    (u[1] == 0x88 && u[2] == 0x92))) {
			w += 3;
			typo = 1;
		} else
			break;
		dashes++;
	}
	if (dashes == 0)
		return 0;
	if (dashes >= 2 || typo)
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			n = strlen(names[i]);
			if (strncmp(w, names[i], n) != 0 ||
			    (w[n] != '\0' && w[n] != '='))
				continue;
			if (w[n] == '\0')
				return 1;
			*val = w + n + 1;
			return 2;
		}
	if (dashes != 1)
		return 0;
	while (*w == 'v')
		w++;
	if (*w != 'P')
		return 0;
	if (w[1] == '\0')
		return 1;
	*val = w + 1;
	return 2;
}

/*
 * 1 when msg quotes a password that a password option of words[0..n)
 * gives, one holding FZ_PASSWORD (shorter or common ones would be
 * found in ordinary text).
 */
static inline int
fz_password_quoted(char *const *words, int n, const char *msg)
{
	const char	*val;
	int		 i, rc;

	for (i = 0; i < n; i++) {
		if ((rc = fz_password_word(words[i], &val)) == 0)
			continue;
		if (rc == 1 && i + 1 < n)
			val = words[i + 1];
		else if (rc == 1)
			continue;
		if (strstr(val, FZ_PASSWORD) != NULL && strstr(msg, val) != NULL)
			return 1;
	}
	return 0;
}

#endif

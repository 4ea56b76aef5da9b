/*
 * secret.h - where passwords come from, and keeping them in the process.
 *
 * One rule for every file that holds or names a secret (mailmond.conf,
 * its includes, every *-password-file), so the command line and the
 * configuration file cannot drift apart:
 *   - a relative path is taken from the directory of the file that
 *     names it (the configuration file), or from the working directory
 *     on a command line, and the same path is read again on reload;
 *   - a file that anyone but its owner (or root) may write is refused:
 *     whoever can write it can choose where the password goes;
 *   - the password is the first line; its text never appears in an
 *     error message.
 *
 * secret_harden() keeps the secrets out of core dumps and away from
 * ptrace by other processes of the same user.
 */
#ifndef MAILMON_SECRET_H
#define MAILMON_SECRET_H

#include <stddef.h>
#include <sys/stat.h>

#define SECRET_PATH_MAX	1024

/*
 * Resolve path against basedir (a directory, or a file whose directory
 * is meant when is_file is set; NULL = as given).  0, or -1 when the
 * result does not fit.
 */
int	 secret_path(char *out, size_t outlen, const char *basedir,
	    int is_file, const char *path);

/*
 * Refuse a file that group or others may write, whatever its owner.
 * 0 when acceptable; -1 with a message in err ("writable by group").
 */
int	 secret_check_mode(const struct stat *st, char *err, size_t errlen);

/*
 * Read the first line of path (resolved as secret_path with is_file)
 * into dst.  0, or -1 with err naming the file and the cause, never
 * the content.  *world_readable (may be NULL) is set when others can
 * read the file, for the caller's warning.
 */
int	 secret_read_file(const char *basedir, const char *path, char *dst,
	    size_t dstsize, int *world_readable, char *err, size_t errlen);

/*
 * Make the process non-dumpable (no core file, no ptrace by the same
 * user, /proc/PID owned by root) and set RLIMIT_CORE to 0.  Call before
 * the first secret is read, and again after a change of user, which
 * resets the dumpable flag.  0, or -1 when either step failed.
 */
int	 secret_harden(void);

#endif

/*
 * secret.c - reading passwords from files, and keeping the process
 * that holds them out of core dumps.  See secret.h for the rules.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"
#include "util.h"

int
secret_path(char *out, size_t outlen, const char *basedir, int is_file,
    const char *path)
{
	size_t	 dirlen;
	int	 n;

	if (path[0] == '/' || basedir == NULL || basedir[0] == '\0')
		return mm_strlcpy(out, path, outlen) < outlen ? 0 : -1;
	dirlen = strlen(basedir);
	if (is_file) {
		const char *slash = strrchr(basedir, '/');

		if (slash == NULL)
			return mm_strlcpy(out, path, outlen) < outlen ? 0 : -1;
		dirlen = (size_t)(slash - basedir);
	}
	n = snprintf(out, outlen, "%.*s/%s", (int)dirlen, basedir, path);
	return n >= 0 && (size_t)n < outlen ? 0 : -1;
}

int
secret_check_mode(const struct stat *st, char *err, size_t errlen)
{
	if (st->st_mode & S_IWOTH) {
		snprintf(err, errlen, "writable by everyone (chmod o-w)");
		return -1;
	}
	if (st->st_mode & S_IWGRP) {
		snprintf(err, errlen, "writable by its group (chmod g-w)");
		return -1;
	}
	return 0;
}

int
secret_read_file(const char *basedir, const char *path, char *dst,
    size_t dstsize, int *world_readable, char *err, size_t errlen)
{
	char		 full[SECRET_PATH_MAX], buf[512], why[64];
	struct stat	 st;
	ssize_t		 n;
	size_t		 len;
	int		 fd, saved, rc = -1;

	if (world_readable != NULL)
		*world_readable = 0;
	if (secret_path(full, sizeof(full), basedir, 1, path) == -1) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if ((fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "cannot open '%s': %s", full,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a regular file", full);
		goto out;
	}
	if (secret_check_mode(&st, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "refusing '%s': %s", full, why);
		goto out;
	}
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n == -1 && errno == EINTR);
	saved = errno;
	if (n == -1) {
		snprintf(err, errlen, "cannot read '%s': %s", full,
		    strerror(saved));
		goto out;
	}
	/* not strcspn(): a NUL byte in the line must be seen */
	for (len = 0; len < (size_t)n && buf[len] != '\r' && buf[len] != '\n';
	    len++)
		;
	if (len == 0 || len >= dstsize || memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "'%s' must start with a password line "
		    "of 1..%zu characters", full, dstsize - 1);
		goto out;
	}
	memcpy(dst, buf, len);
	dst[len] = '\0';
	if (world_readable != NULL)
		*world_readable = (st.st_mode & S_IROTH) != 0;
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

int
secret_harden(void)
{
	struct rlimit	 rl = { 0, 0 };
	int		 rc = 0;

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		rc = -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		rc = -1;
	return rc;
}

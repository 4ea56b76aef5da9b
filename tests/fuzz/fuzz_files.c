/*
 * fuzz_files.c - the directory the parser harnesses may read, and the
 * open()/fopen() wrappers that keep them in it (fuzz_files.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_files.h"

int	 __real_open(const char *, int, ...);
int	 __wrap_open(const char *, int, ...);
FILE	*__real_fopen(const char *, const char *);
FILE	*__wrap_fopen(const char *, const char *);

static char	 dir[64];
static int	 guard;

/* the harnesses write these names only */
static const char *const files[] = { "main.conf", "inc.conf", "pw" };

static void
fz_files_cleanup(void)
{
	char	 path[128];
	size_t	 i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

const char *
fz_files_dir(void)
{
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/mailmon-fuzz.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(fz_files_cleanup);
	}
	return dir;
}

void
fz_files_guard(int on)
{
	guard = on;
}

/* inside the directory: the prefix, then '/', and no way back up */
static int
fz_allowed(const char *path)
{
	size_t	 n = strlen(dir);

	if (!guard)
		return 1;
	return dir[0] != '\0' && strncmp(path, dir, n) == 0 &&
	    path[n] == '/' && strstr(path, "/..") == NULL;
}

void
fz_files_put(const char *name, const void *data, size_t len, char *path,
    size_t pathlen)
{
	size_t	 i;
	int	 fd;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(name, files[i]) == 0)
			break;
	if (i == sizeof(files) / sizeof(files[0]))
		abort();		/* cleanup would leave it behind */
	snprintf(path, pathlen, "%s/%s", fz_files_dir(), name);
	if ((fd = __real_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		abort();
	if (len > 0 && write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

int
__wrap_open(const char *path, int flags, ...)
{
	va_list	 ap;
	mode_t	 mode = 0;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	/* the parsers only read; libFuzzer writes its reproducers */
	if ((flags & O_ACCMODE) == O_RDONLY && !fz_allowed(path)) {
		errno = ENOENT;
		return -1;
	}
	return __real_open(path, flags, mode);
}

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	if (strpbrk(mode, "wa+") == NULL && !fz_allowed(path)) {
		errno = ENOENT;
		return NULL;
	}
	return __real_fopen(path, mode);
}

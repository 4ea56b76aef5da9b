/*
 * fuzz_files.h - keep the parser harnesses inside one directory.
 *
 * conf.c reads includes and password files, opts.c password files:
 * paths the input chooses.  A harness must not read the machine's
 * files (or block on a FIFO), so open() and fopen() are wrapped (link
 * with -Wl,--wrap=open,--wrap=fopen): while fz_files_guard(1) is in
 * force, a path outside the harness's own temporary directory does not
 * exist for reading.  Writes pass: the parsers never write, and
 * libFuzzer writes its reproducer from a crash or timeout handler
 * while the guard is on.
 */
#ifndef MAILMON_FUZZ_FILES_H
#define MAILMON_FUZZ_FILES_H

#include <stddef.h>

/* the harness's directory, created on first use (mode 0700) */
const char	*fz_files_dir(void);
/* write len bytes to dir/name, mode 0600; the full path into path */
void		 fz_files_put(const char *name, const void *data, size_t len,
		    char *path, size_t pathlen);
void		 fz_files_guard(int on);

#endif

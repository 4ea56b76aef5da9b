/*
 * cares.h - c-ares, loaded the first time a name is to be resolved.
 *
 * A check of an address (monitoring systems pass $HOSTADDRESS$, an
 * address, far more often than a name) needs no resolver, and mapping
 * and relocating one at every start costs a one-shot check about a
 * hundredth of its CPU.  So the library is not linked in: dns.c calls
 * it only through this table, filled in by cares_load().  mailmond
 * loads it at start-up, where a missing library is best reported.
 */
#ifndef MAILMON_CARES_H
#define MAILMON_CARES_H

#include <stddef.h>

#include <ares.h>

/* the c-ares functions dns.c uses, with their own prototypes */
struct cares_api {
	__typeof__(ares_library_init)		*library_init;
	__typeof__(ares_strerror)		*strerror;
	__typeof__(ares_init_options)		*init_options;
	__typeof__(ares_destroy)		*destroy;
	__typeof__(ares_set_servers_ports_csv)	*set_servers_ports_csv;
	__typeof__(ares_get_servers_ports)	*get_servers_ports;
	__typeof__(ares_free_data)		*free_data;
	__typeof__(ares_process_fd)		*process_fd;
	__typeof__(ares_timeout)		*timeout;
	__typeof__(ares_getaddrinfo)		*getaddrinfo;
	__typeof__(ares_freeaddrinfo)		*freeaddrinfo;
	__typeof__(ares_query)			*query;
	__typeof__(ares_parse_mx_reply)		*parse_mx_reply;
};

/* valid once cares_load() has returned 0 */
extern const struct cares_api *const cares;

/*
 * Load the c-ares this program was built against (its soname, found
 * by configure), once.  0, or -1 with err naming the file and what
 * failed; a later call tries again.
 */
int	 cares_load(char *err, size_t errlen);
/* 1 once loaded */
int	 cares_loaded(void);
/* cares_load() from a given file: for the tests */
int	 cares_load_file(const char *file, char *err, size_t errlen);

#endif

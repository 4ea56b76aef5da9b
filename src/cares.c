/*
 * cares.c - c-ares, loaded the first time a name is to be resolved
 * (see cares.h for why).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "cares.h"

static struct cares_api	 api;
const struct cares_api *const cares = &api;
static void		*handle;

static const struct {
	const char	*name;
	size_t		 off;
} syms[] = {
	{ "ares_library_init", offsetof(struct cares_api, library_init) },
	{ "ares_strerror", offsetof(struct cares_api, strerror) },
	{ "ares_init_options", offsetof(struct cares_api, init_options) },
	{ "ares_destroy", offsetof(struct cares_api, destroy) },
	{ "ares_set_servers_ports_csv",
	    offsetof(struct cares_api, set_servers_ports_csv) },
	{ "ares_get_servers_ports",
	    offsetof(struct cares_api, get_servers_ports) },
	{ "ares_free_data", offsetof(struct cares_api, free_data) },
	{ "ares_process_fd", offsetof(struct cares_api, process_fd) },
	{ "ares_timeout", offsetof(struct cares_api, timeout) },
	{ "ares_getaddrinfo", offsetof(struct cares_api, getaddrinfo) },
	{ "ares_freeaddrinfo", offsetof(struct cares_api, freeaddrinfo) },
	{ "ares_query", offsetof(struct cares_api, query) },
	{ "ares_parse_mx_reply", offsetof(struct cares_api, parse_mx_reply) }
};

/* every slot is a function pointer, which POSIX lets dlsym() return */
typedef char cares_slots_fit[sizeof(struct cares_api) ==
    sizeof(syms) / sizeof(syms[0]) * sizeof(void *) ? 1 : -1];

int
cares_load_file(const char *file, char *err, size_t errlen)
{
	struct cares_api	 got;
	const char		*why;
	void			*h, *f;
	size_t			 i;

	if (handle != NULL)
		return 0;
	if ((h = dlopen(file, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		snprintf(err, errlen, "cannot load the resolver library: %s",
		    why != NULL ? why : file);
		return -1;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if ((f = dlsym(h, syms[i].name)) == NULL) {
			snprintf(err, errlen, "the resolver library %s has "
			    "no %s (c-ares 1.16 or later is needed)", file,
			    syms[i].name);
			dlclose(h);
			return -1;
		}
		memcpy((char *)&got + syms[i].off, &f, sizeof(f));
	}
	/* kept loaded for the life of the process: nothing to unload */
	api = got;
	handle = h;
	return 0;
}

int
cares_load(char *err, size_t errlen)
{
	return cares_load_file(CARES_SONAME, err, errlen);
}

int
cares_loaded(void)
{
	return handle != NULL;
}

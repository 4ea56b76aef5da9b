/*
 * optpack.h - a probe's options as the daemon keeps them between runs.
 *
 * struct probe_opts is built for the engine: fixed-size strings, about
 * 9 KiB, nearly all of it zero.  A daemon that holds tens of thousands
 * of probes keeps each one packed instead: the bytes of the struct with
 * every run of zeros cut out, typically a few hundred bytes.  The form
 * is canonical, so two packs are equal exactly when the options are,
 * and it is unpacked into a whole struct only to start a run.  The
 * passwords are inside: a pack is wiped when its last owner frees it.
 */
#ifndef MAILMON_OPTPACK_H
#define MAILMON_OPTPACK_H

#include <stddef.h>

#include "probe_opts.h"

struct optpack;

/* NULL when out of memory */
struct optpack	*optpack_new(const struct probe_opts *);
/* another owner of the same pack (not a copy); each owner frees it */
struct optpack	*optpack_dup(const struct optpack *);
void		 optpack_unpack(const struct optpack *, struct probe_opts *);
int		 optpack_equal(const struct optpack *, const struct optpack *);
/* bytes held, for the memory accounting of the daemon */
size_t		 optpack_size(const struct optpack *);
void		 optpack_free(struct optpack *);

#endif

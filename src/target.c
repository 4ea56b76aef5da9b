/*
 * target.c - targets of composed probes: stable indexes, their text.
 *
 * See target.h for the index rule.  The table is small (TARGET_MAX
 * slots) and a check at most as large, so matching is a plain scan.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "target.h"
#include "util.h"

static const char *origin_name[TO_LAST] = { "mx", "implicit", "host" };

static const char *dns_name[TD_LAST] = {
	"ok", "implicit_mx", "null_mx", "nxdomain", "nodata", "servfail",
	"refused", "timeout", "unreachable", "other"
};

const char *
target_family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "IPv4";
	case AF_INET6:
		return "IPv6";
	default:
		return "";
	}
}

const char *
target_origin_name(enum target_origin o)
{
	return (unsigned)o < TO_LAST ? origin_name[o] : "?";
}

const char *
target_dns_name(enum target_dns d)
{
	return (unsigned)d < TD_LAST ? dns_name[d] : "?";
}

int
target_same(const struct target_result *a, const struct target_result *b)
{
	return a->family == b->family &&
	    strcasecmp(a->exchange, b->exchange) == 0 &&
	    strcmp(a->address, b->address) == 0;
}

int
target_failed(const struct target_result *t)
{
	return t->status == STATUS_CRITICAL || t->status == STATUS_UNKNOWN;
}

void
target_table_init(struct target_table *tab)
{
	size_t	 i;

	memset(tab, 0, sizeof(*tab));
	for (i = 0; i < TARGET_MAX; i++)
		tab->e[i].index = (uint32_t)i + 1;
}

/* the slot a new target takes: never used first, else absent longest */
static struct target_entry *
target_free_slot(struct target_table *tab)
{
	struct target_entry	*best = NULL;
	size_t			 i;

	for (i = 0; i < TARGET_MAX; i++)
		if (tab->e[i].seen == 0)
			return &tab->e[i];
	for (i = 0; i < TARGET_MAX; i++) {
		struct target_entry *e = &tab->e[i];

		if (e->seen == tab->run)
			continue;	/* taken in this check */
		if (best == NULL || e->seen < best->seen)
			best = e;
	}
	return best;
}

void
target_merge(struct target_table *tab, const struct target_list *l)
{
	struct target_entry	*e;
	size_t			 i, j, n = l->n < TARGET_MAX ? l->n : TARGET_MAX;

	tab->run++;
	if (tab->run == 0) {		/* 2^32 checks later: start over */
		target_table_init(tab);
		tab->run = 1;
	}
	for (i = 0; i < TARGET_MAX; i++)
		tab->e[i].present = 0;
	for (i = 0; i < n; i++) {
		e = NULL;
		for (j = 0; j < TARGET_MAX; j++) {
			struct target_entry *c = &tab->e[j];

			if (c->seen != 0 && c->seen != tab->run &&
			    target_same(&c->r, &l->t[i])) {
				e = c;
				break;
			}
		}
		if (e == NULL && (e = target_free_slot(tab)) == NULL)
			break;		/* cannot happen: n <= TARGET_MAX */
		e->r = l->t[i];
		e->seen = tab->run;
		e->present = 1;
	}
	tab->dns = l->dns;
	tab->npresent = 0;
	tab->nfailing = 0;
	for (i = 0; i < TARGET_MAX; i++) {
		if (!tab->e[i].present)
			continue;
		tab->npresent++;
		if (tab->e[i].r.status != STATUS_OK)
			tab->nfailing++;
	}
	(void)target_failed_text(l->t, n, tab->failed, sizeof(tab->failed));
}

/* the reason without the address the probe put in front of it */
static const char *
bare_reason(const struct target_result *t)
{
	size_t	 n = strlen(t->address);

	if (n > 0 && strncmp(t->reason, t->address, n) == 0 &&
	    t->reason[n] == ':' && t->reason[n + 1] == ' ')
		return t->reason + n + 2;
	return t->reason;
}

void
target_describe(const struct target_result *t, char *buf, size_t len)
{
	const char	*fam = target_family_name(t->family);

	snprintf(buf, len, "%s%s%s%s%s: %s", t->exchange,
	    fam[0] != '\0' ? " " : "", fam,
	    t->address[0] != '\0' ? " " : "", t->address, bare_reason(t));
}

size_t
target_failed_text(const struct target_result *t, size_t n, char *buf,
    size_t len)
{
	char	 one[TARGET_NAME_MAX + PROBE_REASON_MAX + 32];
	char	 more[32];
	size_t	 i, nbad = 0, shown = 0, used = 0, k;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < n; i++)
		if (t[i].status != STATUS_OK)
			nbad++;
	for (i = 0; i < n && len > 0; i++) {
		if (t[i].status == STATUS_OK)
			continue;
		target_describe(&t[i], one, sizeof(one));
		k = strlen(one) + (shown > 0 ? 2 : 0);
		/* room for this one, and for " (+N more)" if others follow */
		snprintf(more, sizeof(more), " (+%zu more)", nbad - shown - 1);
		if (used + k + (shown + 1 < nbad ? strlen(more) : 0) >= len) {
			if (shown == 0) {
				/* the first always shows, cut if need be */
				snprintf(more, sizeof(more), " (+%zu more)",
				    nbad - 1);
				if (nbad > 1 && len > strlen(more) + 1) {
					mm_strlcpy(buf, one, len - strlen(more));
					mm_strlcat(buf, more, len);
				} else
					mm_strlcpy(buf, one, len);
				return nbad;
			}
			break;
		}
		if (shown > 0)
			mm_strlcat(buf, "; ", len);
		mm_strlcat(buf, one, len);
		used = strlen(buf);
		shown++;
	}
	if (shown < nbad && shown > 0) {
		snprintf(more, sizeof(more), " (+%zu more)", nbad - shown);
		mm_strlcat(buf, more, len);
	}
	return nbad;
}

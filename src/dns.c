/*
 * dns.c - asynchronous name resolution inside the event loop (c-ares).
 *
 * c-ares tells us which sockets it wants watched through its socket
 * state callback and how long it may sleep through ares_timeout(); we
 * mirror both into ev watchers and one ev timer per channel.  Results
 * never go straight to the caller: c-ares may answer from inside
 * ares_getaddrinfo() (an /etc/hosts hit, a bad name), so every finished
 * request is queued and handed over from a zero-delay timer.
 *
 * Channels are keyed by (servers, timeout, tries, flags).  A probe's
 * deadline picks its timeout and tries (dns_timing()), from a short
 * list of steps, so a handful of channels serve every probe.  Idle
 * channels beyond DNS_CHAN_KEEP are closed when a new one is needed:
 * the count of channels is bounded by the distinct configurations in
 * use at one time.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ares.h>

#include "cares.h"
#include "dns.h"
#include "ev.h"
#include "log.h"
#include "util.h"

#define DNS_CHAN_KEEP	8	/* idle channels kept for reuse */
#define DNS_TRIES	2	/* tries when a budget decides */

struct dns_chan;

struct dns_sock {
	ares_socket_t	 fd;
	struct ev_io	*w;
	struct dns_sock	*next;
};

struct dns_chan {
	struct dns	*dns;
	ares_channel	 channel;
	char		*servers;	/* NULL = system configuration */
	int		 timeout_ms;	/* 0 = c-ares default */
	int		 tries;
	unsigned	 flags;		/* DNS_Q_* */
	int		 inflight;	/* requests inside c-ares */
	uint64_t	 used;		/* dns->uses when last asked */
	struct dns_sock	*socks;
	struct ev_timer	*timer;		/* c-ares timeouts */
	struct dns_chan	*next;
};

struct dns {
	struct ev	*ev;
	struct dns_chan	*chans;
	size_t		 nchans;
	uint64_t	 uses;
	int		 sys_nservers;	/* in the system configuration; 0 = unknown */
	struct ev_timer	*deliver;	/* hands finished requests over */
	struct dns_req	*done;		/* finished, not yet delivered */
	struct dns_req	*done_tail;
	/* dns_configure() */
	char		*servers;
	int		 timeout_ms;
	int		 tries;
};

enum dns_kind {
	DK_ADDR = 0,
	DK_MX
};

struct dns_req {
	struct dns		*dns;
	struct dns_chan		*chan;	/* NULL when c-ares was not asked */
	enum dns_kind		 kind;
	dns_cb			 cb;
	dns_mx_cb		 mxcb;
	void			*arg;
	uint16_t		 port;
	int			 family;
	int			 cancelled;
	int			 queued;
	char			 host[DNS_NAME_MAX];
	/*
	 * The result.  An MX answer takes 8 KiB, three times an address
	 * result: allocated for MX lookups only, not zeroed with the
	 * address lookup of every check.
	 */
	struct dns_result	 a;		/* DK_ADDR */
	struct dns_mx_result	*mx;		/* DK_MX */
	struct dns_req		*next;
};

/* key for ev_attach_get() */
static const char dns_key[] = "dns";
static int	 ares_ready;

static const char *status_name[DNS_STATUS_LAST] = {
	"ok", "nodata", "nxdomain", "servfail", "refused", "timeout",
	"unreachable", "badname", "error", "local"
};

static void	dns_timer_update(struct dns_chan *);

const char *
dns_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const void	*a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, buf, len) == NULL)
		mm_strlcpy(buf, "?", len);
	return buf;
}

const char *
dns_status_name(enum dns_status s)
{
	return (unsigned)s < DNS_STATUS_LAST ? status_name[s] : "?";
}

enum dns_status
dns_classify(int st)
{
	switch (st) {
	case ARES_SUCCESS:
		return DNS_OK;
	case ARES_ENODATA:
		return DNS_NODATA;
	case ARES_ENOTFOUND:
		return DNS_NXDOMAIN;
	case ARES_ESERVFAIL:
		return DNS_SERVFAIL;
	case ARES_EREFUSED:
		return DNS_REFUSED;
	case ARES_ETIMEOUT:
		return DNS_TIMEOUT;
	case ARES_ECONNREFUSED:
		/* 1.18 without NOCHECKRESP: also every server said SERVFAIL */
		return DNS_UNREACHABLE;
	case ARES_EBADNAME:
	case ARES_EBADQUERY:
		return DNS_BADNAME;
	case ARES_ENOMEM:
		return DNS_LOCAL;
	default:
		return DNS_ERROR;
	}
}

/*
 * c-ares reports a socket it could not open as a server it could not
 * contact (ARES_ECONNREFUSED), like one that refused.  Its callback
 * runs in the same turn of the loop as the failed socket(), so opening
 * one now tells the two apart: no descriptor left is this host's
 * trouble and must not read as a DNS outage.
 */
static int
dns_no_fd(int status)
{
	int	 fd, e;

	if (status != ARES_ECONNREFUSED)
		return 0;
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1) {
		close(fd);
		return 0;
	}
	e = errno;
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

#define DNS_NO_FD_REASON	"no free file descriptor to ask the DNS"

/* server lists */

/* one "ADDR[:PORT]" item of len bytes: 0 or -1 */
static int
server_item(const char *s, size_t len, char *err, size_t errlen)
{
	char		 a[INET6_ADDRSTRLEN + 16], *p;
	const char	*port = NULL;
	unsigned char	 bin[sizeof(struct in6_addr)];
	long long	 v;

	if (len == 0 || len >= sizeof(a)) {
		snprintf(err, errlen, "bad DNS server '%.*s'", (int)(len > 60 ?
		    60 : len), s);
		return -1;
	}
	memcpy(a, s, len);
	a[len] = '\0';
	if (a[0] == '[') {
		if ((p = strchr(a, ']')) == NULL)
			goto bad;
		*p++ = '\0';
		if (*p == ':')
			port = p + 1;
		else if (*p != '\0')
			goto bad;
		if (inet_pton(AF_INET6, a + 1, bin) != 1)
			goto bad;
	} else if (inet_pton(AF_INET6, a, bin) == 1) {
		;	/* a bare IPv6 address, no port */
	} else {
		if ((p = strchr(a, ':')) != NULL) {
			*p++ = '\0';
			port = p;
		}
		if (inet_pton(AF_INET, a, bin) != 1)
			goto bad;
	}
	if (port != NULL && mm_strtonum(port, 1, 65535, &v) == -1)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad DNS server '%.*s' (an IPv4 or IPv6 "
	    "address, optionally with :PORT; [IPv6]:PORT)",
	    (int)(len > 60 ? 60 : len), s);
	return -1;
}

int
dns_servers_check(const char *servers, char *err, size_t errlen)
{
	const char	*s = servers, *c;
	char		 dummy[8];
	int		 n = 0;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (servers == NULL || servers[0] == '\0') {
		snprintf(err, errlen, "empty DNS server list");
		return -1;
	}
	if (strlen(servers) >= DNS_SERVERS_MAX) {
		snprintf(err, errlen, "DNS server list too long");
		return -1;
	}
	for (;;) {
		c = strchr(s, ',');
		if (server_item(s, c != NULL ? (size_t)(c - s) : strlen(s), err,
		    errlen) == -1)
			return -1;
		n++;
		if (c == NULL)
			break;
		s = c + 1;
	}
	return n > 0 ? 0 : -1;
}

int
dns_servers_count(const char *servers)
{
	int	 n = 1;

	if (servers == NULL || servers[0] == '\0')
		return 0;
	for (; *servers != '\0'; servers++)
		if (*servers == ',')
			n++;
	return n;
}

void
dns_timing(int budget_ms, int nservers, int *timeout_ms, int *tries)
{
	/* per-try timeouts a channel may have; the last is c-ares' own */
	static const int steps[] = {
		50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000
	};
	size_t	 i;
	int	 want;

	if (nservers < 1)
		nservers = 1;
	*tries = DNS_TRIES;
	/* tries 1 and 2 wait t and 2t on every server */
	want = budget_ms / (3 * nservers);
	*timeout_ms = steps[0];
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (steps[i] <= want)
			*timeout_ms = steps[i];
}

static void
dns_req_free(struct dns_req *r)
{
	free(r->mx);
	free(r);
}

/* delivery */

static void
dns_deliver(void *arg)
{
	struct dns	*dns = arg;
	struct dns_req	*r;

	while ((r = dns->done) != NULL) {
		dns->done = r->next;
		if (dns->done == NULL)
			dns->done_tail = NULL;
		r->queued = 0;
		if (r->kind == DK_MX) {
			r->mx->domain = r->host;
			log_debug(LT_DNS, "%s MX: %s, %zu records", r->host,
			    dns_status_name(r->mx->status), r->mx->nmx);
			r->mxcb(r->mx, r->arg);
		} else {
			r->a.host = r->host;
			log_debug(LT_DNS, "%s: %s", r->host, r->a.ok ?
			    "resolved" : r->a.reason);
			r->cb(&r->a, r->arg);
		}
		dns_req_free(r);
	}
}

static void
dns_finish(struct dns_req *r)
{
	struct dns	*dns = r->dns;

	if (r->cancelled) {
		dns_req_free(r);
		return;
	}
	r->next = NULL;
	r->queued = 1;
	if (dns->done_tail != NULL)
		dns->done_tail->next = r;
	else
		dns->done = r;
	dns->done_tail = r;
	if (!ev_timer_pending(dns->deliver))
		ev_timer_in(dns->deliver, 0);
}

static void
dns_fail(struct dns_req *r, enum dns_status st, const char *reason)
{
	if (r->kind == DK_MX) {
		r->mx->status = st;
		mm_strlcpy(r->mx->reason, reason, sizeof(r->mx->reason));
	} else {
		r->a.ok = 0;
		r->a.status = st;
		r->a.timeout = st == DNS_TIMEOUT;
		mm_strlcpy(r->a.reason, reason, sizeof(r->a.reason));
	}
	dns_finish(r);
}

static void
dns_add_addr(struct dns_req *r, const struct sockaddr *sa, socklen_t len)
{
	struct dns_result	*res = &r->a;
	struct dns_addr		*a;

	if (res->naddr >= DNS_MAX_ADDRS || len > sizeof(a->ss))
		return;
	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return;
	if (r->family != AF_UNSPEC && sa->sa_family != r->family)
		return;
	a = &res->addr[res->naddr++];
	memset(a, 0, sizeof(*a));
	memcpy(&a->ss, sa, len);
	a->len = len;
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)(void *)&a->ss)->sin_port = htons(r->port);
	else
		((struct sockaddr_in6 *)(void *)&a->ss)->sin6_port = htons(r->port);
}

/* c-ares sockets and timer */

static void
dns_sock_cb(int fd, int events, void *arg)
{
	struct dns_chan	*ch = arg;

	cares->process_fd(ch->channel,
	    (events & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (events & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	dns_timer_update(ch);
}

static void
dns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_chan	 *ch = data;
	struct dns_sock	**pp, *s;
	int		  want = (readable ? EV_READ : 0) |
			    (writable ? EV_WRITE : 0);

	for (pp = &ch->socks; (s = *pp) != NULL; pp = &s->next)
		if (s->fd == fd)
			break;
	if (want == 0) {
		/* c-ares is closing the socket */
		if (s != NULL) {
			*pp = s->next;
			ev_io_free(s->w);
			free(s);
		}
		return;
	}
	if (s != NULL) {
		if (ev_io_set(s->w, want) == -1)
			log_warn("dns: cannot watch resolver socket");
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warnx("dns: out of memory");
		return;
	}
	s->fd = fd;
	if ((s->w = ev_io_new(ch->dns->ev, fd, want, dns_sock_cb, ch)) == NULL) {
		log_warn("dns: cannot watch resolver socket");
		free(s);
		return;
	}
	s->next = ch->socks;
	ch->socks = s;
}

static void
dns_timer_cb(void *arg)
{
	struct dns_chan	*ch = arg;

	cares->process_fd(ch->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_timer_update(ch);
}

static void
dns_timer_update(struct dns_chan *ch)
{
	struct timeval	 tv, *tvp;

	if (ch->inflight == 0) {
		ev_timer_stop(ch->timer);
		return;
	}
	if ((tvp = cares->timeout(ch->channel, NULL, &tv)) == NULL) {
		ev_timer_stop(ch->timer);
		return;
	}
	ev_timer_in(ch->timer, (int64_t)tvp->tv_sec * 1000000 + tvp->tv_usec);
}

/* channels */

static int
dns_lib_init(char *err, size_t errlen)
{
	int	 rc;

	if (ares_ready)
		return 0;
	if (cares_load(err, errlen) == -1)
		return -1;
	if ((rc = cares->library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(err, errlen, "resolver init failed: %s",
		    cares->strerror(rc));
		return -1;
	}
	ares_ready = 1;
	return 0;
}

int
dns_preload(char *err, size_t errlen)
{
	return dns_lib_init(err, errlen);
}

static void
dns_chan_free(struct dns_chan *ch)
{
	struct dns_sock	*s;

	/* answers every request with ARES_EDESTRUCTION, closes sockets */
	cares->destroy(ch->channel);
	while ((s = ch->socks) != NULL) {
		ch->socks = s->next;
		ev_io_free(s->w);
		free(s);
	}
	ev_timer_free(ch->timer);
	free(ch->servers);
	free(ch);
}

static struct dns_chan *
dns_chan_open(struct dns *dns, const char *servers, int timeout_ms,
    int tries, unsigned flags, char *err, size_t errlen)
{
	struct dns_chan		*ch;
	struct ares_options	 o;
	char			 lookups[] = "b";
	int			 mask = ARES_OPT_SOCK_STATE_CB, rc;

	if (dns_lib_init(err, errlen) == -1)
		return NULL;
	if ((ch = calloc(1, sizeof(*ch))) == NULL ||
	    (servers != NULL && (ch->servers = strdup(servers)) == NULL) ||
	    (ch->timer = ev_timer_new(dns->ev, dns_timer_cb, ch)) == NULL) {
		if (ch != NULL)
			free(ch->servers);
		free(ch);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ch->dns = dns;
	ch->timeout_ms = timeout_ms;
	ch->tries = tries;
	ch->flags = flags;
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = dns_sock_state;
	o.sock_state_cb_data = ch;
	if (timeout_ms > 0) {
		o.timeout = timeout_ms;
		mask |= ARES_OPT_TIMEOUTMS;
	}
	if (tries > 0) {
		o.tries = tries;
		mask |= ARES_OPT_TRIES;
	}
	if (flags & DNS_Q_STRICT) {
		/*
		 * The rcode as it came; no search list (c-ares 1.18's
		 * getaddrinfo ignores ARES_FLAG_NOSEARCH, an empty domain
		 * list works); the DNS only, not /etc/hosts.
		 */
		o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
		o.ndomains = 0;
		o.domains = NULL;
		o.lookups = lookups;
		mask |= ARES_OPT_FLAGS | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS;
	}
	if ((rc = cares->init_options(&ch->channel, &o, mask)) != ARES_SUCCESS) {
		snprintf(err, errlen, "resolver init failed: %s",
		    cares->strerror(rc));
		ev_timer_free(ch->timer);
		free(ch->servers);
		free(ch);
		return NULL;
	}
	if (servers != NULL &&
	    (rc = cares->set_servers_ports_csv(ch->channel, servers)) !=
	    ARES_SUCCESS) {
		snprintf(err, errlen, "bad resolver list: %s",
		    cares->strerror(rc));
		cares->destroy(ch->channel);
		ev_timer_free(ch->timer);
		free(ch->servers);
		free(ch);
		return NULL;
	}
	log_debug(LT_DNS, "resolver channel: servers %s, timeout %d ms, "
	    "tries %d%s", servers != NULL ? servers : "(system)", timeout_ms,
	    tries, (flags & DNS_Q_STRICT) ? ", strict" : "");
	return ch;
}

/* close idle channels, least recently used first, down to keep */
static void
dns_chan_reap(struct dns *dns, size_t keep)
{
	struct dns_chan	**pp, **victim;

	while (dns->nchans > keep) {
		victim = NULL;
		for (pp = &dns->chans; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->inflight == 0 && (victim == NULL ||
			    (*pp)->used < (*victim)->used))
				victim = pp;
		if (victim == NULL)
			return;		/* every one is busy */
		{
			struct dns_chan	*ch = *victim;

			*victim = ch->next;
			dns->nchans--;
			dns_chan_free(ch);
		}
	}
}

/* servers in the system configuration, asked once per loop */
static int
dns_sys_nservers(struct dns *dns)
{
	struct dns_chan			*ch;
	struct ares_addr_port_node	*list = NULL, *n;
	char				 err[DNS_REASON_MAX];
	int				 count = 0;

	if (dns->sys_nservers > 0)
		return dns->sys_nservers;
	if ((ch = dns_chan_open(dns, NULL, 0, 0, 0, err, sizeof(err))) == NULL)
		return 1;
	if (cares->get_servers_ports(ch->channel, &list) == ARES_SUCCESS) {
		for (n = list; n != NULL; n = n->next)
			count++;
		cares->free_data(list);
	}
	dns_chan_free(ch);
	dns->sys_nservers = count > 0 ? count : 1;
	return dns->sys_nservers;
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* the channel for a query, opened on first use; NULL + err */
static struct dns_chan *
dns_chan_get(struct dns *dns, const struct dns_query *q, char *err,
    size_t errlen)
{
	struct dns_chan	*ch;
	const char	*servers = q->servers;
	int		 timeout_ms, tries, n;
	unsigned	 flags = q->flags & DNS_Q_STRICT;

	if (servers != NULL && servers[0] == '\0')
		servers = NULL;
	if (servers == NULL && q->budget_ms <= 0) {
		servers = dns->servers;
		timeout_ms = dns->timeout_ms;
		tries = dns->tries;
	} else if (q->budget_ms > 0) {
		if (servers == NULL)
			servers = dns->servers;
		n = servers != NULL ? dns_servers_count(servers) :
		    dns_sys_nservers(dns);
		dns_timing(q->budget_ms, n, &timeout_ms, &tries);
	} else {
		timeout_ms = dns->timeout_ms;
		tries = dns->tries;
	}
	dns->uses++;
	for (ch = dns->chans; ch != NULL; ch = ch->next)
		if (same_str(ch->servers, servers) &&
		    ch->timeout_ms == timeout_ms && ch->tries == tries &&
		    ch->flags == flags) {
			ch->used = dns->uses;
			return ch;
		}
	dns_chan_reap(dns, DNS_CHAN_KEEP - 1);
	if ((ch = dns_chan_open(dns, servers, timeout_ms, tries, flags, err,
	    errlen)) == NULL)
		return NULL;
	ch->used = dns->uses;
	ch->next = dns->chans;
	dns->chans = ch;
	dns->nchans++;
	return ch;
}

static void
dns_destroy(void *arg)
{
	struct dns	*dns = arg;
	struct dns_req	*r;
	struct dns_chan	*ch;

	while ((ch = dns->chans) != NULL) {
		dns->chans = ch->next;
		dns_chan_free(ch);
	}
	while ((r = dns->done) != NULL) {
		dns->done = r->next;
		dns_req_free(r);
	}
	ev_timer_free(dns->deliver);
	free(dns->servers);
	free(dns);
}

static struct dns *
dns_get(struct ev *ev)
{
	struct dns	*dns;

	if ((dns = ev_attach_get(ev, dns_key)) != NULL)
		return dns;
	if ((dns = calloc(1, sizeof(*dns))) == NULL)
		return NULL;
	dns->ev = ev;
	if ((dns->deliver = ev_timer_new(ev, dns_deliver, dns)) == NULL ||
	    ev_attach_set(ev, dns_key, dns, dns_destroy) == -1) {
		ev_timer_free(dns->deliver);
		free(dns);
		return NULL;
	}
	return dns;
}

int
dns_configure(struct ev *ev, const char *servers, int timeout_ms, int tries)
{
	struct dns	*dns;
	char		*s = NULL;

	if ((dns = dns_get(ev)) == NULL)
		return -1;
	if (servers != NULL && servers[0] != '\0' &&
	    (s = strdup(servers)) == NULL)
		return -1;
	free(dns->servers);
	dns->servers = s;
	dns->timeout_ms = timeout_ms;
	dns->tries = tries;
	/* channels of the old settings close once idle */
	dns_chan_reap(dns, 0);
	return 0;
}

/* address requests */

static const char *
ares_reason(int status, int family)
{
	switch (status) {
	case ARES_ENOTFOUND:
		return "no such host";
	case ARES_ENODATA:
		return family == AF_INET ? "no IPv4 address for host" :
		    family == AF_INET6 ? "no IPv6 address for host" :
		    "no address for host";
	case ARES_ETIMEOUT:
		return "DNS timeout";
	case ARES_ECONNREFUSED:
		return "DNS server unreachable";
	case ARES_ESERVFAIL:
		return "DNS server failure (SERVFAIL)";
	case ARES_EREFUSED:
		return "DNS query refused (REFUSED)";
	case ARES_EBADNAME:
	case ARES_EBADQUERY:
		return "invalid host name";
	case ARES_ENOMEM:
		return "out of memory";
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return "DNS request cancelled";
	default:
		return NULL;
	}
}

static void
dns_reason(struct dns_req *r, int status, int family, const char *what)
{
	const char	*why;
	char		 buf[DNS_REASON_MAX];

	if ((why = ares_reason(status, family)) != NULL)
		snprintf(buf, sizeof(buf), "%s%s", what, why);
	else
		snprintf(buf, sizeof(buf), "%sDNS error: %s", what,
		    cares->strerror(status));
	dns_fail(r, dns_classify(status), buf);
}

static void
dns_ares_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct dns_req			*r = arg;
	struct ares_addrinfo_node	*n;

	(void)timeouts;
	if (status != ARES_EDESTRUCTION)
		r->chan->inflight--;
	if (status == ARES_SUCCESS && ai != NULL) {
		for (n = ai->nodes; n != NULL; n = n->ai_next)
			dns_add_addr(r, n->ai_addr, n->ai_addrlen);
		/* one entry per answer: the first says where the name leads */
		if (ai->cnames != NULL && ai->cnames->name != NULL) {
			r->a.alias = 1;
			mm_strlcpy(r->a.canon, ai->cnames->name,
			    sizeof(r->a.canon));
		}
	}
	if (ai != NULL)
		cares->freeaddrinfo(ai);
	if (status == ARES_EDESTRUCTION) {
		/* the channel is going away with the loop: nobody listens */
		dns_req_free(r);
		return;
	}
	if (r->a.naddr > 0) {
		r->a.ok = 1;
		r->a.status = DNS_OK;
		dns_finish(r);
		return;
	}
	if (status == ARES_SUCCESS)
		status = ARES_ENODATA;
	if (dns_no_fd(status)) {
		dns_fail(r, DNS_LOCAL, DNS_NO_FD_REASON);
		return;
	}
	dns_reason(r, status, r->family, "");
}

/* 1 when host is a literal (result filled in), 0 when it is a name */
static int
dns_numeric(struct dns_req *r, const char *host)
{
	struct addrinfo	 hints, *ai = NULL;
	char		 h[DNS_NAME_MAX];
	size_t		 n = strlen(host);

	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
	} else
		mm_strlcpy(h, host, sizeof(h));
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	/* AI_NUMERICHOST never touches the network or any file */
	if (getaddrinfo(h, NULL, &hints, &ai) != 0 || ai == NULL)
		return 0;
	dns_add_addr(r, ai->ai_addr, ai->ai_addrlen);
	r->a.literal = 1;
	if (r->a.naddr == 0)
		dns_fail(r, DNS_NODATA, ai->ai_family == AF_INET ?
		    "IPv4 address given, IPv6 required" :
		    "IPv6 address given, IPv4 required");
	else {
		r->a.ok = 1;
		r->a.status = DNS_OK;
		dns_finish(r);
	}
	freeaddrinfo(ai);
	return 1;
}

static struct dns_req *
dns_req_new(struct ev *ev, enum dns_kind kind, const struct dns_query *q,
    void *arg)
{
	struct dns	*dns;
	struct dns_req	*r;

	if ((dns = dns_get(ev)) == NULL || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if (kind == DK_MX && (r->mx = calloc(1, sizeof(*r->mx))) == NULL) {
		free(r);
		return NULL;
	}
	r->dns = dns;
	r->kind = kind;
	r->arg = arg;
	r->port = q->port;
	r->family = q->family;
	mm_strlcpy(r->host, q->host != NULL ? q->host : "", sizeof(r->host));
	if (kind == DK_MX)
		r->mx->domain = r->host;
	else
		r->a.host = r->host;
	return r;
}

struct dns_req *
dns_lookup(struct ev *ev, const struct dns_query *q, dns_cb cb, void *arg)
{
	struct ares_addrinfo_hints	 hints;
	struct dns_req			*r;
	char				 err[DNS_REASON_MAX];
	size_t				 n;

	if ((r = dns_req_new(ev, DK_ADDR, q, arg)) == NULL)
		return NULL;
	r->cb = cb;
	log_debug(LT_DNS, "resolve %s family=%d", r->host, r->family);

	if (r->family != AF_UNSPEC && r->family != AF_INET &&
	    r->family != AF_INET6) {
		dns_fail(r, DNS_ERROR, "bad address family");
		return r;
	}
	n = q->host != NULL ? strlen(q->host) : 0;
	if (n == 0 || n >= sizeof(r->host)) {
		dns_fail(r, DNS_BADNAME, "invalid host name");
		return r;
	}
	if (dns_numeric(r, r->host))
		return r;
	if ((r->chan = dns_chan_get(r->dns, q, err, sizeof(err))) == NULL) {
		dns_fail(r, DNS_ERROR, err);
		return r;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = r->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	r->chan->inflight++;
	cares->getaddrinfo(r->chan->channel, r->host, NULL, &hints, dns_ares_cb,
	    r);
	dns_timer_update(r->chan);
	return r;
}

struct dns_req *
dns_resolve(struct ev *ev, const char *host, uint16_t port, int family,
    dns_cb cb, void *arg)
{
	struct dns_query	 q;

	memset(&q, 0, sizeof(q));
	q.host = host;
	q.port = port;
	q.family = family;
	return dns_lookup(ev, &q, cb, arg);
}

/* MX requests */

static const char *
mx_reason(enum dns_status st)
{
	switch (st) {
	case DNS_NXDOMAIN:
		return "no such domain (NXDOMAIN)";
	case DNS_NODATA:
		return "no MX records";
	case DNS_SERVFAIL:
		return "DNS server failure (SERVFAIL)";
	case DNS_REFUSED:
		return "DNS query refused (REFUSED)";
	case DNS_TIMEOUT:
		return "DNS timeout";
	case DNS_UNREACHABLE:
		return "DNS server unreachable";
	case DNS_BADNAME:
		return "invalid domain name";
	default:
		return NULL;
	}
}

static void
dns_mx_ares_cb(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_req		*r = arg;
	struct dns_mx_result	*res = r->mx;
	struct ares_mx_reply	*list = NULL, *m;
	const char		*why;
	char			 buf[DNS_REASON_MAX];
	int			 rc;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION) {
		dns_req_free(r);
		return;
	}
	r->chan->inflight--;
	if (status == ARES_SUCCESS) {
		if ((rc = cares->parse_mx_reply(abuf, alen, &list)) !=
		    ARES_SUCCESS)
			status = rc;
	}
	if (status == ARES_SUCCESS) {
		for (m = list; m != NULL; m = m->next) {
			res->nseen++;
			if (res->nmx >= DNS_MAX_MX)
				continue;
			res->mx[res->nmx].pref = m->priority;
			/* c-ares gives the root name "." as "" */
			mm_strlcpy(res->mx[res->nmx].host, m->host != NULL ?
			    m->host : "", sizeof(res->mx[0].host));
			res->nmx++;
		}
		if (list != NULL)
			cares->free_data(list);
		if (res->nseen == 0)
			status = ARES_ENODATA;
	}
	if (status == ARES_SUCCESS) {
		res->status = DNS_OK;
		dns_finish(r);
		return;
	}
	res->status = dns_no_fd(status) ? DNS_LOCAL : dns_classify(status);
	if (res->status == DNS_LOCAL)
		why = status == ARES_ENOMEM ? "out of memory" :
		    DNS_NO_FD_REASON;
	else if ((why = mx_reason(res->status)) == NULL) {
		snprintf(buf, sizeof(buf), "DNS error: %s",
		    cares->strerror(status));
		why = buf;
	}
	dns_fail(r, res->status, why);
}

struct dns_req *
dns_lookup_mx(struct ev *ev, const struct dns_query *q, dns_mx_cb cb,
    void *arg)
{
	struct dns_req	*r;
	char		 err[DNS_REASON_MAX];
	size_t		 n;

	if ((r = dns_req_new(ev, DK_MX, q, arg)) == NULL)
		return NULL;
	r->mxcb = cb;
	log_debug(LT_DNS, "MX %s", r->host);
	n = q->host != NULL ? strlen(q->host) : 0;
	if (n == 0 || n >= sizeof(r->host)) {
		dns_fail(r, DNS_BADNAME, "invalid domain name");
		return r;
	}
	if ((r->chan = dns_chan_get(r->dns, q, err, sizeof(err))) == NULL) {
		dns_fail(r, DNS_ERROR, err);
		return r;
	}
	r->chan->inflight++;
	/* ares_query, not ares_search: the domain is never a search base */
	cares->query(r->chan->channel, r->host, ns_c_in, ns_t_mx, dns_mx_ares_cb,
	    r);
	dns_timer_update(r->chan);
	return r;
}

void
dns_cancel(struct dns_req *r)
{
	struct dns	*dns;
	struct dns_req	**pp;

	if (r == NULL)
		return;
	dns = r->dns;
	if (r->queued) {
		for (pp = &dns->done; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == r) {
				*pp = r->next;
				break;
			}
		}
		dns->done_tail = NULL;
		for (pp = &dns->done; *pp != NULL; pp = &(*pp)->next)
			dns->done_tail = *pp;
		dns_req_free(r);
		return;
	}
	/* still inside c-ares: it will come back and be dropped */
	r->cancelled = 1;
	r->cb = NULL;
	r->mxcb = NULL;
}

/*
 * dns.c - asynchronous name resolution inside the event loop (c-ares).
 *
 * c-ares tells us which sockets it wants watched through its socket
 * state callback and how long it may sleep through ares_timeout(); we
 * mirror both into ev watchers and one ev timer.  Results never go
 * straight to the caller: c-ares may answer from inside
 * ares_getaddrinfo() (an /etc/hosts hit, a bad name), so every
 * finished request is queued and handed over from a zero-delay timer.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "dns.h"
#include "ev.h"
#include "log.h"
#include "util.h"

struct dns_sock {
	ares_socket_t	 fd;
	struct ev_io	*w;
	struct dns_sock	*next;
};

struct dns {
	struct ev	*ev;
	ares_channel	 channel;
	int		 have_channel;
	int		 inflight;	/* requests inside c-ares */
	struct dns_sock	*socks;
	struct ev_timer	*timer;		/* c-ares timeouts */
	struct ev_timer	*deliver;	/* hands finished requests over */
	struct dns_req	*done;		/* finished, not yet delivered */
	struct dns_req	*done_tail;
	char		*servers;
	int		 timeout_ms;
	int		 tries;
};

struct dns_req {
	struct dns		*dns;
	dns_cb			 cb;
	void			*arg;
	uint16_t		 port;
	int			 family;
	int			 cancelled;
	int			 queued;
	char			 host[256];
	struct dns_result	 res;
	struct dns_req		*next;
};

/* key for ev_attach_get() */
static const char dns_key[] = "dns";
static int	 ares_ready;

static void	dns_timer_update(struct dns *);

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
		r->res.host = r->host;
		log_debug(LT_DNS, "%s: %s", r->host, r->res.ok ? "resolved" :
		    r->res.reason);
		r->cb(&r->res, r->arg);
		free(r);
	}
}

static void
dns_finish(struct dns_req *r)
{
	struct dns	*dns = r->dns;

	if (r->cancelled) {
		free(r);
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
dns_fail(struct dns_req *r, const char *reason)
{
	r->res.ok = 0;
	mm_strlcpy(r->res.reason, reason, sizeof(r->res.reason));
	dns_finish(r);
}

static void
dns_add_addr(struct dns_req *r, const struct sockaddr *sa, socklen_t len)
{
	struct dns_addr	*a;

	if (r->res.naddr >= DNS_MAX_ADDRS || len > sizeof(a->ss))
		return;
	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return;
	if (r->family != AF_UNSPEC && sa->sa_family != r->family)
		return;
	a = &r->res.addr[r->res.naddr++];
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
	struct dns	*dns = arg;

	ares_process_fd(dns->channel,
	    (events & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (events & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	dns_timer_update(dns);
}

static void
dns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns	 *dns = data;
	struct dns_sock	**pp, *s;
	int		  want = (readable ? EV_READ : 0) |
			    (writable ? EV_WRITE : 0);

	for (pp = &dns->socks; (s = *pp) != NULL; pp = &s->next)
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
	if ((s->w = ev_io_new(dns->ev, fd, want, dns_sock_cb, dns)) == NULL) {
		log_warn("dns: cannot watch resolver socket");
		free(s);
		return;
	}
	s->next = dns->socks;
	dns->socks = s;
}

static void
dns_timer_cb(void *arg)
{
	struct dns	*dns = arg;

	ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_timer_update(dns);
}

static void
dns_timer_update(struct dns *dns)
{
	struct timeval	 tv, *tvp;

	if (!dns->have_channel || dns->inflight == 0) {
		ev_timer_stop(dns->timer);
		return;
	}
	if ((tvp = ares_timeout(dns->channel, NULL, &tv)) == NULL) {
		ev_timer_stop(dns->timer);
		return;
	}
	ev_timer_in(dns->timer, (int64_t)tvp->tv_sec * 1000000 + tvp->tv_usec);
}

/* channel */

static int
dns_channel_open(struct dns *dns, char *err, size_t errlen)
{
	struct ares_options	 o;
	int			 mask = ARES_OPT_SOCK_STATE_CB, rc;

	if (!ares_ready) {
		if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
			snprintf(err, errlen, "resolver init failed: %s",
			    ares_strerror(rc));
			return -1;
		}
		ares_ready = 1;
	}
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = dns_sock_state;
	o.sock_state_cb_data = dns;
	if (dns->timeout_ms > 0) {
		o.timeout = dns->timeout_ms;
		mask |= ARES_OPT_TIMEOUTMS;
	}
	if (dns->tries > 0) {
		o.tries = dns->tries;
		mask |= ARES_OPT_TRIES;
	}
	if ((rc = ares_init_options(&dns->channel, &o, mask)) != ARES_SUCCESS) {
		snprintf(err, errlen, "resolver init failed: %s",
		    ares_strerror(rc));
		return -1;
	}
	if (dns->servers != NULL &&
	    (rc = ares_set_servers_ports_csv(dns->channel, dns->servers)) !=
	    ARES_SUCCESS) {
		snprintf(err, errlen, "bad resolver list: %s", ares_strerror(rc));
		ares_destroy(dns->channel);
		return -1;
	}
	dns->have_channel = 1;
	return 0;
}

static void
dns_channel_close(struct dns *dns)
{
	if (!dns->have_channel)
		return;
	/* answers every request with ARES_EDESTRUCTION, closes sockets */
	ares_destroy(dns->channel);
	dns->have_channel = 0;
	ev_timer_stop(dns->timer);
}

static void
dns_destroy(void *arg)
{
	struct dns	*dns = arg;
	struct dns_req	*r;

	dns_channel_close(dns);
	while ((r = dns->done) != NULL) {
		dns->done = r->next;
		free(r);
	}
	while (dns->socks != NULL) {
		struct dns_sock	*s = dns->socks;

		dns->socks = s->next;
		ev_io_free(s->w);
		free(s);
	}
	ev_timer_free(dns->timer);
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
	if ((dns->timer = ev_timer_new(ev, dns_timer_cb, dns)) == NULL ||
	    (dns->deliver = ev_timer_new(ev, dns_deliver, dns)) == NULL ||
	    ev_attach_set(ev, dns_key, dns, dns_destroy) == -1) {
		ev_timer_free(dns->timer);
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
	if (servers != NULL && (s = strdup(servers)) == NULL)
		return -1;
	free(dns->servers);
	dns->servers = s;
	dns->timeout_ms = timeout_ms;
	dns->tries = tries;
	if (dns->have_channel) {
		if (dns->inflight == 0) {
			/* reopened with the new settings on next use */
			dns_channel_close(dns);
		} else if (servers != NULL &&
		    ares_set_servers_ports_csv(dns->channel, servers) !=
		    ARES_SUCCESS)
			return -1;
	}
	return 0;
}

/* requests */

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
		return "DNS server failure";
	case ARES_EREFUSED:
		return "DNS query refused";
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
dns_ares_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct dns_req			*r = arg;
	struct ares_addrinfo_node	*n;
	const char			*why;

	r->dns->inflight--;
	if (status == ARES_SUCCESS && ai != NULL) {
		for (n = ai->nodes; n != NULL; n = n->ai_next)
			dns_add_addr(r, n->ai_addr, n->ai_addrlen);
	}
	if (ai != NULL)
		ares_freeaddrinfo(ai);
	if (status == ARES_EDESTRUCTION) {
		/* the channel is going away with the loop: nobody listens */
		free(r);
		return;
	}
	if (r->res.naddr > 0) {
		r->res.ok = 1;
		dns_finish(r);
		return;
	}
	if (status == ARES_SUCCESS)
		status = ARES_ENODATA;
	r->res.timeout = status == ARES_ETIMEOUT;
	if ((why = ares_reason(status, r->family)) != NULL)
		dns_fail(r, why);
	else {
		char	 buf[DNS_REASON_MAX];

		snprintf(buf, sizeof(buf), "DNS error: %s", ares_strerror(status));
		dns_fail(r, buf);
	}
}

/* 1 when host is a literal (result filled in), 0 when it is a name */
static int
dns_numeric(struct dns_req *r, const char *host)
{
	struct addrinfo	 hints, *ai = NULL;
	char		 h[256];
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
	if (r->res.naddr == 0)
		dns_fail(r, ai->ai_family == AF_INET ?
		    "IPv4 address given, IPv6 required" :
		    "IPv6 address given, IPv4 required");
	else {
		r->res.ok = 1;
		dns_finish(r);
	}
	freeaddrinfo(ai);
	return 1;
}

struct dns_req *
dns_resolve(struct ev *ev, const char *host, uint16_t port, int family,
    dns_cb cb, void *arg)
{
	struct ares_addrinfo_hints	 hints;
	struct dns			*dns;
	struct dns_req			*r;
	char				 err[DNS_REASON_MAX];
	size_t				 n;

	if ((dns = dns_get(ev)) == NULL || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->dns = dns;
	r->cb = cb;
	r->arg = arg;
	r->port = port;
	r->family = family;
	r->res.host = r->host;
	if (host == NULL)
		host = "";
	mm_strlcpy(r->host, host, sizeof(r->host));
	log_debug(LT_DNS, "resolve %s family=%d", r->host, family);

	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) {
		dns_fail(r, "bad address family");
		return r;
	}
	n = strlen(host);
	if (n == 0 || n >= sizeof(r->host)) {
		dns_fail(r, "invalid host name");
		return r;
	}
	if (dns_numeric(r, host))
		return r;
	if (!dns->have_channel && dns_channel_open(dns, err, sizeof(err)) == -1) {
		dns_fail(r, err);
		return r;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	dns->inflight++;
	ares_getaddrinfo(dns->channel, r->host, NULL, &hints, dns_ares_cb, r);
	dns_timer_update(dns);
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
		free(r);
		return;
	}
	/* still inside c-ares: it will come back and be dropped */
	r->cancelled = 1;
	r->cb = NULL;
}

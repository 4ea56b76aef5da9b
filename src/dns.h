/*
 * dns.h - asynchronous name resolution inside the event loop (c-ares).
 *
 * One c-ares channel per ev loop, created on first use and released by
 * ev_free().  Its sockets and its timeout live in the loop like any
 * other watcher, so thousands of probes resolve without a thread each.
 * Numeric addresses skip c-ares entirely.  The callback always comes
 * from the loop, never from inside dns_resolve().
 */
#ifndef MAILMON_DNS_H
#define MAILMON_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ev;
struct dns_req;

#define DNS_MAX_ADDRS	16
#define DNS_REASON_MAX	128

struct dns_addr {
	struct sockaddr_storage	 ss;	/* port already set */
	socklen_t		 len;
};

struct dns_result {
	int		 ok;		/* 1: naddr >= 1 */
	int		 timeout;	/* failure was a resolver timeout */
	const char	*host;		/* as asked */
	char		 reason[DNS_REASON_MAX]; /* "no such host", "DNS timeout", ... */
	size_t		 naddr;
	struct dns_addr	 addr[DNS_MAX_ADDRS];	/* resolver order */
};

typedef void (*dns_cb)(const struct dns_result *, void *arg);

/*
 * Resolve host (name or IPv4/IPv6 literal) for family AF_UNSPEC,
 * AF_INET or AF_INET6; port goes into every address.  /etc/hosts is
 * honoured.  The callback runs exactly once, from the loop, unless the
 * request is cancelled first.  NULL only when out of memory.
 */
struct dns_req	*dns_resolve(struct ev *, const char *host, uint16_t port,
		    int family, dns_cb, void *arg);
/*
 * Forget a pending request: its callback is not called.  Once the
 * callback has run, the request is gone; do not cancel it then.
 */
void		 dns_cancel(struct dns_req *);

/*
 * Tuning for the channel of this loop, best called before the first
 * dns_resolve().  While requests are in flight only the server list
 * changes at once; timeout and tries apply once the channel is idle.  servers: c-ares "host[:port],..." list, NULL = system
 * configuration.  timeout_ms/tries: per-server timeout and attempts
 * (0 = c-ares defaults).  0 or -1.
 */
int		 dns_configure(struct ev *, const char *servers,
		    int timeout_ms, int tries);

/* format an address as text: "127.0.0.1" / "::1" */
const char	*dns_addr_str(const struct sockaddr *, char *buf, size_t len);

#endif

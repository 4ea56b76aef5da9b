/*
 * dns.h - asynchronous name resolution inside the event loop (c-ares).
 *
 * c-ares channels live with the ev loop, created on first use and
 * released by ev_free().  A channel is a resolver configuration: the
 * servers (a --dns-server list, or the system's), the per-try timeout
 * and tries, and whether it answers the way a domain probe needs (DNS
 * only, no search list, SERVFAIL and REFUSED reported as such).
 * Requests with the same configuration share a channel.  Sockets and
 * timeouts of every channel live in the loop like any other watcher,
 * so thousands of probes resolve without a thread each.  Numeric
 * addresses skip c-ares entirely: it is loaded (cares.h) only when a
 * name is first resolved.  The callback always comes from the
 * loop, never from inside the call that started the request.
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
#define DNS_NAME_MAX	256	/* a domain name as text, NUL included */
#define DNS_MAX_MX	32	/* MX records kept from one answer */
#define DNS_SERVERS_MAX	256	/* a server list as text, NUL included */

/*
 * What a lookup found out: one word per outcome that a probe must tell
 * apart.  Keep in step with status_name[] in dns.c.
 */
enum dns_status {
	DNS_OK = 0,		/* records of the asked type */
	DNS_NODATA,		/* the name exists, without such records */
	DNS_NXDOMAIN,		/* the name does not exist */
	DNS_SERVFAIL,		/* the server could not answer (SERVFAIL) */
	DNS_REFUSED,		/* the server refused the query (REFUSED) */
	DNS_TIMEOUT,		/* no answer within the tries */
	DNS_UNREACHABLE,	/* no server could be contacted */
	DNS_BADNAME,		/* not a valid domain name */
	DNS_ERROR,		/* malformed answer, ... */
	DNS_LOCAL,		/* this host could not ask: no descriptor, no memory */
	DNS_STATUS_LAST
};

struct dns_addr {
	struct sockaddr_storage	 ss;	/* port already set */
	socklen_t		 len;
};

struct dns_result {
	int		 ok;		/* 1: naddr >= 1 */
	int		 timeout;	/* failure was a resolver timeout */
	enum dns_status	 status;
	const char	*host;		/* as asked; valid during the callback */
	char		 reason[DNS_REASON_MAX]; /* "no such host", "DNS timeout", ... */
	int		 alias;		/* the name is a CNAME */
	int		 literal;	/* an address was given: nothing was asked */
	char		 canon[DNS_NAME_MAX];	/* what it is an alias of */
	size_t		 naddr;
	struct dns_addr	 addr[DNS_MAX_ADDRS];	/* resolver order */
};

struct dns_mx {
	uint16_t	 pref;
	char		 host[DNS_NAME_MAX];	/* "" is the null MX target "." */
};

struct dns_mx_result {
	enum dns_status	 status;	/* DNS_NODATA: no MX (implicit MX) */
	const char	*domain;	/* as asked; valid during the callback */
	char		 reason[DNS_REASON_MAX];
	size_t		 nmx;		/* kept, in answer order */
	size_t		 nseen;		/* in the answer (nmx <= nseen) */
	struct dns_mx	 mx[DNS_MAX_MX];
};

typedef void (*dns_cb)(const struct dns_result *, void *arg);
typedef void (*dns_mx_cb)(const struct dns_mx_result *, void *arg);

/*
 * DNS_Q_STRICT: ask the DNS and nothing else: no hosts file, no search
 * list, and the rcode of an answer as it came (c-ares 1.18 turns
 * SERVFAIL and REFUSED into "could not contact" otherwise, trying the
 * next server).  What a domain probe needs: the MX answer is what
 * senders see.
 */
#define DNS_Q_STRICT	0x01

struct dns_query {
	const char	*host;		/* name or address literal */
	uint16_t	 port;		/* put into every address */
	int		 family;	/* AF_UNSPEC, AF_INET, AF_INET6 */
	const char	*servers;	/* "ADDR[:PORT],...": NULL or "" = default */
	/*
	 * The whole lookup, every try on every server, should end within
	 * this; 0 = the dns_configure() timeout and tries (c-ares'
	 * defaults, which wait 75 s for one silent server, if unset).
	 */
	int		 budget_ms;
	unsigned	 flags;		/* DNS_Q_* */
};

/*
 * Resolve host (name or IPv4/IPv6 literal) for family AF_UNSPEC,
 * AF_INET or AF_INET6; port goes into every address.  /etc/hosts is
 * honoured.  The callback runs exactly once, from the loop, unless the
 * request is cancelled first.  NULL only when out of memory.
 */
struct dns_req	*dns_resolve(struct ev *, const char *host, uint16_t port,
		    int family, dns_cb, void *arg);
/* the same with every setting of a query */
struct dns_req	*dns_lookup(struct ev *, const struct dns_query *, dns_cb,
		    void *arg);
/*
 * The MX records of q->host (port and family are ignored).  No search
 * list is ever applied to the domain.  Callback and cancel as above.
 */
struct dns_req	*dns_lookup_mx(struct ev *, const struct dns_query *,
		    dns_mx_cb, void *arg);
/*
 * Forget a pending request: its callback is not called.  Once the
 * callback has run, the request is gone; do not cancel it then.
 */
void		 dns_cancel(struct dns_req *);
/*
 * Load and initialise c-ares now rather than at the first name (a
 * daemon at start-up, where a missing library is best said): 0, or -1
 * + err.  A one-shot check of an address never loads it.
 */
int		 dns_preload(char *err, size_t errlen);

/*
 * Defaults for requests that name no servers and no budget, best
 * called before the first request.  servers: "host[:port],..." list,
 * NULL = system configuration.  timeout_ms/tries: per-server timeout
 * and attempts (0 = c-ares defaults).  Requests in flight keep the
 * settings they started with.  0 or -1.
 */
int		 dns_configure(struct ev *, const char *servers,
		    int timeout_ms, int tries);

/*
 * Check a server list: "ADDR[:PORT]" items separated by commas, ADDR an
 * IPv4 address or an IPv6 one ("::1", or "[::1]" when a port follows).
 * 0, or -1 with a message in err.  Pure: no resolver is involved.
 */
int		 dns_servers_check(const char *servers, char *err,
		    size_t errlen);
/* number of servers in a checked list */
int		 dns_servers_count(const char *servers);
/*
 * The per-try timeout and the tries that keep a lookup over nservers
 * servers within budget_ms: c-ares doubles the timeout each round, so
 * two tries cost 3 x nservers x timeout.  Timeouts come from a short
 * list of steps so that probes with similar deadlines share a channel.
 */
void		 dns_timing(int budget_ms, int nservers, int *timeout_ms,
		    int *tries);
/* the status a c-ares code stands for (ARES_ENOTFOUND -> DNS_NXDOMAIN) */
enum dns_status	 dns_classify(int ares_status);
const char	*dns_status_name(enum dns_status);

/* format an address as text: "127.0.0.1" / "::1" */
const char	*dns_addr_str(const struct sockaddr *, char *buf, size_t len);

#endif

/*
 * The authoritative server. It answers queries from its zones over UDP and
 * TCP (RFC 1034 section 4.3.2, RFC 4592 wildcards, RFC 2308 negative
 * answers, RFC 6891 EDNS(0), RFC 7766 TCP). It applies TSIG-signed dynamic
 * updates (RFC 2136, RFC 8945), serves zone transfers to allowed
 * secondaries (RFC 5936, and incremental ones from a journal per RFC 1995)
 * and notifies them of changes (RFC 1996). It can also be a secondary
 * itself, refreshing zones from a primary on the SOA timers or on NOTIFY,
 * by IXFR once it has a version.
 *
 * The core that turns one request into one response is sans-I/O
 * (fata_dns_server_answer). fata_dns_server_start() connects it to a
 * struct fata_stack, so the same server runs on host sockets and on
 * libtcpip.
 *
 * Logging (source "dns"): every query at debug level, updates, transfers,
 * notifies and refreshes at info level, failures at warn.
 */
#ifndef FATA_DNS_SERVER_H
#define FATA_DNS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <fata/addr.h>
#include <fata/dns.h>
#include <fata/dns_tsig.h>
#include <fata/dns_zone.h>
#include <fata/loop.h>
#include <fata/stack.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_dns_server;

/* Settings; a zero field takes the default in brackets. */
struct fata_dns_server_config {
	/* Largest UDP response with EDNS(0), in bytes [1232, the DNS flag day 2020 value]. */
	uint16_t udp_max;
	/* Close a TCP connection idle this long, in ns [10 s; RFC 7766 section 6.2.3]. */
	uint64_t tcp_idle_ns;
	/* Open TCP connections at most; more are closed at once [64]. */
	uint32_t tcp_max_conns;
	/* Time between NOTIFY retries, in ns [2 s], and attempts per target [5]. */
	uint64_t notify_retry_ns;
	uint32_t notify_tries;
	/* How long a refresh of a secondary zone may take, in ns [30 s]. */
	uint64_t refresh_timeout_ns;
	/*
	 * Returns the wall-clock time in seconds since 1970 for TSIG; NULL
	 * reads fata_clock_wall_ns(). Tests set a fixed clock here.
	 */
	uint64_t (*wall_time)(void *ctx);
	void *wall_time_ctx;
	/*
	 * Records each zone's journal keeps for incremental transfers (IXFR,
	 * RFC 1995), summed over its differences with both SOAs of each
	 * counted [4096]. The oldest differences are dropped first, and a
	 * change with more records empties the journal, so the next IXFR from
	 * an older serial gets the whole zone. FATA_DNS_JOURNAL_OFF keeps no
	 * journal.
	 */
	uint32_t journal_records;
};

/* The value of journal_records that turns the IXFR journal off. */
#define FATA_DNS_JOURNAL_OFF UINT32_MAX

/*
 * Counters since fata_dns_server_new(), all uint64_t. The server also
 * registers them as the counter group "dns" (see fata/counter.h).
 */
struct fata_dns_server_stats {
	uint64_t udp_queries;     /* requests received over UDP */
	uint64_t tcp_queries;     /* requests received over TCP */
	uint64_t dropped;         /* requests too malformed to answer, and responses sent to us */
	uint64_t rcode[16];       /* responses sent, by rcode */
	uint64_t truncated;       /* UDP responses with TC set */
	uint64_t tsig_failures;   /* signed requests rejected: BADKEY, BADSIG, BADTIME, FORMERR */
	uint64_t updates;         /* updates applied */
	uint64_t updates_rejected;/* updates refused or failing a prerequisite */
	uint64_t transfers_out;   /* AXFR and IXFR sent */
	uint64_t transfers_refused;
	uint64_t notifies_sent;   /* NOTIFY messages sent, retries included */
	uint64_t notifies_acked;
	uint64_t notifies_failed; /* targets that never answered */
	uint64_t notifies_received;
	uint64_t refreshes;       /* zones transferred in */
	uint64_t refresh_failures;
	uint64_t tcp_connections;
	uint64_t tcp_rejected;    /* connections closed because of tcp_max_conns */
	uint64_t ixfr_incremental;/* IXFR answered with the differences from the client's serial */
	uint64_t ixfr_axfr_form;  /* IXFR answered with the whole zone in AXFR form */
	uint64_t ixfr_refreshes;  /* refreshes applied from an incremental IXFR answer */
};

/* Creates a server on `loop`. `config` may be NULL. Errors: FATA_ENOMEM. */
int fata_dns_server_new(struct fata_loop *loop, const struct fata_dns_server_config *config,
		struct fata_dns_server **out);

/*
 * Stops listening, cancels timers, notifies and refreshes, closes every
 * connection and frees the server with its zones. NULL is ignored.
 */
void fata_dns_server_free(struct fata_dns_server *srv);

/*
 * Adds a zone this server is primary for and takes one reference to it.
 * Errors: FATA_EEXIST when a zone with that origin is there, FATA_EINVAL
 * when fata_dns_zone_check() fails, FATA_ENOMEM.
 */
int fata_dns_server_add_zone(struct fata_dns_server *srv, struct fata_dns_zone *zone);

/*
 * Adds a zone this server is secondary for, transferred from `primary`
 * (port 0 means 53), signed with the key named `key` when not NULL (the
 * key must be added first). Until the first transfer the zone answers
 * SERVFAIL. Errors: FATA_EEXIST, FATA_ENOENT for an unknown key, FATA_ENOMEM.
 */
int fata_dns_server_add_secondary(struct fata_dns_server *srv, const struct fata_dns_name *origin,
		const struct fata_sockaddr *primary, const struct fata_dns_name *key);

/*
 * Adds a TSIG key. Every key may sign updates to the primary zones and
 * transfer requests. Errors: FATA_EEXIST for a name already there,
 * FATA_ESTATE after a secondary zone was added (it refers to the keys, so
 * add every key first), FATA_ENOMEM.
 */
int fata_dns_server_add_key(struct fata_dns_server *srv, const struct fata_dns_tsig_key *key);

/*
 * Allows zone transfers to clients matching `addr` (NULL: any address)
 * and signing with the key named `key` (NULL: signed or not). A transfer
 * is allowed when any rule matches; with no rules, none is.
 * Errors: FATA_ENOENT for an unknown key, FATA_ENOMEM.
 */
int fata_dns_server_allow_transfer(struct fata_dns_server *srv, const struct fata_ipaddr *addr,
		const struct fata_dns_name *key);

/*
 * Sends NOTIFY for every primary zone to `target` (port 0 means 53) after
 * each change and once at start, signed with `key` when not NULL. Retries
 * follow config.notify_retry_ns and config.notify_tries. Errors: FATA_ENOENT for an unknown key, FATA_ENOMEM.
 */
int fata_dns_server_add_notify(struct fata_dns_server *srv, const struct fata_sockaddr *target,
		const struct fata_dns_name *key);

/*
 * Listens on `local` for UDP and TCP through `stack`, then starts the
 * secondary refreshes and the start-up NOTIFYs. With port 0 both listen on
 * the port the stack picks for UDP; when TCP already uses it, up to eight
 * ports are tried. Errors: from the stack's
 * udp_bind and listen (FATA_EADDRINUSE, FATA_EPERM, ...), FATA_ESTATE when
 * already started; on error nothing stays open.
 */
int fata_dns_server_start(struct fata_dns_server *srv, struct fata_stack *stack,
		const struct fata_sockaddr *local);

/*
 * Stores the local UDP address (with the port chosen when 0 was asked).
 * Errors: FATA_ESTATE before start, or the stack's error.
 */
int fata_dns_server_local_addr(struct fata_dns_server *srv, struct fata_sockaddr *out);

/* Returns the counters. */
const struct fata_dns_server_stats *fata_dns_server_stats(const struct fata_dns_server *srv);

/*
 * Returns the current version of the zone with origin `origin`, or NULL
 * when there is none or a secondary zone is not loaded yet. The zone is
 * borrowed and valid until the next change, so take a reference to keep it.
 */
struct fata_dns_zone *fata_dns_server_zone(struct fata_dns_server *srv,
		const struct fata_dns_name *origin);

/*
 * The sans-I/O core: answers the request `query` (`len` bytes) from
 * `client`, received over TCP when `tcp` is nonzero, into `out` (`cap`
 * bytes). Handles QUERY, NOTIFY and UPDATE; zone transfers over TCP are
 * refused here because they need several messages (the TCP driver handles
 * them). Returns 0 with the response length in `*out_len`, or FATA_ENOENT
 * when no response must be sent (a response, or a message too short to
 * carry an ID). Errors: FATA_ENOSPC when `cap` is below 512.
 */
int fata_dns_server_answer(struct fata_dns_server *srv, const uint8_t *query, size_t len,
		const struct fata_sockaddr *client, int tcp, uint8_t *out, size_t cap,
		size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif

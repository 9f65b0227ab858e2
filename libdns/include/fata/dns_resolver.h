/*
 * A stub resolver: sends queries to configured recursive servers over UDP
 * with timeouts and retries, repeats a truncated answer over TCP, follows
 * CNAME chains and caches answers, negative ones included (RFC 2308).
 *
 * Every query uses a random ID and a random source port from
 * fata_entropy_fill(), and a response is accepted only when its ID,
 * question, source address and source port all match the query (RFC 5452
 * section 9). Responses that do not match are dropped and counted.
 */
#ifndef FATA_DNS_RESOLVER_H
#define FATA_DNS_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include <fata/addr.h>
#include <fata/dns.h>
#include <fata/loop.h>
#include <fata/stack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How many servers a resolver can use. */
#define FATA_DNS_RESOLVER_MAX_SERVERS 4

/* Settings; a zero field takes the default in brackets. */
struct fata_dns_resolver_config {
	/* Servers to ask, in order (port 0 means 53). At least one. */
	struct fata_sockaddr servers[FATA_DNS_RESOLVER_MAX_SERVERS];
	size_t nservers;
	/* Time to wait for one response, in ns [2 s]. */
	uint64_t timeout_ns;
	/* Rounds over all servers before giving up [2]. */
	uint32_t attempts;
	/* CNAME links followed before FATA_ELIMIT [8]. */
	uint32_t max_cnames;
	/* Cache entries [256]; set no_cache to disable the cache. */
	uint32_t cache_entries;
	int no_cache;
	/* Upper bound on cached TTLs, in seconds [86400], and on negative ones [3600]. */
	uint32_t max_ttl;
	uint32_t max_negative_ttl;
	/* EDNS(0) UDP payload size to offer [1232]. */
	uint16_t udp_size;
};

/* One record of an answer; `rdata` points into the answer. */
struct fata_dns_answer_record {
	uint16_t rdlen;
	const uint8_t *rdata;
};

/*
 * A finished lookup. `rcode` is FATA_DNS_RCODE_NOERROR (count may be 0:
 * the name has no data of that type) or FATA_DNS_RCODE_NXDOMAIN.
 */
struct fata_dns_answer {
	unsigned rcode;
	uint16_t type;
	struct fata_dns_name name;       /* the name asked for */
	struct fata_dns_name canonical;  /* the owner of the records, after CNAMEs */
	uint32_t ttl;                    /* seconds the answer stays valid */
	int from_cache;
	size_t count;
	struct fata_dns_answer_record *records;
};

/* Resolver counters. */
struct fata_dns_resolver_stats {
	uint64_t lookups;
	uint64_t queries;        /* UDP and TCP queries sent */
	uint64_t timeouts;
	uint64_t tcp_fallbacks;  /* truncated UDP answers repeated over TCP */
	uint64_t mismatched;     /* responses dropped for a wrong ID, question or source */
	uint64_t server_errors;  /* SERVFAIL, REFUSED, NOTIMP, FORMERR and malformed responses */
	uint64_t cache_hits;
	uint64_t cache_misses;
};

struct fata_dns_resolver;

/*
 * Creates a resolver that queries through `stack`.
 * Errors: FATA_EINVAL without servers, FATA_ENOMEM.
 */
int fata_dns_resolver_new(struct fata_loop *loop, struct fata_stack *stack,
		const struct fata_dns_resolver_config *config, struct fata_dns_resolver **out);

/* Cancels pending lookups (their promises are rejected with FATA_ECANCELED) and frees. */
void fata_dns_resolver_free(struct fata_dns_resolver *r);

/*
 * Looks up `type` records of `name`. The promise fulfills with a struct
 * fata_dns_answer * in `ptr`, owned by the consumer (fata_dns_answer_free).
 * Errors: FATA_ETIMEDOUT when no server answered, FATA_EPROTO when every
 * server answered with an error rcode or a malformed message, FATA_ELIMIT
 * for a CNAME chain longer than max_cnames, FATA_EINVAL for a meta type,
 * FATA_ENOMEM; also the stack's errors for UDP and TCP.
 */
struct fata_promise *fata_dns_resolve(struct fata_dns_resolver *r, const struct fata_dns_name *name,
		uint16_t type);

/* Frees an answer. NULL is ignored. */
void fata_dns_answer_free(struct fata_dns_answer *answer);

/* Drops every cached answer. */
void fata_dns_resolver_flush(struct fata_dns_resolver *r);

/* Returns the counters. */
const struct fata_dns_resolver_stats *fata_dns_resolver_stats(const struct fata_dns_resolver *r);

#ifdef __cplusplus
}
#endif

#endif

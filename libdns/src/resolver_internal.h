/*
 * Internals of the stub resolver: the sans-I/O message part
 * (resolver_message.c) and the cache (resolver_cache.c), used by the
 * driver in resolver.c.
 */
#ifndef DNS_RESOLVER_INTERNAL_H
#define DNS_RESOLVER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <fata/dns.h>
#include <fata/dns_resolver.h>

/* How a response relates to the query it should answer. */
enum reply_kind {
	REPLY_ANSWER,       /* final: records, NODATA or NXDOMAIN in reply.answer */
	REPLY_FOLLOW,       /* the answer ends in a CNAME to reply.next: ask for that */
	REPLY_TRUNCATED,    /* TC set: repeat over TCP */
	REPLY_SERVER_ERROR, /* an error rcode or a malformed answer: try another server */
	REPLY_MISMATCH,     /* not a response to this query: drop it and keep waiting */
};

struct reply {
	enum reply_kind kind;
	unsigned rcode;
	struct fata_dns_name next;
	unsigned cnames;                 /* CNAME links followed in this message */
	struct fata_dns_answer *answer;  /* owned, for REPLY_ANSWER */
};

/*
 * Writes a query for `name` and `type` with `id` and RD set, and an OPT
 * record offering `udp_size`. Returns the length or FATA_ENOSPC.
 */
int resolver_query_build(uint8_t *buf, size_t cap, uint16_t id, const struct fata_dns_name *name,
		uint16_t type, uint16_t udp_size);

/*
 * Classifies the response `msg` to the query (`id`, `name`, `type`).
 * `max_cnames` bounds the chain inside the message; a longer one is
 * FATA_ELIMIT. Returns 0 with `out` filled, or FATA_ELIMIT, FATA_ENOMEM.
 */
int resolver_reply_parse(const uint8_t *msg, size_t len, uint16_t id,
		const struct fata_dns_name *name, uint16_t type, unsigned max_cnames,
		uint32_t max_negative_ttl, struct reply *out);

/* Allocates an answer with room for `count` records of `bytes` rdata in all. */
struct fata_dns_answer *resolver_answer_new(size_t count, size_t bytes);

/* Returns a copy of `answer`, or NULL when out of memory. */
struct fata_dns_answer *resolver_answer_clone(const struct fata_dns_answer *answer);

/* The answer cache: fixed slots, expired or oldest entries replaced first. */
struct cache_entry {
	struct fata_dns_name name; /* lowercase */
	uint16_t type;
	uint64_t stored_ns;
	uint64_t expires_ns;
	struct fata_dns_answer *answer;
};

struct resolver_cache {
	struct cache_entry *entries;
	size_t count;
};

int resolver_cache_init(struct resolver_cache *c, size_t entries);
void resolver_cache_free(struct resolver_cache *c);
void resolver_cache_flush(struct resolver_cache *c);
/* Returns a copy of a live entry with its remaining TTL, or NULL. */
struct fata_dns_answer *resolver_cache_get(struct resolver_cache *c, const struct fata_dns_name *name,
		uint16_t type, uint64_t now_ns);
/* Stores a copy of `answer` for `ttl` seconds; a TTL of 0 stores nothing. */
void resolver_cache_put(struct resolver_cache *c, const struct fata_dns_answer *answer,
		uint32_t ttl, uint64_t now_ns);

#endif

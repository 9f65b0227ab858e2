/*
 * Internals of the authoritative server, shared by the server_*.c files.
 */
#ifndef DNS_SERVER_INTERNAL_H
#define DNS_SERVER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <fata/counter.h>
#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/dns_zone.h>
#include <fata/loop.h>
#include <fata/stack.h>

#include "tcp_frame.h"

struct server_secondary;
struct server_conn;
struct notify_job;
struct journal_diff;

/*
 * The differences between a zone's recent versions, oldest first, for
 * IXFR (RFC 1995). See server_journal.c for the invariants.
 */
struct server_journal {
	struct journal_diff *oldest;
	struct journal_diff *newest;
	size_t count;   /* differences */
	size_t records; /* records of all differences, both SOAs of each included */
};

/* One zone the server answers for. */
struct server_zone {
	struct fata_dns_name origin;
	/* The current version; NULL for a secondary before its first transfer. */
	struct fata_dns_zone *zone;
	struct server_secondary *secondary; /* NULL for a primary zone */
	struct server_journal journal;
};

/* A transfer rule; see fata_dns_server_allow_transfer(). */
struct transfer_rule {
	int any_addr;
	struct fata_ipaddr addr;
	int any_key;
	struct fata_dns_name key;
};

/* A NOTIFY target: address and optional key. */
struct notify_target {
	struct fata_sockaddr addr;
	int has_key;
	struct fata_dns_name key;
};

struct fata_dns_server {
	struct fata_loop *loop;
	struct fata_dns_server_config config;
	struct fata_dns_server_stats stats;
	/* Publishes `stats` for --stats and other counter dumps. */
	struct fata_counter_group counters;

	struct server_zone *zones;
	size_t nzones;
	struct fata_dns_tsig_key *keys;
	size_t nkeys;
	struct transfer_rule *rules;
	size_t nrules;
	struct notify_target *targets;
	size_t ntargets;

	/* The network side, after fata_dns_server_start(). */
	struct fata_stack *stack;
	struct fata_datagram *udp;
	struct fata_listener *listener;
	struct fata_promise *udp_recv;
	struct fata_sockaddr udp_from;
	struct fata_promise *accept;
	struct server_conn *conns;
	uint32_t nconns;
	struct notify_job *jobs;
	int started;
	/* Scratch for one UDP response. */
	uint8_t udp_out[FATA_DNS_MSG_MAX];
};

/* A parsed request. */
struct request {
	const uint8_t *msg;
	size_t len;
	struct fata_dns_header header;
	unsigned opcode;
	struct fata_dns_question q;
	int has_question;
	int has_edns;
	struct fata_dns_edns edns;
	int has_tsig;
	struct fata_dns_tsig_record tsig;
	const struct fata_dns_tsig_key *key; /* the verified key, or NULL */
	const struct fata_sockaddr *client;
	int tcp;
};

/* A response being built. */
struct response {
	struct fata_dns_builder b;
	unsigned rcode;  /* up to 12 bits with EDNS */
	int truncated;
};

/* ---- server.c ---- */

/* Returns the zone whose origin is the longest suffix of `name`, or NULL. */
struct server_zone *server_zone_for(struct fata_dns_server *srv, const struct fata_dns_name *name);
/* Returns the zone with exactly this origin, or NULL. */
struct server_zone *server_zone_exact(struct fata_dns_server *srv,
		const struct fata_dns_name *origin);
/* Returns the key with this name, or NULL. */
const struct fata_dns_tsig_key *server_key(const struct fata_dns_server *srv,
		const struct fata_dns_name *name);
/*
 * Replaces a zone's current version, dropping the old one, records the
 * difference in the zone's journal and notifies secondaries.
 */
void server_publish(struct fata_dns_server *srv, struct server_zone *sz,
		struct fata_dns_zone *zone);
/* Returns the wall-clock time in seconds. */
uint64_t server_now(const struct fata_dns_server *srv);

/* ---- server_request.c ---- */

/*
 * Parses and checks a request. Returns 0, FATA_ENOENT to drop it, or a
 * positive rcode to answer with (after the TSIG check where it applies).
 */
int request_parse(struct fata_dns_server *srv, struct request *req, const uint8_t *msg,
		size_t len, const struct fata_sockaddr *client, int tcp);
/* Starts a response to `req` in out[0 .. cap), with the question copied. */
void response_begin(const struct request *req, struct response *resp, uint8_t *out, size_t cap);
/* Finishes the response: rcode, OPT, TSIG. Returns its length. */
size_t response_end(struct fata_dns_server *srv, const struct request *req,
		struct response *resp);
/* Returns the largest response the request allows over its transport. */
size_t request_max_size(const struct fata_dns_server *srv, const struct request *req);

/* ---- server_query.c ---- */

/* Answers a standard query into `resp`. */
void query_answer(struct fata_dns_server *srv, const struct request *req, struct response *resp);

/* ---- server_update.c ---- */

/* Applies an UPDATE request (RFC 2136) and sets resp->rcode. */
void update_apply(struct fata_dns_server *srv, const struct request *req, struct response *resp);

/* ---- server_xfr.c ---- */

/* An outgoing zone transfer: the messages are produced one at a time. */
struct server_xfr;

/*
 * Checks a transfer request (AXFR or IXFR over TCP). Returns 0 with a new
 * transfer in `*out`, or a positive rcode to answer with.
 */
int xfr_start(struct fata_dns_server *srv, const struct request *req, struct server_xfr **out);
/*
 * Writes the next message into out[0 .. cap). Returns 1 when a message was
 * written and more follow, 0 when it was the last, or a negative error.
 */
int xfr_next(struct server_xfr *xfr, uint8_t *out, size_t cap, size_t *len);
void xfr_free(struct server_xfr *xfr);

/*
 * Answers an IXFR request received over UDP (RFC 1995 section 2) for the
 * zone `sz`. It writes the whole incremental answer when the client may
 * transfer the zone, the journal has a chain from its serial and the
 * answer fits in the response. Otherwise it writes the current SOA alone,
 * which tells the client to retry over TCP.
 */
void xfr_udp_answer(struct fata_dns_server *srv, const struct request *req,
		const struct server_zone *sz, struct response *resp);

/* ---- server_journal.c ---- */

/*
 * Records the difference from `old` (NULL when there was no version) to
 * `new` in the journal of `sz`, trimming the oldest differences to keep
 * config.journal_records. Some differences cannot be recorded: the journal
 * is off, there is no old version, the serial did not go up in RFC 1982
 * order, the difference alone is over the limit, or memory ran out. Then
 * the journal is emptied, so it never describes a version that is gone.
 */
void journal_record(const struct fata_dns_server *srv, struct server_zone *sz,
		const struct fata_dns_zone *old, const struct fata_dns_zone *new);
/* Drops every difference. Those a transfer still references stay until it ends. */
void journal_clear(struct server_journal *journal);
/*
 * Finds the differences that lead from serial `from` to serial `to` (the
 * current one) and stores them, oldest first and each with one reference
 * taken, in a new array `*out` of `*count` entries. Release it with
 * journal_chain_free(). Errors: FATA_ENOENT when the journal has no such
 * chain, FATA_ENOMEM.
 */
int journal_chain(const struct server_journal *journal, uint32_t from, uint32_t to,
		struct journal_diff ***out, size_t *count);
void journal_chain_free(struct journal_diff **chain, size_t count);
/*
 * Reads the record at byte offset `pos` of `diff` into `rr`, whose rdata
 * then points into the difference. Returns the offset step to the next
 * record, or 0 when `pos` is at the end. The records come in RFC 1995
 * order: the old SOA, the deleted records, the new SOA, the added records.
 */
size_t journal_diff_read(const struct journal_diff *diff, size_t pos, struct fata_dns_rr *rr);
/* Returns the number of records of `diff`, both SOAs included. */
size_t journal_diff_records(const struct journal_diff *diff);
/* Returns the serial `diff` starts at. */
uint32_t journal_diff_from(const struct journal_diff *diff);
/* Returns the serial `diff` ends at. */
uint32_t journal_diff_to(const struct journal_diff *diff);
void journal_diff_unref(struct journal_diff *diff);

/* ---- server_notify.c ---- */

/* Queues NOTIFY for `sz` to every target. */
void notify_zone(struct fata_dns_server *srv, struct server_zone *sz);
/* Handles a NOTIFY response received on the UDP socket. */
void notify_response(struct fata_dns_server *srv, const uint8_t *msg, size_t len,
		const struct fata_sockaddr *from);
/* Handles a NOTIFY request (RFC 1996 section 3.7) and sets resp->rcode. */
void notify_request(struct fata_dns_server *srv, const struct request *req, struct response *resp);
void notify_cancel_all(struct fata_dns_server *srv);

/* ---- server_secondary.c ---- */

int secondary_new(struct fata_dns_server *srv, struct server_zone *sz,
		const struct fata_sockaddr *primary, const struct fata_dns_tsig_key *key);
void secondary_start(struct fata_dns_server *srv, struct server_zone *sz);
/* Starts a refresh now, because the primary sent NOTIFY. */
void secondary_notified(struct fata_dns_server *srv, struct server_zone *sz);
/* Returns 1 when `addr` is the primary of the secondary zone `sz`. */
int secondary_is_primary(const struct server_zone *sz, const struct fata_ipaddr *addr);
void secondary_free(struct fata_dns_server *srv, struct server_zone *sz);

/* ---- server_net.c ---- */

void net_stop(struct fata_dns_server *srv);
/* Sends `len` bytes as a datagram from the server's UDP socket. */
int net_udp_send(struct fata_dns_server *srv, const struct fata_sockaddr *to, const uint8_t *msg,
		size_t len);

#endif

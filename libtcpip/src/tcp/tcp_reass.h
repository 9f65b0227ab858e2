/*
 * The receiver's reassembly queue: segments that arrived above RCV.NXT,
 * held until the gap below them fills (RFC 9293 section 3.10.7.4, "seventh,
 * process the segment text"). Overlaps are trimmed on insert, so the queue
 * contains every received byte once. The queue also yields the SACK blocks the
 * receiver reports (RFC 2018 section 4).
 */
#ifndef TCP_REASS_H
#define TCP_REASS_H

#include <stdint.h>

#include <fata/buf.h>

#include "tcp_viewq.h"
#include "tcp_wire.h"

/* Pieces held at most, whatever their size. */
#define TCP_REASS_MAX_PIECES 1024

/* One stored run of bytes. */
struct tcp_reass_piece {
	uint32_t seq;
	struct fata_view data; /* owned */
	uint32_t stamp;        /* arrival order, for SACK block order */
};

/* The out-of-order pieces of one connection. */
struct tcp_reass {
	struct tcp_reass_piece *pieces; /* sorted by seq, disjoint */
	uint32_t count;
	uint32_t cap;
	uint32_t bytes;     /* payload bytes held */
	uint32_t max_bytes; /* memory limit */
	uint32_t stamp;     /* next arrival stamp */
};

/* Prepares an empty queue that keeps at most `max_bytes` payload bytes. */
void tcp_reass_init(struct tcp_reass *r, uint32_t max_bytes);

/* Releases every piece. */
void tcp_reass_free(struct tcp_reass *r);

/*
 * Stores the parts of `data` (borrowed, sequence number `seq`) that the
 * queue does not hold yet, taking references. Returns the bytes stored,
 * which are fewer than offered when the memory or piece limit is reached.
 */
uint32_t tcp_reass_insert(struct tcp_reass *r, uint32_t seq, struct fata_view data);

/*
 * Moves every byte now in order at `*rcv_nxt` to `out`, advancing
 * `*rcv_nxt`, and drops pieces wholly below it. Returns the bytes moved.
 * Errors: FATA_ENOMEM from the queue (the piece stays held).
 */
int tcp_reass_pop(struct tcp_reass *r, uint32_t *rcv_nxt, struct tcp_viewq *out);

/*
 * Stores up to `max` SACK blocks describing the held data: the block with
 * the most recent arrival first, then the others from most to least
 * recent. Returns the number stored.
 */
unsigned tcp_reass_sack_blocks(const struct tcp_reass *r, struct tcp_sack_block *out,
		unsigned max);

#endif

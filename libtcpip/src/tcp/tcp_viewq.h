/*
 * A queue of owned buffer views: the send buffer (data written but not yet
 * acknowledged) and the receive queue (data in order, not yet read). Bytes
 * are addressed by their offset from the front of the queue.
 */
#ifndef TCP_VIEWQ_H
#define TCP_VIEWQ_H

#include <stdint.h>

#include <fata/buf.h>

/* The queue; `items` is a ring of owned views. */
struct tcp_viewq {
	struct fata_view *items; /* ring of `cap` slots */
	uint32_t head;
	uint32_t count;
	uint32_t cap;
	uint32_t bytes; /* sum of the views' lengths */
	/* Set while the last view is a block this queue allocated for copies. */
	int tail_owned;
};

/* Prepares an empty queue; it allocates on the first push. */
void tcp_viewq_init(struct tcp_viewq *q);

/* Releases every view and the ring. */
void tcp_viewq_free(struct tcp_viewq *q);

/*
 * Appends the owned view `v`; the queue takes its reference. A zero-length
 * view is released. Errors: FATA_ENOMEM (the caller still owns `v`).
 */
int tcp_viewq_push(struct tcp_viewq *q, struct fata_view v);

/*
 * Copies `len` bytes from `data` to the end of the queue, into the tail
 * room of the last view when the queue allocated that block itself, or
 * else into a new block of at least `block_size` bytes. Used for small
 * writes, so the queue does not fill up with tiny views.
 * Errors: FATA_ENOMEM.
 */
int tcp_viewq_append_copy(struct tcp_viewq *q, const uint8_t *data, uint32_t len,
		uint32_t block_size);

/* Removes the first view and stores it (owned) in `out`; returns 0 when empty. */
int tcp_viewq_pop(struct tcp_viewq *q, struct fata_view *out);

/* Drops `n` bytes from the front (n at most q->bytes). */
void tcp_viewq_drop(struct tcp_viewq *q, uint32_t n);

/*
 * Appends to `chain` owned views of the `len` bytes starting `offset` bytes
 * into the queue, using at most `max_views` views. When more would be
 * needed, the bytes are copied into one new view instead.
 * Errors: FATA_ERANGE when the range leaves the queue, FATA_ENOMEM.
 */
int tcp_viewq_gather(const struct tcp_viewq *q, uint32_t offset, uint32_t len,
		struct fata_chain *chain, uint32_t max_views);

#endif

/*
 * The ring logic of the Xen network frontend, without I/O: it fills and
 * drains the shared transmit and receive rings of io/netif.h, and tells the
 * caller when the backend must be notified. It makes no hypercall and grants
 * nothing itself: the caller hands it the ring pages and, for each of the
 * 256 slots of each ring, a buffer page and the grant reference that already
 * gives the backend access to it (read-only for transmit, writable for
 * receive, with request-rx-copy). The same file therefore builds for the Xen
 * image and for the POSIX tests, where a netback model stands behind shared
 * memory.
 *
 * Invariants:
 * - Transmit: a request carries an id from a free list; the id names the
 *   buffer page and stays busy until the backend's response for it is
 *   consumed, in whatever order responses arrive.
 * - Receive: the request in ring index k always uses buffer k mod 256, and
 *   the backend answers in the same ring index (io/netif.h requires it), so
 *   a consumed response frees exactly the buffer that is posted again at
 *   index k + 256. All 256 buffers are posted whenever none is being read.
 * - Notifications follow the req_event/rsp_event protocol of io/ring.h: the
 *   backend is notified only when it asked to be, and the frontend re-arms
 *   rsp_event before it stops looking at a ring.
 */
#ifndef FATA_XEN_NETFRONT_RING_H
#define FATA_XEN_NETFRONT_RING_H

#include <stdint.h>

#include <fata/buf.h>

#include "xen_abi.h"

/* Counters of the ring logic; the netif's own counters count frames. */
struct netfront_ring_stats {
	uint64_t tx_slots;        /* transmit requests written */
	uint64_t tx_ring_full;    /* frames refused because too few slots were free */
	uint64_t tx_rsp_errors;   /* responses with NETIF_RSP_ERROR or _DROPPED */
	uint64_t tx_bad_rsp;      /* responses naming an id that is not in flight */
	uint64_t rx_slots;        /* receive responses consumed */
	uint64_t rx_frames;       /* frames assembled and delivered */
	uint64_t rx_multi_slot;   /* delivered frames that spanned several slots */
	uint64_t rx_rsp_errors;   /* frames dropped because a slot reported an error */
	uint64_t rx_bad_rsp;      /* frames dropped for an invalid offset, size or id */
	uint64_t rx_oversize;     /* frames dropped for exceeding the maximum length */
	uint64_t rx_nomem;        /* frames dropped because no buffer could be allocated */
	uint64_t rx_extra_info;   /* extra-info slots skipped */
	uint64_t notify_tx;       /* transmit pushes that needed a notification */
	uint64_t notify_rx;       /* receive refills that needed a notification */
};

/* The state of both rings; the caller owns the structure and every page. */
struct netfront_rings {
	struct xen_netif_tx_sring *tx;
	struct xen_netif_rx_sring *rx;

	uint32_t tx_req_prod_pvt;
	uint32_t tx_rsp_cons;
	uint32_t rx_req_prod_pvt;
	uint32_t rx_rsp_cons;

	uint8_t *tx_pages[XEN_NETIF_RING_SIZE];
	uint32_t tx_grefs[XEN_NETIF_RING_SIZE];
	uint8_t *rx_pages[XEN_NETIF_RING_SIZE];
	uint32_t rx_grefs[XEN_NETIF_RING_SIZE];

	/* Free transmit ids, used as a stack, and which ids are in flight. */
	uint16_t tx_free[XEN_NETIF_RING_SIZE];
	uint32_t tx_free_count;
	uint8_t tx_in_flight[XEN_NETIF_RING_SIZE];

	/* Nonzero when the backend accepts packets of several slots (feature-sg). */
	int tx_multi_slot;
	/* Longest frame accepted on receive, Ethernet header included. */
	uint32_t rx_max_len;

	struct netfront_ring_stats stats;
};

/*
 * Prepares `r` over the zeroed-or-not ring pages `tx_sring` and `rx_sring`
 * (each one page, initialised here as io/ring.h's SHARED_RING_INIT does) and
 * the buffer pages and grant references of the 256 slots of each ring, which
 * are copied. `rx_max_len` bounds received frames. Posts no receive buffer
 * yet: call netfront_rx_fill().
 */
void netfront_rings_init(struct netfront_rings *r, void *tx_sring, void *rx_sring,
		uint8_t *const tx_pages[], const uint32_t tx_grefs[],
		uint8_t *const rx_pages[], const uint32_t rx_grefs[], uint32_t rx_max_len);

/*
 * Posts every free receive buffer to the backend. Returns 1 when the
 * backend must be notified, else 0.
 */
int netfront_rx_fill(struct netfront_rings *r);

/*
 * Copies the frame in `frame` (borrowed) into transmit buffers and queues
 * it: one slot per 4096 bytes of each view when the backend takes packets
 * of several slots, else one slot for the whole frame. Reclaims finished
 * slots first. Stores in `*notify` whether the backend must be notified.
 * Errors: FATA_EAGAIN when too few slots are free (nothing is queued),
 * FATA_EMSGSIZE when the frame cannot be expressed in the ring (longer than
 * 65535 bytes, or longer than a page for a backend without feature-sg).
 */
int netfront_tx_frame(struct netfront_rings *r, const struct fata_chain *frame, int *notify);

/*
 * Consumes the transmit responses the backend has produced, freeing their
 * ids, and re-arms the response event. Returns the number consumed.
 */
unsigned netfront_tx_complete(struct netfront_rings *r);

/*
 * Consumes every complete received frame: copies its slots into a new
 * buffer with FATA_NETIF_HEADROOM bytes of headroom and calls
 * `deliver(arg, frame)`, which takes the owned view. Frames with errors or
 * invalid responses are dropped and counted. Reposts the consumed buffers
 * and re-arms the response event. A frame whose last slot has not arrived
 * yet stays in the ring for the next call. Stores in `*notify` whether the
 * backend must be notified of the reposted buffers. Returns the number of
 * frames delivered.
 */
unsigned netfront_rx_poll(struct netfront_rings *r,
		void (*deliver)(void *arg, struct fata_view frame), void *arg, int *notify);

/* Returns the number of transmit ids free now. */
uint32_t netfront_tx_free_slots(const struct netfront_rings *r);

#endif

/*
 * The netfront rings without I/O; see netfront_ring.h for the invariants.
 *
 * Everything the backend writes is read once, through a volatile copy,
 * and checked before use: a response may name an id, an offset or a size,
 * and none of them may make the frontend touch memory outside the buffer
 * of that slot.
 */
#include <stdint.h>
#include <string.h>

#include <fata/buf.h>
#include <fata/error.h>
#include <fata/netif.h>

#include "netfront_ring.h"

#define RING_MASK (XEN_NETIF_RING_SIZE - 1)

/* Largest packet a transmit request can describe: its size field has 16 bits. */
#define TX_MAX_PACKET 0xFFFFu

/*
 * Slots a received frame may span, extra-info slots included, before it is
 * treated as malformed. A 64 KiB packet needs 17 data slots.
 */
#define RX_MAX_SLOTS 32

/*
 * io/ring.h's RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publish the requests
 * after their contents, then read req_event only after the new producer
 * index is visible, so the backend either sees the requests or asks to be
 * notified of them. Returns 1 when a notification is needed.
 */
static int push_requests(struct xen_sring_header *h, uint32_t new_prod)
{
	uint32_t old_prod = __atomic_load_n(&h->req_prod, __ATOMIC_RELAXED);

	__atomic_store_n(&h->req_prod, new_prod, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	uint32_t event = __atomic_load_n(&h->req_event, __ATOMIC_RELAXED);
	return (uint32_t)(new_prod - event) < (uint32_t)(new_prod - old_prod);
}

/*
 * Asks the backend for a notification once it produces a response past
 * `seen`, then looks again, so a response that raced with the request is
 * not missed (RING_FINAL_CHECK_FOR_RESPONSES). Returns 1 when responses
 * beyond `seen` exist.
 */
static int rearm_responses(struct xen_sring_header *h, uint32_t seen)
{
	__atomic_store_n(&h->rsp_event, seen + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&h->rsp_prod, __ATOMIC_ACQUIRE) != seen;
}

static void init_sring(struct xen_sring_header *h)
{
	memset(h, 0, sizeof(*h));
	h->req_event = 1;
	h->rsp_event = 1;
}

void netfront_rings_init(struct netfront_rings *r, void *tx_sring, void *rx_sring,
		uint8_t *const tx_pages[], const uint32_t tx_grefs[],
		uint8_t *const rx_pages[], const uint32_t rx_grefs[], uint32_t rx_max_len)
{
	memset(r, 0, sizeof(*r));
	r->tx = tx_sring;
	r->rx = rx_sring;
	init_sring(&r->tx->hdr);
	init_sring(&r->rx->hdr);

	for (uint32_t i = 0; i < XEN_NETIF_RING_SIZE; i++) {
		r->tx_pages[i] = tx_pages[i];
		r->tx_grefs[i] = tx_grefs[i];
		r->rx_pages[i] = rx_pages[i];
		r->rx_grefs[i] = rx_grefs[i];
		/* Hand out low ids first, which keeps traces easy to read. */
		r->tx_free[i] = (uint16_t)(XEN_NETIF_RING_SIZE - 1 - i);
	}
	r->tx_free_count = XEN_NETIF_RING_SIZE;
	r->tx_multi_slot = 1;
	r->rx_max_len = rx_max_len;
}

uint32_t netfront_tx_free_slots(const struct netfront_rings *r)
{
	return r->tx_free_count;
}

/* ---- transmit ---- */

/* Slots `frame` takes with one slot per page-sized piece of each view. */
static uint32_t scatter_slots(const struct fata_chain *frame)
{
	uint32_t slots = 0;

	for (uint32_t i = 0; i < frame->count; i++)
		slots += (frame->views[i].len + XEN_PAGE_SIZE - 1) / XEN_PAGE_SIZE;
	return slots;
}

/* Writes one request for `len` bytes already copied into the page of a fresh id. */
static void put_tx_request(struct netfront_rings *r, uint16_t id, uint16_t size, uint16_t flags)
{
	struct xen_netif_tx_request req = {
		.gref = r->tx_grefs[id],
		.offset = 0,
		.flags = flags,
		.id = id,
		.size = size,
	};

	r->tx->ring[r->tx_req_prod_pvt & RING_MASK].req = req;
	r->tx_req_prod_pvt++;
	r->stats.tx_slots++;
}

static uint16_t take_tx_id(struct netfront_rings *r)
{
	uint16_t id = r->tx_free[--r->tx_free_count];

	r->tx_in_flight[id] = 1;
	return id;
}

/* Queues the whole frame in one slot (a backend without feature-sg). */
static void queue_single(struct netfront_rings *r, const struct fata_chain *frame)
{
	uint16_t id = take_tx_id(r);

	fata_chain_copy_out(frame, 0, r->tx_pages[id], frame->len);
	put_tx_request(r, id, (uint16_t)frame->len, 0);
}

/*
 * Queues one slot per page-sized piece of each view. The first request
 * carries the packet's total size and every request but the last has
 * NETTXF_more_data (io/netif.h, "Guest transmit").
 */
static void queue_scattered(struct netfront_rings *r, const struct fata_chain *frame,
		uint32_t slots)
{
	uint32_t written = 0;

	for (uint32_t v = 0; v < frame->count; v++) {
		struct fata_view view = frame->views[v];
		const uint8_t *data = fata_view_data(view);

		for (uint32_t off = 0; off < view.len; off += XEN_PAGE_SIZE) {
			uint32_t piece = view.len - off;
			if (piece > XEN_PAGE_SIZE)
				piece = XEN_PAGE_SIZE;

			uint16_t id = take_tx_id(r);
			memcpy(r->tx_pages[id], data + off, piece);

			written++;
			uint16_t size = (uint16_t)(written == 1 ? frame->len : piece);
			uint16_t flags = (uint16_t)(written < slots ? XEN_NETTXF_MORE_DATA : 0);
			put_tx_request(r, id, size, flags);
		}
	}
}

int netfront_tx_frame(struct netfront_rings *r, const struct fata_chain *frame, int *notify)
{
	*notify = 0;

	if (frame->len == 0 || frame->len > TX_MAX_PACKET)
		return FATA_EMSGSIZE;

	/* Gather into one slot when the backend cannot take more, or the views are too many. */
	uint32_t slots = scatter_slots(frame);
	int single = !r->tx_multi_slot || slots > XEN_NETIF_NR_SLOTS_MIN;
	if (single) {
		if (frame->len > XEN_PAGE_SIZE)
			return FATA_EMSGSIZE;
		slots = 1;
	}

	if (r->tx_free_count < slots)
		netfront_tx_complete(r);
	if (r->tx_free_count < slots) {
		r->stats.tx_ring_full++;
		return FATA_EAGAIN;
	}

	if (single)
		queue_single(r, frame);
	else
		queue_scattered(r, frame, slots);

	*notify = push_requests(&r->tx->hdr, r->tx_req_prod_pvt);
	if (*notify)
		r->stats.notify_tx++;
	return FATA_OK;
}

/* Frees the id of one response, or counts it when it names no request in flight. */
static void retire_tx_response(struct netfront_rings *r, uint32_t index)
{
	const volatile struct xen_netif_tx_response *shared = &r->tx->ring[index & RING_MASK].rsp;
	uint16_t id = shared->id;
	int16_t status = shared->status;

	if (id >= XEN_NETIF_RING_SIZE || !r->tx_in_flight[id] || status == XEN_NETIF_RSP_NULL) {
		r->stats.tx_bad_rsp++;
		return;
	}
	if (status < 0)
		r->stats.tx_rsp_errors++;

	r->tx_in_flight[id] = 0;
	r->tx_free[r->tx_free_count++] = id;
}

unsigned netfront_tx_complete(struct netfront_rings *r)
{
	unsigned consumed = 0;
	uint32_t prod;

	do {
		prod = __atomic_load_n(&r->tx->hdr.rsp_prod, __ATOMIC_ACQUIRE);

		/* A producer index past our requests is a broken backend: read nothing. */
		if ((uint32_t)(prod - r->tx_rsp_cons) > (uint32_t)(r->tx_req_prod_pvt - r->tx_rsp_cons)) {
			r->stats.tx_bad_rsp++;
			return consumed;
		}

		for (; r->tx_rsp_cons != prod; r->tx_rsp_cons++) {
			retire_tx_response(r, r->tx_rsp_cons);
			consumed++;
		}
	} while (rearm_responses(&r->tx->hdr, prod));

	return consumed;
}

/* ---- receive ---- */

int netfront_rx_fill(struct netfront_rings *r)
{
	uint32_t start = r->rx_req_prod_pvt;

	/* Buffer k mod 256 belongs to ring index k; see the header's invariants. */
	while ((uint32_t)(r->rx_req_prod_pvt - r->rx_rsp_cons) < XEN_NETIF_RING_SIZE) {
		uint32_t index = r->rx_req_prod_pvt;
		struct xen_netif_rx_request req = {
			.id = (uint16_t)(index & RING_MASK),
			.pad = 0,
			.gref = r->rx_grefs[index & RING_MASK],
		};

		r->rx->ring[index & RING_MASK].req = req;
		r->rx_req_prod_pvt++;
	}

	if (r->rx_req_prod_pvt == start)
		return 0;

	int notify = push_requests(&r->rx->hdr, r->rx_req_prod_pvt);
	if (notify)
		r->stats.notify_rx++;
	return notify;
}

/* One slot of a received frame as read from the ring. */
struct rx_slot {
	struct xen_netif_rx_response rsp;
	int extra; /* an extra-info slot, which carries no data */
};

/* The slots of one frame, copied out of the ring. */
struct rx_frame {
	struct rx_slot slots[RX_MAX_SLOTS];
	uint32_t count;
	uint32_t first; /* ring index of slots[0] */
};

enum extent_result {
	EXTENT_COMPLETE,
	EXTENT_INCOMPLETE, /* the frame's last slot has not been produced yet */
	EXTENT_TOO_LONG,   /* RX_MAX_SLOTS slots without an end: malformed */
};

/*
 * Copies the slots of the frame starting at ring index `cons` into `f`,
 * up to `prod`. A data slot with NETRXF_extra_info is followed by
 * extra-info slots, chained by XEN_NETIF_EXTRA_FLAG_MORE; a data slot with
 * NETRXF_more_data by the next data slot (io/netif.h, "Guest receive").
 */
static enum extent_result read_extent(const struct netfront_rings *r, uint32_t cons,
		uint32_t prod, struct rx_frame *f)
{
	int extra_follows = 0;
	int data_follows = 1;

	f->count = 0;
	f->first = cons;

	for (uint32_t i = cons; i != prod; i++) {
		if (f->count == RX_MAX_SLOTS)
			return EXTENT_TOO_LONG;

		const volatile union xen_netif_rx_entry *shared = &r->rx->ring[i & RING_MASK];
		struct rx_slot *slot = &f->slots[f->count++];

		slot->rsp.id = shared->rsp.id;
		slot->rsp.offset = shared->rsp.offset;
		slot->rsp.flags = shared->rsp.flags;
		slot->rsp.status = shared->rsp.status;
		slot->extra = extra_follows;

		if (slot->extra) {
			/* The extra segment overlays id and offset: type, then flags. */
			uint8_t extra_flags = shared->extra.flags;
			extra_follows = (extra_flags & XEN_NETIF_EXTRA_FLAG_MORE) != 0;
		} else {
			extra_follows = (slot->rsp.flags & XEN_NETRXF_EXTRA_INFO) != 0;
			data_follows = (slot->rsp.flags & XEN_NETRXF_MORE_DATA) != 0;
		}

		if (!extra_follows && !data_follows)
			return EXTENT_COMPLETE;
	}
	return EXTENT_INCOMPLETE;
}

/*
 * Checks every data slot of `f` and sums the frame's length. Returns 0,
 * or a pointer to the counter that the drop must increase.
 */
static uint64_t *check_frame(struct netfront_rings *r, const struct rx_frame *f, uint32_t *len)
{
	uint32_t total = 0;

	for (uint32_t k = 0; k < f->count; k++) {
		const struct rx_slot *slot = &f->slots[k];

		if (slot->extra) {
			r->stats.rx_extra_info++;
			continue;
		}
		if (slot->rsp.status < 0)
			return &r->stats.rx_rsp_errors;
		if (slot->rsp.id != ((f->first + k) & RING_MASK))
			return &r->stats.rx_bad_rsp;
		if ((uint32_t)slot->rsp.offset + (uint32_t)slot->rsp.status > XEN_PAGE_SIZE)
			return &r->stats.rx_bad_rsp;
		total += (uint32_t)slot->rsp.status;
	}

	if (total < FATA_ETH_HLEN)
		return &r->stats.rx_bad_rsp;
	if (total > r->rx_max_len)
		return &r->stats.rx_oversize;
	*len = total;
	return 0;
}

/* Copies the checked frame `f` of `len` bytes into a new buffer and delivers it. */
static void deliver_frame(struct netfront_rings *r, const struct rx_frame *f, uint32_t len,
		void (*deliver)(void *arg, struct fata_view frame), void *arg)
{
	struct fata_view view;

	if (fata_buf_alloc(FATA_NETIF_HEADROOM, len, &view) < 0) {
		r->stats.rx_nomem++;
		return;
	}

	uint8_t *dst = fata_view_data(view);
	uint32_t data_slots = 0;
	for (uint32_t k = 0; k < f->count; k++) {
		const struct rx_slot *slot = &f->slots[k];
		if (slot->extra)
			continue;

		const uint8_t *page = r->rx_pages[(f->first + k) & RING_MASK];
		memcpy(dst, page + slot->rsp.offset, (size_t)slot->rsp.status);
		dst += slot->rsp.status;
		data_slots++;
	}

	r->stats.rx_frames++;
	if (data_slots > 1)
		r->stats.rx_multi_slot++;
	deliver(arg, view);
}

/* Consumes complete frames from `cons` up to `prod`; returns the new consumer index. */
static uint32_t consume_frames(struct netfront_rings *r, uint32_t cons, uint32_t prod,
		void (*deliver)(void *arg, struct fata_view frame), void *arg, unsigned *delivered)
{
	struct rx_frame frame;

	while (cons != prod) {
		enum extent_result extent = read_extent(r, cons, prod, &frame);
		if (extent == EXTENT_INCOMPLETE)
			break;

		r->stats.rx_slots += frame.count;
		if (extent == EXTENT_TOO_LONG) {
			r->stats.rx_bad_rsp++;
		} else {
			uint32_t len = 0;
			uint64_t *drop = check_frame(r, &frame, &len);

			if (drop) {
				(*drop)++;
			} else {
				deliver_frame(r, &frame, len, deliver, arg);
				(*delivered)++;
			}
		}
		cons += frame.count;
	}
	return cons;
}

unsigned netfront_rx_poll(struct netfront_rings *r,
		void (*deliver)(void *arg, struct fata_view frame), void *arg, int *notify)
{
	unsigned delivered = 0;
	uint32_t prod;

	*notify = 0;
	do {
		prod = __atomic_load_n(&r->rx->hdr.rsp_prod, __ATOMIC_ACQUIRE);

		/* Responses beyond the posted requests would read unposted slots. */
		if ((uint32_t)(prod - r->rx_rsp_cons) > (uint32_t)(r->rx_req_prod_pvt - r->rx_rsp_cons)) {
			r->stats.rx_bad_rsp++;
			break;
		}

		r->rx_rsp_cons = consume_frames(r, r->rx_rsp_cons, prod, deliver, arg, &delivered);
	} while (rearm_responses(&r->rx->hdr, prod));

	*notify = netfront_rx_fill(r);
	return delivered;
}

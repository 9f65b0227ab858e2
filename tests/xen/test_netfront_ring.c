/*
 * netfront's ring logic against a model of netback. Shared memory replaces
 * granted pages: a grant reference is an index into a table of pages that
 * both sides see. An eventfd per direction replaces the event channel: a
 * notification writes to it, and the tests read the count back. The
 * model follows io/netif.h from the backend's side, so the tests can make
 * it misbehave on purpose (bad ids, offsets, sizes, reordered responses).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include <fata/buf.h>
#include <fata/error.h>
#include <fata/netif.h>
#include <fata/sim.h>

#include "netfront_ring.h"

#define RING_SIZE XEN_NETIF_RING_SIZE
#define PAGE XEN_PAGE_SIZE
#define GREF_BASE 1000u
/* Pages: tx ring, rx ring, 256 transmit buffers, 256 receive buffers. */
#define PAGE_COUNT (2 + 2 * RING_SIZE)
#define MAX_FRAME 16384

/* The shared memory, the two sides and the notification counters. */
struct harness {
	uint8_t *memory;
	uint8_t *tx_pages[RING_SIZE];
	uint8_t *rx_pages[RING_SIZE];
	uint32_t tx_grefs[RING_SIZE];
	uint32_t rx_grefs[RING_SIZE];
	struct netfront_rings front;
	int to_back;  /* eventfd the frontend signals */
	int to_front; /* eventfd the backend model signals */

	/* Backend model state. */
	uint32_t tx_req_cons, tx_rsp_prod_pvt;
	uint32_t rx_req_cons, rx_rsp_prod_pvt;
	uint16_t pending_ids[RING_SIZE];
	uint32_t pending_count;

	/* Frames the frontend delivered, copied. */
	uint8_t delivered[64][MAX_FRAME];
	uint32_t delivered_len[64];
	uint32_t delivered_headroom[64];
	uint32_t delivered_count;
};

static struct harness *h;

/* Resolves a grant reference as Xen would, to the page it names. */
static uint8_t *gref_page(uint32_t gref)
{
	ck_assert_uint_ge(gref, GREF_BASE);
	ck_assert_uint_lt(gref, GREF_BASE + PAGE_COUNT);
	return h->memory + (size_t)(gref - GREF_BASE) * PAGE;
}

static uint64_t read_count(int fd)
{
	uint64_t value = 0;

	if (read(fd, &value, sizeof(value)) != (ssize_t)sizeof(value))
		return 0;
	return value;
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(fd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

static void setup(void)
{
	h = calloc(1, sizeof(*h));
	ck_assert_ptr_nonnull(h);

	h->memory = mmap(NULL, (size_t)PAGE_COUNT * PAGE, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(h->memory, MAP_FAILED);

	for (uint32_t i = 0; i < RING_SIZE; i++) {
		h->tx_pages[i] = h->memory + (size_t)(2 + i) * PAGE;
		h->tx_grefs[i] = GREF_BASE + 2 + i;
		h->rx_pages[i] = h->memory + (size_t)(2 + RING_SIZE + i) * PAGE;
		h->rx_grefs[i] = GREF_BASE + 2 + RING_SIZE + i;
	}

	h->to_back = eventfd(0, EFD_NONBLOCK);
	h->to_front = eventfd(0, EFD_NONBLOCK);
	ck_assert_int_ge(h->to_back, 0);
	ck_assert_int_ge(h->to_front, 0);

	netfront_rings_init(&h->front, h->memory, h->memory + PAGE, h->tx_pages, h->tx_grefs,
			h->rx_pages, h->rx_grefs, 9018);
}

static void teardown(void)
{
	close(h->to_back);
	close(h->to_front);
	munmap(h->memory, (size_t)PAGE_COUNT * PAGE);
	free(h);
	h = NULL;
}

/* ---- frontend actions, notifying through the eventfd as the driver does ---- */

static void front_fill(void)
{
	if (netfront_rx_fill(&h->front))
		signal_fd(h->to_back);
}

static int front_send_views(const uint32_t *lens, uint32_t count, uint8_t seed)
{
	struct fata_chain chain;
	uint8_t value = seed;

	fata_chain_init(&chain);
	for (uint32_t i = 0; i < count; i++) {
		struct fata_view v;

		ck_assert_int_eq(fata_buf_alloc(FATA_NETIF_HEADROOM, lens[i], &v), 0);
		for (uint32_t k = 0; k < lens[i]; k++)
			fata_view_data(v)[k] = value++;
		ck_assert_int_eq(fata_chain_append(&chain, v), 0);
	}

	int notify = 0;
	int rc = netfront_tx_frame(&h->front, &chain, &notify);
	fata_chain_release(&chain);
	if (notify)
		signal_fd(h->to_back);
	return rc;
}

static int front_send(uint32_t len, uint8_t seed)
{
	return front_send_views(&len, 1, seed);
}

static void record_frame(void *arg, struct fata_view frame)
{
	(void)arg;
	ck_assert_uint_lt(h->delivered_count, 64);
	ck_assert_uint_le(frame.len, MAX_FRAME);

	memcpy(h->delivered[h->delivered_count], fata_view_data(frame), frame.len);
	h->delivered_len[h->delivered_count] = frame.len;
	h->delivered_headroom[h->delivered_count] = (uint32_t)fata_view_headroom(frame);
	h->delivered_count++;
	fata_view_release(&frame);
}

static unsigned front_poll(void)
{
	int notify = 0;
	unsigned n = netfront_rx_poll(&h->front, record_frame, NULL, &notify);

	if (notify)
		signal_fd(h->to_back);
	return n;
}

/* ---- the netback model ---- */

/* Publishes responses and notifies when the frontend asked (io/ring.h). */
static void back_push_tx(void)
{
	struct xen_sring_header *hdr = &h->front.tx->hdr;
	uint32_t old = hdr->rsp_prod;
	uint32_t new_prod = h->tx_rsp_prod_pvt;

	__atomic_store_n(&hdr->rsp_prod, new_prod, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if ((uint32_t)(new_prod - hdr->rsp_event) < (uint32_t)(new_prod - old))
		signal_fd(h->to_front);
}

static void back_push_rx(void)
{
	struct xen_sring_header *hdr = &h->front.rx->hdr;
	uint32_t old = hdr->rsp_prod;
	uint32_t new_prod = h->rx_rsp_prod_pvt;

	__atomic_store_n(&hdr->rsp_prod, new_prod, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if ((uint32_t)(new_prod - hdr->rsp_event) < (uint32_t)(new_prod - old))
		signal_fd(h->to_front);
}

/*
 * Takes one packet from the transmit ring into `out`; stores its length and
 * remembers its request ids for back_respond_tx(). Returns the slots used,
 * or 0 when no complete packet is queued.
 */
static uint32_t back_take_tx(uint8_t *out, uint32_t *len)
{
	uint32_t prod = __atomic_load_n(&h->front.tx->hdr.req_prod, __ATOMIC_ACQUIRE);
	uint32_t cons = h->tx_req_cons;
	uint32_t slots = 0;

	/* The packet ends at the first request without NETTXF_more_data. */
	for (;;) {
		if (cons + slots == prod)
			return 0;
		uint16_t flags = h->front.tx->ring[(cons + slots) % RING_SIZE].req.flags;
		slots++;
		if (!(flags & XEN_NETTXF_MORE_DATA))
			break;
	}

	/* The first request contains the total, so its own size is what the others leave. */
	uint32_t total = h->front.tx->ring[cons % RING_SIZE].req.size;
	uint32_t rest = 0;
	for (uint32_t k = 1; k < slots; k++)
		rest += h->front.tx->ring[(cons + k) % RING_SIZE].req.size;
	ck_assert_uint_ge(total, rest);

	uint32_t got = 0;
	for (uint32_t k = 0; k < slots; k++) {
		struct xen_netif_tx_request req = h->front.tx->ring[(cons + k) % RING_SIZE].req;
		uint32_t size = k == 0 ? total - rest : req.size;

		ck_assert_uint_le(req.offset + size, PAGE);
		memcpy(out + got, gref_page(req.gref) + req.offset, size);
		got += size;
		h->pending_ids[h->pending_count++] = req.id;
	}

	h->tx_req_cons += slots;
	*len = got;
	return slots;
}

/* Responds to the remembered transmit requests in the order `order` gives (NULL: as queued). */
static void back_respond_tx(const uint32_t *order, int16_t status)
{
	for (uint32_t k = 0; k < h->pending_count; k++) {
		uint16_t id = h->pending_ids[order ? order[k] : k];
		struct xen_netif_tx_response *rsp = &h->front.tx->ring[h->tx_rsp_prod_pvt % RING_SIZE].rsp;

		rsp->id = id;
		rsp->status = status;
		h->tx_rsp_prod_pvt++;
	}
	h->pending_count = 0;
	back_push_tx();
}

/* Writes one receive response in the next request's slot, as netback must. */
static void back_put_rx_slot(uint16_t offset, int16_t status, uint16_t flags, const uint8_t *data)
{
	uint32_t prod = __atomic_load_n(&h->front.rx->hdr.req_prod, __ATOMIC_ACQUIRE);
	ck_assert_uint_ne(h->rx_req_cons, prod);

	struct xen_netif_rx_request req = h->front.rx->ring[h->rx_req_cons % RING_SIZE].req;
	if (data && status > 0)
		memcpy(gref_page(req.gref) + offset, data, (size_t)status);

	struct xen_netif_rx_response rsp = {
		.id = req.id,
		.offset = offset,
		.flags = flags,
		.status = status,
	};
	h->front.rx->ring[h->rx_rsp_prod_pvt % RING_SIZE].rsp = rsp;
	h->rx_req_cons++;
	h->rx_rsp_prod_pvt++;
}

/* Delivers `len` bytes of `data` in slots of at most `slot` bytes at `offset` each. */
static void back_put_rx_frame(const uint8_t *data, uint32_t len, uint32_t slot, uint16_t offset)
{
	uint32_t done = 0;

	while (done < len) {
		uint32_t n = len - done < slot ? len - done : slot;
		uint16_t flags = done + n < len ? XEN_NETRXF_MORE_DATA : 0;

		back_put_rx_slot(offset, (int16_t)n, flags, data + done);
		done += n;
	}
	back_push_rx();
}

static void fill_pattern(uint8_t *data, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(seed + i);
}

/* ---- receive ---- */

START_TEST(rx_fill_posts_every_buffer)
{
	front_fill();

	ck_assert_uint_eq(h->front.rx->hdr.req_prod, RING_SIZE);
	ck_assert_uint_eq(read_count(h->to_back), 1);
	for (uint32_t i = 0; i < RING_SIZE; i++) {
		ck_assert_uint_eq(h->front.rx->ring[i].req.id, i);
		ck_assert_uint_eq(h->front.rx->ring[i].req.gref, h->rx_grefs[i]);
	}

	/* Nothing was consumed, so a second fill posts nothing and sends no notification. */
	front_fill();
	ck_assert_uint_eq(h->front.rx->hdr.req_prod, RING_SIZE);
	ck_assert_uint_eq(read_count(h->to_back), 0);
}
END_TEST

START_TEST(rx_single_slot_frame)
{
	uint8_t frame[60];

	front_fill();
	fill_pattern(frame, sizeof(frame), 7);
	back_put_rx_frame(frame, sizeof(frame), PAGE, 0);
	ck_assert_uint_eq(read_count(h->to_front), 1);

	ck_assert_uint_eq(front_poll(), 1);
	ck_assert_uint_eq(h->delivered_len[0], sizeof(frame));
	ck_assert_mem_eq(h->delivered[0], frame, sizeof(frame));
	ck_assert_uint_ge(h->delivered_headroom[0], FATA_NETIF_HEADROOM);

	/* The consumed buffer went back at ring index 256 with buffer 0. */
	ck_assert_uint_eq(h->front.rx->hdr.req_prod, RING_SIZE + 1);
	ck_assert_uint_eq(h->front.rx->ring[0].req.id, 0);
	ck_assert_uint_eq(h->front.stats.rx_frames, 1);
	ck_assert_uint_eq(h->front.stats.rx_multi_slot, 0);
}
END_TEST

START_TEST(rx_multi_slot_frame)
{
	static uint8_t frame[9000];

	front_fill();
	fill_pattern(frame, sizeof(frame), 3);
	back_put_rx_frame(frame, sizeof(frame), 4000, 96);

	ck_assert_uint_eq(front_poll(), 1);
	ck_assert_uint_eq(h->delivered_len[0], sizeof(frame));
	ck_assert_mem_eq(h->delivered[0], frame, sizeof(frame));
	ck_assert_uint_eq(h->front.stats.rx_multi_slot, 1);
	ck_assert_uint_eq(h->front.stats.rx_slots, 3);
	ck_assert_uint_eq(h->front.rx->hdr.req_prod, RING_SIZE + 3);
}
END_TEST

START_TEST(rx_incomplete_frame_waits)
{
	uint8_t part[1000];

	front_fill();
	fill_pattern(part, sizeof(part), 1);

	/* Two of three slots produced: nothing may be delivered yet. */
	back_put_rx_slot(0, 1000, XEN_NETRXF_MORE_DATA, part);
	back_put_rx_slot(0, 1000, XEN_NETRXF_MORE_DATA, part);
	back_push_rx();
	ck_assert_uint_eq(front_poll(), 0);
	ck_assert_uint_eq(h->front.rx->hdr.rsp_event, 3);
	read_count(h->to_front);

	/* The last slot arrives; the backend notifies because rsp_event asked for it. */
	back_put_rx_slot(0, 500, 0, part);
	back_push_rx();
	ck_assert_uint_eq(read_count(h->to_front), 1);
	ck_assert_uint_eq(front_poll(), 1);
	ck_assert_uint_eq(h->delivered_len[0], 2500);
}
END_TEST

START_TEST(rx_drops_bad_responses)
{
	uint8_t data[200];

	front_fill();
	fill_pattern(data, sizeof(data), 9);

	back_put_rx_slot(0, XEN_NETIF_RSP_ERROR, 0, NULL);       /* error status */
	back_put_rx_slot(4000, 200, 0, NULL);                      /* past the page */
	back_put_rx_slot(0, 10, 0, data);                          /* shorter than Ethernet */
	back_put_rx_slot(0, 60, 0, data);                          /* good */
	back_push_rx();

	ck_assert_uint_eq(front_poll(), 1);
	ck_assert_uint_eq(h->front.stats.rx_rsp_errors, 1);
	ck_assert_uint_eq(h->front.stats.rx_bad_rsp, 2);
	ck_assert_uint_eq(h->delivered_len[0], 60);

	/* Every consumed buffer is posted again, good or bad. */
	ck_assert_uint_eq(h->front.rx->hdr.req_prod, RING_SIZE + 4);
}
END_TEST

START_TEST(rx_drops_wrong_id)
{
	uint8_t data[60];

	front_fill();
	fill_pattern(data, sizeof(data), 2);
	back_put_rx_slot(0, 60, 0, data);
	h->front.rx->ring[0].rsp.id = 17;
	back_push_rx();

	ck_assert_uint_eq(front_poll(), 0);
	ck_assert_uint_eq(h->front.stats.rx_bad_rsp, 1);
}
END_TEST

START_TEST(rx_drops_oversize_frame)
{
	static uint8_t frame[12000];

	front_fill();
	fill_pattern(frame, sizeof(frame), 0);
	back_put_rx_frame(frame, sizeof(frame), PAGE, 0);

	ck_assert_uint_eq(front_poll(), 0);
	ck_assert_uint_eq(h->front.stats.rx_oversize, 1);
	ck_assert_uint_eq(h->front.rx->hdr.req_prod, RING_SIZE + 3);
}
END_TEST

START_TEST(rx_skips_extra_info)
{
	uint8_t data[100];

	front_fill();
	fill_pattern(data, sizeof(data), 5);

	/* A data slot announcing two extra-info segments, then the extras. */
	back_put_rx_slot(0, 100, XEN_NETRXF_EXTRA_INFO, data);
	back_put_rx_slot(0, 0, 0, NULL);
	back_put_rx_slot(0, 0, 0, NULL);
	h->front.rx->ring[1].extra.type = 1;
	h->front.rx->ring[1].extra.flags = XEN_NETIF_EXTRA_FLAG_MORE;
	h->front.rx->ring[2].extra.type = 1;
	h->front.rx->ring[2].extra.flags = 0;
	back_push_rx();

	ck_assert_uint_eq(front_poll(), 1);
	ck_assert_uint_eq(h->delivered_len[0], 100);
	ck_assert_mem_eq(h->delivered[0], data, 100);
	ck_assert_uint_eq(h->front.stats.rx_extra_info, 2);
}
END_TEST

START_TEST(rx_endless_frame_is_dropped)
{
	uint8_t data[64];

	front_fill();
	fill_pattern(data, sizeof(data), 4);

	/* 40 slots that all claim more data follow: malformed, not a wait forever. */
	for (int i = 0; i < 40; i++)
		back_put_rx_slot(0, 64, XEN_NETRXF_MORE_DATA, data);
	back_put_rx_slot(0, 64, 0, data);
	back_push_rx();
	front_poll();
	ck_assert_uint_ge(h->front.stats.rx_bad_rsp, 1);

	/* The ring still works afterwards. */
	back_put_rx_frame(data, sizeof(data), PAGE, 0);
	uint32_t before = h->delivered_count;
	front_poll();
	ck_assert_uint_eq(h->delivered_count, before + 1);
}
END_TEST

START_TEST(rx_rejects_producer_past_requests)
{
	front_fill();
	h->front.rx->hdr.rsp_prod = RING_SIZE + 5;

	ck_assert_uint_eq(front_poll(), 0);
	ck_assert_uint_eq(h->front.stats.rx_bad_rsp, 1);
	ck_assert_uint_eq(h->front.rx_rsp_cons, 0);
}
END_TEST

START_TEST(rx_ring_wraps_many_times)
{
	uint8_t frame[300];

	front_fill();
	for (uint32_t n = 0; n < 2000; n++) {
		fill_pattern(frame, sizeof(frame), (uint8_t)n);
		back_put_rx_frame(frame, 64 + n % 200, PAGE, (uint16_t)(n % 64));
		h->delivered_count = 0;
		ck_assert_uint_eq(front_poll(), 1);
		ck_assert_uint_eq(h->delivered_len[0], 64 + n % 200);
		ck_assert_mem_eq(h->delivered[0], frame, 64 + n % 200);
	}
	ck_assert_uint_eq(h->front.rx->hdr.req_prod, RING_SIZE + 2000);
}
END_TEST

/* ---- transmit ---- */

START_TEST(tx_single_slot_frame)
{
	static uint8_t got[MAX_FRAME];
	uint8_t expected[100];
	uint32_t len = 0;

	ck_assert_int_eq(front_send(100, 11), 0);
	ck_assert_uint_eq(read_count(h->to_back), 1);
	ck_assert_uint_eq(back_take_tx(got, &len), 1);
	fill_pattern(expected, sizeof(expected), 11);
	ck_assert_uint_eq(len, 100);
	ck_assert_mem_eq(got, expected, 100);
	ck_assert_uint_eq(netfront_tx_free_slots(&h->front), RING_SIZE - 1);

	back_respond_tx(NULL, XEN_NETIF_RSP_OKAY);
	ck_assert_uint_eq(netfront_tx_complete(&h->front), 1);
	ck_assert_uint_eq(netfront_tx_free_slots(&h->front), RING_SIZE);
}
END_TEST

START_TEST(tx_scatters_views_over_slots)
{
	static uint8_t got[MAX_FRAME], expected[MAX_FRAME];
	const uint32_t lens[] = { 14, 20, 5000 };
	uint32_t len = 0;

	ck_assert_int_eq(front_send_views(lens, 3, 1), 0);
	ck_assert_uint_eq(back_take_tx(got, &len), 4);
	ck_assert_uint_eq(len, 5034);
	fill_pattern(expected, 5034, 1);
	ck_assert_mem_eq(got, expected, 5034);

	/* The first request carries the whole packet's size, the others their own. */
	ck_assert_uint_eq(h->front.tx->ring[0].req.size, 5034);
	ck_assert_uint_eq(h->front.tx->ring[1].req.size, 20);
	ck_assert_uint_eq(h->front.tx->ring[2].req.size, 4096);
	ck_assert_uint_eq(h->front.tx->ring[3].req.size, 904);
	ck_assert_uint_eq(h->front.tx->ring[3].req.flags & XEN_NETTXF_MORE_DATA, 0);
}
END_TEST

START_TEST(tx_gathers_without_feature_sg)
{
	static uint8_t got[MAX_FRAME], expected[MAX_FRAME];
	const uint32_t lens[] = { 14, 20, 1400 };
	const uint32_t too_long[] = { 14, 4100 };
	uint32_t len = 0;

	h->front.tx_multi_slot = 0;
	ck_assert_int_eq(front_send_views(lens, 3, 6), 0);
	ck_assert_uint_eq(back_take_tx(got, &len), 1);
	fill_pattern(expected, 1434, 6);
	ck_assert_uint_eq(len, 1434);
	ck_assert_mem_eq(got, expected, 1434);

	ck_assert_int_eq(front_send_views(too_long, 2, 0), FATA_EMSGSIZE);
}
END_TEST

START_TEST(tx_rejects_bad_sizes)
{
	const uint32_t huge[] = { 40000, 40000 };

	ck_assert_int_eq(front_send_views(huge, 2, 0), FATA_EMSGSIZE);
	ck_assert_uint_eq(netfront_tx_free_slots(&h->front), RING_SIZE);
	ck_assert_uint_eq(h->front.tx->hdr.req_prod, 0);
}
END_TEST

START_TEST(tx_full_ring_refuses_then_recovers)
{
	static uint8_t got[MAX_FRAME];
	uint32_t len;

	for (uint32_t i = 0; i < RING_SIZE; i++)
		ck_assert_int_eq(front_send(60, (uint8_t)i), 0);
	ck_assert_int_eq(front_send(60, 0), FATA_EAGAIN);
	ck_assert_uint_eq(h->front.stats.tx_ring_full, 1);

	/* A multi-slot frame needs all its slots at once. */
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(back_take_tx(got, &len), 1);
	back_respond_tx(NULL, XEN_NETIF_RSP_OKAY);
	const uint32_t four_slots[] = { 4096, 4096, 4096, 100 };
	ck_assert_int_eq(front_send_views(four_slots, 4, 0), FATA_EAGAIN);
	ck_assert_int_eq(front_send_views(four_slots, 3, 0), 0);
	ck_assert_uint_eq(netfront_tx_free_slots(&h->front), 0);
}
END_TEST

START_TEST(tx_reordered_responses_free_every_id)
{
	static uint8_t got[MAX_FRAME];
	uint32_t order[RING_SIZE];
	uint32_t len;
	struct fata_rng rng;

	fata_rng_seed(&rng, 42);
	for (int round = 0; round < 20; round++) {
		uint32_t frames = 1 + (uint32_t)fata_rng_below(&rng, 100);

		for (uint32_t i = 0; i < frames; i++)
			ck_assert_int_eq(front_send(60 + i, (uint8_t)i), 0);
		for (uint32_t i = 0; i < frames; i++)
			ck_assert_uint_eq(back_take_tx(got, &len), 1);

		/* Respond in a random order (Fisher-Yates shuffle). */
		for (uint32_t i = 0; i < frames; i++)
			order[i] = i;
		for (uint32_t i = frames - 1; i > 0; i--) {
			uint32_t j = (uint32_t)fata_rng_below(&rng, i + 1);
			uint32_t t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		back_respond_tx(order, XEN_NETIF_RSP_OKAY);

		ck_assert_uint_eq(netfront_tx_complete(&h->front), frames);
		ck_assert_uint_eq(netfront_tx_free_slots(&h->front), RING_SIZE);
	}
	ck_assert_uint_eq(h->front.stats.tx_bad_rsp, 0);

	/* Every id is free and distinct: a full ring of sends succeeds again. */
	for (uint32_t i = 0; i < RING_SIZE; i++)
		ck_assert_int_eq(front_send(60, 0), 0);
}
END_TEST

/* Writes one transmit response without publishing it. */
static void back_put_tx_response(uint16_t id, int16_t status)
{
	struct xen_netif_tx_response *rsp = &h->front.tx->ring[h->tx_rsp_prod_pvt % RING_SIZE].rsp;

	rsp->id = id;
	rsp->status = status;
	h->tx_rsp_prod_pvt++;
}

START_TEST(tx_counts_bad_and_failed_responses)
{
	static uint8_t got[MAX_FRAME];
	uint32_t len;

	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(front_send(60, 0), 0);
		ck_assert_uint_eq(back_take_tx(got, &len), 1);
	}

	/* An error, an id never sent, a duplicate, and a drop: four responses. */
	back_put_tx_response(h->pending_ids[0], XEN_NETIF_RSP_ERROR);
	back_put_tx_response(200, XEN_NETIF_RSP_OKAY);
	back_put_tx_response(h->pending_ids[0], XEN_NETIF_RSP_OKAY);
	back_put_tx_response(h->pending_ids[3], XEN_NETIF_RSP_DROPPED);
	back_push_tx();

	ck_assert_uint_eq(netfront_tx_complete(&h->front), 4);
	ck_assert_uint_eq(h->front.stats.tx_rsp_errors, 2);
	ck_assert_uint_eq(h->front.stats.tx_bad_rsp, 2);
	/* The two requests without a response keep their ids. */
	ck_assert_uint_eq(netfront_tx_free_slots(&h->front), RING_SIZE - 2);
}
END_TEST

START_TEST(tx_rejects_producer_past_requests)
{
	ck_assert_int_eq(front_send(60, 0), 0);
	h->front.tx->hdr.rsp_prod = 5;

	ck_assert_uint_eq(netfront_tx_complete(&h->front), 0);
	ck_assert_uint_eq(h->front.stats.tx_bad_rsp, 1);
	ck_assert_uint_eq(netfront_tx_free_slots(&h->front), RING_SIZE - 1);
}
END_TEST

START_TEST(tx_notifies_only_when_asked)
{
	ck_assert_int_eq(front_send(60, 0), 0);
	ck_assert_uint_eq(read_count(h->to_back), 1);

	/* A busy backend that will look again by itself requests no events. */
	h->front.tx->hdr.req_event = 100;
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(front_send(60, 0), 0);
	ck_assert_uint_eq(read_count(h->to_back), 0);

	/* It goes idle and requests an event for the next request. */
	h->front.tx->hdr.req_event = h->front.tx->hdr.req_prod + 1;
	ck_assert_int_eq(front_send(60, 0), 0);
	ck_assert_uint_eq(read_count(h->to_back), 1);
	ck_assert_uint_eq(h->front.stats.notify_tx, 2);
}
END_TEST

/* ---- a concurrent backend in another process ---- */

/*
 * Runs netback's side in a child process over the shared pages: every
 * transmitted packet comes back on the receive ring, split into slots of
 * 1000 bytes, until the packet count is reached. Waits on the eventfd.
 */
static void echo_backend(uint32_t packets)
{
	static uint8_t frame[MAX_FRAME];
	uint32_t echoed = 0;

	while (echoed < packets) {
		uint32_t len = 0;

		if (back_take_tx(frame, &len) == 0) {
			uint64_t unused;
			struct xen_sring_header *tx = &h->front.tx->hdr;

			/* Ask for an event, then look again before sleeping (io/ring.h). */
			tx->req_event = h->tx_req_cons + 1;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (__atomic_load_n(&tx->req_prod, __ATOMIC_ACQUIRE) != h->tx_req_cons)
				continue;
			if (read(h->to_back, &unused, sizeof(unused)) < 0)
				usleep(100);
			continue;
		}
		back_respond_tx(NULL, XEN_NETIF_RSP_OKAY);

		/* Wait for receive buffers: ceil(len / 1000) slots. */
		uint32_t need = (len + 999) / 1000;
		while (__atomic_load_n(&h->front.rx->hdr.req_prod, __ATOMIC_ACQUIRE) - h->rx_req_cons < need)
			usleep(50);
		back_put_rx_frame(frame, len, 1000, 0);
		echoed++;
	}
	_exit(0);
}

START_TEST(concurrent_backend_echoes_frames)
{
	const uint32_t packets = 3000;
	static uint8_t expected[MAX_FRAME];
	struct fata_rng rng;

	front_fill();
	read_count(h->to_back);

	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		echo_backend(packets);

	fata_rng_seed(&rng, 7);
	uint32_t sent = 0, received = 0;
	uint32_t lens[4096];
	while (received < packets) {
		if (sent < packets && sent - received < 64) {
			uint32_t len = 14 + (uint32_t)fata_rng_below(&rng, 9000);
			if (front_send(len, (uint8_t)sent) == 0)
				lens[sent++ % 4096] = len;
		}

		netfront_tx_complete(&h->front);
		h->delivered_count = 0;
		front_poll();
		for (uint32_t k = 0; k < h->delivered_count; k++) {
			uint32_t len = lens[received % 4096];
			fill_pattern(expected, len, (uint8_t)received);
			ck_assert_uint_eq(h->delivered_len[k], len);
			ck_assert_mem_eq(h->delivered[k], expected, len);
			received++;
		}
		if (h->delivered_count == 0) {
			uint64_t unused;
			if (read(h->to_front, &unused, sizeof(unused)) < 0)
				usleep(20);
		}
	}

	int status = 0;
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(h->front.stats.rx_bad_rsp, 0);
	ck_assert_uint_eq(h->front.stats.tx_bad_rsp, 0);
}
END_TEST

static Suite *netfront_suite(void)
{
	Suite *s = suite_create("netfront_ring");
	TCase *rx = tcase_create("rx");
	TCase *tx = tcase_create("tx");
	TCase *both = tcase_create("concurrent");

	tcase_add_checked_fixture(rx, setup, teardown);
	tcase_add_test(rx, rx_fill_posts_every_buffer);
	tcase_add_test(rx, rx_single_slot_frame);
	tcase_add_test(rx, rx_multi_slot_frame);
	tcase_add_test(rx, rx_incomplete_frame_waits);
	tcase_add_test(rx, rx_drops_bad_responses);
	tcase_add_test(rx, rx_drops_wrong_id);
	tcase_add_test(rx, rx_drops_oversize_frame);
	tcase_add_test(rx, rx_skips_extra_info);
	tcase_add_test(rx, rx_endless_frame_is_dropped);
	tcase_add_test(rx, rx_rejects_producer_past_requests);
	tcase_add_test(rx, rx_ring_wraps_many_times);
	suite_add_tcase(s, rx);

	tcase_add_checked_fixture(tx, setup, teardown);
	tcase_add_test(tx, tx_single_slot_frame);
	tcase_add_test(tx, tx_scatters_views_over_slots);
	tcase_add_test(tx, tx_gathers_without_feature_sg);
	tcase_add_test(tx, tx_rejects_bad_sizes);
	tcase_add_test(tx, tx_full_ring_refuses_then_recovers);
	tcase_add_test(tx, tx_reordered_responses_free_every_id);
	tcase_add_test(tx, tx_counts_bad_and_failed_responses);
	tcase_add_test(tx, tx_rejects_producer_past_requests);
	tcase_add_test(tx, tx_notifies_only_when_asked);
	suite_add_tcase(s, tx);

	tcase_add_checked_fixture(both, setup, teardown);
	tcase_set_timeout(both, 60);
	tcase_add_test(both, concurrent_backend_echoes_frames);
	suite_add_tcase(s, both);
	return s;
}

int main(void)
{
	SRunner *runner = srunner_create(netfront_suite());

	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

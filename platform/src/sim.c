/*
 * The simulated link; see fata/sim.h.
 *
 * Model: every port has a transmit queue onto the link. A frame sent at
 * loop time `now` starts serialising when the port's previous frame has
 * finished (`busy_until`), takes len / rate_bps seconds, and leaves the
 * queue at `tx_done`. A port whose queue already contains queue_limit frames
 * drops the new one. Like a switch, the link then copies the frame to every
 * other port whose MAC is the destination, or to all of them for group
 * (broadcast and multicast) addresses. Each copy independently may be lost,
 * duplicated, corrupted in one bit and delayed: it arrives at tx_done plus
 * delay_ns, a uniform jitter in [0, jitter_ns], and with probability
 * reorder_ppm a further uniform delay in [0, reorder_ns].
 *
 * Every copy is a fresh buffer, as on a real wire, so a receiver may write
 * into its frame and never sees the sender's later changes. Copies in
 * flight wait in a min-heap ordered by arrival time, then by the order they
 * were queued; one loop timer is armed for the earliest. That order and the
 * link's own xoshiro256** stream make a run repeat exactly for a seed.
 *
 * A receive callback may send, close ports or free the link. Delivery takes
 * one copy off the heap at a time, closing a port removes the copies bound
 * for it, and freeing the link during delivery is deferred until delivery
 * returns.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/fmt.h>
#include <fata/log.h>
#include <fata/sim.h>

#define PPM_ONE 1000000u
#define NS_PER_SEC 1000000000ull
#define SIM_DEFAULT_QUEUE_LIMIT 1024
#define SIM_DEFAULT_MTU 1500
/* The largest MTU a port accepts; frames must fit one buffer block with headroom. */
#define SIM_MAX_MTU 65535u

struct sim_port {
	struct fata_netif nif;
	/* NULL once the link was freed with this port still open. */
	struct fata_sim_link *link;
	struct sim_port *next;
	/* When the frame now serialising has left the port, in loop ns. */
	uint64_t busy_until;
	/* Transmit queue: the tx_done times of frames not yet serialised, oldest first. */
	uint64_t *txq;
	uint32_t txq_cap, txq_head, txq_len;
};

struct sim_frame {
	struct sim_frame *next_free;
	struct sim_port *dst;
	struct fata_view view;
	uint64_t deliver_at;
	uint64_t seq;
};

struct fata_sim_link {
	struct fata_loop *loop;
	struct fata_sim_params params;
	struct fata_rng rng;
	struct fata_sim_stats stats;
	struct sim_port *ports;
	uint32_t ports_created;

	/* Copies in flight: a binary min-heap by (deliver_at, seq). */
	struct sim_frame **heap;
	uint32_t heap_len, heap_cap;
	uint64_t seq;
	struct fata_timer timer;
	struct sim_frame *free_frames;

	int delivering;
	int free_pending;
};

static int sim_port_send(struct fata_netif *nif, struct fata_chain *frame);
static int sim_port_send_meta(struct fata_netif *nif, struct fata_chain *frame,
		const struct fata_netif_meta *meta);
static int sim_port_set_offloads(struct fata_netif *nif, uint32_t offloads);
static void sim_port_close(struct fata_netif *nif);

static const struct fata_netif_ops sim_port_ops = {
	.send = sim_port_send,
	.send_meta = sim_port_send_meta,
	.set_offloads = sim_port_set_offloads,
	.close = sim_port_close,
};

/* Parameters: defaults for zero fields, and range checks. */

static int params_valid(const struct fata_sim_params *p)
{
	return p->loss_ppm <= PPM_ONE && p->duplicate_ppm <= PPM_ONE &&
		p->reorder_ppm <= PPM_ONE && p->corrupt_ppm <= PPM_ONE &&
		p->mtu <= SIM_MAX_MTU &&
		(p->offloads & ~(uint32_t)(FATA_NETIF_F_TX_CSUM | FATA_NETIF_F_TSO)) == 0;
}

static void params_apply_defaults(struct fata_sim_params *p)
{
	if (p->queue_limit == 0)
		p->queue_limit = SIM_DEFAULT_QUEUE_LIMIT;
	if (p->mtu == 0)
		p->mtu = SIM_DEFAULT_MTU;
}

static uint32_t clamp_ppm(uint32_t ppm)
{
	return ppm > PPM_ONE ? PPM_ONE : ppm;
}

/* Random draws, all from the link's own stream. */

/* Returns 1 with probability ppm / 1,000,000; draws nothing for 0 and 1,000,000. */
static int chance(struct fata_sim_link *link, uint32_t ppm)
{
	if (ppm == 0)
		return 0;
	if (ppm >= PPM_ONE)
		return 1;
	return fata_rng_below(&link->rng, PPM_ONE) < ppm;
}

/* Returns a uniform value in [0, max]. */
static uint64_t uniform_upto(struct fata_sim_link *link, uint64_t max)
{
	if (max == 0)
		return 0;
	if (max == UINT64_MAX)
		return fata_rng_next(&link->rng);
	return fata_rng_below(&link->rng, max + 1);
}

static uint64_t add_saturated(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The heap of copies in flight. */

static int frame_before(const struct sim_frame *a, const struct sim_frame *b)
{
	if (a->deliver_at != b->deliver_at)
		return a->deliver_at < b->deliver_at;
	return a->seq < b->seq;
}

static void heap_sift_up(struct fata_sim_link *link, uint32_t i)
{
	struct sim_frame *f = link->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!frame_before(f, link->heap[parent]))
			break;
		link->heap[i] = link->heap[parent];
		i = parent;
	}
	link->heap[i] = f;
}

static void heap_sift_down(struct fata_sim_link *link, uint32_t i)
{
	struct sim_frame *f = link->heap[i];

	for (;;) {
		uint32_t child = 2 * i + 1;

		if (child >= link->heap_len)
			break;
		if (child + 1 < link->heap_len && frame_before(link->heap[child + 1], link->heap[child]))
			child++;
		if (!frame_before(link->heap[child], f))
			break;
		link->heap[i] = link->heap[child];
		i = child;
	}
	link->heap[i] = f;
}

static int heap_push(struct fata_sim_link *link, struct sim_frame *f)
{
	if (link->heap_len == link->heap_cap) {
		uint32_t cap = link->heap_cap ? link->heap_cap * 2 : 64;
		struct sim_frame **heap;

		if (cap > UINT32_MAX / 2)
			return FATA_ENOMEM;
		heap = fata_realloc(link->heap, cap * sizeof *heap);
		if (!heap)
			return FATA_ENOMEM;
		link->heap = heap;
		link->heap_cap = cap;
	}
	link->heap[link->heap_len++] = f;
	heap_sift_up(link, link->heap_len - 1);
	return FATA_OK;
}

static struct sim_frame *heap_pop(struct fata_sim_link *link)
{
	struct sim_frame *top = link->heap[0];

	link->heap[0] = link->heap[--link->heap_len];
	if (link->heap_len > 0)
		heap_sift_down(link, 0);
	return top;
}

static struct sim_frame *frame_alloc(struct fata_sim_link *link)
{
	struct sim_frame *f = link->free_frames;

	if (f) {
		link->free_frames = f->next_free;
		return f;
	}
	return fata_alloc(sizeof *f);
}

static void frame_recycle(struct fata_sim_link *link, struct sim_frame *f)
{
	f->next_free = link->free_frames;
	link->free_frames = f;
}

/* Arms the link's timer for the earliest copy in flight, or disarms it. */
static void timer_update(struct fata_sim_link *link)
{
	if (link->heap_len == 0) {
		fata_timer_cancel(link->loop, &link->timer);
		return;
	}
	if (fata_timer_armed(&link->timer) && link->timer.deadline == link->heap[0]->deliver_at)
		return;
	if (fata_timer_arm(link->loop, &link->timer, link->heap[0]->deliver_at) < 0)
		fata_log(FATA_LOG_ERROR, "sim", "cannot arm the link timer: %u frames stuck",
				(unsigned)link->heap_len);
}

/* Frees everything of the link but ports still open, which are detached. */
static void link_destroy(struct fata_sim_link *link)
{
	struct sim_frame *f;

	fata_timer_cancel(link->loop, &link->timer);
	for (uint32_t i = 0; i < link->heap_len; i++) {
		fata_view_release(&link->heap[i]->view);
		fata_free(link->heap[i]);
	}
	fata_free(link->heap);
	while ((f = link->free_frames) != NULL) {
		link->free_frames = f->next_free;
		fata_free(f);
	}
	for (struct sim_port *p = link->ports; p; p = p->next)
		p->link = NULL;
	fata_free(link);
}

static void link_on_timer(void *arg, struct fata_timer *timer)
{
	struct fata_sim_link *link = arg;
	uint64_t now = fata_loop_now(link->loop);

	(void)timer;

	link->delivering = 1;
	while (!link->free_pending && link->heap_len > 0 && link->heap[0]->deliver_at <= now) {
		struct sim_frame *f = heap_pop(link);
		struct sim_port *dst = f->dst;
		struct fata_view view = f->view;

		frame_recycle(link, f);
		fata_netif_deliver(&dst->nif, view);
	}
	link->delivering = 0;

	if (link->free_pending) {
		link_destroy(link);
		return;
	}
	timer_update(link);
}

/* Transmit queues. */

/* Drops the queue entries of frames that have finished serialising by `now`. */
static void txq_expire(struct sim_port *port, uint64_t now)
{
	while (port->txq_len > 0 && port->txq[port->txq_head] <= now) {
		port->txq_head = (port->txq_head + 1) % port->txq_cap;
		port->txq_len--;
	}
}

static int txq_push(struct sim_port *port, uint64_t tx_done)
{
	if (port->txq_len == port->txq_cap) {
		uint32_t cap = port->txq_cap ? port->txq_cap * 2 : 16;
		uint64_t *q = fata_alloc(cap * sizeof *q);

		if (!q || cap > UINT32_MAX / 2) {
			fata_free(q);
			return FATA_ENOMEM;
		}
		/* Unwrap the ring into the new array, oldest first. */
		for (uint32_t i = 0; i < port->txq_len; i++)
			q[i] = port->txq[(port->txq_head + i) % port->txq_cap];
		fata_free(port->txq);
		port->txq = q;
		port->txq_cap = cap;
		port->txq_head = 0;
	}
	port->txq[(port->txq_head + port->txq_len) % port->txq_cap] = tx_done;
	port->txq_len++;
	return FATA_OK;
}

/* Returns the time `len` bytes take at the link's rate, rounded up to whole ns. */
static uint64_t serialisation_ns(const struct fata_sim_params *p, uint32_t len)
{
	if (p->rate_bps == 0)
		return 0;
	return ((uint64_t)len * NS_PER_SEC + p->rate_bps - 1) / p->rate_bps;
}

/* Sending. */

/* Queues one copy of `frame` for `dst`, with its own corruption and delay draws. */
static int send_copy(struct fata_sim_link *link, struct sim_port *dst,
		const struct fata_chain *frame, uint64_t tx_done)
{
	const struct fata_sim_params *p = &link->params;
	struct sim_frame *f;
	struct fata_view view;
	uint64_t delay;
	int err;

	err = fata_buf_alloc(FATA_NETIF_HEADROOM, frame->len, &view);
	if (err)
		return err;
	(void)fata_chain_copy_out(frame, 0, fata_view_data(view), frame->len);

	if (chance(link, p->corrupt_ppm) && frame->len > 0) {
		uint64_t bit = fata_rng_below(&link->rng, (uint64_t)frame->len * 8);

		fata_view_data(view)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		link->stats.corrupted++;
	}

	delay = add_saturated(p->delay_ns, uniform_upto(link, p->jitter_ns));
	if (chance(link, p->reorder_ppm)) {
		delay = add_saturated(delay, uniform_upto(link, p->reorder_ns));
		link->stats.reordered++;
	}

	f = frame_alloc(link);
	if (!f) {
		fata_view_release(&view);
		return FATA_ENOMEM;
	}
	f->dst = dst;
	f->view = view;
	f->deliver_at = add_saturated(tx_done, delay);
	f->seq = link->seq++;
	err = heap_push(link, f);
	if (err) {
		fata_view_release(&f->view);
		frame_recycle(link, f);
	}
	return err;
}

/* Applies loss and duplication to the frame's trip to `dst`, then queues the copies. */
static int send_to_port(struct fata_sim_link *link, struct sim_port *dst,
		const struct fata_chain *frame, uint64_t tx_done)
{
	int copies = 1;
	int err = FATA_OK;

	if (chance(link, link->params.loss_ppm)) {
		link->stats.lost++;
		return FATA_OK;
	}
	if (chance(link, link->params.duplicate_ppm)) {
		link->stats.duplicated++;
		copies = 2;
	}
	for (int i = 0; i < copies && err == FATA_OK; i++)
		err = send_copy(link, dst, frame, tx_done);
	return err;
}

/* Returns 1 when `dst` should receive a frame addressed to `to` (IEEE 802 group bit: all ports). */
static int port_accepts(const struct sim_port *dst, const uint8_t to[6])
{
	if (to[0] & 0x01)
		return 1;
	return memcmp(dst->nif.mac.bytes, to, 6) == 0;
}

static int sim_port_send(struct fata_netif *nif, struct fata_chain *frame)
{
	struct sim_port *port = (struct sim_port *)nif;
	struct fata_sim_link *link = port->link;
	uint64_t now, start, tx_done;
	uint8_t to[6];
	int err = FATA_OK;

	if (!link || fata_chain_copy_out(frame, 0, to, sizeof to) < 0) {
		fata_chain_release(frame);
		return link ? FATA_EINVAL : FATA_ECLOSED;
	}
	link->stats.frames++;

	now = fata_loop_now(link->loop);
	txq_expire(port, now);
	if (port->txq_len >= link->params.queue_limit) {
		link->stats.queue_drops++;
		fata_chain_release(frame);
		return FATA_EAGAIN;
	}
	start = port->busy_until > now ? port->busy_until : now;
	tx_done = add_saturated(start, serialisation_ns(&link->params, frame->len));
	if (tx_done > now && txq_push(port, tx_done) < 0) {
		fata_chain_release(frame);
		return FATA_ENOMEM;
	}
	port->busy_until = tx_done;

	for (struct sim_port *dst = link->ports; dst && err == FATA_OK; dst = dst->next) {
		if (dst != port && port_accepts(dst, to))
			err = send_to_port(link, dst, frame, tx_done);
	}
	fata_chain_release(frame);
	timer_update(link);
	return err;
}

/* Sends one software segment of a TSO frame as a frame of its own. */
static int sim_send_segment(void *ctx, struct fata_view segment)
{
	struct fata_chain one;

	fata_chain_init(&one);
	if (fata_chain_append(&one, segment) < 0) {
		fata_view_release(&segment);
		return FATA_ENOMEM;
	}
	return sim_port_send(ctx, &one);
}

/*
 * The port's offloads in software: a TSO frame is cut into segments, each
 * sent (and impaired) on its own, and a partial checksum is completed.
 */
static int sim_port_send_meta(struct fata_netif *nif, struct fata_chain *frame,
		const struct fata_netif_meta *meta)
{
	struct fata_chain one;
	struct fata_view flat;
	int err = fata_chain_flatten(frame, 0, &flat);

	fata_chain_release(frame);
	if (err)
		return err;

	/* A flattened single view may still be the sender's block; work on a copy of our own. */
	if (flat.block->refs > 1) {
		struct fata_view copy;

		err = fata_buf_copy(fata_view_data(flat), flat.len, FATA_NETIF_HEADROOM, &copy);
		fata_view_release(&flat);
		if (err)
			return err;
		flat = copy;
	}

	if (meta->gso_type != FATA_NETIF_GSO_NONE) {
		err = fata_netif_gso_segment(flat, meta, sim_send_segment, nif);
		fata_view_release(&flat);
		return err;
	}

	err = fata_netif_csum_complete(flat, meta);
	if (err) {
		fata_view_release(&flat);
		return err;
	}
	fata_chain_init(&one);
	(void)fata_chain_append(&one, flat);
	return sim_port_send(nif, &one);
}

static int sim_port_set_offloads(struct fata_netif *nif, uint32_t offloads)
{
	(void)nif;
	(void)offloads;
	return FATA_OK;
}

/* Removes the copies in flight to `port` and restores the heap order. */
static void drop_frames_to(struct fata_sim_link *link, struct sim_port *port)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < link->heap_len; i++) {
		struct sim_frame *f = link->heap[i];

		if (f->dst == port) {
			fata_view_release(&f->view);
			frame_recycle(link, f);
		} else {
			link->heap[kept++] = f;
		}
	}
	link->heap_len = kept;
	for (uint32_t i = kept / 2; i-- > 0;)
		heap_sift_down(link, i);
}

static void sim_port_close(struct fata_netif *nif)
{
	struct sim_port *port = (struct sim_port *)nif;
	struct fata_sim_link *link = port->link;

	if (link) {
		struct sim_port **pp = &link->ports;

		while (*pp != port)
			pp = &(*pp)->next;
		*pp = port->next;
		drop_frames_to(link, port);
		if (!link->delivering)
			timer_update(link);
	}
	fata_free(port->txq);
	fata_free(port);
}

int fata_sim_link_new(struct fata_loop *loop, const struct fata_sim_params *params,
		uint64_t seed, struct fata_sim_link **out)
{
	struct fata_sim_link *link;

	if (!out)
		return FATA_EINVAL;
	*out = NULL;
	if (!loop || !fata_loop_is_virtual(loop) || (params && !params_valid(params)))
		return FATA_EINVAL;

	link = fata_calloc(1, sizeof *link);
	if (!link)
		return FATA_ENOMEM;
	link->loop = loop;
	if (params)
		link->params = *params;
	params_apply_defaults(&link->params);
	fata_rng_seed(&link->rng, seed);
	fata_timer_init(&link->timer, link_on_timer, link);
	*out = link;
	return FATA_OK;
}

int fata_sim_link_port(struct fata_sim_link *link, const struct fata_mac *mac,
		struct fata_netif **out)
{
	struct sim_port *port;
	struct sim_port **tail;

	if (!out)
		return FATA_EINVAL;
	*out = NULL;
	if (!link || !mac)
		return FATA_EINVAL;

	port = fata_calloc(1, sizeof *port);
	if (!port)
		return FATA_ENOMEM;
	port->nif.ops = &sim_port_ops;
	port->nif.loop = link->loop;
	port->nif.mac = *mac;
	port->nif.mtu = link->params.mtu;
	port->nif.features = link->params.offloads & (FATA_NETIF_F_TX_CSUM | FATA_NETIF_F_TSO);
	(void)fata_snprintf(port->nif.name, sizeof port->nif.name, "sim%u",
			(unsigned)link->ports_created++);
	port->link = link;

	/* Ports join at the tail, so broadcast copies are made in creation order. */
	tail = &link->ports;
	while (*tail)
		tail = &(*tail)->next;
	*tail = port;
	*out = &port->nif;
	return FATA_OK;
}

void fata_sim_link_set_params(struct fata_sim_link *link, const struct fata_sim_params *params)
{
	struct fata_sim_params p = *params;

	if (!params_valid(&p)) {
		fata_log(FATA_LOG_WARN, "sim", "link parameters out of range; probabilities capped at 1,000,000 ppm");
		p.loss_ppm = clamp_ppm(p.loss_ppm);
		p.duplicate_ppm = clamp_ppm(p.duplicate_ppm);
		p.reorder_ppm = clamp_ppm(p.reorder_ppm);
		p.corrupt_ppm = clamp_ppm(p.corrupt_ppm);
		if (p.mtu > SIM_MAX_MTU)
			p.mtu = SIM_MAX_MTU;
	}
	params_apply_defaults(&p);
	link->params = p;
	for (struct sim_port *port = link->ports; port; port = port->next)
		port->nif.mtu = p.mtu;
}

const struct fata_sim_stats *fata_sim_link_stats(const struct fata_sim_link *link)
{
	return &link->stats;
}

void fata_sim_link_free(struct fata_sim_link *link)
{
	if (!link)
		return;
	if (link->ports)
		fata_log(FATA_LOG_WARN, "sim", "link freed with ports still open; they now drop every frame");
	if (link->delivering) {
		link->free_pending = 1;
		return;
	}
	link_destroy(link);
}

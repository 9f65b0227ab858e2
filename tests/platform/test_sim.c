/* Unit tests for the simulated link and the deterministic generator. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/sim.h>

#define US 1000ull
#define MS 1000000ull
#define ETHERTYPE_EXPERIMENTAL 0x88b5
#define MAX_DELIVERIES 50000

/* One received frame: when, where, and what. */
struct delivery {
	uint64_t time;
	uint32_t port;
	uint32_t seq;
	uint32_t len;
	uint32_t flipped_bits; /* bits that differ from the frame as sent */
};

struct harness {
	struct fata_loop *loop;
	struct fata_sim_link *link;
	struct fata_netif *port[4];
	size_t ports;
	struct delivery *log;
	size_t delivered;
	/* Frames arrive in sending order from port 0 to port 1, so every byte can be checked. */
	int in_order;
};

struct port_ctx {
	struct harness *h;
	uint32_t index;
};

static struct port_ctx port_ctx[4];

static struct fata_mac port_mac(uint32_t i)
{
	struct fata_mac mac = { { 0x02, 0, 0, 0, 0, (uint8_t)(i + 1) } };

	return mac;
}

/* Fills the bytes after the header from the sequence number, so a receiver can rebuild them. */
static uint8_t payload_byte(uint32_t seq, size_t i)
{
	return (uint8_t)(seq * 31 + i * 7);
}

static uint32_t popcount8(uint8_t x)
{
	uint32_t n = 0;

	for (; x; x &= (uint8_t)(x - 1))
		n++;
	return n;
}

static void on_frame(void *arg, struct fata_view frame)
{
	struct port_ctx *ctx = arg;
	struct harness *h = ctx->h;
	struct delivery *d;
	const uint8_t *p = fata_view_data(frame);
	uint32_t seq = 0;

	ck_assert_int_lt(h->delivered, MAX_DELIVERIES);
	ck_assert_uint_ge(frame.len, 18);
	ck_assert_uint_ge(fata_view_headroom(frame), FATA_NETIF_HEADROOM);
	d = &h->log[h->delivered++];
	d->time = fata_loop_now(h->loop);
	d->port = ctx->index;
	d->len = frame.len;
	d->flipped_bits = 0;

	seq = (uint32_t)p[14] << 24 | (uint32_t)p[15] << 16 | (uint32_t)p[16] << 8 | p[17];
	if (h->in_order) {
		/* Rebuild the whole frame as sent, so a flip anywhere counts. */
		uint8_t expect[18] = { 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1,
			ETHERTYPE_EXPERIMENTAL >> 8, ETHERTYPE_EXPERIMENTAL & 0xff };

		seq = (uint32_t)(h->delivered - 1);
		expect[14] = (uint8_t)(seq >> 24);
		expect[15] = (uint8_t)(seq >> 16);
		expect[16] = (uint8_t)(seq >> 8);
		expect[17] = (uint8_t)seq;
		for (size_t i = 0; i < 18; i++)
			d->flipped_bits += popcount8((uint8_t)(p[i] ^ expect[i]));
	}
	d->seq = seq;
	for (size_t i = 18; i < frame.len; i++)
		d->flipped_bits += popcount8((uint8_t)(p[i] ^ payload_byte(seq, i)));
	fata_view_release(&frame);
}

static void harness_open(struct harness *h, const struct fata_sim_params *params, uint64_t seed,
		size_t ports)
{
	memset(h, 0, sizeof *h);
	h->loop = fata_loop_new_virtual(0);
	ck_assert_ptr_nonnull(h->loop);
	h->log = calloc(MAX_DELIVERIES, sizeof *h->log);
	ck_assert_int_eq(fata_sim_link_new(h->loop, params, seed, &h->link), FATA_OK);
	for (uint32_t i = 0; i < ports; i++) {
		struct fata_mac mac = port_mac(i);

		ck_assert_int_eq(fata_sim_link_port(h->link, &mac, &h->port[i]), FATA_OK);
		port_ctx[i].h = h;
		port_ctx[i].index = i;
		fata_netif_set_rx(h->port[i], on_frame, &port_ctx[i]);
	}
	h->ports = ports;
}

static void harness_close(struct harness *h)
{
	for (size_t i = 0; i < h->ports; i++)
		fata_netif_close(h->port[i]);
	fata_sim_link_free(h->link);
	fata_loop_free(h->loop);
	free(h->log);
}

/* Sends a `len`-byte frame from port `from` to `to`, carrying `seq`. */
static int send_frame(struct harness *h, uint32_t from, const struct fata_mac *to, uint32_t seq,
		size_t len)
{
	struct fata_mac src = port_mac(from);
	struct fata_chain chain;
	struct fata_view v;
	uint8_t *p;

	ck_assert_int_eq(fata_buf_alloc(FATA_NETIF_HEADROOM, len, &v), FATA_OK);
	p = fata_view_data(v);
	memcpy(p, to->bytes, 6);
	memcpy(p + 6, src.bytes, 6);
	p[12] = ETHERTYPE_EXPERIMENTAL >> 8;
	p[13] = ETHERTYPE_EXPERIMENTAL & 0xff;
	p[14] = (uint8_t)(seq >> 24);
	p[15] = (uint8_t)(seq >> 16);
	p[16] = (uint8_t)(seq >> 8);
	p[17] = (uint8_t)seq;
	for (size_t i = 18; i < len; i++)
		p[i] = payload_byte(seq, i);
	fata_chain_init(&chain);
	ck_assert_int_eq(fata_chain_append(&chain, v), FATA_OK);
	return fata_netif_send(h->port[from], &chain);
}

START_TEST(link_new_errors)
{
	struct fata_loop *real = fata_loop_new();
	struct fata_loop *virt = fata_loop_new_virtual(0);
	struct fata_sim_params p = { 0 };
	struct fata_sim_link *link = (void *)1;
	struct fata_netif *nif;

	ck_assert_int_eq(fata_sim_link_new(real, NULL, 1, &link), FATA_EINVAL);
	ck_assert_ptr_null(link);
	p.loss_ppm = 1000001;
	ck_assert_int_eq(fata_sim_link_new(virt, &p, 1, &link), FATA_EINVAL);
	p.loss_ppm = 0;
	p.mtu = 65536;
	ck_assert_int_eq(fata_sim_link_new(virt, &p, 1, &link), FATA_EINVAL);
	ck_assert_int_eq(fata_sim_link_new(virt, NULL, 1, NULL), FATA_EINVAL);

	ck_assert_int_eq(fata_sim_link_new(virt, NULL, 1, &link), FATA_OK);
	ck_assert_int_eq(fata_sim_link_port(link, NULL, &nif), FATA_EINVAL);
	ck_assert_ptr_null(nif);
	fata_sim_link_free(link);
	fata_sim_link_free(NULL);
	fata_loop_free(virt);
	fata_loop_free(real);
}
END_TEST

START_TEST(switch_delivery)
{
	static const struct fata_mac broadcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct fata_mac multicast = { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
	static const struct fata_mac unknown = { { 0x02, 0, 0, 0, 0, 0x99 } };
	struct harness h;
	struct fata_mac b = port_mac(1), a = port_mac(0);
	int to_port[3] = { 0 };

	harness_open(&h, NULL, 1, 3);
	ck_assert_str_eq(h.port[0]->name, "sim0");
	ck_assert_uint_eq(h.port[0]->mtu, 1500);
	ck_assert_int_eq(send_frame(&h, 0, &b, 1, 64), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &broadcast, 2, 64), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &multicast, 3, 64), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &unknown, 4, 64), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &a, 5, 64), FATA_OK);
	/* Nothing arrives inside the send call. */
	ck_assert_uint_eq(h.delivered, 0);
	ck_assert_int_eq(fata_loop_run(h.loop, FATA_RUN_IDLE), FATA_OK);

	ck_assert_uint_eq(h.delivered, 5);
	for (size_t i = 0; i < h.delivered; i++)
		to_port[h.log[i].port]++;
	ck_assert_int_eq(to_port[0], 0);
	ck_assert_int_eq(to_port[1], 3);
	ck_assert_int_eq(to_port[2], 2);
	ck_assert_uint_eq(h.log[0].seq, 1);
	ck_assert_uint_eq(h.log[0].port, 1);
	/* Broadcast copies go out in port order. */
	ck_assert_uint_eq(h.log[1].seq, 2);
	ck_assert_uint_eq(h.log[1].port, 1);
	ck_assert_uint_eq(h.log[2].seq, 2);
	ck_assert_uint_eq(h.log[2].port, 2);
	ck_assert_uint_eq(fata_sim_link_stats(h.link)->frames, 5);
	ck_assert_uint_eq(h.port[0]->stats.tx_frames, 5);
	ck_assert_uint_eq(h.port[1]->stats.rx_frames, 3);
	harness_close(&h);
}
END_TEST

START_TEST(delay_and_jitter_bounds)
{
	struct fata_sim_params p = { .delay_ns = MS, .jitter_ns = 500 * US };
	struct fata_mac b = port_mac(1);
	struct harness h;
	uint64_t earliest = UINT64_MAX, latest = 0;

	harness_open(&h, &p, 7, 2);
	for (uint32_t i = 0; i < 2000; i++)
		ck_assert_int_eq(send_frame(&h, 0, &b, i, 60), FATA_OK);
	ck_assert_int_eq(fata_loop_run(h.loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_uint_eq(h.delivered, 2000);
	for (size_t i = 0; i < h.delivered; i++) {
		if (h.log[i].time < earliest)
			earliest = h.log[i].time;
		if (h.log[i].time > latest)
			latest = h.log[i].time;
		ck_assert_uint_eq(h.log[i].flipped_bits, 0);
	}
	ck_assert_uint_ge(earliest, MS);
	ck_assert_uint_le(latest, MS + 500 * US);
	/* The jitter is spread over its range, not stuck at one end. */
	ck_assert_uint_lt(earliest, MS + 50 * US);
	ck_assert_uint_gt(latest, MS + 450 * US);
	harness_close(&h);

	p.jitter_ns = 0;
	harness_open(&h, &p, 7, 2);
	ck_assert_int_eq(send_frame(&h, 0, &b, 1, 60), FATA_OK);
	ck_assert_int_eq(fata_loop_run(h.loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_uint_eq(h.delivered, 1);
	ck_assert_uint_eq(h.log[0].time, MS);
	harness_close(&h);
}
END_TEST

/* Sends 3000 frames, one every 10 us, over an impaired link; fills `h`. */
static void run_impaired(struct harness *h, uint64_t seed)
{
	struct fata_sim_params p = {
		.loss_ppm = 20000, .duplicate_ppm = 20000, .reorder_ppm = 50000, .corrupt_ppm = 20000,
		.delay_ns = 200 * US, .jitter_ns = 5 * US, .reorder_ns = 100 * US,
	};
	static const struct fata_mac broadcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

	harness_open(h, &p, seed, 3);
	for (uint32_t i = 0; i < 3000; i++) {
		ck_assert_int_eq(send_frame(h, i % 3, &broadcast, i, 100 + i % 200), FATA_OK);
		ck_assert_int_eq(fata_loop_advance(h->loop, 10 * US), FATA_OK);
	}
	ck_assert_int_eq(fata_loop_run(h->loop, FATA_RUN_IDLE), FATA_OK);
}

START_TEST(same_seed_same_deliveries)
{
	struct harness a, b, c;
	struct fata_sim_stats stats_a;

	run_impaired(&a, 1234);
	run_impaired(&b, 1234);
	run_impaired(&c, 1235);
	stats_a = *fata_sim_link_stats(a.link);

	ck_assert_uint_gt(a.delivered, 5000);
	ck_assert_uint_eq(a.delivered, b.delivered);
	ck_assert(memcmp(a.log, b.log, a.delivered * sizeof *a.log) == 0);
	ck_assert(memcmp(&stats_a, fata_sim_link_stats(b.link), sizeof stats_a) == 0);
	ck_assert(c.delivered != a.delivered || memcmp(a.log, c.log, a.delivered * sizeof *a.log) != 0);
	harness_close(&a);
	harness_close(&b);
	harness_close(&c);
}
END_TEST

/*
 * Sends `count` unicast frames 10 us apart and returns the link counters.
 * With N = 20000 frames and probability 5%, the standard deviation of a
 * count is about 31, so the checks allow roughly five of them.
 */
static struct fata_sim_stats run_rates(struct harness *h, const struct fata_sim_params *p,
		uint32_t count)
{
	struct fata_mac b = port_mac(1);

	harness_open(h, p, 99, 2);
	for (uint32_t i = 0; i < count; i++) {
		ck_assert_int_eq(send_frame(h, 0, &b, i, 80), FATA_OK);
		ck_assert_int_eq(fata_loop_advance(h->loop, 10 * US), FATA_OK);
	}
	ck_assert_int_eq(fata_loop_run(h->loop, FATA_RUN_IDLE), FATA_OK);
	return *fata_sim_link_stats(h->link);
}

START_TEST(loss_rate)
{
	struct fata_sim_params p = { .loss_ppm = 50000 };
	struct harness h;
	struct fata_sim_stats s = run_rates(&h, &p, 20000);

	ck_assert_uint_eq(s.frames, 20000);
	ck_assert_uint_ge(s.lost, 850);
	ck_assert_uint_le(s.lost, 1150);
	ck_assert_uint_eq(h.delivered, 20000 - s.lost);
	harness_close(&h);
}
END_TEST

START_TEST(duplicate_rate)
{
	struct fata_sim_params p = { .duplicate_ppm = 50000 };
	struct harness h;
	struct fata_sim_stats s = run_rates(&h, &p, 20000);
	uint32_t doubles = 0;

	ck_assert_uint_ge(s.duplicated, 850);
	ck_assert_uint_le(s.duplicated, 1150);
	ck_assert_uint_eq(h.delivered, 20000 + s.duplicated);
	for (size_t i = 1; i < h.delivered; i++)
		doubles += h.log[i].seq == h.log[i - 1].seq;
	ck_assert_uint_eq(doubles, s.duplicated);
	harness_close(&h);
}
END_TEST

START_TEST(reorder_rate)
{
	struct fata_sim_params p = { .reorder_ppm = 50000, .reorder_ns = 50 * US };
	struct harness h;
	struct fata_sim_stats s = run_rates(&h, &p, 20000);
	uint32_t late = 0, max_seq = 0;

	ck_assert_uint_ge(s.reordered, 850);
	ck_assert_uint_le(s.reordered, 1150);
	ck_assert_uint_eq(h.delivered, 20000);
	/* A delayed frame arrives after a later one unless its extra delay was under 10 us. */
	for (size_t i = 0; i < h.delivered; i++) {
		if (h.log[i].seq < max_seq)
			late++;
		if (h.log[i].seq > max_seq)
			max_seq = h.log[i].seq;
	}
	ck_assert_uint_gt(late, s.reordered * 6 / 10);
	ck_assert_uint_le(late, s.reordered);
	harness_close(&h);
}
END_TEST

START_TEST(corrupt_rate_single_bit)
{
	struct fata_sim_params p = { .corrupt_ppm = 50000 };
	struct fata_mac b = port_mac(1);
	struct harness h;
	uint32_t damaged = 0;

	harness_open(&h, &p, 99, 2);
	h.in_order = 1;
	for (uint32_t i = 0; i < 20000; i++) {
		ck_assert_int_eq(send_frame(&h, 0, &b, i, 80), FATA_OK);
		ck_assert_int_eq(fata_loop_advance(h.loop, 10 * US), FATA_OK);
	}
	ck_assert_uint_eq(h.delivered, 20000);
	ck_assert_uint_ge(fata_sim_link_stats(h.link)->corrupted, 850);
	ck_assert_uint_le(fata_sim_link_stats(h.link)->corrupted, 1150);

	/* Every corrupted frame has exactly one flipped bit, and no other frame has any. */
	for (size_t i = 0; i < h.delivered; i++) {
		ck_assert_uint_le(h.log[i].flipped_bits, 1);
		damaged += h.log[i].flipped_bits;
	}
	ck_assert_uint_eq(damaged, fata_sim_link_stats(h.link)->corrupted);
	harness_close(&h);
}
END_TEST

START_TEST(rate_limit_serialises)
{
	struct fata_sim_params p = { .rate_bps = 1000000, .queue_limit = 3, .delay_ns = 100 * US };
	struct fata_mac a = port_mac(0), b = port_mac(1);
	struct harness h;

	harness_open(&h, &p, 5, 2);
	/* 1000 bytes at 1,000,000 bytes/s take 1 ms each; three fit in the queue. */
	ck_assert_int_eq(send_frame(&h, 0, &b, 0, 1000), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &b, 1, 1000), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &b, 2, 1000), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &b, 3, 1000), FATA_EAGAIN);
	ck_assert_int_eq(send_frame(&h, 0, &b, 4, 1000), FATA_EAGAIN);
	ck_assert_uint_eq(fata_sim_link_stats(h.link)->queue_drops, 2);
	ck_assert_uint_eq(h.port[0]->stats.tx_dropped, 2);

	/* The other port has a queue of its own. */
	ck_assert_int_eq(send_frame(&h, 1, &a, 100, 1000), FATA_OK);

	/* After the first frame is on the wire, one more fits. */
	ck_assert_int_eq(fata_loop_advance(h.loop, MS), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &b, 5, 500), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &b, 6, 500), FATA_EAGAIN);
	ck_assert_int_eq(fata_loop_run(h.loop, FATA_RUN_IDLE), FATA_OK);

	/* Port 1's frame and port 0's first frame both arrive at 1.1 ms, in sending order. */
	ck_assert_uint_eq(h.delivered, 5);
	ck_assert_uint_eq(h.log[0].seq, 0);
	ck_assert_uint_eq(h.log[0].time, 1 * MS + 100 * US);
	ck_assert_uint_eq(h.log[1].seq, 100);
	ck_assert_uint_eq(h.log[1].port, 0);
	ck_assert_uint_eq(h.log[1].time, 1 * MS + 100 * US);
	ck_assert_uint_eq(h.log[2].time, 2 * MS + 100 * US);
	ck_assert_uint_eq(h.log[3].time, 3 * MS + 100 * US);
	ck_assert_uint_eq(h.log[4].seq, 5);
	ck_assert_uint_eq(h.log[4].time, 3 * MS + 500 * US + 100 * US);
	harness_close(&h);
}
END_TEST

START_TEST(mtu_from_params)
{
	struct fata_sim_params p = { .mtu = 500 };
	struct fata_mac b = port_mac(1);
	struct harness h;

	harness_open(&h, &p, 5, 2);
	ck_assert_uint_eq(h.port[0]->mtu, 500);
	ck_assert_int_eq(send_frame(&h, 0, &b, 1, 515), FATA_EMSGSIZE);
	ck_assert_int_eq(send_frame(&h, 0, &b, 2, 514), FATA_OK);
	p.mtu = 9000;
	fata_sim_link_set_params(h.link, &p);
	ck_assert_uint_eq(h.port[1]->mtu, 9000);
	ck_assert_int_eq(send_frame(&h, 0, &b, 3, 9014), FATA_OK);
	ck_assert_int_eq(fata_loop_run(h.loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_uint_eq(h.delivered, 2);
	ck_assert_uint_eq(h.log[1].len, 9014);
	harness_close(&h);
}
END_TEST

START_TEST(set_params_caps_probabilities)
{
	struct fata_sim_params p = { .loss_ppm = 5000000 };
	struct fata_mac b = port_mac(1);
	struct harness h;

	harness_open(&h, NULL, 5, 2);
	fata_sim_link_set_params(h.link, &p);
	for (uint32_t i = 0; i < 10; i++)
		ck_assert_int_eq(send_frame(&h, 0, &b, i, 60), FATA_OK);
	ck_assert_int_eq(fata_loop_run(h.loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_uint_eq(h.delivered, 0);
	ck_assert_uint_eq(fata_sim_link_stats(h.link)->lost, 10);
	harness_close(&h);
}
END_TEST

START_TEST(close_port_with_frames_in_flight)
{
	struct fata_sim_params p = { .delay_ns = MS };
	struct fata_mac b = port_mac(1), c = port_mac(2);
	struct harness h;

	harness_open(&h, &p, 5, 3);
	ck_assert_int_eq(send_frame(&h, 0, &b, 1, 60), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &c, 2, 60), FATA_OK);
	fata_netif_close(h.port[1]);
	h.port[1] = h.port[2];
	h.ports = 2;
	ck_assert_int_eq(fata_loop_run(h.loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_uint_eq(h.delivered, 1);
	ck_assert_uint_eq(h.log[0].seq, 2);
	harness_close(&h);
}
END_TEST

/* A receive callback that closes every port and frees the link. */
static struct harness *teardown_target;

static void teardown_on_frame(void *arg, struct fata_view frame)
{
	struct harness *h = teardown_target;

	(void)arg;
	fata_view_release(&frame);
	h->delivered++;
	for (size_t i = 0; i < h->ports; i++)
		fata_netif_close(h->port[i]);
	h->ports = 0;
	fata_sim_link_free(h->link);
	h->link = NULL;
}

START_TEST(free_link_from_rx_callback)
{
	struct fata_mac b = port_mac(1);
	struct harness h;

	harness_open(&h, NULL, 5, 2);
	teardown_target = &h;
	fata_netif_set_rx(h.port[1], teardown_on_frame, NULL);
	/* Two frames due at the same time: the second must be dropped with the link. */
	ck_assert_int_eq(send_frame(&h, 0, &b, 1, 60), FATA_OK);
	ck_assert_int_eq(send_frame(&h, 0, &b, 2, 60), FATA_OK);
	ck_assert_int_eq(fata_loop_run(h.loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_uint_eq(h.delivered, 1);
	fata_loop_free(h.loop);
	free(h.log);
}
END_TEST

START_TEST(port_outlives_link)
{
	struct fata_mac b = port_mac(1);
	struct harness h;

	harness_open(&h, NULL, 5, 2);
	fata_sim_link_free(h.link);
	h.link = NULL;
	ck_assert_int_eq(send_frame(&h, 0, &b, 1, 60), FATA_ECLOSED);
	fata_netif_close(h.port[0]);
	fata_netif_close(h.port[1]);
	fata_loop_free(h.loop);
	free(h.log);
}
END_TEST

START_TEST(rng_reference_values)
{
	/* From an independent implementation of splitmix64 seeding and xoshiro256**. */
	static const uint64_t seed0[4] = {
		0x99ec5f36cb75f2b4ull, 0xbf6e1f784956452aull, 0x1a5f849d4933e6e0ull, 0x6aa594f1262d2d2cull,
	};
	static const uint64_t seed42[4] = {
		0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull, 0xae17533239e499a1ull, 0xecb8ad4703b360a1ull,
	};
	struct fata_rng rng;

	fata_rng_seed(&rng, 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(fata_rng_next(&rng), seed0[i]);
	fata_rng_seed(&rng, 42);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(fata_rng_next(&rng), seed42[i]);
}
END_TEST

START_TEST(rng_below_uniform)
{
	struct fata_rng rng;
	uint32_t counts[7] = { 0 };
	const uint64_t big = (UINT64_MAX / 3) * 2 + 1; /* rejects about a third of raw draws */
	uint32_t upper_half = 0;

	fata_rng_seed(&rng, 3);
	ck_assert_uint_eq(fata_rng_below(&rng, 0), 0);
	ck_assert_uint_eq(fata_rng_below(&rng, 1), 0);
	for (int i = 0; i < 70000; i++) {
		uint64_t v = fata_rng_below(&rng, 7);

		ck_assert_uint_lt(v, 7);
		counts[v]++;
	}
	/* Each bucket expects 10000 with a standard deviation near 93. */
	for (int i = 0; i < 7; i++) {
		ck_assert_uint_gt(counts[i], 9500);
		ck_assert_uint_lt(counts[i], 10500);
	}
	/* With a bound that modulo would bias, the upper half must still get half of the draws. */
	for (int i = 0; i < 20000; i++) {
		uint64_t v = fata_rng_below(&rng, big);

		ck_assert_uint_lt(v, big);
		upper_half += v >= big / 2;
	}
	ck_assert_uint_gt(upper_half, 9500);
	ck_assert_uint_lt(upper_half, 10500);
}
END_TEST

static Suite *sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, link_new_errors);
	tcase_add_test(tc, switch_delivery);
	tcase_add_test(tc, delay_and_jitter_bounds);
	tcase_add_test(tc, same_seed_same_deliveries);
	tcase_add_test(tc, loss_rate);
	tcase_add_test(tc, duplicate_rate);
	tcase_add_test(tc, reorder_rate);
	tcase_add_test(tc, corrupt_rate_single_bit);
	tcase_add_test(tc, rate_limit_serialises);
	tcase_add_test(tc, mtu_from_params);
	tcase_add_test(tc, set_params_caps_probabilities);
	tcase_add_test(tc, close_port_with_frames_in_flight);
	tcase_add_test(tc, free_link_from_rx_callback);
	tcase_add_test(tc, port_outlives_link);
	tcase_add_test(tc, rng_reference_values);
	tcase_add_test(tc, rng_below_uniform);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sim_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

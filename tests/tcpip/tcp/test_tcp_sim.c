/*
 * Two TCP layers over a seeded, lossy in-memory channel on a virtual loop.
 * Every seed picks a transfer size (0 bytes to 10 MB each way), loss up to
 * 20 %, reordering, duplication, 1 % corruption and the TCP options. Both
 * sides write, shut down, read to the end of stream and close. Each must
 * read exactly what the other wrote (length and FNV-1a hash). Even seeds
 * switch on checksum offload and TSO. The IP double then checks and
 * completes each partial checksum. A TSO frame crosses the channel whole,
 * so the peer takes it as a GRO frame, lost, reordered or corrupted as a
 * whole.
 *
 * FATA_SIM_SEEDS=N runs N seeds (default 300); FATA_SIM_SEED=S replays one;
 * FATA_SIM_TRACE=1 prints every segment; FATA_SIM_VERBOSE=1 prints counters.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/buf.h>
#include <fata/error.h>
#include <fata/loop.h>
#include <fata/promise.h>
#include <fata/sim.h>

#include "ip_double.h"
#include "sim_app.h"
#include "tcp.h"
#include "tcp/tcp_layer.h"
#include "tcp/tcp_wire.h"

#define MS UINT64_C(1000000)
#define SEC UINT64_C(1000000000)

struct sim;

/* A segment in flight on the channel. */
struct packet {
	struct fata_timer timer;
	struct sim *sim;
	struct tcp_layer *to;
	struct fata_ipaddr src, dst;
	struct fata_view bytes;
	/* Segment size of a TSO frame, passed to the receiver as GRO metadata; 0 for none. */
	uint16_t gso_size;
	struct packet *prev, *next;
};

struct sim {
	struct fata_loop *loop;
	/* Separate streams for the setup and application, and each direction's impairments. */
	struct fata_rng rng;
	struct fata_rng channel_rng[2];
	struct tcpip_stack stack_a, stack_b;
	struct tcp_layer *tcp_a, *tcp_b;
	struct sim_app app;
	struct packet *in_flight;
	uint32_t loss_ppm, dup_ppm, reorder_ppm, corrupt_ppm;
	uint64_t delay_ns, jitter_ns;
	int trace;
};

static int chance(struct fata_rng *rng, uint32_t ppm)
{
	return fata_rng_below(rng, 1000000) < ppm;
}

static void packet_unlink(struct sim *s, struct packet *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		s->in_flight = p->next;
	if (p->next)
		p->next->prev = p->prev;
}

static void packet_arrives(void *arg, struct fata_timer *timer)
{
	struct packet *p = arg;

	(void)timer;
	packet_unlink(p->sim, p);
	tcp_input_gro(p->to, &p->src, &p->dst, p->bytes, 0, p->gso_size);
	free(p);
}

static void schedule(struct sim *s, struct fata_rng *rng, struct tcp_layer *to,
		const struct fata_ipaddr *src, const struct fata_ipaddr *dst, struct fata_view bytes,
		uint16_t gso_size)
{
	struct packet *p = calloc(1, sizeof(*p));
	uint64_t delay = s->delay_ns + fata_rng_below(rng, s->jitter_ns + 1);

	ck_assert_ptr_nonnull(p);
	if (chance(rng, s->reorder_ppm))
		delay += fata_rng_below(rng, 30 * MS);
	p->sim = s;
	p->to = to;
	p->src = *src;
	p->dst = *dst;
	p->bytes = bytes;
	p->gso_size = gso_size;
	p->next = s->in_flight;
	if (s->in_flight)
		s->in_flight->prev = p;
	s->in_flight = p;
	fata_timer_init(&p->timer, packet_arrives, p);
	ck_assert_int_eq(fata_timer_arm(s->loop, &p->timer, fata_loop_now(s->loop) + delay), 0);
}

/* With FATA_SIM_TRACE set, prints every segment sent, for replaying one seed. */
static void trace_segment(struct sim *s, const char *dir, struct fata_view v)
{
	struct tcp_segment seg;

	if (tcp_segment_parse(v, &seg) < 0)
		return;
	fprintf(stderr, "%10.3f %s %c%c%c%c seq %u ack %u len %u win %u", fata_loop_now(s->loop) / 1e9,
			dir, seg.flags & TCP_SYN ? 'S' : '.', seg.flags & TCP_FIN ? 'F' : '.',
			seg.flags & TCP_RST ? 'R' : '.', seg.flags & TCP_ACK ? 'A' : '.', seg.seq,
			seg.ack, seg.len, seg.window);
	if (seg.opts.present & TCP_HAS_TIMESTAMP)
		fprintf(stderr, " ts %u/%u", seg.opts.ts_val, seg.opts.ts_ecr);
	for (unsigned i = 0; i < seg.opts.sack_count; i++)
		fprintf(stderr, " sack %u-%u", seg.opts.sack[i].start, seg.opts.sack[i].end);
	fprintf(stderr, "\n");
}

/* The channel: loss, duplication, corruption of one bit, delay with jitter and reordering. */
static void channel(void *ctx, struct tcpip_stack *from, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, struct fata_view segment)
{
	struct sim *s = ctx;
	int forward = from == &s->stack_a;
	struct tcp_layer *to = forward ? s->tcp_b : s->tcp_a;
	struct fata_rng *rng = &s->channel_rng[forward ? 0 : 1];
	uint16_t gso_size = from->last_meta.gso_type ? from->last_meta.gso_size : 0;

	if (s->trace)
		trace_segment(s, forward ? "c>s" : "s>c", segment);
	if (chance(rng, s->loss_ppm)) {
		fata_view_release(&segment);
		return;
	}
	if (chance(rng, s->dup_ppm)) {
		struct fata_view copy;
		ck_assert_int_eq(fata_buf_copy(fata_view_data(segment), segment.len, 0, &copy), 0);
		schedule(s, rng, to, src, dst, copy, gso_size);
	}
	if (chance(rng, s->corrupt_ppm) && segment.len > 0) {
		uint64_t bit = fata_rng_below(rng, (uint64_t)segment.len * 8);
		fata_view_data(segment)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	schedule(s, rng, to, src, dst, segment, gso_size);
}

/* Transfer sizes: mostly small and medium, one seed in 50 moves 10 MB. */
static uint64_t pick_size(struct sim *s, uint64_t seed)
{
	static const uint64_t sizes[] = { 0, 1, 1000, 1460, 65536, 100000, 300000, 1000000 };

	if (seed % 50 == 7)
		return 10 * 1000 * 1000;
	return sizes[fata_rng_below(&s->rng, sizeof(sizes) / sizeof(sizes[0]))];
}

static void free_packets(struct sim *s)
{
	while (s->in_flight) {
		struct packet *p = s->in_flight;
		packet_unlink(s, p);
		fata_timer_cancel(s->loop, &p->timer);
		fata_view_release(&p->bytes);
		free(p);
	}
}

static void describe(struct sim *s, uint64_t seed, const struct fata_tcpip_config *config,
		char *report, size_t report_len)
{
	const struct tcp_stats *ca = tcp_layer_stats(s->tcp_a);
	const struct tcp_stats *cb = tcp_layer_stats(s->tcp_b);

	snprintf(report, report_len,
			"seed %" PRIu64 ": %" PRIu64 "/%" PRIu64 " bytes read, loss %u ppm, %s%s%s%s, "
			"%" PRIu64 " s, retransmits %" PRIu64 ", rto %" PRIu64 ", bad checksums %" PRIu64
			", TSO frames %" PRIu64 ", GRO frames %" PRIu64,
			seed, s->app.server.read_bytes, s->app.client.read_bytes, s->loss_ppm,
			config->congestion_control == FATA_TCP_CC_CUBIC ? "cubic" : "newreno",
			config->disable_sack ? " nosack" : "", config->disable_timestamps ? " nots" : "",
			config->disable_window_scale ? " nows" : "", fata_loop_now(s->loop) / SEC,
			ca->retransmits + cb->retransmits, ca->rto_timeouts + cb->rto_timeouts,
			ca->bad_checksums + cb->bad_checksums, ca->tso_frames_out + cb->tso_frames_out,
			ca->gro_frames_in + cb->gro_frames_in);
	if (s->app.failure[0]) {
		size_t used = strlen(report);
		snprintf(report + used, report_len - used, ": %s", s->app.failure);
	}
}

/* Runs one seed; returns 0, or -1 with the reason in `report`. */
static int run_seed(uint64_t seed, char *report, size_t report_len)
{
	struct sim *s = calloc(1, sizeof(*s));
	struct fata_tcpip_config config;
	struct fata_tcp_options opts;

	ck_assert_ptr_nonnull(s);
	fata_rng_seed(&s->rng, seed);
	fata_rng_seed(&s->channel_rng[0], fata_rng_next(&s->rng));
	fata_rng_seed(&s->channel_rng[1], fata_rng_next(&s->rng));
	s->trace = getenv("FATA_SIM_TRACE") != NULL;
	s->loop = fata_loop_new_virtual(0);
	ck_assert_ptr_nonnull(s->loop);

	s->loss_ppm = (uint32_t)fata_rng_below(&s->rng, 200001);
	s->dup_ppm = (uint32_t)fata_rng_below(&s->rng, 20001);
	s->reorder_ppm = (uint32_t)fata_rng_below(&s->rng, 50001);
	s->corrupt_ppm = 10000;
	s->delay_ns = 1 * MS + fata_rng_below(&s->rng, 50 * MS);
	s->jitter_ns = fata_rng_below(&s->rng, 5 * MS);

	memset(&config, 0, sizeof(config));
	config.congestion_control = fata_rng_below(&s->rng, 2) ? FATA_TCP_CC_CUBIC :
		FATA_TCP_CC_NEWRENO;
	config.disable_sack = fata_rng_below(&s->rng, 4) == 0;
	config.disable_timestamps = fata_rng_below(&s->rng, 4) == 0;
	config.disable_window_scale = fata_rng_below(&s->rng, 4) == 0;

	memset(&opts, 0, sizeof(opts));
	opts.nodelay = (int)fata_rng_below(&s->rng, 2);
	opts.rcvbuf = (uint32_t)(16384 + fata_rng_below(&s->rng, 512 * 1024));
	opts.sndbuf = (uint32_t)(16384 + fata_rng_below(&s->rng, 512 * 1024));

	s->stack_a.addr = fata_ipv4(192, 0, 2, 1);
	s->stack_b.addr = fata_ipv4(192, 0, 2, 2);
	s->stack_a.mtu = s->stack_b.mtu = 1500;
	s->stack_a.output = s->stack_b.output = channel;
	s->stack_a.ctx = s->stack_b.ctx = s;
	if (seed % 2 == 0)
		s->stack_a.offloads = s->stack_b.offloads = FATA_NETIF_F_TX_CSUM | FATA_NETIF_F_TSO;
	ck_assert_int_eq(tcp_layer_new(&s->stack_a, s->loop, &config, &s->tcp_a), 0);
	ck_assert_int_eq(tcp_layer_new(&s->stack_b, s->loop, &config, &s->tcp_b), 0);
	tcp_layer_set_seed(s->tcp_a, seed * 2 + 1);
	tcp_layer_set_seed(s->tcp_b, seed * 2 + 2);

	uint64_t client_bytes = pick_size(s, seed);
	uint64_t server_bytes = fata_rng_below(&s->rng, 3) == 0 ? pick_size(s, seed + 1) : 1000;
	sim_app_init(&s->app, s->loop, &s->rng, seed, client_bytes, server_bytes);

	struct fata_sockaddr local = { .ip = s->stack_b.addr, .port = 5001 };
	ck_assert_int_eq(tcp_listen(s->tcp_b, &local, 4, &opts, &s->app.listener), 0);
	fata_promise_then(fata_listener_accept(s->app.listener), sim_app_on_accepted, &s->app);
	fata_promise_then(tcp_connect(s->tcp_a, &local, &opts), sim_app_on_connected, &s->app);

	/* At 20 % loss on a 100 ms round trip, 10 MB takes over an hour of virtual time. */
	int status = 0;
	struct fata_promise *limit = fata_promise_timeout(s->loop, s->app.done, 4 * 3600 * SEC);
	int run = fata_loop_run_until(s->loop, limit, &status, NULL);
	if (run < 0)
		sim_app_fail(&s->app, "the loop went idle before the transfer ended", run);
	else if (status < 0)
		sim_app_fail(&s->app, "the transfer did not finish", status);
	if (s->app.failure[0] == 0)
		sim_app_verify(&s->app);

	/* Every partial checksum must have carried the pseudo-header sum. */
	if (s->app.failure[0] == 0 && s->stack_a.bad_partial_csums + s->stack_b.bad_partial_csums)
		sim_app_fail(&s->app, "a partial checksum did not contain the pseudo-header sum", 0);

	/* Let TIME-WAIT and every timer run out: nothing may be left behind. */
	if (s->app.failure[0] == 0) {
		fata_loop_run(s->loop, FATA_RUN_IDLE);
		if (tcp_layer_sock_count(s->tcp_a) != 0 || tcp_layer_sock_count(s->tcp_b) != 0)
			sim_app_fail(&s->app, "sockets left after both sides closed", 0);
	}

	describe(s, seed, &config, report, report_len);
	if (getenv("FATA_SIM_VERBOSE")) {
		const struct tcp_stats *ca = tcp_layer_stats(s->tcp_a);
		const struct tcp_stats *cb = tcp_layer_stats(s->tcp_b);
		fprintf(stderr, "  client: fast %" PRIu64 " recoveries %" PRIu64 "+%" PRIu64
				" out %" PRIu64 "; server: duplicates %" PRIu64 " out of order %" PRIu64 "\n",
				ca->fast_retransmits, ca->newreno_recoveries, ca->sack_recoveries,
				ca->segments_out, cb->duplicate_segments, cb->out_of_order);
	}

	int failed = s->app.failure[0] != 0;
	if (s->app.listener)
		fata_listener_close(s->app.listener);
	tcp_layer_free(s->tcp_a);
	tcp_layer_free(s->tcp_b);
	free_packets(s);
	fata_loop_free(s->loop);
	free(s);
	return failed ? -1 : 0;
}

START_TEST(transfers_over_lossy_channel)
{
	const char *one = getenv("FATA_SIM_SEED");
	const char *count_text = getenv("FATA_SIM_SEEDS");
	uint64_t first = 1, count = 300;
	char report[512];
	int failures = 0;

	if (one) {
		first = strtoull(one, NULL, 10);
		count = 1;
	} else if (count_text) {
		count = strtoull(count_text, NULL, 10);
	}

	for (uint64_t seed = first; seed < first + count; seed++) {
		if (run_seed(seed, report, sizeof(report)) < 0) {
			failures++;
			fprintf(stderr, "FAILED %s\n  replay with FATA_SIM_SEED=%" PRIu64 "\n", report,
					seed);
		} else if (one || getenv("FATA_SIM_VERBOSE")) {
			fprintf(stderr, "ok %s\n", report);
		}
	}
	ck_assert_msg(failures == 0, "%d of %" PRIu64 " seeds failed (see above)", failures, count);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tcp-sim");
	TCase *tc = tcase_create("sim");

	tcase_set_timeout(tc, 3600);
	tcase_add_test(tc, transfers_over_lossy_channel);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

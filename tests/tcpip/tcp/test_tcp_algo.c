/*
 * The TCP layer's algorithms on their own: SipHash-2-4 vectors, RFC 6298
 * RTO computation, NewReno and CUBIC window arithmetic, the SACK
 * scoreboard, the reassembly queue, ISNs and SYN cookies.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/buf.h>
#include <fata/error.h>

#include "tcp/tcp_cc.h"
#include "tcp/tcp_isn.h"
#include "tcp/tcp_reass.h"
#include "tcp/tcp_rto.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_siphash.h"

#define MS UINT64_C(1000000)
#define SEC UINT64_C(1000000000)

START_TEST(siphash_reference_vectors)
{
	/* Key 00..0f and messages 00..(n-1), from the SipHash paper's test vectors. */
	static const struct {
		size_t len;
		uint64_t hash;
	} vectors[] = {
		{ 0, UINT64_C(0x726fdb47dd0e0e31) },
		{ 1, UINT64_C(0x74f839c593dc67fd) },
		{ 7, UINT64_C(0xab0200f58b01d137) },
		{ 8, UINT64_C(0x93f5f5799a932462) },
		{ 15, UINT64_C(0xa129ca6149be45e5) },
		{ 16, UINT64_C(0x3f2acc7f57c29bdb) },
		{ 63, UINT64_C(0x958a324ceb064572) },
	};
	struct tcp_siphash_key key;
	uint8_t msg[64];

	for (int i = 0; i < 16; i++)
		key.bytes[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		ck_assert_msg(tcp_siphash(&key, msg, vectors[i].len) == vectors[i].hash,
				"length %zu", vectors[i].len);
}
END_TEST

START_TEST(rto_rfc6298_vectors)
{
	struct tcp_rto r;

	tcp_rto_init(&r, 0);
	ck_assert_uint_eq(tcp_rto_current(&r), 1 * SEC);

	/* With the 1 s floor lowered to 1 ms the formula shows through. */
	tcp_rto_init(&r, 1 * MS);
	tcp_rto_sample(&r, 100 * MS);
	ck_assert_uint_eq(r.srtt, 100 * MS);
	ck_assert_uint_eq(r.rttvar, 50 * MS);
	ck_assert_uint_eq(tcp_rto_current(&r), 300 * MS);

	tcp_rto_sample(&r, 200 * MS);
	ck_assert_uint_eq(r.rttvar, 62500000);
	ck_assert_uint_eq(r.srtt, 112500000);
	ck_assert_uint_eq(tcp_rto_current(&r), 362500000);

	/* Backoff doubles up to 60 s; a new sample clears it. */
	tcp_rto_backoff(&r);
	ck_assert_uint_eq(tcp_rto_current(&r), 725000000);
	for (int i = 0; i < 20; i++)
		tcp_rto_backoff(&r);
	ck_assert_uint_eq(tcp_rto_current(&r), TCP_RTO_MAX_NS);
	tcp_rto_sample(&r, 112500000);
	ck_assert_uint_eq(r.backoff, 0);

	/* A zero RTT still leaves G = 1 ms of variance. */
	tcp_rto_init(&r, 1);
	tcp_rto_sample(&r, 0);
	ck_assert_uint_eq(tcp_rto_current(&r), 1 * MS);

	/* The default floor is 1 s (RFC 6298 section 2.4). */
	tcp_rto_init(&r, 0);
	tcp_rto_sample(&r, 10 * MS);
	ck_assert_uint_eq(tcp_rto_current(&r), 1 * SEC);
}
END_TEST

START_TEST(newreno_window_arithmetic)
{
	struct tcp_cc cc;

	ck_assert_uint_eq(tcp_cc_initial_window(1460), 4380);
	ck_assert_uint_eq(tcp_cc_initial_window(536), 2144);
	ck_assert_uint_eq(tcp_cc_initial_window(9000), 18000);

	tcp_cc_init(&cc, FATA_TCP_CC_NEWRENO, 1000);
	ck_assert_uint_eq(cc.cwnd, 4000);

	/* Slow start: at most one SMSS per ACK. */
	tcp_cc_on_ack(&cc, 3000, 0, 0);
	ck_assert_uint_eq(cc.cwnd, 5000);
	tcp_cc_on_ack(&cc, 500, 0, 0);
	ck_assert_uint_eq(cc.cwnd, 5500);

	/* Loss with 8000 bytes in flight: ssthresh = 4000. */
	ck_assert_uint_eq(tcp_cc_on_loss(&cc, 8000, 0), 4000);
	/* A tiny flight still leaves 2 * SMSS. */
	ck_assert_uint_eq(tcp_cc_on_loss(&cc, 1000, 0), 2000);

	/* Congestion avoidance: one SMSS per cwnd of ACKed bytes. */
	cc.ssthresh = 4000;
	cc.cwnd = 4000;
	cc.bytes_acked = 0;
	for (int i = 0; i < 3; i++)
		tcp_cc_on_ack(&cc, 1000, 0, 0);
	ck_assert_uint_eq(cc.cwnd, 4000);
	tcp_cc_on_ack(&cc, 1000, 0, 0);
	ck_assert_uint_eq(cc.cwnd, 5000);

	/* A timeout leaves one segment. */
	tcp_cc_on_rto(&cc, 10000, 0, 0);
	ck_assert_uint_eq(cc.cwnd, 1000);
	ck_assert_uint_eq(cc.ssthresh, 5000);
	/* A second timeout keeps ssthresh. */
	tcp_cc_on_rto(&cc, 1000, 1, 0);
	ck_assert_uint_eq(cc.ssthresh, 5000);
}
END_TEST

START_TEST(cubic_window_arithmetic)
{
	struct tcp_cc cc;
	const uint32_t mss = 1000;

	ck_assert_uint_eq(tcp_cbrt(0), 0);
	ck_assert_uint_eq(tcp_cbrt(26), 2);
	ck_assert_uint_eq(tcp_cbrt(27), 3);
	ck_assert_uint_eq(tcp_cbrt(UINT64_C(1000000000000)), 10000);
	ck_assert_uint_eq(tcp_cbrt(UINT64_MAX), 2642245);

	tcp_cc_init(&cc, FATA_TCP_CC_CUBIC, mss);
	cc.cwnd = 100 * mss;

	/* Section 4.6: ssthresh = 0.7 * cwnd; W_max = cwnd before the reduction. */
	ck_assert_uint_eq(tcp_cc_on_loss(&cc, 100 * mss, 0), 70 * mss);
	ck_assert_uint_eq(cc.w_max, 100 * mss);
	cc.cwnd = cc.ssthresh;

	/* The first ACK in congestion avoidance starts the epoch: K = cbrt(30 / 0.4) s. */
	tcp_cc_on_ack(&cc, mss, 10 * SEC, 100 * MS);
	ck_assert_int_ge(cc.k_ms, 4210);
	ck_assert_int_le(cc.k_ms, 4222);

	/* W_cubic(0) = cwnd_epoch and W_cubic(K) = W_max, within rounding. */
	uint32_t w0 = tcp_cubic_window(&cc, 0);
	ck_assert_uint_ge(w0, 69 * mss);
	ck_assert_uint_le(w0, 71 * mss);
	uint32_t wk = tcp_cubic_window(&cc, cc.k_ms);
	ck_assert_uint_ge(wk, 99 * mss);
	ck_assert_uint_le(wk, 100 * mss);
	/* Past K the window grows beyond W_max (the convex region). */
	ck_assert_uint_gt(tcp_cubic_window(&cc, cc.k_ms + 2000), 100 * mss);

	/* Over K seconds of ACKs the window climbs back to about W_max. */
	uint64_t now = 10 * SEC;
	for (int step = 0; step < 5000 && now < 10 * SEC + 4300 * MS; step++) {
		now += MS;
		tcp_cc_on_ack(&cc, mss, now, 100 * MS);
	}
	ck_assert_uint_ge(cc.cwnd, 90 * mss);
	ck_assert_uint_le(cc.cwnd, 125 * mss);

	/* Section 4.7 fast convergence: a loss below W_max lowers W_max further. */
	cc.cwnd = 80 * mss;
	cc.w_max = 100 * mss;
	tcp_cc_on_loss(&cc, 80 * mss, now);
	ck_assert_uint_eq(cc.w_max, 68 * mss);
	ck_assert_uint_eq(cc.ssthresh, 56 * mss);

	/* A timeout: cwnd of one segment. */
	tcp_cc_on_rto(&cc, 10 * mss, 0, now);
	ck_assert_uint_eq(cc.cwnd, mss);
}
END_TEST

START_TEST(cubic_reno_friendly_region)
{
	struct tcp_cc cc;
	const uint32_t mss = 1000;

	/* Right after a loss with a small window CUBIC grows at least like Reno. */
	tcp_cc_init(&cc, FATA_TCP_CC_CUBIC, mss);
	cc.cwnd = 10 * mss;
	tcp_cc_on_loss(&cc, 10 * mss, 0);
	cc.cwnd = cc.ssthresh;
	uint32_t start = cc.cwnd;
	uint64_t now = SEC;
	for (int rtt = 0; rtt < 5; rtt++) {
		uint32_t per_rtt = cc.cwnd / mss;
		for (uint32_t i = 0; i < per_rtt; i++)
			tcp_cc_on_ack(&cc, mss, now, 10 * MS);
		now += 10 * MS;
	}
	ck_assert_uint_gt(cc.cwnd, start);
	ck_assert_uint_ge(cc.w_est, start + 2 * mss);
}
END_TEST

START_TEST(sack_scoreboard_update_and_merge)
{
	struct tcp_scoreboard sb;
	struct tcp_sack_block b[4];

	tcp_sb_clear(&sb);
	b[0] = (struct tcp_sack_block){ 2000, 3000 };
	b[1] = (struct tcp_sack_block){ 4000, 5000 };
	ck_assert_uint_eq(tcp_sb_update(&sb, b, 2, 1000, 10000), 2000);
	ck_assert_uint_eq(sb.count, 2);

	/* Repeating a block SACKs nothing new; a touching block merges. */
	ck_assert_uint_eq(tcp_sb_update(&sb, b, 1, 1000, 10000), 0);
	b[0] = (struct tcp_sack_block){ 3000, 4000 };
	ck_assert_uint_eq(tcp_sb_update(&sb, b, 1, 1000, 10000), 1000);
	ck_assert_uint_eq(sb.count, 1);
	ck_assert_uint_eq(sb.blocks[0].start, 2000);
	ck_assert_uint_eq(sb.blocks[0].end, 5000);

	/* Invalid blocks: reversed, below SND.UNA, past SND.MAX, empty. */
	b[0] = (struct tcp_sack_block){ 7000, 6000 };
	b[1] = (struct tcp_sack_block){ 500, 1500 };
	b[2] = (struct tcp_sack_block){ 9000, 11000 };
	b[3] = (struct tcp_sack_block){ 8000, 8000 };
	ck_assert_uint_eq(tcp_sb_update(&sb, b, 4, 1000, 10000), 0);
	ck_assert_uint_eq(sb.count, 1);

	ck_assert(tcp_sb_is_sacked(&sb, 2000));
	ck_assert(tcp_sb_is_sacked(&sb, 4999));
	ck_assert(!tcp_sb_is_sacked(&sb, 5000));
	ck_assert(!tcp_sb_is_sacked(&sb, 1999));

	/* A cumulative ACK into the block trims it; past it removes it. */
	tcp_sb_advance(&sb, 2500);
	ck_assert_uint_eq(sb.blocks[0].start, 2500);
	ck_assert_uint_eq(sb.sacked, 2500);
	tcp_sb_advance(&sb, 6000);
	ck_assert_uint_eq(sb.count, 0);
	ck_assert_uint_eq(sb.sacked, 0);

	/* Sequence numbers that wrap around 2^32. */
	b[0] = (struct tcp_sack_block){ 0xfffffff0u, 0x10u };
	ck_assert_uint_eq(tcp_sb_update(&sb, b, 1, 0xffffff00u, 0x100u), 0x20);
	ck_assert(tcp_sb_is_sacked(&sb, 0x5u));
}
END_TEST

START_TEST(sack_loss_pipe_and_holes)
{
	struct tcp_scoreboard sb;
	struct tcp_sack_block b[3];
	const uint32_t smss = 1000;
	uint32_t seq, len;

	/* Ten segments 0..9999 sent; 1000..1999 lost; 2000..4999 SACKed in three blocks. */
	tcp_sb_clear(&sb);
	b[0] = (struct tcp_sack_block){ 2000, 3000 };
	b[1] = (struct tcp_sack_block){ 3500, 4000 };
	b[2] = (struct tcp_sack_block){ 4500, 5000 };
	tcp_sb_update(&sb, b, 3, 1000, 10000);

	/* Three discontiguous blocks above 1000..1999 make it lost, and nothing above 2000. */
	ck_assert_uint_eq(tcp_sb_lost_edge(&sb, 1000, smss), 2000);
	/* Fewer SACKed bytes and blocks: nothing lost. */
	struct tcp_scoreboard small;
	tcp_sb_clear(&small);
	tcp_sb_update(&small, b, 2, 1000, 10000);
	ck_assert_uint_eq(tcp_sb_lost_edge(&small, 1000, smss), 1000);
	/* More than 2 * SMSS bytes SACKed in one block is enough on its own. */
	b[0] = (struct tcp_sack_block){ 2000, 4001 };
	tcp_sb_update(&small, b, 1, 1000, 10000);
	ck_assert_uint_eq(tcp_sb_lost_edge(&small, 1000, smss), 2000);

	/* pipe: holes not lost (2999.. above the edge) plus retransmitted bytes. */
	uint32_t lost = tcp_sb_lost_edge(&sb, 1000, smss);
	uint32_t pipe = tcp_sb_pipe(&sb, 1000, 10000, 1000, lost);
	/* Not lost: 3000..3499, 4000..4499, 5000..9999 = 500 + 500 + 5000. */
	ck_assert_uint_eq(pipe, 6000);
	/* After retransmitting 1000..1999 it counts once more. */
	ck_assert_uint_eq(tcp_sb_pipe(&sb, 1000, 10000, 2000, lost), 7000);

	ck_assert(tcp_sb_find_hole(&sb, 1000, lost, smss, &seq, &len));
	ck_assert_uint_eq(seq, 1000);
	ck_assert_uint_eq(len, 1000);
	ck_assert(!tcp_sb_find_hole(&sb, 2000, lost, smss, &seq, &len));
	ck_assert(tcp_sb_find_hole(&sb, 2000, 5000, smss, &seq, &len));
	ck_assert_uint_eq(seq, 3000);
	ck_assert_uint_eq(len, 500);
	ck_assert(tcp_sb_find_hole(&sb, 3600, 5000, smss, &seq, &len));
	ck_assert_uint_eq(seq, 4000);
	ck_assert_uint_eq(len, 500);
	ck_assert_uint_eq(tcp_sb_high_sacked(&sb, 1000), 5000);
}
END_TEST

static struct fata_view bytes_view(uint32_t seq, uint32_t len)
{
	struct fata_view v;

	ck_assert_int_eq(fata_buf_alloc(0, len, &v), 0);
	for (uint32_t i = 0; i < len; i++)
		fata_view_data(v)[i] = (uint8_t)(seq + i);
	return v;
}

static void check_stream(struct tcp_viewq *q, uint32_t seq, uint32_t len)
{
	struct fata_view v;
	uint32_t got = 0;

	while (tcp_viewq_pop(q, &v)) {
		for (uint32_t i = 0; i < v.len; i++)
			ck_assert_uint_eq(fata_view_data(v)[i], (uint8_t)(seq + got + i));
		got += v.len;
		fata_view_release(&v);
	}
	ck_assert_uint_eq(got, len);
}

START_TEST(reass_overlaps_and_order)
{
	struct tcp_reass r;
	struct tcp_viewq q;
	uint32_t rcv_nxt = 100;

	tcp_reass_init(&r, 1 << 20);
	tcp_viewq_init(&q);

	struct fata_view a = bytes_view(300, 100); /* 300..399 */
	struct fata_view b = bytes_view(350, 100); /* 350..449 overlaps a */
	struct fata_view c = bytes_view(200, 300); /* 200..499 covers both */
	ck_assert_uint_eq(tcp_reass_insert(&r, 300, a), 100);
	ck_assert_uint_eq(tcp_reass_insert(&r, 350, b), 50);
	ck_assert_uint_eq(tcp_reass_insert(&r, 200, c), 150);
	ck_assert_uint_eq(tcp_reass_insert(&r, 200, c), 0);
	ck_assert_uint_eq(r.bytes, 300);

	/* Nothing moves until RCV.NXT reaches the first piece. */
	ck_assert_int_eq(tcp_reass_pop(&r, &rcv_nxt, &q), 0);
	struct fata_view head = bytes_view(100, 150); /* 100..249, overlaps the held 200.. */
	ck_assert_int_eq(tcp_viewq_push(&q, fata_view_ref(head)), 0);
	rcv_nxt = 250;
	ck_assert_int_eq(tcp_reass_pop(&r, &rcv_nxt, &q), 250);
	ck_assert_uint_eq(rcv_nxt, 500);
	ck_assert_uint_eq(r.count, 0);
	ck_assert_uint_eq(r.bytes, 0);
	check_stream(&q, 100, 400);

	fata_view_release(&a);
	fata_view_release(&b);
	fata_view_release(&c);
	fata_view_release(&head);
	tcp_reass_free(&r);
	tcp_viewq_free(&q);
}
END_TEST

START_TEST(reass_memory_limit_and_sack_order)
{
	struct tcp_reass r;
	struct tcp_sack_block blocks[4];

	tcp_reass_init(&r, 300);
	struct fata_view v1 = bytes_view(1000, 100);
	struct fata_view v2 = bytes_view(3000, 100);
	struct fata_view v3 = bytes_view(2000, 100);
	struct fata_view v4 = bytes_view(2100, 100);
	ck_assert_uint_eq(tcp_reass_insert(&r, 1000, v1), 100);
	ck_assert_uint_eq(tcp_reass_insert(&r, 3000, v2), 100);
	ck_assert_uint_eq(tcp_reass_insert(&r, 2000, v3), 100);
	/* The limit of 300 bytes is reached: the next piece is refused. */
	ck_assert_uint_eq(tcp_reass_insert(&r, 2100, v4), 0);
	ck_assert_uint_eq(r.bytes, 300);
	ck_assert_uint_eq(r.count, 3);

	/* Most recent first: 2000.., then 3000.., then 1000... */
	unsigned n = tcp_reass_sack_blocks(&r, blocks, 4);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(blocks[0].start, 2000);
	ck_assert_uint_eq(blocks[1].start, 3000);
	ck_assert_uint_eq(blocks[2].start, 1000);
	ck_assert_uint_eq(tcp_reass_sack_blocks(&r, blocks, 2), 2);
	ck_assert_uint_eq(blocks[0].start, 2000);
	ck_assert_uint_eq(blocks[1].start, 3000);

	fata_view_release(&v1);
	fata_view_release(&v2);
	fata_view_release(&v3);
	fata_view_release(&v4);
	tcp_reass_free(&r);
}
END_TEST

static struct tcp_tuple sample_tuple(uint16_t port)
{
	struct tcp_tuple t;

	memset(&t, 0, sizeof(t));
	t.local = fata_ipv4(192, 0, 2, 1);
	t.remote = fata_ipv4(198, 51, 100, 7);
	t.local_port = 80;
	t.remote_port = port;
	return t;
}

START_TEST(isn_clock_and_tuple)
{
	struct tcp_siphash_key key = { { 1, 2, 3 } };
	struct tcp_tuple t1 = sample_tuple(40000), t2 = sample_tuple(40001);

	/* M ticks every 4 microseconds. */
	uint32_t a = tcp_isn(&key, &t1, 0);
	ck_assert_uint_eq(tcp_isn(&key, &t1, 4000) - a, 1);
	ck_assert_uint_eq(tcp_isn(&key, &t1, 4000000) - a, 1000);
	/* Another tuple or key gives an unrelated offset. */
	ck_assert_uint_ne(tcp_isn(&key, &t2, 0), a);
	struct tcp_siphash_key other = { { 9 } };
	ck_assert_uint_ne(tcp_isn(&other, &t1, 0), a);
}
END_TEST

START_TEST(syncookie_round_trip)
{
	struct tcp_siphash_key key = { { 7, 7, 7 } };
	struct tcp_tuple t = sample_tuple(40000);
	uint64_t now = 1000 * SEC;
	uint16_t mss, mss2;
	struct tcp_cookie_options in = { .sack_ok = 1, .wscale_ok = 1, .wscale = 7 }, out;

	uint32_t bits = tcp_cookie_ts_bits(&in);
	ck_assert_uint_ne(bits, 0);
	ck_assert_uint_eq(bits & ~TCP_COOKIE_TS_MASK, 0);
	ck_assert_int_eq(tcp_cookie_ts_decode(0x12345600u | bits, &out), 0);
	ck_assert_int_eq(out.sack_ok, 1);
	ck_assert_int_eq(out.wscale_ok, 1);
	ck_assert_uint_eq(out.wscale, 7);
	ck_assert_int_eq(tcp_cookie_ts_decode(0, &out), FATA_EBADMSG);

	uint32_t cookie = tcp_cookie_make(&key, &t, 5555, 1460, bits, now, &mss);
	ck_assert_uint_eq(mss, 1460);
	ck_assert_int_eq(tcp_cookie_check(&key, &t, 5555, cookie, bits, now, &mss2), 0);
	ck_assert_uint_eq(mss2, 1460);

	/* Valid in the next period, not two periods later. */
	ck_assert_int_eq(tcp_cookie_check(&key, &t, 5555, cookie, bits, now + 64 * SEC, &mss2), 0);
	ck_assert_int_eq(tcp_cookie_check(&key, &t, 5555, cookie, bits, now + 128 * SEC, &mss2),
			FATA_EAUTH);

	/* Another tuple, client ISN, option bits or cookie bit fails. */
	struct tcp_tuple t2 = sample_tuple(40001);
	ck_assert_int_eq(tcp_cookie_check(&key, &t2, 5555, cookie, bits, now, &mss2), FATA_EAUTH);
	ck_assert_int_eq(tcp_cookie_check(&key, &t, 5556, cookie, bits, now, &mss2), FATA_EAUTH);
	ck_assert_int_eq(tcp_cookie_check(&key, &t, 5555, cookie, bits ^ 0x10, now, &mss2),
			FATA_EAUTH);
	ck_assert_int_eq(tcp_cookie_check(&key, &t, 5555, cookie ^ 1, bits, now, &mss2),
			FATA_EAUTH);

	/* The MSS table rounds down; no option means 536. */
	tcp_cookie_make(&key, &t, 1, 1459, 0, now, &mss);
	ck_assert_uint_eq(mss, 1440);
	tcp_cookie_make(&key, &t, 1, 0, 0, now, &mss);
	ck_assert_uint_eq(mss, 536);
	tcp_cookie_make(&key, &t, 1, 100, 0, now, &mss);
	ck_assert_uint_eq(mss, 536);
	tcp_cookie_make(&key, &t, 1, 9000, 0, now, &mss);
	ck_assert_uint_eq(mss, 8940);
}
END_TEST

static Suite *algo_suite(void)
{
	Suite *s = suite_create("tcp-algo");
	TCase *tc = tcase_create("algo");

	tcase_add_test(tc, siphash_reference_vectors);
	tcase_add_test(tc, rto_rfc6298_vectors);
	tcase_add_test(tc, newreno_window_arithmetic);
	tcase_add_test(tc, cubic_window_arithmetic);
	tcase_add_test(tc, cubic_reno_friendly_region);
	tcase_add_test(tc, sack_scoreboard_update_and_merge);
	tcase_add_test(tc, sack_loss_pipe_and_holes);
	tcase_add_test(tc, reass_overlaps_and_order);
	tcase_add_test(tc, reass_memory_limit_and_sack_order);
	tcase_add_test(tc, isn_clock_and_tuple);
	tcase_add_test(tc, syncookie_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(algo_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

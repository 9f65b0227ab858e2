/*
 * IPv4 reassembly: the table on its own (in order, reverse, overlaps,
 * duplicates, timeout, limits), then through a stack with a fragmented echo.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/fata.h>
#include <fata/tcpip.h>

#include "harness.h"
#include "ip.h"
#include "reasm.h"

#define NS_PER_S UINT64_C(1000000000)
#define TIMEOUT_NS (60 * NS_PER_S)

static struct fata_tcpip_ip_stats stats;
static uint8_t payload[65536 + 64];
static uint8_t header[20];

static void setup(void)
{
	memset(&stats, 0, sizeof(stats));
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13 + i / 256);
	memset(header, 0, sizeof(header));
	header[0] = 0x45;
	header[8] = 64;
	header[9] = 17;
	h_put32(header + 12, h_peer_ip);
	h_put32(header + 16, h_our_ip);
}

/* Feeds payload bytes [off, off + len) as one fragment of datagram `id`. */
static int feed(struct reasm_table *t, uint16_t id, uint32_t off, uint32_t len, int more,
		uint64_t now, struct fata_view *out)
{
	struct reasm_fragment f = {
		.src = h_peer_ip, .dst = h_our_ip, .id = id, .proto = 17,
		.offset = off, .more = more, .header = header, .header_len = 20,
	};
	struct fata_view v;

	ck_assert_int_eq(fata_buf_copy(payload + off, len, 0, &v), 0);
	return reasm_input(t, &f, v, now, out);
}

static void check_datagram(struct fata_view d, uint32_t total)
{
	const uint8_t *p = fata_view_data(d);

	ck_assert_uint_eq(d.len, 20 + total);
	ck_assert_uint_eq(h_get16(p + 2), 20 + total);
	ck_assert_uint_eq(h_get16(p + 6), 0);
	ck_assert_uint_eq(h_csum(p, 20, 0), 0);
	ck_assert_mem_eq(p + 20, payload, total);
}

START_TEST(in_order)
{
	struct reasm_table t;
	struct fata_view d;

	reasm_init(&t, 1 << 20, TIMEOUT_NS, &stats);
	ck_assert_int_eq(feed(&t, 1, 0, 1480, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 1, 1480, 1480, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 1, 2960, 40, 0, 0, &d), 1);
	check_datagram(d, 3000);
	fata_view_release(&d);
	ck_assert_uint_eq(stats.reasm_oks, 1);
	ck_assert_uint_eq(stats.reasm_reqds, 3);
	ck_assert_uint_eq(t.count, 0);
	ck_assert_uint_eq(t.mem, 0);
	reasm_fini(&t);
}
END_TEST

START_TEST(reverse_order)
{
	struct reasm_table t;
	struct fata_view d;

	reasm_init(&t, 1 << 20, TIMEOUT_NS, &stats);
	ck_assert_int_eq(feed(&t, 2, 64 * 9, 5, 0, 0, &d), 0);
	for (int i = 8; i > 0; i--)
		ck_assert_int_eq(feed(&t, 2, 64u * (unsigned)i, 64, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 2, 0, 64, 1, 0, &d), 1);
	check_datagram(d, 64 * 9 + 5);
	fata_view_release(&d);
	reasm_fini(&t);
}
END_TEST

/* Any overlap abandons the datagram, and its later fragments are dropped. */
START_TEST(overlap_abandons)
{
	struct reasm_table t;
	struct fata_view d;

	reasm_init(&t, 1 << 20, TIMEOUT_NS, &stats);
	ck_assert_int_eq(feed(&t, 3, 0, 16, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 3, 8, 16, 1, 0, &d), 0);
	ck_assert_uint_eq(stats.reasm_overlaps, 1);
	ck_assert_uint_eq(stats.reasm_fails, 1);
	ck_assert_uint_eq(t.mem, 0);
	ck_assert_int_eq(feed(&t, 3, 16, 16, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 3, 32, 8, 0, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 3, 0, 16, 1, 0, &d), 0);
	ck_assert_uint_eq(stats.reasm_oks, 0);
	ck_assert_uint_eq(stats.reasm_fails, 1);

	/* The marker goes at the deadline; the same id may then start afresh. */
	reasm_expire(&t, TIMEOUT_NS, NULL, NULL);
	ck_assert_uint_eq(t.count, 0);
	ck_assert_int_eq(feed(&t, 3, 0, 16, 1, TIMEOUT_NS, &d), 0);
	ck_assert_int_eq(feed(&t, 3, 16, 4, 0, TIMEOUT_NS, &d), 1);
	fata_view_release(&d);
	reasm_fini(&t);
}
END_TEST

/* An overlap at the tail, and a fragment covering two others, also count. */
START_TEST(overlap_variants)
{
	struct reasm_table t;
	struct fata_view d;

	reasm_init(&t, 1 << 20, TIMEOUT_NS, &stats);
	ck_assert_int_eq(feed(&t, 4, 16, 16, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 4, 0, 24, 1, 0, &d), 0);
	ck_assert_uint_eq(stats.reasm_overlaps, 1);

	ck_assert_int_eq(feed(&t, 5, 0, 8, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 5, 16, 8, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 5, 0, 32, 1, 0, &d), 0);
	ck_assert_uint_eq(stats.reasm_overlaps, 2);
	reasm_fini(&t);
}
END_TEST

/* An exact duplicate is ignored and the datagram still completes. */
START_TEST(duplicate_ignored)
{
	struct reasm_table t;
	struct fata_view d;

	reasm_init(&t, 1 << 20, TIMEOUT_NS, &stats);
	ck_assert_int_eq(feed(&t, 6, 0, 800, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 6, 0, 800, 1, 0, &d), 0);
	ck_assert_uint_eq(stats.reasm_duplicates, 1);
	ck_assert_int_eq(feed(&t, 6, 800, 100, 0, 0, &d), 1);
	check_datagram(d, 900);
	fata_view_release(&d);
	reasm_fini(&t);
}
END_TEST

static int timeouts;
static size_t timeout_quote;

static void on_timeout(void *arg, const uint8_t *hdr, size_t hdr_len, struct fata_view first)
{
	(void)arg;
	ck_assert_uint_eq(hdr_len, 20);
	ck_assert_uint_eq(h_get32(hdr + 12), h_peer_ip);
	timeouts++;
	timeout_quote = first.len;
}

/* Timeouts drop the datagram; the callback runs only when fragment zero arrived. */
START_TEST(timeout)
{
	struct reasm_table t;
	struct fata_view d;

	timeouts = 0;
	reasm_init(&t, 1 << 20, TIMEOUT_NS, &stats);
	ck_assert_int_eq(feed(&t, 7, 0, 64, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 8, 64, 64, 1, NS_PER_S, &d), 0);
	ck_assert_uint_eq(reasm_next_deadline(&t), TIMEOUT_NS);

	reasm_expire(&t, TIMEOUT_NS - 1, on_timeout, NULL);
	ck_assert_int_eq(timeouts, 0);
	reasm_expire(&t, TIMEOUT_NS, on_timeout, NULL);
	ck_assert_int_eq(timeouts, 1);
	ck_assert_uint_eq(timeout_quote, 64);
	ck_assert_uint_eq(reasm_next_deadline(&t), TIMEOUT_NS + NS_PER_S);
	reasm_expire(&t, TIMEOUT_NS + NS_PER_S, on_timeout, NULL);
	ck_assert_int_eq(timeouts, 1);
	ck_assert_uint_eq(stats.reasm_timeout, 2);
	ck_assert_uint_eq(reasm_next_deadline(&t), UINT64_MAX);
	ck_assert_uint_eq(t.mem, 0);
	reasm_fini(&t);
}
END_TEST

/* The memory limit evicts the oldest datagrams to make room. */
START_TEST(memory_limit)
{
	struct reasm_table t;
	struct fata_view d;
	uint32_t limit = 3 * (1024 + 64);

	reasm_init(&t, limit, TIMEOUT_NS, &stats);
	ck_assert_int_eq(feed(&t, 10, 0, 1024, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 11, 0, 1024, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 12, 0, 1024, 1, 0, &d), 0);
	ck_assert_uint_eq(stats.reasm_limit, 0);
	ck_assert_int_eq(feed(&t, 13, 0, 1024, 1, 0, &d), 0);
	ck_assert_uint_eq(stats.reasm_limit, 1);
	ck_assert_uint_le(t.mem, limit);

	/* Datagram 10 was evicted; 13 can still complete. */
	ck_assert_int_eq(feed(&t, 10, 1024, 8, 0, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 13, 1024, 8, 0, 0, &d), 1);
	fata_view_release(&d);

	/* One fragment larger than the whole limit is refused. */
	ck_assert_int_eq(feed(&t, 14, 0, 8192, 1, 0, &d), 0);
	ck_assert_uint_le(t.mem, limit);
	reasm_fini(&t);
}
END_TEST

START_TEST(fragment_count_limit)
{
	struct reasm_table t;
	struct fata_view d;

	reasm_init(&t, 1 << 20, TIMEOUT_NS, &stats);
	for (uint32_t i = 0; i < REASM_MAX_FRAGMENTS; i++)
		ck_assert_int_eq(feed(&t, 20, i * 8, 8, 1, 0, &d), 0);
	ck_assert_uint_eq(stats.reasm_fails, 0);
	ck_assert_int_eq(feed(&t, 20, REASM_MAX_FRAGMENTS * 8, 8, 0, 0, &d), 0);
	ck_assert_uint_eq(stats.reasm_limit, 1);
	ck_assert_uint_eq(stats.reasm_fails, 1);
	ck_assert_uint_eq(t.mem, 0);
	reasm_fini(&t);
}
END_TEST

/* Bad lengths and offsets: not a multiple of 8, beyond 64 KiB, past the end. */
START_TEST(invalid_ranges)
{
	struct reasm_table t;
	struct fata_view d;

	reasm_init(&t, 1 << 20, TIMEOUT_NS, &stats);
	ck_assert_int_eq(feed(&t, 30, 0, 12, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 31, 65528, 16, 0, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 32, 0, 16, 0 /* last */, 0, &d), 1);
	fata_view_release(&d);
	ck_assert_int_eq(feed(&t, 33, 64, 8, 0, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 33, 72, 8, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 34, 64, 8, 1, 0, &d), 0);
	ck_assert_int_eq(feed(&t, 34, 0, 16, 0, 0, &d), 0);
	ck_assert_uint_eq(stats.reasm_invalid, 4);
	ck_assert_uint_eq(stats.reasm_fails, 4);
	reasm_fini(&t);
}
END_TEST

/* Through the stack: a 4000-byte echo in fragments, any order, gets a fragmented reply. */
START_TEST(stack_fragmented_echo)
{
	struct harness h;
	uint8_t msg[4008], frame[1600];
	size_t sizes[] = { 1480, 1480, 1048 };
	size_t offs[] = { 0, 1480, 2960 };
	int order[] = { 2, 0, 1 };
	uint8_t got[4008];
	size_t got_len = 0;

	msg[0] = 8;
	msg[1] = 0;
	h_put16(msg + 2, 0);
	h_put16(msg + 4, 0x77);
	h_put16(msg + 6, 3);
	memcpy(msg + 8, payload, 4000);
	h_put16(msg + 2, h_csum(msg, sizeof(msg), 0));

	h_init(&h, NULL);
	h_learn_peer(&h);
	for (int k = 0; k < 3; k++) {
		int i = order[k];
		uint16_t frag = (uint16_t)(offs[i] / 8) | (i < 2 ? 0x2000 : 0);
		size_t len = h_ipv4(frame, h_peer_ip, h_our_ip, 1, 0x4242, frag, msg + offs[i], sizes[i]);

		h_inject(&h, frame, len);
	}
	ck_assert_uint_eq(h_stats(&h).ip.reasm_oks, 1);
	ck_assert_uint_eq(h_stats(&h).icmp.out_echo_reps, 1);
	ck_assert_uint_eq(h.nif->count, 3);
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		const uint8_t *f = h_frame(&h, i, &len);

		ck_assert_uint_eq((h_get16(f + 20) & 0x1fff) * 8u, got_len);
		memcpy(got + got_len, f + 34, len - 34);
		got_len += len - 34;
	}
	ck_assert_uint_eq(got_len, sizeof(msg));
	ck_assert_uint_eq(got[0], 0);
	ck_assert_uint_eq(h_csum(got, got_len, 0), 0);
	ck_assert_mem_eq(got + 8, payload, 4000);
	h_fini(&h);
}
END_TEST

/* Through the stack: a lone first fragment times out with Time Exceeded. */
START_TEST(stack_time_exceeded)
{
	struct harness h;
	uint8_t frame[256];
	size_t len = h_ipv4(frame, h_peer_ip, h_our_ip, 17, 0x99, 0x2000, payload, 64);
	const uint8_t *f;

	h_init(&h, NULL);
	h_learn_peer(&h);
	h_advance(&h, 3 * NS_PER_S);
	h_clear(&h);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 0);
	h_advance(&h, 60 * NS_PER_S);
	ck_assert_uint_eq(h_stats(&h).ip.reasm_timeout, 1);

	/* The peer's ARP entry expired meanwhile, so the error waits for a reply. */
	len = h_arp(frame, 2, &h_our_mac, &h_peer_mac, h_peer_ip, &h_our_mac, h_our_ip);
	h_inject(&h, frame, len);
	ck_assert_int_ge(h_find_type(&h, 0x0800, 0), 0);
	f = h_frame(&h, (size_t)h_find_type(&h, 0x0800, 0), NULL);
	ck_assert_uint_eq(f[34], 11);
	ck_assert_uint_eq(f[35], 1);
	ck_assert_uint_eq(h_get16(f + 42 + 4), 0x99);
	h_fini(&h);
}
END_TEST

static Suite *reasm_suite(void)
{
	Suite *s = suite_create("tcpip_reasm");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, in_order);
	tcase_add_test(tc, reverse_order);
	tcase_add_test(tc, overlap_abandons);
	tcase_add_test(tc, overlap_variants);
	tcase_add_test(tc, duplicate_ignored);
	tcase_add_test(tc, timeout);
	tcase_add_test(tc, memory_limit);
	tcase_add_test(tc, fragment_count_limit);
	tcase_add_test(tc, invalid_ranges);
	tcase_add_test(tc, stack_fragmented_echo);
	tcase_add_test(tc, stack_time_exceeded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reasm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

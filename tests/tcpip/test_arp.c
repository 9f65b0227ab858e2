/* ARP: replies, learning, gratuitous announcements, resolution queues and limits. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/fata.h>
#include <fata/tcpip.h>

#include "harness.h"

#define NS_PER_S UINT64_C(1000000000)

static const struct fata_mac zero_mac;

static struct fata_datagram *bind_udp(struct harness *h)
{
	struct fata_sockaddr local = { .port = 5000 };
	struct fata_datagram *sock;

	ck_assert_int_eq(fata_stack_udp_bind(h->stack, &local, &sock), 0);
	return sock;
}

static int send_udp(struct harness *h, struct fata_datagram *sock, uint32_t dst)
{
	struct fata_sockaddr to = { .ip = fata_ipv4_from_u32(dst), .port = 9 };
	struct fata_view v;
	int status = 1;

	ck_assert_int_eq(fata_buf_copy("ping", 4, 0, &v), 0);
	ck_assert_int_eq(fata_loop_run_until(h->loop, fata_datagram_send(sock, &to, &v, 1), &status,
			NULL), 0);
	fata_view_release(&v);
	return status;
}

static void check_arp(const uint8_t *f, uint16_t op, uint32_t spa, uint32_t tpa)
{
	ck_assert_uint_eq(h_get16(f + 12), 0x0806);
	ck_assert_uint_eq(h_get16(f + 14), 1);
	ck_assert_uint_eq(h_get16(f + 16), 0x0800);
	ck_assert_uint_eq(h_get16(f + 20), op);
	ck_assert_mem_eq(f + 22, h_our_mac.bytes, 6);
	ck_assert_uint_eq(h_get32(f + 28), spa);
	ck_assert_uint_eq(h_get32(f + 38), tpa);
}

START_TEST(answers_request_for_us)
{
	struct harness h;
	uint8_t frame[64];
	size_t len, flen;
	const uint8_t *f;

	h_init(&h, NULL);
	h_clear(&h);
	len = h_arp(frame, 1, &h_broadcast_mac, &h_peer_mac, h_peer_ip, &zero_mac, h_our_ip);
	h_inject(&h, frame, len);

	ck_assert_uint_eq(h.nif->count, 1);
	f = h_frame(&h, 0, &flen);
	ck_assert_uint_eq(flen, 60);
	ck_assert_mem_eq(f, h_peer_mac.bytes, 6);
	check_arp(f, 2, h_our_ip, h_peer_ip);
	ck_assert_mem_eq(f + 32, h_peer_mac.bytes, 6);
	ck_assert_uint_eq(h_stats(&h).arp.out_replies, 1);
	ck_assert_uint_eq(h_stats(&h).arp.entries, 1);
	h_fini(&h);
}
END_TEST

/* The requester was learned, so a send goes out at once without a request. */
START_TEST(learns_requester)
{
	struct harness h;
	struct fata_datagram *sock;

	h_init(&h, NULL);
	h_learn_peer(&h);
	sock = bind_udp(&h);
	ck_assert_int_eq(send_udp(&h, sock, h_peer_ip), 0);
	ck_assert_uint_eq(h.nif->count, 1);
	ck_assert_uint_eq(h_get16(h_frame(&h, 0, NULL) + 12), 0x0800);
	ck_assert_mem_eq(h_frame(&h, 0, NULL), h_peer_mac.bytes, 6);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

START_TEST(ignores_request_for_other)
{
	struct harness h;
	uint8_t frame[64];
	size_t len;

	h_init(&h, NULL);
	h_clear(&h);
	len = h_arp(frame, 1, &h_broadcast_mac, &h_peer_mac, h_peer_ip, &zero_mac,
			H_IP(192, 0, 2, 99));
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 0);
	ck_assert_uint_eq(h_stats(&h).arp.entries, 0);
	ck_assert_uint_eq(h_stats(&h).arp.in_requests, 1);
	h_fini(&h);
}
END_TEST

/* RFC 5227 section 2.3: two announcements, two seconds apart. */
START_TEST(gratuitous_at_start)
{
	struct harness h;

	h_init(&h, NULL);
	ck_assert_uint_eq(h.nif->count, 1);
	ck_assert_mem_eq(h_frame(&h, 0, NULL), h_broadcast_mac.bytes, 6);
	check_arp(h_frame(&h, 0, NULL), 1, h_our_ip, h_our_ip);
	h_advance(&h, 2 * NS_PER_S);
	ck_assert_uint_eq(h.nif->count, 2);
	check_arp(h_frame(&h, 1, NULL), 1, h_our_ip, h_our_ip);
	h_advance(&h, 10 * NS_PER_S);
	ck_assert_uint_eq(h.nif->count, 2);
	ck_assert_uint_eq(h_stats(&h).arp.out_announcements, 2);
	h_fini(&h);
}
END_TEST

/* Packets wait for resolution up to the queue limit; the rest fail with FATA_EAGAIN. */
START_TEST(queue_limit_and_flush)
{
	struct harness h;
	struct fata_datagram *sock;
	uint32_t target = H_IP(192, 0, 2, 50);
	struct fata_mac target_mac = { { 0x02, 0, 0, 0, 0, 0x50 } };
	uint8_t frame[64];
	size_t len;
	int eagain = 0;

	h_init(&h, NULL);
	h_clear(&h);
	sock = bind_udp(&h);
	for (int i = 0; i < 20; i++) {
		int rc = send_udp(&h, sock, target);

		ck_assert(rc == 0 || rc == FATA_EAGAIN);
		eagain += rc == FATA_EAGAIN;
	}
	ck_assert_int_eq(eagain, 4);
	ck_assert_uint_eq(h.nif->count, 1);
	check_arp(h_frame(&h, 0, NULL), 1, h_our_ip, target);
	ck_assert_uint_eq(h_stats(&h).arp.queued, 16);
	ck_assert_uint_eq(h_stats(&h).arp.queue_drops, 4);

	h_clear(&h);
	len = h_arp(frame, 2, &h_our_mac, &target_mac, target, &h_our_mac, h_our_ip);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 16);
	for (size_t i = 0; i < 16; i++)
		ck_assert_mem_eq(h_frame(&h, i, NULL), target_mac.bytes, 6);
	ck_assert_uint_eq(h_stats(&h).arp.resolved, 1);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

/* Three requests a second apart, then the queue is dropped. */
START_TEST(retries_then_failure)
{
	struct harness h;
	struct fata_datagram *sock;
	uint32_t target = H_IP(192, 0, 2, 60);

	h_init(&h, NULL);
	h_advance(&h, 3 * NS_PER_S); /* past the second announcement */
	h_clear(&h);
	sock = bind_udp(&h);
	ck_assert_int_eq(send_udp(&h, sock, target), 0);
	ck_assert_uint_eq(h_count_type(&h, 0x0806), 1);
	h_advance(&h, NS_PER_S);
	ck_assert_uint_eq(h_count_type(&h, 0x0806), 2);
	h_advance(&h, NS_PER_S);
	ck_assert_uint_eq(h_count_type(&h, 0x0806), 3);
	h_advance(&h, NS_PER_S);
	ck_assert_uint_eq(h_count_type(&h, 0x0806), 3);
	ck_assert_uint_eq(h_stats(&h).arp.failed, 1);
	ck_assert_uint_eq(h_stats(&h).arp.queue_drops, 1);
	ck_assert_uint_eq(h_stats(&h).arp.entries, 0);
	ck_assert_uint_eq(h_count_type(&h, 0x0800), 0);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

/* A full cache evicts its least recently used entry. */
START_TEST(cache_size_limit)
{
	struct harness h;
	struct fata_tcpip_config c = { 0 };
	uint8_t frame[64];

	c.ipv4 = fata_ipv4_from_u32(h_our_ip);
	c.ipv4_prefix_len = 24;
	c.arp_cache_size = 4;
	h_init(&h, &c);
	for (uint8_t i = 10; i < 20; i++) {
		struct fata_mac mac = { { 0x02, 0, 0, 0, 1, i } };
		size_t len = h_arp(frame, 1, &h_broadcast_mac, &mac, H_IP(192, 0, 2, i), &zero_mac,
				h_our_ip);

		h_inject(&h, frame, len);
		h_advance(&h, 1000);
	}
	ck_assert_uint_eq(h_stats(&h).arp.entries, 4);
	ck_assert_uint_eq(h_stats(&h).arp.evictions, 6);
	ck_assert_uint_eq(h_stats(&h).arp.out_replies, 10);
	h_fini(&h);
}
END_TEST

/* RFC 5227 section 2.4 (b): defend once, then not again within ten seconds. */
START_TEST(conflict_defended_once)
{
	struct harness h;
	struct fata_mac intruder = { { 0x02, 0, 0, 0, 9, 9 } };
	uint8_t frame[64];
	size_t len;

	h_init(&h, NULL);
	h_advance(&h, 3 * NS_PER_S);
	h_clear(&h);
	len = h_arp(frame, 1, &h_broadcast_mac, &intruder, h_our_ip, &zero_mac, h_our_ip);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 1);
	check_arp(h_frame(&h, 0, NULL), 1, h_our_ip, h_our_ip);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 1);
	ck_assert_uint_eq(h_stats(&h).arp.in_conflicts, 2);
	h_advance(&h, 11 * NS_PER_S);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 2);
	h_fini(&h);
}
END_TEST

/* Entries expire; a used entry near its end is refreshed by unicast. */
START_TEST(expiry_and_refresh)
{
	struct harness h;
	struct fata_datagram *sock;
	long i;

	h_init(&h, NULL);
	h_learn_peer(&h);
	sock = bind_udp(&h);
	h_advance(&h, 55 * NS_PER_S);
	h_clear(&h);
	ck_assert_int_eq(send_udp(&h, sock, h_peer_ip), 0);
	i = h_find_type(&h, 0x0806, 0);
	ck_assert_int_ge(i, 0);
	ck_assert_mem_eq(h_frame(&h, (size_t)i, NULL), h_peer_mac.bytes, 6);
	ck_assert_uint_eq(h_count_type(&h, 0x0800), 1);

	h_advance(&h, 10 * NS_PER_S);
	ck_assert_uint_eq(h_stats(&h).arp.expired, 1);
	ck_assert_uint_eq(h_stats(&h).arp.entries, 0);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

/* Every prefix of an ARP packet, and wrong types, are counted as invalid. */
START_TEST(invalid_packets)
{
	struct harness h;
	uint8_t frame[64];
	size_t len;

	h_init(&h, NULL);
	h_clear(&h);
	len = h_arp(frame, 1, &h_broadcast_mac, &h_peer_mac, h_peer_ip, &zero_mac, h_our_ip);
	for (size_t n = 14; n < len; n++)
		h_inject(&h, frame, n);
	ck_assert_uint_eq(h_stats(&h).arp.in_invalid, len - 14);

	frame[15] = 6; /* hardware type 6 */
	h_inject(&h, frame, len);
	frame[15] = 1;
	frame[21] = 9; /* operation 9 */
	h_inject(&h, frame, len);
	frame[21] = 1;
	frame[22] = 0x01; /* a multicast sender MAC */
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).arp.in_invalid, len - 14 + 3);
	ck_assert_uint_eq(h.nif->count, 0);
	h_fini(&h);
}
END_TEST

static Suite *arp_suite(void)
{
	Suite *s = suite_create("tcpip_arp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, answers_request_for_us);
	tcase_add_test(tc, learns_requester);
	tcase_add_test(tc, ignores_request_for_other);
	tcase_add_test(tc, gratuitous_at_start);
	tcase_add_test(tc, queue_limit_and_flush);
	tcase_add_test(tc, retries_then_failure);
	tcase_add_test(tc, cache_size_limit);
	tcase_add_test(tc, conflict_defended_once);
	tcase_add_test(tc, expiry_and_refresh);
	tcase_add_test(tc, invalid_packets);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(arp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ICMP: echo replies, errors with their suppression rules, the rate limit, errors received. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/fata.h>
#include <fata/tcpip.h>

#include "harness.h"
#include "icmp.h"

#define NS_PER_S UINT64_C(1000000000)

START_TEST(echo_reply_matches)
{
	struct harness h;
	uint8_t frame[256], data[56];
	size_t len, rlen;
	const uint8_t *r;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xa0 + i);
	len = h_echo(frame, h_peer_ip, h_our_ip, 0xbeef, 7, data, sizeof(data));
	h_init(&h, NULL);
	h_learn_peer(&h);
	h_inject(&h, frame, len);

	ck_assert_uint_eq(h.nif->count, 1);
	r = h_frame(&h, 0, &rlen);
	ck_assert_uint_eq(rlen, len);
	ck_assert_mem_eq(r, h_peer_mac.bytes, 6);
	ck_assert_uint_eq(h_csum(r + 14, 20, 0), 0);
	ck_assert_uint_eq(r[22], 64);
	ck_assert_uint_eq(h_get32(r + 26), h_our_ip);
	ck_assert_uint_eq(h_get32(r + 30), h_peer_ip);
	ck_assert_uint_eq(r[34], 0);
	ck_assert_uint_eq(h_csum(r + 34, rlen - 34, 0), 0);
	ck_assert_uint_eq(h_get16(r + 38), 0xbeef);
	ck_assert_uint_eq(h_get16(r + 40), 7);
	ck_assert_mem_eq(r + 42, data, sizeof(data));
	h_fini(&h);
}
END_TEST

START_TEST(echo_bad_checksum_dropped)
{
	struct harness h;
	uint8_t frame[256], data[8] = { 1 };
	size_t len = h_echo(frame, h_peer_ip, h_our_ip, 1, 1, data, sizeof(data));

	frame[len - 1] ^= 0x40;
	h_init(&h, NULL);
	h_learn_peer(&h);
	h_inject(&h, frame, len);
	/* Shorter than an ICMP header. */
	len = h_ipv4(frame, h_peer_ip, h_our_ip, 1, 9, 0, data, 4);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 0);
	ck_assert_uint_eq(h_stats(&h).icmp.in_errors, 2);
	h_fini(&h);
}
END_TEST

START_TEST(echo_to_broadcast_ignored)
{
	struct harness h;
	uint8_t frame[256], data[8] = { 0 };
	size_t len = h_echo(frame, h_peer_ip, H_IP(192, 0, 2, 255), 1, 1, data, sizeof(data));

	memcpy(frame, h_broadcast_mac.bytes, 6);
	h_init(&h, NULL);
	h_learn_peer(&h);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 0);
	ck_assert_uint_eq(h_stats(&h).icmp.echo_broadcast_ignored, 1);
	h_fini(&h);
}
END_TEST

/* A closed UDP port gets Port Unreachable quoting the header and the data start. */
START_TEST(port_unreachable)
{
	struct harness h;
	uint8_t frame[256];
	size_t len = h_udp(frame, h_peer_ip, 4000, h_our_ip, 4444, "abcdefgh12345", 13);
	const uint8_t *r;
	size_t rlen;

	h_init(&h, NULL);
	h_learn_peer(&h);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 1);
	r = h_frame(&h, 0, &rlen);
	ck_assert_uint_eq(r[34], 3);
	ck_assert_uint_eq(r[35], 3);
	ck_assert_uint_eq(h_csum(r + 34, rlen - 34, 0), 0);
	ck_assert_uint_eq(rlen - 42, len - 14);
	ck_assert_mem_eq(r + 42, frame + 14, len - 14);
	ck_assert_uint_eq(h_stats(&h).udp.no_ports, 1);
	ck_assert_uint_eq(h_stats(&h).icmp.out_dest_unreachs, 1);
	h_fini(&h);
}
END_TEST

/* Quotes stop at 576 bytes of error datagram (RFC 1812 section 4.3.2.3). */
START_TEST(error_quote_limited)
{
	struct harness h;
	uint8_t frame[1600], data[1400] = { 0 };
	size_t len = h_udp(frame, h_peer_ip, 4000, h_our_ip, 4444, data, sizeof(data));
	size_t rlen;

	h_init(&h, NULL);
	h_learn_peer(&h);
	h_inject(&h, frame, len);
	h_frame(&h, 0, &rlen);
	ck_assert_uint_eq(rlen, 14 + 576);
	h_fini(&h);
}
END_TEST

/* The token bucket lets the burst through, then the configured rate. */
START_TEST(rate_limit)
{
	struct harness h;
	uint8_t frame[256];
	size_t len = h_udp(frame, h_peer_ip, 4000, h_our_ip, 4444, "x", 1);

	h_init(&h, NULL);
	h_learn_peer(&h);
	for (int i = 0; i < 200; i++)
		h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).icmp.out_dest_unreachs, 50);
	ck_assert_uint_eq(h_stats(&h).icmp.out_rate_limited, 150);

	h_advance(&h, NS_PER_S / 10);
	for (int i = 0; i < 200; i++)
		h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).icmp.out_dest_unreachs, 60);

	h_advance(&h, 100 * NS_PER_S);
	for (int i = 0; i < 200; i++)
		h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).icmp.out_dest_unreachs, 110);
	ck_assert_uint_eq(h_stats(&h).udp.no_ports, 600);
	h_fini(&h);
}
END_TEST

START_TEST(ratelimit_bucket)
{
	struct icmp_ratelimit rl;

	icmp_ratelimit_init(&rl, 10, 2, 0);
	ck_assert_int_eq(icmp_ratelimit_take(&rl, 0), 1);
	ck_assert_int_eq(icmp_ratelimit_take(&rl, 0), 1);
	ck_assert_int_eq(icmp_ratelimit_take(&rl, 0), 0);
	ck_assert_int_eq(icmp_ratelimit_take(&rl, NS_PER_S / 10 - 1), 0);
	ck_assert_int_eq(icmp_ratelimit_take(&rl, NS_PER_S / 10), 1);
	ck_assert_int_eq(icmp_ratelimit_take(&rl, 50 * NS_PER_S), 1);
	ck_assert_int_eq(icmp_ratelimit_take(&rl, 50 * NS_PER_S), 1);
	ck_assert_int_eq(icmp_ratelimit_take(&rl, 50 * NS_PER_S), 0);
}
END_TEST

/* No error about broadcasts, by IP or by link (RFC 1122 section 3.2.2). */
START_TEST(no_error_about_broadcast)
{
	struct harness h;
	uint8_t frame[256];
	size_t len;

	h_init(&h, NULL);
	h_learn_peer(&h);
	len = h_udp(frame, h_peer_ip, 4000, H_IP(192, 0, 2, 255), 4444, "x", 1);
	h_inject(&h, frame, len);
	len = h_udp(frame, h_peer_ip, 4000, 0xffffffffu, 4444, "x", 1);
	h_inject(&h, frame, len);
	len = h_udp(frame, h_peer_ip, 4000, h_our_ip, 4444, "x", 1);
	memcpy(frame, h_broadcast_mac.bytes, 6);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 0);
	ck_assert_uint_eq(h_stats(&h).udp.no_ports, 3);
	ck_assert_uint_eq(h_stats(&h).icmp.out_suppressed, 3);
	h_fini(&h);
}
END_TEST

/* A fragmented ICMP error that times out gets no Time Exceeded; an echo does. */
START_TEST(no_error_about_error)
{
	struct harness h;
	uint8_t frame[256], msg[64] = { 3, 3 };
	size_t len;

	h_init(&h, NULL);
	h_learn_peer(&h);
	len = h_ipv4(frame, h_peer_ip, h_our_ip, 1, 0x10, 0x2000, msg, sizeof(msg));
	h_inject(&h, frame, len);
	msg[0] = 8;
	msg[1] = 0;
	len = h_ipv4(frame, h_peer_ip, h_our_ip, 1, 0x11, 0x2000, msg, sizeof(msg));
	h_inject(&h, frame, len);
	h_advance(&h, 61 * NS_PER_S);
	ck_assert_uint_eq(h_stats(&h).ip.reasm_timeout, 2);
	ck_assert_uint_eq(h_stats(&h).icmp.out_suppressed, 1);
	ck_assert_uint_eq(h_stats(&h).icmp.out_time_excds, 1);
	h_fini(&h);
}
END_TEST

/* Errors received are counted; those about datagrams we did not send are ignored. */
START_TEST(errors_received)
{
	struct harness h;
	uint8_t frame[256], msg[8 + 28];
	size_t len;

	memset(msg, 0, sizeof(msg));
	msg[0] = 3;
	msg[1] = 4;
	h_put16(msg + 6, 1200);
	msg[8] = 0x45;
	h_put16(msg + 10, 40);
	msg[17] = 6;
	h_put32(msg + 20, h_our_ip);
	h_put32(msg + 24, h_far_ip);
	h_put16(msg + 2, h_csum(msg, sizeof(msg), 0));

	h_init(&h, NULL);
	h_learn_peer(&h);
	len = h_ipv4(frame, h_peer_ip, h_our_ip, 1, 1, 0, msg, sizeof(msg));
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).icmp.in_dest_unreachs, 1);
	ck_assert_uint_eq(h_stats(&h).icmp.in_quote_ignored, 0);

	h_put32(msg + 20, h_far_ip);
	h_put16(msg + 2, 0);
	h_put16(msg + 2, h_csum(msg, sizeof(msg), 0));
	len = h_ipv4(frame, h_peer_ip, h_our_ip, 1, 2, 0, msg, sizeof(msg));
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).icmp.in_quote_ignored, 1);

	/* A quote shorter than a header plus 8 bytes is malformed. */
	len = h_ipv4(frame, h_peer_ip, h_our_ip, 1, 3, 0, msg, 8 + 20);
	frame[34 + 2] = frame[34 + 3] = 0;
	h_put16(frame + 36, h_csum(frame + 34, 28, 0));
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).icmp.in_errors, 1);

	msg[0] = 4;
	h_put16(msg + 2, 0);
	h_put16(msg + 2, h_csum(msg, sizeof(msg), 0));
	len = h_ipv4(frame, h_peer_ip, h_our_ip, 1, 4, 0, msg, sizeof(msg));
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).icmp.in_src_quenchs, 1);
	ck_assert_uint_eq(h.nif->count, 0);
	h_fini(&h);
}
END_TEST

static Suite *icmp_suite(void)
{
	Suite *s = suite_create("tcpip_icmp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, echo_reply_matches);
	tcase_add_test(tc, echo_bad_checksum_dropped);
	tcase_add_test(tc, echo_to_broadcast_ignored);
	tcase_add_test(tc, port_unreachable);
	tcase_add_test(tc, error_quote_limited);
	tcase_add_test(tc, rate_limit);
	tcase_add_test(tc, ratelimit_bucket);
	tcase_add_test(tc, no_error_about_broadcast);
	tcase_add_test(tc, no_error_about_error);
	tcase_add_test(tc, errors_received);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(icmp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

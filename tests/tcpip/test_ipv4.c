/*
 * IPv4 input validation, Ethernet demultiplexing, routing, fragmentation
 * on send and loopback, through a stack on the recording netif.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/fata.h>
#include <fata/tcpip.h>

#include "harness.h"
#include "ip.h"
#include "tcpip_stack.h"

#define NS_PER_S UINT64_C(1000000000)

static size_t echo_frame(uint8_t *buf, size_t data_len)
{
	uint8_t data[2048];

	for (size_t i = 0; i < data_len; i++)
		data[i] = (uint8_t)i;
	return h_echo(buf, h_peer_ip, h_our_ip, 0x1234, 1, data, data_len);
}

/* Every prefix of a valid echo request is dropped and counted, but the whole frame gets a reply. */
START_TEST(truncated_prefixes_dropped)
{
	struct harness h;
	uint8_t frame[256];
	size_t len = echo_frame(frame, 32);
	struct fata_tcpip_stats st;

	h_init(&h, NULL);
	h_learn_peer(&h);
	for (size_t n = 0; n < len; n++)
		h_inject(&h, frame, n);
	ck_assert_uint_eq(h.nif->count, 0);

	st = h_stats(&h);
	ck_assert_uint_eq(st.eth.in_short, 14);
	ck_assert_uint_eq(st.ip.in_hdr_errors, 20);
	ck_assert_uint_eq(st.ip.in_truncated, len - 34);
	ck_assert_uint_eq(st.icmp.out_echo_reps, 0);

	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 1);
	ck_assert_uint_eq(h_stats(&h).icmp.out_echo_reps, 1);
	h_fini(&h);
}
END_TEST

/* A changed byte anywhere in the header breaks the checksum and drops the datagram. */
START_TEST(corrupt_header_dropped)
{
	struct harness h;
	uint8_t frame[256], bad[256];
	size_t len = echo_frame(frame, 16);

	h_init(&h, NULL);
	h_learn_peer(&h);
	for (size_t i = 14; i < 34; i++) {
		memcpy(bad, frame, len);
		bad[i] ^= 0x01;
		h_inject(&h, bad, len);
	}
	ck_assert_uint_eq(h.nif->count, 0);
	/* A total length made larger than the frame counts as truncated instead. */
	ck_assert_uint_eq(h_stats(&h).ip.in_hdr_errors + h_stats(&h).ip.in_truncated, 20);
	ck_assert_uint_ge(h_stats(&h).ip.in_csum_errors, 17);
	h_fini(&h);
}
END_TEST

START_TEST(bad_version_and_ihl)
{
	struct harness h;
	uint8_t frame[256];
	size_t len = echo_frame(frame, 16);

	h_init(&h, NULL);
	h_learn_peer(&h);

	frame[14] = 0x65; /* version 6 */
	h_put16(frame + 24, 0);
	h_put16(frame + 24, h_csum(frame + 14, 20, 0));
	h_inject(&h, frame, len);

	frame[14] = 0x44; /* IHL 4 */
	h_put16(frame + 24, 0);
	h_put16(frame + 24, h_csum(frame + 14, 20, 0));
	h_inject(&h, frame, len);

	ck_assert_uint_eq(h.nif->count, 0);
	ck_assert_uint_eq(h_stats(&h).ip.in_hdr_errors, 2);
	h_fini(&h);
}
END_TEST

/* Ethernet padding after the IP total length is ignored. */
START_TEST(padding_ignored)
{
	struct harness h;
	uint8_t frame[256];
	size_t len = echo_frame(frame, 4);
	const uint8_t *reply;
	size_t reply_len;

	memset(frame + len, 0xee, 20);
	h_init(&h, NULL);
	h_learn_peer(&h);
	h_inject(&h, frame, len + 20);
	ck_assert_uint_eq(h.nif->count, 1);
	reply = h_frame(&h, 0, &reply_len);
	ck_assert_uint_eq(reply_len, len);
	ck_assert_uint_eq(h_get16(reply + 16), 20 + 8 + 4);
	h_fini(&h);
}
END_TEST

/* A header with options (IHL 6) is parsed past them. */
START_TEST(options_skipped)
{
	struct harness h;
	uint8_t frame[256], *ip = frame + 14;
	uint8_t icmp[12] = { 8, 0, 0, 0, 0, 7, 0, 1, 'a', 'b', 'c', 'd' };
	size_t len;

	h_put16(icmp + 2, h_csum(icmp, sizeof(icmp), 0));
	h_eth(frame, &h_our_mac, &h_peer_mac, 0x0800);
	memset(ip, 0, 24);
	ip[0] = 0x46;
	h_put16(ip + 2, 24 + sizeof(icmp));
	ip[8] = 64;
	ip[9] = 1;
	h_put32(ip + 12, h_peer_ip);
	h_put32(ip + 16, h_our_ip);
	ip[20] = 1; /* NOP */
	ip[21] = 1;
	ip[22] = 1;
	ip[23] = 0; /* end of options */
	h_put16(ip + 10, h_csum(ip, 24, 0));
	memcpy(ip + 24, icmp, sizeof(icmp));
	len = 14 + 24 + sizeof(icmp);

	h_init(&h, NULL);
	h_learn_peer(&h);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h.nif->count, 1);
	ck_assert_uint_eq(h_stats(&h).icmp.out_echo_reps, 1);
	h_fini(&h);
}
END_TEST

/* Datagrams for other hosts, and from sources that are no host, are dropped. */
START_TEST(address_filtering)
{
	struct harness h;
	uint8_t frame[256];
	uint8_t data[4] = { 0 };
	size_t len;

	h_init(&h, NULL);
	h_learn_peer(&h);

	len = h_echo(frame, h_peer_ip, H_IP(192, 0, 2, 99), 1, 1, data, 4);
	h_inject(&h, frame, len);
	len = h_echo(frame, 0xffffffffu, h_our_ip, 1, 1, data, 4);
	h_inject(&h, frame, len);
	len = h_echo(frame, H_IP(224, 0, 0, 1), h_our_ip, 1, 1, data, 4);
	h_inject(&h, frame, len);
	len = h_echo(frame, H_IP(127, 0, 0, 1), h_our_ip, 1, 1, data, 4);
	h_inject(&h, frame, len);
	len = h_echo(frame, H_IP(192, 0, 2, 255), h_our_ip, 1, 1, data, 4);
	h_inject(&h, frame, len);

	ck_assert_uint_eq(h.nif->count, 0);
	ck_assert_uint_eq(h_stats(&h).ip.in_addr_errors, 5);
	h_fini(&h);
}
END_TEST

/* Frames for another MAC, and unknown EtherTypes, never reach IP. */
START_TEST(ethernet_demux)
{
	struct harness h;
	uint8_t frame[256];
	size_t len = echo_frame(frame, 8);
	struct fata_tcpip_stats st;

	h_init(&h, NULL);
	h_learn_peer(&h);
	frame[5] = 0x77;
	h_inject(&h, frame, len);
	frame[5] = 0x02;
	h_put16(frame + 12, 0x86dd);
	h_inject(&h, frame, len);
	h_put16(frame + 12, 0x8100);
	h_inject(&h, frame, len);

	st = h_stats(&h);
	ck_assert_uint_eq(st.eth.in_other_host, 1);
	ck_assert_uint_eq(st.eth.in_unknown_type, 2);
	ck_assert_uint_eq(st.ip.in_receives, 0);
	h_fini(&h);
}
END_TEST

/* An unknown protocol gets Protocol Unreachable (RFC 1122 section 3.2.2.1). */
START_TEST(unknown_protocol)
{
	struct harness h;
	uint8_t frame[256], payload[16] = { 0 };
	size_t len = h_ipv4(frame, h_peer_ip, h_our_ip, 132, 5, 0, payload, sizeof(payload));
	const uint8_t *f;

	h_init(&h, NULL);
	h_learn_peer(&h);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).ip.in_unknown_protos, 1);
	ck_assert_uint_eq(h.nif->count, 1);
	f = h_frame(&h, 0, NULL);
	ck_assert_uint_eq(f[14 + 9], 1);
	ck_assert_uint_eq(f[34], 3);
	ck_assert_uint_eq(f[35], 2);
	h_fini(&h);
}
END_TEST

static struct fata_datagram *bind_udp(struct harness *h, uint16_t port)
{
	struct fata_sockaddr local = { .ip = { 0 }, .port = port };
	struct fata_datagram *sock;

	ck_assert_int_eq(fata_stack_udp_bind(h->stack, &local, &sock), 0);
	return sock;
}

static int send_udp(struct harness *h, struct fata_datagram *sock, uint32_t dst, uint16_t port,
		const void *data, size_t len)
{
	struct fata_sockaddr to = { .ip = fata_ipv4_from_u32(dst), .port = port };
	struct fata_view v;
	int status = 1;

	ck_assert_int_eq(fata_buf_copy(data, len, 0, &v), 0);
	ck_assert_int_eq(fata_loop_run_until(h->loop, fata_datagram_send(sock, &to, &v, 1), &status,
			NULL), 0);
	fata_view_release(&v);
	return status;
}

/* A datagram above the MTU leaves in fragments with correct offsets and flags. */
START_TEST(fragments_on_send)
{
	struct harness h;
	struct fata_datagram *sock;
	uint8_t data[4000], whole[4008];
	size_t got = 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	h_init(&h, NULL);
	h_learn_peer(&h);
	sock = bind_udp(&h, 5000);
	ck_assert_int_eq(send_udp(&h, sock, h_peer_ip, 6000, data, sizeof(data)), 0);

	ck_assert_uint_eq(h.nif->count, 3);
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		const uint8_t *f = h_frame(&h, i, &len);
		const uint8_t *ip = f + 14;
		uint16_t frag = h_get16(ip + 6);

		ck_assert_uint_le(len, 1514);
		ck_assert_uint_eq(h_csum(ip, 20, 0), 0);
		ck_assert_uint_eq((frag & 0x1fff) * 8u, got);
		ck_assert_uint_eq((frag & 0x2000) != 0, i < 2);
		ck_assert_uint_eq(h_get16(ip + 4), h_get16(h_frame(&h, 0, NULL) + 18));
		ck_assert_uint_eq(h_get16(ip + 2), len - 14);
		if (i < 2)
			ck_assert_uint_eq((len - 34) % 8, 0);
		memcpy(whole + got, ip + 20, len - 34);
		got += len - 34;
	}
	ck_assert_uint_eq(got, 4008);
	ck_assert_mem_eq(whole + 8, data, sizeof(data));
	ck_assert_uint_eq(h_stats(&h).ip.frag_oks, 1);
	ck_assert_uint_eq(h_stats(&h).ip.frag_creates, 3);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

/* Don't Fragment on an oversized payload fails with FATA_EMSGSIZE. */
START_TEST(dont_fragment_too_big)
{
	struct harness h;
	struct tcpip_stack *ts;
	struct fata_ipaddr dst = fata_ipv4_from_u32(h_peer_ip);
	struct fata_chain chain;
	struct fata_view v;

	h_init(&h, NULL);
	ts = (struct tcpip_stack *)h.stack;
	h_learn_peer(&h);
	ck_assert_uint_eq(tcpip_ip_payload_mtu(ts, &dst), 1480);

	ck_assert_int_eq(fata_buf_alloc(TCPIP_HEADROOM, 1481, &v), 0);
	memset(fata_view_data(v), 0, 1481);
	fata_chain_init(&chain);
	fata_chain_append(&chain, v);
	ck_assert_int_eq(tcpip_ip_output(ts, NULL, &dst, 253, &chain, 1), FATA_EMSGSIZE);
	ck_assert_uint_eq(h_stats(&h).ip.frag_fails, 1);
	ck_assert_uint_eq(h.nif->count, 0);

	ck_assert_int_eq(fata_buf_alloc(TCPIP_HEADROOM, 1480, &v), 0);
	memset(fata_view_data(v), 0, 1480);
	fata_chain_init(&chain);
	fata_chain_append(&chain, v);
	ck_assert_int_eq(tcpip_ip_output(ts, NULL, &dst, 253, &chain, 1), 0);
	ck_assert_uint_eq(h.nif->count, 1);
	ck_assert_uint_eq(h_get16(h_frame(&h, 0, NULL) + 20) & 0x4000, 0x4000);
	h_fini(&h);
}
END_TEST

/* Off-link destinations go to the gateway's MAC; without a gateway there is no route. */
START_TEST(routing)
{
	struct harness h;
	struct fata_datagram *sock;
	struct fata_tcpip_config c = { 0 };
	const uint8_t *f;

	h_init(&h, NULL);
	h_learn_peer(&h);
	sock = bind_udp(&h, 5000);
	ck_assert_int_eq(send_udp(&h, sock, h_far_ip, 53, "x", 1), 0);
	ck_assert_uint_eq(h.nif->count, 1);
	f = h_frame(&h, 0, NULL);
	ck_assert_mem_eq(f, h_peer_mac.bytes, 6);
	ck_assert_uint_eq(h_get32(f + 30), h_far_ip);

	h_clear(&h);
	ck_assert_int_eq(send_udp(&h, sock, H_IP(192, 0, 2, 255), 53, "x", 1), 0);
	ck_assert_mem_eq(h_frame(&h, 0, NULL), h_broadcast_mac.bytes, 6);
	ck_assert_int_eq(send_udp(&h, sock, H_IP(127, 0, 0, 1), 53, "x", 1), FATA_ENETUNREACH);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);

	c.ipv4 = fata_ipv4_from_u32(h_our_ip);
	c.ipv4_prefix_len = 24;
	h_init(&h, &c);
	sock = bind_udp(&h, 5000);
	ck_assert_int_eq(send_udp(&h, sock, h_far_ip, 53, "x", 1), FATA_ENETUNREACH);
	ck_assert_uint_eq(h_stats(&h).ip.out_no_routes, 1);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

/* A datagram to our own address comes back without touching the interface. */
START_TEST(loopback_delivery)
{
	struct harness h;
	struct fata_datagram *a, *b;
	struct fata_sockaddr from;
	union fata_value value;
	int status = 1;

	h_init(&h, NULL);
	h_clear(&h);
	a = bind_udp(&h, 7000);
	b = bind_udp(&h, 7001);
	ck_assert_int_eq(send_udp(&h, a, h_our_ip, 7001, "hello", 5), 0);
	ck_assert_int_eq(fata_loop_run_until(h.loop, fata_datagram_recv(b, &from), &status, &value),
			0);
	ck_assert_int_eq(status, 0);
	ck_assert_uint_eq(value.view.len, 5);
	ck_assert_mem_eq(fata_view_data(value.view), "hello", 5);
	ck_assert_uint_eq(from.port, 7000);
	ck_assert_uint_eq(fata_ipv4_to_u32(&from.ip), h_our_ip);
	fata_view_release(&value.view);
	ck_assert_uint_eq(h.nif->count, 0);
	ck_assert_uint_eq(h_stats(&h).ip.loopback, 1);
	fata_promise_cancel(fata_datagram_close(a));
	fata_promise_cancel(fata_datagram_close(b));
	h_fini(&h);
}
END_TEST

/* Bad configurations are rejected before anything is created. */
START_TEST(config_validation)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_netif nif = { 0 };
	struct fata_stack *stack = NULL;
	struct fata_tcpip_config c = { 0 };

	nif.mtu = 1500;
	ck_assert_int_eq(fata_tcpip_new(loop, &nif, &c, &stack), FATA_EINVAL);
	c.ipv4 = fata_ipv4(192, 0, 2, 0);
	c.ipv4_prefix_len = 24;
	ck_assert_int_eq(fata_tcpip_new(loop, &nif, &c, &stack), FATA_EINVAL);
	c.ipv4 = fata_ipv4(192, 0, 2, 255);
	ck_assert_int_eq(fata_tcpip_new(loop, &nif, &c, &stack), FATA_EINVAL);
	c.ipv4 = fata_ipv4(192, 0, 2, 2);
	c.ipv4_prefix_len = 33;
	ck_assert_int_eq(fata_tcpip_new(loop, &nif, &c, &stack), FATA_EINVAL);
	c.ipv4_prefix_len = 24;
	c.ipv4_gateway = fata_ipv4(198, 51, 100, 1);
	ck_assert_int_eq(fata_tcpip_new(loop, &nif, &c, &stack), FATA_EINVAL);
	c.ipv4_gateway.family = FATA_AF_NONE;
	c.dhcp = 1;
	ck_assert_int_eq(fata_tcpip_new(loop, &nif, &c, &stack), FATA_EINVAL);
	c.dhcp = 0;
	nif.mtu = 67;
	ck_assert_int_eq(fata_tcpip_new(loop, &nif, &c, &stack), FATA_EINVAL);
	ck_assert_ptr_null(stack);
	ck_assert_int_eq(fata_tcpip_is_tcpip(NULL), 0);
	fata_loop_free(loop);
}
END_TEST

/* The counters are registered under the interface's name. */
START_TEST(counters_registered)
{
	struct harness h;
	int found = 0;

	h_init(&h, NULL);
	ck_assert_uint_eq(fata_counter_get("tcpip.test0.arp", "out_announcements", &found), 1);
	ck_assert_int_eq(found, 1);
	fata_counter_get("tcpip.test0.ip", "in_receives", &found);
	ck_assert_int_eq(found, 1);
	h_fini(&h);
	fata_counter_get("tcpip.test0.ip", "in_receives", &found);
	ck_assert_int_eq(found, 0);
}
END_TEST

static Suite *ipv4_suite(void)
{
	Suite *s = suite_create("tcpip_ipv4");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, truncated_prefixes_dropped);
	tcase_add_test(tc, corrupt_header_dropped);
	tcase_add_test(tc, bad_version_and_ihl);
	tcase_add_test(tc, padding_ignored);
	tcase_add_test(tc, options_skipped);
	tcase_add_test(tc, address_filtering);
	tcase_add_test(tc, ethernet_demux);
	tcase_add_test(tc, unknown_protocol);
	tcase_add_test(tc, fragments_on_send);
	tcase_add_test(tc, dont_fragment_too_big);
	tcase_add_test(tc, routing);
	tcase_add_test(tc, loopback_delivery);
	tcase_add_test(tc, config_validation);
	tcase_add_test(tc, counters_registered);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ipv4_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

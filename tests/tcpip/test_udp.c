/* UDP sockets: binding, receiving, queue limits, checksums, sending, closing. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/fata.h>
#include <fata/sim.h>
#include <fata/tcpip.h>

#include "harness.h"

static struct fata_datagram *bind_port(struct harness *h, uint16_t port)
{
	struct fata_sockaddr local = { .port = port };
	struct fata_datagram *sock;

	ck_assert_int_eq(fata_stack_udp_bind(h->stack, &local, &sock), 0);
	return sock;
}

/* Runs a receive to completion; returns its status and stores the value. */
static int recv_one(struct harness *h, struct fata_datagram *sock, struct fata_sockaddr *from,
		union fata_value *value)
{
	int status = 1;
	int rc = fata_loop_run_until(h->loop, fata_datagram_recv(sock, from), &status, value);

	return rc != 0 ? rc : status;
}

START_TEST(receive_datagram)
{
	struct harness h;
	struct fata_datagram *sock;
	struct fata_sockaddr from, local;
	union fata_value v;
	uint8_t frame[256];
	size_t len = h_udp(frame, h_peer_ip, 3333, h_our_ip, 5353, "query", 5);

	h_init(&h, NULL);
	sock = bind_port(&h, 5353);
	ck_assert_int_eq(sock->ops->get_local(sock, &local), 0);
	ck_assert_uint_eq(local.port, 5353);
	h_inject(&h, frame, len);
	ck_assert_int_eq(recv_one(&h, sock, &from, &v), 0);
	ck_assert_uint_eq(v.view.len, 5);
	ck_assert_mem_eq(fata_view_data(v.view), "query", 5);
	ck_assert_uint_eq(from.port, 3333);
	ck_assert_uint_eq(fata_ipv4_to_u32(&from.ip), h_peer_ip);
	fata_view_release(&v.view);
	ck_assert_uint_eq(h_stats(&h).udp.in_datagrams, 1);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

/* Datagrams that arrive before a receive wait in order; a pending receive takes the next. */
START_TEST(queue_order)
{
	struct harness h;
	struct fata_datagram *sock;
	union fata_value v;
	uint8_t frame[256];
	char text[2] = "0";

	h_init(&h, NULL);
	sock = bind_port(&h, 7);
	for (int i = 0; i < 3; i++) {
		text[0] = (char)('a' + i);
		h_inject(&h, frame, h_udp(frame, h_peer_ip, 1000, h_our_ip, 7, text, 1));
	}
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(recv_one(&h, sock, NULL, &v), 0);
		ck_assert_uint_eq(((char *)fata_view_data(v.view))[0], 'a' + i);
		fata_view_release(&v.view);
	}
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

/* RFC 768: a zero checksum means none was computed, and is accepted. */
START_TEST(zero_checksum_accepted)
{
	struct harness h;
	struct fata_datagram *sock;
	union fata_value v;
	uint8_t frame[256];
	size_t len = h_udp(frame, h_peer_ip, 1000, h_our_ip, 7, "zz", 2);

	frame[40] = frame[41] = 0;
	h_init(&h, NULL);
	sock = bind_port(&h, 7);
	h_inject(&h, frame, len);
	ck_assert_int_eq(recv_one(&h, sock, NULL, &v), 0);
	fata_view_release(&v.view);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

START_TEST(bad_checksum_and_lengths)
{
	struct harness h;
	struct fata_datagram *sock;
	union fata_value v;
	uint8_t frame[256], copy[256];
	size_t len = h_udp(frame, h_peer_ip, 1000, h_our_ip, 7, "abcdef", 6);

	h_init(&h, NULL);
	sock = bind_port(&h, 7);

	memcpy(copy, frame, len);
	copy[len - 1] ^= 1;
	h_inject(&h, copy, len);
	ck_assert_uint_eq(h_stats(&h).udp.in_csum_errors, 1);

	memcpy(copy, frame, len);
	h_put16(copy + 38, 7); /* UDP length below the header */
	h_inject(&h, copy, len);
	h_put16(copy + 38, 100); /* beyond the IP payload */
	h_inject(&h, copy, len);
	ck_assert_uint_eq(h_stats(&h).udp.in_errors, 3);

	/* Every truncated prefix of the datagram is dropped. */
	for (size_t n = 34; n < len; n++) {
		memcpy(copy, frame, len);
		h_put16(copy + 16, (uint16_t)(n - 14));
		h_put16(copy + 24, 0);
		h_put16(copy + 24, h_csum(copy + 14, 20, 0));
		h_inject(&h, copy, n);
	}
	ck_assert_uint_eq(h_stats(&h).udp.in_errors, 3 + (len - 34));
	ck_assert_uint_eq(h_stats(&h).udp.in_datagrams, 0);

	/* A UDP length shorter than the IP payload cuts the data (checksum off). */
	memcpy(copy, frame, len);
	h_put16(copy + 38, 8 + 3);
	copy[40] = copy[41] = 0;
	h_inject(&h, copy, len);
	ck_assert_int_eq(recv_one(&h, sock, NULL, &v), 0);
	ck_assert_uint_eq(v.view.len, 3);
	fata_view_release(&v.view);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

START_TEST(bind_rules)
{
	struct harness h;
	struct fata_datagram *a, *b, *c;
	struct fata_sockaddr local, la, lb;

	h_init(&h, NULL);
	a = bind_port(&h, 0);
	b = bind_port(&h, 0);
	ck_assert_int_eq(a->ops->get_local(a, &la), 0);
	ck_assert_int_eq(b->ops->get_local(b, &lb), 0);
	ck_assert_uint_ge(la.port, 49152);
	ck_assert_uint_ge(lb.port, 49152);
	ck_assert_uint_ne(la.port, lb.port);

	memset(&local, 0, sizeof(local));
	local.port = la.port;
	ck_assert_int_eq(fata_stack_udp_bind(h.stack, &local, &c), FATA_EADDRINUSE);
	local.ip = fata_ipv4_from_u32(h_our_ip);
	ck_assert_int_eq(fata_stack_udp_bind(h.stack, &local, &c), FATA_EADDRINUSE);
	local.port = 9;
	local.ip = fata_ipv4_from_u32(h_peer_ip);
	ck_assert_int_eq(fata_stack_udp_bind(h.stack, &local, &c), FATA_EADDRNOTAVAIL);
	local.ip.family = FATA_AF_INET6;
	ck_assert_int_eq(fata_stack_udp_bind(h.stack, &local, &c), FATA_EADDRNOTAVAIL);

	fata_promise_cancel(fata_datagram_close(a));
	local.ip = fata_ipv4_from_u32(h_our_ip);
	local.port = la.port;
	ck_assert_int_eq(fata_stack_udp_bind(h.stack, &local, &c), 0);
	fata_promise_cancel(fata_datagram_close(b));
	fata_promise_cancel(fata_datagram_close(c));
	h_fini(&h);
}
END_TEST

/* A socket on our own address does not see broadcasts. */
START_TEST(specific_address_no_broadcast)
{
	struct harness h;
	struct fata_datagram *sock;
	struct fata_sockaddr local = { .port = 67 };
	uint8_t frame[256];

	h_init(&h, NULL);
	local.ip = fata_ipv4_from_u32(h_our_ip);
	ck_assert_int_eq(fata_stack_udp_bind(h.stack, &local, &sock), 0);
	h_inject(&h, frame, h_udp(frame, h_peer_ip, 68, 0xffffffffu, 67, "b", 1));
	ck_assert_uint_eq(h_stats(&h).udp.no_ports, 1);
	h_inject(&h, frame, h_udp(frame, h_peer_ip, 68, h_our_ip, 67, "u", 1));
	ck_assert_uint_eq(h_stats(&h).udp.in_datagrams, 1);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

START_TEST(receive_queue_limit)
{
	struct harness h;
	struct fata_datagram *sock;
	uint8_t frame[256];
	size_t len = h_udp(frame, h_peer_ip, 1000, h_our_ip, 7, "q", 1);

	h_init(&h, NULL);
	sock = bind_port(&h, 7);
	for (int i = 0; i < 300; i++)
		h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).udp.in_datagrams, 256);
	ck_assert_uint_eq(h_stats(&h).udp.rcvbuf_errors, 44);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

static int close_status;
static int close_runs;

static void on_recv(void *arg, int status, union fata_value value)
{
	(void)arg;
	(void)value;
	close_status = status;
	close_runs++;
}

/* Closing rejects the pending receive with FATA_ECLOSED; a second receive is FATA_EBUSY. */
START_TEST(close_rejects_pending)
{
	struct harness h;
	struct fata_datagram *sock;
	int status = 0;

	close_runs = 0;
	h_init(&h, NULL);
	sock = bind_port(&h, 7);
	fata_promise_then(fata_datagram_recv(sock, NULL), on_recv, NULL);
	ck_assert_int_eq(fata_loop_run_until(h.loop, fata_datagram_recv(sock, NULL), &status, NULL),
			0);
	ck_assert_int_eq(status, FATA_EBUSY);
	fata_promise_then(fata_datagram_close(sock), on_recv, NULL);
	fata_loop_run(h.loop, FATA_RUN_ONCE);
	ck_assert_int_eq(close_runs, 2);
	h_fini(&h);

	/* Destroying the stack closes its sockets the same way. */
	close_runs = 0;
	h_init(&h, NULL);
	sock = bind_port(&h, 7);
	fata_promise_then(fata_datagram_recv(sock, NULL), on_recv, NULL);
	fata_stack_destroy(h.stack);
	fata_loop_run(h.loop, FATA_RUN_ONCE);
	ck_assert_int_eq(close_runs, 1);
	ck_assert_int_eq(close_status, FATA_ECLOSED);
	h.stack = NULL;
	h_clear(&h);
	free(h.nif);
	fata_loop_free(h.loop);
}
END_TEST

/* A canceled receive leaves the next datagram on the queue. */
START_TEST(cancel_receive)
{
	struct harness h;
	struct fata_datagram *sock;
	union fata_value v;
	uint8_t frame[256];

	h_init(&h, NULL);
	sock = bind_port(&h, 7);
	fata_promise_cancel(fata_datagram_recv(sock, NULL));
	h_inject(&h, frame, h_udp(frame, h_peer_ip, 1000, h_our_ip, 7, "k", 1));
	ck_assert_int_eq(recv_one(&h, sock, NULL, &v), 0);
	fata_view_release(&v.view);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

static int send_views(struct harness *h, struct fata_datagram *sock, const struct fata_sockaddr *to,
		struct fata_view *views, size_t count)
{
	int status = 1;

	ck_assert_int_eq(fata_loop_run_until(h->loop, fata_datagram_send(sock, to, views, count),
			&status, NULL), 0);
	return status;
}

/* Sends join their views, carry a valid checksum and reject bad destinations. */
START_TEST(send_gather_and_errors)
{
	struct harness h;
	struct fata_datagram *sock;
	struct fata_sockaddr to = { .port = 9 };
	struct fata_view views[9];
	uint8_t pseudo[12];
	uint32_t sum = 0;
	const uint8_t *f;
	size_t len;

	h_init(&h, NULL);
	h_learn_peer(&h);
	sock = bind_port(&h, 5000);
	to.ip = fata_ipv4_from_u32(h_peer_ip);
	for (int i = 0; i < 9; i++)
		ck_assert_int_eq(fata_buf_copy("abc", 3, 0, &views[i]), 0);

	ck_assert_int_eq(send_views(&h, sock, &to, views, 3), 0);
	ck_assert_int_eq(send_views(&h, sock, &to, views, 9), 0);
	ck_assert_uint_eq(h.nif->count, 2);
	for (size_t k = 0; k < 2; k++) {
		f = h_frame(&h, k, &len);
		ck_assert_uint_eq(len, 42 + (k ? 27 : 9));
		ck_assert_uint_eq(h_get16(f + 34), 5000);
		ck_assert_uint_eq(h_get16(f + 36), 9);
		memcpy(pseudo, f + 26, 8);
		pseudo[8] = 0;
		pseudo[9] = 17;
		memcpy(pseudo + 10, f + 38, 2);
		sum = 0;
		for (int i = 0; i < 12; i += 2)
			sum += h_get16(pseudo + i);
		ck_assert_uint_eq(h_csum(f + 34, len - 34, sum), 0);
		ck_assert_mem_eq(f + 42, "abcabcabc", 9);
	}

	to.port = 0;
	ck_assert_int_eq(send_views(&h, sock, &to, views, 1), FATA_EINVAL);
	to.port = 9;
	to.ip.family = FATA_AF_INET6;
	ck_assert_int_eq(send_views(&h, sock, &to, views, 1), FATA_ENETUNREACH);
	for (int i = 0; i < 9; i++)
		fata_view_release(&views[i]);

	to.ip = fata_ipv4_from_u32(h_peer_ip);
	ck_assert_int_eq(fata_buf_alloc(0, 65508, &views[0]), 0);
	ck_assert_int_eq(send_views(&h, sock, &to, views, 1), FATA_EMSGSIZE);
	fata_view_release(&views[0]);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

/* Two stacks on the simulated link exchange large datagrams through a lossy, reordering link. */
START_TEST(sim_two_stacks)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_sim_params params = { 0 };
	struct fata_sim_link *link;
	struct fata_netif *na, *nb;
	struct fata_stack *a, *b;
	struct fata_tcpip_config ca = { 0 }, cb = { 0 };
	struct fata_datagram *sa, *sb;
	struct fata_sockaddr local = { .port = 7 }, to = { .port = 7 };
	uint8_t data[6000];
	int received = 0;

	params.reorder_ppm = 200000;
	params.reorder_ns = 2000000;
	params.duplicate_ppm = 100000;
	params.delay_ns = 100000;
	ck_assert_int_eq(fata_sim_link_new(loop, &params, 7, &link), 0);
	ck_assert_int_eq(fata_sim_link_port(link, &h_peer_mac, &na), 0);
	ck_assert_int_eq(fata_sim_link_port(link, &h_our_mac, &nb), 0);
	ca.ipv4 = fata_ipv4_from_u32(h_peer_ip);
	ca.ipv4_prefix_len = 24;
	ca.random_seed = 1;
	cb.ipv4 = fata_ipv4_from_u32(h_our_ip);
	cb.ipv4_prefix_len = 24;
	cb.random_seed = 2;
	ck_assert_int_eq(fata_tcpip_new(loop, na, &ca, &a), 0);
	ck_assert_int_eq(fata_tcpip_new(loop, nb, &cb, &b), 0);
	ck_assert_int_eq(fata_stack_udp_bind(a, &local, &sa), 0);
	ck_assert_int_eq(fata_stack_udp_bind(b, &local, &sb), 0);

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	to.ip = fata_ipv4_from_u32(h_our_ip);
	for (int round = 0; round < 20; round++) {
		struct fata_view v;
		union fata_value got;
		int status = 1;

		ck_assert_int_eq(fata_buf_copy(data, sizeof(data) - (size_t)round, 0, &v), 0);
		fata_promise_cancel(fata_datagram_send(sa, &to, &v, 1));
		fata_view_release(&v);
		ck_assert_int_eq(fata_loop_run_until(loop, fata_datagram_recv(sb, NULL), &status, &got),
				0);
		if (status == 0) {
			ck_assert_uint_eq(got.view.len, sizeof(data) - (size_t)round);
			ck_assert_mem_eq(fata_view_data(got.view), data, got.view.len);
			fata_view_release(&got.view);
			received++;
		}
	}
	ck_assert_int_ge(received, 18);

	fata_promise_cancel(fata_datagram_close(sa));
	fata_promise_cancel(fata_datagram_close(sb));
	fata_stack_destroy(a);
	fata_stack_destroy(b);
	fata_loop_run(loop, FATA_RUN_IDLE);
	fata_sim_link_free(link);
	fata_loop_free(loop);
}
END_TEST

/* With TX_CSUM on, a send leaves the checksum to the device: pseudo-header sum only. */
START_TEST(send_with_checksum_offload)
{
	struct harness h;
	struct fata_datagram *sock;
	struct fata_sockaddr to = { .ip = fata_ipv4_from_u32(h_peer_ip), .port = 4000 };
	struct fata_view v;
	size_t len;

	h_init_offloads(&h, NULL, FATA_NETIF_F_TX_CSUM | FATA_NETIF_F_RX_CSUM);
	ck_assert_uint_eq(h.nif->base.offloads, FATA_NETIF_F_TX_CSUM | FATA_NETIF_F_RX_CSUM);
	h_learn_peer(&h);
	sock = bind_port(&h, 5000);
	ck_assert_int_eq(fata_buf_copy("offloaded", 9, 64, &v), 0);
	ck_assert_int_eq(send_views(&h, sock, &to, &v, 1), 0);
	fata_view_release(&v);

	long i = h_find_type(&h, 0x0800, 0);
	ck_assert_int_ge(i, 0);
	const uint8_t *f = h_frame(&h, (size_t)i, &len);
	const struct fata_netif_meta *m = &h.nif->meta[i];
	ck_assert_uint_eq(m->flags, FATA_NETIF_META_CSUM_PARTIAL);
	ck_assert_uint_eq(m->gso_type, FATA_NETIF_GSO_NONE);
	ck_assert_uint_eq(m->csum_start, 14 + 20);
	ck_assert_uint_eq(m->csum_offset, 6);

	/* The field is the folded pseudo-header sum; the device's sum over the datagram completes it. */
	uint32_t pseudo = 17 + 8 + 9;
	for (int k = 26; k < 34; k += 2)
		pseudo += h_get16(f + k);
	ck_assert_uint_eq(h_get16(f + 34 + 6), (uint16_t)~h_csum(NULL, 0, pseudo));
	uint8_t done[64];
	ck_assert_uint_le(len - 34, sizeof(done));
	memcpy(done, f + 34, len - 34);
	uint16_t csum = h_csum(done, len - 34, 0);
	done[6] = (uint8_t)(csum >> 8);
	done[7] = (uint8_t)csum;
	ck_assert_uint_eq(h_csum(done, len - 34, pseudo), 0);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

/* A datagram the device verified skips the check; without the mark a bad checksum drops it. */
START_TEST(receive_verified_checksum)
{
	struct harness h;
	struct fata_datagram *sock;
	struct fata_netif_meta valid = { .flags = FATA_NETIF_META_CSUM_VALID };
	union fata_value v;
	uint8_t frame[256];
	size_t len = h_udp(frame, h_peer_ip, 3333, h_our_ip, 5353, "query", 5);

	frame[len - 1] ^= 0x40; /* the checksum no longer matches */
	h_init_offloads(&h, NULL, FATA_NETIF_F_RX_CSUM);
	sock = bind_port(&h, 5353);
	h_inject(&h, frame, len);
	ck_assert_uint_eq(h_stats(&h).udp.in_csum_errors, 1);
	h_inject_meta(&h, frame, len, &valid);
	ck_assert_int_eq(recv_one(&h, sock, NULL, &v), 0);
	ck_assert_uint_eq(v.view.len, 5);
	fata_view_release(&v.view);
	ck_assert_uint_eq(h_stats(&h).udp.in_datagrams, 1);
	fata_promise_cancel(fata_datagram_close(sock));
	h_fini(&h);
}
END_TEST

static Suite *udp_suite(void)
{
	Suite *s = suite_create("tcpip_udp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, receive_datagram);
	tcase_add_test(tc, queue_order);
	tcase_add_test(tc, zero_checksum_accepted);
	tcase_add_test(tc, bad_checksum_and_lengths);
	tcase_add_test(tc, bind_rules);
	tcase_add_test(tc, specific_address_no_broadcast);
	tcase_add_test(tc, receive_queue_limit);
	tcase_add_test(tc, close_rejects_pending);
	tcase_add_test(tc, cancel_receive);
	tcase_add_test(tc, send_gather_and_errors);
	tcase_add_test(tc, send_with_checksum_offload);
	tcase_add_test(tc, receive_verified_checksum);
	tcase_add_test(tc, sim_two_stacks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(udp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

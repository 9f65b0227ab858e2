/*
 * The DHCPv4 client against a scripted server: the test reads each message
 * the stack sends on the recording netif and injects the server's replies.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/fata.h>
#include <fata/sim.h>
#include <fata/tcpip.h>

#include "dhcp_message.h"
#include "harness.h"

#define NS_PER_S UINT64_C(1000000000)
#define NS_PER_MS UINT64_C(1000000)

static const uint32_t server_ip = H_IP(192, 0, 2, 1);
static const uint32_t offered_ip = H_IP(192, 0, 2, 77);

/* One client message seen on the wire. */
struct sent_msg {
	uint32_t ip_src, ip_dst;
	uint8_t type;
	uint32_t xid, ciaddr, requested, server_id;
	uint16_t secs;
	int found;
};

static void read_options(const uint8_t *o, size_t len, struct sent_msg *m)
{
	size_t i = 0;

	while (i < len && o[i] != 255) {
		uint8_t code = o[i], l;

		if (code == 0) {
			i++;
			continue;
		}
		l = o[i + 1];
		if (code == 53)
			m->type = o[i + 2];
		else if (code == 50)
			m->requested = h_get32(o + i + 2);
		else if (code == 54)
			m->server_id = h_get32(o + i + 2);
		i += 2u + l;
	}
}

/* Finds the n-th DHCP message the client sent. */
static struct sent_msg sent_dhcp(struct harness *h, size_t n)
{
	struct sent_msg m = { 0 };

	for (size_t i = 0; i < h->nif->count; i++) {
		size_t len;
		const uint8_t *f = h_frame(h, i, &len);
		const uint8_t *b = f + 42;

		if (h_get16(f + 12) != 0x0800 || f[23] != 17 || h_get16(f + 36) != 67)
			continue;
		if (n-- > 0)
			continue;
		ck_assert_uint_eq(h_get16(f + 34), 68);
		ck_assert_uint_ge(len, 42 + 300);
		ck_assert_uint_eq(b[0], 1);
		ck_assert_mem_eq(b + 28, h_our_mac.bytes, 6);
		ck_assert_uint_eq(h_get32(b + 236), 0x63825363);
		m.ip_src = h_get32(f + 26);
		m.ip_dst = h_get32(f + 30);
		m.xid = h_get32(b + 4);
		m.secs = h_get16(b + 8);
		m.ciaddr = h_get32(b + 12);
		read_options(b + 240, len - 42 - 240, &m);
		m.found = 1;
		return m;
	}
	return m;
}

static size_t count_dhcp(struct harness *h)
{
	size_t n = 0;

	while (sent_dhcp(h, n).found)
		n++;
	return n;
}

/* Server reply options; lease 0 leaves option 51 out. */
struct reply_opts {
	uint8_t type;
	uint32_t xid, yiaddr, lease, t1, t2;
	int no_server_id;
};

static size_t build_reply(uint8_t *msg, const struct reply_opts *r)
{
	uint8_t *o = msg + 240;

	memset(msg, 0, 548);
	msg[0] = 2;
	msg[1] = 1;
	msg[2] = 6;
	h_put32(msg + 4, r->xid);
	h_put32(msg + 16, r->yiaddr);
	h_put32(msg + 20, server_ip);
	memcpy(msg + 28, h_our_mac.bytes, 6);
	h_put32(msg + 236, 0x63825363);
	*o++ = 53;
	*o++ = 1;
	*o++ = r->type;
	if (!r->no_server_id) {
		*o++ = 54;
		*o++ = 4;
		h_put32(o, server_ip);
		o += 4;
	}
	*o++ = 1;
	*o++ = 4;
	h_put32(o, 0xffffff00u);
	o += 4;
	*o++ = 3;
	*o++ = 8;
	h_put32(o, server_ip);
	h_put32(o + 4, H_IP(192, 0, 2, 254));
	o += 8;
	if (r->lease) {
		*o++ = 51;
		*o++ = 4;
		h_put32(o, r->lease);
		o += 4;
	}
	if (r->t1) {
		*o++ = 58;
		*o++ = 4;
		h_put32(o, r->t1);
		o += 4;
	}
	if (r->t2) {
		*o++ = 59;
		*o++ = 4;
		h_put32(o, r->t2);
		o += 4;
	}
	*o++ = 255;
	return (size_t)(o - msg);
}

static void reply(struct harness *h, const struct reply_opts *r, uint32_t ip_dst)
{
	uint8_t msg[548], frame[700];
	size_t len = build_reply(msg, r);

	h_inject(h, frame, h_udp(frame, server_ip, 67, ip_dst, 68, msg, len));
}

static void dhcp_init(struct harness *h)
{
	struct fata_tcpip_config c = { 0 };

	c.dhcp = 1;
	h_init(h, &c);
}

static int ready_status;
static uint64_t ready_value;
static int ready_runs;

static void on_ready(void *arg, int status, union fata_value value)
{
	(void)arg;
	ready_status = status;
	ready_value = value.u64;
	ready_runs++;
}

/* Runs DISCOVER, OFFER, REQUEST, ACK and the probe; returns with the lease bound. */
static void acquire(struct harness *h, uint32_t lease)
{
	struct sent_msg m = sent_dhcp(h, 0);
	struct reply_opts r = { .type = DHCPOFFER, .yiaddr = offered_ip, .lease = lease };

	ck_assert(m.found);
	r.xid = m.xid;
	reply(h, &r, 0xffffffffu);
	m = sent_dhcp(h, 1);
	ck_assert_uint_eq(m.type, DHCPREQUEST);
	r.type = DHCPACK;
	r.xid = m.xid;
	reply(h, &r, offered_ip);
	h_advance(h, NS_PER_S);
	ck_assert_int_eq(fata_tcpip_get_ipv4(h->stack, NULL, NULL, NULL), 0);

	/* The server sends an ARP request for us, so renewals find its MAC at once. */
	uint8_t frame[64];
	struct fata_mac zero = { { 0 } };

	h_inject(h, frame, h_arp(frame, 1, &h_broadcast_mac, &h_peer_mac, server_ip, &zero,
			offered_ip));
}

START_TEST(full_exchange)
{
	struct harness h;
	struct fata_ipaddr addr, gw;
	unsigned prefix = 0;
	struct sent_msg m;
	long probe;
	const uint8_t *f;

	ready_runs = 0;
	dhcp_init(&h);
	ck_assert_int_eq(fata_tcpip_get_ipv4(h.stack, &addr, &prefix, &gw), FATA_EADDRNOTAVAIL);
	fata_promise_then(fata_tcpip_ready(h.stack), on_ready, NULL);

	m = sent_dhcp(&h, 0);
	ck_assert(m.found);
	ck_assert_uint_eq(m.type, DHCPDISCOVER);
	ck_assert_uint_eq(m.ip_src, 0);
	ck_assert_uint_eq(m.ip_dst, 0xffffffffu);
	ck_assert_mem_eq(h_frame(&h, 0, NULL), h_broadcast_mac.bytes, 6);

	struct reply_opts r = { .type = DHCPOFFER, .xid = m.xid, .yiaddr = offered_ip, .lease = 3600 };
	reply(&h, &r, offered_ip);
	m = sent_dhcp(&h, 1);
	ck_assert_uint_eq(m.type, DHCPREQUEST);
	ck_assert_uint_eq(m.requested, offered_ip);
	ck_assert_uint_eq(m.server_id, server_ip);
	ck_assert_uint_eq(m.ciaddr, 0);

	h_clear(&h);
	r.type = DHCPACK;
	reply(&h, &r, offered_ip);
	probe = h_find_type(&h, 0x0806, 0);
	ck_assert_int_ge(probe, 0);
	f = h_frame(&h, (size_t)probe, NULL);
	ck_assert_uint_eq(h_get32(f + 28), 0);
	ck_assert_uint_eq(h_get32(f + 38), offered_ip);
	fata_loop_run(h.loop, FATA_RUN_ONCE);
	ck_assert_int_eq(ready_runs, 0);

	h_advance(&h, NS_PER_S);
	ck_assert_int_eq(ready_runs, 1);
	ck_assert_int_eq(ready_status, 0);
	ck_assert_uint_eq(ready_value, offered_ip);
	ck_assert_int_eq(fata_tcpip_get_ipv4(h.stack, &addr, &prefix, &gw), 0);
	ck_assert_uint_eq(fata_ipv4_to_u32(&addr), offered_ip);
	ck_assert_uint_eq(prefix, 24);
	ck_assert_uint_eq(fata_ipv4_to_u32(&gw), server_ip);
	ck_assert_uint_eq(h_stats(&h).arp.out_announcements, 1);
	ck_assert_uint_eq(h_stats(&h).dhcp.leases, 1);
	h_fini(&h);
}
END_TEST

/* RFC 2131 section 4.1: retransmit after 4, 8, 16 s, each within one second. */
START_TEST(discover_backoff)
{
	struct harness h;
	uint64_t times[5];
	size_t seen = 1;
	uint64_t start;

	dhcp_init(&h);
	start = fata_loop_now(h.loop);
	times[0] = start;
	while (seen < 5 && fata_loop_now(h.loop) - start < 80 * NS_PER_S) {
		h_advance(&h, 10 * NS_PER_MS);
		if (count_dhcp(&h) > seen)
			times[seen++] = fata_loop_now(h.loop);
	}
	ck_assert_uint_eq(seen, 5);
	for (size_t i = 1; i < 5; i++) {
		uint64_t gap = times[i] - times[i - 1];
		uint64_t base = (UINT64_C(4) << (i - 1)) * NS_PER_S;

		ck_assert_uint_ge(gap + NS_PER_S, base);
		ck_assert_uint_le(gap, base + NS_PER_S + 10 * NS_PER_MS);
		ck_assert_uint_eq(sent_dhcp(&h, i).type, DHCPDISCOVER);
		ck_assert_uint_eq(sent_dhcp(&h, i).xid, sent_dhcp(&h, 0).xid);
	}
	ck_assert_uint_eq(sent_dhcp(&h, 4).secs, (times[4] - start) / NS_PER_S);
	ck_assert_uint_eq(h_stats(&h).dhcp.retransmissions, 4);
	h_fini(&h);
}
END_TEST

/* T1 renews by unicast; T2 rebinds by broadcast; expiry drops the address. */
/* Replies to the client's ARP request for the server, which a unicast renewal waits for. */
static void answer_arp(struct harness *h)
{
	uint8_t frame[64];
	long i = h_find_type(h, 0x0806, h_count_type(h, 0x0806) - 1);

	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(h_get32(h_frame(h, (size_t)i, NULL) + 38), server_ip);
	h_inject(h, frame, h_arp(frame, 2, &h_our_mac, &h_peer_mac, server_ip, &h_our_mac,
			offered_ip));
}

START_TEST(renew_rebind_expire)
{
	struct harness h;
	struct sent_msg m;
	struct reply_opts r = { .type = DHCPACK, .yiaddr = offered_ip, .lease = 1000 };
	size_t n;

	dhcp_init(&h);
	acquire(&h, 1000);
	n = count_dhcp(&h);

	h_advance(&h, 499 * NS_PER_S);
	ck_assert_uint_eq(count_dhcp(&h), n);
	h_advance(&h, NS_PER_S);
	answer_arp(&h);
	m = sent_dhcp(&h, n);
	ck_assert_uint_eq(m.type, DHCPREQUEST);
	ck_assert_uint_eq(m.ip_src, offered_ip);
	ck_assert_uint_eq(m.ip_dst, server_ip);
	ck_assert_uint_eq(m.ciaddr, offered_ip);
	ck_assert_uint_eq(m.requested, 0);
	ck_assert_uint_eq(m.server_id, 0);

	/* The server extends the lease: T1 moves 500 s on from this request. */
	r.xid = m.xid;
	reply(&h, &r, offered_ip);
	ck_assert_uint_eq(h_stats(&h).dhcp.renewals, 1);
	n = count_dhcp(&h);
	h_advance(&h, 499 * NS_PER_S);
	ck_assert_uint_eq(count_dhcp(&h), n);
	h_advance(&h, NS_PER_S);
	answer_arp(&h);
	ck_assert_uint_eq(count_dhcp(&h), n + 1);

	/* No more replies: retransmit in RENEWING, then REBINDING at T2 (875 s). */
	h_advance(&h, 375 * NS_PER_S);
	m = sent_dhcp(&h, count_dhcp(&h) - 1);
	ck_assert_uint_eq(m.ip_dst, 0xffffffffu);
	ck_assert_uint_eq(m.ciaddr, offered_ip);
	ck_assert_int_eq(fata_tcpip_get_ipv4(h.stack, NULL, NULL, NULL), 0);

	h_advance(&h, 125 * NS_PER_S);
	ck_assert_int_eq(fata_tcpip_get_ipv4(h.stack, NULL, NULL, NULL), FATA_EADDRNOTAVAIL);
	m = sent_dhcp(&h, count_dhcp(&h) - 1);
	ck_assert_uint_eq(m.type, DHCPDISCOVER);
	ck_assert_uint_eq(h_stats(&h).dhcp.expirations, 1);
	h_fini(&h);
}
END_TEST

/* A NAK to the request starts over with a new DISCOVER. */
START_TEST(nak_restarts)
{
	struct harness h;
	struct sent_msg m;
	struct reply_opts r = { .type = DHCPOFFER, .yiaddr = offered_ip, .lease = 600 };

	dhcp_init(&h);
	m = sent_dhcp(&h, 0);
	r.xid = m.xid;
	reply(&h, &r, 0xffffffffu);
	ck_assert_uint_eq(sent_dhcp(&h, 1).type, DHCPREQUEST);
	r.type = DHCPNAK;
	reply(&h, &r, 0xffffffffu);
	ck_assert_uint_eq(h_stats(&h).dhcp.in_naks, 1);
	ck_assert_uint_eq(count_dhcp(&h), 2);
	h_advance(&h, NS_PER_S);
	m = sent_dhcp(&h, 2);
	ck_assert_uint_eq(m.type, DHCPDISCOVER);
	ck_assert_uint_ne(m.xid, r.xid);
	h_fini(&h);
}
END_TEST

/* Another host answering the probe makes the client decline and wait 10 s. */
START_TEST(probe_conflict_declines)
{
	struct harness h;
	struct sent_msg m;
	struct reply_opts r = { .type = DHCPOFFER, .yiaddr = offered_ip, .lease = 600 };
	struct fata_mac other = { { 0x02, 0, 0, 0, 7, 7 } };
	uint8_t frame[64];
	size_t n;

	dhcp_init(&h);
	m = sent_dhcp(&h, 0);
	r.xid = m.xid;
	reply(&h, &r, 0xffffffffu);
	r.type = DHCPACK;
	reply(&h, &r, 0xffffffffu);
	h_inject(&h, frame, h_arp(frame, 2, &h_our_mac, &other, offered_ip, &h_our_mac, 0));

	n = count_dhcp(&h);
	m = sent_dhcp(&h, n - 1);
	ck_assert_uint_eq(m.type, DHCPDECLINE);
	ck_assert_uint_eq(m.requested, offered_ip);
	ck_assert_uint_eq(h_stats(&h).dhcp.conflicts, 1);
	h_advance(&h, 9 * NS_PER_S);
	ck_assert_uint_eq(count_dhcp(&h), n);
	ck_assert_int_eq(fata_tcpip_get_ipv4(h.stack, NULL, NULL, NULL), FATA_EADDRNOTAVAIL);
	h_advance(&h, NS_PER_S);
	ck_assert_uint_eq(sent_dhcp(&h, n).type, DHCPDISCOVER);
	h_fini(&h);
}
END_TEST

/* Replies for another transaction or client, and broken ones, change nothing. */
START_TEST(invalid_replies_ignored)
{
	struct harness h;
	struct sent_msg m;
	struct reply_opts r = { .type = DHCPOFFER, .yiaddr = offered_ip, .lease = 600 };
	uint8_t msg[548], frame[700];
	size_t len;

	dhcp_init(&h);
	m = sent_dhcp(&h, 0);
	r.xid = m.xid + 1;
	reply(&h, &r, 0xffffffffu);
	r.xid = m.xid;
	r.no_server_id = 1;
	reply(&h, &r, 0xffffffffu);
	ck_assert_uint_eq(h_stats(&h).dhcp.in_invalid, 2);

	r.no_server_id = 0;
	len = build_reply(msg, &r);
	for (size_t n = 0; n < 244; n++)
		h_inject(&h, frame, h_udp(frame, server_ip, 67, 0xffffffffu, 68, msg, n));
	ck_assert_uint_eq(h_stats(&h).dhcp.in_invalid, 2 + 244);

	msg[236] = 0; /* no magic cookie */
	h_inject(&h, frame, h_udp(frame, server_ip, 67, 0xffffffffu, 68, msg, len));
	msg[236] = 0x63;
	msg[28] ^= 1; /* another client's MAC */
	h_inject(&h, frame, h_udp(frame, server_ip, 67, 0xffffffffu, 68, msg, len));
	msg[28] ^= 1;
	msg[len - 1] = 51; /* an option running past the end */
	h_inject(&h, frame, h_udp(frame, server_ip, 67, 0xffffffffu, 68, msg, len));
	ck_assert_uint_eq(h_stats(&h).dhcp.in_invalid, 2 + 244 + 3);
	ck_assert_uint_eq(count_dhcp(&h), 1);
	h_fini(&h);
}
END_TEST

/* Option 52 moves options into the file and sname fields (RFC 2132 section 9.3). */
START_TEST(option_overload)
{
	uint8_t msg[300];
	struct fata_view v;
	struct dhcp_reply r;
	uint8_t *o;

	memset(msg, 0, sizeof(msg));
	msg[0] = 2;
	msg[1] = 1;
	msg[2] = 6;
	h_put32(msg + 236, 0x63825363);
	o = msg + 240;
	*o++ = 52;
	*o++ = 1;
	*o++ = 3;
	*o++ = 255;
	o = msg + 108; /* file */
	*o++ = 53;
	*o++ = 1;
	*o++ = DHCPACK;
	*o++ = 255;
	o = msg + 44; /* sname */
	*o++ = 51;
	*o++ = 4;
	h_put32(o, 7200);
	o[4] = 255;

	ck_assert_int_eq(fata_buf_copy(msg, sizeof(msg), 0, &v), 0);
	ck_assert_int_eq(dhcp_reply_parse(v, &r), 0);
	ck_assert_uint_eq(r.type, DHCPACK);
	ck_assert(r.has_lease_time);
	ck_assert_uint_eq(r.lease_time, 7200);
	fata_view_release(&v);
}
END_TEST

START_TEST(destroy_rejects_ready)
{
	struct harness h;

	ready_runs = 0;
	dhcp_init(&h);
	fata_promise_then(fata_tcpip_ready(h.stack), on_ready, NULL);
	h_fini(&h);
	ck_assert_int_eq(ready_runs, 1);
	ck_assert_int_eq(ready_status, FATA_ECLOSED);
}
END_TEST

/* A scripted server on a port of the simulated link: it answers DISCOVER and REQUEST. */
struct sim_server {
	struct fata_netif *port;
	unsigned offers, acks;
};

static void server_rx(void *arg, struct fata_view frame)
{
	struct sim_server *srv = arg;
	const uint8_t *f = fata_view_data(frame);
	struct reply_opts r = { .yiaddr = offered_ip, .lease = 3600 };
	uint8_t msg[548], out[700];
	struct sent_msg m = { 0 };
	struct fata_chain chain;
	struct fata_view v;
	size_t len;

	if (frame.len < 42 + 240 || h_get16(f + 12) != 0x0800 || f[23] != 17 ||
			h_get16(f + 36) != 67) {
		fata_view_release(&frame);
		return;
	}
	m.xid = h_get32(f + 42 + 4);
	read_options(f + 42 + 240, frame.len - 42 - 240, &m);
	fata_view_release(&frame);

	r.xid = m.xid;
	if (m.type == DHCPDISCOVER) {
		r.type = DHCPOFFER;
		srv->offers++;
	} else if (m.type == DHCPREQUEST) {
		r.type = DHCPACK;
		srv->acks++;
	} else {
		return;
	}
	len = build_reply(msg, &r);
	len = h_udp(out, server_ip, 67, 0xffffffffu, 68, msg, len);
	memcpy(out, h_broadcast_mac.bytes, 6);
	ck_assert_int_eq(fata_buf_copy(out, len, 16, &v), 0);
	fata_chain_init(&chain);
	fata_chain_append(&chain, v);
	fata_netif_send(srv->port, &chain);
}

/* Over a link that loses a third of all frames, retransmissions still get a lease. */
START_TEST(sim_link_with_loss)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_sim_params params = { .loss_ppm = 333333, .delay_ns = 1000000 };
	struct fata_tcpip_config c = { .dhcp = 1, .random_seed = 5 };
	struct sim_server srv = { 0 };
	struct fata_sim_link *link;
	struct fata_netif *client;
	struct fata_stack *stack;
	union fata_value v;
	int status = 1;

	ck_assert_int_eq(fata_sim_link_new(loop, &params, 11, &link), 0);
	ck_assert_int_eq(fata_sim_link_port(link, &h_our_mac, &client), 0);
	ck_assert_int_eq(fata_sim_link_port(link, &h_peer_mac, &srv.port), 0);
	fata_netif_set_rx(srv.port, server_rx, &srv);
	ck_assert_int_eq(fata_tcpip_new(loop, client, &c, &stack), 0);

	ck_assert_int_eq(fata_loop_run_until(loop, fata_promise_timeout(loop,
			fata_tcpip_ready(stack), 300 * NS_PER_S), &status, &v), 0);
	ck_assert_int_eq(status, 0);
	ck_assert_uint_eq(v.u64, offered_ip);
	ck_assert_uint_ge(srv.offers, 1);
	ck_assert_uint_ge(srv.acks, 1);
	ck_assert_uint_gt(fata_sim_link_stats(link)->lost, 0);

	fata_stack_destroy(stack);
	fata_netif_close(srv.port);
	fata_loop_run(loop, FATA_RUN_IDLE);
	fata_sim_link_free(link);
	fata_loop_free(loop);
}
END_TEST

static Suite *dhcp_suite(void)
{
	Suite *s = suite_create("tcpip_dhcp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, full_exchange);
	tcase_add_test(tc, discover_backoff);
	tcase_add_test(tc, renew_rebind_expire);
	tcase_add_test(tc, nak_restarts);
	tcase_add_test(tc, probe_conflict_declines);
	tcase_add_test(tc, invalid_replies_ignored);
	tcase_add_test(tc, option_overload);
	tcase_add_test(tc, destroy_rejects_ready);
	tcase_add_test(tc, sim_link_with_loss);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dhcp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

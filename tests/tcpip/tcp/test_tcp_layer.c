/*
 * The TCP layer's driver through its contract (tcp.h) with a hand-driven
 * peer: resets for segments that match nothing (RFC 9293 section
 * 3.10.7.1), checksum and header errors, listen and connect errors, the
 * flow rules of fata/flow.h on an accepted connection, the backlog and SYN
 * cookies, TIME-WAIT reuse, and teardown.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/buf.h>
#include <fata/counter.h>
#include <fata/error.h>
#include <fata/flow.h>
#include <fata/loop.h>
#include <fata/stack.h>

#include "ip_double.h"
#include "tcp.h"
#include "tcp/tcp_isn.h"
#include "tcp/tcp_layer.h"
#include "tcp/tcp_wire.h"

#define SEC UINT64_C(1000000000)
#define SENT_MAX 64

/* Segments the layer sent, parsed; `bytes` own the buffers. */
static struct fata_view sent_bytes[SENT_MAX];
static struct tcp_segment sent[SENT_MAX];
static int sent_count;

static struct fata_loop *loop;
static struct tcpip_stack stack;
static struct tcp_layer *tcp;
static struct fata_ipaddr peer_addr;
static struct fata_ipaddr our_addr; /* the destination of injected segments */

static void capture(void *ctx, struct tcpip_stack *from, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, struct fata_view segment)
{
	(void)ctx;
	(void)from;
	ck_assert(tcp_checksum_ok(src, dst, segment));
	ck_assert_int_lt(sent_count, SENT_MAX);
	sent_bytes[sent_count] = segment;
	ck_assert_int_eq(tcp_segment_parse(segment, &sent[sent_count]), 0);
	sent_count++;
}

static void clear_sent(void)
{
	for (int i = 0; i < sent_count; i++)
		fata_view_release(&sent_bytes[i]);
	sent_count = 0;
}

static void setup_with(const struct fata_tcpip_config *config)
{
	loop = fata_loop_new_virtual(SEC);
	ck_assert_ptr_nonnull(loop);
	memset(&stack, 0, sizeof(stack));
	stack.addr = fata_ipv4(192, 0, 2, 1);
	stack.mtu = 1500;
	stack.output = capture;
	peer_addr = fata_ipv4(192, 0, 2, 99);
	our_addr = stack.addr;
	ck_assert_int_eq(tcp_layer_new(&stack, loop, config, &tcp), 0);
	tcp_layer_set_seed(tcp, 42);
	sent_count = 0;
}

static void setup(void)
{
	struct fata_tcpip_config config;

	memset(&config, 0, sizeof(config));
	setup_with(&config);
}

static void teardown(void)
{
	tcp_layer_free(tcp);
	clear_sent();
	fata_loop_run(loop, FATA_RUN_ONCE);
	fata_loop_free(loop);
}

/* Sends a segment from the peer at `port` to our port `dport`. */
static void inject(uint16_t port, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		const struct tcp_options *opts, const char *data)
{
	struct tcp_out out;
	struct fata_chain frame;
	struct fata_view flat;

	memset(&out, 0, sizeof(out));
	fata_chain_init(&out.payload);
	out.seq = seq;
	out.ack = ack;
	out.flags = flags;
	out.window = 65535;
	if (opts)
		out.opts = *opts;
	if (data) {
		struct fata_view v;
		ck_assert_int_eq(fata_buf_copy(data, strlen(data), 0, &v), 0);
		fata_chain_append(&out.payload, v);
	}
	ck_assert_int_eq(tcp_segment_build(&out, &peer_addr, port, &our_addr, dport, &frame), 0);
	ck_assert_int_eq(fata_chain_flatten(&frame, 0, &flat), 0);
	fata_chain_release(&frame);
	tcp_input(tcp, &peer_addr, &our_addr, flat, 0);
}

/* Runs the loop until `p` settles and returns its status; stores the value. */
static int settle(struct fata_promise *p, union fata_value *value)
{
	int status = 1;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fata_loop_run_until(loop, p, &status, value), 0);
	return status;
}

static struct fata_listener *listen_on(uint16_t port, int backlog)
{
	struct fata_sockaddr local = { .ip = stack.addr, .port = port };
	struct fata_listener *l;

	ck_assert_int_eq(tcp_listen(tcp, &local, backlog, NULL, &l), 0);
	return l;
}

START_TEST(reset_for_closed_port)
{
	/* A SYN without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
	inject(1234, 80, 1000, 0, TCP_SYN, NULL, NULL);
	ck_assert_int_eq(sent_count, 1);
	ck_assert_uint_eq(sent[0].flags, TCP_RST | TCP_ACK);
	ck_assert_uint_eq(sent[0].seq, 0);
	ck_assert_uint_eq(sent[0].ack, 1001);
	clear_sent();

	/* Data with ACK: <SEQ=SEG.ACK><CTL=RST>. */
	inject(1234, 80, 1000, 777, TCP_ACK, NULL, "abc");
	ck_assert_int_eq(sent_count, 1);
	ck_assert_uint_eq(sent[0].flags, TCP_RST);
	ck_assert_uint_eq(sent[0].seq, 777);
	clear_sent();

	/* A RST never gets a RST in reply. */
	inject(1234, 80, 1000, 777, TCP_RST, NULL, NULL);
	ck_assert_int_eq(sent_count, 0);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->no_port, 3);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->resets_out, 2);
}
END_TEST

START_TEST(counters_registered_and_renamed)
{
	int found = 0;

	inject(1234, 80, 1000, 0, TCP_SYN, NULL, NULL);
	ck_assert_uint_eq(fata_counter_get("tcp", "segments_in", &found), 1);
	ck_assert_int_eq(found, 1);
	ck_assert_uint_eq(fata_counter_get("tcp", "no_port", &found), 1);

	tcp_layer_set_counter_name(tcp, "tcpip.test0.tcp");
	ck_assert_uint_eq(fata_counter_get("tcpip.test0.tcp", "resets_out", &found), 1);
	ck_assert_int_eq(found, 1);
	fata_counter_get("tcp", "segments_in", &found);
	ck_assert_int_eq(found, 0);
}
END_TEST

START_TEST(bad_checksum_and_header_dropped)
{
	struct tcp_out out;
	struct fata_chain frame;
	struct fata_view flat;

	memset(&out, 0, sizeof(out));
	fata_chain_init(&out.payload);
	out.flags = TCP_SYN;
	ck_assert_int_eq(tcp_segment_build(&out, &peer_addr, 1, &stack.addr, 80, &frame), 0);
	ck_assert_int_eq(fata_chain_flatten(&frame, 0, &flat), 0);
	fata_chain_release(&frame);
	fata_view_data(flat)[4] ^= 0x40;
	tcp_input(tcp, &peer_addr, &stack.addr, flat, 0);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->bad_checksums, 1);
	ck_assert_int_eq(sent_count, 0);

	/* With the checksum vouched for by the device, a data offset of 4 words is caught. */
	uint8_t raw[20] = { 0, 1, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x40, TCP_SYN };
	ck_assert_int_eq(fata_buf_copy(raw, sizeof(raw), 0, &flat), 0);
	tcp_input(tcp, &peer_addr, &stack.addr, flat, 1);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->bad_segments, 1);

	/* So is a segment shorter than a header. */
	ck_assert_int_eq(fata_buf_copy(raw, 10, 0, &flat), 0);
	tcp_input(tcp, &peer_addr, &stack.addr, flat, 1);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->bad_segments, 2);

	/* And a segment from a multicast source. */
	struct fata_ipaddr mcast = fata_ipv4(224, 0, 0, 1);
	ck_assert_int_eq(fata_buf_copy(raw, sizeof(raw), 0, &flat), 0);
	fata_view_data(flat)[12] = 0x50;
	tcp_input(tcp, &mcast, &stack.addr, flat, 1);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->bad_segments, 3);
	ck_assert_int_eq(sent_count, 0);
}
END_TEST

START_TEST(listen_errors_and_port_choice)
{
	struct fata_listener *l1, *l2;
	struct fata_sockaddr local = { .ip = stack.addr, .port = 80 };
	struct fata_sockaddr any = { .ip = fata_ipv4(0, 0, 0, 0), .port = 80 };
	struct fata_sockaddr foreign = { .ip = fata_ipv4(198, 51, 100, 1), .port = 81 };
	struct fata_sockaddr zero = { .ip = stack.addr, .port = 0 };
	struct fata_sockaddr got;

	ck_assert_int_eq(tcp_listen(tcp, &local, 5, NULL, &l1), 0);
	ck_assert_int_eq(tcp_listen(tcp, &local, 5, NULL, &l2), FATA_EADDRINUSE);
	ck_assert_ptr_null(l2);
	ck_assert_int_eq(tcp_listen(tcp, &any, 5, NULL, &l2), FATA_EADDRINUSE);
	ck_assert_int_eq(tcp_listen(tcp, &foreign, 5, NULL, &l2), FATA_EADDRNOTAVAIL);
	ck_assert_int_eq(tcp_listen(tcp, &local, -1, NULL, &l2), FATA_EINVAL);

	ck_assert_int_eq(tcp_listen(tcp, &zero, 0, NULL, &l2), 0);
	ck_assert_int_eq(l2->ops->get_local(l2, &got), 0);
	ck_assert_uint_ge(got.port, TCP_PORT_MIN);
	fata_listener_close(l2);
	fata_listener_close(l1);

	/* After close the port is free again. */
	ck_assert_int_eq(tcp_listen(tcp, &local, 5, NULL, &l1), 0);
	fata_listener_close(l1);
}
END_TEST

START_TEST(connect_errors)
{
	struct fata_sockaddr no_port = { .ip = peer_addr, .port = 0 };
	struct fata_sockaddr any = { .ip = fata_ipv4(0, 0, 0, 0), .port = 80 };

	ck_assert_int_eq(settle(tcp_connect(tcp, &no_port, NULL), NULL), FATA_EINVAL);
	ck_assert_int_eq(settle(tcp_connect(tcp, &any, NULL), NULL), FATA_EINVAL);
	ck_assert_int_eq(sent_count, 0);
}
END_TEST

START_TEST(connect_without_route_fails_at_once)
{
	struct fata_sockaddr remote = { .ip = peer_addr, .port = 80 };

	stack.fail_output = FATA_ENETUNREACH;
	ck_assert_int_eq(settle(tcp_connect(tcp, &remote, NULL), NULL), FATA_ENETUNREACH);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 0);
	stack.fail_output = 0;
}
END_TEST

START_TEST(connect_refused_by_reset)
{
	struct fata_sockaddr remote = { .ip = peer_addr, .port = 80 };
	struct fata_promise *p = tcp_connect(tcp, &remote, NULL);

	ck_assert_int_eq(sent_count, 1);
	ck_assert_uint_eq(sent[0].flags, TCP_SYN);
	uint16_t port = sent[0].src_port;
	ck_assert_uint_ge(port, TCP_PORT_MIN);
	uint32_t iss = sent[0].seq;
	clear_sent();

	inject(80, port, 0, iss + 1, TCP_RST | TCP_ACK, NULL, NULL);
	ck_assert_int_eq(settle(p, NULL), FATA_ECONNREFUSED);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 0);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->failed_attempts, 1);
}
END_TEST

START_TEST(connect_limit)
{
	struct fata_tcpip_config config;
	struct fata_sockaddr remote = { .ip = peer_addr, .port = 80 };

	teardown();
	memset(&config, 0, sizeof(config));
	config.tcp_max_connections = 1;
	setup_with(&config);
	struct fata_promise *first = tcp_connect(tcp, &remote, NULL);
	ck_assert_int_eq(settle(tcp_connect(tcp, &remote, NULL), NULL), FATA_ELIMIT);
	fata_promise_cancel(first);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 0);
}
END_TEST

/* Completes a passive open from peer port `port`; returns the accepted flow. */
static struct fata_flow *accept_one(struct fata_listener *l, uint16_t port, uint32_t peer_isn,
		uint32_t *our_isn)
{
	union fata_value value;
	struct tcp_options mss = { .present = TCP_HAS_MSS, .mss = 1460 };

	inject(port, 80, peer_isn, 0, TCP_SYN, &mss, NULL);
	ck_assert_int_eq(sent_count, 1);
	ck_assert_uint_eq(sent[0].flags, TCP_SYN | TCP_ACK);
	ck_assert_uint_eq(sent[0].ack, peer_isn + 1);
	*our_isn = sent[0].seq;
	clear_sent();

	inject(port, 80, peer_isn + 1, *our_isn + 1, TCP_ACK, NULL, NULL);
	ck_assert_int_eq(settle(fata_listener_accept(l), &value), 0);
	return value.ptr;
}

START_TEST(accepted_flow_follows_the_rules)
{
	struct fata_listener *l = listen_on(80, 4);
	uint32_t isn;
	union fata_value value;
	struct fata_sockaddr local, remote;

	struct fata_flow *flow = accept_one(l, 2000, 100, &isn);
	ck_assert_int_eq(fata_flow_get_addrs(flow, &local, &remote), 0);
	ck_assert_uint_eq(local.port, 80);
	ck_assert_uint_eq(remote.port, 2000);
	ck_assert(fata_ipaddr_equal(&remote.ip, &peer_addr));
	ck_assert_uint_eq(tcp_layer_stats(tcp)->passive_opens, 1);

	/* One read at a time. */
	struct fata_promise *r1 = fata_flow_read(flow);
	ck_assert_int_eq(settle(fata_flow_read(flow), NULL), FATA_EBUSY);
	inject(2000, 80, 101, isn + 1, TCP_ACK | TCP_PSH, NULL, "hello");
	ck_assert_int_eq(settle(r1, &value), 0);
	ck_assert_uint_eq(value.view.len, 5);
	ck_assert_int_eq(memcmp(fata_view_data(value.view), "hello", 5), 0);
	fata_view_release(&value.view);

	/* A write is taken into the send buffer and goes out. */
	clear_sent();
	struct fata_view data;
	ck_assert_int_eq(fata_buf_copy("world", 5, 0, &data), 0);
	struct fata_promise *w = fata_flow_write(flow, data);
	fata_view_release(&data);
	ck_assert_int_eq(settle(w, &value), 0);
	ck_assert_uint_eq(value.u64, 5);
	ck_assert_int_ge(sent_count, 1);
	ck_assert_uint_eq(sent[sent_count - 1].len, 5);
	ck_assert_uint_eq(sent[sent_count - 1].ack, 106);
	clear_sent();

	/* shutdown sends a FIN after the data; writes then fail with EPIPE. */
	ck_assert_int_eq(settle(fata_flow_shutdown(flow), NULL), 0);
	ck_assert_int_eq(sent_count, 1);
	ck_assert(sent[0].flags & TCP_FIN);
	ck_assert_uint_eq(sent[0].seq, isn + 6);
	clear_sent();
	ck_assert_int_eq(settle(fata_flow_write_copy(flow, "x", 1), NULL), FATA_EPIPE);

	/* The peer ACKs our FIN and sends its own: end of stream, again and again. */
	inject(2000, 80, 106, isn + 7, TCP_ACK | TCP_FIN, NULL, NULL);
	ck_assert_int_eq(settle(fata_flow_read(flow), &value), 0);
	ck_assert_uint_eq(value.view.len, 0);
	ck_assert_int_eq(settle(fata_flow_read(flow), &value), 0);
	ck_assert_uint_eq(value.view.len, 0);

	/* close fulfills; the connection lingers in TIME-WAIT, then goes. */
	ck_assert_int_eq(settle(fata_flow_close(flow), NULL), 0);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 1);
	fata_listener_close(l);
	fata_loop_run(loop, FATA_RUN_IDLE);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 0);
}
END_TEST

START_TEST(close_rejects_pending_read)
{
	struct fata_listener *l = listen_on(80, 4);
	uint32_t isn;
	struct fata_flow *flow = accept_one(l, 2001, 500, &isn);
	struct fata_promise *r = fata_flow_read(flow);
	struct fata_promise *c = fata_flow_close(flow);

	ck_assert_int_eq(settle(r, NULL), FATA_ECLOSED);
	clear_sent();
	/* Our FIN went out; its ACK completes the close. */
	inject(2001, 80, 501, isn + 2, TCP_ACK, NULL, NULL);
	ck_assert_int_eq(settle(c, NULL), 0);
	fata_listener_close(l);
}
END_TEST

START_TEST(peer_reset_fails_pending_read)
{
	struct fata_listener *l = listen_on(80, 4);
	uint32_t isn;
	struct fata_flow *flow = accept_one(l, 2002, 900, &isn);
	struct fata_promise *r = fata_flow_read(flow);

	inject(2002, 80, 901, 0, TCP_RST, NULL, NULL);
	ck_assert_int_eq(settle(r, NULL), FATA_ECONNRESET);
	ck_assert_int_eq(settle(fata_flow_write_copy(flow, "x", 1), NULL), FATA_ECONNRESET);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->established_resets, 1);
	ck_assert_int_eq(settle(fata_flow_close(flow), NULL), 0);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 0);
	fata_listener_close(l);
}
END_TEST

START_TEST(syn_cookies_when_queue_full)
{
	struct fata_listener *l = listen_on(80, 1);
	struct tcp_options syn_opts = {
		.present = TCP_HAS_MSS | TCP_HAS_TIMESTAMP | TCP_HAS_SACK_PERM | TCP_HAS_WSCALE,
		.mss = 1400, .ts_val = 1000, .wscale = 6,
	};
	union fata_value value;

	/* The first SYN fills the SYN queue of one. */
	inject(3001, 80, 10, 0, TCP_SYN, &syn_opts, NULL);
	ck_assert_int_eq(sent_count, 1);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->syncookies_sent, 0);
	clear_sent();

	/* The second gets a cookie: no state, options encoded in the timestamp. */
	uint32_t socks = tcp_layer_sock_count(tcp);
	inject(3002, 80, 20, 0, TCP_SYN, &syn_opts, NULL);
	ck_assert_int_eq(sent_count, 1);
	ck_assert_uint_eq(sent[0].flags, TCP_SYN | TCP_ACK);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->syncookies_sent, 1);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), socks);
	ck_assert(sent[0].opts.present & TCP_HAS_WSCALE);
	ck_assert(sent[0].opts.present & TCP_HAS_SACK_PERM);
	ck_assert_uint_eq(sent[0].opts.mss, 1460);
	uint32_t cookie = sent[0].seq;
	uint32_t tsval = sent[0].opts.ts_val;
	clear_sent();

	/* The final ACK returns the cookie: a connection appears, ready to accept. */
	struct tcp_options ack_opts = { .present = TCP_HAS_TIMESTAMP, .ts_val = 1001,
		.ts_ecr = tsval };
	inject(3002, 80, 21, cookie + 1, TCP_ACK, &ack_opts, "data");
	ck_assert_uint_eq(tcp_layer_stats(tcp)->syncookies_validated, 1);
	ck_assert_int_eq(settle(fata_listener_accept(l), &value), 0);
	struct fata_flow *flow = value.ptr;
	struct fata_sockaddr remote;
	fata_flow_get_addrs(flow, NULL, &remote);
	ck_assert_uint_eq(remote.port, 3002);
	ck_assert_int_eq(settle(fata_flow_read(flow), &value), 0);
	ck_assert_uint_eq(value.view.len, 4);
	fata_view_release(&value.view);

	/* The connection restored SACK and the peer's window scale. */
	struct tcp_sock *sock = (struct tcp_sock *)flow;
	ck_assert(sock->conn.sack_ok);
	ck_assert(sock->conn.ts_ok);
	ck_assert_uint_eq(sock->conn.snd_wscale, 6);
	ck_assert_uint_eq(sock->conn.peer_mss, 1400);

	/* A forged cookie is refused with a RST. */
	clear_sent();
	inject(3003, 80, 31, cookie + 12345, TCP_ACK, &ack_opts, NULL);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->syncookies_failed, 1);
	ck_assert_int_eq(sent_count, 1);
	ck_assert_uint_eq(sent[0].flags, TCP_RST);
	ck_assert_uint_eq(sent[0].seq, cookie + 12345);

	fata_promise_cancel(fata_flow_close(flow));
	fata_listener_close(l);
}
END_TEST

START_TEST(accept_queue_full_drops_syn)
{
	struct fata_listener *l = listen_on(80, 1);
	uint32_t isn;

	/* One connection completes and waits in the accept queue. */
	inject(4001, 80, 10, 0, TCP_SYN, NULL, NULL);
	isn = sent[0].seq;
	clear_sent();
	inject(4001, 80, 11, isn + 1, TCP_ACK, NULL, NULL);

	/* With the accept queue full, a new SYN is dropped and counted. */
	inject(4002, 80, 50, 0, TCP_SYN, NULL, NULL);
	ck_assert_int_eq(sent_count, 0);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->listen_drops, 1);

	/* Closing the listener resets the connection that was never accepted. */
	fata_listener_close(l);
	ck_assert_int_eq(sent_count, 1);
	ck_assert(sent[0].flags & TCP_RST);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 0);
}
END_TEST

START_TEST(time_wait_reused_by_new_syn)
{
	struct fata_listener *l = listen_on(80, 4);
	uint32_t isn;
	union fata_value value;
	struct fata_flow *flow = accept_one(l, 5000, 1000, &isn);

	/* We close first and end in TIME-WAIT after the peer's FIN. */
	struct fata_promise *closing = fata_flow_close(flow);
	inject(5000, 80, 1001, isn + 2, TCP_ACK | TCP_FIN, NULL, NULL);
	ck_assert_int_eq(settle(closing, NULL), 0);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 1);
	clear_sent();

	/* A new SYN above the old sequence space takes the tuple over. */
	inject(5000, 80, 90000, 0, TCP_SYN, NULL, NULL);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->time_wait_reuses, 1);
	ck_assert_int_eq(sent_count, 1);
	ck_assert_uint_eq(sent[0].flags, TCP_SYN | TCP_ACK);
	ck_assert_uint_eq(sent[0].ack, 90001);
	uint32_t isn2 = sent[0].seq;
	clear_sent();
	inject(5000, 80, 90001, isn2 + 1, TCP_ACK, NULL, NULL);
	ck_assert_int_eq(settle(fata_listener_accept(l), &value), 0);
	fata_promise_cancel(fata_flow_close(value.ptr));
	fata_listener_close(l);
}
END_TEST

START_TEST(time_wait_lasts_two_msl)
{
	struct fata_listener *l = listen_on(80, 4);
	uint32_t isn;

	/* A 1 s MSL (the test hook) makes TIME-WAIT last 2 s. */
	tcp_layer_set_timing(tcp, SEC, 0, 0);
	struct fata_flow *flow = accept_one(l, 5100, 3000, &isn);
	struct fata_promise *closing = fata_flow_close(flow);
	inject(5100, 80, 3001, isn + 2, TCP_ACK | TCP_FIN, NULL, NULL);
	ck_assert_int_eq(settle(closing, NULL), 0);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 1);

	ck_assert_int_eq(fata_loop_advance(loop, SEC * 19 / 10), 0);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 1);
	ck_assert_int_eq(fata_loop_advance(loop, SEC / 5), 0);
	ck_assert_uint_eq(tcp_layer_sock_count(tcp), 0);
	fata_listener_close(l);
}
END_TEST

static struct fata_ipaddr ipv6(uint8_t last)
{
	struct fata_ipaddr a;

	memset(&a, 0, sizeof(a));
	a.family = FATA_AF_INET6;
	a.bytes[0] = 0x20;
	a.bytes[1] = 0x01;
	a.bytes[2] = 0x0d;
	a.bytes[3] = 0xb8;
	a.bytes[15] = last;
	return a;
}

START_TEST(ipv6_passive_open)
{
	struct fata_sockaddr any6 = { .ip = { .family = FATA_AF_INET6 }, .port = 80 };
	struct fata_listener *l;
	union fata_value value;

	ck_assert_int_eq(tcp_listen(tcp, &any6, 4, NULL, &l), 0);
	peer_addr = ipv6(0x99);
	our_addr = ipv6(1);

	/* The SYN-ACK checksum covers the IPv6 pseudo-header (checked in capture). */
	inject(7000, 80, 100, 0, TCP_SYN, NULL, NULL);
	ck_assert_int_eq(sent_count, 1);
	ck_assert_uint_eq(sent[0].flags, TCP_SYN | TCP_ACK);
	uint32_t isn = sent[0].seq;
	clear_sent();
	inject(7000, 80, 101, isn + 1, TCP_ACK, NULL, "v6");
	ck_assert_int_eq(settle(fata_listener_accept(l), &value), 0);

	struct fata_flow *flow = value.ptr;
	struct fata_sockaddr local, remote;
	fata_flow_get_addrs(flow, &local, &remote);
	ck_assert_int_eq(local.ip.family, FATA_AF_INET6);
	ck_assert(fata_ipaddr_equal(&remote.ip, &peer_addr));
	/* Without an MSS option an IPv6 peer is assumed to take 1220 bytes. */
	ck_assert_uint_eq(((struct tcp_sock *)flow)->conn.peer_mss, 1220);
	ck_assert_int_eq(settle(fata_flow_read(flow), &value), 0);
	ck_assert_uint_eq(value.view.len, 2);
	fata_view_release(&value.view);

	fata_promise_cancel(fata_flow_close(flow));
	fata_listener_close(l);
}
END_TEST

START_TEST(icmp_frag_needed_lowers_mss)
{
	struct fata_listener *l = listen_on(80, 4);
	uint32_t isn;
	struct fata_flow *flow = accept_one(l, 8000, 10, &isn);
	struct tcp_sock *sock = (struct tcp_sock *)flow;

	/* The quote: our ports and a sequence number in flight. */
	clear_sent();
	ck_assert_int_eq(settle(fata_flow_write_copy(flow, "payload", 7), NULL), 0);
	uint8_t quote[8] = { 0, 80, 0x1f, 0x40 };
	uint32_t seq = isn + 1;
	quote[4] = (uint8_t)(seq >> 24);
	quote[5] = (uint8_t)(seq >> 16);
	quote[6] = (uint8_t)(seq >> 8);
	quote[7] = (uint8_t)seq;
	struct fata_view v;
	ck_assert_int_eq(fata_buf_copy(quote, sizeof(quote), 0, &v), 0);

	/* A quote for another connection changes nothing; ours lowers the MSS. */
	struct fata_ipaddr other = fata_ipv4(192, 0, 2, 98);
	tcp_icmp_error(tcp, &stack.addr, &other, v, FATA_EMSGSIZE, 1000);
	ck_assert_uint_eq(sock->conn.local_mss, 1460);
	tcp_icmp_error(tcp, &stack.addr, &peer_addr, v, FATA_EMSGSIZE, 1000);
	ck_assert_uint_eq(sock->conn.local_mss, 960);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->pmtu_updates, 1);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->icmp_errors, 1);

	/* A truncated quote is ignored. */
	struct fata_view shortv;
	fata_view_slice(v, 0, 6, &shortv);
	tcp_icmp_error(tcp, &stack.addr, &peer_addr, shortv, FATA_EHOSTUNREACH, 0);
	ck_assert_uint_eq(tcp_layer_stats(tcp)->icmp_errors, 1);
	fata_view_release(&v);

	fata_promise_cancel(fata_flow_close(flow));
	fata_listener_close(l);
}
END_TEST

START_TEST(layer_free_resets_connections)
{
	struct fata_listener *l = listen_on(80, 4);
	uint32_t isn;
	struct fata_flow *flow = accept_one(l, 6000, 77, &isn);

	(void)flow;
	clear_sent();
	tcp_layer_free(tcp);
	tcp = NULL;
	ck_assert_int_eq(sent_count, 1);
	ck_assert_uint_eq(sent[0].flags, TCP_RST);
	ck_assert_uint_eq(sent[0].seq, isn + 1);
	clear_sent();

	/* teardown frees a NULL layer harmlessly. */
}
END_TEST

static Suite *layer_suite(void)
{
	Suite *s = suite_create("tcp-layer");
	TCase *tc = tcase_create("layer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reset_for_closed_port);
	tcase_add_test(tc, counters_registered_and_renamed);
	tcase_add_test(tc, bad_checksum_and_header_dropped);
	tcase_add_test(tc, listen_errors_and_port_choice);
	tcase_add_test(tc, connect_errors);
	tcase_add_test(tc, connect_without_route_fails_at_once);
	tcase_add_test(tc, connect_refused_by_reset);
	tcase_add_test(tc, connect_limit);
	tcase_add_test(tc, accepted_flow_follows_the_rules);
	tcase_add_test(tc, close_rejects_pending_read);
	tcase_add_test(tc, peer_reset_fails_pending_read);
	tcase_add_test(tc, syn_cookies_when_queue_full);
	tcase_add_test(tc, accept_queue_full_drops_syn);
	tcase_add_test(tc, time_wait_reused_by_new_syn);
	tcase_add_test(tc, time_wait_lasts_two_msl);
	tcase_add_test(tc, ipv6_passive_open);
	tcase_add_test(tc, icmp_frag_needed_lowers_mss);
	tcase_add_test(tc, layer_free_resets_connections);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(layer_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

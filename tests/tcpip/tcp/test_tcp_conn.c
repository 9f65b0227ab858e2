/*
 * The connection state machine (RFC 9293 section 3.10) driven directly: two
 * sans-I/O connections exchange segments through the real wire encoding,
 * and each test checks states, sequence numbers, events and counters.
 * Covers the handshake, simultaneous open and close, half-close, RST in
 * every state, TIME-WAIT, PAWS, challenge ACKs, loss recovery, the
 * persist and keepalive timers, and Nagle's algorithm.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/buf.h>
#include <fata/error.h>
#include <fata/sim.h>

#include "ip.h"
#include "tcp/tcp_conn.h"
#include "tcp/tcp_wire.h"

#define MS UINT64_C(1000000)
#define SEC UINT64_C(1000000000)

/* One side of a test connection. */
struct end {
	struct tcp_conn c;
	struct tcp_stats stats;
	struct fata_ipaddr addr;
	uint16_t port;
};

/* A segment on the wire: the flattened bytes and their parse. */
struct wire {
	struct fata_view bytes;
	struct tcp_segment seg;
};

#define WIRE_MAX 256

static struct end a, b;
static uint64_t now;

static struct tcp_conn_params params_for(struct end *e)
{
	struct tcp_conn_params p;

	memset(&p, 0, sizeof(p));
	p.cc = FATA_TCP_CC_NEWRENO;
	p.rcvbuf = 64 * 1024;
	p.sndbuf = 64 * 1024;
	p.mss = 1460;
	p.sack = 1;
	p.timestamps = 1;
	p.window_scale = 1;
	p.stats = &e->stats;
	p.ts_offset = e == &a ? 1000 : 500000;
	return p;
}

static void end_init(struct end *e, uint8_t host, uint16_t port, const struct tcp_conn_params *p)
{
	memset(&e->stats, 0, sizeof(e->stats));
	e->addr = fata_ipv4(192, 0, 2, host);
	e->port = port;
	struct tcp_conn_params q = *p;
	q.stats = &e->stats;
	tcp_conn_init(&e->c, &q);
}

static void setup(void)
{
	now = 10 * SEC;
	struct tcp_conn_params pa = params_for(&a), pb = params_for(&b);
	end_init(&a, 1, 40000, &pa);
	end_init(&b, 2, 80, &pb);
}

static void teardown(void)
{
	tcp_conn_free(&a.c);
	tcp_conn_free(&b.c);
}

static struct end *peer_of(struct end *e)
{
	return e == &a ? &b : &a;
}

/*
 * Does the device's part of checksum offload: the field must hold the
 * folded pseudo-header sum over the segment's length (the value Linux and
 * virtio devices expect), and the final checksum replaces it.
 */
static void complete_partial(struct end *from, struct end *to, struct fata_view seg)
{
	uint8_t *field = fata_view_data(seg) + 16;
	uint32_t pseudo = tcpip_csum_pseudo(&from->addr, &to->addr, 6, seg.len);
	uint16_t expected = (uint16_t)~tcpip_csum_fold(pseudo);

	ck_assert_uint_eq((uint16_t)(field[0] << 8 | field[1]), expected);
	uint16_t csum = tcpip_csum_fold(tcpip_csum_add(0, fata_view_data(seg), seg.len));
	field[0] = (uint8_t)(csum >> 8);
	field[1] = (uint8_t)csum;
}

/* Takes every segment `from` wants to send, through the wire format. */
static int take(struct end *from, struct wire *out, int max)
{
	struct end *to = peer_of(from);
	struct tcp_out o;
	int n = 0;

	while (n < max && tcp_conn_output(&from->c, now, &o) > 0) {
		struct fata_chain frame;
		ck_assert_int_eq(tcp_segment_build(&o, &from->addr, from->port, &to->addr, to->port,
				&frame), 0);
		ck_assert_int_eq(fata_chain_flatten(&frame, 0, &out[n].bytes), 0);
		fata_chain_release(&frame);
		if (o.csum_partial)
			complete_partial(from, to, out[n].bytes);
		ck_assert(tcp_checksum_ok(&from->addr, &to->addr, out[n].bytes));
		ck_assert_int_eq(tcp_segment_parse(out[n].bytes, &out[n].seg), 0);

		/* A TSO frame arrives whole, as the coalesced segment a GRO receiver gets. */
		out[n].seg.gso_size = o.gso_size;
		if (o.gso_size)
			ck_assert_uint_gt(out[n].seg.len, o.gso_size);
		n++;
	}
	return n;
}

static void release(struct wire *w, int n)
{
	for (int i = 0; i < n; i++)
		fata_view_release(&w[i].bytes);
}

static void feed(struct end *to, struct wire *w, int n)
{
	for (int i = 0; i < n; i++)
		tcp_conn_input(&to->c, &w[i].seg, now);
}

/* Moves everything `from` sends to its peer; returns the segment count. */
static int deliver(struct end *from)
{
	struct wire w[WIRE_MAX];
	int n = take(from, w, WIRE_MAX);

	feed(peer_of(from), w, n);
	release(w, n);
	return n;
}

/* Exchanges segments until both sides are quiet. */
static void settle(void)
{
	for (int round = 0; round < 100; round++) {
		int n = deliver(&a) + deliver(&b);
		if (n == 0)
			return;
	}
	ck_abort_msg("the connections never went quiet");
}

/* Runs both sides' timers up to `until`, exchanging segments on the way. */
static void run_until(uint64_t until)
{
	for (int i = 0; i < 100000; i++) {
		settle();
		uint64_t da = tcp_conn_deadline(&a.c), db = tcp_conn_deadline(&b.c);
		uint64_t next = da < db ? da : db;
		if (next > until)
			break;
		if (next > now)
			now = next;
		tcp_conn_on_timer(&a.c, now);
		tcp_conn_on_timer(&b.c, now);
	}
	if (now < until)
		now = until;
	settle();
}

static void handshake(void)
{
	struct wire w[4];

	tcp_conn_connect(&a.c, 1000, now);
	ck_assert_int_eq(take(&a, w, 4), 1);
	tcp_conn_accept_syn(&b.c, &w[0].seg, 5000, now);
	release(w, 1);
	settle();
	ck_assert_int_eq(a.c.state, TCP_ESTABLISHED);
	ck_assert_int_eq(b.c.state, TCP_ESTABLISHED);
	tcp_conn_take_events(&a.c);
	tcp_conn_take_events(&b.c);
}

static void write_bytes(struct end *e, const char *text, size_t len)
{
	struct fata_view v;

	ck_assert_int_eq(fata_buf_copy(text, len, 0, &v), 0);
	ck_assert_int_eq(tcp_conn_write(&e->c, v, now), 0);
	fata_view_release(&v);
}

/* Reads everything queued at `e` into `buf`; returns the byte count. */
static size_t read_all(struct end *e, char *buf, size_t cap)
{
	struct fata_view v;
	size_t n = 0;

	while (tcp_conn_read(&e->c, &v, now)) {
		ck_assert_uint_le(n + v.len, cap);
		memcpy(buf + n, fata_view_data(v), v.len);
		n += v.len;
		fata_view_release(&v);
	}
	return n;
}

START_TEST(handshake_three_way)
{
	struct wire w[4];

	tcp_conn_connect(&a.c, 1000, now);
	ck_assert_int_eq(a.c.state, TCP_SYN_SENT);
	ck_assert_int_eq(take(&a, w, 4), 1);
	struct tcp_segment *syn = &w[0].seg;
	ck_assert_uint_eq(syn->flags, TCP_SYN);
	ck_assert_uint_eq(syn->seq, 1000);
	ck_assert_uint_eq(syn->opts.mss, 1460);
	ck_assert(syn->opts.present & TCP_HAS_WSCALE);
	ck_assert(syn->opts.present & TCP_HAS_SACK_PERM);
	ck_assert(syn->opts.present & TCP_HAS_TIMESTAMP);
	ck_assert_uint_eq(syn->opts.wscale, 1); /* 65536 bytes need one bit of scaling */

	uint32_t syn_tsval = syn->opts.ts_val;
	tcp_conn_accept_syn(&b.c, syn, 5000, now);
	release(w, 1);
	ck_assert_int_eq(b.c.state, TCP_SYN_RECEIVED);
	ck_assert_int_eq(take(&b, w, 4), 1);
	ck_assert_uint_eq(w[0].seg.flags, TCP_SYN | TCP_ACK);
	ck_assert_uint_eq(w[0].seg.seq, 5000);
	ck_assert_uint_eq(w[0].seg.ack, 1001);
	ck_assert_uint_eq(w[0].seg.opts.ts_ecr, syn_tsval);

	feed(&a, w, 1);
	release(w, 1);
	ck_assert_int_eq(a.c.state, TCP_ESTABLISHED);
	ck_assert(tcp_conn_take_events(&a.c) & TCP_EV_CONNECTED);
	ck_assert_int_eq(take(&a, w, 4), 1);
	ck_assert_uint_eq(w[0].seg.flags, TCP_ACK);
	ck_assert_uint_eq(w[0].seg.seq, 1001);
	ck_assert_uint_eq(w[0].seg.ack, 5001);
	feed(&b, w, 1);
	release(w, 1);
	ck_assert_int_eq(b.c.state, TCP_ESTABLISHED);
	ck_assert(tcp_conn_take_events(&b.c) & TCP_EV_CONNECTED);

	ck_assert(a.c.ts_ok && a.c.sack_ok && a.c.ws_ok);
	ck_assert(b.c.ts_ok && b.c.sack_ok && b.c.ws_ok);
	ck_assert_uint_eq(a.stats.active_opens, 1);
	ck_assert_uint_eq(b.stats.passive_opens, 1);
	ck_assert_uint_eq(a.stats.established, 1);
	ck_assert_uint_eq(b.stats.established, 1);
	/* Effective MSS: 1460 less 12 bytes of timestamps. */
	ck_assert_uint_eq(tcp_conn_smss(&a.c), 1448);
}
END_TEST

START_TEST(handshake_without_options)
{
	struct tcp_conn_params p = params_for(&b);
	p.sack = 0;
	p.timestamps = 0;
	p.window_scale = 0;
	tcp_conn_free(&b.c);
	end_init(&b, 2, 80, &p);

	handshake();
	ck_assert(!a.c.ts_ok);
	ck_assert(!a.c.sack_ok);
	ck_assert(!a.c.ws_ok);
	ck_assert_uint_eq(a.c.rcv_wscale, 0);
	ck_assert_uint_eq(tcp_conn_smss(&a.c), 1460);
}
END_TEST

START_TEST(handshake_window_scaling)
{
	struct tcp_conn_params p = params_for(&b);
	p.rcvbuf = 1 << 20;
	tcp_conn_free(&b.c);
	end_init(&b, 2, 80, &p);

	handshake();
	ck_assert_uint_eq(b.c.rcv_wscale, 5);
	ck_assert_uint_eq(a.c.snd_wscale, 5);
	/* After the first ACK from B, A's send window is B's full megabyte. */
	write_bytes(&a, "x", 1);
	run_until(now + SEC);
	ck_assert_uint_ge(a.c.snd_wnd, (1 << 20) - 64);
}
END_TEST

START_TEST(data_with_delayed_ack)
{
	struct wire w[4];
	char buf[64];

	handshake();
	write_bytes(&a, "hello", 5);
	ck_assert_int_eq(take(&a, w, 4), 1);
	ck_assert_uint_eq(w[0].seg.len, 5);
	ck_assert(w[0].seg.flags & TCP_PSH);
	feed(&b, w, 1);
	release(w, 1);
	ck_assert(tcp_conn_take_events(&b.c) & TCP_EV_READABLE);

	/* One small segment: the ACK waits for the delayed-ACK timer. */
	ck_assert_int_eq(take(&b, w, 4), 0);
	ck_assert_uint_eq(b.c.delack_deadline, now + TCP_DELACK_NS);
	now = b.c.delack_deadline;
	tcp_conn_on_timer(&b.c, now);
	ck_assert_int_eq(take(&b, w, 4), 1);
	ck_assert_uint_eq(w[0].seg.ack, a.c.snd_nxt);
	feed(&a, w, 1);
	release(w, 1);
	ck_assert_uint_eq(a.c.snd_una, a.c.snd_nxt);
	ck_assert(tcp_conn_take_events(&a.c) & TCP_EV_WRITABLE);
	ck_assert_uint_eq(b.stats.delayed_acks, 1);
	ck_assert_uint_eq(a.c.rtx_deadline, 0);

	ck_assert_uint_eq(read_all(&b, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
}
END_TEST

START_TEST(bulk_data_acks_every_second_segment)
{
	static char data[20000];
	static char got[20000];

	handshake();
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	write_bytes(&a, data, sizeof(data));
	run_until(now + 5 * SEC);
	ck_assert_uint_eq(read_all(&b, got, sizeof(got)), sizeof(data));
	ck_assert_int_eq(memcmp(got, data, sizeof(data)), 0);
	ck_assert_uint_eq(a.c.snd_una, a.c.snd_max);
	ck_assert_uint_eq(a.stats.retransmits, 0);
	/* Slow start grew the window past the initial 4380 bytes. */
	ck_assert_uint_gt(a.c.cc.cwnd, 4380);
}
END_TEST

START_TEST(simultaneous_open)
{
	struct wire wa[4], wb[4];

	/* Both sides connect; the SYNs cross (RFC 9293 figure 7). */
	tcp_conn_connect(&a.c, 100, now);
	tcp_conn_connect(&b.c, 300, now);
	ck_assert_int_eq(take(&a, wa, 4), 1);
	ck_assert_int_eq(take(&b, wb, 4), 1);
	feed(&b, wa, 1);
	feed(&a, wb, 1);
	release(wa, 1);
	release(wb, 1);
	ck_assert_int_eq(a.c.state, TCP_SYN_RECEIVED);
	ck_assert_int_eq(b.c.state, TCP_SYN_RECEIVED);

	/* Each replies with a SYN-ACK that carries its own ISN. */
	ck_assert_int_eq(take(&a, wa, 4), 1);
	ck_assert_uint_eq(wa[0].seg.flags, TCP_SYN | TCP_ACK);
	ck_assert_uint_eq(wa[0].seg.seq, 100);
	ck_assert_uint_eq(wa[0].seg.ack, 301);
	ck_assert_int_eq(take(&b, wb, 4), 1);
	feed(&b, wa, 1);
	feed(&a, wb, 1);
	release(wa, 1);
	release(wb, 1);
	ck_assert_int_eq(a.c.state, TCP_ESTABLISHED);
	ck_assert_int_eq(b.c.state, TCP_ESTABLISHED);
	settle();
	ck_assert_int_eq(a.c.state, TCP_ESTABLISHED);
	ck_assert_int_eq(b.c.state, TCP_ESTABLISHED);

	write_bytes(&a, "ping", 4);
	run_until(now + SEC);
	char buf[8];
	ck_assert_uint_eq(read_all(&b, buf, sizeof(buf)), 4);
}
END_TEST

START_TEST(simultaneous_close)
{
	struct wire wa[4], wb[4];

	handshake();
	tcp_conn_shutdown(&a.c, now);
	tcp_conn_shutdown(&b.c, now);
	ck_assert_int_eq(a.c.state, TCP_FIN_WAIT_1);
	ck_assert_int_eq(b.c.state, TCP_FIN_WAIT_1);

	/* The FINs cross: both go to CLOSING, then TIME-WAIT on the ACKs. */
	ck_assert_int_eq(take(&a, wa, 4), 1);
	ck_assert_int_eq(take(&b, wb, 4), 1);
	ck_assert(wa[0].seg.flags & TCP_FIN);
	feed(&b, wa, 1);
	feed(&a, wb, 1);
	release(wa, 1);
	release(wb, 1);
	ck_assert_int_eq(a.c.state, TCP_CLOSING);
	ck_assert_int_eq(b.c.state, TCP_CLOSING);
	settle();
	ck_assert_int_eq(a.c.state, TCP_TIME_WAIT);
	ck_assert_int_eq(b.c.state, TCP_TIME_WAIT);
	ck_assert(tcp_conn_at_eof(&a.c));
	ck_assert(tcp_conn_at_eof(&b.c));

	/* 2 MSL later both are CLOSED without error. */
	uint64_t end = a.c.state_deadline;
	ck_assert_uint_eq(end, now + 2 * TCP_MSL_NS);
	run_until(end);
	ck_assert_int_eq(a.c.state, TCP_CLOSED);
	ck_assert_int_eq(b.c.state, TCP_CLOSED);
	ck_assert_int_eq(a.c.error, 0);
	ck_assert_int_eq(b.c.error, 0);
	ck_assert_uint_eq(a.stats.established, 0);
}
END_TEST

START_TEST(half_close_and_last_ack)
{
	char buf[64];

	handshake();
	tcp_conn_shutdown(&a.c, now);
	settle();
	ck_assert_int_eq(a.c.state, TCP_FIN_WAIT_2);
	ck_assert_int_eq(b.c.state, TCP_CLOSE_WAIT);
	ck_assert(tcp_conn_at_eof(&b.c));
	ck_assert_int_eq(tcp_conn_write(&a.c, (struct fata_view){ 0 }, now), FATA_EPIPE);

	/* The half-open direction still carries data. */
	write_bytes(&b, "still talking", 13);
	run_until(now + SEC);
	ck_assert_uint_eq(read_all(&a, buf, sizeof(buf)), 13);
	ck_assert_int_eq(memcmp(buf, "still talking", 13), 0);

	tcp_conn_shutdown(&b.c, now);
	ck_assert_int_eq(b.c.state, TCP_LAST_ACK);
	settle();
	ck_assert_int_eq(b.c.state, TCP_CLOSED);
	ck_assert_int_eq(b.c.error, 0);
	ck_assert(tcp_conn_take_events(&b.c) & TCP_EV_CLOSED);
	ck_assert_int_eq(a.c.state, TCP_TIME_WAIT);
}
END_TEST

/* Sends a RST from B to A with the given sequence number. */
static void rst_to_a(uint32_t seq)
{
	struct tcp_segment rst;

	memset(&rst, 0, sizeof(rst));
	rst.src_port = b.port;
	rst.dst_port = a.port;
	rst.seq = seq;
	rst.flags = TCP_RST;
	tcp_conn_input(&a.c, &rst, now);
}

START_TEST(rst_in_syn_sent)
{
	struct wire w[4];
	struct tcp_segment rst;

	tcp_conn_connect(&a.c, 1000, now);
	ck_assert_int_eq(take(&a, w, 4), 1);
	release(w, 1);

	/* Without ACK: ignored. */
	memset(&rst, 0, sizeof(rst));
	rst.flags = TCP_RST;
	rst.seq = 7;
	tcp_conn_input(&a.c, &rst, now);
	ck_assert_int_eq(a.c.state, TCP_SYN_SENT);

	/* A RST with a bad ACK is dropped; a non-RST with a bad ACK gets <SEQ=SEG.ACK><CTL=RST>. */
	rst.flags = TCP_RST | TCP_ACK;
	rst.ack = 5;
	tcp_conn_input(&a.c, &rst, now);
	ck_assert_int_eq(a.c.state, TCP_SYN_SENT);
	ck_assert_int_eq(take(&a, w, 4), 0);

	struct tcp_segment bad_ack = rst;
	bad_ack.flags = TCP_ACK;
	tcp_conn_input(&a.c, &bad_ack, now);
	ck_assert_int_eq(take(&a, w, 4), 1);
	ck_assert_uint_eq(w[0].seg.flags, TCP_RST);
	ck_assert_uint_eq(w[0].seg.seq, 5);
	release(w, 1);

	/* With the right ACK: connection refused. */
	rst.ack = 1001;
	tcp_conn_input(&a.c, &rst, now);
	ck_assert_int_eq(a.c.state, TCP_CLOSED);
	ck_assert_int_eq(a.c.error, FATA_ECONNREFUSED);
	ck_assert_uint_eq(a.stats.failed_attempts, 1);
	ck_assert(tcp_conn_take_events(&a.c) & TCP_EV_ERROR);
}
END_TEST

START_TEST(rst_in_syn_received)
{
	struct wire w[4];

	tcp_conn_connect(&a.c, 1000, now);
	ck_assert_int_eq(take(&a, w, 4), 1);
	tcp_conn_accept_syn(&b.c, &w[0].seg, 5000, now);
	release(w, 1);
	deliver(&b); /* the SYN-ACK makes A established */

	struct tcp_segment rst;
	memset(&rst, 0, sizeof(rst));
	rst.flags = TCP_RST;
	rst.seq = 1001;
	tcp_conn_input(&b.c, &rst, now);
	ck_assert_int_eq(b.c.state, TCP_CLOSED);
	ck_assert_int_eq(b.c.error, FATA_ECONNREFUSED);
	ck_assert_uint_eq(b.stats.resets_in, 1);
}
END_TEST

START_TEST(rst_in_synchronized_states)
{
	static const enum tcp_state states[] = {
		TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CLOSE_WAIT, TCP_CLOSING,
		TCP_LAST_ACK, TCP_TIME_WAIT,
	};

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		teardown();
		setup();
		handshake();

		/* Walk A into the state under test. */
		switch (states[i]) {
		case TCP_FIN_WAIT_1:
			tcp_conn_shutdown(&a.c, now);
			break;
		case TCP_FIN_WAIT_2:
			tcp_conn_shutdown(&a.c, now);
			settle();
			break;
		case TCP_CLOSE_WAIT:
			tcp_conn_shutdown(&b.c, now);
			settle();
			break;
		case TCP_CLOSING: {
			struct wire wa[4], wb[4];
			tcp_conn_shutdown(&a.c, now);
			tcp_conn_shutdown(&b.c, now);
			int na = take(&a, wa, 4), nb = take(&b, wb, 4);
			feed(&a, wb, nb);
			release(wa, na);
			release(wb, nb);
			break;
		}
		case TCP_LAST_ACK:
			tcp_conn_shutdown(&b.c, now);
			settle();
			tcp_conn_shutdown(&a.c, now);
			break;
		case TCP_TIME_WAIT:
			tcp_conn_shutdown(&a.c, now);
			tcp_conn_shutdown(&b.c, now);
			settle();
			break;
		default:
			break;
		}
		ck_assert_msg(a.c.state == states[i], "state %s", tcp_state_name(states[i]));

		/* Outside the window: dropped silently. */
		struct wire w[4];
		release(w, take(&a, w, 4));
		rst_to_a(a.c.rcv_nxt + 200000);
		ck_assert_int_eq(a.c.state, states[i]);
		ck_assert_int_eq(take(&a, w, 4), 0);

		/* In the window but not RCV.NXT: a challenge ACK (RFC 5961 section 3.2). */
		rst_to_a(a.c.rcv_nxt + 10);
		ck_assert_int_eq(a.c.state, states[i]);
		ck_assert_int_eq(take(&a, w, 4), 1);
		ck_assert_uint_eq(w[0].seg.flags & (TCP_ACK | TCP_RST), TCP_ACK);
		ck_assert_uint_eq(w[0].seg.ack, a.c.rcv_nxt);
		release(w, 1);
		ck_assert_uint_eq(a.stats.challenge_acks, 1);

		/* Exactly RCV.NXT: reset, except TIME-WAIT (RFC 1337). */
		rst_to_a(a.c.rcv_nxt);
		if (states[i] == TCP_TIME_WAIT) {
			ck_assert_int_eq(a.c.state, TCP_TIME_WAIT);
			continue;
		}
		ck_assert_int_eq(a.c.state, TCP_CLOSED);
		int expect = (states[i] == TCP_CLOSING || states[i] == TCP_LAST_ACK) ? 0 :
			FATA_ECONNRESET;
		ck_assert_msg(a.c.error == expect, "state %s error %d", tcp_state_name(states[i]),
				a.c.error);
	}
}
END_TEST

START_TEST(time_wait_refreshes_on_fin)
{
	handshake();
	tcp_conn_shutdown(&a.c, now);
	settle();
	tcp_conn_shutdown(&b.c, now);

	/* Keep B's FIN so it can arrive a second time later. */
	struct wire fin[4];
	ck_assert_int_eq(take(&b, fin, 4), 1);
	feed(&a, fin, 1);
	ck_assert_int_eq(a.c.state, TCP_TIME_WAIT);
	uint64_t first = a.c.state_deadline;
	struct wire ack[4];
	ck_assert_int_eq(take(&a, ack, 4), 1);
	release(ack, 1);

	/* A minute later the FIN arrives again: ACKed, and 2 MSL starts over. */
	now += 60 * SEC;
	feed(&a, fin, 1);
	release(fin, 1);
	ck_assert_uint_eq(a.c.state_deadline, now + 2 * TCP_MSL_NS);
	ck_assert_uint_gt(a.c.state_deadline, first);
	ck_assert_int_eq(take(&a, ack, 4), 1);
	ck_assert_uint_eq(ack[0].seg.flags, TCP_ACK);
	ck_assert_uint_eq(ack[0].seg.ack, a.c.rcv_nxt);
	release(ack, 1);

	now = a.c.state_deadline;
	tcp_conn_on_timer(&a.c, now);
	ck_assert_int_eq(a.c.state, TCP_CLOSED);
}
END_TEST

START_TEST(paws_drops_old_timestamp)
{
	struct wire w[4];

	handshake();
	write_bytes(&a, "fresh", 5);
	ck_assert_int_eq(take(&a, w, 4), 1);

	/* A segment whose TSval lies behind TS.Recent is dropped with an ACK. */
	struct tcp_segment old = w[0].seg;
	old.opts.ts_val = b.c.ts_recent - 10;
	uint32_t rcv_nxt = b.c.rcv_nxt;
	tcp_conn_input(&b.c, &old, now);
	ck_assert_uint_eq(b.c.rcv_nxt, rcv_nxt);
	ck_assert_uint_eq(b.stats.paws_drops, 1);
	struct wire ack[4];
	ck_assert_int_eq(take(&b, ack, 4), 1);
	ck_assert_uint_eq(ack[0].seg.ack, rcv_nxt);
	release(ack, 1);

	/* The genuine one is taken, and TS.Recent follows it. */
	feed(&b, w, 1);
	ck_assert_uint_eq(b.c.rcv_nxt, rcv_nxt + 5);
	ck_assert_uint_eq(b.c.ts_recent, w[0].seg.opts.ts_val);

	/* A segment without timestamps is dropped once they are negotiated. */
	struct tcp_segment bare = w[0].seg;
	bare.opts.present = 0;
	bare.seq = b.c.rcv_nxt;
	tcp_conn_input(&b.c, &bare, now);
	ck_assert_uint_eq(b.c.rcv_nxt, rcv_nxt + 5);
	release(w, 1);
}
END_TEST

START_TEST(challenge_ack_for_syn_and_old_ack)
{
	struct wire w[16];

	handshake();

	/* A SYN in ESTABLISHED (any sequence number) gets a challenge ACK. */
	struct tcp_segment syn;
	memset(&syn, 0, sizeof(syn));
	syn.flags = TCP_SYN;
	syn.seq = 12345;
	syn.opts.present = TCP_HAS_TIMESTAMP;
	syn.opts.ts_val = b.c.ts_recent + 1;
	tcp_conn_input(&a.c, &syn, now);
	ck_assert_int_eq(a.c.state, TCP_ESTABLISHED);
	ck_assert_int_eq(take(&a, w, 16), 1);
	ck_assert_uint_eq(w[0].seg.flags, TCP_ACK);
	ck_assert_uint_eq(w[0].seg.seq, a.c.snd_nxt);
	ck_assert_uint_eq(w[0].seg.ack, a.c.rcv_nxt);
	release(w, 1);

	/* The limit: ten per second, then silence until the next second. */
	for (int i = 0; i < 20; i++)
		tcp_conn_input(&a.c, &syn, now);
	ck_assert_uint_eq(a.stats.challenge_acks, TCP_CHALLENGE_ACK_LIMIT);
	ck_assert_uint_eq(a.stats.challenge_acks_throttled, 11);
	now += SEC;
	tcp_conn_input(&a.c, &syn, now);
	ck_assert_uint_eq(a.stats.challenge_acks, TCP_CHALLENGE_ACK_LIMIT + 1);
	release(w, take(&a, w, 16));

	/* An ACK far below SND.UNA - MAX.SND.WND also gets one (RFC 5961 section 5.2). */
	struct tcp_segment old;
	memset(&old, 0, sizeof(old));
	old.flags = TCP_ACK;
	old.seq = a.c.rcv_nxt;
	old.ack = a.c.snd_una - a.c.max_snd_wnd - 100;
	old.window = 100;
	old.opts.present = TCP_HAS_TIMESTAMP;
	old.opts.ts_val = a.c.ts_recent + 1;
	uint64_t before = a.stats.challenge_acks;
	now += SEC;
	tcp_conn_input(&a.c, &old, now);
	ck_assert_uint_eq(a.stats.challenge_acks, before + 1);
	ck_assert_uint_ne(a.c.snd_wnd, 100u);
}
END_TEST

START_TEST(out_of_order_sack_and_fast_retransmit)
{
	static char data[14480];
	static char got[sizeof(data)];
	struct wire w[WIRE_MAX];

	handshake();
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i % 251);
	/* Grow cwnd to 10 segments first, so one flight carries them all. */
	a.c.cc.cwnd = 20 * 1448;
	write_bytes(&a, data, sizeof(data));
	int n = take(&a, w, WIRE_MAX);
	ck_assert_int_eq(n, 10);

	/* Segment 2 is lost; each later one is SACKed at once. */
	struct wire acks[WIRE_MAX];
	int nacks = 0;
	for (int i = 0; i < n; i++) {
		if (i == 1)
			continue;
		tcp_conn_input(&b.c, &w[i].seg, now);
		nacks += take(&b, acks + nacks, WIRE_MAX - nacks);
	}
	release(w, n);
	ck_assert_uint_eq(b.stats.out_of_order, 8);
	ck_assert_uint_eq(b.c.reass.count, 8);
	/* The first segment is in order and waits for the delayed ACK; the others are not. */
	ck_assert_int_eq(nacks, 8);
	ck_assert(acks[nacks - 1].seg.opts.present & TCP_HAS_SACK);
	ck_assert_uint_eq(acks[nacks - 1].seg.opts.sack[0].start, b.c.rcv_nxt + 1448);
	ck_assert_uint_eq(acks[nacks - 1].seg.opts.sack[0].end, b.c.rcv_nxt + 9 * 1448);
	feed(&a, acks, nacks);
	release(acks, nacks);

	/* A retransmits the hole as a fast retransmit in SACK recovery. */
	ck_assert_uint_eq(a.stats.sack_recoveries, 1);
	n = take(&a, w, WIRE_MAX);
	ck_assert_int_ge(n, 1);
	ck_assert_uint_eq(w[0].seg.seq, a.c.snd_una);
	ck_assert_uint_eq(w[0].seg.len, 1448);
	feed(&b, w, n);
	release(w, n);
	ck_assert_uint_ge(a.stats.fast_retransmits, 1);
	run_until(now + SEC);

	ck_assert_uint_eq(read_all(&b, got, sizeof(got)), sizeof(data));
	ck_assert_int_eq(memcmp(got, data, sizeof(data)), 0);
	ck_assert(!a.c.in_recovery);
	ck_assert_uint_eq(a.stats.rto_timeouts, 0);
}
END_TEST

START_TEST(newreno_fast_retransmit_without_sack)
{
	static char data[14480];
	static char got[sizeof(data)];
	struct wire w[WIRE_MAX];
	struct tcp_conn_params p = params_for(&b);

	p.sack = 0;
	tcp_conn_free(&b.c);
	end_init(&b, 2, 80, &p);
	handshake();
	ck_assert(!a.c.sack_ok);

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i % 13);
	a.c.cc.cwnd = 20 * 1448;
	write_bytes(&a, data, sizeof(data));
	int n = take(&a, w, WIRE_MAX);
	ck_assert_int_eq(n, 10);
	/* Segments 2 and 5 are lost: the partial ACK path repairs the second. */
	for (int i = 0; i < n; i++) {
		if (i == 1 || i == 4)
			continue;
		tcp_conn_input(&b.c, &w[i].seg, now);
		deliver(&b);
	}
	release(w, n);
	run_until(now + 500 * MS);

	ck_assert_uint_eq(a.stats.newreno_recoveries, 1);
	ck_assert_uint_ge(a.stats.fast_retransmits, 2);
	ck_assert_uint_eq(a.stats.rto_timeouts, 0);
	ck_assert_uint_eq(read_all(&b, got, sizeof(got)), sizeof(data));
	ck_assert_int_eq(memcmp(got, data, sizeof(data)), 0);
}
END_TEST

START_TEST(rto_backoff_and_timeout)
{
	struct wire w[4];

	handshake();
	write_bytes(&a, "lost forever", 12);
	ck_assert_int_eq(take(&a, w, 4), 1);
	release(w, 1);
	uint64_t first = a.c.rtx_deadline;
	ck_assert_uint_ne(first, 0);

	/* Each expiry resends from SND.UNA with a doubled timeout and cwnd of one segment. */
	uint64_t previous_gap = first - now;
	for (int i = 1; i <= TCP_MAX_DATA_RETRIES; i++) {
		now = a.c.rtx_deadline;
		tcp_conn_on_timer(&a.c, now);
		ck_assert_int_eq(take(&a, w, 4), 1);
		ck_assert_uint_eq(w[0].seg.seq, a.c.snd_una);
		ck_assert_uint_eq(w[0].seg.len, 12);
		release(w, 1);
		uint64_t gap = a.c.rtx_deadline - now;
		ck_assert_uint_ge(gap, previous_gap < TCP_RTO_MAX_NS ? previous_gap : TCP_RTO_MAX_NS);
		previous_gap = gap;
		ck_assert_uint_eq(a.c.cc.cwnd, tcp_conn_smss(&a.c));
	}
	ck_assert_uint_eq(a.stats.retransmits, TCP_MAX_DATA_RETRIES);

	now = a.c.rtx_deadline;
	tcp_conn_on_timer(&a.c, now);
	ck_assert_int_eq(a.c.state, TCP_CLOSED);
	ck_assert_int_eq(a.c.error, FATA_ETIMEDOUT);
	ck_assert_uint_eq(a.stats.timeouts, 1);
}
END_TEST

START_TEST(syn_retransmit_and_connect_timeout)
{
	struct wire w[4];
	struct tcp_conn_params p = params_for(&a);

	p.connect_timeout_ns = 10 * SEC;
	tcp_conn_free(&a.c);
	end_init(&a, 1, 40000, &p);
	tcp_conn_connect(&a.c, 1, now);
	uint64_t start = now;
	ck_assert_int_eq(take(&a, w, 4), 1);
	release(w, 1);

	/* SYNs go again at 1 s, 3 s, 7 s; the 10 s user timeout ends the attempt. */
	int syns = 0;
	while (a.c.state == TCP_SYN_SENT) {
		now = tcp_conn_deadline(&a.c);
		tcp_conn_on_timer(&a.c, now);
		int n = take(&a, w, 4);
		for (int i = 0; i < n; i++)
			ck_assert_uint_eq(w[i].seg.flags, TCP_SYN);
		syns += n;
		release(w, n);
	}
	ck_assert_int_eq(syns, 3);
	ck_assert_uint_eq(now - start, 10 * SEC);
	ck_assert_int_eq(a.c.error, FATA_ETIMEDOUT);
	ck_assert_uint_eq(a.stats.failed_attempts, 1);
}
END_TEST

START_TEST(zero_window_persist_probe)
{
	static char data[8192];
	struct tcp_conn_params p = params_for(&b);
	char buf[8192];

	p.rcvbuf = 4096;
	tcp_conn_free(&b.c);
	end_init(&b, 2, 80, &p);
	handshake();
	memset(data, 'z', sizeof(data));
	write_bytes(&a, data, sizeof(data));
	run_until(now + 2 * SEC);

	/* B never read, so its window is closed and the rest waits at A. */
	ck_assert_uint_eq(b.c.rcv.bytes, 4096);
	ck_assert_uint_eq(a.c.snd_wnd, 0);
	ck_assert_uint_ne(a.c.persist_deadline, 0);

	/* Probes go out with backoff and B ACKs each, so the connection stays up. */
	run_until(now + 120 * SEC);
	ck_assert_uint_ge(a.stats.window_probes, 3);
	ck_assert_int_eq(a.c.state, TCP_ESTABLISHED);

	/* Reading opens the window with an update; the rest flows. */
	size_t total = read_all(&b, buf, sizeof(buf));
	run_until(now + 2 * SEC);
	total += read_all(&b, buf, sizeof(buf));
	run_until(now + 2 * SEC);
	total += read_all(&b, buf, sizeof(buf));
	ck_assert_uint_eq(total, sizeof(data));
	ck_assert_uint_eq(a.c.snd_una, a.c.snd_max);
}
END_TEST

START_TEST(keepalive_probes_and_drop)
{
	struct tcp_conn_params p = params_for(&a);
	struct wire w[4];

	p.keepalive_ns = 30 * SEC;
	tcp_conn_free(&a.c);
	end_init(&a, 1, 40000, &p);
	handshake();

	/* Idle for 30 s: a probe at SND.MAX - 1, and B ACKs it. */
	run_until(now + 31 * SEC);
	ck_assert_uint_eq(a.stats.keepalive_probes, 1);
	ck_assert_int_eq(a.c.state, TCP_ESTABLISHED);

	/* The peer vanishes: after nine unanswered probes the connection fails. */
	for (int i = 0; i < 20 && a.c.state != TCP_CLOSED; i++) {
		now = tcp_conn_deadline(&a.c);
		tcp_conn_on_timer(&a.c, now);
		int n = take(&a, w, 4);
		for (int k = 0; k < n; k++)
			ck_assert_uint_eq(w[k].seg.seq, a.c.snd_max - 1);
		release(w, n);
	}
	ck_assert_int_eq(a.c.state, TCP_CLOSED);
	ck_assert_int_eq(a.c.error, FATA_ETIMEDOUT);
	ck_assert_uint_eq(a.stats.keepalive_drops, 1);
	ck_assert_uint_eq(a.stats.keepalive_probes, 1 + TCP_KEEPALIVE_PROBES);
}
END_TEST

START_TEST(close_with_unread_data_resets)
{
	struct wire w[4];

	handshake();
	write_bytes(&a, "unread", 6);
	settle();
	ck_assert_uint_eq(b.c.rcv.bytes, 6);

	tcp_conn_close(&b.c, now);
	ck_assert_int_eq(b.c.state, TCP_CLOSED);
	ck_assert_int_eq(take(&b, w, 4), 1);
	ck_assert(w[0].seg.flags & TCP_RST);
	feed(&a, w, 1);
	release(w, 1);
	ck_assert_int_eq(a.c.state, TCP_CLOSED);
	ck_assert_int_eq(a.c.error, FATA_ECONNRESET);
}
END_TEST

START_TEST(data_after_close_resets)
{
	handshake();
	tcp_conn_close(&b.c, now);
	settle();
	ck_assert_int_eq(b.c.state, TCP_FIN_WAIT_2);

	/* RFC 1122 section 4.2.2.13: data for a closed user gets a RST in reply. */
	write_bytes(&a, "too late", 8);
	settle();
	ck_assert_int_eq(b.c.state, TCP_CLOSED);
	ck_assert_int_eq(a.c.state, TCP_CLOSED);
	ck_assert_int_eq(a.c.error, FATA_ECONNRESET);
}
END_TEST

START_TEST(nagle_holds_small_segments)
{
	struct wire w[8];

	handshake();
	write_bytes(&a, "a", 1);
	ck_assert_int_eq(take(&a, w, 8), 1);
	feed(&b, w, 1);
	release(w, 1);

	/* With one small segment unacknowledged, more small data waits. */
	write_bytes(&a, "b", 1);
	write_bytes(&a, "c", 1);
	ck_assert_int_eq(take(&a, w, 8), 0);
	run_until(now + SEC);
	ck_assert_uint_eq(a.c.snd_una, a.c.snd_max);
	ck_assert_uint_eq(b.c.rcv.bytes, 3);

	/* With nodelay each write goes at once. */
	teardown();
	setup();
	struct tcp_conn_params p = params_for(&a);
	p.nodelay = 1;
	tcp_conn_free(&a.c);
	end_init(&a, 1, 40000, &p);
	handshake();
	write_bytes(&a, "a", 1);
	ck_assert_int_eq(take(&a, w, 8), 1);
	release(w, 1);
	write_bytes(&a, "b", 1);
	ck_assert_int_eq(take(&a, w, 8), 1);
	release(w, 1);
}
END_TEST

START_TEST(icmp_errors)
{
	struct wire w[4];

	tcp_conn_connect(&a.c, 1000, now);
	ck_assert_int_eq(take(&a, w, 4), 1);
	release(w, 1);

	/* A quote with the wrong sequence number is ignored (RFC 5927). */
	tcp_conn_icmp(&a.c, FATA_ECONNREFUSED, 0, 999, now);
	ck_assert_int_eq(a.c.state, TCP_SYN_SENT);
	/* Host unreachable is soft: remembered, not fatal. */
	tcp_conn_icmp(&a.c, FATA_EHOSTUNREACH, 0, 1000, now);
	ck_assert_int_eq(a.c.state, TCP_SYN_SENT);
	ck_assert_int_eq(a.c.soft_error, FATA_EHOSTUNREACH);
	/* Port unreachable while opening is hard. */
	tcp_conn_icmp(&a.c, FATA_ECONNREFUSED, 0, 1000, now);
	ck_assert_int_eq(a.c.state, TCP_CLOSED);
	ck_assert_int_eq(a.c.error, FATA_ECONNREFUSED);

	/* "Fragmentation needed" lowers the MSS of an established connection. */
	teardown();
	setup();
	handshake();
	write_bytes(&a, "x", 1);
	ck_assert_int_eq(take(&a, w, 4), 1);
	release(w, 1);
	tcp_conn_icmp(&a.c, FATA_EMSGSIZE, 1280, a.c.snd_una, now);
	ck_assert_uint_eq(a.c.local_mss, 1280 - 40);
	ck_assert_uint_eq(a.stats.pmtu_updates, 1);
	/* A forged tiny MTU is raised to 576. */
	tcp_conn_icmp(&a.c, FATA_EMSGSIZE, 100, a.c.snd_una, now);
	ck_assert_uint_eq(a.c.local_mss, 536);
}
END_TEST

START_TEST(fin_before_missing_data)
{
	struct wire w[8];
	char buf[64];

	handshake();
	write_bytes(&a, "first", 5);
	ck_assert_int_eq(take(&a, w, 8), 1);
	struct wire lost = w[0];

	/* The second write and the FIN arrive while the first is missing. */
	write_bytes(&a, "second", 6);
	tcp_conn_shutdown(&a.c, now);
	int n = take(&a, w, 8);
	ck_assert_int_ge(n, 1);
	ck_assert(w[n - 1].seg.flags & TCP_FIN);
	feed(&b, w, n);
	release(w, n);
	ck_assert(b.c.peer_fin_pending);
	ck_assert(!b.c.peer_fin);
	ck_assert_int_eq(b.c.state, TCP_ESTABLISHED);
	ck_assert(!tcp_conn_at_eof(&b.c));

	/* The gap fills: all data in order, then the end of stream. */
	feed(&b, &lost, 1);
	release(&lost, 1);
	ck_assert_int_eq(b.c.state, TCP_CLOSE_WAIT);
	ck_assert_uint_eq(read_all(&b, buf, sizeof(buf)), 11);
	ck_assert_int_eq(memcmp(buf, "firstsecond", 11), 0);
	ck_assert(tcp_conn_at_eof(&b.c));
	settle();
	ck_assert_int_eq(a.c.state, TCP_FIN_WAIT_2);
}
END_TEST

START_TEST(syn_received_resends_syn_ack)
{
	struct wire syn[2], w[4];

	tcp_conn_connect(&a.c, 1000, now);
	ck_assert_int_eq(take(&a, syn, 2), 1);
	tcp_conn_accept_syn(&b.c, &syn[0].seg, 5000, now);
	ck_assert_int_eq(take(&b, w, 4), 1);
	release(w, 1);

	/* The SYN-ACK was lost and A's SYN comes again: B sends its SYN-ACK again. */
	feed(&b, syn, 1);
	release(syn, 1);
	ck_assert_int_eq(b.c.state, TCP_SYN_RECEIVED);
	ck_assert_int_eq(take(&b, w, 4), 1);
	ck_assert_uint_eq(w[0].seg.flags, TCP_SYN | TCP_ACK);
	ck_assert_uint_eq(w[0].seg.seq, 5000);
	ck_assert_uint_eq(b.stats.retransmits, 1);
	feed(&a, w, 1);
	release(w, 1);
	settle();
	ck_assert_int_eq(a.c.state, TCP_ESTABLISHED);
	ck_assert_int_eq(b.c.state, TCP_ESTABLISHED);
}
END_TEST

START_TEST(old_duplicate_is_acked_and_counted)
{
	struct wire w[4];

	handshake();
	write_bytes(&a, "once", 4);
	ck_assert_int_eq(take(&a, w, 4), 1);
	feed(&b, w, 1);

	/* The same segment again: no new data, an immediate ACK, a counted duplicate. */
	struct wire ack[4];
	release(ack, take(&b, ack, 4));
	feed(&b, w, 1);
	release(w, 1);
	ck_assert_uint_eq(b.c.rcv.bytes, 4);
	ck_assert_uint_eq(b.stats.duplicate_segments, 1);
	ck_assert_int_eq(take(&b, ack, 4), 1);
	ck_assert_uint_eq(ack[0].seg.ack, b.c.rcv_nxt);
	release(ack, 1);
}
END_TEST

START_TEST(cubic_connection_grows_window)
{
	static char data[200000];
	struct tcp_conn_params p = params_for(&a);

	p.cc = FATA_TCP_CC_CUBIC;
	tcp_conn_free(&a.c);
	end_init(&a, 1, 40000, &p);
	handshake();
	ck_assert_int_eq(a.c.cc.algorithm, FATA_TCP_CC_CUBIC);
	memset(data, 'c', sizeof(data));
	write_bytes(&a, data, sizeof(data));

	char buf[65536];
	size_t total = 0;
	for (int i = 0; i < 200 && total < sizeof(data); i++) {
		run_until(now + 100000000);
		total += read_all(&b, buf, sizeof(buf));
	}
	ck_assert_uint_eq(total, sizeof(data));
	ck_assert_uint_gt(a.c.cc.cwnd, tcp_cc_initial_window(tcp_conn_smss(&a.c)));
}
END_TEST

/* Checks the sequence-space invariants stated in tcp_conn.h. */
static void check_invariants(const struct tcp_conn *c)
{
	if (c->state < TCP_ESTABLISHED)
		return;
	ck_assert((int32_t)(c->snd_nxt - c->snd_una) >= 0);
	ck_assert((int32_t)(c->snd_max - c->snd_nxt) >= 0);
	ck_assert((int32_t)(c->rcv_adv - c->rcv_nxt) >= 0 || c->rcv_adv == 0);
	ck_assert_uint_le(c->reass.bytes, c->reass.max_bytes);
	ck_assert_uint_le(c->sb.count, TCP_SCOREBOARD_MAX);
	if (!c->fin_acked)
		ck_assert((int32_t)(c->snd_buf_seq - c->snd_una) >= 0 || c->snd_una == c->iss);
}

START_TEST(random_segments_keep_invariants)
{
	struct fata_rng rng;
	struct wire w[WIRE_MAX];

	fata_rng_seed(&rng, 2026);
	handshake();
	write_bytes(&a, "some data to keep in flight", 27);
	release(w, take(&a, w, WIRE_MAX));

	for (int i = 0; i < 20000; i++) {
		struct tcp_segment seg;
		static uint8_t payload[2048];
		struct fata_view v;

		memset(&seg, 0, sizeof(seg));
		seg.src_port = b.port;
		seg.dst_port = a.port;
		seg.flags = (uint8_t)fata_rng_next(&rng);
		/* Mostly near the window edges, sometimes anywhere. */
		int32_t spread = (int32_t)fata_rng_below(&rng, 200000) - 100000;
		seg.seq = fata_rng_below(&rng, 8) ? a.c.rcv_nxt + (uint32_t)spread :
			(uint32_t)fata_rng_next(&rng);
		spread = (int32_t)fata_rng_below(&rng, 4000) - 2000;
		seg.ack = fata_rng_below(&rng, 8) ? a.c.snd_una + (uint32_t)spread :
			(uint32_t)fata_rng_next(&rng);
		seg.window = (uint16_t)fata_rng_next(&rng);
		if (fata_rng_below(&rng, 2)) {
			seg.opts.present |= TCP_HAS_TIMESTAMP;
			seg.opts.ts_val = a.c.ts_recent + (uint32_t)fata_rng_below(&rng, 100) - 10;
			seg.opts.ts_ecr = (uint32_t)fata_rng_next(&rng);
		}
		if (fata_rng_below(&rng, 3) == 0) {
			seg.opts.present |= TCP_HAS_SACK;
			seg.opts.sack_count = (uint8_t)(1 + fata_rng_below(&rng, 4));
			for (unsigned k = 0; k < seg.opts.sack_count; k++) {
				seg.opts.sack[k].start = a.c.snd_una + (uint32_t)fata_rng_below(&rng, 3000);
				seg.opts.sack[k].end = seg.opts.sack[k].start +
					(uint32_t)fata_rng_below(&rng, 3000) - 500;
			}
		}
		uint32_t len = (uint32_t)fata_rng_below(&rng, 4) ? 0 :
			(uint32_t)fata_rng_below(&rng, sizeof(payload));
		ck_assert_int_eq(fata_buf_copy(payload, len ? len : 1, 0, &v), 0);
		v.len = len;
		seg.payload = v;
		seg.len = len;

		tcp_conn_input(&a.c, &seg, now);
		fata_view_release(&v);
		check_invariants(&a.c);
		release(w, take(&a, w, WIRE_MAX));
		now += fata_rng_below(&rng, 50000000);
		tcp_conn_on_timer(&a.c, now);
		release(w, take(&a, w, WIRE_MAX));
		check_invariants(&a.c);

		/* A RST that hit RCV.NXT ends the connection: start a new one. */
		if (a.c.state == TCP_CLOSED || a.c.state == TCP_TIME_WAIT) {
			teardown();
			setup();
			handshake();
			write_bytes(&a, "more data", 9);
			release(w, take(&a, w, WIRE_MAX));
		}
		struct fata_view junk;
		while (tcp_conn_read(&a.c, &junk, now))
			fata_view_release(&junk);
	}
}
END_TEST

/* Re-creates `a` with checksum offload and TSO frames of up to 64 KiB. */
static void offload_a(void)
{
	struct tcp_conn_params p = params_for(&a);

	tcp_conn_free(&a.c);
	p.tso_max = 65535 - 20;
	p.csum_offload = 1;
	end_init(&a, 1, 40000, &p);
}

START_TEST(tso_frame_of_whole_segments)
{
	static char data[60000];
	static char got[60000];
	struct wire w[8];

	offload_a();
	handshake();
	uint32_t smss = tcp_conn_smss(&a.c);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 13);

	/* Idle with all data queued: the first frame is the whole initial window. */
	write_bytes(&a, data, sizeof(data));
	ck_assert_int_eq(take(&a, w, 8), 1);
	ck_assert_uint_eq(w[0].seg.gso_size, smss);
	ck_assert_uint_eq(w[0].seg.len, a.c.cc.cwnd / smss * smss);
	ck_assert_uint_eq(w[0].seg.len % smss, 0);
	ck_assert(!(w[0].seg.flags & TCP_PSH));

	/* The receiver takes it as a GRO frame of several segments and ACKs at once. */
	feed(&b, w, 1);
	release(w, 1);
	ck_assert_uint_eq(b.stats.gro_frames_in, 1);
	ck_assert_uint_eq(b.c.rcv_mss, smss);
	ck_assert_int_eq(take(&b, w, 8), 1);
	ck_assert_uint_eq(w[0].seg.ack, a.c.snd_nxt);
	feed(&a, w, 1);
	release(w, 1);

	run_until(now + 5 * SEC);
	ck_assert_uint_eq(read_all(&b, got, sizeof(got)), sizeof(data));
	ck_assert_int_eq(memcmp(got, data, sizeof(data)), 0);
	ck_assert_uint_eq(a.stats.retransmits, 0);
}
END_TEST

START_TEST(tso_frame_respects_peer_window)
{
	static char data[40000];
	struct wire w[8];
	struct tcp_conn_params pb = params_for(&b);

	offload_a();
	tcp_conn_free(&b.c);
	pb.rcvbuf = 6000;
	end_init(&b, 2, 80, &pb);
	handshake();
	a.c.cc.cwnd = 60000;
	uint32_t smss = tcp_conn_smss(&a.c);

	memset(data, 'w', sizeof(data));
	write_bytes(&a, data, sizeof(data));
	int n = take(&a, w, 8);
	ck_assert_int_ge(n, 1);

	/* Every frame together stays inside the 6000-byte window, in whole segments. */
	uint32_t total = 0;
	for (int i = 0; i < n; i++) {
		total += w[i].seg.len;
		ck_assert_uint_eq(w[i].seg.len % smss, 0);
	}
	ck_assert_uint_le(total, 6000);
	ck_assert_uint_eq(total, 6000 / smss * smss);
	release(w, n);
}
END_TEST

START_TEST(tso_short_tail_only_when_idle)
{
	static char data[5000];
	struct wire w[8];

	offload_a();
	handshake();
	uint32_t smss = tcp_conn_smss(&a.c);
	a.c.cc.cwnd = 60000;
	memset(data, 't', sizeof(data));

	/* Nothing in flight: the whole write goes, its short last segment included. */
	write_bytes(&a, data, sizeof(data));
	ck_assert_int_eq(take(&a, w, 8), 1);
	ck_assert_uint_eq(w[0].seg.len, sizeof(data));
	ck_assert_uint_eq(w[0].seg.gso_size, smss);
	ck_assert(w[0].seg.flags & TCP_PSH);
	release(w, 1);

	/* Data in flight: Nagle keeps the short tail back and only whole segments go. */
	write_bytes(&a, data, sizeof(data));
	ck_assert_int_eq(take(&a, w, 8), 1);
	ck_assert_uint_eq(w[0].seg.len, sizeof(data) / smss * smss);
	release(w, 1);
}
END_TEST

START_TEST(window_update_only_when_window_low)
{
	static char data[60000];
	static char got[60000];
	struct wire w[64];

	handshake();
	memset(data, 'r', sizeof(data));

	/* 10 segments unread leave more than half of the 64 KiB window open. */
	write_bytes(&a, data, 10 * 1448);
	settle();
	ck_assert_uint_eq(read_all(&b, got, sizeof(got)), 10 * 1448);
	ck_assert_int_eq(take(&b, w, 64), 0);
	ck_assert_uint_eq(b.stats.window_updates, 0);

	/* 40 unread segments leave less than half: reading sends one window update. */
	write_bytes(&a, data, 40 * 1448);
	run_until(now + SEC);
	ck_assert_uint_lt(b.c.rcv_adv - b.c.rcv_nxt, 32 * 1024);
	ck_assert_uint_eq(read_all(&b, got, sizeof(got)), 40 * 1448);
	ck_assert_int_eq(take(&b, w, 64), 1);
	ck_assert_uint_eq(w[0].seg.len, 0);
	ck_assert_uint_eq(b.stats.window_updates, 1);
	ck_assert_uint_eq((uint32_t)w[0].seg.window << b.c.rcv_wscale,
			b.c.rcv_adv - b.c.rcv_nxt);
	release(w, 1);
}
END_TEST

START_TEST(gro_frame_out_of_order_acks_at_once)
{
	static char data[20000];
	struct wire w[8];

	offload_a();
	handshake();
	a.c.cc.cwnd = 60000;
	memset(data, 'g', sizeof(data));
	write_bytes(&a, data, 2 * 1448);
	ck_assert_int_eq(take(&a, w, 8), 1);
	release(w, 1);

	/* The first frame is lost; the next GRO frame lands above RCV.NXT. */
	write_bytes(&a, data, 8 * 1448);
	ck_assert_int_eq(take(&a, w, 8), 1);
	ck_assert_uint_gt(w[0].seg.len, w[0].seg.gso_size);
	feed(&b, w, 1);
	release(w, 1);
	ck_assert_uint_eq(b.stats.out_of_order, 1);
	ck_assert_int_eq(take(&b, w, 8), 1);
	ck_assert_uint_eq(w[0].seg.ack, b.c.rcv_nxt);
	ck_assert(w[0].seg.opts.present & TCP_HAS_SACK);
	release(w, 1);
}
END_TEST

static Suite *conn_suite(void)
{
	Suite *s = suite_create("tcp-conn");
	TCase *tc = tcase_create("conn");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, handshake_three_way);
	tcase_add_test(tc, handshake_without_options);
	tcase_add_test(tc, handshake_window_scaling);
	tcase_add_test(tc, data_with_delayed_ack);
	tcase_add_test(tc, bulk_data_acks_every_second_segment);
	tcase_add_test(tc, simultaneous_open);
	tcase_add_test(tc, simultaneous_close);
	tcase_add_test(tc, half_close_and_last_ack);
	tcase_add_test(tc, rst_in_syn_sent);
	tcase_add_test(tc, rst_in_syn_received);
	tcase_add_test(tc, rst_in_synchronized_states);
	tcase_add_test(tc, time_wait_refreshes_on_fin);
	tcase_add_test(tc, paws_drops_old_timestamp);
	tcase_add_test(tc, challenge_ack_for_syn_and_old_ack);
	tcase_add_test(tc, out_of_order_sack_and_fast_retransmit);
	tcase_add_test(tc, newreno_fast_retransmit_without_sack);
	tcase_add_test(tc, rto_backoff_and_timeout);
	tcase_add_test(tc, syn_retransmit_and_connect_timeout);
	tcase_add_test(tc, zero_window_persist_probe);
	tcase_add_test(tc, keepalive_probes_and_drop);
	tcase_add_test(tc, close_with_unread_data_resets);
	tcase_add_test(tc, data_after_close_resets);
	tcase_add_test(tc, nagle_holds_small_segments);
	tcase_add_test(tc, icmp_errors);
	tcase_add_test(tc, fin_before_missing_data);
	tcase_add_test(tc, syn_received_resends_syn_ack);
	tcase_add_test(tc, old_duplicate_is_acked_and_counted);
	tcase_add_test(tc, cubic_connection_grows_window);
	tcase_add_test(tc, random_segments_keep_invariants);
	tcase_add_test(tc, tso_frame_of_whole_segments);
	tcase_add_test(tc, tso_frame_respects_peer_window);
	tcase_add_test(tc, tso_short_tail_only_when_idle);
	tcase_add_test(tc, window_update_only_when_window_low);
	tcase_add_test(tc, gro_frame_out_of_order_acks_at_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(conn_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

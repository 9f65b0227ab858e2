/*
 * Segment arrival (RFC 9293 section 3.10.7) for a connection that exists:
 * SYN-SENT first, then the steps for the other states in order. The RFC
 * 5961 checks for RST and SYN and the RFC 7323 timestamp checks (PAWS) run
 * before the sequence number test.
 */
#include <fata/error.h>

#include "tcp_conn.h"
#include "tcp_seq.h"

/* TS.Recent older than 24 days is invalid (RFC 7323 section 5.5). */
#define TS_RECENT_MAX_AGE_NS (UINT64_C(24) * 24 * 3600 * 1000000000)

void tcp_conn_challenge_ack(struct tcp_conn *c, uint64_t now)
{
	/* RFC 5961 section 7: limit challenge ACKs so they cannot be used to flood. */
	if (now - c->challenge_window >= UINT64_C(1000000000)) {
		c->challenge_window = now;
		c->challenge_count = 0;
	}
	if (c->challenge_count >= TCP_CHALLENGE_ACK_LIMIT) {
		c->stats->challenge_acks_throttled++;
		return;
	}
	c->challenge_count++;
	c->stats->challenge_acks++;
	c->ack_now = 1;
}

static void queue_rst(struct tcp_conn *c, uint32_t seq)
{
	c->rst_pending = 1;
	c->rst_seq = seq;
}

/* Takes the peer's SYN-ACK (or SYN) timestamps and MSS into account. */
static void syn_sent_established(struct tcp_conn *c, const struct tcp_segment *seg, uint64_t now)
{
	c->snd_una = seg->ack;
	if (tcp_seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;

	/* RFC 6298 section 3 with Karn's rule: time the SYN only if sent once. */
	if (c->rtt_active && !c->syn_retransmitted)
		tcp_rto_sample(&c->rto, now - c->rtt_start);
	c->rtt_active = 0;

	/* RFC 7323 section 2.2: the window of a SYN-ACK is not scaled. */
	c->snd_wnd = seg->window;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = seg->ack;
	tcp_conn_established(c, now);
	c->ack_now = 1;
}

static void other_states(struct tcp_conn *c, struct tcp_segment *s, uint64_t now);

/* RFC 9293 section 3.10.7.3, SEGMENT ARRIVES in SYN-SENT. */
static void syn_sent_input(struct tcp_conn *c, const struct tcp_segment *seg, uint64_t now)
{
	int has_ack = (seg->flags & TCP_ACK) != 0;

	/* First, the ACK must acknowledge our SYN and nothing beyond. */
	if (has_ack && (tcp_seq_leq(seg->ack, c->iss) || tcp_seq_gt(seg->ack, c->snd_max))) {
		if (!(seg->flags & TCP_RST))
			queue_rst(c, seg->ack);
		return;
	}

	/* Second, a RST counts only with an acceptable ACK (RFC 5961 section 3.2). */
	if (seg->flags & TCP_RST) {
		if (has_ack) {
			c->stats->resets_in++;
			tcp_conn_fail(c, FATA_ECONNREFUSED);
		}
		return;
	}

	/* Fourth, the SYN. A segment without SYN or RST is dropped. */
	if (!(seg->flags & TCP_SYN))
		return;

	c->irs = seg->seq;
	c->rcv_nxt = seg->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->last_ack_sent = c->rcv_nxt;
	tcp_conn_negotiate(c, seg);
	if (c->ts_ok)
		c->ts_recent_time = now;

	if (!has_ack) {
		/* Simultaneous open: SYN-RECEIVED, and our SYN-ACK goes out. */
		c->snd_wnd = seg->window;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = c->iss;
		tcp_conn_set_state(c, TCP_SYN_RECEIVED);
		c->syn_pending = 1;
		c->rtx_deadline = 0;
		return;
	}

	syn_sent_established(c, seg, now);

	/* Data or a FIN riding on the SYN-ACK: continue at the sixth step. */
	if (seg->len > 0 || (seg->flags & TCP_FIN)) {
		struct tcp_segment rest = *seg;
		rest.seq++;
		rest.flags &= (uint8_t)~TCP_SYN;
		other_states(c, &rest, now);
	}
}

/* RFC 5961 section 3.2: a RST resets only at exactly RCV.NXT. */
static void rst_input(struct tcp_conn *c, const struct tcp_segment *s, uint64_t now)
{
	uint32_t wnd = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;

	if (s->seq != c->rcv_nxt) {
		if (wnd > 0 && tcp_seq_in(s->seq, c->rcv_nxt, c->rcv_nxt + wnd))
			tcp_conn_challenge_ack(c, now);
		return;
	}

	switch (c->state) {
	case TCP_SYN_RECEIVED:
		/* Passive: back to LISTEN, which for us means dropping the TCB. */
		c->stats->resets_in++;
		tcp_conn_fail(c, FATA_ECONNREFUSED);
		break;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		c->stats->resets_in++;
		c->stats->established_resets++;
		tcp_conn_fail(c, FATA_ECONNRESET);
		break;
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		c->stats->resets_in++;
		tcp_conn_set_state(c, TCP_CLOSED);
		c->rtx_deadline = 0;
		break;
	case TCP_TIME_WAIT:
		/* RFC 1337: a RST must not cut TIME-WAIT short ("TIME-WAIT assassination"). */
		break;
	default:
		break;
	}
}

/*
 * The sequence number test of RFC 9293 section 3.10.7.4 (first step),
 * trimming the segment to the window. Returns 1 to go on with the whole
 * segment, 2 to go on with its ACK only (zero window), 0 to drop it.
 */
static int acceptable(struct tcp_conn *c, struct tcp_segment *s)
{
	uint32_t wnd = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t len = tcp_segment_seq_len(s);
	int ok;

	if (len == 0)
		ok = wnd == 0 ? s->seq == c->rcv_nxt : tcp_seq_in(s->seq, c->rcv_nxt, c->rcv_nxt + wnd);
	else if (wnd == 0)
		ok = 0;
	else
		ok = tcp_seq_in(s->seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
			tcp_seq_in(s->seq + len - 1, c->rcv_nxt, c->rcv_nxt + wnd);

	if (!ok) {
		/* Not acceptable: send an ACK, except in reply to a RST. */
		c->ack_now = 1;
		if (tcp_seq_leq(s->seq + len, c->rcv_nxt))
			c->stats->duplicate_segments++;
		/* A zero window still takes ACKs at RCV.NXT (RFC 9293 section 3.10.7.4). */
		return wnd == 0 && s->seq == c->rcv_nxt ? 2 : 0;
	}

	/* Trim what lies left of RCV.NXT: a SYN first, then old bytes. */
	if (tcp_seq_lt(s->seq, c->rcv_nxt)) {
		uint32_t skip = c->rcv_nxt - s->seq;
		if (s->flags & TCP_SYN) {
			s->flags &= (uint8_t)~TCP_SYN;
			skip--;
			s->seq++;
		}
		if (skip > s->len)
			skip = s->len;
		fata_view_pull(&s->payload, skip);
		s->len -= skip;
		s->seq += skip;
	}

	/* Trim what lies right of the window, together with a FIN there. */
	uint32_t edge = c->rcv_nxt + wnd;
	if (tcp_seq_gt(s->seq + s->len, edge)) {
		uint32_t keep = edge - s->seq;
		fata_view_trim(&s->payload, keep);
		s->len = keep;
		s->flags &= (uint8_t)~TCP_FIN;
	}
	return 1;
}

static void process_fin(struct tcp_conn *c, uint64_t now)
{
	c->rcv_nxt++;
	c->peer_fin = 1;
	c->peer_fin_pending = 0;
	c->ack_now = 1;
	c->events |= TCP_EV_READABLE;

	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_conn_set_state(c, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		if (c->fin_acked)
			tcp_conn_enter_time_wait(c, now);
		else
			tcp_conn_set_state(c, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		tcp_conn_enter_time_wait(c, now);
		break;
	default:
		break;
	}
}

static void deliver_in_order(struct tcp_conn *c, struct tcp_segment *s, uint64_t now)
{
	struct fata_view v = fata_view_ref(s->payload);

	if (tcp_viewq_push(&c->rcv, v) < 0) {
		/* Out of memory: drop the data, which the peer retransmits. */
		fata_view_release(&v);
		return;
	}
	c->rcv_nxt += s->len;
	c->events |= TCP_EV_READABLE;

	/* A GRO frame stands for segments of gso_size bytes, so its length is not the peer's MSS. */
	uint32_t seg_size = s->gso_size && s->gso_size < s->len ? s->gso_size : s->len;
	if (s->gso_size && s->gso_size < s->len)
		c->stats->gro_frames_in++;
	if (seg_size > c->rcv_mss)
		c->rcv_mss = seg_size < c->local_mss ? seg_size : c->local_mss;

	/* RFC 5681 section 4.2: ACK at once when the segment fills a gap. */
	if (c->reass.count > 0) {
		tcp_reass_pop(&c->reass, &c->rcv_nxt, &c->rcv);
		c->ack_now = 1;
		return;
	}

	/*
	 * Delayed ACK (RFC 5681 section 4.2, RFC 9293 section 3.8.6.3): at
	 * least every second full-sized segment, else within the timeout.
	 * Counting bytes counts the segments of a GRO frame too, so a frame of
	 * two or more segments is ACKed at once.
	 */
	c->rcv_unacked += s->len;
	if (c->rcv_unacked >= 2 * c->rcv_mss)
		c->ack_now = 1;
	else if (c->delack_deadline == 0)
		c->delack_deadline = now + c->p.delack_ns;
}

/*
 * RFC 9293 section 3.10.7.4, seventh step: the segment text.
 * TODO: the urgent pointer (section 3.8.5) is ignored, so urgent data is
 * delivered inline like any other data and the user is not notified.
 */
static int process_text(struct tcp_conn *c, struct tcp_segment *s, uint64_t now)
{
	if (s->len == 0)
		return 1;
	if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_1 &&
			c->state != TCP_FIN_WAIT_2)
		return 1;

	/* RFC 1122 section 4.2.2.13: data for a closed user means a RST. */
	if (c->orphaned) {
		tcp_conn_abort(c, FATA_ECONNABORTED);
		return 0;
	}

	if (s->seq == c->rcv_nxt) {
		deliver_in_order(c, s, now);
		return 1;
	}

	/* Above RCV.NXT: hold it and send a duplicate ACK at once (RFC 5681 section 4.2). */
	uint32_t stored = tcp_reass_insert(&c->reass, s->seq, s->payload);
	c->stats->out_of_order++;
	if (stored < s->len)
		c->stats->reassembly_drops++;
	c->ack_now = 1;
	return 1;
}

/* RFC 9293 section 3.10.7.4, eighth step: the FIN, possibly ahead of missing data. */
static void check_fin(struct tcp_conn *c, const struct tcp_segment *s, uint64_t now)
{
	if (s->flags & TCP_FIN) {
		uint32_t fin_seq = s->seq + s->len;
		if (!c->peer_fin && tcp_seq_geq(fin_seq, c->rcv_nxt)) {
			c->peer_fin_pending = 1;
			c->peer_fin_seq = fin_seq;
		}
		c->ack_now = 1;
	}

	if (c->peer_fin_pending && !c->peer_fin && c->peer_fin_seq == c->rcv_nxt)
		process_fin(c, now);
}

/* RFC 7323 section 5.3 R1: PAWS. Returns 1 to drop the segment. */
static int paws_reject(struct tcp_conn *c, const struct tcp_segment *s, uint64_t now)
{
	if (!c->ts_ok || !(s->opts.present & TCP_HAS_TIMESTAMP))
		return 0;
	if (!tcp_seq_lt(s->opts.ts_val, c->ts_recent))
		return 0;

	/* RFC 7323 section 5.5: after 24 idle days TS.Recent is no longer valid. */
	if (now - c->ts_recent_time > TS_RECENT_MAX_AGE_NS) {
		c->ts_recent = s->opts.ts_val;
		c->ts_recent_time = now;
		return 0;
	}

	c->stats->paws_drops++;
	c->ack_now = 1;
	return 1;
}

static void other_states(struct tcp_conn *c, struct tcp_segment *s, uint64_t now)
{
	/* RFC 7323 section 3.2: once negotiated, a non-RST segment without TSopt is dropped. */
	if (c->ts_ok && !(s->flags & TCP_RST) && !(s->opts.present & TCP_HAS_TIMESTAMP))
		return;

	/* SYN-RECEIVED: the peer's SYN again, or its SYN-ACK in a simultaneous open. */
	if (c->state == TCP_SYN_RECEIVED && (s->flags & TCP_SYN) && s->seq == c->irs) {
		if (!(s->flags & TCP_ACK) || (s->flags & TCP_RST)) {
			c->syn_pending = 1;
			return;
		}
		s->flags &= (uint8_t)~TCP_SYN;
		s->seq++;
	}

	/* TIME-WAIT: a retransmitted FIN is ACKed again and restarts the 2 MSL timer. */
	if (c->state == TCP_TIME_WAIT && (s->flags & TCP_FIN) && !(s->flags & TCP_RST) &&
			s->seq + s->len + 1 == c->rcv_nxt) {
		c->ack_now = 1;
		tcp_conn_enter_time_wait(c, now);
		return;
	}

	if (s->flags & TCP_RST) {
		rst_input(c, s, now);
		return;
	}

	/* RFC 5961 section 4.2: a SYN in a synchronized state gets a challenge ACK. */
	if (s->flags & TCP_SYN) {
		if (c->state == TCP_SYN_RECEIVED && c->passive) {
			/* RFC 9293 section 3.10.7.4: a passive open returns to LISTEN. */
			tcp_conn_fail(c, FATA_ECONNREFUSED);
			return;
		}
		tcp_conn_challenge_ack(c, now);
		return;
	}

	if (paws_reject(c, s, now))
		return;

	int verdict = acceptable(c, s);
	if (verdict == 0)
		return;

	/* RFC 7323 section 4.3: remember the TSval of a segment that covers Last.ACK.sent. */
	if (c->ts_ok && tcp_seq_geq(s->opts.ts_val, c->ts_recent) &&
			tcp_seq_leq(s->seq, c->last_ack_sent)) {
		c->ts_recent = s->opts.ts_val;
		c->ts_recent_time = now;
	}

	c->last_recv_time = now;
	c->keepalive_sent = 0;
	if (c->p.keepalive_ns && c->keepalive_deadline != 0)
		c->keepalive_deadline = now + c->p.keepalive_ns;

	if (!tcp_conn_ack_input(c, s, now))
		return;
	if (verdict == 2)
		return;

	if (!process_text(c, s, now))
		return;
	check_fin(c, s, now);
}

void tcp_conn_input(struct tcp_conn *c, const struct tcp_segment *seg, uint64_t now)
{
	struct tcp_segment s = *seg;

	switch (c->state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
		return;
	case TCP_SYN_SENT:
		syn_sent_input(c, seg, now);
		return;
	default:
		other_states(c, &s, now);
		return;
	}
}

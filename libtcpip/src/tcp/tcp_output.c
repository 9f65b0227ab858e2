/*
 * Segment generation. In priority order the connection sends a RST, the
 * SYN or SYN-ACK, a keepalive or window probe, and loss recovery
 * retransmissions (RFC 6675 NextSeg, RFC 6582). Then comes new data under
 * the sender SWS avoidance and Nagle rules (RFC 9293 sections 3.7.4 and
 * 3.8.6.2.1), and finally a bare ACK. Every segment that carries an ACK
 * also carries the current window and the timestamp and SACK options.
 *
 * With TSO, new data goes out in frames of several full segments that the
 * device cuts at the effective send MSS, each segment with a copy of the
 * header (so with the same options). The windows, Nagle and the sender SWS
 * rules apply to the frame as they would to its segments sent in a row:
 * only whole segments, unless the frame ends the queued data and nothing
 * holds back a short last segment. Retransmissions stay single segments.
 */
#include <string.h>

#include <fata/error.h>

#include "tcp_conn.h"
#include "tcp_seq.h"

/* Upper bound of the persist timer's backed-off interval (RFC 9293 section 3.8.6.1). */
#define PERSIST_MAX_NS UINT64_C(60000000000)

static uint64_t persist_interval(const struct tcp_conn *c)
{
	uint64_t t = tcp_rto_current(&c->rto);

	for (unsigned i = 0; i < c->persist_backoff && t < PERSIST_MAX_NS; i++)
		t *= 2;
	return t < PERSIST_MAX_NS ? t : PERSIST_MAX_NS;
}

/* Fills the options of a non-SYN segment and returns their encoded length. */
static uint32_t segment_options(struct tcp_conn *c, struct tcp_out *out, uint64_t now)
{
	uint32_t len = 0;

	if (c->ts_ok) {
		out->opts.present |= TCP_HAS_TIMESTAMP;
		out->opts.ts_val = tcp_conn_ts_now(c, now);
		out->opts.ts_ecr = c->ts_recent;
		len += 12;
	}

	/* RFC 2018 section 4: report held out-of-order data in every ACK. */
	if (c->sack_ok && c->reass.count > 0) {
		unsigned max = c->ts_ok ? 3 : 4;
		out->opts.sack_count = (uint8_t)tcp_reass_sack_blocks(&c->reass, out->opts.sack, max);
		if (out->opts.sack_count > 0) {
			out->opts.present |= TCP_HAS_SACK;
			len += 4 + 8 * out->opts.sack_count;
		}
	}
	return len;
}

/* The largest payload of a segment with `opts_len` bytes of options. */
static uint32_t max_payload(const struct tcp_conn *c, uint32_t opts_len)
{
	uint32_t total = tcp_conn_mss_total(c);

	return total > opts_len + 1 ? total - opts_len : 1;
}

/* Fills the ACK fields; every ACK sent settles the pending and delayed ACKs. */
static void finish_ack(struct tcp_conn *c, struct tcp_out *out)
{
	if (c->window_update && c->ack_now && c->rcv_unacked == 0)
		c->stats->window_updates++;
	c->window_update = 0;
	out->flags |= TCP_ACK;
	out->ack = c->rcv_nxt;
	out->window = (uint16_t)tcp_conn_rcv_window(c);
	c->last_ack_sent = c->rcv_nxt;
	c->ack_now = 0;
	c->delack_deadline = 0;
	c->rcv_unacked = 0;
	c->stats->segments_out++;
}

static void build_rst(struct tcp_conn *c, struct tcp_out *out)
{
	out->seq = c->rst_seq;
	out->flags = TCP_RST;
	c->rst_pending = 0;
	c->stats->resets_out++;
	c->stats->segments_out++;
}

static void build_syn(struct tcp_conn *c, struct tcp_out *out, uint64_t now)
{
	int active = c->state == TCP_SYN_SENT;
	struct tcp_options *o = &out->opts;

	out->seq = c->iss;
	out->flags = TCP_SYN;

	/* RFC 9293 section 3.7.1: our MSS; RFC 7323 and RFC 2018: the options we accept. */
	o->present = TCP_HAS_MSS;
	o->mss = c->local_mss;
	if (c->p.window_scale && (active || c->ws_ok)) {
		o->present |= TCP_HAS_WSCALE;
		o->wscale = c->rcv_wscale;
	}
	if (c->p.sack && (active || c->sack_ok))
		o->present |= TCP_HAS_SACK_PERM;
	if (c->p.timestamps && (active || c->ts_ok)) {
		o->present |= TCP_HAS_TIMESTAMP;
		o->ts_val = tcp_conn_ts_now(c, now);
		o->ts_ecr = active ? 0 : c->ts_recent;
	}

	if (active) {
		out->window = (uint16_t)tcp_conn_rcv_window(c);
		c->stats->segments_out++;
	} else {
		finish_ack(c, out);
	}

	if (c->snd_max == c->iss) {
		c->snd_nxt = c->iss + 1;
		c->snd_max = c->iss + 1;
		c->rtt_active = 1;
		c->rtt_seq = c->iss;
		c->rtt_start = now;
	} else {
		c->stats->retransmits++;
	}
	c->syn_pending = 0;
	if (c->rtx_deadline == 0)
		tcp_conn_arm_rtx(c, now);
}

/*
 * Builds a segment of the send buffer's bytes [seq, seq + len), with our
 * FIN when `fin` is set. Counts retransmissions and times new data.
 */
static int emit_data(struct tcp_conn *c, struct tcp_out *out, uint32_t seq, uint32_t len, int fin,
		int arm_timer, uint64_t now)
{
	uint32_t data_end = c->snd_buf_seq + c->snd.bytes;

	if (tcp_viewq_gather(&c->snd, seq - c->snd_buf_seq, len, &out->payload,
			FATA_CHAIN_MAX - 1) < 0) {
		fata_chain_release(&out->payload);
		return FATA_ENOMEM;
	}

	out->seq = seq;
	if (len > 0 && seq + len == data_end)
		out->flags |= TCP_PSH;
	if (fin)
		out->flags |= TCP_FIN;

	uint32_t end = seq + len + (fin ? 1 : 0);
	if (tcp_seq_lt(seq, c->snd_max)) {
		c->stats->retransmits++;
		if (c->in_recovery)
			c->stats->fast_retransmits++;
		/* Karn's rule: a retransmitted segment gives no RTT sample. */
		if (c->rtt_active && tcp_seq_in(c->rtt_seq, seq, end))
			c->rtt_active = 0;
	} else if (!c->rtt_active && len > 0) {
		c->rtt_active = 1;
		c->rtt_seq = seq;
		c->rtt_start = now;
	}
	if (tcp_seq_gt(end, c->snd_max))
		c->snd_max = end;

	finish_ack(c, out);
	if (arm_timer && c->rtx_deadline == 0)
		tcp_conn_arm_rtx(c, now);
	return 1;
}

/* Sends the range [seq, seq + len) again, clipped to data and FIN. */
static int retransmit(struct tcp_conn *c, struct tcp_out *out, uint32_t seq, uint32_t len,
		uint64_t now)
{
	uint32_t data_end = c->snd_buf_seq + c->snd.bytes;
	uint32_t data_len = tcp_seq_lt(seq, data_end) ? data_end - seq : 0;
	int fin = 0;

	if (data_len > len)
		data_len = len;
	if (c->fin_queued && seq + data_len == c->fin_seq && tcp_seq_gt(seq + len, c->fin_seq))
		fin = 1;
	return emit_data(c, out, seq, data_len, fin, 1, now);
}

static uint32_t flight_room(const struct tcp_conn *c)
{
	uint32_t flight = c->snd_nxt - c->snd_una;
	uint64_t cwnd = c->cc.cwnd;

	/*
	 * Limited Transmit (RFC 3042): the first two duplicate ACKs outside
	 * recovery each allow one new segment beyond cwnd, so a small window
	 * still produces the third duplicate ACK that fast retransmit needs.
	 */
	if (!c->in_recovery && c->dupacks > 0)
		cwnd += (uint64_t)(c->dupacks < 2 ? c->dupacks : 2) * tcp_conn_smss(c);
	return cwnd > flight ? (uint32_t)(cwnd - flight) : 0;
}

/* RFC 6675 section 4 NextSeg rules 1, 3 and 4 (rule 2 is new data, below). */
static int sack_next_seg(struct tcp_conn *c, struct tcp_out *out, uint32_t maxpay,
		uint32_t lost_edge, int new_data_ok, uint64_t now)
{
	uint32_t from = tcp_seq_max(c->high_rxt, c->snd_una);
	uint32_t seq, len;

	/* Rule 1: the first lost, unSACKed and not yet retransmitted range. */
	if (tcp_sb_find_hole(&c->sb, from, lost_edge, maxpay, &seq, &len)) {
		c->high_rxt = seq + len;
		return retransmit(c, out, seq, len, now);
	}

	/* Rule 2: new data goes first when there is some and the window allows it. */
	if (new_data_ok)
		return 0;

	/* Rule 3: any unSACKed range below the highest SACKed byte. */
	uint32_t high = tcp_sb_high_sacked(&c->sb, c->snd_una);
	if (tcp_sb_find_hole(&c->sb, from, high, maxpay, &seq, &len)) {
		c->high_rxt = seq + len;
		return retransmit(c, out, seq, len, now);
	}

	/* Rule 4: one rescue retransmission of the highest unSACKed segment per recovery. */
	if ((!c->rescue_valid || tcp_seq_gt(c->snd_una, c->rescue_rxt)) &&
			c->snd_una != c->snd_max) {
		uint32_t top = c->snd_max;
		if (c->sb.count > 0 && c->sb.blocks[c->sb.count - 1].end == top)
			top = c->sb.blocks[c->sb.count - 1].start;
		if (tcp_seq_gt(top, c->snd_una)) {
			uint32_t start = top - c->snd_una > maxpay ? top - maxpay : c->snd_una;
			c->rescue_rxt = c->recover;
			c->rescue_valid = 1;
			return retransmit(c, out, start, top - start, now);
		}
	}
	return -1;
}

/* Returns 1 when unsent data (or an unsent FIN) is waiting. */
static int have_unsent(const struct tcp_conn *c)
{
	uint32_t data_end = c->snd_buf_seq + c->snd.bytes;

	if (tcp_seq_lt(c->snd_nxt, data_end))
		return 1;
	return c->fin_queued && tcp_seq_leq(c->snd_nxt, c->fin_seq);
}

static uint32_t window_room(const struct tcp_conn *c)
{
	uint32_t edge = c->snd_una + c->snd_wnd;

	return tcp_seq_gt(edge, c->snd_nxt) ? edge - c->snd_nxt : 0;
}

/*
 * The largest payload of one new-data frame: one segment, or with TSO as
 * many whole segments as fit the largest TSO frame.
 */
static uint32_t frame_payload_max(const struct tcp_conn *c, uint32_t maxpay, uint32_t opts_len)
{
	uint32_t header = TCP_HEADER_LEN + opts_len;

	if (c->p.tso_max <= header + maxpay)
		return maxpay;
	return (c->p.tso_max - header) / maxpay * maxpay;
}

/*
 * Cuts a TSO frame of `len` bytes (more than one segment) back to whole
 * segments, unless its short last segment could go out anyway because it
 * ends the queued data and Nagle does not apply (`idle`).
 */
static uint32_t whole_segments(uint32_t len, uint32_t maxpay, uint32_t data_left, int idle)
{
	if (len <= maxpay || len % maxpay == 0)
		return len;
	if (idle && len == data_left)
		return len;
	return len - len % maxpay;
}

/*
 * Sends new data from SND.NXT within the send and congestion windows. The
 * sender SWS avoidance and Nagle rules (RFC 9293 section 3.8.6.2.1) allow
 * a full segment, everything queued when nothing is unacknowledged (or
 * Nagle is off), or at least half the largest window seen.
 */
static int send_new_data(struct tcp_conn *c, struct tcp_out *out, uint32_t maxpay,
		uint32_t frame_max, uint32_t cwnd_room, uint64_t now)
{
	uint32_t data_end = c->snd_buf_seq + c->snd.bytes;
	uint32_t data_left = tcp_seq_lt(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
	int fin_unsent = c->fin_queued && tcp_seq_leq(c->snd_nxt, c->fin_seq);

	if (data_left == 0 && !fin_unsent)
		return 0;

	uint32_t len = data_left;
	if (len > frame_max)
		len = frame_max;
	if (len > window_room(c))
		len = window_room(c);

	int resend = tcp_seq_lt(c->snd_nxt, c->snd_max);
	int idle = c->p.nodelay || c->snd_nxt == c->snd_una;
	int fin = fin_unsent && c->snd_nxt + len == c->fin_seq;

	if (len == 0 && !fin)
		return 0;
	if (!(resend || fin || len >= maxpay ||
			(idle && (len == data_left || len >= c->max_snd_wnd / 2))))
		return 0;

	/*
	 * The congestion window may cut the segment short. With a full segment
	 * in flight an ACK will make room, so wait for it rather than send a
	 * runt. With less in flight, send what fits so nothing stalls. A TSO
	 * frame shrinks to the whole segments that fit.
	 */
	if (len > cwnd_room) {
		uint32_t flight = c->snd_nxt - c->snd_una;
		if (cwnd_room >= maxpay) {
			len = cwnd_room - cwnd_room % maxpay;
		} else {
			if (cwnd_room == 0 || flight >= maxpay)
				return 0;
			len = cwnd_room;
		}
	}
	len = whole_segments(len, maxpay, data_left, idle);
	fin = fin_unsent && c->snd_nxt + len == c->fin_seq;

	int r = emit_data(c, out, c->snd_nxt, len, fin, 1, now);
	if (r > 0) {
		c->snd_nxt += len + (fin ? 1 : 0);
		if (len > maxpay)
			out->gso_size = (uint16_t)maxpay;
	}
	return r;
}

/* Zero-window probe or SWS override (RFC 9293 section 3.8.6.1). */
static int send_probe(struct tcp_conn *c, struct tcp_out *out, uint32_t maxpay, uint64_t now)
{
	uint32_t data_end = c->snd_buf_seq + c->snd.bytes;
	uint32_t data_left = tcp_seq_lt(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
	uint32_t room = window_room(c);

	c->probe_pending = 0;
	if (!have_unsent(c) && c->snd_una == c->snd_max)
		return 0;

	c->stats->window_probes++;
	c->persist_backoff++;
	c->persist_deadline = now + persist_interval(c);

	if (room > 0 && data_left > 0) {
		/* The window has room, just too little for the SWS rules: send what fits. */
		uint32_t len = data_left < room ? data_left : room;
		if (len > maxpay)
			len = maxpay;
		int r = emit_data(c, out, c->snd_nxt, len, 0, 1, now);
		if (r > 0)
			c->snd_nxt += len;
		return r;
	}

	/* One byte beyond the window: resend the earlier probe byte, or a new one. */
	if (tcp_seq_lt(c->snd_una, c->snd_nxt)) {
		uint32_t len = tcp_seq_lt(c->snd_una, data_end) ? 1 : 0;
		int fin = len == 0 && c->fin_queued && c->snd_una == c->fin_seq;
		return emit_data(c, out, c->snd_una, len, fin, 0, now);
	}
	if (data_left == 0)
		return 0;
	int r = emit_data(c, out, c->snd_nxt, 1, 0, 0, now);
	if (r > 0)
		c->snd_nxt += 1;
	return r;
}

/*
 * Makes sure a timer will retry whatever is waiting: the retransmission
 * timer for data in flight (RFC 6298 section 5 (5.1)), else the persist
 * timer for data that waits for the window.
 */
static void arm_idle_timers(struct tcp_conn *c, uint64_t now)
{
	if (c->rtx_deadline || c->persist_deadline)
		return;
	if (c->snd_una != c->snd_max)
		tcp_conn_arm_rtx(c, now);
	else if (have_unsent(c))
		c->persist_deadline = now + persist_interval(c);
}

static int send_data(struct tcp_conn *c, struct tcp_out *out, uint32_t maxpay, uint32_t frame_max,
		uint64_t now)
{
	if (c->probe_pending)
		return send_probe(c, out, maxpay, now);

	/* The first retransmission of fast retransmit, and NewReno's after a partial ACK. */
	if (c->fast_rtx_pending) {
		c->fast_rtx_pending = 0;
		uint32_t limit = c->snd_max;
		if (c->sack_ok && c->sb.count > 0)
			limit = c->sb.blocks[0].start;
		uint32_t len = limit - c->snd_una < maxpay ? limit - c->snd_una : maxpay;
		if (c->sack_ok)
			c->high_rxt = tcp_seq_max(c->high_rxt, c->snd_una + len);
		return retransmit(c, out, c->snd_una, len, now);
	}

	if (c->in_recovery && c->sack_ok) {
		/* RFC 6675 section 5 (C): send while cwnd - pipe >= 1 SMSS. */
		uint32_t smss = tcp_conn_smss(c);
		uint32_t lost = tcp_sb_lost_edge(&c->sb, c->snd_una, smss);
		uint32_t pipe = tcp_sb_pipe(&c->sb, c->snd_una, c->snd_max, c->high_rxt, lost);
		if (c->cc.cwnd <= pipe || c->cc.cwnd - pipe < smss)
			return 0;

		int new_ok = have_unsent(c) && window_room(c) > 0;
		int r = sack_next_seg(c, out, maxpay, lost, new_ok, now);
		if (r != 0)
			return r > 0 ? r : 0;
		return send_new_data(c, out, maxpay, frame_max, c->cc.cwnd - pipe, now);
	}

	return send_new_data(c, out, maxpay, frame_max, flight_room(c), now);
}

int tcp_conn_output(struct tcp_conn *c, uint64_t now, struct tcp_out *out)
{
	memset(out, 0, sizeof(*out));
	fata_chain_init(&out->payload);
	out->csum_partial = (uint8_t)(c->p.csum_offload != 0);

	if (c->rst_pending) {
		build_rst(c, out);
		return 1;
	}

	switch (c->state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
		return 0;
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		if (!c->syn_pending)
			return 0;
		build_syn(c, out, now);
		return 1;
	default:
		break;
	}

	uint32_t opts_len = segment_options(c, out, now);
	uint32_t maxpay = max_payload(c, opts_len);
	uint32_t frame_max = frame_payload_max(c, maxpay, opts_len);

	if (c->keepalive_pending) {
		/* RFC 9293 section 3.8.4: a sequence number just below the window provokes an ACK. */
		c->keepalive_pending = 0;
		c->stats->keepalive_probes++;
		out->seq = c->snd_max - 1;
		finish_ack(c, out);
		return 1;
	}

	if (c->state != TCP_TIME_WAIT) {
		int r = send_data(c, out, maxpay, frame_max, now);
		if (r != 0)
			return r;
	}

	/*
	 * A bare ACK carries SND.MAX, not SND.NXT: after a timeout SND.NXT
	 * falls back, and the peer, which may hold everything up to SND.MAX,
	 * would find an older sequence number unacceptable and ignore the ACK.
	 */
	if (c->ack_now) {
		out->seq = c->snd_max;
		finish_ack(c, out);
		return 1;
	}

	arm_idle_timers(c, now);
	return 0;
}

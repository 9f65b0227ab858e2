/*
 * ACK processing (RFC 9293 section 3.10.7.4, fifth step) with the RFC 5961
 * ACK range check, RTT sampling (RFC 6298, RFC 7323 section 4) and
 * congestion window growth. Loss is detected from duplicate ACKs and
 * repaired by NewReno recovery (RFC 5681, RFC 6582), or by SACK-based
 * recovery (RFC 6675) when the peer sends SACK blocks.
 */
#include <fata/error.h>

#include "tcp_conn.h"
#include "tcp_seq.h"

/* Enters fast retransmit and loss recovery (RFC 6582 section 3.2, RFC 6675 section 5). */
static void enter_recovery(struct tcp_conn *c, uint64_t now)
{
	/* Only one reduction per window: SND.UNA must have passed the last recovery point. */
	if (!tcp_seq_geq(c->snd_una, c->recover))
		return;

	uint32_t flight = c->snd_max - c->snd_una;
	uint32_t ssthresh = tcp_cc_on_loss(&c->cc, flight, now);
	uint32_t smss = tcp_conn_smss(c);

	c->in_recovery = 1;
	c->recover = c->snd_max;
	c->partial_acked = 0;
	c->fast_rtx_pending = 1;
	c->rtt_active = 0;

	if (c->sack_ok) {
		/* RFC 6675 section 5 (4.2): cwnd = ssthresh, then pipe governs sending. */
		c->cc.cwnd = ssthresh;
		c->high_rxt = c->snd_una;
		c->rescue_valid = 0;
		c->stats->sack_recoveries++;
	} else {
		/* RFC 6582 section 3.2 step 2: cwnd = ssthresh + 3 * SMSS. */
		c->cc.cwnd = ssthresh + 3 * smss;
		c->stats->newreno_recoveries++;
	}
}

static void exit_recovery(struct tcp_conn *c)
{
	uint32_t smss = tcp_conn_smss(c);
	uint32_t flight = c->snd_max - c->snd_una;

	c->in_recovery = 0;
	c->dupacks = 0;
	c->fast_rtx_pending = 0;
	if (c->sack_ok) {
		c->cc.cwnd = c->cc.ssthresh;
		return;
	}

	/* RFC 6582 section 3.2 step 3 (full ACK): cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS). */
	uint32_t deflated = (flight > smss ? flight : smss) + smss;
	c->cc.cwnd = deflated < c->cc.ssthresh ? deflated : c->cc.ssthresh;
}

/* A partial ACK in NewReno recovery (RFC 6582 section 3.2 step 3). */
static void newreno_partial_ack(struct tcp_conn *c, uint32_t acked, uint64_t now)
{
	uint32_t smss = tcp_conn_smss(c);

	c->fast_rtx_pending = 1;
	c->cc.cwnd = c->cc.cwnd > acked ? c->cc.cwnd - acked : smss;
	if (acked >= smss)
		c->cc.cwnd += smss;
	if (c->cc.cwnd < smss)
		c->cc.cwnd = smss;

	/* Only the first partial ACK restarts the retransmission timer. */
	if (!c->partial_acked) {
		c->partial_acked = 1;
		tcp_conn_arm_rtx(c, now);
	}
}

static void sample_rtt(struct tcp_conn *c, const struct tcp_segment *s, uint64_t now)
{
	/*
	 * RFC 7323 section 4.1: with timestamps every ACK of new data is a
	 * sample. Echoes of segments sent before the last timeout are skipped
	 * (Karn's rule in timestamp form), because a receiver that ACKs a
	 * duplicate echoes an old TSval and the sample would include the
	 * whole backoff.
	 */
	if (c->ts_ok && s->opts.ts_ecr != 0 && c->rto_ts_valid &&
			tcp_seq_lt(s->opts.ts_ecr, c->rto_ts))
		return;
	if (c->ts_ok && s->opts.ts_ecr != 0) {
		uint32_t elapsed = tcp_conn_ts_now(c, now) - s->opts.ts_ecr;
		if ((int32_t)elapsed >= 0) {
			tcp_rto_sample(&c->rto, (uint64_t)elapsed * 1000000);
			c->rtt_active = 0;
			return;
		}
	}

	/* Without timestamps, one timed segment at a time (Karn's rule drops retransmitted ones). */
	if (c->rtt_active && tcp_seq_gt(s->ack, c->rtt_seq)) {
		tcp_rto_sample(&c->rto, now - c->rtt_start);
		c->rtt_active = 0;
	}
}

/* An ACK that moves SND.UNA forward. */
static void new_ack(struct tcp_conn *c, const struct tcp_segment *s, uint64_t now)
{
	uint32_t acked = s->ack - c->snd_una;

	/* Our FIN is acknowledged once the ACK passes its sequence number. */
	if (c->fin_queued && !c->fin_acked && tcp_seq_gt(c->snd_max, c->fin_seq) &&
			tcp_seq_gt(s->ack, c->fin_seq)) {
		c->fin_acked = 1;
		c->events |= TCP_EV_FIN_ACKED;
	}

	/* Release acknowledged data from the send buffer. */
	uint32_t data_end = c->snd_buf_seq + c->snd.bytes;
	uint32_t upto = tcp_seq_min(s->ack, data_end);
	if (tcp_seq_gt(upto, c->snd_buf_seq)) {
		uint32_t n = upto - c->snd_buf_seq;
		tcp_viewq_drop(&c->snd, n);
		c->snd_buf_seq += n;
		c->events |= TCP_EV_WRITABLE;
	}

	sample_rtt(c, s, now);
	c->retries = 0;
	c->snd_una = s->ack;
	if (tcp_seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	tcp_sb_advance(&c->sb, c->snd_una);

	if (c->in_recovery) {
		if (tcp_seq_geq(s->ack, c->recover))
			exit_recovery(c);
		else if (!c->sack_ok)
			newreno_partial_ack(c, acked, now);
	} else {
		c->dupacks = 0;
		tcp_cc_on_ack(&c->cc, acked, now, c->rto.srtt);
	}

	/* RFC 6298 section 5 (5.2)-(5.3): stop the timer when all is ACKed, else restart it. */
	if (c->snd_una == c->snd_max)
		c->rtx_deadline = 0;
	else if (!c->in_recovery || c->sack_ok)
		tcp_conn_arm_rtx(c, now);
}

/* Counts duplicate ACKs (RFC 5681 section 2, RFC 6675 section 2) and starts recovery. */
static void check_dupack(struct tcp_conn *c, const struct tcp_segment *s, uint32_t newly_sacked,
		int advanced, int window_changed, uint64_t now)
{
	int dup;

	/*
	 * With SACK, an ACK that SACKs new data counts whether or not it also
	 * moves SND.UNA; without, only a bare repeat of SND.UNA with the same
	 * window counts.
	 */
	if (c->sack_ok && newly_sacked > 0)
		dup = 1;
	else
		dup = !advanced && c->snd_max != c->snd_una && s->len == 0 &&
			!(s->flags & (TCP_SYN | TCP_FIN)) && s->ack == c->snd_una && !window_changed;
	if (!dup)
		return;

	if (c->in_recovery) {
		/* RFC 6582 section 3.2 step 2: each further duplicate inflates cwnd by SMSS. */
		if (!c->sack_ok)
			c->cc.cwnd += tcp_conn_smss(c);
		return;
	}

	c->dupacks++;
	int lost = c->sack_ok &&
		tcp_seq_gt(tcp_sb_lost_edge(&c->sb, c->snd_una, tcp_conn_smss(c)), c->snd_una);
	if (c->dupacks >= TCP_DUPTHRESH || lost)
		enter_recovery(c, now);
}

static void update_window(struct tcp_conn *c, const struct tcp_segment *s)
{
	/* RFC 9293 section 3.10.7.4: take the window from the newest segment only. */
	if (!(tcp_seq_lt(c->snd_wl1, s->seq) ||
			(c->snd_wl1 == s->seq && tcp_seq_leq(c->snd_wl2, s->ack))))
		return;

	uint32_t wnd = (uint32_t)s->window << c->snd_wscale;
	if (wnd > 0 && c->snd_wnd == 0) {
		c->persist_deadline = 0;
		c->persist_backoff = 0;
	}
	c->snd_wnd = wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (wnd > c->max_snd_wnd)
		c->max_snd_wnd = wnd;
}

static int syn_received_ack(struct tcp_conn *c, const struct tcp_segment *s, uint64_t now)
{
	if (!tcp_seq_gt(s->ack, c->snd_una) || tcp_seq_gt(s->ack, c->snd_max)) {
		/* RFC 9293 section 3.10.7.4: an unacceptable ACK gets <SEQ=SEG.ACK><CTL=RST>. */
		c->rst_pending = 1;
		c->rst_seq = s->ack;
		return 0;
	}

	if (c->rtt_active && !c->syn_retransmitted)
		tcp_rto_sample(&c->rto, now - c->rtt_start);
	c->rtt_active = 0;
	c->snd_una = c->iss + 1;
	if (tcp_seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	c->snd_wnd = (uint32_t)s->window << c->snd_wscale;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	tcp_conn_established(c, now);
	return 1;
}

int tcp_conn_ack_input(struct tcp_conn *c, const struct tcp_segment *s, uint64_t now)
{
	if (!(s->flags & TCP_ACK))
		return 0;

	if (c->state == TCP_SYN_RECEIVED && !syn_received_ack(c, s, now))
		return 0;

	/* RFC 9293: an ACK for data never sent gets an ACK back and is dropped. */
	if (tcp_seq_gt(s->ack, c->snd_max)) {
		c->ack_now = 1;
		return 0;
	}
	/* RFC 5961 section 5.2: an ACK older than SND.UNA - MAX.SND.WND gets a challenge ACK. */
	if (tcp_seq_lt(s->ack, c->snd_una - c->max_snd_wnd)) {
		tcp_conn_challenge_ack(c, now);
		return 0;
	}

	uint32_t wnd = (uint32_t)s->window << c->snd_wscale;
	int window_changed = wnd != c->snd_wnd;
	int advanced = tcp_seq_gt(s->ack, c->snd_una);

	if (advanced)
		new_ack(c, s, now);

	uint32_t newly_sacked = 0;
	if (c->sack_ok && (s->opts.present & TCP_HAS_SACK))
		newly_sacked = tcp_sb_update(&c->sb, s->opts.sack, s->opts.sack_count, c->snd_una,
				c->snd_max);
	if (tcp_seq_geq(s->ack, c->snd_una))
		check_dupack(c, s, newly_sacked, advanced, window_changed, now);

	update_window(c, s);

	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (c->fin_acked) {
			tcp_conn_set_state(c, TCP_FIN_WAIT_2);
			if (c->orphaned)
				c->state_deadline = now + TCP_FIN_WAIT_2_NS;
		}
		break;
	case TCP_CLOSING:
		if (c->fin_acked)
			tcp_conn_enter_time_wait(c, now);
		break;
	case TCP_LAST_ACK:
		if (c->fin_acked) {
			tcp_conn_set_state(c, TCP_CLOSED);
			c->rtx_deadline = 0;
			c->delack_deadline = 0;
			return 0;
		}
		break;
	default:
		break;
	}
	return 1;
}

/*
 * Connection life cycle: opening, user calls, timers and events
 * (RFC 9293 sections 3.10.1 to 3.10.8). Segment arrival is in tcp_input.c,
 * ACK processing and loss recovery in tcp_ack.c, segment generation in
 * tcp_output.c.
 */
#include <string.h>

#include <fata/error.h>

#include "tcp_conn.h"
#include "tcp_seq.h"

const char *tcp_state_name(enum tcp_state state)
{
	static const char *const names[] = {
		"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
		"FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
	};

	if ((unsigned)state >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[state];
}

static int counts_as_established(enum tcp_state s)
{
	return s == TCP_ESTABLISHED || s == TCP_CLOSE_WAIT;
}

void tcp_conn_set_state(struct tcp_conn *c, enum tcp_state state)
{
	int was = counts_as_established(c->state);
	int now = counts_as_established(state);

	if (was && !now)
		c->stats->established--;
	if (!was && now)
		c->stats->established++;

	c->state = state;
	if (state == TCP_CLOSED)
		c->events |= TCP_EV_CLOSED;
}

uint8_t tcp_conn_wscale_for(uint32_t rcvbuf)
{
	uint8_t shift = 0;

	while (shift < TCP_WSCALE_MAX && (rcvbuf >> shift) > 65535)
		shift++;
	return shift;
}

void tcp_conn_init(struct tcp_conn *c, const struct tcp_conn_params *params)
{
	memset(c, 0, sizeof(*c));
	c->p = *params;
	c->stats = params->stats;
	if (c->p.msl_ns == 0)
		c->p.msl_ns = TCP_MSL_NS;
	if (c->p.delack_ns == 0)
		c->p.delack_ns = TCP_DELACK_NS;
	if (c->p.rcvbuf == 0)
		c->p.rcvbuf = 256 * 1024;
	if (c->p.sndbuf == 0)
		c->p.sndbuf = 256 * 1024;
	/* Windows of 1 GiB and more cannot be scaled (RFC 7323 section 2.3). */
	if (c->p.rcvbuf > (UINT32_C(1) << 30) - 1)
		c->p.rcvbuf = (UINT32_C(1) << 30) - 1;
	if (c->p.mss < 64)
		c->p.mss = 536;

	c->state = TCP_CLOSED;
	c->local_mss = c->p.mss;
	c->rcv_mss = c->p.mss < 536 ? c->p.mss : 536;
	/* RFC 9293 section 3.7.1: without an MSS option assume 536 (IPv4) or 1220 (IPv6). */
	c->peer_mss = c->p.is_ipv6 ? 1220 : 536;
	tcp_viewq_init(&c->snd);
	tcp_viewq_init(&c->rcv);
	tcp_reass_init(&c->reass, c->p.rcvbuf);
	tcp_rto_init(&c->rto, c->p.min_rto_ns);
	tcp_sb_clear(&c->sb);
	tcp_cc_init(&c->cc, c->p.cc, c->peer_mss);
}

void tcp_conn_free(struct tcp_conn *c)
{
	if (counts_as_established(c->state))
		c->stats->established--;
	c->state = TCP_CLOSED;
	tcp_viewq_free(&c->snd);
	tcp_viewq_free(&c->rcv);
	tcp_reass_free(&c->reass);
}

int tcp_conn_synchronized(const struct tcp_conn *c)
{
	return c->state >= TCP_ESTABLISHED;
}

uint32_t tcp_conn_ts_now(const struct tcp_conn *c, uint64_t now)
{
	/* RFC 7323 section 5.4: a 1 ms clock with a per-connection random offset. */
	return (uint32_t)(now / 1000000) + c->p.ts_offset;
}

uint32_t tcp_conn_mss_total(const struct tcp_conn *c)
{
	/* RFC 9293 section 3.7.1: payload plus options may not exceed either MSS. */
	return c->peer_mss < c->local_mss ? c->peer_mss : c->local_mss;
}

uint32_t tcp_conn_smss(const struct tcp_conn *c)
{
	/* Eff.snd.MSS less the timestamp option that every segment carries. */
	return tcp_conn_mss_total(c) - (c->ts_ok ? 12 : 0);
}

static void open_common(struct tcp_conn *c, uint32_t iss, uint64_t now)
{
	c->iss = iss;
	c->snd_una = iss;
	c->snd_nxt = iss;
	c->snd_max = iss;
	c->snd_buf_seq = iss + 1;
	c->recover = iss;
	c->last_recv_time = now;
	c->syn_pending = 1;
	c->rcv_wscale = c->p.window_scale ? tcp_conn_wscale_for(c->p.rcvbuf) : 0;
}

void tcp_conn_connect(struct tcp_conn *c, uint32_t iss, uint64_t now)
{
	open_common(c, iss, now);
	tcp_conn_set_state(c, TCP_SYN_SENT);
	if (c->p.connect_timeout_ns)
		c->connect_deadline = now + c->p.connect_timeout_ns;
	c->stats->active_opens++;
}

/* Applies the options of the peer's SYN against what we offer (RFC 7323, RFC 2018). */
void tcp_conn_negotiate(struct tcp_conn *c, const struct tcp_segment *syn)
{
	const struct tcp_options *o = &syn->opts;

	if (o->present & TCP_HAS_MSS)
		c->peer_mss = o->mss < 64 ? 64 : o->mss;

	/* RFC 7323 section 2.2: scaling only when both SYNs carry the option. */
	c->ws_ok = c->p.window_scale && (o->present & TCP_HAS_WSCALE);
	c->snd_wscale = c->ws_ok ? o->wscale : 0;
	if (!c->ws_ok)
		c->rcv_wscale = 0;

	c->sack_ok = c->p.sack && (o->present & TCP_HAS_SACK_PERM);

	c->ts_ok = c->p.timestamps && (o->present & TCP_HAS_TIMESTAMP);
	if (c->ts_ok) {
		c->ts_recent = o->ts_val;
		c->ts_recent_time = 0;
	}
	tcp_cc_init(&c->cc, c->p.cc, tcp_conn_smss(c));
}

/*
 * NOTE: data carried on the SYN is not queued (RFC 9293 section 3.10.7.2
 * allows it); RCV.NXT stays at IRS + 1, so the peer sends the data again.
 */
void tcp_conn_accept_syn(struct tcp_conn *c, const struct tcp_segment *syn, uint32_t iss,
		uint64_t now)
{
	open_common(c, iss, now);
	c->passive = 1;
	c->irs = syn->seq;
	c->rcv_nxt = syn->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	tcp_conn_negotiate(c, syn);
	if (c->ts_ok)
		c->ts_recent_time = now;

	/* RFC 7323 section 2.2: the window of a SYN is never scaled. */
	c->snd_wnd = syn->window;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = syn->seq;
	c->snd_wl2 = iss;
	tcp_conn_set_state(c, TCP_SYN_RECEIVED);
	c->stats->passive_opens++;
}

void tcp_conn_accept_cookie(struct tcp_conn *c, const struct tcp_segment *ack, uint32_t iss,
		const struct tcp_cookie_result *cookie, uint64_t now)
{
	open_common(c, iss, now);
	c->syn_pending = 0;
	c->passive = 1;
	c->irs = ack->seq - 1;
	c->rcv_nxt = ack->seq;
	c->snd_una = iss + 1;
	c->snd_nxt = iss + 1;
	c->snd_max = iss + 1;
	c->recover = iss + 1;

	c->peer_mss = cookie->mss;
	c->ws_ok = c->p.window_scale && cookie->wscale_ok;
	c->snd_wscale = c->ws_ok ? cookie->wscale : 0;
	if (!c->ws_ok)
		c->rcv_wscale = 0;
	c->sack_ok = c->p.sack && cookie->sack_ok;
	c->ts_ok = c->p.timestamps && (ack->opts.present & TCP_HAS_TIMESTAMP);
	if (c->ts_ok) {
		c->ts_recent = ack->opts.ts_val;
		c->ts_recent_time = now;
	}
	tcp_cc_init(&c->cc, c->p.cc, tcp_conn_smss(c));

	/* The SYN-ACK advertised an unscaled window of at most 65535 bytes. */
	uint32_t wnd = c->p.rcvbuf < 65535 ? c->p.rcvbuf : 65535;
	c->rcv_adv = c->rcv_nxt + wnd;
	c->snd_wnd = (uint32_t)ack->window << c->snd_wscale;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = ack->seq;
	c->snd_wl2 = ack->ack;
	c->stats->passive_opens++;
	c->stats->syncookies_validated++;

	tcp_conn_set_state(c, TCP_SYN_RECEIVED);
	tcp_conn_established(c, now);
	tcp_conn_input(c, ack, now);
}

void tcp_conn_established(struct tcp_conn *c, uint64_t now)
{
	tcp_conn_set_state(c, TCP_ESTABLISHED);
	c->events |= TCP_EV_CONNECTED;
	c->retries = 0;
	c->syn_pending = 0;
	c->connect_deadline = 0;
	c->rtx_deadline = 0;

	/* RFC 6298 section 5 (7): a timed-out SYN without an RTT sample means RTO = 3 s. */
	if (c->syn_retransmitted && !c->rto.has_sample && c->rto.rto < TCP_RTO_SYN_FALLBACK_NS)
		c->rto.rto = TCP_RTO_SYN_FALLBACK_NS;
	c->rto.backoff = 0;

	if (c->p.keepalive_ns)
		c->keepalive_deadline = now + c->p.keepalive_ns;

	/* A shutdown requested before the handshake completed takes effect now. */
	if (c->fin_queued)
		tcp_conn_set_state(c, TCP_FIN_WAIT_1);
}

void tcp_conn_fail(struct tcp_conn *c, int error)
{
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED)
		c->stats->failed_attempts++;
	if (c->error == 0)
		c->error = error;

	tcp_conn_set_state(c, TCP_CLOSED);
	c->rtx_deadline = 0;
	c->persist_deadline = 0;
	c->delack_deadline = 0;
	c->keepalive_deadline = 0;
	c->state_deadline = 0;
	c->connect_deadline = 0;
	c->syn_pending = 0;
	c->ack_now = 0;
	c->probe_pending = 0;
	c->keepalive_pending = 0;
	c->fast_rtx_pending = 0;

	/* RFC 9293 section 3.10.7.4: on reset, all segment queues are flushed. */
	tcp_viewq_free(&c->snd);
	tcp_viewq_free(&c->rcv);
	tcp_reass_free(&c->reass);
	c->events |= TCP_EV_ERROR | TCP_EV_READABLE | TCP_EV_WRITABLE;
}

void tcp_conn_enter_time_wait(struct tcp_conn *c, uint64_t now)
{
	tcp_conn_set_state(c, TCP_TIME_WAIT);
	c->rtx_deadline = 0;
	c->persist_deadline = 0;
	c->keepalive_deadline = 0;
	/* RFC 9293 section 3.10.7.4: TIME-WAIT lasts 2 MSL, restarted by a retransmitted FIN. */
	c->state_deadline = now + 2 * c->p.msl_ns;
}

uint32_t tcp_conn_rcv_window(struct tcp_conn *c)
{
	uint32_t space = c->p.rcvbuf > c->rcv.bytes ? c->p.rcvbuf - c->rcv.bytes : 0;

	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		/* RFC 7323 section 2.2: a SYN's window is not scaled. */
		uint32_t wnd = space < 65535 ? space : 65535;
		c->rcv_adv = c->rcv_nxt + wnd;
		return wnd;
	}

	/*
	 * Receiver SWS avoidance (RFC 9293 section 3.8.6.2.2): move the right
	 * edge only by at least min(RCV.BUFF / 2, MSS), and never left.
	 */
	uint32_t edge = c->rcv_nxt + space;
	uint32_t threshold = c->p.rcvbuf / 2 < c->local_mss ? c->p.rcvbuf / 2 : c->local_mss;
	if (tcp_seq_lt(c->rcv_adv, c->rcv_nxt))
		c->rcv_adv = c->rcv_nxt;
	if (tcp_seq_gt(edge, c->rcv_adv) && edge - c->rcv_adv >= threshold)
		c->rcv_adv = edge;

	/* Round up, so the scaled window never ends left of rcv_adv. */
	uint32_t unit = UINT32_C(1) << c->rcv_wscale;
	uint32_t wnd = (c->rcv_adv - c->rcv_nxt + unit - 1) >> c->rcv_wscale;
	if (wnd > 65535)
		wnd = 65535;
	c->rcv_adv = c->rcv_nxt + (wnd << c->rcv_wscale);
	return wnd;
}

uint64_t tcp_conn_deadline(const struct tcp_conn *c)
{
	const uint64_t times[] = {
		c->rtx_deadline, c->persist_deadline, c->delack_deadline,
		c->keepalive_deadline, c->state_deadline, c->connect_deadline,
	};
	uint64_t best = UINT64_MAX;

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		if (times[i] != 0 && times[i] < best)
			best = times[i];
	}
	return best;
}

void tcp_conn_arm_rtx(struct tcp_conn *c, uint64_t now)
{
	c->rtx_deadline = now + tcp_rto_current(&c->rto);
}

static void handshake_timeout(struct tcp_conn *c)
{
	c->retries++;
	c->stats->rto_timeouts++;
	if (c->retries > TCP_MAX_SYN_RETRIES) {
		c->stats->timeouts++;
		tcp_conn_fail(c, c->soft_error ? c->soft_error : FATA_ETIMEDOUT);
		return;
	}

	/* RFC 6298 section 5 (5.5)-(5.6): back off and resend the SYN (Karn: no sample). */
	c->syn_retransmitted = 1;
	c->rtt_active = 0;
	tcp_rto_backoff(&c->rto);
	c->syn_pending = 1;
}

/* The retransmission timer expired (RFC 6298 section 5 (5.4) to (5.7)). */
static void rto_expired(struct tcp_conn *c, uint64_t now)
{
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		handshake_timeout(c);
		return;
	}
	if (c->snd_una == c->snd_max)
		return;

	c->retries++;
	c->stats->rto_timeouts++;
	if (c->retries > TCP_MAX_DATA_RETRIES) {
		c->stats->timeouts++;
		tcp_conn_fail(c, c->soft_error ? c->soft_error : FATA_ETIMEDOUT);
		return;
	}

	/* RFC 5681 section 3.1 and RFC 9438 section 4.8: loss window of one segment. */
	tcp_cc_on_rto(&c->cc, c->snd_max - c->snd_una, c->retries > 1 || c->in_recovery, now);

	/*
	 * RFC 6675 section 5.1: leave recovery, start no new one before
	 * SND.MAX is acknowledged, and forget the SACK information (RFC 2018
	 * section 8), since the receiver may have dropped SACKed data.
	 */
	c->in_recovery = 0;
	c->recover = c->snd_max;
	c->dupacks = 0;
	c->fast_rtx_pending = 0;
	tcp_sb_clear(&c->sb);

	/* Go back N: resend from SND.UNA, with Karn's rule dropping the RTT timing. */
	c->snd_nxt = c->snd_una;
	c->rtt_active = 0;
	c->rto_ts = tcp_conn_ts_now(c, now);
	c->rto_ts_valid = 1;
	tcp_rto_backoff(&c->rto);
}

static void keepalive_expired(struct tcp_conn *c, uint64_t now)
{
	uint64_t idle = now - c->last_recv_time;

	c->keepalive_deadline = 0;
	if (!tcp_conn_synchronized(c) || c->state == TCP_TIME_WAIT)
		return;
	if (idle < c->p.keepalive_ns) {
		c->keepalive_deadline = c->last_recv_time + c->p.keepalive_ns;
		return;
	}

	/* RFC 9293 section 3.8.4: probe the idle peer, give up after unanswered probes. */
	if (c->keepalive_sent >= TCP_KEEPALIVE_PROBES) {
		c->stats->keepalive_drops++;
		tcp_conn_fail(c, FATA_ETIMEDOUT);
		return;
	}
	c->keepalive_pending = 1;
	c->keepalive_sent++;
	uint64_t interval = c->p.keepalive_ns < TCP_KEEPALIVE_INTERVAL_NS ?
		c->p.keepalive_ns : TCP_KEEPALIVE_INTERVAL_NS;
	c->keepalive_deadline = now + interval;
}

void tcp_conn_on_timer(struct tcp_conn *c, uint64_t now)
{
	if (c->connect_deadline && c->connect_deadline <= now) {
		c->connect_deadline = 0;
		if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
			tcp_conn_fail(c, c->soft_error ? c->soft_error : FATA_ETIMEDOUT);
			return;
		}
	}

	if (c->state_deadline && c->state_deadline <= now) {
		c->state_deadline = 0;
		tcp_conn_set_state(c, TCP_CLOSED);
		c->rtx_deadline = 0;
		c->delack_deadline = 0;
		c->persist_deadline = 0;
		c->keepalive_deadline = 0;
		return;
	}

	if (c->rtx_deadline && c->rtx_deadline <= now) {
		c->rtx_deadline = 0;
		rto_expired(c, now);
		if (c->state == TCP_CLOSED)
			return;
	}

	if (c->persist_deadline && c->persist_deadline <= now) {
		c->persist_deadline = 0;
		c->probe_pending = 1;
	}

	if (c->delack_deadline && c->delack_deadline <= now) {
		c->delack_deadline = 0;
		c->ack_now = 1;
		c->stats->delayed_acks++;
	}

	if (c->keepalive_deadline && c->keepalive_deadline <= now)
		keepalive_expired(c, now);
}

unsigned tcp_conn_take_events(struct tcp_conn *c)
{
	unsigned events = c->events;

	c->events = 0;
	return events;
}

uint32_t tcp_conn_send_space(const struct tcp_conn *c)
{
	return c->p.sndbuf > c->snd.bytes ? c->p.sndbuf - c->snd.bytes : 0;
}

int tcp_conn_write(struct tcp_conn *c, struct fata_view data, uint64_t now)
{
	(void)now;
	if (c->error)
		return c->error;
	if (c->fin_queued)
		return FATA_EPIPE;
	if (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT)
		return c->state < TCP_ESTABLISHED ? FATA_ENOTCONN : FATA_EPIPE;
	if (data.len == 0)
		return 0;

	/* Small writes are copied, so the queue does not fill with tiny views. */
	if (data.len < TCP_COPY_THRESHOLD)
		return tcp_viewq_append_copy(&c->snd, fata_view_data(data), data.len, TCP_COPY_BLOCK);

	struct fata_view owned = fata_view_ref(data);
	int err = tcp_viewq_push(&c->snd, owned);
	if (err < 0)
		fata_view_release(&owned);
	return err;
}

int tcp_conn_window_update_due(const struct tcp_conn *c)
{
	uint32_t space = c->p.rcvbuf > c->rcv.bytes ? c->p.rcvbuf - c->rcv.bytes : 0;
	uint32_t edge = c->rcv_nxt + space;
	uint32_t offered = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t half = c->p.rcvbuf / 2;
	uint32_t step = 2 * (uint32_t)c->local_mss < half ? 2 * (uint32_t)c->local_mss : half;

	if (!tcp_seq_gt(edge, c->rcv_adv))
		return 0;

	/*
	 * Receiver SWS avoidance (RFC 9293 section 3.8.6.2.2) allows a window
	 * update once the edge moves by min(RCV.BUFF / 2, MSS). A segment of
	 * its own is sent only when the update opens the window by two MSS
	 * (half the buffer for small buffers). The window last offered to the
	 * peer must also have shrunk to half the buffer or less. Otherwise the
	 * next ACK for arriving data carries the new window, at most two
	 * full-sized segments later.
	 */
	return edge - c->rcv_adv >= step && offered <= half;
}

int tcp_conn_read(struct tcp_conn *c, struct fata_view *out, uint64_t now)
{
	(void)now;
	if (!tcp_viewq_pop(&c->rcv, out))
		return 0;

	if (tcp_conn_synchronized(c) && !c->peer_fin && tcp_conn_window_update_due(c)) {
		if (!c->ack_now)
			c->window_update = 1;
		c->ack_now = 1;
	}
	return 1;
}

int tcp_conn_at_eof(const struct tcp_conn *c)
{
	return c->peer_fin && c->rcv.bytes == 0;
}

void tcp_conn_shutdown(struct tcp_conn *c, uint64_t now)
{
	(void)now;
	if (c->fin_queued || c->error)
		return;

	c->fin_queued = 1;
	c->fin_seq = c->snd_buf_seq + c->snd.bytes;
	switch (c->state) {
	case TCP_ESTABLISHED:
		tcp_conn_set_state(c, TCP_FIN_WAIT_1);
		break;
	case TCP_CLOSE_WAIT:
		tcp_conn_set_state(c, TCP_LAST_ACK);
		break;
	default:
		/* SYN-SENT and SYN-RECEIVED send the FIN once established. */
		break;
	}
}

void tcp_conn_close(struct tcp_conn *c, uint64_t now)
{
	c->orphaned = 1;

	switch (c->state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
		return;
	case TCP_SYN_SENT:
		/* RFC 9293 section 3.10.4: CLOSE in SYN-SENT deletes the TCB. */
		tcp_conn_fail(c, FATA_ECONNABORTED);
		return;
	default:
		break;
	}

	/* RFC 1122 section 4.2.2.13: closing with unread data resets the connection. */
	if (c->rcv.bytes > 0 || c->reass.count > 0) {
		tcp_conn_abort(c, FATA_ECONNABORTED);
		return;
	}

	tcp_conn_shutdown(c, now);
	if (c->state == TCP_FIN_WAIT_2)
		c->state_deadline = now + TCP_FIN_WAIT_2_NS;
}

void tcp_conn_abort(struct tcp_conn *c, int error)
{
	/*
	 * RFC 9293 section 3.10.5: <SEQ=SND.NXT><CTL=RST> in synchronized
	 * states. SND.MAX is used, because SND.NXT may have fallen back after
	 * a timeout and the peer accepts a RST only at its RCV.NXT.
	 */
	if (c->state == TCP_SYN_RECEIVED || (tcp_conn_synchronized(c) && c->state != TCP_TIME_WAIT)) {
		c->rst_pending = 1;
		c->rst_seq = c->snd_max;
	}
	if (c->state != TCP_CLOSED)
		tcp_conn_fail(c, error);
}

void tcp_conn_icmp(struct tcp_conn *c, int code, uint32_t mtu, uint32_t seq, uint64_t now)
{
	(void)now;
	/* RFC 5927 section 4.1: only errors about data in flight are believed. */
	if (c->state == TCP_SYN_SENT) {
		if (seq != c->iss)
			return;
	} else if (!tcp_seq_in(seq, c->snd_una, c->snd_max)) {
		return;
	}
	c->stats->icmp_errors++;

	if (code == FATA_EMSGSIZE) {
		/*
		 * RFC 1191 section 6: lower the MSS to fit the next-hop MTU and
		 * resend. MTUs below the minimum every link must carry (576 for
		 * IPv4, RFC 791; 1280 for IPv6, RFC 8200) are raised to it.
		 */
		uint32_t floor = c->p.is_ipv6 ? 1280 : 576;
		uint32_t headers = (c->p.is_ipv6 ? 40 : 20) + TCP_HEADER_LEN;
		if (mtu < floor)
			mtu = floor;
		if (mtu - headers >= c->local_mss)
			return;
		c->local_mss = (uint16_t)(mtu - headers);
		c->stats->pmtu_updates++;
		tcp_cc_set_mss(&c->cc, tcp_conn_smss(c));
		if (tcp_conn_synchronized(c))
			c->snd_nxt = c->snd_una;
		return;
	}

	/* RFC 1122 section 4.2.3.9: port unreachable is hard while opening, the rest soft. */
	if (code == FATA_ECONNREFUSED &&
			(c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED)) {
		tcp_conn_fail(c, FATA_ECONNREFUSED);
		return;
	}
	c->soft_error = code;
}

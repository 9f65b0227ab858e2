/*
 * One TCP connection as a sans-I/O state machine (RFC 9293 section 3.10).
 *
 * The connection never touches a clock, a socket or a timer. Its caller
 * feeds it parsed segments (tcp_conn_input), user calls (write, read,
 * shutdown, close, abort) and the current time, and takes out:
 * - segments to send: call tcp_conn_output() until it returns 0;
 * - a deadline: tcp_conn_deadline() is the loop time at which
 *   tcp_conn_on_timer() must run next;
 * - events: tcp_conn_take_events() returns TCP_EV_* flags raised since the
 *   last call.
 * Randomness (the ISN, the timestamp offset) comes in through the params.
 *
 * Invariants, in sequence space:
 *   ISS <= SND.UNA <= SND.NXT <= SND.MAX, and the send buffer contains the
 *   bytes [snd_buf_seq, snd_buf_seq + snd.bytes). Between the ACK of our
 *   SYN and the ACK of our FIN, snd_buf_seq == SND.UNA.
 *   SND.NXT is the next byte to send; it falls back to SND.UNA after a
 *   retransmission timeout (go-back-N), while SND.MAX keeps the highest
 *   byte ever sent.
 *   RCV.NXT <= rcv_adv: rcv_adv is the right edge last advertised, which
 *   never moves left (RFC 9293 section 3.8.6).
 * A connection that fails latches its error in `error`, moves to CLOSED and
 * stays there.
 */
#ifndef TCP_CONN_H
#define TCP_CONN_H

#include <stdint.h>

#include <fata/buf.h>
#include <fata/tcpip.h>

#include "tcp_cc.h"
#include "tcp_reass.h"
#include "tcp_rto.h"
#include "tcp_sack.h"
#include "tcp_stats.h"
#include "tcp_viewq.h"
#include "tcp_wire.h"

/* Connection states (RFC 9293 section 3.3.2). */
enum tcp_state {
	TCP_CLOSED = 0,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

/* Returns the RFC name of `state` ("SYN-SENT"). */
const char *tcp_state_name(enum tcp_state state);

/* Events raised for the driver. */
enum {
	TCP_EV_CONNECTED = 1u << 0, /* the handshake completed */
	TCP_EV_READABLE = 1u << 1,  /* data or the end of stream can be read */
	TCP_EV_WRITABLE = 1u << 2,  /* the send buffer has room again */
	TCP_EV_ERROR = 1u << 3,     /* the connection failed; see `error` */
	TCP_EV_CLOSED = 1u << 4,    /* the state is CLOSED: the TCB may be freed */
	TCP_EV_FIN_ACKED = 1u << 5, /* the peer acknowledged our FIN */
};

/* Limits from RFC 9293 section 3.8.3 (R2) and RFC 1122 section 4.2.3.6. */
#define TCP_MAX_DATA_RETRIES 15 /* about 11 minutes of backed-off RTOs, well above R2 = 100 s */
#define TCP_MAX_SYN_RETRIES 7   /* 183 s: R2 for a SYN must cover 3 minutes */
#define TCP_KEEPALIVE_PROBES 9
#define TCP_KEEPALIVE_INTERVAL_NS UINT64_C(75000000000)
/* MSL of RFC 9293 section 3.4.2: 2 minutes. */
#define TCP_MSL_NS UINT64_C(120000000000)
/* Delayed ACK timeout; RFC 9293 section 3.8.6.3 requires less than 0.5 s. */
#define TCP_DELACK_NS UINT64_C(40000000)
/* How long an orphaned FIN-WAIT-2 connection waits for the peer's FIN. */
#define TCP_FIN_WAIT_2_NS UINT64_C(60000000000)
/* Challenge ACKs per connection per second (RFC 5961 section 7). */
#define TCP_CHALLENGE_ACK_LIMIT 10
/* Bytes of the copy blocks for small writes. */
#define TCP_COPY_BLOCK 16384
/* Writes shorter than this are copied rather than referenced. */
#define TCP_COPY_THRESHOLD 1024

/* Per-connection settings from the layer, the listener and the user. */
struct tcp_conn_params {
	enum fata_tcp_cc cc;
	uint32_t rcvbuf;          /* receive buffer in bytes */
	uint32_t sndbuf;          /* send buffer in bytes */
	uint16_t mss;             /* our MSS: path MTU less IP and TCP headers */
	int is_ipv6;              /* for the default peer MSS */
	int sack;                 /* offer and accept SACK */
	int timestamps;           /* offer and accept timestamps */
	int window_scale;         /* offer and accept window scaling */
	int nodelay;              /* disable Nagle's algorithm */
	uint64_t keepalive_ns;    /* idle time before keepalives, 0 for off */
	uint64_t connect_timeout_ns; /* 0: the SYN retry limit decides */
	uint64_t msl_ns;          /* 0 for TCP_MSL_NS */
	uint64_t delack_ns;       /* 0 for TCP_DELACK_NS */
	uint64_t min_rto_ns;      /* 0 for TCP_RTO_MIN_NS */
	uint32_t tso_max;         /* largest TSO segment, header included; 0 without TSO */
	int csum_offload;         /* the device completes checksums (partial checksums out) */
	uint32_t ts_offset;       /* per-connection timestamp clock offset */
	struct tcp_stats *stats;  /* counters; must outlive the connection */
};

/* The transmission control block (RFC 9293 section 3.3.1) and its queues. */
struct tcp_conn {
	enum tcp_state state;
	int error;          /* latched failure, 0 while healthy */
	int soft_error;     /* last ICMP soft error, reported on timeout */
	unsigned events;
	struct tcp_conn_params p;
	struct tcp_stats *stats;

	/* Send sequence variables (RFC 9293 section 3.3.1). */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max;
	uint32_t snd_wnd;     /* scaled */
	uint32_t max_snd_wnd;
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t snd_buf_seq; /* sequence number of the send buffer's first byte */
	struct tcp_viewq snd;

	/* Receive sequence variables. */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t rcv_adv;
	uint32_t last_ack_sent;
	struct tcp_viewq rcv;
	struct tcp_reass reass;

	/* Negotiated options. */
	int ws_ok, sack_ok, ts_ok;
	uint8_t snd_wscale;  /* the peer's shift, applied to windows it sends */
	uint8_t rcv_wscale;  /* our shift, applied to windows we send */
	uint16_t peer_mss;
	uint16_t local_mss;  /* our MSS, lowered by path MTU discovery */
	uint32_t ts_recent;
	uint64_t ts_recent_time;

	/* Closing. */
	int fin_queued;       /* the user shut down the write side */
	uint32_t fin_seq;     /* sequence number of our FIN once queued */
	int fin_acked;
	int peer_fin;         /* the peer's FIN has been received in order */
	int peer_fin_pending; /* a FIN arrived above RCV.NXT */
	uint32_t peer_fin_seq;
	int passive;          /* opened by a listener */
	int orphaned;         /* the user closed: no reads will come */

	/* Output requests. */
	int syn_pending;      /* send (or resend) the SYN or SYN-ACK */
	int ack_now;
	int rst_pending;
	uint32_t rst_seq;
	int probe_pending;    /* zero-window probe */
	int keepalive_pending;
	int fast_rtx_pending; /* NewReno: resend the segment at SND.UNA */
	uint32_t rcv_unacked; /* bytes received since our last ACK */
	int window_update;    /* ack_now was set by reading, not by arriving data */
	uint32_t rcv_mss;     /* largest segment received, for the delayed-ACK rule */

	/* Timers, as absolute loop times; 0 when not armed. */
	uint64_t rtx_deadline;
	uint64_t persist_deadline;
	uint64_t delack_deadline;
	uint64_t keepalive_deadline;
	uint64_t state_deadline;   /* TIME-WAIT or orphaned FIN-WAIT-2 */
	uint64_t connect_deadline;

	/* Retransmission. */
	struct tcp_rto rto;
	unsigned retries;
	unsigned persist_backoff;
	unsigned keepalive_sent;
	int syn_retransmitted;
	int rtt_active;
	uint32_t rtt_seq;
	uint64_t rtt_start;
	uint32_t rto_ts;      /* our timestamp clock at the last retransmission timeout */
	int rto_ts_valid;
	uint64_t last_recv_time;

	/* Congestion control and loss recovery (RFC 5681, 6582, 6675). */
	struct tcp_cc cc;
	struct tcp_scoreboard sb;
	unsigned dupacks;
	int in_recovery;
	uint32_t recover;    /* RecoveryPoint / NewReno's recover: exclusive end */
	uint32_t high_rxt;
	uint32_t rescue_rxt;
	int rescue_valid;
	int partial_acked;   /* NewReno: a partial ACK already restarted the timer */

	/* RFC 5961 challenge ACK throttling. */
	uint64_t challenge_window;
	unsigned challenge_count;
};

/* Returns the window scale shift that lets a 16-bit window cover `rcvbuf` bytes. */
uint8_t tcp_conn_wscale_for(uint32_t rcvbuf);

/* Prepares `c` in CLOSED with `params`. */
void tcp_conn_init(struct tcp_conn *c, const struct tcp_conn_params *params);

/* Releases the buffers. The connection must not be used afterwards. */
void tcp_conn_free(struct tcp_conn *c);

/* Starts an active open with initial sequence number `iss`: SYN-SENT. */
void tcp_conn_connect(struct tcp_conn *c, uint32_t iss, uint64_t now);

/*
 * Starts a passive open from the received SYN `syn` with our ISN `iss`:
 * SYN-RECEIVED, with a SYN-ACK to send (RFC 9293 section 3.10.7.2).
 */
void tcp_conn_accept_syn(struct tcp_conn *c, const struct tcp_segment *syn, uint32_t iss,
		uint64_t now);

/* The connection parameters a validated SYN cookie restores. */
struct tcp_cookie_result {
	uint16_t mss;
	int sack_ok;
	int wscale_ok;
	uint8_t wscale;
};

/*
 * Creates an ESTABLISHED connection from the ACK `ack` that returned a
 * valid SYN cookie `iss`, then processes the rest of the segment.
 */
void tcp_conn_accept_cookie(struct tcp_conn *c, const struct tcp_segment *ack, uint32_t iss,
		const struct tcp_cookie_result *cookie, uint64_t now);

/* Processes one received segment (RFC 9293 section 3.10.7). */
void tcp_conn_input(struct tcp_conn *c, const struct tcp_segment *seg, uint64_t now);

/*
 * Stores the next segment to send in `out` and returns 1, or returns 0 when
 * there is nothing to send. Call until it returns 0 after every input,
 * timer or user call. out->payload holds owned views the caller must send
 * or release. Returns FATA_ENOMEM when a payload could not be gathered
 * (the connection retries later).
 */
int tcp_conn_output(struct tcp_conn *c, uint64_t now, struct tcp_out *out);

/* Returns the earliest armed deadline, or UINT64_MAX when none is armed. */
uint64_t tcp_conn_deadline(const struct tcp_conn *c);

/* Runs every timer whose deadline is at or before `now`. */
void tcp_conn_on_timer(struct tcp_conn *c, uint64_t now);

/* Returns the events raised since the last call and clears them. */
unsigned tcp_conn_take_events(struct tcp_conn *c);

/* Returns the bytes the send buffer can take before it is full (may be 0). */
uint32_t tcp_conn_send_space(const struct tcp_conn *c);

/*
 * Queues the borrowed view `data` for sending, taking a reference (or a
 * copy for small views). Errors: FATA_EPIPE after shutdown, FATA_ENOTCONN
 * before the handshake completed, the latched error after a failure,
 * FATA_ENOMEM.
 */
int tcp_conn_write(struct tcp_conn *c, struct fata_view data, uint64_t now);

/*
 * Stores the next received bytes as an owned view in `out` and returns 1;
 * returns 0 when nothing is queued. Reading may open the receive window
 * and queue a window update.
 */
int tcp_conn_read(struct tcp_conn *c, struct fata_view *out, uint64_t now);

/*
 * Returns 1 when reading has opened the receive window far enough for a
 * window update of its own (RFC 9293 section 3.8.6.2.2; see tcp_conn.c).
 */
int tcp_conn_window_update_due(const struct tcp_conn *c);

/* Returns 1 when every byte before the peer's FIN has been read. */
int tcp_conn_at_eof(const struct tcp_conn *c);

/* Queues our FIN after the data already queued (RFC 9293 section 3.10.4). */
void tcp_conn_shutdown(struct tcp_conn *c, uint64_t now);

/*
 * The user's CLOSE: shuts down the write side and marks the connection
 * orphaned. With unread data a RST goes instead (RFC 1122 section
 * 4.2.2.13), and so it does for data arriving later.
 */
void tcp_conn_close(struct tcp_conn *c, uint64_t now);

/*
 * The user's ABORT (RFC 9293 section 3.10.5): sends a RST in synchronized
 * states, fails the connection with `error` and moves to CLOSED.
 */
void tcp_conn_abort(struct tcp_conn *c, int error);

/*
 * Handles an ICMP error about the segment with sequence number `seq` we
 * sent (RFC 5927 section 4.1: ignored unless SND.UNA <= seq < SND.MAX).
 * FATA_EMSGSIZE with `mtu` lowers the MSS (RFC 1191); hard errors abort a
 * connection that is still opening; others are remembered as soft errors.
 */
void tcp_conn_icmp(struct tcp_conn *c, int code, uint32_t mtu, uint32_t seq, uint64_t now);

/* Returns 1 when `c` is in a synchronized state (ESTABLISHED and after). */
int tcp_conn_synchronized(const struct tcp_conn *c);

/* The functions below are shared by the core's own files (tcp_*.c). */

/* Moves to `state`, keeping the "established" gauge right; CLOSED raises TCP_EV_CLOSED. */
void tcp_conn_set_state(struct tcp_conn *c, enum tcp_state state);

/* Latches `error` (the first one wins), flushes the queues and moves to CLOSED. */
void tcp_conn_fail(struct tcp_conn *c, int error);

/* Moves to TIME-WAIT and (re)starts its 2 MSL timer. */
void tcp_conn_enter_time_wait(struct tcp_conn *c, uint64_t now);

/* Takes the MSS, window scale, SACK and timestamp options of the peer's SYN. */
void tcp_conn_negotiate(struct tcp_conn *c, const struct tcp_segment *syn);

/* Completes the handshake: ESTABLISHED (or FIN-WAIT-1 after an early shutdown). */
void tcp_conn_established(struct tcp_conn *c, uint64_t now);

/* Returns our timestamp clock (milliseconds plus the connection's offset). */
uint32_t tcp_conn_ts_now(const struct tcp_conn *c, uint64_t now);

/* Returns the largest payload plus options per segment: the smaller MSS of both ends. */
uint32_t tcp_conn_mss_total(const struct tcp_conn *c);

/* Returns the effective send MSS: tcp_conn_mss_total() less the timestamp option. */
uint32_t tcp_conn_smss(const struct tcp_conn *c);

/* Returns the window field to send and moves rcv_adv to the edge it announces. */
uint32_t tcp_conn_rcv_window(struct tcp_conn *c);

/* Arms the retransmission timer for the current, backed-off RTO. */
void tcp_conn_arm_rtx(struct tcp_conn *c, uint64_t now);

/* Processes the ACK field; returns 0 when the segment must go no further. */
int tcp_conn_ack_input(struct tcp_conn *c, const struct tcp_segment *seg, uint64_t now);

/* Queues a challenge ACK (RFC 5961) unless this second's limit is used up. */
void tcp_conn_challenge_ack(struct tcp_conn *c, uint64_t now);

#endif

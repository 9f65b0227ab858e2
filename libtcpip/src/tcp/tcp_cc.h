/*
 * Congestion control: how the congestion window grows on ACKs and shrinks
 * on loss. Two algorithms, chosen per connection: NewReno (RFC 5681 with
 * RFC 6582's recovery) and CUBIC (RFC 9438). The loss recovery mechanics
 * (fast retransmit, SACK recovery, window inflation) live in the connection;
 * this module only does the window arithmetic. Windows are in bytes, time
 * in nanoseconds.
 */
#ifndef TCP_CC_H
#define TCP_CC_H

#include <stdint.h>

#include <fata/tcpip.h>

/* A connection's congestion window state. */
struct tcp_cc {
	enum fata_tcp_cc algorithm;
	uint32_t mss;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t bytes_acked; /* NewReno congestion avoidance byte counter */

	/* CUBIC state (RFC 9438 section 4); windows in bytes. */
	uint64_t epoch_start;   /* loop time the current epoch began, 0 for none */
	uint32_t w_max;         /* window before the last reduction */
	uint32_t cwnd_epoch;    /* cwnd when the epoch began */
	int64_t k_ms;           /* K of equation 2, in milliseconds */
	uint32_t w_est;         /* the Reno-friendly estimate of section 4.3 */
	uint64_t est_acc;       /* remainder of the W_est increase */
	uint64_t cubic_acc;     /* remainder of the cwnd increase */
};

/* CUBIC constants (RFC 9438 section 5): C = 0.4, beta_cubic = 0.7, as fractions. */
#define TCP_CUBIC_C_NUM 2
#define TCP_CUBIC_C_DEN 5
#define TCP_CUBIC_BETA_NUM 7
#define TCP_CUBIC_BETA_DEN 10

/* Returns the initial window of RFC 5681 section 3.1 for `mss`. */
uint32_t tcp_cc_initial_window(uint32_t mss);

/* Starts `cc` with the initial window and an unbounded ssthresh. */
void tcp_cc_init(struct tcp_cc *cc, enum fata_tcp_cc algorithm, uint32_t mss);

/* Changes the MSS (path MTU change); the window keeps its byte value. */
void tcp_cc_set_mss(struct tcp_cc *cc, uint32_t mss);

/*
 * Grows the window for an ACK of `acked` new bytes outside loss recovery:
 * slow start below ssthresh (RFC 5681 section 3.1), congestion avoidance
 * above it. `srtt_ns` is CUBIC's RTT estimate (0 when unknown).
 */
void tcp_cc_on_ack(struct tcp_cc *cc, uint32_t acked, uint64_t now_ns, uint64_t srtt_ns);

/*
 * Records a congestion event (loss detected by duplicate ACKs or SACK) with
 * `flight` bytes outstanding: sets ssthresh (RFC 5681 equation 4 for
 * NewReno, RFC 9438 section 4.6 for CUBIC) and returns it. The caller sets
 * cwnd as its recovery algorithm prescribes.
 */
uint32_t tcp_cc_on_loss(struct tcp_cc *cc, uint32_t flight, uint64_t now_ns);

/*
 * Records a retransmission timeout: ssthresh as for a loss (unless a loss
 * in the same window already set it, `repeat` nonzero), cwnd to one
 * segment (RFC 5681 section 3.1, RFC 9438 section 4.8).
 */
void tcp_cc_on_rto(struct tcp_cc *cc, uint32_t flight, int repeat, uint64_t now_ns);

/* Returns CUBIC's W_cubic(t) of equation 1 for `t_ms` into the epoch, in bytes. */
uint32_t tcp_cubic_window(const struct tcp_cc *cc, int64_t t_ms);

/* Returns the integer cube root of `n` (the largest x with x^3 <= n). */
uint64_t tcp_cbrt(uint64_t n);

#endif

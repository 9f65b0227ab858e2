/*
 * The retransmission timeout estimator of RFC 6298: smoothed RTT and RTT
 * variance from samples, RTO = SRTT + max(G, 4 * RTTVAR) bounded to
 * [1 s, 60 s], and exponential backoff on expiry. Times are nanoseconds.
 */
#ifndef TCP_RTO_H
#define TCP_RTO_H

#include <stdint.h>

#define TCP_RTO_INITIAL_NS UINT64_C(1000000000)   /* RFC 6298 section 2.1 */
#define TCP_RTO_MIN_NS UINT64_C(1000000000)       /* RFC 6298 section 2.4 */
#define TCP_RTO_MAX_NS UINT64_C(60000000000)      /* RFC 6298 section 2.5 */
#define TCP_RTO_SYN_FALLBACK_NS UINT64_C(3000000000) /* RFC 6298 section 5 (7) */
#define TCP_CLOCK_GRANULARITY_NS UINT64_C(1000000) /* G: the 1 ms timestamp clock */

/* The estimator's state; times in nanoseconds. */
struct tcp_rto {
	uint64_t srtt;
	uint64_t rttvar;
	uint64_t rto;     /* the current timeout without backoff */
	uint64_t min_rto; /* lower bound, TCP_RTO_MIN_NS unless a test lowers it */
	unsigned backoff; /* doublings since the last new sample */
	int has_sample;
};

/* Starts an estimator with the initial RTO of 1 second (RFC 6298 section 2.1). */
void tcp_rto_init(struct tcp_rto *r, uint64_t min_rto);

/* Feeds one RTT measurement (RFC 6298 sections 2.2 and 2.3) and clears the backoff. */
void tcp_rto_sample(struct tcp_rto *r, uint64_t rtt);

/* Doubles the timeout after an expiry (RFC 6298 section 5 (5.5)), up to the maximum. */
void tcp_rto_backoff(struct tcp_rto *r);

/* Returns the timeout to arm now: the RTO doubled per backoff, at most 60 s. */
uint64_t tcp_rto_current(const struct tcp_rto *r);

#endif

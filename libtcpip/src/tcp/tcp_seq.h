/*
 * Sequence number arithmetic (RFC 9293 section 3.4): sequence numbers are
 * compared modulo 2^32, so a is "less than" b when the signed 32-bit
 * difference a - b is negative. The comparison is valid while the two
 * numbers are less than 2^31 apart, which the window limits guarantee.
 */
#ifndef TCP_SEQ_H
#define TCP_SEQ_H

#include <stdint.h>

static inline int tcp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline int tcp_seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline int tcp_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline int tcp_seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static inline uint32_t tcp_seq_max(uint32_t a, uint32_t b)
{
	return tcp_seq_gt(a, b) ? a : b;
}

static inline uint32_t tcp_seq_min(uint32_t a, uint32_t b)
{
	return tcp_seq_lt(a, b) ? a : b;
}

/* Returns 1 when lo <= a < hi in sequence space. */
static inline int tcp_seq_in(uint32_t a, uint32_t lo, uint32_t hi)
{
	return tcp_seq_geq(a, lo) && tcp_seq_lt(a, hi);
}

#endif

/* ICMPv4 (RFC 792): echo, errors with rate limiting, and errors received. */
#ifndef FATA_TCPIP_ICMP_H
#define FATA_TCPIP_ICMP_H

#include <stdint.h>

#include <fata/buf.h>

#include "ipv4.h"

struct tcpip_stack;

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PROTOCOL 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_NEEDFRAG 4
#define ICMP_EXC_REASSEMBLY 1

/*
 * A token bucket in nanoseconds of credit: each message costs 1e9 / rate
 * ns, and the bucket contains at most `burst` messages' worth.
 */
struct icmp_ratelimit {
	uint64_t credit_ns;
	uint64_t cost_ns;
	uint64_t max_ns;
	uint64_t last_ns;
};

/* Prepares a full bucket of `burst` messages refilled at `rate` per second. */
void icmp_ratelimit_init(struct icmp_ratelimit *rl, uint32_t rate, uint32_t burst, uint64_t now);

/* Takes one token; returns 1 when the message may go, 0 when the bucket is empty. */
int icmp_ratelimit_take(struct icmp_ratelimit *rl, uint64_t now);

/* Handles a received ICMP message (owned `packet` from the IP header on). */
void icmp_input(struct tcpip_stack *stack, struct fata_view packet, const struct ipv4_rx *rx);

/*
 * Sends an ICMP error of `type` and `code` about the datagram `packet`
 * (borrowed, from its IP header on), unless RFC 1122 section 3.2.2 forbids
 * it or the rate limit suppresses it. `rx` describes how the datagram
 * arrived. `param` fills the 32-bit field after the checksum.
 */
void icmp_send_error(struct tcpip_stack *stack, uint8_t type, uint8_t code, uint32_t param,
		struct fata_view packet, const struct ipv4_rx *rx);

#endif

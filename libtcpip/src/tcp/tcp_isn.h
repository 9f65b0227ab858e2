/*
 * Initial sequence numbers (RFC 6528) and SYN cookies (RFC 4987 section
 * 3.6): both are keyed hashes of the connection's 4-tuple, so an off-path
 * attacker can neither guess an ISN nor forge a cookie.
 */
#ifndef TCP_ISN_H
#define TCP_ISN_H

#include <stdint.h>

#include "tcp_siphash.h"
#include "tcp_tuple.h"

/*
 * Returns ISN = M + F(4-tuple, key) (RFC 6528 section 3): M is a timer
 * that ticks every 4 microseconds of `now_ns`, F the low 32 bits of
 * SipHash-2-4 over the tuple.
 */
uint32_t tcp_isn(const struct tcp_siphash_key *key, const struct tcp_tuple *tuple,
		uint64_t now_ns);

/*
 * Options a client offered in its SYN, as a SYN cookie can carry them when
 * timestamps are in use: the cookie's own 32 bits hold only the MSS.
 */
struct tcp_cookie_options {
	int sack_ok;
	int wscale_ok;
	uint8_t wscale; /* the client's shift */
};

/*
 * Returns the cookie to send as our ISN in a SYN-ACK to a SYN with
 * sequence number `client_isn` and MSS option `client_mss` (0 when absent).
 * Stores in `*mss` the MSS that the cookie encodes: the largest table value
 * not above the client's. `opt_bits` are the timestamp-encoded option bits
 * (tcp_cookie_ts_bits), or 0 without timestamps. The hash covers them, so
 * a client cannot change them.
 *
 * Layout: 5 bits of a 64-second counter, 3 bits of MSS table index and 24
 * bits of SipHash over the tuple, the client ISN, the counter, the index
 * and `opt_bits`.
 */
uint32_t tcp_cookie_make(const struct tcp_siphash_key *key, const struct tcp_tuple *tuple,
		uint32_t client_isn, uint16_t client_mss, uint32_t opt_bits, uint64_t now_ns,
		uint16_t *mss);

/*
 * Checks `cookie` (the acknowledgment number minus one) against the tuple,
 * the client ISN (the ACK's sequence number minus one) and `opt_bits`
 * decoded from the echoed timestamp. A cookie is valid for the current
 * and the previous 64-second period. Stores the MSS on success.
 * Errors: FATA_EAUTH.
 */
int tcp_cookie_check(const struct tcp_siphash_key *key, const struct tcp_tuple *tuple,
		uint32_t client_isn, uint32_t cookie, uint32_t opt_bits, uint64_t now_ns,
		uint16_t *mss);

/* Bits of a SYN-ACK's TSval that carry the client's options for a cookie. */
#define TCP_COOKIE_TS_MASK 0x3fu

/* Returns the option bits for the low 6 bits of TSval (never 0). */
uint32_t tcp_cookie_ts_bits(const struct tcp_cookie_options *opts);

/*
 * Decodes the option bits from an echoed TSval. Errors: FATA_EBADMSG when
 * the bits cannot have come from tcp_cookie_ts_bits().
 */
int tcp_cookie_ts_decode(uint32_t ts_ecr, struct tcp_cookie_options *opts);

#endif

/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012): a keyed 64-bit hash for short inputs. TCP uses it for initial
 * sequence numbers, SYN cookies, ephemeral ports and the connection table,
 * where a keyed function keeps an off-path attacker from predicting outputs.
 */
#ifndef TCP_SIPHASH_H
#define TCP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* A 128-bit SipHash key. */
struct tcp_siphash_key {
	uint8_t bytes[16];
};

/* Returns SipHash-2-4 of `len` bytes at `data` under `key`. */
uint64_t tcp_siphash(const struct tcp_siphash_key *key, const void *data, size_t len);

#endif

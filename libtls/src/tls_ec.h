/*
 * Elliptic-curve code of libtls: X25519 and P-256 with 64-bit limbs, and
 * the BearSSL EC implementation (br_ec_impl) that puts them in front of
 * BearSSL's own code for the other curves.
 *
 * Points and scalars use BearSSL's encodings: P-256 points are
 * uncompressed (0x04, X, Y; 65 bytes) with unsigned big-endian scalars,
 * and X25519 takes the little-endian strings of RFC 7748.
 */
#ifndef TLS_EC_H
#define TLS_EC_H

#include <stddef.h>
#include <stdint.h>

#include "tls_internal.h"

/*
 * Returns the EC implementation libtls gives BearSSL for ECDHE, ECDSA
 * signing and ECDSA verification: the 64-bit code for Curve25519 and P-256
 * when the compiler has a 128-bit integer type, BearSSL's default for
 * every other curve and for compilers without one.
 */
const br_ec_impl *tls_ec_get(void);

/*
 * Returns 1 when tls_ec_get() uses the 64-bit code for Curve25519 and
 * P-256, 0 when it falls back to BearSSL's implementation.
 */
int tls_ec_is_64bit(void);

/*
 * ECDSA signing with BearSSL's br_ecdsa_sign interface and ASN.1 output.
 * P-256 keys with impl == tls_ec_get() use tls_ecdsa_p256_sign_raw();
 * everything else goes to BearSSL's default signer. Returns the signature
 * length, or 0 on error. `sig` needs room for 72 bytes for P-256.
 */
size_t tls_ecdsa_sign_asn1(const br_ec_impl *impl, const br_hash_class *hf, const void *hash,
		const br_ec_private_key *sk, void *sig);

#ifdef __SIZEOF_INT128__

/*
 * Signs the hash `hash` (made with `hf`) with the P-256 key `sk` and
 * writes the raw signature r || s (64 bytes) to `sig`. The nonce is
 * derived as RFC 6979 section 3.2 describes, with HMAC over `hf`, so the
 * output equals BearSSL's signer's. Returns 64, or 0 when the key is not a
 * P-256 key in [1, n-1]. Constant time in the key and the hash.
 */
size_t tls_ecdsa_p256_sign_raw(const br_hash_class *hf, const void *hash,
		const br_ec_private_key *sk, void *sig);

/*
 * X25519 (RFC 7748 section 5): out = scalar * u, all three as 32-byte
 * little-endian strings. The scalar is clamped and the top bit of u is
 * ignored, as RFC 7748 section 5 requires. Returns 1, or 0 when the output is all zeros
 * (u was a point of small order; RFC 7748 section 6.1). Constant time.
 */
uint32_t tls_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t u[32]);

/*
 * X25519 of `scalar` and the base point u = 9, the same as tls_x25519()
 * with u = 9, computed on the equivalent Edwards curve from a 97.5 KiB table
 * that the first call builds. Returns 1. Constant time in the scalar.
 */
uint32_t tls_x25519_base(uint8_t out[32], const uint8_t scalar[32]);

/* P-256's uncompressed generator (65 bytes) and group order (32 bytes, big-endian). */
const uint8_t *tls_p256_generator(size_t *len);
const uint8_t *tls_p256_order(size_t *len);

/*
 * Replaces the `len`-byte point at `point` with x times it. Returns 1, or 0
 * when `len` is not 65, the point is not on the curve, x is 2^256 or more,
 * or the product is the point at infinity (x = 0 or a multiple of n).
 * Constant time in the point and the scalar.
 */
uint32_t tls_p256_mul(uint8_t *point, size_t len, const uint8_t *x, size_t xlen);

/*
 * Writes x times the generator to `out` (65 bytes) and returns 65. The
 * first call builds a 148 KiB table of multiples of G. Constant time in x.
 * NOTE: for x = 0 or a multiple of n the output is not a point (0x04
 * followed by zeros); BearSSL's contract excludes such x.
 */
size_t tls_p256_mulgen(uint8_t *out, const uint8_t *x, size_t xlen);

/*
 * Replaces `a` with x*a + y*b, where `b` NULL means the generator. Returns
 * 1, or 0 when `len` is not 65, a point is not on the curve, x or y is zero
 * or 2^256 or more, or the sum is the point at infinity.
 */
uint32_t tls_p256_muladd(uint8_t *a, const uint8_t *b, size_t len, const uint8_t *x,
		size_t xlen, const uint8_t *y, size_t ylen);

#endif

#endif

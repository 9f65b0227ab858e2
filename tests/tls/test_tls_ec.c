/*
 * Tests of libtls's 64-bit X25519 and P-256 code: the vectors of RFC 7748
 * and RFC 6979, and differential tests against BearSSL's m31
 * implementations with random inputs from a fixed seed.
 *
 * TLS_EC_SLOW=1 in the environment adds the 1,000,000-iteration X25519
 * vector of RFC 7748 section 5.2 (a few minutes; not run by CI).
 */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls_ec.h"

/* Random inputs per differential test; BearSSL's m31 takes about 0.5 ms per operation. */
#define DIFF_ROUNDS 300

/* Seed of the input generator, printed with every differential failure. */
#define TEST_SEED UINT64_C(0x5eed2026c0ffee01)

static uint64_t rng_state;

/* xorshift64*: reproducible inputs, not randomness for keys. */
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545F4914F6CDD1D);
}

static void rng_fill(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(rng_next() >> 56);
}

static void hex_decode(uint8_t *out, const char *hex, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void assert_bytes(const uint8_t *got, const char *hex, size_t len)
{
	uint8_t want[128];

	ck_assert_uint_le(len, sizeof want);
	hex_decode(want, hex, len);
	ck_assert_mem_eq(got, want, len);
}

/* The P-256 group order n, big-endian. */
static const uint8_t *p256_n(void)
{
	size_t len;
	const uint8_t *n = br_ec_p256_m31.order(BR_EC_secp256r1, &len);

	ck_assert_uint_eq(len, 32);
	return n;
}

/* Draws a random P-256 scalar in [1, n-1]; one in four keeps a random top bit. */
static void p256_random_scalar(uint8_t k[32])
{
	const uint8_t *n = p256_n();

	for (;;) {
		int below = 0, nonzero = 0;

		rng_fill(k, 32);
		if (rng_next() & 3)
			k[0] &= 0x7F;
		for (int i = 0; i < 32; i++) {
			if (k[i] != n[i]) {
				below = k[i] < n[i];
				break;
			}
		}
		for (int i = 0; i < 32; i++)
			nonzero |= k[i];
		if (below && nonzero)
			return;
	}
}

/* n - small, big-endian, for small below 256. */
static void p256_n_minus(uint8_t k[32], unsigned small)
{
	unsigned borrow = small;

	memcpy(k, p256_n(), 32);
	for (int i = 31; i >= 0 && borrow; i--) {
		unsigned v = k[i];

		k[i] = (uint8_t)(v - borrow);
		borrow = v < borrow ? 1 : 0;
	}
}

/* ---- X25519: RFC 7748 vectors ---- */

START_TEST(x25519_rfc7748_vectors)
{
	static const struct {
		const char *scalar, *u, *out;
	} vectors[] = {
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		/* The u-coordinate has the top bit set, which X25519 must ignore. */
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};

	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		uint8_t k[32], u[32], out[32];

		hex_decode(k, vectors[i].scalar, 32);
		hex_decode(u, vectors[i].u, 32);
		ck_assert_uint_eq(tls_x25519(out, k, u), 1);
		assert_bytes(out, vectors[i].out, 32);
	}
}
END_TEST

/* Runs the iteration of RFC 7748 section 5.2: k, u = X25519(k, u), k. */
static void x25519_iterate(uint8_t k[32], uint8_t u[32], unsigned long from, unsigned long to)
{
	for (unsigned long i = from; i < to; i++) {
		uint8_t out[32];

		tls_x25519(out, k, u);
		memcpy(u, k, 32);
		memcpy(k, out, 32);
	}
}

START_TEST(x25519_rfc7748_iterations)
{
	uint8_t k[32] = { 9 }, u[32] = { 9 };

	x25519_iterate(k, u, 0, 1);
	assert_bytes(k, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", 32);
	x25519_iterate(k, u, 1, 1000);
	assert_bytes(k, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", 32);

	if (getenv("TLS_EC_SLOW") == NULL)
		return;
	x25519_iterate(k, u, 1000, 1000000);
	assert_bytes(k, "7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424", 32);
}
END_TEST

START_TEST(x25519_rfc7748_diffie_hellman)
{
	uint8_t alice[32], bob[32], base[32] = { 9 };
	uint8_t alice_pub[32], bob_pub[32], shared_a[32], shared_b[32];

	hex_decode(alice, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", 32);
	hex_decode(bob, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", 32);

	ck_assert_uint_eq(tls_x25519(alice_pub, alice, base), 1);
	assert_bytes(alice_pub, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", 32);
	ck_assert_uint_eq(tls_x25519(bob_pub, bob, base), 1);
	assert_bytes(bob_pub, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", 32);

	/* The fixed-base path gives the same public keys. */
	ck_assert_uint_eq(tls_x25519_base(alice_pub, alice), 1);
	assert_bytes(alice_pub, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", 32);
	ck_assert_uint_eq(tls_x25519_base(bob_pub, bob), 1);
	assert_bytes(bob_pub, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", 32);

	ck_assert_uint_eq(tls_x25519(shared_a, alice, bob_pub), 1);
	ck_assert_uint_eq(tls_x25519(shared_b, bob, alice_pub), 1);
	assert_bytes(shared_a, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", 32);
	ck_assert_mem_eq(shared_a, shared_b, 32);
}
END_TEST

/* Points of small order give the all-zero output that RFC 7748 section 6.1 rejects. */
START_TEST(x25519_small_order_rejected)
{
	static const char *const points[] = {
		/* u = 0 and u = 1 */
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		/* a point of order 8 */
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		/* p - 1 (order 2), and p + 1 = 1 in non-canonical form */
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	const br_ec_impl *impl = tls_ec_get();
	uint8_t k[32], u[32], out[32];

	rng_state = TEST_SEED;
	for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
		rng_fill(k, 32);
		hex_decode(u, points[i], 32);
		ck_assert_msg(tls_x25519(out, k, u) == 0, "point %zu not rejected", i);
		for (int j = 0; j < 32; j++)
			ck_assert_uint_eq(out[j], 0);
		ck_assert_msg(impl->mul(u, 32, k, 32, BR_EC_curve25519) == 0,
				"mul accepted point %zu", i);
	}
}
END_TEST

/* ---- X25519: against BearSSL's m31 ---- */

/* Compares one mul of the two implementations on the scalar `k` and point `u`. */
static void x25519_compare(const uint8_t *k, size_t klen, const uint8_t u[32], unsigned round)
{
	const br_ec_impl *ours = tls_ec_get(), *ref = &br_ec_c25519_m31;
	uint8_t a[32], b[32];
	uint32_t ok_ours, ok_ref;

	memcpy(a, u, 32);
	memcpy(b, u, 32);
	ok_ours = ours->mul(a, 32, k, klen, BR_EC_curve25519);
	ok_ref = ref->mul(b, 32, k, klen, BR_EC_curve25519);
	ck_assert_msg(memcmp(a, b, 32) == 0, "x25519 mul differs, seed %016llx round %u",
			(unsigned long long)TEST_SEED, round);
	/* Both succeed on every point that does not give the all-zero result. */
	ck_assert_msg(ok_ours == 1 && ok_ref == 1, "x25519 mul failed, seed %016llx round %u",
			(unsigned long long)TEST_SEED, round);
}

START_TEST(x25519_mul_matches_m31)
{
	const br_ec_impl *ref = &br_ec_c25519_m31;
	uint8_t k[32], u[32];

	rng_state = TEST_SEED;
	for (unsigned round = 0; round < DIFF_ROUNDS; round++) {
		size_t klen = 32 - (round % 5 == 0 ? rng_next() % 4 : 0);
		size_t glen;

		rng_fill(k, 32);
		switch (round % 4) {
		case 0:
			/* A public key: the u of a multiple of the base point. */
			memcpy(u, ref->generator(BR_EC_curve25519, &glen), 32);
			rng_fill(k, 32);
			ref->mul(u, 32, k, 32, BR_EC_curve25519);
			rng_fill(k, 32);
			break;
		case 1:
			/* Any 32 bytes, top bit set: the bit is ignored. */
			rng_fill(u, 32);
			u[31] |= 0x80;
			break;
		case 2:
			/*
			 * Non-canonical u from p + 2 to 2^255 - 1, reduced by the
			 * arithmetic (p and p + 1 are the small-order 0 and 1).
			 */
			memset(u, 0xFF, 32);
			u[0] = (uint8_t)(0xEF + rng_next() % 0x11);
			u[31] = 0x7F;
			break;
		default:
			rng_fill(u, 32);
			break;
		}
		x25519_compare(k, klen, u, round);
	}
}
END_TEST

START_TEST(x25519_mulgen_matches_m31)
{
	const br_ec_impl *ours = tls_ec_get(), *ref = &br_ec_c25519_m31;
	uint8_t k[32], a[32], b[32];

	rng_state = TEST_SEED;
	for (unsigned round = 0; round < DIFF_ROUNDS; round++) {
		rng_fill(k, 32);
		if (round == 0)
			memset(k, 0xFF, 32);
		ck_assert_uint_eq(ours->mulgen(a, k, 32, BR_EC_curve25519), 32);
		ck_assert_uint_eq(ref->mulgen(b, k, 32, BR_EC_curve25519), 32);
		ck_assert_msg(memcmp(a, b, 32) == 0, "x25519 mulgen differs, seed %016llx round %u",
				(unsigned long long)TEST_SEED, round);
	}
}
END_TEST

/*
 * Sets the 256-bit scalar k to `value` repeated in every `width`-bit window
 * (cut at bit 255), big-endian when `big_endian` is set. Values at and just
 * above half the window range test the signed-digit recoding of the
 * fixed-base multiplications: 7-bit windows for P-256, 5-bit for X25519.
 */
static void scalar_repeat_window(uint8_t k[32], unsigned width, unsigned value, int big_endian)
{
	memset(k, 0, 32);
	for (unsigned bit = 0; bit < 256; bit++) {
		if (!((value >> (bit % width)) & 1))
			continue;
		if (big_endian)
			k[31 - bit / 8] |= (uint8_t)(1u << (bit % 8));
		else
			k[bit / 8] |= (uint8_t)(1u << (bit % 8));
	}
}

/* The Edwards fixed-base path against the ladder on u = 9, on edge scalars and random ones. */
START_TEST(x25519_base_matches_ladder)
{
	uint8_t k[32], a[32], b[32], nine[32] = { 9 };

	rng_state = TEST_SEED;
	for (unsigned round = 0; round < DIFF_ROUNDS; round++) {
		switch (round) {
		case 0:
			memset(k, 0, 32);
			break;
		case 1:
			memset(k, 0xFF, 32);
			break;
		case 2:
			/* Every 4-bit digit 15 or 0 in turn. */
			memset(k, 0x0F, 32);
			break;
		case 3:
			/* Every 5-bit window 16: the largest digit without a carry. */
			scalar_repeat_window(k, 5, 16, 0);
			break;
		case 4:
			/* Every 5-bit window 17: each becomes -15 and carries. */
			scalar_repeat_window(k, 5, 17, 0);
			break;
		default:
			rng_fill(k, 32);
			break;
		}
		ck_assert_uint_eq(tls_x25519_base(a, k), 1);
		ck_assert_uint_eq(tls_x25519(b, k, nine), 1);
		ck_assert_msg(memcmp(a, b, 32) == 0, "x25519 base differs, seed %016llx round %u",
				(unsigned long long)TEST_SEED, round);
	}
}
END_TEST

START_TEST(x25519_conventions_match_m31)
{
	const br_ec_impl *ours = tls_ec_get(), *ref = &br_ec_c25519_m31;
	size_t len_ours, len_ref, off_ours, off_ref;
	const uint8_t *g_ours = ours->generator(BR_EC_curve25519, &len_ours);
	const uint8_t *g_ref = ref->generator(BR_EC_curve25519, &len_ref);
	uint8_t a[32] = { 9 };
	uint8_t k[33] = { 0 };

	ck_assert_uint_eq(len_ours, len_ref);
	ck_assert_mem_eq(g_ours, g_ref, len_ref);
	g_ours = ours->order(BR_EC_curve25519, &len_ours);
	g_ref = ref->order(BR_EC_curve25519, &len_ref);
	ck_assert_uint_eq(len_ours, len_ref);
	ck_assert_mem_eq(g_ours, g_ref, len_ref);
	off_ours = ours->xoff(BR_EC_curve25519, &len_ours);
	off_ref = ref->xoff(BR_EC_curve25519, &len_ref);
	ck_assert_uint_eq(off_ours, off_ref);
	ck_assert_uint_eq(len_ours, len_ref);

	/* Lengths outside BearSSL's contract are errors, and muladd does not exist. */
	k[32] = 1;
	ck_assert_uint_eq(ours->mul(a, 32, k, 33, BR_EC_curve25519), 0);
	ck_assert_uint_eq(ours->mul(a, 31, k + 1, 32, BR_EC_curve25519), 0);
	ck_assert_uint_eq(ours->muladd(a, NULL, 32, k + 1, 32, k + 1, 32, BR_EC_curve25519), 0);
}
END_TEST

/* ---- P-256: against BearSSL's m31 ---- */

/* Returns a random point: a random multiple of G, computed by BearSSL. */
static void p256_random_point(uint8_t point[65])
{
	uint8_t k[32];

	p256_random_scalar(k);
	ck_assert_uint_eq(br_ec_p256_m31.mulgen(point, k, 32, BR_EC_secp256r1), 65);
}

START_TEST(p256_conventions_match_m31)
{
	const br_ec_impl *ours = tls_ec_get(), *ref = &br_ec_p256_m31;
	size_t len_ours, len_ref;
	const uint8_t *a = ours->generator(BR_EC_secp256r1, &len_ours);
	const uint8_t *b = ref->generator(BR_EC_secp256r1, &len_ref);

	ck_assert_uint_eq(len_ours, len_ref);
	ck_assert_mem_eq(a, b, len_ref);
	a = ours->order(BR_EC_secp256r1, &len_ours);
	b = ref->order(BR_EC_secp256r1, &len_ref);
	ck_assert_uint_eq(len_ours, len_ref);
	ck_assert_mem_eq(a, b, len_ref);
	ck_assert_uint_eq(ours->xoff(BR_EC_secp256r1, &len_ours),
			ref->xoff(BR_EC_secp256r1, &len_ref));
	ck_assert_uint_eq(len_ours, len_ref);
	ck_assert(ours->supported_curves & (UINT32_C(1) << BR_EC_secp256r1));
	ck_assert(ours->supported_curves & (UINT32_C(1) << BR_EC_curve25519));
	ck_assert(ours->supported_curves & (UINT32_C(1) << BR_EC_secp384r1));
}
END_TEST

static void p256_compare_mul(const uint8_t point[65], const uint8_t *k, size_t klen,
		unsigned round)
{
	uint8_t a[65], b[65];
	uint32_t ok_ours, ok_ref;

	memcpy(a, point, 65);
	memcpy(b, point, 65);
	ok_ours = tls_ec_get()->mul(a, 65, k, klen, BR_EC_secp256r1);
	ok_ref = br_ec_p256_m31.mul(b, 65, k, klen, BR_EC_secp256r1);
	ck_assert_msg(ok_ours == 1 && ok_ref == 1, "p256 mul failed (%u, %u), seed %016llx round %u",
			ok_ours, ok_ref, (unsigned long long)TEST_SEED, round);
	ck_assert_msg(memcmp(a, b, 65) == 0, "p256 mul differs, seed %016llx round %u",
			(unsigned long long)TEST_SEED, round);
}

START_TEST(p256_mul_matches_m31)
{
	uint8_t point[65], k[32];

	rng_state = TEST_SEED;
	for (unsigned round = 0; round < DIFF_ROUNDS; round++) {
		p256_random_point(point);
		p256_random_scalar(k);
		p256_compare_mul(point, k, 32, round);
	}
}
END_TEST

START_TEST(p256_mul_edge_scalars)
{
	uint8_t point[65], k[32], a[65], b[65], k2[33];
	size_t glen;

	rng_state = TEST_SEED;
	p256_random_point(point);

	/* 1, 2, n-1, n-2 and a short encoding of 1. */
	memset(k, 0, 32);
	k[31] = 1;
	p256_compare_mul(point, k, 32, 0);
	p256_compare_mul(point, k + 31, 1, 1);
	k[31] = 2;
	p256_compare_mul(point, k, 32, 2);
	p256_n_minus(k, 1);
	p256_compare_mul(point, k, 32, 3);
	p256_n_minus(k, 2);
	p256_compare_mul(point, k, 32, 4);

	/* The generator itself, times n-1, is -G. */
	memcpy(point, tls_ec_get()->generator(BR_EC_secp256r1, &glen), 65);
	p256_n_minus(k, 1);
	p256_compare_mul(point, k, 32, 5);

	/* Zero and n give the point at infinity, which has no encoding. */
	memset(k, 0, 32);
	memcpy(a, point, 65);
	ck_assert_uint_eq(tls_ec_get()->mul(a, 65, k, 32, BR_EC_secp256r1), 0);
	memcpy(a, point, 65);
	ck_assert_uint_eq(tls_ec_get()->mul(a, 65, p256_n(), 32, BR_EC_secp256r1), 0);

	/*
	 * All ones is above n, outside BearSSL's contract, but the 64-bit code
	 * still computes the product: (2^256 - 1) mod n = 2^256 - 1 - n.
	 */
	memset(k, 0xFF, 32);
	memcpy(a, point, 65);
	ck_assert_uint_eq(tls_ec_get()->mul(a, 65, k, 32, BR_EC_secp256r1), 1);
	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(0xFF - p256_n()[i]);
	memcpy(b, point, 65);
	ck_assert_uint_eq(br_ec_p256_m31.mul(b, 65, k, 32, BR_EC_secp256r1), 1);
	ck_assert_mem_eq(a, b, 65);

	/* A 33-byte scalar is accepted when its first byte is zero, and rejected otherwise. */
	memset(k2, 0, sizeof k2);
	k2[32] = 3;
	memcpy(a, point, 65);
	ck_assert_uint_eq(tls_ec_get()->mul(a, 65, k2, 33, BR_EC_secp256r1), 1);
	k2[0] = 1;
	memcpy(a, point, 65);
	ck_assert_uint_eq(tls_ec_get()->mul(a, 65, k2, 33, BR_EC_secp256r1), 0);
}
END_TEST

START_TEST(p256_mul_rejects_invalid_points)
{
	uint8_t good[65], bad[65], k[32];
	const uint8_t p[32] = {
		0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	};
	const br_ec_impl *impl = tls_ec_get();

	rng_state = TEST_SEED;
	p256_random_point(good);
	p256_random_scalar(k);

	/* Sanity: the unmodified point is accepted. */
	memcpy(bad, good, 65);
	ck_assert_uint_eq(impl->mul(bad, 65, k, 32, BR_EC_secp256r1), 1);

	/* Compressed and hybrid prefixes, and the one-byte encoding of infinity. */
	memcpy(bad, good, 65);
	bad[0] = 0x02;
	ck_assert_uint_eq(impl->mul(bad, 65, k, 32, BR_EC_secp256r1), 0);
	memcpy(bad, good, 65);
	bad[0] = 0x06;
	ck_assert_uint_eq(impl->mul(bad, 65, k, 32, BR_EC_secp256r1), 0);
	bad[0] = 0x00;
	ck_assert_uint_eq(impl->mul(bad, 1, k, 32, BR_EC_secp256r1), 0);

	/* Wrong lengths. */
	memcpy(bad, good, 65);
	ck_assert_uint_eq(impl->mul(bad, 64, k, 32, BR_EC_secp256r1), 0);
	ck_assert_uint_eq(impl->mul(bad, 33, k, 32, BR_EC_secp256r1), 0);

	/* Off the curve: y + 1, and all-zero coordinates. */
	memcpy(bad, good, 65);
	bad[64] ^= 1;
	ck_assert_uint_eq(impl->mul(bad, 65, k, 32, BR_EC_secp256r1), 0);
	memset(bad + 1, 0, 64);
	ck_assert_uint_eq(impl->mul(bad, 65, k, 32, BR_EC_secp256r1), 0);

	/* Coordinates of p or more, even when they reduce to a valid point. */
	memcpy(bad, good, 65);
	memcpy(bad + 1, p, 32);
	ck_assert_uint_eq(impl->mul(bad, 65, k, 32, BR_EC_secp256r1), 0);
	memcpy(bad, good, 65);
	memset(bad + 33, 0xFF, 32);
	ck_assert_uint_eq(impl->mul(bad, 65, k, 32, BR_EC_secp256r1), 0);
	{
		/* x + p where x + p < 2^256: same point modulo p, invalid encoding. */
		uint8_t x[65];
		unsigned carry = 0;

		memcpy(x, good, 65);
		for (int i = 31; i >= 0; i--) {
			unsigned v = x[1 + i] + p[i] + carry;

			x[1 + i] = (uint8_t)v;
			carry = v >> 8;
		}
		if (carry == 0)
			ck_assert_uint_eq(impl->mul(x, 65, k, 32, BR_EC_secp256r1), 0);
	}

	/* muladd checks both points. */
	memcpy(bad, good, 65);
	bad[64] ^= 1;
	{
		uint8_t a[65];

		memcpy(a, good, 65);
		ck_assert_uint_eq(impl->muladd(a, bad, 65, k, 32, k, 32, BR_EC_secp256r1), 0);
		ck_assert_uint_eq(impl->muladd(bad, NULL, 65, k, 32, k, 32, BR_EC_secp256r1), 0);
	}
}
END_TEST

START_TEST(p256_mulgen_matches_m31)
{
	uint8_t k[32], a[65], b[65];

	rng_state = TEST_SEED;
	for (unsigned round = 0; round < DIFF_ROUNDS; round++) {
		memset(k, 0, 32);
		switch (round) {
		case 0:
			k[31] = 1;
			break;
		case 1:
			p256_n_minus(k, 1);
			break;
		case 2:
			/* Every 4-bit window 15 except the highest. */
			memset(k, 0xFF, 32);
			k[0] = 0x0F;
			break;
		case 3:
			/* Every window 0 except one in the middle. */
			k[16] = 0x80;
			break;
		case 4:
			/* Every 7-bit window 64: the largest digit without a carry (k < 2^253). */
			scalar_repeat_window(k, 7, 64, 1);
			break;
		case 5:
			/* Every 7-bit window 65: each becomes -63 and carries (k < 2^253). */
			scalar_repeat_window(k, 7, 65, 1);
			break;
		default:
			p256_random_scalar(k);
			break;
		}
		ck_assert_uint_eq(tls_ec_get()->mulgen(a, k, 32, BR_EC_secp256r1), 65);
		ck_assert_uint_eq(br_ec_p256_m31.mulgen(b, k, 32, BR_EC_secp256r1), 65);
		ck_assert_msg(memcmp(a, b, 65) == 0, "p256 mulgen differs, seed %016llx round %u",
				(unsigned long long)TEST_SEED, round);
	}
}
END_TEST

START_TEST(p256_muladd_matches_m31)
{
	uint8_t pa[65], pb[65], x[32], y[32], a[65], b[65];

	rng_state = TEST_SEED;
	for (unsigned round = 0; round < DIFF_ROUNDS / 2; round++) {
		const uint8_t *second = (round & 1) ? pb : NULL;
		uint32_t ok_ours, ok_ref;

		p256_random_point(pa);
		p256_random_point(pb);
		p256_random_scalar(x);
		p256_random_scalar(y);
		memcpy(a, pa, 65);
		memcpy(b, pa, 65);
		ok_ours = tls_ec_get()->muladd(a, second, 65, x, 32, y, 32, BR_EC_secp256r1);
		ok_ref = br_ec_p256_m31.muladd(b, second, 65, x, 32, y, 32, BR_EC_secp256r1);
		ck_assert_msg(ok_ours == 1 && ok_ref == 1,
				"p256 muladd failed (%u, %u), seed %016llx round %u", ok_ours, ok_ref,
				(unsigned long long)TEST_SEED, round);
		ck_assert_msg(memcmp(a, b, 65) == 0, "p256 muladd differs, seed %016llx round %u",
				(unsigned long long)TEST_SEED, round);
	}
}
END_TEST

START_TEST(p256_muladd_edge_cases)
{
	const br_ec_impl *impl = tls_ec_get();
	uint8_t g[65], a[65], b[65], one[32], zero[32], n1[32];
	size_t glen;

	memcpy(g, impl->generator(BR_EC_secp256r1, &glen), 65);
	memset(one, 0, 32);
	one[31] = 1;
	memset(zero, 0, 32);
	p256_n_minus(n1, 1);

	/* 1*G + 1*G = 2G: the addition meets the doubling case. */
	memcpy(a, g, 65);
	ck_assert_uint_eq(impl->muladd(a, NULL, 65, one, 32, one, 32, BR_EC_secp256r1), 1);
	memcpy(b, g, 65);
	one[31] = 2;
	ck_assert_uint_eq(br_ec_p256_m31.mul(b, 65, one, 32, BR_EC_secp256r1), 1);
	ck_assert_mem_eq(a, b, 65);
	one[31] = 1;

	/* 1*G + (n-1)*G is the point at infinity: an error. */
	memcpy(a, g, 65);
	ck_assert_uint_eq(impl->muladd(a, NULL, 65, one, 32, n1, 32, BR_EC_secp256r1), 0);

	/* BearSSL's muladd contract treats a zero multiplier as an error. */
	memcpy(a, g, 65);
	ck_assert_uint_eq(impl->muladd(a, NULL, 65, zero, 32, one, 32, BR_EC_secp256r1), 0);
	memcpy(a, g, 65);
	ck_assert_uint_eq(impl->muladd(a, g, 65, one, 32, zero, 32, BR_EC_secp256r1), 0);
}
END_TEST

/* ---- ECDSA P-256 with the 64-bit code ---- */

/* RFC 6979 appendix A.2.5: the P-256 key and the SHA-256 signatures of "sample" and "test". */
START_TEST(ecdsa_rfc6979_vectors)
{
	static const struct {
		const char *message, *r, *s;
	} vectors[] = {
		{ "sample", "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
		  "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8" },
		{ "test", "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
		  "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083" },
	};
	uint8_t x[32], q[65], pub[65], sig[64], hash[32];
	br_ec_private_key sk = { BR_EC_secp256r1, x, 32 };
	br_ec_public_key pk = { BR_EC_secp256r1, q, 65 };

	hex_decode(x, "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721", 32);
	q[0] = 0x04;
	hex_decode(q + 1, "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6", 32);
	hex_decode(q + 33, "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299", 32);
	ck_assert_uint_eq(br_ec_compute_pub(tls_ec_get(), NULL, pub, &sk), 65);
	ck_assert_mem_eq(pub, q, 65);

	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		br_sha256_context ctx;

		br_sha256_init(&ctx);
		br_sha256_update(&ctx, vectors[i].message, strlen(vectors[i].message));
		br_sha256_out(&ctx, hash);

		/* BearSSL's signer on the 64-bit code derives k as RFC 6979 section 3.2 describes. */
		ck_assert_uint_eq(br_ecdsa_i31_sign_raw(tls_ec_get(), &br_sha256_vtable, hash, &sk,
				sig), 64);
		assert_bytes(sig, vectors[i].r, 32);
		assert_bytes(sig + 32, vectors[i].s, 32);
		ck_assert_uint_eq(br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, hash, 32, &pk, sig, 64), 1);
		ck_assert_uint_eq(br_ecdsa_i31_vrfy_raw(tls_ec_get(), hash, 32, &pk, sig, 64), 1);

		/* libtls's own signer gives the same bytes. */
		memset(sig, 0, sizeof sig);
		ck_assert_uint_eq(tls_ecdsa_p256_sign_raw(&br_sha256_vtable, hash, &sk, sig), 64);
		assert_bytes(sig, vectors[i].r, 32);
		assert_bytes(sig + 32, vectors[i].s, 32);
	}
}
END_TEST

START_TEST(ecdsa_sign_verify_random_keys)
{
	uint8_t x[32], pub[65], hash[32], sig[80];
	br_ec_private_key sk = { BR_EC_secp256r1, x, 32 };
	br_ec_public_key pk = { BR_EC_secp256r1, pub, 65 };

	rng_state = TEST_SEED;
	for (unsigned round = 0; round < 50; round++) {
		size_t len;

		p256_random_scalar(x);
		rng_fill(hash, 32);
		ck_assert_uint_eq(br_ec_compute_pub(tls_ec_get(), NULL, pub, &sk), 65);

		/* Signed with the 64-bit code, verified by BearSSL's m31 and by the 64-bit code. */
		len = tls_ecdsa_sign_asn1(tls_ec_get(), &br_sha256_vtable, hash, &sk, sig);
		ck_assert_uint_gt(len, 0);
		ck_assert_msg(br_ecdsa_i31_vrfy_asn1(&br_ec_p256_m31, hash, 32, &pk, sig, len) == 1,
				"m31 rejects signature, seed %016llx round %u",
				(unsigned long long)TEST_SEED, round);
		ck_assert_uint_eq(br_ecdsa_i31_vrfy_asn1(tls_ec_get(), hash, 32, &pk, sig, len), 1);

		/* A changed hash must not verify. */
		hash[round % 32] ^= 0x01;
		ck_assert_uint_eq(br_ecdsa_i31_vrfy_asn1(tls_ec_get(), hash, 32, &pk, sig, len), 0);
	}
}
END_TEST

/*
 * libtls's signer against BearSSL's, which is deterministic: the same key
 * and hash must give the same signature with every hash function, whose
 * output is shorter than, equal to or longer than n.
 */
START_TEST(ecdsa_signer_matches_bearssl)
{
	static const br_hash_class *const hashes[] = {
		&br_sha1_vtable, &br_sha224_vtable, &br_sha256_vtable, &br_sha384_vtable,
		&br_sha512_vtable,
	};
	uint8_t x[32], hash[64], ours[80], ref[80];
	br_ec_private_key sk = { BR_EC_secp256r1, x, 32 };

	rng_state = TEST_SEED;
	for (unsigned round = 0; round < 100; round++) {
		const br_hash_class *hf = hashes[round % 5];
		size_t len_ours, len_ref;

		p256_random_scalar(x);
		rng_fill(hash, sizeof hash);
		len_ours = tls_ecdsa_sign_asn1(tls_ec_get(), hf, hash, &sk, ours);
		len_ref = br_ecdsa_i31_sign_asn1(&br_ec_p256_m31, hf, hash, &sk, ref);
		ck_assert_uint_gt(len_ref, 0);
		ck_assert_msg(len_ours == len_ref && memcmp(ours, ref, len_ref) == 0,
				"signatures differ, seed %016llx round %u",
				(unsigned long long)TEST_SEED, round);
	}
}
END_TEST

START_TEST(ecdsa_signer_rejects_bad_keys)
{
	uint8_t x[33], hash[32] = { 1 }, sig[80];
	br_ec_private_key sk = { BR_EC_secp256r1, x, 32 };

	/* Zero, n and a 33-byte key are not P-256 private keys. */
	memset(x, 0, sizeof x);
	ck_assert_uint_eq(tls_ecdsa_p256_sign_raw(&br_sha256_vtable, hash, &sk, sig), 0);
	memcpy(x, p256_n(), 32);
	ck_assert_uint_eq(tls_ecdsa_p256_sign_raw(&br_sha256_vtable, hash, &sk, sig), 0);
	sk.xlen = 33;
	ck_assert_uint_eq(tls_ecdsa_p256_sign_raw(&br_sha256_vtable, hash, &sk, sig), 0);
	sk.xlen = 32;
	sk.curve = BR_EC_secp384r1;
	ck_assert_uint_eq(tls_ecdsa_p256_sign_raw(&br_sha256_vtable, hash, &sk, sig), 0);

	/* A short key is a small integer: 1 works. */
	sk.curve = BR_EC_secp256r1;
	x[0] = 1;
	sk.xlen = 1;
	ck_assert_uint_eq(tls_ecdsa_p256_sign_raw(&br_sha256_vtable, hash, &sk, sig), 64);
}
END_TEST

/* Other curves go to BearSSL's default implementation unchanged. */
START_TEST(other_curves_delegated)
{
	const br_ec_impl *ours = tls_ec_get(), *ref = br_ec_get_default();
	uint8_t k[48], a[97], b[97];

	rng_state = TEST_SEED;
	rng_fill(k, sizeof k);
	k[0] &= 0x7F;
	ck_assert_uint_eq(ours->mulgen(a, k, sizeof k, BR_EC_secp384r1), 97);
	ck_assert_uint_eq(ref->mulgen(b, k, sizeof k, BR_EC_secp384r1), 97);
	ck_assert_mem_eq(a, b, 97);
}
END_TEST

/* State shared by the threads of the tls_once() test. */
#define ONCE_THREADS 4
static int once_state;
static int once_calls;
static int once_filled;
static pthread_barrier_t once_start;

/* Stands in for a table build: slow enough that the other threads arrive while it runs. */
static void once_slow_init(void)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	__atomic_add_fetch(&once_calls, 1, __ATOMIC_RELAXED);
	nanosleep(&pause, NULL);
	once_filled = 1;
}

static void *once_thread(void *arg)
{
	int *saw_filled = arg;

	pthread_barrier_wait(&once_start);
	tls_once(&once_state, once_slow_init);
	*saw_filled = once_filled;
	return NULL;
}

START_TEST(once_runs_init_once)
{
	pthread_t threads[ONCE_THREADS];
	int saw_filled[ONCE_THREADS] = { 0 };

	ck_assert_int_eq(pthread_barrier_init(&once_start, NULL, ONCE_THREADS), 0);
	for (int i = 0; i < ONCE_THREADS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, once_thread, &saw_filled[i]), 0);
	for (int i = 0; i < ONCE_THREADS; i++)
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
	pthread_barrier_destroy(&once_start);

	ck_assert_int_eq(once_calls, 1);
	for (int i = 0; i < ONCE_THREADS; i++)
		ck_assert_int_eq(saw_filled[i], 1);

	tls_once(&once_state, once_slow_init);
	ck_assert_int_eq(once_calls, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tls-ec");
	TCase *tc = tcase_create("ec");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, getenv("TLS_EC_SLOW") ? 3600 : 120);
	tcase_add_test(tc, x25519_rfc7748_vectors);
	tcase_add_test(tc, x25519_rfc7748_iterations);
	tcase_add_test(tc, x25519_rfc7748_diffie_hellman);
	tcase_add_test(tc, x25519_small_order_rejected);
	tcase_add_test(tc, x25519_mul_matches_m31);
	tcase_add_test(tc, x25519_mulgen_matches_m31);
	tcase_add_test(tc, x25519_base_matches_ladder);
	tcase_add_test(tc, x25519_conventions_match_m31);
	tcase_add_test(tc, p256_conventions_match_m31);
	tcase_add_test(tc, p256_mul_matches_m31);
	tcase_add_test(tc, p256_mul_edge_scalars);
	tcase_add_test(tc, p256_mul_rejects_invalid_points);
	tcase_add_test(tc, p256_mulgen_matches_m31);
	tcase_add_test(tc, p256_muladd_matches_m31);
	tcase_add_test(tc, p256_muladd_edge_cases);
	tcase_add_test(tc, ecdsa_rfc6979_vectors);
	tcase_add_test(tc, ecdsa_sign_verify_random_keys);
	tcase_add_test(tc, ecdsa_signer_matches_bearssl);
	tcase_add_test(tc, ecdsa_signer_rejects_bad_keys);
	tcase_add_test(tc, other_curves_delegated);
	tcase_add_test(tc, once_runs_init_once);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

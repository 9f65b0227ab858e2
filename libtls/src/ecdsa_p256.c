/*
 * ECDSA P-256 signing (FIPS 186-4 section 6.4, SEC 1 section 4.1.3) with
 * the nonce k derived from the key and the hash as RFC 6979 section 3.2
 * describes, so that signatures are deterministic, as BearSSL's are.
 *
 * BearSSL's signer computes k^-1 mod n with its generic 31-bit modular
 * exponentiation, which costs as much as the multiplication k*G itself.
 * Here the arithmetic modulo the group order n uses four 64-bit limbs in
 * Montgomery form, and k*G comes from tls_p256_mulgen().
 *
 * Constant time: the only branches on secret values are the retries when
 * k or r or s fall out of range, which happen with probability below 2^-32.
 */
#include <string.h>

#include "tls_ec.h"

#ifdef __SIZEOF_INT128__

typedef unsigned __int128 u128;
typedef uint64_t scalar[4];

/* The order n of G (SEC 2 section 2.4.2), little-endian limbs. */
static const scalar N = {
	UINT64_C(0xf3b9cac2fc632551), UINT64_C(0xbce6faada7179e84),
	UINT64_C(0xffffffffffffffff), UINT64_C(0xffffffff00000000),
};

/* n - 2: the exponent that inverts by Fermat's little theorem. */
static const scalar N_MINUS_2 = {
	UINT64_C(0xf3b9cac2fc63254f), UINT64_C(0xbce6faada7179e84),
	UINT64_C(0xffffffffffffffff), UINT64_C(0xffffffff00000000),
};

/* 2^512 mod n, which converts into Montgomery form. */
static const scalar RR = {
	UINT64_C(0x83244c95be79eea2), UINT64_C(0x4699799c49bd6fa6),
	UINT64_C(0x2845b2392b6bec59), UINT64_C(0x66e12d94f3d95620),
};

/* -1/n mod 2^64, the Montgomery reduction factor. */
#define N0_INV UINT64_C(0xccd1c8aaee00bc4f)

/* Returns all ones when x is 0, else 0. */
static uint64_t mask_is_zero(uint64_t x)
{
	return ((x | (0 - x)) >> 63) - 1;
}

/* r = t + carry*2^256 minus n once if that is at least n; the input must be below 2n. */
static void sc_reduce_once(scalar r, const scalar t, uint64_t carry)
{
	scalar s;
	uint64_t borrow = 0, keep;

#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		u128 d = (u128)t[i] - N[i] - borrow;

		s[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	keep = (0 - borrow) & ~(0 - carry);
	for (int i = 0; i < 4; i++)
		r[i] = (t[i] & keep) | (s[i] & ~keep);
}

static void sc_add(scalar r, const scalar a, const scalar b)
{
	scalar t;
	uint64_t carry = 0;

	for (int i = 0; i < 4; i++) {
		u128 s = (u128)a[i] + b[i] + carry;

		t[i] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	sc_reduce_once(r, t, carry);
}

/* Montgomery product r = a*b/2^256 mod n (operand scanning, word by word). */
static void sc_mul(scalar r, const scalar a, const scalar b)
{
	uint64_t t[6] = { 0, 0, 0, 0, 0, 0 };

#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		uint64_t carry = 0, m;
		u128 c;

#pragma GCC unroll 4
		for (int j = 0; j < 4; j++) {
			c = (u128)a[j] * b[i] + t[j] + carry;
			t[j] = (uint64_t)c;
			carry = (uint64_t)(c >> 64);
		}
		c = (u128)t[4] + carry;
		t[4] = (uint64_t)c;
		t[5] = (uint64_t)(c >> 64);

		m = t[0] * N0_INV;
		c = (u128)m * N[0] + t[0];
		carry = (uint64_t)(c >> 64);
#pragma GCC unroll 3
		for (int j = 1; j < 4; j++) {
			c = (u128)m * N[j] + t[j] + carry;
			t[j - 1] = (uint64_t)c;
			carry = (uint64_t)(c >> 64);
		}
		c = (u128)t[4] + carry;
		t[3] = (uint64_t)c;
		t[4] = t[5] + (uint64_t)(c >> 64);
	}
	sc_reduce_once(r, t, t[4]);
}

/*
 * r = a^(n-2) = 1/a in Montgomery form, with 4-bit windows of the
 * exponent: 252 squarings and at most 78 multiplications. The exponent is
 * public, so its digits may steer branches and pick table entries.
 */
static void sc_invert(scalar r, const scalar a)
{
	scalar powers[16], acc;

	memcpy(powers[1], a, sizeof powers[1]);
	for (int i = 2; i < 16; i++)
		sc_mul(powers[i], powers[i - 1], a);

	memcpy(acc, powers[(N_MINUS_2[3] >> 60) & 0x0F], sizeof acc);
	for (int i = 62; i >= 0; i--) {
		unsigned digit = (N_MINUS_2[i >> 4] >> ((i & 15) * 4)) & 0x0F;

		for (int j = 0; j < 4; j++)
			sc_mul(acc, acc, acc);
		if (digit != 0)
			sc_mul(acc, acc, powers[digit]);
	}
	memcpy(r, acc, sizeof acc);
	tls_wipe(powers, sizeof powers);
}

/*
 * Loads a big-endian integer of at most 32 bytes (the leftmost 32 when
 * longer, as bits2int of RFC 6979 section 2.3.2 takes for a 256-bit n).
 * Returns all ones when the value is below n, else 0.
 */
static uint64_t sc_decode(scalar r, const uint8_t *in, size_t len)
{
	uint8_t buf[32];
	uint64_t borrow = 0;

	if (len > 32)
		len = 32;
	memset(buf, 0, sizeof buf);
	memcpy(buf + 32 - len, in, len);
	for (int i = 0; i < 4; i++) {
		uint64_t w = 0;

		for (int j = 0; j < 8; j++)
			w = (w << 8) | buf[(3 - i) * 8 + j];
		r[i] = w;
	}
	for (int i = 0; i < 4; i++) {
		u128 d = (u128)r[i] - N[i] - borrow;

		borrow = (uint64_t)(d >> 64) & 1;
	}
	tls_wipe(buf, sizeof buf);
	return 0 - borrow;
}

static void sc_encode(uint8_t out[32], const scalar a)
{
	for (int i = 0; i < 4; i++) {
		for (int j = 0; j < 8; j++)
			out[(3 - i) * 8 + j] = (uint8_t)(a[i] >> (56 - 8 * j));
	}
}

static uint64_t sc_mask_is_zero(const scalar a)
{
	return mask_is_zero(a[0] | a[1] | a[2] | a[3]);
}

/* Montgomery form of a (any value below 2n): a*2^256 mod n. */
static void sc_to_mont(scalar r, const scalar a)
{
	scalar t;

	sc_reduce_once(t, a, 0);
	sc_mul(r, t, RR);
}

static void sc_from_mont(scalar r, const scalar a)
{
	static const scalar one = { 1, 0, 0, 0 };

	sc_mul(r, a, one);
}

/*
 * Computes one signature with the nonce `k` (1 <= k < n). Returns 1, or 0
 * when r or s is zero and a new k is needed.
 */
static int sign_with_nonce(uint8_t sig[64], const scalar d_mont, const scalar e_mont,
		const uint8_t k_bytes[32])
{
	uint8_t point[65];
	scalar k, r, s, t;
	uint64_t zero;

	/* r = x(k*G) mod n; x < p < 2n, so one subtraction reduces it. */
	tls_p256_mulgen(point, k_bytes, 32);
	sc_decode(r, point + 1, 32);
	sc_reduce_once(r, r, 0);

	/* s = (e + r*d) / k mod n, computed in Montgomery form. */
	sc_decode(k, k_bytes, 32);
	sc_to_mont(k, k);
	sc_invert(k, k);
	sc_to_mont(t, r);
	sc_mul(t, t, d_mont);
	sc_add(t, t, e_mont);
	sc_mul(s, t, k);
	sc_from_mont(s, s);

	sc_encode(sig, r);
	sc_encode(sig + 32, s);
	zero = sc_mask_is_zero(r) | sc_mask_is_zero(s);
	tls_wipe(k, sizeof k);
	tls_wipe(t, sizeof t);
	tls_wipe(point, sizeof point);
	return (int)(~zero & 1);
}

size_t tls_ecdsa_p256_sign_raw(const br_hash_class *hf, const void *hash,
		const br_ec_private_key *sk, void *sig)
{
	size_t hash_len = (hf->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
	uint8_t seed[64], k_bytes[32];
	scalar d, d_mont, e, e_mont, k;
	br_hmac_drbg_context drbg;
	uint64_t ok;
	int done = 0;

	if (sk->curve != BR_EC_secp256r1 || sk->xlen == 0 || sk->xlen > 32)
		return 0;
	ok = sc_decode(d, sk->x, sk->xlen) & ~sc_mask_is_zero(d);

	/* e = bits2int(H(m)) mod n; bits2int keeps the leftmost 256 bits. */
	sc_decode(e, hash, hash_len);
	sc_reduce_once(e, e, 0);
	sc_to_mont(d_mont, d);
	sc_to_mont(e_mont, e);

	/*
	 * RFC 6979 section 3.2: HMAC_DRBG over the hash of the message, seeded
	 * with int2octets(x) || bits2octets(h1) and no personalization; each
	 * candidate k is the next 256 bits it generates.
	 */
	sc_encode(seed, d);
	sc_encode(seed + 32, e);
	br_hmac_drbg_init(&drbg, hf, seed, sizeof seed);
	while (!done) {
		br_hmac_drbg_generate(&drbg, k_bytes, sizeof k_bytes);
		if (!(sc_decode(k, k_bytes, 32) & ~sc_mask_is_zero(k) & 1))
			continue;
		done = sign_with_nonce(sig, d_mont, e_mont, k_bytes);
	}

	tls_wipe(seed, sizeof seed);
	tls_wipe(k_bytes, sizeof k_bytes);
	tls_wipe(d, sizeof d);
	tls_wipe(d_mont, sizeof d_mont);
	tls_wipe(k, sizeof k);
	tls_wipe(&drbg, sizeof drbg);
	return (ok & 1) ? 64 : 0;
}

size_t tls_ecdsa_sign_asn1(const br_ec_impl *impl, const br_hash_class *hf, const void *hash,
		const br_ec_private_key *sk, void *sig)
{
	if (sk->curve != BR_EC_secp256r1 || impl != tls_ec_get())
		return br_ecdsa_sign_asn1_get_default()(impl, hf, hash, sk, sig);
	if (tls_ecdsa_p256_sign_raw(hf, hash, sk, sig) == 0)
		return 0;
	return br_ecdsa_raw_to_asn1(sig, 64);
}

#else

size_t tls_ecdsa_sign_asn1(const br_ec_impl *impl, const br_hash_class *hf, const void *hash,
		const br_ec_private_key *sk, void *sig)
{
	return br_ecdsa_sign_asn1_get_default()(impl, hf, hash, sk, sig);
}

#endif

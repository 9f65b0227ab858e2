/*
 * NIST P-256 (secp256r1) point multiplication with 64-bit limbs and 128-bit
 * products.
 *
 * Curve (SEC 2 section 2.4.2, SP 800-186 section 3.2.1.3):
 * y^2 = x^3 - 3x + b over p = 2^256 - 2^224 + 2^192 + 2^96 - 1.
 *
 * Field elements are four little-endian 64-bit limbs in Montgomery form
 * (a*2^256 mod p), always fully reduced below p. Points are homogeneous
 * projective (X:Y:Z), x = X/Z and y = Y/Z, with (0:1:0) the point at
 * infinity. The addition and doubling are the complete formulas for a = -3
 * of Renes, Costello and Batina ("Complete addition formulas for prime
 * order elliptic curves", IACR ePrint 2015/1060). They give the right sum
 * for every pair of inputs, doubling and infinity included, so the scalar
 * multiplications below never branch on a point.
 *
 * Constant time: no branch and no memory index depends on a scalar or a
 * coordinate. Table entries are chosen by reading every entry and keeping
 * one with a mask. Branches depend only on lengths and on the public
 * exponent of the inversion.
 */
#include <string.h>

#include "tls_ec.h"

#ifdef __SIZEOF_INT128__

typedef unsigned __int128 u128;
typedef uint64_t fp[4];

struct point {
	fp x, y, z;
};

/* An affine point of the fixed-base table, coordinates in Montgomery form. */
struct affine {
	fp x, y;
};

static const fp P = {
	UINT64_C(0xffffffffffffffff), UINT64_C(0x00000000ffffffff),
	UINT64_C(0x0000000000000000), UINT64_C(0xffffffff00000001),
};

/* 2^512 mod p: multiplying by it converts into Montgomery form. */
static const fp RR = {
	UINT64_C(0x0000000000000003), UINT64_C(0xfffffffbffffffff),
	UINT64_C(0xfffffffffffffffe), UINT64_C(0x00000004fffffffd),
};

static const fp ZERO = { 0, 0, 0, 0 };

/* 1 in Montgomery form (2^256 mod p). */
static const fp ONE = {
	UINT64_C(0x0000000000000001), UINT64_C(0xffffffff00000000),
	UINT64_C(0xffffffffffffffff), UINT64_C(0x00000000fffffffe),
};

/* The curve's b in Montgomery form. */
static const fp B = {
	UINT64_C(0xd89cdf6229c4bddf), UINT64_C(0xacf005cd78843090),
	UINT64_C(0xe5a220abf7212ed6), UINT64_C(0xdc30061d04874834),
};

/* The uncompressed generator G and the group order n (SEC 2 section 2.4.2). */
static const uint8_t GENERATOR[65] = {
	0x04,
	0x6B, 0x17, 0xD1, 0xF2, 0xE1, 0x2C, 0x42, 0x47, 0xF8, 0xBC, 0xE6, 0xE5, 0x63, 0xA4, 0x40, 0xF2,
	0x77, 0x03, 0x7D, 0x81, 0x2D, 0xEB, 0x33, 0xA0, 0xF4, 0xA1, 0x39, 0x45, 0xD8, 0x98, 0xC2, 0x96,
	0x4F, 0xE3, 0x42, 0xE2, 0xFE, 0x1A, 0x7F, 0x9B, 0x8E, 0xE7, 0xEB, 0x4A, 0x7C, 0x0F, 0x9E, 0x16,
	0x2B, 0xCE, 0x33, 0x57, 0x6B, 0x31, 0x5E, 0xCE, 0xCB, 0xB6, 0x40, 0x68, 0x37, 0xBF, 0x51, 0xF5,
};

static const uint8_t ORDER[32] = {
	0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
};

/*
 * Signed GEN_WIDTH-bit windows of a 256-bit scalar for the fixed-base
 * table. The top window contains the last bits and a carry and stays at
 * most GEN_DIGIT_MAX, so the recoding never carries out of it.
 */
#define GEN_WIDTH 7
#define GEN_WINDOWS (256 / GEN_WIDTH + 1)
#define GEN_DIGIT_MAX (1 << (GEN_WIDTH - 1))

/*
 * The fixed-base table: entry [i][d - 1] is d * 128^i * G in affine form,
 * for windows i = 0..36 and digit magnitudes d = 1..64. 148 KiB, built on
 * the first call of tls_p256_mulgen() and never changed afterwards. Wider
 * windows mean fewer additions but longer lookups: 5-, 6- and 7-bit
 * windows signed in 61, 56 and 53 us in bench/tls/bearssl_speed.c.
 */
static struct affine gen_table[GEN_WINDOWS][GEN_DIGIT_MAX];
static int gen_table_once;

/*
 * Add and subtract with carry. The overflow built-ins of GCC and Clang
 * compile to add-with-carry chains, where 128-bit sums often do not.
 */
static inline uint64_t add_carry(uint64_t a, uint64_t b, uint64_t *carry)
{
	uint64_t sum;
	uint64_t c1 = __builtin_add_overflow(a, b, &sum);
	uint64_t c2 = __builtin_add_overflow(sum, *carry, &sum);

	*carry = c1 | c2;
	return sum;
}

static inline uint64_t sub_borrow(uint64_t a, uint64_t b, uint64_t *borrow)
{
	uint64_t diff;
	uint64_t b1 = __builtin_sub_overflow(a, b, &diff);
	uint64_t b2 = __builtin_sub_overflow(diff, *borrow, &diff);

	*borrow = b1 | b2;
	return diff;
}

/* Returns all ones when `x` is 0 and 0 otherwise. */
static uint64_t mask_is_zero(uint64_t x)
{
	return ((x | (0 - x)) >> 63) - 1;
}

/* Returns all ones when a == b and 0 otherwise. */
static uint64_t mask_equal(uint64_t a, uint64_t b)
{
	return mask_is_zero(a ^ b);
}

/*
 * r = t + carry*2^256 reduced once by p. The input must be below 2p, which
 * holds for sums of two reduced values and for Montgomery products.
 */
static void fp_reduce_once(fp r, const fp t, uint64_t carry)
{
	fp s;
	uint64_t borrow = 0, keep;

#pragma GCC unroll 4
	for (int i = 0; i < 4; i++)
		s[i] = sub_borrow(t[i], P[i], &borrow);

	/* Keep t when t < p: no carry out and a borrow from t - p. */
	keep = (0 - borrow) & ~(0 - carry);
	for (int i = 0; i < 4; i++)
		r[i] = (t[i] & keep) | (s[i] & ~keep);
}

static void fp_add(fp r, const fp a, const fp b)
{
	fp t;
	uint64_t carry = 0;

#pragma GCC unroll 4
	for (int i = 0; i < 4; i++)
		t[i] = add_carry(a[i], b[i], &carry);
	fp_reduce_once(r, t, carry);
}

static void fp_sub(fp r, const fp a, const fp b)
{
	uint64_t borrow = 0, mask, carry = 0;

#pragma GCC unroll 4
	for (int i = 0; i < 4; i++)
		r[i] = sub_borrow(a[i], b[i], &borrow);

	/* A borrow means a < b: add p back. */
	mask = 0 - borrow;
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++)
		r[i] = add_carry(r[i], P[i] & mask, &carry);
}

/*
 * Montgomery product r = a*b/2^256 mod p: the 512-bit product, then four
 * steps that each add m*p to clear the lowest word and drop it. Because
 * p = -1 mod 2^64, m is that word itself, and m*p needs only two
 * multiplications: m*p[0] + word = m*2^64 exactly, p[2] = 0, and the
 * products with p[1] and p[3] remain.
 */
static void fp_mul(fp r, const fp a, const fp b)
{
	uint64_t t[9];
	u128 c;

	/* Schoolbook product into t[0..7]. */
	memset(t, 0, sizeof t);
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		uint64_t carry = 0;

#pragma GCC unroll 4
		for (int j = 0; j < 4; j++) {
			c = (u128)a[j] * b[i] + t[i + j] + carry;
			t[i + j] = (uint64_t)c;
			carry = (uint64_t)(c >> 64);
		}
		t[i + 4] = carry;
	}

	/* Montgomery reduction, one word per step; t[8] collects the last carry. */
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		uint64_t m = t[i], carry;

		c = (u128)m * P[1] + t[i + 1] + m;
		t[i + 1] = (uint64_t)c;
		carry = (uint64_t)(c >> 64);
		c = (u128)t[i + 2] + carry;
		t[i + 2] = (uint64_t)c;
		carry = (uint64_t)(c >> 64);
		c = (u128)m * P[3] + t[i + 3] + carry;
		t[i + 3] = (uint64_t)c;
		carry = (uint64_t)(c >> 64);
#pragma GCC unroll 5
		for (int j = i + 4; j < 9; j++) {
			c = (u128)t[j] + carry;
			t[j] = (uint64_t)c;
			carry = (uint64_t)(c >> 64);
		}
	}
	fp_reduce_once(r, t + 4, t[8]);
}

static void fp_sq(fp r, const fp a)
{
	fp_mul(r, a, a);
}

static void fp_sq_n(fp r, const fp a, int n)
{
	fp_sq(r, a);
	for (int i = 1; i < n; i++)
		fp_sq(r, r);
}

/*
 * r = a^(p-2) = 1/a, and 0 for a = 0. Written from the top, p - 2 is 32
 * ones, 31 zeros and a one, 96 zeros, 94 ones, a zero and a one, so the
 * chain builds a^(2^k - 1) for k = 2, 4, 6, 8, 14, 16, 30 and 32 and then
 * appends those runs: 255 squarings and 13 multiplications. The exponent
 * is public.
 */
static void fp_invert(fp r, const fp a)
{
	fp x2, x4, x6, x8, x14, x16, x30, x32, acc;

	fp_sq(x2, a);
	fp_mul(x2, x2, a);
	fp_sq_n(x4, x2, 2);
	fp_mul(x4, x4, x2);
	fp_sq_n(x6, x4, 2);
	fp_mul(x6, x6, x2);
	fp_sq_n(x8, x6, 2);
	fp_mul(x8, x8, x2);
	fp_sq_n(x14, x8, 6);
	fp_mul(x14, x14, x6);
	fp_sq_n(x16, x14, 2);
	fp_mul(x16, x16, x2);
	fp_sq_n(x30, x16, 14);
	fp_mul(x30, x30, x14);
	fp_sq_n(x32, x30, 2);
	fp_mul(x32, x32, x2);

	/* ffffffff 00000001, then 96 zero bits. */
	fp_sq_n(acc, x32, 32);
	fp_mul(acc, acc, a);
	fp_sq_n(acc, acc, 96);

	/* ffffffff ffffffff fffffffd: 94 ones, a zero, a one. */
	fp_sq_n(acc, acc, 32);
	fp_mul(acc, acc, x32);
	fp_sq_n(acc, acc, 32);
	fp_mul(acc, acc, x32);
	fp_sq_n(acc, acc, 30);
	fp_mul(acc, acc, x30);
	fp_sq_n(acc, acc, 2);
	fp_mul(r, acc, a);
}

static uint64_t fp_mask_is_zero(const fp a)
{
	return mask_is_zero(a[0] | a[1] | a[2] | a[3]);
}

static uint64_t fp_mask_equal(const fp a, const fp b)
{
	return mask_is_zero((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]));
}

/* r = a when mask is all ones, unchanged when it is 0. */
static void fp_select(fp r, const fp a, uint64_t mask)
{
	for (int i = 0; i < 4; i++)
		r[i] = (r[i] & ~mask) | (a[i] & mask);
}

/*
 * Decodes 32 big-endian bytes into Montgomery form. Returns all ones when
 * the value is below p, else 0 (and `r` then contains a reduced but wrong value).
 */
static uint64_t fp_decode(fp r, const uint8_t in[32])
{
	fp t;
	uint64_t borrow = 0;

	for (int i = 0; i < 4; i++) {
		uint64_t w = 0;

		for (int j = 0; j < 8; j++)
			w = (w << 8) | in[(3 - i) * 8 + j];
		t[i] = w;
	}
	for (int i = 0; i < 4; i++) {
		u128 d = (u128)t[i] - P[i] - borrow;

		borrow = (uint64_t)(d >> 64) & 1;
	}
	fp_reduce_once(t, t, 0);
	fp_mul(r, t, RR);
	return 0 - borrow;
}

/* Encodes the plain (not Montgomery) value of `a` in 32 big-endian bytes. */
static void fp_encode(uint8_t out[32], const fp a)
{
	static const fp plain_one = { 1, 0, 0, 0 };
	fp t;

	fp_mul(t, a, plain_one);
	for (int i = 0; i < 4; i++) {
		for (int j = 0; j < 8; j++)
			out[(3 - i) * 8 + j] = (uint8_t)(t[i] >> (56 - 8 * j));
	}
}

static void point_set_infinity(struct point *r)
{
	memset(r->x, 0, sizeof r->x);
	memcpy(r->y, ONE, sizeof r->y);
	memset(r->z, 0, sizeof r->z);
}

/* r = a + b for any two points, with the complete addition for a = -3. */
static void point_add(struct point *r, const struct point *a, const struct point *b)
{
	fp t0, t1, t2, t3, t4, x3, y3, z3;

	fp_mul(t0, a->x, b->x);
	fp_mul(t1, a->y, b->y);
	fp_mul(t2, a->z, b->z);
	fp_add(t3, a->x, a->y);
	fp_add(t4, b->x, b->y);
	fp_mul(t3, t3, t4);
	fp_add(t4, t0, t1);
	fp_sub(t3, t3, t4);
	fp_add(t4, a->y, a->z);
	fp_add(x3, b->y, b->z);
	fp_mul(t4, t4, x3);
	fp_add(x3, t1, t2);
	fp_sub(t4, t4, x3);
	fp_add(x3, a->x, a->z);
	fp_add(y3, b->x, b->z);
	fp_mul(x3, x3, y3);
	fp_add(y3, t0, t2);
	fp_sub(y3, x3, y3);
	fp_mul(z3, B, t2);
	fp_sub(x3, y3, z3);
	fp_add(z3, x3, x3);
	fp_add(x3, x3, z3);
	fp_sub(z3, t1, x3);
	fp_add(x3, t1, x3);
	fp_mul(y3, B, y3);
	fp_add(t1, t2, t2);
	fp_add(t2, t1, t2);
	fp_sub(y3, y3, t2);
	fp_sub(y3, y3, t0);
	fp_add(t1, y3, y3);
	fp_add(y3, t1, y3);
	fp_add(t1, t0, t0);
	fp_add(t0, t1, t0);
	fp_sub(t0, t0, t2);
	fp_mul(t1, t4, y3);
	fp_mul(t2, t0, y3);
	fp_mul(y3, x3, z3);
	fp_add(y3, y3, t2);
	fp_mul(x3, t3, x3);
	fp_sub(x3, x3, t1);
	fp_mul(z3, t4, z3);
	fp_mul(t1, t3, t0);
	fp_add(z3, z3, t1);

	memcpy(r->x, x3, sizeof x3);
	memcpy(r->y, y3, sizeof y3);
	memcpy(r->z, z3, sizeof z3);
}

/* r = 2a for any point, with the complete doubling for a = -3. */
static void point_double(struct point *r, const struct point *a)
{
	fp t0, t1, t2, t3, x3, y3, z3;

	fp_sq(t0, a->x);
	fp_sq(t1, a->y);
	fp_sq(t2, a->z);
	fp_mul(t3, a->x, a->y);
	fp_add(t3, t3, t3);
	fp_mul(z3, a->x, a->z);
	fp_add(z3, z3, z3);
	fp_mul(y3, B, t2);
	fp_sub(y3, y3, z3);
	fp_add(x3, y3, y3);
	fp_add(y3, x3, y3);
	fp_sub(x3, t1, y3);
	fp_add(y3, t1, y3);
	fp_mul(y3, x3, y3);
	fp_mul(x3, x3, t3);
	fp_add(t3, t2, t2);
	fp_add(t2, t2, t3);
	fp_mul(z3, B, z3);
	fp_sub(z3, z3, t2);
	fp_sub(z3, z3, t0);
	fp_add(t3, z3, z3);
	fp_add(z3, z3, t3);
	fp_add(t3, t0, t0);
	fp_add(t0, t3, t0);
	fp_sub(t0, t0, t2);
	fp_mul(t0, t0, z3);
	fp_add(y3, y3, t0);
	fp_mul(t0, a->y, a->z);
	fp_add(t0, t0, t0);
	fp_mul(z3, t0, z3);
	fp_sub(x3, x3, z3);
	fp_mul(z3, t0, t1);
	fp_add(z3, z3, z3);
	fp_add(z3, z3, z3);

	memcpy(r->x, x3, sizeof x3);
	memcpy(r->y, y3, sizeof y3);
	memcpy(r->z, z3, sizeof z3);
}

/*
 * Decodes an uncompressed point (0x04, X, Y: SEC 1 section 2.3.4). Returns
 * all ones for a point on the curve, else 0. Every check runs whatever the
 * input, so timing does not tell which one failed. P-256 has cofactor 1, so
 * every point on the curve is in the subgroup of G.
 */
static uint64_t point_decode(struct point *r, const uint8_t *in, size_t len)
{
	fp lhs, rhs, t;
	uint64_t ok;

	if (len != 65) {
		point_set_infinity(r);
		return 0;
	}
	ok = mask_equal(in[0], 0x04);
	ok &= fp_decode(r->x, in + 1);
	ok &= fp_decode(r->y, in + 33);
	memcpy(r->z, ONE, sizeof r->z);

	/* y^2 = x^3 - 3x + b */
	fp_sq(lhs, r->y);
	fp_sq(rhs, r->x);
	fp_mul(rhs, rhs, r->x);
	fp_add(t, r->x, r->x);
	fp_add(t, t, r->x);
	fp_sub(rhs, rhs, t);
	fp_add(rhs, rhs, B);
	ok &= fp_mask_equal(lhs, rhs);
	return ok;
}

/*
 * Writes the affine point as 0x04, x, y (65 bytes). Returns all ones, or 0
 * for the point at infinity, which has no encoding (the bytes are then
 * those of (0, 0)).
 */
static uint64_t point_encode(uint8_t out[65], const struct point *a)
{
	fp zinv, x, y;

	fp_invert(zinv, a->z);
	fp_mul(x, a->x, zinv);
	fp_mul(y, a->y, zinv);
	out[0] = 0x04;
	fp_encode(out + 1, x);
	fp_encode(out + 33, y);
	return ~fp_mask_is_zero(a->z);
}

/*
 * Copies the big-endian scalar `x` into 32 bytes, zero-padded on the left.
 * Returns all ones, or 0 when bytes beyond the last 32 are not all zero
 * (a scalar of 2^256 or more cannot be below the order).
 */
static uint64_t scalar_load(uint8_t k[32], const uint8_t *x, size_t xlen)
{
	uint8_t high = 0;

	memset(k, 0, 32);
	while (xlen > 32) {
		high |= *x++;
		xlen--;
	}
	memcpy(k + 32 - xlen, x, xlen);
	return mask_is_zero(high);
}

/* Returns 4-bit window `i` of the big-endian scalar, window 0 being the lowest. */
static unsigned scalar_window(const uint8_t k[32], int i)
{
	return (k[31 - (i >> 1)] >> ((i & 1) * 4)) & 0x0F;
}

/* Sets r = table[index] by reading all 16 entries. */
static void point_lookup(struct point *r, const struct point table[16], unsigned index)
{
	memset(r, 0, sizeof *r);
	for (unsigned j = 0; j < 16; j++) {
		uint64_t mask = mask_equal(j, index);

		fp_select(r->x, table[j].x, mask);
		fp_select(r->y, table[j].y, mask);
		fp_select(r->z, table[j].z, mask);
	}
}

/* r = k*a with fixed 4-bit windows: 252 doublings and 64 additions. */
static void point_mul(struct point *r, const struct point *a, const uint8_t k[32])
{
	struct point table[16], acc, t;

	point_set_infinity(&table[0]);
	table[1] = *a;
	for (int j = 2; j < 16; j += 2) {
		point_double(&table[j], &table[j / 2]);
		point_add(&table[j + 1], &table[j], a);
	}

	point_set_infinity(&acc);
	for (int i = 63; i >= 0; i--) {
		if (i != 63) {
			for (int d = 0; d < 4; d++)
				point_double(&acc, &acc);
		}
		point_lookup(&t, table, scalar_window(k, i));
		point_add(&acc, &acc, &t);
	}
	*r = acc;
	tls_wipe(table, sizeof table);
	tls_wipe(&t, sizeof t);
}

/*
 * Converts `count` projective points (none at infinity, count at most
 * GEN_DIGIT_MAX) to affine with one inversion.
 */
static void batch_to_affine(struct affine *out, const struct point *in, size_t count)
{
	fp prefix[GEN_DIGIT_MAX], inv, t;

	memcpy(prefix[0], in[0].z, sizeof prefix[0]);
	for (size_t i = 1; i < count; i++)
		fp_mul(prefix[i], prefix[i - 1], in[i].z);
	fp_invert(inv, prefix[count - 1]);

	for (size_t i = count; i-- > 0;) {
		fp zinv;

		if (i > 0) {
			fp_mul(zinv, inv, prefix[i - 1]);
			fp_mul(inv, inv, in[i].z);
		} else {
			memcpy(zinv, inv, sizeof zinv);
		}
		fp_mul(out[i].x, in[i].x, zinv);
		fp_mul(t, in[i].y, zinv);
		memcpy(out[i].y, t, sizeof t);
	}
}

/* Fills gen_table from G; public data only, so it needs no care for timing. */
static void gen_table_build(void)
{
	struct point base, row[GEN_DIGIT_MAX];

	point_decode(&base, GENERATOR, sizeof GENERATOR);
	for (int i = 0; i < GEN_WINDOWS; i++) {
		row[0] = base;
		for (int d = 1; d < GEN_DIGIT_MAX; d++)
			point_add(&row[d], &row[d - 1], &base);
		batch_to_affine(gen_table[i], row, GEN_DIGIT_MAX);
		for (int d = 0; d < GEN_WIDTH; d++)
			point_double(&base, &base);
	}
}

/*
 * Recodes k into 37 signed digits, k = sum of digit[i] * 128^i with each
 * digit in -63..64: a 7-bit window above 64 becomes window - 128 and
 * carries one into the next window. The top window contains bits 252 to 255
 * plus a carry, so it never carries out. No branch depends on k.
 */
static void scalar_recode(int32_t digit[GEN_WINDOWS], const uint8_t k[32])
{
	uint32_t carry = 0;

	for (int i = 0; i < GEN_WINDOWS; i++) {
		int bit = GEN_WIDTH * i;
		int byte = 31 - (bit >> 3);
		uint32_t pair = k[byte];
		uint32_t w;

		if (byte > 0)
			pair |= (uint32_t)k[byte - 1] << 8;
		w = ((pair >> (bit & 7)) & ((1u << GEN_WIDTH) - 1)) + carry;

		/* w is 0..2 * GEN_DIGIT_MAX; carry is 1 exactly when w > GEN_DIGIT_MAX. */
		carry = (uint32_t)(GEN_DIGIT_MAX - w) >> 31;
		digit[i] = (int32_t)w - (int32_t)(carry << GEN_WIDTH);
	}
}

/*
 * Sets t to digit * 128^i * G in projective form by reading every entry of
 * window i, negating y for a negative digit and giving the point at
 * infinity for digit 0.
 */
static void gen_lookup(struct point *t, int i, int32_t digit)
{
	uint64_t negative = 0 - (uint64_t)((uint32_t)digit >> 31);
	uint64_t magnitude = (uint64_t)(((uint32_t)digit ^ (uint32_t)negative) - (uint32_t)negative);
	uint64_t zero = mask_is_zero(magnitude);
	fp neg_y;

	memset(t, 0, sizeof *t);
	for (unsigned j = 0; j < GEN_DIGIT_MAX; j++) {
		uint64_t mask = mask_equal(j + 1, magnitude);

		fp_select(t->x, gen_table[i][j].x, mask);
		fp_select(t->y, gen_table[i][j].y, mask);
	}
	fp_sub(neg_y, ZERO, t->y);
	fp_select(t->y, neg_y, negative);
	memcpy(t->z, ONE, sizeof t->z);
	fp_select(t->y, ONE, zero);
	fp_select(t->z, ZERO, zero);
	tls_wipe(neg_y, sizeof neg_y);
}

/*
 * r = k*G as a sum of one table entry per signed 7-bit digit: 37
 * complete additions and no doubling.
 */
static void point_mulgen(struct point *r, const uint8_t k[32])
{
	struct point acc, t;
	int32_t digit[GEN_WINDOWS];

	tls_once(&gen_table_once, gen_table_build);

	scalar_recode(digit, k);
	point_set_infinity(&acc);
	for (int i = 0; i < GEN_WINDOWS; i++) {
		gen_lookup(&t, i, digit[i]);
		point_add(&acc, &acc, &t);
	}
	*r = acc;
	tls_wipe(&t, sizeof t);
	tls_wipe(digit, sizeof digit);
}

const uint8_t *tls_p256_generator(size_t *len)
{
	*len = sizeof GENERATOR;
	return GENERATOR;
}

const uint8_t *tls_p256_order(size_t *len)
{
	*len = sizeof ORDER;
	return ORDER;
}

uint32_t tls_p256_mul(uint8_t *point, size_t len, const uint8_t *x, size_t xlen)
{
	struct point a;
	uint8_t k[32];
	uint64_t ok;

	ok = point_decode(&a, point, len);
	if (len != 65)
		return 0;
	ok &= scalar_load(k, x, xlen);
	point_mul(&a, &a, k);
	ok &= point_encode(point, &a);
	tls_wipe(k, sizeof k);
	return (uint32_t)(ok & 1);
}

size_t tls_p256_mulgen(uint8_t *out, const uint8_t *x, size_t xlen)
{
	struct point a;
	uint8_t k[32];

	scalar_load(k, x, xlen);
	point_mulgen(&a, k);
	point_encode(out, &a);
	tls_wipe(k, sizeof k);
	return 65;
}

uint32_t tls_p256_muladd(uint8_t *a, const uint8_t *b, size_t len, const uint8_t *x,
		size_t xlen, const uint8_t *y, size_t ylen)
{
	struct point pa, pb, sum;
	uint8_t kx[32], ky[32];
	uint64_t ok, nonzero_x = 0, nonzero_y = 0;

	ok = point_decode(&pa, a, len);
	if (len != 65)
		return 0;
	ok &= scalar_load(kx, x, xlen);
	ok &= scalar_load(ky, y, ylen);
	for (int i = 0; i < 32; i++) {
		nonzero_x |= kx[i];
		nonzero_y |= ky[i];
	}
	ok &= ~mask_is_zero(nonzero_x) & ~mask_is_zero(nonzero_y);

	point_mul(&pa, &pa, kx);
	if (b == NULL) {
		point_mulgen(&pb, ky);
	} else {
		ok &= point_decode(&pb, b, len);
		point_mul(&pb, &pb, ky);
	}
	point_add(&sum, &pa, &pb);
	ok &= point_encode(a, &sum);
	tls_wipe(kx, sizeof kx);
	tls_wipe(ky, sizeof ky);
	return (uint32_t)(ok & 1);
}

#endif

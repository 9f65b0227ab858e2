/*
 * X25519 (RFC 7748 section 5) with 64-bit limbs and 128-bit products.
 *
 * A field element modulo p = 2^255 - 19 is five limbs of 51 bits, value
 * f[0] + f[1]*2^51 + ... + f[4]*2^204. Limbs may run a few bits over 51
 * between operations: fe_mul() and fe_sq() accept limbs below 2^54 and
 * return limbs below 2^52, and fe_add() of two such results stays below
 * 2^53. fe_sub() adds 4p (limbs of about 2^53) first, so it never
 * underflows when its second operand is below 2^53, and with a first
 * operand below 2^53 its result stays below 2^54, ready for a
 * multiplication. Every fe_sub() here takes a product, a constant or a
 * sum of two products as its first operand, and a product or a constant
 * as its second. Only fe_encode() reduces to the canonical value below p.
 *
 * Every step runs the same instructions whatever the scalar and the point:
 * the ladder swaps with masks, the fixed-base table is read whole, and the
 * exponent of the inversion is public.
 *
 * Key generation (the base point u = 9 times a scalar) does not run the
 * ladder. Curve25519 is birationally equivalent to the twisted Edwards
 * curve edwards25519, -x^2 + y^2 = 1 + d*x^2*y^2 with d = -121665/121666
 * (RFC 7748 section 4.1), and u = (1 + y) / (1 - y) maps its points to
 * Montgomery u-coordinates, taking the Edwards base point (y = 4/5) to
 * u = 9. So k*9 is computed there as a sum of 52 precomputed multiples of
 * the base point, one per signed 5-bit digit of k. The addition in extended
 * coordinates is the one RFC 8032 uses for Ed25519 (point_add in its
 * section 6). It has no exceptional cases on this curve, because d is not
 * a square.
 */
#include <string.h>

#include "tls_ec.h"

#ifdef __SIZEOF_INT128__

typedef unsigned __int128 u128;

#define LIMB_MASK ((UINT64_C(1) << 51) - 1)

/* (A - 2) / 4 for Curve25519's A = 486662 (RFC 7748 section 5). */
#define A24 121665

typedef uint64_t fe[5];

static uint64_t load_le64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

static void store_le64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

/*
 * Decodes a u-coordinate. RFC 7748 section 5: the top bit of the last byte
 * is ignored, and values from p to 2^255 - 1 are accepted and reduced by the
 * arithmetic that follows.
 */
static void fe_decode(fe f, const uint8_t in[32])
{
	uint64_t w0 = load_le64(in), w1 = load_le64(in + 8);
	uint64_t w2 = load_le64(in + 16), w3 = load_le64(in + 24);

	f[0] = w0 & LIMB_MASK;
	f[1] = ((w0 >> 51) | (w1 << 13)) & LIMB_MASK;
	f[2] = ((w1 >> 38) | (w2 << 26)) & LIMB_MASK;
	f[3] = ((w2 >> 25) | (w3 << 39)) & LIMB_MASK;
	f[4] = (w3 >> 12) & LIMB_MASK;
}

/* Moves the bits above 51 of every limb up, folding 2^255 back as 19. */
static void fe_carry(fe f)
{
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		f[i + 1] += f[i] >> 51;
		f[i] &= LIMB_MASK;
	}
	f[0] += 19 * (f[4] >> 51);
	f[4] &= LIMB_MASK;
}

/* Encodes the canonical value of `f` (below p) in 32 little-endian bytes. */
static void fe_encode(uint8_t out[32], const fe in)
{
	fe f;
	uint64_t q;

	memcpy(f, in, sizeof f);
	fe_carry(f);
	fe_carry(f);

	/* q is 1 exactly when f >= p, that is when f + 19 reaches 2^255. */
	q = (f[0] + 19) >> 51;
	q = (f[1] + q) >> 51;
	q = (f[2] + q) >> 51;
	q = (f[3] + q) >> 51;
	q = (f[4] + q) >> 51;

	/* Subtract q*p: add 19q and drop bit 255. */
	f[0] += 19 * q;
	for (int i = 0; i < 4; i++) {
		f[i + 1] += f[i] >> 51;
		f[i] &= LIMB_MASK;
	}
	f[4] &= LIMB_MASK;

	store_le64(out, f[0] | (f[1] << 51));
	store_le64(out + 8, (f[1] >> 13) | (f[2] << 38));
	store_le64(out + 16, (f[2] >> 26) | (f[3] << 25));
	store_le64(out + 24, (f[3] >> 39) | (f[4] << 12));
}

static void fe_add(fe h, const fe f, const fe g)
{
#pragma GCC unroll 5
	for (int i = 0; i < 5; i++)
		h[i] = f[i] + g[i];
}

/* h = f - g + 4p, limb by limb, without carrying; 4p's limbs are at least 2^53 - 76. */
static void fe_sub(fe h, const fe f, const fe g)
{
	h[0] = f[0] + ((LIMB_MASK - 18) << 2) - g[0];
#pragma GCC unroll 4
	for (int i = 1; i < 5; i++)
		h[i] = f[i] + (LIMB_MASK << 2) - g[i];
}

/*
 * Reduces five 128-bit column sums to limbs below 2^52. This and the
 * products are forced inline because, called through a pointer to t[],
 * GCC 12 kept the sums in memory and the ladder ran about a third slower
 * in bench/tls/bearssl_speed.c.
 */
static inline __attribute__((always_inline)) void fe_reduce_wide(fe h, u128 t[5])
{
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		t[i + 1] += t[i] >> 51;
		t[i] = (uint64_t)t[i] & LIMB_MASK;
	}
	t[0] += 19 * (t[4] >> 51);
	t[4] = (uint64_t)t[4] & LIMB_MASK;
	t[1] += t[0] >> 51;
	t[0] = (uint64_t)t[0] & LIMB_MASK;

#pragma GCC unroll 5
	for (int i = 0; i < 5; i++)
		h[i] = (uint64_t)t[i];
}

/* Schoolbook product; the limbs above 2^255 fold back multiplied by 19. */
static inline __attribute__((always_inline)) void fe_mul(fe h, const fe f, const fe g)
{
	uint64_t g1 = 19 * g[1], g2 = 19 * g[2], g3 = 19 * g[3], g4 = 19 * g[4];
	u128 t[5];

	t[0] = (u128)f[0] * g[0] + (u128)f[1] * g4 + (u128)f[2] * g3 + (u128)f[3] * g2
		+ (u128)f[4] * g1;
	t[1] = (u128)f[0] * g[1] + (u128)f[1] * g[0] + (u128)f[2] * g4 + (u128)f[3] * g3
		+ (u128)f[4] * g2;
	t[2] = (u128)f[0] * g[2] + (u128)f[1] * g[1] + (u128)f[2] * g[0] + (u128)f[3] * g4
		+ (u128)f[4] * g3;
	t[3] = (u128)f[0] * g[3] + (u128)f[1] * g[2] + (u128)f[2] * g[1] + (u128)f[3] * g[0]
		+ (u128)f[4] * g4;
	t[4] = (u128)f[0] * g[4] + (u128)f[1] * g[3] + (u128)f[2] * g[2] + (u128)f[3] * g[1]
		+ (u128)f[4] * g[0];
	fe_reduce_wide(h, t);
}

/* Squaring: fe_mul() with the symmetric products counted once, doubled. */
static inline __attribute__((always_inline)) void fe_sq(fe h, const fe f)
{
	uint64_t d0 = 2 * f[0], d1 = 2 * f[1], d3 = 2 * f[3];
	uint64_t f3_19 = 19 * f[3], f4_19 = 19 * f[4];
	u128 t[5];

	t[0] = (u128)f[0] * f[0] + (u128)d1 * f4_19 + (u128)(2 * f[2]) * f3_19;
	t[1] = (u128)d0 * f[1] + (u128)(2 * f[2]) * f4_19 + (u128)f[3] * f3_19;
	t[2] = (u128)d0 * f[2] + (u128)f[1] * f[1] + (u128)d3 * f4_19;
	t[3] = (u128)d0 * f[3] + (u128)d1 * f[2] + (u128)f[4] * f4_19;
	t[4] = (u128)d0 * f[4] + (u128)d1 * f[3] + (u128)f[2] * f[2];
	fe_reduce_wide(h, t);
}

static void fe_sq_n(fe h, const fe f, int n)
{
	fe_sq(h, f);
	for (int i = 1; i < n; i++)
		fe_sq(h, h);
}

static void fe_mul_a24(fe h, const fe f)
{
	u128 t[5];

#pragma GCC unroll 5
	for (int i = 0; i < 5; i++)
		t[i] = (u128)f[i] * A24;
	fe_reduce_wide(h, t);
}

/*
 * h = f^(p - 2) = 1/f (0 for f = 0). p - 2 = 2^255 - 21 is reached through
 * f^(2^k - 1) for k = 5, 10, 20, 40, 50, 100, 200, 250, then five squarings
 * and a multiplication by f^11 (2^255 - 32 + 11).
 */
static void fe_invert(fe h, const fe f)
{
	fe f2, f9, f11, e5, e10, e20, e50, e100, t;

	fe_sq(f2, f);
	fe_sq_n(t, f2, 2);
	fe_mul(f9, t, f);
	fe_mul(f11, f9, f2);
	fe_sq(t, f11);
	fe_mul(e5, t, f9);

	fe_sq_n(t, e5, 5);
	fe_mul(e10, t, e5);
	fe_sq_n(t, e10, 10);
	fe_mul(e20, t, e10);
	fe_sq_n(t, e20, 20);
	fe_mul(t, t, e20);
	fe_sq_n(t, t, 10);
	fe_mul(e50, t, e10);
	fe_sq_n(t, e50, 50);
	fe_mul(e100, t, e50);
	fe_sq_n(t, e100, 100);
	fe_mul(t, t, e100);
	fe_sq_n(t, t, 50);
	fe_mul(t, t, e50);
	fe_sq_n(t, t, 5);
	fe_mul(h, t, f11);
}

/* Swaps f and g when `swap` is 1, leaves them when it is 0, without a branch. */
static void fe_cswap(fe f, fe g, uint64_t swap)
{
	uint64_t mask = 0 - swap;

#pragma GCC unroll 5
	for (int i = 0; i < 5; i++) {
		uint64_t x = mask & (f[i] ^ g[i]);

		f[i] ^= x;
		g[i] ^= x;
	}
}

uint32_t tls_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t u[32])
{
	uint8_t k[32];
	fe x1, x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb;
	uint64_t swap = 0;
	uint8_t any = 0;

	/* decodeScalar25519 (RFC 7748 section 5): clear bits 0-2 and 255, set 254. */
	memcpy(k, scalar, 32);
	k[0] &= 0xF8;
	k[31] &= 0x7F;
	k[31] |= 0x40;

	fe_decode(x1, u);
	memset(x2, 0, sizeof x2);
	x2[0] = 1;
	memset(z2, 0, sizeof z2);
	memcpy(x3, x1, sizeof x3);
	memset(z3, 0, sizeof z3);
	z3[0] = 1;

	/* The Montgomery ladder of RFC 7748 section 5, bit 254 down to bit 0. */
	for (int t = 254; t >= 0; t--) {
		uint64_t bit = (k[t >> 3] >> (t & 7)) & 1;

		swap ^= bit;
		fe_cswap(x2, x3, swap);
		fe_cswap(z2, z3, swap);
		swap = bit;

		fe_add(a, x2, z2);
		fe_sq(aa, a);
		fe_sub(b, x2, z2);
		fe_sq(bb, b);
		fe_sub(e, aa, bb);
		fe_add(c, x3, z3);
		fe_sub(d, x3, z3);
		fe_mul(da, d, a);
		fe_mul(cb, c, b);

		fe_add(x3, da, cb);
		fe_sq(x3, x3);
		fe_sub(z3, da, cb);
		fe_sq(z3, z3);
		fe_mul(z3, z3, x1);
		fe_mul(x2, aa, bb);
		fe_mul_a24(z2, e);
		fe_add(z2, z2, aa);
		fe_mul(z2, z2, e);
	}
	fe_cswap(x2, x3, swap);
	fe_cswap(z2, z3, swap);

	fe_invert(z2, z2);
	fe_mul(x2, x2, z2);
	fe_encode(out, x2);
	tls_wipe(k, sizeof k);

	/* RFC 7748 section 6.1: an all-zero output means a small-order input point. */
	for (int i = 0; i < 32; i++)
		any |= out[i];
	return ((uint32_t)any + 0xFF) >> 8;
}

/* A point of edwards25519 in extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z. */
struct ed_point {
	fe x, y, z, t;
};

/* An affine point prepared for addition: y + x, y - x and 2*d*x*y. */
struct ed_niels {
	fe ypx, ymx, xy2d;
};

/* 2*d, with d = -121665/121666 mod p, the edwards25519 constant. */
static const fe ED_D2 = {
	UINT64_C(0x69b9426b2f159), UINT64_C(0x35050762add7a), UINT64_C(0x3cf44c0038052),
	UINT64_C(0x6738cc7407977), UINT64_C(0x2406d9dc56dff),
};

/* The base point (RFC 7748 section 4.1, RFC 8032 section 5.1): y = 4/5, and its x. */
static const fe ED_BASE_X = {
	UINT64_C(0x62d608f25d51a), UINT64_C(0x412a4b4f6592a), UINT64_C(0x75b7171a4b31d),
	UINT64_C(0x1ff60527118fe), UINT64_C(0x216936d3cd6e5),
};
static const fe ED_BASE_Y = {
	UINT64_C(0x6666666666658), UINT64_C(0x4cccccccccccc), UINT64_C(0x1999999999999),
	UINT64_C(0x3333333333333), UINT64_C(0x6666666666666),
};

/*
 * Signed BASE_WIDTH-bit windows of a clamped scalar (below 2^255) for the
 * fixed-base table. The top window contains the last bits and a carry and
 * stays at most BASE_DIGIT_MAX, so the recoding never carries out of it.
 */
#define BASE_WIDTH 5
#define BASE_WINDOWS (255 / BASE_WIDTH + 1)
#define BASE_DIGIT_MAX (1 << (BASE_WIDTH - 1))

/*
 * The fixed-base table: entry [i][d - 1] is d * 32^i times the base point,
 * for windows i = 0..51 and digit magnitudes d = 1..16. 97.5 KiB, built on
 * the first call of tls_x25519_base() and never changed afterwards.
 */
static struct ed_niels base_table[BASE_WINDOWS][BASE_DIGIT_MAX];
static int base_table_once;

/* r = p + q with the unified formula; r may be p or q. */
static void ed_add(struct ed_point *r, const struct ed_point *p, const struct ed_point *q)
{
	fe a, b, c, d, e, f, g, h, t;

	fe_sub(a, p->y, p->x);
	fe_sub(t, q->y, q->x);
	fe_mul(a, a, t);
	fe_add(b, p->y, p->x);
	fe_add(t, q->y, q->x);
	fe_mul(b, b, t);
	fe_mul(c, p->t, q->t);
	fe_mul(c, c, ED_D2);
	fe_mul(d, p->z, q->z);
	fe_add(d, d, d);

	fe_sub(e, b, a);
	fe_sub(f, d, c);
	fe_add(g, d, c);
	fe_add(h, b, a);
	fe_mul(r->x, e, f);
	fe_mul(r->y, g, h);
	fe_mul(r->t, e, h);
	fe_mul(r->z, f, g);
}

/* r = p + q for a prepared affine q; r may be p. */
static void ed_add_niels(struct ed_point *r, const struct ed_point *p, const struct ed_niels *q)
{
	fe a, b, c, d, e, f, g, h;

	fe_sub(a, p->y, p->x);
	fe_mul(a, a, q->ymx);
	fe_add(b, p->y, p->x);
	fe_mul(b, b, q->ypx);
	fe_mul(c, p->t, q->xy2d);
	fe_add(d, p->z, p->z);

	fe_sub(e, b, a);
	fe_sub(f, d, c);
	fe_add(g, d, c);
	fe_add(h, b, a);
	fe_mul(r->x, e, f);
	fe_mul(r->y, g, h);
	fe_mul(r->t, e, h);
	fe_mul(r->z, f, g);
}

/* Prepares the projective points in[0..count-1] (count <= BASE_DIGIT_MAX) with one inversion. */
static void ed_batch_to_niels(struct ed_niels *out, const struct ed_point *in, int count)
{
	fe prefix[BASE_DIGIT_MAX], inv, zinv, x, y;

	memcpy(prefix[0], in[0].z, sizeof prefix[0]);
	for (int i = 1; i < count; i++)
		fe_mul(prefix[i], prefix[i - 1], in[i].z);
	fe_invert(inv, prefix[count - 1]);

	for (int i = count - 1; i >= 0; i--) {
		if (i > 0) {
			fe_mul(zinv, inv, prefix[i - 1]);
			fe_mul(inv, inv, in[i].z);
		} else {
			memcpy(zinv, inv, sizeof zinv);
		}
		fe_mul(x, in[i].x, zinv);
		fe_mul(y, in[i].y, zinv);
		fe_add(out[i].ypx, y, x);
		fe_carry(out[i].ypx);
		fe_sub(out[i].ymx, y, x);
		fe_mul(out[i].xy2d, x, y);
		fe_mul(out[i].xy2d, out[i].xy2d, ED_D2);
	}
}

/* Fills base_table; public data only, so it needs no care for timing. */
static void base_table_build(void)
{
	struct ed_point base, row[BASE_DIGIT_MAX];

	memcpy(base.x, ED_BASE_X, sizeof base.x);
	memcpy(base.y, ED_BASE_Y, sizeof base.y);
	memset(base.z, 0, sizeof base.z);
	base.z[0] = 1;
	fe_mul(base.t, base.x, base.y);

	for (int i = 0; i < BASE_WINDOWS; i++) {
		row[0] = base;
		for (int d = 1; d < BASE_DIGIT_MAX; d++)
			ed_add(&row[d], &row[d - 1], &base);
		ed_batch_to_niels(base_table[i], row, BASE_DIGIT_MAX);
		for (int d = 0; d < BASE_WIDTH; d++)
			ed_add(&base, &base, &base);
	}
}

/* r = f when mask is all ones, unchanged when it is 0. */
static void fe_select(fe r, const fe f, uint64_t mask)
{
	for (int i = 0; i < 5; i++)
		r[i] = (r[i] & ~mask) | (f[i] & mask);
}

/*
 * Recodes the little-endian scalar k into signed digits, k = sum of
 * digit[i] * 32^i with each digit in -15..16: a window above 16 becomes
 * window - 32 and carries one into the next. No branch depends on k.
 */
static void base_recode(int32_t digit[BASE_WINDOWS], const uint8_t k[32])
{
	uint32_t carry = 0;

	for (int i = 0; i < BASE_WINDOWS; i++) {
		int bit = BASE_WIDTH * i;
		int byte = bit >> 3;
		uint32_t pair = k[byte];
		uint32_t w;

		if (byte < 31)
			pair |= (uint32_t)k[byte + 1] << 8;
		w = ((pair >> (bit & 7)) & ((1u << BASE_WIDTH) - 1)) + carry;

		/* w is 0..2 * BASE_DIGIT_MAX; carry is 1 exactly when w > BASE_DIGIT_MAX. */
		carry = (uint32_t)(BASE_DIGIT_MAX - w) >> 31;
		digit[i] = (int32_t)w - (int32_t)(carry << BASE_WIDTH);
	}
}

/*
 * Sets t to digit * 32^i times the base point by reading every entry of
 * window i. Negating a prepared point swaps y + x with y - x and negates
 * 2*d*x*y; digit 0 gives the neutral element (1, 1, 0).
 */
static void base_lookup(struct ed_niels *t, int i, int32_t digit)
{
	uint64_t negative = (uint32_t)digit >> 31;
	uint64_t magnitude = (((uint32_t)digit ^ (0 - (uint32_t)negative)) + (uint32_t)negative);
	fe zero = { 0 }, neg_xy2d;

	memset(t, 0, sizeof *t);
	t->ypx[0] = 1;
	t->ymx[0] = 1;
	for (uint64_t j = 0; j < BASE_DIGIT_MAX; j++) {
		uint64_t mask = (((j + 1) ^ magnitude) | (0 - ((j + 1) ^ magnitude))) >> 63;

		mask -= 1;
		fe_select(t->ypx, base_table[i][j].ypx, mask);
		fe_select(t->ymx, base_table[i][j].ymx, mask);
		fe_select(t->xy2d, base_table[i][j].xy2d, mask);
	}

	fe_cswap(t->ypx, t->ymx, negative);
	fe_sub(neg_xy2d, zero, t->xy2d);
	fe_carry(neg_xy2d);
	fe_select(t->xy2d, neg_xy2d, 0 - negative);
	tls_wipe(neg_xy2d, sizeof neg_xy2d);
}

uint32_t tls_x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
	struct ed_point acc;
	struct ed_niels t;
	fe num, den;
	uint8_t k[32];
	int32_t digit[BASE_WINDOWS];

	tls_once(&base_table_once, base_table_build);

	memcpy(k, scalar, 32);
	k[0] &= 0xF8;
	k[31] &= 0x7F;
	k[31] |= 0x40;

	/* Start from the neutral element (0, 1) and add one entry per digit. */
	base_recode(digit, k);
	memset(&acc, 0, sizeof acc);
	acc.y[0] = 1;
	acc.z[0] = 1;
	for (int i = 0; i < BASE_WINDOWS; i++) {
		base_lookup(&t, i, digit[i]);
		ed_add_niels(&acc, &acc, &t);
	}

	/* u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y). */
	fe_add(num, acc.z, acc.y);
	fe_sub(den, acc.z, acc.y);
	fe_invert(den, den);
	fe_mul(num, num, den);
	fe_encode(out, num);
	tls_wipe(k, sizeof k);
	tls_wipe(&acc, sizeof acc);
	tls_wipe(&t, sizeof t);
	tls_wipe(digit, sizeof digit);
	return 1;
}

#endif

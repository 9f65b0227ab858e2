/*
 * The br_ec_impl that libtls hands to BearSSL: Curve25519 and P-256 go to
 * the 64-bit code in ec_x25519.c and ec_p256.c, every other curve to
 * BearSSL's default implementation.
 *
 * The process-wide counter group "tls_ec" counts the operations each path
 * ran, so that an application or a test can see which code did the work.
 */
#include <string.h>

#include <fata/counter.h>

#include "tls_ec.h"

#ifdef __SIZEOF_INT128__

/* Operation counts, in the order of counter_names. */
static uint64_t counter_values[6];

enum {
	COUNT_X25519_MUL,
	COUNT_X25519_MULGEN,
	COUNT_P256_MUL,
	COUNT_P256_MULGEN,
	COUNT_P256_MULADD,
	COUNT_DELEGATED,
};

static const char *const counter_names[] = {
	"x25519_mul",
	"x25519_mulgen",
	"p256_mul",
	"p256_mulgen",
	"p256_muladd",
	"delegated",
};

static struct fata_counter_group counter_group = {
	.name = "tls_ec",
	.names = counter_names,
	.values = counter_values,
	.count = sizeof counter_names / sizeof counter_names[0],
};

/* Counts one operation; the group is registered on first use. */
static void count(int which)
{
	if (counter_group.next == NULL)
		fata_counters_register(&counter_group);
	counter_values[which]++;
}

static const br_ec_impl *ec_fallback(void)
{
	return br_ec_get_default();
}

/*
 * Curve25519 keeps the conventions of BearSSL's own Curve25519 code, whose
 * generator (u = 9), order (2^255 - 1, because any clamped 32-byte string
 * is a valid scalar) and x offset this implementation reports unchanged.
 */
static const unsigned char *ec_generator(int curve, size_t *len)
{
	if (curve == BR_EC_secp256r1)
		return tls_p256_generator(len);
	if (curve == BR_EC_curve25519)
		return br_ec_c25519_m31.generator(curve, len);
	return ec_fallback()->generator(curve, len);
}

static const unsigned char *ec_order(int curve, size_t *len)
{
	if (curve == BR_EC_secp256r1)
		return tls_p256_order(len);
	if (curve == BR_EC_curve25519)
		return br_ec_c25519_m31.order(curve, len);
	return ec_fallback()->order(curve, len);
}

static size_t ec_xoff(int curve, size_t *len)
{
	if (curve == BR_EC_secp256r1) {
		*len = 32;
		return 1;
	}
	if (curve == BR_EC_curve25519) {
		*len = 32;
		return 0;
	}
	return ec_fallback()->xoff(curve, len);
}

/*
 * Computes X25519 with the conventions of BearSSL 0.6's br_ec_c25519_m31,
 * which the generic big-endian rule of bearssl_ec.h does not describe.
 * The scalar is the little-endian string of RFC 7748, at most 32 bytes and
 * padded with zeros at its high end, and the point is the 32-byte u. Unlike
 * br_ec_c25519_m31, an all-zero result is an error, because RFC 8422
 * section 5.11 requires ECDHE to abort on it and such a point is not in
 * the prime-order subgroup that BearSSL's contract asks for.
 */
static uint32_t x25519_mul(unsigned char *point, size_t len, const unsigned char *x,
		size_t xlen)
{
	uint8_t scalar[32];
	uint32_t ok;

	if (len != 32 || xlen > 32)
		return 0;
	memset(scalar, 0, sizeof scalar);
	memcpy(scalar, x, xlen);
	ok = tls_x25519(point, scalar, point);
	tls_wipe(scalar, sizeof scalar);
	return ok;
}

static uint32_t ec_mul(unsigned char *point, size_t len, const unsigned char *x, size_t xlen,
		int curve)
{
	if (curve == BR_EC_secp256r1) {
		count(COUNT_P256_MUL);
		return tls_p256_mul(point, len, x, xlen);
	}
	if (curve == BR_EC_curve25519) {
		count(COUNT_X25519_MUL);
		return x25519_mul(point, len, x, xlen);
	}
	count(COUNT_DELEGATED);
	return ec_fallback()->mul(point, len, x, xlen, curve);
}

static size_t ec_mulgen(unsigned char *out, const unsigned char *x, size_t xlen, int curve)
{
	if (curve == BR_EC_secp256r1) {
		count(COUNT_P256_MULGEN);
		return tls_p256_mulgen(out, x, xlen);
	}
	if (curve == BR_EC_curve25519) {
		uint8_t scalar[32];

		if (xlen > 32)
			return 0;
		count(COUNT_X25519_MULGEN);
		memset(scalar, 0, sizeof scalar);
		memcpy(scalar, x, xlen);
		tls_x25519_base(out, scalar);
		tls_wipe(scalar, sizeof scalar);
		return 32;
	}
	count(COUNT_DELEGATED);
	return ec_fallback()->mulgen(out, x, xlen, curve);
}

/* Curve25519 has no point addition in the x-only form, so muladd fails for it, as in BearSSL. */
static uint32_t ec_muladd(unsigned char *a, const unsigned char *b, size_t len,
		const unsigned char *x, size_t xlen, const unsigned char *y, size_t ylen, int curve)
{
	if (curve == BR_EC_secp256r1) {
		count(COUNT_P256_MULADD);
		return tls_p256_muladd(a, b, len, x, xlen, y, ylen);
	}
	if (curve == BR_EC_curve25519)
		return 0;
	count(COUNT_DELEGATED);
	return ec_fallback()->muladd(a, b, len, x, xlen, y, ylen, curve);
}

static br_ec_impl ec_impl = {
	.generator = ec_generator,
	.order = ec_order,
	.xoff = ec_xoff,
	.mul = ec_mul,
	.mulgen = ec_mulgen,
	.muladd = ec_muladd,
};

const br_ec_impl *tls_ec_get(void)
{
	/* BearSSL's default is not a constant expression, so the mask is set here. */
	ec_impl.supported_curves = ec_fallback()->supported_curves
		| (UINT32_C(1) << BR_EC_curve25519) | (UINT32_C(1) << BR_EC_secp256r1);
	return &ec_impl;
}

int tls_ec_is_64bit(void)
{
	return 1;
}

#else

const br_ec_impl *tls_ec_get(void)
{
	return br_ec_get_default();
}

int tls_ec_is_64bit(void)
{
	return 0;
}

#endif

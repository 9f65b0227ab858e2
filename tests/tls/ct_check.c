/*
 * Constant-time check of libtls's 64-bit EC code under Valgrind's memcheck.
 *
 * The secret inputs (scalars, and for X25519 the peer's point) are marked
 * as undefined memory. Memcheck then reports every conditional branch and
 * every memory address that depends on them, in the compiled code as it
 * runs, so a report means that timing could leak the secret. The test
 * passes when memcheck finds no error (run with --error-exitcode).
 *
 * Covered: tls_x25519(), tls_x25519_base(), tls_p256_mul() and
 * tls_p256_mulgen(). tls_ecdsa_p256_sign_raw() is left out on purpose: it
 * branches on whether the derived nonce k is in range, the retry that
 * RFC 6979 section 3.2 step h.3 prescribes, which is taken with
 * probability below 2^-32.
 *
 *   ct-check            run the operations (meant to run under valgrind)
 */
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include "tls_ec.h"

/* Marks `len` bytes at `p` as secret: memcheck tracks them as undefined. */
static void secret(void *p, size_t len)
{
	VALGRIND_MAKE_MEM_UNDEFINED(p, len);
}

/* Marks results as public again before the program looks at them. */
static void public(void *p, size_t len)
{
	VALGRIND_MAKE_MEM_DEFINED(p, len);
}

int main(void)
{
	uint8_t k[32], u[32], out[32], point[65];
	const uint8_t *generator;
	size_t glen;
	uint32_t ok;

	for (int i = 0; i < 32; i++) {
		k[i] = (uint8_t)(i * 29 + 7);
		u[i] = (uint8_t)(i * 13 + 1);
	}

	/* Build the fixed-base tables first: they hold only public data. */
	tls_x25519_base(out, k);
	tls_p256_mulgen(point, k, 32);

	secret(k, sizeof k);
	secret(u, sizeof u);
	ok = tls_x25519(out, k, u);
	public(&ok, sizeof ok);
	public(out, sizeof out);

	secret(k, sizeof k);
	tls_x25519_base(out, k);
	public(out, sizeof out);

	secret(k, sizeof k);
	tls_p256_mulgen(point, k, 32);
	public(point, sizeof point);

	/* The point of a P-256 multiplication is public (the peer's key); the scalar is not. */
	generator = tls_p256_generator(&glen);
	memcpy(point, generator, glen);
	secret(k, sizeof k);
	ok = tls_p256_mul(point, sizeof point, k, sizeof k);
	public(&ok, sizeof ok);
	public(point, sizeof point);

	printf("ct-check: ran X25519, X25519 base, P-256 mulgen and P-256 mul (result %u)\n", ok);
	return 0;
}

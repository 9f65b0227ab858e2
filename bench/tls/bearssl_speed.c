/*
 * Times the public-key operations a TLS server does in every full
 * ECDHE-ECDSA handshake, once with BearSSL's own implementations
 * (br_ec_get_default(), which is br_ec_all_m31 in Debian's BearSSL 0.6) and
 * once with libtls's 64-bit code (tls_ec_get() and tls_ecdsa_sign_asn1()),
 * so that bench/tls.sh can set them beside "openssl speed":
 *   x25519_keygen  the server's ephemeral X25519 key (a base-point multiply)
 *   x25519_derive  the shared secret from the client's key share
 *   p256_sign      the ECDSA P-256 signature over ServerKeyExchange
 *   p256_verify    an ECDSA P-256 verification (what a client does)
 *
 *   bearssl-speed [SECONDS]
 *
 * Prints one line per implementation and operation:
 * "IMPL NAME OPS_PER_SECOND MICROSECONDS_PER_OP", both in CPU time, where
 * IMPL is "bearssl" or "libtls". bench/tls.sh compiles this file together
 * with libtls's EC sources.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bearssl.h>

#include "tls_ec.h"

/*
 * Returns the CPU time this process has used, as "openssl speed" counts by
 * default, so that other processes on a busy machine do not inflate it.
 */
static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The implementation under test and the ECDSA signer that goes with it. */
static const br_ec_impl *impl;
static br_ecdsa_sign signer;

/* Fixed inputs: the timing of these constant-time operations does not depend on them. */
static unsigned char scalar[32];
static unsigned char point[32];
static unsigned char digest[32];
static unsigned char p256_secret[32];
static unsigned char p256_public[65];
static unsigned char p256_signature[80];
static size_t p256_signature_len;

static void x25519_keygen(void)
{
	unsigned char out[32];

	if (impl->mulgen(out, scalar, sizeof(scalar), BR_EC_curve25519) != 32) {
		fprintf(stderr, "bearssl-speed: X25519 key generation failed\n");
		exit(1);
	}
}

static void x25519_derive(void)
{
	unsigned char shared[32];

	memcpy(shared, point, sizeof(shared));
	if (impl->mul(shared, sizeof(shared), scalar, sizeof(scalar), BR_EC_curve25519) != 1) {
		fprintf(stderr, "bearssl-speed: X25519 multiplication failed\n");
		exit(1);
	}
}

static void p256_sign(void)
{
	br_ec_private_key key = { BR_EC_secp256r1, p256_secret, sizeof(p256_secret) };
	unsigned char signature[80];

	if (signer(impl, &br_sha256_vtable, digest, &key, signature) == 0) {
		fprintf(stderr, "bearssl-speed: ECDSA P-256 signing failed\n");
		exit(1);
	}
}

static void p256_verify(void)
{
	br_ec_public_key key = { BR_EC_secp256r1, p256_public, sizeof(p256_public) };

	if (br_ecdsa_vrfy_asn1_get_default()(impl, digest, sizeof(digest), &key, p256_signature,
			p256_signature_len) != 1) {
		fprintf(stderr, "bearssl-speed: ECDSA P-256 verification failed\n");
		exit(1);
	}
}

/* Runs `op` for about `seconds` of CPU time and prints its rate. */
static void measure(const char *impl_name, const char *name, void (*op)(void), double seconds)
{
	unsigned long count = 0;
	double start = cpu_seconds();
	double elapsed = 0;

	while (elapsed < seconds) {
		for (int i = 0; i < 16; i++)
			op();
		count += 16;
		elapsed = cpu_seconds() - start;
	}
	printf("%s %s %.0f %.1f\n", impl_name, name, (double)count / elapsed,
			elapsed / (double)count * 1e6);
}

/* Prepares the inputs with BearSSL's code, so that both runs use the same ones. */
static void make_inputs(void)
{
	br_ec_private_key key = { BR_EC_secp256r1, p256_secret, sizeof(p256_secret) };
	unsigned char out[32];

	/* A valid P-256 secret is any value below the group order; small values qualify. */
	for (size_t i = 0; i < sizeof(scalar); i++) {
		scalar[i] = (unsigned char)(i * 7 + 1);
		digest[i] = (unsigned char)(i * 13 + 5);
		p256_secret[i] = (unsigned char)(i + 1);
	}
	br_ec_get_default()->mulgen(out, scalar, sizeof(scalar), BR_EC_curve25519);
	memcpy(point, out, sizeof(point));

	if (br_ec_compute_pub(br_ec_get_default(), NULL, p256_public, &key) != 65) {
		fprintf(stderr, "bearssl-speed: cannot compute the P-256 public key\n");
		exit(1);
	}
	p256_signature_len = br_ecdsa_sign_asn1_get_default()(br_ec_get_default(),
			&br_sha256_vtable, digest, &key, p256_signature);
	if (p256_signature_len == 0) {
		fprintf(stderr, "bearssl-speed: cannot make the P-256 signature\n");
		exit(1);
	}
}

static void measure_all(const char *impl_name, const br_ec_impl *under_test,
		br_ecdsa_sign under_test_signer, double seconds)
{
	impl = under_test;
	signer = under_test_signer;

	/* The first mulgen builds libtls's P-256 table; keep it out of the timing. */
	p256_sign();
	measure(impl_name, "x25519_keygen", x25519_keygen, seconds);
	measure(impl_name, "x25519_derive", x25519_derive, seconds);
	measure(impl_name, "p256_sign", p256_sign, seconds);
	measure(impl_name, "p256_verify", p256_verify, seconds);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? strtod(argv[1], NULL) : 1.0;

	if (!(seconds > 0)) {
		fprintf(stderr, "usage: bearssl-speed [SECONDS]\n");
		return 1;
	}
	if (!tls_ec_is_64bit())
		fprintf(stderr, "bearssl-speed: no 128-bit integers; libtls uses BearSSL's code\n");

	make_inputs();
	measure_all("bearssl", br_ec_get_default(), br_ecdsa_sign_asn1_get_default(), seconds);
	measure_all("libtls", tls_ec_get(), tls_ecdsa_sign_asn1, seconds);
	return 0;
}

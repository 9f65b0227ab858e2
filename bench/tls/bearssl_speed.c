/*
 * Times the public-key operations a TLS server does in every full
 * ECDHE-ECDSA handshake, with the BearSSL implementations libtls uses
 * (br_ec_get_default() and br_ecdsa_sign_asn1_get_default()), so that
 * bench/tls.sh can set them beside "openssl speed" and show where
 * handshake time goes:
 *   x25519_keygen  the server's ephemeral X25519 key (a base-point multiply)
 *   x25519_derive  the shared secret from the client's key share
 *   p256_sign      the ECDSA P-256 signature over ServerKeyExchange
 *
 *   bearssl-speed [SECONDS]
 *
 * Prints one line per operation: "NAME OPS_PER_SECOND MICROSECONDS_PER_OP",
 * both in CPU time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bearssl.h>

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

/* Fixed inputs: the timing of these constant-time operations does not depend on them. */
static unsigned char scalar[32];
static unsigned char point[32];
static unsigned char digest[32];
static unsigned char p256_secret[32];

static void x25519_keygen(void)
{
	unsigned char out[32];

	if (br_ec_get_default()->mulgen(out, scalar, sizeof(scalar), BR_EC_curve25519) != 32) {
		fprintf(stderr, "bearssl-speed: X25519 key generation failed\n");
		exit(1);
	}
}

static void x25519_derive(void)
{
	unsigned char shared[32];

	memcpy(shared, point, sizeof(shared));
	if (br_ec_get_default()->mul(shared, sizeof(shared), scalar, sizeof(scalar),
			BR_EC_curve25519) != 1) {
		fprintf(stderr, "bearssl-speed: X25519 multiplication failed\n");
		exit(1);
	}
}

static void p256_sign(void)
{
	br_ec_private_key key = { BR_EC_secp256r1, p256_secret, sizeof(p256_secret) };
	unsigned char signature[80];

	if (br_ecdsa_sign_asn1_get_default()(br_ec_get_default(), &br_sha256_vtable, digest, &key,
			signature) == 0) {
		fprintf(stderr, "bearssl-speed: ECDSA P-256 signing failed\n");
		exit(1);
	}
}

/* Runs `op` for about `seconds` of CPU time and prints its rate. */
static void measure(const char *name, void (*op)(void), double seconds)
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
	printf("%s %.0f %.1f\n", name, (double)count / elapsed, elapsed / (double)count * 1e6);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	unsigned char out[32];

	if (!(seconds > 0)) {
		fprintf(stderr, "usage: bearssl-speed [SECONDS]\n");
		return 1;
	}

	/* A valid P-256 secret is any value below the group order; small values qualify. */
	for (size_t i = 0; i < sizeof(scalar); i++) {
		scalar[i] = (unsigned char)(i * 7 + 1);
		digest[i] = (unsigned char)(i * 13 + 5);
		p256_secret[i] = (unsigned char)(i + 1);
	}
	p256_secret[0] = 0x01;
	br_ec_get_default()->mulgen(out, scalar, sizeof(scalar), BR_EC_curve25519);
	memcpy(point, out, sizeof(point));

	measure("x25519_keygen", x25519_keygen, seconds);
	measure("x25519_derive", x25519_derive, seconds);
	measure("p256_sign", p256_sign, seconds);
	return 0;
}

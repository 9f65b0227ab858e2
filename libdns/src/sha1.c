/*
 * SHA-1 compression function (FIPS 180-4 section 6.1). TSIG still offers
 * HMAC-SHA1 (RFC 8945 section 6), so it stays, for that use only.
 */
#include "hash_internal.h"

static uint32_t rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

void hash_sha1_init(uint32_t state[5])
{
	state[0] = 0x67452301;
	state[1] = 0xefcdab89;
	state[2] = 0x98badcfe;
	state[3] = 0x10325476;
	state[4] = 0xc3d2e1f0;
}

void hash_sha1_block(uint32_t state[5], const uint8_t block[64])
{
	uint32_t w[80];
	uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];

	for (int t = 0; t < 16; t++)
		w[t] = hash_load_be32(block + 4 * t);
	for (int t = 16; t < 80; t++)
		w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

	/* Rounds 0-19 use Ch, 40-59 Maj, the others Parity (4.1.1). */
	for (int t = 0; t < 80; t++) {
		uint32_t f, k;

		if (t < 20) {
			f = (b & c) ^ (~b & d);
			k = 0x5a827999;
		} else if (t < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (t < 60) {
			f = (b & c) ^ (b & d) ^ (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}

		uint32_t temp = rol32(a, 5) + f + e + k + w[t];

		e = d; d = c; c = rol32(b, 30); b = a; a = temp;
	}

	state[0] += a; state[1] += b; state[2] += c; state[3] += d; state[4] += e;
}

/*
 * The deterministic generator of fata/sim.h: xoshiro256** by Blackman and
 * Vigna. The seed runs splitmix64 to fill the 256-bit state, which spreads
 * small seeds (0, 1, ...) over all the bits. Its output function is a
 * bijection and four consecutive outputs come from four distinct inputs,
 * so at most one state word is 0 and the forbidden all-zero state cannot
 * occur.
 */
#include <stdint.h>

#include <fata/sim.h>

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void fata_rng_seed(struct fata_rng *rng, uint64_t seed)
{
	uint64_t state = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&state);
}

uint64_t fata_rng_next(struct fata_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t fata_rng_below(struct fata_rng *rng, uint64_t bound)
{
	/*
	 * Taking r % bound of all 2^64 values would favour the results below
	 * 2^64 mod bound, so the draws below that threshold are rejected and
	 * the remaining count is a multiple of bound. The threshold is below
	 * both bound and 2^64 - bound, so fewer than half of the draws are
	 * rejected.
	 */
	uint64_t threshold;

	if (bound == 0)
		return 0;
	threshold = (0 - bound) % bound;
	for (;;) {
		uint64_t r = fata_rng_next(rng);

		if (r >= threshold)
			return r % bound;
	}
}

/*
 * The Internet checksum (RFC 1071). fata/csum.h has the contract.
 *
 * The data is summed as 64-bit big-endian words in a 64-bit accumulator,
 * and a carry out of bit 63 is added back in at once (end-around carry).
 * 2^16 is 1 modulo 0xffff, so 2^64 is too, and the 64-bit sum folds to the
 * same 16-bit one's complement sum as adding 16-bit words one at a time
 * (RFC 1071 section 2, "parallel summation"). An end-around carry never
 * turns a nonzero sum into zero, so data that is not all zero never sums
 * to 0, as with 16-bit one's complement addition.
 */
#include <stddef.h>
#include <stdint.h>

#include <fata/csum.h>

/* Reads 8 bytes as a big-endian value. gcc -O2 makes this one load and a byte swap. */
static uint64_t load_be64(const uint8_t *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
			(uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
			(uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/* Adds `value` to `acc` and adds the carry out of bit 63 back in. */
static uint64_t add_end_around(uint64_t acc, uint64_t value)
{
	acc += value;
	return acc + (acc < value);
}

/* Folds a one's complement sum of any width to 16 bits. */
static uint16_t fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* Returns the folded sum of `len` bytes at `p`, the first byte being a high byte. */
static uint16_t sum_bytes(const uint8_t *p, size_t len)
{
	uint64_t acc = 0;

	for (; len >= 8; p += 8, len -= 8)
		acc = add_end_around(acc, load_be64(p));

	/*
	 * The last 0 to 7 bytes form one word padded with zeros on the right,
	 * which makes an odd last byte the high byte of its 16-bit word. Pieces
	 * of 4, 2 and 1 bytes build it without a call to memcpy, which matters
	 * for the short headers that most sums cover.
	 */
	if (len > 0) {
		uint64_t word = 0;
		unsigned shift = 64;

		if (len & 4) {
			shift -= 32;
			word |= ((uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 |
					(uint64_t)p[2] << 8 | p[3]) << shift;
			p += 4;
		}
		if (len & 2) {
			shift -= 16;
			word |= ((uint64_t)p[0] << 8 | p[1]) << shift;
			p += 2;
		}
		if (len & 1) {
			shift -= 8;
			word |= (uint64_t)p[0] << shift;
		}
		acc = add_end_around(acc, word);
	}
	return fold(acc);
}

uint32_t fata_csum_add(uint32_t sum, const void *data, size_t len)
{
	return fold((uint64_t)sum + sum_bytes(data, len));
}

uint32_t fata_csum_add_at(uint32_t sum, const void *data, size_t len, size_t offset)
{
	uint16_t piece = sum_bytes(data, len);

	/*
	 * At an odd offset each byte of the piece takes the other half of its
	 * word, and swapping the bytes of the data swaps the bytes of its sum.
	 */
	if (offset & 1)
		piece = (uint16_t)(piece << 8 | piece >> 8);
	return fold((uint64_t)sum + piece);
}

uint16_t fata_csum_fold(uint32_t sum)
{
	return fold(sum);
}

uint16_t fata_csum_finish(uint32_t sum)
{
	return (uint16_t)~fold(sum);
}

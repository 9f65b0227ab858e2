/*
 * Streaming and padding shared by SHA-1, SHA-256 and SHA-512 (FIPS 180-4
 * section 5.1): the message is followed by a 1 bit, zeros, and its length
 * in bits as a 64-bit (SHA-1, SHA-256) or 128-bit (SHA-512) big-endian
 * number, so the total is a whole number of blocks.
 */
#include <string.h>

#include "hash_internal.h"

size_t fata_hash_size(enum fata_hash_alg alg)
{
	switch (alg) {
	case FATA_HASH_SHA1:
		return FATA_SHA1_SIZE;
	case FATA_HASH_SHA256:
		return FATA_SHA256_SIZE;
	case FATA_HASH_SHA512:
		return FATA_SHA512_SIZE;
	}
	return 0;
}

size_t fata_hash_block_size(enum fata_hash_alg alg)
{
	switch (alg) {
	case FATA_HASH_SHA1:
	case FATA_HASH_SHA256:
		return 64;
	case FATA_HASH_SHA512:
		return 128;
	}
	return 0;
}

void fata_hash_init(struct fata_hash *h, enum fata_hash_alg alg)
{
	memset(h, 0, sizeof *h);
	if (fata_hash_size(alg) == 0)
		alg = FATA_HASH_SHA256;
	h->alg = alg;

	switch (alg) {
	case FATA_HASH_SHA1:
		hash_sha1_init(h->state.s32);
		break;
	case FATA_HASH_SHA256:
		hash_sha256_init(h->state.s32);
		break;
	case FATA_HASH_SHA512:
		hash_sha512_init(h->state.s64);
		break;
	}
}

static void hash_compress(struct fata_hash *h, const uint8_t *block)
{
	switch (h->alg) {
	case FATA_HASH_SHA1:
		hash_sha1_block(h->state.s32, block);
		break;
	case FATA_HASH_SHA256:
		hash_sha256_block(h->state.s32, block);
		break;
	case FATA_HASH_SHA512:
		hash_sha512_block(h->state.s64, block);
		break;
	}
}

void fata_hash_update(struct fata_hash *h, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t block = fata_hash_block_size(h->alg);

	h->total += len;

	/* Top up a partial block first, then hash whole blocks straight from the input. */
	if (h->fill > 0) {
		size_t take = block - h->fill;

		if (take > len)
			take = len;
		memcpy(h->block + h->fill, p, take);
		h->fill += (uint32_t)take;
		p += take;
		len -= take;
		if (h->fill < block)
			return;
		hash_compress(h, h->block);
		h->fill = 0;
	}

	while (len >= block) {
		hash_compress(h, p);
		p += block;
		len -= block;
	}

	memcpy(h->block, p, len);
	h->fill = (uint32_t)len;
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}

void fata_hash_final(struct fata_hash *h, uint8_t *out)
{
	size_t block = fata_hash_block_size(h->alg);
	/* The length field is 8 bytes for 64-byte blocks and 16 for 128-byte ones. */
	size_t length_field = block / 8;
	uint64_t bits = h->total * 8;

	h->block[h->fill++] = 0x80;
	if (h->fill > block - length_field) {
		memset(h->block + h->fill, 0, block - h->fill);
		hash_compress(h, h->block);
		h->fill = 0;
	}
	memset(h->block + h->fill, 0, block - h->fill);
	/* Inputs stay below 2^61 bytes, so the top 64 bits of SHA-512's length stay zero. */
	store_be64(h->block + block - 8, bits);
	hash_compress(h, h->block);

	if (h->alg == FATA_HASH_SHA512) {
		for (int i = 0; i < 8; i++)
			store_be64(out + 8 * i, h->state.s64[i]);
	} else {
		size_t words = fata_hash_size(h->alg) / 4;

		for (size_t i = 0; i < words; i++)
			store_be32(out + 4 * i, h->state.s32[i]);
	}
	memset(h, 0, sizeof *h);
}

void fata_hash(enum fata_hash_alg alg, const void *data, size_t len, uint8_t *out)
{
	struct fata_hash h;

	fata_hash_init(&h, alg);
	fata_hash_update(&h, data, len);
	fata_hash_final(&h, out);
}

int fata_hash_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a;
	const volatile uint8_t *y = b;
	uint8_t diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

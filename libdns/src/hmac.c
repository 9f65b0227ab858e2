/*
 * HMAC (RFC 2104 section 2): H((K ^ opad) || H((K ^ ipad) || text)), with
 * K padded with zeros to the hash's block size, or first hashed when it is
 * longer than a block.
 */
#include <string.h>

#include <fata/dns_hash.h>

void fata_hmac_init(struct fata_hmac *m, enum fata_hash_alg alg, const void *key, size_t key_len)
{
	uint8_t k[FATA_HASH_MAX_BLOCK];
	uint8_t ipad[FATA_HASH_MAX_BLOCK];
	size_t block;

	fata_hash_init(&m->inner, alg);
	block = fata_hash_block_size(m->inner.alg);

	memset(k, 0, sizeof k);
	if (key_len > block)
		fata_hash(m->inner.alg, key, key_len, k);
	else if (key_len > 0)
		memcpy(k, key, key_len);

	for (size_t i = 0; i < block; i++) {
		ipad[i] = k[i] ^ 0x36;
		m->outer_key[i] = k[i] ^ 0x5c;
	}
	fata_hash_update(&m->inner, ipad, block);

	memset(k, 0, sizeof k);
	memset(ipad, 0, sizeof ipad);
}

void fata_hmac_update(struct fata_hmac *m, const void *data, size_t len)
{
	fata_hash_update(&m->inner, data, len);
}

void fata_hmac_final(struct fata_hmac *m, uint8_t *out)
{
	enum fata_hash_alg alg = m->inner.alg;
	uint8_t inner[FATA_HASH_MAX_SIZE];
	struct fata_hash outer;

	fata_hash_final(&m->inner, inner);

	fata_hash_init(&outer, alg);
	fata_hash_update(&outer, m->outer_key, fata_hash_block_size(alg));
	fata_hash_update(&outer, inner, fata_hash_size(alg));
	fata_hash_final(&outer, out);

	memset(inner, 0, sizeof inner);
	memset(m->outer_key, 0, sizeof m->outer_key);
}

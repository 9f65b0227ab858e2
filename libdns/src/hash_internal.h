/*
 * The block functions behind fata_hash (see fata/dns_hash.h); hash.c does
 * the padding and the streaming for all of them.
 */
#ifndef DNS_HASH_INTERNAL_H
#define DNS_HASH_INTERNAL_H

#include <stdint.h>

#include <fata/dns_hash.h>

static inline uint32_t hash_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t hash_load_be64(const uint8_t *p)
{
	return (uint64_t)hash_load_be32(p) << 32 | hash_load_be32(p + 4);
}

void hash_sha1_init(uint32_t state[5]);
void hash_sha1_block(uint32_t state[5], const uint8_t block[64]);
void hash_sha256_init(uint32_t state[8]);
void hash_sha256_block(uint32_t state[8], const uint8_t block[64]);
void hash_sha512_init(uint64_t state[8]);
void hash_sha512_block(uint64_t state[8], const uint8_t block[128]);

#endif

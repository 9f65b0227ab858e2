/*
 * SHA-1, SHA-256 and SHA-512 (FIPS 180-4) and HMAC (RFC 2104), the
 * primitives TSIG needs. Freestanding and constant in memory use; no
 * function here allocates or fails.
 */
#ifndef FATA_DNS_HASH_H
#define FATA_DNS_HASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FATA_SHA1_SIZE 20
#define FATA_SHA256_SIZE 32
#define FATA_SHA512_SIZE 64
/* The largest digest and block of the supported hashes. */
#define FATA_HASH_MAX_SIZE 64
#define FATA_HASH_MAX_BLOCK 128

/* The supported hash functions. */
enum fata_hash_alg {
	FATA_HASH_SHA1 = 1,
	FATA_HASH_SHA256 = 2,
	FATA_HASH_SHA512 = 3,
};

/* A running hash of any supported kind; fields are private. */
struct fata_hash {
	enum fata_hash_alg alg;
	uint64_t total;      /* bytes hashed so far */
	uint32_t fill;       /* bytes waiting in `block` */
	union {
		uint32_t s32[8];
		uint64_t s64[8];
	} state;
	uint8_t block[FATA_HASH_MAX_BLOCK];
};

/* Returns the digest size of `alg` in bytes, or 0 for an unknown value. */
size_t fata_hash_size(enum fata_hash_alg alg);

/* Returns the block size of `alg` in bytes, or 0 for an unknown value. */
size_t fata_hash_block_size(enum fata_hash_alg alg);

/* Starts a hash. An unknown `alg` behaves as SHA-256. */
void fata_hash_init(struct fata_hash *h, enum fata_hash_alg alg);

/* Adds `len` bytes at `data`. */
void fata_hash_update(struct fata_hash *h, const void *data, size_t len);

/* Writes the digest (fata_hash_size() bytes) to `out`; `h` must be initialised again before reuse. */
void fata_hash_final(struct fata_hash *h, uint8_t *out);

/* Hashes `len` bytes at `data` in one call. */
void fata_hash(enum fata_hash_alg alg, const void *data, size_t len, uint8_t *out);

/* A running HMAC. */
struct fata_hmac {
	struct fata_hash inner;
	uint8_t outer_key[FATA_HASH_MAX_BLOCK];
};

/*
 * Starts HMAC-`alg` with the `key_len`-byte `key`; keys longer than the
 * block are hashed first (RFC 2104 section 2).
 */
void fata_hmac_init(struct fata_hmac *m, enum fata_hash_alg alg, const void *key, size_t key_len);

/* Adds `len` bytes of message. */
void fata_hmac_update(struct fata_hmac *m, const void *data, size_t len);

/* Writes the MAC (the hash's digest size) to `out` and wipes the key copies. */
void fata_hmac_final(struct fata_hmac *m, uint8_t *out);

/*
 * Compares `len` bytes in time independent of where they differ, for MAC
 * checks. Returns 1 when equal.
 */
int fata_hash_equal(const void *a, const void *b, size_t len);

#ifdef __cplusplus
}
#endif

#endif

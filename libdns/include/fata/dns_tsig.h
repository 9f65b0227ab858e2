/*
 * TSIG (RFC 8945): shared-secret signatures on DNS messages, with
 * HMAC-SHA1, HMAC-SHA256 and HMAC-SHA512, and a reader for key files in
 * the format BIND's tsig-keygen writes and nsupdate -k reads:
 *
 *     key "name" {
 *         algorithm hmac-sha256;
 *         secret "base64";
 *     };
 *
 * Signing and verifying work on finished messages in caller buffers and
 * take the time as an argument (seconds since 1970 UTC).
 */
#ifndef FATA_DNS_TSIG_H
#define FATA_DNS_TSIG_H

#include <stddef.h>
#include <stdint.h>

#include <fata/dns.h>
#include <fata/dns_hash.h>
#include <fata/dns_zone.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest secret accepted, in bytes (a SHA-512 block; longer keys add nothing). */
#define FATA_DNS_TSIG_SECRET_MAX 128

/* The fudge this library puts in signatures, in seconds (RFC 8945 section 10 suggests 300). */
#define FATA_DNS_TSIG_FUDGE 300

/* The most bytes a TSIG record can add to a message (name, algorithm, MAC, other data). */
#define FATA_DNS_TSIG_RR_MAX (FATA_DNS_NAME_MAX + 10 + FATA_DNS_NAME_MAX + 16 + \
		FATA_HASH_MAX_SIZE + 6)

/* A key: its name (lowercase), algorithm and secret. */
struct fata_dns_tsig_key {
	struct fata_dns_name name;
	enum fata_hash_alg alg;
	size_t secret_len;
	uint8_t secret[FATA_DNS_TSIG_SECRET_MAX];
};

/* Stores in `out` the algorithm's name, "hmac-sha256." and so on (RFC 8945 section 6). */
void fata_dns_tsig_alg_name(enum fata_hash_alg alg, struct fata_dns_name *out);

/*
 * Parses an algorithm given as "hmac-sha256" (with or without a final
 * dot, any case). Errors: FATA_ENOTSUP for others, including hmac-md5.
 */
int fata_dns_tsig_alg_parse(const char *text, size_t len, enum fata_hash_alg *out);

/*
 * Called for each key in a key file; the key is valid during the call.
 * Returns 0 to go on or a negative error to stop, as for zone files.
 */
typedef int (*fata_dns_key_fn)(void *arg, const struct fata_dns_tsig_key *key, const char **why);

/*
 * Parses a key file (`len` bytes). Comments may be "#", "//" or slash-star.
 * Errors: FATA_EINVAL with `err` (may be NULL; it names `file`) giving
 * the line and reason for bad syntax, an unknown algorithm, a secret that
 * is not base64, empty or longer than FATA_DNS_TSIG_SECRET_MAX, a key
 * without an algorithm or secret; or the callback's error.
 */
int fata_dns_keyfile_parse(const char *text, size_t len, const char *file, fata_dns_key_fn fn,
		void *arg, struct fata_dns_zone_error *err);

/* The fields of a TSIG record (RFC 8945 section 4.2). */
struct fata_dns_tsig_record {
	struct fata_dns_name key_name;
	struct fata_dns_name alg_name;
	uint64_t time_signed;  /* 48 bits */
	uint16_t fudge;
	uint16_t mac_len;
	uint8_t mac[FATA_HASH_MAX_SIZE];
	uint16_t original_id;
	uint16_t error;
	uint16_t other_len;
	uint8_t other[6];      /* only BADTIME's server time is kept */
	size_t offset;         /* where the record starts in the message */
};

/*
 * Finds the TSIG record of a message: it must be the last record of the
 * additional section (RFC 8945 section 5.1). Returns 0 and fills `rec`,
 * FATA_ENOENT when the message has none, or FATA_EBADMSG when it is
 * malformed, misplaced, repeated, or has a MAC longer than 64 bytes.
 */
int fata_dns_tsig_find(const uint8_t *msg, size_t len, struct fata_dns_tsig_record *rec);

/*
 * Signs the finished message msg[0 .. *len) in place: appends a TSIG record
 * and counts it in ARCOUNT, growing *len (the buffer holds `cap` bytes).
 * For a response, `request_mac` is the request's MAC (RFC 8945 4.3.1); pass
 * NULL and 0 for a request. `error` is the TSIG error to send and
 * `time_signed` the time to put in the record; for BADTIME, `other_time`
 * (not 0) is added as other data (RFC 8945 section 5.2.3). The MAC is
 * stored in `mac_out` (FATA_HASH_MAX_SIZE bytes, may be NULL) for signing
 * the next message of a stream. Returns the MAC length, or FATA_ENOSPC,
 * FATA_EBADMSG when the message is shorter than a header.
 */
int fata_dns_tsig_sign(uint8_t *msg, size_t *len, size_t cap, const struct fata_dns_tsig_key *key,
		uint64_t time_signed, const uint8_t *request_mac, size_t request_mac_len,
		uint16_t error, uint64_t other_time, uint8_t *mac_out);

/*
 * Signs a later message of a TCP stream (zone transfer), where the MAC
 * covers the prior MAC, the message and only the timers (RFC 8945 section
 * 5.3.1). Returns as fata_dns_tsig_sign().
 */
int fata_dns_tsig_sign_next(uint8_t *msg, size_t *len, size_t cap,
		const struct fata_dns_tsig_key *key, uint64_t time_signed, const uint8_t *prior_mac,
		size_t prior_mac_len, uint8_t *mac_out);

/*
 * Appends an unsigned TSIG record (no MAC) carrying `error`, as a response
 * to a request whose key is unknown or whose MAC is wrong (RFC 8945 5.3.2).
 * Errors: FATA_ENOSPC, FATA_EBADMSG.
 */
int fata_dns_tsig_append_error(uint8_t *msg, size_t *len, size_t cap,
		const struct fata_dns_tsig_record *request, uint16_t error, uint64_t time_signed);

/*
 * Verifies the TSIG of a received message found with fata_dns_tsig_find()
 * (`rec`). `keys` holds `nkeys` keys; the one whose name and algorithm
 * match is used and stored in `*key_out` (may be NULL). `request_mac` is
 * NULL for a request, or the MAC of the request a response answers, and
 * `prior` nonzero verifies a later message of a stream (timers only).
 * `now` is the current time in seconds. Returns 0 when the signature
 * holds, else the TSIG error to report: FATA_DNS_RCODE_BADKEY (no such
 * key), FATA_DNS_RCODE_BADSIG (wrong MAC), FATA_DNS_RCODE_BADTIME (outside
 * the fudge, checked after the MAC), or FATA_DNS_RCODE_FORMERR for a MAC
 * shorter than RFC 8945 section 5.2.2.1 allows or longer than the hash.
 */
int fata_dns_tsig_verify(const uint8_t *msg, size_t len, const struct fata_dns_tsig_record *rec,
		const struct fata_dns_tsig_key *keys, size_t nkeys, uint64_t now,
		const uint8_t *request_mac, size_t request_mac_len, int prior,
		const struct fata_dns_tsig_key **key_out);

#ifdef __cplusplus
}
#endif

#endif

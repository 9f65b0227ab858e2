/*
 * TSIG signing and verification (RFC 8945 sections 4 and 5).
 *
 * The MAC covers three parts in order. The first is the request's MAC with
 * its 16-bit length, in responses only. The second is the message as it
 * was before the TSIG record was added: original ID, ARCOUNT without the
 * TSIG. The third is the TSIG variables of section 4.3.3: key name and
 * algorithm in canonical form, class ANY, TTL 0, time, fudge, error and
 * other data. Later messages of a stream cover the prior MAC, the message
 * and the timers only (section 4.3.1).
 */
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_hash.h>
#include <fata/dns_tsig.h>
#include <fata/error.h>

#include "dns_internal.h"

static const struct {
	enum fata_hash_alg alg;
	const char *name;
} tsig_algs[] = {
	{ FATA_HASH_SHA1, "hmac-sha1" },
	{ FATA_HASH_SHA256, "hmac-sha256" },
	{ FATA_HASH_SHA512, "hmac-sha512" },
};

void fata_dns_tsig_alg_name(enum fata_hash_alg alg, struct fata_dns_name *out)
{
	const char *name = "hmac-sha256";

	for (size_t i = 0; i < sizeof tsig_algs / sizeof tsig_algs[0]; i++) {
		if (tsig_algs[i].alg == alg)
			name = tsig_algs[i].name;
	}
	size_t n = strlen(name);

	/* Every algorithm name is one label under the root. */
	out->wire[0] = (uint8_t)n;
	memcpy(out->wire + 1, name, n);
	out->wire[1 + n] = 0;
	out->len = (uint8_t)(n + 2);
	out->labels = 1;
}

int fata_dns_tsig_alg_parse(const char *text, size_t len, enum fata_hash_alg *out)
{
	if (len > 0 && text[len - 1] == '.')
		len--;
	for (size_t i = 0; i < sizeof tsig_algs / sizeof tsig_algs[0]; i++) {
		const char *name = tsig_algs[i].name;

		if (strlen(name) != len)
			continue;
		size_t k = 0;

		while (k < len && (text[k] | 0x20) == name[k])
			k++;
		if (k == len) {
			*out = tsig_algs[i].alg;
			return 0;
		}
	}
	return FATA_ENOTSUP;
}

static int alg_from_name(const struct fata_dns_name *name, enum fata_hash_alg *out)
{
	/* A one-label name: the label is the algorithm's text name. */
	if (name->labels != 1)
		return FATA_ENOTSUP;
	return fata_dns_tsig_alg_parse((const char *)name->wire + 1, name->wire[0], out);
}

int fata_dns_tsig_find(const uint8_t *msg, size_t len, struct fata_dns_tsig_record *rec)
{
	struct fata_dns_parser parser;
	struct fata_dns_parser *p = &parser;
	struct fata_dns_rr rr;
	enum fata_dns_section section;
	int found = 0, err;

	if (fata_dns_parser_init(p, msg, len) < 0)
		return FATA_EBADMSG;

	while ((err = fata_dns_parse_rr(p, &rr, &section)) == 0) {
		if (rr.type != FATA_DNS_TYPE_TSIG)
			continue;
		/* Only one, and only as the very last record (RFC 8945 5.1). */
		if (found || section != FATA_DNS_SECTION_ADDITIONAL || p->left != 0)
			return FATA_EBADMSG;
		found = 1;
		if (rr.rdlen == 0 || fata_dns_rdata_check(FATA_DNS_TYPE_TSIG, rr.rdata, rr.rdlen) < 0)
			return FATA_EBADMSG;
		rec->offset = p->rr_start;
		rec->key_name = rr.owner;
		fata_dns_name_lower(&rec->key_name);

		const uint8_t *d = rr.rdata;
		size_t n = dns_name_wire_len(d, rr.rdlen);
		uint16_t mac_len;

		fata_dns_name_from_wire(d, n, &rec->alg_name);
		fata_dns_name_lower(&rec->alg_name);
		d += n;
		rec->time_signed = (uint64_t)dns_get16(d) << 32 | dns_get32(d + 2);
		rec->fudge = dns_get16(d + 6);
		mac_len = dns_get16(d + 8);
		if (mac_len > FATA_HASH_MAX_SIZE)
			return FATA_EBADMSG;
		rec->mac_len = mac_len;
		memcpy(rec->mac, d + 10, mac_len);
		d += 10 + mac_len;
		rec->original_id = dns_get16(d);
		rec->error = dns_get16(d + 2);
		rec->other_len = dns_get16(d + 4);
		memset(rec->other, 0, sizeof rec->other);
		if (rec->other_len == 6)
			memcpy(rec->other, d + 6, 6);
		if (rr.class_ != FATA_DNS_CLASS_ANY || rr.ttl != 0)
			return FATA_EBADMSG;
	}
	if (err != FATA_ENOENT)
		return FATA_EBADMSG;
	return found ? 0 : FATA_ENOENT;
}

static void put48(uint8_t *p, uint64_t v)
{
	dns_put16(p, (uint16_t)(v >> 32));
	dns_put32(p + 2, (uint32_t)v);
}

/* Feeds the message without its TSIG: `id` in place of the ID, ARCOUNT `arcount`. */
static void mac_message(struct fata_hmac *m, const uint8_t *msg, size_t len, uint16_t id,
		uint16_t arcount)
{
	uint8_t header[FATA_DNS_HEADER_SIZE];

	memcpy(header, msg, sizeof header);
	dns_put16(header, id);
	dns_put16(header + 10, arcount);
	fata_hmac_update(m, header, sizeof header);
	fata_hmac_update(m, msg + FATA_DNS_HEADER_SIZE, len - FATA_DNS_HEADER_SIZE);
}

static void mac_prior(struct fata_hmac *m, const uint8_t *mac, size_t mac_len)
{
	uint8_t n[2];

	dns_put16(n, (uint16_t)mac_len);
	fata_hmac_update(m, n, 2);
	fata_hmac_update(m, mac, mac_len);
}

static void mac_timers(struct fata_hmac *m, uint64_t time_signed, uint16_t fudge)
{
	uint8_t t[8];

	put48(t, time_signed);
	dns_put16(t + 6, fudge);
	fata_hmac_update(m, t, 8);
}

/* Feeds the TSIG variables of RFC 8945 section 4.3.3. */
static void mac_variables(struct fata_hmac *m, const struct fata_dns_name *key_name,
		const struct fata_dns_name *alg_name, uint64_t time_signed, uint16_t fudge,
		uint16_t error, const uint8_t *other, uint16_t other_len)
{
	struct fata_dns_name k = *key_name, a = *alg_name;
	uint8_t fixed[6];
	uint8_t tail[4];

	fata_dns_name_lower(&k);
	fata_dns_name_lower(&a);
	fata_hmac_update(m, k.wire, k.len);
	dns_put16(fixed, FATA_DNS_CLASS_ANY);
	dns_put32(fixed + 2, 0);
	fata_hmac_update(m, fixed, 6);
	fata_hmac_update(m, a.wire, a.len);
	mac_timers(m, time_signed, fudge);
	dns_put16(tail, error);
	dns_put16(tail + 2, other_len);
	fata_hmac_update(m, tail, 4);
	if (other_len > 0)
		fata_hmac_update(m, other, other_len);
}

/* Appends the TSIG record and bumps ARCOUNT. */
static int append_record(uint8_t *msg, size_t *len, size_t cap,
		const struct fata_dns_name *key_name, const struct fata_dns_name *alg_name,
		uint64_t time_signed, uint16_t fudge, const uint8_t *mac, size_t mac_len,
		uint16_t original_id, uint16_t error, const uint8_t *other, uint16_t other_len)
{
	size_t rdlen = alg_name->len + 10 + mac_len + 6 + other_len;
	size_t need = key_name->len + 10 + rdlen;
	uint8_t *p = msg + *len;

	if (*len + need > cap)
		return FATA_ENOSPC;

	memcpy(p, key_name->wire, key_name->len);
	p += key_name->len;
	dns_put16(p, FATA_DNS_TYPE_TSIG);
	dns_put16(p + 2, FATA_DNS_CLASS_ANY);
	dns_put32(p + 4, 0);
	dns_put16(p + 8, (uint16_t)rdlen);
	p += 10;
	memcpy(p, alg_name->wire, alg_name->len);
	p += alg_name->len;
	put48(p, time_signed);
	dns_put16(p + 6, fudge);
	dns_put16(p + 8, (uint16_t)mac_len);
	if (mac_len > 0)
		memcpy(p + 10, mac, mac_len);
	p += 10 + mac_len;
	dns_put16(p, original_id);
	dns_put16(p + 2, error);
	dns_put16(p + 4, other_len);
	if (other_len > 0)
		memcpy(p + 6, other, other_len);

	*len += need;
	dns_put16(msg + 10, (uint16_t)(dns_get16(msg + 10) + 1));
	return 0;
}

int fata_dns_tsig_sign(uint8_t *msg, size_t *len, size_t cap, const struct fata_dns_tsig_key *key,
		uint64_t time_signed, const uint8_t *request_mac, size_t request_mac_len,
		uint16_t error, uint64_t other_time, uint8_t *mac_out)
{
	struct fata_dns_name alg;
	struct fata_hmac m;
	uint8_t mac[FATA_HASH_MAX_SIZE];
	uint8_t other[6];
	uint16_t other_len = 0;
	size_t mac_len = fata_hash_size(key->alg);
	int err;

	if (*len < FATA_DNS_HEADER_SIZE)
		return FATA_EBADMSG;
	fata_dns_tsig_alg_name(key->alg, &alg);
	if (other_time) {
		put48(other, other_time);
		other_len = 6;
	}

	fata_hmac_init(&m, key->alg, key->secret, key->secret_len);
	if (request_mac)
		mac_prior(&m, request_mac, request_mac_len);
	mac_message(&m, msg, *len, dns_get16(msg), dns_get16(msg + 10));
	mac_variables(&m, &key->name, &alg, time_signed, FATA_DNS_TSIG_FUDGE, error, other,
			other_len);
	fata_hmac_final(&m, mac);

	err = append_record(msg, len, cap, &key->name, &alg, time_signed, FATA_DNS_TSIG_FUDGE, mac,
			mac_len, dns_get16(msg), error, other, other_len);
	if (err < 0)
		return err;
	if (mac_out)
		memcpy(mac_out, mac, mac_len);
	return (int)mac_len;
}

int fata_dns_tsig_sign_next(uint8_t *msg, size_t *len, size_t cap,
		const struct fata_dns_tsig_key *key, uint64_t time_signed, const uint8_t *prior_mac,
		size_t prior_mac_len, uint8_t *mac_out)
{
	struct fata_dns_name alg;
	struct fata_hmac m;
	uint8_t mac[FATA_HASH_MAX_SIZE];
	size_t mac_len = fata_hash_size(key->alg);
	int err;

	if (*len < FATA_DNS_HEADER_SIZE)
		return FATA_EBADMSG;
	fata_dns_tsig_alg_name(key->alg, &alg);

	fata_hmac_init(&m, key->alg, key->secret, key->secret_len);
	mac_prior(&m, prior_mac, prior_mac_len);
	mac_message(&m, msg, *len, dns_get16(msg), dns_get16(msg + 10));
	mac_timers(&m, time_signed, FATA_DNS_TSIG_FUDGE);
	fata_hmac_final(&m, mac);

	err = append_record(msg, len, cap, &key->name, &alg, time_signed, FATA_DNS_TSIG_FUDGE, mac,
			mac_len, dns_get16(msg), 0, NULL, 0);
	if (err < 0)
		return err;
	if (mac_out)
		memcpy(mac_out, mac, mac_len);
	return (int)mac_len;
}

int fata_dns_tsig_append_error(uint8_t *msg, size_t *len, size_t cap,
		const struct fata_dns_tsig_record *request, uint16_t error, uint64_t time_signed)
{
	if (*len < FATA_DNS_HEADER_SIZE)
		return FATA_EBADMSG;
	return append_record(msg, len, cap, &request->key_name, &request->alg_name, time_signed,
			request->fudge, NULL, 0, dns_get16(msg), error, NULL, 0);
}

static const struct fata_dns_tsig_key *key_find(const struct fata_dns_tsig_key *keys,
		size_t nkeys, const struct fata_dns_name *name, enum fata_hash_alg alg)
{
	for (size_t i = 0; i < nkeys; i++) {
		if (keys[i].alg == alg && fata_dns_name_equal(&keys[i].name, name))
			return &keys[i];
	}
	return NULL;
}

int fata_dns_tsig_verify(const uint8_t *msg, size_t len, const struct fata_dns_tsig_record *rec,
		const struct fata_dns_tsig_key *keys, size_t nkeys, uint64_t now,
		const uint8_t *request_mac, size_t request_mac_len, int prior,
		const struct fata_dns_tsig_key **key_out)
{
	const struct fata_dns_tsig_key *key;
	enum fata_hash_alg alg;
	struct fata_hmac m;
	uint8_t mac[FATA_HASH_MAX_SIZE];
	size_t full, min;
	uint64_t low, high;

	(void)len;
	/* Section 5.2.1: the key must be known under this name and algorithm. */
	if (alg_from_name(&rec->alg_name, &alg) < 0)
		return FATA_DNS_RCODE_BADKEY;
	key = key_find(keys, nkeys, &rec->key_name, alg);
	if (!key)
		return FATA_DNS_RCODE_BADKEY;
	if (key_out)
		*key_out = key;

	/* Section 5.2.2.1: a MAC may be cut to half the hash, but never below 10 bytes. */
	full = fata_hash_size(alg);
	min = full / 2 > 10 ? full / 2 : 10;
	if (rec->mac_len > full || rec->mac_len < min)
		return FATA_DNS_RCODE_FORMERR;

	/* Section 5.2.2: compute the MAC over what the sender signed. */
	fata_hmac_init(&m, key->alg, key->secret, key->secret_len);
	if (request_mac)
		mac_prior(&m, request_mac, request_mac_len);
	mac_message(&m, msg, rec->offset, rec->original_id,
			(uint16_t)(dns_get16(msg + 10) - 1));
	if (prior)
		mac_timers(&m, rec->time_signed, rec->fudge);
	else
		mac_variables(&m, &rec->key_name, &rec->alg_name, rec->time_signed, rec->fudge,
				rec->error, rec->other, rec->other_len == 6 ? 6 : 0);
	fata_hmac_final(&m, mac);
	if (rec->other_len != 0 && rec->other_len != 6 && !prior)
		return FATA_DNS_RCODE_BADSIG; /* other data this library does not keep */
	if (!fata_hash_equal(mac, rec->mac, rec->mac_len))
		return FATA_DNS_RCODE_BADSIG;

	/* Section 5.2.3: the time must lie within the fudge of ours. */
	low = rec->time_signed > rec->fudge ? rec->time_signed - rec->fudge : 0;
	high = rec->time_signed + rec->fudge;
	if (now < low || now > high)
		return FATA_DNS_RCODE_BADTIME;
	return 0;
}

/*
 * Internals shared by the files of libfata-dns.
 */
#ifndef DNS_INTERNAL_H
#define DNS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <fata/dns.h>

/* Big-endian loads and stores on raw bytes. */
static inline uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- encoding.c ---- */

/* Output sizes of the encoders for `n` input bytes. */
#define DNS_BASE64_LEN(n) (((n) + 2) / 3 * 4)
#define DNS_BASE32_LEN(n) (((n) * 8 + 4) / 5)

size_t dns_base64_encode(const uint8_t *data, size_t len, char *out);
/* Decodes into `out` of `cap` bytes. Errors: FATA_EINVAL, FATA_ENOSPC. */
int dns_base64_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len);
size_t dns_base32hex_encode(const uint8_t *data, size_t len, char *out);
int dns_base32hex_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len);
size_t dns_hex_encode(const uint8_t *data, size_t len, char *out);
int dns_hex_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len);
/* Returns the value of a hex digit, or -1. */
int dns_hex_digit(char c);

/* ---- name.c, name_text.c ---- */

/* Returns the length of the uncompressed name at `wire`, or 0 when invalid. */
size_t dns_name_wire_len(const uint8_t *wire, size_t len);
int dns_label_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
unsigned dns_name_offsets(const struct fata_dns_name *name, uint8_t offsets[128]);
int dns_text_unescape(const char *text, size_t len, size_t *i);
int dns_text_escape_byte(uint8_t c, int in_name, char *buf, size_t size, size_t *o);

/* ---- rrtype.c: what each record type's rdata is made of ---- */

/*
 * Field codes of an rdata schema, one character per field:
 *   n  domain name                       N  domain name, never compressed
 *   1  8-bit integer     2  16-bit       4  32-bit        6  48-bit
 *   L  32-bit duration (zone files accept TTL units)
 *   A  IPv4 address      a  IPv6 address
 *   s  character-string  S  one or more character-strings to the end
 *   t  record type       T  time stamp (RFC 4034 section 3.2)
 *   b  base64 to the end x  hex to the end
 *   B  type bitmap to the end (RFC 4034 section 4.1.2)
 *   h  hex with an 8-bit length ("-" when empty)
 *   H  base32hex with an 8-bit length
 *   m  base64 with a 16-bit length (TSIG MAC and other data)
 *   C  CAA tag           V  CAA value to the end
 *   P  SVCB parameters to the end        O  EDNS options to the end
 */
enum dns_type_flags {
	/* Names in the rdata may be compressed on output (RFC 3597 section 4). */
	DNS_TYPE_COMPRESS = 1u << 0,
	/* Compressed names in the rdata are expanded on input. */
	DNS_TYPE_DECOMPRESS = 1u << 1,
	/* Names in the rdata are lowercased in canonical form (RFC 4034 6.2). */
	DNS_TYPE_CANONICAL = 1u << 2,
	/* A meta or pseudo type that never appears in a zone. */
	DNS_TYPE_META = 1u << 3,
};

struct dns_type_info {
	uint16_t type;
	const char *name;
	const char *schema;
	unsigned flags;
};

/* Returns the schema entry of `type`, or NULL for a type without one. */
const struct dns_type_info *dns_type_info(uint16_t type);

/* ---- rdata.c ---- */

/*
 * Returns the size of the field with schema code `code` at `p`, with
 * `avail` bytes left in the rdata, after checking it; -1 when malformed.
 */
long dns_field_size(char code, const uint8_t *p, size_t avail);

/*
 * Expands the rdata of a `type` record at msg[pos .. pos + rdlen) into `out`
 * (FATA_DNS_RDATA_EXPANDED_MAX bytes), following compression pointers in
 * name fields. Errors: FATA_EBADMSG.
 */
int dns_rdata_expand(uint16_t type, const uint8_t *msg, size_t len, size_t pos, size_t rdlen,
		uint8_t *out, size_t *out_len);

/* A token of a zone file line: raw text with escapes kept, quotes removed when `quoted`. */
struct dns_token {
	const char *text;
	size_t len;
	int quoted;
};

/* ---- rdata_parse.c ---- */

/*
 * Converts rdata tokens to wire format for `type`, with relative names
 * completed by `origin`. On FATA_EINVAL, `*why` gets a static reason.
 */
int dns_rdata_parse(uint16_t type, const struct dns_token *tokens, size_t count,
		const struct fata_dns_name *origin, uint8_t *out, size_t cap, size_t *olen,
		const char **why);
/* Parses a decimal number up to `max`. Errors: FATA_EINVAL. */
int dns_uint_parse(const char *text, size_t len, uint64_t max, uint64_t *out);
/* Parses a TTL with optional units ("3600", "1h", "1w2d"). Errors: FATA_EINVAL. */
int dns_duration_parse(const char *text, size_t len, uint32_t *out);

/* ---- svcb.c ---- */

/* Converts "key=value" tokens into wire SvcParams. Errors: FATA_EINVAL, FATA_ENOSPC. */
int dns_svcb_params_parse(const struct dns_token *tokens, size_t count, uint8_t *out,
		size_t cap, size_t *olen);

int dns_svcb_params_check(const uint8_t *p, size_t len);
int dns_svcb_params_format(const uint8_t *p, size_t len, char *buf, size_t size, size_t *o);

/* ---- text output helpers (rdata_text.c) ---- */

/* Appends `len` bytes of text; 0 or FATA_ENOSPC. */
int dns_out(char *buf, size_t size, size_t *o, const char *text, size_t len);
int dns_out_str(char *buf, size_t size, size_t *o, const char *text);
int dns_out_uint(char *buf, size_t size, size_t *o, uint64_t v);
/* Appends a quoted character-string. */
int dns_out_quoted(char *buf, size_t size, size_t *o, const uint8_t *data, size_t len);

#endif

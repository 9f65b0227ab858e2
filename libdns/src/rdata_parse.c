/*
 * Rdata from presentation format: the tokens after the type on a zone-file
 * line are converted field by field following the type's schema. Every
 * type also accepts the generic form "\# LENGTH HEX" (RFC 3597 section 5).
 */
#include <string.h>

#include <fata/addr.h>
#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/error.h>

#include "dns_internal.h"

/* The state of one conversion: the tokens left and the output so far. */
struct rdata_in {
	const struct dns_token *tok;
	size_t count;
	size_t next;
	const struct fata_dns_name *origin;
	uint8_t *out;
	size_t cap;
	size_t len;
	const char *why;
};

static int fail(struct rdata_in *in, const char *why)
{
	in->why = why;
	return FATA_EINVAL;
}

static const struct dns_token *take(struct rdata_in *in)
{
	if (in->next >= in->count)
		return NULL;
	return &in->tok[in->next++];
}

static int put(struct rdata_in *in, const void *data, size_t len)
{
	if (in->len + len > in->cap || in->len + len > 65535)
		return fail(in, "rdata is longer than 65535 bytes");
	memcpy(in->out + in->len, data, len);
	in->len += len;
	return 0;
}

int dns_uint_parse(const char *text, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return FATA_EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return FATA_EINVAL;
		if (v > (max - (uint64_t)(text[i] - '0')) / 10)
			return FATA_EINVAL;
		v = v * 10 + (uint64_t)(text[i] - '0');
	}
	*out = v;
	return 0;
}

int dns_duration_parse(const char *text, size_t len, uint32_t *out)
{
	uint64_t total = 0, number = 0;
	int digits = 0, units = 0;

	if (len == 0)
		return FATA_EINVAL;
	/* A plain number is seconds; otherwise every number needs a unit (BIND's "1w2d3h"). */
	if (dns_uint_parse(text, len, UINT32_MAX, &number) == 0) {
		*out = (uint32_t)number;
		return 0;
	}
	number = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		uint64_t scale;

		if (c >= '0' && c <= '9') {
			number = number * 10 + (uint64_t)(c - '0');
			if (number > UINT32_MAX)
				return FATA_EINVAL;
			digits++;
			continue;
		}
		switch (c | 0x20) {
		case 's': scale = 1; break;
		case 'm': scale = 60; break;
		case 'h': scale = 3600; break;
		case 'd': scale = 86400; break;
		case 'w': scale = 604800; break;
		default: return FATA_EINVAL;
		}
		if (digits == 0)
			return FATA_EINVAL;
		total += number * scale;
		if (total > UINT32_MAX)
			return FATA_EINVAL;
		number = 0;
		digits = 0;
		units++;
	}
	if (digits > 0 || units == 0)
		return FATA_EINVAL;
	*out = (uint32_t)total;
	return 0;
}

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* RFC 4034 3.2: YYYYMMDDHHmmSS in UTC, or a plain number of seconds. */
static int timestamp_parse(const char *text, size_t len, uint32_t *out)
{
	unsigned v[6] = { 0 };
	static const unsigned widths[6] = { 4, 2, 2, 2, 2, 2 };
	uint64_t n;
	size_t p = 0;
	int64_t secs;

	if (len != 14) {
		if (dns_uint_parse(text, len, UINT32_MAX, &n) < 0)
			return FATA_EINVAL;
		*out = (uint32_t)n;
		return 0;
	}
	for (int f = 0; f < 6; f++) {
		for (unsigned k = 0; k < widths[f]; k++, p++) {
			if (text[p] < '0' || text[p] > '9')
				return FATA_EINVAL;
			v[f] = v[f] * 10 + (unsigned)(text[p] - '0');
		}
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 59)
		return FATA_EINVAL;
	secs = days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	/* The field is serial arithmetic on 32 bits, so later years wrap (RFC 4034 3.1.5). */
	*out = (uint32_t)(uint64_t)secs;
	return 0;
}

static int string_parse(const struct dns_token *t, uint8_t *out, size_t cap, size_t *olen)
{
	size_t i = 0, o = 0;

	while (i < t->len) {
		int c = dns_text_unescape(t->text, t->len, &i);

		if (c < 0 || o >= cap)
			return FATA_EINVAL;
		out[o++] = (uint8_t)c;
	}
	*olen = o;
	return 0;
}

/*
 * Joins the remaining tokens and decodes them at once, because zone files
 * may split base64 and hex anywhere, even inside a quantum.
 */
static int rest_decode(struct rdata_in *in,
		int (*decode)(const char *, size_t, uint8_t *, size_t, size_t *), int need_one)
{
	size_t total = 0, n = 0, at = 0;
	char *joined;
	int err;

	for (size_t i = in->next; i < in->count; i++)
		total += in->tok[i].len;
	if (in->next >= in->count)
		return need_one ? fail(in, "missing encoded data") : 0;

	joined = fata_alloc(total + 1);
	if (!joined)
		return fail(in, "out of memory");
	while (in->next < in->count) {
		const struct dns_token *t = take(in);

		memcpy(joined + at, t->text, t->len);
		at += t->len;
	}
	err = decode(joined, total, in->out + in->len, in->cap - in->len, &n);
	fata_free(joined);
	if (err < 0)
		return fail(in, "invalid encoded data");
	in->len += n;
	return 0;
}

static int bitmap_parse(struct rdata_in *in)
{
	uint8_t bits[256][32];
	uint8_t used[256] = { 0 };

	memset(bits, 0, sizeof bits);
	while (in->next < in->count) {
		const struct dns_token *t = take(in);
		uint16_t type;

		if (fata_dns_type_parse(t->text, t->len, &type) < 0)
			return fail(in, "invalid type in the type bitmap");
		bits[type >> 8][(type & 0xff) >> 3] |= (uint8_t)(0x80 >> (type & 7));
		if (used[type >> 8] < ((type & 0xff) >> 3) + 1)
			used[type >> 8] = (uint8_t)(((type & 0xff) >> 3) + 1);
	}
	for (unsigned w = 0; w < 256; w++) {
		uint8_t head[2] = { (uint8_t)w, used[w] };

		if (used[w] == 0)
			continue;
		if (put(in, head, 2) < 0 || put(in, bits[w], used[w]) < 0)
			return FATA_EINVAL;
	}
	return 0;
}

static int options_parse(struct rdata_in *in)
{
	while (in->next < in->count) {
		const struct dns_token *t = take(in);
		const char *colon = memchr(t->text, ':', t->len);
		uint64_t code;
		size_t n, clen;
		uint8_t head[4];

		if (!colon)
			return fail(in, "EDNS option needs the form CODE:HEX");
		clen = (size_t)(colon - t->text);
		if (dns_uint_parse(t->text, clen, 65535, &code) < 0 || in->len + 4 > in->cap)
			return fail(in, "invalid EDNS option code");
		if (dns_hex_decode(colon + 1, t->len - clen - 1, in->out + in->len + 4,
				in->cap - in->len - 4, &n) < 0 || n > 65535)
			return fail(in, "invalid EDNS option data");
		dns_put16(head, (uint16_t)code);
		dns_put16(head + 2, (uint16_t)n);
		memcpy(in->out + in->len, head, 4);
		in->len += 4 + n;
	}
	return 0;
}

static int int_field(struct rdata_in *in, const struct dns_token *t, unsigned bytes)
{
	uint64_t max = bytes == 6 ? UINT64_C(0xffffffffffff) : (UINT64_C(1) << (8 * bytes)) - 1;
	uint64_t v;
	uint8_t b[8];

	if (dns_uint_parse(t->text, t->len, max, &v) < 0)
		return fail(in, "invalid or out-of-range number");
	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return put(in, b, bytes);
}

static int address_field(struct rdata_in *in, const struct dns_token *t, int family)
{
	struct fata_ipaddr ip;

	if (fata_ipaddr_parse(t->text, t->len, &ip) < 0 || ip.family != family)
		return fail(in, family == FATA_AF_INET ? "invalid IPv4 address"
				: "invalid IPv6 address");
	return put(in, ip.bytes, family == FATA_AF_INET ? 4 : 16);
}

/* Converts one field that takes exactly one token. */
static int single_field(struct rdata_in *in, char code, const struct dns_token *t)
{
	struct fata_dns_name name;
	uint8_t buf[65536 / 4];
	size_t n;
	uint32_t u32;
	uint16_t type;
	uint8_t b4[4];

	switch (code) {
	case 'n':
	case 'N':
		if (fata_dns_name_parse(t->text, t->len, in->origin, &name) < 0)
			return fail(in, "invalid domain name");
		return put(in, name.wire, name.len);
	case '1':
		return int_field(in, t, 1);
	case '2':
		return int_field(in, t, 2);
	case '4':
		return int_field(in, t, 4);
	case '6':
		return int_field(in, t, 6);
	case 'L':
		if (dns_duration_parse(t->text, t->len, &u32) < 0)
			return fail(in, "invalid time value");
		dns_put32(b4, u32);
		return put(in, b4, 4);
	case 'T':
		if (timestamp_parse(t->text, t->len, &u32) < 0)
			return fail(in, "invalid time stamp, expected YYYYMMDDHHmmSS");
		dns_put32(b4, u32);
		return put(in, b4, 4);
	case 't':
		if (fata_dns_type_parse(t->text, t->len, &type) < 0)
			return fail(in, "invalid record type");
		dns_put16(b4, type);
		return put(in, b4, 2);
	case 'A':
		return address_field(in, t, FATA_AF_INET);
	case 'a':
		return address_field(in, t, FATA_AF_INET6);
	case 's':
		if (string_parse(t, buf + 1, 255, &n) < 0)
			return fail(in, "invalid or too long character-string (max 255 bytes)");
		buf[0] = (uint8_t)n;
		return put(in, buf, n + 1);
	case 'h':
		n = 0;
		if (!(t->len == 1 && t->text[0] == '-')
				&& (dns_hex_decode(t->text, t->len, buf + 1, 255, &n) < 0 || n == 0))
			return fail(in, "invalid hex salt");
		buf[0] = (uint8_t)n;
		return put(in, buf, n + 1);
	case 'H':
		if (dns_base32hex_decode(t->text, t->len, buf + 1, 255, &n) < 0 || n == 0)
			return fail(in, "invalid base32hex hash");
		buf[0] = (uint8_t)n;
		return put(in, buf, n + 1);
	case 'C':
		if (t->len < 1 || t->len > 15)
			return fail(in, "CAA tag must have 1 to 15 letters or digits");
		buf[0] = (uint8_t)t->len;
		memcpy(buf + 1, t->text, t->len);
		if (dns_field_size('C', buf, t->len + 1) < 0)
			return fail(in, "CAA tag must have 1 to 15 letters or digits");
		return put(in, buf, t->len + 1);
	}
	return fail(in, "unsupported field");
}

static int mac_field(struct rdata_in *in, const struct dns_token *t)
{
	uint64_t len;
	size_t n = 0;
	uint8_t head[2];

	if (dns_uint_parse(t->text, t->len, 65535, &len) < 0)
		return fail(in, "invalid length");
	if (len > 0) {
		const struct dns_token *data = take(in);

		if (!data || in->len + 2 > in->cap || dns_base64_decode(data->text, data->len,
				in->out + in->len + 2, in->cap - in->len - 2, &n) < 0 || n != len)
			return fail(in, "base64 data does not match its length");
	}
	dns_put16(head, (uint16_t)len);
	memcpy(in->out + in->len, head, 2);
	in->len += 2 + n;
	return 0;
}

/* Converts the field `code`, which may take the remaining tokens. */
static int field_parse(struct rdata_in *in, char code)
{
	const struct dns_token *t;
	size_t n;

	switch (code) {
	case 'S':
		if (in->next >= in->count)
			return fail(in, "missing character-string");
		while (in->next < in->count) {
			if (single_field(in, 's', take(in)) < 0)
				return FATA_EINVAL;
		}
		return 0;
	case 'b':
		return rest_decode(in, dns_base64_decode, 1);
	case 'x':
		return rest_decode(in, dns_hex_decode, 1);
	case 'B':
		return bitmap_parse(in);
	case 'O':
		return options_parse(in);
	case 'P':
		if (dns_svcb_params_parse(in->tok + in->next, in->count - in->next,
				in->out + in->len, in->cap - in->len, &n) < 0)
			return fail(in, "invalid SvcParam");
		in->next = in->count;
		in->len += n;
		return 0;
	}

	t = take(in);
	if (!t)
		return fail(in, "too few rdata fields");
	if (code == 'm')
		return mac_field(in, t);
	if (code == 'V') {
		if (string_parse(t, in->out + in->len, in->cap - in->len, &n) < 0)
			return fail(in, "invalid CAA value");
		in->len += n;
		return 0;
	}
	return single_field(in, code, t);
}

static int generic_parse(struct rdata_in *in)
{
	const struct dns_token *t;
	uint64_t want;

	in->next = 1;
	t = take(in);
	if (!t || dns_uint_parse(t->text, t->len, 65535, &want) < 0)
		return fail(in, "invalid length in the \\# generic form");
	if (rest_decode(in, dns_hex_decode, 0) < 0)
		return FATA_EINVAL;
	if (in->len != want)
		return fail(in, "hex data does not match the length in the \\# generic form");
	return 0;
}

int dns_rdata_parse(uint16_t type, const struct dns_token *tokens, size_t count,
		const struct fata_dns_name *origin, uint8_t *out, size_t cap, size_t *olen,
		const char **why)
{
	const struct dns_type_info *info = dns_type_info(type);
	struct rdata_in in = {
		.tok = tokens, .count = count, .origin = origin, .out = out, .cap = cap,
	};
	int err;

	if (count > 0 && !tokens[0].quoted && tokens[0].len == 2
			&& memcmp(tokens[0].text, "\\#", 2) == 0) {
		err = generic_parse(&in);
		/* Known types given generically must still be well-formed. */
		if (err == 0 && fata_dns_rdata_check(type, out, in.len) < 0)
			err = fail(&in, "rdata in the \\# generic form is malformed for its type");
	} else if (!info || !info->schema) {
		err = fail(&in, "unknown type needs the \\# generic rdata form");
	} else {
		err = 0;
		for (const char *f = info->schema; *f && err == 0; f++)
			err = field_parse(&in, *f);
		if (err == 0 && in.next < in.count)
			err = fail(&in, "too many rdata fields");
		if (err == 0 && fata_dns_rdata_check(type, out, in.len) < 0)
			err = fail(&in, "rdata is malformed for its type");
	}

	if (err < 0) {
		*why = in.why;
		return err;
	}
	*olen = in.len;
	return 0;
}

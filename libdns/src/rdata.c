/*
 * Rdata in wire format: checking it against its type's schema, expanding
 * compressed names on input, and canonical comparison.
 */
#include <string.h>

#include <fata/dns.h>
#include <fata/error.h>

#include "dns_internal.h"

/* Checks a type bitmap (RFC 4034 section 4.1.2): ascending windows of 1 to 32 bytes. */
static int bitmap_check(const uint8_t *p, size_t len)
{
	size_t i = 0;
	int last = -1;

	while (i < len) {
		uint8_t window, blen;

		if (i + 2 > len)
			return FATA_EBADMSG;
		window = p[i];
		blen = p[i + 1];
		if ((int)window <= last || blen == 0 || blen > 32 || i + 2 + blen > len)
			return FATA_EBADMSG;
		/* Trailing zero bytes must be left out, so each block ends in a set bit. */
		if (p[i + 1 + blen] == 0)
			return FATA_EBADMSG;
		last = window;
		i += 2 + (size_t)blen;
	}
	return 0;
}

/* Checks EDNS options (RFC 6891 section 6.1.2): code, length, data, to the end. */
static int options_check(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (i + 4 > len || i + 4 + dns_get16(p + i + 2) > len)
			return FATA_EBADMSG;
		i += 4 + (size_t)dns_get16(p + i + 2);
	}
	return 0;
}

/* Checks CAA's tag: 1 to 15 letters and digits (RFC 8659 section 4.1). */
static int caa_tag_check(const uint8_t *p, size_t len)
{
	uint8_t n;

	if (len < 1)
		return FATA_EBADMSG;
	n = p[0];
	if (n < 1 || n > 15 || (size_t)1 + n > len)
		return FATA_EBADMSG;
	for (size_t i = 1; i <= n; i++) {
		uint8_t c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return FATA_EBADMSG;
	}
	return 0;
}

/*
 * Returns the size of the field `code` at the start of `p` (`avail` bytes
 * left in the rdata), after checking it, or -1 when it is malformed.
 */
long dns_field_size(char code, const uint8_t *p, size_t avail)
{
	size_t n;

	switch (code) {
	case 'n':
	case 'N':
		n = dns_name_wire_len(p, avail);
		return n ? (long)n : -1;
	case '1':
		return avail >= 1 ? 1 : -1;
	case '2':
	case 't':
		return avail >= 2 ? 2 : -1;
	case '4':
	case 'L':
	case 'T':
	case 'A':
		return avail >= 4 ? 4 : -1;
	case '6':
		return avail >= 6 ? 6 : -1;
	case 'a':
		return avail >= 16 ? 16 : -1;
	case 's':
	case 'h':
		return avail >= 1 && (size_t)1 + p[0] <= avail ? 1 + p[0] : -1;
	case 'H':
		/* NSEC3's next hashed owner name is never empty (RFC 5155 section 3.2). */
		return avail >= 1 && p[0] > 0 && (size_t)1 + p[0] <= avail ? 1 + p[0] : -1;
	case 'm':
		return avail >= 2 && (size_t)2 + dns_get16(p) <= avail ? 2 + dns_get16(p) : -1;
	case 'C':
		return caa_tag_check(p, avail) == 0 ? 1 + p[0] : -1;
	case 'S':
		/* TXT: one or more character-strings filling the rdata exactly. */
		if (avail == 0)
			return -1;
		for (size_t i = 0; i < avail; i += 1 + (size_t)p[i]) {
			if (i + 1 + p[i] > avail)
				return -1;
		}
		return (long)avail;
	case 'B':
		return bitmap_check(p, avail) == 0 ? (long)avail : -1;
	case 'P':
		return dns_svcb_params_check(p, avail) == 0 ? (long)avail : -1;
	case 'O':
		return options_check(p, avail) == 0 ? (long)avail : -1;
	case 'b':
	case 'x':
	case 'V':
		return (long)avail;
	}
	return -1;
}

int fata_dns_rdata_check(uint16_t type, const uint8_t *rdata, size_t len)
{
	const struct dns_type_info *info = dns_type_info(type);
	size_t pos = 0;

	if (!info || !info->schema)
		return 0;

	for (const char *f = info->schema; *f; f++) {
		long n = dns_field_size(*f, rdata + pos, len - pos);

		if (n < 0)
			return FATA_EBADMSG;
		pos += (size_t)n;
	}
	return pos == len ? 0 : FATA_EBADMSG;
}

int dns_rdata_expand(uint16_t type, const uint8_t *msg, size_t len, size_t pos, size_t rdlen,
		uint8_t *out, size_t *out_len)
{
	const struct dns_type_info *info = dns_type_info(type);
	size_t end = pos + rdlen;
	size_t o = 0;

	if (end > len)
		return FATA_EBADMSG;

	for (const char *f = info->schema; *f; f++) {
		if (*f == 'n' || *f == 'N') {
			struct fata_dns_name name;

			/* The name may point anywhere earlier, but its own bytes stay in the rdata. */
			if (fata_dns_name_read(msg, end, &pos, &name) < 0)
				return FATA_EBADMSG;
			if (o + name.len > FATA_DNS_RDATA_EXPANDED_MAX)
				return FATA_EBADMSG;
			memcpy(out + o, name.wire, name.len);
			o += name.len;
			continue;
		}

		long n = dns_field_size(*f, msg + pos, end - pos);

		if (n < 0 || o + (size_t)n > FATA_DNS_RDATA_EXPANDED_MAX)
			return FATA_EBADMSG;
		memcpy(out + o, msg + pos, (size_t)n);
		o += (size_t)n;
		pos += (size_t)n;
	}
	if (pos != end)
		return FATA_EBADMSG;
	*out_len = o;
	return 0;
}

/* Records the byte ranges of the names in `rdata`, at most 4; returns how many. */
static unsigned name_ranges(const struct dns_type_info *info, const uint8_t *rdata, size_t len,
		size_t start[4], size_t stop[4])
{
	unsigned count = 0;
	size_t pos = 0;

	for (const char *f = info->schema; *f && count < 4; f++) {
		long n = dns_field_size(*f, rdata + pos, len - pos);

		if (n < 0)
			break;
		if (*f == 'n' || *f == 'N') {
			start[count] = pos;
			stop[count] = pos + (size_t)n;
			count++;
		}
		pos += (size_t)n;
	}
	return count;
}

static int in_ranges(size_t i, unsigned count, const size_t *start, const size_t *stop)
{
	for (unsigned k = 0; k < count; k++) {
		if (i >= start[k] && i < stop[k])
			return 1;
	}
	return 0;
}

int fata_dns_rdata_compare(uint16_t type, const uint8_t *a, size_t alen, const uint8_t *b,
		size_t blen)
{
	const struct dns_type_info *info = dns_type_info(type);
	size_t as[4], ae[4], bs[4], be[4];
	unsigned an = 0, bn = 0;
	size_t n = alen < blen ? alen : blen;

	/* Both rdata have the same layout up to their first difference, so
	 * lowercasing each by its own name ranges gives the canonical order. */
	if (info && info->schema && (info->flags & DNS_TYPE_CANONICAL)) {
		an = name_ranges(info, a, alen, as, ae);
		bn = name_ranges(info, b, blen, bs, be);
	}

	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];

		if (in_ranges(i, an, as, ae) && x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (in_ranges(i, bn, bs, be) && y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return x < y ? -1 : 1;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}

/*
 * Rdata in presentation format: each field of the type's schema as zone
 * files write it, and the RFC 3597 generic form for types without a
 * schema. The field formats come from RFC 1035 section 5, RFC 4034
 * sections 2.2 to 5.3, RFC 5155, RFC 6698, RFC 8659 and RFC 9460.
 */
#include <string.h>

#include <fata/addr.h>
#include <fata/dns.h>
#include <fata/error.h>
#include <fata/fmt.h>

#include "dns_internal.h"

int dns_out(char *buf, size_t size, size_t *o, const char *text, size_t len)
{
	if (*o + len >= size)
		return FATA_ENOSPC;
	memcpy(buf + *o, text, len);
	*o += len;
	buf[*o] = '\0';
	return 0;
}

int dns_out_str(char *buf, size_t size, size_t *o, const char *text)
{
	return dns_out(buf, size, o, text, strlen(text));
}

int dns_out_uint(char *buf, size_t size, size_t *o, uint64_t v)
{
	char tmp[24];
	int n = fata_snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);

	return dns_out(buf, size, o, tmp, (size_t)n);
}

int dns_out_quoted(char *buf, size_t size, size_t *o, const uint8_t *data, size_t len)
{
	if (dns_out(buf, size, o, "\"", 1) < 0)
		return FATA_ENOSPC;
	for (size_t i = 0; i < len; i++) {
		if (dns_text_escape_byte(data[i], 0, buf, size, o) < 0)
			return FATA_ENOSPC;
	}
	return dns_out(buf, size, o, "\"", 1);
}

/* Writes `len` bytes with `encode`, which emits at most `max_out` characters. */
static int out_encoded(char *buf, size_t size, size_t *o, const uint8_t *data, size_t len,
		size_t (*encode)(const uint8_t *, size_t, char *), size_t max_out)
{
	size_t n;

	if (*o + max_out >= size)
		return FATA_ENOSPC;
	n = encode(data, len, buf + *o);
	*o += n;
	buf[*o] = '\0';
	return 0;
}

/* Writes a time stamp as YYYYMMDDHHmmSS (RFC 4034 section 3.2), UTC. */
static int out_timestamp(char *buf, size_t size, size_t *o, uint32_t t)
{
	uint32_t days = t / 86400, secs = t % 86400;
	uint32_t year = 1970, month = 1;
	static const uint8_t month_days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char tmp[16];

	for (;;) {
		uint32_t len = (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 366 : 365;

		if (days < len)
			break;
		days -= len;
		year++;
	}
	for (int m = 0; m < 12; m++) {
		uint32_t len = month_days[m];

		if (m == 1 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
			len = 29;
		if (days < len)
			break;
		days -= len;
		month++;
	}
	fata_snprintf(tmp, sizeof tmp, "%04u%02u%02u%02u%02u%02u", (unsigned)year,
			(unsigned)month, (unsigned)days + 1, (unsigned)(secs / 3600),
			(unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
	return dns_out(buf, size, o, tmp, 14);
}

static int out_bitmap(char *buf, size_t size, size_t *o, const uint8_t *p, size_t len)
{
	int first = 1;

	for (size_t i = 0; i < len; i += 2 + (size_t)p[i + 1]) {
		unsigned window = p[i], blen = p[i + 1];

		for (unsigned byte = 0; byte < blen; byte++) {
			for (unsigned bit = 0; bit < 8; bit++) {
				char name[16];
				int n;

				if (!(p[i + 2 + byte] & (0x80 >> bit)))
					continue;
				n = fata_dns_type_format((uint16_t)(window * 256 + byte * 8 + bit), name,
						sizeof name);
				if ((!first && dns_out(buf, size, o, " ", 1) < 0)
						|| dns_out(buf, size, o, name, (size_t)n) < 0)
					return FATA_ENOSPC;
				first = 0;
			}
		}
	}
	return 0;
}

static int out_options(char *buf, size_t size, size_t *o, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint16_t code = dns_get16(p + i), olen = dns_get16(p + i + 2);

		if ((i > 0 && dns_out(buf, size, o, " ", 1) < 0)
				|| dns_out_uint(buf, size, o, code) < 0
				|| dns_out(buf, size, o, ":", 1) < 0
				|| out_encoded(buf, size, o, p + i + 4, olen, dns_hex_encode, 2u * olen) < 0)
			return FATA_ENOSPC;
		i += 4 + (size_t)olen;
	}
	return 0;
}

/* Writes one field of the schema; `n` is its checked size. */
static int out_field(char code, const uint8_t *p, size_t n, char *buf, size_t size, size_t *o)
{
	char tmp[FATA_DNS_NAME_TEXT_MAX];
	struct fata_dns_name name;
	int len;

	switch (code) {
	case 'n':
	case 'N':
		fata_dns_name_from_wire(p, n, &name);
		len = fata_dns_name_format(&name, tmp, sizeof tmp);
		return dns_out(buf, size, o, tmp, (size_t)len);
	case '1':
		return dns_out_uint(buf, size, o, p[0]);
	case '2':
		return dns_out_uint(buf, size, o, dns_get16(p));
	case '4':
	case 'L':
		return dns_out_uint(buf, size, o, dns_get32(p));
	case '6':
		return dns_out_uint(buf, size, o, (uint64_t)dns_get16(p) << 32 | dns_get32(p + 2));
	case 't':
		len = fata_dns_type_format(dns_get16(p), tmp, sizeof tmp);
		return dns_out(buf, size, o, tmp, (size_t)len);
	case 'T':
		return out_timestamp(buf, size, o, dns_get32(p));
	case 'A':
		len = fata_snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
		return dns_out(buf, size, o, tmp, (size_t)len);
	case 'a': {
		struct fata_ipaddr ip = { .family = FATA_AF_INET6 };

		memcpy(ip.bytes, p, 16);
		len = fata_ipaddr_format(&ip, tmp, sizeof tmp);
		return dns_out(buf, size, o, tmp, (size_t)len);
	}
	case 's':
		return dns_out_quoted(buf, size, o, p + 1, p[0]);
	case 'S':
		for (size_t i = 0; i < n; i += 1 + (size_t)p[i]) {
			if ((i > 0 && dns_out(buf, size, o, " ", 1) < 0)
					|| dns_out_quoted(buf, size, o, p + i + 1, p[i]) < 0)
				return FATA_ENOSPC;
		}
		return 0;
	case 'b':
		return out_encoded(buf, size, o, p, n, dns_base64_encode, DNS_BASE64_LEN(n));
	case 'x':
		return out_encoded(buf, size, o, p, n, dns_hex_encode, 2 * n);
	case 'h':
		if (p[0] == 0)
			return dns_out(buf, size, o, "-", 1);
		return out_encoded(buf, size, o, p + 1, p[0], dns_hex_encode, 2u * p[0]);
	case 'H':
		return out_encoded(buf, size, o, p + 1, p[0], dns_base32hex_encode,
				DNS_BASE32_LEN((size_t)p[0]));
	case 'm':
		if (dns_out_uint(buf, size, o, n - 2) < 0)
			return FATA_ENOSPC;
		if (n == 2)
			return 0;
		return dns_out(buf, size, o, " ", 1) < 0 ? FATA_ENOSPC
			: out_encoded(buf, size, o, p + 2, n - 2, dns_base64_encode,
					DNS_BASE64_LEN(n - 2));
	case 'C':
		return dns_out(buf, size, o, (const char *)p + 1, p[0]);
	case 'V':
		return dns_out_quoted(buf, size, o, p, n);
	case 'B':
		return out_bitmap(buf, size, o, p, n);
	case 'P':
		return dns_svcb_params_format(p, n, buf, size, o);
	case 'O':
		return out_options(buf, size, o, p, n);
	}
	return FATA_EINVAL;
}

/* Returns 1 when a base64 or hex field at the end of the rdata is empty. */
static int needs_generic(const struct dns_type_info *info, const uint8_t *rdata, size_t len)
{
	size_t pos = 0;

	for (const char *f = info->schema; *f; f++) {
		long n = dns_field_size(*f, rdata + pos, len - pos);

		if ((*f == 'b' || *f == 'x') && n == 0)
			return 1;
		pos += (size_t)n;
	}
	return 0;
}

static int format_generic(const uint8_t *rdata, size_t len, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	if (dns_out(buf, size, &o, "\\# ", 3) < 0 || dns_out_uint(buf, size, &o, len) < 0)
		return FATA_ENOSPC;
	if (len > 0 && (dns_out(buf, size, &o, " ", 1) < 0
			|| out_encoded(buf, size, &o, rdata, len, dns_hex_encode, 2 * len) < 0))
		return FATA_ENOSPC;
	return (int)o;
}

int fata_dns_rdata_format(uint16_t type, const uint8_t *rdata, size_t len, char *buf,
		size_t size)
{
	const struct dns_type_info *info = dns_type_info(type);
	size_t pos = 0, o = 0;

	if (size == 0)
		return FATA_ENOSPC;
	if (!info || !info->schema)
		return format_generic(rdata, len, buf, size);

	/* Rdata left empty by UPDATE's delete forms has no fields to show. */
	if (len == 0 && type != FATA_DNS_TYPE_OPT) {
		buf[0] = '\0';
		return 0;
	}
	if (fata_dns_rdata_check(type, rdata, len) < 0)
		return FATA_EBADMSG;
	/* An empty key, signature or digest has no presentation form but the generic one. */
	if (needs_generic(info, rdata, len))
		return format_generic(rdata, len, buf, size);

	buf[0] = '\0';
	for (const char *f = info->schema; *f; f++) {
		long n = dns_field_size(*f, rdata + pos, len - pos);

		int trailing = (*f == 'B' || *f == 'P');

		/* An empty bitmap or parameter list writes nothing, not even its space. */
		if (f != info->schema && (!trailing || n > 0) && dns_out(buf, size, &o, " ", 1) < 0)
			return FATA_ENOSPC;
		if (out_field(*f, rdata + pos, (size_t)n, buf, size, &o) < 0)
			return FATA_ENOSPC;
		pos += (size_t)n;
	}
	return (int)o;
}

int fata_dns_rr_format(const struct fata_dns_rr *rr, char *buf, size_t size)
{
	char tmp[FATA_DNS_NAME_TEXT_MAX];
	size_t o = 0;
	int n;

	if (size == 0)
		return FATA_ENOSPC;
	buf[0] = '\0';

	n = fata_dns_name_format(&rr->owner, tmp, sizeof tmp);
	if (dns_out(buf, size, &o, tmp, (size_t)n) < 0 || dns_out(buf, size, &o, " ", 1) < 0
			|| dns_out_uint(buf, size, &o, rr->ttl) < 0
			|| dns_out(buf, size, &o, " ", 1) < 0)
		return FATA_ENOSPC;
	n = fata_dns_class_format(rr->class_, tmp, sizeof tmp);
	if (dns_out(buf, size, &o, tmp, (size_t)n) < 0 || dns_out(buf, size, &o, " ", 1) < 0)
		return FATA_ENOSPC;
	n = fata_dns_type_format(rr->type, tmp, sizeof tmp);
	if (dns_out(buf, size, &o, tmp, (size_t)n) < 0)
		return FATA_ENOSPC;
	if (dns_out(buf, size, &o, " ", 1) < 0)
		return FATA_ENOSPC;

	n = fata_dns_rdata_format(rr->type, rr->rdata, rr->rdlen, buf + o, size - o);
	if (n < 0)
		return n;
	/* Empty rdata (UPDATE's delete forms, an OPT without options) leaves no trailing space. */
	if (n == 0) {
		buf[--o] = '\0';
		return (int)o;
	}
	return (int)(o + (size_t)n);
}

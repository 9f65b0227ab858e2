/* Address parsing and formatting; see fata/addr.h. */
#include <stdint.h>
#include <string.h>

#include <fata/addr.h>
#include <fata/error.h>
#include <fata/fmt.h>

struct fata_ipaddr fata_ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct fata_ipaddr ip;

	memset(&ip, 0, sizeof ip);
	ip.family = FATA_AF_INET;
	ip.bytes[0] = a;
	ip.bytes[1] = b;
	ip.bytes[2] = c;
	ip.bytes[3] = d;
	return ip;
}

struct fata_ipaddr fata_ipv4_from_u32(uint32_t v)
{
	return fata_ipv4((uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v);
}

uint32_t fata_ipv4_to_u32(const struct fata_ipaddr *ip)
{
	if (ip->family != FATA_AF_INET)
		return 0;
	return (uint32_t)ip->bytes[0] << 24 | (uint32_t)ip->bytes[1] << 16 |
		(uint32_t)ip->bytes[2] << 8 | ip->bytes[3];
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses exactly four decimal octets without leading zeros (which some parsers read as octal). */
static int parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned value = 0;
		size_t start = i;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return FATA_EINVAL;
			start = ++i;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			value = value * 10 + (unsigned)(s[i] - '0');
			if (value > 255 || i - start >= 3)
				return FATA_EINVAL;
			i++;
		}
		if (i == start || (i - start > 1 && s[start] == '0'))
			return FATA_EINVAL;
		out[part] = (uint8_t)value;
	}
	return i == len ? FATA_OK : FATA_EINVAL;
}

/* Parses RFC 4291 section 2.2 text: groups, one "::", and an optional trailing dotted quad. */
static int parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
	uint8_t words[16];
	int n = 0;       /* bytes stored */
	int gap = -1;    /* byte index where "::" is, or -1 */
	size_t i = 0;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (len >= 1 && s[0] == ':') {
		return FATA_EINVAL;
	}
	while (i < len) {
		size_t start = i;
		unsigned value = 0;
		int digits = 0;

		if (n >= 16)
			return FATA_EINVAL;
		while (i < len && hex_value(s[i]) >= 0 && digits < 5) {
			value = value * 16 + (unsigned)hex_value(s[i]);
			i++;
			digits++;
		}
		if (i < len && s[i] == '.') {
			/* A trailing IPv4 part fills the last 32 bits. */
			if (n > 12 || parse_ipv4(s + start, len - start, words + n) < 0)
				return FATA_EINVAL;
			n += 4;
			i = len;
			break;
		}
		if (digits == 0 || digits > 4)
			return FATA_EINVAL;
		words[n++] = (uint8_t)(value >> 8);
		words[n++] = (uint8_t)value;
		if (i == len)
			break;
		if (s[i] != ':')
			return FATA_EINVAL;
		i++;
		if (i < len && s[i] == ':') {
			if (gap >= 0)
				return FATA_EINVAL;
			gap = n;
			i++;
		} else if (i == len) {
			return FATA_EINVAL; /* a single trailing colon */
		}
	}
	if (gap < 0) {
		if (n != 16)
			return FATA_EINVAL;
		memcpy(out, words, 16);
		return FATA_OK;
	}
	if (n > 14)
		return FATA_EINVAL; /* "::" must stand for at least one group */
	memset(out, 0, 16);
	memcpy(out, words, (size_t)gap);
	memcpy(out + 16 - (n - gap), words + gap, (size_t)(n - gap));
	return FATA_OK;
}

int fata_ipaddr_parse(const char *text, size_t len, struct fata_ipaddr *out)
{
	struct fata_ipaddr ip;

	memset(&ip, 0, sizeof ip);
	if (memchr(text, ':', len)) {
		if (parse_ipv6(text, len, ip.bytes) < 0)
			return FATA_EINVAL;
		ip.family = FATA_AF_INET6;
	} else {
		if (parse_ipv4(text, len, ip.bytes) < 0)
			return FATA_EINVAL;
		ip.family = FATA_AF_INET;
	}
	*out = ip;
	return FATA_OK;
}

int fata_ipaddr_parse_prefix(const char *text, size_t len, struct fata_ipaddr *out,
		unsigned *prefix_len)
{
	const char *slash = memchr(text, '/', len);
	size_t addr_len;
	unsigned prefix = 0;
	unsigned max;
	struct fata_ipaddr ip;

	if (!slash)
		return FATA_EINVAL;
	addr_len = (size_t)(slash - text);
	if (fata_ipaddr_parse(text, addr_len, &ip) < 0)
		return FATA_EINVAL;
	max = ip.family == FATA_AF_INET ? 32 : 128;
	if (addr_len + 1 == len || len - addr_len - 1 > 3)
		return FATA_EINVAL;
	for (size_t i = addr_len + 1; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return FATA_EINVAL;
		prefix = prefix * 10 + (unsigned)(text[i] - '0');
	}
	if (prefix > max)
		return FATA_EINVAL;
	*out = ip;
	*prefix_len = prefix;
	return FATA_OK;
}

/* Formats IPv6 per RFC 5952: lowercase, no leading zeros, longest run of two or more zero groups as "::". */
static int format_ipv6(const uint8_t *b, char *buf, size_t size)
{
	uint16_t g[8];
	int best = -1, best_len = 0;
	char tmp[FATA_IPADDR_STRLEN];
	size_t n = 0;

	static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	/* RFC 5952 section 5: IPv4-mapped addresses end in dotted-quad form. */
	if (memcmp(b, mapped_prefix, sizeof mapped_prefix) == 0) {
		int len = fata_snprintf(buf, size, "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);

		return (size_t)len + 1 > size ? FATA_ENOSPC : len;
	}
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			tmp[n++] = ':';
			if (i == 0)
				tmp[n++] = ':';
			i += best_len - 1;
			continue;
		}
		n += (size_t)fata_snprintf(tmp + n, sizeof tmp - n, "%x", g[i]);
		if (i < 7)
			tmp[n++] = ':';
	}
	tmp[n] = 0;
	if (n + 1 > size)
		return FATA_ENOSPC;
	memcpy(buf, tmp, n + 1);
	return (int)n;
}

int fata_ipaddr_format(const struct fata_ipaddr *ip, char *buf, size_t size)
{
	int n;

	if (ip->family == FATA_AF_INET6)
		return format_ipv6(ip->bytes, buf, size);
	if (ip->family != FATA_AF_INET) {
		n = fata_snprintf(buf, size, "(none)");
	} else {
		n = fata_snprintf(buf, size, "%u.%u.%u.%u", ip->bytes[0], ip->bytes[1],
				ip->bytes[2], ip->bytes[3]);
	}
	return (size_t)n + 1 > size ? FATA_ENOSPC : n;
}

int fata_sockaddr_format(const struct fata_sockaddr *sa, char *buf, size_t size)
{
	char ip[FATA_IPADDR_STRLEN];
	int n;

	if (fata_ipaddr_format(&sa->ip, ip, sizeof ip) < 0)
		return FATA_ENOSPC;
	if (sa->ip.family == FATA_AF_INET6)
		n = fata_snprintf(buf, size, "[%s]:%u", ip, sa->port);
	else
		n = fata_snprintf(buf, size, "%s:%u", ip, sa->port);
	return (size_t)n + 1 > size ? FATA_ENOSPC : n;
}

static size_t family_len(uint8_t family)
{
	if (family == FATA_AF_INET)
		return 4;
	if (family == FATA_AF_INET6)
		return 16;
	return 0;
}

int fata_ipaddr_equal(const struct fata_ipaddr *a, const struct fata_ipaddr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, family_len(a->family)) == 0;
}

int fata_ipaddr_is_any(const struct fata_ipaddr *ip)
{
	static const uint8_t zero[16];

	if (ip->family != FATA_AF_INET && ip->family != FATA_AF_INET6)
		return 0;
	return memcmp(ip->bytes, zero, family_len(ip->family)) == 0;
}

int fata_ipaddr_same_prefix(const struct fata_ipaddr *a, const struct fata_ipaddr *b,
		unsigned prefix_len)
{
	size_t bits = family_len(a->family) * 8;
	unsigned whole;
	unsigned rest;

	if (a->family != b->family || prefix_len > bits)
		return 0;
	whole = prefix_len / 8;
	rest = prefix_len % 8;
	if (memcmp(a->bytes, b->bytes, whole) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a->bytes[whole] & mask) != (b->bytes[whole] & mask))
			return 0;
	}
	return 1;
}

int fata_mac_parse(const char *text, size_t len, struct fata_mac *out)
{
	struct fata_mac mac;

	if (len != 17)
		return FATA_EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex_value(text[3 * i]);
		int lo = hex_value(text[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && text[3 * i + 2] != ':'))
			return FATA_EINVAL;
		mac.bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = mac;
	return FATA_OK;
}

int fata_mac_format(const struct fata_mac *mac, char *buf, size_t size)
{
	const uint8_t *b = mac->bytes;
	int n = fata_snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
			b[4], b[5]);

	return (size_t)n + 1 > size ? FATA_ENOSPC : n;
}

/*
 * The record types this library knows: their mnemonics and the layout of
 * their rdata (see the field codes in dns_internal.h), plus the mnemonics
 * of classes and rcodes.
 */
#include <string.h>

#include <fata/dns.h>
#include <fata/error.h>
#include <fata/fmt.h>

#include "dns_internal.h"

#define C DNS_TYPE_COMPRESS
#define D DNS_TYPE_DECOMPRESS
#define K DNS_TYPE_CANONICAL
#define M DNS_TYPE_META

/*
 * Ordered by how often a server meets each type, because dns_type_info()
 * searches linearly and runs for every record read or written: the address
 * types and OPT, which nearly every query carries, come first.
 */
static const struct dns_type_info type_table[] = {
	{ FATA_DNS_TYPE_A, "A", "A", 0 },
	{ FATA_DNS_TYPE_OPT, "OPT", "O", M },
	{ FATA_DNS_TYPE_AAAA, "AAAA", "a", 0 },
	{ FATA_DNS_TYPE_SOA, "SOA", "nn4LLLL", C | D | K },
	{ FATA_DNS_TYPE_NS, "NS", "n", C | D | K },
	{ FATA_DNS_TYPE_MX, "MX", "2n", C | D | K },
	{ FATA_DNS_TYPE_TXT, "TXT", "S", 0 },
	{ FATA_DNS_TYPE_CNAME, "CNAME", "n", C | D | K },
	{ FATA_DNS_TYPE_HTTPS, "HTTPS", "2NP", 0 },
	{ FATA_DNS_TYPE_PTR, "PTR", "n", C | D | K },
	/* RFC 2782 forbids compressing the target, RFC 3597 4 still asks receivers to expand it. */
	{ FATA_DNS_TYPE_SRV, "SRV", "222N", D | K },
	{ FATA_DNS_TYPE_SVCB, "SVCB", "2NP", 0 },
	{ FATA_DNS_TYPE_CAA, "CAA", "1CV", 0 },
	{ FATA_DNS_TYPE_DS, "DS", "211x", 0 },
	{ FATA_DNS_TYPE_RRSIG, "RRSIG", "t114TT2Nb", K },
	{ FATA_DNS_TYPE_NSEC, "NSEC", "NB", 0 },
	{ FATA_DNS_TYPE_DNSKEY, "DNSKEY", "211b", 0 },
	{ FATA_DNS_TYPE_NSEC3, "NSEC3", "112hHB", 0 },
	{ FATA_DNS_TYPE_NSEC3PARAM, "NSEC3PARAM", "112h", 0 },
	{ FATA_DNS_TYPE_TLSA, "TLSA", "111x", 0 },
	{ FATA_DNS_TYPE_TSIG, "TSIG", "N62m22m", M },
	{ FATA_DNS_TYPE_IXFR, "IXFR", NULL, M },
	{ FATA_DNS_TYPE_AXFR, "AXFR", NULL, M },
	{ FATA_DNS_TYPE_ANY, "ANY", NULL, M },
};

#undef C
#undef D
#undef K
#undef M

const struct dns_type_info *dns_type_info(uint16_t type)
{
	for (size_t i = 0; i < sizeof type_table / sizeof type_table[0]; i++) {
		if (type_table[i].type == type)
			return &type_table[i];
	}
	return NULL;
}

static int text_equal_nocase(const char *text, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = text[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (c != word[i])
			return 0;
	}
	return 1;
}

/* Parses "PREFIXnnn" with nnn from 0 to 65535 (RFC 3597 section 5). */
static int parse_numbered(const char *text, size_t len, const char *prefix, uint16_t *out)
{
	size_t plen = strlen(prefix);
	uint32_t v = 0;

	if (len <= plen || len > plen + 5 || !text_equal_nocase(text, plen, prefix))
		return FATA_EINVAL;
	for (size_t i = plen; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return FATA_EINVAL;
		v = v * 10 + (uint32_t)(text[i] - '0');
	}
	if (v > 65535)
		return FATA_EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int fata_dns_type_format(uint16_t type, char *buf, size_t size)
{
	const struct dns_type_info *info = dns_type_info(type);
	int n;

	if (info)
		n = fata_snprintf(buf, size, "%s", info->name);
	else
		n = fata_snprintf(buf, size, "TYPE%u", (unsigned)type);
	return (size_t)n < size ? n : FATA_ENOSPC;
}

int fata_dns_type_parse(const char *text, size_t len, uint16_t *out)
{
	for (size_t i = 0; i < sizeof type_table / sizeof type_table[0]; i++) {
		if (text_equal_nocase(text, len, type_table[i].name)) {
			*out = type_table[i].type;
			return 0;
		}
	}
	return parse_numbered(text, len, "TYPE", out);
}

static const struct {
	uint16_t value;
	const char *name;
} class_table[] = {
	{ FATA_DNS_CLASS_IN, "IN" },
	{ FATA_DNS_CLASS_CH, "CH" },
	{ FATA_DNS_CLASS_NONE, "NONE" },
	{ FATA_DNS_CLASS_ANY, "ANY" },
};

int fata_dns_class_format(uint16_t class_, char *buf, size_t size)
{
	int n = -1;

	for (size_t i = 0; i < sizeof class_table / sizeof class_table[0]; i++) {
		if (class_table[i].value == class_)
			n = fata_snprintf(buf, size, "%s", class_table[i].name);
	}
	if (n < 0)
		n = fata_snprintf(buf, size, "CLASS%u", (unsigned)class_);
	return (size_t)n < size ? n : FATA_ENOSPC;
}

int fata_dns_class_parse(const char *text, size_t len, uint16_t *out)
{
	for (size_t i = 0; i < sizeof class_table / sizeof class_table[0]; i++) {
		if (text_equal_nocase(text, len, class_table[i].name)) {
			*out = class_table[i].value;
			return 0;
		}
	}
	return parse_numbered(text, len, "CLASS", out);
}

const char *fata_dns_rcode_name(unsigned rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	};

	if (rcode < sizeof names / sizeof names[0])
		return names[rcode];
	switch (rcode) {
	case FATA_DNS_RCODE_BADSIG:
		return "BADSIG";
	case FATA_DNS_RCODE_BADKEY:
		return "BADKEY";
	case FATA_DNS_RCODE_BADTIME:
		return "BADTIME";
	case FATA_DNS_RCODE_BADTRUNC:
		return "BADTRUNC";
	}
	return "RCODE?";
}

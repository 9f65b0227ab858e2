/*
 * Domain names in wire format: reading with decompression, comparison and
 * label surgery. Text conversion is in name_text.c.
 *
 * Invariant of struct fata_dns_name: `wire` holds `len` bytes forming
 * complete labels of 1 to 63 bytes followed by the root label, `len` is at
 * most 255 and `labels` is the number of non-root labels.
 */
#include <string.h>

#include <fata/dns.h>
#include <fata/error.h>

#include "dns_internal.h"

void fata_dns_name_root(struct fata_dns_name *name)
{
	name->len = 1;
	name->labels = 0;
	name->wire[0] = 0;
}

int fata_dns_name_read(const uint8_t *msg, size_t len, size_t *pos, struct fata_dns_name *out)
{
	size_t p = *pos;
	size_t end = 0;       /* where the caller's cursor goes; 0 until the first pointer */
	size_t lowest = p;    /* pointers must go strictly below every byte read so far */
	unsigned n = 0, labels = 0;

	for (;;) {
		uint8_t c;

		if (p >= len)
			return FATA_EBADMSG;
		c = msg[p];

		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len)
				return FATA_EBADMSG;
			target = ((size_t)(c & 0x3f) << 8) | msg[p + 1];
			/* RFC 1035 4.1.4: a pointer names an earlier name; forbidding forward
			 * and self pointers rules out loops, the header holds no names. */
			if (target < FATA_DNS_HEADER_SIZE || target >= lowest)
				return FATA_EBADMSG;
			if (end == 0)
				end = p + 2;
			lowest = target;
			p = target;
			continue;
		}
		if (c & 0xc0)
			return FATA_EBADMSG; /* 01 and 10 label types are reserved or obsolete */

		if (p + 1 + c > len || n + 1 + c > FATA_DNS_NAME_MAX)
			return FATA_EBADMSG;
		memcpy(out->wire + n, msg + p, 1 + (size_t)c);
		n += 1 + c;
		p += 1 + (size_t)c;
		if (c == 0)
			break;
		labels++;
	}

	out->len = (uint8_t)n;
	out->labels = (uint8_t)labels;
	*pos = end ? end : p;
	return 0;
}

int fata_dns_name_from_wire(const uint8_t *wire, size_t len, struct fata_dns_name *out)
{
	size_t p = 0;
	unsigned labels = 0;

	for (;;) {
		uint8_t c;

		if (p >= len || p >= FATA_DNS_NAME_MAX)
			return FATA_EBADMSG;
		c = wire[p];
		if (c > FATA_DNS_LABEL_MAX || p + 1 + c > len)
			return FATA_EBADMSG;
		p += 1 + (size_t)c;
		if (c == 0)
			break;
		labels++;
	}
	if (p != len || p > FATA_DNS_NAME_MAX)
		return FATA_EBADMSG;

	if (out) {
		memcpy(out->wire, wire, p);
		out->len = (uint8_t)p;
		out->labels = (uint8_t)labels;
	}
	return 0;
}

size_t dns_name_wire_len(const uint8_t *wire, size_t len)
{
	size_t p = 0;

	while (p < len && p < FATA_DNS_NAME_MAX) {
		uint8_t c = wire[p];

		if (c > FATA_DNS_LABEL_MAX || p + 1 + c > len)
			return 0;
		p += 1 + (size_t)c;
		if (c == 0)
			return p > FATA_DNS_NAME_MAX ? 0 : p;
	}
	return 0;
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

int dns_label_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++) {
		uint8_t x = lower(a[i]), y = lower(b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}

/* Returns 1 when n bytes of two wire names are equal without regard to ASCII case. */
static int wire_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	/* Names usually match in case too, and memcmp is faster than the loop. */
	if (memcmp(a, b, n) == 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		/* Length bytes are below 64, so lowercasing them changes nothing. */
		if (lower(a[i]) != lower(b[i]))
			return 0;
	}
	return 1;
}

int fata_dns_name_equal(const struct fata_dns_name *a, const struct fata_dns_name *b)
{
	if (a->len != b->len || a->labels != b->labels)
		return 0;
	return wire_equal(a->wire, b->wire, a->len);
}

/* Stores the offset of each label of `name`, first label first. Returns the count. */
unsigned dns_name_offsets(const struct fata_dns_name *name, uint8_t offsets[128])
{
	unsigned n = 0;
	size_t p = 0;

	while (name->wire[p] != 0) {
		offsets[n++] = (uint8_t)p;
		p += 1 + (size_t)name->wire[p];
	}
	return n;
}

int fata_dns_name_compare(const struct fata_dns_name *a, const struct fata_dns_name *b)
{
	uint8_t ao[128], bo[128];
	unsigned an = dns_name_offsets(a, ao);
	unsigned bn = dns_name_offsets(b, bo);

	/* RFC 4034 6.1: compare from the most significant (rightmost) label. */
	while (an > 0 && bn > 0) {
		const uint8_t *la = a->wire + ao[an - 1];
		const uint8_t *lb = b->wire + bo[bn - 1];
		int c = dns_label_compare(la + 1, la[0], lb + 1, lb[0]);

		if (c != 0)
			return c;
		an--;
		bn--;
	}
	if (an == bn)
		return 0;
	return an < bn ? -1 : 1;
}

int fata_dns_name_is_subdomain(const struct fata_dns_name *name,
		const struct fata_dns_name *parent)
{
	size_t p = 0;

	if (name->labels < parent->labels)
		return 0;
	for (unsigned skip = name->labels - parent->labels; skip > 0; skip--)
		p += 1 + (size_t)name->wire[p];
	return name->len - p == parent->len && wire_equal(name->wire + p, parent->wire, parent->len);
}

int fata_dns_name_suffix(const struct fata_dns_name *name, unsigned labels,
		struct fata_dns_name *out)
{
	size_t p = 0;
	unsigned skip;

	if (labels > name->labels)
		return FATA_EINVAL;

	skip = name->labels - labels;
	for (unsigned i = 0; i < skip; i++)
		p += 1 + (size_t)name->wire[p];

	memmove(out->wire, name->wire + p, name->len - p);
	out->len = (uint8_t)(name->len - p);
	out->labels = (uint8_t)labels;
	return 0;
}

int fata_dns_name_prepend(const struct fata_dns_name *name, const void *label, size_t len,
		struct fata_dns_name *out)
{
	size_t total = 1 + len + name->len;

	if (len == 0 || len > FATA_DNS_LABEL_MAX || total > FATA_DNS_NAME_MAX)
		return FATA_EINVAL;

	memmove(out->wire + 1 + len, name->wire, name->len);
	out->wire[0] = (uint8_t)len;
	memcpy(out->wire + 1, label, len);
	out->len = (uint8_t)total;
	out->labels = (uint8_t)(name->labels + 1);
	return 0;
}

void fata_dns_name_lower(struct fata_dns_name *name)
{
	for (size_t i = 0; i < name->len; i++)
		name->wire[i] = lower(name->wire[i]);
}

int fata_dns_name_is_wildcard(const struct fata_dns_name *name)
{
	return name->labels > 0 && name->wire[0] == 1 && name->wire[1] == '*';
}

int fata_dns_serial_compare(uint32_t a, uint32_t b)
{
	uint32_t forward = b - a;

	/* RFC 1982 3.2: a < b when b is ahead of a by less than 2^31. */
	if (a == b)
		return 0;
	if (forward == UINT32_C(0x80000000))
		return 2;
	return forward < UINT32_C(0x80000000) ? -1 : 1;
}

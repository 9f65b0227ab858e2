/*
 * Names in presentation format (RFC 1035 section 5.1): labels separated by
 * dots, "\X" quoting a character and "\DDD" giving a byte in decimal.
 */
#include <string.h>

#include <fata/dns.h>
#include <fata/error.h>

#include "dns_internal.h"

/* Reads one possibly escaped character at text[*i]; returns it or -1. */
int dns_text_unescape(const char *text, size_t len, size_t *i)
{
	size_t p = *i;

	if (text[p] != '\\') {
		*i = p + 1;
		return (unsigned char)text[p];
	}
	if (p + 1 >= len)
		return -1;

	if (text[p + 1] >= '0' && text[p + 1] <= '9') {
		int v = 0;

		for (size_t k = 1; k <= 3; k++) {
			char d;

			if (p + k >= len)
				return -1;
			d = text[p + k];
			if (d < '0' || d > '9')
				return -1;
			v = v * 10 + (d - '0');
		}
		if (v > 255)
			return -1;
		*i = p + 4;
		return v;
	}

	*i = p + 2;
	return (unsigned char)text[p + 1];
}

int fata_dns_name_parse(const char *text, size_t len, const struct fata_dns_name *origin,
		struct fata_dns_name *out)
{
	struct fata_dns_name name;
	size_t i = 0, n = 0, label_start = 0;
	unsigned labels = 0;
	int absolute = 0;

	if (len == 0)
		return FATA_EINVAL;
	if (len == 1 && text[0] == '@') {
		if (!origin)
			return FATA_EINVAL;
		*out = *origin;
		return 0;
	}
	if (len == 1 && text[0] == '.') {
		fata_dns_name_root(out);
		return 0;
	}

	/* n counts bytes written to name.wire; each label starts with its length byte. */
	name.wire[0] = 0;
	n = 1;
	while (i < len) {
		int c;

		if (text[i] == '.') {
			size_t label_len = n - label_start - 1;

			if (label_len == 0)
				return FATA_EINVAL; /* empty label: ".." or a leading dot */
			name.wire[label_start] = (uint8_t)label_len;
			labels++;
			i++;
			if (i == len) {
				absolute = 1;
				break;
			}
			if (n >= FATA_DNS_NAME_MAX)
				return FATA_EINVAL;
			label_start = n;
			name.wire[n++] = 0;
			continue;
		}

		c = dns_text_unescape(text, len, &i);
		if (c < 0)
			return FATA_EINVAL;
		if (n - label_start - 1 >= FATA_DNS_LABEL_MAX || n >= FATA_DNS_NAME_MAX - 1)
			return FATA_EINVAL;
		name.wire[n++] = (uint8_t)c;
	}

	if (!absolute) {
		size_t label_len = n - label_start - 1;

		if (label_len == 0)
			return FATA_EINVAL;
		name.wire[label_start] = (uint8_t)label_len;
		labels++;
		if (!origin)
			return FATA_EINVAL;
		if (n + origin->len > FATA_DNS_NAME_MAX)
			return FATA_EINVAL;
		memcpy(name.wire + n, origin->wire, origin->len);
		n += origin->len;
		labels += origin->labels;
	} else {
		if (n + 1 > FATA_DNS_NAME_MAX)
			return FATA_EINVAL;
		name.wire[n++] = 0;
	}

	name.len = (uint8_t)n;
	name.labels = (uint8_t)labels;
	*out = name;
	return 0;
}

/* Appends `c` to buf at *o, escaped for a name or a quoted string; 0 or FATA_ENOSPC. */
int dns_text_escape_byte(uint8_t c, int in_name, char *buf, size_t size, size_t *o)
{
	int special = in_name ? (c == '.' || c == ';' || c == '(' || c == ')' || c == '"'
			|| c == '\\' || c == '@' || c == '$' || c == ' ')
		: (c == '"' || c == '\\');

	if (c < 0x21 && !(c == ' ' && !in_name))
		special = 2;
	if (c > 0x7e)
		special = 2;

	if (special == 2) {
		if (*o + 4 >= size)
			return FATA_ENOSPC;
		buf[(*o)++] = '\\';
		buf[(*o)++] = (char)('0' + c / 100);
		buf[(*o)++] = (char)('0' + c / 10 % 10);
		buf[(*o)++] = (char)('0' + c % 10);
		return 0;
	}
	if (special) {
		if (*o + 2 >= size)
			return FATA_ENOSPC;
		buf[(*o)++] = '\\';
		buf[(*o)++] = (char)c;
		return 0;
	}
	if (*o + 1 >= size)
		return FATA_ENOSPC;
	buf[(*o)++] = (char)c;
	return 0;
}

int fata_dns_name_format(const struct fata_dns_name *name, char *buf, size_t size)
{
	size_t o = 0, p = 0;

	if (size == 0)
		return FATA_ENOSPC;

	if (name->labels == 0) {
		if (size < 2)
			return FATA_ENOSPC;
		buf[0] = '.';
		buf[1] = '\0';
		return 1;
	}

	while (name->wire[p] != 0) {
		uint8_t len = name->wire[p];

		for (size_t k = 1; k <= len; k++) {
			if (dns_text_escape_byte(name->wire[p + k], 1, buf, size, &o) < 0)
				return FATA_ENOSPC;
		}
		if (o + 1 >= size)
			return FATA_ENOSPC;
		buf[o++] = '.';
		p += 1 + (size_t)len;
	}
	buf[o] = '\0';
	return (int)o;
}

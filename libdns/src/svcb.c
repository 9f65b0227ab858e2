/*
 * SvcParams of SVCB and HTTPS records (RFC 9460 sections 2.1 and 7):
 * key/value pairs in strictly increasing key order on the wire, written as
 * "key=value" in presentation format.
 */
#include <string.h>

#include <fata/addr.h>
#include <fata/dns.h>
#include <fata/error.h>
#include <fata/fmt.h>

#include "dns_internal.h"

enum {
	SVC_MANDATORY = 0,
	SVC_ALPN = 1,
	SVC_NO_DEFAULT_ALPN = 2,
	SVC_PORT = 3,
	SVC_IPV4HINT = 4,
	SVC_ECH = 5,
	SVC_IPV6HINT = 6,
};

static const char *const svc_key_names[] = {
	"mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint",
};

#define SVC_KEY_COUNT (sizeof svc_key_names / sizeof svc_key_names[0])

/* The longest value one SvcParam may have in presentation format, in bytes. */
#define SVC_VALUE_MAX 8192

/* Checks the value of a key whose format RFC 9460 section 7 fixes. */
static int value_check(uint16_t key, const uint8_t *v, size_t len)
{
	switch (key) {
	case SVC_MANDATORY:
		if (len == 0 || len % 2 != 0)
			return FATA_EBADMSG;
		for (size_t i = 2; i < len; i += 2) {
			if (dns_get16(v + i) <= dns_get16(v + i - 2))
				return FATA_EBADMSG;
		}
		return 0;
	case SVC_ALPN:
		if (len == 0)
			return FATA_EBADMSG;
		for (size_t i = 0; i < len; i += 1 + (size_t)v[i]) {
			if (v[i] == 0 || i + 1 + v[i] > len)
				return FATA_EBADMSG;
		}
		return 0;
	case SVC_NO_DEFAULT_ALPN:
		return len == 0 ? 0 : FATA_EBADMSG;
	case SVC_PORT:
		return len == 2 ? 0 : FATA_EBADMSG;
	case SVC_IPV4HINT:
		return len > 0 && len % 4 == 0 ? 0 : FATA_EBADMSG;
	case SVC_IPV6HINT:
		return len > 0 && len % 16 == 0 ? 0 : FATA_EBADMSG;
	}
	return 0;
}

/*
 * Checks that every key the "mandatory" value lists is present, and that it
 * does not list itself (RFC 9460 section 8). `p` is a list that passed the
 * ordering checks, so the mandatory key, when present, comes first.
 */
static int mandatory_keys_check(const uint8_t *p, size_t len)
{
	uint16_t mlen;

	if (len < 4 || dns_get16(p) != SVC_MANDATORY)
		return 0;
	mlen = dns_get16(p + 2);
	for (size_t m = 0; m < mlen; m += 2) {
		uint16_t want = dns_get16(p + 4 + m);
		int found = 0;

		if (want == SVC_MANDATORY)
			return FATA_EBADMSG;
		for (size_t i = 0; i < len; i += 4 + (size_t)dns_get16(p + i + 2))
			found |= dns_get16(p + i) == want;
		if (!found)
			return FATA_EBADMSG;
	}
	return 0;
}

int dns_svcb_params_check(const uint8_t *p, size_t len)
{
	long last = -1;

	for (size_t i = 0; i < len;) {
		uint16_t key, vlen;

		if (i + 4 > len)
			return FATA_EBADMSG;
		key = dns_get16(p + i);
		vlen = dns_get16(p + i + 2);
		/* Key 65535 is reserved as the invalid key (RFC 9460 section 14.3.2). */
		if ((long)key <= last || key == 65535 || i + 4 + vlen > len)
			return FATA_EBADMSG;
		if (value_check(key, p + i + 4, vlen) < 0)
			return FATA_EBADMSG;
		last = key;
		i += 4 + (size_t)vlen;
	}
	return mandatory_keys_check(p, len);
}

static int out_key(uint16_t key, char *buf, size_t size, size_t *o)
{
	if (key < SVC_KEY_COUNT)
		return dns_out_str(buf, size, o, svc_key_names[key]);
	if (dns_out_str(buf, size, o, "key") < 0)
		return FATA_ENOSPC;
	return dns_out_uint(buf, size, o, key);
}

/* Writes an alpn list as a quoted value-list (RFC 9460 appendix A.1). */
static int out_alpn(const uint8_t *v, size_t len, char *buf, size_t size, size_t *o)
{
	if (dns_out(buf, size, o, "\"", 1) < 0)
		return FATA_ENOSPC;
	for (size_t i = 0; i < len; i += 1 + (size_t)v[i]) {
		if (i > 0 && dns_out(buf, size, o, ",", 1) < 0)
			return FATA_ENOSPC;
		for (size_t k = 1; k <= v[i]; k++) {
			uint8_t c = v[i + k];

			/* A comma or backslash inside an item is escaped twice: once for the
			 * list, once more for the quoted string around it. */
			if ((c == ',' || c == '\\') && dns_out(buf, size, o, "\\\\", 2) < 0)
				return FATA_ENOSPC;
			if (dns_text_escape_byte(c, 0, buf, size, o) < 0)
				return FATA_ENOSPC;
		}
	}
	return dns_out(buf, size, o, "\"", 1);
}

static int out_value(uint16_t key, const uint8_t *v, size_t len, char *buf, size_t size,
		size_t *o)
{
	char tmp[FATA_IPADDR_STRLEN];

	switch (key) {
	case SVC_MANDATORY:
		for (size_t i = 0; i < len; i += 2) {
			if ((i > 0 && dns_out(buf, size, o, ",", 1) < 0)
					|| out_key(dns_get16(v + i), buf, size, o) < 0)
				return FATA_ENOSPC;
		}
		return 0;
	case SVC_ALPN:
		return out_alpn(v, len, buf, size, o);
	case SVC_PORT:
		return dns_out_uint(buf, size, o, dns_get16(v));
	case SVC_IPV4HINT:
	case SVC_IPV6HINT: {
		size_t step = key == SVC_IPV4HINT ? 4 : 16;

		for (size_t i = 0; i < len; i += step) {
			struct fata_ipaddr ip = { .family = step == 4 ? FATA_AF_INET : FATA_AF_INET6 };
			int n;

			memcpy(ip.bytes, v + i, step);
			n = fata_ipaddr_format(&ip, tmp, sizeof tmp);
			if ((i > 0 && dns_out(buf, size, o, ",", 1) < 0)
					|| dns_out(buf, size, o, tmp, (size_t)n) < 0)
				return FATA_ENOSPC;
		}
		return 0;
	}
	case SVC_ECH:
		if (*o + DNS_BASE64_LEN(len) >= size)
			return FATA_ENOSPC;
		*o += dns_base64_encode(v, len, buf + *o);
		buf[*o] = '\0';
		return 0;
	}
	return dns_out_quoted(buf, size, o, v, len);
}

int dns_svcb_params_format(const uint8_t *p, size_t len, char *buf, size_t size, size_t *o)
{
	for (size_t i = 0; i < len;) {
		uint16_t key = dns_get16(p + i), vlen = dns_get16(p + i + 2);

		if (i > 0 && dns_out(buf, size, o, " ", 1) < 0)
			return FATA_ENOSPC;
		if (out_key(key, buf, size, o) < 0)
			return FATA_ENOSPC;
		if (key != SVC_NO_DEFAULT_ALPN || vlen > 0) {
			if (dns_out(buf, size, o, "=", 1) < 0
					|| out_value(key, p + i + 4, vlen, buf, size, o) < 0)
				return FATA_ENOSPC;
		}
		i += 4 + (size_t)vlen;
	}
	return 0;
}

/* ---- Presentation format to wire ---- */

static int key_parse(const char *text, size_t len, uint16_t *out)
{
	uint32_t v = 0;

	for (unsigned k = 0; k < SVC_KEY_COUNT; k++) {
		if (strlen(svc_key_names[k]) == len && memcmp(svc_key_names[k], text, len) == 0) {
			*out = (uint16_t)k;
			return 0;
		}
	}
	/* keyNNNNN (RFC 9460 section 2.1); 65535 is reserved. */
	if (len < 4 || len > 8 || memcmp(text, "key", 3) != 0)
		return FATA_EINVAL;
	for (size_t i = 3; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return FATA_EINVAL;
		v = v * 10 + (uint32_t)(text[i] - '0');
	}
	if (v >= 65535)
		return FATA_EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* Decodes a char-string value (quotes already removed) into out. */
static int unescape_value(const char *text, size_t len, uint8_t *out, size_t cap, size_t *olen)
{
	size_t i = 0, o = 0;

	while (i < len) {
		int c = dns_text_unescape(text, len, &i);

		if (c < 0)
			return FATA_EINVAL;
		if (o >= cap)
			return FATA_ENOSPC;
		out[o++] = (uint8_t)c;
	}
	*olen = o;
	return 0;
}

/* Splits a decoded value-list on commas not preceded by a backslash. */
static int alpn_parse(const uint8_t *v, size_t len, uint8_t *out, size_t cap, size_t *olen)
{
	size_t o = 0, item = 0;

	if (len == 0 || cap == 0)
		return FATA_EINVAL;
	out[o++] = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = v[i];

		if (c == ',') {
			if (out[item] == 0 || o >= cap)
				return FATA_EINVAL;
			item = o;
			out[o++] = 0;
			continue;
		}
		if (c == '\\') {
			if (i + 1 >= len)
				return FATA_EINVAL;
			c = v[++i];
		}
		if (o >= cap || out[item] == 255)
			return FATA_EINVAL;
		out[o++] = c;
		out[item]++;
	}
	if (out[item] == 0)
		return FATA_EINVAL;
	*olen = o;
	return 0;
}

static int hints_parse(uint16_t key, const uint8_t *v, size_t len, uint8_t *out, size_t cap,
		size_t *olen)
{
	size_t o = 0, start = 0;
	uint8_t want = key == SVC_IPV4HINT ? FATA_AF_INET : FATA_AF_INET6;
	size_t step = want == FATA_AF_INET ? 4 : 16;

	for (size_t i = 0; i <= len; i++) {
		struct fata_ipaddr ip;

		if (i < len && v[i] != ',')
			continue;
		if (fata_ipaddr_parse((const char *)v + start, i - start, &ip) < 0 || ip.family != want)
			return FATA_EINVAL;
		if (o + step > cap)
			return FATA_ENOSPC;
		memcpy(out + o, ip.bytes, step);
		o += step;
		start = i + 1;
	}
	*olen = o;
	return 0;
}

static int mandatory_parse(const uint8_t *v, size_t len, uint8_t *out, size_t cap, size_t *olen)
{
	size_t o = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		uint16_t key;
		size_t at;

		if (i < len && v[i] != ',')
			continue;
		if (key_parse((const char *)v + start, i - start, &key) < 0 || key == SVC_MANDATORY)
			return FATA_EINVAL;
		if (o + 2 > cap)
			return FATA_ENOSPC;
		/* Keep the list sorted and free of repeats, as section 8 requires. */
		for (at = 0; at < o && dns_get16(out + at) < key; at += 2)
			;
		if (at < o && dns_get16(out + at) == key)
			return FATA_EINVAL;
		memmove(out + at + 2, out + at, o - at);
		dns_put16(out + at, key);
		o += 2;
		start = i + 1;
	}
	*olen = o;
	return 0;
}

/* Converts one "key[=value]" into the key and its wire value. */
static int param_parse(const char *text, size_t len, uint16_t *key, uint8_t *value,
		size_t cap, size_t *vlen)
{
	const char *eq = memchr(text, '=', len);
	size_t klen = eq ? (size_t)(eq - text) : len;
	uint8_t raw[SVC_VALUE_MAX];
	size_t rawlen = 0;
	const char *v = eq ? eq + 1 : NULL;
	size_t vtext = eq ? len - klen - 1 : 0;
	uint16_t port;

	if (key_parse(text, klen, key) < 0)
		return FATA_EINVAL;
	if (v && vtext >= 2 && v[0] == '"' && v[vtext - 1] == '"') {
		v++;
		vtext -= 2;
	}
	if (v && unescape_value(v, vtext, raw, sizeof raw, &rawlen) < 0)
		return FATA_EINVAL;

	switch (*key) {
	case SVC_NO_DEFAULT_ALPN:
		if (v && rawlen > 0)
			return FATA_EINVAL;
		*vlen = 0;
		return 0;
	case SVC_MANDATORY:
		return v ? mandatory_parse(raw, rawlen, value, cap, vlen) : FATA_EINVAL;
	case SVC_ALPN:
		return v ? alpn_parse(raw, rawlen, value, cap, vlen) : FATA_EINVAL;
	case SVC_PORT:
		port = 0;
		if (!v || rawlen == 0 || rawlen > 5 || cap < 2)
			return FATA_EINVAL;
		for (size_t i = 0; i < rawlen; i++) {
			if (raw[i] < '0' || raw[i] > '9' || port > 6553
					|| (port == 6553 && raw[i] > '5'))
				return FATA_EINVAL;
			port = (uint16_t)(port * 10 + (raw[i] - '0'));
		}
		dns_put16(value, port);
		*vlen = 2;
		return 0;
	case SVC_IPV4HINT:
	case SVC_IPV6HINT:
		return v ? hints_parse(*key, raw, rawlen, value, cap, vlen) : FATA_EINVAL;
	case SVC_ECH:
		return v ? dns_base64_decode((const char *)raw, rawlen, value, cap, vlen)
			: FATA_EINVAL;
	}
	if (rawlen > cap)
		return FATA_ENOSPC;
	memcpy(value, raw, rawlen);
	*vlen = rawlen;
	return 0;
}

int dns_svcb_params_parse(const struct dns_token *tokens, size_t count, uint8_t *out,
		size_t cap, size_t *olen)
{
	size_t o = 0;

	for (size_t t = 0; t < count; t++) {
		uint8_t value[SVC_VALUE_MAX];
		size_t vlen = 0, at;
		uint16_t key;

		if (param_parse(tokens[t].text, tokens[t].len, &key, value, sizeof value, &vlen) < 0)
			return FATA_EINVAL;

		/* Insert in key order; a repeated key is an error (RFC 9460 2.2). */
		for (at = 0; at < o && dns_get16(out + at) < key; at += 4 + (size_t)dns_get16(out + at + 2))
			;
		if (at < o && dns_get16(out + at) == key)
			return FATA_EINVAL;
		if (o + 4 + vlen > cap)
			return FATA_ENOSPC;
		memmove(out + at + 4 + vlen, out + at, o - at);
		dns_put16(out + at, key);
		dns_put16(out + at + 2, (uint16_t)vlen);
		memcpy(out + at + 4, value, vlen);
		o += 4 + vlen;
	}

	*olen = o;
	return dns_svcb_params_check(out, o) == 0 ? 0 : FATA_EINVAL;
}

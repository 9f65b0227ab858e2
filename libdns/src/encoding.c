/*
 * Binary-to-text encodings used in presentation formats: base64 (RFC 4648
 * section 4) for keys, signatures and TSIG secrets, base32hex without
 * padding (RFC 4648 section 7, RFC 5155 section 3.3) for NSEC3 hashes, and
 * hexadecimal.
 */
#include <stddef.h>
#include <stdint.h>

#include <fata/error.h>

#include "dns_internal.h"

static const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char base32hex_alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

size_t dns_base64_encode(const uint8_t *data, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];

		out[o++] = base64_alphabet[(v >> 18) & 63];
		out[o++] = base64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? base64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? base64_alphabet[v & 63] : '=';
	}
	return o;
}

static int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decodes base64, skipping white space, as zone files split long keys over
 * several tokens. Padding must be correct and nothing may follow it.
 */
int dns_base64_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	uint32_t acc = 0;
	unsigned bits = 0, pad = 0, chars = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			pad++;
			chars++;
			continue;
		}
		if (pad > 0)
			return FATA_EINVAL;
		v = base64_value(c);
		if (v < 0)
			return FATA_EINVAL;

		chars++;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return FATA_ENOSPC;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}

	/* Whole quantums only, at most two pad characters, and no stray set bits. */
	if (chars % 4 != 0 || pad > 2 || (acc & ((1u << bits) - 1)) != 0)
		return FATA_EINVAL;
	*out_len = o;
	return 0;
}

size_t dns_base32hex_encode(const uint8_t *data, size_t len, char *out)
{
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = base32hex_alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = base32hex_alphabet[(acc << (5 - bits)) & 31];
	return o;
}

int dns_base32hex_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		int v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'A' && c <= 'V')
			v = c - 'A' + 10;
		else if (c >= 'a' && c <= 'v')
			v = c - 'a' + 10;
		else
			return FATA_EINVAL;

		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return FATA_ENOSPC;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits are padding and must be zero; 5 or more would be a lost byte. */
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return FATA_EINVAL;
	*out_len = o;
	return 0;
}

size_t dns_hex_encode(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	return 2 * len;
}

int dns_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dns_hex_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t o = 0;
	int high = -1;

	for (size_t i = 0; i < len; i++) {
		int v;

		if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')
			continue;
		v = dns_hex_digit(text[i]);
		if (v < 0)
			return FATA_EINVAL;
		if (high < 0) {
			high = v;
			continue;
		}
		if (o >= cap)
			return FATA_ENOSPC;
		out[o++] = (uint8_t)(high << 4 | v);
		high = -1;
	}
	if (high >= 0)
		return FATA_EINVAL;
	*out_len = o;
	return 0;
}

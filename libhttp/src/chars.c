/*
 * Character classes and small string helpers for HTTP syntax.
 */
#include <string.h>

#include <fata/error.h>

#include "http_internal.h"

/*
 * Flags per byte: 1 tchar, 2 field-value character (VCHAR, obs-text, SP,
 * HTAB), 4 visible ASCII, 8 hex digit. Generated from the ABNF of RFC 9110
 * section 5.6.2 and RFC 5234 appendix B.1.
 */
const uint8_t http_char_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,  /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x10 */
	2, 7, 6, 7, 7, 7, 7, 7, 6, 6, 7, 7, 6, 7, 7, 6,  /* 0x20 */
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 6, 6, 6, 6, 6, 6,  /* 0x30 */
	6, 15, 15, 15, 15, 15, 15, 7, 7, 7, 7, 7, 7, 7, 7, 7,  /* 0x40 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 7, 7,  /* 0x50 */
	7, 15, 15, 15, 15, 15, 15, 7, 7, 7, 7, 7, 7, 7, 7, 7,  /* 0x60 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 7, 6, 7, 0,  /* 0x70 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,  /* 0x80 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,  /* 0x90 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,  /* 0xa0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,  /* 0xb0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,  /* 0xc0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,  /* 0xd0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,  /* 0xe0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,  /* 0xf0 */
};

int http_hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

int http_equal_nocase(const char *a, size_t a_len, const char *b)
{
	size_t b_len = strlen(b);

	if (a_len != b_len)
		return 0;
	for (size_t i = 0; i < a_len; i++) {
		if (lower((uint8_t)a[i]) != lower((uint8_t)b[i]))
			return 0;
	}
	return 1;
}

void http_trim_ows(const char **s, size_t *len)
{
	while (*len > 0 && http_is_ows((uint8_t)(*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && http_is_ows((uint8_t)(*s)[*len - 1]))
		(*len)--;
}

int http_list_next(const char *value, size_t len, size_t *pos, const char **elem, size_t *elem_len)
{
	while (*pos < len) {
		size_t start = *pos;
		size_t end = start;

		while (end < len && value[end] != ',')
			end++;
		*pos = end < len ? end + 1 : end;

		const char *e = value + start;
		size_t e_len = end - start;

		http_trim_ows(&e, &e_len);
		if (e_len > 0) {
			*elem = e;
			*elem_len = e_len;
			return 1;
		}
	}
	return 0;
}

int http_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c < '0' || c > '9')
			return -1;
		if (v > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(c - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(c - '0');
	}
	*out = v;
	return 0;
}

int fata_http_is_token(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!http_is_token_char((uint8_t)s[i]))
			return 0;
	}
	return 1;
}

int fata_http_is_field_value(const char *s, size_t len)
{
	if (len > 0 && (http_is_ows((uint8_t)s[0]) || http_is_ows((uint8_t)s[len - 1])))
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!http_is_value_char((uint8_t)s[i]))
			return 0;
	}
	return 1;
}

enum fata_http_error_kind http_check_field_line(const uint8_t *line, size_t len)
{
	size_t colon = 0;

	/* A CR anywhere inside a line is not part of a CRLF (RFC 9112 section 2.2). */
	if (memchr(line, '\r', len) != NULL)
		return FATA_HTTP_ERR_BARE_CR;

	while (colon < len && line[colon] != ':')
		colon++;
	if (colon == len || colon == 0)
		return FATA_HTTP_ERR_FIELD_NAME;

	/* RFC 9112 section 5.1: whitespace between name and colon must be rejected. */
	if (http_is_ows(line[colon - 1]))
		return FATA_HTTP_ERR_SPACE_BEFORE_COLON;
	for (size_t i = 0; i < colon; i++) {
		if (!http_is_token_char(line[i]))
			return FATA_HTTP_ERR_FIELD_NAME;
	}

	/* RFC 9110 section 5.5: CR, LF, NUL and the other controls are invalid in values. */
	for (size_t i = colon + 1; i < len; i++) {
		if (!http_is_value_char(line[i]))
			return FATA_HTTP_ERR_FIELD_VALUE;
	}
	return FATA_HTTP_ERR_NONE;
}

const struct fata_http_header *fata_http_header_find(const struct fata_http_header *headers,
		size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++) {
		if (http_equal_nocase(headers[i].name, headers[i].name_len, name))
			return &headers[i];
	}
	return NULL;
}

int fata_http_header_has_token(const struct fata_http_header *headers, size_t count,
		const char *name, const char *token)
{
	for (size_t i = 0; i < count; i++) {
		const char *elem;
		size_t elem_len;
		size_t pos = 0;

		if (!http_equal_nocase(headers[i].name, headers[i].name_len, name))
			continue;
		while (http_list_next(headers[i].value, headers[i].value_len, &pos, &elem, &elem_len)) {
			if (http_equal_nocase(elem, elem_len, token))
				return 1;
		}
	}
	return 0;
}

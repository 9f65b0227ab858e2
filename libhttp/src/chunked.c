/*
 * The chunked transfer coding (RFC 9112 section 7.1).
 *
 * The decoder walks the chunk-size line byte by byte, so any split of the
 * input gives the same result. It is strict wherever a lenient reading
 * would let two parsers disagree on where the body ends. Chunk sizes are
 * 1*HEXDIG with no sign, prefix or whitespace. Every line ends in CRLF,
 * extensions must match the ABNF, and chunk data must be followed by CRLF.
 */
#include <string.h>

#include <fata/error.h>
#include <fata/fmt.h>

#include "http_internal.h"

enum {
	ST_SIZE = 0,     /* hex digits of the chunk size */
	ST_EXT,          /* chunk extensions, see enum ext_state */
	ST_SIZE_LF,      /* the LF after the chunk-size line's CR */
	ST_DATA,
	ST_DATA_CR,
	ST_DATA_LF,
	ST_TRAILER,      /* the trailer section, returned whole */
	ST_DONE,
};

/* Positions inside chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ). */
enum ext_state {
	EXT_WS_BEFORE_SEMI = 0, /* whitespace seen: only more whitespace or ";" may follow */
	EXT_AFTER_SEMI,         /* after ";": whitespace or the name */
	EXT_NAME,
	EXT_AFTER_NAME,         /* whitespace after the name: "=", ";" or more whitespace */
	EXT_AFTER_EQ,           /* after "=": whitespace or the value */
	EXT_TOKEN_VALUE,
	EXT_QUOTED,
	EXT_QUOTED_ESCAPE,
	EXT_AFTER_QUOTED,
};

void fata_http_chunked_init(struct fata_http_chunked *d, uint32_t max_line, uint32_t max_trailer)
{
	memset(d, 0, sizeof(*d));
	d->max_line = max_line ? max_line : 4096;
	d->max_trailer = max_trailer ? max_trailer : 4096;
}

static int fail(struct fata_http_chunked *d, enum fata_http_error_kind kind, int code)
{
	d->error = kind;
	d->result = code;
	return code;
}

/* qdtext and the escaped characters of quoted-pair (RFC 9110 section 5.6.4). */
static int is_qdtext(uint8_t c)
{
	return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b)
			|| (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

/*
 * Advances the extension grammar by one byte. Returns 1 when `c` is the CR
 * that ends the line, 0 to go on, -1 when the byte is not allowed here.
 */
static int ext_step(struct fata_http_chunked *d, uint8_t c)
{
	int ows = http_is_ows(c);
	int tchar = http_is_token_char(c);

	switch (d->ext_state) {
	case EXT_WS_BEFORE_SEMI:
		if (c == ';')
			d->ext_state = EXT_AFTER_SEMI;
		return (ows || c == ';') ? 0 : -1;
	case EXT_AFTER_SEMI:
		if (tchar)
			d->ext_state = EXT_NAME;
		return (ows || tchar) ? 0 : -1;
	case EXT_NAME:
	case EXT_AFTER_NAME:
		if (c == '\r' && d->ext_state == EXT_NAME)
			return 1;
		if (c == '=')
			d->ext_state = EXT_AFTER_EQ;
		else if (c == ';')
			d->ext_state = EXT_AFTER_SEMI;
		else if (ows)
			d->ext_state = EXT_AFTER_NAME;
		else if (!tchar || d->ext_state == EXT_AFTER_NAME)
			return -1;
		return 0;
	case EXT_AFTER_EQ:
		if (c == '"')
			d->ext_state = EXT_QUOTED;
		else if (tchar)
			d->ext_state = EXT_TOKEN_VALUE;
		else if (!ows)
			return -1;
		return 0;
	case EXT_QUOTED:
		if (c == '"')
			d->ext_state = EXT_AFTER_QUOTED;
		else if (c == '\\')
			d->ext_state = EXT_QUOTED_ESCAPE;
		else if (!is_qdtext(c))
			return -1;
		return 0;
	case EXT_QUOTED_ESCAPE:
		if (!(c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7e) || c >= 0x80))
			return -1;
		d->ext_state = EXT_QUOTED;
		return 0;
	case EXT_TOKEN_VALUE:
	case EXT_AFTER_QUOTED:
		if (c == '\r')
			return 1;
		if (c == ';')
			d->ext_state = EXT_AFTER_SEMI;
		else if (ows)
			d->ext_state = EXT_WS_BEFORE_SEMI;
		else if (!(tchar && d->ext_state == EXT_TOKEN_VALUE))
			return -1;
		return 0;
	default:
		return -1;
	}
}

/* Takes one byte of the chunk-size line. Returns 0 or a latched error. */
static int size_line_step(struct fata_http_chunked *d, uint8_t c)
{
	if (++d->line_bytes > d->max_line)
		return fail(d, FATA_HTTP_ERR_CHUNK_EXT, FATA_ELIMIT);

	if (d->state == ST_EXT) {
		int rc = ext_step(d, c);

		if (rc < 0)
			return fail(d, FATA_HTTP_ERR_CHUNK_EXT, FATA_EBADMSG);
		if (rc == 1)
			d->state = ST_SIZE_LF;
		return 0;
	}

	int digit = http_hex_value(c);

	if (digit >= 0) {
		/* The size must fit 63 bits so that lengths stay representable as int64_t. */
		if (d->remaining > (UINT64_C(0x7fffffffffffffff) >> 4))
			return fail(d, FATA_HTTP_ERR_CHUNK_SIZE, FATA_EBADMSG);
		d->remaining = (d->remaining << 4) | (uint64_t)digit;
		d->digits++;
		return 0;
	}
	if (d->digits == 0)
		return fail(d, FATA_HTTP_ERR_CHUNK_SIZE, FATA_EBADMSG);
	if (c == '\r') {
		d->state = ST_SIZE_LF;
	} else if (c == ';' || http_is_ows(c)) {
		d->state = ST_EXT;
		d->ext_state = c == ';' ? EXT_AFTER_SEMI : EXT_WS_BEFORE_SEMI;
	} else {
		return fail(d, FATA_HTTP_ERR_CHUNK_SIZE, FATA_EBADMSG);
	}
	return 0;
}

/*
 * Looks for the end of the trailer section at `base` (its first byte),
 * checking each complete field line once. Returns 1 when complete, 0 when
 * more input is needed, or a latched error.
 */
static int scan_trailer(struct fata_http_chunked *d, const uint8_t *base, size_t len,
		struct fata_http_chunked_out *out)
{
	for (;;) {
		size_t start = d->trailer_scanned;
		const uint8_t *lf = memchr(base + start, '\n', len - start);

		if (lf == NULL) {
			if (len > d->max_trailer)
				return fail(d, FATA_HTTP_ERR_FIELDS_TOO_LARGE, FATA_ELIMIT);
			return 0;
		}

		size_t end = (size_t)(lf - base);

		if (end + 1 > d->max_trailer)
			return fail(d, FATA_HTTP_ERR_FIELDS_TOO_LARGE, FATA_ELIMIT);
		if (end == start || base[end - 1] != '\r')
			return fail(d, FATA_HTTP_ERR_BARE_LF, FATA_EBADMSG);
		if (end - start == 1) {
			out->trailers = base;
			out->trailers_len = start;
			out->consumed += end + 1;
			return 1;
		}
		if (http_is_ows(base[start]))
			return fail(d, FATA_HTTP_ERR_OBS_FOLD, FATA_EBADMSG);

		enum fata_http_error_kind err = http_check_field_line(base + start, end - 1 - start);

		if (err != FATA_HTTP_ERR_NONE)
			return fail(d, err, FATA_EBADMSG);
		if (++d->trailer_fields > FATA_HTTP_MAX_HEADERS)
			return fail(d, FATA_HTTP_ERR_FIELDS_TOO_LARGE, FATA_ELIMIT);
		d->trailer_scanned = (uint32_t)(end + 1);
	}
}

/* Hands out the next run of chunk data at in[*pos]. */
static void take_data(struct fata_http_chunked *d, const uint8_t *in, size_t len, size_t *pos,
		struct fata_http_chunked_out *out)
{
	size_t avail = len - *pos;
	size_t n = d->remaining < avail ? (size_t)d->remaining : avail;

	out->data = in + *pos;
	out->data_len = n;
	*pos += n;
	d->remaining -= n;
	if (d->remaining == 0)
		d->state = ST_DATA_CR;
}

/* Takes one byte of the line structure around the data. Returns 0 or an error. */
static int line_step(struct fata_http_chunked *d, uint8_t c)
{
	switch (d->state) {
	case ST_SIZE:
	case ST_EXT:
		return size_line_step(d, c);
	case ST_SIZE_LF:
		if (c != '\n')
			return fail(d, FATA_HTTP_ERR_BARE_CR, FATA_EBADMSG);
		d->state = d->remaining == 0 ? ST_TRAILER : ST_DATA;
		d->line_bytes = 0;
		d->digits = 0;
		return 0;
	case ST_DATA_CR:
		if (c != '\r')
			return fail(d, FATA_HTTP_ERR_CHUNK_DATA, FATA_EBADMSG);
		d->state = ST_DATA_LF;
		return 0;
	case ST_DATA_LF:
		if (c != '\n')
			return fail(d, FATA_HTTP_ERR_CHUNK_DATA, FATA_EBADMSG);
		d->state = ST_SIZE;
		return 0;
	default:
		return fail(d, FATA_HTTP_ERR_CHUNK_SIZE, FATA_EBADMSG);
	}
}

int fata_http_chunked_decode(struct fata_http_chunked *d, const uint8_t *in, size_t len,
		struct fata_http_chunked_out *out)
{
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (d->result < 0)
		return d->result;

	while (d->state != ST_DONE) {
		if (d->state == ST_TRAILER) {
			out->consumed = pos;

			int rc = scan_trailer(d, in + pos, len - pos, out);

			if (rc < 0)
				return rc;
			if (rc == 1)
				d->state = ST_DONE;
			break;
		}
		if (pos == len) {
			out->consumed = pos;
			return 0;
		}
		if (d->state == ST_DATA) {
			take_data(d, in, len, &pos, out);
			out->consumed = pos;
			return 0;
		}

		int rc = line_step(d, in[pos]);

		if (rc < 0)
			return rc;
		pos++;
	}
	out->done = d->state == ST_DONE;
	if (out->done && out->trailers == NULL)
		out->consumed = pos;
	return 0;
}

int fata_http_chunk_line(char *buf, size_t size, uint64_t len)
{
	int n = fata_snprintf(buf, size, "%llx\r\n", (unsigned long long)len);

	if (n < 0 || (size_t)n >= size)
		return FATA_ENOSPC;
	return n;
}

int fata_http_chunked_end(char *buf, size_t size, const struct fata_http_header *trailers,
		size_t count)
{
	size_t pos = 0;

	if (size < 3)
		return FATA_ENOSPC;
	memcpy(buf, "0\r\n", 3);
	pos = 3;

	for (size_t i = 0; i < count; i++) {
		const struct fata_http_header *h = &trailers[i];

		if (!fata_http_is_token(h->name, h->name_len)
				|| !fata_http_is_field_value(h->value, h->value_len))
			return FATA_EINVAL;
		if (size - pos < h->name_len + h->value_len + 4)
			return FATA_ENOSPC;
		memcpy(buf + pos, h->name, h->name_len);
		pos += h->name_len;
		memcpy(buf + pos, ": ", 2);
		pos += 2;
		memcpy(buf + pos, h->value, h->value_len);
		pos += h->value_len;
		memcpy(buf + pos, "\r\n", 2);
		pos += 2;
	}
	if (size - pos < 2)
		return FATA_ENOSPC;
	memcpy(buf + pos, "\r\n", 2);
	return (int)(pos + 2);
}

/*
 * The second pass of the head parser: fills the request or response from
 * lines that parse.c validated, then decides how the body is delimited
 * (RFC 9112 section 6.3) and whether the connection persists (section
 * 9.3). The framing rules reject every ambiguity that lets two parsers
 * disagree about where a message ends, the root of request smuggling.
 */
#include <string.h>

#include <fata/error.h>

#include "http_internal.h"
#include "parse_internal.h"

/* Stores the next line of buf[*pos..end) without its line break. */
static int next_line(const uint8_t *buf, size_t end, size_t *pos, const uint8_t **line,
		size_t *len)
{
	if (*pos >= end)
		return 0;

	const uint8_t *lf = memchr(buf + *pos, '\n', end - *pos);
	size_t stop = lf ? (size_t)(lf - buf) : end;

	*line = buf + *pos;
	*len = stop - *pos;
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	*pos = stop + 1;
	return 1;
}

/* Splits a validated field line into a trimmed name and value. */
static void split_field(const uint8_t *line, size_t len, struct fata_http_header *out)
{
	const uint8_t *colon = memchr(line, ':', len);
	size_t name_len = colon ? (size_t)(colon - line) : len;
	const char *value = (const char *)line + name_len + (colon ? 1 : 0);
	size_t value_len = len - name_len - (colon ? 1 : 0);

	http_trim_ows(&value, &value_len);
	out->name = (const char *)line;
	out->name_len = name_len;
	out->value = value;
	out->value_len = value_len;
}

/* Fills `fields` from the lines after the start line; returns the count. */
static size_t collect_fields(const uint8_t *buf, size_t head_len, size_t pos,
		struct fata_http_header *fields, size_t cap)
{
	const uint8_t *line;
	size_t len;
	size_t count = 0;

	while (next_line(buf, head_len, &pos, &line, &len) && len > 0 && count < cap)
		split_field(line, len, &fields[count++]);
	return count;
}

int fata_http_fields_split(const uint8_t *buf, size_t len, struct fata_http_header *fields,
		size_t cap)
{
	const uint8_t *line;
	size_t line_len;
	size_t pos = 0;
	size_t count = 0;

	while (next_line(buf, len, &pos, &line, &line_len)) {
		if (line_len == 0)
			continue;
		if (count == cap)
			return FATA_ELIMIT;
		split_field(line, line_len, &fields[count++]);
	}
	return (int)count;
}

/* Skips empty lines and returns the start line; `*pos` ends after it. */
static void find_start_line(const uint8_t *buf, size_t head_len, size_t *pos,
		const uint8_t **line, size_t *len)
{
	*pos = 0;
	while (next_line(buf, head_len, pos, line, len) && *len == 0)
		;
}

/* The shape of a Transfer-Encoding list, judged by its last coding. */
enum te_shape {
	TE_ABSENT = 0,
	TE_CHUNKED,             /* exactly "chunked" */
	TE_CODINGS_THEN_CHUNKED,/* other codings, then chunked last */
	TE_NOT_CHUNKED_LAST,    /* chunked missing from the end */
	TE_INVALID,             /* empty, not a token, or chunked twice */
};

/* Classifies every Transfer-Encoding field of `fields`, as one list (RFC 9110 section 5.3). */
static enum te_shape transfer_encoding_shape(const struct fata_http_header *fields, size_t count)
{
	size_t codings = 0;
	size_t chunked = 0;
	int last_chunked = 0;
	int present = 0;

	for (size_t i = 0; i < count; i++) {
		const char *elem;
		size_t elem_len;
		size_t pos = 0;

		if (!http_equal_nocase(fields[i].name, fields[i].name_len, "transfer-encoding"))
			continue;
		present = 1;
		while (http_list_next(fields[i].value, fields[i].value_len, &pos, &elem, &elem_len)) {
			const char *semi = memchr(elem, ';', elem_len);
			size_t name_len = semi ? (size_t)(semi - elem) : elem_len;

			http_trim_ows(&elem, &name_len);
			if (!fata_http_is_token(elem, name_len))
				return TE_INVALID;
			codings++;
			last_chunked = http_equal_nocase(elem, name_len, "chunked") && semi == NULL;
			chunked += (size_t)last_chunked;
		}
	}
	if (!present)
		return TE_ABSENT;

	/* RFC 9112 section 7: a sender applies chunked at most once, and last. */
	if (codings == 0 || chunked > 1 || (chunked == 1 && !last_chunked))
		return TE_INVALID;
	if (!last_chunked)
		return TE_NOT_CHUNKED_LAST;
	return codings == 1 ? TE_CHUNKED : TE_CODINGS_THEN_CHUNKED;
}

/*
 * Reads the only Content-Length field. Returns 0 with *present 0 when there
 * is none; -1 for a repeated field, a list or anything but 1*DIGIT.
 */
static int content_length(const struct fata_http_header *fields, size_t count, int *present,
		uint64_t *out)
{
	*present = 0;
	for (size_t i = 0; i < count; i++) {
		if (!http_equal_nocase(fields[i].name, fields[i].name_len, "content-length"))
			continue;

		/* RFC 9110 section 8.6 allows merging equal repeats; rejecting them is safer. */
		if (*present)
			return -1;
		*present = 1;
		if (http_parse_u64(fields[i].value, fields[i].value_len, out) != 0)
			return -1;
	}
	return 0;
}

/* Checks a Host value: uri-host [":" port] in RFC 3986 characters. */
static int host_valid(const char *v, size_t len)
{
	static const char allowed[] = "-._~!$&'()*+,;=:[]%";

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)v[i];
		int alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');

		if (!alnum && (c == 0 || memchr(allowed, c, sizeof(allowed) - 1) == NULL))
			return 0;
	}
	return 1;
}

/* RFC 9112 section 3.2: HTTP/1.1 requests carry exactly one valid Host. */
static enum fata_http_error_kind check_host(const struct fata_http_request *r)
{
	const struct fata_http_header *host = NULL;

	for (size_t i = 0; i < r->header_count; i++) {
		if (!http_equal_nocase(r->headers[i].name, r->headers[i].name_len, "host"))
			continue;
		if (host != NULL)
			return FATA_HTTP_ERR_HOST;
		host = &r->headers[i];
	}
	if (host == NULL)
		return r->minor_version == 1 ? FATA_HTTP_ERR_HOST : FATA_HTTP_ERR_NONE;
	return host_valid(host->value, host->value_len) ? FATA_HTTP_ERR_NONE : FATA_HTTP_ERR_HOST;
}

/* Applies RFC 9112 section 6.3 to a request, rejecting every ambiguous framing. */
static enum fata_http_error_kind request_framing(struct fata_http_request *r)
{
	int has_length;
	enum te_shape te = transfer_encoding_shape(r->headers, r->header_count);

	if (content_length(r->headers, r->header_count, &has_length, &r->content_length) != 0)
		return FATA_HTTP_ERR_CONTENT_LENGTH;

	if (te == TE_ABSENT) {
		r->body_kind = has_length && r->content_length > 0 ? FATA_HTTP_BODY_LENGTH
				: FATA_HTTP_BODY_NONE;
		return FATA_HTTP_ERR_NONE;
	}

	/* Section 6.1: a server may reject a message with both; this one does. */
	if (has_length)
		return FATA_HTTP_ERR_CL_AND_TE;

	/* Section 6.1: HTTP/1.0 has no Transfer-Encoding, so the length is unknown. */
	if (r->minor_version == 0)
		return FATA_HTTP_ERR_LENGTH_REQUIRED;

	/* Section 6.3 item 4: without a final chunked the request length is unknown. */
	if (te == TE_INVALID || te == TE_NOT_CHUNKED_LAST)
		return FATA_HTTP_ERR_TRANSFER_ENCODING;
	if (te == TE_CODINGS_THEN_CHUNKED)
		return FATA_HTTP_ERR_UNKNOWN_CODING;
	r->body_kind = FATA_HTTP_BODY_CHUNKED;
	return FATA_HTTP_ERR_NONE;
}

/* RFC 9112 section 9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". */
static int persists(const struct fata_http_header *fields, size_t count, int minor_version)
{
	if (fata_http_header_has_token(fields, count, "connection", "close"))
		return 0;
	if (minor_version >= 1)
		return 1;
	return fata_http_header_has_token(fields, count, "connection", "keep-alive");
}

int http_finish_request(struct fata_http_parser *p, const uint8_t *buf, size_t head_len,
		struct fata_http_request *out)
{
	const uint8_t *line = buf;
	size_t len = 0;
	size_t pos;

	memset(out, 0, sizeof(*out));
	find_start_line(buf, head_len, &pos, &line, &len);
	http_split_request_line(line, len, out);
	out->header_count = collect_fields(buf, head_len, pos, out->headers, FATA_HTTP_MAX_HEADERS);

	enum fata_http_error_kind err = check_host(out);

	if (err == FATA_HTTP_ERR_NONE)
		err = request_framing(out);
	if (err != FATA_HTTP_ERR_NONE)
		return http_parser_fail(p, err);

	out->keep_alive = persists(out->headers, out->header_count, out->minor_version);

	/* RFC 9110 section 10.1.1: an HTTP/1.0 request's 100-continue is ignored. */
	const struct fata_http_header *expect = fata_http_header_find(out->headers,
			out->header_count, "expect");

	out->expect_continue = out->minor_version == 1 && expect != NULL
			&& http_equal_nocase(expect->value, expect->value_len, "100-continue");
	return (int)head_len;
}

/* Applies RFC 9112 section 6.3 to a response. */
static enum fata_http_error_kind response_framing(struct fata_http_response *r,
		enum fata_http_method request_method)
{
	int has_length;
	enum te_shape te = transfer_encoding_shape(r->headers, r->header_count);

	/* Items 1 and 2: these responses never have a body, whatever their fields contain. */
	if (request_method == FATA_HTTP_HEAD || (r->status >= 100 && r->status < 200)
			|| r->status == 204 || r->status == 304
			|| (request_method == FATA_HTTP_CONNECT && r->status < 300)) {
		r->body_kind = FATA_HTTP_BODY_NONE;
		return FATA_HTTP_ERR_NONE;
	}

	/* Item 3: Transfer-Encoding overrides Content-Length; the connection must then close. */
	if (te != TE_ABSENT) {
		if (te == TE_INVALID)
			return FATA_HTTP_ERR_TRANSFER_ENCODING;
		if (te == TE_CODINGS_THEN_CHUNKED)
			return FATA_HTTP_ERR_UNKNOWN_CODING;
		r->body_kind = te == TE_CHUNKED ? FATA_HTTP_BODY_CHUNKED : FATA_HTTP_BODY_UNTIL_CLOSE;
		if (te != TE_CHUNKED || r->minor_version == 0
				|| fata_http_header_find(r->headers, r->header_count, "content-length"))
			r->keep_alive = 0;
		return FATA_HTTP_ERR_NONE;
	}

	/* Item 5: an invalid Content-Length in a response is an unrecoverable error. */
	if (content_length(r->headers, r->header_count, &has_length, &r->content_length) != 0)
		return FATA_HTTP_ERR_CONTENT_LENGTH;
	if (has_length) {
		r->body_kind = r->content_length > 0 ? FATA_HTTP_BODY_LENGTH : FATA_HTTP_BODY_NONE;
		return FATA_HTTP_ERR_NONE;
	}

	/* Item 8: otherwise the body runs until the server closes. */
	r->body_kind = FATA_HTTP_BODY_UNTIL_CLOSE;
	r->keep_alive = 0;
	return FATA_HTTP_ERR_NONE;
}

int http_finish_response(struct fata_http_parser *p, const uint8_t *buf, size_t head_len,
		struct fata_http_response *out)
{
	const uint8_t *line = buf;
	size_t len = 0;
	size_t pos;

	memset(out, 0, sizeof(*out));
	find_start_line(buf, head_len, &pos, &line, &len);
	http_split_status_line(line, len, out);
	out->header_count = collect_fields(buf, head_len, pos, out->headers, FATA_HTTP_MAX_HEADERS);
	out->keep_alive = persists(out->headers, out->header_count, out->minor_version);

	enum fata_http_error_kind err = response_framing(out,
			(enum fata_http_method)p->request_method);

	if (err != FATA_HTTP_ERR_NONE)
		return http_parser_fail(p, err);
	return (int)head_len;
}

/*
 * The incremental head parser (RFC 9112 sections 2 to 5).
 *
 * Invariants: `p->pos` is the offset of the first line not validated yet,
 * and every byte before it belongs to lines that passed their checks. Each
 * call validates the lines that became complete since the last call and
 * stops at the first incomplete one, so the work per call is proportional
 * to the new bytes plus one partial line. When the empty line that ends
 * the head arrives, a second pass (framing.c) walks the validated lines
 * again to fill the caller's structure; it cannot fail on syntax.
 */
#include <string.h>

#include <fata/error.h>

#include "http_internal.h"
#include "parse_internal.h"

enum {
	PHASE_START = 0,
	PHASE_FIELDS = 1,
	PHASE_DONE = 2,
};

static void init_limits(struct fata_http_limits *out, const struct fata_http_limits *in)
{
	out->max_start_line = 8192;
	out->max_fields = FATA_HTTP_MAX_HEADERS;
	out->max_head_bytes = 16384;
	if (in == NULL)
		return;
	if (in->max_start_line != 0)
		out->max_start_line = in->max_start_line;
	if (in->max_fields != 0 && in->max_fields < FATA_HTTP_MAX_HEADERS)
		out->max_fields = in->max_fields;
	if (in->max_head_bytes != 0)
		out->max_head_bytes = in->max_head_bytes;
}

void fata_http_parser_init_request(struct fata_http_parser *p, const struct fata_http_limits *limits)
{
	memset(p, 0, sizeof(*p));
	init_limits(&p->limits, limits);
}

void fata_http_parser_init_response(struct fata_http_parser *p, const struct fata_http_limits *limits,
		enum fata_http_method request_method)
{
	memset(p, 0, sizeof(*p));
	init_limits(&p->limits, limits);
	p->is_response = 1;
	p->request_method = (uint8_t)request_method;
}

int http_parser_fail(struct fata_http_parser *p, enum fata_http_error_kind kind)
{
	int code = FATA_EBADMSG;

	if (kind == FATA_HTTP_ERR_URI_TOO_LONG || kind == FATA_HTTP_ERR_FIELDS_TOO_LARGE)
		code = FATA_ELIMIT;
	else if (kind == FATA_HTTP_ERR_UNKNOWN_CODING)
		code = FATA_ENOTSUP;
	else if (kind == FATA_HTTP_ERR_VERSION)
		code = FATA_EPROTO;
	p->error = kind;
	p->result = code;
	return code;
}

/* Checks "HTTP/" DIGIT "." DIGIT; stores the minor version (capped at 1). */
static enum fata_http_error_kind check_version(const uint8_t *v, size_t len, int *minor,
		enum fata_http_error_kind syntax_error)
{
	if (len != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.')
		return syntax_error;
	if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return syntax_error;

	/* RFC 9110 section 2.5: only major version 1 is this protocol. */
	if (v[5] != '1')
		return FATA_HTTP_ERR_VERSION;
	*minor = v[7] == '0' ? 0 : 1;
	return FATA_HTTP_ERR_NONE;
}

/* Returns 1 when the target fits authority-form: host ":" port (RFC 9112 section 3.2.3). */
static int is_authority_form(const uint8_t *t, size_t len)
{
	size_t colon = len;

	while (colon > 0 && t[colon - 1] != ':')
		colon--;
	if (colon < 2 || colon == len)
		return 0;
	for (size_t i = colon; i < len; i++) {
		if (t[i] < '0' || t[i] > '9')
			return 0;
	}
	for (size_t i = 0; i + 1 < colon; i++) {
		if (t[i] == '/' || t[i] == '@' || t[i] == '?' || t[i] == '#')
			return 0;
	}
	return 1;
}

/* Returns 1 when the target starts with a URI scheme and a colon (absolute-form). */
static int is_absolute_form(const uint8_t *t, size_t len)
{
	size_t i = 0;

	if (len == 0 || !((t[0] | 0x20) >= 'a' && (t[0] | 0x20) <= 'z'))
		return 0;
	while (i < len && t[i] != ':') {
		uint8_t c = t[i];
		int alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';

		if (!alpha && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
			return 0;
		i++;
	}
	return i < len && i + 1 < len;
}

/* Checks a request-target against the four forms of RFC 9112 section 3.2. */
static int target_valid(const uint8_t *t, size_t len, enum fata_http_method method)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!(http_char_class[t[i]] & HTTP_CHAR_TARGET) || t[i] == '#')
			return 0;
	}
	if (method == FATA_HTTP_CONNECT)
		return is_authority_form(t, len);
	if (t[0] == '/')
		return 1;
	if (len == 1 && t[0] == '*')
		return method == FATA_HTTP_OPTIONS;
	return is_absolute_form(t, len);
}

enum fata_http_error_kind http_split_request_line(const uint8_t *line, size_t len,
		struct fata_http_request *out)
{
	const uint8_t *sp1 = memchr(line, ' ', len);

	if (sp1 == NULL)
		return FATA_HTTP_ERR_SYNTAX;

	size_t method_len = (size_t)(sp1 - line);

	if (!fata_http_is_token((const char *)line, method_len))
		return FATA_HTTP_ERR_METHOD;

	const uint8_t *target = sp1 + 1;
	size_t rest = len - method_len - 1;
	const uint8_t *sp2 = memchr(target, ' ', rest);

	if (sp2 == NULL)
		return FATA_HTTP_ERR_SYNTAX;

	size_t target_len = (size_t)(sp2 - target);
	const uint8_t *version = sp2 + 1;
	size_t version_len = rest - target_len - 1;
	enum fata_http_method method = fata_http_method_parse((const char *)line, method_len);
	int minor = 1;

	if (target_len == 0)
		return FATA_HTTP_ERR_SYNTAX;
	if (!target_valid(target, target_len, method))
		return FATA_HTTP_ERR_TARGET;

	enum fata_http_error_kind err = check_version(version, version_len, &minor,
			FATA_HTTP_ERR_SYNTAX);

	if (err != FATA_HTTP_ERR_NONE)
		return err;
	if (out != NULL) {
		out->method = method;
		out->method_name = (const char *)line;
		out->method_len = method_len;
		out->target = (const char *)target;
		out->target_len = target_len;
		out->minor_version = minor;
	}
	return FATA_HTTP_ERR_NONE;
}

enum fata_http_error_kind http_split_status_line(const uint8_t *line, size_t len,
		struct fata_http_response *out)
{
	int minor = 1;

	if (len < 12)
		return FATA_HTTP_ERR_STATUS;

	enum fata_http_error_kind err = check_version(line, 8, &minor, FATA_HTTP_ERR_STATUS);

	if (err != FATA_HTTP_ERR_NONE)
		return err;
	if (line[8] != ' ')
		return FATA_HTTP_ERR_STATUS;

	int status = 0;

	for (size_t i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9')
			return FATA_HTTP_ERR_STATUS;
		status = status * 10 + (line[i] - '0');
	}
	if (status < 100 || status > 599)
		return FATA_HTTP_ERR_STATUS;

	/* The reason phrase may be empty; some servers also drop the space before it. */
	const uint8_t *reason = line + 12;
	size_t reason_len = len - 12;

	if (reason_len > 0) {
		if (reason[0] != ' ')
			return FATA_HTTP_ERR_STATUS;
		reason++;
		reason_len--;
	}
	for (size_t i = 0; i < reason_len; i++) {
		if (!http_is_value_char(reason[i]))
			return FATA_HTTP_ERR_STATUS;
	}
	if (out != NULL) {
		out->minor_version = minor;
		out->status = status;
		out->reason = (const char *)reason;
		out->reason_len = reason_len;
	}
	return FATA_HTTP_ERR_NONE;
}

/* Checks a limit on the line that is still incomplete at the end of the input. */
static int check_partial(struct fata_http_parser *p, size_t len)
{
	size_t line_len = len - p->pos;

	if (p->phase == PHASE_START && line_len > p->limits.max_start_line) {
		return http_parser_fail(p, p->is_response ? FATA_HTTP_ERR_STATUS
				: FATA_HTTP_ERR_URI_TOO_LONG);
	}
	if (len > p->limits.max_head_bytes)
		return http_parser_fail(p, FATA_HTTP_ERR_FIELDS_TOO_LARGE);
	return FATA_EINCOMPLETE;
}

/* Validates one start line; empty lines before it are skipped. */
static int take_start_line(struct fata_http_parser *p, const uint8_t *line, size_t len)
{
	enum fata_http_error_kind err;

	if (len > p->limits.max_start_line) {
		return http_parser_fail(p, p->is_response ? FATA_HTTP_ERR_STATUS
				: FATA_HTTP_ERR_URI_TOO_LONG);
	}
	if (memchr(line, '\r', len) != NULL)
		return http_parser_fail(p, FATA_HTTP_ERR_BARE_CR);
	if (p->is_response)
		err = http_split_status_line(line, len, NULL);
	else
		err = http_split_request_line(line, len, NULL);
	if (err != FATA_HTTP_ERR_NONE)
		return http_parser_fail(p, err);
	p->phase = PHASE_FIELDS;
	return 0;
}

/*
 * Validates an obs-fold continuation line (RFC 9112 section 5.2): requests
 * reject it, responses join it to the field above by overwriting the line
 * break in front of it with spaces.
 */
static int take_continuation(struct fata_http_parser *p, uint8_t *buf, const uint8_t *line,
		size_t len)
{
	if (!p->is_response || buf == NULL || !p->in_field)
		return http_parser_fail(p, FATA_HTTP_ERR_OBS_FOLD);
	if (memchr(line, '\r', len) != NULL)
		return http_parser_fail(p, FATA_HTTP_ERR_BARE_CR);
	for (size_t i = 0; i < len; i++) {
		if (!http_is_value_char(line[i]))
			return http_parser_fail(p, FATA_HTTP_ERR_FIELD_VALUE);
	}

	size_t lf = p->pos - 1;

	buf[lf] = ' ';
	if (lf > 0 && buf[lf - 1] == '\r')
		buf[lf - 1] = ' ';
	return 0;
}

static int take_field_line(struct fata_http_parser *p, const uint8_t *line, size_t len)
{
	enum fata_http_error_kind err = http_check_field_line(line, len);

	if (err != FATA_HTTP_ERR_NONE)
		return http_parser_fail(p, err);
	if (++p->fields > p->limits.max_fields)
		return http_parser_fail(p, FATA_HTTP_ERR_FIELDS_TOO_LARGE);
	p->in_field = 1;
	return 0;
}

/*
 * Validates the complete lines of buf[0..len). Returns the head length
 * once the empty line has arrived, FATA_EINCOMPLETE, or a latched error.
 */
int http_scan_head(struct fata_http_parser *p, uint8_t *mutable_buf, const uint8_t *buf,
		size_t len)
{
	if (p->result < 0)
		return p->result;
	if (p->phase == PHASE_DONE)
		return (int)p->pos;

	for (;;) {
		const uint8_t *lf = memchr(buf + p->pos, '\n', len - p->pos);

		if (lf == NULL)
			return check_partial(p, len);

		size_t end = (size_t)(lf - buf);
		size_t line_len = end - p->pos;
		const uint8_t *line = buf + p->pos;
		int rc = 0;

		if (end + 1 > p->limits.max_head_bytes)
			return http_parser_fail(p, FATA_HTTP_ERR_FIELDS_TOO_LARGE);

		/* RFC 9112 section 2.2: a server may accept a bare LF; this one rejects it. */
		if (line_len > 0 && line[line_len - 1] == '\r')
			line_len--;
		else if (!p->is_response)
			return http_parser_fail(p, FATA_HTTP_ERR_BARE_LF);

		if (p->phase == PHASE_START) {
			if (line_len > 0)
				rc = take_start_line(p, line, line_len);
		} else if (line_len == 0) {
			p->phase = PHASE_DONE;
			p->pos = (uint32_t)(end + 1);
			return (int)p->pos;
		} else if (http_is_ows(line[0])) {
			rc = take_continuation(p, mutable_buf, line, line_len);
		} else {
			rc = take_field_line(p, line, line_len);
		}
		if (rc < 0)
			return rc;
		p->pos = (uint32_t)(end + 1);
	}
}

int fata_http_parse_request(struct fata_http_parser *p, const uint8_t *buf, size_t len,
		struct fata_http_request *out)
{
	if (p->is_response)
		return FATA_EINVAL;

	int head = http_scan_head(p, NULL, buf, len);

	if (head < 0)
		return head;
	return http_finish_request(p, buf, (size_t)head, out);
}

int fata_http_parse_response(struct fata_http_parser *p, uint8_t *buf, size_t len,
		struct fata_http_response *out)
{
	if (!p->is_response)
		return FATA_EINVAL;

	int head = http_scan_head(p, buf, buf, len);

	if (head < 0)
		return head;
	return http_finish_response(p, buf, (size_t)head, out);
}

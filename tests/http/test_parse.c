/*
 * Request and response head parsing. Tables of valid and malformed heads
 * are fed whole, in every two-part split, one byte at a time and as every
 * truncated prefix. The malformed tables include the request-smuggling
 * cases, and separate tests cover the limits.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/http.h>

struct valid_request {
	const char *text;
	enum fata_http_method method;
	const char *target;
	int minor;
	size_t headers;
	enum fata_http_body_kind body;
	uint64_t length;
	int keep_alive;
	int expect_continue;
};

static const struct valid_request valid_requests[] = {
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", FATA_HTTP_GET, "/", 1, 1, FATA_HTTP_BODY_NONE, 0, 1, 0 },
	{ "GET /x?y=1 HTTP/1.0\r\n\r\n", FATA_HTTP_GET, "/x?y=1", 0, 0, FATA_HTTP_BODY_NONE, 0, 0, 0 },
	{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", FATA_HTTP_GET, "/", 0, 1,
		FATA_HTTP_BODY_NONE, 0, 1, 0 },
	{ "HEAD /a HTTP/1.1\r\nHost: a\r\nConnection: x, close\r\n\r\n", FATA_HTTP_HEAD, "/a", 1, 2,
		FATA_HTTP_BODY_NONE, 0, 0, 0 },
	{ "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", FATA_HTTP_POST, "/p", 1, 2,
		FATA_HTTP_BODY_LENGTH, 5, 1, 0 },
	{ "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", FATA_HTTP_POST, "/p", 1, 2,
		FATA_HTTP_BODY_NONE, 0, 1, 0 },
	{ "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", FATA_HTTP_POST, "/p",
		1, 2, FATA_HTTP_BODY_CHUNKED, 0, 1, 0 },
	{ "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\nExpect: 100-continue\r\n"
		"Content-Type: text/plain\r\n\r\n", FATA_HTTP_POST, "/p", 1, 4,
		FATA_HTTP_BODY_CHUNKED, 0, 1, 1 },
	{ "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", FATA_HTTP_GET, "/", 1, 1, FATA_HTTP_BODY_NONE,
		0, 1, 0 },
	{ "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", FATA_HTTP_OPTIONS, "*", 1, 1, FATA_HTTP_BODY_NONE,
		0, 1, 0 },
	{ "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", FATA_HTTP_CONNECT,
		"example.com:443", 1, 1, FATA_HTTP_BODY_NONE, 0, 1, 0 },
	{ "GET http://example.com/a HTTP/1.1\r\nHost: example.com\r\n\r\n", FATA_HTTP_GET,
		"http://example.com/a", 1, 1, FATA_HTTP_BODY_NONE, 0, 1, 0 },
	{ "BREW /pot HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\nX-Empty:\r\nX-Sp:   v  \r\n\r\n",
		FATA_HTTP_OTHER, "/pot", 1, 3, FATA_HTTP_BODY_NONE, 0, 1, 0 },
	{ "GET / HTTP/1.2\r\nHost: a\r\nX: \x80\xff obs-text\r\n\r\n", FATA_HTTP_GET, "/", 1, 2,
		FATA_HTTP_BODY_NONE, 0, 1, 0 },
	{ "GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", FATA_HTTP_GET, "/", 0, 1,
		FATA_HTTP_BODY_NONE, 0, 0, 0 },
};

struct bad_request {
	const char *text;
	size_t len; /* 0: strlen(text) */
	enum fata_http_error_kind error;
	int status;
};

/* Malformed requests, the request-smuggling cases among them. */
static const struct bad_request bad_requests[] = {
	{ "GET / HTTP/1.1\r\n\r\n", 0, FATA_HTTP_ERR_HOST, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 0, FATA_HTTP_ERR_HOST, 400 },
	{ "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 0, FATA_HTTP_ERR_HOST, 400 },
	{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 0, FATA_HTTP_ERR_SPACE_BEFORE_COLON, 400 },
	{ "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 0, FATA_HTTP_ERR_SPACE_BEFORE_COLON, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n", 0, FATA_HTTP_ERR_OBS_FOLD, 400 },
	{ "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 0, FATA_HTTP_ERR_OBS_FOLD, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", 0, FATA_HTTP_ERR_BARE_CR, 400 },
	{ "GET / HTTP/1.1\rHost: a\r\n\r\n", 0, FATA_HTTP_ERR_BARE_CR, 400 },
	{ "GET / HTTP/1.1\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_BARE_LF, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\n\r\n", 0, FATA_HTTP_ERR_BARE_LF, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\n\n", 0, FATA_HTTP_ERR_BARE_LF, 400 },
	{ "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", 0, FATA_HTTP_ERR_FIELD_NAME, 400 },
	{ "GET / HTTP/1.1\r\n: a\r\n\r\n", 0, FATA_HTTP_ERR_FIELD_NAME, 400 },
	{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", 0, FATA_HTTP_ERR_FIELD_NAME, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", 0, FATA_HTTP_ERR_FIELD_VALUE, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 27, FATA_HTTP_ERR_FIELD_VALUE, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", 0, FATA_HTTP_ERR_FIELD_VALUE, 400 },
	{ "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_METHOD, 400 },
	{ " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_METHOD, 400 },
	{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_SYNTAX, 400 },
	{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_SYNTAX, 400 },
	{ "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_TARGET, 400 },
	{ "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_TARGET, 400 },
	{ "GET a HTTP/1.1\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_TARGET, 400 },
	{ "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_TARGET, 400 },
	{ "CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_TARGET, 400 },
	{ "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_SYNTAX, 400 },
	{ "GET / http/1.1\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_SYNTAX, 400 },
	{ "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_SYNTAX, 400 },
	{ "GET /\r\n\r\n", 0, FATA_HTTP_ERR_SYNTAX, 400 },
	{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_VERSION, 505 },
	{ "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 0, FATA_HTTP_ERR_VERSION, 505 },
	/* Content-Length: lists, repeats, signs, spaces, overflow. */
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 0,
		FATA_HTTP_ERR_CONTENT_LENGTH, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 0,
		FATA_HTTP_ERR_CONTENT_LENGTH, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 0,
		FATA_HTTP_ERR_CONTENT_LENGTH, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 0,
		FATA_HTTP_ERR_CONTENT_LENGTH, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 0,
		FATA_HTTP_ERR_CONTENT_LENGTH, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 0,
		FATA_HTTP_ERR_CONTENT_LENGTH, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 0,
		FATA_HTTP_ERR_CONTENT_LENGTH, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 0,
		FATA_HTTP_ERR_CONTENT_LENGTH, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 0,
		FATA_HTTP_ERR_CONTENT_LENGTH, 400 },
	/* Transfer-Encoding together with Content-Length, or not ending in chunked. */
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		0, FATA_HTTP_ERR_CL_AND_TE, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
		0, FATA_HTTP_ERR_CL_AND_TE, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 0,
		FATA_HTTP_ERR_TRANSFER_ENCODING, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0,
		FATA_HTTP_ERR_TRANSFER_ENCODING, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		0, FATA_HTTP_ERR_TRANSFER_ENCODING, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 0,
		FATA_HTTP_ERR_TRANSFER_ENCODING, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 0,
		FATA_HTTP_ERR_TRANSFER_ENCODING, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 0,
		FATA_HTTP_ERR_TRANSFER_ENCODING, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 0,
		FATA_HTTP_ERR_TRANSFER_ENCODING, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n", 0,
		FATA_HTTP_ERR_TRANSFER_ENCODING, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0,
		FATA_HTTP_ERR_UNKNOWN_CODING, 501 },
	{ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
		FATA_HTTP_ERR_LENGTH_REQUIRED, 411 },
};

struct valid_response {
	const char *text;
	enum fata_http_method request_method;
	int status;
	const char *reason;
	size_t headers;
	enum fata_http_body_kind body;
	uint64_t length;
	int keep_alive;
};

static const struct valid_response valid_responses[] = {
	{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", FATA_HTTP_GET, 200, "OK", 1,
		FATA_HTTP_BODY_LENGTH, 3, 1 },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", FATA_HTTP_GET, 200, "OK", 1,
		FATA_HTTP_BODY_CHUNKED, 0, 1 },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n",
		FATA_HTTP_GET, 200, "OK", 2, FATA_HTTP_BODY_CHUNKED, 0, 0 },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", FATA_HTTP_GET, 200, "OK", 1,
		FATA_HTTP_BODY_UNTIL_CLOSE, 0, 0 },
	{ "HTTP/1.1 200 OK\r\n\r\n", FATA_HTTP_GET, 200, "OK", 0, FATA_HTTP_BODY_UNTIL_CLOSE, 0, 0 },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", FATA_HTTP_HEAD, 200, "OK", 1,
		FATA_HTTP_BODY_NONE, 3, 1 },
	{ "HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n", FATA_HTTP_GET, 304,
		"Not Modified", 1, FATA_HTTP_BODY_NONE, 0, 1 },
	{ "HTTP/1.1 204 \r\n\r\n", FATA_HTTP_GET, 204, "", 0, FATA_HTTP_BODY_NONE, 0, 1 },
	{ "HTTP/1.1 100 Continue\r\n\r\n", FATA_HTTP_POST, 100, "Continue", 0, FATA_HTTP_BODY_NONE,
		0, 1 },
	{ "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", FATA_HTTP_GET, 200, "OK", 1,
		FATA_HTTP_BODY_LENGTH, 1, 0 },
	{ "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", FATA_HTTP_GET,
		200, "OK", 2, FATA_HTTP_BODY_LENGTH, 1, 1 },
	{ "HTTP/1.1 404 Not Found\nContent-Length: 0\n\n", FATA_HTTP_GET, 404, "Not Found", 1,
		FATA_HTTP_BODY_NONE, 0, 1 },
	{ "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", FATA_HTTP_GET, 200, "", 1,
		FATA_HTTP_BODY_NONE, 0, 1 },
	{ "HTTP/1.1 200 OK\r\nX-Fold: a\r\n  b\r\nContent-Length: 0\r\n\r\n", FATA_HTTP_GET, 200,
		"OK", 2, FATA_HTTP_BODY_NONE, 0, 1 },
};

struct bad_response {
	const char *text;
	enum fata_http_error_kind error;
};

static const struct bad_response bad_responses[] = {
	{ "HTTP/1.1 20 OK\r\n\r\n", FATA_HTTP_ERR_STATUS },
	{ "HTTP/1.1 2000 OK\r\n\r\n", FATA_HTTP_ERR_STATUS },
	{ "HTTP/1.1 099 Low\r\n\r\n", FATA_HTTP_ERR_STATUS },
	{ "HTTP/1.1 600 High\r\n\r\n", FATA_HTTP_ERR_STATUS },
	{ "HTTP/1.1  200 OK\r\n\r\n", FATA_HTTP_ERR_STATUS },
	{ "HTTP/2 200 OK\r\n\r\n", FATA_HTTP_ERR_STATUS },
	{ "ICY 200 OK\r\n\r\n", FATA_HTTP_ERR_STATUS },
	{ "HTTP/2.0 200 OK\r\n\r\n", FATA_HTTP_ERR_VERSION },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", FATA_HTTP_ERR_CONTENT_LENGTH },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
		FATA_HTTP_ERR_CONTENT_LENGTH },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
		FATA_HTTP_ERR_TRANSFER_ENCODING },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		FATA_HTTP_ERR_UNKNOWN_CODING },
	{ "HTTP/1.1 200 OK\r\nX : y\r\n\r\n", FATA_HTTP_ERR_SPACE_BEFORE_COLON },
	{ "HTTP/1.1 200 OK\r\n y\r\n\r\n", FATA_HTTP_ERR_OBS_FOLD },
	{ "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", FATA_HTTP_ERR_BARE_CR },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Copies a request into a fresh heap buffer so that ASan reports reads past `len`. */
static uint8_t *dup_bytes(const char *text, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	memcpy(b, text, len);
	return b;
}

/* Parses `buf` fed as the prefixes given in `cuts` (ending with len). */
static int feed_request(const uint8_t *buf, const size_t *cuts, size_t ncuts,
		struct fata_http_parser *p, struct fata_http_request *out)
{
	int rc = FATA_EINCOMPLETE;

	fata_http_parser_init_request(p, NULL);
	for (size_t i = 0; i < ncuts; i++) {
		rc = fata_http_parse_request(p, buf, cuts[i], out);
		if (rc != FATA_EINCOMPLETE && i + 1 < ncuts && rc > 0)
			return -1000; /* completed on a strict prefix */
		if (rc != FATA_EINCOMPLETE && rc <= 0)
			return rc;
	}
	return rc;
}

static void check_request(const struct valid_request *v, const uint8_t *buf, size_t len, int rc,
		const struct fata_http_request *r)
{
	ck_assert_int_eq(rc, (int)len);
	ck_assert_int_eq(r->method, v->method);
	ck_assert_uint_eq(r->target_len, strlen(v->target));
	ck_assert(memcmp(r->target, v->target, r->target_len) == 0);
	ck_assert(r->target >= (const char *)buf && r->target < (const char *)buf + len);
	ck_assert_int_eq(r->minor_version, v->minor);
	ck_assert_uint_eq(r->header_count, v->headers);
	ck_assert_int_eq(r->body_kind, v->body);
	if (v->body == FATA_HTTP_BODY_LENGTH)
		ck_assert_uint_eq(r->content_length, v->length);
	ck_assert_int_eq(r->keep_alive, v->keep_alive);
	ck_assert_int_eq(r->expect_continue, v->expect_continue);
}

START_TEST(request_valid_whole)
{
	const struct valid_request *v = &valid_requests[_i];
	size_t len = strlen(v->text);
	uint8_t *buf = dup_bytes(v->text, len);
	struct fata_http_parser p;
	struct fata_http_request r;

	fata_http_parser_init_request(&p, NULL);
	check_request(v, buf, len, fata_http_parse_request(&p, buf, len, &r), &r);
	free(buf);
}
END_TEST

START_TEST(request_valid_every_split)
{
	const struct valid_request *v = &valid_requests[_i];
	size_t len = strlen(v->text);
	uint8_t *buf = dup_bytes(v->text, len);
	struct fata_http_parser p;
	struct fata_http_request r;

	for (size_t k = 0; k < len; k++) {
		size_t cuts[2] = { k, len };

		check_request(v, buf, len, feed_request(buf, cuts, 2, &p, &r), &r);
	}
	free(buf);
}
END_TEST

START_TEST(request_valid_byte_at_a_time)
{
	const struct valid_request *v = &valid_requests[_i];
	size_t len = strlen(v->text);
	uint8_t *buf = dup_bytes(v->text, len);
	size_t *cuts = malloc(len * sizeof(*cuts));
	struct fata_http_parser p;
	struct fata_http_request r;

	for (size_t k = 0; k < len; k++)
		cuts[k] = k + 1;
	check_request(v, buf, len, feed_request(buf, cuts, len, &p, &r), &r);
	free(cuts);
	free(buf);
}
END_TEST

START_TEST(request_valid_prefixes_incomplete)
{
	const struct valid_request *v = &valid_requests[_i];
	size_t len = strlen(v->text);

	for (size_t k = 0; k < len; k++) {
		uint8_t *buf = dup_bytes(v->text, k);
		struct fata_http_parser p;
		struct fata_http_request r;

		fata_http_parser_init_request(&p, NULL);
		ck_assert_int_eq(fata_http_parse_request(&p, buf, k, &r), FATA_EINCOMPLETE);
		free(buf);
	}
}
END_TEST

START_TEST(request_trailing_bytes_not_consumed)
{
	static const char text[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\n";
	struct fata_http_parser p;
	struct fata_http_request r;

	fata_http_parser_init_request(&p, NULL);
	ck_assert_int_eq(fata_http_parse_request(&p, (const uint8_t *)text, sizeof(text) - 1, &r), 27);
}
END_TEST

START_TEST(request_malformed)
{
	const struct bad_request *b = &bad_requests[_i];
	size_t len = b->len ? b->len : strlen(b->text);
	uint8_t *buf = dup_bytes(b->text, len);
	struct fata_http_parser p;
	struct fata_http_request r;
	int rc;

	fata_http_parser_init_request(&p, NULL);
	rc = fata_http_parse_request(&p, buf, len, &r);
	ck_assert_msg(rc < 0 && rc != FATA_EINCOMPLETE, "case %d accepted: rc %d", _i, rc);
	ck_assert_msg(p.error == b->error, "case %d: error %s, expected %s", _i,
			fata_http_error_name(p.error), fata_http_error_name(b->error));
	ck_assert_int_eq(fata_http_error_status(p.error), b->status);

	/* The error is latched. */
	ck_assert_int_eq(fata_http_parse_request(&p, buf, len, &r), rc);
	free(buf);
}
END_TEST

START_TEST(request_malformed_byte_at_a_time)
{
	const struct bad_request *b = &bad_requests[_i];
	size_t len = b->len ? b->len : strlen(b->text);
	uint8_t *buf = dup_bytes(b->text, len);
	struct fata_http_parser p;
	struct fata_http_request r;
	int rc = FATA_EINCOMPLETE;

	fata_http_parser_init_request(&p, NULL);
	for (size_t k = 1; k <= len && rc == FATA_EINCOMPLETE; k++)
		rc = fata_http_parse_request(&p, buf, k, &r);
	ck_assert_msg(rc < 0 && rc != FATA_EINCOMPLETE, "case %d: rc %d", _i, rc);
	ck_assert_msg(p.error == b->error, "case %d: error %s, expected %s", _i,
			fata_http_error_name(p.error), fata_http_error_name(b->error));
	free(buf);
}
END_TEST

START_TEST(request_line_limit_gives_414)
{
	char text[300];
	struct fata_http_limits limits = { .max_start_line = 64 };
	struct fata_http_parser p;
	struct fata_http_request r;

	memset(text, 'a', sizeof(text));
	memcpy(text, "GET /", 5);

	/* Detected before the line is complete. */
	fata_http_parser_init_request(&p, &limits);
	ck_assert_int_eq(fata_http_parse_request(&p, (uint8_t *)text, 100, &r), FATA_ELIMIT);
	ck_assert_int_eq(p.error, FATA_HTTP_ERR_URI_TOO_LONG);
	ck_assert_int_eq(fata_http_error_status(p.error), 414);

	/* And on a complete line. */
	snprintf(text, sizeof(text), "GET /%0100d HTTP/1.1\r\nHost: a\r\n\r\n", 0);
	fata_http_parser_init_request(&p, &limits);
	ck_assert_int_eq(fata_http_parse_request(&p, (uint8_t *)text, strlen(text), &r), FATA_ELIMIT);
	ck_assert_int_eq(p.error, FATA_HTTP_ERR_URI_TOO_LONG);
}
END_TEST

START_TEST(request_field_count_gives_431)
{
	char text[4096];
	size_t n = 0;
	struct fata_http_limits limits = { .max_fields = 10 };
	struct fata_http_parser p;
	struct fata_http_request r;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < 9; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "X-%d: v\r\n", i);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\r\n");

	/* Ten fields pass. */
	fata_http_parser_init_request(&p, &limits);
	ck_assert_int_eq(fata_http_parse_request(&p, (uint8_t *)text, n, &r), (int)n);
	ck_assert_uint_eq(r.header_count, 10);

	/* Eleven do not. */
	n -= 2;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "X-last: v\r\n\r\n");
	fata_http_parser_init_request(&p, &limits);
	ck_assert_int_eq(fata_http_parse_request(&p, (uint8_t *)text, n, &r), FATA_ELIMIT);
	ck_assert_int_eq(p.error, FATA_HTTP_ERR_FIELDS_TOO_LARGE);
	ck_assert_int_eq(fata_http_error_status(p.error), 431);
}
END_TEST

START_TEST(request_head_bytes_gives_431)
{
	static char text[40000];
	struct fata_http_limits limits = { .max_head_bytes = 1024 };
	struct fata_http_parser p;
	struct fata_http_request r;
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ");
	memset(text + n, 'b', 2000);
	n += 2000;

	/* Incomplete but already over the limit. */
	fata_http_parser_init_request(&p, &limits);
	ck_assert_int_eq(fata_http_parse_request(&p, (uint8_t *)text, n, &r), FATA_ELIMIT);
	ck_assert_int_eq(p.error, FATA_HTTP_ERR_FIELDS_TOO_LARGE);

	/* The default limit is 16 KiB. */
	n = (size_t)snprintf(text, sizeof(text), "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ");
	memset(text + n, 'b', 20000);
	n += 20000;
	memcpy(text + n, "\r\n\r\n", 4);
	n += 4;
	fata_http_parser_init_request(&p, NULL);
	ck_assert_int_eq(fata_http_parse_request(&p, (uint8_t *)text, n, &r), FATA_ELIMIT);
}
END_TEST

START_TEST(request_header_values_trimmed)
{
	static const char text[] = "GET / HTTP/1.1\r\nHost:a\r\nX-A: \t spaced value \t\r\n\r\n";
	struct fata_http_parser p;
	struct fata_http_request r;
	const struct fata_http_header *h;

	fata_http_parser_init_request(&p, NULL);
	ck_assert_int_gt(fata_http_parse_request(&p, (const uint8_t *)text, sizeof(text) - 1, &r), 0);
	h = fata_http_header_find(r.headers, r.header_count, "x-a");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->value_len, strlen("spaced value"));
	ck_assert(memcmp(h->value, "spaced value", h->value_len) == 0);
	h = fata_http_header_find(r.headers, r.header_count, "HOST");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->value_len, 1);
	ck_assert_ptr_null(fata_http_header_find(r.headers, r.header_count, "missing"));
}
END_TEST

START_TEST(header_token_lists)
{
	struct fata_http_header h[2] = {
		{ "Connection", 10, "keep-alive , Upgrade", 20 },
		{ "connection", 10, ",, CLOSE ,", 10 },
	};

	ck_assert_int_eq(fata_http_header_has_token(h, 2, "Connection", "close"), 1);
	ck_assert_int_eq(fata_http_header_has_token(h, 2, "Connection", "upgrade"), 1);
	ck_assert_int_eq(fata_http_header_has_token(h, 2, "Connection", "keep"), 0);
	ck_assert_int_eq(fata_http_header_has_token(h, 1, "Connection", "close"), 0);
}
END_TEST

/* Copies and parses a response fed in the given prefixes. */
static int feed_response(uint8_t *buf, const size_t *cuts, size_t ncuts, enum fata_http_method m,
		struct fata_http_parser *p, struct fata_http_response *out)
{
	int rc = FATA_EINCOMPLETE;

	fata_http_parser_init_response(p, NULL, m);
	for (size_t i = 0; i < ncuts; i++) {
		rc = fata_http_parse_response(p, buf, cuts[i], out);
		if (rc > 0 && i + 1 < ncuts)
			return -1000;
		if (rc != FATA_EINCOMPLETE)
			return rc;
	}
	return rc;
}

static void check_response(const struct valid_response *v, size_t len, int rc,
		const struct fata_http_response *r)
{
	ck_assert_int_eq(rc, (int)len);
	ck_assert_int_eq(r->status, v->status);
	ck_assert_uint_eq(r->reason_len, strlen(v->reason));
	ck_assert(memcmp(r->reason, v->reason, r->reason_len) == 0);
	ck_assert_uint_eq(r->header_count, v->headers);
	ck_assert_int_eq(r->body_kind, v->body);
	if (v->body == FATA_HTTP_BODY_LENGTH)
		ck_assert_uint_eq(r->content_length, v->length);
	ck_assert_int_eq(r->keep_alive, v->keep_alive);
}

START_TEST(response_valid_every_split)
{
	const struct valid_response *v = &valid_responses[_i];
	size_t len = strlen(v->text);
	struct fata_http_parser p;
	struct fata_http_response r;

	for (size_t k = 0; k < len; k++) {
		uint8_t *buf = dup_bytes(v->text, len);
		size_t cuts[2] = { k, len };

		check_response(v, len, feed_response(buf, cuts, 2, v->request_method, &p, &r), &r);
		free(buf);
	}
}
END_TEST

START_TEST(response_valid_byte_at_a_time)
{
	const struct valid_response *v = &valid_responses[_i];
	size_t len = strlen(v->text);
	uint8_t *buf = dup_bytes(v->text, len);
	size_t *cuts = malloc(len * sizeof(*cuts));
	struct fata_http_parser p;
	struct fata_http_response r;

	for (size_t k = 0; k < len; k++)
		cuts[k] = k + 1;
	check_response(v, len, feed_response(buf, cuts, len, v->request_method, &p, &r), &r);

	/* Every strict prefix is incomplete. */
	for (size_t k = 0; k < len; k++) {
		uint8_t *prefix = dup_bytes(v->text, k);

		fata_http_parser_init_response(&p, NULL, v->request_method);
		ck_assert_int_eq(fata_http_parse_response(&p, prefix, k, &r), FATA_EINCOMPLETE);
		free(prefix);
	}
	free(cuts);
	free(buf);
}
END_TEST

START_TEST(response_obs_fold_joined)
{
	char text[] = "HTTP/1.1 200 OK\r\nX-Fold: a\r\n  b\r\nContent-Length: 0\r\n\r\n";
	struct fata_http_parser p;
	struct fata_http_response r;
	const struct fata_http_header *h;

	fata_http_parser_init_response(&p, NULL, FATA_HTTP_GET);
	ck_assert_int_gt(fata_http_parse_response(&p, (uint8_t *)text, strlen(text), &r), 0);
	h = fata_http_header_find(r.headers, r.header_count, "x-fold");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->value_len, 6);
	ck_assert(memcmp(h->value, "a    b", 6) == 0);
}
END_TEST

START_TEST(response_malformed)
{
	const struct bad_response *b = &bad_responses[_i];
	size_t len = strlen(b->text);
	uint8_t *buf = dup_bytes(b->text, len);
	struct fata_http_parser p;
	struct fata_http_response r;
	int rc;

	fata_http_parser_init_response(&p, NULL, FATA_HTTP_GET);
	rc = fata_http_parse_response(&p, buf, len, &r);
	ck_assert_msg(rc < 0 && rc != FATA_EINCOMPLETE, "case %d accepted: rc %d", _i, rc);
	ck_assert_msg(p.error == b->error, "case %d: error %s, expected %s", _i,
			fata_http_error_name(p.error), fata_http_error_name(b->error));
	free(buf);
}
END_TEST

START_TEST(parser_kind_mismatch_rejected)
{
	uint8_t text[] = "GET / HTTP/1.1\r\n\r\n";
	struct fata_http_parser p;
	struct fata_http_request req;
	struct fata_http_response resp;

	fata_http_parser_init_response(&p, NULL, FATA_HTTP_GET);
	ck_assert_int_eq(fata_http_parse_request(&p, text, sizeof(text) - 1, &req), FATA_EINVAL);
	fata_http_parser_init_request(&p, NULL);
	ck_assert_int_eq(fata_http_parse_response(&p, text, sizeof(text) - 1, &resp), FATA_EINVAL);
}
END_TEST

START_TEST(fields_split_trailers)
{
	static const char text[] = "X-A: 1\r\nX-B:  two \r\n";
	struct fata_http_header f[4];

	ck_assert_int_eq(fata_http_fields_split((const uint8_t *)text, sizeof(text) - 1, f, 4), 2);
	ck_assert_uint_eq(f[1].value_len, 3);
	ck_assert(memcmp(f[1].value, "two", 3) == 0);
	ck_assert_int_eq(fata_http_fields_split((const uint8_t *)text, sizeof(text) - 1, f, 1),
			FATA_ELIMIT);
	ck_assert_int_eq(fata_http_fields_split((const uint8_t *)"", 0, f, 1), 0);
}
END_TEST

START_TEST(names_and_reasons)
{
	ck_assert_str_eq(fata_http_reason(404), "Not Found");
	ck_assert_str_eq(fata_http_reason(431), "Request Header Fields Too Large");
	ck_assert_str_eq(fata_http_reason(799), "");
	ck_assert_int_eq(fata_http_method_parse("GET", 3), FATA_HTTP_GET);
	ck_assert_int_eq(fata_http_method_parse("get", 3), FATA_HTTP_OTHER);
	ck_assert_int_eq(fata_http_method_parse("PATCH", 5), FATA_HTTP_PATCH);
	ck_assert_str_eq(fata_http_method_name(FATA_HTTP_DELETE), "DELETE");
	ck_assert_str_eq(fata_http_error_name(FATA_HTTP_ERR_BARE_CR), "bare_cr");
	ck_assert_int_eq(fata_http_error_status(FATA_HTTP_ERR_UNKNOWN_CODING), 501);
	ck_assert_int_eq(fata_http_is_token("a-b", 3), 1);
	ck_assert_int_eq(fata_http_is_token("a b", 3), 0);
	ck_assert_int_eq(fata_http_is_token("", 0), 0);
	ck_assert_int_eq(fata_http_is_field_value("a b", 3), 1);
	ck_assert_int_eq(fata_http_is_field_value(" a", 2), 0);
	ck_assert_int_eq(fata_http_is_field_value("a\r", 2), 0);
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("http-parse");
	TCase *t = tcase_create("request");

	tcase_add_loop_test(t, request_valid_whole, 0, N(valid_requests));
	tcase_add_loop_test(t, request_valid_every_split, 0, N(valid_requests));
	tcase_add_loop_test(t, request_valid_byte_at_a_time, 0, N(valid_requests));
	tcase_add_loop_test(t, request_valid_prefixes_incomplete, 0, N(valid_requests));
	tcase_add_test(t, request_trailing_bytes_not_consumed);
	tcase_add_loop_test(t, request_malformed, 0, N(bad_requests));
	tcase_add_loop_test(t, request_malformed_byte_at_a_time, 0, N(bad_requests));
	tcase_add_test(t, request_line_limit_gives_414);
	tcase_add_test(t, request_field_count_gives_431);
	tcase_add_test(t, request_head_bytes_gives_431);
	tcase_add_test(t, request_header_values_trimmed);
	tcase_add_test(t, header_token_lists);
	suite_add_tcase(s, t);

	t = tcase_create("response");
	tcase_add_loop_test(t, response_valid_every_split, 0, N(valid_responses));
	tcase_add_loop_test(t, response_valid_byte_at_a_time, 0, N(valid_responses));
	tcase_add_test(t, response_obs_fold_joined);
	tcase_add_loop_test(t, response_malformed, 0, N(bad_responses));
	tcase_add_test(t, parser_kind_mismatch_rejected);
	tcase_add_test(t, fields_split_trailers);
	tcase_add_test(t, names_and_reasons);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(parse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

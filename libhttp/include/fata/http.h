/*
 * libfata-http, the sans-I/O part: HTTP/1.1 message parsing and framing
 * (RFC 9112), the chunked transfer coding, HTTP dates, byte ranges and
 * conditional requests (RFC 9110). Nothing here reads a clock, touches a
 * flow or allocates; the server (http_server.h) and the client
 * (http_client.h) drive these functions over a struct fata_flow.
 *
 * Strings in results are (pointer, length) pairs into the caller's buffer
 * and are not NUL-terminated.
 */
#ifndef FATA_HTTP_H
#define FATA_HTTP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Capacity of every parsed field array; the configured limit may be lower. */
#define FATA_HTTP_MAX_HEADERS 64

/* One field line: name and value, with the surrounding whitespace removed. */
struct fata_http_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* Request methods of RFC 9110 section 9 and RFC 5789; others are FATA_HTTP_OTHER. */
enum fata_http_method {
	FATA_HTTP_OTHER = 0,
	FATA_HTTP_GET,
	FATA_HTTP_HEAD,
	FATA_HTTP_POST,
	FATA_HTTP_PUT,
	FATA_HTTP_DELETE,
	FATA_HTTP_CONNECT,
	FATA_HTTP_OPTIONS,
	FATA_HTTP_TRACE,
	FATA_HTTP_PATCH,
};

/* Body framing of a message (RFC 9112 section 6.3). */
enum fata_http_body_kind {
	FATA_HTTP_BODY_NONE = 0,     /* no body */
	FATA_HTTP_BODY_LENGTH,       /* exactly content_length bytes */
	FATA_HTTP_BODY_CHUNKED,      /* the chunked transfer coding */
	FATA_HTTP_BODY_UNTIL_CLOSE,  /* responses only: until the connection closes */
};

/*
 * Reason a message was rejected. fata_http_error_status() maps each kind to
 * the status a server responds with.
 */
enum fata_http_error_kind {
	FATA_HTTP_ERR_NONE = 0,
	FATA_HTTP_ERR_SYNTAX,            /* 400: malformed start line */
	FATA_HTTP_ERR_BARE_CR,           /* 400: CR not followed by LF */
	FATA_HTTP_ERR_BARE_LF,           /* 400: LF without CR in a request */
	FATA_HTTP_ERR_FIELD_NAME,        /* 400: empty field name or a non-token character */
	FATA_HTTP_ERR_SPACE_BEFORE_COLON,/* 400: whitespace between field name and colon */
	FATA_HTTP_ERR_OBS_FOLD,          /* 400: obsolete line folding in a request */
	FATA_HTTP_ERR_FIELD_VALUE,       /* 400: control character in a field value */
	FATA_HTTP_ERR_METHOD,            /* 400: the method is not a token */
	FATA_HTTP_ERR_TARGET,            /* 400: invalid request-target */
	FATA_HTTP_ERR_VERSION,           /* 505: an HTTP major version other than 1 */
	FATA_HTTP_ERR_HOST,              /* 400: Host missing in HTTP/1.1, repeated or invalid */
	FATA_HTTP_ERR_CONTENT_LENGTH,    /* 400: invalid, repeated or list Content-Length */
	FATA_HTTP_ERR_CL_AND_TE,         /* 400: both Content-Length and Transfer-Encoding */
	FATA_HTTP_ERR_TRANSFER_ENCODING, /* 400: chunked missing, not final or repeated */
	FATA_HTTP_ERR_UNKNOWN_CODING,    /* 501: a transfer coding other than chunked */
	FATA_HTTP_ERR_LENGTH_REQUIRED,   /* 411: Transfer-Encoding in an HTTP/1.0 request */
	FATA_HTTP_ERR_URI_TOO_LONG,      /* 414: request line over the limit */
	FATA_HTTP_ERR_FIELDS_TOO_LARGE,  /* 431: too many field lines or head bytes */
	FATA_HTTP_ERR_STATUS,            /* responses: malformed status line */
	FATA_HTTP_ERR_CHUNK_SIZE,        /* 400: invalid or overflowing chunk size */
	FATA_HTTP_ERR_CHUNK_EXT,         /* 400: invalid or overlong chunk extension */
	FATA_HTTP_ERR_CHUNK_DATA,        /* 400: chunk data not followed by CRLF */
	FATA_HTTP_ERR_BODY_TOO_LARGE,    /* 413: body over the configured limit */
	FATA_HTTP_ERR_COUNT
};

/* Returns the status code a server sends for `kind` (400 for unknown kinds). */
int fata_http_error_status(enum fata_http_error_kind kind);

/* Returns a short lowercase name for `kind` ("bare_cr"), for counters and logs. */
const char *fata_http_error_name(enum fata_http_error_kind kind);

/* Returns the reason phrase of `status` ("Not Found"), or "" for unknown codes. */
const char *fata_http_reason(int status);

/* Returns the method named by `name` (case-sensitive, as RFC 9110 section 9.1 requires). */
enum fata_http_method fata_http_method_parse(const char *name, size_t len);

/* Returns the name of `method` ("GET"), or "" for FATA_HTTP_OTHER. */
const char *fata_http_method_name(enum fata_http_method method);

/*
 * Parser limits; a zero field takes its default. Exceeding the start-line
 * limit of a request gives FATA_HTTP_ERR_URI_TOO_LONG (414), the others
 * FATA_HTTP_ERR_FIELDS_TOO_LARGE (431).
 */
struct fata_http_limits {
	uint32_t max_start_line;  /* bytes of the request or status line; default 8192 */
	uint32_t max_fields;      /* field lines; default and maximum FATA_HTTP_MAX_HEADERS */
	uint32_t max_head_bytes;  /* bytes of the whole head, start line included; default 16384 */
};

/* A parsed request head; every pointer is into the buffer given to the parser. */
struct fata_http_request {
	enum fata_http_method method;
	const char *method_name;
	size_t method_len;
	const char *target;
	size_t target_len;
	int minor_version;        /* 0 or 1; HTTP/1.2 and later count as 1 */
	struct fata_http_header headers[FATA_HTTP_MAX_HEADERS];
	size_t header_count;
	enum fata_http_body_kind body_kind; /* NONE, LENGTH or CHUNKED */
	uint64_t content_length;  /* for FATA_HTTP_BODY_LENGTH */
	int keep_alive;           /* 1 when the connection persists (RFC 9112 section 9.3) */
	int expect_continue;      /* 1 for "Expect: 100-continue" */
};

/* A parsed response head; every pointer is into the buffer given to the parser. */
struct fata_http_response {
	int minor_version;
	int status;
	const char *reason;
	size_t reason_len;
	struct fata_http_header headers[FATA_HTTP_MAX_HEADERS];
	size_t header_count;
	enum fata_http_body_kind body_kind;
	uint64_t content_length;
	int keep_alive;
};

/*
 * An incremental head parser. The caller keeps the bytes received so far
 * in one buffer and calls the parse function again after each arrival,
 * with the same bytes at the front (the buffer may move between calls).
 * The parser validates each complete line once and remembers where it
 * stopped, so errors show as soon as their line is complete and a head fed
 * in any split, one byte at a time included, gives the same result.
 * Fields are private.
 */
struct fata_http_parser {
	uint8_t is_response;
	uint8_t phase;
	uint8_t request_method;   /* responses: enum fata_http_method of the request */
	uint8_t in_field;         /* a field line is complete but may continue (obs-fold) */
	enum fata_http_error_kind error;
	int result;               /* 0, or the latched negative error */
	struct fata_http_limits limits;
	uint32_t pos;             /* offset of the first line not validated yet */
	uint32_t fields;          /* field lines seen */
};

/*
 * Prepares `p` for one request head. `limits` may be NULL for the
 * defaults. A parser is used for one message and then initialised again.
 */
void fata_http_parser_init_request(struct fata_http_parser *p, const struct fata_http_limits *limits);

/*
 * Prepares `p` for one response head to a request with `request_method`,
 * which decides whether the response has a body (HEAD and CONNECT).
 */
void fata_http_parser_init_response(struct fata_http_parser *p, const struct fata_http_limits *limits,
		enum fata_http_method request_method);

/*
 * Parses the request head at the front of `buf` (`len` bytes so far).
 * Returns the head length in bytes (including the empty line) and fills
 * `out`, whose pointers are into `buf`. Returns FATA_EINCOMPLETE when more
 * bytes are needed. A malformed head returns FATA_EBADMSG, a head over a
 * limit FATA_ELIMIT, an unknown transfer coding FATA_ENOTSUP, and an
 * unsupported version FATA_EPROTO; `p->error` then names the reason and
 * every later call returns the same code. Empty lines before the request
 * line are skipped (RFC 9112 section 2.2) and count toward the head.
 */
int fata_http_parse_request(struct fata_http_parser *p, const uint8_t *buf, size_t len,
		struct fata_http_request *out);

/*
 * Parses a response head like fata_http_parse_request(). Obsolete line
 * folding is accepted in responses: the parser overwrites each fold's line
 * break in `buf` with spaces (RFC 9112 section 5.2), which is why `buf` is
 * not const. A lone LF ends a line. 1xx responses are returned like any
 * other; the caller skips interim ones.
 */
int fata_http_parse_response(struct fata_http_parser *p, uint8_t *buf, size_t len,
		struct fata_http_response *out);

/*
 * Parses `len` bytes of field lines, each ending in CRLF, without the
 * final empty line, into `fields` (capacity `cap`), as the chunked decoder
 * returns a trailer section. The bytes must have passed the parser's line
 * checks (the decoder does that). Returns the field count or FATA_ELIMIT
 * when there are more than `cap`.
 */
int fata_http_fields_split(const uint8_t *buf, size_t len, struct fata_http_header *fields,
		size_t cap);

/*
 * Returns the first field named `name` (case-insensitive), or NULL.
 */
const struct fata_http_header *fata_http_header_find(const struct fata_http_header *headers,
		size_t count, const char *name);

/*
 * Returns 1 when some field named `name` contains `token` as one element of
 * its comma-separated list (case-insensitive, as for "Connection: close"),
 * else 0.
 */
int fata_http_header_has_token(const struct fata_http_header *headers, size_t count,
		const char *name, const char *token);

/*
 * Returns 1 when `len` bytes at `s` form a token (RFC 9110 section 5.6.2),
 * else 0.
 */
int fata_http_is_token(const char *s, size_t len);

/*
 * Returns 1 when `len` bytes at `s` may be a field value: visible ASCII,
 * obs-text, space and tab, without leading or trailing whitespace.
 */
int fata_http_is_field_value(const char *s, size_t len);

/*
 * The chunked transfer coding (RFC 9112 section 7.1).
 *
 * The decoder is a state machine fed any split of the coded body. Each
 * call consumes input and returns at most one run of body bytes, pointing
 * into the input. The trailer section is returned whole: once the decoder
 * reaches it, it consumes nothing until the caller presents the complete
 * section (up to the final empty line) at the front of the input, so the
 * caller keeps those bytes and appends new ones behind them.
 */
struct fata_http_chunked {
	uint8_t state;
	uint8_t digits;          /* hex digits seen in the current chunk size */
	uint8_t ext_quoted;      /* inside a quoted-string of an extension */
	uint8_t ext_state;
	enum fata_http_error_kind error;
	int result;
	uint64_t remaining;      /* data bytes left in the current chunk */
	uint32_t line_bytes;     /* bytes of the current chunk-size line */
	uint32_t trailer_scanned;/* trailer bytes already checked */
	uint32_t trailer_fields;
	uint32_t max_line;       /* chunk-size line limit, extensions included */
	uint32_t max_trailer;    /* trailer section limit in bytes */
};

/* The outcome of one fata_http_chunked_decode() call. */
struct fata_http_chunked_out {
	size_t consumed;         /* input bytes used; the caller drops them */
	const uint8_t *data;     /* body bytes inside the consumed input, or NULL */
	size_t data_len;
	const uint8_t *trailers; /* on completion: the trailer field lines, or NULL */
	size_t trailers_len;     /* without the final empty line */
	int done;                /* 1 once the last chunk and the trailer section ended */
};

/*
 * Prepares a decoder. `max_line` limits a chunk-size line with its
 * extensions (0: 4096 bytes); `max_trailer` limits the trailer section
 * (0: 4096 bytes, and at most FATA_HTTP_MAX_HEADERS fields).
 */
void fata_http_chunked_init(struct fata_http_chunked *d, uint32_t max_line, uint32_t max_trailer);

/*
 * Decodes from `len` bytes at `in`. Returns 0 and fills `out`; when
 * out->done is 0 and out->consumed is `len`, the decoder needs more input.
 * Errors, latched like the parser's: FATA_EBADMSG (d->error gives the reason,
 * including a bare LF or CR), FATA_ELIMIT for an overlong line or trailer
 * section. Bytes after the end of the body are not consumed.
 */
int fata_http_chunked_decode(struct fata_http_chunked *d, const uint8_t *in, size_t len,
		struct fata_http_chunked_out *out);

/* Longest chunk-size line fata_http_chunk_line() writes: 16 hex digits and CRLF. */
#define FATA_HTTP_CHUNK_LINE_MAX 18

/*
 * Writes the chunk-size line for a chunk of `len` bytes ("1a2\r\n") into
 * `buf`. The chunk's data and a CRLF follow it. `len` 0 starts the last
 * chunk, which the trailer section and an empty line end. Returns the
 * bytes written or FATA_ENOSPC.
 */
int fata_http_chunk_line(char *buf, size_t size, uint64_t len);

/*
 * Writes the end of a chunked body: the last chunk, the `count` trailer
 * fields and the empty line. Returns the bytes written, FATA_ENOSPC, or
 * FATA_EINVAL for a field name that is not a token or a value with a
 * control character.
 */
int fata_http_chunked_end(char *buf, size_t size, const struct fata_http_header *trailers,
		size_t count);

/*
 * HTTP dates (RFC 9110 section 5.6.7): seconds since 1970-01-01 UTC.
 */

/* Length of an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT". */
#define FATA_HTTP_DATE_LEN 29

/*
 * Writes `unix_seconds` as an IMF-fixdate and a NUL into `out`. Returns
 * FATA_HTTP_DATE_LEN, or FATA_EINVAL for a time before year 1 or after
 * year 9999.
 */
int fata_http_date_format(int64_t unix_seconds, char out[FATA_HTTP_DATE_LEN + 1]);

/*
 * Parses an IMF-fixdate or one of the obsolete forms that recipients must
 * accept (RFC 850 and asctime). A two-digit RFC 850 year that would lie
 * more than 50 years after `now_seconds` is taken from the century before
 * (RFC 9110 section 5.6.7). Errors: FATA_EINVAL.
 */
int fata_http_date_parse(const char *text, size_t len, int64_t now_seconds, int64_t *unix_seconds);

/*
 * Splits `unix_seconds` into a civil UTC date and time. Returns 0 or
 * FATA_EINVAL as fata_http_date_format().
 */
struct fata_http_tm {
	int year, month, day;       /* month 1-12, day 1-31 */
	int hour, minute, second;
	int weekday;                /* 0 = Sunday */
};
int fata_http_time_split(int64_t unix_seconds, struct fata_http_tm *tm);

/*
 * Byte ranges (RFC 9110 section 14).
 */

/* A server's handling of a Range field. */
enum fata_http_range_result {
	FATA_HTTP_RANGE_NONE = 0,      /* absent, invalid or another unit: send 200 */
	FATA_HTTP_RANGE_SINGLE,        /* one satisfiable range: send 206 */
	FATA_HTTP_RANGE_MULTIPLE,      /* several, some satisfiable: this library sends 200 */
	FATA_HTTP_RANGE_UNSATISFIABLE, /* none satisfiable: send 416 */
};

/* An inclusive byte range of a representation. */
struct fata_http_range {
	uint64_t first, last;
};

/*
 * Evaluates the Range field value `value` against a representation of
 * `size` bytes. For FATA_HTTP_RANGE_SINGLE stores the range in `out`,
 * with the last position clamped to size - 1.
 */
enum fata_http_range_result fata_http_range_parse(const char *value, size_t len, uint64_t size,
		struct fata_http_range *out);

/*
 * Conditional requests (RFC 9110 section 13).
 */

/* The validators of the selected representation. */
struct fata_http_validators {
	const char *etag;          /* entity-tag with quotes ("\"x\"" or "W/\"x\""), or NULL */
	size_t etag_len;
	int64_t last_modified;     /* seconds since the epoch */
	int has_last_modified;
};

/*
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and
 * If-Modified-Since in the order of RFC 9110 section 13.2.2. Returns 0
 * when the request proceeds, 304 (Not Modified) or 412 (Precondition
 * Failed). If-None-Match takes precedence over If-Modified-Since, which
 * only GET and HEAD evaluate. `now_seconds` decides two-digit years.
 */
int fata_http_preconditions(enum fata_http_method method, const struct fata_http_header *headers,
		size_t count, const struct fata_http_validators *validators, int64_t now_seconds);

/*
 * Returns 1 when a Range field should be honoured: there is no If-Range,
 * or its entity-tag matches the validator strongly, or its date equals the
 * Last-Modified (RFC 9110 section 13.1.5). Else 0.
 */
int fata_http_if_range_holds(const struct fata_http_header *headers, size_t count,
		const struct fata_http_validators *validators, int64_t now_seconds);

/*
 * Returns 1 when the entity-tag list `list` ("*" or comma-separated
 * entity-tags) contains `etag`, comparing weakly (the W/ prefixes ignored)
 * when `weak` is 1 and strongly otherwise. A weak tag never matches
 * strongly. An invalid list matches nothing.
 */
int fata_http_etag_list_match(const char *list, size_t list_len, const char *etag, size_t etag_len,
		int weak);

/*
 * Writes one Common Log Format line for an access log:
 * `host - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 2326`.
 * `request_line` may be NULL for a request that was never parsed; it is
 * then logged as "-". Bytes outside printable ASCII and double quotes in
 * the request line are written as \xHH. `body_bytes` < 0 is written "-".
 * Returns the length that the whole line needs, like snprintf.
 */
int fata_http_clf_format(char *buf, size_t size, const char *host, int64_t unix_seconds,
		const char *request_line, size_t request_line_len, int status, int64_t body_bytes);

#ifdef __cplusplus
}
#endif

#endif

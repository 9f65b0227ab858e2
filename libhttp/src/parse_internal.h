/*
 * The two passes of the head parser: parse.c validates lines as they
 * arrive, framing.c fills the result and applies the framing rules once
 * the head is complete. Not installed.
 */
#ifndef HTTP_PARSE_INTERNAL_H
#define HTTP_PARSE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <fata/http.h>

/* Latches `kind` in `p` and returns the matching negative fata_error code. */
int http_parser_fail(struct fata_http_parser *p, enum fata_http_error_kind kind);

/* Splits and checks a request line of `len` bytes; fills `out` when not NULL. */
enum fata_http_error_kind http_split_request_line(const uint8_t *line, size_t len,
		struct fata_http_request *out);

/* Splits and checks a status line of `len` bytes; fills `out` when not NULL. */
enum fata_http_error_kind http_split_status_line(const uint8_t *line, size_t len,
		struct fata_http_response *out);

/*
 * Validates the complete lines of buf[0..len) as described in parse.c.
 * `mutable_buf` is `buf` for responses (obs-fold is rewritten) or NULL.
 */
int http_scan_head(struct fata_http_parser *p, uint8_t *mutable_buf, const uint8_t *buf,
		size_t len);

/* Fills `out` from a validated head of `head_len` bytes and applies RFC 9112 section 6. */
int http_finish_request(struct fata_http_parser *p, const uint8_t *buf, size_t head_len,
		struct fata_http_request *out);
int http_finish_response(struct fata_http_parser *p, const uint8_t *buf, size_t head_len,
		struct fata_http_response *out);

#endif

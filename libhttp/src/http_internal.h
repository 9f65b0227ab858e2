/*
 * Helpers shared by the libhttp sources. Not installed.
 */
#ifndef HTTP_INTERNAL_H
#define HTTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <fata/http.h>

/* Character classes of RFC 9110 section 5.6.2 and RFC 5234 appendix B. */
enum {
	HTTP_CHAR_TOKEN = 1u << 0,   /* tchar */
	HTTP_CHAR_VALUE = 1u << 1,   /* VCHAR, obs-text, SP, HTAB */
	HTTP_CHAR_TARGET = 1u << 2,  /* visible ASCII allowed in a request-target */
	HTTP_CHAR_HEX = 1u << 3,
};

/* Class flags of every byte value. */
extern const uint8_t http_char_class[256];

static inline int http_is_token_char(uint8_t c)
{
	return (http_char_class[c] & HTTP_CHAR_TOKEN) != 0;
}

static inline int http_is_value_char(uint8_t c)
{
	return (http_char_class[c] & HTTP_CHAR_VALUE) != 0;
}

static inline int http_is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Returns the value of a hex digit, or -1. */
int http_hex_value(uint8_t c);

/* Returns 1 when the `a_len` bytes at `a` equal the NUL-terminated `b`, ignoring ASCII case. */
int http_equal_nocase(const char *a, size_t a_len, const char *b);

/* Removes leading and trailing spaces and tabs from (*s, *len). */
void http_trim_ows(const char **s, size_t *len);

/*
 * Validates one field line of `len` bytes (without its line break) as
 * `name ":" OWS value OWS`. Returns FATA_HTTP_ERR_NONE or the reason.
 */
enum fata_http_error_kind http_check_field_line(const uint8_t *line, size_t len);

/*
 * Iterates over the elements of a comma-separated list value (RFC 9110
 * section 5.6.1), skipping empty ones. Start with *pos = 0; each call
 * stores the next element, trimmed, and returns 1, or returns 0 at the end.
 */
int http_list_next(const char *value, size_t len, size_t *pos, const char **elem, size_t *elem_len);

/* Parses 1*DIGIT into *out. Returns 0, or -1 when empty, not digits or over INT64_MAX. */
int http_parse_u64(const char *s, size_t len, uint64_t *out);

struct fata_flow;

/*
 * Closes `flow` and ignores the outcome. The close promise gets a callback
 * that does nothing, because canceling it could ask the flow to stop
 * closing.
 */
void http_flow_close(struct fata_flow *flow);

/* Ends the write direction of `flow` and ignores the outcome. */
void http_flow_shutdown(struct fata_flow *flow);

#endif

/*
 * Names and numbers: reason phrases, methods, error kinds.
 */
#include <string.h>

#include "http_internal.h"

/* The status codes of RFC 9110 section 15 and RFC 6585 that this library sends or logs. */
static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 203, "Non-Authoritative Information" },
	{ 204, "No Content" },
	{ 205, "Reset Content" },
	{ 206, "Partial Content" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" },
	{ 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" },
	{ 426, "Upgrade Required" },
	{ 428, "Precondition Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
};

const char *fata_http_reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (reasons[i].status == status)
			return reasons[i].reason;
	}
	return "";
}

static const char *const method_names[] = {
	[FATA_HTTP_OTHER] = "",
	[FATA_HTTP_GET] = "GET",
	[FATA_HTTP_HEAD] = "HEAD",
	[FATA_HTTP_POST] = "POST",
	[FATA_HTTP_PUT] = "PUT",
	[FATA_HTTP_DELETE] = "DELETE",
	[FATA_HTTP_CONNECT] = "CONNECT",
	[FATA_HTTP_OPTIONS] = "OPTIONS",
	[FATA_HTTP_TRACE] = "TRACE",
	[FATA_HTTP_PATCH] = "PATCH",
};

#define METHOD_COUNT (sizeof(method_names) / sizeof(method_names[0]))

enum fata_http_method fata_http_method_parse(const char *name, size_t len)
{
	for (size_t i = 1; i < METHOD_COUNT; i++) {
		if (strlen(method_names[i]) == len && memcmp(method_names[i], name, len) == 0)
			return (enum fata_http_method)i;
	}
	return FATA_HTTP_OTHER;
}

const char *fata_http_method_name(enum fata_http_method method)
{
	if ((size_t)method >= METHOD_COUNT)
		return "";
	return method_names[method];
}

static const struct {
	const char *name;
	int status;
} error_kinds[FATA_HTTP_ERR_COUNT] = {
	[FATA_HTTP_ERR_NONE] = { "none", 200 },
	[FATA_HTTP_ERR_SYNTAX] = { "syntax", 400 },
	[FATA_HTTP_ERR_BARE_CR] = { "bare_cr", 400 },
	[FATA_HTTP_ERR_BARE_LF] = { "bare_lf", 400 },
	[FATA_HTTP_ERR_FIELD_NAME] = { "field_name", 400 },
	[FATA_HTTP_ERR_SPACE_BEFORE_COLON] = { "space_before_colon", 400 },
	[FATA_HTTP_ERR_OBS_FOLD] = { "obs_fold", 400 },
	[FATA_HTTP_ERR_FIELD_VALUE] = { "field_value", 400 },
	[FATA_HTTP_ERR_METHOD] = { "method", 400 },
	[FATA_HTTP_ERR_TARGET] = { "target", 400 },
	[FATA_HTTP_ERR_VERSION] = { "version", 505 },
	[FATA_HTTP_ERR_HOST] = { "host", 400 },
	[FATA_HTTP_ERR_CONTENT_LENGTH] = { "content_length", 400 },
	[FATA_HTTP_ERR_CL_AND_TE] = { "cl_and_te", 400 },
	[FATA_HTTP_ERR_TRANSFER_ENCODING] = { "transfer_encoding", 400 },
	[FATA_HTTP_ERR_UNKNOWN_CODING] = { "unknown_coding", 501 },
	[FATA_HTTP_ERR_LENGTH_REQUIRED] = { "length_required", 411 },
	[FATA_HTTP_ERR_URI_TOO_LONG] = { "uri_too_long", 414 },
	[FATA_HTTP_ERR_FIELDS_TOO_LARGE] = { "fields_too_large", 431 },
	[FATA_HTTP_ERR_STATUS] = { "status_line", 400 },
	[FATA_HTTP_ERR_CHUNK_SIZE] = { "chunk_size", 400 },
	[FATA_HTTP_ERR_CHUNK_EXT] = { "chunk_ext", 400 },
	[FATA_HTTP_ERR_CHUNK_DATA] = { "chunk_data", 400 },
	[FATA_HTTP_ERR_BODY_TOO_LARGE] = { "body_too_large", 413 },
};

int fata_http_error_status(enum fata_http_error_kind kind)
{
	if ((unsigned)kind >= FATA_HTTP_ERR_COUNT || kind == FATA_HTTP_ERR_NONE)
		return 400;
	return error_kinds[kind].status;
}

const char *fata_http_error_name(enum fata_http_error_kind kind)
{
	if ((unsigned)kind >= FATA_HTTP_ERR_COUNT)
		return "unknown";
	return error_kinds[kind].name;
}

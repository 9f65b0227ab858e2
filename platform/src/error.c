/* Error descriptions; see fata/error.h. */
#include <stddef.h>

#include <fata/error.h>

struct error_text {
	const char *name;
	const char *text;
};

/* Indexed by -code; the order must follow enum fata_error. */
static const struct error_text error_texts[] = {
	{ "FATA_OK", "success" },
	{ "FATA_ENOMEM", "out of memory" },
	{ "FATA_EINVAL", "invalid argument" },
	{ "FATA_ERANGE", "offset or length outside the buffer" },
	{ "FATA_EAGAIN", "resource temporarily unavailable" },
	{ "FATA_EBUSY", "operation already in progress" },
	{ "FATA_ETIMEDOUT", "timed out" },
	{ "FATA_ECANCELED", "operation canceled" },
	{ "FATA_ECONNREFUSED", "connection refused" },
	{ "FATA_ECONNRESET", "connection reset by peer" },
	{ "FATA_ECONNABORTED", "connection aborted" },
	{ "FATA_ENOTCONN", "not connected" },
	{ "FATA_EPIPE", "write after shutdown" },
	{ "FATA_EADDRINUSE", "address already in use" },
	{ "FATA_EADDRNOTAVAIL", "address not available" },
	{ "FATA_EHOSTUNREACH", "host unreachable" },
	{ "FATA_ENETUNREACH", "network unreachable" },
	{ "FATA_EMSGSIZE", "message too long" },
	{ "FATA_ENOTSUP", "operation not supported" },
	{ "FATA_EPROTO", "protocol error" },
	{ "FATA_EBADMSG", "malformed message" },
	{ "FATA_ENOENT", "not found" },
	{ "FATA_EEXIST", "already exists" },
	{ "FATA_EIO", "input/output error" },
	{ "FATA_EPERM", "operation not permitted" },
	{ "FATA_ETRUNCATED", "stream truncated" },
	{ "FATA_ELIMIT", "limit reached" },
	{ "FATA_ESTATE", "invalid state for this operation" },
	{ "FATA_ECLOSED", "closed" },
	{ "FATA_EAUTH", "authentication failed" },
	{ "FATA_ENOSPC", "no space in output buffer" },
	{ "FATA_EINCOMPLETE", "incomplete input" },
	{ "FATA_ETLS", "TLS failure" },
	{ "FATA_EOVERFLOW", "value too large" },
};

_Static_assert(sizeof error_texts / sizeof error_texts[0] == (unsigned)-FATA_ERROR_MIN + 1,
		"error_texts must have one entry per fata_error code");

static const struct error_text *lookup(int code)
{
	if (code > 0 || code < FATA_ERROR_MIN)
		return NULL;
	return &error_texts[-code];
}

const char *fata_strerror(int code)
{
	const struct error_text *e = lookup(code);

	return e ? e->text : "unknown error";
}

const char *fata_error_name(int code)
{
	const struct error_text *e = lookup(code);

	return e ? e->name : "FATA_E?";
}

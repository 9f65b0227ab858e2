/*
 * An HTTP/1.1 client over any struct fata_flow (RFC 9110, RFC 9112).
 *
 * A client talks to one origin server. Requests queue and go out one at a
 * time on one persistent connection, which is reused while the server
 * keeps it open. The connection is either given by the caller
 * (fata_http_client_attach) or opened by the connect function in the
 * configuration whenever none is open, so a client with a connect
 * function reconnects by itself. Responses are read whole into memory, up
 * to a size limit, with the chunked coding decoded.
 */
#ifndef FATA_HTTP_CLIENT_H
#define FATA_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <fata/buf.h>
#include <fata/flow.h>
#include <fata/http.h>
#include <fata/loop.h>
#include <fata/promise.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_http_client;

/* Client configuration; zero fields take the defaults given. */
struct fata_http_client_config {
	struct fata_http_limits limits;   /* response heads */
	uint64_t max_response_bytes;      /* body limit, FATA_ELIMIT beyond; default 16 MiB */
	uint64_t timeout_ns;              /* per request, connecting included; default 30 s */
	/*
	 * Opens a new connection: returns a promise fulfilled with an owned
	 * struct fata_flow * in `ptr`. NULL: the caller attaches flows itself.
	 */
	struct fata_promise *(*connect)(void *arg);
	void *connect_arg;
	const char *host;                 /* Host field value; required */
	const char *user_agent;           /* User-Agent value; NULL for "fata-http" */
};

/* One request. The client copies everything it needs before returning. */
struct fata_http_client_request {
	enum fata_http_method method;     /* any but CONNECT and FATA_HTTP_OTHER */
	const char *target;               /* origin-form: "/path?query" */
	const struct fata_http_header *headers; /* extra fields; framing fields are rejected */
	size_t header_count;
	struct fata_view body;            /* borrowed; the zero view for none */
};

/*
 * A complete response. The strings point into storage the response owns;
 * fata_http_client_response_free() releases it all, the body included.
 */
struct fata_http_client_response {
	int status;
	int minor_version;
	const char *reason;
	size_t reason_len;
	struct fata_http_header headers[FATA_HTTP_MAX_HEADERS];
	size_t header_count;
	struct fata_http_header trailers[FATA_HTTP_MAX_HEADERS];
	size_t trailer_count;
	struct fata_view body;            /* owned; the zero view when empty */
	uint8_t *storage;                 /* private */
};

/* Client counters; all uint64_t, registered as the counter group "http_client". */
struct fata_http_client_stats {
	uint64_t requests;
	uint64_t responses_1xx;           /* interim responses skipped */
	uint64_t responses_2xx;
	uint64_t responses_3xx;
	uint64_t responses_4xx;
	uint64_t responses_5xx;
	uint64_t connections_opened;      /* by the connect function */
	uint64_t connections_reused;      /* requests sent on a connection that served one before */
	uint64_t retries;                 /* idempotent requests resent after a stale connection */
	uint64_t parse_errors;
	uint64_t timeouts;
	uint64_t too_large;               /* responses over max_response_bytes */
	uint64_t bytes_received;
	uint64_t bytes_sent;
};

/*
 * Creates a client on `loop`, copying `config` (the strings it points to
 * must outlive the client) and registering its counters.
 * Errors: FATA_EINVAL without a host, FATA_ENOMEM.
 */
int fata_http_client_new(struct fata_loop *loop, const struct fata_http_client_config *config,
		struct fata_http_client **out);

/*
 * Gives the client a connected flow to use for the next requests; the
 * client owns it from now on. Errors: FATA_EBUSY while a connection is
 * open (the flow is then closed).
 */
int fata_http_client_attach(struct fata_http_client *client, struct fata_flow *flow);

/*
 * Queues `request`. The promise fulfills with an owned struct
 * fata_http_client_response * in `ptr` for any status the server sends.
 * Rejections:
 * - FATA_EINVAL: invalid method, target or field;
 * - FATA_ENOTCONN: no connection and no connect function;
 * - FATA_ETIMEDOUT, and FATA_ELIMIT for a head or body over a limit;
 * - FATA_EBADMSG: malformed response; FATA_ENOTSUP: 101 or an unknown
 *   transfer coding; FATA_ETRUNCATED: the connection ended mid-response;
 * - the connect function's and the flow's errors;
 * - FATA_ECLOSED when the client is freed first. Returns NULL when out of
 * memory. Canceling the promise before it settles abandons the request;
 * when it is already on the wire, its connection is closed.
 */
struct fata_promise *fata_http_client_request(struct fata_http_client *client,
		const struct fata_http_client_request *request);

/* Queues a GET of `target`. */
struct fata_promise *fata_http_client_get(struct fata_http_client *client, const char *target);

/* Queues a HEAD of `target`. */
struct fata_promise *fata_http_client_head(struct fata_http_client *client, const char *target);

/* Queues a POST of the borrowed `body` with Content-Type `content_type` (may be NULL). */
struct fata_promise *fata_http_client_post(struct fata_http_client *client, const char *target,
		const char *content_type, struct fata_view body);

/* Releases a response and its body. NULL is ignored. */
void fata_http_client_response_free(struct fata_http_client_response *response);

/* A value release function for promises fulfilled with a response. */
void fata_http_client_response_release(union fata_value *value);

/* Rejects every queued request with FATA_ECLOSED, closes the connection and frees the client. */
void fata_http_client_free(struct fata_http_client *client);

/* Returns the client's counters. */
const struct fata_http_client_stats *fata_http_client_stats(const struct fata_http_client *client);

#ifdef __cplusplus
}
#endif

#endif

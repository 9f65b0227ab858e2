/*
 * An HTTP/1.1 server over any struct fata_flow (RFC 9110, RFC 9112).
 *
 * The server reads requests, calls the application's handler once per
 * request with an exchange, and writes the response the handler produces.
 * It owns the protocol work around the handler: persistent connections,
 * pipelined requests (responded to in order, one at a time), chunked bodies in
 * both directions, HEAD, Expect: 100-continue, Date, conditional GET with
 * 304, single byte ranges with 206 and 416, timeouts against slow clients,
 * a connection limit (503), and the error statuses 400, 408, 411, 413,
 * 414, 431, 501 and 505. Everything runs on one fata_loop.
 *
 * The handler finishes every exchange exactly once with one of
 * fata_http_exchange_send(), fata_http_exchange_send_chain(),
 * fata_http_exchange_send_text() or fata_http_exchange_stream_end(). It may
 * do so later, after waiting on promises. If the connection fails first,
 * the exchange is marked aborted and stays valid until the handler
 * finishes it; the finishing call then only frees it.
 */
#ifndef FATA_HTTP_SERVER_H
#define FATA_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/flow.h>
#include <fata/http.h>
#include <fata/loop.h>
#include <fata/promise.h>
#include <fata/stack.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_http_server;
struct fata_http_exchange;

/* Called once per request; see the rules at the top of this header. */
typedef void (*fata_http_handler_fn)(void *arg, struct fata_http_exchange *ex);

/* One finished exchange, for access logs; valid during the callback only. */
struct fata_http_access {
	const struct fata_http_request *request; /* NULL when the request could not be parsed */
	const char *request_line;  /* "GET / HTTP/1.1", or NULL when there was none */
	size_t request_line_len;
	struct fata_sockaddr remote;
	int has_remote;            /* 0 when the flow has no addresses */
	int status;                /* the final status sent */
	uint64_t body_bytes;       /* response body bytes sent */
	int64_t time_seconds;      /* wall-clock time the request arrived */
};

/* Called after every response, including error responses the server made. */
typedef void (*fata_http_access_fn)(void *arg, const struct fata_http_access *access);

/* Server configuration; zero fields take the defaults given. */
struct fata_http_server_config {
	fata_http_handler_fn handler;  /* required */
	void *handler_arg;
	struct fata_http_limits limits; /* request heads: 414 and 431 beyond them */
	uint32_t max_connections;      /* open connections; one more gets 503; default 256 */
	uint64_t idle_timeout_ns;      /* keep-alive wait, and any read or write stall; default 30 s */
	uint64_t header_timeout_ns;    /* from a request's first byte to its full head; default 10 s */
	uint64_t max_body_bytes;       /* request body limit, 413 beyond it; default 1 MiB */
	const char *server_name;       /* Server field value, or NULL to send none */
	/* Nonzero: log one Common Log Format line per response at FATA_LOG_INFO, source "http.access". */
	int access_log;
	fata_http_access_fn on_access; /* may be NULL */
	void *access_arg;
	/* Wall clock for Date and access logs, ns since the epoch; NULL reads fata_clock_wall_ns(). */
	int64_t (*wall_clock_ns)(void *arg);
	void *clock_arg;
};

/*
 * Server counters; every field is a uint64_t so the struct doubles as the
 * values of the counter group "http_server" (see counter.h).
 */
struct fata_http_server_stats {
	uint64_t connections_accepted;
	uint64_t connections_active;
	uint64_t connections_rejected;  /* sent 503 over max_connections */
	uint64_t requests;              /* request heads parsed */
	uint64_t responses_1xx;         /* interim 100 Continue responses */
	uint64_t responses_2xx;
	uint64_t responses_3xx;
	uint64_t responses_4xx;
	uint64_t responses_5xx;
	uint64_t header_timeouts;       /* 408: head not complete in header_timeout_ns */
	uint64_t idle_timeouts;         /* keep-alive connections closed while idle */
	uint64_t body_timeouts;         /* request body stalled */
	uint64_t write_timeouts;        /* client stopped reading the response */
	uint64_t exchanges_aborted;     /* connection lost while a handler held the exchange */
	uint64_t bytes_received;
	uint64_t bytes_sent;
	uint64_t parse_errors[FATA_HTTP_ERR_COUNT]; /* indexed by enum fata_http_error_kind */
};

/*
 * Creates a server on `loop`. Copies `config` (but not the strings it
 * points to, which must outlive the server) and registers the counter
 * group "http_server". Errors: FATA_EINVAL without a handler, FATA_ENOMEM.
 */
int fata_http_server_new(struct fata_loop *loop, const struct fata_http_server_config *config,
		struct fata_http_server **out);

/*
 * Accepts connections from `listener` until shutdown or free, which close
 * it; the server owns the listener from now on, even on error.
 * Errors: FATA_EBUSY when already listening, FATA_ESTATE after shutdown.
 */
int fata_http_server_listen(struct fata_http_server *server, struct fata_listener *listener);

/*
 * Serves one connected flow, which the server owns from now on (it is
 * closed at once when the server is shutting down or out of memory).
 * Returns 0 or FATA_ENOMEM / FATA_ESTATE.
 */
int fata_http_server_serve(struct fata_http_server *server, struct fata_flow *flow);

/*
 * Stops accepting, closes idle connections and lets each busy one finish
 * its current response before closing. Returns a promise fulfilled when no
 * connection is left, or NULL when out of memory. A second call returns a
 * promise rejected with FATA_ESTATE.
 */
struct fata_promise *fata_http_server_shutdown(struct fata_http_server *server);

/*
 * Closes the listener and every connection at once and frees the server.
 * Exchanges that handlers still hold become aborted. NULL is ignored.
 */
void fata_http_server_free(struct fata_http_server *server);

/* Returns the server's counters. */
const struct fata_http_server_stats *fata_http_server_stats(const struct fata_http_server *server);

/*
 * Exchange: one request and its response.
 */

/* Returns the request head; valid until the exchange is finished. */
const struct fata_http_request *fata_http_exchange_request(const struct fata_http_exchange *ex);

/* Stores the client's address. Errors: FATA_ENOTSUP for flows without addresses. */
int fata_http_exchange_remote(const struct fata_http_exchange *ex, struct fata_sockaddr *out);

/* Returns the wall-clock time the request arrived, in seconds since the epoch. */
int64_t fata_http_exchange_time(const struct fata_http_exchange *ex);

/*
 * Reads the next part of the request body: fulfills with an owned view of
 * one or more body bytes, or with the zero view once the body has ended
 * (at once for requests without a body). The first read sends
 * "100 Continue" when the client asked for it. One read may be pending.
 * Rejections: FATA_EBUSY (a read is pending), FATA_ELIMIT (the body passed
 * max_body_bytes), FATA_EBADMSG (malformed chunked coding),
 * FATA_ETIMEDOUT, FATA_ETRUNCATED (the client closed mid-body),
 * FATA_ECONNABORTED (exchange aborted). NULL when out of memory.
 */
struct fata_promise *fata_http_exchange_read_body(struct fata_http_exchange *ex);

/*
 * Returns the request's trailer fields once the body read has returned the
 * end, and stores their number in `*count`; NULL and 0 before or without.
 */
const struct fata_http_header *fata_http_exchange_trailers(const struct fata_http_exchange *ex,
		size_t *count);

/*
 * Adds a response field; both strings are copied. The server writes
 * Date, Content-Length, Transfer-Encoding, Connection and Content-Range
 * itself, so those names are rejected.
 * Errors: FATA_EINVAL for an invalid name or value or a reserved name,
 * FATA_ENOSPC when the exchange's 4 KiB of fields are full, FATA_ESTATE
 * after the response has started.
 */
int fata_http_exchange_add_header(struct fata_http_exchange *ex, const char *name, const char *value);

/*
 * Declares the response's validators for a 200 response to GET or HEAD:
 * adds the ETag and Last-Modified fields (either may be absent: `etag`
 * NULL, `has_last_modified` 0) and makes the server respond to the request's
 * preconditions with 304 or 412 (RFC 9110 section 13.2.2) and evaluate
 * If-Range. `etag` includes its quotes ("\"v1\"" or "W/\"v1\"").
 * Errors as fata_http_exchange_add_header().
 */
int fata_http_exchange_set_validators(struct fata_http_exchange *ex, const char *etag,
		int64_t last_modified, int has_last_modified);

/* Makes the server close the connection after this response. */
void fata_http_exchange_set_close(struct fata_http_exchange *ex);

/*
 * Finishes the exchange with `status` and the owned view `body` (the zero
 * view for none), which the server takes over in every case. For a 200
 * response to GET the server honours a single byte range (206, 416); for
 * HEAD, 204 and 304 it sends no body. Returns 0 or FATA_ECONNABORTED (an
 * aborted exchange), after which `ex` is invalid. FATA_EINVAL (a status
 * outside 200-599) and FATA_ESTATE (the response has started) leave the
 * exchange unfinished, so the handler can still send another response.
 */
int fata_http_exchange_send(struct fata_http_exchange *ex, int status, struct fata_view body);

/* As fata_http_exchange_send() with the body in `body`, whose views the server takes over. */
int fata_http_exchange_send_chain(struct fata_http_exchange *ex, int status, struct fata_chain *body);

/*
 * As fata_http_exchange_send() with a copy of the NUL-terminated `text`
 * as the body and `content_type` (may be NULL) as Content-Type.
 * Also FATA_ENOMEM.
 */
int fata_http_exchange_send_text(struct fata_http_exchange *ex, int status,
		const char *content_type, const char *text);

/*
 * Starts a streamed response. `content_length` is the body length, or -1
 * when unknown: the body is then chunked for HTTP/1.1 clients, or ends
 * with the connection for HTTP/1.0 ones. The head goes out with the first
 * write. Errors: FATA_EINVAL, FATA_ESTATE, FATA_ECONNABORTED; on error the
 * exchange is not finished and the handler may still send another way.
 */
int fata_http_exchange_stream_begin(struct fata_http_exchange *ex, int status,
		int64_t content_length);

/*
 * Writes the borrowed view `data` as the next part of a streamed body.
 * Fulfills (u64 = bytes) when the flow has taken it; at most one write may
 * be pending. Rejections: FATA_EBUSY, FATA_ESTATE (not streaming),
 * FATA_ERANGE (more than the declared content length),
 * FATA_ECONNABORTED, or the flow's write error. NULL when out of memory.
 */
struct fata_promise *fata_http_exchange_stream_write(struct fata_http_exchange *ex,
		struct fata_view data);

/*
 * Adds a trailer field, sent after a chunked body (copied; 1 KiB in all).
 * Errors as fata_http_exchange_add_header().
 */
int fata_http_exchange_add_trailer(struct fata_http_exchange *ex, const char *name,
		const char *value);

/*
 * Finishes a streamed response: writes the last chunk and the trailers, or
 * checks that the declared length was sent. Fulfills when the flow has
 * taken everything. `ex` is invalid after this call, except after a
 * rejection with FATA_ESTATE (no stream was begun).
 * Rejections: FATA_EBUSY (a write is pending: the exchange is aborted),
 * FATA_ERANGE (fewer bytes than declared: the connection is closed),
 * FATA_ECONNABORTED, write errors. NULL when out of memory.
 */
struct fata_promise *fata_http_exchange_stream_end(struct fata_http_exchange *ex);

/*
 * Installs a callback that runs once if the connection fails while the
 * handler has the exchange (the handler must still finish it).
 */
void fata_http_exchange_on_abort(struct fata_http_exchange *ex,
		void (*fn)(void *arg, struct fata_http_exchange *ex, int error), void *arg);

/* Returns 1 when the exchange was aborted, else 0. */
int fata_http_exchange_aborted(const struct fata_http_exchange *ex);

#ifdef __cplusplus
}
#endif

#endif

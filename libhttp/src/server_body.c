/*
 * Request bodies on the server: delivering them to the handler's reads,
 * and discarding what the handler left unread.
 *
 * Body bytes pass through the connection's input buffer behind the head,
 * which stays in place while the exchange runs. Each read hands the
 * handler a copy of the bytes available, so the buffer can be reused at
 * once.
 */
#include <string.h>

#include <fata/error.h>

#include "http_internal.h"
#include "server_internal.h"

void http_body_start(struct http_conn *conn)
{
	const struct fata_http_request *r = &conn->ex->request;

	conn->body_kind = r->body_kind;
	conn->body_remaining = r->content_length;
	conn->body_received = 0;
	conn->drained = 0;
	fata_http_chunked_init(&conn->chunked, 0, 0);
	conn->ex->body_done = r->body_kind == FATA_HTTP_BODY_NONE;
}

/* Fulfills the pending read with a copy of `len` bytes at `data` (or the end for len 0). */
static void deliver(struct http_conn *conn, const uint8_t *data, size_t len)
{
	struct fata_http_exchange *ex = conn->ex;
	struct fata_promise *p = ex->body_read;
	struct fata_view view = { 0 };

	if (len > 0 && fata_buf_copy(data, len, 0, &view) != 0) {
		http_body_fail(conn, FATA_ENOMEM);
		return;
	}
	ex->body_read = NULL;
	http_conn_arm_timer(conn);
	fata_promise_fulfill_view(p, view);
}

void http_body_fail(struct http_conn *conn, int error)
{
	struct fata_http_exchange *ex = conn->ex;

	/* The framing is lost, so the connection cannot carry another request. */
	conn->close_after = 1;
	if (ex == NULL)
		return;
	ex->body_done = 1;
	if (ex->body_read != NULL) {
		fata_promise_reject(ex->body_read, error);
		ex->body_read = NULL;
	}
	http_conn_arm_timer(conn);
}

/* Asks for more bytes, or fails the body when the client has closed. */
static void need_more(struct http_conn *conn)
{
	if (conn->read_eof) {
		http_body_fail(conn, FATA_ETRUNCATED);
		return;
	}
	http_conn_read_more(conn);
}

static void pump_length(struct http_conn *conn)
{
	uint32_t avail = conn->in_end - conn->in_start;

	if (avail == 0) {
		need_more(conn);
		return;
	}

	size_t n = conn->body_remaining < avail ? (size_t)conn->body_remaining : avail;
	const uint8_t *data = conn->in + conn->in_start;

	conn->in_start += (uint32_t)n;
	conn->body_remaining -= n;
	conn->body_received += n;
	if (conn->body_remaining == 0)
		conn->ex->body_done = 1;
	deliver(conn, data, n);
}

/* Stores the trailer section's fields for fata_http_exchange_trailers(). */
static void keep_trailers(struct http_conn *conn, const struct fata_http_chunked_out *out)
{
	struct fata_http_exchange *ex = conn->ex;
	int n = 0;

	if (out->trailers != NULL)
		n = fata_http_fields_split(out->trailers, out->trailers_len, ex->trailers,
				HTTP_REQUEST_TRAILERS_MAX);
	ex->trailer_count = n > 0 ? (size_t)n : 0;
}

/* Decodes one step of a chunked body. Returns 1 when it settled the read, else 0. */
static int pump_chunked(struct http_conn *conn)
{
	struct fata_http_server *server = conn->server;
	struct fata_http_chunked_out out;
	uint32_t avail = conn->in_end - conn->in_start;
	int rc = fata_http_chunked_decode(&conn->chunked, conn->in + conn->in_start, avail, &out);

	if (rc < 0) {
		server->stats.parse_errors[conn->chunked.error]++;
		http_body_fail(conn, rc);
		return 1;
	}
	conn->in_start += (uint32_t)out.consumed;
	if (out.data_len > 0) {
		conn->body_received += out.data_len;
		if (conn->body_received > server->config.max_body_bytes) {
			server->stats.parse_errors[FATA_HTTP_ERR_BODY_TOO_LARGE]++;
			http_body_fail(conn, FATA_ELIMIT);
			return 1;
		}
		deliver(conn, out.data, out.data_len);
		return 1;
	}
	if (out.done) {
		keep_trailers(conn, &out);
		conn->ex->body_done = 1;
		deliver(conn, NULL, 0);
		return 1;
	}
	return 0;
}

void http_body_pump(struct http_conn *conn)
{
	struct fata_http_exchange *ex = conn->ex;

	if (ex == NULL || ex->body_read == NULL)
		return;
	if (ex->body_done) {
		deliver(conn, NULL, 0);
		return;
	}
	for (;;) {
		if (http_conn_take_stash(conn) != 0) {
			http_body_fail(conn, FATA_ENOMEM);
			return;
		}
		if (conn->body_kind == FATA_HTTP_BODY_LENGTH) {
			pump_length(conn);
			return;
		}
		if (pump_chunked(conn))
			return;

		/* The decoder used every byte it was given and wants more. */
		if (fata_view_is_null(conn->stash)) {
			need_more(conn);
			return;
		}
	}
}

int http_drain_pump(struct http_conn *conn)
{
	for (;;) {
		if (http_conn_take_stash(conn) != 0)
			return -1;

		uint32_t avail = conn->in_end - conn->in_start;

		if (conn->body_kind == FATA_HTTP_BODY_LENGTH) {
			size_t n = conn->body_remaining < avail ? (size_t)conn->body_remaining : avail;

			conn->in_start += (uint32_t)n;
			conn->body_remaining -= n;
			conn->drained += n;
			if (conn->body_remaining == 0)
				return 1;
		} else {
			struct fata_http_chunked_out out;

			if (fata_http_chunked_decode(&conn->chunked, conn->in + conn->in_start, avail,
					&out) < 0)
				return -1;
			conn->in_start += (uint32_t)out.consumed;
			conn->drained += out.data_len;
			if (out.done)
				return 1;
			if (out.data_len > 0 && conn->drained <= HTTP_DRAIN_MAX)
				continue;
		}
		if (conn->drained > HTTP_DRAIN_MAX || conn->read_eof)
			return -1;
		if (fata_view_is_null(conn->stash)) {
			http_conn_read_more(conn);
			return 0;
		}
	}
}

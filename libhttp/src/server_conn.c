/*
 * One server connection: reading request heads, the per-connection timer,
 * writes, error responses, and the orderly close.
 *
 * A connection does one thing at a time. In CONN_HEAD it reads until a
 * request head is complete, then hands an exchange to the handler
 * (CONN_EXCHANGE). Once the response is written it discards what the
 * handler left of the request body (CONN_DRAIN) and parses the next
 * request, which may already be buffered (pipelining), so responses leave
 * in request order. A connection that must close shuts its write side and
 * reads until the client closes (CONN_LINGER), so that the client sees the
 * response instead of a reset (RFC 9112 section 9.6).
 *
 * Reads are issued only when the current state needs bytes, which is the
 * backpressure: a client that pipelines faster than the handler responds
 * waits in its own TCP window.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/fmt.h>
#include <fata/log.h>

#include "http_internal.h"
#include "server_internal.h"

static void on_timer(void *arg, struct fata_timer *timer);
static void on_read(void *arg, int status, union fata_value value);
static void head_pump(struct http_conn *conn);
static void send_server_response(struct http_conn *conn, int status);

int http_conn_start(struct fata_http_server *server, struct fata_flow *flow, int rejecting)
{
	struct http_conn *conn = fata_calloc(1, sizeof(*conn));

	if (conn == NULL) {
		fata_log(FATA_LOG_WARN, "http", "out of memory for a new connection; closing it");
		http_flow_close(flow);
		return FATA_ENOMEM;
	}
	conn->server = server;
	conn->loop = server->loop;
	conn->flow = flow;
	conn->rejecting = rejecting;
	conn->has_remote = fata_flow_get_addrs(flow, NULL, &conn->remote) == 0;
	fata_timer_init(&conn->timer, on_timer, conn);
	fata_http_parser_init_request(&conn->parser, &server->config.limits);

	conn->next = server->conns;
	if (server->conns != NULL)
		server->conns->prev = conn;
	server->conns = conn;
	if (rejecting) {
		server->rejecting++;
		send_server_response(conn, 503);
		return 0;
	}
	server->active++;
	server->stats.connections_active = server->active;
	conn->state = CONN_HEAD;
	head_pump(conn);
	return 0;
}

/* Releases everything the connection holds; its exchange must be gone. */
static void conn_destroy(struct http_conn *conn)
{
	fata_timer_cancel(conn->loop, &conn->timer);
	fata_promise_cancel(conn->read_p);
	fata_promise_cancel(conn->write_p);
	fata_promise_cancel(conn->interim_p);
	fata_view_release(&conn->stash);
	http_flow_close(conn->flow);
	fata_free(conn->in);
	http_server_conn_gone(conn->server, conn);
	fata_free(conn);
}

void http_conn_abort(struct http_conn *conn, int error)
{
	struct fata_http_exchange *ex = conn->ex;

	conn->ex = NULL;
	if (conn->end_p != NULL) {
		fata_promise_reject(conn->end_p, error < 0 ? error : FATA_ECONNABORTED);
		conn->end_p = NULL;
	}
	if (ex != NULL && ex->handed_over && !ex->finished) {
		/* The handler still has the exchange, whose request points into the input. */
		conn->server->stats.exchanges_aborted++;
		ex->owned_in = conn->in;
		conn->in = NULL;
		conn_destroy(conn);
		http_exchange_detach(ex, error < 0 ? error : FATA_ECONNABORTED);
		return;
	}
	if (ex != NULL)
		http_exchange_free(ex);
	conn_destroy(conn);
}

/*
 * Input.
 */

void http_conn_read_more(struct http_conn *conn)
{
	if (conn->read_p != NULL || conn->read_eof || !fata_view_is_null(conn->stash))
		return;
	conn->read_p = fata_flow_read(conn->flow);
	if (conn->read_p == NULL) {
		http_conn_abort(conn, FATA_ENOMEM);
		return;
	}
	fata_promise_then(conn->read_p, on_read, conn);
	http_conn_arm_timer(conn);
}

/* Allocates the input buffer: a full head plus room for body framing and trailers. */
static int ensure_input(struct http_conn *conn)
{
	if (conn->in != NULL)
		return 0;
	conn->in_cap = conn->server->config.limits.max_head_bytes + 8192;
	conn->in = fata_alloc(conn->in_cap);
	return conn->in ? 0 : FATA_ENOMEM;
}

uint32_t http_conn_compact_for_append(struct http_conn *conn)
{
	/* While an exchange runs, its request points into the head: keep it in place. */
	uint32_t base = conn->state == CONN_EXCHANGE ? conn->head_len : 0;

	if (conn->in_end == conn->in_cap && conn->in_start > base) {
		memmove(conn->in + base, conn->in + conn->in_start, conn->in_end - conn->in_start);
		conn->in_end -= conn->in_start - base;
		conn->in_start = base;
	}
	return conn->in_cap - conn->in_end;
}

int http_conn_take_stash(struct http_conn *conn)
{
	if (fata_view_is_null(conn->stash))
		return 0;
	if (ensure_input(conn) != 0)
		return FATA_ENOMEM;

	uint32_t room = http_conn_compact_for_append(conn);
	uint32_t n = conn->stash.len < room ? conn->stash.len : room;

	memcpy(conn->in + conn->in_end, fata_view_data(conn->stash), n);
	conn->in_end += n;
	fata_view_pull(&conn->stash, n);
	if (conn->stash.len == 0)
		fata_view_release(&conn->stash);
	return 0;
}

static void begin_linger(struct http_conn *conn);

static void on_eof(struct http_conn *conn)
{
	switch (conn->state) {
	case CONN_HEAD:
	case CONN_DRAIN:
	case CONN_LINGER:
		http_conn_abort(conn, FATA_ECONNRESET);
		return;
	case CONN_EXCHANGE:
		/* The client may still read the response: finish it, then close. */
		conn->close_after = 1;
		http_body_pump(conn);
		return;
	}
}

static void on_read(void *arg, int status, union fata_value value)
{
	struct http_conn *conn = arg;

	conn->read_p = NULL;
	if (status < 0) {
		http_conn_abort(conn, status);
		return;
	}
	if (value.view.len == 0) {
		fata_view_release(&value.view);
		conn->read_eof = 1;
		on_eof(conn);
		return;
	}
	conn->server->stats.bytes_received += value.view.len;
	conn->stash = value.view;

	switch (conn->state) {
	case CONN_HEAD:
		head_pump(conn);
		return;
	case CONN_EXCHANGE:
		http_body_pump(conn);
		return;
	case CONN_DRAIN: {
		int rc = http_drain_pump(conn);

		if (rc > 0)
			http_conn_exchange_done(conn);
		else if (rc < 0)
			http_conn_abort(conn, FATA_ECONNABORTED);
		return;
	}
	case CONN_LINGER:
		fata_view_release(&conn->stash);
		http_conn_read_more(conn);
		return;
	}
}

/*
 * The timer: one deadline per state.
 */

void http_conn_arm_timer(struct http_conn *conn)
{
	const struct fata_http_server_config *c = &conn->server->config;
	uint64_t now = fata_loop_now(conn->loop);
	uint64_t deadline = 0;

	switch (conn->state) {
	case CONN_HEAD:
		deadline = conn->head_deadline ? conn->head_deadline : now + c->idle_timeout_ns;
		break;
	case CONN_EXCHANGE:
		if (conn->write_p != NULL || conn->read_p != NULL)
			deadline = now + c->idle_timeout_ns;
		break;
	case CONN_DRAIN:
		deadline = now + c->idle_timeout_ns;
		break;
	case CONN_LINGER:
		return;
	}
	if (deadline == 0) {
		fata_timer_cancel(conn->loop, &conn->timer);
		return;
	}
	if (fata_timer_arm(conn->loop, &conn->timer, deadline) != 0)
		fata_log(FATA_LOG_WARN, "http", "out of memory for a connection timer; it has no timeout");
}

static void on_timer(void *arg, struct fata_timer *timer)
{
	struct http_conn *conn = arg;
	struct fata_http_server_stats *stats = &conn->server->stats;

	(void)timer;
	switch (conn->state) {
	case CONN_HEAD:
		if (conn->head_deadline != 0) {
			/* RFC 9110 section 15.5.9: 408 means the server stopped waiting for the request. */
			stats->header_timeouts++;
			send_server_response(conn, 408);
			return;
		}
		stats->idle_timeouts++;
		http_conn_abort(conn, FATA_ETIMEDOUT);
		return;
	case CONN_EXCHANGE:
		if (conn->write_p != NULL) {
			stats->write_timeouts++;
			http_conn_abort(conn, FATA_ETIMEDOUT);
			return;
		}
		stats->body_timeouts++;
		fata_promise_cancel(conn->read_p);
		conn->read_p = NULL;
		http_body_fail(conn, FATA_ETIMEDOUT);
		return;
	case CONN_DRAIN:
		stats->body_timeouts++;
		http_conn_abort(conn, FATA_ETIMEDOUT);
		return;
	case CONN_LINGER:
		http_conn_abort(conn, FATA_ETIMEDOUT);
		return;
	}
}

/*
 * Request heads.
 */

/* Starts the handler on a complete head of `head_len` bytes. */
static void start_exchange(struct http_conn *conn, uint32_t head_len)
{
	struct fata_http_server *server = conn->server;
	struct fata_http_exchange *ex = conn->ex;
	const struct fata_http_request *r = &ex->request;

	server->stats.requests++;
	conn->head_len = head_len;
	conn->in_start = head_len;
	conn->state = CONN_EXCHANGE;
	fata_timer_cancel(conn->loop, &conn->timer);

	/* The request line runs from the method to the end of "HTTP/1.x". */
	ex->request_line = r->method_name;
	ex->request_line_len = (size_t)(r->target + r->target_len - r->method_name) + 9;

	http_body_start(conn);
	if (r->body_kind == FATA_HTTP_BODY_LENGTH
			&& r->content_length > server->config.max_body_bytes) {
		server->stats.parse_errors[FATA_HTTP_ERR_BODY_TOO_LARGE]++;
		send_server_response(conn, 413);
		return;
	}
	ex->handed_over = 1;
	server->config.handler(server->config.handler_arg, ex);
}

static void head_failed(struct http_conn *conn)
{
	enum fata_http_error_kind kind = conn->parser.error;

	conn->server->stats.parse_errors[kind]++;
	fata_log(FATA_LOG_DEBUG, "http", "rejected a request head: %s", fata_http_error_name(kind));
	send_server_response(conn, fata_http_error_status(kind));
}

static void head_pump(struct http_conn *conn)
{
	for (;;) {
		if (http_conn_take_stash(conn) != 0) {
			http_conn_abort(conn, FATA_ENOMEM);
			return;
		}

		uint32_t avail = conn->in_end - conn->in_start;

		if (avail == 0 && conn->read_eof) {
			http_conn_abort(conn, FATA_ECONNRESET);
			return;
		}
		if (avail == 0) {
			http_conn_read_more(conn);
			return;
		}
		if (conn->head_deadline == 0) {
			conn->head_deadline = fata_loop_now(conn->loop)
					+ conn->server->config.header_timeout_ns;
		}
		if (conn->ex == NULL) {
			conn->ex = http_exchange_new(conn);
			if (conn->ex == NULL) {
				http_conn_abort(conn, FATA_ENOMEM);
				return;
			}
		}

		int rc = fata_http_parse_request(&conn->parser, conn->in + conn->in_start, avail,
				&conn->ex->request);

		if (rc > 0) {
			start_exchange(conn, (uint32_t)rc);
			return;
		}
		if (rc != FATA_EINCOMPLETE) {
			head_failed(conn);
			return;
		}
		if (!fata_view_is_null(conn->stash))
			continue;

		/* The client ended its stream in the middle of a request head. */
		if (conn->read_eof) {
			http_conn_abort(conn, FATA_ECONNRESET);
			return;
		}
		http_conn_read_more(conn);
		return;
	}
}

/* Moves the unread bytes to the front of the buffer and parses the next request. */
static void next_request(struct http_conn *conn)
{
	uint32_t unread = conn->in_end - conn->in_start;

	if (conn->in != NULL && conn->in_start > 0)
		memmove(conn->in, conn->in + conn->in_start, unread);
	conn->in_start = 0;
	conn->in_end = unread;
	conn->head_len = 0;
	conn->head_deadline = 0;
	conn->state = CONN_HEAD;
	fata_http_parser_init_request(&conn->parser, &conn->server->config.limits);
	head_pump(conn);
}

/*
 * Writes.
 */

static void on_write(void *arg, int status, union fata_value value)
{
	struct http_conn *conn = arg;
	enum http_write_kind kind = conn->write_kind;

	conn->write_p = NULL;
	conn->write_kind = WRITE_NONE;
	if (status < 0) {
		http_conn_abort(conn, status);
		return;
	}
	conn->server->stats.bytes_sent += value.u64;
	switch (kind) {
	case WRITE_RESPONSE:
		http_conn_exchange_done(conn);
		return;
	case WRITE_STREAM:
		http_conn_arm_timer(conn);
		http_conn_stream_written(conn, 0, value.u64);
		return;
	case WRITE_SERVER:
		begin_linger(conn);
		return;
	case WRITE_NONE:
		return;
	}
}

int http_conn_write(struct http_conn *conn, const struct fata_view *views, size_t count,
		enum http_write_kind kind)
{
	if (conn->write_p != NULL)
		return FATA_EBUSY;
	conn->write_p = fata_flow_writev(conn->flow, views, count);
	if (conn->write_p == NULL)
		return FATA_ENOMEM;
	conn->write_kind = kind;
	fata_promise_then(conn->write_p, on_write, conn);
	http_conn_arm_timer(conn);
	return 0;
}

/*
 * Responses the server makes itself (errors, 503), after which the
 * connection closes.
 */
static void send_server_response(struct http_conn *conn, int status)
{
	struct fata_http_server *server = conn->server;
	const char *reason = fata_http_reason(status);
	char head[512];
	char body[96];
	int body_len = fata_snprintf(body, sizeof(body), "%d %s\n", status, reason);
	int head_len = fata_snprintf(head, sizeof(head),
			"HTTP/1.1 %d %s\r\nDate: %s\r\n%s%s%sContent-Type: text/plain; charset=utf-8\r\n"
			"Content-Length: %d\r\nConnection: close\r\n\r\n",
			status, reason, http_server_date(server),
			server->config.server_name ? "Server: " : "",
			server->config.server_name ? server->config.server_name : "",
			server->config.server_name ? "\r\n" : "", body_len);
	struct fata_view view;

	if (head_len < 0 || (size_t)head_len >= sizeof(head)) {
		http_conn_abort(conn, FATA_ENOSPC);
		return;
	}
	if (fata_buf_alloc(0, (size_t)head_len + (size_t)body_len, &view) != 0) {
		http_conn_abort(conn, FATA_ENOMEM);
		return;
	}
	memcpy(fata_view_data(view), head, (size_t)head_len);
	memcpy(fata_view_data(view) + head_len, body, (size_t)body_len);

	/* A head that never parsed is logged with "-" as its request line. */
	struct fata_http_exchange *ex = conn->ex;

	if (ex != NULL && conn->state != CONN_EXCHANGE) {
		http_exchange_free(ex);
		conn->ex = ex = NULL;
	}
	http_server_count_status(server, status);
	http_server_log_access(server, conn, ex, status, (uint64_t)body_len);
	if (ex != NULL) {
		http_exchange_free(ex);
		conn->ex = NULL;
	}

	conn->close_after = 1;
	conn->state = CONN_EXCHANGE;
	fata_promise_cancel(conn->read_p);
	conn->read_p = NULL;

	int rc = http_conn_write(conn, &view, 1, WRITE_SERVER);

	fata_view_release(&view);
	if (rc != 0)
		http_conn_abort(conn, rc);
}

/* Shuts the write side and reads until the client closes or the linger time ends. */
static void begin_linger(struct http_conn *conn)
{
	conn->state = CONN_LINGER;
	fata_view_release(&conn->stash);
	if (conn->read_eof) {
		http_conn_abort(conn, 0);
		return;
	}
	http_flow_shutdown(conn->flow);
	if (fata_timer_arm(conn->loop, &conn->timer, fata_loop_now(conn->loop) + HTTP_LINGER_NS) != 0) {
		http_conn_abort(conn, FATA_ENOMEM);
		return;
	}
	http_conn_read_more(conn);
}

/*
 * The end of an exchange.
 */

int http_conn_will_persist(const struct http_conn *conn)
{
	const struct fata_http_exchange *ex = conn->ex;

	if (conn->close_after || conn->read_eof || conn->server->shutting_down || ex == NULL
			|| ex->close || !ex->request.keep_alive)
		return 0;
	if (ex->body_done)
		return 1;

	/* An unread body is discarded only when it is small and the client is sending it. */
	if (ex->request.expect_continue && !ex->continue_sent)
		return 0;
	if (conn->body_kind == FATA_HTTP_BODY_LENGTH && conn->body_remaining > HTTP_DRAIN_MAX)
		return 0;
	return 1;
}

void http_conn_exchange_done(struct http_conn *conn)
{
	struct fata_http_exchange *ex = conn->ex;
	int persist;

	if (conn->state == CONN_DRAIN) {
		next_request(conn);
		return;
	}
	persist = http_conn_will_persist(conn);
	if (ex != NULL) {
		http_server_log_access(conn->server, conn, ex, ex->status, ex->body_bytes);
		if (conn->end_p != NULL) {
			fata_promise_fulfill(conn->end_p, (union fata_value){ .u64 = ex->body_bytes });
			conn->end_p = NULL;
		}
		if (!ex->body_done)
			conn->state = CONN_DRAIN;
		http_exchange_free(ex);
		conn->ex = NULL;
	}
	if (!persist) {
		begin_linger(conn);
		return;
	}
	if (conn->state == CONN_DRAIN) {
		int rc = http_drain_pump(conn);

		if (rc < 0)
			begin_linger(conn);
		else if (rc > 0)
			next_request(conn);
		return;
	}
	next_request(conn);
}

/*
 * Finishes the exchange through the write path when nothing is left to
 * write, so the next request starts from the loop and never inside the
 * handler's call.
 */
int http_conn_finish_without_write(struct http_conn *conn)
{
	if (conn->write_p != NULL)
		return FATA_EBUSY;
	conn->write_p = fata_promise_resolved(conn->loop, "http.noop", (union fata_value){ .u64 = 0 });
	if (conn->write_p == NULL)
		return FATA_ENOMEM;
	conn->write_kind = WRITE_RESPONSE;
	fata_promise_then(conn->write_p, on_write, conn);
	return 0;
}

/*
 * Shutdown: idle connections close now, busy ones after their response.
 */
void http_conn_close_idle(struct http_conn *conn)
{
	if (conn->state == CONN_EXCHANGE) {
		conn->close_after = 1;
		return;
	}
	if (conn->state == CONN_LINGER)
		return;
	http_conn_abort(conn, FATA_ECONNABORTED);
}

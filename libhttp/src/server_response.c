/*
 * The exchange API: what a handler reads of the request and how it sends
 * the response. Complete bodies (a view or a chain) get conditional and
 * range handling here; streamed bodies are in server_stream.c.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/fmt.h>
#include <fata/log.h>

#include "http_internal.h"
#include "server_internal.h"

struct fata_http_exchange *http_exchange_new(struct http_conn *conn)
{
	struct fata_http_exchange *ex = fata_calloc(1, sizeof(*ex));

	if (ex == NULL)
		return NULL;
	ex->conn = conn;
	ex->loop = conn->loop;
	ex->time_seconds = http_server_now_seconds(conn->server);
	ex->stream_length = -1;
	return ex;
}

void http_exchange_free(struct fata_http_exchange *ex)
{
	if (ex->body_read != NULL)
		fata_promise_reject(ex->body_read, FATA_ECONNABORTED);
	if (ex->user_write != NULL)
		fata_promise_reject(ex->user_write, FATA_ECONNABORTED);
	fata_view_release(&ex->pending_head);
	fata_free(ex->owned_in);
	fata_free(ex);
}

void http_exchange_detach(struct fata_http_exchange *ex, int error)
{
	ex->conn = NULL;
	ex->aborted = 1;
	ex->abort_error = error;
	fata_view_release(&ex->pending_head);
	if (ex->body_read != NULL) {
		fata_promise_reject(ex->body_read, FATA_ECONNABORTED);
		ex->body_read = NULL;
	}
	if (ex->user_write != NULL) {
		fata_promise_reject(ex->user_write, error);
		ex->user_write = NULL;
	}

	/* Last, because the callback may finish and free the exchange. */
	if (ex->abort_fn != NULL)
		ex->abort_fn(ex->abort_arg, ex, error);
}

/*
 * Reading the request.
 */

const struct fata_http_request *fata_http_exchange_request(const struct fata_http_exchange *ex)
{
	return &ex->request;
}

int fata_http_exchange_remote(const struct fata_http_exchange *ex, struct fata_sockaddr *out)
{
	if (ex->conn == NULL || !ex->conn->has_remote)
		return FATA_ENOTSUP;
	*out = ex->conn->remote;
	return 0;
}

int64_t fata_http_exchange_time(const struct fata_http_exchange *ex)
{
	return ex->time_seconds;
}

const struct fata_http_header *fata_http_exchange_trailers(const struct fata_http_exchange *ex,
		size_t *count)
{
	*count = ex->trailer_count;
	return ex->trailer_count ? ex->trailers : NULL;
}

static void on_body_read_cancel(void *ctx, struct fata_promise *promise)
{
	struct fata_http_exchange *ex = ctx;

	(void)promise;
	ex->body_read = NULL;
}

static void on_interim_written(void *arg, int status, union fata_value value)
{
	struct http_conn *conn = arg;

	/* A failed write shows again on the body read or the response write. */
	(void)status;
	(void)value;
	conn->interim_p = NULL;
}

/* RFC 9110 section 10.1.1: the interim response invites the client to send the body. */
static void send_continue(struct fata_http_exchange *ex)
{
	static const char text[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct http_conn *conn = ex->conn;

	ex->continue_sent = 1;
	if (conn->interim_p != NULL)
		return;
	conn->interim_p = fata_flow_write_copy(conn->flow, text, sizeof(text) - 1);
	if (conn->interim_p != NULL)
		fata_promise_then(conn->interim_p, on_interim_written, conn);
	conn->server->stats.responses_1xx++;
}

struct fata_promise *fata_http_exchange_read_body(struct fata_http_exchange *ex)
{
	struct fata_promise *p;

	if (ex->aborted)
		return fata_promise_rejected(ex->loop, "http.body", FATA_ECONNABORTED);
	if (ex->body_read != NULL)
		return fata_promise_rejected(ex->loop, "http.body", FATA_EBUSY);
	p = fata_promise_new(ex->loop, "http.body");
	if (p == NULL)
		return NULL;
	ex->body_read = p;
	fata_promise_on_cancel(p, on_body_read_cancel, ex);
	if (ex->request.expect_continue && !ex->continue_sent && !ex->started && !ex->body_done)
		send_continue(ex);
	http_body_pump(ex->conn);
	return p;
}

/*
 * Response fields.
 */

/* Names the server writes itself (RFC 9112 sections 6 and 9, RFC 9110 section 6.6.1). */
static int reserved_name(const char *name, size_t len)
{
	static const char *const names[] = {
		"content-length", "transfer-encoding", "connection", "date", "content-range",
		"keep-alive", "trailer", "upgrade",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (http_equal_nocase(name, len, names[i]))
			return 1;
	}
	return 0;
}

/* Appends "name: value\r\n" to a field buffer after checking both parts. */
static int append_field(char *buf, size_t cap, size_t *len, const char *name, const char *value)
{
	size_t name_len = strlen(name);
	size_t value_len = strlen(value);

	if (!fata_http_is_token(name, name_len) || !fata_http_is_field_value(value, value_len))
		return FATA_EINVAL;
	if (cap - *len < name_len + value_len + 4)
		return FATA_ENOSPC;
	memcpy(buf + *len, name, name_len);
	memcpy(buf + *len + name_len, ": ", 2);
	memcpy(buf + *len + name_len + 2, value, value_len);
	memcpy(buf + *len + name_len + 2 + value_len, "\r\n", 2);
	*len += name_len + value_len + 4;
	return 0;
}

int fata_http_exchange_add_header(struct fata_http_exchange *ex, const char *name, const char *value)
{
	if (ex->started)
		return FATA_ESTATE;
	if (reserved_name(name, strlen(name)))
		return FATA_EINVAL;
	return append_field(ex->fields, sizeof(ex->fields), &ex->fields_len, name, value);
}

int fata_http_exchange_add_trailer(struct fata_http_exchange *ex, const char *name,
		const char *value)
{
	if (ex->finished)
		return FATA_ESTATE;
	if (reserved_name(name, strlen(name)))
		return FATA_EINVAL;
	return append_field(ex->response_trailers, sizeof(ex->response_trailers),
			&ex->response_trailers_len, name, value);
}

int fata_http_exchange_set_validators(struct fata_http_exchange *ex, const char *etag,
		int64_t last_modified, int has_last_modified)
{
	int rc;

	if (ex->started)
		return FATA_ESTATE;
	if (etag != NULL) {
		size_t len = strlen(etag);

		if (len >= sizeof(ex->etag) || !fata_http_etag_list_match(etag, len, etag, len, 1))
			return FATA_EINVAL;
		rc = fata_http_exchange_add_header(ex, "ETag", etag);
		if (rc != 0)
			return rc;
		memcpy(ex->etag, etag, len + 1);
		ex->validators.etag = ex->etag;
		ex->validators.etag_len = len;
	}
	if (has_last_modified) {
		char date[FATA_HTTP_DATE_LEN + 1];

		if (fata_http_date_format(last_modified, date) < 0)
			return FATA_EINVAL;
		rc = fata_http_exchange_add_header(ex, "Last-Modified", date);
		if (rc != 0)
			return rc;
		ex->validators.last_modified = last_modified;
		ex->validators.has_last_modified = 1;
	}
	ex->has_validators = 1;
	return 0;
}

void fata_http_exchange_set_close(struct fata_http_exchange *ex)
{
	ex->close = 1;
}

void fata_http_exchange_on_abort(struct fata_http_exchange *ex,
		void (*fn)(void *arg, struct fata_http_exchange *ex, int error), void *arg)
{
	ex->abort_fn = fn;
	ex->abort_arg = arg;
}

int fata_http_exchange_aborted(const struct fata_http_exchange *ex)
{
	return ex->aborted;
}

/*
 * The response head.
 */

int http_build_head(struct fata_http_exchange *ex, int status, int framing, uint64_t length,
		const char *content_range, struct fata_view *out)
{
	struct http_conn *conn = ex->conn;
	const struct fata_http_server_config *c = &conn->server->config;
	enum fata_http_method m = ex->request.method;
	size_t cap = 512 + ex->fields_len + (c->server_name ? strlen(c->server_name) : 0);
	int persist = http_conn_will_persist(conn) && framing != HEAD_UNTIL_CLOSE;
	char *p;
	size_t n = 0;

	if (fata_buf_alloc(0, cap, out) != 0)
		return FATA_ENOMEM;
	p = (char *)fata_view_data(*out);

	/* RFC 9110 section 2.5: a server sends the highest version it conforms to. */
	n += (size_t)fata_snprintf(p + n, cap - n, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status,
			fata_http_reason(status), http_server_date(conn->server));
	if (c->server_name != NULL)
		n += (size_t)fata_snprintf(p + n, cap - n, "Server: %s\r\n", c->server_name);
	memcpy(p + n, ex->fields, ex->fields_len);
	n += ex->fields_len;
	if (content_range != NULL)
		n += (size_t)fata_snprintf(p + n, cap - n, "Content-Range: %s\r\n", content_range);
	if (framing == HEAD_LENGTH) {
		n += (size_t)fata_snprintf(p + n, cap - n, "Content-Length: %llu\r\n",
				(unsigned long long)length);
		if (status == 200 && (m == FATA_HTTP_GET || m == FATA_HTTP_HEAD) && !ex->streaming)
			n += (size_t)fata_snprintf(p + n, cap - n, "Accept-Ranges: bytes\r\n");
	} else if (framing == HEAD_CHUNKED) {
		n += (size_t)fata_snprintf(p + n, cap - n, "Transfer-Encoding: chunked\r\n");
	}
	if (!persist) {
		conn->close_after = 1;
		n += (size_t)fata_snprintf(p + n, cap - n, "Connection: close\r\n");
	} else if (ex->request.minor_version == 0) {
		n += (size_t)fata_snprintf(p + n, cap - n, "Connection: keep-alive\r\n");
	}
	n += (size_t)fata_snprintf(p + n, cap - n, "\r\n");
	if (n >= cap) {
		fata_view_release(out);
		return FATA_ENOSPC;
	}
	return fata_view_trim(out, n);
}

/*
 * Complete responses.
 */

/* Replaces `body` by the bytes [first, last] of it, as new references. */
static int slice_chain(struct fata_chain *body, uint64_t first, uint64_t last)
{
	struct fata_chain out;
	uint64_t pos = 0;

	fata_chain_init(&out);
	for (uint32_t i = 0; i < body->count; i++) {
		struct fata_view v = body->views[i];
		uint64_t start = pos;
		uint64_t end = pos + v.len;

		pos = end;
		if (end <= first || start > last)
			continue;

		uint64_t from = first > start ? first - start : 0;
		uint64_t to = (last + 1 < end ? last + 1 : end) - start;
		struct fata_view part;

		fata_view_slice(v, (size_t)from, (size_t)(to - from), &part);
		if (fata_chain_append(&out, fata_view_ref(part)) != 0) {
			fata_chain_release(&out);
			return FATA_ENOSPC;
		}
	}
	fata_chain_release(body);
	*body = out;
	return 0;
}

static int is_no_body_status(int status)
{
	return status == 204 || status == 304;
}

/*
 * Applies preconditions and Range to a 200 response to GET or HEAD.
 * Returns the status to send; may trim or empty `body` and fill `range`.
 */
static int apply_conditions(struct fata_http_exchange *ex, struct fata_chain *body,
		char *range, size_t range_size)
{
	const struct fata_http_request *r = &ex->request;
	int64_t now = ex->time_seconds;
	uint64_t total = body->len;

	if (ex->has_validators) {
		int pre = fata_http_preconditions(r->method, r->headers, r->header_count,
				&ex->validators, now);

		if (pre != 0) {
			fata_chain_release(body);
			return pre;
		}
	}

	/* RFC 9110 section 14.2: Range is defined for GET only. */
	const struct fata_http_header *h = fata_http_header_find(r->headers, r->header_count, "range");
	struct fata_http_range span;

	if (r->method != FATA_HTTP_GET || h == NULL
			|| !fata_http_if_range_holds(r->headers, r->header_count, &ex->validators, now))
		return 200;

	switch (fata_http_range_parse(h->value, h->value_len, total, &span)) {
	case FATA_HTTP_RANGE_SINGLE:
		if (slice_chain(body, span.first, span.last) != 0)
			return 200;
		fata_snprintf(range, range_size, "bytes %llu-%llu/%llu",
				(unsigned long long)span.first, (unsigned long long)span.last,
				(unsigned long long)total);
		return 206;
	case FATA_HTTP_RANGE_UNSATISFIABLE:
		fata_chain_release(body);
		fata_snprintf(range, range_size, "bytes */%llu", (unsigned long long)total);
		return 416;
	case FATA_HTTP_RANGE_NONE:
	case FATA_HTTP_RANGE_MULTIPLE:
		break;
	}
	return 200;
}

/* Checks that the handler may finish now. Returns 0 or the error to return. */
static int check_send(struct fata_http_exchange *ex, int status)
{
	if (ex->aborted)
		return FATA_ECONNABORTED;
	if (ex->started)
		return FATA_ESTATE;
	if (status < 200 || status > 599)
		return FATA_EINVAL;
	return 0;
}

/* Writes the head and body. On failure the connection is aborted, which frees the exchange. */
static void write_response(struct fata_http_exchange *ex, int status, struct fata_chain *body,
		const char *range)
{
	struct http_conn *conn = ex->conn;
	int send_body = ex->request.method != FATA_HTTP_HEAD && !is_no_body_status(status);
	int framing = is_no_body_status(status) ? HEAD_NO_BODY : HEAD_LENGTH;
	struct fata_view views[FATA_CHAIN_MAX + 1];
	size_t count = 0;
	int rc = http_build_head(ex, status, framing, body->len, range[0] ? range : NULL, &views[0]);

	if (rc != 0) {
		fata_chain_release(body);
		fata_log(FATA_LOG_WARN, "http", "cannot build a response head: %s", fata_strerror(rc));
		http_conn_abort(conn, rc);
		return;
	}
	count = 1;
	if (send_body) {
		for (uint32_t i = 0; i < body->count; i++)
			views[count++] = body->views[i];
		ex->body_bytes = body->len;
	}
	http_server_count_status(conn->server, status);
	rc = http_conn_write(conn, views, count, WRITE_RESPONSE);
	fata_view_release(&views[0]);
	fata_chain_release(body);
	if (rc != 0)
		http_conn_abort(conn, rc);
}

int fata_http_exchange_send_chain(struct fata_http_exchange *ex, int status, struct fata_chain *body)
{
	int rc = check_send(ex, status);
	char range[80] = "";

	if (rc == FATA_ECONNABORTED) {
		fata_chain_release(body);
		http_exchange_free(ex);
		return rc;
	}
	if (rc != 0) {
		fata_chain_release(body);
		return rc;
	}
	ex->started = 1;
	ex->finished = 1;

	enum fata_http_method m = ex->request.method;

	if (status == 200 && (m == FATA_HTTP_GET || m == FATA_HTTP_HEAD))
		status = apply_conditions(ex, body, range, sizeof(range));
	if (is_no_body_status(status))
		fata_chain_release(body);
	ex->status = status;
	write_response(ex, status, body, range);
	return 0;
}

int fata_http_exchange_send(struct fata_http_exchange *ex, int status, struct fata_view body)
{
	struct fata_chain chain;

	fata_chain_init(&chain);
	if (fata_chain_append(&chain, body) != 0)
		fata_view_release(&body);
	return fata_http_exchange_send_chain(ex, status, &chain);
}

int fata_http_exchange_send_text(struct fata_http_exchange *ex, int status,
		const char *content_type, const char *text)
{
	struct fata_view body = { 0 };
	size_t len = strlen(text);
	int rc = check_send(ex, status);

	if (rc != 0)
		return fata_http_exchange_send(ex, status, body);
	if (content_type != NULL) {
		rc = fata_http_exchange_add_header(ex, "Content-Type", content_type);
		if (rc != 0)
			return rc;
	}
	if (len > 0 && fata_buf_copy(text, len, 0, &body) != 0)
		return FATA_ENOMEM;
	return fata_http_exchange_send(ex, status, body);
}

/*
 * The client's connection work: connecting, sending the active request,
 * reading its response head and body, reusing or dropping the connection.
 *
 * One request is active at a time. The response head is collected in `in`
 * and copied to the response's own storage once complete. Body bytes go
 * from `in` straight into the body buffer.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>

#include "client_internal.h"
#include "http_internal.h"

static void on_read(void *arg, int status, union fata_value value);
static void on_timer(void *arg, struct fata_timer *timer);
static void process_input(struct fata_http_client *c);

void http_client_init_timer(struct fata_http_client *c)
{
	fata_timer_init(&c->timer, on_timer, c);
}

void http_client_reset_response(struct fata_http_client *c)
{
	fata_free(c->storage);
	fata_free(c->body);
	c->storage = NULL;
	c->body = NULL;
	c->body_len = c->body_cap = 0;
	c->head_len = 0;
	c->in_len = 0;
	c->got_bytes = 0;
	c->phase = PHASE_IDLE;
}

void http_client_drop_connection(struct fata_http_client *c)
{
	fata_timer_cancel(c->loop, &c->timer);
	fata_promise_cancel(c->connect_p);
	fata_promise_cancel(c->read_p);
	fata_promise_cancel(c->write_p);
	c->connect_p = c->read_p = c->write_p = NULL;
	if (c->flow != NULL)
		http_flow_close(c->flow);
	c->flow = NULL;
	c->flow_uses = 0;
	fata_free(c->in);
	c->in = NULL;
	c->in_cap = 0;
	http_client_reset_response(c);
}

/* Rejects the active request. The connection is dropped: its state is unknown. */
static void fail_active(struct fata_http_client *c, int error)
{
	struct client_req *req = c->active;

	c->active = NULL;
	http_client_drop_connection(c);
	if (req != NULL) {
		fata_promise_reject(req->promise, error);
		http_client_req_free(req);
	}
	http_client_start_next(c);
}

static int idempotent(enum fata_http_method m)
{
	return m == FATA_HTTP_GET || m == FATA_HTTP_HEAD || m == FATA_HTTP_PUT
			|| m == FATA_HTTP_DELETE || m == FATA_HTTP_OPTIONS || m == FATA_HTTP_TRACE;
}

/*
 * Handles a connection that ended before any byte of the response. A
 * server may close an idle persistent connection just as a request goes
 * out (RFC 9112 section 9.3.1), so an idempotent request on a reused
 * connection is sent once more on a new one.
 */
static void connection_lost(struct fata_http_client *c, int error)
{
	struct client_req *req = c->active;

	if (req != NULL && !c->got_bytes && c->flow_uses > 0 && !req->retried
			&& idempotent(req->method) && c->config.connect != NULL) {
		req->retried = 1;
		c->stats.retries++;
		c->active = NULL;
		http_client_drop_connection(c);
		req->next = c->queue;
		c->queue = req;
		if (c->queue_tail == NULL)
			c->queue_tail = req;
		http_client_start_next(c);
		return;
	}
	fail_active(c, error);
}

static void read_more(struct fata_http_client *c)
{
	if (c->read_p != NULL)
		return;
	c->read_p = fata_flow_read(c->flow);
	if (c->read_p == NULL) {
		fail_active(c, FATA_ENOMEM);
		return;
	}
	fata_promise_then(c->read_p, on_read, c);
}

static void on_written(void *arg, int status, union fata_value value)
{
	struct fata_http_client *c = arg;

	c->write_p = NULL;
	if (status < 0) {
		connection_lost(c, status);
		return;
	}
	c->stats.bytes_sent += value.u64;
}

static void send_active(struct fata_http_client *c)
{
	struct client_req *req = c->active;
	struct fata_view views[2] = { req->head, req->body };

	if (c->flow_uses > 0)
		c->stats.connections_reused++;
	c->write_p = fata_flow_writev(c->flow, views, fata_view_is_null(req->body) ? 1 : 2);
	if (c->write_p == NULL) {
		fail_active(c, FATA_ENOMEM);
		return;
	}
	fata_promise_then(c->write_p, on_written, c);
	fata_http_parser_init_response(&c->parser, &c->config.limits, req->method);
	c->phase = PHASE_HEAD;
	read_more(c);
}

static void on_connect(void *arg, int status, union fata_value value)
{
	struct fata_http_client *c = arg;

	c->connect_p = NULL;
	if (status < 0) {
		fata_log(FATA_LOG_DEBUG, "http", "client connect failed: %s", fata_strerror(status));
		fail_active(c, status);
		return;
	}
	c->flow = value.ptr;
	c->flow_uses = 0;
	c->stats.connections_opened++;
	send_active(c);
}

void http_client_start_next(struct fata_http_client *c)
{
	struct client_req *req = c->queue;

	if (c->active != NULL || req == NULL)
		return;
	c->queue = req->next;
	if (c->queue == NULL)
		c->queue_tail = NULL;
	req->next = NULL;
	c->active = req;
	http_client_reset_response(c);

	if (fata_timer_arm(c->loop, &c->timer, fata_loop_now(c->loop) + c->config.timeout_ns) != 0) {
		fail_active(c, FATA_ENOMEM);
		return;
	}
	if (c->flow != NULL) {
		send_active(c);
		return;
	}
	if (c->config.connect == NULL) {
		fail_active(c, FATA_ENOTCONN);
		return;
	}
	c->phase = PHASE_CONNECTING;
	c->connect_p = c->config.connect(c->config.connect_arg);
	if (c->connect_p == NULL) {
		fail_active(c, FATA_ENOMEM);
		return;
	}
	fata_promise_then(c->connect_p, on_connect, c);
}

static void on_timer(void *arg, struct fata_timer *timer)
{
	struct fata_http_client *c = arg;

	(void)timer;
	c->stats.timeouts++;
	fail_active(c, FATA_ETIMEDOUT);
}

/*
 * Input.
 */

/* Appends read bytes to `in`, which grows up to the head limit plus 64 KiB. */
static int append_input(struct fata_http_client *c, struct fata_view v)
{
	size_t need = c->in_len + v.len;

	if (need > c->in_cap) {
		size_t limit = (size_t)c->config.limits.max_head_bytes + 65536;
		size_t cap = c->in_cap ? c->in_cap : 8192;

		while (cap < need)
			cap *= 2;
		if (cap > limit)
			cap = limit > need ? limit : need;

		uint8_t *grown = fata_realloc(c->in, cap);

		if (grown == NULL)
			return FATA_ENOMEM;
		c->in = grown;
		c->in_cap = cap;
	}
	memcpy(c->in + c->in_len, fata_view_data(v), v.len);
	c->in_len += v.len;
	return 0;
}

static void consume_input(struct fata_http_client *c, size_t n)
{
	if (n == 0)
		return;
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static void count_status(struct fata_http_client *c, int status)
{
	if (status < 200)
		c->stats.responses_1xx++;
	else if (status < 300)
		c->stats.responses_2xx++;
	else if (status < 400)
		c->stats.responses_3xx++;
	else if (status < 500)
		c->stats.responses_4xx++;
	else
		c->stats.responses_5xx++;
}

/* Appends body bytes, enforcing max_response_bytes. */
static int append_body(struct fata_http_client *c, const uint8_t *data, size_t len)
{
	size_t need = c->body_len + len;

	if (len == 0)
		return 0;
	if (need > c->config.max_response_bytes) {
		c->stats.too_large++;
		return FATA_ELIMIT;
	}
	if (need > c->body_cap) {
		size_t cap = c->body_cap ? c->body_cap : 4096;

		while (cap < need)
			cap *= 2;

		uint8_t *grown = fata_realloc(c->body, cap);

		if (grown == NULL)
			return FATA_ENOMEM;
		c->body = grown;
		c->body_cap = cap;
	}
	memcpy(c->body + c->body_len, data, len);
	c->body_len += len;
	return 0;
}

/* Copies the completed head into storage; interim responses are skipped. */
static int take_head(struct fata_http_client *c, size_t head_len)
{
	if (c->head.status == 101)
		return FATA_ENOTSUP;
	if (c->head.status < 200) {
		count_status(c, c->head.status);
		consume_input(c, head_len);
		fata_http_parser_init_response(&c->parser, &c->config.limits, c->active->method);
		return 0;
	}
	if (c->head.body_kind == FATA_HTTP_BODY_LENGTH
			&& c->head.content_length > c->config.max_response_bytes) {
		c->stats.too_large++;
		return FATA_ELIMIT;
	}
	c->storage = fata_alloc(head_len);
	if (c->storage == NULL)
		return FATA_ENOMEM;
	memcpy(c->storage, c->in, head_len);
	c->head_len = head_len;
	consume_input(c, head_len);
	c->body_remaining = c->head.content_length;
	fata_http_chunked_init(&c->chunked, 0, 0);
	c->phase = PHASE_BODY;
	return 0;
}

static void free_body(void *ctx, struct fata_block *block)
{
	(void)ctx;
	fata_free(block->data);
}

/* Builds the response object from storage, trailers and body. */
static int build_response(struct fata_http_client *c, const uint8_t *trailers,
		size_t trailers_len, struct fata_http_client_response **out)
{
	struct fata_http_client_response *r = fata_calloc(1, sizeof(*r));
	struct fata_http_parser parser;

	if (r == NULL)
		return FATA_ENOMEM;
	if (trailers_len > 0) {
		uint8_t *grown = fata_realloc(c->storage, c->head_len + trailers_len);

		if (grown == NULL) {
			fata_free(r);
			return FATA_ENOMEM;
		}
		c->storage = grown;
		memcpy(c->storage + c->head_len, trailers, trailers_len);
	}

	/* Parse the copy again so the fields point into the response's own storage. */
	struct fata_http_response *head = fata_alloc(sizeof(*head));

	if (head == NULL) {
		fata_free(r);
		return FATA_ENOMEM;
	}
	fata_http_parser_init_response(&parser, &c->config.limits, c->active->method);
	fata_http_parse_response(&parser, c->storage, c->head_len, head);
	r->status = head->status;
	r->minor_version = head->minor_version;
	r->reason = head->reason;
	r->reason_len = head->reason_len;
	memcpy(r->headers, head->headers, sizeof(r->headers));
	r->header_count = head->header_count;
	fata_free(head);

	int n = fata_http_fields_split(c->storage + c->head_len, trailers_len, r->trailers,
			FATA_HTTP_MAX_HEADERS);

	r->trailer_count = n > 0 ? (size_t)n : 0;
	if (c->body_len > 0) {
		if (fata_buf_wrap(c->body, c->body_len, free_body, NULL, &r->body) != 0) {
			fata_free(r);
			return FATA_ENOMEM;
		}
		c->body = NULL;
		c->body_len = c->body_cap = 0;
	}
	r->storage = c->storage;
	c->storage = NULL;
	*out = r;
	return 0;
}

/*
 * Hands the response to the caller. `consumed` input bytes (the end of a
 * chunked body, where `trailers` points) are dropped once copied.
 */
static void complete(struct fata_http_client *c, const uint8_t *trailers, size_t trailers_len,
		size_t consumed)
{
	struct client_req *req = c->active;
	struct fata_http_client_response *r;
	int rc = build_response(c, trailers, trailers_len, &r);

	if (rc != 0) {
		fail_active(c, rc);
		return;
	}
	consume_input(c, consumed);
	count_status(c, r->status);

	/*
	 * Bytes after the response mean the server sent something unrequested.
	 * A write still pending means the server responded early. In both
	 * cases the connection's state is unclear, so it is dropped.
	 */
	int reuse = c->head.keep_alive && !req->wants_close && c->in_len == 0 && c->write_p == NULL;

	c->active = NULL;
	fata_timer_cancel(c->loop, &c->timer);
	if (reuse) {
		c->flow_uses++;
		http_client_reset_response(c);
	} else {
		http_client_drop_connection(c);
	}
	fata_promise_fulfill_owned(req->promise, (union fata_value){ .ptr = r },
			fata_http_client_response_release);
	http_client_req_free(req);
	http_client_start_next(c);
}

/* Takes body bytes from `in`. Returns 1 when the response completed, 0 for more, or an error. */
static int process_body(struct fata_http_client *c)
{
	if (c->head.body_kind == FATA_HTTP_BODY_NONE) {
		complete(c, NULL, 0, 0);
		return 1;
	}
	if (c->head.body_kind == FATA_HTTP_BODY_LENGTH) {
		size_t n = c->body_remaining < c->in_len ? (size_t)c->body_remaining : c->in_len;
		int rc = append_body(c, c->in, n);

		if (rc != 0)
			return rc;
		consume_input(c, n);
		c->body_remaining -= n;
		if (c->body_remaining > 0)
			return 0;
		complete(c, NULL, 0, 0);
		return 1;
	}
	if (c->head.body_kind == FATA_HTTP_BODY_UNTIL_CLOSE) {
		int rc = append_body(c, c->in, c->in_len);

		c->in_len = 0;
		return rc;
	}
	for (;;) {
		struct fata_http_chunked_out out;
		int rc = fata_http_chunked_decode(&c->chunked, c->in, c->in_len, &out);

		if (rc < 0) {
			c->stats.parse_errors++;
			return rc;
		}
		if (out.data_len > 0) {
			rc = append_body(c, out.data, out.data_len);
			if (rc != 0)
				return rc;
		}
		if (out.done) {
			complete(c, out.trailers, out.trailers_len, out.consumed);
			return 1;
		}
		consume_input(c, out.consumed);
		if (out.data_len == 0)
			return 0;
	}
}

static void process_input(struct fata_http_client *c)
{
	while (c->phase == PHASE_HEAD) {
		int rc = fata_http_parse_response(&c->parser, c->in, c->in_len, &c->head);

		if (rc == FATA_EINCOMPLETE) {
			read_more(c);
			return;
		}
		if (rc < 0) {
			c->stats.parse_errors++;
			fail_active(c, rc);
			return;
		}
		rc = take_head(c, (size_t)rc);
		if (rc != 0) {
			fail_active(c, rc);
			return;
		}
	}

	int rc = process_body(c);

	if (rc < 0)
		fail_active(c, rc);
	else if (rc == 0)
		read_more(c);
}

static void on_read(void *arg, int status, union fata_value value)
{
	struct fata_http_client *c = arg;

	c->read_p = NULL;
	if (status < 0) {
		connection_lost(c, status);
		return;
	}
	if (value.view.len == 0) {
		fata_view_release(&value.view);
		if (c->phase == PHASE_BODY && c->head.body_kind == FATA_HTTP_BODY_UNTIL_CLOSE) {
			c->head.keep_alive = 0;
			complete(c, NULL, 0, 0);
			return;
		}
		connection_lost(c, FATA_ETRUNCATED);
		return;
	}
	c->got_bytes = 1;
	c->stats.bytes_received += value.view.len;

	int rc = append_input(c, value.view);

	fata_view_release(&value.view);
	if (rc != 0) {
		fail_active(c, rc);
		return;
	}
	process_input(c);
}

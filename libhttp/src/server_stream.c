/*
 * Streamed responses: the head goes out with the first write, the body as
 * chunks (HTTP/1.1, unknown length), as counted bytes (known length) or
 * until the connection closes (HTTP/1.0, unknown length).
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/fmt.h>

#include "http_internal.h"
#include "server_internal.h"

int fata_http_exchange_stream_begin(struct fata_http_exchange *ex, int status,
		int64_t content_length)
{
	int framing;
	int rc;

	if (ex->aborted)
		return FATA_ECONNABORTED;
	if (ex->started)
		return FATA_ESTATE;
	if (status < 200 || status > 599 || content_length < -1)
		return FATA_EINVAL;

	int no_body_status = status == 204 || status == 304;

	ex->no_body = no_body_status || ex->request.method == FATA_HTTP_HEAD;
	if (no_body_status)
		framing = HEAD_NO_BODY;
	else if (content_length >= 0)
		framing = HEAD_LENGTH;
	else if (ex->request.method == FATA_HTTP_HEAD)
		framing = HEAD_NO_BODY;
	else if (ex->request.minor_version >= 1)
		framing = HEAD_CHUNKED;
	else
		framing = HEAD_UNTIL_CLOSE;

	ex->streaming = 1;
	rc = http_build_head(ex, status, framing, content_length < 0 ? 0 : (uint64_t)content_length,
			NULL, &ex->pending_head);
	if (rc != 0) {
		ex->streaming = 0;
		return rc;
	}
	ex->started = 1;
	ex->status = status;
	ex->chunked = framing == HEAD_CHUNKED;
	ex->stream_length = content_length;
	http_server_count_status(ex->conn->server, status);
	return 0;
}

static void on_user_write_cancel(void *ctx, struct fata_promise *promise)
{
	struct fata_http_exchange *ex = ctx;

	(void)promise;
	ex->user_write = NULL;
}

void http_conn_stream_written(struct http_conn *conn, int status, uint64_t bytes)
{
	struct fata_http_exchange *ex = conn->ex;

	(void)bytes;
	if (ex == NULL || ex->user_write == NULL)
		return;

	struct fata_promise *p = ex->user_write;

	ex->user_write = NULL;
	fata_promise_settle(p, status, (union fata_value){ .u64 = ex->body_bytes }, NULL);
}

/* Appends a copy of `len` bytes to views[*count]. */
static int add_copy(struct fata_view *views, size_t *count, const void *data, size_t len)
{
	if (fata_buf_copy(data, len, 0, &views[*count]) != 0)
		return FATA_ENOMEM;
	(*count)++;
	return 0;
}

static void release_views(struct fata_view *views, size_t count)
{
	for (size_t i = 0; i < count; i++)
		fata_view_release(&views[i]);
}

/* Builds the writes of one body part: the pending head, then the data, framed. */
static int frame_part(struct fata_http_exchange *ex, struct fata_view data,
		struct fata_view *views, size_t *count)
{
	char line[FATA_HTTP_CHUNK_LINE_MAX + 1];

	*count = 0;
	if (!fata_view_is_null(ex->pending_head)) {
		views[(*count)++] = ex->pending_head;
		ex->pending_head = (struct fata_view){ 0 };
	}
	if (ex->no_body || data.len == 0)
		return 0;
	if (ex->chunked) {
		int n = fata_http_chunk_line(line, sizeof(line), data.len);

		if (n < 0 || add_copy(views, count, line, (size_t)n) != 0)
			return FATA_ENOMEM;
	}
	views[(*count)++] = fata_view_ref(data);
	if (ex->chunked && add_copy(views, count, "\r\n", 2) != 0)
		return FATA_ENOMEM;
	return 0;
}

struct fata_promise *fata_http_exchange_stream_write(struct fata_http_exchange *ex,
		struct fata_view data)
{
	struct fata_view views[4];
	size_t count;
	struct fata_promise *p;

	if (ex->aborted)
		return fata_promise_rejected(ex->loop, "http.stream", FATA_ECONNABORTED);
	if (!ex->streaming || ex->finished)
		return fata_promise_rejected(ex->loop, "http.stream", FATA_ESTATE);
	if (ex->user_write != NULL)
		return fata_promise_rejected(ex->loop, "http.stream", FATA_EBUSY);
	if (ex->stream_length >= 0 && ex->body_bytes + data.len > (uint64_t)ex->stream_length)
		return fata_promise_rejected(ex->loop, "http.stream", FATA_ERANGE);

	if (frame_part(ex, data, views, &count) != 0) {
		release_views(views, count);
		return fata_promise_rejected(ex->loop, "http.stream", FATA_ENOMEM);
	}
	ex->body_bytes += data.len;
	if (count == 0)
		return fata_promise_resolved(ex->loop, "http.stream", (union fata_value){ .u64 = ex->body_bytes });

	p = fata_promise_new(ex->loop, "http.stream");
	if (p == NULL) {
		release_views(views, count);
		return NULL;
	}

	int rc = http_conn_write(ex->conn, views, count, WRITE_STREAM);

	release_views(views, count);
	if (rc != 0) {
		fata_promise_reject(p, rc);
		return p;
	}
	ex->user_write = p;
	fata_promise_on_cancel(p, on_user_write_cancel, ex);
	return p;
}

/* Ends the exchange early: the connection cannot frame another response. */
static struct fata_promise *end_broken(struct fata_http_exchange *ex, int error)
{
	struct fata_loop *loop = ex->loop;

	ex->finished = 1;
	http_conn_abort(ex->conn, error);
	return fata_promise_rejected(loop, "http.stream.end", error);
}

static void on_end_cancel(void *ctx, struct fata_promise *promise)
{
	struct http_conn *conn = ctx;

	(void)promise;
	conn->end_p = NULL;
}

struct fata_promise *fata_http_exchange_stream_end(struct fata_http_exchange *ex)
{
	struct fata_loop *loop = ex->loop;
	struct fata_view views[2];
	size_t count = 0;
	int rc;

	if (ex->aborted) {
		http_exchange_free(ex);
		return fata_promise_rejected(loop, "http.stream.end", FATA_ECONNABORTED);
	}
	if (!ex->streaming || ex->finished)
		return fata_promise_rejected(loop, "http.stream.end", FATA_ESTATE);
	if (ex->user_write != NULL)
		return end_broken(ex, FATA_EBUSY);
	if (!ex->no_body && ex->stream_length >= 0 && ex->body_bytes < (uint64_t)ex->stream_length)
		return end_broken(ex, FATA_ERANGE);

	struct fata_promise *p = fata_promise_new(loop, "http.stream.end");

	if (p == NULL)
		return end_broken(ex, FATA_ENOMEM);

	ex->finished = 1;
	if (!fata_view_is_null(ex->pending_head)) {
		views[count++] = ex->pending_head;
		ex->pending_head = (struct fata_view){ 0 };
	}

	/* RFC 9112 section 7.1: the last chunk, the trailer section, an empty line. */
	if (ex->chunked) {
		char end[HTTP_TRAILERS_MAX + 8];
		size_t n = 0;

		memcpy(end, "0\r\n", 3);
		n = 3;
		memcpy(end + n, ex->response_trailers, ex->response_trailers_len);
		n += ex->response_trailers_len;
		memcpy(end + n, "\r\n", 2);
		n += 2;
		if (add_copy(views, &count, end, n) != 0) {
			release_views(views, count);
			fata_promise_reject(p, FATA_ENOMEM);
			http_conn_abort(ex->conn, FATA_ENOMEM);
			return p;
		}
	}

	struct http_conn *conn = ex->conn;

	conn->end_p = p;
	fata_promise_on_cancel(p, on_end_cancel, conn);
	if (count > 0)
		rc = http_conn_write(conn, views, count, WRITE_RESPONSE);
	else
		rc = http_conn_finish_without_write(conn);
	release_views(views, count);
	if (rc != 0)
		http_conn_abort(conn, rc);
	return p;
}

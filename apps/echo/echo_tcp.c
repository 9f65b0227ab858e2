/*
 * The TCP services. Each connection runs one read and at most one write at
 * a time. Echo writes back what it read before it reads again, so a slow
 * reader slows the writer down instead of filling memory. Discard only
 * reads. Chargen writes until the peer closes, and reads to notice that.
 */
#include <stdlib.h>
#include <string.h>

#include "echo.h"

/*
 * Lines written per chargen write: 65490 bytes, so the stack can send a
 * whole 64 KiB TSO frame from one write.
 */
#define CHARGEN_LINES_PER_WRITE 885

static void conn_read(struct echo_conn *c);
static void chargen_write(struct echo_conn *c);

static void close_settled(void *arg, int status, union fata_value value)
{
	(void)status;
	(void)value;
	echo_close_settled(arg);
}

/* Cancels what is pending, closes the flow and frees the connection. */
static void conn_close(struct echo_conn *c, int error)
{
	struct echo_app *app = c->app;
	struct fata_promise *closed;

	/* A peer that resets or stops reading is ordinary for these services. */
	if (error < 0 && error != FATA_ECONNRESET && error != FATA_EPIPE)
		fata_log(FATA_LOG_INFO, "echo", "%s connection from %s failed: %s",
				app->services[c->kind].name, c->peer, fata_strerror(error));
	fata_log(FATA_LOG_DEBUG, "echo", "%s connection from %s closed: %llu bytes in, %llu out",
			app->services[c->kind].name, c->peer, (unsigned long long)c->bytes_in,
			(unsigned long long)c->bytes_out);

	fata_promise_cancel(c->read);
	fata_promise_cancel(c->write);
	fata_view_release(&c->pending);

	closed = fata_flow_close(c->flow);
	if (closed) {
		app->closing++;
		fata_promise_then(closed, close_settled, app);
	}

	if (c->prev)
		c->prev->next = c->next;
	else
		app->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	app->connections--;
	free(c);
}

static void shutdown_done(void *arg, int status, union fata_value value)
{
	struct echo_conn *c = arg;

	(void)value;
	c->write = NULL;
	conn_close(c, status);
}

/* The peer ended its side: end ours once our writes are out (echo and discard). */
static void finish_after_eof(struct echo_conn *c)
{
	c->read_done = 1;
	if (c->kind == ECHO_CHARGEN || c->write)
		return;
	c->write = fata_flow_shutdown(c->flow);
	if (!c->write) {
		conn_close(c, FATA_ENOMEM);
		return;
	}
	fata_promise_then(c->write, shutdown_done, c);
}

static void echo_written(void *arg, int status, union fata_value value)
{
	struct echo_conn *c = arg;

	(void)value;
	c->write = NULL;
	fata_view_release(&c->pending);
	if (status < 0) {
		conn_close(c, status);
		return;
	}
	if (c->read_done)
		finish_after_eof(c);
	else
		conn_read(c);
}

static void got_data(void *arg, int status, union fata_value value)
{
	struct echo_conn *c = arg;

	c->read = NULL;
	if (status < 0) {
		conn_close(c, status);
		return;
	}
	if (value.view.len == 0) {
		fata_view_release(&value.view);
		if (c->kind == ECHO_CHARGEN) {
			conn_close(c, 0);
			return;
		}
		finish_after_eof(c);
		return;
	}

	c->bytes_in += value.view.len;
	if (c->kind != ECHO_ECHO) {
		fata_view_release(&value.view);
		conn_read(c);
		return;
	}

	/* RFC 862: send back any data received, then read on. */
	c->pending = value.view;
	c->write = fata_flow_write(c->flow, c->pending);
	if (!c->write) {
		conn_close(c, FATA_ENOMEM);
		return;
	}
	c->bytes_out += c->pending.len;
	fata_promise_then(c->write, echo_written, c);
}

static void conn_read(struct echo_conn *c)
{
	c->read = fata_flow_read(c->flow);
	if (!c->read) {
		conn_close(c, FATA_ENOMEM);
		return;
	}
	fata_promise_then(c->read, got_data, c);
}

static void chargen_written(void *arg, int status, union fata_value value)
{
	struct echo_conn *c = arg;

	(void)value;
	c->write = NULL;
	if (status < 0) {
		conn_close(c, status);
		return;
	}
	chargen_write(c);
}

/*
 * RFC 864: send lines until the peer closes the connection. Each write is
 * a slice of the shared stream buffer, which the stack references rather
 * than copies.
 */
static void chargen_write(struct echo_conn *c)
{
	struct fata_view lines;
	size_t len = (size_t)CHARGEN_LINES_PER_WRITE * CHARGEN_LINE;

	if (fata_view_slice(c->app->chargen_stream, (size_t)c->chargen_line * CHARGEN_LINE, len,
			&lines) < 0) {
		conn_close(c, FATA_ENOMEM);
		return;
	}
	c->chargen_line = (c->chargen_line + CHARGEN_LINES_PER_WRITE) % CHARGEN_CHARS;
	c->write = fata_flow_write(c->flow, lines);
	if (!c->write) {
		conn_close(c, FATA_ENOMEM);
		return;
	}
	c->bytes_out += len;
	fata_promise_then(c->write, chargen_written, c);
}

/* Fills the chargen stream buffer: one period of lines plus one write's worth. */
static int chargen_stream_init(struct echo_app *app)
{
	size_t lines = CHARGEN_CHARS + CHARGEN_LINES_PER_WRITE;

	if (!fata_view_is_null(app->chargen_stream))
		return 0;
	if (fata_buf_alloc(0, lines * CHARGEN_LINE, &app->chargen_stream) < 0)
		return FATA_ENOMEM;
	echo_chargen_fill(fata_view_data(app->chargen_stream), lines, 0);
	return 0;
}

static void accept_next(struct echo_service *svc);

static void start_conn(struct echo_service *svc, struct fata_flow *flow)
{
	struct echo_app *app = svc->app;
	struct fata_sockaddr remote;
	struct echo_conn *c;

	if (app->connections >= app->max_connections || !(c = calloc(1, sizeof(*c)))) {
		fata_log(FATA_LOG_WARN, "echo", "%s: refusing a connection: %u connections open "
				"(limit %u, set with --max-connections)", svc->name, app->connections,
				app->max_connections);
		struct fata_promise *closed = fata_flow_close(flow);

		if (closed) {
			app->closing++;
			fata_promise_then(closed, close_settled, app);
		}
		return;
	}
	c->app = app;
	c->kind = svc->kind;
	c->flow = flow;
	strcpy(c->peer, "?");
	if (fata_flow_get_addrs(flow, NULL, &remote) == 0)
		fata_sockaddr_format(&remote, c->peer, sizeof(c->peer));

	c->next = app->conns;
	if (app->conns)
		app->conns->prev = c;
	app->conns = c;
	app->connections++;
	fata_log(FATA_LOG_DEBUG, "echo", "%s connection from %s", svc->name, c->peer);

	if (c->kind == ECHO_CHARGEN)
		chargen_write(c);
	conn_read(c);
}

static void accepted(void *arg, int status, union fata_value value)
{
	struct echo_service *svc = arg;

	svc->accept = NULL;
	if (status < 0) {
		fata_log(FATA_LOG_ERROR, "echo", "%s: accepting on TCP port %u failed: %s; "
				"no more TCP connections on it", svc->name, svc->port, fata_strerror(status));
		return;
	}
	start_conn(svc, value.ptr);
	accept_next(svc);
}

static void accept_next(struct echo_service *svc)
{
	svc->accept = fata_listener_accept(svc->listener);
	if (!svc->accept) {
		fata_log(FATA_LOG_ERROR, "echo", "%s: out of memory accepting on TCP port %u",
				svc->name, svc->port);
		return;
	}
	fata_promise_then(svc->accept, accepted, svc);
}

int echo_tcp_start(struct echo_service *svc)
{
	struct fata_sockaddr local;
	int rc;

	if (svc->kind == ECHO_CHARGEN && chargen_stream_init(svc->app) < 0) {
		fata_log(FATA_LOG_ERROR, "echo", "%s: cannot allocate the chargen stream: %s",
				svc->name, fata_strerror(FATA_ENOMEM));
		return FATA_ENOMEM;
	}

	memset(&local, 0, sizeof(local));
	local.ip.family = FATA_AF_INET;
	local.port = svc->port;
	rc = fata_stack_listen(svc->app->app.stack, &local, 128, NULL, &svc->listener);
	if (rc < 0) {
		fata_log(rc == FATA_ENOTSUP ? FATA_LOG_WARN : FATA_LOG_ERROR, "echo",
				"%s: cannot listen on TCP port %u: %s", svc->name, svc->port,
				fata_strerror(rc));
		svc->listener = NULL;
		return rc;
	}
	accept_next(svc);
	return 0;
}

void echo_tcp_stop(struct echo_app *app)
{
	for (int k = 0; k < ECHO_KIND_COUNT; k++) {
		struct echo_service *svc = &app->services[k];

		fata_promise_cancel(svc->accept);
		svc->accept = NULL;
		if (svc->listener)
			fata_listener_close(svc->listener);
		svc->listener = NULL;
	}
	/* Writes still queued keep their own references to the block. */
	fata_view_release(&app->chargen_stream);
	while (app->conns)
		conn_close(app->conns, 0);
}

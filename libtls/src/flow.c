/*
 * The flow operations of a TLS flow. Each records the request and runs the
 * pump (pump.c), which moves bytes between the engine, the lower flow and
 * the pending requests.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tls_internal.h"

static struct tls_conn *conn_of(struct fata_flow *flow)
{
	return (struct tls_conn *)flow;
}

void tls_write_free(struct tls_write *req)
{
	size_t i;

	for (i = 0; i < req->count; i++)
		fata_view_release(&req->views[i]);
	fata_free(req);
}

void tls_reject_pending(struct tls_conn *conn, int error)
{
	struct tls_write *req;

	if (conn->read) {
		fata_promise_reject(conn->read, error);
		conn->read = NULL;
	}
	while ((req = conn->write_head) != NULL) {
		conn->write_head = req->next;
		if (req->promise)
			fata_promise_reject(req->promise, error);
		tls_write_free(req);
	}
	conn->write_tail = NULL;
	if (conn->handshake) {
		fata_promise_reject(conn->handshake, error);
		conn->handshake = NULL;
	}
	if (conn->shutdown) {
		fata_promise_reject(conn->shutdown, error);
		conn->shutdown = NULL;
	}
}

static void read_canceled(void *ctx, struct fata_promise *promise)
{
	struct tls_conn *conn = ctx;

	(void)promise;
	conn->read = NULL;
}

static struct fata_promise *tls_read(struct fata_flow *flow)
{
	struct tls_conn *conn = conn_of(flow);
	struct fata_promise *p;

	if (conn->read)
		return fata_promise_rejected(flow->loop, "tls.read", FATA_EBUSY);
	p = fata_promise_new(flow->loop, "tls.read");
	if (!p)
		return NULL;
	conn->read = p;
	fata_promise_on_cancel(p, read_canceled, conn);
	tls_pump(conn);
	return p;
}

/* Forgets a canceled write; one already partly encrypted still completes. */
static void write_canceled(void *ctx, struct fata_promise *promise)
{
	struct tls_write *req = ctx;
	struct tls_conn *conn = req->conn;
	struct tls_write **link = &conn->write_head;
	struct tls_write *prev = NULL;

	(void)promise;
	req->promise = NULL;
	if (req == conn->write_head && (req->index > 0 || req->offset > 0))
		return;
	while (*link != req) {
		prev = *link;
		link = &(*link)->next;
	}
	*link = req->next;
	if (conn->write_tail == req)
		conn->write_tail = prev;
	tls_write_free(req);
}

/* Returns why a write cannot be taken now, or 0. */
static int write_refused(const struct tls_conn *conn)
{
	if (conn->error)
		return conn->error;
	if (conn->peer_closed || conn->shutdown_requested)
		return FATA_EPIPE;
	return 0;
}

static struct tls_write *write_new(struct tls_conn *conn, const struct fata_view *views,
		size_t count, uint64_t total)
{
	struct tls_write *req = fata_calloc(1, sizeof *req + count * sizeof *views);
	size_t i;

	if (!req)
		return NULL;
	req->conn = conn;
	req->total = total;
	for (i = 0; i < count; i++) {
		if (views[i].len > 0)
			req->views[req->count++] = fata_view_ref(views[i]);
	}
	return req;
}

static struct fata_promise *tls_writev(struct fata_flow *flow, const struct fata_view *views,
		size_t count)
{
	struct tls_conn *conn = conn_of(flow);
	union fata_value value = { .u64 = 0 };
	struct fata_promise *p;
	struct tls_write *req;
	uint64_t total = 0;
	size_t i;
	int refused;

	if (count > 0 && !views)
		return fata_promise_rejected(flow->loop, "tls.write", FATA_EINVAL);
	for (i = 0; i < count; i++)
		total += views[i].len;
	refused = write_refused(conn);
	if (refused < 0)
		return fata_promise_rejected(flow->loop, "tls.write", refused);
	if (total == 0)
		return fata_promise_resolved(flow->loop, "tls.write", value);

	req = write_new(conn, views, count, total);
	if (!req)
		return NULL;
	p = fata_promise_new(flow->loop, "tls.write");
	if (!p) {
		tls_write_free(req);
		return NULL;
	}
	req->promise = p;
	fata_promise_on_cancel(p, write_canceled, req);
	if (conn->write_tail)
		conn->write_tail->next = req;
	else
		conn->write_head = req;
	conn->write_tail = req;
	/* The pump may finish and free `req` at once. */
	tls_pump(conn);
	return p;
}

static void shutdown_canceled(void *ctx, struct fata_promise *promise)
{
	struct tls_conn *conn = ctx;

	(void)promise;
	conn->shutdown = NULL;
}

static struct fata_promise *tls_shutdown(struct fata_flow *flow)
{
	struct tls_conn *conn = conn_of(flow);
	union fata_value value = { .u64 = 0 };
	struct fata_promise *p;

	if (conn->shutdown)
		return fata_promise_rejected(flow->loop, "tls.shutdown", FATA_EBUSY);
	if (conn->error)
		return fata_promise_rejected(flow->loop, "tls.shutdown", conn->error);
	if (conn->shutdown_done || conn->peer_closed)
		return fata_promise_resolved(flow->loop, "tls.shutdown", value);
	p = fata_promise_new(flow->loop, "tls.shutdown");
	if (!p)
		return NULL;
	conn->shutdown = p;
	conn->shutdown_requested = 1;
	fata_promise_on_cancel(p, shutdown_canceled, conn);
	tls_pump(conn);
	return p;
}

static void close_canceled(void *ctx, struct fata_promise *promise)
{
	struct tls_conn *conn = ctx;

	(void)promise;
	conn->close = NULL;
}

static struct fata_promise *tls_close(struct fata_flow *flow)
{
	struct tls_conn *conn = conn_of(flow);
	struct fata_loop *loop = flow->loop;
	struct fata_promise *p = fata_promise_new(loop, "tls.close");

	conn->close = p;
	if (p)
		fata_promise_on_cancel(p, close_canceled, conn);
	conn->closing = 1;
	tls_reject_pending(conn, FATA_ECLOSED);

	/* RFC 5246 section 7.2.1: close_notify before closing the write side. */
	if (!conn->error && conn->handshake_done && !conn->peer_closed &&
			!conn->close_notify_sent) {
		br_ssl_engine_close(&conn->br.eng);
		conn->close_notify_sent = 1;
	}
	if (fata_timer_arm(loop, &conn->linger, fata_loop_now(loop) + FATA_TLS_CLOSE_LINGER_NS) < 0)
		conn->linger_expired = 1;
	tls_pump(conn);
	return p;
}

static int tls_get_addrs(struct fata_flow *flow, struct fata_sockaddr *local,
		struct fata_sockaddr *remote)
{
	return fata_flow_get_addrs(conn_of(flow)->lower, local, remote);
}

const struct fata_flow_ops tls_flow_ops = {
	.read = tls_read,
	.writev = tls_writev,
	.shutdown = tls_shutdown,
	.close = tls_close,
	.get_addrs = tls_get_addrs,
};

struct tls_conn *tls_conn_from_flow(const struct fata_flow *flow)
{
	if (!flow || flow->ops != &tls_flow_ops)
		return NULL;
	return (struct tls_conn *)(void *)flow;
}

int fata_tls_is_tls(const struct fata_flow *flow)
{
	return tls_conn_from_flow(flow) != NULL;
}

/*
 * A TCP connection as a struct fata_flow (see fata/flow.h for the rules).
 * One read at a time is fulfilled with owned views. Writes wait in order
 * until the send buffer takes them, and shutdown sends a FIN after them.
 * Close rejects what is pending and lets the connection finish in the
 * background.
 */
#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/trace.h>

#include "tcp_layer.h"

static struct tcp_sock *sock_of(struct fata_flow *flow)
{
	return (struct tcp_sock *)flow;
}

static uint64_t now_of(const struct tcp_sock *sock)
{
	return fata_loop_now(sock->layer->loop);
}

static void complete_read(struct tcp_sock *sock)
{
	struct fata_promise *p = sock->read_promise;
	struct fata_view v;

	if (!p)
		return;

	if (tcp_conn_read(&sock->conn, &v, now_of(sock))) {
		sock->read_promise = NULL;
		fata_trace_record(FATA_TRACE_READ, "tcp.read", 0, v.len, now_of(sock));
		fata_promise_fulfill_view(p, v);
		return;
	}

	/* The end of stream reads as an empty view, again and again. */
	if (tcp_conn_at_eof(&sock->conn) ||
			(sock->conn.state == TCP_CLOSED && sock->conn.error == 0)) {
		sock->read_promise = NULL;
		fata_promise_fulfill_view(p, (struct fata_view){ 0 });
		return;
	}
	if (sock->conn.error) {
		sock->read_promise = NULL;
		fata_promise_reject(p, sock->conn.error);
	}
}

static void free_write(struct tcp_write *w)
{
	for (uint32_t i = 0; i < w->count; i++)
		fata_view_release(&w->views[i]);
	fata_free(w);
}

static void reject_writes(struct tcp_sock *sock, int error)
{
	while (sock->writes) {
		struct tcp_write *w = sock->writes;
		sock->writes = w->next;
		fata_promise_reject(w->promise, error);
		free_write(w);
	}
	sock->writes_tail = NULL;
}

static void settle_close(struct tcp_sock *sock)
{
	const struct tcp_conn *c = &sock->conn;

	if (!sock->close_promise)
		return;
	if (c->state == TCP_CLOSED || c->fin_acked || c->state == TCP_FIN_WAIT_2 ||
			c->state == TCP_TIME_WAIT) {
		struct fata_promise *p = sock->close_promise;
		sock->close_promise = NULL;
		fata_promise_fulfill(p, (union fata_value){ .u64 = 0 });
	}
}

void tcp_flow_events(struct tcp_sock *sock, unsigned events)
{
	(void)events;
	complete_read(sock);

	int error = sock->conn.error;
	if (error || sock->conn.state == TCP_CLOSED) {
		reject_writes(sock, error ? error : FATA_EPIPE);
		if (sock->shutdown_promise) {
			struct fata_promise *p = sock->shutdown_promise;
			sock->shutdown_promise = NULL;
			fata_promise_reject(p, error ? error : FATA_EPIPE);
		}
	}
	settle_close(sock);
}

/*
 * Moves queued writes into the send buffer while it has room. A write goes
 * in whole once any room is left, so the buffer may exceed its size by up
 * to one write. Large writes are referenced rather than copied, so this
 * costs no extra memory.
 */
void tcp_flow_pump(struct tcp_sock *sock)
{
	struct tcp_conn *c = &sock->conn;
	uint64_t now = now_of(sock);

	while (sock->writes && !c->error && tcp_conn_send_space(c) > 0) {
		struct tcp_write *w = sock->writes;
		int err = 0;

		for (uint32_t i = 0; i < w->count && err == 0; i++)
			err = tcp_conn_write(c, w->views[i], now);
		sock->writes = w->next;
		if (!sock->writes)
			sock->writes_tail = NULL;

		if (err < 0) {
			/* Part of the write may be queued: the stream is broken, so abort. */
			fata_promise_reject(w->promise, err);
			free_write(w);
			tcp_conn_abort(c, err);
			return;
		}
		fata_trace_record(FATA_TRACE_WRITE, "tcp.write", 0, (int64_t)w->total, now);
		fata_promise_fulfill(w->promise, (union fata_value){ .u64 = w->total });
		free_write(w);
	}

	/* shutdown: the FIN follows the last queued write. */
	if (sock->shutdown_requested && !sock->writes && !c->fin_queued && !c->error) {
		tcp_conn_shutdown(c, now);
		if (sock->shutdown_promise) {
			struct fata_promise *p = sock->shutdown_promise;
			sock->shutdown_promise = NULL;
			fata_promise_fulfill(p, (union fata_value){ .u64 = 0 });
		}
	}
}

static void read_cancel(void *ctx, struct fata_promise *promise)
{
	struct tcp_sock *sock = ctx;

	if (sock->read_promise == promise)
		sock->read_promise = NULL;
}

static struct fata_promise *flow_read(struct fata_flow *flow)
{
	struct tcp_sock *sock = sock_of(flow);
	struct fata_promise *p = fata_promise_new(flow->loop, "tcp.read");

	if (!p)
		return NULL;
	if (sock->user_closed) {
		fata_promise_reject(p, FATA_ECLOSED);
		return p;
	}
	if (sock->read_promise) {
		fata_promise_reject(p, FATA_EBUSY);
		return p;
	}

	sock->read_promise = p;
	fata_promise_on_cancel(p, read_cancel, sock);
	complete_read(sock);
	/* Reading may have opened the window; sync sends the update. */
	tcp_sock_sync(sock);
	return p;
}

static void write_cancel(void *ctx, struct fata_promise *promise)
{
	struct tcp_write *w = ctx;
	struct tcp_sock *sock = w->sock;
	struct tcp_write *prev = NULL;

	(void)promise;
	for (struct tcp_write *it = sock->writes; it; prev = it, it = it->next) {
		if (it != w)
			continue;
		if (prev)
			prev->next = w->next;
		else
			sock->writes = w->next;
		if (sock->writes_tail == w)
			sock->writes_tail = prev;
		free_write(w);
		return;
	}
}

static int write_error(const struct tcp_sock *sock)
{
	const struct tcp_conn *c = &sock->conn;

	if (sock->user_closed)
		return FATA_ECLOSED;
	if (c->error)
		return c->error;
	if (sock->shutdown_requested || c->fin_queued)
		return FATA_EPIPE;
	if (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT)
		return FATA_EPIPE;
	return 0;
}

static struct fata_promise *flow_writev(struct fata_flow *flow, const struct fata_view *views,
		size_t count)
{
	struct tcp_sock *sock = sock_of(flow);
	struct fata_promise *p = fata_promise_new(flow->loop, "tcp.write");

	if (!p)
		return NULL;

	int err = write_error(sock);
	if (err == 0 && count > UINT32_MAX / sizeof(struct fata_view))
		err = FATA_EINVAL;
	if (err < 0) {
		fata_promise_reject(p, err);
		return p;
	}

	struct tcp_write *w = fata_alloc(sizeof(*w) + count * sizeof(struct fata_view));
	if (!w) {
		fata_promise_reject(p, FATA_ENOMEM);
		return p;
	}
	w->next = NULL;
	w->sock = sock;
	w->promise = p;
	w->total = 0;
	w->count = 0;
	for (size_t i = 0; i < count; i++) {
		if (views[i].len == 0)
			continue;
		w->views[w->count++] = fata_view_ref(views[i]);
		w->total += views[i].len;
	}

	if (sock->writes_tail)
		sock->writes_tail->next = w;
	else
		sock->writes = w;
	sock->writes_tail = w;
	fata_promise_on_cancel(p, write_cancel, w);
	tcp_sock_sync(sock);
	return p;
}

static void forget_promise(void *ctx, struct fata_promise *promise)
{
	struct fata_promise **slot = ctx;

	if (*slot == promise)
		*slot = NULL;
}

static struct fata_promise *flow_shutdown(struct fata_flow *flow)
{
	struct tcp_sock *sock = sock_of(flow);
	struct fata_promise *p = fata_promise_new(flow->loop, "tcp.shutdown");

	if (!p)
		return NULL;
	if (sock->user_closed) {
		fata_promise_reject(p, FATA_ECLOSED);
		return p;
	}
	if (sock->conn.error) {
		fata_promise_reject(p, sock->conn.error);
		return p;
	}
	if (sock->shutdown_requested) {
		/* Already ending: a second shutdown succeeds once the first did. */
		if (sock->shutdown_promise)
			fata_promise_reject(p, FATA_EBUSY);
		else
			fata_promise_fulfill(p, (union fata_value){ .u64 = 0 });
		return p;
	}

	sock->shutdown_requested = 1;
	sock->shutdown_promise = p;
	fata_promise_on_cancel(p, forget_promise, &sock->shutdown_promise);
	tcp_sock_sync(sock);
	return p;
}

static struct fata_promise *flow_close(struct fata_flow *flow)
{
	struct tcp_sock *sock = sock_of(flow);
	struct fata_promise *p = fata_promise_new(flow->loop, "tcp.close");

	if (sock->user_closed) {
		/* The flow was already closed: misuse, but never a crash. */
		if (p)
			fata_promise_reject(p, FATA_ECLOSED);
		return p;
	}
	sock->user_closed = 1;

	if (sock->read_promise) {
		struct fata_promise *r = sock->read_promise;
		sock->read_promise = NULL;
		fata_promise_reject(r, FATA_ECLOSED);
	}
	reject_writes(sock, FATA_ECLOSED);
	if (sock->shutdown_promise) {
		struct fata_promise *s = sock->shutdown_promise;
		sock->shutdown_promise = NULL;
		fata_promise_reject(s, FATA_ECLOSED);
	}

	if (sock->conn.state != TCP_CLOSED)
		tcp_conn_close(&sock->conn, now_of(sock));

	if (p) {
		sock->close_promise = p;
		fata_promise_on_cancel(p, forget_promise, &sock->close_promise);
		settle_close(sock);
	}
	tcp_sock_sync(sock);
	return p;
}

static int flow_get_addrs(struct fata_flow *flow, struct fata_sockaddr *local,
		struct fata_sockaddr *remote)
{
	struct tcp_sock *sock = sock_of(flow);

	if (local) {
		local->ip = sock->tuple.local;
		local->port = sock->tuple.local_port;
	}
	if (remote) {
		remote->ip = sock->tuple.remote;
		remote->port = sock->tuple.remote_port;
	}
	return 0;
}

const struct fata_flow_ops tcp_flow_ops = {
	.read = flow_read,
	.writev = flow_writev,
	.shutdown = flow_shutdown,
	.close = flow_close,
	.get_addrs = flow_get_addrs,
};

void tcp_flow_abort_all(struct tcp_sock *sock, int error, int teardown)
{
	tcp_conn_abort(&sock->conn, error);

	/* Tearing down the layer: the user's flow dies with it. */
	if (teardown) {
		if (sock->user_owned && !sock->user_closed) {
			sock->user_closed = 1;
			if (sock->read_promise) {
				struct fata_promise *r = sock->read_promise;
				sock->read_promise = NULL;
				fata_promise_reject(r, error);
			}
			reject_writes(sock, error);
		}
	}
	tcp_sock_sync(sock);
}

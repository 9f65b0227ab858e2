/*
 * Flows over connected TCP sockets, for the "socket" stack.
 *
 * Reading: a read takes what recv() returns, sized by FIONREAD, into a
 * fresh buffer. recv() returning 0 is the peer's FIN: the read, and every
 * later one, fulfills with the empty view.
 *
 * Writing: each writev becomes a request that holds its own references to
 * the views, queued in call order. The queue is written with sendmsg() as
 * far as the socket buffer allows, gathering views across requests, and a
 * request fulfills once its last byte is in the kernel. A requested
 * shutdown waits for the queue to drain, then sends FIN with
 * shutdown(SHUT_WR).
 *
 * The fd is watched only while an operation waits (readable for a read,
 * writable for queued data), because a level-triggered watch with nothing
 * to do would report a hang-up over and over.
 *
 * A hard error (reset, timeout) latches: pending and later operations are
 * rejected with it. A clean end of stream is not an error.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/loop.h>
#include <fata/posix.h>
#include <fata/trace.h>

#include "posix_internal.h"
#include "socket_internal.h"

/* Read buffer sizes: when FIONREAD reports nothing yet, and the largest single read. */
#define FLOW_READ_MIN 4096
#define FLOW_READ_MAX (256 * 1024)

/* Views gathered into one sendmsg(); the rest go in the next call. */
#define FLOW_IOV_MAX 64

struct socket_flow;

struct write_req {
	struct write_req *next;
	struct socket_flow *flow;
	/* NULL when the consumer canceled after part of the request was sent. */
	struct fata_promise *promise;
	uint64_t total;
	uint32_t count;
	/* Progress: views[index] is the first not fully sent, `offset` bytes of it are. */
	uint32_t index;
	uint32_t offset;
	struct fata_view views[];
};

struct socket_flow {
	struct fata_flow base;
	struct socket_node node;
	int fd;
	struct fata_posix_watch watch;
	uint64_t trace_id;
	int ref_held;

	struct fata_promise *read_promise;
	struct write_req *wq_head, *wq_tail;
	struct fata_promise *shutdown_promise;
	int shutdown_done;
	int eof;
	/* The latched error, 0 while the flow is healthy. */
	int error;
};

static void flow_update_watch(struct socket_flow *flow);

static void trace_bytes(struct socket_flow *flow, enum fata_trace_kind kind, uint64_t bytes)
{
	if (fata_trace_enabled())
		fata_trace_record(kind, "socket", flow->trace_id, (int64_t)bytes,
				fata_loop_now(flow->base.loop));
}

/* Write requests. */

static void write_req_free(struct write_req *req)
{
	for (uint32_t i = 0; i < req->count; i++)
		fata_view_release(&req->views[i]);
	fata_free(req);
}

static void wq_unlink(struct socket_flow *flow, struct write_req *req)
{
	struct write_req **pp = &flow->wq_head;
	struct write_req *prev = NULL;

	while (*pp != req) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	*pp = req->next;
	if (flow->wq_tail == req)
		flow->wq_tail = prev;
}

/* Rejects every queued write with `error` and empties the queue. */
static void wq_reject_all(struct socket_flow *flow, int error)
{
	struct write_req *req;

	while ((req = flow->wq_head) != NULL) {
		flow->wq_head = req->next;
		if (req->promise)
			fata_promise_reject(req->promise, error);
		write_req_free(req);
	}
	flow->wq_tail = NULL;
}

/* Rejects every pending operation with `error`. */
static void flow_reject_pending(struct socket_flow *flow, int error)
{
	if (flow->read_promise) {
		fata_promise_reject(flow->read_promise, error);
		flow->read_promise = NULL;
	}
	wq_reject_all(flow, error);
	if (flow->shutdown_promise) {
		fata_promise_reject(flow->shutdown_promise, error);
		flow->shutdown_promise = NULL;
	}
}

/* Latches `error` and fails everything pending with it. */
static void flow_fail(struct socket_flow *flow, int error)
{
	if (!flow->error) {
		flow->error = error;
		fata_log(FATA_LOG_DEBUG, "socket", "flow on fd %d failed: %s", flow->fd,
				fata_strerror(error));
	}
	flow_reject_pending(flow, flow->error);
}

/* Reading. */

static void flow_try_read(struct socket_flow *flow)
{
	struct fata_view view;
	size_t size = FLOW_READ_MIN;
	int avail = 0;
	ssize_t n;

	if (ioctl(flow->fd, FIONREAD, &avail) == 0 && avail > 0)
		size = avail > FLOW_READ_MAX ? FLOW_READ_MAX : (size_t)avail;
	if (fata_buf_alloc(0, size, &view) < 0) {
		/* Memory may come back; the read fails but the connection does not. */
		fata_promise_reject(flow->read_promise, FATA_ENOMEM);
		flow->read_promise = NULL;
		return;
	}

	do {
		n = recv(flow->fd, fata_view_data(view), size, 0);
	} while (n < 0 && errno == EINTR);

	if (n < 0) {
		int err = errno;

		fata_view_release(&view);
		if (err != EAGAIN)
			flow_fail(flow, posix_error_from_errno(err));
		return;
	}
	if (n == 0) {
		fata_view_release(&view);
		flow->eof = 1;
		fata_promise_fulfill_view(flow->read_promise, view);
		flow->read_promise = NULL;
		trace_bytes(flow, FATA_TRACE_READ, 0);
		return;
	}
	(void)fata_view_trim(&view, (size_t)n);
	fata_promise_fulfill_view(flow->read_promise, view);
	flow->read_promise = NULL;
	trace_bytes(flow, FATA_TRACE_READ, (uint64_t)n);
}

static void flow_read_cancel(void *ctx, struct fata_promise *promise)
{
	struct socket_flow *flow = ctx;

	(void)promise;
	flow->read_promise = NULL;
	flow_update_watch(flow);
}

static struct fata_promise *flow_read(struct fata_flow *base)
{
	struct socket_flow *flow = (struct socket_flow *)base;
	struct fata_promise *p = fata_promise_new(base->loop, "socket read");

	if (!p)
		return NULL;
	if (flow->read_promise) {
		fata_promise_reject(p, FATA_EBUSY);
		return p;
	}
	if (flow->error) {
		fata_promise_reject(p, flow->error);
		return p;
	}
	if (flow->eof) {
		fata_promise_fulfill_view(p, (struct fata_view){ 0 });
		return p;
	}

	flow->read_promise = p;
	fata_promise_on_cancel(p, flow_read_cancel, flow);
	flow_try_read(flow);
	flow_update_watch(flow);
	return p;
}

/* Writing. */

static void flow_do_shutdown(struct socket_flow *flow)
{
	if (shutdown(flow->fd, SHUT_WR) < 0) {
		flow_fail(flow, posix_error_from_errno(errno));
		return;
	}
	flow->shutdown_done = 1;
	fata_promise_fulfill(flow->shutdown_promise, (union fata_value){ .u64 = 0 });
	flow->shutdown_promise = NULL;
}

/* Collects the unsent parts of the queued views into `iov`; returns their count. */
static int wq_gather(const struct socket_flow *flow, struct iovec *iov, size_t *bytes)
{
	int n = 0;

	*bytes = 0;
	for (const struct write_req *req = flow->wq_head; req && n < FLOW_IOV_MAX; req = req->next) {
		for (uint32_t i = req->index; i < req->count && n < FLOW_IOV_MAX; i++) {
			uint32_t skip = i == req->index ? req->offset : 0;

			iov[n].iov_base = fata_view_data(req->views[i]) + skip;
			iov[n].iov_len = req->views[i].len - skip;
			*bytes += iov[n].iov_len;
			n++;
		}
	}
	return n;
}

/* Marks `sent` bytes of the queue as written and fulfills the requests completed. */
static void wq_advance(struct socket_flow *flow, size_t sent)
{
	while (flow->wq_head) {
		struct write_req *req = flow->wq_head;

		while (req->index < req->count) {
			uint32_t left = req->views[req->index].len - req->offset;

			if (sent < left) {
				req->offset += (uint32_t)sent;
				return;
			}
			sent -= left;
			req->index++;
			req->offset = 0;
		}

		flow->wq_head = req->next;
		if (!flow->wq_head)
			flow->wq_tail = NULL;
		if (req->promise) {
			fata_promise_fulfill(req->promise, (union fata_value){ .u64 = req->total });
			trace_bytes(flow, FATA_TRACE_WRITE, req->total);
		}
		write_req_free(req);
	}
}

/* Writes as much of the queue as the socket takes, then a pending shutdown once it is empty. */
static void flow_flush(struct socket_flow *flow)
{
	while (flow->wq_head) {
		struct iovec iov[FLOW_IOV_MAX];
		struct msghdr msg = { 0 };
		size_t bytes;
		ssize_t sent;

		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)wq_gather(flow, iov, &bytes);
		do {
			sent = sendmsg(flow->fd, &msg, MSG_NOSIGNAL);
		} while (sent < 0 && errno == EINTR);

		if (sent < 0) {
			if (errno != EAGAIN)
				flow_fail(flow, posix_error_from_errno(errno));
			return;
		}
		wq_advance(flow, (size_t)sent);
		/* A short write means the socket buffer is full. */
		if ((size_t)sent < bytes)
			return;
	}
	if (flow->shutdown_promise && !flow->error)
		flow_do_shutdown(flow);
}

static void flow_write_cancel(void *ctx, struct fata_promise *promise)
{
	struct write_req *req = ctx;
	struct socket_flow *flow = req->flow;

	(void)promise;
	/* Part of it is in the byte stream already; dropping the rest would corrupt the stream. */
	if (req->index > 0 || req->offset > 0) {
		req->promise = NULL;
		return;
	}
	wq_unlink(flow, req);
	write_req_free(req);
	flow_update_watch(flow);
}

/* Builds a request holding references to the non-empty views; NULL when out of memory. */
static struct write_req *write_req_new(struct socket_flow *flow, const struct fata_view *views,
		size_t count, uint64_t total)
{
	struct write_req *req;
	uint32_t used = 0;

	for (size_t i = 0; i < count; i++)
		used += views[i].len > 0;
	req = fata_alloc(sizeof *req + used * sizeof req->views[0]);
	if (!req)
		return NULL;
	req->next = NULL;
	req->flow = flow;
	req->promise = NULL;
	req->total = total;
	req->count = used;
	req->index = 0;
	req->offset = 0;
	used = 0;
	for (size_t i = 0; i < count; i++) {
		if (views[i].len > 0)
			req->views[used++] = fata_view_ref(views[i]);
	}
	return req;
}

static struct fata_promise *flow_writev(struct fata_flow *base, const struct fata_view *views,
		size_t count)
{
	struct socket_flow *flow = (struct socket_flow *)base;
	struct fata_promise *p = fata_promise_new(base->loop, "socket write");
	struct write_req *req;
	uint64_t total = 0;

	if (!p)
		return NULL;
	if (flow->error) {
		fata_promise_reject(p, flow->error);
		return p;
	}
	if (flow->shutdown_promise || flow->shutdown_done) {
		fata_promise_reject(p, FATA_EPIPE);
		return p;
	}
	if (count > 0 && !views) {
		fata_promise_reject(p, FATA_EINVAL);
		return p;
	}
	for (size_t i = 0; i < count; i++)
		total += views[i].len;
	if (total == 0) {
		fata_promise_fulfill(p, (union fata_value){ .u64 = 0 });
		return p;
	}

	req = write_req_new(flow, views, count, total);
	if (!req) {
		fata_promise_reject(p, FATA_ENOMEM);
		return p;
	}
	req->promise = p;
	fata_promise_on_cancel(p, flow_write_cancel, req);
	if (flow->wq_tail)
		flow->wq_tail->next = req;
	else
		flow->wq_head = req;
	flow->wq_tail = req;

	flow_flush(flow);
	flow_update_watch(flow);
	return p;
}

static void flow_shutdown_cancel(void *ctx, struct fata_promise *promise)
{
	struct socket_flow *flow = ctx;

	(void)promise;
	flow->shutdown_promise = NULL;
	flow_update_watch(flow);
}

static struct fata_promise *flow_shutdown(struct fata_flow *base)
{
	struct socket_flow *flow = (struct socket_flow *)base;
	struct fata_promise *p = fata_promise_new(base->loop, "socket shutdown");

	if (!p)
		return NULL;
	if (flow->error) {
		fata_promise_reject(p, flow->error);
		return p;
	}
	if (flow->shutdown_done) {
		fata_promise_fulfill(p, (union fata_value){ .u64 = 0 });
		return p;
	}
	if (flow->shutdown_promise) {
		fata_promise_reject(p, FATA_EBUSY);
		return p;
	}

	flow->shutdown_promise = p;
	fata_promise_on_cancel(p, flow_shutdown_cancel, flow);
	if (!flow->wq_head)
		flow_do_shutdown(flow);
	flow_update_watch(flow);
	return p;
}

/* Readiness and the watch. */

static void flow_on_ready(void *arg, struct fata_posix_watch *watch, uint32_t ready)
{
	struct socket_flow *flow = arg;

	(void)watch;
	(void)ready;

	/* An error or hang-up shows itself in recv() or sendmsg(), so both just run. */
	if (flow->read_promise)
		flow_try_read(flow);
	if (flow->wq_head)
		flow_flush(flow);
	flow_update_watch(flow);
}

/* Watches for what the pending operations need, and holds a loop reference while any waits. */
static void flow_update_watch(struct socket_flow *flow)
{
	struct fata_loop *loop = flow->base.loop;
	uint32_t events = 0;
	int err = FATA_OK;

	if (flow->read_promise)
		events |= FATA_POSIX_READABLE;
	if (flow->wq_head)
		events |= FATA_POSIX_WRITABLE;

	if (events == 0)
		fata_posix_watch_stop(loop, &flow->watch);
	else if (flow->watch.registered)
		err = fata_posix_watch_modify(loop, &flow->watch, events);
	else
		err = fata_posix_watch_start(loop, &flow->watch, flow->fd, events, flow_on_ready, flow);
	if (err) {
		/* Nothing would ever wake the pending operations, so fail them now. */
		flow_fail(flow, err);
		fata_posix_watch_stop(loop, &flow->watch);
		events = 0;
	}

	if (events && !flow->ref_held) {
		fata_loop_ref(loop);
		flow->ref_held = 1;
	} else if (!events && flow->ref_held) {
		fata_loop_unref(loop);
		flow->ref_held = 0;
	}
}

/* Closing. */

static void flow_destroy(struct socket_flow *flow)
{
	flow_reject_pending(flow, FATA_ECLOSED);
	fata_posix_watch_stop(flow->base.loop, &flow->watch);
	if (flow->ref_held)
		fata_loop_unref(flow->base.loop);
	close(flow->fd);
	socket_stack_untrack(&flow->node);
	fata_free(flow);
}

static void flow_close_node(struct socket_node *node)
{
	flow_destroy((struct socket_flow *)((char *)node - offsetof(struct socket_flow, node)));
}

static struct fata_promise *flow_close(struct fata_flow *base)
{
	struct fata_loop *loop = base->loop;

	flow_destroy((struct socket_flow *)base);
	return fata_promise_resolved(loop, "socket close", (union fata_value){ .u64 = 0 });
}

static int flow_get_addrs(struct fata_flow *base, struct fata_sockaddr *local,
		struct fata_sockaddr *remote)
{
	struct socket_flow *flow = (struct socket_flow *)base;
	int err = FATA_OK;

	if (local)
		err = socket_stack_get_addr(flow->fd, 0, local);
	if (err == FATA_OK && remote)
		err = socket_stack_get_addr(flow->fd, 1, remote);
	return err;
}

static const struct fata_flow_ops socket_flow_ops = {
	.read = flow_read,
	.writev = flow_writev,
	.shutdown = flow_shutdown,
	.close = flow_close,
	.get_addrs = flow_get_addrs,
};

int socket_stack_flow_new(struct socket_stack *stack, int fd, struct fata_flow **out)
{
	struct socket_flow *flow = fata_calloc(1, sizeof *flow);

	if (!flow) {
		close(fd);
		return FATA_ENOMEM;
	}
	flow->base.ops = &socket_flow_ops;
	flow->base.loop = stack->base.loop;
	flow->fd = fd;
	if (fata_trace_enabled())
		flow->trace_id = fata_trace_next_id();
	socket_stack_track(stack, &flow->node, flow_close_node);
	*out = &flow->base;
	return FATA_OK;
}

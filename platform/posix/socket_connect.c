/*
 * TCP connects of the "socket" stack: a non-blocking connect(), then the
 * socket's first writability, when SO_ERROR reports the outcome. The
 * connect_timeout_ns option arms a timer; without it the kernel's SYN
 * retries (net.ipv4.tcp_syn_retries) set the limit.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/flow.h>
#include <fata/loop.h>
#include <fata/posix.h>

#include "posix_internal.h"
#include "socket_internal.h"

struct socket_connect {
	struct socket_node node;
	struct socket_stack *stack;
	struct fata_loop *loop;
	struct fata_promise *promise;
	int fd;
	struct fata_posix_watch watch;
	struct fata_timer timer;
};

/* Stops watching and frees the attempt; closes the fd unless a flow took it (fd < 0). */
static void connect_free(struct socket_connect *c)
{
	fata_timer_cancel(c->loop, &c->timer);
	fata_posix_watch_stop(c->loop, &c->watch);
	if (c->fd >= 0)
		close(c->fd);
	fata_loop_unref(c->loop);
	socket_stack_untrack(&c->node);
	fata_free(c);
}

/* Settles the promise with a new flow on `fd`, or with the error the flow creation gave. */
static void fulfill_with_flow(struct socket_stack *stack, struct fata_promise *p, int fd)
{
	struct fata_flow *flow;
	int err = socket_stack_flow_new(stack, fd, &flow);

	if (err)
		fata_promise_reject(p, err);
	else
		fata_promise_fulfill_owned(p, (union fata_value){ .ptr = flow }, fata_flow_value_release);
}

static void connect_on_ready(void *arg, struct fata_posix_watch *watch, uint32_t ready)
{
	struct socket_connect *c = arg;
	socklen_t len = sizeof(int);
	int soerr = 0;

	(void)watch;
	(void)ready;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	/* Writable without an error means the handshake is done. */
	if (soerr == 0) {
		fulfill_with_flow(c->stack, c->promise, c->fd);
		c->fd = -1;
	} else {
		fata_promise_reject(c->promise, posix_error_from_errno(soerr));
	}
	connect_free(c);
}

static void connect_on_timeout(void *arg, struct fata_timer *timer)
{
	struct socket_connect *c = arg;

	(void)timer;
	fata_promise_reject(c->promise, FATA_ETIMEDOUT);
	connect_free(c);
}

static void connect_cancel(void *ctx, struct fata_promise *promise)
{
	(void)promise;
	connect_free(ctx);
}

static void connect_close_node(struct socket_node *node)
{
	struct socket_connect *c = (struct socket_connect *)((char *)node -
			offsetof(struct socket_connect, node));

	fata_promise_reject(c->promise, FATA_ECLOSED);
	connect_free(c);
}

/* Tracks an attempt that the kernel has not finished; the promise settles later. */
static int connect_wait(struct socket_stack *stack, struct fata_promise *p, int fd,
		uint64_t timeout_ns)
{
	struct fata_loop *loop = stack->base.loop;
	struct socket_connect *c = fata_calloc(1, sizeof *c);
	int err;

	if (!c)
		return FATA_ENOMEM;
	c->stack = stack;
	c->loop = loop;
	c->promise = p;
	c->fd = fd;
	fata_timer_init(&c->timer, connect_on_timeout, c);

	err = fata_posix_watch_start(loop, &c->watch, fd, FATA_POSIX_WRITABLE, connect_on_ready, c);
	if (err == FATA_OK && timeout_ns) {
		uint64_t now = fata_loop_now(loop);

		err = fata_timer_arm(loop, &c->timer,
				timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns);
	}
	if (err) {
		fata_posix_watch_stop(loop, &c->watch);
		fata_free(c);
		return err;
	}

	fata_loop_ref(loop);
	fata_promise_on_cancel(p, connect_cancel, c);
	socket_stack_track(stack, &c->node, connect_close_node);
	return FATA_OK;
}

/* Starts the connect; returns 1 when it completed at once, 0 when in progress, or an error. */
static int connect_start(const struct fata_sockaddr *remote,
		const struct fata_tcp_options *options, int *fd_out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;
	int err;

	err = posix_sockaddr_to_kernel(remote, &ss, &len);
	if (err)
		return err;
	err = socket_stack_open_fd(remote, SOCK_STREAM, &fd);
	if (err)
		return err;
	err = socket_stack_set_tcp_options(fd, options);
	if (err) {
		close(fd);
		return err;
	}

	if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
		*fd_out = fd;
		return 1;
	}
	/* EINTR leaves the connect running in the background, like EINPROGRESS. */
	if (errno == EINPROGRESS || errno == EINTR) {
		*fd_out = fd;
		return 0;
	}
	err = posix_error_from_errno(errno);
	close(fd);
	return err;
}

struct fata_promise *socket_stack_connect(struct fata_stack *base,
		const struct fata_sockaddr *remote, const struct fata_tcp_options *options)
{
	struct socket_stack *stack = (struct socket_stack *)base;
	struct fata_promise *p = fata_promise_new(base->loop, "socket connect");
	int fd = -1;
	int r;

	if (!p)
		return NULL;
	if (!remote) {
		fata_promise_reject(p, FATA_EINVAL);
		return p;
	}

	r = connect_start(remote, options, &fd);
	if (r == 1) {
		fulfill_with_flow(stack, p, fd);
	} else if (r == 0) {
		r = connect_wait(stack, p, fd, options ? options->connect_timeout_ns : 0);
		if (r < 0) {
			close(fd);
			fata_promise_reject(p, r);
		}
	} else {
		fata_promise_reject(p, r);
	}
	return p;
}

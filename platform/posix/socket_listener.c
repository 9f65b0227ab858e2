/*
 * TCP listeners of the "socket" stack.
 *
 * While open, the listener accepts every connection the kernel has
 * completed (accept4() until EAGAIN) into its own queue of `backlog` fds,
 * and an accept takes the oldest. When the queue is full the listener stops
 * watching, so further connections wait in the kernel's backlog instead.
 * Running out of file descriptors or memory pauses accepting for
 * ACCEPT_RETRY_NS rather than spinning on a socket that stays readable.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/loop.h>
#include <fata/posix.h>

#include "posix_internal.h"
#include "socket_internal.h"

/* Queue length when the caller asks for backlog 0 (the stack's default). */
#define LISTEN_BACKLOG_DEFAULT 128
/* Larger requests are cut to this; Linux caps its own backlog at net.core.somaxconn anyway. */
#define LISTEN_BACKLOG_MAX 65535
/* Pause after accept4() ran out of descriptors or memory, in ns. */
#define ACCEPT_RETRY_NS 100000000ull

struct socket_listener {
	struct fata_listener base;
	struct socket_node node;
	struct socket_stack *stack;
	int fd;
	struct fata_posix_watch watch;
	struct fata_timer retry_timer;
	int paused;
	int has_options;
	struct fata_tcp_options options;

	/* Accepted fds not yet handed out, a ring of `backlog` entries. */
	int *queue;
	uint32_t backlog, queue_head, queue_len;

	struct fata_promise *accept_promise;
};

static void listener_update_watch(struct socket_listener *l);

/* Hands the oldest queued connection to the pending accept. */
static void listener_deliver(struct socket_listener *l)
{
	struct fata_flow *flow;
	int fd;
	int err;

	if (!l->accept_promise || l->queue_len == 0)
		return;
	fd = l->queue[l->queue_head];
	l->queue_head = (l->queue_head + 1) % l->backlog;
	l->queue_len--;

	err = socket_stack_flow_new(l->stack, fd, &flow);
	if (err)
		fata_promise_reject(l->accept_promise, err);
	else
		fata_promise_fulfill_owned(l->accept_promise, (union fata_value){ .ptr = flow },
				fata_flow_value_release);
	l->accept_promise = NULL;
}

/* Returns 1 for accept4() errors that belong to one aborted connection, not the listener. */
static int accept_error_is_transient(int err)
{
	switch (err) {
	case ECONNABORTED:
	case EPROTO:
	case EPERM:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return 1;
	default:
		return 0;
	}
}

static void listener_pause(struct socket_listener *l, int err)
{
	fata_log(FATA_LOG_WARN, "socket", "accept on fd %d failed: errno %d; retrying in 100 ms",
			l->fd, err);
	if (fata_timer_arm(l->base.loop, &l->retry_timer,
			fata_loop_now(l->base.loop) + ACCEPT_RETRY_NS) == FATA_OK)
		l->paused = 1;
}

/* Accepts completed connections into the queue until it is full or the kernel has none. */
static void listener_accept_ready(struct socket_listener *l)
{
	while (!l->paused && l->queue_len < l->backlog) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int err;

		if (fd < 0) {
			err = errno;
			if (err == EINTR || accept_error_is_transient(err))
				continue;
			if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
				listener_pause(l, err);
			else if (err != EAGAIN)
				fata_log(FATA_LOG_ERROR, "socket", "accept on fd %d failed: errno %d",
						l->fd, err);
			return;
		}

		err = socket_stack_set_tcp_options(fd, l->has_options ? &l->options : NULL);
		if (err) {
			fata_log(FATA_LOG_WARN, "socket", "options on an accepted connection failed: %s",
					fata_strerror(err));
			close(fd);
			continue;
		}
		l->queue[(l->queue_head + l->queue_len) % l->backlog] = fd;
		l->queue_len++;
	}
}

static void listener_on_readable(void *arg, struct fata_posix_watch *watch, uint32_t ready)
{
	struct socket_listener *l = arg;

	(void)watch;
	(void)ready;
	listener_accept_ready(l);
	listener_deliver(l);
	listener_update_watch(l);
}

static void listener_on_retry(void *arg, struct fata_timer *timer)
{
	struct socket_listener *l = arg;

	(void)timer;
	l->paused = 0;
	listener_accept_ready(l);
	listener_deliver(l);
	listener_update_watch(l);
}

/* Watches the listening socket while the queue has room and accepting is not paused. */
static void listener_update_watch(struct socket_listener *l)
{
	int want = !l->paused && l->queue_len < l->backlog;

	if (want && !l->watch.registered) {
		if (fata_posix_watch_start(l->base.loop, &l->watch, l->fd, FATA_POSIX_READABLE,
				listener_on_readable, l) < 0)
			fata_log(FATA_LOG_ERROR, "socket", "cannot watch listening fd %d", l->fd);
	} else if (!want) {
		fata_posix_watch_stop(l->base.loop, &l->watch);
	}
}

static void listener_accept_cancel(void *ctx, struct fata_promise *promise)
{
	struct socket_listener *l = ctx;

	(void)promise;
	l->accept_promise = NULL;
}

static struct fata_promise *listener_accept(struct fata_listener *base)
{
	struct socket_listener *l = (struct socket_listener *)base;
	struct fata_promise *p = fata_promise_new(base->loop, "socket accept");

	if (!p)
		return NULL;
	if (l->accept_promise) {
		fata_promise_reject(p, FATA_EBUSY);
		return p;
	}
	l->accept_promise = p;
	fata_promise_on_cancel(p, listener_accept_cancel, l);

	/*
	 * While the listening socket is watched, the (level-triggered) watch
	 * reports every connection the kernel completes, and the last readable
	 * callback stopped at EAGAIN, so an accept4() here would fail with
	 * EAGAIN too. Without a watch (first accept, full queue or pause over)
	 * nothing else would look, so look now.
	 */
	if (l->queue_len == 0 && !l->watch.registered)
		listener_accept_ready(l);
	listener_deliver(l);
	listener_update_watch(l);
	return p;
}

static void listener_destroy(struct socket_listener *l)
{
	if (l->accept_promise) {
		fata_promise_reject(l->accept_promise, FATA_ECLOSED);
		l->accept_promise = NULL;
	}
	for (uint32_t i = 0; i < l->queue_len; i++)
		close(l->queue[(l->queue_head + i) % l->backlog]);
	fata_timer_cancel(l->base.loop, &l->retry_timer);
	fata_posix_watch_stop(l->base.loop, &l->watch);
	close(l->fd);
	fata_loop_unref(l->base.loop);
	socket_stack_untrack(&l->node);
	fata_free(l->queue);
	fata_free(l);
}

static void listener_close_node(struct socket_node *node)
{
	listener_destroy((struct socket_listener *)((char *)node -
			offsetof(struct socket_listener, node)));
}

static void listener_close(struct fata_listener *base)
{
	listener_destroy((struct socket_listener *)base);
}

static int listener_get_local(struct fata_listener *base, struct fata_sockaddr *local)
{
	struct socket_listener *l = (struct socket_listener *)base;

	if (!local)
		return FATA_EINVAL;
	return socket_stack_get_addr(l->fd, 0, local);
}

static const struct fata_listener_ops socket_listener_ops = {
	.accept = listener_accept,
	.close = listener_close,
	.get_local = listener_get_local,
};

/* Creates, binds and starts listening on the socket for `local`. */
static int listen_socket(const struct fata_sockaddr *local, int backlog,
		const struct fata_tcp_options *options, int *fd_out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int on = 1;
	int fd;
	int err;

	err = posix_sockaddr_to_kernel(local, &ss, &len);
	if (err)
		return err;
	err = socket_stack_open_fd(local, SOCK_STREAM, &fd);
	if (err)
		return err;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
			bind(fd, (struct sockaddr *)&ss, len) < 0 ||
			listen(fd, backlog) < 0)
		err = posix_error_from_errno(errno);
	/* Buffer sizes set on the listener also size the window scale of accepted connections. */
	if (err == FATA_OK)
		err = socket_stack_set_tcp_options(fd, options);
	if (err) {
		close(fd);
		return err;
	}
	*fd_out = fd;
	return FATA_OK;
}

int socket_stack_listen(struct fata_stack *stack, const struct fata_sockaddr *local, int backlog,
		const struct fata_tcp_options *options, struct fata_listener **out)
{
	struct socket_listener *l;
	int err;

	if (!out)
		return FATA_EINVAL;
	*out = NULL;
	if (!local || backlog < 0)
		return FATA_EINVAL;
	if (backlog == 0)
		backlog = LISTEN_BACKLOG_DEFAULT;
	if (backlog > LISTEN_BACKLOG_MAX)
		backlog = LISTEN_BACKLOG_MAX;

	l = fata_calloc(1, sizeof *l);
	if (!l)
		return FATA_ENOMEM;
	l->queue = fata_calloc((size_t)backlog, sizeof *l->queue);
	if (!l->queue) {
		fata_free(l);
		return FATA_ENOMEM;
	}
	err = listen_socket(local, backlog, options, &l->fd);
	if (err) {
		fata_free(l->queue);
		fata_free(l);
		return err;
	}

	l->base.ops = &socket_listener_ops;
	l->base.loop = stack->loop;
	l->stack = (struct socket_stack *)stack;
	l->backlog = (uint32_t)backlog;
	if (options) {
		l->options = *options;
		l->has_options = 1;
	}
	fata_timer_init(&l->retry_timer, listener_on_retry, l);
	err = fata_posix_watch_start(stack->loop, &l->watch, l->fd, FATA_POSIX_READABLE,
			listener_on_readable, l);
	if (err) {
		close(l->fd);
		fata_free(l->queue);
		fata_free(l);
		return err;
	}
	fata_loop_ref(stack->loop);
	socket_stack_track(l->stack, &l->node, listener_close_node);
	*out = &l->base;
	return FATA_OK;
}

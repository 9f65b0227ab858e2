/*
 * UDP sockets of the "socket" stack.
 *
 * A send is one sendmsg() of the joined views and settles at once: the
 * kernel either queued the datagram or dropped it (FATA_EAGAIN when its
 * buffer is full). A receive peeks at the next datagram's length first
 * (MSG_PEEK | MSG_TRUNC), so each payload gets a buffer of its own size.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/loop.h>
#include <fata/posix.h>

#include "posix_internal.h"
#include "socket_internal.h"

/* Views one send may join; more is rejected with FATA_EINVAL. */
#define UDP_IOV_MAX 64

struct socket_udp {
	struct fata_datagram base;
	struct socket_node node;
	int fd;
	int family; /* enum fata_af of the bound address */
	struct fata_posix_watch watch;
	int ref_held;

	struct fata_promise *recv_promise;
	struct fata_sockaddr *recv_from;
};

static void udp_update_watch(struct socket_udp *u);

static struct fata_promise *udp_send(struct fata_datagram *base, const struct fata_sockaddr *to,
		const struct fata_view *views, size_t count)
{
	struct socket_udp *u = (struct socket_udp *)base;
	struct fata_promise *p = fata_promise_new(base->loop, "udp send");
	struct iovec iov[UDP_IOV_MAX];
	struct sockaddr_storage ss;
	struct msghdr msg = { 0 };
	ssize_t n;

	if (!p)
		return NULL;
	if (!to || to->ip.family != u->family || count > UDP_IOV_MAX || (count > 0 && !views) ||
			posix_sockaddr_to_kernel(to, &ss, &msg.msg_namelen) < 0) {
		fata_promise_reject(p, FATA_EINVAL);
		return p;
	}

	for (size_t i = 0; i < count; i++) {
		iov[i].iov_base = fata_view_data(views[i]);
		iov[i].iov_len = views[i].len;
	}
	msg.msg_name = &ss;
	msg.msg_iov = iov;
	msg.msg_iovlen = count;
	do {
		n = sendmsg(u->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);

	if (n < 0)
		fata_promise_reject(p, posix_error_from_errno(errno));
	else
		fata_promise_fulfill(p, (union fata_value){ .u64 = (uint64_t)n });
	return p;
}

/* Settles the pending receive with the next datagram, or leaves it pending on EAGAIN. */
static void udp_try_recv(struct socket_udp *u)
{
	struct sockaddr_storage ss;
	struct fata_view view = { 0 };
	struct msghdr msg = { 0 };
	struct iovec iov;
	ssize_t len, n;
	int err;

	do {
		len = recv(u->fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	} while (len < 0 && errno == EINTR);
	if (len < 0) {
		if (errno == EAGAIN)
			return;
		/* A reported ICMP error fails this receive only; the socket stays usable. */
		err = posix_error_from_errno(errno);
		goto reject;
	}

	/* An empty datagram is delivered as the zero view. */
	if (len > 0) {
		err = fata_buf_alloc(0, (size_t)len, &view);
		if (err)
			goto reject;
	}
	iov.iov_base = fata_view_data(view);
	iov.iov_len = (size_t)len;
	msg.msg_name = &ss;
	msg.msg_namelen = sizeof ss;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	do {
		n = recvmsg(u->fd, &msg, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		fata_view_release(&view);
		if (errno == EAGAIN)
			return;
		err = posix_error_from_errno(errno);
		goto reject;
	}

	if (u->recv_from)
		(void)posix_sockaddr_from_kernel((struct sockaddr *)&ss, msg.msg_namelen, u->recv_from);
	if (!fata_view_is_null(view))
		(void)fata_view_trim(&view, (size_t)n);
	fata_promise_fulfill_view(u->recv_promise, view);
	u->recv_promise = NULL;
	u->recv_from = NULL;
	return;

reject:
	fata_promise_reject(u->recv_promise, err);
	u->recv_promise = NULL;
	u->recv_from = NULL;
}

static void udp_recv_cancel(void *ctx, struct fata_promise *promise)
{
	struct socket_udp *u = ctx;

	(void)promise;
	u->recv_promise = NULL;
	u->recv_from = NULL;
	udp_update_watch(u);
}

static struct fata_promise *udp_recv(struct fata_datagram *base, struct fata_sockaddr *from)
{
	struct socket_udp *u = (struct socket_udp *)base;
	struct fata_promise *p = fata_promise_new(base->loop, "udp recv");

	if (!p)
		return NULL;
	if (u->recv_promise) {
		fata_promise_reject(p, FATA_EBUSY);
		return p;
	}
	u->recv_promise = p;
	u->recv_from = from;
	fata_promise_on_cancel(p, udp_recv_cancel, u);
	udp_try_recv(u);
	udp_update_watch(u);
	return p;
}

static void udp_on_readable(void *arg, struct fata_posix_watch *watch, uint32_t ready)
{
	struct socket_udp *u = arg;

	(void)watch;
	(void)ready;
	if (u->recv_promise)
		udp_try_recv(u);
	udp_update_watch(u);
}

/* Watches for a datagram while a receive waits, holding a loop reference meanwhile. */
static void udp_update_watch(struct socket_udp *u)
{
	struct fata_loop *loop = u->base.loop;
	int want = u->recv_promise != NULL;

	if (want && !u->watch.registered &&
			fata_posix_watch_start(loop, &u->watch, u->fd, FATA_POSIX_READABLE,
				udp_on_readable, u) < 0) {
		fata_promise_reject(u->recv_promise, FATA_EIO);
		u->recv_promise = NULL;
		u->recv_from = NULL;
		want = 0;
	}
	if (!want)
		fata_posix_watch_stop(loop, &u->watch);

	if (want && !u->ref_held) {
		fata_loop_ref(loop);
		u->ref_held = 1;
	} else if (!want && u->ref_held) {
		fata_loop_unref(loop);
		u->ref_held = 0;
	}
}

static void udp_destroy(struct socket_udp *u)
{
	if (u->recv_promise) {
		fata_promise_reject(u->recv_promise, FATA_ECLOSED);
		u->recv_promise = NULL;
	}
	fata_posix_watch_stop(u->base.loop, &u->watch);
	if (u->ref_held)
		fata_loop_unref(u->base.loop);
	close(u->fd);
	socket_stack_untrack(&u->node);
	fata_free(u);
}

static void udp_close_node(struct socket_node *node)
{
	udp_destroy((struct socket_udp *)((char *)node - offsetof(struct socket_udp, node)));
}

static struct fata_promise *udp_close(struct fata_datagram *base)
{
	struct fata_loop *loop = base->loop;

	udp_destroy((struct socket_udp *)base);
	return fata_promise_resolved(loop, "udp close", (union fata_value){ .u64 = 0 });
}

static int udp_get_local(struct fata_datagram *base, struct fata_sockaddr *local)
{
	struct socket_udp *u = (struct socket_udp *)base;

	if (!local)
		return FATA_EINVAL;
	return socket_stack_get_addr(u->fd, 0, local);
}

static const struct fata_datagram_ops socket_udp_ops = {
	.send = udp_send,
	.recv = udp_recv,
	.close = udp_close,
	.get_local = udp_get_local,
};

int socket_stack_udp_bind(struct fata_stack *stack, const struct fata_sockaddr *local,
		struct fata_datagram **out)
{
	struct sockaddr_storage ss;
	struct socket_udp *u;
	socklen_t len;
	int fd;
	int err;

	if (!out)
		return FATA_EINVAL;
	*out = NULL;
	if (!local)
		return FATA_EINVAL;
	err = posix_sockaddr_to_kernel(local, &ss, &len);
	if (err)
		return err;

	u = fata_calloc(1, sizeof *u);
	if (!u)
		return FATA_ENOMEM;
	err = socket_stack_open_fd(local, SOCK_DGRAM, &fd);
	if (err) {
		fata_free(u);
		return err;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		err = posix_error_from_errno(errno);
		close(fd);
		fata_free(u);
		return err;
	}

	u->base.ops = &socket_udp_ops;
	u->base.loop = stack->loop;
	u->fd = fd;
	u->family = local->ip.family;
	socket_stack_track((struct socket_stack *)stack, &u->node, udp_close_node);
	*out = &u->base;
	return FATA_OK;
}

/*
 * The "socket" stack: struct fata_stack over the host kernel's TCP and UDP
 * sockets; see fata_socket_stack_new() in fata/posix.h. This file contains
 * the stack object and the socket set-up that listeners, connects, flows and
 * UDP sockets share.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/posix.h>

#include "posix_internal.h"
#include "socket_internal.h"

#define NS_PER_SEC 1000000000ull
/* The largest TCP_KEEPIDLE Linux accepts, in seconds (MAX_TCP_KEEPIDLE). */
#define KEEPIDLE_MAX_SEC 32767

void socket_stack_track(struct socket_stack *stack, struct socket_node *node,
		void (*close)(struct socket_node *node))
{
	struct socket_node *head = &stack->objects;

	node->close = close;
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

void socket_stack_untrack(struct socket_node *node)
{
	if (!node->next)
		return;
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->prev = NULL;
	node->next = NULL;
}

int socket_stack_open_fd(const struct fata_sockaddr *addr, int type, int *fd)
{
	int family;
	int s;

	if (addr->ip.family == FATA_AF_INET)
		family = AF_INET;
	else if (addr->ip.family == FATA_AF_INET6)
		family = AF_INET6;
	else
		return FATA_EINVAL;

	s = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return posix_error_from_errno(errno);
	if (family == AF_INET6) {
		int on = 1;

		if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0) {
			int err = errno;

			close(s);
			return posix_error_from_errno(err);
		}
	}
	*fd = s;
	return FATA_OK;
}

static int set_int_option(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof value) < 0)
		return posix_error_from_errno(errno);
	return FATA_OK;
}

static int clamp_to_int(uint64_t value)
{
	return value > INT_MAX ? INT_MAX : (int)value;
}

int socket_stack_set_tcp_options(int fd, const struct fata_tcp_options *options)
{
	int err = FATA_OK;

	if (!options)
		return FATA_OK;
	if (options->nodelay)
		err = set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
	if (err == FATA_OK && options->keepalive_ns) {
		/* Whole seconds, rounded up so a short idle time does not become 0. */
		uint64_t sec = (options->keepalive_ns + NS_PER_SEC - 1) / NS_PER_SEC;

		err = set_int_option(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
		if (err == FATA_OK)
			err = set_int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE,
					sec > KEEPIDLE_MAX_SEC ? KEEPIDLE_MAX_SEC : (int)sec);
	}
	if (err == FATA_OK && options->rcvbuf)
		err = set_int_option(fd, SOL_SOCKET, SO_RCVBUF, clamp_to_int(options->rcvbuf));
	if (err == FATA_OK && options->sndbuf)
		err = set_int_option(fd, SOL_SOCKET, SO_SNDBUF, clamp_to_int(options->sndbuf));
	return err;
}

int socket_stack_get_addr(int fd, int peer, struct fata_sockaddr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		getsockname(fd, (struct sockaddr *)&ss, &len);

	if (r < 0)
		return posix_error_from_errno(errno);
	return posix_sockaddr_from_kernel((struct sockaddr *)&ss, len, out);
}

static void socket_stack_destroy(struct fata_stack *base)
{
	struct socket_stack *stack = (struct socket_stack *)base;

	/* Each close unlinks its object, so the list shrinks to the sentinel. */
	while (stack->objects.next != &stack->objects)
		stack->objects.next->close(stack->objects.next);
	fata_free(stack);
}

static const struct fata_stack_ops socket_stack_ops = {
	.listen = socket_stack_listen,
	.connect = socket_stack_connect,
	.udp_bind = socket_stack_udp_bind,
	.destroy = socket_stack_destroy,
};

int fata_socket_stack_new(struct fata_loop *loop, struct fata_stack **out)
{
	struct socket_stack *stack;

	if (!out)
		return FATA_EINVAL;
	*out = NULL;
	if (!posix_loop_is_epoll(loop))
		return FATA_EINVAL;
	stack = fata_calloc(1, sizeof *stack);
	if (!stack)
		return FATA_ENOMEM;
	stack->base.ops = &socket_stack_ops;
	stack->base.loop = loop;
	stack->base.name = "socket";
	stack->objects.prev = &stack->objects;
	stack->objects.next = &stack->objects;
	*out = &stack->base;
	return FATA_OK;
}

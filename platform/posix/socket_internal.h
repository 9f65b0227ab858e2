/*
 * The "socket" stack's internal interface: the stack object and the
 * functions its files share. Not installed.
 *
 * Every open listener, pending connect, flow and UDP socket is linked into
 * its stack's object list, so that destroying the stack closes them all.
 * Each object takes a loop reference exactly while it waits for the kernel
 * on the consumer's behalf, because that work can arrive without a timer or
 * a queued callback. A listener waits while it is open. A connect, a flow or
 * a UDP socket waits while one of its operations is pending.
 */
#ifndef FATA_POSIX_SOCKET_INTERNAL_H
#define FATA_POSIX_SOCKET_INTERNAL_H

#include <fata/posix.h>
#include <fata/stack.h>

/* A link in the stack's list of open objects. */
struct socket_node {
	struct socket_node *prev, *next;
	/* Closes and frees the object, rejecting its pending operations with FATA_ECLOSED. */
	void (*close)(struct socket_node *node);
};

struct socket_stack {
	struct fata_stack base;
	/* Sentinel of the circular list of open objects. */
	struct socket_node objects;
};

/* Links `node` into the stack's list with its close function. */
void socket_stack_track(struct socket_stack *stack, struct socket_node *node,
		void (*close)(struct socket_node *node));

/* Unlinks `node`; harmless when it is not linked. */
void socket_stack_untrack(struct socket_node *node);

/*
 * Creates a non-blocking, close-on-exec socket of `type` for the family of
 * `addr` and stores it in `*fd`. IPv6 sockets are IPv6-only, so IPv4 and
 * IPv6 listeners can share a port. Errors: FATA_EINVAL for an unset family,
 * and those of socket(2) mapped.
 */
int socket_stack_open_fd(const struct fata_sockaddr *addr, int type, int *fd);

/*
 * Applies TCP_NODELAY, keepalive and the buffer sizes of `options` (may be
 * NULL) to `fd`. Errors: setsockopt's, mapped.
 */
int socket_stack_set_tcp_options(int fd, const struct fata_tcp_options *options);

/* Stores the local (`peer` 0) or remote address of `fd`. Errors: mapped. */
int socket_stack_get_addr(int fd, int peer, struct fata_sockaddr *out);

/*
 * Wraps the connected TCP socket `fd` in a flow; the flow owns `fd` from
 * then on. Errors: FATA_ENOMEM, and `fd` is closed then.
 */
int socket_stack_flow_new(struct socket_stack *stack, int fd, struct fata_flow **out);

/* The stack operations, one file each. */
int socket_stack_listen(struct fata_stack *stack, const struct fata_sockaddr *local, int backlog,
		const struct fata_tcp_options *options, struct fata_listener **out);
struct fata_promise *socket_stack_connect(struct fata_stack *stack,
		const struct fata_sockaddr *remote, const struct fata_tcp_options *options);
int socket_stack_udp_bind(struct fata_stack *stack, const struct fata_sockaddr *local,
		struct fata_datagram **out);

#endif

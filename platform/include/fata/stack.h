/*
 * A network stack: TCP listeners and connections, UDP sockets. An
 * application written against this interface runs unchanged over the host
 * kernel's sockets (fata_socket_stack_new in posix.h) or over libtcpip.
 */
#ifndef FATA_STACK_H
#define FATA_STACK_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/datagram.h>
#include <fata/flow.h>
#include <fata/promise.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_stack;
struct fata_listener;

/* Options for a TCP connection; zero means the stack's default. */
struct fata_tcp_options {
	/* Disable Nagle's algorithm (send small segments at once). */
	int nodelay;
	/* Idle time in ns before keepalive probes, 0 to leave keepalive off. */
	uint64_t keepalive_ns;
	/* Connection timeout in ns for connect. */
	uint64_t connect_timeout_ns;
	/* Receive and send buffer sizes in bytes. */
	uint32_t rcvbuf, sndbuf;
};

/* Listener operations. */
struct fata_listener_ops {
	/*
	 * Fulfills with the next established connection, a struct fata_flow *
	 * in `ptr`, owned by the consumer (close it). One accept may be pending
	 * at a time (else FATA_EBUSY).
	 */
	struct fata_promise *(*accept)(struct fata_listener *listener);
	/* Stops listening; a pending accept is rejected with FATA_ECLOSED. */
	void (*close)(struct fata_listener *listener);
	/* Stores the bound address (the port chosen when 0 was asked). May be NULL. */
	int (*get_local)(struct fata_listener *listener, struct fata_sockaddr *local);
};

/* The common head of every listener. */
struct fata_listener {
	const struct fata_listener_ops *ops;
	struct fata_loop *loop;
};

/* Stack operations. */
struct fata_stack_ops {
	/*
	 * Listens for TCP on `local` (any address and/or port 0 allowed) with a
	 * queue of `backlog` established connections not yet accepted. `options`
	 * (may be NULL) apply to accepted connections.
	 * Errors: FATA_EADDRINUSE, FATA_EADDRNOTAVAIL, FATA_EINVAL, FATA_ENOMEM,
	 * FATA_EPERM.
	 */
	int (*listen)(struct fata_stack *stack, const struct fata_sockaddr *local, int backlog,
			const struct fata_tcp_options *options, struct fata_listener **out);
	/*
	 * Connects by TCP to `remote`; fulfills with an owned struct fata_flow *
	 * in `ptr`. Errors: FATA_ECONNREFUSED, FATA_ETIMEDOUT,
	 * FATA_EHOSTUNREACH, FATA_ENETUNREACH, FATA_ENOMEM.
	 */
	struct fata_promise *(*connect)(struct fata_stack *stack, const struct fata_sockaddr *remote,
			const struct fata_tcp_options *options);
	/*
	 * Opens a UDP socket bound to `local` (port 0 picks one).
	 * Errors: as for listen.
	 */
	int (*udp_bind)(struct fata_stack *stack, const struct fata_sockaddr *local,
			struct fata_datagram **out);
	/* Closes every socket and frees the stack. */
	void (*destroy)(struct fata_stack *stack);
};

/* The common head of every stack. */
struct fata_stack {
	const struct fata_stack_ops *ops;
	struct fata_loop *loop;
	/* A short name for logs ("socket", "tcpip"). */
	const char *name;
};

static inline int fata_stack_listen(struct fata_stack *stack, const struct fata_sockaddr *local,
		int backlog, const struct fata_tcp_options *options, struct fata_listener **out)
{
	return stack->ops->listen(stack, local, backlog, options, out);
}

static inline struct fata_promise *fata_stack_connect(struct fata_stack *stack,
		const struct fata_sockaddr *remote, const struct fata_tcp_options *options)
{
	return stack->ops->connect(stack, remote, options);
}

static inline int fata_stack_udp_bind(struct fata_stack *stack, const struct fata_sockaddr *local,
		struct fata_datagram **out)
{
	return stack->ops->udp_bind(stack, local, out);
}

static inline void fata_stack_destroy(struct fata_stack *stack)
{
	if (stack)
		stack->ops->destroy(stack);
}

static inline struct fata_promise *fata_listener_accept(struct fata_listener *listener)
{
	return listener->ops->accept(listener);
}

static inline void fata_listener_close(struct fata_listener *listener)
{
	listener->ops->close(listener);
}

#ifdef __cplusplus
}
#endif

#endif

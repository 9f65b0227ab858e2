/*
 * A datagram socket: unordered, unreliable messages with addresses, such as
 * a UDP socket on libtcpip or on the host kernel.
 *
 * Rules: at most one receive is pending at a time (a second is rejected with
 * FATA_EBUSY). Sends are not queued behind each other: each is handed to the
 * network at once, and its promise fulfills with u64 = bytes sent. Errors:
 * FATA_EMSGSIZE, FATA_EHOSTUNREACH, FATA_ENETUNREACH, FATA_EAGAIN (a
 * transmit queue is full and the message was dropped), FATA_ECLOSED.
 */
#ifndef FATA_DATAGRAM_H
#define FATA_DATAGRAM_H

#include <stddef.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/promise.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_datagram;

/* The operations an implementation provides. */
struct fata_datagram_ops {
	/* Sends the borrowed views, joined, as one message to `to`. */
	struct fata_promise *(*send)(struct fata_datagram *sock, const struct fata_sockaddr *to,
			const struct fata_view *views, size_t count);
	/*
	 * Receives one message: fulfills with an owned view of its payload and
	 * stores its source in `*from`, which must stay valid until the promise
	 * settles or is canceled. `from` may be NULL.
	 */
	struct fata_promise *(*recv)(struct fata_datagram *sock, struct fata_sockaddr *from);
	/* Closes the socket; a pending receive is rejected with FATA_ECLOSED. */
	struct fata_promise *(*close)(struct fata_datagram *sock);
	/* Stores the bound local address. May be NULL. */
	int (*get_local)(struct fata_datagram *sock, struct fata_sockaddr *local);
};

/* The common head of every datagram socket. */
struct fata_datagram {
	const struct fata_datagram_ops *ops;
	struct fata_loop *loop;
};

static inline struct fata_promise *fata_datagram_send(struct fata_datagram *sock,
		const struct fata_sockaddr *to, const struct fata_view *views, size_t count)
{
	return sock->ops->send(sock, to, views, count);
}

static inline struct fata_promise *fata_datagram_recv(struct fata_datagram *sock,
		struct fata_sockaddr *from)
{
	return sock->ops->recv(sock, from);
}

static inline struct fata_promise *fata_datagram_close(struct fata_datagram *sock)
{
	return sock->ops->close(sock);
}

#ifdef __cplusplus
}
#endif

#endif

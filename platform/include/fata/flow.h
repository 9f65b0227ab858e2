/*
 * A flow: an ordered, reliable byte stream, such as a TCP connection, a
 * host socket, or a TLS session over another flow. Protocols above it (HTTP,
 * TLS, SSH, XMPP) are written against this interface only.
 *
 * Rules every implementation keeps:
 * - At most one read is pending at a time; a second gets a promise rejected
 *   with FATA_EBUSY.
 * - A read fulfills with an owned view of the next bytes (any length from 1
 *   up), or with a zero-length zero view at a clean end of stream. After the
 *   end, every read fulfills with the empty view again.
 * - Writes are queued and applied in call order. The flow takes its own
 *   references to the views it keeps, so the caller may release its views as
 *   soon as writev returns. A write fulfills with u64 = bytes accepted (all
 *   of them) once the flow has taken the data into its send buffer; that
 *   does not mean the peer received it.
 * - shutdown ends the write direction after queued writes (TCP FIN, TLS
 *   close_notify); reads continue.
 * - close releases the flow: pending reads and writes are rejected with
 *   FATA_ECLOSED, and the close promise fulfills when the flow has finished
 *   (a TCP connection may linger in the stack after that). The pointer is
 *   invalid once close has been called.
 * - Errors: FATA_ECONNRESET, FATA_ETIMEDOUT, FATA_EPIPE (write after
 *   shutdown), FATA_ETRUNCATED (a protocol's end marker was missing),
 *   FATA_ECLOSED, FATA_ENOMEM, and protocol-specific codes.
 * - Every function returning a promise returns NULL when it could not
 *   allocate one.
 */
#ifndef FATA_FLOW_H
#define FATA_FLOW_H

#include <stddef.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/promise.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_flow;

/* The operations an implementation provides; see the rules above. */
struct fata_flow_ops {
	struct fata_promise *(*read)(struct fata_flow *flow);
	struct fata_promise *(*writev)(struct fata_flow *flow, const struct fata_view *views,
			size_t count);
	struct fata_promise *(*shutdown)(struct fata_flow *flow);
	struct fata_promise *(*close)(struct fata_flow *flow);
	/* Stores the local and remote addresses; either pointer may be NULL.
	 * Errors: FATA_ENOTSUP for flows without addresses. May be NULL. */
	int (*get_addrs)(struct fata_flow *flow, struct fata_sockaddr *local,
			struct fata_sockaddr *remote);
};

/* The common head of every flow; implementations embed it first. */
struct fata_flow {
	const struct fata_flow_ops *ops;
	struct fata_loop *loop;
};

/* Reads the next bytes; see the rules above. */
static inline struct fata_promise *fata_flow_read(struct fata_flow *flow)
{
	return flow->ops->read(flow);
}

/* Writes `count` borrowed views in order as one write. */
static inline struct fata_promise *fata_flow_writev(struct fata_flow *flow,
		const struct fata_view *views, size_t count)
{
	return flow->ops->writev(flow, views, count);
}

/* Writes one borrowed view. */
static inline struct fata_promise *fata_flow_write(struct fata_flow *flow, struct fata_view view)
{
	return flow->ops->writev(flow, &view, 1);
}

/* Ends the write direction after the queued writes. */
static inline struct fata_promise *fata_flow_shutdown(struct fata_flow *flow)
{
	return flow->ops->shutdown(flow);
}

/* Closes and releases the flow. */
static inline struct fata_promise *fata_flow_close(struct fata_flow *flow)
{
	return flow->ops->close(flow);
}

/* Stores the flow's addresses, or returns FATA_ENOTSUP. */
int fata_flow_get_addrs(struct fata_flow *flow, struct fata_sockaddr *local,
		struct fata_sockaddr *remote);

/*
 * Copies `len` bytes from `data` into a new buffer and writes it; the
 * buffer is released when the flow is done with it. Returns the write
 * promise, or NULL when out of memory.
 */
struct fata_promise *fata_flow_write_copy(struct fata_flow *flow, const void *data, size_t len);

/*
 * A value release function for promises fulfilled with a flow pointer in
 * `ptr`: closes the flow and drops the close promise. Stacks use it for
 * accept and connect results that nobody receives.
 */
void fata_flow_value_release(union fata_value *value);

#ifdef __cplusplus
}
#endif

#endif

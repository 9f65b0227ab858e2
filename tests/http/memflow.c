/*
 * The in-memory flow pair; see memflow.h.
 */
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>

#include "memflow.h"

struct memflow_end {
	struct fata_flow flow;       /* first, so a flow pointer is an end pointer */
	struct memflow_pair *pair;
	int side;
	unsigned char *inbox;        /* bytes written by the other end, not read yet */
	size_t inbox_len, inbox_cap;
	int peer_ended;              /* the other end shut down or closed */
	int write_ended;
	int closed;
	size_t read_chunk;
	int write_stall;
	struct fata_promise *read_p;
	struct fata_promise *stalled[64];
	size_t stalled_bytes[64];
	size_t stalled_count;
};

struct memflow_pair {
	struct memflow_end ends[2];
};

static struct memflow_end *end_of(struct fata_flow *flow)
{
	return (struct memflow_end *)flow;
}

static struct memflow_end *peer_of(struct memflow_end *e)
{
	return &e->pair->ends[1 - e->side];
}

/* Settles a pending read when there are bytes or the peer has ended. */
static void try_deliver(struct memflow_end *e)
{
	struct fata_promise *p = e->read_p;
	struct fata_view v;
	size_t n;

	if (p == NULL)
		return;
	if (e->inbox_len == 0) {
		if (!e->peer_ended)
			return;
		e->read_p = NULL;
		fata_promise_fulfill_view(p, (struct fata_view){ 0 });
		return;
	}
	n = e->inbox_len;
	if (e->read_chunk != 0 && n > e->read_chunk)
		n = e->read_chunk;
	if (fata_buf_copy(e->inbox, n, 0, &v) != 0) {
		e->read_p = NULL;
		fata_promise_reject(p, FATA_ENOMEM);
		return;
	}
	memmove(e->inbox, e->inbox + n, e->inbox_len - n);
	e->inbox_len -= n;
	e->read_p = NULL;
	fata_promise_fulfill_view(p, v);
}

static void append(struct memflow_end *e, const void *data, size_t len)
{
	if (e->closed || len == 0)
		return;
	if (e->inbox_len + len > e->inbox_cap) {
		size_t cap = e->inbox_cap ? e->inbox_cap : 4096;

		while (cap < e->inbox_len + len)
			cap *= 2;
		e->inbox = realloc(e->inbox, cap);
		e->inbox_cap = cap;
	}
	memcpy(e->inbox + e->inbox_len, data, len);
	e->inbox_len += len;
	try_deliver(e);
}

static void on_read_cancel(void *ctx, struct fata_promise *promise)
{
	struct memflow_end *e = ctx;

	(void)promise;
	e->read_p = NULL;
}

static struct fata_promise *mem_read(struct fata_flow *flow)
{
	struct memflow_end *e = end_of(flow);
	struct fata_promise *p;

	if (e->closed)
		return fata_promise_rejected(flow->loop, "memflow.read", FATA_ECLOSED);
	if (e->read_p != NULL)
		return fata_promise_rejected(flow->loop, "memflow.read", FATA_EBUSY);
	p = fata_promise_new(flow->loop, "memflow.read");
	if (p == NULL)
		return NULL;
	e->read_p = p;
	fata_promise_on_cancel(p, on_read_cancel, e);
	try_deliver(e);
	return p;
}

static void on_stalled_cancel(void *ctx, struct fata_promise *promise)
{
	struct memflow_end *e = ctx;

	for (size_t i = 0; i < e->stalled_count; i++) {
		if (e->stalled[i] == promise)
			e->stalled[i] = NULL;
	}
}

static struct fata_promise *mem_writev(struct fata_flow *flow, const struct fata_view *views,
		size_t count)
{
	struct memflow_end *e = end_of(flow);
	struct fata_promise *p;
	size_t total = 0;

	if (e->closed)
		return fata_promise_rejected(flow->loop, "memflow.write", FATA_ECLOSED);
	if (e->write_ended)
		return fata_promise_rejected(flow->loop, "memflow.write", FATA_EPIPE);
	p = fata_promise_new(flow->loop, "memflow.write");
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		append(peer_of(e), fata_view_data(views[i]), views[i].len);
		total += views[i].len;
	}
	if (e->write_stall && e->stalled_count < 64) {
		e->stalled[e->stalled_count] = p;
		e->stalled_bytes[e->stalled_count] = total;
		e->stalled_count++;
		fata_promise_on_cancel(p, on_stalled_cancel, e);
		return p;
	}
	fata_promise_fulfill(p, (union fata_value){ .u64 = total });
	return p;
}

static void end_writes(struct memflow_end *e)
{
	struct memflow_end *peer = peer_of(e);

	e->write_ended = 1;
	peer->peer_ended = 1;
	try_deliver(peer);
}

static struct fata_promise *mem_shutdown(struct fata_flow *flow)
{
	struct memflow_end *e = end_of(flow);

	end_writes(e);
	return fata_promise_resolved(flow->loop, "memflow.shutdown", (union fata_value){ .u64 = 0 });
}

static struct fata_promise *mem_close(struct fata_flow *flow)
{
	struct memflow_end *e = end_of(flow);

	if (e->read_p != NULL) {
		struct fata_promise *p = e->read_p;

		e->read_p = NULL;
		fata_promise_reject(p, FATA_ECLOSED);
	}
	for (size_t i = 0; i < e->stalled_count; i++) {
		if (e->stalled[i] != NULL)
			fata_promise_reject(e->stalled[i], FATA_ECLOSED);
	}
	e->stalled_count = 0;
	end_writes(e);
	e->closed = 1;
	return fata_promise_resolved(flow->loop, "memflow.close", (union fata_value){ .u64 = 0 });
}

static const struct fata_flow_ops memflow_ops = {
	.read = mem_read,
	.writev = mem_writev,
	.shutdown = mem_shutdown,
	.close = mem_close,
	.get_addrs = NULL,
};

struct memflow_pair *memflow_pair_new(struct fata_loop *loop, struct fata_flow *ends[2])
{
	struct memflow_pair *pair = calloc(1, sizeof(*pair));

	for (int i = 0; i < 2; i++) {
		pair->ends[i].flow.ops = &memflow_ops;
		pair->ends[i].flow.loop = loop;
		pair->ends[i].pair = pair;
		pair->ends[i].side = i;
		ends[i] = &pair->ends[i].flow;
	}
	return pair;
}

void memflow_pair_free(struct memflow_pair *pair)
{
	for (int i = 0; i < 2; i++) {
		fata_promise_cancel(pair->ends[i].read_p);
		free(pair->ends[i].inbox);
	}
	free(pair);
}

void memflow_set_read_chunk(struct memflow_pair *pair, int side, size_t max)
{
	pair->ends[side].read_chunk = max;
}

void memflow_set_write_stall(struct memflow_pair *pair, int side, int stalled)
{
	struct memflow_end *e = &pair->ends[side];

	e->write_stall = stalled;
	if (stalled)
		return;
	for (size_t i = 0; i < e->stalled_count; i++) {
		if (e->stalled[i] != NULL)
			fata_promise_fulfill(e->stalled[i], (union fata_value){ .u64 = e->stalled_bytes[i] });
	}
	e->stalled_count = 0;
}

void memflow_send(struct memflow_pair *pair, int side, const void *data, size_t len)
{
	append(&pair->ends[1 - side], data, len);
}

size_t memflow_recv(struct memflow_pair *pair, int side, void *buf, size_t cap)
{
	struct memflow_end *e = &pair->ends[side];
	size_t n = e->inbox_len < cap ? e->inbox_len : cap;

	if (n == 0)
		return 0;
	memcpy(buf, e->inbox, n);
	memmove(e->inbox, e->inbox + n, e->inbox_len - n);
	e->inbox_len -= n;
	return n;
}

void memflow_shutdown(struct memflow_pair *pair, int side)
{
	end_writes(&pair->ends[side]);
}

int memflow_closed(const struct memflow_pair *pair, int side)
{
	return pair->ends[side].closed;
}

int memflow_write_ended(const struct memflow_pair *pair, int side)
{
	return pair->ends[side].write_ended;
}

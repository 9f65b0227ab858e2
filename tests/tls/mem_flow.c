/* The in-memory flow pair; see mem_flow.h. */
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>

#include "mem_flow.h"

struct mem_flow {
	struct fata_flow flow;
	struct mem_flow *peer;
	uint8_t *data; /* received, not yet read */
	size_t len, capacity;
	size_t chunk;
	int eof; /* the peer shut down or closed */
	int shut;
	uint64_t written;
	uint64_t writes;
	struct fata_promise *read;
};

static const struct fata_flow_ops mem_ops;

static void mem_deliver(struct mem_flow *m)
{
	struct fata_promise *p = m->read;
	struct fata_view view;
	size_t n;

	if (!p || (m->len == 0 && !m->eof))
		return;
	m->read = NULL;
	if (m->len == 0) {
		fata_promise_fulfill_view(p, (struct fata_view){ 0 });
		return;
	}
	n = m->len;
	if (m->chunk && n > m->chunk)
		n = m->chunk;
	if (fata_buf_copy(m->data, n, 0, &view) < 0) {
		fata_promise_reject(p, FATA_ENOMEM);
		return;
	}
	memmove(m->data, m->data + n, m->len - n);
	m->len -= n;
	fata_promise_fulfill_view(p, view);
}

static void mem_read_canceled(void *ctx, struct fata_promise *p)
{
	struct mem_flow *m = ctx;

	(void)p;
	m->read = NULL;
}

static struct fata_promise *mem_read(struct fata_flow *flow)
{
	struct mem_flow *m = (struct mem_flow *)flow;
	struct fata_promise *p;

	if (m->read)
		return fata_promise_rejected(flow->loop, "mem.read", FATA_EBUSY);
	p = fata_promise_new(flow->loop, "mem.read");
	if (!p)
		return NULL;
	m->read = p;
	fata_promise_on_cancel(p, mem_read_canceled, m);
	mem_deliver(m);
	return p;
}

static int mem_append(struct mem_flow *to, const struct fata_view *views, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		size_t need = to->len + views[i].len;

		if (need > to->capacity) {
			size_t capacity = to->capacity ? to->capacity : 4096;
			uint8_t *grown;

			while (capacity < need)
				capacity *= 2;
			grown = realloc(to->data, capacity);
			if (!grown)
				return FATA_ENOMEM;
			to->data = grown;
			to->capacity = capacity;
		}
		memcpy(to->data + to->len, fata_view_data(views[i]), views[i].len);
		to->len = need;
	}
	return 0;
}

static struct fata_promise *mem_writev(struct fata_flow *flow, const struct fata_view *views,
		size_t count)
{
	struct mem_flow *m = (struct mem_flow *)flow;
	union fata_value value = { .u64 = 0 };
	size_t i;

	if (m->shut || !m->peer)
		return fata_promise_rejected(flow->loop, "mem.write", FATA_EPIPE);
	for (i = 0; i < count; i++)
		value.u64 += views[i].len;
	if (mem_append(m->peer, views, count) < 0)
		return fata_promise_rejected(flow->loop, "mem.write", FATA_ENOMEM);
	m->written += value.u64;
	m->writes++;
	mem_deliver(m->peer);
	return fata_promise_resolved(flow->loop, "mem.write", value);
}

static struct fata_promise *mem_shutdown(struct fata_flow *flow)
{
	struct mem_flow *m = (struct mem_flow *)flow;
	union fata_value value = { .u64 = 0 };

	m->shut = 1;
	if (m->peer) {
		m->peer->eof = 1;
		mem_deliver(m->peer);
	}
	return fata_promise_resolved(flow->loop, "mem.shutdown", value);
}

static struct fata_promise *mem_close(struct fata_flow *flow)
{
	struct mem_flow *m = (struct mem_flow *)flow;
	union fata_value value = { .u64 = 0 };
	struct fata_loop *loop = flow->loop;

	if (m->read)
		fata_promise_reject(m->read, FATA_ECLOSED);
	if (m->peer) {
		m->peer->eof = 1;
		mem_deliver(m->peer);
		m->peer->peer = NULL;
	}
	free(m->data);
	free(m);
	return fata_promise_resolved(loop, "mem.close", value);
}

static const struct fata_flow_ops mem_ops = {
	.read = mem_read,
	.writev = mem_writev,
	.shutdown = mem_shutdown,
	.close = mem_close,
	.get_addrs = NULL,
};

int mem_flow_pair(struct fata_loop *loop, struct fata_flow **a, struct fata_flow **b)
{
	struct mem_flow *x = calloc(1, sizeof *x);
	struct mem_flow *y = calloc(1, sizeof *y);

	if (!x || !y) {
		free(x);
		free(y);
		return FATA_ENOMEM;
	}
	x->flow.ops = &mem_ops;
	x->flow.loop = loop;
	y->flow.ops = &mem_ops;
	y->flow.loop = loop;
	x->peer = y;
	y->peer = x;
	*a = &x->flow;
	*b = &y->flow;
	return 0;
}

void mem_flow_set_chunk(struct fata_flow *flow, size_t max)
{
	((struct mem_flow *)flow)->chunk = max;
}

uint64_t mem_flow_bytes_written(const struct fata_flow *flow)
{
	return ((const struct mem_flow *)flow)->written;
}

uint64_t mem_flow_writes(const struct fata_flow *flow)
{
	return ((const struct mem_flow *)flow)->writes;
}

uint8_t *mem_flow_pending(struct fata_flow *flow, size_t *len)
{
	struct mem_flow *m = (struct mem_flow *)flow;

	if (!m->peer) {
		*len = 0;
		return NULL;
	}
	*len = m->peer->len;
	return m->peer->data;
}

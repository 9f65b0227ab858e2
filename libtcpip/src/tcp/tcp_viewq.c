/* A ring of owned views with byte-offset access. */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tcp_viewq.h"

void tcp_viewq_init(struct tcp_viewq *q)
{
	memset(q, 0, sizeof(*q));
}

void tcp_viewq_free(struct tcp_viewq *q)
{
	struct fata_view v;

	while (tcp_viewq_pop(q, &v))
		fata_view_release(&v);
	fata_free(q->items);
	tcp_viewq_init(q);
}

static struct fata_view *slot(const struct tcp_viewq *q, uint32_t i)
{
	return &q->items[(q->head + i) % q->cap];
}

static int grow(struct tcp_viewq *q)
{
	uint32_t cap = q->cap ? q->cap * 2 : 16;
	struct fata_view *items = fata_alloc(sizeof(*items) * cap);

	if (!items)
		return FATA_ENOMEM;
	for (uint32_t i = 0; i < q->count; i++)
		items[i] = *slot(q, i);
	fata_free(q->items);
	q->items = items;
	q->cap = cap;
	q->head = 0;
	return 0;
}

int tcp_viewq_push(struct tcp_viewq *q, struct fata_view v)
{
	if (v.len == 0) {
		fata_view_release(&v);
		return 0;
	}
	if (q->count == q->cap && grow(q) < 0)
		return FATA_ENOMEM;

	*slot(q, q->count) = v;
	q->count++;
	q->bytes += v.len;
	q->tail_owned = 0;
	return 0;
}

int tcp_viewq_append_copy(struct tcp_viewq *q, const uint8_t *data, uint32_t len,
		uint32_t block_size)
{
	while (len > 0) {
		/*
		 * The bytes behind the last view belong to no view, so writing
		 * there is safe even while segments in flight share the block.
		 */
		if (q->count > 0 && q->tail_owned) {
			struct fata_view *last = slot(q, q->count - 1);
			uint32_t room = (uint32_t)fata_view_tailroom(*last);
			if (room > 0) {
				uint32_t n = len < room ? len : room;
				memcpy(fata_view_data(*last) + last->len, data, n);
				last->len += n;
				q->bytes += n;
				data += n;
				len -= n;
				continue;
			}
		}

		struct fata_view v;
		uint32_t size = len > block_size ? len : block_size;
		if (fata_buf_alloc(0, size, &v) < 0)
			return FATA_ENOMEM;
		v.len = 0;
		if (q->count == q->cap && grow(q) < 0) {
			fata_view_release(&v);
			return FATA_ENOMEM;
		}
		*slot(q, q->count) = v;
		q->count++;
		q->tail_owned = 1;
	}
	return 0;
}

int tcp_viewq_pop(struct tcp_viewq *q, struct fata_view *out)
{
	if (q->count == 0)
		return 0;

	*out = *slot(q, 0);
	q->head = (q->head + 1) % q->cap;
	q->count--;
	q->bytes -= out->len;
	if (q->count == 0)
		q->tail_owned = 0;
	return 1;
}

void tcp_viewq_drop(struct tcp_viewq *q, uint32_t n)
{
	while (n > 0 && q->count > 0) {
		struct fata_view *first = slot(q, 0);
		if (first->len > n) {
			first->off += n;
			first->len -= n;
			q->bytes -= n;
			return;
		}

		struct fata_view v;
		n -= first->len;
		tcp_viewq_pop(q, &v);
		fata_view_release(&v);
	}
}

static int gather_copy(const struct tcp_viewq *q, uint32_t index, uint32_t skip, uint32_t len,
		struct fata_chain *chain)
{
	struct fata_view copy;

	if (fata_buf_alloc(0, len, &copy) < 0)
		return FATA_ENOMEM;

	uint8_t *dst = fata_view_data(copy);
	for (uint32_t i = index; len > 0; i++) {
		struct fata_view *v = slot(q, i);
		uint32_t n = v->len - skip < len ? v->len - skip : len;
		memcpy(dst, fata_view_data(*v) + skip, n);
		dst += n;
		len -= n;
		skip = 0;
	}

	if (fata_chain_append(chain, copy) < 0) {
		fata_view_release(&copy);
		return FATA_ENOMEM;
	}
	return 0;
}

int tcp_viewq_gather(const struct tcp_viewq *q, uint32_t offset, uint32_t len,
		struct fata_chain *chain, uint32_t max_views)
{
	if (offset > q->bytes || len > q->bytes - offset)
		return FATA_ERANGE;
	if (len == 0)
		return 0;

	/* Find the view holding byte `offset`. */
	uint32_t index = 0;
	while (offset >= slot(q, index)->len) {
		offset -= slot(q, index)->len;
		index++;
	}

	/* Count the views the range spans; too many means one copy instead. */
	uint32_t views = 0;
	uint32_t left = len + offset;
	for (uint32_t i = index; left > 0; i++) {
		uint32_t l = slot(q, i)->len;
		left = left > l ? left - l : 0;
		views++;
	}
	if (views > max_views || chain->count + views > FATA_CHAIN_MAX)
		return gather_copy(q, index, offset, len, chain);

	for (uint32_t i = index; len > 0; i++) {
		struct fata_view *v = slot(q, i);
		uint32_t n = v->len - offset < len ? v->len - offset : len;
		struct fata_view part;
		fata_view_slice(*v, offset, n, &part);
		struct fata_view owned = fata_view_ref(part);
		if (fata_chain_append(chain, owned) < 0) {
			fata_view_release(&owned);
			return FATA_ENOMEM;
		}
		len -= n;
		offset = 0;
	}
	return 0;
}

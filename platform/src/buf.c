/*
 * Buffers; see fata/buf.h.
 *
 * A block and its bytes come from one allocation: the struct first, the
 * data right after it. Wrapped blocks are the exception: their data is
 * external memory. Offsets and lengths are 32-bit and every size entering
 * through the API is checked against FATA_BUF_MAX_SIZE first, so sums of two
 * of them cannot overflow size_t.
 */
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/buf.h>
#include <fata/error.h>

/* Keeps the data after the header aligned for any scalar type. */
#define BLOCK_HEADER_SIZE ((sizeof(struct fata_block) + 15u) & ~(size_t)15u)

static struct fata_block *block_new(size_t size)
{
	struct fata_block *b = fata_alloc(BLOCK_HEADER_SIZE + (size ? size : 1));

	if (!b)
		return NULL;
	memset(b, 0, sizeof *b);
	b->data = (uint8_t *)b + BLOCK_HEADER_SIZE;
	b->size = (uint32_t)size;
	b->refs = 1;
	return b;
}

static void block_free(struct fata_block *b)
{
	struct fata_pool *pool = b->pool;

	if (b->release) {
		b->release(b->release_ctx, b);
		fata_free(b);
		return;
	}
	if (!pool) {
		fata_free(b);
		return;
	}
	pool->stats.frees++;
	pool->stats.in_use--;
	if (pool->destroyed || pool->stats.cached >= pool->max_cached) {
		fata_free(b);
		return;
	}
	b->next_free = pool->free_list;
	pool->free_list = b;
	pool->stats.cached++;
}

static int size_ok(size_t headroom, size_t len)
{
	return headroom <= FATA_BUF_MAX_SIZE && len <= FATA_BUF_MAX_SIZE &&
		headroom + len <= FATA_BUF_MAX_SIZE;
}

static const struct fata_view null_view;

int fata_buf_alloc(size_t headroom, size_t len, struct fata_view *out)
{
	struct fata_block *b;

	*out = null_view;
	if (!size_ok(headroom, len))
		return FATA_EINVAL;
	b = block_new(headroom + len);
	if (!b)
		return FATA_ENOMEM;
	out->block = b;
	out->off = (uint32_t)headroom;
	out->len = (uint32_t)len;
	return FATA_OK;
}

int fata_buf_copy(const void *data, size_t len, size_t headroom, struct fata_view *out)
{
	int err = fata_buf_alloc(headroom, len, out);

	if (err == FATA_OK && len)
		memcpy(fata_view_data(*out), data, len);
	return err;
}

int fata_buf_wrap(void *data, size_t size,
		void (*release)(void *ctx, struct fata_block *block), void *ctx,
		struct fata_view *out)
{
	struct fata_block *b;

	*out = null_view;
	if (size > FATA_BUF_MAX_SIZE || (!data && size))
		return FATA_EINVAL;
	b = fata_alloc(sizeof *b);
	if (!b)
		return FATA_ENOMEM;
	memset(b, 0, sizeof *b);
	b->data = data;
	b->size = (uint32_t)size;
	b->refs = 1;
	/* Without a release function the block takes the unpooled path, which frees the struct alone. */
	b->release = release;
	b->release_ctx = ctx;
	out->block = b;
	out->off = 0;
	out->len = (uint32_t)size;
	return FATA_OK;
}

struct fata_view fata_view_ref(struct fata_view v)
{
	if (v.block)
		v.block->refs++;
	return v;
}

void fata_view_release(struct fata_view *v)
{
	struct fata_block *b = v->block;

	*v = null_view;
	if (!b)
		return;
	if (--b->refs == 0)
		block_free(b);
}

int fata_view_slice(struct fata_view v, size_t off, size_t len, struct fata_view *out)
{
	if (off > v.len || len > v.len - off)
		return FATA_ERANGE;
	out->block = v.block;
	out->off = v.off + (uint32_t)off;
	out->len = (uint32_t)len;
	return FATA_OK;
}

int fata_view_push(struct fata_view *v, size_t n)
{
	if (!v->block || n > v->off)
		return FATA_ENOSPC;
	if (v->block->refs != 1)
		return FATA_EBUSY;
	v->off -= (uint32_t)n;
	v->len += (uint32_t)n;
	return FATA_OK;
}

int fata_view_pull(struct fata_view *v, size_t n)
{
	if (n > v->len)
		return FATA_ERANGE;
	v->off += (uint32_t)n;
	v->len -= (uint32_t)n;
	return FATA_OK;
}

int fata_view_trim(struct fata_view *v, size_t len)
{
	if (len > v->len)
		return FATA_ERANGE;
	v->len = (uint32_t)len;
	return FATA_OK;
}

int fata_view_extend(struct fata_view *v, size_t n)
{
	if (!v->block || n > fata_view_tailroom(*v))
		return FATA_ENOSPC;
	if (v->block->refs != 1)
		return FATA_EBUSY;
	v->len += (uint32_t)n;
	return FATA_OK;
}

/* Returns the field's first byte, or NULL when [off, off + size) leaves `v`. */
static uint8_t *field(struct fata_view v, size_t off, size_t size)
{
	if (!v.block || off > v.len || size > v.len - off)
		return NULL;
	return v.block->data + v.off + off;
}

static uint64_t load_be(const uint8_t *p, unsigned size)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < size; i++)
		x = (x << 8) | p[i];
	return x;
}

static uint64_t load_le(const uint8_t *p, unsigned size)
{
	uint64_t x = 0;

	for (unsigned i = size; i-- > 0;)
		x = (x << 8) | p[i];
	return x;
}

static void store_be(uint8_t *p, unsigned size, uint64_t x)
{
	for (unsigned i = size; i-- > 0; x >>= 8)
		p[i] = (uint8_t)x;
}

static void store_le(uint8_t *p, unsigned size, uint64_t x)
{
	for (unsigned i = 0; i < size; i++, x >>= 8)
		p[i] = (uint8_t)x;
}

int fata_view_get_u8(struct fata_view v, size_t off, uint8_t *out)
{
	const uint8_t *p = field(v, off, 1);

	if (!p)
		return FATA_ERANGE;
	*out = *p;
	return FATA_OK;
}

/* Defines a getter and a setter for one width and byte order. */
#define FATA_BUF_ACCESSORS(suffix, type, size, load, store)                         \
	int fata_view_get_##suffix(struct fata_view v, size_t off, type *out)        \
	{                                                                            \
		const uint8_t *p = field(v, off, size);                              \
		if (!p)                                                              \
			return FATA_ERANGE;                                          \
		*out = (type)load(p, size);                                          \
		return FATA_OK;                                                      \
	}                                                                            \
	int fata_view_set_##suffix(struct fata_view v, size_t off, type value)       \
	{                                                                            \
		uint8_t *p = field(v, off, size);                                    \
		if (!p)                                                              \
			return FATA_ERANGE;                                          \
		store(p, size, value);                                               \
		return FATA_OK;                                                      \
	}

FATA_BUF_ACCESSORS(be16, uint16_t, 2, load_be, store_be)
FATA_BUF_ACCESSORS(be32, uint32_t, 4, load_be, store_be)
FATA_BUF_ACCESSORS(be64, uint64_t, 8, load_be, store_be)
FATA_BUF_ACCESSORS(le16, uint16_t, 2, load_le, store_le)
FATA_BUF_ACCESSORS(le32, uint32_t, 4, load_le, store_le)
FATA_BUF_ACCESSORS(le64, uint64_t, 8, load_le, store_le)

int fata_view_set_u8(struct fata_view v, size_t off, uint8_t value)
{
	uint8_t *p = field(v, off, 1);

	if (!p)
		return FATA_ERANGE;
	*p = value;
	return FATA_OK;
}

int fata_view_copy_out(struct fata_view v, size_t off, void *dst, size_t len)
{
	const uint8_t *p = field(v, off, len);

	if (!p)
		return len == 0 && off <= v.len ? FATA_OK : FATA_ERANGE;
	if (len)
		memcpy(dst, p, len);
	return FATA_OK;
}

int fata_view_copy_in(struct fata_view v, size_t off, const void *src, size_t len)
{
	uint8_t *p = field(v, off, len);

	if (!p)
		return len == 0 && off <= v.len ? FATA_OK : FATA_ERANGE;
	if (len)
		memcpy(p, src, len);
	return FATA_OK;
}

void fata_reader_init(struct fata_reader *r, struct fata_view v)
{
	r->view = v;
	r->pos = 0;
	r->err = FATA_OK;
}

/* Returns the next `size` bytes and advances, or latches FATA_ERANGE. */
static const uint8_t *reader_take(struct fata_reader *r, size_t size)
{
	const uint8_t *p;

	if (r->err)
		return NULL;
	p = field(r->view, r->pos, size);
	if (!p && size) {
		r->err = FATA_ERANGE;
		return NULL;
	}
	r->pos += size;
	return p;
}

uint8_t fata_reader_u8(struct fata_reader *r)
{
	const uint8_t *p = reader_take(r, 1);

	return p ? *p : 0;
}

uint16_t fata_reader_be16(struct fata_reader *r)
{
	const uint8_t *p = reader_take(r, 2);

	return p ? (uint16_t)load_be(p, 2) : 0;
}

uint32_t fata_reader_be32(struct fata_reader *r)
{
	const uint8_t *p = reader_take(r, 4);

	return p ? (uint32_t)load_be(p, 4) : 0;
}

uint64_t fata_reader_be64(struct fata_reader *r)
{
	const uint8_t *p = reader_take(r, 8);

	return p ? load_be(p, 8) : 0;
}

void fata_reader_bytes(struct fata_reader *r, void *dst, size_t len)
{
	const uint8_t *p = reader_take(r, len);

	if (p && len)
		memcpy(dst, p, len);
}

void fata_reader_skip(struct fata_reader *r, size_t len)
{
	(void)reader_take(r, len);
}

struct fata_view fata_reader_view(struct fata_reader *r, size_t len)
{
	struct fata_view out = null_view;
	size_t start = r->pos;

	if (!reader_take(r, len) && (r->err || len)) {
		if (!r->err)
			r->err = FATA_ERANGE;
		return out;
	}
	(void)fata_view_slice(r->view, start, len, &out);
	return out;
}

size_t fata_reader_remaining(const struct fata_reader *r)
{
	if (r->err || r->pos > r->view.len)
		return 0;
	return r->view.len - r->pos;
}

void fata_chain_init(struct fata_chain *c)
{
	c->count = 0;
	c->len = 0;
}

int fata_chain_append(struct fata_chain *c, struct fata_view v)
{
	if (v.len == 0) {
		fata_view_release(&v);
		return FATA_OK;
	}
	if (c->count >= FATA_CHAIN_MAX || v.len > UINT32_MAX - c->len)
		return FATA_ENOSPC;
	c->views[c->count++] = v;
	c->len += v.len;
	return FATA_OK;
}

int fata_chain_prepend(struct fata_chain *c, struct fata_view v)
{
	if (v.len == 0) {
		fata_view_release(&v);
		return FATA_OK;
	}
	if (c->count >= FATA_CHAIN_MAX || v.len > UINT32_MAX - c->len)
		return FATA_ENOSPC;
	memmove(&c->views[1], &c->views[0], c->count * sizeof c->views[0]);
	c->views[0] = v;
	c->count++;
	c->len += v.len;
	return FATA_OK;
}

void fata_chain_release(struct fata_chain *c)
{
	for (uint32_t i = 0; i < c->count; i++)
		fata_view_release(&c->views[i]);
	c->count = 0;
	c->len = 0;
}

int fata_chain_copy_out(const struct fata_chain *c, size_t off, void *dst, size_t len)
{
	uint8_t *out = dst;

	if (off > c->len || len > c->len - off)
		return FATA_ERANGE;
	for (uint32_t i = 0; i < c->count && len; i++) {
		const struct fata_view *v = &c->views[i];
		size_t n;

		if (off >= v->len) {
			off -= v->len;
			continue;
		}
		n = v->len - off;
		if (n > len)
			n = len;
		memcpy(out, fata_view_data(*v) + off, n);
		out += n;
		len -= n;
		off = 0;
	}
	return FATA_OK;
}

int fata_chain_flatten(const struct fata_chain *c, size_t headroom, struct fata_view *out)
{
	int err;

	if (c->count == 1 && c->views[0].off >= headroom) {
		*out = fata_view_ref(c->views[0]);
		return FATA_OK;
	}
	err = fata_buf_alloc(headroom, c->len, out);
	if (err)
		return err;
	return fata_chain_copy_out(c, 0, fata_view_data(*out), c->len);
}

int fata_pool_init(struct fata_pool *pool, size_t block_size, uint32_t max_cached)
{
	memset(pool, 0, sizeof *pool);
	if (block_size == 0 || block_size > FATA_BUF_MAX_SIZE)
		return FATA_EINVAL;
	pool->block_size = (uint32_t)block_size;
	pool->max_cached = max_cached;
	return FATA_OK;
}

int fata_pool_alloc(struct fata_pool *pool, size_t headroom, size_t len, struct fata_view *out)
{
	struct fata_block *b;

	*out = null_view;
	if (!size_ok(headroom, len) || headroom + len > pool->block_size || pool->destroyed) {
		pool->stats.failures++;
		return FATA_EINVAL;
	}
	b = pool->free_list;
	if (b) {
		pool->free_list = b->next_free;
		pool->stats.cached--;
		pool->stats.hits++;
	} else {
		b = block_new(pool->block_size);
		if (!b) {
			pool->stats.failures++;
			return FATA_ENOMEM;
		}
		b->pool = pool;
		pool->stats.misses++;
	}
	b->next_free = NULL;
	b->refs = 1;
	pool->stats.allocs++;
	pool->stats.in_use++;
	out->block = b;
	out->off = (uint32_t)headroom;
	out->len = (uint32_t)len;
	return FATA_OK;
}

void fata_pool_destroy(struct fata_pool *pool)
{
	struct fata_block *b = pool->free_list;

	while (b) {
		struct fata_block *next = b->next_free;

		fata_free(b);
		b = next;
	}
	pool->free_list = NULL;
	pool->stats.cached = 0;
	pool->destroyed = 1;
}

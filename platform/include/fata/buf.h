/*
 * Buffers: refcounted blocks, views that slice them without copying, and
 * chains of views for scatter/gather I/O.
 *
 * A block is a run of bytes with a reference count. A view names a byte
 * range of one block and is passed by value. Ownership is per view: an
 * "owned" view carries one reference to its block, which its holder must
 * drop exactly once with fata_view_release(). A "borrowed" view carries none
 * and is valid only while its lender keeps its own view. Every function
 * below says which kind it takes and returns.
 *
 * Headroom is the space in a block before a view's first byte. A protocol
 * layer that sends allocates with enough headroom for every header below it,
 * and each lower layer prepends its header in place with fata_view_push().
 *
 * Field accessors check bounds against the view, never against the block,
 * so a parser cannot read a neighbouring packet that shares its block.
 */
#ifndef FATA_BUF_H
#define FATA_BUF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_pool;

/*
 * A refcounted run of `size` bytes at `data`. Fields are read-only for
 * users; only the buffer functions change them.
 */
struct fata_block {
	uint8_t *data;
	uint32_t size;
	uint32_t refs;
	/* The pool that recycles this block, or NULL for a single allocation. */
	struct fata_pool *pool;
	/* Called when the last reference goes for wrapped external memory. */
	void (*release)(void *ctx, struct fata_block *block);
	void *release_ctx;
	/* Free-list link while the block sits in its pool. */
	struct fata_block *next_free;
};

/* Bytes [off, off + len) of `block`. A zero view has block == NULL. */
struct fata_view {
	struct fata_block *block;
	uint32_t off;
	uint32_t len;
};

/* The largest block the allocator functions accept, in bytes. */
#define FATA_BUF_MAX_SIZE (UINT32_C(1) << 30)

/*
 * Allocates a block of `headroom + len` bytes and stores in `out` an owned
 * view of its last `len` bytes. The bytes are not cleared.
 * Errors: FATA_EINVAL when the size exceeds FATA_BUF_MAX_SIZE, FATA_ENOMEM.
 * On error `out` is set to the zero view.
 */
int fata_buf_alloc(size_t headroom, size_t len, struct fata_view *out);

/* As fata_buf_alloc(), then copies `len` bytes from `data` into the view. */
int fata_buf_copy(const void *data, size_t len, size_t headroom, struct fata_view *out);

/*
 * Wraps `size` bytes of external memory at `data` in a new block and stores
 * an owned view of all of it in `out`. When the last reference goes,
 * `release(ctx, block)` runs; it must release the memory but not `block`,
 * which the library frees afterwards. Used for memory the buffer code did not
 * allocate, such as grant-mapped pages or a static file image; `release` may
 * be NULL for memory that outlives every view.
 * Errors: FATA_EINVAL, FATA_ENOMEM.
 */
int fata_buf_wrap(void *data, size_t size,
		void (*release)(void *ctx, struct fata_block *block), void *ctx,
		struct fata_view *out);

/* Takes one more reference to `v`'s block and returns `v`, now also owned. */
struct fata_view fata_view_ref(struct fata_view v);

/*
 * Drops the reference that the owned view `*v` carries and sets `*v` to the
 * zero view. A zero view is ignored, so releasing twice through the same
 * variable is harmless.
 */
void fata_view_release(struct fata_view *v);

/* Returns 1 when `v` is the zero view (no block), else 0. */
static inline int fata_view_is_null(struct fata_view v)
{
	return v.block == NULL;
}

/* Returns a pointer to `v`'s first byte; valid while any view of the block is. */
static inline uint8_t *fata_view_data(struct fata_view v)
{
	return v.block ? v.block->data + v.off : NULL;
}

/* Returns the bytes available in front of `v` in its block. */
static inline size_t fata_view_headroom(struct fata_view v)
{
	return v.off;
}

/* Returns the bytes available behind `v` in its block. */
static inline size_t fata_view_tailroom(struct fata_view v)
{
	return v.block ? v.block->size - v.off - v.len : 0;
}

/*
 * Stores in `out` a borrowed view of bytes [off, off + len) of `v`.
 * Errors: FATA_ERANGE when the range leaves `v`; `out` is then unchanged.
 */
int fata_view_slice(struct fata_view v, size_t off, size_t len, struct fata_view *out);

/*
 * Moves the start of `*v` back by `n` bytes into its headroom, so a lower
 * layer can write its header there. Only the holder of the only reference
 * may write into the block, so the call fails when others share it.
 * Errors: FATA_ENOSPC when the headroom is smaller than `n`; FATA_EBUSY when
 * the block has other references.
 */
int fata_view_push(struct fata_view *v, size_t n);

/* Drops `n` bytes from the front of `*v`. Errors: FATA_ERANGE when n > len. */
int fata_view_pull(struct fata_view *v, size_t n);

/* Shortens `*v` to `len` bytes. Errors: FATA_ERANGE when len > v->len. */
int fata_view_trim(struct fata_view *v, size_t len);

/*
 * Grows `*v` by `n` bytes into its tailroom; the new bytes are not cleared.
 * Errors: FATA_ENOSPC, FATA_EBUSY as for fata_view_push().
 */
int fata_view_extend(struct fata_view *v, size_t n);

/*
 * Bounds-checked field access. Each getter reads the field at byte offset
 * `off` of `v` into `*out` and returns 0, or returns FATA_ERANGE and leaves
 * `*out` unchanged when the field does not lie wholly inside the view.
 * "be" is network (big-endian) order, "le" little-endian. The setters write
 * the same way and need a block the caller may write (see fata_view_push).
 */
int fata_view_get_u8(struct fata_view v, size_t off, uint8_t *out);
int fata_view_get_be16(struct fata_view v, size_t off, uint16_t *out);
int fata_view_get_be32(struct fata_view v, size_t off, uint32_t *out);
int fata_view_get_be64(struct fata_view v, size_t off, uint64_t *out);
int fata_view_get_le16(struct fata_view v, size_t off, uint16_t *out);
int fata_view_get_le32(struct fata_view v, size_t off, uint32_t *out);
int fata_view_get_le64(struct fata_view v, size_t off, uint64_t *out);
int fata_view_set_u8(struct fata_view v, size_t off, uint8_t value);
int fata_view_set_be16(struct fata_view v, size_t off, uint16_t value);
int fata_view_set_be32(struct fata_view v, size_t off, uint32_t value);
int fata_view_set_be64(struct fata_view v, size_t off, uint64_t value);
int fata_view_set_le16(struct fata_view v, size_t off, uint16_t value);
int fata_view_set_le32(struct fata_view v, size_t off, uint32_t value);
int fata_view_set_le64(struct fata_view v, size_t off, uint64_t value);

/* Copies `len` bytes at `off` of `v` to `dst`. Errors: FATA_ERANGE. */
int fata_view_copy_out(struct fata_view v, size_t off, void *dst, size_t len);

/* Copies `len` bytes from `src` to offset `off` of `v`. Errors: FATA_ERANGE. */
int fata_view_copy_in(struct fata_view v, size_t off, const void *src, size_t len);

/*
 * A reader: a cursor over a borrowed view for parsers. The first read past
 * the end latches FATA_ERANGE in `err`; from then on every read returns 0
 * and the cursor stays put, so a parser may read a whole header and check
 * `err` once.
 */
struct fata_reader {
	struct fata_view view;
	size_t pos;
	int err;
};

/* Starts a reader at the first byte of the borrowed view `v`. */
void fata_reader_init(struct fata_reader *r, struct fata_view v);
uint8_t fata_reader_u8(struct fata_reader *r);
uint16_t fata_reader_be16(struct fata_reader *r);
uint32_t fata_reader_be32(struct fata_reader *r);
uint64_t fata_reader_be64(struct fata_reader *r);
/* Copies `len` bytes out, or latches FATA_ERANGE and copies nothing. */
void fata_reader_bytes(struct fata_reader *r, void *dst, size_t len);
/* Advances `len` bytes, or latches FATA_ERANGE. */
void fata_reader_skip(struct fata_reader *r, size_t len);
/* Returns a borrowed view of the next `len` bytes and advances past them. */
struct fata_view fata_reader_view(struct fata_reader *r, size_t len);
/* Returns the bytes left after the cursor (0 after an error). */
size_t fata_reader_remaining(const struct fata_reader *r);

/*
 * A chain: up to FATA_CHAIN_MAX owned views sent or written as one unit
 * (a frame built from a header view and a payload view, say). The chain owns
 * every view it holds; fata_chain_release() drops them all.
 */
#define FATA_CHAIN_MAX 8

struct fata_chain {
	uint32_t count;
	uint32_t len; /* sum of the views' lengths */
	struct fata_view views[FATA_CHAIN_MAX];
};

/* Empties `c` without releasing anything; use on a fresh chain. */
void fata_chain_init(struct fata_chain *c);

/*
 * Appends the owned view `v`; the chain takes over its reference.
 * Errors: FATA_ENOSPC when the chain is full; the caller then still owns `v`.
 * A zero-length view is released and not stored.
 */
int fata_chain_append(struct fata_chain *c, struct fata_view v);

/* Inserts the owned view `v` in front; errors and ownership as for append. */
int fata_chain_prepend(struct fata_chain *c, struct fata_view v);

/* Releases every view in `c` and empties it. */
void fata_chain_release(struct fata_chain *c);

/*
 * Copies `len` bytes starting `off` bytes into the chain to `dst`.
 * Errors: FATA_ERANGE when the range leaves the chain.
 */
int fata_chain_copy_out(const struct fata_chain *c, size_t off, void *dst, size_t len);

/*
 * Flattens `c` into one new owned view with `headroom` bytes in front, and
 * leaves `c` unchanged. When `c` holds exactly one view with enough
 * headroom, that view is returned with a new reference instead of a copy.
 * Errors: FATA_ENOMEM.
 */
int fata_chain_flatten(const struct fata_chain *c, size_t headroom, struct fata_view *out);

/* Pool statistics; every field counts since fata_pool_init(). */
struct fata_pool_stats {
	uint64_t allocs;      /* blocks handed out */
	uint64_t frees;       /* blocks returned */
	uint64_t hits;        /* handed out from the free list without allocating */
	uint64_t misses;      /* handed out after a fresh allocation */
	uint64_t failures;    /* requests that failed (too large, or out of memory) */
	uint32_t in_use;      /* blocks out now */
	uint32_t cached;      /* blocks on the free list now */
};

/*
 * A pool of equal-sized blocks. The caller owns the structure and must keep
 * it alive until every block from it has come back and fata_pool_destroy()
 * has run. Blocks return to the pool when their last reference goes.
 */
struct fata_pool {
	uint32_t block_size;
	uint32_t max_cached;
	struct fata_block *free_list;
	struct fata_pool_stats stats;
	/* Set by fata_pool_destroy() while blocks are still out. */
	int destroyed;
};

/*
 * Prepares `pool` to hand out blocks of `block_size` bytes and to keep at
 * most `max_cached` returned blocks for reuse.
 * Errors: FATA_EINVAL when block_size is 0 or above FATA_BUF_MAX_SIZE.
 */
int fata_pool_init(struct fata_pool *pool, size_t block_size, uint32_t max_cached);

/*
 * Takes a block from `pool` and stores in `out` an owned view of `len` bytes
 * after `headroom` bytes. Errors: FATA_EINVAL when headroom + len exceeds the
 * pool's block size, FATA_ENOMEM.
 */
int fata_pool_alloc(struct fata_pool *pool, size_t headroom, size_t len, struct fata_view *out);

/*
 * Frees the cached blocks. Blocks still out are freed when their last
 * reference goes, and the pool structure must outlive them.
 */
void fata_pool_destroy(struct fata_pool *pool);

#ifdef __cplusplus
}
#endif

#endif

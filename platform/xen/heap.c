/*
 * The heap: one region of RAM managed with boundary tags and an explicit
 * free list, first fit, with neighbours coalesced on free.
 *
 * Layout: every block starts with a 16-byte header (its size in bytes,
 * header and footer included, a multiple of 16, with bit 0 set while in use,
 * then a check word) and ends with an 8-byte footer repeating the size, so
 * free() finds both neighbours in constant time. A free block keeps its
 * list links where the payload would be. A used block at each end of the
 * region (the fences) stops coalescing at the edges.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>

#include "xen_internal.h"

#define ALIGNMENT 16u
#define HEADER_SIZE 16u
#define FOOTER_SIZE 8u
/* Header, two list links, footer, rounded up to the alignment. */
#define MIN_BLOCK 48u
#define USED_BIT 1u
#define CHECK_WORD 0xfa7a0b10cca7ed00ull

struct block {
	size_t size;   /* with USED_BIT */
	uint64_t check;
	/* Only in free blocks: */
	struct block *next_free;
	struct block *prev_free;
};

static struct block *free_list;
static uintptr_t heap_start, heap_end;
static struct xen_heap_stats stats;

static size_t block_size(const struct block *b)
{
	return b->size & ~(size_t)USED_BIT;
}

static int block_used(const struct block *b)
{
	return (b->size & USED_BIT) != 0;
}

static void *payload(struct block *b)
{
	return (uint8_t *)b + HEADER_SIZE;
}

static struct block *block_of(void *ptr)
{
	return (struct block *)((uint8_t *)ptr - HEADER_SIZE);
}

/* Writes header and footer of the block at `b`. */
static void set_block(struct block *b, size_t size, int used)
{
	b->size = size | (used ? USED_BIT : 0);
	b->check = CHECK_WORD;
	*(size_t *)((uint8_t *)b + size - FOOTER_SIZE) = b->size;
}

static struct block *next_block(struct block *b)
{
	return (struct block *)((uint8_t *)b + block_size(b));
}

static struct block *prev_block(struct block *b)
{
	size_t prev_size = *(size_t *)((uint8_t *)b - FOOTER_SIZE) & ~(size_t)USED_BIT;

	return (struct block *)((uint8_t *)b - prev_size);
}

static void list_insert(struct block *b)
{
	b->prev_free = NULL;
	b->next_free = free_list;
	if (free_list)
		free_list->prev_free = b;
	free_list = b;
}

static void list_remove(struct block *b)
{
	if (b->prev_free)
		b->prev_free->next_free = b->next_free;
	else
		free_list = b->next_free;
	if (b->next_free)
		b->next_free->prev_free = b->prev_free;
}

void xen_heap_init(uintptr_t start, uintptr_t end)
{
	start = (start + ALIGNMENT - 1) & ~(uintptr_t)(ALIGNMENT - 1);
	end &= ~(uintptr_t)(ALIGNMENT - 1);
	if (end <= start + 2 * MIN_BLOCK + MIN_BLOCK)
		return;

	struct block *first_fence = (struct block *)start;
	struct block *last_fence = (struct block *)(end - MIN_BLOCK);
	struct block *space = (struct block *)(start + MIN_BLOCK);

	set_block(first_fence, MIN_BLOCK, 1);
	set_block(last_fence, MIN_BLOCK, 1);
	set_block(space, (size_t)((uintptr_t)last_fence - (uintptr_t)space), 0);
	list_insert(space);

	heap_start = start;
	heap_end = end;
	stats.total_bytes = block_size(space);
}

/* Returns the block size that serves a request of `size` bytes, or 0 when too large. */
static size_t request_size(size_t size)
{
	if (size > SIZE_MAX / 2)
		return 0;

	size_t total = (size + HEADER_SIZE + FOOTER_SIZE + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1);
	return total < MIN_BLOCK ? MIN_BLOCK : total;
}

/* Marks `b` used with `size` bytes and frees the tail when it is large enough. */
static void take_block(struct block *b, size_t size)
{
	size_t have = block_size(b);

	list_remove(b);
	if (have - size >= MIN_BLOCK) {
		set_block(b, size, 1);
		struct block *rest = next_block(b);
		set_block(rest, have - size, 0);
		list_insert(rest);
	} else {
		set_block(b, have, 1);
	}

	stats.used_bytes += block_size(b);
	if (stats.used_bytes > stats.peak_bytes)
		stats.peak_bytes = stats.used_bytes;
}

void *xen_heap_alloc(size_t size)
{
	size_t need = request_size(size);

	if (need != 0) {
		for (struct block *b = free_list; b; b = b->next_free) {
			if (block_size(b) >= need) {
				take_block(b, need);
				return payload(b);
			}
		}
	}
	stats.failures++;
	return NULL;
}

static void check_block(struct block *b)
{
	uintptr_t address = (uintptr_t)b;

	if (address < heap_start || address >= heap_end || b->check != CHECK_WORD || !block_used(b))
		xen_panic("fata: heap corruption or invalid free");
}

void xen_heap_free(void *ptr)
{
	if (ptr == NULL)
		return;

	struct block *b = block_of(ptr);
	check_block(b);

	size_t size = block_size(b);
	stats.used_bytes -= size;

	struct block *next = next_block(b);
	if (!block_used(next)) {
		list_remove(next);
		size += block_size(next);
	}

	struct block *prev = prev_block(b);
	if (!block_used(prev)) {
		list_remove(prev);
		size += block_size(prev);
		b = prev;
	}

	set_block(b, size, 0);
	list_insert(b);
}

void *xen_heap_realloc(void *ptr, size_t size)
{
	if (ptr == NULL)
		return xen_heap_alloc(size);

	struct block *b = block_of(ptr);
	check_block(b);

	size_t need = request_size(size);
	if (need == 0) {
		stats.failures++;
		return NULL;
	}
	size_t have = block_size(b);
	if (need <= have)
		return ptr;

	/* Grow in place into a free neighbour when it is large enough. */
	struct block *next = next_block(b);
	if (!block_used(next) && have + block_size(next) >= need) {
		stats.used_bytes -= have;
		list_remove(next);
		set_block(b, have + block_size(next), 0);
		list_insert(b);
		take_block(b, need);
		return ptr;
	}

	void *fresh = xen_heap_alloc(size);
	if (fresh == NULL)
		return NULL;
	memcpy(fresh, ptr, have - HEADER_SIZE - FOOTER_SIZE);
	xen_heap_free(ptr);
	return fresh;
}

void *xen_pages_alloc(size_t count)
{
	if (count == 0 || count > SIZE_MAX / XEN_PAGE_SIZE / 2)
		return NULL;

	size_t bytes = count * XEN_PAGE_SIZE;
	/* Room to move the payload to a page boundary and split off the front. */
	uint8_t *raw = xen_heap_alloc(bytes + XEN_PAGE_SIZE + MIN_BLOCK);
	if (raw == NULL)
		return NULL;

	struct block *b = block_of(raw);
	uintptr_t aligned = ((uintptr_t)raw + MIN_BLOCK + XEN_PAGE_SIZE - 1) &
		~(uintptr_t)(XEN_PAGE_SIZE - 1);
	struct block *page_block = block_of((void *)aligned);

	/* Give the front back as a free block of its own, at least MIN_BLOCK long. */
	size_t total = block_size(b);
	size_t front = (size_t)((uintptr_t)page_block - (uintptr_t)b);
	stats.used_bytes -= total;
	set_block(b, front, 1);
	set_block(page_block, total - front, 1);
	stats.used_bytes += total;
	xen_heap_free(payload(b));

	memset((void *)aligned, 0, bytes);
	return (void *)aligned;
}

void xen_heap_get_stats(struct xen_heap_stats *out)
{
	*out = stats;
}

static void *backend_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return xen_heap_alloc(size);
}

static void *backend_realloc(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	return xen_heap_realloc(ptr, size);
}

static void backend_free(void *ctx, void *ptr)
{
	(void)ctx;
	xen_heap_free(ptr);
}

const struct fata_allocator fata_backend_allocator = {
	.alloc = backend_alloc,
	.realloc = backend_realloc,
	.free = backend_free,
	.ctx = NULL,
};

/*
 * Memory allocation hook.
 *
 * Library code never calls malloc: every allocation goes through these
 * functions, which the platform backend points at its allocator (the C
 * library's malloc on POSIX, the unikernel's heap on Xen). An application may
 * install its own allocator before creating any Fata object.
 */
#ifndef FATA_ALLOC_H
#define FATA_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An allocator: three functions and the context passed to each of them. */
struct fata_allocator {
	/* Returns `size` bytes aligned for any type, or NULL. */
	void *(*alloc)(void *ctx, size_t size);
	/* Resizes a block from alloc; NULL on failure leaves `ptr` valid. */
	void *(*realloc)(void *ctx, void *ptr, size_t size);
	/* Releases a block from alloc or realloc; `ptr` may be NULL. */
	void (*free)(void *ctx, void *ptr);
	void *ctx;
};

/*
 * Installs `allocator` for every later allocation, or restores the
 * backend's default when `allocator` is NULL. The structure is copied.
 * Memory allocated before the switch must not be freed after it, so call
 * this before creating any Fata object.
 */
void fata_set_allocator(const struct fata_allocator *allocator);

/* Returns `size` bytes, or NULL when out of memory or when `size` is 0. */
void *fata_alloc(size_t size);

/* Returns `count * size` zeroed bytes, or NULL on overflow or when out of memory. */
void *fata_calloc(size_t count, size_t size);

/* Resizes `ptr` (which may be NULL); on failure returns NULL and `ptr` stays valid. */
void *fata_realloc(void *ptr, size_t size);

/* Releases memory from the three functions above; NULL is ignored. */
void fata_free(void *ptr);

/* The backend's default allocator; each backend defines it. */
extern const struct fata_allocator fata_backend_allocator;

#ifdef __cplusplus
}
#endif

#endif

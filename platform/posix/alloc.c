/* The POSIX backend's default allocator: the C library's malloc family. */
#include <stdlib.h>

#include <fata/alloc.h>

static void *posix_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void *posix_realloc(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	return realloc(ptr, size);
}

static void posix_free(void *ctx, void *ptr)
{
	(void)ctx;
	free(ptr);
}

const struct fata_allocator fata_backend_allocator = {
	.alloc = posix_alloc,
	.realloc = posix_realloc,
	.free = posix_free,
	.ctx = NULL,
};

/* The allocation hook; see fata/alloc.h. */
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>

static struct fata_allocator current;
static int installed;

static const struct fata_allocator *allocator(void)
{
	return installed ? &current : &fata_backend_allocator;
}

void fata_set_allocator(const struct fata_allocator *a)
{
	if (a) {
		current = *a;
		installed = 1;
	} else {
		installed = 0;
	}
}

void *fata_alloc(size_t size)
{
	const struct fata_allocator *a = allocator();

	if (size == 0)
		return NULL;
	return a->alloc(a->ctx, size);
}

void *fata_calloc(size_t count, size_t size)
{
	void *p;

	if (count == 0 || size == 0 || count > SIZE_MAX / size)
		return NULL;
	p = fata_alloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *fata_realloc(void *ptr, size_t size)
{
	const struct fata_allocator *a = allocator();

	if (size == 0)
		return NULL;
	if (!ptr)
		return a->alloc(a->ctx, size);
	return a->realloc(a->ctx, ptr, size);
}

void fata_free(void *ptr)
{
	const struct fata_allocator *a = allocator();

	if (ptr)
		a->free(a->ctx, ptr);
}

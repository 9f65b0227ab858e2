/*
 * Guest RAM. Xen's start info lists the guest-physical memory map
 * (hvm_memmap_table_entry, version 1 of the start info); the heap takes the
 * largest RAM range above the image that the boot page tables map, which
 * are the first 4 GiB.
 */
#include <stdint.h>

#include <fata/error.h>

#include "xen_internal.h"

/* The end of the loaded image, from the linker script. */
extern char xen_image_end[];

#define MAPPED_LIMIT (4ull << 30)

int xen_memory_init(const struct xen_hvm_start_info *start_info)
{
	uint64_t image_end = (uint64_t)(uintptr_t)xen_image_end;
	uint64_t best_start = 0, best_end = 0;

	if (start_info->version < 1 || start_info->memmap_paddr == 0)
		return FATA_ENOMEM;

	const struct xen_hvm_memmap_entry *map =
		(const struct xen_hvm_memmap_entry *)(uintptr_t)start_info->memmap_paddr;

	for (uint32_t i = 0; i < start_info->memmap_entries; i++) {
		if (map[i].type != XEN_MEMMAP_TYPE_RAM)
			continue;

		uint64_t start = map[i].addr;
		uint64_t end = map[i].addr + map[i].size;
		if (end > MAPPED_LIMIT)
			end = MAPPED_LIMIT;
		if (start < image_end)
			start = image_end;
		if (end > start && end - start > best_end - best_start) {
			best_start = start;
			best_end = end;
		}
	}

	if (best_end == best_start)
		return FATA_ENOMEM;

	xen_heap_init((uintptr_t)best_start, (uintptr_t)best_end);
	return FATA_OK;
}

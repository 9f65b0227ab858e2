/*
 * Grant table version 1 (grant_table.h). A PVH guest maps the table's
 * frames itself with XENMEM_add_to_physmap (space XENMAPSPACE_grant_table).
 * References 0 to 7 are reserved for the toolstack (the console and
 * xenstore pages use 0 and 1), so allocation starts at 8.
 */
#include <stdint.h>

#include <fata/error.h>

#include "xen_internal.h"

#define RESERVED_REFS 8u
/* Frames mapped at boot: 512 entries each; one netfront needs 514 grants. */
#define TABLE_FRAMES 8u
#define ENTRIES_PER_FRAME (XEN_PAGE_SIZE / sizeof(struct xen_grant_entry_v1))
#define MAX_ENTRIES (TABLE_FRAMES * ENTRIES_PER_FRAME)

static struct xen_grant_entry_v1 table[MAX_ENTRIES] __attribute__((aligned(XEN_PAGE_SIZE)));
static uint16_t free_refs[MAX_ENTRIES];
static uint32_t free_count;

int xen_grant_init(void)
{
	struct xen_gnttab_query_size query = { .dom = XEN_DOMID_SELF };

	long rc = xen_hypercall3(XEN_HC_GRANT_TABLE_OP, XEN_GNTTABOP_QUERY_SIZE,
			(uint64_t)(uintptr_t)&query, 1);
	if (rc < 0)
		return xen_error(rc);
	if (query.status != 0)
		return FATA_EIO;

	uint32_t frames = query.max_nr_frames < TABLE_FRAMES ? query.max_nr_frames : TABLE_FRAMES;
	if (frames == 0)
		return FATA_ENOMEM;

	for (uint32_t i = 0; i < frames; i++) {
		struct xen_add_to_physmap map = {
			.domid = XEN_DOMID_SELF,
			.space = XEN_MAPSPACE_GRANT_TABLE,
			.idx = i,
			.gpfn = ((uint64_t)(uintptr_t)table >> XEN_PAGE_SHIFT) + i,
		};

		rc = xen_hypercall3(XEN_HC_MEMORY_OP, XEN_XENMEM_ADD_TO_PHYSMAP,
				(uint64_t)(uintptr_t)&map, 0);
		if (rc < 0)
			return xen_error(rc);
	}

	uint32_t entries = frames * (uint32_t)ENTRIES_PER_FRAME;
	for (uint32_t ref = entries; ref-- > RESERVED_REFS;)
		free_refs[free_count++] = (uint16_t)ref;
	return FATA_OK;
}

int xen_grant_access(uint16_t domid, uint64_t gfn, int readonly, uint32_t *ref)
{
	if (free_count == 0)
		return FATA_ENOSPC;
	if (gfn > UINT32_MAX)
		return FATA_EINVAL;

	uint32_t r = free_refs[--free_count];
	table[r].domid = domid;
	table[r].frame = (uint32_t)gfn;

	/* Xen may use the entry as soon as the flags say so: they go last. */
	uint16_t flags = (uint16_t)(XEN_GTF_PERMIT_ACCESS | (readonly ? XEN_GTF_READONLY : 0));
	__atomic_store_n(&table[r].flags, flags, __ATOMIC_RELEASE);

	*ref = r;
	return FATA_OK;
}

int xen_grant_end(uint32_t ref)
{
	if (ref < RESERVED_REFS || ref >= MAX_ENTRIES)
		return FATA_EINVAL;

	uint16_t flags = __atomic_load_n(&table[ref].flags, __ATOMIC_ACQUIRE);
	do {
		if (flags & (XEN_GTF_READING | XEN_GTF_WRITING))
			return FATA_EBUSY;
	} while (!__atomic_compare_exchange_n(&table[ref].flags, &flags, 0, 0,
			__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));

	free_refs[free_count++] = (uint16_t)ref;
	return FATA_OK;
}

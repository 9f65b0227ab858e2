/*
 * The shared-info page, which carries event-channel bitmaps and the time
 * Xen publishes, and the HVM parameters that locate the console and
 * xenstore rings. A PVH guest maps shared info itself with
 * XENMEM_add_to_physmap at a frame of its choice (memory.h).
 */
#include <stdint.h>

#include <fata/error.h>

#include "xen_internal.h"

struct xen_shared_info *xen_shared_info;
struct xen_vcpu_info *xen_vcpu_info;

/* The frame Xen maps shared info over; its RAM goes back to Xen. */
static uint8_t shared_info_frame[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));

int xen_shared_init(void)
{
	struct xen_add_to_physmap map = {
		.domid = XEN_DOMID_SELF,
		.space = XEN_MAPSPACE_SHARED_INFO,
		.idx = 0,
		.gpfn = (uint64_t)(uintptr_t)shared_info_frame >> XEN_PAGE_SHIFT,
	};

	long rc = xen_hypercall3(XEN_HC_MEMORY_OP, XEN_XENMEM_ADD_TO_PHYSMAP,
			(uint64_t)(uintptr_t)&map, 0);
	if (rc < 0)
		return xen_error(rc);

	xen_shared_info = (struct xen_shared_info *)shared_info_frame;
	xen_vcpu_info = &xen_shared_info->vcpu_info[0];
	return FATA_OK;
}

int xen_hvm_get_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param param = {
		.domid = XEN_DOMID_SELF,
		.index = index,
	};

	long rc = xen_hypercall3(XEN_HC_HVM_OP, XEN_HVMOP_GET_PARAM,
			(uint64_t)(uintptr_t)&param, 0);
	if (rc < 0)
		return xen_error(rc);

	*value = param.value;
	return FATA_OK;
}

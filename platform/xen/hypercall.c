/*
 * The hypercall page. Xen announces itself in CPUID leaves 0x40000000 and
 * up (the base moves by 0x100 when Viridian leaves come first); leaf base+2
 * names an MSR, and writing a page's physical address there makes Xen fill
 * the page with one 32-byte stub per hypercall, using VMCALL or VMMCALL as
 * the CPU needs (Xen's arch-x86/cpuid.h).
 */
#include <stdint.h>
#include <string.h>

#include <fata/error.h>

#include "xen_internal.h"

#define CPUID_XEN_FIRST 0x40000000u
#define CPUID_XEN_LAST 0x40010000u
#define HYPERCALL_STUB_SIZE 32

static uint8_t hypercall_page[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

/* Returns the first CPUID leaf of Xen's range, or 0 when there is none. */
static uint32_t find_xen_leaves(void)
{
	for (uint32_t base = CPUID_XEN_FIRST; base < CPUID_XEN_LAST; base += 0x100) {
		uint32_t eax, sig[3];

		cpuid(base, &eax, &sig[0], &sig[1], &sig[2]);
		if (memcmp(sig, "XenVMMXenVMM", 12) == 0 && eax - base >= 2)
			return base;
	}
	return 0;
}

int xen_hypercall_init(void)
{
	uint32_t base = find_xen_leaves();
	if (base == 0)
		return FATA_ENOTSUP;

	uint32_t pages, msr, unused_c, unused_d;
	cpuid(base + 2, &pages, &msr, &unused_c, &unused_d);
	if (pages == 0)
		return FATA_ENOTSUP;

	/* The image is mapped one to one, so the virtual address is the physical one. */
	wrmsr(msr, (uint64_t)(uintptr_t)hypercall_page);
	return FATA_OK;
}

long xen_hypercall3(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t rdi __asm__("rdi") = a1;
	register uint64_t rsi __asm__("rsi") = a2;
	register uint64_t rdx __asm__("rdx") = a3;
	void *stub = hypercall_page + (size_t)nr * HYPERCALL_STUB_SIZE;
	long result;

	/* Debug builds of Xen scramble the argument registers, so all are outputs. */
	__asm__ volatile("call *%[stub]"
			: "=a"(result), "+r"(rdi), "+r"(rsi), "+r"(rdx)
			: [stub] "r"(stub)
			: "memory", "rcx", "r8", "r10", "r11");
	return result;
}

int xen_error(long rc)
{
	if (rc >= 0)
		return (int)rc;

	switch (-rc) {
	case XEN_EPERM:
		return FATA_EPERM;
	case XEN_ENOENT:
		return FATA_ENOENT;
	case XEN_EAGAIN:
		return FATA_EAGAIN;
	case XEN_ENOMEM:
		return FATA_ENOMEM;
	case XEN_EINVAL:
		return FATA_EINVAL;
	case XEN_ENOSPC:
		return FATA_ENOSPC;
	case XEN_ENOSYS:
		return FATA_ENOTSUP;
	default:
		return FATA_EIO;
	}
}

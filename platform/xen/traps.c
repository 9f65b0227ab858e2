/*
 * The interrupt descriptor table. Exceptions report the faulting state on
 * the console and crash the domain; nothing here tries to recover. The
 * upcall vector ends the HLT of xen_evtchn_block().
 */
#include <stdint.h>

#include <fata/fmt.h>

#include "xen_internal.h"

#define IDT_ENTRIES 256
#define SEL_CODE64 0x08
/* Present, ring 0, 64-bit interrupt gate (interrupts stay off in the handler). */
#define GATE_INTERRUPT 0x8e

struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};

struct idt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct idt_entry idt[IDT_ENTRIES] __attribute__((aligned(16)));

#define TRAP_ENTRY(n) extern void xen_trap_entry_##n(void)
TRAP_ENTRY(0); TRAP_ENTRY(1); TRAP_ENTRY(2); TRAP_ENTRY(3); TRAP_ENTRY(4);
TRAP_ENTRY(5); TRAP_ENTRY(6); TRAP_ENTRY(7); TRAP_ENTRY(8); TRAP_ENTRY(9);
TRAP_ENTRY(10); TRAP_ENTRY(11); TRAP_ENTRY(12); TRAP_ENTRY(13); TRAP_ENTRY(14);
TRAP_ENTRY(15); TRAP_ENTRY(16); TRAP_ENTRY(17); TRAP_ENTRY(18); TRAP_ENTRY(19);
TRAP_ENTRY(20); TRAP_ENTRY(21); TRAP_ENTRY(22); TRAP_ENTRY(23); TRAP_ENTRY(24);
TRAP_ENTRY(25); TRAP_ENTRY(26); TRAP_ENTRY(27); TRAP_ENTRY(28); TRAP_ENTRY(29);
TRAP_ENTRY(30); TRAP_ENTRY(31);
extern void xen_upcall_entry(void);

static void (*const exception_entries[32])(void) = {
	xen_trap_entry_0, xen_trap_entry_1, xen_trap_entry_2, xen_trap_entry_3,
	xen_trap_entry_4, xen_trap_entry_5, xen_trap_entry_6, xen_trap_entry_7,
	xen_trap_entry_8, xen_trap_entry_9, xen_trap_entry_10, xen_trap_entry_11,
	xen_trap_entry_12, xen_trap_entry_13, xen_trap_entry_14, xen_trap_entry_15,
	xen_trap_entry_16, xen_trap_entry_17, xen_trap_entry_18, xen_trap_entry_19,
	xen_trap_entry_20, xen_trap_entry_21, xen_trap_entry_22, xen_trap_entry_23,
	xen_trap_entry_24, xen_trap_entry_25, xen_trap_entry_26, xen_trap_entry_27,
	xen_trap_entry_28, xen_trap_entry_29, xen_trap_entry_30, xen_trap_entry_31,
};

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 floating point", "alignment check", "machine check",
	"SIMD floating point", "virtualization", "control protection", "reserved", "reserved",
	"reserved", "reserved", "reserved", "reserved", "hypervisor injection",
	"VMM communication", "security", "reserved",
};

static void set_gate(unsigned vector, void (*handler)(void))
{
	uint64_t address = (uint64_t)(uintptr_t)handler;

	idt[vector] = (struct idt_entry){
		.offset_low = (uint16_t)address,
		.selector = SEL_CODE64,
		.ist = 0,
		.type_attr = GATE_INTERRUPT,
		.offset_mid = (uint16_t)(address >> 16),
		.offset_high = (uint32_t)(address >> 32),
	};
}

void xen_traps_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		set_gate(v, exception_entries[v]);
	set_gate(XEN_UPCALL_VECTOR, xen_upcall_entry);

	struct idt_pointer pointer = {
		.limit = sizeof(idt) - 1,
		.base = (uint64_t)(uintptr_t)idt,
	};
	__asm__ volatile("lidt %0" : : "m"(pointer));
}

static uint64_t read_cr2(void)
{
	uint64_t value;

	__asm__ volatile("mov %%cr2, %0" : "=r"(value));
	return value;
}

void xen_trap(struct xen_trap_frame *frame)
{
	char line[256];
	uint64_t vector = frame->vector;
	const char *name = vector < 32 ? exception_names[vector] : "unknown";

	fata_snprintf(line, sizeof(line), "fata: CPU exception %llu (%s), error code 0x%llx, "
			"rip 0x%llx, rsp 0x%llx, cr2 0x%llx", (unsigned long long)vector, name,
			(unsigned long long)frame->error_code, (unsigned long long)frame->rip,
			(unsigned long long)frame->rsp, (unsigned long long)read_cr2());
	xen_panic(line);
}

/*
 * PVH start of day for x86_64.
 *
 * Xen enters a PVH guest at the address in its XEN_ELFNOTE_PHYS32_ENTRY
 * note in 32-bit protected mode with paging off, flat 4 GiB segments, and
 * the physical address of struct hvm_start_info in %ebx (Xen's
 * docs/misc/pvh.pandoc). This file builds page tables that map the first
 * 4 GiB one to one with 2 MiB pages, enables PAE, long mode and SSE, loads a
 * GDT, switches to a boot stack and calls xen_boot(start_info_paddr) in C.
 * The image is linked at its load address, so addresses before and after
 * paging are the same.
 */

#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_EM (1 << 2)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)

#define PTE_PRESENT 0x1
#define PTE_WRITE 0x2
#define PTE_LARGE 0x80

#define SEL_CODE64 0x08
#define SEL_DATA 0x10

/* Bytes of the boot stack, which is the only stack: Fata runs one thread. */
#define BOOT_STACK_SIZE (256 * 1024)

/* ---- ELF notes that make Xen's loader treat the image as a PVH kernel ---- */

#define ELFNOTE(type, desctype, descdata)	\
	.balign 4;				\
	.long 4;				\
	.long 2f - 1f;				\
	.long type;				\
	.asciz "Xen";				\
	.balign 4;				\
1:	desctype descdata;			\
2:	.balign 4

	.section .note.Xen, "a", @note
	/* XEN_ELFNOTE_GUEST_OS */
	ELFNOTE(6, .asciz, "Fata")
	/* XEN_ELFNOTE_XEN_VERSION */
	ELFNOTE(5, .asciz, "xen-3.0")
	/* XEN_ELFNOTE_PHYS32_ENTRY: a 32-bit physical entry address */
	ELFNOTE(18, .long, xen_pvh_entry)

/* ---- 32-bit entry ---- */

	.section .text.boot, "ax"
	.code32
	.globl xen_pvh_entry
xen_pvh_entry:
	cli
	cld
	movl %ebx, xen_start_info_paddr

	lgdt gdt_descriptor

	/* Four page directories of 512 entries map 4 GiB in 2 MiB pages. */
	movl $boot_pd, %edi
	movl $(PTE_PRESENT | PTE_WRITE | PTE_LARGE), %eax
	movl $2048, %ecx
1:	movl %eax, (%edi)
	movl $0, 4(%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b

	/* The directory-pointer table points at the four directories. */
	movl $boot_pdpt, %edi
	movl $(boot_pd + (PTE_PRESENT | PTE_WRITE)), %eax
	movl $4, %ecx
2:	movl %eax, (%edi)
	movl $0, 4(%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 2b

	movl $(boot_pdpt + (PTE_PRESENT | PTE_WRITE)), %eax
	movl %eax, boot_pml4
	movl $0, boot_pml4 + 4

	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4

	movl $boot_pml4, %eax
	movl %eax, %cr3

	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr

	/* Paging on enters long mode; the FPU is native (MP) and not emulated (EM). */
	movl %cr0, %eax
	andl $~CR0_EM, %eax
	orl $(CR0_PE | CR0_MP | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0

	ljmp $SEL_CODE64, $long_mode_entry

/* ---- 64-bit entry ---- */

	.code64
long_mode_entry:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs

	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	movl xen_start_info_paddr(%rip), %edi
	call xen_boot

	/* xen_boot does not return; stop the vCPU if it ever does. */
3:	cli
	hlt
	jmp 3b

/* ---- data ---- */

	.section .rodata
	.balign 16
gdt:
	.quad 0                    /* null descriptor */
	.quad 0x00af9a000000ffff   /* 0x08: 64-bit code, ring 0 */
	.quad 0x00cf92000000ffff   /* 0x10: flat data, ring 0 */
gdt_end:

gdt_descriptor:
	.word gdt_end - gdt - 1
	.long gdt

	.section .data
	.balign 8
	.globl xen_start_info_paddr
xen_start_info_paddr:
	.long 0

	.section .bss
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096

	.balign 16
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits

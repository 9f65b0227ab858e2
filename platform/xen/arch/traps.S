/*
 * Interrupt and exception entry points for x86_64.
 *
 * Exceptions 0-31 are fatal: each stub pushes its vector (and a zero where
 * the CPU pushes no error code), saves the general registers and calls
 * xen_trap(frame), which reports the fault and crashes the domain.
 *
 * The event-channel upcall vector only has to end a HLT: the poller scans
 * the pending bitmaps itself with interrupts off. The handler clears
 * evtchn_upcall_pending, because Xen keeps injecting the callback vector
 * while that flag is set (the flag acts as a level-triggered line).
 */

	.text
	.code64

.macro TRAP_NOERR vector
	.globl xen_trap_entry_\vector
xen_trap_entry_\vector:
	pushq $0
	pushq $\vector
	jmp trap_common
.endm

.macro TRAP_ERR vector
	.globl xen_trap_entry_\vector
xen_trap_entry_\vector:
	pushq $\vector
	jmp trap_common
.endm

TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 2
TRAP_NOERR 3
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_ERR 8
TRAP_NOERR 9
TRAP_ERR 10
TRAP_ERR 11
TRAP_ERR 12
TRAP_ERR 13
TRAP_ERR 14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR 17
TRAP_NOERR 18
TRAP_NOERR 19
TRAP_NOERR 20
TRAP_ERR 21
TRAP_NOERR 22
TRAP_NOERR 23
TRAP_NOERR 24
TRAP_NOERR 25
TRAP_NOERR 26
TRAP_NOERR 27
TRAP_NOERR 28
TRAP_ERR 29
TRAP_ERR 30
TRAP_NOERR 31

/* Builds struct xen_trap_frame (see xen_internal.h) below the vector. */
trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	andq $-16, %rsp
	call xen_trap
1:	cli
	hlt
	jmp 1b

	.globl xen_upcall_entry
xen_upcall_entry:
	pushq %rax
	movq xen_vcpu_info(%rip), %rax
	movb $0, (%rax)
	popq %rax
	iretq

	.section .note.GNU-stack, "", @progbits

/*
 * Interfaces between the files of the Xen backend. Not installed.
 *
 * The backend runs on one vCPU with interrupts disabled except while it
 * waits in xen_evtchn_block(), so no function here needs a lock.
 */
#ifndef FATA_XEN_INTERNAL_H
#define FATA_XEN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "xen_abi.h"

/* ---- hypercall.c ---- */

/*
 * Finds Xen's CPUID leaves and installs the hypercall page. Returns 0, or
 * FATA_ENOTSUP when the CPU reports no Xen hypervisor.
 */
int xen_hypercall_init(void);

/* Issues hypercall `nr` with up to three arguments; returns Xen's result (-errno on failure). */
long xen_hypercall3(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3);

/* Maps a negative Xen errno to a fata_error code; 0 and positive values pass through. */
int xen_error(long rc);

/* ---- console.c ---- */

/*
 * Writes to Xen's emergency console (the console_io hypercall), or, where
 * Xen refuses it to an unprivileged domain, to the HVM debug port 0xe9,
 * which Xen logs with guest_loglvl=all. Works before anything else is set up.
 */
void xen_console_early_write(const char *text, size_t len);

/* Connects to the console ring of the PV console. Errors: FATA_EIO. */
int xen_console_init(void);

/*
 * Writes `len` bytes to the console ring, waiting up to a second per full
 * ring for xenconsoled; falls back to the early console before
 * xen_console_init(). Newlines become CR LF.
 */
void xen_console_write(const char *text, size_t len);

/* Waits up to a second until xenconsoled has read everything written so far. */
void xen_console_flush(void);

/* ---- traps.c ---- */

/* The registers trap_common in traps.S pushes, lowest address first. */
struct xen_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* The vector Xen raises for event-channel upcalls. */
#define XEN_UPCALL_VECTOR 0xf3

/* Loads the IDT: fatal handlers for exceptions and the upcall vector. */
void xen_traps_init(void);

/* Reports a CPU exception and crashes the domain; called from traps.S. */
void xen_trap(struct xen_trap_frame *frame) __attribute__((noreturn));

/* ---- shared.c ---- */

/* The shared-info page and vCPU 0's part of it, once xen_shared_init() ran. */
extern struct xen_shared_info *xen_shared_info;
extern struct xen_vcpu_info *xen_vcpu_info;

/* Maps the shared-info page into the guest. Errors: from the hypercall. */
int xen_shared_init(void);

/* Reads an HVM parameter of this domain. */
int xen_hvm_get_param(uint32_t index, uint64_t *value);

/* ---- clock.c ---- */

/* Returns Xen system time in ns (since the hypervisor started). */
uint64_t xen_system_time_ns(void);

/* Records when this domain's vCPU was created, from its runstate times. */
void xen_clock_init(void);

/* Returns ns since the domain's vCPU was created, which is about domain creation. */
uint64_t xen_uptime_ns(void);

/* ---- evtchn.c ---- */

/* A handler for one event channel, run from xen_evtchn_dispatch(). */
typedef void (*xen_evtchn_fn)(void *arg, uint32_t port);

/* Routes upcalls to XEN_UPCALL_VECTOR and binds the timer VIRQ. Errors: from Xen. */
int xen_evtchn_init(void);

/*
 * Runs `fn(arg, port)` whenever `port` is signalled, and unmasks it.
 * Errors: FATA_EINVAL for a port out of range, FATA_EBUSY when bound.
 */
int xen_evtchn_bind(uint32_t port, xen_evtchn_fn fn, void *arg);

/* Masks `port` and removes its handler. */
void xen_evtchn_unbind(uint32_t port);

/* Allocates a port that domain `remote` may bind to. */
int xen_evtchn_alloc_unbound(uint16_t remote, uint32_t *port);

/* Closes a port this domain allocated. */
void xen_evtchn_close(uint32_t port);

/* Signals the other end of `port`. */
void xen_evtchn_notify(uint32_t port);

/* Runs the handlers of every pending port; returns how many ran. */
unsigned xen_evtchn_dispatch(void);

/* Returns 1 when any port is pending that xen_evtchn_dispatch() would see. */
int xen_evtchn_any_pending(void);

/* Names every port for xen_evtchn_block(). */
#define XEN_EVTCHN_ANY UINT32_MAX

/*
 * Blocks the vCPU until an event arrives or Xen system time reaches
 * `deadline_ns` (UINT64_MAX: no deadline). Returns at once when `port` is
 * pending already, or with XEN_EVTCHN_ANY when any port is. Other events
 * may end the wait too, so callers check their condition again.
 */
void xen_evtchn_block(uint32_t port, uint64_t deadline_ns);

/* Returns 1 when `port` is pending, and clears it. */
int xen_evtchn_test_and_clear(uint32_t port);

/* ---- heap.c ---- */

/* Hands the memory [start, end) to the heap. */
void xen_heap_init(uintptr_t start, uintptr_t end);

void *xen_heap_alloc(size_t size);
void *xen_heap_realloc(void *ptr, size_t size);
void xen_heap_free(void *ptr);

/* Returns `count` zeroed pages aligned to 4096 bytes, or NULL; free with xen_heap_free(). */
void *xen_pages_alloc(size_t count);

/* Heap figures for logs and counters. */
struct xen_heap_stats {
	uint64_t total_bytes;
	uint64_t used_bytes;
	uint64_t peak_bytes;
	uint64_t failures;
};
void xen_heap_get_stats(struct xen_heap_stats *out);

/* ---- memory.c ---- */

/*
 * Finds the guest's RAM from the start info's memory map and gives the
 * part above the image to the heap. Returns 0 or FATA_ENOMEM.
 */
int xen_memory_init(const struct xen_hvm_start_info *start_info);

/* ---- grant.c ---- */

/* Maps the grant table. Errors: from Xen, FATA_ENOMEM. */
int xen_grant_init(void);

/*
 * Grants domain `domid` access to guest frame `gfn`, read-only when
 * `readonly` is set, and stores the reference in `*ref`.
 * Errors: FATA_ENOSPC when the table is full.
 */
int xen_grant_access(uint16_t domid, uint64_t gfn, int readonly, uint32_t *ref);

/*
 * Revokes a grant. Returns 0, or FATA_EBUSY when the other domain still
 * maps or copies the frame: the frame must then not be reused.
 */
int xen_grant_end(uint32_t ref);

/* ---- xenstore.c ---- */

/* Connects to xenstored through the ring in the HVM parameters. Errors: FATA_EIO. */
int xen_xs_init(void);

/*
 * Reads `path` (relative paths are under this domain's home) into `buf` as
 * a NUL-terminated string. Returns its length. Errors: FATA_ENOENT,
 * FATA_ENOSPC when it does not fit, FATA_ETIMEDOUT, FATA_EIO.
 */
int xen_xs_read(uint32_t tx, const char *path, char *buf, size_t size);

/* Writes `value` to `path`. Errors as for xen_xs_read, FATA_EPERM. */
int xen_xs_write(uint32_t tx, const char *path, const char *value);

/* Starts a transaction and stores its id in `*tx`. */
int xen_xs_transaction_start(uint32_t *tx);

/* Commits (abort 0) or aborts a transaction. FATA_EAGAIN: it conflicted; retry it. */
int xen_xs_transaction_end(uint32_t tx, int abort);

/* A watch: `fn(arg, path)` runs from the event loop when `path` or a child changes. */
struct xen_xs_watch {
	const char *path;
	void (*fn)(void *arg, const char *path);
	void *arg;
	struct xen_xs_watch *next;
	int registered;
};

/* Registers `watch` (owned by the caller until unwatched). Xen fires it once at once. */
int xen_xs_watch(struct xen_xs_watch *watch);

/* Removes `watch`; harmless when not registered. */
void xen_xs_unwatch(struct xen_xs_watch *watch);

/* Runs the callbacks of watch events queued during requests; returns how many. */
unsigned xen_xs_run_queued(void);

/* Reads `path` as a decimal number. Errors as xen_xs_read, FATA_EINVAL when not a number. */
int xen_xs_read_u64(uint32_t tx, const char *path, uint64_t *out);

/*
 * Waits until `path` contains a number for which `done(value, arg)` returns
 * nonzero, or `timeout_ns` passes. Returns 0, FATA_ETIMEDOUT, or an error.
 */
int xen_xs_wait(const char *path, int (*done)(uint64_t value, void *arg), void *arg,
		uint64_t timeout_ns, uint64_t *last);

/* ---- shutdown.c ---- */

/*
 * Writes the exit line, flushes the console and shuts the domain down:
 * power-off for status 0, crash for any other status.
 */
void xen_exit(int status) __attribute__((noreturn));

/* Reports `message` on the console and crashes the domain. */
void xen_panic(const char *message) __attribute__((noreturn));

/* ---- entropy.c ---- */

/* Checks for RDSEED or RDRAND and tests it. Errors: FATA_EIO without a working source. */
int xen_entropy_init(void);

/* ---- boot.c ---- */

/* The boot command line (the domain's extra= setting), copied at boot. */
const char *xen_cmdline(void);

#endif

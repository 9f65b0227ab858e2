/*
 * The guest console: the emergency console for early boot and crashes,
 * then the PV console ring that xenconsoled reads (io/console.h). The
 * ring's page and event channel come from HVM parameters, as for every
 * PVH guest.
 */
#include <stdint.h>
#include <string.h>

#include <fata/error.h>

#include "xen_internal.h"

/* Xen's HVM debug console port (XEN_HVM_DEBUGCONS_IOPORT). */
#define DEBUG_PORT 0xe9

/* How long a write waits for xenconsoled to make room before it drops output. */
#define CONSOLE_WAIT_NS 1000000000ull

static struct xen_console_interface *ring;
static uint32_t ring_port;
/* Set after the first refusal, so later early writes go straight to the port. */
static int hypercall_refused;

static void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

void xen_console_early_write(const char *text, size_t len)
{
	if (!hypercall_refused) {
		long rc = xen_hypercall3(XEN_HC_CONSOLE_IO, XEN_CONSOLEIO_WRITE, len,
				(uint64_t)(uintptr_t)text);
		if (rc >= 0)
			return;
		hypercall_refused = 1;
	}

	for (size_t i = 0; i < len; i++)
		outb(DEBUG_PORT, (uint8_t)text[i]);
}

int xen_console_init(void)
{
	uint64_t pfn = 0, port = 0;

	if (xen_hvm_get_param(XEN_HVM_PARAM_CONSOLE_PFN, &pfn) < 0 || pfn == 0)
		return FATA_EIO;
	if (xen_hvm_get_param(XEN_HVM_PARAM_CONSOLE_EVTCHN, &port) < 0)
		return FATA_EIO;

	ring = (struct xen_console_interface *)(uintptr_t)(pfn << XEN_PAGE_SHIFT);
	ring_port = (uint32_t)port;
	return FATA_OK;
}

/* Returns the free bytes of the output ring. */
static uint32_t ring_space(void)
{
	uint32_t cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
	uint32_t prod = ring->out_prod;

	return (uint32_t)sizeof(ring->out) - (prod - cons);
}

/* Waits until the ring has room; returns 0 when xenconsoled did not drain it in time. */
static int wait_for_space(void)
{
	uint64_t deadline = xen_system_time_ns() + CONSOLE_WAIT_NS;

	while (ring_space() == 0) {
		if (xen_system_time_ns() >= deadline)
			return 0;
		xen_evtchn_notify(ring_port);
		xen_evtchn_block(ring_port, deadline);
		xen_evtchn_test_and_clear(ring_port);
	}
	return 1;
}

static void put_byte(char c)
{
	ring->out[ring->out_prod & (sizeof(ring->out) - 1)] = c;
	/* The byte must be visible before the producer index that covers it. */
	__atomic_store_n(&ring->out_prod, ring->out_prod + 1, __ATOMIC_RELEASE);
}

void xen_console_write(const char *text, size_t len)
{
	if (ring == NULL) {
		xen_console_early_write(text, len);
		return;
	}

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			if (ring_space() == 0 && !wait_for_space())
				break;
			put_byte('\r');
		}
		if (ring_space() == 0 && !wait_for_space())
			break;
		put_byte(text[i]);
	}
	xen_evtchn_notify(ring_port);
}

void xen_console_flush(void)
{
	if (ring == NULL)
		return;

	uint64_t deadline = xen_system_time_ns() + CONSOLE_WAIT_NS;
	while (__atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE) != ring->out_prod) {
		if (xen_system_time_ns() >= deadline)
			return;
		xen_evtchn_notify(ring_port);
		xen_evtchn_block(ring_port, deadline);
		xen_evtchn_test_and_clear(ring_port);
	}
}

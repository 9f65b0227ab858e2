/*
 * Event channels with the two-level ABI (event_channel.h): one pending
 * and one mask bit per port in shared info, and a per-vCPU selector with
 * one bit per 64-port word that has a port pending.
 *
 * Xen raises an upcall only when it sets a selector bit that was clear, so
 * a waiter first takes the selector (remembering its words in deferred_sel
 * for the next dispatch) and clears evtchn_upcall_pending, then checks, then
 * halts: any event after the check sets a fresh selector bit and wakes it.
 *
 * Blocking uses STI immediately followed by HLT. Xen handles HLT from an
 * HVM or PVH vCPU with interrupts enabled by running SCHEDOP_block for it
 * (hvm_hlt() in xen/arch/x86/hvm/hvm.c, 4.17). It first steps past the
 * instruction and drops the STI shadow, so an event that arrived before the
 * HLT keeps the vCPU runnable. Issuing SCHEDOP_block as a
 * hypercall instead would leave the STI shadow in force during the call,
 * and Xen would treat the pending upcall as blocked and sleep anyway.
 */
#include <stdint.h>

#include <fata/error.h>

#include "xen_internal.h"

/* Ports of the two-level ABI on a 64-bit guest: 64 words of 64 bits. */
#define PORT_COUNT 4096u
#define WORD_BITS 64u

struct port_handler {
	xen_evtchn_fn fn;
	void *arg;
};

static struct port_handler handlers[PORT_COUNT];
/* Selector words taken by waiters that the next dispatch must still scan. */
static uint64_t deferred_sel;
static uint32_t timer_port;

static long evtchn_op(unsigned cmd, void *arg)
{
	return xen_hypercall3(XEN_HC_EVENT_CHANNEL_OP, cmd, (uint64_t)(uintptr_t)arg, 0);
}

static void ignore_event(void *arg, uint32_t port)
{
	(void)arg;
	(void)port;
}

int xen_evtchn_init(void)
{
	struct xen_hvm_param param = {
		.domid = XEN_DOMID_SELF,
		.index = XEN_HVM_PARAM_CALLBACK_IRQ,
		.value = (XEN_HVM_CALLBACK_TYPE_VECTOR << XEN_HVM_CALLBACK_TYPE_SHIFT) |
			XEN_UPCALL_VECTOR,
	};

	long rc = xen_hypercall3(XEN_HC_HVM_OP, XEN_HVMOP_SET_PARAM, (uint64_t)(uintptr_t)&param, 0);
	if (rc < 0)
		return xen_error(rc);

	/* The one-shot timer signals VIRQ_TIMER; it only has to wake the vCPU. */
	struct xen_evtchn_bind_virq bind = { .virq = XEN_VIRQ_TIMER, .vcpu = 0 };
	rc = evtchn_op(XEN_EVTCHNOP_BIND_VIRQ, &bind);
	if (rc < 0)
		return xen_error(rc);

	timer_port = bind.port;
	return xen_evtchn_bind(timer_port, ignore_event, NULL);
}

int xen_evtchn_bind(uint32_t port, xen_evtchn_fn fn, void *arg)
{
	if (port >= PORT_COUNT || fn == NULL)
		return FATA_EINVAL;
	if (handlers[port].fn)
		return FATA_EBUSY;

	handlers[port].fn = fn;
	handlers[port].arg = arg;

	/* EVTCHNOP_unmask also raises the upcall when the port was pending already. */
	struct xen_evtchn_port unmask = { .port = port };
	long rc = evtchn_op(XEN_EVTCHNOP_UNMASK, &unmask);
	if (rc < 0) {
		handlers[port].fn = NULL;
		return xen_error(rc);
	}
	return FATA_OK;
}

void xen_evtchn_unbind(uint32_t port)
{
	if (port >= PORT_COUNT)
		return;

	__atomic_fetch_or(&xen_shared_info->evtchn_mask[port / WORD_BITS],
			1ull << (port % WORD_BITS), __ATOMIC_SEQ_CST);
	handlers[port].fn = NULL;
	handlers[port].arg = NULL;
}

int xen_evtchn_alloc_unbound(uint16_t remote, uint32_t *port)
{
	struct xen_evtchn_alloc_unbound op = { .dom = XEN_DOMID_SELF, .remote_dom = remote };

	long rc = evtchn_op(XEN_EVTCHNOP_ALLOC_UNBOUND, &op);
	if (rc < 0)
		return xen_error(rc);

	*port = op.port;
	return FATA_OK;
}

void xen_evtchn_close(uint32_t port)
{
	struct xen_evtchn_port op = { .port = port };

	xen_evtchn_unbind(port);
	evtchn_op(XEN_EVTCHNOP_CLOSE, &op);
}

void xen_evtchn_notify(uint32_t port)
{
	struct xen_evtchn_port op = { .port = port };

	evtchn_op(XEN_EVTCHNOP_SEND, &op);
}

int xen_evtchn_test_and_clear(uint32_t port)
{
	if (port >= PORT_COUNT)
		return 0;

	uint64_t bit = 1ull << (port % WORD_BITS);
	uint64_t old = __atomic_fetch_and(&xen_shared_info->evtchn_pending[port / WORD_BITS],
			~bit, __ATOMIC_SEQ_CST);
	return (old & bit) != 0;
}

/* Takes the selector into deferred_sel and clears the upcall flag; see the file comment. */
static void take_selector(void)
{
	__atomic_store_n(&xen_vcpu_info->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	deferred_sel |= __atomic_exchange_n(&xen_vcpu_info->evtchn_pending_sel, 0,
			__ATOMIC_SEQ_CST);
}

static uint64_t pending_word(unsigned word)
{
	return __atomic_load_n(&xen_shared_info->evtchn_pending[word], __ATOMIC_SEQ_CST) &
		~__atomic_load_n(&xen_shared_info->evtchn_mask[word], __ATOMIC_SEQ_CST);
}

unsigned xen_evtchn_dispatch(void)
{
	unsigned ran = 0;

	take_selector();
	uint64_t sel = deferred_sel;
	deferred_sel = 0;

	while (sel) {
		unsigned word = (unsigned)__builtin_ctzll(sel);
		sel &= sel - 1;

		uint64_t bits = pending_word(word);
		while (bits) {
			unsigned bit = (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;

			uint32_t port = word * WORD_BITS + bit;
			if (!xen_evtchn_test_and_clear(port))
				continue;

			if (handlers[port].fn) {
				handlers[port].fn(handlers[port].arg, port);
				ran++;
			}
		}
	}
	return ran;
}

int xen_evtchn_any_pending(void)
{
	take_selector();

	uint64_t sel = deferred_sel;
	while (sel) {
		unsigned word = (unsigned)__builtin_ctzll(sel);
		sel &= sel - 1;

		if (pending_word(word))
			return 1;
		/* Nothing left in this word: a later event must set its selector bit anew. */
		deferred_sel &= ~(1ull << word);
	}
	return 0;
}

static void arm_timer(uint64_t deadline_ns)
{
	struct xen_vcpu_set_singleshot_timer timer = { .timeout_abs_ns = deadline_ns };

	/* Without VCPU_SSHOTTMR_future a deadline in the past fires at once. */
	xen_hypercall3(XEN_HC_VCPU_OP, XEN_VCPUOP_SET_SINGLESHOT_TIMER, 0,
			(uint64_t)(uintptr_t)&timer);
}

/* Returns 1 when `port` is pending, without clearing it. */
static int port_pending(uint32_t port)
{
	if (port >= PORT_COUNT)
		return 0;
	return (pending_word(port / WORD_BITS) >> (port % WORD_BITS)) & 1;
}

void xen_evtchn_block(uint32_t port, uint64_t deadline_ns)
{
	/*
	 * Xen raises no upcall for a port that is pending already, so an
	 * earlier expiry left undispatched would keep this one from waking us.
	 */
	xen_evtchn_test_and_clear(timer_port);
	if (deadline_ns != UINT64_MAX)
		arm_timer(deadline_ns);

	if (port == XEN_EVTCHN_ANY) {
		if (xen_evtchn_any_pending())
			return;
	} else {
		take_selector();
		if (port_pending(port))
			return;
	}

	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

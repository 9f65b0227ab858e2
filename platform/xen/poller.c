/*
 * The default poller of the Xen backend. A turn runs the handlers of every
 * pending event channel (netfront rings, xenstore watches); when none ran
 * and the loop may wait, it arms the one-shot timer for the loop's next
 * deadline (VCPUOP_set_singleshot_timer) and blocks the vCPU until an event
 * or the timer fires.
 */
#include <stdint.h>

#include <fata/error.h>
#include <fata/loop.h>

#include "../src/backend.h"
#include "xen_internal.h"

static unsigned run_handlers(void)
{
	return xen_evtchn_dispatch() + xen_xs_run_queued();
}

static int xen_poller_wait(void *ctx, struct fata_loop *loop, uint64_t timeout_ns)
{
	(void)ctx;

	unsigned ran = run_handlers();
	if (ran == 0 && timeout_ns > 0) {
		uint64_t now = xen_system_time_ns();
		uint64_t deadline = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;

		xen_evtchn_block(XEN_EVTCHN_ANY, deadline);
		ran = run_handlers();
	}

	if (ran > 0)
		fata_loop_note_io(loop);
	return FATA_OK;
}

static uint64_t xen_poller_now(void *ctx)
{
	(void)ctx;
	return xen_system_time_ns();
}

static const struct fata_poller_ops xen_poller_ops = {
	.wait = xen_poller_wait,
	.now = xen_poller_now,
	.destroy = NULL,
};

int fata_backend_poller_new(const struct fata_poller_ops **ops, void **ctx)
{
	*ops = &xen_poller_ops;
	*ctx = NULL;
	return FATA_OK;
}

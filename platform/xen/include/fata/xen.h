/*
 * The Xen backend: what a unikernel application may use beyond the
 * platform-neutral headers. Fata images boot as Xen PVH guests. The backend
 * provides the loop's poller, clocks, entropy, memory, the console, and a
 * netif over Xen's paravirtual network device (netfront). Only applications
 * and the Xen start-up code include this header.
 */
#ifndef FATA_XEN_H
#define FATA_XEN_H

#include <stddef.h>
#include <stdint.h>

#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/promise.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Connects to the network device `devid` of this domain (xenstore
 * device/vif/DEVID, the order of vif= entries in the domain's configuration)
 * and returns it as a netif on `loop` in `*out`, named "vifDEVID". The
 * MAC address and the MTU (default 1500) come from xenstore. The netif holds
 * a loop reference while open; fata_netif_close() disconnects it.
 * Errors: FATA_ENOENT when the domain has no such device, FATA_ENOTSUP when
 * the backend cannot copy received frames into the guest (request-rx-copy),
 * FATA_ETIMEDOUT when the backend does not connect within 30 seconds,
 * FATA_ENOSPC when grant references run out, FATA_ENOMEM, FATA_EIO.
 */
int fata_xen_netfront_open(struct fata_loop *loop, unsigned devid, struct fata_netif **out);

/* Shutdown requests the toolstack writes to control/shutdown. */
enum fata_xen_shutdown_reason {
	FATA_XEN_SHUTDOWN_POWEROFF = 0, /* "poweroff" or "halt" (xl shutdown) */
	FATA_XEN_SHUTDOWN_REBOOT = 1,   /* "reboot" (xl reboot) */
};

/*
 * Returns a promise fulfilled (u64 = enum fata_xen_shutdown_reason) when
 * the toolstack requests that the domain shut down, after acknowledging the
 * request. A "suspend" request is logged and refused, since the backend
 * cannot suspend. Canceling the promise removes the xenstore watch. At most
 * one such promise may be pending. Returns NULL when out of memory or when
 * the watch cannot be registered (the reason is logged).
 */
struct fata_promise *fata_xen_shutdown_request(struct fata_loop *loop);

/*
 * Returns nanoseconds since this domain was created, from the vCPU's
 * runstate times; the console log handler prints it on every line.
 */
uint64_t fata_xen_uptime_ns(void);

/* Writes `len` bytes to the domain's console (xl console, xenconsoled's log). */
void fata_xen_console_write(const char *data, size_t len);

/*
 * Shuts the domain down with `status`: power-off for 0, crash for any other
 * value, after writing "fata: exit status N" to the console. This is what
 * returning from main() and exit() do.
 */
void fata_xen_exit(int status) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif

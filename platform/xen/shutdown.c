/*
 * Leaving the domain (SCHEDOP_shutdown), and the toolstack's shutdown
 * requests. A request arrives as a value written to control/shutdown in
 * xenstore: "poweroff", "reboot", "halt" or "suspend" (Xen's
 * docs/misc/xenstore-paths). The guest acknowledges it by writing an empty
 * value back.
 */
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/fmt.h>
#include <fata/log.h>
#include <fata/promise.h>
#include <fata/xen.h>

#include "xen_internal.h"

#define CONTROL_PATH "control/shutdown"

static void shutdown_domain(uint32_t reason) __attribute__((noreturn));

static void shutdown_domain(uint32_t reason)
{
	struct xen_sched_shutdown op = { .reason = reason };

	for (;;) {
		xen_hypercall3(XEN_HC_SCHED_OP, XEN_SCHEDOP_SHUTDOWN, (uint64_t)(uintptr_t)&op, 0);
		/* Xen does not return from a successful shutdown; stop here if it did. */
		__asm__ volatile("cli; hlt");
	}
}

void xen_exit(int status)
{
	char line[64];

	int len = fata_snprintf(line, sizeof(line), "fata: exit status %d\n", status);
	xen_console_write(line, (size_t)len);
	xen_console_flush();
	shutdown_domain(status == 0 ? XEN_SHUTDOWN_POWEROFF : XEN_SHUTDOWN_CRASH);
}

void fata_xen_exit(int status)
{
	xen_exit(status);
}

void xen_panic(const char *message)
{
	size_t len = strlen(message);

	xen_console_early_write(message, len);
	xen_console_early_write("\n", 1);
	xen_console_write(message, len);
	xen_console_write("\n", 1);
	xen_console_flush();
	shutdown_domain(XEN_SHUTDOWN_CRASH);
}

/* The one pending shutdown-request promise and its watch. */
struct shutdown_request {
	struct xen_xs_watch watch;
	struct fata_promise *promise;
};

static struct shutdown_request *pending_request;

static void finish_request(struct shutdown_request *req)
{
	xen_xs_unwatch(&req->watch);
	pending_request = NULL;
	fata_free(req);
}

/* Runs when control/shutdown changes (and once when the watch is set). */
static void on_control(void *arg, const char *path)
{
	struct shutdown_request *req = arg;
	char value[32];
	(void)path;

	if (xen_xs_read(0, CONTROL_PATH, value, sizeof(value)) <= 0)
		return;

	uint64_t reason;
	if (strcmp(value, "poweroff") == 0 || strcmp(value, "halt") == 0) {
		reason = FATA_XEN_SHUTDOWN_POWEROFF;
	} else if (strcmp(value, "reboot") == 0) {
		reason = FATA_XEN_SHUTDOWN_REBOOT;
	} else {
		fata_log(FATA_LOG_WARN, "xen", "ignoring shutdown request \"%.16s\": only poweroff, "
				"halt and reboot are supported", value);
		xen_xs_write(0, CONTROL_PATH, "");
		return;
	}

	xen_xs_write(0, CONTROL_PATH, "");
	fata_log(FATA_LOG_INFO, "xen", "the toolstack requested %s", value);

	struct fata_promise *promise = req->promise;
	finish_request(req);
	fata_promise_fulfill(promise, (union fata_value){ .u64 = reason });
}

static void cancel_request(void *ctx, struct fata_promise *promise)
{
	(void)promise;
	finish_request(ctx);
}

struct fata_promise *fata_xen_shutdown_request(struct fata_loop *loop)
{
	if (pending_request) {
		fata_log(FATA_LOG_ERROR, "xen", "a shutdown-request promise is already pending");
		return NULL;
	}

	struct shutdown_request *req = fata_calloc(1, sizeof(*req));
	if (req == NULL)
		return NULL;

	req->promise = fata_promise_new(loop, "xen.shutdown_request");
	if (req->promise == NULL) {
		fata_free(req);
		return NULL;
	}

	req->watch.path = CONTROL_PATH;
	req->watch.fn = on_control;
	req->watch.arg = req;

	int rc = xen_xs_watch(&req->watch);
	if (rc < 0) {
		fata_log(FATA_LOG_ERROR, "xen", "cannot watch %s: %s", CONTROL_PATH, fata_strerror(rc));
		fata_promise_reject(req->promise, rc);
		fata_promise_cancel(req->promise);
		fata_free(req);
		return NULL;
	}

	/* Tell the toolstack the domain reacts to these requests itself. */
	xen_xs_write(0, "control/feature-poweroff", "1");
	xen_xs_write(0, "control/feature-reboot", "1");

	pending_request = req;
	fata_promise_on_cancel(req->promise, cancel_request, req);
	return req->promise;
}

/*
 * The accept loop of the second listener (plain HTTP beside HTTPS). The
 * HTTP server owns only one listener, so this loop accepts from the other
 * and gives each connection to the same server.
 */
#include <fata/error.h>
#include <fata/log.h>

#include "www_app.h"

/* Delay before accepting again after the listener failed, as libhttp waits. */
#define ACCEPT_RETRY_NS (100 * UINT64_C(1000000))

static void accept_next(struct www_accept_loop *a);

static void on_accept(void *arg, int status, union fata_value value)
{
	struct www_accept_loop *a = arg;

	a->accept = NULL;
	if (status == FATA_ECLOSED)
		return;
	if (status < 0) {
		fata_log(FATA_LOG_WARN, "www", "accept failed: %s; retrying in 100 ms",
				fata_strerror(status));
		if (fata_timer_arm(a->loop, &a->retry, fata_loop_now(a->loop) + ACCEPT_RETRY_NS) != 0)
			fata_log(FATA_LOG_ERROR, "www", "cannot arm the accept retry timer; not "
					"accepting plain HTTP any more");
		return;
	}

	/* The server closes the flow itself when it is shutting down. */
	if (fata_http_server_serve(a->server, value.ptr) == FATA_ESTATE) {
		www_accept_loop_stop(a);
		return;
	}
	accept_next(a);
}

static void accept_next(struct www_accept_loop *a)
{
	if (a->listener == NULL)
		return;
	a->accept = fata_listener_accept(a->listener);
	if (a->accept == NULL) {
		on_accept(a, FATA_ENOMEM, (union fata_value){ .ptr = NULL });
		return;
	}
	fata_promise_then(a->accept, on_accept, a);
}

static void on_retry(void *arg, struct fata_timer *timer)
{
	(void)timer;
	accept_next(arg);
}

void www_accept_loop_start(struct www_accept_loop *a, struct fata_http_server *server,
		struct fata_listener *listener)
{
	a->loop = listener->loop;
	a->server = server;
	a->listener = listener;
	a->accept = NULL;
	fata_timer_init(&a->retry, on_retry, a);
	accept_next(a);
}

void www_accept_loop_stop(struct www_accept_loop *a)
{
	if (a->listener == NULL)
		return;
	fata_timer_cancel(a->loop, &a->retry);

	/* Closing rejects the pending accept with FATA_ECLOSED, which ends the loop. */
	fata_listener_close(a->listener);
	a->listener = NULL;
}

/*
 * A listener that wraps every connection accepted by another listener in a
 * TLS server flow, for servers whose accept loop lives elsewhere (an HTTP
 * server library, say).
 */
#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/stack.h>

#include "tls_internal.h"

struct tls_listener {
	struct fata_listener listener;
	struct fata_listener *inner;
	struct fata_tls_server_config *config;
	struct fata_promise *accept;       /* the caller's pending accept */
	struct fata_promise *inner_accept; /* ours on the inner listener */
};

static void inner_accepted(void *arg, int status, union fata_value value);

static void start_inner_accept(struct tls_listener *t)
{
	t->inner_accept = fata_listener_accept(t->inner);
	if (!t->inner_accept) {
		fata_promise_reject(t->accept, FATA_ENOMEM);
		t->accept = NULL;
		return;
	}
	fata_promise_then(t->inner_accept, inner_accepted, t);
}

static void inner_accepted(void *arg, int status, union fata_value value)
{
	struct tls_listener *t = arg;
	union fata_value result;

	t->inner_accept = NULL;
	if (status < 0) {
		fata_promise_reject(t->accept, status);
		t->accept = NULL;
		return;
	}
	result.ptr = fata_tls_server_wrap(t->config, value.ptr);
	if (!result.ptr) {
		/* One connection that could not be wrapped (it is closed) ends no accept. */
		start_inner_accept(t);
		return;
	}
	fata_promise_fulfill_owned(t->accept, result, fata_flow_value_release);
	t->accept = NULL;
}

static void accept_canceled(void *ctx, struct fata_promise *promise)
{
	struct tls_listener *t = ctx;

	(void)promise;
	t->accept = NULL;
	fata_promise_cancel(t->inner_accept);
	t->inner_accept = NULL;
}

static struct fata_promise *tls_listener_accept(struct fata_listener *listener)
{
	struct tls_listener *t = (struct tls_listener *)listener;
	struct fata_promise *p;

	if (t->accept)
		return fata_promise_rejected(listener->loop, "tls.accept", FATA_EBUSY);
	p = fata_promise_new(listener->loop, "tls.accept");
	if (!p)
		return NULL;
	t->accept = p;
	fata_promise_on_cancel(p, accept_canceled, t);
	start_inner_accept(t);
	return p;
}

static void tls_listener_close(struct fata_listener *listener)
{
	struct tls_listener *t = (struct tls_listener *)listener;

	fata_promise_cancel(t->inner_accept);
	if (t->accept)
		fata_promise_reject(t->accept, FATA_ECLOSED);
	fata_listener_close(t->inner);
	tls_server_config_release(t->config);
	fata_free(t);
}

static int tls_listener_get_local(struct fata_listener *listener, struct fata_sockaddr *local)
{
	struct tls_listener *t = (struct tls_listener *)listener;

	if (!t->inner->ops->get_local)
		return FATA_ENOTSUP;
	return t->inner->ops->get_local(t->inner, local);
}

static const struct fata_listener_ops tls_listener_ops = {
	.accept = tls_listener_accept,
	.close = tls_listener_close,
	.get_local = tls_listener_get_local,
};

int fata_tls_listener_new(struct fata_tls_server_config *config, struct fata_listener *inner,
		struct fata_listener **out)
{
	struct tls_listener *t;

	if (!config || !inner || !out || config->cert_count == 0)
		return FATA_EINVAL;
	t = fata_calloc(1, sizeof *t);
	if (!t)
		return FATA_ENOMEM;
	t->listener.ops = &tls_listener_ops;
	t->listener.loop = inner->loop;
	t->inner = inner;
	t->config = config;
	config->common.refs++;
	config->common.frozen = 1;
	*out = &t->listener;
	return 0;
}

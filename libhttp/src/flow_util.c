/*
 * Fire-and-forget flow operations for connection teardown.
 */
#include <fata/flow.h>
#include <fata/promise.h>

#include "http_internal.h"

static void ignore_outcome(void *arg, int status, union fata_value value)
{
	(void)arg;
	(void)status;
	(void)value;
}

void http_flow_close(struct fata_flow *flow)
{
	struct fata_promise *p = fata_flow_close(flow);

	if (p != NULL)
		fata_promise_then(p, ignore_outcome, NULL);
}

void http_flow_shutdown(struct fata_flow *flow)
{
	struct fata_promise *p = fata_flow_shutdown(flow);

	if (p != NULL)
		fata_promise_then(p, ignore_outcome, NULL);
}

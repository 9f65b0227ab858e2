/* Helpers shared by every flow; see fata/flow.h. */
#include <fata/error.h>
#include <fata/flow.h>

int fata_flow_get_addrs(struct fata_flow *flow, struct fata_sockaddr *local,
		struct fata_sockaddr *remote)
{
	if (!flow->ops->get_addrs)
		return FATA_ENOTSUP;
	return flow->ops->get_addrs(flow, local, remote);
}

struct fata_promise *fata_flow_write_copy(struct fata_flow *flow, const void *data, size_t len)
{
	struct fata_view view;
	struct fata_promise *p;

	if (fata_buf_copy(data, len, 0, &view) < 0)
		return NULL;
	p = fata_flow_write(flow, view);
	/* The flow took its own reference, so ours can go now. */
	fata_view_release(&view);
	return p;
}

void fata_flow_value_release(union fata_value *value)
{
	struct fata_flow *flow = value->ptr;

	value->ptr = NULL;
	if (flow)
		fata_promise_cancel(fata_flow_close(flow));
}

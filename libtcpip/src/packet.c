/* Header space in front of chains. */
#include <stddef.h>
#include <stdint.h>

#include <fata/error.h>
#include <fata/netif.h>

#include "packet.h"

int tcpip_chain_take_flat(struct fata_chain *chain, size_t headroom, struct fata_view *out)
{
	int rc = fata_chain_flatten(chain, headroom, out);

	fata_chain_release(chain);
	return rc;
}

/* Moves the start of the first view back by `len` when it is ours alone. */
static int push_in_place(struct fata_chain *chain, size_t len, size_t reserve, uint8_t **hdr)
{
	struct fata_view *first;

	if (chain->count == 0)
		return FATA_ENOSPC;

	first = &chain->views[0];
	if (fata_view_headroom(*first) < len + reserve)
		return FATA_ENOSPC;
	if (fata_view_push(first, len) != 0)
		return FATA_EBUSY;

	chain->len += (uint32_t)len;
	*hdr = fata_view_data(*first);
	return 0;
}

int tcpip_chain_push(struct fata_chain *chain, size_t len, size_t reserve, uint8_t **hdr)
{
	struct fata_view view;
	int rc;

	if (push_in_place(chain, len, reserve, hdr) == 0)
		return 0;

	/* A chain with room gets a separate header view in front. */
	if (chain->count < FATA_CHAIN_MAX) {
		rc = fata_buf_alloc(reserve, len, &view);
		if (rc != 0)
			return rc;
		*hdr = fata_view_data(view);
		rc = fata_chain_prepend(chain, view);
		if (rc != 0)
			fata_view_release(&view);
		return rc;
	}

	/* A full chain is copied into one view with the header's room in front. */
	rc = fata_chain_flatten(chain, len + reserve, &view);
	if (rc != 0)
		return rc;
	fata_chain_release(chain);
	fata_chain_init(chain);
	fata_chain_append(chain, view);
	return push_in_place(chain, len, reserve, hdr);
}

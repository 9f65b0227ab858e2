/* The netif entry points shared by every backend; see fata/netif.h. */
#include <fata/error.h>
#include <fata/loop.h>
#include <fata/netif.h>

void fata_netif_set_rx(struct fata_netif *nif, fata_netif_rx_fn fn, void *arg)
{
	nif->rx = fn;
	nif->rx_arg = arg;
}

void fata_netif_set_capture(struct fata_netif *nif, fata_netif_capture_fn fn, void *ctx)
{
	nif->capture = fn;
	nif->capture_ctx = fn ? ctx : NULL;
}

int fata_netif_send(struct fata_netif *nif, struct fata_chain *frame)
{
	int err;
	uint32_t len = frame->len;

	if (len > nif->mtu + FATA_ETH_HLEN || len < FATA_ETH_HLEN) {
		nif->stats.tx_errors++;
		fata_chain_release(frame);
		return len < FATA_ETH_HLEN ? FATA_EINVAL : FATA_EMSGSIZE;
	}
	if (nif->capture)
		nif->capture(nif->capture_ctx, frame, 1, fata_loop_now(nif->loop));
	err = nif->ops->send(nif, frame);
	/* The backend owns the views now; make sure none stays behind in the caller's chain. */
	if (frame->count)
		fata_chain_release(frame);
	if (err == FATA_OK) {
		nif->stats.tx_frames++;
		nif->stats.tx_bytes += len;
	} else if (err == FATA_EAGAIN) {
		nif->stats.tx_dropped++;
	} else {
		nif->stats.tx_errors++;
	}
	return err;
}

void fata_netif_deliver(struct fata_netif *nif, struct fata_view frame)
{
	nif->stats.rx_frames++;
	nif->stats.rx_bytes += frame.len;
	if (nif->capture) {
		struct fata_chain one;

		fata_chain_init(&one);
		one.views[0] = frame;
		one.count = 1;
		one.len = frame.len;
		nif->capture(nif->capture_ctx, &one, 0, fata_loop_now(nif->loop));
	}
	if (!nif->rx) {
		nif->stats.rx_dropped++;
		fata_view_release(&frame);
		return;
	}
	nif->rx(nif->rx_arg, frame);
}

void fata_netif_close(struct fata_netif *nif)
{
	if (nif)
		nif->ops->close(nif);
}

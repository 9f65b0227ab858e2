/* The netif entry points shared by every backend; see fata/netif.h. */
#include <fata/error.h>
#include <fata/loop.h>
#include <fata/netif.h>

void fata_netif_set_rx(struct fata_netif *nif, fata_netif_rx_fn fn, void *arg)
{
	nif->rx = fn;
	nif->rx_meta = NULL;
	nif->rx_arg = arg;
}

void fata_netif_set_rx_meta(struct fata_netif *nif, fata_netif_rx_meta_fn fn, void *arg)
{
	nif->rx_meta = fn;
	nif->rx_arg = arg;
}

int fata_netif_set_offloads(struct fata_netif *nif, uint32_t requested)
{
	uint32_t on = requested & nif->features;
	int err;

	/* TSO needs the device to fill in checksums, and GRO frames carry partial ones. */
	if (!(on & FATA_NETIF_F_TX_CSUM))
		on &= ~(uint32_t)FATA_NETIF_F_TSO;
	if (!(on & FATA_NETIF_F_RX_CSUM))
		on &= ~(uint32_t)FATA_NETIF_F_GRO;

	if (!nif->ops->set_offloads)
		on = 0;
	else if ((err = nif->ops->set_offloads(nif, on)) < 0)
		return err;
	nif->offloads = on;
	return (int)on;
}

void fata_netif_set_capture(struct fata_netif *nif, fata_netif_capture_fn fn, void *ctx)
{
	nif->capture = fn;
	nif->capture_ctx = fn ? ctx : NULL;
}

/* Returns 1 when the metadata requests no offload from the device. */
static int meta_is_empty(const struct fata_netif_meta *meta)
{
	return !meta || (meta->flags == 0 && meta->gso_type == FATA_NETIF_GSO_NONE);
}

/* Checks the segmentation fields of a GSO frame of `len` bytes. */
static int check_gso(const struct fata_netif_meta *meta, size_t len)
{
	if (meta->gso_type != FATA_NETIF_GSO_TCPV4 && meta->gso_type != FATA_NETIF_GSO_TCPV6)
		return FATA_EINVAL;
	if (!(meta->flags & FATA_NETIF_META_CSUM_PARTIAL) || meta->gso_size == 0)
		return FATA_EINVAL;

	/* The headers end after the checksum field and inside the frame. */
	if (meta->hdr_len > len ||
			(size_t)meta->csum_start + meta->csum_offset + 2 > meta->hdr_len)
		return FATA_EINVAL;
	return 0;
}

/* Checks the checksum fields: the 16-bit field must lie inside the frame. */
static int check_csum(const struct fata_netif_meta *meta, size_t len)
{
	if (!(meta->flags & FATA_NETIF_META_CSUM_PARTIAL))
		return 0;
	if (meta->csum_start < FATA_ETH_HLEN ||
			(size_t)meta->csum_start + meta->csum_offset + 2 > len)
		return FATA_EINVAL;
	return 0;
}

int fata_netif_meta_check_rx(const struct fata_netif_meta *meta, uint32_t offloads, size_t len)
{
	uint8_t known = FATA_NETIF_META_CSUM_PARTIAL | FATA_NETIF_META_CSUM_VALID;
	int err;

	if (meta->flags & ~known)
		return FATA_EINVAL;
	if (meta->flags && !(offloads & FATA_NETIF_F_RX_CSUM))
		return FATA_EINVAL;
	err = check_csum(meta, len);
	if (err)
		return err;
	if (meta->gso_type == FATA_NETIF_GSO_NONE)
		return 0;

	if (!(offloads & FATA_NETIF_F_GRO) || len > FATA_NETIF_GSO_MAX)
		return FATA_EINVAL;
	return check_gso(meta, len);
}

/* Checks transmit metadata against the switched-on offloads, the frame and the MTU. */
static int check_tx_meta(const struct fata_netif *nif, const struct fata_netif_meta *meta,
		size_t len)
{
	int err;

	if (meta->flags & ~(uint32_t)FATA_NETIF_META_CSUM_PARTIAL)
		return FATA_EINVAL;
	if ((meta->flags & FATA_NETIF_META_CSUM_PARTIAL) && !(nif->offloads & FATA_NETIF_F_TX_CSUM))
		return FATA_ENOTSUP;
	err = check_csum(meta, len);
	if (err)
		return err;
	if (meta->gso_type == FATA_NETIF_GSO_NONE)
		return len > nif->mtu + FATA_ETH_HLEN ? FATA_EMSGSIZE : 0;

	if (!(nif->offloads & FATA_NETIF_F_TSO))
		return FATA_ENOTSUP;
	err = check_gso(meta, len);
	if (err)
		return err;
	if (len > FATA_NETIF_GSO_MAX || (size_t)meta->hdr_len + meta->gso_size > nif->mtu + FATA_ETH_HLEN)
		return FATA_EMSGSIZE;
	return 0;
}

/* Counts the outcome of a backend's send. */
static void count_send(struct fata_netif *nif, int err, uint32_t len, int gso)
{
	if (err == FATA_OK) {
		nif->stats.tx_frames++;
		nif->stats.tx_bytes += len;
		if (gso)
			nif->stats.tx_gso_frames++;
	} else if (err == FATA_EAGAIN) {
		nif->stats.tx_dropped++;
	} else {
		nif->stats.tx_errors++;
	}
}

int fata_netif_send_meta(struct fata_netif *nif, struct fata_chain *frame,
		const struct fata_netif_meta *meta)
{
	uint32_t len = frame->len;
	int err;

	if (meta_is_empty(meta))
		return fata_netif_send(nif, frame);

	err = len < FATA_ETH_HLEN ? FATA_EINVAL : check_tx_meta(nif, meta, len);
	if (err == 0 && !nif->ops->send_meta)
		err = FATA_ENOTSUP;
	if (err) {
		nif->stats.tx_errors++;
		fata_chain_release(frame);
		return err;
	}

	if (nif->capture)
		nif->capture(nif->capture_ctx, frame, 1, fata_loop_now(nif->loop));
	err = nif->ops->send_meta(nif, frame, meta);
	if (frame->count)
		fata_chain_release(frame);
	count_send(nif, err, len, meta->gso_type != FATA_NETIF_GSO_NONE);
	return err;
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
	count_send(nif, err, len, 0);
	return err;
}

void fata_netif_deliver(struct fata_netif *nif, struct fata_view frame)
{
	static const struct fata_netif_meta none;

	fata_netif_deliver_meta(nif, frame, &none);
}

void fata_netif_deliver_meta(struct fata_netif *nif, struct fata_view frame,
		const struct fata_netif_meta *meta)
{
	nif->stats.rx_frames++;
	if (meta->gso_type != FATA_NETIF_GSO_NONE)
		nif->stats.rx_gro_frames++;
	nif->stats.rx_bytes += frame.len;
	if (nif->capture) {
		struct fata_chain one;

		fata_chain_init(&one);
		one.views[0] = frame;
		one.count = 1;
		one.len = frame.len;
		nif->capture(nif->capture_ctx, &one, 0, fata_loop_now(nif->loop));
	}
	if (nif->rx_meta) {
		nif->rx_meta(nif->rx_arg, frame, meta);
		return;
	}

	/* A consumer without metadata switched no offload on, so every frame is plain. */
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

/*
 * A netif over a Linux tap device; see fata_tap_open() in fata/posix.h.
 *
 * The kernel side of the tap is one end of a virtual Ethernet cable and
 * this netif is the other, so the netif's MAC is the application's own
 * address, not the kernel interface's. Every wake-up reads frames until the
 * device reports EAGAIN, each into a pool block with FATA_NETIF_HEADROOM
 * bytes in front, and hands them on. Sending is one writev() of the chain's
 * views, with no copy.
 *
 * Offloads: unless opened with FATA_TAP_NO_OFFLOAD, the device runs with
 * IFF_VNET_HDR, so every frame in either direction starts with a 12-byte
 * virtio-net header. That is struct virtio_net_hdr of <linux/virtio_net.h>
 * (10 bytes) plus num_buffers, little-endian. On transmit the header goes
 * into the first view's headroom, or into an iovec of its own when the
 * block is shared. On receive each read scatters into an MTU-sized block
 * and a 64 KiB block behind it. A frame that fits the first is delivered
 * there, and a GRO frame is joined in the large block by copying its first
 * part over. Received headers are checked field by field before the frame is
 * delivered; a frame with an invalid header is dropped and counted in
 * rx_meta_errors.
 *
 * A receive callback may close the netif. The read loop therefore marks the
 * tap as delivering, and a close during delivery only stops the device. The
 * memory is freed once the read loop has returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fata/alloc.h>
#include <fata/entropy.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/posix.h>

#include "posix_internal.h"

/* An 802.1Q tag the kernel may leave in a frame, on top of MTU and header. */
#define TAP_VLAN_TAG_LEN 4

/* Received blocks kept for reuse. */
#define TAP_POOL_CACHE 256

/* 64 KiB blocks kept for reuse; fewer, because each is about 40 times an MTU block. */
#define TAP_BIG_POOL_CACHE 16

/*
 * GRO frames up to this length are copied into a block of their own size,
 * so a receive queue that holds many small ones does not pin a 64 KiB block
 * for each. Longer frames keep the 64 KiB block, at most 4 times their size.
 */
#define TAP_GRO_COPY_MAX 16384

/* The virtio-net header with num_buffers (struct virtio_net_hdr_mrg_rxbuf); see TUNSETVNETHDRSZ. */
#define TAP_VNET_HDR_LEN FATA_TAP_VNET_HDR_LEN

/*
 * Catches the tail of a frame longer than the pool blocks (the kernel
 * interface's MTU was raised after opening), so the frame can be detected
 * and dropped whole. A tap frame without a virtio-net header is at most
 * 64 KiB.
 */
#define TAP_OVERFLOW_LEN 65536

struct tap {
	struct fata_netif nif;
	int fd;
	/* Frames carry a virtio-net header (IFF_VNET_HDR). */
	int vnet;
	struct fata_posix_watch watch;
	/* Allocated apart from the tap, because it must outlive frames still held after close. */
	struct fata_pool *pool;
	/* GRO frames of up to FATA_NETIF_GSO_MAX bytes; NULL without a virtio-net header. */
	struct fata_pool *big_pool;
	/* The large block the next read scatters into; reused until a GRO frame takes it. */
	struct fata_view spare;
	/* Bytes of one frame a pool block takes: MTU, Ethernet header and one VLAN tag. */
	uint32_t frame_max;
	int delivering;
	int closed;
	uint8_t overflow[TAP_OVERFLOW_LEN];
};

static int tap_send(struct fata_netif *nif, struct fata_chain *frame);
static int tap_send_meta(struct fata_netif *nif, struct fata_chain *frame,
		const struct fata_netif_meta *meta);
static int tap_set_offloads(struct fata_netif *nif, uint32_t offloads);
static void tap_close(struct fata_netif *nif);

static const struct fata_netif_ops tap_ops = {
	.send = tap_send,
	.close = tap_close,
	.send_meta = tap_send_meta,
	.set_offloads = tap_set_offloads,
};

/* Applies the kernel's rules for interface names (dev_valid_name in net/core/dev.c). */
static int tap_name_valid(const char *name)
{
	size_t len;

	if (!name)
		return 0;
	len = strlen(name);
	if (len == 0 || len >= IFNAMSIZ)
		return 0;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r'))
			return 0;
	}
	return 1;
}

/* Draws a random unicast MAC with the locally administered bit set (IEEE 802 U/L bit). */
static int tap_random_mac(struct fata_mac *mac)
{
	int err = fata_entropy_fill(mac->bytes, sizeof mac->bytes);

	if (err)
		return err;
	mac->bytes[0] = (uint8_t)((mac->bytes[0] & 0xfc) | 0x02);
	return FATA_OK;
}

/* Maps the errno of a failed ioctl on the tun file to a Fata error. */
static int tap_ioctl_error(int err)
{
	if (err == EPERM || err == EACCES)
		return FATA_EPERM;
	/* EINVAL: the name belongs to a device that is not a tap, or the kernel lacks the flag. */
	if (err == EINVAL)
		return FATA_EINVAL;
	return FATA_EIO;
}

/* Sets the virtio-net header's size and byte order (TUNSETVNETHDRSZ, TUNSETVNETLE). */
static int tap_setup_vnet(int fd, const char *name)
{
	int size = TAP_VNET_HDR_LEN;
	int little_endian = 1;

	if (ioctl(fd, TUNSETVNETHDRSZ, &size) < 0) {
		int err = errno;

		fata_log(FATA_LOG_ERROR, "tap", "TUNSETVNETHDRSZ for %s failed: errno %d", name, err);
		return tap_ioctl_error(err);
	}

	/*
	 * NOTE: kernels without TUNSETVNETLE use the host's byte order for the
	 * header; the parser reads little-endian, which matches only on
	 * little-endian hosts.
	 */
	if (ioctl(fd, TUNSETVNETLE, &little_endian) < 0)
		fata_log(FATA_LOG_DEBUG, "tap", "TUNSETVNETLE for %s failed: errno %d", name, errno);
	return FATA_OK;
}

static int tap_open_device(const char *name, int vnet, struct ifreq *ifr, int *fd_out)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		fata_log(FATA_LOG_ERROR, "tap", "cannot open /dev/net/tun: errno %d", err);
		if (err == EPERM || err == EACCES)
			return FATA_EPERM;
		if (err == ENOENT || err == ENODEV || err == ENXIO)
			return FATA_ENOENT;
		return FATA_EIO;
	}

	memset(ifr, 0, sizeof *ifr);
	memcpy(ifr->ifr_name, name, strlen(name) + 1);
	ifr->ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
	if (ioctl(fd, TUNSETIFF, ifr) < 0) {
		int err = errno;

		fata_log(FATA_LOG_ERROR, "tap", "TUNSETIFF for %s failed: errno %d", name, err);
		close(fd);
		return tap_ioctl_error(err);
	}
	if (vnet) {
		int err = tap_setup_vnet(fd, name);

		if (err) {
			close(fd);
			return err;
		}
	}
	*fd_out = fd;
	return FATA_OK;
}

/* Sets the kernel interface up and reads its MTU. */
static int tap_link_up(struct ifreq *ifr, uint32_t *mtu)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = FATA_OK;

	if (sock < 0) {
		fata_log(FATA_LOG_ERROR, "tap", "control socket failed: errno %d", errno);
		return FATA_EIO;
	}

	if (ioctl(sock, SIOCGIFFLAGS, ifr) < 0) {
		err = errno;
	} else if (!(ifr->ifr_flags & IFF_UP)) {
		ifr->ifr_flags |= IFF_UP;
		if (ioctl(sock, SIOCSIFFLAGS, ifr) < 0)
			err = errno;
	}
	if (err == 0 && ioctl(sock, SIOCGIFMTU, ifr) < 0)
		err = errno;
	close(sock);

	if (err) {
		fata_log(FATA_LOG_ERROR, "tap", "setting %s up failed: errno %d", ifr->ifr_name, err);
		return err == EPERM || err == EACCES ? FATA_EPERM : FATA_EIO;
	}
	if (ifr->ifr_mtu <= 0) {
		fata_log(FATA_LOG_ERROR, "tap", "%s reports MTU %d", ifr->ifr_name, ifr->ifr_mtu);
		return FATA_EIO;
	}
	*mtu = (uint32_t)ifr->ifr_mtu;
	return FATA_OK;
}

/* Destroys a receive pool, and frees it unless frames from it are still held. */
static void tap_pool_free(struct tap *tap, struct fata_pool *pool)
{
	if (!pool)
		return;
	fata_pool_destroy(pool);
	if (pool->stats.in_use == 0) {
		fata_free(pool);
	} else {
		/* NOTE: the pool structure stays allocated, because blocks still out return to it. */
		fata_log(FATA_LOG_DEBUG, "tap", "%s closed with %u received frames still held",
				tap->nif.name, (unsigned)pool->stats.in_use);
	}
}

/* Frees the tap's memory once the device is stopped and no read loop runs. */
static void tap_free(struct tap *tap)
{
	fata_view_release(&tap->spare);
	tap_pool_free(tap, tap->pool);
	tap_pool_free(tap, tap->big_pool);
	fata_free(tap);
}

/* Maps a read() errno to the result of tap_read_one(). */
static int tap_read_error(int err)
{
	if (err == EINTR)
		return 1;
	if (err == EAGAIN)
		return 0;
	return -err;
}

/* Reads and drops one frame; returns as tap_read_one(). */
static int tap_discard_one(struct tap *tap)
{
	ssize_t n = read(tap->fd, tap->overflow, sizeof tap->overflow);

	if (n < 0)
		return tap_read_error(errno);
	tap->nif.stats.rx_dropped++;
	return 1;
}

/* Reads a little-endian 16-bit field of the virtio-net header. */
static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

int fata_tap_vnet_parse(const uint8_t *hdr, size_t frame_len, uint32_t offloads,
		struct fata_netif_meta *out)
{
	struct fata_netif_meta meta;
	int err;

	memset(out, 0, sizeof *out);
	meta.flags = hdr[0];
	meta.gso_type = hdr[1];
	meta.hdr_len = get_le16(hdr + 2);
	meta.gso_size = get_le16(hdr + 4);
	meta.csum_start = get_le16(hdr + 6);
	meta.csum_offset = get_le16(hdr + 8);

	/*
	 * The kernel marks checksums it verified (DATA_VALID) whatever the
	 * consumer switched on; a consumer without RX_CSUM simply checks again.
	 */
	if (!(offloads & FATA_NETIF_F_RX_CSUM))
		meta.flags &= (uint8_t)~FATA_NETIF_META_CSUM_VALID;

	/* The checksum fields have a meaning only with CSUM_PARTIAL; GSO fields only with GSO. */
	if (!(meta.flags & FATA_NETIF_META_CSUM_PARTIAL)) {
		meta.csum_start = 0;
		meta.csum_offset = 0;
	}
	if (meta.gso_type == FATA_NETIF_GSO_NONE) {
		meta.gso_size = 0;
		meta.hdr_len = 0;
	}

	err = fata_netif_meta_check_rx(&meta, offloads, frame_len);
	if (err)
		return err;
	*out = meta;
	return FATA_OK;
}

void fata_tap_vnet_write(const struct fata_netif_meta *meta, uint8_t *hdr)
{
	memset(hdr, 0, FATA_TAP_VNET_HDR_LEN);
	if (!meta)
		return;
	hdr[0] = meta->flags;
	hdr[1] = meta->gso_type;
	put_le16(hdr + 2, meta->hdr_len);
	put_le16(hdr + 4, meta->gso_size);
	put_le16(hdr + 6, meta->csum_start);
	put_le16(hdr + 8, meta->csum_offset);
}

/*
 * Reads one frame without a virtio-net header and delivers it. Returns 1
 * when the device may hold more, 0 when it has none (EAGAIN), or a
 * negative errno value on failure.
 */
static int tap_read_plain(struct tap *tap)
{
	struct fata_view frame;
	struct iovec iov[2];
	ssize_t n;

	if (fata_pool_alloc(tap->pool, FATA_NETIF_HEADROOM, tap->frame_max, &frame) < 0)
		return tap_discard_one(tap);

	iov[0].iov_base = fata_view_data(frame);
	iov[0].iov_len = frame.len;
	iov[1].iov_base = tap->overflow;
	iov[1].iov_len = sizeof tap->overflow;
	n = readv(tap->fd, iov, 2);
	if (n < 0) {
		int err = errno;

		fata_view_release(&frame);
		return tap_read_error(err);
	}

	/* Too long for the MTU, or shorter than an Ethernet header. */
	if ((size_t)n > tap->frame_max || n < FATA_ETH_HLEN) {
		fata_view_release(&frame);
		tap->nif.stats.rx_dropped++;
		return 1;
	}

	(void)fata_view_trim(&frame, (size_t)n);
	fata_netif_deliver(&tap->nif, frame);
	return 1;
}

/*
 * Picks the view that will carry a received frame of `len` bytes with a
 * virtio-net header. That is the MTU block for a frame that fits it, a new
 * block for a GRO frame up to TAP_GRO_COPY_MAX, or else the large spare
 * block with the first part copied over. Returns 0 or -1 for a frame
 * too long for the blocks at hand (`small` is then released).
 */
static int tap_take_frame(struct tap *tap, struct fata_view *small, size_t len,
		struct fata_view *out)
{
	if (len <= tap->frame_max) {
		*out = *small;
		(void)fata_view_trim(out, len);
		return 0;
	}
	if (fata_view_is_null(tap->spare) || len > tap->spare.len) {
		fata_view_release(small);
		return -1;
	}

	if (len <= TAP_GRO_COPY_MAX) {
		if (fata_buf_alloc(FATA_NETIF_HEADROOM, len, out) < 0) {
			fata_view_release(small);
			return -1;
		}
		memcpy(fata_view_data(*out), fata_view_data(*small), tap->frame_max);
		memcpy(fata_view_data(*out) + tap->frame_max,
				fata_view_data(tap->spare) + tap->frame_max, len - tap->frame_max);
		fata_view_release(small);
		return 0;
	}

	memcpy(fata_view_data(tap->spare), fata_view_data(*small), tap->frame_max);
	fata_view_release(small);
	*out = tap->spare;
	tap->spare = (struct fata_view){ 0 };
	(void)fata_view_trim(out, len);
	return 0;
}

/* As tap_read_plain(), for a device whose frames start with a virtio-net header. */
static int tap_read_vnet(struct tap *tap)
{
	uint8_t hdr[TAP_VNET_HDR_LEN];
	struct fata_netif_meta meta;
	struct fata_view small, frame;
	struct iovec iov[3];
	ssize_t n;

	if (fata_pool_alloc(tap->pool, FATA_NETIF_HEADROOM, tap->frame_max, &small) < 0)
		return tap_discard_one(tap);
	if (fata_view_is_null(tap->spare))
		(void)fata_pool_alloc(tap->big_pool, FATA_NETIF_HEADROOM,
				FATA_NETIF_GSO_MAX + TAP_VLAN_TAG_LEN, &tap->spare);

	/* The rest of a long frame lands behind the first part's place in the large block. */
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof hdr;
	iov[1].iov_base = fata_view_data(small);
	iov[1].iov_len = small.len;
	if (fata_view_is_null(tap->spare)) {
		iov[2].iov_base = tap->overflow;
		iov[2].iov_len = sizeof tap->overflow;
	} else {
		iov[2].iov_base = fata_view_data(tap->spare) + tap->frame_max;
		iov[2].iov_len = tap->spare.len - tap->frame_max;
	}
	n = readv(tap->fd, iov, 3);
	if (n < 0) {
		int err = errno;

		fata_view_release(&small);
		return tap_read_error(err);
	}

	size_t len = (size_t)n > sizeof hdr ? (size_t)n - sizeof hdr : 0;
	if (len < FATA_ETH_HLEN) {
		fata_view_release(&small);
		tap->nif.stats.rx_dropped++;
		return 1;
	}
	if (fata_tap_vnet_parse(hdr, len, tap->nif.offloads, &meta) < 0) {
		fata_view_release(&small);
		tap->nif.stats.rx_meta_errors++;
		tap->nif.stats.rx_dropped++;
		return 1;
	}

	/* Only a GRO frame may be longer than the MTU. */
	if ((len > tap->frame_max && meta.gso_type == FATA_NETIF_GSO_NONE) ||
			tap_take_frame(tap, &small, len, &frame) < 0) {
		fata_view_release(&small);
		tap->nif.stats.rx_dropped++;
		return 1;
	}
	fata_netif_deliver_meta(&tap->nif, frame, &meta);
	return 1;
}

/* Reads one frame and delivers it; returns as tap_read_plain(). */
static int tap_read_one(struct tap *tap)
{
	return tap->vnet ? tap_read_vnet(tap) : tap_read_plain(tap);
}

static void tap_on_readable(void *arg, struct fata_posix_watch *watch, uint32_t ready)
{
	struct tap *tap = arg;
	int r = 1;

	(void)watch;
	(void)ready;

	tap->delivering = 1;
	while (!tap->closed && r > 0)
		r = tap_read_one(tap);
	tap->delivering = 0;

	if (tap->closed) {
		tap_free(tap);
		return;
	}
	if (r < 0) {
		/* A read error other than EAGAIN does not clear; stop rather than spin. */
		fata_log(FATA_LOG_ERROR, "tap", "read from %s failed: errno %d; receiving stopped",
				tap->nif.name, -r);
		fata_posix_watch_stop(tap->nif.loop, &tap->watch);
	}
}

/*
 * Puts the virtio-net header in front of the frame: into the first view's
 * headroom when its block is not shared, else into `spare` as an iovec of
 * its own. Returns the number of iovecs used for it (0 or 1).
 */
static int tap_place_vnet(struct fata_chain *frame, const struct fata_netif_meta *meta,
		uint8_t *spare, struct iovec *iov)
{
	struct fata_view *first = &frame->views[0];

	if (fata_view_push(first, TAP_VNET_HDR_LEN) == 0) {
		fata_tap_vnet_write(meta, fata_view_data(*first));
		frame->len += TAP_VNET_HDR_LEN;
		return 0;
	}
	fata_tap_vnet_write(meta, spare);
	iov->iov_base = spare;
	iov->iov_len = TAP_VNET_HDR_LEN;
	return 1;
}

/* Writes the frame with one writev(); `meta` is NULL for a frame without offloads. */
static int tap_write(struct tap *tap, struct fata_chain *frame, const struct fata_netif_meta *meta)
{
	struct iovec iov[FATA_CHAIN_MAX + 1];
	uint8_t hdr[TAP_VNET_HDR_LEN];
	uint32_t count = frame->count;
	int used = 0;
	ssize_t n;
	int err;

	if (tap->closed) {
		fata_chain_release(frame);
		return FATA_ECLOSED;
	}

	if (tap->vnet && count > 0)
		used = tap_place_vnet(frame, meta, hdr, iov);
	for (uint32_t i = 0; i < count; i++) {
		iov[used + i].iov_base = fata_view_data(frame->views[i]);
		iov[used + i].iov_len = frame->views[i].len;
	}
	do {
		n = writev(tap->fd, iov, (int)count + used);
	} while (n < 0 && errno == EINTR);
	err = n < 0 ? errno : 0;
	fata_chain_release(frame);

	if (n < 0) {
		/* The kernel's queue is full: drop the frame, as a NIC would. */
		if (err == EAGAIN || err == ENOBUFS)
			return FATA_EAGAIN;
		fata_log(FATA_LOG_WARN, "tap", "write to %s failed: errno %d", tap->nif.name, err);
		return err == EINVAL ? FATA_EINVAL : FATA_EIO;
	}
	return FATA_OK;
}

static int tap_send(struct fata_netif *nif, struct fata_chain *frame)
{
	return tap_write((struct tap *)nif, frame, NULL);
}

static int tap_send_meta(struct fata_netif *nif, struct fata_chain *frame,
		const struct fata_netif_meta *meta)
{
	return tap_write((struct tap *)nif, frame, meta);
}

/*
 * Tells the kernel which frames it may hand over (TUNSETOFFLOAD): partial
 * checksums with TUN_F_CSUM, and TCP/IPv4 super-frames with TUN_F_TSO4.
 * Sending them needs no switch, because a tap with a virtio-net header
 * always accepts them. TUN_F_TSO6 and TUN_F_TSO_ECN stay off, because
 * libtcpip has neither IPv6 nor ECN.
 */
static int tap_set_offloads(struct fata_netif *nif, uint32_t offloads)
{
	struct tap *tap = (struct tap *)nif;
	unsigned long flags = 0;

	if (!tap->vnet)
		return offloads ? FATA_ENOTSUP : FATA_OK;
	if (offloads & FATA_NETIF_F_RX_CSUM)
		flags |= TUN_F_CSUM;
	if (offloads & FATA_NETIF_F_GRO)
		flags |= TUN_F_TSO4;
	if (ioctl(tap->fd, TUNSETOFFLOAD, flags) < 0) {
		int err = errno;

		fata_log(FATA_LOG_ERROR, "tap", "TUNSETOFFLOAD 0x%lx for %s failed: errno %d",
				flags, nif->name, err);
		return tap_ioctl_error(err);
	}
	fata_log(FATA_LOG_DEBUG, "tap", "%s offloads 0x%x", nif->name, (unsigned)offloads);
	return FATA_OK;
}

static void tap_close(struct fata_netif *nif)
{
	struct tap *tap = (struct tap *)nif;

	if (tap->closed)
		return;
	tap->closed = 1;
	fata_pcap_stop(nif);
	fata_posix_watch_stop(nif->loop, &tap->watch);
	close(tap->fd);
	tap->fd = -1;
	fata_loop_unref(nif->loop);
	if (!tap->delivering)
		tap_free(tap);
}

/* Allocates and prepares a receive pool of `block_size` bytes; NULL without memory. */
static struct fata_pool *tap_pool_new(size_t block_size, uint32_t cache)
{
	struct fata_pool *pool = fata_calloc(1, sizeof *pool);

	if (pool && fata_pool_init(pool, block_size, cache) < 0) {
		fata_free(pool);
		return NULL;
	}
	return pool;
}

static struct tap *tap_new(struct fata_loop *loop, uint32_t mtu, int vnet)
{
	struct tap *tap = fata_calloc(1, sizeof *tap);

	if (!tap)
		return NULL;
	tap->fd = -1;
	tap->frame_max = mtu + FATA_ETH_HLEN + TAP_VLAN_TAG_LEN;
	tap->pool = tap_pool_new(FATA_NETIF_HEADROOM + (size_t)tap->frame_max, TAP_POOL_CACHE);
	if (vnet)
		tap->big_pool = tap_pool_new(FATA_NETIF_HEADROOM + (size_t)FATA_NETIF_GSO_MAX +
				TAP_VLAN_TAG_LEN, TAP_BIG_POOL_CACHE);
	if (!tap->pool || (vnet && !tap->big_pool)) {
		tap_free(tap);
		return NULL;
	}

	tap->vnet = vnet;
	tap->nif.ops = &tap_ops;
	tap->nif.loop = loop;
	tap->nif.mtu = mtu;
	if (vnet)
		tap->nif.features = FATA_NETIF_F_TX_CSUM | FATA_NETIF_F_RX_CSUM | FATA_NETIF_F_TSO |
				FATA_NETIF_F_GRO;
	return tap;
}

int fata_tap_open(struct fata_loop *loop, const char *name, const struct fata_mac *mac,
		struct fata_netif **out)
{
	return fata_tap_open_flags(loop, name, mac, 0, out);
}

int fata_tap_open_flags(struct fata_loop *loop, const char *name, const struct fata_mac *mac,
		unsigned flags, struct fata_netif **out)
{
	int vnet = !(flags & FATA_TAP_NO_OFFLOAD);

	struct ifreq ifr;
	struct fata_mac addr;
	struct tap *tap;
	uint32_t mtu;
	int fd = -1;
	int err;

	if (!out)
		return FATA_EINVAL;
	*out = NULL;
	if (!posix_loop_is_epoll(loop) || !tap_name_valid(name) || (flags & ~FATA_TAP_NO_OFFLOAD))
		return FATA_EINVAL;

	if (mac) {
		addr = *mac;
	} else {
		err = tap_random_mac(&addr);
		if (err)
			return err;
	}

	err = tap_open_device(name, vnet, &ifr, &fd);
	if (err)
		return err;
	err = tap_link_up(&ifr, &mtu);
	if (err)
		goto fail;
	if (mtu > FATA_BUF_MAX_SIZE / 2) {
		err = FATA_EIO;
		goto fail;
	}

	tap = tap_new(loop, mtu, vnet);
	if (!tap) {
		err = FATA_ENOMEM;
		goto fail;
	}
	tap->fd = fd;
	tap->nif.mac = addr;
	/* The kernel's name, which IFNAMSIZ (16) fits into nif.name. */
	memcpy(tap->nif.name, ifr.ifr_name, sizeof tap->nif.name);
	tap->nif.name[sizeof tap->nif.name - 1] = '\0';

	err = fata_posix_watch_start(loop, &tap->watch, fd, FATA_POSIX_READABLE, tap_on_readable, tap);
	if (err) {
		tap_free(tap);
		goto fail;
	}
	fata_loop_ref(loop);
	fata_log(FATA_LOG_INFO, "tap", "opened %s, MTU %u, offloads %s", tap->nif.name,
			(unsigned)mtu, vnet ? "available" : "off");
	*out = &tap->nif;
	return FATA_OK;

fail:
	close(fd);
	return err;
}

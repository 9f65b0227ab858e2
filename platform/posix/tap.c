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
	struct fata_posix_watch watch;
	/* Allocated apart from the tap, because it must outlive frames still held after close. */
	struct fata_pool *pool;
	/* Bytes of one frame a pool block takes: MTU, Ethernet header and one VLAN tag. */
	uint32_t frame_max;
	int delivering;
	int closed;
	uint8_t overflow[TAP_OVERFLOW_LEN];
};

static int tap_send(struct fata_netif *nif, struct fata_chain *frame);
static void tap_close(struct fata_netif *nif);

static const struct fata_netif_ops tap_ops = {
	.send = tap_send,
	.close = tap_close,
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

static int tap_open_device(const char *name, struct ifreq *ifr, int *fd_out)
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
	/*
	 * TODO: add IFF_VNET_HDR and enable checksum offload, TSO and GRO with
	 * TUNSETOFFLOAD; each frame then starts with a 12-byte virtio-net
	 * header, which FATA_NETIF_HEADROOM leaves room for on transmit.
	 */
	ifr->ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, ifr) < 0) {
		int err = errno;

		fata_log(FATA_LOG_ERROR, "tap", "TUNSETIFF for %s failed: errno %d", name, err);
		close(fd);
		if (err == EPERM || err == EACCES)
			return FATA_EPERM;
		/* EINVAL: the name belongs to a device that is not a tap. */
		if (err == EINVAL)
			return FATA_EINVAL;
		return FATA_EIO;
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

/* Frees the tap's memory once the device is stopped and no read loop runs. */
static void tap_free(struct tap *tap)
{
	fata_pool_destroy(tap->pool);
	if (tap->pool->stats.in_use == 0) {
		fata_free(tap->pool);
	} else {
		/* NOTE: the pool structure stays allocated, because blocks still out return to it. */
		fata_log(FATA_LOG_DEBUG, "tap", "%s closed with %u received frames still held",
				tap->nif.name, (unsigned)tap->pool->stats.in_use);
	}
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

/*
 * Reads one frame and delivers it. Returns 1 when the device may hold more,
 * 0 when it has none (EAGAIN), or a negative errno value on failure.
 */
static int tap_read_one(struct tap *tap)
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

static int tap_send(struct fata_netif *nif, struct fata_chain *frame)
{
	struct tap *tap = (struct tap *)nif;
	struct iovec iov[FATA_CHAIN_MAX];
	uint32_t count = frame->count;
	ssize_t n;
	int err;

	if (tap->closed) {
		fata_chain_release(frame);
		return FATA_ECLOSED;
	}

	for (uint32_t i = 0; i < count; i++) {
		iov[i].iov_base = fata_view_data(frame->views[i]);
		iov[i].iov_len = frame->views[i].len;
	}
	do {
		n = writev(tap->fd, iov, (int)count);
	} while (n < 0 && errno == EINTR);
	err = n < 0 ? errno : 0;
	fata_chain_release(frame);

	if (n < 0) {
		/* The kernel's queue is full: drop the frame, as a NIC would. */
		if (err == EAGAIN || err == ENOBUFS)
			return FATA_EAGAIN;
		fata_log(FATA_LOG_WARN, "tap", "write to %s failed: errno %d", nif->name, err);
		return FATA_EIO;
	}
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

static struct tap *tap_new(struct fata_loop *loop, uint32_t mtu)
{
	struct tap *tap = fata_calloc(1, sizeof *tap);

	if (!tap)
		return NULL;
	tap->pool = fata_calloc(1, sizeof *tap->pool);
	if (!tap->pool) {
		fata_free(tap);
		return NULL;
	}
	tap->frame_max = mtu + FATA_ETH_HLEN + TAP_VLAN_TAG_LEN;
	if (fata_pool_init(tap->pool, FATA_NETIF_HEADROOM + (size_t)tap->frame_max,
			TAP_POOL_CACHE) < 0) {
		fata_free(tap->pool);
		fata_free(tap);
		return NULL;
	}
	tap->nif.ops = &tap_ops;
	tap->nif.loop = loop;
	tap->nif.mtu = mtu;
	tap->fd = -1;
	return tap;
}

int fata_tap_open(struct fata_loop *loop, const char *name, const struct fata_mac *mac,
		struct fata_netif **out)
{
	struct ifreq ifr;
	struct fata_mac addr;
	struct tap *tap;
	uint32_t mtu;
	int fd = -1;
	int err;

	if (!out)
		return FATA_EINVAL;
	*out = NULL;
	if (!posix_loop_is_epoll(loop) || !tap_name_valid(name))
		return FATA_EINVAL;

	if (mac) {
		addr = *mac;
	} else {
		err = tap_random_mac(&addr);
		if (err)
			return err;
	}

	err = tap_open_device(name, &ifr, &fd);
	if (err)
		return err;
	err = tap_link_up(&ifr, &mtu);
	if (err)
		goto fail;
	if (mtu > FATA_BUF_MAX_SIZE / 2) {
		err = FATA_EIO;
		goto fail;
	}

	tap = tap_new(loop, mtu);
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
	fata_log(FATA_LOG_INFO, "tap", "opened %s, MTU %u", tap->nif.name, (unsigned)mtu);
	*out = &tap->nif;
	return FATA_OK;

fail:
	close(fd);
	return err;
}

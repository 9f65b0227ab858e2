/*
 * The POSIX backend: file-descriptor watches on the epoll loop, a netif
 * over a Linux tap device, pcap capture, and a stack over the host kernel's
 * sockets. Only applications and tests include this header; libraries stay
 * platform-neutral.
 */
#ifndef FATA_POSIX_H
#define FATA_POSIX_H

#include <stdint.h>

#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/stack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Readiness flags for fata_posix_watch. */
enum fata_posix_events {
	FATA_POSIX_READABLE = 1u << 0,
	FATA_POSIX_WRITABLE = 1u << 1,
	/* Error or hang-up; always reported, never needs asking for. */
	FATA_POSIX_ERROR = 1u << 2,
};

/*
 * A watch on a file descriptor, embedded in the caller's structure. The
 * handler runs from the loop's poll, with the events that are ready.
 */
struct fata_posix_watch {
	int fd;
	uint32_t events;
	void (*fn)(void *arg, struct fata_posix_watch *watch, uint32_t ready);
	void *arg;
	int registered;
};

/*
 * Starts watching `fd` for `events` on the epoll loop `loop`. The loop does
 * not own `fd`. A watch does not keep FATA_RUN_IDLE running by itself; take
 * a fata_loop_ref() for that. Errors: FATA_EINVAL when `loop` is not an epoll
 * loop or the watch is already registered, FATA_EIO from epoll_ctl.
 */
int fata_posix_watch_start(struct fata_loop *loop, struct fata_posix_watch *watch, int fd,
		uint32_t events, void (*fn)(void *arg, struct fata_posix_watch *watch, uint32_t ready),
		void *arg);

/* Changes the watched events. Errors: FATA_EINVAL, FATA_EIO. */
int fata_posix_watch_modify(struct fata_loop *loop, struct fata_posix_watch *watch,
		uint32_t events);

/* Stops watching; harmless when not registered. Call before closing the fd. */
void fata_posix_watch_stop(struct fata_loop *loop, struct fata_posix_watch *watch);

/*
 * Opens the tap device `name` (IFF_TAP | IFF_NO_PI, non-blocking),
 * creating it when it does not exist and the process may, and returns a
 * netif on `loop` in `*out`. The interface's MAC is `mac` when not NULL,
 * else a random locally administered one; its MTU is read from the device.
 * The netif holds a loop reference while open. Errors: FATA_EPERM without
 * CAP_NET_ADMIN, FATA_ENOENT when /dev/net/tun is missing, FATA_EINVAL for a
 * bad name, FATA_EIO, FATA_ENOMEM.
 */
int fata_tap_open(struct fata_loop *loop, const char *name, const struct fata_mac *mac,
		struct fata_netif **out);

/* Flags of fata_tap_open_flags(). */
enum fata_tap_flag {
	/*
	 * Open without IFF_VNET_HDR: frames carry no virtio-net header and the
	 * netif offers no offloads (features 0), as before offloads existed.
	 */
	FATA_TAP_NO_OFFLOAD = 1u << 0,
};

/*
 * As fata_tap_open(), with enum fata_tap_flag bits in `flags`. Without
 * FATA_TAP_NO_OFFLOAD (the default, and what fata_tap_open() does) the
 * device uses a 12-byte virtio-net header (IFF_VNET_HDR) and the netif
 * offers FATA_NETIF_F_TX_CSUM, RX_CSUM, TSO and GRO for TCP over IPv4;
 * the consumer switches them on with fata_netif_set_offloads(), which sets
 * TUNSETOFFLOAD. Errors: as fata_tap_open(), and FATA_EINVAL for unknown
 * flags or a kernel without IFF_VNET_HDR.
 */
int fata_tap_open_flags(struct fata_loop *loop, const char *name, const struct fata_mac *mac,
		unsigned flags, struct fata_netif **out);

/* Bytes of the virtio-net header a tap with offloads puts in front of each frame. */
#define FATA_TAP_VNET_HDR_LEN 12

/*
 * Parses the FATA_TAP_VNET_HDR_LEN bytes at `hdr` (struct virtio_net_hdr
 * of <linux/virtio_net.h>, little-endian) that came in front of a received
 * frame of `frame_len` bytes, and checks every field with fata_netif_meta_check_rx() against the
 * switched-on `offloads`. CSUM_VALID is cleared when RX_CSUM is off, and
 * fields without meaning for the flags are zeroed. On error `*out` is zeroed.
 * Errors: FATA_EINVAL for unknown flags or GSO types (ECN included), a
 * checksum field outside the frame, headers longer than the frame, a GSO
 * frame without CSUM_PARTIAL or gso_size, or an offload not switched on.
 */
int fata_tap_vnet_parse(const uint8_t *hdr, size_t frame_len, uint32_t offloads,
		struct fata_netif_meta *out);

/* Writes `meta` (NULL for none) as a FATA_TAP_VNET_HDR_LEN-byte virtio-net header to `hdr`. */
void fata_tap_vnet_write(const struct fata_netif_meta *meta, uint8_t *hdr);

/*
 * Records every frame `nif` sends and receives to the pcap file `path`
 * (classic libpcap format, LINKTYPE_ETHERNET, microsecond timestamps from
 * the wall clock). Replaces an earlier capture of the same interface.
 * Errors: FATA_EIO when the file cannot be created, FATA_ENOMEM.
 */
int fata_pcap_start(struct fata_netif *nif, const char *path);

/* Flushes and closes the capture file of `nif`, if any. */
void fata_pcap_stop(struct fata_netif *nif);

/*
 * Creates the "socket" stack on `loop`: TCP and UDP over the host kernel's
 * sockets, for development without root. Errors: FATA_ENOMEM.
 */
int fata_socket_stack_new(struct fata_loop *loop, struct fata_stack **out);

/*
 * Writes the recorded trace (see trace.h) to the file `path` as JSON.
 * Errors: FATA_EIO, FATA_ENOMEM.
 */
int fata_trace_save(const char *path);

/*
 * Makes SIGINT and SIGTERM fulfill a promise on `loop` (u64 = the signal
 * number), once. The promise is the caller's to consume. Returns NULL on
 * failure.
 */
struct fata_promise *fata_posix_signal_promise(struct fata_loop *loop);

#ifdef __cplusplus
}
#endif

#endif

/*
 * A network interface: sends and receives Ethernet frames. Backends
 * implement it over a Linux tap device, Xen netfront, or the in-memory
 * simulated link; libtcpip runs on any of them.
 *
 * Receiving: the backend hands each frame to fata_netif_deliver(), which
 * counts it, passes it to the capture hook if one is installed, and calls
 * the receive callback, giving it the frame's reference.
 *
 * Sending: fata_netif_send() takes a chain whose views the interface then
 * owns, whatever the outcome. Sending never blocks: a full transmit queue
 * drops the frame, counts it and returns FATA_EAGAIN, as a real NIC would.
 *
 * Offloads: `features` lists what the device can do, and `offloads` what
 * the consumer has switched on with fata_netif_set_offloads(). Only then
 * may frames carry per-frame metadata, struct fata_netif_meta, which has
 * the fields of the virtio-net header in host byte order.
 * fata_netif_send_meta() hands the device a frame whose checksum or
 * segmentation it completes. A receive callback installed with
 * fata_netif_set_rx_meta() learns which received frames are already
 * verified, carry a partial checksum, or are coalesced (GRO) super-frames.
 * A device never delivers a partial-checksum or GRO frame to a consumer
 * that did not switch the matching offload on.
 */
#ifndef FATA_NETIF_H
#define FATA_NETIF_H

#include <stddef.h>
#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_netif;

/* Offload features, as flags in fata_netif.features. */
enum fata_netif_feature {
	/* The device fills in TCP/UDP checksums on transmit. */
	FATA_NETIF_F_TX_CSUM = 1u << 0,
	/* The device has verified TCP/UDP checksums of received frames. */
	FATA_NETIF_F_RX_CSUM = 1u << 1,
	/* The device segments large TCP sends (TSO). */
	FATA_NETIF_F_TSO = 1u << 2,
	/* The device may deliver coalesced TCP segments (GRO/LRO). */
	FATA_NETIF_F_GRO = 1u << 3,
};

/* Bits of fata_netif_meta.flags (VIRTIO_NET_HDR_F_* of <linux/virtio_net.h>). */
enum fata_netif_meta_flag {
	/*
	 * The checksum is partial: the 16-bit field at csum_start + csum_offset
	 * contains the folded (not complemented) pseudo-header sum, and the
	 * device or the receiver must add the bytes from csum_start to the end
	 * of the frame. On receive this also means the data is intact.
	 */
	FATA_NETIF_META_CSUM_PARTIAL = 1u << 0,
	/* Received only: the device has verified the TCP/UDP checksum. */
	FATA_NETIF_META_CSUM_VALID = 1u << 1,
};

/* Segmentation types of fata_netif_meta.gso_type (VIRTIO_NET_HDR_GSO_*). */
enum fata_netif_gso {
	FATA_NETIF_GSO_NONE = 0,
	FATA_NETIF_GSO_TCPV4 = 1,
	FATA_NETIF_GSO_TCPV6 = 4,
};

/*
 * Per-frame offload metadata: the fields of the virtio-net header in host
 * byte order. Offsets count from the first byte of the Ethernet header. A
 * zeroed structure means "no offload": a complete frame whose checksums no
 * device has verified.
 */
struct fata_netif_meta {
	/* enum fata_netif_meta_flag bits. */
	uint8_t flags;
	/* enum fata_netif_gso; anything but NONE needs CSUM_PARTIAL too. */
	uint8_t gso_type;
	/* Bytes of Ethernet, IP and TCP headers in front of the payload of a GSO frame. */
	uint16_t hdr_len;
	/* Payload bytes per segment of a GSO frame (the MSS); 0 when gso_type is NONE. */
	uint16_t gso_size;
	/* Offset where checksumming starts (the transport header). */
	uint16_t csum_start;
	/* Offset of the checksum field from csum_start (16 for TCP, 6 for UDP). */
	uint16_t csum_offset;
};

/* The largest GSO or GRO frame, Ethernet header included (the IPv4 total length limit plus 14). */
#define FATA_NETIF_GSO_MAX (65535u + 14u)

/* Bytes of Ethernet II header in front of every frame. */
#define FATA_ETH_HLEN 14
/* Headroom every sender reserves for the headers a backend may add (virtio-net's 12). */
#define FATA_NETIF_HEADROOM 16

/* Receive callback: takes over the owned view `frame`. */
typedef void (*fata_netif_rx_fn)(void *arg, struct fata_view frame);

/*
 * Receive callback with metadata: takes over the owned view `frame` and
 * borrows `meta` for the duration of the call. `meta` is never NULL; its
 * flags and gso_type only use offloads the consumer switched on.
 */
typedef void (*fata_netif_rx_meta_fn)(void *arg, struct fata_view frame,
		const struct fata_netif_meta *meta);

/*
 * Capture hook: sees every frame sent (`outgoing` 1) or received, before
 * the interface acts on it, borrowing the chain. The pcap writer is one.
 */
typedef void (*fata_netif_capture_fn)(void *ctx, const struct fata_chain *frame, int outgoing,
		uint64_t time_ns);

/* Backend operations. */
struct fata_netif_ops {
	/* Transmits the frame and takes its views: the chain must be empty on return
	 * (fata_chain_release() leaves it so), whether or not sending worked. */
	int (*send)(struct fata_netif *nif, struct fata_chain *frame);
	/* Stops the device and frees the interface. */
	void (*close)(struct fata_netif *nif);
	/*
	 * Optional. As send, with metadata that fata_netif_send_meta() has
	 * already checked against the switched-on offloads and the frame.
	 * NULL for a device without offloads.
	 */
	int (*send_meta)(struct fata_netif *nif, struct fata_chain *frame,
			const struct fata_netif_meta *meta);
	/*
	 * Optional. Switches the device to the enum fata_netif_feature flags
	 * `offloads` (a subset of `features`), for example by telling the
	 * kernel which frames it may hand over. Returns 0 or a negative error,
	 * and leaves the previous setting in force on error.
	 */
	int (*set_offloads)(struct fata_netif *nif, uint32_t offloads);
};

/* Counters kept by fata_netif_send() and fata_netif_deliver(). */
struct fata_netif_stats {
	uint64_t tx_frames, tx_bytes, tx_dropped, tx_errors;
	uint64_t rx_frames, rx_bytes, rx_dropped;
	/* GSO frames sent and GRO frames received, each counted once in tx_frames/rx_frames too. */
	uint64_t tx_gso_frames, rx_gro_frames;
	/* Received frames whose virtio-net header was invalid; also in rx_dropped. */
	uint64_t rx_meta_errors;
};

/* The common head of every interface; backends embed it first. */
struct fata_netif {
	const struct fata_netif_ops *ops;
	struct fata_loop *loop;
	struct fata_mac mac;
	/* Largest frame payload in bytes, excluding the Ethernet header (1500 for Ethernet). */
	uint32_t mtu;
	/* enum fata_netif_feature flags the device offers. */
	uint32_t features;
	fata_netif_rx_fn rx;
	void *rx_arg;
	fata_netif_capture_fn capture;
	void *capture_ctx;
	struct fata_netif_stats stats;
	/* A short name for logs ("tap0", "sim1"). */
	char name[16];
	/* enum fata_netif_feature flags switched on by fata_netif_set_offloads(). */
	uint32_t offloads;
	/* The receive callback with metadata; when set it is used instead of `rx`. */
	fata_netif_rx_meta_fn rx_meta;
};

/*
 * Installs the receive callback and removes one installed with
 * fata_netif_set_rx_meta(); frames arriving without either are dropped and
 * counted.
 */
void fata_netif_set_rx(struct fata_netif *nif, fata_netif_rx_fn fn, void *arg);

/*
 * Installs the receive callback with metadata (NULL removes it), which then
 * takes precedence over the one of fata_netif_set_rx(). `arg` is shared
 * with that callback: installing either replaces the argument.
 */
void fata_netif_set_rx_meta(struct fata_netif *nif, fata_netif_rx_meta_fn fn, void *arg);

/*
 * Switches on the offloads in `requested` that the device offers (`features`)
 * and switches off the rest, and returns the flags now on (0 for a device
 * without offloads). A consumer passes what it can handle: FATA_NETIF_F_RX_CSUM
 * and FATA_NETIF_F_GRO promise that its receive callback honours
 * fata_netif_meta, so a device must not deliver partial-checksum or GRO
 * frames without them. Errors: a negative code from the device; the
 * previous setting then stays.
 */
int fata_netif_set_offloads(struct fata_netif *nif, uint32_t requested);

/*
 * Sends one frame as fata_netif_send() does, with offload metadata that the
 * interface borrows for the call (NULL or zeroed metadata means none).
 * Every error releases the frame and counts it as a transmit error.
 * Errors:
 * - FATA_ENOTSUP: the metadata requests an offload that is not switched on
 *   (FATA_NETIF_F_TX_CSUM for CSUM_PARTIAL, FATA_NETIF_F_TSO for GSO).
 * - FATA_EINVAL: the metadata does not fit the frame (checksum field or
 *   headers outside it, CSUM_VALID on transmit, an unknown gso_type, GSO
 *   without CSUM_PARTIAL or without gso_size).
 * - FATA_EMSGSIZE: a GSO frame exceeds FATA_NETIF_GSO_MAX, or one of its
 *   segments exceeds the MTU.
 * - The errors of fata_netif_send().
 */
int fata_netif_send_meta(struct fata_netif *nif, struct fata_chain *frame,
		const struct fata_netif_meta *meta);

/*
 * For backends: checks received metadata against `offloads` and the frame
 * length `len`, and returns 0 or FATA_EINVAL. It is invalid with an unknown
 * flag or gso_type, a checksum field outside the frame, an offload the
 * consumer did not switch on, or GSO fields that do not fit the frame.
 */
int fata_netif_meta_check_rx(const struct fata_netif_meta *meta, uint32_t offloads, size_t len);

/* For backends: as fata_netif_deliver(), with metadata borrowed for the call. */
void fata_netif_deliver_meta(struct fata_netif *nif, struct fata_view frame,
		const struct fata_netif_meta *meta);

/* Installs (or with fn NULL removes) the capture hook. */
void fata_netif_set_capture(struct fata_netif *nif, fata_netif_capture_fn fn, void *ctx);

/*
 * Sends one frame (Ethernet header included) and takes ownership of the
 * chain's views. Errors: FATA_EMSGSIZE when longer than MTU plus header,
 * FATA_EAGAIN when the queue is full, FATA_EIO from the device; in every case
 * the frame is released and counted.
 */
int fata_netif_send(struct fata_netif *nif, struct fata_chain *frame);

/* For backends: hands one received frame (owned view) to the interface. */
void fata_netif_deliver(struct fata_netif *nif, struct fata_view frame);

/*
 * For backends without hardware offloads: completes the partial checksum
 * that `meta` describes in the flat frame `frame` (a view the caller may
 * write), and does nothing without CSUM_PARTIAL. Errors: FATA_EINVAL when
 * the checksum field lies outside the frame or csum_start inside the
 * Ethernet header.
 */
int fata_netif_csum_complete(struct fata_view frame, const struct fata_netif_meta *meta);

/*
 * For backends without hardware offloads: cuts the TCP/IPv4 GSO frame
 * `frame` (flat, borrowed) into segments of at most gso_size payload bytes.
 * Each segment is a new owned view with FATA_NETIF_HEADROOM in front and
 * every header field and checksum finished. They go in order to `emit`,
 * which takes each view (also when it fails). Stops at the first error from
 * `emit` and returns it. Errors: FATA_ENOTSUP for a gso_type other than
 * TCPV4; FATA_EINVAL when the frame is not Ethernet, IPv4 without
 * fragments and TCP at the offsets in hdr_len and csum_start; FATA_ENOMEM.
 */
int fata_netif_gso_segment(struct fata_view frame, const struct fata_netif_meta *meta,
		int (*emit)(void *ctx, struct fata_view segment), void *ctx);

/* Closes the interface through its backend. NULL is ignored. */
void fata_netif_close(struct fata_netif *nif);

#ifdef __cplusplus
}
#endif

#endif

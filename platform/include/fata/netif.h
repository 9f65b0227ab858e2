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
 */
#ifndef FATA_NETIF_H
#define FATA_NETIF_H

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

/* Bytes of Ethernet II header in front of every frame. */
#define FATA_ETH_HLEN 14
/* Headroom every sender reserves for the headers a backend may add (virtio-net's 12). */
#define FATA_NETIF_HEADROOM 16

/* Receive callback: takes over the owned view `frame`. */
typedef void (*fata_netif_rx_fn)(void *arg, struct fata_view frame);

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
};

/* Counters kept by fata_netif_send() and fata_netif_deliver(). */
struct fata_netif_stats {
	uint64_t tx_frames, tx_bytes, tx_dropped, tx_errors;
	uint64_t rx_frames, rx_bytes, rx_dropped;
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
};

/* Installs the receive callback; frames arriving without one are dropped and counted. */
void fata_netif_set_rx(struct fata_netif *nif, fata_netif_rx_fn fn, void *arg);

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

/* Closes the interface through its backend. NULL is ignored. */
void fata_netif_close(struct fata_netif *nif);

#ifdef __cplusplus
}
#endif

#endif

/*
 * libfata-tcpip: Fata's own TCP/IP stack on any netif.
 *
 * fata_tcpip_new() builds a stack on one interface and returns it as a
 * struct fata_stack, so applications use the shared stack interface
 * (listen, connect, udp_bind) whether they run on this stack or on the host
 * kernel's sockets.
 */
#ifndef FATA_TCPIP_H
#define FATA_TCPIP_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/stack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* TCP congestion control algorithms. */
enum fata_tcp_cc {
	FATA_TCP_CC_CUBIC = 0, /* RFC 9438, the default */
	FATA_TCP_CC_NEWRENO = 1, /* RFC 5681 with RFC 6582 */
};

/* Configuration of one stack; zeroed fields take the documented defaults. */
struct fata_tcpip_config {
	/* Static IPv4 address and prefix length; unset (FATA_AF_NONE) with dhcp. */
	struct fata_ipaddr ipv4;
	unsigned ipv4_prefix_len;
	/* Default gateway; unset for none. */
	struct fata_ipaddr ipv4_gateway;
	/* Nonzero: obtain the address by DHCPv4 (RFC 2131) instead. */
	int dhcp;
	enum fata_tcp_cc congestion_control;
	/* TCP options on by default; set to disable (for tests and interop). */
	int disable_sack, disable_timestamps, disable_window_scale;
	/* Limits; 0 for defaults. */
	uint32_t arp_cache_size;      /* entries, default 256 */
	uint32_t reassembly_max_bytes; /* IPv4 reassembly memory, default 1 MiB */
	uint32_t tcp_max_connections;  /* default 65536 */
};

/*
 * Creates a stack on `nif` (which it then uses exclusively and closes when
 * destroyed) and returns it in `*out`. With dhcp set, the returned stack has
 * no address yet; fata_tcpip_ready() tells when it has one.
 * Errors: FATA_EINVAL for an inconsistent configuration, FATA_ENOMEM.
 */
int fata_tcpip_new(struct fata_loop *loop, struct fata_netif *nif,
		const struct fata_tcpip_config *config, struct fata_stack **out);

/*
 * Returns a promise fulfilled when the stack has an IPv4 address (at once
 * for a static one; after the DHCP exchange otherwise), or NULL (FATA_ENOMEM).
 */
struct fata_promise *fata_tcpip_ready(struct fata_stack *stack);

/* Stores the stack's current IPv4 address and prefix; FATA_EADDRNOTAVAIL before it has one. */
int fata_tcpip_get_ipv4(struct fata_stack *stack, struct fata_ipaddr *addr, unsigned *prefix_len,
		struct fata_ipaddr *gateway);

/* Returns 1 when `stack` was made by fata_tcpip_new(). */
int fata_tcpip_is_tcpip(const struct fata_stack *stack);

#ifdef __cplusplus
}
#endif

#endif

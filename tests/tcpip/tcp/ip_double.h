/*
 * A stand-in for libtcpip's IP layer, so the TCP layer can be tested on its
 * own: tcpip_ip_output() hands each segment to a hook the test installs.
 * The checksum helpers come from libtcpip's checksum.c. With offloads the
 * stand-in acts as the device and the peer's GRO at once. It checks a partial checksum against
 * the pseudo-header sum and completes it, and it hands a TSO frame on
 * whole, as the coalesced segment a GRO receiver would get.
 */
#ifndef TCP_TEST_IP_DOUBLE_H
#define TCP_TEST_IP_DOUBLE_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/netif.h>

/* One fake stack: an address, a path MTU and where its output goes. */
struct tcpip_stack {
	struct fata_ipaddr addr;
	uint32_t mtu;
	/* Receives every segment sent; owns `segment` (flattened). */
	void (*output)(void *ctx, struct tcpip_stack *from, const struct fata_ipaddr *src,
			const struct fata_ipaddr *dst, struct fata_view segment);
	void *ctx;
	uint64_t sent;
	int fail_output; /* nonzero: tcpip_ip_output fails with this code */
	/* enum fata_netif_feature offloads tcpip_ip_offloads() reports; 0 for none. */
	uint32_t offloads;
	/* TSO frames and partial checksums seen; each partial one is checked and completed. */
	uint64_t tso_frames, partial_csums, bad_partial_csums;
	/* The metadata of the last segment sent. */
	struct fata_netif_meta last_meta;
};

#endif

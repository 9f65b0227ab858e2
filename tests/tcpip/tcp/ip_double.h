/*
 * A stand-in for libtcpip's IP layer, so the TCP layer can be tested on its
 * own: tcpip_ip_output() hands each segment to a hook the test installs,
 * and the checksum helpers follow RFC 1071.
 */
#ifndef TCP_TEST_IP_DOUBLE_H
#define TCP_TEST_IP_DOUBLE_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>

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
};

#endif

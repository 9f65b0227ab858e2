/*
 * What the IP layer offers the transport layers (tcp_*.c, udp.c).
 */
#ifndef FATA_TCPIP_IP_H
#define FATA_TCPIP_IP_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/netif.h>

struct tcpip_stack;

/* Bytes of headroom a transport layer reserves in front of its header. */
#define TCPIP_HEADROOM (FATA_NETIF_HEADROOM + 14 + 60)

/*
 * Sends the transport segment `payload` (owned chain: the transport header
 * first) from `src` to `dst` with protocol `proto`, fragmenting when it does
 * not fit the MTU (unless `dont_fragment`). `src` may be the unspecified
 * address, and the stack then uses its own. Ownership of the chain passes to
 * the IP layer in every case. Frames waiting for ARP are queued.
 * Errors: FATA_EHOSTUNREACH, FATA_ENETUNREACH, FATA_EMSGSIZE, FATA_ENOMEM,
 * FATA_EAGAIN.
 */
int tcpip_ip_output(struct tcpip_stack *stack, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, uint8_t proto, struct fata_chain *payload,
		int dont_fragment);

/*
 * As tcpip_ip_output(), with offload metadata for the device, or NULL. The
 * offsets in `meta` (csum_start, hdr_len) count from the transport header;
 * the IP and link layers add their header lengths. A GSO frame is never
 * fragmented. For a datagram to one of our own addresses a partial checksum
 * is completed in software and the rest of `meta` is ignored. Errors: those
 * of tcpip_ip_output(), those of fata_netif_send_meta(), and FATA_EINVAL
 * when the checksum field does not lie in the first view.
 */
int tcpip_ip_output_meta(struct tcpip_stack *stack, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, uint8_t proto, struct fata_chain *payload,
		int dont_fragment, const struct fata_netif_meta *meta);

/*
 * Returns the enum fata_netif_feature offloads switched on for datagrams to
 * `dst`: the interface's, or 0 for our own addresses and for IPv6.
 */
uint32_t tcpip_ip_offloads(struct tcpip_stack *stack, const struct fata_ipaddr *dst);

/* Returns the largest transport segment (IP payload) that fits the path to `dst`. */
uint32_t tcpip_ip_payload_mtu(struct tcpip_stack *stack, const struct fata_ipaddr *dst);

/* Stores the local address used toward `dst`; FATA_EADDRNOTAVAIL without one. */
int tcpip_ip_source_for(struct tcpip_stack *stack, const struct fata_ipaddr *dst,
		struct fata_ipaddr *src);

/* Returns 1 when `addr` is one of this stack's own addresses. */
int tcpip_ip_is_local(struct tcpip_stack *stack, const struct fata_ipaddr *addr);

/*
 * The Internet checksum (RFC 1071) of `len` bytes, continuing from the
 * running sum `sum`: fata_csum_add() of fata/csum.h. tcpip_csum_fold()
 * returns the value for the checksum field, as fata_csum_finish() does.
 */
uint32_t tcpip_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t tcpip_csum_fold(uint32_t sum);

/* The unfolded sum of the IPv4 or IPv6 pseudo-header (RFC 9293 section 3.1). */
uint32_t tcpip_csum_pseudo(const struct fata_ipaddr *src, const struct fata_ipaddr *dst,
		uint8_t proto, uint32_t len);

#endif

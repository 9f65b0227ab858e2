/* IPv4 (RFC 791): receiving, routing, sending and fragmenting. */
#ifndef FATA_TCPIP_IPV4_H
#define FATA_TCPIP_IPV4_H

#include <stdint.h>

#include <fata/buf.h>
#include <fata/loop.h>
#include <fata/netif.h>

struct tcpip_stack;

#define IPV4_PROTO_ICMP 1
#define IPV4_PROTO_TCP 6
#define IPV4_PROTO_UDP 17

#define IPV4_HLEN 20
/* RFC 791: every host must accept datagrams of 576 bytes; MTUs go down to 68. */
#define IPV4_MIN_MTU 68
#define IPV4_MAX_LEN 65535

/* A received datagram's header fields, as the transports need them. */
struct ipv4_rx {
	uint32_t src, dst;
	uint8_t proto;
	uint8_t ttl;
	uint16_t header_len;
	/* The frame went to a broadcast or multicast MAC. */
	uint8_t link_broadcast;
	/* The destination is a broadcast or multicast address. */
	uint8_t ip_broadcast;
	/* The device verified the transport checksum or marked it partial (local origin). */
	uint8_t csum_ok;
	/* GRO: payload bytes per coalesced TCP segment; 0 for a plain datagram. */
	uint16_t gso_size;
};

/* Handles one received IPv4 datagram (owned view from the IP header on). */
void ipv4_input(struct tcpip_stack *stack, struct fata_view packet, int link_broadcast);

/*
 * As ipv4_input(), and with `csum_ok` set the TCP and UDP layers skip the
 * checksum check, because the device verified it or the frame never left
 * this host (partial checksum). Fragments always get their checksum checked
 * after reassembly. `gso_size` is the device's segment size for a GRO frame,
 * else 0.
 */
void ipv4_input_checked(struct tcpip_stack *stack, struct fata_view packet, int link_broadcast,
		int csum_ok, uint16_t gso_size);

/*
 * Sends a transport payload as tcpip_ip_output() does, with `src` and `dst`
 * as 32-bit values. With `allow_any_source`, a `src` of 0 is sent as it is
 * (the DHCP client before it has an address) instead of being replaced.
 */
int ipv4_output(struct tcpip_stack *stack, uint32_t src, uint32_t dst, uint8_t proto,
		struct fata_chain *payload, int dont_fragment, int allow_any_source);

/*
 * As ipv4_output(), with offload metadata for the device (see
 * tcpip_ip_output_meta() in ip.h), or NULL.
 */
int ipv4_output_meta(struct tcpip_stack *stack, uint32_t src, uint32_t dst, uint8_t proto,
		struct fata_chain *payload, int dont_fragment, int allow_any_source,
		const struct fata_netif_meta *meta);

/* Returns 1 when `dst` is a broadcast address for us: all ones or our subnet's. */
int ipv4_is_broadcast(const struct tcpip_stack *stack, uint32_t dst);

/* Drops timed-out reassemblies; the reassembly timer's callback. */
void ipv4_reasm_timer_fired(void *arg, struct fata_timer *timer);

/* Runs the datagrams that were sent to our own address; the loopback timer's callback. */
void ipv4_loopback_run(void *arg, struct fata_timer *timer);

/* Drops every datagram waiting on the loopback queue. */
void ipv4_loopback_fini(struct tcpip_stack *stack);

#endif

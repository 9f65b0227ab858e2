/*
 * A test bench for libtcpip: one stack on a virtual loop over a netif that
 * records every frame the stack sends, and builders for the frames a test
 * injects. The stack is 192.0.2.2/24 with gateway 192.0.2.1 unless the test
 * passes its own configuration.
 */
#ifndef TESTS_TCPIP_HARNESS_H
#define TESTS_TCPIP_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <fata/fata.h>
#include <fata/tcpip.h>

#define H_MAX_FRAMES 4096

/* The netif: sent frames are kept flattened, in order, each with its offload metadata. */
struct h_netif {
	struct fata_netif base;
	struct fata_view sent[H_MAX_FRAMES];
	struct fata_netif_meta meta[H_MAX_FRAMES];
	size_t count;
	int closed;
};

struct harness {
	struct fata_loop *loop;
	struct h_netif *nif;
	struct fata_stack *stack;
};

extern const struct fata_mac h_our_mac, h_peer_mac, h_broadcast_mac;
extern const uint32_t h_our_ip, h_peer_ip, h_far_ip;

/* Starts a stack with `config` (NULL: the static default) at virtual time 1 s. */
void h_init(struct harness *h, const struct fata_tcpip_config *config);
/* Same, on an interface with the given MTU. */
void h_init_mtu(struct harness *h, const struct fata_tcpip_config *config, uint32_t mtu);
/* Same, on an interface that offers the enum fata_netif_feature flags `features`. */
void h_init_offloads(struct harness *h, const struct fata_tcpip_config *config, uint32_t features);
/* Delivers a copy of `len` bytes of `frame` with offload metadata `meta`. */
void h_inject_meta(struct harness *h, const void *frame, size_t len,
		const struct fata_netif_meta *meta);
/* Destroys the stack, checks the netif was closed, frees everything. */
void h_fini(struct harness *h);
/* Forgets the recorded frames. */
void h_clear(struct harness *h);
/* Delivers a copy of `len` bytes of `frame` to the stack. */
void h_inject(struct harness *h, const void *frame, size_t len);
/* Makes the stack learn the peer's MAC through an ARP request from it, then clears. */
void h_learn_peer(struct harness *h);
/* Returns the statistics of the stack. */
struct fata_tcpip_stats h_stats(struct harness *h);
/* Runs the loop for `ns` of virtual time. */
void h_advance(struct harness *h, uint64_t ns);

/* Returns the number of recorded frames of EtherType `type` (0 for any). */
size_t h_count_type(struct harness *h, uint16_t type);
/* Returns the index of the n-th recorded frame of `type`, or -1. */
long h_find_type(struct harness *h, uint16_t type, size_t n);
/* Returns a pointer to the bytes of recorded frame `i`. */
const uint8_t *h_frame(struct harness *h, size_t i, size_t *len);

/* Frame builders; each writes into `buf` and returns the length. */
size_t h_eth(uint8_t *buf, const struct fata_mac *dst, const struct fata_mac *src, uint16_t type);
size_t h_arp(uint8_t *buf, uint16_t op, const struct fata_mac *eth_dst,
		const struct fata_mac *sha, uint32_t spa, const struct fata_mac *tha, uint32_t tpa);
/* IPv4 header (20 bytes, valid checksum) plus `payload`, after an Ethernet header to us. */
size_t h_ipv4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
		uint16_t frag, const void *payload, size_t len);
/* A UDP datagram with a correct checksum inside h_ipv4(). */
size_t h_udp(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		const void *payload, size_t len);
/* An ICMP echo request inside h_ipv4(). */
size_t h_echo(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq,
		const void *data, size_t len);

/* The Internet checksum of `len` bytes, folded and complemented. */
uint16_t h_csum(const void *data, size_t len, uint32_t initial);

static inline uint16_t h_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t h_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void h_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void h_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#define H_IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#endif

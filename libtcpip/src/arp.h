/*
 * ARP (RFC 826): the neighbour cache, resolution of next hops with a queue
 * of packets per destination, replies for our address, gratuitous
 * announcements and address probes (RFC 5227).
 */
#ifndef FATA_TCPIP_ARP_H
#define FATA_TCPIP_ARP_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/loop.h>

#include "arp_cache.h"

struct tcpip_stack;

/* The ARP layer of one stack. */
struct arp_layer {
	struct arp_cache cache;
	struct fata_timer timer;
	/* Gratuitous announcements still to send, and when the next one is due. */
	unsigned announce_left;
	uint64_t announce_at;
	/* The address being probed before a DHCP lease is taken, 0 for none. */
	uint32_t probe_addr;
	/* When we last defended our address (RFC 5227 section 2.4 (b)). */
	uint64_t last_defense;
	int defended;
};

/* Sets up the layer for `stack`. Errors: FATA_ENOMEM. */
int arp_init(struct tcpip_stack *stack);

/* Drops every queued packet and frees the cache. */
void arp_fini(struct tcpip_stack *stack);

/* Handles one received ARP packet (owned view without the Ethernet header). */
void arp_input(struct tcpip_stack *stack, struct fata_view packet);

/*
 * Sends the IPv4 packet `packet` (owned, IP header first) to the on-link
 * neighbour `next_hop`, resolving its MAC first and queueing the packet
 * meanwhile. Consumes the chain. Errors: FATA_EAGAIN when the queue for the
 * destination is full, FATA_ENOMEM, and those of eth_output().
 */
int arp_output(struct tcpip_stack *stack, uint32_t next_hop, struct fata_chain *packet);

/*
 * As arp_output(), with offload metadata (offsets from the IPv4 header, or
 * NULL) that waits with the packet when it must be queued.
 */
int arp_output_meta(struct tcpip_stack *stack, uint32_t next_hop, struct fata_chain *packet,
		const struct fata_netif_meta *meta);

/* Starts the gratuitous announcements of our address (RFC 5227 section 2.3). */
void arp_announce(struct tcpip_stack *stack);

/*
 * Probes `addr` once (RFC 5227 section 2.1.1); any ARP packet from another
 * host that claims it afterwards calls dhcp_probe_conflict(). `addr` 0 ends
 * the probe.
 */
void arp_probe(struct tcpip_stack *stack, uint32_t addr);

/* Forgets every entry, after the stack's address changed. */
void arp_flush(struct tcpip_stack *stack);

#endif

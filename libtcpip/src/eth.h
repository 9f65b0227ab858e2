/* Ethernet II framing (IEEE 802.3 type field interpretation). */
#ifndef FATA_TCPIP_ETH_H
#define FATA_TCPIP_ETH_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>

struct tcpip_stack;

#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806

/* The all-ones broadcast MAC. */
extern const struct fata_mac tcpip_mac_broadcast;

/* The netif receive callback: takes over the owned `frame`. */
void eth_input(void *arg, struct fata_view frame);

/*
 * The netif receive callback with metadata: as eth_input(), and a frame the
 * device verified or that carries a partial checksum skips the TCP and UDP
 * checksum check.
 */
void eth_input_meta(void *arg, struct fata_view frame, const struct fata_netif_meta *meta);

/*
 * Prepends an Ethernet II header (destination `dst`, our MAC as source,
 * `type`) to the owned chain and sends it. The chain is consumed in every
 * case. Errors: those of fata_netif_send(), FATA_ENOMEM.
 */
int eth_output(struct tcpip_stack *stack, const struct fata_mac *dst, uint16_t type,
		struct fata_chain *chain);

/*
 * Sends like eth_output(), with offload metadata (NULL for none) whose
 * offsets count from the Ethernet payload. The Ethernet header length is
 * added to them before the frame goes to fata_netif_send_meta().
 */
int eth_output_meta(struct tcpip_stack *stack, const struct fata_mac *dst, uint16_t type,
		struct fata_chain *chain, const struct fata_netif_meta *meta);

/* As eth_output() for one owned view. */
int eth_output_view(struct tcpip_stack *stack, const struct fata_mac *dst, uint16_t type,
		struct fata_view view);

#endif

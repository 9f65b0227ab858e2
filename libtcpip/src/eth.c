/*
 * Ethernet II: the 14-byte header of destination MAC, source MAC and
 * EtherType. Received frames are kept when they are addressed to our MAC
 * or to the broadcast address; IPv4 multicast has no members here, and
 * 802.1Q tagged frames (type 0x8100) are counted as unknown types.
 */
#include <string.h>

#include <fata/error.h>
#include <fata/netif.h>

#include "arp.h"
#include "eth.h"
#include "ipv4.h"
#include "packet.h"
#include "tcpip_stack.h"

const struct fata_mac tcpip_mac_broadcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

void eth_input(void *arg, struct fata_view frame)
{
	static const struct fata_netif_meta none;

	eth_input_meta(arg, frame, &none);
}

void eth_input_meta(void *arg, struct fata_view frame, const struct fata_netif_meta *meta)
{
	struct tcpip_stack *stack = arg;
	struct fata_tcpip_eth_stats *st = &stack->stats.eth;
	struct fata_mac dst;
	uint16_t type;
	int broadcast;

	st->in_frames++;
	if (fata_view_copy_out(frame, 0, dst.bytes, 6) != 0 ||
			fata_view_get_be16(frame, 12, &type) != 0) {
		st->in_short++;
		fata_view_release(&frame);
		return;
	}

	broadcast = memcmp(dst.bytes, tcpip_mac_broadcast.bytes, 6) == 0;
	if (!broadcast && memcmp(dst.bytes, stack->nif->mac.bytes, 6) != 0) {
		st->in_other_host++;
		fata_view_release(&frame);
		return;
	}

	fata_view_pull(&frame, FATA_ETH_HLEN);
	switch (type) {
	case ETH_TYPE_IPV4:
		ipv4_input_checked(stack, frame, broadcast,
				(meta->flags & (FATA_NETIF_META_CSUM_VALID |
						FATA_NETIF_META_CSUM_PARTIAL)) != 0,
				meta->gso_type != FATA_NETIF_GSO_NONE ? meta->gso_size : 0);
		break;
	case ETH_TYPE_ARP:
		arp_input(stack, frame);
		break;
	default:
		st->in_unknown_type++;
		fata_view_release(&frame);
		break;
	}
}

int eth_output(struct tcpip_stack *stack, const struct fata_mac *dst, uint16_t type,
		struct fata_chain *chain)
{
	return eth_output_meta(stack, dst, type, chain, NULL);
}

int eth_output_meta(struct tcpip_stack *stack, const struct fata_mac *dst, uint16_t type,
		struct fata_chain *chain, const struct fata_netif_meta *meta)
{
	struct fata_netif_meta frame_meta;
	uint8_t *hdr;
	int rc;

	rc = tcpip_chain_push(chain, FATA_ETH_HLEN, FATA_NETIF_HEADROOM, &hdr);
	if (rc != 0) {
		stack->stats.eth.out_errors++;
		fata_chain_release(chain);
		return rc;
	}

	memcpy(hdr, dst->bytes, 6);
	memcpy(hdr + 6, stack->nif->mac.bytes, 6);
	tcpip_put16(hdr + 12, type);

	/* The interface owns the chain from here on and counts its own failures. */
	if (meta && (meta->flags || meta->gso_type)) {
		frame_meta = *meta;
		frame_meta.csum_start = (uint16_t)(frame_meta.csum_start + FATA_ETH_HLEN);
		if (frame_meta.gso_type != FATA_NETIF_GSO_NONE)
			frame_meta.hdr_len = (uint16_t)(frame_meta.hdr_len + FATA_ETH_HLEN);
		rc = fata_netif_send_meta(stack->nif, chain, &frame_meta);
	} else {
		rc = fata_netif_send(stack->nif, chain);
	}
	if (rc != 0)
		stack->stats.eth.out_errors++;
	else
		stack->stats.eth.out_frames++;
	return rc;
}

int eth_output_view(struct tcpip_stack *stack, const struct fata_mac *dst, uint16_t type,
		struct fata_view view)
{
	struct fata_chain chain;

	fata_chain_init(&chain);
	if (fata_chain_append(&chain, view) != 0) {
		fata_view_release(&view);
		return FATA_ENOMEM;
	}
	return eth_output(stack, dst, type, &chain);
}

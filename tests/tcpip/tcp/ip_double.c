/* The IP layer test double: see ip_double.h. */
#include <fata/error.h>

#include "ip.h"
#include "ip_double.h"

int tcpip_ip_output(struct tcpip_stack *stack, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, uint8_t proto, struct fata_chain *payload,
		int dont_fragment)
{
	return tcpip_ip_output_meta(stack, src, dst, proto, payload, dont_fragment, NULL);
}

uint32_t tcpip_ip_offloads(struct tcpip_stack *stack, const struct fata_ipaddr *dst)
{
	(void)dst;
	return stack->offloads;
}

/* Checks that the checksum field contains the folded pseudo-header sum, then completes it. */
static void complete_partial(struct tcpip_stack *stack, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, uint8_t proto, struct fata_view flat,
		const struct fata_netif_meta *meta)
{
	uint8_t *field = fata_view_data(flat) + meta->csum_start + meta->csum_offset;
	uint32_t pseudo = tcpip_csum_pseudo(src, dst, proto, flat.len);
	uint16_t expected = (uint16_t)~tcpip_csum_fold(pseudo);
	uint16_t got = (uint16_t)(field[0] << 8 | field[1]);

	stack->partial_csums++;
	if (got != expected)
		stack->bad_partial_csums++;
	uint16_t csum = tcpip_csum_fold(tcpip_csum_add(0, fata_view_data(flat), flat.len));
	field[0] = (uint8_t)(csum >> 8);
	field[1] = (uint8_t)csum;
}

int tcpip_ip_output_meta(struct tcpip_stack *stack, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, uint8_t proto, struct fata_chain *payload,
		int dont_fragment, const struct fata_netif_meta *meta)
{
	static const struct fata_netif_meta none;
	struct fata_view flat;

	(void)dont_fragment;
	if (!meta)
		meta = &none;
	stack->last_meta = *meta;
	if (stack->fail_output) {
		fata_chain_release(payload);
		return stack->fail_output;
	}
	if ((meta->gso_type && !(stack->offloads & FATA_NETIF_F_TSO)) ||
			((meta->flags & FATA_NETIF_META_CSUM_PARTIAL) &&
			 !(stack->offloads & FATA_NETIF_F_TX_CSUM))) {
		fata_chain_release(payload);
		return FATA_ENOTSUP;
	}
	if (meta->gso_type) {
		stack->tso_frames++;
		if ((uint32_t)meta->hdr_len + meta->gso_size + 20 > stack->mtu || payload->len + 20 > 65535) {
			fata_chain_release(payload);
			return FATA_EMSGSIZE;
		}
	} else if (payload->len + 20 > stack->mtu) {
		fata_chain_release(payload);
		return FATA_EMSGSIZE;
	}

	int err = fata_chain_flatten(payload, 0, &flat);
	fata_chain_release(payload);
	if (err < 0)
		return err;
	if (meta->flags & FATA_NETIF_META_CSUM_PARTIAL) {
		struct fata_ipaddr from = src->family ? *src : stack->addr;
		struct fata_view copy;

		/* The flattened view may share the caller's block; finish the checksum in a copy. */
		err = fata_buf_copy(fata_view_data(flat), flat.len, 0, &copy);
		fata_view_release(&flat);
		if (err < 0)
			return err;
		flat = copy;
		complete_partial(stack, &from, dst, proto, flat, meta);
	}

	stack->sent++;
	struct fata_ipaddr from = src->family ? *src : stack->addr;
	if (stack->output)
		stack->output(stack->ctx, stack, &from, dst, flat);
	else
		fata_view_release(&flat);
	return 0;
}

uint32_t tcpip_ip_payload_mtu(struct tcpip_stack *stack, const struct fata_ipaddr *dst)
{
	(void)dst;
	return stack->mtu - 20;
}

int tcpip_ip_source_for(struct tcpip_stack *stack, const struct fata_ipaddr *dst,
		struct fata_ipaddr *src)
{
	(void)dst;
	if (stack->addr.family == FATA_AF_NONE)
		return FATA_EADDRNOTAVAIL;
	*src = stack->addr;
	return 0;
}

int tcpip_ip_is_local(struct tcpip_stack *stack, const struct fata_ipaddr *addr)
{
	return fata_ipaddr_equal(&stack->addr, addr);
}

/* The IP layer test double: see ip_double.h. */
#include <fata/error.h>

#include "ip.h"
#include "ip_double.h"

int tcpip_ip_output(struct tcpip_stack *stack, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, uint8_t proto, struct fata_chain *payload,
		int dont_fragment)
{
	struct fata_view flat;

	(void)proto;
	(void)dont_fragment;
	if (stack->fail_output) {
		fata_chain_release(payload);
		return stack->fail_output;
	}
	if (payload->len + 20 > stack->mtu) {
		fata_chain_release(payload);
		return FATA_EMSGSIZE;
	}

	int err = fata_chain_flatten(payload, 0, &flat);
	fata_chain_release(payload);
	if (err < 0)
		return err;

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

uint32_t tcpip_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	for (; len >= 2; p += 2, len -= 2)
		acc += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t tcpip_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t tcpip_csum_pseudo(const struct fata_ipaddr *src, const struct fata_ipaddr *dst,
		uint8_t proto, uint32_t len)
{
	size_t n = src->family == FATA_AF_INET6 ? 16 : 4;
	uint64_t acc = (uint64_t)tcpip_csum_add(0, src->bytes, n) + tcpip_csum_add(0, dst->bytes, n);

	acc += proto + (len >> 16) + (len & 0xffff);
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

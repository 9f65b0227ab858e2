/*
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
 * complement sum of the data taken as big-endian 16-bit words. Sums are kept
 * unfolded in 32 bits between calls, with carries folded back in so that
 * the running sum never overflows.
 */
#include <stddef.h>
#include <stdint.h>

#include "ip.h"
#include "packet.h"

/* Folds a 64-bit partial sum into 32 bits without losing carries. */
static uint32_t fold64(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	return (uint32_t)sum;
}

uint32_t tcpip_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	while (len >= 2) {
		acc += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}

	/* RFC 1071 section 4.1: an odd last byte is padded with a zero byte. */
	if (len == 1)
		acc += (uint32_t)p[0] << 8;

	return fold64(acc);
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
	size_t addr_len = src->family == FATA_AF_INET6 ? 16 : 4;
	uint64_t acc;

	acc = tcpip_csum_add(0, src->bytes, addr_len);
	acc += tcpip_csum_add(0, dst->bytes, addr_len);

	/*
	 * IPv4 (RFC 9293 section 3.1) adds a zero byte, the protocol and the
	 * 16-bit length; IPv6 (RFC 8200 section 8.1) adds a 32-bit length and
	 * the next header. Both come to the same sum for lengths below 65536.
	 */
	acc += proto;
	acc += len >> 16;
	acc += len & 0xffff;
	return fold64(acc);
}

/* Swaps the bytes of a folded 16-bit sum (RFC 1071 section 2, property B). */
static uint32_t swap_sum(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((sum & 0xff) << 8) | (sum >> 8);
}

uint32_t tcpip_csum_view(uint32_t sum, struct fata_view v)
{
	return tcpip_csum_add(sum, fata_view_data(v), v.len);
}

uint32_t tcpip_csum_chain(uint32_t sum, const struct fata_chain *c)
{
	uint64_t acc = sum;
	size_t pos = 0;

	for (uint32_t i = 0; i < c->count; i++) {
		uint32_t part = tcpip_csum_view(0, c->views[i]);

		/* A view that starts at an odd offset adds its words byte-swapped. */
		if (pos & 1)
			part = swap_sum(part);
		acc += part;
		pos += c->views[i].len;
	}
	return fold64(acc);
}

/*
 * The Internet checksum (RFC 1071) of the stack's own structures: the
 * pseudo-headers, views and chains. The sum itself is the platform's
 * (fata/csum.h).
 */
#include <stddef.h>
#include <stdint.h>

#include <fata/csum.h>

#include "ip.h"
#include "packet.h"

uint32_t tcpip_csum_add(uint32_t sum, const void *data, size_t len)
{
	return fata_csum_add(sum, data, len);
}

uint16_t tcpip_csum_fold(uint32_t sum)
{
	return fata_csum_finish(sum);
}

uint32_t tcpip_csum_pseudo(const struct fata_ipaddr *src, const struct fata_ipaddr *dst,
		uint8_t proto, uint32_t len)
{
	size_t addr_len = src->family == FATA_AF_INET6 ? 16 : 4;

	/*
	 * IPv6 (RFC 8200 section 8.1) ends the pseudo-header with a 32-bit
	 * length, three zero bytes and the next header. IPv4 (RFC 9293
	 * section 3.1) ends it with a zero byte, the protocol and a 16-bit
	 * length, which sums the same for lengths below 65536.
	 */
	const uint8_t tail[8] = {
		(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len,
		0, 0, 0, proto,
	};
	uint32_t sum = fata_csum_add(0, src->bytes, addr_len);

	sum = fata_csum_add(sum, dst->bytes, addr_len);
	return fata_csum_add(sum, tail, sizeof tail);
}

uint32_t tcpip_csum_view(uint32_t sum, struct fata_view v)
{
	return fata_csum_add(sum, fata_view_data(v), v.len);
}

uint32_t tcpip_csum_chain(uint32_t sum, const struct fata_chain *c)
{
	size_t offset = 0;

	for (uint32_t i = 0; i < c->count; i++) {
		struct fata_view v = c->views[i];

		sum = fata_csum_add_at(sum, fata_view_data(v), v.len, offset);
		offset += v.len;
	}
	return sum;
}

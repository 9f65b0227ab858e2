/*
 * Helpers shared by every layer for building and checking packets: header
 * space in front of a chain, checksums over views and chains, and IPv4
 * address conversions.
 */
#ifndef FATA_TCPIP_PACKET_H
#define FATA_TCPIP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>

/*
 * Makes `len` writable header bytes in front of the owned chain `chain` and
 * stores a pointer to them in `*hdr`. The header goes into the first view's
 * headroom when that view has `len + reserve` bytes of it and is not shared.
 * Otherwise a new view with `reserve` bytes of headroom is prepended, after
 * flattening the chain when it is full. `reserve` is the headroom the lower
 * layers still need. Errors: FATA_ENOMEM; the chain is unchanged then.
 */
int tcpip_chain_push(struct fata_chain *chain, size_t len, size_t reserve, uint8_t **hdr);

/*
 * Replaces the owned chain's views by one owned view of all its bytes with
 * at least `headroom` bytes in front, and stores it in `*out`. The chain is
 * empty afterwards. Errors: FATA_ENOMEM; the chain is released then.
 */
int tcpip_chain_take_flat(struct fata_chain *chain, size_t headroom, struct fata_view *out);

/* The unfolded Internet checksum sum of the bytes of `v`, continuing from `sum`. */
uint32_t tcpip_csum_view(uint32_t sum, struct fata_view v);

/* The unfolded sum of all bytes of `c` in order, continuing from `sum`. */
uint32_t tcpip_csum_chain(uint32_t sum, const struct fata_chain *c);

/* IPv4 addresses inside the stack are 32-bit values in host byte order. */
#define TCPIP_IPV4_ANY 0u
#define TCPIP_IPV4_BROADCAST 0xffffffffu

/* Returns the 32-bit value of the IPv4 address `ip`, or 0 for another family. */
static inline uint32_t tcpip_ipv4_of(const struct fata_ipaddr *ip)
{
	return fata_ipv4_to_u32(ip);
}

/* Returns 1 for 224.0.0.0/4 (RFC 5771). */
static inline int tcpip_ipv4_is_multicast(uint32_t a)
{
	return (a >> 28) == 0xe;
}

/* Returns 1 for 127.0.0.0/8 (RFC 1122 section 3.2.1.3 (g)). */
static inline int tcpip_ipv4_is_loopback(uint32_t a)
{
	return (a >> 24) == 127;
}

/* Returns the netmask of a prefix length 0..32. */
static inline uint32_t tcpip_ipv4_mask(unsigned prefix_len)
{
	return prefix_len == 0 ? 0 : 0xffffffffu << (32 - prefix_len);
}

/* Returns 1 when the MAC is a group (multicast or broadcast) address. */
static inline int tcpip_mac_is_group(const struct fata_mac *mac)
{
	return (mac->bytes[0] & 1) != 0;
}

/* Reads and writes big-endian fields in a header being built. */
static inline void tcpip_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tcpip_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t tcpip_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t tcpip_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif

/*
 * Network addresses: IPv4 and IPv6 in one type, socket addresses, MACs.
 */
#ifndef FATA_ADDR_H
#define FATA_ADDR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Address families; FATA_AF_NONE marks an unset address. */
enum fata_af {
	FATA_AF_NONE = 0,
	FATA_AF_INET = 4,
	FATA_AF_INET6 = 6,
};

/* An IP address in network byte order. IPv4 uses bytes[0..3] and zeroes the rest. */
struct fata_ipaddr {
	uint8_t family; /* enum fata_af */
	uint8_t bytes[16];
};

/* An IP address and a port in host byte order. */
struct fata_sockaddr {
	struct fata_ipaddr ip;
	uint16_t port;
};

/* An Ethernet MAC address. */
struct fata_mac {
	uint8_t bytes[6];
};

/* Longest text fata_ipaddr_format() writes, with its terminating NUL. */
#define FATA_IPADDR_STRLEN 46
/* Longest text fata_sockaddr_format() writes ("[v6]:65535"), with NUL. */
#define FATA_SOCKADDR_STRLEN 54
/* Text length of a MAC ("02:00:00:00:00:01") with its NUL. */
#define FATA_MAC_STRLEN 18

/* Returns the IPv4 address a.b.c.d. */
struct fata_ipaddr fata_ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);

/* Returns an IPv4 address from its 32-bit value in host byte order. */
struct fata_ipaddr fata_ipv4_from_u32(uint32_t host_order);

/* Returns an IPv4 address's 32-bit value in host byte order (0 for other families). */
uint32_t fata_ipv4_to_u32(const struct fata_ipaddr *ip);

/*
 * Parses `len` bytes of `text` as a dotted-quad IPv4 address or an IPv6
 * address (RFC 4291 section 2.2 text forms, including "::" and a trailing
 * dotted quad). No surrounding brackets or zone. Errors: FATA_EINVAL.
 */
int fata_ipaddr_parse(const char *text, size_t len, struct fata_ipaddr *out);

/*
 * Parses "ADDR/PREFIX". The prefix must fit the family (0-32 or 0-128).
 * Errors: FATA_EINVAL.
 */
int fata_ipaddr_parse_prefix(const char *text, size_t len, struct fata_ipaddr *out,
		unsigned *prefix_len);

/*
 * Writes `ip` as text (IPv6 in RFC 5952 form) into `buf` of `size` bytes,
 * NUL-terminated. Returns the text length, or FATA_ENOSPC when it does not fit.
 */
int fata_ipaddr_format(const struct fata_ipaddr *ip, char *buf, size_t size);

/* Writes "a.b.c.d:port" or "[v6]:port"; returns as fata_ipaddr_format(). */
int fata_sockaddr_format(const struct fata_sockaddr *sa, char *buf, size_t size);

/* Returns 1 when `a` and `b` have the same family and bytes, else 0. */
int fata_ipaddr_equal(const struct fata_ipaddr *a, const struct fata_ipaddr *b);

/* Returns 1 for the unspecified address (0.0.0.0 or ::) of either family. */
int fata_ipaddr_is_any(const struct fata_ipaddr *ip);

/* Returns 1 when the first `prefix_len` bits of `a` and `b` match. */
int fata_ipaddr_same_prefix(const struct fata_ipaddr *a, const struct fata_ipaddr *b,
		unsigned prefix_len);

/* Parses "aa:bb:cc:dd:ee:ff" (hex digits, either case). Errors: FATA_EINVAL. */
int fata_mac_parse(const char *text, size_t len, struct fata_mac *out);

/* Writes `mac` as lowercase text into `buf`; returns as fata_ipaddr_format(). */
int fata_mac_format(const struct fata_mac *mac, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif

/*
 * The Internet checksum of RFC 1071, used by IPv4, ICMP, UDP and TCP: the
 * 16-bit one's complement of the one's complement sum of the data taken as
 * 16-bit words in network (big-endian) byte order. An odd last byte is
 * padded on the right with a zero byte (RFC 9293 section 3.1), so it counts
 * as the high byte of its word.
 *
 * A running sum is a uint32_t congruent to the one's complement sum modulo
 * 0xffff. Every function here accepts any uint32_t as a running sum and
 * returns one of at most 0xffff. A caller may therefore add a few more
 * 16-bit values in host arithmetic, such as a pseudo-header's protocol and
 * length, before the next call or fata_csum_finish(). Start every sum at 0.
 *
 * Summing data in pieces: fata_csum_add() treats its first byte as the high
 * byte of a word, which is right only when the piece starts at an even
 * offset of the checksummed data. A piece that follows pieces of odd total
 * length must go through fata_csum_add_at() with its offset, which
 * byte-swaps its sum (RFC 1071 section 2, byte order independence), so
 * pieces of any length chain to the sum of the whole.
 *
 * The functions read the bytes with byte loads of any alignment, keep no
 * state and allocate nothing.
 */
#ifndef FATA_CSUM_H
#define FATA_CSUM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Adds the `len` bytes at `data` to the running sum `sum` and returns the
 * new running sum. The first byte is the high byte of a word, as at an even
 * offset of the checksummed data. `data` may be NULL when `len` is 0.
 */
uint32_t fata_csum_add(uint32_t sum, const void *data, size_t len);

/*
 * Adds the `len` bytes at `data`, which start `offset` bytes into the
 * checksummed data, to the running sum `sum` and returns the new running
 * sum. Only the parity of `offset` matters: pieces added with their offsets
 * give the same sum as the whole, whatever their lengths.
 */
uint32_t fata_csum_add_at(uint32_t sum, const void *data, size_t len, size_t offset);

/*
 * Returns the running sum `sum` folded to 16 bits, not complemented: the
 * value a partial-checksum field contains (see FATA_NETIF_META_CSUM_PARTIAL
 * in netif.h). A sum of nothing gives 0.
 */
uint16_t fata_csum_fold(uint32_t sum);

/*
 * Returns the checksum for the running sum `sum`: the one's complement of
 * fata_csum_fold(sum), in host byte order, to be written big-endian into
 * the checksum field. Summing received data with its checksum field
 * included and finishing gives 0 when the data is intact.
 */
uint16_t fata_csum_finish(uint32_t sum);

#ifdef __cplusplus
}
#endif

#endif

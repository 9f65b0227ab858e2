/*
 * IPv4 reassembly (RFC 791 section 3.2, RFC 1122 section 3.3.2) with
 * limits on fragments per datagram, datagrams in progress, memory and time.
 * It keeps no clock and sends nothing: the caller passes the time in and
 * sends the ICMP error for datagrams that time out.
 *
 * Invariants: the fragments of one datagram are kept sorted by offset and
 * never overlap, because an overlapping fragment abandons the whole datagram
 * (RFC 5722's rule, applied to IPv4). An exact duplicate is ignored instead,
 * as RFC 8200 section 4.5 allows. The datagrams form a list in order of
 * their first fragment's arrival, which is also deadline order, so expiry
 * and eviction both take from the head.
 */
#ifndef FATA_TCPIP_REASM_H
#define FATA_TCPIP_REASM_H

#include <stddef.h>
#include <stdint.h>

#include <fata/buf.h>
#include <fata/tcpip.h>

/* Fragments one datagram may have; 64 KiB in Ethernet-sized fragments needs 45. */
#define REASM_MAX_FRAGMENTS 64
/* Datagrams reassembled at once, abandoned ones waiting for expiry included. */
#define REASM_MAX_DATAGRAMS 64
/* Largest IPv4 header, which the first fragment's copy must hold. */
#define REASM_MAX_HEADER 60

/* One received fragment's identity and place. */
struct reasm_fragment {
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint32_t offset;      /* payload offset in bytes (fragment offset * 8) */
	int more;             /* the More Fragments flag */
	const uint8_t *header;/* the fragment's IP header, `header_len` bytes */
	size_t header_len;
};

struct reasm_piece;
struct reasm_datagram;

/* The reassembly table of one stack. */
struct reasm_table {
	struct reasm_datagram *head, *tail;
	uint32_t count;
	uint32_t mem;         /* bytes held: the blocks of held fragments */
	uint32_t max_mem;
	uint64_t timeout_ns;
	struct fata_tcpip_ip_stats *stats;
};

/* Called for a datagram that timed out after its first fragment arrived. */
typedef void (*reasm_timeout_fn)(void *arg, const uint8_t *header, size_t header_len,
		struct fata_view first_payload);

/* Prepares an empty table. */
void reasm_init(struct reasm_table *t, uint32_t max_mem, uint64_t timeout_ns,
		struct fata_tcpip_ip_stats *stats);

/* Drops every datagram in progress. */
void reasm_fini(struct reasm_table *t);

/*
 * Adds one fragment, whose owned `payload` view the table takes over in
 * every case. Returns 1 and stores in `*datagram` an owned view of the
 * whole datagram (a fresh IP header without fragment fields, then the
 * payload) when this fragment completed it. Returns 0 when the fragment was
 * kept, ignored as a duplicate or dropped, and the statistics count which.
 */
int reasm_input(struct reasm_table *t, const struct reasm_fragment *frag,
		struct fata_view payload, uint64_t now, struct fata_view *datagram);

/* Drops every datagram whose deadline is at or before `now`, calling `fn` as described. */
void reasm_expire(struct reasm_table *t, uint64_t now, reasm_timeout_fn fn, void *arg);

/* Returns the earliest deadline, or UINT64_MAX when the table is empty. */
uint64_t reasm_next_deadline(const struct reasm_table *t);

#endif

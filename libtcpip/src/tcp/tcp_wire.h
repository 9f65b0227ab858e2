/*
 * The TCP header and its options on the wire (RFC 9293 section 3.1): parsing
 * of received segments, option encoding, and building of outgoing segments
 * into buffers with room for the IP and link headers in front.
 */
#ifndef TCP_WIRE_H
#define TCP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>

/* Control bits (RFC 9293 section 3.1, RFC 3168 for ECE and CWR). */
enum {
	TCP_FIN = 0x01,
	TCP_SYN = 0x02,
	TCP_RST = 0x04,
	TCP_PSH = 0x08,
	TCP_ACK = 0x10,
	TCP_URG = 0x20,
	TCP_ECE = 0x40,
	TCP_CWR = 0x80,
};

/* Header length without options, and the largest options area. */
#define TCP_HEADER_LEN 20
#define TCP_OPTIONS_MAX 40

/* Option kinds (IANA "TCP Option Kind Numbers"). */
enum {
	TCP_OPT_EOL = 0,
	TCP_OPT_NOP = 1,
	TCP_OPT_MSS = 2,        /* RFC 9293 section 3.2, length 4 */
	TCP_OPT_WSCALE = 3,     /* RFC 7323 section 2.2, length 3 */
	TCP_OPT_SACK_PERM = 4,  /* RFC 2018 section 2, length 2 */
	TCP_OPT_SACK = 5,       /* RFC 2018 section 3, length 2 + 8n */
	TCP_OPT_TIMESTAMP = 8,  /* RFC 7323 section 3.2, length 10 */
};

/* Flags in tcp_options.present. */
enum {
	TCP_HAS_MSS = 1u << 0,
	TCP_HAS_WSCALE = 1u << 1,
	TCP_HAS_SACK_PERM = 1u << 2,
	TCP_HAS_SACK = 1u << 3,
	TCP_HAS_TIMESTAMP = 1u << 4,
};

/* The largest shift a window scale option may carry (RFC 7323 section 2.3). */
#define TCP_WSCALE_MAX 14

/* A SACK block: the sequence numbers [start, end) (RFC 2018 section 3). */
struct tcp_sack_block {
	uint32_t start;
	uint32_t end;
};

/* At most four SACK blocks fit the 40-byte options area. */
#define TCP_SACK_BLOCKS_MAX 4

/* The options of one segment, as parsed or to be written. */
struct tcp_options {
	unsigned present; /* TCP_HAS_* flags */
	uint16_t mss;
	uint8_t wscale;
	uint8_t sack_count;
	uint32_t ts_val;
	uint32_t ts_ecr;
	struct tcp_sack_block sack[TCP_SACK_BLOCKS_MAX];
};

/* A parsed segment. `payload` is borrowed from the view given to the parser. */
struct tcp_segment {
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t window; /* as sent, not yet scaled */
	uint16_t urgent;
	struct tcp_options opts;
	struct fata_view payload;
	uint32_t len; /* payload bytes */
	/* Payload bytes per original segment of a GRO frame; 0 for a plain segment. */
	uint16_t gso_size;
};

/* Returns the sequence space a segment occupies: its payload plus SYN and FIN. */
static inline uint32_t tcp_segment_seq_len(const struct tcp_segment *seg)
{
	return seg->len + ((seg->flags & TCP_SYN) ? 1 : 0) + ((seg->flags & TCP_FIN) ? 1 : 0);
}

/*
 * Parses the options area `opts` (borrowed) into `out`. EOL ends the list,
 * unknown kinds with a valid length are skipped, and a window scale above 14
 * is stored as 14 (RFC 7323 section 2.3).
 * Errors: FATA_EBADMSG for a length byte that is missing, below 2, running
 * past the area, or wrong for a known kind (RFC 9293 section 3.2 requires
 * that an illegal option length is handled without harm).
 */
int tcp_options_parse(struct fata_view opts, struct tcp_options *out);

/*
 * Writes the options in `opts` to `buf` (at least TCP_OPTIONS_MAX bytes),
 * padded with NOPs to a multiple of 4 bytes, and returns the length. SACK
 * blocks that do not fit the space left after the other options are
 * dropped from the end.
 */
size_t tcp_options_write(const struct tcp_options *opts, uint8_t *buf);

/*
 * Parses the segment `seg` (borrowed): header, options and payload.
 * Errors: FATA_EBADMSG when the segment is shorter than its header, the
 * data offset is below 5 or past the end, or the options are malformed.
 */
int tcp_segment_parse(struct fata_view seg, struct tcp_segment *out);

/*
 * Computes the TCP checksum of the chain `data` with the pseudo-header of
 * `src` and `dst` (RFC 9293 section 3.1), as the value to store in the
 * header (its checksum field must be zero while computing).
 */
uint16_t tcp_checksum_chain(const struct fata_ipaddr *src, const struct fata_ipaddr *dst,
		const struct fata_chain *data);

/*
 * Returns 1 when the received segment `seg` (with its checksum field in
 * place) carries a correct checksum for `src` and `dst`.
 */
int tcp_checksum_ok(const struct fata_ipaddr *src, const struct fata_ipaddr *dst,
		struct fata_view seg);

/* The fields of an outgoing segment. `payload` contains owned views. */
struct tcp_out {
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t window; /* already scaled down for the header */
	/* TSO: payload bytes per segment when the payload is longer; 0 for one segment. */
	uint16_t gso_size;
	/* Leave the checksum to the device: the field gets the pseudo-header sum only. */
	uint8_t csum_partial;
	struct tcp_options opts;
	struct fata_chain payload;
};

/*
 * Builds the segment `out` from `src`:`src_port` to `dst`:`dst_port` into
 * `frame`: a new header view with TCPIP_HEADROOM in front, followed by the
 * payload views moved from out->payload, checksum filled in. With
 * out->csum_partial the checksum field gets the folded, uncomplemented
 * pseudo-header sum over the whole segment length instead, which a device
 * completes (or, for TSO, adjusts for each segment it cuts). On success
 * out->payload is empty and `frame` owns everything; on error both are
 * released. Errors: FATA_ENOMEM.
 */
int tcp_segment_build(struct tcp_out *out, const struct fata_ipaddr *src, uint16_t src_port,
		const struct fata_ipaddr *dst, uint16_t dst_port, struct fata_chain *frame);

#endif

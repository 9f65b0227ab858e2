/*
 * TCP header and option encoding (RFC 9293 section 3.1 and 3.2, RFC 7323,
 * RFC 2018). Every read from a received segment goes through the
 * bounds-checked reader, so a short or lying header cannot make the parser
 * leave the view.
 */
#include <string.h>

#include <fata/csum.h>
#include <fata/error.h>

#include "../ip.h"
#include "../packet.h"
#include "tcp_wire.h"

/* Returns the length a known option kind must have, 0 for variable or unknown. */
static uint8_t option_fixed_len(uint8_t kind)
{
	switch (kind) {
	case TCP_OPT_MSS:
		return 4;
	case TCP_OPT_WSCALE:
		return 3;
	case TCP_OPT_SACK_PERM:
		return 2;
	case TCP_OPT_TIMESTAMP:
		return 10;
	default:
		return 0;
	}
}

static int parse_sack(struct fata_reader *r, uint8_t len, struct tcp_options *out)
{
	/* RFC 2018 section 3: 2 bytes of kind and length, then 1 to 4 blocks of 8. */
	if (len < 10 || (len - 2) % 8 != 0 || (len - 2) / 8 > TCP_SACK_BLOCKS_MAX)
		return FATA_EBADMSG;

	out->sack_count = (uint8_t)((len - 2) / 8);
	for (unsigned i = 0; i < out->sack_count; i++) {
		out->sack[i].start = fata_reader_be32(r);
		out->sack[i].end = fata_reader_be32(r);
	}
	out->present |= TCP_HAS_SACK;
	return 0;
}

static void parse_fixed(struct fata_reader *r, uint8_t kind, struct tcp_options *out)
{
	switch (kind) {
	case TCP_OPT_MSS:
		out->mss = fata_reader_be16(r);
		out->present |= TCP_HAS_MSS;
		break;
	case TCP_OPT_WSCALE:
		out->wscale = fata_reader_u8(r);
		/* RFC 7323 section 2.3: a shift above 14 is used as 14. */
		if (out->wscale > TCP_WSCALE_MAX)
			out->wscale = TCP_WSCALE_MAX;
		out->present |= TCP_HAS_WSCALE;
		break;
	case TCP_OPT_SACK_PERM:
		out->present |= TCP_HAS_SACK_PERM;
		break;
	case TCP_OPT_TIMESTAMP:
		out->ts_val = fata_reader_be32(r);
		out->ts_ecr = fata_reader_be32(r);
		out->present |= TCP_HAS_TIMESTAMP;
		break;
	default:
		break;
	}
}

int tcp_options_parse(struct fata_view opts, struct tcp_options *out)
{
	struct fata_reader r;

	memset(out, 0, sizeof(*out));
	fata_reader_init(&r, opts);

	while (fata_reader_remaining(&r) > 0) {
		uint8_t kind = fata_reader_u8(&r);

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP)
			continue;

		/* Every other option has a length byte that counts kind and length. */
		if (fata_reader_remaining(&r) < 1)
			return FATA_EBADMSG;
		uint8_t len = fata_reader_u8(&r);
		if (len < 2 || (size_t)(len - 2) > fata_reader_remaining(&r))
			return FATA_EBADMSG;

		uint8_t fixed = option_fixed_len(kind);
		if (kind == TCP_OPT_SACK) {
			if (parse_sack(&r, len, out) < 0)
				return FATA_EBADMSG;
		} else if (fixed != 0) {
			if (len != fixed)
				return FATA_EBADMSG;
			parse_fixed(&r, kind, out);
		} else {
			fata_reader_skip(&r, (size_t)len - 2);
		}

		if (r.err)
			return FATA_EBADMSG;
	}
	return 0;
}

static size_t put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

size_t tcp_options_write(const struct tcp_options *opts, uint8_t *buf)
{
	size_t n = 0;

	if (opts->present & TCP_HAS_MSS) {
		buf[n++] = TCP_OPT_MSS;
		buf[n++] = 4;
		n += put_be16(buf + n, opts->mss);
	}

	/* SACK-permitted and timestamps share one aligned 12-byte slot when both go. */
	if (opts->present & TCP_HAS_TIMESTAMP) {
		if (opts->present & TCP_HAS_SACK_PERM) {
			buf[n++] = TCP_OPT_SACK_PERM;
			buf[n++] = 2;
		} else {
			buf[n++] = TCP_OPT_NOP;
			buf[n++] = TCP_OPT_NOP;
		}
		buf[n++] = TCP_OPT_TIMESTAMP;
		buf[n++] = 10;
		n += put_be32(buf + n, opts->ts_val);
		n += put_be32(buf + n, opts->ts_ecr);
	} else if (opts->present & TCP_HAS_SACK_PERM) {
		buf[n++] = TCP_OPT_NOP;
		buf[n++] = TCP_OPT_NOP;
		buf[n++] = TCP_OPT_SACK_PERM;
		buf[n++] = 2;
	}

	if (opts->present & TCP_HAS_WSCALE) {
		buf[n++] = TCP_OPT_NOP;
		buf[n++] = TCP_OPT_WSCALE;
		buf[n++] = 3;
		buf[n++] = opts->wscale;
	}

	if ((opts->present & TCP_HAS_SACK) && opts->sack_count > 0) {
		size_t room = (TCP_OPTIONS_MAX - n - 4) / 8;
		size_t count = opts->sack_count < room ? opts->sack_count : room;
		if (count > 0) {
			buf[n++] = TCP_OPT_NOP;
			buf[n++] = TCP_OPT_NOP;
			buf[n++] = TCP_OPT_SACK;
			buf[n++] = (uint8_t)(2 + 8 * count);
			for (size_t i = 0; i < count; i++) {
				n += put_be32(buf + n, opts->sack[i].start);
				n += put_be32(buf + n, opts->sack[i].end);
			}
		}
	}

	while (n % 4 != 0)
		buf[n++] = TCP_OPT_EOL;
	return n;
}

int tcp_segment_parse(struct fata_view seg, struct tcp_segment *out)
{
	struct fata_reader r;

	memset(out, 0, sizeof(*out));
	fata_reader_init(&r, seg);
	out->src_port = fata_reader_be16(&r);
	out->dst_port = fata_reader_be16(&r);
	out->seq = fata_reader_be32(&r);
	out->ack = fata_reader_be32(&r);
	uint8_t offset = fata_reader_u8(&r);
	out->flags = fata_reader_u8(&r);
	out->window = fata_reader_be16(&r);
	fata_reader_skip(&r, 2); /* checksum, verified separately */
	out->urgent = fata_reader_be16(&r);
	if (r.err)
		return FATA_EBADMSG;

	/* The data offset counts 32-bit words and covers header and options. */
	size_t header_len = (size_t)(offset >> 4) * 4;
	if (header_len < TCP_HEADER_LEN || header_len > seg.len)
		return FATA_EBADMSG;

	struct fata_view opts;
	if (fata_view_slice(seg, TCP_HEADER_LEN, header_len - TCP_HEADER_LEN, &opts) < 0)
		return FATA_EBADMSG;
	if (tcp_options_parse(opts, &out->opts) < 0)
		return FATA_EBADMSG;

	if (fata_view_slice(seg, header_len, seg.len - header_len, &out->payload) < 0)
		return FATA_EBADMSG;
	out->len = out->payload.len;
	return 0;
}

uint16_t tcp_checksum_chain(const struct fata_ipaddr *src, const struct fata_ipaddr *dst,
		const struct fata_chain *data)
{
	uint32_t sum = tcpip_csum_pseudo(src, dst, 6, data->len);

	return tcpip_csum_fold(tcpip_csum_chain(sum, data));
}

int tcp_checksum_ok(const struct fata_ipaddr *src, const struct fata_ipaddr *dst,
		struct fata_view seg)
{
	uint32_t sum = tcpip_csum_pseudo(src, dst, 6, seg.len);

	return tcpip_csum_fold(tcpip_csum_add(sum, fata_view_data(seg), seg.len)) == 0;
}

int tcp_segment_build(struct tcp_out *out, const struct fata_ipaddr *src, uint16_t src_port,
		const struct fata_ipaddr *dst, uint16_t dst_port, struct fata_chain *frame)
{
	uint8_t opts[TCP_OPTIONS_MAX];
	size_t opts_len = tcp_options_write(&out->opts, opts);
	size_t header_len = TCP_HEADER_LEN + opts_len;
	struct fata_view header;

	fata_chain_init(frame);
	if (fata_buf_alloc(TCPIP_HEADROOM, header_len, &header) < 0) {
		fata_chain_release(&out->payload);
		return FATA_ENOMEM;
	}

	uint8_t *h = fata_view_data(header);
	put_be16(h, src_port);
	put_be16(h + 2, dst_port);
	put_be32(h + 4, out->seq);
	put_be32(h + 8, out->ack);
	h[12] = (uint8_t)((header_len / 4) << 4);
	h[13] = out->flags;
	put_be16(h + 14, out->window);
	put_be16(h + 16, 0);
	put_be16(h + 18, 0);
	memcpy(h + TCP_HEADER_LEN, opts, opts_len);

	/* The header goes first; the payload views move over unchanged. */
	fata_chain_append(frame, header);
	for (uint32_t i = 0; i < out->payload.count; i++)
		fata_chain_append(frame, out->payload.views[i]);
	fata_chain_init(&out->payload);

	if (out->csum_partial)
		put_be16(h + 16, fata_csum_fold(tcpip_csum_pseudo(src, dst, 6, frame->len)));
	else
		put_be16(h + 16, tcp_checksum_chain(src, dst, frame));
	return 0;
}

/*
 * Software fallbacks for transmit offloads, for backends whose medium has
 * no device to do them (the simulated link). They complete a partial
 * checksum and cut a TCP/IPv4 GSO frame into segments. The TCP header is
 * that of RFC 9293 section 3.1, the IPv4 header that of RFC 791, and the
 * checksum that of RFC 1071.
 *
 * Each segment gets a copy of the frame's headers with the fields that
 * differ per segment rewritten: the IPv4 total length, identification and
 * header checksum, the TCP sequence number and checksum. FIN and PSH stay
 * only on the last segment and CWR only on the first, as a NIC's TSO does.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fata/csum.h>
#include <fata/error.h>
#include <fata/netif.h>

#define ETH_TYPE_IPV4 0x0800
#define IPV4_PROTO_TCP 6
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int fata_netif_csum_complete(struct fata_view frame, const struct fata_netif_meta *meta)
{
	uint8_t *data = fata_view_data(frame);
	size_t field;

	if (!(meta->flags & FATA_NETIF_META_CSUM_PARTIAL))
		return FATA_OK;
	field = (size_t)meta->csum_start + meta->csum_offset;
	if (meta->csum_start < FATA_ETH_HLEN || field + 2 > frame.len)
		return FATA_EINVAL;

	/*
	 * The field contains the pseudo-header sum, so summing it with the data
	 * gives the total. A result of zero goes out as all ones, which UDP
	 * requires (RFC 768) and which is the same value for TCP.
	 */
	uint16_t csum = fata_csum_finish(fata_csum_add(0, data + meta->csum_start,
			frame.len - meta->csum_start));
	put16(data + field, csum ? csum : 0xffff);
	return FATA_OK;
}

/* The layout of a TCP/IPv4 GSO frame, checked against the frame. */
struct gso_layout {
	size_t ip, tcp, payload; /* offsets of the IPv4 header, TCP header and payload */
	size_t ip_len;           /* IPv4 header bytes */
};

static int gso_layout(struct fata_view frame, const struct fata_netif_meta *meta,
		struct gso_layout *l)
{
	const uint8_t *data = fata_view_data(frame);

	if (meta->gso_type != FATA_NETIF_GSO_TCPV4)
		return FATA_ENOTSUP;
	if (!(meta->flags & FATA_NETIF_META_CSUM_PARTIAL) || meta->gso_size == 0 ||
			meta->csum_offset != 16 || meta->hdr_len > frame.len)
		return FATA_EINVAL;
	if (frame.len < FATA_ETH_HLEN + 20 || get16(data + 12) != ETH_TYPE_IPV4)
		return FATA_EINVAL;

	l->ip = FATA_ETH_HLEN;
	l->ip_len = (size_t)(data[l->ip] & 0x0f) * 4;
	l->tcp = meta->csum_start;
	if ((data[l->ip] >> 4) != 4 || l->ip_len < 20 || l->tcp != l->ip + l->ip_len ||
			data[l->ip + 9] != IPV4_PROTO_TCP || l->tcp + 20 > meta->hdr_len)
		return FATA_EINVAL;

	/* A fragment (MF set or an offset) cannot be segmented. */
	if (get16(data + l->ip + 6) & 0x3fff)
		return FATA_EINVAL;

	/* The headers end at the TCP data offset. */
	l->payload = l->tcp + (size_t)(data[l->tcp + 12] >> 4) * 4;
	if (l->payload != meta->hdr_len)
		return FATA_EINVAL;
	return FATA_OK;
}

/* Builds segment `index` of `count` with payload bytes [off, off + len) into `out`. */
static int gso_build(struct fata_view frame, const struct gso_layout *l, uint32_t index,
		uint32_t count, size_t off, size_t len, struct fata_view *out)
{
	const uint8_t *src = fata_view_data(frame);
	size_t hdr_len = l->payload;
	uint8_t *p;
	int err;

	err = fata_buf_alloc(FATA_NETIF_HEADROOM, hdr_len + len, out);
	if (err)
		return err;
	p = fata_view_data(*out);
	memcpy(p, src, hdr_len);
	memcpy(p + hdr_len, src + hdr_len + off, len);

	/* IPv4: total length, one identification per segment, header checksum. */
	put16(p + l->ip + 2, (uint16_t)(hdr_len - l->ip + len));
	put16(p + l->ip + 4, (uint16_t)(get16(src + l->ip + 4) + index));
	put16(p + l->ip + 10, 0);
	put16(p + l->ip + 10, fata_csum_finish(fata_csum_add(0, p + l->ip, l->ip_len)));

	/* TCP: sequence number, flags, and the full checksum with the pseudo-header. */
	uint32_t seq = ((uint32_t)get16(src + l->tcp + 4) << 16 | get16(src + l->tcp + 6)) +
			(uint32_t)off;
	put16(p + l->tcp + 4, (uint16_t)(seq >> 16));
	put16(p + l->tcp + 6, (uint16_t)seq);
	if (index + 1 < count)
		p[l->tcp + 13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (index > 0)
		p[l->tcp + 13] &= (uint8_t)~TCP_CWR;

	size_t tcp_len = out->len - l->tcp;
	uint32_t sum = fata_csum_add(0, p + l->ip + 12, 8);
	sum += IPV4_PROTO_TCP + (uint32_t)tcp_len;
	put16(p + l->tcp + 16, 0);
	put16(p + l->tcp + 16, fata_csum_finish(fata_csum_add(sum, p + l->tcp, tcp_len)));
	return FATA_OK;
}

int fata_netif_gso_segment(struct fata_view frame, const struct fata_netif_meta *meta,
		int (*emit)(void *ctx, struct fata_view segment), void *ctx)
{
	struct gso_layout l;
	int err = gso_layout(frame, meta, &l);

	if (err)
		return err;

	size_t data_len = frame.len - l.payload;
	uint32_t count = (uint32_t)((data_len + meta->gso_size - 1) / meta->gso_size);
	if (count == 0)
		count = 1;

	for (uint32_t i = 0; i < count; i++) {
		size_t off = (size_t)i * meta->gso_size;
		size_t len = data_len - off < meta->gso_size ? data_len - off : meta->gso_size;
		struct fata_view segment;

		err = gso_build(frame, &l, i, count, off, len, &segment);
		if (err)
			return err;
		err = emit(ctx, segment);
		if (err)
			return err;
	}
	return FATA_OK;
}

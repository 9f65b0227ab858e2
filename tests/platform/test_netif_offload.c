/*
 * Offload metadata of the netif interface. A recording backend receives
 * what fata_netif_send_meta() and fata_netif_set_offloads() let through.
 * The tap's virtio-net header parser gets crafted headers. The software
 * fallbacks (checksum completion and TCP/IPv4 segmentation) are checked
 * against an independent RFC 1071 checksum.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/buf.h>
#include <fata/error.h>
#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/posix.h>

#define ALL_OFFLOADS (FATA_NETIF_F_TX_CSUM | FATA_NETIF_F_RX_CSUM | FATA_NETIF_F_TSO | \
		FATA_NETIF_F_GRO)

/* A backend that records what reaches it. */
struct recorder {
	struct fata_netif nif;
	int sends, meta_sends;
	struct fata_netif_meta last;
	uint32_t switched;
	int fail_switch;
};

static int rec_send(struct fata_netif *nif, struct fata_chain *frame)
{
	((struct recorder *)nif)->sends++;
	fata_chain_release(frame);
	return FATA_OK;
}

static int rec_send_meta(struct fata_netif *nif, struct fata_chain *frame,
		const struct fata_netif_meta *meta)
{
	struct recorder *r = (struct recorder *)nif;

	r->meta_sends++;
	r->last = *meta;
	fata_chain_release(frame);
	return FATA_OK;
}

static int rec_set_offloads(struct fata_netif *nif, uint32_t offloads)
{
	struct recorder *r = (struct recorder *)nif;

	if (r->fail_switch)
		return FATA_EIO;
	r->switched = offloads;
	return FATA_OK;
}

static void rec_close(struct fata_netif *nif)
{
	(void)nif;
}

static const struct fata_netif_ops rec_ops = {
	.send = rec_send,
	.close = rec_close,
	.send_meta = rec_send_meta,
	.set_offloads = rec_set_offloads,
};

static struct fata_loop *loop;
static struct recorder rec;

static void setup(void)
{
	loop = fata_loop_new_virtual(0);
	memset(&rec, 0, sizeof(rec));
	rec.nif.ops = &rec_ops;
	rec.nif.loop = loop;
	rec.nif.mtu = 1500;
	rec.nif.features = ALL_OFFLOADS;
}

static void teardown(void)
{
	fata_loop_free(loop);
}

/* Sends a zero-filled frame of `len` bytes with `meta`. */
static int send_len(size_t len, const struct fata_netif_meta *meta)
{
	struct fata_chain chain;
	struct fata_view v;

	ck_assert_int_eq(fata_buf_alloc(FATA_NETIF_HEADROOM, len, &v), 0);
	memset(fata_view_data(v), 0, len);
	fata_chain_init(&chain);
	ck_assert_int_eq(fata_chain_append(&chain, v), 0);
	return fata_netif_send_meta(&rec.nif, &chain, meta);
}

/* Metadata of a TCP/IPv4 frame: Ethernet, 20 bytes of IPv4, 32 bytes of TCP. */
static struct fata_netif_meta tcp_meta(uint16_t gso_size)
{
	struct fata_netif_meta m;

	memset(&m, 0, sizeof(m));
	m.flags = FATA_NETIF_META_CSUM_PARTIAL;
	m.csum_start = 14 + 20;
	m.csum_offset = 16;
	if (gso_size) {
		m.gso_type = FATA_NETIF_GSO_TCPV4;
		m.gso_size = gso_size;
		m.hdr_len = 14 + 20 + 32;
	}
	return m;
}

START_TEST(set_offloads_masks_features)
{
	rec.nif.features = FATA_NETIF_F_TSO | FATA_NETIF_F_GRO | FATA_NETIF_F_RX_CSUM;
	/* TSO needs TX_CSUM, which the device lacks; GRO comes with RX_CSUM. */
	ck_assert_int_eq(fata_netif_set_offloads(&rec.nif, ALL_OFFLOADS),
			FATA_NETIF_F_RX_CSUM | FATA_NETIF_F_GRO);
	ck_assert_uint_eq(rec.switched, FATA_NETIF_F_RX_CSUM | FATA_NETIF_F_GRO);

	/* GRO without RX_CSUM is not switched on. */
	ck_assert_int_eq(fata_netif_set_offloads(&rec.nif, FATA_NETIF_F_GRO), 0);
	ck_assert_uint_eq(rec.nif.offloads, 0);

	/* A failing device keeps the previous setting. */
	rec.nif.features = ALL_OFFLOADS;
	ck_assert_int_eq(fata_netif_set_offloads(&rec.nif, FATA_NETIF_F_TX_CSUM),
			FATA_NETIF_F_TX_CSUM);
	rec.fail_switch = 1;
	ck_assert_int_eq(fata_netif_set_offloads(&rec.nif, ALL_OFFLOADS), FATA_EIO);
	ck_assert_uint_eq(rec.nif.offloads, FATA_NETIF_F_TX_CSUM);
}
END_TEST

START_TEST(send_meta_needs_switched_offload)
{
	struct fata_netif_meta csum = tcp_meta(0), tso = tcp_meta(1448);

	ck_assert_int_eq(send_len(100, &csum), FATA_ENOTSUP);
	ck_assert_int_eq(fata_netif_set_offloads(&rec.nif, FATA_NETIF_F_TX_CSUM),
			FATA_NETIF_F_TX_CSUM);
	ck_assert_int_eq(send_len(100, &csum), FATA_OK);
	ck_assert_int_eq(send_len(10000, &tso), FATA_ENOTSUP);
	ck_assert_uint_eq(rec.nif.stats.tx_errors, 2);
	ck_assert_int_eq(rec.meta_sends, 1);

	/* Zeroed metadata (or NULL) is a plain send. */
	struct fata_netif_meta none;
	memset(&none, 0, sizeof(none));
	ck_assert_int_eq(send_len(100, &none), FATA_OK);
	ck_assert_int_eq(send_len(100, NULL), FATA_OK);
	ck_assert_int_eq(rec.sends, 2);
}
END_TEST

START_TEST(send_meta_rejects_bad_fields)
{
	struct fata_netif_meta m;

	ck_assert_int_eq(fata_netif_set_offloads(&rec.nif, ALL_OFFLOADS), ALL_OFFLOADS);

	m = tcp_meta(0);
	m.csum_offset = 100; /* the field lies past the end of a 100-byte frame */
	ck_assert_int_eq(send_len(100, &m), FATA_EINVAL);
	m = tcp_meta(0);
	m.csum_start = 10; /* inside the Ethernet header */
	ck_assert_int_eq(send_len(100, &m), FATA_EINVAL);
	m = tcp_meta(0);
	m.flags |= FATA_NETIF_META_CSUM_VALID; /* only meaningful on receive */
	ck_assert_int_eq(send_len(100, &m), FATA_EINVAL);
	m = tcp_meta(1448);
	m.flags = 0; /* GSO without a partial checksum */
	ck_assert_int_eq(send_len(10000, &m), FATA_EINVAL);
	m = tcp_meta(1448);
	m.gso_size = 0;
	ck_assert_int_eq(send_len(10000, &m), FATA_EINVAL);
	m = tcp_meta(1448);
	m.gso_type = 3; /* UDP fragmentation offload is unknown here */
	ck_assert_int_eq(send_len(10000, &m), FATA_EINVAL);
	m = tcp_meta(1448);
	m.hdr_len = 20000; /* headers longer than the frame */
	ck_assert_int_eq(send_len(10000, &m), FATA_EINVAL);
	m = tcp_meta(1460); /* 66 header bytes and 1460 exceed the 1514-byte frame */
	ck_assert_int_eq(send_len(10000, &m), FATA_EMSGSIZE);
	m = tcp_meta(1448);
	ck_assert_int_eq(send_len(FATA_NETIF_GSO_MAX + 1, &m), FATA_EMSGSIZE);
	m = tcp_meta(0);
	ck_assert_int_eq(send_len(1600, &m), FATA_EMSGSIZE);
	ck_assert_uint_eq(rec.nif.stats.tx_errors, 10);
	ck_assert_int_eq(rec.meta_sends, 0);

	m = tcp_meta(1448);
	ck_assert_int_eq(send_len(FATA_NETIF_GSO_MAX, &m), FATA_OK);
	ck_assert_uint_eq(rec.nif.stats.tx_gso_frames, 1);
	ck_assert_uint_eq(rec.last.gso_size, 1448);
}
END_TEST

/* A virtio-net header as the kernel writes it, little-endian. */
static void vnet(uint8_t *h, uint8_t flags, uint8_t gso, uint16_t hdr_len, uint16_t gso_size,
		uint16_t start, uint16_t offset)
{
	struct fata_netif_meta m = { flags, gso, hdr_len, gso_size, start, offset };

	fata_tap_vnet_write(&m, h);
}

START_TEST(vnet_parse_accepts_valid_headers)
{
	uint8_t h[FATA_TAP_VNET_HDR_LEN];
	struct fata_netif_meta m;

	vnet(h, 1, 1, 66, 1448, 34, 16);
	ck_assert_uint_eq(h[2], 66);
	ck_assert_uint_eq(h[4], 1448 & 0xff);
	ck_assert_uint_eq(h[5], 1448 >> 8);
	ck_assert_int_eq(fata_tap_vnet_parse(h, 30000, ALL_OFFLOADS, &m), 0);
	ck_assert_uint_eq(m.gso_type, FATA_NETIF_GSO_TCPV4);
	ck_assert_uint_eq(m.gso_size, 1448);
	ck_assert_uint_eq(m.hdr_len, 66);
	ck_assert_uint_eq(m.csum_start, 34);
	ck_assert_uint_eq(m.csum_offset, 16);

	/* DATA_VALID is kept with RX_CSUM and dropped without, never an error. */
	vnet(h, 2, 0, 0, 0, 0, 0);
	ck_assert_int_eq(fata_tap_vnet_parse(h, 60, FATA_NETIF_F_RX_CSUM, &m), 0);
	ck_assert_uint_eq(m.flags, FATA_NETIF_META_CSUM_VALID);
	ck_assert_int_eq(fata_tap_vnet_parse(h, 60, 0, &m), 0);
	ck_assert_uint_eq(m.flags, 0);

	/* Fields without meaning for the flags are ignored and zeroed. */
	vnet(h, 0, 0, 999, 999, 999, 999);
	ck_assert_int_eq(fata_tap_vnet_parse(h, 60, 0, &m), 0);
	ck_assert_uint_eq(m.csum_start, 0);
	ck_assert_uint_eq(m.hdr_len, 0);
	ck_assert_uint_eq(m.gso_size, 0);
}
END_TEST

START_TEST(vnet_parse_rejects_each_bad_field)
{
	static const struct {
		uint8_t flags, gso;
		uint16_t hdr_len, gso_size, start, offset;
		size_t len;
		uint32_t offloads;
	} bad[] = {
		{ 4, 0, 0, 0, 0, 0, 60, ALL_OFFLOADS },          /* RSC_INFO: unknown flag */
		{ 0x80, 0, 0, 0, 0, 0, 60, ALL_OFFLOADS },       /* unknown flag bit */
		{ 1, 3, 66, 1448, 34, 6, 3000, ALL_OFFLOADS },    /* GSO_UDP */
		{ 1, 0x81, 66, 1448, 34, 16, 3000, ALL_OFFLOADS }, /* TCPv4 with ECN */
		{ 1, 2, 66, 1448, 34, 16, 3000, ALL_OFFLOADS },   /* unknown type 2 */
		{ 1, 0, 0, 0, 8, 16, 60, ALL_OFFLOADS },         /* csum_start in the Ethernet header */
		{ 1, 0, 0, 0, 34, 16, 51, ALL_OFFLOADS },        /* field ends past the frame */
		{ 1, 0, 0, 0, 65535, 65535, 60, ALL_OFFLOADS },  /* far out of the frame */
		{ 1, 0, 0, 0, 34, 16, 60, 0 },                   /* partial without RX_CSUM */
		{ 0, 1, 66, 1448, 0, 0, 3000, ALL_OFFLOADS },    /* GSO without partial checksum */
		{ 1, 1, 66, 0, 34, 16, 3000, ALL_OFFLOADS },     /* GSO with gso_size 0 */
		{ 1, 1, 4000, 1448, 34, 16, 3000, ALL_OFFLOADS }, /* hdr_len past the frame */
		{ 1, 1, 40, 1448, 34, 16, 3000, ALL_OFFLOADS },  /* checksum field past hdr_len */
		{ 1, 1, 66, 1448, 34, 16, 3000, FATA_NETIF_F_RX_CSUM }, /* GRO not switched on */
		{ 1, 1, 66, 1448, 34, 16, FATA_NETIF_GSO_MAX + 1, ALL_OFFLOADS }, /* too long */
	};
	uint8_t h[FATA_TAP_VNET_HDR_LEN];
	struct fata_netif_meta m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vnet(h, bad[i].flags, bad[i].gso, bad[i].hdr_len, bad[i].gso_size, bad[i].start,
				bad[i].offset);
		ck_assert_msg(fata_tap_vnet_parse(h, bad[i].len, bad[i].offloads, &m) == FATA_EINVAL,
				"case %zu accepted", i);
		ck_assert_uint_eq(m.flags, 0);
		ck_assert_uint_eq(m.gso_type, 0);
	}
}
END_TEST

/* An independent RFC 1071 checksum: returns the folded, complemented sum. */
static uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Checks the TCP checksum of a TCP/IPv4 frame with a 20-byte IP header. */
static int tcp_csum_valid(const uint8_t *f, size_t len)
{
	uint32_t sum = 6 + (uint32_t)(len - 34);

	for (int i = 26; i < 34; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	return ref_csum(f + 34, len - 34, sum) == 0;
}

/* Builds a TSO frame: 32-byte TCP header, `payload` bytes, partial checksum. */
static struct fata_view tso_frame(size_t payload, uint8_t tcp_flags)
{
	struct fata_view v;
	size_t len = 14 + 20 + 32 + payload;

	ck_assert_int_eq(fata_buf_alloc(FATA_NETIF_HEADROOM, len, &v), 0);
	uint8_t *p = fata_view_data(v);
	memset(p, 0, len);
	p[12] = 0x08;
	p[14] = 0x45;
	p[16] = (uint8_t)((len - 14) >> 8);
	p[17] = (uint8_t)(len - 14);
	p[18] = 0x12;
	p[19] = 0x34;
	p[22] = 64;
	p[23] = 6;
	memcpy(p + 26, (uint8_t[]){ 192, 0, 2, 1, 192, 0, 2, 2 }, 8);
	p[34 + 4] = 0xff; /* sequence number 0xfffffff0: segments wrap past zero */
	p[34 + 5] = 0xff;
	p[34 + 6] = 0xff;
	p[34 + 7] = 0xf0;
	p[34 + 12] = 8 << 4;
	p[34 + 13] = tcp_flags;
	for (size_t i = 0; i < payload; i++)
		p[66 + i] = (uint8_t)(i * 31 + 7);

	/* The pseudo-header sum over the whole TCP length, folded, not complemented. */
	uint16_t pseudo = (uint16_t)~ref_csum(p + 26, 8, 6 + (uint32_t)(len - 34));
	p[34 + 16] = (uint8_t)(pseudo >> 8);
	p[34 + 17] = (uint8_t)pseudo;
	return v;
}

struct segments {
	struct fata_view v[64];
	int count;
};

static int collect(void *ctx, struct fata_view segment)
{
	struct segments *s = ctx;

	if (s->count == 64) {
		fata_view_release(&segment);
		return FATA_ENOSPC;
	}
	s->v[s->count++] = segment;
	return FATA_OK;
}

START_TEST(gso_segment_cuts_tcp_frame)
{
	struct fata_netif_meta m = tcp_meta(1448);
	struct fata_view frame = tso_frame(5000, 0x19); /* FIN, PSH, ACK */
	struct segments s = { .count = 0 };
	uint32_t seq = 0xfffffff0u;

	ck_assert_int_eq(fata_netif_gso_segment(frame, &m, collect, &s), 0);
	ck_assert_int_eq(s.count, 4);
	for (int i = 0; i < s.count; i++) {
		const uint8_t *p = fata_view_data(s.v[i]);
		size_t payload = i < 3 ? 1448 : 5000 - 3 * 1448;

		ck_assert_uint_eq(s.v[i].len, 66 + payload);
		ck_assert_uint_eq((size_t)(p[16] << 8 | p[17]), 52 + payload);
		ck_assert_uint_eq((uint16_t)(p[18] << 8 | p[19]), 0x1234 + i);
		ck_assert_uint_eq(ref_csum(p + 14, 20, 0), 0);
		ck_assert_msg(tcp_csum_valid(p, s.v[i].len), "segment %d checksum", i);
		uint32_t got = (uint32_t)p[38] << 24 | (uint32_t)p[39] << 16 | p[40] << 8 | p[41];
		ck_assert_uint_eq(got, seq);
		seq += (uint32_t)payload;
		ck_assert_uint_eq(p[47], i < 3 ? 0x10 : 0x19);
		ck_assert_int_eq(memcmp(p + 66, fata_view_data(frame) + 66 + i * 1448, payload), 0);
		fata_view_release(&s.v[i]);
	}
	fata_view_release(&frame);
}
END_TEST

START_TEST(gso_segment_rejects_bad_layout)
{
	struct fata_netif_meta m = tcp_meta(1448);
	struct fata_view frame = tso_frame(3000, 0x10);
	struct segments s = { .count = 0 };

	m.gso_type = FATA_NETIF_GSO_TCPV6;
	ck_assert_int_eq(fata_netif_gso_segment(frame, &m, collect, &s), FATA_ENOTSUP);
	m = tcp_meta(1448);
	m.hdr_len = 60; /* not where the TCP data offset ends */
	ck_assert_int_eq(fata_netif_gso_segment(frame, &m, collect, &s), FATA_EINVAL);
	m = tcp_meta(1448);
	fata_view_data(frame)[20] = 0x20; /* More Fragments */
	ck_assert_int_eq(fata_netif_gso_segment(frame, &m, collect, &s), FATA_EINVAL);
	ck_assert_int_eq(s.count, 0);
	fata_view_release(&frame);
}
END_TEST

START_TEST(csum_complete_fills_tcp_checksum)
{
	struct fata_netif_meta m = tcp_meta(0);
	struct fata_view frame = tso_frame(1001, 0x18);

	ck_assert(!tcp_csum_valid(fata_view_data(frame), frame.len));
	ck_assert_int_eq(fata_netif_csum_complete(frame, &m), 0);
	ck_assert(tcp_csum_valid(fata_view_data(frame), frame.len));
	m.csum_offset = 2000;
	ck_assert_int_eq(fata_netif_csum_complete(frame, &m), FATA_EINVAL);
	fata_view_release(&frame);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netif-offload");
	TCase *tc = tcase_create("offload");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, set_offloads_masks_features);
	tcase_add_test(tc, send_meta_needs_switched_offload);
	tcase_add_test(tc, send_meta_rejects_bad_fields);
	tcase_add_test(tc, vnet_parse_accepts_valid_headers);
	tcase_add_test(tc, vnet_parse_rejects_each_bad_field);
	tcase_add_test(tc, gso_segment_cuts_tcp_frame);
	tcase_add_test(tc, gso_segment_rejects_bad_layout);
	tcase_add_test(tc, csum_complete_fills_tcp_checksum);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

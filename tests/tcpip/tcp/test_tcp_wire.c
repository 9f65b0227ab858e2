/*
 * TCP header and option parsing: valid options round trip, every truncated
 * prefix and every bad length is rejected, the data offset is checked, and
 * checksums cover chains split at odd offsets.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/buf.h>
#include <fata/error.h>

#include "tcp/tcp_wire.h"

static struct fata_view view_of(const uint8_t *bytes, size_t len)
{
	struct fata_view v;

	ck_assert_int_eq(fata_buf_copy(bytes, len, 0, &v), 0);
	return v;
}

static int parse_bytes(const uint8_t *bytes, size_t len, struct tcp_options *out)
{
	struct fata_view v;
	int r;

	/* A zero-length copy may give a zero view; parse an empty slice then. */
	if (len == 0) {
		uint8_t dummy = 0;
		ck_assert_int_eq(fata_buf_copy(&dummy, 1, 0, &v), 0);
		v.len = 0;
	} else {
		v = view_of(bytes, len);
	}
	r = tcp_options_parse(v, out);
	fata_view_release(&v);
	return r;
}

START_TEST(options_syn_round_trip)
{
	struct tcp_options in = { 0 }, out;
	uint8_t buf[TCP_OPTIONS_MAX];

	in.present = TCP_HAS_MSS | TCP_HAS_WSCALE | TCP_HAS_SACK_PERM | TCP_HAS_TIMESTAMP;
	in.mss = 1460;
	in.wscale = 7;
	in.ts_val = 0x01020304;
	in.ts_ecr = 0xa0b0c0d0;
	size_t len = tcp_options_write(&in, buf);
	ck_assert_uint_eq(len, 20);
	ck_assert_uint_eq(len % 4, 0);

	ck_assert_int_eq(parse_bytes(buf, len, &out), 0);
	ck_assert_uint_eq(out.present, in.present);
	ck_assert_uint_eq(out.mss, 1460);
	ck_assert_uint_eq(out.wscale, 7);
	ck_assert_uint_eq(out.ts_val, 0x01020304);
	ck_assert_uint_eq(out.ts_ecr, 0xa0b0c0d0);
}
END_TEST

START_TEST(options_sack_round_trip)
{
	struct tcp_options in = { 0 }, out;
	uint8_t buf[TCP_OPTIONS_MAX];

	in.present = TCP_HAS_SACK;
	in.sack_count = 4;
	for (unsigned i = 0; i < 4; i++) {
		in.sack[i].start = 1000 * i + 1;
		in.sack[i].end = 1000 * i + 500;
	}
	size_t len = tcp_options_write(&in, buf);
	ck_assert_uint_eq(len, 36);
	ck_assert_int_eq(parse_bytes(buf, len, &out), 0);
	ck_assert_uint_eq(out.sack_count, 4);
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(out.sack[i].start, in.sack[i].start);
		ck_assert_uint_eq(out.sack[i].end, in.sack[i].end);
	}

	/* With timestamps only three blocks fit in 40 bytes. */
	in.present |= TCP_HAS_TIMESTAMP;
	len = tcp_options_write(&in, buf);
	ck_assert_uint_le(len, TCP_OPTIONS_MAX);
	ck_assert_int_eq(parse_bytes(buf, len, &out), 0);
	ck_assert_uint_eq(out.sack_count, 3);
	ck_assert(out.present & TCP_HAS_TIMESTAMP);
}
END_TEST

START_TEST(options_every_truncated_prefix)
{
	/* MSS(4) | SACK-permitted(2) TS(10) | NOP WS(3): ok only at option boundaries. */
	struct tcp_options in = { 0 }, out;
	uint8_t buf[TCP_OPTIONS_MAX];

	in.present = TCP_HAS_MSS | TCP_HAS_WSCALE | TCP_HAS_SACK_PERM | TCP_HAS_TIMESTAMP;
	in.mss = 1460;
	in.wscale = 3;
	size_t len = tcp_options_write(&in, buf);
	const size_t boundaries[] = { 0, 4, 6, 16, 17, 20 };

	for (size_t n = 0; n <= len; n++) {
		int expect_ok = 0;
		for (size_t b = 0; b < sizeof(boundaries) / sizeof(boundaries[0]); b++)
			expect_ok |= boundaries[b] == n;

		/* A heap copy of exactly n bytes lets the sanitizers catch any overread. */
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		int r = parse_bytes(copy, n, &out);
		free(copy);
		if (expect_ok)
			ck_assert_msg(r == 0, "prefix %zu rejected", n);
		else
			ck_assert_msg(r == FATA_EBADMSG, "prefix %zu accepted", n);
	}
}
END_TEST

START_TEST(options_bad_lengths)
{
	struct tcp_options out;
	static const struct {
		uint8_t bytes[12];
		size_t len;
	} bad[] = {
		{ { 2, 3, 5 }, 3 },                 /* MSS length 3 */
		{ { 2, 5, 5, 180, 0 }, 5 },         /* MSS length 5 */
		{ { 3, 2 }, 2 },                    /* window scale length 2 */
		{ { 3, 4, 7, 0 }, 4 },              /* window scale length 4 */
		{ { 4, 3, 0 }, 3 },                 /* SACK-permitted length 3 */
		{ { 8, 9, 0, 0, 0, 0, 0, 0, 0 }, 9 }, /* timestamps length 9 */
		{ { 5, 9, 0, 0, 0, 0, 0, 0, 0 }, 9 }, /* SACK length 9 */
		{ { 5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 11 }, /* SACK length 11 */
		{ { 5, 2 }, 2 },                    /* SACK without blocks */
		{ { 99, 0 }, 2 },                   /* length 0 */
		{ { 99, 1 }, 2 },                   /* length 1 */
		{ { 99, 8, 0, 0 }, 4 },             /* length past the end */
		{ { 1, 1, 99 }, 3 },                /* length byte missing */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_bytes(bad[i].bytes, bad[i].len, &out) == FATA_EBADMSG,
				"case %zu accepted", i);
}
END_TEST

START_TEST(options_unknown_eol_and_clamp)
{
	struct tcp_options out;
	/* An unknown kind is skipped, window scale 15 becomes 14, EOL ends parsing. */
	const uint8_t bytes[] = { 99, 4, 0xaa, 0xbb, 3, 3, 15, 0, 2, 1, 0, 0 };

	ck_assert_int_eq(parse_bytes(bytes, sizeof(bytes), &out), 0);
	ck_assert_uint_eq(out.present, TCP_HAS_WSCALE);
	ck_assert_uint_eq(out.wscale, 14);
}
END_TEST

static size_t make_header(uint8_t *h, uint8_t offset_words, size_t total)
{
	memset(h, 0, total);
	h[0] = 0x30;
	h[1] = 0x39; /* 12345 */
	h[2] = 0x00;
	h[3] = 0x50; /* 80 */
	h[4] = 1;
	h[11] = 2;
	h[12] = (uint8_t)(offset_words << 4);
	h[13] = TCP_SYN | TCP_ACK;
	h[14] = 0xff;
	h[15] = 0xff;
	return total;
}

START_TEST(segment_parse_fields_and_payload)
{
	uint8_t h[32];
	struct tcp_segment seg;

	make_header(h, 6, sizeof(h));
	h[20] = 2;
	h[21] = 4;
	h[22] = 0x05;
	h[23] = 0xb4;
	memcpy(h + 24, "payload!", 8);
	struct fata_view v = view_of(h, sizeof(h));

	ck_assert_int_eq(tcp_segment_parse(v, &seg), 0);
	ck_assert_uint_eq(seg.src_port, 12345);
	ck_assert_uint_eq(seg.dst_port, 80);
	ck_assert_uint_eq(seg.seq, 0x01000000);
	ck_assert_uint_eq(seg.ack, 2);
	ck_assert_uint_eq(seg.flags, TCP_SYN | TCP_ACK);
	ck_assert_uint_eq(seg.window, 0xffff);
	ck_assert_uint_eq(seg.opts.mss, 1460);
	ck_assert_uint_eq(seg.len, 8);
	ck_assert_int_eq(memcmp(fata_view_data(seg.payload), "payload!", 8), 0);
	ck_assert_uint_eq(tcp_segment_seq_len(&seg), 9);
	fata_view_release(&v);
}
END_TEST

START_TEST(segment_parse_rejects_bad_offsets)
{
	uint8_t h[24];
	struct tcp_segment seg;

	/* Every prefix shorter than the fixed header. */
	make_header(h, 5, sizeof(h));
	for (size_t n = 1; n < TCP_HEADER_LEN; n++) {
		uint8_t *copy = malloc(n);
		memcpy(copy, h, n);
		struct fata_view v = view_of(copy, n);
		free(copy);
		ck_assert_msg(tcp_segment_parse(v, &seg) == FATA_EBADMSG, "length %zu accepted", n);
		fata_view_release(&v);
	}

	/* Data offsets below 5 words and past the end. */
	for (uint8_t words = 0; words < 16; words++) {
		make_header(h, words, sizeof(h));
		struct fata_view v = view_of(h, sizeof(h));
		int r = tcp_segment_parse(v, &seg);
		if (words >= 5 && words * 4 <= (int)sizeof(h))
			ck_assert_int_eq(r, 0);
		else
			ck_assert_msg(r == FATA_EBADMSG, "offset %u accepted", words);
		fata_view_release(&v);
	}
}
END_TEST

START_TEST(checksum_over_split_chain)
{
	struct fata_ipaddr src = fata_ipv4(192, 0, 2, 1);
	struct fata_ipaddr dst = fata_ipv4(192, 0, 2, 2);
	struct tcp_out out;
	struct fata_chain frame;
	const char text[] = "odd-sized pieces of payload";

	memset(&out, 0, sizeof(out));
	fata_chain_init(&out.payload);
	out.seq = 77;
	out.ack = 99;
	out.flags = TCP_ACK | TCP_PSH;
	out.window = 1000;
	out.opts.present = TCP_HAS_TIMESTAMP;
	out.opts.ts_val = 5;
	/* Pieces of 3, 5 and the rest bytes start at odd offsets. */
	struct fata_view a, b, c;
	ck_assert_int_eq(fata_buf_copy(text, 3, 0, &a), 0);
	ck_assert_int_eq(fata_buf_copy(text + 3, 5, 0, &b), 0);
	ck_assert_int_eq(fata_buf_copy(text + 8, sizeof(text) - 9, 0, &c), 0);
	fata_chain_append(&out.payload, a);
	fata_chain_append(&out.payload, b);
	fata_chain_append(&out.payload, c);

	ck_assert_int_eq(tcp_segment_build(&out, &src, 1000, &dst, 2000, &frame), 0);
	ck_assert_uint_eq(out.payload.count, 0);

	struct fata_view flat;
	ck_assert_int_eq(fata_chain_flatten(&frame, 0, &flat), 0);
	fata_chain_release(&frame);
	ck_assert(tcp_checksum_ok(&src, &dst, flat));

	/* A different pseudo-header or one flipped bit fails the check. */
	struct fata_ipaddr other = fata_ipv4(192, 0, 2, 3);
	ck_assert(!tcp_checksum_ok(&other, &dst, flat));
	uint8_t *bytes = fata_view_data(flat);
	bytes[flat.len - 1] ^= 0x01;
	ck_assert(!tcp_checksum_ok(&src, &dst, flat));
	bytes[flat.len - 1] ^= 0x01;

	struct tcp_segment seg;
	ck_assert_int_eq(tcp_segment_parse(flat, &seg), 0);
	ck_assert_uint_eq(seg.len, sizeof(text) - 1);
	ck_assert_int_eq(memcmp(fata_view_data(seg.payload), text, seg.len), 0);
	ck_assert_uint_eq(seg.opts.ts_val, 5);
	fata_view_release(&flat);
}
END_TEST

static Suite *wire_suite(void)
{
	Suite *s = suite_create("tcp-wire");
	TCase *tc = tcase_create("wire");

	tcase_add_test(tc, options_syn_round_trip);
	tcase_add_test(tc, options_sack_round_trip);
	tcase_add_test(tc, options_every_truncated_prefix);
	tcase_add_test(tc, options_bad_lengths);
	tcase_add_test(tc, options_unknown_eol_and_clamp);
	tcase_add_test(tc, segment_parse_fields_and_payload);
	tcase_add_test(tc, segment_parse_rejects_bad_offsets);
	tcase_add_test(tc, checksum_over_split_chain);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wire_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

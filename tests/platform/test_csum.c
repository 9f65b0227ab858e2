/*
 * The Internet checksum of fata/csum.h against RFC 1071's example and a
 * byte-at-a-time reference: every length and alignment, and data summed in
 * pieces of odd and even length.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/csum.h>

/*
 * The reference: RFC 1071's definition taken literally, one 16-bit
 * big-endian word at a time with an end-around carry after each addition,
 * and an odd last byte padded with a zero byte. Returns the folded sum.
 */
static uint16_t reference_sum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 2) {
		uint32_t word = (uint32_t)p[i] << 8;

		if (i + 1 < len)
			word |= p[i + 1];
		sum += word;
		if (sum > 0xffff)
			sum -= 0xffff;
	}
	return (uint16_t)sum;
}

/* Fills `len` bytes with a pseudo-random pattern chosen by `seed`. */
static void fill_pattern(uint8_t *p, size_t len, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

/* RFC 1071 section 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2. */
START_TEST(rfc1071_example)
{
	static const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint32_t sum = fata_csum_add(0, data, sizeof data);

	ck_assert_uint_eq(fata_csum_fold(sum), 0xddf2);
	ck_assert_uint_eq(fata_csum_finish(sum), 0x220d);
}
END_TEST

/* RFC 1071 section 3's bytes, cut in two at every position, still sum to ddf2. */
START_TEST(rfc1071_example_in_pieces)
{
	static const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	for (size_t cut = 0; cut <= sizeof data; cut++) {
		uint32_t sum = fata_csum_add_at(0, data, cut, 0);

		sum = fata_csum_add_at(sum, data + cut, sizeof data - cut, cut);
		ck_assert_msg(fata_csum_fold(sum) == 0xddf2, "cut at %zu gives %04x", cut,
				fata_csum_fold(sum));
	}
}
END_TEST

/* A sum of nothing, or of zero bytes, is 0 and gives the checksum ffff. */
START_TEST(all_zero)
{
	uint8_t zeros[67] = { 0 };

	ck_assert_uint_eq(fata_csum_fold(fata_csum_add(0, NULL, 0)), 0);
	ck_assert_uint_eq(fata_csum_finish(fata_csum_add(0, NULL, 0)), 0xffff);
	for (size_t len = 0; len <= sizeof zeros; len++) {
		ck_assert_uint_eq(fata_csum_fold(fata_csum_add(0, zeros, len)), 0);
		ck_assert_uint_eq(fata_csum_finish(fata_csum_add(0, zeros, len)), 0xffff);
	}
}
END_TEST

/*
 * Bytes of 0xff sum to ffff (negative zero), never to 0, however many
 * end-around carries that takes. An odd length adds a last word ff00, and
 * adding negative zero changes nothing, so odd lengths sum to ff00.
 */
START_TEST(all_ones)
{
	uint8_t ones[4099];

	memset(ones, 0xff, sizeof ones);
	for (size_t len = 1; len <= sizeof ones; len++) {
		uint32_t sum = fata_csum_add(0, ones, len);
		uint16_t expected = len % 2 ? 0xff00 : 0xffff;

		ck_assert_msg(fata_csum_fold(sum) == expected, "length %zu gives %04x", len,
				fata_csum_fold(sum));
		ck_assert_uint_eq(fata_csum_finish(sum), (uint16_t)~expected);
	}
}
END_TEST

/* Every length 0..64 at every alignment 0..7 against the reference. */
START_TEST(lengths_and_alignments)
{
	uint8_t buf[64 + 8 + 8];

	for (unsigned seed = 0; seed < 4; seed++) {
		for (size_t align = 0; align < 8; align++) {
			for (size_t len = 0; len <= 64; len++) {
				uint8_t *p = buf + align;

				fill_pattern(buf, sizeof buf, seed * 1000 + (unsigned)(align * 100 + len));
				if (seed == 1)
					memset(p, 0xff, len);
				uint16_t expected = reference_sum(p, len);
				uint16_t got = fata_csum_fold(fata_csum_add(0, p, len));

				ck_assert_msg(got == expected,
						"seed %u, alignment %zu, length %zu: %04x, expected %04x",
						seed, align, len, got, expected);
			}
		}
	}
}
END_TEST

/* A starting sum adds to the data's sum, whatever its size. */
START_TEST(starting_sum_carries)
{
	static const uint32_t starts[] = { 0, 1, 0xfffe, 0xffff, 0x10000, 0x1fffe, 0xfffeffff,
		0xffffffff };
	uint8_t data[37];

	fill_pattern(data, sizeof data, 7);
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		uint64_t expected = (uint64_t)starts[i] + reference_sum(data, sizeof data);
		uint32_t sum = fata_csum_add(starts[i], data, sizeof data);

		while (expected >> 16)
			expected = (expected & 0xffff) + (expected >> 16);
		ck_assert_uint_le(sum, 0xffff);
		ck_assert_msg(fata_csum_fold(sum) == expected, "start %08x: %04x, expected %04x",
				starts[i], fata_csum_fold(sum), (unsigned)expected);
	}
	ck_assert_uint_eq(fata_csum_fold(0xffffffffu), 0xffff);
	ck_assert_uint_eq(fata_csum_fold(0x0001fffeu), 0xffff);
	ck_assert_uint_eq(fata_csum_fold(0x00010000u), 0x0001);
}
END_TEST

/* The pieces of one buffer, cut at the given lengths, each added at its offset. */
static uint16_t sum_in_pieces(const uint8_t *data, const size_t *pieces, size_t npieces)
{
	uint32_t sum = 0;
	size_t offset = 0;

	for (size_t i = 0; i < npieces; i++) {
		sum = fata_csum_add_at(sum, data + offset, pieces[i], offset);
		offset += pieces[i];
	}
	return fata_csum_fold(sum);
}

/* Pieces of odd and even length, chained with their offsets, sum like the whole. */
START_TEST(chained_pieces)
{
	static const size_t cuts[][6] = {
		{ 1, 1, 1, 1, 1, 1 },
		{ 3, 5, 7, 9, 11, 13 },
		{ 2, 4, 6, 8, 10, 12 },
		{ 1, 2, 3, 4, 5, 6 },
		{ 0, 7, 0, 8, 0, 33 },
		{ 15, 16, 1, 17, 0, 2 },
		{ 47, 0, 0, 0, 0, 1 },
	};
	uint8_t data[64];

	for (unsigned seed = 0; seed < 16; seed++) {
		fill_pattern(data, sizeof data, seed);
		for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
			size_t total = 0;

			for (size_t j = 0; j < 6; j++)
				total += cuts[i][j];
			ck_assert_msg(sum_in_pieces(data, cuts[i], 6) == reference_sum(data, total),
					"seed %u, cuts %zu", seed, i);
		}
	}
}
END_TEST

/* Every split of a buffer into two and three pieces, at every alignment. */
START_TEST(every_split)
{
	uint8_t buf[41 + 8];

	for (size_t align = 0; align < 8; align++) {
		uint8_t *p = buf + align;
		size_t len = 41;
		uint16_t expected;

		fill_pattern(buf, sizeof buf, (unsigned)align);
		expected = reference_sum(p, len);
		for (size_t a = 0; a <= len; a++) {
			for (size_t b = a; b <= len; b++) {
				size_t pieces[3] = { a, b - a, len - b };

				ck_assert_msg(sum_in_pieces(p, pieces, 3) == expected,
						"alignment %zu, cuts %zu and %zu", align, a, b);
			}
		}
	}
}
END_TEST

/* At an even offset, fata_csum_add_at() sums like fata_csum_add(). */
START_TEST(even_offset_is_plain_add)
{
	uint8_t data[29];

	fill_pattern(data, sizeof data, 3);
	for (size_t offset = 0; offset < 8; offset += 2)
		ck_assert_uint_eq(fata_csum_add_at(0x1234, data, sizeof data, offset),
				fata_csum_add(0x1234, data, sizeof data));
}
END_TEST

/* After an odd piece, chaining without the offset gives a wrong sum. */
START_TEST(odd_piece_needs_offset)
{
	static const uint8_t data[] = { 0x12, 0x34, 0x56, 0x78 };
	uint32_t naive = fata_csum_add(fata_csum_add(0, data, 1), data + 1, 3);
	uint32_t chained = fata_csum_add_at(fata_csum_add(0, data, 1), data + 1, 3, 1);

	ck_assert_uint_eq(fata_csum_fold(chained), 0x12 * 256 + 0x34 + 0x56 * 256 + 0x78);
	ck_assert_uint_ne(fata_csum_fold(naive), fata_csum_fold(chained));
}
END_TEST

/* A buffer of a few megabytes against the reference, and verified with its checksum in it. */
START_TEST(long_buffer)
{
	size_t len = (4u << 20) + 3;
	uint8_t *data = malloc(len);

	ck_assert_ptr_nonnull(data);
	fill_pattern(data, len, 99);
	ck_assert_uint_eq(fata_csum_fold(fata_csum_add(0, data, len)), reference_sum(data, len));

	/* A checksum field at the front, zero while summing, makes the whole check to 0. */
	data[0] = 0;
	data[1] = 0;
	uint16_t csum = fata_csum_finish(fata_csum_add(0, data, len));

	data[0] = (uint8_t)(csum >> 8);
	data[1] = (uint8_t)csum;
	ck_assert_uint_eq(fata_csum_finish(fata_csum_add(0, data, len)), 0);
	free(data);
}
END_TEST

static Suite *csum_suite(void)
{
	Suite *s = suite_create("csum");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, rfc1071_example);
	tcase_add_test(tc, rfc1071_example_in_pieces);
	tcase_add_test(tc, all_zero);
	tcase_add_test(tc, all_ones);
	tcase_add_test(tc, lengths_and_alignments);
	tcase_add_test(tc, starting_sum_carries);
	tcase_add_test(tc, chained_pieces);
	tcase_add_test(tc, every_split);
	tcase_add_test(tc, even_offset_is_plain_add);
	tcase_add_test(tc, odd_piece_needs_offset);
	tcase_add_test(tc, long_buffer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *runner = srunner_create(csum_suite());
	int failed;

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

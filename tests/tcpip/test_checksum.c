/* Internet checksum vectors (RFC 1071) and the chain and pseudo-header sums. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/fata.h>

#include "ip.h"
#include "packet.h"

/* RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
START_TEST(rfc1071_example)
{
	static const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint32_t sum = tcpip_csum_add(0, data, sizeof(data));

	ck_assert_uint_eq(tcpip_csum_fold(sum), (uint16_t)~0xddf2);
}
END_TEST

/* A known IPv4 header (from RFC 1071's style of example) checks to zero with its checksum. */
START_TEST(ipv4_header_vector)
{
	static const uint8_t hdr[] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61,
		0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};
	uint8_t copy[20];

	ck_assert_uint_eq(tcpip_csum_fold(tcpip_csum_add(0, hdr, sizeof(hdr))), 0);

	memcpy(copy, hdr, sizeof(copy));
	copy[10] = copy[11] = 0;
	ck_assert_uint_eq(tcpip_csum_fold(tcpip_csum_add(0, copy, sizeof(copy))), 0xb861);
}
END_TEST

START_TEST(odd_length_pads_zero)
{
	static const uint8_t odd[] = { 0x12, 0x34, 0x56 };
	static const uint8_t even[] = { 0x12, 0x34, 0x56, 0x00 };

	ck_assert_uint_eq(tcpip_csum_fold(tcpip_csum_add(0, odd, 3)),
			tcpip_csum_fold(tcpip_csum_add(0, even, 4)));
}
END_TEST

START_TEST(empty_and_all_ones)
{
	static const uint8_t ones[] = { 0xff, 0xff, 0xff, 0xff };

	ck_assert_uint_eq(tcpip_csum_fold(0), 0xffff);
	ck_assert_uint_eq(tcpip_csum_fold(tcpip_csum_add(0, ones, 4)), 0);
}
END_TEST

/* Large inputs must not overflow the running sum. */
START_TEST(long_input_no_overflow)
{
	size_t len = 1u << 20;
	uint8_t *data = malloc(len);
	uint64_t ref = 0;

	memset(data, 0xff, len);
	data[len - 1] = 0xfe;
	for (size_t i = 0; i < len; i += 2)
		ref += (uint32_t)data[i] << 8 | data[i + 1];
	while (ref >> 16)
		ref = (ref & 0xffff) + (ref >> 16);
	ck_assert_uint_eq(tcpip_csum_fold(tcpip_csum_add(0, data, len)), (uint16_t)~ref);
	free(data);
}
END_TEST

/* A chain cut at odd offsets sums the same as the flat bytes. */
START_TEST(chain_odd_boundaries)
{
	uint8_t data[257];
	struct fata_chain chain;
	size_t cuts[] = { 0, 1, 4, 7, 100, 101, 257 };

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);

	fata_chain_init(&chain);
	for (size_t i = 0; i + 1 < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct fata_view v;

		ck_assert_int_eq(fata_buf_copy(data + cuts[i], cuts[i + 1] - cuts[i], 0, &v), 0);
		ck_assert_int_eq(fata_chain_append(&chain, v), 0);
	}
	ck_assert_uint_eq(tcpip_csum_fold(tcpip_csum_chain(0, &chain)),
			tcpip_csum_fold(tcpip_csum_add(0, data, sizeof(data))));
	fata_chain_release(&chain);
}
END_TEST

/* The IPv4 pseudo-header: addresses, zero, protocol, length (RFC 768). */
START_TEST(pseudo_header_ipv4)
{
	struct fata_ipaddr src = fata_ipv4(192, 0, 2, 1), dst = fata_ipv4(192, 0, 2, 2);
	static const uint8_t pseudo[] = { 192, 0, 2, 1, 192, 0, 2, 2, 0, 17, 0x01, 0x2c };

	ck_assert_uint_eq(tcpip_csum_fold(tcpip_csum_pseudo(&src, &dst, 17, 300)),
			tcpip_csum_fold(tcpip_csum_add(0, pseudo, sizeof(pseudo))));
}
END_TEST

/* RFC 768 example style: a UDP datagram with its checksum verifies to zero. */
START_TEST(udp_datagram_verifies)
{
	struct fata_ipaddr src = fata_ipv4(198, 51, 100, 1), dst = fata_ipv4(203, 0, 113, 9);
	uint8_t udp[12] = { 0x04, 0xd2, 0x00, 0x35, 0x00, 0x0c, 0, 0, 'f', 'a', 't', 'a' };
	uint16_t c = tcpip_csum_fold(tcpip_csum_add(tcpip_csum_pseudo(&src, &dst, 17, 12), udp, 12));

	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)c;
	ck_assert_uint_eq(tcpip_csum_fold(tcpip_csum_add(tcpip_csum_pseudo(&src, &dst, 17, 12), udp,
			12)), 0);
}
END_TEST

static Suite *checksum_suite(void)
{
	Suite *s = suite_create("tcpip_checksum");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, rfc1071_example);
	tcase_add_test(tc, ipv4_header_vector);
	tcase_add_test(tc, odd_length_pads_zero);
	tcase_add_test(tc, empty_and_all_ones);
	tcase_add_test(tc, long_input_no_overflow);
	tcase_add_test(tc, chain_odd_boundaries);
	tcase_add_test(tc, pseudo_header_ipv4);
	tcase_add_test(tc, udp_datagram_verifies);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(checksum_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Unit tests for address parsing and formatting, with inet_pton as the parsing oracle. */
#include <arpa/inet.h>
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/addr.h>
#include <fata/error.h>

static const char *const parse_cases[] = {
	/* IPv4 */
	"0.0.0.0", "255.255.255.255", "192.0.2.1", "1.2.3.4", "10.0.0.255",
	"256.0.0.1", "1.2.3.256", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.",
	"01.2.3.4", "1.2.3.04", "00.0.0.0", "-1.2.3.4", "1.2.3.4 ", " 1.2.3.4", "0x1.2.3.4",
	"1.2.3.4/24", "", ".", "1234.1.1.1", "999.1.1.1", "1.2.3.a",
	/* IPv6 */
	"::", "::1", "1::", "2001:db8::1", "2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001",
	"fe80::1:2", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::8",
	"::ffff:192.0.2.1", "::192.0.2.1", "1:2:3:4:5:6:1.2.3.4", "64:ff9b::198.51.100.7",
	":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::", "1:2:3:4:5:6:7",
	":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "[::1]", "fe80::1%eth0", "::ffff:1.2.3",
	"::1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4", "1::00001", "1::0001", "::ffff:01.2.3.4",
	"1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", ":", "1:", ":1", "1.2.3.4::", "::1.2.3",
	"2001:db8:::1", "2001:db8::1:", "2001:db8: :1",
};

START_TEST(parse_matches_inet_pton)
{
	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const char *text = parse_cases[i];
		int is_v6 = strchr(text, ':') != NULL;
		uint8_t expect[16] = { 0 };
		int valid = inet_pton(is_v6 ? AF_INET6 : AF_INET, text, expect) == 1;
		struct fata_ipaddr ip;
		int err;

		memset(&ip, 0xee, sizeof ip);
		err = fata_ipaddr_parse(text, strlen(text), &ip);
		ck_assert_msg((err == FATA_OK) == valid, "parse(\"%s\") returned %d, inet_pton says %s",
				text, err, valid ? "valid" : "invalid");
		if (!valid) {
			ck_assert_int_eq(err, FATA_EINVAL);
			continue;
		}
		ck_assert_uint_eq(ip.family, is_v6 ? FATA_AF_INET6 : FATA_AF_INET);
		ck_assert_msg(memcmp(ip.bytes, expect, is_v6 ? 16 : 4) == 0, "parse(\"%s\") bytes differ",
				text);
		if (!is_v6) {
			static const uint8_t zero[12];

			ck_assert_mem_eq(ip.bytes + 4, zero, 12);
		}
	}
}
END_TEST

START_TEST(parse_uses_length)
{
	struct fata_ipaddr ip;

	ck_assert_int_eq(fata_ipaddr_parse("192.0.2.1xyz", 9, &ip), FATA_OK);
	ck_assert_uint_eq(fata_ipv4_to_u32(&ip), 0xc0000201);
	ck_assert_int_eq(fata_ipaddr_parse("192.0.2.10", 9, &ip), FATA_OK);
	ck_assert_uint_eq(fata_ipv4_to_u32(&ip), 0xc0000201);
	ck_assert_int_eq(fata_ipaddr_parse("192.0.2.10", 8, &ip), FATA_EINVAL);
	ck_assert_int_eq(fata_ipaddr_parse("2001:db8::1/64", 11, &ip), FATA_OK);
	ck_assert_uint_eq(ip.bytes[15], 1);
	ck_assert_int_eq(fata_ipaddr_parse("1.2.3.4", 0, &ip), FATA_EINVAL);
}
END_TEST

START_TEST(ipv4_helpers)
{
	struct fata_ipaddr a = fata_ipv4(192, 0, 2, 10);
	struct fata_ipaddr b = fata_ipv4_from_u32(0xc000020a);
	struct fata_ipaddr v6, any4, any6;

	ck_assert_uint_eq(a.family, FATA_AF_INET);
	ck_assert(fata_ipaddr_equal(&a, &b));
	ck_assert_uint_eq(fata_ipv4_to_u32(&a), 0xc000020a);
	ck_assert_int_eq(fata_ipaddr_parse("::c000:20a", 10, &v6), FATA_OK);
	ck_assert_uint_eq(fata_ipv4_to_u32(&v6), 0);
	/* Same bytes, different family. */
	ck_assert(!fata_ipaddr_equal(&a, &v6));

	any4 = fata_ipv4(0, 0, 0, 0);
	ck_assert_int_eq(fata_ipaddr_parse("::", 2, &any6), FATA_OK);
	ck_assert(fata_ipaddr_is_any(&any4));
	ck_assert(fata_ipaddr_is_any(&any6));
	ck_assert(!fata_ipaddr_is_any(&a));
	ck_assert(!fata_ipaddr_is_any(&v6));
}
END_TEST

START_TEST(prefixes)
{
	struct fata_ipaddr ip, other;
	unsigned len = 99;

	ck_assert_int_eq(fata_ipaddr_parse_prefix("192.0.2.7/24", 12, &ip, &len), FATA_OK);
	ck_assert_uint_eq(len, 24);
	ck_assert_uint_eq(fata_ipv4_to_u32(&ip), 0xc0000207);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("192.0.2.7/0", 11, &ip, &len), FATA_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("192.0.2.7/32", 12, &ip, &len), FATA_OK);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("192.0.2.7/33", 12, &ip, &len), FATA_EINVAL);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("192.0.2.7/", 10, &ip, &len), FATA_EINVAL);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("192.0.2.7", 9, &ip, &len), FATA_EINVAL);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("192.0.2.7/-1", 12, &ip, &len), FATA_EINVAL);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("192.0.2.7/2x", 12, &ip, &len), FATA_EINVAL);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("2001:db8::/32", 13, &ip, &len), FATA_OK);
	ck_assert_uint_eq(len, 32);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("2001:db8::/128", 14, &ip, &len), FATA_OK);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("2001:db8::/129", 14, &ip, &len), FATA_EINVAL);
	ck_assert_int_eq(fata_ipaddr_parse_prefix("2001:db8::/4294967320", 21, &ip, &len),
			FATA_EINVAL);

	ck_assert_int_eq(fata_ipaddr_parse("192.0.2.200", 11, &ip), FATA_OK);
	ck_assert_int_eq(fata_ipaddr_parse("192.0.3.1", 9, &other), FATA_OK);
	ck_assert(fata_ipaddr_same_prefix(&ip, &other, 23));
	ck_assert(!fata_ipaddr_same_prefix(&ip, &other, 24));
	ck_assert(fata_ipaddr_same_prefix(&ip, &other, 0));
	ck_assert_int_eq(fata_ipaddr_parse("2001:db8::1", 11, &ip), FATA_OK);
	ck_assert_int_eq(fata_ipaddr_parse("2001:db9::1", 11, &other), FATA_OK);
	ck_assert(fata_ipaddr_same_prefix(&ip, &other, 31));
	ck_assert(!fata_ipaddr_same_prefix(&ip, &other, 32));
}
END_TEST

/*
 * RFC 5952 section 4: lowercase, no leading zeros, and "::" for the longest
 * run of two or more zero groups, the first one when runs tie.
 */
START_TEST(format_rfc5952)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
		{ "2001:DB8::AB", "2001:db8::ab" },
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },
		{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
		{ "2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
		{ "0:0:0:0:0:0:0:0", "::" },
		{ "0:0:0:0:0:0:0:1", "::1" },
		{ "1:0:0:0:0:0:0:0", "1::" },
		{ "fe80:0:0:0:0:0:0:0", "fe80::" },
		{ "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" },
		{ "0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7" },
		{ "1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0" },
		{ "1:0:0:2:0:0:0:3", "1:0:0:2::3" },
		{ "0:0:1:0:0:0:0:0", "0:0:1::" },
		{ "2001:db8:00a0:0b00:000c::", "2001:db8:a0:b00:c::" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		/* Section 5: IPv4-mapped addresses keep the dotted quad. */
		{ "::ffff:c000:201", "::ffff:192.0.2.1" },
		{ "0:0:0:0:0:ffff:0:0", "::ffff:0.0.0.0" },
	};
	char buf[FATA_IPADDR_STRLEN];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fata_ipaddr ip;
		int n;

		ck_assert_int_eq(fata_ipaddr_parse(cases[i].in, strlen(cases[i].in), &ip), FATA_OK);
		n = fata_ipaddr_format(&ip, buf, sizeof buf);
		ck_assert_msg(strcmp(buf, cases[i].out) == 0, "format of %s: \"%s\", expected \"%s\"",
				cases[i].in, buf, cases[i].out);
		ck_assert_int_eq(n, (int)strlen(cases[i].out));
	}
}
END_TEST

START_TEST(format_ipv4_and_limits)
{
	struct fata_ipaddr ip = fata_ipv4(255, 255, 255, 255);
	struct fata_ipaddr none = { 0 };
	struct fata_ipaddr longest;
	char buf[FATA_IPADDR_STRLEN];
	char small[15];

	ck_assert_int_eq(fata_ipaddr_format(&ip, buf, sizeof buf), 15);
	ck_assert_str_eq(buf, "255.255.255.255");
	ck_assert_int_eq(fata_ipaddr_format(&ip, small, sizeof small), FATA_ENOSPC);
	ck_assert_int_eq(fata_ipaddr_format(&ip, buf, 16), 15);
	ck_assert_int_eq(fata_ipaddr_format(&ip, buf, 0), FATA_ENOSPC);

	ck_assert_int_eq(fata_ipaddr_parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 45,
			&longest), FATA_OK);
	ck_assert_int_le(fata_ipaddr_format(&longest, buf, sizeof buf), FATA_IPADDR_STRLEN - 1);
	ck_assert_int_gt(fata_ipaddr_format(&longest, buf, sizeof buf), 0);

	/* An unset address formats as some placeholder text, never as an address. */
	ck_assert_int_gt(fata_ipaddr_format(&none, buf, sizeof buf), 0);
	ck_assert_str_ne(buf, "0.0.0.0");
	ck_assert_str_ne(buf, "::");
}
END_TEST

START_TEST(sockaddr_format)
{
	struct fata_sockaddr sa = { .ip = fata_ipv4(192, 0, 2, 1), .port = 8080 };
	char buf[FATA_SOCKADDR_STRLEN];

	ck_assert_int_eq(fata_sockaddr_format(&sa, buf, sizeof buf), 14);
	ck_assert_str_eq(buf, "192.0.2.1:8080");
	ck_assert_int_eq(fata_ipaddr_parse("2001:db8::1", 11, &sa.ip), FATA_OK);
	sa.port = 65535;
	ck_assert_int_eq(fata_sockaddr_format(&sa, buf, sizeof buf), 19);
	ck_assert_str_eq(buf, "[2001:db8::1]:65535");
	ck_assert_int_eq(fata_sockaddr_format(&sa, buf, 19), FATA_ENOSPC);
	sa.port = 0;
	ck_assert_int_eq(fata_sockaddr_format(&sa, buf, sizeof buf), 15);
	ck_assert_str_eq(buf, "[2001:db8::1]:0");
}
END_TEST

START_TEST(mac_parse_format)
{
	struct fata_mac mac;
	char buf[FATA_MAC_STRLEN];
	static const char *const invalid[] = {
		"", "02:00:00:00:00", "02:00:00:00:00:01:02", "02-00-00-00-00-01", "2:0:0:0:0:1",
		"02:00:00:00:00:0g", "02:00:00:00:00:001", "02:00:00:00:00:01:", " 02:00:00:00:00:01",
	};

	ck_assert_int_eq(fata_mac_parse("02:00:5E:10:aB:ff", 17, &mac), FATA_OK);
	ck_assert_mem_eq(mac.bytes, "\x02\x00\x5e\x10\xab\xff", 6);
	ck_assert_int_eq(fata_mac_format(&mac, buf, sizeof buf), 17);
	ck_assert_str_eq(buf, "02:00:5e:10:ab:ff");
	ck_assert_int_eq(fata_mac_format(&mac, buf, 17), FATA_ENOSPC);

	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
		ck_assert_msg(fata_mac_parse(invalid[i], strlen(invalid[i]), &mac) == FATA_EINVAL,
				"\"%s\" parsed as a MAC", invalid[i]);
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_matches_inet_pton);
	tcase_add_test(tc, parse_uses_length);
	tcase_add_test(tc, ipv4_helpers);
	tcase_add_test(tc, prefixes);
	tcase_add_test(tc, format_rfc5952);
	tcase_add_test(tc, format_ipv4_and_limits);
	tcase_add_test(tc, sockaddr_format);
	tcase_add_test(tc, mac_parse_format);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

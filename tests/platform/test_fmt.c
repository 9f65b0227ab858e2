/* Unit tests for fata_snprintf, compared with the C library's snprintf. */
#include <check.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/fmt.h>

/*
 * Formats the same arguments with both functions into 64-byte buffers and
 * compares the return values and the text. Each use is one table row.
 */
#define CHECK_FORMAT(...)                                                            \
	do {                                                                         \
		char ours[64], theirs[64];                                           \
		int n_ours = fata_snprintf(ours, sizeof ours, __VA_ARGS__);          \
		int n_theirs = snprintf(theirs, sizeof theirs, __VA_ARGS__);         \
		ck_assert_msg(n_ours == n_theirs, "format %s: length %d, expected %d", \
				#__VA_ARGS__, n_ours, n_theirs);                     \
		ck_assert_msg(strcmp(ours, theirs) == 0, "format %s: \"%s\", expected \"%s\"", \
				#__VA_ARGS__, ours, theirs);                         \
	} while (0)

START_TEST(signed_conversions)
{
	CHECK_FORMAT("%d", 0);
	CHECK_FORMAT("%d", 42);
	CHECK_FORMAT("%d", -42);
	CHECK_FORMAT("%i", INT_MAX);
	CHECK_FORMAT("%i", INT_MIN);
	CHECK_FORMAT("%5d|%-5d|%05d", 42, 42, 42);
	CHECK_FORMAT("%+d %+d % d % d", 5, -5, 5, -5);
	CHECK_FORMAT("%+05d|%-+6d|% 05d", 7, 7, 7);
	CHECK_FORMAT("%.3d|%.0d|%.0d|%5.3d|%-8.4d", 7, 0, 1, -7, 12);
	/* Valid C that compilers warn about: '0' is ignored when a precision is given. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	CHECK_FORMAT("%08.3d|%05.0d", 5, 0);
#pragma GCC diagnostic pop
	CHECK_FORMAT("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
	CHECK_FORMAT("%*d", -6, 9);
	CHECK_FORMAT("%.*d", -1, 0);
	CHECK_FORMAT("%hhd %hd", (signed char)-128, (short)-32768);
	CHECK_FORMAT("%ld %ld", LONG_MAX, LONG_MIN);
	CHECK_FORMAT("%lld %lld", LLONG_MAX, LLONG_MIN);
	CHECK_FORMAT("%zd %td %jd", (ssize_t)-3, (ptrdiff_t)-4, (intmax_t)INTMAX_MIN);
	/* An int argument is converted to the modifier's type before printing; clang warns. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	CHECK_FORMAT("%hhd", 300);
	CHECK_FORMAT("%hd", 70000);
#pragma GCC diagnostic pop
}
END_TEST

START_TEST(unsigned_conversions)
{
	CHECK_FORMAT("%u %u", 0u, UINT_MAX);
	CHECK_FORMAT("%x %X %o", 0xbeefu, 0xbeefu, 0755u);
	CHECK_FORMAT("%x %o", 0u, 0u);
	CHECK_FORMAT("%08x|%-8X|%.6x|%8.4o", 0xabcu, 0xabcu, 0xabcu, 8u);
	CHECK_FORMAT("%.0x|%.0u|%.0o", 0u, 0u, 0u);
	CHECK_FORMAT("%hhu %hhx %hu %hx", (unsigned char)255, (unsigned char)171,
			(unsigned short)65535, (unsigned short)43981);
	CHECK_FORMAT("%lu %lx", ULONG_MAX, ULONG_MAX);
	CHECK_FORMAT("%llu %llX %llo", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	CHECK_FORMAT("%zu %zx %ju", SIZE_MAX, (size_t)4096, UINTMAX_MAX);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	CHECK_FORMAT("%hhu", 511u);
#pragma GCC diagnostic pop
	/* '+' and ' ' have no effect on unsigned conversions. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	CHECK_FORMAT("%-+5u|% u|%+x", 3u, 3u, 10u);
#pragma GCC diagnostic pop
}
END_TEST

START_TEST(char_string_percent)
{
	CHECK_FORMAT("%c%c%c", 'a', 'B', '0');
	CHECK_FORMAT("%3c|%-3c|", 'x', 'y');
	CHECK_FORMAT("%s", "");
	CHECK_FORMAT("%s|%10s|%-10s|", "abc", "abc", "abc");
	CHECK_FORMAT("%.2s|%.0s|%.10s|%5.1s|%-5.2s|", "abcdef", "abcdef", "ab", "xyz", "xyz");
	CHECK_FORMAT("%*.*s|", 7, 3, "abcdef");
	CHECK_FORMAT("%%|100%%");
	CHECK_FORMAT("no conversions at all");
	CHECK_FORMAT("%s=%d (%s)", "key", -1, "note");
}
END_TEST

START_TEST(pointer_conversion)
{
	int x;

	CHECK_FORMAT("%p", (void *)&x);
	CHECK_FORMAT("%p", (void *)(uintptr_t)0x1234);
	CHECK_FORMAT("%20p|%-20p|", (void *)(uintptr_t)0xabcdef, (void *)(uintptr_t)0xabcdef);
}
END_TEST

/* Output that does not fit: the length of the whole output and a NUL-terminated prefix. */
START_TEST(truncation)
{
	char buf[8];
	int n;

	memset(buf, 'z', sizeof buf);
	n = fata_snprintf(buf, 5, "%s-%d", "abcdef", 12345);
	ck_assert_int_eq(n, 12);
	ck_assert_str_eq(buf, "abcd");
	ck_assert_int_eq(buf[5], 'z');

	n = fata_snprintf(buf, 1, "%d", 99);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(buf[0], '\0');

	memset(buf, 'z', sizeof buf);
	n = fata_snprintf(buf, 0, "%d", 99);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(buf[0], 'z');
	n = fata_snprintf(NULL, 0, "%s", "hello");
	ck_assert_int_eq(n, 5);

	n = fata_snprintf(buf, sizeof buf, "%s", "1234567");
	ck_assert_int_eq(n, 7);
	ck_assert_str_eq(buf, "1234567");
	n = fata_snprintf(buf, sizeof buf, "%s", "12345678");
	ck_assert_int_eq(n, 8);
	ck_assert_str_eq(buf, "1234567");
}
END_TEST

static int call_vsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fata_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

START_TEST(vsnprintf_form)
{
	char buf[32];

	ck_assert_int_eq(call_vsnprintf(buf, sizeof buf, "%s:%u", "port", 8080u), 9);
	ck_assert_str_eq(buf, "port:8080");
}
END_TEST

static Suite *fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, signed_conversions);
	tcase_add_test(tc, unsigned_conversions);
	tcase_add_test(tc, char_string_percent);
	tcase_add_test(tc, pointer_conversion);
	tcase_add_test(tc, truncation);
	tcase_add_test(tc, vsnprintf_form);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fmt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

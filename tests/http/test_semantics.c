/*
 * HTTP dates, byte ranges, conditional requests and access-log lines.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <fata/error.h>
#include <fata/http.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-01-01T00:00:00Z, for the two-digit years of RFC 850 dates. */
#define NOW_2026 INT64_C(1767225600)

static const struct {
	int64_t t;
	const char *text;
} dates[] = {
	{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" },
	{ 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
	{ -1, "Wed, 31 Dec 1969 23:59:59 GMT" },
	{ 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
	{ 4107542399, "Sun, 28 Feb 2100 23:59:59 GMT" },
	{ 253402300799, "Fri, 31 Dec 9999 23:59:59 GMT" },
	{ INT64_C(-62135596800), "Mon, 01 Jan 0001 00:00:00 GMT" },
};

START_TEST(date_format_known)
{
	char out[FATA_HTTP_DATE_LEN + 1];

	ck_assert_int_eq(fata_http_date_format(dates[_i].t, out), FATA_HTTP_DATE_LEN);
	ck_assert_str_eq(out, dates[_i].text);
}
END_TEST

START_TEST(date_parse_known)
{
	int64_t t;

	ck_assert_int_eq(fata_http_date_parse(dates[_i].text, strlen(dates[_i].text), NOW_2026, &t), 0);
	ck_assert_int_eq(t, dates[_i].t);
}
END_TEST

START_TEST(date_out_of_range)
{
	char out[FATA_HTTP_DATE_LEN + 1];

	ck_assert_int_eq(fata_http_date_format(253402300800, out), FATA_EINVAL);
	ck_assert_int_eq(fata_http_date_format(INT64_C(-62135596801), out), FATA_EINVAL);
	ck_assert_int_eq(fata_http_date_format(INT64_MAX, out), FATA_EINVAL);
	ck_assert_int_eq(fata_http_date_format(INT64_MIN, out), FATA_EINVAL);
}
END_TEST

START_TEST(date_matches_libc)
{
	/* Compare with glibc's gmtime_r over a spread of times, leap years included. */
	for (int64_t t = -2208988800; t < 4102444800; t += 7777777) {
		char ours[FATA_HTTP_DATE_LEN + 1];
		char theirs[64];
		time_t tt = (time_t)t;
		struct tm tm;
		int64_t back;

		gmtime_r(&tt, &tm);
		strftime(theirs, sizeof(theirs), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		ck_assert_int_eq(fata_http_date_format(t, ours), FATA_HTTP_DATE_LEN);
		ck_assert_str_eq(ours, theirs);
		ck_assert_int_eq(fata_http_date_parse(ours, FATA_HTTP_DATE_LEN, NOW_2026, &back), 0);
		ck_assert_int_eq(back, t);
	}
}
END_TEST

START_TEST(date_obsolete_forms)
{
	int64_t t;

	ck_assert_int_eq(fata_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", 30, NOW_2026, &t), 0);
	ck_assert_int_eq(t, 784111777);
	ck_assert_int_eq(fata_http_date_parse("Sun Nov  6 08:49:37 1994", 24, NOW_2026, &t), 0);
	ck_assert_int_eq(t, 784111777);
	ck_assert_int_eq(fata_http_date_parse("Sun Nov 16 08:49:37 1994", 24, NOW_2026, &t), 0);
	ck_assert_int_eq(t, 784111777 + 10 * 86400);

	/* Two-digit years within 50 years ahead stay in this century. */
	ck_assert_int_eq(fata_http_date_parse("Tuesday, 01-Jan-30 00:00:00 GMT", 31, NOW_2026, &t), 0);
	ck_assert_int_eq(t, 1893456000);
	ck_assert_int_eq(fata_http_date_parse("Saturday, 01-Jan-00 00:00:00 GMT", 32, NOW_2026, &t), 0);
	ck_assert_int_eq(t, 946684800);
}
END_TEST

static const char *const bad_dates[] = {
	"",
	"Sun, 31 Feb 1994 08:49:37 GMT",
	"Sun, 06 Nov 1994 24:00:00 GMT",
	"Sun, 06 Nov 1994 08:60:00 GMT",
	"Sun, 06 Nov 1994 08:49:37 UTC",
	"Xyz, 06 Nov 1994 08:49:37 GMT",
	"Sun, 06 nov 1994 08:49:37 GMT",
	"Sun, 6 Nov 1994 08:49:37 GMT ",
	"Sun, 06 Nov 0000 08:49:37 GMT",
	"Sun,  6 Nov 1994 08:49:37 GMT",
	"Sunday, 06-Nov-1994 08:49:37 GMT",
	"Sun Nov  6 08:49:37 94",
	"Sun Nov 6 08:49:37 1994",
	"Sun, 29 Feb 1900 00:00:00 GMT",
};

START_TEST(date_invalid)
{
	int64_t t = 42;

	ck_assert_msg(fata_http_date_parse(bad_dates[_i], strlen(bad_dates[_i]), NOW_2026, &t)
			== FATA_EINVAL, "accepted \"%s\"", bad_dates[_i]);
	ck_assert_int_eq(t, 42);
}
END_TEST

START_TEST(time_split_fields)
{
	struct fata_http_tm tm;

	ck_assert_int_eq(fata_http_time_split(784111777, &tm), 0);
	ck_assert_int_eq(tm.year, 1994);
	ck_assert_int_eq(tm.month, 11);
	ck_assert_int_eq(tm.day, 6);
	ck_assert_int_eq(tm.hour, 8);
	ck_assert_int_eq(tm.minute, 49);
	ck_assert_int_eq(tm.second, 37);
	ck_assert_int_eq(tm.weekday, 0);
}
END_TEST

static const struct {
	const char *value;
	uint64_t size;
	enum fata_http_range_result result;
	uint64_t first, last;
} ranges[] = {
	{ "bytes=0-499", 10000, FATA_HTTP_RANGE_SINGLE, 0, 499 },
	{ "bytes=500-999", 10000, FATA_HTTP_RANGE_SINGLE, 500, 999 },
	{ "bytes=-500", 10000, FATA_HTTP_RANGE_SINGLE, 9500, 9999 },
	{ "bytes=9500-", 10000, FATA_HTTP_RANGE_SINGLE, 9500, 9999 },
	{ "bytes=0-0", 10000, FATA_HTTP_RANGE_SINGLE, 0, 0 },
	{ "bytes=-1", 10000, FATA_HTTP_RANGE_SINGLE, 9999, 9999 },
	{ "bytes=0-99999", 10000, FATA_HTTP_RANGE_SINGLE, 0, 9999 },
	{ "bytes=-20000", 10000, FATA_HTTP_RANGE_SINGLE, 0, 9999 },
	{ "BYTES=1-2", 10, FATA_HTTP_RANGE_SINGLE, 1, 2 },
	{ " bytes=1-2 ", 10, FATA_HTTP_RANGE_SINGLE, 1, 2 },
	{ "bytes= 1-2 ,", 10, FATA_HTTP_RANGE_SINGLE, 1, 2 },
	{ "bytes=0-0,-1", 10000, FATA_HTTP_RANGE_MULTIPLE, 0, 0 },
	{ "bytes=500-600,601-999", 10000, FATA_HTTP_RANGE_MULTIPLE, 0, 0 },
	{ "bytes=20000-, 0-1", 10000, FATA_HTTP_RANGE_MULTIPLE, 0, 0 },
	{ "bytes=10000-", 10000, FATA_HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=10000-20000", 10000, FATA_HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-0", 10000, FATA_HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=0-", 0, FATA_HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-5", 0, FATA_HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=20-30,40-", 10, FATA_HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=5-4", 10000, FATA_HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=a-b", 10000, FATA_HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=1", 10000, FATA_HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=", 10000, FATA_HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=-", 10000, FATA_HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=1 -2", 10000, FATA_HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=0-1,x", 10000, FATA_HTTP_RANGE_NONE, 0, 0 },
	{ "items=0-1", 10000, FATA_HTTP_RANGE_NONE, 0, 0 },
	{ "bytes 0-1", 10000, FATA_HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=99999999999999999999-", 10000, FATA_HTTP_RANGE_NONE, 0, 0 },
};

START_TEST(range_table)
{
	struct fata_http_range r = { 77, 77 };
	enum fata_http_range_result res = fata_http_range_parse(ranges[_i].value,
			strlen(ranges[_i].value), ranges[_i].size, &r);

	ck_assert_msg(res == ranges[_i].result, "\"%s\": %d, expected %d", ranges[_i].value, res,
			ranges[_i].result);
	if (res == FATA_HTTP_RANGE_SINGLE) {
		ck_assert_uint_eq(r.first, ranges[_i].first);
		ck_assert_uint_eq(r.last, ranges[_i].last);
	}
}
END_TEST

static const struct {
	const char *list;
	const char *etag;
	int weak;
	int match;
} etag_cases[] = {
	{ "\"a\"", "\"a\"", 0, 1 },
	{ "\"a\"", "\"b\"", 0, 0 },
	{ "W/\"a\"", "\"a\"", 0, 0 },
	{ "W/\"a\"", "\"a\"", 1, 1 },
	{ "\"a\"", "W/\"a\"", 1, 1 },
	{ "\"a\"", "W/\"a\"", 0, 0 },
	{ "\"x\", \"y\" , W/\"a\"", "\"a\"", 1, 1 },
	{ "*", "\"a\"", 0, 1 },
	{ "\"a,b\"", "\"a,b\"", 0, 1 },
	{ "\"a\" \"b\"", "\"b\"", 1, 0 },
	{ "a", "\"a\"", 1, 0 },
	{ "\"a", "\"a\"", 1, 0 },
	{ ",,\"a\",", "\"a\"", 1, 1 },
	{ "\"\"", "\"\"", 0, 1 },
};

START_TEST(etag_list_table)
{
	ck_assert_int_eq(fata_http_etag_list_match(etag_cases[_i].list, strlen(etag_cases[_i].list),
			etag_cases[_i].etag, strlen(etag_cases[_i].etag), etag_cases[_i].weak),
			etag_cases[_i].match);
}
END_TEST

#define LM 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

static const struct {
	enum fata_http_method method;
	const char *name1, *value1;
	const char *name2, *value2;
	int expect;
} precondition_cases[] = {
	{ FATA_HTTP_GET, NULL, NULL, NULL, NULL, 0 },
	{ FATA_HTTP_GET, "If-None-Match", "\"v1\"", NULL, NULL, 304 },
	{ FATA_HTTP_HEAD, "If-None-Match", "W/\"v1\"", NULL, NULL, 304 },
	{ FATA_HTTP_GET, "If-None-Match", "\"v2\"", NULL, NULL, 0 },
	{ FATA_HTTP_GET, "If-None-Match", "*", NULL, NULL, 304 },
	{ FATA_HTTP_POST, "If-None-Match", "\"v1\"", NULL, NULL, 412 },
	{ FATA_HTTP_GET, "If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL, 304 },
	{ FATA_HTTP_GET, "If-Modified-Since", "Sun, 06 Nov 1994 08:49:38 GMT", NULL, NULL, 304 },
	{ FATA_HTTP_GET, "If-Modified-Since", "Sun, 06 Nov 1994 08:49:36 GMT", NULL, NULL, 0 },
	{ FATA_HTTP_GET, "If-Modified-Since", "not a date", NULL, NULL, 0 },
	{ FATA_HTTP_POST, "If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL, 0 },
	/* If-None-Match takes precedence: a mismatch ignores If-Modified-Since. */
	{ FATA_HTTP_GET, "If-None-Match", "\"v2\"", "If-Modified-Since",
		"Sun, 06 Nov 1994 08:49:37 GMT", 0 },
	{ FATA_HTTP_GET, "If-Modified-Since", "Sun, 06 Nov 1994 08:49:36 GMT", "If-None-Match",
		"\"v1\"", 304 },
	{ FATA_HTTP_GET, "If-Match", "\"v1\"", NULL, NULL, 0 },
	{ FATA_HTTP_GET, "If-Match", "W/\"v1\"", NULL, NULL, 412 },
	{ FATA_HTTP_PUT, "If-Match", "\"v2\"", NULL, NULL, 412 },
	{ FATA_HTTP_PUT, "If-Match", "*", NULL, NULL, 0 },
	{ FATA_HTTP_PUT, "If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT", NULL, NULL, 412 },
	{ FATA_HTTP_PUT, "If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL, 0 },
	/* If-Match present: If-Unmodified-Since is not evaluated. */
	{ FATA_HTTP_PUT, "If-Match", "\"v1\"", "If-Unmodified-Since",
		"Sun, 06 Nov 1994 08:49:36 GMT", 0 },
};

static size_t make_headers(struct fata_http_header *h, const char *n1, const char *v1,
		const char *n2, const char *v2)
{
	size_t count = 0;

	if (n1 != NULL)
		h[count++] = (struct fata_http_header){ n1, strlen(n1), v1, strlen(v1) };
	if (n2 != NULL)
		h[count++] = (struct fata_http_header){ n2, strlen(n2), v2, strlen(v2) };
	return count;
}

START_TEST(preconditions_table)
{
	struct fata_http_header h[2];
	size_t n = make_headers(h, precondition_cases[_i].name1, precondition_cases[_i].value1,
			precondition_cases[_i].name2, precondition_cases[_i].value2);
	struct fata_http_validators v = { "\"v1\"", 4, LM, 1 };

	ck_assert_int_eq(fata_http_preconditions(precondition_cases[_i].method, h, n, &v, NOW_2026),
			precondition_cases[_i].expect);
}
END_TEST

START_TEST(preconditions_without_validators)
{
	struct fata_http_header h[1];
	struct fata_http_validators none = { NULL, 0, 0, 0 };
	size_t n = make_headers(h, "If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL);

	ck_assert_int_eq(fata_http_preconditions(FATA_HTTP_GET, h, n, &none, NOW_2026), 0);
	n = make_headers(h, "If-None-Match", "\"v1\"", NULL, NULL);
	ck_assert_int_eq(fata_http_preconditions(FATA_HTTP_GET, h, n, &none, NOW_2026), 0);
	n = make_headers(h, "If-Match", "\"v1\"", NULL, NULL);
	ck_assert_int_eq(fata_http_preconditions(FATA_HTTP_GET, h, n, &none, NOW_2026), 412);
}
END_TEST

START_TEST(if_range_rules)
{
	struct fata_http_header h[1] = { { "X", 1, "", 0 } };
	struct fata_http_validators v = { "\"v1\"", 4, LM, 1 };
	struct fata_http_validators weak = { "W/\"v1\"", 6, LM, 1 };

	ck_assert_int_eq(fata_http_if_range_holds(h, 0, &v, NOW_2026), 1);
	make_headers(h, "If-Range", "\"v1\"", NULL, NULL);
	ck_assert_int_eq(fata_http_if_range_holds(h, 1, &v, NOW_2026), 1);
	ck_assert_int_eq(fata_http_if_range_holds(h, 1, &weak, NOW_2026), 0);
	make_headers(h, "If-Range", "\"v2\"", NULL, NULL);
	ck_assert_int_eq(fata_http_if_range_holds(h, 1, &v, NOW_2026), 0);
	make_headers(h, "If-Range", "W/\"v1\"", NULL, NULL);
	ck_assert_int_eq(fata_http_if_range_holds(h, 1, &weak, NOW_2026), 0);
	make_headers(h, "If-Range", "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL);
	ck_assert_int_eq(fata_http_if_range_holds(h, 1, &v, NOW_2026), 1);
	make_headers(h, "If-Range", "Sun, 06 Nov 1994 08:49:38 GMT", NULL, NULL);
	ck_assert_int_eq(fata_http_if_range_holds(h, 1, &v, NOW_2026), 0);
	make_headers(h, "If-Range", "garbage", NULL, NULL);
	ck_assert_int_eq(fata_http_if_range_holds(h, 1, &v, NOW_2026), 0);
}
END_TEST

START_TEST(clf_line)
{
	char line[256];
	static const char req[] = "GET /a\"b\x01 HTTP/1.1";
	int n = fata_http_clf_format(line, sizeof(line), "192.0.2.1", 971211336, req,
			sizeof(req) - 1, 200, 2326);

	ck_assert_str_eq(line, "192.0.2.1 - - [10/Oct/2000:20:55:36 +0000] "
			"\"GET /a\\x22b\\x01 HTTP/1.1\" 200 2326");
	ck_assert_int_eq(n, (int)strlen(line));

	fata_http_clf_format(line, sizeof(line), NULL, 0, NULL, 0, 400, -1);
	ck_assert_str_eq(line, "- - - [01/Jan/1970:00:00:00 +0000] \"-\" 400 -");

	/* Truncation reports the full length, like snprintf. */
	ck_assert_int_eq(fata_http_clf_format(line, 10, "h", 0, "GET / HTTP/1.1", 14, 200, 1), 57);
	ck_assert_uint_eq(strlen(line), 9);
}
END_TEST

static Suite *semantics_suite(void)
{
	Suite *s = suite_create("http-semantics");
	TCase *t = tcase_create("dates");

	tcase_add_loop_test(t, date_format_known, 0, N(dates));
	tcase_add_loop_test(t, date_parse_known, 0, N(dates));
	tcase_add_test(t, date_out_of_range);
	tcase_add_test(t, date_matches_libc);
	tcase_add_test(t, date_obsolete_forms);
	tcase_add_loop_test(t, date_invalid, 0, N(bad_dates));
	tcase_add_test(t, time_split_fields);
	suite_add_tcase(s, t);

	t = tcase_create("ranges-and-conditions");
	tcase_add_loop_test(t, range_table, 0, N(ranges));
	tcase_add_loop_test(t, etag_list_table, 0, N(etag_cases));
	tcase_add_loop_test(t, preconditions_table, 0, N(precondition_cases));
	tcase_add_test(t, preconditions_without_validators);
	tcase_add_test(t, if_range_rules);
	tcase_add_test(t, clf_line);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(semantics_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

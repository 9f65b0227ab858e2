/*
 * fata-www's target normalisation and media types.
 */
#include <check.h>
#include <string.h>

#include "www.h"

static const struct {
	const char *target;
	const char *path;   /* NULL: rejected */
	int trailing_slash;
} cases[] = {
	{ "/", "/", 1 },
	{ "/a.txt", "/a.txt", 0 },
	{ "/a.txt?x=1&y=/..", "/a.txt", 0 },
	{ "//a///b/", "/a/b", 1 },
	{ "/./a/./b", "/a/b", 0 },
	{ "/a/.", "/a", 0 },
	{ "/dir/", "/dir", 1 },
	{ "/%41%62c", "/Abc", 0 },
	{ "/a%20b", "/a b", 0 },
	{ "/a%2fb", "/a/b", 0 },
	{ "/..a/b..", "/..a/b..", 0 },
	{ "/...", "/...", 0 },
	{ "/..", NULL, 0 },
	{ "/../x", NULL, 0 },
	{ "/a/../b", NULL, 0 },
	{ "/%2e%2e/x", NULL, 0 },
	{ "/%2E./x", NULL, 0 },
	{ "/a%2f..%2fb", NULL, 0 },
	{ "/a%00b", NULL, 0 },
	{ "/a%0", NULL, 0 },
	{ "/a%", NULL, 0 },
	{ "/a%zz", NULL, 0 },
	{ "a", NULL, 0 },
	{ "http://host/a", NULL, 0 },
	{ "*", NULL, 0 },
	{ "", NULL, 0 },
	{ "?x", NULL, 0 },
};

START_TEST(normalize_table)
{
	char out[WWW_PATH_MAX];
	int slash = -1;
	int rc = www_normalize_path(cases[_i].target, strlen(cases[_i].target), out, sizeof(out),
			&slash);

	if (cases[_i].path == NULL) {
		ck_assert_msg(rc == -1, "accepted \"%s\" as \"%s\"", cases[_i].target, out);
		return;
	}
	ck_assert_msg(rc == 0, "rejected \"%s\"", cases[_i].target);
	ck_assert_str_eq(out, cases[_i].path);
	ck_assert_int_eq(slash, cases[_i].trailing_slash);
}
END_TEST

START_TEST(normalize_length_limit)
{
	static char target[3 * WWW_PATH_MAX];
	char out[64];
	int slash;

	memset(target, 'a', sizeof(target));
	target[0] = '/';
	ck_assert_int_eq(www_normalize_path(target, 63, out, sizeof(out), &slash), 0);
	ck_assert_int_eq(www_normalize_path(target, 64, out, sizeof(out), &slash), -1);
	ck_assert_int_eq(www_normalize_path(target, sizeof(target), out, sizeof(out), &slash), -1);
}
END_TEST

START_TEST(content_types)
{
	ck_assert_str_eq(www_content_type("/index.html"), "text/html; charset=utf-8");
	ck_assert_str_eq(www_content_type("/A.PNG"), "image/png");
	ck_assert_str_eq(www_content_type("/x/style.css"), "text/css; charset=utf-8");
	ck_assert_str_eq(www_content_type("/noext"), "application/octet-stream");
	ck_assert_str_eq(www_content_type("/dir.d/noext"), "application/octet-stream");
	ck_assert_str_eq(www_content_type("/archive.tar.gz"), "application/gzip");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("www-path");
	TCase *t = tcase_create("path");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(t, normalize_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(t, normalize_length_limit);
	tcase_add_test(t, content_types);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

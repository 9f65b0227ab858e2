/* Unit tests for the counter registry, the log handler and the error names. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/counter.h>
#include <fata/error.h>
#include <fata/log.h>

struct demo_stats {
	uint64_t frames, drops;
};

static const char *const demo_names[] = { "frames", "drops" };

struct walk {
	int calls;
	char seen[8][32];
	uint64_t values[8];
};

static void collect(void *arg, const char *group, const char *name, uint64_t value)
{
	struct walk *w = arg;

	ck_assert_int_lt(w->calls, 8);
	strcpy(w->seen[w->calls], group);
	strcat(w->seen[w->calls], ".");
	strcat(w->seen[w->calls], name);
	w->values[w->calls] = value;
	w->calls++;
}

START_TEST(counters_register_and_read)
{
	struct demo_stats a = { 3, 1 }, b = { 10, 0 };
	struct fata_counter_group ga = { .name = "alpha", .names = demo_names,
		.values = &a.frames, .count = 2 };
	struct fata_counter_group gb = { .name = "beta", .names = demo_names,
		.values = &b.frames, .count = 2 };
	struct walk w = { 0 };
	int found = -1;

	fata_counters_register(&ga);
	fata_counters_register(&gb);
	/* Registering twice does nothing. */
	fata_counters_register(&ga);

	fata_counters_foreach(collect, &w);
	ck_assert_int_eq(w.calls, 4);
	ck_assert_str_eq(w.seen[0], "alpha.frames");
	ck_assert_str_eq(w.seen[1], "alpha.drops");
	ck_assert_str_eq(w.seen[2], "beta.frames");
	ck_assert_uint_eq(w.values[2], 10);

	/* Values are read live through the pointer. */
	a.drops = 42;
	ck_assert_uint_eq(fata_counter_get("alpha", "drops", &found), 42);
	ck_assert_int_eq(found, 1);
	ck_assert_uint_eq(fata_counter_get("alpha", "missing", &found), 0);
	ck_assert_int_eq(found, 0);
	ck_assert_uint_eq(fata_counter_get("gamma", "frames", NULL), 0);

	fata_counters_unregister(&ga);
	fata_counters_unregister(&ga);
	ck_assert_uint_eq(fata_counter_get("alpha", "frames", &found), 0);
	ck_assert_int_eq(found, 0);
	ck_assert_uint_eq(fata_counter_get("beta", "frames", &found), 10);
	fata_counters_unregister(&gb);

	memset(&w, 0, sizeof w);
	fata_counters_foreach(collect, &w);
	ck_assert_int_eq(w.calls, 0);
}
END_TEST

struct log_capture {
	int calls;
	enum fata_log_level level;
	char source[32];
	char message[600];
};

static void capture_log(void *arg, enum fata_log_level level, const char *source,
		const char *message)
{
	struct log_capture *c = arg;

	c->calls++;
	c->level = level;
	strncpy(c->source, source, sizeof c->source - 1);
	strncpy(c->message, message, sizeof c->message - 1);
}

START_TEST(log_handler_and_level)
{
	struct log_capture c = { 0 };
	char longer[700];

	/* Without a handler, nothing is enabled. */
	fata_log_set_handler(NULL, NULL);
	ck_assert(!fata_log_enabled(FATA_LOG_ERROR));
	fata_log(FATA_LOG_ERROR, "test", "dropped");

	fata_log_set_handler(capture_log, &c);
	ck_assert_int_eq(fata_log_get_level(), FATA_LOG_INFO);
	fata_log(FATA_LOG_INFO, "tcp", "port %u is %s", 80u, "open");
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.level, FATA_LOG_INFO);
	ck_assert_str_eq(c.source, "tcp");
	ck_assert_str_eq(c.message, "port 80 is open");

	fata_log(FATA_LOG_DEBUG, "tcp", "too detailed");
	ck_assert_int_eq(c.calls, 1);
	fata_log_set_level(FATA_LOG_DEBUG);
	ck_assert(fata_log_enabled(FATA_LOG_DEBUG));
	ck_assert(!fata_log_enabled(FATA_LOG_TRACE));
	fata_log(FATA_LOG_DEBUG, "tcp", "now shown");
	ck_assert_int_eq(c.calls, 2);
	fata_log_set_level(FATA_LOG_ERROR);
	fata_log(FATA_LOG_WARN, "tcp", "hidden");
	ck_assert_int_eq(c.calls, 2);

	/* Long messages are cut to 511 bytes. */
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	fata_log(FATA_LOG_ERROR, "x", "%s", longer);
	ck_assert_int_eq(c.calls, 3);
	ck_assert_uint_eq(strlen(c.message), 511);

	fata_log_set_handler(NULL, NULL);
	fata_log_set_level(FATA_LOG_INFO);
}
END_TEST

START_TEST(log_level_names)
{
	static const char *const names[] = { "error", "warn", "info", "debug", "trace" };
	enum fata_log_level level;

	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(fata_log_level_parse(names[i], &level), FATA_OK);
		ck_assert_int_eq(level, i);
		ck_assert_str_eq(fata_log_level_name(level), names[i]);
	}
	ck_assert_int_eq(fata_log_level_parse("verbose", &level), FATA_EINVAL);
	ck_assert_int_eq(fata_log_level_parse("", &level), FATA_EINVAL);
	ck_assert_int_eq(fata_log_level_parse("INFO ", &level), FATA_EINVAL);
}
END_TEST

START_TEST(error_names_complete)
{
	ck_assert_str_eq(fata_error_name(FATA_OK), "FATA_OK");
	ck_assert_str_eq(fata_error_name(FATA_ENOMEM), "FATA_ENOMEM");
	ck_assert_str_eq(fata_error_name(FATA_EOVERFLOW), "FATA_EOVERFLOW");
	ck_assert_str_eq(fata_error_name(FATA_ERROR_MIN - 1), "FATA_E?");
	ck_assert_str_eq(fata_error_name(5), "FATA_E?");
	ck_assert_str_eq(fata_strerror(FATA_ERROR_MIN - 1), "unknown error");
	ck_assert_str_eq(fata_strerror(0), "success");
	for (int code = FATA_ERROR_MIN; code < 0; code++) {
		ck_assert_msg(strcmp(fata_error_name(code), "FATA_E?") != 0, "code %d has no name", code);
		ck_assert_msg(strcmp(fata_strerror(code), "unknown error") != 0,
				"code %d has no description", code);
	}
}
END_TEST

static Suite *counter_log_suite(void)
{
	Suite *s = suite_create("counter_log");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, counters_register_and_read);
	tcase_add_test(tc, log_handler_and_level);
	tcase_add_test(tc, log_level_names);
	tcase_add_test(tc, error_names_complete);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(counter_log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

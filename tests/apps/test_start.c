/*
 * Tests of the start-up: the standard-error log handler, fata_app_start()
 * on the socket stack, tracing, counters, the stop signal, and the error a
 * tap device gives without privileges. Each case runs in a child process,
 * because start-up installs a process-wide log handler and signal mask.
 */
#include <check.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fata/counter.h>
#include <fata/error.h>
#include <fata/promise.h>

#include "app.h"
#include "run_child.h"

#define MAX_ARGS 16

static const struct fata_app_info info = {
	.name = "fata-start-test",
	.summary = "Tests fata_app_start().",
	.max_args = 0,
};

static int matches(const char *text, const char *pattern)
{
	regex_t re;

	ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0);
	int rc = regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	return rc == 0;
}

/* Parses `args` (NULL-terminated, without argv[0]) into `options`. */
static void parse_args(const char *const *args, struct fata_app_options *options)
{
	static char *argv[MAX_ARGS + 2];
	int argc = 0;

	argv[argc++] = (char *)info.name;
	for (; *args && argc < MAX_ARGS; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	fata_app_parse(argc, argv, &info, options);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The prefix of every log line: UTC time with milliseconds. */
#define TIME_RE "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

static int log_one_warning(void *arg)
{
	(void)arg;
	fata_app_log_stderr(NULL, FATA_LOG_WARN, "tcp", "retransmit timeout on 192.0.2.2:80");
	return 0;
}

START_TEST(log_line_format)
{
	struct child_result r;

	ck_assert_int_eq(run_child(log_one_warning, NULL, 10, &r), 0);
	ck_assert_int_eq(r.exit_status, 0);
	ck_assert_msg(matches(r.err, "^" TIME_RE " warn  tcp: retransmit timeout on "
			"192\\.0\\.2\\.2:80\n$"), "line: %s", r.err);
}
END_TEST

static int log_every_level(void *arg)
{
	(void)arg;
	for (int level = FATA_LOG_ERROR; level <= FATA_LOG_TRACE; level++)
		fata_app_log_stderr(NULL, (enum fata_log_level)level, "src", "m");
	fata_app_log_stderr(NULL, (enum fata_log_level)42, NULL, NULL);
	return 0;
}

START_TEST(log_level_names)
{
	struct child_result r;

	ck_assert_int_eq(run_child(log_every_level, NULL, 10, &r), 0);
	ck_assert_int_eq(count_lines(r.err), 6);
	ck_assert(matches(r.err, "^" TIME_RE " error src: m$"));
	ck_assert(matches(r.err, "^" TIME_RE " warn  src: m$"));
	ck_assert(matches(r.err, "^" TIME_RE " info  src: m$"));
	ck_assert(matches(r.err, "^" TIME_RE " debug src: m$"));
	ck_assert(matches(r.err, "^" TIME_RE " trace src: m$"));
	ck_assert(matches(r.err, "^" TIME_RE " \\?     -: $"));
}
END_TEST

static int log_control_characters(void *arg)
{
	(void)arg;
	fata_app_log_stderr(NULL, FATA_LOG_INFO, "ht\ntp", "GET /a\r\nX: \x1b[31m\x7f end");
	return 0;
}

START_TEST(log_escapes_control_characters)
{
	struct child_result r;

	ck_assert_int_eq(run_child(log_control_characters, NULL, 10, &r), 0);
	ck_assert_int_eq(count_lines(r.err), 1);
	ck_assert_msg(strstr(r.err, " info  ht\\x0atp: GET /a\\x0d\\x0aX: \\x1b[31m\\x7f end\n")
			!= NULL, "line: %s", r.err);
}
END_TEST

static int log_long_message(void *arg)
{
	static char message[20000];

	(void)arg;
	memset(message, '\n', sizeof(message) - 1);
	fata_app_log_stderr(NULL, FATA_LOG_ERROR, "long", message);
	return 0;
}

START_TEST(log_long_message_stays_one_line)
{
	struct child_result r;

	ck_assert_int_eq(run_child(log_long_message, NULL, 10, &r), 0);
	ck_assert_int_eq(r.exit_status, 0);
	ck_assert_int_eq(count_lines(r.err), 1);
	ck_assert_uint_le(r.err_len, 4096);
	ck_assert_int_eq(r.err[r.err_len - 1], '\n');
}
END_TEST

/* Starts on the socket stack, listens on loopback, and finishes. */
static int start_socket(void *arg)
{
	struct fata_app_options options;
	struct fata_app app;
	struct fata_listener *listener = NULL;
	struct fata_sockaddr local = { fata_ipv4(127, 0, 0, 1), 0 };

	(void)arg;
	parse_args(ARGS("--net", "socket", "--log-level", "debug"), &options);

	if (fata_app_start(&app, info.name, &options) != 0)
		return 10;
	if (app.loop == NULL || app.stack == NULL || app.netif != NULL)
		return 11;
	if (app.options != &options || strcmp(app.name, info.name) != 0)
		return 12;
	if (fata_log_get_level() != FATA_LOG_DEBUG)
		return 13;
	if (fata_stack_listen(app.stack, &local, 4, NULL, &listener) != 0)
		return 14;
	fata_listener_close(listener);

	fata_app_finish(&app);
	if (app.loop != NULL || app.stack != NULL)
		return 15;

	/* A second finish finds nothing to do. */
	fata_app_finish(&app);
	return 0;
}

START_TEST(start_on_socket_stack)
{
	struct child_result r;

	ck_assert_int_eq(run_child(start_socket, NULL, 20, &r), 0);
	ck_assert_msg(r.exit_status == 0, "exit %d, stderr: %s", r.exit_status, r.err);
	ck_assert_msg(matches(r.err, "^" TIME_RE " info  app: fata-start-test running on the "
			"host's sockets \\(--net socket\\)$"), "stderr: %s", r.err);
}
END_TEST

static char trace_path[64];

static int start_with_trace(void *arg)
{
	struct fata_app_options options;
	struct fata_app app;
	int status = -1;

	(void)arg;
	parse_args(ARGS("--trace", trace_path), &options);
	if (fata_app_start(&app, info.name, &options) != 0)
		return 10;

	/* One promise that settles, so the trace contains events. */
	if (fata_loop_run_until(app.loop, fata_sleep(app.loop, 1000000), &status, NULL) != 0)
		return 11;
	if (status != 0)
		return 12;

	fata_app_finish(&app);
	return 0;
}

START_TEST(trace_written_at_finish)
{
	struct child_result r;
	char text[65536];

	snprintf(trace_path, sizeof(trace_path), "/tmp/fata-app-trace-%d.json", (int)getpid());
	unlink(trace_path);

	ck_assert_int_eq(run_child(start_with_trace, NULL, 20, &r), 0);
	ck_assert_msg(r.exit_status == 0, "exit %d, stderr: %s", r.exit_status, r.err);
	ck_assert_msg(matches(r.err, "info  app: wrote [1-9][0-9]* trace events to /tmp/"),
			"stderr: %s", r.err);

	FILE *f = fopen(trace_path, "r");
	ck_assert_ptr_nonnull(f);
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	text[len] = '\0';
	fclose(f);
	unlink(trace_path);
	ck_assert_ptr_nonnull(strstr(text, "traceEvents"));
}
END_TEST

static const char *const test_counter_names[] = { "frames", "drops" };
static uint64_t test_counter_values[] = { 42, 7 };

static int start_with_stats(void *arg)
{
	struct fata_counter_group group = {
		"apptest", test_counter_names, test_counter_values, 2, NULL,
	};
	struct fata_app_options options;
	struct fata_app app;

	(void)arg;
	parse_args(ARGS("--stats", "--log-level", "error"), &options);
	if (fata_app_start(&app, info.name, &options) != 0)
		return 10;
	fata_counters_register(&group);
	fata_app_finish(&app);
	fata_counters_unregister(&group);
	return 0;
}

START_TEST(stats_printed_at_finish)
{
	struct child_result r;

	ck_assert_int_eq(run_child(start_with_stats, NULL, 20, &r), 0);
	ck_assert_msg(r.exit_status == 0, "exit %d, stderr: %s", r.exit_status, r.err);
	ck_assert_msg(matches(r.err, "^apptest\\.frames 42$"), "stderr: %s", r.err);
	ck_assert_msg(matches(r.err, "^apptest\\.drops 7$"), "stderr: %s", r.err);
}
END_TEST

static int stop_by_sigterm(void *arg)
{
	struct fata_app_options options;
	struct fata_app app;
	union fata_value value;
	int status = -1;

	(void)arg;
	parse_args(ARGS("--log-level", "error"), &options);
	if (fata_app_start(&app, info.name, &options) != 0)
		return 10;

	struct fata_promise *stop = fata_app_stop_signal(&app);
	if (stop == NULL)
		return 11;
	kill(getpid(), SIGTERM);

	if (fata_loop_run_until(app.loop, stop, &status, &value) != 0 || status != 0)
		return 12;
	if (value.u64 != SIGTERM)
		return 13;

	fata_app_finish(&app);
	return 0;
}

START_TEST(stop_signal_on_sigterm)
{
	struct child_result r;

	ck_assert_int_eq(run_child(stop_by_sigterm, NULL, 20, &r), 0);
	ck_assert_msg(r.exit_status == 0, "exit %d, signal %d, stderr: %s", r.exit_status,
			r.signal, r.err);
}
END_TEST

static char tap_name[16];

/* Opens a tap device as an unprivileged user; prints the error code. */
static int start_tap_unprivileged(void *arg)
{
	struct fata_app_options options;
	struct fata_app app;

	(void)arg;
	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
		return 10;

	char net[32];
	snprintf(net, sizeof(net), "tap:%s", tap_name);
	parse_args(ARGS("--net", net, "--ipv4", "192.0.2.2/24"), &options);

	int rc = fata_app_start(&app, info.name, &options);
	printf("%d\n", rc);
	if (app.loop != NULL || app.stack != NULL || app.netif != NULL)
		return 11;
	fata_app_finish(&app);
	return 0;
}

START_TEST(tap_without_privileges_explains)
{
	struct child_result r;
	char expected[128];

	snprintf(tap_name, sizeof(tap_name), "fc%d", (int)getpid());
	ck_assert_int_eq(run_child(start_tap_unprivileged, NULL, 20, &r), 0);
	ck_assert_msg(r.exit_status == 0, "exit %d, stderr: %s", r.exit_status, r.err);
	ck_assert_uint_ge(count_lines(r.err), 1);

#if APP_TEST_HAVE_TCPIP
	if (access("/dev/net/tun", F_OK) != 0) {
		ck_assert_int_eq(atoi(r.out), FATA_ENOENT);
		ck_assert_ptr_nonnull(strstr(r.err, "modprobe tun"));
		return;
	}
	ck_assert_int_eq(atoi(r.out), FATA_EPERM);
	snprintf(expected, sizeof(expected), " error app: cannot open tap device %s: ", tap_name);
	ck_assert_msg(strstr(r.err, expected) != NULL, "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, "(run as root") != NULL, "stderr: %s", r.err);
#else
	ck_assert_int_eq(atoi(r.out), FATA_ENOTSUP);
	snprintf(expected, sizeof(expected), " error app: cannot use --net tap:%s: ", tap_name);
	ck_assert_msg(strstr(r.err, expected) != NULL, "stderr: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "built without libtcpip"));
#endif
}
END_TEST

static Suite *start_suite(void)
{
	Suite *s = suite_create("app-start");
	TCase *log = tcase_create("log");
	TCase *start = tcase_create("start");

	tcase_add_test(log, log_line_format);
	tcase_add_test(log, log_level_names);
	tcase_add_test(log, log_escapes_control_characters);
	tcase_add_test(log, log_long_message_stays_one_line);

	tcase_set_timeout(start, 60);
	tcase_add_test(start, start_on_socket_stack);
	tcase_add_test(start, trace_written_at_finish);
	tcase_add_test(start, stats_printed_at_finish);
	tcase_add_test(start, stop_signal_on_sigterm);
	tcase_add_test(start, tap_without_privileges_explains);

	suite_add_tcase(s, log);
	suite_add_tcase(s, start);
	return s;
}

int main(void)
{
	SRunner *runner = srunner_create(start_suite());

	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

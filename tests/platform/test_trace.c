/* Unit tests for the promise tracer and its trace-event JSON. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fata/error.h>
#include <fata/loop.h>
#include <fata/posix.h>
#include <fata/promise.h>
#include <fata/trace.h>

/* Collects the JSON output in memory. */
struct text {
	char *data;
	size_t len;
	int writes;
	int fail_at; /* return FATA_EIO on this write (1-based), 0 for never */
};

static int append_text(void *ctx, const char *data, size_t len)
{
	struct text *t = ctx;

	t->writes++;
	if (t->fail_at && t->writes == t->fail_at)
		return FATA_EIO;
	t->data = realloc(t->data, t->len + len + 1);
	memcpy(t->data + t->len, data, len);
	t->len += len;
	t->data[t->len] = '\0';
	return FATA_OK;
}

static int count_substr(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/*
 * A Python script that checks a trace JSON file with the json module: the
 * structure, the matching of async begin and end events, and the decoded
 * labels given as further arguments.
 */
static const char json_check[] =
	"import json, sys\n"
	"doc = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	"events = doc['traceEvents']\n"
	"assert isinstance(events, list) and events, 'no events'\n"
	"begun = {}\n"
	"for e in events:\n"
	"    for key in ('name', 'cat', 'ph', 'ts', 'pid', 'tid'):\n"
	"        assert key in e, 'missing %s in %r' % (key, e)\n"
	"    assert e['ph'] in ('b', 'e', 'n', 'i'), e\n"
	"    assert isinstance(e['ts'], (int, float)), e\n"
	"    if e['ph'] == 'b':\n"
	"        begun[e['id']] = e\n"
	"    if e['ph'] in ('e', 'n'):\n"
	"        assert e['id'] in begun, 'end without begin: %r' % e\n"
	"        assert begun[e['id']]['cat'] == e['cat'], e\n"
	"    if e['ph'] == 'i':\n"
	"        assert e['s'] == 't', e\n"
	"names = set(e['name'] for e in events)\n"
	"for want in sys.argv[2:]:\n"
	"    assert want in names, 'label %r not in %r' % (want, sorted(names))\n"
	"first = [e for e in events if e['name'] == 'sleep' and e['ph'] == 'e'][0]\n"
	"assert abs(first['ts'] - 1.5) < 1e-9, first\n"
	"rejected = [e for e in events if e['name'] == 'refused' and e['ph'] == 'e'][0]\n"
	"assert rejected['args']['error'] == 'FATA_ECONNREFUSED', rejected\n";

/* Returns the exit status of the Python check, or -1 when Python is not available. */
static int python_check(const char *path)
{
	const char *python = getenv("FATA_PYTHON3");
	pid_t pid;
	int status;

	if (!python || !python[0])
		return -1;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(python, python, "-c", json_check, path, "sleep", "refused",
				"quote\"back\\slash\nline\ttab", "caf\xc3\xa9", "bad\xef\xbf\xbd" "byte",
				"mark", (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void forget_promise(void *ctx, struct fata_promise *p)
{
	(void)ctx;
	(void)p;
}

static void ignore_then(void *arg, int status, union fata_value value)
{
	(void)arg;
	(void)status;
	(void)value;
}

/*
 * Runs a small scenario with odd labels on a virtual loop that starts at
 * 1000 ns, so the sleep settles at 1.5 us.
 */
static void record_scenario(void)
{
	struct fata_loop *loop = fata_loop_new_virtual(1000);
	struct fata_promise *sleeper, *refused, *odd, *utf8, *bad, *canceled;

	sleeper = fata_sleep(loop, 500);
	fata_promise_then(sleeper, ignore_then, NULL);
	refused = fata_promise_new(loop, "refused");
	fata_promise_then(refused, ignore_then, NULL);
	fata_promise_reject(refused, FATA_ECONNREFUSED);
	odd = fata_promise_new(loop, "quote\"back\\slash\nline\ttab");
	fata_promise_then(odd, ignore_then, NULL);
	fata_promise_fulfill(odd, (union fata_value){ 0 });
	utf8 = fata_promise_new(loop, "caf\xc3\xa9");
	fata_promise_fulfill(utf8, (union fata_value){ 0 });
	fata_promise_then(utf8, ignore_then, NULL);
	bad = fata_promise_new(loop, "bad\xff" "byte");
	fata_promise_fulfill(bad, (union fata_value){ 0 });
	fata_promise_then(bad, ignore_then, NULL);
	canceled = fata_promise_new(loop, "canceled");
	fata_promise_on_cancel(canceled, forget_promise, NULL);
	fata_promise_cancel(canceled);
	fata_trace_record(FATA_TRACE_MARK, "mark", 0, 123, 1200);
	fata_trace_record(FATA_TRACE_READ, "socket", 77, 4096, 1300);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	fata_loop_free(loop);
}

START_TEST(trace_json_valid)
{
	char path[] = "/tmp/fata-trace-XXXXXX";
	struct text t = { 0 };
	size_t recorded;
	uint64_t lost;
	int python_status;
	int fd;

	ck_assert_int_eq(fata_trace_enable(1024), FATA_OK);
	ck_assert(fata_trace_enabled());
	record_scenario();
	fata_trace_counts(&recorded, &lost);
	ck_assert_uint_gt(recorded, 10);
	ck_assert_uint_eq(lost, 0);

	ck_assert_int_eq(fata_trace_write_json(append_text, &t), FATA_OK);
	ck_assert_ptr_nonnull(t.data);
	ck_assert(strncmp(t.data, "{\"traceEvents\":[", 16) == 0);
	ck_assert_int_eq(count_substr(t.data, "\"ph\":\"b\""), 6);
	/* Every promise ended: five settled, one canceled while pending. */
	ck_assert_int_eq(count_substr(t.data, "\"ph\":\"e\""), 6);
	ck_assert_int_eq(count_substr(t.data, "\"ph\":\"n\""), 5);
	ck_assert_int_eq(count_substr(t.data, "\"ph\":\"i\""), 2);
	ck_assert_ptr_nonnull(strstr(t.data, "\"name\":\"quote\\\"back\\\\slash\\u000aline\\u0009tab\""));
	ck_assert_ptr_nonnull(strstr(t.data, "\"name\":\"bad\\ufffdbyte\""));
	ck_assert_ptr_nonnull(strstr(t.data, "\"ts\":1.500"));
	ck_assert_ptr_nonnull(strstr(t.data, "\"bytes\":4096"));

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(fata_trace_save(path), FATA_OK);
	python_status = python_check(path);
	unlink(path);
	if (python_status < 0)
		fprintf(stderr, "python3 not found; trace JSON checked by structure only\n");
	else
		ck_assert_msg(python_status == 0, "python3 rejected the trace JSON (exit status %d)",
				python_status);
	free(t.data);
	fata_trace_disable();
	ck_assert(!fata_trace_enabled());
}
END_TEST

START_TEST(trace_ring_overwrites_oldest)
{
	struct text t = { 0 };
	size_t recorded;
	uint64_t lost;

	ck_assert_int_eq(fata_trace_enable(0), FATA_EINVAL);
	ck_assert(!fata_trace_enabled());
	fata_trace_record(FATA_TRACE_MARK, "ignored", 0, 1, 1);
	fata_trace_counts(&recorded, &lost);
	ck_assert_uint_eq(recorded, 0);

	ck_assert_int_eq(fata_trace_enable(4), FATA_OK);
	for (int i = 0; i < 10; i++)
		fata_trace_record(FATA_TRACE_MARK, "m", 0, i, (uint64_t)i * 1000);
	fata_trace_counts(&recorded, &lost);
	ck_assert_uint_eq(recorded, 4);
	ck_assert_uint_eq(lost, 6);
	ck_assert_int_eq(fata_trace_write_json(append_text, &t), FATA_OK);
	ck_assert_int_eq(count_substr(t.data, "\"value\":"), 4);
	ck_assert_ptr_null(strstr(t.data, "\"value\":5,"));
	ck_assert_ptr_nonnull(strstr(t.data, "\"value\":6"));
	ck_assert_ptr_nonnull(strstr(t.data, "\"value\":9"));
	ck_assert(strstr(t.data, "\"value\":6") < strstr(t.data, "\"value\":9"));
	ck_assert_ptr_nonnull(strstr(t.data, "\"lost_events\":\"6\""));
	free(t.data);

	/* Restarting clears the ring. */
	ck_assert_int_eq(fata_trace_enable(8), FATA_OK);
	fata_trace_counts(&recorded, &lost);
	ck_assert_uint_eq(recorded, 0);
	ck_assert_uint_eq(lost, 0);
	fata_trace_disable();
}
END_TEST

START_TEST(trace_write_error_stops)
{
	struct text t = { .fail_at = 1 };

	ck_assert_int_eq(fata_trace_enable(16), FATA_OK);
	fata_trace_record(FATA_TRACE_MARK, "m", 0, 0, 0);
	ck_assert_int_eq(fata_trace_write_json(append_text, &t), FATA_EIO);
	ck_assert_int_eq(t.writes, 1);
	ck_assert_int_eq(fata_trace_write_json(NULL, NULL), FATA_EINVAL);
	ck_assert_int_eq(fata_trace_save("/nonexistent-dir/trace.json"), FATA_EIO);
	fata_trace_disable();
}
END_TEST

START_TEST(trace_ids_and_empty_output)
{
	uint64_t a = fata_trace_next_id();
	uint64_t b = fata_trace_next_id();
	struct text t = { 0 };

	ck_assert_uint_ne(a, 0);
	ck_assert_uint_gt(b, a);
	fata_trace_disable();
	ck_assert_int_eq(fata_trace_write_json(append_text, &t), FATA_OK);
	ck_assert(strncmp(t.data, "{\"traceEvents\":[]", 17) == 0);
	free(t.data);
}
END_TEST

static Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, trace_json_valid);
	tcase_add_test(tc, trace_ring_overwrites_oldest);
	tcase_add_test(tc, trace_write_error_stops);
	tcase_add_test(tc, trace_ids_and_empty_output);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(trace_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

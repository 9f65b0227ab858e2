/*
 * The HTTP client against the libhttp server over in-memory flow pairs,
 * and against a scripted server for malformed and unusual responses.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/http_client.h>

#include "server_harness.h"

#define NS_PER_S UINT64_C(1000000000)

static struct harness h;
static struct memflow_pair *extra_pairs[16];
static int extra_count;

/* Opens a new in-memory connection to the harness server. */
static struct fata_promise *connect_to_harness(void *arg)
{
	struct harness *hh = arg;
	struct fata_flow *ends[2];
	struct memflow_pair *pair = memflow_pair_new(hh->loop, ends);
	struct fata_promise *p = fata_promise_new(hh->loop, "test.connect");

	ck_assert_int_lt(extra_count, 16);
	extra_pairs[extra_count++] = pair;
	ck_assert_int_eq(fata_http_server_serve(hh->server, ends[1]), 0);
	fata_promise_fulfill_owned(p, (union fata_value){ .ptr = ends[0] }, fata_flow_value_release);
	return p;
}

static struct fata_http_client *client_new(int with_connect, uint64_t max_bytes)
{
	struct fata_http_client_config c = { 0 };
	struct fata_http_client *client;

	c.host = "test.invalid";
	c.max_response_bytes = max_bytes;
	if (with_connect) {
		c.connect = connect_to_harness;
		c.connect_arg = &h;
	}
	ck_assert_int_eq(fata_http_client_new(h.loop, &c, &client), 0);
	return client;
}

static void cleanup(struct fata_http_client *client)
{
	fata_http_client_free(client);
	harness_stop(&h);
	for (int i = 0; i < extra_count; i++)
		memflow_pair_free(extra_pairs[i]);
	extra_count = 0;
}

/* Runs the loop until `p` settles; returns the response or NULL with *status set. */
static struct fata_http_client_response *wait_response(struct fata_promise *p, int *status)
{
	union fata_value v = { 0 };

	ck_assert_int_eq(fata_loop_run_until(h.loop, p, status, &v), 0);
	return *status == 0 ? v.ptr : NULL;
}

static const char *field(const struct fata_http_client_response *r, const char *name,
		char *buf, size_t cap)
{
	const struct fata_http_header *f = fata_http_header_find(r->headers, r->header_count, name);

	if (f == NULL)
		return NULL;
	snprintf(buf, cap, "%.*s", (int)f->value_len, f->value);
	return buf;
}

START_TEST(get_and_reuse)
{
	struct fata_http_client *client;
	struct fata_http_client_response *r;
	int status;

	harness_start(&h, NULL);
	client = client_new(1, 0);
	r = wait_response(fata_http_client_get(client, "/hello"), &status);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(r->status, 200);
	ck_assert_uint_eq(r->body.len, 12);
	ck_assert(memcmp(fata_view_data(r->body), "hello world\n", 12) == 0);
	fata_http_client_response_free(r);

	r = wait_response(fata_http_client_get(client, "/missing"), &status);
	ck_assert_int_eq(r->status, 404);
	fata_http_client_response_free(r);

	const struct fata_http_client_stats *s = fata_http_client_stats(client);

	ck_assert_uint_eq(s->connections_opened, 1);
	ck_assert_uint_eq(s->connections_reused, 1);
	ck_assert_uint_eq(s->responses_2xx, 1);
	ck_assert_uint_eq(s->responses_4xx, 1);
	cleanup(client);
}
END_TEST

START_TEST(head_post_and_stream)
{
	struct fata_http_client *client;
	struct fata_http_client_response *r;
	struct fata_view body;
	char v[64];
	int status;

	harness_start(&h, NULL);
	client = client_new(1, 0);

	r = wait_response(fata_http_client_head(client, "/hello"), &status);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(field(r, "content-length", v, sizeof(v)), "12");
	ck_assert_uint_eq(r->body.len, 0);
	fata_http_client_response_free(r);

	fata_buf_copy("payload", 7, 0, &body);
	r = wait_response(fata_http_client_post(client, "/echo-body", "text/plain", body), &status);
	fata_view_release(&body);
	ck_assert_int_eq(r->status, 200);
	ck_assert_uint_eq(r->body.len, strlen("7:payload:trailers=0:"));
	ck_assert(memcmp(fata_view_data(r->body), "7:payload:trailers=0:", r->body.len) == 0);
	fata_http_client_response_free(r);

	r = wait_response(fata_http_client_get(client, "/stream"), &status);
	ck_assert_int_eq(r->status, 200);
	ck_assert_uint_eq(r->body.len, 11);
	ck_assert(memcmp(fata_view_data(r->body), "part1-part2", 11) == 0);
	ck_assert_uint_eq(r->trailer_count, 1);
	ck_assert_uint_eq(r->trailers[0].value_len, 2);
	ck_assert(memcmp(r->trailers[0].value, "42", 2) == 0);
	fata_http_client_response_free(r);
	ck_assert_uint_eq(fata_http_client_stats(client)->connections_opened, 1);
	cleanup(client);
}
END_TEST

static void collect(void *arg, int status, union fata_value value)
{
	int *order = arg;
	struct fata_http_client_response *r = value.ptr;

	ck_assert_int_eq(status, 0);
	*order = r->status;
	fata_http_client_response_free(r);
}

START_TEST(queued_requests_in_order)
{
	struct fata_http_client *client;
	int statuses[3] = { 0, 0, 0 };

	harness_start(&h, NULL);
	client = client_new(1, 0);
	fata_promise_then(fata_http_client_get(client, "/hello"), collect, &statuses[0]);
	fata_promise_then(fata_http_client_get(client, "/nope"), collect, &statuses[1]);
	fata_promise_then(fata_http_client_get(client, "/close"), collect, &statuses[2]);
	fata_loop_run(h.loop, FATA_RUN_IDLE);
	ck_assert_int_eq(statuses[0], 200);
	ck_assert_int_eq(statuses[1], 404);
	ck_assert_int_eq(statuses[2], 200);
	cleanup(client);
}
END_TEST

START_TEST(reconnects_after_close)
{
	struct fata_http_client *client;
	struct fata_http_client_response *r;
	int status;

	harness_start(&h, NULL);
	client = client_new(1, 0);
	r = wait_response(fata_http_client_get(client, "/close"), &status);
	ck_assert_int_eq(r->status, 200);
	fata_http_client_response_free(r);
	r = wait_response(fata_http_client_get(client, "/hello"), &status);
	ck_assert_int_eq(r->status, 200);
	fata_http_client_response_free(r);
	ck_assert_uint_eq(fata_http_client_stats(client)->connections_opened, 2);
	cleanup(client);
}
END_TEST

START_TEST(stale_connection_retried)
{
	struct fata_http_client *client;
	struct fata_http_client_response *r;
	int status;

	harness_start(&h, NULL);
	client = client_new(1, 0);
	r = wait_response(fata_http_client_get(client, "/hello"), &status);
	fata_http_client_response_free(r);

	/* The server closes the idle connection; the client learns on its next request. */
	fata_loop_advance(h.loop, 31 * NS_PER_S);
	r = wait_response(fata_http_client_get(client, "/hello"), &status);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(r->status, 200);
	fata_http_client_response_free(r);
	ck_assert_uint_eq(fata_http_client_stats(client)->retries, 1);
	ck_assert_uint_eq(fata_http_client_stats(client)->connections_opened, 2);
	cleanup(client);
}
END_TEST

START_TEST(response_size_limit)
{
	struct fata_http_client *client;
	int status;

	harness_start(&h, NULL);
	client = client_new(1, 5);
	ck_assert_ptr_null(wait_response(fata_http_client_get(client, "/hello"), &status));
	ck_assert_int_eq(status, FATA_ELIMIT);
	ck_assert_ptr_null(wait_response(fata_http_client_get(client, "/stream"), &status));
	ck_assert_int_eq(status, FATA_ELIMIT);
	ck_assert_uint_eq(fata_http_client_stats(client)->too_large, 2);
	cleanup(client);
}
END_TEST

START_TEST(request_timeout)
{
	struct fata_http_client *client;
	struct fata_promise *p;
	int status = 0;

	harness_start(&h, NULL);
	client = client_new(1, 0);
	p = fata_http_client_get(client, "/async");
	fata_loop_run(h.loop, FATA_RUN_ONCE);
	ck_assert_ptr_nonnull(h.held);
	fata_loop_advance(h.loop, 31 * NS_PER_S);
	ck_assert_ptr_null(wait_response(p, &status));
	ck_assert_int_eq(status, FATA_ETIMEDOUT);
	ck_assert_uint_eq(fata_http_client_stats(client)->timeouts, 1);

	/* Finishing the held exchange lets the server find the connection closed. */
	harness_settle(&h);
	fata_http_exchange_send_text(h.held, 200, NULL, "late");
	h.held = NULL;
	cleanup(client);
}
END_TEST

START_TEST(invalid_requests_rejected)
{
	struct fata_http_client *client;
	struct fata_http_client_request bad_method = { .method = FATA_HTTP_CONNECT, .target = "/" };
	struct fata_http_header bad_field = { "Content-Length", 14, "5", 1 };
	struct fata_http_client_request bad_header = {
		.method = FATA_HTTP_GET, .target = "/", .headers = &bad_field, .header_count = 1,
	};
	int status;

	harness_start(&h, NULL);
	client = client_new(0, 0);
	ck_assert_ptr_null(wait_response(fata_http_client_get(client, "no-slash"), &status));
	ck_assert_int_eq(status, FATA_EINVAL);
	ck_assert_ptr_null(wait_response(fata_http_client_get(client, "/a b"), &status));
	ck_assert_int_eq(status, FATA_EINVAL);
	ck_assert_ptr_null(wait_response(fata_http_client_request(client, &bad_method), &status));
	ck_assert_int_eq(status, FATA_EINVAL);
	ck_assert_ptr_null(wait_response(fata_http_client_request(client, &bad_header), &status));
	ck_assert_int_eq(status, FATA_EINVAL);

	/* No connection and no connect function. */
	ck_assert_ptr_null(wait_response(fata_http_client_get(client, "/hello"), &status));
	ck_assert_int_eq(status, FATA_ENOTCONN);

	struct fata_http_client_config no_host = { 0 };
	struct fata_http_client *other;

	ck_assert_int_eq(fata_http_client_new(h.loop, &no_host, &other), FATA_EINVAL);
	cleanup(client);
}
END_TEST

START_TEST(free_rejects_queued)
{
	struct fata_http_client *client;
	struct fata_promise *a, *b;
	int status;

	harness_start(&h, NULL);
	client = client_new(1, 0);
	a = fata_http_client_get(client, "/async");
	b = fata_http_client_get(client, "/hello");
	fata_loop_run(h.loop, FATA_RUN_ONCE);
	fata_http_client_free(client);
	ck_assert_ptr_null(wait_response(a, &status));
	ck_assert_int_eq(status, FATA_ECLOSED);
	ck_assert_ptr_null(wait_response(b, &status));
	ck_assert_int_eq(status, FATA_ECLOSED);
	harness_settle(&h);
	fata_http_exchange_send_text(h.held, 200, NULL, "late");
	cleanup(NULL);
}
END_TEST

/*
 * A scripted server: the test writes raw responses on end 1 of a pair
 * attached to the client.
 */
struct scripted {
	struct fata_http_client *client;
	struct memflow_pair *pair;
};

static void scripted_start(struct scripted *s)
{
	struct fata_flow *ends[2];

	harness_start(&h, NULL);
	s->client = client_new(0, 0);
	s->pair = memflow_pair_new(h.loop, ends);
	ck_assert_int_eq(fata_http_client_attach(s->client, ends[0]), 0);
}

static struct fata_promise *scripted_get(struct scripted *s, const char *response, int end)
{
	struct fata_promise *p = fata_http_client_get(s->client, "/x");
	char req[512];

	harness_settle(&h);
	ck_assert_uint_gt(memflow_recv(s->pair, 1, req, sizeof(req)), 0);
	memflow_send(s->pair, 1, response, strlen(response));
	if (end)
		memflow_shutdown(s->pair, 1);
	return p;
}

static void scripted_stop(struct scripted *s)
{
	fata_http_client_free(s->client);
	harness_settle(&h);
	memflow_pair_free(s->pair);
	harness_stop(&h);
}

static const struct {
	const char *response;
	int end;
	int status;       /* expected promise status */
	int http_status;
	const char *body;
} scripted_cases[] = {
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", 0, FATA_EBADMSG, 0, NULL },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0, FATA_ENOTSUP, 0, NULL },
	{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", 0, FATA_ENOTSUP, 0, NULL },
	{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 0, 200,
		"ok" },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 1, FATA_ETRUNCATED, 0, NULL },
	{ "HTTP/1.1 200 OK\r\n\r\nuntil close", 1, 0, 200, "until close" },
	{ "HTTP/1.0 200 OK\r\n\r\nold", 1, 0, 200, "old" },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nz\r\n", 0, FATA_EBADMSG,
		0, NULL },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nX-T: 1\r\n\r\n", 0, 0,
		200, "ab" },
	{ "garbage\r\n\r\n", 0, FATA_EBADMSG, 0, NULL },
	{ "", 1, FATA_ETRUNCATED, 0, NULL },
};

START_TEST(scripted_responses)
{
	struct scripted s;
	struct fata_http_client_response *r;
	int status;

	scripted_start(&s);
	r = wait_response(scripted_get(&s, scripted_cases[_i].response, scripted_cases[_i].end),
			&status);
	ck_assert_int_eq(status, scripted_cases[_i].status);
	if (status == 0) {
		ck_assert_int_eq(r->status, scripted_cases[_i].http_status);
		ck_assert_uint_eq(r->body.len, strlen(scripted_cases[_i].body));
		ck_assert(memcmp(fata_view_data(r->body), scripted_cases[_i].body, r->body.len) == 0);
		fata_http_client_response_free(r);
	}
	scripted_stop(&s);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("http-client");
	TCase *t = tcase_create("client");

	tcase_add_test(t, get_and_reuse);
	tcase_add_test(t, head_post_and_stream);
	tcase_add_test(t, queued_requests_in_order);
	tcase_add_test(t, reconnects_after_close);
	tcase_add_test(t, stale_connection_retried);
	tcase_add_test(t, response_size_limit);
	tcase_add_test(t, request_timeout);
	tcase_add_test(t, invalid_requests_rejected);
	tcase_add_test(t, free_rejects_queued);
	tcase_add_loop_test(t, scripted_responses, 0,
			sizeof(scripted_cases) / sizeof(scripted_cases[0]));
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(client_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

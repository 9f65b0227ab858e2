/*
 * The HTTP server over an in-memory flow pair on a virtual loop: routing,
 * persistence, pipelining, bodies, 100-continue, errors, conditional and
 * range requests, streaming, timeouts, limits and aborts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/counter.h>
#include <fata/error.h>

#include "server_harness.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NS_PER_S UINT64_C(1000000000)

static struct harness h;
static struct parsed_response resp[8];

START_TEST(get_returns_body_and_fields)
{
	char v[128];

	harness_start(&h, NULL);
	harness_send(&h, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 200);
	ck_assert_str_eq(response_field(&resp[0], "Date", v, sizeof(v)),
			"Sun, 06 Nov 1994 08:49:37 GMT");
	ck_assert_str_eq(response_field(&resp[0], "Content-Length", v, sizeof(v)), "12");
	ck_assert_str_eq(response_field(&resp[0], "Content-Type", v, sizeof(v)), "text/plain");
	ck_assert_ptr_null(response_field(&resp[0], "Connection", v, sizeof(v)));
	ck_assert_uint_eq(resp[0].body_len, 12);
	ck_assert(memcmp(resp[0].body, "hello world\n", 12) == 0);
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 0);
	ck_assert_int_eq(h.accesses, 1);
	ck_assert_int_eq(h.last_access_status, 200);
	ck_assert_str_eq(h.last_request_line, "GET /hello HTTP/1.1");
	ck_assert_uint_eq(fata_http_server_stats(h.server)->requests, 1);
	ck_assert_uint_eq(fata_http_server_stats(h.server)->responses_2xx, 1);
	ck_assert_uint_eq(fata_counter_get("http_server", "responses_2xx", NULL), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(head_has_length_but_no_body)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 1, 1), 1);
	ck_assert_int_eq(resp[0].status, 200);
	ck_assert_str_eq(response_field(&resp[0], "Content-Length", v, sizeof(v)), "12");
	ck_assert_uint_eq(resp[0].body_len, 0);
	harness_stop(&h);
}
END_TEST

START_TEST(pipelined_responses_in_order)
{
	harness_start(&h, NULL);
	harness_send(&h, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
			"GET /missing HTTP/1.1\r\nHost: t\r\n\r\n"
			"POST /echo-body HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
			"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n"
			"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 5);
	ck_assert_int_eq(resp[0].status, 200);
	ck_assert_int_eq(resp[1].status, 404);
	ck_assert_int_eq(resp[2].status, 200);
	ck_assert_str_eq(resp[2].body, "3:abc:trailers=0:");
	ck_assert_int_eq(resp[3].status, 200);
	ck_assert_str_eq(resp[3].body, "part1-part2");
	ck_assert_int_eq(resp[4].status, 200);
	ck_assert_uint_eq(fata_http_server_stats(h.server)->requests, 5);
	harness_stop(&h);
}
END_TEST

START_TEST(pipelined_byte_at_a_time)
{
	static const char text[] = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
			"POST /echo-body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
			"2\r\nab\r\n1;x=y\r\nc\r\n0\r\nX-T: 7\r\n\r\n"
			"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

	harness_start(&h, NULL);
	memflow_set_read_chunk(h.pair, 1, 1);
	for (size_t i = 0; i < sizeof(text) - 1; i++) {
		memflow_send(h.pair, 0, &text[i], 1);
		harness_settle(&h);
	}
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 3);
	ck_assert_int_eq(resp[0].status, 200);
	ck_assert_str_eq(resp[1].body, "3:abc:trailers=1:7");
	ck_assert_int_eq(resp[2].status, 200);
	harness_stop(&h);
}
END_TEST

START_TEST(http10_closes_unless_keep_alive)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_str_eq(response_field(&resp[0], "Connection", v, sizeof(v)), "keep-alive");
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 0);

	harness_send(&h, "GET /hello HTTP/1.0\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_str_eq(response_field(&resp[0], "Connection", v, sizeof(v)), "close");
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 1);

	/* The server lingers until the client closes too. */
	ck_assert_int_eq(memflow_closed(h.pair, 1), 0);
	memflow_shutdown(h.pair, 0);
	harness_settle(&h);
	ck_assert_int_eq(memflow_closed(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(connection_close_honoured)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
			"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_str_eq(response_field(&resp[0], "Connection", v, sizeof(v)), "close");
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 1);

	/* The lingering close ends after two seconds without the client. */
	fata_loop_advance(h.loop, 3 * NS_PER_S);
	ck_assert_int_eq(memflow_closed(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(half_close_after_request)
{
	harness_start(&h, NULL);
	memflow_send(h.pair, 0, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", 32);
	memflow_shutdown(h.pair, 0);
	harness_settle(&h);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 200);

	/* The end of the client's stream closes the connection after the response. */
	ck_assert_int_eq(memflow_closed(h.pair, 1), 1);
	ck_assert_uint_eq(fata_http_server_stats(h.server)->connections_active, 0);
	harness_stop(&h);
}
END_TEST

START_TEST(half_close_mid_head)
{
	harness_start(&h, NULL);
	memflow_send(h.pair, 0, "GET /hello HTTP/1.1\r\nHo", 24);
	memflow_shutdown(h.pair, 0);
	harness_settle(&h);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 0);
	ck_assert_int_eq(memflow_closed(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(handler_requested_close)
{
	harness_start(&h, NULL);
	harness_send(&h, "GET /close HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_str_eq(resp[0].body, "bye");
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(no_content_drops_body)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "GET /no-content HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 2);
	ck_assert_int_eq(resp[0].status, 204);
	ck_assert_ptr_null(response_field(&resp[0], "Content-Length", v, sizeof(v)));
	ck_assert_int_eq(resp[1].status, 200);
	harness_stop(&h);
}
END_TEST

START_TEST(body_in_small_reads)
{
	harness_start(&h, NULL);
	memflow_set_read_chunk(h.pair, 1, 3);
	harness_send(&h, "POST /echo-body HTTP/1.1\r\nHost: t\r\nContent-Length: 26\r\n\r\n"
			"abcdefghijklmnopqrstuvwxyz");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_str_eq(resp[0].body, "26:abcdefghijklmnopqrstuvwxyz:trailers=0:");
	harness_stop(&h);
}
END_TEST

START_TEST(body_arrives_later)
{
	harness_start(&h, NULL);
	harness_send(&h, "POST /echo-body HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 0);
	harness_send(&h, "cd");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_str_eq(resp[0].body, "4:abcd:trailers=0:");
	harness_stop(&h);
}
END_TEST

START_TEST(expect_continue_when_body_read)
{
	harness_start(&h, NULL);
	harness_send(&h, "POST /echo-body HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
			"Expect: 100-continue\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 100);
	harness_send(&h, "hi");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_str_eq(resp[0].body, "2:hi:trailers=0:");
	ck_assert_uint_eq(fata_http_server_stats(h.server)->responses_1xx, 1);
	harness_stop(&h);
}
END_TEST

START_TEST(expect_continue_unread_closes)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "POST /ignore-body HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
			"Expect: 100-continue\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 200);
	ck_assert_str_eq(response_field(&resp[0], "Connection", v, sizeof(v)), "close");
	harness_stop(&h);
}
END_TEST

START_TEST(unread_body_drained)
{
	harness_start(&h, NULL);
	harness_send(&h, "POST /ignore-body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n12345"
			"POST /ignore-body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
			"3\r\nabc\r\n0\r\n\r\n"
			"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 3);
	ck_assert_str_eq(resp[0].body, "ignored");
	ck_assert_str_eq(resp[1].body, "ignored");
	ck_assert_int_eq(resp[2].status, 200);
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 0);
	harness_stop(&h);
}
END_TEST

START_TEST(large_unread_body_closes)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "POST /ignore-body HTTP/1.1\r\nHost: t\r\nContent-Length: 900000\r\n\r\nxx");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_str_eq(response_field(&resp[0], "Connection", v, sizeof(v)), "close");
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

static const struct {
	const char *request;
	int status;
	enum fata_http_error_kind kind;
} malformed[] = {
	{ "GET / HTTP/1.1\nHost: t\r\n\r\n", 400, FATA_HTTP_ERR_BARE_LF },
	{ "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		400, FATA_HTTP_ERR_CL_AND_TE },
	{ "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1, 1\r\n\r\n", 400,
		FATA_HTTP_ERR_CONTENT_LENGTH },
	{ "GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
		FATA_HTTP_ERR_UNKNOWN_CODING },
	{ "GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 400,
		FATA_HTTP_ERR_TRANSFER_ENCODING },
	{ "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, FATA_HTTP_ERR_VERSION },
	{ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 411,
		FATA_HTTP_ERR_LENGTH_REQUIRED },
	{ "GET / HTTP/1.1\r\n\r\n", 400, FATA_HTTP_ERR_HOST },
	{ "GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400, FATA_HTTP_ERR_SPACE_BEFORE_COLON },
	{ "GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400, FATA_HTTP_ERR_OBS_FOLD },
	{ "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
		"HTTP/1.1\r\nHost: t\r\n\r\n", 414, FATA_HTTP_ERR_URI_TOO_LONG },
	{ "GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", 431,
		FATA_HTTP_ERR_FIELDS_TOO_LARGE },
	{ "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n", 413,
		FATA_HTTP_ERR_BODY_TOO_LARGE },
};

START_TEST(malformed_request_statuses)
{
	struct fata_http_server_config c = { 0 };
	char v[64];

	c.limits.max_start_line = 64;
	c.limits.max_fields = 5;
	c.max_body_bytes = 1000;
	harness_start(&h, &c);
	harness_send(&h, malformed[_i].request);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, malformed[_i].status);
	ck_assert_str_eq(response_field(&resp[0], "Connection", v, sizeof(v)), "close");
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 1);
	ck_assert_uint_eq(fata_http_server_stats(h.server)->parse_errors[malformed[_i].kind], 1);
	ck_assert_int_eq(h.last_access_status, malformed[_i].status);
	harness_stop(&h);
}
END_TEST

START_TEST(chunked_body_over_limit)
{
	struct fata_http_server_config c = { .max_body_bytes = 4 };

	harness_start(&h, &c);
	harness_send(&h, "POST /body-limit HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
			"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 413);
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(malformed_chunked_body)
{
	harness_start(&h, NULL);
	harness_send(&h, "POST /echo-body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
			"3 \r\nabc\r\n0\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 400);
	ck_assert_str_eq(resp[0].body, "FATA_EBADMSG");
	ck_assert_uint_eq(fata_http_server_stats(h.server)->parse_errors[FATA_HTTP_ERR_CHUNK_EXT], 1);
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

static const struct {
	const char *fields;
	int status;
	const char *body;
	const char *content_range;
} conditional[] = {
	{ "", 200, "0123456789", NULL },
	{ "If-None-Match: \"v1\"\r\n", 304, "", NULL },
	{ "If-None-Match: W/\"v1\"\r\n", 304, "", NULL },
	{ "If-None-Match: \"v0\"\r\n", 200, "0123456789", NULL },
	{ "If-Modified-Since: Sat, 05 Nov 1994 08:49:37 GMT\r\n", 304, "", NULL },
	{ "If-Modified-Since: Sat, 05 Nov 1994 08:49:36 GMT\r\n", 200, "0123456789", NULL },
	{ "If-None-Match: \"v0\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 200,
		"0123456789", NULL },
	{ "If-Match: \"v9\"\r\n", 412, "", NULL },
	{ "Range: bytes=2-4\r\n", 206, "234", "bytes 2-4/10" },
	{ "Range: bytes=-3\r\n", 206, "789", "bytes 7-9/10" },
	{ "Range: bytes=8-\r\n", 206, "89", "bytes 8-9/10" },
	{ "Range: bytes=10-\r\n", 416, "", "bytes */10" },
	{ "Range: bytes=0-1,4-5\r\n", 200, "0123456789", NULL },
	{ "Range: bytes=5-1\r\n", 200, "0123456789", NULL },
	{ "Range: bytes=2-4\r\nIf-Range: \"v1\"\r\n", 206, "234", "bytes 2-4/10" },
	{ "Range: bytes=2-4\r\nIf-Range: \"v0\"\r\n", 200, "0123456789", NULL },
	{ "Range: bytes=2-4\r\nIf-Range: Sat, 05 Nov 1994 08:49:37 GMT\r\n", 206, "234",
		"bytes 2-4/10" },
	{ "Range: bytes=2-4\r\nIf-None-Match: \"v1\"\r\n", 304, "", NULL },
};

START_TEST(conditional_and_range)
{
	char request[512];
	char v[64];

	harness_start(&h, NULL);
	snprintf(request, sizeof(request), "GET /validators HTTP/1.1\r\nHost: t\r\n%s\r\n",
			conditional[_i].fields);
	harness_send(&h, request);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, conditional[_i].status);
	ck_assert_uint_eq(resp[0].body_len, strlen(conditional[_i].body));
	ck_assert(memcmp(resp[0].body, conditional[_i].body, resp[0].body_len) == 0);
	ck_assert_str_eq(response_field(&resp[0], "ETag", v, sizeof(v)), "\"v1\"");
	ck_assert_str_eq(response_field(&resp[0], "Last-Modified", v, sizeof(v)),
			"Sat, 05 Nov 1994 08:49:37 GMT");
	if (conditional[_i].content_range != NULL)
		ck_assert_str_eq(response_field(&resp[0], "Content-Range", v, sizeof(v)),
				conditional[_i].content_range);
	else
		ck_assert_ptr_null(response_field(&resp[0], "Content-Range", v, sizeof(v)));
	if (resp[0].status == 304)
		ck_assert_ptr_null(response_field(&resp[0], "Content-Length", v, sizeof(v)));
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 0);
	harness_stop(&h);
}
END_TEST

START_TEST(range_ignored_for_head)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "HEAD /validators HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 1), 1);
	ck_assert_int_eq(resp[0].status, 200);
	ck_assert_str_eq(response_field(&resp[0], "Content-Length", v, sizeof(v)), "10");
	ck_assert_str_eq(response_field(&resp[0], "Accept-Ranges", v, sizeof(v)), "bytes");
	harness_stop(&h);
}
END_TEST

START_TEST(stream_chunked_with_trailer)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].chunked, 1);
	ck_assert_str_eq(response_field(&resp[0], "Transfer-Encoding", v, sizeof(v)), "chunked");
	ck_assert_str_eq(resp[0].body, "part1-part2");
	ck_assert_str_eq(resp[0].trailers, "X-Checksum: 42\r\n");
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 0);
	harness_stop(&h);
}
END_TEST

START_TEST(stream_http10_until_close)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_ptr_null(response_field(&resp[0], "Transfer-Encoding", v, sizeof(v)));
	ck_assert_str_eq(response_field(&resp[0], "Connection", v, sizeof(v)), "close");
	ck_assert_str_eq(resp[0].body, "part1-part2");
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(stream_with_length)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "GET /stream-length HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 2);
	ck_assert_str_eq(response_field(&resp[0], "Content-Length", v, sizeof(v)), "11");
	ck_assert_str_eq(resp[0].body, "hello world");
	ck_assert_int_eq(resp[1].status, 200);
	harness_stop(&h);
}
END_TEST

START_TEST(stream_head_sends_no_body)
{
	char v[64];

	harness_start(&h, NULL);
	harness_send(&h, "HEAD /stream-length HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 1, 1), 1);
	ck_assert_str_eq(response_field(&resp[0], "Content-Length", v, sizeof(v)), "11");
	harness_stop(&h);
}
END_TEST

START_TEST(header_timeout_sends_408)
{
	harness_start(&h, NULL);
	harness_send(&h, "GET /hello HTTP/1.1\r\nHost: t\r\n");

	/* Trickling bytes does not extend the deadline. */
	fata_loop_advance(h.loop, 5 * NS_PER_S);
	harness_send(&h, "X-A: 1\r\n");
	fata_loop_advance(h.loop, 5 * NS_PER_S + 1);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 408);
	ck_assert_uint_eq(fata_http_server_stats(h.server)->header_timeouts, 1);
	ck_assert_int_eq(memflow_write_ended(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(idle_timeout_closes)
{
	harness_start(&h, NULL);
	harness_send(&h, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	fata_loop_advance(h.loop, 29 * NS_PER_S);
	ck_assert_int_eq(memflow_closed(h.pair, 1), 0);
	fata_loop_advance(h.loop, 2 * NS_PER_S);
	ck_assert_int_eq(memflow_closed(h.pair, 1), 1);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 0);
	ck_assert_uint_eq(fata_http_server_stats(h.server)->idle_timeouts, 1);
	ck_assert_uint_eq(fata_http_server_stats(h.server)->connections_active, 0);
	harness_stop(&h);
}
END_TEST

START_TEST(body_timeout_fails_read)
{
	harness_start(&h, NULL);
	harness_send(&h, "POST /echo-body HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
	fata_loop_advance(h.loop, 31 * NS_PER_S);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 400);
	ck_assert_str_eq(resp[0].body, "FATA_ETIMEDOUT");
	ck_assert_uint_eq(fata_http_server_stats(h.server)->body_timeouts, 1);
	harness_stop(&h);
}
END_TEST

START_TEST(write_stall_times_out)
{
	harness_start(&h, NULL);
	memflow_set_write_stall(h.pair, 1, 1);
	harness_send(&h, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	fata_loop_advance(h.loop, 31 * NS_PER_S);
	ck_assert_uint_eq(fata_http_server_stats(h.server)->write_timeouts, 1);
	ck_assert_int_eq(memflow_closed(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(connection_limit_sends_503)
{
	struct fata_http_server_config c = { .max_connections = 1 };
	struct memflow_pair *first;
	char v[64];

	harness_start(&h, &c);
	first = h.pair;
	harness_connect(&h);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 503);
	ck_assert_str_eq(response_field(&resp[0], "Connection", v, sizeof(v)), "close");
	ck_assert_uint_eq(fata_http_server_stats(h.server)->connections_rejected, 1);

	/* The first connection still works. */
	memflow_send(first, 0, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", 32);
	harness_settle(&h);

	static char buf[4096];
	size_t n = memflow_recv(first, 0, buf, sizeof(buf));

	ck_assert_int_eq(parse_responses(buf, n, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 200);
	harness_stop(&h);
	memflow_pair_free(first);
}
END_TEST

START_TEST(async_handler_responds_later)
{
	harness_start(&h, NULL);
	harness_send(&h, "GET /async HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_ptr_nonnull(h.held);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 0);

	/* The held request stays readable while the handler waits. */
	const struct fata_http_request *r = fata_http_exchange_request(h.held);

	ck_assert_uint_eq(r->target_len, 6);
	ck_assert_int_eq(fata_http_exchange_send_text(h.held, 202, NULL, "later"), 0);
	h.held = NULL;
	harness_settle(&h);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 2);
	ck_assert_int_eq(resp[0].status, 202);
	ck_assert_int_eq(resp[1].status, 200);
	harness_stop(&h);
}
END_TEST

START_TEST(abort_while_handler_holds)
{
	harness_start(&h, NULL);
	harness_send(&h, "GET /async HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_ptr_nonnull(h.held);

	/* The client goes away; the server notices on its next read. */
	memflow_shutdown(h.pair, 0);
	harness_settle(&h);
	ck_assert_int_eq(h.aborts, 0);

	fata_http_server_free(h.server);
	h.server = NULL;
	ck_assert_int_eq(h.aborts, 1);
	ck_assert_int_eq(fata_http_exchange_aborted(h.held), 1);

	const struct fata_http_request *r = fata_http_exchange_request(h.held);

	ck_assert(memcmp(r->target, "/async", 6) == 0);
	ck_assert_int_eq(fata_http_exchange_send_text(h.held, 200, NULL, "x"), FATA_ECONNABORTED);
	harness_settle(&h);
	memflow_pair_free(h.pair);
	fata_loop_free(h.loop);
}
END_TEST

START_TEST(misuse_rejected)
{
	harness_start(&h, NULL);
	harness_send(&h, "GET /async HTTP/1.1\r\nHost: t\r\n\r\n");

	struct fata_http_exchange *ex = h.held;

	ck_assert_int_eq(fata_http_exchange_add_header(ex, "Content-Length", "5"), FATA_EINVAL);
	ck_assert_int_eq(fata_http_exchange_add_header(ex, "Bad Name", "5"), FATA_EINVAL);
	ck_assert_int_eq(fata_http_exchange_add_header(ex, "X-V", "a\r\nb"), FATA_EINVAL);
	ck_assert_int_eq(fata_http_exchange_set_validators(ex, "no-quotes", 0, 0), FATA_EINVAL);
	ck_assert_int_eq(fata_http_exchange_send_text(ex, 99, NULL, "x"), FATA_EINVAL);
	ck_assert_int_eq(fata_http_exchange_send_text(ex, 600, NULL, "x"), FATA_EINVAL);

	struct fata_promise *p = fata_http_exchange_stream_write(ex, (struct fata_view){ 0 });
	int status;

	ck_assert_int_eq(fata_loop_run_until(h.loop, p, &status, NULL), 0);
	ck_assert_int_eq(status, FATA_ESTATE);

	ck_assert_int_eq(fata_http_exchange_stream_begin(ex, 200, 3), 0);
	ck_assert_int_eq(fata_http_exchange_stream_begin(ex, 200, 3), FATA_ESTATE);
	ck_assert_int_eq(fata_http_exchange_add_header(ex, "X-Late", "1"), FATA_ESTATE);

	struct fata_view big;

	fata_buf_copy("abcd", 4, 0, &big);
	p = fata_http_exchange_stream_write(ex, big);
	fata_view_release(&big);
	ck_assert_int_eq(fata_loop_run_until(h.loop, p, &status, NULL), 0);
	ck_assert_int_eq(status, FATA_ERANGE);

	/* Ending short of the declared length breaks the framing: the connection closes. */
	p = fata_http_exchange_stream_end(ex);
	h.held = NULL;
	ck_assert_int_eq(fata_loop_run_until(h.loop, p, &status, NULL), 0);
	ck_assert_int_eq(status, FATA_ERANGE);
	ck_assert_int_eq(memflow_closed(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(shutdown_waits_for_busy)
{
	struct fata_promise *p;
	int status = 1;

	harness_start(&h, NULL);
	harness_send(&h, "GET /async HTTP/1.1\r\nHost: t\r\n\r\n");
	p = fata_http_server_shutdown(h.server);
	ck_assert_ptr_nonnull(p);
	harness_settle(&h);
	ck_assert_int_eq(fata_promise_state(p), FATA_PROMISE_PENDING);
	fata_http_exchange_send_text(h.held, 200, NULL, "done");
	h.held = NULL;
	memflow_shutdown(h.pair, 0);
	ck_assert_int_eq(fata_loop_run_until(h.loop, p, &status, NULL), 0);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(harness_responses(&h, resp, 8, 0), 1);
	ck_assert_int_eq(resp[0].status, 200);
	ck_assert_int_eq(memflow_closed(h.pair, 1), 1);
	harness_stop(&h);
}
END_TEST

START_TEST(shutdown_closes_idle)
{
	struct fata_promise *p;
	int status = 1;

	harness_start(&h, NULL);
	p = fata_http_server_shutdown(h.server);
	ck_assert_int_eq(fata_loop_run_until(h.loop, p, &status, NULL), 0);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(memflow_closed(h.pair, 1), 1);
	ck_assert_int_eq(fata_loop_run_until(h.loop, fata_http_server_shutdown(h.server), &status,
			NULL), 0);
	ck_assert_int_eq(status, FATA_ESTATE);

	/* A connection handed over after shutdown is closed at once. */
	struct fata_flow *ends[2];
	struct memflow_pair *late = memflow_pair_new(h.loop, ends);

	ck_assert_int_eq(fata_http_server_serve(h.server, ends[1]), FATA_ESTATE);
	ck_assert_int_eq(memflow_closed(late, 1), 1);
	harness_stop(&h);
	memflow_pair_free(late);
}
END_TEST

static Suite *server_suite(void)
{
	Suite *s = suite_create("http-server");
	TCase *t = tcase_create("exchange");

	tcase_add_test(t, get_returns_body_and_fields);
	tcase_add_test(t, head_has_length_but_no_body);
	tcase_add_test(t, pipelined_responses_in_order);
	tcase_add_test(t, pipelined_byte_at_a_time);
	tcase_add_test(t, http10_closes_unless_keep_alive);
	tcase_add_test(t, connection_close_honoured);
	tcase_add_test(t, half_close_after_request);
	tcase_add_test(t, half_close_mid_head);
	tcase_add_test(t, handler_requested_close);
	tcase_add_test(t, no_content_drops_body);
	tcase_add_test(t, body_in_small_reads);
	tcase_add_test(t, body_arrives_later);
	tcase_add_test(t, expect_continue_when_body_read);
	tcase_add_test(t, expect_continue_unread_closes);
	tcase_add_test(t, unread_body_drained);
	tcase_add_test(t, large_unread_body_closes);
	tcase_add_loop_test(t, malformed_request_statuses, 0, N(malformed));
	tcase_add_test(t, chunked_body_over_limit);
	tcase_add_test(t, malformed_chunked_body);
	tcase_add_loop_test(t, conditional_and_range, 0, N(conditional));
	tcase_add_test(t, range_ignored_for_head);
	tcase_add_test(t, stream_chunked_with_trailer);
	tcase_add_test(t, stream_http10_until_close);
	tcase_add_test(t, stream_with_length);
	tcase_add_test(t, stream_head_sends_no_body);
	suite_add_tcase(s, t);

	t = tcase_create("lifecycle");
	tcase_add_test(t, header_timeout_sends_408);
	tcase_add_test(t, idle_timeout_closes);
	tcase_add_test(t, body_timeout_fails_read);
	tcase_add_test(t, write_stall_times_out);
	tcase_add_test(t, connection_limit_sends_503);
	tcase_add_test(t, async_handler_responds_later);
	tcase_add_test(t, abort_while_handler_holds);
	tcase_add_test(t, misuse_rejected);
	tcase_add_test(t, shutdown_waits_for_busy);
	tcase_add_test(t, shutdown_closes_idle);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(server_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

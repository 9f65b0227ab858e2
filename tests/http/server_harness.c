/*
 * The test server and its routes; see server_harness.h.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fata/error.h>

#include "server_harness.h"

static int64_t fixed_wall_clock(void *arg)
{
	(void)arg;
	return HARNESS_WALL_SECONDS * INT64_C(1000000000);
}

static void on_access(void *arg, const struct fata_http_access *a)
{
	struct harness *h = arg;

	h->accesses++;
	h->last_access_status = a->status;
	snprintf(h->last_request_line, sizeof(h->last_request_line), "%.*s",
			a->request_line ? (int)a->request_line_len : 1,
			a->request_line ? a->request_line : "-");
}

void harness_start(struct harness *h, const struct fata_http_server_config *config)
{
	struct fata_http_server_config c = { 0 };

	memset(h, 0, sizeof(*h));
	if (config != NULL)
		c = *config;
	c.handler = harness_handler;
	c.handler_arg = h;
	c.wall_clock_ns = fixed_wall_clock;
	c.on_access = on_access;
	c.access_arg = h;
	h->loop = fata_loop_new_virtual(1000000000);
	ck_assert_ptr_nonnull(h->loop);
	ck_assert_int_eq(fata_http_server_new(h->loop, &c, &h->server), 0);
	harness_connect(h);
}

void harness_connect(struct harness *h)
{
	h->pair = memflow_pair_new(h->loop, h->ends);
	ck_assert_int_eq(fata_http_server_serve(h->server, h->ends[1]), 0);
	harness_settle(h);
}

void harness_settle(struct harness *h)
{
	for (int i = 0; i < 100; i++)
		fata_loop_run(h->loop, FATA_RUN_ONCE);
}

void harness_send(struct harness *h, const char *text)
{
	memflow_send(h->pair, 0, text, strlen(text));
	harness_settle(h);
}

void harness_stop(struct harness *h)
{
	fata_http_server_free(h->server);
	harness_settle(h);
	memflow_pair_free(h->pair);
	fata_loop_free(h->loop);
}

/*
 * Routes.
 */

/* Reads a whole request body, then responds with its length and text. */
struct body_reader {
	struct fata_http_exchange *ex;
	char data[65536];
	size_t len;
};

static void read_next(struct body_reader *r);

static void on_body(void *arg, int status, union fata_value value)
{
	struct body_reader *r = arg;
	char text[70000];

	if (status == FATA_ELIMIT) {
		fata_http_exchange_send_text(r->ex, 413, "text/plain", "too large\n");
		free(r);
		return;
	}
	if (status < 0) {
		fata_http_exchange_send_text(r->ex, 400, "text/plain", fata_error_name(status));
		free(r);
		return;
	}
	if (value.view.len > 0) {
		memcpy(r->data + r->len, fata_view_data(value.view), value.view.len);
		r->len += value.view.len;
		fata_view_release(&value.view);
		read_next(r);
		return;
	}

	size_t count;
	const struct fata_http_header *t = fata_http_exchange_trailers(r->ex, &count);

	snprintf(text, sizeof(text), "%zu:%.*s:trailers=%zu:%.*s", r->len, (int)r->len, r->data,
			count, t ? (int)t[0].value_len : 0, t ? t[0].value : "");
	fata_http_exchange_send_text(r->ex, 200, "text/plain", text);
	free(r);
}

static void read_next(struct body_reader *r)
{
	struct fata_promise *p = fata_http_exchange_read_body(r->ex);

	ck_assert_ptr_nonnull(p);
	fata_promise_then(p, on_body, r);
}

/* Streams two parts and a trailer; the second part follows the first's promise. */
struct streamer {
	struct fata_http_exchange *ex;
	int step;
	const char *parts[2];
};

static void stream_step(void *arg, int status, union fata_value value)
{
	struct streamer *s = arg;
	struct fata_view v;

	(void)value;
	ck_assert_int_eq(status, 0);
	if (s->step == 2) {
		fata_http_exchange_add_trailer(s->ex, "X-Checksum", "42");
		fata_promise_then(fata_http_exchange_stream_end(s->ex), stream_step, s);
		s->step++;
		return;
	}
	if (s->step == 3) {
		free(s);
		return;
	}
	ck_assert_int_eq(fata_buf_copy(s->parts[s->step], strlen(s->parts[s->step]), 0, &v), 0);
	s->step++;
	fata_promise_then(fata_http_exchange_stream_write(s->ex, v), stream_step, s);
	fata_view_release(&v);
}

static void start_stream(struct fata_http_exchange *ex, int64_t length, const char *a,
		const char *b)
{
	struct streamer *s = calloc(1, sizeof(*s));

	s->ex = ex;
	s->parts[0] = a;
	s->parts[1] = b;
	ck_assert_int_eq(fata_http_exchange_add_header(ex, "Content-Type", "text/plain"), 0);
	ck_assert_int_eq(fata_http_exchange_stream_begin(ex, 200, length), 0);
	stream_step(s, 0, (union fata_value){ .u64 = 0 });
}

static void on_abort(void *arg, struct fata_http_exchange *ex, int error)
{
	struct harness *h = arg;

	(void)ex;
	(void)error;
	h->aborts++;
}

static int target_is(const struct fata_http_request *r, const char *path)
{
	return r->target_len == strlen(path) && memcmp(r->target, path, r->target_len) == 0;
}

void harness_handler(void *arg, struct fata_http_exchange *ex)
{
	struct harness *h = arg;
	const struct fata_http_request *r = fata_http_exchange_request(ex);

	if (target_is(r, "/hello")) {
		fata_http_exchange_send_text(ex, 200, "text/plain", "hello world\n");
	} else if (target_is(r, "/echo-body") || target_is(r, "/body-limit")) {
		struct body_reader *reader = calloc(1, sizeof(*reader));

		reader->ex = ex;
		read_next(reader);
	} else if (target_is(r, "/ignore-body")) {
		fata_http_exchange_send_text(ex, 200, "text/plain", "ignored");
	} else if (target_is(r, "/validators")) {
		ck_assert_int_eq(fata_http_exchange_set_validators(ex, "\"v1\"", HARNESS_LAST_MODIFIED, 1), 0);
		fata_http_exchange_send_text(ex, 200, "text/plain", "0123456789");
	} else if (target_is(r, "/stream")) {
		start_stream(ex, -1, "part1-", "part2");
	} else if (target_is(r, "/stream-length")) {
		start_stream(ex, 11, "hello", " world");
	} else if (target_is(r, "/async")) {
		h->held = ex;
		fata_http_exchange_on_abort(ex, on_abort, h);
	} else if (target_is(r, "/close")) {
		fata_http_exchange_set_close(ex);
		fata_http_exchange_send_text(ex, 200, NULL, "bye");
	} else if (target_is(r, "/no-content")) {
		struct fata_view v;

		fata_buf_copy("ignored", 7, 0, &v);
		fata_http_exchange_send(ex, 204, v);
	} else {
		fata_http_exchange_send_text(ex, 404, "text/plain", "not found\n");
	}
}

/*
 * Response parsing.
 */

int parse_responses(const char *buf, size_t len, struct parsed_response *out, int max,
		int head_method)
{
	size_t pos = 0;
	int count = 0;

	while (count < max && pos < len) {
		struct fata_http_parser p;
		struct fata_http_response r;
		struct parsed_response *o = &out[count];
		uint8_t *copy = malloc(len - pos);
		int rc;

		memcpy(copy, buf + pos, len - pos);
		fata_http_parser_init_response(&p, NULL, head_method ? FATA_HTTP_HEAD : FATA_HTTP_GET);
		rc = fata_http_parse_response(&p, copy, len - pos, &r);
		if (rc <= 0) {
			free(copy);
			break;
		}
		memset(o, 0, sizeof(*o));
		o->status = r.status;
		snprintf(o->head, sizeof(o->head), "%.*s", rc, buf + pos);
		pos += (size_t)rc;
		if (r.status < 200) {
			free(copy);
			count++;
			continue;
		}
		if (r.body_kind == FATA_HTTP_BODY_LENGTH) {
			if (len - pos < r.content_length) {
				free(copy);
				break;
			}
			memcpy(o->body, buf + pos, r.content_length);
			o->body_len = r.content_length;
			pos += r.content_length;
		} else if (r.body_kind == FATA_HTTP_BODY_CHUNKED) {
			struct fata_http_chunked d;
			struct fata_http_chunked_out co;

			o->chunked = 1;
			fata_http_chunked_init(&d, 0, 0);
			do {
				if (fata_http_chunked_decode(&d, (const uint8_t *)buf + pos, len - pos, &co) < 0)
					break;
				if (co.data_len > 0)
					memcpy(o->body + o->body_len, co.data, co.data_len);
				o->body_len += co.data_len;
				pos += co.consumed;
				if (co.done && co.trailers)
					snprintf(o->trailers, sizeof(o->trailers), "%.*s", (int)co.trailers_len,
							(const char *)co.trailers);
			} while (!co.done && co.consumed > 0);
			if (!co.done) {
				free(copy);
				break;
			}
		} else if (r.body_kind == FATA_HTTP_BODY_UNTIL_CLOSE) {
			memcpy(o->body, buf + pos, len - pos);
			o->body_len = len - pos;
			pos = len;
		}
		free(copy);
		count++;
	}
	return count;
}

int harness_responses(struct harness *h, struct parsed_response *out, int max, int head_method)
{
	static char buf[1 << 20];
	size_t n = memflow_recv(h->pair, 0, buf, sizeof(buf));

	return parse_responses(buf, n, out, max, head_method);
}

const char *response_field(const struct parsed_response *r, const char *name, char *out,
		size_t cap)
{
	size_t name_len = strlen(name);
	const char *line = strstr(r->head, "\r\n");

	while (line != NULL && line[2] != '\r') {
		line += 2;
		if (strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
			const char *v = line + name_len + 1;
			const char *end = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(out, cap, "%.*s", (int)(end - v), v);
			return out;
		}
		line = strstr(line, "\r\n");
	}
	return NULL;
}

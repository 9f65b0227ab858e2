/*
 * The client object: configuration, serializing requests into the queue,
 * responses, counters and free. The connection work is in client_conn.c.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/fmt.h>

#include "client_internal.h"
#include "http_internal.h"

#define NS_PER_S UINT64_C(1000000000)

static const char *const counter_names[] = {
	"requests", "responses_1xx", "responses_2xx", "responses_3xx", "responses_4xx",
	"responses_5xx", "connections_opened", "connections_reused", "retries", "parse_errors",
	"timeouts", "too_large", "bytes_received", "bytes_sent",
};

_Static_assert(sizeof(counter_names) / sizeof(counter_names[0])
		== sizeof(struct fata_http_client_stats) / sizeof(uint64_t),
		"one counter name per field of struct fata_http_client_stats");

int fata_http_client_new(struct fata_loop *loop, const struct fata_http_client_config *config,
		struct fata_http_client **out)
{
	struct fata_http_client *c;

	*out = NULL;
	if (loop == NULL || config == NULL || config->host == NULL
			|| !fata_http_is_field_value(config->host, strlen(config->host)))
		return FATA_EINVAL;
	c = fata_calloc(1, sizeof(*c));
	if (c == NULL)
		return FATA_ENOMEM;
	c->loop = loop;
	c->config = *config;
	if (c->config.max_response_bytes == 0)
		c->config.max_response_bytes = 16 * 1024 * 1024;
	if (c->config.timeout_ns == 0)
		c->config.timeout_ns = 30 * NS_PER_S;
	if (c->config.user_agent == NULL)
		c->config.user_agent = "fata-http";
	if (c->config.limits.max_head_bytes == 0)
		c->config.limits.max_head_bytes = 16384;

	http_client_init_timer(c);
	c->counters.name = "http_client";
	c->counters.names = counter_names;
	c->counters.values = (const uint64_t *)&c->stats;
	c->counters.count = sizeof(counter_names) / sizeof(counter_names[0]);
	fata_counters_register(&c->counters);
	*out = c;
	return 0;
}

const struct fata_http_client_stats *fata_http_client_stats(const struct fata_http_client *client)
{
	return &client->stats;
}

int fata_http_client_attach(struct fata_http_client *client, struct fata_flow *flow)
{
	if (client->flow != NULL || client->phase == PHASE_CONNECTING) {
		http_flow_close(flow);
		return FATA_EBUSY;
	}
	client->flow = flow;
	client->flow_uses = 0;
	http_client_start_next(client);
	return 0;
}

void http_client_req_free(struct client_req *req)
{
	fata_view_release(&req->head);
	fata_view_release(&req->body);
	fata_free(req);
}

/* Removes a queued (not active) request, for its promise's cancel hook. */
static void unlink_queued(struct fata_http_client *c, struct client_req *req)
{
	struct client_req **link = &c->queue;
	struct client_req *prev = NULL;

	while (*link != NULL && *link != req) {
		prev = *link;
		link = &(*link)->next;
	}
	if (*link == NULL)
		return;
	*link = req->next;
	if (c->queue_tail == req)
		c->queue_tail = prev;
}

static void on_request_cancel(void *ctx, struct fata_promise *promise)
{
	struct client_req *req = ctx;
	struct fata_http_client *c = req->client;

	(void)promise;
	if (c->active == req) {
		/* The request may be half on the wire: the connection cannot be reused. */
		c->active = NULL;
		http_client_drop_connection(c);
		http_client_req_free(req);
		http_client_start_next(c);
		return;
	}
	unlink_queued(c, req);
	http_client_req_free(req);
}

/* Fields the client writes itself. */
static int reserved_name(const char *name, size_t len)
{
	return http_equal_nocase(name, len, "host") || http_equal_nocase(name, len, "content-length")
			|| http_equal_nocase(name, len, "transfer-encoding");
}

static int target_valid(const char *t)
{
	size_t len = strlen(t);

	if (len == 0 || (t[0] != '/' && !(len == 1 && t[0] == '*')))
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!(http_char_class[(uint8_t)t[i]] & HTTP_CHAR_TARGET))
			return 0;
	}
	return 1;
}

/* Checks the request and writes its head into a new owned view. */
static int serialize(const struct fata_http_client *c, const struct fata_http_client_request *r,
		struct client_req *req)
{
	const char *method = fata_http_method_name(r->method);
	size_t cap = 256 + strlen(r->target) + strlen(c->config.host) + strlen(c->config.user_agent);
	int needs_length = r->body.len > 0 || r->method == FATA_HTTP_POST
			|| r->method == FATA_HTTP_PUT || r->method == FATA_HTTP_PATCH;

	if (r->method == FATA_HTTP_OTHER || r->method == FATA_HTTP_CONNECT || !target_valid(r->target))
		return FATA_EINVAL;
	for (size_t i = 0; i < r->header_count; i++) {
		const struct fata_http_header *h = &r->headers[i];

		if (!fata_http_is_token(h->name, h->name_len) || reserved_name(h->name, h->name_len)
				|| !fata_http_is_field_value(h->value, h->value_len))
			return FATA_EINVAL;
		cap += h->name_len + h->value_len + 4;
	}
	req->wants_close = fata_http_header_has_token(r->headers, r->header_count, "connection",
			"close");
	if (fata_buf_alloc(0, cap, &req->head) != 0)
		return FATA_ENOMEM;

	char *p = (char *)fata_view_data(req->head);
	size_t n = (size_t)fata_snprintf(p, cap, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n",
			method, r->target, c->config.host, c->config.user_agent);

	for (size_t i = 0; i < r->header_count; i++) {
		const struct fata_http_header *h = &r->headers[i];

		n += (size_t)fata_snprintf(p + n, cap - n, "%.*s: %.*s\r\n", (int)h->name_len, h->name,
				(int)h->value_len, h->value);
	}
	if (needs_length)
		n += (size_t)fata_snprintf(p + n, cap - n, "Content-Length: %u\r\n", (unsigned)r->body.len);
	n += (size_t)fata_snprintf(p + n, cap - n, "\r\n");
	return fata_view_trim(&req->head, n);
}

struct fata_promise *fata_http_client_request(struct fata_http_client *client,
		const struct fata_http_client_request *request)
{
	struct client_req *req = fata_calloc(1, sizeof(*req));
	int rc;

	if (req == NULL)
		return NULL;
	rc = serialize(client, request, req);
	if (rc != 0) {
		http_client_req_free(req);
		return fata_promise_rejected(client->loop, "http.client.request", rc);
	}
	req->promise = fata_promise_new(client->loop, "http.client.request");
	if (req->promise == NULL) {
		http_client_req_free(req);
		return NULL;
	}
	req->client = client;
	req->method = request->method;
	if (request->body.len > 0)
		req->body = fata_view_ref(request->body);
	fata_promise_on_cancel(req->promise, on_request_cancel, req);

	if (client->queue_tail != NULL)
		client->queue_tail->next = req;
	else
		client->queue = req;
	client->queue_tail = req;
	client->stats.requests++;

	struct fata_promise *p = req->promise;

	http_client_start_next(client);
	return p;
}

struct fata_promise *fata_http_client_get(struct fata_http_client *client, const char *target)
{
	struct fata_http_client_request r = { .method = FATA_HTTP_GET, .target = target };

	return fata_http_client_request(client, &r);
}

struct fata_promise *fata_http_client_head(struct fata_http_client *client, const char *target)
{
	struct fata_http_client_request r = { .method = FATA_HTTP_HEAD, .target = target };

	return fata_http_client_request(client, &r);
}

struct fata_promise *fata_http_client_post(struct fata_http_client *client, const char *target,
		const char *content_type, struct fata_view body)
{
	struct fata_http_header h = { "Content-Type", 12, content_type, 0 };
	struct fata_http_client_request r = {
		.method = FATA_HTTP_POST, .target = target, .body = body,
	};

	if (content_type != NULL) {
		h.value_len = strlen(content_type);
		r.headers = &h;
		r.header_count = 1;
	}
	return fata_http_client_request(client, &r);
}

void fata_http_client_response_free(struct fata_http_client_response *response)
{
	if (response == NULL)
		return;
	fata_view_release(&response->body);
	fata_free(response->storage);
	fata_free(response);
}

void fata_http_client_response_release(union fata_value *value)
{
	fata_http_client_response_free(value->ptr);
	value->ptr = NULL;
}

void fata_http_client_free(struct fata_http_client *client)
{
	if (client == NULL)
		return;

	struct client_req *active = client->active;

	client->active = NULL;
	http_client_drop_connection(client);
	if (active != NULL) {
		fata_promise_reject(active->promise, FATA_ECLOSED);
		http_client_req_free(active);
	}
	while (client->queue != NULL) {
		struct client_req *req = client->queue;

		client->queue = req->next;
		fata_promise_reject(req->promise, FATA_ECLOSED);
		http_client_req_free(req);
	}
	fata_counters_unregister(&client->counters);
	fata_free(client);
}

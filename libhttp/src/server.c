/*
 * The server object: configuration, accepting connections, counters, the
 * Date cache, access logging, shutdown and free.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/clock.h>
#include <fata/counter.h>
#include <fata/error.h>
#include <fata/log.h>

#include "http_internal.h"
#include "server_internal.h"

#define NS_PER_S UINT64_C(1000000000)
/* Delay before accepting again after the listener failed (out of memory, say). */
#define ACCEPT_RETRY_NS (100 * UINT64_C(1000000))

/* Names of struct fata_http_server_stats, field by field, parse errors last. */
static const char *const counter_names[] = {
	"connections_accepted", "connections_active", "connections_rejected", "requests",
	"responses_1xx", "responses_2xx", "responses_3xx", "responses_4xx", "responses_5xx",
	"header_timeouts", "idle_timeouts", "body_timeouts", "write_timeouts",
	"exchanges_aborted", "bytes_received", "bytes_sent",
	"parse_error_none", "parse_error_syntax", "parse_error_bare_cr", "parse_error_bare_lf",
	"parse_error_field_name", "parse_error_space_before_colon", "parse_error_obs_fold",
	"parse_error_field_value", "parse_error_method", "parse_error_target",
	"parse_error_version", "parse_error_host", "parse_error_content_length",
	"parse_error_cl_and_te", "parse_error_transfer_encoding", "parse_error_unknown_coding",
	"parse_error_length_required", "parse_error_uri_too_long",
	"parse_error_fields_too_large", "parse_error_status_line", "parse_error_chunk_size",
	"parse_error_chunk_ext", "parse_error_chunk_data", "parse_error_body_too_large",
};

_Static_assert(sizeof(counter_names) / sizeof(counter_names[0])
		== sizeof(struct fata_http_server_stats) / sizeof(uint64_t),
		"one counter name per field of struct fata_http_server_stats");

static void apply_defaults(struct fata_http_server_config *c)
{
	if (c->max_connections == 0)
		c->max_connections = 256;
	if (c->idle_timeout_ns == 0)
		c->idle_timeout_ns = 30 * NS_PER_S;
	if (c->header_timeout_ns == 0)
		c->header_timeout_ns = 10 * NS_PER_S;
	if (c->max_body_bytes == 0)
		c->max_body_bytes = 1024 * 1024;
	if (c->limits.max_head_bytes == 0)
		c->limits.max_head_bytes = 16384;
}

static void on_accept_retry(void *arg, struct fata_timer *timer);

int fata_http_server_new(struct fata_loop *loop, const struct fata_http_server_config *config,
		struct fata_http_server **out)
{
	struct fata_http_server *s;

	*out = NULL;
	if (loop == NULL || config == NULL || config->handler == NULL)
		return FATA_EINVAL;
	s = fata_calloc(1, sizeof(*s));
	if (s == NULL)
		return FATA_ENOMEM;
	s->counters = fata_calloc(1, sizeof(*s->counters));
	if (s->counters == NULL) {
		fata_free(s);
		return FATA_ENOMEM;
	}

	s->loop = loop;
	s->config = *config;
	apply_defaults(&s->config);
	s->date_second = INT64_MIN;
	fata_timer_init(&s->accept_retry, on_accept_retry, s);

	s->counters->name = "http_server";
	s->counters->names = counter_names;
	s->counters->values = (const uint64_t *)&s->stats;
	s->counters->count = sizeof(counter_names) / sizeof(counter_names[0]);
	fata_counters_register(s->counters);
	*out = s;
	return 0;
}

const struct fata_http_server_stats *fata_http_server_stats(const struct fata_http_server *server)
{
	return &server->stats;
}

static int64_t wall_ns(struct fata_http_server *server)
{
	if (server->config.wall_clock_ns != NULL)
		return server->config.wall_clock_ns(server->config.clock_arg);
	return fata_clock_wall_ns();
}

int64_t http_server_now_seconds(struct fata_http_server *server)
{
	int64_t ns = wall_ns(server);

	return ns >= 0 ? ns / (int64_t)NS_PER_S : (ns - (int64_t)NS_PER_S + 1) / (int64_t)NS_PER_S;
}

/* Returns the IMF-fixdate of now, formatted at most once per second. */
const char *http_server_date(struct fata_http_server *server)
{
	int64_t now = http_server_now_seconds(server);

	if (now != server->date_second) {
		if (fata_http_date_format(now, server->date) < 0)
			fata_http_date_format(0, server->date);
		server->date_second = now;
	}
	return server->date;
}

void http_server_count_status(struct fata_http_server *server, int status)
{
	if (status < 200)
		server->stats.responses_1xx++;
	else if (status < 300)
		server->stats.responses_2xx++;
	else if (status < 400)
		server->stats.responses_3xx++;
	else if (status < 500)
		server->stats.responses_4xx++;
	else
		server->stats.responses_5xx++;
}

void http_server_log_access(struct fata_http_server *server, struct http_conn *conn,
		const struct fata_http_exchange *ex, int status, uint64_t body_bytes)
{
	struct fata_http_access a;

	if (!server->config.access_log && server->config.on_access == NULL)
		return;

	memset(&a, 0, sizeof(a));
	a.remote = conn->remote;
	a.has_remote = conn->has_remote;
	a.status = status;
	a.body_bytes = body_bytes;
	a.time_seconds = ex ? ex->time_seconds : http_server_now_seconds(server);
	if (ex != NULL) {
		a.request = &ex->request;
		a.request_line = ex->request_line;
		a.request_line_len = ex->request_line_len;
	}
	if (server->config.on_access != NULL)
		server->config.on_access(server->config.access_arg, &a);
	if (!server->config.access_log || !fata_log_enabled(FATA_LOG_INFO))
		return;

	char host[FATA_IPADDR_STRLEN] = "-";
	char line[1400];

	if (a.has_remote)
		fata_ipaddr_format(&a.remote.ip, host, sizeof(host));
	fata_http_clf_format(line, sizeof(line), host, a.time_seconds, a.request_line,
			a.request_line_len, status, (int64_t)body_bytes);
	fata_log(FATA_LOG_INFO, "http.access", "%s", line);
}

/*
 * Accepting.
 */

static void accept_next(struct fata_http_server *server);

static void on_accept(void *arg, int status, union fata_value value)
{
	struct fata_http_server *server = arg;

	server->accept_p = NULL;
	if (status == FATA_ECLOSED)
		return;
	if (status < 0) {
		fata_log(FATA_LOG_WARN, "http", "accept failed: %s; retrying in 100 ms",
				fata_strerror(status));
		if (fata_timer_arm(server->loop, &server->accept_retry,
				fata_loop_now(server->loop) + ACCEPT_RETRY_NS) != 0)
			fata_log(FATA_LOG_ERROR, "http", "cannot arm the accept retry timer; not accepting");
		return;
	}
	fata_http_server_serve(server, value.ptr);
	accept_next(server);
}

static void accept_next(struct fata_http_server *server)
{
	if (server->listener == NULL || server->shutting_down)
		return;
	server->accept_p = fata_listener_accept(server->listener);
	if (server->accept_p == NULL) {
		on_accept(server, FATA_ENOMEM, (union fata_value){ .ptr = NULL });
		return;
	}
	fata_promise_then(server->accept_p, on_accept, server);
}

static void on_accept_retry(void *arg, struct fata_timer *timer)
{
	(void)timer;
	accept_next(arg);
}

int fata_http_server_listen(struct fata_http_server *server, struct fata_listener *listener)
{
	if (server->shutting_down) {
		fata_listener_close(listener);
		return FATA_ESTATE;
	}
	if (server->listener != NULL) {
		fata_listener_close(listener);
		return FATA_EBUSY;
	}
	server->listener = listener;
	accept_next(server);
	return 0;
}

int fata_http_server_serve(struct fata_http_server *server, struct fata_flow *flow)
{
	int rejecting = 0;

	if (server->shutting_down) {
		http_flow_close(flow);
		return FATA_ESTATE;
	}
	server->stats.connections_accepted++;
	if (server->active >= server->config.max_connections) {
		server->stats.connections_rejected++;

		/* Bound the memory spent on refusals too: past that, close without a word. */
		if (server->rejecting >= server->config.max_connections / 8 + 8) {
			http_flow_close(flow);
			return 0;
		}
		rejecting = 1;
	}
	return http_conn_start(server, flow, rejecting);
}

/*
 * Stopping.
 */

static void close_listener(struct fata_http_server *server)
{
	fata_timer_cancel(server->loop, &server->accept_retry);
	if (server->accept_p != NULL) {
		fata_promise_cancel(server->accept_p);
		server->accept_p = NULL;
	}
	if (server->listener != NULL) {
		fata_listener_close(server->listener);
		server->listener = NULL;
	}
}

void http_server_conn_gone(struct fata_http_server *server, struct http_conn *conn)
{
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		server->conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	if (conn->rejecting)
		server->rejecting--;
	else
		server->active--;
	server->stats.connections_active = server->active;

	if (server->shutting_down && server->conns == NULL && server->shutdown_p != NULL) {
		fata_promise_fulfill(server->shutdown_p, (union fata_value){ .u64 = 0 });
		server->shutdown_p = NULL;
	}
}

static void on_shutdown_cancel(void *ctx, struct fata_promise *promise)
{
	struct fata_http_server *server = ctx;

	(void)promise;
	server->shutdown_p = NULL;
}

struct fata_promise *fata_http_server_shutdown(struct fata_http_server *server)
{
	struct fata_promise *p;

	if (server->shutting_down)
		return fata_promise_rejected(server->loop, "http.server.shutdown", FATA_ESTATE);
	p = fata_promise_new(server->loop, "http.server.shutdown");
	if (p == NULL)
		return NULL;
	server->shutting_down = 1;
	close_listener(server);
	if (server->conns == NULL) {
		fata_promise_fulfill(p, (union fata_value){ .u64 = 0 });
		return p;
	}
	server->shutdown_p = p;
	fata_promise_on_cancel(p, on_shutdown_cancel, server);

	/* Closing may unlink the current connection, so step before acting. */
	for (struct http_conn *c = server->conns, *next; c != NULL; c = next) {
		next = c->next;
		http_conn_close_idle(c);
	}
	return p;
}

void fata_http_server_free(struct fata_http_server *server)
{
	if (server == NULL)
		return;
	server->shutting_down = 1;
	close_listener(server);
	while (server->conns != NULL)
		http_conn_abort(server->conns, FATA_ECONNABORTED);
	if (server->shutdown_p != NULL) {
		fata_promise_fulfill(server->shutdown_p, (union fata_value){ .u64 = 0 });
		server->shutdown_p = NULL;
	}
	fata_counters_unregister(server->counters);
	fata_free(server->counters);
	fata_free(server);
}

/*
 * fata-www: serves a directory, or the slide deck about Fata compiled into
 * the binary, over HTTP/1.1 on the host's sockets or on Fata's own TCP/IP
 * stack over a tap device.
 */
#include <stdio.h>
#include <string.h>

#include <fata/error.h>
#include <fata/http_server.h>
#include <fata/log.h>

#include "app.h"
#include "www.h"

#define NS_PER_S UINT64_C(1000000000)
/* How long a stopping server lets busy connections finish. */
#define STOP_GRACE_NS (2 * NS_PER_S)

struct www_options {
	uint16_t port;
	uint32_t max_connections;
	uint64_t idle_timeout_s;
	uint64_t header_timeout_s;
	int quiet;
};

struct www_main {
	struct www_options opts;
	struct fata_app app;
	struct fata_http_server *server;
	struct fata_promise *grace;
};

static int set_port(void *ctx, const char *value)
{
	uint64_t v;

	if (fata_app_parse_uint(value, 0, 65535, &v) != 0)
		return -1;
	((struct www_options *)ctx)->port = (uint16_t)v;
	return 0;
}

static int set_max_connections(void *ctx, const char *value)
{
	uint64_t v;

	if (fata_app_parse_uint(value, 1, 1000000, &v) != 0)
		return -1;
	((struct www_options *)ctx)->max_connections = (uint32_t)v;
	return 0;
}

static int set_idle_timeout(void *ctx, const char *value)
{
	return fata_app_parse_uint(value, 1, 86400, &((struct www_options *)ctx)->idle_timeout_s);
}

static int set_header_timeout(void *ctx, const char *value)
{
	return fata_app_parse_uint(value, 1, 3600, &((struct www_options *)ctx)->header_timeout_s);
}

static int set_quiet(void *ctx, const char *value)
{
	(void)value;
	((struct www_options *)ctx)->quiet = 1;
	return 0;
}

static const struct fata_app_option options[] = {
	{ .name = "port", .arg = "N", .set = set_port,
		.help = "TCP port to listen on, 0 for any free one (default 80)" },
	{ .name = "max-connections", .arg = "N", .set = set_max_connections,
		.help = "connections served at once; one more gets 503 (default 256)" },
	{ .name = "idle-timeout", .arg = "SECONDS", .set = set_idle_timeout,
		.help = "close a keep-alive connection idle this long, or a stalled one (default 30)" },
	{ .name = "header-timeout", .arg = "SECONDS", .set = set_header_timeout,
		.help = "respond 408 when a request head takes longer (default 10)" },
	{ .name = "no-access-log", .set = set_quiet,
		.help = "do not log a Common Log Format line per request" },
};

static void stop_loop(void *arg, int status, union fata_value value)
{
	struct www_main *m = arg;

	(void)status;
	(void)value;
	if (m->grace != NULL) {
		fata_promise_cancel(m->grace);
		m->grace = NULL;
	}
	fata_loop_stop(m->app.loop);
}

static void grace_over(void *arg, int status, union fata_value value)
{
	struct www_main *m = arg;

	(void)status;
	(void)value;
	m->grace = NULL;
	fata_log(FATA_LOG_WARN, "www", "connections still open after %llu s; stopping anyway",
			(unsigned long long)(STOP_GRACE_NS / NS_PER_S));
	fata_loop_stop(m->app.loop);
}

static void on_signal(void *arg, int status, union fata_value value)
{
	struct www_main *m = arg;
	struct fata_promise *done;

	if (status < 0)
		fata_log(FATA_LOG_ERROR, "www", "waiting for signals failed: %s; stopping",
				fata_strerror(status));
	else
		fata_log(FATA_LOG_INFO, "www", "signal %llu: stopping",
				(unsigned long long)value.u64);
	done = fata_http_server_shutdown(m->server);
	if (done == NULL) {
		fata_loop_stop(m->app.loop);
		return;
	}
	m->grace = fata_sleep(m->app.loop, STOP_GRACE_NS);
	if (m->grace != NULL)
		fata_promise_then(m->grace, grace_over, m);
	fata_promise_then(done, stop_loop, m);
}

static int start_server(struct www_main *m, struct www_site *site)
{
	struct fata_http_server_config c = {
		.handler = www_handle,
		.handler_arg = site,
		.max_connections = m->opts.max_connections,
		.idle_timeout_ns = m->opts.idle_timeout_s * NS_PER_S,
		.header_timeout_ns = m->opts.header_timeout_s * NS_PER_S,
		.server_name = "fata-www",
		.access_log = !m->opts.quiet,
	};
	struct fata_sockaddr any = { .ip = { .family = FATA_AF_INET }, .port = m->opts.port };
	struct fata_tcp_options tcp = { .nodelay = 1 };
	struct fata_listener *listener;
	int rc;

	rc = fata_http_server_new(m->app.loop, &c, &m->server);
	if (rc != 0) {
		fata_log(FATA_LOG_ERROR, "www", "cannot create the server: %s", fata_strerror(rc));
		return rc;
	}
	rc = fata_stack_listen(m->app.stack, &any, 128, &tcp, &listener);
	if (rc != 0) {
		fata_log(FATA_LOG_ERROR, "www", "cannot listen on port %u: %s", m->opts.port,
				fata_strerror(rc));
		return rc;
	}

	/* With --port 0 the stack picked the port; the log line below names it. */
	struct fata_sockaddr bound;

	if (listener->ops->get_local != NULL && listener->ops->get_local(listener, &bound) == 0)
		m->opts.port = bound.port;
	return fata_http_server_listen(m->server, listener);
}

int main(int argc, char **argv)
{
	static struct www_main m;
	struct fata_app_info info = {
		.name = "fata-www",
		.usage_args = "[DIR]",
		.summary = "Serve the directory DIR over HTTP/1.1, or without DIR the bundled "
			"slide deck about Fata.",
		.options = options,
		.option_count = sizeof(options) / sizeof(options[0]),
		.ctx = &m.opts,
		.min_args = 0,
		.max_args = 1,
	};
	struct fata_app_options opts;
	struct www_site site;
	struct fata_promise *sig;
	int rc;

	m.opts.port = 80;
	m.opts.max_connections = 256;
	m.opts.idle_timeout_s = 30;
	m.opts.header_timeout_s = 10;
	fata_app_parse(argc, argv, &info, &opts);

	rc = fata_app_start(&m.app, "fata-www", &opts);
	if (rc != 0)
		return 1;

	const char *dir = opts.first_arg < argc ? argv[opts.first_arg] : NULL;

	if ((dir ? www_site_open_dir(&site, dir) : www_site_open_bundled(&site)) != 0) {
		fata_app_finish(&m.app);
		return 1;
	}
	if (start_server(&m, &site) != 0) {
		fata_http_server_free(m.server);
		www_site_close(&site);
		fata_app_finish(&m.app);
		return 1;
	}
	fata_log(FATA_LOG_INFO, "www", "serving %s on port %u (%s stack)",
			dir ? dir : "the bundled slide deck", m.opts.port, m.app.stack->name);

	sig = fata_app_stop_signal(&m.app);
	if (sig == NULL) {
		fata_log(FATA_LOG_ERROR, "www", "cannot wait for signals: out of memory");
		rc = 1;
	} else {
		fata_promise_then(sig, on_signal, &m);
		rc = fata_loop_run(m.app.loop, FATA_RUN_FOREVER);
		if (rc < 0)
			fata_log(FATA_LOG_ERROR, "www", "the event loop failed: %s", fata_strerror(rc));
		rc = rc < 0 ? 1 : 0;
	}

	fata_promise_cancel(m.grace);
	fata_http_server_free(m.server);
	www_site_close(&site);
	fata_app_finish(&m.app);
	return rc;
}

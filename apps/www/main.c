/*
 * fata-www: serves a directory, or the slide deck about Fata compiled into
 * the binary, over HTTP/1.1 or HTTPS on the host's sockets or on Fata's
 * own TCP/IP stack over a tap device.
 */
#include <fata/error.h>
#include <fata/http_server.h>
#include <fata/log.h>

#include "www.h"
#include "www_app.h"

#define NS_PER_S UINT64_C(1000000000)
/* How long a stopping server lets busy connections finish. */
#define STOP_GRACE_NS (2 * NS_PER_S)

struct www_main {
	struct www_options opts;
	struct fata_app app;
	struct fata_http_server *server;
	struct www_tls *tls;               /* NULL without --tls-cert */
	struct www_accept_loop plain_http; /* the --http-port listener */
	struct fata_promise *grace;
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
	www_accept_loop_stop(&m->plain_http);
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

/*
 * Listens on `port` of every IPv4 address and stores the listener in
 * `*out` and the bound port (the one the stack picked for port 0) in
 * `*bound_port`.
 */
static int listen_tcp(struct www_main *m, uint16_t port, struct fata_listener **out,
		uint16_t *bound_port)
{
	struct fata_sockaddr any = { .ip = { .family = FATA_AF_INET }, .port = port };
	struct fata_tcp_options tcp = { .nodelay = 1 };
	struct fata_sockaddr bound;
	struct fata_listener *listener;
	int rc;

	rc = fata_stack_listen(m->app.stack, &any, 128, &tcp, &listener);
	if (rc != 0) {
		fata_log(FATA_LOG_ERROR, "www", "cannot listen on port %u: %s", port,
				fata_strerror(rc));
		return rc;
	}

	*bound_port = port;
	if (listener->ops->get_local != NULL && listener->ops->get_local(listener, &bound) == 0)
		*bound_port = bound.port;
	*out = listener;
	return 0;
}

/* Opens the --port listener, wrapped in TLS when --tls-cert was given. */
static int listen_main_port(struct www_main *m, struct fata_listener **out)
{
	struct fata_listener *tcp;
	int rc;

	rc = listen_tcp(m, m->opts.port, &tcp, &m->opts.port);
	if (rc != 0)
		return rc;
	if (m->tls == NULL) {
		*out = tcp;
		return 0;
	}

	rc = www_tls_listen(m->tls, tcp, out);
	if (rc != 0) {
		fata_log(FATA_LOG_ERROR, "www", "cannot serve TLS on port %u: %s", m->opts.port,
				fata_strerror(rc));
		fata_listener_close(tcp);
	}
	return rc;
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
	struct fata_listener *listener;
	int rc;

	rc = fata_http_server_new(m->app.loop, &c, &m->server);
	if (rc != 0) {
		fata_log(FATA_LOG_ERROR, "www", "cannot create the server: %s", fata_strerror(rc));
		return rc;
	}
	rc = listen_main_port(m, &listener);
	if (rc != 0)
		return rc;
	rc = fata_http_server_listen(m->server, listener);
	if (rc != 0 || !m->opts.http_port_given)
		return rc;

	rc = listen_tcp(m, m->opts.http_port, &listener, &m->opts.http_port);
	if (rc != 0)
		return rc;
	www_accept_loop_start(&m->plain_http, m->server, listener);
	return 0;
}

static void log_serving(const struct www_main *m, const char *dir)
{
	const char *what = dir ? dir : "the bundled slide deck";

	if (m->tls == NULL) {
		fata_log(FATA_LOG_INFO, "www", "serving %s on port %u (%s stack)", what,
				m->opts.port, m->app.stack->name);
		return;
	}
	fata_log(FATA_LOG_INFO, "www", "serving %s on port %u with TLS (%s stack)", what,
			m->opts.port, m->app.stack->name);
	if (m->opts.http_port_given)
		fata_log(FATA_LOG_INFO, "www", "serving plain HTTP on port %u as well",
				m->opts.http_port);
}

/* Releases everything main() set up, in the reverse order. */
static void finish(struct www_main *m, struct www_site *site)
{
	fata_promise_cancel(m->grace);
	m->grace = NULL;
	www_accept_loop_stop(&m->plain_http);
	fata_http_server_free(m->server);
	m->server = NULL;
	www_site_close(site);

	/* After fata_app_finish(), which prints the TLS counters with --stats. */
	fata_app_finish(&m->app);
	www_tls_free(m->tls);
	m->tls = NULL;
}

static int run(struct www_main *m)
{
	struct fata_promise *sig = fata_app_stop_signal(&m->app);
	int rc;

	if (sig == NULL) {
		fata_log(FATA_LOG_ERROR, "www", "cannot wait for signals: out of memory");
		return 1;
	}
	fata_promise_then(sig, on_signal, m);
	rc = fata_loop_run(m->app.loop, FATA_RUN_FOREVER);
	if (rc < 0) {
		fata_log(FATA_LOG_ERROR, "www", "the event loop failed: %s", fata_strerror(rc));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct www_main m;
	struct fata_app_info info = {
		.name = "fata-www",
		.usage_args = "[DIR]",
		.summary = "Serve the directory DIR over HTTP/1.1 or HTTPS, or without DIR the "
			"bundled slide deck about Fata.",
		.options = www_option_table,
		.option_count = www_option_count,
		.ctx = &m.opts,
		.min_args = 0,
		.max_args = 1,
	};
	struct fata_app_options opts;
	struct www_site site;
	int rc;

	www_options_init(&m.opts);
	fata_app_parse(argc, argv, &info, &opts);
	www_options_check(info.name, &m.opts);

	/*
	 * The certificate and key are loaded before the stack starts, so a bad
	 * file is reported at once rather than after a DHCP exchange. The
	 * stderr handler goes in first; fata_app_start() installs it again.
	 */
	if (m.opts.tls_cert_path != NULL) {
		fata_log_set_handler(fata_app_log_stderr, NULL);
		fata_log_set_level(opts.log_level);
		if (www_tls_load(m.opts.tls_cert_path, m.opts.tls_key_path, &m.tls) != 0)
			return 1;
	}

	rc = fata_app_start(&m.app, "fata-www", &opts);
	if (rc != 0) {
		www_tls_free(m.tls);
		return 1;
	}

	const char *dir = opts.first_arg < argc ? argv[opts.first_arg] : NULL;

	if ((dir ? www_site_open_dir(&site, dir, m.opts.cache_bytes) : www_site_open_bundled(&site)) != 0) {
		fata_app_finish(&m.app);
		www_tls_free(m.tls);
		return 1;
	}
	if (start_server(&m, &site) != 0) {
		finish(&m, &site);
		return 1;
	}
	log_serving(&m, dir);

	rc = run(&m);
	finish(&m, &site);
	return rc;
}

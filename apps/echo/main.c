/*
 * fata-echo: echo (RFC 862), discard (RFC 863) and chargen (RFC 864) on
 * TCP and UDP, over the host's sockets or Fata's own TCP/IP stack.
 */
#include <string.h>

#include "echo.h"

#define NS_PER_S UINT64_C(1000000000)
/* How long a stopping program waits for its connections to close. */
#define STOP_GRACE_NS (2 * NS_PER_S)

static int parse_port(const char *value, uint16_t *out)
{
	uint64_t v;

	if (fata_app_parse_uint(value, 0, 65535, &v) != 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int set_echo_port(void *ctx, const char *value)
{
	return parse_port(value, &((struct echo_app *)ctx)->services[ECHO_ECHO].port);
}

static int set_discard_port(void *ctx, const char *value)
{
	return parse_port(value, &((struct echo_app *)ctx)->services[ECHO_DISCARD].port);
}

static int set_chargen_port(void *ctx, const char *value)
{
	return parse_port(value, &((struct echo_app *)ctx)->services[ECHO_CHARGEN].port);
}

static int set_max_connections(void *ctx, const char *value)
{
	uint64_t v;

	if (fata_app_parse_uint(value, 1, 1000000, &v) != 0)
		return -1;
	((struct echo_app *)ctx)->max_connections = (unsigned)v;
	return 0;
}

static int set_no_tcp(void *ctx, const char *value)
{
	(void)value;
	((struct echo_app *)ctx)->tcp = 0;
	return 0;
}

static int set_no_udp(void *ctx, const char *value)
{
	(void)value;
	((struct echo_app *)ctx)->udp = 0;
	return 0;
}

static const struct fata_app_option options[] = {
	{ .name = "echo-port", .arg = "PORT", .set = set_echo_port,
		.help = "port of the echo service, 0 to turn it off (default 7)" },
	{ .name = "discard-port", .arg = "PORT", .set = set_discard_port,
		.help = "port of the discard service, 0 to turn it off (default 9)" },
	{ .name = "chargen-port", .arg = "PORT", .set = set_chargen_port,
		.help = "port of the chargen service, 0 to turn it off (default 19)" },
	{ .name = "max-connections", .arg = "N", .set = set_max_connections,
		.help = "TCP connections served at once, 1 to 1000000; more are closed at once "
			"(default 1024)" },
	{ .name = "no-tcp", .set = set_no_tcp, .help = "serve UDP only" },
	{ .name = "no-udp", .set = set_no_udp, .help = "serve TCP only" },
};

static void stop_now(void *arg, int status, union fata_value value)
{
	struct echo_app *app = arg;

	(void)status;
	(void)value;
	app->stop_timer = NULL;
	fata_loop_stop(app->app.loop);
}

void echo_close_settled(struct echo_app *app)
{
	app->closing--;
	if (app->stopping && app->closing == 0) {
		fata_promise_cancel(app->stop_timer);
		app->stop_timer = NULL;
		fata_loop_stop(app->app.loop);
	}
}

static void on_signal(void *arg, int status, union fata_value value)
{
	struct echo_app *app = arg;

	if (status < 0) {
		fata_log(FATA_LOG_ERROR, "echo", "waiting for signals failed: %s; stopping",
				fata_strerror(status));
	} else {
		fata_log(FATA_LOG_INFO, "echo", "signal %llu: stopping, closing %u connections",
				(unsigned long long)value.u64, app->connections);
	}

	app->stopping = 1;
	echo_tcp_stop(app);
	for (int k = 0; k < ECHO_KIND_COUNT; k++)
		echo_udp_stop(&app->services[k]);

	/* Wait for the closes to settle so TCP can send its FINs, but not forever. */
	if (app->closing == 0) {
		fata_loop_stop(app->app.loop);
		return;
	}
	app->stop_timer = fata_sleep(app->app.loop, STOP_GRACE_NS);
	if (app->stop_timer)
		fata_promise_then(app->stop_timer, stop_now, app);
	else
		fata_loop_stop(app->app.loop);
}

/* Starts every service that is on; returns how many sockets are open. */
static int start_services(struct echo_app *app)
{
	int open = 0;

	for (int k = 0; k < ECHO_KIND_COUNT; k++) {
		struct echo_service *svc = &app->services[k];

		if (svc->port == 0)
			continue;
		if (app->tcp && echo_tcp_start(svc) == 0)
			open++;
		if (app->udp && echo_udp_start(svc) == 0)
			open++;
		fata_log(FATA_LOG_INFO, "echo", "%s on port %u (%s%s%s)", svc->name, svc->port,
				svc->listener ? "TCP" : "",
				svc->listener && svc->udp ? " and " : "",
				svc->udp ? "UDP" : (svc->listener ? "" : "not running"));
	}
	return open;
}

int main(int argc, char **argv)
{
	static struct echo_app app;
	static const char *const names[ECHO_KIND_COUNT] = { "echo", "discard", "chargen" };
	static const uint16_t ports[ECHO_KIND_COUNT] = { 7, 9, 19 };
	struct fata_app_info info = {
		.name = "fata-echo",
		.usage_args = "",
		.summary = "Serve echo (RFC 862), discard (RFC 863) and chargen (RFC 864) on TCP "
			"and UDP.",
		.options = options,
		.option_count = sizeof(options) / sizeof(options[0]),
		.ctx = &app,
		.min_args = 0,
		.max_args = 0,
	};
	struct fata_app_options opts;
	struct fata_promise *sig;
	int rc;

	app.tcp = 1;
	app.udp = 1;
	app.max_connections = 1024;
	for (int k = 0; k < ECHO_KIND_COUNT; k++) {
		app.services[k].app = &app;
		app.services[k].kind = (enum echo_kind)k;
		app.services[k].name = names[k];
		app.services[k].port = ports[k];
	}

	fata_app_parse(argc, argv, &info, &opts);
	rc = fata_app_start(&app.app, "fata-echo", &opts);
	if (rc < 0)
		return 1;

	if (start_services(&app) == 0) {
		fata_log(FATA_LOG_ERROR, "echo", "no service could start; exiting");
		fata_app_finish(&app.app);
		return 1;
	}

	sig = fata_app_stop_signal(&app.app);
	if (!sig) {
		fata_log(FATA_LOG_ERROR, "echo", "cannot wait for SIGINT and SIGTERM: out of memory");
		echo_tcp_stop(&app);
		fata_app_finish(&app.app);
		return 1;
	}
	fata_promise_then(sig, on_signal, &app);

	rc = fata_loop_run(app.app.loop, FATA_RUN_FOREVER);
	if (rc < 0)
		fata_log(FATA_LOG_ERROR, "echo", "event loop failed: %s", fata_strerror(rc));
	fata_log(FATA_LOG_INFO, "echo", "stopped");
	fata_app_finish(&app.app);
	return rc < 0 ? 1 : 0;
}

/*
 * tls-echo: a TLS echo server and a one-line TLS client on either Fata
 * stack (host sockets, or libtcpip over a tap device), for interop tests.
 *
 * Server: tls-echo --cert FILE --key FILE [--port N] [--client-ca FILE]
 *         [--line] [--count N]
 *   Echoes what each client sends. With --line a connection ends after
 *   the first newline is echoed; without it, at the client's close_notify.
 *   Either way the server then sends close_notify and closes.
 * Client: tls-echo --connect ADDR:PORT --name NAME --ca FILE --message TEXT
 *   Sends TEXT and a newline, prints the reply line to standard output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/log.h>
#include <fata/tls.h>

#include "app.h"

struct echo_options {
	const char *cert, *key, *client_ca;
	const char *connect, *name, *ca, *message;
	uint64_t port, count;
	int line;
};

struct echo_server {
	struct fata_app *app;
	struct echo_options *options;
	struct fata_tls_server_config *config;
	struct fata_listener *listener;
	uint64_t served;
	int open_conns;
};

struct echo_conn {
	struct echo_server *server;
	struct fata_flow *tls;
	int saw_newline;
};

static int set_string(const char **slot, const char *value)
{
	*slot = value;
	return 0;
}

static int set_cert(void *ctx, const char *v) { return set_string(&((struct echo_options *)ctx)->cert, v); }
static int set_key(void *ctx, const char *v) { return set_string(&((struct echo_options *)ctx)->key, v); }
static int set_client_ca(void *ctx, const char *v) { return set_string(&((struct echo_options *)ctx)->client_ca, v); }
static int set_connect(void *ctx, const char *v) { return set_string(&((struct echo_options *)ctx)->connect, v); }
static int set_name(void *ctx, const char *v) { return set_string(&((struct echo_options *)ctx)->name, v); }
static int set_ca(void *ctx, const char *v) { return set_string(&((struct echo_options *)ctx)->ca, v); }
static int set_message(void *ctx, const char *v) { return set_string(&((struct echo_options *)ctx)->message, v); }

static int set_port(void *ctx, const char *v)
{
	return fata_app_parse_uint(v, 1, 65535, &((struct echo_options *)ctx)->port);
}

static int set_count(void *ctx, const char *v)
{
	return fata_app_parse_uint(v, 0, UINT32_MAX, &((struct echo_options *)ctx)->count);
}

static int set_line(void *ctx, const char *v)
{
	(void)v;
	((struct echo_options *)ctx)->line = 1;
	return 0;
}

static const struct fata_app_option echo_option_list[] = {
	{ "cert", "FILE", "server certificate chain (PEM), leaf first", set_cert },
	{ "key", "FILE", "server private key (PEM)", set_key },
	{ "port", "N", "TCP port to listen on (default 4433)", set_port },
	{ "client-ca", "FILE", "require client certificates issued by these CAs (PEM)", set_client_ca },
	{ "line", NULL, "end each connection after echoing one line", set_line },
	{ "count", "N", "exit after N connections (default 0: until a signal)", set_count },
	{ "connect", "ADDR:PORT", "client mode: the server to connect to", set_connect },
	{ "name", "NAME", "client mode: server name for SNI and verification", set_name },
	{ "ca", "FILE", "client mode: trust anchors (PEM)", set_ca },
	{ "message", "TEXT", "client mode: the line to send", set_message },
};

/* Reads a whole file into a new buffer; returns NULL after printing why. */
static char *read_file(const char *path, size_t *len)
{
	FILE *file = fopen(path, "rb");
	char *data = NULL;
	long size;

	if (!file || fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 ||
			fseek(file, 0, SEEK_SET) != 0) {
		fprintf(stderr, "tls-echo: cannot read %s: %s\n", path, strerror(errno));
		if (file)
			fclose(file);
		return NULL;
	}
	data = malloc((size_t)size + 1);
	if (data && fread(data, 1, (size_t)size, file) != (size_t)size) {
		free(data);
		data = NULL;
	}
	fclose(file);
	if (!data) {
		fprintf(stderr, "tls-echo: cannot read %s\n", path);
		return NULL;
	}
	data[size] = '\0';
	*len = (size_t)size;
	return data;
}

static void conn_read(struct echo_conn *c);

static void conn_closed(void *arg, int status, union fata_value value)
{
	struct echo_conn *c = arg;
	struct echo_server *s = c->server;

	(void)status;
	(void)value;
	free(c);
	s->open_conns--;
	if (s->options->count && s->served >= s->options->count && s->open_conns == 0)
		fata_loop_stop(s->app->loop);
}

static void conn_close(struct echo_conn *c)
{
	fata_promise_then(fata_flow_close(c->tls), conn_closed, c);
}

static void conn_shut(void *arg, int status, union fata_value value)
{
	(void)status;
	(void)value;
	conn_close(arg);
}

static void conn_finish(struct echo_conn *c)
{
	fata_promise_then(fata_flow_shutdown(c->tls), conn_shut, c);
}

static void conn_written(void *arg, int status, union fata_value value)
{
	struct echo_conn *c = arg;

	(void)value;
	if (status < 0) {
		fata_log(FATA_LOG_WARN, "tls-echo", "write failed: %s", fata_strerror(status));
		conn_close(c);
	} else if (c->saw_newline && c->server->options->line) {
		conn_finish(c);
	} else {
		conn_read(c);
	}
}

static void conn_got(void *arg, int status, union fata_value value)
{
	struct echo_conn *c = arg;
	const char *text = NULL;

	if (status < 0) {
		fata_tls_last_error(c->tls, NULL, &text);
		fata_log(FATA_LOG_WARN, "tls-echo", "connection failed: %s (%s)",
				fata_strerror(status), text ? text : "");
		conn_close(c);
		return;
	}
	if (value.view.len == 0) {
		conn_finish(c);
		return;
	}
	if (memchr(fata_view_data(value.view), '\n', value.view.len))
		c->saw_newline = 1;
	fata_promise_then(fata_flow_write(c->tls, value.view), conn_written, c);
	fata_view_release(&value.view);
}

static void conn_read(struct echo_conn *c)
{
	fata_promise_then(fata_flow_read(c->tls), conn_got, c);
}

static void server_accept(struct echo_server *s);

static void server_accepted(void *arg, int status, union fata_value value)
{
	struct echo_server *s = arg;
	struct echo_conn *c;

	if (status < 0) {
		fata_log(FATA_LOG_WARN, "tls-echo", "accept failed: %s", fata_strerror(status));
		return;
	}
	c = calloc(1, sizeof *c);
	c->server = s;
	c->tls = fata_tls_server_wrap(s->config, value.ptr);
	if (!c->tls) {
		free(c);
	} else {
		s->open_conns++;
		s->served++;
		conn_read(c);
	}
	if (!s->options->count || s->served < s->options->count)
		server_accept(s);
}

static void server_accept(struct echo_server *s)
{
	fata_promise_then(fata_listener_accept(s->listener), server_accepted, s);
}

static int server_configure(struct echo_server *s)
{
	size_t crt_len, key_len, ca_len;
	char *crt = read_file(s->options->cert, &crt_len);
	char *key = read_file(s->options->key, &key_len);
	char *ca = NULL;
	int rc = FATA_EINVAL;

	s->config = fata_tls_server_config_new();
	if (crt && key && s->config)
		rc = fata_tls_server_config_add_cert(s->config, crt, crt_len, key, key_len);
	if (rc == 0 && s->options->client_ca) {
		ca = read_file(s->options->client_ca, &ca_len);
		rc = ca ? fata_tls_server_config_set_client_auth(s->config,
				FATA_TLS_CLIENT_AUTH_REQUIRE, ca, ca_len) : FATA_EINVAL;
	}
	if (rc < 0)
		fprintf(stderr, "tls-echo: certificate or key not usable: %s\n", fata_strerror(rc));
	free(crt);
	free(key);
	free(ca);
	return rc;
}

static void stop_on_signal(void *arg, int status, union fata_value value)
{
	(void)status;
	(void)value;
	fata_loop_stop(arg);
}

static int run_server(struct fata_app *app, struct echo_options *options)
{
	struct echo_server s = { .app = app, .options = options };
	struct fata_sockaddr local = { .ip = fata_ipv4(0, 0, 0, 0), .port = (uint16_t)options->port };
	int rc;

	if (server_configure(&s) < 0) {
		fata_tls_server_config_free(s.config);
		return 1;
	}
	rc = fata_stack_listen(app->stack, &local, 16, NULL, &s.listener);
	if (rc < 0) {
		fprintf(stderr, "tls-echo: listen on port %u failed: %s\n", (unsigned)options->port,
				fata_strerror(rc));
		fata_tls_server_config_free(s.config);
		return 1;
	}
	fata_promise_then(fata_app_stop_signal(app), stop_on_signal, app->loop);
	fata_log(FATA_LOG_INFO, "tls-echo", "listening on port %u", (unsigned)options->port);
	server_accept(&s);
	fata_loop_run(app->loop, FATA_RUN_FOREVER);
	fata_listener_close(s.listener);
	fata_tls_server_config_free(s.config);
	return 0;
}

/* Runs the loop until `p` settles; returns its status. */
static int wait_for(struct fata_loop *loop, struct fata_promise *p, union fata_value *value)
{
	int status = 0;
	int rc = fata_loop_run_until(loop, p, &status, value);

	return rc < 0 ? rc : status;
}

static int client_exchange(struct fata_app *app, struct fata_flow *tls, const char *message)
{
	char reply[1024];
	size_t got = 0;
	int rc;

	rc = wait_for(app->loop, fata_flow_write_copy(tls, message, strlen(message)), NULL);
	if (rc == 0)
		rc = wait_for(app->loop, fata_flow_write_copy(tls, "\n", 1), NULL);
	while (rc == 0 && got < sizeof reply - 1 && !memchr(reply, '\n', got)) {
		union fata_value value;
		size_t n;

		rc = wait_for(app->loop, fata_flow_read(tls), &value);
		if (rc < 0 || value.view.len == 0)
			break;
		n = value.view.len < sizeof reply - 1 - got ? value.view.len : sizeof reply - 1 - got;
		memcpy(reply + got, fata_view_data(value.view), n);
		got += n;
		fata_view_release(&value.view);
	}
	reply[got] = '\0';
	fputs(reply, stdout);
	return rc;
}

static int run_client(struct fata_app *app, struct echo_options *options)
{
	struct fata_tls_client_config *config = fata_tls_client_config_new();
	struct fata_sockaddr remote;
	union fata_value value;
	struct fata_flow *tls;
	const char *colon = strrchr(options->connect, ':');
	const char *reason = "";
	char text[128] = "";
	size_t ca_len;
	char *ca = read_file(options->ca, &ca_len);
	uint64_t port;
	int rc;

	if (!config || !ca || !colon ||
			fata_ipaddr_parse(options->connect, (size_t)(colon - options->connect),
				&remote.ip) < 0 ||
			fata_app_parse_uint(colon + 1, 1, 65535, &port) < 0 ||
			fata_tls_client_config_add_trust(config, ca, ca_len) < 0) {
		fprintf(stderr, "tls-echo: invalid --connect \"%s\" or --ca file\n", options->connect);
		free(ca);
		fata_tls_client_config_free(config);
		return 2;
	}
	free(ca);
	remote.port = (uint16_t)port;
	rc = wait_for(app->loop, fata_stack_connect(app->stack, &remote, NULL), &value);
	if (rc == 0)
		rc = fata_tls_client_new(config, value.ptr, options->name, NULL, &tls);
	if (rc == 0) {
		rc = client_exchange(app, tls, options->message);
		/* The text lives in the flow, so copy it before closing. */
		fata_tls_last_error(tls, NULL, &reason);
		snprintf(text, sizeof text, "%s", reason);
		wait_for(app->loop, fata_flow_close(tls), NULL);
	}
	if (rc < 0)
		fprintf(stderr, "tls-echo: %s (%s)\n", fata_strerror(rc), text);
	fata_tls_client_config_free(config);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct echo_options options = { .port = 4433 };
	struct fata_app_info info = {
		.name = "tls-echo",
		.usage_args = "",
		.summary = "TLS echo server, or a one-line TLS client, for interop tests.",
		.options = echo_option_list,
		.option_count = sizeof echo_option_list / sizeof echo_option_list[0],
		.ctx = &options,
	};
	struct fata_app_options app_options;
	struct fata_app app;
	int rc;

	fata_app_parse(argc, argv, &info, &app_options);
	if (options.connect ? !options.name || !options.ca || !options.message
			: !options.cert || !options.key) {
		fprintf(stderr, "tls-echo: give --cert and --key (server), or --connect, --name, "
				"--ca and --message (client)\n");
		return FATA_APP_EXIT_USAGE;
	}
	if (fata_app_start(&app, "tls-echo", &app_options) < 0)
		return 1;
	rc = options.connect ? run_client(&app, &options) : run_server(&app, &options);
	fata_app_finish(&app);
	return rc;
}

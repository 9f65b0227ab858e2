/*
 * fata-app-tool: a small program on the shared start-up for the network
 * tests. It starts the stack from the shared options, optionally answers
 * one UDP datagram and serves one TCP connection with a greeting,
 * optionally keeps the loop running for a while, and finishes. Exit status:
 * 0 on success, 1 when start-up or an exchange failed, 2 for a bad command
 * line.
 */
#include <stdio.h>
#include <stdlib.h>

#include <fata/datagram.h>
#include <fata/error.h>
#include <fata/flow.h>
#include <fata/promise.h>

#include "app.h"

#define NS_PER_MS UINT64_C(1000000)

/* How long --listen and --udp-echo wait for their peer. */
#define PEER_TIMEOUT_NS (20 * 1000 * NS_PER_MS)

static const char greeting[] = "hello from fata\n";

struct tool_ctx {
	uint64_t listen_port;
	uint64_t udp_port;
	uint64_t run_ms;
};

static int set_listen(void *arg, const char *value)
{
	return fata_app_parse_uint(value, 1, 65535, &((struct tool_ctx *)arg)->listen_port);
}

static int set_udp_echo(void *arg, const char *value)
{
	return fata_app_parse_uint(value, 1, 65535, &((struct tool_ctx *)arg)->udp_port);
}

static int set_run_ms(void *arg, const char *value)
{
	return fata_app_parse_uint(value, 0, 60000, &((struct tool_ctx *)arg)->run_ms);
}

static const struct fata_app_option tool_options[] = {
	{ "listen", "PORT", "accept one TCP connection on PORT and send a greeting", set_listen },
	{ "udp-echo", "PORT", "answer one UDP datagram on PORT with a greeting", set_udp_echo },
	{ "run-ms", "MS", "run the loop for MS milliseconds (up to 60000) before finishing",
		set_run_ms },
};

/* Runs the loop until `p` settles; returns its status, or the loop's error. */
static int wait_for(struct fata_app *app, struct fata_promise *p, union fata_value *value)
{
	int status = 0;
	int rc = fata_loop_run_until(app->loop, p, &status, value);

	return rc < 0 ? rc : status;
}

static int answer_one_datagram(struct fata_app *app, uint16_t port)
{
	struct fata_sockaddr local = { { FATA_AF_INET, { 0 } }, port };
	struct fata_sockaddr from;
	struct fata_datagram *sock = NULL;
	union fata_value value;

	int rc = fata_stack_udp_bind(app->stack, &local, &sock);
	if (rc < 0) {
		fprintf(stderr, "fata-app-tool: UDP bind to port %u failed: %s\n", port,
				fata_strerror(rc));
		return rc;
	}
	printf("udp on port %u\n", port);
	fflush(stdout);

	struct fata_promise *received = fata_promise_timeout(app->loop,
			fata_datagram_recv(sock, &from), PEER_TIMEOUT_NS);
	rc = wait_for(app, received, &value);
	if (rc >= 0) {
		struct fata_view reply;

		fata_view_release(&value.view);
		rc = fata_buf_copy(greeting, sizeof(greeting) - 1, 64, &reply);
		if (rc >= 0) {
			rc = wait_for(app, fata_datagram_send(sock, &from, &reply, 1), NULL);
			fata_view_release(&reply);
		}
	}

	int close_rc = wait_for(app, fata_datagram_close(sock), NULL);
	if (rc >= 0)
		rc = close_rc;
	if (rc < 0)
		fprintf(stderr, "fata-app-tool: UDP exchange failed: %s\n", fata_strerror(rc));
	return rc;
}

static int serve_one_connection(struct fata_app *app, uint16_t port)
{
	struct fata_sockaddr local = { { FATA_AF_INET, { 0 } }, port };
	struct fata_listener *listener = NULL;
	union fata_value value;

	int rc = fata_stack_listen(app->stack, &local, 1, NULL, &listener);
	if (rc < 0) {
		fprintf(stderr, "fata-app-tool: listen on port %u failed: %s\n", port,
				fata_strerror(rc));
		return rc;
	}
	printf("listening on port %u\n", port);
	fflush(stdout);

	struct fata_promise *accepted = fata_promise_timeout(app->loop,
			fata_listener_accept(listener), PEER_TIMEOUT_NS);
	rc = wait_for(app, accepted, &value);
	fata_listener_close(listener);
	if (rc < 0) {
		fprintf(stderr, "fata-app-tool: accept failed: %s\n", fata_strerror(rc));
		return rc;
	}

	struct fata_flow *flow = value.ptr;
	rc = wait_for(app, fata_flow_write_copy(flow, greeting, sizeof(greeting) - 1), NULL);
	if (rc >= 0)
		rc = wait_for(app, fata_flow_shutdown(flow), NULL);

	/* Read until the peer closes too, so the connection ends cleanly. */
	while (rc >= 0) {
		rc = wait_for(app, fata_flow_read(flow), &value);
		if (rc < 0)
			break;

		int at_end = fata_view_is_null(value.view) || value.view.len == 0;
		fata_view_release(&value.view);
		if (at_end)
			break;
	}

	int close_rc = wait_for(app, fata_flow_close(flow), NULL);
	if (rc >= 0)
		rc = close_rc;
	if (rc < 0)
		fprintf(stderr, "fata-app-tool: connection failed: %s\n", fata_strerror(rc));
	return rc;
}

int main(int argc, char **argv)
{
	struct tool_ctx ctx = { 0, 0, 0 };
	const struct fata_app_info info = {
		.name = "fata-app-tool",
		.summary = "Starts the shared stack for the network tests of apps/common.",
		.options = tool_options,
		.option_count = sizeof(tool_options) / sizeof(tool_options[0]),
		.ctx = &ctx,
	};
	struct fata_app_options options;
	struct fata_app app;

	fata_app_parse(argc, argv, &info, &options);
	if (fata_app_start(&app, info.name, &options) < 0)
		return 1;
	printf("started\n");
	fflush(stdout);

	int rc = 0;
	if (ctx.udp_port)
		rc = answer_one_datagram(&app, (uint16_t)ctx.udp_port);
	if (rc >= 0 && ctx.listen_port)
		rc = serve_one_connection(&app, (uint16_t)ctx.listen_port);
	if (rc >= 0 && ctx.run_ms)
		rc = wait_for(&app, fata_sleep(app.loop, ctx.run_ms * NS_PER_MS), NULL);

	fata_app_finish(&app);
	return rc < 0 ? 1 : 0;
}

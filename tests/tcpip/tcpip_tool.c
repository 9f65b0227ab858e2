/*
 * fata-tcpip-tool: a TCP client on Fata's stack for the tests against the
 * Linux kernel. It uses the shared start-up of the fata programs, so it
 * runs on --net tap:IF (libtcpip) as on --net socket (the host kernel).
 *
 *   pattern BYTES              write the test pattern to standard output
 *   send HOST PORT BYTES       connect, send the pattern, half-close, wait for EOF
 *   recv HOST PORT             connect, copy everything received to standard output
 *   echo HOST PORT BYTES N     open N connections at once to an echo server; each
 *                              sends the pattern and checks that it comes back
 * Exit status: 0 on success, 1 on a failure (logged), 2 on bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fata/fata.h>

#include "app.h"

#define NS_PER_S UINT64_C(1000000000)
#define CHUNK 65536
#define ECHO_TIMEOUT_NS (120 * NS_PER_S)

/* The test pattern: a byte that depends on its position, repeating only every 2^32 bytes. */
static uint8_t pattern_byte(uint64_t i)
{
	return (uint8_t)(((uint32_t)i * 2654435761u) >> 13);
}

static void fill_pattern(uint8_t *buf, uint64_t offset, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern_byte(offset + i);
}

static int parse_addr(const char *host, const char *port, struct fata_sockaddr *out)
{
	uint64_t p;

	memset(out, 0, sizeof(*out));
	if (fata_ipaddr_parse(host, strlen(host), &out->ip) != 0 ||
			fata_app_parse_uint(port, 1, 65535, &p) != 0) {
		fprintf(stderr, "fata-tcpip-tool: invalid address %s port %s\n", host, port);
		return -1;
	}
	out->port = (uint16_t)p;
	return 0;
}

/* Runs `p` to completion; returns its status and stores its value. */
static int wait_for(struct fata_app *app, struct fata_promise *p, union fata_value *value)
{
	int status = 0;
	int rc = fata_loop_run_until(app->loop, p, &status, value);

	return rc != 0 ? rc : status;
}

static struct fata_flow *connect_to(struct fata_app *app, const struct fata_sockaddr *to)
{
	union fata_value v;
	int rc = wait_for(app, fata_stack_connect(app->stack, to, NULL), &v);

	if (rc != 0) {
		fata_log(FATA_LOG_ERROR, "tool", "connect failed: %s", fata_strerror(rc));
		return NULL;
	}
	return v.ptr;
}

static void close_flow(struct fata_app *app, struct fata_flow *flow)
{
	wait_for(app, fata_flow_close(flow), NULL);
}

static int do_send(struct fata_app *app, const struct fata_sockaddr *to, uint64_t bytes)
{
	static uint8_t buf[CHUNK];
	struct fata_flow *flow = connect_to(app, to);
	union fata_value v;
	int rc = 0;

	if (!flow)
		return 1;
	for (uint64_t off = 0; off < bytes && rc == 0; off += CHUNK) {
		size_t n = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;

		fill_pattern(buf, off, n);
		rc = wait_for(app, fata_flow_write_copy(flow, buf, n), NULL);
	}
	if (rc == 0)
		rc = wait_for(app, fata_flow_shutdown(flow), NULL);

	/* The server closes its side after reading everything. */
	while (rc == 0) {
		rc = wait_for(app, fata_flow_read(flow), &v);
		if (rc != 0)
			break;
		if (v.view.len == 0) {
			fata_view_release(&v.view);
			break;
		}
		fata_view_release(&v.view);
	}
	if (rc != 0)
		fata_log(FATA_LOG_ERROR, "tool", "send failed: %s", fata_strerror(rc));
	close_flow(app, flow);
	return rc != 0;
}

static int do_recv(struct fata_app *app, const struct fata_sockaddr *to)
{
	struct fata_flow *flow = connect_to(app, to);
	union fata_value v;
	int rc = 0;

	if (!flow)
		return 1;
	for (;;) {
		rc = wait_for(app, fata_flow_read(flow), &v);
		if (rc != 0 || v.view.len == 0)
			break;
		if (fwrite(fata_view_data(v.view), 1, v.view.len, stdout) != v.view.len)
			rc = FATA_EIO;
		fata_view_release(&v.view);
		if (rc != 0)
			break;
	}
	if (rc == 0)
		fata_view_release(&v.view);
	else
		fata_log(FATA_LOG_ERROR, "tool", "receive failed: %s", fata_strerror(rc));
	fflush(stdout);
	close_flow(app, flow);
	return rc != 0;
}

/* One connection of the concurrent echo check. */
struct echo_check {
	struct echo_run *run;
	struct fata_flow *flow;
	uint64_t received;
	int done;
};

struct echo_run {
	struct fata_app *app;
	struct echo_check *checks;
	unsigned count, finished, failed;
	uint64_t bytes;
	uint8_t *data;
	struct fata_promise *deadline;
};

static void deadline_passed(void *arg, int status, union fata_value value)
{
	struct echo_run *run = arg;

	(void)status;
	(void)value;
	run->deadline = NULL;
	fata_loop_stop(run->app->loop);
}

static void check_finished(struct echo_check *c, int error)
{
	struct echo_run *run = c->run;

	if (c->done)
		return;
	c->done = 1;
	run->finished++;
	if (error) {
		run->failed++;
		fata_log(FATA_LOG_ERROR, "tool", "echo connection %u failed: %s",
				(unsigned)(c - run->checks), fata_strerror(error));
	}
	if (c->flow)
		fata_promise_cancel(fata_flow_close(c->flow));
	c->flow = NULL;
	if (run->finished == run->count)
		fata_loop_stop(run->app->loop);
}

static void echo_read(struct echo_check *c);

static void echo_got(void *arg, int status, union fata_value value)
{
	struct echo_check *c = arg;
	struct echo_run *run = c->run;

	if (status < 0) {
		check_finished(c, status);
		return;
	}
	if (value.view.len == 0 || c->received + value.view.len > run->bytes ||
			memcmp(fata_view_data(value.view), run->data + c->received, value.view.len) != 0) {
		fata_view_release(&value.view);
		check_finished(c, FATA_EPROTO);
		return;
	}
	c->received += value.view.len;
	fata_view_release(&value.view);
	if (c->received == run->bytes)
		check_finished(c, 0);
	else
		echo_read(c);
}

static void echo_read(struct echo_check *c)
{
	struct fata_promise *p = fata_flow_read(c->flow);

	if (!p) {
		check_finished(c, FATA_ENOMEM);
		return;
	}
	fata_promise_then(p, echo_got, c);
}

static void echo_written(void *arg, int status, union fata_value value)
{
	(void)value;
	if (status < 0)
		check_finished(arg, status);
}

static void echo_connected(void *arg, int status, union fata_value value)
{
	struct echo_check *c = arg;
	struct fata_promise *w;
	struct fata_view v;

	if (status < 0) {
		check_finished(c, status);
		return;
	}
	c->flow = value.ptr;
	if (fata_buf_copy(c->run->data, c->run->bytes, 0, &v) != 0 ||
			!(w = fata_flow_write(c->flow, v))) {
		check_finished(c, FATA_ENOMEM);
		return;
	}
	fata_view_release(&v);
	fata_promise_then(w, echo_written, c);
	echo_read(c);
}

static int do_echo(struct fata_app *app, const struct fata_sockaddr *to, uint64_t bytes,
		unsigned count)
{
	struct echo_run run = { .app = app, .count = count, .bytes = bytes };
	int rc = 0;

	run.checks = calloc(count, sizeof(*run.checks));
	run.data = malloc(bytes);
	if (!run.checks || !run.data)
		return 1;
	fill_pattern(run.data, 0, bytes);
	for (unsigned i = 0; i < count; i++) {
		struct fata_promise *p = fata_stack_connect(app->stack, to, NULL);

		run.checks[i].run = &run;
		if (!p) {
			check_finished(&run.checks[i], FATA_ENOMEM);
			continue;
		}
		fata_promise_then(p, echo_connected, &run.checks[i]);
	}

	run.deadline = fata_sleep(app->loop, ECHO_TIMEOUT_NS);
	if (run.deadline)
		fata_promise_then(run.deadline, deadline_passed, &run);
	if (run.finished < count)
		fata_loop_run(app->loop, FATA_RUN_FOREVER);
	fata_promise_cancel(run.deadline);
	if (run.finished < count) {
		fata_log(FATA_LOG_ERROR, "tool", "%u of %u echo connections did not finish",
				count - run.finished, count);
		rc = 1;
	}
	if (run.failed > 0)
		rc = 1;

	/* Let the closes go out before the stack is destroyed. */
	wait_for(app, fata_sleep(app->loop, NS_PER_S), NULL);
	free(run.checks);
	free(run.data);
	return rc;
}

static int do_pattern(uint64_t bytes)
{
	static uint8_t buf[CHUNK];

	for (uint64_t off = 0; off < bytes; off += CHUNK) {
		size_t n = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;

		fill_pattern(buf, off, n);
		if (fwrite(buf, 1, n, stdout) != n)
			return 1;
	}
	return fflush(stdout) != 0;
}

int main(int argc, char **argv)
{
	struct fata_app_info info = {
		.name = "fata-tcpip-tool",
		.usage_args = "pattern BYTES | send HOST PORT BYTES | recv HOST PORT | "
			"echo HOST PORT BYTES N",
		.summary = "Move test data over TCP on Fata's stack.",
		.min_args = 2,
		.max_args = 5,
	};
	struct fata_app_options opts;
	struct fata_sockaddr to;
	struct fata_app app;
	uint64_t bytes = 0, count = 0;
	const char *cmd;
	char **args;
	int nargs, rc;

	fata_app_parse(argc, argv, &info, &opts);
	args = argv + opts.first_arg;
	nargs = argc - opts.first_arg;
	cmd = args[0];

	if (strcmp(cmd, "pattern") == 0) {
		if (nargs != 2 || fata_app_parse_uint(args[1], 0, UINT64_MAX, &bytes) != 0)
			goto usage;
		return do_pattern(bytes);
	}

	if (nargs < 3 || parse_addr(args[1], args[2], &to) != 0)
		goto usage;
	if ((strcmp(cmd, "send") == 0 && (nargs != 4 ||
			fata_app_parse_uint(args[3], 0, UINT64_MAX, &bytes) != 0)) ||
			(strcmp(cmd, "recv") == 0 && nargs != 3) ||
			(strcmp(cmd, "echo") == 0 && (nargs != 5 ||
			fata_app_parse_uint(args[3], 1, 1u << 24, &bytes) != 0 ||
			fata_app_parse_uint(args[4], 1, 10000, &count) != 0)))
		goto usage;

	if (fata_app_start(&app, "fata-tcpip-tool", &opts) < 0)
		return 1;
	if (strcmp(cmd, "send") == 0)
		rc = do_send(&app, &to, bytes);
	else if (strcmp(cmd, "recv") == 0)
		rc = do_recv(&app, &to);
	else if (strcmp(cmd, "echo") == 0)
		rc = do_echo(&app, &to, bytes, (unsigned)count);
	else
		rc = 2;
	fata_app_finish(&app);
	if (rc == 2)
		goto usage;
	return rc;

usage:
	fprintf(stderr, "fata-tcpip-tool: invalid arguments (usage: fata-tcpip-tool [OPTIONS] %s)\n",
			info.usage_args);
	return 2;
}

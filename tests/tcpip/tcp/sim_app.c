/* The simulation tests' application: see sim_app.h. */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include <fata/buf.h>
#include <fata/error.h>

#include "sim_app.h"

#define FNV_INIT UINT64_C(0xcbf29ce484222325)

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint8_t next_byte(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (uint8_t)(x >> 24);
}

void sim_app_fail(struct sim_app *app, const char *what, int code)
{
	if (app->failure[0] == 0)
		snprintf(app->failure, sizeof(app->failure), "%s (%s)", what, fata_error_name(code));
}

static void side_failed(struct sim_side *side, const char *what, int status)
{
	char text[128];

	snprintf(text, sizeof(text), "%s: %s", side->name, what);
	sim_app_fail(side->app, text, status);
	if (side->app->done) {
		struct fata_promise *done = side->app->done;
		side->app->done = NULL;
		fata_promise_reject(done, status);
	}
}

static void on_closed(void *arg, int status, union fata_value value)
{
	struct sim_side *side = arg;
	struct sim_app *app = side->app;

	(void)value;
	if (status < 0)
		sim_app_fail(app, "close failed", status);
	side->closed = 1;
	if (app->client.closed && app->server.closed && app->done) {
		struct fata_promise *done = app->done;
		app->done = NULL;
		fata_promise_fulfill(done, (union fata_value){ .u64 = 0 });
	}
}

static void check_done(struct sim_side *side)
{
	if (!side->eof || !side->shut || !side->flow)
		return;

	struct fata_flow *flow = side->flow;
	side->flow = NULL;
	struct fata_promise *p = fata_flow_close(flow);
	ck_assert_ptr_nonnull(p);
	fata_promise_then(p, on_closed, side);
}

static void write_next(struct sim_side *side);

static void on_shutdown(void *arg, int status, union fata_value value)
{
	struct sim_side *side = arg;

	(void)value;
	if (status < 0) {
		side_failed(side, "shutdown failed", status);
		return;
	}
	side->shut = 1;
	check_done(side);
}

static void on_written(void *arg, int status, union fata_value value)
{
	struct sim_side *side = arg;

	(void)value;
	if (status < 0) {
		side_failed(side, "write failed", status);
		return;
	}
	write_next(side);
}

static void write_next(struct sim_side *side)
{
	struct fata_rng *rng = side->app->rng;

	if (side->written == side->to_write) {
		struct fata_promise *p = fata_flow_shutdown(side->flow);
		ck_assert_ptr_nonnull(p);
		fata_promise_then(p, on_shutdown, side);
		return;
	}

	/* Writes of 1 byte to 64 KiB, cut in two views at a random point. */
	uint64_t left = side->to_write - side->written;
	uint64_t len = 1 + fata_rng_below(rng, 65536);
	if (len > left)
		len = left;
	struct fata_view v;
	ck_assert_int_eq(fata_buf_alloc(0, len, &v), 0);
	uint8_t *p = fata_view_data(v);
	for (uint64_t i = 0; i < len; i++)
		p[i] = next_byte(&side->data_state);
	side->write_hash = fnv1a(side->write_hash, p, len);
	side->written += len;

	struct fata_view parts[2];
	uint32_t cut = (uint32_t)fata_rng_below(rng, len + 1);
	fata_view_slice(v, 0, cut, &parts[0]);
	fata_view_slice(v, cut, len - cut, &parts[1]);
	struct fata_promise *w = fata_flow_writev(side->flow, parts, 2);
	fata_view_release(&v);
	ck_assert_ptr_nonnull(w);
	fata_promise_then(w, on_written, side);
}

static void read_next(struct sim_side *side);

static void on_read(void *arg, int status, union fata_value value)
{
	struct sim_side *side = arg;

	if (status < 0) {
		side_failed(side, "read failed", status);
		return;
	}
	if (value.view.len == 0) {
		side->eof = 1;
		fata_view_release(&value.view);
		check_done(side);
		return;
	}
	side->read_hash = fnv1a(side->read_hash, fata_view_data(value.view), value.view.len);
	side->read_bytes += value.view.len;
	fata_view_release(&value.view);
	read_next(side);
}

static void read_next(struct sim_side *side)
{
	struct fata_promise *p = fata_flow_read(side->flow);

	ck_assert_ptr_nonnull(p);
	fata_promise_then(p, on_read, side);
}

static void side_start(struct sim_side *side, struct fata_flow *flow)
{
	side->flow = flow;
	write_next(side);
	read_next(side);
}

void sim_app_on_connected(void *arg, int status, union fata_value value)
{
	struct sim_app *app = arg;

	if (status < 0) {
		side_failed(&app->client, "connect failed", status);
		return;
	}
	side_start(&app->client, value.ptr);
}

void sim_app_on_accepted(void *arg, int status, union fata_value value)
{
	struct sim_app *app = arg;

	if (status < 0) {
		side_failed(&app->server, "accept failed", status);
		return;
	}
	fata_listener_close(app->listener);
	app->listener = NULL;
	side_start(&app->server, value.ptr);
}

void sim_app_init(struct sim_app *app, struct fata_loop *loop, struct fata_rng *rng,
		uint64_t seed, uint64_t client_bytes, uint64_t server_bytes)
{
	memset(app, 0, sizeof(*app));
	app->rng = rng;
	app->client.app = app->server.app = app;
	app->client.name = "client";
	app->server.name = "server";
	app->client.to_write = client_bytes;
	app->server.to_write = server_bytes;
	app->client.data_state = seed * 7 + 1;
	app->server.data_state = seed * 13 + 5;
	app->client.write_hash = app->client.read_hash = FNV_INIT;
	app->server.write_hash = app->server.read_hash = FNV_INIT;
	app->done = fata_promise_new(loop, "sim.done");
	ck_assert_ptr_nonnull(app->done);
}

void sim_app_verify(struct sim_app *app)
{
	if (app->server.read_bytes != app->client.written ||
			app->server.read_hash != app->client.write_hash)
		sim_app_fail(app, "server read other bytes than the client wrote", 0);
	if (app->client.read_bytes != app->server.written ||
			app->client.read_hash != app->server.write_hash)
		sim_app_fail(app, "client read other bytes than the server wrote", 0);
}

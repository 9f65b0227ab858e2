/*
 * The application both TCP simulation tests run on each end of a
 * connection. It writes a seeded byte stream in random-sized vectored
 * writes, shuts down, reads the peer's stream to its end, then closes. It
 * hashes both directions, so the test can compare what was written with
 * what was read.
 */
#ifndef TCP_TEST_SIM_APP_H
#define TCP_TEST_SIM_APP_H

#include <stdint.h>

#include <fata/flow.h>
#include <fata/promise.h>
#include <fata/sim.h>
#include <fata/stack.h>

struct sim_app;

struct sim_side {
	struct sim_app *app;
	const char *name;
	struct fata_flow *flow;
	uint64_t to_write, written;
	uint64_t data_state; /* xorshift state of the bytes written */
	uint64_t write_hash;
	uint64_t read_bytes, read_hash;
	int eof, shut, closed;
};

struct sim_app {
	struct fata_rng *rng;
	struct sim_side client, server;
	struct fata_listener *listener; /* closed after the first accept */
	struct fata_promise *done;      /* fulfilled when both sides closed */
	char failure[256];
};

/* Prepares both sides; `done` is created on `loop`. */
void sim_app_init(struct sim_app *app, struct fata_loop *loop, struct fata_rng *rng,
		uint64_t seed, uint64_t client_bytes, uint64_t server_bytes);

/* Then-callbacks for the connect and accept promises (arg: the app). */
void sim_app_on_connected(void *arg, int status, union fata_value value);
void sim_app_on_accepted(void *arg, int status, union fata_value value);

/* Records the first failure. */
void sim_app_fail(struct sim_app *app, const char *what, int code);

/* Checks that each side read what the other wrote; records a failure otherwise. */
void sim_app_verify(struct sim_app *app);

#endif

/*
 * A test server on a virtual loop with an in-memory client connection,
 * and a parser for the responses the server writes. Shared by the server
 * and client tests.
 */
#ifndef TESTS_HTTP_SERVER_HARNESS_H
#define TESTS_HTTP_SERVER_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <fata/http.h>
#include <fata/http_server.h>
#include <fata/loop.h>

#include "memflow.h"

/* The wall clock the harness gives the server: Sun, 06 Nov 1994 08:49:37 GMT. */
#define HARNESS_WALL_SECONDS INT64_C(784111777)
/* Last-Modified of the "/validators" resource, one day earlier. */
#define HARNESS_LAST_MODIFIED (HARNESS_WALL_SECONDS - 86400)

struct harness {
	struct fata_loop *loop;
	struct fata_http_server *server;
	struct memflow_pair *pair;   /* end 0 is the test's client, end 1 the server's */
	struct fata_flow *ends[2];
	struct fata_http_exchange *held;  /* set by "/async" */
	int aborts;                        /* abort callbacks seen */
	int accesses;                      /* access callbacks seen */
	int last_access_status;
	char last_request_line[256];
};

/* Creates the loop and the server; `config` may be NULL for the defaults. */
void harness_start(struct harness *h, const struct fata_http_server_config *config);

/* Opens a new in-memory connection to the server (replacing h->pair). */
void harness_connect(struct harness *h);

/* Runs every callback that is ready, without advancing the virtual clock. */
void harness_settle(struct harness *h);

/* Sends `text` from the client end and settles. */
void harness_send(struct harness *h, const char *text);

/* Frees the server, the pair and the loop. */
void harness_stop(struct harness *h);

/* The handler the harness installs; see harness.c for its routes. */
void harness_handler(void *arg, struct fata_http_exchange *ex);

/* One parsed response. */
struct parsed_response {
	int status;
	char head[2048];             /* the head as text, NUL-terminated */
	char body[8192];
	size_t body_len;
	char trailers[512];
	int chunked;
};

/*
 * Parses up to `max` responses from `len` bytes at `buf`; responses to
 * HEAD are read without a body when `head_method` is set. Returns the
 * number of complete responses.
 */
int parse_responses(const char *buf, size_t len, struct parsed_response *out, int max,
		int head_method);

/* Receives everything the server wrote and parses it. */
int harness_responses(struct harness *h, struct parsed_response *out, int max, int head_method);

/* Returns the value of field `name` in a parsed head, or NULL; `out` gets a copy. */
const char *response_field(const struct parsed_response *r, const char *name, char *out,
		size_t cap);

#endif

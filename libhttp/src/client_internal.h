/*
 * The client's internal structures, shared by client.c and client_conn.c.
 * Not installed.
 */
#ifndef HTTP_CLIENT_INTERNAL_H
#define HTTP_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <fata/counter.h>
#include <fata/http.h>
#include <fata/http_client.h>
#include <fata/loop.h>

/* A queued request, serialized when it was queued. */
struct client_req {
	struct client_req *next;
	struct fata_http_client *client;
	struct fata_promise *promise;
	enum fata_http_method method;
	struct fata_view head;   /* owned: request line and fields */
	struct fata_view body;   /* owned reference to the caller's body */
	int wants_close;         /* the request carried "Connection: close" */
	int retried;
};

/* The active request's progress. */
enum client_phase {
	PHASE_IDLE = 0,
	PHASE_CONNECTING,
	PHASE_HEAD,     /* request sent or being sent; reading the response head */
	PHASE_BODY,
};

struct fata_http_client {
	struct fata_loop *loop;
	struct fata_http_client_config config;
	struct fata_http_client_stats stats;
	struct fata_counter_group counters;

	struct client_req *queue, *queue_tail;
	struct client_req *active;
	enum client_phase phase;

	struct fata_flow *flow;
	uint32_t flow_uses;      /* responses completed on this flow */
	struct fata_promise *connect_p, *read_p, *write_p;
	struct fata_timer timer;

	/* The response being read. */
	struct fata_http_parser parser;
	struct fata_http_response head;
	uint8_t *in;
	size_t in_len, in_cap;
	int got_bytes;           /* some byte of a response arrived for the active request */
	uint8_t *storage;        /* the final head's bytes, then the trailers */
	size_t head_len;
	struct fata_http_chunked chunked;
	uint8_t *body;
	size_t body_len, body_cap;
	uint64_t body_remaining;
};

/* client.c */
void http_client_req_free(struct client_req *req);

/* client_conn.c */
void http_client_init_timer(struct fata_http_client *client);
void http_client_start_next(struct fata_http_client *client);
void http_client_drop_connection(struct fata_http_client *client);
void http_client_reset_response(struct fata_http_client *client);

#endif

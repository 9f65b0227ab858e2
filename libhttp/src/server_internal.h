/*
 * The server's internal structures, shared by server*.c. Not installed.
 *
 * Ownership: the server owns its connections (a doubly linked list). A
 * connection owns its flow, its input buffer and, while a request is
 * being handled, the exchange. When the connection fails while a handler
 * has the exchange, the exchange takes over the input buffer (its
 * request points into it) and lives on, detached, until the handler
 * finishes it.
 */
#ifndef HTTP_SERVER_INTERNAL_H
#define HTTP_SERVER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <fata/http.h>
#include <fata/http_server.h>
#include <fata/loop.h>

/* Bytes of response fields and trailers one exchange can hold. */
#define HTTP_FIELDS_MAX 4096
#define HTTP_TRAILERS_MAX 1024
/* Bytes of unread request body the server discards to keep a connection open. */
#define HTTP_DRAIN_MAX (64 * 1024)
/* How long a closing connection keeps reading so the client sees the response. */
#define HTTP_LINGER_NS (2 * UINT64_C(1000000000))
/* Trailer fields of a request kept for the handler. */
#define HTTP_REQUEST_TRAILERS_MAX 16

enum http_conn_state {
	CONN_HEAD = 0,   /* reading a request head */
	CONN_EXCHANGE,   /* a handler has the exchange, or its response is being written */
	CONN_DRAIN,      /* discarding the unread rest of the last request's body */
	CONN_LINGER,     /* response sent and write side shut; discarding input until EOF */
};

/* The contents of the pending flow write. */
enum http_write_kind {
	WRITE_NONE = 0,
	WRITE_RESPONSE,  /* the last bytes of the exchange's response */
	WRITE_STREAM,    /* one part of a streamed body */
	WRITE_SERVER,    /* a response the server made (errors, 503); the connection closes after */
};

struct http_conn;

struct fata_http_exchange {
	struct http_conn *conn;  /* NULL once the exchange is detached */
	struct fata_loop *loop;
	struct fata_http_request request;
	uint8_t *owned_in;       /* input buffer taken over from a failed connection */
	int64_t time_seconds;
	const char *request_line;
	size_t request_line_len;

	int aborted;
	int abort_error;
	void (*abort_fn)(void *arg, struct fata_http_exchange *ex, int error);
	void *abort_arg;

	/* Request body. */
	struct fata_promise *body_read;
	int body_done;
	int continue_sent;
	struct fata_http_header trailers[HTTP_REQUEST_TRAILERS_MAX];
	size_t trailer_count;

	/* Response. */
	int handed_over;         /* the handler has been called with the exchange */
	int started;             /* a send or stream_begin has run */
	int finished;            /* the handler has finished the exchange */
	int close;
	int status;
	char fields[HTTP_FIELDS_MAX];
	size_t fields_len;
	char response_trailers[HTTP_TRAILERS_MAX];
	size_t response_trailers_len;
	int has_validators;
	char etag[256];
	struct fata_http_validators validators;

	/* Streaming. */
	int streaming;
	int chunked;
	int no_body;             /* HEAD, 1xx, 204, 304: the writes are counted, not sent */
	int64_t stream_length;   /* -1 when unknown */
	uint64_t body_bytes;     /* body bytes sent (or counted for HEAD) */
	struct fata_view pending_head;
	struct fata_promise *user_write;
};

struct http_conn {
	struct http_conn *prev, *next;
	struct fata_http_server *server;
	struct fata_loop *loop;
	struct fata_flow *flow;
	struct fata_sockaddr remote;
	int has_remote;
	enum http_conn_state state;
	int rejecting;           /* over the connection limit: 503 and close */
	int close_after;         /* close once the current response is written */
	int read_eof;

	/* Input: bytes [in_start, in_end) of `in` are unread; a stashed read waits behind them. */
	uint8_t *in;
	uint32_t in_cap, in_start, in_end;
	uint32_t head_len;       /* bytes of the current request head at the front of `in` */
	struct fata_view stash;
	struct fata_promise *read_p;

	/* Writes. */
	struct fata_promise *write_p;
	enum http_write_kind write_kind;
	struct fata_promise *interim_p;
	struct fata_promise *end_p;   /* from fata_http_exchange_stream_end() */

	struct fata_timer timer;
	uint64_t head_deadline;  /* set by the first byte of a request */
	struct fata_http_parser parser;

	/* The request in progress and its body framing. */
	struct fata_http_exchange *ex;
	enum fata_http_body_kind body_kind;
	uint64_t body_remaining; /* FATA_HTTP_BODY_LENGTH */
	uint64_t body_received;
	uint64_t drained;
	struct fata_http_chunked chunked;
};

struct fata_http_server {
	struct fata_loop *loop;
	struct fata_http_server_config config;
	struct fata_http_server_stats stats;
	struct fata_counter_group *counters;
	struct fata_listener *listener;
	struct fata_promise *accept_p;
	struct fata_timer accept_retry;
	struct http_conn *conns;
	uint32_t active, rejecting;
	int shutting_down;
	struct fata_promise *shutdown_p;
	int64_t date_second;
	char date[FATA_HTTP_DATE_LEN + 1];
};

/* server.c */
int64_t http_server_now_seconds(struct fata_http_server *server);
const char *http_server_date(struct fata_http_server *server);
void http_server_conn_gone(struct fata_http_server *server, struct http_conn *conn);
void http_server_count_status(struct fata_http_server *server, int status);
void http_server_log_access(struct fata_http_server *server, struct http_conn *conn,
		const struct fata_http_exchange *ex, int status, uint64_t body_bytes);

/* server_conn.c */
int http_conn_start(struct fata_http_server *server, struct fata_flow *flow, int rejecting);
void http_conn_abort(struct http_conn *conn, int error);
void http_conn_close_idle(struct http_conn *conn);
int http_conn_write(struct http_conn *conn, const struct fata_view *views, size_t count,
		enum http_write_kind kind);
void http_conn_read_more(struct http_conn *conn);
void http_conn_arm_timer(struct http_conn *conn);
void http_conn_exchange_done(struct http_conn *conn);
void http_conn_stream_written(struct http_conn *conn, int status, uint64_t bytes);
int http_conn_will_persist(const struct http_conn *conn);
uint32_t http_conn_compact_for_append(struct http_conn *conn);
int http_conn_take_stash(struct http_conn *conn);
int http_conn_finish_without_write(struct http_conn *conn);

/* server_body.c */
void http_body_start(struct http_conn *conn);
void http_body_pump(struct http_conn *conn);
void http_body_fail(struct http_conn *conn, int error);
int http_drain_pump(struct http_conn *conn);

/* server_response.c */
struct fata_http_exchange *http_exchange_new(struct http_conn *conn);
void http_exchange_free(struct fata_http_exchange *ex);
void http_exchange_detach(struct fata_http_exchange *ex, int error);
int http_build_head(struct fata_http_exchange *ex, int status, int framing, uint64_t length,
		const char *content_range, struct fata_view *out);

/* Framing choices for http_build_head(). */
enum {
	HEAD_LENGTH = 0,   /* Content-Length: length */
	HEAD_CHUNKED,      /* Transfer-Encoding: chunked */
	HEAD_UNTIL_CLOSE,  /* neither; the connection closes after the body */
	HEAD_NO_BODY,      /* 1xx, 204, 304: no framing fields */
};

#endif

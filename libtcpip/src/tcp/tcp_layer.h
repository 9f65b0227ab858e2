/*
 * The TCP layer's driver: connection table, listeners, timers, and the
 * flow and listener objects handed to users. It connects the sans-I/O
 * connections (tcp_conn.h) to the loop, the promises and the IP layer.
 *
 * Ownership: a tcp_sock lives while its connection is not CLOSED or the
 * user still owns its flow. The user gets the flow from connect or accept
 * and gives it back with close. The socket may linger after that (FIN
 * exchange, TIME-WAIT) and is freed when the connection reaches CLOSED.
 * A socket leaves the connection table as soon as it is CLOSED.
 */
#ifndef TCP_LAYER_H
#define TCP_LAYER_H

#include <stdint.h>

#include <fata/counter.h>
#include <fata/flow.h>
#include <fata/loop.h>
#include <fata/stack.h>
#include <fata/tcpip.h>

#include "tcp_conn.h"
#include "tcp_siphash.h"
#include "tcp_stats.h"
#include "tcp_tuple.h"

struct tcpip_stack;
struct tcp_listener;

/* A write waiting for room in the send buffer; it owns its views. */
struct tcp_write {
	struct tcp_write *next;
	struct tcp_sock *sock;
	struct fata_promise *promise;
	uint64_t total;
	uint32_t count;
	struct fata_view views[];
};

/* A connection with what the driver keeps for it; see the ownership note above. */
struct tcp_sock {
	struct fata_flow flow; /* first: the user's handle converts to the socket */
	struct tcp_layer *layer;
	struct tcp_conn conn;
	struct tcp_tuple tuple;
	struct tcp_sock *hash_next;
	int hashed;
	struct fata_timer timer;

	/* A passive socket not yet accepted belongs to its listener. */
	struct tcp_listener *listener;
	struct tcp_sock *accept_next;
	int in_accept_queue;

	int user_owned;  /* the user owns `flow` */
	int user_closed; /* the user called close */
	struct fata_promise *connect_promise;
	struct fata_promise *read_promise;
	struct fata_promise *shutdown_promise;
	struct fata_promise *close_promise;
	struct tcp_write *writes;
	struct tcp_write *writes_tail;
	int shutdown_requested;
	int syncing;
	int resync;
};

/* A listening socket with its SYN and accept queues. */
struct tcp_listener {
	struct fata_listener base; /* first */
	struct tcp_layer *layer;
	struct tcp_listener *next;
	struct fata_sockaddr local;
	struct fata_tcp_options options;
	uint32_t backlog;
	uint32_t syn_count;   /* children in SYN-RECEIVED */
	struct tcp_sock *accept_head;
	struct tcp_sock *accept_tail;
	uint32_t accept_count;
	struct fata_promise *accept_promise;
};

/* The TCP layer of one stack. */
struct tcp_layer {
	struct tcpip_stack *stack;
	struct fata_loop *loop;
	struct fata_tcpip_config config;
	struct tcp_stats stats;
	struct fata_counter_group counters;
	char counter_name[48];

	/* Secrets: ISNs (RFC 6528), cookies, table hashing, timestamp offsets, ports (RFC 6056). */
	struct tcp_siphash_key isn_key;
	struct tcp_siphash_key cookie_key;
	struct tcp_siphash_key table_key;
	struct tcp_siphash_key ts_key;
	struct tcp_siphash_key port_key;
	uint32_t port_counter;

	struct tcp_sock **buckets;
	uint32_t bucket_count; /* a power of two */
	uint32_t sock_count;
	struct tcp_listener *listeners;

	uint64_t msl_ns;
	uint64_t min_rto_ns;
	uint64_t delack_ns;
};

/* Ephemeral ports (RFC 6335 section 6: the dynamic range). */
#define TCP_PORT_MIN 49152
#define TCP_PORT_MAX 65535

/*
 * Test hooks, not part of any public API: replace the random secrets with
 * ones derived from `seed` (so a simulated run repeats exactly), and set
 * the MSL, minimum RTO and delayed-ACK timeout (0 keeps the default).
 */
void tcp_layer_set_seed(struct tcp_layer *tcp, uint64_t seed);
void tcp_layer_set_timing(struct tcp_layer *tcp, uint64_t msl_ns, uint64_t min_rto_ns,
		uint64_t delack_ns);

/* Returns the layer's counters. */
const struct tcp_stats *tcp_layer_stats(const struct tcp_layer *tcp);

/* Returns the number of sockets in the layer, in any state. */
uint32_t tcp_layer_sock_count(const struct tcp_layer *tcp);

/* The functions below are shared by the driver's files. */

/* Allocates a socket for `tuple` in CLOSED; NULL when out of memory. */
struct tcp_sock *tcp_sock_new(struct tcp_layer *tcp, const struct tcp_tuple *tuple,
		const struct fata_tcp_options *options);

/*
 * Settles promises for the connection's events, moves queued writes into
 * the send buffer, sends every pending segment and re-arms the timer. May
 * free the socket, so the caller must not touch it afterwards.
 */
void tcp_sock_sync(struct tcp_sock *sock);

/* Enters the socket in the connection table. Errors: FATA_EADDRINUSE. */
int tcp_sock_hash(struct tcp_sock *sock);

/* Returns the socket for `tuple`, or NULL. */
struct tcp_sock *tcp_layer_lookup(struct tcp_layer *tcp, const struct tcp_tuple *tuple);
/* Builds and sends `out`; returns tcpip_ip_output()'s result (or FATA_ENOMEM). */
int tcp_layer_send(struct tcp_layer *tcp, const struct tcp_tuple *tuple, struct tcp_out *out);
/* Fills the connection parameters from the layer's configuration and `options`. */
void tcp_layer_conn_params(struct tcp_layer *tcp, const struct tcp_tuple *tuple,
		const struct fata_tcp_options *options, struct tcp_conn_params *params);

/* Returns the timestamp clock offset of `tuple` (a keyed hash, stable per tuple). */
uint32_t tcp_layer_ts_offset(struct tcp_layer *tcp, const struct tcp_tuple *tuple);

/* Handles a segment for listener `l` that matched no connection (RFC 9293 3.10.7.2). */
void tcp_listen_input(struct tcp_listener *l, const struct tcp_tuple *tuple,
		const struct tcp_segment *seg);

/* Returns the listener for `addr`:`port`, the exact address before the wildcard, or NULL. */
struct tcp_listener *tcp_listener_find(struct tcp_layer *tcp, const struct fata_ipaddr *addr,
		uint16_t port);

/* Moves a child that completed its handshake to the accept queue or a waiting accept. */
void tcp_listener_child_established(struct tcp_sock *sock);

/* Detaches a child that closed before anyone accepted it. */
void tcp_listener_child_gone(struct tcp_sock *sock);

/* Closes every listener of the layer. */
void tcp_listener_free_all(struct tcp_layer *tcp);

/* The flow operations of a tcp_sock. */
extern const struct fata_flow_ops tcp_flow_ops;

/* Settles the pending read, writes, shutdown and close for the connection's state. */
void tcp_flow_events(struct tcp_sock *sock, unsigned events);

/* Moves queued writes into the send buffer and queues the FIN after a shutdown. */
void tcp_flow_pump(struct tcp_sock *sock);
/*
 * Aborts the connection and settles what is pending with `error`. With
 * `teardown` set the user's flow is invalidated too, so the socket is freed.
 */
void tcp_flow_abort_all(struct tcp_sock *sock, int error, int teardown);

#endif

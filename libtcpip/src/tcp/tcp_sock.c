/*
 * Sockets: a connection plus what the driver keeps for it (timer, promises,
 * listener link), the step that turns connection events into promise
 * settlements and segments into IP packets, and the active open.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>

#include "../ip.h"
#include "../tcp.h"
#include "tcp_isn.h"
#include "tcp_layer.h"

/* Segments one sync may send; a bound against a runaway loop, far above a full window. */
#define SYNC_MAX_SEGMENTS 4096

static void sock_timer_fired(void *arg, struct fata_timer *timer)
{
	struct tcp_sock *sock = arg;

	(void)timer;
	tcp_conn_on_timer(&sock->conn, fata_loop_now(sock->layer->loop));
	tcp_sock_sync(sock);
}

struct tcp_sock *tcp_sock_new(struct tcp_layer *tcp, const struct tcp_tuple *tuple,
		const struct fata_tcp_options *options)
{
	struct tcp_conn_params params;
	struct tcp_sock *sock = fata_calloc(1, sizeof(*sock));

	if (!sock)
		return NULL;
	sock->flow.ops = &tcp_flow_ops;
	sock->flow.loop = tcp->loop;
	sock->layer = tcp;
	sock->tuple = *tuple;
	fata_timer_init(&sock->timer, sock_timer_fired, sock);

	tcp_layer_conn_params(tcp, tuple, options, &params);
	tcp_conn_init(&sock->conn, &params);
	tcp->sock_count++;
	return sock;
}

static void unhash(struct tcp_sock *sock)
{
	struct tcp_layer *tcp = sock->layer;

	if (!sock->hashed)
		return;

	uint32_t i = (uint32_t)tcp_tuple_hash(&tcp->table_key, &sock->tuple) & (tcp->bucket_count - 1);
	for (struct tcp_sock **p = &tcp->buckets[i]; *p; p = &(*p)->hash_next) {
		if (*p == sock) {
			*p = sock->hash_next;
			break;
		}
	}
	sock->hashed = 0;
	sock->hash_next = NULL;
}

static void sock_free(struct tcp_sock *sock)
{
	struct tcp_layer *tcp = sock->layer;

	unhash(sock);
	fata_timer_cancel(tcp->loop, &sock->timer);
	tcp_conn_free(&sock->conn);
	tcp->sock_count--;
	fata_free(sock);
}

static void flush_output(struct tcp_sock *sock, uint64_t now)
{
	struct tcp_conn *c = &sock->conn;
	struct tcp_out out;

	for (int i = 0; i < SYNC_MAX_SEGMENTS; i++) {
		int r = tcp_conn_output(c, now, &out);
		if (r <= 0)
			break;

		int err = tcp_layer_send(sock->layer, &sock->tuple, &out);
		if (err != FATA_ENETUNREACH && err != FATA_EHOSTUNREACH)
			continue;

		/*
		 * No route: a connection still opening fails at once, as no
		 * retransmission can help. Later the error is only remembered
		 * and reported if the connection times out (RFC 1122 section
		 * 4.2.3.9 treats unreachable destinations as soft errors).
		 */
		if (c->state == TCP_SYN_SENT) {
			tcp_conn_fail(c, err);
			break;
		}
		c->soft_error = err;
	}
}

static void log_failure(const struct tcp_sock *sock)
{
	char local[FATA_SOCKADDR_STRLEN], remote[FATA_SOCKADDR_STRLEN];
	struct fata_sockaddr l = { sock->tuple.local, sock->tuple.local_port };
	struct fata_sockaddr r = { sock->tuple.remote, sock->tuple.remote_port };

	if (!fata_log_enabled(FATA_LOG_DEBUG))
		return;
	fata_sockaddr_format(&l, local, sizeof(local));
	fata_sockaddr_format(&r, remote, sizeof(remote));
	fata_log(FATA_LOG_DEBUG, "tcp", "connection %s -> %s failed: %s", local, remote,
			fata_error_name(sock->conn.error));
}

static void connect_events(struct tcp_sock *sock, unsigned events)
{
	if (!sock->connect_promise)
		return;

	if (events & TCP_EV_CONNECTED) {
		struct fata_promise *p = sock->connect_promise;
		sock->connect_promise = NULL;
		sock->user_owned = 1;
		fata_promise_fulfill_owned(p, (union fata_value){ .ptr = &sock->flow },
				fata_flow_value_release);
	} else if (sock->conn.error) {
		struct fata_promise *p = sock->connect_promise;
		sock->connect_promise = NULL;
		fata_promise_reject(p, sock->conn.error);
	}
}

/* Returns 1 when nothing refers to the socket any more. */
static int sock_done(const struct tcp_sock *sock)
{
	if (sock->conn.state != TCP_CLOSED || sock->conn.rst_pending)
		return 0;
	if (sock->user_owned && !sock->user_closed)
		return 0;
	return sock->connect_promise == NULL && !sock->in_accept_queue;
}

static void sync_once(struct tcp_sock *sock, uint64_t now)
{
	unsigned events = tcp_conn_take_events(&sock->conn);

	if ((events & TCP_EV_ERROR) && sock->conn.error)
		log_failure(sock);

	connect_events(sock, events);
	if (sock->listener) {
		if (events & TCP_EV_CONNECTED)
			tcp_listener_child_established(sock);
		else if (sock->conn.state == TCP_CLOSED)
			tcp_listener_child_gone(sock);
	}
	tcp_flow_events(sock, events);
	tcp_flow_pump(sock);
	flush_output(sock, now);

	if (sock->conn.state == TCP_CLOSED)
		unhash(sock);
}

void tcp_sock_sync(struct tcp_sock *sock)
{
	struct tcp_layer *tcp = sock->layer;
	uint64_t now = fata_loop_now(tcp->loop);

	/* Nested calls (from a pump inside a sync) only ask for another round. */
	if (sock->syncing) {
		sock->resync = 1;
		return;
	}
	sock->syncing = 1;
	do {
		sock->resync = 0;
		sync_once(sock, now);
	} while (sock->resync || sock->conn.events);
	sock->syncing = 0;

	if (sock_done(sock)) {
		sock_free(sock);
		return;
	}

	uint64_t deadline = tcp_conn_deadline(&sock->conn);
	if (deadline == UINT64_MAX) {
		fata_timer_cancel(tcp->loop, &sock->timer);
	} else if (!fata_timer_armed(&sock->timer) || sock->timer.deadline != deadline) {
		/* Without memory for the timer heap, retry on the next event. */
		if (fata_timer_arm(tcp->loop, &sock->timer, deadline < now ? now : deadline) < 0)
			fata_log(FATA_LOG_WARN, "tcp", "timer could not be armed: out of memory");
	}
}

/* RFC 6056 section 3.3.3 (algorithm 3): a keyed hash picks where the search starts. */
static int choose_port(struct tcp_layer *tcp, struct tcp_tuple *tuple)
{
	uint8_t packed[TCP_TUPLE_PACKED];
	uint32_t range = TCP_PORT_MAX - TCP_PORT_MIN + 1;

	tuple->local_port = 0;
	tcp_tuple_pack(tuple, packed);
	uint32_t offset = (uint32_t)tcp_siphash(&tcp->port_key, packed, sizeof(packed));

	for (uint32_t i = 0; i < range; i++) {
		uint16_t port = (uint16_t)(TCP_PORT_MIN + (offset + tcp->port_counter) % range);
		tcp->port_counter++;
		tuple->local_port = port;
		if (!tcp_layer_lookup(tcp, tuple) && !tcp_listener_find(tcp, &tuple->local, port))
			return 0;
	}
	return FATA_EADDRINUSE;
}

static void connect_cancel(void *ctx, struct fata_promise *promise)
{
	struct tcp_sock *sock = ctx;

	(void)promise;
	sock->connect_promise = NULL;
	tcp_conn_abort(&sock->conn, FATA_ECANCELED);
	tcp_sock_sync(sock);
}

static int connect_tuple(struct tcp_layer *tcp, const struct fata_sockaddr *remote,
		struct tcp_tuple *tuple)
{
	memset(tuple, 0, sizeof(*tuple));
	if (remote->port == 0 || (remote->ip.family != FATA_AF_INET &&
			remote->ip.family != FATA_AF_INET6) || fata_ipaddr_is_any(&remote->ip))
		return FATA_EINVAL;
	tuple->remote = remote->ip;
	tuple->remote_port = remote->port;

	int err = tcpip_ip_source_for(tcp->stack, &remote->ip, &tuple->local);
	if (err < 0)
		return err;
	if (tcp->sock_count >= tcp->config.tcp_max_connections)
		return FATA_ELIMIT;
	return choose_port(tcp, tuple);
}

struct fata_promise *tcp_connect(struct tcp_layer *tcp, const struct fata_sockaddr *remote,
		const struct fata_tcp_options *options)
{
	struct fata_promise *p = fata_promise_new(tcp->loop, "tcp.connect");
	struct tcp_tuple tuple;

	if (!p)
		return NULL;

	int err = connect_tuple(tcp, remote, &tuple);
	if (err < 0) {
		tcp->stats.failed_attempts++;
		fata_promise_reject(p, err);
		return p;
	}

	struct tcp_sock *sock = tcp_sock_new(tcp, &tuple, options);
	if (!sock || tcp_sock_hash(sock) < 0) {
		if (sock) {
			tcp_conn_free(&sock->conn);
			tcp->sock_count--;
			fata_free(sock);
		}
		fata_promise_reject(p, FATA_ENOMEM);
		return p;
	}

	uint64_t now = fata_loop_now(tcp->loop);
	sock->connect_promise = p;
	fata_promise_on_cancel(p, connect_cancel, sock);
	tcp_conn_connect(&sock->conn, tcp_isn(&tcp->isn_key, &tuple, now), now);
	tcp_sock_sync(sock);
	return p;
}

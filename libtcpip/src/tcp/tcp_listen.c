/*
 * Listeners: SEGMENT ARRIVES in LISTEN (RFC 9293 section 3.10.7.2), the SYN
 * queue and the accept queue of one backlog each, SYN cookies when the SYN
 * queue is full (RFC 4987 section 3.6), and the struct fata_listener
 * handed to users.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "../ip.h"
#include "../tcp.h"
#include "tcp_isn.h"
#include "tcp_layer.h"

/* Backlog when the caller passes 0, and the largest accepted. */
#define DEFAULT_BACKLOG 128
#define MAX_BACKLOG 65535

static int addr_matches(const struct fata_sockaddr *bound, const struct fata_ipaddr *addr)
{
	if (bound->ip.family == FATA_AF_NONE || fata_ipaddr_is_any(&bound->ip))
		return bound->ip.family == FATA_AF_NONE || bound->ip.family == addr->family;
	return fata_ipaddr_equal(&bound->ip, addr);
}

struct tcp_listener *tcp_listener_find(struct tcp_layer *tcp, const struct fata_ipaddr *addr,
		uint16_t port)
{
	struct tcp_listener *wildcard = NULL;

	/* A listener on the exact address wins over one on the unspecified address. */
	for (struct tcp_listener *l = tcp->listeners; l; l = l->next) {
		if (l->local.port != port || !addr_matches(&l->local, addr))
			continue;
		if (l->local.ip.family != FATA_AF_NONE && !fata_ipaddr_is_any(&l->local.ip))
			return l;
		wildcard = l;
	}
	return wildcard;
}

static void accept_queue_remove(struct tcp_listener *l, struct tcp_sock *sock)
{
	struct tcp_sock *prev = NULL;

	for (struct tcp_sock *it = l->accept_head; it; prev = it, it = it->accept_next) {
		if (it != sock)
			continue;
		if (prev)
			prev->accept_next = sock->accept_next;
		else
			l->accept_head = sock->accept_next;
		if (l->accept_tail == sock)
			l->accept_tail = prev;
		l->accept_count--;
		break;
	}
	sock->accept_next = NULL;
	sock->in_accept_queue = 0;
}

/* Hands `sock` to the user through the pending accept promise. */
static void deliver(struct tcp_listener *l, struct tcp_sock *sock)
{
	struct fata_promise *p = l->accept_promise;

	l->accept_promise = NULL;
	sock->listener = NULL;
	sock->user_owned = 1;
	fata_promise_fulfill_owned(p, (union fata_value){ .ptr = &sock->flow },
			fata_flow_value_release);
}

void tcp_listener_child_established(struct tcp_sock *sock)
{
	struct tcp_listener *l = sock->listener;

	if (l->syn_count > 0 && !sock->conn.error)
		l->syn_count--;
	if (l->accept_promise) {
		deliver(l, sock);
		return;
	}

	sock->in_accept_queue = 1;
	sock->accept_next = NULL;
	if (l->accept_tail)
		l->accept_tail->accept_next = sock;
	else
		l->accept_head = sock;
	l->accept_tail = sock;
	l->accept_count++;
}

void tcp_listener_child_gone(struct tcp_sock *sock)
{
	struct tcp_listener *l = sock->listener;

	if (sock->in_accept_queue)
		accept_queue_remove(l, sock);
	else if (l->syn_count > 0)
		l->syn_count--;
	sock->listener = NULL;
}

static void accept_cancel(void *ctx, struct fata_promise *promise)
{
	struct tcp_listener *l = ctx;

	if (l->accept_promise == promise)
		l->accept_promise = NULL;
}

static struct fata_promise *listener_accept(struct fata_listener *base)
{
	struct tcp_listener *l = (struct tcp_listener *)base;
	struct fata_promise *p = fata_promise_new(base->loop, "tcp.accept");

	if (!p)
		return NULL;
	if (l->accept_promise) {
		fata_promise_reject(p, FATA_EBUSY);
		return p;
	}

	l->accept_promise = p;
	if (l->accept_head) {
		struct tcp_sock *sock = l->accept_head;
		accept_queue_remove(l, sock);
		deliver(l, sock);
		return p;
	}
	fata_promise_on_cancel(p, accept_cancel, l);
	return p;
}

/* Aborts every child of `l`: queued, and still in the handshake. */
static void abort_children(struct tcp_listener *l)
{
	struct tcp_layer *tcp = l->layer;

	while (l->accept_head) {
		struct tcp_sock *sock = l->accept_head;
		accept_queue_remove(l, sock);
		sock->listener = NULL;
		tcp_flow_abort_all(sock, FATA_ECONNABORTED, 0);
	}

	for (uint32_t b = 0; b < tcp->bucket_count; b++) {
		struct tcp_sock *sock = tcp->buckets[b];
		while (sock) {
			struct tcp_sock *next = sock->hash_next;
			if (sock->listener == l) {
				sock->listener = NULL;
				tcp_flow_abort_all(sock, FATA_ECONNABORTED, 0);
				/* The bucket changed under us: start it again. */
				next = tcp->buckets[b];
			}
			sock = next;
		}
	}
	l->syn_count = 0;
}

static void listener_free(struct tcp_listener *l)
{
	struct tcp_layer *tcp = l->layer;

	for (struct tcp_listener **p = &tcp->listeners; *p; p = &(*p)->next) {
		if (*p == l) {
			*p = l->next;
			break;
		}
	}
	if (l->accept_promise) {
		struct fata_promise *p = l->accept_promise;
		l->accept_promise = NULL;
		fata_promise_reject(p, FATA_ECLOSED);
	}
	abort_children(l);
	fata_loop_unref(tcp->loop);
	fata_free(l);
}

static void listener_close(struct fata_listener *base)
{
	listener_free((struct tcp_listener *)base);
}

void tcp_listener_free_all(struct tcp_layer *tcp)
{
	while (tcp->listeners)
		listener_free(tcp->listeners);
}

static int listener_get_local(struct fata_listener *base, struct fata_sockaddr *local)
{
	struct tcp_listener *l = (struct tcp_listener *)base;

	*local = l->local;
	return 0;
}

static const struct fata_listener_ops listener_ops = {
	.accept = listener_accept,
	.close = listener_close,
	.get_local = listener_get_local,
};

static int port_taken(struct tcp_layer *tcp, const struct fata_sockaddr *local, uint16_t port)
{
	for (struct tcp_listener *l = tcp->listeners; l; l = l->next) {
		if (l->local.port != port)
			continue;
		int l_any = l->local.ip.family == FATA_AF_NONE || fata_ipaddr_is_any(&l->local.ip);
		int n_any = local->ip.family == FATA_AF_NONE || fata_ipaddr_is_any(&local->ip);
		if (l_any || n_any || fata_ipaddr_equal(&l->local.ip, &local->ip))
			return 1;
	}
	return 0;
}

static int pick_listen_port(struct tcp_layer *tcp, const struct fata_sockaddr *local,
		uint16_t *port)
{
	uint32_t range = TCP_PORT_MAX - TCP_PORT_MIN + 1;

	for (uint32_t i = 0; i < range; i++) {
		uint16_t p = (uint16_t)(TCP_PORT_MIN + (tcp->port_counter++ % range));
		if (!port_taken(tcp, local, p)) {
			*port = p;
			return 0;
		}
	}
	return FATA_EADDRINUSE;
}

int tcp_listen(struct tcp_layer *tcp, const struct fata_sockaddr *local, int backlog,
		const struct fata_tcp_options *options, struct fata_listener **out)
{
	struct fata_sockaddr addr = *local;

	*out = NULL;
	if (backlog < 0)
		return FATA_EINVAL;
	if (addr.ip.family != FATA_AF_NONE && addr.ip.family != FATA_AF_INET &&
			addr.ip.family != FATA_AF_INET6)
		return FATA_EINVAL;
	if (addr.ip.family != FATA_AF_NONE && !fata_ipaddr_is_any(&addr.ip) &&
			!tcpip_ip_is_local(tcp->stack, &addr.ip))
		return FATA_EADDRNOTAVAIL;

	if (addr.port == 0) {
		int err = pick_listen_port(tcp, &addr, &addr.port);
		if (err < 0)
			return err;
	} else if (port_taken(tcp, &addr, addr.port)) {
		return FATA_EADDRINUSE;
	}

	struct tcp_listener *l = fata_calloc(1, sizeof(*l));
	if (!l)
		return FATA_ENOMEM;
	l->base.ops = &listener_ops;
	l->base.loop = tcp->loop;
	l->layer = tcp;
	l->local = addr;
	if (options)
		l->options = *options;
	l->backlog = backlog == 0 ? DEFAULT_BACKLOG : (uint32_t)backlog;
	if (l->backlog > MAX_BACKLOG)
		l->backlog = MAX_BACKLOG;

	l->next = tcp->listeners;
	tcp->listeners = l;
	/* An open listener keeps FATA_RUN_IDLE running: a SYN may come at any time. */
	fata_loop_ref(tcp->loop);
	*out = &l->base;
	return 0;
}

/* Sends a SYN-ACK whose ISN is a cookie, keeping no state (RFC 4987 section 3.6). */
static void send_cookie(struct tcp_listener *l, const struct tcp_tuple *tuple,
		const struct tcp_segment *syn)
{
	struct tcp_layer *tcp = l->layer;
	struct tcp_conn_params params;
	struct tcp_cookie_options copts = { 0 };
	const struct tcp_options *o = &syn->opts;
	uint64_t now = fata_loop_now(tcp->loop);
	struct tcp_out out;

	tcp_layer_conn_params(tcp, tuple, &l->options, &params);
	memset(&out, 0, sizeof(out));
	fata_chain_init(&out.payload);

	/* Without timestamps there is nowhere to keep SACK and window scaling: both stay off. */
	int ts = params.timestamps && (o->present & TCP_HAS_TIMESTAMP);
	uint32_t bits = 0;
	if (ts) {
		copts.sack_ok = params.sack && (o->present & TCP_HAS_SACK_PERM);
		copts.wscale_ok = params.window_scale && (o->present & TCP_HAS_WSCALE);
		copts.wscale = o->wscale;
		bits = tcp_cookie_ts_bits(&copts);
	}

	uint16_t mss;
	uint16_t client_mss = (o->present & TCP_HAS_MSS) ? o->mss : 0;
	out.seq = tcp_cookie_make(&tcp->cookie_key, tuple, syn->seq, client_mss, bits, now, &mss);
	out.ack = syn->seq + 1;
	out.flags = TCP_SYN | TCP_ACK;
	uint32_t rcvbuf = params.rcvbuf ? params.rcvbuf : 256 * 1024;
	out.window = (uint16_t)(rcvbuf < 65535 ? rcvbuf : 65535);

	out.opts.present = TCP_HAS_MSS;
	out.opts.mss = params.mss;
	if (ts) {
		/*
		 * The option bits replace the low bits of a TSval taken 64 ms in
		 * the past, so later TSvals of the connection never go backwards.
		 */
		uint32_t clock = (uint32_t)(now / 1000000) + params.ts_offset - 64;
		out.opts.present |= TCP_HAS_TIMESTAMP;
		out.opts.ts_val = (clock & ~TCP_COOKIE_TS_MASK) | bits;
		out.opts.ts_ecr = o->ts_val;
		if (copts.sack_ok)
			out.opts.present |= TCP_HAS_SACK_PERM;
		if (copts.wscale_ok) {
			out.opts.present |= TCP_HAS_WSCALE;
			out.opts.wscale = tcp_conn_wscale_for(rcvbuf);
		}
	}

	tcp->stats.syncookies_sent++;
	tcp->stats.segments_out++;
	tcp_layer_send(tcp, tuple, &out);
}

/* Creates a connection from an ACK that carries a valid cookie, or returns an error. */
static int accept_cookie(struct tcp_listener *l, const struct tcp_tuple *tuple,
		const struct tcp_segment *ack)
{
	struct tcp_layer *tcp = l->layer;
	struct tcp_cookie_options copts = { 0 };
	struct tcp_cookie_result result = { 0 };
	uint32_t bits = 0;
	uint64_t now = fata_loop_now(tcp->loop);

	if (ack->opts.present & TCP_HAS_TIMESTAMP) {
		if (tcp_cookie_ts_decode(ack->opts.ts_ecr, &copts) < 0)
			return FATA_EAUTH;
		bits = ack->opts.ts_ecr & TCP_COOKIE_TS_MASK;
	}
	if (tcp_cookie_check(&tcp->cookie_key, tuple, ack->seq - 1, ack->ack - 1, bits, now,
			&result.mss) < 0)
		return FATA_EAUTH;

	if (l->accept_count >= l->backlog || tcp->sock_count >= tcp->config.tcp_max_connections) {
		tcp->stats.listen_drops++;
		return 0;
	}

	struct tcp_sock *sock = tcp_sock_new(tcp, tuple, &l->options);
	if (!sock)
		return 0;
	if (tcp_sock_hash(sock) < 0) {
		tcp_conn_free(&sock->conn);
		tcp->sock_count--;
		fata_free(sock);
		return 0;
	}
	result.sack_ok = copts.sack_ok;
	result.wscale_ok = copts.wscale_ok;
	result.wscale = copts.wscale;
	sock->listener = l;
	l->syn_count++;
	tcp_conn_accept_cookie(&sock->conn, ack, ack->ack - 1, &result, now);
	tcp_sock_sync(sock);
	return 0;
}

static void reset_ack(struct tcp_layer *tcp, const struct tcp_tuple *tuple, uint32_t seq)
{
	struct tcp_out out;

	memset(&out, 0, sizeof(out));
	fata_chain_init(&out.payload);
	out.seq = seq;
	out.flags = TCP_RST;
	tcp->stats.resets_out++;
	tcp->stats.segments_out++;
	tcp_layer_send(tcp, tuple, &out);
}

static void new_child(struct tcp_listener *l, const struct tcp_tuple *tuple,
		const struct tcp_segment *syn)
{
	struct tcp_layer *tcp = l->layer;
	uint64_t now = fata_loop_now(tcp->loop);
	struct tcp_sock *sock = tcp_sock_new(tcp, tuple, &l->options);

	if (!sock) {
		tcp->stats.listen_drops++;
		return;
	}
	if (tcp_sock_hash(sock) < 0) {
		tcp_conn_free(&sock->conn);
		tcp->sock_count--;
		fata_free(sock);
		return;
	}
	sock->listener = l;
	l->syn_count++;
	tcp_conn_accept_syn(&sock->conn, syn, tcp_isn(&tcp->isn_key, tuple, now), now);
	tcp_sock_sync(sock);
}

void tcp_listen_input(struct tcp_listener *l, const struct tcp_tuple *tuple,
		const struct tcp_segment *seg)
{
	struct tcp_layer *tcp = l->layer;

	/* First, a RST to a listener is ignored. */
	if (seg->flags & TCP_RST)
		return;

	/* Second, an ACK may return a SYN cookie; any other ACK gets <SEQ=SEG.ACK><CTL=RST>. */
	if (seg->flags & TCP_ACK) {
		if (!(seg->flags & TCP_SYN) && accept_cookie(l, tuple, seg) == 0)
			return;
		if (!(seg->flags & TCP_SYN))
			tcp->stats.syncookies_failed++;
		reset_ack(tcp, tuple, seg->ack);
		return;
	}

	/* Third, a SYN. Anything else is dropped. */
	if (!(seg->flags & TCP_SYN))
		return;

	if (l->accept_count >= l->backlog || tcp->sock_count >= tcp->config.tcp_max_connections) {
		tcp->stats.listen_drops++;
		return;
	}
	if (l->syn_count >= l->backlog) {
		send_cookie(l, tuple, seg);
		return;
	}
	new_child(l, tuple, seg);
}

/*
 * The stub resolver's driver: one lookup at a time per promise, each
 * asking the servers in turn over UDP, with TCP when an answer is
 * truncated, and following CNAMEs with new queries when a server's answer
 * stops at one. See fata/dns_resolver.h for the contract.
 *
 * A lookup owns a UDP socket bound to a random port for each attempt, so
 * a response can only reach it at the port it was sent from (RFC 5452
 * section 9.2).
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/datagram.h>
#include <fata/dns_resolver.h>
#include <fata/entropy.h>
#include <fata/error.h>
#include <fata/flow.h>
#include <fata/log.h>
#include <fata/promise.h>

#include "dns_internal.h"
#include "resolver_internal.h"
#include "tcp_frame.h"

/* Tries to bind a random source port before letting the stack choose. */
#define RANDOM_PORT_TRIES 8

struct lookup;

struct fata_dns_resolver {
	struct fata_loop *loop;
	struct fata_stack *stack;
	struct fata_dns_resolver_config config;
	struct fata_dns_resolver_stats stats;
	struct resolver_cache cache;
	struct lookup *lookups;
};

struct lookup {
	struct lookup *next;
	struct fata_dns_resolver *r;
	struct fata_promise *promise;
	struct fata_dns_name name;     /* as asked */
	struct fata_dns_name current;  /* the name of the query in flight */
	uint16_t type;
	unsigned cnames;
	int saw_error;                 /* some server answered with an error */
	int last_error;                /* the latest local failure, for the rejection */

	size_t server;
	uint32_t round;
	uint16_t id;
	uint8_t query[FATA_DNS_UDP_MIN];
	size_t query_len;

	struct fata_datagram *udp;
	struct fata_promise *recv;
	struct fata_sockaddr from;
	struct fata_timer timer;

	struct fata_promise *connect;
	struct fata_promise *read;
	struct fata_promise *write;
	struct fata_flow *flow;
	struct tcp_frame frame;
};

static void ignore_result(void *arg, int status, union fata_value value)
{
	(void)arg;
	(void)status;
	(void)value;
}

int fata_dns_resolver_new(struct fata_loop *loop, struct fata_stack *stack,
		const struct fata_dns_resolver_config *config, struct fata_dns_resolver **out)
{
	struct fata_dns_resolver *r;

	*out = NULL;
	if (!config || config->nservers == 0 || config->nservers > FATA_DNS_RESOLVER_MAX_SERVERS)
		return FATA_EINVAL;
	r = fata_calloc(1, sizeof *r);
	if (!r)
		return FATA_ENOMEM;
	r->loop = loop;
	r->stack = stack;
	r->config = *config;
	for (size_t i = 0; i < r->config.nservers; i++) {
		if (r->config.servers[i].port == 0)
			r->config.servers[i].port = 53;
	}
	if (!r->config.timeout_ns)
		r->config.timeout_ns = UINT64_C(2000000000);
	if (!r->config.attempts)
		r->config.attempts = 2;
	if (!r->config.max_cnames)
		r->config.max_cnames = 8;
	if (!r->config.cache_entries)
		r->config.cache_entries = 256;
	if (!r->config.max_ttl)
		r->config.max_ttl = 86400;
	if (!r->config.max_negative_ttl)
		r->config.max_negative_ttl = 3600;
	if (r->config.udp_size < FATA_DNS_UDP_MIN)
		r->config.udp_size = 1232;
	if (resolver_cache_init(&r->cache, r->config.no_cache ? 0 : r->config.cache_entries) < 0) {
		fata_free(r);
		return FATA_ENOMEM;
	}
	*out = r;
	return 0;
}

void fata_dns_answer_free(struct fata_dns_answer *answer)
{
	fata_free(answer);
}

void fata_dns_resolver_flush(struct fata_dns_resolver *r)
{
	resolver_cache_flush(&r->cache);
}

const struct fata_dns_resolver_stats *fata_dns_resolver_stats(const struct fata_dns_resolver *r)
{
	return &r->stats;
}

static void answer_release(union fata_value *value)
{
	fata_dns_answer_free(value->ptr);
}

/* Closes the sockets of the current attempt. */
static void attempt_end(struct lookup *l)
{
	fata_timer_cancel(l->r->loop, &l->timer);
	fata_promise_cancel(l->recv);
	l->recv = NULL;
	if (l->udp) {
		struct fata_promise *closed = fata_datagram_close(l->udp);

		if (closed)
			fata_promise_then(closed, ignore_result, NULL);
		l->udp = NULL;
	}
	fata_promise_cancel(l->connect);
	fata_promise_cancel(l->read);
	fata_promise_cancel(l->write);
	l->connect = l->read = l->write = NULL;
	if (l->flow) {
		struct fata_promise *closed = fata_flow_close(l->flow);

		if (closed)
			fata_promise_then(closed, ignore_result, NULL);
		l->flow = NULL;
	}
	tcp_frame_free(&l->frame);
}

static void lookup_free(struct lookup *l)
{
	attempt_end(l);
	for (struct lookup **pp = &l->r->lookups; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	fata_free(l);
}

static void lookup_fail(struct lookup *l, int error)
{
	struct fata_promise *p = l->promise;

	lookup_free(l);
	fata_promise_reject(p, error);
}

static void lookup_finish(struct lookup *l, struct fata_dns_answer *answer)
{
	struct fata_promise *p = l->promise;
	union fata_value v = { .ptr = answer };

	lookup_free(l);
	fata_promise_fulfill_owned(p, v, answer_release);
}

static void lookup_cancel(void *ctx, struct fata_promise *promise)
{
	(void)promise;
	lookup_free(ctx);
}

static void query_send(struct lookup *l);

/* Moves to the next server, or the next round, or gives up. */
static void next_server(struct lookup *l)
{
	struct fata_dns_resolver *r = l->r;

	attempt_end(l);
	if (++l->server >= r->config.nservers) {
		l->server = 0;
		if (++l->round >= r->config.attempts) {
			lookup_fail(l, l->saw_error ? FATA_EPROTO
					: l->last_error ? l->last_error : FATA_ETIMEDOUT);
			return;
		}
	}
	query_send(l);
}

static void start_name(struct lookup *l);

/* Acts on a response that matched the query in flight. */
static void handle_reply(struct lookup *l, const uint8_t *msg, size_t len, int tcp);

static void attempt_timeout(void *arg, struct fata_timer *t)
{
	struct lookup *l = arg;

	(void)t;
	l->r->stats.timeouts++;
	next_server(l);
}

static void tcp_start(struct lookup *l);

static void udp_arm(struct lookup *l);

static void udp_received(void *arg, int status, union fata_value value)
{
	struct lookup *l = arg;
	const struct fata_sockaddr *server = &l->r->config.servers[l->server];

	l->recv = NULL;
	if (status < 0) {
		l->last_error = status;
		next_server(l);
		return;
	}
	/* Only the server's own address and port may answer (RFC 5452 section 9.1). */
	if (!fata_ipaddr_equal(&l->from.ip, &server->ip) || l->from.port != server->port) {
		l->r->stats.mismatched++;
		fata_view_release(&value.view);
		udp_arm(l);
		return;
	}
	handle_reply(l, fata_view_data(value.view), value.view.len, 0);
	fata_view_release(&value.view);
}

static void udp_arm(struct lookup *l)
{
	l->recv = fata_datagram_recv(l->udp, &l->from);
	if (!l->recv) {
		lookup_fail(l, FATA_ENOMEM);
		return;
	}
	fata_promise_then(l->recv, udp_received, l);
}

/* Binds a UDP socket to a random port above 1023 of the server's family. */
static int udp_open(struct lookup *l)
{
	struct fata_sockaddr local = { .ip = { .family = l->r->config.servers[l->server].ip.family } };
	int err = FATA_EADDRINUSE;

	for (int i = 0; i < RANDOM_PORT_TRIES && err == FATA_EADDRINUSE; i++) {
		uint16_t port;

		if (fata_entropy_fill(&port, sizeof port) < 0)
			return FATA_EIO;
		local.port = (uint16_t)(1024 + port % (65536 - 1024));
		err = fata_stack_udp_bind(l->r->stack, &local, &l->udp);
	}
	if (err == FATA_EADDRINUSE) {
		local.port = 0;
		err = fata_stack_udp_bind(l->r->stack, &local, &l->udp);
	}
	return err;
}

static void query_send(struct lookup *l)
{
	struct fata_dns_resolver *r = l->r;
	const struct fata_sockaddr *server = &r->config.servers[l->server];
	struct fata_view view;
	struct fata_promise *sent;
	int len, err;

	if (fata_entropy_fill(&l->id, sizeof l->id) < 0) {
		lookup_fail(l, FATA_EIO);
		return;
	}
	len = resolver_query_build(l->query, sizeof l->query, l->id, &l->current, l->type,
			r->config.udp_size);
	if (len < 0) {
		lookup_fail(l, FATA_EINVAL);
		return;
	}
	l->query_len = (size_t)len;

	err = udp_open(l);
	if (err < 0) {
		l->last_error = err;
		next_server(l);
		return;
	}
	if (fata_buf_copy(l->query, l->query_len, 64, &view) < 0) {
		lookup_fail(l, FATA_ENOMEM);
		return;
	}
	sent = fata_datagram_send(l->udp, server, &view, 1);
	fata_view_release(&view);
	if (sent)
		fata_promise_then(sent, ignore_result, NULL);
	r->stats.queries++;

	fata_timer_arm(r->loop, &l->timer, fata_loop_now(r->loop) + r->config.timeout_ns);
	udp_arm(l);
}

/* ---- TCP, after a truncated UDP answer (RFC 7766 section 5) ---- */

static void tcp_read(struct lookup *l);

static void tcp_received(void *arg, int status, union fata_value value)
{
	struct lookup *l = arg;
	const uint8_t *msg;
	size_t len, off = 0;

	l->read = NULL;
	if (status < 0 || value.view.len == 0) {
		fata_view_release(&value.view);
		l->last_error = status < 0 ? status : FATA_ECONNRESET;
		next_server(l);
		return;
	}
	while (off < value.view.len) {
		off += tcp_frame_feed(&l->frame, fata_view_data(value.view) + off, value.view.len - off);
		if (tcp_frame_message(&l->frame, &msg, &len)) {
			handle_reply(l, msg, len, 1);
			fata_view_release(&value.view);
			return;
		}
	}
	fata_view_release(&value.view);
	tcp_read(l);
}

static void tcp_read(struct lookup *l)
{
	l->read = fata_flow_read(l->flow);
	if (!l->read) {
		lookup_fail(l, FATA_ENOMEM);
		return;
	}
	fata_promise_then(l->read, tcp_received, l);
}

static void tcp_connected(void *arg, int status, union fata_value value)
{
	struct lookup *l = arg;
	uint8_t framed[2 + FATA_DNS_UDP_MIN];

	l->connect = NULL;
	if (status < 0) {
		l->last_error = status;
		next_server(l);
		return;
	}
	l->flow = value.ptr;
	if (tcp_frame_init(&l->frame) < 0) {
		lookup_fail(l, FATA_ENOMEM);
		return;
	}
	dns_put16(framed, (uint16_t)l->query_len);
	memcpy(framed + 2, l->query, l->query_len);
	l->write = fata_flow_write_copy(l->flow, framed, l->query_len + 2);
	if (!l->write) {
		lookup_fail(l, FATA_ENOMEM);
		return;
	}
	fata_promise_then(l->write, ignore_result, NULL);
	l->write = NULL;
	l->r->stats.queries++;
	tcp_read(l);
}

static void tcp_start(struct lookup *l)
{
	struct fata_dns_resolver *r = l->r;

	/* Keep the timer: the TCP exchange gets what is left of the attempt's time, renewed. */
	fata_promise_cancel(l->recv);
	l->recv = NULL;
	r->stats.tcp_fallbacks++;
	fata_timer_arm(r->loop, &l->timer, fata_loop_now(r->loop) + r->config.timeout_ns);
	l->connect = fata_stack_connect(r->stack, &r->config.servers[l->server], NULL);
	if (!l->connect) {
		lookup_fail(l, FATA_ENOMEM);
		return;
	}
	fata_promise_then(l->connect, tcp_connected, l);
}

/* ---- Responses and CNAME chains ---- */

static void handle_reply(struct lookup *l, const uint8_t *msg, size_t len, int tcp)
{
	struct fata_dns_resolver *r = l->r;
	struct reply reply;
	int err;

	err = resolver_reply_parse(msg, len, l->id, &l->current, l->type,
			r->config.max_cnames - l->cnames, r->config.max_negative_ttl, &reply);
	if (err < 0) {
		lookup_fail(l, err);
		return;
	}

	switch (reply.kind) {
	case REPLY_MISMATCH:
		r->stats.mismatched++;
		if (tcp)
			next_server(l);
		else
			udp_arm(l);
		return;
	case REPLY_TRUNCATED:
		if (tcp) {
			r->stats.server_errors++;
			l->saw_error = 1;
			next_server(l);
		} else {
			tcp_start(l);
		}
		return;
	case REPLY_SERVER_ERROR:
		r->stats.server_errors++;
		l->saw_error = 1;
		next_server(l);
		return;
	case REPLY_FOLLOW:
		l->cnames += reply.cnames;
		if (l->cnames >= r->config.max_cnames) {
			lookup_fail(l, FATA_ELIMIT);
			return;
		}
		attempt_end(l);
		l->current = reply.next;
		start_name(l);
		return;
	case REPLY_ANSWER:
		break;
	}

	struct fata_dns_answer *a = reply.answer;
	uint32_t ttl = a->ttl;

	/* Cache under the name of this query; the caller sees the name first asked. */
	if (ttl > r->config.max_ttl)
		ttl = r->config.max_ttl;
	a->ttl = ttl;
	resolver_cache_put(&r->cache, a, ttl, fata_loop_now(r->loop));
	a->name = l->name;
	lookup_finish(l, a);
}

/* Starts the query for l->current, answering from the cache when it can. */
static void start_name(struct lookup *l)
{
	struct fata_dns_resolver *r = l->r;
	struct fata_dns_answer *cached = resolver_cache_get(&r->cache, &l->current, l->type,
			fata_loop_now(r->loop));

	if (cached) {
		r->stats.cache_hits++;
		cached->name = l->name;
		lookup_finish(l, cached);
		return;
	}
	r->stats.cache_misses++;
	l->server = 0;
	l->round = 0;
	query_send(l);
}

struct fata_promise *fata_dns_resolve(struct fata_dns_resolver *r, const struct fata_dns_name *name,
		uint16_t type)
{
	struct fata_promise *p = fata_promise_new(r->loop, "dns.resolve");
	struct lookup *l;

	if (!p)
		return NULL;
	r->stats.lookups++;
	if (type == FATA_DNS_TYPE_ANY || type == FATA_DNS_TYPE_AXFR || type == FATA_DNS_TYPE_IXFR
			|| type == FATA_DNS_TYPE_OPT || type == FATA_DNS_TYPE_TSIG) {
		fata_promise_reject(p, FATA_EINVAL);
		return p;
	}
	l = fata_calloc(1, sizeof *l);
	if (!l) {
		fata_promise_reject(p, FATA_ENOMEM);
		return p;
	}
	l->r = r;
	l->promise = p;
	l->name = *name;
	l->current = *name;
	l->type = type;
	fata_timer_init(&l->timer, attempt_timeout, l);
	l->next = r->lookups;
	r->lookups = l;
	fata_promise_on_cancel(p, lookup_cancel, l);

	start_name(l);
	return p;
}

void fata_dns_resolver_free(struct fata_dns_resolver *r)
{
	if (!r)
		return;
	while (r->lookups)
		lookup_fail(r->lookups, FATA_ECANCELED);
	resolver_cache_free(&r->cache);
	fata_free(r);
}

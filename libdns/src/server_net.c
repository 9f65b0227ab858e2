/*
 * The server's network side: a UDP socket and a TCP listener on a struct
 * fata_stack. UDP requests are answered one by one from the receive
 * callback. Each TCP connection (RFC 7766) reads length-prefixed messages
 * and answers them in order, one write at a time; a zone transfer writes
 * its messages one after another before the next request is read. A
 * connection idle for config.tcp_idle_ns is closed.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/buf.h>
#include <fata/datagram.h>
#include <fata/dns_server.h>
#include <fata/error.h>
#include <fata/flow.h>
#include <fata/log.h>
#include <fata/promise.h>

#include "dns_internal.h"
#include "server_internal.h"

struct server_conn {
	struct server_conn *next;
	struct server_conn **pprev;
	struct fata_dns_server *srv;
	struct fata_flow *flow;
	struct fata_sockaddr peer;
	struct tcp_frame frame;
	struct fata_view input;  /* read data not yet framed (owned) */
	size_t input_off;
	struct fata_promise *read;
	struct fata_promise *write;
	struct fata_timer idle;
	struct server_xfr *xfr;
	int eof;
	uint8_t out[FATA_DNS_MSG_MAX + 2];
};

static void ignore_result(void *arg, int status, union fata_value value)
{
	(void)arg;
	(void)status;
	(void)value;
}

static void udp_sent(void *arg, int status, union fata_value value)
{
	(void)value;
	if (status < 0)
		fata_log(FATA_LOG_WARN, "dns", "UDP send failed: %s", fata_strerror(status));
	(void)arg;
}

int net_udp_send(struct fata_dns_server *srv, const struct fata_sockaddr *to, const uint8_t *msg,
		size_t len)
{
	struct fata_view view;
	struct fata_promise *p;

	if (!srv->udp)
		return FATA_ESTATE;
	if (fata_buf_copy(msg, len, 64, &view) < 0)
		return FATA_ENOMEM;
	p = fata_datagram_send(srv->udp, to, &view, 1);
	fata_view_release(&view);
	if (!p)
		return FATA_ENOMEM;
	fata_promise_then(p, udp_sent, srv);
	return 0;
}

static void udp_arm(struct fata_dns_server *srv);

static void udp_received(void *arg, int status, union fata_value value)
{
	struct fata_dns_server *srv = arg;
	struct fata_view view = value.view;
	size_t out_len;

	srv->udp_recv = NULL;
	if (status < 0) {
		if (status == FATA_ECLOSED || status == FATA_ECANCELED)
			return;
		fata_log(FATA_LOG_WARN, "dns", "UDP receive failed: %s", fata_strerror(status));
		udp_arm(srv);
		return;
	}

	const uint8_t *data = fata_view_data(view);
	size_t len = view.len;

	/* Responses reaching the server socket can only be answers to our NOTIFYs. */
	if (len >= FATA_DNS_HEADER_SIZE && (data[2] & 0x80)) {
		notify_response(srv, data, len, &srv->udp_from);
	} else if (fata_dns_server_answer(srv, data, len, &srv->udp_from, 0, srv->udp_out,
			sizeof srv->udp_out, &out_len) == 0) {
		net_udp_send(srv, &srv->udp_from, srv->udp_out, out_len);
	}
	fata_view_release(&view);
	udp_arm(srv);
}

static void udp_arm(struct fata_dns_server *srv)
{
	if (!srv->udp)
		return;
	srv->udp_recv = fata_datagram_recv(srv->udp, &srv->udp_from);
	if (!srv->udp_recv) {
		fata_log(FATA_LOG_ERROR, "dns", "out of memory: UDP service stopped");
		return;
	}
	fata_promise_then(srv->udp_recv, udp_received, srv);
}

/* ---- TCP connections ---- */

static void conn_process(struct server_conn *c);

static void conn_close(struct server_conn *c)
{
	struct fata_dns_server *srv = c->srv;
	struct fata_promise *closed;

	fata_promise_cancel(c->read);
	fata_promise_cancel(c->write);
	fata_timer_cancel(srv->loop, &c->idle);
	closed = fata_flow_close(c->flow);
	if (closed)
		fata_promise_then(closed, ignore_result, NULL);

	xfr_free(c->xfr);
	tcp_frame_free(&c->frame);
	fata_view_release(&c->input);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	srv->nconns--;
	fata_free(c);
}

static void conn_idle(void *arg, struct fata_timer *t)
{
	struct server_conn *c = arg;
	char peer[FATA_SOCKADDR_STRLEN];

	(void)t;
	fata_sockaddr_format(&c->peer, peer, sizeof peer);
	fata_log(FATA_LOG_DEBUG, "dns", "closing idle TCP connection from %s", peer);
	conn_close(c);
}

static void conn_touch(struct server_conn *c)
{
	fata_timer_arm(c->srv->loop, &c->idle, fata_loop_now(c->srv->loop) + c->srv->config.tcp_idle_ns);
}

static void conn_written(void *arg, int status, union fata_value value);

static int conn_send(struct server_conn *c, size_t len)
{
	dns_put16(c->out, (uint16_t)len);
	c->write = fata_flow_write_copy(c->flow, c->out, len + 2);
	if (!c->write)
		return FATA_ENOMEM;
	fata_promise_then(c->write, conn_written, c);
	return 0;
}

/* Writes the next message of the running transfer. */
static int conn_xfr_step(struct server_conn *c)
{
	size_t len;
	int more = xfr_next(c->xfr, c->out + 2, FATA_DNS_MSG_MAX, &len);

	if (more < 0) {
		fata_log(FATA_LOG_WARN, "dns", "zone transfer stopped: %s", fata_strerror(more));
		return more;
	}
	if (more == 0) {
		xfr_free(c->xfr);
		c->xfr = NULL;
	}
	return conn_send(c, len);
}

static void conn_written(void *arg, int status, union fata_value value)
{
	struct server_conn *c = arg;

	(void)value;
	c->write = NULL;
	if (status < 0) {
		conn_close(c);
		return;
	}
	conn_touch(c);

	if (c->xfr) {
		if (conn_xfr_step(c) < 0)
			conn_close(c);
		return;
	}
	conn_process(c);
}

/*
 * Answers one framed message. Returns 1 when a response is being written,
 * 0 when the message gets none.
 */
static int conn_answer(struct server_conn *c, const uint8_t *msg, size_t len)
{
	struct fata_dns_server *srv = c->srv;
	struct request req;
	struct response resp;
	size_t out_len;
	int rc;

	rc = request_parse(srv, &req, msg, len, &c->peer, 1);
	if (rc == 0 && req.opcode == FATA_DNS_OP_QUERY
			&& (req.q.type == FATA_DNS_TYPE_AXFR || req.q.type == FATA_DNS_TYPE_IXFR)) {
		srv->stats.tcp_queries++;
		rc = xfr_start(srv, &req, &c->xfr);
		if (rc == 0) {
			if (conn_xfr_step(c) < 0) {
				conn_close(c);
				return -1;
			}
			return 1;
		}
		response_begin(&req, &resp, c->out + 2, FATA_DNS_MSG_MAX);
		resp.rcode = (unsigned)rc;
		out_len = response_end(srv, &req, &resp);
	} else if (fata_dns_server_answer(srv, msg, len, &c->peer, 1, c->out + 2, FATA_DNS_MSG_MAX,
			&out_len) < 0) {
		return 0;
	}
	if (conn_send(c, out_len) < 0) {
		conn_close(c);
		return -1;
	}
	return 1;
}

static void conn_read_done(void *arg, int status, union fata_value value)
{
	struct server_conn *c = arg;

	c->read = NULL;
	if (status < 0) {
		conn_close(c);
		return;
	}
	if (value.view.len == 0) {
		fata_view_release(&value.view);
		c->eof = 1;
	} else {
		c->input = value.view;
		c->input_off = 0;
	}
	conn_process(c);
}

/* Frames and answers what has been read, and reads more when it runs out. */
static void conn_process(struct server_conn *c)
{
	const uint8_t *msg;
	size_t len;

	while (!c->write && !c->xfr) {
		if (tcp_frame_message(&c->frame, &msg, &len)) {
			int sent;

			conn_touch(c);
			sent = conn_answer(c, msg, len);
			if (sent < 0)
				return;
			tcp_frame_consume(&c->frame);
			continue;
		}
		if (c->input.len > c->input_off) {
			c->input_off += tcp_frame_feed(&c->frame, fata_view_data(c->input) + c->input_off,
					c->input.len - c->input_off);
			continue;
		}
		fata_view_release(&c->input);
		if (c->eof) {
			conn_close(c);
			return;
		}
		if (!c->read) {
			c->read = fata_flow_read(c->flow);
			if (!c->read) {
				conn_close(c);
				return;
			}
			fata_promise_then(c->read, conn_read_done, c);
		}
		return;
	}
}

static void accept_arm(struct fata_dns_server *srv);

static void conn_accepted(void *arg, int status, union fata_value value)
{
	struct fata_dns_server *srv = arg;
	struct fata_flow *flow = value.ptr;
	struct server_conn *c;

	srv->accept = NULL;
	if (status < 0) {
		if (status == FATA_ECLOSED || status == FATA_ECANCELED)
			return;
		fata_log(FATA_LOG_WARN, "dns", "TCP accept failed: %s", fata_strerror(status));
		accept_arm(srv);
		return;
	}

	srv->stats.tcp_connections++;
	c = srv->nconns < srv->config.tcp_max_conns ? fata_calloc(1, sizeof *c) : NULL;
	if (!c || tcp_frame_init(&c->frame) < 0) {
		struct fata_promise *closed = fata_flow_close(flow);

		if (closed)
			fata_promise_then(closed, ignore_result, NULL);
		srv->stats.tcp_rejected++;
		fata_free(c);
		accept_arm(srv);
		return;
	}

	c->srv = srv;
	c->flow = flow;
	fata_flow_get_addrs(flow, NULL, &c->peer);
	fata_timer_init(&c->idle, conn_idle, c);
	c->next = srv->conns;
	c->pprev = &srv->conns;
	if (srv->conns)
		srv->conns->pprev = &c->next;
	srv->conns = c;
	srv->nconns++;
	conn_touch(c);
	conn_process(c);
	accept_arm(srv);
}

static void accept_arm(struct fata_dns_server *srv)
{
	if (!srv->listener)
		return;
	srv->accept = fata_listener_accept(srv->listener);
	if (!srv->accept) {
		fata_log(FATA_LOG_ERROR, "dns", "out of memory: TCP service stopped");
		return;
	}
	fata_promise_then(srv->accept, conn_accepted, srv);
}

/* Closes the UDP socket of a start that failed, without waiting for it. */
static void udp_abandon(struct fata_dns_server *srv)
{
	struct fata_promise *closed = fata_datagram_close(srv->udp);

	if (closed)
		fata_promise_then(closed, ignore_result, NULL);
	srv->udp = NULL;
}

/* Ports tried with port 0 before start gives up with FATA_EADDRINUSE. */
#define BIND_TRIES 8

/*
 * Binds UDP and listens on TCP at one address. With port 0, TCP takes the
 * port that UDP got, and that port may already be taken for TCP, so a few
 * fresh UDP ports are tried before FATA_EADDRINUSE is returned.
 */
static int bind_both(struct fata_dns_server *srv, struct fata_stack *stack,
		const struct fata_sockaddr *local)
{
	int tries = local->port == 0 ? BIND_TRIES : 1;
	int err = 0;

	for (int i = 0; i < tries; i++) {
		struct fata_sockaddr bound = *local;

		err = fata_stack_udp_bind(stack, local, &srv->udp);
		if (err < 0)
			return err;
		if (bound.port == 0 && srv->udp->ops->get_local)
			srv->udp->ops->get_local(srv->udp, &bound);

		err = fata_stack_listen(stack, &bound, 64, NULL, &srv->listener);
		if (err == 0)
			return 0;
		udp_abandon(srv);
		if (err != FATA_EADDRINUSE || tries == 1)
			return err;
		if (i + 1 < tries)
			fata_log(FATA_LOG_INFO, "dns",
					"TCP port %u is in use, so another UDP port is bound (try %d of %d)",
					(unsigned)bound.port, i + 2, tries);
	}
	fata_log(FATA_LOG_WARN, "dns", "no port was free for both UDP and TCP in %d tries", tries);
	return err;
}

int fata_dns_server_start(struct fata_dns_server *srv, struct fata_stack *stack,
		const struct fata_sockaddr *local)
{
	if (srv->started)
		return FATA_ESTATE;

	int err = bind_both(srv, stack, local);
	if (err < 0)
		return err;

	srv->stack = stack;
	srv->started = 1;
	udp_arm(srv);
	accept_arm(srv);

	for (size_t i = 0; i < srv->nzones; i++) {
		if (srv->zones[i].secondary)
			secondary_start(srv, &srv->zones[i]);
		else
			notify_zone(srv, &srv->zones[i]);
	}
	return 0;
}

int fata_dns_server_local_addr(struct fata_dns_server *srv, struct fata_sockaddr *out)
{
	if (!srv->udp || !srv->udp->ops->get_local)
		return FATA_ESTATE;
	return srv->udp->ops->get_local(srv->udp, out);
}

void net_stop(struct fata_dns_server *srv)
{
	fata_promise_cancel(srv->accept);
	srv->accept = NULL;
	if (srv->listener) {
		fata_listener_close(srv->listener);
		srv->listener = NULL;
	}
	while (srv->conns)
		conn_close(srv->conns);

	fata_promise_cancel(srv->udp_recv);
	srv->udp_recv = NULL;
	if (srv->udp) {
		struct fata_promise *closed = fata_datagram_close(srv->udp);

		if (closed)
			fata_promise_then(closed, ignore_result, NULL);
		srv->udp = NULL;
	}
	srv->started = 0;
}

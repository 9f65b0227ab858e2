/*
 * Unit tests for the "socket" stack over the host kernel, on loopback only
 * (127.0.0.1 and ::1 with ports the kernel picks).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fata/error.h>
#include <fata/flow.h>
#include <fata/loop.h>
#include <fata/posix.h>
#include <fata/stack.h>

#define MS 1000000ull
#define SEC 1000000000ull

static struct fata_loop *loop;
static struct fata_stack *stack;

static void setup(void)
{
	loop = fata_loop_new();
	ck_assert_ptr_nonnull(loop);
	ck_assert_int_eq(fata_socket_stack_new(loop, &stack), FATA_OK);
	ck_assert_str_eq(stack->name, "socket");
}

static void teardown(void)
{
	fata_stack_destroy(stack);
	fata_loop_free(loop);
}

static struct fata_sockaddr loopback(int family, uint16_t port)
{
	struct fata_sockaddr sa = { .port = port };
	const char *text = family == 6 ? "::1" : "127.0.0.1";

	ck_assert_int_eq(fata_ipaddr_parse(text, strlen(text), &sa.ip), FATA_OK);
	return sa;
}

/* Returns 1 when the host has ::1, so IPv6 cases can run. */
static int have_ipv6_loopback(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	int ok;

	if (fd < 0)
		return 0;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof sin6) == 0;
	close(fd);
	return ok;
}

/*
 * Waits for `p` with a 10 s limit and returns its status. The value goes to
 * `*value`, or is released when `value` is NULL.
 */
static int wait_for(struct fata_promise *p, union fata_value *value)
{
	int status = 1;

	ck_assert_int_eq(fata_loop_run_until(loop, fata_promise_timeout(loop, p, 10 * SEC), &status,
			value), FATA_OK);
	return status;
}

static struct fata_listener *listen_on(int family, struct fata_sockaddr *bound)
{
	struct fata_sockaddr local = loopback(family, 0);
	struct fata_listener *l = NULL;

	ck_assert_int_eq(fata_stack_listen(stack, &local, 16, NULL, &l), FATA_OK);
	ck_assert_int_eq(l->ops->get_local(l, bound), FATA_OK);
	ck_assert_uint_ne(bound->port, 0);
	ck_assert(fata_ipaddr_equal(&bound->ip, &local.ip));
	return l;
}

/* Connects to `to` and accepts on `l`, returning both ends. */
static void connect_pair(struct fata_listener *l, const struct fata_sockaddr *to,
		struct fata_flow **client, struct fata_flow **server)
{
	struct fata_promise *accept = fata_listener_accept(l);
	union fata_value v;

	ck_assert_int_eq(wait_for(fata_stack_connect(stack, to, NULL), &v), 0);
	*client = v.ptr;
	ck_assert_int_eq(wait_for(accept, &v), 0);
	*server = v.ptr;
}

/* The echo server: reads, writes back what it read, and shuts down at end of stream. */
struct echo {
	struct fata_flow *flow;
	uint64_t echoed;
	int eof;
	int shut;
	int error;
};

static void echo_read(struct echo *e);

static void echo_on_shutdown(void *arg, int status, union fata_value value)
{
	struct echo *e = arg;

	(void)value;
	if (status < 0)
		e->error = status;
	else
		e->shut = 1;
}

static void echo_on_write(void *arg, int status, union fata_value value)
{
	struct echo *e = arg;

	if (status < 0) {
		e->error = status;
		return;
	}
	e->echoed += value.u64;
	echo_read(e);
}

static void echo_on_read(void *arg, int status, union fata_value value)
{
	struct echo *e = arg;
	struct fata_promise *w;

	if (status < 0) {
		e->error = status;
		return;
	}
	if (value.view.len == 0) {
		e->eof = 1;
		fata_promise_then(fata_flow_shutdown(e->flow), echo_on_shutdown, e);
		return;
	}
	w = fata_flow_write(e->flow, value.view);
	fata_view_release(&value.view);
	fata_promise_then(w, echo_on_write, e);
}

static void echo_read(struct echo *e)
{
	fata_promise_then(fata_flow_read(e->flow), echo_on_read, e);
}

/* The client: many queued writes of one pattern, a read loop that checks the echo, then EOF. */
struct client {
	struct fata_flow *flow;
	uint8_t *data;
	size_t total;
	int writes_pending;
	uint64_t written;
	size_t received;
	int shut;
	int eof;
	int error;
	struct fata_promise *done;
};

static void client_read(struct client *c);

static void client_on_shutdown(void *arg, int status, union fata_value value)
{
	struct client *c = arg;

	(void)value;
	if (status < 0)
		c->error = status;
	c->shut = 1;
}

static void client_on_write(void *arg, int status, union fata_value value)
{
	struct client *c = arg;

	if (status < 0) {
		c->error = status;
		return;
	}
	c->written += value.u64;
	/* Half-close once the last write is in: the server then sees end of stream. */
	if (--c->writes_pending == 0)
		fata_promise_then(fata_flow_shutdown(c->flow), client_on_shutdown, c);
}

static void client_on_read(void *arg, int status, union fata_value value)
{
	struct client *c = arg;

	if (status < 0) {
		c->error = status;
		fata_promise_fulfill(c->done, (union fata_value){ 0 });
		return;
	}
	if (value.view.len == 0) {
		c->eof = 1;
		fata_promise_fulfill(c->done, (union fata_value){ 0 });
		return;
	}
	ck_assert_uint_le(c->received + value.view.len, c->total);
	ck_assert(memcmp(fata_view_data(value.view), c->data + c->received, value.view.len) == 0);
	c->received += value.view.len;
	fata_view_release(&value.view);
	client_read(c);
}

static void client_read(struct client *c)
{
	fata_promise_then(fata_flow_read(c->flow), client_on_read, c);
}

static void run_echo(int family)
{
	struct fata_sockaddr bound, local, remote;
	struct fata_listener *l = listen_on(family, &bound);
	struct echo e = { 0 };
	struct client c = { 0 };
	struct fata_view block;
	size_t off = 0;
	int writes = 0;

	connect_pair(l, &bound, &c.flow, &e.flow);
	ck_assert_int_eq(fata_flow_get_addrs(c.flow, &local, &remote), FATA_OK);
	ck_assert_uint_eq(remote.port, bound.port);
	ck_assert(fata_ipaddr_equal(&remote.ip, &bound.ip));
	ck_assert_int_eq(fata_flow_get_addrs(e.flow, NULL, &remote), FATA_OK);
	ck_assert_uint_eq(remote.port, local.port);

	/* About 3 MB in writes of 1 to 65536 bytes, more than the socket buffers hold. */
	c.total = 3 * 1024 * 1024;
	c.data = malloc(c.total);
	for (size_t i = 0; i < c.total; i++)
		c.data[i] = (uint8_t)(i * 131 + (i >> 11));
	ck_assert_int_eq(fata_buf_copy(c.data, c.total, 0, &block), FATA_OK);
	c.done = fata_promise_new(loop, "client done");

	echo_read(&e);
	client_read(&c);
	while (off < c.total) {
		size_t len = (size_t)(writes * 7919 % 65536) + 1;
		struct fata_view part;

		if (len > c.total - off)
			len = c.total - off;
		ck_assert_int_eq(fata_view_slice(block, off, len, &part), FATA_OK);
		/* Two views per write for some, to exercise gathering. */
		if (writes % 3 == 0 && len > 1) {
			struct fata_view two[2];

			ck_assert_int_eq(fata_view_slice(part, 0, len / 2, &two[0]), FATA_OK);
			ck_assert_int_eq(fata_view_slice(part, len / 2, len - len / 2, &two[1]), FATA_OK);
			fata_promise_then(fata_flow_writev(c.flow, two, 2), client_on_write, &c);
		} else {
			fata_promise_then(fata_flow_write(c.flow, part), client_on_write, &c);
		}
		c.writes_pending++;
		off += len;
		writes++;
	}
	/* The flow holds its own references, so the caller's may go at once. */
	fata_view_release(&block);
	ck_assert_int_gt(writes, 50);

	ck_assert_int_eq(wait_for(c.done, NULL), 0);
	ck_assert_int_eq(c.error, 0);
	ck_assert_int_eq(e.error, 0);
	ck_assert_uint_eq(c.written, c.total);
	ck_assert_uint_eq(c.received, c.total);
	ck_assert_uint_eq(e.echoed, c.total);
	ck_assert(e.eof);
	ck_assert(e.shut);
	ck_assert(c.shut);
	ck_assert(c.eof);

	/* After the end, reads keep returning the empty view; writes after shutdown fail. */
	{
		union fata_value v;

		ck_assert_int_eq(wait_for(fata_flow_read(c.flow), &v), 0);
		ck_assert_uint_eq(v.view.len, 0);
		ck_assert_int_eq(wait_for(fata_flow_write_copy(c.flow, "x", 1), NULL), FATA_EPIPE);
		ck_assert_int_eq(wait_for(fata_flow_shutdown(c.flow), NULL), 0);
	}

	ck_assert_int_eq(wait_for(fata_flow_close(c.flow), NULL), 0);
	ck_assert_int_eq(wait_for(fata_flow_close(e.flow), NULL), 0);
	fata_listener_close(l);
	free(c.data);
}

START_TEST(tcp_echo_ipv4)
{
	run_echo(4);
}
END_TEST

START_TEST(tcp_echo_ipv6)
{
	if (!have_ipv6_loopback()) {
		fprintf(stderr, "no ::1 on this host; IPv6 echo not run\n");
		return;
	}
	run_echo(6);
}
END_TEST

START_TEST(connection_refused)
{
	struct fata_sockaddr bound;
	struct fata_listener *l = listen_on(4, &bound);

	/* The port was just free and is closed again, so nothing listens there. */
	fata_listener_close(l);
	ck_assert_int_eq(wait_for(fata_stack_connect(stack, &bound, NULL), NULL), FATA_ECONNREFUSED);
	if (have_ipv6_loopback()) {
		l = listen_on(6, &bound);
		fata_listener_close(l);
		ck_assert_int_eq(wait_for(fata_stack_connect(stack, &bound, NULL), NULL),
				FATA_ECONNREFUSED);
	}
}
END_TEST

START_TEST(invalid_arguments)
{
	struct fata_sockaddr none = { 0 };
	struct fata_sockaddr local = loopback(4, 0);
	struct fata_listener *l = (void *)1;
	struct fata_datagram *d = (void *)1;
	struct fata_loop *virt = fata_loop_new_virtual(0);
	struct fata_stack *s = (void *)1;

	ck_assert_int_eq(fata_stack_listen(stack, &none, 4, NULL, &l), FATA_EINVAL);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(fata_stack_listen(stack, &local, -1, NULL, &l), FATA_EINVAL);
	ck_assert_int_eq(fata_stack_listen(stack, NULL, 4, NULL, &l), FATA_EINVAL);
	ck_assert_int_eq(fata_stack_udp_bind(stack, &none, &d), FATA_EINVAL);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(wait_for(fata_stack_connect(stack, &none, NULL), NULL), FATA_EINVAL);
	ck_assert_int_eq(wait_for(fata_stack_connect(stack, NULL, NULL), NULL), FATA_EINVAL);
	ck_assert_int_eq(fata_socket_stack_new(virt, &s), FATA_EINVAL);
	ck_assert_ptr_null(s);
	fata_loop_free(virt);
}
END_TEST

START_TEST(address_in_use)
{
	struct fata_sockaddr bound;
	struct fata_listener *l = listen_on(4, &bound);
	struct fata_listener *again = NULL;
	struct fata_datagram *u1, *u2;

	ck_assert_int_eq(fata_stack_listen(stack, &bound, 4, NULL, &again), FATA_EADDRINUSE);
	fata_listener_close(l);

	ck_assert_int_eq(fata_stack_udp_bind(stack, &(struct fata_sockaddr){ .ip = bound.ip }, &u1),
			FATA_OK);
	ck_assert_int_eq(u1->ops->get_local(u1, &bound), FATA_OK);
	ck_assert_int_eq(fata_stack_udp_bind(stack, &bound, &u2), FATA_EADDRINUSE);
	ck_assert_int_eq(wait_for(fata_datagram_close(u1), NULL), 0);
}
END_TEST

static void run_udp(int family)
{
	struct fata_sockaddr any = loopback(family, 0), a_addr, b_addr, from;
	struct fata_datagram *a, *b;
	struct fata_view parts[2];
	union fata_value v;
	struct fata_promise *recv;

	ck_assert_int_eq(fata_stack_udp_bind(stack, &any, &a), FATA_OK);
	ck_assert_int_eq(fata_stack_udp_bind(stack, &any, &b), FATA_OK);
	ck_assert_int_eq(a->ops->get_local(a, &a_addr), FATA_OK);
	ck_assert_int_eq(b->ops->get_local(b, &b_addr), FATA_OK);

	/* Two views go out as one datagram. */
	ck_assert_int_eq(fata_buf_copy("hello, ", 7, 0, &parts[0]), FATA_OK);
	ck_assert_int_eq(fata_buf_copy("world", 5, 0, &parts[1]), FATA_OK);
	recv = fata_datagram_recv(b, &from);
	ck_assert_int_eq(wait_for(fata_datagram_send(a, &b_addr, parts, 2), &v), 0);
	ck_assert_uint_eq(v.u64, 12);
	ck_assert_int_eq(wait_for(recv, &v), 0);
	ck_assert_uint_eq(v.view.len, 12);
	ck_assert_mem_eq(fata_view_data(v.view), "hello, world", 12);
	fata_view_release(&v.view);
	ck_assert(fata_ipaddr_equal(&from.ip, &a_addr.ip));
	ck_assert_uint_eq(from.port, a_addr.port);

	/* The reply, received without asking for the source. */
	ck_assert_int_eq(wait_for(fata_datagram_send(b, &from, &parts[1], 1), NULL), 0);
	ck_assert_int_eq(wait_for(fata_datagram_recv(a, NULL), &v), 0);
	ck_assert_mem_eq(fata_view_data(v.view), "world", 5);
	fata_view_release(&v.view);

	/* An empty datagram arrives as the zero view. */
	ck_assert_int_eq(wait_for(fata_datagram_send(a, &b_addr, NULL, 0), &v), 0);
	ck_assert_uint_eq(v.u64, 0);
	ck_assert_int_eq(wait_for(fata_datagram_recv(b, &from), &v), 0);
	ck_assert_uint_eq(v.view.len, 0);
	ck_assert(fata_view_is_null(v.view));

	/* One receive at a time; the second is rejected and the first still works. */
	recv = fata_datagram_recv(b, NULL);
	ck_assert_int_eq(wait_for(fata_datagram_recv(b, NULL), NULL), FATA_EBUSY);
	ck_assert_int_eq(wait_for(fata_datagram_send(a, &b_addr, parts, 1), NULL), 0);
	ck_assert_int_eq(wait_for(recv, &v), 0);
	ck_assert_uint_eq(v.view.len, 7);
	fata_view_release(&v.view);

	/* The wrong family for the socket, and no destination. */
	{
		struct fata_sockaddr other = loopback(family == 4 ? 6 : 4, 9);

		ck_assert_int_eq(wait_for(fata_datagram_send(a, &other, parts, 1), NULL), FATA_EINVAL);
		ck_assert_int_eq(wait_for(fata_datagram_send(a, NULL, parts, 1), NULL), FATA_EINVAL);
	}

	/* Closing rejects a pending receive. */
	recv = fata_datagram_recv(a, NULL);
	ck_assert_int_eq(wait_for(fata_datagram_close(a), NULL), 0);
	ck_assert_int_eq(wait_for(recv, NULL), FATA_ECLOSED);
	ck_assert_int_eq(wait_for(fata_datagram_close(b), NULL), 0);
	fata_view_release(&parts[0]);
	fata_view_release(&parts[1]);
}

START_TEST(udp_round_trip_ipv4)
{
	run_udp(4);
}
END_TEST

START_TEST(udp_round_trip_ipv6)
{
	if (!have_ipv6_loopback()) {
		fprintf(stderr, "no ::1 on this host; IPv6 UDP not run\n");
		return;
	}
	run_udp(6);
}
END_TEST

static int canceled_callbacks;

static void must_not_run(void *arg, int status, union fata_value value)
{
	(void)arg;
	(void)status;
	(void)value;
	canceled_callbacks++;
}

START_TEST(cancel_pending_accept)
{
	struct fata_sockaddr bound;
	struct fata_listener *l = listen_on(4, &bound);
	struct fata_promise *accept = fata_listener_accept(l);
	union fata_value v;
	struct fata_flow *client;

	canceled_callbacks = 0;
	fata_promise_then(accept, must_not_run, NULL);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	fata_promise_cancel(accept);

	/* The connection made after the cancel is not lost: the next accept gets it. */
	ck_assert_int_eq(wait_for(fata_stack_connect(stack, &bound, NULL), &v), 0);
	client = v.ptr;
	ck_assert_int_eq(wait_for(fata_listener_accept(l), &v), 0);
	ck_assert_ptr_nonnull(v.ptr);
	ck_assert_int_eq(canceled_callbacks, 0);
	ck_assert_int_eq(wait_for(fata_flow_close(v.ptr), NULL), 0);
	ck_assert_int_eq(wait_for(fata_flow_close(client), NULL), 0);

	/* One accept at a time, and closing rejects the pending one. */
	accept = fata_listener_accept(l);
	ck_assert_int_eq(wait_for(fata_listener_accept(l), NULL), FATA_EBUSY);
	fata_listener_close(l);
	ck_assert_int_eq(wait_for(accept, NULL), FATA_ECLOSED);
}
END_TEST

/*
 * Three connections against a listener queue of 2: the listener queues two
 * and stops watching, the kernel keeps the third. Each accept must still
 * get one, including the last, which arrives through the watch the first
 * accepts turned back on.
 */
START_TEST(accept_past_full_queue)
{
	struct fata_sockaddr local = loopback(4, 0), bound;
	struct fata_listener *l = NULL;
	struct fata_flow *clients[3], *servers[3];
	union fata_value v;

	ck_assert_int_eq(fata_stack_listen(stack, &local, 2, NULL, &l), FATA_OK);
	ck_assert_int_eq(l->ops->get_local(l, &bound), FATA_OK);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(wait_for(fata_stack_connect(stack, &bound, NULL), &v), 0);
		clients[i] = v.ptr;
	}

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(wait_for(fata_listener_accept(l), &v), 0);
		ck_assert_ptr_nonnull(v.ptr);
		servers[i] = v.ptr;
	}
	ck_assert_ptr_ne(servers[0], servers[1]);
	ck_assert_ptr_ne(servers[1], servers[2]);

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(wait_for(fata_flow_close(servers[i]), NULL), 0);
		ck_assert_int_eq(wait_for(fata_flow_close(clients[i]), NULL), 0);
	}
	fata_listener_close(l);
}
END_TEST

START_TEST(cancel_pending_read)
{
	struct fata_sockaddr bound;
	struct fata_listener *l = listen_on(4, &bound);
	struct fata_flow *client, *server;
	struct fata_promise *read;
	union fata_value v;

	connect_pair(l, &bound, &client, &server);
	canceled_callbacks = 0;
	read = fata_flow_read(server);
	fata_promise_then(read, must_not_run, NULL);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	fata_promise_cancel(read);

	/* Data sent after the cancel goes to the next read, not the canceled one. */
	ck_assert_int_eq(wait_for(fata_flow_write_copy(client, "ping", 4), NULL), 0);
	ck_assert_int_eq(wait_for(fata_flow_read(server), &v), 0);
	ck_assert_uint_eq(v.view.len, 4);
	ck_assert_mem_eq(fata_view_data(v.view), "ping", 4);
	fata_view_release(&v.view);
	ck_assert_int_eq(canceled_callbacks, 0);

	/* A second read while one is pending is rejected; close rejects the pending one. */
	read = fata_flow_read(server);
	ck_assert_int_eq(wait_for(fata_flow_read(server), NULL), FATA_EBUSY);
	ck_assert_int_eq(wait_for(fata_flow_close(server), NULL), 0);
	ck_assert_int_eq(wait_for(read, NULL), FATA_ECLOSED);

	/* The peer closed: the client reads the end of stream. */
	ck_assert_int_eq(wait_for(fata_flow_read(client), &v), 0);
	ck_assert_uint_eq(v.view.len, 0);
	ck_assert_int_eq(wait_for(fata_flow_close(client), NULL), 0);
	fata_listener_close(l);
}
END_TEST

START_TEST(reset_latches_error)
{
	struct fata_sockaddr bound;
	struct fata_listener *l = listen_on(4, &bound);
	struct fata_tcp_options opts = { .nodelay = 1, .keepalive_ns = 30 * SEC,
		.rcvbuf = 65536, .sndbuf = 65536 };
	struct fata_promise *accept = fata_listener_accept(l);
	struct fata_flow *client, *server;
	union fata_value v;
	int status;

	ck_assert_int_eq(wait_for(fata_stack_connect(stack, &bound, &opts), &v), 0);
	client = v.ptr;
	ck_assert_int_eq(wait_for(accept, &v), 0);
	server = v.ptr;

	/* Unread data at close makes the kernel send a reset (RFC 2525 section 2.17). */
	ck_assert_int_eq(wait_for(fata_flow_write_copy(client, "unread", 6), NULL), 0);
	ck_assert_int_eq(wait_for(fata_sleep(loop, 20 * MS), NULL), 0);
	ck_assert_int_eq(wait_for(fata_flow_close(server), NULL), 0);

	status = wait_for(fata_flow_read(client), NULL);
	ck_assert_int_eq(status, FATA_ECONNRESET);
	/* The failure latches for reads and writes. */
	ck_assert_int_eq(wait_for(fata_flow_read(client), NULL), FATA_ECONNRESET);
	ck_assert_int_eq(wait_for(fata_flow_write_copy(client, "x", 1), NULL), FATA_ECONNRESET);
	ck_assert_int_eq(wait_for(fata_flow_shutdown(client), NULL), FATA_ECONNRESET);
	ck_assert_int_eq(wait_for(fata_flow_close(client), NULL), 0);
	fata_listener_close(l);
}
END_TEST

/*
 * A kernel listener with backlog 0 that never accepts: once one connection
 * fills its queue, the kernel drops further SYNs, so a connect hangs.
 */
static int full_listener(struct fata_sockaddr *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(fd, 0), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*addr = loopback(4, ntohs(sin.sin_port));
	return fd;
}

START_TEST(connect_timeout_and_cancel)
{
	struct fata_sockaddr addr;
	struct fata_tcp_options opts = { .connect_timeout_ns = 300 * MS };
	int fd = full_listener(&addr);
	struct fata_flow *fill[2] = { NULL, NULL };
	struct fata_promise *pending;
	int status = 0;
	union fata_value v;

	/* Fill the accept queue; the kernel may complete one or two handshakes. */
	for (int i = 0; i < 2; i++) {
		status = wait_for(fata_stack_connect(stack, &addr, &opts), &v);
		if (status != 0)
			break;
		fill[i] = v.ptr;
	}
	if (status == 0)
		status = wait_for(fata_stack_connect(stack, &addr, &opts), NULL);
	ck_assert_int_eq(status, FATA_ETIMEDOUT);

	/* Canceling a hanging connect stops it; the loop then has nothing left to wait for. */
	canceled_callbacks = 0;
	pending = fata_stack_connect(stack, &addr, NULL);
	fata_promise_then(pending, must_not_run, NULL);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	fata_promise_cancel(pending);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(canceled_callbacks, 0);

	for (int i = 0; i < 2; i++) {
		if (fill[i])
			ck_assert_int_eq(wait_for(fata_flow_close(fill[i]), NULL), 0);
	}
	close(fd);
}
END_TEST

START_TEST(cancel_queued_write)
{
	struct fata_sockaddr bound;
	struct fata_listener *l = listen_on(4, &bound);
	struct fata_flow *client, *server;
	struct fata_view big;
	struct fata_promise *w1, *w2, *w3;
	size_t got = 0;
	union fata_value v;

	connect_pair(l, &bound, &client, &server);
	/* 8 MB cannot all go into the socket at once, so later writes wait in the queue. */
	ck_assert_int_eq(fata_buf_alloc(0, 8 * 1024 * 1024, &big), FATA_OK);
	memset(fata_view_data(big), 'a', big.len);
	w1 = fata_flow_write(client, big);
	w2 = fata_flow_write_copy(client, "SKIPPED", 7);
	w3 = fata_flow_write_copy(client, "END", 3);
	fata_view_release(&big);
	canceled_callbacks = 0;
	fata_promise_then(w2, must_not_run, NULL);
	fata_promise_cancel(w2);
	fata_promise_then(w3, must_not_run, NULL);
	fata_promise_cancel(w3);
	w3 = fata_flow_write_copy(client, "END", 3);

	/* The server sees all of the first write, then "END": the canceled write never went out. */
	while (got < 8 * 1024 * 1024 + 3) {
		ck_assert_int_eq(wait_for(fata_flow_read(server), &v), 0);
		ck_assert_uint_gt(v.view.len, 0);
		if (got + v.view.len > 8 * 1024 * 1024) {
			size_t skip = got < 8 * 1024 * 1024 ? 8 * 1024 * 1024 - got : 0;

			ck_assert_mem_eq(fata_view_data(v.view) + skip,
					&"END"[got + skip - 8 * 1024 * 1024], v.view.len - skip);
		}
		got += v.view.len;
		fata_view_release(&v.view);
	}
	ck_assert_uint_eq(got, 8 * 1024 * 1024 + 3);
	ck_assert_int_eq(wait_for(w1, &v), 0);
	ck_assert_uint_eq(v.u64, 8 * 1024 * 1024);
	ck_assert_int_eq(wait_for(w3, &v), 0);
	ck_assert_uint_eq(v.u64, 3);
	ck_assert_int_eq(canceled_callbacks, 0);

	/* A zero-length write fulfills with 0 at once. */
	ck_assert_int_eq(wait_for(fata_flow_writev(client, NULL, 0), &v), 0);
	ck_assert_uint_eq(v.u64, 0);
	ck_assert_int_eq(wait_for(fata_flow_close(client), NULL), 0);
	ck_assert_int_eq(wait_for(fata_flow_close(server), NULL), 0);
	fata_listener_close(l);
}
END_TEST

/* Destroying the stack closes everything, and pending operations are rejected. */
START_TEST(destroy_closes_everything)
{
	struct fata_sockaddr bound, any = loopback(4, 0);
	struct fata_listener *l = listen_on(4, &bound);
	struct fata_flow *client, *server;
	struct fata_datagram *u;
	struct fata_promise *read, *accept, *recv;
	struct fata_tcp_options opts = { .connect_timeout_ns = 5 * SEC };
	struct fata_sockaddr hang;
	int fd = full_listener(&hang);
	struct fata_promise *connects[3];
	int status;
	union fata_value v;

	connect_pair(l, &bound, &client, &server);
	ck_assert_int_eq(fata_stack_udp_bind(stack, &any, &u), FATA_OK);
	read = fata_flow_read(server);
	accept = fata_listener_accept(l);
	recv = fata_datagram_recv(u, NULL);
	for (int i = 0; i < 3; i++)
		connects[i] = fata_stack_connect(stack, &hang, &opts);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);

	fata_stack_destroy(stack);
	stack = NULL;
	ck_assert_int_eq(fata_loop_run_until(loop, read, &status, NULL), FATA_OK);
	ck_assert_int_eq(status, FATA_ECLOSED);
	ck_assert_int_eq(fata_loop_run_until(loop, accept, &status, NULL), FATA_OK);
	ck_assert_int_eq(status, FATA_ECLOSED);
	ck_assert_int_eq(fata_loop_run_until(loop, recv, &status, NULL), FATA_OK);
	ck_assert_int_eq(status, FATA_ECLOSED);
	/* Connects that completed before the destroy deliver flows; the rest are rejected. */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(fata_loop_run_until(loop, connects[i], &status, &v), FATA_OK);
		ck_assert(status == FATA_ECLOSED || status == 0);
	}
	/* No loop reference is left behind. */
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	close(fd);
	ck_assert_int_eq(fata_socket_stack_new(loop, &stack), FATA_OK);
}
END_TEST

static Suite *socket_stack_suite(void)
{
	Suite *s = suite_create("socket_stack");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tcp_echo_ipv4);
	tcase_add_test(tc, tcp_echo_ipv6);
	tcase_add_test(tc, connection_refused);
	tcase_add_test(tc, invalid_arguments);
	tcase_add_test(tc, address_in_use);
	tcase_add_test(tc, udp_round_trip_ipv4);
	tcase_add_test(tc, udp_round_trip_ipv6);
	tcase_add_test(tc, cancel_pending_accept);
	tcase_add_test(tc, accept_past_full_queue);
	tcase_add_test(tc, cancel_pending_read);
	tcase_add_test(tc, reset_latches_error);
	tcase_add_test(tc, connect_timeout_and_cancel);
	tcase_add_test(tc, cancel_queued_write);
	tcase_add_test(tc, destroy_closes_everything);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(socket_stack_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * fata_dns_server_start() with port 0 when the port that UDP got is taken
 * for TCP. The server runs on a stack that wraps the host's sockets on
 * 127.0.0.1 and fails the first N TCP listens with FATA_EADDRINUSE (or
 * another error), so the retry path runs on every run. The wrapper counts
 * every bind, listen and close, so the tests can check how many ports were
 * tried and that a failed start leaves no socket open.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/datagram.h>
#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_zone.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/loop.h>
#include <fata/posix.h>
#include <fata/stack.h>

#include "server_helpers.h"

/* The number of ports fata_dns_server_start() tries with port 0. */
#define START_TRIES 8

/* The largest number of binds and listens one test records. */
#define MAX_CALLS 16

/*
 * A stack over `inner` whose TCP listen fails with `listen_error` while
 * `listen_failures` is above zero. Everything else goes to `inner`.
 */
struct failing_stack {
	struct fata_stack base;
	struct fata_stack *inner;
	int listen_failures;
	int listen_error;

	/*
	 * Listens that the host stack itself refused with FATA_EADDRINUSE: the
	 * kernel can give UDP a port that TCP already uses, the very case the
	 * retry exists for, so a test counts these tries as well.
	 */
	int natural_failures;

	/* Calls seen, and the ports they asked for or got. */
	int udp_binds;
	int listens;
	uint16_t udp_ports[MAX_CALLS];
	uint16_t listen_ports[MAX_CALLS];

	/* Sockets opened through this stack and not closed yet. */
	int udp_open;
	int listeners_open;
};

struct wrapped_datagram {
	struct fata_datagram base;
	struct fata_datagram *inner;
	struct failing_stack *stack;
};

struct wrapped_listener {
	struct fata_listener base;
	struct fata_listener *inner;
	struct failing_stack *stack;
};

static struct fata_promise *datagram_send(struct fata_datagram *sock,
		const struct fata_sockaddr *to, const struct fata_view *views, size_t count)
{
	struct wrapped_datagram *d = (struct wrapped_datagram *)sock;

	return fata_datagram_send(d->inner, to, views, count);
}

static struct fata_promise *datagram_recv(struct fata_datagram *sock, struct fata_sockaddr *from)
{
	struct wrapped_datagram *d = (struct wrapped_datagram *)sock;

	return fata_datagram_recv(d->inner, from);
}

static struct fata_promise *datagram_close(struct fata_datagram *sock)
{
	struct wrapped_datagram *d = (struct wrapped_datagram *)sock;
	struct fata_promise *closed = fata_datagram_close(d->inner);

	d->stack->udp_open--;
	fata_free(d);
	return closed;
}

static int datagram_get_local(struct fata_datagram *sock, struct fata_sockaddr *local)
{
	struct wrapped_datagram *d = (struct wrapped_datagram *)sock;

	return d->inner->ops->get_local(d->inner, local);
}

static const struct fata_datagram_ops wrapped_datagram_ops = {
	.send = datagram_send,
	.recv = datagram_recv,
	.close = datagram_close,
	.get_local = datagram_get_local,
};

static struct fata_promise *listener_accept(struct fata_listener *listener)
{
	struct wrapped_listener *l = (struct wrapped_listener *)listener;

	return fata_listener_accept(l->inner);
}

static void listener_close(struct fata_listener *listener)
{
	struct wrapped_listener *l = (struct wrapped_listener *)listener;

	fata_listener_close(l->inner);
	l->stack->listeners_open--;
	fata_free(l);
}

static int listener_get_local(struct fata_listener *listener, struct fata_sockaddr *local)
{
	struct wrapped_listener *l = (struct wrapped_listener *)listener;

	return l->inner->ops->get_local(l->inner, local);
}

static const struct fata_listener_ops wrapped_listener_ops = {
	.accept = listener_accept,
	.close = listener_close,
	.get_local = listener_get_local,
};

static int failing_listen(struct fata_stack *stack, const struct fata_sockaddr *local,
		int backlog, const struct fata_tcp_options *options, struct fata_listener **out)
{
	struct failing_stack *s = (struct failing_stack *)stack;
	struct wrapped_listener *l;
	int err;

	ck_assert_int_lt(s->listens, MAX_CALLS);
	s->listen_ports[s->listens++] = local->port;
	if (s->listen_failures > 0) {
		s->listen_failures--;
		return s->listen_error;
	}

	l = fata_calloc(1, sizeof *l);
	if (!l)
		return FATA_ENOMEM;
	err = fata_stack_listen(s->inner, local, backlog, options, &l->inner);
	if (err < 0) {
		if (err == FATA_EADDRINUSE)
			s->natural_failures++;
		fata_free(l);
		return err;
	}
	l->base.ops = &wrapped_listener_ops;
	l->base.loop = stack->loop;
	l->stack = s;
	s->listeners_open++;
	*out = &l->base;
	return 0;
}

static struct fata_promise *failing_connect(struct fata_stack *stack,
		const struct fata_sockaddr *remote, const struct fata_tcp_options *options)
{
	struct failing_stack *s = (struct failing_stack *)stack;

	return fata_stack_connect(s->inner, remote, options);
}

static int failing_udp_bind(struct fata_stack *stack, const struct fata_sockaddr *local,
		struct fata_datagram **out)
{
	struct failing_stack *s = (struct failing_stack *)stack;
	struct wrapped_datagram *d = fata_calloc(1, sizeof *d);
	struct fata_sockaddr bound;
	int err;

	if (!d)
		return FATA_ENOMEM;
	err = fata_stack_udp_bind(s->inner, local, &d->inner);
	if (err < 0) {
		fata_free(d);
		return err;
	}
	d->base.ops = &wrapped_datagram_ops;
	d->base.loop = stack->loop;
	d->stack = s;

	ck_assert_int_eq(d->inner->ops->get_local(d->inner, &bound), 0);
	ck_assert_int_lt(s->udp_binds, MAX_CALLS);
	s->udp_ports[s->udp_binds++] = bound.port;
	s->udp_open++;
	*out = &d->base;
	return 0;
}

static void failing_destroy(struct fata_stack *stack)
{
	struct failing_stack *s = (struct failing_stack *)stack;

	fata_stack_destroy(s->inner);
	s->inner = NULL;
}

static const struct fata_stack_ops failing_stack_ops = {
	.listen = failing_listen,
	.connect = failing_connect,
	.udp_bind = failing_udp_bind,
	.destroy = failing_destroy,
};

/* The log lines of the "dns" source, kept for the checks. */
struct log_record {
	int count;
	enum fata_log_level levels[32];
	char lines[32][256];
};

static struct fata_loop *loop;
static struct fata_stack *host_stack;
static struct failing_stack failing;
static struct log_record logs;

static void record_log(void *arg, enum fata_log_level level, const char *source,
		const char *message)
{
	struct log_record *r = arg;

	if (getenv("DNS_TEST_LOG"))
		fprintf(stderr, "%s %s: %s\n", fata_log_level_name(level), source, message);
	if (strcmp(source, "dns") != 0 || r->count == 32)
		return;
	r->levels[r->count] = level;
	snprintf(r->lines[r->count], sizeof r->lines[0], "%s", message);
	r->count++;
}

/* Returns the number of file descriptors this process has open. */
static int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *entry;
	int n = 0;

	ck_assert_ptr_nonnull(dir);
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] != '.')
			n++;
	}
	closedir(dir);

	/* The descriptor of the directory itself was counted too. */
	return n - 1;
}

static void setup(void)
{
	memset(&logs, 0, sizeof logs);
	fata_log_set_handler(record_log, &logs);
	fata_log_set_level(FATA_LOG_DEBUG);

	loop = fata_loop_new();
	ck_assert_ptr_nonnull(loop);
	ck_assert_int_eq(fata_socket_stack_new(loop, &host_stack), 0);

	memset(&failing, 0, sizeof failing);
	failing.base.ops = &failing_stack_ops;
	failing.base.loop = loop;
	failing.base.name = "failing";
	failing.inner = host_stack;
	failing.listen_error = FATA_EADDRINUSE;
}

static void teardown(void)
{
	fata_stack_destroy(host_stack);
	fata_loop_run(loop, FATA_RUN_ONCE);
	fata_loop_free(loop);
	fata_log_set_handler(NULL, NULL);
	fata_log_set_level(FATA_LOG_INFO);
}

/* Runs the loop until `p` settles, at most 10 s. Returns the status and value. */
static int run(struct fata_promise *p, union fata_value *value)
{
	struct fata_promise *limited = fata_promise_timeout(loop, p, UINT64_C(10000000000));
	int status = FATA_EAGAIN;

	ck_assert_int_eq(fata_loop_run_until(loop, limited, &status, value), 0);
	return status;
}

static const char zone_text[] =
	"$ORIGIN example.com.\n$TTL 300\n"
	"@ SOA ns1 hostmaster 1 3600 600 86400 60\n"
	"@ NS ns1\n"
	"ns1 A 192.0.2.1\n"
	"web A 192.0.2.2\n";

/* Creates a server with the example.com zone; it is not started. */
static struct fata_dns_server *server_new(void)
{
	struct fata_dns_name origin = test_name("example.com.");
	struct fata_dns_zone_options options = { .origin = &origin };
	struct fata_dns_zone_error error;
	struct fata_dns_server *srv;
	struct fata_dns_zone *zone;

	ck_assert_int_eq(fata_dns_zone_load(zone_text, strlen(zone_text), &options, &zone, &error),
			0);
	ck_assert_int_eq(fata_dns_server_new(loop, NULL, &srv), 0);
	ck_assert_int_eq(fata_dns_server_add_zone(srv, zone), 0);
	fata_dns_zone_unref(zone);
	return srv;
}

static struct fata_sockaddr loopback(uint16_t port)
{
	struct fata_sockaddr sa = { .ip = fata_ipv4(127, 0, 0, 1), .port = port };

	return sa;
}

/* Checks that `msg` answers web.example.com A with 192.0.2.2. */
static void check_web_answer(const uint8_t *msg, size_t len)
{
	struct result r;

	read_result(msg, len, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOERROR);
	ck_assert_uint_eq(r.count[1], 1);
	ck_assert_msg(has_line(&r, "an:web.example.com. 300 IN A 192.0.2.2"),
			"answer lacks the A record (first line '%s')", r.nlines ? r.lines[0] : "");
}

/* Asks `server` for web.example.com A over UDP from another socket of the host stack. */
static void query_udp(const struct fata_sockaddr *server)
{
	struct fata_sockaddr any = loopback(0);
	struct fata_sockaddr from;
	struct fata_datagram *client;
	struct fata_view view;
	union fata_value value;
	uint8_t req[512];
	size_t len = make_request(req, sizeof req, 0, "web.example.com.", FATA_DNS_TYPE_A, 0, NULL,
			NULL, NULL);

	ck_assert_int_eq(fata_stack_udp_bind(host_stack, &any, &client), 0);
	ck_assert_int_eq(fata_buf_copy(req, len, 0, &view), 0);
	ck_assert_int_eq(run(fata_datagram_send(client, server, &view, 1), NULL), 0);
	fata_view_release(&view);

	ck_assert_int_eq(run(fata_datagram_recv(client, &from), &value), 0);
	ck_assert_uint_eq(from.port, server->port);
	check_web_answer(fata_view_data(value.view), value.view.len);
	fata_view_release(&value.view);
	run(fata_datagram_close(client), NULL);
}

/*
 * Reads one length-prefixed message (RFC 7766 section 8) from `flow` into
 * `buf` of `cap` bytes and returns its length.
 */
static size_t read_message(struct fata_flow *flow, uint8_t *buf, size_t cap)
{
	size_t have = 0;
	size_t want = 2;

	while (have < want) {
		union fata_value value;

		ck_assert_int_eq(run(fata_flow_read(flow), &value), 0);
		ck_assert_msg(value.view.len > 0, "the server closed after %zu of %zu bytes", have,
				want);
		ck_assert_uint_le(value.view.len, cap - have);
		memcpy(buf + have, fata_view_data(value.view), value.view.len);
		have += value.view.len;
		fata_view_release(&value.view);
		if (have >= 2)
			want = 2 + ((size_t)buf[0] << 8 | buf[1]);
	}
	ck_assert_uint_eq(have, want);
	return want - 2;
}

/* Asks `server` for web.example.com A over TCP, with the 2-byte length of RFC 7766. */
static void query_tcp(const struct fata_sockaddr *server)
{
	uint8_t req[514], resp[4096];
	size_t len = make_request(req + 2, sizeof req - 2, 0, "web.example.com.", FATA_DNS_TYPE_A, 0,
			NULL, NULL, NULL);
	union fata_value value;
	struct fata_flow *flow;
	size_t resp_len;

	ck_assert_int_eq(run(fata_stack_connect(host_stack, server, NULL), &value), 0);
	flow = value.ptr;
	req[0] = (uint8_t)(len >> 8);
	req[1] = (uint8_t)len;
	ck_assert_int_eq(run(fata_flow_write_copy(flow, req, len + 2), NULL), 0);

	resp_len = read_message(flow, resp, sizeof resp);
	check_web_answer(resp + 2, resp_len);
	run(fata_flow_close(flow), NULL);
}

/*
 * Starts a server on 127.0.0.1 port 0 with the first `failures` listens
 * failing, and checks that it serves both protocols on one port after
 * failures + 1 tries (plus any the host refused), with one log line per
 * retry.
 */
static void check_start_after(int failures)
{
	struct fata_dns_server *srv = server_new();
	struct fata_sockaddr any = loopback(0);
	struct fata_sockaddr udp_addr;
	int tries;

	failing.listen_failures = failures;
	failing.natural_failures = 0;
	ck_assert_int_eq(fata_dns_server_start(srv, &failing.base, &any), 0);
	tries = failures + failing.natural_failures + 1;

	/* Every try bound a UDP port first, and each listen asked for the port UDP got. */
	ck_assert_int_eq(failing.udp_binds, tries);
	ck_assert_int_eq(failing.listens, tries);
	for (int i = 0; i < failing.listens; i++) {
		ck_assert_uint_ne(failing.udp_ports[i], 0);
		ck_assert_uint_eq(failing.listen_ports[i], failing.udp_ports[i]);
	}
	ck_assert_int_eq(failing.udp_open, 1);
	ck_assert_int_eq(failing.listeners_open, 1);

	/* UDP and TCP serve on the last port tried. */
	ck_assert_int_eq(fata_dns_server_local_addr(srv, &udp_addr), 0);
	ck_assert_uint_eq(udp_addr.port, failing.udp_ports[tries - 1]);

	/* One line for each port given up, naming it and the next try. */
	ck_assert_int_eq(logs.count, tries - 1);
	for (int i = 0; i < failures; i++) {
		char expected[256];

		snprintf(expected, sizeof expected,
				"TCP port %u is in use, so another UDP port is bound (try %d of %d)",
				(unsigned)failing.udp_ports[i], i + 2, START_TRIES);
		ck_assert_str_eq(logs.lines[i], expected);
		ck_assert_int_eq(logs.levels[i], FATA_LOG_INFO);
	}

	query_udp(&udp_addr);
	query_tcp(&udp_addr);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->udp_queries, 1);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->tcp_queries, 1);

	fata_dns_server_free(srv);
	ck_assert_int_eq(failing.udp_open, 0);
	ck_assert_int_eq(failing.listeners_open, 0);
}

START_TEST(start_without_failure)
{
	check_start_after(0);
}
END_TEST

START_TEST(start_after_one_failure)
{
	check_start_after(1);
}
END_TEST

START_TEST(start_on_last_try)
{
	check_start_after(START_TRIES - 1);
}
END_TEST

/* Log lines written by the failed start in check_start_fails(). */
static int logs_at_failure;

/*
 * Starts a server on `local` with the first `failures` listens failing with
 * `error`, and checks that start fails with `error` after `tries` tries and
 * leaves neither a wrapped socket nor a host descriptor open.
 */
static void check_start_fails(struct fata_sockaddr local, int failures, int error, int tries)
{
	struct fata_dns_server *srv = server_new();
	struct fata_sockaddr any = loopback(0);
	struct fata_sockaddr unused;
	int fds = open_fds();

	failing.listen_failures = failures;
	failing.listen_error = error;
	ck_assert_int_eq(fata_dns_server_start(srv, &failing.base, &local), error);
	/* The start below may log host-refused retries of its own. */
	logs_at_failure = logs.count;

	ck_assert_int_eq(failing.udp_binds, tries);
	ck_assert_int_eq(failing.listens, tries);
	ck_assert_int_eq(failing.udp_open, 0);
	ck_assert_int_eq(failing.listeners_open, 0);
	fata_loop_run(loop, FATA_RUN_ONCE);
	ck_assert_int_eq(open_fds(), fds);
	ck_assert_int_eq(fata_dns_server_local_addr(srv, &unused), FATA_ESTATE);

	/* A failed start can be tried again, here on any free port. */
	failing.listen_failures = 0;
	ck_assert_int_eq(fata_dns_server_start(srv, &failing.base, &any), 0);
	ck_assert_int_eq(failing.udp_open, 1);
	ck_assert_int_eq(failing.listeners_open, 1);
	fata_dns_server_free(srv);
	ck_assert_int_eq(failing.udp_open, 0);
	ck_assert_int_eq(failing.listeners_open, 0);
	ck_assert_int_eq(open_fds(), fds);
}

START_TEST(start_fails_after_all_tries)
{
	check_start_fails(loopback(0), START_TRIES, FATA_EADDRINUSE, START_TRIES);

	/* Seven retry lines and one that gives up, at WARN. */
	ck_assert_int_eq(logs_at_failure, START_TRIES);
	for (int i = 0; i + 1 < START_TRIES; i++)
		ck_assert_int_eq(logs.levels[i], FATA_LOG_INFO);
	ck_assert_str_eq(logs.lines[START_TRIES - 1],
			"no port was free for both UDP and TCP in 8 tries");
	ck_assert_int_eq(logs.levels[START_TRIES - 1], FATA_LOG_WARN);
}
END_TEST

START_TEST(start_stops_at_eight_tries)
{
	check_start_fails(loopback(0), 100, FATA_EADDRINUSE, START_TRIES);
	ck_assert_int_eq(logs_at_failure, START_TRIES);
}
END_TEST

/* A fixed port is the caller's choice, so its listen is tried once and not logged. */
START_TEST(fixed_port_no_retry)
{
	struct fata_sockaddr any = loopback(0);
	struct fata_datagram *probe;
	struct fata_sockaddr fixed;

	/* A port that was free a moment ago, found by binding and closing a socket. */
	ck_assert_int_eq(fata_stack_udp_bind(host_stack, &any, &probe), 0);
	ck_assert_int_eq(probe->ops->get_local(probe, &fixed), 0);
	run(fata_datagram_close(probe), NULL);

	check_start_fails(fixed, 1, FATA_EADDRINUSE, 1);
	ck_assert_uint_eq(failing.udp_ports[0], fixed.port);
	ck_assert_uint_eq(failing.listen_ports[0], fixed.port);
	ck_assert_int_eq(logs_at_failure, 0);
}
END_TEST

/* Only FATA_EADDRINUSE is worth another port; other errors end the start at once. */
START_TEST(other_error_no_retry)
{
	check_start_fails(loopback(0), 1, FATA_EPERM, 1);
	ck_assert_int_eq(logs_at_failure, 0);
}
END_TEST

static Suite *port_retry_suite(void)
{
	Suite *s = suite_create("dns_port_retry");
	TCase *tc = tcase_create("start");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, start_without_failure);
	tcase_add_test(tc, start_after_one_failure);
	tcase_add_test(tc, start_on_last_try);
	tcase_add_test(tc, start_fails_after_all_tries);
	tcase_add_test(tc, start_stops_at_eight_tries);
	tcase_add_test(tc, fixed_port_no_retry);
	tcase_add_test(tc, other_error_no_retry);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *runner = srunner_create(port_retry_suite());
	int failed;

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

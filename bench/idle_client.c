/*
 * bench-idle-client: opens many TCP connections to one server and keeps
 * them open and idle, so the benchmark scripts can measure the server's
 * memory per connection.
 *
 *   bench-idle-client [--http PATH] [--hold SECONDS] ADDR PORT COUNT READY_FILE
 *
 * It connects COUNT times, with at most MAX_IN_FLIGHT (64) handshakes at
 * once, so that a listen backlog of 64 or more cannot overflow. With --http
 * it sends one keep-alive "GET PATH" on each connection and reads the whole
 * response, so the server keeps them as idle keep-alive connections. When
 * every connection is ready it writes COUNT to READY_FILE and waits for
 * SIGTERM or SIGINT, or at most --hold seconds (default 300). It then
 * prints
 *
 *   held=1000 closed_by_peer=0 setup_seconds=0.84
 *
 * and exits 0 when the server kept every connection open, else 1. A failed
 * connection attempt ends the program at once with status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#define PROGRAM "bench-idle-client"
/* Handshakes and HTTP exchanges in progress at once. */
#define MAX_IN_FLIGHT 64
/* Largest HTTP response head accepted. */
#define HEAD_MAX 4096
/* Seconds allowed for opening all connections. */
#define SETUP_TIMEOUT_S 120.0
/* Descriptors kept free for standard streams, epoll and the ready file. */
#define SPARE_FDS 16

enum conn_state {
	CONN_CONNECTING,
	CONN_READING_HEAD,
	CONN_READING_BODY,
	CONN_IDLE,
};

struct conn {
	int fd;
	enum conn_state state;
	char *head;          /* response head read so far, --http only */
	size_t head_len;
	uint64_t body_left;  /* response body bytes still to read */
};

struct client {
	struct sockaddr_in server;
	const char *http_path;
	char request[512];
	size_t request_len;
	int epoll_fd;
	struct conn *conns;
	unsigned count, started, ready, in_flight;
};

static void usage(void)
{
	fprintf(stderr, "usage: %s [--http PATH] [--hold SECONDS] ADDR PORT COUNT READY_FILE\n",
			PROGRAM);
	exit(2);
}

/* Raises the soft descriptor limit to what `count` connections need. */
static int raise_fd_limit(unsigned count)
{
	struct rlimit limit;
	rlim_t need = (rlim_t)count + SPARE_FDS;

	if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
		bench_perror(PROGRAM, "getrlimit");
		return -1;
	}
	if (limit.rlim_cur >= need)
		return 0;
	if (limit.rlim_max < need) {
		fprintf(stderr, "%s: %u connections need %llu descriptors, but the hard limit is "
				"%llu (raise it with ulimit -Hn)\n", PROGRAM, count,
				(unsigned long long)need, (unsigned long long)limit.rlim_max);
		return -1;
	}
	limit.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
		bench_perror(PROGRAM, "setrlimit");
		return -1;
	}
	return 0;
}

static int fail_conn(struct client *cl, struct conn *c, const char *step, int err)
{
	fprintf(stderr, "%s: connection %ld of %u: %s: %s\n", PROGRAM, (long)(c - cl->conns) + 1,
			cl->count, step, strerror(err));
	return -1;
}

/* The connection is ready: it leaves epoll and is only checked again at the end. */
static void conn_ready(struct client *cl, struct conn *c)
{
	epoll_ctl(cl->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	free(c->head);
	c->head = NULL;
	c->state = CONN_IDLE;
	cl->ready++;
	cl->in_flight--;
}

static int start_conn(struct client *cl)
{
	struct conn *c = &cl->conns[cl->started];
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail_conn(cl, c, "socket", errno);
	cl->started++;
	cl->in_flight++;
	c->state = CONN_CONNECTING;

	if (connect(c->fd, (const struct sockaddr *)&cl->server, sizeof(cl->server)) != 0
			&& errno != EINPROGRESS)
		return fail_conn(cl, c, "connect", errno);
	if (epoll_ctl(cl->epoll_fd, EPOLL_CTL_ADD, c->fd, &ev) != 0)
		return fail_conn(cl, c, "epoll_ctl", errno);
	return 0;
}

static int on_connected(struct client *cl, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0)
		return fail_conn(cl, c, "connect", err);
	if (!cl->http_path) {
		conn_ready(cl, c);
		return 0;
	}

	/* The request is far smaller than any socket buffer, so one write takes it whole. */
	if (write(c->fd, cl->request, cl->request_len) != (ssize_t)cl->request_len)
		return fail_conn(cl, c, "sending the request", errno ? errno : EIO);
	c->head = malloc(HEAD_MAX + 1);
	if (!c->head)
		return fail_conn(cl, c, "malloc", ENOMEM);
	c->head_len = 0;
	c->state = CONN_READING_HEAD;
	if (epoll_ctl(cl->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) != 0)
		return fail_conn(cl, c, "epoll_ctl", errno);
	return 0;
}

/* Finds Content-Length in a complete 200 response head. Returns 0 and the length, or -1. */
static int parse_head(struct conn *c, size_t head_end, uint64_t *content_length)
{
	const char *p;

	c->head[head_end] = '\0';
	if (strncmp(c->head, "HTTP/1.1 200 ", 13) != 0)
		return -1;
	p = strcasestr(c->head, "\r\ncontent-length:");
	if (!p)
		return -1;
	*content_length = strtoull(p + 17, NULL, 10);
	return 0;
}

/*
 * Parses the response head once it is complete, and counts the bytes read
 * past it as body. Returns 0, or -1 after printing why.
 */
static int head_complete(struct client *cl, struct conn *c)
{
	char *end;
	size_t head_end, extra;
	uint64_t length;

	c->head[c->head_len] = '\0';
	end = strstr(c->head, "\r\n\r\n");
	if (!end) {
		if (c->head_len == HEAD_MAX)
			return fail_conn(cl, c, "response head", EMSGSIZE);
		return 0;
	}
	head_end = (size_t)(end - c->head) + 4;
	extra = c->head_len - head_end;
	if (parse_head(c, head_end, &length) != 0)
		return fail_conn(cl, c, "response is not 200 with Content-Length", EPROTO);
	if (extra > length)
		return fail_conn(cl, c, "response longer than its Content-Length", EPROTO);
	c->body_left = length - extra;
	c->state = CONN_READING_BODY;
	if (c->body_left == 0)
		conn_ready(cl, c);
	return 0;
}

static int on_readable(struct client *cl, struct conn *c)
{
	char scratch[16384];
	ssize_t n;

	if (c->state == CONN_READING_HEAD)
		n = read(c->fd, c->head + c->head_len, HEAD_MAX - c->head_len);
	else
		n = read(c->fd, scratch, sizeof(scratch));
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0)
		return fail_conn(cl, c, "read", errno);
	if (n == 0)
		return fail_conn(cl, c, "the server closed before the response was complete",
				ECONNRESET);

	if (c->state == CONN_READING_HEAD) {
		c->head_len += (size_t)n;
		return head_complete(cl, c);
	}
	if ((uint64_t)n > c->body_left)
		return fail_conn(cl, c, "response longer than its Content-Length", EPROTO);
	c->body_left -= (uint64_t)n;
	if (c->body_left == 0)
		conn_ready(cl, c);
	return 0;
}

static int handle_event(struct client *cl, struct epoll_event *ev)
{
	struct conn *c = ev->data.ptr;

	if (c->state == CONN_CONNECTING)
		return on_connected(cl, c);
	return on_readable(cl, c);
}

/* Opens every connection. Returns 0, or -1 after printing why. */
static int open_all(struct client *cl)
{
	double deadline = bench_now() + SETUP_TIMEOUT_S;
	struct epoll_event events[MAX_IN_FLIGHT];

	while (cl->ready < cl->count) {
		while (cl->started < cl->count && cl->in_flight < MAX_IN_FLIGHT)
			if (start_conn(cl) != 0)
				return -1;

		int n = epoll_wait(cl->epoll_fd, events, MAX_IN_FLIGHT, 1000);

		if (n < 0 && errno != EINTR) {
			bench_perror(PROGRAM, "epoll_wait");
			return -1;
		}
		for (int i = 0; i < n; i++)
			if (handle_event(cl, &events[i]) != 0)
				return -1;
		if (bench_now() > deadline) {
			fprintf(stderr, "%s: only %u of %u connections ready after %.0f s\n", PROGRAM,
					cl->ready, cl->count, SETUP_TIMEOUT_S);
			return -1;
		}
	}
	return 0;
}

static int write_ready_file(const char *path, unsigned count)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%u\n", count) < 0 || fclose(f) != 0) {
		bench_perror(PROGRAM, path);
		return -1;
	}
	return 0;
}

/* Waits for SIGTERM or SIGINT, or `hold_s` seconds. */
static void hold(uint64_t hold_s)
{
	struct timespec limit = { .tv_sec = (time_t)hold_s };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigtimedwait(&set, NULL, &limit);
}

/* Counts the connections the server closed or wrote to while they were idle. */
static unsigned count_closed(const struct client *cl)
{
	unsigned closed = 0;

	for (unsigned i = 0; i < cl->count; i++) {
		struct pollfd p = { .fd = cl->conns[i].fd, .events = POLLIN | POLLRDHUP };

		if (poll(&p, 1, 0) != 0)
			closed++;
	}
	return closed;
}

static int setup(struct client *cl, int argc, char **argv, uint64_t *hold_s)
{
	static const struct option longopts[] = {
		{ "http", required_argument, NULL, 'h' },
		{ "hold", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t count;
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 'h')
			cl->http_path = optarg;
		else if (opt == 't' && bench_parse_size(optarg, hold_s) == 0 && *hold_s > 0)
			continue;
		else
			usage();
	}
	if (argc - optind != 4)
		usage();
	if (bench_parse_sockaddr(argv[optind], argv[optind + 1], &cl->server) != 0) {
		fprintf(stderr, "%s: invalid address %s port %s\n", PROGRAM, argv[optind],
				argv[optind + 1]);
		usage();
	}
	if (bench_parse_size(argv[optind + 2], &count) != 0 || count == 0 || count > 1000000) {
		fprintf(stderr, "%s: invalid connection count \"%s\" (1 to 1000000)\n", PROGRAM,
				argv[optind + 2]);
		usage();
	}
	cl->count = (unsigned)count;

	if (cl->http_path) {
		int len = snprintf(cl->request, sizeof(cl->request),
				"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", cl->http_path, argv[optind]);

		if (len < 0 || (size_t)len >= sizeof(cl->request)) {
			fprintf(stderr, "%s: the --http path is too long\n", PROGRAM);
			usage();
		}
		cl->request_len = (size_t)len;
	}
	return optind + 3;
}

int main(int argc, char **argv)
{
	static struct client cl;
	uint64_t hold_s = 300;
	sigset_t set;
	double start;
	unsigned closed;
	int ready_arg = setup(&cl, argc, argv, &hold_s);

	signal(SIGPIPE, SIG_IGN);

	if (raise_fd_limit(cl.count) != 0)
		return 1;
	cl.conns = calloc(cl.count, sizeof(*cl.conns));
	cl.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (!cl.conns || cl.epoll_fd < 0) {
		bench_perror(PROGRAM, "setup");
		return 1;
	}

	start = bench_now();
	if (open_all(&cl) != 0)
		return 1;
	double setup_s = bench_now() - start;

	/*
	 * Blocked from here on, so that hold() receives them. Until now they end
	 * the program at once, which is what a script cleaning up wants.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);

	if (write_ready_file(argv[ready_arg], cl.count) != 0)
		return 1;
	hold(hold_s);

	closed = count_closed(&cl);
	printf("held=%u closed_by_peer=%u setup_seconds=%.2f\n", cl.count, closed, setup_s);
	return closed == 0 ? 0 : 1;
}

/*
 * bench-bulk-server: the kernel-side peer for the bulk TCP benchmark, a
 * discard (RFC 863) or chargen (RFC 864) server on the kernel's sockets.
 *
 *   bench-bulk-server discard|chargen ADDR PORT
 *
 * It serves one connection at a time, as the benchmark opens one, and runs
 * until SIGTERM or SIGINT. Discard reads until the client ends its side and
 * then closes. Chargen writes the RFC 864 stream from a precomputed buffer
 * until the client closes. It prints "listening" on standard output once
 * it accepts connections.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"
#include "chargen_pattern.h"

#define PROGRAM "bench-bulk-server"
#define IO_BYTES (256 * 1024)

static uint8_t io_buffer[IO_BYTES];

static void serve_discard(int fd)
{
	for (;;) {
		ssize_t n = read(fd, io_buffer, sizeof(io_buffer));

		if (n == 0)
			return;
		if (n < 0 && errno != EINTR) {
			bench_perror(PROGRAM, "read");
			return;
		}
	}
}

static void serve_chargen(int fd)
{
	uint64_t sent = 0;

	for (;;) {
		size_t start = (size_t)(sent % CHARGEN_PERIOD_BYTES);
		ssize_t n = write(fd, io_buffer + start, IO_BYTES - start);

		if (n < 0 && errno == EINTR)
			continue;
		/* The client closes once it has its bytes, which ends the write with an error. */
		if (n < 0)
			return;
		sent += (uint64_t)n;
	}
}

static int listen_on(const struct sockaddr_in *addr)
{
	int enable = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		bench_perror(PROGRAM, "socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable)) != 0
			|| bind(fd, (const struct sockaddr *)addr, sizeof(*addr)) != 0
			|| listen(fd, 16) != 0) {
		bench_perror(PROGRAM, "bind or listen");
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	int chargen, listen_fd;

	if (argc != 4 || (strcmp(argv[1], "discard") != 0 && strcmp(argv[1], "chargen") != 0)) {
		fprintf(stderr, "usage: %s discard|chargen ADDR PORT\n", PROGRAM);
		return 2;
	}
	chargen = strcmp(argv[1], "chargen") == 0;
	if (bench_parse_sockaddr(argv[2], argv[3], &addr) != 0) {
		fprintf(stderr, "%s: invalid address %s port %s\n", PROGRAM, argv[2], argv[3]);
		return 2;
	}

	signal(SIGPIPE, SIG_IGN);
	chargen_fill(io_buffer, sizeof(io_buffer), 0);
	listen_fd = listen_on(&addr);
	if (listen_fd < 0)
		return 1;
	printf("listening\n");
	fflush(stdout);

	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			bench_perror(PROGRAM, "accept");
			return 1;
		}
		if (chargen)
			serve_chargen(fd);
		else
			serve_discard(fd);
		close(fd);
	}
}

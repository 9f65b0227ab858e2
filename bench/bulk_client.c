/*
 * bench-bulk-client: one bulk TCP transfer on the kernel's sockets, timed.
 *
 *   bench-bulk-client send ADDR PORT BYTES [TIMEOUT_S]
 *   bench-bulk-client receive ADDR PORT BYTES [TIMEOUT_S]
 *
 * "send" writes BYTES of the chargen stream to a discard server, ends its
 * side, and stops the clock when the server closes, so every byte has been
 * consumed by the server's application. "receive" reads BYTES from a
 * chargen server, checks every byte against the RFC 864 stream, and stops
 * the clock at the last one. The clock starts once the connection is
 * established. On success it prints one line:
 *
 *   bytes=1073741824 seconds=2.345 mbit_per_s=3662.1
 *
 * and exits 0. It exits 1 on a failure or when TIMEOUT_S (default 60)
 * passes first, and 2 on a bad command line.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench_util.h"
#include "chargen_pattern.h"

#define PROGRAM "bench-bulk-client"
/* Bytes per read() or write() call. */
#define IO_BYTES (256 * 1024)
/* Each blocking call returns at least this often, so the deadline is noticed. */
#define POLL_SECONDS 1

static uint8_t io_buffer[IO_BYTES];

static void usage(void)
{
	fprintf(stderr, "usage: %s send|receive ADDR PORT BYTES [TIMEOUT_S]\n"
			"BYTES may end in K, M or G (binary units); TIMEOUT_S defaults to 60\n",
			PROGRAM);
	exit(2);
}

/* Connects with send and receive timeouts of POLL_SECONDS; returns the socket or -1. */
static int connect_to(const struct sockaddr_in *addr)
{
	struct timeval tv = { .tv_sec = POLL_SECONDS };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		bench_perror(PROGRAM, "socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0
			|| setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
		bench_perror(PROGRAM, "setsockopt");
		close(fd);
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) != 0) {
		bench_perror(PROGRAM, "connect");
		close(fd);
		return -1;
	}
	return fd;
}

/* Returns 1 when `deadline` has passed, after saying so. */
static int past_deadline(double deadline, uint64_t done, uint64_t total)
{
	if (bench_now() < deadline)
		return 0;
	fprintf(stderr, "%s: timed out after %llu of %llu bytes\n", PROGRAM,
			(unsigned long long)done, (unsigned long long)total);
	return 1;
}

/* Writes `total` bytes, shuts down writing and waits for the server's end of stream. */
static int run_send(int fd, uint64_t total, double deadline)
{
	uint64_t sent = 0;

	while (sent < total) {
		size_t len = total - sent < IO_BYTES ? (size_t)(total - sent) : IO_BYTES;
		size_t start = (size_t)(sent % CHARGEN_PERIOD_BYTES);
		/* The buffer contains the stream from offset 0, so each write starts within it. */
		ssize_t n;

		if (len > IO_BYTES - start)
			len = IO_BYTES - start;
		n = write(fd, io_buffer + start, len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (past_deadline(deadline, sent, total))
				return -1;
			continue;
		}
		if (n < 0) {
			bench_perror(PROGRAM, "write");
			return -1;
		}
		sent += (uint64_t)n;
	}

	if (shutdown(fd, SHUT_WR) != 0) {
		bench_perror(PROGRAM, "shutdown");
		return -1;
	}

	/* A discard server sends nothing; its end of stream means it has read everything. */
	for (;;) {
		ssize_t n = read(fd, io_buffer, sizeof(io_buffer));

		if (n == 0)
			return 0;
		if (n > 0) {
			fprintf(stderr, "%s: the discard server sent %zd bytes\n", PROGRAM, n);
			return -1;
		}
		if ((errno == EAGAIN || errno == EINTR) && !past_deadline(deadline, sent, total))
			continue;
		if (errno != EAGAIN && errno != EINTR)
			bench_perror(PROGRAM, "read after shutdown");
		return -1;
	}
}

/* Reads `total` bytes and checks each against the chargen stream. */
static int run_receive(int fd, uint64_t total, double deadline)
{
	uint64_t got = 0;

	while (got < total) {
		size_t want = total - got < IO_BYTES ? (size_t)(total - got) : IO_BYTES;
		ssize_t n = read(fd, io_buffer, want);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (past_deadline(deadline, got, total))
				return -1;
			continue;
		}
		if (n < 0) {
			bench_perror(PROGRAM, "read");
			return -1;
		}
		if (n == 0) {
			fprintf(stderr, "%s: the server closed after %llu of %llu bytes\n", PROGRAM,
					(unsigned long long)got, (unsigned long long)total);
			return -1;
		}
		if (!chargen_check(io_buffer, (size_t)n, got)) {
			fprintf(stderr, "%s: bytes %llu to %llu differ from the RFC 864 stream\n",
					PROGRAM, (unsigned long long)got,
					(unsigned long long)(got + (uint64_t)n));
			return -1;
		}
		got += (uint64_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	uint64_t total, timeout_s = 60;
	double start, elapsed;
	int sending, fd, rc;

	if (argc < 5 || argc > 6)
		usage();
	if (strcmp(argv[1], "send") == 0)
		sending = 1;
	else if (strcmp(argv[1], "receive") == 0)
		sending = 0;
	else
		usage();
	if (bench_parse_sockaddr(argv[2], argv[3], &addr) != 0) {
		fprintf(stderr, "%s: invalid address %s port %s\n", PROGRAM, argv[2], argv[3]);
		usage();
	}
	if (bench_parse_size(argv[4], &total) != 0 || total == 0) {
		fprintf(stderr, "%s: invalid byte count \"%s\"\n", PROGRAM, argv[4]);
		usage();
	}
	if (argc == 6 && (bench_parse_size(argv[5], &timeout_s) != 0 || timeout_s == 0)) {
		fprintf(stderr, "%s: invalid timeout \"%s\"\n", PROGRAM, argv[5]);
		usage();
	}

	signal(SIGPIPE, SIG_IGN);
	chargen_fill(io_buffer, sizeof(io_buffer), 0);
	fd = connect_to(&addr);
	if (fd < 0)
		return 1;

	start = bench_now();
	if (sending)
		rc = run_send(fd, total, start + (double)timeout_s);
	else
		rc = run_receive(fd, total, start + (double)timeout_s);
	elapsed = bench_now() - start;
	close(fd);
	if (rc != 0)
		return 1;

	printf("bytes=%llu seconds=%.3f mbit_per_s=%.1f\n", (unsigned long long)total, elapsed,
			(double)total * 8 / elapsed / 1e6);
	return 0;
}

/* Small helpers the benchmark drivers share: argument parsing and time. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <netinet/in.h>
#include <stdint.h>

/*
 * Parses `text` as a decimal count with an optional binary suffix K, M or
 * G (1024, 1024^2, 1024^3). Returns 0, or -1 when it is not such a number
 * or overflows.
 */
int bench_parse_size(const char *text, uint64_t *out);

/* Parses an IPv4 address and a port (1 to 65535). Returns 0 or -1. */
int bench_parse_sockaddr(const char *addr, const char *port, struct sockaddr_in *out);

/* Returns CLOCK_MONOTONIC time in seconds. */
double bench_now(void);

/* Prints "PROGRAM: MESSAGE: strerror(errno)" to standard error. */
void bench_perror(const char *program, const char *message);

#endif

/* See bench_util.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

int bench_parse_size(const char *text, uint64_t *out)
{
	uint64_t value = 0;
	uint64_t unit = 1;
	const char *p = text;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (value > (UINT64_MAX - 9) / 10)
			return -1;
		value = value * 10 + (uint64_t)(*p - '0');
	}

	if (*p == 'K')
		unit = UINT64_C(1) << 10;
	else if (*p == 'M')
		unit = UINT64_C(1) << 20;
	else if (*p == 'G')
		unit = UINT64_C(1) << 30;
	else if (*p != '\0')
		return -1;
	if (unit > 1 && p[1] != '\0')
		return -1;

	if (value > UINT64_MAX / unit)
		return -1;
	*out = value * unit;
	return 0;
}

int bench_parse_sockaddr(const char *addr, const char *port, struct sockaddr_in *out)
{
	uint64_t number;

	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &out->sin_addr) != 1)
		return -1;
	if (bench_parse_size(port, &number) != 0 || number == 0 || number > 65535)
		return -1;
	out->sin_port = htons((uint16_t)number);
	return 0;
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_perror(const char *program, const char *message)
{
	fprintf(stderr, "%s: %s: %s\n", program, message, strerror(errno));
}

/* Platform clocks on POSIX; see fata/clock.h. */
#include <stdint.h>
#include <time.h>

#include <fata/clock.h>

#define NS_PER_SEC 1000000000ull

uint64_t fata_clock_monotonic_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

int64_t fata_clock_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * (int64_t)NS_PER_SEC + (int64_t)ts.tv_nsec;
}

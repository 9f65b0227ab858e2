/*
 * Platform clocks. Protocol code should read time from fata_loop_now(),
 * which a virtual loop controls; these read the backend's hardware clocks.
 */
#ifndef FATA_CLOCK_H
#define FATA_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returns monotonic time in nanoseconds from an arbitrary start. */
uint64_t fata_clock_monotonic_ns(void);

/* Returns wall-clock time in nanoseconds since 1970-01-01 UTC (may jump). */
int64_t fata_clock_wall_ns(void);

#ifdef __cplusplus
}
#endif

#endif

/*
 * Clocks from the time Xen publishes in shared info (xen.h, "struct
 * vcpu_time_info"): system time is system_time plus the TSC ticks since
 * tsc_timestamp, scaled by tsc_to_system_mul / 2^32 after shifting by
 * tsc_shift. Xen bumps `version` to an odd value while it updates the
 * fields, so a reader retries until it saw one even, unchanged version.
 * Wall time adds the wall-clock time of system time 0 (wc_sec, wc_nsec).
 */
#include <stdint.h>

#include <fata/clock.h>

#include "xen_internal.h"

#define NS_PER_S 1000000000ull

/* System time at which the vCPU was created; see xen_clock_init(). */
static uint64_t created_ns;

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Scales a TSC delta to ns with a 64x32-bit multiply kept in 128 bits. */
static uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;

	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t xen_system_time_ns(void)
{
	const volatile struct xen_vcpu_time_info *t = &xen_vcpu_info->time;
	uint32_t version;
	uint64_t ns;

	do {
		version = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);

		uint64_t delta = rdtsc() - t->tsc_timestamp;
		ns = t->system_time + scale_delta(delta, t->tsc_to_system_mul, t->tsc_shift);

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != t->version);

	return ns;
}

uint64_t fata_clock_monotonic_ns(void)
{
	return xen_system_time_ns();
}

int64_t fata_clock_wall_ns(void)
{
	const volatile struct xen_shared_info *s = xen_shared_info;
	uint32_t version;
	uint64_t sec, nsec;

	do {
		version = s->wc_version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);

		sec = ((uint64_t)s->wc_sec_hi << 32) | s->wc_sec;
		nsec = s->wc_nsec;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != s->wc_version);

	return (int64_t)(sec * NS_PER_S + nsec + xen_system_time_ns());
}

/*
 * The vCPU's runstate times add up to the time since it was created, and
 * the domain builder creates vCPU 0 with the domain, so their sum dates
 * domain creation to within the builder's first steps.
 */
void xen_clock_init(void)
{
	struct xen_vcpu_runstate_info info;

	long rc = xen_hypercall3(XEN_HC_VCPU_OP, XEN_VCPUOP_GET_RUNSTATE_INFO, 0,
			(uint64_t)(uintptr_t)&info);
	if (rc < 0) {
		created_ns = xen_system_time_ns();
		return;
	}

	/* time[] covers the states before the current one, up to state_entry_time. */
	uint64_t lived = info.time[0] + info.time[1] + info.time[2] + info.time[3];
	created_ns = info.state_entry_time >= lived ? info.state_entry_time - lived : 0;
}

uint64_t xen_uptime_ns(void)
{
	return xen_system_time_ns() - created_ns;
}

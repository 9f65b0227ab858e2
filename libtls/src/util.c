/* Small helpers shared by the libtls sources. */
#include <string.h>

#include <fata/alloc.h>

#include "tls_internal.h"

void tls_wipe(void *p, size_t len)
{
	memset(p, 0, len);
	/*
	 * The empty assembly statement may read any memory through `p`, so the
	 * compiler cannot drop the memset as a dead store. This is as fast as
	 * memset, where a loop through a volatile pointer stores byte by byte
	 * (38 KiB for every connection's context and buffer).
	 */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* The states of a tls_once() guard. */
enum { ONCE_NEW, ONCE_RUNNING, ONCE_DONE };

void tls_once(int *state, void (*init)(void))
{
	if (__atomic_load_n(state, __ATOMIC_ACQUIRE) == ONCE_DONE)
		return;

	int expected = ONCE_NEW;
	if (__atomic_compare_exchange_n(state, &expected, ONCE_RUNNING, 0, __ATOMIC_ACQUIRE,
			__ATOMIC_ACQUIRE)) {
		init();
		__atomic_store_n(state, ONCE_DONE, __ATOMIC_RELEASE);
		return;
	}

	/* Another thread is running `init`, which takes at most milliseconds. */
	while (__atomic_load_n(state, __ATOMIC_ACQUIRE) != ONCE_DONE)
		;
}

char *tls_strdup(const char *s, size_t len)
{
	char *copy = fata_alloc(len + 1);

	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

/* Days from 0000-01-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define TLS_DAYS_TO_UNIX_EPOCH 719528

void tls_time_to_br(int64_t unix_seconds, uint32_t *days, uint32_t *seconds)
{
	if (unix_seconds < 0)
		unix_seconds = 0;
	*days = (uint32_t)(unix_seconds / 86400) + TLS_DAYS_TO_UNIX_EPOCH;
	*seconds = (uint32_t)(unix_seconds % 86400);
}

/*
 * Named counters. A module keeps its statistics in a struct of uint64_t
 * fields and describes them once with a group: a name per field. A tool (or
 * the `netstat -s` style dump in the apps) walks every registered group.
 * Registration stores a pointer and allocates nothing.
 */
#ifndef FATA_COUNTER_H
#define FATA_COUNTER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A group of `count` counters: names[i] labels values[i]. The strings and
 * the array are owned by the registering module and must outlive the
 * registration.
 */
struct fata_counter_group {
	const char *name;
	const char *const *names;
	const uint64_t *values;
	size_t count;
	struct fata_counter_group *next; /* registry link; set by register */
};

/* Adds `group` to the process-wide registry; registering twice does nothing. */
void fata_counters_register(struct fata_counter_group *group);

/* Removes `group`; harmless when it is not registered. */
void fata_counters_unregister(struct fata_counter_group *group);

/* Calls `fn` for every counter of every group, in registration order. */
void fata_counters_foreach(void (*fn)(void *arg, const char *group, const char *name,
		uint64_t value), void *arg);

/*
 * Returns the value of counter `name` in group `group`, or 0 with
 * `*found` = 0 when there is none (`found` may be NULL).
 */
uint64_t fata_counter_get(const char *group, const char *name, int *found);

#ifdef __cplusplus
}
#endif

#endif

/* The process-wide registry of counter groups; see fata/counter.h. */
#include <string.h>

#include <fata/counter.h>

static struct fata_counter_group *head;

static int is_registered(const struct fata_counter_group *group)
{
	for (const struct fata_counter_group *g = head; g; g = g->next)
		if (g == group)
			return 1;
	return 0;
}

void fata_counters_register(struct fata_counter_group *group)
{
	struct fata_counter_group **tail = &head;

	if (is_registered(group))
		return;
	while (*tail)
		tail = &(*tail)->next;
	group->next = NULL;
	*tail = group;
}

void fata_counters_unregister(struct fata_counter_group *group)
{
	for (struct fata_counter_group **link = &head; *link; link = &(*link)->next) {
		if (*link == group) {
			*link = group->next;
			group->next = NULL;
			return;
		}
	}
}

void fata_counters_foreach(void (*fn)(void *arg, const char *group, const char *name,
		uint64_t value), void *arg)
{
	for (const struct fata_counter_group *g = head; g; g = g->next)
		for (size_t i = 0; i < g->count; i++)
			fn(arg, g->name, g->names[i], g->values[i]);
}

uint64_t fata_counter_get(const char *group, const char *name, int *found)
{
	for (const struct fata_counter_group *g = head; g; g = g->next) {
		if (strcmp(g->name, group) != 0)
			continue;
		for (size_t i = 0; i < g->count; i++) {
			if (strcmp(g->names[i], name) == 0) {
				if (found)
					*found = 1;
				return g->values[i];
			}
		}
	}
	if (found)
		*found = 0;
	return 0;
}

/*
 * The resolver's answer cache: a fixed array of slots searched linearly,
 * keyed by lowercase name and type. Positive and negative answers are
 * kept for their TTL (RFC 1035 section 7.4, RFC 2308 section 5).
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/error.h>

#include "resolver_internal.h"

int resolver_cache_init(struct resolver_cache *c, size_t entries)
{
	c->entries = fata_calloc(entries ? entries : 1, sizeof *c->entries);
	c->count = entries;
	return c->entries ? 0 : FATA_ENOMEM;
}

void resolver_cache_flush(struct resolver_cache *c)
{
	for (size_t i = 0; i < c->count; i++) {
		fata_dns_answer_free(c->entries[i].answer);
		memset(&c->entries[i], 0, sizeof c->entries[i]);
	}
}

void resolver_cache_free(struct resolver_cache *c)
{
	resolver_cache_flush(c);
	fata_free(c->entries);
	c->entries = NULL;
	c->count = 0;
}

static struct cache_entry *find(struct resolver_cache *c, const struct fata_dns_name *name,
		uint16_t type)
{
	for (size_t i = 0; i < c->count; i++) {
		struct cache_entry *e = &c->entries[i];

		if (e->answer && e->type == type && fata_dns_name_equal(&e->name, name))
			return e;
	}
	return NULL;
}

struct fata_dns_answer *resolver_cache_get(struct resolver_cache *c, const struct fata_dns_name *name,
		uint16_t type, uint64_t now_ns)
{
	struct cache_entry *e = find(c, name, type);
	struct fata_dns_answer *copy;

	if (!e)
		return NULL;
	if (now_ns >= e->expires_ns) {
		fata_dns_answer_free(e->answer);
		memset(e, 0, sizeof *e);
		return NULL;
	}
	copy = resolver_answer_clone(e->answer);
	if (!copy)
		return NULL;
	/* Hand out the time left, rounded up so a live entry never reports 0. */
	copy->ttl = (uint32_t)((e->expires_ns - now_ns + 999999999u) / 1000000000u);
	copy->from_cache = 1;
	return copy;
}

void resolver_cache_put(struct resolver_cache *c, const struct fata_dns_answer *answer,
		uint32_t ttl, uint64_t now_ns)
{
	struct cache_entry *slot = find(c, &answer->name, answer->type);
	struct fata_dns_answer *copy;

	if (ttl == 0 || c->count == 0)
		return;
	/* Reuse the same key, else an empty or expired slot, else the oldest. */
	for (size_t i = 0; !slot && i < c->count; i++) {
		if (!c->entries[i].answer || c->entries[i].expires_ns <= now_ns)
			slot = &c->entries[i];
	}
	if (!slot) {
		slot = &c->entries[0];
		for (size_t i = 1; i < c->count; i++) {
			if (c->entries[i].stored_ns < slot->stored_ns)
				slot = &c->entries[i];
		}
	}

	copy = resolver_answer_clone(answer);
	if (!copy)
		return;
	fata_dns_answer_free(slot->answer);
	slot->answer = copy;
	slot->name = answer->name;
	fata_dns_name_lower(&slot->name);
	slot->type = answer->type;
	slot->stored_ns = now_ns;
	slot->expires_ns = now_ns + (uint64_t)ttl * 1000000000u;
}

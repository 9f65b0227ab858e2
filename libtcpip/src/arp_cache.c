/*
 * The ARP cache table. Entries live in one array; a bucket array of
 * indices, chained through hash_next, finds an address in constant time.
 * Free entries have state ARP_FREE and sit in no bucket.
 */
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "arp_cache.h"

static uint32_t hash_ip(const struct arp_cache *cache, uint32_t ip)
{
	/* Fibonacci hashing spreads the low host bits of one subnet. */
	return (uint32_t)((ip * 2654435761u) >> 8) & cache->bucket_mask;
}

int arp_cache_init(struct arp_cache *cache, uint32_t capacity, uint32_t queue_limit)
{
	uint32_t buckets = 1;

	memset(cache, 0, sizeof(*cache));
	if (capacity == 0 || capacity > (1u << 20))
		return FATA_EINVAL;

	while (buckets < capacity)
		buckets <<= 1;

	cache->entries = fata_calloc(capacity, sizeof(*cache->entries));
	cache->buckets = fata_calloc(buckets, sizeof(*cache->buckets));
	if (!cache->entries || !cache->buckets) {
		fata_free(cache->entries);
		fata_free(cache->buckets);
		memset(cache, 0, sizeof(*cache));
		return FATA_ENOMEM;
	}

	for (uint32_t i = 0; i < buckets; i++)
		cache->buckets[i] = -1;
	cache->capacity = capacity;
	cache->bucket_mask = buckets - 1;
	cache->queue_limit = queue_limit;
	return 0;
}

static uint32_t drop_queue(struct arp_entry *e)
{
	struct fata_view packet;
	uint32_t dropped = 0;

	while (arp_cache_dequeue(e, &packet, NULL)) {
		fata_view_release(&packet);
		dropped++;
	}
	return dropped;
}

void arp_cache_fini(struct arp_cache *cache)
{
	for (uint32_t i = 0; i < cache->capacity; i++)
		drop_queue(&cache->entries[i]);
	fata_free(cache->entries);
	fata_free(cache->buckets);
	memset(cache, 0, sizeof(*cache));
}

struct arp_entry *arp_cache_lookup(struct arp_cache *cache, uint32_t ip)
{
	int32_t i = cache->buckets[hash_ip(cache, ip)];

	while (i >= 0) {
		struct arp_entry *e = &cache->entries[i];

		if (e->ip == ip)
			return e;
		i = e->hash_next;
	}
	return NULL;
}

uint32_t arp_cache_remove(struct arp_cache *cache, struct arp_entry *e)
{
	int32_t index = (int32_t)(e - cache->entries);
	int32_t *link = &cache->buckets[hash_ip(cache, e->ip)];
	uint32_t dropped;

	while (*link >= 0 && *link != index)
		link = &cache->entries[*link].hash_next;
	if (*link == index)
		*link = e->hash_next;

	dropped = drop_queue(e);
	memset(e, 0, sizeof(*e));
	e->state = ARP_FREE;
	cache->count--;
	return dropped;
}

/* Picks the entry to evict: the least recently used, preferring resolved ones. */
static struct arp_entry *pick_victim(struct arp_cache *cache)
{
	struct arp_entry *best = NULL;

	for (uint32_t i = 0; i < cache->capacity; i++) {
		struct arp_entry *e = &cache->entries[i];

		if (!best)
			best = e;
		else if (e->state == ARP_REACHABLE && best->state != ARP_REACHABLE)
			best = e;
		else if ((e->state == ARP_REACHABLE) == (best->state == ARP_REACHABLE) &&
				e->last_used < best->last_used)
			best = e;
	}
	return best;
}

struct arp_entry *arp_cache_insert(struct arp_cache *cache, uint32_t ip, uint32_t *dropped,
		int *evicted)
{
	struct arp_entry *e = NULL;
	uint32_t bucket;

	*dropped = 0;
	*evicted = 0;
	if (cache->count == cache->capacity) {
		e = pick_victim(cache);
		*dropped = arp_cache_remove(cache, e);
		*evicted = 1;
	} else {
		for (uint32_t i = 0; i < cache->capacity; i++) {
			if (cache->entries[i].state == ARP_FREE) {
				e = &cache->entries[i];
				break;
			}
		}
	}

	/* The count shows a free entry, but a corrupted table must not crash. */
	if (!e)
		return NULL;

	memset(e, 0, sizeof(*e));
	e->ip = ip;
	bucket = hash_ip(cache, ip);
	e->hash_next = cache->buckets[bucket];
	cache->buckets[bucket] = (int32_t)(e - cache->entries);
	cache->count++;
	return e;
}

int arp_cache_enqueue(struct arp_cache *cache, struct arp_entry *e, struct fata_view packet,
		const struct fata_netif_meta *meta)
{
	struct arp_pending *p;

	if (e->queued >= cache->queue_limit)
		return FATA_ELIMIT;

	p = fata_alloc(sizeof(*p));
	if (!p)
		return FATA_ENOMEM;
	p->next = NULL;
	p->packet = packet;
	if (meta)
		p->meta = *meta;
	else
		memset(&p->meta, 0, sizeof(p->meta));

	if (e->queue_tail)
		e->queue_tail->next = p;
	else
		e->queue_head = p;
	e->queue_tail = p;
	e->queued++;
	return 0;
}

int arp_cache_dequeue(struct arp_entry *e, struct fata_view *packet, struct fata_netif_meta *meta)
{
	struct arp_pending *p = e->queue_head;

	if (!p)
		return 0;

	e->queue_head = p->next;
	if (!e->queue_head)
		e->queue_tail = NULL;
	e->queued--;
	*packet = p->packet;
	if (meta)
		*meta = p->meta;
	fata_free(p);
	return 1;
}

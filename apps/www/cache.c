/*
 * The small-file cache: a hash table from request path to a file's bytes
 * and validators, with least-recently-used eviction under a byte budget.
 * It only stores and evicts, and files.c decides what is fresh.
 */
#include <stdlib.h>
#include <string.h>

#include "www.h"

struct www_cache {
	uint64_t budget;                  /* bytes the entries may take, overhead included */
	uint64_t used;
	size_t bucket_mask;               /* bucket count minus one; the count is a power of two */
	struct www_cache_entry **buckets;
	struct www_cache_entry *newest;   /* head of the use order */
	struct www_cache_entry *oldest;   /* evicted first */
	struct www_cache_stats stats;
};

/* Bucket counts: about one bucket per 2 KiB of budget, within these bounds. */
#define MIN_BUCKETS 16
#define MAX_BUCKETS 65536
#define BYTES_PER_BUCKET 2048

/* FNV-1a. The table is bounded, so colliding keys can only lengthen one bucket's list. */
static uint64_t hash_key(const char *key)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
		h ^= *p;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

struct www_cache *www_cache_new(uint64_t budget)
{
	struct www_cache *c;
	size_t n = MIN_BUCKETS;

	if (budget == 0)
		return NULL;
	while (n < MAX_BUCKETS && (uint64_t)n * BYTES_PER_BUCKET < budget)
		n *= 2;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->buckets = calloc(n, sizeof(*c->buckets));
	if (c->buckets == NULL) {
		free(c);
		return NULL;
	}
	c->budget = budget;
	c->bucket_mask = n - 1;
	return c;
}

static void unlink_order(struct www_cache *c, struct www_cache_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = NULL;
	e->older = NULL;
}

static void link_newest(struct www_cache *c, struct www_cache_entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

static struct www_cache_entry *lookup(const struct www_cache *c, const char *key)
{
	struct www_cache_entry *e = c->buckets[hash_key(key) & c->bucket_mask];

	while (e != NULL && strcmp(e->key, key) != 0)
		e = e->next;
	return e;
}

struct www_cache_entry *www_cache_find(struct www_cache *c, const char *key)
{
	struct www_cache_entry *e = lookup(c, key);

	if (e == NULL) {
		c->stats.misses++;
		return NULL;
	}

	c->stats.hits++;
	if (c->newest != e) {
		unlink_order(c, e);
		link_newest(c, e);
	}
	return e;
}

static void remove_entry(struct www_cache *c, struct www_cache_entry *e)
{
	struct www_cache_entry **link = &c->buckets[hash_key(e->key) & c->bucket_mask];

	while (*link != e)
		link = &(*link)->next;
	*link = e->next;
	unlink_order(c, e);

	/* Responses still being sent hold their own references to the bytes. */
	c->used -= e->cost;
	c->stats.entries--;
	fata_view_release(&e->body);
	free(e);
}

void www_cache_drop(struct www_cache *c, struct www_cache_entry *e)
{
	c->stats.stale++;
	remove_entry(c, e);
}

int www_cache_insert(struct www_cache *c, const char *key, const char *file,
		struct fata_view body, const struct www_file_meta *meta, uint64_t now_ns)
{
	size_t key_len = strlen(key) + 1;
	size_t file_len = strlen(file) + 1;
	uint64_t cost = sizeof(struct www_cache_entry) + key_len + file_len + body.len;
	struct www_cache_entry *e;

	if (cost > c->budget || body.len > WWW_CACHE_FILE_MAX)
		return -1;

	e = lookup(c, key);
	if (e != NULL)
		remove_entry(c, e);
	while (c->used + cost > c->budget) {
		remove_entry(c, c->oldest);
		c->stats.evictions++;
	}

	e = malloc(sizeof(*e) + key_len + file_len);
	if (e == NULL)
		return -1;
	memset(e, 0, sizeof(*e));
	e->key = (char *)(e + 1);
	e->file = e->key + key_len;
	memcpy(e->key, key, key_len);
	memcpy(e->file, file, file_len);
	e->body = fata_view_ref(body);
	e->meta = *meta;
	e->checked_ns = now_ns;
	e->cost = cost;

	size_t b = hash_key(key) & c->bucket_mask;

	e->next = c->buckets[b];
	c->buckets[b] = e;
	link_newest(c, e);
	c->used += cost;
	c->stats.entries++;
	c->stats.inserts++;
	return 0;
}

void www_cache_stats(const struct www_cache *c, struct www_cache_stats *out)
{
	*out = c->stats;
	out->bytes = c->used;
}

void www_cache_free(struct www_cache *c)
{
	if (c == NULL)
		return;
	while (c->oldest != NULL)
		remove_entry(c, c->oldest);
	free(c->buckets);
	free(c);
}

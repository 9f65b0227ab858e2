/*
 * The zone's name index: a hash table of every name that exists in the
 * zone, empty non-terminals included, keyed on the lowercased wire name
 * (names compare without regard to ASCII case, RFC 4343 section 2).
 *
 * The hash runs over the labels from the rightmost to the leftmost, so
 * hashing a name once yields the hash of each of its suffixes. A query
 * walks from the apex down its name with one table probe per label and
 * finds the zone cut, the node and the closest encloser on the way.
 *
 * Each node counts its children in the index and stays there while it
 * owns an RRset or has a child. Because every ancestor of a node up to the
 * apex is in the index, "not found" for an ancestor means that no name at
 * or below it exists.
 *
 * NOTE: the hash is not keyed, so names chosen to collide slow down
 * lookups. Only zone data (files, UPDATE, transfers) add names; queries
 * never do.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/error.h>

#include "zone_internal.h"

/* The first table size, and the number of nodes per bucket that makes it grow. */
#define INDEX_BUCKETS_MIN 64
#define INDEX_LOAD_MAX 1

/* FNV-1a, 32 bits: offset basis and prime. */
#define FNV_BASIS UINT32_C(2166136261)
#define FNV_PRIME UINT32_C(16777619)

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/*
 * Lowercases the ASCII letters among eight bytes at once. A byte gets bit 5
 * (0x20) when its bit 7 is clear and its low seven bits are 'A' to 'Z'; the
 * two additions test the range without carrying into the next byte.
 */
static uint64_t lower8(uint64_t w)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	uint64_t low7 = w & (0x7f * ones);
	uint64_t above_z = low7 + (0x7f - 'Z') * ones;
	uint64_t from_a = low7 + (0x80 - 'A') * ones;
	uint64_t upper = ~w & from_a & ~above_z & (0x80 * ones);

	return w | (upper >> 2);
}

/* Copies `len` bytes of a wire name to `out`, lowercased. Length bytes are below 64, so they stay. */
static void lower_wire(uint8_t *out, const uint8_t *wire, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, wire + i, 8);
		w = lower8(w);
		memcpy(out + i, &w, 8);
	}
	for (; i < len; i++)
		out[i] = lower(wire[i]);
}

/* Feeds one label (length byte and bytes) to the hash state. */
static uint32_t hash_label(uint32_t state, const uint8_t *label)
{
	size_t n = 1 + (size_t)label[0];

	for (size_t i = 0; i < n; i++)
		state = (state ^ label[i]) * FNV_PRIME;
	return state;
}

/* Mixes the state so that the low bits, which pick the bucket, depend on every byte. */
static uint32_t hash_finish(uint32_t state)
{
	state ^= state >> 16;
	state *= UINT32_C(0x85ebca6b);
	state ^= state >> 13;
	state *= UINT32_C(0xc2b2ae35);
	state ^= state >> 16;
	return state;
}

void zone_key_init(struct zone_key *key, const struct fata_dns_name *name)
{
	unsigned n = 0;
	size_t p = 0;

	/* One pass lowercases the name, another records where each label starts. */
	lower_wire(key->lower.wire, name->wire, name->len);
	key->lower.len = name->len;
	key->lower.labels = name->labels;
	while (key->lower.wire[p] != 0) {
		key->offsets[n++] = (uint8_t)p;
		p += 1 + (size_t)key->lower.wire[p];
	}

	/* The last pass hashes from the root towards the leftmost label. */
	key->state[0] = FNV_BASIS;
	for (unsigned k = 1; k <= n; k++)
		key->state[k] = hash_label(key->state[k - 1], key->lower.wire + key->offsets[n - k]);
}

uint32_t zone_key_hash(const struct zone_key *key, unsigned labels)
{
	return hash_finish(key->state[labels]);
}

struct zone_node *zone_index_find_wire(const struct fata_dns_zone *zone, const uint8_t *lower_wire,
		size_t len, unsigned labels, uint32_t hash)
{
	struct zone_node *node;

	if (zone->nbuckets == 0)
		return NULL;
	for (node = zone->buckets[hash & (zone->nbuckets - 1)]; node; node = node->chain) {
		if (node->hash == hash && node->len == len && node->labels == labels
				&& memcmp(node->wire + node->len, lower_wire, len) == 0)
			return node;
	}
	return NULL;
}

struct zone_node *zone_index_find(const struct fata_dns_zone *zone, const struct zone_key *key,
		unsigned labels)
{
	unsigned skip = key->lower.labels - labels;
	size_t off;

	/* The root has no entry in offsets[]: it is the last byte. */
	if (skip == 0)
		off = 0;
	else if (labels == 0)
		off = key->lower.len - 1u;
	else
		off = key->offsets[skip];

	return zone_index_find_wire(zone, key->lower.wire + off, key->lower.len - off, labels,
			zone_key_hash(key, labels));
}

struct zone_node *zone_node_new(const struct fata_dns_name *name)
{
	struct zone_node *node = fata_alloc(sizeof *node + 2 * (size_t)name->len);

	if (!node)
		return NULL;
	memset(node, 0, sizeof *node);
	node->len = name->len;
	node->labels = name->labels;
	memcpy(node->wire, name->wire, name->len);
	lower_wire(node->wire + name->len, name->wire, name->len);
	return node;
}

void zone_node_free(struct zone_node *node)
{
	if (!node)
		return;
	for (unsigned i = 0; i < node->nsets; i++)
		fata_free(node->sets[i].data);
	fata_free(node->sets);
	fata_free(node);
}

/* Doubles the bucket array. On failure the table stays as it is, only fuller. */
static void index_grow(struct fata_dns_zone *zone)
{
	size_t n = zone->nbuckets * 2;
	struct zone_node **buckets = fata_calloc(n, sizeof *buckets);

	if (!buckets)
		return;
	for (size_t i = 0; i < zone->nbuckets; i++) {
		struct zone_node *node = zone->buckets[i];

		while (node) {
			struct zone_node *next = node->chain;
			size_t b = node->hash & (n - 1);

			node->chain = buckets[b];
			buckets[b] = node;
			node = next;
		}
	}
	fata_free(zone->buckets);
	zone->buckets = buckets;
	zone->nbuckets = n;
}

static void index_link(struct fata_dns_zone *zone, struct zone_node *node)
{
	size_t b = node->hash & (zone->nbuckets - 1);

	node->chain = zone->buckets[b];
	zone->buckets[b] = node;
	zone->indexed++;
}

static void index_unlink(struct fata_dns_zone *zone, struct zone_node *node)
{
	struct zone_node **link = &zone->buckets[node->hash & (zone->nbuckets - 1)];

	while (*link != node)
		link = &(*link)->chain;
	*link = node->chain;
	zone->indexed--;
}

/* Returns the parent of `node` in the index, or NULL for the apex or a missing parent. */
static struct zone_node *index_parent(const struct fata_dns_zone *zone,
		const struct zone_node *node, struct zone_key *key)
{
	if (node->labels <= zone->origin.labels)
		return NULL;
	return zone_index_find(zone, key, node->labels - 1u);
}

int zone_index_add(struct fata_dns_zone *zone, struct zone_node *node)
{
	struct zone_node *created[ZONE_LABELS_MAX + 1];
	struct zone_node *anchor = NULL;
	struct fata_dns_name name;
	struct zone_key key;
	unsigned missing = 0, labels;

	if (zone->nbuckets == 0) {
		zone->buckets = fata_calloc(INDEX_BUCKETS_MIN, sizeof *zone->buckets);
		if (!zone->buckets)
			return FATA_ENOMEM;
		zone->nbuckets = INDEX_BUCKETS_MIN;
	}

	name.len = node->len;
	name.labels = node->labels;
	memcpy(name.wire, node->wire, node->len);
	zone_key_init(&key, &name);
	node->hash = zone_key_hash(&key, node->labels);

	/* Find the nearest ancestor in the index, and make nodes for those in between. */
	for (labels = node->labels; labels-- > zone->origin.labels;) {
		struct fata_dns_name ancestor;

		anchor = zone_index_find(zone, &key, labels);
		if (anchor)
			break;
		fata_dns_name_suffix(&name, labels, &ancestor);
		created[missing] = zone_node_new(&ancestor);
		if (!created[missing]) {
			while (missing > 0)
				zone_node_free(created[--missing]);
			return FATA_ENOMEM;
		}
		created[missing]->hash = zone_key_hash(&key, labels);
		missing++;
	}

	/* Each new node is the only child of the next one up. */
	for (unsigned i = 0; i < missing; i++)
		created[i]->children = 1;
	if (anchor)
		anchor->children++;
	if (zone->indexed + 1 + missing > zone->nbuckets * INDEX_LOAD_MAX)
		index_grow(zone);
	index_link(zone, node);
	for (unsigned i = 0; i < missing; i++)
		index_link(zone, created[i]);
	return 0;
}

void zone_index_remove(struct fata_dns_zone *zone, struct zone_node *node)
{
	while (node) {
		struct fata_dns_name name;
		struct zone_key key;
		struct zone_node *parent;

		name.len = node->len;
		name.labels = node->labels;
		memcpy(name.wire, node->wire + node->len, node->len);
		zone_key_init(&key, &name);
		parent = index_parent(zone, node, &key);

		index_unlink(zone, node);
		zone_node_free(node);
		if (!parent || --parent->children > 0 || parent->nsets > 0)
			return;
		node = parent;
	}
}

void zone_index_free(struct fata_dns_zone *zone)
{
	for (size_t i = 0; i < zone->nbuckets; i++) {
		struct zone_node *node = zone->buckets[i];

		while (node) {
			struct zone_node *next = node->chain;

			zone_node_free(node);
			node = next;
		}
	}
	fata_free(zone->buckets);
	zone->buckets = NULL;
	zone->nbuckets = 0;
	zone->indexed = 0;
}

/*
 * The zone's storage, shared by zone.c, zone_index.c and the server's
 * lookup code.
 *
 * Every name that exists in the zone has one struct zone_node: names that
 * own records, and empty non-terminals (names with descendants but no
 * records, RFC 4592 section 2.2.2), which have nsets == 0.
 *
 * Invariants:
 *  - The name index (a hash table keyed on the lowercased name) contains
 *    every node. A node stays in it while it owns an RRset or has a child
 *    in it, so the parent of every node below the apex is in it too.
 *  - nodes[] contains the nodes that own at least one RRset, sorted in
 *    canonical order (RFC 4034 section 6.1) without repeats. Transfers and
 *    fata_dns_zone_foreach() walk it. Only fata_dns_zone_add() breaks this
 *    for a moment, while a node it just inserted has no RRset yet.
 *  - Each RRset has at least one record, whose rdata are kept as (16-bit
 *    length, bytes) pairs in canonical order with no two equal.
 */
#ifndef DNS_ZONE_INTERNAL_H
#define DNS_ZONE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <fata/dns.h>
#include <fata/dns_zone.h>

/* The maximum number of labels of a name, the root label not counted. */
#define ZONE_LABELS_MAX 127

struct zone_rrset {
	uint16_t type;
	uint16_t count;
	uint32_t ttl;
	uint32_t size; /* bytes used in data */
	uint32_t cap;
	uint8_t *data;
};

struct zone_node {
	struct zone_node *chain; /* the next node in the same hash bucket */
	struct zone_rrset *sets;
	uint32_t hash;           /* zone_key_hash() of the name */
	uint32_t children;       /* nodes in the index exactly one label below this one */
	uint16_t nsets;
	uint16_t capsets;
	uint8_t len;             /* wire length of the name */
	uint8_t labels;          /* labels of the name, the root not counted */
	/*
	 * The owner name in wire form as it was added, case kept for answers
	 * (len bytes), followed by the same name lowercased (len bytes).
	 */
	uint8_t wire[];
};

struct fata_dns_zone {
	struct fata_dns_name origin;
	struct fata_dns_name origin_lower;
	uint32_t origin_hash;
	uint16_t class_;
	uint32_t refs;
	size_t count; /* nodes[] entries */
	size_t cap;
	size_t records;
	struct zone_node **nodes;
	/* The name index: chained buckets, a power of two of them. */
	struct zone_node **buckets;
	size_t nbuckets;
	size_t indexed; /* nodes in the index, empty non-terminals included */
};

/*
 * A name prepared for index lookups: lowercased once, with the offset of
 * each label and the hash state of each suffix, so that looking up any
 * ancestor costs no further pass over the name.
 */
struct zone_key {
	struct fata_dns_name lower;
	uint8_t offsets[ZONE_LABELS_MAX]; /* of each label, leftmost first */
	uint32_t state[ZONE_LABELS_MAX + 1]; /* hash state of the suffix of k labels */
};

/* ---- zone_index.c ---- */

/* Fills `key` from `name`, which must satisfy the invariant of struct fata_dns_name. */
void zone_key_init(struct zone_key *key, const struct fata_dns_name *name);

/* Returns the hash of the suffix of `key` that has `labels` labels. */
uint32_t zone_key_hash(const struct zone_key *key, unsigned labels);

/*
 * Returns the node of the suffix of `key` with `labels` labels (at most
 * key->lower.labels), an empty non-terminal included, or NULL.
 */
struct zone_node *zone_index_find(const struct fata_dns_zone *zone, const struct zone_key *key,
		unsigned labels);

/* Returns the node of the lowercased name lower[0 .. len) with this hash, or NULL. */
struct zone_node *zone_index_find_wire(const struct fata_dns_zone *zone, const uint8_t *lower,
		size_t len, unsigned labels, uint32_t hash);

/*
 * Adds `node` to the index and creates the empty non-terminals between it
 * and the nearest ancestor that is already there. The node must not be in
 * the index yet. Returns 0 or FATA_ENOMEM, which leaves the index as it was.
 */
int zone_index_add(struct fata_dns_zone *zone, struct zone_node *node);

/*
 * Removes `node` from the index and frees it, then does the same for each
 * ancestor that is left with neither RRsets nor children. The node must
 * have no RRsets, no children and must not be in nodes[].
 */
void zone_index_remove(struct fata_dns_zone *zone, struct zone_node *node);

/* Frees every node of the index and the index itself. */
void zone_index_free(struct fata_dns_zone *zone);

/* Allocates a node for `name` with no RRsets and children, not yet in the index. */
struct zone_node *zone_node_new(const struct fata_dns_name *name);

/* Frees `node` and its RRsets. */
void zone_node_free(struct zone_node *node);

/* ---- zone.c ---- */

/* Copies the owner name of `node`, in the case it was added, to `out`. */
void zone_node_name(const struct zone_node *node, struct fata_dns_name *out);

/* Returns the node of `name` if it owns records, or NULL. */
struct zone_node *zone_node_find(const struct fata_dns_zone *zone, const struct fata_dns_name *name);

/* Returns the node of the zone's apex if it owns records, or NULL. */
struct zone_node *zone_apex(const struct fata_dns_zone *zone);

/* Returns the RRset of `type` at `node`, or NULL. */
struct zone_rrset *zone_rrset_find(const struct zone_node *node, uint16_t type);

/*
 * Returns 1 when `name` exists in the zone, as a node or as an empty
 * non-terminal (a name with descendants but no records, RFC 4592 2.2.2).
 */
int zone_name_exists(const struct fata_dns_zone *zone, const struct fata_dns_name *name);

/*
 * Fills `rr` with the owner, type, class and TTL of `set` at `node` and
 * with its first record. Call zone_rrset_next() for the others.
 */
void zone_rrset_first(const struct fata_dns_zone *zone, const struct zone_node *node,
		const struct zone_rrset *set, struct fata_dns_rr *rr);

/* Moves `rr` from one record of `set` to the next. The caller counts up to set->count. */
static inline void zone_rrset_next(const struct zone_rrset *set, struct fata_dns_rr *rr)
{
	const uint8_t *next = rr->rdata + rr->rdlen;
	size_t pos = (size_t)(next - set->data);

	rr->rdlen = (uint16_t)(set->data[pos] << 8 | set->data[pos + 1]);
	rr->rdata = next + 2;
}

/* Fills `rr` with record `index` of `set` at `node`; rdata points into the set. */
void zone_rrset_record(const struct fata_dns_zone *zone, const struct zone_node *node,
		const struct zone_rrset *set, unsigned index, struct fata_dns_rr *rr);

#endif

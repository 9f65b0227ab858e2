/*
 * The zone's storage, shared by zone.c and the server's lookup code.
 *
 * Invariants: nodes[] is sorted in canonical order without repeats; every
 * node has at least one RRset; each RRset has at least one record, whose
 * rdata are kept as (16-bit length, bytes) pairs in canonical order with no
 * two equal.
 */
#ifndef DNS_ZONE_INTERNAL_H
#define DNS_ZONE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <fata/dns.h>
#include <fata/dns_zone.h>

struct zone_rrset {
	uint16_t type;
	uint16_t count;
	uint32_t ttl;
	uint32_t size; /* bytes used in data */
	uint32_t cap;
	uint8_t *data;
};

struct zone_node {
	struct fata_dns_name name;
	uint16_t nsets;
	uint16_t capsets;
	struct zone_rrset *sets;
};

struct fata_dns_zone {
	struct fata_dns_name origin;
	uint16_t class_;
	uint32_t refs;
	size_t count; /* nodes */
	size_t cap;
	size_t records;
	struct zone_node **nodes;
};

/*
 * Finds `name`: returns its index and sets *found to 1, or returns the
 * index where it would be inserted and sets *found to 0.
 */
size_t zone_search(const struct fata_dns_zone *zone, const struct fata_dns_name *name, int *found);

/* Returns the node of `name`, or NULL. */
struct zone_node *zone_node_find(const struct fata_dns_zone *zone, const struct fata_dns_name *name);

/* Returns the RRset of `type` at `node`, or NULL. */
struct zone_rrset *zone_rrset_find(const struct zone_node *node, uint16_t type);

/*
 * Returns 1 when `name` exists in the zone, as a node or as an empty
 * non-terminal (a name with descendants but no records, RFC 4592 2.2.2).
 */
int zone_name_exists(const struct fata_dns_zone *zone, const struct fata_dns_name *name);

/* Fills `rr` with record `index` of `set` at `node`; rdata points into the set. */
void zone_rrset_record(const struct fata_dns_zone *zone, const struct zone_node *node,
		const struct zone_rrset *set, unsigned index, struct fata_dns_rr *rr);

#endif

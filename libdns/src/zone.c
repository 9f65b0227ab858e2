/*
 * Zones in memory; see fata/dns_zone.h and the invariants in
 * zone_internal.h. Exact lookups go through the name index
 * (zone_index.c). The nodes that own records also live in one array
 * sorted in canonical order, for transfers and fata_dns_zone_foreach().
 * Inserting a name moves the tail of the array.
 * NOTE: that makes loading a zone of n names O(n^2) in the worst case; zone
 * files are usually sorted, which appends instead.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/dns_zone.h>
#include <fata/error.h>

#include "dns_internal.h"
#include "zone_internal.h"

int fata_dns_zone_new(const struct fata_dns_name *origin, uint16_t class_,
		struct fata_dns_zone **out)
{
	struct fata_dns_zone *zone = fata_calloc(1, sizeof *zone);
	struct zone_key key;

	*out = NULL;
	if (!zone)
		return FATA_ENOMEM;
	zone->origin = *origin;
	zone_key_init(&key, origin);
	zone->origin_lower = key.lower;
	zone->origin_hash = zone_key_hash(&key, origin->labels);
	zone->class_ = class_;
	zone->refs = 1;
	*out = zone;
	return 0;
}

struct fata_dns_zone *fata_dns_zone_ref(struct fata_dns_zone *zone)
{
	zone->refs++;
	return zone;
}

void fata_dns_zone_unref(struct fata_dns_zone *zone)
{
	if (!zone || --zone->refs > 0)
		return;
	/* The index contains every node, the ones in nodes[] too. */
	zone_index_free(zone);
	fata_free(zone->nodes);
	fata_free(zone);
}

static struct zone_node *node_clone(const struct zone_node *src)
{
	struct fata_dns_name name;
	struct zone_node *node;

	zone_node_name(src, &name);
	node = zone_node_new(&name);
	if (!node)
		return NULL;
	node->sets = fata_calloc(src->nsets, sizeof *node->sets);
	if (!node->sets) {
		fata_free(node);
		return NULL;
	}
	node->capsets = src->nsets;
	for (unsigned i = 0; i < src->nsets; i++) {
		struct zone_rrset *set = &node->sets[i];

		*set = src->sets[i];
		set->cap = set->size;
		set->data = fata_alloc(set->size);
		if (!set->data) {
			node->nsets = (uint16_t)i;
			zone_node_free(node);
			return NULL;
		}
		memcpy(set->data, src->sets[i].data, set->size);
	}
	node->nsets = src->nsets;
	return node;
}

int fata_dns_zone_clone(const struct fata_dns_zone *zone, struct fata_dns_zone **out)
{
	struct fata_dns_zone *copy;

	if (fata_dns_zone_new(&zone->origin, zone->class_, &copy) < 0)
		return FATA_ENOMEM;
	copy->nodes = fata_calloc(zone->count ? zone->count : 1, sizeof *copy->nodes);
	if (!copy->nodes) {
		fata_dns_zone_unref(copy);
		return FATA_ENOMEM;
	}
	copy->cap = zone->count ? zone->count : 1;

	/* The empty non-terminals come back as zone_index_add() fills the gaps. */
	for (size_t i = 0; i < zone->count; i++) {
		struct zone_node *node = node_clone(zone->nodes[i]);

		if (!node || zone_index_add(copy, node) < 0) {
			zone_node_free(node);
			fata_dns_zone_unref(copy);
			return FATA_ENOMEM;
		}
		copy->nodes[copy->count++] = node;
	}
	copy->records = zone->records;
	*out = copy;
	return 0;
}

const struct fata_dns_name *fata_dns_zone_origin(const struct fata_dns_zone *zone)
{
	return &zone->origin;
}

uint16_t fata_dns_zone_class(const struct fata_dns_zone *zone)
{
	return zone->class_;
}

size_t fata_dns_zone_record_count(const struct fata_dns_zone *zone)
{
	return zone->records;
}

void zone_node_name(const struct zone_node *node, struct fata_dns_name *out)
{
	out->len = node->len;
	out->labels = node->labels;
	memcpy(out->wire, node->wire, node->len);
}

/* Stores the offset of each label of the wire name `wire`, leftmost first. Returns the count. */
static unsigned label_offsets(const uint8_t *wire, uint8_t offsets[ZONE_LABELS_MAX])
{
	unsigned n = 0;
	size_t p = 0;

	while (wire[p] != 0) {
		offsets[n++] = (uint8_t)p;
		p += 1 + (size_t)wire[p];
	}
	return n;
}

/*
 * Compares two nodes in canonical order (RFC 4034 section 6.1): label by
 * label from the right, each label as a lowercased octet string where a
 * prefix sorts first. Both names are stored lowercased already.
 */
static int node_compare(const struct zone_node *a, const struct zone_node *b)
{
	uint8_t ao[ZONE_LABELS_MAX], bo[ZONE_LABELS_MAX];
	const uint8_t *aw = a->wire + a->len, *bw = b->wire + b->len;
	unsigned an = label_offsets(aw, ao);
	unsigned bn = label_offsets(bw, bo);

	while (an > 0 && bn > 0) {
		const uint8_t *la = aw + ao[--an];
		const uint8_t *lb = bw + bo[--bn];
		size_t n = la[0] < lb[0] ? la[0] : lb[0];
		int c = memcmp(la + 1, lb + 1, n);

		if (c != 0)
			return c;
		if (la[0] != lb[0])
			return la[0] < lb[0] ? -1 : 1;
	}
	if (an == bn)
		return 0;
	return an < bn ? -1 : 1;
}

/*
 * Finds `node` in nodes[]: returns its index and sets *found to 1, or
 * returns the index where it would be inserted and sets *found to 0.
 */
static size_t sorted_position(const struct fata_dns_zone *zone, const struct zone_node *node,
		int *found)
{
	size_t lo = 0, hi = zone->count;

	/* Zone files and transfers are mostly in canonical order: try the end first. */
	*found = 0;
	if (hi > 0 && node_compare(zone->nodes[hi - 1], node) < 0)
		return hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = node_compare(zone->nodes[mid], node);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Returns the node of `name`, an empty non-terminal included, or NULL. */
static struct zone_node *index_lookup(const struct fata_dns_zone *zone,
		const struct fata_dns_name *name)
{
	struct zone_key key;

	zone_key_init(&key, name);
	return zone_index_find(zone, &key, name->labels);
}

struct zone_node *zone_node_find(const struct fata_dns_zone *zone, const struct fata_dns_name *name)
{
	struct zone_node *node = index_lookup(zone, name);

	return node && node->nsets > 0 ? node : NULL;
}

struct zone_node *zone_apex(const struct fata_dns_zone *zone)
{
	struct zone_node *node = zone_index_find_wire(zone, zone->origin_lower.wire,
			zone->origin_lower.len, zone->origin_lower.labels, zone->origin_hash);

	return node && node->nsets > 0 ? node : NULL;
}

struct zone_rrset *zone_rrset_find(const struct zone_node *node, uint16_t type)
{
	for (unsigned i = 0; i < node->nsets; i++) {
		if (node->sets[i].type == type)
			return &node->sets[i];
	}
	return NULL;
}

int zone_name_exists(const struct fata_dns_zone *zone, const struct fata_dns_name *name)
{
	return index_lookup(zone, name) != NULL;
}

void zone_rrset_first(const struct fata_dns_zone *zone, const struct zone_node *node,
		const struct zone_rrset *set, struct fata_dns_rr *rr)
{
	zone_node_name(node, &rr->owner);
	rr->type = set->type;
	rr->class_ = zone->class_;
	rr->ttl = set->ttl;
	rr->rdlen = dns_get16(set->data);
	rr->rdata = set->data + 2;
}

void zone_rrset_record(const struct fata_dns_zone *zone, const struct zone_node *node,
		const struct zone_rrset *set, unsigned index, struct fata_dns_rr *rr)
{
	zone_rrset_first(zone, node, set, rr);
	for (unsigned k = 0; k < index; k++)
		zone_rrset_next(set, rr);
}

/* Puts `node` into nodes[], where it must not be yet. */
static int sorted_insert(struct fata_dns_zone *zone, struct zone_node *node)
{
	int found;
	size_t i = sorted_position(zone, node, &found);

	if (zone->count == zone->cap) {
		size_t cap = zone->cap ? zone->cap * 2 : 16;
		struct zone_node **nodes = fata_realloc(zone->nodes, cap * sizeof *nodes);

		if (!nodes)
			return FATA_ENOMEM;
		zone->nodes = nodes;
		zone->cap = cap;
	}
	memmove(zone->nodes + i + 1, zone->nodes + i, (zone->count - i) * sizeof *zone->nodes);
	zone->nodes[i] = node;
	zone->count++;
	return 0;
}

/*
 * Returns the node for records owned by `name`, in nodes[] and in the
 * index, creating it or turning an empty non-terminal into it. Returns NULL
 * when out of memory. A node returned without RRsets must get one or be
 * passed to node_remove_if_empty().
 */
static struct zone_node *node_insert(struct fata_dns_zone *zone, const struct fata_dns_name *name)
{
	struct zone_node *node = index_lookup(zone, name);

	if (node && node->nsets > 0)
		return node;

	if (node) {
		/* An empty non-terminal takes the case of its first owner name. */
		memcpy(node->wire, name->wire, name->len);
		if (sorted_insert(zone, node) < 0)
			return NULL;
		return node;
	}

	node = zone_node_new(name);
	if (!node)
		return NULL;
	if (zone_index_add(zone, node) < 0) {
		zone_node_free(node);
		return NULL;
	}
	if (sorted_insert(zone, node) < 0) {
		zone_index_remove(zone, node);
		return NULL;
	}
	return node;
}

/* Takes a node that lost its last RRset out of nodes[], and out of the index if it can go. */
static void node_remove_if_empty(struct fata_dns_zone *zone, struct zone_node *node)
{
	int found;
	size_t i;

	if (node->nsets > 0)
		return;
	i = sorted_position(zone, node, &found);
	if (found) {
		memmove(zone->nodes + i, zone->nodes + i + 1,
				(zone->count - i - 1) * sizeof *zone->nodes);
		zone->count--;
	}
	if (node->children == 0)
		zone_index_remove(zone, node);
}

static struct zone_rrset *rrset_insert(struct zone_node *node, uint16_t type)
{
	struct zone_rrset *set = zone_rrset_find(node, type);

	if (set)
		return set;
	if (node->nsets == node->capsets) {
		uint16_t cap = node->capsets ? (uint16_t)(node->capsets * 2) : 4;
		struct zone_rrset *sets = fata_realloc(node->sets, cap * sizeof *sets);

		if (!sets)
			return NULL;
		node->sets = sets;
		node->capsets = cap;
	}
	set = &node->sets[node->nsets++];
	memset(set, 0, sizeof *set);
	set->type = type;
	return set;
}

static void rrset_remove(struct zone_node *node, struct zone_rrset *set)
{
	size_t i = (size_t)(set - node->sets);

	fata_free(set->data);
	memmove(node->sets + i, node->sets + i + 1, (node->nsets - i - 1) * sizeof *set);
	node->nsets--;
}

/* Finds where rdata goes in `set`: returns its offset; *equal is 1 when present. */
static size_t rdata_position(const struct zone_rrset *set, const uint8_t *rdata, uint16_t len,
		int *equal)
{
	size_t pos = 0;

	*equal = 0;
	for (unsigned k = 0; k < set->count; k++) {
		uint16_t n = dns_get16(set->data + pos);
		int c = fata_dns_rdata_compare(set->type, set->data + pos + 2, n, rdata, len);

		if (c == 0)
			*equal = 1;
		if (c >= 0)
			return pos;
		pos += 2 + (size_t)n;
	}
	return pos;
}

/* Checks RFC 2181 10.1: a CNAME stands alone at its name (DNSSEC records aside). */
static int cname_conflict(const struct zone_node *node, uint16_t type)
{
	for (unsigned i = 0; i < node->nsets; i++) {
		uint16_t have = node->sets[i].type;

		if (have == FATA_DNS_TYPE_RRSIG || have == FATA_DNS_TYPE_NSEC
				|| type == FATA_DNS_TYPE_RRSIG || type == FATA_DNS_TYPE_NSEC)
			continue;
		if ((type == FATA_DNS_TYPE_CNAME) != (have == FATA_DNS_TYPE_CNAME))
			return 1;
	}
	return 0;
}

static int add_checks(const struct fata_dns_zone *zone, const struct fata_dns_rr *rr)
{
	if (!fata_dns_name_is_subdomain(&rr->owner, &zone->origin) || rr->class_ != zone->class_)
		return FATA_EINVAL;
	if (rr->type == FATA_DNS_TYPE_OPT || rr->type == FATA_DNS_TYPE_TSIG
			|| rr->type == FATA_DNS_TYPE_ANY || rr->type == FATA_DNS_TYPE_AXFR
			|| rr->type == FATA_DNS_TYPE_IXFR)
		return FATA_EINVAL;
	if (fata_dns_rdata_check(rr->type, rr->rdata, rr->rdlen) < 0)
		return FATA_EINVAL;
	if (rr->type == FATA_DNS_TYPE_SOA && !fata_dns_name_equal(&rr->owner, &zone->origin))
		return FATA_EINVAL;
	return 0;
}

int fata_dns_zone_add(struct fata_dns_zone *zone, const struct fata_dns_rr *rr)
{
	struct zone_node *node;
	struct zone_rrset *set;
	size_t pos;
	int equal, err;

	err = add_checks(zone, rr);
	if (err < 0)
		return err;

	node = zone_node_find(zone, &rr->owner);
	if (node && cname_conflict(node, rr->type))
		return FATA_EPROTO;
	if (!node) {
		node = node_insert(zone, &rr->owner);
		if (!node)
			return FATA_ENOMEM;
	}
	set = rrset_insert(node, rr->type);
	if (!set) {
		node_remove_if_empty(zone, node);
		return FATA_ENOMEM;
	}

	/* A zone has one SOA: a new one replaces the old (RFC 2136 3.4.2.2 relies on this). */
	if (rr->type == FATA_DNS_TYPE_SOA && set->count > 0) {
		zone->records -= set->count;
		set->count = 0;
		set->size = 0;
	}

	pos = rdata_position(set, rr->rdata, rr->rdlen, &equal);
	if (equal) {
		set->ttl = rr->ttl;
		return FATA_EEXIST;
	}
	if (set->size + 2 + rr->rdlen > set->cap) {
		uint32_t cap = set->cap ? set->cap * 2 : 64;
		uint8_t *data;

		while (cap < set->size + 2 + rr->rdlen)
			cap *= 2;
		data = fata_realloc(set->data, cap);
		if (!data) {
			if (set->count == 0) {
				rrset_remove(node, set);
				node_remove_if_empty(zone, node);
			}
			return FATA_ENOMEM;
		}
		set->data = data;
		set->cap = cap;
	}

	memmove(set->data + pos + 2 + rr->rdlen, set->data + pos, set->size - pos);
	dns_put16(set->data + pos, rr->rdlen);
	if (rr->rdlen > 0)
		memcpy(set->data + pos + 2, rr->rdata, rr->rdlen);
	set->size += 2 + (uint32_t)rr->rdlen;
	set->count++;
	set->ttl = rr->ttl;
	zone->records++;
	return 0;
}

int fata_dns_zone_remove(struct fata_dns_zone *zone, const struct fata_dns_rr *rr)
{
	struct zone_node *node = zone_node_find(zone, &rr->owner);
	struct zone_rrset *set;
	size_t pos, n;
	int equal;

	if (!node || !(set = zone_rrset_find(node, rr->type)))
		return FATA_ENOENT;
	pos = rdata_position(set, rr->rdata, rr->rdlen, &equal);
	if (!equal)
		return FATA_ENOENT;

	n = 2 + (size_t)dns_get16(set->data + pos);
	memmove(set->data + pos, set->data + pos + n, set->size - pos - n);
	set->size -= (uint32_t)n;
	set->count--;
	zone->records--;
	if (set->count == 0) {
		rrset_remove(node, set);
		node_remove_if_empty(zone, node);
	}
	return 0;
}

size_t fata_dns_zone_remove_rrset(struct fata_dns_zone *zone, const struct fata_dns_name *owner,
		uint16_t type)
{
	struct zone_node *node = zone_node_find(zone, owner);
	size_t removed = 0;

	if (!node)
		return 0;
	for (unsigned i = node->nsets; i-- > 0;) {
		struct zone_rrset *set = &node->sets[i];

		if (type != FATA_DNS_TYPE_ANY && set->type != type)
			continue;
		removed += set->count;
		rrset_remove(node, set);
	}
	zone->records -= removed;
	node_remove_if_empty(zone, node);
	return removed;
}

int fata_dns_zone_soa(const struct fata_dns_zone *zone, struct fata_dns_rr *rr)
{
	struct zone_node *apex = zone_apex(zone);
	struct zone_rrset *set = apex ? zone_rrset_find(apex, FATA_DNS_TYPE_SOA) : NULL;

	if (!set)
		return FATA_ENOENT;
	zone_rrset_record(zone, apex, set, 0, rr);
	return 0;
}

uint32_t fata_dns_zone_serial(const struct fata_dns_zone *zone)
{
	struct fata_dns_rr soa;
	size_t p1, p2;

	if (fata_dns_zone_soa(zone, &soa) < 0)
		return 0;
	p1 = dns_name_wire_len(soa.rdata, soa.rdlen);
	p2 = dns_name_wire_len(soa.rdata + p1, soa.rdlen - p1);
	return dns_get32(soa.rdata + p1 + p2);
}

int fata_dns_zone_check(const struct fata_dns_zone *zone, const char **why)
{
	struct zone_node *apex = zone_apex(zone);
	const char *reason = NULL;

	if (!apex || !zone_rrset_find(apex, FATA_DNS_TYPE_SOA))
		reason = "the zone has no SOA record at its apex";
	else if (!zone_rrset_find(apex, FATA_DNS_TYPE_NS))
		reason = "the zone has no NS record at its apex";

	if (why)
		*why = reason;
	return reason ? FATA_EINVAL : 0;
}

int fata_dns_zone_foreach(const struct fata_dns_zone *zone,
		int (*fn)(void *arg, const struct fata_dns_rr *rr), void *arg)
{
	struct fata_dns_rr rr;
	int err;

	/* The SOA goes first, as a zone transfer starts with it (RFC 5936 2.2). */
	if (fata_dns_zone_soa(zone, &rr) == 0 && (err = fn(arg, &rr)) < 0)
		return err;

	for (size_t i = 0; i < zone->count; i++) {
		const struct zone_node *node = zone->nodes[i];

		for (unsigned s = 0; s < node->nsets; s++) {
			const struct zone_rrset *set = &node->sets[s];

			/* Every node is at or below the origin, so only the apex has its label count. */
			if (set->type == FATA_DNS_TYPE_SOA && node->labels == zone->origin.labels)
				continue;
			zone_rrset_first(zone, node, set, &rr);
			for (unsigned k = 0; k < set->count; k++) {
				if (k > 0)
					zone_rrset_next(set, &rr);
				if ((err = fn(arg, &rr)) < 0)
					return err;
			}
		}
	}
	return 0;
}

static int load_one(void *arg, const struct fata_dns_rr *rr, const char **why)
{
	struct fata_dns_zone *zone = arg;
	int err = fata_dns_zone_add(zone, rr);

	switch (err) {
	case 0:
	case FATA_EEXIST:
		return 0;
	case FATA_EINVAL:
		if (!fata_dns_name_is_subdomain(&rr->owner, &zone->origin))
			*why = "owner name is outside the zone's origin";
		else if (rr->type == FATA_DNS_TYPE_SOA)
			*why = "SOA record is not at the zone's apex";
		else
			*why = "record cannot be stored in the zone";
		return err;
	case FATA_EPROTO:
		*why = "CNAME cannot share its owner name with other records (RFC 2181 section 10.1)";
		return err;
	}
	return err;
}

int fata_dns_zone_load(const char *text, size_t len, const struct fata_dns_zone_options *opt,
		struct fata_dns_zone **out, struct fata_dns_zone_error *err)
{
	struct fata_dns_zone *zone;
	const char *why;
	int rc;

	*out = NULL;
	if (!opt || !opt->origin)
		return FATA_EINVAL;
	rc = fata_dns_zone_new(opt->origin, opt->class_ ? opt->class_ : FATA_DNS_CLASS_IN, &zone);
	if (rc < 0)
		return rc;

	rc = fata_dns_zone_parse(text, len, opt, load_one, zone, err);
	if (rc == 0 && fata_dns_zone_check(zone, &why) < 0) {
		if (err) {
			err->line = 0;
			memcpy(err->reason, why, strlen(why) + 1);
		}
		rc = FATA_EINVAL;
	}
	if (rc < 0) {
		fata_dns_zone_unref(zone);
		return rc;
	}
	*out = zone;
	return 0;
}

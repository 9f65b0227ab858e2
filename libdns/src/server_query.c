/*
 * Answering standard queries from a zone (RFC 1034 section 4.3.2 as
 * clarified by RFC 4592 for wildcards, RFC 2308 for negative answers).
 *
 * For each name of a CNAME chain, in order:
 *  1. Look for a zone cut (an NS RRset below the apex) at the name or any
 *     ancestor; if there is one, send a referral: the NS RRset in the
 *     authority section, glue addresses in the additional section, AA off.
 *     A DS query at the cut itself is answered from this zone, because DS
 *     belongs to the parent side (RFC 4035 section 3.1.4.1).
 *  2. If the name exists, answer the type, or follow a CNAME, or send
 *     NODATA (NOERROR, SOA in the authority section).
 *  3. If it is an empty non-terminal, send NODATA.
 *  4. Otherwise find the closest encloser (the longest existing ancestor)
 *     and the wildcard "*" below it; a wildcard match is answered as in 2
 *     with the query name as owner, else NXDOMAIN with the SOA.
 * Chains stop after QUERY_MAX_CNAMES links or when they leave the zone.
 *
 * Steps 1 to 4 share one walk down the name index from the apex: one probe
 * per label finds the cut, the node or empty non-terminal, and the closest
 * encloser. The name is lowercased and hashed once for the whole walk.
 */
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/error.h>

#include "dns_internal.h"
#include "server_internal.h"
#include "zone_internal.h"

/* CNAME links followed inside one zone before giving up (loops end here). */
#define QUERY_MAX_CNAMES 8

struct query {
	struct fata_dns_server *srv;
	const struct request *req;
	struct response *resp;
	const struct fata_dns_zone *zone;
	uint16_t qtype;
	int full; /* a section ran out of room */
};

/* Writes every record of `set` at `node`, under `owner` (the query name for wildcards). */
static int add_rrset(struct query *q, enum fata_dns_section section,
		const struct zone_node *node, const struct zone_rrset *set,
		const struct fata_dns_name *owner)
{
	struct fata_dns_rr rr;

	zone_rrset_first(q->zone, node, set, &rr);
	if (owner)
		rr.owner = *owner;
	for (unsigned i = 0; i < set->count; i++) {
		if (i > 0)
			zone_rrset_next(set, &rr);
		if (fata_dns_build_rr(&q->resp->b, section, &rr) < 0)
			return FATA_ENOSPC;
	}
	return 0;
}

/* Writes the SOA for a negative answer with TTL min(SOA TTL, SOA minimum) (RFC 2308 3). */
static int add_negative_soa(struct query *q)
{
	struct fata_dns_rr soa;
	uint32_t minimum;

	if (fata_dns_zone_soa(q->zone, &soa) < 0)
		return 0;
	minimum = dns_get32(soa.rdata + soa.rdlen - 4);
	if (minimum < soa.ttl)
		soa.ttl = minimum;
	return fata_dns_build_rr(&q->resp->b, FATA_DNS_SECTION_AUTHORITY, &soa);
}

/* Adds the A and AAAA records of `target` if the zone has them. Returns FATA_ENOSPC when full. */
static int add_addresses(struct query *q, const struct fata_dns_name *target)
{
	static const uint16_t types[] = { FATA_DNS_TYPE_A, FATA_DNS_TYPE_AAAA };
	const struct zone_node *node;

	if (!fata_dns_name_is_subdomain(target, &q->zone->origin))
		return 0;
	node = zone_node_find(q->zone, target);
	if (!node)
		return 0;
	for (size_t t = 0; t < 2; t++) {
		const struct zone_rrset *set = zone_rrset_find(node, types[t]);

		if (set && add_rrset(q, FATA_DNS_SECTION_ADDITIONAL, node, set, NULL) < 0)
			return FATA_ENOSPC;
	}
	return 0;
}

/* Returns the offset of the target name in rdata of NS, MX or SRV, or -1. */
static long target_offset(uint16_t type)
{
	switch (type) {
	case FATA_DNS_TYPE_NS:
		return 0;
	case FATA_DNS_TYPE_MX:
		return 2;
	case FATA_DNS_TYPE_SRV:
		return 6;
	}
	return -1;
}

/* Additional section processing for NS, MX and SRV answers (RFC 1034 3.6.2, RFC 2782). */
static void add_additional(struct query *q, const struct zone_rrset *set, int required)
{
	long off = target_offset(set->type);
	size_t pos = 0;

	if (off < 0)
		return;
	for (unsigned i = 0; i < set->count; i++) {
		uint16_t n = dns_get16(set->data + pos);
		struct fata_dns_name target;

		if (fata_dns_name_from_wire(set->data + pos + 2 + off, n - (size_t)off, &target) == 0
				&& add_addresses(q, &target) < 0) {
			/* Glue the resolver cannot do without must not be silently cut (RFC 9471). */
			if (required && fata_dns_name_is_subdomain(&target, &q->zone->origin))
				q->full = 1;
			return;
		}
		pos += 2 + (size_t)n;
	}
}

static void referral(struct query *q, const struct zone_node *cut)
{
	const struct zone_rrset *ns = zone_rrset_find(cut, FATA_DNS_TYPE_NS);

	q->resp->b.header.flags &= (uint16_t)~FATA_DNS_FLAG_AA;
	if (add_rrset(q, FATA_DNS_SECTION_AUTHORITY, cut, ns, NULL) < 0) {
		q->full = 1;
		return;
	}
	add_additional(q, ns, 1);
}

/*
 * Returns 1 when the node `labels` labels long, on the way down to `name`,
 * is a zone cut: it owns an NS RRset and is below the apex. A DS query for
 * the cut's own name is answered from this side (RFC 4035 3.1.4.1).
 */
static int is_cut(const struct query *q, const struct zone_node *node, unsigned labels,
		const struct fata_dns_name *name)
{
	if (labels <= q->zone->origin.labels || !zone_rrset_find(node, FATA_DNS_TYPE_NS))
		return 0;
	return !(labels == name->labels && q->qtype == FATA_DNS_TYPE_DS);
}

/*
 * Answers at an existing node. Returns 1 with `*next` set when a CNAME
 * leads on inside the zone, else 0.
 */
static int answer_node(struct query *q, const struct zone_node *node,
		const struct fata_dns_name *owner, struct fata_dns_name *next)
{
	const struct zone_rrset *set;

	if (q->qtype == FATA_DNS_TYPE_ANY) {
		for (unsigned i = 0; i < node->nsets; i++) {
			if (add_rrset(q, FATA_DNS_SECTION_ANSWER, node, &node->sets[i], owner) < 0) {
				q->full = 1;
				return 0;
			}
		}
		return 0;
	}

	set = zone_rrset_find(node, q->qtype);
	if (set) {
		if (add_rrset(q, FATA_DNS_SECTION_ANSWER, node, set, owner) < 0)
			q->full = 1;
		else
			add_additional(q, set, 0);
		return 0;
	}

	set = zone_rrset_find(node, FATA_DNS_TYPE_CNAME);
	if (set) {
		if (add_rrset(q, FATA_DNS_SECTION_ANSWER, node, set, owner) < 0) {
			q->full = 1;
			return 0;
		}
		fata_dns_name_from_wire(set->data + 2, dns_get16(set->data), next);
		return fata_dns_name_is_subdomain(next, &q->zone->origin);
	}

	if (add_negative_soa(q) < 0)
		q->full = 1;
	return 0;
}

/* Answers with the wildcard below the closest encloser (RFC 4592), or NXDOMAIN. */
static int answer_wildcard(struct query *q, const struct fata_dns_name *name,
		unsigned encloser_labels, struct fata_dns_name *next)
{
	struct fata_dns_name encloser, wildcard;
	const struct zone_node *node;

	fata_dns_name_suffix(name, encloser_labels, &encloser);
	if (fata_dns_name_prepend(&encloser, "*", 1, &wildcard) == 0
			&& (node = zone_node_find(q->zone, &wildcard)) != NULL)
		return answer_node(q, node, name, next);

	q->resp->rcode = FATA_DNS_RCODE_NXDOMAIN;
	if (add_negative_soa(q) < 0)
		q->full = 1;
	return 0;
}

/* Answers one name of the chain; returns 1 with `*next` when the chain goes on. */
static int answer_name(struct query *q, const struct fata_dns_name *name, struct fata_dns_name *next)
{
	unsigned origin = q->zone->origin.labels;
	const struct zone_node *node = NULL;
	struct zone_key key;
	unsigned labels;

	/* Walk from the apex towards the name until a label is missing or a cut is met. */
	zone_key_init(&key, name);
	for (labels = origin; labels <= name->labels; labels++) {
		const struct zone_node *found = zone_index_find(q->zone, &key, labels);

		if (!found)
			break;
		if (found->nsets > 0 && is_cut(q, found, labels, name)) {
			referral(q, found);
			return 0;
		}
		node = found;
	}

	if (labels > name->labels && node->nsets > 0)
		return answer_node(q, node, NULL, next);

	if (labels > name->labels) {
		/* An empty non-terminal exists but owns nothing: NODATA. */
		if (add_negative_soa(q) < 0)
			q->full = 1;
		return 0;
	}

	/* The closest encloser is the last name found, or the apex when even that is missing. */
	return answer_wildcard(q, name, labels > origin ? labels - 1 : origin, next);
}

void query_answer(struct fata_dns_server *srv, const struct request *req, struct response *resp)
{
	struct server_zone *sz = server_zone_for(srv, &req->q.name);
	struct query q = { .srv = srv, .req = req, .resp = resp, .qtype = req->q.type };
	struct fata_dns_name name = req->q.name, next;

	if (!sz) {
		resp->rcode = FATA_DNS_RCODE_REFUSED;
		return;
	}
	if (!sz->zone) {
		resp->rcode = FATA_DNS_RCODE_SERVFAIL; /* a secondary zone not loaded or expired */
		return;
	}
	if (req->q.class_ != fata_dns_zone_class(sz->zone) && req->q.class_ != FATA_DNS_CLASS_ANY) {
		resp->rcode = FATA_DNS_RCODE_REFUSED;
		return;
	}
	q.zone = sz->zone;
	if (req->q.type == FATA_DNS_TYPE_IXFR && fata_dns_name_equal(&req->q.name, &sz->origin)) {
		/* RFC 1995 section 2: the differences when they fit, else the SOA alone. */
		xfr_udp_answer(srv, req, sz, resp);
		return;
	}
	if (req->q.type == FATA_DNS_TYPE_AXFR || req->q.type == FATA_DNS_TYPE_IXFR) {
		/* Transfers need TCP (RFC 5936 4.2); the TCP driver handles them before this. */
		resp->rcode = FATA_DNS_RCODE_FORMERR;
		return;
	}
	if (req->q.type == FATA_DNS_TYPE_OPT || req->q.type == FATA_DNS_TYPE_TSIG) {
		resp->rcode = FATA_DNS_RCODE_FORMERR;
		return;
	}

	resp->b.header.flags |= FATA_DNS_FLAG_AA;
	for (int link = 0; link <= QUERY_MAX_CNAMES; link++) {
		resp->rcode = FATA_DNS_RCODE_NOERROR;
		if (!answer_name(&q, &name, &next) || q.full)
			break;
		name = next;
	}

	if (q.full) {
		/* RFC 2181 9: set TC and send what fits; resending over TCP gets the rest. */
		fata_dns_builder_truncate(&resp->b);
		resp->truncated = 1;
	}
}

/*
 * Dynamic updates (RFC 2136). Only requests signed with a known TSIG key
 * are accepted; unsigned ones are REFUSED.
 *
 * Order of work (section 3): zone section check, prerequisites against
 * the current version (3.2), a prescan of every update record (3.4.1), then
 * the changes (3.4.2) on a copy of the zone. The copy is published only
 * when all of it worked, so an update applies entirely or not at all, and
 * readers (and running transfers) keep the version they had.
 */
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/error.h>
#include <fata/log.h>

#include "dns_internal.h"
#include "server_internal.h"
#include "zone_internal.h"

static int is_meta_type(uint16_t type)
{
	/* MAILB (253) and MAILA (254) are query-only types too (RFC 1035 3.2.3). */
	return type == FATA_DNS_TYPE_ANY || type == FATA_DNS_TYPE_AXFR
		|| type == FATA_DNS_TYPE_IXFR || type == 253 || type == 254
		|| type == FATA_DNS_TYPE_OPT || type == FATA_DNS_TYPE_TSIG;
}

/* RFC 2136 section 1.2: a name is in use when it owns at least one record. */
static int name_in_use(const struct fata_dns_zone *zone, const struct fata_dns_name *name)
{
	return zone_node_find(zone, name) != NULL;
}

static int rrset_exists(const struct fata_dns_zone *zone, const struct fata_dns_name *name,
		uint16_t type)
{
	const struct zone_node *node = zone_node_find(zone, name);

	return node && zone_rrset_find(node, type);
}

/* Checks one prerequisite that does not depend on values (3.2.1, 3.2.2). Returns an rcode. */
static int check_prerequisite(const struct fata_dns_zone *zone, const struct fata_dns_rr *rr)
{
	if (rr->ttl != 0)
		return FATA_DNS_RCODE_FORMERR;
	if (!fata_dns_name_is_subdomain(&rr->owner, fata_dns_zone_origin(zone)))
		return FATA_DNS_RCODE_NOTZONE;

	if (rr->class_ == FATA_DNS_CLASS_ANY) {
		if (rr->rdlen != 0)
			return FATA_DNS_RCODE_FORMERR;
		if (rr->type == FATA_DNS_TYPE_ANY)
			return name_in_use(zone, &rr->owner) ? 0 : FATA_DNS_RCODE_NXDOMAIN;
		return rrset_exists(zone, &rr->owner, rr->type) ? 0 : FATA_DNS_RCODE_NXRRSET;
	}
	if (rr->class_ == FATA_DNS_CLASS_NONE) {
		if (rr->rdlen != 0)
			return FATA_DNS_RCODE_FORMERR;
		if (rr->type == FATA_DNS_TYPE_ANY)
			return name_in_use(zone, &rr->owner) ? FATA_DNS_RCODE_YXDOMAIN : 0;
		return rrset_exists(zone, &rr->owner, rr->type) ? FATA_DNS_RCODE_YXRRSET : 0;
	}
	if (rr->class_ == fata_dns_zone_class(zone))
		return is_meta_type(rr->type) ? FATA_DNS_RCODE_FORMERR : 0;
	return FATA_DNS_RCODE_FORMERR;
}

/*
 * RFC 2136 3.2.3: every RRset named in value-dependent prerequisites must
 * exist with exactly those records. `wanted` holds them.
 */
static int check_rrsets_equal(const struct fata_dns_zone *zone,
		const struct fata_dns_zone *wanted)
{
	for (size_t i = 0; i < wanted->count; i++) {
		const struct zone_node *want = wanted->nodes[i];
		struct fata_dns_name name;
		const struct zone_node *have;

		zone_node_name(want, &name);
		have = zone_node_find(zone, &name);

		for (unsigned s = 0; s < want->nsets; s++) {
			const struct zone_rrset *ws = &want->sets[s];
			const struct zone_rrset *hs = have ? zone_rrset_find(have, ws->type) : NULL;

			/* Both sets are sorted canonically, so equal sets have equal bytes. */
			if (!hs || hs->count != ws->count || hs->size != ws->size)
				return FATA_DNS_RCODE_NXRRSET;
			for (size_t p = 0; p < ws->size;) {
				uint16_t n = dns_get16(ws->data + p);

				if (dns_get16(hs->data + p) != n || fata_dns_rdata_compare(ws->type,
						ws->data + p + 2, n, hs->data + p + 2, n) != 0)
					return FATA_DNS_RCODE_NXRRSET;
				p += 2 + (size_t)n;
			}
		}
	}
	return 0;
}

static int check_prerequisites(const struct request *req, const struct fata_dns_zone *zone)
{
	struct fata_dns_zone *wanted;
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;
	int rc = 0;

	if (fata_dns_zone_new(fata_dns_zone_origin(zone), fata_dns_zone_class(zone), &wanted) < 0)
		return FATA_DNS_RCODE_SERVFAIL;

	fata_dns_parser_init(&p, req->msg, req->len);
	while (rc == 0 && fata_dns_parse_rr(&p, &rr, &section) == 0) {
		if (section != FATA_DNS_SECTION_ANSWER)
			continue;
		rc = check_prerequisite(zone, &rr);
		if (rc == 0 && rr.class_ == fata_dns_zone_class(zone)) {
			int err = fata_dns_zone_add(wanted, &rr);

			/* A set no zone can hold (CNAME beside data) cannot match. */
			if (err == FATA_EPROTO)
				rc = FATA_DNS_RCODE_NXRRSET;
			else if (err < 0 && err != FATA_EEXIST)
				rc = err == FATA_ENOMEM ? FATA_DNS_RCODE_SERVFAIL : FATA_DNS_RCODE_FORMERR;
		}
	}
	if (rc == 0)
		rc = check_rrsets_equal(zone, wanted);
	fata_dns_zone_unref(wanted);
	return rc;
}

/* The prescan of RFC 2136 3.4.1.3. Returns an rcode. */
static int prescan(const struct request *req, const struct fata_dns_zone *zone)
{
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;

	fata_dns_parser_init(&p, req->msg, req->len);
	while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
		if (section != FATA_DNS_SECTION_AUTHORITY)
			continue;
		if (!fata_dns_name_is_subdomain(&rr.owner, fata_dns_zone_origin(zone)))
			return FATA_DNS_RCODE_NOTZONE;

		if (rr.class_ == fata_dns_zone_class(zone)) {
			if (is_meta_type(rr.type) || rr.rdlen == 0)
				return FATA_DNS_RCODE_FORMERR;
		} else if (rr.class_ == FATA_DNS_CLASS_ANY) {
			if (rr.ttl != 0 || rr.rdlen != 0
					|| (is_meta_type(rr.type) && rr.type != FATA_DNS_TYPE_ANY))
				return FATA_DNS_RCODE_FORMERR;
		} else if (rr.class_ == FATA_DNS_CLASS_NONE) {
			if (rr.ttl != 0 || is_meta_type(rr.type) || rr.rdlen == 0)
				return FATA_DNS_RCODE_FORMERR;
		} else {
			return FATA_DNS_RCODE_FORMERR;
		}
	}
	return 0;
}

struct change {
	struct fata_dns_zone *zone;
	unsigned changes;
	int soa_set;
	int failed; /* out of memory */
};

static void add_record(struct change *c, struct fata_dns_rr *rr)
{
	const struct fata_dns_name *apex = fata_dns_zone_origin(c->zone);
	int err;

	if (rr->type == FATA_DNS_TYPE_SOA) {
		struct fata_dns_rr old;
		size_t n1, n2;

		/* Only a SOA at the apex with a later serial replaces the old one. */
		if (!fata_dns_name_equal(&rr->owner, apex) || fata_dns_zone_soa(c->zone, &old) < 0)
			return;
		n1 = dns_name_wire_len(rr->rdata, rr->rdlen);
		n2 = dns_name_wire_len(rr->rdata + n1, rr->rdlen - n1);
		if (fata_dns_serial_compare(dns_get32(rr->rdata + n1 + n2),
				fata_dns_zone_serial(c->zone)) != 1)
			return;
		c->soa_set = 1;
	}

	err = fata_dns_zone_add(c->zone, rr);
	if (err == 0)
		c->changes++;
	else if (err == FATA_ENOMEM)
		c->failed = 1;
	/* FATA_EEXIST (a duplicate) and FATA_EPROTO (CNAME beside data) are ignored (3.4.2.2). */
}

static void delete_rrsets(struct change *c, const struct fata_dns_rr *rr)
{
	const struct fata_dns_name *apex = fata_dns_zone_origin(c->zone);
	int at_apex = fata_dns_name_equal(&rr->owner, apex);

	if (rr->type != FATA_DNS_TYPE_ANY) {
		/* The apex SOA and NS sets are never deleted whole (3.4.2.3). */
		if (at_apex && (rr->type == FATA_DNS_TYPE_SOA || rr->type == FATA_DNS_TYPE_NS))
			return;
		c->changes += (unsigned)fata_dns_zone_remove_rrset(c->zone, &rr->owner, rr->type);
		return;
	}

	struct zone_node *node = zone_node_find(c->zone, &rr->owner);

	if (!node)
		return;
	for (unsigned i = node->nsets; i-- > 0;) {
		uint16_t type = node->sets[i].type;

		if (at_apex && (type == FATA_DNS_TYPE_SOA || type == FATA_DNS_TYPE_NS))
			continue;
		c->changes += (unsigned)fata_dns_zone_remove_rrset(c->zone, &rr->owner, type);
		/* Removing the last set freed the node. */
		node = zone_node_find(c->zone, &rr->owner);
		if (!node)
			return;
	}
}

static void delete_record(struct change *c, const struct fata_dns_rr *rr)
{
	const struct fata_dns_name *apex = fata_dns_zone_origin(c->zone);

	if (rr->type == FATA_DNS_TYPE_SOA)
		return;
	if (rr->type == FATA_DNS_TYPE_NS && fata_dns_name_equal(&rr->owner, apex)) {
		const struct zone_node *node = zone_node_find(c->zone, apex);
		const struct zone_rrset *ns = zone_rrset_find(node, FATA_DNS_TYPE_NS);

		/* The last apex NS stays (3.4.2.4). */
		if (ns && ns->count <= 1)
			return;
	}
	if (fata_dns_zone_remove(c->zone, rr) == 0)
		c->changes++;
}

static void apply_updates(const struct request *req, struct change *c)
{
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;
	uint16_t zclass = fata_dns_zone_class(c->zone);

	fata_dns_parser_init(&p, req->msg, req->len);
	while (!c->failed && fata_dns_parse_rr(&p, &rr, &section) == 0) {
		if (section != FATA_DNS_SECTION_AUTHORITY)
			continue;
		if (rr.class_ == zclass) {
			add_record(c, &rr);
		} else if (rr.class_ == FATA_DNS_CLASS_ANY) {
			delete_rrsets(c, &rr);
		} else {
			rr.class_ = zclass;
			delete_record(c, &rr);
		}
	}
}

/* Adds one to the SOA serial in RFC 1982 arithmetic (RFC 2136 3.6). */
static int bump_serial(struct fata_dns_zone *zone)
{
	struct fata_dns_rr soa;
	uint8_t rdata[FATA_DNS_RDATA_EXPANDED_MAX];
	size_t n1, n2;

	if (fata_dns_zone_soa(zone, &soa) < 0)
		return FATA_ENOENT;
	memcpy(rdata, soa.rdata, soa.rdlen);
	n1 = dns_name_wire_len(rdata, soa.rdlen);
	n2 = dns_name_wire_len(rdata + n1, soa.rdlen - n1);
	dns_put32(rdata + n1 + n2, dns_get32(rdata + n1 + n2) + 1);
	soa.rdata = rdata;
	return fata_dns_zone_add(zone, &soa);
}

static void log_update(const struct request *req, const struct server_zone *sz, unsigned rcode,
		unsigned changes)
{
	char zone[FATA_DNS_NAME_TEXT_MAX], key[FATA_DNS_NAME_TEXT_MAX];
	char client[FATA_SOCKADDR_STRLEN];

	fata_dns_name_format(&sz->origin, zone, sizeof zone);
	fata_sockaddr_format(req->client, client, sizeof client);
	if (req->key)
		fata_dns_name_format(&req->key->name, key, sizeof key);
	else
		memcpy(key, "(none)", 7);
	fata_log(FATA_LOG_INFO, "dns", "update of zone %s from %s with key %s: %s, %u changes",
			zone, client, key, fata_dns_rcode_name(rcode), changes);
}

static int update_rcode(struct fata_dns_server *srv, const struct request *req,
		struct server_zone *sz, unsigned *changes)
{
	struct change c = { 0 };
	int rc;

	if (req->q.type != FATA_DNS_TYPE_SOA)
		return FATA_DNS_RCODE_FORMERR;
	if (!req->key)
		return FATA_DNS_RCODE_REFUSED;
	/* A secondary would forward the update to its primary (3.1.1); this one does not. */
	if (sz->secondary)
		return FATA_DNS_RCODE_NOTIMP;
	if (req->q.class_ != fata_dns_zone_class(sz->zone))
		return FATA_DNS_RCODE_NOTAUTH;

	rc = check_prerequisites(req, sz->zone);
	if (rc == 0)
		rc = prescan(req, sz->zone);
	if (rc != 0)
		return rc;

	if (fata_dns_zone_clone(sz->zone, &c.zone) < 0)
		return FATA_DNS_RCODE_SERVFAIL;
	apply_updates(req, &c);
	if (!c.failed && c.changes > 0 && !c.soa_set && bump_serial(c.zone) < 0)
		c.failed = 1;
	if (c.failed || fata_dns_zone_check(c.zone, NULL) < 0) {
		fata_dns_zone_unref(c.zone);
		return FATA_DNS_RCODE_SERVFAIL;
	}

	*changes = c.changes;
	if (c.changes == 0) {
		fata_dns_zone_unref(c.zone);
		return 0;
	}
	server_publish(srv, sz, c.zone);
	return 0;
}

void update_apply(struct fata_dns_server *srv, const struct request *req, struct response *resp)
{
	struct server_zone *sz = server_zone_exact(srv, &req->q.name);
	unsigned changes = 0;
	int rc;

	if (!sz || !sz->zone) {
		resp->rcode = FATA_DNS_RCODE_NOTAUTH;
		srv->stats.updates_rejected++;
		return;
	}

	rc = update_rcode(srv, req, sz, &changes);
	resp->rcode = (unsigned)rc;
	if (rc == 0)
		srv->stats.updates++;
	else
		srv->stats.updates_rejected++;
	log_update(req, sz, (unsigned)rc, changes);
}

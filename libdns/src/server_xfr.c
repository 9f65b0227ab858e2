/*
 * Outgoing zone transfers (RFC 5936): the zone's SOA, every other record,
 * and the SOA again, in as many TCP messages as needed. The transfer keeps
 * a reference to the zone version it started with, so updates during the
 * transfer do not mix versions.
 *
 * IXFR (RFC 1995 section 4) with a client serial that the zone's journal
 * has a chain of differences from is answered incrementally: the current
 * SOA, then for each difference its old SOA, deleted records, new SOA and
 * added records, then the current SOA again. The transfer holds a
 * reference to every difference it sends. Without such a chain the whole
 * zone goes in AXFR form, which section 4 allows, and a client that is up
 * to date gets the SOA alone.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/error.h>
#include <fata/log.h>

#include "dns_internal.h"
#include "server_internal.h"
#include "zone_internal.h"

/* XFR_BODY sends the zone's records (AXFR form), XFR_DIFFS the journal's (IXFR form). */
enum xfr_phase { XFR_FIRST_SOA, XFR_BODY, XFR_DIFFS, XFR_LAST_SOA, XFR_DONE };

struct server_xfr {
	struct fata_dns_server *srv;
	struct fata_dns_zone *zone;
	uint16_t id;
	struct fata_dns_question q;
	const struct fata_dns_tsig_key *key;
	uint8_t mac[FATA_HASH_MAX_SIZE];
	size_t mac_len;
	int messages;
	enum xfr_phase phase;
	int soa_only;
	/* The next record of the body: node, set and record index. */
	size_t node;
	unsigned set;
	unsigned rec;
	/* IXFR form: the differences to send, and the next record's place in them. */
	struct journal_diff **chain;
	size_t nchain;
	size_t diff;
	size_t pos;
	size_t pending; /* size of the record just read at pos */
};

static int transfer_allowed(const struct fata_dns_server *srv, const struct request *req)
{
	for (size_t i = 0; i < srv->nrules; i++) {
		const struct transfer_rule *rule = &srv->rules[i];

		if (!rule->any_addr && !fata_ipaddr_equal(&rule->addr, &req->client->ip))
			continue;
		if (!rule->any_key && !(req->key && fata_dns_name_equal(&req->key->name, &rule->key)))
			continue;
		return 1;
	}
	return 0;
}

/* Reads the client's serial from the zone's SOA in an IXFR request's authority section. */
static int ixfr_client_serial(const struct request *req, uint32_t *serial)
{
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;

	fata_dns_parser_init(&p, req->msg, req->len);
	while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
		if (section == FATA_DNS_SECTION_AUTHORITY && rr.type == FATA_DNS_TYPE_SOA
				&& rr.rdlen >= 22 && fata_dns_name_equal(&rr.owner, &req->q.name)) {
			*serial = dns_get32(rr.rdata + rr.rdlen - 20);
			return 0;
		}
	}
	return FATA_ENOENT;
}

static void log_transfer(const struct request *req, const char *what)
{
	char zone[FATA_DNS_NAME_TEXT_MAX], client[FATA_SOCKADDR_STRLEN];

	fata_dns_name_format(&req->q.name, zone, sizeof zone);
	fata_sockaddr_format(req->client, client, sizeof client);
	fata_log(FATA_LOG_INFO, "dns", "%s of zone %s to %s %s",
			req->q.type == FATA_DNS_TYPE_IXFR ? "IXFR" : "AXFR", zone, client, what);
}

/*
 * Decides the form of an IXFR answer from the client's serial: sets
 * soa_only when the client is up to date, or takes the journal's chain to
 * its serial. Leaves both unset for the AXFR form.
 */
static void ixfr_plan(struct fata_dns_server *srv, const struct request *req,
		const struct server_zone *sz, struct server_xfr *xfr)
{
	uint32_t current = fata_dns_zone_serial(sz->zone);
	uint32_t serial;
	int order;

	if (ixfr_client_serial(req, &serial) < 0) {
		srv->stats.ixfr_axfr_form++;
		return;
	}
	/* A client at or after our serial (RFC 1982) has nothing to fetch. */
	order = fata_dns_serial_compare(serial, current);
	if (order == 0 || order == 1) {
		xfr->soa_only = 1;
		return;
	}
	if (journal_chain(&sz->journal, serial, current, &xfr->chain, &xfr->nchain) == 0)
		srv->stats.ixfr_incremental++;
	else
		srv->stats.ixfr_axfr_form++;
}

static const char *start_detail(const struct server_xfr *xfr)
{
	if (xfr->soa_only)
		return "started: client is up to date";
	if (xfr->nchain > 0)
		return "started: incremental";
	if (xfr->q.type == FATA_DNS_TYPE_IXFR)
		return "started: whole zone, no journal chain from the client's serial";
	return "started";
}

int xfr_start(struct fata_dns_server *srv, const struct request *req, struct server_xfr **out)
{
	struct server_zone *sz = server_zone_exact(srv, &req->q.name);
	struct server_xfr *xfr;

	if (!sz) {
		log_transfer(req, "refused: not a zone of this server");
		srv->stats.transfers_refused++;
		return FATA_DNS_RCODE_NOTAUTH;
	}
	if (!sz->zone)
		return FATA_DNS_RCODE_SERVFAIL;
	if (!transfer_allowed(srv, req)) {
		log_transfer(req, "refused: no transfer rule allows this client");
		srv->stats.transfers_refused++;
		return FATA_DNS_RCODE_REFUSED;
	}

	xfr = fata_calloc(1, sizeof *xfr);
	if (!xfr)
		return FATA_DNS_RCODE_SERVFAIL;
	xfr->srv = srv;
	xfr->zone = fata_dns_zone_ref(sz->zone);
	xfr->id = req->header.id;
	xfr->q = req->q;
	xfr->key = req->key;
	if (req->key) {
		memcpy(xfr->mac, req->tsig.mac, req->tsig.mac_len);
		xfr->mac_len = req->tsig.mac_len;
	}
	if (req->q.type == FATA_DNS_TYPE_IXFR)
		ixfr_plan(srv, req, sz, xfr);

	srv->stats.transfers_out++;
	log_transfer(req, start_detail(xfr));
	*out = xfr;
	return 0;
}

/* Stores the next body record in `rr`; returns 0 when the body is finished. */
static int body_record(struct server_xfr *xfr, struct fata_dns_rr *rr)
{
	const struct fata_dns_zone *zone = xfr->zone;

	while (xfr->node < zone->count) {
		const struct zone_node *node = zone->nodes[xfr->node];

		if (xfr->set >= node->nsets) {
			xfr->node++;
			xfr->set = 0;
			xfr->rec = 0;
			continue;
		}
		const struct zone_rrset *set = &node->sets[xfr->set];

		if (xfr->rec >= set->count || (set->type == FATA_DNS_TYPE_SOA && xfr->node == 0)) {
			xfr->set++;
			xfr->rec = 0;
			continue;
		}
		zone_rrset_record(zone, node, set, xfr->rec, rr);
		return 1;
	}
	return 0;
}

/* Stores the next record of the differences in `rr`; returns 0 when all are sent. */
static int diff_record(struct server_xfr *xfr, struct fata_dns_rr *rr)
{
	while (xfr->diff < xfr->nchain) {
		xfr->pending = journal_diff_read(xfr->chain[xfr->diff], xfr->pos, rr);
		if (xfr->pending > 0)
			return 1;
		xfr->diff++;
		xfr->pos = 0;
	}
	return 0;
}

/* Moves past the record just written. */
static void advance(struct server_xfr *xfr)
{
	switch (xfr->phase) {
	case XFR_FIRST_SOA:
		if (xfr->soa_only)
			xfr->phase = XFR_DONE;
		else
			xfr->phase = xfr->nchain > 0 ? XFR_DIFFS : XFR_BODY;
		break;
	case XFR_BODY:
		xfr->rec++;
		break;
	case XFR_DIFFS:
		xfr->pos += xfr->pending;
		break;
	case XFR_LAST_SOA:
	case XFR_DONE:
		xfr->phase = XFR_DONE;
		break;
	}
}

/* Stores the record to send next in `rr`. Returns 0 when the transfer is complete. */
static int next_record(struct server_xfr *xfr, struct fata_dns_rr *rr)
{
	if (xfr->phase == XFR_BODY && !body_record(xfr, rr))
		xfr->phase = XFR_LAST_SOA;
	if (xfr->phase == XFR_DIFFS && !diff_record(xfr, rr))
		xfr->phase = XFR_LAST_SOA;
	if (xfr->phase == XFR_FIRST_SOA || xfr->phase == XFR_LAST_SOA)
		fata_dns_zone_soa(xfr->zone, rr);
	return xfr->phase != XFR_DONE;
}

int xfr_next(struct server_xfr *xfr, uint8_t *out, size_t cap, size_t *len)
{
	struct fata_dns_builder b;
	struct fata_dns_rr rr;
	int added = 0, err;

	fata_dns_builder_init(&b, out, cap, xfr->id, FATA_DNS_FLAG_QR | FATA_DNS_FLAG_AA);
	/* RFC 5936 2.2.1: the question goes in the first message. */
	if (xfr->messages == 0)
		fata_dns_build_question(&b, &xfr->q);
	if (xfr->key && fata_dns_builder_reserve(&b, FATA_DNS_TSIG_RR_MAX) < 0)
		return FATA_ENOSPC;

	while (next_record(xfr, &rr)) {
		if (fata_dns_build_rr(&b, FATA_DNS_SECTION_ANSWER, &rr) < 0) {
			if (!added)
				return FATA_EMSGSIZE; /* one record larger than a message */
			break;
		}
		added = 1;
		advance(xfr);
	}

	fata_dns_builder_release(&b);
	*len = fata_dns_builder_finish(&b);
	if (xfr->key) {
		uint64_t now = server_now(xfr->srv);

		/* Every message is signed, each MAC chaining the one before (RFC 8945 5.3.1). */
		if (xfr->messages == 0)
			err = fata_dns_tsig_sign(out, len, cap, xfr->key, now, xfr->mac, xfr->mac_len,
					0, 0, xfr->mac);
		else
			err = fata_dns_tsig_sign_next(out, len, cap, xfr->key, now, xfr->mac,
					xfr->mac_len, xfr->mac);
		if (err < 0)
			return err;
		xfr->mac_len = (size_t)err;
	}
	xfr->messages++;
	return xfr->phase == XFR_DONE ? 0 : 1;
}

void xfr_free(struct server_xfr *xfr)
{
	if (!xfr)
		return;
	journal_chain_free(xfr->chain, xfr->nchain);
	fata_dns_zone_unref(xfr->zone);
	fata_free(xfr);
}

/* Writes the incremental answer of `chain` into `b`. Errors: FATA_ENOSPC when it does not fit. */
static int build_increments(struct fata_dns_builder *b, const struct fata_dns_zone *zone,
		struct journal_diff **chain, size_t nchain)
{
	struct fata_dns_rr rr;

	fata_dns_zone_soa(zone, &rr);
	if (fata_dns_build_rr(b, FATA_DNS_SECTION_ANSWER, &rr) < 0)
		return FATA_ENOSPC;
	for (size_t i = 0; i < nchain; i++) {
		size_t pos = 0, step;

		while ((step = journal_diff_read(chain[i], pos, &rr)) > 0) {
			if (fata_dns_build_rr(b, FATA_DNS_SECTION_ANSWER, &rr) < 0)
				return FATA_ENOSPC;
			pos += step;
		}
	}
	fata_dns_zone_soa(zone, &rr);
	return fata_dns_build_rr(b, FATA_DNS_SECTION_ANSWER, &rr) < 0 ? FATA_ENOSPC : 0;
}

void xfr_udp_answer(struct fata_dns_server *srv, const struct request *req,
		const struct server_zone *sz, struct response *resp)
{
	uint32_t current = fata_dns_zone_serial(sz->zone);
	struct journal_diff **chain = NULL;
	size_t nchain = 0;
	struct fata_dns_rr soa;
	uint32_t serial;

	resp->b.header.flags |= FATA_DNS_FLAG_AA;

	/* The differences are zone contents, so the transfer rules apply over UDP too. */
	if (transfer_allowed(srv, req) && ixfr_client_serial(req, &serial) == 0
			&& fata_dns_serial_compare(serial, current) == -1
			&& journal_chain(&sz->journal, serial, current, &chain, &nchain) == 0) {
		int err = build_increments(&resp->b, sz->zone, chain, nchain);

		journal_chain_free(chain, nchain);
		if (err == 0) {
			srv->stats.ixfr_incremental++;
			srv->stats.transfers_out++;
			log_transfer(req, "sent over UDP: incremental");
			return;
		}
		fata_dns_builder_truncate(&resp->b);
	}

	/* RFC 1995 section 2: the current SOA alone, so the client retries over TCP. */
	fata_dns_zone_soa(sz->zone, &soa);
	if (fata_dns_build_rr(&resp->b, FATA_DNS_SECTION_ANSWER, &soa) < 0)
		resp->truncated = 1;
}

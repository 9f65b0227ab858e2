/*
 * Outgoing zone transfers (RFC 5936): the zone's SOA, every other record,
 * and the SOA again, in as many TCP messages as needed. The transfer keeps
 * a reference to the zone version it started with, so updates during the
 * transfer do not mix versions.
 *
 * IXFR (RFC 1995) is answered with the whole zone in AXFR form, which
 * section 4 allows, or with the SOA alone when the client is up to date.
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

enum xfr_phase { XFR_FIRST_SOA, XFR_BODY, XFR_LAST_SOA, XFR_DONE };

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

/* Reads the client's serial from the SOA in an IXFR request's authority section. */
static int ixfr_client_serial(const struct request *req, uint32_t *serial)
{
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;

	fata_dns_parser_init(&p, req->msg, req->len);
	while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
		if (section == FATA_DNS_SECTION_AUTHORITY && rr.type == FATA_DNS_TYPE_SOA
				&& rr.rdlen >= 22) {
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

int xfr_start(struct fata_dns_server *srv, const struct request *req, struct server_xfr **out)
{
	struct server_zone *sz = server_zone_exact(srv, &req->q.name);
	struct server_xfr *xfr;
	uint32_t serial;

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
	if (req->q.type == FATA_DNS_TYPE_IXFR && ixfr_client_serial(req, &serial) == 0
			&& fata_dns_serial_compare(serial, fata_dns_zone_serial(sz->zone)) >= 0
			&& fata_dns_serial_compare(serial, fata_dns_zone_serial(sz->zone)) != 2)
		xfr->soa_only = 1;

	srv->stats.transfers_out++;
	log_transfer(req, xfr->soa_only ? "started: client is up to date" : "started");
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

static void advance(struct server_xfr *xfr)
{
	if (xfr->phase == XFR_FIRST_SOA)
		xfr->phase = xfr->soa_only ? XFR_DONE : XFR_BODY;
	else if (xfr->phase == XFR_LAST_SOA)
		xfr->phase = XFR_DONE;
	else
		xfr->rec++;
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

	while (xfr->phase != XFR_DONE) {
		if (xfr->phase == XFR_BODY) {
			if (!body_record(xfr, &rr)) {
				xfr->phase = XFR_LAST_SOA;
				continue;
			}
		} else {
			fata_dns_zone_soa(xfr->zone, &rr);
		}
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
	fata_dns_zone_unref(xfr->zone);
	fata_free(xfr);
}

/*
 * Turning one request into one response: header checks, EDNS(0) (RFC 6891
 * section 6.1.1), TSIG verification (RFC 8945 section 5.2) and dispatch by
 * opcode. Responses carry an OPT record when the request did, and are
 * signed when the request was.
 */
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/error.h>
#include <fata/log.h>

#include "dns_internal.h"
#include "server_internal.h"

/* The OPT record this server adds: root owner, type, class, TTL, empty rdata. */
#define OPT_RR_SIZE 11

size_t request_max_size(const struct fata_dns_server *srv, const struct request *req)
{
	size_t size;

	if (req->tcp)
		return FATA_DNS_MSG_MAX;
	if (!req->has_edns)
		return FATA_DNS_UDP_MIN;
	/* RFC 6891 6.2.5: values below 512 are treated as 512. */
	size = req->edns.udp_size < FATA_DNS_UDP_MIN ? FATA_DNS_UDP_MIN : req->edns.udp_size;
	return size < srv->config.udp_max ? size : srv->config.udp_max;
}

/*
 * Reads the OPT and TSIG records with `p`, which has read the question
 * already. Returns 0 or an rcode.
 */
static int scan_records(struct request *req, struct fata_dns_parser *p)
{
	struct fata_dns_rr rr;
	enum fata_dns_section section;
	int err, opts = 0, tsigs = 0;

	while ((err = fata_dns_parse_rr(p, &rr, &section)) == 0) {
		if (rr.type == FATA_DNS_TYPE_TSIG)
			tsigs++;
		if (rr.type != FATA_DNS_TYPE_OPT)
			continue;
		/* RFC 6891 6.1.1: one OPT, in the additional section, owned by the root. */
		if (++opts > 1 || section != FATA_DNS_SECTION_ADDITIONAL || rr.owner.labels != 0)
			return FATA_DNS_RCODE_FORMERR;
		fata_dns_edns_from_rr(&rr, &req->edns);
		req->has_edns = 1;
	}
	if (err != FATA_ENOENT || fata_dns_parser_finish(p) < 0)
		return FATA_DNS_RCODE_FORMERR;

	/* Most requests carry no TSIG record, and then the second scan would find none. */
	if (tsigs == 0)
		return 0;
	err = fata_dns_tsig_find(req->msg, req->len, &req->tsig);
	if (err == 0)
		req->has_tsig = 1;
	else if (err != FATA_ENOENT)
		return FATA_DNS_RCODE_FORMERR;
	return 0;
}

int request_parse(struct fata_dns_server *srv, struct request *req, const uint8_t *msg,
		size_t len, const struct fata_sockaddr *client, int tcp)
{
	struct fata_dns_parser p;
	int rc, tsig_rc;

	memset(req, 0, sizeof *req);
	req->msg = msg;
	req->len = len;
	req->client = client;
	req->tcp = tcp;

	if (fata_dns_parser_init(&p, msg, len) < 0)
		return FATA_ENOENT;
	req->header = p.header;
	req->opcode = fata_dns_flags_opcode(p.header.flags);
	/* Never answer a response: that is how reflection loops start. */
	if (p.header.flags & FATA_DNS_FLAG_QR)
		return FATA_ENOENT;

	if (p.header.count[0] >= 1 && fata_dns_parse_question(&p, &req->q) == 0)
		req->has_question = p.header.count[0] == 1;

	if (req->opcode != FATA_DNS_OP_QUERY && req->opcode != FATA_DNS_OP_NOTIFY
			&& req->opcode != FATA_DNS_OP_UPDATE)
		return FATA_DNS_RCODE_NOTIMP;
	if (p.header.count[0] != 1 || !req->has_question)
		return FATA_DNS_RCODE_FORMERR;

	rc = scan_records(req, &p);
	if (rc)
		return rc;

	/* RFC 6891 6.1.3: only version 0 exists; others get BADVERS. */
	if (req->has_edns && req->edns.version != 0)
		return FATA_DNS_RCODE_BADVERS;

	if (req->has_tsig) {
		tsig_rc = fata_dns_tsig_verify(msg, len, &req->tsig, srv->keys, srv->nkeys,
				server_now(srv), NULL, 0, 0, &req->key);
		if (tsig_rc != 0) {
			char name[FATA_DNS_NAME_TEXT_MAX];

			srv->stats.tsig_failures++;
			fata_dns_name_format(&req->tsig.key_name, name, sizeof name);
			fata_log(FATA_LOG_WARN, "dns", "TSIG check failed for key %s: %s", name,
					fata_dns_rcode_name((unsigned)tsig_rc));
			/* Only a BADTIME response can be signed: the key and MAC were good. */
			if (tsig_rc != FATA_DNS_RCODE_BADTIME)
				req->key = NULL;
			return tsig_rc == FATA_DNS_RCODE_FORMERR ? FATA_DNS_RCODE_FORMERR
				: 0x1000 | tsig_rc;
		}
	}
	return 0;
}

void response_begin(const struct request *req, struct response *resp, uint8_t *out, size_t cap)
{
	uint16_t flags = FATA_DNS_FLAG_QR | (uint16_t)(req->opcode << 11)
		| (req->header.flags & FATA_DNS_FLAG_RD);

	memset(resp, 0, sizeof *resp);
	fata_dns_builder_init(&resp->b, out, cap, req->header.id, flags);
	if (req->has_question)
		fata_dns_build_question(&resp->b, &req->q);
	fata_dns_builder_reserve(&resp->b, (req->has_edns ? OPT_RR_SIZE : 0)
			+ (req->has_tsig ? FATA_DNS_TSIG_RR_MAX : 0));
}

size_t response_end(struct fata_dns_server *srv, const struct request *req,
		struct response *resp)
{
	size_t len;
	unsigned rcode = resp->rcode & 0xfff;
	unsigned tsig_error = resp->rcode & 0x1000 ? rcode : 0;

	/* A TSIG failure is NOTAUTH in the header and the real error in the TSIG record. */
	if (tsig_error)
		rcode = FATA_DNS_RCODE_NOTAUTH;

	fata_dns_builder_release(&resp->b);
	resp->b.header.flags = (uint16_t)((resp->b.header.flags & ~0xfu) | (rcode & 0xf));
	if (resp->truncated)
		resp->b.header.flags |= FATA_DNS_FLAG_TC;

	if (req->has_edns) {
		struct fata_dns_edns edns = {
			.udp_size = srv->config.udp_max,
			.ext_rcode = (uint8_t)(rcode >> 4),
		};
		struct fata_dns_rr opt;

		fata_dns_edns_to_rr(&edns, &opt);
		fata_dns_build_rr(&resp->b, FATA_DNS_SECTION_ADDITIONAL, &opt);
	}
	len = fata_dns_builder_finish(&resp->b);

	if (req->has_tsig && (req->key || tsig_error)) {
		uint64_t now = server_now(srv);

		if (req->key && tsig_error == FATA_DNS_RCODE_BADTIME)
			fata_dns_tsig_sign(resp->b.buf, &len, resp->b.cap, req->key,
					req->tsig.time_signed, req->tsig.mac, req->tsig.mac_len,
					FATA_DNS_RCODE_BADTIME, now, NULL);
		else if (req->key)
			fata_dns_tsig_sign(resp->b.buf, &len, resp->b.cap, req->key, now,
					req->tsig.mac, req->tsig.mac_len, 0, 0, NULL);
		else if (tsig_error)
			fata_dns_tsig_append_error(resp->b.buf, &len, resp->b.cap, &req->tsig,
					(uint16_t)tsig_error, now);
	}

	srv->stats.rcode[rcode & 0xf]++;
	if (resp->truncated)
		srv->stats.truncated++;
	return len;
}

static void log_query(const struct request *req, unsigned rcode)
{
	char name[FATA_DNS_NAME_TEXT_MAX], type[16], client[FATA_SOCKADDR_STRLEN];

	if (!fata_log_enabled(FATA_LOG_DEBUG))
		return;
	fata_dns_name_format(&req->q.name, name, sizeof name);
	fata_dns_type_format(req->q.type, type, sizeof type);
	fata_sockaddr_format(req->client, client, sizeof client);
	fata_log(FATA_LOG_DEBUG, "dns", "query %s %s from %s over %s: %s", name, type, client,
			req->tcp ? "TCP" : "UDP", fata_dns_rcode_name(rcode & 0xff));
}

int fata_dns_server_answer(struct fata_dns_server *srv, const uint8_t *query, size_t len,
		const struct fata_sockaddr *client, int tcp, uint8_t *out, size_t cap,
		size_t *out_len)
{
	struct request req;
	struct response resp;
	int rc;

	if (cap < FATA_DNS_UDP_MIN)
		return FATA_ENOSPC;
	if (tcp)
		srv->stats.tcp_queries++;
	else
		srv->stats.udp_queries++;

	rc = request_parse(srv, &req, query, len, client, tcp);
	if (rc == FATA_ENOENT) {
		srv->stats.dropped++;
		return FATA_ENOENT;
	}

	size_t max = request_max_size(srv, &req);

	response_begin(&req, &resp, out, cap < max ? cap : max);
	if (rc > 0) {
		resp.rcode = (unsigned)rc;
	} else if (req.opcode == FATA_DNS_OP_UPDATE) {
		update_apply(srv, &req, &resp);
	} else if (req.opcode == FATA_DNS_OP_NOTIFY) {
		notify_request(srv, &req, &resp);
	} else {
		query_answer(srv, &req, &resp);
	}

	*out_len = response_end(srv, &req, &resp);
	if (req.opcode == FATA_DNS_OP_QUERY)
		log_query(&req, resp.rcode);
	return 0;
}

/*
 * The resolver's message handling, without I/O: building queries and
 * deciding what a response means for the query that was sent.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/error.h>

#include "dns_internal.h"
#include "resolver_internal.h"

int resolver_query_build(uint8_t *buf, size_t cap, uint16_t id, const struct fata_dns_name *name,
		uint16_t type, uint16_t udp_size)
{
	struct fata_dns_builder b;
	struct fata_dns_question q = { .name = *name, .type = type, .class_ = FATA_DNS_CLASS_IN };
	struct fata_dns_edns edns = { .udp_size = udp_size };
	struct fata_dns_rr opt;

	if (fata_dns_builder_init(&b, buf, cap, id, FATA_DNS_FLAG_RD) < 0
			|| fata_dns_build_question(&b, &q) < 0)
		return FATA_ENOSPC;
	fata_dns_edns_to_rr(&edns, &opt);
	if (fata_dns_build_rr(&b, FATA_DNS_SECTION_ADDITIONAL, &opt) < 0)
		return FATA_ENOSPC;
	return (int)fata_dns_builder_finish(&b);
}

struct fata_dns_answer *resolver_answer_new(size_t count, size_t bytes)
{
	size_t head = sizeof(struct fata_dns_answer) + count * sizeof(struct fata_dns_answer_record);
	struct fata_dns_answer *a = fata_calloc(1, head + bytes + 1);

	if (!a)
		return NULL;
	a->records = (struct fata_dns_answer_record *)(a + 1);
	return a;
}

struct fata_dns_answer *resolver_answer_clone(const struct fata_dns_answer *src)
{
	size_t bytes = 0;
	struct fata_dns_answer *a;
	uint8_t *data;

	for (size_t i = 0; i < src->count; i++)
		bytes += src->records[i].rdlen;
	a = resolver_answer_new(src->count, bytes);
	if (!a)
		return NULL;

	struct fata_dns_answer_record *records = a->records;

	*a = *src;
	a->records = records;
	data = (uint8_t *)(a->records + src->count);
	for (size_t i = 0; i < src->count; i++) {
		memcpy(data, src->records[i].rdata, src->records[i].rdlen);
		a->records[i].rdlen = src->records[i].rdlen;
		a->records[i].rdata = data;
		data += src->records[i].rdlen;
	}
	return a;
}

/* Returns 1 when the response header and question belong to the query. */
static int matches_query(struct fata_dns_parser *p, uint16_t id, const struct fata_dns_name *name,
		uint16_t type)
{
	struct fata_dns_question q;

	if (p->header.id != id || !(p->header.flags & FATA_DNS_FLAG_QR)
			|| fata_dns_flags_opcode(p->header.flags) != FATA_DNS_OP_QUERY
			|| p->header.count[0] != 1)
		return 0;
	if (fata_dns_parse_question(p, &q) < 0)
		return 0;
	return q.type == type && q.class_ == FATA_DNS_CLASS_IN && fata_dns_name_equal(&q.name, name);
}

/* Follows CNAMEs from `name` through the answer section; returns the chain's end. */
static int follow_chain(const uint8_t *msg, size_t len, const struct fata_dns_name *name,
		uint16_t type, unsigned max, struct fata_dns_name *end, unsigned *links, uint32_t *ttl)
{
	*end = *name;
	*links = 0;
	if (type == FATA_DNS_TYPE_CNAME)
		return 0;

	for (;;) {
		struct fata_dns_parser p;
		struct fata_dns_rr rr;
		enum fata_dns_section section;
		int moved = 0;

		fata_dns_parser_init(&p, msg, len);
		while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
			if (section != FATA_DNS_SECTION_ANSWER || rr.type != FATA_DNS_TYPE_CNAME
					|| !fata_dns_name_equal(&rr.owner, end))
				continue;
			if (++*links > max)
				return FATA_ELIMIT;
			fata_dns_name_from_wire(rr.rdata, rr.rdlen, end);
			if (rr.ttl < *ttl)
				*ttl = rr.ttl;
			moved = 1;
			break;
		}
		if (!moved)
			return 0;
	}
}

/* Reads the negative TTL from the SOA in the authority section (RFC 2308 section 5). */
static int negative_ttl(const uint8_t *msg, size_t len, uint32_t *ttl)
{
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;

	fata_dns_parser_init(&p, msg, len);
	while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
		if (section == FATA_DNS_SECTION_AUTHORITY && rr.type == FATA_DNS_TYPE_SOA) {
			uint32_t minimum = dns_get32(rr.rdata + rr.rdlen - 4);

			*ttl = minimum < rr.ttl ? minimum : rr.ttl;
			return 1;
		}
	}
	return 0;
}

/* Copies the records of `type` owned by `owner` into a new answer. */
static struct fata_dns_answer *collect(const uint8_t *msg, size_t len,
		const struct fata_dns_name *owner, uint16_t type, uint32_t *ttl)
{
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;
	size_t count = 0, bytes = 0;
	struct fata_dns_answer *a = NULL;
	uint8_t *data = NULL;

	for (int pass = 0; pass < 2; pass++) {
		fata_dns_parser_init(&p, msg, len);
		while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
			if (section != FATA_DNS_SECTION_ANSWER || rr.type != type
					|| rr.class_ != FATA_DNS_CLASS_IN || !fata_dns_name_equal(&rr.owner, owner))
				continue;
			if (pass == 0) {
				count++;
				bytes += rr.rdlen;
				if (rr.ttl < *ttl)
					*ttl = rr.ttl;
				continue;
			}
			memcpy(data, rr.rdata, rr.rdlen);
			a->records[a->count].rdata = data;
			a->records[a->count].rdlen = rr.rdlen;
			a->count++;
			data += rr.rdlen;
		}
		if (pass == 0) {
			a = resolver_answer_new(count, bytes);
			if (!a)
				return NULL;
			data = (uint8_t *)(a->records + count);
		}
	}
	return a;
}

int resolver_reply_parse(const uint8_t *msg, size_t len, uint16_t id,
		const struct fata_dns_name *name, uint16_t type, unsigned max_cnames,
		uint32_t max_negative_ttl, struct reply *out)
{
	struct fata_dns_parser p;
	struct fata_dns_name end;
	uint32_t ttl = UINT32_MAX;
	unsigned links;
	int has_soa, err;

	memset(out, 0, sizeof *out);
	if (fata_dns_parser_init(&p, msg, len) < 0 || !matches_query(&p, id, name, type)) {
		out->kind = REPLY_MISMATCH;
		return 0;
	}
	out->rcode = fata_dns_flags_rcode(p.header.flags);
	if (p.header.flags & FATA_DNS_FLAG_TC) {
		out->kind = REPLY_TRUNCATED;
		return 0;
	}
	if ((out->rcode != FATA_DNS_RCODE_NOERROR && out->rcode != FATA_DNS_RCODE_NXDOMAIN)
			|| fata_dns_parser_finish(&p) < 0) {
		out->kind = REPLY_SERVER_ERROR;
		return 0;
	}

	err = follow_chain(msg, len, name, type, max_cnames, &end, &links, &ttl);
	if (err < 0)
		return err;
	out->cnames = links;

	uint32_t neg = 0;

	has_soa = negative_ttl(msg, len, &neg);
	if (neg > max_negative_ttl)
		neg = max_negative_ttl;

	out->answer = collect(msg, len, &end, type, &ttl);
	if (!out->answer)
		return FATA_ENOMEM;

	/* A chain that stops at a name without data or a negative proof needs another query. */
	if (out->answer->count == 0 && links > 0 && !has_soa
			&& out->rcode == FATA_DNS_RCODE_NOERROR) {
		fata_dns_answer_free(out->answer);
		out->answer = NULL;
		out->next = end;
		out->kind = REPLY_FOLLOW;
		return 0;
	}

	out->kind = REPLY_ANSWER;
	out->answer->rcode = out->rcode;
	out->answer->type = type;
	out->answer->name = *name;
	out->answer->canonical = end;
	/* A negative answer is cached only as long as its SOA allows; without a SOA, not at all. */
	if (out->answer->count == 0 && !has_soa)
		ttl = 0;
	else if (out->answer->count == 0 && neg < ttl)
		ttl = neg;
	out->answer->ttl = ttl;
	return 0;
}

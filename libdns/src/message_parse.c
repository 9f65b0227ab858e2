/*
 * Reading DNS messages (RFC 1035 section 4.1): the header, then questions,
 * then records section by section.
 */
#include <string.h>

#include <fata/dns.h>
#include <fata/error.h>

#include "dns_internal.h"

int fata_dns_parser_init(struct fata_dns_parser *p, const uint8_t *msg, size_t len)
{
	memset(p, 0, offsetof(struct fata_dns_parser, scratch));
	p->msg = msg;
	p->len = len;

	if (len < FATA_DNS_HEADER_SIZE) {
		p->err = FATA_EBADMSG;
		return p->err;
	}

	p->header.id = dns_get16(msg);
	p->header.flags = dns_get16(msg + 2);
	for (int i = 0; i < 4; i++)
		p->header.count[i] = dns_get16(msg + 4 + 2 * i);
	p->pos = FATA_DNS_HEADER_SIZE;
	p->section = FATA_DNS_SECTION_QUESTION;
	p->left = p->header.count[0];
	return 0;
}

/* Moves to the next section that still has items; returns 0 when none has. */
static int next_section(struct fata_dns_parser *p)
{
	while (p->left == 0) {
		if (p->section == FATA_DNS_SECTION_ADDITIONAL)
			return 0;
		p->section++;
		p->left = p->header.count[p->section];
	}
	return 1;
}

static int fail(struct fata_dns_parser *p)
{
	p->err = FATA_EBADMSG;
	return p->err;
}

int fata_dns_parse_question(struct fata_dns_parser *p, struct fata_dns_question *out)
{
	if (p->err)
		return p->err;
	if (p->section != FATA_DNS_SECTION_QUESTION || p->left == 0)
		return FATA_ENOENT;

	if (fata_dns_name_read(p->msg, p->len, &p->pos, &out->name) < 0)
		return fail(p);
	if (p->pos + 4 > p->len)
		return fail(p);
	out->type = dns_get16(p->msg + p->pos);
	out->class_ = dns_get16(p->msg + p->pos + 2);
	p->pos += 4;
	p->left--;
	return 0;
}

int fata_dns_parse_rr(struct fata_dns_parser *p, struct fata_dns_rr *out,
		enum fata_dns_section *section)
{
	const struct dns_type_info *info;
	size_t rdlen;

	if (p->err)
		return p->err;

	while (p->section == FATA_DNS_SECTION_QUESTION && p->left > 0) {
		struct fata_dns_question skipped;
		int err = fata_dns_parse_question(p, &skipped);

		if (err < 0)
			return err;
	}
	if (!next_section(p))
		return FATA_ENOENT;

	p->rr_start = p->pos;
	if (fata_dns_name_read(p->msg, p->len, &p->pos, &out->owner) < 0)
		return fail(p);
	if (p->pos + 10 > p->len)
		return fail(p);

	out->type = dns_get16(p->msg + p->pos);
	out->class_ = dns_get16(p->msg + p->pos + 2);
	out->ttl = dns_get32(p->msg + p->pos + 4);
	rdlen = dns_get16(p->msg + p->pos + 8);
	p->pos += 10;
	if (p->pos + rdlen > p->len)
		return fail(p);

	/* Rdata with compressible names is expanded; the rest is used in place.
	 * UPDATE uses empty rdata for "delete" and "exists" (RFC 2136 2.4, 2.5). */
	info = dns_type_info(out->type);
	if (rdlen > 0 && info && info->schema && (info->flags & DNS_TYPE_DECOMPRESS)) {
		size_t n;

		if (dns_rdata_expand(out->type, p->msg, p->len, p->pos, rdlen, p->scratch, &n) < 0)
			return fail(p);
		out->rdata = p->scratch;
		out->rdlen = (uint16_t)n;
	} else {
		out->rdata = p->msg + p->pos;
		out->rdlen = (uint16_t)rdlen;
		if (rdlen > 0 && fata_dns_rdata_check(out->type, out->rdata, rdlen) < 0)
			return fail(p);
	}
	p->pos += rdlen;

	if (section)
		*section = p->section;
	p->left--;
	return 0;
}

int fata_dns_parser_finish(struct fata_dns_parser *p)
{
	struct fata_dns_rr rr;
	int err;

	if (p->err)
		return p->err;
	while ((err = fata_dns_parse_rr(p, &rr, NULL)) == 0)
		;
	if (err != FATA_ENOENT)
		return err;
	return p->pos == p->len ? 0 : fail(p);
}

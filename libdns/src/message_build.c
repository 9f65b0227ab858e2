/*
 * Writing DNS messages with name compression (RFC 1035 section 4.1.4).
 *
 * The builder remembers the offset of every name suffix it wrote, up to
 * FATA_DNS_COMPRESS_MAX of them below offset 0x4000 (the reach of a 14-bit
 * pointer). A new name is written label by label until its remaining
 * suffix matches a remembered one, which is then replaced by a pointer.
 */
#include <string.h>

#include <fata/dns.h>
#include <fata/error.h>

#include "dns_internal.h"

int fata_dns_builder_init(struct fata_dns_builder *b, uint8_t *buf, size_t cap, uint16_t id,
		uint16_t flags)
{
	memset(b, 0, sizeof *b);
	if (cap < FATA_DNS_HEADER_SIZE)
		return FATA_ENOSPC;
	if (cap > FATA_DNS_MSG_MAX)
		cap = FATA_DNS_MSG_MAX;

	b->buf = buf;
	b->cap = cap;
	b->limit = cap;
	b->len = FATA_DNS_HEADER_SIZE;
	b->header.id = id;
	b->header.flags = flags;
	b->section = FATA_DNS_SECTION_QUESTION;
	b->compress = 1;
	memset(buf, 0, FATA_DNS_HEADER_SIZE);
	return 0;
}

void fata_dns_builder_set_compress(struct fata_dns_builder *b, int on)
{
	b->compress = on;
}

int fata_dns_builder_reserve(struct fata_dns_builder *b, size_t bytes)
{
	if (b->len + bytes > b->cap)
		return FATA_ENOSPC;
	b->limit = b->cap - bytes;
	return 0;
}

void fata_dns_builder_release(struct fata_dns_builder *b)
{
	b->limit = b->cap;
}

/*
 * Returns 1 when the (possibly compressed) name at offset `off` of the
 * output equals the uncompressed `suffix` byte for byte. Matching case
 * exactly keeps every name's case as given (RFC 4343 section 4.1), at the
 * price of a pointer when only the case differs.
 */
static int output_name_matches(const struct fata_dns_builder *b, size_t off,
		const uint8_t *suffix)
{
	size_t s = 0;

	for (;;) {
		uint8_t c = b->buf[off];

		while ((c & 0xc0) == 0xc0) {
			off = ((size_t)(c & 0x3f) << 8) | b->buf[off + 1];
			c = b->buf[off];
		}
		if (c != suffix[s])
			return 0;
		if (c == 0)
			return 1;
		if (memcmp(b->buf + off + 1, suffix + s + 1, c) != 0)
			return 0;
		off += 1 + (size_t)c;
		s += 1 + (size_t)c;
	}
}

static int find_suffix(const struct fata_dns_builder *b, const uint8_t *suffix, uint16_t *off)
{
	for (unsigned i = 0; i < b->ncomp; i++) {
		const uint8_t *target = b->buf + b->comp[i];

		/*
		 * Every target starts with a literal label, so its length byte and
		 * first character rule out most candidates without the full walk.
		 */
		if (target[0] != suffix[0] || target[1] != suffix[1])
			continue;
		if (output_name_matches(b, b->comp[i], suffix)) {
			*off = b->comp[i];
			return 1;
		}
	}
	return 0;
}

/*
 * Writes the validated uncompressed name `wire` at b->len, compressed when
 * `compress`. Returns FATA_ENOSPC past b->limit.
 */
static int write_name(struct fata_dns_builder *b, const uint8_t *wire, int compress)
{
	size_t p = 0;
	size_t start = b->len;
	uint16_t added[128];
	unsigned nadded = 0;

	while (wire[p] != 0) {
		uint16_t target;
		size_t label = 1 + (size_t)wire[p];

		if (compress && b->compress && find_suffix(b, wire + p, &target)) {
			if (b->len + 2 > b->limit)
				goto nospace;
			dns_put16(b->buf + b->len, (uint16_t)(0xc000 | target));
			b->len += 2;
			goto remember;
		}
		if (b->len + label > b->limit)
			goto nospace;
		if (b->len < 0x4000 && nadded < 128)
			added[nadded++] = (uint16_t)b->len;
		memcpy(b->buf + b->len, wire + p, label);
		b->len += label;
		p += label;
	}
	if (b->len + 1 > b->limit)
		goto nospace;
	b->buf[b->len++] = 0;

remember:
	/* Only names that may be compressed become targets (RFC 3597 section 4). */
	if (compress) {
		for (unsigned i = 0; i < nadded && b->ncomp < FATA_DNS_COMPRESS_MAX; i++)
			b->comp[b->ncomp++] = added[i];
	}
	return 0;

nospace:
	b->len = start;
	return FATA_ENOSPC;
}

int fata_dns_build_question(struct fata_dns_builder *b, const struct fata_dns_question *q)
{
	size_t start = b->len;
	uint16_t ncomp = b->ncomp;

	if (b->section != FATA_DNS_SECTION_QUESTION)
		return FATA_ESTATE;
	if (b->header.count[0] == UINT16_MAX)
		return FATA_ENOSPC;
	if (write_name(b, q->name.wire, 1) < 0)
		return FATA_ENOSPC;
	if (b->len + 4 > b->limit) {
		b->len = start;
		b->ncomp = ncomp;
		return FATA_ENOSPC;
	}
	dns_put16(b->buf + b->len, q->type);
	dns_put16(b->buf + b->len + 2, q->class_);
	b->len += 4;
	b->header.count[0]++;
	return 0;
}

/* Writes rdata of a type whose names may be compressed, field by field. */
static int write_compressed_rdata(struct fata_dns_builder *b, const struct fata_dns_rr *rr)
{
	const struct dns_type_info *info = dns_type_info(rr->type);
	size_t pos = 0;

	for (const char *f = info->schema; *f; f++) {
		long n = dns_field_size(*f, rr->rdata + pos, rr->rdlen - pos);

		if (n < 0)
			return FATA_EINVAL;
		if (*f == 'n') {
			/* dns_field_size() has checked the name's labels and length. */
			if (write_name(b, rr->rdata + pos, 1) < 0)
				return FATA_ENOSPC;
		} else {
			if (b->len + (size_t)n > b->limit)
				return FATA_ENOSPC;
			memcpy(b->buf + b->len, rr->rdata + pos, (size_t)n);
			b->len += (size_t)n;
		}
		pos += (size_t)n;
	}
	return pos == rr->rdlen ? 0 : FATA_EINVAL;
}

int fata_dns_build_rr(struct fata_dns_builder *b, enum fata_dns_section section,
		const struct fata_dns_rr *rr)
{
	const struct dns_type_info *info = dns_type_info(rr->type);
	size_t start = b->len;
	uint16_t ncomp = b->ncomp;
	enum fata_dns_section prev = b->section;
	size_t rdstart;
	int err;

	if (section == FATA_DNS_SECTION_QUESTION)
		return FATA_EINVAL;
	if (section < b->section)
		return FATA_ESTATE;
	if (b->header.count[section] == UINT16_MAX)
		return FATA_ENOSPC;
	b->section = section;

	err = write_name(b, rr->owner.wire, 1);
	if (err < 0)
		goto undo;
	if (b->len + 10 > b->limit) {
		err = FATA_ENOSPC;
		goto undo;
	}
	dns_put16(b->buf + b->len, rr->type);
	dns_put16(b->buf + b->len + 2, rr->class_);
	dns_put32(b->buf + b->len + 4, rr->ttl);
	b->len += 10;
	rdstart = b->len;

	if (rr->rdlen > 0 && info && info->schema && (info->flags & DNS_TYPE_COMPRESS)) {
		err = write_compressed_rdata(b, rr);
		if (err < 0)
			goto undo;
	} else {
		if (b->len + rr->rdlen > b->limit) {
			err = FATA_ENOSPC;
			goto undo;
		}
		if (rr->rdlen > 0)
			memcpy(b->buf + b->len, rr->rdata, rr->rdlen);
		b->len += rr->rdlen;
	}

	dns_put16(b->buf + rdstart - 2, (uint16_t)(b->len - rdstart));
	b->header.count[section]++;
	return 0;

undo:
	b->len = start;
	b->ncomp = ncomp;
	b->section = prev;
	return err;
}

size_t fata_dns_builder_finish(struct fata_dns_builder *b)
{
	dns_put16(b->buf, b->header.id);
	dns_put16(b->buf + 2, b->header.flags);
	for (int i = 0; i < 4; i++)
		dns_put16(b->buf + 4 + 2 * i, b->header.count[i]);
	return b->len;
}

void fata_dns_builder_truncate(struct fata_dns_builder *b)
{
	/* Questions come first, so rebuilding them is unnecessary: find where they end. */
	size_t pos = FATA_DNS_HEADER_SIZE;

	for (unsigned i = 0; i < b->header.count[0]; i++) {
		struct fata_dns_name name;

		fata_dns_name_read(b->buf, b->len, &pos, &name);
		pos += 4;
	}
	b->len = pos;
	for (int i = 1; i < 4; i++)
		b->header.count[i] = 0;
	b->section = FATA_DNS_SECTION_ANSWER;

	/* Forget compression targets past the questions. */
	unsigned keep = 0;

	for (unsigned i = 0; i < b->ncomp; i++) {
		if (b->comp[i] < pos)
			b->comp[keep++] = b->comp[i];
	}
	b->ncomp = (uint16_t)keep;
}

/*
 * The per-zone journal behind incremental zone transfers (RFC 1995).
 *
 * Every time a zone gets a new version, server_publish() records the
 * difference between the old and the new one: the old SOA, the records
 * only the old version has, the new SOA, and the records only the new
 * version has. That is the order in which RFC 1995 section 4 sends one
 * difference, so a difference is stored as one byte string of records in
 * exactly that order, and a transfer sends it front to back.
 *
 * Invariants:
 *  - The differences form one chain, oldest first: each one starts at the
 *    serial the previous one ends at, and the newest ends at the serial of
 *    the zone's current version. Every new version either extends the
 *    chain or empties the journal, so no difference ever describes a
 *    version the server did not publish.
 *  - Every serial a difference starts at is before (RFC 1982) the current
 *    serial, so a client serial names at most one place in the chain.
 *  - The records of all differences, both SOAs of each included, add up to
 *    at most config.journal_records. The oldest differences go first.
 *  - A difference is never changed after it is built. Transfers hold a
 *    reference to each difference they send, so trimming the journal
 *    during a transfer does not free what it is sending.
 *
 * One record is stored as: owner length (1 byte), owner label count (1),
 * owner in wire form, type (2), TTL (4), rdata length (2), rdata.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/dns_zone.h>
#include <fata/error.h>
#include <fata/log.h>

#include "dns_internal.h"
#include "server_internal.h"
#include "zone_internal.h"

/* Bytes a stored record takes besides its owner and rdata. */
#define RECORD_OVERHEAD 10

struct journal_diff {
	struct journal_diff *next; /* the next newer difference while in the journal */
	uint32_t refs;
	uint32_t from_serial;
	uint32_t to_serial;
	uint16_t class_;
	size_t records; /* both SOAs included */
	size_t size;
	size_t cap;
	uint8_t *data;
};

/* Builds one difference; `failed` latches the first error. */
struct diff_builder {
	struct journal_diff *diff;
	size_t max_records;
	int failed;
};

void journal_diff_unref(struct journal_diff *diff)
{
	if (!diff || --diff->refs > 0)
		return;
	fata_free(diff->data);
	fata_free(diff);
}

void journal_clear(struct server_journal *journal)
{
	while (journal->oldest) {
		struct journal_diff *diff = journal->oldest;

		journal->oldest = diff->next;
		diff->next = NULL;
		journal_diff_unref(diff);
	}
	journal->newest = NULL;
	journal->records = 0;
	journal->count = 0;
}

static int diff_reserve(struct journal_diff *diff, size_t bytes)
{
	size_t cap = diff->cap ? diff->cap : 256;
	uint8_t *data;

	if (diff->size + bytes <= diff->cap)
		return 0;
	while (cap < diff->size + bytes)
		cap *= 2;
	data = fata_realloc(diff->data, cap);
	if (!data)
		return FATA_ENOMEM;
	diff->data = data;
	diff->cap = cap;
	return 0;
}

/* Appends one record; stops the build when out of memory or over the limit. */
static void diff_append(struct diff_builder *db, const struct fata_dns_name *owner, uint16_t type,
		uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	struct journal_diff *diff = db->diff;
	uint8_t *p;

	if (db->failed)
		return;
	if (diff->records >= db->max_records) {
		db->failed = FATA_ELIMIT;
		return;
	}
	if (diff_reserve(diff, RECORD_OVERHEAD + owner->len + (size_t)rdlen) < 0) {
		db->failed = FATA_ENOMEM;
		return;
	}

	p = diff->data + diff->size;
	p[0] = owner->len;
	p[1] = owner->labels;
	memcpy(p + 2, owner->wire, owner->len);
	p += 2 + owner->len;
	dns_put16(p, type);
	dns_put32(p + 2, ttl);
	dns_put16(p + 6, rdlen);
	if (rdlen > 0)
		memcpy(p + 8, rdata, rdlen);
	diff->size += RECORD_OVERHEAD + owner->len + (size_t)rdlen;
	diff->records++;
}

static void append_soa(struct diff_builder *db, const struct fata_dns_zone *zone)
{
	struct fata_dns_rr soa;

	if (fata_dns_zone_soa(zone, &soa) < 0) {
		db->failed = FATA_EINVAL;
		return;
	}
	diff_append(db, &soa.owner, soa.type, soa.ttl, soa.rdata, soa.rdlen);
}

/* Returns 1 when the two sets hold the same records with the same TTL. */
static int rrset_same(const struct zone_rrset *a, const struct zone_rrset *b)
{
	return a->ttl == b->ttl && a->count == b->count && a->size == b->size
		&& memcmp(a->data, b->data, a->size) == 0;
}

/*
 * Appends the records of `set` that `other` (the same name and type in the
 * other version, or NULL) lacks. Both sets are sorted canonically, so one
 * pass over each finds them. A changed TTL changes every record of the
 * set, because a record's TTL is part of it in an IXFR difference.
 */
static void append_missing(struct diff_builder *db, const struct fata_dns_name *owner,
		const struct zone_rrset *set, const struct zone_rrset *other)
{
	size_t pos = 0, opos = 0;
	unsigned ok = 0;

	if (other && rrset_same(set, other))
		return;
	if (other && other->ttl != set->ttl)
		other = NULL;

	for (unsigned k = 0; k < set->count && !db->failed; k++) {
		uint16_t n = dns_get16(set->data + pos);
		const uint8_t *rdata = set->data + pos + 2;
		int c = 1;

		/* Skip the other set's records that sort before this one. */
		while (other && ok < other->count) {
			uint16_t on = dns_get16(other->data + opos);

			c = fata_dns_rdata_compare(set->type, other->data + opos + 2, on, rdata, n);
			if (c >= 0)
				break;
			opos += 2 + (size_t)on;
			ok++;
		}
		if (!other || ok >= other->count || c != 0)
			diff_append(db, owner, set->type, set->ttl, rdata, n);
		pos += 2 + (size_t)n;
	}
}

/* Appends every record of `from` that `to` lacks, the SOA aside. */
static void append_only_in(struct diff_builder *db, const struct fata_dns_zone *from,
		const struct fata_dns_zone *to)
{
	for (size_t i = 0; i < from->count && !db->failed; i++) {
		const struct zone_node *node = from->nodes[i];
		const struct zone_node *other;
		struct fata_dns_name owner;

		zone_node_name(node, &owner);
		other = zone_node_find(to, &owner);
		for (unsigned s = 0; s < node->nsets && !db->failed; s++) {
			const struct zone_rrset *set = &node->sets[s];
			const struct zone_rrset *other_set;

			/* The SOAs have their own places in the difference. */
			if (set->type == FATA_DNS_TYPE_SOA)
				continue;
			other_set = other ? zone_rrset_find(other, set->type) : NULL;
			append_missing(db, &owner, set, other_set);
		}
	}
}

/*
 * Builds the difference from `old` to `new`. Returns 0, FATA_ELIMIT when
 * it has more than `max_records` records, or FATA_ENOMEM.
 */
static int diff_build(const struct fata_dns_zone *old, const struct fata_dns_zone *new,
		size_t max_records, struct journal_diff **out)
{
	struct diff_builder db = { .max_records = max_records };

	db.diff = fata_calloc(1, sizeof *db.diff);
	if (!db.diff)
		return FATA_ENOMEM;
	db.diff->refs = 1;
	db.diff->from_serial = fata_dns_zone_serial(old);
	db.diff->to_serial = fata_dns_zone_serial(new);
	db.diff->class_ = fata_dns_zone_class(new);

	append_soa(&db, old);
	append_only_in(&db, old, new);
	append_soa(&db, new);
	append_only_in(&db, new, old);

	if (db.failed) {
		journal_diff_unref(db.diff);
		return db.failed;
	}
	*out = db.diff;
	return 0;
}

/* Drops the oldest difference. */
static void drop_oldest(struct server_journal *journal)
{
	struct journal_diff *diff = journal->oldest;

	journal->oldest = diff->next;
	if (!journal->oldest)
		journal->newest = NULL;
	journal->records -= diff->records;
	journal->count--;
	diff->next = NULL;
	journal_diff_unref(diff);
}

static void log_journal(const struct server_zone *sz, enum fata_log_level level,
		const char *what, uint32_t from, uint32_t to)
{
	char zone[FATA_DNS_NAME_TEXT_MAX];

	if (!fata_log_enabled(level))
		return;
	fata_dns_name_format(&sz->origin, zone, sizeof zone);
	fata_log(level, "dns", "journal of zone %s, serial %u to %u: %s", zone, (unsigned)from,
			(unsigned)to, what);
}

void journal_record(const struct fata_dns_server *srv, struct server_zone *sz,
		const struct fata_dns_zone *old, const struct fata_dns_zone *new)
{
	struct server_journal *journal = &sz->journal;
	uint32_t limit = srv->config.journal_records;
	uint32_t to = fata_dns_zone_serial(new);
	struct journal_diff *diff = NULL;
	int err;

	/* No chain can lead here without a journal, an old version or a serial that went up. */
	if (limit == FATA_DNS_JOURNAL_OFF || !old
			|| fata_dns_serial_compare(fata_dns_zone_serial(old), to) != -1) {
		journal_clear(journal);
		return;
	}

	err = diff_build(old, new, limit, &diff);
	if (err == FATA_ELIMIT) {
		log_journal(sz, FATA_LOG_INFO, "emptied, the change has more records than "
				"journal_records", fata_dns_zone_serial(old), to);
		journal_clear(journal);
		return;
	}
	if (err < 0) {
		log_journal(sz, FATA_LOG_WARN, "emptied, out of memory", fata_dns_zone_serial(old), to);
		journal_clear(journal);
		return;
	}

	/* A chain that does not end at the old version cannot be extended. */
	if (journal->newest && journal->newest->to_serial != diff->from_serial)
		journal_clear(journal);
	if (journal->newest)
		journal->newest->next = diff;
	else
		journal->oldest = diff;
	journal->newest = diff;
	journal->records += diff->records;
	journal->count++;

	/* Keep to the limit, and keep every start serial before the new one (RFC 1982). */
	while (journal->records > limit
			|| fata_dns_serial_compare(journal->oldest->from_serial, to) != -1)
		drop_oldest(journal);
	log_journal(sz, FATA_LOG_DEBUG, "recorded", diff->from_serial, to);
}

int journal_chain(const struct server_journal *journal, uint32_t from, uint32_t to,
		struct journal_diff ***out, size_t *count)
{
	const struct journal_diff *start = NULL;
	struct journal_diff *diff, **chain;
	size_t skip = 0, n = 0;

	*out = NULL;
	*count = 0;
	if (!journal->newest || journal->newest->to_serial != to)
		return FATA_ENOENT;
	for (diff = journal->oldest; diff; diff = diff->next) {
		if (!start && diff->from_serial == from)
			start = diff;
		if (start)
			n++;
		else
			skip++;
	}
	if (!start)
		return FATA_ENOENT;

	chain = fata_calloc(n, sizeof *chain);
	if (!chain)
		return FATA_ENOMEM;
	diff = journal->oldest;
	for (size_t i = 0; i < skip; i++)
		diff = diff->next;
	for (size_t i = 0; i < n; i++, diff = diff->next) {
		diff->refs++;
		chain[i] = diff;
	}
	*out = chain;
	*count = n;
	return 0;
}

void journal_chain_free(struct journal_diff **chain, size_t count)
{
	for (size_t i = 0; i < count; i++)
		journal_diff_unref(chain[i]);
	fata_free(chain);
}

size_t journal_diff_read(const struct journal_diff *diff, size_t pos, struct fata_dns_rr *rr)
{
	const uint8_t *p = diff->data + pos;

	if (pos >= diff->size)
		return 0;
	rr->owner.len = p[0];
	rr->owner.labels = p[1];
	memcpy(rr->owner.wire, p + 2, p[0]);
	p += 2 + p[0];
	rr->type = dns_get16(p);
	rr->class_ = diff->class_;
	rr->ttl = dns_get32(p + 2);
	rr->rdlen = dns_get16(p + 6);
	rr->rdata = p + 8;
	return RECORD_OVERHEAD + rr->owner.len + (size_t)rr->rdlen;
}

size_t journal_diff_records(const struct journal_diff *diff)
{
	return diff->records;
}

uint32_t journal_diff_from(const struct journal_diff *diff)
{
	return diff->from_serial;
}

uint32_t journal_diff_to(const struct journal_diff *diff)
{
	return diff->to_serial;
}

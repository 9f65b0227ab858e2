/*
 * The zone's name index: exact lookups, case-insensitivity, empty
 * non-terminals, escaped bytes and maximum lengths, consistency after
 * adds, removes and clones, and a randomized comparison of the index and
 * of the server's answers with a reference that scans every record.
 *
 * The randomized test uses the seed in DNS_INDEX_SEED when set, else a
 * fixed one, and prints the seed with every failure.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_zone.h>
#include <fata/error.h>
#include <fata/loop.h>

#include "server_helpers.h"
#include "zone_internal.h"

#define DEFAULT_SEED UINT64_C(20261205)
#define RANDOM_ZONES 40
#define RANDOM_OPERATIONS 300
#define RANDOM_QUERIES 400

static struct fata_dns_zone *load_zone(const char *origin_text, const char *text)
{
	struct fata_dns_name origin = test_name(origin_text);
	struct fata_dns_zone_options opt = { .file = "test", .origin = &origin };
	struct fata_dns_zone_error err;
	struct fata_dns_zone *zone;
	int rc = fata_dns_zone_load(text, strlen(text), &opt, &zone, &err);

	ck_assert_msg(rc == 0, "zone load failed at line %u: %s", err.line, err.reason);
	return zone;
}

static int has_node(const struct fata_dns_zone *zone, const char *text)
{
	struct fata_dns_name name = test_name(text);

	return zone_node_find(zone, &name) != NULL;
}

static int name_exists(const struct fata_dns_zone *zone, const char *text)
{
	struct fata_dns_name name = test_name(text);

	return zone_name_exists(zone, &name);
}

/* Adds one record given as a zone-file line. Returns what fata_dns_zone_add() returned. */
static int add_line(struct fata_dns_zone *zone, const char *line)
{
	static uint8_t rdata[65535];
	struct fata_dns_zone_error err;
	struct fata_dns_rr rr;
	int rc = fata_dns_rr_parse(line, strlen(line), NULL, &rr, rdata, sizeof rdata, &err);

	ck_assert_msg(rc == 0, "'%s': %s", line, err.reason);
	return fata_dns_zone_add(zone, &rr);
}

static int remove_line(struct fata_dns_zone *zone, const char *line)
{
	static uint8_t rdata[65535];
	struct fata_dns_zone_error err;
	struct fata_dns_rr rr;
	int rc = fata_dns_rr_parse(line, strlen(line), NULL, &rr, rdata, sizeof rdata, &err);

	ck_assert_msg(rc == 0, "'%s': %s", line, err.reason);
	return fata_dns_zone_remove(zone, &rr);
}

static const char small_zone[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
	"  NS ns1\n"
	"ns1 A 192.0.2.1\n"
	"Www A 192.0.2.2\n"
	"a.b.c A 192.0.2.3\n"
	"*.wild TXT \"w\"\n"
	"sub NS ns.sub\n"
	"ns.sub A 192.0.2.4\n";

START_TEST(index_exact_lookups)
{
	struct fata_dns_zone *zone = load_zone("example.com.", small_zone);

	ck_assert(has_node(zone, "example.com."));
	ck_assert(has_node(zone, "ns1.example.com."));
	ck_assert(has_node(zone, "a.b.c.example.com."));
	ck_assert(has_node(zone, "*.wild.example.com."));
	ck_assert(has_node(zone, "sub.example.com."));
	ck_assert(has_node(zone, "ns.sub.example.com."));
	ck_assert(!has_node(zone, "ns2.example.com."));
	ck_assert(!has_node(zone, "x.wild.example.com."));
	ck_assert(!has_node(zone, "com."));
	ck_assert(!has_node(zone, "example.org."));
	ck_assert_ptr_nonnull(zone_apex(zone));
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(index_ignores_ascii_case)
{
	struct fata_dns_zone *zone = load_zone("example.com.", small_zone);
	struct fata_dns_name text = test_name("WWW.EXAMPLE.COM."), stored;
	const struct zone_node *node = zone_node_find(zone, &text);
	char buf[FATA_DNS_NAME_TEXT_MAX];

	ck_assert_ptr_nonnull(node);
	ck_assert(has_node(zone, "www.example.com."));
	ck_assert(has_node(zone, "wWw.ExAmPlE.cOm."));
	ck_assert(has_node(zone, "A.B.C.EXAMPLE.COM."));

	/* The node keeps the case its records were added with (RFC 4343 section 4.1). */
	zone_node_name(node, &stored);
	fata_dns_name_format(&stored, buf, sizeof buf);
	ck_assert_str_eq(buf, "Www.example.com.");
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(index_empty_non_terminals)
{
	struct fata_dns_zone *zone = load_zone("example.com.", small_zone);

	ck_assert(!has_node(zone, "b.c.example.com."));
	ck_assert(!has_node(zone, "c.example.com."));
	ck_assert(name_exists(zone, "b.c.example.com."));
	ck_assert(name_exists(zone, "C.example.com."));
	ck_assert(name_exists(zone, "wild.example.com."));
	ck_assert(name_exists(zone, "a.b.c.example.com."));
	ck_assert(!name_exists(zone, "d.c.example.com."));
	ck_assert(!name_exists(zone, "x.a.b.c.example.com."));
	ck_assert(!name_exists(zone, "com."));
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(index_follows_adds_and_removes)
{
	struct fata_dns_zone *zone = load_zone("example.com.", small_zone);
	size_t indexed = zone->indexed;

	/* A deep name brings its empty non-terminals, and removing it takes them away. */
	ck_assert_int_eq(add_line(zone, "x.y.z.example.com. 60 IN A 192.0.2.9"), 0);
	ck_assert_uint_eq(zone->indexed, indexed + 3);
	ck_assert(name_exists(zone, "y.z.example.com."));
	ck_assert(name_exists(zone, "z.example.com."));
	ck_assert_int_eq(remove_line(zone, "x.y.z.example.com. 60 IN A 192.0.2.9"), 0);
	ck_assert(!name_exists(zone, "x.y.z.example.com."));
	ck_assert(!name_exists(zone, "y.z.example.com."));
	ck_assert(!name_exists(zone, "z.example.com."));
	ck_assert_uint_eq(zone->indexed, indexed);

	/* A name that loses its records but keeps a descendant becomes an empty non-terminal. */
	ck_assert_int_eq(add_line(zone, "z.example.com. 60 IN A 192.0.2.10"), 0);
	ck_assert_int_eq(add_line(zone, "x.y.z.example.com. 60 IN A 192.0.2.9"), 0);
	ck_assert_int_eq(remove_line(zone, "z.example.com. 60 IN A 192.0.2.10"), 0);
	ck_assert(!has_node(zone, "z.example.com."));
	ck_assert(name_exists(zone, "z.example.com."));
	ck_assert_int_eq(remove_line(zone, "x.y.z.example.com. 60 IN A 192.0.2.9"), 0);
	ck_assert(!name_exists(zone, "z.example.com."));
	ck_assert_uint_eq(zone->indexed, indexed);

	/* An empty non-terminal that gets records takes the case of the new owner. */
	ck_assert_int_eq(add_line(zone, "B.C.example.com. 60 IN TXT \"now\""), 0);
	ck_assert(has_node(zone, "b.c.example.com."));
	ck_assert_uint_eq(zone->indexed, indexed);
	struct fata_dns_name bc = test_name("b.c.example.com."), stored;
	char buf[FATA_DNS_NAME_TEXT_MAX];

	zone_node_name(zone_node_find(zone, &bc), &stored);
	fata_dns_name_format(&stored, buf, sizeof buf);
	ck_assert_str_eq(buf, "B.C.example.com.");
	ck_assert_uint_eq(fata_dns_zone_remove_rrset(zone, &bc, FATA_DNS_TYPE_ANY), 1);
	ck_assert(!has_node(zone, "b.c.example.com."));
	ck_assert(name_exists(zone, "b.c.example.com."));
	ck_assert_uint_eq(zone->indexed, indexed);
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(index_escaped_bytes)
{
	struct fata_dns_zone *zone = load_zone("example.com.", small_zone);

	ck_assert_int_eq(add_line(zone, "a\\000b.example.com. 60 IN A 192.0.2.11"), 0);
	ck_assert_int_eq(add_line(zone, "\\046.example.com. 60 IN A 192.0.2.12"), 0);
	ck_assert_int_eq(add_line(zone, "\\065bc.example.com. 60 IN A 192.0.2.13"), 0);
	ck_assert_int_eq(add_line(zone, "\\193.example.com. 60 IN A 192.0.2.14"), 0);

	ck_assert(has_node(zone, "a\\000b.example.com."));
	ck_assert(has_node(zone, "A\\000B.example.com."));
	ck_assert(!has_node(zone, "a\\001b.example.com."));
	ck_assert(!has_node(zone, "ab.example.com."));
	/* "\046" is a dot inside a label, not a label separator. */
	ck_assert(has_node(zone, "\\..example.com."));
	ck_assert(!name_exists(zone, "example.com.example.com."));
	/* "\065" is "A", which matches "a". Bytes above 127 have no case (RFC 4343 section 2). */
	ck_assert(has_node(zone, "abc.example.com."));
	ck_assert(has_node(zone, "\\193.example.com."));
	ck_assert(!has_node(zone, "\\225.example.com."));
	fata_dns_zone_unref(zone);
}
END_TEST

/* Adds an A record owned by the label `label` of `len` bytes below the zone's origin. */
static void add_label(struct fata_dns_zone *zone, const uint8_t *label, size_t len)
{
	static const uint8_t address[4] = { 192, 0, 2, 20 };
	struct fata_dns_rr rr = { .type = FATA_DNS_TYPE_A, .class_ = FATA_DNS_CLASS_IN, .ttl = 60,
		.rdlen = 4, .rdata = address };

	ck_assert_int_eq(fata_dns_name_prepend(fata_dns_zone_origin(zone), label, len, &rr.owner), 0);
	ck_assert_int_eq(fata_dns_zone_add(zone, &rr), 0);
}

static int has_label(const struct fata_dns_zone *zone, const uint8_t *label, size_t len)
{
	struct fata_dns_name name;

	ck_assert_int_eq(fata_dns_name_prepend(fata_dns_zone_origin(zone), label, len, &name), 0);
	return zone_node_find(zone, &name) != NULL;
}

/*
 * Every byte value at some position of a 9-byte label, so that it falls
 * into the eight bytes lowercased at once or into the byte-wise rest.
 */
START_TEST(index_case_of_every_byte)
{
	struct fata_dns_zone *zone = load_zone("example.com.", small_zone);
	uint8_t label[9];

	/* The filler is no letter, so that no two of these names differ only in case. */
	for (unsigned v = 0; v < 256; v++) {
		memset(label, '-', sizeof label);
		label[v % 9] = (uint8_t)v;
		add_label(zone, label, sizeof label);
	}
	for (unsigned v = 0; v < 256; v++) {
		int letter = (v >= 'a' && v <= 'z') || (v >= 'A' && v <= 'Z');

		memset(label, '-', sizeof label);
		label[v % 9] = (uint8_t)(letter ? v ^ 0x20 : v);
		ck_assert_msg(has_label(zone, label, sizeof label), "byte %u not found", v);
		/* Only ASCII letters fold: 0xC1 and 0xE1 are different bytes (RFC 4343 section 2). */
		label[v % 9] = (uint8_t)(v ^ 0x20);
		if (!letter && (v ^ 0x20) != '-')
			ck_assert_msg(!has_label(zone, label, sizeof label), "byte %u matched %u", v ^ 0x20, v);
	}
	fata_dns_zone_unref(zone);
}
END_TEST

/* Builds the text of a label of `len` copies of `c`, then `rest`. */
static void repeat_label(char *out, size_t cap, char c, size_t len, const char *rest)
{
	ck_assert_uint_lt(len + strlen(rest) + 1, cap);
	memset(out, c, len);
	strcpy(out + len, rest);
}

START_TEST(index_maximum_lengths)
{
	struct fata_dns_zone *zone = load_zone("example.com.", small_zone);
	char text[1024], upper[1024], line[1200];
	struct fata_dns_name name;

	/* A 63-byte label. */
	repeat_label(text, sizeof text, 'q', 63, ".example.com.");
	repeat_label(upper, sizeof upper, 'Q', 63, ".example.com.");
	snprintf(line, sizeof line, "%s 60 IN A 192.0.2.15", text);
	ck_assert_int_eq(add_line(zone, line), 0);
	ck_assert(has_node(zone, upper));

	/* A 255-byte name: three 63-byte labels, one of 49 and "example.com." (13 bytes). */
	char l63[64], l49[50];

	memset(l63, 'm', 63);
	l63[63] = 0;
	memset(l49, 'n', 49);
	l49[49] = 0;
	snprintf(text, sizeof text, "%s.%s.%s.%s.example.com.", l49, l63, l63, l63);
	name = test_name(text);
	ck_assert_uint_eq(name.len, 255);
	snprintf(line, sizeof line, "%s 60 IN A 192.0.2.16", text);
	ck_assert_int_eq(add_line(zone, line), 0);
	for (char *p = text; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	ck_assert(has_node(zone, text));
	snprintf(text, sizeof text, "%s.%s.%s.example.com.", l63, l63, l63);
	ck_assert(!has_node(zone, text));
	ck_assert(name_exists(zone, text));
	fata_dns_zone_unref(zone);

	/* 127 labels, the most a name can have, in a zone at the root. */
	zone = load_zone(".", ". 60 IN SOA ns. host. 1 2 3 4 5\n. 60 IN NS ns.\n");
	text[0] = 0;
	for (int i = 0; i < 127; i++)
		strcat(text, i % 2 ? "A." : "b.");
	name = test_name(text);
	ck_assert_uint_eq(name.labels, 127);
	ck_assert_uint_eq(name.len, 255);
	snprintf(line, sizeof line, "%s 60 IN A 192.0.2.17", text);
	ck_assert_int_eq(add_line(zone, line), 0);
	for (char *p = text; *p; p++) {
		if (*p == 'A')
			*p = 'a';
		else if (*p == 'b')
			*p = 'B';
	}
	ck_assert(has_node(zone, text));
	ck_assert(name_exists(zone, text + 2));
	ck_assert(name_exists(zone, "b."));
	ck_assert(!name_exists(zone, "a."));
	/* The root, the record's owner and the 126 names between them. */
	ck_assert_uint_eq(zone->indexed, 128);
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(index_clone_is_independent)
{
	struct fata_dns_zone *zone = load_zone("example.com.", small_zone), *copy;

	ck_assert_int_eq(fata_dns_zone_clone(zone, &copy), 0);
	ck_assert_uint_eq(copy->indexed, zone->indexed);
	ck_assert(has_node(copy, "WWW.example.com."));
	ck_assert(name_exists(copy, "b.c.example.com."));
	ck_assert(!has_node(copy, "b.c.example.com."));

	ck_assert_int_eq(remove_line(copy, "a.b.c.example.com. 3600 IN A 192.0.2.3"), 0);
	ck_assert(!name_exists(copy, "c.example.com."));
	ck_assert(name_exists(zone, "c.example.com."));
	ck_assert(has_node(zone, "a.b.c.example.com."));
	fata_dns_zone_unref(copy);
	fata_dns_zone_unref(zone);
}
END_TEST

/* ---- Randomized comparison with a reference ---- */

/* One record of the reference: owner, type and a one-byte value for its rdata. */
struct ref_record {
	struct fata_dns_name owner;
	uint16_t type;
	uint8_t value;
};

struct reference {
	struct fata_dns_name origin;
	struct ref_record records[RANDOM_OPERATIONS + 8];
	size_t count;
};

static uint64_t next_random(uint64_t *state)
{
	/* xorshift64*, enough for test data. */
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * UINT64_C(2685821657736338717);
}

/*
 * Makes a name `depth` labels below the origin from a small alphabet, so
 * that names share labels, differ only in case, and sometimes hold a
 * wildcard label or bytes that need escapes.
 */
static void random_name(uint64_t *rng, const struct fata_dns_name *origin, unsigned depth,
		struct fata_dns_name *out)
{
	static const uint8_t letters[] = { 'a', 'b', 'A', 'B', 'c' };
	static const uint8_t odd[] = { 0x00, '.', 0xc1, 0xe1, ' ' };
	struct fata_dns_name name = *origin;

	for (unsigned i = 0; i < depth; i++) {
		uint8_t label[2];
		size_t len;
		struct fata_dns_name longer;

		if (next_random(rng) % 8 == 0) {
			label[0] = '*';
			len = 1;
		} else {
			len = 1 + next_random(rng) % 2;
			for (size_t j = 0; j < len; j++) {
				label[j] = letters[next_random(rng) % sizeof letters];
				if (next_random(rng) % 24 == 0)
					label[j] = odd[next_random(rng) % sizeof odd];
			}
		}
		ck_assert_int_eq(fata_dns_name_prepend(&name, label, len, &longer), 0);
		name = longer;
	}
	*out = name;
}

/* Flips the case of some letters of `name`. */
static void random_case(uint64_t *rng, struct fata_dns_name *name)
{
	for (size_t i = 0; i < name->len; i++) {
		uint8_t c = name->wire[i];

		if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && next_random(rng) % 2)
			name->wire[i] = c ^ 0x20;
	}
}

static int is_wildcard_owner(const struct fata_dns_name *name)
{
	size_t p = 0;

	while (name->wire[p] != 0) {
		if (name->wire[p] == 1 && name->wire[p + 1] == '*')
			return 1;
		p += 1 + (size_t)name->wire[p];
	}
	return 0;
}

static void make_rr(const struct ref_record *rec, uint8_t rdata[64], struct fata_dns_rr *rr)
{
	memset(rr, 0, sizeof *rr);
	rr->owner = rec->owner;
	rr->type = rec->type;
	rr->class_ = FATA_DNS_CLASS_IN;
	rr->ttl = 60;
	rr->rdata = rdata;
	if (rec->type == FATA_DNS_TYPE_A) {
		rdata[0] = 192;
		rdata[1] = 0;
		rdata[2] = 2;
		rdata[3] = rec->value;
		rr->rdlen = 4;
	} else if (rec->type == FATA_DNS_TYPE_TXT) {
		rdata[0] = 1;
		rdata[1] = rec->value;
		rr->rdlen = 2;
	} else {
		/* NS: "nsV.elsewhere." outside the zone, so no glue is looked for. */
		static const uint8_t tail[] = { 9, 'e', 'l', 's', 'e', 'w', 'h', 'e', 'r', 'e', 0 };

		rdata[0] = 3;
		rdata[1] = 'n';
		rdata[2] = 's';
		rdata[3] = (uint8_t)('a' + rec->value % 26);
		memcpy(rdata + 4, tail, sizeof tail);
		rr->rdlen = 4 + sizeof tail;
	}
}

static int ref_same_record(const struct ref_record *a, const struct ref_record *b)
{
	return a->type == b->type && a->value == b->value && fata_dns_name_equal(&a->owner, &b->owner);
}

static unsigned ref_count(const struct reference *ref, const struct fata_dns_name *name,
		uint16_t type)
{
	unsigned n = 0;

	for (size_t i = 0; i < ref->count; i++) {
		if ((type == 0 || ref->records[i].type == type)
				&& fata_dns_name_equal(&ref->records[i].owner, name))
			n++;
	}
	return n;
}

static int ref_exists(const struct reference *ref, const struct fata_dns_name *name)
{
	for (size_t i = 0; i < ref->count; i++) {
		if (fata_dns_name_is_subdomain(&ref->records[i].owner, name))
			return 1;
	}
	return 0;
}

/* Counts the distinct names that exist: owners and the names between them and the origin. */
static size_t ref_existing_names(const struct reference *ref)
{
	static struct fata_dns_name seen[(RANDOM_OPERATIONS + 8) * 6];
	size_t n = 0;

	for (size_t i = 0; i < ref->count; i++) {
		const struct fata_dns_name *owner = &ref->records[i].owner;

		for (unsigned labels = ref->origin.labels; labels <= owner->labels; labels++) {
			struct fata_dns_name suffix;
			size_t k;

			fata_dns_name_suffix(owner, labels, &suffix);
			for (k = 0; k < n && !fata_dns_name_equal(&seen[k], &suffix); k++)
				;
			if (k == n)
				seen[n++] = suffix;
		}
	}
	return n;
}

/* Adds or removes one random record in `zone` and in `ref`. */
static void random_change(uint64_t *rng, struct fata_dns_zone *zone, struct reference *ref,
		uint64_t seed)
{
	static const uint16_t types[] = { FATA_DNS_TYPE_A, FATA_DNS_TYPE_A, FATA_DNS_TYPE_TXT,
		FATA_DNS_TYPE_NS };
	struct ref_record rec;
	struct fata_dns_rr rr;
	uint8_t rdata[64];
	int rc;

	if (ref->count > 2 && next_random(rng) % 4 == 0) {
		/* Remove a record, never the apex SOA and NS (records 0 and 1). */
		size_t i = 2 + next_random(rng) % (ref->count - 2);

		rec = ref->records[i];
		random_case(rng, &rec.owner);
		make_rr(&rec, rdata, &rr);
		rc = fata_dns_zone_remove(zone, &rr);
		ck_assert_msg(rc == 0, "seed %" PRIu64 ": remove failed: %d", seed, rc);
		ref->records[i] = ref->records[--ref->count];
		return;
	}

	random_name(rng, &ref->origin, 1 + next_random(rng) % 4, &rec.owner);
	rec.type = types[next_random(rng) % 4];
	rec.value = (uint8_t)(next_random(rng) % 3);
	if (rec.type == FATA_DNS_TYPE_NS && is_wildcard_owner(&rec.owner))
		rec.type = FATA_DNS_TYPE_A;
	make_rr(&rec, rdata, &rr);
	rc = fata_dns_zone_add(zone, &rr);
	if (rc == FATA_EEXIST) {
		size_t i;

		for (i = 0; i < ref->count && !ref_same_record(&ref->records[i], &rec); i++)
			;
		ck_assert_msg(i < ref->count, "seed %" PRIu64 ": EEXIST for a new record", seed);
		return;
	}
	ck_assert_msg(rc == 0, "seed %" PRIu64 ": add failed: %d", seed, rc);
	ck_assert_uint_lt(ref->count, sizeof ref->records / sizeof ref->records[0]);
	ref->records[ref->count++] = rec;
}

struct order_check {
	struct fata_dns_name last;
	int started;
	size_t records;
	uint64_t seed;
};

static int check_order(void *arg, const struct fata_dns_rr *rr)
{
	struct order_check *c = arg;

	/* The SOA comes first, and the other records follow in canonical order of owners. */
	if (c->records > 1)
		ck_assert_msg(fata_dns_name_compare(&c->last, &rr->owner) <= 0,
				"seed %" PRIu64 ": records out of canonical order", c->seed);
	if (c->records > 0)
		c->last = rr->owner;
	c->records++;
	return 0;
}

/* Compares the index with the reference for `name`. */
static void check_name(const struct fata_dns_zone *zone, const struct reference *ref,
		const struct fata_dns_name *name, uint64_t seed)
{
	char text[FATA_DNS_NAME_TEXT_MAX];
	int has = ref_count(ref, name, 0) > 0;

	fata_dns_name_format(name, text, sizeof text);
	ck_assert_msg((zone_node_find(zone, name) != NULL) == has,
			"seed %" PRIu64 ": node of %s: expected %s", seed, text, has ? "found" : "none");
	ck_assert_msg(zone_name_exists(zone, name) == ref_exists(ref, name),
			"seed %" PRIu64 ": %s exists: expected %d", seed, text, ref_exists(ref, name));
}

/* What the reference expects in the response to a query. */
struct expected {
	unsigned rcode;
	int aa;
	unsigned an, ns;
};

/* The kinds of answer the reference computed, so the test can show it met each one. */
enum answer_kind { KIND_REFERRAL, KIND_EXACT, KIND_EMPTY_NON_TERMINAL, KIND_WILDCARD,
	KIND_NXDOMAIN, KIND_COUNT };
static unsigned kinds_seen[KIND_COUNT];

static void expect_answer(const struct reference *ref, const struct fata_dns_name *q,
		uint16_t qtype, struct expected *e)
{
	struct fata_dns_name ancestor, wildcard;
	unsigned labels;

	memset(e, 0, sizeof *e);
	e->aa = 1;

	/* A cut at or above the name sends a referral, except DS at the cut (RFC 4035 3.1.4.1). */
	for (labels = ref->origin.labels + 1; labels <= q->labels; labels++) {
		fata_dns_name_suffix(q, labels, &ancestor);
		if (ref_count(ref, &ancestor, FATA_DNS_TYPE_NS) == 0)
			continue;
		if (labels == q->labels && qtype == FATA_DNS_TYPE_DS)
			break;
		e->aa = 0;
		e->ns = ref_count(ref, &ancestor, FATA_DNS_TYPE_NS);
		kinds_seen[KIND_REFERRAL]++;
		return;
	}

	if (ref_exists(ref, q)) {
		e->an = ref_count(ref, q, qtype);
		e->ns = e->an ? 0 : 1;
		kinds_seen[ref_count(ref, q, 0) ? KIND_EXACT : KIND_EMPTY_NON_TERMINAL]++;
		return;
	}

	for (labels = q->labels - 1; labels > ref->origin.labels; labels--) {
		fata_dns_name_suffix(q, labels, &ancestor);
		if (ref_exists(ref, &ancestor))
			break;
	}
	fata_dns_name_suffix(q, labels, &ancestor);
	fata_dns_name_prepend(&ancestor, "*", 1, &wildcard);
	if (ref_count(ref, &wildcard, 0) > 0) {
		e->an = ref_count(ref, &wildcard, qtype);
		e->ns = e->an ? 0 : 1;
		kinds_seen[KIND_WILDCARD]++;
		return;
	}
	e->rcode = FATA_DNS_RCODE_NXDOMAIN;
	e->ns = 1;
	kinds_seen[KIND_NXDOMAIN]++;
}

static void check_query(struct fata_dns_server *srv, const struct reference *ref,
		const struct fata_dns_name *q, uint16_t qtype, uint64_t seed)
{
	static const struct fata_sockaddr client = { .ip = { .family = FATA_AF_INET,
		.bytes = { 192, 0, 2, 99 } }, .port = 5000 };
	static uint8_t out[65535];
	struct fata_dns_question question = { .name = *q, .type = qtype,
		.class_ = FATA_DNS_CLASS_IN };
	struct fata_dns_builder b;
	struct fata_dns_parser p;
	struct expected e;
	uint8_t req[512];
	char text[FATA_DNS_NAME_TEXT_MAX];
	size_t len, out_len;

	fata_dns_builder_init(&b, req, sizeof req, 1, 0);
	ck_assert_int_eq(fata_dns_build_question(&b, &question), 0);
	len = fata_dns_builder_finish(&b);
	ck_assert_int_eq(fata_dns_server_answer(srv, req, len, &client, 1, out, sizeof out,
			&out_len), 0);
	ck_assert_int_eq(fata_dns_parser_init(&p, out, out_len), 0);

	expect_answer(ref, q, qtype, &e);
	fata_dns_name_format(q, text, sizeof text);
	ck_assert_msg(fata_dns_flags_rcode(p.header.flags) == e.rcode,
			"seed %" PRIu64 ": %s type %u: rcode %u, expected %u", seed, text, qtype,
			fata_dns_flags_rcode(p.header.flags), e.rcode);
	ck_assert_msg(!!(p.header.flags & FATA_DNS_FLAG_AA) == e.aa,
			"seed %" PRIu64 ": %s type %u: AA expected %d", seed, text, qtype, e.aa);
	ck_assert_msg(p.header.count[1] == e.an, "seed %" PRIu64 ": %s type %u: %u answers, expected %u",
			seed, text, qtype, p.header.count[1], e.an);
	ck_assert_msg(p.header.count[2] == e.ns,
			"seed %" PRIu64 ": %s type %u: %u authority records, expected %u", seed, text, qtype,
			p.header.count[2], e.ns);
}

/* Builds one random zone by adds and removes and compares it with the reference. */
static void random_zone_round(uint64_t seed, struct fata_loop *loop)
{
	static struct reference ref;
	uint64_t rng = seed ? seed : 1;
	struct fata_dns_zone *zone;
	struct fata_dns_server *srv;
	struct order_check order = { .seed = seed };
	uint8_t rdata[64];
	struct fata_dns_rr rr;

	memset(&ref, 0, sizeof ref);
	ref.origin = test_name("Ex.");
	ck_assert_int_eq(fata_dns_zone_new(&ref.origin, FATA_DNS_CLASS_IN, &zone), 0);
	ck_assert_int_eq(add_line(zone, "ex. 60 IN SOA ns.elsewhere. host. 1 2 3 4 5"), 0);
	ck_assert_int_eq(add_line(zone, "ex. 60 IN NS nsa.elsewhere."), 0);
	ref.records[0] = (struct ref_record){ .owner = ref.origin, .type = FATA_DNS_TYPE_SOA };
	ref.records[1] = (struct ref_record){ .owner = ref.origin, .type = FATA_DNS_TYPE_NS };
	ref.count = 2;

	for (int i = 0; i < RANDOM_OPERATIONS; i++)
		random_change(&rng, zone, &ref, seed);

	/* The index against the reference, for owners, their ancestors and random names. */
	ck_assert_msg(zone->indexed == ref_existing_names(&ref),
			"seed %" PRIu64 ": %zu names in the index, expected %zu", seed, zone->indexed,
			ref_existing_names(&ref));
	ck_assert_uint_eq(fata_dns_zone_record_count(zone), ref.count);
	for (size_t i = 0; i < ref.count; i++) {
		struct fata_dns_name name = ref.records[i].owner, ancestor;

		random_case(&rng, &name);
		check_name(zone, &ref, &name, seed);
		if (name.labels == ref.origin.labels)
			continue;
		fata_dns_name_suffix(&name, name.labels - 1, &ancestor);
		check_name(zone, &ref, &ancestor, seed);
	}
	for (int i = 0; i < RANDOM_QUERIES; i++) {
		struct fata_dns_name name;

		random_name(&rng, &ref.origin, 1 + next_random(&rng) % 5, &name);
		check_name(zone, &ref, &name, seed);
	}
	ck_assert_int_eq(fata_dns_zone_foreach(zone, check_order, &order), 0);
	ck_assert_uint_eq(order.records, ref.count);

	/* The server's answers against the reference. */
	ck_assert_int_eq(fata_dns_server_new(loop, NULL, &srv), 0);
	ck_assert_int_eq(fata_dns_server_add_zone(srv, zone), 0);
	for (int i = 0; i < RANDOM_QUERIES; i++) {
		static const uint16_t qtypes[] = { FATA_DNS_TYPE_A, FATA_DNS_TYPE_TXT, FATA_DNS_TYPE_NS,
			FATA_DNS_TYPE_DS, FATA_DNS_TYPE_AAAA };
		struct fata_dns_name name;

		if (i % 2 && ref.count > 0) {
			name = ref.records[next_random(&rng) % ref.count].owner;
			random_case(&rng, &name);
		} else {
			random_name(&rng, &ref.origin, 1 + next_random(&rng) % 5, &name);
		}
		check_query(srv, &ref, &name, qtypes[next_random(&rng) % 5], seed);
	}
	fata_dns_server_free(srv);

	/* Removing everything but the apex leaves only the apex in the index. */
	while (ref.count > 2) {
		struct ref_record rec = ref.records[--ref.count];

		make_rr(&rec, rdata, &rr);
		ck_assert_int_eq(fata_dns_zone_remove(zone, &rr), 0);
	}
	ck_assert_uint_eq(zone->indexed, 1);
	ck_assert_uint_eq(zone->count, 1);
	fata_dns_zone_unref(zone);
}

START_TEST(index_matches_reference)
{
	const char *env = getenv("DNS_INDEX_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 10) : DEFAULT_SEED;
	struct fata_loop *loop = fata_loop_new_virtual(0);

	ck_assert_ptr_nonnull(loop);
	printf("index_matches_reference: seed %" PRIu64 " (set DNS_INDEX_SEED to change it)\n", seed);
	memset(kinds_seen, 0, sizeof kinds_seen);
	for (uint64_t i = 0; i < RANDOM_ZONES; i++)
		random_zone_round(seed + i, loop);
	fata_loop_free(loop);

	printf("answers compared: %u referrals, %u exact, %u empty non-terminal, %u wildcard,"
			" %u NXDOMAIN\n", kinds_seen[KIND_REFERRAL], kinds_seen[KIND_EXACT],
			kinds_seen[KIND_EMPTY_NON_TERMINAL], kinds_seen[KIND_WILDCARD],
			kinds_seen[KIND_NXDOMAIN]);
	for (int k = 0; k < KIND_COUNT; k++)
		ck_assert_msg(kinds_seen[k] > 0, "seed %" PRIu64 ": no answer of kind %d", seed, k);
}
END_TEST

static Suite *index_suite(void)
{
	Suite *s = suite_create("dns_zone_index");
	TCase *tc = tcase_create("index");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, index_exact_lookups);
	tcase_add_test(tc, index_ignores_ascii_case);
	tcase_add_test(tc, index_empty_non_terminals);
	tcase_add_test(tc, index_follows_adds_and_removes);
	tcase_add_test(tc, index_escaped_bytes);
	tcase_add_test(tc, index_case_of_every_byte);
	tcase_add_test(tc, index_maximum_lengths);
	tcase_add_test(tc, index_clone_is_independent);
	tcase_add_test(tc, index_matches_reference);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(index_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * The zone-file parser (every directive, syntax form and error with its
 * line) and the in-memory zone.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_zone.h>
#include <fata/error.h>

/* Collects parsed records as text lines. */
struct collected {
	char lines[64][512];
	int count;
};

static int collect(void *arg, const struct fata_dns_rr *rr, const char **why)
{
	struct collected *c = arg;

	(void)why;
	ck_assert_int_lt(c->count, 64);
	ck_assert_int_gt(fata_dns_rr_format(rr, c->lines[c->count], sizeof c->lines[0]), 0);
	c->count++;
	return 0;
}

static struct fata_dns_name name_of(const char *text)
{
	struct fata_dns_name n;

	ck_assert_int_eq(fata_dns_name_parse(text, strlen(text), NULL, &n), 0);
	return n;
}

static int parse(const char *text, struct collected *c, struct fata_dns_zone_error *err)
{
	struct fata_dns_name origin = name_of("example.com.");
	struct fata_dns_zone_options opt = { .file = "test.zone", .origin = &origin };

	memset(c, 0, sizeof *c);
	return fata_dns_zone_parse(text, strlen(text), &opt, collect, c, err);
}

START_TEST(zone_parse_full_syntax)
{
	static const char text[] =
		"; a comment line\n"
		"$TTL 1d2h ; one day and two hours\n"
		"@ IN SOA ns1 hostmaster (\n"
		"       2024010101 ; serial\n"
		"       3h 15m\n"
		"       1w 300 )\n"
		"  NS ns1\n"
		"\tNS ns2.example.net.\n"
		"ns1 300 A 192.0.2.1\n"
		"ns1 IN 600 AAAA 2001:db8::1\n"
		"txt TXT \"semi;colon\" \"paren(\" back\\;slash\n"
		"$ORIGIN sub.example.com.\n"
		"host A 192.0.2.2\n"
		"esc\\.aped A 192.0.2.3\n"
		"\\065bc A 192.0.2.4\n"
		"$ORIGIN deeper\n"
		"x A 192.0.2.5\n"
		"$TTL 42\n"
		"y A 192.0.2.6\n"
		"z.example.com. 7 CNAME y\n"
		"no-newline-at-end A 192.0.2.7";
	static const char *const want[] = {
		"example.com. 93600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 10800 900 604800 300",
		"example.com. 93600 IN NS ns1.example.com.",
		"example.com. 93600 IN NS ns2.example.net.",
		"ns1.example.com. 300 IN A 192.0.2.1",
		"ns1.example.com. 600 IN AAAA 2001:db8::1",
		"txt.example.com. 93600 IN TXT \"semi;colon\" \"paren(\" \"back;slash\"",
		"host.sub.example.com. 93600 IN A 192.0.2.2",
		"esc\\.aped.sub.example.com. 93600 IN A 192.0.2.3",
		"Abc.sub.example.com. 93600 IN A 192.0.2.4",
		"x.deeper.sub.example.com. 93600 IN A 192.0.2.5",
		"y.deeper.sub.example.com. 42 IN A 192.0.2.6",
		"z.example.com. 7 IN CNAME y.deeper.sub.example.com.",
		"no-newline-at-end.deeper.sub.example.com. 42 IN A 192.0.2.7",
	};
	struct collected c;
	struct fata_dns_zone_error err;
	int rc = parse(text, &c, &err);

	ck_assert_msg(rc == 0, "line %u: %s", err.line, err.reason);
	ck_assert_int_eq(c.count, (int)(sizeof want / sizeof want[0]));
	for (int i = 0; i < c.count; i++)
		ck_assert_str_eq(c.lines[i], want[i]);
}
END_TEST

START_TEST(zone_parse_ttl_inheritance)
{
	/* Without $TTL: the SOA takes its minimum, later records the last explicit TTL. */
	static const char text[] =
		"@ SOA ns1 host 1 2 3 4 77\n"
		"a A 192.0.2.1\n"
		"b 5 A 192.0.2.2\n"
		"c A 192.0.2.3\n";
	struct collected c;
	struct fata_dns_zone_error err;

	ck_assert_int_eq(parse(text, &c, &err), 0);
	ck_assert_str_eq(c.lines[0], "example.com. 77 IN SOA ns1.example.com. host.example.com. 1 2 3 4 77");
	ck_assert_str_eq(c.lines[1], "a.example.com. 77 IN A 192.0.2.1");
	ck_assert_str_eq(c.lines[2], "b.example.com. 5 IN A 192.0.2.2");
	ck_assert_str_eq(c.lines[3], "c.example.com. 5 IN A 192.0.2.3");
}
END_TEST

/* Every error the parser reports, with the line it names. */
static const struct {
	const char *text;
	unsigned line;
	const char *reason; /* a substring of the reason */
} error_cases[] = {
	{ "$TTL 1h\na A 192.0.2.1\nb A 999.0.2.1\n", 3, "invalid A rdata" },
	{ "$TTL 1h\n a A 192.0.2.1\n", 2, "no earlier record gives an owner" },
	{ "$TTL 1h\na..b A 192.0.2.1\n", 2, "invalid owner name" },
	{ "a A 192.0.2.1\n", 1, "missing TTL" },
	{ "$TTL 1h\na BOGUS 1\n", 2, "unknown record type 'BOGUS'" },
	{ "$TTL 1h\na IN\n", 2, "missing record type" },
	{ "$TTL 1h\na CH A 192.0.2.1\n", 2, "class differs" },
	{ "$TTL 1x\n", 1, "invalid $TTL value" },
	{ "$TTL\n", 1, "$TTL needs exactly one value" },
	{ "$TTL 1h\n$ORIGIN a..b.\n", 2, "invalid $ORIGIN" },
	{ "$INCLUDE other.zone\n", 1,
		"$INCLUDE is not supported without an include loader: copy the records of 'other.zone'" },
	{ "$GENERATE 1-10 a$ A 192.0.2.$\n", 1, "unknown directive '$GENERATE'" },
	{ "$TTL 1h\n\na A ( 192.0.2.1\n\n", 3, "'(' without a matching ')'" },
	{ "$TTL 1h\na A 192.0.2.1 )\n", 2, "')' without a matching '('" },
	{ "$TTL 1h\na TXT ( ( \"x\" ) )\n", 2, "nested parentheses" },
	{ "$TTL 1h\na TXT \"open\nb A 192.0.2.1\n", 2, "unterminated quoted string" },
	{ "$TTL 1h\na 99999999999 A 192.0.2.1\n", 2, "invalid TTL" },
	{ "$TTL 1h\na OPT\n", 2, "cannot appear in a zone file" },
	{ "$TTL 1h\na MX 10\n", 2, "too few rdata fields" },
	{ "$TTL 1h\na A 192.0.2.1 192.0.2.2\n", 2, "too many rdata fields" },
	{ "$TTL 1h\na TYPE99 1\n", 2, "needs the \\# generic rdata form" },
	{ "$TTL 1h\na TYPE99 \\# 2 01\n", 2, "does not match the length" },
	{ "$TTL 1h\na TXT \"\\300\"\n", 2, "invalid or too long character-string" },
	{ "$ORIGIN\n", 1, "$ORIGIN needs exactly one domain name" },
	{ "$ORIGIN a. b.\n", 1, "$ORIGIN needs exactly one domain name" },
	{ "$TTL 1h 2h\n", 1, "$TTL needs exactly one value" },
	{ "$TTL 1h\na \"quoted\" A 192.0.2.1\n", 2, "unknown record type" },
	{ "$TTL 1h\n\"quoted\" A 192.0.2.1\n", 2, "invalid owner name" },
	{ "$TTL 1h\na 1w1x A 192.0.2.1\n", 2, "invalid TTL" },
	{ "$TTL 1h\na A ( 192.0.2.1\n  192.0.2.2 )\n", 2, "too many rdata fields" },
};

START_TEST(zone_parse_errors)
{
	struct collected c;
	struct fata_dns_zone_error err;
	int rc = parse(error_cases[_i].text, &c, &err);

	ck_assert_int_eq(rc, FATA_EINVAL);
	ck_assert_str_eq(err.file, "test.zone");
	ck_assert_uint_eq(err.line, error_cases[_i].line);
	ck_assert_msg(strstr(err.reason, error_cases[_i].reason) != NULL, "reason '%s' lacks '%s'",
			err.reason, error_cases[_i].reason);
}
END_TEST

START_TEST(zone_parse_relative_without_origin)
{
	struct fata_dns_zone_options opt = { .file = "x" };
	struct fata_dns_zone_error err;
	struct collected c = { 0 };
	const char *text = "$TTL 1h\nwww A 192.0.2.1\n";

	ck_assert_int_eq(fata_dns_zone_parse(text, strlen(text), &opt, collect, &c, &err), FATA_EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.reason, "relative names need $ORIGIN"));
}
END_TEST

static int reject_mx(void *arg, const struct fata_dns_rr *rr, const char **why)
{
	(void)arg;
	if (rr->type == FATA_DNS_TYPE_MX) {
		*why = "no MX wanted";
		return FATA_EPERM;
	}
	return 0;
}

START_TEST(zone_parse_callback_error)
{
	struct fata_dns_name origin = name_of("example.");
	struct fata_dns_zone_options opt = { .origin = &origin };
	struct fata_dns_zone_error err;
	const char *text = "$TTL 1\na A 192.0.2.1\na MX 1 a\n";

	ck_assert_int_eq(fata_dns_zone_parse(text, strlen(text), &opt, reject_mx, NULL, &err),
			FATA_EPERM);
	ck_assert_str_eq(err.file, "<zone>");
	ck_assert_uint_eq(err.line, 3);
	ck_assert_str_eq(err.reason, "no MX wanted");
}
END_TEST

static const char base_zone[] =
	"$ORIGIN example.com.\n$TTL 3600\n"
	"@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
	"@ NS ns1\n"
	"ns1 A 192.0.2.1\n"
	"www A 192.0.2.2\nwww A 192.0.2.3\nwww A 192.0.2.2\n";

static struct fata_dns_zone *load(const char *text)
{
	struct fata_dns_name origin = name_of("example.com.");
	struct fata_dns_zone_options opt = { .file = "base", .origin = &origin };
	struct fata_dns_zone_error err;
	struct fata_dns_zone *zone;
	int rc = fata_dns_zone_load(text, strlen(text), &opt, &zone, &err);

	ck_assert_msg(rc == 0, "line %u: %s", err.line, err.reason);
	return zone;
}

static int count_records(void *arg, const struct fata_dns_rr *rr)
{
	(void)rr;
	(*(int *)arg)++;
	return 0;
}

START_TEST(zone_load_and_edit)
{
	static uint8_t rd[65535];
	struct fata_dns_zone *zone = load(base_zone), *copy;
	struct fata_dns_zone_error err;
	struct fata_dns_rr rr;
	int n = 0;

	/* The duplicate www A counts once (RFC 2181 section 5). */
	ck_assert_uint_eq(fata_dns_zone_record_count(zone), 5);
	ck_assert_uint_eq(fata_dns_zone_serial(zone), 1);
	fata_dns_zone_foreach(zone, count_records, &n);
	ck_assert_int_eq(n, 5);

	ck_assert_int_eq(fata_dns_rr_parse("www.example.com. 60 IN A 192.0.2.2", 34, NULL, &rr, rd,
			sizeof rd, &err), 0);
	ck_assert_int_eq(fata_dns_zone_add(zone, &rr), FATA_EEXIST);
	ck_assert_int_eq(fata_dns_zone_clone(zone, &copy), 0);
	ck_assert_int_eq(fata_dns_zone_remove(copy, &rr), 0);
	ck_assert_int_eq(fata_dns_zone_remove(copy, &rr), FATA_ENOENT);
	ck_assert_uint_eq(fata_dns_zone_record_count(copy), 4);
	ck_assert_uint_eq(fata_dns_zone_record_count(zone), 5);

	/* CNAME beside other data is refused (RFC 2181 10.1). */
	ck_assert_int_eq(fata_dns_rr_parse("www.example.com. 60 IN CNAME ns1.example.com.", 45, NULL,
			&rr, rd, sizeof rd, &err), 0);
	ck_assert_int_eq(fata_dns_zone_add(zone, &rr), FATA_EPROTO);
	/* Out of the zone. */
	ck_assert_int_eq(fata_dns_rr_parse("www.example.net. 60 IN A 192.0.2.9", 34, NULL, &rr, rd,
			sizeof rd, &err), 0);
	ck_assert_int_eq(fata_dns_zone_add(zone, &rr), FATA_EINVAL);

	/* A new SOA replaces the old one. */
	ck_assert_int_eq(fata_dns_rr_parse("example.com. 60 IN SOA a. b. 7 1 1 1 1", 38, NULL, &rr, rd,
			sizeof rd, &err), 0);
	ck_assert_int_eq(fata_dns_zone_add(copy, &rr), 0);
	ck_assert_uint_eq(fata_dns_zone_serial(copy), 7);
	ck_assert_uint_eq(fata_dns_zone_record_count(copy), 4);

	struct fata_dns_name www = name_of("www.example.com.");

	ck_assert_uint_eq(fata_dns_zone_remove_rrset(copy, &www, FATA_DNS_TYPE_ANY), 1);
	ck_assert_uint_eq(fata_dns_zone_remove_rrset(copy, &www, FATA_DNS_TYPE_ANY), 0);
	ck_assert_int_eq(fata_dns_zone_check(copy, NULL), 0);

	struct fata_dns_name apex = name_of("example.com.");
	const char *why;

	fata_dns_zone_remove_rrset(copy, &apex, FATA_DNS_TYPE_NS);
	ck_assert_int_eq(fata_dns_zone_check(copy, &why), FATA_EINVAL);
	ck_assert_str_eq(why, "the zone has no NS record at its apex");

	fata_dns_zone_unref(copy);
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(zone_load_rejects)
{
	struct fata_dns_name origin = name_of("example.com.");
	struct fata_dns_zone_options opt = { .file = "z", .origin = &origin };
	struct fata_dns_zone_error err;
	struct fata_dns_zone *zone;
	const char *no_soa = "$TTL 1\nexample.com. NS ns\n";
	const char *outside = "$TTL 1\nexample.com. SOA a. b. 1 1 1 1 1\nexample.org. A 192.0.2.1\n";
	const char *cname = "$TTL 1\nexample.com. SOA a. b. 1 1 1 1 1\nx A 192.0.2.1\nx CNAME y\n";

	ck_assert_int_eq(fata_dns_zone_load(no_soa, strlen(no_soa), &opt, &zone, &err), FATA_EINVAL);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_str_eq(err.reason, "the zone has no SOA record at its apex");
	ck_assert_ptr_null(zone);

	ck_assert_int_eq(fata_dns_zone_load(outside, strlen(outside), &opt, &zone, &err), FATA_EINVAL);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_str_eq(err.reason, "owner name is outside the zone's origin");

	ck_assert_int_eq(fata_dns_zone_load(cname, strlen(cname), &opt, &zone, &err), FATA_EPROTO);
	ck_assert_uint_eq(err.line, 4);
	ck_assert_ptr_nonnull(strstr(err.reason, "CNAME"));
}
END_TEST

/* Records come out in canonical order, the SOA first. */
static int record_owner(void *arg, const struct fata_dns_rr *rr)
{
	struct collected *c = arg;

	fata_dns_name_format(&rr->owner, c->lines[c->count++], 64);
	return 0;
}

START_TEST(zone_foreach_canonical_order)
{
	static const char text[] = "$ORIGIN example.\n$TTL 1\n"
		"z A 192.0.2.1\n\\200.z A 192.0.2.1\n*.z A 192.0.2.1\na A 192.0.2.1\n"
		"@ NS ns\n@ SOA ns h 1 1 1 1 1\nyljkjljk.a A 192.0.2.1\nZ.a A 192.0.2.1\n";
	static const char *const order[] = {
		"example.", "example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"z.example.", "*.z.example.", "\\200.z.example.",
	};
	struct fata_dns_name origin = name_of("example.");
	struct fata_dns_zone_options opt = { .origin = &origin };
	struct fata_dns_zone *zone;
	struct collected c = { 0 };

	ck_assert_int_eq(fata_dns_zone_load(text, strlen(text), &opt, &zone, NULL), 0);
	fata_dns_zone_foreach(zone, record_owner, &c);
	ck_assert_int_eq(c.count, 8);
	for (int i = 0; i < 8; i++)
		ck_assert_str_eq(c.lines[i], order[i]);
	fata_dns_zone_unref(zone);
}
END_TEST

/* ---- $INCLUDE (RFC 1035 section 5.1) with an in-memory loader ---- */

struct mem_file {
	const char *name;
	const char *text;
};

static const struct mem_file mem_files[] = {
	{ "hosts.zone", "www A 192.0.2.1\nmail 7 MX 10 www\n" },
	{ "apex.zone", "@ A 192.0.2.2\n" },
	{ "sets.zone", "$ORIGIN elsewhere.example.\n$TTL 5m\nfoo 7 A 192.0.2.3\n" },
	{ "blank.zone", "  A 192.0.2.4\n" },
	{ "a.zone", "a A 192.0.2.5\n$INCLUDE b.zone b\nafter-b A 192.0.2.7\n" },
	{ "b.zone", "x A 192.0.2.6\n$INCLUDE c.zone c\n" },
	{ "c.zone", "@ TXT c\n" },
	{ "self.zone", "s A 192.0.2.8\n$INCLUDE self.zone\n" },
	{ "test.zone", "t A 192.0.2.8\n" },
	{ "bad.zone", "ok A 192.0.2.9\n\nbad A 192.0.2.300\n" },
	{ "with space.zone", "sp A 192.0.2.10\n" },
	{ "q\"uote.zone", "qu A 192.0.2.11\n" },
	{ "missing-inside.zone", "ok A 192.0.2.12\n$INCLUDE nope.zone\n" },
	{ "empty.zone", "" },
	{ "mx.zone", "ok A 192.0.2.13\nm MX 1 ok\n" },
	{ "ns.zone", "@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.2\n" },
	{ "n1.zone", "$INCLUDE n2.zone\n" },
	{ "n2.zone", "$INCLUDE n3.zone\n" },
	{ "n3.zone", "$INCLUDE n4.zone\n" },
	{ "n4.zone", "$INCLUDE n5.zone\n" },
	{ "n5.zone", "$INCLUDE n6.zone\n" },
	{ "n6.zone", "$INCLUDE n7.zone\n" },
	{ "n7.zone", "$INCLUDE n8.zone\n" },
	{ "n8.zone", "deepest A 192.0.2.1\n" },
	{ "n0.zone", "$INCLUDE n1.zone\n" },
};

/* The loader's state: what it loaded and released, and how it names files. */
struct mem_fs {
	const char *prefix;  /* put before every display name */
	int numbered;        /* display names get "#N", N counting loads */
	int loads;
	int releases;
	char calls[16][128]; /* "NAME<PARENT" of each load */
};

static int mem_include(void *arg, const char *name, const char *parent,
		struct fata_dns_zone_include *out, char *why, size_t why_size)
{
	struct mem_fs *fs = arg;
	char display[1024];

	ck_assert_str_eq(why, "");
	if (fs->loads < 16)
		snprintf(fs->calls[fs->loads], sizeof fs->calls[0], "%s<%s", name, parent);
	if (strcmp(name, "null.zone") == 0) {
		/* A broken loader: success without text. */
		out->text = NULL;
		out->len = 5;
		fs->loads++;
		return 0;
	}
	for (size_t i = 0; i < sizeof mem_files / sizeof mem_files[0]; i++) {
		if (strcmp(mem_files[i].name, name) != 0)
			continue;
		fs->loads++;
		if (fs->numbered)
			snprintf(display, sizeof display, "%s%s#%d", fs->prefix ? fs->prefix : "", name,
					fs->loads);
		else
			snprintf(display, sizeof display, "%s%s", fs->prefix ? fs->prefix : "", name);
		out->text = mem_files[i].text;
		out->len = strlen(mem_files[i].text);
		/* On the heap, so a parse that kept the name after the release fails under ASan. */
		out->name = strdup(display);
		out->handle = (void *)out->name;
		ck_assert_ptr_nonnull(out->name);
		return 0;
	}
	snprintf(why, why_size, "no such file in the test loader");
	return FATA_ENOENT;
}

static void mem_release(void *arg, const struct fata_dns_zone_include *file)
{
	struct mem_fs *fs = arg;

	ck_assert_ptr_eq(file->handle, file->name);
	free(file->handle);
	fs->releases++;
}

static int parse_with(const char *text, struct mem_fs *fs, struct collected *c,
		struct fata_dns_zone_error *err)
{
	struct fata_dns_name origin = name_of("example.com.");
	struct fata_dns_zone_options opt = {
		.file = "test.zone",
		.origin = &origin,
		.include = mem_include,
		.include_release = mem_release,
		.include_arg = fs,
	};

	memset(c, 0, sizeof *c);
	return fata_dns_zone_parse(text, strlen(text), &opt, collect, c, err);
}

/* Zone texts that include others, and the records they give. */
static const struct {
	const char *name;
	const char *text;
	const char *want[6];
} include_cases[] = {
	{ "without a domain name", "$TTL 1h\n$INCLUDE hosts.zone\nlast A 192.0.2.99\n", {
		"www.example.com. 3600 IN A 192.0.2.1",
		"mail.example.com. 7 IN MX 10 www.example.com.",
		"last.example.com. 3600 IN A 192.0.2.99" } },
	{ "relative domain name", "$TTL 1h\n$INCLUDE hosts.zone sub\n", {
		"www.sub.example.com. 3600 IN A 192.0.2.1",
		"mail.sub.example.com. 7 IN MX 10 www.sub.example.com." } },
	{ "absolute domain name", "$TTL 1h\n$INCLUDE apex.zone other.example.\n@ A 192.0.2.1\n", {
		"other.example. 3600 IN A 192.0.2.2",
		"example.com. 3600 IN A 192.0.2.1" } },
	{ "origin, owner and $TTL restored",
		"$TTL 1h\nhost A 192.0.2.1\n$INCLUDE sets.zone\n A 192.0.2.12\nnext A 192.0.2.13\n", {
		"host.example.com. 3600 IN A 192.0.2.1",
		"foo.elsewhere.example. 7 IN A 192.0.2.3",
		"host.example.com. 3600 IN A 192.0.2.12",
		"next.example.com. 3600 IN A 192.0.2.13" } },
	{ "last explicit TTL restored", "host 100 A 192.0.2.1\n$INCLUDE hosts.zone\nnext A 192.0.2.13\n", {
		"host.example.com. 100 IN A 192.0.2.1",
		"www.example.com. 100 IN A 192.0.2.1",
		"mail.example.com. 7 IN MX 10 www.example.com.",
		"next.example.com. 100 IN A 192.0.2.13" } },
	{ "owner carried into the file", "$TTL 1h\nhost A 192.0.2.1\n$INCLUDE blank.zone\n", {
		"host.example.com. 3600 IN A 192.0.2.1",
		"host.example.com. 3600 IN A 192.0.2.4" } },
	{ "nested includes", "$TTL 1h\n$INCLUDE a.zone\n", {
		"a.example.com. 3600 IN A 192.0.2.5",
		"x.b.example.com. 3600 IN A 192.0.2.6",
		"c.b.example.com. 3600 IN TXT \"c\"",
		"after-b.example.com. 3600 IN A 192.0.2.7" } },
	{ "eight levels deep", "$TTL 1h\n$INCLUDE n1.zone\n", {
		"deepest.example.com. 3600 IN A 192.0.2.1" } },
	{ "quoted file name", "$TTL 1h\n$INCLUDE \"with space.zone\"\n", {
		"sp.example.com. 3600 IN A 192.0.2.10" } },
	{ "decimal escape in the file name", "$TTL 1h\n$INCLUDE with\\032space.zone\n", {
		"sp.example.com. 3600 IN A 192.0.2.10" } },
	{ "escaped blank in the file name", "$TTL 1h\n$INCLUDE with\\ space.zone\n", {
		"sp.example.com. 3600 IN A 192.0.2.10" } },
	{ "escaped quote in a quoted name", "$TTL 1h\n$INCLUDE \"q\\\"uote.zone\"\n", {
		"qu.example.com. 3600 IN A 192.0.2.11" } },
	{ "comment after the arguments", "$TTL 1h\n$INCLUDE hosts.zone sub ; the hosts\n", {
		"www.sub.example.com. 3600 IN A 192.0.2.1",
		"mail.sub.example.com. 7 IN MX 10 www.sub.example.com." } },
	{ "arguments in parentheses", "$TTL 1h\n$INCLUDE ( apex.zone\n  sub )\nx A 192.0.2.1\n", {
		"sub.example.com. 3600 IN A 192.0.2.2",
		"x.example.com. 3600 IN A 192.0.2.1" } },
	{ "one file twice", "$TTL 1h\n$INCLUDE apex.zone a\n$INCLUDE apex.zone b\n", {
		"a.example.com. 3600 IN A 192.0.2.2",
		"b.example.com. 3600 IN A 192.0.2.2" } },
	{ "empty file", "$TTL 1h\n$INCLUDE empty.zone\nx A 192.0.2.1\n", {
		"x.example.com. 3600 IN A 192.0.2.1" } },
	{ "lowercase directive", "$TTL 1h\n$include apex.zone\n", {
		"example.com. 3600 IN A 192.0.2.2" } },
};

START_TEST(zone_include_records)
{
	struct mem_fs fs = { 0 };
	struct collected c;
	struct fata_dns_zone_error err;
	int rc = parse_with(include_cases[_i].text, &fs, &c, &err);
	int want = 0;

	ck_assert_msg(rc == 0, "%s: %s:%u: %s", include_cases[_i].name, err.file, err.line, err.reason);
	while (want < 6 && include_cases[_i].want[want])
		want++;
	ck_assert_msg(c.count == want, "%s: %d records, expected %d", include_cases[_i].name, c.count,
			want);
	for (int i = 0; i < want; i++)
		ck_assert_str_eq(c.lines[i], include_cases[_i].want[i]);
	ck_assert_int_gt(fs.loads, 0);
	ck_assert_int_eq(fs.releases, fs.loads);
}
END_TEST

/* Zone texts whose includes fail, and the file, line and reason reported. */
static const struct {
	const char *text;
	int rc;
	const char *file;
	unsigned line;
	const char *reason; /* a substring of the reason */
} include_errors[] = {
	{ "$TTL 1h\n\n$INCLUDE nope.zone\n", FATA_ENOENT, "test.zone", 3,
		"cannot include 'nope.zone': no such file in the test loader" },
	{ "$TTL 1h\n$INCLUDE missing-inside.zone\n", FATA_ENOENT, "missing-inside.zone", 2,
		"cannot include 'nope.zone'" },
	{ "$TTL 1h\n$INCLUDE bad.zone\nafter A 192.0.2.1\n", FATA_EINVAL, "bad.zone", 3,
		"invalid A rdata" },
	{ "$TTL 1h\n$INCLUDE a.zone\n$INCLUDE bad.zone sub\n", FATA_EINVAL, "bad.zone", 3,
		"invalid A rdata" },
	{ "$TTL 1h\n$INCLUDE self.zone\n", FATA_EINVAL, "self.zone", 2,
		"$INCLUDE of 'self.zone' is a loop" },
	{ "$TTL 1h\n$INCLUDE test.zone\n", FATA_EINVAL, "test.zone", 2,
		"$INCLUDE of 'test.zone' is a loop" },
	{ "$TTL 1h\n$INCLUDE n0.zone\n", FATA_EINVAL, "n7.zone", 1,
		"$INCLUDE of 'n8.zone' nests deeper than 8 files" },
	{ "$INCLUDE\n", FATA_EINVAL, "test.zone", 1,
		"$INCLUDE needs a file name and at most one domain name" },
	{ "$INCLUDE hosts.zone sub extra\n", FATA_EINVAL, "test.zone", 1,
		"$INCLUDE needs a file name and at most one domain name" },
	{ "$INCLUDE hosts.zone a..b\n", FATA_EINVAL, "test.zone", 1,
		"invalid $INCLUDE domain name 'a..b'" },
	{ "$INCLUDE hosts.zone \"sub\"\n", FATA_EINVAL, "test.zone", 1,
		"invalid $INCLUDE domain name 'sub'" },
	{ "$INCLUDE a\\000b.zone\n", FATA_EINVAL, "test.zone", 1, "contains a NUL byte" },
	{ "$INCLUDE \"\"\n", FATA_EINVAL, "test.zone", 1, "$INCLUDE file name is empty" },
	{ "\n$INCLUDE a\\99\n", FATA_EINVAL, "test.zone", 2, "invalid escape in $INCLUDE file name" },
	{ "$INCLUDE null.zone\n", FATA_EINVAL, "test.zone", 1,
		"include loader returned no text for 'null.zone'" },
};

START_TEST(zone_include_errors)
{
	struct mem_fs fs = { 0 };
	struct collected c;
	struct fata_dns_zone_error err;
	int rc = parse_with(include_errors[_i].text, &fs, &c, &err);

	ck_assert_int_eq(rc, include_errors[_i].rc);
	ck_assert_str_eq(err.file, include_errors[_i].file);
	ck_assert_uint_eq(err.line, include_errors[_i].line);
	ck_assert_msg(strstr(err.reason, include_errors[_i].reason) != NULL, "reason '%s' lacks '%s'",
			err.reason, include_errors[_i].reason);
	ck_assert_int_eq(fs.releases, fs.loads);
}
END_TEST

START_TEST(zone_include_name_too_long)
{
	struct mem_fs fs = { 0 };
	struct collected c;
	struct fata_dns_zone_error err;
	char text[2100] = "$INCLUDE ";

	memset(text + 9, 'n', 1024);
	strcpy(text + 9 + 1024, "\n");
	ck_assert_int_eq(parse_with(text, &fs, &c, &err), FATA_EINVAL);
	ck_assert_str_eq(err.reason, "$INCLUDE file name is longer than 1023 bytes");
	ck_assert_int_eq(fs.loads, 0);

	/* 1023 bytes reach the loader, which has no such file. */
	strcpy(text + 9 + 1023, "\n");
	ck_assert_int_eq(parse_with(text, &fs, &c, &err), FATA_ENOENT);
	ck_assert_int_eq(strncmp(fs.calls[0], "nnnnnnnn", 8), 0);
	ck_assert_int_eq(strncmp(err.reason, "cannot include 'nnnnnnnn", 24), 0);
}
END_TEST

START_TEST(zone_include_loader_arguments)
{
	struct mem_fs fs = { .prefix = "dir/" };
	struct collected c;
	struct fata_dns_zone_error err;

	ck_assert_int_eq(parse_with("$TTL 1h\n$INCLUDE a.zone\n", &fs, &c, &err), 0);
	ck_assert_int_eq(fs.loads, 3);
	ck_assert_str_eq(fs.calls[0], "a.zone<test.zone");
	ck_assert_str_eq(fs.calls[1], "b.zone<dir/a.zone");
	ck_assert_str_eq(fs.calls[2], "c.zone<dir/b.zone");
	ck_assert_int_eq(fs.releases, 3);
}
END_TEST

/* A loop that the display names cannot reveal still ends at the depth limit. */
START_TEST(zone_include_loop_depth_limit)
{
	struct mem_fs fs = { .numbered = 1 };
	struct collected c;
	struct fata_dns_zone_error err;

	ck_assert_int_eq(parse_with("$TTL 1h\n$INCLUDE self.zone\n", &fs, &c, &err), FATA_EINVAL);
	ck_assert_str_eq(err.file, "self.zone#8");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_str_eq(err.reason,
			"$INCLUDE of 'self.zone' nests deeper than 8 files (does a file include itself?)");
	ck_assert_int_eq(fs.loads, 8);
	ck_assert_int_eq(fs.releases, 8);
	/* Every level gave its record before including the next. */
	ck_assert_int_eq(c.count, 8);
}
END_TEST

/* The error keeps the end of a display name that does not fit file_name. */
START_TEST(zone_include_long_display_name)
{
	char prefix[400];
	struct mem_fs fs = { .prefix = prefix };
	struct collected c;
	struct fata_dns_zone_error err;
	size_t len;

	memset(prefix, 'd', sizeof prefix - 2);
	strcpy(prefix + sizeof prefix - 2, "/");
	ck_assert_int_eq(parse_with("$TTL 1h\n$INCLUDE bad.zone\n", &fs, &c, &err), FATA_EINVAL);
	len = strlen(err.file);
	ck_assert_ptr_eq(err.file, err.file_name);
	ck_assert_uint_eq(len, FATA_DNS_ZONE_FILE_NAME_MAX - 1);
	ck_assert_int_eq(strncmp(err.file, "...ddd", 6), 0);
	ck_assert_str_eq(err.file + len - 9, "/bad.zone");
	ck_assert_uint_eq(err.line, 3);
}
END_TEST

START_TEST(zone_include_callback_error)
{
	struct fata_dns_name origin = name_of("example.com.");
	struct mem_fs fs = { 0 };
	struct fata_dns_zone_options opt = {
		.file = "top.zone",
		.origin = &origin,
		.include = mem_include,
		.include_release = mem_release,
		.include_arg = &fs,
	};
	struct fata_dns_zone_error err;
	const char *text = "$TTL 1\na A 192.0.2.1\n$INCLUDE mx.zone\n";

	ck_assert_int_eq(fata_dns_zone_parse(text, strlen(text), &opt, reject_mx, NULL, &err),
			FATA_EPERM);
	ck_assert_str_eq(err.file, "mx.zone");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_str_eq(err.reason, "no MX wanted");
	ck_assert_int_eq(fs.releases, 1);
}
END_TEST

/* A loader of one static text, with no display name and nothing to release. */
static int static_include(void *arg, const char *name, const char *parent,
		struct fata_dns_zone_include *out, char *why, size_t why_size)
{
	(void)parent;
	(void)why;
	(void)why_size;
	(*(int *)arg)++;
	out->text = strcmp(name, "bad.zone") == 0 ? "ok A 192.0.2.1\nbad A x\n" : "@ A 192.0.2.2\n";
	out->len = strlen(out->text);
	return 0;
}

START_TEST(zone_include_relative_domain_without_origin)
{
	int loads = 0;
	struct fata_dns_zone_options opt = {
		.file = "x",
		.include = static_include,
		.include_arg = &loads,
	};
	struct fata_dns_zone_error err;
	struct collected c = { 0 };
	const char *text = "$TTL 1h\n$INCLUDE apex.zone sub\n";
	const char *absolute = "$TTL 1h\n$INCLUDE apex.zone sub.example.\n";

	ck_assert_int_eq(fata_dns_zone_parse(text, strlen(text), &opt, collect, &c, &err), FATA_EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_str_eq(err.reason,
			"invalid $INCLUDE domain name 'sub' (relative names need $ORIGIN)");

	ck_assert_int_eq(loads, 0);

	ck_assert_int_eq(fata_dns_zone_parse(absolute, strlen(absolute), &opt, collect, &c, &err), 0);
	ck_assert_int_eq(c.count, 1);
	ck_assert_str_eq(c.lines[0], "sub.example. 3600 IN A 192.0.2.2");
	ck_assert_int_eq(loads, 1);
}
END_TEST

/* Without a display name from the loader, errors name the file as written. */
START_TEST(zone_include_name_as_written)
{
	int loads = 0;
	struct fata_dns_name origin = name_of("example.com.");
	struct fata_dns_zone_options opt = {
		.origin = &origin,
		.include = static_include,
		.include_arg = &loads,
	};
	struct fata_dns_zone_error err;
	struct collected c = { 0 };
	const char *text = "$TTL 1h\n$INCLUDE \"bad.zone\"\n";

	ck_assert_int_eq(fata_dns_zone_parse(text, strlen(text), &opt, collect, &c, &err), FATA_EINVAL);
	ck_assert_str_eq(err.file, "bad.zone");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_str_eq(err.reason, "invalid A rdata: invalid IPv4 address");
	ck_assert_int_eq(c.count, 1);
}
END_TEST

START_TEST(zone_include_load_zone)
{
	struct fata_dns_name origin = name_of("example.com.");
	struct mem_fs fs = { 0 };
	struct fata_dns_zone_options opt = {
		.file = "base",
		.origin = &origin,
		.include = mem_include,
		.include_release = mem_release,
		.include_arg = &fs,
	};
	struct fata_dns_zone_error err;
	struct fata_dns_zone *zone;
	const char *text = "$TTL 3600\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n$INCLUDE ns.zone\n";
	int rc = fata_dns_zone_load(text, strlen(text), &opt, &zone, &err);

	ck_assert_msg(rc == 0, "%s:%u: %s", err.file, err.line, err.reason);
	ck_assert_uint_eq(fata_dns_zone_record_count(zone), 4);
	ck_assert_int_eq(fs.releases, 1);
	fata_dns_zone_unref(zone);
}
END_TEST

/* A single record never reads files, with or without a loader. */
START_TEST(zone_include_not_a_record)
{
	struct mem_fs fs = { 0 };
	struct fata_dns_zone_options opt = { .include = mem_include, .include_arg = &fs };
	struct fata_dns_zone_error err;
	struct fata_dns_rr rr;
	uint8_t rdata[64];

	ck_assert_int_eq(fata_dns_rr_parse("$INCLUDE apex.zone", 18, &opt, &rr, rdata, sizeof rdata,
			&err), FATA_EINVAL);
	ck_assert_str_eq(err.reason, "directives are not records");
	ck_assert_int_eq(fs.loads, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns_zone");
	TCase *tc = tcase_create("zone");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, zone_parse_full_syntax);
	tcase_add_test(tc, zone_parse_ttl_inheritance);
	tcase_add_loop_test(tc, zone_parse_errors, 0, sizeof error_cases / sizeof error_cases[0]);
	tcase_add_test(tc, zone_parse_relative_without_origin);
	tcase_add_test(tc, zone_parse_callback_error);
	tcase_add_test(tc, zone_load_and_edit);
	tcase_add_test(tc, zone_load_rejects);
	tcase_add_test(tc, zone_foreach_canonical_order);
	tcase_add_loop_test(tc, zone_include_records, 0,
			sizeof include_cases / sizeof include_cases[0]);
	tcase_add_loop_test(tc, zone_include_errors, 0,
			sizeof include_errors / sizeof include_errors[0]);
	tcase_add_test(tc, zone_include_name_too_long);
	tcase_add_test(tc, zone_include_loader_arguments);
	tcase_add_test(tc, zone_include_loop_depth_limit);
	tcase_add_test(tc, zone_include_long_display_name);
	tcase_add_test(tc, zone_include_callback_error);
	tcase_add_test(tc, zone_include_relative_domain_without_origin);
	tcase_add_test(tc, zone_include_name_as_written);
	tcase_add_test(tc, zone_include_load_zone);
	tcase_add_test(tc, zone_include_not_a_record);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

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
	{ "$INCLUDE other.zone\n", 1, "$INCLUDE is not supported" },
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
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * The message codec: names in wire and text form, hostile compression,
 * canonical order, message building with compression and truncation, and
 * every record type through wire and text and back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_zone.h>
#include <fata/error.h>

static struct fata_dns_name name_of(const char *text)
{
	struct fata_dns_name n;

	ck_assert_int_eq(fata_dns_name_parse(text, strlen(text), NULL, &n), 0);
	return n;
}

START_TEST(name_text_round_trip)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "example.com.", "example.com." },
		{ ".", "." },
		{ "a\\.b.example.", "a\\.b.example." },
		{ "\\065bc.example.", "Abc.example." },
		{ "sp\\ ace.example.", "sp\\032ace.example." },
		{ "\\000\\255.example.", "\\000\\255.example." },
		{ "semi\\;colon.example.", "semi\\;colon.example." },
		{ "at\\@sign.example.", "at\\@sign.example." },
	};
	char buf[FATA_DNS_NAME_TEXT_MAX];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fata_dns_name n = name_of(cases[i].in);

		ck_assert_int_gt(fata_dns_name_format(&n, buf, sizeof buf), 0);
		ck_assert_str_eq(buf, cases[i].out);
	}
}
END_TEST

START_TEST(name_text_relative_and_origin)
{
	struct fata_dns_name origin = name_of("example.com."), n;
	char buf[FATA_DNS_NAME_TEXT_MAX];

	ck_assert_int_eq(fata_dns_name_parse("www", 3, &origin, &n), 0);
	fata_dns_name_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "www.example.com.");
	ck_assert_int_eq(n.labels, 3);

	ck_assert_int_eq(fata_dns_name_parse("@", 1, &origin, &n), 0);
	ck_assert_int_eq(fata_dns_name_equal(&n, &origin), 1);

	ck_assert_int_eq(fata_dns_name_parse("www", 3, NULL, &n), FATA_EINVAL);
	ck_assert_int_eq(fata_dns_name_parse("@", 1, NULL, &n), FATA_EINVAL);
}
END_TEST

START_TEST(name_text_invalid)
{
	char label64[80], long_name[300];
	struct fata_dns_name n;

	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".");
	/* 128 one-letter labels: 256 bytes of wire format. */
	for (int i = 0; i < 128; i++) {
		long_name[2 * i] = 'x';
		long_name[2 * i + 1] = '.';
	}
	long_name[256] = '\0';

	ck_assert_int_eq(fata_dns_name_parse(label64, strlen(label64), NULL, &n), FATA_EINVAL);
	ck_assert_int_eq(fata_dns_name_parse(long_name, strlen(long_name), NULL, &n), FATA_EINVAL);
	/* 127 labels make 255 bytes, the maximum. */
	ck_assert_int_eq(fata_dns_name_parse(long_name + 2, strlen(long_name) - 2, NULL, &n), 0);
	ck_assert_int_eq(n.len, 255);
	ck_assert_int_eq(fata_dns_name_parse("a..b.", 5, NULL, &n), FATA_EINVAL);
	ck_assert_int_eq(fata_dns_name_parse(".a.", 3, NULL, &n), FATA_EINVAL);
	ck_assert_int_eq(fata_dns_name_parse("a\\256.", 6, NULL, &n), FATA_EINVAL);
	ck_assert_int_eq(fata_dns_name_parse("a\\25", 4, NULL, &n), FATA_EINVAL);
	ck_assert_int_eq(fata_dns_name_parse("a\\", 2, NULL, &n), FATA_EINVAL);
	ck_assert_int_eq(fata_dns_name_parse("", 0, NULL, &n), FATA_EINVAL);
}
END_TEST

START_TEST(name_compare_canonical_order)
{
	/* The sorted example of RFC 4034 section 6.1. */
	static const char *const sorted[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	size_t n = sizeof sorted / sizeof sorted[0];

	for (size_t i = 0; i < n; i++) {
		struct fata_dns_name a = name_of(sorted[i]);

		ck_assert_int_eq(fata_dns_name_compare(&a, &a), 0);
		for (size_t j = i + 1; j < n; j++) {
			struct fata_dns_name b = name_of(sorted[j]);

			ck_assert_int_lt(fata_dns_name_compare(&a, &b), 0);
			ck_assert_int_gt(fata_dns_name_compare(&b, &a), 0);
		}
	}
}
END_TEST

START_TEST(name_relations)
{
	struct fata_dns_name a = name_of("WWW.Example.COM."), b = name_of("www.example.com.");
	struct fata_dns_name parent = name_of("example.com."), out;
	char buf[FATA_DNS_NAME_TEXT_MAX];

	ck_assert_int_eq(fata_dns_name_equal(&a, &b), 1);
	ck_assert_int_eq(fata_dns_name_is_subdomain(&a, &parent), 1);
	ck_assert_int_eq(fata_dns_name_is_subdomain(&parent, &a), 0);
	ck_assert_int_eq(fata_dns_name_is_subdomain(&parent, &parent), 1);

	ck_assert_int_eq(fata_dns_name_suffix(&a, 2, &out), 0);
	ck_assert_int_eq(fata_dns_name_equal(&out, &parent), 1);
	ck_assert_int_eq(fata_dns_name_suffix(&a, 4, &out), FATA_EINVAL);
	ck_assert_int_eq(fata_dns_name_prepend(&parent, "*", 1, &out), 0);
	ck_assert_int_eq(fata_dns_name_is_wildcard(&out), 1);
	fata_dns_name_format(&out, buf, sizeof buf);
	ck_assert_str_eq(buf, "*.example.com.");

	fata_dns_name_lower(&a);
	fata_dns_name_format(&a, buf, sizeof buf);
	ck_assert_str_eq(buf, "www.example.com.");
}
END_TEST

/* A 12-byte header with one question, then `body`. */
static size_t message_with(uint8_t *msg, const uint8_t *body, size_t len)
{
	static const uint8_t header[12] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };

	memcpy(msg, header, 12);
	memcpy(msg + 12, body, len);
	return 12 + len;
}

START_TEST(name_read_hostile_compression)
{
	static const struct {
		const char *what;
		uint8_t body[16];
		size_t len;
		size_t start;
	} cases[] = {
		{ "pointer to itself", { 0xc0, 0x0c }, 2, 12 },
		{ "pointer forward", { 0xc0, 0x0e, 0x01, 'a', 0x00 }, 5, 12 },
		{ "pointer into the header", { 0xc0, 0x02 }, 2, 12 },
		{ "label then pointer back to its own start", { 0x01, 'a', 0xc0, 0x0c }, 4, 12 },
		{ "two pointers in a loop", { 0x01, 'a', 0x00, 0xc0, 0x11, 0xc0, 0x0f }, 7, 15 },
		{ "reserved label type 01", { 0x41, 'a', 0x00 }, 3, 12 },
		{ "reserved label type 10", { 0x81, 'a', 0x00 }, 3, 12 },
		{ "label beyond the end", { 0x05, 'a', 'b' }, 3, 12 },
		{ "missing root label", { 0x01, 'a' }, 2, 12 },
		{ "pointer cut in half", { 0x01, 'a', 0xc0 }, 3, 12 },
	};
	uint8_t msg[64];
	struct fata_dns_name n;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = message_with(msg, cases[i].body, cases[i].len);
		size_t pos = cases[i].start;

		ck_assert_msg(fata_dns_name_read(msg, len, &pos, &n) == FATA_EBADMSG, "%s accepted",
				cases[i].what);
	}
}
END_TEST

START_TEST(name_read_too_long_through_pointers)
{
	/* Each name adds 63-byte labels and points back to the previous one,
	 * so the last expands past 255 bytes although every piece is short. */
	uint8_t msg[1024];
	size_t len = 12, prev = 0;
	struct fata_dns_name n;

	memset(msg, 0, 12);
	for (int k = 0; k < 5; k++) {
		size_t start = len;

		msg[len++] = 63;
		memset(msg + len, 'a' + k, 63);
		len += 63;
		if (k == 0) {
			msg[len++] = 0;
		} else {
			msg[len++] = (uint8_t)(0xc0 | prev >> 8);
			msg[len++] = (uint8_t)prev;
		}
		prev = start;
	}

	size_t pos = 12;

	ck_assert_int_eq(fata_dns_name_read(msg, len, &pos, &n), 0);
	ck_assert_int_eq(n.len, 65);
	pos = prev;
	ck_assert_int_eq(fata_dns_name_read(msg, len, &pos, &n), FATA_EBADMSG);
}
END_TEST

START_TEST(name_read_valid_pointer)
{
	uint8_t body[] = { 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00, 0x03, 'w', 'w', 'w', 0xc0, 0x0c };
	uint8_t msg[64];
	size_t len = message_with(msg, body, sizeof body), pos = 21;
	struct fata_dns_name n;
	char buf[FATA_DNS_NAME_TEXT_MAX];

	ck_assert_int_eq(fata_dns_name_read(msg, len, &pos, &n), 0);
	ck_assert_uint_eq(pos, len);
	fata_dns_name_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "www.example.");
}
END_TEST

static void rr_from_text(const char *text, struct fata_dns_rr *rr, uint8_t *rdata)
{
	struct fata_dns_zone_error err;
	int rc = fata_dns_rr_parse(text, strlen(text), NULL, rr, rdata, 65535, &err);

	ck_assert_msg(rc == 0, "'%s': line %u: %s", text, err.line, err.reason);
}

START_TEST(message_compression)
{
	static uint8_t rd1[65535], rd2[65535];
	struct fata_dns_rr cname, a;
	struct fata_dns_question q = { .type = FATA_DNS_TYPE_A, .class_ = FATA_DNS_CLASS_IN };
	uint8_t packed[512], plain[512];
	struct fata_dns_builder b;
	size_t packed_len, plain_len;

	rr_from_text("www.example.com. 300 IN CNAME web.example.com.", &cname, rd1);
	rr_from_text("web.example.com. 300 IN A 192.0.2.3", &a, rd2);
	q.name = name_of("www.example.com.");

	for (int compress = 1; compress >= 0; compress--) {
		uint8_t *buf = compress ? packed : plain;

		fata_dns_builder_init(&b, buf, 512, 7, FATA_DNS_FLAG_QR);
		fata_dns_builder_set_compress(&b, compress);
		ck_assert_int_eq(fata_dns_build_question(&b, &q), 0);
		ck_assert_int_eq(fata_dns_build_rr(&b, FATA_DNS_SECTION_ANSWER, &cname), 0);
		ck_assert_int_eq(fata_dns_build_rr(&b, FATA_DNS_SECTION_ANSWER, &a), 0);
		if (compress)
			packed_len = fata_dns_builder_finish(&b);
		else
			plain_len = fata_dns_builder_finish(&b);
	}

	/* Question 17+4; CNAME owner pointer 2+10, rdata "web"+pointer 6;
	 * A owner pointer 2+10+4. */
	ck_assert_uint_eq(packed_len, 12 + 21 + 12 + 6 + 16);
	ck_assert_uint_lt(packed_len, plain_len);

	/* Both forms parse to the same records. */
	for (int k = 0; k < 2; k++) {
		struct fata_dns_parser p;
		struct fata_dns_rr rr;
		struct fata_dns_question q2;
		enum fata_dns_section sec;

		ck_assert_int_eq(fata_dns_parser_init(&p, k ? packed : plain, k ? packed_len : plain_len), 0);
		ck_assert_int_eq(p.header.id, 7);
		ck_assert_int_eq(fata_dns_parse_question(&p, &q2), 0);
		ck_assert_int_eq(fata_dns_name_equal(&q2.name, &q.name), 1);
		ck_assert_int_eq(fata_dns_parse_rr(&p, &rr, &sec), 0);
		ck_assert_int_eq(sec, FATA_DNS_SECTION_ANSWER);
		ck_assert_int_eq(rr.type, FATA_DNS_TYPE_CNAME);
		ck_assert_int_eq(rr.rdlen, cname.rdlen);
		ck_assert_int_eq(memcmp(rr.rdata, cname.rdata, rr.rdlen), 0);
		ck_assert_int_eq(fata_dns_parse_rr(&p, &rr, &sec), 0);
		ck_assert_int_eq(rr.type, FATA_DNS_TYPE_A);
		ck_assert_int_eq(fata_dns_parse_rr(&p, &rr, &sec), FATA_ENOENT);
		ck_assert_int_eq(fata_dns_parser_finish(&p), 0);
	}
}
END_TEST

START_TEST(message_build_no_space_rolls_back)
{
	static uint8_t rd[65535];
	struct fata_dns_rr txt;
	struct fata_dns_question q = { .type = FATA_DNS_TYPE_TXT, .class_ = FATA_DNS_CLASS_IN };
	uint8_t buf[64];
	struct fata_dns_builder b;
	size_t before;

	rr_from_text("t.example. 60 IN TXT \"0123456789012345678901234567890123456789\"", &txt, rd);
	q.name = name_of("t.example.");
	fata_dns_builder_init(&b, buf, sizeof buf, 1, 0);
	ck_assert_int_eq(fata_dns_build_question(&b, &q), 0);
	before = b.len;
	ck_assert_int_eq(fata_dns_build_rr(&b, FATA_DNS_SECTION_ANSWER, &txt), FATA_ENOSPC);
	ck_assert_uint_eq(b.len, before);
	ck_assert_int_eq(b.header.count[1], 0);
	ck_assert_int_eq(fata_dns_build_question(&b, &q), 0);

	/* Out of order: a question after a record. */
	rr_from_text("t.example. 60 IN A 192.0.2.1", &txt, rd);
	ck_assert_int_eq(fata_dns_build_rr(&b, FATA_DNS_SECTION_ADDITIONAL, &txt), 0);
	ck_assert_int_eq(fata_dns_build_rr(&b, FATA_DNS_SECTION_ANSWER, &txt), FATA_ESTATE);
	ck_assert_int_eq(fata_dns_build_question(&b, &q), FATA_ESTATE);

	fata_dns_builder_truncate(&b);
	ck_assert_int_eq(b.header.count[3], 0);
	ck_assert_int_eq(b.header.count[0], 2);
}
END_TEST

START_TEST(message_parse_truncated_prefixes)
{
	static uint8_t rd[65535];
	struct fata_dns_rr soa;
	struct fata_dns_question q = { .type = FATA_DNS_TYPE_SOA, .class_ = FATA_DNS_CLASS_IN };
	uint8_t buf[512];
	struct fata_dns_builder b;
	size_t len;

	rr_from_text("example. 60 IN SOA ns.example. admin.example. 1 2 3 4 5", &soa, rd);
	q.name = name_of("example.");
	fata_dns_builder_init(&b, buf, sizeof buf, 1, 0);
	fata_dns_build_question(&b, &q);
	fata_dns_build_rr(&b, FATA_DNS_SECTION_AUTHORITY, &soa);
	len = fata_dns_builder_finish(&b);

	/* Every strict prefix of the message must fail to parse, never crash. */
	for (size_t cut = 0; cut < len; cut++) {
		struct fata_dns_parser p;
		int rc = fata_dns_parser_init(&p, buf, cut);

		if (rc == 0)
			rc = fata_dns_parser_finish(&p);
		ck_assert_msg(rc == FATA_EBADMSG, "prefix of %zu bytes accepted", cut);
	}

	struct fata_dns_parser p;

	ck_assert_int_eq(fata_dns_parser_init(&p, buf, len), 0);
	ck_assert_int_eq(fata_dns_parser_finish(&p), 0);
}
END_TEST

START_TEST(message_rdata_with_bad_compression)
{
	/* An NS record whose rdata pointer points forward. */
	uint8_t msg[] = {
		0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0,
		0x00, 0, 2, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 0x30,
	};
	struct fata_dns_parser p;
	struct fata_dns_rr rr;

	fata_dns_parser_init(&p, msg, sizeof msg);
	ck_assert_int_eq(fata_dns_parse_rr(&p, &rr, NULL), FATA_EBADMSG);
	/* The error latches. */
	ck_assert_int_eq(fata_dns_parse_rr(&p, &rr, NULL), FATA_EBADMSG);
}
END_TEST

START_TEST(message_svcb_mandatory_key_missing)
{
	/*
	 * An SVCB record (priority 2048, target ".") whose "mandatory" lists
	 * key64, which the record does not carry: RFC 9460 section 8 makes that
	 * malformed on the wire as in zone files.
	 */
	uint8_t msg[] = {
		0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0,
		0x00, 0, 64, 0, 1, 0, 0, 0, 60, 0, 13,
		0x08, 0x00, 0x00, 0, 0, 0, 2, 0, 64, 0x20, 0, 0, 0,
	};
	struct fata_dns_parser p;
	struct fata_dns_rr rr;

	fata_dns_parser_init(&p, msg, sizeof msg);
	ck_assert_int_eq(fata_dns_parse_rr(&p, &rr, NULL), FATA_EBADMSG);
}
END_TEST

START_TEST(message_svcb_mandatory_lists_itself)
{
	/* "mandatory" may not list key 0, itself (RFC 9460 section 8). */
	uint8_t msg[] = {
		0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0,
		0x00, 0, 64, 0, 1, 0, 0, 0, 60, 0, 9,
		0, 1, 0x00, 0, 0, 0, 2, 0, 0,
	};
	struct fata_dns_parser p;
	struct fata_dns_rr rr;

	fata_dns_parser_init(&p, msg, sizeof msg);
	ck_assert_int_eq(fata_dns_parse_rr(&p, &rr, NULL), FATA_EBADMSG);
}
END_TEST

START_TEST(message_svcb_reserved_key)
{
	/* An HTTPS record (priority 33, target ".") carrying key 65535, the reserved invalid key. */
	uint8_t msg[] = {
		0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0,
		0x00, 0, 65, 0, 1, 0, 0, 0, 60, 0, 8,
		0, 33, 0x00, 0xff, 0xff, 0, 1, 0,
	};
	struct fata_dns_parser p;
	struct fata_dns_rr rr;

	fata_dns_parser_init(&p, msg, sizeof msg);
	ck_assert_int_eq(fata_dns_parse_rr(&p, &rr, NULL), FATA_EBADMSG);
}
END_TEST

/* Every type through text, wire, text: input line and the line the formatter writes. */
static const struct {
	const char *in;
	const char *out; /* NULL: the same as `in` */
} rr_cases[] = {
	{ "a.example. 300 IN A 192.0.2.1", NULL },
	{ "a.example. 300 IN NS ns1.example.", NULL },
	{ "a.example. 300 IN CNAME b.example.", NULL },
	{ "example. 3600 IN SOA ns1.example. hostmaster.example. 2024010101 3h 15m 1w 5m",
		"example. 3600 IN SOA ns1.example. hostmaster.example. 2024010101 10800 900 604800 300" },
	{ "4.2.0.192.in-addr.arpa. 300 IN PTR host.example.", NULL },
	{ "a.example. 300 IN MX 10 mail.example.", NULL },
	{ "a.example. 300 IN TXT \"hello world\" \"second\" plain",
		"a.example. 300 IN TXT \"hello world\" \"second\" \"plain\"" },
	{ "a.example. 300 IN TXT \"quote\\\" back\\\\slash \\001 \\233\"", NULL },
	{ "a.example. 300 IN AAAA 2001:db8::1", NULL },
	{ "_sip._tcp.example. 300 IN SRV 0 5 5060 sip.example.", NULL },
	{ "a.example. 300 IN DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", NULL },
	{ "a.example. 300 IN DS 60485 5 1 2bb183af5f22588179a5 3b0a98631fad1a292118",
		"a.example. 300 IN DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118" },
	{ "a.example. 300 IN RRSIG A 8 2 3600 20240101000000 20231201120000 12345 example. AQIDBAUG",
		NULL },
	{ "a.example. 300 IN RRSIG A 8 2 3600 1704067200 20231201120000 12345 example. AQID BAUG",
		"a.example. 300 IN RRSIG A 8 2 3600 20240101000000 20231201120000 12345 example. AQIDBAUG" },
	{ "host.example. 300 IN NSEC next.example. A MX RRSIG NSEC TYPE1234", NULL },
	{ "example. 300 IN DNSKEY 257 3 8 AwEAAag=", NULL },
	{ "example. 300 IN DNSKEY 257 3 8 AwE AAag=", "example. 300 IN DNSKEY 257 3 8 AwEAAag=" },
	{ "x.example. 300 IN NSEC3 1 1 12 AABBCCDD 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG", NULL },
	{ "x.example. 300 IN NSEC3 1 0 0 - 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S", NULL },
	{ "example. 0 IN NSEC3PARAM 1 0 0 -", NULL },
	{ "_443._tcp.example. 300 IN TLSA 3 1 1 0123456789ABCDEF", NULL },
	{ "svc.example. 300 IN SVCB 1 svc.example. alpn=\"h2,h3\" port=8443 ipv4hint=192.0.2.1,192.0.2.2",
		NULL },
	{ "svc.example. 300 IN SVCB 1 . port=53 mandatory=port ech=AQID ipv6hint=2001:db8::1 no-default-alpn alpn=h2 key65000=\"v\"",
		"svc.example. 300 IN SVCB 1 . mandatory=port alpn=\"h2\" no-default-alpn port=53 ech=AQID ipv6hint=2001:db8::1 key65000=\"v\"" },
	{ "svc.example. 300 IN SVCB 1 . alpn=\"a\\\\,b,c\"", NULL },
	{ "example. 300 IN HTTPS 0 svc.example.", NULL },
	{ "example. 300 IN CAA 0 issue \"ca.example.net\"", NULL },
	{ "example. 300 IN CAA 128 tbs \"Unknown\"", NULL },
	{ "key.example. 0 ANY TSIG hmac-sha256. 1700000000 300 4 AQIDBA== 4321 0 0", NULL },
	{ "key.example. 0 ANY TSIG hmac-sha256. 1700000000 300 0 4321 18 6 AAAAAAAB",
		NULL },
	{ ". 0 CLASS1232 OPT 10:0102 12:", NULL },
	{ ". 0 CLASS4096 OPT", NULL },
	{ "a.example. 300 IN TYPE65280 \\# 3 ABCDEF", NULL },
	{ "a.example. 300 IN TYPE65280 \\# 0", NULL },
	{ "a.example. 300 IN A \\# 4 C0000201", "a.example. 300 IN A 192.0.2.1" },
	{ "a.example. 300 CLASS42 A 192.0.2.1", NULL },
};

START_TEST(rr_every_type_round_trip)
{
	static uint8_t rd1[65535], rd2[65535];
	const char *want = rr_cases[_i].out ? rr_cases[_i].out : rr_cases[_i].in;
	struct fata_dns_rr rr, back, again;
	struct fata_dns_builder b;
	struct fata_dns_parser p;
	static uint8_t msg[65535];
	static char text[200000];
	size_t len;

	rr_from_text(rr_cases[_i].in, &rr, rd1);
	ck_assert_int_eq(fata_dns_rdata_check(rr.type, rr.rdata, rr.rdlen), 0);

	/* Wire: into a message and out again. */
	fata_dns_builder_init(&b, msg, sizeof msg, 1, 0);
	ck_assert_int_eq(fata_dns_build_rr(&b, FATA_DNS_SECTION_ADDITIONAL, &rr), 0);
	len = fata_dns_builder_finish(&b);
	fata_dns_parser_init(&p, msg, len);
	ck_assert_int_eq(fata_dns_parse_rr(&p, &back, NULL), 0);
	ck_assert_int_eq(back.type, rr.type);
	ck_assert_int_eq(back.class_, rr.class_);
	ck_assert_int_eq(back.ttl, rr.ttl);
	ck_assert_int_eq(back.rdlen, rr.rdlen);
	ck_assert_int_eq(memcmp(back.rdata, rr.rdata, rr.rdlen), 0);
	ck_assert_int_eq(fata_dns_name_equal(&back.owner, &rr.owner), 1);

	/* Text: the formatter's line, which must parse to the same rdata. */
	ck_assert_int_gt(fata_dns_rr_format(&back, text, sizeof text), 0);
	ck_assert_str_eq(text, want);
	rr_from_text(text, &again, rd2);
	ck_assert_int_eq(again.rdlen, rr.rdlen);
	ck_assert_int_eq(memcmp(again.rdata, rr.rdata, rr.rdlen), 0);
	ck_assert_int_eq(fata_dns_rdata_compare(rr.type, again.rdata, again.rdlen, rr.rdata,
			rr.rdlen), 0);
}
END_TEST

START_TEST(rdata_invalid_text)
{
	static const char *const bad[] = {
		"a.example. 300 IN A 192.0.2",
		"a.example. 300 IN A 2001:db8::1",
		"a.example. 300 IN AAAA 192.0.2.1",
		"a.example. 300 IN MX 65536 mail.example.",
		"a.example. 300 IN MX 10",
		"a.example. 300 IN MX 10 mail.example. extra",
		"a.example. 300 IN TXT",
		"a.example. 300 IN DS 1 2 3 XYZ",
		"a.example. 300 IN CAA 0 bad-tag \"x\"",
		"a.example. 300 IN TYPE65280 \\# 2 ABCDEF",
		"a.example. 300 IN TYPE65280 123",
		"a.example. 300 IN A \\# 3 C00002",
		"a.example. 300 IN SVCB 1 . port=70000",
		"a.example. 300 IN SVCB 1 . port=1 port=2",
		"a.example. 300 IN SVCB 1 . mandatory=alpn",
		"a.example. 300 IN SVCB 1 . alpn=",
		"a.example. 300 IN NSEC3 1 1 12 - -",
		"a.example. 300 IN RRSIG A 8 2 3600 20241301000000 20231201120000 1 example. AQID",
		"a.example. 300 IN BOGUS 1",
	};
	struct fata_dns_zone_error err;
	struct fata_dns_rr rr;
	static uint8_t rd[65535];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(fata_dns_rr_parse(bad[i], strlen(bad[i]), NULL, &rr, rd, sizeof rd, &err)
				== FATA_EINVAL, "accepted: %s", bad[i]);
}
END_TEST

START_TEST(rdata_compare_canonical_case)
{
	static uint8_t a[65535], b[65535];
	struct fata_dns_rr x, y;

	rr_from_text("e. 1 IN MX 10 MAIL.example.", &x, a);
	rr_from_text("e. 1 IN MX 10 mail.EXAMPLE.", &y, b);
	ck_assert_int_eq(fata_dns_rdata_compare(x.type, x.rdata, x.rdlen, y.rdata, y.rdlen), 0);
	/* TXT data is not a name, so case matters. */
	rr_from_text("e. 1 IN TXT \"A\"", &x, a);
	rr_from_text("e. 1 IN TXT \"a\"", &y, b);
	ck_assert_int_lt(fata_dns_rdata_compare(x.type, x.rdata, x.rdlen, y.rdata, y.rdlen), 0);
}
END_TEST

START_TEST(serial_arithmetic)
{
	ck_assert_int_eq(fata_dns_serial_compare(1, 2), -1);
	ck_assert_int_eq(fata_dns_serial_compare(2, 1), 1);
	ck_assert_int_eq(fata_dns_serial_compare(5, 5), 0);
	ck_assert_int_eq(fata_dns_serial_compare(0xffffffffu, 0), -1);
	ck_assert_int_eq(fata_dns_serial_compare(0, 0xffffffffu), 1);
	ck_assert_int_eq(fata_dns_serial_compare(0, 0x80000000u), 2);
	ck_assert_int_eq(fata_dns_serial_compare(0, 0x7fffffffu), -1);
}
END_TEST

START_TEST(type_class_text)
{
	char buf[16];
	uint16_t v;

	ck_assert_int_eq(fata_dns_type_parse("aaaa", 4, &v), 0);
	ck_assert_int_eq(v, FATA_DNS_TYPE_AAAA);
	ck_assert_int_eq(fata_dns_type_parse("TYPE65535", 9, &v), 0);
	ck_assert_int_eq(v, 65535);
	ck_assert_int_eq(fata_dns_type_parse("TYPE65536", 9, &v), FATA_EINVAL);
	ck_assert_int_eq(fata_dns_type_parse("TYPE", 4, &v), FATA_EINVAL);
	ck_assert_int_eq(fata_dns_type_format(4242, buf, sizeof buf), 8);
	ck_assert_str_eq(buf, "TYPE4242");
	ck_assert_int_eq(fata_dns_class_parse("class3", 6, &v), 0);
	ck_assert_int_eq(v, FATA_DNS_CLASS_CH);
	fata_dns_class_format(FATA_DNS_CLASS_NONE, buf, sizeof buf);
	ck_assert_str_eq(buf, "NONE");
	ck_assert_str_eq(fata_dns_rcode_name(FATA_DNS_RCODE_NXDOMAIN), "NXDOMAIN");
	ck_assert_str_eq(fata_dns_rcode_name(FATA_DNS_RCODE_BADTIME), "BADTIME");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns_codec");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, name_text_round_trip);
	tcase_add_test(tc, name_text_relative_and_origin);
	tcase_add_test(tc, name_text_invalid);
	tcase_add_test(tc, name_compare_canonical_order);
	tcase_add_test(tc, name_relations);
	tcase_add_test(tc, name_read_hostile_compression);
	tcase_add_test(tc, name_read_too_long_through_pointers);
	tcase_add_test(tc, name_read_valid_pointer);
	tcase_add_test(tc, message_compression);
	tcase_add_test(tc, message_build_no_space_rolls_back);
	tcase_add_test(tc, message_parse_truncated_prefixes);
	tcase_add_test(tc, message_rdata_with_bad_compression);
	tcase_add_test(tc, message_svcb_mandatory_key_missing);
	tcase_add_test(tc, message_svcb_mandatory_lists_itself);
	tcase_add_test(tc, message_svcb_reserved_key);
	tcase_add_loop_test(tc, rr_every_type_round_trip, 0, sizeof rr_cases / sizeof rr_cases[0]);
	tcase_add_test(tc, rdata_invalid_text);
	tcase_add_test(tc, rdata_compare_canonical_case);
	tcase_add_test(tc, serial_arithmetic);
	tcase_add_test(tc, type_class_text);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

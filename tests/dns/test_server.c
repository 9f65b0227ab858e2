/*
 * The server core (fata_dns_server_answer) with crafted requests. Queries
 * cover every answer kind of RFC 1034 4.3.2, RFC 4592 wildcards, RFC 2308
 * negative answers, EDNS(0), truncation and header errors. Updates cover
 * TSIG failures and every prerequisite and update kind of RFC 2136.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/dns_zone.h>
#include <fata/error.h>
#include <fata/loop.h>

#include "server_helpers.h"

#define NOW 1700000000u

static const char zone_text[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"@ SOA ns1 hostmaster 100 3h 15m 1w 300\n"
	"  NS ns1\n"
	"  NS ns2\n"
	"  MX 10 mail\n"
	"ns1 A 192.0.2.1\n"
	"ns2 A 192.0.2.2\n"
	"mail A 192.0.2.3\n"
	"  AAAA 2001:db8::3\n"
	"www CNAME web\n"
	"web A 192.0.2.4\n"
	"ext CNAME www.example.net.\n"
	"dangling CNAME missing\n"
	"loop1 CNAME loop2\n"
	"loop2 CNAME loop1\n"
	"*.wild TXT \"from the wildcard\"\n"
	"exist.wild A 192.0.2.5\n"
	"a.b.ent A 192.0.2.6\n"
	"sub NS ns.sub\n"
	"sub NS ns.elsewhere.net.\n"
	"sub DS 1 8 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766\n"
	"ns.sub A 192.0.2.7\n"
	"big TXT \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"1123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"2123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"3123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"4123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"5123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"6123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"7123456789012345678901234567890123456789012345678901234567890123456789\"\n";

static struct fata_loop *loop;
static struct fata_dns_server *srv;
static struct fata_dns_tsig_key key;
static const struct fata_sockaddr client = { .ip = { .family = FATA_AF_INET,
	.bytes = { 192, 0, 2, 99 } }, .port = 5000 };

static uint64_t fixed_time(void *ctx)
{
	(void)ctx;
	return NOW;
}

static void setup(void)
{
	struct fata_dns_name origin = test_name("example.com.");
	struct fata_dns_zone_options opt = { .file = "test", .origin = &origin };
	struct fata_dns_server_config config = { .wall_time = fixed_time };
	struct fata_dns_zone_error err;
	struct fata_dns_zone *zone;

	loop = fata_loop_new_virtual(0);
	ck_assert_ptr_nonnull(loop);
	ck_assert_int_eq(fata_dns_server_new(loop, &config, &srv), 0);
	ck_assert_int_eq(fata_dns_zone_load(zone_text, strlen(zone_text), &opt, &zone, &err), 0);
	ck_assert_int_eq(fata_dns_server_add_zone(srv, zone), 0);
	ck_assert_int_eq(fata_dns_server_add_zone(srv, zone), FATA_EEXIST);
	fata_dns_zone_unref(zone);

	memset(&key, 0, sizeof key);
	key.name = test_name("update-key.");
	key.alg = FATA_HASH_SHA256;
	key.secret_len = 32;
	memset(key.secret, 7, 32);
	ck_assert_int_eq(fata_dns_server_add_key(srv, &key), 0);
}

static void teardown(void)
{
	fata_dns_server_free(srv);
	fata_loop_free(loop);
}

static void exchange(const uint8_t *req, size_t len, int tcp, struct result *r)
{
	static uint8_t out[65535];
	size_t out_len;
	int rc = fata_dns_server_answer(srv, req, len, &client, tcp, out, sizeof out, &out_len);

	if (rc == FATA_ENOENT) {
		memset(r, 0, sizeof *r);
		return;
	}
	ck_assert_int_eq(rc, 0);
	read_result(out, out_len, r);
}

static void query(const char *name, uint16_t type, uint16_t edns, struct result *r)
{
	uint8_t req[512];
	size_t len = make_request(req, sizeof req, 0, name, type, edns, NULL, NULL, NULL);

	exchange(req, len, 0, r);
}

/* One query and what its response must hold. */
static const struct {
	const char *name;
	uint16_t type;
	unsigned rcode;
	int aa;
	uint16_t an, ns;
	const char *lines[4];
} queries[] = {
	{ "web.example.com.", FATA_DNS_TYPE_A, 0, 1, 1, 0,
		{ "an:web.example.com. 3600 IN A 192.0.2.4" } },
	{ "WWW.EXAMPLE.COM.", FATA_DNS_TYPE_A, 0, 1, 2, 0,
		{ "an:www.example.com. 3600 IN CNAME web.example.com.",
		  "an:web.example.com. 3600 IN A 192.0.2.4" } },
	{ "www.example.com.", FATA_DNS_TYPE_CNAME, 0, 1, 1, 0,
		{ "an:www.example.com. 3600 IN CNAME web.example.com." } },
	/* NXDOMAIN and NODATA carry the SOA with TTL min(SOA TTL, minimum) (RFC 2308 3). */
	{ "nope.example.com.", FATA_DNS_TYPE_A, 3, 1, 0, 1,
		{ "ns:example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 100 10800 900 604800 300" } },
	{ "ns1.example.com.", FATA_DNS_TYPE_MX, 0, 1, 0, 1,
		{ "ns:example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 100 10800 900 604800 300" } },
	/* Empty non-terminals exist: NODATA, not NXDOMAIN (RFC 4592 2.2.2). */
	{ "b.ent.example.com.", FATA_DNS_TYPE_A, 0, 1, 0, 1, { NULL } },
	{ "ent.example.com.", FATA_DNS_TYPE_A, 0, 1, 0, 1, { NULL } },
	/* Wildcards answer with the query name as owner. */
	{ "x.wild.example.com.", FATA_DNS_TYPE_TXT, 0, 1, 1, 0,
		{ "an:x.wild.example.com. 3600 IN TXT \"from the wildcard\"" } },
	{ "a.b.c.wild.example.com.", FATA_DNS_TYPE_TXT, 0, 1, 1, 0,
		{ "an:a.b.c.wild.example.com. 3600 IN TXT \"from the wildcard\"" } },
	{ "x.wild.example.com.", FATA_DNS_TYPE_A, 0, 1, 0, 1, { NULL } },
	/* An existing name blocks the wildcard: its closest encloser has no "*". */
	{ "exist.wild.example.com.", FATA_DNS_TYPE_TXT, 0, 1, 0, 1, { NULL } },
	{ "below.exist.wild.example.com.", FATA_DNS_TYPE_TXT, 3, 1, 0, 1, { NULL } },
	{ "*.wild.example.com.", FATA_DNS_TYPE_TXT, 0, 1, 1, 0,
		{ "an:*.wild.example.com. 3600 IN TXT \"from the wildcard\"" } },
	/* Delegations: referral with AA off, NS in authority, glue in additional. */
	{ "host.sub.example.com.", FATA_DNS_TYPE_A, 0, 0, 0, 2,
		{ "ns:sub.example.com. 3600 IN NS ns.sub.example.com.",
		  "ns:sub.example.com. 3600 IN NS ns.elsewhere.net.",
		  "ar:ns.sub.example.com. 3600 IN A 192.0.2.7" } },
	{ "sub.example.com.", FATA_DNS_TYPE_NS, 0, 0, 0, 2,
		{ "ar:ns.sub.example.com. 3600 IN A 192.0.2.7" } },
	{ "ns.sub.example.com.", FATA_DNS_TYPE_A, 0, 0, 0, 2, { NULL } },
	/* DS belongs to the parent side of the cut. */
	{ "sub.example.com.", FATA_DNS_TYPE_DS, 0, 1, 1, 0,
		{ "an:sub.example.com. 3600 IN DS 1 8 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766" } },
	/* CNAME chains: outside the zone they stop; a loop stops at the limit. */
	{ "ext.example.com.", FATA_DNS_TYPE_A, 0, 1, 1, 0,
		{ "an:ext.example.com. 3600 IN CNAME www.example.net." } },
	{ "dangling.example.com.", FATA_DNS_TYPE_A, 3, 1, 1, 1,
		{ "an:dangling.example.com. 3600 IN CNAME missing.example.com." } },
	{ "loop1.example.com.", FATA_DNS_TYPE_A, 0, 1, 9, 0,
		{ "an:loop1.example.com. 3600 IN CNAME loop2.example.com." } },
	/* Additional section processing for MX. */
	{ "example.com.", FATA_DNS_TYPE_MX, 0, 1, 1, 0,
		{ "an:example.com. 3600 IN MX 10 mail.example.com.",
		  "ar:mail.example.com. 3600 IN A 192.0.2.3",
		  "ar:mail.example.com. 3600 IN AAAA 2001:db8::3" } },
	{ "mail.example.com.", FATA_DNS_TYPE_ANY, 0, 1, 2, 0, { NULL } },
	/* Outside every zone. */
	{ "www.example.org.", FATA_DNS_TYPE_A, 5, 0, 0, 0, { NULL } },
	{ "com.", FATA_DNS_TYPE_A, 5, 0, 0, 0, { NULL } },
	/* Transfers need TCP; IXFR over UDP gets the SOA (RFC 1995 2). */
	{ "example.com.", FATA_DNS_TYPE_AXFR, 1, 0, 0, 0, { NULL } },
	{ "example.com.", FATA_DNS_TYPE_IXFR, 0, 1, 1, 0,
		{ "an:example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 100 10800 900 604800 300" } },
};

START_TEST(query_answers)
{
	struct result r;

	query(queries[_i].name, queries[_i].type, 0, &r);
	ck_assert_int_eq(r.answered, 1);
	ck_assert_uint_eq(r.rcode, queries[_i].rcode);
	ck_assert_int_eq(!!(r.flags & FATA_DNS_FLAG_AA), queries[_i].aa);
	ck_assert_int_eq(!!(r.flags & FATA_DNS_FLAG_QR), 1);
	ck_assert_int_eq(!!(r.flags & FATA_DNS_FLAG_TC), 0);
	ck_assert_uint_eq(r.count[1], queries[_i].an);
	ck_assert_uint_eq(r.count[2], queries[_i].ns);
	for (int k = 0; k < 4 && queries[_i].lines[k]; k++)
		ck_assert_msg(has_line(&r, queries[_i].lines[k]), "missing '%s' (got %d lines, first '%s')",
				queries[_i].lines[k], r.nlines, r.lines[0]);
}
END_TEST

START_TEST(query_truncation_and_edns)
{
	struct result r;

	/* Eight 70-byte strings exceed 512 bytes: TC without EDNS... */
	query("big.example.com.", FATA_DNS_TYPE_TXT, 0, &r);
	ck_assert_int_eq(!!(r.flags & FATA_DNS_FLAG_TC), 1);
	ck_assert_uint_eq(r.count[1], 0);
	ck_assert_uint_eq(r.count[0], 1);
	ck_assert_int_eq(r.has_opt, 0);
	/* ...and an OPT asking for 512 gets the same, with OPT. */
	query("big.example.com.", FATA_DNS_TYPE_TXT, 100, &r);
	ck_assert_int_eq(!!(r.flags & FATA_DNS_FLAG_TC), 1);
	ck_assert_int_eq(r.has_opt, 1);
	/* With 1232 bytes everything fits. */
	query("big.example.com.", FATA_DNS_TYPE_TXT, 1232, &r);
	ck_assert_int_eq(!!(r.flags & FATA_DNS_FLAG_TC), 0);
	ck_assert_uint_eq(r.count[1], 8);
	ck_assert_int_eq(r.has_opt, 1);

	/* Over TCP the limit is 65535 bytes. */
	uint8_t req[512];
	size_t len = make_request(req, sizeof req, 0, "big.example.com.", FATA_DNS_TYPE_TXT, 0,
			NULL, NULL, NULL);

	exchange(req, len, 1, &r);
	ck_assert_int_eq(!!(r.flags & FATA_DNS_FLAG_TC), 0);
	ck_assert_uint_eq(r.count[1], 8);
}
END_TEST

START_TEST(query_header_errors)
{
	uint8_t req[512];
	size_t len;
	struct result r;
	static const char *const opt_in_answer[] = { ". 0 CLASS512 OPT", NULL };
	static const char *const second_opt[] = { ". 0 CLASS512 OPT", NULL };
	static const char *const opt_bad_owner[] = { "x. 0 CLASS512 OPT", NULL };

	/* STATUS (2) and an unassigned opcode: NOTIMP. */
	len = make_request(req, sizeof req, 2 << 11, "example.com.", FATA_DNS_TYPE_A, 0, NULL, NULL, NULL);
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOTIMP);
	ck_assert_int_eq(fata_dns_flags_opcode(r.flags), 2);
	len = make_request(req, sizeof req, 9 << 11, "example.com.", FATA_DNS_TYPE_A, 0, NULL, NULL, NULL);
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOTIMP);

	/* No question: FORMERR. */
	len = make_request(req, sizeof req, 0, NULL, 0, 0, NULL, NULL, NULL);
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_FORMERR);

	/* Two questions: FORMERR. */
	len = make_request(req, sizeof req, 0, "example.com.", FATA_DNS_TYPE_A, 0, NULL, NULL, NULL);
	memcpy(req + len, req + 12, len - 12);
	len = len + len - 12;
	req[5] = 2;
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_FORMERR);

	/* A response is never answered. */
	len = make_request(req, sizeof req, FATA_DNS_FLAG_QR, "example.com.", FATA_DNS_TYPE_A, 0,
			NULL, NULL, NULL);
	exchange(req, len, 0, &r);
	ck_assert_int_eq(r.answered, 0);
	/* Nor is a message shorter than a header. */
	exchange(req, 11, 0, &r);
	ck_assert_int_eq(r.answered, 0);

	/* Trailing bytes: FORMERR. */
	len = make_request(req, sizeof req, 0, "example.com.", FATA_DNS_TYPE_A, 0, NULL, NULL, NULL);
	req[len++] = 0;
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_FORMERR);

	/* OPT outside the additional section, two OPTs, OPT not owned by the root. */
	len = make_request(req, sizeof req, 0, "example.com.", FATA_DNS_TYPE_A, 0, opt_in_answer, NULL,
			NULL);
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_FORMERR);
	len = make_request(req, sizeof req, 0, "example.com.", FATA_DNS_TYPE_A, 512, NULL, NULL,
			second_opt);
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_FORMERR);
	len = make_request(req, sizeof req, 0, "example.com.", FATA_DNS_TYPE_A, 0, NULL, NULL,
			opt_bad_owner);
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_FORMERR);

	/* EDNS version 1: BADVERS, which needs the OPT's extended rcode bits. */
	len = make_request(req, sizeof req, 0, "example.com.", FATA_DNS_TYPE_A, 1232, NULL, NULL, NULL);
	req[len - 11 + 6] = 1; /* the OPT's version byte */
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_BADVERS);
	ck_assert_int_eq(fata_dns_flags_rcode(r.flags), 0);
	ck_assert_int_eq(r.has_opt, 1);

	/* Class CH is not served. */
	len = make_request(req, sizeof req, 0, "example.com.", FATA_DNS_TYPE_A, 0, NULL, NULL, NULL);
	req[len - 1] = FATA_DNS_CLASS_CH;
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_REFUSED);

	/* RD is copied, RA never set. */
	len = make_request(req, sizeof req, FATA_DNS_FLAG_RD, "web.example.com.", FATA_DNS_TYPE_A, 0,
			NULL, NULL, NULL);
	exchange(req, len, 0, &r);
	ck_assert_int_eq(!!(r.flags & FATA_DNS_FLAG_RD), 1);
	ck_assert_int_eq(!!(r.flags & FATA_DNS_FLAG_RA), 0);
}
END_TEST

/* ---- UPDATE ---- */

static void update(const char *const *prereq, const char *const *updates, int sign,
		const struct fata_dns_tsig_key *with, uint64_t signed_at, struct result *r)
{
	uint8_t req[4096];
	size_t len = make_request(req, sizeof req, FATA_DNS_OP_UPDATE << 11, "example.com.",
			FATA_DNS_TYPE_SOA, 0, prereq, updates, NULL);

	if (sign)
		ck_assert_int_gt(fata_dns_tsig_sign(req, &len, sizeof req, with, signed_at, NULL, 0, 0, 0,
				NULL), 0);
	exchange(req, len, 0, r);
	ck_assert_int_eq(r->answered, 1);
	ck_assert_int_eq(fata_dns_flags_opcode(r->flags), FATA_DNS_OP_UPDATE);
}

static unsigned serial(void)
{
	struct fata_dns_name origin = test_name("example.com.");

	return fata_dns_zone_serial(fata_dns_server_zone(srv, &origin));
}

START_TEST(update_needs_valid_tsig)
{
	static const char *const add[] = { "new.example.com. 300 IN A 192.0.2.50", NULL };
	struct fata_dns_tsig_key other = key;
	struct result r;

	update(NULL, add, 0, NULL, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_REFUSED);
	ck_assert_uint_eq(serial(), 100);

	/* Unknown key: NOTAUTH, the TSIG error BADKEY, and no MAC. */
	other.name = test_name("stranger.");
	update(NULL, add, 1, &other, NOW, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOTAUTH);
	ck_assert_int_eq(r.has_tsig, 1);
	ck_assert_int_eq(r.tsig.error, FATA_DNS_RCODE_BADKEY);
	ck_assert_int_eq(r.tsig.mac_len, 0);

	/* Right name, wrong secret: BADSIG. */
	other = key;
	other.secret[3] ^= 0xff;
	update(NULL, add, 1, &other, NOW, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOTAUTH);
	ck_assert_int_eq(r.tsig.error, FATA_DNS_RCODE_BADSIG);

	/* Right key, old signature: BADTIME, signed, with our time as other data. */
	update(NULL, add, 1, &key, NOW - 1000, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOTAUTH);
	ck_assert_int_eq(r.tsig.error, FATA_DNS_RCODE_BADTIME);
	ck_assert_int_eq(r.tsig.mac_len, 32);
	ck_assert_int_eq(r.tsig.other_len, 6);
	ck_assert_uint_eq(serial(), 100);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->tsig_failures, 3);

	/* A good signature: applied, the response signed, the serial bumped. */
	update(NULL, add, 1, &key, NOW + 5, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOERROR);
	ck_assert_int_eq(r.has_tsig, 1);
	ck_assert_int_eq(r.tsig.error, 0);
	ck_assert_uint_eq(serial(), 101);
	query("new.example.com.", FATA_DNS_TYPE_A, 0, &r);
	ck_assert(has_line(&r, "an:new.example.com. 300 IN A 192.0.2.50"));
}
END_TEST

/* Prerequisites (RFC 2136 2.4) and the rcode each gives when it fails. */
static const struct {
	const char *prereq;
	unsigned rcode;
} prereqs[] = {
	{ "web.example.com. 0 ANY ANY", 0 },               /* name in use */
	{ "nope.example.com. 0 ANY ANY", FATA_DNS_RCODE_NXDOMAIN },
	{ "nope.example.com. 0 NONE ANY", 0 },             /* name not in use */
	{ "web.example.com. 0 NONE ANY", FATA_DNS_RCODE_YXDOMAIN },
	{ "web.example.com. 0 ANY A", 0 },                 /* RRset exists */
	{ "web.example.com. 0 ANY MX", FATA_DNS_RCODE_NXRRSET },
	{ "web.example.com. 0 NONE MX", 0 },               /* RRset does not exist */
	{ "web.example.com. 0 NONE A", FATA_DNS_RCODE_YXRRSET },
	{ "web.example.com. 0 IN A 192.0.2.4", 0 },        /* RRset exists with these values */
	{ "web.example.com. 0 IN A 192.0.2.99", FATA_DNS_RCODE_NXRRSET },
	{ "web.example.org. 0 ANY ANY", FATA_DNS_RCODE_NOTZONE },
	{ "web.example.com. 60 ANY ANY", FATA_DNS_RCODE_FORMERR },
	{ "web.example.com. 0 ANY ANY \\# 1 00", FATA_DNS_RCODE_FORMERR },
};

START_TEST(update_prerequisites)
{
	const char *pre[] = { prereqs[_i].prereq, NULL };
	static const char *const add[] = { "added.example.com. 300 IN TXT \"x\"", NULL };
	struct result r;

	update(pre, add, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, prereqs[_i].rcode);
	/* A failed prerequisite changes nothing. */
	ck_assert_uint_eq(serial(), prereqs[_i].rcode == 0 ? 101 : 100);
}
END_TEST

START_TEST(update_value_prerequisite_whole_set)
{
	/* mail has A and AAAA; naming only the A set but with two values fails. */
	static const char *const two[] = { "mail.example.com. 0 IN A 192.0.2.3",
		"mail.example.com. 0 IN A 192.0.2.33", NULL };
	static const char *const both[] = { "mail.example.com. 0 IN A 192.0.2.3",
		"mail.example.com. 0 IN AAAA 2001:db8::3", NULL };
	static const char *const add[] = { "added.example.com. 300 IN TXT \"x\"", NULL };
	struct result r;

	update(two, add, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NXRRSET);
	update(both, add, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOERROR);
}
END_TEST

START_TEST(update_kinds)
{
	static const char *const step1[] = {
		"web.example.com. 600 IN A 192.0.2.40",          /* add to an RRset */
		"web.example.com. 600 IN A 192.0.2.4",           /* duplicate: TTL only */
		"www.example.com. 300 IN A 192.0.2.41",          /* beside a CNAME: ignored */
		"mail.example.com. 0 NONE AAAA 2001:db8::3",     /* delete one record */
		"loop1.example.com. 0 ANY CNAME",                /* delete an RRset */
		"a.b.ent.example.com. 0 ANY ANY",                /* delete a name */
		"example.com. 0 ANY ANY",                        /* apex: SOA and NS stay */
		"example.com. 0 NONE NS ns1.example.com.",       /* one NS goes */
		NULL,
	};
	static const char *const last_ns[] = {
		"example.com. 0 NONE NS ns2.example.com.",       /* the last NS stays */
		"example.com. 0 ANY SOA",                        /* the SOA stays */
		"example.com. 0 NONE SOA ns1.example.com. hostmaster.example.com. 100 1 1 1 1",
		NULL,
	};
	struct result r;

	update(NULL, step1, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, 0);
	ck_assert_uint_eq(serial(), 101);

	query("web.example.com.", FATA_DNS_TYPE_A, 0, &r);
	ck_assert_uint_eq(r.count[1], 2);
	ck_assert(has_line(&r, "an:web.example.com. 600 IN A 192.0.2.40"));
	ck_assert(has_line(&r, "an:web.example.com. 600 IN A 192.0.2.4"));
	query("www.example.com.", FATA_DNS_TYPE_A, 0, &r);
	ck_assert(has_line(&r, "an:www.example.com. 3600 IN CNAME web.example.com."));
	query("mail.example.com.", FATA_DNS_TYPE_AAAA, 0, &r);
	ck_assert_uint_eq(r.count[1], 0);
	query("loop1.example.com.", FATA_DNS_TYPE_CNAME, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NXDOMAIN);
	query("a.b.ent.example.com.", FATA_DNS_TYPE_A, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NXDOMAIN);
	query("example.com.", FATA_DNS_TYPE_MX, 0, &r);
	ck_assert_uint_eq(r.count[1], 0);
	query("example.com.", FATA_DNS_TYPE_NS, 0, &r);
	ck_assert_uint_eq(r.count[1], 1);
	ck_assert(has_line(&r, "an:example.com. 3600 IN NS ns2.example.com."));

	/* Nothing changes: the serial stays. */
	update(NULL, last_ns, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, 0);
	ck_assert_uint_eq(serial(), 101);
	query("example.com.", FATA_DNS_TYPE_NS, 0, &r);
	ck_assert_uint_eq(r.count[1], 1);
}
END_TEST

START_TEST(update_soa_serial)
{
	static const char *const higher[] = {
		"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 500 1 2 3 4", NULL };
	static const char *const lower[] = {
		"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 400 1 2 3 4",
		"t.example.com. 60 IN A 192.0.2.9", NULL };
	struct result r;

	/* A SOA with a later serial is taken as it is, without a further bump. */
	update(NULL, higher, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, 0);
	ck_assert_uint_eq(serial(), 500);
	/* An earlier serial is ignored; the other change bumps the serial by one. */
	update(NULL, lower, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, 0);
	ck_assert_uint_eq(serial(), 501);
}
END_TEST

START_TEST(update_rejects_whole_request)
{
	static const char *const outside[] = { "ok.example.com. 60 IN A 192.0.2.9",
		"bad.example.org. 60 IN A 192.0.2.9", NULL };
	static const char *const any_ttl[] = { "ok.example.com. 60 ANY A", NULL };
	static const char *const meta[] = { "ok.example.com. 60 IN TYPE252 \\# 0", NULL };
	static const char *const none_ttl[] = { "web.example.com. 60 NONE A 192.0.2.4", NULL };
	struct result r;

	update(NULL, outside, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOTZONE);
	update(NULL, any_ttl, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_FORMERR);
	update(NULL, meta, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_FORMERR);
	update(NULL, none_ttl, 1, &key, NOW, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_FORMERR);
	/* Nothing of the first request was applied. */
	ck_assert_uint_eq(serial(), 100);
	query("ok.example.com.", FATA_DNS_TYPE_A, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->updates_rejected, 4);
}
END_TEST

START_TEST(update_other_zone)
{
	uint8_t req[1024];
	size_t len = make_request(req, sizeof req, FATA_DNS_OP_UPDATE << 11, "example.org.",
			FATA_DNS_TYPE_SOA, 0, NULL, NULL, NULL);
	struct result r;

	fata_dns_tsig_sign(req, &len, sizeof req, &key, NOW, NULL, 0, 0, 0, NULL);
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOTAUTH);

	/* The zone section must name a SOA. */
	len = make_request(req, sizeof req, FATA_DNS_OP_UPDATE << 11, "example.com.",
			FATA_DNS_TYPE_A, 0, NULL, NULL, NULL);
	fata_dns_tsig_sign(req, &len, sizeof req, &key, NOW, NULL, 0, 0, 0, NULL);
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_FORMERR);
}
END_TEST

START_TEST(notify_to_primary_refused)
{
	uint8_t req[512];
	size_t len = make_request(req, sizeof req, FATA_DNS_OP_NOTIFY << 11 | FATA_DNS_FLAG_AA,
			"example.com.", FATA_DNS_TYPE_SOA, 0, NULL, NULL, NULL);
	struct result r;

	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_REFUSED);
	len = make_request(req, sizeof req, FATA_DNS_OP_NOTIFY << 11, "example.org.",
			FATA_DNS_TYPE_SOA, 0, NULL, NULL, NULL);
	exchange(req, len, 0, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_NOTAUTH);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns_server");
	TCase *tc = tcase_create("server");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, query_answers, 0, sizeof queries / sizeof queries[0]);
	tcase_add_test(tc, query_truncation_and_edns);
	tcase_add_test(tc, query_header_errors);
	tcase_add_test(tc, update_needs_valid_tsig);
	tcase_add_loop_test(tc, update_prerequisites, 0, sizeof prereqs / sizeof prereqs[0]);
	tcase_add_test(tc, update_value_prerequisite_whole_set);
	tcase_add_test(tc, update_kinds);
	tcase_add_test(tc, update_soa_serial);
	tcase_add_test(tc, update_rejects_whole_request);
	tcase_add_test(tc, update_other_zone);
	tcase_add_test(tc, notify_to_primary_refused);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

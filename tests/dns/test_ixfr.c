/*
 * Incremental zone transfers (RFC 1995) from the server's internals: the
 * journal that server_publish() fills, its trimming and RFC 1982 serial
 * order, the chain search, the messages of an IXFR answer over TCP (one
 * and several differences, several messages, TSIG), the fallback to the
 * AXFR form, the UDP answers, and a transfer that keeps its version while
 * updates land.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/dns_zone.h>
#include <fata/error.h>
#include <fata/loop.h>

#include "server_helpers.h"
#include "server_internal.h"

#define NOW 1700000000u

static const char zone_text[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"@ SOA ns1 hostmaster 100 3h 15m 1w 300\n"
	"  NS ns1\n"
	"ns1 A 192.0.2.1\n"
	"web A 192.0.2.4\n"
	"web A 192.0.2.5\n"
	"mail MX 10 web\n"
	"txt TXT \"one\"\n";

static struct fata_loop *loop;
static struct fata_dns_server *srv;
static struct server_zone *sz;
static struct fata_dns_tsig_key key;
static const struct fata_sockaddr client = { .ip = { .family = FATA_AF_INET,
	.bytes = { 192, 0, 2, 99 } }, .port = 5000 };

static uint64_t fixed_time(void *ctx)
{
	(void)ctx;
	return NOW;
}

/* Starts a server with the zone, `journal_records` as the journal limit and open transfers. */
static void start(uint32_t journal_records)
{
	struct fata_dns_name origin = test_name("example.com.");
	struct fata_dns_zone_options opt = { .file = "test", .origin = &origin };
	struct fata_dns_server_config config = { .wall_time = fixed_time,
		.journal_records = journal_records };
	struct fata_dns_zone_error err;
	struct fata_dns_zone *zone;

	loop = fata_loop_new_virtual(0);
	ck_assert_ptr_nonnull(loop);
	ck_assert_int_eq(fata_dns_server_new(loop, &config, &srv), 0);
	ck_assert_int_eq(fata_dns_zone_load(zone_text, strlen(zone_text), &opt, &zone, &err), 0);
	ck_assert_int_eq(fata_dns_server_add_zone(srv, zone), 0);
	fata_dns_zone_unref(zone);
	sz = server_zone_exact(srv, &origin);
	ck_assert_ptr_nonnull(sz);

	memset(&key, 0, sizeof key);
	key.name = test_name("xfr-key.");
	key.alg = FATA_HASH_SHA256;
	key.secret_len = 32;
	memset(key.secret, 9, 32);
	ck_assert_int_eq(fata_dns_server_add_key(srv, &key), 0);
	ck_assert_int_eq(fata_dns_server_allow_transfer(srv, NULL, NULL), 0);
}

static void setup(void)
{
	start(0);
}

static void teardown(void)
{
	fata_dns_server_free(srv);
	fata_loop_free(loop);
	srv = NULL;
	sz = NULL;
}

/* Restarts the server with another journal limit. */
static void restart(uint32_t journal_records)
{
	teardown();
	start(journal_records);
}

static void soa_line(char *buf, size_t size, uint32_t serial)
{
	snprintf(buf, size, "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. "
			"%u 10800 900 604800 300", (unsigned)serial);
}

static void parse_line(const char *line, struct fata_dns_rr *rr, uint8_t *rdata, size_t cap)
{
	struct fata_dns_zone_error err;
	int rc = fata_dns_rr_parse(line, strlen(line), NULL, rr, rdata, cap, &err);

	ck_assert_msg(rc == 0, "'%s': %s", line, err.reason);
}

/*
 * Publishes a new version of the zone with `serial`: the current one
 * without the records of `removes`, with those of `adds` (both zone-file
 * lines, NULL-terminated, either may be NULL).
 */
static void change(uint32_t serial, const char *const *adds, const char *const *removes)
{
	struct fata_dns_zone *copy;
	struct fata_dns_rr rr;
	uint8_t rdata[1024];
	char soa[256];

	ck_assert_int_eq(fata_dns_zone_clone(sz->zone, &copy), 0);
	soa_line(soa, sizeof soa, serial);
	parse_line(soa, &rr, rdata, sizeof rdata);
	ck_assert_int_eq(fata_dns_zone_add(copy, &rr), 0);
	for (size_t i = 0; removes && removes[i]; i++) {
		parse_line(removes[i], &rr, rdata, sizeof rdata);
		ck_assert_int_eq(fata_dns_zone_remove(copy, &rr), 0);
	}
	for (size_t i = 0; adds && adds[i]; i++) {
		parse_line(adds[i], &rr, rdata, sizeof rdata);
		ck_assert_int_eq(fata_dns_zone_add(copy, &rr), 0);
	}
	server_publish(srv, sz, copy);
	ck_assert_uint_eq(fata_dns_zone_serial(sz->zone), serial);
}

/* Publishes a version that only has a new serial. */
static void bump(uint32_t serial)
{
	change(serial, NULL, NULL);
}

/* Records of several messages as text lines, in order. */
struct transcript {
	int messages;
	int nlines;
	char lines[256][256];
	int questions[64]; /* question count of each message */
	uint16_t rcode;
};

static void add_record_line(struct transcript *t, const struct fata_dns_rr *rr)
{
	ck_assert_int_lt(t->nlines, 256);
	fata_dns_rr_format(rr, t->lines[t->nlines], sizeof t->lines[0]);
	t->nlines++;
}

/* Reads the records of a difference as text. */
static void read_diff(const struct journal_diff *diff, struct transcript *t)
{
	struct fata_dns_rr rr;
	size_t pos = 0, step;

	memset(t, 0, sizeof *t);
	while ((step = journal_diff_read(diff, pos, &rr)) > 0) {
		add_record_line(t, &rr);
		pos += step;
	}
	ck_assert_uint_eq((size_t)t->nlines, journal_diff_records(diff));
}

/* Checks that `t` contains exactly `expected` (NULL-terminated), in order. */
static void expect_lines(const struct transcript *t, const char *const *expected)
{
	int n = 0;

	while (expected[n])
		n++;
	for (int i = 0; i < n && i < t->nlines; i++)
		ck_assert_msg(strcmp(t->lines[i], expected[i]) == 0, "record %d is '%s', expected '%s'",
				i, t->lines[i], expected[i]);
	ck_assert_int_eq(t->nlines, n);
}

/* Builds an IXFR request carrying `serial` in its authority section, signed when `sign`. */
static size_t ixfr_request(uint8_t *buf, size_t cap, uint32_t serial, uint16_t edns, int sign,
		uint8_t *mac, size_t *mac_len)
{
	char soa[256];
	const char *const authority[] = { soa, NULL };
	size_t len;
	int rc;

	soa_line(soa, sizeof soa, serial);
	len = make_request(buf, cap, 0, "example.com.", FATA_DNS_TYPE_IXFR, edns, NULL, authority,
			NULL);
	if (sign) {
		rc = fata_dns_tsig_sign(buf, &len, cap, &key, NOW, NULL, 0, 0, 0, mac);
		ck_assert_int_gt(rc, 0);
		*mac_len = (size_t)rc;
	}
	return len;
}

/* Appends the answer records of one message to `t`. */
static void read_message(const uint8_t *msg, size_t len, struct transcript *t)
{
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;

	ck_assert_int_eq(fata_dns_parser_init(&p, msg, len), 0);
	ck_assert_int_lt(t->messages, 64);
	t->questions[t->messages] = p.header.count[0];
	t->rcode = fata_dns_flags_rcode(p.header.flags);
	ck_assert_int_ne(p.header.flags & FATA_DNS_FLAG_QR, 0);
	if (p.header.count[0] > 0) {
		struct fata_dns_question q;

		ck_assert_int_eq(fata_dns_parse_question(&p, &q), 0);
		ck_assert_uint_eq(q.type, FATA_DNS_TYPE_IXFR);
	}
	while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
		if (rr.type == FATA_DNS_TYPE_TSIG || rr.type == FATA_DNS_TYPE_OPT)
			continue;
		ck_assert_int_eq(section, FATA_DNS_SECTION_ANSWER);
		add_record_line(t, &rr);
	}
	ck_assert_int_eq(fata_dns_parser_finish(&p), 0);
	t->messages++;
}

/* Starts an IXFR over TCP from `serial`. */
static struct server_xfr *xfr_begin(uint32_t serial, int sign, uint8_t *mac, size_t *mac_len)
{
	static uint8_t req_buf[1024];
	struct request req;
	struct server_xfr *xfr = NULL;
	size_t len = ixfr_request(req_buf, sizeof req_buf, serial, 0, sign, mac, mac_len);

	ck_assert_int_eq(request_parse(srv, &req, req_buf, len, &client, 1), 0);
	ck_assert_int_eq(xfr_start(srv, &req, &xfr), 0);
	ck_assert_ptr_nonnull(xfr);
	return xfr;
}

/*
 * Writes the next message of `xfr` into `t` with `cap` bytes of room, and
 * checks its TSIG against the MAC chain when `mac` is not NULL. Returns
 * what xfr_next() returned.
 */
static int xfr_step(struct server_xfr *xfr, size_t cap, struct transcript *t, uint8_t *mac,
		size_t *mac_len)
{
	static uint8_t out[65535];
	size_t len = 0;
	int more = xfr_next(xfr, out, cap, &len);

	ck_assert_int_ge(more, 0);
	ck_assert_uint_le(len, cap);
	if (mac) {
		struct fata_dns_tsig_record rec;

		ck_assert_int_eq(fata_dns_tsig_find(out, len, &rec), 0);
		ck_assert_int_eq(fata_dns_tsig_verify(out, len, &rec, &key, 1, NOW, mac, *mac_len,
				t->messages > 0, NULL), 0);
		memcpy(mac, rec.mac, rec.mac_len);
		*mac_len = rec.mac_len;
	}
	read_message(out, len, t);
	return more;
}

/* Runs a whole IXFR over TCP from `serial` with messages of at most `cap` bytes. */
static void transfer(uint32_t serial, size_t cap, int sign, struct transcript *t)
{
	uint8_t mac[FATA_HASH_MAX_SIZE];
	size_t mac_len = 0;
	struct server_xfr *xfr = xfr_begin(serial, sign, mac, &mac_len);

	memset(t, 0, sizeof *t);
	while (xfr_step(xfr, cap, t, sign ? mac : NULL, &mac_len) == 1)
		ck_assert_int_lt(t->messages, 64);
	xfr_free(xfr);

	/* RFC 5936 2.2.1: only the first message repeats the question. */
	ck_assert_int_eq(t->questions[0], 1);
	for (int i = 1; i < t->messages; i++)
		ck_assert_int_eq(t->questions[i], 0);
}

#define SOA100 "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 100 10800 900 604800 300"
#define SOA101 "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 101 10800 900 604800 300"
#define SOA102 "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 102 10800 900 604800 300"
#define SOA103 "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 103 10800 900 604800 300"

/* Fetches the only chain from `from` to the current serial and reads its `index`-th difference. */
static void chain_diff(uint32_t from, size_t expect_count, size_t index, struct transcript *t)
{
	struct journal_diff **chain;
	size_t n;

	ck_assert_int_eq(journal_chain(&sz->journal, from, fata_dns_zone_serial(sz->zone), &chain,
			&n), 0);
	ck_assert_uint_eq(n, expect_count);
	read_diff(chain[index], t);
	journal_chain_free(chain, n);
}

/* ---- The journal ---- */

START_TEST(journal_records_difference)
{
	const char *const adds[] = {
		"new.example.com. 300 IN A 192.0.2.9",
		"web.example.com. 3600 IN A 192.0.2.6",
		"txt.example.com. 60 IN TXT \"one\"",
		NULL,
	};
	const char *const removes[] = {
		"web.example.com. 3600 IN A 192.0.2.4",
		"mail.example.com. 3600 IN MX 10 web.example.com.",
		"txt.example.com. 3600 IN TXT \"one\"",
		NULL,
	};
	/* The TXT set's TTL changed, so its record is deleted and added again. */
	const char *const expected[] = {
		SOA100,
		"mail.example.com. 3600 IN MX 10 web.example.com.",
		"txt.example.com. 3600 IN TXT \"one\"",
		"web.example.com. 3600 IN A 192.0.2.4",
		SOA101,
		"new.example.com. 300 IN A 192.0.2.9",
		"txt.example.com. 60 IN TXT \"one\"",
		"web.example.com. 3600 IN A 192.0.2.6",
		NULL,
	};
	struct transcript t;

	ck_assert_uint_eq(sz->journal.count, 0);
	change(101, adds, removes);
	ck_assert_uint_eq(sz->journal.count, 1);
	ck_assert_uint_eq(sz->journal.records, 8);
	chain_diff(100, 1, 0, &t);
	expect_lines(&t, expected);
	ck_assert_uint_eq(journal_diff_from(sz->journal.oldest), 100);
	ck_assert_uint_eq(journal_diff_to(sz->journal.oldest), 101);
}
END_TEST

START_TEST(journal_trims_oldest)
{
	const char *const add_a[] = { "a.example.com. 300 IN A 192.0.2.10", NULL };
	const char *const add_b[] = { "b.example.com. 300 IN A 192.0.2.11", NULL };
	const char *const add_c[] = { "c.example.com. 300 IN A 192.0.2.12", NULL };
	struct journal_diff **chain;
	size_t n;

	/* Three records per difference: two SOAs and one addition. Seven fit two. */
	restart(7);
	change(101, add_a, NULL);
	change(102, add_b, NULL);
	ck_assert_uint_eq(sz->journal.count, 2);
	ck_assert_uint_eq(sz->journal.records, 6);

	change(103, add_c, NULL);
	ck_assert_uint_eq(sz->journal.count, 2);
	ck_assert_uint_eq(sz->journal.records, 6);
	ck_assert_uint_eq(journal_diff_from(sz->journal.oldest), 101);
	ck_assert_int_eq(journal_chain(&sz->journal, 100, 103, &chain, &n), FATA_ENOENT);
	ck_assert_ptr_null(chain);
	ck_assert_int_eq(journal_chain(&sz->journal, 101, 103, &chain, &n), 0);
	ck_assert_uint_eq(n, 2);
	journal_chain_free(chain, n);
}
END_TEST

START_TEST(journal_emptied_by_large_change)
{
	const char *const small[] = { "a.example.com. 300 IN A 192.0.2.10", NULL };
	const char *const large[] = {
		"b.example.com. 300 IN A 192.0.2.1", "b.example.com. 300 IN A 192.0.2.2",
		"b.example.com. 300 IN A 192.0.2.3", "b.example.com. 300 IN A 192.0.2.4",
		"b.example.com. 300 IN A 192.0.2.5", "b.example.com. 300 IN A 192.0.2.6",
		NULL,
	};
	struct journal_diff **chain;
	size_t n;

	restart(7);
	change(101, small, NULL);
	ck_assert_uint_eq(sz->journal.count, 1);
	change(102, large, NULL);
	ck_assert_uint_eq(sz->journal.count, 0);
	ck_assert_uint_eq(sz->journal.records, 0);
	ck_assert_int_eq(journal_chain(&sz->journal, 101, 102, &chain, &n), FATA_ENOENT);

	/* The next small change starts a new chain. */
	change(103, small + 1, NULL);
	ck_assert_uint_eq(sz->journal.count, 1);
	ck_assert_uint_eq(sz->journal.records, 2);
	ck_assert_int_eq(journal_chain(&sz->journal, 102, 103, &chain, &n), 0);
	journal_chain_free(chain, n);
}
END_TEST

START_TEST(journal_off)
{
	restart(FATA_DNS_JOURNAL_OFF);
	bump(101);
	ck_assert_uint_eq(sz->journal.count, 0);
}
END_TEST

START_TEST(journal_default_limit)
{
	ck_assert_uint_eq(srv->config.journal_records, 4096);
}
END_TEST

START_TEST(journal_serial_wraps)
{
	struct journal_diff **chain;
	size_t n;

	/* RFC 1982: 4294967295 + 1 is 0, and 0 comes after 4294967295. */
	bump(4294967294u);
	bump(4294967295u);
	bump(0);
	bump(1);
	/* 100 to 4294967294 went back in RFC 1982 order, so the chain starts after it. */
	ck_assert_uint_eq(sz->journal.count, 3);
	ck_assert_int_eq(journal_chain(&sz->journal, 4294967294u, 1, &chain, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(journal_diff_from(chain[0]), 4294967294u);
	ck_assert_uint_eq(journal_diff_to(chain[1]), 0);
	ck_assert_uint_eq(journal_diff_to(chain[2]), 1);
	journal_chain_free(chain, n);
}
END_TEST

START_TEST(journal_serial_goes_back)
{
	bump(101);
	bump(102);
	ck_assert_uint_eq(sz->journal.count, 2);

	/* A lower serial cannot continue the chain. */
	bump(50);
	ck_assert_uint_eq(sz->journal.count, 0);
	bump(51);
	ck_assert_uint_eq(sz->journal.count, 1);

	/* A step of exactly 2^31 has no order in RFC 1982 section 3.2. */
	bump(51u + 2147483648u);
	ck_assert_uint_eq(sz->journal.count, 0);

	/* The same serial again. */
	bump(51u + 2147483648u);
	ck_assert_uint_eq(sz->journal.count, 0);
}
END_TEST

START_TEST(journal_drops_ambiguous_start)
{
	bump(100u + 2147483647u);
	ck_assert_uint_eq(sz->journal.count, 1);

	/*
	 * A second step of 2^31 - 1 wraps to 98. Serial 100 is after 98 in
	 * RFC 1982 order, so the difference from 100 must go: a client at 100
	 * counts as up to date now.
	 */
	bump(100u + 2u * 2147483647u);
	ck_assert_uint_eq(fata_dns_zone_serial(sz->zone), 98);
	ck_assert_uint_eq(sz->journal.count, 1);
	ck_assert_uint_eq(journal_diff_from(sz->journal.oldest), 100u + 2147483647u);
}
END_TEST

START_TEST(journal_chain_search)
{
	struct journal_diff **chain;
	size_t n;

	bump(101);
	bump(102);
	bump(103);

	ck_assert_int_eq(journal_chain(&sz->journal, 102, 103, &chain, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(journal_diff_from(chain[0]), 102);
	journal_chain_free(chain, n);

	ck_assert_int_eq(journal_chain(&sz->journal, 101, 103, &chain, &n), 0);
	ck_assert_uint_eq(n, 2);
	journal_chain_free(chain, n);

	/* Unknown start serial, and an end that is not the current serial. */
	ck_assert_int_eq(journal_chain(&sz->journal, 99, 103, &chain, &n), FATA_ENOENT);
	ck_assert_int_eq(journal_chain(&sz->journal, 104, 103, &chain, &n), FATA_ENOENT);
	ck_assert_int_eq(journal_chain(&sz->journal, 101, 102, &chain, &n), FATA_ENOENT);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(journal_cleared_without_old_version)
{
	struct fata_dns_zone *copy;

	bump(101);
	ck_assert_uint_eq(sz->journal.count, 1);

	/* A secondary whose zone expired publishes its next version with no old one. */
	ck_assert_int_eq(fata_dns_zone_clone(sz->zone, &copy), 0);
	fata_dns_zone_unref(sz->zone);
	sz->zone = NULL;
	server_publish(srv, sz, copy);
	ck_assert_uint_eq(sz->journal.count, 0);
}
END_TEST

/* ---- IXFR over TCP ---- */

START_TEST(ixfr_one_difference)
{
	const char *const adds[] = { "new.example.com. 300 IN A 192.0.2.9", NULL };
	const char *const removes[] = { "web.example.com. 3600 IN A 192.0.2.5", NULL };
	const char *const expected[] = {
		SOA101,
		SOA100, "web.example.com. 3600 IN A 192.0.2.5",
		SOA101, "new.example.com. 300 IN A 192.0.2.9",
		SOA101,
		NULL,
	};
	struct transcript t;

	change(101, adds, removes);
	transfer(100, 65535, 0, &t);
	ck_assert_int_eq(t.messages, 1);
	ck_assert_uint_eq(t.rcode, 0);
	expect_lines(&t, expected);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 1);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_axfr_form, 0);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->transfers_out, 1);
}
END_TEST

START_TEST(ixfr_several_differences_signed)
{
	const char *const add1[] = { "new.example.com. 300 IN A 192.0.2.9", NULL };
	const char *const rm2[] = { "web.example.com. 3600 IN A 192.0.2.4", NULL };
	const char *const add3[] = { "new.example.com. 300 IN TXT \"two\"", NULL };
	const char *const rm3[] = { "new.example.com. 300 IN A 192.0.2.9", NULL };
	const char *const expected[] = {
		SOA103,
		SOA100,
		SOA101, "new.example.com. 300 IN A 192.0.2.9",
		SOA101, "web.example.com. 3600 IN A 192.0.2.4",
		SOA102,
		SOA102, "new.example.com. 300 IN A 192.0.2.9",
		SOA103, "new.example.com. 300 IN TXT \"two\"",
		SOA103,
		NULL,
	};
	const char *const from_102[] = {
		SOA103,
		SOA102, "new.example.com. 300 IN A 192.0.2.9",
		SOA103, "new.example.com. 300 IN TXT \"two\"",
		SOA103,
		NULL,
	};
	struct transcript t;

	change(101, add1, NULL);
	change(102, NULL, rm2);
	change(103, add3, rm3);

	/* Room for two or three records per message, so the answer spans several. */
	transfer(100, 160, 0, &t);
	expect_lines(&t, expected);
	ck_assert_int_gt(t.messages, 3);

	/* Signed, every message has a TSIG record that chains the MACs. */
	transfer(100, FATA_DNS_TSIG_RR_MAX + 200, 1, &t);
	expect_lines(&t, expected);
	ck_assert_int_gt(t.messages, 2);

	transfer(100, 65535, 1, &t);
	ck_assert_int_eq(t.messages, 1);
	expect_lines(&t, expected);

	transfer(102, 65535, 0, &t);
	expect_lines(&t, from_102);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 4);
}
END_TEST

/* Checks that `t` is the zone in AXFR form: SOA, records without SOA, SOA. */
static void expect_axfr_form(const struct transcript *t, const char *soa, int records)
{
	ck_assert_int_eq(t->nlines, records);
	ck_assert_str_eq(t->lines[0], soa);
	ck_assert_str_eq(t->lines[t->nlines - 1], soa);
	for (int i = 1; i < t->nlines - 1; i++)
		ck_assert_ptr_null(strstr(t->lines[i], " SOA "));
}

START_TEST(ixfr_falls_back_to_axfr_form)
{
	const char *const add_a[] = { "a.example.com. 300 IN A 192.0.2.10", NULL };
	const char *const add_b[] = { "b.example.com. 300 IN A 192.0.2.11", NULL };
	struct transcript t;

	restart(4);
	change(101, add_a, NULL);
	change(102, add_b, NULL);
	ck_assert_uint_eq(sz->journal.count, 1);

	/* 100 was trimmed, 50 never existed; both get the whole zone. */
	transfer(100, 65535, 0, &t);
	expect_axfr_form(&t, SOA102, 10);
	transfer(50, 65535, 0, &t);
	expect_axfr_form(&t, SOA102, 10);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_axfr_form, 2);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 0);

	/* 101 is still in the journal. */
	transfer(101, 65535, 0, &t);
	ck_assert_int_eq(t.nlines, 5);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 1);
}
END_TEST

START_TEST(ixfr_up_to_date_gets_soa)
{
	struct transcript t;

	bump(101);
	transfer(101, 65535, 0, &t);
	ck_assert_int_eq(t.nlines, 1);
	ck_assert_str_eq(t.lines[0], SOA101);

	/* A client ahead of the server (RFC 1982) has nothing to fetch either. */
	transfer(200, 65535, 0, &t);
	ck_assert_int_eq(t.nlines, 1);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 0);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_axfr_form, 0);
}
END_TEST

START_TEST(ixfr_without_soa_gets_axfr_form)
{
	const char *const other_soa[] = { "example.net. 3600 IN SOA ns1.example.net. "
		"hostmaster.example.net. 100 10800 900 604800 300", NULL };
	uint8_t req_buf[512];
	struct request req;
	struct server_xfr *xfr = NULL;
	struct transcript t;
	size_t len;

	bump(101);
	len = make_request(req_buf, sizeof req_buf, 0, "example.com.", FATA_DNS_TYPE_IXFR, 0, NULL,
			NULL, NULL);
	ck_assert_int_eq(request_parse(srv, &req, req_buf, len, &client, 1), 0);
	ck_assert_int_eq(xfr_start(srv, &req, &xfr), 0);
	memset(&t, 0, sizeof t);
	while (xfr_step(xfr, 65535, &t, NULL, NULL) == 1)
		;
	xfr_free(xfr);
	expect_axfr_form(&t, SOA101, 8);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_axfr_form, 1);

	/* A SOA of another zone does not give the client's serial either. */
	len = make_request(req_buf, sizeof req_buf, 0, "example.com.", FATA_DNS_TYPE_IXFR, 0, NULL,
			other_soa, NULL);
	ck_assert_int_eq(request_parse(srv, &req, req_buf, len, &client, 1), 0);
	ck_assert_int_eq(xfr_start(srv, &req, &xfr), 0);
	memset(&t, 0, sizeof t);
	while (xfr_step(xfr, 65535, &t, NULL, NULL) == 1)
		;
	xfr_free(xfr);
	expect_axfr_form(&t, SOA101, 8);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_axfr_form, 2);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 0);
}
END_TEST

START_TEST(ixfr_keeps_version_during_update)
{
	const char *const add1[] = { "new.example.com. 300 IN A 192.0.2.9", NULL };
	const char *const add2[] = { "two.example.com. 300 IN A 192.0.2.20", NULL };
	const char *const add3[] = { "three.example.com. 300 IN A 192.0.2.30",
		"three.example.com. 300 IN A 192.0.2.31", NULL };
	const char *const expected[] = {
		SOA102,
		SOA100, SOA101, "new.example.com. 300 IN A 192.0.2.9",
		SOA101, SOA102, "two.example.com. 300 IN A 192.0.2.20",
		SOA102,
		NULL,
	};
	struct server_xfr *xfr;
	struct transcript t;

	/* Room for the chain to 102 and no more, so the next update trims it. */
	restart(6);
	change(101, add1, NULL);
	change(102, add2, NULL);
	ck_assert_uint_eq(sz->journal.count, 2);

	memset(&t, 0, sizeof t);
	xfr = xfr_begin(100, 0, NULL, NULL);
	ck_assert_int_eq(xfr_step(xfr, 160, &t, NULL, NULL), 1);

	/* The update's four records push out both differences the transfer is sending. */
	change(103, add3, NULL);
	ck_assert_uint_eq(sz->journal.count, 1);
	ck_assert_uint_eq(journal_diff_from(sz->journal.oldest), 102);

	while (xfr_step(xfr, 160, &t, NULL, NULL) == 1)
		ck_assert_int_lt(t.messages, 64);
	xfr_free(xfr);
	expect_lines(&t, expected);
}
END_TEST

START_TEST(ixfr_refused_without_rule)
{
	uint8_t req_buf[512], mac[FATA_HASH_MAX_SIZE];
	struct server_xfr *xfr = NULL;
	struct fata_dns_name key_name = test_name("xfr-key.");
	struct request req;
	size_t mac_len, len;

	/* Only signed clients may transfer now. */
	fata_free(srv->rules);
	srv->rules = NULL;
	srv->nrules = 0;
	ck_assert_int_eq(fata_dns_server_allow_transfer(srv, NULL, &key_name), 0);
	bump(101);

	len = ixfr_request(req_buf, sizeof req_buf, 100, 0, 0, mac, &mac_len);
	ck_assert_int_eq(request_parse(srv, &req, req_buf, len, &client, 1), 0);
	ck_assert_int_eq(xfr_start(srv, &req, &xfr), FATA_DNS_RCODE_REFUSED);
	ck_assert_ptr_null(xfr);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 0);
}
END_TEST

/* ---- IXFR over UDP ---- */

/* Sends an IXFR from `serial` over UDP with EDNS size `edns` (0: none), signed when `sign`. */
static void udp_ixfr(uint32_t serial, uint16_t edns, int sign, struct result *r)
{
	uint8_t req_buf[1024], mac[FATA_HASH_MAX_SIZE];
	static uint8_t out[65535];
	struct request req;
	struct response resp;
	size_t len, mac_len = 0;

	len = ixfr_request(req_buf, sizeof req_buf, serial, edns, sign, mac, &mac_len);
	ck_assert_int_eq(request_parse(srv, &req, req_buf, len, &client, 0), 0);
	response_begin(&req, &resp, out, request_max_size(srv, &req));
	xfr_udp_answer(srv, &req, sz, &resp);
	len = response_end(srv, &req, &resp);
	ck_assert_uint_le(len, request_max_size(srv, &req));
	read_result(out, len, r);
	ck_assert_int_eq(r->has_tsig, sign);
	if (sign)
		ck_assert_int_eq(fata_dns_tsig_verify(out, len, &r->tsig, &key, 1, NOW, mac, mac_len,
				0, NULL), 0);
}

START_TEST(udp_incremental_when_it_fits)
{
	const char *const adds[] = { "new.example.com. 300 IN A 192.0.2.9", NULL };
	struct result r;

	change(101, adds, NULL);
	udp_ixfr(100, 0, 1, &r);
	ck_assert_uint_eq(r.rcode, 0);
	ck_assert_int_ne(r.flags & FATA_DNS_FLAG_AA, 0);
	ck_assert_int_eq(r.flags & FATA_DNS_FLAG_TC, 0);
	ck_assert_int_eq(r.count[1], 5);
	ck_assert_str_eq(r.lines[0], "an:" SOA101);
	ck_assert_str_eq(r.lines[1], "an:" SOA100);
	ck_assert_str_eq(r.lines[2], "an:" SOA101);
	ck_assert_str_eq(r.lines[3], "an:new.example.com. 300 IN A 192.0.2.9");
	ck_assert_str_eq(r.lines[4], "an:" SOA101);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 1);
}
END_TEST

START_TEST(udp_soa_when_too_large)
{
	const char *const adds[] = {
		"big.example.com. 300 IN TXT \"0123456789012345678901234567890123456789012345678901234567890123456789\"",
		"big.example.com. 300 IN TXT \"1123456789012345678901234567890123456789012345678901234567890123456789\"",
		"big.example.com. 300 IN TXT \"2123456789012345678901234567890123456789012345678901234567890123456789\"",
		"big.example.com. 300 IN TXT \"3123456789012345678901234567890123456789012345678901234567890123456789\"",
		"big.example.com. 300 IN TXT \"4123456789012345678901234567890123456789012345678901234567890123456789\"",
		"big.example.com. 300 IN TXT \"5123456789012345678901234567890123456789012345678901234567890123456789\"",
		"big.example.com. 300 IN TXT \"6123456789012345678901234567890123456789012345678901234567890123456789\"",
		NULL,
	};
	struct result r;

	change(101, adds, NULL);

	/* 512 bytes without EDNS cannot hold seven 80-byte records and three SOAs. */
	udp_ixfr(100, 0, 0, &r);
	ck_assert_int_eq(r.count[1], 1);
	ck_assert_str_eq(r.lines[0], "an:" SOA101);
	ck_assert_int_eq(r.flags & FATA_DNS_FLAG_TC, 0);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 0);

	/* With EDNS(0) and 1232 bytes it fits. */
	udp_ixfr(100, 1232, 0, &r);
	ck_assert_int_eq(r.count[1], 11);
	ck_assert_int_eq(r.has_opt, 1);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 1);
}
END_TEST

START_TEST(udp_soa_without_chain)
{
	struct result r;

	bump(101);
	udp_ixfr(50, 0, 0, &r);
	ck_assert_int_eq(r.count[1], 1);
	ck_assert_str_eq(r.lines[0], "an:" SOA101);
	udp_ixfr(101, 0, 0, &r);
	ck_assert_int_eq(r.count[1], 1);
	ck_assert_str_eq(r.lines[0], "an:" SOA101);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->ixfr_incremental, 0);
}
END_TEST

START_TEST(udp_soa_without_rule)
{
	struct fata_dns_name key_name = test_name("xfr-key.");
	struct result r;

	fata_free(srv->rules);
	srv->rules = NULL;
	srv->nrules = 0;
	ck_assert_int_eq(fata_dns_server_allow_transfer(srv, NULL, &key_name), 0);
	bump(101);

	/* Unsigned: not allowed to see the differences. */
	udp_ixfr(100, 0, 0, &r);
	ck_assert_int_eq(r.count[1], 1);
	ck_assert_str_eq(r.lines[0], "an:" SOA101);

	udp_ixfr(100, 0, 1, &r);
	ck_assert_int_eq(r.count[1], 4);
}
END_TEST

static Suite *ixfr_suite(void)
{
	Suite *s = suite_create("dns_ixfr");
	TCase *tc = tcase_create("ixfr");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, journal_records_difference);
	tcase_add_test(tc, journal_trims_oldest);
	tcase_add_test(tc, journal_emptied_by_large_change);
	tcase_add_test(tc, journal_off);
	tcase_add_test(tc, journal_default_limit);
	tcase_add_test(tc, journal_serial_wraps);
	tcase_add_test(tc, journal_serial_goes_back);
	tcase_add_test(tc, journal_drops_ambiguous_start);
	tcase_add_test(tc, journal_chain_search);
	tcase_add_test(tc, journal_cleared_without_old_version);
	tcase_add_test(tc, ixfr_one_difference);
	tcase_add_test(tc, ixfr_several_differences_signed);
	tcase_add_test(tc, ixfr_falls_back_to_axfr_form);
	tcase_add_test(tc, ixfr_up_to_date_gets_soa);
	tcase_add_test(tc, ixfr_without_soa_gets_axfr_form);
	tcase_add_test(tc, ixfr_keeps_version_during_update);
	tcase_add_test(tc, ixfr_refused_without_rule);
	tcase_add_test(tc, udp_incremental_when_it_fits);
	tcase_add_test(tc, udp_soa_when_too_large);
	tcase_add_test(tc, udp_soa_without_chain);
	tcase_add_test(tc, udp_soa_without_rule);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ixfr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * A secondary that refreshes by IXFR (RFC 1995), against a fata-dns
 * primary over the host's sockets on 127.0.0.1: differences applied after
 * NOTIFY, an answer of several messages, the AXFR form from a primary
 * without a journal, and the fall-back to AXFR when a difference does not
 * fit the secondary's version. A scripted primary on a thread then sends
 * broken and unusual IXFR answers, each of which must leave the
 * secondary's zone whole.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/dns_zone.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/loop.h>
#include <fata/posix.h>

#include "server_helpers.h"
#include "server_internal.h"

static const char zone_text[] =
	"$ORIGIN example.com.\n$TTL 300\n"
	"@ SOA ns1 hostmaster 1 3600 600 86400 60\n"
	"@ NS ns1\n"
	"ns1 A 192.0.2.1\n"
	"web A 192.0.2.2\n"
	"web AAAA 2001:db8::2\n"
	"mail MX 10 web\n";

static struct fata_loop *loop;
static struct fata_stack *stack;
static struct fata_dns_tsig_key key = { .alg = FATA_HASH_SHA256, .secret_len = 32 };
static struct fata_dns_server *primary, *secondary;
static struct fata_dns_name origin;

static void log_stderr(void *arg, enum fata_log_level level, const char *source,
		const char *message)
{
	(void)arg;
	fprintf(stderr, "%s %s: %s\n", fata_log_level_name(level), source, message);
}

static struct fata_sockaddr loopback(uint16_t port)
{
	struct fata_sockaddr sa = { .ip = fata_ipv4(127, 0, 0, 1), .port = port };

	return sa;
}

/* Loads zone_text with `extra` appended. */
static struct fata_dns_zone *load(const char *extra)
{
	static char text[200000];
	struct fata_dns_zone_options opt = { .origin = &origin };
	struct fata_dns_zone *zone;
	struct fata_dns_zone_error err;
	int n = snprintf(text, sizeof text, "%s%s", zone_text, extra);
	int rc;

	ck_assert_int_lt(n, (int)sizeof text);
	rc = fata_dns_zone_load(text, strlen(text), &opt, &zone, &err);
	ck_assert_msg(rc == 0, "line %u: %s", err.line, err.reason);
	return zone;
}

/* Starts a primary with `zone` and `config`, and a secondary it notifies. */
static void start_pair(struct fata_dns_zone *zone, const struct fata_dns_server_config *config)
{
	struct fata_sockaddr paddr, saddr, any = loopback(0);

	ck_assert_int_eq(fata_dns_server_new(loop, config, &primary), 0);
	ck_assert_int_eq(fata_dns_server_add_zone(primary, zone), 0);
	ck_assert_int_eq(fata_dns_server_add_key(primary, &key), 0);
	ck_assert_int_eq(fata_dns_server_allow_transfer(primary, NULL, &key.name), 0);
	ck_assert_int_eq(fata_dns_server_start(primary, stack, &any), 0);
	ck_assert_int_eq(fata_dns_server_local_addr(primary, &paddr), 0);

	ck_assert_int_eq(fata_dns_server_new(loop, NULL, &secondary), 0);
	ck_assert_int_eq(fata_dns_server_add_key(secondary, &key), 0);
	ck_assert_int_eq(fata_dns_server_add_secondary(secondary, &origin, &paddr, &key.name), 0);
	ck_assert_int_eq(fata_dns_server_start(secondary, stack, &any), 0);
	ck_assert_int_eq(fata_dns_server_local_addr(secondary, &saddr), 0);
	ck_assert_int_eq(fata_dns_server_add_notify(primary, &saddr, NULL), 0);
}

static void setup(void)
{
	if (getenv("DNS_TEST_LOG")) {
		fata_log_set_handler(log_stderr, NULL);
		fata_log_set_level(FATA_LOG_DEBUG);
	}
	loop = fata_loop_new();
	ck_assert_ptr_nonnull(loop);
	ck_assert_int_eq(fata_socket_stack_new(loop, &stack), 0);
	origin = test_name("example.com.");
	key.name = test_name("xfr.key.");
	memset(key.secret, 0x3c, 32);
	primary = secondary = NULL;
}

static void teardown(void)
{
	fata_dns_server_free(secondary);
	fata_dns_server_free(primary);
	fata_stack_destroy(stack);
	fata_loop_run(loop, FATA_RUN_ONCE);
	fata_loop_free(loop);
}

/* Runs the loop until the secondary's zone has `serial`, at most 10 s. */
static int wait_serial(uint32_t serial)
{
	time_t end = time(NULL) + 10;

	while (time(NULL) < end) {
		struct fata_dns_zone *z = fata_dns_server_zone(secondary, &origin);

		if (z && fata_dns_zone_serial(z) == serial)
			return 1;
		fata_loop_run_until(loop, fata_sleep(loop, 20000000), NULL, NULL);
	}
	return 0;
}

/* Sends a signed UPDATE with `updates` (zone-file lines, NULL-terminated) to the primary. */
static void update(const char *const *updates)
{
	static uint8_t req[65535], out[1024];
	struct fata_sockaddr client = loopback(9);
	size_t len = make_request(req, sizeof req, FATA_DNS_OP_UPDATE << 11, "example.com.",
			FATA_DNS_TYPE_SOA, 0, NULL, updates, NULL), out_len;
	struct result r;

	ck_assert_int_gt(fata_dns_tsig_sign(req, &len, sizeof req, &key, (uint64_t)time(NULL), NULL,
			0, 0, 0, NULL), 0);
	ck_assert_int_eq(fata_dns_server_answer(primary, req, len, &client, 0, out, sizeof out,
			&out_len), 0);
	read_result(out, out_len, &r);
	ck_assert_uint_eq(r.rcode, 0);
}

/* Every record of a zone as text, one line each, in canonical order. */
struct listing {
	char *text;
	size_t len;
	size_t cap;
};

static int list_record(void *arg, const struct fata_dns_rr *rr)
{
	struct listing *l = arg;
	char line[1024];
	size_t n;

	fata_dns_rr_format(rr, line, sizeof line);
	n = strlen(line);
	if (l->len + n + 2 > l->cap) {
		l->cap = (l->len + n + 2) * 2;
		l->text = realloc(l->text, l->cap);
		ck_assert_ptr_nonnull(l->text);
	}
	memcpy(l->text + l->len, line, n);
	l->len += n;
	l->text[l->len++] = '\n';
	l->text[l->len] = '\0';
	return 0;
}

/* Checks that the secondary contains exactly the primary's records. */
static void expect_same_zone(void)
{
	struct listing p = { 0 }, s = { 0 };

	ck_assert_int_eq(fata_dns_zone_foreach(fata_dns_server_zone(primary, &origin), list_record,
			&p), 0);
	ck_assert_int_eq(fata_dns_zone_foreach(fata_dns_server_zone(secondary, &origin),
			list_record, &s), 0);
	ck_assert_str_eq(s.text, p.text);
	free(p.text);
	free(s.text);
}

START_TEST(secondary_applies_differences)
{
	const char *const add[] = { "added.example.com. 60 IN A 192.0.2.77", NULL };
	const char *const change[] = {
		"web.example.com. 0 ANY AAAA",
		"web.example.com. 0 NONE A 192.0.2.2",
		"web.example.com. 300 IN A 192.0.2.3",
		"added.example.com. 60 IN TXT \"second\"",
		NULL,
	};
	struct fata_dns_zone *zone = load("");
	struct server_zone *sz;

	start_pair(zone, NULL);
	ck_assert_msg(wait_serial(1), "first transfer did not happen");
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->ixfr_refreshes, 0);

	update(add);
	ck_assert_msg(wait_serial(2), "NOTIFY did not lead to a transfer");
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->ixfr_refreshes, 1);
	expect_same_zone();

	update(change);
	ck_assert_msg(wait_serial(3), "second NOTIFY did not lead to a transfer");
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->ixfr_refreshes, 2);
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->refreshes, 3);
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->refresh_failures, 0);
	ck_assert_uint_eq(fata_dns_server_stats(primary)->ixfr_incremental, 2);
	expect_same_zone();

	/* The secondary journals what it applied, so it can serve IXFR in turn. */
	sz = server_zone_exact(secondary, &origin);
	ck_assert_uint_eq(sz->journal.count, 2);
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(secondary_applies_several_messages)
{
	static char bulk[150000];
	const char *const drop[] = { "bulk.example.com. 0 ANY TXT", NULL };
	struct fata_dns_zone *zone;
	size_t n = 0;

	/* 1500 TXT records of about 60 bytes: their deletion takes two 64 KB messages. */
	for (int i = 0; i < 1500; i++)
		n += (size_t)snprintf(bulk + n, sizeof bulk - n,
				"bulk TXT \"record %04d padding padding padding padding\"\n", i);
	zone = load(bulk);
	start_pair(zone, NULL);
	ck_assert_msg(wait_serial(1), "first transfer did not happen");

	update(drop);
	ck_assert_msg(wait_serial(2), "NOTIFY did not lead to a transfer");
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->ixfr_refreshes, 1);
	ck_assert_uint_eq(fata_dns_zone_record_count(fata_dns_server_zone(secondary, &origin)), 6);
	expect_same_zone();
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(secondary_takes_axfr_form)
{
	const char *const add[] = { "added.example.com. 60 IN A 192.0.2.77", NULL };
	struct fata_dns_server_config no_journal = { .journal_records = FATA_DNS_JOURNAL_OFF };
	struct fata_dns_zone *zone = load("");

	start_pair(zone, &no_journal);
	ck_assert_msg(wait_serial(1), "first transfer did not happen");

	update(add);
	ck_assert_msg(wait_serial(2), "NOTIFY did not lead to a transfer");
	ck_assert_uint_eq(fata_dns_server_stats(primary)->ixfr_axfr_form, 1);
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->ixfr_refreshes, 0);
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->refreshes, 2);
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->refresh_failures, 0);
	expect_same_zone();
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(secondary_falls_back_to_axfr)
{
	const char *const drop[] = { "web.example.com. 0 NONE A 192.0.2.2", NULL };
	const char *const add[] = { "added.example.com. 60 IN A 192.0.2.77", NULL };
	struct fata_dns_zone *zone = load(""), *copy;
	struct server_zone *sz;
	struct fata_dns_rr rr;
	uint8_t rdata[4] = { 192, 0, 2, 2 };

	start_pair(zone, NULL);
	ck_assert_msg(wait_serial(1), "first transfer did not happen");

	/* Take from the secondary the record the next difference deletes. */
	sz = server_zone_exact(secondary, &origin);
	ck_assert_int_eq(fata_dns_zone_clone(sz->zone, &copy), 0);
	memset(&rr, 0, sizeof rr);
	rr.owner = test_name("web.example.com.");
	rr.type = FATA_DNS_TYPE_A;
	rr.class_ = FATA_DNS_CLASS_IN;
	rr.rdlen = 4;
	rr.rdata = rdata;
	ck_assert_int_eq(fata_dns_zone_remove(copy, &rr), 0);
	fata_dns_zone_unref(sz->zone);
	sz->zone = copy;

	/* The IXFR fails on the missing record, and AXFR follows at once. */
	update(drop);
	ck_assert_msg(wait_serial(2), "the secondary did not recover by AXFR");
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->refresh_failures, 1);
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->ixfr_refreshes, 0);
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->refreshes, 2);
	expect_same_zone();

	/* After a good AXFR, the next refresh requests IXFR again. */
	update(add);
	ck_assert_msg(wait_serial(3), "NOTIFY did not lead to a transfer");
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->ixfr_refreshes, 1);
	expect_same_zone();
	fata_dns_zone_unref(zone);
}
END_TEST

/* ---- A scripted primary ---- */

/* One IXFR answer of the scripted primary: messages of zone-file lines, NULL-terminated. */
struct ixfr_script {
	const char *name;
	unsigned rcode;
	const char *const *messages[4];
	/* The serial the secondary must end with, and whether the IXFR must have failed. */
	uint32_t serial;
	int fails;
};

#define FAKE_SOA(n) "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. " #n \
	" 3600 600 86400 60"

static const char *const version1[] = {
	FAKE_SOA(1), "example.com. 300 IN NS ns1.example.com.", "ns1.example.com. 300 IN A 192.0.2.1",
	"web.example.com. 300 IN A 192.0.2.2", FAKE_SOA(1), NULL,
};
static const char *const version2[] = {
	FAKE_SOA(2), "example.com. 300 IN NS ns1.example.com.", "ns1.example.com. 300 IN A 192.0.2.1",
	"web.example.com. 300 IN A 192.0.2.3", FAKE_SOA(2), NULL,
};

static const char *const chain_break[] = {
	FAKE_SOA(2), FAKE_SOA(1), "web.example.com. 300 IN A 192.0.2.2",
	FAKE_SOA(5), "web.example.com. 300 IN A 192.0.2.3", FAKE_SOA(2), NULL,
};
static const char *const wrong_start[] = {
	FAKE_SOA(2), FAKE_SOA(7), FAKE_SOA(2), "web.example.com. 300 IN A 192.0.2.3", FAKE_SOA(2), NULL,
};
static const char *const serial_back[] = {
	FAKE_SOA(2), FAKE_SOA(1), FAKE_SOA(1), FAKE_SOA(2), NULL,
};
static const char *const after_end[] = {
	FAKE_SOA(2), FAKE_SOA(1), "web.example.com. 300 IN A 192.0.2.2", FAKE_SOA(2),
	"web.example.com. 300 IN A 192.0.2.3", FAKE_SOA(2), "extra.example.com. 300 IN A 192.0.2.9",
	NULL,
};
static const char *const not_soa_first[] = {
	"web.example.com. 300 IN A 192.0.2.3", FAKE_SOA(2), NULL,
};
static const char *const outside_zone[] = {
	FAKE_SOA(2), FAKE_SOA(1), FAKE_SOA(2), "web.example.net. 300 IN A 192.0.2.3", FAKE_SOA(2),
	NULL,
};
static const char *const good_part1[] = {
	FAKE_SOA(3), FAKE_SOA(1), "web.example.com. 300 IN A 192.0.2.2",
	FAKE_SOA(2), NULL,
};
static const char *const good_part2[] = {
	"web.example.com. 300 IN A 192.0.2.3", FAKE_SOA(2), FAKE_SOA(3),
	"new.example.com. 300 IN TXT \"three\"", NULL,
};
static const char *const good_part3[] = { FAKE_SOA(3), NULL };
static const char *const only_soa[] = { FAKE_SOA(1), NULL };

static const struct ixfr_script scripts[] = {
	{ "chain break", 0, { chain_break }, 2, 1 },
	{ "wrong start serial", 0, { wrong_start }, 2, 1 },
	{ "serial does not go up", 0, { serial_back }, 2, 1 },
	{ "records after the end", 0, { after_end }, 2, 1 },
	{ "no SOA first", 0, { not_soa_first }, 2, 1 },
	{ "record outside the zone", 0, { outside_zone }, 2, 1 },
	{ "IXFR not implemented", FATA_DNS_RCODE_NOTIMP, { NULL }, 2, 1 },
	{ "two differences in three messages", 0, { good_part1, good_part2, good_part3 }, 3, 0 },
	{ "SOA alone", 0, { only_soa }, 1, 0 },
	{ "AXFR form", 0, { version2 }, 2, 0 },
};

struct fake_primary {
	int listener;
	uint16_t port;
	const struct ixfr_script *script;
	atomic_int stop;
	atomic_int ixfr_requests;
	atomic_int axfr_requests;
	pthread_t thread;
};

/* Reads one length-prefixed message; returns its length or -1. */
static ssize_t read_frame(int fd, uint8_t *buf, size_t cap)
{
	uint8_t len_bytes[2];
	size_t len, got = 0;

	if (recv(fd, len_bytes, 2, MSG_WAITALL) != 2)
		return -1;
	len = (size_t)len_bytes[0] << 8 | len_bytes[1];
	if (len > cap)
		return -1;
	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return (ssize_t)len;
}

/* Sends one response to `query` with `lines` in the answer section. */
static void send_response(int fd, const struct fata_dns_parser *query,
		const struct fata_dns_question *q, unsigned rcode, const char *const *lines)
{
	static uint8_t rdata[1024];
	uint8_t buf[2 + 4096];
	struct fata_dns_builder b;
	size_t len;

	fata_dns_builder_init(&b, buf + 2, sizeof buf - 2, query->header.id,
			(uint16_t)(FATA_DNS_FLAG_QR | FATA_DNS_FLAG_AA | rcode));
	fata_dns_build_question(&b, q);
	for (size_t i = 0; lines && lines[i]; i++) {
		struct fata_dns_rr rr;
		struct fata_dns_zone_error err;

		if (fata_dns_rr_parse(lines[i], strlen(lines[i]), NULL, &rr, rdata, sizeof rdata,
				&err) == 0)
			fata_dns_build_rr(&b, FATA_DNS_SECTION_ANSWER, &rr);
	}
	len = fata_dns_builder_finish(&b);
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	if (send(fd, buf, len + 2, MSG_NOSIGNAL) < 0)
		return;
}

/*
 * Answers the requests of one connection: SOA with serial 2, AXFR with
 * version 1 until an IXFR was requested and version 2 after it, and IXFR
 * from the script.
 */
static void serve_connection(struct fake_primary *fake, int fd)
{
	uint8_t msg[4096];
	ssize_t len;

	while ((len = read_frame(fd, msg, sizeof msg)) > 0) {
		struct fata_dns_parser p;
		struct fata_dns_question q;
		const struct ixfr_script *script = fake->script;
		static const char *const soa2[] = { FAKE_SOA(2), NULL };

		if (fata_dns_parser_init(&p, msg, (size_t)len) < 0 || fata_dns_parse_question(&p, &q) < 0)
			return;
		if (q.type == FATA_DNS_TYPE_SOA) {
			send_response(fd, &p, &q, 0, soa2);
		} else if (q.type == FATA_DNS_TYPE_AXFR) {
			fake->axfr_requests++;
			send_response(fd, &p, &q, 0, fake->ixfr_requests > 0 ? version2 : version1);
		} else if (q.type == FATA_DNS_TYPE_IXFR) {
			fake->ixfr_requests++;
			if (script->rcode)
				send_response(fd, &p, &q, script->rcode, NULL);
			for (int m = 0; !script->rcode && m < 4 && script->messages[m]; m++)
				send_response(fd, &p, &q, 0, script->messages[m]);
		}
	}
}

static void *fake_primary_run(void *arg)
{
	struct fake_primary *fake = arg;

	while (!fake->stop) {
		struct pollfd pfd = { .fd = fake->listener, .events = POLLIN };
		int fd;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		fd = accept(fake->listener, NULL, NULL);
		if (fd < 0)
			continue;
		serve_connection(fake, fd);
		close(fd);
	}
	return NULL;
}

static void fake_primary_start(struct fake_primary *fake, const struct ixfr_script *script)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sin;

	memset(fake, 0, sizeof *fake);
	fake->script = script;
	fake->listener = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fake->listener, 0);
	ck_assert_int_eq(bind(fake->listener, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(fake->listener, 4), 0);
	ck_assert_int_eq(getsockname(fake->listener, (struct sockaddr *)&sin, &sl), 0);
	fake->port = ntohs(sin.sin_port);
	ck_assert_int_eq(pthread_create(&fake->thread, NULL, fake_primary_run, fake), 0);
}

static void fake_primary_stop(struct fake_primary *fake)
{
	fake->stop = 1;
	pthread_join(fake->thread, NULL);
	close(fake->listener);
}

/* Runs the loop until `done` returns 1, at most 10 s. */
static int wait_until(int (*done)(void))
{
	time_t end = time(NULL) + 10;

	while (time(NULL) < end) {
		if (done())
			return 1;
		fata_loop_run_until(loop, fata_sleep(loop, 20000000), NULL, NULL);
	}
	return 0;
}

static const struct ixfr_script *current_script;
static struct fake_primary *current_fake;

/* Returns 1 when the secondary is in the state the current script must lead to. */
static int script_finished(void)
{
	const struct fata_dns_server_stats *st = fata_dns_server_stats(secondary);
	struct fata_dns_zone *zone = fata_dns_server_zone(secondary, &origin);

	if (current_fake->ixfr_requests < 1 || !zone)
		return 0;
	if (current_script->fails)
		return st->refresh_failures >= 1 && current_fake->axfr_requests >= 2
			&& fata_dns_zone_serial(zone) == current_script->serial;
	return fata_dns_zone_serial(zone) == current_script->serial;
}

/* Sends the secondary a NOTIFY from the primary's address, through the sans-I/O core. */
static void notify_secondary(void)
{
	uint8_t req[512], out[512];
	struct fata_sockaddr from = loopback(53);
	size_t len = make_request(req, sizeof req, FATA_DNS_OP_NOTIFY << 11 | FATA_DNS_FLAG_AA,
			"example.com.", FATA_DNS_TYPE_SOA, 0, NULL, NULL, NULL), out_len;
	struct result r;

	ck_assert_int_eq(fata_dns_server_answer(secondary, req, len, &from, 0, out, sizeof out,
			&out_len), 0);
	read_result(out, out_len, &r);
	ck_assert_uint_eq(r.rcode, 0);
}

static int first_transfer_done(void)
{
	return fata_dns_server_stats(secondary)->refreshes == 1;
}

START_TEST(secondary_survives_scripted_ixfr)
{
	const struct ixfr_script *script = &scripts[_i];
	struct fata_sockaddr paddr, any = loopback(0);
	struct fake_primary fake;
	struct fata_dns_zone *zone;
	const struct fata_dns_server_stats *st;

	fake_primary_start(&fake, script);
	paddr = loopback(fake.port);
	ck_assert_int_eq(fata_dns_server_new(loop, NULL, &secondary), 0);
	ck_assert_int_eq(fata_dns_server_add_secondary(secondary, &origin, &paddr, NULL), 0);
	ck_assert_int_eq(fata_dns_server_start(secondary, stack, &any), 0);

	/* The first refresh has no version, so it is an AXFR of version 1. */
	ck_assert_msg(wait_until(first_transfer_done), "%s: first transfer did not happen",
			script->name);
	ck_assert_uint_eq(fata_dns_zone_serial(fata_dns_server_zone(secondary, &origin)), 1);

	/* NOTIFY starts the IXFR. The state must hold still once reached. */
	current_script = script;
	current_fake = &fake;
	notify_secondary();
	ck_assert_msg(wait_until(script_finished), "%s: the refresh did not end as expected",
			script->name);
	fata_loop_run_until(loop, fata_sleep(loop, 200000000), NULL, NULL);
	st = fata_dns_server_stats(secondary);
	zone = fata_dns_server_zone(secondary, &origin);
	ck_assert_ptr_nonnull(zone);

	ck_assert_int_eq(fake.ixfr_requests, 1);
	ck_assert_msg(fata_dns_zone_serial(zone) == script->serial, "%s: serial %u", script->name,
			(unsigned)fata_dns_zone_serial(zone));
	ck_assert_uint_eq(st->refresh_failures, (uint64_t)script->fails);
	ck_assert_uint_eq(fata_dns_zone_check(zone, NULL), 0);
	if (script->fails) {
		/* The failed IXFR was followed at once by an AXFR of version 2. */
		ck_assert_int_eq(fake.axfr_requests, 2);
		ck_assert_uint_eq(st->ixfr_refreshes, 0);
		ck_assert_uint_eq(fata_dns_zone_record_count(zone), 4);
	} else {
		ck_assert_int_eq(fake.axfr_requests, 1);
	}
	if (script->serial == 3) {
		ck_assert_uint_eq(st->ixfr_refreshes, 1);
		ck_assert_uint_eq(fata_dns_zone_record_count(zone), 5);
	}
	fata_dns_server_free(secondary);
	secondary = NULL;
	fake_primary_stop(&fake);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns_ixfr_secondary");
	TCase *tc = tcase_create("ixfr_secondary");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, secondary_applies_differences);
	tcase_add_test(tc, secondary_applies_several_messages);
	tcase_add_test(tc, secondary_takes_axfr_form);
	tcase_add_test(tc, secondary_falls_back_to_axfr);
	tcase_add_loop_test(tc, secondary_survives_scripted_ixfr, 0,
			sizeof scripts / sizeof scripts[0]);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

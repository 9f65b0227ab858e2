/*
 * The server and the stub resolver over the host's sockets on 127.0.0.1:
 * resolver answers, CNAME chains across zones, caching, TCP after TC,
 * strict response matching and timeouts; a second server acting as
 * secondary, with a TSIG-signed AXFR of several messages, and a NOTIFY
 * after an UPDATE that makes it transfer again.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fata/datagram.h>
#include <fata/dns.h>
#include <fata/dns_resolver.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/dns_zone.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/loop.h>
#include <fata/posix.h>

#include "server_helpers.h"

static const char com_zone[] =
	"$ORIGIN example.com.\n$TTL 300\n"
	"@ SOA ns1 hostmaster 1 3600 600 86400 60\n"
	"@ NS ns1\n"
	"ns1 A 192.0.2.1\n"
	"www CNAME web\n"
	"web A 192.0.2.2\n"
	"web AAAA 2001:db8::2\n"
	"out CNAME www.example.net.\n"
	"loop1 CNAME loop2\n"
	"loop2 CNAME loop1\n";

static const char net_zone[] =
	"$ORIGIN example.net.\n$TTL 120\n"
	"@ SOA ns1 hostmaster 1 3600 600 86400 30\n"
	"@ NS ns1\n"
	"ns1 A 192.0.2.10\n"
	"www A 192.0.2.11\n";

static struct fata_loop *loop;
static struct fata_stack *stack;

static struct fata_dns_zone *load(const char *origin_text, const char *text)
{
	struct fata_dns_name origin = test_name(origin_text);
	struct fata_dns_zone_options opt = { .origin = &origin };
	struct fata_dns_zone *zone;
	struct fata_dns_zone_error err;
	int rc = fata_dns_zone_load(text, strlen(text), &opt, &zone, &err);

	ck_assert_msg(rc == 0, "line %u: %s", err.line, err.reason);
	return zone;
}

static struct fata_sockaddr loopback(uint16_t port)
{
	struct fata_sockaddr sa = { .ip = fata_ipv4(127, 0, 0, 1), .port = port };

	return sa;
}

/* Starts a server with `zones` on 127.0.0.1 and a free port. */
static struct fata_dns_server *server_start(const struct fata_dns_server_config *config,
		struct fata_dns_zone **zones, size_t nzones, struct fata_sockaddr *addr)
{
	struct fata_dns_server *srv;
	struct fata_sockaddr any = loopback(0);

	ck_assert_int_eq(fata_dns_server_new(loop, config, &srv), 0);
	for (size_t i = 0; i < nzones; i++)
		ck_assert_int_eq(fata_dns_server_add_zone(srv, zones[i]), 0);
	ck_assert_int_eq(fata_dns_server_start(srv, stack, &any), 0);
	ck_assert_int_eq(fata_dns_server_local_addr(srv, addr), 0);
	ck_assert_int_ne(addr->port, 0);
	return srv;
}

/* Prints library logs when DNS_TEST_LOG is set, to see what a failing test did. */
static void log_stderr(void *arg, enum fata_log_level level, const char *source,
		const char *message)
{
	(void)arg;
	fprintf(stderr, "%s %s: %s\n", fata_log_level_name(level), source, message);
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
}

static void teardown(void)
{
	fata_stack_destroy(stack);
	fata_loop_run(loop, FATA_RUN_ONCE);
	fata_loop_free(loop);
}

/* Runs the loop until `p` settles, at most 10 s. Returns the status and value. */
static int run(struct fata_promise *p, union fata_value *value)
{
	struct fata_promise *limited = fata_promise_timeout(loop, p, UINT64_C(10000000000));
	int status = FATA_EAGAIN;

	ck_assert_int_eq(fata_loop_run_until(loop, limited, &status, value), 0);
	return status;
}

static struct fata_dns_answer *resolve(struct fata_dns_resolver *r, const char *name,
		uint16_t type, int expect_status)
{
	struct fata_dns_name n = test_name(name);
	union fata_value v;
	int status = run(fata_dns_resolve(r, &n, type), &v);

	ck_assert_int_eq(status, expect_status);
	return status == 0 ? v.ptr : NULL;
}

START_TEST(resolver_answers_and_caches)
{
	struct fata_dns_zone *zones[2] = { load("example.com.", com_zone),
		load("example.net.", net_zone) };
	struct fata_sockaddr addr;
	struct fata_dns_server *srv = server_start(NULL, zones, 2, &addr);
	struct fata_dns_resolver_config config = { .nservers = 1 };
	struct fata_dns_resolver *r;
	struct fata_dns_answer *a;
	char name[FATA_DNS_NAME_TEXT_MAX];

	config.servers[0] = addr;
	ck_assert_int_eq(fata_dns_resolver_new(loop, stack, &config, &r), 0);

	/* A CNAME chain answered in one response. */
	a = resolve(r, "www.example.com.", FATA_DNS_TYPE_A, 0);
	ck_assert_uint_eq(a->rcode, 0);
	ck_assert_uint_eq(a->count, 1);
	ck_assert_uint_eq(a->records[0].rdlen, 4);
	ck_assert_int_eq(a->records[0].rdata[3], 2);
	fata_dns_name_format(&a->canonical, name, sizeof name);
	ck_assert_str_eq(name, "web.example.com.");
	fata_dns_name_format(&a->name, name, sizeof name);
	ck_assert_str_eq(name, "www.example.com.");
	ck_assert_uint_eq(a->ttl, 300);
	ck_assert_int_eq(a->from_cache, 0);
	fata_dns_answer_free(a);

	/* The same question again comes from the cache. */
	a = resolve(r, "WWW.example.com.", FATA_DNS_TYPE_A, 0);
	ck_assert_int_eq(a->from_cache, 1);
	ck_assert_uint_eq(a->count, 1);
	fata_dns_answer_free(a);
	ck_assert_uint_eq(fata_dns_resolver_stats(r)->cache_hits, 1);
	ck_assert_uint_eq(fata_dns_resolver_stats(r)->queries, 1);

	/* A chain leaving the zone needs a second query, to the other zone. */
	a = resolve(r, "out.example.com.", FATA_DNS_TYPE_A, 0);
	ck_assert_uint_eq(a->count, 1);
	ck_assert_int_eq(a->records[0].rdata[3], 11);
	fata_dns_name_format(&a->canonical, name, sizeof name);
	ck_assert_str_eq(name, "www.example.net.");
	ck_assert_uint_eq(a->ttl, 120);
	fata_dns_answer_free(a);
	ck_assert_uint_eq(fata_dns_resolver_stats(r)->queries, 3);

	/* NXDOMAIN and NODATA are answers, cached for the SOA's negative TTL. */
	a = resolve(r, "nope.example.com.", FATA_DNS_TYPE_A, 0);
	ck_assert_uint_eq(a->rcode, FATA_DNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(a->count, 0);
	ck_assert_uint_eq(a->ttl, 60);
	fata_dns_answer_free(a);
	a = resolve(r, "nope.example.com.", FATA_DNS_TYPE_A, 0);
	ck_assert_int_eq(a->from_cache, 1);
	ck_assert_uint_eq(a->rcode, FATA_DNS_RCODE_NXDOMAIN);
	fata_dns_answer_free(a);
	a = resolve(r, "web.example.com.", FATA_DNS_TYPE_MX, 0);
	ck_assert_uint_eq(a->rcode, 0);
	ck_assert_uint_eq(a->count, 0);
	fata_dns_answer_free(a);

	/* A CNAME loop ends at the chain limit. */
	resolve(r, "loop1.example.com.", FATA_DNS_TYPE_A, FATA_ELIMIT);

	/* Outside the server's zones: REFUSED, so the lookup fails. */
	resolve(r, "www.example.org.", FATA_DNS_TYPE_A, FATA_EPROTO);
	ck_assert_uint_ge(fata_dns_resolver_stats(r)->server_errors, 1);
	/* Meta types cannot be looked up. */
	resolve(r, "example.com.", FATA_DNS_TYPE_AXFR, FATA_EINVAL);

	fata_dns_resolver_free(r);
	fata_dns_server_free(srv);
	fata_dns_zone_unref(zones[0]);
	fata_dns_zone_unref(zones[1]);
}
END_TEST

START_TEST(resolver_tcp_after_truncation)
{
	static char text[8192];
	struct fata_dns_zone *zone;
	struct fata_dns_server_config small = { .udp_max = 512 };
	struct fata_sockaddr addr;
	struct fata_dns_server *srv;
	struct fata_dns_resolver_config config = { .nservers = 1 };
	struct fata_dns_resolver *r;
	struct fata_dns_answer *a;
	size_t n = (size_t)snprintf(text, sizeof text, "%s", com_zone);

	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
				"big TXT \"record %02d with some padding to make the set large\"\n", i);
	zone = load("example.com.", text);
	srv = server_start(&small, &zone, 1, &addr);
	config.servers[0] = addr;
	ck_assert_int_eq(fata_dns_resolver_new(loop, stack, &config, &r), 0);

	a = resolve(r, "big.example.com.", FATA_DNS_TYPE_TXT, 0);
	ck_assert_uint_eq(a->count, 20);
	fata_dns_answer_free(a);
	ck_assert_uint_eq(fata_dns_resolver_stats(r)->tcp_fallbacks, 1);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->truncated, 1);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->tcp_queries, 1);

	fata_dns_resolver_free(r);
	fata_dns_server_free(srv);
	fata_dns_zone_unref(zone);
}
END_TEST

/*
 * A fake server. It answers each query four times: with a wrong ID, from
 * another port, with another question type, and at last correctly.
 */
struct fake {
	struct fata_datagram *sock, *other;
	struct fata_sockaddr from;
	struct fata_promise *recv;
};

static void fake_received(void *arg, int status, union fata_value value)
{
	struct fake *f = arg;
	uint8_t msg[512];
	size_t len;
	struct fata_view v;

	f->recv = NULL;
	if (status < 0)
		return;
	len = value.view.len < sizeof msg ? value.view.len : sizeof msg;
	memcpy(msg, fata_view_data(value.view), len);
	fata_view_release(&value.view);

	/* Turn the query into a NODATA response: QR and AA set, no records. */
	msg[2] |= 0x84;
	msg[11] = 0; /* drop the OPT */
	len = 12;
	{
		size_t pos = 12;
		struct fata_dns_name name;

		fata_dns_name_read(msg, sizeof msg, &pos, &name);
		len = pos + 4;
	}

	for (int step = 0; step < 4; step++) {
		struct fata_promise *sent;

		/* Step 0 sends ID + 1, step 2 the question type + 1. */
		if (step == 0)
			msg[1]++;
		else if (step == 1)
			msg[1]--;
		else if (step == 2)
			msg[len - 3]++;
		else
			msg[len - 3]--;
		fata_buf_copy(msg, len, 0, &v);
		sent = fata_datagram_send(step == 1 ? f->other : f->sock, &f->from, &v, 1);
		fata_view_release(&v);
		fata_promise_cancel(sent);
	}
	f->recv = fata_datagram_recv(f->sock, &f->from);
	fata_promise_then(f->recv, fake_received, f);
}

START_TEST(resolver_drops_mismatched_responses)
{
	struct fake f = { 0 };
	struct fata_sockaddr any = loopback(0);
	struct fata_dns_resolver_config config = { .nservers = 1 };
	struct fata_dns_resolver *r;
	struct fata_dns_answer *a;

	ck_assert_int_eq(fata_stack_udp_bind(stack, &any, &f.sock), 0);
	ck_assert_int_eq(fata_stack_udp_bind(stack, &any, &f.other), 0);
	f.sock->ops->get_local(f.sock, &config.servers[0]);
	f.recv = fata_datagram_recv(f.sock, &f.from);
	fata_promise_then(f.recv, fake_received, &f);

	ck_assert_int_eq(fata_dns_resolver_new(loop, stack, &config, &r), 0);
	a = resolve(r, "x.example.", FATA_DNS_TYPE_A, 0);
	ck_assert_uint_eq(a->count, 0);
	fata_dns_answer_free(a);
	/* The wrong ID, source port and question were all dropped. */
	ck_assert_uint_eq(fata_dns_resolver_stats(r)->mismatched, 3);

	fata_dns_resolver_free(r);
	fata_promise_cancel(f.recv);
	fata_promise_cancel(fata_datagram_close(f.sock));
	fata_promise_cancel(fata_datagram_close(f.other));
}
END_TEST

START_TEST(resolver_times_out)
{
	struct fata_dns_resolver_config config = { .nservers = 2, .timeout_ns = 100000000,
		.attempts = 2 };
	struct fata_dns_resolver *r;
	struct fata_datagram *silent;
	struct fata_sockaddr any = loopback(0);

	/* A bound socket that never answers, twice in the server list. */
	ck_assert_int_eq(fata_stack_udp_bind(stack, &any, &silent), 0);
	silent->ops->get_local(silent, &config.servers[0]);
	config.servers[1] = config.servers[0];
	ck_assert_int_eq(fata_dns_resolver_new(loop, stack, &config, &r), 0);
	resolve(r, "x.example.", FATA_DNS_TYPE_A, FATA_ETIMEDOUT);
	ck_assert_uint_eq(fata_dns_resolver_stats(r)->timeouts, 4);
	ck_assert_uint_eq(fata_dns_resolver_stats(r)->queries, 4);
	fata_dns_resolver_free(r);
	fata_promise_cancel(fata_datagram_close(silent));
}
END_TEST

/* Runs the loop until `zone` on `srv` has `serial`, at most 10 s. */
static int wait_serial(struct fata_dns_server *srv, const char *zone, uint32_t serial)
{
	struct fata_dns_name origin = test_name(zone);
	time_t end = time(NULL) + 10;

	while (time(NULL) < end) {
		struct fata_dns_zone *z = fata_dns_server_zone(srv, &origin);

		if (z && fata_dns_zone_serial(z) == serial)
			return 1;
		fata_loop_run_until(loop, fata_sleep(loop, 20000000), NULL, NULL);
	}
	return 0;
}

START_TEST(secondary_transfers_and_follows_notify)
{
	static char text[400000];
	struct fata_dns_tsig_key key = { .alg = FATA_HASH_SHA512, .secret_len = 64 };
	struct fata_dns_zone *zone;
	struct fata_sockaddr paddr, saddr, any = loopback(0);
	struct fata_dns_server *primary, *secondary;
	size_t n = (size_t)snprintf(text, sizeof text, "%s", com_zone);

	/* Enough records for a transfer of several 64 KB messages. */
	for (int i = 0; i < 3000; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
				"host%04d A 198.51.100.%d\nhost%04d TXT \"padding padding padding\"\n",
				i, i % 250, i);
	zone = load("example.com.", text);
	key.name = test_name("xfr.key.");
	memset(key.secret, 0x5a, 64);

	primary = server_start(NULL, &zone, 1, &paddr);
	ck_assert_int_eq(fata_dns_server_add_key(primary, &key), 0);
	ck_assert_int_eq(fata_dns_server_allow_transfer(primary, NULL, &key.name), 0);

	ck_assert_int_eq(fata_dns_server_new(loop, NULL, &secondary), 0);
	ck_assert_int_eq(fata_dns_server_add_key(secondary, &key), 0);
	ck_assert_int_eq(fata_dns_server_add_secondary(secondary, fata_dns_zone_origin(zone), &paddr,
			&key.name), 0);
	ck_assert_int_eq(fata_dns_server_start(secondary, stack, &any), 0);
	ck_assert_int_eq(fata_dns_server_local_addr(secondary, &saddr), 0);
	ck_assert_int_eq(fata_dns_server_add_notify(primary, &saddr, NULL), 0);

	ck_assert_msg(wait_serial(secondary, "example.com.", 1), "first transfer did not happen");
	ck_assert_uint_eq(fata_dns_zone_record_count(fata_dns_server_zone(secondary,
			fata_dns_zone_origin(zone))), fata_dns_zone_record_count(zone));
	ck_assert_uint_eq(fata_dns_server_stats(primary)->transfers_out, 1);
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->refreshes, 1);

	/* A signed UPDATE on the primary: NOTIFY goes out, the secondary transfers again. */
	static const char *const add[] = { "added.example.com. 60 IN A 192.0.2.77", NULL };
	uint8_t req[1024], out[1024];
	size_t len = make_request(req, sizeof req, FATA_DNS_OP_UPDATE << 11, "example.com.",
			FATA_DNS_TYPE_SOA, 0, NULL, add, NULL), out_len;
	struct fata_sockaddr client = loopback(9);
	struct result r;

	fata_dns_tsig_sign(req, &len, sizeof req, &key, (uint64_t)time(NULL), NULL, 0, 0, 0, NULL);
	ck_assert_int_eq(fata_dns_server_answer(primary, req, len, &client, 0, out, sizeof out,
			&out_len), 0);
	read_result(out, out_len, &r);
	ck_assert_uint_eq(r.rcode, 0);

	ck_assert_msg(wait_serial(secondary, "example.com.", 2), "NOTIFY did not lead to a transfer");
	ck_assert_uint_eq(fata_dns_server_stats(primary)->notifies_acked, 1);
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->notifies_received, 1);

	/* The secondary answers the new record. */
	len = make_request(req, sizeof req, 0, "added.example.com.", FATA_DNS_TYPE_A, 0, NULL, NULL,
			NULL);
	ck_assert_int_eq(fata_dns_server_answer(secondary, req, len, &client, 0, out, sizeof out,
			&out_len), 0);
	read_result(out, out_len, &r);
	ck_assert(has_line(&r, "an:added.example.com. 60 IN A 192.0.2.77"));

	fata_dns_server_free(secondary);
	fata_dns_server_free(primary);
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(transfer_refused_without_rule)
{
	struct fata_dns_zone *zone = load("example.com.", com_zone);
	struct fata_sockaddr paddr, any = loopback(0);
	struct fata_dns_server *primary = server_start(NULL, &zone, 1, &paddr), *secondary;

	ck_assert_int_eq(fata_dns_server_new(loop, NULL, &secondary), 0);
	ck_assert_int_eq(fata_dns_server_add_secondary(secondary, fata_dns_zone_origin(zone), &paddr,
			NULL), 0);
	ck_assert_int_eq(fata_dns_server_start(secondary, stack, &any), 0);

	for (int i = 0; i < 50 && fata_dns_server_stats(secondary)->refresh_failures == 0; i++)
		fata_loop_run_until(loop, fata_sleep(loop, 20000000), NULL, NULL);
	ck_assert_uint_eq(fata_dns_server_stats(secondary)->refresh_failures, 1);
	ck_assert_uint_eq(fata_dns_server_stats(primary)->transfers_refused, 1);
	ck_assert_ptr_null(fata_dns_server_zone(secondary, fata_dns_zone_origin(zone)));

	/* Until a transfer works, the secondary answers SERVFAIL. */
	uint8_t req[512], out[512];
	size_t len = make_request(req, sizeof req, 0, "web.example.com.", FATA_DNS_TYPE_A, 0, NULL,
			NULL, NULL), out_len;
	struct fata_sockaddr client = loopback(9);
	struct result r;

	ck_assert_int_eq(fata_dns_server_answer(secondary, req, len, &client, 0, out, sizeof out,
			&out_len), 0);
	read_result(out, out_len, &r);
	ck_assert_uint_eq(r.rcode, FATA_DNS_RCODE_SERVFAIL);

	fata_dns_server_free(secondary);
	fata_dns_server_free(primary);
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(notify_retries_then_gives_up)
{
	struct fata_dns_zone *zone = load("example.com.", com_zone);
	struct fata_dns_server_config fast = { .notify_retry_ns = 50000000, .notify_tries = 3 };
	struct fata_sockaddr addr, target, any = loopback(0);
	struct fata_datagram *silent;
	struct fata_dns_server *srv;

	/* The target is a socket that never answers. */
	ck_assert_int_eq(fata_stack_udp_bind(stack, &any, &silent), 0);
	silent->ops->get_local(silent, &target);
	ck_assert_int_eq(fata_dns_server_new(loop, &fast, &srv), 0);
	ck_assert_int_eq(fata_dns_server_add_zone(srv, zone), 0);
	ck_assert_int_eq(fata_dns_server_add_notify(srv, &target, NULL), 0);
	ck_assert_int_eq(fata_dns_server_start(srv, stack, &any), 0);
	ck_assert_int_eq(fata_dns_server_local_addr(srv, &addr), 0);

	for (int i = 0; i < 100 && fata_dns_server_stats(srv)->notifies_failed == 0; i++)
		fata_loop_run_until(loop, fata_sleep(loop, 20000000), NULL, NULL);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->notifies_sent, 3);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->notifies_failed, 1);
	ck_assert_uint_eq(fata_dns_server_stats(srv)->notifies_acked, 0);

	fata_dns_server_free(srv);
	fata_promise_cancel(fata_datagram_close(silent));
	fata_dns_zone_unref(zone);
}
END_TEST

START_TEST(secondary_soa_timers)
{
	/* Refresh and retry after 1 s, expire after 3 s. */
	static const char short_timers[] =
		"$ORIGIN example.com.\n$TTL 300\n"
		"@ SOA ns1 hostmaster 1 1 1 3 60\n"
		"@ NS ns1\n"
		"ns1 A 192.0.2.1\n";
	struct fata_dns_zone *zone = load("example.com.", short_timers);
	struct fata_dns_tsig_key key = { .alg = FATA_HASH_SHA256, .secret_len = 32 };
	struct fata_sockaddr paddr, any = loopback(0);
	struct fata_dns_server *primary, *secondary;

	key.name = test_name("k.");
	primary = server_start(NULL, &zone, 1, &paddr);
	ck_assert_int_eq(fata_dns_server_add_key(primary, &key), 0);
	ck_assert_int_eq(fata_dns_server_allow_transfer(primary, &paddr.ip, NULL), 0);
	ck_assert_int_eq(fata_dns_server_new(loop, NULL, &secondary), 0);
	ck_assert_int_eq(fata_dns_server_add_secondary(secondary, fata_dns_zone_origin(zone), &paddr,
			NULL), 0);
	ck_assert_int_eq(fata_dns_server_start(secondary, stack, &any), 0);
	ck_assert(wait_serial(secondary, "example.com.", 1));

	/* No NOTIFY is configured: the refresh timer alone finds the new serial. */
	static const char *const add[] = { "new.example.com. 60 IN A 192.0.2.8", NULL };
	uint8_t req[1024], out[1024];
	size_t len = make_request(req, sizeof req, FATA_DNS_OP_UPDATE << 11, "example.com.",
			FATA_DNS_TYPE_SOA, 0, NULL, add, NULL), out_len;
	struct fata_sockaddr client = loopback(9);

	fata_dns_tsig_sign(req, &len, sizeof req, &key, (uint64_t)time(NULL), NULL, 0, 0, 0, NULL);
	ck_assert_int_eq(fata_dns_server_answer(primary, req, len, &client, 0, out, sizeof out,
			&out_len), 0);
	ck_assert(wait_serial(secondary, "example.com.", 2));

	/* With the primary gone, refreshes fail and the zone expires after 3 s. */
	fata_dns_server_free(primary);
	time_t end = time(NULL) + 8;

	while (time(NULL) < end && fata_dns_server_zone(secondary, fata_dns_zone_origin(zone)))
		fata_loop_run_until(loop, fata_sleep(loop, 50000000), NULL, NULL);
	ck_assert_ptr_null(fata_dns_server_zone(secondary, fata_dns_zone_origin(zone)));
	ck_assert_uint_ge(fata_dns_server_stats(secondary)->refresh_failures, 1);

	fata_dns_server_free(secondary);
	fata_dns_zone_unref(zone);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns_loopback");
	TCase *tc = tcase_create("loopback");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, resolver_answers_and_caches);
	tcase_add_test(tc, resolver_tcp_after_truncation);
	tcase_add_test(tc, resolver_drops_mismatched_responses);
	tcase_add_test(tc, resolver_times_out);
	tcase_add_test(tc, secondary_transfers_and_follows_notify);
	tcase_add_test(tc, transfer_refused_without_rule);
	tcase_add_test(tc, notify_retries_then_gives_up);
	tcase_add_test(tc, secondary_soa_timers);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

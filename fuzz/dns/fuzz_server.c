/*
 * libFuzzer target for the server core: each input is one request to a
 * server with a small zone and a TSIG key. The response must parse.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_zone.h>
#include <fata/loop.h>

static const char zone_text[] =
	"$ORIGIN example.com.\n$TTL 60\n"
	"@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nwww CNAME ns\n"
	"*.w TXT \"x\"\nsub NS ns.sub\nns.sub A 192.0.2.2\nmx MX 1 ns\n";

static struct fata_dns_server *srv;
static uint8_t out[65535];

static uint64_t fixed_time(void *ctx)
{
	(void)ctx;
	return 1700000000;
}

static void init(void)
{
	struct fata_dns_server_config config = { .wall_time = fixed_time };
	struct fata_dns_name origin;
	struct fata_dns_zone_options opt = { .origin = &origin };
	struct fata_dns_zone *zone;
	struct fata_dns_tsig_key key = { .alg = FATA_HASH_SHA256, .secret_len = 16 };

	fata_dns_name_parse("example.com.", 12, NULL, &origin);
	if (fata_dns_server_new(fata_loop_new_virtual(0), &config, &srv) < 0
			|| fata_dns_zone_load(zone_text, sizeof zone_text - 1, &opt, &zone, NULL) < 0
			|| fata_dns_server_add_zone(srv, zone) < 0)
		abort();
	fata_dns_zone_unref(zone);
	fata_dns_name_parse("key.", 4, NULL, &key.name);
	fata_dns_server_add_key(srv, &key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fata_sockaddr client = { .ip = { .family = FATA_AF_INET, .bytes = { 192, 0, 2, 9 } },
		.port = 1234 };
	struct fata_dns_parser p;
	size_t len;

	if (!srv)
		init();
	/* The first byte picks the transport, so both size limits are exercised. */
	if (size < 1)
		return 0;
	if (fata_dns_server_answer(srv, data + 1, size - 1, &client, data[0] & 1, out, sizeof out,
			&len) != 0)
		return 0;
	if (fata_dns_parser_init(&p, out, len) != 0 || fata_dns_parser_finish(&p) != 0)
		abort();
	if (!(data[0] & 1) && len > 65535)
		abort();
	return 0;
}

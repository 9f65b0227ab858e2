/*
 * fata-dns's own command-line options. Peers are written
 * "ADDR[:PORT][,key=NAME]", with IPv6 addresses in brackets when a port
 * follows ("[2001:db8::1]:5300").
 */
#include <stdlib.h>
#include <string.h>

#include <fata/addr.h>
#include <fata/dns.h>

#include "app.h"
#include "dns_app.h"

void dns_app_config_init(struct dns_app_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->port = 53;
	cfg->listen = fata_ipv4(0, 0, 0, 0);
	cfg->tcp_idle_s = 10;
}

/* Parses "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT" (`len` bytes). */
static int parse_sockaddr(const char *text, size_t len, struct fata_sockaddr *out)
{
	const char *addr = text, *port = NULL;
	size_t addr_len = len;
	uint64_t value;

	out->port = 0;
	if (len > 0 && text[0] == '[') {
		const char *close = memchr(text, ']', len);

		if (!close)
			return -1;
		addr = text + 1;
		addr_len = (size_t)(close - addr);
		if ((size_t)(close - text) + 1 < len) {
			if (close[1] != ':')
				return -1;
			port = close + 2;
		}
	} else {
		const char *colon = memchr(text, ':', len);

		/* A single colon separates a port; more mean a bare IPv6 address. */
		if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - text) - 1)) {
			addr_len = (size_t)(colon - text);
			port = colon + 1;
		}
	}
	if (fata_ipaddr_parse(addr, addr_len, &out->ip) < 0)
		return -1;
	if (port) {
		char digits[8];
		size_t n = len - (size_t)(port - text);

		if (n == 0 || n >= sizeof digits)
			return -1;
		memcpy(digits, port, n);
		digits[n] = '\0';
		if (fata_app_parse_uint(digits, 1, 65535, &value) < 0)
			return -1;
		out->port = (uint16_t)value;
	}
	return 0;
}

static int parse_name(const char *text, size_t len, struct fata_dns_name *out)
{
	struct fata_dns_name root;

	fata_dns_name_root(&root);
	return fata_dns_name_parse(text, len, &root, out) < 0 ? -1 : 0;
}

/* Parses "ADDR[:PORT][,key=NAME]"; "any" and a lone "key=NAME" are allowed when `any_ok`. */
static int parse_peer(const char *value, int any_ok, struct dns_app_peer *peer)
{
	const char *comma = strchr(value, ',');
	size_t addr_len = comma ? (size_t)(comma - value) : strlen(value);
	const char *key = NULL;

	memset(peer, 0, sizeof *peer);
	if (strncmp(value, "key=", 4) == 0) {
		if (!any_ok)
			return -1;
		peer->any_addr = 1;
		key = value + 4;
	} else {
		if (any_ok && addr_len == 3 && strncmp(value, "any", 3) == 0)
			peer->any_addr = 1;
		else if (parse_sockaddr(value, addr_len, &peer->addr) < 0)
			return -1;
		if (comma) {
			if (strncmp(comma + 1, "key=", 4) != 0)
				return -1;
			key = comma + 5;
		}
	}
	if (key) {
		if (parse_name(key, strlen(key), &peer->key) < 0)
			return -1;
		peer->has_key = 1;
	}
	return 0;
}

static int set_port(void *ctx, const char *value)
{
	struct dns_app_config *cfg = ctx;
	uint64_t port;

	if (fata_app_parse_uint(value, 1, 65535, &port) < 0)
		return -1;
	cfg->port = (uint16_t)port;
	return 0;
}

static int set_listen(void *ctx, const char *value)
{
	struct dns_app_config *cfg = ctx;

	return fata_ipaddr_parse(value, strlen(value), &cfg->listen) < 0 ? -1 : 0;
}

static int set_keys(void *ctx, const char *value)
{
	struct dns_app_config *cfg = ctx;

	cfg->keys_path = value;
	return 0;
}

static int set_tcp_idle(void *ctx, const char *value)
{
	struct dns_app_config *cfg = ctx;

	return fata_app_parse_uint(value, 1, 3600, &cfg->tcp_idle_s);
}

static int set_notify(void *ctx, const char *value)
{
	struct dns_app_config *cfg = ctx;

	if (cfg->nnotify >= DNS_APP_MAX_PEERS)
		return -1;
	return parse_peer(value, 0, &cfg->notify[cfg->nnotify++]);
}

static int set_allow_transfer(void *ctx, const char *value)
{
	struct dns_app_config *cfg = ctx;

	if (cfg->ntransfer >= DNS_APP_MAX_PEERS)
		return -1;
	return parse_peer(value, 1, &cfg->transfer[cfg->ntransfer++]);
}

/* "ZONE@ADDR[:PORT][,key=NAME]" */
static int set_secondary(void *ctx, const char *value)
{
	struct dns_app_config *cfg = ctx;
	const char *at = strchr(value, '@');
	struct dns_app_peer *peer;

	if (!at || cfg->nsecondary >= DNS_APP_MAX_PEERS)
		return -1;
	peer = &cfg->secondary[cfg->nsecondary];
	if (parse_peer(at + 1, 0, peer) < 0 || parse_name(value, (size_t)(at - value), &peer->zone) < 0)
		return -1;
	cfg->nsecondary++;
	return 0;
}

const struct fata_app_option dns_app_options[] = {
	{ .name = "port", .arg = "N", .set = set_port,
		.help = "UDP and TCP port to serve on, 1 to 65535 (default 53)" },
	{ .name = "listen", .arg = "ADDR", .set = set_listen,
		.help = "local IPv4 or IPv6 address to serve on (default 0.0.0.0)" },
	{ .name = "tsig-keys", .arg = "FILE", .set = set_keys,
		.help = "TSIG keys in tsig-keygen format, for UPDATE, AXFR and NOTIFY" },
	{ .name = "tcp-idle", .arg = "SECONDS", .set = set_tcp_idle,
		.help = "close TCP connections idle this long, 1 to 3600 (default 10)" },
	{ .name = "notify", .arg = "ADDR[:PORT][,key=NAME]", .set = set_notify,
		.help = "send NOTIFY to this secondary after each change (repeatable)" },
	{ .name = "allow-transfer", .arg = "ADDR|any[,key=NAME]", .set = set_allow_transfer,
		.help = "allow AXFR from this address or with this key, or key=NAME (repeatable)" },
	{ .name = "secondary", .arg = "ZONE@ADDR[:PORT][,key=NAME]", .set = set_secondary,
		.help = "serve ZONE as a secondary of the primary at ADDR (repeatable)" },
};

const unsigned dns_app_option_count = sizeof dns_app_options / sizeof dns_app_options[0];

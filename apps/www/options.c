/*
 * The options of fata-www: each setter checks its own value, and
 * www_options_check() checks them against each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "www.h"
#include "www_app.h"

static int set_port(void *ctx, const char *value)
{
	struct www_options *o = ctx;
	uint64_t v;

	if (fata_app_parse_uint(value, 0, 65535, &v) != 0)
		return -1;
	o->port = (uint16_t)v;
	o->port_given = 1;
	return 0;
}

static int set_http_port(void *ctx, const char *value)
{
	struct www_options *o = ctx;
	uint64_t v;

	if (fata_app_parse_uint(value, 0, 65535, &v) != 0)
		return -1;
	o->http_port = (uint16_t)v;
	o->http_port_given = 1;
	return 0;
}

static int set_max_connections(void *ctx, const char *value)
{
	uint64_t v;

	if (fata_app_parse_uint(value, 1, 1000000, &v) != 0)
		return -1;
	((struct www_options *)ctx)->max_connections = (uint32_t)v;
	return 0;
}

static int set_idle_timeout(void *ctx, const char *value)
{
	return fata_app_parse_uint(value, 1, 86400, &((struct www_options *)ctx)->idle_timeout_s);
}

static int set_header_timeout(void *ctx, const char *value)
{
	return fata_app_parse_uint(value, 1, 3600, &((struct www_options *)ctx)->header_timeout_s);
}

static int set_cache_size(void *ctx, const char *value)
{
	return fata_app_parse_uint(value, 0, UINT64_C(1) << 40, &((struct www_options *)ctx)->cache_bytes);
}

static int set_quiet(void *ctx, const char *value)
{
	(void)value;
	((struct www_options *)ctx)->quiet = 1;
	return 0;
}

static int set_tls_cert(void *ctx, const char *value)
{
	if (value[0] == '\0')
		return -1;
	((struct www_options *)ctx)->tls_cert_path = value;
	return 0;
}

static int set_tls_key(void *ctx, const char *value)
{
	if (value[0] == '\0')
		return -1;
	((struct www_options *)ctx)->tls_key_path = value;
	return 0;
}

const struct fata_app_option www_option_table[] = {
	{ .name = "port", .arg = "N", .set = set_port,
		.help = "TCP port to listen on, 0 for any free one (default 80, or 443 with "
			"--tls-cert)" },
	{ .name = "tls-cert", .arg = "FILE", .set = set_tls_cert,
		.help = "serve HTTPS with the PEM certificate chain in FILE, leaf first, and "
			"the key in --tls-key" },
	{ .name = "tls-key", .arg = "FILE", .set = set_tls_key,
		.help = "the private key of --tls-cert: PEM, unencrypted, RSA or EC" },
	{ .name = "http-port", .arg = "N", .set = set_http_port,
		.help = "with --tls-cert, also serve plain HTTP on TCP port N (default: "
			"HTTPS only)" },
	{ .name = "max-connections", .arg = "N", .set = set_max_connections,
		.help = "connections served at once; one more gets 503 (default 256)" },
	{ .name = "idle-timeout", .arg = "SECONDS", .set = set_idle_timeout,
		.help = "close a keep-alive connection idle this long, or a stalled one (default 30)" },
	{ .name = "header-timeout", .arg = "SECONDS", .set = set_header_timeout,
		.help = "respond 408 when a request head takes longer (default 10)" },
	{ .name = "cache-size", .arg = "BYTES", .set = set_cache_size,
		.help = "keep served files of up to 64 KiB in memory, BYTES in all, 0 for none "
			"(default 16777216)" },
	{ .name = "no-access-log", .set = set_quiet,
		.help = "do not log a Common Log Format line per request" },
};

const unsigned www_option_count = sizeof(www_option_table) / sizeof(www_option_table[0]);

void www_options_init(struct www_options *o)
{
	memset(o, 0, sizeof(*o));
	o->port = WWW_DEFAULT_HTTP_PORT;
	o->max_connections = 256;
	o->idle_timeout_s = 30;
	o->header_timeout_s = 10;
	o->cache_bytes = WWW_CACHE_DEFAULT_BYTES;
}

/* Prints "PROG: MESSAGE" on standard error and exits as the shared parser does. */
static void usage_error(const char *prog, const char *message)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", prog, message);
	exit(FATA_APP_EXIT_USAGE);
}

void www_options_check(const char *prog, struct www_options *o)
{
	int tls = o->tls_cert_path != NULL;

	if (o->tls_cert_path != NULL && o->tls_key_path == NULL)
		usage_error(prog, "option --tls-cert needs --tls-key FILE");
	if (o->tls_key_path != NULL && o->tls_cert_path == NULL)
		usage_error(prog, "option --tls-key needs --tls-cert FILE");
	if (o->http_port_given && !tls)
		usage_error(prog, "option --http-port needs --tls-cert and --tls-key (without "
				"them --port is the plain HTTP port)");

	if (tls && !o->port_given)
		o->port = WWW_DEFAULT_HTTPS_PORT;

	/* With port 0 the stack picks any free port, so two zeros do not collide. */
	if (o->http_port_given && o->http_port != 0 && o->http_port == o->port) {
		char message[128];

		snprintf(message, sizeof(message), "options --port and --http-port both name port "
				"%u; give HTTPS and plain HTTP different ports", o->port);
		usage_error(prog, message);
	}
}

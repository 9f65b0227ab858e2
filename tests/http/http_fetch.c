/*
 * http-fetch: a test tool that fetches paths from one HTTP server with the
 * libhttp client, over the host's sockets or Fata's own stack.
 *
 * Usage: http-fetch [shared options] ADDR:PORT PATH...
 * For each path, in order on one persistent connection when the server
 * allows, prints "PATH STATUS BYTES HASH" (HASH: FNV-1a 64 of the body in
 * hex), then "connections_opened=N connections_reused=M". Exits 0 when
 * every request got a response, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/http_client.h>
#include <fata/log.h>

#include "app.h"

struct fetch {
	struct fata_app app;
	struct fata_http_client *client;
	struct fata_sockaddr server;
	char **paths;
	int count;
	int next;
	int failed;
};

static uint64_t fnv1a(const uint8_t *data, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++) {
		h ^= data[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static struct fata_promise *connect_server(void *arg)
{
	struct fetch *f = arg;
	struct fata_tcp_options tcp = { .nodelay = 1 };

	return fata_stack_connect(f->app.stack, &f->server, &tcp);
}

static void fetch_next(struct fetch *f);

static void on_response(void *arg, int status, union fata_value value)
{
	struct fetch *f = arg;
	const char *path = f->paths[f->next];
	struct fata_http_client_response *r = value.ptr;

	if (status < 0) {
		printf("%s error %s\n", path, fata_error_name(status));
		f->failed = 1;
	} else {
		printf("%s %d %u %016llx\n", path, r->status, (unsigned)r->body.len,
				(unsigned long long)fnv1a(fata_view_data(r->body), r->body.len));
		fata_http_client_response_free(r);
	}
	f->next++;
	fetch_next(f);
}

static void fetch_next(struct fetch *f)
{
	if (f->next == f->count) {
		fata_loop_stop(f->app.loop);
		return;
	}

	struct fata_promise *p = fata_http_client_get(f->client, f->paths[f->next]);

	if (p == NULL) {
		f->failed = 1;
		fata_loop_stop(f->app.loop);
		return;
	}
	fata_promise_then(p, on_response, f);
}

int main(int argc, char **argv)
{
	static struct fetch f;
	struct fata_app_info info = {
		.name = "http-fetch",
		.usage_args = "ADDR:PORT PATH...",
		.summary = "Fetch paths from one HTTP server with the libhttp client.",
		.min_args = 2,
		.max_args = 64,
	};
	struct fata_app_options opts;
	struct fata_http_client_config c = { .timeout_ns = 10 * UINT64_C(1000000000) };
	char host[64];
	int rc;

	fata_app_parse(argc, argv, &info, &opts);

	const char *target = argv[opts.first_arg];
	const char *colon = strrchr(target, ':');

	if (colon == NULL || fata_ipaddr_parse(target, (size_t)(colon - target), &f.server.ip) != 0) {
		fprintf(stderr, "http-fetch: invalid server address %s, expected ADDR:PORT\n", target);
		return 2;
	}
	f.server.port = (uint16_t)atoi(colon + 1);
	snprintf(host, sizeof(host), "%s", target);
	f.paths = argv + opts.first_arg + 1;
	f.count = argc - opts.first_arg - 1;

	if (fata_app_start(&f.app, "http-fetch", &opts) != 0)
		return 1;
	c.host = host;
	c.connect = connect_server;
	c.connect_arg = &f;
	rc = fata_http_client_new(f.app.loop, &c, &f.client);
	if (rc != 0) {
		fprintf(stderr, "http-fetch: cannot create the client: %s\n", fata_strerror(rc));
		fata_app_finish(&f.app);
		return 1;
	}
	fetch_next(&f);
	fata_loop_run(f.app.loop, FATA_RUN_FOREVER);

	const struct fata_http_client_stats *s = fata_http_client_stats(f.client);

	printf("connections_opened=%llu connections_reused=%llu\n",
			(unsigned long long)s->connections_opened,
			(unsigned long long)s->connections_reused);
	fata_http_client_free(f.client);
	fata_app_finish(&f.app);
	return f.failed ? 1 : 0;
}

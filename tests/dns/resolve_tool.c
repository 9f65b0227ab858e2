/*
 * dns_resolve_tool: resolves names with the stub resolver over the host's
 * sockets and prints each answer, for the peer tests.
 *
 *     dns_resolve_tool [--udp-size N] ADDR PORT NAME TYPE [NAME TYPE]...
 *
 * Prints one line per answer ("NAME TYPE RCODE canonical=NAME ttl=N") and
 * one line per record, then the resolver's counters. Exits 1 when a lookup
 * fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_resolver.h>
#include <fata/error.h>
#include <fata/loop.h>
#include <fata/posix.h>

static int lookup(struct fata_loop *loop, struct fata_dns_resolver *r, const char *name_text,
		const char *type_text)
{
	struct fata_dns_name name, root;
	uint16_t type;
	union fata_value v;
	int status;
	char text[70000], canonical[FATA_DNS_NAME_TEXT_MAX];

	fata_dns_name_root(&root);
	if (fata_dns_name_parse(name_text, strlen(name_text), &root, &name) < 0
			|| fata_dns_type_parse(type_text, strlen(type_text), &type) < 0) {
		fprintf(stderr, "invalid name or type: %s %s\n", name_text, type_text);
		return -1;
	}
	if (fata_loop_run_until(loop, fata_dns_resolve(r, &name, type), &status, &v) < 0 || status < 0) {
		printf("%s %s failed: %s\n", name_text, type_text, fata_strerror(status));
		return -1;
	}

	struct fata_dns_answer *a = v.ptr;

	fata_dns_name_format(&a->canonical, canonical, sizeof canonical);
	printf("%s %s %s canonical=%s ttl=%u records=%zu%s\n", name_text, type_text,
			fata_dns_rcode_name(a->rcode), canonical, (unsigned)a->ttl, a->count,
			a->from_cache ? " cached" : "");
	for (size_t i = 0; i < a->count; i++) {
		fata_dns_rdata_format(type, a->records[i].rdata, a->records[i].rdlen, text, sizeof text);
		printf("  %s\n", text);
	}
	fata_dns_answer_free(a);
	return 0;
}

int main(int argc, char **argv)
{
	struct fata_dns_resolver_config config = { .nservers = 1, .timeout_ns = 1000000000 };
	struct fata_loop *loop = fata_loop_new();
	struct fata_stack *stack;
	struct fata_dns_resolver *r;
	const struct fata_dns_resolver_stats *st;
	int arg = 1, failed = 0;

	if (argc > 2 && strcmp(argv[1], "--udp-size") == 0) {
		config.udp_size = (uint16_t)atoi(argv[2]);
		arg = 3;
	}
	if (argc - arg < 4 || (argc - arg) % 2 != 0) {
		fprintf(stderr, "usage: %s [--udp-size N] ADDR PORT NAME TYPE [NAME TYPE]...\n", argv[0]);
		return 2;
	}
	if (!loop || fata_ipaddr_parse(argv[arg], strlen(argv[arg]), &config.servers[0].ip) < 0) {
		fprintf(stderr, "invalid server address %s\n", argv[arg]);
		return 2;
	}
	config.servers[0].port = (uint16_t)atoi(argv[arg + 1]);
	if (fata_socket_stack_new(loop, &stack) < 0
			|| fata_dns_resolver_new(loop, stack, &config, &r) < 0) {
		fprintf(stderr, "cannot create the resolver\n");
		return 1;
	}

	for (int i = arg + 2; i + 1 < argc; i += 2)
		failed |= lookup(loop, r, argv[i], argv[i + 1]) < 0;

	st = fata_dns_resolver_stats(r);
	printf("stats: queries=%llu tcp_fallbacks=%llu cache_hits=%llu mismatched=%llu timeouts=%llu\n",
			(unsigned long long)st->queries, (unsigned long long)st->tcp_fallbacks,
			(unsigned long long)st->cache_hits, (unsigned long long)st->mismatched,
			(unsigned long long)st->timeouts);
	fata_dns_resolver_free(r);
	fata_stack_destroy(stack);
	fata_loop_run(loop, FATA_RUN_ONCE);
	fata_loop_free(loop);
	return failed ? 1 : 0;
}

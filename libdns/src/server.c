/*
 * The server object: configuration, zones, keys, transfer rules and
 * notify targets. Request handling is in server_request.c and the files it
 * dispatches to; the network side is in server_net.c.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/clock.h>
#include <fata/dns_server.h>
#include <fata/error.h>
#include <fata/log.h>

#include "server_internal.h"

/* Counter names, in the order of the fields of struct fata_dns_server_stats. */
static const char *const stat_names[] = {
	"udp_queries", "tcp_queries", "dropped",
	"rcode_noerror", "rcode_formerr", "rcode_servfail", "rcode_nxdomain", "rcode_notimp",
	"rcode_refused", "rcode_yxdomain", "rcode_yxrrset", "rcode_nxrrset", "rcode_notauth",
	"rcode_notzone", "rcode_11", "rcode_12", "rcode_13", "rcode_14", "rcode_15",
	"truncated", "tsig_failures", "updates", "updates_rejected", "transfers_out",
	"transfers_refused", "notifies_sent", "notifies_acked", "notifies_failed",
	"notifies_received", "refreshes", "refresh_failures", "tcp_connections", "tcp_rejected",
	"ixfr_incremental", "ixfr_axfr_form", "ixfr_refreshes",
};

_Static_assert(sizeof stat_names / sizeof stat_names[0]
		== sizeof(struct fata_dns_server_stats) / sizeof(uint64_t),
		"every server counter needs a name");

int fata_dns_server_new(struct fata_loop *loop, const struct fata_dns_server_config *config,
		struct fata_dns_server **out)
{
	struct fata_dns_server *srv = fata_calloc(1, sizeof *srv);

	*out = NULL;
	if (!srv)
		return FATA_ENOMEM;
	srv->loop = loop;
	if (config)
		srv->config = *config;
	if (srv->config.udp_max < FATA_DNS_UDP_MIN)
		srv->config.udp_max = srv->config.udp_max ? FATA_DNS_UDP_MIN : 1232;
	if (!srv->config.tcp_idle_ns)
		srv->config.tcp_idle_ns = UINT64_C(10000000000);
	if (!srv->config.tcp_max_conns)
		srv->config.tcp_max_conns = 64;
	if (!srv->config.notify_retry_ns)
		srv->config.notify_retry_ns = UINT64_C(2000000000);
	if (!srv->config.notify_tries)
		srv->config.notify_tries = 5;
	if (!srv->config.refresh_timeout_ns)
		srv->config.refresh_timeout_ns = UINT64_C(30000000000);
	if (!srv->config.journal_records)
		srv->config.journal_records = 4096;

	srv->counters.name = "dns";
	srv->counters.names = stat_names;
	srv->counters.values = (const uint64_t *)&srv->stats;
	srv->counters.count = sizeof stat_names / sizeof stat_names[0];
	fata_counters_register(&srv->counters);
	*out = srv;
	return 0;
}

void fata_dns_server_free(struct fata_dns_server *srv)
{
	if (!srv)
		return;
	fata_counters_unregister(&srv->counters);
	net_stop(srv);
	notify_cancel_all(srv);
	for (size_t i = 0; i < srv->nzones; i++) {
		if (srv->zones[i].secondary)
			secondary_free(srv, &srv->zones[i]);
		journal_clear(&srv->zones[i].journal);
		fata_dns_zone_unref(srv->zones[i].zone);
	}
	fata_free(srv->zones);
	if (srv->keys)
		memset(srv->keys, 0, srv->nkeys * sizeof *srv->keys);
	fata_free(srv->keys);
	fata_free(srv->rules);
	fata_free(srv->targets);
	fata_free(srv);
}

uint64_t server_now(const struct fata_dns_server *srv)
{
	if (srv->config.wall_time)
		return srv->config.wall_time(srv->config.wall_time_ctx);
	return (uint64_t)fata_clock_wall_ns() / UINT64_C(1000000000);
}

/* Grows an array of `size`-byte items by one; returns the new slot or NULL. */
static void *array_push(void **array, size_t *count, size_t size)
{
	uint8_t *grown = fata_realloc(*array, (*count + 1) * size);

	if (!grown)
		return NULL;
	*array = grown;
	memset(grown + *count * size, 0, size);
	return grown + (*count)++ * size;
}

struct server_zone *server_zone_exact(struct fata_dns_server *srv,
		const struct fata_dns_name *origin)
{
	for (size_t i = 0; i < srv->nzones; i++) {
		if (fata_dns_name_equal(&srv->zones[i].origin, origin))
			return &srv->zones[i];
	}
	return NULL;
}

struct server_zone *server_zone_for(struct fata_dns_server *srv, const struct fata_dns_name *name)
{
	struct server_zone *best = NULL;

	for (size_t i = 0; i < srv->nzones; i++) {
		struct server_zone *sz = &srv->zones[i];

		if (!fata_dns_name_is_subdomain(name, &sz->origin))
			continue;
		if (!best || sz->origin.labels > best->origin.labels)
			best = sz;
	}
	return best;
}

int fata_dns_server_add_zone(struct fata_dns_server *srv, struct fata_dns_zone *zone)
{
	struct server_zone *sz;

	if (server_zone_exact(srv, fata_dns_zone_origin(zone)))
		return FATA_EEXIST;
	if (fata_dns_zone_check(zone, NULL) < 0)
		return FATA_EINVAL;
	sz = array_push((void **)&srv->zones, &srv->nzones, sizeof *sz);
	if (!sz)
		return FATA_ENOMEM;
	sz->origin = *fata_dns_zone_origin(zone);
	sz->zone = fata_dns_zone_ref(zone);
	return 0;
}

int fata_dns_server_add_secondary(struct fata_dns_server *srv, const struct fata_dns_name *origin,
		const struct fata_sockaddr *primary, const struct fata_dns_name *key)
{
	const struct fata_dns_tsig_key *k = NULL;
	struct server_zone *sz;
	int err;

	if (server_zone_exact(srv, origin))
		return FATA_EEXIST;
	if (key && !(k = server_key(srv, key)))
		return FATA_ENOENT;
	sz = array_push((void **)&srv->zones, &srv->nzones, sizeof *sz);
	if (!sz)
		return FATA_ENOMEM;
	sz->origin = *origin;
	err = secondary_new(srv, sz, primary, k);
	if (err < 0) {
		srv->nzones--;
		return err;
	}
	return 0;
}

const struct fata_dns_tsig_key *server_key(const struct fata_dns_server *srv,
		const struct fata_dns_name *name)
{
	for (size_t i = 0; i < srv->nkeys; i++) {
		if (fata_dns_name_equal(&srv->keys[i].name, name))
			return &srv->keys[i];
	}
	return NULL;
}

int fata_dns_server_add_key(struct fata_dns_server *srv, const struct fata_dns_tsig_key *key)
{
	struct fata_dns_tsig_key *slot;

	if (server_key(srv, &key->name))
		return FATA_EEXIST;
	/* Secondaries point at keys, so the array must not move once zones refer to it. */
	for (size_t i = 0; i < srv->nzones; i++) {
		if (srv->zones[i].secondary)
			return FATA_ESTATE;
	}
	slot = array_push((void **)&srv->keys, &srv->nkeys, sizeof *slot);
	if (!slot)
		return FATA_ENOMEM;
	*slot = *key;
	fata_dns_name_lower(&slot->name);
	return 0;
}

int fata_dns_server_allow_transfer(struct fata_dns_server *srv, const struct fata_ipaddr *addr,
		const struct fata_dns_name *key)
{
	struct transfer_rule *rule;

	if (key && !server_key(srv, key))
		return FATA_ENOENT;
	rule = array_push((void **)&srv->rules, &srv->nrules, sizeof *rule);
	if (!rule)
		return FATA_ENOMEM;
	rule->any_addr = addr == NULL;
	if (addr)
		rule->addr = *addr;
	rule->any_key = key == NULL;
	if (key)
		rule->key = *key;
	return 0;
}

int fata_dns_server_add_notify(struct fata_dns_server *srv, const struct fata_sockaddr *target,
		const struct fata_dns_name *key)
{
	struct notify_target *t;

	if (key && !server_key(srv, key))
		return FATA_ENOENT;
	t = array_push((void **)&srv->targets, &srv->ntargets, sizeof *t);
	if (!t)
		return FATA_ENOMEM;
	t->addr = *target;
	if (t->addr.port == 0)
		t->addr.port = 53;
	t->has_key = key != NULL;
	if (key)
		t->key = *key;
	return 0;
}

const struct fata_dns_server_stats *fata_dns_server_stats(const struct fata_dns_server *srv)
{
	return &srv->stats;
}

struct fata_dns_zone *fata_dns_server_zone(struct fata_dns_server *srv,
		const struct fata_dns_name *origin)
{
	struct server_zone *sz = server_zone_exact(srv, origin);

	return sz ? sz->zone : NULL;
}

void server_publish(struct fata_dns_server *srv, struct server_zone *sz,
		struct fata_dns_zone *zone)
{
	journal_record(srv, sz, sz->zone, zone);
	fata_dns_zone_unref(sz->zone);
	sz->zone = zone;
	if (!sz->secondary)
		notify_zone(srv, sz);
}

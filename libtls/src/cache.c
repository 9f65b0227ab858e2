/*
 * The server session cache: BearSSL's LRU cache, plus a note per session of
 * the certificate it was made with and whether the client's certificate
 * verified. A session is resumed only when SNI would pick the same
 * certificate again (RFC 6066 section 3 forbids resuming across names) and,
 * when client certificates are required, only if the client's verified.
 * Notes are kept in a ring as large as the cache; a session whose note was
 * overwritten falls back to a full handshake.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tls_internal.h"

int tls_cache_init(struct tls_cache *cache, size_t entries)
{
	memset(cache, 0, sizeof *cache);
	cache->vtable = &tls_cache_vtable;
	if (entries == 0)
		return 0;
	cache->store = fata_alloc(entries * TLS_CACHE_ENTRY_SIZE);
	cache->notes = fata_calloc(entries, sizeof *cache->notes);
	if (!cache->store || !cache->notes) {
		fata_free(cache->store);
		fata_free(cache->notes);
		memset(cache, 0, sizeof *cache);
		return FATA_ENOMEM;
	}
	br_ssl_session_cache_lru_init(&cache->lru, cache->store,
			entries * TLS_CACHE_ENTRY_SIZE);
	cache->entries = entries;
	return 0;
}

void tls_cache_clear(struct tls_cache *cache)
{
	/* The store holds master secrets. */
	if (cache->store) {
		tls_wipe(cache->store, cache->entries * TLS_CACHE_ENTRY_SIZE);
		fata_free(cache->store);
	}
	fata_free(cache->notes);
	memset(cache, 0, sizeof *cache);
}

static struct tls_cache_note *cache_find_note(struct tls_cache *cache, const uint8_t *id)
{
	size_t i;

	for (i = 0; i < cache->entries; i++) {
		if (cache->notes[i].used && memcmp(cache->notes[i].id, id, 32) == 0)
			return &cache->notes[i];
	}
	return NULL;
}

void tls_cache_note_verified(struct tls_cache *cache, const uint8_t *id, int verified)
{
	struct tls_cache_note *note;

	if (cache->entries == 0)
		return;
	note = cache_find_note(cache, id);
	if (note)
		note->verified = (uint8_t)(verified != 0);
}

static struct tls_cache *cache_from_class(const br_ssl_session_cache_class **ctx)
{
	return TLS_CONTAINER_OF(ctx, struct tls_cache, vtable);
}

static void cache_save(const br_ssl_session_cache_class **ctx, br_ssl_server_context *sc,
		const br_ssl_session_parameters *params)
{
	struct tls_cache *cache = cache_from_class(ctx);
	struct tls_conn *conn = tls_conn_from_server(sc);
	struct tls_cache_note *note;

	if (cache->entries == 0 || conn->cert_index < 0)
		return;
	cache->lru.vtable->save(&cache->lru.vtable, sc, params);
	note = &cache->notes[cache->next_note];
	cache->next_note = (cache->next_note + 1) % cache->entries;
	memcpy(note->id, params->session_id, 32);
	note->cert_index = (uint16_t)conn->cert_index;
	note->verified = 0;
	note->used = 1;
}

/* Applies the rules above to a session found in the LRU cache. */
static int cache_may_resume(const struct tls_conn *conn, const struct tls_cache_note *note)
{
	const struct fata_tls_server_config *config = conn->server_config;
	const char *sni = br_ssl_engine_get_server_name(&conn->br.eng);
	const struct tls_cert *cert;

	if (note->cert_index >= config->cert_count)
		return 0;
	cert = &config->certs[note->cert_index];
	if (tls_pick_cert(config, sni, 1u << cert->key.type) != note->cert_index)
		return 0;
	if (config->client_auth == FATA_TLS_CLIENT_AUTH_REQUIRE && !note->verified)
		return 0;
	return 1;
}

static int cache_load(const br_ssl_session_cache_class **ctx, br_ssl_server_context *sc,
		br_ssl_session_parameters *params)
{
	struct tls_cache *cache = cache_from_class(ctx);
	struct tls_conn *conn = tls_conn_from_server(sc);
	struct tls_cache_note *note;
	br_ssl_session_parameters found = *params;
	int ok = 0;

	if (cache->entries == 0)
		return 0;
	note = cache_find_note(cache, params->session_id);
	if (note && cache->lru.vtable->load(&cache->lru.vtable, sc, &found) &&
			cache_may_resume(conn, note)) {
		*params = found;
		conn->resumed = 1;
		conn->cert_index = note->cert_index;
		conn->peer_verified = note->verified;
		ok = 1;
	}
	tls_wipe(&found, sizeof found);
	return ok;
}

const br_ssl_session_cache_class tls_cache_vtable = {
	sizeof(struct tls_cache),
	cache_save,
	cache_load,
};

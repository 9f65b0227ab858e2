/* Server configurations: certificates, client authentication, session cache. */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tls_internal.h"

struct fata_tls_server_config *fata_tls_server_config_new(void)
{
	struct fata_tls_server_config *config = fata_calloc(1, sizeof *config);

	if (!config)
		return NULL;
	tls_common_init(&config->common);
	if (tls_cache_init(&config->cache, FATA_TLS_DEFAULT_CACHE_ENTRIES) < 0) {
		fata_free(config);
		return NULL;
	}
	return config;
}

void tls_server_config_release(struct fata_tls_server_config *config)
{
	size_t i;

	if (!config || --config->common.refs > 0)
		return;
	for (i = 0; i < config->cert_count; i++)
		tls_cert_clear(&config->certs[i]);
	tls_anchors_clear(&config->client_cas);
	tls_cache_clear(&config->cache);
	tls_common_clear(&config->common);
	fata_free(config);
}

void fata_tls_server_config_free(struct fata_tls_server_config *config)
{
	tls_server_config_release(config);
}

int fata_tls_server_config_add_cert(struct fata_tls_server_config *config,
		const char *chain_pem, size_t chain_len, const char *key_pem, size_t key_len)
{
	int rc;

	if (!config)
		return FATA_EINVAL;
	if (config->common.frozen)
		return FATA_ESTATE;
	if (config->cert_count == TLS_MAX_CERTS)
		return FATA_ELIMIT;
	rc = tls_cert_load(chain_pem, chain_len, key_pem, key_len,
			&config->certs[config->cert_count]);
	if (rc < 0)
		return rc;
	config->cert_count++;
	return 0;
}

int fata_tls_server_config_set_client_auth(struct fata_tls_server_config *config,
		enum fata_tls_client_auth mode, const char *ca_pem, size_t ca_len)
{
	struct tls_anchors anchors = { 0 };
	int rc;

	if (!config)
		return FATA_EINVAL;
	if (config->common.frozen)
		return FATA_ESTATE;
	if (mode != FATA_TLS_CLIENT_AUTH_NONE && mode != FATA_TLS_CLIENT_AUTH_OPTIONAL &&
			mode != FATA_TLS_CLIENT_AUTH_REQUIRE)
		return FATA_EINVAL;
	if (mode != FATA_TLS_CLIENT_AUTH_NONE) {
		if (!ca_pem || ca_len == 0)
			return FATA_EINVAL;
		rc = tls_anchors_add_pem(&anchors, ca_pem, ca_len);
		if (rc < 0) {
			tls_anchors_clear(&anchors);
			return rc;
		}
	}
	tls_anchors_clear(&config->client_cas);
	config->client_cas = anchors;
	config->client_auth = mode;
	return 0;
}

int fata_tls_server_config_set_session_cache(struct fata_tls_server_config *config,
		size_t entries)
{
	struct tls_cache cache;
	int rc;

	if (!config)
		return FATA_EINVAL;
	if (config->common.frozen)
		return FATA_ESTATE;
	if (entries > TLS_MAX_CACHE_ENTRIES)
		return FATA_EINVAL;
	rc = tls_cache_init(&cache, entries);
	if (rc < 0)
		return rc;
	tls_cache_clear(&config->cache);
	config->cache = cache;
	return 0;
}

int fata_tls_server_config_set_alpn(struct fata_tls_server_config *config,
		const char *const *protocols, size_t count)
{
	return config ? tls_common_set_alpn(&config->common, protocols, count) : FATA_EINVAL;
}

int fata_tls_server_config_set_versions(struct fata_tls_server_config *config,
		enum fata_tls_version min, enum fata_tls_version max)
{
	return config ? tls_common_set_versions(&config->common, min, max) : FATA_EINVAL;
}

int fata_tls_server_config_set_suites(struct fata_tls_server_config *config,
		const uint16_t *suites, size_t count)
{
	return config ? tls_common_set_suites(&config->common, suites, count) : FATA_EINVAL;
}

int fata_tls_server_config_set_time(struct fata_tls_server_config *config, int64_t unix_seconds)
{
	return config ? tls_common_set_time(&config->common, unix_seconds) : FATA_EINVAL;
}

const struct fata_tls_stats *fata_tls_server_config_stats(const struct fata_tls_server_config *config)
{
	return &config->common.stats;
}

/* Client configurations: trust anchors and an optional client certificate. */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tls_internal.h"

struct fata_tls_client_config *fata_tls_client_config_new(void)
{
	struct fata_tls_client_config *config = fata_calloc(1, sizeof *config);

	if (!config)
		return NULL;
	tls_common_init(&config->common);
	return config;
}

void tls_client_config_release(struct fata_tls_client_config *config)
{
	if (!config || --config->common.refs > 0)
		return;
	tls_anchors_clear(&config->anchors);
	if (config->has_cert)
		tls_cert_clear(&config->cert);
	tls_common_clear(&config->common);
	fata_free(config);
}

void fata_tls_client_config_free(struct fata_tls_client_config *config)
{
	tls_client_config_release(config);
}

int fata_tls_client_config_add_trust(struct fata_tls_client_config *config,
		const char *pem, size_t len)
{
	if (!config || !pem || len == 0)
		return FATA_EINVAL;
	if (config->common.frozen)
		return FATA_ESTATE;
	return tls_anchors_add_pem(&config->anchors, pem, len);
}

int fata_tls_client_config_set_cert(struct fata_tls_client_config *config,
		const char *chain_pem, size_t chain_len, const char *key_pem, size_t key_len)
{
	struct tls_cert cert;
	int rc;

	if (!config)
		return FATA_EINVAL;
	if (config->common.frozen)
		return FATA_ESTATE;
	rc = tls_cert_load(chain_pem, chain_len, key_pem, key_len, &cert);
	if (rc < 0)
		return rc;
	if (config->has_cert)
		tls_cert_clear(&config->cert);
	config->cert = cert;
	config->has_cert = 1;
	return 0;
}

int fata_tls_client_config_set_alpn(struct fata_tls_client_config *config,
		const char *const *protocols, size_t count)
{
	return config ? tls_common_set_alpn(&config->common, protocols, count) : FATA_EINVAL;
}

int fata_tls_client_config_set_versions(struct fata_tls_client_config *config,
		enum fata_tls_version min, enum fata_tls_version max)
{
	return config ? tls_common_set_versions(&config->common, min, max) : FATA_EINVAL;
}

int fata_tls_client_config_set_suites(struct fata_tls_client_config *config,
		const uint16_t *suites, size_t count)
{
	return config ? tls_common_set_suites(&config->common, suites, count) : FATA_EINVAL;
}

int fata_tls_client_config_set_time(struct fata_tls_client_config *config, int64_t unix_seconds)
{
	return config ? tls_common_set_time(&config->common, unix_seconds) : FATA_EINVAL;
}

const struct fata_tls_stats *fata_tls_client_config_stats(const struct fata_tls_client_config *config)
{
	return &config->common.stats;
}

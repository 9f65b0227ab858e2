/* Loading a certificate chain and its private key from PEM. */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>

#include "tls_internal.h"

/* Certificates in one chain; real chains have two to four. */
#define TLS_MAX_CHAIN 16

struct chain_loader {
	struct tls_cert *cert;
	size_t capacity;
};

static int chain_add(void *arg, const char *name, const uint8_t *der, size_t len)
{
	struct chain_loader *loader = arg;
	struct tls_cert *cert = loader->cert;
	br_x509_certificate *entry;

	if (!tls_pem_is_cert(name))
		return 0;
	if (cert->chain_len == TLS_MAX_CHAIN)
		return FATA_ELIMIT;
	if (cert->chain_len == loader->capacity) {
		size_t capacity = loader->capacity ? loader->capacity * 2 : 2;
		br_x509_certificate *grown = fata_realloc(cert->chain, capacity * sizeof *grown);

		if (!grown)
			return FATA_ENOMEM;
		cert->chain = grown;
		loader->capacity = capacity;
	}
	entry = &cert->chain[cert->chain_len];
	entry->data = fata_alloc(len ? len : 1);
	if (!entry->data)
		return FATA_ENOMEM;
	memcpy(entry->data, der, len);
	entry->data_len = len;
	cert->chain_len++;
	return 0;
}

static int key_add(void *arg, const char *name, const uint8_t *der, size_t len)
{
	struct tls_key *key = arg;

	if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0)
		return FATA_ENOTSUP;
	if (strcmp(name, "RSA PRIVATE KEY") != 0 && strcmp(name, "EC PRIVATE KEY") != 0 &&
			strcmp(name, "PRIVATE KEY") != 0)
		return 0;
	/* Two keys leave the choice ambiguous. */
	if (key->type != 0)
		return FATA_EINVAL;
	return tls_key_decode(der, len, key);
}

static int cert_load_parts(const char *chain_pem, size_t chain_len, const char *key_pem,
		size_t key_len, struct tls_cert *out)
{
	struct chain_loader loader = { out, 0 };
	int rc;

	rc = tls_pem_decode(chain_pem, chain_len, chain_add, &loader);
	if (rc < 0)
		return rc;
	if (out->chain_len == 0)
		return FATA_EBADMSG;
	rc = tls_pem_decode(key_pem, key_len, key_add, &out->key);
	if (rc < 0)
		return rc;
	if (out->key.type == 0)
		return FATA_EBADMSG;
	rc = tls_key_matches_cert(&out->key, out->chain[0].data, out->chain[0].data_len,
			&out->issuer_key_type);
	if (rc < 0)
		return rc;
	return tls_cert_names(out->chain[0].data, out->chain[0].data_len, &out->names,
			&out->name_count);
}

int tls_cert_load(const char *chain_pem, size_t chain_len, const char *key_pem, size_t key_len,
		struct tls_cert *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (!chain_pem || !key_pem || chain_len == 0 || key_len == 0)
		return FATA_EINVAL;
	rc = cert_load_parts(chain_pem, chain_len, key_pem, key_len, out);
	if (rc < 0) {
		fata_log(FATA_LOG_DEBUG, TLS_LOG, "certificate or key rejected: %s",
				fata_strerror(rc));
		tls_cert_clear(out);
	}
	return rc;
}

void tls_cert_clear(struct tls_cert *cert)
{
	size_t i;

	for (i = 0; i < cert->chain_len; i++)
		fata_free(cert->chain[i].data);
	fata_free(cert->chain);
	tls_key_clear(&cert->key);
	tls_names_free(cert->names, cert->name_count);
	memset(cert, 0, sizeof *cert);
}

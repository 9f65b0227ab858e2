/*
 * Trust anchors from PEM: each certificate's subject name and public key,
 * copied into one allocation per anchor (freed through dn.data).
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>

#include "tls_internal.h"

/* Subject names longer than this are not seen in real CA certificates. */
#define TLS_MAX_DN 4096

struct dn_buffer {
	unsigned char data[TLS_MAX_DN];
	size_t len;
	int overflow;
};

static void dn_append(void *ctx, const void *buf, size_t len)
{
	struct dn_buffer *dn = ctx;

	if (dn->overflow || len > sizeof dn->data - dn->len) {
		dn->overflow = 1;
		return;
	}
	memcpy(dn->data + dn->len, buf, len);
	dn->len += len;
}

/* Fills `ta` from a decoded certificate; all pointers go into one block. */
static int anchor_fill(br_x509_trust_anchor *ta, const struct dn_buffer *dn,
		const br_x509_pkey *pk, int is_ca)
{
	size_t key_len = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen
		: pk->key.ec.qlen;
	unsigned char *block = fata_alloc(dn->len + key_len + 1);

	if (!block)
		return FATA_ENOMEM;
	memcpy(block, dn->data, dn->len);
	ta->dn.data = block;
	ta->dn.len = dn->len;
	ta->flags = is_ca ? BR_X509_TA_CA : 0;
	ta->pkey = *pk;
	block += dn->len;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		memcpy(block, pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.n = block;
		memcpy(block + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.e = block + pk->key.rsa.nlen;
	} else {
		memcpy(block, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.q = block;
	}
	return 0;
}

static int anchors_grow(struct tls_anchors *anchors)
{
	size_t capacity;
	br_x509_trust_anchor *grown;

	if (anchors->count < anchors->capacity)
		return 0;
	capacity = anchors->capacity ? anchors->capacity * 2 : 8;
	grown = fata_realloc(anchors->items, capacity * sizeof *grown);
	if (!grown)
		return FATA_ENOMEM;
	anchors->items = grown;
	anchors->capacity = capacity;
	return 0;
}

struct anchor_loader {
	struct tls_anchors *anchors;
	br_x509_decoder_context decoder;
	struct dn_buffer dn;
	int added;
	int skipped;
};

static int anchor_add(void *arg, const char *name, const uint8_t *der, size_t len)
{
	struct anchor_loader *loader = arg;
	const br_x509_pkey *pk;
	int rc;

	if (!tls_pem_is_cert(name))
		return 0;
	loader->dn.len = 0;
	loader->dn.overflow = 0;
	br_x509_decoder_init(&loader->decoder, dn_append, &loader->dn);
	br_x509_decoder_push(&loader->decoder, der, len);
	pk = br_x509_decoder_get_pkey(&loader->decoder);
	if (!pk || loader->dn.overflow) {
		loader->skipped++;
		return 0;
	}
	rc = anchors_grow(loader->anchors);
	if (rc < 0)
		return rc;
	rc = anchor_fill(&loader->anchors->items[loader->anchors->count], &loader->dn, pk,
			br_x509_decoder_isCA(&loader->decoder));
	if (rc < 0)
		return rc;
	loader->anchors->count++;
	loader->added++;
	return 0;
}

int tls_anchors_add_pem(struct tls_anchors *anchors, const char *pem, size_t len)
{
	struct anchor_loader *loader = fata_calloc(1, sizeof *loader);
	size_t before = anchors->count;
	int rc;

	if (!loader)
		return FATA_ENOMEM;
	loader->anchors = anchors;
	rc = tls_pem_decode(pem, len, anchor_add, loader);
	if (loader->skipped > 0)
		fata_log(FATA_LOG_DEBUG, TLS_LOG, "skipped %d undecodable trust anchors",
				loader->skipped);
	if (rc == 0)
		rc = loader->added > 0 ? loader->added : FATA_EBADMSG;
	fata_free(loader);

	/* All or nothing: a bad object later in the text undoes the earlier ones. */
	while (rc < 0 && anchors->count > before)
		fata_free(anchors->items[--anchors->count].dn.data);
	return rc;
}

void tls_anchors_clear(struct tls_anchors *anchors)
{
	size_t i;

	for (i = 0; i < anchors->count; i++)
		fata_free(anchors->items[i].dn.data);
	fata_free(anchors->items);
	memset(anchors, 0, sizeof *anchors);
}

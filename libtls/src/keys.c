/*
 * Private keys: decoding with BearSSL's key decoder into storage the key
 * owns, and the check that a key belongs to a certificate.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tls_ec.h"
#include "tls_internal.h"

/* Copies `len` bytes to `*dst` inside the key's storage and advances it. */
static unsigned char *key_take(uint8_t **dst, const unsigned char *src, size_t len)
{
	unsigned char *start = *dst;

	memcpy(start, src, len);
	*dst += len;
	return start;
}

static int key_copy_rsa(const br_rsa_private_key *rsa, struct tls_key *out)
{
	size_t total = rsa->plen + rsa->qlen + rsa->dplen + rsa->dqlen + rsa->iqlen;
	uint8_t *cursor;

	out->storage = fata_alloc(total);
	if (!out->storage)
		return FATA_ENOMEM;
	out->storage_len = total;
	cursor = out->storage;
	out->type = BR_KEYTYPE_RSA;
	out->key.rsa = *rsa;
	out->key.rsa.p = key_take(&cursor, rsa->p, rsa->plen);
	out->key.rsa.q = key_take(&cursor, rsa->q, rsa->qlen);
	out->key.rsa.dp = key_take(&cursor, rsa->dp, rsa->dplen);
	out->key.rsa.dq = key_take(&cursor, rsa->dq, rsa->dqlen);
	out->key.rsa.iq = key_take(&cursor, rsa->iq, rsa->iqlen);
	return 0;
}

static int key_copy_ec(const br_ec_private_key *ec, struct tls_key *out)
{
	if (!((tls_ec_get()->supported_curves >> ec->curve) & 1))
		return FATA_ENOTSUP;
	out->storage = fata_alloc(ec->xlen);
	if (!out->storage)
		return FATA_ENOMEM;
	out->storage_len = ec->xlen;
	memcpy(out->storage, ec->x, ec->xlen);
	out->type = BR_KEYTYPE_EC;
	out->key.ec = *ec;
	out->key.ec.x = out->storage;
	return 0;
}

int tls_key_decode(const uint8_t *der, size_t len, struct tls_key *out)
{
	br_skey_decoder_context *dc;
	int rc;

	memset(out, 0, sizeof *out);
	dc = fata_alloc(sizeof *dc);
	if (!dc)
		return FATA_ENOMEM;
	br_skey_decoder_init(dc);
	br_skey_decoder_push(dc, der, len);

	if (br_skey_decoder_last_error(dc) != 0)
		rc = FATA_EBADMSG;
	else if (br_skey_decoder_key_type(dc) == BR_KEYTYPE_RSA)
		rc = key_copy_rsa(br_skey_decoder_get_rsa(dc), out);
	else if (br_skey_decoder_key_type(dc) == BR_KEYTYPE_EC)
		rc = key_copy_ec(br_skey_decoder_get_ec(dc), out);
	else
		rc = FATA_ENOTSUP;

	tls_wipe(dc, sizeof *dc);
	fata_free(dc);
	return rc;
}

void tls_key_clear(struct tls_key *key)
{
	if (key->storage) {
		tls_wipe(key->storage, key->storage_len);
		fata_free(key->storage);
	}
	memset(key, 0, sizeof *key);
}

/* Compares two unsigned big-endian integers, ignoring leading zeros. */
static int key_bigint_equal(const unsigned char *a, size_t alen, const unsigned char *b,
		size_t blen)
{
	while (alen > 0 && *a == 0) {
		a++;
		alen--;
	}
	while (blen > 0 && *b == 0) {
		b++;
		blen--;
	}
	return alen == blen && memcmp(a, b, alen) == 0;
}

static int key_rsa_matches(const br_rsa_private_key *sk, const br_rsa_public_key *pk)
{
	br_rsa_compute_modulus compute = br_rsa_compute_modulus_get_default();
	size_t len = compute(NULL, sk);
	unsigned char *modulus;
	int equal;

	if (len == 0)
		return FATA_EINVAL;
	modulus = fata_alloc(len);
	if (!modulus)
		return FATA_ENOMEM;
	compute(modulus, sk);
	equal = key_bigint_equal(modulus, len, pk->n, pk->nlen);
	fata_free(modulus);
	return equal ? 0 : FATA_EINVAL;
}

static int key_ec_matches(const br_ec_private_key *sk, const br_ec_public_key *pk)
{
	unsigned char point[BR_EC_KBUF_PUB_MAX_SIZE];
	size_t len;

	if (sk->curve != pk->curve)
		return FATA_EINVAL;
	len = br_ec_compute_pub(tls_ec_get(), NULL, point, sk);
	if (len == 0)
		return FATA_ENOTSUP;
	if (len != pk->qlen || memcmp(point, pk->q, len) != 0)
		return FATA_EINVAL;
	return 0;
}

int tls_key_matches_cert(const struct tls_key *key, const uint8_t *cert, size_t cert_len,
		unsigned *issuer_key_type)
{
	br_x509_decoder_context *dc;
	const br_x509_pkey *pk;
	int rc;

	dc = fata_alloc(sizeof *dc);
	if (!dc)
		return FATA_ENOMEM;
	br_x509_decoder_init(dc, NULL, NULL);
	br_x509_decoder_push(dc, cert, cert_len);
	pk = br_x509_decoder_get_pkey(dc);

	if (!pk)
		rc = FATA_EBADMSG;
	else if (pk->key_type != key->type)
		rc = FATA_EINVAL;
	else if (key->type == BR_KEYTYPE_RSA)
		rc = key_rsa_matches(&key->key.rsa, &pk->key.rsa);
	else
		rc = key_ec_matches(&key->key.ec, &pk->key.ec);

	if (rc == 0)
		*issuer_key_type = (unsigned)br_x509_decoder_get_signer_key_type(dc);
	fata_free(dc);
	return rc;
}

/*
 * The server policy: picks a certificate by SNI and a cipher suite the
 * client offers, then signs the ServerKeyExchange (ECDHE suites) or
 * decrypts the premaster secret (RSA key exchange) with that certificate's
 * key. BearSSL's own single-certificate policies cannot switch
 * certificates, hence this class.
 */
#include <string.h>

#include "tls_ec.h"
#include "tls_internal.h"

static struct tls_conn *conn_from_policy(const br_ssl_server_policy_class **pctx)
{
	return TLS_CONTAINER_OF(pctx, struct tls_conn, policy);
}

/* Returns 1 when key exchange `keyx` (BR_SSLKEYX_*) works with a key of `key_type`. */
static int keyx_fits(unsigned keyx, int key_type)
{
	if (key_type == BR_KEYTYPE_RSA)
		return keyx == BR_SSLKEYX_ECDHE_RSA || keyx == BR_SSLKEYX_RSA;
	return keyx == BR_SSLKEYX_ECDHE_ECDSA;
}

/* Returns a bit (1 << BR_KEYTYPE_*) for each key type some offered suite fits. */
static unsigned client_key_types(const br_ssl_server_context *sc)
{
	const br_suite_translated *suites;
	unsigned types = 0;
	size_t count, i;

	suites = br_ssl_server_get_client_suites(sc, &count);
	for (i = 0; i < count; i++) {
		unsigned keyx = suites[i][1] >> 12;

		if (keyx_fits(keyx, BR_KEYTYPE_RSA))
			types |= 1u << BR_KEYTYPE_RSA;
		if (keyx_fits(keyx, BR_KEYTYPE_EC))
			types |= 1u << BR_KEYTYPE_EC;
	}
	return types;
}

static int cert_has_name(const struct tls_cert *cert, const char *sni)
{
	size_t i;

	for (i = 0; i < cert->name_count; i++) {
		if (tls_name_matches(cert->names[i], sni))
			return 1;
	}
	return 0;
}

int tls_pick_cert(const struct fata_tls_server_config *config, const char *sni,
		unsigned key_types)
{
	size_t i;

	if (sni && sni[0]) {
		for (i = 0; i < config->cert_count; i++) {
			if ((key_types >> config->certs[i].key.type) & 1 &&
					cert_has_name(&config->certs[i], sni))
				return (int)i;
		}
	}
	for (i = 0; i < config->cert_count; i++) {
		if ((key_types >> config->certs[i].key.type) & 1)
			return (int)i;
	}
	return -1;
}

/*
 * Returns the first offered suite that fits `key_type` and stores its key
 * exchange in `*keyx`, or returns 0. With BR_OPT_ENFORCE_SERVER_PREFERENCES
 * the engine has already sorted the list in our order.
 */
static uint16_t pick_suite(const br_ssl_server_context *sc, int key_type, unsigned *keyx)
{
	const br_suite_translated *suites;
	size_t count, i;

	suites = br_ssl_server_get_client_suites(sc, &count);
	for (i = 0; i < count; i++) {
		if (keyx_fits(suites[i][1] >> 12, key_type)) {
			*keyx = suites[i][1] >> 12;
			return suites[i][0];
		}
	}
	return 0;
}

/*
 * Chooses the signature hash for the ServerKeyExchange. TLS 1.2 takes one
 * the client listed in signature_algorithms (RFC 5246 section 7.4.1.4.1);
 * earlier versions fix MD5+SHA-1 for RSA and SHA-1 for ECDSA. Returns the
 * algorithm id in BearSSL's 0xFF00 + hash id form, or 0.
 */
static unsigned pick_sign_algo(const br_ssl_server_context *sc, int key_type)
{
	static const int preference[] = { br_sha256_ID, br_sha384_ID, br_sha512_ID,
		br_sha224_ID, br_sha1_ID };
	uint32_t hashes = br_ssl_server_get_client_hashes(sc);
	unsigned shift = key_type == BR_KEYTYPE_EC ? 8 : 0;
	size_t i;

	if (br_ssl_engine_get_version(&sc->eng) < BR_TLS12)
		return key_type == BR_KEYTYPE_EC ? 0xFF00u + br_sha1_ID : 0xFF00u;
	for (i = 0; i < sizeof preference / sizeof preference[0]; i++) {
		if ((hashes >> (preference[i] + shift)) & 1)
			return 0xFF00u + (unsigned)preference[i];
	}
	return 0;
}

static int policy_choose(const br_ssl_server_policy_class **pctx,
		const br_ssl_server_context *sc, br_ssl_server_choices *choices)
{
	struct tls_conn *conn = conn_from_policy(pctx);
	const struct fata_tls_server_config *config = conn->server_config;
	const char *sni = br_ssl_engine_get_server_name(&sc->eng);
	const struct tls_cert *cert;
	unsigned keyx = 0, algo = 0;
	uint16_t suite;
	int index;

	index = tls_pick_cert(config, sni, client_key_types(sc));
	if (index < 0)
		return 0;
	cert = &config->certs[index];
	suite = pick_suite(sc, cert->key.type, &keyx);
	if (suite == 0)
		return 0;
	if (keyx != BR_SSLKEYX_RSA) {
		algo = pick_sign_algo(sc, cert->key.type);
		if (algo == 0)
			return 0;
	}
	choices->cipher_suite = suite;
	choices->algo_id = algo;
	choices->chain = cert->chain;
	choices->chain_len = cert->chain_len;
	conn->cert_index = index;
	return 1;
}

/* RSA key exchange: decrypts the premaster secret in place (RFC 5246 7.4.7.1). */
static uint32_t policy_do_keyx(const br_ssl_server_policy_class **pctx, unsigned char *data,
		size_t *len)
{
	struct tls_conn *conn = conn_from_policy(pctx);
	const struct tls_cert *cert = &conn->server_config->certs[conn->cert_index];
	uint32_t ok;

	if (cert->key.type != BR_KEYTYPE_RSA)
		return 0;
	ok = br_rsa_ssl_decrypt(br_rsa_private_get_default(), &cert->key.key.rsa, data, *len);
	*len = 48;
	return ok;
}

static const unsigned char *rsa_hash_oid(int hash_id)
{
	switch (hash_id) {
	case br_sha1_ID: return BR_HASH_OID_SHA1;
	case br_sha224_ID: return BR_HASH_OID_SHA224;
	case br_sha256_ID: return BR_HASH_OID_SHA256;
	case br_sha384_ID: return BR_HASH_OID_SHA384;
	case br_sha512_ID: return BR_HASH_OID_SHA512;
	default: return NULL;
	}
}

static const br_hash_class *hash_class(int hash_id)
{
	switch (hash_id) {
	case br_sha1_ID: return &br_sha1_vtable;
	case br_sha224_ID: return &br_sha224_vtable;
	case br_sha256_ID: return &br_sha256_vtable;
	case br_sha384_ID: return &br_sha384_vtable;
	case br_sha512_ID: return &br_sha512_vtable;
	default: return NULL;
	}
}

/* PKCS#1 v1.5 over the hash; hash id 0 is TLS 1.0's bare MD5+SHA-1. */
static size_t sign_rsa(const br_rsa_private_key *sk, int hash_id, const unsigned char *hash,
		size_t hash_len, unsigned char *out, size_t out_len)
{
	size_t sig_len = (sk->n_bitlen + 7) >> 3;
	const unsigned char *oid = rsa_hash_oid(hash_id);

	if (sig_len > out_len || (hash_id != 0 && !oid))
		return 0;
	if (!br_rsa_pkcs1_sign_get_default()(oid, hash, hash_len, sk, out))
		return 0;
	return sig_len;
}

/* ECDSA with the ASN.1 signature format TLS uses (RFC 4492 section 5.4). */
static size_t sign_ec(const br_ec_private_key *sk, int hash_id, const unsigned char *hash,
		unsigned char *out, size_t out_len)
{
	const br_hash_class *hf = hash_class(hash_id);
	unsigned char sig[160];
	size_t sig_len;

	if (!hf)
		return 0;
	sig_len = tls_ecdsa_sign_asn1(tls_ec_get(), hf, hash, sk, sig);
	if (sig_len == 0 || sig_len > out_len)
		return 0;
	memcpy(out, sig, sig_len);
	return sig_len;
}

static size_t policy_do_sign(const br_ssl_server_policy_class **pctx, unsigned algo_id,
		unsigned char *data, size_t hv_len, size_t len)
{
	struct tls_conn *conn = conn_from_policy(pctx);
	const struct tls_cert *cert = &conn->server_config->certs[conn->cert_index];
	unsigned char hash[64];
	int hash_id = (int)(algo_id & 0xFF);

	/* policy_choose only ever asks the engine to hash first. */
	if ((algo_id & 0xFF00) != 0xFF00 || hv_len > sizeof hash)
		return 0;
	memcpy(hash, data, hv_len);
	if (cert->key.type == BR_KEYTYPE_RSA)
		return sign_rsa(&cert->key.key.rsa, hash_id, hash, hv_len, data, len);
	return sign_ec(&cert->key.key.ec, hash_id, hash, data, len);
}

const br_ssl_server_policy_class tls_policy_vtable = {
	sizeof(const br_ssl_server_policy_class *),
	policy_choose,
	policy_do_keyx,
	policy_do_sign,
};

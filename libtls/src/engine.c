/* Engine setup shared by clients and servers. */
#include <fata/entropy.h>
#include <fata/error.h>

#include "tls_internal.h"

static void engine_set_algorithms(br_ssl_engine_context *eng)
{
	br_ssl_engine_set_hash(eng, br_md5_ID, &br_md5_vtable);
	br_ssl_engine_set_hash(eng, br_sha1_ID, &br_sha1_vtable);
	br_ssl_engine_set_hash(eng, br_sha224_ID, &br_sha224_vtable);
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable);

	br_ssl_engine_set_prf10(eng, &br_tls10_prf);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);

	/* Suites not in the configured list are never negotiated anyway. */
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	br_ssl_engine_set_default_aes_ccm(eng);
	br_ssl_engine_set_default_aes_cbc(eng);

	br_ssl_engine_set_default_ec(eng);
	br_ssl_engine_set_default_rsavrfy(eng);
	br_ssl_engine_set_default_ecdsa(eng);
}

int tls_engine_setup(struct tls_conn *conn)
{
	br_ssl_engine_context *eng = &conn->br.eng;
	struct tls_common *common = conn->common;
	unsigned char seed[32];
	uint32_t flags;

	br_ssl_engine_set_versions(eng, common->version_min, common->version_max);
	br_ssl_engine_set_suites(eng, common->suites, common->suite_count);
	engine_set_algorithms(eng);

	/*
	 * Renegotiation is refused: nothing here needs it and it has a long
	 * history of attacks. ALPN mismatches fail as RFC 7301 section 3.2 asks.
	 */
	flags = BR_OPT_NO_RENEGOTIATION | BR_OPT_FAIL_ON_ALPN_MISMATCH;
	if (conn->is_server)
		flags |= BR_OPT_ENFORCE_SERVER_PREFERENCES;
	br_ssl_engine_set_all_flags(eng, flags);
	if (common->alpn_count > 0)
		br_ssl_engine_set_protocol_names(eng, (const char **)common->alpn,
				common->alpn_count);

	br_ssl_engine_set_buffer(eng, conn->iobuf, BR_SSL_BUFSIZE_BIDI, 1);

	if (fata_entropy_fill(seed, sizeof seed) < 0)
		return FATA_EIO;
	br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
	tls_wipe(seed, sizeof seed);
	return 0;
}

/* Engine setup shared by clients and servers. */
#include <fata/entropy.h>
#include <fata/error.h>

#include "tls_ec.h"
#include "tls_internal.h"

/*
 * The symmetric implementations BearSSL's set_default functions choose for
 * this CPU. They ask the CPU for its features (CPUID) on every call, and
 * inside a virtual machine each such query traps to the hypervisor and
 * costs microseconds, so they run once on this template, and every
 * connection copies its choices. tls_once() fills it on the first connection.
 */
static br_ssl_engine_context engine_defaults;
static int engine_defaults_once;

static void engine_defaults_load(void)
{
	br_ssl_engine_context *d = &engine_defaults;

	br_ssl_engine_set_default_aes_gcm(d);
	br_ssl_engine_set_default_chapol(d);
	br_ssl_engine_set_default_aes_ccm(d);
	br_ssl_engine_set_default_aes_cbc(d);
	br_ssl_engine_set_default_rsavrfy(d);
}

/* Suites not in the configured list are never negotiated, so all record types are set up. */
static void engine_set_ciphers(br_ssl_engine_context *eng)
{
	const br_ssl_engine_context *d = &engine_defaults;

	tls_once(&engine_defaults_once, engine_defaults_load);

	br_ssl_engine_set_gcm(eng, d->igcm_in, d->igcm_out);
	br_ssl_engine_set_aes_ctr(eng, d->iaes_ctr);
	br_ssl_engine_set_ghash(eng, d->ighash);

	br_ssl_engine_set_chapol(eng, d->ichapol_in, d->ichapol_out);
	br_ssl_engine_set_chacha20(eng, d->ichacha);
	br_ssl_engine_set_poly1305(eng, d->ipoly);

	br_ssl_engine_set_ccm(eng, d->iccm_in, d->iccm_out);
	br_ssl_engine_set_aes_ctrcbc(eng, d->iaes_ctrcbc);

	br_ssl_engine_set_cbc(eng, d->icbc_in, d->icbc_out);
	br_ssl_engine_set_aes_cbc(eng, d->iaes_cbcenc, d->iaes_cbcdec);

	br_ssl_engine_set_rsavrfy(eng, d->irsavrfy);
}

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

	engine_set_ciphers(eng);

	/* ECDHE, and ECDSA verification of the peer's handshake signature. */
	br_ssl_engine_set_ec(eng, tls_ec_get());
	br_ssl_engine_set_ecdsa(eng, br_ecdsa_vrfy_asn1_get_default());
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

	/*
	 * 32 bytes from the platform seed BearSSL's HMAC_DRBG fully. Marking
	 * the OS seeding as done (a public field of bearssl_ssl.h) stops
	 * BearSSL from also running its own system seeder, RDRAND after a
	 * CPUID or /dev/urandom, for every connection.
	 */
	if (fata_entropy_fill(seed, sizeof seed) < 0)
		return FATA_EIO;
	br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
	eng->rng_os_rand_done = 1;
	tls_wipe(seed, sizeof seed);
	return 0;
}

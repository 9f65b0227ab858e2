/* Settings shared by server and client configurations. */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tls_internal.h"

/*
 * The default suites: ECDHE for forward secrecy, AEAD ciphers only, in
 * BearSSL's own order of preference.
 */
static const uint16_t default_suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

/*
 * Every suite a caller may ask for: those BearSSL implements, less 3DES and
 * static ECDH (the server policy has no ECDH key exchange).
 */
static const uint16_t allowed_suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	BR_TLS_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_RSA_WITH_AES_128_CCM,
	BR_TLS_RSA_WITH_AES_256_CCM,
	BR_TLS_RSA_WITH_AES_128_CCM_8,
	BR_TLS_RSA_WITH_AES_256_CCM_8,
	BR_TLS_RSA_WITH_AES_128_CBC_SHA256,
	BR_TLS_RSA_WITH_AES_256_CBC_SHA256,
	BR_TLS_RSA_WITH_AES_128_CBC_SHA,
	BR_TLS_RSA_WITH_AES_256_CBC_SHA,
};

void tls_common_init(struct tls_common *common)
{
	memset(common, 0, sizeof *common);
	common->refs = 1;
	common->version_min = FATA_TLS_VERSION_1_2;
	common->version_max = FATA_TLS_VERSION_1_2;
	memcpy(common->suites, default_suites, sizeof default_suites);
	common->suite_count = sizeof default_suites / sizeof default_suites[0];
}

static void common_free_alpn(struct tls_common *common)
{
	size_t i;

	for (i = 0; i < common->alpn_count; i++)
		fata_free((char *)common->alpn[i]);
	common->alpn_count = 0;
}

void tls_common_clear(struct tls_common *common)
{
	common_free_alpn(common);
}

static int version_known(int version)
{
	return version >= FATA_TLS_VERSION_1_0 && version <= FATA_TLS_VERSION_1_3;
}

int tls_common_set_versions(struct tls_common *common, enum fata_tls_version min,
		enum fata_tls_version max)
{
	if (common->frozen)
		return FATA_ESTATE;
	if (!version_known((int)min) || !version_known((int)max) || min > max)
		return FATA_EINVAL;
	/* TODO: TLS 1.3 (RFC 8446) needs an engine that implements it. */
	if (max == FATA_TLS_VERSION_1_3)
		return FATA_ENOTSUP;
	common->version_min = (uint16_t)min;
	common->version_max = (uint16_t)max;
	return 0;
}

static int suite_allowed(uint16_t suite)
{
	size_t i;

	for (i = 0; i < sizeof allowed_suites / sizeof allowed_suites[0]; i++) {
		if (allowed_suites[i] == suite)
			return 1;
	}
	return 0;
}

static int suites_check(const uint16_t *suites, size_t count)
{
	size_t i, j;

	for (i = 0; i < count; i++) {
		if (!suite_allowed(suites[i]))
			return FATA_ENOTSUP;
		for (j = 0; j < i; j++) {
			if (suites[j] == suites[i])
				return FATA_EINVAL;
		}
	}
	return 0;
}

int tls_common_set_suites(struct tls_common *common, const uint16_t *suites, size_t count)
{
	int rc;

	if (common->frozen)
		return FATA_ESTATE;
	if (!suites || count == 0 || count > BR_MAX_CIPHER_SUITES)
		return FATA_EINVAL;
	rc = suites_check(suites, count);
	if (rc < 0)
		return rc;
	memcpy(common->suites, suites, count * sizeof *suites);
	common->suite_count = count;
	return 0;
}

static int alpn_check(const char *const *protocols, size_t count)
{
	size_t i;

	if (count > TLS_MAX_ALPN || (count > 0 && !protocols))
		return FATA_EINVAL;
	for (i = 0; i < count; i++) {
		size_t len;

		if (!protocols[i])
			return FATA_EINVAL;
		len = strlen(protocols[i]);
		if (len == 0 || len > 255)
			return FATA_EINVAL;
	}
	return 0;
}

int tls_common_set_alpn(struct tls_common *common, const char *const *protocols, size_t count)
{
	const char *copies[TLS_MAX_ALPN];
	size_t i;
	int rc;

	if (common->frozen)
		return FATA_ESTATE;
	rc = alpn_check(protocols, count);
	if (rc < 0)
		return rc;
	for (i = 0; i < count; i++) {
		copies[i] = tls_strdup(protocols[i], strlen(protocols[i]));
		if (!copies[i]) {
			while (i > 0)
				fata_free((char *)copies[--i]);
			return FATA_ENOMEM;
		}
	}
	common_free_alpn(common);
	for (i = 0; i < count; i++)
		common->alpn[i] = copies[i];
	common->alpn_count = count;
	return 0;
}

int tls_common_set_time(struct tls_common *common, int64_t unix_seconds)
{
	if (common->frozen)
		return FATA_ESTATE;
	if (unix_seconds < 0)
		return FATA_EINVAL;
	common->fixed_time = unix_seconds;
	return 0;
}

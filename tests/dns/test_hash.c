/*
 * SHA-1, SHA-256 and SHA-512 against the FIPS 180-2 appendix examples,
 * and HMAC against RFC 2202 (SHA-1) and RFC 4231 (SHA-256, SHA-512).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/dns_hash.h>

static void to_hex(const uint8_t *data, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", data[i]);
}

static const char msg448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char msg896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static const struct {
	enum fata_hash_alg alg;
	const char *msg;
	const char *digest;
} hash_vectors[] = {
	{ FATA_HASH_SHA1, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
	{ FATA_HASH_SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ FATA_HASH_SHA1, msg448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	{ FATA_HASH_SHA1, msg896, "a49b2446a02c645bf419f995b67091253a04a259" },
	{ FATA_HASH_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ FATA_HASH_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ FATA_HASH_SHA256, msg448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ FATA_HASH_SHA256, msg896, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	{ FATA_HASH_SHA512, "", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
		"47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e" },
	{ FATA_HASH_SHA512, "abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
	{ FATA_HASH_SHA512, msg448, "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
		"96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445" },
	{ FATA_HASH_SHA512, msg896, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
		"501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909" },
};

START_TEST(hash_fips_vectors)
{
	const char *msg = hash_vectors[_i].msg;
	uint8_t digest[FATA_HASH_MAX_SIZE];
	char hex[2 * FATA_HASH_MAX_SIZE + 1];

	fata_hash(hash_vectors[_i].alg, msg, strlen(msg), digest);
	to_hex(digest, fata_hash_size(hash_vectors[_i].alg), hex);
	ck_assert_str_eq(hex, hash_vectors[_i].digest);
}
END_TEST

START_TEST(hash_byte_at_a_time)
{
	const char *msg = hash_vectors[_i].msg;
	struct fata_hash h;
	uint8_t digest[FATA_HASH_MAX_SIZE];
	char hex[2 * FATA_HASH_MAX_SIZE + 1];

	fata_hash_init(&h, hash_vectors[_i].alg);
	for (size_t i = 0; msg[i]; i++)
		fata_hash_update(&h, msg + i, 1);
	fata_hash_final(&h, digest);
	to_hex(digest, fata_hash_size(hash_vectors[_i].alg), hex);
	ck_assert_str_eq(hex, hash_vectors[_i].digest);
}
END_TEST

START_TEST(hash_million_a)
{
	static const struct {
		enum fata_hash_alg alg;
		const char *digest;
	} v[] = {
		{ FATA_HASH_SHA1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f" },
		{ FATA_HASH_SHA256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
		{ FATA_HASH_SHA512, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
			"de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b" },
	};
	char chunk[1000];
	uint8_t digest[FATA_HASH_MAX_SIZE];
	char hex[2 * FATA_HASH_MAX_SIZE + 1];
	struct fata_hash h;

	memset(chunk, 'a', sizeof chunk);
	for (size_t k = 0; k < 3; k++) {
		/* 997-byte pieces cross every block boundary at a different offset. */
		size_t left = 1000000;

		fata_hash_init(&h, v[k].alg);
		while (left > 0) {
			size_t n = left < 997 ? left : 997;

			fata_hash_update(&h, chunk, n);
			left -= n;
		}
		fata_hash_final(&h, digest);
		to_hex(digest, fata_hash_size(v[k].alg), hex);
		ck_assert_str_eq(hex, v[k].digest);
	}
}
END_TEST

/* RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (case 5 tests truncation); RFC 2202 for SHA-1. */
static const struct {
	const char *key_hex;
	const char *data;
	const char *sha1, *sha256, *sha512;
} hmac_vectors[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
		"b617318655057264e28bc0b6fb378c8ef146be00",
		"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
		"87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
		"daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ "4a656665", "what do ya want for nothing?",
		"effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
		"9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL,
		"125d7342b9ac11cd91a39af48aa17b4f63f175d3",
		"773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
		"fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
		"bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
		"90d0dace1c1bdc957339307803160335bde6df2b",
		"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
		"80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
		"6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ NULL, "This is a test using a larger than block-size key and a larger than block-size "
		"data. The key needs to be hashed before being used by the HMAC algorithm.",
		"217e44bb08b6e06a2d6c30f3cb9f537f97c63356",
		"9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
		"e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
		"b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
	return n;
}

START_TEST(hmac_rfc_vectors)
{
	static const enum fata_hash_alg algs[] = { FATA_HASH_SHA1, FATA_HASH_SHA256, FATA_HASH_SHA512 };
	uint8_t key[200], data[200], mac[FATA_HASH_MAX_SIZE];
	char hex[2 * FATA_HASH_MAX_SIZE + 1];
	size_t key_len, data_len;

	if (hmac_vectors[_i].key_hex) {
		key_len = unhex(hmac_vectors[_i].key_hex, key);
	} else {
		key_len = 131; /* RFC 4231 cases 6 and 7: 131 bytes of 0xaa */
		memset(key, 0xaa, key_len);
	}
	if (hmac_vectors[_i].data) {
		data_len = strlen(hmac_vectors[_i].data);
		memcpy(data, hmac_vectors[_i].data, data_len);
	} else {
		data_len = 50; /* case 3: 50 bytes of 0xdd */
		memset(data, 0xdd, data_len);
	}

	for (size_t a = 0; a < 3; a++) {
		const char *want = a == 0 ? hmac_vectors[_i].sha1
			: a == 1 ? hmac_vectors[_i].sha256 : hmac_vectors[_i].sha512;
		struct fata_hmac m;

		fata_hmac_init(&m, algs[a], key, key_len);
		fata_hmac_update(&m, data, data_len);
		fata_hmac_final(&m, mac);
		to_hex(mac, fata_hash_size(algs[a]), hex);
		ck_assert_str_eq(hex, want);
	}
}
END_TEST

START_TEST(hash_equal_compares)
{
	ck_assert_int_eq(fata_hash_equal("abcd", "abcd", 4), 1);
	ck_assert_int_eq(fata_hash_equal("abcd", "abce", 4), 0);
	ck_assert_int_eq(fata_hash_equal("xbcd", "abcd", 4), 0);
	ck_assert_int_eq(fata_hash_equal("", "", 0), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns_hash");
	TCase *tc = tcase_create("hash");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, hash_fips_vectors, 0, sizeof hash_vectors / sizeof hash_vectors[0]);
	tcase_add_loop_test(tc, hash_byte_at_a_time, 0, sizeof hash_vectors / sizeof hash_vectors[0]);
	tcase_add_test(tc, hash_million_a);
	tcase_add_loop_test(tc, hmac_rfc_vectors, 0, sizeof hmac_vectors / sizeof hmac_vectors[0]);
	tcase_add_test(tc, hash_equal_compares);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

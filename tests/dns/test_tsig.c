/*
 * TSIG. Messages signed by kdig, dig and nsupdate must verify with the
 * same keys. Tampering, unknown keys, bad times and short MACs must fail
 * with the RFC 8945 error. This library's signatures must verify for
 * requests, responses and multi-message streams. Also the key file reader.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_tsig.h>
#include <fata/error.h>

static struct fata_dns_tsig_key keys[8];
static size_t nkeys;

static int keep_key(void *arg, const struct fata_dns_tsig_key *key, const char **why)
{
	(void)arg;
	(void)why;
	keys[nkeys++] = *key;
	return 0;
}

static char *read_text(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	static char buf[65536];

	snprintf(path, sizeof path, "%s/%s", DNS_TEST_DATA, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	*len = fread(buf, 1, sizeof buf - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void load_keys(void)
{
	size_t len;
	char *text = read_text("keys.conf", &len);
	struct fata_dns_zone_error err;

	nkeys = 0;
	ck_assert_int_eq(fata_dns_keyfile_parse(text, len, "keys.conf", keep_key, NULL, &err), 0);
}

static size_t read_hex(const char *name, uint8_t *out)
{
	size_t len, n = 0;
	char *text = read_text(name, &len);

	for (size_t i = 0; i + 1 < len && text[i] != '\n'; i += 2)
		sscanf(text + i, "%2hhx", &out[n++]);
	return n;
}

static const char *const captured[] = {
	"kdig256.hex", "dig512.hex", "kdig1.hex", "nsupdate256.hex",
};

START_TEST(tsig_verifies_real_tools)
{
	uint8_t msg[4096];
	size_t len = read_hex(captured[_i], msg);
	struct fata_dns_tsig_record rec;
	const struct fata_dns_tsig_key *used = NULL;

	load_keys();
	ck_assert_int_eq(fata_dns_tsig_find(msg, len, &rec), 0);
	ck_assert_int_eq(fata_dns_tsig_verify(msg, len, &rec, keys, nkeys, rec.time_signed, NULL, 0,
			0, &used), 0);
	ck_assert_ptr_nonnull(used);
	ck_assert_int_eq(fata_dns_name_equal(&used->name, &rec.key_name), 1);
	ck_assert_uint_eq(rec.mac_len, fata_hash_size(used->alg));
}
END_TEST

START_TEST(tsig_rejects_tampering)
{
	uint8_t msg[4096];
	size_t len = read_hex(captured[_i], msg);
	struct fata_dns_tsig_record rec, cut;
	struct fata_dns_tsig_key wrong;

	load_keys();
	ck_assert_int_eq(fata_dns_tsig_find(msg, len, &rec), 0);

	/* Outside the fudge on either side: BADTIME, after the MAC check. */
	ck_assert_int_eq(fata_dns_tsig_verify(msg, len, &rec, keys, nkeys,
			rec.time_signed + rec.fudge + 1, NULL, 0, 0, NULL), FATA_DNS_RCODE_BADTIME);
	ck_assert_int_eq(fata_dns_tsig_verify(msg, len, &rec, keys, nkeys,
			rec.time_signed - rec.fudge - 1, NULL, 0, 0, NULL), FATA_DNS_RCODE_BADTIME);
	ck_assert_int_eq(fata_dns_tsig_verify(msg, len, &rec, keys, nkeys,
			rec.time_signed + rec.fudge, NULL, 0, 0, NULL), 0);

	/* A MAC cut below half the hash (and below 10 bytes) is FORMERR. */
	cut = rec;
	cut.mac_len = 9;
	ck_assert_int_eq(fata_dns_tsig_verify(msg, len, &cut, keys, nkeys, rec.time_signed, NULL, 0,
			0, NULL), FATA_DNS_RCODE_FORMERR);

	/* Unknown name, or the right name with another algorithm: BADKEY. */
	ck_assert_int_eq(fata_dns_tsig_verify(msg, len, &rec, keys + 1, 0, rec.time_signed, NULL, 0,
			0, NULL), FATA_DNS_RCODE_BADKEY);
	for (size_t i = 0; i < nkeys; i++) {
		if (fata_dns_name_equal(&keys[i].name, &rec.key_name)) {
			wrong = keys[i];
			wrong.alg = wrong.alg == FATA_HASH_SHA512 ? FATA_HASH_SHA256 : FATA_HASH_SHA512;
		}
	}
	ck_assert_int_eq(fata_dns_tsig_verify(msg, len, &rec, &wrong, 1, rec.time_signed, NULL, 0, 0,
			NULL), FATA_DNS_RCODE_BADKEY);

	/* A wrong secret, and a changed byte in the signed data: BADSIG. */
	for (size_t i = 0; i < nkeys; i++) {
		if (fata_dns_name_equal(&keys[i].name, &rec.key_name))
			wrong = keys[i];
	}
	wrong.secret[0] ^= 1;
	ck_assert_int_eq(fata_dns_tsig_verify(msg, len, &rec, &wrong, 1, rec.time_signed, NULL, 0, 0,
			NULL), FATA_DNS_RCODE_BADSIG);
	msg[14] ^= 0x20;
	ck_assert_int_eq(fata_dns_tsig_verify(msg, len, &rec, keys, nkeys, rec.time_signed, NULL, 0,
			0, NULL), FATA_DNS_RCODE_BADSIG);
}
END_TEST

START_TEST(tsig_find_misplaced)
{
	uint8_t msg[4096];
	size_t len = read_hex("kdig256.hex", msg);
	struct fata_dns_tsig_record rec;

	/* Claim one more additional record than there is: TSIG is not last. */
	msg[11]++;
	ck_assert_int_eq(fata_dns_tsig_find(msg, len, &rec), FATA_EBADMSG);
	msg[11]--;
	/* Cut the message inside the TSIG. */
	ck_assert_int_eq(fata_dns_tsig_find(msg, len - 3, &rec), FATA_EBADMSG);
	/* Without ARCOUNT the record is trailing bytes, not a TSIG (the server
	 * rejects those bytes separately, as FORMERR). */
	msg[11] = 0;
	ck_assert_int_eq(fata_dns_tsig_find(msg, len, &rec), FATA_ENOENT);
}
END_TEST

static size_t build_query(uint8_t *buf, size_t cap, uint16_t id, int response)
{
	struct fata_dns_builder b;
	struct fata_dns_question q = { .type = FATA_DNS_TYPE_SOA, .class_ = FATA_DNS_CLASS_IN };

	fata_dns_name_parse("example.com.", 12, NULL, &q.name);
	fata_dns_builder_init(&b, buf, cap, id, response ? FATA_DNS_FLAG_QR : 0);
	fata_dns_build_question(&b, &q);
	return fata_dns_builder_finish(&b);
}

START_TEST(tsig_sign_then_verify)
{
	uint8_t req[1024], resp[1024], next[1024];
	uint8_t req_mac[FATA_HASH_MAX_SIZE], resp_mac[FATA_HASH_MAX_SIZE], next_mac[FATA_HASH_MAX_SIZE];
	size_t rlen, plen, nlen;
	struct fata_dns_tsig_record rec;
	const struct fata_dns_tsig_key *key;
	int mac_len;

	load_keys();
	key = &keys[_i];

	rlen = build_query(req, sizeof req, 0x4242, 0);
	mac_len = fata_dns_tsig_sign(req, &rlen, sizeof req, key, 1700000000, NULL, 0, 0, 0, req_mac);
	ck_assert_int_eq(mac_len, (int)fata_hash_size(key->alg));
	ck_assert_int_eq(req[11], 1);
	ck_assert_int_eq(fata_dns_tsig_find(req, rlen, &rec), 0);
	ck_assert_int_eq(rec.original_id, 0x4242);
	ck_assert_int_eq(fata_dns_tsig_verify(req, rlen, &rec, keys, nkeys, 1700000100, NULL, 0, 0,
			NULL), 0);

	/* A response covers the request's MAC. */
	plen = build_query(resp, sizeof resp, 0x4242, 1);
	ck_assert_int_gt(fata_dns_tsig_sign(resp, &plen, sizeof resp, key, 1700000001, req_mac,
			(size_t)mac_len, 0, 0, resp_mac), 0);
	ck_assert_int_eq(fata_dns_tsig_find(resp, plen, &rec), 0);
	ck_assert_int_eq(fata_dns_tsig_verify(resp, plen, &rec, key, 1, 1700000001, req_mac,
			(size_t)mac_len, 0, NULL), 0);
	ck_assert_int_eq(fata_dns_tsig_verify(resp, plen, &rec, key, 1, 1700000001, NULL, 0, 0, NULL),
			FATA_DNS_RCODE_BADSIG);

	/* The next message of a stream covers the prior MAC and the timers only. */
	nlen = build_query(next, sizeof next, 0x4242, 1);
	ck_assert_int_gt(fata_dns_tsig_sign_next(next, &nlen, sizeof next, key, 1700000002, resp_mac,
			(size_t)mac_len, next_mac), 0);
	ck_assert_int_eq(fata_dns_tsig_find(next, nlen, &rec), 0);
	ck_assert_int_eq(fata_dns_tsig_verify(next, nlen, &rec, key, 1, 1700000002, resp_mac,
			(size_t)mac_len, 1, NULL), 0);
	ck_assert_int_eq(fata_dns_tsig_verify(next, nlen, &rec, key, 1, 1700000002, req_mac,
			(size_t)mac_len, 1, NULL), FATA_DNS_RCODE_BADSIG);

	/* No room for the record: the message stays as it was. */
	plen = build_query(resp, sizeof resp, 1, 1);
	size_t before = plen;

	ck_assert_int_eq(fata_dns_tsig_sign(resp, &plen, plen + 20, key, 1, NULL, 0, 0, 0, NULL),
			FATA_ENOSPC);
	ck_assert_uint_eq(plen, before);
	ck_assert_int_eq(resp[11], 0);
}
END_TEST

START_TEST(tsig_error_records)
{
	uint8_t req[1024], resp[1024];
	size_t rlen, plen;
	struct fata_dns_tsig_record rec, got;

	load_keys();
	rlen = build_query(req, sizeof req, 7, 0);
	fata_dns_tsig_sign(req, &rlen, sizeof req, &keys[0], 1000, NULL, 0, 0, 0, NULL);
	fata_dns_tsig_find(req, rlen, &rec);

	/* BADKEY and BADSIG responses carry an empty MAC (RFC 8945 5.3.2). */
	plen = build_query(resp, sizeof resp, 7, 1);
	ck_assert_int_eq(fata_dns_tsig_append_error(resp, &plen, sizeof resp, &rec,
			FATA_DNS_RCODE_BADKEY, 2000), 0);
	ck_assert_int_eq(fata_dns_tsig_find(resp, plen, &got), 0);
	ck_assert_int_eq(got.error, FATA_DNS_RCODE_BADKEY);
	ck_assert_int_eq(got.mac_len, 0);

	/* BADTIME is signed and carries the server's time as other data (5.2.3). */
	plen = build_query(resp, sizeof resp, 7, 1);
	ck_assert_int_gt(fata_dns_tsig_sign(resp, &plen, sizeof resp, &keys[0], rec.time_signed,
			rec.mac, rec.mac_len, FATA_DNS_RCODE_BADTIME, 5000, NULL), 0);
	ck_assert_int_eq(fata_dns_tsig_find(resp, plen, &got), 0);
	ck_assert_int_eq(got.error, FATA_DNS_RCODE_BADTIME);
	ck_assert_int_eq(got.other_len, 6);
	ck_assert_int_eq(got.other[5], 5000 & 0xff);
	ck_assert_int_eq(fata_dns_tsig_verify(resp, plen, &got, keys, nkeys, rec.time_signed, rec.mac,
			rec.mac_len, 0, NULL), 0);
}
END_TEST

START_TEST(keyfile_reads_all_forms)
{
	char name[FATA_DNS_NAME_TEXT_MAX];

	load_keys();
	ck_assert_uint_eq(nkeys, 5);
	fata_dns_name_format(&keys[0].name, name, sizeof name);
	ck_assert_str_eq(name, "tsig-test.example.");
	ck_assert_int_eq(keys[0].alg, FATA_HASH_SHA256);
	ck_assert_uint_eq(keys[0].secret_len, 32);
	ck_assert_int_eq(keys[0].secret[31], 32);
	ck_assert_int_eq(keys[1].alg, FATA_HASH_SHA512);
	ck_assert_uint_eq(keys[1].secret_len, 64);
	fata_dns_name_format(&keys[2].name, name, sizeof name);
	ck_assert_str_eq(name, "sha1key.");
	ck_assert_int_eq(keys[2].alg, FATA_HASH_SHA1);
	ck_assert_int_eq(keys[3].alg, FATA_HASH_SHA256);
}
END_TEST

static const struct {
	const char *text;
	unsigned line;
	const char *reason;
} keyfile_errors[] = {
	{ "key \"k\" {\n algorithm hmac-md5;\n secret \"AAAA\";\n};\n", 2, "unsupported algorithm" },
	{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"not base64!\";\n};\n", 3, "not base64" },
	{ "key \"k\" {\n algorithm hmac-sha256;\n};\n", 3, "key has no secret" },
	{ "key \"k\" {\n secret \"AAAA\";\n};\n", 3, "key has no algorithm" },
	{ "key \"k\" {\n algorithm hmac-sha256\n secret \"AAAA\";\n};\n", 3, "expected ';'" },
	{ "server 1.2.3.4 { keys k; };\n", 1, "expected 'key'" },
	{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"AAAA\";\n}\n", 5, "expected ';' after '}'" },
	{ "key \"k\" {\n foo bar;\n};\n", 2, "unknown key option 'foo'" },
	{ "/* never closed\nkey \"k\" {};\n", 2, "unterminated" },
	{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"\";\n};\n", 3, "empty" },
};

START_TEST(keyfile_errors_with_lines)
{
	struct fata_dns_zone_error err;

	nkeys = 0;
	ck_assert_int_eq(fata_dns_keyfile_parse(keyfile_errors[_i].text,
			strlen(keyfile_errors[_i].text), "bad.conf", keep_key, NULL, &err), FATA_EINVAL);
	ck_assert_str_eq(err.file, "bad.conf");
	ck_assert_uint_eq(err.line, keyfile_errors[_i].line);
	ck_assert_msg(strstr(err.reason, keyfile_errors[_i].reason) != NULL, "'%s' lacks '%s'",
			err.reason, keyfile_errors[_i].reason);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns_tsig");
	TCase *tc = tcase_create("tsig");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, tsig_verifies_real_tools, 0, 4);
	tcase_add_loop_test(tc, tsig_rejects_tampering, 0, 4);
	tcase_add_test(tc, tsig_find_misplaced);
	tcase_add_loop_test(tc, tsig_sign_then_verify, 0, 3);
	tcase_add_test(tc, tsig_error_records);
	tcase_add_test(tc, keyfile_reads_all_forms);
	tcase_add_loop_test(tc, keyfile_errors_with_lines, 0,
			sizeof keyfile_errors / sizeof keyfile_errors[0]);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

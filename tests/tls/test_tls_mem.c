/*
 * TLS client and server against each other over the in-memory flow pair,
 * on a virtual loop: handshakes, data, closing, truncation, SNI, ALPN,
 * resumption, client certificates, refusals and misuse.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include <fata/alloc.h>
#include <fata/counter.h>
#include <fata/error.h>
#include <fata/loop.h>
#include <fata/tls.h>

#include "mem_flow.h"
#include "tls_test.h"

static const char *certs;

struct pair {
	struct fata_loop *loop;
	struct fata_flow *client, *server;
	struct fata_flow *raw_client, *raw_server;
	int client_status, server_status;
};

static struct fata_tls_server_config *server_config(const char *crt, const char *key)
{
	struct fata_tls_server_config *config = fata_tls_server_config_new();

	ck_assert_ptr_nonnull(config);
	ck_assert_int_eq(tls_test_add_cert(config, certs, crt, key), 0);
	return config;
}

static struct fata_tls_client_config *client_config(void)
{
	struct fata_tls_client_config *config = fata_tls_client_config_new();

	ck_assert_ptr_nonnull(config);
	ck_assert_int_eq(tls_test_add_trust(config, certs, "trust.pem"), 2);
	return config;
}

static void pair_open(struct pair *t, struct fata_tls_client_config *cc,
		struct fata_tls_server_config *sc, const char *name,
		const struct fata_tls_session *session)
{
	memset(t, 0, sizeof *t);
	t->loop = fata_loop_new_virtual(0);
	ck_assert_ptr_nonnull(t->loop);
	ck_assert_int_eq(mem_flow_pair(t->loop, &t->raw_client, &t->raw_server), 0);
	ck_assert_int_eq(fata_tls_client_new(cc, t->raw_client, name, session, &t->client), 0);
	ck_assert_int_eq(fata_tls_server_new(sc, t->raw_server, &t->server), 0);
}

/* Runs both handshakes; stores and returns the client's status. */
static int pair_handshake(struct pair *t)
{
	t->client_status = tls_test_run(t->loop, fata_tls_handshake(t->client), NULL);
	t->server_status = tls_test_run(t->loop, fata_tls_handshake(t->server), NULL);
	return t->client_status;
}

static void pair_close(struct pair *t)
{
	if (t->client)
		tls_test_close(t->loop, t->client);
	if (t->server)
		tls_test_close(t->loop, t->server);
	ck_assert_int_eq(fata_loop_run(t->loop, FATA_RUN_IDLE), 0);
	ck_assert_uint_eq(fata_loop_stats(t->loop)->promises_live, 0);
	fata_loop_free(t->loop);
}

/* Opens a pair with fresh default configurations and runs the handshake. */
static void pair_default(struct pair *t, const char *crt, const char *key, const char *name)
{
	struct fata_tls_server_config *sc = server_config(crt, key);
	struct fata_tls_client_config *cc = client_config();

	pair_open(t, cc, sc, name, NULL);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
	pair_handshake(t);
}

static void write_text(struct pair *t, struct fata_flow *flow, const char *text)
{
	union fata_value value;

	ck_assert_int_eq(tls_test_run(t->loop, fata_flow_write_copy(flow, text, strlen(text)),
			&value), 0);
	ck_assert_uint_eq(value.u64, strlen(text));
}

static void expect_text(struct pair *t, struct fata_flow *flow, const char *text)
{
	size_t len = strlen(text);
	uint8_t buf[256];
	int status;

	ck_assert_uint_eq(tls_test_read_bytes(t->loop, flow, buf, len, &status), len);
	ck_assert_int_eq(status, 0);
	ck_assert_mem_eq(buf, text, len);
}

/* Reads once and returns the status; `*len` gets the bytes (0 at the end). */
static int read_once(struct pair *t, struct fata_flow *flow, size_t *len)
{
	union fata_value value;
	int status = tls_test_run(t->loop, fata_flow_read(flow), &value);

	*len = status == 0 ? value.view.len : 0;
	if (status == 0)
		fata_view_release(&value.view);
	return status;
}

START_TEST(handshake_rsa_default_suite)
{
	struct pair t;

	pair_default(&t, "rsa.crt", "rsa.key", "localhost");
	ck_assert_int_eq(t.client_status, 0);
	ck_assert_int_eq(t.server_status, 0);
	ck_assert_int_eq(fata_tls_version(t.client), FATA_TLS_VERSION_1_2);
	ck_assert_int_eq(fata_tls_version(t.server), FATA_TLS_VERSION_1_2);
	ck_assert_int_eq(fata_tls_cipher_suite(t.client), BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
	ck_assert_str_eq(fata_tls_server_name(t.server), "localhost");
	ck_assert_str_eq(fata_tls_server_name(t.client), "localhost");
	ck_assert_int_eq(fata_tls_peer_verified(t.client), 1);
	ck_assert_int_eq(fata_tls_peer_verified(t.server), 0);
	ck_assert_int_eq(fata_tls_resumed(t.client), 0);
	ck_assert_ptr_null(fata_tls_alpn(t.client));
	ck_assert_int_eq(fata_tls_last_error(t.client, NULL, NULL), 0);
	pair_close(&t);
}
END_TEST

START_TEST(handshake_ecdsa_leaf)
{
	struct pair t;

	pair_default(&t, "ec.crt", "ec.key", "ec.example.test");
	ck_assert_int_eq(t.client_status, 0);
	ck_assert_int_eq(fata_tls_cipher_suite(t.server),
			BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
	pair_close(&t);
}
END_TEST

/* Returns counter `name` of libtls's EC group "tls_ec" (0 before its first use). */
static uint64_t ec_count(const char *name)
{
	return fata_counter_get("tls_ec", name, NULL);
}

/*
 * An ECDSA handshake runs on libtls's 64-bit EC code: two ECDHE key pairs
 * and shared secrets, the server's signature and the client's
 * verification. Only a compiler without a 128-bit integer type falls back
 * to BearSSL's code.
 */
START_TEST(handshake_uses_64bit_ec)
{
	uint64_t mul = ec_count("x25519_mul") + ec_count("p256_mul");
	uint64_t mulgen = ec_count("x25519_mulgen") + ec_count("p256_mulgen");
	uint64_t muladd = ec_count("p256_muladd");
	uint64_t delegated = ec_count("delegated");
	struct pair t;

#ifndef __SIZEOF_INT128__
	return;
#endif
	pair_default(&t, "ec.crt", "ec.key", "ec.example.test");
	ck_assert_int_eq(t.client_status, 0);
	ck_assert_int_eq(t.server_status, 0);
	ck_assert_uint_ge(ec_count("x25519_mul") + ec_count("p256_mul") - mul, 2);
	ck_assert_uint_ge(ec_count("x25519_mulgen") + ec_count("p256_mulgen") - mulgen, 3);
	ck_assert_uint_ge(ec_count("p256_muladd") - muladd, 1);
	ck_assert_uint_eq(ec_count("delegated"), delegated);
	pair_close(&t);
}
END_TEST

/*
 * Each handshake flight leaves in one lower write: ClientHello, then the
 * server's hello flight, then the client's key exchange with
 * ChangeCipherSpec and Finished, then the server's ChangeCipherSpec and
 * Finished (RFC 5246 section 7.3).
 */
START_TEST(handshake_one_write_per_flight)
{
	struct pair t;

	pair_default(&t, "ec.crt", "ec.key", "ec.example.test");
	ck_assert_int_eq(t.client_status, 0);
	ck_assert_int_eq(t.server_status, 0);
	ck_assert_uint_eq(mem_flow_writes(t.raw_client), 2);
	ck_assert_uint_eq(mem_flow_writes(t.raw_server), 2);
	pair_close(&t);
}
END_TEST

START_TEST(handshake_ecdsa_ca_chain)
{
	struct pair t;

	pair_default(&t, "ec2-chain.crt", "ec2.key", "localhost");
	ck_assert_int_eq(t.client_status, 0);
	ck_assert_int_eq(t.server_status, 0);
	pair_close(&t);
}
END_TEST

START_TEST(handshake_pkcs1_key)
{
	struct pair t;

	pair_default(&t, "rsa.crt", "rsa1.key", "rsa.example.test");
	ck_assert_int_eq(t.client_status, 0);
	pair_close(&t);
}
END_TEST

START_TEST(data_both_ways)
{
	struct pair t;

	pair_default(&t, "rsa.crt", "rsa.key", "localhost");
	write_text(&t, t.client, "ping");
	expect_text(&t, t.server, "ping");
	write_text(&t, t.server, "pong");
	expect_text(&t, t.client, "pong");
	pair_close(&t);
}
END_TEST

START_TEST(data_before_handshake_waits)
{
	struct pair t;
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();

	pair_open(&t, cc, sc, "localhost", NULL);
	/* No handshake call: the write and read wait for it themselves. */
	write_text(&t, t.client, "early");
	expect_text(&t, t.server, "early");
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

static void fill_pattern(uint8_t *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)((i * 131 + seed) ^ (i >> 11));
}

START_TEST(large_transfer_both_ways)
{
	enum { big = 4 << 20 };
	static struct fata_promise *writes[(big / 4 + 999) / 1000];
	struct pair t;
	uint8_t *sent = malloc(big), *got = malloc(big);
	struct fata_view view;
	struct fata_promise *w;
	union fata_value value;
	int status;

	pair_default(&t, "rsa.crt", "rsa.key", "localhost");
	fill_pattern(sent, big, 7);
	ck_assert_int_eq(fata_buf_copy(sent, big, 0, &view), 0);
	w = fata_flow_write(t.client, view);
	fata_view_release(&view);
	ck_assert_uint_eq(tls_test_read_bytes(t.loop, t.server, got, big, &status), big);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(memcmp(sent, got, big), 0);
	ck_assert_int_eq(tls_test_run(t.loop, w, &value), 0);
	ck_assert_uint_eq(value.u64, big);

	/* The other way, as many small writes queued at once. */
	fill_pattern(sent, big / 4, 99);
	for (size_t off = 0; off < big / 4; off += 1000) {
		size_t n = big / 4 - off < 1000 ? big / 4 - off : 1000;

		writes[off / 1000] = fata_flow_write_copy(t.server, sent + off, n);
	}
	ck_assert_uint_eq(tls_test_read_bytes(t.loop, t.client, got, big / 4, &status), big / 4);
	ck_assert_int_eq(memcmp(sent, got, big / 4), 0);
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++)
		ck_assert_int_eq(tls_test_run(t.loop, writes[i], NULL), 0);
	free(sent);
	free(got);
	pair_close(&t);
}
END_TEST

START_TEST(byte_at_a_time_delivery)
{
	struct pair t;
	struct fata_tls_server_config *sc = server_config("ec.crt", "ec.key");
	struct fata_tls_client_config *cc = client_config();

	pair_open(&t, cc, sc, "ec.example.test", NULL);
	mem_flow_set_chunk(t.raw_client, 1);
	mem_flow_set_chunk(t.raw_server, 1);
	ck_assert_int_eq(pair_handshake(&t), 0);
	write_text(&t, t.client, "one byte at a time");
	expect_text(&t, t.server, "one byte at a time");
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(close_notify_clean_end)
{
	struct pair t;
	size_t len;

	pair_default(&t, "rsa.crt", "rsa.key", "localhost");
	write_text(&t, t.client, "bye");
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_shutdown(t.client), NULL), 0);
	expect_text(&t, t.server, "bye");
	ck_assert_int_eq(read_once(&t, t.server, &len), 0);
	ck_assert_uint_eq(len, 0);
	/* Every read after the end gives the end again. */
	ck_assert_int_eq(read_once(&t, t.server, &len), 0);
	ck_assert_uint_eq(len, 0);
	/* The server responded with its own close_notify, so its writes end too. */
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_write_copy(t.server, "x", 1), NULL),
			FATA_EPIPE);
	ck_assert_int_eq(read_once(&t, t.client, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_write_copy(t.client, "x", 1), NULL),
			FATA_EPIPE);
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_shutdown(t.client), NULL), 0);
	pair_close(&t);
}
END_TEST

START_TEST(shutdown_keeps_decrypted_data)
{
	struct pair t;

	size_t len;

	pair_default(&t, "rsa.crt", "rsa.key", "localhost");
	/* Two records that reach the client in one lower read. */
	write_text(&t, t.server, "first");
	write_text(&t, t.server, "second");
	/* Reading the first also decrypts the second, which nobody reads yet. */
	expect_text(&t, t.client, "first");
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_shutdown(t.client), NULL), 0);
	expect_text(&t, t.client, "second");
	/* The server reads the close_notify and responds with its own... */
	ck_assert_int_eq(read_once(&t, t.server, &len), 0);
	ck_assert_uint_eq(len, 0);
	/* ...which ends the client's stream. */
	ck_assert_int_eq(read_once(&t, t.client, &len), 0);
	ck_assert_uint_eq(len, 0);
	pair_close(&t);
}
END_TEST

START_TEST(truncation_detected)
{
	struct pair t;
	const char *text;
	size_t len;
	int reason = -1;

	pair_default(&t, "rsa.crt", "rsa.key", "localhost");
	write_text(&t, t.server, "partial");
	/* The server's transport ends without a close_notify. */
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_shutdown(t.raw_server), NULL), 0);
	expect_text(&t, t.client, "partial");
	ck_assert_int_eq(read_once(&t, t.client, &len), FATA_ETRUNCATED);
	ck_assert_int_eq(fata_tls_last_error(t.client, &reason, &text), FATA_ETRUNCATED);
	ck_assert_int_eq(reason, 0);
	ck_assert_str_eq(text, "lower flow ended without close_notify");
	/* A failed flow stays failed. */
	ck_assert_int_eq(read_once(&t, t.client, &len), FATA_ETRUNCATED);
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_write_copy(t.client, "x", 1), NULL),
			FATA_ETRUNCATED);
	pair_close(&t);
}
END_TEST

START_TEST(truncation_during_handshake)
{
	struct pair t;
	struct fata_tls_client_config *cc = client_config();
	struct fata_flow *raw_client, *raw_server, *client;
	struct fata_loop *loop = fata_loop_new_virtual(0);
	const struct fata_tls_stats *stats = fata_tls_client_config_stats(cc);

	(void)t;
	ck_assert_int_eq(mem_flow_pair(loop, &raw_client, &raw_server), 0);
	ck_assert_int_eq(fata_tls_client_new(cc, raw_client, "localhost", NULL, &client), 0);
	tls_test_close(loop, raw_server);
	ck_assert_int_eq(tls_test_run(loop, fata_tls_handshake(client), NULL), FATA_ETRUNCATED);
	ck_assert_uint_eq(stats->handshake_failures, 1);
	ck_assert_uint_eq(stats->truncations, 1);
	tls_test_close(loop, client);
	fata_tls_client_config_free(cc);
	fata_loop_free(loop);
}
END_TEST

START_TEST(corrupted_record_rejected)
{
	struct pair t;
	uint8_t *pending;
	size_t len;
	int reason = 0;

	pair_default(&t, "rsa.crt", "rsa.key", "localhost");
	write_text(&t, t.client, "secret");
	pending = mem_flow_pending(t.raw_client, &len);
	ck_assert_uint_gt(len, 10);
	pending[len - 1] ^= 0x01;
	ck_assert_int_eq(read_once(&t, t.server, &len), FATA_ETLS);
	ck_assert_int_eq(fata_tls_last_error(t.server, &reason, NULL), FATA_ETLS);
	ck_assert_int_eq(reason, BR_ERR_BAD_MAC);
	pair_close(&t);
}
END_TEST

static void sni_case(const char *name, int expected_suite)
{
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	struct pair t;

	ck_assert_int_eq(tls_test_add_cert(sc, certs, "ec.crt", "ec.key"), 0);
	pair_open(&t, cc, sc, name, NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_cipher_suite(t.client), expected_suite);
	ck_assert_str_eq(fata_tls_server_name(t.server), name);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}

START_TEST(sni_picks_certificate)
{
	sni_case("ec.example.test", BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
	sni_case("EC.Example.Test", BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
	sni_case("localhost", BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
	sni_case("www.wild.example.test", BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
}
END_TEST

START_TEST(sni_unknown_name_gets_default)
{
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	struct pair t;
	int reason = 0;

	ck_assert_int_eq(tls_test_add_cert(sc, certs, "ec.crt", "ec.key"), 0);
	/* The wildcard covers one label only, so this gets the first certificate. */
	pair_open(&t, cc, sc, "a.b.wild.example.test", NULL);
	ck_assert_int_eq(pair_handshake(&t), FATA_EAUTH);
	ck_assert_int_eq(fata_tls_last_error(t.client, &reason, NULL), FATA_EAUTH);
	ck_assert_int_eq(reason, BR_ERR_X509_BAD_SERVER_NAME);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(sni_key_type_fallback)
{
	static const uint16_t ecdsa_only[] = { BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 };
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	struct pair t;

	ck_assert_int_eq(tls_test_add_cert(sc, certs, "ec2.crt", "ec2.key"), 0);
	ck_assert_int_eq(fata_tls_client_config_set_suites(cc, ecdsa_only, 1), 0);
	/* Both certificates name localhost; only the ECDSA one fits the client. */
	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_cipher_suite(t.client), ecdsa_only[0]);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(alpn_selects_common_protocol)
{
	static const char *const server_protocols[] = { "h2", "http/1.1" };
	static const char *const client_protocols[] = { "http/1.1", "spdy/3" };
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	struct pair t;

	ck_assert_int_eq(fata_tls_server_config_set_alpn(sc, server_protocols, 2), 0);
	ck_assert_int_eq(fata_tls_client_config_set_alpn(cc, client_protocols, 2), 0);
	pair_open(&t, cc, sc, "localhost", NULL);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_str_eq(fata_tls_alpn(t.server), "http/1.1");
	ck_assert_str_eq(fata_tls_alpn(t.client), "http/1.1");
	pair_close(&t);
}
END_TEST

START_TEST(alpn_mismatch_fails)
{
	static const char *const server_protocols[] = { "h2" };
	static const char *const client_protocols[] = { "http/1.1" };
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	struct pair t;
	int reason = 0;

	ck_assert_int_eq(fata_tls_server_config_set_alpn(sc, server_protocols, 1), 0);
	ck_assert_int_eq(fata_tls_client_config_set_alpn(cc, client_protocols, 1), 0);
	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), FATA_ETLS);
	ck_assert_int_eq(fata_tls_last_error(t.client, &reason, NULL), FATA_ETLS);
	ck_assert_int_eq(reason, BR_ERR_RECV_FATAL_ALERT + BR_ALERT_NO_APPLICATION_PROTOCOL);
	ck_assert_int_eq(t.server_status, FATA_ETLS);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(resumption_with_saved_session)
{
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	struct fata_tls_session *session = NULL;
	struct pair t;

	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(fata_tls_session_save(t.client, &session), FATA_ESTATE);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_session_save(t.server, &session), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_session_save(t.client, &session), 0);
	pair_close(&t);

	pair_open(&t, cc, sc, "localhost", session);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_resumed(t.client), 1);
	ck_assert_int_eq(fata_tls_resumed(t.server), 1);
	write_text(&t, t.client, "resumed");
	expect_text(&t, t.server, "resumed");
	pair_close(&t);

	/* A session saved for another name is not offered. */
	pair_open(&t, cc, sc, "rsa.example.test", session);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_resumed(t.client), 0);
	ck_assert_int_eq(fata_tls_resumed(t.server), 0);
	pair_close(&t);

	ck_assert_uint_eq(fata_tls_server_config_stats(sc)->handshakes, 3);
	ck_assert_uint_eq(fata_tls_server_config_stats(sc)->resumed, 1);
	ck_assert_uint_eq(fata_tls_client_config_stats(cc)->resumed, 1);
	fata_tls_session_free(session);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(resumption_off_without_cache)
{
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	struct fata_tls_session *session = NULL;
	struct pair t;

	ck_assert_int_eq(fata_tls_server_config_set_session_cache(sc, 0), 0);
	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_session_save(t.client, &session), 0);
	pair_close(&t);

	pair_open(&t, cc, sc, "localhost", session);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_resumed(t.client), 0);
	ck_assert_int_eq(fata_tls_resumed(t.server), 0);
	pair_close(&t);
	fata_tls_session_free(session);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

static struct fata_tls_server_config *client_auth_server(enum fata_tls_client_auth mode)
{
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	size_t len;
	char *ca = tls_test_read(certs, "ca.crt", &len);

	ck_assert_int_eq(fata_tls_server_config_set_client_auth(sc, mode, ca, len), 0);
	free(ca);
	return sc;
}

static struct fata_tls_client_config *client_with_cert(const char *crt, const char *key)
{
	struct fata_tls_client_config *cc = client_config();
	size_t crt_len, key_len;
	char *crt_pem = tls_test_read(certs, crt, &crt_len);
	char *key_pem = tls_test_read(certs, key, &key_len);

	ck_assert_int_eq(fata_tls_client_config_set_cert(cc, crt_pem, crt_len, key_pem, key_len), 0);
	free(crt_pem);
	free(key_pem);
	return cc;
}

START_TEST(client_cert_required_and_valid)
{
	struct fata_tls_server_config *sc = client_auth_server(FATA_TLS_CLIENT_AUTH_REQUIRE);
	struct fata_tls_client_config *cc = client_with_cert("client.crt", "client.key");
	struct fata_tls_session *session = NULL;
	struct pair t;

	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(t.server_status, 0);
	ck_assert_int_eq(fata_tls_peer_verified(t.server), 1);
	ck_assert_int_eq(fata_tls_session_save(t.client, &session), 0);
	pair_close(&t);

	/* A resumed session keeps its verification. */
	pair_open(&t, cc, sc, "localhost", session);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_resumed(t.server), 1);
	ck_assert_int_eq(fata_tls_peer_verified(t.server), 1);
	pair_close(&t);
	fata_tls_session_free(session);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(client_cert_required_but_missing)
{
	struct fata_tls_server_config *sc = client_auth_server(FATA_TLS_CLIENT_AUTH_REQUIRE);
	struct fata_tls_client_config *cc = client_config();
	struct pair t;
	int reason = 0;

	pair_open(&t, cc, sc, "localhost", NULL);
	pair_handshake(&t);
	ck_assert_int_eq(t.server_status, FATA_EAUTH);
	ck_assert_int_eq(fata_tls_last_error(t.server, &reason, NULL), FATA_EAUTH);
	ck_assert_int_eq(reason, BR_ERR_NO_CLIENT_AUTH);
	ck_assert_int_lt(t.client_status, 0);
	ck_assert_uint_eq(fata_tls_server_config_stats(sc)->auth_failures, 1);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(client_cert_untrusted_rejected)
{
	struct fata_tls_server_config *sc = client_auth_server(FATA_TLS_CLIENT_AUTH_REQUIRE);
	struct fata_tls_client_config *cc = client_with_cert("client-other.crt", "client-other.key");
	struct pair t;
	int reason = 0;

	pair_open(&t, cc, sc, "localhost", NULL);
	pair_handshake(&t);
	ck_assert_int_eq(t.server_status, FATA_EAUTH);
	ck_assert_int_eq(fata_tls_last_error(t.server, &reason, NULL), FATA_EAUTH);
	ck_assert_int_eq(reason, BR_ERR_X509_NOT_TRUSTED);
	ck_assert_int_lt(t.client_status, 0);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(client_cert_optional)
{
	struct fata_tls_server_config *sc = client_auth_server(FATA_TLS_CLIENT_AUTH_OPTIONAL);
	struct fata_tls_client_config *without = client_config();
	struct fata_tls_client_config *with = client_with_cert("client.crt", "client.key");
	struct fata_tls_client_config *other = client_with_cert("client-other.crt",
			"client-other.key");
	struct pair t;

	pair_open(&t, without, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(t.server_status, 0);
	ck_assert_int_eq(fata_tls_peer_verified(t.server), 0);
	pair_close(&t);

	pair_open(&t, with, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_peer_verified(t.server), 1);
	pair_close(&t);

	pair_open(&t, other, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_peer_verified(t.server), 0);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(without);
	fata_tls_client_config_free(with);
	fata_tls_client_config_free(other);
}
END_TEST

/* Opens a pair whose handshake must fail on the client with FATA_EAUTH. */
static void refused_case(const char *crt, const char *key, const char *name,
		int64_t client_time, int expected_reason)
{
	struct fata_tls_server_config *sc = server_config(crt, key);
	struct fata_tls_client_config *cc = client_config();
	struct pair t;
	const char *text = NULL;
	int reason = 0;

	if (client_time)
		ck_assert_int_eq(fata_tls_client_config_set_time(cc, client_time), 0);
	pair_open(&t, cc, sc, name, NULL);
	ck_assert_int_eq(pair_handshake(&t), FATA_EAUTH);
	ck_assert_int_eq(fata_tls_last_error(t.client, &reason, &text), FATA_EAUTH);
	ck_assert_int_eq(reason, expected_reason);
	ck_assert_str_eq(text, fata_tls_reason_text(expected_reason));
	/* The server learns of it through the client's alert. */
	ck_assert_int_lt(t.server_status, 0);
	ck_assert_uint_eq(fata_tls_client_config_stats(cc)->auth_failures, 1);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}

START_TEST(refuse_wrong_hostname)
{
	refused_case("rsa.crt", "rsa.key", "other.example.test", 0, BR_ERR_X509_BAD_SERVER_NAME);
}
END_TEST

/* Connects to `name`, an address that ip.crt carries as an iPAddress entry. */
static void address_case(const char *name)
{
	struct pair t;

	pair_default(&t, "ip.crt", "ip.key", name);
	ck_assert_int_eq(t.client_status, 0);
	ck_assert_int_eq(t.server_status, 0);
	ck_assert_str_eq(fata_tls_server_name(t.client), name);
	/* No SNI for an address (RFC 6066 section 3). */
	ck_assert_str_eq(fata_tls_server_name(t.server), "");
	write_text(&t, t.client, "ping");
	expect_text(&t, t.server, "ping");
	pair_close(&t);
}

START_TEST(address_matches_ip_entry)
{
	address_case("192.0.2.10");
	address_case("2001:db8::10");
	/* Addresses compare as bytes, whatever the text form. */
	address_case("2001:0db8:0:0::0010");
}
END_TEST

START_TEST(refuse_address_not_in_certificate)
{
	refused_case("ip.crt", "ip.key", "198.51.100.1", 0, BR_ERR_X509_BAD_SERVER_NAME);
	refused_case("ip.crt", "ip.key", "2001:db8::11", 0, BR_ERR_X509_BAD_SERVER_NAME);
	/* An IPv4 address never matches an IPv4-mapped IPv6 one, or the reverse. */
	refused_case("ip.crt", "ip.key", "::ffff:192.0.2.10", 0, BR_ERR_X509_BAD_SERVER_NAME);
	/* rsa.crt has DNS names only. */
	refused_case("rsa.crt", "rsa.key", "192.0.2.10", 0, BR_ERR_X509_BAD_SERVER_NAME);
}
END_TEST

START_TEST(refuse_address_in_dns_name_or_cn)
{
	/* ip.crt has 192.0.2.11 as a dNSName and 192.0.2.12 as its common name. */
	refused_case("ip.crt", "ip.key", "192.0.2.11", 0, BR_ERR_X509_BAD_SERVER_NAME);
	refused_case("ip.crt", "ip.key", "192.0.2.12", 0, BR_ERR_X509_BAD_SERVER_NAME);
}
END_TEST

START_TEST(refuse_expired_certificate)
{
	refused_case("expired.crt", "expired.key", "localhost", 0, BR_ERR_X509_EXPIRED);
}
END_TEST

START_TEST(refuse_not_yet_valid_at_fixed_time)
{
	/* 2001-09-09: long before the test CA was made. */
	refused_case("rsa.crt", "rsa.key", "localhost", 1000000000, BR_ERR_X509_EXPIRED);
}
END_TEST

START_TEST(refuse_unknown_ca)
{
	refused_case("unknown.crt", "unknown.key", "localhost", 0, BR_ERR_X509_NOT_TRUSTED);
}
END_TEST

START_TEST(refuse_untrusted_self_signed)
{
	refused_case("self.crt", "self.key", "localhost", 0, BR_ERR_X509_NOT_TRUSTED);
}
END_TEST

START_TEST(self_signed_trusted_directly)
{
	struct fata_tls_server_config *sc = server_config("self.crt", "self.key");
	struct fata_tls_client_config *cc = fata_tls_client_config_new();
	struct pair t;

	ck_assert_int_eq(tls_test_add_trust(cc, certs, "self.crt"), 1);
	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(refuse_tls10_only_client)
{
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	static const uint16_t cbc[] = { BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA };
	struct pair t;
	int reason = 0;

	ck_assert_int_eq(fata_tls_client_config_set_versions(cc, FATA_TLS_VERSION_1_0,
			FATA_TLS_VERSION_1_0), 0);
	ck_assert_int_eq(fata_tls_client_config_set_suites(cc, cbc, 1), 0);
	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), FATA_ETLS);
	ck_assert_int_eq(t.server_status, FATA_ETLS);
	ck_assert_int_eq(fata_tls_last_error(t.server, &reason, NULL), FATA_ETLS);
	ck_assert_int_eq(reason, BR_ERR_SEND_FATAL_ALERT + BR_ALERT_PROTOCOL_VERSION);
	/* The alert comes in a TLS 1.2 record, which the client refuses. */
	ck_assert_int_eq(fata_tls_last_error(t.client, &reason, NULL), FATA_ETLS);
	ck_assert_int_eq(reason, BR_ERR_UNSUPPORTED_VERSION);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(tls10_when_both_allow_it)
{
	static const uint16_t cbc[] = { BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA };
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	struct pair t;

	ck_assert_int_eq(tls_test_add_cert(sc, certs, "ec.crt", "ec.key"), 0);
	ck_assert_int_eq(fata_tls_server_config_set_versions(sc, FATA_TLS_VERSION_1_0,
			FATA_TLS_VERSION_1_2), 0);
	ck_assert_int_eq(fata_tls_server_config_set_suites(sc, cbc, 2), 0);
	ck_assert_int_eq(fata_tls_client_config_set_versions(cc, FATA_TLS_VERSION_1_0,
			FATA_TLS_VERSION_1_0), 0);
	ck_assert_int_eq(fata_tls_client_config_set_suites(cc, cbc, 2), 0);
	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_version(t.client), FATA_TLS_VERSION_1_0);
	write_text(&t, t.client, "old");
	expect_text(&t, t.server, "old");
	pair_close(&t);

	/* TLS 1.0 with an ECDSA signature over SHA-1. */
	pair_open(&t, cc, sc, "ec.example.test", NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_cipher_suite(t.client), cbc[1]);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(rsa_key_exchange_on_request)
{
	static const uint16_t rsa_kx[] = { BR_TLS_RSA_WITH_AES_128_GCM_SHA256 };
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	struct pair t;

	/* Only a suite the default list lacks: the handshake must fail... */
	ck_assert_int_eq(fata_tls_client_config_set_suites(cc, rsa_kx, 1), 0);
	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), FATA_ETLS);
	pair_close(&t);
	fata_tls_server_config_free(sc);

	/* ...until the server asks for it too. */
	sc = server_config("rsa.crt", "rsa.key");
	ck_assert_int_eq(fata_tls_server_config_set_suites(sc, rsa_kx, 1), 0);
	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(pair_handshake(&t), 0);
	ck_assert_int_eq(fata_tls_cipher_suite(t.server), rsa_kx[0]);
	write_text(&t, t.server, "static");
	expect_text(&t, t.client, "static");
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(config_rejects_bad_input)
{
	struct fata_tls_server_config *sc = fata_tls_server_config_new();
	struct fata_tls_client_config *cc = fata_tls_client_config_new();
	static const char garbage[] = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
	static const char *const long_name[] = { "x" };
	static const uint16_t unknown_suite[] = { 0x0005 };
	static const uint16_t twice[] = { 0xC02F, 0xC02F };
	size_t crt_len, key_len, ec_len, enc_len;
	char *crt = tls_test_read(certs, "rsa.crt", &crt_len);
	char *key = tls_test_read(certs, "rsa.key", &key_len);
	char *ec_key = tls_test_read(certs, "ec.key", &ec_len);
	char *enc_key = tls_test_read(certs, "encrypted.key", &enc_len);
	char name[300];

	ck_assert_int_eq(fata_tls_server_config_add_cert(sc, garbage, sizeof garbage - 1, key,
			key_len), FATA_EBADMSG);
	ck_assert_int_eq(fata_tls_server_config_add_cert(sc, crt, 0, key, key_len), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_server_config_add_cert(sc, crt, crt_len, ec_key, ec_len),
			FATA_EINVAL);
	ck_assert_int_eq(fata_tls_server_config_add_cert(sc, crt, crt_len, enc_key, enc_len),
			FATA_ENOTSUP);
	ck_assert_int_eq(fata_tls_server_config_add_cert(sc, crt, crt_len, crt, crt_len),
			FATA_EBADMSG);
	ck_assert_int_eq(fata_tls_server_config_add_cert(sc, key, key_len, key, key_len),
			FATA_EBADMSG);
	/* A chain cut inside its Base64 has no END line. */
	ck_assert_int_eq(fata_tls_server_config_add_cert(sc, crt, crt_len / 2, key, key_len),
			FATA_EBADMSG);
	ck_assert_int_eq(fata_tls_client_config_add_trust(cc, garbage, sizeof garbage - 1),
			FATA_EBADMSG);
	ck_assert_int_eq(fata_tls_client_config_add_trust(cc, key, key_len), FATA_EBADMSG);

	ck_assert_int_eq(fata_tls_server_config_set_versions(sc, FATA_TLS_VERSION_1_2,
			FATA_TLS_VERSION_1_3), FATA_ENOTSUP);
	ck_assert_int_eq(fata_tls_server_config_set_versions(sc, FATA_TLS_VERSION_1_2,
			FATA_TLS_VERSION_1_0), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_server_config_set_versions(sc, 0x0300, FATA_TLS_VERSION_1_2),
			FATA_EINVAL);
	ck_assert_int_eq(fata_tls_server_config_set_suites(sc, unknown_suite, 1), FATA_ENOTSUP);
	ck_assert_int_eq(fata_tls_server_config_set_suites(sc, twice, 2), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_server_config_set_suites(sc, twice, 0), FATA_EINVAL);
	memset(name, 'a', 256);
	name[256] = '\0';
	{
		const char *const names[] = { name };

		ck_assert_int_eq(fata_tls_client_config_set_alpn(cc, names, 1), FATA_EINVAL);
	}
	ck_assert_int_eq(fata_tls_client_config_set_alpn(cc, long_name, 17), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_server_config_set_session_cache(sc, 2000000), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_server_config_set_client_auth(sc, FATA_TLS_CLIENT_AUTH_REQUIRE,
			NULL, 0), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_server_config_set_time(sc, -1), FATA_EINVAL);

	free(crt);
	free(key);
	free(ec_key);
	free(enc_key);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(flow_creation_checks)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_tls_server_config *empty = fata_tls_server_config_new();
	struct fata_tls_client_config *cc = client_config();
	struct fata_flow *a, *b, *tls = NULL;

	ck_assert_int_eq(mem_flow_pair(loop, &a, &b), 0);
	ck_assert_int_eq(fata_tls_client_new(cc, a, "", NULL, &tls), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_client_new(cc, a, "bad name", NULL, &tls), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_client_new(cc, a, NULL, NULL, &tls), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_server_new(empty, b, &tls), FATA_EINVAL);
	ck_assert_ptr_null(tls);
	/* The wrap helper closes the flow it could not wrap. */
	ck_assert_ptr_null(fata_tls_server_wrap(empty, b));
	ck_assert_int_eq(fata_tls_is_tls(a), 0);
	ck_assert_int_eq(fata_tls_last_error(a, NULL, NULL), FATA_EINVAL);
	ck_assert_int_eq(tls_test_run(loop, fata_tls_handshake(a), NULL), FATA_EINVAL);
	ck_assert_int_eq(fata_tls_version(a), 0);
	tls_test_close(loop, a);
	fata_tls_server_config_free(empty);
	fata_tls_client_config_free(cc);
	fata_loop_free(loop);
}
END_TEST

START_TEST(config_frozen_after_use)
{
	struct fata_tls_server_config *sc = server_config("rsa.crt", "rsa.key");
	struct fata_tls_client_config *cc = client_config();
	struct pair t;

	pair_open(&t, cc, sc, "localhost", NULL);
	ck_assert_int_eq(tls_test_add_cert(sc, certs, "ec.crt", "ec.key"), FATA_ESTATE);
	ck_assert_int_eq(fata_tls_server_config_set_session_cache(sc, 10), FATA_ESTATE);
	ck_assert_int_eq(tls_test_add_trust(cc, certs, "ca.crt"), FATA_ESTATE);
	ck_assert_int_eq(fata_tls_client_config_set_versions(cc, FATA_TLS_VERSION_1_2,
			FATA_TLS_VERSION_1_2), FATA_ESTATE);
	pair_close(&t);
	fata_tls_server_config_free(sc);
	fata_tls_client_config_free(cc);
}
END_TEST

START_TEST(misuse_reported)
{
	struct pair t;
	struct fata_promise *first;
	size_t len;

	pair_default(&t, "rsa.crt", "rsa.key", "localhost");
	first = fata_flow_read(t.server);
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_read(t.server), NULL), FATA_EBUSY);
	fata_promise_cancel(first);
	/* An empty write succeeds at once. */
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_writev(t.server, NULL, 0), NULL), 0);
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_shutdown(t.client), NULL), 0);
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_shutdown(t.client), NULL), 0);
	ck_assert_int_eq(tls_test_run(t.loop, fata_flow_write_copy(t.client, "x", 1), NULL),
			FATA_EPIPE);
	ck_assert_int_eq(read_once(&t, t.server, &len), 0);
	ck_assert_uint_eq(len, 0);
	pair_close(&t);
}
END_TEST

START_TEST(close_rejects_pending_operations)
{
	struct pair t;
	struct fata_promise *read;
	int status = 1;

	pair_default(&t, "rsa.crt", "rsa.key", "localhost");
	read = fata_flow_read(t.client);
	ck_assert_int_eq(fata_loop_run_until(t.loop, fata_flow_close(t.client), &status, NULL), 0);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(tls_test_run(t.loop, read, NULL), FATA_ECLOSED);
	t.client = NULL;
	/* The server sees the client's close_notify as a clean end. */
	ck_assert_int_eq(read_once(&t, t.server, &(size_t){ 0 }), 0);
	pair_close(&t);
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("tls_mem");
	TCase *tc = tcase_create("handshake");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, handshake_rsa_default_suite);
	tcase_add_test(tc, handshake_ecdsa_leaf);
	tcase_add_test(tc, handshake_ecdsa_ca_chain);
	tcase_add_test(tc, handshake_uses_64bit_ec);
	tcase_add_test(tc, handshake_one_write_per_flight);
	tcase_add_test(tc, handshake_pkcs1_key);
	tcase_add_test(tc, tls10_when_both_allow_it);
	tcase_add_test(tc, rsa_key_exchange_on_request);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, data_both_ways);
	tcase_add_test(tc, data_before_handshake_waits);
	tcase_add_test(tc, large_transfer_both_ways);
	tcase_add_test(tc, byte_at_a_time_delivery);
	tcase_add_test(tc, close_notify_clean_end);
	tcase_add_test(tc, shutdown_keeps_decrypted_data);
	tcase_add_test(tc, truncation_detected);
	tcase_add_test(tc, truncation_during_handshake);
	tcase_add_test(tc, corrupted_record_rejected);
	tcase_add_test(tc, close_rejects_pending_operations);
	suite_add_tcase(s, tc);

	tc = tcase_create("features");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sni_picks_certificate);
	tcase_add_test(tc, sni_unknown_name_gets_default);
	tcase_add_test(tc, sni_key_type_fallback);
	tcase_add_test(tc, alpn_selects_common_protocol);
	tcase_add_test(tc, alpn_mismatch_fails);
	tcase_add_test(tc, resumption_with_saved_session);
	tcase_add_test(tc, resumption_off_without_cache);
	tcase_add_test(tc, client_cert_required_and_valid);
	tcase_add_test(tc, client_cert_required_but_missing);
	tcase_add_test(tc, client_cert_untrusted_rejected);
	tcase_add_test(tc, client_cert_optional);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, refuse_wrong_hostname);
	tcase_add_test(tc, address_matches_ip_entry);
	tcase_add_test(tc, refuse_address_not_in_certificate);
	tcase_add_test(tc, refuse_address_in_dns_name_or_cn);
	tcase_add_test(tc, refuse_expired_certificate);
	tcase_add_test(tc, refuse_not_yet_valid_at_fixed_time);
	tcase_add_test(tc, refuse_unknown_ca);
	tcase_add_test(tc, refuse_untrusted_self_signed);
	tcase_add_test(tc, self_signed_trusted_directly);
	tcase_add_test(tc, refuse_tls10_only_client);
	suite_add_tcase(s, tc);

	tc = tcase_create("misuse");
	tcase_add_test(tc, config_rejects_bad_input);
	tcase_add_test(tc, flow_creation_checks);
	tcase_add_test(tc, config_frozen_after_use);
	tcase_add_test(tc, misuse_reported);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *runner;
	int failed;

	tls_test_log_init();
	certs = tls_test_make_certs();
	if (!certs)
		return 1;
	runner = srunner_create(tls_suite());
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	tls_test_remove_certs(certs);
	return failed == 0 ? 0 : 1;
}

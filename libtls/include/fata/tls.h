/*
 * libfata-tls: TLS client and server as a flow over any flow, on BearSSL.
 *
 * A TLS flow is a struct fata_flow (see flow.h) that wraps another flow: a
 * TCP connection on libtcpip, a host socket, or an in-memory pair. Reads
 * return decrypted application data, writes are encrypted into records, and
 * the handshake runs by itself as soon as the flow is created.
 *
 * Configurations (struct fata_tls_server_config, struct fata_tls_client_config)
 * hold certificates, keys, trust anchors and policy. One configuration serves
 * any number of flows on the same loop. Flows keep a reference, so the caller
 * may free its configuration at any time. A configuration is frozen once the
 * first flow uses it: every setter then fails with FATA_ESTATE.
 *
 * Defaults: TLS 1.2 only, and only ECDHE key exchange with AEAD ciphers
 * (AES-GCM and ChaCha20-Poly1305). Other versions and suites are enabled only
 * by an explicit call. Renegotiation is refused (RFC 5746 is not needed then).
 *
 * Certificates and keys come as PEM text in memory; reading files is the
 * caller's job. Private keys may be RSA or EC (P-256, P-384, P-521), in
 * PKCS#1, SEC 1 ("EC PRIVATE KEY") or unencrypted PKCS#8 form.
 *
 * Closing rules on top of flow.h:
 * - shutdown sends close_notify (RFC 5246 section 7.2.1). TLS 1.2 has no
 *   half-close: application data that arrives after our close_notify is
 *   discarded, and reads then end when the peer responds with its own
 *   close_notify. Data already decrypted before shutdown is still delivered.
 * - A read fulfills with the empty view only after the peer's close_notify.
 *   When the lower flow ends without one, reads (and writes) fail with
 *   FATA_ETRUNCATED, because an attacker can cut a stream short.
 * - A close_notify from the peer closes our write side too, as RFC 5246
 *   section 7.2.1 requires: later writes fail with FATA_EPIPE.
 * - close sends close_notify when the handshake has finished, waits up to
 *   FATA_TLS_CLOSE_LINGER_NS for the lower flow to take the records, then
 *   closes the lower flow.
 *
 * Errors: handshake and record failures reject with FATA_ETLS, certificate
 * verification failures with FATA_EAUTH, a missing close_notify with
 * FATA_ETRUNCATED, and lower flow errors pass through unchanged. A failed
 * flow stays failed; fata_tls_last_error() returns why, with BearSSL's
 * reason code (BR_ERR_* from bearssl_ssl.h and bearssl_x509.h).
 */
#ifndef FATA_TLS_H
#define FATA_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <fata/flow.h>
#include <fata/promise.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_tls_server_config;
struct fata_tls_client_config;
struct fata_tls_session;

/* Protocol versions by their wire value; a configuration allows a range. */
enum fata_tls_version {
	FATA_TLS_VERSION_1_0 = 0x0301,
	FATA_TLS_VERSION_1_1 = 0x0302,
	FATA_TLS_VERSION_1_2 = 0x0303,
	FATA_TLS_VERSION_1_3 = 0x0304, /* not implemented yet: FATA_ENOTSUP */
};

/* Client certificate policy of a server: none, optional or required. */
enum fata_tls_client_auth {
	/* No CertificateRequest is sent. */
	FATA_TLS_CLIENT_AUTH_NONE = 0,
	/* Ask; a missing or invalid certificate is tolerated and
	 * fata_tls_peer_verified() returns 0 for that flow. */
	FATA_TLS_CLIENT_AUTH_OPTIONAL = 1,
	/* Ask; the handshake fails with FATA_EAUTH without a valid certificate. */
	FATA_TLS_CLIENT_AUTH_REQUIRE = 2,
};

/* Time a closing flow waits for the lower flow to take its last records. */
#define FATA_TLS_CLOSE_LINGER_NS (UINT64_C(5) * 1000 * 1000 * 1000)

/* Sessions kept by a new server configuration's cache (100 bytes each). */
#define FATA_TLS_DEFAULT_CACHE_ENTRIES 256

/* Counters of one configuration, summed over every flow that used it. */
struct fata_tls_stats {
	uint64_t handshakes;          /* handshakes completed */
	uint64_t resumed;             /* of those, abbreviated handshakes that resumed a session */
	uint64_t handshake_failures;  /* flows that failed before the handshake completed */
	uint64_t auth_failures;       /* failures with FATA_EAUTH (certificate verification) */
	uint64_t alerts_received;     /* fatal alerts received from peers */
	uint64_t truncations;         /* lower flows that ended without close_notify */
	uint64_t clean_closes;        /* close_notify received from peers */
	uint64_t bytes_read;          /* application data bytes delivered to readers */
	uint64_t bytes_written;       /* application data bytes taken from writers */
};

/*
 * Server configuration.
 */

/* Creates an empty server configuration, or returns NULL when out of memory. */
struct fata_tls_server_config *fata_tls_server_config_new(void);

/*
 * Drops the caller's reference to `config`; the configuration is freed when
 * the last flow using it has been closed too. NULL is ignored.
 */
void fata_tls_server_config_free(struct fata_tls_server_config *config);

/*
 * Adds a certificate chain and its private key. `chain_pem` contains one or
 * more "CERTIFICATE" objects, leaf first, and `key_pem` one private key. Both
 * are copied. The server picks a certificate per connection by the client's
 * SNI name (RFC 6066 section 3) against the leaf's subjectAltName DNS names,
 * or its subject common names when it has none; "*.example.com" matches one
 * left-most label. Without SNI, or when no name matches, the first
 * certificate added is used, or a later one when the client supports only
 * that one's key type.
 * Errors: FATA_EINVAL for NULL or empty input, or a key that does not match
 * the leaf certificate; FATA_EBADMSG for malformed PEM, a missing
 * certificate or key, or undecodable DER; FATA_ENOTSUP for an encrypted key
 * or an unsupported key type or curve; FATA_ELIMIT after 64 certificates;
 * FATA_ESTATE once a flow has used `config`; FATA_ENOMEM.
 */
int fata_tls_server_config_add_cert(struct fata_tls_server_config *config,
		const char *chain_pem, size_t chain_len, const char *key_pem, size_t key_len);

/*
 * Sets client certificate requests. `ca_pem` contains the "CERTIFICATE" objects
 * that client chains must lead to; their subject names are sent in the
 * CertificateRequest. For FATA_TLS_CLIENT_AUTH_NONE, `ca_pem` may be NULL.
 * Errors: FATA_EINVAL for an unknown mode or a missing `ca_pem`,
 * FATA_EBADMSG when `ca_pem` holds no usable certificate, FATA_ESTATE,
 * FATA_ENOMEM.
 */
int fata_tls_server_config_set_client_auth(struct fata_tls_server_config *config,
		enum fata_tls_client_auth mode, const char *ca_pem, size_t ca_len);

/*
 * Sets the number of sessions kept for resumption (RFC 5246 section 7.3) in
 * BearSSL's LRU cache; 0 turns resumption off. A session is resumed only
 * with the certificate that SNI selects now, and, when client certificates
 * are required, only if the client's certificate was verified in the full
 * handshake. The default is FATA_TLS_DEFAULT_CACHE_ENTRIES.
 * Errors: FATA_EINVAL above 1,000,000 entries, FATA_ESTATE, FATA_ENOMEM.
 */
int fata_tls_server_config_set_session_cache(struct fata_tls_server_config *config,
		size_t entries);

/*
 * Sets the application protocols for ALPN (RFC 7301), in preference order.
 * The server selects its first protocol that the client offers. A client
 * that offers ALPN with no common protocol gets a no_application_protocol
 * alert (RFC 7301 section 3.2). Each name is 1 to 255 bytes and is copied.
 * `count` 0 turns ALPN off.
 * Errors: FATA_EINVAL for a bad name or more than 16 names, FATA_ESTATE,
 * FATA_ENOMEM.
 */
int fata_tls_server_config_set_alpn(struct fata_tls_server_config *config,
		const char *const *protocols, size_t count);

/*
 * Allows protocol versions `min` to `max` (inclusive).
 * Errors: FATA_EINVAL when a value is not a known version or min > max,
 * FATA_ENOTSUP for TLS 1.3, FATA_ESTATE.
 */
int fata_tls_server_config_set_versions(struct fata_tls_server_config *config,
		enum fata_tls_version min, enum fata_tls_version max);

/*
 * Replaces the cipher suites with `count` suites by IANA number (0xC02F is
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), in preference order; the server
 * follows its own order. Supported: the ECDHE_RSA and ECDHE_ECDSA suites with
 * AES-GCM, ChaCha20-Poly1305, AES-CCM (ECDSA only) and AES-CBC, and the RSA
 * key exchange suites with AES-GCM, AES-CCM and AES-CBC.
 * Errors: FATA_EINVAL for count 0, more than 48 or duplicates, FATA_ENOTSUP
 * for a suite outside that list, FATA_ESTATE.
 */
int fata_tls_server_config_set_suites(struct fata_tls_server_config *config,
		const uint16_t *suites, size_t count);

/*
 * Fixes the time used to check client certificate validity to `unix_seconds`
 * (seconds since 1970-01-01 UTC), for tests; 0 returns to the wall clock.
 * Errors: FATA_EINVAL for a negative time, FATA_ESTATE.
 */
int fata_tls_server_config_set_time(struct fata_tls_server_config *config, int64_t unix_seconds);

/* Returns the counters of `config`. */
const struct fata_tls_stats *fata_tls_server_config_stats(const struct fata_tls_server_config *config);

/*
 * Client configuration.
 */

/*
 * Creates a client configuration with no trust anchors (so every server
 * fails verification until some are added), or returns NULL when out of
 * memory.
 */
struct fata_tls_client_config *fata_tls_client_config_new(void);

/* Drops the caller's reference to `config`, as for the server. NULL is ignored. */
void fata_tls_client_config_free(struct fata_tls_client_config *config);

/*
 * Adds every "CERTIFICATE" object in `pem` (such as Debian's
 * /etc/ssl/certs/ca-certificates.crt) as a trust anchor. A CA certificate
 * anchors chains; a certificate without the CA flag (a self-signed server
 * certificate, say) is trusted only as that exact server certificate.
 * Certificates BearSSL cannot decode (unsupported key types) are skipped
 * and logged at debug level. Returns the number of anchors added (1 or
 * more).
 * Errors: FATA_EINVAL for NULL or empty input, FATA_EBADMSG for malformed
 * PEM or when no certificate could be used, FATA_ESTATE, FATA_ENOMEM.
 */
int fata_tls_client_config_add_trust(struct fata_tls_client_config *config,
		const char *pem, size_t len);

/*
 * Sets the certificate chain and key sent when a server asks for one;
 * formats and errors as for fata_tls_server_config_add_cert(). Replaces an
 * earlier one.
 */
int fata_tls_client_config_set_cert(struct fata_tls_client_config *config,
		const char *chain_pem, size_t chain_len, const char *key_pem, size_t key_len);

/*
 * Sets the protocols offered by ALPN (RFC 7301), in preference order. A
 * server that selects a protocol not offered fails the handshake. Rules and
 * errors as for fata_tls_server_config_set_alpn().
 */
int fata_tls_client_config_set_alpn(struct fata_tls_client_config *config,
		const char *const *protocols, size_t count);

/* As fata_tls_server_config_set_versions(). */
int fata_tls_client_config_set_versions(struct fata_tls_client_config *config,
		enum fata_tls_version min, enum fata_tls_version max);

/* As fata_tls_server_config_set_suites(); the client offers them in this order. */
int fata_tls_client_config_set_suites(struct fata_tls_client_config *config,
		const uint16_t *suites, size_t count);

/* Fixes the time for server certificate validity checks; as for the server. */
int fata_tls_client_config_set_time(struct fata_tls_client_config *config, int64_t unix_seconds);

/* Returns the counters of `config`. */
const struct fata_tls_stats *fata_tls_client_config_stats(const struct fata_tls_client_config *config);

/*
 * Flows.
 */

/*
 * Creates a TLS client flow over `lower` and starts the handshake.
 * `server_name` is a DNS name or an IPv4 or IPv6 address literal of 1 to
 * 255 printable bytes, and is copied. A DNS name is sent as SNI and must
 * match the server certificate's subjectAltName DNS names (or common name
 * when it has none). An address is not sent (SNI carries host names only)
 * and must equal one of the certificate's subjectAltName iPAddress entries.
 * `session` (may be NULL) is a session saved from an earlier flow to the
 * same server name; it is offered for resumption and copied, and a session
 * saved for another name is ignored.
 * The new flow owns `lower` and closes it when closed itself; on error the
 * caller still owns `lower`.
 * Errors: FATA_EINVAL for NULL arguments or a bad name, FATA_EIO when the
 * platform has no entropy, FATA_ENOMEM.
 */
int fata_tls_client_new(struct fata_tls_client_config *config, struct fata_flow *lower,
		const char *server_name, const struct fata_tls_session *session,
		struct fata_flow **out);

/*
 * Creates a TLS server flow over `lower`, such as a flow just accepted from
 * a listener. Ownership of `lower` and errors as for fata_tls_client_new().
 * Errors also: FATA_EINVAL when `config` has no certificate.
 */
int fata_tls_server_new(struct fata_tls_server_config *config, struct fata_flow *lower,
		struct fata_flow **out);

/*
 * Wraps an accepted flow for a server in one call: returns the TLS flow, or
 * NULL after closing `lower` when fata_tls_server_new() fails. Either way
 * the caller no longer owns `lower`.
 */
struct fata_flow *fata_tls_server_wrap(struct fata_tls_server_config *config,
		struct fata_flow *lower);

struct fata_listener;

/*
 * Creates a listener whose accept fulfills with TLS server flows: each
 * connection accepted from `inner` goes through fata_tls_server_wrap(). A
 * connection that cannot be wrapped is closed and the accept goes on. For
 * servers whose accept loop lives in another library (an HTTP server takes
 * the returned listener in place of `inner`). The new listener owns `inner`
 * and closes it when closed itself; on error the caller still owns it. It
 * holds a reference to `config`.
 * Errors: FATA_EINVAL for NULL arguments or a `config` without a
 * certificate, FATA_ENOMEM.
 */
int fata_tls_listener_new(struct fata_tls_server_config *config, struct fata_listener *inner,
		struct fata_listener **out);

/* Returns 1 when `flow` is a TLS flow from this library, else 0. */
int fata_tls_is_tls(const struct fata_flow *flow);

/*
 * Returns a promise fulfilled (u64 = 0) when the handshake of `tls` has
 * completed, at once when it already has, or rejected with the flow's error.
 * Reads and writes do not need it: they wait for the handshake themselves.
 * Errors: FATA_EBUSY while another handshake promise is pending,
 * FATA_EINVAL when `tls` is not a TLS flow. Returns NULL when out of memory.
 */
struct fata_promise *fata_tls_handshake(struct fata_flow *tls);

/*
 * Returns the error that failed `tls` (a negative fata_error code), or 0
 * while it has not failed. `reason` (may be NULL) receives BearSSL's reason
 * code: BR_ERR_* from bearssl_ssl.h, BR_ERR_X509_* (32 to 63) for
 * certificate failures, 256 + alert for a fatal alert received and 512 +
 * alert for one sent, or 0 for failures outside BearSSL (a truncated or
 * failed lower flow). `text` (may be NULL) receives a readable message,
 * valid while the flow is open. Returns FATA_EINVAL when `tls` is not a TLS
 * flow.
 */
int fata_tls_last_error(const struct fata_flow *tls, int *reason, const char **text);

/* Returns a static description of a BearSSL reason code as above. */
const char *fata_tls_reason_text(int reason);

/*
 * Connection facts, valid after the handshake completed. Each returns 0 or
 * NULL before that and for a flow that is not a TLS flow.
 */

/* Returns the negotiated version (enum fata_tls_version). */
int fata_tls_version(const struct fata_flow *tls);

/* Returns the negotiated cipher suite's IANA number. */
int fata_tls_cipher_suite(const struct fata_flow *tls);

/*
 * Returns the protocol selected by ALPN, a string owned by the flow's
 * configuration, or NULL when none was selected.
 */
const char *fata_tls_alpn(const struct fata_flow *tls);

/*
 * Returns the server name: on a server the SNI name the client sent ("" for
 * none), on a client the name given at creation. Valid while the flow is
 * open; set on a server once the ClientHello has arrived.
 */
const char *fata_tls_server_name(const struct fata_flow *tls);

/* Returns 1 when the handshake resumed an earlier session, else 0. */
int fata_tls_resumed(const struct fata_flow *tls);

/*
 * Returns 1 on a client whose server certificate was verified (always, once
 * the handshake has completed), and on a server whose client presented a
 * certificate that verified against the client authentication anchors,
 * else 0. A resumed session keeps the result of its full handshake.
 */
int fata_tls_peer_verified(const struct fata_flow *tls);

/*
 * Sessions, for client-side resumption.
 */

/*
 * Copies the session of the client flow `tls` into a new object in `*out`,
 * for fata_tls_client_new(). The object contains the master secret: keep it in
 * memory only, and free it with fata_tls_session_free().
 * Errors: FATA_EINVAL when `tls` is not a TLS client flow, FATA_ESTATE before
 * the handshake has completed, FATA_ENOENT when the server issued no session
 * ID, FATA_ENOMEM.
 */
int fata_tls_session_save(const struct fata_flow *tls, struct fata_tls_session **out);

/* Wipes and frees `session`; NULL is ignored. */
void fata_tls_session_free(struct fata_tls_session *session);

#ifdef __cplusplus
}
#endif

#endif

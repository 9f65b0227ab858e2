/*
 * Internal declarations shared by the libtls sources.
 *
 * Ownership: a configuration owns every certificate, key, anchor and name it
 * holds, and frees them when its last reference goes. A flow (struct
 * tls_conn) holds one reference to its configuration, owns its BearSSL
 * context, its I/O buffer and the lower flow.
 */
#ifndef TLS_INTERNAL_H
#define TLS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include <fata/buf.h>
#include <fata/loop.h>
#include <fata/tls.h>

/* Log source name for fata_log(). */
#define TLS_LOG "tls"

#define TLS_MAX_CERTS 64
#define TLS_MAX_ALPN 16
#define TLS_MAX_CACHE_ENTRIES 1000000
/* BearSSL's LRU cache stores each session in exactly this many bytes. */
#define TLS_CACHE_ENTRY_SIZE 100
/* Lower-flow writes a flow keeps in flight. */
#define TLS_MAX_LOWER_WRITES 4
/*
 * Bytes a lower write reserves behind its first record for the records the
 * engine writes next: enough for ChangeCipherSpec followed by Finished.
 */
#define TLS_FLIGHT_SLACK 256

/* Returns the struct of type `type` whose member `member` is at `ptr`. */
#define TLS_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((unsigned char *)(ptr) - offsetof(type, member)))

/* Overwrites `len` bytes at `p` in a way the compiler keeps (secrets). */
void tls_wipe(void *p, size_t len);

/*
 * Runs `init` once for the process, guarded by `*state` (a static int that
 * starts at 0), and returns when it has finished. Several event loops may
 * run TLS on different threads, and a second thread must not read a table
 * that another thread is still filling, so a caller that finds the work in
 * progress waits for it.
 */
void tls_once(int *state, void (*init)(void));

/* Duplicates the NUL-terminated `s` with fata_alloc, or returns NULL. */
char *tls_strdup(const char *s, size_t len);

/*
 * PEM (pem.c): calls `fn` for every object in `text`, with its upper-case
 * name and decoded bytes (borrowed for the call). Stops at the first
 * negative return of `fn` and returns it.
 * Errors: FATA_EBADMSG for bad Base64 or an unterminated object, FATA_ELIMIT
 * for an object over 1 MiB, FATA_ENOMEM.
 */
typedef int (*tls_pem_fn)(void *arg, const char *name, const uint8_t *der, size_t len);
int tls_pem_decode(const char *text, size_t len, tls_pem_fn fn, void *arg);

/* Returns 1 for PEM names of certificates, 0 otherwise. */
int tls_pem_is_cert(const char *name);

/* A private key with its own copy of the key bytes (keys.c). */
struct tls_key {
	int type; /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC; 0 when empty */
	union {
		br_rsa_private_key rsa;
		br_ec_private_key ec;
	} key;
	uint8_t *storage;
	size_t storage_len;
};

/*
 * Decodes a DER private key (PKCS#1, SEC 1 or PKCS#8) into `out`.
 * Errors: FATA_EBADMSG, FATA_ENOTSUP for an unsupported curve, FATA_ENOMEM.
 */
int tls_key_decode(const uint8_t *der, size_t len, struct tls_key *out);

/* Wipes and frees the key bytes; the key becomes empty. */
void tls_key_clear(struct tls_key *key);

/*
 * Checks that `key` belongs to the DER certificate `cert` and stores the
 * key type of the certificate's issuer in `*issuer_key_type`.
 * Errors: FATA_EINVAL on a mismatch, FATA_EBADMSG for an undecodable
 * certificate, FATA_ENOTSUP for an unsupported curve, FATA_ENOMEM.
 */
int tls_key_matches_cert(const struct tls_key *key, const uint8_t *cert, size_t cert_len,
		unsigned *issuer_key_type);

/*
 * Names of a certificate (names.c): the subjectAltName dNSName entries of
 * the DER certificate, or its subject common names when it has none, in
 * lower case. The caller frees them with tls_names_free().
 * Errors: FATA_EBADMSG for malformed DER, FATA_ELIMIT over 1024 names,
 * FATA_ENOMEM.
 */
int tls_cert_names(const uint8_t *der, size_t len, char ***names, size_t *count);
void tls_names_free(char **names, size_t count);

/*
 * Returns 1 when the DER certificate has a subjectAltName iPAddress entry
 * equal to the `ip_len` bytes at `ip` (4 for IPv4, 16 for IPv6, network
 * byte order), 0 when it has none, FATA_EBADMSG for malformed DER.
 */
int tls_cert_has_ip(const uint8_t *der, size_t len, const uint8_t *ip, size_t ip_len);

/* Returns 1 when the host name `host` matches the certificate name `pattern`. */
int tls_name_matches(const char *pattern, const char *host);

/* A chain with its key and names, ready for a server or client (chain.c). */
struct tls_cert {
	br_x509_certificate *chain;
	size_t chain_len;
	struct tls_key key;
	unsigned issuer_key_type;
	char **names;
	size_t name_count;
};

/*
 * Loads a chain and key from PEM into `out`, checking that they match.
 * Errors as for fata_tls_server_config_add_cert().
 */
int tls_cert_load(const char *chain_pem, size_t chain_len, const char *key_pem, size_t key_len,
		struct tls_cert *out);
void tls_cert_clear(struct tls_cert *cert);

/* A growable array of trust anchors, each with its own storage (anchors.c). */
struct tls_anchors {
	br_x509_trust_anchor *items;
	size_t count;
	size_t capacity;
};

/*
 * Adds every certificate of `pem` as an anchor. Returns the number added.
 * Errors: FATA_EBADMSG when none could be used, FATA_ENOMEM.
 */
int tls_anchors_add_pem(struct tls_anchors *anchors, const char *pem, size_t len);
void tls_anchors_clear(struct tls_anchors *anchors);

/* Settings shared by server and client configurations (config.c). */
struct tls_common {
	uint32_t refs;
	int frozen;
	uint16_t version_min, version_max;
	uint16_t suites[BR_MAX_CIPHER_SUITES];
	size_t suite_count;
	const char *alpn[TLS_MAX_ALPN];
	size_t alpn_count;
	int64_t fixed_time; /* unix seconds; 0 for the wall clock */
	struct fata_tls_stats stats;
};

void tls_common_init(struct tls_common *common);
void tls_common_clear(struct tls_common *common);
int tls_common_set_versions(struct tls_common *common, enum fata_tls_version min,
		enum fata_tls_version max);
int tls_common_set_suites(struct tls_common *common, const uint16_t *suites, size_t count);
int tls_common_set_alpn(struct tls_common *common, const char *const *protocols, size_t count);
int tls_common_set_time(struct tls_common *common, int64_t unix_seconds);

/* What the server cache remembers of a session besides BearSSL's entry. */
struct tls_cache_note {
	uint8_t id[32];
	uint16_t cert_index;
	uint8_t verified;
	uint8_t used;
};

/*
 * The server session cache (cache.c): BearSSL's LRU cache behind a class
 * that also notes which certificate and client verification each session
 * had, so resumption cannot change either.
 */
struct tls_cache {
	const br_ssl_session_cache_class *vtable;
	br_ssl_session_cache_lru lru;
	unsigned char *store;
	struct tls_cache_note *notes;
	size_t entries;
	size_t next_note;
};

int tls_cache_init(struct tls_cache *cache, size_t entries);
void tls_cache_clear(struct tls_cache *cache);
/* Records the verification result of the session `id` at handshake end. */
void tls_cache_note_verified(struct tls_cache *cache, const uint8_t *id, int verified);

struct fata_tls_server_config {
	struct tls_common common;
	struct tls_cert certs[TLS_MAX_CERTS];
	size_t cert_count;
	enum fata_tls_client_auth client_auth;
	struct tls_anchors client_cas;
	struct tls_cache cache;
};

struct fata_tls_client_config {
	struct tls_common common;
	struct tls_anchors anchors;
	struct tls_cert cert;
	int has_cert;
};

void tls_server_config_release(struct fata_tls_server_config *config);
void tls_client_config_release(struct fata_tls_client_config *config);

struct fata_tls_session {
	char server_name[256];
	br_ssl_session_parameters params;
};

/*
 * The certificate validator (x509.c): BearSSL's minimal engine behind a
 * class that records the chain's result, so a failure reported to the
 * engine as an alert still has its precise BR_ERR_X509_* reason.
 */
struct tls_x509 {
	const br_x509_class *vtable;
	br_x509_minimal_context minimal;
	unsigned result;
	int chain_done;
	/*
	 * The server's address when the client connects to an IP address
	 * (ip_len 4 or 16, else 0). The end-entity certificate is then kept in
	 * `leaf` until the chain ends, to check its iPAddress entries.
	 */
	uint8_t ip[16];
	size_t ip_len;
	uint8_t *leaf;
	size_t leaf_len;
	size_t leaf_cap;
	unsigned cert_index;
};

void tls_x509_init(struct tls_x509 *x509, const struct tls_anchors *anchors, int64_t fixed_time);

/* Frees what the validator allocated; the structure may be initialized again. */
void tls_x509_release(struct tls_x509 *x509);

/* One user write waiting to enter the engine. */
struct tls_write {
	struct tls_write *next;
	struct tls_conn *conn;
	struct fata_promise *promise;
	uint64_t total;
	size_t index;  /* view being copied */
	size_t offset; /* bytes of that view already copied */
	size_t count;
	struct fata_view views[];
};

/* One lower-flow write in flight. */
struct tls_lower_write {
	struct tls_conn *conn;
	struct fata_promise *promise;
};

/* A TLS flow. */
struct tls_conn {
	struct fata_flow flow;
	int is_server;
	union {
		br_ssl_engine_context eng;
		br_ssl_client_context client;
		br_ssl_server_context server;
	} br;
	struct tls_x509 x509;
	const br_ssl_server_policy_class *policy;
	unsigned char *iobuf;
	struct fata_tls_server_config *server_config;
	struct fata_tls_client_config *client_config;
	struct tls_common *common;
	struct fata_flow *lower;

	/* Input: bytes read from the lower flow that the engine has not taken. */
	struct fata_view input;
	struct fata_promise *lower_read;
	int lower_eof;
	/* Plaintext saved from the engine before our close_notify discards it. */
	struct fata_view held;
	struct fata_promise *read;

	/* Output. */
	struct tls_write *write_head, *write_tail;
	struct tls_lower_write lower_writes[TLS_MAX_LOWER_WRITES];
	size_t lower_write_count;

	struct fata_promise *handshake;
	struct fata_promise *shutdown;
	struct fata_promise *close;
	struct fata_timer linger;
	struct fata_task finish;

	int handshake_done;
	int shutdown_requested;
	int close_notify_sent;
	int shutdown_done;
	int peer_closed; /* the peer's close_notify arrived */
	int closing;       /* close was called */
	int lower_closing; /* the lower flow is being closed */
	int linger_expired;

	int error;
	int reason;
	char error_text[112];

	int resumed;
	int peer_verified;
	int cert_index; /* server: the certificate chosen, or -1 */
	uint8_t offered_id[32];
	size_t offered_id_len;
	char server_name[256]; /* client: the name asked for */
};

/* Returns the flow's tls_conn, or NULL when `flow` is not a TLS flow. */
struct tls_conn *tls_conn_from_flow(const struct fata_flow *flow);

/* The flow operations (flow.c). */
extern const struct fata_flow_ops tls_flow_ops;

/* Frees a flow and everything it holds but the lower flow (conn.c). */
void tls_conn_free(struct tls_conn *conn);

/* Rejects every pending user operation with `error` (flow.c). */
void tls_reject_pending(struct tls_conn *conn, int error);

/* Frees a queued write, releasing its views (flow.c). */
void tls_write_free(struct tls_write *req);

/* Closes the lower flow once the last records are out (close.c). */
void tls_close_step(struct tls_conn *conn);
void tls_linger_fired(void *arg, struct fata_timer *timer);
void tls_finish(void *arg);

/* Applies the common settings to a zeroed engine (engine.c). */
int tls_engine_setup(struct tls_conn *conn);

/* Runs the engine until it waits for input or output (pump.c). */
void tls_pump(struct tls_conn *conn);

/*
 * Marks `conn` failed with the fata error `error`, the BearSSL reason
 * `reason` (0 for none) and `text` (copied), unless it already failed.
 */
void tls_fail(struct tls_conn *conn, int error, int reason, const char *text);

/* Fails `conn` from the engine's error code (errors.c). */
void tls_fail_from_engine(struct tls_conn *conn, int reason);

/* Returns the fata error for a BearSSL reason code (errors.c). */
int tls_error_from_reason(int reason);

/* Server policy (policy.c). */
extern const br_ssl_server_policy_class tls_policy_vtable;

/* Server cache class (cache.c). */
extern const br_ssl_session_cache_class tls_cache_vtable;

/* Returns the server flow that owns the BearSSL server context `sc`. */
static inline struct tls_conn *tls_conn_from_server(const br_ssl_server_context *sc)
{
	return TLS_CONTAINER_OF(sc, struct tls_conn, br.server);
}

/*
 * Picks the certificate for the SNI name `sni` among those whose key type
 * is in `key_types` (a bit per BR_KEYTYPE_*), or returns -1 (policy.c).
 */
int tls_pick_cert(const struct fata_tls_server_config *config, const char *sni,
		unsigned key_types);

/* Converts unix seconds to BearSSL's days since 0000-01-01 and seconds. */
void tls_time_to_br(int64_t unix_seconds, uint32_t *days, uint32_t *seconds);

#endif

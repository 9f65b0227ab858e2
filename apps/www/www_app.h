/*
 * The fata-www program around the request handler: its command-line
 * options, HTTPS through libtls, and the accept loop of a second listener.
 */
#ifndef FATA_WWW_APP_H
#define FATA_WWW_APP_H

#include <stdint.h>

#include <fata/http_server.h>
#include <fata/loop.h>
#include <fata/stack.h>

#include "app.h"

/* The port served without --port: 80 for HTTP, 443 with --tls-cert. */
#define WWW_DEFAULT_HTTP_PORT 80
#define WWW_DEFAULT_HTTPS_PORT 443

/* The program's own command-line settings. */
struct www_options {
	uint16_t port;
	int port_given;           /* --port was on the command line */
	uint16_t http_port;       /* --http-port: plain HTTP beside HTTPS */
	int http_port_given;
	uint32_t max_connections;
	uint64_t idle_timeout_s;
	uint64_t header_timeout_s;
	uint64_t cache_bytes;     /* --cache-size: file cache budget, 0 for none */
	int quiet;
	const char *tls_cert_path; /* NULL without --tls-cert */
	const char *tls_key_path;  /* NULL without --tls-key */
};

/* The option table for fata_app_parse(); its setters take a struct www_options. */
extern const struct fata_app_option www_option_table[];
extern const unsigned www_option_count;

/* Sets every option to its default. */
void www_options_init(struct www_options *o);

/*
 * Checks the options against each other once all are parsed, and picks
 * the default port (443 with TLS, else 80) when --port was not given.
 * Prints one line naming the options and exits with FATA_APP_EXIT_USAGE
 * when --tls-cert and --tls-key are not given together, when --http-port
 * is given without them, or when --http-port repeats --port.
 */
void www_options_check(const char *prog, struct www_options *o);

/*
 * HTTPS. The configuration is opaque, so that the Xen image, which has no
 * BearSSL, links tls_missing.c in place of tls.c.
 */
struct www_tls;

/*
 * Reads the PEM certificate chain (leaf first) at `cert_path` and the
 * private key at `key_path` into a TLS server configuration: TLS 1.2 with
 * ECDHE and AEAD suites (libtls's defaults), and ALPN with "http/1.1"
 * preferred over "http/1.0". Registers
 * the configuration's counters as the group "tls_server".
 * Returns 0, or a negative fata_error code after logging one line that
 * names the option and the file: FATA_EIO when a file cannot be read,
 * FATA_ELIMIT when one is larger than 1 MiB, FATA_EBADMSG for a file that
 * contains no usable certificate or key, FATA_EINVAL when the key does not
 * match the leaf, FATA_ENOTSUP for an encrypted key or an unsupported key
 * type and in builds without libtls, FATA_ENOMEM.
 */
int www_tls_load(const char *cert_path, const char *key_path, struct www_tls **out);

/*
 * Stores in `*out` a listener whose accept returns TLS server flows over
 * the connections of `inner`, and which owns `inner` from then on. On
 * error the caller still owns `inner`. Errors: FATA_ENOMEM; FATA_ENOTSUP
 * in builds without libtls.
 */
int www_tls_listen(struct www_tls *tls, struct fata_listener *inner, struct fata_listener **out);

/*
 * Unregisters the counters and drops the program's reference to the
 * configuration; TLS flows still open keep their own. NULL is ignored.
 */
void www_tls_free(struct www_tls *tls);

/*
 * The accept loop of a listener that the HTTP server does not own: it
 * hands every accepted connection to fata_http_server_serve(), so one
 * server, with one connection limit, serves HTTPS and plain HTTP.
 */
struct www_accept_loop {
	struct fata_loop *loop;
	struct fata_http_server *server;
	struct fata_listener *listener; /* NULL once stopped */
	struct fata_promise *accept;
	struct fata_timer retry;
};

/* Starts accepting from `listener`, which the loop owns from now on. */
void www_accept_loop_start(struct www_accept_loop *a, struct fata_http_server *server,
		struct fata_listener *listener);

/* Stops accepting and closes the listener; harmless when stopped already. */
void www_accept_loop_stop(struct www_accept_loop *a);

#endif

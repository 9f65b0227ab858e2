/*
 * HTTPS for fata-www: reads the certificate and key files named on the
 * command line into a libtls server configuration, and wraps listeners so
 * that libhttp serves TLS flows. libtls reads no files itself, so the PEM
 * text is read here, and each failure is reported against the option and
 * the file it came from.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fata/counter.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/tls.h>

#include "www_app.h"

/* Largest PEM file read; libtls takes no PEM object over 1 MiB either. */
#define WWW_PEM_MAX_BYTES (1024 * 1024)

struct www_tls {
	struct fata_tls_server_config *config;
	struct fata_counter_group counters;
};

/* Names of struct fata_tls_stats, field by field. */
static const char *const tls_counter_names[] = {
	"handshakes", "resumed", "handshake_failures", "auth_failures", "alerts_received",
	"truncations", "clean_closes", "bytes_read", "bytes_written",
};

_Static_assert(sizeof(tls_counter_names) / sizeof(tls_counter_names[0])
		== sizeof(struct fata_tls_stats) / sizeof(uint64_t),
		"one counter name per field of struct fata_tls_stats");

/* Reads all of `fd` into `buf` of `size` bytes; returns the length or -1 with errno set. */
static ssize_t read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/*
 * Reads the file `path` given to `option` into a new buffer of `*len`
 * bytes. Returns the buffer (free it), or NULL with `*rc` set after logging
 * why.
 */
static char *read_pem_file(const char *option, const char *path, size_t *len, int *rc)
{
	struct stat st;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	*rc = FATA_EIO;
	if (fd < 0) {
		fata_log(FATA_LOG_ERROR, "www", "cannot read --%s %s: %s", option, path,
				strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		fata_log(FATA_LOG_ERROR, "www", "cannot read --%s %s: %s", option, path,
				strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fata_log(FATA_LOG_ERROR, "www", "cannot read --%s %s: %s", option, path,
				S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		goto out;
	}
	if (st.st_size > WWW_PEM_MAX_BYTES) {
		*rc = FATA_ELIMIT;
		fata_log(FATA_LOG_ERROR, "www", "cannot load --%s %s: the file has %lld bytes, "
				"more than the %d a PEM file may have", option, path,
				(long long)st.st_size, WWW_PEM_MAX_BYTES);
		goto out;
	}

	/* One byte more than the limit shows a file that grew after fstat. */
	text = malloc(WWW_PEM_MAX_BYTES + 1);
	if (text == NULL) {
		*rc = FATA_ENOMEM;
		fata_log(FATA_LOG_ERROR, "www", "cannot read --%s %s: out of memory", option, path);
		goto out;
	}

	ssize_t n = read_all(fd, text, WWW_PEM_MAX_BYTES + 1);

	if (n < 0 || n > WWW_PEM_MAX_BYTES || n == 0) {
		fata_log(FATA_LOG_ERROR, "www", "cannot read --%s %s: %s", option, path,
				n < 0 ? strerror(errno) : n == 0 ? "the file is empty" :
				"the file grew past 1 MiB while being read");
		free(text);
		text = NULL;
		goto out;
	}
	*len = (size_t)n;
	*rc = 0;
out:
	close(fd);
	return text;
}

/*
 * Checks that the chain file contains certificates BearSSL can decode, so a
 * later failure of fata_tls_server_config_add_cert() can be blamed on the
 * key. Decoding the chain as trust anchors of a scratch client
 * configuration is the one way libtls offers to parse certificates alone.
 */
static int check_chain(const char *path, const char *pem, size_t len)
{
	struct fata_tls_client_config *scratch = fata_tls_client_config_new();
	int rc;

	if (scratch == NULL) {
		fata_log(FATA_LOG_ERROR, "www", "cannot load --tls-cert %s: out of memory", path);
		return FATA_ENOMEM;
	}
	rc = fata_tls_client_config_add_trust(scratch, pem, len);
	fata_tls_client_config_free(scratch);
	if (rc >= 0)
		return 0;

	if (rc == FATA_ENOMEM)
		fata_log(FATA_LOG_ERROR, "www", "cannot load --tls-cert %s: out of memory", path);
	else
		fata_log(FATA_LOG_ERROR, "www", "cannot load --tls-cert %s: %s (%s): expected "
				"PEM \"CERTIFICATE\" blocks, leaf first, with RSA or EC keys",
				path, fata_strerror(rc), fata_error_name(rc));
	return rc < 0 ? rc : FATA_EBADMSG;
}

/* Logs why fata_tls_server_config_add_cert() failed on a chain that check_chain() passed. */
static void log_add_cert_error(const char *cert_path, const char *key_path, int rc)
{
	const char *reason;

	switch (rc) {
	case FATA_EINVAL:
		fata_log(FATA_LOG_ERROR, "www", "cannot load --tls-key %s: %s (%s): the key "
				"does not match the first certificate in --tls-cert %s",
				key_path, fata_strerror(rc), fata_error_name(rc), cert_path);
		return;
	case FATA_ELIMIT:
		fata_log(FATA_LOG_ERROR, "www", "cannot load --tls-cert %s: %s (%s): the "
				"chain has more than 16 certificates", cert_path, fata_strerror(rc),
				fata_error_name(rc));
		return;
	case FATA_EBADMSG:
		reason = "expected one unencrypted PEM \"PRIVATE KEY\", \"RSA PRIVATE KEY\" "
			"or \"EC PRIVATE KEY\" block";
		break;
	case FATA_ENOTSUP:
		reason = "the key is encrypted, or not RSA or EC on P-256, P-384 or P-521";
		break;
	default:
		reason = "the TLS library rejected the key";
		break;
	}
	fata_log(FATA_LOG_ERROR, "www", "cannot load --tls-key %s: %s (%s): %s", key_path,
			fata_strerror(rc), fata_error_name(rc), reason);
}

/* Builds the server configuration from the PEM text of both files. */
static int configure(struct fata_tls_server_config *config, const char *cert_path,
		const char *cert, size_t cert_len, const char *key_path, const char *key,
		size_t key_len)
{
	/* RFC 7301 registers both, and libhttp responds to HTTP/1.0 requests in kind. */
	static const char *const alpn[] = { "http/1.1", "http/1.0" };
	int rc;

	rc = check_chain(cert_path, cert, cert_len);
	if (rc < 0)
		return rc;

	rc = fata_tls_server_config_add_cert(config, cert, cert_len, key, key_len);
	if (rc < 0) {
		log_add_cert_error(cert_path, key_path, rc);
		return rc;
	}

	/*
	 * The server picks its first protocol that the client offers, and a
	 * client that offers only others (h2) gets the no_application_protocol
	 * alert (RFC 7301 section 3.2).
	 */
	rc = fata_tls_server_config_set_alpn(config, alpn, sizeof(alpn) / sizeof(alpn[0]));
	if (rc < 0)
		fata_log(FATA_LOG_ERROR, "www", "cannot set ALPN for TLS: %s", fata_strerror(rc));
	return rc;
}

static void wipe_free(char *text, size_t len)
{
	if (text == NULL)
		return;
	/* The key file's text is a secret; clear it before the memory is reused. */
	explicit_bzero(text, len);
	free(text);
}

int www_tls_load(const char *cert_path, const char *key_path, struct www_tls **out)
{
	struct www_tls *tls;
	char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	int rc;

	*out = NULL;
	cert = read_pem_file("tls-cert", cert_path, &cert_len, &rc);
	if (cert == NULL)
		return rc;
	key = read_pem_file("tls-key", key_path, &key_len, &rc);
	if (key == NULL) {
		wipe_free(cert, cert_len);
		return rc;
	}

	tls = calloc(1, sizeof(*tls));
	if (tls != NULL)
		tls->config = fata_tls_server_config_new();
	if (tls == NULL || tls->config == NULL) {
		fata_log(FATA_LOG_ERROR, "www", "cannot create the TLS configuration: out of memory");
		rc = FATA_ENOMEM;
	} else {
		rc = configure(tls->config, cert_path, cert, cert_len, key_path, key, key_len);
	}
	wipe_free(cert, cert_len);
	wipe_free(key, key_len);
	if (rc < 0) {
		if (tls != NULL)
			fata_tls_server_config_free(tls->config);
		free(tls);
		return rc;
	}

	tls->counters.name = "tls_server";
	tls->counters.names = tls_counter_names;
	tls->counters.values = (const uint64_t *)fata_tls_server_config_stats(tls->config);
	tls->counters.count = sizeof(tls_counter_names) / sizeof(tls_counter_names[0]);
	fata_counters_register(&tls->counters);
	*out = tls;
	return 0;
}

int www_tls_listen(struct www_tls *tls, struct fata_listener *inner, struct fata_listener **out)
{
	return fata_tls_listener_new(tls->config, inner, out);
}

void www_tls_free(struct www_tls *tls)
{
	if (tls == NULL)
		return;
	fata_counters_unregister(&tls->counters);
	fata_tls_server_config_free(tls->config);
	free(tls);
}

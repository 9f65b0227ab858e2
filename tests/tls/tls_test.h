/* Helpers shared by the TLS test programs. */
#ifndef TLS_TEST_H
#define TLS_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <fata/loop.h>
#include <fata/tls.h>

/*
 * Generates the test certificates (make-certs.sh) into a new temporary
 * folder and returns its path, or NULL after printing why. The script is
 * found through the TLS_MAKE_CERTS environment variable.
 */
const char *tls_test_make_certs(void);

/* Logs library messages to stderr at the level named by TLS_TEST_LOG, if set. */
void tls_test_log_init(void);

/* Removes the folder made by tls_test_make_certs(). */
void tls_test_remove_certs(const char *dir);

/*
 * Reads the file `name` in `dir` into a new NUL-terminated buffer and
 * stores its length in `*len`; aborts the test program on failure.
 */
char *tls_test_read(const char *dir, const char *name, size_t *len);

/* Adds the certificate and key files `crt` and `key` in `dir` to `config`. */
int tls_test_add_cert(struct fata_tls_server_config *config, const char *dir,
		const char *crt, const char *key);

/* Adds the trust anchors in the file `name` in `dir` to `config`. */
int tls_test_add_trust(struct fata_tls_client_config *config, const char *dir,
		const char *name);

/*
 * Runs `loop` until `p` settles; returns its status and stores its value
 * in `*value` (may be NULL; an owned view is then released). A promise
 * still pending when the loop goes idle gives FATA_EAGAIN.
 */
int tls_test_run(struct fata_loop *loop, struct fata_promise *p, union fata_value *value);

/*
 * Reads from `flow` into `buf` until `len` bytes, the end of stream or an
 * error. Returns the bytes read and stores the last read's status in
 * `*status`, which is 0 at the end of stream or when `len` bytes arrived.
 */
size_t tls_test_read_bytes(struct fata_loop *loop, struct fata_flow *flow, uint8_t *buf,
		size_t len, int *status);

/* Closes `flow` and runs the loop until the close has completed. */
void tls_test_close(struct fata_loop *loop, struct fata_flow *flow);

#endif

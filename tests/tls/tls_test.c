/* Helpers shared by the TLS test programs; see tls_test.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/log.h>

#include "tls_test.h"

static void log_to_stderr(void *arg, enum fata_log_level level, const char *source,
		const char *message)
{
	(void)arg;
	fprintf(stderr, "%s %s: %s\n", fata_log_level_name(level), source, message);
}

void tls_test_log_init(void)
{
	enum fata_log_level level;
	const char *name = getenv("TLS_TEST_LOG");

	if (!name || fata_log_level_parse(name, &level) < 0)
		return;
	fata_log_set_level(level);
	fata_log_set_handler(log_to_stderr, NULL);
}

const char *tls_test_make_certs(void)
{
	static char dir[] = "/tmp/fata-tls-certs.XXXXXX";
	const char *script = getenv("TLS_MAKE_CERTS");
	char command[512];

	if (!script) {
		fprintf(stderr, "TLS_MAKE_CERTS is not set; run the test through meson\n");
		return NULL;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp %s failed: %s\n", dir, strerror(errno));
		return NULL;
	}
	snprintf(command, sizeof command, "sh '%s' '%s'", script, dir);
	if (system(command) != 0) {
		fprintf(stderr, "generating test certificates with %s failed\n", script);
		tls_test_remove_certs(dir);
		return NULL;
	}
	return dir;
}

void tls_test_remove_certs(const char *dir)
{
	char command[512];

	if (!dir || strncmp(dir, "/tmp/fata-tls-certs.", 20) != 0)
		return;
	snprintf(command, sizeof command, "rm -rf '%s'", dir);
	if (system(command) != 0)
		fprintf(stderr, "removing %s failed\n", dir);
}

char *tls_test_read(const char *dir, const char *name, size_t *len)
{
	char path[512];
	FILE *file;
	char *data;
	long size;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	file = fopen(path, "rb");
	if (!file || fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 ||
			fseek(file, 0, SEEK_SET) != 0) {
		fprintf(stderr, "reading %s failed: %s\n", path, strerror(errno));
		abort();
	}
	data = malloc((size_t)size + 1);
	if (!data || fread(data, 1, (size_t)size, file) != (size_t)size) {
		fprintf(stderr, "reading %s failed\n", path);
		abort();
	}
	data[size] = '\0';
	fclose(file);
	*len = (size_t)size;
	return data;
}

int tls_test_add_cert(struct fata_tls_server_config *config, const char *dir,
		const char *crt, const char *key)
{
	size_t crt_len, key_len;
	char *crt_pem = tls_test_read(dir, crt, &crt_len);
	char *key_pem = tls_test_read(dir, key, &key_len);
	int rc = fata_tls_server_config_add_cert(config, crt_pem, crt_len, key_pem, key_len);

	free(crt_pem);
	free(key_pem);
	return rc;
}

int tls_test_add_trust(struct fata_tls_client_config *config, const char *dir,
		const char *name)
{
	size_t len;
	char *pem = tls_test_read(dir, name, &len);
	int rc = fata_tls_client_config_add_trust(config, pem, len);

	free(pem);
	return rc;
}

int tls_test_run(struct fata_loop *loop, struct fata_promise *p, union fata_value *value)
{
	union fata_value got = { 0 };
	int status = 0;
	int rc;

	rc = fata_loop_run_until(loop, p, &status, value ? &got : NULL);
	if (value)
		*value = got;
	return rc < 0 ? rc : status;
}

size_t tls_test_read_bytes(struct fata_loop *loop, struct fata_flow *flow, uint8_t *buf,
		size_t len, int *status)
{
	size_t total = 0;

	*status = 0;
	while (total < len) {
		union fata_value value;
		size_t n;

		*status = tls_test_run(loop, fata_flow_read(flow), &value);
		if (*status < 0)
			break;
		n = value.view.len;
		if (n == 0) {
			fata_view_release(&value.view);
			break;
		}
		if (n > len - total)
			n = len - total;
		memcpy(buf + total, fata_view_data(value.view), n);
		total += n;
		fata_view_release(&value.view);
	}
	return total;
}

void tls_test_close(struct fata_loop *loop, struct fata_flow *flow)
{
	tls_test_run(loop, fata_flow_close(flow), NULL);
}

/*
 * PEM decoding on BearSSL's streaming decoder: each object's bytes are
 * gathered into one growing buffer and handed to a callback.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tls_internal.h"

/* Far above any real certificate or key; bounds memory for hostile input. */
#define TLS_PEM_MAX_OBJECT (1u << 20)

struct pem_buffer {
	uint8_t *data;
	size_t len;
	size_t capacity;
	int error;
};

static void pem_append(void *ctx, const void *src, size_t len)
{
	struct pem_buffer *buf = ctx;
	size_t need = buf->len + len;
	uint8_t *grown;

	if (buf->error)
		return;
	if (need > TLS_PEM_MAX_OBJECT) {
		buf->error = FATA_ELIMIT;
		return;
	}
	if (need > buf->capacity) {
		size_t capacity = buf->capacity ? buf->capacity * 2 : 2048;

		while (capacity < need)
			capacity *= 2;
		/* Copy by hand rather than realloc, so key bytes can be wiped. */
		grown = fata_alloc(capacity);
		if (!grown) {
			buf->error = FATA_ENOMEM;
			return;
		}
		if (buf->data) {
			memcpy(grown, buf->data, buf->len);
			tls_wipe(buf->data, buf->capacity);
			fata_free(buf->data);
		}
		buf->data = grown;
		buf->capacity = capacity;
	}
	memcpy(buf->data + buf->len, src, len);
	buf->len = need;
}

static void pem_copy_name(char *name, const char *decoded)
{
	size_t len = strlen(decoded);

	if (len > 127)
		len = 127;
	memcpy(name, decoded, len);
	name[len] = '\0';
}

/* Handles the decoder's pending event; returns 1 when there was none. */
static int pem_event(br_pem_decoder_context *pc, struct pem_buffer *buf, char *name,
		int *inside, tls_pem_fn fn, void *arg)
{
	switch (br_pem_decoder_event(pc)) {
	case BR_PEM_BEGIN_OBJ:
		pem_copy_name(name, br_pem_decoder_name(pc));
		buf->len = 0;
		buf->error = 0;
		br_pem_decoder_setdest(pc, pem_append, buf);
		*inside = 1;
		return 0;
	case BR_PEM_END_OBJ:
		*inside = 0;
		if (buf->error)
			return buf->error;
		return fn(arg, name, buf->data, buf->len);
	case BR_PEM_ERROR:
		return FATA_EBADMSG;
	default:
		return 1;
	}
}

static int pem_push(br_pem_decoder_context *pc, struct pem_buffer *buf, char *name,
		int *inside, const char *text, size_t len, tls_pem_fn fn, void *arg)
{
	while (len > 0) {
		size_t used = br_pem_decoder_push(pc, text, len);
		int rc;

		text += used;
		len -= used;
		rc = pem_event(pc, buf, name, inside, fn, arg);
		if (rc < 0)
			return rc;
		/* No progress and no event would loop forever; not expected. */
		if (used == 0 && rc == 1)
			return FATA_EBADMSG;
	}
	return 0;
}

int tls_pem_decode(const char *text, size_t len, tls_pem_fn fn, void *arg)
{
	br_pem_decoder_context *pc;
	struct pem_buffer buf = { 0 };
	char name[128] = "";
	int inside = 0;
	int rc;

	pc = fata_alloc(sizeof *pc);
	if (!pc)
		return FATA_ENOMEM;
	br_pem_decoder_init(pc);
	rc = pem_push(pc, &buf, name, &inside, text, len, fn, arg);

	/* The decoder sees an END line only once the line ends, so end it. */
	if (rc == 0)
		rc = pem_push(pc, &buf, name, &inside, "\n", 1, fn, arg);
	if (rc == 0 && inside)
		rc = FATA_EBADMSG;

	if (buf.data) {
		tls_wipe(buf.data, buf.capacity);
		fata_free(buf.data);
	}
	fata_free(pc);
	return rc;
}

int tls_pem_is_cert(const char *name)
{
	return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
}

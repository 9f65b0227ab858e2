/*
 * libFuzzer target: the chunked decoder. The first byte picks the size of
 * the pieces that the rest is fed in. The decoded body and trailers must
 * match a run over the whole input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/http.h>

struct result {
	int rc;
	int done;
	uint8_t *body;
	size_t body_len;
	size_t trailers_len;
};

static void decode(const uint8_t *data, size_t size, size_t piece, struct result *r)
{
	struct fata_http_chunked d;
	uint8_t *buf = malloc(size + 1);
	size_t have = 0, fed = 0;

	memset(r, 0, sizeof(*r));
	r->body = malloc(size + 1);
	fata_http_chunked_init(&d, 256, 256);
	while (!r->done && r->rc == 0) {
		size_t n = size - fed < piece ? size - fed : piece;

		memcpy(buf + have, data + fed, n);
		have += n;
		fed += n;
		for (;;) {
			struct fata_http_chunked_out out;
			int rc = fata_http_chunked_decode(&d, buf, have, &out);

			if (rc < 0) {
				r->rc = rc;
				break;
			}
			if (out.consumed > have || (out.data_len > 0 && (out.data < buf
					|| out.data + out.data_len > buf + have)))
				abort();
			if (out.data_len > 0)
				memcpy(r->body + r->body_len, out.data, out.data_len);
			r->body_len += out.data_len;
			if (out.done) {
				r->done = 1;
				r->trailers_len = out.trailers_len;
				break;
			}
			memmove(buf, buf + out.consumed, have - out.consumed);
			have -= out.consumed;
			if (out.consumed == 0 && out.data_len == 0)
				break;
		}
		if (fed == size)
			break;
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result whole, split;

	if (size == 0)
		return 0;
	decode(data + 1, size - 1, size, &whole);
	decode(data + 1, size - 1, (size_t)(data[0] % 16) + 1, &split);
	if (whole.rc != split.rc || whole.done != split.done || whole.body_len != split.body_len
			|| whole.trailers_len != split.trailers_len
			|| memcmp(whole.body, split.body, whole.body_len) != 0)
		abort();
	free(whole.body);
	free(split.body);
	return 0;
}

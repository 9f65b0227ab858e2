/*
 * libFuzzer target: the response head parser, fed whole and byte by byte
 * (on separate copies, because obs-fold is rewritten in place).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/http.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fata_http_parser whole, split;
	struct fata_http_response a, b;
	uint8_t *c1 = malloc(size + 1);
	uint8_t *c2 = malloc(size + 1);
	enum fata_http_method method = size > 0 && (data[0] & 1) ? FATA_HTTP_HEAD : FATA_HTTP_GET;
	int ra, rb = FATA_EINCOMPLETE;

	memcpy(c1, data, size);
	memcpy(c2, data, size);
	fata_http_parser_init_response(&whole, NULL, method);
	ra = fata_http_parse_response(&whole, c1, size, &a);
	fata_http_parser_init_response(&split, NULL, method);
	for (size_t k = 1; k <= size && rb == FATA_EINCOMPLETE; k++)
		rb = fata_http_parse_response(&split, c2, k, &b);
	if (size == 0)
		rb = fata_http_parse_response(&split, c2, 0, &b);

	if (ra != rb || whole.error != split.error)
		abort();
	if (ra > 0 && (a.status != b.status || a.body_kind != b.body_kind
			|| a.header_count != b.header_count || memcmp(c1, c2, (size_t)ra) != 0))
		abort();
	free(c1);
	free(c2);
	return 0;
}

/*
 * libFuzzer target: the request head parser. Each input is parsed whole
 * and then again one byte at a time; both runs must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/http.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fata_http_parser whole, split;
	struct fata_http_request a, b;
	int ra, rb = FATA_EINCOMPLETE;

	fata_http_parser_init_request(&whole, NULL);
	ra = fata_http_parse_request(&whole, data, size, &a);

	fata_http_parser_init_request(&split, NULL);
	for (size_t k = 1; k <= size && rb == FATA_EINCOMPLETE; k++)
		rb = fata_http_parse_request(&split, data, k, &b);
	if (size == 0)
		rb = fata_http_parse_request(&split, data, 0, &b);

	if (ra != rb || whole.error != split.error)
		abort();
	if (ra > 0) {
		if ((size_t)ra > size || a.header_count != b.header_count || a.target != b.target
				|| a.body_kind != b.body_kind || a.content_length != b.content_length)
			abort();
		for (size_t i = 0; i < a.header_count; i++) {
			if (a.headers[i].value + a.headers[i].value_len > (const char *)data + size)
				abort();
		}
	}
	return 0;
}

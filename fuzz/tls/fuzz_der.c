/*
 * Fuzzes the DER certificate name walker (subjectAltName and common
 * names) and the private key decoder on raw input, then matches every
 * name found against a fixed host name.
 */
#include <stddef.h>
#include <stdint.h>

#include "tls_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_key key;
	char **names = NULL;
	size_t count = 0, i;

	if (tls_cert_names(data, size, &names, &count) == 0) {
		for (i = 0; i < count; i++)
			tls_name_matches(names[i], "www.example.test");
		tls_names_free(names, count);
	}
	if (tls_key_decode(data, size, &key) == 0)
		tls_key_clear(&key);
	return 0;
}

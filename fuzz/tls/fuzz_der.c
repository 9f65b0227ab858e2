/*
 * Fuzzes the DER certificate name walker (subjectAltName and common
 * names) and the private key decoder on raw input, then matches every
 * name found against a fixed host name and looks for two fixed addresses
 * among the iPAddress entries.
 */
#include <stddef.h>
#include <stdint.h>

#include "tls_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_key key;
	static const uint8_t ipv4[4] = { 192, 0, 2, 10 };
	static const uint8_t ipv6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
	char **names = NULL;
	size_t count = 0, i;

	if (tls_cert_names(data, size, &names, &count) == 0) {
		for (i = 0; i < count; i++)
			tls_name_matches(names[i], "www.example.test");
		tls_names_free(names, count);
	}
	/* The address check walks the same extensions to the iPAddress entries. */
	tls_cert_has_ip(data, size, ipv4, sizeof ipv4);
	tls_cert_has_ip(data, size, ipv6, sizeof ipv6);
	if (tls_key_decode(data, size, &key) == 0)
		tls_key_clear(&key);
	return 0;
}

/*
 * Fuzzes the PEM loaders: the first byte splits the input into a chain and
 * a key for the server and client certificate loaders, and the whole input
 * is loaded as trust anchors. Every call must return 0 or an error code and
 * leave the configuration usable.
 */
#include <stddef.h>
#include <stdint.h>

#include <fata/tls.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fata_tls_server_config *server;
	struct fata_tls_client_config *client;
	const char *chain, *key;
	size_t split;

	if (size < 1)
		return 0;
	split = (size_t)data[0] * (size - 1) / 255;
	chain = (const char *)data + 1;
	key = chain + split;

	server = fata_tls_server_config_new();
	client = fata_tls_client_config_new();
	if (server && client) {
		fata_tls_server_config_add_cert(server, chain, split, key, size - 1 - split);
		fata_tls_server_config_set_client_auth(server, FATA_TLS_CLIENT_AUTH_REQUIRE,
				(const char *)data, size);
		fata_tls_client_config_set_cert(client, chain, split, key, size - 1 - split);
		fata_tls_client_config_add_trust(client, (const char *)data, size);
	}
	fata_tls_server_config_free(server);
	fata_tls_client_config_free(client);
	return 0;
}

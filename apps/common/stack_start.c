/*
 * Start-up steps of Fata's TCP/IP that start_tap.c and app_xen.c share.
 * They build the stack configuration from the options, wait for a DHCP
 * lease, and log the address the program runs on.
 */
#include <stdint.h>

#include <fata/error.h>
#include <fata/promise.h>
#include <fata/tcpip.h>

#include "app_internal.h"

#define NS_PER_S UINT64_C(1000000000)

struct fata_tcpip_config app_tcpip_config(const struct fata_app_options *options)
{
	struct fata_tcpip_config config = { 0 };

	config.dhcp = options->dhcp;
	if (!options->dhcp) {
		config.ipv4 = options->ipv4;
		config.ipv4_prefix_len = options->ipv4_prefix_len;
		config.ipv4_gateway = options->ipv4_gateway;
	}
	return config;
}

int app_wait_for_lease(struct fata_app *app, const struct fata_app_options *options)
{
	struct fata_promise *ready = fata_tcpip_ready(app->stack);
	if (ready == NULL)
		return FATA_ENOMEM;

	uint64_t timeout_ns = (uint64_t)options->dhcp_timeout_s * NS_PER_S;
	struct fata_promise *limited = fata_promise_timeout(app->loop, ready, timeout_ns);

	fata_log(FATA_LOG_INFO, "app", "waiting up to %u s for a DHCP lease on %s",
			options->dhcp_timeout_s, options->tap_name);

	int status = 0;
	int rc = fata_loop_run_until(app->loop, limited, &status, NULL);
	if (rc == 0)
		rc = status;

	if (rc == FATA_ETIMEDOUT)
		fata_log(FATA_LOG_ERROR, "app", "no DHCP lease on %s within %u s (is a DHCP "
				"server on the link?)", options->tap_name, options->dhcp_timeout_s);
	else if (rc < 0)
		fata_log(FATA_LOG_ERROR, "app", "DHCP on %s failed: %s", options->tap_name,
				fata_strerror(rc));
	return rc;
}

void app_log_address(const struct fata_app *app, const struct fata_app_options *options,
		const char *device_kind)
{
	struct fata_ipaddr addr, gateway;
	unsigned prefix_len = 0;
	char addr_text[FATA_IPADDR_STRLEN];
	char gateway_text[FATA_IPADDR_STRLEN] = "none";

	if (fata_tcpip_get_ipv4(app->stack, &addr, &prefix_len, &gateway) < 0) {
		fata_log(FATA_LOG_WARN, "app", "%s has no IPv4 address yet", app->netif->name);
		return;
	}

	fata_ipaddr_format(&addr, addr_text, sizeof(addr_text));
	if (gateway.family == FATA_AF_INET)
		fata_ipaddr_format(&gateway, gateway_text, sizeof(gateway_text));

	fata_log(FATA_LOG_INFO, "app", "%s running on Fata's TCP/IP over %s %s: address %s/%u, "
			"gateway %s (%s)", app->name, device_kind, options->tap_name, addr_text,
			prefix_len, gateway_text, options->dhcp ? "DHCP" : "static");
}

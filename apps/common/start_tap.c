/*
 * --net tap: Fata's own TCP/IP stack (libtcpip) on a Linux tap device.
 */
#include <fata/error.h>
#include <fata/posix.h>
#include <fata/promise.h>
#include <fata/tcpip.h>

#include "app_internal.h"

#define NS_PER_S UINT64_C(1000000000)

/* Logs why the tap device did not open, with what to do about it. */
static void log_tap_error(const char *ifname, int rc)
{
	const char *hint = "";

	if (rc == FATA_EPERM)
		hint = " (run as root, or give the program CAP_NET_ADMIN)";
	else if (rc == FATA_ENOENT)
		hint = " (/dev/net/tun is missing: load the tun module with modprobe tun)";

	fata_log(FATA_LOG_ERROR, "app", "cannot open tap device %s: %s%s", ifname,
			fata_strerror(rc), hint);
}

/* Logs the address the stack has now, and where it came from. */
static void log_address(const struct fata_app *app, const struct fata_app_options *options)
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

	fata_log(FATA_LOG_INFO, "app", "%s running on Fata's TCP/IP over tap %s: address %s/%u, "
			"gateway %s (%s)", app->name, options->tap_name, addr_text, prefix_len,
			gateway_text, options->dhcp ? "DHCP" : "static");
}

/* Runs the loop until the stack holds a DHCP lease or the timeout passes. */
static int wait_for_lease(struct fata_app *app, const struct fata_app_options *options)
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

static struct fata_tcpip_config config_from(const struct fata_app_options *options)
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

int app_start_tap(struct fata_app *app, const struct fata_app_options *options)
{
	struct fata_netif *nif = NULL;

	int rc = fata_tap_open(app->loop, options->tap_name, NULL, &nif);
	if (rc < 0) {
		log_tap_error(options->tap_name, rc);
		return rc;
	}

	if (options->pcap_path) {
		rc = fata_pcap_start(nif, options->pcap_path);
		if (rc < 0) {
			fata_log(FATA_LOG_ERROR, "app", "cannot write pcap file %s: %s",
					options->pcap_path, fata_strerror(rc));
			fata_netif_close(nif);
			return rc;
		}
	}

	struct fata_tcpip_config config = config_from(options);
	rc = fata_tcpip_new(app->loop, nif, &config, &app->stack);
	if (rc < 0) {
		fata_log(FATA_LOG_ERROR, "app", "cannot start Fata's TCP/IP on %s: %s",
				options->tap_name, fata_strerror(rc));
		if (options->pcap_path)
			fata_pcap_stop(nif);
		fata_netif_close(nif);
		app->stack = NULL;
		return rc;
	}
	app->netif = nif;

	if (options->dhcp) {
		rc = wait_for_lease(app, options);
		if (rc < 0) {
			if (options->pcap_path)
				fata_pcap_stop(nif);
			fata_stack_destroy(app->stack);
			app->stack = NULL;
			app->netif = NULL;
			return rc;
		}
	}

	log_address(app, options);
	return 0;
}

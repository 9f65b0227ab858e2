/*
 * --net tap: Fata's own TCP/IP stack (libtcpip) on a Linux tap device.
 */
#include <fata/error.h>
#include <fata/posix.h>
#include <fata/tcpip.h>

#include "app_internal.h"

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

int app_start_tap(struct fata_app *app, const struct fata_app_options *options)
{
	struct fata_netif *nif = NULL;

	unsigned flags = options->no_offload ? FATA_TAP_NO_OFFLOAD : 0;
	int rc = fata_tap_open_flags(app->loop, options->tap_name, NULL, flags, &nif);
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

	struct fata_tcpip_config config = app_tcpip_config(options);
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
		rc = app_wait_for_lease(app, options);
		if (rc < 0) {
			if (options->pcap_path)
				fata_pcap_stop(nif);
			fata_stack_destroy(app->stack);
			app->stack = NULL;
			app->netif = NULL;
			return rc;
		}
	}

	app_log_address(app, options, "tap");
	return 0;
}

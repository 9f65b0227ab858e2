/*
 * The start-up of a fata-<app> program in a Xen image: the same contract
 * as start.c and start_tap.c (see app.h), over Xen's network device. The
 * console replaces standard error, the toolstack's shutdown request
 * replaces SIGTERM, and --net tap:vifN names the Xen network device N
 * (vif0, the first vif= entry, is the default the boot code passes).
 * There is no file system, so --pcap and --trace are refused.
 */
#include <stdint.h>
#include <string.h>

#include <fata/counter.h>
#include <fata/error.h>
#include <fata/fmt.h>
#include <fata/tcpip.h>
#include <fata/xen.h>

#include "app_internal.h"

/* The Linux signal number a shutdown request stands for, as app.h's promise reports it. */
#define SIGTERM_NUMBER 15
#define MAX_DEVID 255

/* Level names padded to one width, so the sources line up. */
static const char *const level_names[] = {
	[FATA_LOG_ERROR] = "error",
	[FATA_LOG_WARN] = "warn ",
	[FATA_LOG_INFO] = "info ",
	[FATA_LOG_DEBUG] = "debug",
	[FATA_LOG_TRACE] = "trace",
};

/* Appends `text` with control characters as \xNN; returns the new length. */
static size_t append_escaped(char *line, size_t len, size_t size, const char *text)
{
	static const char hex[] = "0123456789abcdef";

	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (len + 4 >= size)
			break;

		if (*c < ' ' || *c == 0x7f) {
			line[len++] = '\\';
			line[len++] = 'x';
			line[len++] = hex[*c >> 4];
			line[len++] = hex[*c & 0xf];
		} else {
			line[len++] = (char)*c;
		}
	}
	return len;
}

/*
 * On Xen the line starts with the seconds since the domain was created,
 * "[    1.234567] info  app: message", because that is what boot timing
 * needs and a unikernel's wall clock is only as good as the host's.
 */
void fata_app_log_stderr(void *arg, enum fata_log_level level, const char *source,
		const char *message)
{
	char line[2048];
	uint64_t us = fata_xen_uptime_ns() / 1000;
	(void)arg;

	const char *level_name = (unsigned)level < sizeof(level_names) / sizeof(level_names[0])
		? level_names[level] : "?    ";
	int prefix = fata_snprintf(line, sizeof(line), "[%5llu.%06llu] %s ",
			(unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000),
			level_name);
	size_t len = (size_t)prefix;

	len = append_escaped(line, len, sizeof(line) - 2, source ? source : "-");
	line[len++] = ':';
	line[len++] = ' ';
	len = append_escaped(line, len, sizeof(line) - 1, message ? message : "");
	line[len++] = '\n';

	fata_xen_console_write(line, len);
}

/* Parses "vifN" into N. Returns 0, or -1 for any other name. */
static int parse_devid(const char *name, unsigned *devid)
{
	uint64_t value;

	if (strncmp(name, "vif", 3) != 0 || fata_app_parse_uint(name + 3, 0, MAX_DEVID, &value) < 0)
		return -1;
	*devid = (unsigned)value;
	return 0;
}

/* Refuses the options that need what a Xen image lacks; logs why. */
static int check_options(const struct fata_app_options *options, unsigned *devid)
{
	if (options->net != FATA_APP_NET_TAP) {
		fata_log(FATA_LOG_ERROR, "app", "--net socket is not available in a Xen image, which "
				"has no host sockets: use --net tap:vif0");
		return FATA_ENOTSUP;
	}
	if (parse_devid(options->tap_name, devid) < 0) {
		fata_log(FATA_LOG_ERROR, "app", "invalid --net tap:%s for a Xen image: expected "
				"tap:vifN, N being the Xen network device from 0 to %d",
				options->tap_name, MAX_DEVID);
		return FATA_EINVAL;
	}
	if (options->pcap_path || options->trace_path) {
		fata_log(FATA_LOG_ERROR, "app", "--%s needs a file system, which a Xen image lacks",
				options->pcap_path ? "pcap" : "trace");
		return FATA_ENOTSUP;
	}
	return FATA_OK;
}

static int start_stack(struct fata_app *app, const struct fata_app_options *options,
		unsigned devid)
{
	struct fata_netif *nif = NULL;

	int rc = fata_xen_netfront_open(app->loop, devid, &nif);
	if (rc < 0) {
		fata_log(FATA_LOG_ERROR, "app", "cannot open Xen network device %s: %s%s",
				options->tap_name, fata_strerror(rc), rc == FATA_ENOENT ?
				" (does the domain's configuration have a vif= entry?)" : "");
		return rc;
	}

	struct fata_tcpip_config config = app_tcpip_config(options);
	rc = fata_tcpip_new(app->loop, nif, &config, &app->stack);
	if (rc < 0) {
		fata_log(FATA_LOG_ERROR, "app", "cannot start Fata's TCP/IP on %s: %s",
				options->tap_name, fata_strerror(rc));
		fata_netif_close(nif);
		app->stack = NULL;
		return rc;
	}
	app->netif = nif;

	if (options->dhcp) {
		rc = app_wait_for_lease(app, options);
		if (rc < 0) {
			fata_stack_destroy(app->stack);
			app->stack = NULL;
			app->netif = NULL;
			return rc;
		}
	}

	app_log_address(app, options, "Xen netfront");
	return FATA_OK;
}

int fata_app_start(struct fata_app *app, const char *name, const struct fata_app_options *options)
{
	unsigned devid = 0;

	memset(app, 0, sizeof(*app));
	app->name = name;
	app->options = options;

	fata_log_set_handler(fata_app_log_stderr, NULL);
	fata_log_set_level(options->log_level);

	int rc = check_options(options, &devid);
	if (rc < 0)
		return rc;

	app->loop = fata_loop_new();
	if (app->loop == NULL) {
		fata_log(FATA_LOG_ERROR, "app", "cannot create the event loop: out of memory");
		return FATA_ENOMEM;
	}

	rc = start_stack(app, options, devid);
	if (rc < 0) {
		fata_loop_free(app->loop);
		app->loop = NULL;
		return rc;
	}
	return FATA_OK;
}

static void fulfill_as_signal(void *arg, int status, union fata_value value)
{
	struct fata_promise *signal = arg;
	(void)value;

	if (status < 0)
		fata_promise_reject(signal, status);
	else
		fata_promise_fulfill(signal, (union fata_value){ .u64 = SIGTERM_NUMBER });
}

static void cancel_signal(void *ctx, struct fata_promise *promise)
{
	(void)promise;
	fata_promise_cancel(ctx);
}

/*
 * The toolstack's shutdown request (xl shutdown, xl reboot) plays the part
 * of SIGTERM: the promise is fulfilled with u64 = 15.
 */
struct fata_promise *fata_app_stop_signal(struct fata_app *app)
{
	struct fata_promise *request = fata_xen_shutdown_request(app->loop);
	if (request == NULL)
		return NULL;

	struct fata_promise *signal = fata_promise_new(app->loop, "app.stop_signal");
	if (signal == NULL) {
		fata_promise_cancel(request);
		return NULL;
	}

	fata_promise_on_cancel(signal, cancel_signal, request);
	fata_promise_then(request, fulfill_as_signal, signal);
	return signal;
}

static void print_counter(void *arg, const char *group, const char *name, uint64_t value)
{
	char line[256];
	(void)arg;

	int len = fata_snprintf(line, sizeof(line), "%s.%s %llu\n", group, name,
			(unsigned long long)value);
	if (len >= (int)sizeof(line))
		len = (int)sizeof(line) - 1;
	fata_xen_console_write(line, (size_t)len);
}

void fata_app_finish(struct fata_app *app)
{
	if (app->loop == NULL)
		return;

	if (app->options->stats)
		fata_counters_foreach(print_counter, NULL);

	fata_stack_destroy(app->stack);
	app->stack = NULL;
	app->netif = NULL;

	fata_loop_free(app->loop);
	app->loop = NULL;
}

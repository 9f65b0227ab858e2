/*
 * Internals shared by the files of apps/common: the table of shared
 * options, the error line the parser prints, and the tap start-up that is
 * built only when libtcpip is.
 */
#ifndef FATA_APP_INTERNAL_H
#define FATA_APP_INTERNAL_H

#include <stddef.h>

#include "app.h"

/* Exit status for a bug in a program's option table (EX_SOFTWARE in sysexits.h). */
#define APP_EXIT_SOFTWARE 70

/* The shared options, by their position in app_shared_options. */
enum app_shared_id {
	APP_OPT_NET,
	APP_OPT_IPV4,
	APP_OPT_IPV4_GATEWAY,
	APP_OPT_DHCP,
	APP_OPT_DHCP_TIMEOUT,
	APP_OPT_PCAP,
	APP_OPT_TRACE,
	APP_OPT_LOG_LEVEL,
	APP_OPT_STATS,
	APP_OPT_NO_OFFLOAD,
	APP_OPT_HELP,
	APP_OPT_COUNT,
};

/*
 * One shared option. `set` stores the value (NULL for a flag) and returns
 * NULL, or returns what a valid value looks like, for the error line.
 * --help has no `set`: the parser handles it.
 */
struct app_shared_option {
	const char *name;
	const char *arg;
	const char *help;
	const char *(*set)(struct fata_app_options *out, const char *value);
};

extern const struct app_shared_option app_shared_options[APP_OPT_COUNT];

/* Sets every shared option to its default. */
void app_options_init(struct fata_app_options *out);

/*
 * Checks the shared options against each other once all are parsed; see
 * fata_app_parse() in app.h. `seen_options` has bit (1 << id) set for every
 * shared option on the command line. Prints the error line and exits 2 on
 * a conflict.
 */
void app_check_shared(const char *prog, const struct fata_app_options *options,
		unsigned seen_options);

/*
 * Prints "PROG: MESSAGE" as one line on standard error and exits with
 * FATA_APP_EXIT_USAGE.
 */
void app_usage_error(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * Writes `text` into `buf` for an error line: printable ASCII as it is,
 * '"' and '\' with a backslash, every other byte as \xNN. Cuts the text
 * with "..." when it does not fit. Returns `buf`.
 */
const char *app_escape(const char *text, char *buf, size_t size);

/* Prints the --help text of `info` and the shared options to standard output. */
void app_print_help(const struct fata_app_info *info);

/*
 * Opens the tap netif, starts pcap, builds libtcpip on it and waits for
 * DHCP when asked; fills app->netif and app->stack. Logs the reason and
 * returns a negative fata_error code on failure, with nothing left open.
 */
int app_start_tap(struct fata_app *app, const struct fata_app_options *options);

/* The libtcpip configuration that the --ipv4, --ipv4-gateway and --dhcp options ask for. */
struct fata_tcpip_config app_tcpip_config(const struct fata_app_options *options);

/*
 * Runs the loop until app->stack holds a DHCP lease or --dhcp-timeout
 * passes. Logs the failure and returns FATA_ETIMEDOUT, FATA_ENOMEM or the
 * stack's error; returns 0 with a lease.
 */
int app_wait_for_lease(struct fata_app *app, const struct fata_app_options *options);

/*
 * Logs one line with the program, the device (`device_kind` such as "tap",
 * then --net's name), the stack's IPv4 address and gateway, and whether
 * DHCP gave them. Logs a warning instead when the stack has no address.
 */
void app_log_address(const struct fata_app *app, const struct fata_app_options *options,
		const char *device_kind);

#endif

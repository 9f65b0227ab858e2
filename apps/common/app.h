/*
 * The shared start-up of every fata-<app> program: one option parser for
 * the network options, logging to standard error, tracing and pcap, and
 * building the stack (host sockets or libtcpip over a tap device).
 *
 * Shared options:
 *   --net tap:IFNAME | --net socket   which stack (default: socket)
 *   --ipv4 ADDR/PREFIX                static address for --net tap
 *   --ipv4-gateway ADDR               default gateway for --net tap
 *   --dhcp                            DHCPv4 instead of --ipv4
 *   --dhcp-timeout SECONDS            how long to wait for a lease (default 30)
 *   --pcap FILE                       record the tap's frames
 *   --no-offload                      tap without checksum offload, TSO and GRO
 *   --trace FILE                      write a Perfetto trace at exit
 *   --log-level LEVEL                 error, warn, info, debug or trace
 *   --stats                           print every counter at exit
 *   --help                            print usage and exit 0
 * A bad value prints one line naming the option and the value, and the
 * program exits with status 2. For a program option the line shows what a
 * valid value looks like from its `arg` and `help`:
 *   fata-www: invalid value for --port: "0" (expected N: TCP port to listen on)
 *
 * Syntax: an option's value follows as the next argument ("--ipv4 ADDR") or
 * after '=' ("--ipv4=ADDR"). A separate value that starts with "--" counts
 * as missing, so "--pcap --dhcp" fails instead of writing a file named
 * "--dhcp". Write "--pcap=--dhcp" for such a name. Options and
 * positional arguments may be mixed; "--" ends the options. When an option
 * is given twice, the last value counts.
 */
#ifndef FATA_APP_H
#define FATA_APP_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/log.h>
#include <fata/loop.h>
#include <fata/stack.h>

/* Exit status for a bad command line, as the BSD and GNU tools use. */
#define FATA_APP_EXIT_USAGE 2

/* Seconds --dhcp waits for a lease unless --dhcp-timeout sets another value. */
#define FATA_APP_DHCP_TIMEOUT_DEFAULT 30

/* Which stack the program runs on. */
enum fata_app_net {
	FATA_APP_NET_SOCKET = 0,
	FATA_APP_NET_TAP = 1,
};

/* An application-specific option, parsed alongside the shared ones. */
struct fata_app_option {
	const char *name;    /* without the leading "--" */
	const char *arg;     /* the value's placeholder for --help ("N"), NULL for a flag */
	const char *help;    /* one line for --help */
	/*
	 * Stores `value` (NULL for a flag). Returns 0, or -1 when the value is
	 * invalid; the parser then prints the error line and exits with 2.
	 */
	int (*set)(void *ctx, const char *value);
};

/* What a program tells the parser about itself. */
struct fata_app_info {
	const char *name;        /* "fata-www" */
	const char *usage_args;  /* after the options in the usage line ("[DIR]") */
	const char *summary;     /* one sentence for --help */
	const struct fata_app_option *options; /* program options, may be NULL */
	unsigned option_count;
	void *ctx;               /* passed to every option's set() */
	unsigned min_args, max_args; /* positional argument counts allowed */
};

/* The parsed shared options. */
struct fata_app_options {
	enum fata_app_net net;
	char tap_name[16];
	struct fata_ipaddr ipv4;
	unsigned ipv4_prefix_len;
	struct fata_ipaddr ipv4_gateway;
	int dhcp;
	const char *pcap_path;
	const char *trace_path;
	enum fata_log_level log_level;
	/* Positional arguments: argv[first_arg .. argc). */
	int first_arg;
	/* Seconds fata_app_start() waits for a DHCP lease. */
	unsigned dhcp_timeout_s;
	/* Nonzero: fata_app_finish() prints every registered counter. */
	int stats;
	/* Nonzero: open the tap without offloads (FATA_TAP_NO_OFFLOAD). */
	int no_offload;
};

/*
 * Parses argv. Prints --help to standard output and exits 0; prints a
 * one-line error to standard error and exits 2 on a bad option or value,
 * an option missing its value, or a wrong number of positional arguments.
 * Returns only on success. The parser may reorder argv so that the
 * positional arguments come last, in their original order; `out` keeps
 * pointers into argv. The checks between options:
 * - --ipv4, --ipv4-gateway, --dhcp, --dhcp-timeout, --pcap and --no-offload need
 *   --net tap;
 * - --net tap needs exactly one of --ipv4 and --dhcp;
 * - --ipv4-gateway needs --ipv4, must lie in its prefix, and must be
 *   neither the --ipv4 address nor the prefix's network or broadcast
 *   address.
 * Each value is checked on its own too. --ipv4 must be a unicast IPv4
 * host address: not in 0/8, 127/8, 224/4 or 240/4, and for prefixes up to
 * /30 not the network or broadcast address. An interface name has 1 to 15
 * characters without '/', ':', whitespace or control characters, and is
 * not "." or "..".
 * A program option whose name repeats a shared one is a bug in the
 * program: the parser reports it and exits with 70 (EX_SOFTWARE).
 */
void fata_app_parse(int argc, char **argv, const struct fata_app_info *info,
		struct fata_app_options *out);

/*
 * Parses `text` as a decimal integer from `min` to `max`, for an option's
 * set(). No sign, no spaces, no leading "0x". Returns 0 and stores the value,
 * or returns -1 and leaves `*out` unchanged.
 */
int fata_app_parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* A running program's loop and stack. */
struct fata_app {
	struct fata_loop *loop;
	struct fata_stack *stack;
	struct fata_netif *netif; /* the tap netif for --net tap, else NULL */
	const struct fata_app_options *options;
	const char *name;
};

/*
 * Installs the standard-error log handler at the chosen level, starts
 * tracing when asked, creates the loop and the stack (opening the tap,
 * starting pcap, waiting for DHCP when asked). On failure logs the reason
 * and returns a negative fata_error code, after undoing every step, so
 * `app` has no loop or stack and fata_app_finish() has nothing to do.
 * Errors: FATA_ENOMEM; from the tap: FATA_EPERM (not root), FATA_ENOENT
 * (no /dev/net/tun), FATA_EINVAL, FATA_EIO; FATA_EIO when the pcap file
 * cannot be created; FATA_ETIMEDOUT when no DHCP lease came in time;
 * FATA_ENOTSUP for --net tap in a build without libtcpip.
 */
int fata_app_start(struct fata_app *app, const char *name, const struct fata_app_options *options);

/*
 * Returns a promise fulfilled by SIGINT or SIGTERM (u64 = the signal), for
 * a clean stop, or NULL when out of memory.
 */
struct fata_promise *fata_app_stop_signal(struct fata_app *app);

/*
 * Writes the trace file when asked, prints the counters when --stats was
 * given, stops pcap, destroys the stack and the loop. Objects the program
 * created on the loop must be closed first. Harmless on an `app` that
 * fata_app_start() failed to start.
 */
void fata_app_finish(struct fata_app *app);

/*
 * The log handler that fata_app_start() installs: one line per message on
 * standard error, "2024-05-01T12:00:00.123Z warn  tcp: message", time in UTC.
 * Control characters in `source` and `message` are written as \xNN, so a
 * message quoting network input cannot forge a second line. `arg` is unused.
 */
void fata_app_log_stderr(void *arg, enum fata_log_level level, const char *source,
		const char *message);

#endif

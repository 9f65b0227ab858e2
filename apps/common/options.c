/*
 * The shared options: their setters, which check each value on its own,
 * and the checks between them once the whole command line is parsed.
 */
#include <string.h>

#include <fata/addr.h>
#include <fata/error.h>
#include <fata/log.h>

#include "app_internal.h"

/* Linux limits interface names to IFNAMSIZ - 1 bytes (<net/if.h>). */
#define APP_IFNAME_MAX 15

/* Largest --dhcp-timeout: an hour is already far beyond any DHCP server's reply time. */
#define APP_DHCP_TIMEOUT_MAX 3600

#define EXPECT_NET "expected tap:IFNAME or socket; IFNAME has 1 to 15 characters " \
	"and no '/', ':' or whitespace"
#define EXPECT_IPV4 "expected ADDR/PREFIX, e.g. 192.0.2.2/24"

void app_options_init(struct fata_app_options *out)
{
	memset(out, 0, sizeof(*out));
	out->net = FATA_APP_NET_SOCKET;
	out->log_level = FATA_LOG_INFO;
	out->dhcp_timeout_s = FATA_APP_DHCP_TIMEOUT_DEFAULT;
}

/*
 * Accepts what Linux's dev_valid_name() accepts, minus control characters
 * (they would garble log lines): 1 to 15 bytes, not "." or "..", no '/',
 * ':' or whitespace.
 */
static int ifname_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > APP_IFNAME_MAX)
		return 0;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= ' ' || c == 0x7f || c == '/' || c == ':')
			return 0;
	}
	return 1;
}

static const char *set_net(struct fata_app_options *out, const char *value)
{
	if (strcmp(value, "socket") == 0) {
		out->net = FATA_APP_NET_SOCKET;
		out->tap_name[0] = '\0';
		return NULL;
	}

	if (strncmp(value, "tap:", 4) != 0 || !ifname_valid(value + 4))
		return EXPECT_NET;

	out->net = FATA_APP_NET_TAP;
	memcpy(out->tap_name, value + 4, strlen(value + 4) + 1);
	return NULL;
}

/*
 * Returns 1 for an address a host may use as its own or as a gateway:
 * not 0.0.0.0/8 ("this network", RFC 1122 section 3.2.1.3), not loopback
 * 127.0.0.0/8, not multicast 224.0.0.0/4 and not the reserved 240.0.0.0/4,
 * which contains the limited broadcast address.
 */
static int is_unicast(const struct fata_ipaddr *ip)
{
	uint32_t first_byte = fata_ipv4_to_u32(ip) >> 24;

	return first_byte != 0 && first_byte != 127 && first_byte < 224;
}

/*
 * Returns NULL, or the error text when the host part of `ip` is all zeros
 * or all ones, which RFC 1122 section 3.2.1.3 reserves for the subnet
 * itself and its broadcast. Prefixes of 31 (RFC 3021) and 32 bits reserve
 * nothing.
 */
static const char *host_part_problem(const struct fata_ipaddr *ip, unsigned prefix_len)
{
	if (prefix_len >= 31)
		return NULL;

	uint32_t host_mask = UINT32_MAX >> prefix_len;
	uint32_t host = fata_ipv4_to_u32(ip) & host_mask;

	if (host == 0)
		return "expected a host address, not the network address of the prefix";
	if (host == host_mask)
		return "expected a host address, not the broadcast address of the prefix";
	return NULL;
}

static const char *set_ipv4(struct fata_app_options *out, const char *value)
{
	struct fata_ipaddr ip;
	unsigned prefix_len;

	if (fata_ipaddr_parse_prefix(value, strlen(value), &ip, &prefix_len) < 0)
		return EXPECT_IPV4;
	if (ip.family != FATA_AF_INET)
		return "expected an IPv4 ADDR/PREFIX, e.g. 192.0.2.2/24";
	if (prefix_len == 0)
		return "expected a prefix length from 1 to 32, e.g. 192.0.2.2/24";
	if (!is_unicast(&ip))
		return "expected a unicast host address, e.g. 192.0.2.2/24";

	const char *problem = host_part_problem(&ip, prefix_len);
	if (problem)
		return problem;

	out->ipv4 = ip;
	out->ipv4_prefix_len = prefix_len;
	return NULL;
}

static const char *set_ipv4_gateway(struct fata_app_options *out, const char *value)
{
	struct fata_ipaddr ip;

	if (fata_ipaddr_parse(value, strlen(value), &ip) < 0 || ip.family != FATA_AF_INET)
		return "expected an IPv4 address, e.g. 192.0.2.1";
	if (!is_unicast(&ip))
		return "expected a unicast IPv4 address, e.g. 192.0.2.1";

	out->ipv4_gateway = ip;
	return NULL;
}

static const char *set_dhcp(struct fata_app_options *out, const char *value)
{
	(void)value;
	out->dhcp = 1;
	return NULL;
}

static const char *set_dhcp_timeout(struct fata_app_options *out, const char *value)
{
	uint64_t seconds;

	if (fata_app_parse_uint(value, 1, APP_DHCP_TIMEOUT_MAX, &seconds) < 0)
		return "expected whole seconds from 1 to 3600";

	out->dhcp_timeout_s = (unsigned)seconds;
	return NULL;
}

static const char *set_pcap(struct fata_app_options *out, const char *value)
{
	if (value[0] == '\0')
		return "expected a file name";
	out->pcap_path = value;
	return NULL;
}

static const char *set_trace(struct fata_app_options *out, const char *value)
{
	if (value[0] == '\0')
		return "expected a file name";
	out->trace_path = value;
	return NULL;
}

static const char *set_log_level(struct fata_app_options *out, const char *value)
{
	enum fata_log_level level;

	if (fata_log_level_parse(value, &level) < 0)
		return "expected error, warn, info, debug or trace";
	out->log_level = level;
	return NULL;
}

static const char *set_no_offload(struct fata_app_options *out, const char *value)
{
	(void)value;
	out->no_offload = 1;
	return NULL;
}

static const char *set_stats(struct fata_app_options *out, const char *value)
{
	(void)value;
	out->stats = 1;
	return NULL;
}

const struct app_shared_option app_shared_options[APP_OPT_COUNT] = {
	[APP_OPT_NET] = { "net", "tap:IFNAME|socket",
		"host sockets (default), or libtcpip on tap IFNAME",
		set_net },
	[APP_OPT_IPV4] = { "ipv4", "ADDR/PREFIX",
		"static IPv4 address and prefix for --net tap", set_ipv4 },
	[APP_OPT_IPV4_GATEWAY] = { "ipv4-gateway", "ADDR",
		"default IPv4 gateway, inside the --ipv4 prefix",
		set_ipv4_gateway },
	[APP_OPT_DHCP] = { "dhcp", NULL,
		"get the address by DHCP instead of --ipv4", set_dhcp },
	[APP_OPT_DHCP_TIMEOUT] = { "dhcp-timeout", "SECONDS",
		"seconds to wait for a DHCP lease (default 30)", set_dhcp_timeout },
	[APP_OPT_PCAP] = { "pcap", "FILE",
		"record the tap device's frames to FILE (pcap)", set_pcap },
	[APP_OPT_TRACE] = { "trace", "FILE",
		"write a promise trace to FILE for ui.perfetto.dev",
		set_trace },
	[APP_OPT_LOG_LEVEL] = { "log-level", "LEVEL",
		"error, warn, info (default), debug or trace",
		set_log_level },
	[APP_OPT_STATS] = { "stats", NULL,
		"print every counter to standard error at exit", set_stats },
	[APP_OPT_NO_OFFLOAD] = { "no-offload", NULL,
		"open the tap without checksum offload, TSO and GRO (virtio-net header)",
		set_no_offload },
	[APP_OPT_HELP] = { "help", NULL, "print this help and exit", NULL },
};

/* The options that only make sense on libtcpip over a tap device. */
static const enum app_shared_id tap_only[] = {
	APP_OPT_IPV4, APP_OPT_IPV4_GATEWAY, APP_OPT_DHCP, APP_OPT_DHCP_TIMEOUT, APP_OPT_PCAP,
	APP_OPT_NO_OFFLOAD,
};

static int was_seen(unsigned seen_options, enum app_shared_id id)
{
	return (seen_options & (1u << id)) != 0;
}

/* Rejects a gateway outside the --ipv4 prefix: it could not be reached on the link. */
static void check_gateway(const char *prog, const struct fata_app_options *o)
{
	char gateway[FATA_IPADDR_STRLEN];
	char network[FATA_IPADDR_STRLEN];

	fata_ipaddr_format(&o->ipv4_gateway, gateway, sizeof(gateway));

	uint32_t mask = UINT32_MAX << (32 - o->ipv4_prefix_len);
	struct fata_ipaddr net = fata_ipv4_from_u32(fata_ipv4_to_u32(&o->ipv4) & mask);
	fata_ipaddr_format(&net, network, sizeof(network));

	if (fata_ipaddr_equal(&o->ipv4_gateway, &o->ipv4))
		app_usage_error(prog, "invalid value for --ipv4-gateway: \"%s\" (expected an "
				"address other than --ipv4's)", gateway);
	if (!fata_ipaddr_same_prefix(&o->ipv4_gateway, &o->ipv4, o->ipv4_prefix_len))
		app_usage_error(prog, "invalid value for --ipv4-gateway: \"%s\" (expected an "
				"address inside %s/%u)", gateway, network, o->ipv4_prefix_len);
	if (host_part_problem(&o->ipv4_gateway, o->ipv4_prefix_len))
		app_usage_error(prog, "invalid value for --ipv4-gateway: \"%s\" (expected a host "
				"address inside %s/%u)", gateway, network, o->ipv4_prefix_len);
}

void app_check_shared(const char *prog, const struct fata_app_options *o, unsigned seen_options)
{
	if (o->net == FATA_APP_NET_SOCKET) {
		for (size_t i = 0; i < sizeof(tap_only) / sizeof(tap_only[0]); i++) {
			if (was_seen(seen_options, tap_only[i]))
				app_usage_error(prog, "option --%s needs --net tap:IFNAME",
						app_shared_options[tap_only[i]].name);
		}
		return;
	}

	if (was_seen(seen_options, APP_OPT_IPV4) && o->dhcp)
		app_usage_error(prog, "options --ipv4 and --dhcp exclude each other");
	if (!was_seen(seen_options, APP_OPT_IPV4) && !o->dhcp)
		app_usage_error(prog, "missing option --ipv4 ADDR/PREFIX or --dhcp for --net tap:%s",
				o->tap_name);
	if (was_seen(seen_options, APP_OPT_DHCP_TIMEOUT) && !o->dhcp)
		app_usage_error(prog, "option --dhcp-timeout needs --dhcp");

	if (was_seen(seen_options, APP_OPT_IPV4_GATEWAY)) {
		if (!was_seen(seen_options, APP_OPT_IPV4))
			app_usage_error(prog, "option --ipv4-gateway needs --ipv4 (with --dhcp the "
					"DHCP server gives the gateway)");
		check_gateway(prog, o);
	}
}

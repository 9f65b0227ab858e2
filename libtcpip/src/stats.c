/*
 * The stack's counters as fata_counter groups, one per layer. The names are
 * the field names of the statistics structs in fata/tcpip.h, in order, so
 * each struct is read as an array of uint64_t values.
 */
#include <stdint.h>

#include <fata/counter.h>
#include <fata/fmt.h>
#include <fata/tcpip.h>

#include "tcp.h"
#include "tcpip_stack.h"

static const char *const eth_names[] = {
	"in_frames", "in_short", "in_other_host", "in_unknown_type", "out_frames", "out_errors",
};

static const char *const arp_names[] = {
	"in_requests", "in_replies", "in_invalid", "in_conflicts", "out_requests", "out_replies",
	"out_announcements", "out_probes", "resolved", "failed", "queued", "queue_drops",
	"evictions", "expired", "entries",
};

static const char *const ip_names[] = {
	"in_receives", "in_hdr_errors", "in_csum_errors", "in_truncated", "in_addr_errors",
	"in_unknown_protos", "in_discards", "in_delivers", "out_requests", "out_discards",
	"out_no_routes", "reasm_reqds", "reasm_oks", "reasm_fails", "reasm_timeout",
	"reasm_overlaps", "reasm_limit", "reasm_invalid", "reasm_duplicates", "frag_oks",
	"frag_fails", "frag_creates", "loopback",
};

static const char *const icmp_names[] = {
	"in_msgs", "in_errors", "in_dest_unreachs", "in_time_excds", "in_parm_probs",
	"in_src_quenchs", "in_redirects", "in_echos", "in_echo_reps", "in_unknown",
	"in_quote_ignored", "out_msgs", "out_echo_reps", "out_dest_unreachs", "out_time_excds",
	"out_rate_limited", "out_suppressed", "echo_broadcast_ignored",
};

static const char *const udp_names[] = {
	"in_datagrams", "no_ports", "in_errors", "in_csum_errors", "rcvbuf_errors",
	"out_datagrams", "out_errors",
};

static const char *const dhcp_names[] = {
	"out_discovers", "out_requests", "out_declines", "retransmissions", "in_offers", "in_acks",
	"in_naks", "in_invalid", "leases", "renewals", "expirations", "conflicts",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Each name list must cover its struct exactly. */
_Static_assert(COUNT(eth_names) * 8 == sizeof(struct fata_tcpip_eth_stats), "eth names");
_Static_assert(COUNT(arp_names) * 8 == sizeof(struct fata_tcpip_arp_stats), "arp names");
_Static_assert(COUNT(ip_names) * 8 == sizeof(struct fata_tcpip_ip_stats), "ip names");
_Static_assert(COUNT(icmp_names) * 8 == sizeof(struct fata_tcpip_icmp_stats), "icmp names");
_Static_assert(COUNT(udp_names) * 8 == sizeof(struct fata_tcpip_udp_stats), "udp names");
_Static_assert(COUNT(dhcp_names) * 8 == sizeof(struct fata_tcpip_dhcp_stats), "dhcp names");

static void setup(struct tcpip_counter_group *g, const char *nif, const char *layer,
		const char *const *names, size_t count, const void *values)
{
	fata_snprintf(g->name, sizeof(g->name), "tcpip.%s.%s", nif, layer);
	g->group.name = g->name;
	g->group.names = names;
	g->group.values = values;
	g->group.count = count;
	g->group.next = NULL;
	fata_counters_register(&g->group);
}

void tcpip_counters_register(struct tcpip_stack *stack)
{
	struct tcpip_counter_group *g = stack->counters;
	struct fata_tcpip_stats *st = &stack->stats;
	const char *nif = stack->nif->name;

	setup(&g[TCPIP_GROUP_ETH], nif, "eth", eth_names, COUNT(eth_names), &st->eth);
	setup(&g[TCPIP_GROUP_ARP], nif, "arp", arp_names, COUNT(arp_names), &st->arp);
	setup(&g[TCPIP_GROUP_IP], nif, "ip", ip_names, COUNT(ip_names), &st->ip);
	setup(&g[TCPIP_GROUP_ICMP], nif, "icmp", icmp_names, COUNT(icmp_names), &st->icmp);
	setup(&g[TCPIP_GROUP_UDP], nif, "udp", udp_names, COUNT(udp_names), &st->udp);
	setup(&g[TCPIP_GROUP_DHCP], nif, "dhcp", dhcp_names, COUNT(dhcp_names), &st->dhcp);

	/* TCP keeps its own group; it gets the same kind of name. */
	char tcp_name[48];

	fata_snprintf(tcp_name, sizeof(tcp_name), "tcpip.%s.tcp", nif);
	tcp_layer_set_counter_name(stack->tcp, tcp_name);
}

void tcpip_counters_unregister(struct tcpip_stack *stack)
{
	for (int i = 0; i < TCPIP_GROUP_COUNT; i++)
		fata_counters_unregister(&stack->counters[i].group);
}

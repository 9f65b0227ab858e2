/*
 * The stack object shared by every layer of libtcpip. The IP side owns it;
 * the TCP layer uses it only as an opaque pointer through ip.h.
 */
#ifndef FATA_TCPIP_STACK_H
#define FATA_TCPIP_STACK_H

#include <stdint.h>

#include <fata/counter.h>
#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/promise.h>
#include <fata/sim.h>
#include <fata/stack.h>
#include <fata/tcpip.h>

#include "arp.h"
#include "icmp.h"
#include "reasm.h"
#include "udp.h"

struct tcp_layer;
struct dhcp_driver;

/* Datagrams to our own address that may wait for the loopback timer. */
#define TCPIP_LOOPBACK_MAX 64

/* One layer's counters as a registered group. */
struct tcpip_counter_group {
	struct fata_counter_group group;
	char name[40];
};

enum tcpip_layer_index {
	TCPIP_GROUP_ETH,
	TCPIP_GROUP_ARP,
	TCPIP_GROUP_IP,
	TCPIP_GROUP_ICMP,
	TCPIP_GROUP_UDP,
	TCPIP_GROUP_DHCP,
	TCPIP_GROUP_COUNT,
};

struct tcpip_stack {
	struct fata_stack base; /* first, so a struct fata_stack * converts */
	struct fata_loop *loop;
	struct fata_netif *nif;
	struct fata_tcpip_config config; /* with defaults filled in */
	struct fata_rng rng;

	/* The IPv4 address, valid while has_ipv4; 0 gateway for none. */
	int has_ipv4;
	uint32_t ipv4_addr, ipv4_mask, ipv4_gateway;
	unsigned ipv4_prefix_len;
	uint16_t ip_next_id;

	struct arp_layer arp;
	struct reasm_table reasm;
	struct fata_timer reasm_timer;
	struct icmp_ratelimit icmp_rl;
	struct udp_layer udp;
	struct dhcp_driver *dhcp;
	struct tcp_layer *tcp;

	/* Datagrams sent to our own address, delivered from a zero-delay timer. */
	struct fata_view loopback[TCPIP_LOOPBACK_MAX];
	uint32_t loopback_head, loopback_count;
	struct fata_timer loopback_timer;

	/* Promises from fata_tcpip_ready() waiting for an address. */
	struct fata_promise **waiters;
	uint32_t waiter_count, waiter_cap;

	struct fata_tcpip_stats stats;
	struct tcpip_counter_group counters[TCPIP_GROUP_COUNT];
};

/* Returns a pseudo-random 32-bit value from the stack's generator. */
uint32_t tcpip_random(struct tcpip_stack *stack);

/* Sets the stack's IPv4 address; fulfills the ready promises and announces it. */
void tcpip_set_ipv4(struct tcpip_stack *stack, uint32_t addr, unsigned prefix_len,
		uint32_t gateway);

/* Removes the IPv4 address (a DHCP lease ended). */
void tcpip_clear_ipv4(struct tcpip_stack *stack);

/* Registers the stack's counter groups, named after its interface. */
void tcpip_counters_register(struct tcpip_stack *stack);
void tcpip_counters_unregister(struct tcpip_stack *stack);

/* Re-arms the reassembly timer for the table's earliest deadline. */
void tcpip_reasm_schedule(struct tcpip_stack *stack);

#endif

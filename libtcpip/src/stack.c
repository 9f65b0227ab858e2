/*
 * The stack object: configuration, creation and teardown, the struct
 * fata_stack operations, the address and the promises that wait for it.
 */
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/entropy.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/promise.h>
#include <fata/tcpip.h>

#include "arp.h"
#include "dhcp.h"
#include "eth.h"
#include "icmp.h"
#include "ipv4.h"
#include "packet.h"
#include "reasm.h"
#include "tcp.h"
#include "tcpip_stack.h"
#include "udp.h"

#define NS_PER_MS UINT64_C(1000000)

static const struct fata_stack_ops tcpip_ops;

uint32_t tcpip_random(struct tcpip_stack *stack)
{
	return (uint32_t)(fata_rng_next(&stack->rng) >> 32);
}

/* Fills the documented defaults into the zero fields of `c`. */
static void apply_defaults(struct fata_tcpip_config *c)
{
	if (c->arp_cache_size == 0)
		c->arp_cache_size = 256;
	if (c->arp_queue_len == 0)
		c->arp_queue_len = 16;
	if (c->reassembly_max_bytes == 0)
		c->reassembly_max_bytes = 1024 * 1024;
	if (c->reassembly_timeout_ms == 0)
		c->reassembly_timeout_ms = 60000; /* RFC 1122 section 3.3.2: 60 to 120 s */
	if (c->tcp_max_connections == 0)
		c->tcp_max_connections = 65536;
	if (c->icmp_error_rate == 0)
		c->icmp_error_rate = 100;
	if (c->icmp_error_burst == 0)
		c->icmp_error_burst = 50;
	if (c->ipv4_ttl == 0)
		c->ipv4_ttl = 64; /* RFC 1700's recommended default */
}

/* Checks a static address: a unicast host address of its prefix with an on-link gateway. */
static int check_static(const struct fata_tcpip_config *c)
{
	uint32_t addr, mask, gw;

	if (c->ipv4.family != FATA_AF_INET || c->ipv4_prefix_len < 1 || c->ipv4_prefix_len > 32)
		return FATA_EINVAL;
	addr = tcpip_ipv4_of(&c->ipv4);
	mask = tcpip_ipv4_mask(c->ipv4_prefix_len);
	if (addr == 0 || addr == TCPIP_IPV4_BROADCAST || tcpip_ipv4_is_multicast(addr) ||
			tcpip_ipv4_is_loopback(addr))
		return FATA_EINVAL;

	/* With 31 and 32 bit prefixes (RFC 3021) every address is a host address. */
	if (c->ipv4_prefix_len <= 30 && ((addr & ~mask) == 0 || (addr & ~mask) == ~mask))
		return FATA_EINVAL;

	if (c->ipv4_gateway.family == FATA_AF_NONE)
		return 0;
	if (c->ipv4_gateway.family != FATA_AF_INET)
		return FATA_EINVAL;
	gw = tcpip_ipv4_of(&c->ipv4_gateway);
	if (gw == addr || (gw & mask) != (addr & mask))
		return FATA_EINVAL;
	return 0;
}

static int check_config(const struct fata_tcpip_config *c, const struct fata_netif *nif)
{
	if (nif->mtu < IPV4_MIN_MTU)
		return FATA_EINVAL;
	if (c->dhcp)
		return c->ipv4.family == FATA_AF_NONE ? 0 : FATA_EINVAL;
	return check_static(c);
}

static int seed_generator(struct tcpip_stack *stack)
{
	uint64_t seed = stack->config.random_seed;

	if (seed == 0 && fata_entropy_fill(&seed, sizeof(seed)) != 0)
		return FATA_EIO;
	fata_rng_seed(&stack->rng, seed);
	return 0;
}

/* Creates the layers in dependency order; undone by destroy_layers(). */
static int create_layers(struct tcpip_stack *stack)
{
	uint64_t now = fata_loop_now(stack->loop);
	int rc;

	stack->ip_next_id = (uint16_t)tcpip_random(stack);
	reasm_init(&stack->reasm, stack->config.reassembly_max_bytes,
			(uint64_t)stack->config.reassembly_timeout_ms * NS_PER_MS, &stack->stats.ip);
	icmp_ratelimit_init(&stack->icmp_rl, stack->config.icmp_error_rate,
			stack->config.icmp_error_burst, now);
	udp_init(stack, tcpip_random(stack));

	rc = arp_init(stack);
	if (rc != 0)
		return rc;
	return tcp_layer_new(stack, stack->loop, &stack->config, &stack->tcp);
}

static void reject_waiters(struct tcpip_stack *stack, int error)
{
	for (uint32_t i = 0; i < stack->waiter_count; i++)
		fata_promise_reject(stack->waiters[i], error);
	stack->waiter_count = 0;
	fata_free(stack->waiters);
	stack->waiters = NULL;
	stack->waiter_cap = 0;
}

static void destroy_layers(struct tcpip_stack *stack)
{
	dhcp_stop(stack);

	/* TCP goes first: its resets still need IP, ARP and the interface. */
	if (stack->tcp)
		tcp_layer_free(stack->tcp);
	stack->tcp = NULL;

	udp_fini(stack);
	reject_waiters(stack, FATA_ECLOSED);
	fata_timer_cancel(stack->loop, &stack->reasm_timer);
	reasm_fini(&stack->reasm);
	ipv4_loopback_fini(stack);
	arp_fini(stack);
}

int fata_tcpip_new(struct fata_loop *loop, struct fata_netif *nif,
		const struct fata_tcpip_config *config, struct fata_stack **out)
{
	struct tcpip_stack *stack;
	struct fata_tcpip_config c;
	int rc;

	if (!loop || !nif || !config || !out)
		return FATA_EINVAL;
	c = *config;
	apply_defaults(&c);
	rc = check_config(&c, nif);
	if (rc != 0)
		return rc;

	stack = fata_calloc(1, sizeof(*stack));
	if (!stack)
		return FATA_ENOMEM;
	stack->base.ops = &tcpip_ops;
	stack->base.loop = loop;
	stack->base.name = "tcpip";
	stack->loop = loop;
	stack->nif = nif;
	stack->config = c;

	/* Timers are set up first, so a failed creation can cancel them all. */
	fata_timer_init(&stack->arp.timer, NULL, NULL);
	fata_timer_init(&stack->reasm_timer, ipv4_reasm_timer_fired, stack);
	fata_timer_init(&stack->loopback_timer, ipv4_loopback_run, stack);

	rc = seed_generator(stack);
	if (rc == 0)
		rc = create_layers(stack);
	if (rc == 0 && c.dhcp)
		rc = dhcp_start(stack);
	if (rc != 0) {
		destroy_layers(stack);
		fata_free(stack);
		return rc;
	}

	tcpip_counters_register(stack);
	/*
	 * Every offload the device offers is handled: checksums either way, TSO
	 * for TCP segments and GRO super-frames on receive. A device that cannot
	 * switch them leaves them off, and the stack then runs without.
	 */
	rc = fata_netif_set_offloads(nif, FATA_NETIF_F_TX_CSUM | FATA_NETIF_F_RX_CSUM |
			FATA_NETIF_F_TSO | FATA_NETIF_F_GRO);
	if (rc < 0)
		fata_log(FATA_LOG_WARN, "tcpip", "%s: offloads could not be switched on: %s",
				nif->name, fata_error_name(rc));
	fata_netif_set_rx_meta(nif, eth_input_meta, stack);
	if (!c.dhcp)
		tcpip_set_ipv4(stack, tcpip_ipv4_of(&c.ipv4), c.ipv4_prefix_len,
				tcpip_ipv4_of(&c.ipv4_gateway));
	*out = &stack->base;
	return 0;
}

static void tcpip_destroy(struct fata_stack *base)
{
	struct tcpip_stack *stack = (struct tcpip_stack *)base;

	destroy_layers(stack);
	tcpip_counters_unregister(stack);
	fata_netif_set_rx(stack->nif, NULL, NULL);
	(void)fata_netif_set_offloads(stack->nif, 0);
	fata_netif_close(stack->nif);
	fata_free(stack);
}

void tcpip_set_ipv4(struct tcpip_stack *stack, uint32_t addr, unsigned prefix_len,
		uint32_t gateway)
{
	int changed = !stack->has_ipv4 || stack->ipv4_addr != addr;
	struct fata_promise **waiters = stack->waiters;
	uint32_t count = stack->waiter_count;

	stack->has_ipv4 = 1;
	stack->ipv4_addr = addr;
	stack->ipv4_prefix_len = prefix_len;
	stack->ipv4_mask = tcpip_ipv4_mask(prefix_len);
	stack->ipv4_gateway = gateway;
	if (changed)
		arp_announce(stack);

	stack->waiters = NULL;
	stack->waiter_count = 0;
	stack->waiter_cap = 0;
	for (uint32_t i = 0; i < count; i++)
		fata_promise_fulfill(waiters[i], (union fata_value){ .u64 = addr });
	fata_free(waiters);
}

void tcpip_clear_ipv4(struct tcpip_stack *stack)
{
	stack->has_ipv4 = 0;
	stack->ipv4_addr = 0;
	stack->ipv4_prefix_len = 0;
	stack->ipv4_mask = 0;
	stack->ipv4_gateway = 0;
	arp_flush(stack);
}

static struct tcpip_stack *from_base(const struct fata_stack *stack)
{
	if (!stack || stack->ops != &tcpip_ops)
		return NULL;
	return (struct tcpip_stack *)(uintptr_t)stack;
}

int fata_tcpip_is_tcpip(const struct fata_stack *stack)
{
	return from_base(stack) != NULL;
}

static void cancel_waiter(void *ctx, struct fata_promise *promise)
{
	struct tcpip_stack *stack = ctx;

	for (uint32_t i = 0; i < stack->waiter_count; i++) {
		if (stack->waiters[i] == promise) {
			stack->waiters[i] = stack->waiters[--stack->waiter_count];
			return;
		}
	}
}

static int add_waiter(struct tcpip_stack *stack, struct fata_promise *p)
{
	if (stack->waiter_count == stack->waiter_cap) {
		uint32_t cap = stack->waiter_cap ? stack->waiter_cap * 2 : 4;
		struct fata_promise **grown = fata_realloc(stack->waiters, cap * sizeof(*grown));

		if (!grown)
			return FATA_ENOMEM;
		stack->waiters = grown;
		stack->waiter_cap = cap;
	}
	stack->waiters[stack->waiter_count++] = p;
	fata_promise_on_cancel(p, cancel_waiter, stack);
	return 0;
}

struct fata_promise *fata_tcpip_ready(struct fata_stack *base)
{
	struct tcpip_stack *stack = from_base(base);
	struct fata_promise *p;

	if (!stack)
		return base ? fata_promise_rejected(base->loop, "tcpip.ready", FATA_EINVAL) : NULL;
	if (stack->has_ipv4)
		return fata_promise_resolved(stack->loop, "tcpip.ready",
				(union fata_value){ .u64 = stack->ipv4_addr });

	p = fata_promise_new(stack->loop, "tcpip.ready");
	if (!p)
		return NULL;
	if (add_waiter(stack, p) != 0) {
		fata_promise_reject(p, FATA_ENOMEM);
		return p;
	}
	return p;
}

int fata_tcpip_get_ipv4(struct fata_stack *base, struct fata_ipaddr *addr, unsigned *prefix_len,
		struct fata_ipaddr *gateway)
{
	struct tcpip_stack *stack = from_base(base);

	if (!stack)
		return FATA_EINVAL;
	if (!stack->has_ipv4)
		return FATA_EADDRNOTAVAIL;
	if (addr)
		*addr = fata_ipv4_from_u32(stack->ipv4_addr);
	if (prefix_len)
		*prefix_len = stack->ipv4_prefix_len;
	if (gateway) {
		memset(gateway, 0, sizeof(*gateway));
		if (stack->ipv4_gateway != 0)
			*gateway = fata_ipv4_from_u32(stack->ipv4_gateway);
	}
	return 0;
}

int fata_tcpip_get_stats(struct fata_stack *base, struct fata_tcpip_stats *out)
{
	struct tcpip_stack *stack = from_base(base);

	if (!stack || !out)
		return FATA_EINVAL;
	*out = stack->stats;
	return 0;
}

static int tcpip_listen(struct fata_stack *base, const struct fata_sockaddr *local, int backlog,
		const struct fata_tcp_options *options, struct fata_listener **out)
{
	struct tcpip_stack *stack = (struct tcpip_stack *)base;

	return tcp_listen(stack->tcp, local, backlog, options, out);
}

static struct fata_promise *tcpip_connect(struct fata_stack *base,
		const struct fata_sockaddr *remote, const struct fata_tcp_options *options)
{
	struct tcpip_stack *stack = (struct tcpip_stack *)base;

	return tcp_connect(stack->tcp, remote, options);
}

static int tcpip_udp_bind(struct fata_stack *base, const struct fata_sockaddr *local,
		struct fata_datagram **out)
{
	return udp_bind((struct tcpip_stack *)base, local, out);
}

static const struct fata_stack_ops tcpip_ops = {
	.listen = tcpip_listen,
	.connect = tcpip_connect,
	.udp_bind = tcpip_udp_bind,
	.destroy = tcpip_destroy,
};

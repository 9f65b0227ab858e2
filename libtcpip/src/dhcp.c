/*
 * The DHCPv4 client's driver: an internal UDP socket on port 68, one timer,
 * the ARP probe, and the stack's address, all steered by the sans-I/O state
 * machine in dhcp_client.c.
 */
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>

#include "arp.h"
#include "dhcp.h"
#include "dhcp_client.h"
#include "ip.h"
#include "packet.h"
#include "tcpip_stack.h"
#include "udp.h"

struct dhcp_driver {
	struct tcpip_stack *stack;
	struct dhcp_client client;
	struct fata_timer timer;
	struct udp_socket *sock;
	struct dhcp_output out; /* scratch for one step's output */
};

static void send_message(struct dhcp_driver *d, const struct dhcp_output *out)
{
	struct fata_chain chain;
	struct fata_view view;

	if (fata_buf_copy(out->msg, out->len, TCPIP_HEADROOM, &view) != 0)
		return;
	fata_chain_init(&chain);
	fata_chain_append(&chain, view);
	udp_output(d->stack, out->src, DHCP_CLIENT_PORT, out->dst, DHCP_SERVER_PORT, &chain);
}

static void log_lease(struct dhcp_driver *d, const struct dhcp_lease *lease)
{
	char addr[FATA_IPADDR_STRLEN], router[FATA_IPADDR_STRLEN];
	struct fata_ipaddr a = fata_ipv4_from_u32(lease->addr);
	struct fata_ipaddr r = fata_ipv4_from_u32(lease->router);

	fata_ipaddr_format(&a, addr, sizeof(addr));
	fata_ipaddr_format(&r, router, sizeof(router));
	fata_log(FATA_LOG_INFO, "dhcp", "%s: bound to %s/%u, router %s, lease %u s",
			d->stack->nif->name, addr, lease->prefix_len,
			lease->router ? router : "none", (unsigned)lease->lease_s);
}

/* Carries out one step's events and re-arms the timer. */
static void apply(struct dhcp_driver *d, enum dhcp_state before)
{
	struct tcpip_stack *stack = d->stack;
	struct dhcp_client *c = &d->client;
	const struct dhcp_output *out = &d->out;

	if (out->events & DHCP_EV_LOST) {
		fata_log(FATA_LOG_WARN, "dhcp", "%s: lease lost in state %s; address removed",
				stack->nif->name, dhcp_state_name(before));
		tcpip_clear_ipv4(stack);
	}
	if (out->events & DHCP_EV_PROBE)
		arp_probe(stack, out->probe_addr);
	else if (c->state != DHCP_PROBING && stack->arp.probe_addr != 0)
		arp_probe(stack, 0);

	if (out->events & DHCP_EV_BOUND) {
		const struct dhcp_lease *l = &c->lease;

		if (!stack->has_ipv4 || stack->ipv4_addr != l->addr ||
				stack->ipv4_prefix_len != l->prefix_len || stack->ipv4_gateway != l->router) {
			log_lease(d, l);
			tcpip_set_ipv4(stack, l->addr, l->prefix_len, l->router);
		}
		if (before == DHCP_PROBING)
			c->stats->leases++;
	}

	/* The message goes after the address changed, so a renewal leaves from it. */
	if (out->events & DHCP_EV_SEND)
		send_message(d, out);

	if (before != c->state)
		fata_log(FATA_LOG_DEBUG, "dhcp", "%s: %s -> %s", stack->nif->name,
				dhcp_state_name(before), dhcp_state_name(c->state));
	if (c->deadline == UINT64_MAX)
		fata_timer_cancel(stack->loop, &d->timer);
	else
		fata_timer_arm(stack->loop, &d->timer, c->deadline);
}

static void timer_fired(void *arg, struct fata_timer *timer)
{
	struct dhcp_driver *d = arg;
	enum dhcp_state before = d->client.state;

	(void)timer;
	dhcp_client_timer(&d->client, fata_loop_now(d->stack->loop), tcpip_random(d->stack),
			&d->out);
	apply(d, before);
}

static void received(void *arg, uint32_t src, uint16_t src_port, struct fata_view payload)
{
	struct dhcp_driver *d = arg;
	enum dhcp_state before = d->client.state;

	(void)src;
	if (src_port != DHCP_SERVER_PORT) {
		d->client.stats->in_invalid++;
		return;
	}
	dhcp_client_input(&d->client, payload, fata_loop_now(d->stack->loop),
			tcpip_random(d->stack), &d->out);
	apply(d, before);
}

void dhcp_probe_conflict(struct tcpip_stack *stack)
{
	struct dhcp_driver *d = stack->dhcp;
	enum dhcp_state before;

	if (!d)
		return;
	before = d->client.state;
	fata_log(FATA_LOG_WARN, "dhcp", "%s: offered address is in use by another host; declining",
			stack->nif->name);
	dhcp_client_conflict(&d->client, fata_loop_now(stack->loop), tcpip_random(stack), &d->out);
	apply(d, before);
}

int dhcp_start(struct tcpip_stack *stack)
{
	struct dhcp_driver *d;
	int rc;

	d = fata_calloc(1, sizeof(*d));
	if (!d)
		return FATA_ENOMEM;
	d->stack = stack;
	fata_timer_init(&d->timer, timer_fired, d);
	dhcp_client_init(&d->client, &stack->nif->mac, &stack->stats.dhcp);

	rc = udp_bind_internal(stack, DHCP_CLIENT_PORT, received, d, &d->sock);
	if (rc != 0) {
		fata_free(d);
		return rc;
	}
	stack->dhcp = d;

	dhcp_client_start(&d->client, fata_loop_now(stack->loop), tcpip_random(stack), &d->out);
	apply(d, DHCP_STOPPED);
	return 0;
}

void dhcp_stop(struct tcpip_stack *stack)
{
	struct dhcp_driver *d = stack->dhcp;

	if (!d)
		return;
	fata_timer_cancel(stack->loop, &d->timer);
	udp_close_internal(d->sock);
	stack->dhcp = NULL;
	fata_free(d);
}

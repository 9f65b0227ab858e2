/*
 * The DHCPv4 client state machine (RFC 2131 section 4.4 and figure 5).
 *
 * SELECTING broadcasts DHCPDISCOVER and takes the first valid offer.
 * REQUESTING broadcasts DHCPREQUEST for it, and a DHCPACK leads to
 * PROBING. There an ARP probe checks that no other host uses the address,
 * as section 4.4.1 recommends, before the client enters BOUND. At T1 the client unicasts
 * DHCPREQUEST to its server (RENEWING), at T2 it broadcasts (REBINDING),
 * and when the lease expires it drops the address and starts over.
 *
 * Retransmissions follow section 4.1: 4 s, doubled up to 64 s, each moved
 * by a random -1 to +1 s. In RENEWING and REBINDING they follow section
 * 4.4.5: half the time left until T2 or expiry, at least 60 s.
 * Lease times count from the first DHCPREQUEST of the exchange, as section
 * 4.4.1 says, so a slow server shortens the lease rather than lengthens it.
 */
#include <stdint.h>
#include <string.h>

#include <fata/error.h>

#include "dhcp_client.h"
#include "packet.h"

#define NS_PER_S UINT64_C(1000000000)
#define NS_PER_MS UINT64_C(1000000)

#define RETRY_FIRST_S 4
#define RETRY_MAX_S 64
/* Transmissions of one DHCPREQUEST in REQUESTING before starting over. */
#define REQUEST_TRIES 5
#define RENEW_MIN_NS (60 * NS_PER_S)
#define PROBE_WAIT_NS (1 * NS_PER_S)
/* RFC 2131 section 3.1 step 5: wait at least 10 s after a DHCPDECLINE. */
#define DECLINE_WAIT_NS (10 * NS_PER_S)
/* A pause after a DHCPNAK, so a server that refuses every request is not flooded. */
#define NAK_WAIT_NS (1 * NS_PER_S)
#define INFINITE_LEASE 0xffffffffu

void dhcp_client_init(struct dhcp_client *c, const struct fata_mac *mac,
		struct fata_tcpip_dhcp_stats *stats)
{
	memset(c, 0, sizeof(*c));
	c->state = DHCP_STOPPED;
	c->mac = *mac;
	c->deadline = UINT64_MAX;
	c->stats = stats;
}

const char *dhcp_state_name(enum dhcp_state state)
{
	static const char *const names[] = {
		"STOPPED", "INIT", "SELECTING", "REQUESTING", "PROBING", "BOUND", "RENEWING",
		"REBINDING",
	};

	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

/* The section 4.1 delay after the `tries`-th transmission, with jitter. */
static uint64_t backoff_ns(unsigned tries, uint32_t random)
{
	uint64_t base_s = RETRY_FIRST_S;

	for (unsigned i = 1; i < tries && base_s < RETRY_MAX_S; i++)
		base_s *= 2;
	if (base_s > RETRY_MAX_S)
		base_s = RETRY_MAX_S;
	return base_s * NS_PER_S - NS_PER_S + (uint64_t)(random % 2001) * NS_PER_MS;
}

/* Builds and emits one message of `type` for the current state. */
static void emit(struct dhcp_client *c, uint8_t type, uint64_t now, struct dhcp_output *out)
{
	struct dhcp_request req;
	uint64_t secs = (now - c->started) / NS_PER_S;

	memset(&req, 0, sizeof(req));
	req.type = type;
	req.xid = c->xid;
	req.secs = (uint16_t)(secs > 0xffff ? 0xffff : secs);
	req.mac = c->mac;
	out->src = 0;
	out->dst = TCPIP_IPV4_BROADCAST;

	if (c->state == DHCP_REQUESTING || type == DHCPDECLINE) {
		/* Section 4.3.2: the selected server and address go in options 54 and 50. */
		req.requested_ip = c->offer.addr;
		req.server_id = c->offer.server_id;
	} else if (c->state == DHCP_RENEWING || c->state == DHCP_REBINDING) {
		/* Section 4.3.2: ciaddr carries the address; options 50 and 54 stay out. */
		req.ciaddr = c->lease.addr;
		out->src = c->lease.addr;
		if (c->state == DHCP_RENEWING)
			out->dst = c->lease.server_id;
	}

	out->len = dhcp_request_build(&req, out->msg, sizeof(out->msg));
	out->events |= DHCP_EV_SEND;

	if (type == DHCPDISCOVER)
		c->stats->out_discovers++;
	else if (type == DHCPREQUEST)
		c->stats->out_requests++;
	else
		c->stats->out_declines++;
}

/* Sends the state's message again (or first) and arms the retransmission timer. */
static void transmit(struct dhcp_client *c, uint8_t type, uint64_t now, uint32_t random,
		struct dhcp_output *out)
{
	if (c->tries > 0)
		c->stats->retransmissions++;
	c->tries++;
	emit(c, type, now, out);
	c->deadline = now + backoff_ns(c->tries, random);
}

static void start_discovery(struct dhcp_client *c, uint64_t now, uint32_t random,
		struct dhcp_output *out)
{
	c->state = DHCP_SELECTING;
	c->xid = random;
	c->started = now;
	c->tries = 0;
	transmit(c, DHCPDISCOVER, now, random >> 16, out);
}

void dhcp_client_start(struct dhcp_client *c, uint64_t now, uint32_t random,
		struct dhcp_output *out)
{
	/*
	 * NOTE: section 4.4.1 suggests a random 1-10 s wait before the first
	 * DISCOVER, to spread out hosts that boot together. The client starts
	 * at once instead, because that wait would delay every unikernel boot.
	 */
	out->events = 0;
	start_discovery(c, now, random, out);
}

/* Returns `start` plus `s` seconds, or UINT64_MAX for an infinite time. */
static uint64_t lease_time_at(uint64_t start, uint32_t s)
{
	if (s == INFINITE_LEASE)
		return UINT64_MAX;
	return start + (uint64_t)s * NS_PER_S;
}

/* Returns the prefix length of a contiguous mask, or -1. */
static int mask_prefix(uint32_t mask)
{
	int len = 0;

	while (len < 32 && (mask & (0x80000000u >> len)))
		len++;
	return tcpip_ipv4_mask((unsigned)len) == mask ? len : -1;
}

/* RFC 1122 section 3.3.1.1's classful default, for servers that send no mask. */
static uint32_t classful_mask(uint32_t addr)
{
	if ((addr >> 31) == 0)
		return 0xff000000u;
	if ((addr >> 30) == 2)
		return 0xffff0000u;
	return 0xffffff00u;
}

/* Fills `lease` from a reply. Errors: FATA_EBADMSG for an unusable address or mask. */
static int lease_from(const struct dhcp_reply *r, struct dhcp_lease *lease)
{
	uint32_t lease_s = r->has_lease_time ? r->lease_time : 0;
	int prefix;

	memset(lease, 0, sizeof(*lease));
	if (r->yiaddr == 0 || r->yiaddr == TCPIP_IPV4_BROADCAST ||
			tcpip_ipv4_is_multicast(r->yiaddr) || tcpip_ipv4_is_loopback(r->yiaddr))
		return FATA_EBADMSG;

	lease->addr = r->yiaddr;
	lease->mask = r->has_subnet_mask ? r->subnet_mask : classful_mask(r->yiaddr);
	prefix = mask_prefix(lease->mask);
	if (prefix < 1 || prefix > 32)
		return FATA_EBADMSG;
	lease->prefix_len = (unsigned)prefix;

	/* A router off our subnet cannot be reached, so it is left out. */
	if (r->has_router && (r->router & lease->mask) == (r->yiaddr & lease->mask) &&
			r->router != r->yiaddr)
		lease->router = r->router;
	lease->server_id = r->has_server_id ? r->server_id : 0;

	/* Section 4.4.5: T1 defaults to half the lease and T2 to seven eighths. */
	lease->lease_s = lease_s;
	if (lease_s == INFINITE_LEASE) {
		lease->t1_s = INFINITE_LEASE;
		lease->t2_s = INFINITE_LEASE;
		return 0;
	}
	lease->t1_s = r->has_t1 ? r->t1 : lease_s / 2;
	lease->t2_s = r->has_t2 ? r->t2 : (uint32_t)((uint64_t)lease_s * 7 / 8);
	if (lease->t2_s > lease_s || lease->t1_s > lease->t2_s) {
		lease->t1_s = lease_s / 2;
		lease->t2_s = (uint32_t)((uint64_t)lease_s * 7 / 8);
	}
	return 0;
}

/* Takes the probed lease and enters BOUND. */
static void bind(struct dhcp_client *c, struct dhcp_output *out)
{
	c->lease = c->offer;
	c->t1_at = lease_time_at(c->request_sent, c->lease.t1_s);
	c->t2_at = lease_time_at(c->request_sent, c->lease.t2_s);
	c->expiry_at = lease_time_at(c->request_sent, c->lease.lease_s);
	c->state = DHCP_BOUND;
	c->deadline = c->t1_at;
	out->events |= DHCP_EV_BOUND;
}

/* Section 4.4.5: wait half the time left until `limit`, at least 60 s, never past it. */
static void arm_extension_retry(struct dhcp_client *c, uint64_t now, uint64_t limit)
{
	uint64_t wait = limit > now ? (limit - now) / 2 : 0;

	if (wait < RENEW_MIN_NS)
		wait = RENEW_MIN_NS;
	c->deadline = now + wait < limit ? now + wait : limit;
}

static void start_extension(struct dhcp_client *c, enum dhcp_state state, uint64_t now,
		uint32_t random, struct dhcp_output *out)
{
	c->state = state;
	c->xid = random;
	c->started = now;
	c->request_sent = now;
	c->tries = 1;
	emit(c, DHCPREQUEST, now, out);
	arm_extension_retry(c, now, state == DHCP_RENEWING ? c->t2_at : c->expiry_at);
}

/* The lease ended: drop the address and start over. */
static void lose_lease(struct dhcp_client *c, uint64_t now, uint32_t random,
		struct dhcp_output *out)
{
	c->stats->expirations++;
	memset(&c->lease, 0, sizeof(c->lease));
	out->events |= DHCP_EV_LOST;
	start_discovery(c, now, random, out);
}

void dhcp_client_timer(struct dhcp_client *c, uint64_t now, uint32_t random,
		struct dhcp_output *out)
{
	out->events = 0;
	switch (c->state) {
	case DHCP_INIT:
		start_discovery(c, now, random, out);
		break;
	case DHCP_SELECTING:
		transmit(c, DHCPDISCOVER, now, random, out);
		break;
	case DHCP_REQUESTING:
		if (c->tries >= REQUEST_TRIES)
			start_discovery(c, now, random, out);
		else
			transmit(c, DHCPREQUEST, now, random, out);
		break;
	case DHCP_PROBING:
		bind(c, out);
		break;
	case DHCP_BOUND:
		start_extension(c, DHCP_RENEWING, now, random, out);
		break;
	case DHCP_RENEWING:
		if (now >= c->t2_at) {
			start_extension(c, DHCP_REBINDING, now, random, out);
			break;
		}
		c->stats->retransmissions++;
		emit(c, DHCPREQUEST, now, out);
		arm_extension_retry(c, now, c->t2_at);
		break;
	case DHCP_REBINDING:
		if (now >= c->expiry_at) {
			lose_lease(c, now, random, out);
			break;
		}
		c->stats->retransmissions++;
		emit(c, DHCPREQUEST, now, out);
		arm_extension_retry(c, now, c->expiry_at);
		break;
	default:
		c->deadline = UINT64_MAX;
		break;
	}
}

static void handle_offer(struct dhcp_client *c, const struct dhcp_reply *r, uint64_t now,
		uint32_t random, struct dhcp_output *out)
{
	struct dhcp_lease offer;

	c->stats->in_offers++;
	if (c->state != DHCP_SELECTING)
		return;
	/* Section 4.3.1: an offer names its server in option 54. */
	if (!r->has_server_id || lease_from(r, &offer) != 0) {
		c->stats->in_invalid++;
		return;
	}

	c->offer = offer;
	c->state = DHCP_REQUESTING;
	c->tries = 0;
	c->request_sent = now;
	transmit(c, DHCPREQUEST, now, random, out);
}

static void handle_ack(struct dhcp_client *c, const struct dhcp_reply *r, uint64_t now,
		struct dhcp_output *out)
{
	struct dhcp_lease lease;

	c->stats->in_acks++;
	if (c->state != DHCP_REQUESTING && c->state != DHCP_RENEWING &&
			c->state != DHCP_REBINDING)
		return;
	/* Section 4.3.1, table 3: a DHCPACK to a DHCPREQUEST carries the lease time. */
	if (!r->has_lease_time || lease_from(r, &lease) != 0 ||
			(c->state == DHCP_REQUESTING && r->has_server_id &&
			 r->server_id != c->offer.server_id)) {
		c->stats->in_invalid++;
		return;
	}
	if (lease.server_id == 0)
		lease.server_id = c->state == DHCP_REQUESTING ? c->offer.server_id : c->lease.server_id;

	if (c->state == DHCP_REQUESTING) {
		c->offer = lease;
		c->state = DHCP_PROBING;
		c->deadline = now + PROBE_WAIT_NS;
		out->probe_addr = lease.addr;
		out->events |= DHCP_EV_PROBE;
		return;
	}

	c->stats->renewals++;
	c->offer = lease;
	bind(c, out);
}

static void handle_nak(struct dhcp_client *c, const struct dhcp_reply *r, uint64_t now,
		uint32_t random, struct dhcp_output *out)
{
	c->stats->in_naks++;
	if (c->state == DHCP_REQUESTING) {
		if (r->has_server_id && r->server_id != c->offer.server_id)
			return;
		c->state = DHCP_INIT;
		c->deadline = now + NAK_WAIT_NS;
		return;
	}
	if (c->state == DHCP_RENEWING || c->state == DHCP_REBINDING)
		lose_lease(c, now, random, out);
}

void dhcp_client_input(struct dhcp_client *c, struct fata_view msg, uint64_t now,
		uint32_t random, struct dhcp_output *out)
{
	struct dhcp_reply r;

	out->events = 0;
	if (dhcp_reply_parse(msg, &r) != 0 || r.xid != c->xid ||
			memcmp(r.chaddr, c->mac.bytes, 6) != 0) {
		c->stats->in_invalid++;
		return;
	}

	switch (r.type) {
	case DHCPOFFER:
		handle_offer(c, &r, now, random, out);
		break;
	case DHCPACK:
		handle_ack(c, &r, now, out);
		break;
	case DHCPNAK:
		handle_nak(c, &r, now, random, out);
		break;
	default:
		c->stats->in_invalid++;
		break;
	}
}

void dhcp_client_conflict(struct dhcp_client *c, uint64_t now, uint32_t random,
		struct dhcp_output *out)
{
	out->events = 0;
	if (c->state != DHCP_PROBING)
		return;

	/* Section 3.1 step 5: decline the address and start over after a pause. */
	(void)random;
	c->stats->conflicts++;
	emit(c, DHCPDECLINE, now, out);
	c->state = DHCP_INIT;
	c->deadline = now + DECLINE_WAIT_NS;
}

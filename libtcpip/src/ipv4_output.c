/*
 * Sending IPv4 datagrams (RFC 791 section 3.2) and routing them. The limited
 * and subnet broadcast addresses go to the broadcast MAC, and multicast goes
 * to its mapped MAC (RFC 1112 section 6.4). On-link destinations are reached
 * directly through ARP, everything else through the default gateway. A
 * datagram too large for the MTU is fragmented unless the caller requests
 * Don't Fragment.
 * Datagrams to our own address never reach the interface: they wait on the
 * loopback queue and are received from a zero-delay timer, so a sender is
 * never re-entered from inside its own send call.
 */
#include <stdint.h>
#include <string.h>

#include <fata/error.h>
#include <fata/netif.h>

#include "arp.h"
#include "eth.h"
#include "ip.h"
#include "ipv4.h"
#include "packet.h"
#include "tcpip_stack.h"

#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000

/* The link-layer destination of a datagram. */
enum route_kind {
	ROUTE_UNICAST,   /* to `next_hop` through ARP */
	ROUTE_BROADCAST,
	ROUTE_MULTICAST,
	ROUTE_LOCAL,     /* our own address */
};

struct route {
	enum route_kind kind;
	uint32_t next_hop;
};

int ipv4_is_broadcast(const struct tcpip_stack *stack, uint32_t dst)
{
	if (dst == TCPIP_IPV4_BROADCAST)
		return 1;
	if (!stack->has_ipv4 || stack->ipv4_prefix_len > 30)
		return 0;
	/* A subnet's broadcast address has every host bit set (RFC 922). */
	return (dst & stack->ipv4_mask) == (stack->ipv4_addr & stack->ipv4_mask) &&
			(dst & ~stack->ipv4_mask) == ~stack->ipv4_mask;
}

static int find_route(const struct tcpip_stack *stack, uint32_t dst, struct route *r)
{
	r->next_hop = dst;
	if (dst == TCPIP_IPV4_BROADCAST) {
		r->kind = ROUTE_BROADCAST;
		return 0;
	}
	if (tcpip_ipv4_is_multicast(dst)) {
		r->kind = ROUTE_MULTICAST;
		return 0;
	}
	if (!stack->has_ipv4 || dst == 0 || tcpip_ipv4_is_loopback(dst))
		return FATA_ENETUNREACH;

	if (dst == stack->ipv4_addr) {
		r->kind = ROUTE_LOCAL;
	} else if (ipv4_is_broadcast(stack, dst)) {
		r->kind = ROUTE_BROADCAST;
	} else if ((dst & stack->ipv4_mask) == (stack->ipv4_addr & stack->ipv4_mask)) {
		r->kind = ROUTE_UNICAST;
	} else if (stack->ipv4_gateway != 0) {
		r->kind = ROUTE_UNICAST;
		r->next_hop = stack->ipv4_gateway;
	} else {
		return FATA_ENETUNREACH;
	}
	return 0;
}

/*
 * Hands a finished datagram (owned chain, IP header first) to the link,
 * with offload metadata whose offsets count from the IP header (or NULL).
 */
static int send_link(struct tcpip_stack *stack, const struct route *r, uint32_t dst,
		struct fata_chain *chain, const struct fata_netif_meta *meta)
{
	struct fata_mac mac;

	switch (r->kind) {
	case ROUTE_UNICAST:
		return arp_output_meta(stack, r->next_hop, chain, meta);
	case ROUTE_MULTICAST:
		/* 01:00:5e followed by the low 23 bits of the group address. */
		mac.bytes[0] = 0x01;
		mac.bytes[1] = 0x00;
		mac.bytes[2] = 0x5e;
		mac.bytes[3] = (uint8_t)((dst >> 16) & 0x7f);
		mac.bytes[4] = (uint8_t)(dst >> 8);
		mac.bytes[5] = (uint8_t)dst;
		return eth_output_meta(stack, &mac, ETH_TYPE_IPV4, chain, meta);
	default:
		return eth_output_meta(stack, &tcpip_mac_broadcast, ETH_TYPE_IPV4, chain, meta);
	}
}

/* Writes a 20-byte header without options and its checksum. */
static void write_header(struct tcpip_stack *stack, uint8_t *p, uint32_t total_len, uint16_t id,
		uint16_t frag, uint8_t proto, uint32_t src, uint32_t dst)
{
	p[0] = 0x45;
	p[1] = 0;
	tcpip_put16(p + 2, (uint16_t)total_len);
	tcpip_put16(p + 4, id);
	tcpip_put16(p + 6, frag);
	p[8] = stack->config.ipv4_ttl;
	p[9] = proto;
	tcpip_put16(p + 10, 0);
	tcpip_put32(p + 12, src);
	tcpip_put32(p + 16, dst);
	tcpip_put16(p + 10, tcpip_csum_fold(tcpip_csum_add(0, p, IPV4_HLEN)));
}

/* Queues a datagram for ourselves; the loopback timer receives it. */
static int send_local(struct tcpip_stack *stack, struct fata_chain *chain)
{
	struct fata_view flat;
	uint32_t slot;
	int rc;

	if (stack->loopback_count == TCPIP_LOOPBACK_MAX) {
		fata_chain_release(chain);
		return FATA_EAGAIN;
	}
	rc = tcpip_chain_take_flat(chain, 0, &flat);
	if (rc != 0)
		return rc;

	slot = (stack->loopback_head + stack->loopback_count) % TCPIP_LOOPBACK_MAX;
	stack->loopback[slot] = flat;
	stack->loopback_count++;
	stack->stats.ip.loopback++;
	if (!fata_timer_armed(&stack->loopback_timer))
		fata_timer_arm(stack->loop, &stack->loopback_timer, fata_loop_now(stack->loop));
	return 0;
}

void ipv4_loopback_run(void *arg, struct fata_timer *timer)
{
	struct tcpip_stack *stack = arg;
	uint32_t n = stack->loopback_count;

	(void)timer;
	/* Datagrams queued while these run (an echo reply) wait for the next turn. */
	while (n-- > 0 && stack->loopback_count > 0) {
		struct fata_view packet = stack->loopback[stack->loopback_head];

		stack->loopback[stack->loopback_head] = (struct fata_view){ 0 };
		stack->loopback_head = (stack->loopback_head + 1) % TCPIP_LOOPBACK_MAX;
		stack->loopback_count--;
		ipv4_input(stack, packet, 0);
	}
}

void ipv4_loopback_fini(struct tcpip_stack *stack)
{
	fata_timer_cancel(stack->loop, &stack->loopback_timer);
	while (stack->loopback_count > 0) {
		fata_view_release(&stack->loopback[stack->loopback_head]);
		stack->loopback_head = (stack->loopback_head + 1) % TCPIP_LOOPBACK_MAX;
		stack->loopback_count--;
	}
}

/*
 * Sends `chain` (the payload only) in fragments of at most the MTU, each a
 * multiple of 8 payload bytes but the last (RFC 791 section 3.2,
 * "Fragmentation"). The payload is copied, so the caller's views may be
 * shared. Consumes the chain.
 */
static int send_fragments(struct tcpip_stack *stack, const struct route *r, uint32_t src,
		uint32_t dst, uint8_t proto, struct fata_chain *chain)
{
	uint32_t total = chain->len;
	uint32_t max = ((stack->nif->mtu - IPV4_HLEN) / 8) * 8;
	uint16_t id = stack->ip_next_id++;
	int rc = 0;

	for (uint32_t off = 0; off < total && rc == 0; ) {
		uint32_t n = total - off < max ? total - off : max;
		uint16_t frag = (uint16_t)(off / 8);
		struct fata_view view;
		struct fata_chain one;

		if (off + n < total)
			frag |= IPV4_FLAG_MF;
		rc = fata_buf_alloc(FATA_NETIF_HEADROOM + FATA_ETH_HLEN, IPV4_HLEN + n, &view);
		if (rc != 0)
			break;
		write_header(stack, fata_view_data(view), IPV4_HLEN + n, id, frag, proto, src, dst);
		fata_chain_copy_out(chain, off, fata_view_data(view) + IPV4_HLEN, n);

		fata_chain_init(&one);
		fata_chain_append(&one, view);
		rc = send_link(stack, r, dst, &one, NULL);
		stack->stats.ip.frag_creates++;
		off += n;
	}

	fata_chain_release(chain);
	if (rc == 0)
		stack->stats.ip.frag_oks++;
	return rc;
}

/* Counts a failed send by its cause and passes the error on. */
static int count_failure(struct tcpip_stack *stack, int rc)
{
	if (rc == FATA_ENETUNREACH || rc == FATA_EHOSTUNREACH || rc == FATA_EADDRNOTAVAIL)
		stack->stats.ip.out_no_routes++;
	else if (rc == FATA_ENOMEM || rc == FATA_EAGAIN)
		stack->stats.ip.out_discards++;
	return rc;
}

static int choose_source(const struct tcpip_stack *stack, uint32_t *src, int allow_any_source)
{
	if (*src == 0) {
		if (allow_any_source)
			return 0;
		if (!stack->has_ipv4)
			return FATA_ENETUNREACH;
		*src = stack->ipv4_addr;
		return 0;
	}
	/* A host sends only from its own address (no spoofing through the API). */
	if (!stack->has_ipv4 || *src != stack->ipv4_addr)
		return FATA_EADDRNOTAVAIL;
	return 0;
}

/*
 * Completes a partial checksum in software: the field at `csum_offset` of
 * the transport header (the chain's first bytes) contains the pseudo-header
 * sum, so the complement of the sum over all transport bytes is the final
 * checksum (RFC 1071). Used for datagrams that do not reach the device.
 */
static int complete_csum(struct fata_chain *payload, uint16_t csum_offset)
{
	struct fata_view *first = &payload->views[0];
	uint8_t *field;

	if (payload->count == 0 || (size_t)csum_offset + 2 > first->len)
		return FATA_EINVAL;
	field = fata_view_data(*first) + csum_offset;

	/* Zero goes out as all ones, as UDP requires (RFC 768); for TCP the two are equal. */
	uint16_t csum = tcpip_csum_fold(tcpip_csum_chain(0, payload));
	tcpip_put16(field, csum ? csum : 0xffff);
	return 0;
}

int ipv4_output(struct tcpip_stack *stack, uint32_t src, uint32_t dst, uint8_t proto,
		struct fata_chain *payload, int dont_fragment, int allow_any_source)
{
	return ipv4_output_meta(stack, src, dst, proto, payload, dont_fragment, allow_any_source,
			NULL);
}

/* Returns 1 when the metadata requests any offload from the device. */
static int meta_used(const struct fata_netif_meta *meta)
{
	return meta && (meta->flags || meta->gso_type != FATA_NETIF_GSO_NONE);
}

int ipv4_output_meta(struct tcpip_stack *stack, uint32_t src, uint32_t dst, uint8_t proto,
		struct fata_chain *payload, int dont_fragment, int allow_any_source,
		const struct fata_netif_meta *meta)
{
	struct fata_netif_meta ip_meta;
	int gso = meta_used(meta) && meta->gso_type != FATA_NETIF_GSO_NONE;
	struct route r;
	uint8_t *hdr;
	uint32_t len = payload->len;
	int rc;

	stack->stats.ip.out_requests++;
	rc = find_route(stack, dst, &r);
	if (rc == 0)
		rc = choose_source(stack, &src, allow_any_source);
	if (rc == 0 && len + IPV4_HLEN > IPV4_MAX_LEN)
		rc = FATA_EMSGSIZE;
	if (rc != 0) {
		fata_chain_release(payload);
		return count_failure(stack, rc);
	}

	/* Datagrams to ourselves never meet the device, so their checksum is finished here. */
	if (r.kind == ROUTE_LOCAL && meta_used(meta)) {
		if (complete_csum(payload, meta->csum_offset) != 0) {
			fata_chain_release(payload);
			return FATA_EINVAL;
		}
		meta = NULL;
		gso = 0;
	}

	/* A GSO frame is cut into MTU-sized segments by the device, never into IP fragments. */
	if (r.kind != ROUTE_LOCAL && !gso && len + IPV4_HLEN > stack->nif->mtu) {
		if (dont_fragment) {
			stack->stats.ip.frag_fails++;
			fata_chain_release(payload);
			return FATA_EMSGSIZE;
		}
		return count_failure(stack, send_fragments(stack, &r, src, dst, proto, payload));
	}

	rc = tcpip_chain_push(payload, IPV4_HLEN, FATA_NETIF_HEADROOM + FATA_ETH_HLEN, &hdr);
	if (rc != 0) {
		fata_chain_release(payload);
		return count_failure(stack, rc);
	}
	write_header(stack, hdr, len + IPV4_HLEN, stack->ip_next_id++,
			dont_fragment ? IPV4_FLAG_DF : 0, proto, src, dst);

	if (r.kind == ROUTE_LOCAL)
		return count_failure(stack, send_local(stack, payload));
	if (!meta_used(meta))
		return count_failure(stack, send_link(stack, &r, dst, payload, NULL));

	ip_meta = *meta;
	ip_meta.csum_start = (uint16_t)(ip_meta.csum_start + IPV4_HLEN);
	if (gso)
		ip_meta.hdr_len = (uint16_t)(ip_meta.hdr_len + IPV4_HLEN);
	return count_failure(stack, send_link(stack, &r, dst, payload, &ip_meta));
}

/* The functions TCP and UDP use (ip.h). */

int tcpip_ip_output(struct tcpip_stack *stack, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, uint8_t proto, struct fata_chain *payload,
		int dont_fragment)
{
	return tcpip_ip_output_meta(stack, src, dst, proto, payload, dont_fragment, NULL);
}

uint32_t tcpip_ip_offloads(struct tcpip_stack *stack, const struct fata_ipaddr *dst)
{
	/* TODO: IPv6 offloads (TSO6) once IPv6 exists. */
	if (!dst || dst->family != FATA_AF_INET || tcpip_ip_is_local(stack, dst))
		return 0;
	return stack->nif->offloads;
}

int tcpip_ip_output_meta(struct tcpip_stack *stack, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, uint8_t proto, struct fata_chain *payload,
		int dont_fragment, const struct fata_netif_meta *meta)
{
	uint32_t s = 0;

	/* TODO: IPv6 (RFC 8200); until then it has no route. */
	if (!dst || dst->family != FATA_AF_INET ||
			(src && src->family != FATA_AF_INET && src->family != FATA_AF_NONE)) {
		stack->stats.ip.out_requests++;
		stack->stats.ip.out_no_routes++;
		fata_chain_release(payload);
		return FATA_ENETUNREACH;
	}
	if (src && src->family == FATA_AF_INET)
		s = tcpip_ipv4_of(src);
	return ipv4_output_meta(stack, s, tcpip_ipv4_of(dst), proto, payload, dont_fragment, 0,
			meta);
}

uint32_t tcpip_ip_payload_mtu(struct tcpip_stack *stack, const struct fata_ipaddr *dst)
{
	uint32_t mtu = stack->nif->mtu;
	uint32_t header = dst && dst->family == FATA_AF_INET6 ? 40 : IPV4_HLEN;

	/* NOTE: no path MTU cache; TCP learns a smaller MTU from tcp_icmp_error(). */
	if (mtu > IPV4_MAX_LEN)
		mtu = IPV4_MAX_LEN;
	return mtu - header;
}

int tcpip_ip_source_for(struct tcpip_stack *stack, const struct fata_ipaddr *dst,
		struct fata_ipaddr *src)
{
	if (!dst || dst->family != FATA_AF_INET || !stack->has_ipv4)
		return FATA_EADDRNOTAVAIL;
	*src = fata_ipv4_from_u32(stack->ipv4_addr);
	return 0;
}

int tcpip_ip_is_local(struct tcpip_stack *stack, const struct fata_ipaddr *addr)
{
	return addr && addr->family == FATA_AF_INET && stack->has_ipv4 &&
			tcpip_ipv4_of(addr) == stack->ipv4_addr;
}

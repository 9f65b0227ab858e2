/*
 * ARP for IPv4 over Ethernet (RFC 826), with the timing rules of RFC 1122
 * section 2.3.2 and the probes, announcements and defence of RFC 5227.
 *
 * A destination without an entry gets an INCOMPLETE one and a broadcast
 * request, and packets for it wait on the entry's bounded queue. Requests
 * are repeated once a second, the rate RFC 1122 section 2.3.2.1 allows, up
 * to ARP_MAX_TRIES times. After that the queue is dropped and TCP learns of
 * it as an unreachable host. A REACHABLE entry lives ARP_REACHABLE_NS;
 * when one is used in its last ARP_REFRESH_NS, a unicast request refreshes
 * it, so a busy flow never loses its neighbour. One timer serves every
 * entry and the announcements, armed for the earliest deadline.
 */
#include <stdint.h>
#include <string.h>

#include <fata/error.h>
#include <fata/log.h>
#include <fata/netif.h>

#include "arp.h"
#include "dhcp.h"
#include "eth.h"
#include "ipv4.h"
#include "packet.h"
#include "tcp.h"
#include "tcpip_stack.h"

#define NS_PER_S UINT64_C(1000000000)

#define ARP_RETRY_NS (1 * NS_PER_S)
#define ARP_MAX_TRIES 3
#define ARP_REACHABLE_NS (60 * NS_PER_S)
#define ARP_REFRESH_NS (10 * NS_PER_S)
/* RFC 5227 section 1.1: ANNOUNCE_NUM, ANNOUNCE_INTERVAL and DEFEND_INTERVAL. */
#define ARP_ANNOUNCE_NUM 2
#define ARP_ANNOUNCE_INTERVAL_NS (2 * NS_PER_S)
#define ARP_DEFEND_INTERVAL_NS (10 * NS_PER_S)

#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_HTYPE_ETHERNET 1
#define ARP_LEN 28
/* ARP frames are padded to Ethernet's 60-byte minimum without the FCS. */
#define ARP_PADDED_LEN 46

static const struct fata_mac zero_mac;

static void arp_timer_fired(void *arg, struct fata_timer *timer);

int arp_init(struct tcpip_stack *stack)
{
	struct arp_layer *arp = &stack->arp;

	memset(arp, 0, sizeof(*arp));
	fata_timer_init(&arp->timer, arp_timer_fired, stack);
	return arp_cache_init(&arp->cache, stack->config.arp_cache_size,
			stack->config.arp_queue_len);
}

void arp_fini(struct tcpip_stack *stack)
{
	fata_timer_cancel(stack->loop, &stack->arp.timer);
	arp_cache_fini(&stack->arp.cache);
}

/* Sends one ARP packet from our MAC; `eth_dst` is the frame's destination. */
static int send_arp(struct tcpip_stack *stack, uint16_t op, const struct fata_mac *eth_dst,
		uint32_t spa, const struct fata_mac *tha, uint32_t tpa)
{
	struct fata_view view;
	uint8_t *p;
	int rc;

	rc = fata_buf_alloc(FATA_NETIF_HEADROOM + FATA_ETH_HLEN, ARP_PADDED_LEN, &view);
	if (rc != 0)
		return rc;

	p = fata_view_data(view);
	memset(p, 0, ARP_PADDED_LEN);
	tcpip_put16(p, ARP_HTYPE_ETHERNET);
	tcpip_put16(p + 2, ETH_TYPE_IPV4);
	p[4] = 6;
	p[5] = 4;
	tcpip_put16(p + 6, op);
	memcpy(p + 8, stack->nif->mac.bytes, 6);
	tcpip_put32(p + 14, spa);
	memcpy(p + 18, tha->bytes, 6);
	tcpip_put32(p + 24, tpa);
	return eth_output_view(stack, eth_dst, ETH_TYPE_ARP, view);
}

static void send_request(struct tcpip_stack *stack, const struct fata_mac *eth_dst, uint32_t tpa)
{
	stack->stats.arp.out_requests++;
	send_arp(stack, ARP_OP_REQUEST, eth_dst, stack->ipv4_addr, &zero_mac, tpa);
}

/* Returns the earliest deadline of the entries and the announcements. */
static uint64_t next_deadline(const struct tcpip_stack *stack)
{
	const struct arp_layer *arp = &stack->arp;
	uint64_t next = UINT64_MAX;

	for (uint32_t i = 0; i < arp->cache.capacity; i++) {
		const struct arp_entry *e = &arp->cache.entries[i];

		if (e->state != ARP_FREE && e->deadline < next)
			next = e->deadline;
	}
	if (arp->announce_left > 0 && arp->announce_at < next)
		next = arp->announce_at;
	return next;
}

static void schedule(struct tcpip_stack *stack)
{
	uint64_t next = next_deadline(stack);

	stack->stats.arp.entries = stack->arp.cache.count;
	if (next == UINT64_MAX)
		fata_timer_cancel(stack->loop, &stack->arp.timer);
	else
		fata_timer_arm(stack->loop, &stack->arp.timer, next);
}

/* Tells TCP about each queued segment whose next hop never replied. */
static void report_unreachable(struct tcpip_stack *stack, struct fata_view packet)
{
	struct fata_ipaddr src, dst;
	struct fata_view quoted;
	uint8_t vhl, proto;
	uint32_t s, d;
	size_t hlen;

	if (fata_view_get_u8(packet, 0, &vhl) != 0 || fata_view_get_u8(packet, 9, &proto) != 0 ||
			fata_view_get_be32(packet, 12, &s) != 0 ||
			fata_view_get_be32(packet, 16, &d) != 0)
		return;

	hlen = (size_t)(vhl & 0xf) * 4;
	if (proto != IPV4_PROTO_TCP || fata_view_slice(packet, hlen, packet.len - hlen, &quoted) != 0)
		return;

	src = fata_ipv4_from_u32(s);
	dst = fata_ipv4_from_u32(d);
	tcp_icmp_error(stack->tcp, &src, &dst, quoted, FATA_EHOSTUNREACH, 0);
}

/* Gives up on an INCOMPLETE entry after its last request went unanswered. */
static void resolution_failed(struct tcpip_stack *stack, struct arp_entry *e)
{
	struct fata_view packet;
	char text[FATA_IPADDR_STRLEN];
	struct fata_ipaddr ip = fata_ipv4_from_u32(e->ip);

	fata_ipaddr_format(&ip, text, sizeof(text));
	fata_log(FATA_LOG_DEBUG, "arp", "%s: no reply from %s after %d requests; dropping %u packets",
			stack->nif->name, text, ARP_MAX_TRIES, (unsigned)e->queued);

	stack->stats.arp.failed++;
	while (arp_cache_dequeue(e, &packet, NULL)) {
		stack->stats.arp.queue_drops++;
		report_unreachable(stack, packet);
		fata_view_release(&packet);
	}
	arp_cache_remove(&stack->arp.cache, e);
}

static void run_entry_timer(struct tcpip_stack *stack, struct arp_entry *e, uint64_t now)
{
	if (e->state == ARP_INCOMPLETE) {
		if (e->tries >= ARP_MAX_TRIES) {
			resolution_failed(stack, e);
			return;
		}
		e->tries++;
		e->deadline = now + ARP_RETRY_NS;
		send_request(stack, &tcpip_mac_broadcast, e->ip);
		return;
	}

	stack->stats.arp.expired++;
	arp_cache_remove(&stack->arp.cache, e);
}

static void send_announcement(struct tcpip_stack *stack)
{
	stack->stats.arp.out_announcements++;
	send_arp(stack, ARP_OP_REQUEST, &tcpip_mac_broadcast, stack->ipv4_addr, &zero_mac,
			stack->ipv4_addr);
}

static void arp_timer_fired(void *arg, struct fata_timer *timer)
{
	struct tcpip_stack *stack = arg;
	struct arp_layer *arp = &stack->arp;
	uint64_t now = fata_loop_now(stack->loop);

	(void)timer;
	for (uint32_t i = 0; i < arp->cache.capacity; i++) {
		struct arp_entry *e = &arp->cache.entries[i];

		if (e->state != ARP_FREE && e->deadline <= now)
			run_entry_timer(stack, e, now);
	}

	if (arp->announce_left > 0 && arp->announce_at <= now) {
		if (stack->has_ipv4)
			send_announcement(stack);
		arp->announce_left--;
		arp->announce_at = now + ARP_ANNOUNCE_INTERVAL_NS;
	}
	schedule(stack);
}

void arp_announce(struct tcpip_stack *stack)
{
	struct arp_layer *arp = &stack->arp;

	send_announcement(stack);
	arp->announce_left = ARP_ANNOUNCE_NUM - 1;
	arp->announce_at = fata_loop_now(stack->loop) + ARP_ANNOUNCE_INTERVAL_NS;
	schedule(stack);
}

void arp_probe(struct tcpip_stack *stack, uint32_t addr)
{
	stack->arp.probe_addr = addr;
	if (addr == 0)
		return;

	/* RFC 5227 section 2.1.1: sender IP 0, so no host caches the candidate. */
	stack->stats.arp.out_probes++;
	send_arp(stack, ARP_OP_REQUEST, &tcpip_mac_broadcast, 0, &zero_mac, addr);
}

void arp_flush(struct tcpip_stack *stack)
{
	struct arp_cache *cache = &stack->arp.cache;

	for (uint32_t i = 0; i < cache->capacity; i++) {
		if (cache->entries[i].state != ARP_FREE)
			stack->stats.arp.queue_drops += arp_cache_remove(cache, &cache->entries[i]);
	}
	schedule(stack);
}

/* Sends the packets that waited for `e` now that its MAC is known. */
static void flush_queue(struct tcpip_stack *stack, struct arp_entry *e)
{
	struct fata_view packet;
	struct fata_netif_meta meta;

	while (arp_cache_dequeue(e, &packet, &meta)) {
		struct fata_chain chain;

		fata_chain_init(&chain);
		if (fata_chain_append(&chain, packet) != 0) {
			fata_view_release(&packet);
			continue;
		}
		eth_output_meta(stack, &e->mac, ETH_TYPE_IPV4, &chain, &meta);
	}
}

/* Records `mac` for `e` and sends what waited for it. */
static void learn(struct tcpip_stack *stack, struct arp_entry *e, const struct fata_mac *mac,
		uint64_t now)
{
	if (e->state == ARP_INCOMPLETE)
		stack->stats.arp.resolved++;
	e->mac = *mac;
	e->state = ARP_REACHABLE;
	e->deadline = now + ARP_REACHABLE_NS;
	e->refresh_sent = 0;
	if (e->last_used == 0)
		e->last_used = now;
	flush_queue(stack, e);
}

/* The fields of an Ethernet/IPv4 ARP packet (RFC 826 "Packet format"). */
struct arp_packet {
	uint16_t op;
	struct fata_mac sha, tha;
	uint32_t spa, tpa;
};

static int parse(struct fata_view v, struct arp_packet *out)
{
	struct fata_reader r;
	uint16_t htype, ptype;
	uint8_t hlen, plen;

	fata_reader_init(&r, v);
	htype = fata_reader_be16(&r);
	ptype = fata_reader_be16(&r);
	hlen = fata_reader_u8(&r);
	plen = fata_reader_u8(&r);
	out->op = fata_reader_be16(&r);
	fata_reader_bytes(&r, out->sha.bytes, 6);
	out->spa = fata_reader_be32(&r);
	fata_reader_bytes(&r, out->tha.bytes, 6);
	out->tpa = fata_reader_be32(&r);

	if (r.err != 0 || htype != ARP_HTYPE_ETHERNET || ptype != ETH_TYPE_IPV4 || hlen != 6 ||
			plen != 4)
		return FATA_EBADMSG;
	if (out->op != ARP_OP_REQUEST && out->op != ARP_OP_REPLY)
		return FATA_EBADMSG;
	/* A group MAC cannot be a neighbour's address. */
	if (tcpip_mac_is_group(&out->sha))
		return FATA_EBADMSG;
	return 0;
}

/* RFC 5227 section 2.1.1: any claim on the probed address is a conflict. */
static void check_probe(struct tcpip_stack *stack, const struct arp_packet *a, int from_us)
{
	uint32_t probed = stack->arp.probe_addr;

	if (probed == 0 || from_us)
		return;
	if (a->spa == probed || (a->op == ARP_OP_REQUEST && a->spa == 0 && a->tpa == probed))
		dhcp_probe_conflict(stack);
}

/* RFC 5227 section 2.4 (b): defend our address at most once per DEFEND_INTERVAL. */
static void handle_conflict(struct tcpip_stack *stack, const struct arp_packet *a, uint64_t now)
{
	struct arp_layer *arp = &stack->arp;
	char mac[FATA_MAC_STRLEN];

	stack->stats.arp.in_conflicts++;
	if (arp->defended && now - arp->last_defense < ARP_DEFEND_INTERVAL_NS)
		return;

	fata_mac_format(&a->sha, mac, sizeof(mac));
	fata_log(FATA_LOG_WARN, "arp", "%s: host %s claims our address; defending it",
			stack->nif->name, mac);
	arp->defended = 1;
	arp->last_defense = now;
	send_announcement(stack);
}

void arp_input(struct tcpip_stack *stack, struct fata_view packet)
{
	struct fata_tcpip_arp_stats *st = &stack->stats.arp;
	uint64_t now = fata_loop_now(stack->loop);
	struct arp_packet a;
	struct arp_entry *e;
	int from_us, for_us, merged = 0;

	if (parse(packet, &a) != 0) {
		st->in_invalid++;
		fata_view_release(&packet);
		return;
	}
	fata_view_release(&packet);

	if (a.op == ARP_OP_REQUEST)
		st->in_requests++;
	else
		st->in_replies++;

	from_us = memcmp(a.sha.bytes, stack->nif->mac.bytes, 6) == 0;
	check_probe(stack, &a, from_us);
	if (from_us)
		return;

	if (stack->has_ipv4 && a.spa == stack->ipv4_addr) {
		handle_conflict(stack, &a, now);
		return;
	}

	/* A probe (sender 0.0.0.0) names no address to learn. */
	if (a.spa == 0)
		goto answer;

	/* RFC 826: update an existing entry for the sender, whatever the target address. */
	e = arp_cache_lookup(&stack->arp.cache, a.spa);
	if (e) {
		learn(stack, e, &a.sha, now);
		merged = 1;
	}

	for_us = stack->has_ipv4 && a.tpa == stack->ipv4_addr;
	if (for_us && !merged) {
		uint32_t dropped;
		int evicted;

		e = arp_cache_insert(&stack->arp.cache, a.spa, &dropped, &evicted);
		st->evictions += (uint64_t)evicted;
		st->queue_drops += dropped;
		if (e) {
			learn(stack, e, &a.sha, now);
			schedule(stack);
		}
	}

answer:
	if (a.op == ARP_OP_REQUEST && stack->has_ipv4 && a.tpa == stack->ipv4_addr) {
		st->out_replies++;
		send_arp(stack, ARP_OP_REPLY, &a.sha, stack->ipv4_addr, &a.sha, a.spa);
	}
}

/* Sends a unicast request when a used entry nears its end (RFC 1122 2.3.2.1). */
static void maybe_refresh(struct tcpip_stack *stack, struct arp_entry *e, uint64_t now)
{
	if (now + ARP_REFRESH_NS < e->deadline)
		return;
	if (e->refresh_sent != 0 && now - e->refresh_sent < ARP_RETRY_NS)
		return;
	e->refresh_sent = now;
	send_request(stack, &e->mac, e->ip);
}

/* Creates an INCOMPLETE entry for `ip` and sends the first request. */
static struct arp_entry *start_resolution(struct tcpip_stack *stack, uint32_t ip, uint64_t now)
{
	struct arp_entry *e;
	uint32_t dropped;
	int evicted;

	e = arp_cache_insert(&stack->arp.cache, ip, &dropped, &evicted);
	stack->stats.arp.evictions += (uint64_t)evicted;
	stack->stats.arp.queue_drops += dropped;
	if (!e)
		return NULL;

	e->state = ARP_INCOMPLETE;
	e->tries = 1;
	e->deadline = now + ARP_RETRY_NS;
	e->last_used = now;
	send_request(stack, &tcpip_mac_broadcast, ip);
	schedule(stack);
	return e;
}

int arp_output(struct tcpip_stack *stack, uint32_t next_hop, struct fata_chain *packet)
{
	return arp_output_meta(stack, next_hop, packet, NULL);
}

int arp_output_meta(struct tcpip_stack *stack, uint32_t next_hop, struct fata_chain *packet,
		const struct fata_netif_meta *meta)
{
	uint64_t now = fata_loop_now(stack->loop);
	struct arp_entry *e = arp_cache_lookup(&stack->arp.cache, next_hop);
	struct fata_view flat;
	int rc;

	if (e && e->state == ARP_REACHABLE) {
		e->last_used = now;
		maybe_refresh(stack, e, now);
		return eth_output_meta(stack, &e->mac, ETH_TYPE_IPV4, packet, meta);
	}

	if (!e)
		e = start_resolution(stack, next_hop, now);
	if (!e) {
		fata_chain_release(packet);
		return FATA_ENOMEM;
	}

	/* The queue keeps one view per packet with room for the Ethernet header. */
	rc = tcpip_chain_take_flat(packet, FATA_NETIF_HEADROOM + FATA_ETH_HLEN, &flat);
	if (rc != 0)
		return rc;

	rc = arp_cache_enqueue(&stack->arp.cache, e, flat, meta);
	if (rc != 0) {
		stack->stats.arp.queue_drops++;
		fata_view_release(&flat);
		return rc == FATA_ELIMIT ? FATA_EAGAIN : rc;
	}
	stack->stats.arp.queued++;
	return 0;
}

/*
 * Receiving IPv4 datagrams (RFC 791 section 3.1, RFC 1122 section 3.2.1).
 *
 * The header is checked before anything else reads it: version 4, a header
 * length of at least 20 bytes inside the frame, a total length inside the
 * frame and the header checksum. Bytes after the total length are Ethernet
 * padding and are cut off. Options are not interpreted; the header length skips them. Only
 * datagrams for our address or a broadcast address are accepted, because a
 * host does not forward. Fragments go to reassembly first.
 */
#include <stdint.h>
#include <string.h>

#include <fata/error.h>
#include <fata/netif.h>

#include "icmp.h"
#include "ip.h"
#include "ipv4.h"
#include "packet.h"
#include "reasm.h"
#include "tcp.h"
#include "tcpip_stack.h"
#include "udp.h"

#define IPV4_FLAG_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff

/* The header fields read before the datagram is accepted. */
struct ipv4_header {
	uint8_t version, ihl, ttl, proto;
	uint16_t total_len, id, frag;
	uint32_t src, dst;
};

static int parse_header(struct fata_view packet, struct ipv4_header *h)
{
	struct fata_reader r;
	uint8_t vhl;

	fata_reader_init(&r, packet);
	vhl = fata_reader_u8(&r);
	fata_reader_skip(&r, 1);
	h->total_len = fata_reader_be16(&r);
	h->id = fata_reader_be16(&r);
	h->frag = fata_reader_be16(&r);
	h->ttl = fata_reader_u8(&r);
	h->proto = fata_reader_u8(&r);
	fata_reader_skip(&r, 2);
	h->src = fata_reader_be32(&r);
	h->dst = fata_reader_be32(&r);
	h->version = vhl >> 4;
	h->ihl = vhl & 0xf;
	return r.err;
}

/* Checks the header; trims `packet` to the total length. Returns 0 or counts the error. */
static int validate(struct tcpip_stack *stack, struct fata_view *packet, const struct ipv4_header *h)
{
	struct fata_tcpip_ip_stats *st = &stack->stats.ip;
	size_t hlen = (size_t)h->ihl * 4;

	if (h->version != 4 || h->ihl < 5 || hlen > packet->len || h->total_len < hlen) {
		st->in_hdr_errors++;
		return FATA_EBADMSG;
	}
	if (h->total_len > packet->len) {
		st->in_truncated++;
		return FATA_EBADMSG;
	}
	fata_view_trim(packet, h->total_len);

	if (tcpip_csum_fold(tcpip_csum_add(0, fata_view_data(*packet), hlen)) != 0) {
		st->in_hdr_errors++;
		st->in_csum_errors++;
		return FATA_EBADMSG;
	}
	return 0;
}

/* RFC 1122 section 3.2.1.3: a source must name one host. */
static int source_is_host(const struct tcpip_stack *stack, uint32_t src)
{
	if (tcpip_ipv4_is_multicast(src) || tcpip_ipv4_is_loopback(src))
		return 0;
	return !ipv4_is_broadcast(stack, src);
}

/* Returns 1 when the datagram is for this host, setting rx->ip_broadcast. */
static int accept_destination(const struct tcpip_stack *stack, struct ipv4_rx *rx)
{
	if (stack->has_ipv4 && rx->dst == stack->ipv4_addr)
		return 1;
	if (ipv4_is_broadcast(stack, rx->dst)) {
		rx->ip_broadcast = 1;
		return 1;
	}

	/* Before DHCP binds, a server may unicast its reply to the offered address. */
	if (!stack->has_ipv4 && rx->proto == IPV4_PROTO_UDP && !tcpip_ipv4_is_multicast(rx->dst))
		return 1;
	return 0;
}

static void deliver_tcp(struct tcpip_stack *stack, struct fata_view packet,
		const struct ipv4_rx *rx)
{
	struct fata_ipaddr src = fata_ipv4_from_u32(rx->src);
	struct fata_ipaddr dst = fata_ipv4_from_u32(rx->dst);
	struct fata_view segment;
	int csum_ok = rx->csum_ok;

	/* RFC 1122 section 4.2.3.10: TCP ignores segments to broadcast addresses. */
	if (rx->ip_broadcast || rx->link_broadcast) {
		stack->stats.ip.in_addr_errors++;
		fata_view_release(&packet);
		return;
	}

	fata_view_slice(packet, rx->header_len, packet.len - rx->header_len, &segment);
	segment = fata_view_ref(segment);
	fata_view_release(&packet);
	stack->stats.ip.in_delivers++;
	tcp_input_gro(stack->tcp, &src, &dst, segment, csum_ok, rx->gso_size);
}

/* Hands a whole datagram to its transport. */
static void deliver(struct tcpip_stack *stack, struct fata_view packet, const struct ipv4_rx *rx)
{
	switch (rx->proto) {
	case IPV4_PROTO_ICMP:
		stack->stats.ip.in_delivers++;
		icmp_input(stack, packet, rx);
		break;
	case IPV4_PROTO_UDP:
		stack->stats.ip.in_delivers++;
		udp_input(stack, packet, rx);
		break;
	case IPV4_PROTO_TCP:
		deliver_tcp(stack, packet, rx);
		break;
	default:
		stack->stats.ip.in_unknown_protos++;
		icmp_send_error(stack, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTOCOL, 0, packet, rx);
		fata_view_release(&packet);
		break;
	}
}

/* Passes a fragment to reassembly and delivers the datagram it completes. */
static void reassemble(struct tcpip_stack *stack, struct fata_view packet,
		const struct ipv4_header *h, struct ipv4_rx *rx)
{
	struct reasm_fragment frag;
	struct fata_view payload, datagram;
	uint64_t now = fata_loop_now(stack->loop);

	frag.src = h->src;
	frag.dst = h->dst;
	frag.id = h->id;
	frag.proto = h->proto;
	frag.offset = (uint32_t)(h->frag & IPV4_OFFSET_MASK) * 8;
	frag.more = (h->frag & IPV4_FLAG_MF) != 0;
	frag.header = fata_view_data(packet);
	frag.header_len = rx->header_len;

	fata_view_slice(packet, rx->header_len, packet.len - rx->header_len, &payload);
	payload = fata_view_ref(payload);

	/* The header is copied by reasm_input() before the frame is released. */
	if (reasm_input(&stack->reasm, &frag, payload, now, &datagram) == 1) {
		uint8_t vhl = fata_view_data(datagram)[0];

		/* The whole datagram carries the first fragment's header, whatever its length. */
		rx->header_len = (uint16_t)((vhl & 0xf) * 4);
		rx->csum_ok = 0;
		rx->gso_size = 0;
		fata_view_release(&packet);
		tcpip_reasm_schedule(stack);
		deliver(stack, datagram, rx);
		return;
	}
	fata_view_release(&packet);
	tcpip_reasm_schedule(stack);
}

void ipv4_input(struct tcpip_stack *stack, struct fata_view packet, int link_broadcast)
{
	ipv4_input_checked(stack, packet, link_broadcast, 0, 0);
}

void ipv4_input_checked(struct tcpip_stack *stack, struct fata_view packet, int link_broadcast,
		int csum_ok, uint16_t gso_size)
{
	struct fata_tcpip_ip_stats *st = &stack->stats.ip;
	struct ipv4_header h;
	struct ipv4_rx rx;

	st->in_receives++;
	if (parse_header(packet, &h) != 0) {
		st->in_hdr_errors++;
		fata_view_release(&packet);
		return;
	}
	if (validate(stack, &packet, &h) != 0) {
		fata_view_release(&packet);
		return;
	}

	memset(&rx, 0, sizeof(rx));
	rx.src = h.src;
	rx.dst = h.dst;
	rx.proto = h.proto;
	rx.ttl = h.ttl;
	rx.header_len = (uint16_t)(h.ihl * 4);
	rx.link_broadcast = (uint8_t)(link_broadcast != 0);
	rx.csum_ok = (uint8_t)(csum_ok != 0);
	rx.gso_size = gso_size;

	if (!source_is_host(stack, h.src) || !accept_destination(stack, &rx)) {
		st->in_addr_errors++;
		fata_view_release(&packet);
		return;
	}

	if ((h.frag & (IPV4_FLAG_MF | IPV4_OFFSET_MASK)) != 0) {
		reassemble(stack, packet, &h, &rx);
		return;
	}
	deliver(stack, packet, &rx);
}

/* Sends Time Exceeded for a datagram whose reassembly timed out. */
static void reasm_timed_out(void *arg, const uint8_t *header, size_t header_len,
		struct fata_view first_payload)
{
	struct tcpip_stack *stack = arg;
	struct fata_view quoted;
	struct ipv4_rx rx;
	size_t quote_len = first_payload.len < 8 ? first_payload.len : 8;

	if (fata_buf_alloc(0, header_len + quote_len, &quoted) != 0)
		return;
	memcpy(fata_view_data(quoted), header, header_len);
	fata_view_copy_out(first_payload, 0, fata_view_data(quoted) + header_len, quote_len);

	memset(&rx, 0, sizeof(rx));
	rx.src = tcpip_get32(header + 12);
	rx.dst = tcpip_get32(header + 16);
	rx.proto = header[9];
	rx.header_len = (uint16_t)header_len;
	rx.ip_broadcast = (uint8_t)ipv4_is_broadcast(stack, rx.dst);
	icmp_send_error(stack, ICMP_TIME_EXCEEDED, ICMP_EXC_REASSEMBLY, 0, quoted, &rx);
	fata_view_release(&quoted);
}

void ipv4_reasm_timer_fired(void *arg, struct fata_timer *timer)
{
	struct tcpip_stack *stack = arg;

	(void)timer;
	reasm_expire(&stack->reasm, fata_loop_now(stack->loop), reasm_timed_out, stack);
	tcpip_reasm_schedule(stack);
}

void tcpip_reasm_schedule(struct tcpip_stack *stack)
{
	uint64_t next = reasm_next_deadline(&stack->reasm);

	if (next == UINT64_MAX)
		fata_timer_cancel(stack->loop, &stack->reasm_timer);
	else if (!fata_timer_armed(&stack->reasm_timer) || stack->reasm_timer.deadline != next)
		fata_timer_arm(stack->loop, &stack->reasm_timer, next);
}

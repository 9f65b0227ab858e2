/*
 * ICMPv4 (RFC 792) with the host rules of RFC 1122 section 3.2.2.
 *
 * Echo replies are built in place when the received buffer is ours
 * alone, so a large (reassembled) echo costs no copy. Errors this host
 * sends quote the offending datagram's header and as much of its data as
 * keeps the reply within 576 bytes (RFC 1812 section 4.3.2.3). They pass a
 * token bucket, and are never sent about an ICMP error, a broadcast, a
 * non-initial fragment or a source that is not one host. Errors received about our own
 * TCP segments go to TCP as fata_error codes.
 */
#include <stdint.h>
#include <string.h>

#include <fata/error.h>

#include "icmp.h"
#include "ip.h"
#include "ipv4.h"
#include "packet.h"
#include "tcp.h"
#include "tcpip_stack.h"

#define ICMP_HLEN 8
/* The largest error message: IP header, ICMP header and quote within 576 bytes. */
#define ICMP_ERROR_MAX_QUOTE (576 - IPV4_HLEN - ICMP_HLEN)

#define NS_PER_S UINT64_C(1000000000)

void icmp_ratelimit_init(struct icmp_ratelimit *rl, uint32_t rate, uint32_t burst, uint64_t now)
{
	rl->cost_ns = rate > 0 ? NS_PER_S / rate : NS_PER_S;
	rl->max_ns = rl->cost_ns * (burst > 0 ? burst : 1);
	rl->credit_ns = rl->max_ns;
	rl->last_ns = now;
}

int icmp_ratelimit_take(struct icmp_ratelimit *rl, uint64_t now)
{
	uint64_t elapsed = now - rl->last_ns;

	rl->last_ns = now;
	if (elapsed > rl->max_ns - rl->credit_ns)
		rl->credit_ns = rl->max_ns;
	else
		rl->credit_ns += elapsed;

	if (rl->credit_ns < rl->cost_ns)
		return 0;
	rl->credit_ns -= rl->cost_ns;
	return 1;
}

/* Returns 1 for the query types of RFC 792 and RFC 950, which may get errors. */
static int is_query(uint8_t type)
{
	switch (type) {
	case ICMP_ECHO_REPLY:
	case ICMP_ECHO:
	case 13: case 14: /* timestamp and its reply */
	case 15: case 16: /* information request and reply */
	case 17: case 18: /* address mask request and reply */
		return 1;
	default:
		return 0;
	}
}

/* RFC 1122 section 3.2.2: returns 1 when no error may be sent about `packet`. */
static int must_not_report(struct tcpip_stack *stack, struct fata_view packet,
		const struct ipv4_rx *rx)
{
	uint16_t frag;
	uint8_t inner_type;

	if (rx->ip_broadcast || rx->link_broadcast)
		return 1;
	if (rx->src == 0 || tcpip_ipv4_is_multicast(rx->src) || tcpip_ipv4_is_loopback(rx->src) ||
			ipv4_is_broadcast(stack, rx->src))
		return 1;
	if (fata_view_get_be16(packet, 6, &frag) != 0 || (frag & 0x1fff) != 0)
		return 1;
	if (rx->proto == IPV4_PROTO_ICMP) {
		if (fata_view_get_u8(packet, rx->header_len, &inner_type) != 0 || !is_query(inner_type))
			return 1;
	}
	return 0;
}

void icmp_send_error(struct tcpip_stack *stack, uint8_t type, uint8_t code, uint32_t param,
		struct fata_view packet, const struct ipv4_rx *rx)
{
	struct fata_tcpip_icmp_stats *st = &stack->stats.icmp;
	size_t quote = packet.len < ICMP_ERROR_MAX_QUOTE ? packet.len : ICMP_ERROR_MAX_QUOTE;
	struct fata_chain chain;
	struct fata_view msg;
	uint8_t *p;

	if (!stack->has_ipv4 || must_not_report(stack, packet, rx)) {
		st->out_suppressed++;
		return;
	}
	if (!icmp_ratelimit_take(&stack->icmp_rl, fata_loop_now(stack->loop))) {
		st->out_rate_limited++;
		return;
	}
	if (fata_buf_alloc(TCPIP_HEADROOM, ICMP_HLEN + quote, &msg) != 0)
		return;

	p = fata_view_data(msg);
	p[0] = type;
	p[1] = code;
	tcpip_put16(p + 2, 0);
	tcpip_put32(p + 4, param);
	fata_view_copy_out(packet, 0, p + ICMP_HLEN, quote);
	tcpip_put16(p + 2, tcpip_csum_fold(tcpip_csum_add(0, p, ICMP_HLEN + quote)));

	fata_chain_init(&chain);
	fata_chain_append(&chain, msg);
	st->out_msgs++;
	if (type == ICMP_DEST_UNREACH)
		st->out_dest_unreachs++;
	else if (type == ICMP_TIME_EXCEEDED)
		st->out_time_excds++;
	ipv4_output(stack, 0, rx->src, IPV4_PROTO_ICMP, &chain, 0, 0);
}

/* Sends an echo reply with the same identifier, sequence number and data. */
static void answer_echo(struct tcpip_stack *stack, struct fata_view packet,
		const struct ipv4_rx *rx)
{
	struct fata_chain chain;
	struct fata_view msg;

	/* RFC 1122 section 3.2.2.6 allows ignoring echoes to broadcast addresses, against smurf floods. */
	if (rx->ip_broadcast || rx->link_broadcast) {
		stack->stats.icmp.echo_broadcast_ignored++;
		fata_view_release(&packet);
		return;
	}

	if (packet.block->refs == 1) {
		msg = packet;
		fata_view_pull(&msg, rx->header_len);
	} else {
		struct fata_view body;

		fata_view_slice(packet, rx->header_len, packet.len - rx->header_len, &body);
		int rc = fata_buf_copy(fata_view_data(body), body.len, TCPIP_HEADROOM, &msg);
		fata_view_release(&packet);
		if (rc != 0)
			return;
	}

	fata_view_set_u8(msg, 0, ICMP_ECHO_REPLY);
	fata_view_set_be16(msg, 2, 0);
	fata_view_set_be16(msg, 2, tcpip_csum_fold(tcpip_csum_view(0, msg)));

	fata_chain_init(&chain);
	fata_chain_append(&chain, msg);
	stack->stats.icmp.out_msgs++;
	stack->stats.icmp.out_echo_reps++;
	ipv4_output(stack, 0, rx->src, IPV4_PROTO_ICMP, &chain, 0, 0);
}

/* Maps an unreachable code to the error TCP reports (RFC 1122 section 4.2.3.9). */
static int unreach_error(uint8_t code)
{
	switch (code) {
	case ICMP_UNREACH_NET:
	case 6:  /* destination network unknown */
	case 9:  /* network administratively prohibited */
	case 11: /* network unreachable for type of service */
		return FATA_ENETUNREACH;
	case ICMP_UNREACH_PROTOCOL:
	case ICMP_UNREACH_PORT:
		return FATA_ECONNREFUSED;
	case ICMP_UNREACH_NEEDFRAG:
		return FATA_EMSGSIZE;
	default:
		return FATA_EHOSTUNREACH;
	}
}

/* Passes an error about one of our datagrams to the transport that sent it. */
static void handle_error(struct tcpip_stack *stack, struct fata_view msg, uint8_t type,
		uint8_t code)
{
	struct fata_view inner, quoted;
	struct fata_ipaddr src, dst;
	uint8_t vhl, proto;
	uint16_t mtu = 0;
	uint32_t s, d;
	size_t hlen;
	int err;

	if (fata_view_slice(msg, ICMP_HLEN, msg.len - ICMP_HLEN, &inner) != 0 ||
			fata_view_get_u8(inner, 0, &vhl) != 0 || fata_view_get_u8(inner, 9, &proto) != 0 ||
			fata_view_get_be32(inner, 12, &s) != 0 || fata_view_get_be32(inner, 16, &d) != 0) {
		stack->stats.icmp.in_errors++;
		return;
	}

	/* RFC 792: the quote contains the whole header and at least 8 data bytes. */
	hlen = (size_t)(vhl & 0xf) * 4;
	if ((vhl >> 4) != 4 || hlen < IPV4_HLEN || inner.len < hlen + 8) {
		stack->stats.icmp.in_errors++;
		return;
	}
	if (!stack->has_ipv4 || s != stack->ipv4_addr) {
		stack->stats.icmp.in_quote_ignored++;
		return;
	}

	if (type == ICMP_DEST_UNREACH) {
		err = unreach_error(code);
		if (code == ICMP_UNREACH_NEEDFRAG)
			fata_view_get_be16(msg, 6, &mtu); /* RFC 1191 section 4: next-hop MTU */
	} else if (type == ICMP_PARAM_PROBLEM) {
		err = FATA_EPROTO;
	} else {
		err = FATA_EHOSTUNREACH;
	}

	/* NOTE: UDP sockets are unconnected, so errors about UDP are only counted. */
	if (proto != IPV4_PROTO_TCP)
		return;
	fata_view_slice(inner, hlen, inner.len - hlen, &quoted);
	src = fata_ipv4_from_u32(s);
	dst = fata_ipv4_from_u32(d);
	tcp_icmp_error(stack->tcp, &src, &dst, quoted, err, mtu);
}

void icmp_input(struct tcpip_stack *stack, struct fata_view packet, const struct ipv4_rx *rx)
{
	struct fata_tcpip_icmp_stats *st = &stack->stats.icmp;
	struct fata_view msg;
	uint8_t type, code;

	st->in_msgs++;
	fata_view_slice(packet, rx->header_len, packet.len - rx->header_len, &msg);
	if (msg.len < ICMP_HLEN || tcpip_csum_fold(tcpip_csum_view(0, msg)) != 0) {
		st->in_errors++;
		fata_view_release(&packet);
		return;
	}
	fata_view_get_u8(msg, 0, &type);
	fata_view_get_u8(msg, 1, &code);

	switch (type) {
	case ICMP_ECHO:
		st->in_echos++;
		answer_echo(stack, packet, rx);
		return;
	case ICMP_ECHO_REPLY:
		st->in_echo_reps++;
		break;
	case ICMP_DEST_UNREACH:
		st->in_dest_unreachs++;
		handle_error(stack, msg, type, code);
		break;
	case ICMP_TIME_EXCEEDED:
		st->in_time_excds++;
		handle_error(stack, msg, type, code);
		break;
	case ICMP_PARAM_PROBLEM:
		st->in_parm_probs++;
		handle_error(stack, msg, type, code);
		break;
	case ICMP_SOURCE_QUENCH:
		/* RFC 6633: hosts must ignore Source Quench. */
		st->in_src_quenchs++;
		break;
	case ICMP_REDIRECT:
		st->in_redirects++;
		break;
	default:
		st->in_unknown++;
		break;
	}
	fata_view_release(&packet);
}

/*
 * UDP (RFC 768) and its sockets.
 *
 * A socket binds one port, on our address or on any address. Two sockets
 * never share a port, so demultiplexing finds at most one. Received
 * datagrams wait on the socket's queue until a receive takes them. The
 * queue is bounded by count and by the memory of the buffers it pins, and a
 * datagram beyond either bound is dropped and counted, as a kernel drops
 * datagrams for a full receive buffer. Sends go to IP at once and are never queued here.
 */
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/netif.h>

#include "icmp.h"
#include "ip.h"
#include "ipv4.h"
#include "packet.h"
#include "tcpip_stack.h"
#include "udp.h"

/* Receive queue bounds of one socket. */
#define UDP_QUEUE_MAX_DATAGRAMS 256
#define UDP_QUEUE_MAX_BYTES (256u * 1024)
/* The largest payload: 65535 minus the IPv4 and UDP headers. */
#define UDP_MAX_PAYLOAD (IPV4_MAX_LEN - IPV4_HLEN - UDP_HLEN)

struct udp_queued {
	struct udp_queued *next;
	struct fata_view payload; /* owned */
	struct fata_sockaddr from;
	uint32_t charge;
};

struct udp_socket {
	struct fata_datagram base;
	struct tcpip_stack *stack;
	struct udp_socket *next;   /* in the port's bucket */
	uint32_t local_ip;         /* 0 for any address */
	uint16_t local_port;

	/* The pending receive and where it stores the source. */
	struct fata_promise *recv;
	struct fata_sockaddr *recv_from;

	struct udp_queued *head, *tail;
	uint32_t queued, queued_bytes;

	udp_internal_fn internal;
	void *internal_arg;
};

static const struct fata_datagram_ops udp_ops;

static struct udp_socket **bucket_of(struct tcpip_stack *stack, uint16_t port)
{
	return &stack->udp.buckets[port & (UDP_BUCKETS - 1)];
}

void udp_init(struct tcpip_stack *stack, uint32_t random)
{
	uint32_t range = UDP_EPHEMERAL_MAX - UDP_EPHEMERAL_MIN + 1;

	memset(&stack->udp, 0, sizeof(stack->udp));
	stack->udp.next_ephemeral = (uint16_t)(UDP_EPHEMERAL_MIN + random % range);
}

static struct udp_socket *find_bound(struct tcpip_stack *stack, uint16_t port)
{
	for (struct udp_socket *s = *bucket_of(stack, port); s; s = s->next) {
		if (s->local_port == port)
			return s;
	}
	return NULL;
}

/* Picks a free ephemeral port, searching from a random start; 0 when all are taken. */
static uint16_t pick_port(struct tcpip_stack *stack)
{
	uint32_t range = UDP_EPHEMERAL_MAX - UDP_EPHEMERAL_MIN + 1;

	for (uint32_t i = 0; i < range; i++) {
		uint16_t port = stack->udp.next_ephemeral;

		stack->udp.next_ephemeral = port == UDP_EPHEMERAL_MAX ? UDP_EPHEMERAL_MIN :
				(uint16_t)(port + 1);
		if (!find_bound(stack, port))
			return port;
	}
	return 0;
}

/* Checks the requested local address; stores it as a 32-bit value. */
static int check_local(struct tcpip_stack *stack, const struct fata_sockaddr *local, uint32_t *ip)
{
	*ip = 0;
	if (!local || local->ip.family == FATA_AF_NONE)
		return 0;
	/* TODO: IPv6 (RFC 8200); the stack has no IPv6 address yet. */
	if (local->ip.family != FATA_AF_INET)
		return FATA_EADDRNOTAVAIL;
	*ip = tcpip_ipv4_of(&local->ip);
	if (*ip != 0 && (!stack->has_ipv4 || *ip != stack->ipv4_addr))
		return FATA_EADDRNOTAVAIL;
	return 0;
}

static int bind_socket(struct tcpip_stack *stack, uint32_t ip, uint16_t port,
		struct udp_socket **out)
{
	struct udp_socket *s;
	struct udp_socket **bucket;

	if (port == 0) {
		port = pick_port(stack);
		if (port == 0)
			return FATA_EADDRINUSE;
	} else if (find_bound(stack, port)) {
		return FATA_EADDRINUSE;
	}

	s = fata_calloc(1, sizeof(*s));
	if (!s)
		return FATA_ENOMEM;
	s->base.ops = &udp_ops;
	s->base.loop = stack->loop;
	s->stack = stack;
	s->local_ip = ip;
	s->local_port = port;

	bucket = bucket_of(stack, port);
	s->next = *bucket;
	*bucket = s;
	stack->udp.count++;
	*out = s;
	return 0;
}

int udp_bind(struct tcpip_stack *stack, const struct fata_sockaddr *local,
		struct fata_datagram **out)
{
	struct udp_socket *s;
	uint32_t ip;
	int rc;

	if (!out)
		return FATA_EINVAL;
	rc = check_local(stack, local, &ip);
	if (rc == 0)
		rc = bind_socket(stack, ip, local ? local->port : 0, &s);
	if (rc != 0)
		return rc;
	*out = &s->base;
	return 0;
}

int udp_bind_internal(struct tcpip_stack *stack, uint16_t port, udp_internal_fn fn, void *arg,
		struct udp_socket **out)
{
	int rc = bind_socket(stack, 0, port, out);

	if (rc != 0)
		return rc;
	(*out)->internal = fn;
	(*out)->internal_arg = arg;
	return 0;
}

/* Unlinks and frees `s`, rejecting its pending receive. */
static void destroy_socket(struct udp_socket *s)
{
	struct tcpip_stack *stack = s->stack;
	struct udp_socket **link = bucket_of(stack, s->local_port);

	while (*link && *link != s)
		link = &(*link)->next;
	if (*link)
		*link = s->next;
	stack->udp.count--;

	if (s->recv) {
		fata_promise_reject(s->recv, FATA_ECLOSED);
		s->recv = NULL;
	}
	while (s->head) {
		struct udp_queued *q = s->head;

		s->head = q->next;
		fata_view_release(&q->payload);
		fata_free(q);
	}
	fata_free(s);
}

void udp_close_internal(struct udp_socket *sock)
{
	if (sock)
		destroy_socket(sock);
}

void udp_fini(struct tcpip_stack *stack)
{
	for (uint32_t i = 0; i < UDP_BUCKETS; i++) {
		while (stack->udp.buckets[i])
			destroy_socket(stack->udp.buckets[i]);
	}
}

/* Counts a datagram handed to the IP layer, or its failure, and passes the result on. */
static int count_output(struct tcpip_stack *stack, int rc)
{
	if (rc != 0)
		stack->stats.udp.out_errors++;
	else
		stack->stats.udp.out_datagrams++;
	return rc;
}

/* Returns 1 when the device may complete the checksum of a `len`-byte datagram. */
static int udp_offload_csum(struct tcpip_stack *stack, uint32_t src, uint32_t dst, uint32_t len)
{
	struct fata_ipaddr d = fata_ipv4_from_u32(dst);

	if (src == 0 || len + IPV4_HLEN > stack->nif->mtu)
		return 0;
	return (tcpip_ip_offloads(stack, &d) & FATA_NETIF_F_TX_CSUM) != 0;
}

/* Writes the UDP header and checksum in front of `payload` and sends it. */
int udp_output(struct tcpip_stack *stack, uint32_t src, uint16_t src_port, uint32_t dst,
		uint16_t dst_port, struct fata_chain *payload)
{
	struct fata_ipaddr s = fata_ipv4_from_u32(src), d = fata_ipv4_from_u32(dst);
	uint32_t len = payload->len + UDP_HLEN;
	uint16_t csum;
	uint8_t *hdr;
	int rc;

	if (payload->len > UDP_MAX_PAYLOAD) {
		fata_chain_release(payload);
		stack->stats.udp.out_errors++;
		return FATA_EMSGSIZE;
	}
	rc = tcpip_chain_push(payload, UDP_HLEN, FATA_NETIF_HEADROOM + FATA_ETH_HLEN + IPV4_HLEN,
			&hdr);
	if (rc != 0) {
		fata_chain_release(payload);
		stack->stats.udp.out_errors++;
		return rc;
	}

	tcpip_put16(hdr, src_port);
	tcpip_put16(hdr + 2, dst_port);
	tcpip_put16(hdr + 4, (uint16_t)len);
	tcpip_put16(hdr + 6, 0);

	/*
	 * With checksum offload the field gets the pseudo-header sum and the
	 * device adds the rest. That needs one datagram in one frame, so only
	 * for a datagram that will not be fragmented, from a source address
	 * that is not the unspecified one of a DHCP client.
	 */
	if (udp_offload_csum(stack, src, dst, len)) {
		struct fata_netif_meta meta;

		memset(&meta, 0, sizeof(meta));
		meta.flags = FATA_NETIF_META_CSUM_PARTIAL;
		meta.csum_offset = 6;
		csum = (uint16_t)~tcpip_csum_fold(tcpip_csum_pseudo(&s, &d, IPV4_PROTO_UDP, len));
		tcpip_put16(hdr + 6, csum);
		rc = ipv4_output_meta(stack, src, dst, IPV4_PROTO_UDP, payload, 0, 1, &meta);
		return count_output(stack, rc);
	}

	/* RFC 768: a computed checksum of zero is sent as all ones. */
	csum = tcpip_csum_fold(tcpip_csum_chain(tcpip_csum_pseudo(&s, &d, IPV4_PROTO_UDP, len),
			payload));
	tcpip_put16(hdr + 6, csum == 0 ? 0xffff : csum);

	rc = ipv4_output(stack, src, dst, IPV4_PROTO_UDP, payload, 0, 1);
	if (rc != 0)
		stack->stats.udp.out_errors++;
	else
		stack->stats.udp.out_datagrams++;
	return rc;
}

/* Builds the payload chain from the caller's borrowed views. */
static int gather(const struct fata_view *views, size_t count, struct fata_chain *chain)
{
	size_t total = 0;
	struct fata_view flat;
	uint8_t *p;
	int rc;

	fata_chain_init(chain);
	for (size_t i = 0; i < count; i++)
		total += views[i].len;
	if (total > UDP_MAX_PAYLOAD)
		return FATA_EMSGSIZE;

	/* One view is left for the UDP header; more pieces than fit are copied. */
	if (count < FATA_CHAIN_MAX) {
		for (size_t i = 0; i < count; i++) {
			if (views[i].len > 0)
				fata_chain_append(chain, fata_view_ref(views[i]));
		}
		return 0;
	}

	rc = fata_buf_alloc(TCPIP_HEADROOM, total, &flat);
	if (rc != 0)
		return rc;
	p = fata_view_data(flat);
	for (size_t i = 0; i < count; i++) {
		if (views[i].len > 0)
			memcpy(p, fata_view_data(views[i]), views[i].len);
		p += views[i].len;
	}
	fata_chain_append(chain, flat);
	return 0;
}

static int check_destination(const struct fata_sockaddr *to)
{
	if (!to || to->port == 0)
		return FATA_EINVAL;
	/* TODO: IPv6 (RFC 8200); the stack has no IPv6 route yet. */
	if (to->ip.family != FATA_AF_INET)
		return to->ip.family == FATA_AF_INET6 ? FATA_ENETUNREACH : FATA_EINVAL;
	if (tcpip_ipv4_of(&to->ip) == 0)
		return FATA_EINVAL;
	return 0;
}

static struct fata_promise *udp_send(struct fata_datagram *sock, const struct fata_sockaddr *to,
		const struct fata_view *views, size_t count)
{
	struct udp_socket *s = (struct udp_socket *)sock;
	struct tcpip_stack *stack = s->stack;
	struct fata_chain chain;
	uint32_t src = s->local_ip, dst;
	size_t len;
	int rc;

	rc = check_destination(to);
	if (rc == 0 && src == 0 && !stack->has_ipv4)
		rc = FATA_ENETUNREACH;
	if (rc == 0)
		rc = gather(views, count, &chain);
	if (rc != 0) {
		stack->stats.udp.out_errors++;
		return fata_promise_rejected(sock->loop, "udp.send", rc);
	}

	dst = tcpip_ipv4_of(&to->ip);
	if (src == 0)
		src = stack->ipv4_addr;
	len = chain.len;
	rc = udp_output(stack, src, s->local_port, dst, to->port, &chain);
	if (rc != 0)
		return fata_promise_rejected(sock->loop, "udp.send", rc);
	return fata_promise_resolved(sock->loop, "udp.send", (union fata_value){ .u64 = len });
}

static void cancel_recv(void *ctx, struct fata_promise *promise)
{
	struct udp_socket *s = ctx;

	(void)promise;
	s->recv = NULL;
	s->recv_from = NULL;
}

static struct fata_promise *udp_recv(struct fata_datagram *sock, struct fata_sockaddr *from)
{
	struct udp_socket *s = (struct udp_socket *)sock;
	struct fata_promise *p;

	if (s->recv)
		return fata_promise_rejected(sock->loop, "udp.recv", FATA_EBUSY);

	p = fata_promise_new(sock->loop, "udp.recv");
	if (!p)
		return NULL;

	if (s->head) {
		struct udp_queued *q = s->head;

		s->head = q->next;
		if (!s->head)
			s->tail = NULL;
		s->queued--;
		s->queued_bytes -= q->charge;
		if (from)
			*from = q->from;
		fata_promise_fulfill_view(p, q->payload);
		fata_free(q);
		return p;
	}

	s->recv = p;
	s->recv_from = from;
	fata_promise_on_cancel(p, cancel_recv, s);
	return p;
}

static struct fata_promise *udp_close(struct fata_datagram *sock)
{
	struct fata_loop *loop = sock->loop;

	destroy_socket((struct udp_socket *)sock);
	return fata_promise_resolved(loop, "udp.close", (union fata_value){ .u64 = 0 });
}

static int udp_get_local(struct fata_datagram *sock, struct fata_sockaddr *local)
{
	struct udp_socket *s = (struct udp_socket *)sock;

	if (!local)
		return FATA_EINVAL;
	memset(local, 0, sizeof(*local));
	local->ip = fata_ipv4_from_u32(s->local_ip);
	local->port = s->local_port;
	return 0;
}

static const struct fata_datagram_ops udp_ops = {
	.send = udp_send,
	.recv = udp_recv,
	.close = udp_close,
	.get_local = udp_get_local,
};

/* Hands a payload (owned) to a socket's receive or queue. */
static void deliver(struct udp_socket *s, struct fata_view payload, uint32_t src, uint16_t port)
{
	struct tcpip_stack *stack = s->stack;
	struct fata_sockaddr from;
	struct udp_queued *q;
	uint32_t charge = payload.block ? payload.block->size : 0;

	memset(&from, 0, sizeof(from));
	from.ip = fata_ipv4_from_u32(src);
	from.port = port;

	if (s->recv) {
		struct fata_promise *p = s->recv;

		if (s->recv_from)
			*s->recv_from = from;
		s->recv = NULL;
		s->recv_from = NULL;
		stack->stats.udp.in_datagrams++;
		fata_promise_fulfill_view(p, payload);
		return;
	}

	if (s->queued >= UDP_QUEUE_MAX_DATAGRAMS || s->queued_bytes + charge > UDP_QUEUE_MAX_BYTES ||
			!(q = fata_alloc(sizeof(*q)))) {
		stack->stats.udp.rcvbuf_errors++;
		fata_view_release(&payload);
		return;
	}
	q->next = NULL;
	q->payload = payload;
	q->from = from;
	q->charge = charge;
	if (s->tail)
		s->tail->next = q;
	else
		s->head = q;
	s->tail = q;
	s->queued++;
	s->queued_bytes += charge;
	stack->stats.udp.in_datagrams++;
}

/* Verifies the checksum unless it is zero (RFC 768: none computed) or the device did. */
static int checksum_ok(struct tcpip_stack *stack, struct fata_view dgram, const struct ipv4_rx *rx)
{
	struct fata_ipaddr src, dst;
	uint16_t csum;

	(void)stack;
	uint32_t sum;

	fata_view_get_be16(dgram, 6, &csum);
	if (csum == 0 || rx->csum_ok)
		return 1;

	src = fata_ipv4_from_u32(rx->src);
	dst = fata_ipv4_from_u32(rx->dst);
	sum = tcpip_csum_pseudo(&src, &dst, IPV4_PROTO_UDP, dgram.len);
	return tcpip_csum_fold(tcpip_csum_view(sum, dgram)) == 0;
}

void udp_input(struct tcpip_stack *stack, struct fata_view packet, const struct ipv4_rx *rx)
{
	struct fata_tcpip_udp_stats *st = &stack->stats.udp;
	struct fata_view dgram, payload;
	uint16_t src_port, dst_port, len;
	struct udp_socket *s;

	if (fata_view_slice(packet, rx->header_len, packet.len - rx->header_len, &dgram) != 0 ||
			fata_view_get_be16(dgram, 0, &src_port) != 0 ||
			fata_view_get_be16(dgram, 2, &dst_port) != 0 ||
			fata_view_get_be16(dgram, 4, &len) != 0 || len < UDP_HLEN || len > dgram.len ||
			dst_port == 0) {
		st->in_errors++;
		fata_view_release(&packet);
		return;
	}
	/* The UDP length may be shorter than the IP payload; the rest is not data. */
	fata_view_trim(&dgram, len);

	if (!checksum_ok(stack, dgram, rx)) {
		st->in_errors++;
		st->in_csum_errors++;
		fata_view_release(&packet);
		return;
	}

	s = find_bound(stack, dst_port);
	/* A socket on our address does not see broadcasts; one on any address does. */
	if (s && s->local_ip != 0 && (rx->ip_broadcast || s->local_ip != rx->dst))
		s = NULL;
	if (!s) {
		st->no_ports++;
		icmp_send_error(stack, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, packet, rx);
		fata_view_release(&packet);
		return;
	}

	fata_view_slice(dgram, UDP_HLEN, len - UDP_HLEN, &payload);
	if (s->internal) {
		st->in_datagrams++;
		s->internal(s->internal_arg, rx->src, src_port, payload);
		fata_view_release(&packet);
		return;
	}
	payload = fata_view_ref(payload);
	fata_view_release(&packet);
	deliver(s, payload, rx->src, src_port);
}

/*
 * The TCP layer: creation, the connection table keyed by 4-tuple, segment
 * demultiplexing (RFC 9293 section 3.10.7), resets for segments that match
 * nothing (section 3.10.7.1), and ICMP errors.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/entropy.h>
#include <fata/error.h>
#include <fata/log.h>

#include "../ip.h"
#include "../tcp.h"
#include "tcp_layer.h"
#include "tcp_seq.h"

#define INITIAL_BUCKETS 256

static struct tcp_siphash_key key_from_seed(uint64_t seed, uint8_t which)
{
	struct tcp_siphash_key key;

	for (int i = 0; i < 8; i++) {
		key.bytes[i] = (uint8_t)(seed >> (8 * i));
		key.bytes[8 + i] = (uint8_t)(which + i);
	}
	return key;
}

void tcp_layer_set_seed(struct tcp_layer *tcp, uint64_t seed)
{
	tcp->isn_key = key_from_seed(seed, 1);
	tcp->cookie_key = key_from_seed(seed, 2);
	tcp->table_key = key_from_seed(seed, 3);
	tcp->ts_key = key_from_seed(seed, 4);
	tcp->port_key = key_from_seed(seed, 5);
	tcp->port_counter = (uint32_t)seed;
}

void tcp_layer_set_timing(struct tcp_layer *tcp, uint64_t msl_ns, uint64_t min_rto_ns,
		uint64_t delack_ns)
{
	tcp->msl_ns = msl_ns;
	tcp->min_rto_ns = min_rto_ns;
	tcp->delack_ns = delack_ns;
}

void tcp_layer_set_counter_name(struct tcp_layer *tcp, const char *name)
{
	size_t len = strlen(name);

	if (len >= sizeof(tcp->counter_name))
		len = sizeof(tcp->counter_name) - 1;
	memcpy(tcp->counter_name, name, len);
	tcp->counter_name[len] = '\0';
}

const struct tcp_stats *tcp_layer_stats(const struct tcp_layer *tcp)
{
	return &tcp->stats;
}

uint32_t tcp_layer_sock_count(const struct tcp_layer *tcp)
{
	return tcp->sock_count;
}

int tcp_layer_new(struct tcpip_stack *stack, struct fata_loop *loop,
		const struct fata_tcpip_config *config, struct tcp_layer **out)
{
	struct tcp_layer *tcp = fata_calloc(1, sizeof(*tcp));

	*out = NULL;
	if (!tcp)
		return FATA_ENOMEM;
	tcp->buckets = fata_calloc(INITIAL_BUCKETS, sizeof(*tcp->buckets));
	if (!tcp->buckets) {
		fata_free(tcp);
		return FATA_ENOMEM;
	}
	tcp->bucket_count = INITIAL_BUCKETS;
	tcp->stack = stack;
	tcp->loop = loop;
	tcp->config = *config;
	if (tcp->config.tcp_max_connections == 0)
		tcp->config.tcp_max_connections = 65536;

	/* Secrets come from the platform's entropy; without any, fail rather than guess. */
	struct tcp_siphash_key keys[5];
	uint32_t counter;
	if (fata_entropy_fill(keys, sizeof(keys)) < 0 ||
			fata_entropy_fill(&counter, sizeof(counter)) < 0) {
		fata_free(tcp->buckets);
		fata_free(tcp);
		return FATA_EIO;
	}
	tcp->isn_key = keys[0];
	tcp->cookie_key = keys[1];
	tcp->table_key = keys[2];
	tcp->ts_key = keys[3];
	tcp->port_key = keys[4];
	tcp->port_counter = counter;

	memcpy(tcp->counter_name, "tcp", 4);
	tcp->counters.name = tcp->counter_name;
	tcp->counters.names = tcp_stats_names;
	tcp->counters.values = (const uint64_t *)&tcp->stats;
	tcp->counters.count = TCP_STATS_COUNT;
	fata_counters_register(&tcp->counters);

	*out = tcp;
	return 0;
}

void tcp_layer_free(struct tcp_layer *tcp)
{
	if (!tcp)
		return;

	tcp_listener_free_all(tcp);

	/* Abort every connection; a RST goes out where the state calls for one. */
	for (uint32_t b = 0; b < tcp->bucket_count; b++) {
		while (tcp->buckets[b]) {
			struct tcp_sock *sock = tcp->buckets[b];
			tcp_flow_abort_all(sock, FATA_ECONNABORTED, 1);
		}
	}

	fata_counters_unregister(&tcp->counters);
	fata_free(tcp->buckets);
	fata_free(tcp);
}

static uint32_t bucket_of(const struct tcp_layer *tcp, const struct tcp_tuple *tuple)
{
	return (uint32_t)tcp_tuple_hash(&tcp->table_key, tuple) & (tcp->bucket_count - 1);
}

struct tcp_sock *tcp_layer_lookup(struct tcp_layer *tcp, const struct tcp_tuple *tuple)
{
	for (struct tcp_sock *s = tcp->buckets[bucket_of(tcp, tuple)]; s; s = s->hash_next) {
		if (tcp_tuple_equal(&s->tuple, tuple))
			return s;
	}
	return NULL;
}

static void grow_table(struct tcp_layer *tcp)
{
	uint32_t count = tcp->bucket_count * 2;
	struct tcp_sock **buckets = fata_calloc(count, sizeof(*buckets));

	/* Without memory the table stays as it is: slower, still correct. */
	if (!buckets)
		return;

	struct tcp_sock **old = tcp->buckets;
	uint32_t old_count = tcp->bucket_count;
	tcp->buckets = buckets;
	tcp->bucket_count = count;
	for (uint32_t b = 0; b < old_count; b++) {
		while (old[b]) {
			struct tcp_sock *s = old[b];
			old[b] = s->hash_next;
			uint32_t i = bucket_of(tcp, &s->tuple);
			s->hash_next = buckets[i];
			buckets[i] = s;
		}
	}
	fata_free(old);
}

int tcp_sock_hash(struct tcp_sock *sock)
{
	struct tcp_layer *tcp = sock->layer;

	if (tcp_layer_lookup(tcp, &sock->tuple))
		return FATA_EADDRINUSE;
	if (tcp->sock_count >= tcp->bucket_count)
		grow_table(tcp);

	uint32_t i = bucket_of(tcp, &sock->tuple);
	sock->hash_next = tcp->buckets[i];
	tcp->buckets[i] = sock;
	sock->hashed = 1;
	return 0;
}

uint32_t tcp_layer_ts_offset(struct tcp_layer *tcp, const struct tcp_tuple *tuple)
{
	/* RFC 7323 section 7.1: a per-connection offset hides the clock from other peers. */
	return (uint32_t)tcp_tuple_hash(&tcp->ts_key, tuple);
}

void tcp_layer_conn_params(struct tcp_layer *tcp, const struct tcp_tuple *tuple,
		const struct fata_tcp_options *options, struct tcp_conn_params *params)
{
	uint32_t mtu = tcpip_ip_payload_mtu(tcp->stack, &tuple->remote);

	memset(params, 0, sizeof(*params));
	params->cc = tcp->config.congestion_control;
	params->sack = !tcp->config.disable_sack;
	params->timestamps = !tcp->config.disable_timestamps;
	params->window_scale = !tcp->config.disable_window_scale;
	params->is_ipv6 = tuple->remote.family == FATA_AF_INET6;
	params->mss = (uint16_t)(mtu > TCP_HEADER_LEN + 64 ? (mtu - TCP_HEADER_LEN > 65535 ?
			65535 : mtu - TCP_HEADER_LEN) : 536);
	params->msl_ns = tcp->msl_ns;
	params->min_rto_ns = tcp->min_rto_ns;
	params->delack_ns = tcp->delack_ns;
	params->ts_offset = tcp_layer_ts_offset(tcp, tuple);

	/* Offloads toward this peer: TSO frames up to the IPv4 total length limit. */
	uint32_t offloads = tcpip_ip_offloads(tcp->stack, &tuple->remote);
	params->csum_offload = (offloads & FATA_NETIF_F_TX_CSUM) != 0;
	if (offloads & FATA_NETIF_F_TSO)
		params->tso_max = 65535 - 20;
	params->stats = &tcp->stats;
	if (options) {
		params->nodelay = options->nodelay;
		params->keepalive_ns = options->keepalive_ns;
		params->connect_timeout_ns = options->connect_timeout_ns;
		params->rcvbuf = options->rcvbuf;
		params->sndbuf = options->sndbuf;
	}
}

int tcp_layer_send(struct tcp_layer *tcp, const struct tcp_tuple *tuple, struct tcp_out *out)
{
	struct fata_netif_meta meta;
	struct fata_chain frame;

	if (tcp_segment_build(out, &tuple->local, tuple->local_port, &tuple->remote,
			tuple->remote_port, &frame) < 0)
		return FATA_ENOMEM;

	/* Offsets count from the TCP header; the IP and Ethernet layers add theirs. */
	memset(&meta, 0, sizeof(meta));
	if (out->csum_partial) {
		meta.flags = FATA_NETIF_META_CSUM_PARTIAL;
		meta.csum_offset = 16;
	}
	if (out->gso_size) {
		meta.gso_type = FATA_NETIF_GSO_TCPV4;
		meta.gso_size = out->gso_size;
		meta.hdr_len = (uint16_t)frame.views[0].len;
		tcp->stats.tso_frames_out++;
	}

	/*
	 * Segments (and each segment the device cuts from a TSO frame) never
	 * exceed the path MTU, so the IP layer may set DF (RFC 1191).
	 */
	int err = tcpip_ip_output_meta(tcp->stack, &tuple->local, &tuple->remote, 6, &frame, 1,
			&meta);
	if (err < 0 && fata_log_enabled(FATA_LOG_TRACE))
		fata_log(FATA_LOG_TRACE, "tcp", "segment not sent: %s", fata_error_name(err));
	return err;
}

/* RFC 9293 section 3.10.7.1: a segment for no connection gets a RST in reply. */
static void reset_unmatched(struct tcp_layer *tcp, const struct tcp_tuple *tuple,
		const struct tcp_segment *seg)
{
	struct tcp_out out;

	if (seg->flags & TCP_RST)
		return;

	memset(&out, 0, sizeof(out));
	fata_chain_init(&out.payload);
	if (seg->flags & TCP_ACK) {
		out.seq = seg->ack;
		out.flags = TCP_RST;
	} else {
		out.seq = 0;
		out.ack = seg->seq + tcp_segment_seq_len(seg);
		out.flags = TCP_RST | TCP_ACK;
	}
	tcp->stats.resets_out++;
	tcp->stats.segments_out++;
	tcp_layer_send(tcp, tuple, &out);
}

/* RFC 1122 section 4.2.3.10: no connections to or from broadcast or multicast. */
static int bad_address(const struct fata_ipaddr *a)
{
	if (a->family == FATA_AF_INET)
		return a->bytes[0] >= 224 || fata_ipaddr_is_any(a);
	if (a->family == FATA_AF_INET6)
		return a->bytes[0] == 0xff || fata_ipaddr_is_any(a);
	return 1;
}

/*
 * RFC 9293 section 3.10.7.4 note and RFC 6191: a SYN may reopen a
 * connection in TIME-WAIT when its sequence number (or timestamp) is
 * newer than anything the old connection saw.
 */
static int reopens_time_wait(const struct tcp_sock *sock, const struct tcp_segment *seg)
{
	const struct tcp_conn *c = &sock->conn;

	if (c->state != TCP_TIME_WAIT || (seg->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return 0;
	if (c->ts_ok && (seg->opts.present & TCP_HAS_TIMESTAMP))
		return tcp_seq_gt(seg->opts.ts_val, c->ts_recent);
	return tcp_seq_gt(seg->seq, c->rcv_nxt);
}

void tcp_input(struct tcp_layer *tcp, const struct fata_ipaddr *src, const struct fata_ipaddr *dst,
		struct fata_view segment, int csum_ok)
{
	tcp_input_gro(tcp, src, dst, segment, csum_ok, 0);
}

void tcp_input_gro(struct tcp_layer *tcp, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, struct fata_view segment, int csum_ok, uint16_t gso_size)
{
	struct tcp_segment seg;
	struct tcp_tuple tuple;

	if (!csum_ok && !tcp_checksum_ok(src, dst, segment)) {
		tcp->stats.bad_checksums++;
		goto out;
	}
	if (tcp_segment_parse(segment, &seg) < 0 || seg.src_port == 0 || seg.dst_port == 0 ||
			bad_address(src) || bad_address(dst)) {
		tcp->stats.bad_segments++;
		goto out;
	}
	tcp->stats.segments_in++;
	seg.gso_size = gso_size;

	memset(&tuple, 0, sizeof(tuple));
	tuple.local = *dst;
	tuple.remote = *src;
	tuple.local_port = seg.dst_port;
	tuple.remote_port = seg.src_port;

	struct tcp_sock *sock = tcp_layer_lookup(tcp, &tuple);
	struct tcp_listener *listener = NULL;
	if (sock && reopens_time_wait(sock, &seg)) {
		listener = tcp_listener_find(tcp, dst, seg.dst_port);
		if (listener) {
			tcp->stats.time_wait_reuses++;
			tcp_flow_abort_all(sock, 0, 0);
			sock = NULL;
		}
	}

	if (sock) {
		tcp_conn_input(&sock->conn, &seg, fata_loop_now(tcp->loop));
		tcp_sock_sync(sock);
		goto out;
	}

	if (!listener)
		listener = tcp_listener_find(tcp, dst, seg.dst_port);
	if (listener) {
		tcp_listen_input(listener, &tuple, &seg);
		goto out;
	}

	tcp->stats.no_port++;
	reset_unmatched(tcp, &tuple, &seg);
out:
	fata_view_release(&segment);
}

void tcp_icmp_error(struct tcp_layer *tcp, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, struct fata_view quoted, int code, uint32_t mtu)
{
	struct tcp_tuple tuple;
	uint16_t sport, dport;
	uint32_t seq;

	/* RFC 792: the quote contains at least 8 bytes, so the ports and sequence number. */
	if (fata_view_get_be16(quoted, 0, &sport) < 0 || fata_view_get_be16(quoted, 2, &dport) < 0 ||
			fata_view_get_be32(quoted, 4, &seq) < 0)
		return;

	/* The quoted segment went from us (`src`) to the peer (`dst`). */
	memset(&tuple, 0, sizeof(tuple));
	tuple.local = *src;
	tuple.remote = *dst;
	tuple.local_port = sport;
	tuple.remote_port = dport;

	struct tcp_sock *sock = tcp_layer_lookup(tcp, &tuple);
	if (!sock)
		return;
	tcp_conn_icmp(&sock->conn, code, mtu, seq, fata_loop_now(tcp->loop));
	tcp_sock_sync(sock);
}

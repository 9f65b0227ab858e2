/* The libtcpip test bench; see harness.h. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "harness.h"

#define NS_PER_S UINT64_C(1000000000)

const struct fata_mac h_our_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
const struct fata_mac h_peer_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
const struct fata_mac h_broadcast_mac = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
const uint32_t h_our_ip = H_IP(192, 0, 2, 2);
const uint32_t h_peer_ip = H_IP(192, 0, 2, 1);
const uint32_t h_far_ip = H_IP(198, 51, 100, 7);

static int nif_send(struct fata_netif *base, struct fata_chain *frame)
{
	struct h_netif *nif = (struct h_netif *)base;
	struct fata_view flat;

	ck_assert_uint_lt(nif->count, H_MAX_FRAMES);
	ck_assert_int_eq(fata_chain_flatten(frame, 0, &flat), 0);
	fata_chain_release(frame);
	memset(&nif->meta[nif->count], 0, sizeof(nif->meta[0]));
	nif->sent[nif->count++] = flat;
	return 0;
}

static int nif_send_meta(struct fata_netif *base, struct fata_chain *frame,
		const struct fata_netif_meta *meta)
{
	struct h_netif *nif = (struct h_netif *)base;
	size_t i = nif->count;

	nif_send(base, frame);
	nif->meta[i] = *meta;
	return 0;
}

static int nif_set_offloads(struct fata_netif *base, uint32_t offloads)
{
	(void)base;
	(void)offloads;
	return 0;
}

static void nif_close(struct fata_netif *base)
{
	((struct h_netif *)base)->closed = 1;
}

static const struct fata_netif_ops nif_ops = {
	.send = nif_send,
	.close = nif_close,
	.send_meta = nif_send_meta,
	.set_offloads = nif_set_offloads,
};

static void init_netif(struct harness *h, const struct fata_tcpip_config *config, uint32_t mtu,
		uint32_t features);

void h_init_mtu(struct harness *h, const struct fata_tcpip_config *config, uint32_t mtu)
{
	init_netif(h, config, mtu, 0);
}

void h_init_offloads(struct harness *h, const struct fata_tcpip_config *config, uint32_t features)
{
	init_netif(h, config, 1500, features);
}

static void init_netif(struct harness *h, const struct fata_tcpip_config *config, uint32_t mtu,
		uint32_t features)
{
	struct fata_tcpip_config c = { 0 };

	memset(h, 0, sizeof(*h));
	h->loop = fata_loop_new_virtual(NS_PER_S);
	ck_assert_ptr_nonnull(h->loop);

	h->nif = calloc(1, sizeof(*h->nif));
	ck_assert_ptr_nonnull(h->nif);
	h->nif->base.ops = &nif_ops;
	h->nif->base.loop = h->loop;
	h->nif->base.mac = h_our_mac;
	h->nif->base.mtu = mtu;
	h->nif->base.features = features;
	strcpy(h->nif->base.name, "test0");

	if (config) {
		c = *config;
	} else {
		c.ipv4 = fata_ipv4_from_u32(h_our_ip);
		c.ipv4_prefix_len = 24;
		c.ipv4_gateway = fata_ipv4_from_u32(h_peer_ip);
	}
	if (c.random_seed == 0)
		c.random_seed = 42;
	ck_assert_int_eq(fata_tcpip_new(h->loop, &h->nif->base, &c, &h->stack), 0);
}

void h_init(struct harness *h, const struct fata_tcpip_config *config)
{
	h_init_mtu(h, config, 1500);
}

void h_clear(struct harness *h)
{
	for (size_t i = 0; i < h->nif->count; i++)
		fata_view_release(&h->nif->sent[i]);
	h->nif->count = 0;
}

void h_fini(struct harness *h)
{
	fata_stack_destroy(h->stack);
	ck_assert_int_eq(h->nif->closed, 1);
	fata_loop_run(h->loop, FATA_RUN_IDLE);
	h_clear(h);
	free(h->nif);
	fata_loop_free(h->loop);
}

void h_inject(struct harness *h, const void *frame, size_t len)
{
	struct fata_view v;

	ck_assert_int_eq(fata_buf_copy(frame, len, 64, &v), 0);
	fata_netif_deliver(&h->nif->base, v);
}

void h_inject_meta(struct harness *h, const void *frame, size_t len,
		const struct fata_netif_meta *meta)
{
	struct fata_view v;

	ck_assert_int_eq(fata_buf_copy(frame, len, 64, &v), 0);
	fata_netif_deliver_meta(&h->nif->base, v, meta);
}

void h_learn_peer(struct harness *h)
{
	uint8_t buf[64];
	size_t len = h_arp(buf, 1, &h_broadcast_mac, &h_peer_mac, h_peer_ip, &(struct fata_mac){ { 0 } },
			h_our_ip);

	h_inject(h, buf, len);
	h_clear(h);
}

struct fata_tcpip_stats h_stats(struct harness *h)
{
	struct fata_tcpip_stats st;

	ck_assert_int_eq(fata_tcpip_get_stats(h->stack, &st), 0);
	return st;
}

void h_advance(struct harness *h, uint64_t ns)
{
	ck_assert_int_eq(fata_loop_advance(h->loop, ns), 0);
}

const uint8_t *h_frame(struct harness *h, size_t i, size_t *len)
{
	ck_assert_uint_lt(i, h->nif->count);
	if (len)
		*len = h->nif->sent[i].len;
	return fata_view_data(h->nif->sent[i]);
}

long h_find_type(struct harness *h, uint16_t type, size_t n)
{
	for (size_t i = 0; i < h->nif->count; i++) {
		const uint8_t *f = fata_view_data(h->nif->sent[i]);

		if ((type == 0 || h_get16(f + 12) == type) && n-- == 0)
			return (long)i;
	}
	return -1;
}

size_t h_count_type(struct harness *h, uint16_t type)
{
	size_t n = 0;

	while (h_find_type(h, type, n) >= 0)
		n++;
	return n;
}

uint16_t h_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t h_eth(uint8_t *buf, const struct fata_mac *dst, const struct fata_mac *src, uint16_t type)
{
	memcpy(buf, dst->bytes, 6);
	memcpy(buf + 6, src->bytes, 6);
	h_put16(buf + 12, type);
	return 14;
}

size_t h_arp(uint8_t *buf, uint16_t op, const struct fata_mac *eth_dst,
		const struct fata_mac *sha, uint32_t spa, const struct fata_mac *tha, uint32_t tpa)
{
	uint8_t *p = buf + h_eth(buf, eth_dst, sha, 0x0806);

	h_put16(p, 1);
	h_put16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	h_put16(p + 6, op);
	memcpy(p + 8, sha->bytes, 6);
	h_put32(p + 14, spa);
	memcpy(p + 18, tha->bytes, 6);
	h_put32(p + 24, tpa);
	return 14 + 28;
}

size_t h_ipv4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
		uint16_t frag, const void *payload, size_t len)
{
	uint8_t *p = buf + h_eth(buf, &h_our_mac, &h_peer_mac, 0x0800);

	p[0] = 0x45;
	p[1] = 0;
	h_put16(p + 2, (uint16_t)(20 + len));
	h_put16(p + 4, id);
	h_put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	h_put16(p + 10, 0);
	h_put32(p + 12, src);
	h_put32(p + 16, dst);
	h_put16(p + 10, h_csum(p, 20, 0));
	memcpy(p + 20, payload, len);
	return 14 + 20 + len;
}

size_t h_udp(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		const void *payload, size_t len)
{
	uint8_t *d = malloc(8 + len);
	uint8_t pseudo[12];
	uint32_t sum = 0;
	size_t out;

	h_put16(d, sport);
	h_put16(d + 2, dport);
	h_put16(d + 4, (uint16_t)(8 + len));
	h_put16(d + 6, 0);
	memcpy(d + 8, payload, len);

	h_put32(pseudo, src);
	h_put32(pseudo + 4, dst);
	pseudo[8] = 0;
	pseudo[9] = 17;
	h_put16(pseudo + 10, (uint16_t)(8 + len));
	for (int i = 0; i < 12; i += 2)
		sum += h_get16(pseudo + i);
	h_put16(d + 6, h_csum(d, 8 + len, sum));
	if (h_get16(d + 6) == 0)
		h_put16(d + 6, 0xffff);

	out = h_ipv4(buf, src, dst, 17, 1, 0, d, 8 + len);
	free(d);
	return out;
}

size_t h_echo(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq,
		const void *data, size_t len)
{
	uint8_t *m = malloc(8 + len);
	size_t out;

	m[0] = 8;
	m[1] = 0;
	h_put16(m + 2, 0);
	h_put16(m + 4, id);
	h_put16(m + 6, seq);
	memcpy(m + 8, data, len);
	h_put16(m + 2, h_csum(m, 8 + len, 0));
	out = h_ipv4(buf, src, dst, 1, seq, 0, m, 8 + len);
	free(m);
	return out;
}

/*
 * libFuzzer target for the receive paths of libtcpip: Ethernet, ARP, IPv4
 * with reassembly, ICMP, UDP and TCP.
 *
 * The input is a sequence of records: a 2-byte big-endian length, a mode
 * byte and the record's bytes. Mode 0 delivers the bytes as a whole frame.
 * The other modes wrap them, so the fuzzer gets past the checksums. Mode 1
 * puts them in an IPv4 header with a valid checksum, taking the protocol,
 * fragment field and source from the first 4 bytes. Modes 2, 3 and 4 make
 * them the ICMP, UDP or TCP payload of such a datagram, with a valid
 * transport checksum. After the records, virtual time runs on so that ARP,
 * reassembly and TCP timers fire. Everything the stack sends is dropped.
 *
 * The interface offers every offload, so the stack switches them on and
 * sends TSO frames. When (mode / 5) is odd the record starts with a 12-byte
 * virtio-net header, which goes through the tap's parser
 * (fata_tap_vnet_parse). The frame is delivered with the parsed metadata,
 * or with the raw fields when the parser rejects them. The stack thus also
 * meets metadata that no device would send.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fata/fata.h>
#include <fata/posix.h>
#include <fata/tcpip.h>

#include "ip.h"

#define NS_PER_S UINT64_C(1000000000)

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static int drop_send(struct fata_netif *nif, struct fata_chain *frame)
{
	(void)nif;
	fata_chain_release(frame);
	return 0;
}

static int drop_send_meta(struct fata_netif *nif, struct fata_chain *frame,
		const struct fata_netif_meta *meta)
{
	(void)meta;
	return drop_send(nif, frame);
}

static int accept_offloads(struct fata_netif *nif, uint32_t offloads)
{
	(void)nif;
	(void)offloads;
	return 0;
}

static void no_close(struct fata_netif *nif)
{
	(void)nif;
}

static const struct fata_netif_ops ops = {
	.send = drop_send,
	.close = no_close,
	.send_meta = drop_send_meta,
	.set_offloads = accept_offloads,
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Builds Ethernet + IPv4 around `payload`; returns the frame length. */
static size_t wrap_ipv4(uint8_t *frame, uint8_t proto, uint16_t frag, uint8_t src_low,
		const uint8_t *payload, size_t len)
{
	uint8_t *ip = frame + 14;

	memcpy(frame, our_mac, 6);
	memcpy(frame + 6, peer_mac, 6);
	put16(frame + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + len));
	put16(ip + 4, 0x1234);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 192;
	ip[13] = 0;
	ip[14] = 2;
	ip[15] = src_low;
	ip[16] = 192;
	ip[17] = 0;
	ip[18] = 2;
	ip[19] = 2;
	put16(ip + 10, tcpip_csum_fold(tcpip_csum_add(0, ip, 20)));
	memcpy(ip + 20, payload, len);
	return 34 + len;
}

/* Fills in the transport checksum of a datagram built by wrap_ipv4(). */
static void fix_transport_csum(uint8_t *frame, size_t len)
{
	uint8_t *ip = frame + 14, *t = frame + 34;
	size_t tlen = len - 34;
	struct fata_ipaddr src = fata_ipv4(ip[12], ip[13], ip[14], ip[15]);
	struct fata_ipaddr dst = fata_ipv4(ip[16], ip[17], ip[18], ip[19]);
	size_t at;
	uint32_t sum = 0;

	switch (ip[9]) {
	case 1:
		at = 2;
		break;
	case 17:
		at = 6;
		if (tlen >= 8)
			put16(t + 4, (uint16_t)tlen);
		sum = tcpip_csum_pseudo(&src, &dst, 17, (uint32_t)tlen);
		break;
	default:
		at = 16;
		sum = tcpip_csum_pseudo(&src, &dst, 6, (uint32_t)tlen);
		break;
	}
	if (tlen < at + 2)
		return;
	put16(t + at, 0);
	put16(t + at, tcpip_csum_fold(tcpip_csum_add(sum, t, tlen)));
}

static void deliver(struct fata_netif *nif, const uint8_t *vnet, const uint8_t *data, size_t len)
{
	struct fata_netif_meta meta;
	struct fata_view v;

	if (fata_buf_copy(data, len, 64, &v) != 0)
		return;
	if (!vnet) {
		fata_netif_deliver(nif, v);
		return;
	}

	if (fata_tap_vnet_parse(vnet, len, nif->offloads, &meta) != 0) {
		meta.flags = vnet[0];
		meta.gso_type = vnet[1];
		meta.hdr_len = (uint16_t)(vnet[2] | vnet[3] << 8);
		meta.gso_size = (uint16_t)(vnet[4] | vnet[5] << 8);
		meta.csum_start = (uint16_t)(vnet[6] | vnet[7] << 8);
		meta.csum_offset = (uint16_t)(vnet[8] | vnet[9] << 8);
	}
	fata_netif_deliver_meta(nif, v, &meta);
}

static void run_record(struct fata_netif *nif, uint8_t mode, const uint8_t *data, size_t len)
{
	static uint8_t frame[70000];
	static const uint8_t protos[] = { 0, 1, 17, 6 };
	const uint8_t *vnet = NULL;
	size_t n;

	if ((mode / 5) % 2 == 1) {
		if (len < FATA_TAP_VNET_HDR_LEN)
			return;
		vnet = data;
		data += FATA_TAP_VNET_HDR_LEN;
		len -= FATA_TAP_VNET_HDR_LEN;
	}
	if (mode % 5 == 0 || len < 4) {
		deliver(nif, vnet, data, len);
		return;
	}
	if (len - 4 > 65000)
		return;

	/* Bytes 0-3: protocol (mode 1), fragment field, source host byte. */
	n = wrap_ipv4(frame, mode % 5 == 1 ? data[0] : protos[mode % 5 - 1],
			(uint16_t)(data[1] << 8 | data[2]), data[3], data + 4, len - 4);
	if (mode % 5 >= 2)
		fix_transport_csum(frame, n);
	deliver(nif, vnet, frame, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fata_loop *loop = fata_loop_new_virtual(NS_PER_S);
	struct fata_netif nif;
	struct fata_stack *stack;
	struct fata_tcpip_config config;
	struct fata_datagram *udp = NULL;
	struct fata_listener *listener = NULL;
	struct fata_sockaddr local = { .port = 7 };

	memset(&nif, 0, sizeof(nif));
	nif.ops = &ops;
	nif.loop = loop;
	memcpy(nif.mac.bytes, our_mac, 6);
	nif.mtu = 1500;
	nif.features = FATA_NETIF_F_TX_CSUM | FATA_NETIF_F_RX_CSUM | FATA_NETIF_F_TSO |
			FATA_NETIF_F_GRO;
	memcpy(nif.name, "fuzz0", 6);

	memset(&config, 0, sizeof(config));
	config.ipv4 = fata_ipv4(192, 0, 2, 2);
	config.ipv4_prefix_len = 24;
	config.ipv4_gateway = fata_ipv4(192, 0, 2, 1);
	config.random_seed = 1;
	config.reassembly_max_bytes = 256 * 1024;
	if (!loop || fata_tcpip_new(loop, &nif, &config, &stack) != 0) {
		fata_loop_free(loop);
		return 0;
	}
	fata_stack_udp_bind(stack, &local, &udp);
	local.port = 80;
	fata_stack_listen(stack, &local, 16, NULL, &listener);

	while (size >= 3) {
		size_t len = (size_t)(data[0] << 8 | data[1]);
		uint8_t mode = data[2];

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		run_record(&nif, mode, data, len);
		data += len;
		size -= len;
		fata_loop_run(loop, FATA_RUN_ONCE);
	}

	fata_loop_advance(loop, 70 * NS_PER_S);
	if (listener)
		fata_listener_close(listener);
	if (udp)
		fata_promise_cancel(fata_datagram_close(udp));
	fata_stack_destroy(stack);
	fata_loop_run(loop, FATA_RUN_IDLE);
	fata_loop_free(loop);
	return 0;
}

/*
 * fata-xen-ping: a test image that drives netfront without a TCP/IP stack.
 * It replies to ARP requests (RFC 826) for its address and to ICMP echo
 * requests (RFC 792) on the Xen network device. Each echo reply goes out as
 * two buffers, the headers and then the request's payload without a copy,
 * so it leaves as a frame of several ring slots. After --count replies it
 * exits with status 0; the toolstack's shutdown request also ends it.
 */
#include <stdint.h>
#include <string.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/clock.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/xen.h>

#include "app.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ARP_LEN 28
#define IPV4_HLEN 20
#define ICMP_HLEN 8
#define ICMP_ECHO_REQUEST 8
#define ICMP_ECHO_REPLY 0
#define IPPROTO_ICMP_NUMBER 1

struct pinger {
	struct fata_loop *loop;
	struct fata_netif *nif;
	uint8_t ip[4];
	uint64_t count; /* replies to send before exiting; 0 for no limit */
	uint64_t replies;
	uint64_t largest;
	int done;
};

static struct pinger pinger = { .count = 0 };

static int set_count(void *ctx, const char *value)
{
	return fata_app_parse_uint(value, 0, 1000000, &((struct pinger *)ctx)->count);
}

static const struct fata_app_option options[] = {
	{ "count", "N", "exit with status 0 after N echo replies (default 0: no limit)", set_count },
};

/* The Internet checksum (RFC 1071) over `len` bytes, continuing from `sum`. */
static uint32_t checksum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(data[i] << 8 | data[i + 1]);
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	return sum;
}

static uint16_t checksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void send_chain(struct pinger *p, struct fata_chain *chain)
{
	int rc = fata_netif_send(p->nif, chain);
	if (rc < 0)
		fata_log(FATA_LOG_WARN, "xenping", "send failed: %s", fata_strerror(rc));
}

/* Replies to an ARP request for our address (RFC 826, "Packet Reception"). */
static void handle_arp(struct pinger *p, const uint8_t *frame, size_t len)
{
	const uint8_t *arp = frame + FATA_ETH_HLEN;

	if (len < FATA_ETH_HLEN + ARP_LEN || arp[7] != 1 || memcmp(arp + 24, p->ip, 4) != 0)
		return;

	struct fata_view reply;
	if (fata_buf_alloc(FATA_NETIF_HEADROOM, FATA_ETH_HLEN + ARP_LEN, &reply) < 0)
		return;

	uint8_t *out = fata_view_data(reply);
	memcpy(out, frame + 6, 6);
	memcpy(out + 6, p->nif->mac.bytes, 6);
	out[12] = ETHERTYPE_ARP >> 8;
	out[13] = ETHERTYPE_ARP & 0xff;

	uint8_t *a = out + FATA_ETH_HLEN;
	memcpy(a, arp, 6);       /* hardware and protocol types and lengths */
	a[6] = 0;
	a[7] = 2;                /* reply */
	memcpy(a + 8, p->nif->mac.bytes, 6);
	memcpy(a + 14, p->ip, 4);
	memcpy(a + 18, arp + 8, 10); /* the requester's MAC and address */

	struct fata_chain chain;
	fata_chain_init(&chain);
	fata_chain_append(&chain, reply);
	send_chain(p, &chain);
}

/* Builds the reply headers in a new buffer; the payload follows as a second view. */
static int build_echo_headers(struct pinger *p, const uint8_t *frame, size_t icmp_len,
		uint32_t payload_sum, struct fata_view *out)
{
	const uint8_t *ip = frame + FATA_ETH_HLEN;
	const uint8_t *icmp = ip + IPV4_HLEN;

	int rc = fata_buf_alloc(FATA_NETIF_HEADROOM, FATA_ETH_HLEN + IPV4_HLEN + ICMP_HLEN, out);
	if (rc < 0)
		return rc;

	uint8_t *h = fata_view_data(*out);
	memcpy(h, frame + 6, 6);
	memcpy(h + 6, p->nif->mac.bytes, 6);
	h[12] = ETHERTYPE_IPV4 >> 8;
	h[13] = ETHERTYPE_IPV4 & 0xff;

	uint8_t *rip = h + FATA_ETH_HLEN;
	memcpy(rip, ip, IPV4_HLEN);
	rip[8] = 64;             /* TTL */
	memcpy(rip + 12, p->ip, 4);
	memcpy(rip + 16, ip + 12, 4);
	rip[10] = rip[11] = 0;
	uint16_t ip_sum = checksum_fold(checksum_add(0, rip, IPV4_HLEN));
	rip[10] = (uint8_t)(ip_sum >> 8);
	rip[11] = (uint8_t)ip_sum;

	uint8_t *ricmp = rip + IPV4_HLEN;
	memcpy(ricmp, icmp, ICMP_HLEN);
	ricmp[0] = ICMP_ECHO_REPLY;
	ricmp[2] = ricmp[3] = 0;
	uint16_t icmp_sum = checksum_fold(checksum_add(payload_sum, ricmp, ICMP_HLEN));
	ricmp[2] = (uint8_t)(icmp_sum >> 8);
	ricmp[3] = (uint8_t)icmp_sum;
	(void)icmp_len;
	return FATA_OK;
}

/* Replies to an unfragmented ICMP echo request to our address without options. */
static void handle_ipv4(struct pinger *p, struct fata_view frame_view)
{
	const uint8_t *frame = fata_view_data(frame_view);
	size_t len = frame_view.len;
	const uint8_t *ip = frame + FATA_ETH_HLEN;

	if (len < FATA_ETH_HLEN + IPV4_HLEN + ICMP_HLEN || ip[0] != 0x45 ||
			ip[9] != IPPROTO_ICMP_NUMBER || memcmp(ip + 16, p->ip, 4) != 0)
		return;
	if ((ip[6] & 0x3f) != 0 || ip[7] != 0)
		return;

	size_t ip_len = (size_t)(ip[2] << 8 | ip[3]);
	if (ip_len < IPV4_HLEN + ICMP_HLEN || ip_len > len - FATA_ETH_HLEN)
		return;
	const uint8_t *icmp = ip + IPV4_HLEN;
	size_t icmp_len = ip_len - IPV4_HLEN;
	if (icmp[0] != ICMP_ECHO_REQUEST || checksum_fold(checksum_add(0, icmp, icmp_len)) != 0)
		return;

	size_t payload_off = FATA_ETH_HLEN + IPV4_HLEN + ICMP_HLEN;
	size_t payload_len = icmp_len - ICMP_HLEN;
	uint32_t payload_sum = checksum_add(0, frame + payload_off, payload_len);

	struct fata_view headers;
	if (build_echo_headers(p, frame, icmp_len, payload_sum, &headers) < 0)
		return;

	struct fata_chain chain;
	fata_chain_init(&chain);
	fata_chain_append(&chain, headers);
	if (payload_len > 0) {
		struct fata_view payload;
		fata_view_slice(frame_view, payload_off, payload_len, &payload);
		fata_chain_append(&chain, fata_view_ref(payload));
	}
	send_chain(p, &chain);

	p->replies++;
	if (len > p->largest)
		p->largest = len;
	if (p->count > 0 && p->replies >= p->count) {
		p->done = 1;
		fata_loop_stop(p->loop);
	}
}

static void on_frame(void *arg, struct fata_view frame)
{
	struct pinger *p = arg;
	uint16_t type = 0;

	if (fata_view_get_be16(frame, 12, &type) == FATA_OK) {
		if (type == ETHERTYPE_ARP)
			handle_arp(p, fata_view_data(frame), frame.len);
		else if (type == ETHERTYPE_IPV4)
			handle_ipv4(p, frame);
	}
	fata_view_release(&frame);
}

static void on_shutdown(void *arg, int status, union fata_value value)
{
	struct pinger *p = arg;
	(void)value;

	if (status == 0)
		fata_loop_stop(p->loop);
}

/*
 * Sleeps 200 ms on the loop, which takes the one-shot timer waking the
 * blocked vCPU, and logs whether the sleep lasted at least that long.
 */
static void check_timer(struct pinger *p)
{
	const uint64_t sleep_ns = 200 * 1000000ull;
	int status = -1;

	/* A turn first, so that the loop's clock is current when the sleep starts. */
	fata_loop_run(p->loop, FATA_RUN_ONCE);
	uint64_t before = fata_clock_monotonic_ns();
	fata_loop_run_until(p->loop, fata_sleep(p->loop, sleep_ns), &status, NULL);
	uint64_t slept = fata_clock_monotonic_ns() - before;

	fata_log(FATA_LOG_INFO, "xenping", "timer check %s: a 200 ms sleep took %llu us (status %d)",
			status == 0 && slept >= sleep_ns ? "ok" : "failed",
			(unsigned long long)(slept / 1000), status);
}

int main(int argc, char **argv)
{
	static const struct fata_app_info info = {
		.name = "fata-xen-ping",
		.summary = "Answers ARP and ICMP echo on a Xen network device (a netfront test).",
		.options = options,
		.option_count = 1,
		.ctx = &pinger,
	};
	struct fata_app_options opts;
	unsigned devid = 0;

	fata_app_parse(argc, argv, &info, &opts);
	fata_log_set_handler(fata_app_log_stderr, NULL);
	fata_log_set_level(opts.log_level);
	if (opts.dhcp || opts.ipv4.family != FATA_AF_INET || opts.tap_name[3] < '0') {
		fata_log(FATA_LOG_ERROR, "xenping", "needs --ipv4 ADDR/PREFIX");
		return FATA_APP_EXIT_USAGE;
	}
	memcpy(pinger.ip, opts.ipv4.bytes, 4);
	devid = (unsigned)(opts.tap_name[3] - '0');

	pinger.loop = fata_loop_new();
	if (pinger.loop == NULL)
		return 1;
	int rc = fata_xen_netfront_open(pinger.loop, devid, &pinger.nif);
	if (rc < 0)
		return 1;
	fata_netif_set_rx(pinger.nif, on_frame, &pinger);

	check_timer(&pinger);

	struct fata_promise *shutdown = fata_xen_shutdown_request(pinger.loop);
	if (shutdown)
		fata_promise_then(shutdown, on_shutdown, &pinger);

	fata_log(FATA_LOG_INFO, "xenping", "answering ARP and ping at %u.%u.%u.%u on %s",
			pinger.ip[0], pinger.ip[1], pinger.ip[2], pinger.ip[3], pinger.nif->name);
	fata_loop_run(pinger.loop, FATA_RUN_FOREVER);

	fata_log(FATA_LOG_INFO, "xenping", "sent %llu echo replies, largest request frame %llu "
			"bytes, %s", (unsigned long long)pinger.replies,
			(unsigned long long)pinger.largest, pinger.done ? "count reached" : "stopped");
	if (!pinger.done && shutdown)
		fata_promise_cancel(shutdown);
	fata_netif_close(pinger.nif);
	fata_loop_free(pinger.loop);
	return 0;
}

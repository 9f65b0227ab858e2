/*
 * The cheapest possible DNS "server" behind a tap device, for bench/dns.sh.
 *
 *   bench-dns-reflector TAP ADDR PORT
 *
 * It attaches to the existing tap device TAP and answers ARP requests for
 * the IPv4 address ADDR. Every UDP datagram to ADDR:PORT that carries a DNS
 * query becomes its reply in place. The Ethernet, IP and UDP source and
 * destination are swapped and the QR and AA bits set, so the reply is the
 * question with status NOERROR and no records. It looks nothing up.
 *
 * Its point is the bound it sets: each query costs one blocking read() and
 * one write() on the tap, the least that any server behind a tap can do.
 * The rate that dnsperf reaches against it is therefore the most that any
 * server over a tap can reach on the same machine with the same client, and
 * its ratio to NSD's rate says whether a goal is reachable at all.
 *
 * The reply's UDP checksum is zero, which RFC 768 allows over IPv4 and which
 * spares the receiver the check; the IPv4 header checksum stays valid as it
 * is, because swapping the two addresses does not change the sum. Frames
 * that are not a well-formed query to ADDR:PORT are dropped and counted.
 * SIGTERM or SIGINT ends the program, which then prints its counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define ETH_HLEN 14
#define ARP_LEN 28
#define IPV4_MIN_HLEN 20
#define UDP_HLEN 8
#define DNS_HLEN 12
#define FRAME_MAX 65536

/* A locally administered unicast address (the 0x02 bit of the first byte). */
static const uint8_t own_mac[6] = { 0x02, 0x66, 0x61, 0x74, 0x61, 0x72 };

static volatile sig_atomic_t stop;

struct counters {
	unsigned long long replies;
	unsigned long long arp_replies;
	unsigned long long dropped;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t len)
{
	uint8_t tmp[6];

	memcpy(tmp, a, len);
	memcpy(a, b, len);
	memcpy(b, tmp, len);
}

/* Turns an ARP request for `addr` into its reply in place. Returns the reply's length, or 0. */
static size_t arp_reply(uint8_t *f, size_t len, const uint8_t addr[4])
{
	uint8_t *arp = f + ETH_HLEN;

	if (len < ETH_HLEN + ARP_LEN)
		return 0;
	/* Ethernet hardware, IPv4 protocol, 6- and 4-byte addresses, operation request. */
	if (get16(arp) != 1 || get16(arp + 2) != 0x0800 || arp[4] != 6 || arp[5] != 4 ||
			get16(arp + 6) != 1 || memcmp(arp + 24, addr, 4) != 0)
		return 0;

	memcpy(f, f + 6, 6);
	memcpy(f + 6, own_mac, 6);
	arp[7] = 2;
	/* The sender becomes the target, and this host the sender. */
	memcpy(arp + 18, arp + 8, 10);
	memcpy(arp + 8, own_mac, 6);
	memcpy(arp + 14, addr, 4);
	return ETH_HLEN + ARP_LEN;
}

/* Turns a DNS query to addr:port into its reply in place. Returns the reply's length, or 0. */
static size_t dns_reply(uint8_t *f, size_t len, const uint8_t addr[4], uint16_t port)
{
	uint8_t *ip = f + ETH_HLEN, *udp, *dns;
	size_t ihl, ip_len, udp_len;

	if (len < ETH_HLEN + IPV4_MIN_HLEN || (ip[0] >> 4) != 4)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	ip_len = get16(ip + 2);
	/* Fragments (MF set or a fragment offset) are not queries this program can answer. */
	if (ihl < IPV4_MIN_HLEN || ip_len < ihl + UDP_HLEN + DNS_HLEN || ETH_HLEN + ip_len > len ||
			(get16(ip + 6) & 0x3fff) != 0 || ip[9] != 17 || memcmp(ip + 16, addr, 4) != 0)
		return 0;
	udp = ip + ihl;
	udp_len = get16(udp + 4);
	if (get16(udp + 2) != port || udp_len != ip_len - ihl)
		return 0;
	dns = udp + UDP_HLEN;
	/* A reply (QR set) is never answered, so two reflectors cannot loop. */
	if (dns[2] & 0x80)
		return 0;

	swap_bytes(f, f + 6, 6);
	swap_bytes(ip + 12, ip + 16, 4);
	swap_bytes(udp, udp + 2, 2);
	udp[6] = 0;
	udp[7] = 0;
	dns[2] |= 0x84;
	return ETH_HLEN + ip_len;
}

static int tap_attach(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "bench-dns-reflector: open /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof ifr);
	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "bench-dns-reflector: tap name %s is too long\n", name);
		close(fd);
		return -1;
	}
	strcpy(ifr.ifr_name, name);
	/* Plain frames: no packet-information prefix and no virtio-net header. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "bench-dns-reflector: TUNSETIFF %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int serve(int fd, const uint8_t addr[4], uint16_t port, struct counters *c)
{
	static uint8_t frame[FRAME_MAX];

	while (!stop) {
		ssize_t n = read(fd, frame, sizeof frame);
		size_t out = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bench-dns-reflector: read: %s\n", strerror(errno));
			return -1;
		}
		if (n >= ETH_HLEN && get16(frame + 12) == 0x0806) {
			out = arp_reply(frame, (size_t)n, addr);
			c->arp_replies += out != 0;
		} else if (n >= ETH_HLEN && get16(frame + 12) == 0x0800) {
			out = dns_reply(frame, (size_t)n, addr, port);
			c->replies += out != 0;
		}
		if (out == 0) {
			c->dropped++;
			continue;
		}
		/* A full kernel queue drops the reply, as a network card would; dnsperf counts it lost. */
		if (write(fd, frame, out) < 0 && errno != EINTR && errno != EAGAIN && errno != ENOBUFS) {
			fprintf(stderr, "bench-dns-reflector: write: %s\n", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct counters c = { 0 };
	struct sigaction sa;
	uint8_t addr[4];
	char *end;
	unsigned long port;
	int fd, rc;

	if (argc != 4) {
		fprintf(stderr, "usage: bench-dns-reflector TAP IPV4-ADDRESS PORT\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[2], addr) != 1) {
		fprintf(stderr, "bench-dns-reflector: %s is not an IPv4 address\n", argv[2]);
		return 2;
	}
	errno = 0;
	port = strtoul(argv[3], &end, 10);
	if (errno || *end || end == argv[3] || port == 0 || port > 65535) {
		fprintf(stderr, "bench-dns-reflector: %s is not a port number\n", argv[3]);
		return 2;
	}

	/* No SA_RESTART: a signal must end the blocking read() so the loop sees `stop`. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = tap_attach(argv[1]);
	if (fd < 0)
		return 1;
	rc = serve(fd, addr, (uint16_t)port, &c);
	close(fd);
	printf("replies %llu\narp_replies %llu\ndropped %llu\n", c.replies, c.arp_replies, c.dropped);
	return rc < 0 ? 1 : 0;
}

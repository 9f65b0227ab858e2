/* See lwip_tap.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"

#include "lwip_tap.h"

/* Maximum frame size read: MTU, Ethernet header and one VLAN tag. */
#define TAP_FRAME_MAX 1518

int lwip_tap_open(struct lwip_tap *tap, const char *name)
{
	struct ifreq ifr;

	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "bench-lwip-server: tap name %s is too long\n", name);
		return -1;
	}
	tap->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tap->fd < 0) {
		perror("bench-lwip-server: /dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(tap->fd, TUNSETIFF, &ifr) != 0) {
		perror("bench-lwip-server: TUNSETIFF");
		close(tap->fd);
		return -1;
	}
	return 0;
}

/* Sends one frame. lwIP calls it from the TCP/IP thread only. */
static err_t tap_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct lwip_tap *tap = netif->state;
	u16_t len;

	if (p->tot_len > sizeof(tap->tx_frame))
		return ERR_BUF;
	len = pbuf_copy_partial(p, tap->tx_frame, p->tot_len, 0);
	if (write(tap->fd, tap->tx_frame, len) != (ssize_t)len)
		return ERR_IF;
	return ERR_OK;
}

err_t lwip_tap_netif_init(struct netif *netif)
{
	static const u8_t mac[6] = { 0x02, 0xfb, 0x00, 0x00, 0x00, 0x02 };

	netif->name[0] = 't';
	netif->name[1] = 'p';
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = tap_linkoutput;
	netif->mtu = 1500;
	netif->hwaddr_len = sizeof(mac);
	memcpy(netif->hwaddr, mac, sizeof(mac));
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET
			| NETIF_FLAG_LINK_UP;
	return ERR_OK;
}

static void reader_thread(void *arg)
{
	struct netif *netif = arg;
	struct lwip_tap *tap = netif->state;
	static uint8_t frame[TAP_FRAME_MAX];

	for (;;) {
		ssize_t n = read(tap->fd, frame, sizeof(frame));
		struct pbuf *p;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("bench-lwip-server: reading the tap device");
			return;
		}
		p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
		if (!p)
			continue;
		pbuf_take(p, frame, (u16_t)n);
		if (netif->input(p, netif) != ERR_OK)
			pbuf_free(p);
	}
}

void lwip_tap_start(struct netif *netif)
{
	sys_thread_new("tap-reader", reader_thread, netif, DEFAULT_THREAD_STACKSIZE,
			DEFAULT_THREAD_PRIO);
}

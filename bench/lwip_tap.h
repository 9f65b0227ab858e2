/*
 * An lwIP network interface over a Linux tap device, used by
 * bench-lwip-server in place of the tapif driver in Debian's liblwip
 * 2.1.3+dfsg1-2. That driver corrupts the heap on every received frame
 * longer than about 600 bytes: valgrind shows pbuf_take() in its receive
 * thread writing past the end of a 616-byte block that pbuf_alloc() gave
 * it, and glibc then aborts the process. This driver receives each frame
 * into one PBUF_RAM pbuf instead and otherwise works as tapif does: a
 * reader thread hands each frame to netif->input, which is tcpip_input().
 */
#ifndef BENCH_LWIP_TAP_H
#define BENCH_LWIP_TAP_H

#include "lwip/err.h"
#include "lwip/netif.h"

/* A tap device and its frame buffer for sending. */
struct lwip_tap {
	int fd;
	/* linkoutput runs only in the TCP/IP thread, so one buffer suffices. */
	uint8_t tx_frame[1536];
};

/*
 * Opens the existing tap device `name` (IFF_TAP | IFF_NO_PI) into `tap`.
 * Returns 0, or -1 after printing why.
 */
int lwip_tap_open(struct lwip_tap *tap, const char *name);

/*
 * The netif_init_fn for netif_add(), with the struct lwip_tap as the
 * netif's state: Ethernet, MTU 1500, a fixed locally administered MAC.
 */
err_t lwip_tap_netif_init(struct netif *netif);

/* Starts the thread that reads frames and passes them to netif->input. */
void lwip_tap_start(struct netif *netif);

#endif

/*
 * bench-lwip-server: discard (RFC 863) and chargen (RFC 864) servers on
 * lwIP over a tap device, the third stack in the bulk TCP benchmark.
 *
 *   bench-lwip-server TAP ADDR NETMASK
 *
 * It uses Debian's liblwip as packaged: the Unix port with its own TCP/IP
 * thread (NO_SYS 0), the options of the package's lwipopts.h (for example
 * a 64 KiB TCP window and send buffer) and the BSD socket API. Frames come
 * and go through the small tap driver in lwip_tap.c, because the package's
 * tapif driver corrupts memory (see lwip_tap.h). The tap device must exist
 * and be up. Discard listens on port 9 and chargen on port 19, each in its
 * own thread, serving one connection at a time. It prints "listening" once
 * both accept connections and runs until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

#include "chargen_pattern.h"
#include "lwip_tap.h"

#define PROGRAM "bench-lwip-server"
#define DISCARD_PORT 9
#define CHARGEN_PORT 19
/* Bytes per lwip_read() or lwip_write() call. */
#define IO_BYTES (64 * 1024)

struct lwip_addresses {
	ip4_addr_t addr, netmask, gateway;
};

struct service {
	int chargen;
	int listen_fd;
};

static struct netif tap_netif;
static struct lwip_tap tap;
static sys_sem_t init_done;

/* Runs in lwIP's TCP/IP thread: brings the tap interface up. */
static void stack_init(void *arg)
{
	struct lwip_addresses *a = arg;

	netif_add(&tap_netif, &a->addr, &a->netmask, &a->gateway, &tap, lwip_tap_netif_init,
			tcpip_input);
	netif_set_default(&tap_netif);
	netif_set_link_up(&tap_netif);
	netif_set_up(&tap_netif);
	sys_sem_signal(&init_done);
}

static void serve_discard(int fd)
{
	static uint8_t buffer[IO_BYTES];

	for (;;) {
		ssize_t n = lwip_read(fd, buffer, sizeof(buffer));

		if (n <= 0)
			return;
	}
}

static void serve_chargen(int fd)
{
	/* The stream from offset 0, one period longer than a write. */
	static uint8_t stream[IO_BYTES + CHARGEN_PERIOD_BYTES];
	static int filled;
	uint64_t sent = 0;

	if (!filled) {
		chargen_fill(stream, sizeof(stream), 0);
		filled = 1;
	}
	for (;;) {
		size_t start = (size_t)(sent % CHARGEN_PERIOD_BYTES);
		ssize_t n = lwip_write(fd, stream + start, IO_BYTES);

		/* The client closes once it has its bytes, which ends the write with an error. */
		if (n <= 0)
			return;
		sent += (uint64_t)n;
	}
}

static void service_thread(void *arg)
{
	struct service *svc = arg;

	for (;;) {
		int fd = lwip_accept(svc->listen_fd, NULL, NULL);

		if (fd < 0) {
			fprintf(stderr, "%s: accept failed: errno %d\n", PROGRAM, errno);
			exit(1);
		}
		if (svc->chargen)
			serve_chargen(fd);
		else
			serve_discard(fd);
		lwip_close(fd);
	}
}

static int service_listen(struct service *svc, uint16_t port)
{
	struct sockaddr_in local;

	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_port = lwip_htons(port);
	local.sin_addr.s_addr = 0;

	svc->listen_fd = lwip_socket(AF_INET, SOCK_STREAM, 0);
	if (svc->listen_fd < 0)
		return -1;
	if (lwip_bind(svc->listen_fd, (struct sockaddr *)&local, sizeof(local)) != 0)
		return -1;
	return lwip_listen(svc->listen_fd, 4);
}

static int parse_addresses(char **argv, struct lwip_addresses *a)
{
	if (!ip4addr_aton(argv[2], &a->addr) || !ip4addr_aton(argv[3], &a->netmask))
		return -1;
	ip4_addr_set_zero(&a->gateway);
	return 0;
}

int main(int argc, char **argv)
{
	static struct service discard = { .chargen = 0 }, chargen = { .chargen = 1 };
	static struct lwip_addresses addresses;
	sigset_t stop;
	int sig;

	if (argc != 4) {
		fprintf(stderr, "usage: %s TAP ADDR NETMASK\n", PROGRAM);
		return 2;
	}
	if (parse_addresses(argv, &addresses) != 0) {
		fprintf(stderr, "%s: invalid address %s or netmask %s\n", PROGRAM, argv[2], argv[3]);
		return 2;
	}
	if (lwip_tap_open(&tap, argv[1]) != 0)
		return 1;

	/* Every thread inherits the blocked signals, so only sigwait() below takes them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (sys_sem_new(&init_done, 0) != ERR_OK) {
		fprintf(stderr, "%s: cannot create a semaphore\n", PROGRAM);
		return 1;
	}
	tcpip_init(stack_init, &addresses);
	sys_sem_wait(&init_done);
	lwip_tap_start(&tap_netif);

	if (service_listen(&discard, DISCARD_PORT) != 0 || service_listen(&chargen, CHARGEN_PORT) != 0) {
		fprintf(stderr, "%s: cannot listen: errno %d\n", PROGRAM, errno);
		return 1;
	}
	sys_thread_new("discard", service_thread, &discard, DEFAULT_THREAD_STACKSIZE,
			DEFAULT_THREAD_PRIO);
	sys_thread_new("chargen", service_thread, &chargen, DEFAULT_THREAD_STACKSIZE,
			DEFAULT_THREAD_PRIO);
	printf("listening\n");
	fflush(stdout);

	sigwait(&stop, &sig);
	return 0;
}

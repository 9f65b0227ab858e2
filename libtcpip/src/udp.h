/* UDP (RFC 768): sockets behind struct fata_datagram, input and output. */
#ifndef FATA_TCPIP_UDP_H
#define FATA_TCPIP_UDP_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/datagram.h>

#include "ipv4.h"

struct tcpip_stack;
struct udp_socket;

#define UDP_HLEN 8
/* Buckets of the port hash; a power of two. */
#define UDP_BUCKETS 64
/* Ephemeral ports (RFC 6335 section 6). */
#define UDP_EPHEMERAL_MIN 49152
#define UDP_EPHEMERAL_MAX 65535

/*
 * Receive hook of a socket used inside the stack (the DHCP client): gets
 * the source address and port and a borrowed view of the payload.
 */
typedef void (*udp_internal_fn)(void *arg, uint32_t src, uint16_t src_port,
		struct fata_view payload);

/* The UDP layer of one stack. */
struct udp_layer {
	struct udp_socket *buckets[UDP_BUCKETS];
	uint32_t count;
	uint16_t next_ephemeral;
};

/* Prepares the layer; `random` picks where the ephemeral port search starts. */
void udp_init(struct tcpip_stack *stack, uint32_t random);

/* Closes every socket: pending receives are rejected with FATA_ECLOSED. */
void udp_fini(struct tcpip_stack *stack);

/* The stack interface's udp_bind. */
int udp_bind(struct tcpip_stack *stack, const struct fata_sockaddr *local,
		struct fata_datagram **out);

/*
 * Opens a socket on `port` of any address whose datagrams go to `fn`
 * instead of a receive queue. Errors: as for udp_bind.
 */
int udp_bind_internal(struct tcpip_stack *stack, uint16_t port, udp_internal_fn fn, void *arg,
		struct udp_socket **out);

/* Closes a socket from udp_bind_internal(). */
void udp_close_internal(struct udp_socket *sock);

/*
 * Sends the owned chain `payload` as one UDP datagram from `src:src_port`
 * to `dst:dst_port`; `src` 0 is sent as it is (see ipv4_output). Consumes
 * the chain. Errors: those of ipv4_output(), FATA_EMSGSIZE, FATA_ENOMEM.
 */
int udp_output(struct tcpip_stack *stack, uint32_t src, uint16_t src_port, uint32_t dst,
		uint16_t dst_port, struct fata_chain *payload);

/* Handles a received UDP datagram (owned `packet` from the IP header on). */
void udp_input(struct tcpip_stack *stack, struct fata_view packet, const struct ipv4_rx *rx);

#endif

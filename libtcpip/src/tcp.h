/*
 * The boundary between the TCP layer (tcp_*.c) and the rest of the stack
 * (stack.c, ipv4.c). The IP side owns the stack object and calls these
 * functions; the TCP side sends through tcpip_ip_output() in ip.h.
 */
#ifndef FATA_TCPIP_TCP_H
#define FATA_TCPIP_TCP_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/loop.h>
#include <fata/stack.h>
#include <fata/tcpip.h>

struct tcpip_stack;
struct tcp_layer;

/* Creates the TCP layer of `stack`. Errors: FATA_ENOMEM. */
int tcp_layer_new(struct tcpip_stack *stack, struct fata_loop *loop,
		const struct fata_tcpip_config *config, struct tcp_layer **out);

/* Aborts every connection (sending RST where one is due) and frees the layer. */
void tcp_layer_free(struct tcp_layer *tcp);

/*
 * Handles one received TCP segment (header and payload, owned view) sent
 * from `src` to `dst`. The IP layer has checked the IP header only; the TCP
 * layer verifies the checksum unless `csum_ok` is set (device offload).
 */
void tcp_input(struct tcp_layer *tcp, const struct fata_ipaddr *src, const struct fata_ipaddr *dst,
		struct fata_view segment, int csum_ok);

/*
 * As tcp_input(), for a segment the device coalesced from segments of
 * `gso_size` payload bytes each (GRO), or 0 when it did not.
 */
void tcp_input_gro(struct tcp_layer *tcp, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, struct fata_view segment, int csum_ok, uint16_t gso_size);

/*
 * Handles an ICMP error about a segment this stack sent: `quoted` is the
 * quoted IP payload (the first bytes of the TCP header), borrowed.
 * `code` is a fata_error code (FATA_EHOSTUNREACH, FATA_ECONNREFUSED,
 * FATA_EMSGSIZE with `mtu` set for "fragmentation needed").
 */
void tcp_icmp_error(struct tcp_layer *tcp, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, struct fata_view quoted, int code, uint32_t mtu);

/* The stack interface's listen and connect, for TCP. */
int tcp_listen(struct tcp_layer *tcp, const struct fata_sockaddr *local, int backlog,
		const struct fata_tcp_options *options, struct fata_listener **out);
struct fata_promise *tcp_connect(struct tcp_layer *tcp, const struct fata_sockaddr *remote,
		const struct fata_tcp_options *options);

/*
 * Renames the layer's counter group (see fata/counter.h and tcp/tcp_stats.h),
 * "tcp" by default, to `name` (copied, cut at 47 bytes), for example
 * "tcpip.tap0.tcp" to match the stack's other groups.
 */
void tcp_layer_set_counter_name(struct tcp_layer *tcp, const char *name);

#endif

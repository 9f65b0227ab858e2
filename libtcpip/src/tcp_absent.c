/*
 * The TCP layer of a build without libtcpip/src/tcp: listen and connect
 * fail with FATA_ENOTSUP and received segments are dropped. Meson compiles
 * this file only when the TCP sources are absent.
 */
#include <fata/alloc.h>
#include <fata/error.h>

#include "tcp.h"

struct tcp_layer {
	struct fata_loop *loop;
};

int tcp_layer_new(struct tcpip_stack *stack, struct fata_loop *loop,
		const struct fata_tcpip_config *config, struct tcp_layer **out)
{
	struct tcp_layer *tcp = fata_calloc(1, sizeof(*tcp));

	(void)stack;
	(void)config;
	if (!tcp)
		return FATA_ENOMEM;
	tcp->loop = loop;
	*out = tcp;
	return 0;
}

void tcp_layer_free(struct tcp_layer *tcp)
{
	fata_free(tcp);
}

void tcp_input(struct tcp_layer *tcp, const struct fata_ipaddr *src, const struct fata_ipaddr *dst,
		struct fata_view segment, int csum_ok)
{
	(void)tcp;
	(void)src;
	(void)dst;
	(void)csum_ok;
	fata_view_release(&segment);
}

void tcp_input_gro(struct tcp_layer *tcp, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, struct fata_view segment, int csum_ok, uint16_t gso_size)
{
	(void)gso_size;
	tcp_input(tcp, src, dst, segment, csum_ok);
}

void tcp_icmp_error(struct tcp_layer *tcp, const struct fata_ipaddr *src,
		const struct fata_ipaddr *dst, struct fata_view quoted, int code, uint32_t mtu)
{
	(void)tcp;
	(void)src;
	(void)dst;
	(void)quoted;
	(void)code;
	(void)mtu;
}

int tcp_listen(struct tcp_layer *tcp, const struct fata_sockaddr *local, int backlog,
		const struct fata_tcp_options *options, struct fata_listener **out)
{
	(void)tcp;
	(void)local;
	(void)backlog;
	(void)options;
	(void)out;
	return FATA_ENOTSUP;
}

void tcp_layer_set_counter_name(struct tcp_layer *tcp, const char *name)
{
	(void)tcp;
	(void)name;
}

struct fata_promise *tcp_connect(struct tcp_layer *tcp, const struct fata_sockaddr *remote,
		const struct fata_tcp_options *options)
{
	(void)remote;
	(void)options;
	return fata_promise_rejected(tcp->loop, "tcp.connect", FATA_ENOTSUP);
}

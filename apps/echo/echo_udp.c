/*
 * The UDP services: echo sends each datagram back to its source (RFC 862),
 * discard drops it (RFC 863), and chargen replies to each with a datagram
 * of 0 to 512 characters (RFC 864). One receive is pending per socket, and
 * the next starts when the reply has been handed to the network.
 */
#include <string.h>

#include "echo.h"

#define CHARGEN_UDP_MAX 512

static void udp_receive(struct echo_service *svc);

static void reply_sent(void *arg, int status, union fata_value value)
{
	struct echo_service *svc = arg;

	(void)value;
	svc->send = NULL;
	/* A lost reply is normal for UDP; the error is logged only for debugging. */
	if (status < 0)
		fata_log(FATA_LOG_DEBUG, "echo", "%s: UDP reply not sent: %s", svc->name,
				fata_strerror(status));
	udp_receive(svc);
}

/* A chargen reply: the pattern, cut to a length that varies from 0 to 512. */
static int chargen_reply(struct echo_service *svc, struct fata_view *out)
{
	uint8_t lines[8 * CHARGEN_LINE];
	size_t len;

	svc->chargen_seed = svc->chargen_seed * 1103515245u + 12345u;
	len = (svc->chargen_seed >> 16) % (CHARGEN_UDP_MAX + 1);
	echo_chargen_fill(lines, 8, svc->chargen_seed % CHARGEN_CHARS);
	return fata_buf_copy(lines, len, 64, out);
}

static void received(void *arg, int status, union fata_value value)
{
	struct echo_service *svc = arg;
	struct fata_view reply = value.view;

	svc->recv = NULL;
	if (status < 0) {
		fata_log(FATA_LOG_ERROR, "echo", "%s: receiving on UDP port %u failed: %s; "
				"the UDP service stops", svc->name, svc->port, fata_strerror(status));
		return;
	}

	if (svc->kind == ECHO_DISCARD) {
		fata_view_release(&value.view);
		udp_receive(svc);
		return;
	}
	if (svc->kind == ECHO_CHARGEN) {
		fata_view_release(&value.view);
		if (chargen_reply(svc, &reply) != 0) {
			udp_receive(svc);
			return;
		}
	}

	svc->send = fata_datagram_send(svc->udp, &svc->from, &reply, 1);
	fata_view_release(&reply);
	if (!svc->send) {
		udp_receive(svc);
		return;
	}
	fata_promise_then(svc->send, reply_sent, svc);
}

static void udp_receive(struct echo_service *svc)
{
	svc->recv = fata_datagram_recv(svc->udp, &svc->from);
	if (!svc->recv) {
		fata_log(FATA_LOG_ERROR, "echo", "%s: out of memory receiving on UDP port %u",
				svc->name, svc->port);
		return;
	}
	fata_promise_then(svc->recv, received, svc);
}

int echo_udp_start(struct echo_service *svc)
{
	struct fata_sockaddr local;
	int rc;

	memset(&local, 0, sizeof(local));
	local.ip.family = FATA_AF_INET;
	local.port = svc->port;
	rc = fata_stack_udp_bind(svc->app->app.stack, &local, &svc->udp);
	if (rc < 0) {
		fata_log(FATA_LOG_ERROR, "echo", "%s: cannot bind UDP port %u: %s", svc->name,
				svc->port, fata_strerror(rc));
		svc->udp = NULL;
		return rc;
	}
	svc->chargen_seed = svc->port;
	udp_receive(svc);
	return 0;
}

void echo_udp_stop(struct echo_service *svc)
{
	fata_promise_cancel(svc->recv);
	fata_promise_cancel(svc->send);
	svc->recv = NULL;
	svc->send = NULL;
	if (svc->udp)
		fata_promise_cancel(fata_datagram_close(svc->udp));
	svc->udp = NULL;
}

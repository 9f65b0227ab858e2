/*
 * The DHCPv4 client state machine (RFC 2131 section 4.4), without I/O: the
 * caller feeds in replies, timer expiries, ARP probe conflicts, the time and
 * random numbers, and acts on the events and the message in the output.
 */
#ifndef FATA_TCPIP_DHCP_CLIENT_H
#define FATA_TCPIP_DHCP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/tcpip.h>

#include "dhcp_message.h"

/* The client states of RFC 2131 figure 5, plus PROBING for the ARP check. */
enum dhcp_state {
	DHCP_STOPPED = 0,
	DHCP_INIT,       /* waiting to start over (after a NAK or a DECLINE) */
	DHCP_SELECTING,  /* DHCPDISCOVER sent, waiting for an offer */
	DHCP_REQUESTING, /* DHCPREQUEST sent for an offer, waiting for ACK or NAK */
	DHCP_PROBING,    /* ACK received, checking by ARP that the address is free */
	DHCP_BOUND,
	DHCP_RENEWING,   /* after T1: asking our server to extend the lease */
	DHCP_REBINDING,  /* after T2: asking any server to extend the lease */
};

/* A lease offered or held. Times are in seconds; 0xffffffff is infinite. */
struct dhcp_lease {
	uint32_t addr, mask, router, server_id;
	unsigned prefix_len;
	uint32_t lease_s, t1_s, t2_s;
};

/* Events in struct dhcp_output. */
enum dhcp_event {
	DHCP_EV_SEND = 1u << 0,  /* send `msg` from `src` to `dst` (UDP 68 to 67) */
	DHCP_EV_BOUND = 1u << 1, /* take `lease` (also after a renewal that changed it) */
	DHCP_EV_LOST = 1u << 2,  /* drop the address: the lease ended or was refused */
	DHCP_EV_PROBE = 1u << 3, /* probe `probe_addr` with ARP */
};

/* The actions one step requests from the caller. */
struct dhcp_output {
	unsigned events;
	uint32_t src, dst;   /* dst 0xffffffff: broadcast */
	size_t len;
	uint8_t msg[DHCP_MSG_MAX];
	uint32_t probe_addr;
};

/* The client. */
struct dhcp_client {
	enum dhcp_state state;
	struct fata_mac mac;
	uint32_t xid;
	uint64_t deadline;    /* next timer, UINT64_MAX for none */
	uint64_t started;     /* start of this exchange, for the secs field */
	uint64_t request_sent;/* first send of the current DHCPREQUEST: the lease's start */
	unsigned tries;       /* transmissions of the current message */
	struct dhcp_lease offer; /* from DHCPOFFER, then from DHCPACK while probing */
	struct dhcp_lease lease; /* the lease held in BOUND, RENEWING and REBINDING */
	uint64_t t1_at, t2_at, expiry_at;
	struct fata_tcpip_dhcp_stats *stats;
};

/* Sets up a stopped client for the interface MAC `mac`. */
void dhcp_client_init(struct dhcp_client *c, const struct fata_mac *mac,
		struct fata_tcpip_dhcp_stats *stats);

/* Starts discovery: sends the first DHCPDISCOVER. */
void dhcp_client_start(struct dhcp_client *c, uint64_t now, uint32_t random,
		struct dhcp_output *out);

/* Handles a message received on the client port (borrowed view). */
void dhcp_client_input(struct dhcp_client *c, struct fata_view msg, uint64_t now,
		uint32_t random, struct dhcp_output *out);

/* Handles the timer; call when `now` has reached c->deadline. */
void dhcp_client_timer(struct dhcp_client *c, uint64_t now, uint32_t random,
		struct dhcp_output *out);

/* Handles another host's claim on the address being probed. */
void dhcp_client_conflict(struct dhcp_client *c, uint64_t now, uint32_t random,
		struct dhcp_output *out);

/* Returns the state's name for logs ("SELECTING"). */
const char *dhcp_state_name(enum dhcp_state state);

#endif

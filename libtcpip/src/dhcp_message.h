/* DHCPv4 messages (RFC 2131 section 2) and their options (RFC 2132). */
#ifndef FATA_TCPIP_DHCP_MESSAGE_H
#define FATA_TCPIP_DHCP_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

/* Message types, option 53 (RFC 2132 section 9.6). */
enum dhcp_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

/* Bytes before the options: the BOOTP fields and the magic cookie. */
#define DHCP_FIXED_LEN 240
/* Largest message this client builds; it stays within the 576-byte datagram all hosts take. */
#define DHCP_MSG_MAX 548
/* BOOTP relay agents may drop messages shorter than this (RFC 1542 section 3.4). */
#define DHCP_MSG_MIN 300

/* Option fields found in a server's reply; the has_* flags mark those present. */
struct dhcp_reply {
	uint32_t xid;
	uint32_t yiaddr;
	uint8_t chaddr[6];
	uint8_t type;
	uint32_t server_id, subnet_mask, router, lease_time, t1, t2;
	unsigned has_server_id : 1, has_subnet_mask : 1, has_router : 1;
	unsigned has_lease_time : 1, has_t1 : 1, has_t2 : 1;
};

/*
 * Parses a BOOTREPLY from `msg` (borrowed), reading options from the
 * options field and, when option 52 requests it, from the file and sname
 * fields. Errors: FATA_EBADMSG for anything malformed: short, not a
 * BOOTREPLY for Ethernet, no magic cookie, an option running past its
 * field, no message type, or a fixed-size option of the wrong length.
 */
int dhcp_reply_parse(struct fata_view msg, struct dhcp_reply *out);

/* The fields of a message the client sends. */
struct dhcp_request {
	uint8_t type;          /* DHCPDISCOVER, DHCPREQUEST or DHCPDECLINE */
	uint32_t xid;
	uint16_t secs;
	uint32_t ciaddr;       /* our address while RENEWING or REBINDING, else 0 */
	struct fata_mac mac;
	uint32_t requested_ip; /* option 50, 0 to leave it out */
	uint32_t server_id;    /* option 54, 0 to leave it out */
};

/*
 * Writes the message for `req` into `buf` of `size` bytes and returns its
 * length, or 0 when `size` is below DHCP_MSG_MAX.
 */
size_t dhcp_request_build(const struct dhcp_request *req, uint8_t *buf, size_t size);

#endif

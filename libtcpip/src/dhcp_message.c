/*
 * DHCPv4 message encoding and parsing (RFC 2131 section 2 and section 4.1,
 * options from RFC 2132). The fixed part is BOOTP's (RFC 951):
 *
 *   op htype hlen hops | xid | secs flags | ciaddr | yiaddr | siaddr | giaddr
 *   chaddr (16) | sname (64) | file (128) | magic cookie 99.130.83.99 | options
 */
#include <stdint.h>
#include <string.h>

#include <fata/error.h>

#include "dhcp_message.h"
#include "packet.h"

#define BOOTREQUEST 1
#define BOOTREPLY 2

#define OFF_XID 4
#define OFF_SECS 8
#define OFF_CIADDR 12
#define OFF_YIADDR 16
#define OFF_CHADDR 28
#define OFF_SNAME 44
#define OFF_FILE 108
#define OFF_COOKIE 236
#define SNAME_LEN 64
#define FILE_LEN 128

#define OPT_PAD 0
#define OPT_SUBNET_MASK 1
#define OPT_ROUTER 3
#define OPT_REQUESTED_IP 50
#define OPT_LEASE_TIME 51
#define OPT_OVERLOAD 52
#define OPT_MESSAGE_TYPE 53
#define OPT_SERVER_ID 54
#define OPT_PARAM_LIST 55
#define OPT_MAX_SIZE 57
#define OPT_T1 58
#define OPT_T2 59
#define OPT_CLIENT_ID 61
#define OPT_END 255

static const uint8_t magic_cookie[4] = { 99, 130, 83, 99 };

/* Stores one option's value in `out`; the first instance of each option wins. */
static int take_option(uint8_t code, const uint8_t *val, uint8_t len, struct dhcp_reply *out,
		uint8_t *overload)
{
	switch (code) {
	case OPT_MESSAGE_TYPE:
		if (len != 1)
			return FATA_EBADMSG;
		if (out->type == 0)
			out->type = val[0];
		return 0;
	case OPT_OVERLOAD:
		if (len != 1 || val[0] < 1 || val[0] > 3)
			return FATA_EBADMSG;
		*overload = val[0];
		return 0;
	case OPT_ROUTER:
		/* A list of routers in order of preference; the first is used. */
		if (len < 4 || len % 4 != 0)
			return FATA_EBADMSG;
		if (!out->has_router) {
			out->router = tcpip_get32(val);
			out->has_router = 1;
		}
		return 0;
	case OPT_SUBNET_MASK:
	case OPT_SERVER_ID:
	case OPT_LEASE_TIME:
	case OPT_T1:
	case OPT_T2:
		break;
	default:
		return 0;
	}

	if (len != 4)
		return FATA_EBADMSG;
	switch (code) {
	case OPT_SUBNET_MASK:
		if (!out->has_subnet_mask) {
			out->subnet_mask = tcpip_get32(val);
			out->has_subnet_mask = 1;
		}
		break;
	case OPT_SERVER_ID:
		if (!out->has_server_id) {
			out->server_id = tcpip_get32(val);
			out->has_server_id = 1;
		}
		break;
	case OPT_LEASE_TIME:
		if (!out->has_lease_time) {
			out->lease_time = tcpip_get32(val);
			out->has_lease_time = 1;
		}
		break;
	case OPT_T1:
		if (!out->has_t1) {
			out->t1 = tcpip_get32(val);
			out->has_t1 = 1;
		}
		break;
	default:
		if (!out->has_t2) {
			out->t2 = tcpip_get32(val);
			out->has_t2 = 1;
		}
		break;
	}
	return 0;
}

/*
 * Walks the options of one field (RFC 2132 section 2): pad bytes, then
 * code-length-value triples up to the end option or the field's end.
 */
static int parse_options(struct fata_view field, struct dhcp_reply *out, uint8_t *overload)
{
	struct fata_reader r;

	fata_reader_init(&r, field);
	while (fata_reader_remaining(&r) > 0) {
		uint8_t code = fata_reader_u8(&r);
		uint8_t len, val[255];
		int rc;

		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			return 0;

		len = fata_reader_u8(&r);
		fata_reader_bytes(&r, val, len);
		if (r.err != 0)
			return FATA_EBADMSG;
		rc = take_option(code, val, len, out, overload);
		if (rc != 0)
			return rc;
	}
	/* A field may end without the end option only when it is full (sname, file). */
	return 0;
}

int dhcp_reply_parse(struct fata_view msg, struct dhcp_reply *out)
{
	struct fata_view field;
	uint8_t op, htype, hlen, cookie[4];
	uint8_t overload = 0, ignored = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg.len < DHCP_FIXED_LEN)
		return FATA_EBADMSG;

	fata_view_get_u8(msg, 0, &op);
	fata_view_get_u8(msg, 1, &htype);
	fata_view_get_u8(msg, 2, &hlen);
	fata_view_get_be32(msg, OFF_XID, &out->xid);
	fata_view_get_be32(msg, OFF_YIADDR, &out->yiaddr);
	fata_view_copy_out(msg, OFF_CHADDR, out->chaddr, 6);
	fata_view_copy_out(msg, OFF_COOKIE, cookie, 4);
	if (op != BOOTREPLY || htype != 1 || hlen != 6 || memcmp(cookie, magic_cookie, 4) != 0)
		return FATA_EBADMSG;

	fata_view_slice(msg, DHCP_FIXED_LEN, msg.len - DHCP_FIXED_LEN, &field);
	rc = parse_options(field, out, &overload);

	/* RFC 2132 section 9.3: option 52 moves more options into file, then sname. */
	if (rc == 0 && (overload & 1)) {
		fata_view_slice(msg, OFF_FILE, FILE_LEN, &field);
		rc = parse_options(field, out, &ignored);
	}
	if (rc == 0 && (overload & 2)) {
		fata_view_slice(msg, OFF_SNAME, SNAME_LEN, &field);
		rc = parse_options(field, out, &ignored);
	}
	if (rc != 0)
		return rc;
	return out->type == 0 ? FATA_EBADMSG : 0;
}

static uint8_t *put_option(uint8_t *p, uint8_t code, const void *val, uint8_t len)
{
	p[0] = code;
	p[1] = len;
	memcpy(p + 2, val, len);
	return p + 2 + len;
}

static uint8_t *put_option32(uint8_t *p, uint8_t code, uint32_t value)
{
	uint8_t v[4];

	tcpip_put32(v, value);
	return put_option(p, code, v, 4);
}

size_t dhcp_request_build(const struct dhcp_request *req, uint8_t *buf, size_t size)
{
	static const uint8_t params[] = { OPT_SUBNET_MASK, OPT_ROUTER, OPT_LEASE_TIME, OPT_T1, OPT_T2 };
	uint8_t client_id[7], max_size[2];
	uint8_t *p;
	size_t len;

	if (size < DHCP_MSG_MAX)
		return 0;

	memset(buf, 0, DHCP_MSG_MAX);
	buf[0] = BOOTREQUEST;
	buf[1] = 1; /* Ethernet */
	buf[2] = 6;
	tcpip_put32(buf + OFF_XID, req->xid);
	tcpip_put16(buf + OFF_SECS, req->secs);
	tcpip_put32(buf + OFF_CIADDR, req->ciaddr);
	memcpy(buf + OFF_CHADDR, req->mac.bytes, 6);
	memcpy(buf + OFF_COOKIE, magic_cookie, 4);

	p = buf + DHCP_FIXED_LEN;
	p = put_option(p, OPT_MESSAGE_TYPE, &req->type, 1);

	/* RFC 2132 section 9.14: type 1 (Ethernet) followed by the MAC. */
	client_id[0] = 1;
	memcpy(client_id + 1, req->mac.bytes, 6);
	p = put_option(p, OPT_CLIENT_ID, client_id, sizeof(client_id));

	if (req->requested_ip != 0)
		p = put_option32(p, OPT_REQUESTED_IP, req->requested_ip);
	if (req->server_id != 0)
		p = put_option32(p, OPT_SERVER_ID, req->server_id);

	if (req->type != DHCPDECLINE) {
		tcpip_put16(max_size, 576);
		p = put_option(p, OPT_MAX_SIZE, max_size, 2);
		p = put_option(p, OPT_PARAM_LIST, params, sizeof(params));
	}
	*p++ = OPT_END;

	len = (size_t)(p - buf);
	return len < DHCP_MSG_MIN ? DHCP_MSG_MIN : len;
}

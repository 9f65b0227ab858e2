/*
 * libFuzzer target for the DHCP client: the input is a sequence of server
 * messages (2-byte big-endian length, then the message). Before each one
 * the client's transaction id and MAC are written into the message at their
 * fixed offsets, so the fuzzer reaches the option parser and every state.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fata/fata.h>

#include "dhcp_client.h"

#define NS_PER_S UINT64_C(1000000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[2048];
	static struct dhcp_output out;
	struct fata_tcpip_dhcp_stats stats;
	struct fata_mac mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
	struct dhcp_client c;
	uint64_t now = NS_PER_S;
	uint32_t random = 1;

	memset(&stats, 0, sizeof(stats));
	dhcp_client_init(&c, &mac, &stats);
	dhcp_client_start(&c, now, random, &out);

	while (size >= 2) {
		size_t len = (size_t)(data[0] << 8 | data[1]);
		struct fata_view v;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		if (len > sizeof(msg))
			len = sizeof(msg);
		memcpy(msg, data, len);
		if (len >= 34) {
			msg[4] = (uint8_t)(c.xid >> 24);
			msg[5] = (uint8_t)(c.xid >> 16);
			msg[6] = (uint8_t)(c.xid >> 8);
			msg[7] = (uint8_t)c.xid;
			memcpy(msg + 28, mac.bytes, 6);
		}
		data += len;
		size -= len;

		if (fata_buf_copy(msg, len, 0, &v) == 0) {
			dhcp_client_input(&c, v, now, random++, &out);
			fata_view_release(&v);
		}

		/* Let time pass to the client's next deadline now and then. */
		if (len & 1 && c.deadline != UINT64_MAX) {
			now = c.deadline > now ? c.deadline : now;
			dhcp_client_timer(&c, now, random++, &out);
		}
		if (len % 7 == 3)
			dhcp_client_conflict(&c, now, random++, &out);
	}
	return 0;
}

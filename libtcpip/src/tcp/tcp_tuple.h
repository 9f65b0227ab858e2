/* A connection's 4-tuple, the key of the connection table. */
#ifndef TCP_TUPLE_H
#define TCP_TUPLE_H

#include <stdint.h>
#include <string.h>

#include <fata/addr.h>

#include "tcp_siphash.h"

/* Our address and port, and the peer's, in host byte order for the ports. */
struct tcp_tuple {
	struct fata_ipaddr local;
	struct fata_ipaddr remote;
	uint16_t local_port;
	uint16_t remote_port;
};

/* Bytes tcp_tuple_pack() writes. */
#define TCP_TUPLE_PACKED 37

/* Writes the tuple's fields in a fixed layout, for hashing. */
static inline void tcp_tuple_pack(const struct tcp_tuple *t, uint8_t out[TCP_TUPLE_PACKED])
{
	out[0] = t->local.family;
	memcpy(out + 1, t->local.bytes, 16);
	memcpy(out + 17, t->remote.bytes, 16);
	out[33] = (uint8_t)(t->local_port >> 8);
	out[34] = (uint8_t)t->local_port;
	out[35] = (uint8_t)(t->remote_port >> 8);
	out[36] = (uint8_t)t->remote_port;
}

/* Returns the keyed hash of the tuple. */
static inline uint64_t tcp_tuple_hash(const struct tcp_siphash_key *key, const struct tcp_tuple *t)
{
	uint8_t packed[TCP_TUPLE_PACKED];

	tcp_tuple_pack(t, packed);
	return tcp_siphash(key, packed, sizeof(packed));
}

/* Returns 1 when both tuples name the same connection. */
static inline int tcp_tuple_equal(const struct tcp_tuple *a, const struct tcp_tuple *b)
{
	return a->local_port == b->local_port && a->remote_port == b->remote_port &&
		fata_ipaddr_equal(&a->local, &b->local) && fata_ipaddr_equal(&a->remote, &b->remote);
}

#endif

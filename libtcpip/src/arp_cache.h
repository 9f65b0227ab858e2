/*
 * The ARP cache: a fixed table of neighbour entries with a hash index,
 * least-recently-used eviction and a bounded queue of packets per entry
 * that waits for resolution. It keeps no clock and sends nothing: callers
 * pass the time in and act on the states.
 */
#ifndef FATA_TCPIP_ARP_CACHE_H
#define FATA_TCPIP_ARP_CACHE_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/buf.h>
#include <fata/netif.h>

enum arp_state {
	ARP_FREE = 0,
	ARP_INCOMPLETE = 1, /* request sent, packets may wait */
	ARP_REACHABLE = 2,  /* MAC known until `deadline` */
};

/* A packet that waits for its next hop's MAC. */
struct arp_pending {
	struct arp_pending *next;
	struct fata_view packet; /* owned: IPv4 header first, headroom for Ethernet */
	/* Offload metadata with offsets from the IPv4 header; zeroed for none. */
	struct fata_netif_meta meta;
};

/* One neighbour. */
struct arp_entry {
	uint32_t ip;
	struct fata_mac mac;
	uint8_t state;
	uint8_t tries;          /* requests sent while INCOMPLETE */
	/* INCOMPLETE: when to retry; REACHABLE: when the entry expires. */
	uint64_t deadline;
	uint64_t last_used;     /* for least-recently-used eviction */
	uint64_t refresh_sent;  /* last unicast refresh request, 0 for none */
	struct arp_pending *queue_head, *queue_tail;
	uint32_t queued;
	int32_t hash_next;      /* next entry index in the bucket, -1 at the end */
};

/* The table: `capacity` entries, hashed into a power-of-two bucket array. */
struct arp_cache {
	struct arp_entry *entries;
	int32_t *buckets;
	uint32_t capacity;
	uint32_t bucket_mask;
	uint32_t count;
	uint32_t queue_limit;
};

/* Allocates a cache of `capacity` entries. Errors: FATA_ENOMEM, FATA_EINVAL. */
int arp_cache_init(struct arp_cache *cache, uint32_t capacity, uint32_t queue_limit);

/* Releases every queued packet and the table. */
void arp_cache_fini(struct arp_cache *cache);

/* Returns the entry for `ip`, or NULL. */
struct arp_entry *arp_cache_lookup(struct arp_cache *cache, uint32_t ip);

/*
 * Returns a new FREE-state entry for `ip` (the caller sets its state). When
 * the table is full, the least recently used entry is evicted first. Its
 * queued packets are then released, their number is stored in `*dropped`
 * and `*evicted` is set to 1. Returns NULL only when the table is
 * inconsistent.
 */
struct arp_entry *arp_cache_insert(struct arp_cache *cache, uint32_t ip, uint32_t *dropped,
		int *evicted);

/* Removes `e`, releasing its queued packets; returns how many there were. */
uint32_t arp_cache_remove(struct arp_cache *cache, struct arp_entry *e);

/*
 * Queues the owned view `packet` on `e`. Errors: FATA_ELIMIT when the
 * entry's queue is full, FATA_ENOMEM; the caller keeps `packet` then.
 */
int arp_cache_enqueue(struct arp_cache *cache, struct arp_entry *e, struct fata_view packet,
		const struct fata_netif_meta *meta);

/* Takes the oldest queued packet of `e` into `*packet`; returns 0 when none is left. */
int arp_cache_dequeue(struct arp_entry *e, struct fata_view *packet, struct fata_netif_meta *meta);

#endif

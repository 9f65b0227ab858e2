/*
 * libfata-tcpip: Fata's own TCP/IP stack on any netif.
 *
 * fata_tcpip_new() builds a stack on one interface and returns it as a
 * struct fata_stack, so applications use the shared stack interface
 * (listen, connect, udp_bind) whether they run on this stack or on the host
 * kernel's sockets.
 *
 * The stack speaks Ethernet II, ARP (RFC 826), IPv4 (RFC 791) with
 * fragmentation and reassembly, ICMPv4 (RFC 792), UDP (RFC 768), TCP and a
 * DHCPv4 client (RFC 2131). Every layer counts its events in the statistics
 * below, which fata_tcpip_get_stats() copies out and which are also
 * registered as counter groups (see fata/counter.h).
 */
#ifndef FATA_TCPIP_H
#define FATA_TCPIP_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/stack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* TCP congestion control algorithms. */
enum fata_tcp_cc {
	FATA_TCP_CC_CUBIC = 0, /* RFC 9438, the default */
	FATA_TCP_CC_NEWRENO = 1, /* RFC 5681 with RFC 6582 */
};

/* Configuration of one stack; zeroed fields take the documented defaults. */
struct fata_tcpip_config {
	/* Static IPv4 address and prefix length; unset (FATA_AF_NONE) with dhcp. */
	struct fata_ipaddr ipv4;
	unsigned ipv4_prefix_len;
	/* Default gateway; unset for none. It must lie inside the prefix. */
	struct fata_ipaddr ipv4_gateway;
	/* Nonzero: obtain the address by DHCPv4 (RFC 2131) instead. */
	int dhcp;
	enum fata_tcp_cc congestion_control;
	/* TCP options on by default; set to disable (for tests and interop). */
	int disable_sack, disable_timestamps, disable_window_scale;
	/* Limits; 0 for defaults. */
	uint32_t arp_cache_size;      /* entries, default 256 */
	uint32_t reassembly_max_bytes; /* IPv4 reassembly memory, default 1 MiB */
	uint32_t tcp_max_connections;  /* default 65536 */
	/* Packets queued per destination while ARP resolves it, default 16. */
	uint32_t arp_queue_len;
	/* Time limit for reassembling one datagram in ms, default 60000. */
	uint32_t reassembly_timeout_ms;
	/* ICMP error messages sent per second on average, default 100. */
	uint32_t icmp_error_rate;
	/* ICMP error messages that may be sent back to back, default 50. */
	uint32_t icmp_error_burst;
	/* Time to live of sent IPv4 datagrams, default 64. */
	uint8_t ipv4_ttl;
	/*
	 * Seed of the stack's generator for IP identifications, ephemeral
	 * ports, DHCP transaction ids and retransmission jitter; 0 draws one
	 * from fata_entropy_fill(). Tests set it to repeat a run exactly.
	 */
	uint64_t random_seed;
};

/*
 * Creates a stack on `nif` (which it then uses exclusively and closes when
 * destroyed) and returns it in `*out`. With dhcp set, the returned stack has
 * no address yet, and the promise of fata_tcpip_ready() fulfills when it has one. A static address
 * is announced with gratuitous ARP at once. The stack switches on every
 * offload the interface offers (fata_netif_set_offloads()). TCP segments
 * then go out as TSO frames of up to 64 KiB with checksums left to the
 * device. Received frames that the device verified or coalesced (GRO) skip
 * the checksum check. Open the device without offloads to run without them
 * (FATA_TAP_NO_OFFLOAD for a tap); fata_stack_destroy() switches them off.
 * Errors: FATA_EINVAL for an inconsistent configuration (an address together
 * with dhcp, neither of them, a prefix above 32, an address that is not a
 * unicast host address of its prefix, a gateway outside the prefix, an MTU
 * below 68), FATA_EIO when no seed could be drawn, FATA_ENOMEM. On error
 * `nif` is left open and still belongs to the caller.
 */
int fata_tcpip_new(struct fata_loop *loop, struct fata_netif *nif,
		const struct fata_tcpip_config *config, struct fata_stack **out);

/*
 * Returns a promise fulfilled when the stack has an IPv4 address (at once
 * for a static one; after the DHCP exchange otherwise), with u64 = the
 * address in host byte order, or NULL (FATA_ENOMEM). Destroying the stack
 * first rejects it with FATA_ECLOSED; a stack that is not a tcpip stack
 * gives a promise rejected with FATA_EINVAL.
 */
struct fata_promise *fata_tcpip_ready(struct fata_stack *stack);

/*
 * Stores the stack's current IPv4 address, prefix length and gateway (the
 * gateway is unset, FATA_AF_NONE, when there is none); any pointer may be
 * NULL. Errors: FATA_EADDRNOTAVAIL before the stack has an address,
 * FATA_EINVAL when `stack` is not a tcpip stack.
 */
int fata_tcpip_get_ipv4(struct fata_stack *stack, struct fata_ipaddr *addr, unsigned *prefix_len,
		struct fata_ipaddr *gateway);

/* Returns 1 when `stack` was made by fata_tcpip_new(). */
int fata_tcpip_is_tcpip(const struct fata_stack *stack);

/*
 * Statistics, one struct per layer, in the spirit of `netstat -s`. Every
 * field is a uint64_t event count since the stack was created, except those
 * marked as current values. The names follow the IP-MIB (RFC 4293) and
 * UDP-MIB (RFC 4113) objects where one exists.
 */

/* Ethernet II frames. */
struct fata_tcpip_eth_stats {
	uint64_t in_frames;        /* frames received */
	uint64_t in_short;         /* shorter than an Ethernet header */
	uint64_t in_other_host;    /* unicast to another MAC, or multicast */
	uint64_t in_unknown_type;  /* EtherType other than IPv4 and ARP (VLAN tags included) */
	uint64_t out_frames;       /* frames handed to the interface */
	uint64_t out_errors;       /* frames the interface rejected or dropped */
};

/* ARP (RFC 826) and address conflict detection (RFC 5227). */
struct fata_tcpip_arp_stats {
	uint64_t in_requests;      /* requests received for any target */
	uint64_t in_replies;       /* replies received */
	uint64_t in_invalid;       /* malformed, or not Ethernet and IPv4 */
	uint64_t in_conflicts;     /* packets that claimed our address from another MAC */
	uint64_t out_requests;     /* requests sent, retries and refreshes included */
	uint64_t out_replies;      /* replies sent for our address */
	uint64_t out_announcements;/* gratuitous ARP announcements sent */
	uint64_t out_probes;       /* address probes sent before taking a DHCP lease */
	uint64_t resolved;         /* destinations resolved */
	uint64_t failed;           /* destinations that never replied */
	uint64_t queued;           /* packets queued while a destination resolved */
	uint64_t queue_drops;      /* packets dropped: queue full, resolution failed, or entry evicted */
	uint64_t evictions;        /* entries removed to make room in a full cache */
	uint64_t expired;          /* entries removed after their lifetime */
	uint64_t entries;          /* current value: entries in the cache */
};

/* IPv4 (RFC 791), named after the IP-MIB's ipSystemStats objects. */
struct fata_tcpip_ip_stats {
	uint64_t in_receives;      /* datagrams received, errors included */
	uint64_t in_hdr_errors;    /* bad version, header length or checksum */
	uint64_t in_csum_errors;   /* of in_hdr_errors: bad header checksum */
	uint64_t in_truncated;     /* total length beyond the frame */
	uint64_t in_addr_errors;   /* not for this host, or a source that is no host */
	uint64_t in_unknown_protos;/* for a protocol the stack does not run */
	uint64_t in_discards;      /* dropped for lack of memory */
	uint64_t in_delivers;      /* datagrams handed to ICMP, UDP or TCP */
	uint64_t out_requests;     /* datagrams the transports asked to send */
	uint64_t out_discards;     /* dropped for lack of memory or a full queue */
	uint64_t out_no_routes;    /* no address, or no route to the destination */
	uint64_t reasm_reqds;      /* fragments received */
	uint64_t reasm_oks;        /* datagrams reassembled */
	uint64_t reasm_fails;      /* datagrams abandoned (all reasons below) */
	uint64_t reasm_timeout;    /* of reasm_fails: not complete in time */
	uint64_t reasm_overlaps;   /* of reasm_fails: overlapping fragments */
	uint64_t reasm_limit;      /* of reasm_fails: a memory or count limit */
	uint64_t reasm_invalid;    /* of reasm_fails: bad offset or length */
	uint64_t reasm_duplicates; /* exact duplicate fragments ignored */
	uint64_t frag_oks;         /* datagrams sent in fragments */
	uint64_t frag_fails;       /* datagrams too large with Don't Fragment set */
	uint64_t frag_creates;     /* fragments sent */
	uint64_t loopback;         /* datagrams sent to the stack's own address */
};

/* ICMPv4 (RFC 792). */
struct fata_tcpip_icmp_stats {
	uint64_t in_msgs;          /* messages received, errors included */
	uint64_t in_errors;        /* short or with a bad checksum */
	uint64_t in_dest_unreachs;
	uint64_t in_time_excds;
	uint64_t in_parm_probs;
	uint64_t in_src_quenchs;   /* ignored, RFC 6633 */
	uint64_t in_redirects;     /* ignored: a host with one gateway */
	uint64_t in_echos;
	uint64_t in_echo_reps;
	uint64_t in_unknown;       /* other types */
	uint64_t in_quote_ignored; /* errors about datagrams this stack did not send */
	uint64_t out_msgs;         /* messages sent */
	uint64_t out_echo_reps;
	uint64_t out_dest_unreachs;
	uint64_t out_time_excds;
	uint64_t out_rate_limited; /* errors not sent: the token bucket was empty */
	uint64_t out_suppressed;   /* errors not sent: about an error, a broadcast or a fragment */
	uint64_t echo_broadcast_ignored; /* echo requests to a broadcast address */
};

/* UDP (RFC 768), named after the UDP-MIB. */
struct fata_tcpip_udp_stats {
	uint64_t in_datagrams;     /* delivered to a socket */
	uint64_t no_ports;         /* no socket on the destination port */
	uint64_t in_errors;        /* bad length or checksum */
	uint64_t in_csum_errors;   /* of in_errors: bad checksum */
	uint64_t rcvbuf_errors;    /* dropped: the socket's receive queue was full */
	uint64_t out_datagrams;    /* handed to IP */
	uint64_t out_errors;       /* rejected by IP */
};

/* The DHCPv4 client (RFC 2131). */
struct fata_tcpip_dhcp_stats {
	uint64_t out_discovers;
	uint64_t out_requests;
	uint64_t out_declines;
	uint64_t retransmissions;  /* of the messages above, repeated after a timeout */
	uint64_t in_offers;
	uint64_t in_acks;
	uint64_t in_naks;
	uint64_t in_invalid;       /* malformed or not for this client */
	uint64_t leases;           /* leases taken (bound) */
	uint64_t renewals;         /* leases extended in RENEWING or REBINDING */
	uint64_t expirations;      /* leases lost to expiry or NAK */
	uint64_t conflicts;        /* offered addresses declined after an ARP conflict */
};

/* Every layer's statistics. */
struct fata_tcpip_stats {
	struct fata_tcpip_eth_stats eth;
	struct fata_tcpip_arp_stats arp;
	struct fata_tcpip_ip_stats ip;
	struct fata_tcpip_icmp_stats icmp;
	struct fata_tcpip_udp_stats udp;
	struct fata_tcpip_dhcp_stats dhcp;
};

/*
 * Copies the statistics of `stack` into `*out`. The same counters are
 * registered with fata_counters_register() while the stack lives, as the
 * groups "tcpip.NETIF.eth", ".arp", ".ip", ".icmp", ".udp" and ".dhcp",
 * where NETIF is the interface's name. The field names are the counter
 * names.
 * Errors: FATA_EINVAL when `stack` is not a tcpip stack.
 */
int fata_tcpip_get_stats(struct fata_stack *stack, struct fata_tcpip_stats *out);

#ifdef __cplusplus
}
#endif

#endif

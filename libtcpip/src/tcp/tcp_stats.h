/*
 * TCP counters in the style of `netstat -s`. One struct per TCP layer; the
 * layer registers it as the counter group "tcp" (see fata/counter.h), so
 * fata_counter_get("tcp", "retransmits", NULL) reads a field. Every field
 * is a uint64_t so the struct can be walked as an array of counters.
 */
#ifndef TCP_STATS_H
#define TCP_STATS_H

#include <stdint.h>

struct tcp_stats {
	uint64_t segments_in;       /* segments received with a valid checksum and header */
	uint64_t segments_out;      /* segments handed to the IP layer */
	uint64_t retransmits;       /* segments sent again (any reason) */
	uint64_t fast_retransmits;  /* retransmits triggered by duplicate ACKs or SACK */
	uint64_t rto_timeouts;      /* retransmission timer expiries */
	uint64_t sack_recoveries;   /* loss recovery episodes driven by SACK (RFC 6675) */
	uint64_t newreno_recoveries; /* loss recovery episodes without SACK (RFC 6582) */
	uint64_t resets_in;         /* RST segments that reset a connection */
	uint64_t resets_out;        /* RST segments sent */
	uint64_t bad_checksums;     /* segments dropped for a wrong checksum */
	uint64_t bad_segments;      /* segments dropped for a malformed header or options */
	uint64_t challenge_acks;    /* challenge ACKs sent (RFC 5961) */
	uint64_t challenge_acks_throttled; /* challenge ACKs suppressed by the rate limit */
	uint64_t syncookies_sent;   /* SYN-ACKs carrying a SYN cookie */
	uint64_t syncookies_validated; /* connections created from a valid cookie */
	uint64_t syncookies_failed; /* ACKs to a listener with an invalid cookie */
	uint64_t active_opens;      /* connect calls that sent a SYN */
	uint64_t passive_opens;     /* connections created from a received SYN */
	uint64_t failed_attempts;   /* connection attempts that ended before ESTABLISHED */
	uint64_t established_resets; /* established connections ended by a RST */
	uint64_t timeouts;          /* connections dropped after too many retransmissions */
	uint64_t established;       /* connections now in ESTABLISHED or CLOSE-WAIT (a gauge) */
	uint64_t paws_drops;        /* segments dropped by the PAWS check (RFC 7323) */
	uint64_t out_of_order;      /* segments queued for reassembly */
	uint64_t reassembly_drops;  /* out-of-order segments dropped at the memory limit */
	uint64_t duplicate_segments; /* segments carrying only data already received */
	uint64_t listen_drops;      /* SYNs dropped because a queue or limit was full */
	uint64_t no_port;           /* segments for which no connection or listener existed */
	uint64_t delayed_acks;      /* ACKs sent by the delayed-ACK timer */
	uint64_t window_probes;     /* zero-window probes sent (persist timer) */
	uint64_t keepalive_probes;  /* keepalive probes sent */
	uint64_t keepalive_drops;   /* connections dropped after unanswered keepalives */
	uint64_t icmp_errors;       /* ICMP errors matched to a connection */
	uint64_t pmtu_updates;      /* MSS reductions after "fragmentation needed" */
	uint64_t time_wait_reuses;  /* TIME-WAIT connections replaced by a new SYN */
	uint64_t tso_frames_out;    /* segments longer than the MSS, cut up by the device (TSO) */
	uint64_t gro_frames_in;     /* segments longer than our MSS, coalesced by the device (GRO) */
	uint64_t window_updates;    /* ACKs sent because reading opened the receive window */
};

/* Number of counters in struct tcp_stats. */
#define TCP_STATS_COUNT (sizeof(struct tcp_stats) / sizeof(uint64_t))

/* Names of the fields of struct tcp_stats, in declaration order. */
extern const char *const tcp_stats_names[TCP_STATS_COUNT];

#endif

/*
 * The sender's SACK scoreboard (RFC 6675 section 3) records which bytes
 * above SND.UNA the receiver has reported in SACK blocks (RFC 2018). The
 * loss detection of RFC 6675 is built on it: IsLost, the pipe estimate and
 * the choice of the next segment to retransmit.
 */
#ifndef TCP_SACK_H
#define TCP_SACK_H

#include <stdint.h>

#include "tcp_wire.h"

/* Blocks kept; SACK information beyond this is forgotten, which is safe. */
#define TCP_SCOREBOARD_MAX 64

/* DupThresh of RFC 6675 section 2 (and RFC 5681's three duplicate ACKs). */
#define TCP_DUPTHRESH 3

/* The SACKed ranges above SND.UNA. */
struct tcp_scoreboard {
	uint32_t count;
	struct tcp_sack_block blocks[TCP_SCOREBOARD_MAX]; /* sorted, disjoint, not adjacent */
	uint32_t sacked; /* bytes covered by the blocks */
};

/* Forgets every block. */
void tcp_sb_clear(struct tcp_scoreboard *sb);

/*
 * Adds the received SACK blocks, ignoring blocks that are empty, reversed,
 * or outside [snd_una, snd_max) (RFC 2018 section 8: a block must lie in
 * the data sent and not yet cumulatively acknowledged). Returns the number
 * of bytes newly SACKed.
 */
uint32_t tcp_sb_update(struct tcp_scoreboard *sb, const struct tcp_sack_block *blocks,
		unsigned count, uint32_t snd_una, uint32_t snd_max);

/* Forgets everything below the new SND.UNA. */
void tcp_sb_advance(struct tcp_scoreboard *sb, uint32_t snd_una);

/* Returns 1 when byte `seq` is SACKed. */
int tcp_sb_is_sacked(const struct tcp_scoreboard *sb, uint32_t seq);

/* Returns the end of the highest SACK block, or `snd_una` without blocks. */
uint32_t tcp_sb_high_sacked(const struct tcp_scoreboard *sb, uint32_t snd_una);

/*
 * Returns the loss edge: every unSACKed byte below it is lost by IsLost()
 * of RFC 6675 section 4 (DupThresh SACK blocks above it, or more than
 * (DupThresh - 1) * SMSS SACKed bytes above it). Returns `snd_una` when no
 * byte is lost.
 */
uint32_t tcp_sb_lost_edge(const struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t smss);

/*
 * Returns the pipe of RFC 6675 section 4 (SetPipe): the bytes in
 * [snd_una, high_data) that are not SACKed and not lost, plus those not
 * SACKed and retransmitted (below `high_rxt`).
 */
uint32_t tcp_sb_pipe(const struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t high_data,
		uint32_t high_rxt, uint32_t lost_edge);

/*
 * Finds the first unSACKed byte at or above `from` and below `limit` and
 * stores the range to send from there: up to `smss` bytes, not past the
 * next SACK block or `limit`. Returns 1 when found, 0 otherwise.
 */
int tcp_sb_find_hole(const struct tcp_scoreboard *sb, uint32_t from, uint32_t limit,
		uint32_t smss, uint32_t *seq, uint32_t *len);

#endif

/*
 * SACK scoreboard. The blocks are kept sorted by sequence number, disjoint
 * and merged when they touch, so holes are the gaps between neighbours and
 * every block counts as one "discontiguous SACKed sequence" for IsLost.
 */
#include <string.h>

#include "tcp_sack.h"
#include "tcp_seq.h"

void tcp_sb_clear(struct tcp_scoreboard *sb)
{
	sb->count = 0;
	sb->sacked = 0;
}

static void recount(struct tcp_scoreboard *sb)
{
	sb->sacked = 0;
	for (uint32_t i = 0; i < sb->count; i++)
		sb->sacked += sb->blocks[i].end - sb->blocks[i].start;
}

static void remove_at(struct tcp_scoreboard *sb, uint32_t i)
{
	memmove(&sb->blocks[i], &sb->blocks[i + 1], (sb->count - i - 1) * sizeof(sb->blocks[0]));
	sb->count--;
}

/* Inserts [start, end), merging with every block it overlaps or touches. */
static void insert_block(struct tcp_scoreboard *sb, uint32_t start, uint32_t end)
{
	uint32_t i = 0;

	while (i < sb->count && tcp_seq_lt(sb->blocks[i].end, start))
		i++;

	/* Absorb every block that overlaps or touches [start, end). */
	while (i < sb->count && tcp_seq_leq(sb->blocks[i].start, end)) {
		start = tcp_seq_min(start, sb->blocks[i].start);
		end = tcp_seq_max(end, sb->blocks[i].end);
		remove_at(sb, i);
	}

	/*
	 * A full board drops the new block. Forgetting SACK data is safe,
	 * because the sender keeps every byte until it is cumulatively ACKed.
	 */
	if (sb->count == TCP_SCOREBOARD_MAX)
		return;
	memmove(&sb->blocks[i + 1], &sb->blocks[i], (sb->count - i) * sizeof(sb->blocks[0]));
	sb->blocks[i].start = start;
	sb->blocks[i].end = end;
	sb->count++;
}

uint32_t tcp_sb_update(struct tcp_scoreboard *sb, const struct tcp_sack_block *blocks,
		unsigned count, uint32_t snd_una, uint32_t snd_max)
{
	uint32_t before = sb->sacked;

	for (unsigned i = 0; i < count; i++) {
		uint32_t start = blocks[i].start;
		uint32_t end = blocks[i].end;

		if (!tcp_seq_lt(start, end))
			continue;
		if (tcp_seq_lt(start, snd_una) || tcp_seq_gt(end, snd_max))
			continue;
		insert_block(sb, start, end);
	}

	recount(sb);
	return sb->sacked > before ? sb->sacked - before : 0;
}

void tcp_sb_advance(struct tcp_scoreboard *sb, uint32_t snd_una)
{
	while (sb->count > 0 && tcp_seq_leq(sb->blocks[0].end, snd_una))
		remove_at(sb, 0);
	if (sb->count > 0 && tcp_seq_lt(sb->blocks[0].start, snd_una))
		sb->blocks[0].start = snd_una;
	recount(sb);
}

int tcp_sb_is_sacked(const struct tcp_scoreboard *sb, uint32_t seq)
{
	for (uint32_t i = 0; i < sb->count; i++) {
		if (tcp_seq_in(seq, sb->blocks[i].start, sb->blocks[i].end))
			return 1;
	}
	return 0;
}

uint32_t tcp_sb_high_sacked(const struct tcp_scoreboard *sb, uint32_t snd_una)
{
	return sb->count > 0 ? sb->blocks[sb->count - 1].end : snd_una;
}

uint32_t tcp_sb_lost_edge(const struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t smss)
{
	uint64_t sacked_above = 0;

	/*
	 * Every unSACKed byte below block i has blocks i..count-1 above it, so
	 * IsLost is the same for the whole hole under a block. Walk down from
	 * the top until the condition first holds.
	 */
	for (uint32_t k = sb->count; k > 0; k--) {
		uint32_t i = k - 1;
		uint32_t blocks_above = sb->count - i;

		sacked_above += sb->blocks[i].end - sb->blocks[i].start;
		if (blocks_above >= TCP_DUPTHRESH ||
				sacked_above > (uint64_t)(TCP_DUPTHRESH - 1) * smss)
			return sb->blocks[i].start;
	}
	return snd_una;
}

/*
 * Returns the length of the part of [a, b) below `edge` (below = 1), or at
 * and above it (below = 0).
 */
static uint32_t part(uint32_t a, uint32_t b, uint32_t edge, int below)
{
	if (below) {
		if (tcp_seq_leq(edge, a))
			return 0;
		return tcp_seq_min(b, edge) - a;
	}
	if (tcp_seq_geq(edge, b))
		return 0;
	return b - tcp_seq_max(a, edge);
}

uint32_t tcp_sb_pipe(const struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t high_data,
		uint32_t high_rxt, uint32_t lost_edge)
{
	uint32_t pipe = 0;
	uint32_t cursor = snd_una;

	/* Walk the holes: before each block, then above the last one. */
	for (uint32_t i = 0; i <= sb->count; i++) {
		uint32_t hole_end = i < sb->count ? sb->blocks[i].start : high_data;

		if (tcp_seq_lt(cursor, hole_end)) {
			pipe += part(cursor, hole_end, lost_edge, 0);
			pipe += part(cursor, hole_end, high_rxt, 1);
		}
		if (i < sb->count)
			cursor = tcp_seq_max(cursor, sb->blocks[i].end);
	}
	return pipe;
}

int tcp_sb_find_hole(const struct tcp_scoreboard *sb, uint32_t from, uint32_t limit,
		uint32_t smss, uint32_t *seq, uint32_t *len)
{
	uint32_t cursor = from;

	for (uint32_t i = 0; i <= sb->count; i++) {
		if (!tcp_seq_lt(cursor, limit))
			return 0;

		uint32_t hole_end = i < sb->count ? sb->blocks[i].start : limit;
		hole_end = tcp_seq_min(hole_end, limit);
		if (tcp_seq_lt(cursor, hole_end)) {
			uint32_t n = hole_end - cursor;
			*seq = cursor;
			*len = n < smss ? n : smss;
			return 1;
		}
		if (i < sb->count)
			cursor = tcp_seq_max(cursor, sb->blocks[i].end);
	}
	return 0;
}

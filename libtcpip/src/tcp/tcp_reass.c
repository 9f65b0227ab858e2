/* Out-of-order segment storage for the receiver. */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tcp_reass.h"
#include "tcp_seq.h"

void tcp_reass_init(struct tcp_reass *r, uint32_t max_bytes)
{
	memset(r, 0, sizeof(*r));
	r->max_bytes = max_bytes;
}

void tcp_reass_free(struct tcp_reass *r)
{
	for (uint32_t i = 0; i < r->count; i++)
		fata_view_release(&r->pieces[i].data);
	fata_free(r->pieces);
	tcp_reass_init(r, r->max_bytes);
}

static uint32_t piece_end(const struct tcp_reass_piece *p)
{
	return p->seq + p->data.len;
}

static int ensure_room(struct tcp_reass *r)
{
	if (r->count < r->cap)
		return 0;
	if (r->cap >= TCP_REASS_MAX_PIECES)
		return FATA_ELIMIT;

	uint32_t cap = r->cap ? r->cap * 2 : 16;
	struct tcp_reass_piece *pieces = fata_realloc(r->pieces, sizeof(*pieces) * cap);
	if (!pieces)
		return FATA_ENOMEM;
	r->pieces = pieces;
	r->cap = cap;
	return 0;
}

/* Inserts bytes [seq, seq + len) of `data` (starting at `offset`) at index `at`. */
static int insert_piece(struct tcp_reass *r, uint32_t at, uint32_t seq, struct fata_view data,
		uint32_t offset, uint32_t len)
{
	struct fata_view part;

	if (r->bytes + len > r->max_bytes || ensure_room(r) < 0)
		return FATA_ELIMIT;
	if (fata_view_slice(data, offset, len, &part) < 0)
		return FATA_ERANGE;

	memmove(&r->pieces[at + 1], &r->pieces[at], (r->count - at) * sizeof(r->pieces[0]));
	r->pieces[at] = (struct tcp_reass_piece){
		.seq = seq,
		.data = fata_view_ref(part),
		.stamp = r->stamp,
	};
	r->count++;
	r->bytes += len;
	return 0;
}

uint32_t tcp_reass_insert(struct tcp_reass *r, uint32_t seq, struct fata_view data)
{
	uint32_t end = seq + data.len;
	uint32_t cursor = seq;
	uint32_t stored = 0;

	r->stamp++;

	/* Fill each gap between held pieces that the new data covers. */
	for (uint32_t i = 0; i <= r->count && tcp_seq_lt(cursor, end); i++) {
		uint32_t gap_end = end;
		if (i < r->count) {
			if (tcp_seq_leq(piece_end(&r->pieces[i]), cursor))
				continue;
			gap_end = tcp_seq_min(end, r->pieces[i].seq);
		}

		if (tcp_seq_lt(cursor, gap_end)) {
			uint32_t len = gap_end - cursor;
			if (insert_piece(r, i, cursor, data, cursor - seq, len) < 0)
				break;
			stored += len;
			i++; /* step over the piece just inserted */
		}
		if (i < r->count)
			cursor = tcp_seq_max(cursor, piece_end(&r->pieces[i]));
		else
			cursor = gap_end;
	}
	return stored;
}

int tcp_reass_pop(struct tcp_reass *r, uint32_t *rcv_nxt, struct tcp_viewq *out)
{
	int moved = 0;

	while (r->count > 0 && tcp_seq_leq(r->pieces[0].seq, *rcv_nxt)) {
		struct tcp_reass_piece *p = &r->pieces[0];

		if (tcp_seq_gt(piece_end(p), *rcv_nxt)) {
			uint32_t skip = *rcv_nxt - p->seq;
			struct fata_view v = p->data;
			v.off += skip;
			v.len -= skip;
			if (tcp_viewq_push(out, v) < 0)
				return moved > 0 ? moved : FATA_ENOMEM;
			moved += (int)v.len;
			*rcv_nxt += v.len;
		} else {
			fata_view_release(&p->data);
		}

		r->bytes -= piece_end(p) - p->seq;
		r->count--;
		memmove(&r->pieces[0], &r->pieces[1], r->count * sizeof(r->pieces[0]));
	}
	return moved;
}

unsigned tcp_reass_sack_blocks(const struct tcp_reass *r, struct tcp_sack_block *out,
		unsigned max)
{
	struct tcp_sack_block blocks[TCP_SACK_BLOCKS_MAX];
	uint32_t stamps[TCP_SACK_BLOCKS_MAX];
	unsigned n = 0;

	if (max > TCP_SACK_BLOCKS_MAX)
		max = TCP_SACK_BLOCKS_MAX;

	/*
	 * Join adjacent pieces into blocks and keep the `max` most recent
	 * ones, ordered newest first (RFC 2018 section 4: the first block
	 * reports the segment that triggered the ACK).
	 */
	for (uint32_t i = 0; i < r->count;) {
		uint32_t start = r->pieces[i].seq;
		uint32_t end = piece_end(&r->pieces[i]);
		uint32_t stamp = r->pieces[i].stamp;
		for (i++; i < r->count && r->pieces[i].seq == end; i++) {
			end = piece_end(&r->pieces[i]);
			if (tcp_seq_gt(r->pieces[i].stamp, stamp))
				stamp = r->pieces[i].stamp;
		}

		/* Insertion into the newest-first list, dropping the oldest beyond max. */
		unsigned pos = n;
		while (pos > 0 && tcp_seq_gt(stamp, stamps[pos - 1]))
			pos--;
		if (pos >= max)
			continue;
		unsigned last = n < max ? n : max - 1;
		for (unsigned k = last; k > pos; k--) {
			blocks[k] = blocks[k - 1];
			stamps[k] = stamps[k - 1];
		}
		blocks[pos] = (struct tcp_sack_block){ start, end };
		stamps[pos] = stamp;
		if (n < max)
			n++;
	}

	memcpy(out, blocks, n * sizeof(blocks[0]));
	return n;
}

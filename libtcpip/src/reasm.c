/*
 * IPv4 reassembly; the invariants are stated in reasm.h.
 *
 * Memory is charged by the size of the blocks that held fragments pin, not
 * by their payload, because a tiny fragment still holds a whole receive
 * buffer. When a new fragment would pass the limit, the oldest datagrams are
 * evicted first: an attacker's stale fragments then make room for fresh ones.
 */
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "ip.h"
#include "ipv4.h"
#include "packet.h"
#include "reasm.h"

struct reasm_piece {
	struct reasm_piece *next;
	uint32_t start, end;     /* payload byte range [start, end) */
	struct fata_view data;   /* owned */
	uint32_t charge;         /* bytes counted against the table's limit */
};

struct reasm_datagram {
	struct reasm_datagram *next, *prev;
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	/* Abandoned: later fragments are dropped until the deadline. */
	uint8_t failed;
	uint8_t have_last;
	uint8_t header_len;      /* of the first fragment's header, 0 until it arrives */
	uint16_t pieces;
	uint32_t total;          /* payload length, known once the last fragment arrived */
	uint32_t received;       /* payload bytes held */
	uint32_t mem;
	uint64_t deadline;
	uint8_t header[REASM_MAX_HEADER];
	struct reasm_piece *list; /* sorted by start */
};

void reasm_init(struct reasm_table *t, uint32_t max_mem, uint64_t timeout_ns,
		struct fata_tcpip_ip_stats *stats)
{
	memset(t, 0, sizeof(*t));
	t->max_mem = max_mem;
	t->timeout_ns = timeout_ns;
	t->stats = stats;
}

/* Releases every fragment of `d` but keeps the datagram itself. */
static void drop_pieces(struct reasm_table *t, struct reasm_datagram *d)
{
	while (d->list) {
		struct reasm_piece *p = d->list;

		d->list = p->next;
		t->mem -= p->charge;
		fata_view_release(&p->data);
		fata_free(p);
	}
	d->mem = 0;
	d->pieces = 0;
	d->received = 0;
}

static void unlink_datagram(struct reasm_table *t, struct reasm_datagram *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else
		t->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		t->tail = d->prev;
	t->count--;
}

static void free_datagram(struct reasm_table *t, struct reasm_datagram *d)
{
	drop_pieces(t, d);
	unlink_datagram(t, d);
	fata_free(d);
}

/* Abandons `d`: its fragments go, and it stays as a marker until its deadline. */
static void fail_datagram(struct reasm_table *t, struct reasm_datagram *d)
{
	if (!d->failed)
		t->stats->reasm_fails++;
	d->failed = 1;
	drop_pieces(t, d);
}

void reasm_fini(struct reasm_table *t)
{
	while (t->head)
		free_datagram(t, t->head);
}

static struct reasm_datagram *find(struct reasm_table *t, const struct reasm_fragment *f)
{
	for (struct reasm_datagram *d = t->head; d; d = d->next) {
		if (d->id == f->id && d->src == f->src && d->dst == f->dst && d->proto == f->proto)
			return d;
	}
	return NULL;
}

static struct reasm_datagram *create(struct reasm_table *t, const struct reasm_fragment *f,
		uint64_t now)
{
	struct reasm_datagram *d;

	if (t->count >= REASM_MAX_DATAGRAMS) {
		struct reasm_datagram *oldest = t->head;

		if (!oldest->failed) {
			t->stats->reasm_fails++;
			t->stats->reasm_limit++;
		}
		free_datagram(t, oldest);
	}

	d = fata_calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->src = f->src;
	d->dst = f->dst;
	d->id = f->id;
	d->proto = f->proto;
	d->deadline = now + t->timeout_ns;

	d->prev = t->tail;
	if (t->tail)
		t->tail->next = d;
	else
		t->head = d;
	t->tail = d;
	t->count++;
	return d;
}

/* Evicts the oldest other datagrams until `charge` more bytes fit the limit. */
static int make_room(struct reasm_table *t, struct reasm_datagram *keep, uint32_t charge)
{
	struct reasm_datagram *d = t->head;

	while (t->mem + charge > t->max_mem && d) {
		struct reasm_datagram *next = d->next;

		if (d != keep && d->mem > 0) {
			t->stats->reasm_limit++;
			fail_datagram(t, d);
		}
		d = next;
	}
	return t->mem + charge <= t->max_mem ? 0 : FATA_ELIMIT;
}

/*
 * Checks the new range against the held pieces. Returns 0 when it fits in a
 * gap, 1 for an exact duplicate and -1 for an overlap. On 0, `*link` is the
 * place of the new piece in the sorted list.
 */
static int place(struct reasm_datagram *d, uint32_t start, uint32_t end,
		struct reasm_piece ***link)
{
	struct reasm_piece **l = &d->list;

	while (*l && (*l)->end <= start) {
		if ((*l)->start == start && (*l)->end == end)
			return 1;
		l = &(*l)->next;
	}
	if (*l && (*l)->start == start && (*l)->end == end)
		return 1;
	if (*l && (*l)->start < end)
		return -1;
	*link = l;
	return 0;
}

/* Builds the whole datagram: the first header with fresh length and fragment fields, then the payload. */
static int assemble(struct reasm_datagram *d, struct fata_view *out)
{
	uint32_t hlen = d->header_len;
	uint8_t *p;
	int rc;

	rc = fata_buf_alloc(TCPIP_HEADROOM, hlen + d->total, out);
	if (rc != 0)
		return rc;

	p = fata_view_data(*out);
	memcpy(p, d->header, hlen);
	tcpip_put16(p + 2, (uint16_t)(hlen + d->total));
	tcpip_put16(p + 6, 0);
	tcpip_put16(p + 10, 0);
	tcpip_put16(p + 10, tcpip_csum_fold(tcpip_csum_add(0, p, hlen)));

	for (struct reasm_piece *piece = d->list; piece; piece = piece->next)
		memcpy(p + hlen + piece->start, fata_view_data(piece->data), piece->data.len);
	return 0;
}

/* Validates the fragment's range; returns 0 or FATA_EBADMSG. */
static int check_range(const struct reasm_datagram *d, const struct reasm_fragment *f,
		uint32_t end, uint32_t len)
{
	/* RFC 791: every fragment but the last carries a multiple of 8 bytes. */
	if (f->more && (len == 0 || (len & 7) != 0))
		return FATA_EBADMSG;
	/* The whole datagram, header included, must fit the 16-bit total length. */
	if (end + (f->header_len ? f->header_len : IPV4_HLEN) > IPV4_MAX_LEN)
		return FATA_EBADMSG;
	if (d->have_last && (end > d->total || (!f->more && end != d->total)))
		return FATA_EBADMSG;
	if (!f->more && d->list) {
		/* A last fragment must not end before data already held. */
		struct reasm_piece *p = d->list;

		while (p->next)
			p = p->next;
		if (p->end > end)
			return FATA_EBADMSG;
	}
	return 0;
}

/* Stores the piece in its place; returns 0, or FATA_ELIMIT/FATA_ENOMEM. */
static int store(struct reasm_table *t, struct reasm_datagram *d, const struct reasm_fragment *f,
		struct fata_view *payload, struct reasm_piece **link)
{
	uint32_t block_size = payload->block ? payload->block->size : 0;
	uint32_t charge = block_size + (uint32_t)sizeof(struct reasm_piece);
	struct reasm_piece *piece;

	if (d->pieces >= REASM_MAX_FRAGMENTS || make_room(t, d, charge) != 0)
		return FATA_ELIMIT;

	piece = fata_alloc(sizeof(*piece));
	if (!piece)
		return FATA_ENOMEM;
	piece->start = f->offset;
	piece->end = f->offset + payload->len;
	piece->data = *payload;
	piece->charge = charge;
	*payload = (struct fata_view){ 0 };

	piece->next = *link;
	*link = piece;
	d->pieces++;
	d->received += piece->end - piece->start;
	d->mem += charge;
	t->mem += charge;

	if (!f->more) {
		d->have_last = 1;
		d->total = piece->end;
	}
	if (f->offset == 0 && f->header_len <= REASM_MAX_HEADER) {
		memcpy(d->header, f->header, f->header_len);
		d->header_len = (uint8_t)f->header_len;
	}
	return 0;
}

int reasm_input(struct reasm_table *t, const struct reasm_fragment *f, struct fata_view payload,
		uint64_t now, struct fata_view *datagram)
{
	struct reasm_datagram *d = find(t, f);
	uint32_t len = payload.len;
	uint32_t end = f->offset + len;
	struct reasm_piece **link = NULL;
	int rc;

	t->stats->reasm_reqds++;
	if (!d) {
		d = create(t, f, now);
		if (!d) {
			t->stats->in_discards++;
			fata_view_release(&payload);
			return 0;
		}
	}

	if (d->failed)
		goto drop;

	if (check_range(d, f, end, len) != 0) {
		t->stats->reasm_invalid++;
		fail_datagram(t, d);
		goto drop;
	}

	rc = place(d, f->offset, end, &link);
	if (rc == 1) {
		t->stats->reasm_duplicates++;
		goto drop;
	}
	if (rc < 0) {
		t->stats->reasm_overlaps++;
		fail_datagram(t, d);
		goto drop;
	}

	rc = store(t, d, f, &payload, link);
	if (rc != 0) {
		if (rc == FATA_ELIMIT)
			t->stats->reasm_limit++;
		else
			t->stats->in_discards++;
		fail_datagram(t, d);
		goto drop;
	}

	if (!d->have_last || d->header_len == 0 || d->received != d->total)
		return 0;

	/* No overlaps and a byte count equal to the total mean no holes. */
	rc = assemble(d, datagram);
	if (rc != 0) {
		t->stats->in_discards++;
		fail_datagram(t, d);
		return 0;
	}
	t->stats->reasm_oks++;
	free_datagram(t, d);
	return 1;

drop:
	fata_view_release(&payload);
	return 0;
}

void reasm_expire(struct reasm_table *t, uint64_t now, reasm_timeout_fn fn, void *arg)
{
	while (t->head && t->head->deadline <= now) {
		struct reasm_datagram *d = t->head;

		if (!d->failed) {
			t->stats->reasm_fails++;
			t->stats->reasm_timeout++;
			/* RFC 1122 section 3.3.2: report only when fragment zero arrived. */
			if (fn && d->list && d->list->start == 0 && d->header_len > 0)
				fn(arg, d->header, d->header_len, d->list->data);
		}
		free_datagram(t, d);
	}
}

uint64_t reasm_next_deadline(const struct reasm_table *t)
{
	return t->head ? t->head->deadline : UINT64_MAX;
}

/*
 * An in-memory flow pair for tests: two struct fata_flow ends joined back
 * to back on one loop. Bytes written on one end are read on the other.
 * The test may also act as one end directly (memflow_send, memflow_recv),
 * cut reads into small pieces, and stall writes to mimic a client that
 * stops reading.
 */
#ifndef TESTS_HTTP_MEMFLOW_H
#define TESTS_HTTP_MEMFLOW_H

#include <stddef.h>

#include <fata/flow.h>
#include <fata/loop.h>

struct memflow_pair;

/* Creates a pair on `loop`; end 0 and end 1 are returned in `ends`. */
struct memflow_pair *memflow_pair_new(struct fata_loop *loop, struct fata_flow *ends[2]);

/* Frees the pair; both ends must be closed, or never used again. */
void memflow_pair_free(struct memflow_pair *pair);

/* Limits every read on end `side` to at most `max` bytes (0: no limit). */
void memflow_set_read_chunk(struct memflow_pair *pair, int side, size_t max);

/* While `stalled`, writes from end `side` are queued but their promises stay pending. */
void memflow_set_write_stall(struct memflow_pair *pair, int side, int stalled);

/* Queues `len` bytes as if end `side` had written them. */
void memflow_send(struct memflow_pair *pair, int side, const void *data, size_t len);

/* Takes up to `cap` bytes that reached end `side` and were not read; returns the count. */
size_t memflow_recv(struct memflow_pair *pair, int side, void *buf, size_t cap);

/* Ends the write direction of end `side`, as fata_flow_shutdown would. */
void memflow_shutdown(struct memflow_pair *pair, int side);

/* Returns 1 when end `side` has been closed. */
int memflow_closed(const struct memflow_pair *pair, int side);

/* Returns 1 when end `side` has shut down its write direction (or closed). */
int memflow_write_ended(const struct memflow_pair *pair, int side);

#endif

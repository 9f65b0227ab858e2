/*
 * An in-memory pair of connected flows, the test double under the TLS
 * flows: bytes written on one end are read on the other. Writes complete
 * at once; shutdown or close of one end gives the other end's reads a
 * clean end of stream.
 */
#ifndef TLS_TEST_MEM_FLOW_H
#define TLS_TEST_MEM_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include <fata/flow.h>

/* Creates two connected flows on `loop`. Returns 0 or FATA_ENOMEM. */
int mem_flow_pair(struct fata_loop *loop, struct fata_flow **a, struct fata_flow **b);

/* Makes reads on `flow` return at most `max` bytes each (0: no limit). */
void mem_flow_set_chunk(struct fata_flow *flow, size_t max);

/* Returns the bytes written on `flow` so far. */
uint64_t mem_flow_bytes_written(const struct fata_flow *flow);

/* Returns the number of write calls on `flow` so far. */
uint64_t mem_flow_writes(const struct fata_flow *flow);

/*
 * Returns the bytes written on `flow` that the other end has not read, and
 * lets a test corrupt them: `pending` points into the peer's queue.
 */
uint8_t *mem_flow_pending(struct fata_flow *flow, size_t *len);

#endif

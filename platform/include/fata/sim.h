/*
 * The simulated network: an in-memory link that joins netifs, with seeded
 * loss, duplication, reordering, corruption and delay, on a virtual loop
 * (fata_loop_new_virtual). The same seed and the same inputs give the same
 * run, so a failing seed can be replayed.
 */
#ifndef FATA_SIM_H
#define FATA_SIM_H

#include <stdint.h>

#include <fata/loop.h>
#include <fata/netif.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_sim_link;

/* Impairments applied independently to every frame that crosses the link. */
struct fata_sim_params {
	/* Probabilities in parts per million (0 to 1,000,000). */
	uint32_t loss_ppm;
	uint32_t duplicate_ppm;
	uint32_t reorder_ppm;  /* the frame gets an extra random delay up to reorder_ns */
	uint32_t corrupt_ppm;  /* one random bit of the frame is flipped */
	uint64_t delay_ns;     /* fixed one-way delay */
	uint64_t jitter_ns;    /* extra uniform random delay in [0, jitter_ns] */
	uint64_t reorder_ns;
	/* Bytes per second the link carries; 0 for unlimited. */
	uint64_t rate_bps;
	/* Frames that may wait in one direction's queue before drops; 0 for 1024. */
	uint32_t queue_limit;
	uint32_t mtu; /* 0 for 1500 */
	/*
	 * Transmit offloads every port offers: FATA_NETIF_F_TX_CSUM and
	 * FATA_NETIF_F_TSO (which needs TX_CSUM). The link completes checksums
	 * and cuts TSO frames into MTU-sized segments in software before the
	 * impairments apply to each segment. Receive offloads are not offered.
	 * Only the value given to fata_sim_link_new() counts.
	 */
	uint32_t offloads;
};

/* Counters of one link. */
struct fata_sim_stats {
	uint64_t frames, lost, duplicated, reordered, corrupted, queue_drops;
};

/*
 * Creates a link on the virtual loop `loop`, with pseudo-random choices from
 * `seed` (a fixed generator, so a seed replays exactly). Errors: FATA_EINVAL
 * when `loop` is not virtual, FATA_ENOMEM.
 */
int fata_sim_link_new(struct fata_loop *loop, const struct fata_sim_params *params,
		uint64_t seed, struct fata_sim_link **out);

/*
 * Adds a port to the link and returns it as a netif with the MAC `mac`.
 * A frame sent on one port reaches every other port whose MAC matches its
 * destination, or all of them for broadcast and multicast, like a switch.
 * Errors: FATA_ENOMEM.
 */
int fata_sim_link_port(struct fata_sim_link *link, const struct fata_mac *mac,
		struct fata_netif **out);

/* Replaces the impairments from now on. */
void fata_sim_link_set_params(struct fata_sim_link *link, const struct fata_sim_params *params);

/* Returns the link's counters. */
const struct fata_sim_stats *fata_sim_link_stats(const struct fata_sim_link *link);

/* Frees the link; its ports must have been closed, frames in flight are dropped. */
void fata_sim_link_free(struct fata_sim_link *link);

/* A small deterministic generator (xoshiro256**), for tests that need one. */
struct fata_rng {
	uint64_t s[4];
};
void fata_rng_seed(struct fata_rng *rng, uint64_t seed);
uint64_t fata_rng_next(struct fata_rng *rng);
/* Returns a uniform value in [0, bound); bound 0 gives 0. */
uint64_t fata_rng_below(struct fata_rng *rng, uint64_t bound);

#ifdef __cplusplus
}
#endif

#endif

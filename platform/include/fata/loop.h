/*
 * The event loop: one thread, run queue of promise callbacks, timers, and a
 * backend poller that waits for I/O.
 *
 * Fata is single-threaded: every object belongs to one loop and is used
 * only from that loop's thread. The loop's clock is monotonic nanoseconds;
 * a loop created with fata_loop_new_virtual() has a virtual clock that jumps
 * straight to the next timer whenever nothing else is ready, so simulated
 * networks run at full speed and the same seed repeats the same run.
 */
#ifndef FATA_LOOP_H
#define FATA_LOOP_H

#include <stdint.h>

#include <fata/promise.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_loop;

/*
 * A backend poller: how a loop waits for I/O and reads its clock. The POSIX
 * backend's poller sits on epoll; the Xen backend's blocks the vCPU.
 */
struct fata_poller_ops {
	/*
	 * Waits up to `timeout_ns` nanoseconds (0: do not block; UINT64_MAX:
	 * without limit) for I/O and runs the handlers of whatever became
	 * ready. Returns 0 or a negative fata_error code, which stops the loop.
	 */
	int (*wait)(void *ctx, struct fata_loop *loop, uint64_t timeout_ns);
	/* Returns monotonic time in nanoseconds. */
	uint64_t (*now)(void *ctx);
	/* Frees the poller; called by fata_loop_free(). May be NULL. */
	void (*destroy)(void *ctx);
};

/*
 * Creates a loop on the backend's default poller (epoll on POSIX).
 * Returns NULL when out of memory or when the backend cannot create its
 * poller.
 */
struct fata_loop *fata_loop_new(void);

/*
 * Creates a loop that waits with `ops` and `ctx`; the loop calls
 * ops->destroy(ctx) when freed. Returns NULL when out of memory.
 */
struct fata_loop *fata_loop_new_with(const struct fata_poller_ops *ops, void *ctx);

/*
 * Creates a loop with a virtual clock that starts at `start_ns` and has no
 * I/O: whenever no callback is queued, time jumps to the next timer.
 * Returns NULL when out of memory.
 */
struct fata_loop *fata_loop_new_virtual(uint64_t start_ns);

/*
 * Frees `loop`. Queued callbacks are dropped and their owned values
 * released; pending timers are discarded. Objects created on the loop must
 * be closed first.
 */
void fata_loop_free(struct fata_loop *loop);

/* How long fata_loop_run() runs. */
enum fata_run_mode {
	/* Until nothing can happen: no callback queued, no timer, no reference. */
	FATA_RUN_IDLE = 0,
	/* Until fata_loop_stop(), even when idle. */
	FATA_RUN_FOREVER = 1,
	/* One turn: run the queued callbacks and due timers, poll once without blocking. */
	FATA_RUN_ONCE = 2,
};

/*
 * Runs `loop`. Returns 0 when the mode's end is reached or
 * fata_loop_stop() was called, or the poller's negative error code.
 */
int fata_loop_run(struct fata_loop *loop, enum fata_run_mode mode);

/*
 * Runs `loop` until `p` settles, attaching its own callback (so `p` must
 * have none and the caller gives up its consumer side). Stores the outcome
 * in `*status` and `*value` (either may be NULL; an owned value is then
 * released). Returns 0 when `p` settled, FATA_EAGAIN when the loop went idle
 * with `p` still pending (`p` is then canceled), the poller's error, or
 * FATA_ENOMEM when `p` is NULL.
 */
int fata_loop_run_until(struct fata_loop *loop, struct fata_promise *p, int *status,
		union fata_value *value);

/* Makes the running fata_loop_run() return after the current callback. */
void fata_loop_stop(struct fata_loop *loop);

/*
 * Returns the loop's time in nanoseconds: monotonic, read once per turn, so
 * every callback in one turn sees the same value.
 */
uint64_t fata_loop_now(const struct fata_loop *loop);

/* Returns 1 for a loop from fata_loop_new_virtual(), else 0. */
int fata_loop_is_virtual(const struct fata_loop *loop);

/*
 * Advances a virtual loop's clock by `ns` and runs everything due by then.
 * Returns FATA_EINVAL on a real loop.
 */
int fata_loop_advance(struct fata_loop *loop, uint64_t ns);

/*
 * References keep FATA_RUN_IDLE running: an open listener or a device that
 * may receive holds one, because work can arrive without a timer or a
 * queued callback. Every ref must be matched by an unref.
 */
void fata_loop_ref(struct fata_loop *loop);
void fata_loop_unref(struct fata_loop *loop);

/*
 * A one-shot timer embedded in the caller's structure, so arming it never
 * allocates. Initialise once, then arm and cancel as often as needed.
 */
struct fata_timer {
	void (*fn)(void *arg, struct fata_timer *timer);
	void *arg;
	uint64_t deadline;  /* loop time in ns when armed */
	uint32_t heap_index; /* position in the loop's heap; UINT32_MAX when idle */
	uint64_t seq;        /* arming order, to run equal deadlines first-armed first */
};

/* Prepares `t` to call `fn(arg, t)` when it fires. */
void fata_timer_init(struct fata_timer *t, void (*fn)(void *arg, struct fata_timer *t), void *arg);

/*
 * Arms `t` to fire at loop time `deadline_ns`, re-arming it if it was armed.
 * Timers fire in deadline order, then arming order. Errors: FATA_ENOMEM when
 * the timer heap could not grow (the timer is then not armed).
 */
int fata_timer_arm(struct fata_loop *loop, struct fata_timer *t, uint64_t deadline_ns);

/* Disarms `t`; harmless when it is not armed. */
void fata_timer_cancel(struct fata_loop *loop, struct fata_timer *t);

/* Returns 1 when `t` is armed. */
int fata_timer_armed(const struct fata_timer *t);

/*
 * Queues `fn(arg)` to run as a callback in this turn or the next, in the
 * same FIFO as promise callbacks. `task` is storage owned by the caller and
 * must stay valid until `fn` runs. Queuing a task already queued does
 * nothing.
 */
struct fata_task {
	void (*fn)(void *arg);
	void *arg;
	struct fata_task *next;
	int queued;
};
void fata_task_init(struct fata_task *task, void (*fn)(void *arg), void *arg);
void fata_task_post(struct fata_loop *loop, struct fata_task *task);

/* Loop statistics, for counters and tests. */
struct fata_loop_stats {
	uint64_t promises_created;
	uint64_t promises_allocated; /* promises that needed a fresh allocation */
	uint64_t callbacks_run;
	uint64_t timers_fired;
	uint64_t polls;       /* waits on the poller */
	uint64_t io_wakeups;  /* waits that returned with I/O ready */
	uint32_t promises_live;
};

/* Returns the statistics of `loop`. */
const struct fata_loop_stats *fata_loop_stats(const struct fata_loop *loop);

#ifdef __cplusplus
}
#endif

#endif

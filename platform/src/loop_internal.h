/*
 * The loop structure, shared by loop.c and promise.c. Not installed.
 */
#ifndef FATA_PLATFORM_LOOP_INTERNAL_H
#define FATA_PLATFORM_LOOP_INTERNAL_H

#include <stdint.h>

#include <fata/loop.h>

/* Size of the pooled helper objects that sleep and timeout use. */
#define LOOP_AUX_SIZE 128

struct loop_aux {
	struct loop_aux *next;
};

struct fata_loop {
	const struct fata_poller_ops *ops;
	void *ctx;
	int is_virtual;
	uint64_t now;

	/* The run queue: tasks and promise callbacks, first in, first out. */
	struct fata_task *head;
	struct fata_task *tail;

	/* Armed timers, a binary min-heap ordered by (deadline, seq). */
	struct fata_timer **heap;
	uint32_t heap_len;
	uint32_t heap_cap;
	uint64_t timer_seq;

	uint32_t refs;
	int stop;

	/* Recycled promises and helper objects. */
	struct fata_promise *free_promises;
	struct loop_aux *free_aux;

	struct fata_loop_stats stats;
};

/* Returns a LOOP_AUX_SIZE-byte object from the loop's pool, or NULL. */
void *loop_aux_alloc(struct fata_loop *loop);

/* Returns an object from loop_aux_alloc() to the pool. */
void loop_aux_free(struct fata_loop *loop, void *p);

/* Frees every recycled promise; called by fata_loop_free(). */
void promise_free_all(struct fata_loop *loop);

/* Releases a queued promise that will never run; called by fata_loop_free(). */
int promise_discard_task(struct fata_task *task);

/*
 * Attaches a callback that also receives the value's release function, so
 * that combinators can pass ownership on unchanged.
 */
void promise_then_raw(struct fata_promise *p,
		void (*fn)(void *arg, int status, union fata_value value, fata_value_release_fn release),
		void *arg);

#endif

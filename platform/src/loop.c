/*
 * The event loop; see fata/loop.h.
 *
 * One turn: read the clock, fire the timers that are due, run the queue of
 * callbacks until it is empty (including callbacks queued meanwhile), then
 * wait for I/O until the next timer, or not at all when the queue refilled.
 * Timers fire from the loop itself, never from inside another callback.
 */
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/loop.h>

#include "backend.h"
#include "loop_internal.h"

#define HEAP_NONE UINT32_MAX

static uint64_t virtual_now(void *ctx)
{
	const struct fata_loop *loop = ctx;

	return loop->now;
}

static int virtual_wait(void *ctx, struct fata_loop *loop, uint64_t timeout_ns)
{
	(void)ctx;
	(void)loop;
	(void)timeout_ns;
	return FATA_OK;
}

static const struct fata_poller_ops virtual_ops = {
	.wait = virtual_wait,
	.now = virtual_now,
	.destroy = NULL,
};

struct fata_loop *fata_loop_new_with(const struct fata_poller_ops *ops, void *ctx)
{
	struct fata_loop *loop = fata_calloc(1, sizeof *loop);

	if (!loop) {
		if (ops->destroy)
			ops->destroy(ctx);
		return NULL;
	}
	loop->ops = ops;
	loop->ctx = ctx;
	loop->now = ops->now(ctx);
	return loop;
}

struct fata_loop *fata_loop_new(void)
{
	const struct fata_poller_ops *ops;
	void *ctx;

	if (fata_backend_poller_new(&ops, &ctx) < 0)
		return NULL;
	return fata_loop_new_with(ops, ctx);
}

struct fata_loop *fata_loop_new_virtual(uint64_t start_ns)
{
	struct fata_loop *loop = fata_calloc(1, sizeof *loop);

	if (!loop)
		return NULL;
	loop->ops = &virtual_ops;
	loop->ctx = loop;
	loop->is_virtual = 1;
	loop->now = start_ns;
	return loop;
}

void fata_loop_free(struct fata_loop *loop)
{
	struct fata_task *task;
	struct loop_aux *aux;

	if (!loop)
		return;
	while ((task = loop->head) != NULL) {
		loop->head = task->next;
		task->next = NULL;
		task->queued = 0;
		(void)promise_discard_task(task);
	}
	loop->tail = NULL;
	for (uint32_t i = 0; i < loop->heap_len; i++)
		loop->heap[i]->heap_index = HEAP_NONE;
	fata_free(loop->heap);
	promise_free_all(loop);
	aux = loop->free_aux;
	while (aux) {
		struct loop_aux *next = aux->next;

		fata_free(aux);
		aux = next;
	}
	if (loop->ops->destroy)
		loop->ops->destroy(loop->ctx);
	fata_free(loop);
}

void *loop_aux_alloc(struct fata_loop *loop)
{
	struct loop_aux *aux = loop->free_aux;

	if (aux) {
		loop->free_aux = aux->next;
		return aux;
	}
	return fata_alloc(LOOP_AUX_SIZE);
}

void loop_aux_free(struct fata_loop *loop, void *p)
{
	struct loop_aux *aux = p;

	aux->next = loop->free_aux;
	loop->free_aux = aux;
}

void *fata_loop_poller_ctx(const struct fata_loop *loop)
{
	return loop->ctx;
}

const struct fata_poller_ops *fata_loop_poller_ops(const struct fata_loop *loop)
{
	return loop->ops;
}

void fata_loop_note_io(struct fata_loop *loop)
{
	loop->stats.io_wakeups++;
}

uint64_t fata_loop_now(const struct fata_loop *loop)
{
	return loop->now;
}

int fata_loop_is_virtual(const struct fata_loop *loop)
{
	return loop->is_virtual;
}

void fata_loop_ref(struct fata_loop *loop)
{
	loop->refs++;
}

void fata_loop_unref(struct fata_loop *loop)
{
	if (loop->refs > 0)
		loop->refs--;
}

void fata_loop_stop(struct fata_loop *loop)
{
	loop->stop = 1;
}

const struct fata_loop_stats *fata_loop_stats(const struct fata_loop *loop)
{
	return &loop->stats;
}

/* Tasks: the FIFO run queue. */

void fata_task_init(struct fata_task *task, void (*fn)(void *arg), void *arg)
{
	task->fn = fn;
	task->arg = arg;
	task->next = NULL;
	task->queued = 0;
}

void fata_task_post(struct fata_loop *loop, struct fata_task *task)
{
	if (task->queued)
		return;
	task->queued = 1;
	task->next = NULL;
	if (loop->tail)
		loop->tail->next = task;
	else
		loop->head = task;
	loop->tail = task;
}

/* Runs queued tasks until the queue is empty or the loop is stopped. */
static void run_queue(struct fata_loop *loop)
{
	struct fata_task *task;

	while (!loop->stop && (task = loop->head) != NULL) {
		loop->head = task->next;
		if (!loop->head)
			loop->tail = NULL;
		task->next = NULL;
		task->queued = 0;
		task->fn(task->arg);
	}
}

/* Timers: a binary min-heap of pointers into the callers' structures. */

static int timer_before(const struct fata_timer *a, const struct fata_timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static void heap_place(struct fata_loop *loop, uint32_t i, struct fata_timer *t)
{
	loop->heap[i] = t;
	t->heap_index = i;
}

static void heap_up(struct fata_loop *loop, uint32_t i)
{
	struct fata_timer *t = loop->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, t);
}

static void heap_down(struct fata_loop *loop, uint32_t i)
{
	struct fata_timer *t = loop->heap[i];

	for (;;) {
		uint32_t child = 2 * i + 1;

		if (child >= loop->heap_len)
			break;
		if (child + 1 < loop->heap_len && timer_before(loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!timer_before(loop->heap[child], t))
			break;
		heap_place(loop, i, loop->heap[child]);
		i = child;
	}
	heap_place(loop, i, t);
}

static void heap_remove(struct fata_loop *loop, struct fata_timer *t)
{
	uint32_t i = t->heap_index;
	struct fata_timer *last = loop->heap[--loop->heap_len];

	t->heap_index = HEAP_NONE;
	if (last == t)
		return;
	heap_place(loop, i, last);
	heap_down(loop, i);
	heap_up(loop, last->heap_index);
}

void fata_timer_init(struct fata_timer *t, void (*fn)(void *arg, struct fata_timer *t), void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->deadline = 0;
	t->heap_index = HEAP_NONE;
	t->seq = 0;
}

int fata_timer_arm(struct fata_loop *loop, struct fata_timer *t, uint64_t deadline_ns)
{
	if (t->heap_index != HEAP_NONE)
		heap_remove(loop, t);
	if (loop->heap_len == loop->heap_cap) {
		uint32_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct fata_timer **heap;

		if (cap > UINT32_MAX / 2)
			return FATA_ENOMEM;
		heap = fata_realloc(loop->heap, cap * sizeof *heap);
		if (!heap)
			return FATA_ENOMEM;
		loop->heap = heap;
		loop->heap_cap = cap;
	}
	t->deadline = deadline_ns;
	t->seq = ++loop->timer_seq;
	heap_place(loop, loop->heap_len++, t);
	heap_up(loop, t->heap_index);
	return FATA_OK;
}

void fata_timer_cancel(struct fata_loop *loop, struct fata_timer *t)
{
	if (t->heap_index != HEAP_NONE)
		heap_remove(loop, t);
}

int fata_timer_armed(const struct fata_timer *t)
{
	return t->heap_index != HEAP_NONE;
}

/* Fires every timer due at the loop's current time, running the queue after each. */
static void fire_due_timers(struct fata_loop *loop)
{
	while (!loop->stop && loop->heap_len > 0 && loop->heap[0]->deadline <= loop->now) {
		struct fata_timer *t = loop->heap[0];

		heap_remove(loop, t);
		loop->stats.timers_fired++;
		t->fn(t->arg, t);
		run_queue(loop);
	}
}

static void update_clock(struct fata_loop *loop)
{
	uint64_t now;

	if (loop->is_virtual)
		return;
	now = loop->ops->now(loop->ctx);
	/* A backend clock that steps back must not move loop time backwards. */
	if (now > loop->now)
		loop->now = now;
}

static int is_idle(const struct fata_loop *loop)
{
	return !loop->head && loop->heap_len == 0 && loop->refs == 0;
}

/*
 * Runs turns until the mode's end, a stop, or *done becoming nonzero.
 * Returns 0 or the poller's error.
 */
static int run_turns(struct fata_loop *loop, enum fata_run_mode mode, const int *done)
{
	int err;

	loop->stop = 0;
	for (;;) {
		uint64_t timeout;

		update_clock(loop);
		fire_due_timers(loop);
		run_queue(loop);
		if (loop->stop || (done && *done))
			break;
		if (mode == FATA_RUN_ONCE) {
			loop->stats.polls++;
			err = loop->ops->wait(loop->ctx, loop, 0);
			if (err < 0)
				return err;
			update_clock(loop);
			fire_due_timers(loop);
			run_queue(loop);
			break;
		}
		if (is_idle(loop) && mode == FATA_RUN_IDLE)
			break;
		if (loop->head)
			continue;
		if (loop->is_virtual) {
			/* Nothing to wait for: jump to the next timer, or stop when there is none. */
			if (loop->heap_len == 0)
				break;
			if (loop->heap[0]->deadline > loop->now)
				loop->now = loop->heap[0]->deadline;
			continue;
		}
		timeout = UINT64_MAX;
		if (loop->heap_len > 0)
			timeout = loop->heap[0]->deadline > loop->now ?
				loop->heap[0]->deadline - loop->now : 0;
		loop->stats.polls++;
		err = loop->ops->wait(loop->ctx, loop, timeout);
		if (err < 0)
			return err;
	}
	loop->stop = 0;
	return FATA_OK;
}

int fata_loop_run(struct fata_loop *loop, enum fata_run_mode mode)
{
	return run_turns(loop, mode, NULL);
}

struct run_until_result {
	int done;
	int status;
	union fata_value value;
	fata_value_release_fn release;
};

static void run_until_then(void *arg, int status, union fata_value value,
		fata_value_release_fn release)
{
	struct run_until_result *r = arg;

	r->done = 1;
	r->status = status;
	r->value = value;
	r->release = release;
}

int fata_loop_run_until(struct fata_loop *loop, struct fata_promise *p, int *status,
		union fata_value *value)
{
	struct run_until_result r = { 0 };
	int err;

	if (!p)
		return FATA_ENOMEM;
	promise_then_raw(p, run_until_then, &r);
	err = run_turns(loop, FATA_RUN_IDLE, &r.done);
	if (!r.done) {
		fata_promise_cancel(p);
		return err < 0 ? err : FATA_EAGAIN;
	}
	if (status)
		*status = r.status;
	if (value)
		*value = r.value;
	else if (r.release)
		r.release(&r.value);
	return FATA_OK;
}

int fata_loop_advance(struct fata_loop *loop, uint64_t ns)
{
	uint64_t target;

	if (!loop->is_virtual)
		return FATA_EINVAL;
	target = loop->now + ns;
	if (target < ns)
		target = UINT64_MAX;
	loop->stop = 0;
	run_queue(loop);
	while (!loop->stop && loop->heap_len > 0 && loop->heap[0]->deadline <= target) {
		if (loop->heap[0]->deadline > loop->now)
			loop->now = loop->heap[0]->deadline;
		fire_due_timers(loop);
	}
	if (!loop->stop)
		loop->now = target;
	run_queue(loop);
	loop->stop = 0;
	return FATA_OK;
}

/*
 * Promises; see fata/promise.h for the contract.
 *
 * Invariants:
 * - `producer` is 1 from creation until the producer settles the promise or
 *   its cancel hook has run; `consumer` is 1 from creation until the
 *   callback has run or the consumer canceled.
 * - A promise goes back to the loop's free list when both are 0 and it is
 *   not in the run queue.
 * - A callback is queued exactly once: when the promise is settled and a
 *   callback is attached, whichever happens second.
 * - `release` is set only while the promise holds an owned value that no
 *   callback has received; whoever drops the value without delivering it
 *   calls it.
 */
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/promise.h>
#include <fata/trace.h>

#include "loop_internal.h"

struct fata_promise {
	struct fata_task task; /* runs the callback from the loop's queue */
	struct fata_loop *loop;
	struct fata_promise *next_free;
	uint8_t state;
	uint8_t producer;
	uint8_t consumer;
	uint8_t has_then;
	int32_t error;
	union fata_value value;
	fata_value_release_fn release;
	fata_then_fn then_fn;
	/* Set instead of then_fn by combinators, which pass ownership on. */
	void (*raw_fn)(void *arg, int status, union fata_value value, fata_value_release_fn release);
	void *then_arg;
	fata_cancel_fn cancel_fn;
	void *cancel_ctx;
	const char *label;
	uint64_t trace_id;
};

static const union fata_value zero_value;

static void run_callback(void *arg);

static void trace(const struct fata_promise *p, enum fata_trace_kind kind, int64_t value)
{
	if (fata_trace_enabled())
		fata_trace_record(kind, p->label, p->trace_id, value, fata_loop_now(p->loop));
}

static void release_value(struct fata_promise *p)
{
	fata_value_release_fn release = p->release;

	p->release = NULL;
	if (release)
		release(&p->value);
	p->value = zero_value;
}

static void recycle_if_done(struct fata_promise *p)
{
	struct fata_loop *loop = p->loop;

	if (p->producer || p->consumer || p->task.queued)
		return;
	release_value(p);
	p->next_free = loop->free_promises;
	loop->free_promises = p;
	loop->stats.promises_live--;
}

struct fata_promise *fata_promise_new(struct fata_loop *loop, const char *label)
{
	struct fata_promise *p = loop->free_promises;

	if (p) {
		loop->free_promises = p->next_free;
	} else {
		p = fata_alloc(sizeof *p);
		if (!p)
			return NULL;
		loop->stats.promises_allocated++;
	}
	memset(p, 0, sizeof *p);
	fata_task_init(&p->task, run_callback, p);
	p->loop = loop;
	p->producer = 1;
	p->consumer = 1;
	p->label = label;
	loop->stats.promises_created++;
	loop->stats.promises_live++;
	if (fata_trace_enabled()) {
		p->trace_id = fata_trace_next_id();
		trace(p, FATA_TRACE_CREATE, 0);
	}
	return p;
}

struct fata_promise *fata_promise_resolved(struct fata_loop *loop, const char *label,
		union fata_value value)
{
	struct fata_promise *p = fata_promise_new(loop, label);

	if (p)
		fata_promise_fulfill(p, value);
	return p;
}

struct fata_promise *fata_promise_rejected(struct fata_loop *loop, const char *label, int error)
{
	struct fata_promise *p = fata_promise_new(loop, label);

	if (p)
		fata_promise_reject(p, error);
	return p;
}

void fata_promise_on_cancel(struct fata_promise *p, fata_cancel_fn fn, void *ctx)
{
	p->cancel_fn = fn;
	p->cancel_ctx = ctx;
}

static void queue_callback(struct fata_promise *p)
{
	fata_task_post(p->loop, &p->task);
}

void fata_promise_settle(struct fata_promise *p, int status, union fata_value value,
		fata_value_release_fn release)
{
	if (!p->producer || p->state != FATA_PROMISE_PENDING) {
		/* A settle after cancel or a second settle: the value has no taker. */
		if (status >= 0 && release)
			release(&value);
		return;
	}
	p->producer = 0;
	if (!p->consumer) {
		/* Canceled without a hook: the trace already ended it, and nobody takes the value. */
		if (status >= 0 && release)
			release(&value);
		recycle_if_done(p);
		return;
	}
	if (status < 0) {
		p->state = FATA_PROMISE_REJECTED;
		p->error = status;
		trace(p, FATA_TRACE_REJECT, status);
	} else {
		p->state = FATA_PROMISE_FULFILLED;
		p->value = value;
		p->release = release;
		trace(p, FATA_TRACE_FULFILL, 0);
	}
	if (p->has_then)
		queue_callback(p);
}

void fata_promise_fulfill(struct fata_promise *p, union fata_value value)
{
	fata_promise_settle(p, 0, value, NULL);
}

void fata_promise_fulfill_owned(struct fata_promise *p, union fata_value value,
		fata_value_release_fn release)
{
	fata_promise_settle(p, 0, value, release);
}

static void release_view_value(union fata_value *value)
{
	fata_view_release(&value->view);
}

void fata_promise_fulfill_view(struct fata_promise *p, struct fata_view view)
{
	union fata_value value = { .view = view };

	fata_promise_settle(p, 0, value, view.block ? release_view_value : NULL);
}

void fata_promise_reject(struct fata_promise *p, int error)
{
	if (error >= 0)
		error = FATA_EINVAL;
	fata_promise_settle(p, error, zero_value, NULL);
}

void fata_promise_then(struct fata_promise *p, fata_then_fn fn, void *arg)
{
	if (!p->consumer || p->has_then)
		return;
	p->has_then = 1;
	p->then_fn = fn;
	p->then_arg = arg;
	if (p->state != FATA_PROMISE_PENDING)
		queue_callback(p);
}

static void run_callback(void *arg)
{
	struct fata_promise *p = arg;
	int status;
	union fata_value value;
	fata_value_release_fn release;

	if (!p->consumer) {
		recycle_if_done(p);
		return;
	}
	status = p->state == FATA_PROMISE_REJECTED ? p->error : 0;
	value = p->value;
	release = p->release;
	/* Ownership of the value passes to the callback. */
	p->release = NULL;
	p->value = zero_value;
	p->consumer = 0;
	p->loop->stats.callbacks_run++;
	trace(p, FATA_TRACE_THEN, status);
	if (p->raw_fn)
		p->raw_fn(p->then_arg, status, value, release);
	else
		p->then_fn(p->then_arg, status, value);
	recycle_if_done(p);
}

void fata_promise_cancel(struct fata_promise *p)
{
	if (!p || !p->consumer)
		return;
	p->consumer = 0;
	if (p->state == FATA_PROMISE_PENDING) {
		trace(p, FATA_TRACE_CANCEL, FATA_ECANCELED);
		if (p->cancel_fn) {
			fata_cancel_fn fn = p->cancel_fn;

			p->producer = 0;
			p->cancel_fn = NULL;
			fn(p->cancel_ctx, p);
		}
	} else {
		release_value(p);
	}
	recycle_if_done(p);
}

enum fata_promise_state fata_promise_state(const struct fata_promise *p)
{
	return (enum fata_promise_state)p->state;
}

const char *fata_promise_label(const struct fata_promise *p)
{
	return p->label ? p->label : "";
}

struct fata_loop *fata_promise_loop(const struct fata_promise *p)
{
	return p->loop;
}

void promise_free_all(struct fata_loop *loop)
{
	struct fata_promise *p = loop->free_promises;

	while (p) {
		struct fata_promise *next = p->next_free;

		fata_free(p);
		p = next;
	}
	loop->free_promises = NULL;
}

int promise_discard_task(struct fata_task *task)
{
	struct fata_promise *p;

	if (task->fn != run_callback)
		return 0;
	p = task->arg;
	p->consumer = 0;
	recycle_if_done(p);
	return 1;
}

/*
 * Attaches a combinator's callback, which also receives the value's release
 * function so that it can pass ownership on unchanged.
 */
void promise_then_raw(struct fata_promise *p,
		void (*fn)(void *arg, int status, union fata_value value, fata_value_release_fn release),
		void *arg)
{
	if (!p->consumer || p->has_then)
		return;
	p->has_then = 1;
	p->raw_fn = fn;
	p->then_arg = arg;
	if (p->state != FATA_PROMISE_PENDING)
		queue_callback(p);
}

static void drop_value(union fata_value value, fata_value_release_fn release)
{
	if (release)
		release(&value);
}

/* fata_promise_all and fata_promise_first share this state. */
struct combine_slot {
	struct combine *combine;
	struct fata_promise *input; /* NULL once it settled or was canceled */
	fata_value_release_fn release; /* for a value stored in combine->values */
	int stored;
};

struct combine {
	struct fata_loop *loop;
	struct fata_promise *out;
	union fata_value *values;
	size_t *index;
	size_t count;
	size_t remaining;
	struct combine_slot slots[];
};

static void combine_cancel_inputs(struct combine *c)
{
	for (size_t i = 0; i < c->count; i++) {
		struct fata_promise *input = c->slots[i].input;

		c->slots[i].input = NULL;
		fata_promise_cancel(input);
	}
}

static void combine_release_stored(struct combine *c)
{
	for (size_t i = 0; i < c->count; i++) {
		if (c->slots[i].stored && c->slots[i].release)
			c->slots[i].release(&c->values[i]);
		c->slots[i].stored = 0;
	}
}

static void combine_on_cancel(void *ctx, struct fata_promise *out)
{
	struct combine *c = ctx;

	(void)out;
	combine_cancel_inputs(c);
	if (c->values)
		combine_release_stored(c);
	fata_free(c);
}

static struct combine *combine_new(struct fata_loop *loop, struct fata_promise **inputs,
		size_t count, const char *label)
{
	struct combine *c;

	if (count > (SIZE_MAX - sizeof *c) / sizeof c->slots[0])
		return NULL;
	c = fata_alloc(sizeof *c + count * sizeof c->slots[0]);
	if (!c)
		return NULL;
	memset(c, 0, sizeof *c + count * sizeof c->slots[0]);
	c->out = fata_promise_new(loop, label);
	if (!c->out) {
		fata_free(c);
		return NULL;
	}
	c->loop = loop;
	c->count = count;
	c->remaining = count;
	for (size_t i = 0; i < count; i++) {
		c->slots[i].combine = c;
		c->slots[i].input = inputs[i];
	}
	fata_promise_on_cancel(c->out, combine_on_cancel, c);
	return c;
}

/* Cancels every input; used when the combinator itself cannot start. */
static void cancel_all(struct fata_promise **inputs, size_t count)
{
	for (size_t i = 0; i < count; i++)
		fata_promise_cancel(inputs[i]);
}

static int any_null(struct fata_promise **inputs, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (!inputs[i])
			return 1;
	return 0;
}

static void all_on_input(void *arg, int status, union fata_value value,
		fata_value_release_fn release)
{
	struct combine_slot *slot = arg;
	struct combine *c = slot->combine;
	size_t i = (size_t)(slot - c->slots);
	struct fata_promise *out = c->out;

	slot->input = NULL;
	if (status < 0) {
		combine_cancel_inputs(c);
		if (c->values)
			combine_release_stored(c);
		fata_free(c);
		fata_promise_reject(out, status);
		return;
	}
	if (c->values) {
		c->values[i] = value;
		slot->release = release;
		slot->stored = 1;
	} else {
		drop_value(value, release);
	}
	if (--c->remaining == 0) {
		union fata_value done = { .u64 = c->count };

		fata_free(c);
		fata_promise_fulfill(out, done);
	}
}

struct fata_promise *fata_promise_all(struct fata_loop *loop, struct fata_promise **inputs,
		size_t count, union fata_value *values)
{
	struct combine *c;
	struct fata_promise *out;

	if (count == 0) {
		union fata_value none = { .u64 = 0 };

		return fata_promise_resolved(loop, "all", none);
	}
	if (any_null(inputs, count)) {
		cancel_all(inputs, count);
		return fata_promise_rejected(loop, "all", FATA_ENOMEM);
	}
	c = combine_new(loop, inputs, count, "all");
	if (!c) {
		cancel_all(inputs, count);
		return NULL;
	}
	c->values = values;
	out = c->out;
	for (size_t i = 0; i < count; i++)
		promise_then_raw(inputs[i], all_on_input, &c->slots[i]);
	return out;
}

static void first_on_input(void *arg, int status, union fata_value value,
		fata_value_release_fn release)
{
	struct combine_slot *slot = arg;
	struct combine *c = slot->combine;
	struct fata_promise *out = c->out;

	slot->input = NULL;
	if (c->index)
		*c->index = (size_t)(slot - c->slots);
	combine_cancel_inputs(c);
	fata_free(c);
	fata_promise_settle(out, status, value, status < 0 ? NULL : release);
}

struct fata_promise *fata_promise_first(struct fata_loop *loop, struct fata_promise **inputs,
		size_t count, size_t *index)
{
	struct combine *c;
	struct fata_promise *out;

	if (count == 0)
		return fata_promise_rejected(loop, "first", FATA_EINVAL);
	if (any_null(inputs, count)) {
		cancel_all(inputs, count);
		return fata_promise_rejected(loop, "first", FATA_ENOMEM);
	}
	c = combine_new(loop, inputs, count, "first");
	if (!c) {
		cancel_all(inputs, count);
		return NULL;
	}
	c->index = index;
	out = c->out;
	for (size_t i = 0; i < count; i++)
		promise_then_raw(inputs[i], first_on_input, &c->slots[i]);
	return out;
}

/* State of fata_sleep, from the loop's pool of helper objects. */
struct sleep_state {
	struct fata_timer timer;
	struct fata_loop *loop;
	struct fata_promise *out;
};

static void sleep_fire(void *arg, struct fata_timer *t)
{
	struct sleep_state *s = arg;
	struct fata_promise *out = s->out;
	union fata_value zero = { .u64 = 0 };

	(void)t;
	loop_aux_free(s->loop, s);
	fata_promise_fulfill(out, zero);
}

static void sleep_cancel(void *ctx, struct fata_promise *out)
{
	struct sleep_state *s = ctx;

	(void)out;
	fata_timer_cancel(s->loop, &s->timer);
	loop_aux_free(s->loop, s);
}

struct fata_promise *fata_sleep(struct fata_loop *loop, uint64_t ns)
{
	struct sleep_state *s;
	uint64_t deadline = fata_loop_now(loop) + ns;

	_Static_assert(sizeof(struct sleep_state) <= LOOP_AUX_SIZE, "sleep state too large");
	if (deadline < ns)
		deadline = UINT64_MAX;
	s = loop_aux_alloc(loop);
	if (!s)
		return NULL;
	s->loop = loop;
	s->out = fata_promise_new(loop, "sleep");
	if (!s->out) {
		loop_aux_free(loop, s);
		return NULL;
	}
	fata_timer_init(&s->timer, sleep_fire, s);
	if (fata_timer_arm(loop, &s->timer, deadline) < 0) {
		struct fata_promise *out = s->out;

		loop_aux_free(loop, s);
		fata_promise_reject(out, FATA_ENOMEM);
		return out;
	}
	fata_promise_on_cancel(s->out, sleep_cancel, s);
	return s->out;
}

/* State of fata_promise_timeout. */
struct timeout_state {
	struct fata_timer timer;
	struct fata_loop *loop;
	struct fata_promise *input;
	struct fata_promise *out;
};

static void timeout_on_input(void *arg, int status, union fata_value value,
		fata_value_release_fn release)
{
	struct timeout_state *t = arg;
	struct fata_promise *out = t->out;

	fata_timer_cancel(t->loop, &t->timer);
	loop_aux_free(t->loop, t);
	fata_promise_settle(out, status, value, status < 0 ? NULL : release);
}

static void timeout_fire(void *arg, struct fata_timer *timer)
{
	struct timeout_state *t = arg;
	struct fata_promise *out = t->out;
	struct fata_promise *input = t->input;

	(void)timer;
	loop_aux_free(t->loop, t);
	fata_promise_cancel(input);
	fata_promise_reject(out, FATA_ETIMEDOUT);
}

static void timeout_cancel(void *ctx, struct fata_promise *out)
{
	struct timeout_state *t = ctx;
	struct fata_promise *input = t->input;

	(void)out;
	fata_timer_cancel(t->loop, &t->timer);
	loop_aux_free(t->loop, t);
	fata_promise_cancel(input);
}

struct fata_promise *fata_promise_timeout(struct fata_loop *loop, struct fata_promise *input,
		uint64_t timeout_ns)
{
	struct timeout_state *t;
	uint64_t deadline = fata_loop_now(loop) + timeout_ns;

	_Static_assert(sizeof(struct timeout_state) <= LOOP_AUX_SIZE, "timeout state too large");
	if (!input)
		return fata_promise_rejected(loop, "timeout", FATA_ENOMEM);
	if (deadline < timeout_ns)
		deadline = UINT64_MAX;
	t = loop_aux_alloc(loop);
	if (!t) {
		fata_promise_cancel(input);
		return NULL;
	}
	t->loop = loop;
	t->input = input;
	t->out = fata_promise_new(loop, fata_promise_label(input));
	if (!t->out) {
		loop_aux_free(loop, t);
		fata_promise_cancel(input);
		return NULL;
	}
	fata_timer_init(&t->timer, timeout_fire, t);
	if (fata_timer_arm(loop, &t->timer, deadline) < 0) {
		struct fata_promise *out = t->out;

		loop_aux_free(loop, t);
		fata_promise_cancel(input);
		fata_promise_reject(out, FATA_ENOMEM);
		return out;
	}
	fata_promise_on_cancel(t->out, timeout_cancel, t);
	promise_then_raw(input, timeout_on_input, t);
	return t->out;
}

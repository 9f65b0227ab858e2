/*
 * Promises: the result of an operation that completes later.
 *
 * A promise is pending, then settles once: fulfilled with a value or
 * rejected with a negative fata_error code. It has two parties. The
 * producer (the library doing the work) creates it, returns it, and later
 * settles it. The consumer (the caller) either attaches one then-callback,
 * which receives the outcome, or cancels it. After the callback has run, or
 * after fata_promise_cancel(), the consumer must not touch the promise
 * again; after settling it, neither may the producer. Promises are recycled
 * through a per-loop free list, so steady-state use allocates nothing.
 *
 * Callback order: a then-callback never runs inside the call that settles
 * the promise or attaches the callback. It is queued on the loop, and the
 * loop runs queued callbacks one at a time in the order they were queued
 * (first settled-and-attached, first run). Callbacks queued while the queue
 * runs are run in the same turn, after those queued before them.
 *
 * Values: a value may own a resource (a buffer view, a flow). The producer
 * then settles with fata_promise_fulfill_owned(), naming a release function.
 * Ownership passes to the callback when it runs; if the consumer cancels
 * first, or the loop is destroyed first, the release function runs instead.
 *
 * Cancellation: fata_promise_cancel() on a pending promise calls the
 * producer's cancel hook, which must stop the operation and forget the
 * promise, and then detaches the consumer: its callback never runs.
 *
 * Every promise may carry a label, which the tracer records with its
 * creation, settling and callback (see trace.h).
 */
#ifndef FATA_PROMISE_H
#define FATA_PROMISE_H

#include <stdint.h>

#include <fata/buf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fata_loop;
struct fata_promise;

/* A fulfilled promise's value; which member is set depends on the operation. */
union fata_value {
	void *ptr;
	int64_t i64;
	uint64_t u64;
	struct fata_view view;
};

/* The states a promise passes through. */
enum fata_promise_state {
	FATA_PROMISE_PENDING = 0,
	FATA_PROMISE_FULFILLED = 1,
	FATA_PROMISE_REJECTED = 2,
};

/*
 * A then-callback. `status` is 0 when the promise was fulfilled, with the
 * value in `value`, or the negative error code when it was rejected, with
 * `value` zeroed. The callback owns the value when it carries a resource.
 */
typedef void (*fata_then_fn)(void *arg, int status, union fata_value value);

/*
 * A producer's cancel hook: stop the operation behind `promise` and release
 * anything held for it. It must not settle the promise, which is finished
 * for the producer as soon as the hook returns.
 */
typedef void (*fata_cancel_fn)(void *ctx, struct fata_promise *promise);

/* Releases a value that its consumer never received. */
typedef void (*fata_value_release_fn)(union fata_value *value);

/*
 * Creates a pending promise on `loop` with the static string `label` (may
 * be NULL) for tracing. Returns NULL when out of memory; functions that
 * return promises pass that NULL on, so a NULL promise means FATA_ENOMEM.
 */
struct fata_promise *fata_promise_new(struct fata_loop *loop, const char *label);

/* Returns a new promise already fulfilled with `value`, or NULL (FATA_ENOMEM). */
struct fata_promise *fata_promise_resolved(struct fata_loop *loop, const char *label,
		union fata_value value);

/* Returns a new promise already rejected with `error`, or NULL (FATA_ENOMEM). */
struct fata_promise *fata_promise_rejected(struct fata_loop *loop, const char *label, int error);

/*
 * Registers the producer's cancel hook. Without one, cancel still detaches
 * the consumer, and the producer's later settle is silently dropped.
 */
void fata_promise_on_cancel(struct fata_promise *p, fata_cancel_fn fn, void *ctx);

/* Fulfills the pending promise `p` with a value that owns nothing. */
void fata_promise_fulfill(struct fata_promise *p, union fata_value value);

/*
 * Fulfills `p` with a value that owns a resource; `release` (not NULL)
 * frees it if no callback ever receives it.
 */
void fata_promise_fulfill_owned(struct fata_promise *p, union fata_value value,
		fata_value_release_fn release);

/* Fulfills `p` with the owned view `view` (released if never received). */
void fata_promise_fulfill_view(struct fata_promise *p, struct fata_view view);

/* Rejects the pending promise `p` with the negative code `error`. */
void fata_promise_reject(struct fata_promise *p, int error);

/*
 * Settles `p` from a status and value: rejects when `status` is negative,
 * else fulfills (with `release` as in fata_promise_fulfill_owned, may be NULL).
 */
void fata_promise_settle(struct fata_promise *p, int status, union fata_value value,
		fata_value_release_fn release);

/*
 * Attaches the consumer's callback; call at most once per promise. When `p`
 * is already settled, the callback is queued at once.
 */
void fata_promise_then(struct fata_promise *p, fata_then_fn fn, void *arg);

/*
 * Cancels `p` for its consumer. A pending promise's cancel hook runs; a
 * settled value that was never delivered is released. The callback, if
 * any, does not run. NULL is ignored.
 */
void fata_promise_cancel(struct fata_promise *p);

/* Returns the state of `p`; only the consumer, before its callback, may ask. */
enum fata_promise_state fata_promise_state(const struct fata_promise *p);

/* Returns the label given at creation, or "" for none. */
const char *fata_promise_label(const struct fata_promise *p);

/* Returns the loop that owns `p`. */
struct fata_loop *fata_promise_loop(const struct fata_promise *p);

/*
 * Combinators. Each takes over the consumer side of its input promises, so
 * the caller must neither attach callbacks to them nor cancel them, and each
 * returns a new promise (NULL when out of memory, after canceling every
 * input). Canceling the returned promise cancels the pending inputs.
 * An input given as NULL counts as rejected with FATA_ENOMEM.
 */

/*
 * Fulfills when all `count` inputs have fulfilled, with u64 = count. When
 * `values` is not NULL it must have room for `count` values and stay valid
 * until the result settles; input i's value is stored in values[i] and the
 * caller then owns it. When `values` is NULL the input values are released.
 * The first rejection cancels the inputs still pending, releases the values
 * stored so far and rejects the result with the same error. `count` 0
 * fulfills at once.
 */
struct fata_promise *fata_promise_all(struct fata_loop *loop, struct fata_promise **inputs,
		size_t count, union fata_value *values);

/*
 * Settles like the first of the `count` inputs to settle, passing its value
 * on, and cancels the others. With `index` not NULL, stores there which
 * input it was; `index` must stay valid until the result settles.
 * Errors: FATA_EINVAL for count 0.
 */
struct fata_promise *fata_promise_first(struct fata_loop *loop, struct fata_promise **inputs,
		size_t count, size_t *index);

/*
 * Settles like `input` when it settles within `timeout_ns` nanoseconds of
 * loop time; otherwise cancels `input` and rejects with FATA_ETIMEDOUT.
 */
struct fata_promise *fata_promise_timeout(struct fata_loop *loop, struct fata_promise *input,
		uint64_t timeout_ns);

/*
 * Returns a promise fulfilled (u64 = 0) after `ns` nanoseconds of loop
 * time. Canceling it removes its timer.
 */
struct fata_promise *fata_sleep(struct fata_loop *loop, uint64_t ns);

#ifdef __cplusplus
}
#endif

#endif

/* Unit tests for promises and their combinators, on a virtual loop. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/loop.h>
#include <fata/promise.h>

#define MS 1000000ull

/* What a then-callback saw, and in which order callbacks ran. */
struct outcome {
	int calls;
	int status;
	union fata_value value;
};

static int order[32];
static int order_len;

static void record_then(void *arg, int status, union fata_value value)
{
	struct outcome *o = arg;

	o->calls++;
	o->status = status;
	o->value = value;
}

static void record_order(void *arg, int status, union fata_value value)
{
	(void)status;
	(void)value;
	order[order_len++] = (int)(intptr_t)arg;
}

/* A producer's cancel hook that counts its runs. */
static int cancel_hooks;

static void count_cancel(void *ctx, struct fata_promise *p)
{
	(void)ctx;
	(void)p;
	cancel_hooks++;
}

/* A release function for owned u64 values that counts its runs. */
static int releases;

static void count_release(union fata_value *value)
{
	(void)value;
	releases++;
}

static struct fata_loop *loop;

static void setup(void)
{
	loop = fata_loop_new_virtual(0);
	ck_assert_ptr_nonnull(loop);
	order_len = 0;
	cancel_hooks = 0;
	releases = 0;
}

static void teardown(void)
{
	fata_loop_free(loop);
}

START_TEST(callback_never_synchronous)
{
	struct fata_promise *p = fata_promise_new(loop, "p");
	struct outcome o = { 0 };

	fata_promise_then(p, record_then, &o);
	fata_promise_fulfill(p, (union fata_value){ .u64 = 7 });
	ck_assert_int_eq(o.calls, 0);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(o.status, 0);
	ck_assert_uint_eq(o.value.u64, 7);
}
END_TEST

START_TEST(callbacks_fifo_by_settle)
{
	struct fata_promise *p[4];

	for (int i = 0; i < 4; i++) {
		p[i] = fata_promise_new(loop, "fifo");
		fata_promise_then(p[i], record_order, (void *)(intptr_t)i);
	}
	fata_promise_fulfill(p[2], (union fata_value){ 0 });
	fata_promise_reject(p[0], FATA_EIO);
	fata_promise_fulfill(p[3], (union fata_value){ 0 });
	fata_promise_fulfill(p[1], (union fata_value){ 0 });
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(order_len, 4);
	ck_assert_int_eq(order[0], 2);
	ck_assert_int_eq(order[1], 0);
	ck_assert_int_eq(order[2], 3);
	ck_assert_int_eq(order[3], 1);
}
END_TEST

/* A callback that settles another promise: that callback runs after those already queued. */
static struct fata_promise *chained;

static void settle_chained(void *arg, int status, union fata_value value)
{
	record_order(arg, status, value);
	fata_promise_fulfill(chained, (union fata_value){ 0 });
}

START_TEST(callbacks_queued_by_callbacks)
{
	struct fata_promise *a = fata_promise_new(loop, "a");
	struct fata_promise *b = fata_promise_new(loop, "b");

	chained = fata_promise_new(loop, "c");
	fata_promise_then(a, settle_chained, (void *)(intptr_t)1);
	fata_promise_then(b, record_order, (void *)(intptr_t)2);
	fata_promise_then(chained, record_order, (void *)(intptr_t)3);
	fata_promise_fulfill(a, (union fata_value){ 0 });
	fata_promise_fulfill(b, (union fata_value){ 0 });

	/* One turn runs the callbacks queued during the turn too. */
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(order_len, 3);
	ck_assert_int_eq(order[0], 1);
	ck_assert_int_eq(order[1], 2);
	ck_assert_int_eq(order[2], 3);
}
END_TEST

START_TEST(then_on_settled)
{
	struct fata_promise *p = fata_promise_new(loop, "settled");
	struct fata_promise *r = fata_promise_rejected(loop, "rejected", FATA_ECONNRESET);
	struct fata_promise *q = fata_promise_resolved(loop, "resolved", (union fata_value){ .i64 = -5 });
	struct outcome op = { 0 }, or = { 0 }, oq = { 0 };

	fata_promise_fulfill(p, (union fata_value){ .u64 = 99 });
	ck_assert_int_eq(fata_promise_state(p), FATA_PROMISE_FULFILLED);
	ck_assert_int_eq(fata_promise_state(r), FATA_PROMISE_REJECTED);
	fata_promise_then(p, record_then, &op);
	fata_promise_then(r, record_then, &or);
	fata_promise_then(q, record_then, &oq);
	ck_assert_int_eq(op.calls, 0);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(op.calls, 1);
	ck_assert_uint_eq(op.value.u64, 99);
	ck_assert_int_eq(or.calls, 1);
	ck_assert_int_eq(or.status, FATA_ECONNRESET);
	ck_assert_uint_eq(or.value.u64, 0);
	ck_assert_int_eq(oq.calls, 1);
	ck_assert_int_eq(oq.value.i64, -5);
}
END_TEST

START_TEST(labels_and_loop)
{
	struct fata_promise *p = fata_promise_new(loop, "named");
	struct fata_promise *q = fata_promise_new(loop, NULL);

	ck_assert_str_eq(fata_promise_label(p), "named");
	ck_assert_str_eq(fata_promise_label(q), "");
	ck_assert_ptr_eq(fata_promise_loop(p), loop);
	ck_assert_int_eq(fata_promise_state(p), FATA_PROMISE_PENDING);
	fata_promise_cancel(p);
	fata_promise_cancel(q);
	fata_promise_cancel(NULL);
	/* Without cancel hooks the producer still holds both and must settle them. */
	fata_promise_fulfill(p, (union fata_value){ 0 });
	fata_promise_reject(q, FATA_EIO);
	ck_assert_uint_eq(fata_loop_stats(loop)->promises_live, 0);
}
END_TEST

START_TEST(cancel_pending_runs_hook)
{
	struct fata_promise *p = fata_promise_new(loop, "pending");
	struct outcome o = { 0 };

	fata_promise_on_cancel(p, count_cancel, NULL);
	fata_promise_then(p, record_then, &o);
	fata_promise_cancel(p);
	ck_assert_int_eq(cancel_hooks, 1);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 0);
	ck_assert_uint_eq(fata_loop_stats(loop)->promises_live, 0);
}
END_TEST

START_TEST(settle_after_cancel_dropped)
{
	struct fata_promise *p = fata_promise_new(loop, "no hook");
	struct outcome o = { 0 };

	/* Without a hook the producer still holds the promise and settles into nothing. */
	fata_promise_then(p, record_then, &o);
	fata_promise_cancel(p);
	fata_promise_fulfill_owned(p, (union fata_value){ .u64 = 1 }, count_release);
	ck_assert_int_eq(releases, 1);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 0);
	ck_assert_uint_eq(fata_loop_stats(loop)->promises_live, 0);
}
END_TEST

START_TEST(cancel_after_settle_releases)
{
	struct fata_promise *p = fata_promise_new(loop, "owned");
	struct fata_promise *q = fata_promise_new(loop, "owned queued");
	struct outcome o = { 0 };

	fata_promise_on_cancel(p, count_cancel, NULL);
	fata_promise_fulfill_owned(p, (union fata_value){ .u64 = 5 }, count_release);
	fata_promise_cancel(p);
	ck_assert_int_eq(releases, 1);
	/* A settled promise's hook is not run. */
	ck_assert_int_eq(cancel_hooks, 0);

	/* Canceled after its callback was queued: the callback must not run. */
	fata_promise_then(q, record_then, &o);
	fata_promise_fulfill_owned(q, (union fata_value){ .u64 = 6 }, count_release);
	fata_promise_cancel(q);
	ck_assert_int_eq(releases, 2);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 0);
	ck_assert_int_eq(releases, 2);
}
END_TEST

START_TEST(owned_value_passes_to_callback)
{
	struct fata_promise *p = fata_promise_new(loop, "owned");
	struct fata_promise *v = fata_promise_new(loop, "view");
	struct outcome o = { 0 }, ov = { 0 };
	struct fata_view view;

	fata_promise_then(p, record_then, &o);
	fata_promise_fulfill_owned(p, (union fata_value){ .u64 = 5 }, count_release);
	ck_assert_int_eq(fata_buf_alloc(0, 4, &view), FATA_OK);
	fata_promise_then(v, record_then, &ov);
	fata_promise_fulfill_view(v, view);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(releases, 0);
	ck_assert_int_eq(ov.calls, 1);
	ck_assert_ptr_eq(ov.value.view.block, view.block);
	ck_assert_uint_eq(ov.value.view.len, 4);
	fata_view_release(&ov.value.view);
}
END_TEST

START_TEST(loop_free_releases_queued)
{
	struct fata_loop *other = fata_loop_new_virtual(0);
	struct fata_promise *p = fata_promise_new(other, "queued");
	struct fata_promise *q = fata_promise_new(other, "unconsumed");
	struct outcome o = { 0 };

	fata_promise_then(p, record_then, &o);
	fata_promise_fulfill_owned(p, (union fata_value){ .u64 = 1 }, count_release);
	fata_promise_fulfill_owned(q, (union fata_value){ .u64 = 2 }, count_release);
	/* A settled promise nobody consumed is the consumer's to cancel before the loop goes. */
	fata_promise_cancel(q);
	ck_assert_int_eq(releases, 1);
	fata_loop_free(other);
	ck_assert_int_eq(o.calls, 0);
	ck_assert_int_eq(releases, 2);
}
END_TEST

START_TEST(settle_status_and_reject)
{
	struct fata_promise *a = fata_promise_new(loop, "a");
	struct fata_promise *b = fata_promise_new(loop, "b");
	struct outcome oa = { 0 }, ob = { 0 };

	fata_promise_then(a, record_then, &oa);
	fata_promise_then(b, record_then, &ob);
	fata_promise_settle(a, FATA_ETIMEDOUT, (union fata_value){ .u64 = 3 }, count_release);
	fata_promise_settle(b, 0, (union fata_value){ .u64 = 4 }, NULL);
	/* A second settle is ignored. */
	fata_promise_reject(b, FATA_EIO);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(oa.status, FATA_ETIMEDOUT);
	ck_assert_uint_eq(oa.value.u64, 0);
	ck_assert_int_eq(ob.status, 0);
	ck_assert_uint_eq(ob.value.u64, 4);
	ck_assert_int_eq(ob.calls, 1);
}
END_TEST

START_TEST(all_fulfills_with_values)
{
	struct fata_promise *in[3];
	union fata_value values[3];
	struct outcome o = { 0 };
	struct fata_promise *all;

	for (int i = 0; i < 3; i++)
		in[i] = fata_promise_new(loop, "in");
	all = fata_promise_all(loop, in, 3, values);
	fata_promise_then(all, record_then, &o);
	fata_promise_fulfill(in[2], (union fata_value){ .u64 = 30 });
	fata_promise_fulfill_owned(in[0], (union fata_value){ .u64 = 10 }, count_release);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 0);
	fata_promise_fulfill(in[1], (union fata_value){ .u64 = 20 });
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(o.status, 0);
	ck_assert_uint_eq(o.value.u64, 3);
	ck_assert_uint_eq(values[0].u64, 10);
	ck_assert_uint_eq(values[1].u64, 20);
	ck_assert_uint_eq(values[2].u64, 30);
	/* The caller owns the stored values now. */
	ck_assert_int_eq(releases, 0);
}
END_TEST

START_TEST(all_without_values_releases)
{
	struct fata_promise *in[2];
	struct outcome o = { 0 };

	in[0] = fata_promise_new(loop, "in");
	in[1] = fata_promise_new(loop, "in");
	fata_promise_then(fata_promise_all(loop, in, 2, NULL), record_then, &o);
	fata_promise_fulfill_owned(in[0], (union fata_value){ .u64 = 1 }, count_release);
	fata_promise_fulfill_owned(in[1], (union fata_value){ .u64 = 2 }, count_release);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_uint_eq(o.value.u64, 2);
	ck_assert_int_eq(releases, 2);
}
END_TEST

START_TEST(all_first_rejection_wins)
{
	struct fata_promise *in[3];
	union fata_value values[3];
	struct outcome o = { 0 };

	for (int i = 0; i < 3; i++) {
		in[i] = fata_promise_new(loop, "in");
		fata_promise_on_cancel(in[i], count_cancel, NULL);
	}
	fata_promise_then(fata_promise_all(loop, in, 3, values), record_then, &o);
	fata_promise_fulfill_owned(in[0], (union fata_value){ .u64 = 1 }, count_release);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	fata_promise_reject(in[1], FATA_ECONNREFUSED);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(o.status, FATA_ECONNREFUSED);
	/* The pending input was canceled and the stored value released. */
	ck_assert_int_eq(cancel_hooks, 1);
	ck_assert_int_eq(releases, 1);
}
END_TEST

START_TEST(all_edge_cases)
{
	struct fata_promise *in[2];
	struct outcome o0 = { 0 }, onull = { 0 };

	fata_promise_then(fata_promise_all(loop, NULL, 0, NULL), record_then, &o0);

	in[0] = fata_promise_new(loop, "in");
	fata_promise_on_cancel(in[0], count_cancel, NULL);
	in[1] = NULL;
	fata_promise_then(fata_promise_all(loop, in, 2, NULL), record_then, &onull);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o0.calls, 1);
	ck_assert_int_eq(o0.status, 0);
	ck_assert_uint_eq(o0.value.u64, 0);
	ck_assert_int_eq(onull.calls, 1);
	ck_assert_int_eq(onull.status, FATA_ENOMEM);
	ck_assert_int_eq(cancel_hooks, 1);
}
END_TEST

START_TEST(all_cancel_combined)
{
	struct fata_promise *in[3];
	union fata_value values[3];
	struct fata_promise *all;
	struct outcome o = { 0 };

	for (int i = 0; i < 3; i++) {
		in[i] = fata_promise_new(loop, "in");
		fata_promise_on_cancel(in[i], count_cancel, NULL);
	}
	all = fata_promise_all(loop, in, 3, values);
	fata_promise_then(all, record_then, &o);
	fata_promise_fulfill_owned(in[1], (union fata_value){ .u64 = 1 }, count_release);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	fata_promise_cancel(all);
	ck_assert_int_eq(cancel_hooks, 2);
	ck_assert_int_eq(releases, 1);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 0);
	ck_assert_uint_eq(fata_loop_stats(loop)->promises_live, 0);
}
END_TEST

START_TEST(first_settles_like_winner)
{
	struct fata_promise *in[3];
	struct outcome o = { 0 };
	size_t index = 99;

	for (int i = 0; i < 3; i++) {
		in[i] = fata_promise_new(loop, "in");
		fata_promise_on_cancel(in[i], count_cancel, NULL);
	}
	fata_promise_then(fata_promise_first(loop, in, 3, &index), record_then, &o);
	fata_promise_fulfill_owned(in[1], (union fata_value){ .u64 = 11 }, count_release);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(o.status, 0);
	ck_assert_uint_eq(o.value.u64, 11);
	ck_assert_uint_eq(index, 1);
	ck_assert_int_eq(cancel_hooks, 2);
	/* The winner's value went to the callback, so nothing was released. */
	ck_assert_int_eq(releases, 0);
}
END_TEST

START_TEST(first_passes_rejection)
{
	struct fata_promise *in[2];
	struct outcome o = { 0 }, oempty = { 0 };
	size_t index = 99;

	in[0] = fata_promise_new(loop, "in");
	in[1] = fata_promise_new(loop, "in");
	fata_promise_on_cancel(in[0], count_cancel, NULL);
	fata_promise_then(fata_promise_first(loop, in, 2, &index), record_then, &o);
	fata_promise_reject(in[1], FATA_EHOSTUNREACH);
	fata_promise_then(fata_promise_first(loop, NULL, 0, NULL), record_then, &oempty);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.status, FATA_EHOSTUNREACH);
	ck_assert_uint_eq(index, 1);
	ck_assert_int_eq(cancel_hooks, 1);
	ck_assert_int_eq(oempty.status, FATA_EINVAL);
}
END_TEST

START_TEST(first_cancel_combined)
{
	struct fata_promise *in[2];
	struct fata_promise *first;

	in[0] = fata_promise_new(loop, "in");
	in[1] = fata_promise_new(loop, "in");
	fata_promise_on_cancel(in[0], count_cancel, NULL);
	fata_promise_on_cancel(in[1], count_cancel, NULL);
	first = fata_promise_first(loop, in, 2, NULL);
	fata_promise_cancel(first);
	ck_assert_int_eq(cancel_hooks, 2);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_uint_eq(fata_loop_stats(loop)->promises_live, 0);
}
END_TEST

START_TEST(timeout_input_in_time)
{
	struct fata_promise *in = fata_promise_new(loop, "in");
	struct outcome o = { 0 };

	fata_promise_then(fata_promise_timeout(loop, in, 10 * MS), record_then, &o);
	ck_assert_int_eq(fata_loop_advance(loop, 9 * MS), FATA_OK);
	fata_promise_fulfill(in, (union fata_value){ .u64 = 8 });
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(o.status, 0);
	ck_assert_uint_eq(o.value.u64, 8);
	/* The timer went with it: the clock did not jump to the deadline. */
	ck_assert_uint_eq(fata_loop_now(loop), 9 * MS);
}
END_TEST

START_TEST(timeout_expires)
{
	struct fata_promise *in = fata_promise_new(loop, "in");
	struct outcome o = { 0 };

	fata_promise_on_cancel(in, count_cancel, NULL);
	fata_promise_then(fata_promise_timeout(loop, in, 10 * MS), record_then, &o);
	ck_assert_int_eq(fata_loop_advance(loop, 10 * MS - 1), FATA_OK);
	ck_assert_int_eq(o.calls, 0);
	ck_assert_int_eq(cancel_hooks, 0);
	ck_assert_int_eq(fata_loop_advance(loop, 1), FATA_OK);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(o.status, FATA_ETIMEDOUT);
	ck_assert_int_eq(cancel_hooks, 1);
}
END_TEST

START_TEST(timeout_cancel_combined)
{
	struct fata_promise *in = fata_promise_new(loop, "in");
	struct fata_promise *t;

	fata_promise_on_cancel(in, count_cancel, NULL);
	t = fata_promise_timeout(loop, in, 10 * MS);
	fata_promise_cancel(t);
	ck_assert_int_eq(cancel_hooks, 1);
	/* No timer is left, so the loop is idle at once. */
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_uint_eq(fata_loop_now(loop), 0);
}
END_TEST

START_TEST(sleep_fires_at_deadline)
{
	struct outcome o = { 0 };
	struct fata_promise *s;

	fata_promise_then(fata_sleep(loop, 5 * MS), record_then, &o);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_uint_eq(o.value.u64, 0);
	ck_assert_uint_eq(fata_loop_now(loop), 5 * MS);

	s = fata_sleep(loop, 5 * MS);
	fata_promise_cancel(s);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_uint_eq(fata_loop_now(loop), 5 * MS);
}
END_TEST

/* Counts allocations through a wrapper around the backend's allocator. */
static uint64_t allocations;

static void *counting_alloc(void *ctx, size_t size)
{
	(void)ctx;
	allocations++;
	return fata_backend_allocator.alloc(fata_backend_allocator.ctx, size);
}

static void *counting_realloc(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	allocations++;
	return fata_backend_allocator.realloc(fata_backend_allocator.ctx, ptr, size);
}

static void counting_free(void *ctx, void *ptr)
{
	(void)ctx;
	fata_backend_allocator.free(fata_backend_allocator.ctx, ptr);
}

static void steady_round(struct fata_loop *l, struct outcome *o)
{
	struct fata_promise *p = fata_promise_new(l, "steady");
	struct fata_promise *s = fata_sleep(l, 1000);

	fata_promise_then(p, record_then, o);
	fata_promise_fulfill(p, (union fata_value){ .u64 = 1 });
	fata_promise_then(s, record_then, o);
	ck_assert_int_eq(fata_loop_run(l, FATA_RUN_IDLE), FATA_OK);
}

START_TEST(steady_state_no_allocation)
{
	static const struct fata_allocator counting = {
		.alloc = counting_alloc,
		.realloc = counting_realloc,
		.free = counting_free,
	};
	struct outcome o = { 0 };
	uint64_t allocated, before;

	steady_round(loop, &o);
	allocated = fata_loop_stats(loop)->promises_allocated;

	fata_set_allocator(&counting);
	before = allocations;
	for (int i = 0; i < 10000; i++)
		steady_round(loop, &o);
	ck_assert_uint_eq(allocations, before);
	fata_set_allocator(NULL);

	ck_assert_int_eq(o.calls, 20002);
	ck_assert_uint_eq(fata_loop_stats(loop)->promises_allocated, allocated);
	ck_assert_uint_eq(fata_loop_stats(loop)->promises_created, 20002);
	ck_assert_uint_eq(fata_loop_stats(loop)->promises_live, 0);
}
END_TEST

static Suite *promise_suite(void)
{
	Suite *s = suite_create("promise");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, callback_never_synchronous);
	tcase_add_test(tc, callbacks_fifo_by_settle);
	tcase_add_test(tc, callbacks_queued_by_callbacks);
	tcase_add_test(tc, then_on_settled);
	tcase_add_test(tc, labels_and_loop);
	tcase_add_test(tc, cancel_pending_runs_hook);
	tcase_add_test(tc, settle_after_cancel_dropped);
	tcase_add_test(tc, cancel_after_settle_releases);
	tcase_add_test(tc, owned_value_passes_to_callback);
	tcase_add_test(tc, loop_free_releases_queued);
	tcase_add_test(tc, settle_status_and_reject);
	tcase_add_test(tc, all_fulfills_with_values);
	tcase_add_test(tc, all_without_values_releases);
	tcase_add_test(tc, all_first_rejection_wins);
	tcase_add_test(tc, all_edge_cases);
	tcase_add_test(tc, all_cancel_combined);
	tcase_add_test(tc, first_settles_like_winner);
	tcase_add_test(tc, first_passes_rejection);
	tcase_add_test(tc, first_cancel_combined);
	tcase_add_test(tc, timeout_input_in_time);
	tcase_add_test(tc, timeout_expires);
	tcase_add_test(tc, timeout_cancel_combined);
	tcase_add_test(tc, sleep_fires_at_deadline);
	tcase_add_test(tc, steady_state_no_allocation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(promise_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

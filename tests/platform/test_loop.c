/* Unit tests for the loop: timers, tasks, run modes and the epoll poller's timing. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <fata/clock.h>
#include <fata/error.h>
#include <fata/loop.h>
#include <fata/posix.h>

#define MS 1000000ull

static int fired[16];
static int fired_len;
static uint64_t fired_at[16];

static void record_timer(void *arg, struct fata_timer *t)
{
	fired[fired_len] = (int)(intptr_t)arg;
	fired_at[fired_len] = t->deadline;
	fired_len++;
}

static void reset_records(void)
{
	fired_len = 0;
}

START_TEST(timers_deadline_then_arming_order)
{
	struct fata_loop *loop = fata_loop_new_virtual(1000);
	struct fata_timer t[5];
	static const uint64_t deadlines[5] = { 100, 50, 100, 50, 75 };

	reset_records();
	for (int i = 0; i < 5; i++) {
		fata_timer_init(&t[i], record_timer, (void *)(intptr_t)i);
		ck_assert(!fata_timer_armed(&t[i]));
		ck_assert_int_eq(fata_timer_arm(loop, &t[i], 1000 + deadlines[i]), FATA_OK);
		ck_assert(fata_timer_armed(&t[i]));
	}
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(fired_len, 5);
	ck_assert_int_eq(fired[0], 1);
	ck_assert_int_eq(fired[1], 3);
	ck_assert_int_eq(fired[2], 4);
	ck_assert_int_eq(fired[3], 0);
	ck_assert_int_eq(fired[4], 2);
	ck_assert_uint_eq(fata_loop_now(loop), 1100);
	ck_assert_uint_eq(fata_loop_stats(loop)->timers_fired, 5);
	for (int i = 0; i < 5; i++)
		ck_assert(!fata_timer_armed(&t[i]));
	fata_loop_free(loop);
}
END_TEST

START_TEST(timer_rearm_moves_it)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_timer a, b;

	reset_records();
	fata_timer_init(&a, record_timer, (void *)1);
	fata_timer_init(&b, record_timer, (void *)2);
	ck_assert_int_eq(fata_timer_arm(loop, &a, 100), FATA_OK);
	ck_assert_int_eq(fata_timer_arm(loop, &b, 100), FATA_OK);
	/* Re-arming at the same deadline makes it the later-armed one. */
	ck_assert_int_eq(fata_timer_arm(loop, &a, 100), FATA_OK);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(fired_len, 2);
	ck_assert_int_eq(fired[0], 2);
	ck_assert_int_eq(fired[1], 1);

	/* Re-arming earlier fires once, at the new deadline. */
	reset_records();
	ck_assert_int_eq(fata_timer_arm(loop, &a, 500), FATA_OK);
	ck_assert_int_eq(fata_timer_arm(loop, &a, 200), FATA_OK);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(fired_len, 1);
	ck_assert_uint_eq(fired_at[0], 200);
	ck_assert_uint_eq(fata_loop_now(loop), 200);
	fata_loop_free(loop);
}
END_TEST

START_TEST(timer_cancel)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_timer t[3];

	reset_records();
	for (int i = 0; i < 3; i++) {
		fata_timer_init(&t[i], record_timer, (void *)(intptr_t)i);
		ck_assert_int_eq(fata_timer_arm(loop, &t[i], 10 * (uint64_t)(i + 1)), FATA_OK);
	}
	fata_timer_cancel(loop, &t[1]);
	ck_assert(!fata_timer_armed(&t[1]));
	/* Canceling an idle timer is harmless. */
	fata_timer_cancel(loop, &t[1]);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(fired_len, 2);
	ck_assert_int_eq(fired[0], 0);
	ck_assert_int_eq(fired[1], 2);
	fata_loop_free(loop);
}
END_TEST

START_TEST(timer_in_the_past_fires)
{
	struct fata_loop *loop = fata_loop_new_virtual(500);
	struct fata_timer t;

	reset_records();
	fata_timer_init(&t, record_timer, (void *)7);
	ck_assert_int_eq(fata_timer_arm(loop, &t, 10), FATA_OK);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(fired_len, 1);
	/* The clock never goes backwards. */
	ck_assert_uint_eq(fata_loop_now(loop), 500);
	fata_loop_free(loop);
}
END_TEST

START_TEST(virtual_advance)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_timer t[3];

	reset_records();
	ck_assert(fata_loop_is_virtual(loop));
	for (int i = 0; i < 3; i++) {
		fata_timer_init(&t[i], record_timer, (void *)(intptr_t)i);
		ck_assert_int_eq(fata_timer_arm(loop, &t[i], 100 * (uint64_t)(i + 1)), FATA_OK);
	}
	ck_assert_int_eq(fata_loop_advance(loop, 99), FATA_OK);
	ck_assert_int_eq(fired_len, 0);
	ck_assert_uint_eq(fata_loop_now(loop), 99);
	ck_assert_int_eq(fata_loop_advance(loop, 101), FATA_OK);
	ck_assert_int_eq(fired_len, 2);
	ck_assert_uint_eq(fata_loop_now(loop), 200);
	ck_assert_int_eq(fata_loop_advance(loop, 1000), FATA_OK);
	ck_assert_int_eq(fired_len, 3);
	ck_assert_uint_eq(fata_loop_now(loop), 1200);
	fata_loop_free(loop);
}
END_TEST

/* A timer callback reads the loop clock: on a virtual loop it is exactly the deadline. */
static uint64_t seen_now;

static void note_now(void *arg, struct fata_timer *t)
{
	(void)t;
	seen_now = fata_loop_now(arg);
}

START_TEST(virtual_clock_at_deadline)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_timer t;

	fata_timer_init(&t, note_now, loop);
	ck_assert_int_eq(fata_timer_arm(loop, &t, 123456789), FATA_OK);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_uint_eq(seen_now, 123456789);
	fata_loop_free(loop);
}
END_TEST

static int task_runs[4];

static void count_task(void *arg)
{
	task_runs[(intptr_t)arg]++;
}

START_TEST(task_post_once)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_task a, b;

	task_runs[0] = task_runs[1] = 0;
	fata_task_init(&a, count_task, (void *)0);
	fata_task_init(&b, count_task, (void *)1);
	fata_task_post(loop, &a);
	fata_task_post(loop, &a);
	fata_task_post(loop, &b);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(task_runs[0], 1);
	ck_assert_int_eq(task_runs[1], 1);
	/* Once run, it may be posted again. */
	fata_task_post(loop, &a);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(task_runs[0], 2);
	fata_loop_free(loop);
}
END_TEST

static void stop_loop(void *arg)
{
	fata_loop_stop(arg);
}

START_TEST(run_forever_until_stop)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_task stopper;
	struct fata_timer later;

	reset_records();
	fata_task_init(&stopper, stop_loop, loop);
	fata_timer_init(&later, record_timer, (void *)1);
	ck_assert_int_eq(fata_timer_arm(loop, &later, 50), FATA_OK);
	fata_task_post(loop, &stopper);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_FOREVER), FATA_OK);
	/* The stop came before the timer. */
	ck_assert_int_eq(fired_len, 0);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(fired_len, 1);
	fata_loop_free(loop);
}
END_TEST

/* A producer that never settles, so run_until must give up. */
static int hook_runs;

static void count_hook(void *ctx, struct fata_promise *p)
{
	(void)ctx;
	(void)p;
	hook_runs++;
}

START_TEST(run_until_outcomes)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_promise *stuck = fata_promise_new(loop, "stuck");
	union fata_value value = { .u64 = 77 };
	int status = 1;

	ck_assert_int_eq(fata_loop_run_until(loop, fata_sleep(loop, 5 * MS), &status, &value),
			FATA_OK);
	ck_assert_int_eq(status, 0);
	ck_assert_uint_eq(value.u64, 0);
	ck_assert_uint_eq(fata_loop_now(loop), 5 * MS);

	ck_assert_int_eq(fata_loop_run_until(loop,
			fata_promise_rejected(loop, "r", FATA_EPROTO), &status, NULL), FATA_OK);
	ck_assert_int_eq(status, FATA_EPROTO);

	hook_runs = 0;
	fata_promise_on_cancel(stuck, count_hook, NULL);
	ck_assert_int_eq(fata_loop_run_until(loop, stuck, &status, &value), FATA_EAGAIN);
	ck_assert_int_eq(hook_runs, 1);

	ck_assert_int_eq(fata_loop_run_until(loop, NULL, &status, &value), FATA_ENOMEM);
	fata_loop_free(loop);
}
END_TEST

START_TEST(real_loop_idle_returns)
{
	struct fata_loop *loop = fata_loop_new();

	ck_assert_ptr_nonnull(loop);
	ck_assert(!fata_loop_is_virtual(loop));
	ck_assert_int_eq(fata_loop_advance(loop, 1), FATA_EINVAL);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	fata_loop_free(loop);
}
END_TEST

/*
 * The epoll poller rounds its timeout up to whole ms, so a timer never
 * fires before its deadline by the monotonic clock.
 */
START_TEST(real_timers_never_early)
{
	static const uint64_t delays[] = { 1, 999999, 1000000, 1000001, 2500000 };
	struct fata_loop *loop = fata_loop_new();

	for (size_t i = 0; i < sizeof delays / sizeof delays[0]; i++) {
		uint64_t start = fata_clock_monotonic_ns();
		uint64_t loop_start = fata_loop_now(loop);
		int status = 1;

		ck_assert_int_eq(fata_loop_run_until(loop, fata_sleep(loop, delays[i]), &status, NULL),
				FATA_OK);
		ck_assert_int_eq(status, 0);
		ck_assert_uint_ge(fata_clock_monotonic_ns() - start, delays[i]);
		ck_assert_uint_ge(fata_loop_now(loop) - loop_start, delays[i]);
	}
	fata_loop_free(loop);
}
END_TEST

/* A reference keeps FATA_RUN_IDLE polling after the last timer, until I/O drops it. */
struct ref_probe {
	struct fata_loop *loop;
	int pipe_fds[2];
	struct fata_posix_watch watch;
	int reads;
};

static void write_pipe(void *arg, struct fata_timer *t)
{
	struct ref_probe *probe = arg;

	(void)t;
	ck_assert_int_eq(write(probe->pipe_fds[1], "x", 1), 1);
}

static void read_pipe(void *arg, struct fata_posix_watch *w, uint32_t ready)
{
	struct ref_probe *probe = arg;
	char c;

	ck_assert(ready & FATA_POSIX_READABLE);
	ck_assert_int_eq(read(probe->pipe_fds[0], &c, 1), 1);
	probe->reads++;
	fata_posix_watch_stop(probe->loop, w);
	fata_loop_unref(probe->loop);
}

START_TEST(run_idle_with_ref)
{
	struct ref_probe probe = { 0 };
	struct fata_timer t;

	probe.loop = fata_loop_new();
	ck_assert_int_eq(pipe(probe.pipe_fds), 0);
	ck_assert_int_eq(fata_posix_watch_start(probe.loop, &probe.watch, probe.pipe_fds[0],
			FATA_POSIX_READABLE, read_pipe, &probe), FATA_OK);
	fata_timer_init(&t, write_pipe, &probe);
	ck_assert_int_eq(fata_timer_arm(probe.loop, &t, fata_loop_now(probe.loop) + MS), FATA_OK);
	fata_loop_ref(probe.loop);
	ck_assert_int_eq(fata_loop_run(probe.loop, FATA_RUN_IDLE), FATA_OK);
	ck_assert_int_eq(probe.reads, 1);
	close(probe.pipe_fds[0]);
	close(probe.pipe_fds[1]);
	fata_loop_free(probe.loop);
}
END_TEST

START_TEST(run_once_does_not_block)
{
	struct fata_loop *loop = fata_loop_new();
	struct fata_timer t;
	uint64_t start;

	reset_records();
	fata_timer_init(&t, record_timer, (void *)1);
	ck_assert_int_eq(fata_timer_arm(loop, &t, fata_loop_now(loop) + 10000 * MS), FATA_OK);
	start = fata_clock_monotonic_ns();
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_uint_lt(fata_clock_monotonic_ns() - start, 1000 * MS);
	ck_assert_int_eq(fired_len, 0);
	fata_timer_cancel(loop, &t);
	fata_loop_free(loop);
}
END_TEST

static Suite *loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, timers_deadline_then_arming_order);
	tcase_add_test(tc, timer_rearm_moves_it);
	tcase_add_test(tc, timer_cancel);
	tcase_add_test(tc, timer_in_the_past_fires);
	tcase_add_test(tc, virtual_advance);
	tcase_add_test(tc, virtual_clock_at_deadline);
	tcase_add_test(tc, task_post_once);
	tcase_add_test(tc, run_forever_until_stop);
	tcase_add_test(tc, run_until_outcomes);
	tcase_add_test(tc, real_loop_idle_returns);
	tcase_add_test(tc, real_timers_never_early);
	tcase_add_test(tc, run_idle_with_ref);
	tcase_add_test(tc, run_once_does_not_block);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(loop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

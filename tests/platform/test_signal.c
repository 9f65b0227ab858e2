/* Unit tests for the SIGINT/SIGTERM promise. */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

#include <fata/error.h>
#include <fata/loop.h>
#include <fata/posix.h>

static int is_blocked(int sig)
{
	sigset_t now;

	ck_assert_int_eq(sigprocmask(SIG_BLOCK, NULL, &now), 0);
	return sigismember(&now, sig);
}

START_TEST(sigterm_fulfills)
{
	struct fata_loop *loop = fata_loop_new();
	struct fata_promise *p = fata_posix_signal_promise(loop);
	union fata_value value = { 0 };
	int status = 1;

	ck_assert_ptr_nonnull(p);
	ck_assert(is_blocked(SIGTERM));
	ck_assert(is_blocked(SIGINT));
	ck_assert_int_eq(raise(SIGTERM), 0);
	ck_assert_int_eq(fata_loop_run_until(loop, p, &status, &value), FATA_OK);
	ck_assert_int_eq(status, 0);
	ck_assert_uint_eq(value.u64, SIGTERM);

	/* Afterwards the signals act as before again, and no loop reference is left. */
	ck_assert(!is_blocked(SIGTERM));
	ck_assert(!is_blocked(SIGINT));
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	fata_loop_free(loop);
}
END_TEST

struct wait_outcome {
	int calls;
	int status;
	uint64_t signo;
};

static void record_signal(void *arg, int status, union fata_value value)
{
	struct wait_outcome *o = arg;

	o->calls++;
	o->status = status;
	o->signo = value.u64;
}

START_TEST(sigint_with_two_waits)
{
	struct fata_loop *loop = fata_loop_new();
	struct fata_promise *p[2];
	struct wait_outcome o[2] = { { 0 }, { 0 } };
	int winner;

	for (int i = 0; i < 2; i++) {
		p[i] = fata_posix_signal_promise(loop);
		ck_assert_ptr_nonnull(p[i]);
		fata_promise_then(p[i], record_signal, &o[i]);
	}
	ck_assert_int_eq(raise(SIGINT), 0);
	for (int turn = 0; turn < 100 && o[0].calls + o[1].calls == 0; turn++)
		ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);

	/* Exactly one wait read the signal. */
	ck_assert_int_eq(o[0].calls + o[1].calls, 1);
	winner = o[0].calls ? 0 : 1;
	ck_assert_int_eq(o[winner].status, 0);
	ck_assert_uint_eq(o[winner].signo, SIGINT);

	/* The other wait still keeps the signals blocked until it ends. */
	ck_assert(is_blocked(SIGINT));
	fata_promise_cancel(p[1 - winner]);
	ck_assert(!is_blocked(SIGINT));
	fata_loop_free(loop);
}
END_TEST

START_TEST(cancel_restores_mask)
{
	struct fata_loop *loop = fata_loop_new();
	struct fata_loop *virt = fata_loop_new_virtual(0);
	struct fata_promise *p;
	sigset_t set;

	p = fata_posix_signal_promise(loop);
	ck_assert_ptr_nonnull(p);
	fata_promise_cancel(p);
	ck_assert(!is_blocked(SIGTERM));
	/* The reference went with it. */
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);

	/* A signal blocked before stays blocked. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	p = fata_posix_signal_promise(loop);
	fata_promise_cancel(p);
	ck_assert(is_blocked(SIGTERM));
	ck_assert(!is_blocked(SIGINT));
	ck_assert_int_eq(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);

	/* Only an epoll loop can watch the signalfd. */
	ck_assert_ptr_null(fata_posix_signal_promise(virt));
	ck_assert(!is_blocked(SIGTERM));
	ck_assert_ptr_null(fata_posix_signal_promise(NULL));
	fata_loop_free(virt);
	fata_loop_free(loop);
}
END_TEST

static Suite *signal_suite(void)
{
	Suite *s = suite_create("signal");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sigterm_fulfills);
	tcase_add_test(tc, sigint_with_two_waits);
	tcase_add_test(tc, cancel_restores_mask);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(signal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

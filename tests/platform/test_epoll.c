/* Unit tests for the epoll poller's fd watches. */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fata/error.h>
#include <fata/loop.h>
#include <fata/posix.h>

static void never_called(void *arg, struct fata_posix_watch *w, uint32_t ready)
{
	(void)arg;
	(void)w;
	(void)ready;
	ck_abort_msg("handler ran for a watch that was never ready");
}

START_TEST(watch_start_errors)
{
	struct fata_loop *virt = fata_loop_new_virtual(0);
	struct fata_loop *loop = fata_loop_new();
	struct fata_posix_watch w = { 0 };
	char path[] = "/tmp/fata-epoll-XXXXXX";
	int fds[2];
	int file;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(fata_posix_watch_start(virt, &w, fds[0], FATA_POSIX_READABLE,
			never_called, NULL), FATA_EINVAL);
	ck_assert_int_eq(fata_posix_watch_start(NULL, &w, fds[0], FATA_POSIX_READABLE,
			never_called, NULL), FATA_EINVAL);
	ck_assert_int_eq(fata_posix_watch_start(loop, &w, -1, FATA_POSIX_READABLE,
			never_called, NULL), FATA_EINVAL);
	ck_assert_int_eq(fata_posix_watch_start(loop, &w, fds[0], FATA_POSIX_READABLE,
			NULL, NULL), FATA_EINVAL);
	ck_assert_int_eq(fata_posix_watch_start(loop, &w, fds[0], 1u << 7, never_called, NULL),
			FATA_EINVAL);

	/* epoll refuses regular files. */
	file = mkstemp(path);
	ck_assert_int_ge(file, 0);
	unlink(path);
	ck_assert_int_eq(fata_posix_watch_start(loop, &w, file, FATA_POSIX_READABLE,
			never_called, NULL), FATA_EIO);
	ck_assert(!w.registered);
	close(file);

	ck_assert_int_eq(fata_posix_watch_start(loop, &w, fds[0], FATA_POSIX_READABLE,
			never_called, NULL), FATA_OK);
	ck_assert_int_eq(fata_posix_watch_start(loop, &w, fds[0], FATA_POSIX_READABLE,
			never_called, NULL), FATA_EINVAL);
	ck_assert_int_eq(fata_posix_watch_modify(virt, &w, 0), FATA_EINVAL);
	ck_assert_int_eq(fata_posix_watch_modify(loop, &w, 1u << 9), FATA_EINVAL);
	fata_posix_watch_stop(loop, &w);
	ck_assert(!w.registered);
	/* Stopping twice, and modifying a stopped watch. */
	fata_posix_watch_stop(loop, &w);
	ck_assert_int_eq(fata_posix_watch_modify(loop, &w, FATA_POSIX_READABLE), FATA_EINVAL);

	close(fds[0]);
	close(fds[1]);
	fata_loop_free(loop);
	fata_loop_free(virt);
}
END_TEST

struct probe {
	struct fata_loop *loop;
	struct fata_posix_watch watch;
	int fds[2];
	int calls;
	uint32_t last_ready;
	struct probe *victim; /* a watch this one's handler stops and frees */
};

static void probe_open(struct probe *p, struct fata_loop *loop)
{
	memset(p, 0, sizeof *p);
	p->loop = loop;
	ck_assert_int_eq(pipe2(p->fds, O_NONBLOCK), 0);
}

static void probe_close(struct probe *p)
{
	fata_posix_watch_stop(p->loop, &p->watch);
	close(p->fds[0]);
	if (p->fds[1] >= 0)
		close(p->fds[1]);
}

static void record_ready(void *arg, struct fata_posix_watch *w, uint32_t ready)
{
	struct probe *p = arg;

	(void)w;
	p->calls++;
	p->last_ready = ready;
	fata_loop_stop(p->loop);
}

START_TEST(readable_and_writable)
{
	struct fata_loop *loop = fata_loop_new();
	struct probe r, w;
	char c;

	probe_open(&r, loop);
	probe_open(&w, loop);
	ck_assert_int_eq(fata_posix_watch_start(loop, &r.watch, r.fds[0], FATA_POSIX_READABLE,
			record_ready, &r), FATA_OK);
	ck_assert_int_eq(fata_posix_watch_start(loop, &w.watch, w.fds[1], FATA_POSIX_WRITABLE,
			record_ready, &w), FATA_OK);

	/* The empty pipe's write end is writable at once, its read end is not readable. */
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(w.calls, 1);
	ck_assert_uint_eq(w.last_ready, FATA_POSIX_WRITABLE);
	ck_assert_int_eq(r.calls, 0);

	fata_posix_watch_stop(loop, &w.watch);
	ck_assert_int_eq(write(r.fds[1], "z", 1), 1);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(r.last_ready, FATA_POSIX_READABLE);
	ck_assert_int_eq(w.calls, 1);

	/* Level-triggered: unread data reports again. */
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(r.calls, 2);
	ck_assert_int_eq(read(r.fds[0], &c, 1), 1);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(r.calls, 2);

	probe_close(&r);
	probe_close(&w);
	fata_loop_free(loop);
}
END_TEST

START_TEST(hangup_reported_as_error)
{
	struct fata_loop *loop = fata_loop_new();
	struct probe r;

	probe_open(&r, loop);
	/* Watch for nothing: a hang-up is reported anyway. */
	ck_assert_int_eq(fata_posix_watch_start(loop, &r.watch, r.fds[0], 0, record_ready, &r),
			FATA_OK);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(r.calls, 0);
	close(r.fds[1]);
	r.fds[1] = -1;
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(r.calls, 1);
	ck_assert(r.last_ready & FATA_POSIX_ERROR);
	ck_assert(!(r.last_ready & FATA_POSIX_WRITABLE));
	probe_close(&r);
	fata_loop_free(loop);
}
END_TEST

START_TEST(modify_narrows_events)
{
	struct fata_loop *loop = fata_loop_new();
	struct probe w;

	probe_open(&w, loop);
	ck_assert_int_eq(fata_posix_watch_start(loop, &w.watch, w.fds[1], FATA_POSIX_WRITABLE,
			record_ready, &w), FATA_OK);
	ck_assert_int_eq(fata_posix_watch_modify(loop, &w.watch, FATA_POSIX_READABLE), FATA_OK);
	ck_assert_uint_eq(w.watch.events, FATA_POSIX_READABLE);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(w.calls, 0);
	ck_assert_int_eq(fata_posix_watch_modify(loop, &w.watch, FATA_POSIX_WRITABLE), FATA_OK);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(w.calls, 1);
	probe_close(&w);
	fata_loop_free(loop);
}
END_TEST

/*
 * Two watches become ready in the same wait. Whichever handler runs first
 * stops the other watch and frees it, so the second must not run. If it
 * did, the address sanitizer would report a use after free.
 */
static int victim_handlers;
static struct probe *survivor;

static void stop_victim(void *arg, struct fata_posix_watch *w, uint32_t ready)
{
	struct probe *p = arg;

	(void)w;
	(void)ready;
	victim_handlers++;
	survivor = p;
	probe_close(p->victim);
	free(p->victim);
	p->victim = NULL;
}

START_TEST(stop_other_watch_during_dispatch)
{
	struct fata_loop *loop = fata_loop_new();
	struct probe *a = malloc(sizeof *a);
	struct probe *b = malloc(sizeof *b);

	probe_open(a, loop);
	probe_open(b, loop);
	a->victim = b;
	b->victim = a;
	victim_handlers = 0;
	survivor = NULL;
	ck_assert_int_eq(write(a->fds[1], "a", 1), 1);
	ck_assert_int_eq(write(b->fds[1], "b", 1), 1);
	ck_assert_int_eq(fata_posix_watch_start(loop, &a->watch, a->fds[0], FATA_POSIX_READABLE,
			stop_victim, a), FATA_OK);
	ck_assert_int_eq(fata_posix_watch_start(loop, &b->watch, b->fds[0], FATA_POSIX_READABLE,
			stop_victim, b), FATA_OK);

	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(victim_handlers, 1);
	ck_assert_ptr_nonnull(survivor);
	probe_close(survivor);
	free(survivor);
	fata_loop_free(loop);
}
END_TEST

/* A handler that stops its own watch and starts it again on another fd. */
struct restart_probe {
	struct fata_loop *loop;
	struct fata_posix_watch watch;
	int first[2], second[2];
	int calls;
	int fd_seen[4];
};

static void restart_self(void *arg, struct fata_posix_watch *w, uint32_t ready)
{
	struct restart_probe *p = arg;
	char c;

	(void)ready;
	p->fd_seen[p->calls++] = w->fd;
	ck_assert_int_eq(read(w->fd, &c, 1), 1);
	fata_posix_watch_stop(p->loop, w);
	if (w->fd == p->first[0])
		ck_assert_int_eq(fata_posix_watch_start(p->loop, w, p->second[0], FATA_POSIX_READABLE,
				restart_self, p), FATA_OK);
}

START_TEST(restart_own_watch_during_dispatch)
{
	struct restart_probe p = { 0 };

	p.loop = fata_loop_new();
	ck_assert_int_eq(pipe(p.first), 0);
	ck_assert_int_eq(pipe(p.second), 0);
	ck_assert_int_eq(write(p.first[1], "1", 1), 1);
	ck_assert_int_eq(write(p.second[1], "2", 1), 1);
	ck_assert_int_eq(fata_posix_watch_start(p.loop, &p.watch, p.first[0], FATA_POSIX_READABLE,
			restart_self, &p), FATA_OK);
	ck_assert_int_eq(fata_loop_run(p.loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.fd_seen[0], p.first[0]);
	ck_assert_int_eq(fata_loop_run(p.loop, FATA_RUN_ONCE), FATA_OK);
	ck_assert_int_eq(p.calls, 2);
	ck_assert_int_eq(p.fd_seen[1], p.second[0]);
	ck_assert(!p.watch.registered);
	for (int i = 0; i < 2; i++) {
		close(p.first[i]);
		close(p.second[i]);
	}
	fata_loop_free(p.loop);
}
END_TEST

/* More ready fds than one wait takes: every one is still served. */
START_TEST(many_ready_watches)
{
	enum { N = 150 };
	struct fata_loop *loop = fata_loop_new();
	struct probe *p = calloc(N, sizeof *p);
	int served = 0;

	for (int i = 0; i < N; i++) {
		probe_open(&p[i], loop);
		ck_assert_int_eq(write(p[i].fds[1], "x", 1), 1);
		ck_assert_int_eq(fata_posix_watch_start(loop, &p[i].watch, p[i].fds[0],
				FATA_POSIX_READABLE, record_ready, &p[i]), FATA_OK);
	}
	for (int turn = 0; turn < 4; turn++)
		ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_ONCE), FATA_OK);
	for (int i = 0; i < N; i++) {
		served += p[i].calls > 0;
		probe_close(&p[i]);
	}
	ck_assert_int_eq(served, N);
	free(p);
	fata_loop_free(loop);
}
END_TEST

static Suite *epoll_suite(void)
{
	Suite *s = suite_create("epoll");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, watch_start_errors);
	tcase_add_test(tc, readable_and_writable);
	tcase_add_test(tc, hangup_reported_as_error);
	tcase_add_test(tc, modify_narrows_events);
	tcase_add_test(tc, stop_other_watch_during_dispatch);
	tcase_add_test(tc, restart_own_watch_during_dispatch);
	tcase_add_test(tc, many_ready_watches);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(epoll_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

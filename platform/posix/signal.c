/*
 * SIGINT and SIGTERM as a promise; see fata_posix_signal_promise() in
 * fata/posix.h.
 *
 * The two signals are blocked, so their default action (ending the
 * process) no longer applies, and read through a signalfd on the loop. When
 * the last pending wait settles or is canceled, the signals that were not
 * blocked before the first wait are unblocked again, so a second Ctrl-C
 * ends a program that hangs during shutdown. With several waits pending, a
 * signal settles only the one whose signalfd reads it first.
 *
 * A pending wait holds a loop reference, because a signal can arrive
 * without any timer or queued callback.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/posix.h>

struct signal_wait {
	struct fata_loop *loop;
	struct fata_promise *promise;
	int fd;
	struct fata_posix_watch watch;
};

/* Process-wide, like the signal mask itself: the pending waits and what to unblock after them. */
static unsigned signal_waits_pending;
static sigset_t signal_unblock_after;

static void signal_set_init(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

/* Blocks SIGINT and SIGTERM for one more wait. */
static int signal_block(void)
{
	sigset_t set, old;

	signal_set_init(&set);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0) {
		fata_log(FATA_LOG_ERROR, "signal", "blocking SIGINT and SIGTERM failed: errno %d", errno);
		return FATA_EIO;
	}
	if (signal_waits_pending++ == 0) {
		sigemptyset(&signal_unblock_after);
		if (!sigismember(&old, SIGINT))
			sigaddset(&signal_unblock_after, SIGINT);
		if (!sigismember(&old, SIGTERM))
			sigaddset(&signal_unblock_after, SIGTERM);
	}
	return FATA_OK;
}

/* Ends one wait's claim on the mask; the last one restores it. */
static void signal_unblock(void)
{
	if (--signal_waits_pending > 0)
		return;
	if (sigprocmask(SIG_UNBLOCK, &signal_unblock_after, NULL) < 0)
		fata_log(FATA_LOG_WARN, "signal", "unblocking signals failed: errno %d", errno);
}

static void signal_wait_free(struct signal_wait *sw)
{
	fata_posix_watch_stop(sw->loop, &sw->watch);
	close(sw->fd);
	signal_unblock();
	fata_loop_unref(sw->loop);
	fata_free(sw);
}

static void signal_on_readable(void *arg, struct fata_posix_watch *watch, uint32_t ready)
{
	struct signal_wait *sw = arg;
	struct signalfd_siginfo info;
	ssize_t n;

	(void)watch;
	(void)ready;

	n = read(sw->fd, &info, sizeof info);
	/* Another wait's signalfd took the signal first. */
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;

	if (n != (ssize_t)sizeof info) {
		fata_log(FATA_LOG_ERROR, "signal", "reading the signalfd failed: errno %d",
				n < 0 ? errno : 0);
		fata_promise_reject(sw->promise, FATA_EIO);
	} else {
		fata_log(FATA_LOG_INFO, "signal", "received signal %u", (unsigned)info.ssi_signo);
		fata_promise_fulfill(sw->promise, (union fata_value){ .u64 = info.ssi_signo });
	}
	signal_wait_free(sw);
}

static void signal_on_cancel(void *ctx, struct fata_promise *promise)
{
	(void)promise;
	signal_wait_free(ctx);
}

struct fata_promise *fata_posix_signal_promise(struct fata_loop *loop)
{
	struct signal_wait *sw;
	sigset_t set;

	if (!loop)
		return NULL;
	sw = fata_calloc(1, sizeof *sw);
	if (!sw)
		return NULL;
	sw->loop = loop;
	sw->fd = -1;
	if (signal_block() < 0) {
		fata_free(sw);
		return NULL;
	}

	signal_set_init(&set);
	sw->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sw->fd < 0) {
		fata_log(FATA_LOG_ERROR, "signal", "signalfd failed: errno %d", errno);
		goto fail;
	}
	if (fata_posix_watch_start(loop, &sw->watch, sw->fd, FATA_POSIX_READABLE,
			signal_on_readable, sw) < 0)
		goto fail;
	sw->promise = fata_promise_new(loop, "signal");
	if (!sw->promise)
		goto fail;

	fata_promise_on_cancel(sw->promise, signal_on_cancel, sw);
	fata_loop_ref(loop);
	return sw->promise;

fail:
	fata_posix_watch_stop(loop, &sw->watch);
	if (sw->fd >= 0)
		close(sw->fd);
	signal_unblock();
	fata_free(sw);
	return NULL;
}

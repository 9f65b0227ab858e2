/*
 * The default poller of the POSIX backend: epoll, level-triggered, plus the
 * file-descriptor watches of fata/posix.h.
 *
 * Each epoll entry carries a pointer to its struct fata_posix_watch. One
 * wait returns a batch of entries, and a handler run for an early entry may
 * stop (and even free) a watch that appears later in the same batch. To keep
 * that safe, fata_posix_watch_stop() clears the stopped watch's remaining
 * entries in the batch being dispatched, and dispatch skips cleared entries.
 * A handler may also stop, modify or restart its own watch.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <fata/alloc.h>
#include <fata/clock.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/posix.h>

#include "../src/backend.h"
#include "posix_internal.h"

/* Entries taken from the kernel per wait; more stay ready for the next turn. */
#define EPOLL_BATCH 64

#define NS_PER_MS 1000000ull

#define WATCH_EVENTS_ALL (FATA_POSIX_READABLE | FATA_POSIX_WRITABLE | FATA_POSIX_ERROR)

struct epoll_poller {
	int epfd;
	/* The batch being dispatched: entries [batch_pos + 1, batch_len) are still to run. */
	struct epoll_event batch[EPOLL_BATCH];
	int batch_len;
	int batch_pos;
	int dispatching;
};

static int epoll_poller_wait(void *ctx, struct fata_loop *loop, uint64_t timeout_ns);
static uint64_t epoll_poller_now(void *ctx);
static void epoll_poller_destroy(void *ctx);

static const struct fata_poller_ops epoll_ops = {
	.wait = epoll_poller_wait,
	.now = epoll_poller_now,
	.destroy = epoll_poller_destroy,
};

int fata_backend_poller_new(const struct fata_poller_ops **ops, void **ctx)
{
	struct epoll_poller *p = fata_calloc(1, sizeof *p);

	if (!p)
		return FATA_ENOMEM;
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0) {
		int err = errno;

		fata_log(FATA_LOG_ERROR, "epoll", "epoll_create1 failed: errno %d", err);
		fata_free(p);
		return err == ENOMEM ? FATA_ENOMEM : FATA_EIO;
	}
	*ops = &epoll_ops;
	*ctx = p;
	return FATA_OK;
}

/* Returns the epoll poller of `loop`, or NULL when the loop runs on another poller. */
static struct epoll_poller *poller_of(const struct fata_loop *loop)
{
	if (!loop || fata_loop_poller_ops(loop) != &epoll_ops)
		return NULL;
	return fata_loop_poller_ctx(loop);
}

int posix_loop_is_epoll(const struct fata_loop *loop)
{
	return poller_of(loop) != NULL;
}

/*
 * Converts a wait in ns to epoll_wait's milliseconds, rounding up so that
 * the loop never wakes before its next timer is due.
 */
static int timeout_to_ms(uint64_t timeout_ns)
{
	uint64_t ms;

	if (timeout_ns == UINT64_MAX)
		return -1;
	ms = timeout_ns / NS_PER_MS + (timeout_ns % NS_PER_MS != 0);
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static uint32_t epoll_from_watch_events(uint32_t events)
{
	uint32_t out = 0;

	if (events & FATA_POSIX_READABLE)
		out |= EPOLLIN | EPOLLRDHUP;
	if (events & FATA_POSIX_WRITABLE)
		out |= EPOLLOUT;
	return out;
}

static uint32_t watch_events_from_epoll(uint32_t events)
{
	uint32_t out = 0;

	if (events & (EPOLLIN | EPOLLPRI | EPOLLRDHUP))
		out |= FATA_POSIX_READABLE;
	if (events & EPOLLOUT)
		out |= FATA_POSIX_WRITABLE;
	if (events & (EPOLLERR | EPOLLHUP))
		out |= FATA_POSIX_ERROR;
	return out;
}

static void dispatch_batch(struct epoll_poller *p)
{
	for (p->batch_pos = 0; p->batch_pos < p->batch_len; p->batch_pos++) {
		struct fata_posix_watch *w = p->batch[p->batch_pos].data.ptr;
		uint32_t ready;

		if (!w)
			continue;

		/* The handler of an earlier entry may have narrowed this watch's events. */
		ready = watch_events_from_epoll(p->batch[p->batch_pos].events);
		ready &= w->events | FATA_POSIX_ERROR;
		if (ready)
			w->fn(w->arg, w, ready);
	}
	p->batch_len = 0;
	p->batch_pos = 0;
}

static int epoll_poller_wait(void *ctx, struct fata_loop *loop, uint64_t timeout_ns)
{
	struct epoll_poller *p = ctx;
	int n;

	/* Running the loop from inside a watch handler would overwrite the batch. */
	if (p->dispatching)
		return FATA_ESTATE;

	n = epoll_wait(p->epfd, p->batch, EPOLL_BATCH, timeout_to_ms(timeout_ns));
	if (n < 0) {
		/* A signal cut the wait short; the loop re-reads its clock and waits again. */
		if (errno == EINTR)
			return FATA_OK;
		fata_log(FATA_LOG_ERROR, "epoll", "epoll_wait failed: errno %d", errno);
		return FATA_EIO;
	}
	if (n == 0)
		return FATA_OK;

	p->dispatching = 1;
	p->batch_len = n;
	dispatch_batch(p);
	p->dispatching = 0;
	fata_loop_note_io(loop);
	return FATA_OK;
}

static uint64_t epoll_poller_now(void *ctx)
{
	(void)ctx;
	return fata_clock_monotonic_ns();
}

static void epoll_poller_destroy(void *ctx)
{
	struct epoll_poller *p = ctx;

	close(p->epfd);
	fata_free(p);
}

int fata_posix_watch_start(struct fata_loop *loop, struct fata_posix_watch *watch, int fd,
		uint32_t events, void (*fn)(void *arg, struct fata_posix_watch *watch, uint32_t ready),
		void *arg)
{
	struct epoll_poller *p = poller_of(loop);
	struct epoll_event ev = { 0 };

	if (!p || !watch || watch->registered || fd < 0 || !fn || (events & ~WATCH_EVENTS_ALL))
		return FATA_EINVAL;

	ev.events = epoll_from_watch_events(events);
	ev.data.ptr = watch;
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		fata_log(FATA_LOG_WARN, "epoll", "epoll_ctl add of fd %d failed: errno %d", fd, errno);
		return FATA_EIO;
	}

	watch->fd = fd;
	watch->events = events;
	watch->fn = fn;
	watch->arg = arg;
	watch->registered = 1;
	return FATA_OK;
}

int fata_posix_watch_modify(struct fata_loop *loop, struct fata_posix_watch *watch,
		uint32_t events)
{
	struct epoll_poller *p = poller_of(loop);
	struct epoll_event ev = { 0 };

	if (!p || !watch || !watch->registered || (events & ~WATCH_EVENTS_ALL))
		return FATA_EINVAL;
	if (events == watch->events)
		return FATA_OK;

	ev.events = epoll_from_watch_events(events);
	ev.data.ptr = watch;
	if (epoll_ctl(p->epfd, EPOLL_CTL_MOD, watch->fd, &ev) < 0) {
		fata_log(FATA_LOG_WARN, "epoll", "epoll_ctl modify of fd %d failed: errno %d",
				watch->fd, errno);
		return FATA_EIO;
	}
	watch->events = events;
	return FATA_OK;
}

void fata_posix_watch_stop(struct fata_loop *loop, struct fata_posix_watch *watch)
{
	struct epoll_poller *p = poller_of(loop);

	if (!p || !watch || !watch->registered)
		return;

	/*
	 * The only expected failure is EBADF after the caller closed the fd
	 * first, which already removed the entry unless the fd was duplicated.
	 */
	(void)epoll_ctl(p->epfd, EPOLL_CTL_DEL, watch->fd, NULL);
	watch->registered = 0;

	/* Forget entries of this watch still waiting in the batch being dispatched. */
	for (int i = p->batch_pos + 1; i < p->batch_len; i++) {
		if (p->batch[i].data.ptr == watch)
			p->batch[i].data.ptr = NULL;
	}
}

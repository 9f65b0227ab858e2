/*
 * A xenstore client over the shared ring (io/xs_wire.h). Each message is
 * a struct xsd_sockmsg header and `len` payload bytes, written into the
 * 1024-byte request ring and read from the response ring, both indexed by
 * free-running producer and consumer counters.
 *
 * Requests are synchronous: one is outstanding at a time, and the caller
 * waits for its answer with the vCPU blocked on the xenstore port. Watch
 * events that arrive meanwhile are queued and their callbacks run later
 * from the event loop, so a callback never runs inside another request.
 */
#include <stdint.h>
#include <string.h>

#include <fata/error.h>
#include <fata/fmt.h>
#include <fata/log.h>

#include "xen_internal.h"

/* How long a request waits for xenstored. */
#define REQUEST_TIMEOUT_NS (30ull * 1000000000ull)
/* Watch events kept until the loop runs their callbacks; later ones are dropped. */
#define EVENT_QUEUE_LEN 16
#define EVENT_PATH_MAX 256

static struct xen_xenstore_interface *ring;
static uint32_t ring_port;
static uint32_t next_req_id = 1;
static struct xen_xs_watch *watches;

/* The payload of the message being read; one request is outstanding at a time. */
static char message[XEN_XENSTORE_PAYLOAD_MAX + 1];

struct queued_event {
	char path[EVENT_PATH_MAX];
	struct xen_xs_watch *watch;
};
static struct queued_event events[EVENT_QUEUE_LEN];
static unsigned event_head, event_count;
static uint64_t events_dropped;

/* ---- ring I/O ---- */

static uint32_t load_acquire(uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Copies up to `len` bytes into the request ring; returns how many fit. */
static size_t ring_put(const char *data, size_t len)
{
	uint32_t cons = load_acquire(&ring->req_cons);
	uint32_t prod = ring->req_prod;
	size_t space = XEN_XENSTORE_RING_SIZE - (prod - cons);
	size_t n = len < space ? len : space;

	for (size_t i = 0; i < n; i++)
		ring->req[(prod + i) & (XEN_XENSTORE_RING_SIZE - 1)] = data[i];

	__atomic_store_n(&ring->req_prod, prod + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

/* Copies up to `len` bytes out of the response ring; returns how many were there. */
static size_t ring_get(char *data, size_t len)
{
	uint32_t prod = load_acquire(&ring->rsp_prod);
	uint32_t cons = ring->rsp_cons;
	size_t avail = prod - cons;
	size_t n = len < avail ? len : avail;

	for (size_t i = 0; i < n; i++)
		data[i] = ring->rsp[(cons + i) & (XEN_XENSTORE_RING_SIZE - 1)];

	__atomic_store_n(&ring->rsp_cons, cons + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

static size_t rsp_available(void)
{
	return load_acquire(&ring->rsp_prod) - ring->rsp_cons;
}

/* Waits for ring activity until `deadline`; returns FATA_ETIMEDOUT after it. */
static int wait_ring(uint64_t deadline)
{
	if (xen_system_time_ns() >= deadline)
		return FATA_ETIMEDOUT;

	xen_evtchn_notify(ring_port);
	xen_evtchn_block(ring_port, deadline);
	xen_evtchn_test_and_clear(ring_port);
	return FATA_OK;
}

/* Writes all of `data`, waiting for xenstored to make room. */
static int write_all(const char *data, size_t len, uint64_t deadline)
{
	while (len > 0) {
		size_t n = ring_put(data, len);
		data += n;
		len -= n;
		if (len > 0) {
			int rc = wait_ring(deadline);
			if (rc < 0)
				return rc;
		}
	}
	return FATA_OK;
}

/* Reads exactly `len` bytes, waiting for them to arrive. */
static int read_all(char *data, size_t len, uint64_t deadline)
{
	while (len > 0) {
		size_t n = ring_get(data, len);
		data += n;
		len -= n;
		if (len > 0) {
			int rc = wait_ring(deadline);
			if (rc < 0)
				return rc;
		} else {
			xen_evtchn_notify(ring_port);
		}
	}
	return FATA_OK;
}

/* ---- watch events ---- */

static struct xen_xs_watch *find_watch(const char *token)
{
	for (struct xen_xs_watch *w = watches; w; w = w->next) {
		char expected[24];

		fata_snprintf(expected, sizeof(expected), "fata%p", (void *)w);
		if (strcmp(token, expected) == 0)
			return w;
	}
	return NULL;
}

/* Queues a watch event whose payload ("PATH\0TOKEN\0") is in `message`. */
static void queue_event(size_t len)
{
	size_t path_len = strlen(message);
	if (path_len + 1 >= len)
		return;

	struct xen_xs_watch *w = find_watch(message + path_len + 1);
	if (w == NULL)
		return;

	if (event_count == EVENT_QUEUE_LEN || path_len >= EVENT_PATH_MAX) {
		events_dropped++;
		fata_log(FATA_LOG_WARN, "xenstore", "dropped a watch event for %.64s "
				"(%llu dropped so far)", message, (unsigned long long)events_dropped);
		return;
	}

	struct queued_event *e = &events[(event_head + event_count) % EVENT_QUEUE_LEN];
	memcpy(e->path, message, path_len + 1);
	e->watch = w;
	event_count++;
}

/* Runs the callbacks of queued events whose watch is still registered. */
static void run_events(void)
{
	while (event_count > 0) {
		struct queued_event e = events[event_head];
		event_head = (event_head + 1) % EVENT_QUEUE_LEN;
		event_count--;

		for (struct xen_xs_watch *w = watches; w; w = w->next) {
			if (w == e.watch) {
				w->fn(w->arg, e.path);
				break;
			}
		}
	}
}

/*
 * Reads one whole message into `message` (NUL-terminated) when one has
 * started to arrive. Returns 1 with the header in `*hdr`, 0 when the ring
 * is empty, or a negative error.
 */
static int read_message(struct xen_xsd_sockmsg *hdr, uint64_t deadline)
{
	if (rsp_available() == 0)
		return 0;

	int rc = read_all((char *)hdr, sizeof(*hdr), deadline);
	if (rc < 0)
		return rc;
	if (hdr->len > XEN_XENSTORE_PAYLOAD_MAX)
		return FATA_EPROTO;

	rc = read_all(message, hdr->len, deadline);
	if (rc < 0)
		return rc;
	message[hdr->len] = '\0';
	return 1;
}

/* Takes every message waiting outside a request: only watch events are expected. */
static void pump(void)
{
	struct xen_xsd_sockmsg hdr;
	uint64_t deadline = xen_system_time_ns() + REQUEST_TIMEOUT_NS;

	while (read_message(&hdr, deadline) == 1) {
		if (hdr.type == XEN_XS_WATCH_EVENT)
			queue_event(hdr.len);
	}
}

static void on_event(void *arg, uint32_t port)
{
	(void)arg;
	(void)port;

	pump();
	run_events();
}

/* ---- requests ---- */

static int error_from_text(const char *text)
{
	static const struct {
		const char *name;
		int code;
	} table[] = {
		{ "ENOENT", FATA_ENOENT }, { "EACCES", FATA_EPERM }, { "EPERM", FATA_EPERM },
		{ "EAGAIN", FATA_EAGAIN }, { "EINVAL", FATA_EINVAL }, { "EEXIST", FATA_EEXIST },
		{ "ENOSPC", FATA_ENOSPC }, { "ENOMEM", FATA_ENOMEM }, { "E2BIG", FATA_EMSGSIZE },
		{ "EQUOTA", FATA_ELIMIT }, { "EBUSY", FATA_EBUSY },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(text, table[i].name) == 0)
			return table[i].code;
	}
	return FATA_EIO;
}

/* One part of a request payload. */
struct part {
	const char *data;
	size_t len;
};

/*
 * Sends a request built from `parts` and waits for its answer, which is
 * left in `message`. Returns the payload length or a negative error.
 */
static int request(uint32_t type, uint32_t tx, const struct part *parts, unsigned count)
{
	if (ring == NULL)
		return FATA_EIO;

	struct xen_xsd_sockmsg hdr = { .type = type, .req_id = next_req_id++, .tx_id = tx };
	for (unsigned i = 0; i < count; i++)
		hdr.len += (uint32_t)parts[i].len;
	if (hdr.len > XEN_XENSTORE_PAYLOAD_MAX)
		return FATA_EMSGSIZE;

	uint64_t deadline = xen_system_time_ns() + REQUEST_TIMEOUT_NS;
	int rc = write_all((const char *)&hdr, sizeof(hdr), deadline);
	for (unsigned i = 0; rc == FATA_OK && i < count; i++)
		rc = write_all(parts[i].data, parts[i].len, deadline);
	if (rc < 0)
		return rc;
	xen_evtchn_notify(ring_port);

	for (;;) {
		struct xen_xsd_sockmsg answer;

		rc = read_message(&answer, deadline);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			rc = wait_ring(deadline);
			if (rc < 0)
				return rc;
			continue;
		}

		if (answer.type == XEN_XS_WATCH_EVENT) {
			queue_event(answer.len);
			continue;
		}
		if (answer.req_id != hdr.req_id)
			continue;
		if (answer.type == XEN_XS_ERROR)
			return error_from_text(message);
		return (int)answer.len;
	}
}

int xen_xs_init(void)
{
	uint64_t pfn = 0, port = 0;

	if (xen_hvm_get_param(XEN_HVM_PARAM_STORE_PFN, &pfn) < 0 || pfn == 0)
		return FATA_EIO;
	if (xen_hvm_get_param(XEN_HVM_PARAM_STORE_EVTCHN, &port) < 0)
		return FATA_EIO;

	ring = (struct xen_xenstore_interface *)(uintptr_t)(pfn << XEN_PAGE_SHIFT);
	ring_port = (uint32_t)port;
	return xen_evtchn_bind(ring_port, on_event, NULL);
}

int xen_xs_read(uint32_t tx, const char *path, char *buf, size_t size)
{
	struct part parts[] = { { path, strlen(path) + 1 } };

	int len = request(XEN_XS_READ, tx, parts, 1);
	if (len < 0)
		return len;
	if ((size_t)len >= size)
		return FATA_ENOSPC;

	memcpy(buf, message, (size_t)len);
	buf[len] = '\0';
	return len;
}

int xen_xs_write(uint32_t tx, const char *path, const char *value)
{
	struct part parts[] = { { path, strlen(path) + 1 }, { value, strlen(value) } };

	int rc = request(XEN_XS_WRITE, tx, parts, 2);
	return rc < 0 ? rc : FATA_OK;
}

int xen_xs_read_u64(uint32_t tx, const char *path, uint64_t *out)
{
	char text[32];
	uint64_t value = 0;

	int len = xen_xs_read(tx, path, text, sizeof(text));
	if (len < 0)
		return len;
	if (len == 0)
		return FATA_EINVAL;

	for (int i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9' || value > (UINT64_MAX - 9) / 10)
			return FATA_EINVAL;
		value = value * 10 + (uint64_t)(text[i] - '0');
	}
	*out = value;
	return FATA_OK;
}

int xen_xs_transaction_start(uint32_t *tx)
{
	struct part parts[] = { { "", 1 } };

	int len = request(XEN_XS_TRANSACTION_START, 0, parts, 1);
	if (len < 0)
		return len;

	uint32_t id = 0;
	for (int i = 0; i < len && message[i] >= '0' && message[i] <= '9'; i++)
		id = id * 10 + (uint32_t)(message[i] - '0');
	if (id == 0)
		return FATA_EPROTO;
	*tx = id;
	return FATA_OK;
}

int xen_xs_transaction_end(uint32_t tx, int abort)
{
	struct part parts[] = { { abort ? "F" : "T", 2 } };

	int rc = request(XEN_XS_TRANSACTION_END, tx, parts, 1);
	return rc < 0 ? rc : FATA_OK;
}

int xen_xs_watch(struct xen_xs_watch *watch)
{
	char token[24];

	if (watch->registered)
		return FATA_EBUSY;
	fata_snprintf(token, sizeof(token), "fata%p", (void *)watch);

	/* Link first: xenstored fires the new watch at once, maybe before it answers. */
	watch->next = watches;
	watches = watch;

	struct part parts[] = { { watch->path, strlen(watch->path) + 1 }, { token, strlen(token) + 1 } };
	int rc = request(XEN_XS_WATCH, 0, parts, 2);
	if (rc < 0) {
		watches = watch->next;
		return rc;
	}
	watch->registered = 1;
	return FATA_OK;
}

void xen_xs_unwatch(struct xen_xs_watch *watch)
{
	char token[24];

	if (!watch->registered)
		return;
	fata_snprintf(token, sizeof(token), "fata%p", (void *)watch);

	struct part parts[] = { { watch->path, strlen(watch->path) + 1 }, { token, strlen(token) + 1 } };
	request(XEN_XS_UNWATCH, 0, parts, 2);

	for (struct xen_xs_watch **p = &watches; *p; p = &(*p)->next) {
		if (*p == watch) {
			*p = watch->next;
			break;
		}
	}
	watch->registered = 0;
}

int xen_xs_wait(const char *path, int (*done)(uint64_t value, void *arg), void *arg,
		uint64_t timeout_ns, uint64_t *last)
{
	uint64_t deadline = xen_system_time_ns() + timeout_ns;

	for (;;) {
		uint64_t value = 0;
		int rc = xen_xs_read_u64(0, path, &value);

		if (rc == FATA_OK) {
			*last = value;
			if (done(value, arg))
				return FATA_OK;
		} else if (rc != FATA_ENOENT) {
			return rc;
		}

		uint64_t now = xen_system_time_ns();
		if (now >= deadline)
			return FATA_ETIMEDOUT;

		/* Re-read at least every 100 ms: a plain wait on the ring needs no watch. */
		uint64_t wake = now + 100000000ull;
		xen_evtchn_block(ring_port, wake < deadline ? wake : deadline);
		if (xen_evtchn_test_and_clear(ring_port))
			pump();
	}
}

unsigned xen_xs_run_queued(void)
{
	unsigned queued = event_count;

	run_events();
	return queued;
}

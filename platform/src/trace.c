/*
 * The promise tracer; see fata/trace.h.
 *
 * Events go into one process-wide ring (Fata is single-threaded, and the
 * tracer follows every loop of the process). When the ring is full, each new
 * event overwrites the oldest, which is counted as lost.
 *
 * The JSON output is the Chrome trace-event "JSON Object Format":
 * {"traceEvents":[...]}. A promise becomes an async slice: its creation is
 * a "b" (begin) event and its settling or cancellation an "e" (end) event,
 * matched by category "promise" and the promise's id. Its callback run is an
 * async instant ("n") with the same id. Flow reads and writes and
 * application marks are thread-scoped instants ("i"). Timestamps are in
 * microseconds, written with three decimals so that nanoseconds survive.
 * Events of a promise created before tracing started have id 0 and no
 * slice to belong to, so they become instants too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/fmt.h>
#include <fata/trace.h>

struct trace_ring {
	struct fata_trace_event *events;
	size_t capacity;
	size_t head;  /* index of the oldest event */
	size_t count;
	uint64_t lost;
	int enabled;
};

static struct trace_ring ring;
static uint64_t last_id;

int fata_trace_enable(size_t capacity)
{
	struct fata_trace_event *events;

	if (capacity == 0)
		return FATA_EINVAL;
	events = fata_calloc(capacity, sizeof *events);
	if (!events)
		return FATA_ENOMEM;

	fata_free(ring.events);
	ring.events = events;
	ring.capacity = capacity;
	ring.head = 0;
	ring.count = 0;
	ring.lost = 0;
	ring.enabled = 1;
	return FATA_OK;
}

void fata_trace_disable(void)
{
	fata_free(ring.events);
	memset(&ring, 0, sizeof ring);
}

int fata_trace_enabled(void)
{
	return ring.enabled;
}

void fata_trace_record(enum fata_trace_kind kind, const char *label, uint64_t id, int64_t value,
		uint64_t time_ns)
{
	struct fata_trace_event *ev;

	if (!ring.enabled)
		return;
	if (ring.count == ring.capacity) {
		ev = &ring.events[ring.head];
		ring.head = (ring.head + 1) % ring.capacity;
		ring.lost++;
	} else {
		ev = &ring.events[(ring.head + ring.count) % ring.capacity];
		ring.count++;
	}
	ev->time_ns = time_ns;
	ev->id = id;
	ev->value = value;
	ev->label = label;
	ev->kind = (uint8_t)kind;
}

uint64_t fata_trace_next_id(void)
{
	return ++last_id;
}

void fata_trace_counts(size_t *recorded, uint64_t *lost)
{
	if (recorded)
		*recorded = ring.count;
	if (lost)
		*lost = ring.lost;
}

/* Buffered output through the caller's write function; the first error sticks. */
struct json_out {
	int (*write)(void *ctx, const char *data, size_t len);
	void *ctx;
	int err;
	size_t len;
	char buf[1024];
};

static void out_flush(struct json_out *o)
{
	if (o->err == 0 && o->len > 0)
		o->err = o->write(o->ctx, o->buf, o->len);
	o->len = 0;
}

static void out_bytes(struct json_out *o, const char *data, size_t len)
{
	if (o->err)
		return;
	if (len > sizeof o->buf - o->len)
		out_flush(o);
	if (len > sizeof o->buf) {
		if (o->err == 0)
			o->err = o->write(o->ctx, data, len);
		return;
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
}

static void out_str(struct json_out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

static void out_fmt(struct json_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_fmt(struct json_out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fata_vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		out_bytes(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/*
 * Returns the length of the well-formed UTF-8 sequence at `s` (RFC 3629
 * section 4: no overlong forms, no surrogates, nothing above U+10FFFF), or 0
 * when the bytes there do not start one.
 */
static size_t utf8_sequence_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;

	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return len;
}

/*
 * Writes `s` as a JSON string (RFC 8259 section 7): quote, backslash and
 * control characters escaped, invalid UTF-8 replaced by U+FFFD.
 */
static void out_json_string(struct json_out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	out_bytes(o, "\"", 1);
	while (*p) {
		size_t len;

		if (*p == '"' || *p == '\\') {
			char esc[2] = { '\\', (char)*p };

			out_bytes(o, esc, 2);
			p++;
		} else if (*p < 0x20) {
			out_fmt(o, "\\u%04x", *p);
			p++;
		} else if (*p < 0x80) {
			out_bytes(o, (const char *)p, 1);
			p++;
		} else if ((len = utf8_sequence_len(p)) > 0) {
			out_bytes(o, (const char *)p, len);
			p += len;
		} else {
			out_str(o, "\\ufffd");
			p++;
		}
	}
	out_bytes(o, "\"", 1);
}

static const char *kind_name(uint8_t kind)
{
	switch (kind) {
	case FATA_TRACE_CREATE:
		return "create";
	case FATA_TRACE_FULFILL:
		return "fulfilled";
	case FATA_TRACE_REJECT:
		return "rejected";
	case FATA_TRACE_CANCEL:
		return "canceled";
	case FATA_TRACE_THEN:
		return "then";
	case FATA_TRACE_READ:
		return "read";
	case FATA_TRACE_WRITE:
		return "write";
	case FATA_TRACE_MARK:
		return "mark";
	default:
		return "unknown";
	}
}

/* Returns the event's phase: async begin, end or instant, or thread instant. */
static const char *event_phase(const struct fata_trace_event *ev)
{
	int is_promise = ev->kind <= FATA_TRACE_THEN;

	if (!is_promise || ev->id == 0)
		return "i";
	if (ev->kind == FATA_TRACE_CREATE)
		return "b";
	if (ev->kind == FATA_TRACE_THEN)
		return "n";
	return "e";
}

static void out_event_args(struct json_out *o, const struct fata_trace_event *ev)
{
	out_str(o, ",\"args\":{\"event\":");
	out_json_string(o, kind_name(ev->kind));
	switch (ev->kind) {
	case FATA_TRACE_REJECT:
	case FATA_TRACE_THEN:
		if (ev->value < 0) {
			out_str(o, ",\"error\":");
			out_json_string(o, fata_error_name((int)ev->value));
		}
		break;
	case FATA_TRACE_READ:
	case FATA_TRACE_WRITE:
		out_fmt(o, ",\"bytes\":%lld", (long long)ev->value);
		break;
	case FATA_TRACE_MARK:
		out_fmt(o, ",\"value\":%lld", (long long)ev->value);
		break;
	default:
		break;
	}
	if (ev->id != 0)
		out_fmt(o, ",\"id\":%llu", (unsigned long long)ev->id);
	out_str(o, "}");
}

static void out_event(struct json_out *o, const struct fata_trace_event *ev)
{
	const char *phase = event_phase(ev);

	out_str(o, "{\"name\":");
	out_json_string(o, ev->label && ev->label[0] ? ev->label : kind_name(ev->kind));
	out_str(o, ",\"cat\":");
	out_json_string(o, ev->kind <= FATA_TRACE_THEN ? "promise" : kind_name(ev->kind));
	out_fmt(o, ",\"ph\":\"%s\"", phase);
	if (phase[0] != 'i')
		out_fmt(o, ",\"id\":\"0x%llx\"", (unsigned long long)ev->id);
	else
		out_str(o, ",\"s\":\"t\"");
	out_fmt(o, ",\"ts\":%llu.%03u", (unsigned long long)(ev->time_ns / 1000),
			(unsigned)(ev->time_ns % 1000));
	out_str(o, ",\"pid\":1,\"tid\":1");
	out_event_args(o, ev);
	out_str(o, "}");
}

int fata_trace_write_json(int (*write)(void *ctx, const char *data, size_t len), void *ctx)
{
	struct json_out o = { .write = write, .ctx = ctx };

	if (!write)
		return FATA_EINVAL;

	out_str(&o, "{\"traceEvents\":[");
	for (size_t i = 0; i < ring.count; i++) {
		if (i > 0)
			out_str(&o, ",\n");
		out_event(&o, &ring.events[(ring.head + i) % ring.capacity]);
	}
	out_fmt(&o, "],\"displayTimeUnit\":\"ns\",\"otherData\":{\"lost_events\":\"%llu\"}}\n",
			(unsigned long long)ring.lost);
	out_flush(&o);
	return o.err;
}

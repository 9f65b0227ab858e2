/*
 * Tracing of promises: when enabled, every promise creation, settling and
 * callback run is recorded with its label and the loop's time into a
 * bounded in-memory ring, which can be written out as Chrome trace-event
 * JSON (the "JSON Object Format" with async events) that ui.perfetto.dev and
 * chrome://tracing open. Each promise appears as an async slice from
 * creation to settling, with an instant event when its callback runs.
 * Flows add instant events for reads and writes.
 */
#ifndef FATA_TRACE_H
#define FATA_TRACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kinds of trace events. */
enum fata_trace_kind {
	FATA_TRACE_CREATE = 0,  /* a promise was created */
	FATA_TRACE_FULFILL = 1, /* a promise was fulfilled */
	FATA_TRACE_REJECT = 2,  /* a promise was rejected */
	FATA_TRACE_CANCEL = 3,  /* a promise was canceled */
	FATA_TRACE_THEN = 4,    /* a promise's callback ran */
	FATA_TRACE_READ = 5,    /* a flow delivered read data (value: bytes) */
	FATA_TRACE_WRITE = 6,   /* a flow accepted a write (value: bytes) */
	FATA_TRACE_MARK = 7,    /* an application's own instant event */
};

/* One recorded event. `label` is a static string. */
struct fata_trace_event {
	uint64_t time_ns;
	uint64_t id;      /* the promise's trace id, or 0 */
	int64_t value;    /* error code, byte count, or 0 */
	const char *label;
	uint8_t kind;     /* enum fata_trace_kind */
};

/*
 * Starts recording into a ring of `capacity` events (the oldest are
 * overwritten when it fills, and counted as lost). Restarting clears the
 * ring. Errors: FATA_EINVAL for capacity 0, FATA_ENOMEM.
 */
int fata_trace_enable(size_t capacity);

/* Stops recording and frees the ring. */
void fata_trace_disable(void);

/* Returns 1 while recording. */
int fata_trace_enabled(void);

/* Records one event; does nothing while disabled. */
void fata_trace_record(enum fata_trace_kind kind, const char *label, uint64_t id, int64_t value,
		uint64_t time_ns);

/* Returns a fresh nonzero id for an object to trace. */
uint64_t fata_trace_next_id(void);

/* Returns the events recorded and the events lost to overwriting. */
void fata_trace_counts(size_t *recorded, uint64_t *lost);

/*
 * Writes the ring as trace-event JSON through `write`, which receives
 * consecutive pieces of the text and returns 0 or a negative error that
 * stops the output and is returned.
 */
int fata_trace_write_json(int (*write)(void *ctx, const char *data, size_t len), void *ctx);

#ifdef __cplusplus
}
#endif

#endif

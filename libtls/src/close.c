/*
 * Closing: after close, the flow waits until the lower flow has taken its
 * last records (close_notify among them) or the linger timer fires. Then it
 * closes the lower flow, and frees itself from a loop task once that close
 * has completed. The lower read and writes still in flight are canceled
 * first, so no callback can reach the freed flow.
 */
#include <fata/error.h>

#include "tls_internal.h"

void tls_finish(void *arg)
{
	struct tls_conn *conn = arg;
	union fata_value value = { .u64 = 0 };

	if (conn->close)
		fata_promise_fulfill(conn->close, value);
	tls_conn_free(conn);
}

static void lower_closed(void *arg, int status, union fata_value value)
{
	struct tls_conn *conn = arg;

	(void)status;
	(void)value;
	fata_task_post(conn->flow.loop, &conn->finish);
}

/* Returns 1 while records are still on their way to the lower flow. */
static int records_pending(struct tls_conn *conn)
{
	size_t len;

	if (conn->lower_write_count > 0)
		return 1;
	if (conn->error || conn->peer_closed || !conn->handshake_done)
		return 0;
	return br_ssl_engine_sendrec_buf(&conn->br.eng, &len) != NULL;
}

static void cancel_lower_io(struct tls_conn *conn)
{
	size_t i;

	fata_promise_cancel(conn->lower_read);
	conn->lower_read = NULL;
	for (i = 0; i < TLS_MAX_LOWER_WRITES; i++) {
		fata_promise_cancel(conn->lower_writes[i].promise);
		conn->lower_writes[i].promise = NULL;
	}
	conn->lower_write_count = 0;
}

void tls_close_step(struct tls_conn *conn)
{
	struct fata_promise *p;

	if (!conn->closing || conn->lower_closing)
		return;
	if (!conn->linger_expired && records_pending(conn))
		return;
	conn->lower_closing = 1;
	fata_timer_cancel(conn->flow.loop, &conn->linger);
	cancel_lower_io(conn);
	p = fata_flow_close(conn->lower);
	if (!p) {
		fata_task_post(conn->flow.loop, &conn->finish);
		return;
	}
	fata_promise_then(p, lower_closed, conn);
}

void tls_linger_fired(void *arg, struct fata_timer *timer)
{
	struct tls_conn *conn = arg;

	(void)timer;
	conn->linger_expired = 1;
	tls_close_step(conn);
}

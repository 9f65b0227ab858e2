/*
 * The pump: moves bytes between BearSSL's engine, the lower flow and the
 * pending requests until nothing more can move.
 *
 * Invariants:
 * - At most one lower read is in flight. One is started only when the
 *   engine accepts record bytes and `input` is empty. After the handshake a
 *   reader must also be waiting, so an idle flow reads nothing ahead.
 * - At most TLS_MAX_LOWER_WRITES lower writes are in flight. Records wait in
 *   the engine beyond that, which in turn stops it taking plaintext: this
 *   is the back-pressure on writers.
 * - A user write fulfills once all its bytes are inside the engine; the
 *   engine's record is flushed when no further write is queued.
 * - After a failure or the peer's close_notify the engine does no more
 *   I/O, and every pending request is settled.
 */
#include <string.h>

#include <fata/error.h>
#include <fata/log.h>

#include "tls_internal.h"

void tls_fail(struct tls_conn *conn, int error, int reason, const char *text)
{
	size_t len = strlen(text);

	if (conn->error)
		return;
	conn->error = error;
	conn->reason = reason;
	if (len >= sizeof conn->error_text)
		len = sizeof conn->error_text - 1;
	memcpy(conn->error_text, text, len);
	conn->error_text[len] = '\0';
	if (!conn->handshake_done)
		conn->common->stats.handshake_failures++;
	if (error == FATA_EAUTH)
		conn->common->stats.auth_failures++;
	fata_log(FATA_LOG_DEBUG, TLS_LOG, "%s flow failed: %s (%s)",
			conn->is_server ? "server" : "client", conn->error_text,
			fata_error_name(error));
}

/* Checks whether the engine has closed; returns 1 when it can do no more I/O. */
static int pump_engine_closed(struct tls_conn *conn)
{
	br_ssl_engine_context *eng = &conn->br.eng;
	int reason;

	if (conn->error || conn->peer_closed)
		return 1;
	if (!(br_ssl_engine_current_state(eng) & BR_SSL_CLOSED))
		return 0;
	reason = br_ssl_engine_last_error(eng);
	if (reason != 0) {
		tls_fail_from_engine(conn, reason);
	} else if (!conn->handshake_done) {
		tls_fail(conn, FATA_ETLS, 0, "peer closed the connection during the handshake");
	} else {
		/* BearSSL ends cleanly only once the peer's close_notify arrived. */
		conn->peer_closed = 1;
		conn->common->stats.clean_closes++;
	}
	return 1;
}

static void lower_write_done(void *arg, int status, union fata_value value)
{
	struct tls_lower_write *slot = arg;
	struct tls_conn *conn = slot->conn;

	(void)value;
	slot->promise = NULL;
	conn->lower_write_count--;
	if (status < 0)
		tls_fail(conn, status, 0, "lower flow write failed");
	tls_pump(conn);
}

static struct tls_lower_write *free_write_slot(struct tls_conn *conn)
{
	size_t i;

	for (i = 0; i < TLS_MAX_LOWER_WRITES; i++) {
		if (!conn->lower_writes[i].promise)
			return &conn->lower_writes[i];
	}
	return NULL;
}

/*
 * Copies the engine's next records into `view`'s tailroom while they fit.
 * Acknowledging records lets the engine write the next ones at once, such
 * as Finished after ChangeCipherSpec, so a handshake flight leaves in one
 * lower write.
 */
static void pump_append_records(br_ssl_engine_context *eng, struct fata_view *view)
{
	unsigned char *buf;
	size_t len;

	while ((buf = br_ssl_engine_sendrec_buf(eng, &len)) != NULL &&
			len <= fata_view_tailroom(*view)) {
		size_t off = view->len;

		fata_view_extend(view, len);
		memcpy(fata_view_data(*view) + off, buf, len);
		br_ssl_engine_sendrec_ack(eng, len);
	}
}

/* Hands one batch of record bytes from the engine to the lower flow. */
static int pump_send_records(struct tls_conn *conn)
{
	br_ssl_engine_context *eng = &conn->br.eng;
	struct tls_lower_write *slot = free_write_slot(conn);
	struct fata_view view;
	unsigned char *buf;
	size_t len;

	if (!slot || conn->lower_closing)
		return 0;
	buf = br_ssl_engine_sendrec_buf(eng, &len);
	if (!buf)
		return 0;
	if (fata_buf_alloc(0, len + TLS_FLIGHT_SLACK, &view) < 0) {
		tls_fail(conn, FATA_ENOMEM, 0, "no memory for an outgoing record");
		return 0;
	}
	memcpy(fata_view_data(view), buf, len);
	fata_view_trim(&view, len);
	br_ssl_engine_sendrec_ack(eng, len);
	pump_append_records(eng, &view);
	slot->promise = fata_flow_write(conn->lower, view);
	fata_view_release(&view);
	if (!slot->promise) {
		tls_fail(conn, FATA_ENOMEM, 0, "no memory for a lower flow write");
		return 0;
	}
	conn->lower_write_count++;
	fata_promise_then(slot->promise, lower_write_done, slot);
	return 1;
}

static void handshake_completed(struct tls_conn *conn)
{
	br_ssl_session_parameters params;

	br_ssl_engine_get_session_parameters(&conn->br.eng, &params);
	if (!conn->is_server) {
		conn->resumed = conn->offered_id_len > 0 &&
			params.session_id_len == conn->offered_id_len &&
			memcmp(params.session_id, conn->offered_id, conn->offered_id_len) == 0;
		conn->peer_verified = 1;
	} else if (!conn->resumed) {
		conn->peer_verified = conn->x509.chain_done && conn->x509.result == 0;
		if (params.session_id_len == 32)
			tls_cache_note_verified(&conn->server_config->cache, params.session_id,
					conn->peer_verified);
	}
	conn->common->stats.handshakes++;
	if (conn->resumed)
		conn->common->stats.resumed++;
	fata_log(FATA_LOG_DEBUG, TLS_LOG, "%s handshake done: version %04x, suite %04x%s",
			conn->is_server ? "server" : "client", params.version, params.cipher_suite,
			conn->resumed ? ", resumed" : "");
	tls_wipe(&params, sizeof params);
}

/* Notices the end of the handshake: the engine first takes application data. */
static int pump_note_handshake(struct tls_conn *conn)
{
	br_ssl_engine_context *eng = &conn->br.eng;
	union fata_value value = { .u64 = 0 };
	size_t len;

	if (conn->handshake_done)
		return 0;
	if (!br_ssl_engine_sendapp_buf(eng, &len) && !br_ssl_engine_recvapp_buf(eng, &len))
		return 0;
	conn->handshake_done = 1;
	handshake_completed(conn);
	if (conn->handshake) {
		fata_promise_fulfill(conn->handshake, value);
		conn->handshake = NULL;
	}
	return 1;
}

static void fulfill_read(struct tls_conn *conn, struct fata_view view)
{
	struct fata_promise *p = conn->read;

	conn->read = NULL;
	conn->common->stats.bytes_read += view.len;
	fata_promise_fulfill_view(p, view);
}

/* Gives the waiting reader the plaintext the engine has decrypted. */
static int pump_deliver(struct tls_conn *conn)
{
	br_ssl_engine_context *eng = &conn->br.eng;
	struct fata_view view;
	unsigned char *buf;
	size_t len;

	if (!conn->read || conn->closing)
		return 0;
	if (conn->held.len > 0) {
		view = conn->held;
		conn->held = (struct fata_view){ 0 };
		fulfill_read(conn, view);
		return 1;
	}
	buf = br_ssl_engine_recvapp_buf(eng, &len);
	if (!buf)
		return 0;
	if (fata_buf_copy(buf, len, 0, &view) < 0) {
		tls_fail(conn, FATA_ENOMEM, 0, "no memory for received data");
		return 0;
	}
	br_ssl_engine_recvapp_ack(eng, len);
	fulfill_read(conn, view);
	return 1;
}

/* Copies queued writes into the engine's plaintext buffer. */
static size_t copy_writes(struct tls_conn *conn, unsigned char *buf, size_t space)
{
	union fata_value value;
	struct tls_write *req;
	size_t copied = 0;

	while ((req = conn->write_head) != NULL && copied < space) {
		struct fata_view *view = &req->views[req->index];
		size_t n = view->len - req->offset;

		if (n > space - copied)
			n = space - copied;
		memcpy(buf + copied, fata_view_data(*view) + req->offset, n);
		copied += n;
		req->offset += n;
		if (req->offset < view->len)
			continue;
		req->index++;
		req->offset = 0;
		if (req->index < req->count)
			continue;
		conn->write_head = req->next;
		if (!conn->write_head)
			conn->write_tail = NULL;
		if (req->promise) {
			value.u64 = req->total;
			fata_promise_fulfill(req->promise, value);
		}
		tls_write_free(req);
	}
	return copied;
}

static int pump_accept_writes(struct tls_conn *conn)
{
	br_ssl_engine_context *eng = &conn->br.eng;
	unsigned char *buf;
	size_t space, copied;

	if (!conn->write_head || conn->closing)
		return 0;
	buf = br_ssl_engine_sendapp_buf(eng, &space);
	if (!buf)
		return 0;
	copied = copy_writes(conn, buf, space);
	br_ssl_engine_sendapp_ack(eng, copied);
	conn->common->stats.bytes_written += copied;
	if (!conn->write_head)
		br_ssl_engine_flush(eng, 0);
	return 1;
}

/*
 * Sends close_notify for a shutdown once the queued writes are in. BearSSL
 * drops decrypted data it still holds when closing, so that is kept for the
 * reader first.
 */
static int pump_start_shutdown(struct tls_conn *conn)
{
	br_ssl_engine_context *eng = &conn->br.eng;
	unsigned char *buf;
	size_t len;

	if (!conn->shutdown_requested || conn->close_notify_sent || !conn->handshake_done ||
			conn->write_head || conn->closing)
		return 0;
	buf = br_ssl_engine_recvapp_buf(eng, &len);
	if (buf && conn->held.len == 0) {
		if (fata_buf_copy(buf, len, 0, &conn->held) < 0) {
			tls_fail(conn, FATA_ENOMEM, 0, "no memory for received data");
			return 0;
		}
		br_ssl_engine_recvapp_ack(eng, len);
	}
	br_ssl_engine_close(eng);
	conn->close_notify_sent = 1;
	return 1;
}

/* Feeds bytes read from the lower flow to the engine. */
static int pump_feed_input(struct tls_conn *conn)
{
	br_ssl_engine_context *eng = &conn->br.eng;
	unsigned char *buf;
	size_t space, n;

	if (conn->input.len == 0 || conn->closing)
		return 0;
	buf = br_ssl_engine_recvrec_buf(eng, &space);
	if (!buf)
		return 0;
	n = conn->input.len < space ? conn->input.len : space;
	memcpy(buf, fata_view_data(conn->input), n);
	fata_view_pull(&conn->input, n);
	if (conn->input.len == 0)
		fata_view_release(&conn->input);
	br_ssl_engine_recvrec_ack(eng, n);
	return 1;
}

static void lower_read_done(void *arg, int status, union fata_value value)
{
	struct tls_conn *conn = arg;

	conn->lower_read = NULL;
	if (status < 0) {
		tls_fail(conn, status, 0, "lower flow read failed");
	} else if (value.view.len == 0) {
		fata_view_release(&value.view);
		conn->lower_eof = 1;
		/* A stream cut short looks the same as a finished one (RFC 5246 7.2.1). */
		if (!conn->peer_closed) {
			conn->common->stats.truncations++;
			tls_fail(conn, FATA_ETRUNCATED, 0, conn->handshake_done
					? "lower flow ended without close_notify"
					: "lower flow ended during the handshake");
		}
	} else {
		conn->input = value.view;
	}
	tls_pump(conn);
}

static void pump_request_input(struct tls_conn *conn)
{
	size_t len;

	if (conn->lower_read || conn->lower_eof || conn->error || conn->peer_closed ||
			conn->closing || conn->input.len > 0)
		return;
	if (conn->handshake_done && !conn->read)
		return;
	if (!br_ssl_engine_recvrec_buf(&conn->br.eng, &len))
		return;
	conn->lower_read = fata_flow_read(conn->lower);
	if (!conn->lower_read) {
		tls_fail(conn, FATA_ENOMEM, 0, "no memory for a lower flow read");
		return;
	}
	fata_promise_then(conn->lower_read, lower_read_done, conn);
}

/* Settles what waits on a flow that can do no more I/O. */
static void pump_settle(struct tls_conn *conn)
{
	union fata_value value = { .u64 = 0 };

	if (conn->closing || (!conn->error && !conn->peer_closed))
		return;
	if (conn->read && conn->held.len > 0)
		pump_deliver(conn);
	if (conn->error) {
		tls_reject_pending(conn, conn->error);
		return;
	}
	if (conn->read)
		fulfill_read(conn, (struct fata_view){ 0 });
	if (conn->shutdown) {
		fata_promise_fulfill(conn->shutdown, value);
		conn->shutdown = NULL;
		conn->shutdown_done = 1;
	}
	tls_reject_pending(conn, FATA_EPIPE);
}

/* Fulfills a shutdown once close_notify has gone to the lower flow. */
static void pump_finish_shutdown(struct tls_conn *conn)
{
	union fata_value value = { .u64 = 0 };
	size_t len;

	if (!conn->shutdown || !conn->close_notify_sent || conn->lower_write_count > 0)
		return;
	if (br_ssl_engine_sendrec_buf(&conn->br.eng, &len))
		return;
	fata_promise_fulfill(conn->shutdown, value);
	conn->shutdown = NULL;
	conn->shutdown_done = 1;
}

void tls_pump(struct tls_conn *conn)
{
	int progress;

	do {
		progress = 0;
		if (pump_engine_closed(conn))
			break;
		progress |= pump_send_records(conn);
		progress |= pump_note_handshake(conn);
		progress |= pump_deliver(conn);
		progress |= pump_accept_writes(conn);
		progress |= pump_start_shutdown(conn);
		progress |= pump_feed_input(conn);
	} while (progress);

	pump_settle(conn);
	pump_request_input(conn);
	pump_finish_shutdown(conn);
	tls_close_step(conn);
}

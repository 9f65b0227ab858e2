/* Facts about a TLS flow: errors, negotiated parameters, sessions. */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tls_internal.h"

static void handshake_canceled(void *ctx, struct fata_promise *promise)
{
	struct tls_conn *conn = ctx;

	(void)promise;
	conn->handshake = NULL;
}

struct fata_promise *fata_tls_handshake(struct fata_flow *tls)
{
	struct tls_conn *conn = tls_conn_from_flow(tls);
	union fata_value value = { .u64 = 0 };
	struct fata_promise *p;

	if (!conn)
		return tls ? fata_promise_rejected(tls->loop, "tls.handshake", FATA_EINVAL) : NULL;
	if (conn->handshake)
		return fata_promise_rejected(tls->loop, "tls.handshake", FATA_EBUSY);
	if (conn->handshake_done)
		return fata_promise_resolved(tls->loop, "tls.handshake", value);
	if (conn->error)
		return fata_promise_rejected(tls->loop, "tls.handshake", conn->error);
	p = fata_promise_new(tls->loop, "tls.handshake");
	if (!p)
		return NULL;
	conn->handshake = p;
	fata_promise_on_cancel(p, handshake_canceled, conn);
	tls_pump(conn);
	return p;
}

int fata_tls_last_error(const struct fata_flow *tls, int *reason, const char **text)
{
	const struct tls_conn *conn = tls_conn_from_flow(tls);

	if (!conn)
		return FATA_EINVAL;
	if (reason)
		*reason = conn->reason;
	if (text)
		*text = conn->error ? conn->error_text : "no error";
	return conn->error;
}

static const struct tls_conn *done_conn(const struct fata_flow *tls)
{
	const struct tls_conn *conn = tls_conn_from_flow(tls);

	return conn && conn->handshake_done ? conn : NULL;
}

int fata_tls_version(const struct fata_flow *tls)
{
	const struct tls_conn *conn = done_conn(tls);

	return conn ? (int)br_ssl_engine_get_version(&conn->br.eng) : 0;
}

int fata_tls_cipher_suite(const struct fata_flow *tls)
{
	const struct tls_conn *conn = done_conn(tls);
	br_ssl_session_parameters params;
	int suite;

	if (!conn)
		return 0;
	br_ssl_engine_get_session_parameters(&conn->br.eng, &params);
	suite = params.cipher_suite;
	tls_wipe(&params, sizeof params);
	return suite;
}

const char *fata_tls_alpn(const struct fata_flow *tls)
{
	const struct tls_conn *conn = done_conn(tls);

	if (!conn)
		return NULL;
	return br_ssl_engine_get_selected_protocol((br_ssl_engine_context *)&conn->br.eng);
}

const char *fata_tls_server_name(const struct fata_flow *tls)
{
	const struct tls_conn *conn = tls_conn_from_flow(tls);

	if (!conn)
		return NULL;
	if (!conn->is_server)
		return conn->server_name;
	return br_ssl_engine_get_server_name(&conn->br.eng);
}

int fata_tls_resumed(const struct fata_flow *tls)
{
	const struct tls_conn *conn = done_conn(tls);

	return conn ? conn->resumed : 0;
}

int fata_tls_peer_verified(const struct fata_flow *tls)
{
	const struct tls_conn *conn = done_conn(tls);

	return conn ? conn->peer_verified : 0;
}

int fata_tls_session_save(const struct fata_flow *tls, struct fata_tls_session **out)
{
	const struct tls_conn *conn = tls_conn_from_flow(tls);
	struct fata_tls_session *session;

	if (!conn || conn->is_server || !out)
		return FATA_EINVAL;
	if (!conn->handshake_done)
		return FATA_ESTATE;
	session = fata_calloc(1, sizeof *session);
	if (!session)
		return FATA_ENOMEM;
	br_ssl_engine_get_session_parameters(&conn->br.eng, &session->params);
	if (session->params.session_id_len == 0) {
		fata_tls_session_free(session);
		return FATA_ENOENT;
	}
	memcpy(session->server_name, conn->server_name, sizeof session->server_name);
	*out = session;
	return 0;
}

void fata_tls_session_free(struct fata_tls_session *session)
{
	if (!session)
		return;
	tls_wipe(session, sizeof *session);
	fata_free(session);
}

/* Creating and freeing TLS flows of either side. */
#include <string.h>

#include <fata/addr.h>
#include <fata/alloc.h>
#include <fata/error.h>
#include <fata/log.h>

#include "tls_ec.h"
#include "tls_internal.h"

static struct tls_conn *conn_alloc(struct fata_flow *lower, struct tls_common *common,
		int is_server)
{
	struct tls_conn *conn = fata_calloc(1, sizeof *conn);
	size_t i;

	if (!conn)
		return NULL;
	conn->iobuf = fata_alloc(BR_SSL_BUFSIZE_BIDI);
	if (!conn->iobuf) {
		fata_free(conn);
		return NULL;
	}
	conn->flow.ops = &tls_flow_ops;
	conn->flow.loop = lower->loop;
	conn->lower = lower;
	conn->common = common;
	conn->is_server = is_server;
	conn->cert_index = -1;
	for (i = 0; i < TLS_MAX_LOWER_WRITES; i++)
		conn->lower_writes[i].conn = conn;
	fata_timer_init(&conn->linger, tls_linger_fired, conn);
	fata_task_init(&conn->finish, tls_finish, conn);
	common->refs++;
	return conn;
}

void tls_conn_free(struct tls_conn *conn)
{
	struct tls_write *req;

	fata_timer_cancel(conn->flow.loop, &conn->linger);
	fata_view_release(&conn->input);
	fata_view_release(&conn->held);
	while ((req = conn->write_head) != NULL) {
		conn->write_head = req->next;
		tls_write_free(req);
	}
	tls_x509_release(&conn->x509);
	/* The engine context contains session keys. */
	tls_wipe(&conn->br, sizeof conn->br);
	tls_wipe(conn->iobuf, BR_SSL_BUFSIZE_BIDI);
	fata_free(conn->iobuf);
	if (conn->server_config)
		tls_server_config_release(conn->server_config);
	else
		tls_client_config_release(conn->client_config);
	fata_free(conn);
}

/*
 * Checks a server name: 1 to 255 printable bytes. Returns 1 and fills `ip`
 * when the name is an IPv4 or IPv6 address literal, else 0.
 */
static int client_check_name(const char *name, struct fata_ipaddr *ip)
{
	size_t len = strlen(name), i;

	if (len == 0 || len > 255)
		return FATA_EINVAL;
	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] <= 0x20 || (unsigned char)name[i] >= 0x7F)
			return FATA_EINVAL;
	}
	return fata_ipaddr_parse(name, len, ip) == 0;
}

static void client_set_cert(struct tls_conn *conn, const struct tls_cert *cert)
{
	if (cert->key.type == BR_KEYTYPE_RSA) {
		br_ssl_client_set_single_rsa(&conn->br.client, cert->chain, cert->chain_len,
				&cert->key.key.rsa, br_rsa_pkcs1_sign_get_default());
	} else {
		br_ssl_client_set_single_ec(&conn->br.client, cert->chain, cert->chain_len,
				&cert->key.key.ec, BR_KEYTYPE_SIGN, cert->issuer_key_type,
				tls_ec_get(), tls_ecdsa_sign_asn1);
	}
}

/* Offers `session` when it was made for this name and fits the versions. */
static int client_offer_session(struct tls_conn *conn, const struct fata_tls_session *session)
{
	const struct tls_common *common = conn->common;

	if (!session || strcmp(session->server_name, conn->server_name) != 0 ||
			session->params.session_id_len == 0 ||
			session->params.version < common->version_min ||
			session->params.version > common->version_max)
		return 0;
	br_ssl_engine_set_session_parameters(&conn->br.eng, &session->params);
	memcpy(conn->offered_id, session->params.session_id, session->params.session_id_len);
	conn->offered_id_len = session->params.session_id_len;
	return 1;
}

static int client_setup(struct tls_conn *conn, const struct fata_tls_client_config *config,
		const struct fata_tls_session *session, const struct fata_ipaddr *ip)
{
	int resume;
	int rc;

	br_ssl_client_zero(&conn->br.client);
	rc = tls_engine_setup(conn);
	if (rc < 0)
		return rc;
	br_ssl_client_set_default_rsapub(&conn->br.client);
	tls_x509_init(&conn->x509, &config->anchors, config->common.fixed_time);
	br_ssl_engine_set_x509(&conn->br.eng, &conn->x509.vtable);
	if (config->has_cert)
		client_set_cert(conn, &config->cert);
	resume = client_offer_session(conn, session);
	/*
	 * SNI carries host names only (RFC 6066 section 3), and BearSSL checks
	 * DNS names only, so an address goes to the validator instead.
	 */
	if (ip) {
		conn->x509.ip_len = ip->family == FATA_AF_INET ? 4 : 16;
		memcpy(conn->x509.ip, ip->bytes, conn->x509.ip_len);
	}
	if (!br_ssl_client_reset(&conn->br.client, ip ? NULL : conn->server_name, resume))
		return tls_error_from_reason(br_ssl_engine_last_error(&conn->br.eng));
	return 0;
}

int fata_tls_client_new(struct fata_tls_client_config *config, struct fata_flow *lower,
		const char *server_name, const struct fata_tls_session *session,
		struct fata_flow **out)
{
	struct fata_ipaddr ip;
	struct tls_conn *conn;
	int is_ip;
	int rc;

	if (!config || !lower || !server_name || !out)
		return FATA_EINVAL;
	rc = client_check_name(server_name, &ip);
	if (rc < 0)
		return rc;
	is_ip = rc;
	conn = conn_alloc(lower, &config->common, 0);
	if (!conn)
		return FATA_ENOMEM;
	conn->client_config = config;
	memcpy(conn->server_name, server_name, strlen(server_name) + 1);
	rc = client_setup(conn, config, session, is_ip ? &ip : NULL);
	if (rc < 0) {
		tls_conn_free(conn);
		return rc;
	}
	config->common.frozen = 1;
	tls_pump(conn);
	*out = &conn->flow;
	return 0;
}

static int server_setup(struct tls_conn *conn, struct fata_tls_server_config *config)
{
	br_ssl_server_context *sc = &conn->br.server;
	int rc;

	br_ssl_server_zero(sc);
	rc = tls_engine_setup(conn);
	if (rc < 0)
		return rc;
	conn->policy = &tls_policy_vtable;
	br_ssl_server_set_policy(sc, &conn->policy);
	if (config->cache.entries > 0)
		br_ssl_server_set_cache(sc, &config->cache.vtable);
	if (config->client_auth != FATA_TLS_CLIENT_AUTH_NONE) {
		tls_x509_init(&conn->x509, &config->client_cas, config->common.fixed_time);
		br_ssl_engine_set_x509(&conn->br.eng, &conn->x509.vtable);
		br_ssl_server_set_trust_anchor_names_alt(sc, config->client_cas.items,
				config->client_cas.count);
		if (config->client_auth == FATA_TLS_CLIENT_AUTH_OPTIONAL)
			br_ssl_engine_add_flags(&conn->br.eng, BR_OPT_TOLERATE_NO_CLIENT_AUTH);
	}
	if (!br_ssl_server_reset(sc))
		return tls_error_from_reason(br_ssl_engine_last_error(&conn->br.eng));
	return 0;
}

int fata_tls_server_new(struct fata_tls_server_config *config, struct fata_flow *lower,
		struct fata_flow **out)
{
	struct tls_conn *conn;
	int rc;

	if (!config || !lower || !out || config->cert_count == 0)
		return FATA_EINVAL;
	conn = conn_alloc(lower, &config->common, 1);
	if (!conn)
		return FATA_ENOMEM;
	conn->server_config = config;
	rc = server_setup(conn, config);
	if (rc < 0) {
		tls_conn_free(conn);
		return rc;
	}
	config->common.frozen = 1;
	tls_pump(conn);
	*out = &conn->flow;
	return 0;
}

struct fata_flow *fata_tls_server_wrap(struct fata_tls_server_config *config,
		struct fata_flow *lower)
{
	struct fata_flow *tls;
	int rc;

	if (!lower)
		return NULL;
	rc = fata_tls_server_new(config, lower, &tls);
	if (rc < 0) {
		fata_log(FATA_LOG_WARN, TLS_LOG, "TLS server flow not created: %s",
				fata_strerror(rc));
		fata_promise_cancel(fata_flow_close(lower));
		return NULL;
	}
	return tls;
}

/* BearSSL reason codes: their fata error class and readable text. */
#include <fata/error.h>
#include <fata/fmt.h>

#include "tls_internal.h"

struct reason_text {
	int reason;
	const char *text;
};

static const struct reason_text reason_texts[] = {
	{ BR_ERR_OK, "no error" },
	{ BR_ERR_BAD_PARAM, "invalid engine parameter" },
	{ BR_ERR_BAD_STATE, "call invalid in the engine's state" },
	{ BR_ERR_UNSUPPORTED_VERSION, "peer's protocol version not allowed" },
	{ BR_ERR_BAD_VERSION, "record version does not match the negotiated one" },
	{ BR_ERR_BAD_LENGTH, "invalid record length" },
	{ BR_ERR_TOO_LARGE, "record or handshake message too large" },
	{ BR_ERR_BAD_MAC, "record failed decryption or MAC check" },
	{ BR_ERR_NO_RANDOM, "no entropy for the random generator" },
	{ BR_ERR_UNKNOWN_TYPE, "unknown record type" },
	{ BR_ERR_UNEXPECTED, "unexpected message" },
	{ BR_ERR_BAD_CCS, "invalid ChangeCipherSpec" },
	{ BR_ERR_BAD_ALERT, "invalid alert message" },
	{ BR_ERR_BAD_HANDSHAKE, "malformed handshake message" },
	{ BR_ERR_OVERSIZED_ID, "session ID longer than 32 bytes" },
	{ BR_ERR_BAD_CIPHER_SUITE, "no cipher suite in common, or one not offered" },
	{ BR_ERR_BAD_COMPRESSION, "compression method not offered" },
	{ BR_ERR_BAD_FRAGLEN, "maximum fragment length mismatch" },
	{ BR_ERR_BAD_SECRENEG, "secure renegotiation failed" },
	{ BR_ERR_EXTRA_EXTENSION, "extension not asked for or repeated" },
	{ BR_ERR_BAD_SNI, "invalid server name extension" },
	{ BR_ERR_BAD_HELLO_DONE, "invalid ServerHelloDone" },
	{ BR_ERR_LIMIT_EXCEEDED, "peer's key or parameter beyond BearSSL's limits" },
	{ BR_ERR_BAD_FINISHED, "Finished message does not verify" },
	{ BR_ERR_RESUME_MISMATCH, "resumed session has another version or suite" },
	{ BR_ERR_INVALID_ALGORITHM, "unsupported curve or signature algorithm" },
	{ BR_ERR_BAD_SIGNATURE, "handshake signature does not verify" },
	{ BR_ERR_WRONG_KEY_USAGE, "peer's key type or usage not allowed" },
	{ BR_ERR_NO_CLIENT_AUTH, "client sent no certificate, or it failed verification" },
	{ BR_ERR_IO, "transport I/O error" },
	{ BR_ERR_X509_INVALID_VALUE, "certificate has an invalid ASN.1 value" },
	{ BR_ERR_X509_TRUNCATED, "certificate is truncated" },
	{ BR_ERR_X509_EMPTY_CHAIN, "peer sent an empty certificate chain" },
	{ BR_ERR_X509_INNER_TRUNC, "certificate element overruns its parent" },
	{ BR_ERR_X509_BAD_TAG_CLASS, "certificate has an unsupported tag class" },
	{ BR_ERR_X509_BAD_TAG_VALUE, "certificate has an unsupported tag" },
	{ BR_ERR_X509_INDEFINITE_LENGTH, "certificate uses an indefinite length" },
	{ BR_ERR_X509_EXTRA_ELEMENT, "certificate has an extra element" },
	{ BR_ERR_X509_UNEXPECTED, "certificate has an unexpected element" },
	{ BR_ERR_X509_NOT_CONSTRUCTED, "certificate element should be constructed" },
	{ BR_ERR_X509_NOT_PRIMITIVE, "certificate element should be primitive" },
	{ BR_ERR_X509_PARTIAL_BYTE, "certificate BIT STRING is not whole bytes" },
	{ BR_ERR_X509_BAD_BOOLEAN, "certificate BOOLEAN has a bad length" },
	{ BR_ERR_X509_OVERFLOW, "certificate value out of range" },
	{ BR_ERR_X509_BAD_DN, "certificate has an invalid distinguished name" },
	{ BR_ERR_X509_BAD_TIME, "certificate has an invalid time" },
	{ BR_ERR_X509_UNSUPPORTED, "certificate uses unsupported features" },
	{ BR_ERR_X509_LIMIT_EXCEEDED, "certificate key or signature too large" },
	{ BR_ERR_X509_WRONG_KEY_TYPE, "certificate key type not the expected one" },
	{ BR_ERR_X509_BAD_SIGNATURE, "certificate signature does not verify" },
	{ BR_ERR_X509_TIME_UNKNOWN, "no time to check certificate validity" },
	{ BR_ERR_X509_EXPIRED, "certificate expired or not yet valid" },
	{ BR_ERR_X509_DN_MISMATCH, "issuer and subject names do not chain" },
	{ BR_ERR_X509_BAD_SERVER_NAME, "server name does not match the certificate" },
	{ BR_ERR_X509_CRITICAL_EXTENSION, "certificate has an unknown critical extension" },
	{ BR_ERR_X509_NOT_CA, "issuer is not a CA, or path length exceeded" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE, "certificate key usage forbids this use" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY, "certificate public key too small" },
	{ BR_ERR_X509_NOT_TRUSTED, "certificate chain does not lead to a trust anchor" },
};

struct alert_name {
	int alert;
	const char *name;
};

/* Alert descriptions from RFC 5246 section 7.2 and later RFCs. */
static const struct alert_name alert_names[] = {
	{ 0, "close_notify" },
	{ 10, "unexpected_message" },
	{ 20, "bad_record_mac" },
	{ 21, "decryption_failed" },
	{ 22, "record_overflow" },
	{ 30, "decompression_failure" },
	{ 40, "handshake_failure" },
	{ 42, "bad_certificate" },
	{ 43, "unsupported_certificate" },
	{ 44, "certificate_revoked" },
	{ 45, "certificate_expired" },
	{ 46, "certificate_unknown" },
	{ 47, "illegal_parameter" },
	{ 48, "unknown_ca" },
	{ 49, "access_denied" },
	{ 50, "decode_error" },
	{ 51, "decrypt_error" },
	{ 70, "protocol_version" },
	{ 71, "insufficient_security" },
	{ 80, "internal_error" },
	{ 86, "inappropriate_fallback" },
	{ 90, "user_canceled" },
	{ 100, "no_renegotiation" },
	{ 110, "unsupported_extension" },
	{ 112, "unrecognized_name" },
	{ 116, "certificate_required" },
	{ 120, "no_application_protocol" },
};

static const char *alert_name(int alert)
{
	size_t i;

	for (i = 0; i < sizeof alert_names / sizeof alert_names[0]; i++) {
		if (alert_names[i].alert == alert)
			return alert_names[i].name;
	}
	return "unknown alert";
}

const char *fata_tls_reason_text(int reason)
{
	size_t i;

	if (reason >= BR_ERR_SEND_FATAL_ALERT && reason < BR_ERR_SEND_FATAL_ALERT + 256)
		return "sent a fatal alert";
	if (reason >= BR_ERR_RECV_FATAL_ALERT && reason < BR_ERR_RECV_FATAL_ALERT + 256)
		return "received a fatal alert";
	for (i = 0; i < sizeof reason_texts / sizeof reason_texts[0]; i++) {
		if (reason_texts[i].reason == reason)
			return reason_texts[i].text;
	}
	return "unknown TLS error";
}

/* Alerts by which a peer rejects a certificate (RFC 5246 section 7.2.2). */
static int alert_is_certificate(int alert)
{
	return (alert >= 42 && alert <= 46) || alert == 48 || alert == 49 || alert == 116;
}

int tls_error_from_reason(int reason)
{
	if (reason >= BR_ERR_X509_INVALID_VALUE && reason <= BR_ERR_X509_NOT_TRUSTED)
		return FATA_EAUTH;
	if (reason == BR_ERR_NO_CLIENT_AUTH)
		return FATA_EAUTH;
	if (reason >= BR_ERR_RECV_FATAL_ALERT && reason < BR_ERR_SEND_FATAL_ALERT + 256 &&
			alert_is_certificate(reason & 0xFF))
		return FATA_EAUTH;
	return FATA_ETLS;
}

void tls_fail_from_engine(struct tls_conn *conn, int reason)
{
	int sent_alert = reason >= BR_ERR_SEND_FATAL_ALERT;
	char text[sizeof conn->error_text];

	/* A certificate we rejected: report why rather than which alert went out. */
	if ((sent_alert || reason == BR_ERR_NO_CLIENT_AUTH) && conn->x509.chain_done &&
			conn->x509.result != 0)
		reason = (int)conn->x509.result;

	if (reason >= BR_ERR_RECV_FATAL_ALERT) {
		fata_snprintf(text, sizeof text, "%s %d (%s)",
				reason >= BR_ERR_SEND_FATAL_ALERT ? "sent fatal alert"
					: "received fatal alert",
				reason & 0xFF, alert_name(reason & 0xFF));
		if (reason < BR_ERR_SEND_FATAL_ALERT)
			conn->common->stats.alerts_received++;
	} else {
		fata_snprintf(text, sizeof text, "%s", fata_tls_reason_text(reason));
	}
	tls_fail(conn, tls_error_from_reason(reason), reason, text);
}

/*
 * Certificate validation: BearSSL's minimal X.509 engine behind a thin
 * class that records the chain's result. BearSSL reports a rejected chain
 * to the peer as an alert, and the engine's own error then names only that
 * alert; the recorded BR_ERR_X509_* reason says what was wrong.
 *
 * BearSSL matches only DNS names. For a server reached by IP address the
 * client passes no name to BearSSL, and this class keeps the end-entity
 * certificate and requires a subjectAltName iPAddress entry equal to the
 * address (RFC 5280 section 4.2.1.6). The common name never counts for an
 * address.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/clock.h>

#include "tls_ec.h"
#include "tls_internal.h"

static struct tls_x509 *x509_from_class(const br_x509_class **ctx)
{
	return TLS_CONTAINER_OF(ctx, struct tls_x509, vtable);
}

static void x509_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct tls_x509 *x509 = x509_from_class(ctx);

	x509->result = 0;
	x509->chain_done = 0;
	x509->cert_index = 0;
	x509->leaf_len = 0;
	x509->minimal.vtable->start_chain(&x509->minimal.vtable, server_name);
}

/*
 * The largest end-entity certificate kept for the address check. Real ones
 * are a few kilobytes, and a larger claim from the peer allocates nothing.
 */
#define TLS_LEAF_MAX 65536

/* Makes room for the end-entity certificate. On failure `leaf` is NULL, so the check fails. */
static void x509_leaf_reserve(struct tls_x509 *x509, uint32_t length)
{
	if (length <= x509->leaf_cap)
		return;
	fata_free(x509->leaf);
	x509->leaf = NULL;
	x509->leaf_cap = 0;
	if (length > TLS_LEAF_MAX)
		return;
	x509->leaf = fata_alloc(length);
	x509->leaf_cap = x509->leaf ? length : 0;
}

static void x509_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct tls_x509 *x509 = x509_from_class(ctx);

	if (x509->ip_len && x509->cert_index == 0)
		x509_leaf_reserve(x509, length);
	x509->minimal.vtable->start_cert(&x509->minimal.vtable, length);
}

static void x509_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct tls_x509 *x509 = x509_from_class(ctx);

	if (x509->ip_len && x509->cert_index == 0 && x509->leaf &&
			len <= x509->leaf_cap - x509->leaf_len) {
		memcpy(x509->leaf + x509->leaf_len, buf, len);
		x509->leaf_len += len;
	}
	x509->minimal.vtable->append(&x509->minimal.vtable, buf, len);
}

static void x509_end_cert(const br_x509_class **ctx)
{
	struct tls_x509 *x509 = x509_from_class(ctx);

	x509->cert_index++;
	x509->minimal.vtable->end_cert(&x509->minimal.vtable);
}

/*
 * Returns 0 when the end-entity certificate names the address, else the
 * BearSSL error. A certificate that could not be kept (no memory) fails too.
 */
static unsigned x509_check_ip(const struct tls_x509 *x509)
{
	if (!x509->leaf || x509->leaf_len == 0)
		return BR_ERR_X509_BAD_SERVER_NAME;
	if (tls_cert_has_ip(x509->leaf, x509->leaf_len, x509->ip, x509->ip_len) != 1)
		return BR_ERR_X509_BAD_SERVER_NAME;
	return 0;
}

static unsigned x509_end_chain(const br_x509_class **ctx)
{
	struct tls_x509 *x509 = x509_from_class(ctx);

	x509->result = x509->minimal.vtable->end_chain(&x509->minimal.vtable);
	/* Only a chain that is otherwise valid reaches the address check. */
	if (x509->result == 0 && x509->ip_len)
		x509->result = x509_check_ip(x509);
	x509->chain_done = 1;
	return x509->result;
}

static const br_x509_pkey *x509_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct tls_x509 *x509 = TLS_CONTAINER_OF(ctx, const struct tls_x509, vtable);

	return x509->minimal.vtable->get_pkey(&x509->minimal.vtable, usages);
}

static const br_x509_class tls_x509_vtable = {
	sizeof(struct tls_x509),
	x509_start_chain,
	x509_start_cert,
	x509_append,
	x509_end_cert,
	x509_end_chain,
	x509_get_pkey,
};

void tls_x509_init(struct tls_x509 *x509, const struct tls_anchors *anchors, int64_t fixed_time)
{
	int64_t now = fixed_time;
	uint32_t days, seconds;

	x509->vtable = &tls_x509_vtable;
	x509->result = 0;
	x509->chain_done = 0;
	x509->ip_len = 0;
	x509->leaf = NULL;
	x509->leaf_len = 0;
	x509->leaf_cap = 0;
	x509->cert_index = 0;
	br_x509_minimal_init_full(&x509->minimal, anchors->items, anchors->count);
	br_x509_minimal_set_ecdsa(&x509->minimal, tls_ec_get(), br_ecdsa_vrfy_asn1_get_default());
	if (now == 0)
		now = fata_clock_wall_ns() / 1000000000;
	/*
	 * NOTE: with a wall clock at or before 1970, BearSSL 0.6 falls back to
	 * the C library's time(); a unikernel must set its clock first.
	 */
	if (now > 0) {
		tls_time_to_br(now, &days, &seconds);
		br_x509_minimal_set_time(&x509->minimal, days, seconds);
	}
}

void tls_x509_release(struct tls_x509 *x509)
{
	fata_free(x509->leaf);
	x509->leaf = NULL;
	x509->leaf_len = 0;
	x509->leaf_cap = 0;
}

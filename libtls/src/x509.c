/*
 * Certificate validation: BearSSL's minimal X.509 engine behind a thin
 * class that records the chain's result. BearSSL reports a rejected chain
 * to the peer as an alert, and the engine's own error then names only that
 * alert; the recorded BR_ERR_X509_* reason says what was wrong.
 */
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
	x509->minimal.vtable->start_chain(&x509->minimal.vtable, server_name);
}

static void x509_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct tls_x509 *x509 = x509_from_class(ctx);

	x509->minimal.vtable->start_cert(&x509->minimal.vtable, length);
}

static void x509_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct tls_x509 *x509 = x509_from_class(ctx);

	x509->minimal.vtable->append(&x509->minimal.vtable, buf, len);
}

static void x509_end_cert(const br_x509_class **ctx)
{
	struct tls_x509 *x509 = x509_from_class(ctx);

	x509->minimal.vtable->end_cert(&x509->minimal.vtable);
}

static unsigned x509_end_chain(const br_x509_class **ctx)
{
	struct tls_x509 *x509 = x509_from_class(ctx);

	x509->result = x509->minimal.vtable->end_chain(&x509->minimal.vtable);
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

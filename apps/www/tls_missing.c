/*
 * HTTPS for builds without libtls, and for the Xen image, which has no
 * BearSSL: --tls-cert then fails at start with a message saying why.
 */
#include <stddef.h>

#include <fata/error.h>
#include <fata/log.h>

#include "www_app.h"

int www_tls_load(const char *cert_path, const char *key_path, struct www_tls **out)
{
	(void)key_path;
	*out = NULL;
	fata_log(FATA_LOG_ERROR, "www", "cannot load --tls-cert %s: this fata-www was built "
			"without libtls, so it serves plain HTTP only", cert_path);
	return FATA_ENOTSUP;
}

int www_tls_listen(struct www_tls *tls, struct fata_listener *inner, struct fata_listener **out)
{
	(void)tls;
	(void)inner;
	*out = NULL;
	return FATA_ENOTSUP;
}

void www_tls_free(struct www_tls *tls)
{
	(void)tls;
}

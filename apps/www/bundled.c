/*
 * Serving the slide deck compiled into the binary. Each file's bytes are
 * wrapped once in a buffer block, and every response takes a reference to
 * it, so nothing is copied per request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/log.h>

#include "www.h"

/* FNV-1a, 64 bits: a fixed content hash for the entity-tags. */
static uint64_t fnv1a(const unsigned char *data, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++) {
		h ^= data[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

int www_site_open_bundled(struct www_site *site)
{
	memset(site, 0, sizeof(*site));
	site->root_fd = -1;
	site->bundled_views = calloc(www_bundled_count, sizeof(*site->bundled_views));
	site->bundled_etags = calloc(www_bundled_count, sizeof(*site->bundled_etags));
	if (site->bundled_views == NULL || site->bundled_etags == NULL) {
		fata_log(FATA_LOG_ERROR, "www", "out of memory for the bundled site");
		www_site_close(site);
		return -1;
	}
	for (size_t i = 0; i < www_bundled_count; i++) {
		const struct www_bundled_file *f = &www_bundled_files[i];

		if (fata_buf_wrap((void *)f->data, f->len, NULL, NULL, &site->bundled_views[i]) != 0) {
			fata_log(FATA_LOG_ERROR, "www", "cannot wrap the bundled file %s", f->path);
			www_site_close(site);
			return -1;
		}
		snprintf(site->bundled_etags[i], sizeof(site->bundled_etags[i]), "\"%016llx\"",
				(unsigned long long)fnv1a(f->data, f->len));
	}
	return 0;
}

void www_serve_bundled(struct www_site *site, struct fata_http_exchange *ex, const char *path,
		int trailing_slash)
{
	char lookup[WWW_PATH_MAX + 16];

	(void)trailing_slash;
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	snprintf(lookup, sizeof(lookup), "%s", path);
	for (size_t i = 0; i < www_bundled_count; i++) {
		if (strcmp(www_bundled_files[i].path, lookup) != 0)
			continue;
		fata_http_exchange_add_header(ex, "Content-Type", www_content_type(lookup));
		fata_http_exchange_set_validators(ex, site->bundled_etags[i], 0, 0);
		fata_http_exchange_send(ex, 200, fata_view_ref(site->bundled_views[i]));
		return;
	}
	www_send_not_found(ex);
}

/*
 * fata-www: a static web server on libhttp, serving a directory or the
 * slide deck compiled into the binary.
 */
#ifndef FATA_WWW_H
#define FATA_WWW_H

#include <stddef.h>
#include <stdint.h>

#include <fata/http_server.h>

/* Longest normalised path served, in bytes with its NUL. */
#define WWW_PATH_MAX 1024

/*
 * Turns an origin-form request target into a clean absolute path in
 * `out`: the query is dropped, percent-escapes are decoded, empty and "."
 * segments are removed. Stores in `*trailing_slash` whether the target's
 * path ended in "/". Returns 0, or -1 for a target that is not
 * origin-form, a bad or NUL escape, a ".." segment, or a path longer than
 * `cap` - 1 bytes.
 */
int www_normalize_path(const char *target, size_t len, char *out, size_t cap, int *trailing_slash);

/* Returns the Content-Type for `path` by its extension (application/octet-stream when unknown). */
const char *www_content_type(const char *path);

/* One file of the bundled site. */
struct www_bundled_file {
	const char *path;          /* "/index.html" */
	const unsigned char *data;
	size_t len;
};

/* The bundled site, generated from apps/www/site at build time. */
extern const struct www_bundled_file www_bundled_files[];
extern const size_t www_bundled_count;

/*
 * The content being served: a directory on disk (`root_fd` >= 0) or the
 * bundled site. Handlers receive it as their argument.
 */
struct www_site {
	int root_fd;
	const char *root_path;
	struct fata_view *bundled_views;   /* one per bundled file, wrapping its bytes */
	char (*bundled_etags)[24];
};

/* Prepares serving the directory `dir`. Returns 0 or -1 after logging why. */
int www_site_open_dir(struct www_site *site, const char *dir);

/* Prepares serving the bundled site. Returns 0 or -1 after logging why. */
int www_site_open_bundled(struct www_site *site);

/* Releases what the site holds. */
void www_site_close(struct www_site *site);

/* The libhttp handler: serves GET and HEAD from `arg`, a struct www_site, and responds to OPTIONS. */
void www_handle(void *arg, struct fata_http_exchange *ex);

/* Sends the 404 page. */
void www_send_not_found(struct fata_http_exchange *ex);

/* Sends 301 to `path` with "/" appended: directories are served under "/dir/". */
void www_redirect_to_directory(struct fata_http_exchange *ex, const char *path);

/* Serves `path` from the directory; returns after finishing the exchange. */
void www_serve_file(struct www_site *site, struct fata_http_exchange *ex, const char *path,
		int trailing_slash);

/* Serves `path` from the bundled site; returns after finishing the exchange. */
void www_serve_bundled(struct www_site *site, struct fata_http_exchange *ex, const char *path,
		int trailing_slash);

#endif

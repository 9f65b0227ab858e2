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

/* Largest file the cache keeps, in bytes; larger files are mapped per request. */
#define WWW_CACHE_FILE_MAX (64 * 1024)

/* The cache budget without --cache-size, in bytes. */
#define WWW_CACHE_DEFAULT_BYTES (16 * 1024 * 1024)

/* The identity of one version of a file, and the response fields made from it. */
struct www_file_meta {
	uint64_t dev;
	uint64_t ino;
	uint64_t size;
	int64_t mtime_ns;
	int64_t ctime_ns;          /* changes on every write and on touch, which can reset mtime */
	const char *content_type;  /* static string from www_content_type() */
	char etag[72];             /* with its quotes: four 64-bit numbers in hex */
};

/*
 * One cached file. `key` is the request path that www_serve_file() receives;
 * `file` is the path beneath the root that was opened for it, which
 * differs for a directory's index.html.
 */
struct www_cache_entry {
	char *key;
	char *file;
	struct fata_view body;     /* owned; responses take their own references */
	struct www_file_meta meta;
	uint64_t checked_ns;       /* monotonic time of the last check against the disk */
	uint64_t cost;             /* bytes charged to the budget */
	struct www_cache_entry *next;  /* in the hash bucket */
	struct www_cache_entry *newer; /* in the use order */
	struct www_cache_entry *older;
};

/* Counts since the cache was made; `entries` and `bytes` are current. */
struct www_cache_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t inserts;
	uint64_t evictions;  /* entries dropped to make room */
	uint64_t stale;      /* entries dropped because the file changed or went away */
	uint64_t entries;
	uint64_t bytes;
};

struct www_cache;

/*
 * Makes an empty cache whose entries may take `budget` bytes, counting
 * each entry's bookkeeping as well as its file. Returns NULL when
 * `budget` is 0 (no cache) or memory is short.
 */
struct www_cache *www_cache_new(uint64_t budget);

/* Returns the entry for `key` and marks it most recently used, or NULL. */
struct www_cache_entry *www_cache_find(struct www_cache *c, const char *key);

/*
 * Stores `body` (taking one more reference; the caller keeps its own) and
 * `meta` under `key`, replacing any entry for it and evicting the least
 * recently used entries until it fits. Returns 0, or -1 when the entry
 * alone exceeds the budget, the body exceeds WWW_CACHE_FILE_MAX, or memory
 * is short; the cache is unchanged apart from evictions then.
 */
int www_cache_insert(struct www_cache *c, const char *key, const char *file,
		struct fata_view body, const struct www_file_meta *meta, uint64_t now_ns);

/* Removes and frees `e`, which must be in `c`, because its file changed or went away. */
void www_cache_drop(struct www_cache *c, struct www_cache_entry *e);

/* Copies the counters into `*out`. */
void www_cache_stats(const struct www_cache *c, struct www_cache_stats *out);

/* Frees the cache and drops its references to the files' bytes. NULL is ignored. */
void www_cache_free(struct www_cache *c);

/*
 * The content being served: a directory on disk (`root_fd` >= 0) or the
 * bundled site. Handlers receive it as their argument.
 */
struct www_site {
	int root_fd;
	const char *root_path;
	struct fata_view *bundled_views;   /* one per bundled file, wrapping its bytes */
	char (*bundled_etags)[24];
	struct www_cache *cache;           /* NULL when disabled or for the bundled site */
};

/*
 * Prepares serving the directory `dir`, keeping up to `cache_bytes` of
 * small files in memory (0: none). Returns 0 or -1 after logging why.
 */
int www_site_open_dir(struct www_site *site, const char *dir, uint64_t cache_bytes);

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

/*
 * Serving a directory. Files are opened with openat2(RESOLVE_BENEATH)
 * relative to the root, so the kernel refuses any path, symbolic links
 * included, that would leave the root. On kernels without openat2 (before
 * Linux 5.6) the resolved path is checked against the root's instead.
 * Small files are kept in the cache (cache.c) and checked against the
 * disk at most once a second; other files are mapped per request. Either
 * way the bytes reach libhttp without copying.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fata/clock.h>
#include <fata/error.h>
#include <fata/log.h>

#include "www.h"

/* Largest file served: the buffer layer's block limit times the chain's views. */
#define MAX_FILE_BYTES ((uint64_t)FATA_BUF_MAX_SIZE * FATA_CHAIN_MAX)

/* How long a cached file is served without looking at the disk again. */
#define CACHE_RECHECK_NS UINT64_C(1000000000)

/*
 * Files changed (ctime) less than this long ago are not cached: a write
 * within the file system's timestamp granularity after the read would
 * leave the times, and so the check, unchanged.
 */
#define CACHE_SETTLE_NS INT64_C(2000000000)

int www_site_open_dir(struct www_site *site, const char *dir, uint64_t cache_bytes)
{
	memset(site, 0, sizeof(*site));
	site->root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (site->root_fd < 0) {
		fata_log(FATA_LOG_ERROR, "www", "cannot open directory %s: %s", dir, strerror(errno));
		return -1;
	}
	site->root_path = realpath(dir, NULL);
	if (site->root_path == NULL) {
		fata_log(FATA_LOG_ERROR, "www", "cannot resolve directory %s: %s", dir, strerror(errno));
		close(site->root_fd);
		return -1;
	}
	if (cache_bytes == 0)
		return 0;

	site->cache = www_cache_new(cache_bytes);
	if (site->cache == NULL) {
		fata_log(FATA_LOG_ERROR, "www", "cannot allocate the file cache");
		free((void *)site->root_path);
		close(site->root_fd);
		return -1;
	}
	return 0;
}

/* Opens `rel` under the root the old way, then checks where it really is. */
static int open_checked(struct www_site *site, const char *rel)
{
	char *real;
	size_t root_len = strlen(site->root_path);
	int fd = openat(site->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;

	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	real = realpath(proc, NULL);
	if (real == NULL || strncmp(real, site->root_path, root_len) != 0
			|| (real[root_len] != '/' && real[root_len] != '\0'
				&& strcmp(site->root_path, "/") != 0)) {
		free(real);
		close(fd);
		errno = EXDEV;
		return -1;
	}
	free(real);
	return fd;
}

/* Opens `rel` (no leading slash) beneath the root. Returns an fd or -1 with errno set. */
static int open_beneath(struct www_site *site, const char *rel)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, site->root_fd, rel, &how, sizeof(how));

	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		return open_checked(site, rel);
	return (int)fd;
}

static void unmap_piece(void *ctx, struct fata_block *block)
{
	munmap(block->data, (size_t)(uintptr_t)ctx);
}

/* Maps the file in pieces of at most FATA_BUF_MAX_SIZE bytes into `body`. */
static int map_file(int fd, uint64_t size, struct fata_chain *body)
{
	fata_chain_init(body);
	for (uint64_t off = 0; off < size; off += FATA_BUF_MAX_SIZE) {
		size_t piece = (size_t)(size - off < FATA_BUF_MAX_SIZE ? size - off : FATA_BUF_MAX_SIZE);
		void *data = mmap(NULL, piece, PROT_READ, MAP_PRIVATE, fd, (off_t)off);
		struct fata_view v;

		if (data == MAP_FAILED) {
			fata_chain_release(body);
			return -1;
		}
		if (fata_buf_wrap(data, piece, unmap_piece, (void *)(uintptr_t)piece, &v) != 0) {
			munmap(data, piece);
			fata_chain_release(body);
			return -1;
		}
		if (fata_chain_append(body, v) != 0) {
			fata_view_release(&v);
			fata_chain_release(body);
			return -1;
		}
	}
	return 0;
}

/* Responds to an open() failure. Missing paths and paths outside the root both get 404. */
static void send_open_error(struct fata_http_exchange *ex, const char *path, int err)
{
	if (err == EACCES || err == EPERM) {
		fata_http_exchange_send_text(ex, 403, "text/plain; charset=utf-8", "403 Forbidden\n");
		return;
	}
	if (err != ENOENT && err != ENOTDIR && err != EXDEV && err != ELOOP && err != ENAMETOOLONG)
		fata_log(FATA_LOG_WARN, "www", "cannot open %s: %s", path, strerror(err));
	www_send_not_found(ex);
}

/*
 * Fills `m` from `st`. The ETag is built from inode, size, modification
 * time and change time: touch can set the modification time back after a
 * same-size rewrite, but every write moves the change time forward.
 */
static void file_meta(const struct stat *st, const char *path, struct www_file_meta *m)
{
	m->dev = (uint64_t)st->st_dev;
	m->ino = (uint64_t)st->st_ino;
	m->size = (uint64_t)st->st_size;
	m->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	m->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	m->content_type = www_content_type(path);
	snprintf(m->etag, sizeof(m->etag), "\"%llx-%llx-%llx-%llx\"", (unsigned long long)m->ino,
			(unsigned long long)m->size, (unsigned long long)m->mtime_ns,
			(unsigned long long)m->ctime_ns);
}

/* Returns 1 when `st` describes the same version of the file as `m`. */
static int same_version(const struct www_file_meta *m, const struct stat *st)
{
	int64_t mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	int64_t ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;

	return S_ISREG(st->st_mode) && m->dev == (uint64_t)st->st_dev
		&& m->ino == (uint64_t)st->st_ino && m->size == (uint64_t)st->st_size
		&& m->mtime_ns == mtime_ns && m->ctime_ns == ctime_ns;
}

/* Adds Content-Type, ETag and Last-Modified, from which the server evaluates preconditions. */
static void add_fields(struct fata_http_exchange *ex, const struct www_file_meta *m)
{
	int64_t mtime_s = m->mtime_ns / 1000000000;

	if (m->mtime_ns < 0 && m->mtime_ns % 1000000000 != 0)
		mtime_s--;
	fata_http_exchange_add_header(ex, "Content-Type", m->content_type);
	fata_http_exchange_set_validators(ex, m->etag, mtime_s, 1);
}

/*
 * Serves `key` from the cache. Once CACHE_RECHECK_NS has passed since the
 * last check, the file is opened again with the same checks as a miss.
 * A changed, replaced or vanished file drops the entry. Returns 1 when it
 * responded, 0 when the caller must serve from disk.
 */
static int serve_cached(struct www_site *site, struct fata_http_exchange *ex, const char *key)
{
	struct www_cache_entry *e = www_cache_find(site->cache, key);
	uint64_t now;

	if (e == NULL)
		return 0;

	now = fata_clock_monotonic_ns();
	if (now - e->checked_ns >= CACHE_RECHECK_NS) {
		struct stat st;
		int fd = open_beneath(site, e->file);
		int fresh = fd >= 0 && fstat(fd, &st) == 0 && same_version(&e->meta, &st);

		if (fd >= 0)
			close(fd);
		if (!fresh) {
			www_cache_drop(site->cache, e);
			return 0;
		}
		e->checked_ns = now;
	}

	add_fields(ex, &e->meta);
	fata_http_exchange_send(ex, 200, fata_view_ref(e->body));
	return 1;
}

/* Reads all `size` bytes of `fd` from its start into a new view. */
static int read_whole(int fd, size_t size, struct fata_view *out)
{
	size_t done = 0;

	if (fata_buf_alloc(0, size, out) != 0)
		return -1;
	while (done < size) {
		ssize_t n = read(fd, fata_view_data(*out) + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fata_view_release(out);
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/*
 * Reads a small file into the cache and serves it from there. Empty and
 * large files, files whose status changed in the last CACHE_SETTLE_NS, and files that
 * change while being read are left to the caller. Returns 1 when it
 * responded.
 */
static int serve_and_cache(struct www_site *site, struct fata_http_exchange *ex,
		const char *key, const char *file, const char *path, int fd, const struct stat *st)
{
	struct www_file_meta meta;
	struct fata_view body;
	struct stat after;

	file_meta(st, path, &meta);
	if (site->cache == NULL || meta.size == 0 || meta.size > WWW_CACHE_FILE_MAX
			|| meta.ctime_ns > fata_clock_wall_ns() - CACHE_SETTLE_NS)
		return 0;
	if (read_whole(fd, (size_t)meta.size, &body) != 0)
		return 0;
	if (fstat(fd, &after) != 0 || !same_version(&meta, &after)) {
		fata_view_release(&body);
		return 0;
	}

	/* A full budget or short memory only means the next request reads the file again. */
	www_cache_insert(site->cache, key, file, body, &meta, fata_clock_monotonic_ns());
	add_fields(ex, &meta);
	fata_http_exchange_send(ex, 200, body);
	return 1;
}

static void send_file(struct fata_http_exchange *ex, const char *path, int fd,
		const struct stat *st)
{
	struct fata_chain body;
	struct www_file_meta meta;

	if ((uint64_t)st->st_size > MAX_FILE_BYTES) {
		/* NOTE: files over 8 GiB would need the streaming writer; they are refused. */
		fata_log(FATA_LOG_WARN, "www", "%s is larger than %llu bytes; not served", path,
				(unsigned long long)MAX_FILE_BYTES);
		fata_http_exchange_send_text(ex, 500, "text/plain; charset=utf-8",
				"500 Internal Server Error\n");
		return;
	}
	if (map_file(fd, (uint64_t)st->st_size, &body) != 0) {
		fata_log(FATA_LOG_WARN, "www", "cannot map %s: %s", path, strerror(errno));
		fata_http_exchange_send_text(ex, 500, "text/plain; charset=utf-8",
				"500 Internal Server Error\n");
		return;
	}

	file_meta(st, path, &meta);
	add_fields(ex, &meta);
	fata_http_exchange_send_chain(ex, 200, &body);
}

void www_serve_file(struct www_site *site, struct fata_http_exchange *ex, const char *path,
		int trailing_slash)
{
	char key[WWW_PATH_MAX + 2];
	char rel[WWW_PATH_MAX + 16];
	struct stat st;
	int fd;

	/* "/sub" and "/sub/" differ: one redirects, the other serves the index. */
	snprintf(key, sizeof(key), "%s%s", path, trailing_slash && path[1] != '\0' ? "/" : "");
	if (site->cache != NULL && serve_cached(site, ex, key))
		return;

	snprintf(rel, sizeof(rel), "%s", path[1] ? path + 1 : ".");
	fd = open_beneath(site, rel);
	if (fd < 0) {
		send_open_error(ex, path, errno);
		return;
	}
	if (fstat(fd, &st) != 0) {
		send_open_error(ex, path, errno);
		close(fd);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		if (!trailing_slash && path[1] != '\0') {
			www_redirect_to_directory(ex, path);
			return;
		}
		snprintf(rel, sizeof(rel), "%s%sindex.html", path[1] ? path + 1 : "", path[1] ? "/" : "");
		fd = open_beneath(site, rel);
		if (fd < 0 || fstat(fd, &st) != 0) {
			if (fd >= 0)
				close(fd);
			www_send_not_found(ex);
			return;
		}
		path = "/index.html";
	}

	/* Devices, pipes and sockets are not content. */
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		www_send_not_found(ex);
		return;
	}
	if (!serve_and_cache(site, ex, key, rel, path, fd, &st))
		send_file(ex, path, fd, &st);
	close(fd);
}

void www_site_close(struct www_site *site)
{
	if (site->root_fd >= 0)
		close(site->root_fd);
	free((void *)site->root_path);
	if (site->bundled_views != NULL) {
		for (size_t i = 0; i < www_bundled_count; i++)
			fata_view_release(&site->bundled_views[i]);
	}
	free(site->bundled_views);
	free(site->bundled_etags);
	if (site->cache != NULL) {
		struct www_cache_stats st;

		www_cache_stats(site->cache, &st);
		fata_log(FATA_LOG_INFO, "www", "file cache: %llu hits, %llu misses, %llu stored, "
				"%llu evicted, %llu stale", (unsigned long long)st.hits,
				(unsigned long long)st.misses, (unsigned long long)st.inserts,
				(unsigned long long)st.evictions, (unsigned long long)st.stale);
		www_cache_free(site->cache);
	}
	memset(site, 0, sizeof(*site));
	site->root_fd = -1;
}
